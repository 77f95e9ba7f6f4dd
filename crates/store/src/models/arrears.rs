//! FEE-5/FEE-6: arrears cases (one open per payer and project) with their collection steps.
//! A case's balance is always read from the bill lines (unpaid and past due), never stored.

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::billing::{ArrearsCause, ArrearsStatus, ContactMethod};

/// The codes of the statuses that end a case (the partial unique index spells the same list).
fn closed_codes() -> Vec<&'static str> {
    ArrearsStatus::ALL.iter().filter(|s| !s.is_open()).map(|s| s.code()).collect()
}

fn not_closed(sql: Sql, col: &str) -> Sql {
    let codes = closed_codes();
    let mut sql = sql.push(&format!(" AND {col} NOT IN ("));
    for (i, c) in codes.iter().enumerate() {
        sql = sql.push(if i == 0 { "" } else { ", " }).bind(*c);
    }
    sql.push(")")
}

/// FEE-6: opens a case (at the first rung, the payment notice already sent) for every payer of the
/// project with unpaid lines past due and no open case; returns how many were opened.
pub async fn open_overdue(c: &mut impl AsEx, project_id: i64, today: NaiveDate, staff_id: Option<i64>, now: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new("INSERT INTO arrears_cases (project_id, payer_id, status, cause, opened_balance, opened_at) SELECT l.project_id, l.payer_id, ")
        .bind(ArrearsStatus::Notice.code())
        .push(", ")
        .bind(ArrearsCause::Unknown.code())
        .push(", CAST(SUM(l.amount - l.paid) AS BIGINT), ")
        .bind(now)
        .push(" FROM bill_lines l WHERE l.project_id = ")
        .bind(project_id)
        .push(" AND l.paid < l.amount AND l.due_date < ")
        .bind(today)
        .push(" AND NOT EXISTS (SELECT 1 FROM arrears_cases a WHERE a.project_id = l.project_id AND a.payer_id = l.payer_id");
    let sql = not_closed(sql, "a.status").push(") GROUP BY l.project_id, l.payer_id");
    let opened = c.ex().execute(sql).await?;
    if opened > 0 {
        let steps = Sql::new("INSERT INTO arrears_steps (case_id, action, status, note, staff_id, at) SELECT a.id, 'opened', a.status, '', ")
            .bind(staff_id)
            .push(", ")
            .bind(now)
            .push(" FROM arrears_cases a WHERE a.project_id = ")
            .bind(project_id)
            .push(" AND a.opened_at = ")
            .bind(now);
        c.ex().execute(steps).await?;
    }
    Ok(opened)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub project_id: i64,
    pub payer_id: i64,
    pub payer_name: String,
    pub payer_phone: String,
    /// `person` or `company` (a reminder addresses a person as 先生/女士).
    pub payer_kind: String,
    #[sqlx(try_from = "String")]
    pub status: ArrearsStatus,
    #[sqlx(try_from = "String")]
    pub cause: ArrearsCause,
    pub linked_entity: Option<String>,
    pub linked_id: Option<i64>,
    pub opened_balance: i64,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// Unpaid and past due now (fen), and the oldest such deadline.
    pub balance: i64,
    pub oldest_due: Option<NaiveDate>,
    /// The units the overdue lines are for, e.g. `A-1201,A-1202`.
    pub units: Option<String>,
    pub last_step_at: Option<DateTime<Utc>>,
}

/// The case columns with the live balance. A payer belongs to one project, so the lines are
/// found by payer (the `bill_lines_payer` index), not by project (which would walk every open
/// line of the project once per case).
fn cols(today: NaiveDate) -> Sql {
    let overdue = " FROM bill_lines l WHERE l.payer_id = a.payer_id AND l.paid < l.amount AND l.due_date < ";
    Sql::new("SELECT a.id, a.project_id, a.payer_id, p.name AS payer_name, p.phone AS payer_phone, p.kind AS payer_kind, a.status, a.cause, a.linked_entity, a.linked_id, a.opened_balance, a.opened_at, a.closed_at, a.version, (SELECT CAST(COALESCE(SUM(l.amount - l.paid), 0) AS BIGINT)")
        .push(overdue)
        .bind(today)
        .push(") AS balance, (SELECT MIN(l.due_date)")
        .push(overdue)
        .bind(today)
        .push(") AS oldest_due, (SELECT MIN(b.code || '-' || u.unit_no) FROM bill_lines l JOIN units u ON u.id = l.unit_id JOIN buildings b ON b.id = u.building_id WHERE l.payer_id = a.payer_id AND l.paid < l.amount AND l.due_date < ")
        .bind(today)
        .push(") AS units, (SELECT MAX(s.at) FROM arrears_steps s WHERE s.case_id = a.id) AS last_step_at")
}

const FROM: &str = " FROM arrears_cases a JOIN parties p ON p.id = a.payer_id";

pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, today: NaiveDate) -> Result<Option<CaseRow>> {
    let sql = cols(today).push(FROM).push(" WHERE a.id = ").bind(id).push(" AND a.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub status: Option<ArrearsStatus>,
    /// Only cases still open.
    pub open: bool,
    pub cause: Option<ArrearsCause>,
    /// Payer name or phone (substring).
    pub q: Option<String>,
    /// Cases of payers billed for this unit.
    pub unit_id: Option<i64>,
}

fn filter(sql: Sql, actor: &Actor, f: &Filter) -> Sql {
    let mut sql = sql.push(" WHERE a.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND a.project_id = ").bind(p);
    }
    if let Some(s) = f.status {
        sql = sql.push(" AND a.status = ").bind(s.code());
    } else if f.open {
        sql = not_closed(sql, "a.status");
    }
    if let Some(cause) = f.cause {
        sql = sql.push(" AND a.cause = ").bind(cause.code());
    }
    if let Some(u) = f.unit_id {
        sql = sql
            .push(" AND EXISTS (SELECT 1 FROM bill_lines bl WHERE bl.payer_id = a.payer_id AND bl.project_id = a.project_id AND bl.unit_id = ")
            .bind(u)
            .push(")");
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql.push(" AND (p.name LIKE ").bind(pat.clone()).push(" ESCAPE '\\' OR p.phone LIKE ").bind(pat).push(" ESCAPE '\\')");
    }
    sql
}

