//! The notification outbox and the staff inbox it delivers to (DESIGN.md: "enqueue
//! notifications in the outbox table" inside the ops transaction). Messages are written by
//! the transaction that causes them; the delivery job moves due rows into a channel and marks
//! them delivered. The inbox is read only by its owner, within the owner's projects (SEC-2).

use crate::{AsEx, Page, Paged, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::notify::NoticeKind;

/// A message waiting for delivery (or delivered).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct OutboxRow {
    pub id: i64,
    pub company_id: i64,
    pub project_id: Option<i64>,
    pub recipient_staff_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: NoticeKind,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub entity: String,
    pub entity_id: i64,
    pub created_at: DateTime<Utc>,
    pub deliver_after: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

const OUTBOX_COLS: &str = "id, company_id, project_id, recipient_staff_id, kind, subject, body, link, entity, entity_id, created_at, deliver_after,
    delivered_at, attempts, last_error";

/// One message for one or more recipients.
pub struct NewMessage<'a> {
    pub company_id: i64,
    pub project_id: Option<i64>,
    pub kind: NoticeKind,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub entity: &'a str,
    pub entity_id: i64,
}

/// Enqueues `m` once per recipient, due at once; one multi-row INSERT. Returns the rows written.
pub async fn enqueue(c: &mut impl AsEx, m: &NewMessage<'_>, recipients: &[i64], now: DateTime<Utc>) -> Result<u64> {
    if recipients.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new(
        "INSERT INTO outbox (company_id, project_id, recipient_staff_id, kind, subject, body, link, entity, entity_id, created_at, deliver_after) VALUES ",
    );
    for (i, r) in recipients.iter().enumerate() {
        sql = sql.push(if i == 0 { "(" } else { ", (" });
        sql = sql.bind(m.company_id).push(", ").bind(m.project_id).push(", ").bind(*r).push(", ").bind(m.kind.code()).push(", ").bind(m.subject);
        sql = sql.push(", ").bind(m.body).push(", ").bind(m.link).push(", ").bind(m.entity).push(", ").bind(m.entity_id);
        sql = sql.push(", ").bind(now).push(", ").bind(now).push(")");
    }
    c.ex().execute(sql).await
}

/// Active staff of the company holding one of `roles` and assigned to the project.
/// One message per complaint an escalation chunk raised (its rows carry `marker` in
/// `escalated_at`) to each active staff member of its project holding one of `roles`, set-based.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_for_escalated(
    c: &mut impl AsEx,
    system: &Actor,
    marker: DateTime<Utc>,
    roles: &[Role],
    kind: NoticeKind,
    subject_prefix: &str,
    body_suffix: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut sql = Sql::new(
        "INSERT INTO outbox (company_id, project_id, recipient_staff_id, kind, subject, body, link, entity, entity_id, created_at, deliver_after)
         SELECT $1, c.project_id, s.id, $2, $3 || c.number,
         CASE WHEN LENGTH(c.content) > 60 THEN SUBSTR(c.content, 1, 60) || '…' ELSE c.content END || $4,
         '/complaints/' || CAST(c.id AS TEXT), 'complaint', c.id, $5, $5
         FROM complaints c JOIN staff_projects sp ON sp.project_id = c.project_id JOIN staff s ON s.id = sp.staff_id
         WHERE c.escalated_at = $6 AND s.company_id = $1 AND s.active = $7 AND c.project_id IN ",
    )
    .arg(system.company_id)
    .arg(kind.code())
    .arg(subject_prefix)
    .arg(body_suffix)
    .arg(now)
    .arg(marker)
    .arg(true)
    .bind_list(&system.projects)
    .push(" AND s.role IN (");
    for (i, r) in roles.iter().enumerate() {
        sql = sql.push(if i == 0 { "" } else { ", " }).bind(r.code());
    }
    c.ex().execute(sql.push(") ORDER BY c.id, s.id")).await
}

