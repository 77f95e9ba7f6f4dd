//! RPT/CMP-13/CMP-15/CMP-17: the live board, the complaint reports and the monthly public
//! notice; plus the job leases background passes take. Every query is set-based (GROUP BY or
//! CASE sums), written once for both backends: sums are CAST to BIGINT and time ranges are
//! bound `DateTime<Utc>` values compared with `>=`/`<`, never SQL date functions.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::complaint::{ComplaintStatus, NoticeStatus};

/// Bound timestamps of a half-open range [from, to).
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

fn n(expr: &str) -> String {
    format!("COALESCE(CAST(SUM(CASE WHEN {expr} THEN 1 ELSE 0 END) AS BIGINT), 0)")
}

// ---------- board (RPT-1) ----------

/// Open complaints of one project in one status, split by the state of their next deadline.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct BoardCount {
    pub project_id: i64,
    #[sqlx(try_from = "String")]
    pub status: ComplaintStatus,
    pub total: i64,
    pub overdue: i64,
    pub due_today: i64,
    pub on_time: i64,
    pub no_due: i64,
}

/// RPT-1: open (not closed) complaints by project and status, with the deadline states of
/// `next_due` at `now` (`end_of_today` is the next local midnight). Reads the
/// (project_id, status, next_due) index only.
pub async fn board_counts(c: &mut impl AsEx, actor: &Actor, projects: &[i64], now: DateTime<Utc>, end_of_today: DateTime<Utc>) -> Result<Vec<BoardCount>> {
    let sql = Sql::new(&format!(
        "SELECT project_id, status, COUNT(*) AS total, {} AS overdue, {} AS due_today, {} AS on_time, {} AS no_due FROM complaints WHERE project_id IN ",
        n("next_due < $1"),
        n("next_due >= $1 AND next_due < $2"),
        n("next_due >= $2"),
        n("next_due IS NULL")
    ))
    .arg(now)
    .arg(end_of_today)
    .bind_list(&actor.projects)
    .push(" AND project_id IN ")
    .bind_list(projects)
    .push(" AND status <> 'closed' GROUP BY project_id, status");
    c.ex().fetch_all(sql).await
}

/// An open complaint with a deadline, for the board's "due today" list.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct DueItem {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub complainant: String,
    pub content: String,
    pub status: String,
    pub severity: String,
    pub next_due: Option<DateTime<Utc>>,
}

/// RPT-1: open complaints whose next deadline falls in [from, to), soonest first.
pub async fn complaints_due(c: &mut impl AsEx, actor: &Actor, projects: &[i64], from: DateTime<Utc>, to: DateTime<Utc>, limit: i64) -> Result<Vec<DueItem>> {
    let sql = Sql::new(
        "SELECT id, project_id, number, complainant, content, status, severity, next_due FROM complaints
         WHERE status <> 'closed' AND next_due >= $1 AND next_due < $2 AND project_id IN ",
    )
    .arg(from)
    .arg(to)
    .bind_list(&actor.projects)
    .push(" AND project_id IN ")
    .bind_list(projects)
    .push(" ORDER BY next_due, id LIMIT ")
    .bind(limit);
    c.ex().fetch_all(sql).await
}

/// One complaint of the end-of-day review (CMP-8).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ReviewItem {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub complainant: String,
    pub contact_phone: String,
    pub content: String,
    pub status: String,
    pub severity: String,
    pub next_due: Option<DateTime<Utc>>,
    pub version: i64,
    /// Progress already given to the customer today (CMP-8).
    pub told_today: i64,
}

/// CMP-8: complaints whose form was dispatched in [day.from, day.to) and that are still
/// unresolved (dispatched or in progress), with whether progress was told today.
pub async fn end_of_day_review(c: &mut impl AsEx, actor: &Actor, projects: &[i64], day: Range) -> Result<Vec<ReviewItem>> {
    let sql = Sql::new(
        "SELECT c.id, c.project_id, c.number, c.complainant, c.contact_phone, c.content, c.status, c.severity, c.next_due, c.version,
         (SELECT COUNT(*) FROM events p WHERE p.entity = 'complaint' AND p.entity_id = c.id AND p.action = 'progress' AND p.at >= $1 AND p.at < $2) AS told_today
         FROM complaints c WHERE c.status IN ('dispatched', 'in_progress')
         AND EXISTS (SELECT 1 FROM events e WHERE e.entity = 'complaint' AND e.entity_id = c.id AND e.action = 'dispatch' AND e.at >= $1 AND e.at < $2)
         AND c.project_id IN ",
    )
    .arg(day.from)
    .arg(day.to)
    .bind_list(&actor.projects)
    .push(" AND c.project_id IN ")
    .bind_list(projects)
    .push(" ORDER BY c.project_id, c.received_at, c.id LIMIT 500");
    c.ex().fetch_all(sql).await
}

