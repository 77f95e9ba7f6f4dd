//! REP-9: rectification notices (整改通知单) issued from repair callbacks, due within 24 hours,
//! closed with the fix. Every read is scoped by the actor's projects.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;

pub use propdesk_domain::work_order::RectificationStatus;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct RectificationRow {
    pub id: i64,
    pub project_id: i64,
    pub work_order_id: i64,
    pub callback_id: Option<i64>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub problem: String,
    pub issued_by: Option<i64>,
    pub issued_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub status: RectificationStatus,
    pub fix: String,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<i64>,
    pub on_time: Option<bool>,
    pub version: i64,
    pub work_order_number: String,
    pub location: String,
    pub owner_name: String,
    pub content: String,
    pub department_name: Option<String>,
    pub assignee_name: Option<String>,
    pub issued_by_name: Option<String>,
    pub done_by_name: Option<String>,
    pub project_name: String,
}

const SELECT: &str = "SELECT r.id, r.project_id, r.work_order_id, r.callback_id, r.department_id, r.assignee_id, r.problem, r.issued_by, r.issued_at,
    r.due_at, r.status, r.fix, r.done_at, r.done_by, r.on_time, r.version, w.number AS work_order_number, w.location, w.owner_name, w.content,
    d.name AS department_name, a.display_name AS assignee_name, i.display_name AS issued_by_name, f.display_name AS done_by_name, p.name AS project_name
    FROM rectifications r
    JOIN work_orders w ON w.id = r.work_order_id
    JOIN projects p ON p.id = r.project_id
    LEFT JOIN departments d ON d.id = r.department_id
    LEFT JOIN staff a ON a.id = r.assignee_id
    LEFT JOIN staff i ON i.id = r.issued_by
    LEFT JOIN staff f ON f.id = r.done_by";

pub struct NewRectification<'a> {
    pub project_id: i64,
    pub work_order_id: i64,
    pub callback_id: Option<i64>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub problem: &'a str,
    pub issued_by: Option<i64>,
    pub issued_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

pub async fn insert(c: &mut impl AsEx, n: &NewRectification<'_>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO rectifications (project_id, work_order_id, callback_id, department_id, assignee_id, problem, issued_by, issued_at, due_at, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open')",
    )
    .arg(n.project_id)
    .arg(n.work_order_id)
    .arg(n.callback_id)
    .arg(n.department_id)
    .arg(n.assignee_id)
    .arg(n.problem)
    .arg(n.issued_by)
    .arg(n.issued_at)
    .arg(n.due_at);
    c.ex().insert(sql).await
}

/// One notice the actor may see; `lock` is `Tx::for_update()` inside a changing transaction.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<RectificationRow>> {
    // PostgreSQL refuses FOR UPDATE on the nullable side of an outer join: lock the notice only.
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF r") };
    let sql = Sql::new(SELECT).push(" WHERE r.id = ").bind(id).push(" AND r.project_id IN ").bind_list(&actor.projects).push(&lock);
    c.ex().fetch_optional(sql).await
}

/// The notices of one work order, oldest first.
pub async fn for_work_order(c: &mut impl AsEx, actor: &Actor, work_order_id: i64) -> Result<Vec<RectificationRow>> {
    let sql =
        Sql::new(SELECT).push(" WHERE r.work_order_id = ").bind(work_order_id).push(" AND r.project_id IN ").bind_list(&actor.projects).push(" ORDER BY r.id");
    c.ex().fetch_all(sql).await
}

/// Closes an open notice with its fix, only if still at `version` (else false → 409).
pub async fn close(c: &mut impl AsEx, id: i64, version: i64, fix: &str, on_time: bool, by: Option<i64>, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE rectifications SET status = 'done', fix = $1, on_time = $2, done_by = $3, done_at = $4, version = version + 1
         WHERE id = $5 AND version = $6 AND status = 'open'",
    )
    .arg(fix)
    .arg(on_time)
    .arg(by)
    .arg(now)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// RPT-1: a project's open notices as (overdue, total open).
pub async fn open_counts(c: &mut impl AsEx, project_id: i64, now: DateTime<Utc>) -> Result<(i64, i64)> {
    let sql = Sql::new(
        "SELECT COALESCE(CAST(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END) AS BIGINT), 0), COUNT(*) FROM rectifications WHERE project_id = $2 AND status = 'open'",
    )
    .arg(now)
    .arg(project_id);
    c.ex().fetch_one::<(i64, i64)>(sql).await
}
