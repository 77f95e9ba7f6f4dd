//! The JSON API under /api/v1 with bearer tokens, and its OpenAPI document.

pub mod v1;

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    v1::routes()
}
