//! REP-12 paid repairs (有偿维修, 002 77): the quote in lines, agreed by the owner before the
//! work, the fee collected in full (no overpayment) with a receipt numbered per project, and
//! handed over to customer service. Each step is one transaction on the locked work order,
//! through `propdesk_domain::paid_repair`'s table, with its event on the work order.

use crate::error::{AppError, AppResult};
use crate::ops::org::parse_yuan;
use crate::ops::reception::require_cs;
use crate::ops::work_order::side;
use crate::ops::{de_text, log};
use chrono::Utc;
use propdesk_domain::access::Actor;
use propdesk_domain::paid_repair::{Fee, FeeAction, FeeError, FeeKind, FeeStatus, PayMethod, line_amount};
use propdesk_domain::values;
use propdesk_domain::work_order::By;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::org;
use propdesk_store::models::paid_repair::{self as store, FeeLineRow, FeeRow, NewLine, Step};
use propdesk_store::models::work_order::{self as orders, WorkOrderRow};
use propdesk_store::{AsEx, Db};
use serde::Deserialize;
use serde_json::json;

/// A fee step with its data, as parsed from a page or the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeOp {
    AddLine { kind: FeeKind, description: String, quantity: i64, unit_price: i64, amount: i64 },
    RemoveLine { line_id: i64 },
    Agree { agreed_by: String },
    Collect { amount: i64, method: PayMethod, reference: String },
    HandOver,
}

impl FeeOp {
    fn rule(&self) -> FeeAction {
        match self {
            FeeOp::AddLine { .. } => FeeAction::AddLine,
            FeeOp::RemoveLine { .. } => FeeAction::RemoveLine,
            FeeOp::Agree { agreed_by } => FeeAction::Agree { agreed_by: agreed_by.clone() },
            FeeOp::Collect { amount, method, reference } => FeeAction::Collect { amount: *amount, method: *method, reference: reference.clone() },
            FeeOp::HandOver => FeeAction::HandOver,
        }
    }
}

/// A paid repair's fee as the rules see it (nothing stored yet: quoting, no lines).
pub fn to_domain(order: &WorkOrderRow, fee: Option<&FeeRow>, lines: usize) -> Fee {
    Fee { status: fee.map(|f| f.status).unwrap_or(FeeStatus::Quoting), total: fee.map(|f| f.total).unwrap_or(0), lines, order_open: order.status.is_open() }
}

/// Quoting and collecting are for whoever is on the job (customer service, or the engineering
/// department the order went to); receiving the money is customer service's.
async fn may_act(c: &mut impl AsEx, actor: &Actor, order: &WorkOrderRow, action: &FeeAction) -> AppResult<bool> {
    if *action == FeeAction::HandOver {
        return Ok(require_cs(actor).is_ok() && side(c, actor).await.is_ok_and(|b| b == By::CustomerService));
    }
    Ok(match side(c, actor).await {
        Ok(By::CustomerService) => true,
        Ok(By::Department(d)) => order.department_id == Some(d),
        Err(AppError::Forbidden) => false,
        Err(e) => return Err(e),
    })
}

/// The fee actions the actor may take now (none unless it is a paid repair).
pub async fn allowed(c: &mut impl AsEx, actor: &Actor, order: &WorkOrderRow) -> AppResult<Vec<&'static str>> {
    if !order.paid_repair {
        return Ok(Vec::new());
    }
    let fee = store::get(c, order.id).await?;
    let lines = store::lines(c, order.id).await?.len();
    let mut v = Vec::new();
    for code in to_domain(order, fee.as_ref(), lines).allowed() {
        let probe = match code {
            "agree" => FeeAction::Agree { agreed_by: "x".into() },
            "collect" => FeeAction::Collect { amount: 0, method: PayMethod::Cash, reference: String::new() },
            "hand_over" => FeeAction::HandOver,
            _ => FeeAction::AddLine,
        };
        if may_act(c, actor, order, &probe).await? {
            v.push(code);
        }
    }
    Ok(v)
}

