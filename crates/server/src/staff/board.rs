//! RPT-1: the live board per project — open complaints by status and by deadline state (on
//! time / due today / overdue, from `next_due`), today's callbacks (due today or overdue), and
//! today's end-of-day review (CMP-8) with a one-click "progress told to the customer" button
//! that goes through the complaint workflow; next to complaints, open work orders by stage and
//! deadline (on time / due today / overdue) with today's repair callbacks among the callbacks,
//! open rectification notices (REP-9) and after-sales return slips (RCP-3). Counts link to the
//! filtered lists.

use super::callbacks::{DueState, due_state, severity_label, subject_text};
use super::{Q, TZ, fmt_time, list_project, opt_id, render};
use crate::auth::{Ctx, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::callback::{is_customer_service, today_range};
use crate::ops::complaint::act;
use crate::ops::org::today;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Permission;
use propdesk_domain::complaint::{Action, ComplaintStatus};
use propdesk_domain::sla::DeadlineState;
use propdesk_domain::values::Month;
use propdesk_domain::work_order::WorkOrderStatus;
use propdesk_store::Page;
use propdesk_store::models::callback::{self as callbacks, CallbackItem, CallbackStatus};
use propdesk_store::models::fee::{self as fees, RateBy};
use propdesk_store::models::rectification as rectifications;
use propdesk_store::models::report::{self, DueItem, Range, ReviewItem};
use propdesk_store::models::return_slip as return_slips;
use propdesk_store::models::work_order as work_orders;
/// The note the one-click button logs (CMP-8).
pub const PROGRESS_NOTE: &str = "日终回顾：已告知客户处理进度";

pub fn routes() -> Router<AppState> {
    Router::new().route("/board", get(board)).route("/board/progress/{id}", post(progress))
}

/// One status's count with the link to its list.
pub struct StatusCount {
    pub label: String,
    pub n: i64,
    pub link: String,
}

pub struct ProjectBoard {
    pub id: i64,
    pub name: String,
    pub open: i64,
    pub statuses: Vec<StatusCount>,
    pub overdue: i64,
    pub due_today: i64,
    pub on_time: i64,
    pub no_due: i64,
    pub due_list: Vec<DueItem>,
    pub callbacks: Vec<CallbackItem>,
    pub callbacks_overdue: i64,
    pub callbacks_today: i64,
    pub review: Vec<ReviewItem>,
    /// RPT-1 for repairs: open work orders, by stage and by deadline state.
    pub wo_open: i64,
    pub wo_overdue: i64,
    pub wo_due_today: i64,
    pub wo_on_time: i64,
    pub wo_statuses: Vec<StatusCount>,
    pub wo_due: Vec<work_orders::BoardItem>,
    /// REP-9: open rectification notices, and how many are past their 24 hours.
    pub rect_open: i64,
    pub rect_overdue: i64,
    /// RCP-3: open after-sales return slips, and how many are past their running deadline.
    pub slips_open: i64,
    pub slips_overdue: i64,
    /// FEE-10: this month's collection rate (per cent) and what was billed (yuan), for those who see fees.
    pub fee_rate: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff/board.html")]
struct BoardPage {
    ctx: Ctx,
    boards: Vec<ProjectBoard>,
    f_project: Option<i64>,
    now: DateTime<Utc>,
    progress_note: &'static str,
}

impl BoardPage {
    fn cb_state(&self, cb: &CallbackItem) -> DueState {
        due_state(cb, self.ctx.en())
    }
    fn due_words(&self, due: &Option<DateTime<Utc>>) -> (String, &'static str) {
        match due {
            Some(d) => {
                let s = DeadlineState::of(*d, self.now, false, TZ);
                ((if self.ctx.en() { s.en() } else { s.zh() }).to_string(), s.css())
            }
            None => (String::new(), ""),
        }
    }
    fn status_label(&self, code: &str) -> String {
        ComplaintStatus::parse(code).map(|s| s.label(self.ctx.en()).to_string()).unwrap_or_else(|_| code.to_string())
    }
    fn sev(&self, code: &str) -> String {
        severity_label(&Some(code.to_string()), self.ctx.en())
    }
    fn wo_status(&self, s: &WorkOrderStatus) -> &'static str {
        s.label(self.ctx.en())
    }
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

pub async fn board(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    if !is_customer_service(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let f_project = list_project(&ctx, &m);
    let projects: Vec<i64> = match f_project {
        Some(p) => vec![p],
        None => ctx.projects.iter().map(|p| p.id).collect(),
    };
    let now = Utc::now();
    let (start_of_today, end_of_today) = today_range(now, TZ);
    let mut c = state.db.read().await?;
    let counts = report::board_counts(&mut c, &ctx.actor, &projects, now, end_of_today).await?;
    let due_list = report::complaints_due(&mut c, &ctx.actor, &projects, now, end_of_today, 200).await?;
    let review = report::end_of_day_review(&mut c, &ctx.actor, &projects, Range { from: start_of_today, to: end_of_today }).await?;
    let cb_filter = callbacks::Filter { project_id: f_project, status: Some(CallbackStatus::Pending), due_before: Some(end_of_today), ..Default::default() };
    let wo_counts = work_orders::board_counts(&mut c, &ctx.actor, &projects, now, end_of_today).await?;
    let wo_due = work_orders::due_by(&mut c, &ctx.actor, &projects, end_of_today, 200).await?;
    let due_callbacks = callbacks::list(&mut c, &ctx.actor, &cb_filter, Page::new(1, 500)).await?.items;
    let fee_rates = if ctx.actor.can(Permission::ViewFees) {
        let month = Month::of(today());
        fees::collection_rates(&mut c, &ctx.actor, f_project, month.first_day(), month.last_day(), RateBy::Project).await?
    } else {
        Vec::new()
    };
    let mut boards = Vec::new();
    for pid in projects {
        let mine: Vec<_> = counts.iter().filter(|r| r.project_id == pid).collect();
        let mut statuses = Vec::new();
        for s in ComplaintStatus::ALL.iter().filter(|s| s.is_open()) {
            let n = mine.iter().filter(|r| r.status == *s).map(|r| r.total).sum();
            statuses.push(StatusCount { label: s.label(ctx.en()).to_string(), n, link: format!("/complaints?project_id={pid}&status={}", s.code()) });
        }
        let wo: Vec<_> = wo_counts.iter().filter(|r| r.project_id == pid).collect();
        let wo_statuses = WorkOrderStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| StatusCount {
                label: s.label(ctx.en()).to_string(),
                n: wo.iter().filter(|r| r.status == *s).map(|r| r.total).sum(),
                link: format!("/work-orders?project_id={pid}&status={}", s.code()),
            })
            .collect();
        let (wo_open, wo_overdue, wo_due_today) =
            (wo.iter().map(|r| r.total).sum::<i64>(), wo.iter().map(|r| r.overdue).sum::<i64>(), wo.iter().map(|r| r.due_today).sum::<i64>());
        let (rect_overdue, rect_open) = rectifications::open_counts(&mut c, pid, now).await?;
        let (slips_overdue, slips_open) = return_slips::open_counts(&mut c, pid, now).await?;
        let cbs: Vec<CallbackItem> = due_callbacks.iter().filter(|cb| cb.project_id == pid).cloned().collect();
        boards.push(ProjectBoard {
            id: pid,
            name: ctx.project_name(&pid).to_string(),
            open: mine.iter().map(|r| r.total).sum(),
            overdue: mine.iter().map(|r| r.overdue).sum(),
            due_today: mine.iter().map(|r| r.due_today).sum(),
            on_time: mine.iter().map(|r| r.on_time).sum(),
            no_due: mine.iter().map(|r| r.no_due).sum(),
            statuses,
            due_list: due_list.iter().filter(|d| d.project_id == pid).cloned().collect(),
            callbacks_overdue: cbs.iter().filter(|cb| cb.due_at < now).count() as i64,
            callbacks_today: cbs.iter().filter(|cb| cb.due_at >= now).count() as i64,
            callbacks: cbs,
            review: review.iter().filter(|r| r.project_id == pid).cloned().collect(),
            wo_open,
            wo_overdue,
            wo_due_today,
            wo_on_time: wo_open - wo_overdue - wo_due_today,
            wo_statuses,
            wo_due: wo_due.iter().filter(|w| w.project_id == pid).cloned().collect(),
            rect_open,
            rect_overdue,
            slips_open,
            slips_overdue,
            fee_rate: if ctx.actor.can(Permission::ViewFees) {
                let (rate, billed) = fee_rates.iter().find(|r| r.project_id == pid).map(|r| (r.percent(), r.billed)).unwrap_or((100.0, 0));
                Some((format!("{rate:.1}"), crate::staff::fees::yuan(billed)))
            } else {
                None
            },
        });
    }
    Ok(render(&BoardPage { ctx, boards, f_project, now, progress_note: PROGRESS_NOTE }))
}

/// CMP-8: "progress told to the customer" — `Action::Progress` through the workflow, logged as
/// the complaint's event; back to the board.
pub async fn progress(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let note = if form.get("note").trim().is_empty() { PROGRESS_NOTE.to_string() } else { form.get("note").trim().chars().take(500).collect() };
    let version = form.get("version").trim().parse::<i64>().ok();
    act(&state.db, &ctx.actor, id, version, &Action::Progress { note }).await?;
    let to = match opt_id(form.get("project_id")) {
        Some(p) => format!("/board?project_id={p}&saved=1"),
        None => "/board?saved=1".to_string(),
    };
    Ok(Redirect::to(&to).into_response())
}

/// For templates: a time or nothing.
pub fn opt_time(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref().map(fmt_time).unwrap_or_default()
}

/// For templates: the subject of a callback.
pub fn cb_subject(cb: &CallbackItem, en: bool) -> String {
    subject_text(cb, en)
}
