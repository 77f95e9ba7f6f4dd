//! REP-9: a problem found at a repair callback becomes a written rectification notice
//! (整改通知单) to the repair staff, due within 24 hours; the repair staff (or customer service
//! for them) close it with the fix. Issued inside the callback's transaction; closing is its own.

use crate::error::{AppError, AppResult};
use crate::ops::log;
use crate::ops::notify::{self, About};
use crate::ops::work_order::side;
use chrono::{DateTime, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Actor;
use propdesk_domain::notify::{Audience, NoticeKind};
use propdesk_domain::values;
use propdesk_domain::work_order::{By, rectification_due};
use propdesk_store::models::rectification::{self as store, NewRectification, RectificationRow};
use propdesk_store::models::work_order::WorkOrderRow;
use propdesk_store::{Db, Tx};
use serde_json::json;

/// Issues a notice for `w` inside the callback's transaction, addressed to the order's
/// assignee and department (told through the outbox); returns its id.
pub async fn issue_tx(tx: &mut Tx, actor: &Actor, w: &WorkOrderRow, callback_id: Option<i64>, problem: &str, now: DateTime<Utc>) -> AppResult<i64> {
    let due = rectification_due(now);
    let n = NewRectification {
        project_id: w.project_id,
        work_order_id: w.id,
        callback_id,
        department_id: w.department_id,
        assignee_id: w.assignee_id,
        problem: problem.trim(),
        issued_by: Some(actor.staff_id).filter(|s| *s > 0),
        issued_at: now,
        due_at: due,
    };
    let id = store::insert(tx, &n).await?;
    log(
        tx,
        actor,
        w.project_id,
        "rectification",
        id,
        "issued",
        json!({"rule": "REP-9", "work_order_id": w.id, "number": w.number, "callback_id": callback_id, "problem": problem.trim(), "due_at": due}),
    )
    .await?;
    let mut audiences = Vec::new();
    if let Some(a) = w.assignee_id {
        audiences.push(Audience::Staff(a));
    }
    if let Some(d) = w.department_id {
        audiences.push(Audience::Department(d));
    }
    let about = About { id: w.id, project_id: w.project_id, number: &w.number, content: problem };
    let mut notice = notify::work_order_notice(NoticeKind::Rectification, &about, "");
    notice.link = format!("/rectifications/{id}");
    notify::enqueue(tx, actor, &notice, &audiences, now).await?;
    Ok(id)
}

/// The notice if the actor may see it (its project), else 404.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<RectificationRow> {
    let mut c = db.read().await?;
    store::get(&mut c, actor, id, "").await?.ok_or(AppError::NotFound)
}

/// Whether the actor may close the notice: customer service, or staff of the department it
/// was sent to.
pub async fn may_close(c: &mut impl propdesk_store::AsEx, actor: &Actor, r: &RectificationRow) -> AppResult<bool> {
    Ok(match side(c, actor).await {
        Ok(By::CustomerService) => true,
        Ok(By::Department(d)) => r.department_id == Some(d),
        Err(AppError::Forbidden) => false,
        Err(e) => return Err(e),
    })
}

/// REP-9: closes an open notice with the fix; its on-time result is fixed against the 24-hour
/// deadline. 422 without the fix, 409 when already closed or changed since `version`.
pub async fn close(db: &Db, actor: &Actor, id: i64, version: Option<i64>, fix: &str) -> AppResult<RectificationRow> {
    let fix = values::text(fix, 2000).map_err(|r| FieldErrors::single("fix", r))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let r = store::get(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if !may_close(&mut tx, actor, &r).await? {
        return Err(AppError::Forbidden);
    }
    if !r.status.is_open() {
        return Err(AppError::Conflict("整改通知单已完成".into()));
    }
    if version.is_some_and(|v| v != r.version) {
        return Err(AppError::Conflict("整改通知单已被他人处理，请刷新后重试".into()));
    }
    let on_time = now <= r.due_at;
    if !store::close(&mut tx, id, r.version, &fix, on_time, Some(actor.staff_id).filter(|s| *s > 0), now).await? {
        return Err(AppError::Conflict("整改通知单已被他人处理，请刷新后重试".into()));
    }
    log(&mut tx, actor, r.project_id, "rectification", id, "done", json!({"rule": "REP-9", "work_order_id": r.work_order_id, "fix": fix, "on_time": on_time}))
        .await?;
    let saved = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}