/// Cases newest first, one page with the count; balances are computed for the page's cases only.
pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, today: NaiveDate, page: Page) -> Result<Paged<CaseRow>> {
    let total = c.ex().scalar(filter(Sql::new(&format!("SELECT COUNT(*){FROM}")), actor, f)).await?;
    // The page's cases first, then their balances: the subqueries run for 50 rows, not for every match.
    let page_ids = filter(Sql::new(&format!("SELECT a.id{FROM}")), actor, f)
        .push(" ORDER BY a.opened_at DESC, a.id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let ids: Vec<(i64,)> = c.ex().fetch_all(page_ids).await?;
    let ids: Vec<i64> = ids.into_iter().map(|r| r.0).collect();
    let sql = cols(today).push(FROM).push(" WHERE a.id IN ").bind_list(&ids).push(" ORDER BY a.opened_at DESC, a.id DESC");
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

/// The open case of a payer in a project, if any.
pub async fn open_case_of(c: &mut impl AsEx, project_id: i64, payer_id: i64) -> Result<Option<(i64, i64)>> {
    let sql = not_closed(
        Sql::new("SELECT a.id, a.version FROM arrears_cases a WHERE a.project_id = ").bind(project_id).push(" AND a.payer_id = ").bind(payer_id),
        "a.status",
    );
    c.ex().fetch_optional(sql).await
}

/// Unpaid and past due for a payer in a project (fen).
pub async fn overdue_balance(c: &mut impl AsEx, project_id: i64, payer_id: i64, today: NaiveDate) -> Result<i64> {
    let sql = Sql::new("SELECT CAST(COALESCE(SUM(amount - paid), 0) AS BIGINT) FROM bill_lines WHERE project_id = ")
        .bind(project_id)
        .push(" AND payer_id = ")
        .bind(payer_id)
        .push(" AND paid < amount AND due_date < ")
        .bind(today);
    c.ex().scalar(sql).await
}

/// Versioned change of status and cause; false when the case changed meanwhile.
pub async fn update(
    c: &mut impl AsEx,
    id: i64,
    version: i64,
    status: ArrearsStatus,
    cause: ArrearsCause,
    linked: Option<(&str, i64)>,
    closed_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let sql = Sql::new("UPDATE arrears_cases SET status = ")
        .bind(status.code())
        .push(", cause = ")
        .bind(cause.code())
        .push(", linked_entity = ")
        .bind(linked.map(|l| l.0))
        .push(", linked_id = ")
        .bind(linked.map(|l| l.1))
        .push(", closed_at = ")
        .bind(closed_at)
        .push(", version = version + 1 WHERE id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(version);
    Ok(c.ex().execute(sql).await? == 1)
}

pub struct NewStep<'a> {
    pub case_id: i64,
    pub action: &'a str,
    pub status: ArrearsStatus,
    pub method: Option<ContactMethod>,
    pub note: &'a str,
    pub courier_no: &'a str,
    pub staff_id: Option<i64>,
}

pub async fn insert_step(c: &mut impl AsEx, s: &NewStep<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO arrears_steps (case_id, action, status, method, note, courier_no, staff_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .arg(s.case_id)
        .arg(s.action)
        .arg(s.status.code())
        .arg(s.method.map(|m| m.code()))
        .arg(s.note)
        .arg(s.courier_no)
        .arg(s.staff_id)
        .arg(now);
    c.ex().insert(sql).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct StepRow {
    pub id: i64,
    pub case_id: i64,
    pub action: String,
    #[sqlx(try_from = "String")]
    pub status: ArrearsStatus,
    pub method: Option<String>,
    pub note: String,
    pub courier_no: String,
    pub staff_name: Option<String>,
    pub at: DateTime<Utc>,
}

impl StepRow {
    pub fn method(&self) -> Option<ContactMethod> {
        self.method.as_deref().and_then(|m| ContactMethod::parse(m).ok())
    }
}

/// The steps of the given cases, oldest first (the printed list shows every case's record).
pub async fn steps(c: &mut impl AsEx, case_ids: &[i64]) -> Result<Vec<StepRow>> {
    let sql = Sql::new(
        "SELECT s.id, s.case_id, s.action, s.status, s.method, s.note, s.courier_no, st.display_name AS staff_name, s.at FROM arrears_steps s LEFT JOIN staff st ON st.id = s.staff_id WHERE s.case_id IN ",
    )
    .bind_list(case_ids)
    .push(" ORDER BY s.case_id, s.id");
    c.ex().fetch_all(sql).await
}

/// The status of a complaint or work order in the project (None: not there).
pub async fn linked_status(c: &mut impl AsEx, project_id: i64, entity: &str, id: i64) -> Result<Option<String>> {
    let table = match entity {
        "complaint" => "complaints",
        "work_order" => "work_orders",
        _ => return Ok(None),
    };
    let sql = Sql::new(&format!("SELECT status FROM {table} WHERE id = ")).bind(id).push(" AND project_id = ").bind(project_id);
    Ok(c.ex().fetch_optional::<(String,)>(sql).await?.map(|r| r.0))
}
