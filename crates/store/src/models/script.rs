//! RCP-5: a project's own standard scripts. A row overrides the domain default for one
//! moment; no row means the default. Reads are scoped by the caller's projects.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::reception::ScriptMoment;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ScriptRow {
    pub project_id: i64,
    #[sqlx(try_from = "String")]
    pub moment: ScriptMoment,
    pub text: String,
    pub updated_by: Option<i64>,
    pub updated_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT sc.project_id, sc.moment, sc.text, sc.updated_by, s.display_name AS updated_by_name, sc.updated_at
    FROM scripts sc LEFT JOIN staff s ON s.id = sc.updated_by";

/// The scripts the given projects wrote themselves (the caller passes only projects it may see).
pub async fn of_projects(c: &mut impl AsEx, project_ids: &[i64]) -> Result<Vec<ScriptRow>> {
    c.ex().fetch_all(Sql::new(SELECT).push(" WHERE sc.project_id IN ").bind_list(project_ids).push(" ORDER BY sc.project_id, sc.moment")).await
}

/// One project's own text for a moment; `lock` is `Tx::for_update()` inside a change.
pub async fn get(c: &mut impl AsEx, project_id: i64, moment: ScriptMoment, lock: &str) -> Result<Option<(String,)>> {
    let sql = Sql::new("SELECT text FROM scripts WHERE project_id = $1 AND moment = $2").arg(project_id).arg(moment.code()).push(lock);
    c.ex().fetch_optional(sql).await
}

/// Writes a project's text for a moment (insert or replace).
pub async fn put(c: &mut impl AsEx, project_id: i64, moment: ScriptMoment, text: &str, by: Option<i64>, now: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new(
        "INSERT INTO scripts (project_id, moment, text, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project_id, moment) DO UPDATE SET text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .arg(project_id)
    .arg(moment.code())
    .arg(text)
    .arg(by)
    .arg(now);
    c.ex().execute(sql).await
}

/// Drops a project's text for a moment, so the default shows again.
pub async fn delete(c: &mut impl AsEx, project_id: i64, moment: ScriptMoment) -> Result<u64> {
    c.ex().execute(Sql::new("DELETE FROM scripts WHERE project_id = $1 AND moment = $2").arg(project_id).arg(moment.code())).await
}
