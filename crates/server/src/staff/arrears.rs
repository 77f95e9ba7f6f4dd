//! FEE-5/FEE-6 pages: the arrears cases (filters, Excel, and the printed list of non-payers with
//! their collection records at any step), a case with its ladder and actions, and the reminder
//! notice (催费通知书) printed on A4. Writes go through `ops::arrears` like the API.

use super::fees::yuan;
use super::{Errs, Pager, fmt_time, opt_id, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::arrears::{self as ops, ActionInput};
use crate::ops::org::today;
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::billing::{self, ArrearsCause, ArrearsStatus, ContactMethod};
use propdesk_store::Page;
use propdesk_store::models::arrears::{self as store, CaseRow, Filter, StepRow};
use propdesk_store::models::fee::{LedgerFilter, LedgerRow, LineState, ledger};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fees/arrears", get(list).post(open_overdue))
        .route("/fees/arrears/{id}", get(detail))
        .route("/fees/arrears/{id}/actions", post(act))
        .route("/fees/arrears/{id}/reminder", get(reminder))
}

type Q = Query<HashMap<String, String>>;

fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

fn project_of(ctx: &Ctx, asked: &str) -> i64 {
    opt_id(asked).filter(|p| ctx.actor.sees_project(*p)).or(ctx.project_id).or_else(|| ctx.projects.first().map(|p| p.id)).unwrap_or(0)
}

/// The label of a step's action.
pub fn action_label(action: &str, en: bool) -> &'static str {
    match (action, en) {
        ("opened", false) => "立案（已发缴费通知单）",
        ("opened", true) => "Case opened (payment notice sent)",
        ("set_cause", false) => "查明欠费原因",
        ("set_cause", true) => "Cause found",
        ("contact", false) => "催缴联系",
        ("contact", true) => "Contact",
        ("escalate", false) => "升级催缴",
        ("escalate", true) => "Escalated",
        ("paid_in_full", false) => "已缴清",
        ("paid_in_full", true) => "Paid in full",
        ("write_off", false) => "核销",
        ("write_off", true) => "Written off",
        (_, false) => "其他",
        (_, true) => "Other",
    }
}

#[derive(Template)]
#[template(path = "staff/arrears.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<CaseRow>,
    pager: Pager,
    project_id: i64,
    statuses: &'static [ArrearsStatus],
    causes: &'static [ArrearsCause],
    f_status: String,
    f_cause: String,
    f_q: String,
    export: String,
    print: String,
    printing: bool,
    /// Printing: every case's steps.
    steps: Vec<StepRow>,
    can_collect: bool,
}

impl ListPage {
    fn steps_of(&self, id: &i64) -> Vec<&StepRow> {
        self.steps.iter().filter(|s| s.case_id == *id).collect()
    }
    fn step_text(&self, s: &StepRow) -> String {
        let en = self.ctx.en();
        let method = s.method().map(|m| format!(" · {}", m.label(en))).unwrap_or_default();
        format!(
            "{} {}{}{} {}",
            fmt_time(&s.at),
            action_label(&s.action, en),
            method,
            if s.note.is_empty() { String::new() } else { format!("：{}", s.note) },
            s.staff_name.clone().unwrap_or_default()
        )
    }
}

fn filter_of(ctx: &Ctx, m: &HashMap<String, String>) -> (Filter, Vec<(&'static str, String)>) {
    let project_id = project_of(ctx, q(m, "project_id"));
    let status = ArrearsStatus::parse(q(m, "status")).ok();
    let f = Filter {
        project_id: Some(project_id),
        status,
        // The list shows open cases unless a closed status or "all" is asked for.
        open: q(m, "all") != "1",
        cause: ArrearsCause::parse(q(m, "cause")).ok(),
        q: Some(q(m, "q").trim().to_string()).filter(|s| !s.is_empty()),
        unit_id: opt_id(q(m, "unit_id")),
    };
    let query = vec![
        ("project_id", project_id.to_string()),
        ("status", status.map(|s| s.code().to_string()).unwrap_or_default()),
        ("cause", f.cause.map(|c| c.code().to_string()).unwrap_or_default()),
        ("all", q(m, "all").to_string()),
        ("q", f.q.clone().unwrap_or_default()),
        ("unit_id", f.unit_id.map(|u| u.to_string()).unwrap_or_default()),
    ];
    (f, query)
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let (f, query) = filter_of(&ctx, &m);
    let day = today();
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, &ctx.actor, &f, day, Page::first(xlsx::MAX_ROWS)).await?;
        let en = ctx.en();
        let headers: Vec<&str> =
            ["缴费人", "电话", "房号", "欠缴（元）", "最早逾期", "催缴阶段", "欠费原因", "立案时间", "最近催缴"].iter().map(|h| ctx.t(h)).collect();
        let data = all.items.iter().map(|r| {
            vec![
                r.payer_name.clone(),
                r.payer_phone.clone(),
                r.units.clone().unwrap_or_default(),
                yuan(r.balance),
                r.oldest_due.map(|d| d.to_string()).unwrap_or_default(),
                r.status.label(en).to_string(),
                r.cause.label(en).to_string(),
                fmt_time(&r.opened_at),
                r.last_step_at.as_ref().map(fmt_time).unwrap_or_default(),
            ]
        });
        let bytes = xlsx::sheet(ctx.t("欠费催缴"), &headers, data)?;
        return Ok(xlsx_response(bytes, "欠费催缴.xlsx"));
    }
    let printing = q(&m, "print") == "1";
    let page = if printing { Page::first(xlsx::MAX_ROWS) } else { Page::new(q(&m, "page").parse().unwrap_or(1), 50) };
    let list = store::list(&mut c, &ctx.actor, &f, day, page).await?;
    let steps = if printing { store::steps(&mut c, &list.items.iter().map(|r| r.id).collect::<Vec<_>>()).await? } else { Vec::new() };
    let pager = Pager::new(&list, "/fees/arrears", &query);
    Ok(render(&ListPage {
        export: format!("/fees/arrears?{}&format=xlsx", query_string(&query)),
        print: format!("/fees/arrears?{}&print=1", query_string(&query)),
        rows: list.items,
        pager,
        project_id: f.project_id.unwrap_or(0),
        statuses: ArrearsStatus::ALL,
        causes: ArrearsCause::ALL,
        f_status: query[1].1.clone(),
        f_cause: query[2].1.clone(),
        f_q: f.q.unwrap_or_default(),
        printing,
        steps,
        can_collect: ctx.actor.can(Permission::CollectFees),
        ctx,
    }))
}

