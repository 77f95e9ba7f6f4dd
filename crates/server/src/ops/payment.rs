//! FEE-4: a payment is recorded with its receipt number and settles the payer's unpaid bill
//! lines (oldest due first, `billing::allocate`); a surplus is kept as a prepayment only when the
//! user confirms. The receipt is exchanged for an invoice at finance, and each month's payments
//! are signed off with finance together with the unpaid total handed to the manager.

use crate::error::{AppError, AppResult};
use crate::ops::org::today;
use crate::ops::require;
use crate::ops::{de_text, log};
use chrono::{Days, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{self, PaymentError, PaymentMethod};
use propdesk_domain::values::{self, Month, parse_yuan};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Db;
use propdesk_store::models::complaint::next_number;
use propdesk_store::models::fee::{LedgerFilter, LineState, ledger_totals};
use propdesk_store::models::org;
use propdesk_store::models::payment::{self as store, NewMonth, NewPayment};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PaymentInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub payer_id: String,
    /// Optional: settle only this unit's lines.
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    /// Yuan, two decimals at most.
    #[serde(default, deserialize_with = "de_text")]
    pub amount: String,
    #[serde(default, deserialize_with = "de_text")]
    pub method: String,
    /// The transfer, POS slip or online payment reference (required for those methods).
    #[serde(default, deserialize_with = "de_text")]
    pub reference: String,
    /// YYYY-MM-DD (default today).
    #[serde(default, deserialize_with = "de_text")]
    pub paid_on: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
    /// The user confirmed that what exceeds the bills is kept as a prepayment.
    #[serde(default)]
    pub prepay: bool,
}

struct Parsed {
    project_id: i64,
    payer_id: i64,
    unit_id: Option<i64>,
    amount: i64,
    method: PaymentMethod,
    reference: String,
    paid_on: chrono::NaiveDate,
    note: String,
}

fn id_of(s: &str) -> Result<i64, Reason> {
    s.trim().parse::<i64>().map_err(|_| Reason::Required)
}

impl PaymentInput {
    fn parse(&self) -> Result<Parsed, FieldErrors> {
        let mut e = FieldErrors::new();
        let project_id = e.take("project_id", id_of(&self.project_id));
        let payer_id = e.take("payer_id", id_of(&self.payer_id));
        let unit_id = e.take("unit_id", values::optional(&self.unit_id, id_of));
        let amount =
            e.take("amount", parse_yuan(&self.amount).and_then(|a| if a > 0 { Ok(a) } else { Err(Reason::Invalid("金额必须大于 0", "must be more than 0")) }));
        let method = e.take("method", PaymentMethod::parse(&self.method));
        let reference = e.take("reference", values::opt_text(&self.reference, 60)).flatten().unwrap_or_default();
        if method.is_some_and(|m| m != PaymentMethod::Cash) && reference.is_empty() && e.get("reference").is_none() {
            e.push("reference", Reason::Invalid("转账、刷卡和线上支付须填写交易流水号", "a transfer, POS or online payment needs its reference"));
        }
        let paid_on = e.take(
            "paid_on",
            if self.paid_on.trim().is_empty() {
                Ok(today())
            } else {
                values::date(&self.paid_on)
                    .and_then(|d| if d > today() { Err(Reason::Invalid("缴费日期不能晚于今天", "must not be in the future")) } else { Ok(d) })
            },
        );
        let note = e.take("note", values::opt_text(&self.note, 200)).flatten().unwrap_or_default();
        match (project_id, payer_id, unit_id, amount, method, paid_on) {
            (Some(project_id), Some(payer_id), Some(unit_id), Some(amount), Some(method), Some(paid_on)) if e.is_empty() => {
                Ok(Parsed { project_id, payer_id, unit_id, amount, method, reference, paid_on, note })
            }
            _ => Err(e),
        }
    }
}

/// FEE-4 / REP-12: the next receipt number of a project, `{code}/SJ00001` — one receipt book for
/// fee payments and paid repairs alike.
pub async fn receipt_number(tx: &mut propdesk_store::Tx, project_id: i64, code: &str) -> AppResult<String> {
    let seq = next_number(tx, project_id, "receipt").await?;
    Ok(format!("{code}/SJ{seq:05}"))
}