pub async fn staff_with_roles(c: &mut impl AsEx, company_id: i64, project_id: i64, roles: &[Role]) -> Result<Vec<i64>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT s.id FROM staff s JOIN staff_projects sp ON sp.staff_id = s.id WHERE s.company_id = ")
        .bind(company_id)
        .push(" AND sp.project_id = ")
        .bind(project_id)
        .push(" AND s.active = ")
        .bind(true)
        .push(" AND s.role IN (");
    for (i, r) in roles.iter().enumerate() {
        if i > 0 {
            sql = sql.push(", ");
        }
        sql = sql.bind(r.code());
    }
    let rows: Vec<(i64,)> = c.ex().fetch_all(sql.push(") ORDER BY s.id")).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The heads of a department on a project; its members there when it has no head there.
pub async fn department_recipients(c: &mut impl AsEx, company_id: i64, project_id: i64, department_id: i64) -> Result<Vec<i64>> {
    let sql = Sql::new(
        "SELECT s.id, s.department_head FROM staff s JOIN staff_projects sp ON sp.staff_id = s.id
         WHERE s.company_id = $1 AND sp.project_id = $2 AND s.department_id = $3 AND s.active = $4 ORDER BY s.id",
    )
    .arg(company_id)
    .arg(project_id)
    .arg(department_id)
    .arg(true);
    let rows: Vec<(i64, bool)> = c.ex().fetch_all(sql).await?;
    let heads: Vec<i64> = rows.iter().filter(|r| r.1).map(|r| r.0).collect();
    Ok(if heads.is_empty() { rows.into_iter().map(|r| r.0).collect() } else { heads })
}

/// REP-5: the engineering heads on a project (engineering staff marked 部门负责人); all the
/// project's active engineering staff when none of them is a head, so an emergency always
/// reaches someone on the rota.
pub async fn engineering_heads(c: &mut impl AsEx, company_id: i64, project_id: i64) -> Result<Vec<i64>> {
    let sql = Sql::new(
        "SELECT s.id, s.department_head FROM staff s JOIN staff_projects sp ON sp.staff_id = s.id
         WHERE s.company_id = $1 AND sp.project_id = $2 AND s.role = $3 AND s.active = $4 ORDER BY s.id",
    )
    .arg(company_id)
    .arg(project_id)
    .arg(Role::Engineering.code())
    .arg(true);
    let rows: Vec<(i64, bool)> = c.ex().fetch_all(sql).await?;
    let heads: Vec<i64> = rows.iter().filter(|r| r.1).map(|r| r.0).collect();
    Ok(if heads.is_empty() { rows.into_iter().map(|r| r.0).collect() } else { heads })
}

/// One member of staff, if active and assigned to the project (else nobody).
pub async fn staff_on_project(c: &mut impl AsEx, company_id: i64, project_id: i64, staff_id: i64) -> Result<Vec<i64>> {
    let sql = Sql::new(
        "SELECT s.id FROM staff s JOIN staff_projects sp ON sp.staff_id = s.id WHERE s.company_id = $1 AND sp.project_id = $2 AND s.id = $3 AND s.active = $4",
    )
    .arg(company_id)
    .arg(project_id)
    .arg(staff_id)
    .arg(true);
    let rows: Vec<(i64,)> = c.ex().fetch_all(sql).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Undelivered rows due by `now`, oldest first, that have not failed `max_attempts` times.
/// `lock` is `Tx::for_update()`; on PostgreSQL the rows are taken with SKIP LOCKED, so nodes
/// delivering at the same time take different rows instead of waiting for each other.
pub async fn due(c: &mut impl AsEx, now: DateTime<Utc>, limit: i64, max_attempts: i64, lock: &str) -> Result<Vec<OutboxRow>> {
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} SKIP LOCKED") };
    let sql = Sql::new(&format!("SELECT {OUTBOX_COLS} FROM outbox WHERE delivered_at IS NULL AND deliver_after <= "))
        .bind(now)
        .push(" AND attempts < ")
        .bind(max_attempts)
        .push(" ORDER BY deliver_after, id LIMIT ")
        .bind(limit)
        .push(&lock);
    c.ex().fetch_all(sql).await
}

