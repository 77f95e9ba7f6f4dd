//! ORG-1/ORG-2: units and parties imported from Excel, all-or-nothing, with row/column errors.

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
