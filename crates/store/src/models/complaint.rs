//! Complaints, their department parts and callbacks; reception numbers. Every read is scoped
//! by the actor's projects.

use crate::models::search_index::{self, COMPLAINTS, Drive, Text};
use crate::{AsEx, Backend, Page, Paged, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::callback::{CallbackRole, CallbackStatus};
use propdesk_domain::complaint::{ComplaintStatus, DeptStatus, ImportantKind, MajorReason, Severity};
use propdesk_domain::reception::Channel;
use propdesk_domain::search;

/// The next human number of a kind in a project (`HXGC/TS001`), inside the creating transaction.
pub async fn next_number(c: &mut impl AsEx, project_id: i64, name: &str) -> Result<i64> {
    let sql = Sql::new("INSERT INTO counters (project_id, name, value) VALUES ($1, $2, 1) ON CONFLICT (project_id, name) DO UPDATE SET value = counters.value + 1 RETURNING value")
        .arg(project_id)
        .arg(name);
    c.ex().scalar(sql).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ComplaintRow {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub reception_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub complainant: String,
    pub contact_phone: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub content: String,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    pub important_kind: Option<String>,
    pub major_reason: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: ComplaintStatus,
    pub received_at: DateTime<Utc>,
    pub next_due: Option<DateTime<Utc>>,
    pub callback_due: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopened: i64,
    pub typical_case: bool,
    pub parent_id: Option<i64>,
    pub topic: String,
    pub version: i64,
    /// CMP-9: since when the case waits for a head's decision on a disagreement.
    pub decision_requested_at: Option<DateTime<Utc>>,
}

const COLS: &str =
    "id, project_id, number, reception_id, unit_id, party_id, complainant, contact_phone, channel, content, severity, important_kind, major_reason,
    status, received_at, next_due, callback_due, resolved_at, closed_at, reopened, typical_case, parent_id, topic, version, decision_requested_at";

pub struct NewComplaint<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub reception_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub complainant: &'a str,
    pub contact_phone: &'a str,
    pub channel: Channel,
    pub content: &'a str,
    pub severity: Severity,
    pub important_kind: Option<ImportantKind>,
    pub major_reason: Option<MajorReason>,
    pub received_at: DateTime<Utc>,
    pub topic: &'a str,
}

/// Inserts a complaint and, in the same transaction, its search entry (CMP-14): the grams of
/// its number, complainant, phone and content, so search never misses a new complaint.
pub async fn insert(c: &mut impl AsEx, n: &NewComplaint<'_>, now: DateTime<Utc>) -> Result<i64> {
    let doc = search::document(&[n.number, n.complainant, n.contact_phone, n.content]);
    let backend = c.ex().backend();
    // PostgreSQL keeps the tsvector on the row; SQLite's goes to the FTS5 table below.
    let (search_col, search_val) = match backend {
        Backend::Postgres => (", search", ", CAST($17 AS tsvector)"),
        Backend::Sqlite => ("", ""),
    };
    let sql = Sql::new(&format!(
        "INSERT INTO complaints (project_id, number, reception_id, unit_id, party_id, complainant, contact_phone, channel, content, severity, important_kind,
         major_reason, status, received_at, topic, created_at, search_version{search_col}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'received', $13, $14, $15, $16{search_val})",
    ))
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.reception_id)
    .arg(n.unit_id)
    .arg(n.party_id)
    .arg(n.complainant)
    .arg(n.contact_phone)
    .arg(n.channel.code())
    .arg(n.content)
    .arg(n.severity.code())
    .arg(n.important_kind.map(|k| k.code()))
    .arg(n.major_reason.map(|k| k.code()))
    .arg(n.received_at)
    .arg(n.topic)
    .arg(now)
    .arg(search::VERSION);
    let sql = match backend {
        Backend::Postgres => sql.arg(doc.tsvector()),
        Backend::Sqlite => sql,
    };
    let id = c.ex().insert(sql).await?;
    if backend == Backend::Sqlite {
        c.ex().execute(Sql::new("INSERT INTO complaint_search (rowid, grams) VALUES ($1, $2)").arg(id).arg(doc.fts_text())).await?;
    }
    Ok(id)
}

