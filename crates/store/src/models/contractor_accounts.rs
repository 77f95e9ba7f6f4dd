//! REP-11: a contractor's accounts within a project — period evaluations, deductions, labour
//! slips, settlement statements with their lines, payment requests — and the agreed amount of
//! a work order. Every read is scoped by the actor's projects.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::contractor::{DeductionStatus, Grade, LabourSlipStatus, LabourUnit, Party, PaymentStatus, Record};

// ---------- SM03-19 evaluation ----------

/// The contractor's record in a project over `[from, to)`: the jobs finished then, with their
/// finish on-time results, their repair callbacks' ratings and the rectifications issued.
pub async fn record(c: &mut impl AsEx, project_id: i64, contractor_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Record> {
    let orders = |sql: Sql| {
        sql.push(" w.contractor_id = ")
            .bind(contractor_id)
            .push(" AND w.project_id = ")
            .bind(project_id)
            .push(" AND w.finished_at >= ")
            .bind(from)
            .push(" AND w.finished_at < ")
            .bind(to)
    };
    let jobs = c.ex().scalar(orders(Sql::new("SELECT COUNT(*) FROM work_orders w WHERE w.finish_on_time IS NOT NULL AND"))).await?;
    let on_time = c.ex().scalar(orders(Sql::new("SELECT COUNT(*) FROM work_orders w WHERE w.finish_on_time = ").bind(true).push(" AND"))).await?;
    let ratings: (i64, i64, i64, i64) = c
        .ex()
        .fetch_one(orders(Sql::new(
            "SELECT COUNT(*), CAST(COALESCE(SUM(b.quality), 0) AS BIGINT), CAST(COALESCE(SUM(b.speed), 0) AS BIGINT), CAST(COALESCE(SUM(b.attitude), 0) AS BIGINT)
             FROM callbacks b JOIN work_orders w ON w.id = b.subject_id
             WHERE b.subject = 'repair' AND b.quality IS NOT NULL AND b.speed IS NOT NULL AND b.attitude IS NOT NULL AND",
        )))
        .await?;
    let rectifications = c.ex().scalar(orders(Sql::new("SELECT COUNT(*) FROM rectifications r JOIN work_orders w ON w.id = r.work_order_id WHERE"))).await?;
    Ok(Record { jobs, on_time, rated: ratings.0, quality_sum: ratings.1, speed_sum: ratings.2, attitude_sum: ratings.3, rectifications })
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct EvaluationRow {
    pub id: i64,
    pub contractor_id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub jobs: i64,
    pub on_time: i64,
    pub rated: i64,
    pub quality_sum: i64,
    pub speed_sum: i64,
    pub attitude_sum: i64,
    pub rectifications: i64,
    #[sqlx(try_from = "String")]
    pub grade: Grade,
    pub opinion: String,
    pub keep_approved: bool,
    pub evaluated_by_name: Option<String>,
    pub evaluated_at: DateTime<Utc>,
}

impl EvaluationRow {
    pub fn record(&self) -> Record {
        Record {
            jobs: self.jobs,
            on_time: self.on_time,
            rated: self.rated,
            quality_sum: self.quality_sum,
            speed_sum: self.speed_sum,
            attitude_sum: self.attitude_sum,
            rectifications: self.rectifications,
        }
    }
}

pub struct NewEvaluation<'a> {
    pub contractor_id: i64,
    pub project_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub record: Record,
    pub grade: Grade,
    pub opinion: &'a str,
    pub keep_approved: bool,
    pub by: Option<i64>,
}

pub async fn insert_evaluation(c: &mut impl AsEx, n: &NewEvaluation<'_>, now: DateTime<Utc>) -> Result<i64> {
    let r = n.record;
    let sql = Sql::new(
        "INSERT INTO contractor_evaluations (contractor_id, project_id, period_from, period_to, jobs, on_time, rated, quality_sum, speed_sum, attitude_sum,
         rectifications, grade, opinion, keep_approved, evaluated_by, evaluated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .arg(n.contractor_id)
    .arg(n.project_id)
    .arg(n.from)
    .arg(n.to)
    .arg(r.jobs)
    .arg(r.on_time)
    .arg(r.rated)
    .arg(r.quality_sum)
    .arg(r.speed_sum)
    .arg(r.attitude_sum)
    .arg(r.rectifications)
    .arg(n.grade.code())
    .arg(n.opinion)
    .arg(n.keep_approved)
    .arg(n.by)
    .arg(now);
    c.ex().insert(sql).await
}

/// A contractor's evaluations in the actor's projects, newest period first.
pub async fn evaluations(c: &mut impl AsEx, actor: &Actor, contractor_id: i64, limit: i64) -> Result<Vec<EvaluationRow>> {
    let sql = Sql::new(
        "SELECT e.id, e.contractor_id, e.project_id, p.name AS project_name, e.period_from, e.period_to, e.jobs, e.on_time, e.rated, e.quality_sum, e.speed_sum,
         e.attitude_sum, e.rectifications, e.grade, e.opinion, e.keep_approved, s.display_name AS evaluated_by_name, e.evaluated_at
         FROM contractor_evaluations e JOIN projects p ON p.id = e.project_id LEFT JOIN staff s ON s.id = e.evaluated_by WHERE e.contractor_id = ",
    )
    .bind(contractor_id)
    .push(" AND e.project_id IN ")
    .bind_list(&actor.projects)
    .push(" ORDER BY e.period_to DESC, e.id DESC LIMIT ")
    .bind(limit);
    c.ex().fetch_all(sql).await
}

/// The register's approval, changed by an evaluation (suspend or restore); false when stale.
pub async fn set_approved(c: &mut impl AsEx, company_id: i64, contractor_id: i64, approved: bool, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new("UPDATE contractors SET approved = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND company_id = $4")
        .arg(approved)
        .arg(now)
        .arg(contractor_id)
        .arg(company_id);
    Ok(c.ex().execute(sql).await? == 1)
}

/// Locks the contractor's row so two settlements of one contractor run one after the other.
pub async fn lock_contractor(c: &mut impl AsEx, company_id: i64, contractor_id: i64, lock: &str) -> Result<bool> {
    let sql = Sql::new("SELECT id FROM contractors WHERE id = ").bind(contractor_id).push(" AND company_id = ").bind(company_id).push(lock);
    Ok(c.ex().fetch_optional::<(i64,)>(sql).await?.is_some())
}

// ---------- agreed amount of a work order ----------

pub async fn set_agreed_amount(c: &mut impl AsEx, work_order_id: i64, amount: Option<i64>) -> Result<()> {
    c.ex().execute(Sql::new("UPDATE work_orders SET agreed_amount = $1 WHERE id = $2").arg(amount).arg(work_order_id)).await?;
    Ok(())
}

pub async fn agreed_amount(c: &mut impl AsEx, work_order_id: i64) -> Result<Option<i64>> {
    let row: Option<(Option<i64>,)> = c.ex().fetch_optional(Sql::new("SELECT agreed_amount FROM work_orders WHERE id = $1").arg(work_order_id)).await?;
    Ok(row.and_then(|r| r.0))
}

/// The settlement a work order was settled in, if any.
pub async fn settled_in(c: &mut impl AsEx, work_order_id: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = c.ex().fetch_optional(Sql::new("SELECT settlement_id FROM settlement_lines WHERE work_order_id = $1").arg(work_order_id)).await?;
    Ok(row.map(|r| r.0))
}

// ---------- SM03-22/24 deductions ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DeductionRow {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub number: String,
    pub work_order_id: i64,
    pub work_order_number: String,
    pub work_order_content: String,
    #[sqlx(try_from = "String")]
    pub party: Party,
    pub contractor_id: Option<i64>,
    pub contractor_name: Option<String>,
    pub amount: i64,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub status: DeductionStatus,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub cancel_reason: String,
    pub settlement_id: Option<i64>,
    pub version: i64,
}

const DEDUCTION: &str = "SELECT k.id, k.project_id, p.name AS project_name, k.number, k.work_order_id, w.number AS work_order_number,
    w.content AS work_order_content, k.party, k.contractor_id, ct.name AS contractor_name, k.amount, k.reason, k.status, cb.display_name AS created_by_name,
    k.created_at, ab.display_name AS approved_by_name, k.approved_at, k.cancel_reason, k.settlement_id, k.version
    FROM deductions k JOIN projects p ON p.id = k.project_id JOIN work_orders w ON w.id = k.work_order_id LEFT JOIN contractors ct ON ct.id = k.contractor_id
    LEFT JOIN staff cb ON cb.id = k.created_by LEFT JOIN staff ab ON ab.id = k.approved_by";

pub struct NewDeduction<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub work_order_id: i64,
    pub party: Party,
    pub contractor_id: Option<i64>,
    pub amount: i64,
    pub reason: &'a str,
    pub by: Option<i64>,
}

