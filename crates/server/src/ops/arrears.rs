//! FEE-5/FEE-6: arrears cases. Every payer with unpaid lines past due gets a case (opened by the
//! collection staff's button, the API or the daily job); each action walks the ladder through
//! `billing::arrears_apply` and is recorded as a step with who, how and what was said; a payment
//! that clears the overdue balance closes the case in its own transaction.

use crate::error::{AppError, AppResult};
use crate::ops::org::today;
use crate::ops::require;
use crate::ops::{de_text, log};
use chrono::{DateTime, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{self, ArrearsAction, ArrearsCause, ArrearsError, ArrearsFacts, ArrearsStatus, ContactMethod, ServiceCase};
use propdesk_domain::complaint::ComplaintStatus;
use propdesk_domain::values;
use propdesk_domain::work_order::WorkOrderStatus;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::arrears::{self as store, NewStep};
use propdesk_store::{AsEx, Db, Tx};
use serde::Deserialize;
use serde_json::json;

/// FEE-6: opens a case for every overdue payer of the project without one. Returns how many.
pub async fn open_overdue(db: &Db, actor: &Actor, project_id: i64) -> AppResult<u64> {
    require(actor, Permission::CollectFees)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if propdesk_store::models::org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let opened = store::open_overdue(&mut tx, project_id, today(), Some(actor.staff_id), now).await?;
    log(&mut tx, actor, project_id, "project", project_id, "arrears_opened", json!({"rule": "FEE-6", "cases": opened})).await?;
    tx.commit().await?;
    Ok(opened)
}

/// An action as typed on the page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionInput {
    #[serde(default, deserialize_with = "de_text")]
    pub action: String,
    #[serde(default, deserialize_with = "de_text")]
    pub method: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
    /// FEE-3: the courier's waybill number for a notice sent by courier.
    #[serde(default, deserialize_with = "de_text")]
    pub courier_no: String,
    #[serde(default, deserialize_with = "de_text")]
    pub cause: String,
    /// `complaint` or `work_order`, for a service failure.
    #[serde(default, deserialize_with = "de_text")]
    pub linked_entity: String,
    #[serde(default, deserialize_with = "de_text")]
    pub linked_id: String,
}

