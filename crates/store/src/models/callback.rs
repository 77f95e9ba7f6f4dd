//! CBK — callbacks (回访): the list with due states, one callback with its subject, the recorded
//! details, waivers, and the manager's monthly sample (CBK-7). Every read is scoped by the
//! actor's projects.

use crate::{AsEx, Page, Paged, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::callback::{CallbackRole, CallbackSubject};

pub use propdesk_domain::callback::CallbackStatus;

/// A callback as lists show it: the row without its signature, with its subject's number,
/// customer and content (complaints and, REP-8, work orders) and severity (complaints).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct CallbackItem {
    pub id: i64,
    pub project_id: i64,
    #[sqlx(try_from = "String")]
    pub subject: CallbackSubject,
    pub subject_id: i64,
    pub due_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub assigned_role: CallbackRole,
    #[sqlx(try_from = "String")]
    pub status: CallbackStatus,
    pub method: Option<String>,
    pub satisfied: Option<bool>,
    pub quality: Option<i64>,
    pub speed: Option<i64>,
    pub attitude: Option<i64>,
    pub effect: String,
    pub shortcomings: String,
    pub suggestions: String,
    pub waiver_reason: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by_name: Option<String>,
    pub sampled: bool,
    pub check_note: String,
    pub checked_by_name: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub subject_number: Option<String>,
    pub customer: Option<String>,
    pub phone: Option<String>,
    pub severity: Option<String>,
    pub content: Option<String>,
}

const ITEM: &str = "SELECT cb.id, cb.project_id, cb.subject, cb.subject_id, cb.due_at, cb.assigned_role, cb.status, cb.method, cb.satisfied, cb.quality,
    cb.speed, cb.attitude, cb.effect, cb.shortcomings, cb.suggestions, cb.waiver_reason, cb.done_at, db.display_name AS done_by_name, cb.sampled,
    cb.check_note, ck.display_name AS checked_by_name, cb.checked_at, cb.version, COALESCE(c.number, w.number) AS subject_number,
    COALESCE(c.complainant, w.owner_name) AS customer, COALESCE(c.contact_phone, w.contact_phone) AS phone, c.severity, COALESCE(c.content, w.content) AS content
    FROM callbacks cb
    LEFT JOIN complaints c ON cb.subject = 'complaint' AND c.id = cb.subject_id
    LEFT JOIN work_orders w ON cb.subject = 'repair' AND w.id = cb.subject_id
    LEFT JOIN staff db ON db.id = cb.done_by
    LEFT JOIN staff ck ON ck.id = cb.checked_by";

/// Which callbacks a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub status: Option<CallbackStatus>,
    pub role: Option<CallbackRole>,
    /// Pending callbacks due before this time (overdue: now; due today or overdue: end of today).
    pub due_before: Option<DateTime<Utc>>,
    /// Pending callbacks due at or after this time (due today: now).
    pub due_from: Option<DateTime<Utc>>,
    /// Done in [from, to) (the sampled list of a month).
    pub done_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub sampled_only: bool,
}

fn filter(sql: Sql, actor: &Actor, f: &Filter) -> Sql {
    let mut sql = sql.push(" WHERE cb.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND cb.project_id = ").bind(p);
    }
    if let Some(s) = f.status {
        sql = sql.push(" AND cb.status = ").bind(s.code());
    }
    if let Some(r) = f.role {
        sql = sql.push(" AND cb.assigned_role = ").bind(r.code());
    }
    if f.due_before.is_some() || f.due_from.is_some() {
        sql = sql.push(" AND cb.status = 'pending'");
    }
    if let Some(t) = f.due_before {
        sql = sql.push(" AND cb.due_at < ").bind(t);
    }
    if let Some(t) = f.due_from {
        sql = sql.push(" AND cb.due_at >= ").bind(t);
    }
    if let Some((from, to)) = f.done_between {
        sql = sql.push(" AND cb.status = 'done' AND cb.done_at >= ").bind(from).push(" AND cb.done_at < ").bind(to);
    }
    if f.sampled_only {
        sql = sql.push(" AND cb.sampled = ").bind(true);
    }
    sql
}

/// The callbacks list, most urgent first (pending by due time, then the rest).
pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page) -> Result<Paged<CallbackItem>> {
    let total = c.ex().scalar(filter(Sql::new("SELECT COUNT(*) FROM callbacks cb"), actor, f)).await?;
    let sql = filter(Sql::new(ITEM), actor, f).push(" ORDER BY cb.due_at, cb.id LIMIT ").bind(page.size).push(" OFFSET ").bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

/// One callback the actor may see; `lock` is `Tx::for_update()` inside a changing transaction.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<CallbackItem>> {
    // PostgreSQL refuses FOR UPDATE on the nullable side of an outer join: lock the callback row only.
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF cb") };
    let sql = Sql::new(ITEM).push(" WHERE cb.id = ").bind(id).push(" AND cb.project_id IN ").bind_list(&actor.projects).push(&lock);
    c.ex().fetch_optional(sql).await
}