pub async fn insert_deduction(c: &mut impl AsEx, n: &NewDeduction<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO deductions (project_id, number, work_order_id, party, contractor_id, amount, reason, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9)",
    )
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.work_order_id)
    .arg(n.party.code())
    .arg(n.contractor_id)
    .arg(n.amount)
    .arg(n.reason)
    .arg(n.by)
    .arg(now);
    c.ex().insert(sql).await
}

/// A deduction the actor may see; `lock` is `Tx::for_update()` inside a changing transaction.
pub async fn deduction(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<DeductionRow>> {
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF k") };
    let sql = Sql::new(DEDUCTION).push(" WHERE k.id = ").bind(id).push(" AND k.project_id IN ").bind_list(&actor.projects).push(&lock);
    c.ex().fetch_optional(sql).await
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DeductionFilter {
    pub contractor_id: Option<i64>,
    pub work_order_id: Option<i64>,
    pub settlement_id: Option<i64>,
    pub status: Option<DeductionStatus>,
}

pub async fn deductions(c: &mut impl AsEx, actor: &Actor, f: DeductionFilter, limit: i64) -> Result<Vec<DeductionRow>> {
    let mut sql = Sql::new(DEDUCTION).push(" WHERE k.project_id IN ").bind_list(&actor.projects);
    if let Some(id) = f.contractor_id {
        sql = sql.push(" AND k.contractor_id = ").bind(id);
    }
    if let Some(id) = f.work_order_id {
        sql = sql.push(" AND k.work_order_id = ").bind(id);
    }
    if let Some(id) = f.settlement_id {
        sql = sql.push(" AND k.settlement_id = ").bind(id);
    }
    if let Some(s) = f.status {
        sql = sql.push(" AND k.status = ").bind(s.code());
    }
    c.ex().fetch_all(sql.push(" ORDER BY k.id DESC LIMIT ").bind(limit)).await
}

/// The new state of a deduction, written only at `version` (else false → 409).
pub async fn update_deduction(
    c: &mut impl AsEx,
    id: i64,
    version: i64,
    status: DeductionStatus,
    approved: Option<(i64, DateTime<Utc>)>,
    cancel_reason: Option<&str>,
) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE deductions SET status = $1, approved_by = COALESCE($2, approved_by), approved_at = COALESCE($3, approved_at),
         cancel_reason = COALESCE($4, cancel_reason), version = version + 1 WHERE id = $5 AND version = $6",
    )
    .arg(status.code())
    .arg(approved.map(|a| a.0))
    .arg(approved.map(|a| a.1))
    .arg(cancel_reason)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// The approved deductions against a contractor in a project (what a settlement charges).
pub async fn chargeable(c: &mut impl AsEx, project_id: i64, contractor_id: i64, lock: &str) -> Result<Vec<(i64, i64)>> {
    let sql = Sql::new("SELECT id, amount FROM deductions WHERE project_id = ")
        .bind(project_id)
        .push(" AND contractor_id = ")
        .bind(contractor_id)
        .push(" AND status = ")
        .bind(DeductionStatus::Approved.code())
        .push(" ORDER BY id")
        .push(lock);
    c.ex().fetch_all(sql).await
}

/// Marks the deductions charged in `settlement_id`; returns how many were still approved.
pub async fn charge(c: &mut impl AsEx, ids: &[i64], settlement_id: i64) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = Sql::new("UPDATE deductions SET status = ")
        .bind(DeductionStatus::Charged.code())
        .push(", settlement_id = ")
        .bind(settlement_id)
        .push(", version = version + 1 WHERE status = ")
        .bind(DeductionStatus::Approved.code())
        .push(" AND id IN ")
        .bind_list(ids);
    c.ex().execute(sql).await
}

