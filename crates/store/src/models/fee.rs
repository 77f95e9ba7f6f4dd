//! FEE-1/FEE-2: fee items per project, billing runs, the bill lines of each period (the
//! receivables ledger, 物业服务费台账) and finance's reconciliation of a period. Every read is
//! scoped by the actor's projects.

use crate::{Arg, AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::billing::{AreaBasis, ChargeBasis, Cycle, FeeKind, PayerRule, Tier};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct FeeItemRow {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: FeeKind,
    #[sqlx(try_from = "String")]
    pub basis: ChargeBasis,
    #[sqlx(try_from = "String")]
    pub area_basis: AreaBasis,
    #[sqlx(try_from = "String")]
    pub cycle: Cycle,
    #[sqlx(try_from = "String")]
    pub payer: PayerRule,
    /// JSON: the tiers (`Tier`), see the migration.
    pub tiers: String,
    pub due_days: i64,
    /// Unit kind codes, comma-separated (empty: every kind).
    pub unit_kinds: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl FeeItemRow {
    /// The stored tiers; a row that does not decode charges nothing rather than a wrong amount.
    pub fn tier_list(&self) -> Vec<Tier> {
        serde_json::from_str(&self.tiers).unwrap_or_default()
    }
    pub fn applies_to(&self, unit_kind: &str) -> bool {
        self.unit_kinds.trim().is_empty() || self.unit_kinds.split(',').any(|k| k.trim() == unit_kind)
    }
}

const ITEM_COLS: &str = "i.id, i.project_id, i.name, i.kind, i.basis, i.area_basis, i.cycle, i.payer, i.tiers, i.due_days, i.unit_kinds, i.active, i.created_at, i.updated_at, i.version";

pub struct NewFeeItem<'a> {
    pub name: &'a str,
    pub kind: FeeKind,
    pub basis: ChargeBasis,
    pub area_basis: AreaBasis,
    pub cycle: Cycle,
    pub payer: PayerRule,
    pub tiers: &'a [Tier],
    pub due_days: i64,
    pub unit_kinds: &'a str,
    pub active: bool,
}

fn tiers_json(t: &[Tier]) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "[]".into())
}

pub async fn name_taken(c: &mut impl AsEx, project_id: i64, name: &str, except: Option<i64>) -> Result<bool> {
    let sql = Sql::new("SELECT COUNT(*) FROM fee_items WHERE project_id = ")
        .bind(project_id)
        .push(" AND name = ")
        .bind(name)
        .push(" AND id <> ")
        .bind(except.unwrap_or(0));
    Ok(c.ex().scalar(sql).await? > 0)
}

/// A fee item's columns and values, in one place for the insert and the update.
fn item_fields(n: &NewFeeItem<'_>) -> [(&'static str, Arg); 10] {
    [
        ("name", n.name.into()),
        ("kind", n.kind.code().into()),
        ("basis", n.basis.code().into()),
        ("area_basis", n.area_basis.code().into()),
        ("cycle", n.cycle.code().into()),
        ("payer", n.payer.code().into()),
        ("tiers", tiers_json(n.tiers).into()),
        ("due_days", n.due_days.into()),
        ("unit_kinds", n.unit_kinds.into()),
        ("active", n.active.into()),
    ]
}

pub async fn insert_item(c: &mut impl AsEx, project_id: i64, n: &NewFeeItem<'_>, now: DateTime<Utc>) -> Result<i64> {
    let fields = item_fields(n);
    let cols: Vec<&str> = fields.iter().map(|f| f.0).collect();
    let mut sql = Sql::new(&format!("INSERT INTO fee_items (project_id, {}, created_at, updated_at) VALUES (", cols.join(", "))).bind(project_id);
    for (_, v) in fields {
        sql = sql.push(", ").bind(v);
    }
    c.ex().insert(sql.push(", ").bind(now).push(", ").bind(now).push(")")).await
}

/// Versioned update; false when the item changed meanwhile (or is not in the project).
pub async fn update_item(c: &mut impl AsEx, project_id: i64, id: i64, version: i64, n: &NewFeeItem<'_>, now: DateTime<Utc>) -> Result<bool> {
    let mut sql = Sql::new("UPDATE fee_items SET updated_at = ").bind(now);
    for (col, v) in item_fields(n) {
        sql = sql.push(&format!(", {col} = ")).bind(v);
    }
    let sql = sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND project_id = ").bind(project_id).push(" AND version = ").bind(version);
    Ok(c.ex().execute(sql).await? == 1)
}

