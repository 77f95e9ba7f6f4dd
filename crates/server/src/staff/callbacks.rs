//! CBK pages: the callbacks list with due states and assigned roles (CBK-1, CBK-2), recording
//! one callback with the standard questions, ratings and — for a visit — the customer's drawn
//! signature (CBK-5), dissatisfied → the complaint reopens (CBK-6), waivers (CBK-4), and the
//! manager's monthly sample with quality-check notes (CBK-7).

use super::{Errs, Pager, Q, TZ, fmt_time, opt_id, q, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::callback::{self as ops, CallbackInput, is_customer_service, is_manager, may_call, month_range};
use crate::state::AppState;
use crate::xlsx::{self, Sheet};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::callback::{CallbackMethod, CallbackRole, CallbackSubject, WaiverReason};
use propdesk_domain::complaint::Severity;
use propdesk_domain::reception::ScriptMoment;
use propdesk_domain::sla::DeadlineState;
use propdesk_domain::values::Month;
use propdesk_store::Page;
use propdesk_store::models::callback::{self as store, CallbackItem, CallbackStatus, Filter};
use propdesk_store::models::event::{self, Event};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/callbacks", get(list))
        .route("/callbacks/sample", post(sample))
        .route("/callbacks/sampled", get(sampled))
        .route("/callbacks/{id}", get(show).post(record))
        .route("/callbacks/{id}/waive", post(waive))
        .route("/callbacks/{id}/check", post(check))
}

/// A callback's deadline in words and colour (UI.md); settled callbacks show their status.
pub struct DueState {
    pub words: String,
    pub css: &'static str,
}

pub fn due_state(cb: &CallbackItem, en: bool) -> DueState {
    match cb.status {
        CallbackStatus::Pending => {
            let s = DeadlineState::of(cb.due_at, Utc::now(), false, TZ);
            DueState { words: if en { s.en().to_string() } else { s.zh().to_string() }, css: s.css() }
        }
        other => DueState { words: other.label(en).to_string(), css: "" },
    }
}

pub fn severity_label(s: &Option<String>, en: bool) -> String {
    s.as_deref().and_then(|c| Severity::parse(c).ok()).map(|s| s.label(en).to_string()).unwrap_or_default()
}

pub fn method_label(m: &Option<String>, en: bool) -> String {
    m.as_deref().and_then(|c| CallbackMethod::parse(c).ok()).map(|s| s.label(en).to_string()).unwrap_or_default()
}

pub fn waiver_label(m: &Option<String>, en: bool) -> String {
    m.as_deref().map(|c| WaiverReason::parse(c).map(|r| r.label(en).to_string()).unwrap_or_else(|_| c.to_string())).unwrap_or_default()
}

pub fn yes_no(v: &Option<bool>, en: bool) -> &'static str {
    match (v, en) {
        (Some(true), false) => "满意",
        (Some(false), false) => "不满意",
        (Some(true), true) => "satisfied",
        (Some(false), true) => "dissatisfied",
        (None, _) => "",
    }
}

/// Where the subject of a callback is shown.
pub fn subject_link(cb: &CallbackItem) -> String {
    match cb.subject {
        CallbackSubject::Complaint => format!("/complaints/{}", cb.subject_id),
        CallbackSubject::Repair => format!("/work-orders/{}", cb.subject_id),
        _ => String::new(),
    }
}

pub fn subject_text(cb: &CallbackItem, en: bool) -> String {
    match &cb.subject_number {
        Some(n) => format!("{} {n}", cb.subject.label(en)),
        None => format!("{} #{}", cb.subject.label(en), cb.subject_id),
    }
}

fn opt_ts(t: &Option<chrono::DateTime<Utc>>) -> String {
    t.as_ref().map(fmt_time).unwrap_or_default()
}

fn rating(v: &Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

// ---------- list ----------

#[derive(Template)]
#[template(path = "staff/callbacks.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<CallbackItem>,
    pager: Pager,
    f_project: Option<i64>,
    f_status: String,
    f_due: String,
    f_role: String,
    roles: &'static [CallbackRole],
    export: String,
    manager: bool,
    last_month: String,
}