/// A complaint the actor may see; `lock` is `Tx::for_update()` inside a changing transaction.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<ComplaintRow>> {
    let sql = Sql::new(&format!("SELECT {COLS} FROM complaints WHERE id = ")).bind(id).push(" AND project_id IN ").bind_list(&actor.projects).push(lock);
    c.ex().fetch_optional(sql).await
}

/// The state a transition writes back, only if the row is still at `version` (else false → 409).
pub struct Update {
    pub status: ComplaintStatus,
    pub severity: Severity,
    pub major_reason: Option<MajorReason>,
    pub next_due: Option<DateTime<Utc>>,
    pub callback_due: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopened: i64,
    pub decision_requested_at: Option<DateTime<Utc>>,
}

pub async fn update(c: &mut impl AsEx, id: i64, version: i64, u: &Update) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE complaints SET status = $1, severity = $2, major_reason = COALESCE($3, major_reason), next_due = $4, callback_due = $5, resolved_at = $6,
         closed_at = $7, reopened = $8, decision_requested_at = $11, version = version + 1 WHERE id = $9 AND version = $10",
    )
    .arg(u.status.code())
    .arg(u.severity.code())
    .arg(u.major_reason.map(|r| r.code()))
    .arg(u.next_due)
    .arg(u.callback_due)
    .arg(u.resolved_at)
    .arg(u.closed_at)
    .arg(u.reopened)
    .arg(id)
    .arg(version)
    .arg(u.decision_requested_at);
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DeptRow {
    pub complaint_id: i64,
    pub department_id: i64,
    pub department_name: String,
    #[sqlx(try_from = "String")]
    pub status: DeptStatus,
    pub acceptance_due: Option<DateTime<Utc>>,
    pub plan_due: Option<DateTime<Utc>>,
    pub completion_due: Option<DateTime<Utc>>,
    pub plan: String,
    pub result: String,
}

pub async fn departments(c: &mut impl AsEx, complaint_id: i64) -> Result<Vec<DeptRow>> {
    let sql = Sql::new(
        "SELECT cd.complaint_id, cd.department_id, d.name AS department_name, cd.status, cd.acceptance_due, cd.plan_due, cd.completion_due, cd.plan, cd.result
         FROM complaint_departments cd JOIN departments d ON d.id = cd.department_id WHERE cd.complaint_id = $1 ORDER BY d.code",
    )
    .arg(complaint_id);
    c.ex().fetch_all(sql).await
}

/// Writes one department's part; due dates and texts are only overwritten when given.
#[allow(clippy::too_many_arguments)]
pub async fn put_department(
    c: &mut impl AsEx,
    complaint_id: i64,
    department_id: i64,
    status: DeptStatus,
    acceptance_due: Option<DateTime<Utc>>,
    plan_due: Option<DateTime<Utc>>,
    completion_due: Option<DateTime<Utc>>,
    plan: Option<&str>,
    result: Option<&str>,
) -> Result<u64> {
    let sql = Sql::new(
        "INSERT INTO complaint_departments (complaint_id, department_id, status, acceptance_due, plan_due, completion_due, plan, result)
         VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, ''), COALESCE($8, ''))
         ON CONFLICT (complaint_id, department_id) DO UPDATE SET status = excluded.status,
           acceptance_due = COALESCE($4, complaint_departments.acceptance_due),
           plan_due = COALESCE($5, complaint_departments.plan_due),
           completion_due = COALESCE($6, complaint_departments.completion_due),
           plan = COALESCE($7, complaint_departments.plan),
           result = COALESCE($8, complaint_departments.result)",
    )
    .arg(complaint_id)
    .arg(department_id)
    .arg(status.code())
    .arg(acceptance_due)
    .arg(plan_due)
    .arg(completion_due)
    .arg(plan)
    .arg(result);
    c.ex().execute(sql).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub status: Option<ComplaintStatus>,
    pub severity: Option<Severity>,
    /// Only open complaints whose next deadline has passed.
    pub overdue_at: Option<DateTime<Utc>>,
    pub typical_only: bool,
    /// CMP-9: only complaints waiting for a head's decision.
    pub awaiting_decision: bool,
    /// Number, complainant, phone or content (substring, Chinese words of any length).
    pub q: Option<String>,
}

