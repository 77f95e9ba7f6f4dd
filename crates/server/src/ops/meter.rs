//! FEE-7: the meter register (a replacement closes the old meter with its final reading and
//! starts the new one from its start reading), the monthly reading round (one reading per meter
//! per month, checked by `billing::check_reading`; outliers wait for a confirmation before they
//! are charged), the payer's confirmation and the month's meter totals signed off with finance.
//! FEE-8: prepaid electricity purchases — paid with a receipt, the electrician told through the
//! outbox, the loading confirmed through `billing::purchase_apply`.

use crate::error::{AppError, AppResult};
use crate::ops::org::today;
use crate::ops::payment::receipt_number;
use crate::ops::require;
use crate::ops::{de_text, log, notify};
use chrono::{NaiveDate, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{
    self, FeeKind, MeterKind, PaymentMethod, PurchaseAction, PurchaseError, PurchaseStatus, ReadingCheck, Tier, UnitPrice, parse_quantity, quantity_text,
};
use propdesk_domain::notify::{self as notice_rules, NoticeKind};
use propdesk_domain::values::{self, Month, parse_yuan, yuan_text};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::fee as fee_store;
use propdesk_store::models::meter::{self as store, MeterRow, NewMeter, NewPurchase, NewReading};
use propdesk_store::models::org;
use propdesk_store::{AsEx, Db, Tx};
use serde::Deserialize;
use serde_json::json;

fn id_of(s: &str) -> Result<i64, Reason> {
    s.trim().parse::<i64>().map_err(|_| Reason::Required)
}

fn date_or_today(s: &str) -> Result<NaiveDate, Reason> {
    if s.trim().is_empty() {
        return Ok(today());
    }
    values::date(s).and_then(|d| if d > today() { Err(Reason::Invalid("日期不能晚于今天", "must not be in the future")) } else { Ok(d) })
}

fn meter_no(s: &str) -> Result<String, Reason> {
    let t = values::text(s, 40)?;
    if t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/')) {
        Ok(t)
    } else {
        Err(Reason::Invalid("表号只能包含字母、数字和 - _ /", "may contain letters, digits and - _ / only"))
    }
}

// ---------- the register ----------

/// A meter as typed on the page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeterInput {
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub meter_no: String,
    /// kWh / m³, two decimals at most (default 0).
    #[serde(default, deserialize_with = "de_text")]
    pub start_reading: String,
    /// YYYY-MM-DD (default today).
    #[serde(default, deserialize_with = "de_text")]
    pub installed_on: String,
    /// FEE-8: a prepaid electricity meter (loaded by purchases, not billed from readings).
    #[serde(default)]
    pub prepaid: bool,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
}

struct ParsedMeter {
    unit_id: i64,
    kind: MeterKind,
    meter_no: String,
    start_reading: i64,
    installed_on: NaiveDate,
    note: String,
}

impl MeterInput {
    fn parse(&self) -> Result<ParsedMeter, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = e.take("unit_id", id_of(&self.unit_id));
        let kind = e.take("kind", MeterKind::parse(&self.kind));
        let no = e.take("meter_no", meter_no(&self.meter_no));
        let start = e.take("start_reading", if self.start_reading.trim().is_empty() { Ok(0) } else { parse_quantity(&self.start_reading) });
        let installed_on = e.take("installed_on", date_or_today(&self.installed_on));
        let note = e.take("note", values::opt_text(&self.note, 200)).flatten().unwrap_or_default();
        if self.prepaid && kind.is_some_and(|k| k != MeterKind::Electricity) {
            e.push("prepaid", Reason::Invalid("只有电表可以是预付费表", "only electricity meters can be prepaid"));
        }
        match (unit_id, kind, no, start, installed_on) {
            (Some(unit_id), Some(kind), Some(meter_no), Some(start_reading), Some(installed_on)) if e.is_empty() => {
                Ok(ParsedMeter { unit_id, kind, meter_no, start_reading, installed_on, note })
            }
            _ => Err(e),
        }
    }
}

