//! FEE-1/FEE-2: fee items, the billing run of a period and finance's reconciliation of its
//! ledger. The amounts come from `propdesk_domain::billing`; this module loads the facts
//! (units, owners, tenants), writes the lines and the events.

use crate::error::{AppError, AppResult};
use crate::ops::require;
use crate::ops::{de_text, log};
use chrono::{Days, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{self, AreaBasis, Areas, BillingPeriod, ChargeBasis, Cycle, FeeItem, FeeKind, Holder, PayerRule, Tier, UnitFacts, UnitPrice};
use propdesk_domain::org::{Period, UnitKind};
use propdesk_domain::values::{self, Month};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Db;
use propdesk_store::models::fee::{self as store, Holding, LinePeriod, NewFeeItem, NewLine, NewReconciliation, NewRun};
use serde::Deserialize;
use serde_json::json;

/// A fee item as typed on the page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FeeItemInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub basis: String,
    #[serde(default, deserialize_with = "de_text")]
    pub area_basis: String,
    #[serde(default, deserialize_with = "de_text")]
    pub cycle: String,
    #[serde(default, deserialize_with = "de_text")]
    pub payer: String,
    /// Yuan, up to four decimals: per m² per month, per period, or per metered unit.
    #[serde(default, deserialize_with = "de_text")]
    pub price: String,
    /// Tiered prices for metered items, one tier per line or `;`: `200:0.5283; 400:0.5783; :0.8283`
    /// (cumulative limit, then price; the last without a limit). Replaces `price` when given.
    #[serde(default, deserialize_with = "de_text")]
    pub tiers: String,
    #[serde(default, deserialize_with = "de_text")]
    pub due_days: String,
    #[serde(default)]
    pub unit_kinds: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeeItem {
    pub project_id: i64,
    pub name: String,
    pub kind: FeeKind,
    pub basis: ChargeBasis,
    pub area_basis: AreaBasis,
    pub cycle: Cycle,
    pub payer: PayerRule,
    pub tiers: Vec<Tier>,
    pub due_days: i64,
    pub unit_kinds: Vec<UnitKind>,
    pub active: bool,
}

/// A tier table as typed: `limit:price` separated by `;` or new lines, quantities in whole or
/// hundredth units; the last tier has no limit.
pub fn parse_tiers(text: &str) -> Result<Vec<Tier>, Reason> {
    let bad = || {
        Reason::Invalid(
            "阶梯价格式应为“上限:单价”，用分号分隔，最后一档不写上限，如 200:0.5283; :0.8283",
            "must be limit:price pairs separated by ';', the last without a limit, e.g. 200:0.5283; :0.8283",
        )
    };
    let mut tiers = Vec::new();
    for part in text.split([';', '\n', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (limit, price) = part.split_once([':', '：']).ok_or_else(bad)?;
        let price = UnitPrice::parse(price)?;
        let up_to = match limit.trim() {
            "" => None,
            l => {
                let area = values::Area::parse(l).map_err(|_| bad())?;
                Some(area.centi())
            }
        };
        tiers.push(Tier { up_to, price });
    }
    billing::check_tiers(&tiers)?;
    Ok(tiers)
}

impl FeeItemInput {
    pub fn parse(&self) -> Result<ParsedFeeItem, FieldErrors> {
        let mut e = FieldErrors::new();
        let project_id = e.take("project_id", self.project_id.trim().parse::<i64>().map_err(|_| Reason::Required));
        let name = e.take("name", values::text(&self.name, 60));
        let kind = e.take("kind", FeeKind::parse(&self.kind));
        let basis = e.take("basis", ChargeBasis::parse(&self.basis));
        let area_basis = e.take("area_basis", if self.area_basis.trim().is_empty() { Ok(AreaBasis::Building) } else { AreaBasis::parse(&self.area_basis) });
        let cycle = e.take("cycle", if self.cycle.trim().is_empty() { Ok(Cycle::Month) } else { Cycle::parse(&self.cycle) });
        let payer = e.take("payer", if self.payer.trim().is_empty() { Ok(PayerRule::Owner) } else { PayerRule::parse(&self.payer) });
        let tiers = if !self.tiers.trim().is_empty() {
            e.take("tiers", parse_tiers(&self.tiers))
        } else {
            e.take("price", UnitPrice::parse(&self.price).map(|price| vec![Tier { up_to: None, price }]))
        };
        let due_days = e.take(
            "due_days",
            match self.due_days.trim() {
                "" => Ok(0),
                t => t
                    .parse::<i64>()
                    .ok()
                    .filter(|d| (0..=366).contains(d))
                    .ok_or(Reason::Invalid("应为 0 到 366 的整数天", "must be a whole number of days from 0 to 366")),
            },
        );
        let mut unit_kinds = Vec::new();
        for k in self.unit_kinds.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
            if let Some(k) = e.take("unit_kinds", UnitKind::parse(k))
                && !unit_kinds.contains(&k)
            {
                unit_kinds.push(k);
            }
        }
        if let (Some(kind), Some(basis)) = (kind, basis) {
            // Only water, electricity and gas have meters; a meter item needs one.
            if (basis == ChargeBasis::Metered) != kind.meter().is_some() {
                e.push("basis", Reason::Invalid("水、电、燃气按表计量，其他费用不能按表计量", "water, electricity and gas are metered; other items cannot be"));
            }
        }
        if let (Some(basis), Some(t)) = (basis, tiers.as_ref())
            && basis != ChargeBasis::Metered
            && t.len() > 1
        {
            e.push("tiers", Reason::Invalid("只有按表计量的费用可以设阶梯价", "only metered items may have tiered prices"));
        }
        match (project_id, name, kind, basis, area_basis, cycle, payer, tiers, due_days) {
            (Some(project_id), Some(name), Some(kind), Some(basis), Some(area_basis), Some(cycle), Some(payer), Some(tiers), Some(due_days))
                if e.is_empty() =>
            {
                Ok(ParsedFeeItem { project_id, name, kind, basis, area_basis, cycle, payer, tiers, due_days, unit_kinds, active: self.active })
            }
            _ => Err(e),
        }
    }
}

fn item_payload(p: &ParsedFeeItem) -> serde_json::Value {
    json!({
        "rule": "FEE-1", "name": p.name, "kind": p.kind.code(), "basis": p.basis.code(), "area_basis": p.area_basis.code(),
        "cycle": p.cycle.code(), "payer": p.payer.code(), "tiers": p.tiers, "due_days": p.due_days, "active": p.active,
    })
}

fn kinds_text(k: &[UnitKind]) -> String {
    k.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
}

/// FEE-1: a new fee item in one of the actor's projects.
pub async fn create_item(db: &Db, actor: &Actor, input: &FeeItemInput) -> AppResult<i64> {
    require(actor, Permission::ManageFees)?;
    let p = input.parse()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if propdesk_store::models::org::project(&mut tx, actor, p.project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    if store::name_taken(&mut tx, p.project_id, &p.name, None).await? {
        return Err(FieldErrors::single("name", Reason::Duplicate).into());
    }
    let kinds = kinds_text(&p.unit_kinds);
    let n = NewFeeItem {
        name: &p.name,
        kind: p.kind,
        basis: p.basis,
        area_basis: p.area_basis,
        cycle: p.cycle,
        payer: p.payer,
        tiers: &p.tiers,
        due_days: p.due_days,
        unit_kinds: &kinds,
        active: p.active,
    };
    let id = store::insert_item(&mut tx, p.project_id, &n, now).await?;
    log(&mut tx, actor, p.project_id, "fee_item", id, "created", item_payload(&p)).await?;
    tx.commit().await?;
    Ok(id)
}

/// FEE-1: changes an item (lines already billed keep their amounts; the next period uses the new price).
pub async fn update_item(db: &Db, actor: &Actor, id: i64, version: i64, input: &FeeItemInput) -> AppResult<()> {
    require(actor, Permission::ManageFees)?;
    let p = input.parse()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(old) = store::item(&mut tx, actor, id).await? else { return Err(AppError::NotFound) };
    if old.project_id != p.project_id {
        return Err(FieldErrors::single("project_id", Reason::Invalid("收费项目不能移到其他项目", "an item cannot move to another project")).into());
    }
    if store::name_taken(&mut tx, p.project_id, &p.name, Some(id)).await? {
        return Err(FieldErrors::single("name", Reason::Duplicate).into());
    }
    let kinds = kinds_text(&p.unit_kinds);
    let n = NewFeeItem {
        name: &p.name,
        kind: p.kind,
        basis: p.basis,
        area_basis: p.area_basis,
        cycle: p.cycle,
        payer: p.payer,
        tiers: &p.tiers,
        due_days: p.due_days,
        unit_kinds: &kinds,
        active: p.active,
    };
    if !store::update_item(&mut tx, p.project_id, id, version, &n, now).await? {
        return Err(AppError::Conflict("收费项目已被他人修改，请刷新后重试".into()));
    }
    log(&mut tx, actor, p.project_id, "fee_item", id, "updated", item_payload(&p)).await?;
    tx.commit().await?;
    Ok(())
}

/// The billing period asked for: a cycle and a month within it (`2026-11`).
pub fn parse_period(cycle: &str, month: &str) -> Result<BillingPeriod, FieldErrors> {
    let mut e = FieldErrors::new();
    let cycle = e.take("cycle", if cycle.trim().is_empty() { Ok(Cycle::Month) } else { Cycle::parse(cycle) });
    let month = e.take("month", Month::parse(month));
    match (cycle, month) {
        (Some(c), Some(m)) => Ok(BillingPeriod::containing(c, m)),
        _ => Err(e),
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RunResult {
    pub run_id: i64,
    pub period_start: chrono::NaiveDate,
    pub period_end: chrono::NaiveDate,
    pub units: i64,
    pub lines_added: i64,
    pub amount_added: i64,
}

/// Units billed per transaction: a run of 100,000 units must not hold SQLite's one writer for
/// seconds at a time, so it commits every chunk (each chunk is whole; a run cut short is finished
/// by running the period again, which adds only the missing lines).
pub const RUN_CHUNK: i64 = 2_000;

fn holders(rows: &[Holding], unit_id: i64) -> Vec<Holder> {
    rows.iter().filter(|h| h.unit_id == unit_id).map(|h| Holder { party_id: h.party_id, period: Period { start: h.start_date, end: h.end_date } }).collect()
}

/// FEE-1/FEE-2: bills a period for a project — one line per payer × item × unit from the active
/// items of the period's cycle, the unit's areas, and who owned or rented it on each day. Running
/// a period again adds only lines that are missing (new units, items or owners), never a second
/// line for the same payer × item × unit.
pub async fn run_billing(db: &Db, actor: &Actor, project_id: i64, period: BillingPeriod) -> AppResult<RunResult> {
    require(actor, Permission::ManageFees)?;
    let key = period.key();
    let (start, end) = (period.start(), period.end());
    let mut conn = db.read().await?;
    if propdesk_store::models::org::project(&mut conn, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let items: Vec<(FeeItem, store::FeeItemRow)> = store::items(&mut conn, actor, Some(project_id), true)
        .await?
        .into_iter()
        .filter(|i| i.cycle == period.cycle)
        .map(|r| (FeeItem { id: r.id, kind: r.kind, basis: r.basis, area_basis: r.area_basis, cycle: r.cycle, payer: r.payer, tiers: r.tier_list() }, r))
        .collect();
    drop(conn);
    if items.is_empty() {
        return Err(FieldErrors::single("cycle", Reason::Invalid("该周期没有启用的收费项目", "no active fee items are billed in this cycle")).into());
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let run_id = store::insert_run(&mut tx, &NewRun { project_id, cycle: period.cycle, period_key: &key, run_by: actor.staff_id }, now).await?;
    tx.commit().await?;

    let months = crate::ops::meter::period_months(period);
    let mut after = 0;
    let mut units = 0;
    loop {
        let mut tx = db.begin().await?;
        let chunk = store::billing_units(&mut tx, project_id, after, RUN_CHUNK).await?;
        let Some(last) = chunk.last().map(|u| u.id) else { break };
        let owners = store::owners(&mut tx, project_id, after, last, start, end).await?;
        let tenants = store::tenants(&mut tx, project_id, after, last, start, end).await?;
        let used = crate::ops::meter::consumption(&mut tx, project_id, after, last, &months).await?;
        let mut drafts = Vec::new();
        for u in &chunk {
            let facts = UnitFacts {
                unit_id: u.id,
                areas: Areas { building: u.building_area, usable: u.usable_area, land: u.land_area },
                owners: holders(&owners, u.id),
                tenants: holders(&tenants, u.id),
                // FEE-7: the period's checked readings (prepaid meters are paid ahead, FEE-8).
                consumption: used.iter().filter(|(unit, _, _)| *unit == u.id).map(|(_, kind, c)| (*kind, *c)).collect(),
            };
            let applicable: Vec<FeeItem> = items.iter().filter(|(_, r)| r.applies_to(&u.kind)).map(|(i, _)| i.clone()).collect();
            for d in billing::bill_unit(period, &facts, &applicable) {
                let due_days = items.iter().find(|(i, _)| i.id == d.item_id).map_or(0, |(_, r)| r.due_days);
                drafts.push((d, start.checked_add_days(Days::new(due_days.unsigned_abs())).unwrap_or(start)));
            }
        }
        let lines: Vec<NewLine> = drafts
            .iter()
            .map(|(d, due)| {
                let kind = items.iter().find(|(i, _)| i.id == d.item_id).map_or(FeeKind::PaidService, |(i, _)| i.kind);
                NewLine {
                    unit_id: d.unit_id,
                    payer_id: d.payer_id,
                    item_id: d.item_id,
                    kind,
                    days: d.days,
                    quantity: d.quantity,
                    description: &d.description,
                    amount: d.amount,
                    due_date: *due,
                }
            })
            .collect();
        store::insert_lines(&mut tx, &LinePeriod { project_id, run_id, cycle: period.cycle, key: &key, start, end }, &lines, now).await?;
        tx.commit().await?;
        units += chunk.len() as i64;
        after = last;
    }

    let mut tx = db.begin().await?;
    let (lines_added, amount_added) = store::finish_run(&mut tx, run_id, units).await?;
    log(
        &mut tx,
        actor,
        project_id,
        "billing_run",
        run_id,
        "billed",
        json!({"rule": "FEE-1", "period": key, "cycle": period.cycle.code(), "units": units, "lines_added": lines_added, "amount_added": amount_added}),
    )
    .await?;
    tx.commit().await?;
    Ok(RunResult { run_id, period_start: start, period_end: end, units, lines_added, amount_added })
}

/// FEE-2: finance reconciles a period's ledger: the count and total it agreed are kept, once.
pub async fn reconcile(db: &Db, actor: &Actor, project_id: i64, period: BillingPeriod, note: &str) -> AppResult<i64> {
    require(actor, Permission::ReconcileFees)?;
    let note = values::opt_text(note, 500).map_err(|r| FieldErrors::single("note", r))?.unwrap_or_default();
    let key = period.key();
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if propdesk_store::models::org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    if store::reconciliation(&mut tx, actor, project_id, &key).await?.is_some() {
        return Err(AppError::Conflict("该期台账已与财务核对".into()));
    }
    let f = store::LedgerFilter { project_id: Some(project_id), period_key: Some(key.clone()), ..Default::default() };
    let totals = store::ledger_totals(&mut tx, actor, &f).await?;
    if totals.lines == 0 {
        return Err(FieldErrors::single("month", Reason::Invalid("该期尚未生成台账", "this period has not been billed yet")).into());
    }
    let r = NewReconciliation { project_id, cycle: period.cycle, period_key: &key, lines: totals.lines, amount: totals.amount, note: &note };
    let id = store::insert_reconciliation(&mut tx, actor.staff_id, &r, now).await?;
    log(
        &mut tx,
        actor,
        project_id,
        "ledger",
        id,
        "reconciled",
        json!({"rule": "FEE-2", "period": key, "lines": totals.lines, "amount": totals.amount, "note": note}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// FEE-3: how a payment notice reached its payer, as typed on the notices page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub payer_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    /// `2026-11`, `2026-Q4` or `2026`.
    #[serde(default, deserialize_with = "de_text")]
    pub period: String,
    /// `hand` or `courier`.
    #[serde(default, deserialize_with = "de_text")]
    pub method: String,
    /// The courier's waybill number (the stub kept as evidence); required for a courier.
    #[serde(default, deserialize_with = "de_text")]
    pub courier_no: String,
    /// YYYY-MM-DD (default today).
    #[serde(default, deserialize_with = "de_text")]
    pub delivered_on: String,
}

/// FEE-3: records a notice's delivery (once per payer, unit and period), with its event.
pub async fn record_delivery(db: &Db, actor: &Actor, input: &DeliveryInput) -> AppResult<()> {
    use propdesk_domain::billing::ContactMethod;
    require(actor, Permission::CollectFees)?;
    let mut e = FieldErrors::new();
    let id = |s: &str| s.trim().parse::<i64>().map_err(|_| Reason::Required);
    let project_id = e.take("project_id", id(&input.project_id));
    let payer_id = e.take("payer_id", id(&input.payer_id));
    let unit_id = e.take("unit_id", id(&input.unit_id));
    let period = e.take("period", values::text(&input.period, 10));
    let method = e.take(
        "method",
        ContactMethod::parse(&input.method).and_then(|m| {
            if matches!(m, ContactMethod::Hand | ContactMethod::Courier) {
                Ok(m)
            } else {
                Err(Reason::Invalid("应为上门送达或快递", "must be by hand or by courier"))
            }
        }),
    );
    let courier_no = e.take("courier_no", values::opt_text(&input.courier_no, 40)).flatten().unwrap_or_default();
    if method == Some(ContactMethod::Courier) && courier_no.is_empty() && e.get("courier_no").is_none() {
        e.push("courier_no", Reason::Invalid("快递寄送须填写快递单号（存根留存）", "a courier delivery needs its waybill number (the stub is kept)"));
    }
    let today = crate::ops::org::today();
    let delivered_on = e.take(
        "delivered_on",
        if input.delivered_on.trim().is_empty() {
            Ok(today)
        } else {
            values::date(&input.delivered_on)
                .and_then(|d| if d > today { Err(Reason::Invalid("送达日期不能晚于今天", "must not be in the future")) } else { Ok(d) })
        },
    );
    let (Some(project_id), Some(payer_id), Some(unit_id), Some(period), Some(method), Some(delivered_on)) =
        (project_id, payer_id, unit_id, period, method, delivered_on)
    else {
        return Err(e.into());
    };
    e.into_result()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let f = store::LedgerFilter {
        project_id: Some(project_id),
        period_key: Some(period.clone()),
        payer_id: Some(payer_id),
        unit_id: Some(unit_id),
        ..Default::default()
    };
    if store::ledger_totals(&mut tx, actor, &f).await?.lines == 0 {
        return Err(FieldErrors::single("payer_id", Reason::Invalid("该缴费人本期没有账单", "has no bill for this period")).into());
    }
    let d = store::NewDelivery { project_id, payer_id, unit_id, period_key: &period, method: method.code(), courier_no: &courier_no, delivered_on };
    if !store::insert_delivery(&mut tx, actor.staff_id, &d, now).await? {
        return Err(AppError::Conflict("该通知单的送达已登记".into()));
    }
    log(
        &mut tx,
        actor,
        project_id,
        "party",
        payer_id,
        "notice_delivered",
        json!({"rule": "FEE-3", "unit_id": unit_id, "period": period, "method": method.code(), "courier_no": courier_no, "delivered_on": delivered_on}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