pub use crate::models::search_index::SEARCH_COUNT_CAP;

/// True while some complaints have no search entry yet (a database from before the index,
/// being backfilled); searches then scan with LIKE so they miss nothing.
pub async fn search_pending(c: &mut impl AsEx) -> Result<bool> {
    search_index::pending(c, &COMPLAINTS).await
}

fn filter(sql: Sql, actor: &Actor, f: &Filter, text: &Text, drive: Drive) -> Sql {
    let mut sql = sql.push(" WHERE project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND project_id = ").bind(p);
    }
    if let Some(s) = f.status {
        sql = sql.push(" AND status = ").bind(s.code());
    }
    if let Some(s) = f.severity {
        sql = sql.push(" AND severity = ").bind(s.code());
    }
    if let Some(now) = f.overdue_at {
        sql = sql.push(" AND status <> 'closed' AND next_due < ").bind(now);
    }
    if f.typical_only {
        sql = sql.push(" AND typical_case = ").bind(true);
    }
    if f.awaiting_decision {
        sql = sql.push(" AND decision_requested_at IS NOT NULL");
    }
    COMPLAINTS.matching(sql, text, drive)
}

/// One page of the complaint list, and whether more complaints match a text search than
/// `paged.total` (which then stops at `SEARCH_COUNT_CAP`).
#[derive(Debug, Clone)]
pub struct Listed {
    pub paged: Paged<ComplaintRow>,
    pub more: bool,
}

/// The complaint list: newest first by intake time, with its count. A text search (`f.q`) is
/// newest first by id — the intake order too, as a complaint's `received_at` is the time of the
/// transaction that creates it — so the index can hand out its matches in order and stop at the
/// page; its count stops at `SEARCH_COUNT_CAP`.
pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page) -> Result<Listed> {
    let text = search_index::text_of(c, &COMPLAINTS, f.q.as_deref()).await?;
    if let Text::Any = text {
        let total = c.ex().scalar(filter(COMPLAINTS.from("SELECT COUNT(*)", &text, Drive::Matches, ""), actor, f, &text, Drive::Matches)).await?;
        let sql = filter(COMPLAINTS.from(&format!("SELECT {COLS}"), &text, Drive::Matches, ""), actor, f, &text, Drive::Matches)
            .push(" ORDER BY received_at DESC, id DESC LIMIT ")
            .bind(page.size)
            .push(" OFFSET ")
            .bind(page.offset());
        let items = c.ex().fetch_all(sql).await?;
        return Ok(Listed { paged: Paged { items, total, page }, more: false });
    }
    let narrowed = f.project_id.is_some() || f.status.is_some() || f.severity.is_some() || f.overdue_at.is_some() || f.typical_only;
    let drive = COMPLAINTS.count_drive(c, &text, narrowed).await?;
    let count = filter(COMPLAINTS.from("SELECT COUNT(*) FROM (SELECT 1", &text, drive, ""), actor, f, &text, drive)
        .push(" LIMIT ")
        .bind(SEARCH_COUNT_CAP + 1)
        .push(") n");
    let counted = c.ex().scalar(count).await?;
    let sql = filter(COMPLAINTS.from(&format!("SELECT {COLS}"), &text, Drive::Matches, ""), actor, f, &text, Drive::Matches)
        .push(&COMPLAINTS.newest_first(&text))
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Listed { paged: Paged { items, total: counted.min(SEARCH_COUNT_CAP), page }, more: counted > SEARCH_COUNT_CAP })
}

