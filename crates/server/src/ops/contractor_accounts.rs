//! REP-11: a contractor's accounts, one transaction per paper with its event — the period
//! evaluation (SM03-19, which may suspend the contractor's approval), the agreed amount of a
//! work order, deductions (SM03-22/24) against the party REP-3 names, temporary labour slips
//! (SM03-23), the settlement statement (SM03-13, charging the deductions it subtracts) and
//! its payment request (SM03-25). Each project settles its own contractors.

use crate::error::{AppError, AppResult};
use crate::ops::callback::days_range;
use crate::ops::org::parse_yuan;
use crate::ops::require;
use crate::ops::{de_text, log};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::contractor::{
    self as rules, DeductionAction, DeductionStatus, Grade, LabourSlipStatus, LabourUnit, Party, PaymentAction, PaymentStatus, Record, SettleError, SlipAction,
    Span, StepError,
};
use propdesk_domain::values;
use propdesk_domain::work_order::Responsibility;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::complaint::next_number;
use propdesk_store::models::contractor as contractors;
use propdesk_store::models::contractor_accounts::{self as store, NewDeduction, NewEvaluation, NewLabourSlip, NewPayment, NewSettlement};
use propdesk_store::models::work_order::{self as work_orders, WorkOrderRow};
use propdesk_store::models::{calendar, org};
use propdesk_store::{AsEx, Db};
use serde::Deserialize;
use serde_json::json;

fn by(actor: &Actor) -> Option<i64> {
    Some(actor.staff_id).filter(|s| *s > 0)
}

/// Money typed in yuan, as fen within `MAX_AMOUNT_FEN` (zero only where `allow_zero`).
pub fn amount(text: &str, allow_zero: bool) -> Result<i64, Reason> {
    let fen = parse_yuan(text)?;
    rules::check_amount(fen, allow_zero).map_err(|(zh, en)| Reason::Invalid(zh, en))
}

/// A period typed as two dates.
fn span(e: &mut FieldErrors, from: &str, to: &str) -> Option<Span> {
    let from = e.take("period_from", values::date(from));
    let to = e.take("period_to", values::date(to));
    let (from, to) = (from?, to?);
    e.take("period_to", Span::new(from, to).map_err(|(zh, en)| Reason::Invalid(zh, en)))
}

fn id_field(e: &mut FieldErrors, field: &str, text: &str) -> Option<i64> {
    e.take(field, text.trim().parse::<i64>().map_err(|_| if text.trim().is_empty() { Reason::Required } else { Reason::NotFound }))
}

/// The project's local days as a half-open UTC range.
async fn range(c: &mut impl AsEx, project_id: i64, s: Span) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let tz: Tz = calendar::settings_of(c, project_id).await?.map(|s| s.tz()).unwrap_or(crate::ops::TZ);
    Ok(days_range(s.from, s.to, tz))
}

fn step_error(e: StepError, status_zh: &str) -> AppError {
    match e {
        StepError::NotAllowed => AppError::Conflict(format!("当前状态“{status_zh}”不允许此操作")),
        StepError::NotYourRole => AppError::Forbidden,
        StepError::Missing(f) => AppError::Invalid(FieldErrors::single(f, Reason::Required)),
    }
}

const STALE: &str = "记录已被他人处理，请刷新后重试";

// ---------- SM03-19 evaluation ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EvaluationInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub period_from: String,
    #[serde(default, deserialize_with = "de_text")]
    pub period_to: String,
    #[serde(default, deserialize_with = "de_text")]
    pub grade: String,
    #[serde(default, deserialize_with = "de_text")]
    pub opinion: String,
    /// Whether the contractor stays (or is again) on the approved list; false suspends it.
    #[serde(default)]
    pub approved: bool,
}

/// The contractor's record in a project over a period, as an evaluation would copy it.
pub async fn record(c: &mut impl AsEx, actor: &Actor, contractor_id: i64, project_id: i64, s: Span) -> AppResult<Record> {
    contractors::get(c, actor.company_id, contractor_id).await?.ok_or(AppError::NotFound)?;
    org::project(c, actor, project_id).await?.ok_or(AppError::NotFound)?;
    let (from, to) = range(c, project_id, s).await?;
    Ok(store::record(c, project_id, contractor_id, from, to).await?)
}