/// FEE-7: registers a meter on a unit of one of the actor's projects (meter numbers are unique
/// per project).
pub async fn create_meter(db: &Db, actor: &Actor, input: &MeterInput) -> AppResult<i64> {
    require(actor, Permission::ManageMeters)?;
    let p = input.parse()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(unit) = org::unit(&mut tx, actor, p.unit_id, today()).await? else {
        return Err(FieldErrors::single("unit_id", Reason::NotFound).into());
    };
    if store::meter_no_taken(&mut tx, unit.project_id, &p.meter_no).await? {
        return Err(FieldErrors::single("meter_no", Reason::Duplicate).into());
    }
    let n = NewMeter {
        project_id: unit.project_id,
        unit_id: p.unit_id,
        kind: p.kind,
        meter_no: &p.meter_no,
        start_reading: p.start_reading,
        installed_on: p.installed_on,
        prepaid: input.prepaid,
        replaces_id: None,
        note: &p.note,
    };
    let id = store::insert_meter(&mut tx, &n, now).await?;
    log(
        &mut tx,
        actor,
        unit.project_id,
        "meter",
        id,
        "registered",
        json!({"rule": "FEE-7", "unit_id": p.unit_id, "kind": p.kind.code(), "meter_no": p.meter_no, "start_reading": p.start_reading, "prepaid": input.prepaid}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A replacement: the old meter's final reading and the new meter.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReplaceInput {
    #[serde(default, deserialize_with = "de_text")]
    pub final_reading: String,
    /// YYYY-MM-DD (default today): the old meter's last day and the new meter's first.
    #[serde(default, deserialize_with = "de_text")]
    pub replaced_on: String,
    #[serde(default, deserialize_with = "de_text")]
    pub meter_no: String,
    #[serde(default, deserialize_with = "de_text")]
    pub start_reading: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
    /// The version of the old meter as read.
    #[serde(default, deserialize_with = "de_text")]
    pub version: String,
}

/// FEE-7: replaces a meter. The old meter's final reading becomes its reading of that month
/// (what it used up to the change is charged), the old meter is closed, and the new one (same
/// unit, kind and prepaid flag) counts from its own start reading. One transaction.
pub async fn replace_meter(db: &Db, actor: &Actor, id: i64, input: &ReplaceInput) -> AppResult<i64> {
    require(actor, Permission::ManageMeters)?;
    let mut e = FieldErrors::new();
    let final_reading = e.take("final_reading", parse_quantity(&input.final_reading));
    let on = e.take("replaced_on", date_or_today(&input.replaced_on));
    let no = e.take("meter_no", meter_no(&input.meter_no));
    let start = e.take("start_reading", if input.start_reading.trim().is_empty() { Ok(0) } else { parse_quantity(&input.start_reading) });
    let version = e.take("version", id_of(&input.version));
    let note = e.take("note", values::opt_text(&input.note, 200)).flatten().unwrap_or_default();
    let (Some(final_reading), Some(on), Some(no), Some(start), Some(version)) = (final_reading, on, no, start, version) else { return Err(e.into()) };
    e.into_result()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(old) = store::meter(&mut tx, actor, id).await? else { return Err(AppError::NotFound) };
    store::lock_meter(&mut tx, id).await?;
    if !old.in_service() {
        return Err(AppError::Conflict("该表已换下，不能再次更换".into()));
    }
    if on < old.installed_on {
        return Err(FieldErrors::single("replaced_on", Reason::Invalid("换表日期早于旧表的安装日期", "is before the old meter was installed")).into());
    }
    if store::meter_no_taken(&mut tx, old.project_id, &no).await? {
        return Err(FieldErrors::single("meter_no", Reason::Duplicate).into());
    }
    // The final reading is the old meter's reading of the month of the change.
    let month = Month::of(on).to_string();
    match store::reading_of_month(&mut tx, id, &month).await? {
        Some((reading_id, reading, consumption)) => {
            if final_reading < reading || !store::set_final(&mut tx, reading_id, final_reading, consumption + (final_reading - reading)).await? {
                return Err(FieldErrors::single("final_reading", Reason::Invalid("最终读数小于本月已抄读数", "is below this month's reading")).into());
            }
        }
        None => {
            let check = checked(&mut tx, &old, &month, final_reading, "final_reading").await?;
            insert_reading(&mut tx, actor, &old, &month, on, final_reading, check, true).await?;
        }
    }
    if !store::close_meter(&mut tx, id, version, on, final_reading).await? {
        return Err(AppError::Conflict("表具已被他人修改，请刷新后重试".into()));
    }
    let n = NewMeter {
        project_id: old.project_id,
        unit_id: old.unit_id,
        kind: old.kind,
        meter_no: &no,
        start_reading: start,
        installed_on: on,
        prepaid: old.prepaid,
        replaces_id: Some(id),
        note: &note,
    };
    let new_id = store::insert_meter(&mut tx, &n, now).await?;
    log(
        &mut tx,
        actor,
        old.project_id,
        "meter",
        id,
        "replaced",
        json!({"rule": "FEE-7", "final_reading": final_reading, "replaced_on": on, "new_meter_id": new_id, "new_meter_no": no, "start_reading": start}),
    )
    .await?;
    tx.commit().await?;
    Ok(new_id)
}

// ---------- readings ----------

/// One reading as typed (the entry page, the API, a row of an imported sheet).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReadingInput {
    #[serde(default, deserialize_with = "de_text")]
    pub meter_id: String,
    /// The reading round, YYYY-MM (default: the month of `read_on`).
    #[serde(default, deserialize_with = "de_text")]
    pub month: String,
    /// YYYY-MM-DD (default today).
    #[serde(default, deserialize_with = "de_text")]
    pub read_on: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reading: String,
}

/// What a recorded reading came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Recorded {
    pub id: i64,
    pub consumption: i64,
    pub outlier: bool,
}

