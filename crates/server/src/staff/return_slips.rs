//! RCP-3 pages: after-sales return slips (物业返修联系单) — the list (filters in the URL, Excel,
//! print), the slip page with each step's deadline and only the actions its table allows, and
//! the A4 slip sent to the developer's after-sales department. Handlers call `ops::return_slip`.

use super::{Errs, Pager, fmt_time, opt_id, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::return_slip::{self as ops, SlipActionInput};
use crate::staff::complaints::{Due, TZ, due};
use crate::staff::work_orders::result_word;
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::return_slip::ReturnSlipStatus;
use propdesk_store::Page;
use propdesk_store::models::event;
use propdesk_store::models::return_slip::{self as store, Filter, ReturnSlipRow};
use std::collections::HashMap;

type Q = Query<HashMap<String, String>>;

fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/return-slips", get(list))
        .route("/return-slips/{id}", get(show))
        .route("/return-slips/{id}/act", post(act))
        .route("/return-slips/{id}/print", get(print))
}

pub fn status_css(s: &ReturnSlipStatus) -> &'static str {
    if s.is_open() { "key" } else { "ok" }
}

pub struct Row {
    pub s: ReturnSlipRow,
    pub due: Option<Due>,
}

#[derive(Template)]
#[template(path = "staff/return_slips.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    pager: Pager,
    statuses: &'static [ReturnSlipStatus],
    f_project: Option<i64>,
    f_status: String,
    f_overdue: bool,
    f_q: String,
    export: String,
}

impl ListPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

fn rows(items: Vec<ReturnSlipRow>, en: bool) -> Vec<Row> {
    let now = Utc::now();
    items.into_iter().map(|s| Row { due: due(s.next_due, s.status.is_open(), now, en), s }).collect()
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let project_id = match m.get("project_id") {
        Some(v) => opt_id(v).filter(|id| ctx.actor.sees_project(*id)),
        None => ctx.project_id,
    };
    let f = Filter {
        project_id,
        status: ReturnSlipStatus::parse(q(&m, "status")).ok(),
        overdue_at: (q(&m, "overdue") == "1").then(Utc::now),
        q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()),
    };
    let query = vec![
        ("project_id", f.project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("status", f.status.map(|s| s.code().to_string()).unwrap_or_default()),
        ("overdue", if f.overdue_at.is_some() { "1".into() } else { String::new() }),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    let en = ctx.en();
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        return Ok(xlsx_response(export(&ctx, &rows(all.items, en))?, "返修联系单清单.xlsx"));
    }
    let list = store::list(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 50)).await?;
    let pager = Pager::new(&list, "/return-slips", &query);
    Ok(render(&ListPage {
        export: format!("/return-slips?{}&format=xlsx", query_string(&query)),
        rows: rows(list.items, en),
        pager,
        statuses: ReturnSlipStatus::ALL,
        f_project: f.project_id,
        f_status: f.status.map(|s| s.code().to_string()).unwrap_or_default(),
        f_overdue: f.overdue_at.is_some(),
        f_q: f.q.unwrap_or_default(),
        ctx,
    }))
}

fn export(ctx: &Ctx, rows: &[Row]) -> AppResult<Vec<u8>> {
    let en = ctx.en();
    let headers: Vec<&str> = [
        "编号",
        "发出时间",
        "所属项目",
        "房号",
        "业主",
        "电话",
        "问题内容",
        "状态",
        "当前期限",
        "期限状态",
        "售后反馈",
        "按时反馈",
        "按时开工",
        "按时完成",
        "业主确认",
    ]
    .iter()
    .map(|h| ctx.t(h))
    .collect();
    let data = rows.iter().map(|r| {
        let s = &r.s;
        vec![
            s.number.clone(),
            fmt_time(&s.sent_at),
            s.project_name.clone(),
            s.unit_no.clone().unwrap_or_default(),
            s.owner_name.clone(),
            s.contact_phone.clone(),
            s.content.clone(),
            s.status.label(en).to_string(),
            r.due.as_ref().map(|d| d.time.clone()).unwrap_or_default(),
            r.due.as_ref().map(|d| d.word.to_string()).unwrap_or_default(),
            s.reply.clone(),
            result_word(s.feedback_on_time, en).0.to_string(),
            result_word(s.start_on_time, en).0.to_string(),
            result_word(s.finish_on_time, en).0.to_string(),
            s.confirmed_by.clone(),
        ]
    });
    Ok(xlsx::sheet(ctx.t("物业返修联系单"), &headers, data)?)
}