/// The fee and its lines, for pages and the API.
pub async fn load(c: &mut impl AsEx, order: &WorkOrderRow) -> AppResult<(Option<FeeRow>, Vec<FeeLineRow>)> {
    Ok((store::get(c, order.id).await?, store::lines(c, order.id).await?))
}

/// Applies one fee step to the work order `id` — one transaction with its event.
pub async fn act(db: &Db, actor: &Actor, id: i64, version: Option<i64>, op: &FeeOp) -> AppResult<()> {
    const STALE: &str = "费用已被他人处理，请刷新后重试";
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let order = orders::get(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if !order.paid_repair {
        return Err(AppError::Conflict("该工单不是有偿维修（维修原因未判定为业主责任）".into()));
    }
    let rule = op.rule();
    if !may_act(&mut tx, actor, &order, &rule).await? {
        return Err(AppError::Forbidden);
    }
    // The version the caller read: 0 while nothing is quoted.
    let read = store::get(&mut tx, id).await?.map_or(0, |f| f.version);
    if version.is_some_and(|v| v != read) {
        return Err(AppError::Conflict(STALE.into()));
    }
    if matches!(op, FeeOp::AddLine { .. }) && order.status.is_open() {
        store::ensure(&mut tx, id, order.project_id, now).await?;
    }
    let fee = store::get(&mut tx, id).await?;
    let lines = store::lines(&mut tx, id).await?;
    let current = fee.as_ref().map(|f| f.version).unwrap_or(0);
    let from = to_domain(&order, fee.as_ref(), lines.len());
    let to = from.apply(&rule).map_err(|e| match e {
        FeeError::NotAllowed { status } => AppError::Conflict(format!("费用当前状态“{}”不允许此操作", status.zh())),
        FeeError::Invalid { field, reason } => AppError::Invalid(FieldErrors::single(field, reason)),
    })?;
    let by = Some(actor.staff_id).filter(|s| *s > 0);
    let written = match op {
        FeeOp::AddLine { kind, description, quantity, unit_price, amount } => {
            let n = NewLine { work_order_id: id, kind: *kind, description, quantity: *quantity, unit_price: *unit_price, amount: *amount, created_by: by };
            let line = store::insert_line(&mut tx, &n, now).await?;
            if !store::retotal(&mut tx, id, current).await? {
                return Err(AppError::Conflict(STALE.into()));
            }
            json!({"line_id": line, "kind": kind.code(), "description": description, "quantity": quantity, "unit_price": unit_price, "amount": amount})
        }
        FeeOp::RemoveLine { line_id } => {
            let Some(line) = lines.iter().find(|l| l.id == *line_id) else {
                return Err(FieldErrors::single("line_id", Reason::NotFound).into());
            };
            store::delete_line(&mut tx, id, *line_id).await?;
            if !store::retotal(&mut tx, id, current).await? {
                return Err(AppError::Conflict(STALE.into()));
            }
            json!({"line_id": line_id, "description": line.description, "amount": line.amount})
        }
        FeeOp::Agree { agreed_by } => {
            let s = Step { agreed_by: Some(agreed_by), agreed_at: Some(now), ..Step::default() };
            if !store::step(&mut tx, id, current, from.status, to, &s).await? {
                return Err(AppError::Conflict(STALE.into()));
            }
            json!({"agreed_by": agreed_by, "total": from.total})
        }
        FeeOp::Collect { amount, method, reference } => {
            let project = org::project(&mut tx, actor, order.project_id).await?.ok_or(AppError::NotFound)?;
            let receipt = crate::ops::payment::receipt_number(&mut tx, project.id, &project.code).await?;
            let s = Step {
                amount: Some(*amount),
                method: Some(method.code()),
                reference: Some(reference),
                collected_by: by,
                collected_at: Some(now),
                receipt_no: Some(&receipt),
                ..Step::default()
            };
            if !store::step(&mut tx, id, current, from.status, to, &s).await? {
                return Err(AppError::Conflict(STALE.into()));
            }
            json!({"amount": amount, "method": method.code(), "reference": reference, "receipt_no": receipt})
        }
        FeeOp::HandOver => {
            let s = Step { handed_over_to: by, handed_over_by: by, handed_over_at: Some(now), ..Step::default() };
            if !store::step(&mut tx, id, current, from.status, to, &s).await? {
                return Err(AppError::Conflict(STALE.into()));
            }
            json!({"received_by": by})
        }
    };
    let after = store::get(&mut tx, id).await?;
    log(
        &mut tx,
        actor,
        order.project_id,
        "work_order",
        id,
        &format!("fee_{}", rule.code()),
        json!({"rule": "REP-12", "from": from.status.code(), "to": to.code(), "total": after.as_ref().map(|f| f.total), "detail": written}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A fee step as typed; money in yuan ("12.50").
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FeeInput {
    #[serde(default, deserialize_with = "de_text")]
    pub action: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub description: String,
    #[serde(default, deserialize_with = "de_text")]
    pub quantity: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_price: String,
    #[serde(default, deserialize_with = "de_text")]
    pub line_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub agreed_by: String,
    #[serde(default, deserialize_with = "de_text")]
    pub amount: String,
    #[serde(default, deserialize_with = "de_text")]
    pub method: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reference: String,
}

fn money(s: &str) -> Result<i64, Reason> {
    if s.trim().is_empty() { Err(Reason::Required) } else { parse_yuan(s) }
}

impl FeeInput {
    pub fn parse(&self) -> Result<FeeOp, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = |e: &mut FieldErrors, field: &str, v: &str, max: usize| e.take(field, values::opt_text(v, max)).flatten().unwrap_or_default();
        let op = match self.action.trim() {
            "add_line" => {
                let kind = e.take("kind", if self.kind.trim().is_empty() { Err(Reason::Required) } else { FeeKind::parse(&self.kind) });
                let description = e.take("description", values::text(&self.description, 200));
                let quantity = e.take(
                    "quantity",
                    match self.quantity.trim() {
                        "" => Err(Reason::Required),
                        q => q.parse::<i64>().map_err(|_| Reason::Invalid("数量应为 1–9999 的整数", "must be a whole number from 1 to 9999")),
                    },
                );
                let unit_price = e.take("unit_price", money(&self.unit_price));
                let amount = match (quantity, unit_price) {
                    (Some(q), Some(p)) => match line_amount(q, p) {
                        Ok(a) => a,
                        Err((field, reason)) => {
                            e.push(field, reason);
                            0
                        }
                    },
                    _ => 0,
                };
                FeeOp::AddLine {
                    kind: kind.unwrap_or(FeeKind::Other),
                    description: description.unwrap_or_default(),
                    quantity: quantity.unwrap_or_default(),
                    unit_price: unit_price.unwrap_or_default(),
                    amount,
                }
            }
            "remove_line" => {
                FeeOp::RemoveLine { line_id: e.take("line_id", self.line_id.trim().parse::<i64>().map_err(|_| Reason::Required)).unwrap_or_default() }
            }
            "agree" => FeeOp::Agree { agreed_by: text(&mut e, "agreed_by", &self.agreed_by, 60) },
            "collect" => FeeOp::Collect {
                amount: e.take("amount", money(&self.amount)).unwrap_or_default(),
                method: e
                    .take("method", if self.method.trim().is_empty() { Err(Reason::Required) } else { PayMethod::parse(&self.method) })
                    .unwrap_or(PayMethod::Cash),
                reference: text(&mut e, "reference", &self.reference, 100),
            },
            "hand_over" => FeeOp::HandOver,
            "" => {
                e.push("action", Reason::Required);
                FeeOp::HandOver
            }
            _ => {
                e.push("action", Reason::Invalid("不是可选的操作", "is not a known action"));
                FeeOp::HandOver
            }
        };
        e.into_result().map(|_| op)
    }
}