impl ListPage {
    fn state(&self, cb: &CallbackItem) -> DueState {
        due_state(cb, self.ctx.en())
    }
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

fn list_filter(ctx: &Ctx, m: &HashMap<String, String>) -> (Filter, [(&'static str, String); 4]) {
    let project_id = match m.get("project_id") {
        Some(v) => opt_id(v).filter(|id| ctx.actor.sees_project(*id)),
        None => ctx.project_id,
    };
    // No status in the URL: the pending ones; `status=all` for everything.
    let status_text = m.get("status").cloned().unwrap_or_else(|| "pending".into());
    let status = CallbackStatus::parse(&status_text).ok();
    let role = CallbackRole::parse(q(m, "role")).ok();
    let now = Utc::now();
    let (_, end_of_today) = ops::today_range(now, TZ);
    let due = q(m, "due");
    let (due_before, due_from) = match due {
        "today" => (Some(end_of_today), Some(now)),
        "overdue" => (Some(now), None),
        _ => (None, None),
    };
    let f = Filter { project_id, status, role, due_before, due_from, ..Default::default() };
    let query = [
        ("project_id", project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("status", if status.is_some() { status_text } else { "all".into() }),
        ("due", if due_before.is_some() { due.to_string() } else { String::new() }),
        ("role", role.map(|r| r.code().to_string()).unwrap_or_default()),
    ];
    (f, query)
}

fn callbacks_sheet(items: &[CallbackItem], ctx: &Ctx, title: &str, with_check: bool) -> Sheet {
    let en = ctx.en();
    let mut headers: Vec<String> = [
        "对象",
        "客户",
        "电话",
        "级别",
        "回访期限",
        "状态",
        "回访人",
        "回访方式",
        "质量",
        "速度",
        "态度",
        "满意度",
        "服务效果",
        "缺点与不足",
        "建议",
        "完成时间",
    ]
    .iter()
    .map(|h| ctx.t(h).to_string())
    .collect();
    if with_check {
        headers.push(ctx.t("抽查意见").to_string());
    }
    let rows = items
        .iter()
        .map(|cb| {
            let mut r = vec![
                subject_text(cb, en),
                cb.customer.clone().unwrap_or_default(),
                cb.phone.clone().unwrap_or_default(),
                severity_label(&cb.severity, en),
                fmt_time(&cb.due_at),
                due_state(cb, en).words,
                cb.assigned_role.label(en).to_string(),
                method_label(&cb.method, en),
                rating(&cb.quality),
                rating(&cb.speed),
                rating(&cb.attitude),
                yes_no(&cb.satisfied, en).to_string(),
                cb.effect.clone(),
                cb.shortcomings.clone(),
                cb.suggestions.clone(),
                opt_ts(&cb.done_at),
            ];
            if with_check {
                r.push(cb.check_note.clone());
            }
            r
        })
        .collect();
    Sheet { title: title.to_string(), headers, rows }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    if !is_customer_service(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let (f, query) = list_filter(&ctx, &m);
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        let title = ctx.t("回访").to_string();
        return Ok(xlsx_response(xlsx::book(&[callbacks_sheet(&all.items, &ctx, &title, false)])?, "回访清单.xlsx"));
    }
    let page = Page::new(q(&m, "page").parse().unwrap_or(1), 50);
    let list = store::list(&mut c, &ctx.actor, &f, page).await?;
    let pager = Pager::new(&list, "/callbacks", &query);
    let this = Month::of(Utc::now().with_timezone(&TZ).date_naive());
    let last_month = if this.month == 1 { Month { year: this.year - 1, month: 12 } } else { Month { year: this.year, month: this.month - 1 } };
    let page = ListPage {
        export: format!("/callbacks?{}&format=xlsx", query_string(&query)),
        items: list.items,
        pager,
        f_project: f.project_id,
        f_status: query[1].1.clone(),
        f_due: query[2].1.clone(),
        f_role: query[3].1.clone(),
        roles: CallbackRole::ALL,
        manager: is_manager(&ctx.actor),
        last_month: last_month.to_string(),
        ctx,
    };
    Ok(render(&page))
}

// ---------- one callback ----------

#[derive(Template)]
#[template(path = "staff/callback.html")]
struct CallbackPage {
    ctx: Ctx,
    cb: CallbackItem,
    project_name: String,
    script_open: String,
    script_questions: String,
    script_farewell: String,
    may_record: bool,
    signature: Option<String>,
    history: Vec<Event>,
    methods: &'static [CallbackMethod],
    reasons: &'static [WaiverReason],
    v: FormData,
    errs: Errs,
}

impl CallbackPage {
    fn state(&self) -> DueState {
        due_state(&self.cb, self.ctx.en())
    }
    fn pending(&self) -> bool {
        !propdesk_domain::callback::allowed(self.cb.status).is_empty()
    }
    fn checked(&self, field: &str, value: &str) -> bool {
        self.v.get(field) == value
    }
    fn scores(&self) -> [i64; 5] {
        [5, 4, 3, 2, 1]
    }
    fn is_visit(&self) -> bool {
        self.v.get("method") == "visit"
    }
}

async fn callback_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<CallbackPage> {
    if !is_customer_service(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let mut c = state.db.read().await?;
    let cb = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let signature = if cb.method.as_deref() == Some("visit") { store::signature(&mut c, &ctx.actor, id).await? } else { None };
    let history = event::for_entity(&mut c, "callback", id).await?;
    let project_name = ctx.project_name(&cb.project_id).to_string();
    // RCP-5: the callback project's own scripts (else the defaults).
    let scripts = crate::ops::script::of_project(&mut c, &ctx.actor, cb.project_id).await?;
    let script = |m: ScriptMoment| scripts.iter().find(|s| s.moment == m).map(|s| s.shown(&project_name)).unwrap_or_default();
    let v = if v.0.is_empty() { FormData(vec![("version".into(), cb.version.to_string()), ("method".into(), "phone".into())]) } else { v };
    Ok(CallbackPage {
        may_record: may_call(&ctx.actor, cb.assigned_role),
        script_open: script(ScriptMoment::CallbackOpen),
        script_questions: script(ScriptMoment::CallbackQuestions),
        script_farewell: script(ScriptMoment::Farewell),
        project_name,
        cb,
        signature,
        history,
        methods: CallbackMethod::ALL,
        reasons: WaiverReason::ALL,
        v,
        errs,
        ctx,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&callback_page(&state, ctx, id, FormData::default(), errs).await?))
}

pub async fn record(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = CallbackInput {
        version: form.get("version").into(),
        method: form.get("method").into(),
        quality: form.get("quality").into(),
        speed: form.get("speed").into(),
        attitude: form.get("attitude").into(),
        satisfied: form.get("satisfied").into(),
        effect: form.get("effect").into(),
        shortcomings: form.get("shortcomings").into(),
        suggestions: form.get("suggestions").into(),
        signature: form.get("signature").into(),
    };
    match ops::record(&state.db, &ctx.actor, id, &input).await {
        Ok(_) => Ok(saved(&format!("/callbacks/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&callback_page(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn waive(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    match ops::waive(&state.db, &ctx.actor, id, form.get("version").trim().parse().ok(), form.get("waiver_reason")).await {
        Ok(_) => Ok(saved(&format!("/callbacks/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&callback_page(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- CBK-7: monthly sample ----------

pub async fn sample(State(state): State<AppState>, Query(m): Q, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let month = if form.has("month") { form.get("month").to_string() } else { q(&m, "month").to_string() };
    let project = opt_id(if form.has("project_id") { form.get("project_id") } else { q(&m, "project_id") });
    ops::sample_month(&state.db, &ctx.actor, project, &month).await?;
    let mut to = format!("/callbacks/sampled?month={}", month.trim());
    if let Some(p) = project {
        to.push_str(&format!("&project_id={p}"));
    }
    Ok(saved(&to))
}

#[derive(Template)]
#[template(path = "staff/callback_sampled.html")]
struct SampledPage {
    ctx: Ctx,
    month: String,
    f_project: Option<i64>,
    items: Vec<CallbackItem>,
    /// (project id, done in the month, sampled)
    counts: Vec<(i64, i64, i64)>,
    manager: bool,
    export: String,
}

impl SampledPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

pub async fn sampled(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    if !is_customer_service(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let month = Month::parse(q(&m, "month")).unwrap_or_else(|_| Month::of(Utc::now().with_timezone(&TZ).date_naive()));
    let f_project = opt_id(q(&m, "project_id")).filter(|p| ctx.actor.sees_project(*p)).or(ctx.project_id);
    let (from, to) = month_range(month, TZ);
    let f = Filter { project_id: f_project, done_between: Some((from, to)), sampled_only: true, ..Default::default() };
    let mut c = state.db.read().await?;
    let items = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?.items;
    if q(&m, "format") == "xlsx" {
        let title = ctx.t("回访抽查").to_string();
        return Ok(xlsx_response(xlsx::book(&[callbacks_sheet(&items, &ctx, &title, true)])?, &format!("回访抽查-{month}.xlsx")));
    }
    let mut counts = Vec::new();
    for p in &ctx.projects {
        if f_project.is_none_or(|x| x == p.id) {
            let (done, s) = store::month_counts(&mut c, p.id, from, to).await?;
            counts.push((p.id, done, s));
        }
    }
    let export = format!("/callbacks/sampled?month={month}&project_id={}&format=xlsx", f_project.map(|p| p.to_string()).unwrap_or_default());
    Ok(render(&SampledPage { manager: is_manager(&ctx.actor), month: month.to_string(), f_project, items, counts, export, ctx }))
}

pub async fn check(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ops::check(&state.db, &ctx.actor, id, form.get("check_note")).await?;
    let mut to = format!("/callbacks/sampled?month={}", form.get("month"));
    if let Some(p) = opt_id(form.get("project_id")) {
        to.push_str(&format!("&project_id={p}"));
    }
    Ok(saved(&to))
}
