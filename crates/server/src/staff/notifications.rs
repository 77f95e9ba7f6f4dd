//! 通知: the staff inbox — the messages the outbox delivered to the caller (CMP-16, CMP-7,
//! dispatches, callbacks), newest first, with mark read and mark all read. Only the owner sees
//! a message; anyone else's is not found.

use super::{Pager, render};
use crate::auth::{Ctx, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::notify as ops;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use propdesk_store::Page;
use propdesk_store::models::outbox::{self as store, InboxItem};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}", get(show))
        .route("/notifications/{id}/read", post(read))
}

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "staff/notifications.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<InboxItem>,
    pager: Pager,
    unread_only: bool,
}

impl ListPage {
    fn project(&self, id: &Option<i64>) -> &str {
        id.as_ref().map(|p| self.ctx.project_name(p)).unwrap_or("")
    }
}

/// `GET /notifications[?unread=1][&page=N]`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Query<HashMap<String, String>>) -> AppResult<Response> {
    let unread_only = m.get("unread").is_some_and(|v| v == "1");
    let page = Page::new(m.get("page").and_then(|p| p.parse().ok()).unwrap_or(1), PER_PAGE);
    let mut c = state.db.read().await?;
    let found = store::inbox(&mut c, &ctx.actor, unread_only, page).await?;
    let pager = Pager::new(&found, "/notifications", &[("unread", if unread_only { "1".into() } else { String::new() })]);
    Ok(render(&ListPage { ctx, items: found.items, pager, unread_only }))
}

#[derive(Template)]
#[template(path = "staff/notification.html")]
struct MessagePage {
    ctx: Ctx,
    m: InboxItem,
}

impl MessagePage {
    fn project(&self) -> &str {
        self.m.project_id.as_ref().map(|p| self.ctx.project_name(p)).unwrap_or("")
    }
}

/// `GET /notifications/{id}` — one of the caller's messages.
pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let m = store::inbox_item(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    Ok(render(&MessagePage { ctx, m }))
}

/// Back to the inbox page the form was on (only an inbox address is followed).
fn back(next: &str) -> Response {
    let to = if next.starts_with("/notifications") && !next.starts_with("//") { next } else { "/notifications" };
    Redirect::to(to).into_response()
}

/// `POST /notifications/{id}/read`.
pub async fn read(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ops::mark_read(&state.db, &ctx.actor, id).await?;
    Ok(back(form.get("next")))
}

/// `POST /notifications/read-all`.
pub async fn read_all(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ops::mark_all_read(&state.db, &ctx.actor).await?;
    Ok(back(form.get("next")))
}
