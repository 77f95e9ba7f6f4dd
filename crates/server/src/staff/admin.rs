//! ORG-6: staff accounts, departments, project assignments; SEC-1: the audit log.

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