/// Parses a period for a preview of the record (the evaluation form, the API's GET).
pub fn parse_span(from: &str, to: &str) -> Result<Span, FieldErrors> {
    let mut e = FieldErrors::new();
    match span(&mut e, from, to) {
        Some(s) if e.is_empty() => Ok(s),
        _ => Err(e),
    }
}

/// Records an evaluation: the numbers from the work orders, the grade and opinion, and the
/// approval decision written to the register in the same transaction (an unapproved contractor
/// can no longer be chosen, REP-4).
pub async fn evaluate(db: &Db, actor: &Actor, contractor_id: i64, input: &EvaluationInput) -> AppResult<i64> {
    require(actor, Permission::ManageContractors)?;
    let mut e = FieldErrors::new();
    let project_id = id_field(&mut e, "project_id", &input.project_id);
    let s = span(&mut e, &input.period_from, &input.period_to);
    let grade = e.take("grade", if input.grade.trim().is_empty() { Err(Reason::Required) } else { Grade::parse(&input.grade) });
    let opinion = e.take("opinion", values::text(&input.opinion, 2000));
    let (Some(project_id), Some(s), Some(grade), Some(opinion)) = (project_id, s, grade, opinion) else { return Err(e.into()) };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    if !store::lock_contractor(&mut tx, actor.company_id, contractor_id, lock).await? {
        return Err(AppError::NotFound);
    }
    let contractor = contractors::get(&mut tx, actor.company_id, contractor_id).await?.ok_or(AppError::NotFound)?;
    if org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let (from, to) = range(&mut tx, project_id, s).await?;
    let rec = store::record(&mut tx, project_id, contractor_id, from, to).await?;
    let n = NewEvaluation {
        contractor_id,
        project_id,
        from: s.from,
        to: s.to,
        record: rec,
        grade,
        opinion: &opinion,
        keep_approved: input.approved,
        by: by(actor),
    };
    let id = store::insert_evaluation(&mut tx, &n, now).await?;
    if contractor.approved != input.approved {
        store::set_approved(&mut tx, actor.company_id, contractor_id, input.approved, now).await?;
    }
    let payload = json!({"evaluation_id": id, "period_from": s.from, "period_to": s.to, "record": rec, "grade": grade.code(), "opinion": opinion,
        "approved_before": contractor.approved, "approved": input.approved});
    log(&mut tx, actor, project_id, "contractor", contractor_id, "evaluated", payload).await?;
    tx.commit().await?;
    Ok(id)
}

// ---------- agreed amount ----------

/// The amount agreed with the contractor for a work order (empty clears it). Refused once the
/// order is in a settlement, so a statement never changes under its paper.
pub async fn set_agreed_amount(db: &Db, actor: &Actor, work_order_id: i64, text: &str) -> AppResult<Option<i64>> {
    require(actor, Permission::ManageContractors)?;
    let fen = values::optional(text, |t| amount(t, true)).map_err(|r| FieldErrors::single("agreed_amount", r))?;
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let w = work_orders::get(&mut tx, actor, work_order_id, lock).await?.ok_or(AppError::NotFound)?;
    if w.contractor_id.is_none() {
        return Err(FieldErrors::single(
            "agreed_amount",
            Reason::Invalid("该工单没有委派维修商，无需议定金额", "the order has no contractor to agree an amount with"),
        )
        .into());
    }
    if !w.status.takes_charges() {
        return Err(AppError::Conflict(format!("工单状态“{}”不能议定金额", w.status.zh())));
    }
    if let Some(sid) = store::settled_in(&mut tx, work_order_id).await? {
        return Err(AppError::Conflict(format!("工单已计入结算表（#{sid}），不能再修改金额")));
    }
    let before = store::agreed_amount(&mut tx, work_order_id).await?;
    store::set_agreed_amount(&mut tx, work_order_id, fen).await?;
    log(&mut tx, actor, w.project_id, "work_order", work_order_id, "agreed_amount", json!({"rule": "REP-11", "from": before, "to": fen})).await?;
    tx.commit().await?;
    Ok(fen)
}

// ---------- SM03-22/24 deductions ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeductionInput {
    /// Yuan, up to two decimals.
    #[serde(default, deserialize_with = "de_text")]
    pub amount: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reason: String,
    /// For a contractor's responsibility: the contractor charged (default: the one sent in).
    #[serde(default, deserialize_with = "de_text")]
    pub contractor_id: String,
}