// ---------- SM03-23 labour slips ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct LabourSlipRow {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub number: String,
    pub work_order_id: i64,
    pub work_order_number: String,
    pub location: String,
    pub worker_names: String,
    pub workers: i64,
    #[sqlx(try_from = "String")]
    pub unit: LabourUnit,
    pub quantity: i64,
    pub rate: i64,
    pub amount: i64,
    pub work: String,
    #[sqlx(try_from = "String")]
    pub status: LabourSlipStatus,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub cancel_reason: String,
    pub version: i64,
}

const SLIP: &str = "SELECT l.id, l.project_id, p.name AS project_name, l.number, l.work_order_id, w.number AS work_order_number, w.location, l.worker_names,
    l.workers, l.unit, l.quantity, l.rate, l.amount, l.work, l.status, cb.display_name AS created_by_name, l.created_at, ab.display_name AS approved_by_name,
    l.approved_at, l.cancel_reason, l.version
    FROM labour_slips l JOIN projects p ON p.id = l.project_id JOIN work_orders w ON w.id = l.work_order_id
    LEFT JOIN staff cb ON cb.id = l.created_by LEFT JOIN staff ab ON ab.id = l.approved_by";

pub struct NewLabourSlip<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub work_order_id: i64,
    pub worker_names: &'a str,
    pub workers: i64,
    pub unit: LabourUnit,
    pub quantity: i64,
    pub rate: i64,
    pub amount: i64,
    pub work: &'a str,
    pub by: Option<i64>,
}

