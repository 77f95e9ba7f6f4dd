//! REP: work orders with each stage's deadline and on-time result. Every read is scoped by
//! the actor's projects.

use crate::models::search_index::{self, Drive, Text, WORK_ORDERS};
use crate::{AsEx, Backend, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::search;
use propdesk_domain::work_order::{LocationKind, NumberSearch, RepairCategory, Stage, WorkOrderStatus};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct WorkOrderRow {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub reception_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub location_kind: LocationKind,
    pub location: String,
    pub owner_name: String,
    pub contact_phone: String,
    pub content: String,
    pub available_times: String,
    pub appointment_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    pub category: RepairCategory,
    pub emergency: bool,
    /// REP-5: the `ShutOff` code, once decided.
    pub shut_off: Option<String>,
    pub evidence: String,
    #[sqlx(try_from = "String")]
    pub status: WorkOrderStatus,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub accept_due: Option<DateTime<Utc>>,
    pub on_site_due: Option<DateTime<Utc>>,
    pub finish_due: Option<DateTime<Utc>>,
    pub sign_off_due: Option<DateTime<Utc>>,
    pub callback_due: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    pub accept_on_time: Option<bool>,
    pub on_site_on_time: Option<bool>,
    pub finish_on_time: Option<bool>,
    pub sign_off_on_time: Option<bool>,
    pub callback_on_time: Option<bool>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub plan: String,
    pub result: String,
    pub signed_by: String,
    pub signature: Option<String>,
    pub cancel_reason: String,
    pub reopened: i64,
    pub version: i64,
    /// The dispatched department's and the assignee's names (joined, for pages and prints).
    pub department_name: Option<String>,
    pub assignee_name: Option<String>,
    /// REP-3: the `Cause` and `Responsibility` codes once decided, the warranty result at the
    /// report date (None: unknown) and whether the owner pays.
    pub cause: Option<String>,
    pub cause_note: String,
    pub in_warranty: Option<bool>,
    pub responsibility: Option<String>,
    pub paid_repair: bool,
    /// REP-4: the contractor sent in (None: own engineering staff).
    pub contractor_id: Option<i64>,
    pub contractor_name: Option<String>,
    /// REP-6: the witnessed test passed.
    pub test_passed: bool,
    /// REP-12: the `FeeStatus` code of a paid repair's fee (None: nothing quoted yet).
    pub fee_status: Option<String>,
}

const COLS: &str = "w.id, w.project_id, w.number, w.reception_id, w.unit_id, w.party_id, w.location_kind, w.location, w.owner_name, w.contact_phone,
    w.content, w.available_times, w.appointment_at, w.category, w.emergency, w.shut_off, w.evidence, w.status, w.department_id, w.assignee_id,
    w.received_at, w.accept_due, w.on_site_due, w.finish_due, w.sign_off_due, w.callback_due, w.next_due, w.accept_on_time, w.on_site_on_time,
    w.finish_on_time, w.sign_off_on_time, w.callback_on_time, w.dispatched_at, w.arrived_at, w.started_at, w.finished_at, w.signed_off_at,
    w.closed_at, w.plan, w.result, w.signed_by, w.signature, w.cancel_reason, w.reopened, w.version,
    d.name AS department_name, s.display_name AS assignee_name,
    w.cause, w.cause_note, w.in_warranty, w.responsibility, w.paid_repair, w.contractor_id, ct.name AS contractor_name, w.test_passed, rf.status AS fee_status";

/// The joined names (and REP-12's fee) of `COLS`, after `work_orders w`.
const JOINS: &str = " LEFT JOIN departments d ON d.id = w.department_id LEFT JOIN staff s ON s.id = w.assignee_id
    LEFT JOIN contractors ct ON ct.id = w.contractor_id LEFT JOIN repair_fees rf ON rf.work_order_id = w.id";

pub struct NewWorkOrder<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub reception_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub location_kind: LocationKind,
    pub location: &'a str,
    pub owner_name: &'a str,
    pub contact_phone: &'a str,
    pub content: &'a str,
    pub available_times: &'a str,
    pub appointment_at: Option<DateTime<Utc>>,
    pub category: RepairCategory,
    pub emergency: bool,
    pub received_at: DateTime<Utc>,
    pub accept_due: Option<DateTime<Utc>>,
    pub on_site_due: Option<DateTime<Utc>>,
}