/// FEE-4: records a payment, settles the payer's lines and numbers its receipt, in one transaction.
pub async fn record(db: &Db, actor: &Actor, input: &PaymentInput) -> AppResult<i64> {
    require(actor, Permission::CollectFees)?;
    let p = input.parse()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(project) = org::project(&mut tx, actor, p.project_id).await? else {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    };
    if org::party(&mut tx, actor, p.payer_id).await?.is_none_or(|party| party.project_id != p.project_id) {
        return Err(FieldErrors::single("payer_id", Reason::NotFound).into());
    }
    if let Some(u) = p.unit_id
        && org::unit(&mut tx, actor, u, today()).await?.is_none_or(|unit| unit.project_id != p.project_id)
    {
        return Err(FieldErrors::single("unit_id", Reason::NotFound).into());
    }
    let lock = tx.for_update();
    let owed = store::owed(&mut tx, p.project_id, p.payer_id, p.unit_id, lock).await?;
    let (allocations, prepaid) = match billing::allocate(p.amount, &owed, input.prepay) {
        Ok(a) => a,
        Err(PaymentError::Surplus(_)) if owed.is_empty() => {
            return Err(FieldErrors::single(
                "amount",
                Reason::Invalid(
                    "该缴费人没有未缴账单；如作为预存款，请勾选“多余部分作为预存款”",
                    "nothing is owed; tick 'keep the surplus as a prepayment' to record a prepayment",
                ),
            )
            .into());
        }
        Err(PaymentError::Surplus(_)) => {
            return Err(FieldErrors::single(
                "amount",
                Reason::Invalid(
                    "金额超过应缴合计；如多余部分作为预存款，请勾选确认",
                    "is more than is owed; tick 'keep the surplus as a prepayment' to confirm",
                ),
            )
            .into());
        }
        Err(PaymentError::NotPositive) => return Err(FieldErrors::single("amount", Reason::Invalid("金额必须大于 0", "must be more than 0")).into()),
        Err(PaymentError::TooLarge) => {
            return Err(FieldErrors::single("amount", Reason::Invalid("金额过大（超过一亿元）", "is too large (over 100 million yuan)")).into());
        }
    };
    let receipt_no = receipt_number(&mut tx, project.id, &project.code).await?;
    let allocated = p.amount - prepaid;
    let n = NewPayment {
        project_id: p.project_id,
        payer_id: p.payer_id,
        unit_id: p.unit_id,
        receipt_no: &receipt_no,
        amount: p.amount,
        allocated,
        prepaid,
        method: p.method,
        reference: &p.reference,
        paid_on: p.paid_on,
        received_by: actor.staff_id,
        note: &p.note,
    };
    let id = store::insert(&mut tx, &n, now).await?;
    for (line_id, amount) in &allocations {
        if !store::add_paid(&mut tx, *line_id, *amount).await? {
            return Err(AppError::Conflict("账单已被他人修改，请刷新后重试".into()));
        }
        store::insert_allocation(&mut tx, id, *line_id, *amount).await?;
    }
    // FEE-6: paying in full closes the arrears case.
    crate::ops::arrears::close_if_paid(&mut tx, actor, p.project_id, p.payer_id, now).await?;
    log(
        &mut tx,
        actor,
        p.project_id,
        "payment",
        id,
        "received",
        json!({"rule": "FEE-4", "receipt_no": receipt_no, "payer_id": p.payer_id, "amount": p.amount, "allocated": allocated, "prepaid": prepaid, "method": p.method.code(), "lines": allocations.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// FEE-4: the receipt was handed to finance to be exchanged for an invoice.
pub async fn request_invoice(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    require(actor, Permission::CollectFees)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(pay) = store::get(&mut tx, actor, id).await? else { return Err(AppError::NotFound) };
    if !store::mark_invoice_requested(&mut tx, id, now).await? {
        return Err(AppError::Conflict("该收据已换开发票".into()));
    }
    log(&mut tx, actor, pay.project_id, "payment", id, "invoice_requested", json!({"rule": "FEE-4", "receipt_no": pay.receipt_no})).await?;
    tx.commit().await?;
    Ok(())
}

/// What a month's sign-off agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MonthTotals {
    pub payments: i64,
    pub amount: i64,
    pub unpaid_lines: i64,
    pub unpaid_amount: i64,
    /// FEE-8: prepaid electricity receipted in the month (the same receipt book), refunds left out.
    pub purchases: i64,
    pub purchase_amount: i64,
}

/// The month's payments and what was still unpaid and due by its last day.
pub async fn month_totals(c: &mut impl propdesk_store::AsEx, actor: &Actor, project_id: i64, month: Month) -> AppResult<MonthTotals> {
    let f = store::Filter { project_id: Some(project_id), from: Some(month.first_day()), to: Some(month.last_day()), ..Default::default() };
    let (payments, amount) = store::totals(c, actor, &f).await?;
    let after = month.last_day().checked_add_days(Days::new(1)).unwrap_or(month.last_day());
    let unpaid =
        ledger_totals(c, actor, &LedgerFilter { project_id: Some(project_id), state: Some(LineState::Overdue), today: Some(after), ..Default::default() })
            .await?;
    let (purchases, purchase_amount) = propdesk_store::models::meter::purchase_totals(c, actor, project_id, month.first_day(), month.last_day()).await?;
    Ok(MonthTotals { payments, amount, unpaid_lines: unpaid.lines, unpaid_amount: unpaid.amount - unpaid.paid, purchases, purchase_amount })
}

/// FEE-4: finance signs off a finished month's payments (once); the unpaid total goes to the manager.
pub async fn reconcile_month(db: &Db, actor: &Actor, project_id: i64, month: &str, note: &str) -> AppResult<i64> {
    require(actor, Permission::ReconcileFees)?;
    let month = Month::parse(month).map_err(|r| FieldErrors::single("month", r))?;
    if month >= Month::of(today()) {
        return Err(FieldErrors::single("month", Reason::Invalid("只能核对已结束的月份", "only a finished month can be signed off")).into());
    }
    let note = values::opt_text(note, 500).map_err(|r| FieldErrors::single("note", r))?.unwrap_or_default();
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let key = month.to_string();
    if store::month_reconciliation(&mut tx, actor, project_id, &key).await?.is_some() {
        return Err(AppError::Conflict("该月收款已与财务核对".into()));
    }
    let t = month_totals(&mut tx, actor, project_id, month).await?;
    let m = NewMonth {
        project_id,
        month: &key,
        payments: t.payments,
        amount: t.amount,
        unpaid_lines: t.unpaid_lines,
        unpaid_amount: t.unpaid_amount,
        purchases: t.purchases,
        purchase_amount: t.purchase_amount,
        note: &note,
    };
    let id = store::insert_month(&mut tx, actor.staff_id, &m, now).await?;
    log(&mut tx, actor, project_id, "payment_month", id, "reconciled", json!({"rule": "FEE-4", "month": key, "totals": t, "note": note})).await?;
    tx.commit().await?;
    Ok(id)
}