struct Parsed {
    action: ArrearsAction,
    linked: Option<(&'static str, i64)>,
    courier_no: String,
}

fn parse(input: &ActionInput) -> Result<Parsed, FieldErrors> {
    let mut e = FieldErrors::new();
    let note = e.take("note", values::opt_text(&input.note, 1000)).flatten().unwrap_or_default();
    let courier_no = e.take("courier_no", values::opt_text(&input.courier_no, 40)).flatten().unwrap_or_default();
    let method = |e: &mut FieldErrors| e.take("method", ContactMethod::parse(&input.method));
    let action = match input.action.trim() {
        "set_cause" => {
            let cause = e.take("cause", ArrearsCause::parse(&input.cause));
            let linked = match (input.linked_entity.trim(), input.linked_id.trim()) {
                ("", _) | (_, "") => None,
                (ent, id) => {
                    let ent = match ent {
                        "complaint" => Some("complaint"),
                        "work_order" => Some("work_order"),
                        _ => {
                            e.push("linked_entity", Reason::Invalid("应为投诉或维修工单", "must be a complaint or a work order"));
                            None
                        }
                    };
                    let id = e.take("linked_id", id.parse::<i64>().map_err(|_| Reason::Invalid("应为编号", "must be an id")));
                    ent.zip(id)
                }
            };
            cause.map(|cause| (ArrearsAction::SetCause { cause, linked: linked.is_some(), note: note.clone() }, linked))
        }
        "contact" => method(&mut e).map(|m| (ArrearsAction::Contact { method: m, note: note.clone() }, None)),
        "escalate" => method(&mut e).map(|m| (ArrearsAction::Escalate { method: m, note: note.clone() }, None)),
        "write_off" => Some((ArrearsAction::WriteOff { reason: note.clone() }, None)),
        _ => {
            e.push("action", Reason::Invalid("不是可执行的操作", "is not an action"));
            None
        }
    };
    match action {
        Some((action, linked)) if e.is_empty() => Ok(Parsed { action, linked, courier_no }),
        _ => Err(e),
    }
}

fn refusal(err: ArrearsError, status: ArrearsStatus, facts: ArrearsFacts, actor: &Actor) -> AppError {
    match err {
        ArrearsError::Missing(f) => FieldErrors::single(if f == "reason" { "note" } else { f }, Reason::Required).into(),
        ArrearsError::NoLink => {
            FieldErrors::single("linked_id", Reason::Invalid("服务不到位须关联投诉或维修工单", "a service failure names its complaint or work order")).into()
        }
        ArrearsError::NotSupervisor | ArrearsError::NotManager => AppError::Forbidden,
        ArrearsError::ServiceFirst => AppError::Conflict("物业服务不到位的欠费，须先整改到位（关联的投诉或工单完成）再约谈".into()),
        ArrearsError::StillOwed(_) | ArrearsError::NotAllowed(_) => {
            let allowed = billing::arrears_allowed(status, facts, actor.role).join(", ");
            AppError::Conflict(format!("当前状态“{}”不能执行此操作；可执行：{allowed}", status.zh()))
        }
    }
}

/// The case's facts for the table: cause, whether its service failure is still open, balance.
pub async fn facts(c: &mut impl AsEx, case: &store::CaseRow) -> AppResult<ArrearsFacts> {
    let service_open = match (case.linked_entity.as_deref(), case.linked_id) {
        (Some(ent), Some(id)) => match store::linked_status(c, case.project_id, ent, id).await? {
            Some(s) => service_case(ent, &s).is_some_and(|sc| !sc.put_right()),
            None => false,
        },
        _ => false,
    };
    Ok(ArrearsFacts { cause: case.cause, service_open, balance: case.balance })
}

/// The stored link as the entity names the store takes.
fn linked_of(case: &store::CaseRow) -> Option<(&'static str, i64)> {
    let entity = match case.linked_entity.as_deref()? {
        "complaint" => "complaint",
        "work_order" => "work_order",
        _ => return None,
    };
    case.linked_id.map(|id| (entity, id))
}

fn service_case(entity: &str, status: &str) -> Option<ServiceCase> {
    match entity {
        "complaint" => ComplaintStatus::try_from(status.to_string()).ok().map(ServiceCase::Complaint),
        "work_order" => WorkOrderStatus::try_from(status.to_string()).ok().map(ServiceCase::WorkOrder),
        _ => None,
    }
}

/// FEE-5/FEE-6: one action on a case, with its step and event, if the case is still at `version`.
pub async fn act(db: &Db, actor: &Actor, id: i64, version: i64, input: &ActionInput) -> AppResult<ArrearsStatus> {
    require(actor, Permission::CollectFees)?;
    let p = parse(input)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(case) = store::get(&mut tx, actor, id, today()).await? else { return Err(AppError::NotFound) };
    if let Some((ent, lid)) = p.linked
        && store::linked_status(&mut tx, case.project_id, ent, lid).await?.is_none()
    {
        return Err(FieldErrors::single("linked_id", Reason::NotFound).into());
    }
    let f = facts(&mut tx, &case).await?;
    let next = billing::arrears_apply(case.status, f, &p.action, actor.role).map_err(|e| refusal(e, case.status, f, actor))?;
    let (cause, linked) = match &p.action {
        ArrearsAction::SetCause { cause, .. } => (*cause, p.linked),
        _ => (case.cause, linked_of(&case)),
    };
    let closed_at = if next.is_open() { None } else { Some(now) };
    if !store::update(&mut tx, id, version, next, cause, linked, closed_at).await? {
        return Err(AppError::Conflict("欠费案件已被他人更新，请刷新后重试".into()));
    }
    let method = match &p.action {
        ArrearsAction::Contact { method, .. } | ArrearsAction::Escalate { method, .. } => Some(*method),
        _ => None,
    };
    let note = match &p.action {
        ArrearsAction::SetCause { note, .. } | ArrearsAction::Contact { note, .. } | ArrearsAction::Escalate { note, .. } => note.clone(),
        ArrearsAction::WriteOff { reason } => reason.clone(),
        ArrearsAction::PaidInFull => String::new(),
    };
    let step = NewStep { case_id: id, action: p.action.code(), status: next, method, note: &note, courier_no: &p.courier_no, staff_id: Some(actor.staff_id) };
    store::insert_step(&mut tx, &step, now).await?;
    log(
        &mut tx,
        actor,
        case.project_id,
        "arrears_case",
        id,
        p.action.code(),
        json!({"rule": "FEE-6", "from": case.status.code(), "to": next.code(), "cause": cause.code(), "method": method.map(|m| m.code()), "note": note, "courier_no": p.courier_no}),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// FEE-6: inside a payment's transaction — a payer whose overdue balance is now zero has their
/// open case closed as paid in full, with its step and event.
pub async fn close_if_paid(tx: &mut Tx, actor: &Actor, project_id: i64, payer_id: i64, now: DateTime<Utc>) -> AppResult<Option<i64>> {
    let Some((id, version)) = store::open_case_of(tx, project_id, payer_id).await? else { return Ok(None) };
    if store::overdue_balance(tx, project_id, payer_id, today()).await? > 0 {
        return Ok(None);
    }
    let Some(case) = store::get(tx, actor, id, today()).await? else { return Ok(None) };
    let f = ArrearsFacts { cause: case.cause, service_open: false, balance: 0 };
    let next = billing::arrears_apply(case.status, f, &ArrearsAction::PaidInFull, actor.role).map_err(|e| refusal(e, case.status, f, actor))?;
    if !store::update(tx, id, version, next, case.cause, linked_of(&case), Some(now)).await? {
        return Err(AppError::Conflict("欠费案件已被他人更新，请刷新后重试".into()));
    }
    store::insert_step(
        tx,
        &NewStep { case_id: id, action: "paid_in_full", status: next, method: None, note: "", courier_no: "", staff_id: Some(actor.staff_id) },
        now,
    )
    .await?;
    log(tx, actor, project_id, "arrears_case", id, "paid_in_full", json!({"rule": "FEE-6", "from": case.status.code(), "to": next.code()})).await?;
    Ok(Some(id))
}