/// Drafts a deduction notice on a work order, charged to the party its REP-3 responsibility
/// names: the original contractor (in warranty) or the developer. Numbered `{code}/KK{seq}`.
pub async fn create_deduction(db: &Db, actor: &Actor, work_order_id: i64, input: &DeductionInput) -> AppResult<i64> {
    require(actor, Permission::ManageContractors)?;
    let mut e = FieldErrors::new();
    let fen = e.take("amount", amount(&input.amount, false));
    let reason = e.take("reason", values::text(&input.reason, 1000));
    let chosen = e.take("contractor_id", values::optional(&input.contractor_id, |t| t.trim().parse::<i64>().map_err(|_| Reason::NotFound))).flatten();
    let (Some(fen), Some(reason)) = (fen, reason) else { return Err(e.into()) };
    e.into_result()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let w = work_orders::get(&mut tx, actor, work_order_id, lock).await?.ok_or(AppError::NotFound)?;
    if !w.status.takes_charges() {
        return Err(AppError::Conflict(format!("工单状态“{}”不能开扣款单", w.status.zh())));
    }
    let party = party_of(&w)?;
    let contractor_id = match party {
        Party::Developer => None,
        Party::Contractor => {
            let id = chosen.or(w.contractor_id).ok_or_else(|| {
                FieldErrors::single(
                    "contractor_id",
                    Reason::Invalid("请选择被扣款的维修商（原施工单位）", "choose the contractor charged (the original contractor)"),
                )
            })?;
            if contractors::get(&mut tx, actor.company_id, id).await?.is_none() {
                return Err(FieldErrors::single("contractor_id", Reason::NotFound).into());
            }
            Some(id)
        }
    };
    let project = org::project(&mut tx, actor, w.project_id).await?.ok_or(AppError::NotFound)?;
    let seq = next_number(&mut tx, project.id, "deduction").await?;
    let number = format!("{}/KK{seq:03}", project.code);
    let n = NewDeduction { project_id: project.id, number: &number, work_order_id, party, contractor_id, amount: fen, reason: &reason, by: by(actor) };
    let id = store::insert_deduction(&mut tx, &n, now).await?;
    let payload = json!({"rule": "REP-11", "number": number, "work_order_id": work_order_id, "party": party.code(), "contractor_id": contractor_id, "amount": fen, "reason": reason});
    log(&mut tx, actor, project.id, "deduction", id, "created", payload).await?;
    tx.commit().await?;
    Ok(id)
}

/// REP-3 → who pays: an undecided cause and an owner's fault are refused with the reason.
fn party_of(w: &WorkOrderRow) -> AppResult<Party> {
    let r = w.responsibility.as_deref().and_then(|r| Responsibility::parse(r).ok()).ok_or_else(|| {
        FieldErrors::single(
            "work_order_id",
            Reason::Invalid("该工单尚未判定原因和责任（REP-3），不能开扣款单", "the order's cause and responsibility are not decided yet (REP-3)"),
        )
    })?;
    rules::deduction_party(r).ok_or_else(|| {
        FieldErrors::single(
            "work_order_id",
            Reason::Invalid("业主责任的维修为有偿维修，由业主付费，不开扣款单", "an owner's fault is a paid repair, not a deduction"),
        )
        .into()
    })
}

/// Approves or cancels a deduction at `version` (charging is the settlement's).
pub async fn deduction_act(db: &Db, actor: &Actor, id: i64, version: i64, action: &DeductionAction) -> AppResult<()> {
    require(actor, Permission::ManageContractors)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let row = store::deduction(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if row.version != version {
        return Err(AppError::Conflict(STALE.into()));
    }
    let next = row.status.apply(action, Some(actor.role)).map_err(|e| step_error(e, row.status.zh()))?;
    let (approved, reason) = match action {
        DeductionAction::Approve => (by(actor).map(|s| (s, now)), None),
        DeductionAction::Cancel { reason } => (None, Some(reason.trim())),
        DeductionAction::Charge => (None, None),
    };
    if !store::update_deduction(&mut tx, id, version, next, approved, reason).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    log(&mut tx, actor, row.project_id, "deduction", id, action.code(), json!({"from": row.status.code(), "to": next.code(), "reason": reason})).await?;
    tx.commit().await?;
    Ok(())
}

// ---------- SM03-23 labour slips ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LabourSlipInput {
    #[serde(default, deserialize_with = "de_text")]
    pub worker_names: String,
    #[serde(default, deserialize_with = "de_text")]
    pub workers: String,
    /// `day` or `hour`.
    #[serde(default, deserialize_with = "de_text")]
    pub unit: String,
    /// Days or hours per worker, up to two decimals.
    #[serde(default, deserialize_with = "de_text")]
    pub quantity: String,
    /// Yuan per day or hour.
    #[serde(default, deserialize_with = "de_text")]
    pub rate: String,
    #[serde(default, deserialize_with = "de_text")]
    pub work: String,
}