pub async fn insert_slip(c: &mut impl AsEx, n: &NewLabourSlip<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO labour_slips (project_id, number, work_order_id, worker_names, workers, unit, quantity, rate, amount, work, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12)",
    )
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.work_order_id)
    .arg(n.worker_names)
    .arg(n.workers)
    .arg(n.unit.code())
    .arg(n.quantity)
    .arg(n.rate)
    .arg(n.amount)
    .arg(n.work)
    .arg(n.by)
    .arg(now);
    c.ex().insert(sql).await
}

pub async fn slip(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<LabourSlipRow>> {
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF l") };
    let sql = Sql::new(SLIP).push(" WHERE l.id = ").bind(id).push(" AND l.project_id IN ").bind_list(&actor.projects).push(&lock);
    c.ex().fetch_optional(sql).await
}

/// A work order's labour slips (the caller has read the order in scope).
pub async fn slips_of(c: &mut impl AsEx, work_order_id: i64) -> Result<Vec<LabourSlipRow>> {
    c.ex().fetch_all(Sql::new(SLIP).push(" WHERE l.work_order_id = ").bind(work_order_id).push(" ORDER BY l.id")).await
}

pub async fn update_slip(
    c: &mut impl AsEx,
    id: i64,
    version: i64,
    status: LabourSlipStatus,
    approved: Option<(i64, DateTime<Utc>)>,
    cancel_reason: Option<&str>,
) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE labour_slips SET status = $1, approved_by = COALESCE($2, approved_by), approved_at = COALESCE($3, approved_at),
         cancel_reason = COALESCE($4, cancel_reason), version = version + 1 WHERE id = $5 AND version = $6",
    )
    .arg(status.code())
    .arg(approved.map(|a| a.0))
    .arg(approved.map(|a| a.1))
    .arg(cancel_reason)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