// ---------- complaint reports (CMP-13, CMP-17, RPT-2) ----------

/// One cell of the classified statistics (顾客投诉分类统计表).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ClassCount {
    pub severity: String,
    pub important_kind: Option<String>,
    pub major_reason: Option<String>,
    pub status: String,
    pub n: i64,
}

/// CMP-13: complaints received in the range by severity × important kind / major reason ×
/// status. Reads the (project_id, received_at, severity, important_kind, major_reason, status)
/// index only.
pub async fn class_counts(c: &mut impl AsEx, actor: &Actor, project_id: i64, r: Range) -> Result<Vec<ClassCount>> {
    let sql = Sql::new(
        "SELECT severity, important_kind, major_reason, status, COUNT(*) AS n FROM complaints WHERE project_id = $1 AND received_at >= $2 AND received_at < $3
         AND project_id IN ",
    )
    .arg(project_id)
    .arg(r.from)
    .arg(r.to)
    .bind_list(&actor.projects)
    .push(" GROUP BY severity, important_kind, major_reason, status");
    c.ex().fetch_all(sql).await
}

/// The counts the targets are computed from (CMP-17, CBK-3, RPT-2).
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize)]
pub struct RateCounts {
    /// Complaints received in the range.
    pub total: i64,
    /// Of those, invalid or not ours (CMP-10): now invalid, or marked invalid before closing.
    pub invalid: i64,
    /// Valid ones resolved, awaiting their callback or closed.
    pub handled: i64,
}

/// CMP-17: the valid-complaint handling rate's counts for complaints received in the range.
/// A complaint that was marked invalid and then closed is found by its `mark_invalid` event
/// (probed only for closed and awaiting-callback rows, through the events' entity index).
pub async fn rate_counts(c: &mut impl AsEx, actor: &Actor, project_id: i64, r: Range) -> Result<RateCounts> {
    let was_invalid = "(c.status = 'invalid' OR (c.status IN ('awaiting_callback', 'closed') AND EXISTS (SELECT 1 FROM events e WHERE e.entity = 'complaint'
        AND e.entity_id = c.id AND e.action = 'mark_invalid')))";
    let sql = Sql::new(&format!(
        "SELECT COUNT(*) AS total, {} AS invalid, {} AS handled FROM complaints c WHERE c.project_id = $1 AND c.received_at >= $2 AND c.received_at < $3
         AND c.project_id IN ",
        n(was_invalid),
        n(&format!("c.status IN ('resolved', 'awaiting_callback', 'closed') AND NOT {was_invalid}")),
    ))
    .arg(project_id)
    .arg(r.from)
    .arg(r.to)
    .bind_list(&actor.projects);
    c.ex().fetch_one(sql).await
}

/// The callback counts behind the callback rate (CBK-3) and satisfaction (RPT-2).
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize)]
pub struct CallbackCounts {
    /// Complaint callbacks of the range: settled (done or waived) in it, or still pending
    /// although their due time in it has passed at `now`.
    pub due: i64,
    pub done: i64,
    pub waived: i64,
    /// Done callbacks of the range with a satisfaction answer, and the satisfied ones.
    pub rated: i64,
    pub satisfied: i64,
}

/// CBK-3/RPT-2: a callback counts in the period it was settled in, or — while nobody made it —
/// in the period it fell due in; one not yet due counts nowhere.
pub async fn callback_counts(c: &mut impl AsEx, actor: &Actor, project_id: i64, r: Range, now: DateTime<Utc>) -> Result<CallbackCounts> {
    let sql = Sql::new(&format!(
        "SELECT COUNT(*) AS due, {} AS done, {} AS waived, {} AS rated, {} AS satisfied FROM callbacks
         WHERE project_id = $1 AND subject = 'complaint'
         AND ((status <> 'pending' AND done_at >= $2 AND done_at < $3) OR (status = 'pending' AND due_at >= $2 AND due_at < $3 AND due_at < $4))
         AND project_id IN ",
        n("status = 'done'"),
        n("status = 'waived'"),
        n("status = 'done' AND satisfied IS NOT NULL"),
        n("status = 'done' AND satisfied = $5"),
    ))
    .arg(project_id)
    .arg(r.from)
    .arg(r.to)
    .arg(now)
    .arg(true)
    .bind_list(&actor.projects);
    c.ex().fetch_one(sql).await
}