pub async fn item(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<FeeItemRow>> {
    let sql = Sql::new(&format!("SELECT {ITEM_COLS} FROM fee_items i WHERE i.id = ")).bind(id).push(" AND i.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// A project's items (all, or the active ones), by name.
pub async fn items(c: &mut impl AsEx, actor: &Actor, project_id: Option<i64>, active_only: bool) -> Result<Vec<FeeItemRow>> {
    let mut sql = Sql::new(&format!("SELECT {ITEM_COLS} FROM fee_items i WHERE i.project_id IN ")).bind_list(&actor.projects);
    if let Some(p) = project_id {
        sql = sql.push(" AND i.project_id = ").bind(p);
    }
    if active_only {
        sql = sql.push(" AND i.active = ").bind(true);
    }
    c.ex().fetch_all(sql.push(" ORDER BY i.project_id, i.name, i.id")).await
}

// ---------- what a billing run reads ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct BillingUnit {
    pub id: i64,
    pub kind: String,
    pub building_area: i64,
    pub usable_area: Option<i64>,
    pub land_area: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Holding {
    pub unit_id: i64,
    pub party_id: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

/// The project's units with an id above `after`, up to `limit`, in id order (a run walks them in chunks).
pub async fn billing_units(c: &mut impl AsEx, project_id: i64, after: i64, limit: i64) -> Result<Vec<BillingUnit>> {
    let sql = Sql::new("SELECT id, kind, building_area, usable_area, land_area FROM units WHERE project_id = ")
        .bind(project_id)
        .push(" AND id > ")
        .bind(after)
        .push(" ORDER BY id LIMIT ")
        .bind(limit);
    c.ex().fetch_all(sql).await
}

/// Ownerships (`ownerships`) or leases (`leases`) of units in (first, last] touching the period.
async fn holdings(c: &mut impl AsEx, table: &str, project_id: i64, first: i64, last: i64, start: NaiveDate, end: NaiveDate) -> Result<Vec<Holding>> {
    let sql =
        Sql::new(&format!("SELECT h.unit_id, h.party_id, h.start_date, h.end_date FROM {table} h JOIN units u ON u.id = h.unit_id WHERE u.project_id = "))
            .bind(project_id)
            .push(" AND h.unit_id > ")
            .bind(first)
            .push(" AND h.unit_id <= ")
            .bind(last)
            .push(" AND h.start_date <= ")
            .bind(end)
            .push(" AND (h.end_date IS NULL OR h.end_date >= ")
            .bind(start)
            .push(") ORDER BY h.unit_id, h.start_date");
    c.ex().fetch_all(sql).await
}

pub async fn owners(c: &mut impl AsEx, project_id: i64, after: i64, last: i64, start: NaiveDate, end: NaiveDate) -> Result<Vec<Holding>> {
    holdings(c, "ownerships", project_id, after, last, start, end).await
}

pub async fn tenants(c: &mut impl AsEx, project_id: i64, after: i64, last: i64, start: NaiveDate, end: NaiveDate) -> Result<Vec<Holding>> {
    holdings(c, "leases", project_id, after, last, start, end).await
}

// ---------- runs and lines ----------

pub struct NewRun<'a> {
    pub project_id: i64,
    pub cycle: Cycle,
    pub period_key: &'a str,
    pub run_by: i64,
}

pub async fn insert_run(c: &mut impl AsEx, r: &NewRun<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO billing_runs (project_id, cycle, period_key, run_by, run_at, units, lines_added, amount_added) VALUES (")
        .bind(r.project_id)
        .push(", ")
        .bind(r.cycle.code())
        .push(", ")
        .bind(r.period_key)
        .push(", ")
        .bind(r.run_by)
        .push(", ")
        .bind(now)
        .push(", 0, 0, 0)");
    c.ex().insert(sql).await
}

/// Fixes a run's totals from the lines it added.
pub async fn finish_run(c: &mut impl AsEx, run_id: i64, units: i64) -> Result<(i64, i64)> {
    let sum = Sql::new("SELECT COUNT(*), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM bill_lines WHERE run_id = ").bind(run_id);
    let (lines, amount): (i64, i64) = c.ex().fetch_one(sum).await?;
    let sql = Sql::new("UPDATE billing_runs SET units = ")
        .bind(units)
        .push(", lines_added = ")
        .bind(lines)
        .push(", amount_added = ")
        .bind(amount)
        .push(" WHERE id = ")
        .bind(run_id);
    c.ex().execute(sql).await?;
    Ok((lines, amount))
}

pub struct NewLine<'a> {
    pub unit_id: i64,
    pub payer_id: i64,
    pub item_id: i64,
    pub kind: FeeKind,
    pub days: i64,
    pub quantity: i64,
    pub description: &'a str,
    pub amount: i64,
    pub due_date: NaiveDate,
}

/// The period a set of lines belongs to.
pub struct LinePeriod<'a> {
    pub project_id: i64,
    pub run_id: i64,
    pub cycle: Cycle,
    pub key: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Rows per INSERT (17 values each, below either backend's parameter limit).
const LINES_PER_INSERT: usize = 200;

/// Inserts lines; a line already billed for its unit × payer × item × period is skipped
/// (re-running a period only adds what is missing). Returns how many were added.
pub async fn insert_lines(c: &mut impl AsEx, p: &LinePeriod<'_>, lines: &[NewLine<'_>], now: DateTime<Utc>) -> Result<u64> {
    let mut added = 0;
    for chunk in lines.chunks(LINES_PER_INSERT) {
        let mut sql = Sql::new(
            "INSERT INTO bill_lines (project_id, run_id, unit_id, payer_id, item_id, kind, cycle, period_key, period_start, period_end, days, quantity, description, amount, paid, due_date, created_at) VALUES ",
        );
        for (i, l) in chunk.iter().enumerate() {
            sql = sql
                .push(if i == 0 { "(" } else { ", (" })
                .bind(p.project_id)
                .push(", ")
                .bind(p.run_id)
                .push(", ")
                .bind(l.unit_id)
                .push(", ")
                .bind(l.payer_id)
                .push(", ")
                .bind(l.item_id)
                .push(", ")
                .bind(l.kind.code())
                .push(", ")
                .bind(p.cycle.code())
                .push(", ")
                .bind(p.key)
                .push(", ")
                .bind(p.start)
                .push(", ")
                .bind(p.end)
                .push(", ")
                .bind(l.days)
                .push(", ")
                .bind(l.quantity)
                .push(", ")
                .bind(l.description)
                .push(", ")
                .bind(l.amount)
                .push(", 0, ")
                .bind(l.due_date)
                .push(", ")
                .bind(now)
                .push(")");
        }
        sql = sql.push(" ON CONFLICT (unit_id, payer_id, item_id, period_key) DO NOTHING");
        added += c.ex().execute(sql).await?;
    }
    Ok(added)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RunRow {
    pub id: i64,
    pub project_id: i64,
    pub cycle: String,
    pub period_key: String,
    pub run_by_name: Option<String>,
    pub run_at: DateTime<Utc>,
    pub units: i64,
    pub lines_added: i64,
    pub amount_added: i64,
}

pub async fn runs(c: &mut impl AsEx, actor: &Actor, project_id: Option<i64>, limit: i64) -> Result<Vec<RunRow>> {
    let mut sql = Sql::new(
        "SELECT r.id, r.project_id, r.cycle, r.period_key, s.display_name AS run_by_name, r.run_at, r.units, r.lines_added, r.amount_added FROM billing_runs r LEFT JOIN staff s ON s.id = r.run_by WHERE r.project_id IN ",
    )
    .bind_list(&actor.projects);
    if let Some(p) = project_id {
        sql = sql.push(" AND r.project_id = ").bind(p);
    }
    c.ex().fetch_all(sql.push(" ORDER BY r.id DESC LIMIT ").bind(limit)).await
}

// ---------- the ledger ----------

/// What the ledger lists: every line, only unpaid ones, only paid ones, or unpaid past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineState {
    Open,
    Paid,
    Overdue,
}

#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub project_id: Option<i64>,
    pub period_key: Option<String>,
    pub state: Option<LineState>,
    pub item_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub payer_id: Option<i64>,
    /// Unit number or payer name (substring).
    pub q: Option<String>,
    /// "Overdue" is judged against this day (the project's today).
    pub today: Option<NaiveDate>,
    /// Latest periods first (a unit's page), instead of the ledger's oldest first.
    pub newest_first: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct LedgerRow {
    pub id: i64,
    pub project_id: i64,
    pub unit_id: i64,
    pub building_code: String,
    pub unit_no: String,
    pub payer_id: i64,
    pub payer_name: String,
    pub payer_phone: String,
    /// `person` or `company` (a notice addresses a person as 先生/女士).
    pub payer_kind: String,
    pub item_id: i64,
    pub item_name: String,
    pub kind: String,
    pub period_key: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub days: i64,
    pub quantity: i64,
    pub description: String,
    pub amount: i64,
    pub paid: i64,
    pub due_date: NaiveDate,
}

impl LedgerRow {
    pub fn balance(&self) -> i64 {
        self.amount - self.paid
    }
    pub fn status(&self, today: NaiveDate) -> propdesk_domain::billing::LineStatus {
        propdesk_domain::billing::LineStatus::of(self.amount, self.paid, self.due_date, today)
    }
}

const LEDGER_FROM: &str = " FROM bill_lines l JOIN units u ON u.id = l.unit_id JOIN buildings b ON b.id = u.building_id JOIN parties p ON p.id = l.payer_id JOIN fee_items i ON i.id = l.item_id";

fn ledger_where(sql: Sql, actor: &Actor, f: &LedgerFilter) -> Sql {
    let mut sql = sql.push(" WHERE l.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND l.project_id = ").bind(p);
    }
    if let Some(k) = f.period_key.as_deref() {
        sql = sql.push(" AND l.period_key = ").bind(k);
    }
    if let Some(i) = f.item_id {
        sql = sql.push(" AND l.item_id = ").bind(i);
    }
    if let Some(u) = f.unit_id {
        sql = sql.push(" AND l.unit_id = ").bind(u);
    }
    if let Some(p) = f.payer_id {
        sql = sql.push(" AND l.payer_id = ").bind(p);
    }
    match f.state {
        Some(LineState::Open) => sql = sql.push(" AND l.paid < l.amount"),
        Some(LineState::Paid) => sql = sql.push(" AND l.paid = l.amount"),
        Some(LineState::Overdue) => {
            sql = sql.push(" AND l.paid < l.amount AND l.due_date < ").bind(f.today.unwrap_or(NaiveDate::MAX));
        }
        None => {}
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql.push(" AND (u.unit_no LIKE ").bind(pat.clone()).push(" ESCAPE '\\' OR p.name LIKE ").bind(pat).push(" ESCAPE '\\')");
    }
    sql
}

/// Totals of the filtered ledger: lines, billed, paid.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct LedgerTotals {
    pub lines: i64,
    pub amount: i64,
    pub paid: i64,
}

pub async fn ledger_totals(c: &mut impl AsEx, actor: &Actor, f: &LedgerFilter) -> Result<LedgerTotals> {
    let sql = ledger_where(
        Sql::new(&format!(
            "SELECT COUNT(*) AS lines, CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) AS amount, CAST(COALESCE(SUM(l.paid), 0) AS BIGINT) AS paid{LEDGER_FROM}"
        )),
        actor,
        f,
    );
    c.ex().fetch_one(sql).await
}

const LEDGER_COLS: &str = "l.id, l.project_id, l.unit_id, b.code AS building_code, u.unit_no, l.payer_id, p.name AS payer_name, p.phone AS payer_phone, p.kind AS payer_kind, l.item_id, i.name AS item_name, l.kind, l.period_key, l.period_start, l.period_end, l.days, l.quantity, l.description, l.amount, l.paid, l.due_date";

/// The ledger by building, unit, payer and item, one page with the count.
pub async fn ledger(c: &mut impl AsEx, actor: &Actor, f: &LedgerFilter, page: Page) -> Result<(Paged<LedgerRow>, LedgerTotals)> {
    let totals = ledger_totals(c, actor, f).await?;
    let sql = ledger_where(Sql::new(&format!("SELECT {LEDGER_COLS}{LEDGER_FROM}")), actor, f)
        .push(if f.newest_first {
            " ORDER BY l.period_start DESC, b.code, u.unit_no, l.payer_id, i.name, l.id LIMIT "
        } else {
            " ORDER BY l.period_start, b.code, u.unit_no, l.payer_id, i.name, l.id LIMIT "
        })
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok((Paged { items, total: totals.lines, page }, totals))
}

pub async fn line(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<LedgerRow>> {
    let sql = Sql::new(&format!("SELECT {LEDGER_COLS}{LEDGER_FROM} WHERE l.id = ")).bind(id).push(" AND l.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

// ---------- FEE-2: reconciliation ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ReconciliationRow {
    pub id: i64,
    pub project_id: i64,
    pub cycle: String,
    pub period_key: String,
    pub lines: i64,
    pub amount: i64,
    pub reconciled_by_name: String,
    pub reconciled_at: DateTime<Utc>,
    pub note: String,
}

pub async fn reconciliation(c: &mut impl AsEx, actor: &Actor, project_id: i64, period_key: &str) -> Result<Option<ReconciliationRow>> {
    let sql = Sql::new(
        "SELECT r.id, r.project_id, r.cycle, r.period_key, r.lines, r.amount, s.display_name AS reconciled_by_name, r.reconciled_at, r.note FROM ledger_reconciliations r JOIN staff s ON s.id = r.reconciled_by WHERE r.project_id = ",
    )
    .bind(project_id)
    .push(" AND r.period_key = ")
    .bind(period_key)
    .push(" AND r.project_id IN ")
    .bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub struct NewReconciliation<'a> {
    pub project_id: i64,
    pub cycle: Cycle,
    pub period_key: &'a str,
    pub lines: i64,
    pub amount: i64,
    pub note: &'a str,
}

pub async fn insert_reconciliation(c: &mut impl AsEx, by: i64, r: &NewReconciliation<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO ledger_reconciliations (project_id, cycle, period_key, lines, amount, reconciled_by, reconciled_at, note) VALUES (")
        .bind(r.project_id)
        .push(", ")
        .bind(r.cycle.code())
        .push(", ")
        .bind(r.period_key)
        .push(", ")
        .bind(r.lines)
        .push(", ")
        .bind(r.amount)
        .push(", ")
        .bind(by)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(r.note)
        .push(")");
    c.ex().insert(sql).await
}

// ---------- FEE-10: collection rate ----------

/// What a collection rate is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateBy {
    Project,
    Building,
    Item,
}

/// Billed and collected over a group's bill lines (deposits left out).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RateRow {
    pub project_id: i64,
    pub key_id: i64,
    pub label: String,
    pub lines: i64,
    pub billed: i64,
    pub collected: i64,
}

impl RateRow {
    pub fn percent(&self) -> f64 {
        propdesk_domain::billing::collection_rate_percent(self.collected, self.billed)
    }
}

/// `AND l.kind NOT IN (…deposit kinds…)`: deposits and bonds are held, not earned (FEE-10).
fn without_deposits(mut sql: Sql) -> Sql {
    sql = sql.push(" AND l.kind NOT IN (");
    for (i, k) in FeeKind::ALL.iter().filter(|k| k.is_deposit()).enumerate() {
        sql = sql.push(if i == 0 { "" } else { ", " }).bind(k.code());
    }
    sql.push(")")
}

/// FEE-10: collected ÷ billed over the lines whose period starts in [from, to], per project,
/// building or item, in one grouped query.
pub async fn collection_rates(c: &mut impl AsEx, actor: &Actor, project_id: Option<i64>, from: NaiveDate, to: NaiveDate, by: RateBy) -> Result<Vec<RateRow>> {
    let (key, label, join) = match by {
        RateBy::Project => ("l.project_id", "pr.name", " JOIN projects pr ON pr.id = l.project_id"),
        RateBy::Building => ("b.id", "b.code", " JOIN units u ON u.id = l.unit_id JOIN buildings b ON b.id = u.building_id"),
        RateBy::Item => ("i.id", "i.name", " JOIN fee_items i ON i.id = l.item_id"),
    };
    let mut sql = Sql::new(&format!(
        "SELECT l.project_id, {key} AS key_id, {label} AS label, COUNT(*) AS lines, CAST(SUM(l.amount) AS BIGINT) AS billed, CAST(SUM(l.paid) AS BIGINT) AS collected FROM bill_lines l{join} WHERE l.project_id IN "
    ))
    .bind_list(&actor.projects);
    if let Some(p) = project_id {
        sql = sql.push(" AND l.project_id = ").bind(p);
    }
    sql = sql.push(" AND l.period_start >= ").bind(from).push(" AND l.period_start <= ").bind(to);
    sql = without_deposits(sql);
    c.ex().fetch_all(sql.push(&format!(" GROUP BY l.project_id, {key}, {label} ORDER BY l.project_id, {label}"))).await
}

/// FEE-10: what is owed past its due date on `day` (deposits left out), per project.
pub async fn overdue_totals(c: &mut impl AsEx, actor: &Actor, project_id: Option<i64>, day: NaiveDate) -> Result<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT l.project_id, CAST(SUM(l.amount - l.paid) AS BIGINT) FROM bill_lines l WHERE l.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = project_id {
        sql = sql.push(" AND l.project_id = ").bind(p);
    }
    sql = sql.push(" AND l.paid < l.amount AND l.due_date < ").bind(day);
    sql = without_deposits(sql);
    c.ex().fetch_all(sql.push(" GROUP BY l.project_id")).await
}

// ---------- FEE-3: how each notice was delivered ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DeliveryRow {
    pub payer_id: i64,
    pub unit_id: i64,
    pub method: String,
    pub courier_no: String,
    pub delivered_on: NaiveDate,
}