pub async fn open_overdue(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = opt_id(form.get("project_id")).unwrap_or(0);
    ops::open_overdue(&state.db, &ctx.actor, project_id).await?;
    Ok(saved(&format!("/fees/arrears?project_id={project_id}")))
}

#[derive(Template)]
#[template(path = "staff/arrears_case.html")]
struct CasePage {
    ctx: Ctx,
    c: CaseRow,
    steps: Vec<StepRow>,
    lines: Vec<LedgerRow>,
    allowed: Vec<&'static str>,
    methods: &'static [ContactMethod],
    causes: &'static [ArrearsCause],
    next: Option<ArrearsStatus>,
    v: FormData,
    errs: Errs,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.allowed.contains(&action)
    }
    fn step_label(&self, s: &StepRow) -> &'static str {
        action_label(&s.action, self.ctx.en())
    }
    fn when(&self, s: &StepRow) -> String {
        fmt_time(&s.at)
    }
    fn method_label(&self, s: &StepRow) -> &'static str {
        s.method().map(|m| m.label(self.ctx.en())).unwrap_or("")
    }
    fn linked_href(&self) -> String {
        match (self.c.linked_entity.as_deref(), self.c.linked_id) {
            (Some("complaint"), Some(id)) => format!("/complaints/{id}"),
            (Some("work_order"), Some(id)) => format!("/work-orders/{id}"),
            _ => String::new(),
        }
    }
}

async fn case_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<CasePage> {
    ctx.require(Permission::ViewFees)?;
    let mut c = state.db.read().await?;
    let case = store::get(&mut c, &ctx.actor, id, today()).await?.ok_or(AppError::NotFound)?;
    let steps = store::steps(&mut c, &[id]).await?;
    let f = LedgerFilter { project_id: Some(case.project_id), payer_id: Some(case.payer_id), state: Some(LineState::Open), ..Default::default() };
    let lines = ledger(&mut c, &ctx.actor, &f, Page::new(1, 200)).await?.0.items;
    let facts = ops::facts(&mut c, &case).await?;
    let allowed = if ctx.actor.can(Permission::CollectFees) { billing::arrears_allowed(case.status, facts, ctx.actor.role) } else { Vec::new() };
    Ok(CasePage { next: case.status.next(), ctx, c: case, steps, lines, allowed, methods: ContactMethod::ALL, causes: ArrearsCause::ALL, v, errs })
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&case_page(&state, ctx, id, FormData::default(), errs).await?))
}

pub async fn act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    let input = ActionInput {
        action: form.get("action").into(),
        method: form.get("method").into(),
        note: form.get("note").into(),
        courier_no: form.get("courier_no").into(),
        cause: form.get("cause").into(),
        linked_entity: form.get("linked_entity").into(),
        linked_id: form.get("linked_id").into(),
    };
    match ops::act(&state.db, &ctx.actor, id, version, &input).await {
        Ok(_) => Ok(saved(&format!("/fees/arrears/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&case_page(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "print/arrears_reminder.html")]
struct ReminderPage {
    ctx: Ctx,
    c: CaseRow,
    project_name: String,
    lines: Vec<LedgerRow>,
    printed_at: String,
    today: chrono::NaiveDate,
}

impl ReminderPage {
    fn overdue_lines(&self) -> Vec<&LedgerRow> {
        self.lines.iter().filter(|l| l.status(self.today) == billing::LineStatus::Overdue).collect()
    }
}

/// FEE-6: the reminder notice (催费通知书) for a case, listing what is overdue.
pub async fn reminder(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let mut c = state.db.read().await?;
    let day = today();
    let case = store::get(&mut c, &ctx.actor, id, day).await?.ok_or(AppError::NotFound)?;
    let f = LedgerFilter {
        project_id: Some(case.project_id),
        payer_id: Some(case.payer_id),
        state: Some(LineState::Overdue),
        today: Some(day),
        ..Default::default()
    };
    let lines = ledger(&mut c, &ctx.actor, &f, Page::new(1, 500)).await?.0.items;
    let project_name = ctx.project_name(&case.project_id).to_string();
    Ok(render(&ReminderPage { ctx, c: case, project_name, lines, printed_at: fmt_time(&Utc::now()), today: day }))
}
