//! `POST /api/v1/auth/token`: bearer tokens for API clients, with the same throttled
//! password check as the login page.

use crate::api::extract::ApiJson;
use crate::api::v1::ErrorBody;
use crate::error::ApiResult;
use crate::staff::session;
use crate::state::AppState;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use chrono::{DateTime, Utc};
use propdesk_domain::{FieldErrors, Reason};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[serde(default)]
    #[schema(required = true, example = "zhang")]
    pub username: String,
    #[serde(default)]
    #[schema(required = true, format = Password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issue a bearer token
///
/// Checks the staff member's username and password. After repeated failures the username
/// and the client address are locked for a while (429).
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    tag = "auth",
    security(()),
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A new token", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong username or password, or an inactive account", body = ErrorBody),
        (status = 422, description = "Username or password missing", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; try again later", body = ErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let mut errs = FieldErrors::new();
    if body.username.trim().is_empty() {
        errs.push("username", Reason::Required);
    }
    if body.password.is_empty() {
        errs.push("password", Reason::Required);
    }
    errs.into_result()?;
    let (token, expires_at) = session::api_token(&state, &body.username, &body.password, &addr.ip().to_string()).await?;
    Ok(Json(TokenResponse { token, expires_at }))
}
