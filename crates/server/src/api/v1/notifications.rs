//! The caller's inbox over JSON: the messages the outbox delivered (CMP-16 online complaints,
//! CMP-7 important and major complaints, dispatches, callbacks), newest first, and marking them
//! read. Only the owner sees a message; another person's is not found (404).

use crate::api::extract::{ApiPath, ApiQuery};
use crate::api::v1::{ErrorBody, codes, page_of};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::ops::notify as ops;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::notify::NoticeKind;
use propdesk_store::models::outbox::{self as store, InboxItem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// This module's operations; merged into the API document by `api::openapi`.
#[derive(OpenApi)]
#[openapi(
    paths(list_notifications, mark_read, mark_all_read),
    components(schemas(NotificationOut, NotificationList, MarkedRead)),
    tags((name = "notifications", description = "The caller's inbox: messages about complaints and callbacks (CMP-16, CMP-7, CBK-2)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 3;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/notifications", get(list_notifications))
        .route("/api/v1/notifications/read-all", post(mark_all_read))
        .route("/api/v1/notifications/{id}/read", post(mark_read))
}

schema_fn!(kind_schema = codes(NoticeKind::ALL.iter().map(|k| k.code())), "What the message is about.");

/// A message in the caller's inbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    pub project_id: Option<i64>,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    #[schema(example = "网上投诉 HXGC/TS001")]
    pub subject: String,
    pub body: String,
    /// The page of what it is about (e.g. `/complaints/12`).
    pub link: String,
    /// What it is about: `complaint` or `callback`, with its id.
    pub entity: String,
    pub entity_id: i64,
    /// When the change that caused it happened.
    pub created_at: DateTime<Utc>,
    pub delivered_at: DateTime<Utc>,
    /// Null while unread.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<InboxItem> for NotificationOut {
    fn from(m: InboxItem) -> Self {
        NotificationOut {
            id: m.id,
            project_id: m.project_id,
            kind: m.kind.code().to_string(),
            subject: m.subject,
            body: m.body,
            link: m.link,
            entity: m.entity,
            entity_id: m.entity_id,
            created_at: m.created_at,
            delivered_at: m.delivered_at,
            read_at: m.read_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationOut>,
    /// All matching messages, over every page.
    pub total: i64,
    /// Unread messages of the caller (whatever the filter).
    pub unread: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `true`: only unread messages.
    #[param(value_type = Option<bool>)]
    pub unread: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    /// Items per page (1–500).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

/// How many messages were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// List my messages
///
/// The caller's own messages within the caller's projects, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    params(NotificationQuery),
    responses(
        (status = 200, description = "One page of messages", body = NotificationList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_notifications(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<NotificationList>> {
    let mut errs = FieldErrors::new();
    let unread_only = matches!(q.unread.as_deref().map(str::trim), Some("true" | "1"));
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let list = store::inbox(&mut c, &actor, unread_only, page).await?;
    let unread = store::unread_count(&mut c, &actor).await?;
    Ok(Json(NotificationList {
        items: list.items.into_iter().map(NotificationOut::from).collect(),
        total: list.total,
        unread,
        page: list.page.number,
        per_page: list.page.size,
    }))
}

/// Mark a message read
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    tag = "notifications",
    params(("id" = i64, Path, description = "The message's id")),
    responses(
        (status = 204, description = "Marked read (or it already was)"),
        (status = 400, description = "A non-numeric id", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such message of the caller's", body = ErrorBody),
    )
)]
pub async fn mark_read(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    ops::mark_read(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all my messages read
#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    tag = "notifications",
    responses(
        (status = 200, description = "How many were unread", body = MarkedRead),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
    )
)]
pub async fn mark_all_read(ApiUser(actor): ApiUser, State(state): State<AppState>) -> ApiResult<Json<MarkedRead>> {
    Ok(Json(MarkedRead { marked: ops::mark_all_read(&state.db, &actor).await? }))
}