// ---------- SM03-13 settlements ----------

/// A work order a settlement may take: completed in the period, not settled before.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Settleable {
    pub id: i64,
    pub number: String,
    pub agreed_amount: Option<i64>,
}

/// The contractor's orders in the project with `status`, closed in `[from, to)` and in no
/// settlement yet.
pub async fn settleable(
    c: &mut impl AsEx,
    project_id: i64,
    contractor_id: i64,
    status: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Settleable>> {
    let sql = Sql::new("SELECT w.id, w.number, w.agreed_amount FROM work_orders w WHERE w.project_id = ")
        .bind(project_id)
        .push(" AND w.contractor_id = ")
        .bind(contractor_id)
        .push(" AND w.status = ")
        .bind(status)
        .push(" AND w.closed_at >= ")
        .bind(from)
        .push(" AND w.closed_at < ")
        .bind(to)
        .push(" AND NOT EXISTS (SELECT 1 FROM settlement_lines l WHERE l.work_order_id = w.id) ORDER BY w.closed_at, w.id");
    c.ex().fetch_all(sql).await
}

/// The statement already generated for this contractor, project and period, if any.
pub async fn settlement_for(c: &mut impl AsEx, project_id: i64, contractor_id: i64, from: NaiveDate, to: NaiveDate) -> Result<Option<(i64, String)>> {
    let sql = Sql::new("SELECT id, number FROM settlements WHERE project_id = $1 AND contractor_id = $2 AND period_from = $3 AND period_to = $4")
        .arg(project_id)
        .arg(contractor_id)
        .arg(from)
        .arg(to);
    c.ex().fetch_optional(sql).await
}

pub struct NewSettlement<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub contractor_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub gross: i64,
    pub deductions: i64,
    pub payable: i64,
    pub by: Option<i64>,
}