pub struct StepView {
    pub label: &'static str,
    pub due: Option<Due>,
    pub result: &'static str,
    pub css: &'static str,
}

fn step_views(s: &ReturnSlipRow, en: bool) -> Vec<StepView> {
    let now = Utc::now();
    let running = s.status.running_step();
    ops::steps(s)
        .into_iter()
        .map(|(st, t, r)| {
            let (result, css) = result_word(r, en);
            StepView { label: st.label(en), due: due(t, running == Some(st), now, en), result, css }
        })
        .collect()
}

pub struct HistoryItem {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
}

fn action_label(code: &str, en: bool) -> &'static str {
    let (zh, e) = match code {
        "created" => ("发出联系单", "Slip sent"),
        "acknowledge" => ("售后反馈", "After-sales answered"),
        "start_repair" => ("开始返修", "Repair started"),
        "confirm_done" => ("完成并经业主确认", "Done, confirmed by the owner"),
        _ => ("其他", "Other"),
    };
    if en { e } else { zh }
}

#[derive(Template)]
#[template(path = "staff/return_slip.html")]
struct SlipPage {
    ctx: Ctx,
    s: ReturnSlipRow,
    next_due: Option<Due>,
    steps: Vec<StepView>,
    allowed: Vec<&'static str>,
    history: Vec<HistoryItem>,
    v: FormData,
    errs: Errs,
    min_due: String,
}

impl SlipPage {
    fn can(&self, action: &str) -> bool {
        self.allowed.contains(&action)
    }
    fn err(&self, action: &str, field: &str) -> String {
        if self.v.get("action") == action { self.errs.msg(field) } else { String::new() }
    }
    fn cls(&self, action: &str, field: &str) -> &'static str {
        if self.v.get("action") == action { self.errs.cls(field) } else { "" }
    }
    fn val(&self, action: &str, field: &str) -> &str {
        if self.v.get("action") == action { self.v.get(field) } else { "" }
    }
}

async fn slip_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<SlipPage> {
    let en = ctx.en();
    let mut c = state.db.read().await?;
    let s = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let allowed = ops::allowed(&mut c, &ctx.actor, &s).await?;
    let history = event::for_entity(&mut c, "return_slip", id)
        .await?
        .into_iter()
        .map(|e| HistoryItem { at: fmt_time(&e.at), actor: e.actor_name, action: action_label(&e.action, en) })
        .collect();
    let now = Utc::now();
    Ok(SlipPage {
        next_due: due(s.next_due, s.status.is_open(), now, en),
        steps: step_views(&s, en),
        s,
        allowed,
        history,
        v,
        errs,
        min_due: now.with_timezone(&TZ).format("%Y-%m-%dT%H:%M").to_string(),
        ctx,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&slip_page(&state, ctx, id, FormData::default(), errs).await?))
}

#[derive(Template)]
#[template(path = "staff/return_slip_conflict.html")]
struct ConflictPage {
    ctx: Ctx,
    id: i64,
    message: String,
}

/// `POST /return-slips/{id}/act`: one step from the slip page's forms.
pub async fn act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    let input = SlipActionInput {
        action: form.get("action").into(),
        reply: form.get("reply").into(),
        agreed_finish: form.get("agreed_finish").into(),
        confirmed_by: form.get("confirmed_by").into(),
        note: form.get("note").into(),
    };
    let done = async {
        let action = input.parse(TZ)?;
        ops::act(&state.db, &ctx.actor, id, Some(version), &action).await
    };
    match done.await {
        Ok(_) => Ok(saved(&format!("/return-slips/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&slip_page(&state, ctx, id, form, errs).await?))
        }
        Err(AppError::Conflict(message)) => {
            let mut r = render(&ConflictPage { ctx, id, message });
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "print/return_slip.html")]
struct PrintPage {
    ctx: Ctx,
    s: ReturnSlipRow,
    feedback_due: String,
    finish_due: String,
    printed_at: String,
}

/// The A4 物业返修联系单, sent to the after-sales department and filed when returned.
pub async fn print(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let s = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let t = |x: Option<chrono::DateTime<Utc>>| x.as_ref().map(fmt_time).unwrap_or_default();
    Ok(render(&PrintPage { feedback_due: t(s.feedback_due), finish_due: t(s.finish_due), s, printed_at: fmt_time(&Utc::now()), ctx }))
}