/// One line of the monthly complaint list (月度投诉一览表).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ListItem {
    pub id: i64,
    pub number: String,
    pub received_at: DateTime<Utc>,
    pub complainant: String,
    pub contact_phone: String,
    pub content: String,
    pub severity: String,
    pub important_kind: Option<String>,
    pub major_reason: Option<String>,
    pub status: String,
    pub typical_case: bool,
    pub resolved_at: Option<DateTime<Utc>>,
}

const LIST_COLS: &str = "c.id, c.number, c.received_at, c.complainant, c.contact_phone, c.content, c.severity, c.important_kind, c.major_reason, c.status,
    c.typical_case, c.resolved_at";

/// Complaints received in the range, oldest first, at most `limit`.
pub async fn complaints_in(c: &mut impl AsEx, actor: &Actor, project_id: i64, r: Range, limit: i64) -> Result<Vec<ListItem>> {
    let sql =
        Sql::new(&format!("SELECT {LIST_COLS} FROM complaints c WHERE c.project_id = $1 AND c.received_at >= $2 AND c.received_at < $3 AND c.project_id IN "))
            .arg(project_id)
            .arg(r.from)
            .arg(r.to)
            .bind_list(&actor.projects)
            .push(" ORDER BY c.received_at, c.id LIMIT ")
            .bind(limit);
    c.ex().fetch_all(sql).await
}

/// CMP-13/CMP-14: the key cases of a range — major or marked typical.
pub async fn key_cases(c: &mut impl AsEx, actor: &Actor, project_id: i64, r: Range, limit: i64) -> Result<Vec<ListItem>> {
    let sql = Sql::new(&format!(
        "SELECT {LIST_COLS} FROM complaints c WHERE c.project_id = $1 AND c.received_at >= $2 AND c.received_at < $3
         AND (c.severity = 'major' OR c.typical_case = $4) AND c.project_id IN "
    ))
    .arg(project_id)
    .arg(r.from)
    .arg(r.to)
    .arg(true)
    .bind_list(&actor.projects)
    .push(" ORDER BY c.received_at, c.id LIMIT ")
    .bind(limit);
    c.ex().fetch_all(sql).await
}

/// A department's part in a complaint: its rectification plan and result.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PlanItem {
    pub complaint_id: i64,
    pub department: String,
    pub plan: String,
    pub result: String,
}

/// The departments' plans and results of the complaints received in the range, one query.
pub async fn plans_in(c: &mut impl AsEx, actor: &Actor, project_id: i64, r: Range) -> Result<Vec<PlanItem>> {
    let sql = Sql::new(
        "SELECT cd.complaint_id, d.name AS department, cd.plan, cd.result FROM complaint_departments cd
         JOIN complaints c ON c.id = cd.complaint_id JOIN departments d ON d.id = cd.department_id
         WHERE c.project_id = $1 AND c.received_at >= $2 AND c.received_at < $3 AND cd.status <> 'returned' AND c.project_id IN ",
    )
    .arg(project_id)
    .arg(r.from)
    .arg(r.to)
    .bind_list(&actor.projects)
    .push(" ORDER BY cd.complaint_id, d.code");
    c.ex().fetch_all(sql).await
}