pub async fn insert_settlement(c: &mut impl AsEx, n: &NewSettlement<'_>, lines: &[(i64, i64)], now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO settlements (project_id, number, contractor_id, period_from, period_to, gross, deductions, payable, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.contractor_id)
    .arg(n.from)
    .arg(n.to)
    .arg(n.gross)
    .arg(n.deductions)
    .arg(n.payable)
    .arg(n.by)
    .arg(now);
    let id = c.ex().insert(sql).await?;
    for (order, amount) in lines {
        c.ex()
            .insert(Sql::new("INSERT INTO settlement_lines (settlement_id, work_order_id, amount) VALUES ($1, $2, $3)").arg(id).arg(*order).arg(*amount))
            .await?;
    }
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SettlementRow {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub number: String,
    pub contractor_id: i64,
    pub contractor_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub gross: i64,
    pub deductions: i64,
    pub payable: i64,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

const SETTLEMENT: &str = "SELECT t.id, t.project_id, p.name AS project_name, t.number, t.contractor_id, ct.name AS contractor_name, t.period_from,
    t.period_to, t.gross, t.deductions, t.payable, s.display_name AS created_by_name, t.created_at
    FROM settlements t JOIN projects p ON p.id = t.project_id JOIN contractors ct ON ct.id = t.contractor_id LEFT JOIN staff s ON s.id = t.created_by";

pub async fn settlement(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<SettlementRow>> {
    c.ex().fetch_optional(Sql::new(SETTLEMENT).push(" WHERE t.id = ").bind(id).push(" AND t.project_id IN ").bind_list(&actor.projects)).await
}

pub async fn settlements(c: &mut impl AsEx, actor: &Actor, contractor_id: i64, limit: i64) -> Result<Vec<SettlementRow>> {
    let sql = Sql::new(SETTLEMENT)
        .push(" WHERE t.contractor_id = ")
        .bind(contractor_id)
        .push(" AND t.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY t.period_to DESC, t.id DESC LIMIT ")
        .bind(limit);
    c.ex().fetch_all(sql).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct LineRow {
    pub work_order_id: i64,
    pub number: String,
    pub location: String,
    pub content: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub amount: i64,
}

/// A settlement's work orders (the caller has read the settlement in scope).
pub async fn lines(c: &mut impl AsEx, settlement_id: i64) -> Result<Vec<LineRow>> {
    let sql = Sql::new(
        "SELECT l.work_order_id, w.number, w.location, w.content, w.closed_at, l.amount FROM settlement_lines l JOIN work_orders w ON w.id = l.work_order_id
         WHERE l.settlement_id = ",
    )
    .bind(settlement_id)
    .push(" ORDER BY w.closed_at, w.id");
    c.ex().fetch_all(sql).await
}

// ---------- SM03-25 payment requests ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub number: String,
    pub settlement_id: i64,
    pub settlement_number: String,
    pub contractor_id: i64,
    pub contractor_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub amount: i64,
    pub note: String,
    #[sqlx(try_from = "String")]
    pub status: PaymentStatus,
    pub submitted_by_name: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_by_name: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub reject_reason: String,
    pub version: i64,
}

const PAYMENT: &str = "SELECT r.id, r.project_id, p.name AS project_name, r.number, r.settlement_id, t.number AS settlement_number, t.contractor_id,
    ct.name AS contractor_name, t.period_from, t.period_to, r.amount, r.note, r.status, sb.display_name AS submitted_by_name, r.submitted_at,
    ab.display_name AS approved_by_name, r.approved_at, pb.display_name AS paid_by_name, r.paid_at, r.reject_reason, r.version
    FROM payment_requests r JOIN projects p ON p.id = r.project_id JOIN settlements t ON t.id = r.settlement_id JOIN contractors ct ON ct.id = t.contractor_id
    LEFT JOIN staff sb ON sb.id = r.submitted_by LEFT JOIN staff ab ON ab.id = r.approved_by LEFT JOIN staff pb ON pb.id = r.paid_by";

pub struct NewPayment<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub settlement_id: i64,
    pub amount: i64,
    pub note: &'a str,
    pub by: Option<i64>,
}

pub async fn insert_payment(c: &mut impl AsEx, n: &NewPayment<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO payment_requests (project_id, number, settlement_id, amount, note, status, submitted_by, submitted_at)
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7)",
    )
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.settlement_id)
    .arg(n.amount)
    .arg(n.note)
    .arg(n.by)
    .arg(now);
    c.ex().insert(sql).await
}

pub async fn payment(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<PaymentRow>> {
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF r") };
    c.ex().fetch_optional(Sql::new(PAYMENT).push(" WHERE r.id = ").bind(id).push(" AND r.project_id IN ").bind_list(&actor.projects).push(&lock)).await
}

/// A settlement's payment requests, newest first (the caller has read the settlement in scope).
pub async fn payments_of(c: &mut impl AsEx, settlement_id: i64) -> Result<Vec<PaymentRow>> {
    c.ex().fetch_all(Sql::new(PAYMENT).push(" WHERE r.settlement_id = ").bind(settlement_id).push(" ORDER BY r.id DESC")).await
}

pub async fn update_payment(
    c: &mut impl AsEx,
    id: i64,
    version: i64,
    status: PaymentStatus,
    by: Option<i64>,
    now: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<bool> {
    let (approved, paid) = match status {
        PaymentStatus::Approved => ((by, Some(now)), (None, None)),
        PaymentStatus::Paid => ((None, None), (by, Some(now))),
        _ => ((None, None), (None, None)),
    };
    let sql = Sql::new(
        "UPDATE payment_requests SET status = $1, approved_by = COALESCE($2, approved_by), approved_at = COALESCE($3, approved_at), paid_by = COALESCE($4, paid_by),
         paid_at = COALESCE($5, paid_at), reject_reason = COALESCE($6, reject_reason), version = version + 1 WHERE id = $7 AND version = $8",
    )
    .arg(status.code())
    .arg(approved.0)
    .arg(approved.1)
    .arg(paid.0)
    .arg(paid.1)
    .arg(reason)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}