/// The deliveries recorded for a project's period (one per payer and unit).
pub async fn deliveries(c: &mut impl AsEx, actor: &Actor, project_id: i64, period_key: &str) -> Result<Vec<DeliveryRow>> {
    let sql = Sql::new("SELECT payer_id, unit_id, method, courier_no, delivered_on FROM notice_deliveries WHERE project_id = ")
        .bind(project_id)
        .push(" AND period_key = ")
        .bind(period_key)
        .push(" AND project_id IN ")
        .bind_list(&actor.projects);
    c.ex().fetch_all(sql).await
}

pub struct NewDelivery<'a> {
    pub project_id: i64,
    pub payer_id: i64,
    pub unit_id: i64,
    pub period_key: &'a str,
    pub method: &'a str,
    pub courier_no: &'a str,
    pub delivered_on: NaiveDate,
}

/// Records a delivery; false when this notice's delivery is already on record.
pub async fn insert_delivery(c: &mut impl AsEx, by: i64, d: &NewDelivery<'_>, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new(
        "INSERT INTO notice_deliveries (project_id, payer_id, unit_id, period_key, method, courier_no, delivered_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (project_id, payer_id, unit_id, period_key) DO NOTHING",
    )
    .arg(d.project_id)
    .arg(d.payer_id)
    .arg(d.unit_id)
    .arg(d.period_key)
    .arg(d.method)
    .arg(d.courier_no)
    .arg(d.delivered_on)
    .arg(by)
    .arg(now);
    Ok(c.ex().execute(sql).await? == 1)
}

