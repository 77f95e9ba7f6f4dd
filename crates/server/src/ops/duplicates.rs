//! Duplicate reports of one problem (same building, similar text, short window) are offered
//! to staff and, when they agree, merged under a parent case. Each complainant keeps their
//! own complaint — and so their own reply and callback (CBK-3) — while the departments work
//! the problem once, on the parent.

use crate::error::{AppError, AppResult};
use chrono::{Duration, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::complaint::{DUPLICATE_WINDOW_HOURS, is_duplicate};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::complaint as complaints;
use propdesk_store::models::complaint_links::{self as links, Linked};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::{AsEx, Db};
use serde_json::json;

/// The complaints that look like the same problem as `id` (offered, never merged silently).
pub async fn candidates(c: &mut impl AsEx, actor: &Actor, id: i64) -> AppResult<Vec<Linked>> {
    let Some(me) = links::by_id(c, actor, id).await? else { return Ok(Vec::new()) };
    let Some(building) = me.building_id else { return Ok(Vec::new()) };
    let window = Duration::hours(DUPLICATE_WINDOW_HOURS);
    let near = links::in_building(c, actor, building, me.received_at - window, me.received_at + window, id).await?;
    Ok(near.into_iter().filter(|o| is_duplicate(me.building_id, &me.content, me.received_at, o.building_id, &o.content, o.received_at)).collect())
}

/// Merges `child` under `parent` (both visible to the actor, same project, parent not itself
/// merged), with an event on both.
pub async fn merge(db: &Db, actor: &Actor, child: i64, parent: i64) -> AppResult<()> {
    if child == parent {
        return Err(FieldErrors::single("parent_id", Reason::Invalid("不能并入自身", "cannot merge into itself")).into());
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let c = complaints::get(&mut tx, actor, child, lock).await?.ok_or(AppError::NotFound)?;
    let p = complaints::get(&mut tx, actor, parent, lock).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("parent_id", Reason::NotFound)))?;
    if p.project_id != c.project_id || p.parent_id.is_some() {
        return Err(
            FieldErrors::single("parent_id", Reason::Invalid("只能并入同一项目中未被合并的投诉", "must be an unmerged complaint of the same project")).into()
        );
    }
    if !links::set_parent(&mut tx, child, parent).await? {
        return Err(AppError::Conflict("该投诉已被合并".into()));
    }
    event::append(
        &mut tx,
        actor,
        now,
        NewEvent {
            project_id: Some(c.project_id),
            entity: "complaint",
            entity_id: child,
            action: "merged_into",
            payload: json!({"parent_id": parent, "parent": p.number}),
        },
    )
    .await?;
    event::append(
        &mut tx,
        actor,
        now,
        NewEvent {
            project_id: Some(c.project_id),
            entity: "complaint",
            entity_id: parent,
            action: "merged_child",
            payload: json!({"child_id": child, "child": c.number}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