/// Distinct complainants (by phone, else name) on a topic in a project since `since` (CMP-2).
pub async fn distinct_complainants(c: &mut impl AsEx, project_id: i64, topic: &str, since: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "SELECT COUNT(DISTINCT CASE WHEN contact_phone <> '' THEN contact_phone ELSE complainant END) FROM complaints
         WHERE project_id = $1 AND topic = $2 AND received_at >= $3 AND status <> 'invalid'",
    )
    .arg(project_id)
    .arg(topic)
    .arg(since);
    c.ex().scalar(sql).await
}

// ---------- callbacks ----------

pub struct NewCallback {
    pub project_id: i64,
    pub subject: &'static str,
    pub subject_id: i64,
    pub due_at: DateTime<Utc>,
    pub role: CallbackRole,
}

pub async fn insert_callback(c: &mut impl AsEx, n: &NewCallback, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO callbacks (project_id, subject, subject_id, due_at, assigned_role, status, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
    )
    .arg(n.project_id)
    .arg(n.subject)
    .arg(n.subject_id)
    .arg(n.due_at)
    .arg(n.role.code())
    .arg(now);
    c.ex().insert(sql).await
}

/// Settles the pending callbacks of a subject (done or waived) when the subject closes.
#[allow(clippy::too_many_arguments)]
pub async fn settle_callbacks(
    c: &mut impl AsEx,
    subject: &str,
    subject_id: i64,
    status: &str,
    satisfied: Option<bool>,
    reason: Option<&str>,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let sql = Sql::new(
        "UPDATE callbacks SET status = $1, satisfied = $2, waiver_reason = $3, done_by = $4, done_at = $5, version = version + 1
         WHERE subject = $6 AND subject_id = $7 AND status = 'pending'",
    )
    .arg(status)
    .arg(satisfied)
    .arg(reason)
    .arg(by)
    .arg(now)
    .arg(subject)
    .arg(subject_id);
    c.ex().execute(sql).await
}

// ---------- reads for the complaint pages (record, print, unit tab, case library) ----------

/// The complaints of one unit, newest first (the unit's complaints tab, ORG-2 一户一档).
pub async fn for_unit(c: &mut impl AsEx, actor: &Actor, unit_id: i64, limit: i64) -> Result<Vec<ComplaintRow>> {
    let sql = Sql::new(&format!("SELECT {COLS} FROM complaints WHERE unit_id = "))
        .bind(unit_id)
        .push(" AND project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY received_at DESC, id DESC LIMIT ")
        .bind(limit);
    c.ex().fetch_all(sql).await
}

/// CMP-14: marks or unmarks a complaint as a typical case, only if the row is still at `version`.
pub async fn set_typical(c: &mut impl AsEx, id: i64, version: i64, typical: bool) -> Result<bool> {
    let sql = Sql::new("UPDATE complaints SET typical_case = $1, version = version + 1 WHERE id = $2 AND version = $3").arg(typical).arg(id).arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// A callback of a complaint, as the handling form's callback record shows it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct CallbackRow {
    pub id: i64,
    pub due_at: DateTime<Utc>,
    pub assigned_role: String,
    #[sqlx(try_from = "String")]
    pub status: CallbackStatus,
    pub method: Option<String>,
    pub satisfied: Option<bool>,
    pub effect: String,
    pub shortcomings: String,
    pub suggestions: String,
    pub waiver_reason: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by_name: Option<String>,
}

/// The callbacks of a subject (e.g. `complaint`), oldest first; the caller has checked access.
pub async fn callbacks_of(c: &mut impl AsEx, subject: &str, subject_id: i64) -> Result<Vec<CallbackRow>> {
    let sql = Sql::new(
        "SELECT cb.id, cb.due_at, cb.assigned_role, cb.status, cb.method, cb.satisfied, cb.effect, cb.shortcomings, cb.suggestions, cb.waiver_reason,
         cb.done_at, s.display_name AS done_by_name FROM callbacks cb LEFT JOIN staff s ON s.id = cb.done_by
         WHERE cb.subject = $1 AND cb.subject_id = $2 ORDER BY cb.id",
    )
    .arg(subject)
    .arg(subject_id);
    c.ex().fetch_all(sql).await
}

