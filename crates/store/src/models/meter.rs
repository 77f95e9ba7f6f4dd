//! FEE-7/FEE-8: the meter register (`meters`), the monthly readings (`meter_readings`, one per
//! meter per month), the month's meter totals signed off with finance (`meter_signoffs`) and
//! prepaid electricity purchases (`meter_purchases`). Every read is scoped by the actor's projects.

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::billing::{MeterKind, PaymentMethod, PurchaseStatus};

// ---------- the register ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MeterRow {
    pub id: i64,
    pub project_id: i64,
    pub unit_id: i64,
    pub building_id: i64,
    pub building_code: String,
    pub unit_no: String,
    #[sqlx(try_from = "String")]
    pub kind: MeterKind,
    pub meter_no: String,
    pub start_reading: i64,
    pub installed_on: NaiveDate,
    pub prepaid: bool,
    pub replaces_id: Option<i64>,
    pub removed_on: Option<NaiveDate>,
    pub final_reading: Option<i64>,
    pub note: String,
    pub version: i64,
    /// The latest reading taken (None before the first).
    pub last_month: Option<String>,
    pub last_reading: Option<i64>,
}

impl MeterRow {
    /// The reading the next one is compared with: the latest, or the start reading.
    pub fn base_reading(&self) -> i64 {
        self.last_reading.unwrap_or(self.start_reading)
    }
    pub fn in_service(&self) -> bool {
        self.removed_on.is_none()
    }
}

const METER_COLS: &str = "m.id, m.project_id, m.unit_id, u.building_id, b.code AS building_code, u.unit_no, m.kind, m.meter_no, m.start_reading, m.installed_on, m.prepaid, m.replaces_id, m.removed_on, m.final_reading, m.note, m.version,
 (SELECT r.month FROM meter_readings r WHERE r.meter_id = m.id ORDER BY r.month DESC LIMIT 1) AS last_month,
 (SELECT r.reading FROM meter_readings r WHERE r.meter_id = m.id ORDER BY r.month DESC LIMIT 1) AS last_reading";
const METER_FROM: &str = " FROM meters m JOIN units u ON u.id = m.unit_id JOIN buildings b ON b.id = u.building_id";

pub struct NewMeter<'a> {
    pub project_id: i64,
    pub unit_id: i64,
    pub kind: MeterKind,
    pub meter_no: &'a str,
    pub start_reading: i64,
    pub installed_on: NaiveDate,
    pub prepaid: bool,
    pub replaces_id: Option<i64>,
    pub note: &'a str,
}

pub async fn meter_no_taken(c: &mut impl AsEx, project_id: i64, meter_no: &str) -> Result<bool> {
    let sql = Sql::new("SELECT COUNT(*) FROM meters WHERE project_id = ").bind(project_id).push(" AND meter_no = ").bind(meter_no);
    Ok(c.ex().scalar(sql).await? > 0)
}

pub async fn insert_meter(c: &mut impl AsEx, n: &NewMeter<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql =
        Sql::new("INSERT INTO meters (project_id, unit_id, kind, meter_no, start_reading, installed_on, prepaid, replaces_id, note, created_at) VALUES (")
            .bind(n.project_id)
            .push(", ")
            .bind(n.unit_id)
            .push(", ")
            .bind(n.kind.code())
            .push(", ")
            .bind(n.meter_no)
            .push(", ")
            .bind(n.start_reading)
            .push(", ")
            .bind(n.installed_on)
            .push(", ")
            .bind(n.prepaid)
            .push(", ")
            .bind(n.replaces_id)
            .push(", ")
            .bind(n.note)
            .push(", ")
            .bind(now)
            .push(")");
    c.ex().insert(sql).await
}

