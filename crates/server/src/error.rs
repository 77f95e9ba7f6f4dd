//! One error type for the whole server. `AppError` renders as an HTML page (Chinese first),
//! `ApiError` wraps it to render the JSON shape of the API. Internal causes are logged, never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use propdesk_domain::FieldErrors;
use serde_json::json;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    Forbidden,
    Unauthorized,
    /// The record changed meanwhile, or the action does not fit its state.
    Conflict(String),
    Invalid(FieldErrors),
    BadRequest(String),
    TooManyRequests,
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<propdesk_store::DbError> for AppError {
    fn from(e: propdesk_store::DbError) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthorized => "unauthorized",
            AppError::Conflict(_) => "conflict",
            AppError::Invalid(_) => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::TooManyRequests => "too_many_requests",
            AppError::Internal(_) => "internal",
        }
    }
    fn messages(&self) -> (String, String) {
        match self {
            AppError::NotFound => ("页面或记录不存在".into(), "Not found".into()),
            AppError::Forbidden => ("您没有执行此操作的权限".into(), "You are not allowed to do this".into()),
            AppError::Unauthorized => ("请先登录".into(), "Please log in".into()),
            AppError::Conflict(m) => (format!("记录已被他人修改或当前状态不允许此操作：{m}"), format!("Conflict: {m}")),
            AppError::Invalid(_) => ("提交的内容有误，请检查".into(), "Some fields are invalid".into()),
            AppError::BadRequest(m) => (format!("请求有误：{m}"), format!("Bad request: {m}")),
            AppError::TooManyRequests => ("尝试次数过多，请稍后再试".into(), "Too many attempts, try again later".into()),
            AppError::Internal(_) => ("系统内部错误，请稍后再试".into(), "Internal error".into()),
        }
    }
    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %e, "internal error");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let (zh, en) = self.messages();
        let mut items = String::new();
        if let AppError::Invalid(errs) = &self {
            for e in &errs.0 {
                items.push_str(&format!("<li>{}：{}</li>", esc(&e.field), esc(&e.reason.zh())));
            }
        }
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{zh}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body class=\"error-page\"><main class=\"card\"><h1>{status}</h1><p>{zh}</p><p class=\"muted\">{en}</p><ul>{items}</ul><p><a href=\"/\">返回工作台</a></p></main></body></html>",
            status = self.status().as_u16(),
            zh = esc(&zh),
            en = esc(&en),
        );
        (self.status(), Html(body)).into_response()
    }
}

/// The same error, rendered as the API's JSON: `{"error":{"code","message","fields":[…]}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

macro_rules! api_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> Self {
                ApiError(e.into())
            }
        }
    )*};
}
api_from!(AppError, propdesk_store::DbError, anyhow::Error, FieldErrors);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let (_, en) = e.messages();
        let fields: Vec<_> = match &e {
            AppError::Invalid(errs) => errs.0.iter().map(|f| json!({"field": f.field, "message": f.reason.en(), "message_zh": f.reason.zh()})).collect(),
            _ => Vec::new(),
        };
        (e.status(), Json(json!({"error": {"code": e.code(), "message": en, "fields": fields}}))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}