/// Complaints received in each of the consecutive ranges given by `bounds` (n + 1 bounds →
/// n counts), in one pass over the index: a CASE sum per range.
pub async fn counts_between(c: &mut impl AsEx, actor: &Actor, project_id: i64, bounds: &[DateTime<Utc>]) -> Result<Vec<i64>> {
    if bounds.len() < 2 {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT ");
    for i in 0..bounds.len() - 1 {
        if i > 0 {
            sql = sql.push(", ");
        }
        sql = sql
            .push("COALESCE(CAST(SUM(CASE WHEN received_at >= ")
            .bind(bounds[i])
            .push(" AND received_at < ")
            .bind(bounds[i + 1])
            .push(" THEN 1 ELSE 0 END) AS BIGINT), 0)");
    }
    let first = bounds[0];
    let last = bounds[bounds.len() - 1];
    sql = sql.push(" FROM complaints WHERE project_id = ").bind(project_id).push(" AND received_at >= ").bind(first).push(" AND received_at < ").bind(last);
    sql = sql.push(" AND project_id IN ").bind_list(&actor.projects);
    // The row has one column per range; decode it as JSON-free plain values one by one.
    let mut out = Vec::with_capacity(bounds.len() - 1);
    let row: CountsRow = c.ex().fetch_one(sql).await?;
    out.extend(row.0);
    Ok(out)
}

/// A row of any number of BIGINT columns.
struct CountsRow(Vec<i64>);

impl<'de> serde::Deserialize<'de> for CountsRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Columns;
        impl<'de> serde::de::Visitor<'de> for Columns {
            type Value = CountsRow;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row of integers")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<CountsRow, A::Error> {
                let mut v = Vec::new();
                while let Some((_, n)) = map.next_entry::<serde::de::IgnoredAny, i64>()? {
                    v.push(n);
                }
                Ok(CountsRow(v))
            }
        }
        // Read as a map, a row yields its columns in order and ends with the last one.
        d.deserialize_map(Columns)
    }
}

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for CountsRow {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self> {
        use sqlx::Row;
        (0..row.len()).map(|i| row.try_get::<i64, _>(i)).collect::<Result<Vec<_>>>().map(CountsRow)
    }
}

/// A frequent topic of a range (CMP-15, hot complaints of CMP-1), with its latest complaint.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct TopicCount {
    pub topic: String,
    pub n: i64,
    pub example_id: i64,
}

pub async fn top_topics(c: &mut impl AsEx, actor: &Actor, project_id: i64, r: Range, limit: i64) -> Result<Vec<TopicCount>> {
    let sql = Sql::new(
        "SELECT topic, COUNT(*) AS n, MAX(id) AS example_id FROM complaints WHERE project_id = $1 AND received_at >= $2 AND received_at < $3
         AND status <> 'invalid' AND project_id IN ",
    )
    .arg(project_id)
    .arg(r.from)
    .arg(r.to)
    .bind_list(&actor.projects)
    .push(" GROUP BY topic ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ")
    .bind(limit);
    c.ex().fetch_all(sql).await
}

/// Complaints by id (the examples of the top topics), with their results.
pub async fn complaints_by_ids(c: &mut impl AsEx, actor: &Actor, ids: &[i64]) -> Result<Vec<ListItem>> {
    let sql = Sql::new(&format!("SELECT {LIST_COLS} FROM complaints c WHERE c.id IN "))
        .bind_list(ids)
        .push(" AND c.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY c.id");
    c.ex().fetch_all(sql).await
}

pub async fn plans_of(c: &mut impl AsEx, ids: &[i64]) -> Result<Vec<PlanItem>> {
    let sql = Sql::new(
        "SELECT cd.complaint_id, d.name AS department, cd.plan, cd.result FROM complaint_departments cd JOIN departments d ON d.id = cd.department_id
         WHERE cd.status <> 'returned' AND cd.complaint_id IN ",
    )
    .bind_list(ids)
    .push(" ORDER BY cd.complaint_id, d.code");
    c.ex().fetch_all(sql).await
}

// ---------- public notices (CMP-15) ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Notice {
    pub id: i64,
    pub project_id: i64,
    pub month: String,
    pub title: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: NoticeStatus,
    pub published_by_name: String,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const NOTICE_COLS: &str = "id, project_id, month, title, body, status, published_by_name, published_at, updated_at, version";

