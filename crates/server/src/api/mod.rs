//! The JSON API under /api/v1 with bearer tokens, and its OpenAPI document at
//! `/api/openapi.json`. Handlers call the same `ops` functions as the staff pages; every
//! error renders as `{"error":{"code","message","fields":[…]}}` (see `error::ApiError`).

pub mod extract;
pub mod openapi;
pub mod v1;

use crate::error::{ApiError, AppError};
use crate::state::AppState;
use axum::Router;
use axum::routing::{any, get};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi::serve))
        .merge(v1::routes())
        // Unknown API paths answer in the API's JSON shape, not with an empty body.
        .route("/api/{*rest}", any(not_found))
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}
