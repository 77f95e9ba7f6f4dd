//! The HTTP application: every module contributes its routes; cross-cutting layers
//! (security headers, metrics) wrap them all.

use crate::state::AppState;
use crate::{api, staff};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Instant;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route(
            "/static/app.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=300")], include_str!("../static/app.css")) }),
        )
        .route(
            "/static/app.js",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=300")], include_str!("../static/app.js"))
            }),
        )
        .merge(staff::routes())
        .merge(staff::attachments::routes(&state.cfg))
        .merge(api::routes())
        .merge(api::v1::attachments::routes(&state.cfg))
        .layer(middleware::from_fn(observe))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    let ok = async {
        let mut c = state.db.read().await?;
        propdesk_store::ping(&mut c).await
    };
    match ok.await {
        Ok(_) => "ok".into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// Request metrics by route pattern (not raw path, so ids do not explode the label set),
/// structured request logs, and security headers on every response.
async fn observe(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let mut res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let secs = started.elapsed().as_secs_f64();
    metrics::counter!("propdesk_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.clone()).increment(1);
    metrics::histogram!("propdesk_http_request_seconds", "method" => method.clone(), "route" => route.clone()).record(secs);
    tracing::debug!(%method, %route, %status, ms = secs * 1000.0, "request");
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    // A response with a stricter policy of its own (a served attachment) keeps it.
    if !h.contains_key("content-security-policy") {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            ),
        );
    }
    res
}