pub async fn notice(c: &mut impl AsEx, actor: &Actor, project_id: i64, month: &str) -> Result<Option<Notice>> {
    let sql = Sql::new(&format!("SELECT {NOTICE_COLS} FROM public_notices WHERE project_id = $1 AND month = $2 AND project_id IN "))
        .arg(project_id)
        .arg(month)
        .bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub async fn notice_by_id(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<Notice>> {
    let sql = Sql::new(&format!("SELECT {NOTICE_COLS} FROM public_notices WHERE id = $1 AND project_id IN ")).arg(id).bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// Saves the month's notice as a draft or publishes it; a published notice is never changed
/// (the statement only touches drafts). Returns the id, or None when it was already published.
#[allow(clippy::too_many_arguments)]
pub async fn save_notice(
    c: &mut impl AsEx,
    actor: &Actor,
    project_id: i64,
    month: &str,
    title: &str,
    body: &str,
    publish: bool,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let status = if publish { NoticeStatus::Published } else { NoticeStatus::Draft };
    let by = if publish { Some(actor.staff_id).filter(|s| *s > 0) } else { None };
    let by_name = if publish { actor.name.as_str() } else { "" };
    let at = if publish { Some(now) } else { None };
    let sql = Sql::new(
        "INSERT INTO public_notices (project_id, month, title, body, status, published_by, published_by_name, published_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (project_id, month) DO UPDATE SET title = excluded.title, body = excluded.body, status = excluded.status,
           published_by = excluded.published_by, published_by_name = excluded.published_by_name, published_at = excluded.published_at,
           updated_at = excluded.updated_at, version = public_notices.version + 1
         WHERE public_notices.status = 'draft' RETURNING id",
    )
    .arg(project_id)
    .arg(month)
    .arg(title)
    .arg(body)
    .arg(status.code())
    .arg(by)
    .arg(by_name)
    .arg(at)
    .arg(now);
    Ok(c.ex().fetch_optional::<(i64,)>(sql).await?.map(|r| r.0))
}

// ---------- job leases ----------

/// Takes (or renews) the lease of a background job until `until`, if nobody else holds it
/// past `now`: one conditional upsert, so two nodes racing for it cannot both win.
pub async fn acquire_lease(c: &mut impl AsEx, name: &str, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new(
        "INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE job_leases.until < $4 OR job_leases.holder = $2",
    )
    .arg(name)
    .arg(holder)
    .arg(until)
    .arg(now);
    Ok(c.ex().execute(sql).await? == 1)
}

/// Gives a lease back early (e.g. when a pass failed), so another node may retry at once.
pub async fn release_lease(c: &mut impl AsEx, name: &str, holder: &str, at: DateTime<Utc>) -> Result<u64> {
    c.ex().execute(Sql::new("UPDATE job_leases SET until = $1 WHERE name = $2 AND holder = $3").arg(at).arg(name).arg(holder)).await
}

// ---------- collective complaints (CMP-2) ----------

/// Topics of a project with at least `min` complaints received since `since`: the candidates
/// for a collective complaint (each is then confirmed by its distinct complainants, which
/// leaves out invalid complaints). Read from the `complaints_topic` index alone: asking for the
/// status here too would read every complaint of the window from the table, each pass.
pub async fn busy_topics(c: &mut impl AsEx, project_id: i64, since: DateTime<Utc>, min: i64) -> Result<Vec<String>> {
    let sql = Sql::new(
        "SELECT topic FROM complaints WHERE project_id = $1 AND received_at >= $2 AND topic <> ''
         GROUP BY topic HAVING COUNT(*) >= $3 ORDER BY topic",
    )
    .arg(project_id)
    .arg(since)
    .arg(min);
    Ok(c.ex().fetch_all::<(String,)>(sql).await?.into_iter().map(|r| r.0).collect())
}

/// Open, valid complaints of a topic that are not major yet (to be raised as collective).
pub async fn open_below_major(c: &mut impl AsEx, project_id: i64, topic: &str) -> Result<Vec<i64>> {
    let sql = Sql::new(
        "SELECT id FROM complaints WHERE project_id = $1 AND topic = $2 AND severity <> 'major'
         AND status IN ('received', 'dispatched', 'in_progress', 'resolved', 'awaiting_callback') ORDER BY id",
    )
    .arg(project_id)
    .arg(topic);
    Ok(c.ex().fetch_all::<(i64,)>(sql).await?.into_iter().map(|r| r.0).collect())
}

/// The complaints of a topic received since `since` that are not linked yet, oldest first: the
/// first is the collective complaint the others are linked to.
pub async fn unlinked_of_topic(c: &mut impl AsEx, project_id: i64, topic: &str, since: DateTime<Utc>) -> Result<Vec<(i64, Option<i64>)>> {
    let sql = Sql::new(
        "SELECT id, parent_id FROM complaints WHERE project_id = $1 AND topic = $2 AND received_at >= $3 AND status <> 'invalid' ORDER BY received_at, id",
    )
    .arg(project_id)
    .arg(topic)
    .arg(since);
    c.ex().fetch_all(sql).await
}

/// Links a complaint to its collective complaint (only if it has no link yet).
pub async fn link_to(c: &mut impl AsEx, id: i64, parent_id: i64) -> Result<bool> {
    let sql = Sql::new("UPDATE complaints SET parent_id = $1, version = version + 1 WHERE id = $2 AND parent_id IS NULL AND id <> $1").arg(parent_id).arg(id);
    Ok(c.ex().execute(sql).await? == 1)
}