/// FEE-3: the units with something still owed in a project's period, after `after`, in id order
/// (at most `limit`): a send walks the period by unit ranges along the
/// (project_id, period_key, unit_id) index.
pub async fn notice_units(c: &mut impl AsEx, actor: &Actor, f: &NoticeScope<'_>, after: i64, limit: i64) -> Result<Vec<i64>> {
    let sql = ledger_where(Sql::new(&format!("SELECT DISTINCT l.unit_id{LEDGER_FROM}")), actor, &f.filter())
        .push(" AND l.unit_id > ")
        .bind(after)
        .push(" ORDER BY l.unit_id LIMIT ")
        .bind(limit);
    let rows: Vec<(i64,)> = c.ex().fetch_all(sql).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Which notices: a project's period, or one payer's notice for one unit in it.
#[derive(Debug, Clone, Copy)]
pub struct NoticeScope<'a> {
    pub project_id: i64,
    pub period_key: &'a str,
    pub payer_id: Option<i64>,
    pub unit_id: Option<i64>,
}

impl NoticeScope<'_> {
    fn filter(&self) -> LedgerFilter {
        LedgerFilter {
            project_id: Some(self.project_id),
            period_key: Some(self.period_key.to_string()),
            state: Some(LineState::Open),
            payer_id: self.payer_id,
            unit_id: self.unit_id,
            ..Default::default()
        }
    }
}

/// What a sent notice needs of a line: who, which unit, the item and what is still owed.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct NoticeLineRow {
    pub payer_id: i64,
    pub unit_id: i64,
    pub building_code: String,
    pub unit_no: String,
    pub payer_name: String,
    pub payer_kind: String,
    pub item_name: String,
    pub owed: i64,
    pub due_date: NaiveDate,
}

/// The open lines in the scope of the units `first..=last`, grouped by unit and payer.
pub async fn notice_lines(c: &mut impl AsEx, actor: &Actor, f: &NoticeScope<'_>, first: i64, last: i64) -> Result<Vec<NoticeLineRow>> {
    let sql = ledger_where(
        Sql::new(&format!(
            "SELECT l.payer_id, l.unit_id, b.code AS building_code, u.unit_no, p.name AS payer_name, p.kind AS payer_kind, i.name AS item_name, l.amount - l.paid AS owed, l.due_date{LEDGER_FROM}"
        )),
        actor,
        &f.filter(),
    )
    .push(" AND l.unit_id >= ")
    .bind(first)
    .push(" AND l.unit_id <= ")
    .bind(last)
    .push(" ORDER BY l.unit_id, l.payer_id, i.name, l.id");
    c.ex().fetch_all(sql).await
}
