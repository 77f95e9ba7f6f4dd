//! POR-2 and FEE-3 over JSON: the company's channels to owners, tenants and merchants (admins and
//! managers; secrets are written, never read back), sending a period's payment notices through
//! them, and where each sent notice stands.

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{Created, ErrorBody, codes, created};
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::ops::channel::{self as ops, SendNoticesInput, SendSummary};
use crate::ops::de_text;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use propdesk_domain::access::Permission;
use propdesk_domain::channel::{ChannelForm, ChannelKind, MAX_ATTEMPTS, MessageState, PartyMessageKind, Settings, message_state};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::channel::{self as store, ChannelRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// This module's operations; merged into the API document by `api::openapi`.
#[derive(OpenApi)]
#[openapi(
    paths(list_channels, create_channel, update_channel, send_notices, notice_messages),
    components(schemas(ChannelOut, ChannelIn, NoticesToSend, SendSummary, NoticeMessageOut)),
    tags((name = "channels", description = "Channels to owners, tenants and merchants, and payment notices sent through them (DOMAIN.md POR-2, FEE-3)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 5;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post, put};
    axum::Router::new()
        .route("/api/v1/notification-channels", get(list_channels).post(create_channel))
        .route("/api/v1/notification-channels/{id}", put(update_channel))
        .route("/api/v1/payment-notices/send", post(send_notices))
        .route("/api/v1/payment-notices/messages", get(notice_messages))
}

schema_fn!(kind_schema = codes(ChannelKind::ALL.iter().map(|k| k.code())), "`email` (SMTP) or `webhook` (an SMS/IM gateway).");
schema_fn!(state_schema = codes(MessageState::ALL.iter().map(|k| k.code())), "queued, retrying (failed, will retry), sent, or failed (given up).");

/// A channel; its secret is never returned, only whether one is saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelOut {
    pub id: i64,
    pub name: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// Where it sends: `host:port · from` or the gateway's URL.
    pub target: String,
    pub enabled: bool,
    pub has_secret: bool,
    pub sent: i64,
    pub waiting: i64,
    pub failed: i64,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

fn out(c: ChannelRow, counts: &[(i64, i64, i64, i64)]) -> ChannelOut {
    let (sent, waiting, failed) = counts.iter().find(|r| r.0 == c.id).map(|r| (r.1, r.2, r.3)).unwrap_or_default();
    ChannelOut {
        target: serde_json::from_str::<Settings>(&c.settings).map(|s| s.target()).unwrap_or_default(),
        id: c.id,
        name: c.name,
        kind: c.kind.code().into(),
        enabled: c.enabled,
        has_secret: c.has_secret,
        sent,
        waiting,
        failed,
        updated_at: c.updated_at,
        version: c.version,
    }
}

/// A channel to create or replace. E-mail: host, port (default by security), security
/// (`starttls`, `tls`, `none`), username (blank: no login), from. Webhook: url. `secret` is the
/// SMTP password or the webhook's signing key (≥ 16 characters); blank on update keeps it.
// No Debug: it carries the secret.
#[derive(Default, Deserialize, ToSchema)]
pub struct ChannelIn {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true, example = "webhook")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true, example = "短信网关")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub host: String,
    #[serde(default, deserialize_with = "de_text")]
    pub port: String,
    #[serde(default, deserialize_with = "de_text")]
    pub security: String,
    #[serde(default, deserialize_with = "de_text")]
    pub username: String,
    #[serde(default, deserialize_with = "de_text")]
    pub from: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(example = "https://sms.example.com/hook")]
    pub url: String,
    #[serde(default, deserialize_with = "de_text")]
    pub secret: String,
    /// Default true.
    pub enabled: Option<bool>,
    /// On update: the version read (409 when it changed meanwhile).
    pub version: Option<i64>,
}

impl ChannelIn {
    fn form(&self) -> ChannelForm {
        ChannelForm {
            kind: self.kind.clone(),
            name: self.name.clone(),
            host: self.host.clone(),
            port: self.port.clone(),
            security: self.security.clone(),
            username: self.username.clone(),
            from: self.from.clone(),
            url: self.url.clone(),
            secret: self.secret.clone(),
        }
    }
}

async fn channels(state: &AppState, actor: &propdesk_domain::access::Actor) -> ApiResult<Vec<ChannelOut>> {
    let mut c = state.db.read().await?;
    let counts = store::counts(&mut c, actor.company_id, MAX_ATTEMPTS).await?;
    Ok(store::list(&mut c, actor.company_id).await?.into_iter().map(|ch| out(ch, &counts)).collect())
}

/// List the company's notification channels
///
/// Admins and managers only.
#[utoipa::path(
    get,
    path = "/api/v1/notification-channels",
    tag = "channels",
    responses(
        (status = 200, description = "The company's channels", body = [ChannelOut]),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not manage channels", body = ErrorBody),
    )
)]
pub async fn list_channels(ApiUser(actor): ApiUser, State(state): State<AppState>) -> ApiResult<Json<Vec<ChannelOut>>> {
    crate::ops::require(&actor, Permission::ManageChannels)?;
    Ok(Json(channels(&state, &actor).await?))
}

async fn one(state: &AppState, actor: &propdesk_domain::access::Actor, id: i64) -> ApiResult<ChannelOut> {
    channels(state, actor).await?.into_iter().find(|c| c.id == id).ok_or_else(|| AppError::NotFound.into())
}

