//! Links between complaints: duplicates of one problem merged under a parent case.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Linked {
    pub id: i64,
    pub number: String,
    pub complainant: String,
    pub content: String,
    pub received_at: DateTime<Utc>,
    pub building_id: Option<i64>,
}

const SELECT: &str = "SELECT c.id, c.number, c.complainant, c.content, c.received_at, u.building_id FROM complaints c LEFT JOIN units u ON u.id = c.unit_id";

/// Open, unmerged complaints of a building received in [from, to], other than `exclude`.
pub async fn in_building(c: &mut impl AsEx, actor: &Actor, building_id: i64, from: DateTime<Utc>, to: DateTime<Utc>, exclude: i64) -> Result<Vec<Linked>> {
    let sql = Sql::new(SELECT)
        .push(" WHERE u.building_id = ")
        .bind(building_id)
        .push(" AND c.received_at >= ")
        .bind(from)
        .push(" AND c.received_at <= ")
        .bind(to)
        .push(" AND c.id <> ")
        .bind(exclude)
        .push(" AND c.parent_id IS NULL AND c.status NOT IN ('closed', 'invalid') AND c.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY c.received_at DESC LIMIT 50");
    c.ex().fetch_all(sql).await
}

pub async fn children(c: &mut impl AsEx, actor: &Actor, parent_id: i64) -> Result<Vec<Linked>> {
    let sql = Sql::new(SELECT).push(" WHERE c.parent_id = ").bind(parent_id).push(" AND c.project_id IN ").bind_list(&actor.projects).push(" ORDER BY c.id");
    c.ex().fetch_all(sql).await
}

pub async fn by_id(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<Linked>> {
    let sql = Sql::new(SELECT).push(" WHERE c.id = ").bind(id).push(" AND c.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// Puts `child` under `parent`, only if it has no parent yet; false when it already has one.
pub async fn set_parent(c: &mut impl AsEx, child: i64, parent: i64) -> Result<bool> {
    let sql = Sql::new("UPDATE complaints SET parent_id = $1, version = version + 1 WHERE id = $2 AND parent_id IS NULL").arg(parent).arg(child);
    Ok(c.ex().execute(sql).await? == 1)
}