/// Inserts a work order and, in the same transaction, its search entry: the grams of its number,
/// owner, phone, location and content (SQLite: the FTS5 row; PostgreSQL: the `search` column).
pub async fn insert(c: &mut impl AsEx, n: &NewWorkOrder<'_>, now: DateTime<Utc>) -> Result<i64> {
    let doc = search::document(&[n.number, n.owner_name, n.contact_phone, n.location, n.content]);
    let backend = c.ex().backend();
    let (search_col, search_val) = match backend {
        Backend::Postgres => (", search", ", CAST($20 AS tsvector)"),
        Backend::Sqlite => ("", ""),
    };
    let sql = Sql::new(&format!(
        "INSERT INTO work_orders (project_id, number, reception_id, unit_id, party_id, location_kind, location, owner_name, contact_phone, content,
         available_times, appointment_at, category, emergency, status, received_at, accept_due, on_site_due, next_due, created_at, search_version{search_col})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'new', $15, $16, $17, $16, $18, $19{search_val})",
    ))
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.reception_id)
    .arg(n.unit_id)
    .arg(n.party_id)
    .arg(n.location_kind.code())
    .arg(n.location)
    .arg(n.owner_name)
    .arg(n.contact_phone)
    .arg(n.content)
    .arg(n.available_times)
    .arg(n.appointment_at)
    .arg(n.category.code())
    .arg(n.emergency)
    .arg(n.received_at)
    .arg(n.accept_due)
    .arg(n.on_site_due)
    .arg(now)
    .arg(search::VERSION);
    let sql = match backend {
        Backend::Postgres => sql.arg(doc.tsvector()),
        Backend::Sqlite => sql,
    };
    let id = c.ex().insert(sql).await?;
    if backend == Backend::Sqlite {
        c.ex().execute(Sql::new(&format!("INSERT INTO {} (rowid, grams) VALUES ($1, $2)", WORK_ORDERS.fts)).arg(id).arg(doc.fts_text())).await?;
    }
    Ok(id)
}

/// A work order the actor may see; `lock` is `Tx::for_update()` inside a changing transaction.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<WorkOrderRow>> {
    // PostgreSQL refuses FOR UPDATE on the nullable side of an outer join; lock the order only.
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF w") };
    let sql = Sql::new(&format!("SELECT {COLS} FROM work_orders w{JOINS} WHERE w.id = "))
        .bind(id)
        .push(" AND w.project_id IN ")
        .bind_list(&actor.projects)
        .push(&lock);
    c.ex().fetch_optional(sql).await
}

/// The state a transition writes back, only if the row is still at `version` (else false → 409).
/// Fields left `None` keep their stored value; the deadlines and `next_due` are written as given.
#[derive(Debug, Clone, Default)]
pub struct Update {
    pub status: Option<WorkOrderStatus>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub finish_due: Option<DateTime<Utc>>,
    pub sign_off_due: Option<DateTime<Utc>>,
    pub callback_due: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    /// The stages this step finished, each on time or not (`*_on_time`, written once).
    pub results: Vec<(Stage, bool)>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub shut_off: Option<String>,
    pub evidence: Option<String>,
    pub plan: Option<String>,
    pub result: Option<String>,
    pub signed_by: Option<String>,
    pub signature: Option<String>,
    pub cancel_reason: Option<String>,
    pub reopened: i64,
}

