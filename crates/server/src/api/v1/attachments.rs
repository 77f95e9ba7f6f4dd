//! Attachments over JSON: upload complaint evidence (CMP-3) as multipart, and fetch a stored
//! file. Access follows the owner: a complaint's evidence is for customer service and the
//! departments the case went to, within the caller's projects (404 otherwise, SEC-2).

use crate::api::extract::ApiPath;
use crate::api::v1::ErrorBody;
use crate::api::v1::created;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::files::FileStore;
use crate::ops::attachment as ops;
use crate::staff::attachments::{body_limit, file_response, read_upload};
use crate::state::{AppState, Config};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::attachment::AttachmentEntity;
use propdesk_store::models::attachment::AttachmentRow;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// This module's operations; merged into the API document by `api::openapi`.
#[derive(OpenApi)]
#[openapi(
    paths(upload_complaint_attachment, upload_work_order_attachment, get_attachment),
    components(schemas(AttachmentOut, EvidenceUpload, PhotoUpload)),
    tags((name = "attachments", description = "Files attached to records: complaint evidence (CMP-3), work-order photos (REP-1)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 3;

/// Routed from `app::router`, where the configured size limits are known.
pub fn routes(cfg: &Config) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/complaints/{id}/attachments", post(upload_complaint_attachment).layer(DefaultBodyLimit::max(body_limit(&cfg.attachment_limits))))
        .route("/api/v1/work-orders/{id}/attachments", post(upload_work_order_attachment).layer(DefaultBodyLimit::max(body_limit(&cfg.attachment_limits))))
        .route("/api/v1/attachments/{id}", get(get_attachment))
}

/// An attached file's description.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    /// The kind of record it is attached to.
    #[schema(example = "complaint")]
    pub entity: String,
    pub entity_id: i64,
    /// The uploaded name, made safe (no folders, no control characters; the extension matches the content).
    #[schema(example = "漏水现场.jpg")]
    pub file_name: String,
    /// Decided from the file's first bytes, not from what the client said.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_by_name: Option<String>,
    pub uploaded_at: DateTime<Utc>,
    pub note: String,
    /// Where to fetch the file with the same bearer token.
    #[schema(example = "/api/v1/attachments/1")]
    pub url: String,
}

impl From<AttachmentRow> for AttachmentOut {
    fn from(a: AttachmentRow) -> Self {
        AttachmentOut {
            url: format!("/api/v1/attachments/{}", a.id),
            id: a.id,
            entity: a.entity.code().to_string(),
            entity_id: a.entity_id,
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            uploaded_by: a.uploaded_by,
            uploaded_by_name: a.uploaded_by_name,
            uploaded_at: a.uploaded_at,
            note: a.note,
        }
    }
}

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the form; the handler reads it field by field as it streams
pub struct EvidenceUpload {
    /// One file: JPEG, PNG, WebP or GIF image, PDF (at most 10 MB), or MP3, M4A/AAC, AMR or WAV
    /// audio, MP4 or MOV video (at most 50 MB). The type is decided from the content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// What the file shows (optional, at most 500 characters).
    pub note: Option<String>,
}

/// Add evidence to a complaint
///
/// Uploads one file as `multipart/form-data` (field `file`, optional `note`) to a complaint
/// the caller may see (CMP-3). The type is decided from the file's first bytes; a type that is
/// not accepted or a file over its limit answers 422 on the field `file`. The upload is
/// recorded in the complaint's history (`evidence_added`).
#[utoipa::path(
    post,
    path = "/api/v1/complaints/{id}/attachments",
    tag = "attachments",
    params(("id" = i64, Path, description = "Complaint id")),
    request_body(content = inline(EvidenceUpload), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The stored attachment", body = AttachmentOut, headers(("Location" = String, description = "URL of the file"))),
        (status = 400, description = "Not a multipart form, or a malformed one", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such complaint, or its evidence is not for the caller", body = ErrorBody),
        (status = 422, description = "No file, a type that is not accepted, or a file over its size limit", body = ErrorBody),
    )
)]
pub async fn upload_complaint_attachment(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    upload(&state, &actor, AttachmentEntity::Complaint, id, body).await
}

/// The multipart form of a work-order photo upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the form; the handler reads it field by field as it streams
pub struct PhotoUpload {
    /// One file: JPEG, PNG, WebP or GIF image, or PDF (at most 10 MB). The type is decided from the content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// What the photo shows (optional, at most 500 characters).
    pub note: Option<String>,
}

/// Add a photo to a work order
///
/// Uploads one image or PDF as `multipart/form-data` (field `file`, optional `note`) to a work
/// order the caller may see (REP-1). Other types or a file over the limit answer 422 on the
/// field `file`. The upload is recorded in the order's history (`photo_added`).
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/attachments",
    tag = "attachments",
    params(("id" = i64, Path, description = "Work order id")),
    request_body(content = inline(PhotoUpload), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The stored attachment", body = AttachmentOut, headers(("Location" = String, description = "URL of the file"))),
        (status = 400, description = "Not a multipart form, or a malformed one", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
        (status = 422, description = "No file, a type that is not an image or PDF, or a file over its size limit", body = ErrorBody),
    )
)]
pub async fn upload_work_order_attachment(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    upload(&state, &actor, AttachmentEntity::WorkOrder, id, body).await
}

/// One file streamed to the record `entity` `id` the caller may see, answered 201 with its row.
async fn upload(state: &AppState, actor: &Actor, entity: AttachmentEntity, id: i64, body: Result<Multipart, MultipartRejection>) -> Result<Response, ApiError> {
    let owner = ops::owner(&state.db, actor, entity, id).await?;
    let multipart = body.map_err(|r| ApiError(AppError::BadRequest(r.body_text())))?;
    let limits = state.cfg.attachment_limits;
    let files = FileStore::new(&state.cfg.attachments_dir);
    let incoming = read_upload(multipart, &files, owner.entity.accepts(), &limits, None).await?;
    let row = ops::attach(&state.db, &files, actor, &owner, incoming, &limits).await?;
    let out = AttachmentOut::from(row);
    Ok(created(out.url.clone(), out).into_response())
}

/// Get an attached file
///
/// The file's bytes with its content type; `Content-Disposition` carries the file name
/// (`inline` for images, `attachment` otherwise).
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}",
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file", content(
            ("image/jpeg"), ("image/png"), ("image/webp"), ("image/gif"), ("application/pdf"),
            ("audio/mpeg"), ("audio/mp4"), ("audio/aac"), ("audio/amr"), ("audio/wav"), ("video/mp4"), ("video/quicktime")
        )),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such attachment, or its record is not for the caller", body = ErrorBody),
    )
)]
pub async fn get_attachment(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Response, ApiError> {
    Ok(file_response(&state, &actor, id).await?)
}
