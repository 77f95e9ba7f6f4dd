//! FEE-4: payments and their receipts, the bill lines each settles, the invoice hand-off and the
//! month's reconciliation with finance. Reads are scoped by the actor's projects.

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::billing::{Owed, PaymentMethod};

/// The payer's unpaid lines in a project (optionally of one unit), locked for the payment.
pub async fn owed(c: &mut impl AsEx, project_id: i64, payer_id: i64, unit_id: Option<i64>, lock: &str) -> Result<Vec<Owed>> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Row {
        id: i64,
        due_date: NaiveDate,
        balance: i64,
    }
    let mut sql =
        Sql::new("SELECT id, due_date, amount - paid AS balance FROM bill_lines WHERE project_id = ").bind(project_id).push(" AND payer_id = ").bind(payer_id);
    if let Some(u) = unit_id {
        sql = sql.push(" AND unit_id = ").bind(u);
    }
    let rows: Vec<Row> = c.ex().fetch_all(sql.push(" AND paid < amount ORDER BY due_date, id").push(lock)).await?;
    Ok(rows.into_iter().map(|r| Owed { line_id: r.id, due: r.due_date, balance: r.balance }).collect())
}

/// Adds to a line's paid amount; false when that would pay more than the line (changed meanwhile).
pub async fn add_paid(c: &mut impl AsEx, line_id: i64, amount: i64) -> Result<bool> {
    let sql = Sql::new("UPDATE bill_lines SET paid = paid + $1, version = version + 1 WHERE id = $2 AND paid + $1 <= amount").arg(amount).arg(line_id);
    Ok(c.ex().execute(sql).await? == 1)
}

pub struct NewPayment<'a> {
    pub project_id: i64,
    pub payer_id: i64,
    pub unit_id: Option<i64>,
    pub receipt_no: &'a str,
    pub amount: i64,
    pub allocated: i64,
    pub prepaid: i64,
    pub method: PaymentMethod,
    pub reference: &'a str,
    pub paid_on: NaiveDate,
    pub received_by: i64,
    pub note: &'a str,
}

pub async fn insert(c: &mut impl AsEx, p: &NewPayment<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO payments (project_id, payer_id, unit_id, receipt_no, amount, allocated, prepaid, method, reference, paid_on, received_by, note, created_at) VALUES (",
    )
    .bind(p.project_id)
    .push(", ")
    .bind(p.payer_id)
    .push(", ")
    .bind(p.unit_id)
    .push(", ")
    .bind(p.receipt_no)
    .push(", ")
    .bind(p.amount)
    .push(", ")
    .bind(p.allocated)
    .push(", ")
    .bind(p.prepaid)
    .push(", ")
    .bind(p.method.code())
    .push(", ")
    .bind(p.reference)
    .push(", ")
    .bind(p.paid_on)
    .push(", ")
    .bind(p.received_by)
    .push(", ")
    .bind(p.note)
    .push(", ")
    .bind(now)
    .push(")");
    c.ex().insert(sql).await
}