/// Writes a temporary labour slip for a repair done by temporary labour (no contractor sent),
/// numbered per project like the commission it stands for (001 12.2.1.1.2): `{code}/LSYG{seq}`.
pub async fn create_slip(db: &Db, actor: &Actor, work_order_id: i64, input: &LabourSlipInput) -> AppResult<i64> {
    require(actor, Permission::ManageContractors)?;
    let mut e = FieldErrors::new();
    let names = e.take("worker_names", values::text(&input.worker_names, 500));
    let workers = e.take(
        "workers",
        input
            .workers
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or(Reason::Invalid("人数应为 1 到 200 的整数", "must be a whole number from 1 to 200")),
    );
    let unit = e.take("unit", if input.unit.trim().is_empty() { Ok(LabourUnit::Day) } else { LabourUnit::parse(&input.unit) });
    // A worker's days (or hours) on one slip: more than 0, at most a year's worth of days.
    let quantity = e.take(
        "quantity",
        parse_yuan(&input.quantity)
            .ok()
            .filter(|q| (1..=36_600).contains(q))
            .ok_or(Reason::Invalid("工日/工时应大于 0 且不超过 366，最多两位小数", "must be more than 0 and at most 366, with at most two decimals")),
    );
    let rate = e.take("rate", amount(&input.rate, false));
    let work = e.take("work", values::text(&input.work, 1000));
    let (Some(names), Some(workers), Some(unit), Some(quantity), Some(rate), Some(work)) = (names, workers, unit, quantity, rate, work) else {
        return Err(e.into());
    };
    let total = rules::labour_amount(workers, quantity, rate)
        .ok_or_else(|| FieldErrors::single("rate", Reason::Invalid("合计金额超过 1000 万元，请核对", "the total exceeds 10 million yuan; check it")))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let w = work_orders::get(&mut tx, actor, work_order_id, lock).await?.ok_or(AppError::NotFound)?;
    if w.contractor_id.is_some() {
        return Err(FieldErrors::single(
            "work_order_id",
            Reason::Invalid("该工单已委派维修商，临时用工单只用于临时用工维修", "the order has a contractor; labour slips are for temporary labour"),
        )
        .into());
    }
    if !w.status.takes_labour_slip() {
        return Err(AppError::Conflict(format!("工单状态“{}”尚未开始维修，不能开临时用工单", w.status.zh())));
    }
    let project = org::project(&mut tx, actor, w.project_id).await?.ok_or(AppError::NotFound)?;
    let seq = next_number(&mut tx, project.id, "labour_slip").await?;
    let number = format!("{}/LSYG{seq:03}", project.code);
    let n = NewLabourSlip {
        project_id: project.id,
        number: &number,
        work_order_id,
        worker_names: &names,
        workers,
        unit,
        quantity,
        rate,
        amount: total,
        work: &work,
        by: by(actor),
    };
    let id = store::insert_slip(&mut tx, &n, now).await?;
    let payload = json!({"rule": "REP-11", "number": number, "work_order_id": work_order_id, "workers": workers, "unit": unit.code(), "quantity": quantity,
        "rate": rate, "amount": total});
    log(&mut tx, actor, project.id, "labour_slip", id, "created", payload).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn slip_act(db: &Db, actor: &Actor, id: i64, version: i64, action: &SlipAction) -> AppResult<()> {
    require(actor, Permission::ManageContractors)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let row = store::slip(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if row.version != version {
        return Err(AppError::Conflict(STALE.into()));
    }
    let next: LabourSlipStatus = row.status.apply(action, actor.role).map_err(|e| step_error(e, row.status.zh()))?;
    let (approved, reason) = match action {
        SlipAction::Approve => (by(actor).map(|s| (s, now)), None),
        SlipAction::Cancel { reason } => (None, Some(reason.trim())),
    };
    if !store::update_slip(&mut tx, id, version, next, approved, reason).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    log(&mut tx, actor, row.project_id, "labour_slip", id, action.code(), json!({"from": row.status.code(), "to": next.code(), "reason": reason})).await?;
    tx.commit().await?;
    Ok(())
}

// ---------- SM03-13 settlement ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettlementInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub period_from: String,
    #[serde(default, deserialize_with = "de_text")]
    pub period_to: String,
}

/// Generates the settlement statement of a contractor in a project for a period: its orders
/// closed in the period and not settled before, at their agreed amounts, less every approved
/// deduction against it there, which become charged — one transaction.
///
/// Twice for the same contractor, project and period is a 409 naming the statement already
/// made; overlapping periods never count an order or a deduction twice (an order is in at most
/// one statement, a charged deduction is no longer approved). Deductions above the work are
/// refused (422), not carried as a negative payable.
pub async fn settle(db: &Db, actor: &Actor, contractor_id: i64, input: &SettlementInput) -> AppResult<i64> {
    require(actor, Permission::SettleContractors)?;
    let mut e = FieldErrors::new();
    let project_id = id_field(&mut e, "project_id", &input.project_id);
    let s = span(&mut e, &input.period_from, &input.period_to);
    let (Some(project_id), Some(s)) = (project_id, s) else { return Err(e.into()) };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    // One settlement of a contractor at a time: the second waits here and then sees the first.
    if !store::lock_contractor(&mut tx, actor.company_id, contractor_id, lock).await? {
        return Err(AppError::NotFound);
    }
    let Some(project) = org::project(&mut tx, actor, project_id).await? else {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    };
    if let Some((_, number)) = store::settlement_for(&mut tx, project_id, contractor_id, s.from, s.to).await? {
        return Err(AppError::Conflict(format!("该维修商本期结算表已生成（{number}），不能重复生成")));
    }
    let (from, to) = range(&mut tx, project_id, s).await?;
    let closed = propdesk_domain::work_order::WorkOrderStatus::ALL.iter().copied().filter(|w| w.is_settleable()).collect::<Vec<_>>();
    let mut orders = Vec::new();
    for status in closed {
        orders.extend(store::settleable(&mut tx, project_id, contractor_id, status.code(), from, to).await?);
    }
    let mut missing = FieldErrors::new();
    for o in orders.iter().filter(|o| o.agreed_amount.is_none()) {
        missing.push(&format!("agreed_amount[{}]", o.number), Reason::Invalid("工单未填写议定金额", "the work order has no agreed amount"));
    }
    missing.into_result()?;
    let lines: Vec<(i64, i64)> = orders.iter().map(|o| (o.id, o.agreed_amount.unwrap_or_default())).collect();
    let deductions = store::chargeable(&mut tx, project_id, contractor_id, lock).await?;
    let amounts: Vec<i64> = lines.iter().map(|l| l.1).collect();
    let ded: Vec<i64> = deductions.iter().map(|d| d.1).collect();
    let totals = rules::settle(&amounts, &ded).map_err(|e| match e {
        SettleError::Empty => {
            FieldErrors::single("period_to", Reason::Invalid("本期没有可结算的已关闭工单或已审批扣款", "nothing closed or deducted in the period to settle"))
        }
        SettleError::DeductionsExceedWork { .. } => FieldErrors::single(
            "deductions",
            Reason::Invalid(
                "已审批扣款超过本期工程款，不能生成结算表；超出部分须另行追收或待下期抵扣",
                "approved deductions exceed the period's work; recover the excess separately or settle a later period",
            ),
        ),
        SettleError::Overflow => FieldErrors::single("period_to", Reason::Invalid("金额合计超出范围", "the totals are out of range")),
    })?;
    let seq = next_number(&mut tx, project.id, "settlement").await?;
    let number = format!("{}/JS{seq:03}", project.code);
    let n = NewSettlement {
        project_id,
        number: &number,
        contractor_id,
        from: s.from,
        to: s.to,
        gross: totals.gross,
        deductions: totals.deductions,
        payable: totals.payable,
        by: by(actor),
    };
    let id = store::insert_settlement(&mut tx, &n, &lines, now).await?;
    let ids: Vec<i64> = deductions.iter().map(|d| d.0).collect();
    // The table decides that an approved deduction may be charged by a settlement.
    DeductionStatus::Approved.apply(&DeductionAction::Charge, None).map_err(|e| step_error(e, DeductionStatus::Approved.zh()))?;
    if store::charge(&mut tx, &ids, id).await? != ids.len() as u64 {
        return Err(AppError::Conflict(STALE.into()));
    }
    for d in &ids {
        log(&mut tx, actor, project_id, "deduction", *d, "charge", json!({"from": "approved", "to": "charged", "settlement_id": id})).await?;
    }
    let payload = json!({"rule": "REP-11", "number": number, "contractor_id": contractor_id, "period_from": s.from, "period_to": s.to,
        "work_orders": lines.iter().map(|l| l.0).collect::<Vec<_>>(), "deductions": ids, "gross": totals.gross, "deducted": totals.deductions, "payable": totals.payable});
    log(&mut tx, actor, project_id, "settlement", id, "created", payload).await?;
    tx.commit().await?;
    Ok(id)
}

// ---------- SM03-25 payment request ----------

/// Submits the payment request of a settlement for its payable (one live request each).
pub async fn request_payment(db: &Db, actor: &Actor, settlement_id: i64, note: &str) -> AppResult<i64> {
    require(actor, Permission::SettleContractors)?;
    let note = values::opt_text(note, 1000).map_err(|r| FieldErrors::single("note", r))?.unwrap_or_default();
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let t = store::settlement(&mut tx, actor, settlement_id).await?.ok_or(AppError::NotFound)?;
    // Two requests for one settlement queue on the contractor's row like settlements do.
    if !store::lock_contractor(&mut tx, actor.company_id, t.contractor_id, lock).await? {
        return Err(AppError::NotFound);
    }
    if let Some(live) = store::payments_of(&mut tx, settlement_id).await?.into_iter().find(|p| p.status.is_live()) {
        return Err(AppError::Conflict(format!("该结算表已有请款申请（{}）", live.number)));
    }
    let project = org::project(&mut tx, actor, t.project_id).await?.ok_or(AppError::NotFound)?;
    let seq = next_number(&mut tx, project.id, "payment_request").await?;
    let number = format!("{}/QK{seq:03}", project.code);
    let n = NewPayment { project_id: project.id, number: &number, settlement_id, amount: t.payable, note: &note, by: by(actor) };
    let id = store::insert_payment(&mut tx, &n, now).await?;
    log(&mut tx, actor, project.id, "payment_request", id, "submitted", json!({"number": number, "settlement_id": settlement_id, "amount": t.payable})).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn payment_act(db: &Db, actor: &Actor, id: i64, version: i64, action: &PaymentAction) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let row = store::payment(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if row.version != version {
        return Err(AppError::Conflict(STALE.into()));
    }
    let next: PaymentStatus = row.status.apply(action, actor.role).map_err(|e| step_error(e, row.status.zh()))?;
    let reason = match action {
        PaymentAction::Reject { reason } => Some(reason.trim()),
        _ => None,
    };
    if !store::update_payment(&mut tx, id, version, next, by(actor), now, reason).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    log(&mut tx, actor, row.project_id, "payment_request", id, action.code(), json!({"from": row.status.code(), "to": next.code(), "reason": reason})).await?;
    tx.commit().await?;
    Ok(())
}

/// Parses an action on one of these papers: its code and, for cancel/reject, the reason.
pub fn deduction_action(code: &str, reason: &str) -> Result<DeductionAction, FieldErrors> {
    match code.trim() {
        "approve" => Ok(DeductionAction::Approve),
        "cancel" => Ok(DeductionAction::Cancel { reason: reason.to_string() }),
        _ => Err(FieldErrors::single("action", Reason::Invalid("不是可选的操作", "is not a known action"))),
    }
}

pub fn slip_action(code: &str, reason: &str) -> Result<SlipAction, FieldErrors> {
    match code.trim() {
        "approve" => Ok(SlipAction::Approve),
        "cancel" => Ok(SlipAction::Cancel { reason: reason.to_string() }),
        _ => Err(FieldErrors::single("action", Reason::Invalid("不是可选的操作", "is not a known action"))),
    }
}

pub fn payment_action(code: &str, reason: &str) -> Result<PaymentAction, FieldErrors> {
    match code.trim() {
        "approve" => Ok(PaymentAction::Approve),
        "reject" => Ok(PaymentAction::Reject { reason: reason.to_string() }),
        "pay" => Ok(PaymentAction::Pay),
        _ => Err(FieldErrors::single("action", Reason::Invalid("不是可选的操作", "is not a known action"))),
    }
}

/// The days of a period as the pages print them.
pub fn period_text(from: NaiveDate, to: NaiveDate) -> String {
    format!("{from} ～ {to}")
}
