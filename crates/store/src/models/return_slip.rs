//! RCP-3: after-sales return slips (物业返修联系单), one per after-sales reception record, with
//! each step's deadline and on-time result. Every read is scoped by the actor's projects.

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::return_slip::ReturnSlipStatus;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ReturnSlipRow {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub reception_id: i64,
    pub unit_id: Option<i64>,
    pub owner_name: String,
    pub contact_phone: String,
    pub content: String,
    #[sqlx(try_from = "String")]
    pub status: ReturnSlipStatus,
    pub sent_by: Option<i64>,
    pub sent_at: DateTime<Utc>,
    pub feedback_due: Option<DateTime<Utc>>,
    pub start_due: Option<DateTime<Utc>>,
    pub finish_due: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    pub feedback_on_time: Option<bool>,
    pub start_on_time: Option<bool>,
    pub finish_on_time: Option<bool>,
    pub reply: String,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub confirmed_by: String,
    pub done_note: String,
    pub done_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub reception_number: String,
    pub project_name: String,
    pub unit_no: Option<String>,
    pub sent_by_name: Option<String>,
}

const SELECT: &str = "SELECT s.id, s.project_id, s.number, s.reception_id, s.unit_id, s.owner_name, s.contact_phone, s.content, s.status, s.sent_by,
    s.sent_at, s.feedback_due, s.start_due, s.finish_due, s.next_due, s.feedback_on_time, s.start_on_time, s.finish_on_time, s.reply,
    s.acknowledged_at, s.started_at, s.confirmed_by, s.done_note, s.done_at, s.version, r.number AS reception_number, p.name AS project_name,
    u.unit_no, st.display_name AS sent_by_name
    FROM return_slips s
    JOIN reception_records r ON r.id = s.reception_id
    JOIN projects p ON p.id = s.project_id
    LEFT JOIN units u ON u.id = s.unit_id
    LEFT JOIN staff st ON st.id = s.sent_by";

pub struct NewReturnSlip<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub reception_id: i64,
    pub unit_id: Option<i64>,
    pub owner_name: &'a str,
    pub contact_phone: &'a str,
    pub content: &'a str,
    pub sent_by: Option<i64>,
    pub sent_at: DateTime<Utc>,
    pub feedback_due: Option<DateTime<Utc>>,
}

pub async fn insert(c: &mut impl AsEx, n: &NewReturnSlip<'_>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO return_slips (project_id, number, reception_id, unit_id, owner_name, contact_phone, content, status, sent_by, sent_at,
         feedback_due, next_due) VALUES ($1, $2, $3, $4, $5, $6, $7, 'sent', $8, $9, $10, $10)",
    )
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.reception_id)
    .arg(n.unit_id)
    .arg(n.owner_name)
    .arg(n.contact_phone)
    .arg(n.content)
    .arg(n.sent_by)
    .arg(n.sent_at)
    .arg(n.feedback_due);
    c.ex().insert(sql).await
}

/// A slip the actor may see; `lock` is `Tx::for_update()` inside a changing transaction.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<ReturnSlipRow>> {
    // PostgreSQL refuses FOR UPDATE on the nullable side of an outer join: lock the slip only.
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF s") };
    let sql = Sql::new(SELECT).push(" WHERE s.id = ").bind(id).push(" AND s.project_id IN ").bind_list(&actor.projects).push(&lock);
    c.ex().fetch_optional(sql).await
}

/// The state an action writes back, only if the slip is still at `version` (else false → 409).
#[derive(Debug, Clone)]
pub struct Update<'a> {
    pub status: ReturnSlipStatus,
    pub start_due: Option<DateTime<Utc>>,
    pub finish_due: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    pub feedback_on_time: Option<bool>,
    pub start_on_time: Option<bool>,
    pub finish_on_time: Option<bool>,
    pub reply: Option<&'a str>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<&'a str>,
    pub done_note: Option<&'a str>,
    pub done_at: Option<DateTime<Utc>>,
}

pub async fn update(c: &mut impl AsEx, id: i64, version: i64, u: &Update<'_>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE return_slips SET status = $1, start_due = $2, finish_due = $3, next_due = $4, feedback_on_time = COALESCE($5, feedback_on_time),
         start_on_time = COALESCE($6, start_on_time), finish_on_time = COALESCE($7, finish_on_time), reply = COALESCE($8, reply),
         acknowledged_at = COALESCE($9, acknowledged_at), started_at = COALESCE($10, started_at), confirmed_by = COALESCE($11, confirmed_by),
         done_note = COALESCE($12, done_note), done_at = COALESCE($13, done_at), version = version + 1 WHERE id = $14 AND version = $15",
    )
    .arg(u.status.code())
    .arg(u.start_due)
    .arg(u.finish_due)
    .arg(u.next_due)
    .arg(u.feedback_on_time)
    .arg(u.start_on_time)
    .arg(u.finish_on_time)
    .arg(u.reply)
    .arg(u.acknowledged_at)
    .arg(u.started_at)
    .arg(u.confirmed_by)
    .arg(u.done_note)
    .arg(u.done_at)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub status: Option<ReturnSlipStatus>,
    /// Only open slips whose running deadline has passed.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Number, owner, phone or content (substring).
    pub q: Option<String>,
}

fn filter(sql: Sql, actor: &Actor, f: &Filter) -> Sql {
    let mut sql = sql.push(" WHERE s.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND s.project_id = ").bind(p);
    }
    if let Some(st) = f.status {
        sql = sql.push(" AND s.status = ").bind(st.code());
    }
    // Done slips keep next_due empty.
    if let Some(now) = f.overdue_at {
        sql = sql.push(" AND s.next_due < ").bind(now);
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql.push(" AND (");
        for (i, col) in ["s.number", "s.owner_name", "s.contact_phone", "s.content"].iter().enumerate() {
            sql = sql.push(if i == 0 { "" } else { " OR " }).push(col).push(" LIKE ").bind(pat.clone()).push(" ESCAPE '\\'");
        }
        sql = sql.push(")");
    }
    sql
}

pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page) -> Result<Paged<ReturnSlipRow>> {
    let total = c.ex().scalar(filter(Sql::new("SELECT COUNT(*) FROM return_slips s"), actor, f)).await?;
    let sql = filter(Sql::new(SELECT), actor, f).push(" ORDER BY s.sent_at DESC, s.id DESC LIMIT ").bind(page.size).push(" OFFSET ").bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

/// RPT-1: a project's open slips as (overdue, total open), by the running deadline.
pub async fn open_counts(c: &mut impl AsEx, project_id: i64, now: DateTime<Utc>) -> Result<(i64, i64)> {
    let sql = Sql::new(
        "SELECT COALESCE(CAST(SUM(CASE WHEN next_due < $1 THEN 1 ELSE 0 END) AS BIGINT), 0), COUNT(*) FROM return_slips WHERE project_id = $2 AND status <> 'done'",
    )
    .arg(now)
    .arg(project_id);
    c.ex().fetch_one::<(i64, i64)>(sql).await
}