pub async fn insert_allocation(c: &mut impl AsEx, payment_id: i64, line_id: i64, amount: i64) -> Result<()> {
    let sql = Sql::new("INSERT INTO payment_allocations (payment_id, line_id, amount) VALUES ($1, $2, $3)").arg(payment_id).arg(line_id).arg(amount);
    c.ex().execute(sql).await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub payer_id: i64,
    pub payer_name: String,
    pub unit_id: Option<i64>,
    pub receipt_no: String,
    pub amount: i64,
    pub allocated: i64,
    pub prepaid: i64,
    #[sqlx(try_from = "String")]
    pub method: PaymentMethod,
    pub reference: String,
    pub paid_on: NaiveDate,
    pub received_by_name: String,
    pub note: String,
    pub invoice_requested_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLS: &str = "y.id, y.project_id, pr.name AS project_name, y.payer_id, p.name AS payer_name, y.unit_id, y.receipt_no, y.amount, y.allocated, y.prepaid, y.method, y.reference, y.paid_on, s.display_name AS received_by_name, y.note, y.invoice_requested_at, y.created_at";
const FROM: &str = " FROM payments y JOIN projects pr ON pr.id = y.project_id JOIN parties p ON p.id = y.payer_id JOIN staff s ON s.id = y.received_by";

pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<PaymentRow>> {
    let sql = Sql::new(&format!("SELECT {COLS}{FROM} WHERE y.id = ")).bind(id).push(" AND y.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// What a payment settled: the line, its item and period, and the amount.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AllocationRow {
    pub line_id: i64,
    pub item_name: String,
    pub period_key: String,
    pub building_code: String,
    pub unit_no: String,
    pub line_amount: i64,
    pub amount: i64,
}

pub async fn allocations(c: &mut impl AsEx, payment_id: i64) -> Result<Vec<AllocationRow>> {
    let sql = Sql::new(
        "SELECT a.line_id, i.name AS item_name, l.period_key, b.code AS building_code, u.unit_no, l.amount AS line_amount, a.amount FROM payment_allocations a JOIN bill_lines l ON l.id = a.line_id JOIN fee_items i ON i.id = l.item_id JOIN units u ON u.id = l.unit_id JOIN buildings b ON b.id = u.building_id WHERE a.payment_id = ",
    )
    .bind(payment_id)
    .push(" ORDER BY l.due_date, a.id");
    c.ex().fetch_all(sql).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub method: Option<PaymentMethod>,
    pub payer_id: Option<i64>,
    /// Payer name or receipt number (substring).
    pub q: Option<String>,
    /// Payments for a unit: named for it, or settling any of its lines.
    pub unit_id: Option<i64>,
}

fn filter(sql: Sql, actor: &Actor, f: &Filter) -> Sql {
    let mut sql = sql.push(" WHERE y.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND y.project_id = ").bind(p);
    }
    if let Some(d) = f.from {
        sql = sql.push(" AND y.paid_on >= ").bind(d);
    }
    if let Some(d) = f.to {
        sql = sql.push(" AND y.paid_on <= ").bind(d);
    }
    if let Some(m) = f.method {
        sql = sql.push(" AND y.method = ").bind(m.code());
    }
    if let Some(p) = f.payer_id {
        sql = sql.push(" AND y.payer_id = ").bind(p);
    }
    if let Some(u) = f.unit_id {
        sql = sql
            .push(" AND (y.unit_id = ")
            .bind(u)
            .push(" OR EXISTS (SELECT 1 FROM payment_allocations pa JOIN bill_lines bl ON bl.id = pa.line_id WHERE pa.payment_id = y.id AND bl.unit_id = ")
            .bind(u)
            .push("))");
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql.push(" AND (p.name LIKE ").bind(pat.clone()).push(" ESCAPE '\\' OR y.receipt_no LIKE ").bind(pat).push(" ESCAPE '\\')");
    }
    sql
}

/// Count and sum of the filtered payments.
pub async fn totals(c: &mut impl AsEx, actor: &Actor, f: &Filter) -> Result<(i64, i64)> {
    let sql = filter(Sql::new(&format!("SELECT COUNT(*), CAST(COALESCE(SUM(y.amount), 0) AS BIGINT){FROM}")), actor, f);
    c.ex().fetch_one(sql).await
}

pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page) -> Result<(Paged<PaymentRow>, i64)> {
    let (total, amount) = totals(c, actor, f).await?;
    let sql = filter(Sql::new(&format!("SELECT {COLS}{FROM}")), actor, f)
        .push(" ORDER BY y.paid_on DESC, y.id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok((Paged { items, total, page }, amount))
}

/// FEE-4: the receipt was handed over for an invoice (once).
pub async fn mark_invoice_requested(c: &mut impl AsEx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new("UPDATE payments SET invoice_requested_at = $1 WHERE id = $2 AND invoice_requested_at IS NULL").arg(now).arg(id);
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MonthRow {
    pub id: i64,
    pub month: String,
    pub payments: i64,
    pub amount: i64,
    pub unpaid_lines: i64,
    pub unpaid_amount: i64,
    /// FEE-8: prepaid electricity receipted in the month.
    pub purchases: i64,
    pub purchase_amount: i64,
    pub signed_by_name: String,
    pub signed_at: DateTime<Utc>,
    pub note: String,
}

pub async fn month_reconciliation(c: &mut impl AsEx, actor: &Actor, project_id: i64, month: &str) -> Result<Option<MonthRow>> {
    let sql = Sql::new(
        "SELECT r.id, r.month, r.payments, r.amount, r.unpaid_lines, r.unpaid_amount, r.purchases, r.purchase_amount, s.display_name AS signed_by_name, r.signed_at, r.note FROM payment_reconciliations r JOIN staff s ON s.id = r.signed_by WHERE r.project_id = ",
    )
    .bind(project_id)
    .push(" AND r.month = ")
    .bind(month)
    .push(" AND r.project_id IN ")
    .bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub struct NewMonth<'a> {
    pub project_id: i64,
    pub month: &'a str,
    pub payments: i64,
    pub amount: i64,
    pub unpaid_lines: i64,
    pub unpaid_amount: i64,
    pub purchases: i64,
    pub purchase_amount: i64,
    pub note: &'a str,
}

pub async fn insert_month(c: &mut impl AsEx, by: i64, m: &NewMonth<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO payment_reconciliations (project_id, month, payments, amount, unpaid_lines, unpaid_amount, signed_by, signed_at, note, purchases, purchase_amount)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .arg(m.project_id)
    .arg(m.month)
    .arg(m.payments)
    .arg(m.amount)
    .arg(m.unpaid_lines)
    .arg(m.unpaid_amount)
    .arg(by)
    .arg(now)
    .arg(m.note)
    .arg(m.purchases)
    .arg(m.purchase_amount);
    c.ex().insert(sql).await
}
