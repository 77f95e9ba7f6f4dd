//! REP-12: a paid repair's fee (one `repair_fees` row per work order) and its quoted lines.
//! Callers load the work order through `work_order::get` first (scoped by the actor's
//! projects, locked in a changing transaction); the list is scoped here.

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::paid_repair::{FeeKind, FeeStatus};
use propdesk_domain::work_order::WorkOrderStatus;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct FeeRow {
    pub work_order_id: i64,
    pub project_id: i64,
    #[sqlx(try_from = "String")]
    pub status: FeeStatus,
    pub total: i64,
    pub agreed_by: String,
    pub agreed_at: Option<DateTime<Utc>>,
    pub amount: Option<i64>,
    pub method: Option<String>,
    pub reference: String,
    pub collected_by: Option<i64>,
    pub collected_at: Option<DateTime<Utc>>,
    pub receipt_no: Option<String>,
    pub handed_over_to: Option<i64>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub collected_by_name: Option<String>,
    pub handed_over_to_name: Option<String>,
}

const FEE: &str = "SELECT f.work_order_id, f.project_id, f.status, f.total, f.agreed_by, f.agreed_at, f.amount, f.method, f.reference, f.collected_by,
    f.collected_at, f.receipt_no, f.handed_over_to, f.handed_over_at, f.version, c.display_name AS collected_by_name, h.display_name AS handed_over_to_name
    FROM repair_fees f LEFT JOIN staff c ON c.id = f.collected_by LEFT JOIN staff h ON h.id = f.handed_over_to";

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct FeeLineRow {
    pub id: i64,
    pub work_order_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: FeeKind,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
}

/// The fee of a work order the caller has already loaded within the actor's projects.
pub async fn get(c: &mut impl AsEx, work_order_id: i64) -> Result<Option<FeeRow>> {
    c.ex().fetch_optional(Sql::new(FEE).push(" WHERE f.work_order_id = ").bind(work_order_id)).await
}

pub async fn lines(c: &mut impl AsEx, work_order_id: i64) -> Result<Vec<FeeLineRow>> {
    let sql = Sql::new("SELECT id, work_order_id, kind, description, quantity, unit_price, amount FROM repair_fee_lines WHERE work_order_id = ")
        .bind(work_order_id)
        .push(" ORDER BY id");
    c.ex().fetch_all(sql).await
}

/// The fee row, created (quoting, nothing quoted) if the order has none yet.
pub async fn ensure(c: &mut impl AsEx, work_order_id: i64, project_id: i64, now: DateTime<Utc>) -> Result<()> {
    let sql = Sql::new(
        "INSERT INTO repair_fees (work_order_id, project_id, status, total, created_at) VALUES ($1, $2, 'quoting', 0, $3) ON CONFLICT (work_order_id) DO NOTHING",
    )
    .arg(work_order_id)
    .arg(project_id)
    .arg(now);
    c.ex().execute(sql).await?;
    Ok(())
}

pub struct NewLine<'a> {
    pub work_order_id: i64,
    pub kind: FeeKind,
    pub description: &'a str,
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
    pub created_by: Option<i64>,
}

pub async fn insert_line(c: &mut impl AsEx, n: &NewLine<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO repair_fee_lines (work_order_id, kind, description, quantity, unit_price, amount, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .arg(n.work_order_id)
    .arg(n.kind.code())
    .arg(n.description)
    .arg(n.quantity)
    .arg(n.unit_price)
    .arg(n.amount)
    .arg(n.created_by)
    .arg(now);
    c.ex().insert(sql).await
}

/// Removes a line of this order; false when it has no such line.
pub async fn delete_line(c: &mut impl AsEx, work_order_id: i64, line_id: i64) -> Result<bool> {
    let sql = Sql::new("DELETE FROM repair_fee_lines WHERE id = $1 AND work_order_id = $2").arg(line_id).arg(work_order_id);
    Ok(c.ex().execute(sql).await? == 1)
}

/// The total is the sum of the lines, recomputed in the transaction that changed them; only
/// while still quoting and at `version` (else false → 409).
pub async fn retotal(c: &mut impl AsEx, work_order_id: i64, version: i64) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE repair_fees SET total = (SELECT COALESCE(CAST(SUM(amount) AS BIGINT), 0) FROM repair_fee_lines WHERE work_order_id = $1),
         version = version + 1 WHERE work_order_id = $2 AND version = $3 AND status = 'quoting'",
    )
    .arg(work_order_id)
    .arg(work_order_id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// A fee step's writes; fields left `None` keep their stored value.
#[derive(Debug, Clone, Default)]
pub struct Step<'a> {
    pub agreed_by: Option<&'a str>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub amount: Option<i64>,
    pub method: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub collected_by: Option<i64>,
    pub collected_at: Option<DateTime<Utc>>,
    pub receipt_no: Option<&'a str>,
    pub handed_over_to: Option<i64>,
    pub handed_over_by: Option<i64>,
    pub handed_over_at: Option<DateTime<Utc>>,
}

