//! REP-11: the company's contractors (维修商) with their qualifications, REP-3 warranty periods
//! per project, and the REP-3/4/6 records kept with a work order. Contractors are company-wide;
//! their work orders are read through the actor's projects only.

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::work_order::{Component, Trade};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ContractorRow {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub licence_no: String,
    /// Trade codes, comma-separated.
    pub trades: String,
    pub contact: String,
    pub phone: String,
    pub approved: bool,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ContractorRow {
    pub fn trade_list(&self) -> Vec<Trade> {
        self.trades.split(',').filter_map(|t| Trade::parse(t.trim()).ok()).collect()
    }
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct QualificationRow {
    pub id: i64,
    pub contractor_id: i64,
    #[sqlx(try_from = "String")]
    pub trade: Trade,
    pub name: String,
    pub certificate_no: String,
    pub expires_on: NaiveDate,
}

pub struct NewContractor<'a> {
    pub name: &'a str,
    pub licence_no: &'a str,
    pub trades: &'a [Trade],
    pub contact: &'a str,
    pub phone: &'a str,
    pub approved: bool,
    pub note: &'a str,
}

pub struct NewQualification<'a> {
    pub trade: Trade,
    pub name: &'a str,
    pub certificate_no: &'a str,
    pub expires_on: NaiveDate,
}

const COLS: &str = "c.id, c.company_id, c.name, c.licence_no, c.trades, c.contact, c.phone, c.approved, c.note, c.created_at, c.updated_at, c.version";

fn trade_codes(trades: &[Trade]) -> String {
    trades.iter().map(|t| t.code()).collect::<Vec<_>>().join(",")
}

/// Whether the company already has a contractor with this licence number (other than `except`).
pub async fn licence_taken(c: &mut impl AsEx, company_id: i64, licence_no: &str, except: Option<i64>) -> Result<bool> {
    let sql = Sql::new("SELECT COUNT(*) FROM contractors WHERE company_id = ")
        .bind(company_id)
        .push(" AND licence_no = ")
        .bind(licence_no)
        .push(" AND id <> ")
        .bind(except.unwrap_or(0));
    Ok(c.ex().scalar(sql).await? > 0)
}

