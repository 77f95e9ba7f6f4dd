//! CMP-12: opening a claim on a complaint and walking it, one transaction per step.

use crate::error::{AppError, AppResult};
use crate::ops::org::parse_yuan;
use chrono::Utc;
use propdesk_domain::access::Actor;
use propdesk_domain::claim::{self as rules, ClaimAction, ClaimError, ClaimStatus};
use propdesk_domain::values;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Db;
use propdesk_store::models::claim::{self as store, ClaimRow, ClaimUpdate};
use propdesk_store::models::complaint::{self as complaints, next_number};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::org;
use serde_json::json;

/// Opens a claim on a complaint the actor can see; returns its id.
pub async fn open(db: &Db, actor: &Actor, complaint_id: i64, claimant: &str, amount_yuan: &str) -> AppResult<i64> {
    let mut e = FieldErrors::new();
    let claimant = e.take("claimant", values::text(claimant, 60));
    let amount = e.take("claimed_amount", parse_yuan(amount_yuan));
    let (Some(claimant), Some(amount)) = (claimant, amount) else { return Err(e.into()) };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let complaint = complaints::get(&mut tx, actor, complaint_id, "").await?.ok_or(AppError::NotFound)?;
    let project = org::project(&mut tx, actor, complaint.project_id).await?.ok_or(AppError::NotFound)?;
    let seq = next_number(&mut tx, project.id, "claim").await?;
    let number = format!("{}/SP{seq:03}", project.code);
    let id = store::insert(&mut tx, project.id, complaint_id, &number, &claimant, amount, now).await?;
    let payload = json!({"number": number, "complaint_id": complaint_id, "claimant": claimant, "claimed_amount": amount});
    event::append(&mut tx, actor, now, NewEvent { project_id: Some(project.id), entity: "claim", entity_id: id, action: "created", payload: payload.clone() })
        .await?;
    event::append(
        &mut tx,
        actor,
        now,
        NewEvent { project_id: Some(project.id), entity: "complaint", entity_id: complaint_id, action: "claim_opened", payload },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn map_err(e: ClaimError) -> AppError {
    match e {
        ClaimError::NotAllowed(s) => AppError::Conflict(format!("索赔当前状态“{}”不允许此操作", s.zh())),
        ClaimError::Missing(f) => AppError::Invalid(FieldErrors::single(f, Reason::Required)),
        ClaimError::NotTheHead => AppError::Forbidden,
        ClaimError::BadAmount => AppError::Invalid(FieldErrors::single("amount", Reason::Invalid("金额不正确", "invalid amount"))),
    }
}

/// Applies one step of the claim table, writing at `version` only (409 if it moved on).
pub async fn act(db: &Db, actor: &Actor, id: i64, version: i64, action: &ClaimAction) -> AppResult<ClaimRow> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let row = store::get(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if row.version != version {
        return Err(AppError::Conflict("索赔已被他人处理，请刷新后重试".into()));
    }
    let next = rules::apply(row.status, action, actor.role).map_err(map_err)?;
    let mut u = ClaimUpdate {
        status: next,
        offered_amount: None,
        plan: None,
        legal_advice: None,
        responsibility: None,
        report: None,
        decided_by: None,
        decided_at: None,
    };
    match action {
        ClaimAction::DraftPlan { plan, amount } => {
            u.plan = Some(plan);
            u.offered_amount = Some(*amount);
        }
        ClaimAction::LegalAdvice { advice } => u.legal_advice = Some(advice),
        ClaimAction::Report { responsibility, report } => {
            u.responsibility = Some(responsibility);
            u.report = Some(report);
        }
        ClaimAction::Decide { .. } => {
            u.decided_by = Some(actor.staff_id).filter(|s| *s > 0);
            u.decided_at = Some(now);
        }
        _ => {}
    }
    if !store::update(&mut tx, id, version, &u).await? {
        return Err(AppError::Conflict("索赔已被他人处理，请刷新后重试".into()));
    }
    let detail = match action {
        ClaimAction::Respond { note } => json!({"note": note}),
        ClaimAction::GatherOpinions { opinions } => json!({"opinions": opinions}),
        ClaimAction::DraftPlan { plan, amount } => json!({"plan": plan, "amount": amount}),
        ClaimAction::LegalAdvice { advice } => json!({"advice": advice}),
        ClaimAction::CustomerAnswer { accepted, note } => json!({"accepted": accepted, "note": note}),
        ClaimAction::Report { responsibility, report } => json!({"responsibility": responsibility, "report": report}),
        ClaimAction::Decide { approved, opinion } => json!({"approved": approved, "opinion": opinion}),
        ClaimAction::Execute { note, last } => json!({"note": note, "last": last}),
        ClaimAction::Withdraw { reason } => json!({"reason": reason}),
    };
    event::append(
        &mut tx,
        actor,
        now,
        NewEvent {
            project_id: Some(row.project_id),
            entity: "claim",
            entity_id: id,
            action: action.code(),
            payload: json!({"from": row.status.code(), "to": next.code(), "detail": detail}),
        },
    )
    .await?;
    let saved = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

pub fn is_open(s: ClaimStatus) -> bool {
    !matches!(s, ClaimStatus::Executed | ClaimStatus::Withdrawn)
}