/// The customer's signature of a visit callback (a PNG data URL), loaded only where shown.
pub async fn signature(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<String>> {
    let sql = Sql::new("SELECT signature FROM callbacks WHERE id = ").bind(id).push(" AND project_id IN ").bind_list(&actor.projects);
    Ok(c.ex().fetch_optional::<(Option<String>,)>(sql).await?.and_then(|r| r.0))
}

/// What a callback recorded (CBK-5).
pub struct Recorded<'a> {
    pub method: &'a str,
    pub satisfied: bool,
    pub quality: i64,
    pub speed: i64,
    pub attitude: i64,
    pub effect: &'a str,
    pub shortcomings: &'a str,
    pub suggestions: &'a str,
    pub signature: Option<&'a str>,
}

/// Writes the details onto the callback and marks it done (the complaint workflow may already
/// have settled its status in the same transaction).
pub async fn record(c: &mut impl AsEx, id: i64, r: &Recorded<'_>, by: Option<i64>, now: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new(
        "UPDATE callbacks SET status = 'done', method = $1, satisfied = $2, quality = $3, speed = $4, attitude = $5, effect = $6, shortcomings = $7,
         suggestions = $8, signature = $9, done_by = COALESCE(done_by, $10), done_at = COALESCE(done_at, $11), version = version + 1
         WHERE id = $12 AND status IN ('pending', 'done')",
    )
    .arg(r.method)
    .arg(r.satisfied)
    .arg(r.quality)
    .arg(r.speed)
    .arg(r.attitude)
    .arg(r.effect)
    .arg(r.shortcomings)
    .arg(r.suggestions)
    .arg(r.signature)
    .arg(by)
    .arg(now)
    .arg(id);
    c.ex().execute(sql).await
}

/// Marks a callback waived with the reason's code (CBK-4).
pub async fn waive(c: &mut impl AsEx, id: i64, reason_code: &str, by: Option<i64>, now: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new(
        "UPDATE callbacks SET status = 'waived', waiver_reason = $1, done_by = COALESCE(done_by, $2), done_at = COALESCE(done_at, $3), version = version + 1
         WHERE id = $4 AND status IN ('pending', 'waived')",
    )
    .arg(reason_code)
    .arg(by)
    .arg(now)
    .arg(id);
    c.ex().execute(sql).await
}

/// CBK-2: pending callbacks of a subject move to the role its severity now calls for.
pub async fn reassign_pending(c: &mut impl AsEx, subject: &str, subject_id: i64, role: CallbackRole) -> Result<u64> {
    let sql = Sql::new("UPDATE callbacks SET assigned_role = $1 WHERE subject = $2 AND subject_id = $3 AND status = 'pending'")
        .arg(role.code())
        .arg(subject)
        .arg(subject_id);
    c.ex().execute(sql).await
}

/// CBK-7: how many of a project's callbacks done in [from, to) exist, and how many are sampled.
pub async fn month_counts(c: &mut impl AsEx, project_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(i64, i64)> {
    let sql = Sql::new(
        "SELECT COUNT(*), COALESCE(CAST(SUM(CASE WHEN sampled = $1 THEN 1 ELSE 0 END) AS BIGINT), 0) FROM callbacks
         WHERE project_id = $2 AND status = 'done' AND done_at >= $3 AND done_at < $4",
    )
    .arg(true)
    .arg(project_id)
    .arg(from)
    .arg(to);
    c.ex().fetch_one::<(i64, i64)>(sql).await
}

/// CBK-7: marks `k` random callbacks of a project done in [from, to) as sampled; returns their ids.
pub async fn draw_sample(c: &mut impl AsEx, project_id: i64, from: DateTime<Utc>, to: DateTime<Utc>, k: i64) -> Result<Vec<i64>> {
    let pick = Sql::new("SELECT id FROM callbacks WHERE project_id = $1 AND status = 'done' AND done_at >= $2 AND done_at < $3 ORDER BY RANDOM() LIMIT $4")
        .arg(project_id)
        .arg(from)
        .arg(to)
        .arg(k);
    let ids: Vec<(i64,)> = c.ex().fetch_all(pick).await?;
    let ids: Vec<i64> = ids.into_iter().map(|r| r.0).collect();
    if !ids.is_empty() {
        c.ex().execute(Sql::new("UPDATE callbacks SET sampled = ").bind(true).push(" WHERE id IN ").bind_list(&ids)).await?;
    }
    Ok(ids)
}

/// CBK-7: the manager's quality-check note on a sampled callback.
pub async fn set_check(c: &mut impl AsEx, actor: &Actor, id: i64, note: &str, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new("UPDATE callbacks SET check_note = $1, checked_by = $2, checked_at = $3 WHERE id = $4 AND sampled = $5 AND project_id IN ")
        .arg(note)
        .arg(Some(actor.staff_id).filter(|s| *s > 0))
        .arg(now)
        .arg(id)
        .arg(true)
        .bind_list(&actor.projects);
    Ok(c.ex().execute(sql).await? == 1)
}

/// REP-8: the callback of a work order still waiting, if any (its id).
pub async fn pending_for_work_order(c: &mut impl AsEx, work_order_id: i64) -> Result<Option<i64>> {
    let sql = Sql::new("SELECT id FROM callbacks WHERE subject = 'repair' AND subject_id = ").bind(work_order_id).push(" AND status = 'pending' ORDER BY id");
    Ok(c.ex().fetch_all::<(i64,)>(sql).await?.first().map(|r| r.0))
}