struct ParsedReading {
    meter_id: i64,
    month: Month,
    read_on: NaiveDate,
    reading: i64,
}

impl ReadingInput {
    fn parse(&self) -> Result<ParsedReading, FieldErrors> {
        let mut e = FieldErrors::new();
        let meter_id = e.take("meter_id", id_of(&self.meter_id));
        let read_on = e.take("read_on", date_or_today(&self.read_on));
        let reading = e.take("reading", parse_quantity(&self.reading));
        let month = match (self.month.trim(), read_on) {
            ("", Some(d)) => Some(Month::of(d)),
            ("", None) => None,
            (m, _) => e.take("month", Month::parse(m)),
        };
        if let (Some(m), Some(d)) = (month, read_on)
            && (d < m.first_day() || d > m.next().last_day())
        {
            e.push("read_on", Reason::Invalid("抄表日期应在该抄表月或次月初", "must fall in the reading month or early the next"));
        }
        match (meter_id, month, read_on, reading) {
            (Some(meter_id), Some(month), Some(read_on), Some(reading)) if e.is_empty() => Ok(ParsedReading { meter_id, month, read_on, reading }),
            _ => Err(e),
        }
    }
}

/// `billing::check_reading` against the meter's history; a refusal is reported on `field`.
async fn checked(c: &mut impl AsEx, m: &MeterRow, month: &str, reading: i64, field: &'static str) -> AppResult<ReadingCheck> {
    let previous = store::previous_reading(c, m.id, month).await?;
    // A meter's first reading counts from its start reading; a replacement's, explicitly so.
    let (previous, replaced_from) = match (previous, m.replaces_id) {
        (Some(p), _) => (Some(p), None),
        (None, Some(_)) => (None, Some(m.start_reading)),
        (None, None) => (Some(m.start_reading), None),
    };
    let recent = store::recent_consumptions(c, m.id, month, 3).await?;
    billing::check_reading(previous, reading, replaced_from, &recent).map_err(|r| FieldErrors::single(field, r).into())
}

#[allow(clippy::too_many_arguments)]
async fn insert_reading(
    tx: &mut Tx,
    actor: &Actor,
    m: &MeterRow,
    month: &str,
    read_on: NaiveDate,
    reading: i64,
    check: ReadingCheck,
    is_final: bool,
) -> AppResult<i64> {
    let n = NewReading {
        project_id: m.project_id,
        meter_id: m.id,
        unit_id: m.unit_id,
        kind: m.kind,
        month,
        read_on,
        reading,
        consumption: check.consumption,
        outlier: check.outlier,
        is_final,
        read_by: actor.staff_id,
    };
    let id = store::insert_reading(tx, &n, Utc::now()).await?;
    log(
        tx,
        actor,
        m.project_id,
        "meter_reading",
        id,
        "read",
        json!({"rule": "FEE-7", "meter_id": m.id, "month": month, "reading": reading, "consumption": check.consumption, "outlier": check.outlier, "final": is_final}),
    )
    .await?;
    Ok(id)
}