pub async fn update(c: &mut impl AsEx, id: i64, version: i64, u: &Update) -> Result<bool> {
    let on_time = |stage: Stage| u.results.iter().rev().find(|(s, _)| *s == stage).map(|(_, ok)| *ok);
    let sql = Sql::new(
        "UPDATE work_orders SET status = COALESCE($1, status), department_id = COALESCE($2, department_id), assignee_id = COALESCE($3, assignee_id),
         finish_due = $4, sign_off_due = $5, callback_due = $6, next_due = $7,
         accept_on_time = COALESCE($8, accept_on_time), on_site_on_time = COALESCE($9, on_site_on_time),
         finish_on_time = COALESCE($10, finish_on_time), sign_off_on_time = COALESCE($11, sign_off_on_time),
         callback_on_time = COALESCE($12, callback_on_time),
         dispatched_at = COALESCE($13, dispatched_at), arrived_at = COALESCE($14, arrived_at), started_at = COALESCE($15, started_at),
         finished_at = COALESCE($16, finished_at), signed_off_at = COALESCE($17, signed_off_at), closed_at = COALESCE($18, closed_at),
         shut_off = COALESCE($19, shut_off), evidence = COALESCE($20, evidence), plan = COALESCE($21, plan), result = COALESCE($22, result),
         signed_by = COALESCE($23, signed_by), signature = COALESCE($24, signature), cancel_reason = COALESCE($25, cancel_reason),
         reopened = $26, version = version + 1 WHERE id = $27 AND version = $28",
    )
    .arg(u.status.map(|s| s.code()))
    .arg(u.department_id)
    .arg(u.assignee_id)
    .arg(u.finish_due)
    .arg(u.sign_off_due)
    .arg(u.callback_due)
    .arg(u.next_due)
    .arg(on_time(Stage::Accept))
    .arg(on_time(Stage::OnSite))
    .arg(on_time(Stage::Finish))
    .arg(on_time(Stage::SignOff))
    .arg(on_time(Stage::Callback))
    .arg(u.dispatched_at)
    .arg(u.arrived_at)
    .arg(u.started_at)
    .arg(u.finished_at)
    .arg(u.signed_off_at)
    .arg(u.closed_at)
    .arg(u.shut_off.as_deref())
    .arg(u.evidence.as_deref())
    .arg(u.plan.as_deref())
    .arg(u.result.as_deref())
    .arg(u.signed_by.as_deref())
    .arg(u.signature.as_deref())
    .arg(u.cancel_reason.as_deref())
    .arg(u.reopened)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub status: Option<WorkOrderStatus>,
    pub emergency_only: bool,
    /// Only open orders whose running deadline has passed.
    pub overdue_at: Option<DateTime<Utc>>,
    pub unit_id: Option<i64>,
    /// Number, owner, phone, location or content (substring).
    pub q: Option<String>,
}

pub use crate::models::search_index::SEARCH_COUNT_CAP;

/// Any other list counts to this many: an exact count of a million orders is a read of a
/// million index entries (30–45 ms), for a number nobody pages through ("10000+" instead).
pub const LIST_COUNT_CAP: i64 = 10_000;

fn filter(sql: Sql, actor: &Actor, f: &Filter, text: &Text, drive: Drive) -> Sql {
    let mut sql = sql.push(" WHERE w.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND w.project_id = ").bind(p);
    }
    if let Some(s) = f.status {
        sql = sql.push(" AND w.status = ").bind(s.code());
    }
    if f.emergency_only {
        sql = sql.push(" AND w.emergency = ").bind(true);
    }
    if let Some(u) = f.unit_id {
        sql = sql.push(" AND w.unit_id = ").bind(u);
    }
    // Closed and cancelled orders keep next_due empty, so this is a range on the due index.
    if let Some(now) = f.overdue_at {
        sql = sql.push(" AND w.next_due < ").bind(now);
    }
    WORK_ORDERS.matching(sql, text, drive)
}

