//! SEC-1: the append-only event table. Every ops transaction writes its event here; the
//! schema has triggers that refuse UPDATE and DELETE on it.

use crate::{AsEx, Page, Paged, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Event {
    pub id: i64,
    pub project_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: DateTime<Utc>,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub payload: String,
}

/// What happened, ready to be appended.
pub struct NewEvent<'a> {
    pub project_id: Option<i64>,
    pub entity: &'a str,
    pub entity_id: i64,
    pub action: &'a str,
    pub payload: serde_json::Value,
}

pub async fn append(c: &mut impl AsEx, actor: &Actor, at: DateTime<Utc>, e: NewEvent<'_>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO events (company_id, project_id, actor_id, actor_name, at, entity, entity_id, action, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .arg(actor.company_id)
    .arg(e.project_id)
    .arg(Some(actor.staff_id).filter(|id| *id > 0))
    .arg(&actor.name)
    .arg(at)
    .arg(e.entity)
    .arg(e.entity_id)
    .arg(e.action)
    .arg(e.payload.to_string());
    c.ex().insert(sql).await
}

/// The history of one record, oldest first; the caller has already checked it may see the record.
pub async fn for_entity(c: &mut impl AsEx, entity: &str, entity_id: i64) -> Result<Vec<Event>> {
    let sql = Sql::new(
        "SELECT id, project_id, actor_id, actor_name, at, entity, entity_id, action, payload FROM events WHERE entity = $1 AND entity_id = $2 ORDER BY id",
    )
    .arg(entity)
    .arg(entity_id);
    c.ex().fetch_all(sql).await
}

/// The audit log of the actor's projects (and company-wide events), newest first.
pub async fn recent(c: &mut impl AsEx, actor: &Actor, entity: Option<&str>, page: Page) -> Result<Paged<Event>> {
    let filter = |sql: Sql| {
        let sql =
            sql.push(" WHERE company_id = ").bind(actor.company_id).push(" AND (project_id IS NULL OR project_id IN ").bind_list(&actor.projects).push(")");
        match entity {
            Some(e) => sql.push(" AND entity = ").bind(e),
            None => sql,
        }
    };
    let total = c.ex().scalar(filter(Sql::new("SELECT COUNT(*) FROM events"))).await?;
    let sql = filter(Sql::new("SELECT id, project_id, actor_id, actor_name, at, entity, entity_id, action, payload FROM events"))
        .push(" ORDER BY id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}