/// Create a notification channel
#[utoipa::path(
    post,
    path = "/api/v1/notification-channels",
    tag = "channels",
    request_body = ChannelIn,
    responses(
        (status = 201, description = "The channel", body = ChannelOut, headers(("Location" = String, description = "URL of the channel"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not manage channels", body = ErrorBody),
        (status = 422, description = "A setting is missing or invalid, or the name is taken", body = ErrorBody),
    )
)]
pub async fn create_channel(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<ChannelIn>) -> ApiResult<Created<ChannelOut>> {
    let id = ops::save(&state.db, &actor, None, None, &b.form(), b.enabled.unwrap_or(true)).await?;
    Ok(created(format!("/api/v1/notification-channels/{id}"), one(&state, &actor, id).await?))
}

/// Replace a notification channel's settings
///
/// A blank `secret` keeps the saved one.
#[utoipa::path(
    put,
    path = "/api/v1/notification-channels/{id}",
    tag = "channels",
    request_body = ChannelIn,
    params(("id" = i64, Path, description = "The channel's id")),
    responses(
        (status = 200, description = "The channel", body = ChannelOut),
        (status = 400, description = "Malformed JSON or path", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not manage channels", body = ErrorBody),
        (status = 404, description = "Not one of the company's channels", body = ErrorBody),
        (status = 409, description = "Changed meanwhile (version)", body = ErrorBody),
        (status = 422, description = "A setting is missing or invalid, or the name is taken", body = ErrorBody),
    )
)]
pub async fn update_channel(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ChannelIn>,
) -> ApiResult<Json<ChannelOut>> {
    ops::save(&state.db, &actor, Some(id), b.version, &b.form(), b.enabled.unwrap_or(true)).await?;
    Ok(Json(one(&state, &actor, id).await?))
}

/// Which payment notices to send: a project's period, or one payer's notice for one unit.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NoticesToSend {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true, example = "1")]
    pub project_id: String,
    /// `2026-11`, `2026-Q4` or `2026`.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true, example = "2026-12")]
    pub period: String,
    #[serde(default, deserialize_with = "de_text")]
    pub payer_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
}

/// Send payment notices through the channels
///
/// FEE-3: queues the notice of every payer with something owed in the period on each enabled
/// channel that can reach them (e-mail to their e-mail, the SMS/IM gateway to their mobile).
/// A notice already queued or sent on a channel is not repeated; one that was given up is
/// queued again.
#[utoipa::path(
    post,
    path = "/api/v1/payment-notices/send",
    tag = "channels",
    request_body = NoticesToSend,
    responses(
        (status = 200, description = "What was queued", body = SendSummary),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not collect fees", body = ErrorBody),
        (status = 422, description = "No channel set up, no bill owed in the period, or a bad field", body = ErrorBody),
    )
)]
pub async fn send_notices(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<NoticesToSend>) -> ApiResult<Json<SendSummary>> {
    let input = SendNoticesInput { project_id: b.project_id, period: b.period, payer_id: b.payer_id, unit_id: b.unit_id };
    Ok(Json(ops::send_payment_notices(&state.db, &actor, &input).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MessagesQuery {
    #[param(value_type = i64)]
    pub project_id: Option<String>,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: Option<String>,
}

/// A payment notice sent (or being sent) through a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeMessageOut {
    pub id: i64,
    pub payer_id: i64,
    pub unit_id: i64,
    pub channel: String,
    /// The e-mail address or mobile number it went to.
    pub address: String,
    #[schema(schema_with = state_schema)]
    pub state: String,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// List the payment notices sent in a period
#[utoipa::path(
    get,
    path = "/api/v1/payment-notices/messages",
    tag = "channels",
    params(MessagesQuery),
    responses(
        (status = 200, description = "The period's messages, by payer", body = [NoticeMessageOut]),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 404, description = "Not one of the caller's projects", body = ErrorBody),
        (status = 422, description = "project_id or period missing", body = ErrorBody),
    )
)]
pub async fn notice_messages(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<MessagesQuery>,
) -> ApiResult<Json<Vec<NoticeMessageOut>>> {
    crate::ops::require(&actor, Permission::ViewFees)?;
    let mut e = FieldErrors::new();
    let project_id = e.take("project_id", q.project_id.as_deref().unwrap_or("").trim().parse::<i64>().map_err(|_| Reason::Required));
    let period = e.take("period", propdesk_domain::values::text(q.period.as_deref().unwrap_or(""), 10));
    let (Some(project_id), Some(period)) = (project_id, period) else {
        return Err(AppError::Invalid(e).into());
    };
    if !actor.sees_project(project_id) {
        return Err(AppError::NotFound.into());
    }
    let mut c = state.db.read().await?;
    let rows = store::statuses(&mut c, &actor.projects, project_id, PartyMessageKind::PaymentNotice, &period).await?;
    Ok(Json(
        rows.into_iter()
            .map(|m| NoticeMessageOut {
                unit_id: propdesk_domain::channel::notice_unit(&m.entity_key).unwrap_or(0),
                state: message_state(m.sent_at.is_some(), m.attempts).code().into(),
                id: m.id,
                payer_id: m.party_id,
                channel: m.channel_name,
                address: m.address,
                queued_at: m.created_at,
                sent_at: m.sent_at,
                attempts: m.attempts,
                last_error: m.last_error,
            })
            .collect(),
    ))
}