impl Filter {
    /// Whether a filter narrows the list, so a count of many search matches is quicker walking
    /// its index (`search_index::Drive::Filters`). Not the project alone: the matches' project
    /// is checked in `work_orders_id_project`, quicker than making a set of all the matches
    /// (1M orders, `漏水` in one project: 2.8 against 8 ms).
    fn narrowed(&self) -> bool {
        self.status.is_some() || self.emergency_only || self.overdue_at.is_some() || self.unit_id.is_some()
    }
}

/// One page of the list, and whether more orders match than `paged.total` (which then stops
/// at `LIST_COUNT_CAP`, or `SEARCH_COUNT_CAP` for a text search).
#[derive(Debug, Clone)]
pub struct Listed {
    pub paged: Paged<WorkOrderRow>,
    pub more: bool,
}

/// The list: newest first by intake time, with its count (up to `LIST_COUNT_CAP`). A text search (`f.q`) lists newest
/// first by id — the intake order too — so the index hands out its matches in order and stops
/// at the page, and its count stops at `SEARCH_COUNT_CAP`.
pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page) -> Result<Listed> {
    if let Some(number) = f.q.as_deref().and_then(NumberSearch::parse) {
        return list_by_number(c, actor, f, &number, page).await;
    }
    let text = search_index::text_of(c, &WORK_ORDERS, f.q.as_deref()).await?;
    let (cap, drive) = match text {
        Text::Any => (LIST_COUNT_CAP, Drive::Matches),
        _ => (SEARCH_COUNT_CAP, WORK_ORDERS.count_drive(c, &text, f.narrowed()).await?),
    };
    let count = filter(WORK_ORDERS.from("SELECT COUNT(*) FROM (SELECT 1", &text, drive, ""), actor, f, &text, drive).push(" LIMIT ").bind(cap + 1).push(") n");
    let counted = c.ex().scalar(count).await?;
    let order = match text {
        Text::Any => " ORDER BY w.received_at DESC, w.id DESC LIMIT ".to_string(),
        _ => WORK_ORDERS.newest_first(&text),
    };
    let sql = filter(WORK_ORDERS.from(&format!("SELECT {COLS}"), &text, Drive::Matches, JOINS), actor, f, &text, Drive::Matches)
        .push(&order)
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Listed { paged: Paged { items, total: counted.min(cap), page }, more: counted > cap })
}

/// REP-10: `f.q` is a work-order number or its start: the orders whose number contains it, read
/// from the `(project_id, number)` index of each visible project whose code fits, newest first
/// by id like any search. The other searched fields are not asked (a number is typed to find
/// its order; its digits would make the n-gram index read most orders).
async fn list_by_number(c: &mut impl AsEx, actor: &Actor, f: &Filter, number: &NumberSearch, page: Page) -> Result<Listed> {
    let projects = crate::models::org::projects(c, actor).await?;
    let ranges: Vec<(i64, (String, String))> =
        projects.iter().filter(|p| f.project_id.is_none_or(|id| id == p.id)).filter_map(|p| Some((p.id, number.range(&p.code)?))).collect();
    if ranges.is_empty() {
        return Ok(Listed { paged: Paged { items: Vec::new(), total: 0, page }, more: false });
    }
    let q = f.q.as_deref().map(str::trim).unwrap_or_default();
    let by_number = |sql: Sql| {
        let mut sql = filter(sql, actor, f, &Text::Any, Drive::Matches).push(" AND (");
        for (i, (project, (from, to))) in ranges.iter().enumerate() {
            sql = sql.push(if i == 0 { "" } else { " OR " }).push("w.project_id = ").bind(*project);
            sql = sql.push(" AND w.number >= ").bind(from.as_str()).push(" AND w.number < ").bind(to.as_str());
        }
        // The range finds candidates; the substring check keeps the search's meaning exact.
        search_index::like_any(sql.push(")"), &["w.number"], &like_contains(q))
    };
    let count = by_number(Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM work_orders w")).push(" LIMIT ").bind(SEARCH_COUNT_CAP + 1).push(") n");
    let counted = c.ex().scalar(count).await?;
    let sql = by_number(Sql::new(&format!("SELECT {COLS} FROM work_orders w{JOINS}")))
        .push(" ORDER BY w.id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Listed { paged: Paged { items, total: counted.min(SEARCH_COUNT_CAP), page }, more: counted > SEARCH_COUNT_CAP })
}

/// Indexes up to `limit` orders from before the search index, inside the caller's transaction.
pub async fn index_pending(c: &mut impl AsEx, limit: i64) -> Result<usize> {
    search_index::index_pending(c, &WORK_ORDERS, limit).await
}

/// RCP-7: the work order a reception record started, if any.
pub async fn for_reception(c: &mut impl AsEx, actor: &Actor, reception_id: i64) -> Result<Option<WorkOrderRow>> {
    let sql = Sql::new(&format!("SELECT {COLS} FROM work_orders w{JOINS} WHERE w.reception_id = "))
        .bind(reception_id)
        .push(" AND w.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY w.id LIMIT 1");
    c.ex().fetch_optional(sql).await
}

// ---------- RPT-1: the live board ----------

/// A project's open orders in one status: how many, and how many are overdue or due today
/// (by the running deadline `next_due`).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct BoardCount {
    pub project_id: i64,
    #[sqlx(try_from = "String")]
    pub status: WorkOrderStatus,
    pub total: i64,
    pub overdue: i64,
    pub due_today: i64,
}