/// Records one reading inside `tx`; the errors name `field` (a sheet reports its row instead).
async fn record_tx(tx: &mut Tx, actor: &Actor, p: &ParsedReading) -> AppResult<Recorded> {
    let Some(m) = store::meter(tx, actor, p.meter_id).await? else { return Err(FieldErrors::single("meter_id", Reason::NotFound).into()) };
    store::lock_meter(tx, m.id).await?;
    if !m.in_service() {
        return Err(FieldErrors::single("meter_id", Reason::Invalid("该表已换下，请抄新表", "this meter was replaced; read the new one")).into());
    }
    let month = p.month.to_string();
    if store::reading_of_month(tx, m.id, &month).await?.is_some() {
        return Err(AppError::Conflict(format!("表 {} 的 {month} 读数已录入（每表每月一次）", m.meter_no)));
    }
    if store::has_later_reading(tx, m.id, &month).await? {
        return Err(FieldErrors::single("month", Reason::Invalid("该表已有更晚月份的读数", "this meter already has a later reading")).into());
    }
    let check = checked(tx, &m, &month, p.reading, "reading").await?;
    let id = insert_reading(tx, actor, &m, &month, p.read_on, p.reading, check, false).await?;
    Ok(Recorded { id, consumption: check.consumption, outlier: check.outlier })
}

/// FEE-7: records a reading (one per meter per month). An outlier is saved flagged and is not
/// charged until confirmed (`check`).
pub async fn record_reading(db: &Db, actor: &Actor, input: &ReadingInput) -> AppResult<Recorded> {
    require(actor, Permission::ReadMeters)?;
    let p = input.parse()?;
    let mut tx = db.begin().await?;
    let r = record_tx(&mut tx, actor, &p).await?;
    tx.commit().await?;
    Ok(r)
}

/// One row of a batch (the entry page, an imported sheet) that was refused: its label and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowRefusal {
    pub row: String,
    pub reason: String,
}

/// A refusal in the words of the entry page (field names as its columns say them).
fn refusal_text(e: &AppError) -> String {
    let column = |f: &str| match f {
        "meter_id" => "表号",
        "reading" => "读数",
        "read_on" => "抄表日期",
        "month" => "月份",
        _ => "",
    };
    match e {
        AppError::Invalid(f) => f.0.iter().map(|fe| format!("{}：{}", column(&fe.field), fe.reason.zh())).collect::<Vec<_>>().join("；"),
        AppError::Conflict(m) => m.clone(),
        AppError::NotFound => "找不到该表".into(),
        AppError::Forbidden => "无权限".into(),
        _ => "无法保存".into(),
    }
}

/// FEE-7: a round of readings at once (the entry page's inputs, an imported sheet): every row is
/// checked; when any is refused nothing is saved and every refusal is reported by its label.
pub async fn record_batch(db: &Db, actor: &Actor, rows: &[(String, ReadingInput)]) -> AppResult<Result<Vec<Recorded>, Vec<RowRefusal>>> {
    require(actor, Permission::ReadMeters)?;
    let mut refused = Vec::new();
    let mut parsed = Vec::new();
    for (label, input) in rows {
        match input.parse() {
            Ok(p) => parsed.push((label, p)),
            Err(e) => refused.push(RowRefusal { row: label.clone(), reason: refusal_text(&AppError::Invalid(e)) }),
        }
    }
    if parsed.is_empty() && refused.is_empty() {
        return Err(FieldErrors::single("reading", Reason::Required).into());
    }
    let mut tx = db.begin().await?;
    let mut done = Vec::new();
    for (label, p) in &parsed {
        // Each row in its own savepoint, so every row is checked even after a refusal.
        tx.savepoint("reading_row").await?;
        match record_tx(&mut tx, actor, p).await {
            Ok(r) => {
                tx.end_savepoint("reading_row", true).await?;
                done.push(r);
            }
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
            Err(e) => {
                tx.end_savepoint("reading_row", false).await?;
                refused.push(RowRefusal { row: (*label).clone(), reason: refusal_text(&e) });
            }
        }
    }
    if !refused.is_empty() {
        return Ok(Err(refused));
    }
    tx.commit().await?;
    Ok(Ok(done))
}