/// Labels (`A座 A-101`) of the given units in the actor's projects, for lists of complaints.
pub async fn unit_labels(c: &mut impl AsEx, actor: &Actor, unit_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if unit_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = Sql::new("SELECT u.id, b.name || ' ' || u.unit_no FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id IN ")
        .bind_list(unit_ids)
        .push(" AND u.project_id IN ")
        .bind_list(&actor.projects);
    c.ex().fetch_all(sql).await
}

// ---------- search index backfill (CMP-14) ----------

/// Indexes up to `limit` complaints that have no search entry, lowest id first, inside the
/// caller's transaction; returns how many (`models::search_index::index_pending`).
pub async fn index_pending(c: &mut impl AsEx, limit: i64) -> Result<usize> {
    search_index::index_pending(c, &COMPLAINTS, limit).await
}

// ---------- CMP-2 escalation ----------

/// Open, valid and below major: what the escalation pass may raise. Word for word the WHERE of
/// the `complaints_escalation_due` partial index, so both backends read only those rows.
const DUE_FOR_ESCALATION: &str = "severity <> 'major' AND status IN ('received', 'dispatched', 'in_progress', 'resolved', 'awaiting_callback')";

/// One chunk of a CMP-2 escalation pass, inside the caller's transaction: the `limit` oldest
/// complaints of `sys.projects` received at or before `cutoff` that are open, valid and below
/// major become major with `reason`, marked with `marker` in `escalated_at`; one `escalate`
/// event per raised complaint is appended by `INSERT … SELECT` of the marked rows (the payload
/// `act` writes, around `detail`, a JSON object), and their pending callbacks move to the
/// manager (CBK-2).
/// `marker` must be unique to the chunk among the projects. Returns how many were raised.
pub async fn escalate_chunk(
    c: &mut impl AsEx,
    sys: &Actor,
    marker: DateTime<Utc>,
    cutoff: DateTime<Utc>,
    reason: &str,
    detail: &str,
    limit: i64,
) -> Result<u64> {
    // The condition is checked again outside the subquery: on PostgreSQL a row changed by a
    // user meanwhile is re-read after its lock, and a complaint closed a moment ago stays closed.
    let sql = Sql::new("UPDATE complaints SET severity = 'major', major_reason = ")
        .bind(reason)
        .push(", escalated_at = ")
        .bind(marker)
        .push(&format!(", version = version + 1 WHERE id IN (SELECT id FROM complaints WHERE {DUE_FOR_ESCALATION} AND received_at <= "))
        .bind(cutoff)
        .push(" AND project_id IN ")
        .bind_list(&sys.projects)
        .push(" ORDER BY received_at, id LIMIT ")
        .bind(limit)
        .push(&format!(") AND {DUE_FOR_ESCALATION}"));
    let changed = c.ex().execute(sql).await?;
    if changed == 0 {
        return Ok(0);
    }
    let events = Sql::new(
        r#"INSERT INTO events (company_id, project_id, actor_id, actor_name, at, entity, entity_id, action, payload)
         SELECT $1, project_id, NULL, $2, $3, 'complaint', id, 'escalate', '{"from":"' || status || '","to":"' || status || '","severity":"major","detail":' || $4 || '}'
         FROM complaints WHERE escalated_at = $3 AND project_id IN "#,
    )
    .arg(sys.company_id)
    .arg(&sys.name)
    .arg(marker)
    .arg(detail)
    .bind_list(&sys.projects)
    .push(" ORDER BY id");
    c.ex().execute(events).await?;
    let callbacks = Sql::new(
        "UPDATE callbacks SET assigned_role = 'manager' WHERE subject = 'complaint' AND status = 'pending' AND assigned_role <> 'manager'
         AND subject_id IN (SELECT id FROM complaints WHERE escalated_at = ",
    )
    .bind(marker)
    .push(" AND project_id IN ")
    .bind_list(&sys.projects)
    .push(")");
    c.ex().execute(callbacks).await?;
    Ok(changed)
}