pub async fn meter(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<MeterRow>> {
    let sql = Sql::new(&format!("SELECT {METER_COLS}{METER_FROM} WHERE m.id = ")).bind(id).push(" AND m.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// Locks a meter's row for the rest of the transaction (readings and replacements of one meter
/// are decided one at a time; SQLite's single writer does this already).
pub async fn lock_meter(tx: &mut crate::Tx, id: i64) -> Result<()> {
    let lock = tx.for_update();
    tx.ex().scalar(Sql::new("SELECT id FROM meters WHERE id = ").bind(id).push(lock)).await?;
    Ok(())
}

/// Takes a meter out of service with its final reading; false when it changed meanwhile.
pub async fn close_meter(c: &mut impl AsEx, id: i64, version: i64, removed_on: NaiveDate, final_reading: i64) -> Result<bool> {
    let sql = Sql::new("UPDATE meters SET removed_on = ")
        .bind(removed_on)
        .push(", final_reading = ")
        .bind(final_reading)
        .push(", version = version + 1 WHERE id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(version)
        .push(" AND removed_on IS NULL");
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, Default)]
pub struct MeterFilter {
    pub project_id: Option<i64>,
    pub building_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub kind: Option<MeterKind>,
    pub prepaid: Option<bool>,
    /// Meters in service only (the reading sheet); removed ones too otherwise.
    pub in_service: bool,
    /// Meter number or unit number (substring).
    pub q: Option<String>,
}

fn meter_where(sql: Sql, actor: &Actor, f: &MeterFilter) -> Sql {
    let mut sql = sql.push(" WHERE m.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND m.project_id = ").bind(p);
    }
    if let Some(b) = f.building_id {
        sql = sql.push(" AND u.building_id = ").bind(b);
    }
    if let Some(u) = f.unit_id {
        sql = sql.push(" AND m.unit_id = ").bind(u);
    }
    if let Some(k) = f.kind {
        sql = sql.push(" AND m.kind = ").bind(k.code());
    }
    if let Some(p) = f.prepaid {
        sql = sql.push(" AND m.prepaid = ").bind(p);
    }
    if f.in_service {
        sql = sql.push(" AND m.removed_on IS NULL");
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql.push(" AND (m.meter_no LIKE ").bind(pat.clone()).push(" ESCAPE '\\' OR u.unit_no LIKE ").bind(pat).push(" ESCAPE '\\')");
    }
    sql
}

/// Meters by building, unit and kind, one page with the count.
pub async fn meters(c: &mut impl AsEx, actor: &Actor, f: &MeterFilter, page: Page) -> Result<Paged<MeterRow>> {
    let total = c.ex().scalar(meter_where(Sql::new(&format!("SELECT COUNT(*){METER_FROM}")), actor, f)).await?;
    let sql = meter_where(Sql::new(&format!("SELECT {METER_COLS}{METER_FROM}")), actor, f)
        .push(" ORDER BY b.code, u.unit_no, m.kind, m.id LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    Ok(Paged { items: c.ex().fetch_all(sql).await?, total, page })
}

// ---------- readings ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ReadingRow {
    pub id: i64,
    pub project_id: i64,
    pub meter_id: i64,
    pub meter_no: String,
    pub unit_id: i64,
    pub building_code: String,
    pub unit_no: String,
    #[sqlx(try_from = "String")]
    pub kind: MeterKind,
    pub prepaid: bool,
    pub month: String,
    pub read_on: NaiveDate,
    pub reading: i64,
    pub consumption: i64,
    pub outlier: bool,
    pub checked: bool,
    pub checked_at: Option<DateTime<Utc>>,
    pub is_final: bool,
    pub read_by_name: String,
    pub payer_name: Option<String>,
    pub payer_confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const READING_COLS: &str = "r.id, r.project_id, r.meter_id, m.meter_no, r.unit_id, b.code AS building_code, u.unit_no, r.kind, m.prepaid, r.month, r.read_on, r.reading, r.consumption, r.outlier, r.checked, r.checked_at, r.is_final, s.display_name AS read_by_name, r.payer_name, r.payer_confirmed_at, r.created_at";
const READING_FROM: &str = " FROM meter_readings r JOIN meters m ON m.id = r.meter_id JOIN units u ON u.id = r.unit_id JOIN buildings b ON b.id = u.building_id JOIN staff s ON s.id = r.read_by";

pub struct NewReading<'a> {
    pub project_id: i64,
    pub meter_id: i64,
    pub unit_id: i64,
    pub kind: MeterKind,
    pub month: &'a str,
    pub read_on: NaiveDate,
    pub reading: i64,
    pub consumption: i64,
    pub outlier: bool,
    pub is_final: bool,
    pub read_by: i64,
}

/// The meter's reading of a month, if taken.
pub async fn reading_of_month(c: &mut impl AsEx, meter_id: i64, month: &str) -> Result<Option<(i64, i64, i64)>> {
    let sql = Sql::new("SELECT id, reading, consumption FROM meter_readings WHERE meter_id = ").bind(meter_id).push(" AND month = ").bind(month);
    c.ex().fetch_optional(sql).await
}

/// The latest reading before `month` (what a new reading is compared with).
pub async fn previous_reading(c: &mut impl AsEx, meter_id: i64, month: &str) -> Result<Option<i64>> {
    let sql =
        Sql::new("SELECT reading FROM meter_readings WHERE meter_id = ").bind(meter_id).push(" AND month < ").bind(month).push(" ORDER BY month DESC LIMIT 1");
    Ok(c.ex().fetch_optional::<(i64,)>(sql).await?.map(|(r,)| r))
}

/// Whether the meter has a reading after `month` (a reading is never slipped in before a later one).
pub async fn has_later_reading(c: &mut impl AsEx, meter_id: i64, month: &str) -> Result<bool> {
    let sql = Sql::new("SELECT COUNT(*) FROM meter_readings WHERE meter_id = ").bind(meter_id).push(" AND month > ").bind(month);
    Ok(c.ex().scalar(sql).await? > 0)
}

/// The meter's last few consumptions before `month`, newest first (the usual use).
pub async fn recent_consumptions(c: &mut impl AsEx, meter_id: i64, month: &str, n: i64) -> Result<Vec<i64>> {
    let sql = Sql::new("SELECT consumption FROM meter_readings WHERE meter_id = ")
        .bind(meter_id)
        .push(" AND month < ")
        .bind(month)
        .push(" ORDER BY month DESC LIMIT ")
        .bind(n);
    Ok(c.ex().fetch_all::<(i64,)>(sql).await?.into_iter().map(|(c,)| c).collect())
}

pub async fn insert_reading(c: &mut impl AsEx, n: &NewReading<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO meter_readings (project_id, meter_id, unit_id, kind, month, read_on, reading, consumption, outlier, checked, is_final, read_by, created_at) VALUES (",
    )
    .bind(n.project_id)
    .push(", ")
    .bind(n.meter_id)
    .push(", ")
    .bind(n.unit_id)
    .push(", ")
    .bind(n.kind.code())
    .push(", ")
    .bind(n.month)
    .push(", ")
    .bind(n.read_on)
    .push(", ")
    .bind(n.reading)
    .push(", ")
    .bind(n.consumption)
    .push(", ")
    .bind(n.outlier)
    .push(", ")
    // An ordinary reading is charged as read; an outlier waits for someone to confirm it.
    .bind(!n.outlier)
    .push(", ")
    .bind(n.is_final)
    .push(", ")
    .bind(n.read_by)
    .push(", ")
    .bind(now)
    .push(")");
    c.ex().insert(sql).await
}

/// A replaced meter's final reading overwrites its reading of that month (it can only be higher).
pub async fn set_final(c: &mut impl AsEx, id: i64, reading: i64, consumption: i64) -> Result<bool> {
    let sql = Sql::new("UPDATE meter_readings SET reading = ")
        .bind(reading)
        .push(", consumption = ")
        .bind(consumption)
        .push(", is_final = ")
        .bind(true)
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND reading <= ")
        .bind(reading);
    Ok(c.ex().execute(sql).await? == 1)
}

pub async fn reading(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<ReadingRow>> {
    let sql = Sql::new(&format!("SELECT {READING_COLS}{READING_FROM} WHERE r.id = ")).bind(id).push(" AND r.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// An outlier confirmed as read; false when it was not waiting for that.
pub async fn check(c: &mut impl AsEx, id: i64, by: i64, at: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new("UPDATE meter_readings SET checked = ")
        .bind(true)
        .push(", checked_by = ")
        .bind(by)
        .push(", checked_at = ")
        .bind(at)
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND checked = ")
        .bind(false);
    Ok(c.ex().execute(sql).await? == 1)
}

/// The payer confirmed (signed) the reading; false when it was already confirmed.
pub async fn confirm_payer(c: &mut impl AsEx, id: i64, payer_name: &str, by: i64, at: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new("UPDATE meter_readings SET payer_name = ")
        .bind(payer_name)
        .push(", payer_recorded_by = ")
        .bind(by)
        .push(", payer_confirmed_at = ")
        .bind(at)
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND payer_confirmed_at IS NULL");
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, Default)]
pub struct ReadingFilter {
    pub project_id: Option<i64>,
    pub building_id: Option<i64>,
    pub meter_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub kind: Option<MeterKind>,
    pub month: Option<String>,
    /// Outliers still waiting for confirmation.
    pub unchecked: bool,
    /// Readings the payer has not confirmed yet.
    pub unconfirmed: bool,
}

fn reading_where(sql: Sql, actor: &Actor, f: &ReadingFilter) -> Sql {
    let mut sql = sql.push(" WHERE r.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND r.project_id = ").bind(p);
    }
    if let Some(b) = f.building_id {
        sql = sql.push(" AND u.building_id = ").bind(b);
    }
    if let Some(m) = f.meter_id {
        sql = sql.push(" AND r.meter_id = ").bind(m);
    }
    if let Some(u) = f.unit_id {
        sql = sql.push(" AND r.unit_id = ").bind(u);
    }
    if let Some(k) = f.kind {
        sql = sql.push(" AND r.kind = ").bind(k.code());
    }
    if let Some(m) = &f.month {
        sql = sql.push(" AND r.month = ").bind(m.as_str());
    }
    if f.unchecked {
        sql = sql.push(" AND r.checked = ").bind(false);
    }
    if f.unconfirmed {
        sql = sql.push(" AND r.payer_confirmed_at IS NULL");
    }
    sql
}

/// Readings newest month first, then by building and unit; one page with the count.
pub async fn readings(c: &mut impl AsEx, actor: &Actor, f: &ReadingFilter, page: Page) -> Result<Paged<ReadingRow>> {
    let total = c.ex().scalar(reading_where(Sql::new(&format!("SELECT COUNT(*){READING_FROM}")), actor, f)).await?;
    let sql = reading_where(Sql::new(&format!("SELECT {READING_COLS}{READING_FROM}")), actor, f)
        .push(" ORDER BY r.month DESC, b.code, u.unit_no, r.kind, r.id LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    Ok(Paged { items: c.ex().fetch_all(sql).await?, total, page })
}

// ---------- what billing and the month's sign-off read ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct UnitUse {
    pub unit_id: i64,
    pub kind: String,
    pub consumption: i64,
}

/// FEE-7: the consumption of units in (after, last] over the given reading months, per unit and
/// meter kind: checked readings only (an unconfirmed outlier is not charged), prepaid meters left
/// out (their electricity was paid for in advance, FEE-8).
pub async fn consumption(c: &mut impl AsEx, project_id: i64, after: i64, last: i64, months: &[String]) -> Result<Vec<UnitUse>> {
    let mut sql = Sql::new("SELECT r.unit_id, r.kind, CAST(SUM(r.consumption) AS BIGINT) AS consumption FROM meter_readings r JOIN meters m ON m.id = r.meter_id WHERE r.project_id = ")
        .bind(project_id)
        .push(" AND r.unit_id > ")
        .bind(after)
        .push(" AND r.unit_id <= ")
        .bind(last)
        .push(" AND r.checked = ")
        .bind(true)
        .push(" AND m.prepaid = ")
        .bind(false)
        .push(" AND r.month IN (");
    for (i, m) in months.iter().enumerate() {
        sql = sql.push(if i == 0 { "" } else { ", " }).bind(m.as_str());
    }
    c.ex().fetch_all(sql.push(") GROUP BY r.unit_id, r.kind ORDER BY r.unit_id, r.kind")).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct KindTotal {
    pub kind: String,
    pub readings: i64,
    pub unchecked: i64,
    pub consumption: i64,
}

/// The month's readings per meter kind (billed meters only): how many, how many outliers still
/// unconfirmed, and the consumption that is charged.
pub async fn month_use(c: &mut impl AsEx, actor: &Actor, project_id: i64, month: &str) -> Result<Vec<KindTotal>> {
    let sql = Sql::new(
        "SELECT r.kind, COUNT(*) AS readings, CAST(COALESCE(SUM(CASE WHEN r.checked THEN 0 ELSE 1 END), 0) AS BIGINT) AS unchecked,
         CAST(COALESCE(SUM(CASE WHEN r.checked THEN r.consumption ELSE 0 END), 0) AS BIGINT) AS consumption
         FROM meter_readings r JOIN meters m ON m.id = r.meter_id WHERE r.project_id IN ",
    )
    .bind_list(&actor.projects)
    .push(" AND r.project_id = ")
    .bind(project_id)
    .push(" AND r.month = ")
    .bind(month)
    .push(" AND m.prepaid = ")
    .bind(false)
    .push(" GROUP BY r.kind ORDER BY r.kind");
    c.ex().fetch_all(sql).await
}

/// The month's billed amount per metered fee kind (the bill lines of that month's period).
pub async fn month_amounts(c: &mut impl AsEx, actor: &Actor, project_id: i64, month: &str) -> Result<Vec<(String, i64)>> {
    let sql = Sql::new("SELECT l.kind, CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) FROM bill_lines l WHERE l.project_id IN ")
        .bind_list(&actor.projects)
        .push(" AND l.project_id = ")
        .bind(project_id)
        .push(" AND l.period_key = ")
        .bind(month)
        .push(" AND l.kind IN ('water', 'electricity', 'gas') GROUP BY l.kind ORDER BY l.kind");
    c.ex().fetch_all(sql).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SignoffRow {
    pub id: i64,
    pub project_id: i64,
    pub month: String,
    pub totals: String,
    pub signed_by_name: String,
    pub signed_at: DateTime<Utc>,
    pub note: String,
}

pub async fn signoff(c: &mut impl AsEx, actor: &Actor, project_id: i64, month: &str) -> Result<Option<SignoffRow>> {
    let sql = Sql::new(
        "SELECT o.id, o.project_id, o.month, o.totals, s.display_name AS signed_by_name, o.signed_at, o.note FROM meter_signoffs o JOIN staff s ON s.id = o.signed_by WHERE o.project_id IN ",
    )
    .bind_list(&actor.projects)
    .push(" AND o.project_id = ")
    .bind(project_id)
    .push(" AND o.month = ")
    .bind(month);
    c.ex().fetch_optional(sql).await
}

pub async fn insert_signoff(c: &mut impl AsEx, project_id: i64, month: &str, totals: &str, by: i64, note: &str, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO meter_signoffs (project_id, month, totals, signed_by, signed_at, note) VALUES (")
        .bind(project_id)
        .push(", ")
        .bind(month)
        .push(", ")
        .bind(totals)
        .push(", ")
        .bind(by)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(note)
        .push(")");
    c.ex().insert(sql).await
}

// ---------- FEE-8: prepaid purchases ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PurchaseRow {
    pub id: i64,
    pub project_id: i64,
    pub meter_id: i64,
    pub meter_no: String,
    pub unit_id: i64,
    pub building_code: String,
    pub unit_no: String,
    pub receipt_no: String,
    pub amount: i64,
    pub kwh: i64,
    pub price: i64,
    #[sqlx(try_from = "String")]
    pub method: PaymentMethod,
    pub reference: String,
    pub paid_on: NaiveDate,
    pub received_by_name: String,
    #[sqlx(try_from = "String")]
    pub status: PurchaseStatus,
    pub loaded_by_name: Option<String>,
    pub loaded_at: Option<DateTime<Utc>>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

const PURCHASE_COLS: &str = "p.id, p.project_id, p.meter_id, m.meter_no, p.unit_id, b.code AS building_code, u.unit_no, p.receipt_no, p.amount, p.kwh, p.price, p.method, p.reference, p.paid_on, s.display_name AS received_by_name, p.status, l.display_name AS loaded_by_name, p.loaded_at, p.refunded_at, p.note, p.created_at, p.version";
const PURCHASE_FROM: &str = " FROM meter_purchases p JOIN meters m ON m.id = p.meter_id JOIN units u ON u.id = p.unit_id JOIN buildings b ON b.id = u.building_id JOIN staff s ON s.id = p.received_by LEFT JOIN staff l ON l.id = p.loaded_by";

pub struct NewPurchase<'a> {
    pub project_id: i64,
    pub meter_id: i64,
    pub unit_id: i64,
    pub receipt_no: &'a str,
    pub amount: i64,
    pub kwh: i64,
    pub price: i64,
    pub method: PaymentMethod,
    pub reference: &'a str,
    pub paid_on: NaiveDate,
    pub received_by: i64,
    pub note: &'a str,
}

pub async fn insert_purchase(c: &mut impl AsEx, n: &NewPurchase<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO meter_purchases (project_id, meter_id, unit_id, receipt_no, amount, kwh, price, method, reference, paid_on, received_by, status, note, created_at) VALUES (",
    )
    .bind(n.project_id)
    .push(", ")
    .bind(n.meter_id)
    .push(", ")
    .bind(n.unit_id)
    .push(", ")
    .bind(n.receipt_no)
    .push(", ")
    .bind(n.amount)
    .push(", ")
    .bind(n.kwh)
    .push(", ")
    .bind(n.price)
    .push(", ")
    .bind(n.method.code())
    .push(", ")
    .bind(n.reference)
    .push(", ")
    .bind(n.paid_on)
    .push(", ")
    .bind(n.received_by)
    .push(", ")
    .bind(PurchaseStatus::Paid.code())
    .push(", ")
    .bind(n.note)
    .push(", ")
    .bind(now)
    .push(")");
    c.ex().insert(sql).await
}

pub async fn purchase(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<PurchaseRow>> {
    let sql = Sql::new(&format!("SELECT {PURCHASE_COLS}{PURCHASE_FROM} WHERE p.id = ")).bind(id).push(" AND p.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// Moves a purchase to `to` if it is still at `version`; records who loaded or refunded it.
pub async fn set_purchase_status(c: &mut impl AsEx, id: i64, version: i64, to: PurchaseStatus, by: i64, at: DateTime<Utc>) -> Result<bool> {
    let (who, when) = if to == PurchaseStatus::Refunded { ("refunded_by", "refunded_at") } else { ("loaded_by", "loaded_at") };
    let sql = Sql::new("UPDATE meter_purchases SET status = ")
        .bind(to.code())
        .push(&format!(", {who} = "))
        .bind(by)
        .push(&format!(", {when} = "))
        .bind(at)
        .push(", version = version + 1 WHERE id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(version);
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, Default)]
pub struct PurchaseFilter {
    pub project_id: Option<i64>,
    pub meter_id: Option<i64>,
    pub status: Option<PurchaseStatus>,
}

fn purchase_where(sql: Sql, actor: &Actor, f: &PurchaseFilter) -> Sql {
    let mut sql = sql.push(" WHERE p.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND p.project_id = ").bind(p);
    }
    if let Some(m) = f.meter_id {
        sql = sql.push(" AND p.meter_id = ").bind(m);
    }
    if let Some(s) = f.status {
        sql = sql.push(" AND p.status = ").bind(s.code());
    }
    sql
}

/// Purchases, newest first; one page with the count.
pub async fn purchases(c: &mut impl AsEx, actor: &Actor, f: &PurchaseFilter, page: Page) -> Result<Paged<PurchaseRow>> {
    let total = c.ex().scalar(purchase_where(Sql::new(&format!("SELECT COUNT(*){PURCHASE_FROM}")), actor, f)).await?;
    let sql = purchase_where(Sql::new(&format!("SELECT {PURCHASE_COLS}{PURCHASE_FROM}")), actor, f)
        .push(" ORDER BY p.id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    Ok(Paged { items: c.ex().fetch_all(sql).await?, total, page })
}

/// FEE-8: kWh loaded onto a meter, and kWh read on it since its first loading (readings entered
/// from that moment on), both in hundredths.
pub async fn prepaid_totals(c: &mut impl AsEx, meter_id: i64) -> Result<(i64, i64)> {
    let sql = Sql::new("SELECT CAST(COALESCE(SUM(kwh), 0) AS BIGINT) FROM meter_purchases WHERE meter_id = ").bind(meter_id).push(" AND status = 'loaded'");
    let loaded = c.ex().scalar(sql).await?;
    let sql = Sql::new("SELECT CAST(COALESCE(SUM(r.consumption), 0) AS BIGINT) FROM meter_readings r WHERE r.meter_id = ")
        .bind(meter_id)
        .push(" AND r.created_at >= (SELECT MIN(p.loaded_at) FROM meter_purchases p WHERE p.meter_id = ")
        .bind(meter_id)
        .push(" AND p.status = 'loaded')");
    let read = c.ex().scalar(sql).await?;
    Ok((loaded, read))
}

/// FEE-4 / FEE-8: the prepaid electricity receipted in a project between two days (refunded
/// purchases left out): how many and how much.
pub async fn purchase_totals(c: &mut impl AsEx, actor: &Actor, project_id: i64, from: NaiveDate, to: NaiveDate) -> Result<(i64, i64)> {
    let sql = Sql::new("SELECT COUNT(*), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM meter_purchases WHERE project_id IN ")
        .bind_list(&actor.projects)
        .push(" AND project_id = ")
        .bind(project_id)
        .push(" AND paid_on >= ")
        .bind(from)
        .push(" AND paid_on <= ")
        .bind(to)
        .push(" AND status <> 'refunded'");
    c.ex().fetch_one(sql).await
}