/// Marks a row delivered; 0 when another delivery got there first.
pub async fn mark_delivered(c: &mut impl AsEx, id: i64, now: DateTime<Utc>) -> Result<u64> {
    let sql =
        Sql::new("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2 AND delivered_at IS NULL").arg(now).arg(id);
    c.ex().execute(sql).await
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(c: &mut impl AsEx, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new("UPDATE outbox SET attempts = attempts + 1, last_error = $1, deliver_after = $2 WHERE id = $3 AND delivered_at IS NULL")
        .arg(error)
        .arg(retry_at)
        .arg(id);
    c.ex().execute(sql).await
}

// ---------- the staff inbox (the delivery channel that exists today) ----------

/// A delivered message as its recipient sees it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct InboxItem {
    pub id: i64,
    pub project_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub kind: NoticeKind,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub entity: String,
    pub entity_id: i64,
    pub created_at: DateTime<Utc>,
    pub delivered_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

const INBOX_COLS: &str = "id, project_id, kind, subject, body, link, entity, entity_id, created_at, delivered_at, read_at";

/// Puts a message into its recipient's inbox; a message already there is left alone (0).
pub async fn put_inbox(c: &mut impl AsEx, m: &OutboxRow, now: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new(
        "INSERT INTO inbox (outbox_id, company_id, project_id, staff_id, kind, subject, body, link, entity, entity_id, created_at, delivered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (outbox_id) DO NOTHING",
    )
    .arg(m.id)
    .arg(m.company_id)
    .arg(m.project_id)
    .arg(m.recipient_staff_id)
    .arg(m.kind.code())
    .arg(&m.subject)
    .arg(&m.body)
    .arg(&m.link)
    .arg(&m.entity)
    .arg(m.entity_id)
    .arg(m.created_at)
    .arg(now);
    c.ex().execute(sql).await
}

/// The actor's own messages, within the projects the actor still has (SEC-2).
fn mine(sql: Sql, actor: &Actor) -> Sql {
    sql.push(" WHERE staff_id = ").bind(actor.staff_id).push(" AND (project_id IS NULL OR project_id IN ").bind_list(&actor.projects).push(")")
}

/// The actor's inbox, newest first.
pub async fn inbox(c: &mut impl AsEx, actor: &Actor, unread_only: bool, page: Page) -> Result<Paged<InboxItem>> {
    let unread = if unread_only { " AND read_at IS NULL" } else { "" };
    let total = c.ex().scalar(mine(Sql::new("SELECT COUNT(*) FROM inbox"), actor).push(unread)).await?;
    let sql = mine(Sql::new(&format!("SELECT {INBOX_COLS} FROM inbox")), actor)
        .push(unread)
        .push(" ORDER BY id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

/// One of the actor's messages; another person's is not found.
pub async fn inbox_item(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<InboxItem>> {
    c.ex().fetch_optional(mine(Sql::new(&format!("SELECT {INBOX_COLS} FROM inbox")), actor).push(" AND id = ").bind(id)).await
}

/// How many of the actor's messages are unread (the badge in the top bar).
pub async fn unread_count(c: &mut impl AsEx, actor: &Actor) -> Result<i64> {
    c.ex().scalar(mine(Sql::new("SELECT COUNT(*) FROM inbox"), actor).push(" AND read_at IS NULL")).await
}

/// Marks one of the actor's messages read (0 when it already was).
pub async fn mark_read(c: &mut impl AsEx, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<u64> {
    let sql = mine(Sql::new("UPDATE inbox SET read_at = ").bind(now), actor).push(" AND id = ").bind(id).push(" AND read_at IS NULL");
    c.ex().execute(sql).await
}

/// Marks all of the actor's unread messages read; returns how many.
pub async fn mark_all_read(c: &mut impl AsEx, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
    c.ex().execute(mine(Sql::new("UPDATE inbox SET read_at = ").bind(now), actor).push(" AND read_at IS NULL")).await
}