/// FEE-7: an outlier reading confirmed as read (after a second look), so it is charged.
pub async fn check(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    require(actor, Permission::ManageMeters)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(r) = store::reading(&mut tx, actor, id).await? else { return Err(AppError::NotFound) };
    if !store::check(&mut tx, id, actor.staff_id, now).await? {
        return Err(AppError::Conflict("该读数无需确认（不是待确认的异常读数）".into()));
    }
    log(&mut tx, actor, r.project_id, "meter_reading", id, "checked", json!({"rule": "FEE-7", "reading": r.reading, "consumption": r.consumption})).await?;
    tx.commit().await?;
    Ok(())
}

/// FEE-7: the payer confirmed and signed the reading (who signed; recorded by the actor, now).
pub async fn confirm_payer(db: &Db, actor: &Actor, id: i64, payer_name: &str) -> AppResult<()> {
    require(actor, Permission::CollectFees)?;
    let name = values::text(payer_name, 40).map_err(|r| FieldErrors::single("payer_name", r))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(r) = store::reading(&mut tx, actor, id).await? else { return Err(AppError::NotFound) };
    if !r.checked {
        return Err(AppError::Conflict("异常读数须先确认，再请缴费人签字".into()));
    }
    if !store::confirm_payer(&mut tx, id, &name, actor.staff_id, now).await? {
        return Err(AppError::Conflict("缴费人已签字确认该读数".into()));
    }
    log(&mut tx, actor, r.project_id, "meter_reading", id, "payer_confirmed", json!({"rule": "FEE-7", "payer_name": name})).await?;
    tx.commit().await?;
    Ok(())
}

/// FEE-7: the reading months of a billing period (its consumption is what those rounds read).
pub fn period_months(period: billing::BillingPeriod) -> Vec<String> {
    let mut m = period.first;
    let mut out = Vec::new();
    for _ in 0..period.months() {
        out.push(m.to_string());
        m = m.next();
    }
    out
}

/// FEE-7: the consumption per unit (in (after, last]) and meter kind that a billing run charges.
pub async fn consumption(c: &mut impl AsEx, project_id: i64, after: i64, last: i64, months: &[String]) -> AppResult<Vec<(i64, MeterKind, i64)>> {
    Ok(store::consumption(c, project_id, after, last, months)
        .await?
        .into_iter()
        .filter_map(|u| MeterKind::parse(&u.kind).ok().map(|k| (u.unit_id, k, u.consumption)))
        .collect())
}

// ---------- month-end totals ----------

/// One meter kind's month: readings, outliers not yet confirmed, consumption and billed amount.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KindMonth {
    pub kind: String,
    pub readings: i64,
    pub unchecked: i64,
    pub consumption: i64,
    pub amount: i64,
}

/// FEE-7: a project's month per meter kind (billed meters only; prepaid ones are paid ahead).
pub async fn month_totals(c: &mut impl AsEx, actor: &Actor, project_id: i64, month: Month) -> AppResult<Vec<KindMonth>> {
    let key = month.to_string();
    let uses = store::month_use(c, actor, project_id, &key).await?;
    let amounts = store::month_amounts(c, actor, project_id, &key).await?;
    Ok(MeterKind::ALL
        .iter()
        .map(|k| {
            let u = uses.iter().find(|u| u.kind == k.code());
            let fee = FeeKind::parse(k.code()).ok();
            KindMonth {
                kind: k.code().into(),
                readings: u.map_or(0, |u| u.readings),
                unchecked: u.map_or(0, |u| u.unchecked),
                consumption: u.map_or(0, |u| u.consumption),
                amount: amounts.iter().find(|(a, _)| fee.is_some_and(|f| f.code() == a)).map_or(0, |(_, v)| *v),
            }
        })
        .collect())
}

/// FEE-7: finance signs off the month's meter totals, once; outliers must be settled first.
pub async fn sign_off(db: &Db, actor: &Actor, project_id: i64, month: &str, note: &str) -> AppResult<i64> {
    require(actor, Permission::ReconcileFees)?;
    let month = Month::parse(month).map_err(|r| FieldErrors::single("month", r))?;
    if month > Month::of(today()) {
        return Err(FieldErrors::single("month", Reason::Invalid("不能核对未来的月份", "must not be a future month")).into());
    }
    let note = values::opt_text(note, 500).map_err(|r| FieldErrors::single("note", r))?.unwrap_or_default();
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let key = month.to_string();
    if store::signoff(&mut tx, actor, project_id, &key).await?.is_some() {
        return Err(AppError::Conflict("该月抄表合计已与财务核对".into()));
    }
    let totals = month_totals(&mut tx, actor, project_id, month).await?;
    let unchecked: i64 = totals.iter().map(|t| t.unchecked).sum();
    if unchecked > 0 {
        return Err(FieldErrors::single("month", Reason::Invalid("本月还有异常读数未确认", "this month still has outlier readings to confirm")).into());
    }
    if totals.iter().all(|t| t.readings == 0) {
        return Err(FieldErrors::single("month", Reason::Invalid("该月没有抄表读数", "this month has no readings")).into());
    }
    let text = serde_json::to_string(&totals).map_err(anyhow::Error::from)?;
    let id = store::insert_signoff(&mut tx, project_id, &key, &text, actor.staff_id, &note, now).await?;
    log(&mut tx, actor, project_id, "meter_month", id, "signed_off", json!({"rule": "FEE-7", "month": key, "totals": totals, "note": note})).await?;
    tx.commit().await?;
    Ok(id)
}

