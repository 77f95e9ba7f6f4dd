//! Attachments as transaction scripts, for any owner (`AttachmentEntity`): who may see an
//! owner's files, and adding one — the file is made durable first, then its row and the
//! owner's event are written in one transaction.

use crate::error::{AppError, AppResult};
use crate::files::{FileStore, Upload};
use crate::ops::complaint::side;
use chrono::Utc;
use propdesk_domain::access::Actor;
use propdesk_domain::attachment::{self as rules, AttachmentEntity, Limits};
use propdesk_domain::complaint::By;
use propdesk_domain::values;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::attachment::{self as store, AttachmentRow, NewAttachment};
use propdesk_store::models::complaint as complaints;
use propdesk_store::models::work_order as work_orders;
use propdesk_store::{AsEx, Db};
use serde_json::json;

/// The record files are attached to, as the actor may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub entity: AttachmentEntity,
    pub id: i64,
    pub project_id: i64,
}

/// The owner if the actor may see its files; `None` otherwise (answered as not found, so
/// nothing reveals that it exists).
///
/// Complaints (CMP-3, SEC-2): the complaint must be in the actor's projects (as for its page),
/// and evidence — photos, recordings, signatures of the complainant — is further limited to
/// customer service and to the departments the case went to; staff of a field department that
/// has no part in the case do not see it.
pub async fn visible(c: &mut impl AsEx, actor: &Actor, entity: AttachmentEntity, id: i64) -> AppResult<Option<Owner>> {
    match entity {
        AttachmentEntity::Complaint => {
            let Some(row) = complaints::get(c, actor, id, "").await? else { return Ok(None) };
            let sees = match side(c, actor).await {
                Ok(by) if by.is_customer_service() => true,
                Ok(By::Department(d)) => complaints::departments(c, id).await?.iter().any(|p| p.department_id == d),
                Ok(_) | Err(AppError::Forbidden) => false,
                Err(e) => return Err(e),
            };
            Ok(sees.then_some(Owner { entity, id, project_id: row.project_id }))
        }
        // REP-1: a work order's photos are for whoever may see the order (its project's staff,
        // as for its page).
        AttachmentEntity::WorkOrder => Ok(work_orders::get(c, actor, id, "").await?.map(|w| Owner { entity, id, project_id: w.project_id })),
    }
}

/// The owner, or 404.
pub async fn owner(db: &Db, actor: &Actor, entity: AttachmentEntity, id: i64) -> AppResult<Owner> {
    let mut c = db.read().await?;
    visible(&mut c, actor, entity, id).await?.ok_or(AppError::NotFound)
}

/// One attachment the actor may see (its owner included), or 404.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<AttachmentRow> {
    let mut c = db.read().await?;
    let row = store::get(&mut c, actor, id).await?.ok_or(AppError::NotFound)?;
    visible(&mut c, actor, row.entity, row.entity_id).await?.ok_or(AppError::NotFound)?;
    Ok(row)
}

/// The files of an owner the actor may see; empty when the actor may not see them.
pub async fn list(c: &mut impl AsEx, actor: &Actor, entity: AttachmentEntity, id: i64) -> AppResult<Vec<AttachmentRow>> {
    match visible(c, actor, entity, id).await? {
        Some(_) => Ok(store::for_entity(c, actor, entity, id).await?),
        None => Ok(Vec::new()),
    }
}

/// The event an owner records when a file is added to it.
fn event_action(entity: AttachmentEntity) -> &'static str {
    match entity {
        AttachmentEntity::Complaint => "evidence_added",
        AttachmentEntity::WorkOrder => "photo_added",
    }
}

/// A file as received, with what the client said about it.
pub struct Incoming {
    pub upload: Upload,
    pub file_name: String,
    pub note: String,
}

/// Adds a received file to an owner the caller has found visible: decides its kind from its
/// bytes and checks the limit (422 on `file`), keeps the bytes, then writes the row and the
/// owner's event in one transaction.
pub async fn attach(db: &Db, files: &FileStore, actor: &Actor, owner: &Owner, incoming: Incoming, limits: &Limits) -> AppResult<AttachmentRow> {
    let Incoming { upload, file_name, note } = incoming;
    let mut e = FieldErrors::new();
    let kind = e.take("file", rules::check(upload.head(), upload.size(), owner.entity.accepts(), limits));
    let note = e.take("note", values::optional(&note, |s| values::text(s, 500)));
    let (Some(kind), Some(note)) = (kind, note) else { return Err(e.into()) };
    let note = note.unwrap_or_default();
    let file_name = rules::sanitize_file_name(&file_name, kind);
    let size = upload.size() as i64;
    let (sha256, storage_key) = upload.keep(files).await.map_err(|err| AppError::Internal(anyhow::anyhow!("keeping an attachment: {err}")))?;

    let now = Utc::now();
    let mut tx = db.begin().await?;
    let n = NewAttachment {
        company_id: actor.company_id,
        project_id: owner.project_id,
        entity: owner.entity,
        entity_id: owner.id,
        file_name: &file_name,
        content_type: kind.content_type(),
        size_bytes: size,
        sha256: &sha256,
        storage_key: &storage_key,
        uploaded_by: Some(actor.staff_id).filter(|s| *s > 0),
        uploaded_at: now,
        note: &note,
    };
    let id = store::insert(&mut tx, &n).await?;
    let payload = json!({"attachment_id": id, "file_name": file_name, "content_type": kind.content_type(), "size_bytes": size, "sha256": sha256, "note": note});
    crate::ops::log(&mut tx, actor, owner.project_id, owner.entity.code(), owner.id, event_action(owner.entity), payload).await?;
    let row = store::get(&mut tx, actor, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// The refusal of a file over the largest size any kind may have (reading stopped there).
pub fn too_large(limits: &Limits) -> AppError {
    AppError::Invalid(FieldErrors::single("file", Reason::TooLarge(limits.max())))
}