pub async fn insert(c: &mut impl AsEx, company_id: i64, n: &NewContractor<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO contractors (company_id, name, licence_no, trades, contact, phone, approved, note, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .arg(company_id)
    .arg(n.name)
    .arg(n.licence_no)
    .arg(trade_codes(n.trades))
    .arg(n.contact)
    .arg(n.phone)
    .arg(n.approved)
    .arg(n.note)
    .arg(now);
    c.ex().insert(sql).await
}

/// Writes the edited contractor only if still at `version` (else false → 409).
pub async fn update(c: &mut impl AsEx, company_id: i64, id: i64, version: i64, n: &NewContractor<'_>, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE contractors SET name = $1, licence_no = $2, trades = $3, contact = $4, phone = $5, approved = $6, note = $7, updated_at = $8,
         version = version + 1 WHERE id = $9 AND company_id = $10 AND version = $11",
    )
    .arg(n.name)
    .arg(n.licence_no)
    .arg(trade_codes(n.trades))
    .arg(n.contact)
    .arg(n.phone)
    .arg(n.approved)
    .arg(n.note)
    .arg(now)
    .arg(id)
    .arg(company_id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// Replaces a contractor's qualifications with `quals`.
pub async fn set_qualifications(c: &mut impl AsEx, contractor_id: i64, quals: &[NewQualification<'_>]) -> Result<()> {
    c.ex().execute(Sql::new("DELETE FROM contractor_qualifications WHERE contractor_id = ").bind(contractor_id)).await?;
    for q in quals {
        let sql = Sql::new("INSERT INTO contractor_qualifications (contractor_id, trade, name, certificate_no, expires_on) VALUES ($1, $2, $3, $4, $5)")
            .arg(contractor_id)
            .arg(q.trade.code())
            .arg(q.name)
            .arg(q.certificate_no)
            .arg(q.expires_on);
        c.ex().insert(sql).await?;
    }
    Ok(())
}

pub async fn get(c: &mut impl AsEx, company_id: i64, id: i64) -> Result<Option<ContractorRow>> {
    let sql = Sql::new(&format!("SELECT {COLS} FROM contractors c WHERE c.id = ")).bind(id).push(" AND c.company_id = ").bind(company_id);
    c.ex().fetch_optional(sql).await
}

pub async fn qualifications(c: &mut impl AsEx, contractor_id: i64) -> Result<Vec<QualificationRow>> {
    let sql = Sql::new("SELECT id, contractor_id, trade, name, certificate_no, expires_on FROM contractor_qualifications WHERE contractor_id = ")
        .bind(contractor_id)
        .push(" ORDER BY trade, expires_on, id");
    c.ex().fetch_all(sql).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Name, licence number, contact or phone (substring).
    pub q: Option<String>,
    pub approved: Option<bool>,
    pub trade: Option<Trade>,
}

fn filter(sql: Sql, company_id: i64, f: &Filter) -> Sql {
    let mut sql = sql.push(" WHERE c.company_id = ").bind(company_id);
    if let Some(a) = f.approved {
        sql = sql.push(" AND c.approved = ").bind(a);
    }
    if let Some(t) = f.trade {
        // Codes never contain each other, and the list is comma-joined, so a padded match is exact.
        sql = sql.push(" AND (',' || c.trades || ',') LIKE ").bind(format!("%,{},%", t.code()));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql.push(" AND (");
        for (i, col) in ["c.name", "c.licence_no", "c.contact", "c.phone"].iter().enumerate() {
            sql = sql.push(if i == 0 { "" } else { " OR " }).push(col).push(" LIKE ").bind(pat.clone()).push(" ESCAPE '\\'");
        }
        sql = sql.push(")");
    }
    sql
}

pub async fn list(c: &mut impl AsEx, company_id: i64, f: &Filter, page: Page) -> Result<Paged<ContractorRow>> {
    let total = c.ex().scalar(filter(Sql::new("SELECT COUNT(*) FROM contractors c"), company_id, f)).await?;
    let sql = filter(Sql::new(&format!("SELECT {COLS} FROM contractors c")), company_id, f)
        .push(" ORDER BY c.name, c.id LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

/// A contractor's work orders in the actor's projects, newest first, with their on-time results.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ContractorJob {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub finish_on_time: Option<bool>,
    pub sign_off_on_time: Option<bool>,
}

pub async fn jobs(c: &mut impl AsEx, actor: &Actor, contractor_id: i64, limit: i64) -> Result<Vec<ContractorJob>> {
    let sql = Sql::new("SELECT w.id, w.number, w.status, w.received_at, w.finish_on_time, w.sign_off_on_time FROM work_orders w WHERE w.contractor_id = ")
        .bind(contractor_id)
        .push(" AND w.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY w.received_at DESC, w.id DESC LIMIT ")
        .bind(limit);
    c.ex().fetch_all(sql).await
}

/// (finished jobs with a result, of them finished on time) over the actor's projects.
pub async fn on_time(c: &mut impl AsEx, actor: &Actor, contractor_id: i64) -> Result<(i64, i64)> {
    let base = |cond: &str| {
        Sql::new("SELECT COUNT(*) FROM work_orders w WHERE w.contractor_id = ")
            .bind(contractor_id)
            .push(" AND w.project_id IN ")
            .bind_list(&actor.projects)
            .push(cond)
    };
    let done = c.ex().scalar(base(" AND w.finish_on_time IS NOT NULL")).await?;
    let ok = c.ex().scalar(base(" AND w.finish_on_time = ").bind(true)).await?;
    Ok((done, ok))
}

/// REP-3: the project's own warranty years for a component, if it set them.
pub async fn warranty_years(c: &mut impl AsEx, project_id: i64, component: Component) -> Result<Option<i64>> {
    let sql = Sql::new("SELECT years FROM warranty_periods WHERE project_id = ").bind(project_id).push(" AND component = ").bind(component.code());
    Ok(c.ex().fetch_optional::<(i64,)>(sql).await?.map(|r| r.0))
}

pub async fn set_warranty_years(c: &mut impl AsEx, project_id: i64, component: Component, years: i64) -> Result<()> {
    c.ex().execute(Sql::new("DELETE FROM warranty_periods WHERE project_id = ").bind(project_id).push(" AND component = ").bind(component.code())).await?;
    let sql = Sql::new("INSERT INTO warranty_periods (project_id, component, years) VALUES ($1, $2, $3)").arg(project_id).arg(component.code()).arg(years);
    c.ex().execute(sql).await?;
    Ok(())
}

/// REP-3: the cause decided on a work order, with the warranty result and who is responsible.
pub async fn set_cause(
    c: &mut impl AsEx,
    work_order_id: i64,
    cause: &str,
    note: &str,
    in_warranty: Option<bool>,
    responsibility: &str,
    paid_repair: bool,
) -> Result<()> {
    let sql = Sql::new("UPDATE work_orders SET cause = $1, cause_note = $2, in_warranty = $3, responsibility = $4, paid_repair = $5 WHERE id = $6")
        .arg(cause)
        .arg(note)
        .arg(in_warranty)
        .arg(responsibility)
        .arg(paid_repair)
        .arg(work_order_id);
    c.ex().execute(sql).await?;
    Ok(())
}

/// REP-4: the contractor sent in (None: our own engineering staff).
pub async fn set_contractor(c: &mut impl AsEx, work_order_id: i64, contractor_id: Option<i64>) -> Result<()> {
    c.ex().execute(Sql::new("UPDATE work_orders SET contractor_id = $1 WHERE id = $2").arg(contractor_id).arg(work_order_id)).await?;
    Ok(())
}

pub async fn set_test_passed(c: &mut impl AsEx, work_order_id: i64, passed: bool) -> Result<()> {
    c.ex().execute(Sql::new("UPDATE work_orders SET test_passed = $1 WHERE id = $2").arg(passed).arg(work_order_id)).await?;
    Ok(())
}

pub struct NewTest<'a> {
    pub work_order_id: i64,
    pub owner_present: bool,
    pub office_present: bool,
    pub passed: bool,
    pub note: &'a str,
    pub tested_by: Option<i64>,
}

pub async fn insert_test(c: &mut impl AsEx, t: &NewTest<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO work_order_tests (work_order_id, owner_present, office_present, passed, note, tested_by, tested_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .arg(t.work_order_id)
    .arg(t.owner_present)
    .arg(t.office_present)
    .arg(t.passed)
    .arg(t.note)
    .arg(t.tested_by)
    .arg(now);
    c.ex().insert(sql).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct TestRow {
    pub id: i64,
    pub owner_present: bool,
    pub office_present: bool,
    pub passed: bool,
    pub note: String,
    pub tested_at: DateTime<Utc>,
    pub tested_by_name: Option<String>,
}

/// REP-6: a work order's tests, oldest first (the caller has already read the order in scope).
pub async fn tests(c: &mut impl AsEx, work_order_id: i64) -> Result<Vec<TestRow>> {
    let sql = Sql::new(
        "SELECT t.id, t.owner_present, t.office_present, t.passed, t.note, t.tested_at, s.display_name AS tested_by_name
         FROM work_order_tests t LEFT JOIN staff s ON s.id = t.tested_by WHERE t.work_order_id = ",
    )
    .bind(work_order_id)
    .push(" ORDER BY t.tested_at, t.id");
    c.ex().fetch_all(sql).await
}
