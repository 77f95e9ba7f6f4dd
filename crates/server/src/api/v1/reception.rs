//! Stub: filled by its module.

use utoipa::OpenApi;

/// This module's operations; merged into the API document by `api::openapi`.
#[derive(OpenApi)]
#[openapi()]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 0;

pub fn routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new()
}
