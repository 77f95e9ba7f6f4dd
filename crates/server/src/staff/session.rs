//! Log in, log out, language and project switch.

use crate::auth::{self, Ctx, FormData, LANG_COOKIE, PROJECT_COOKIE, SESSION_COOKIE, StaffForm, check_login, cookie, new_secret, set_cookie, sha256_hex};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use propdesk_store::models::staff;
use std::collections::HashMap;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    next: String,
    username: String,
    error: String,
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).map(Lang::from_code).unwrap_or_default()
}

/// Only local paths are accepted as a place to return to (no open redirect).
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next.to_string() } else { "/".to_string() }
}

pub async fn login_page(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let page =
        LoginPage { lang: lang_of(&headers), next: safe_next(q.get("next").map(String::as_str).unwrap_or("/")), username: String::new(), error: String::new() };
    super::render(&page)
}

pub async fn login(State(state): State<AppState>, ConnectInfo(addr): ConnectInfo<SocketAddr>, headers: HeaderMap, body: Bytes) -> Response {
    let form = FormData::parse(&body);
    let lang = lang_of(&headers);
    let username = form.get("username").trim().to_string();
    let next = safe_next(form.get("next"));
    let fail = |status: StatusCode, msg: &'static str| {
        let page = LoginPage { lang, next: next.clone(), username: username.clone(), error: lang.t(msg).to_string() };
        let mut r = super::render(&page);
        *r.status_mut() = status;
        r
    };
    match check_login(&state.db, &state.cfg, &username, form.get("password"), &addr.ip().to_string()).await {
        Ok(s) => match start_session(&state, s.id).await {
            Ok(cookie) => ([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response(),
            Err(e) => e.into_response(),
        },
        Err(AppError::TooManyRequests) => fail(StatusCode::TOO_MANY_REQUESTS, "尝试次数过多，请稍后再试"),
        Err(AppError::Unauthorized) => fail(StatusCode::UNAUTHORIZED, "用户名或密码错误"),
        Err(e) => e.into_response(),
    }
}

async fn start_session(state: &AppState, staff_id: i64) -> Result<String, AppError> {
    let sid = new_secret();
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    staff::insert_session(&mut tx, &sha256_hex(&sid), staff_id, &new_secret(), now, now + Duration::hours(state.cfg.session_hours)).await?;
    tx.commit().await?;
    Ok(set_cookie(SESSION_COOKIE, &sid, state.cfg.session_hours * 3600, state.cfg.secure_cookies))
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap, StaffForm { .. }: StaffForm) -> Response {
    if let Some(sid) = cookie(&headers, SESSION_COOKIE) {
        let hash = sha256_hex(sid);
        let r = async {
            let mut tx = state.db.begin().await?;
            staff::delete_session(&mut tx, &hash).await?;
            tx.commit().await
        };
        if let Err(e) = r.await {
            return AppError::from(e).into_response();
        }
    }
    ([(SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.cfg.secure_cookies))], Redirect::to("/login")).into_response()
}

pub async fn set_lang(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let lang = Lang::from_code(&code);
    let value = if lang.is_en() { "en" } else { "zh" };
    let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/"));
    ([(SET_COOKIE, set_cookie(LANG_COOKIE, value, 365 * 86400, state.cfg.secure_cookies))], Redirect::to(&next)).into_response()
}

/// The project switcher: only the caller's own projects can be chosen.
pub async fn switch_project(State(state): State<AppState>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/"));
    let chosen = q.get("id").and_then(|v| v.parse::<i64>().ok()).filter(|id| ctx.actor.sees_project(*id));
    let cookie = match chosen {
        Some(id) => set_cookie(PROJECT_COOKIE, &id.to_string(), 365 * 86400, state.cfg.secure_cookies),
        None => set_cookie(PROJECT_COOKIE, "", 0, state.cfg.secure_cookies),
    };
    // Lists carry their project in the URL; drop it so the new choice applies.
    let next = next.split('?').next().unwrap_or("/").to_string();
    ([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

/// `POST /api/v1/auth/token` shares the throttled check with the login page.
pub async fn api_token(state: &AppState, username: &str, password: &str, addr: &str) -> Result<(String, chrono::DateTime<Utc>), AppError> {
    let s = check_login(&state.db, &state.cfg, username, password, addr).await?;
    let token = new_secret();
    let now = Utc::now();
    let expires = now + Duration::hours(state.cfg.token_hours);
    let mut tx = state.db.begin().await?;
    staff::insert_token(&mut tx, &auth::sha256_hex(&token), s.id, now, expires).await?;
    tx.commit().await?;
    Ok((token, expires))
}