/// RPT-1: open orders of the projects grouped by status with their deadline states. Read from
/// the partial index `work_orders_open`, whose WHERE is this one's `status NOT IN` word for word.
pub async fn board_counts(c: &mut impl AsEx, actor: &Actor, projects: &[i64], now: DateTime<Utc>, end_of_today: DateTime<Utc>) -> Result<Vec<BoardCount>> {
    let mine: Vec<i64> = projects.iter().copied().filter(|p| actor.projects.contains(p)).collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let sql = Sql::new("SELECT project_id, status, COUNT(*) AS total, COALESCE(CAST(SUM(CASE WHEN next_due < ")
        .bind(now)
        .push(" THEN 1 ELSE 0 END) AS BIGINT), 0) AS overdue, COALESCE(CAST(SUM(CASE WHEN next_due >= ")
        .bind(now)
        .push(" AND next_due < ")
        .bind(end_of_today)
        .push(" THEN 1 ELSE 0 END) AS BIGINT), 0) AS due_today FROM work_orders WHERE project_id IN ")
        .bind_list(&mine)
        .push(" AND status NOT IN ('closed', 'cancelled') GROUP BY project_id, status");
    c.ex().fetch_all(sql).await
}

/// An open order on the board's "due today or overdue" list (without the heavy columns).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct BoardItem {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub owner_name: String,
    pub content: String,
    #[sqlx(try_from = "String")]
    pub status: WorkOrderStatus,
    pub emergency: bool,
    pub next_due: Option<DateTime<Utc>>,
}

/// RPT-1: open orders whose running deadline falls before the end of today, most urgent first
/// (closed and cancelled orders keep `next_due` empty, so the due index serves this).
pub async fn due_by(c: &mut impl AsEx, actor: &Actor, projects: &[i64], end_of_today: DateTime<Utc>, limit: i64) -> Result<Vec<BoardItem>> {
    let mine: Vec<i64> = projects.iter().copied().filter(|p| actor.projects.contains(p)).collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let sql = Sql::new("SELECT id, project_id, number, owner_name, content, status, emergency, next_due FROM work_orders WHERE project_id IN ")
        .bind_list(&mine)
        .push(" AND next_due IS NOT NULL AND next_due < ")
        .bind(end_of_today)
        .push(" ORDER BY next_due, id LIMIT ")
        .bind(limit);
    c.ex().fetch_all(sql).await
}