// ---------- FEE-8: prepaid electricity ----------

/// A purchase as typed: either an amount in yuan or the kWh wanted (not both).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PurchaseInput {
    #[serde(default, deserialize_with = "de_text")]
    pub meter_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub amount: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kwh: String,
    #[serde(default, deserialize_with = "de_text")]
    pub method: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reference: String,
    #[serde(default, deserialize_with = "de_text")]
    pub paid_on: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
}

/// The flat price of the project's active electricity item (prepaid meters buy at it).
async fn electricity_price(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> AppResult<Option<UnitPrice>> {
    let items = fee_store::items(c, actor, Some(project_id), true).await?;
    Ok(items.iter().find(|i| i.kind == FeeKind::Electricity).and_then(|i| i.tier_list().first().map(|t| t.price)))
}

/// FEE-8: a purchase paid and receipted; the electricians are told to load it, in one transaction.
pub async fn purchase(db: &Db, actor: &Actor, input: &PurchaseInput) -> AppResult<i64> {
    require(actor, Permission::CollectFees)?;
    let mut e = FieldErrors::new();
    let meter_id = e.take("meter_id", id_of(&input.meter_id));
    let positive = |r: Result<i64, Reason>| r.and_then(|v| if v > 0 { Ok(v) } else { Err(Reason::Invalid("必须大于 0", "must be more than 0")) });
    let amount = e.take("amount", values::optional(&input.amount, |s| positive(parse_yuan(s)))).flatten();
    let kwh = e.take("kwh", values::optional(&input.kwh, |s| positive(parse_quantity(s)))).flatten();
    if e.get("amount").is_none() && e.get("kwh").is_none() {
        match (amount, kwh) {
            (None, None) => e.push("amount", Reason::Invalid("请填写购电金额或度数", "give the amount or the kWh")),
            (Some(_), Some(_)) => e.push("kwh", Reason::Invalid("金额和度数只填一项", "give the amount or the kWh, not both")),
            _ => {}
        }
    }
    let method = e.take("method", PaymentMethod::parse(&input.method));
    let reference = e.take("reference", values::opt_text(&input.reference, 60)).flatten().unwrap_or_default();
    if method.is_some_and(|m| m != PaymentMethod::Cash) && reference.is_empty() && e.get("reference").is_none() {
        e.push("reference", Reason::Invalid("转账、刷卡和线上支付须填写交易流水号", "a transfer, POS or online payment needs its reference"));
    }
    let paid_on = e.take("paid_on", date_or_today(&input.paid_on));
    let note = e.take("note", values::opt_text(&input.note, 200)).flatten().unwrap_or_default();
    let (Some(meter_id), Some(method), Some(paid_on)) = (meter_id, method, paid_on) else { return Err(e.into()) };
    e.into_result()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(m) = store::meter(&mut tx, actor, meter_id).await? else { return Err(FieldErrors::single("meter_id", Reason::NotFound).into()) };
    if !m.prepaid || !m.in_service() {
        return Err(FieldErrors::single("meter_id", Reason::Invalid("只能为在用的预付费电表购电", "only a prepaid meter in service can be loaded")).into());
    }
    let Some(price) = electricity_price(&mut tx, actor, m.project_id).await?.filter(|p| p.0 > 0) else {
        return Err(FieldErrors::single(
            "meter_id",
            Reason::Invalid("本项目没有启用的电费收费项目（电价）", "the project has no active electricity item (price)"),
        )
        .into());
    };
    let (amount, kwh) = match (amount, kwh) {
        (Some(a), _) => (a, billing::prepaid_kwh(a, price).unwrap_or(0)),
        (None, Some(k)) => (billing::metered_charge(k, &[Tier { up_to: None, price }]), k),
        (None, None) => (0, 0),
    };
    if kwh <= 0 || amount <= 0 {
        return Err(FieldErrors::single("amount", Reason::Invalid("金额太小，不足 0.01 度", "is too small to buy 0.01 kWh")).into());
    }
    if amount > values::MAX_FEN {
        return Err(FieldErrors::single("amount", Reason::Invalid("金额过大（超过一亿元）", "is too large (over 100 million yuan)")).into());
    }
    let Some(project) = org::project(&mut tx, actor, m.project_id).await? else { return Err(AppError::NotFound) };
    let receipt_no = receipt_number(&mut tx, project.id, &project.code).await?;
    let n = NewPurchase {
        project_id: m.project_id,
        meter_id,
        unit_id: m.unit_id,
        receipt_no: &receipt_no,
        amount,
        kwh,
        price: price.0,
        method,
        reference: &reference,
        paid_on,
        received_by: actor.staff_id,
        note: &note,
    };
    let id = store::insert_purchase(&mut tx, &n, now).await?;
    let notice = notify::Notice {
        kind: NoticeKind::MeterLoad,
        project_id: m.project_id,
        subject: format!("购电充值 {}-{} 表 {}", m.building_code, m.unit_no, m.meter_no),
        body: format!(
            "已缴费 {} 元，购电 {} 度（收据 {receipt_no}）。请到现场为该表充值，完成后在系统中确认已充值（FEE-8）。",
            yuan_text(amount),
            quantity_text(kwh)
        ),
        link: format!("/fees/meters/{meter_id}"),
        entity: "meter_purchase",
        entity_id: id,
    };
    notify::enqueue(&mut tx, actor, &notice, &notice_rules::meter_load_audience(), now).await?;
    log(
        &mut tx,
        actor,
        m.project_id,
        "meter_purchase",
        id,
        "paid",
        json!({"rule": "FEE-8", "meter_id": meter_id, "receipt_no": receipt_no, "amount": amount, "kwh": kwh, "price": price.text(), "method": method.code()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn purchase_refusal(err: PurchaseError, status: PurchaseStatus, actor: &Actor) -> AppError {
    match err {
        PurchaseError::NotElectrician | PurchaseError::NotSupervisor => AppError::Forbidden,
        PurchaseError::NotAllowed(_) => {
            let allowed = billing::purchase_allowed(status, actor.role);
            let allowed = if allowed.is_empty() { "无".to_string() } else { allowed.join(", ") };
            AppError::Conflict(format!("购电单当前状态“{}”不能执行此操作；可执行：{allowed}", status.zh()))
        }
    }
}

/// FEE-8: the electrician confirms the meter was loaded, or a supervisor refunds an unloaded
/// purchase — through `billing::purchase_apply`, with the version read.
pub async fn purchase_act(db: &Db, actor: &Actor, id: i64, action: &str, version: i64) -> AppResult<PurchaseStatus> {
    let Some(action) = PurchaseAction::parse(action) else {
        return Err(FieldErrors::single("action", Reason::Invalid("不是可执行的操作", "is not an action")).into());
    };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(p) = store::purchase(&mut tx, actor, id).await? else { return Err(AppError::NotFound) };
    let to = billing::purchase_apply(p.status, action, actor.role).map_err(|e| purchase_refusal(e, p.status, actor))?;
    if p.version != version || !store::set_purchase_status(&mut tx, id, version, to, actor.staff_id, now).await? {
        return Err(AppError::Conflict("购电单已被他人更新，请刷新后重试".into()));
    }
    log(&mut tx, actor, p.project_id, "meter_purchase", id, action.code(), json!({"rule": "FEE-8", "from": p.status.code(), "to": to.code(), "kwh": p.kwh}))
        .await?;
    tx.commit().await?;
    Ok(to)
}

/// FEE-8: a prepaid meter's balance, kWh in hundredths (loaded less read since the first loading).
pub async fn balance(c: &mut impl AsEx, meter_id: i64) -> AppResult<i64> {
    let (loaded, read) = store::prepaid_totals(c, meter_id).await?;
    Ok(billing::prepaid_balance(loaded, read))
}
