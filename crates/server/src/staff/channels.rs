//! POR-2: the company's channels to owners, tenants and merchants — set up, switched on and
//! off, tried with a test message — and the messages that could not be sent.

use super::{Errs, fmt_time, render, render_invalid, saved};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::jobs::party_messages::Transports;
use crate::ops::channel as ops;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::channel::{ChannelForm, ChannelKind, MAX_ATTEMPTS, Settings, SmtpSecurity};
use propdesk_store::models::channel::{self as store, ChannelRow, MessageStatus};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/channels", get(list).post(create))
        .route("/admin/channels/{id}", get(edit).post(update))
        .route("/admin/channels/{id}/test", post(test))
}

/// A channel in the list with what went through it.
struct Row {
    c: ChannelRow,
    target: String,
    sent: i64,
    waiting: i64,
    failed: i64,
}

#[derive(Template)]
#[template(path = "staff/admin_channels.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    failures: Vec<MessageStatus>,
    v: FormData,
    errs: Errs,
    kinds: &'static [ChannelKind],
    securities: &'static [SmtpSecurity],
}

async fn list_page(state: &AppState, ctx: Ctx, v: FormData, errs: FieldErrors) -> AppResult<ListPage> {
    let mut c = state.db.read().await?;
    let counts = store::counts(&mut c, ctx.actor.company_id, MAX_ATTEMPTS).await?;
    let rows = store::list(&mut c, ctx.actor.company_id)
        .await?
        .into_iter()
        .map(|ch| {
            let (sent, waiting, failed) = counts.iter().find(|r| r.0 == ch.id).map(|r| (r.1, r.2, r.3)).unwrap_or_default();
            let target = serde_json::from_str::<Settings>(&ch.settings).map(|s| s.target()).unwrap_or_default();
            Row { c: ch, target, sent, waiting, failed }
        })
        .collect();
    let failures = store::given_up(&mut c, &ctx.actor, MAX_ATTEMPTS, 50).await?;
    Ok(ListPage { errs: Errs::new(errs, ctx.lang), ctx, rows, failures, v, kinds: ChannelKind::ALL, securities: SmtpSecurity::ALL })
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Permission::ManageChannels)?;
    let v = FormData(vec![("kind".into(), "webhook".into()), ("security".into(), "starttls".into()), ("enabled".into(), "1".into())]);
    Ok(render(&list_page(&state, ctx, v, FieldErrors::new()).await?))
}

fn channel_form(f: &FormData) -> ChannelForm {
    ChannelForm {
        kind: f.get("kind").into(),
        name: f.get("name").into(),
        host: f.get("host").into(),
        port: f.get("port").into(),
        security: f.get("security").into(),
        username: f.get("username").into(),
        from: f.get("from").into(),
        url: f.get("url").into(),
        secret: f.get("secret").into(),
    }
}

pub async fn create(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageChannels)?;
    match ops::save(&state.db, &ctx.actor, None, None, &channel_form(&form), form.has("enabled")).await {
        Ok(id) => Ok(saved(&format!("/admin/channels/{id}"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&list_page(&state, ctx, without_secret(form), e).await?)),
        Err(e) => Err(e),
    }
}

/// A refused form comes back without the secret typed into it.
fn without_secret(f: FormData) -> FormData {
    FormData(f.0.into_iter().filter(|(k, _)| k != "secret").collect())
}

#[derive(Template)]
#[template(path = "staff/admin_channel.html")]
struct EditPage {
    ctx: Ctx,
    c: ChannelRow,
    v: FormData,
    errs: Errs,
    kinds: &'static [ChannelKind],
    securities: &'static [SmtpSecurity],
    /// The test message's outcome: Ok(address) or the reason it failed.
    tested: Option<Result<String, String>>,
}

async fn edit_page(state: &AppState, ctx: Ctx, id: i64, v: Option<FormData>, errs: FieldErrors, tested: Option<Result<String, String>>) -> AppResult<EditPage> {
    let mut c = state.db.read().await?;
    let ch = store::get(&mut c, ctx.actor.company_id, id, "").await?.ok_or(AppError::NotFound)?;
    let v = v.unwrap_or_else(|| saved_values(&ch));
    Ok(EditPage { errs: Errs::new(errs, ctx.lang), ctx, c: ch, v, kinds: ChannelKind::ALL, securities: SmtpSecurity::ALL, tested })
}

/// The form as saved: the settings, never the secret.
fn saved_values(ch: &ChannelRow) -> FormData {
    let mut v = vec![("kind".to_string(), ch.kind.code().to_string()), ("name".into(), ch.name.clone()), ("version".into(), ch.version.to_string())];
    if ch.enabled {
        v.push(("enabled".into(), "1".into()));
    }
    match serde_json::from_str::<Settings>(&ch.settings) {
        Ok(Settings::Email(e)) => {
            v.extend([
                ("host".into(), e.host),
                ("port".into(), e.port.to_string()),
                ("security".into(), e.security.code().into()),
                ("username".into(), e.username),
                ("from".into(), e.from),
            ]);
        }
        Ok(Settings::Webhook(w)) => v.push(("url".into(), w.url)),
        Err(_) => {}
    }
    FormData(v)
}

pub async fn edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.require(Permission::ManageChannels)?;
    Ok(render(&edit_page(&state, ctx, id, None, FieldErrors::new(), None).await?))
}

pub async fn update(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageChannels)?;
    let version = form.get("version").trim().parse().ok();
    match ops::save(&state.db, &ctx.actor, Some(id), version, &channel_form(&form), form.has("enabled")).await {
        Ok(_) => Ok(saved(&format!("/admin/channels/{id}"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&edit_page(&state, ctx, id, Some(without_secret(form)), e, None).await?)),
        Err(e) => Err(e),
    }
}

/// Sends a test message now and shows how it went on the channel's page.
pub async fn test(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageChannels)?;
    let to = form.get("to").trim().to_string();
    let t = Transports::new()?;
    match ops::test_send(&state.db, &t, &ctx.actor, id, &to).await {
        Ok(()) => Ok(render(&edit_page(&state, ctx, id, None, FieldErrors::new(), Some(Ok(to))).await?)),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&edit_page(&state, ctx, id, None, e, None).await?)),
        Err(AppError::Conflict(why)) => Ok(render(&edit_page(&state, ctx, id, None, FieldErrors::new(), Some(Err(why))).await?)),
        Err(e) => Err(e),
    }
}

impl Row {
    fn updated(&self) -> String {
        fmt_time(&self.c.updated_at)
    }
}