/// Moves the fee from `from` to `to` with the step's writes, only if still at `version`.
pub async fn step(c: &mut impl AsEx, work_order_id: i64, version: i64, from: FeeStatus, to: FeeStatus, s: &Step<'_>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE repair_fees SET status = $1, agreed_by = COALESCE($2, agreed_by), agreed_at = COALESCE($3, agreed_at), amount = COALESCE($4, amount),
         method = COALESCE($5, method), reference = COALESCE($6, reference), collected_by = COALESCE($7, collected_by),
         collected_at = COALESCE($8, collected_at), receipt_no = COALESCE($9, receipt_no), handed_over_to = COALESCE($10, handed_over_to),
         handed_over_by = COALESCE($11, handed_over_by), handed_over_at = COALESCE($12, handed_over_at), version = version + 1
         WHERE work_order_id = $13 AND version = $14 AND status = $15",
    )
    .arg(to.code())
    .arg(s.agreed_by)
    .arg(s.agreed_at)
    .arg(s.amount)
    .arg(s.method)
    .arg(s.reference)
    .arg(s.collected_by)
    .arg(s.collected_at)
    .arg(s.receipt_no)
    .arg(s.handed_over_to)
    .arg(s.handed_over_by)
    .arg(s.handed_over_at)
    .arg(work_order_id)
    .arg(version)
    .arg(from.code());
    Ok(c.ex().execute(sql).await? == 1)
}

// ---------- the list of paid repairs ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PaidRepairRow {
    pub work_order_id: i64,
    pub project_id: i64,
    pub number: String,
    pub owner_name: String,
    pub location: String,
    pub content: String,
    #[sqlx(try_from = "String")]
    pub order_status: WorkOrderStatus,
    /// None: nothing quoted yet.
    pub fee_status: Option<String>,
    pub total: Option<i64>,
    pub amount: Option<i64>,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub receipt_no: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    pub collected_by_name: Option<String>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub handed_over_to_name: Option<String>,
}

/// What the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Awaiting {
    #[default]
    Any,
    /// Not yet collected (nothing quoted, quoting or agreed).
    Collection,
    /// Collected, not yet handed over to customer service.
    HandOver,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub awaiting: Awaiting,
    pub q: Option<String>,
}

const LIST_FROM: &str = " FROM work_orders w LEFT JOIN repair_fees f ON f.work_order_id = w.id
    LEFT JOIN staff c ON c.id = f.collected_by LEFT JOIN staff h ON h.id = f.handed_over_to";

fn filter(sql: Sql, actor: &Actor, f: &Filter) -> Sql {
    // Cancelled orders with nothing collected have nothing to chase.
    let mut sql = sql.push(" WHERE w.paid_repair = ").bind(true).push(" AND w.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND w.project_id = ").bind(p);
    }
    sql = match f.awaiting {
        Awaiting::Any => sql,
        Awaiting::Collection => sql.push(" AND w.status <> 'cancelled' AND (f.status IS NULL OR f.status IN ('quoting', 'agreed'))"),
        Awaiting::HandOver => sql.push(" AND f.status = 'collected'"),
    };
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql.push(" AND (");
        for (i, col) in ["w.number", "w.owner_name", "w.location", "f.receipt_no"].iter().enumerate() {
            sql = sql.push(if i == 0 { "" } else { " OR " }).push(col).push(" LIKE ").bind(pat.clone()).push(" ESCAPE '\\'");
        }
        sql = sql.push(")");
    }
    sql
}

pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page) -> Result<Paged<PaidRepairRow>> {
    let total = c.ex().scalar(filter(Sql::new(&format!("SELECT COUNT(*){LIST_FROM}")), actor, f)).await?;
    let sql = filter(
        Sql::new(&format!(
            "SELECT w.id AS work_order_id, w.project_id, w.number, w.owner_name, w.location, w.content, w.status AS order_status,
             f.status AS fee_status, f.total, f.amount, f.method, f.reference, f.receipt_no, f.collected_at, c.display_name AS collected_by_name,
             f.handed_over_at, h.display_name AS handed_over_to_name{LIST_FROM}"
        )),
        actor,
        f,
    )
    .push(" ORDER BY w.received_at DESC, w.id DESC LIMIT ")
    .bind(page.size)
    .push(" OFFSET ")
    .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}
