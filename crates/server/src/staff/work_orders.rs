//! REP pages: the work-order list (filters in the URL, Excel, print), intake (REP-1), the
//! record page with each stage's deadline and only the actions the table allows, the A4 work
//! order (维修工单), and a unit's repair history. Handlers parse and call `ops::work_order`.

use super::{Errs, Pager, Q, TZ, fmt_time, intake_start, list_project, q, query_string, render, render_invalid, saved, tr, unit_label, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::files::FileStore;
use crate::ops::paid_repair as fees;
use crate::ops::work_order::{self as ops, ActionInput, WorkOrderInput};
use crate::staff::attachments::{FileView, accept_attr, read_upload};
use crate::staff::claims::yuan;
use crate::staff::complaints::{Due, due};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::attachment::AttachmentEntity;
use propdesk_domain::callback::CallbackSubject;
use propdesk_domain::error::size_text;
use propdesk_domain::paid_repair::{FeeKind, FeeStatus, PayMethod};
use propdesk_domain::work_order::{
    Cause, Component, LocationKind, RectificationState, RepairCategory, Responsibility, ShutOff, Stage, WorkOrderStatus, rectification_state,
};
use propdesk_store::models::callback::{self as callback_store, CallbackItem};
use propdesk_store::models::complaint::unit_labels;
use propdesk_store::models::contractor::{self as contractors, ContractorRow, TestRow};
use propdesk_store::models::event::{self, Event};
use propdesk_store::models::org::{self, Project};
use propdesk_store::models::paid_repair::{FeeLineRow, FeeRow};
use propdesk_store::models::rectification::{self as rect_store, RectificationRow};
use propdesk_store::models::staff;
use propdesk_store::models::work_order::{self as store, Filter, WorkOrderRow};
use propdesk_store::{AsEx, Page};
use serde_json::Value;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/work-orders", get(list).post(create))
        .route("/work-orders/new", get(new_form))
        .route("/work-orders/{id}", get(record))
        .route("/work-orders/{id}/act", post(act))
        .route("/work-orders/{id}/print", get(print))
        .route("/rectifications/{id}", get(rectification))
        .route("/rectifications/{id}/close", post(close_rectification))
        .route("/rectifications/{id}/print", get(print_rectification))
        .route("/units/{id}/work-orders", get(unit_work_orders))
}

/// The running stage's deadline of an order, with its state while it runs.
fn next(w: &WorkOrderRow, now: DateTime<Utc>, en: bool) -> Option<Due> {
    due(w.next_due, w.status.is_open(), now, en)
}

pub fn status_css(s: &WorkOrderStatus) -> &'static str {
    match s {
        WorkOrderStatus::Closed => "ok",
        WorkOrderStatus::Cancelled => "",
        _ => "key",
    }
}

/// A stage's result in words (按时 / 超时), empty until the stage is done.
pub fn result_word(r: Option<bool>, en: bool) -> (&'static str, &'static str) {
    match r {
        Some(true) => (tr(en, "按时", "On time"), "ok"),
        Some(false) => (tr(en, "超时", "Late"), "bad"),
        None => ("", ""),
    }
}

// ---------- list ----------

pub struct ListRow {
    pub w: WorkOrderRow,
    pub unit: String,
    pub due: Option<Due>,
}

#[derive(Template)]
#[template(path = "staff/work_orders.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<ListRow>,
    pager: Pager,
    statuses: &'static [WorkOrderStatus],
    f_project: Option<i64>,
    f_status: String,
    f_emergency: bool,
    f_overdue: bool,
    f_q: String,
    export: String,
}

impl ListPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

async fn rows_of(c: &mut impl AsEx, actor: &Actor, items: Vec<WorkOrderRow>, en: bool) -> AppResult<Vec<ListRow>> {
    let ids: Vec<i64> = items.iter().filter_map(|w| w.unit_id).collect();
    let labels: HashMap<i64, String> = unit_labels(c, actor, &ids).await?.into_iter().collect();
    let now = Utc::now();
    Ok(items
        .into_iter()
        .map(|w| {
            let unit = w.unit_id.and_then(|u| labels.get(&u).cloned()).unwrap_or_else(|| w.location.clone());
            let d = next(&w, now, en);
            ListRow { w, unit, due: d }
        })
        .collect())
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let f = Filter {
        project_id: list_project(&ctx, &m),
        status: WorkOrderStatus::parse(q(&m, "status")).ok(),
        emergency_only: q(&m, "emergency") == "1",
        overdue_at: (q(&m, "overdue") == "1").then(Utc::now),
        unit_id: None,
        q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()),
    };
    let query = vec![
        ("project_id", f.project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("status", f.status.map(|s| s.code().to_string()).unwrap_or_default()),
        ("emergency", if f.emergency_only { "1".into() } else { String::new() }),
        ("overdue", if f.overdue_at.is_some() { "1".into() } else { String::new() }),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    let en = ctx.en();
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        let rows = rows_of(&mut c, &ctx.actor, all.paged.items, en).await?;
        return Ok(xlsx_response(export(&ctx, &rows)?, "维修工单清单.xlsx"));
    }
    let list = store::list(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 50)).await?;
    let pager = Pager::counted(&list.paged, list.more, "/work-orders", &query);
    let rows = rows_of(&mut c, &ctx.actor, list.paged.items, en).await?;
    Ok(render(&ListPage {
        export: format!("/work-orders?{}&format=xlsx", query_string(&query)),
        rows,
        pager,
        statuses: WorkOrderStatus::ALL,
        f_project: f.project_id,
        f_status: f.status.map(|s| s.code().to_string()).unwrap_or_default(),
        f_emergency: f.emergency_only,
        f_overdue: f.overdue_at.is_some(),
        f_q: f.q.unwrap_or_default(),
        ctx,
    }))
}

fn export(ctx: &Ctx, rows: &[ListRow]) -> AppResult<Vec<u8>> {
    let en = ctx.en();
    let headers: Vec<&str> = [
        "编号",
        "报修时间",
        "所属项目",
        "位置",
        "业主",
        "电话",
        "维修类别",
        "紧急",
        "报修内容",
        "状态",
        "维修部门",
        "维修人员",
        "当前期限",
        "期限状态",
        "派工",
        "到场",
        "完工",
        "验收",
        "回访",
    ]
    .iter()
    .map(|h| ctx.t(h))
    .collect();
    let data = rows.iter().map(|r| {
        let w = &r.w;
        let mut line = vec![
            w.number.clone(),
            fmt_time(&w.received_at),
            ctx.project_name(&w.project_id).to_string(),
            r.unit.clone(),
            w.owner_name.clone(),
            w.contact_phone.clone(),
            w.category.label(en).to_string(),
            if w.emergency { "✓".into() } else { String::new() },
            w.content.clone(),
            w.status.label(en).to_string(),
            w.department_name.clone().unwrap_or_default(),
            w.assignee_name.clone().unwrap_or_default(),
            r.due.as_ref().map(|d| d.time.clone()).unwrap_or_default(),
            r.due.as_ref().map(|d| d.word.to_string()).unwrap_or_default(),
        ];
        for r in [w.accept_on_time, w.on_site_on_time, w.finish_on_time, w.sign_off_on_time, w.callback_on_time] {
            line.push(result_word(r, en).0.to_string());
        }
        line
    });
    Ok(xlsx::sheet(ctx.t("维修工单"), &headers, data)?)
}

// ---------- intake (REP-1) ----------

#[derive(Template)]
#[template(path = "staff/work_order_form.html")]
struct NewPage {
    ctx: Ctx,
    v: FormData,
    errs: Errs,
    unit_label: String,
    kinds: &'static [LocationKind],
    categories: &'static [RepairCategory],
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let (project, unit_id, unit_label) = intake_start(&state, &ctx, &m).await?;
    let kind = if unit_id.is_empty() { "" } else { "in_unit" };
    let v = FormData(vec![("project_id".into(), project.to_string()), ("unit_id".into(), unit_id), ("location_kind".into(), kind.into())]);
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&NewPage { ctx, v, errs, unit_label, kinds: LocationKind::ALL, categories: RepairCategory::ALL }))
}

fn input_of(f: &FormData) -> WorkOrderInput {
    WorkOrderInput {
        project_id: f.get("project_id").into(),
        unit_id: f.get("unit_id").into(),
        party_id: f.get("party_id").into(),
        location_kind: f.get("location_kind").into(),
        location: f.get("location").into(),
        owner_name: f.get("owner_name").into(),
        contact_phone: f.get("contact_phone").into(),
        content: f.get("content").into(),
        available_times: f.get("available_times").into(),
        appointment_at: f.get("appointment_at").into(),
        category: f.get("category").into(),
        emergency: f.get("emergency").into(),
    }
}

pub async fn create(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    match ops::create(&state.db, &ctx.actor, &input_of(&form)).await {
        Ok((id, _)) => Ok(saved(&format!("/work-orders/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let unit_label = form.get("unit_label").to_string();
            Ok(render_invalid(&NewPage { ctx, v: form, errs, unit_label, kinds: LocationKind::ALL, categories: RepairCategory::ALL }))
        }
        Err(e) => Err(e),
    }
}

// ---------- the record page ----------

/// One stage as shown: its deadline (with its state while running) and its result.
pub struct StageView {
    pub label: &'static str,
    pub due: Option<Due>,
    pub result: &'static str,
    pub css: &'static str,
}

fn stage_views(w: &WorkOrderRow, now: DateTime<Utc>, en: bool) -> Vec<StageView> {
    let running = w.status.running_stage();
    ops::stages(w)
        .into_iter()
        .map(|(s, t, r)| {
            let (result, css) = result_word(r, en);
            StageView { label: s.label(en), due: due(t, running == Some(s), now, en), result, css }
        })
        .collect()
}

/// One event of the order's history, in words.
pub struct TimelineItem {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub change: String,
    pub lines: Vec<(&'static str, String)>,
}

pub fn action_label(code: &str, en: bool) -> &'static str {
    match code {
        "created" => tr(en, "报修登记", "Repair reported"),
        "dispatch" => tr(en, "派工", "Dispatched"),
        "arrive" => tr(en, "到场", "On site"),
        "start" => tr(en, "开始维修", "Repair started"),
        "finish" => tr(en, "完工", "Finished"),
        "sign_off" => tr(en, "验收签字", "Signed off"),
        "callback_done" => tr(en, "回访", "Callback"),
        "cancel" => tr(en, "取消", "Cancelled"),
        "decide_cause" => tr(en, "判定原因和责任", "Cause and responsibility decided"),
        "choose_repairer" => tr(en, "选定维修单位", "Repairer chosen"),
        "record_test" => tr(en, "试验记录", "Test recorded"),
        "photo_added" => tr(en, "上传照片", "Photo added"),
        "fee_add_line" => tr(en, "增加收费项目", "Fee line added"),
        "fee_remove_line" => tr(en, "删除收费项目", "Fee line removed"),
        "fee_agree" => tr(en, "业主确认报价", "Quote agreed by the owner"),
        "fee_collect" => tr(en, "收取维修费", "Fee collected"),
        "fee_hand_over" => tr(en, "维修费移交客服", "Fee handed over"),
        _ => tr(en, "其他", "Other"),
    }
}

fn status_label(code: &str, en: bool) -> String {
    WorkOrderStatus::try_from(code.to_string()).map(|s| s.label(en).to_string()).unwrap_or_else(|_| code.to_string())
}

fn timeline(events: &[Event], en: bool) -> Vec<TimelineItem> {
    events
        .iter()
        .map(|e| {
            let p: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            let (from, to) = (p["from"].as_str().unwrap_or(""), p["to"].as_str().unwrap_or(""));
            let change = if !from.is_empty() && from != to { format!("{} → {}", status_label(from, en), status_label(to, en)) } else { String::new() };
            let d = &p["detail"];
            let text = |k: &str| d[k].as_str().unwrap_or("").to_string();
            let mut lines: Vec<(&'static str, String)> = vec![
                (tr(en, "说明", "Note"), text("note")),
                (tr(en, "原因/证据", "Evidence"), text("evidence")),
                (tr(en, "维修方案", "Plan"), text("plan")),
                (tr(en, "维修结果", "Result"), text("result")),
                (tr(en, "验收人", "Signed by"), text("signed_by")),
                (tr(en, "原因", "Reason"), text("reason")),
            ];
            if let Some(s) = d["shut_off"].as_str().and_then(|s| ShutOff::parse(s).ok()) {
                lines.push((tr(en, "停水停电决定", "Shut-off decision"), s.label(en).to_string()));
            }
            if let Some(ok) = d["satisfied"].as_bool() {
                lines.push((
                    tr(en, "业主评价", "Owner"),
                    if ok { tr(en, "满意", "satisfied") } else { tr(en, "不满意，重新维修", "dissatisfied; reopened") }.into(),
                ));
            }
            for r in p["results"].as_array().into_iter().flatten() {
                let stage = r["stage"].as_str().and_then(|s| Stage::parse(s).ok()).map(|s| s.label(en)).unwrap_or("");
                lines.push((tr(en, "时效", "Timeliness"), format!("{stage}：{}", result_word(r["on_time"].as_bool(), en).0)));
            }
            lines.retain(|(_, v)| !v.is_empty());
            TimelineItem { at: fmt_time(&e.at), actor: e.actor_name.clone(), action: action_label(&e.action, en), change, lines }
        })
        .collect()
}

/// Staff who may be sent: active members of a department on the order's project.
pub struct Assignee {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    pub department: String,
}

async fn assignees(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> AppResult<Vec<Assignee>> {
    let mut out = Vec::new();
    for s in staff::list(c, actor.company_id).await? {
        let Some(d) = s.department_id else { continue };
        if s.active && staff::project_ids(c, s.id).await?.contains(&project_id) {
            out.push(Assignee { id: s.id, name: s.display_name, department_id: d, department: s.department_name.unwrap_or_default() });
        }
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "staff/work_order.html")]
pub(crate) struct RecordPage {
    ctx: Ctx,
    w: WorkOrderRow,
    project: Project,
    unit_label: String,
    next_due: Option<Due>,
    stages: Vec<StageView>,
    allowed: Vec<&'static str>,
    assignees: Vec<Assignee>,
    shut_offs: &'static [ShutOff],
    timeline: Vec<TimelineItem>,
    v: FormData,
    errs: Errs,
    min_due: String,
    /// REP-3: the warranty covering this kind of repair and whether the report fell within it.
    warranty: (Component, i64, Option<bool>),
    causes: &'static [Cause],
    /// REP-4: the approved contractors to choose from (eligibility is checked on saving).
    contractors: Vec<ContractorRow>,
    /// REP-6: the witnessed tests.
    tests: Vec<TestRow>,
    /// REP-1: the order's photos and documents.
    files: Vec<FileView>,
    accept: &'static str,
    image_limit: String,
    /// REP-8: the order's callbacks (pending and done).
    callbacks: Vec<CallbackItem>,
    /// REP-9: rectification notices issued from its callbacks.
    rectifications: Vec<RectificationView>,
    /// REP-12: a paid repair's fee, its lines and the fee actions the actor may take.
    fee: Option<FeeRow>,
    fee_lines: Vec<FeeLineRow>,
    fee_allowed: Vec<&'static str>,
    fee_kinds: &'static [FeeKind],
    pay_methods: &'static [PayMethod],
    /// REP-13: the repair case written from this order: (id, title).
    case: Option<(i64, String)>,
}

/// REP-9: a rectification notice as listed on the work order and shown on its own page.
pub struct RectificationView {
    pub r: RectificationRow,
    pub state: &'static str,
    pub css: &'static str,
    pub due: String,
}

impl RectificationView {
    pub fn new(r: RectificationRow, now: DateTime<Utc>, en: bool) -> RectificationView {
        let st = rectification_state(r.due_at, r.done_at, now);
        let css = match st {
            RectificationState::Open => "warn",
            RectificationState::Overdue | RectificationState::DoneLate => "bad",
            RectificationState::DoneOnTime => "ok",
        };
        RectificationView { state: st.label(en), css, due: fmt_time(&r.due_at), r }
    }
}

impl RecordPage {
    fn can(&self, action: &str) -> bool {
        self.allowed.contains(&action)
    }
    fn can_fee(&self, action: &str) -> bool {
        self.fee_allowed.contains(&action)
    }
    fn fee_status(&self) -> &'static str {
        self.fee.as_ref().map(|f| f.status).unwrap_or(FeeStatus::Quoting).label(self.ctx.en())
    }
    fn fee_version(&self) -> i64 {
        self.fee.as_ref().map_or(0, |f| f.version)
    }
    fn fee_total(&self) -> String {
        yuan(&self.fee.as_ref().map_or(0, |f| f.total))
    }
    fn method_label(&self) -> &'static str {
        self.fee.as_ref().and_then(|f| f.method.as_deref()).and_then(|m| PayMethod::parse(m).ok()).map(|m| m.label(self.ctx.en())).unwrap_or("")
    }
    fn any_action(&self) -> bool {
        !self.allowed.is_empty()
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
    fn shut_off_label(&self) -> &'static str {
        self.w.shut_off.as_deref().and_then(|s| ShutOff::parse(s).ok()).map(|s| s.label(self.ctx.en())).unwrap_or("")
    }
    fn in_unit(&self) -> bool {
        self.w.location_kind == LocationKind::InUnit
    }
    fn warranty_text(&self) -> String {
        let (component, years, within) = self.warranty;
        let en = self.ctx.en();
        let state = match within {
            Some(true) => tr(en, "报修时在保修期内", "within the warranty when reported"),
            Some(false) => tr(en, "报修时已过保修期", "out of warranty when reported"),
            None => tr(en, "无交付日期，无法判断", "no handover date, cannot tell"),
        };
        format!("{} · {years} {} · {state}", component.label(en), tr(en, "年", "years"))
    }
    /// REP-13: a closed order without its case may be written up by the repair managers.
    fn may_write_case(&self) -> bool {
        self.case.is_none() && self.w.status.may_write_case() && self.ctx.actor.can(propdesk_domain::access::Permission::WriteRepairCases)
    }
    fn cause_label(&self) -> &'static str {
        self.w.cause.as_deref().and_then(|c| Cause::parse(c).ok()).map(|c| c.label(self.ctx.en())).unwrap_or("")
    }
    fn responsibility_label(&self) -> &'static str {
        self.w.responsibility.as_deref().and_then(|c| Responsibility::parse(c).ok()).map(|c| c.label(self.ctx.en())).unwrap_or("")
    }
}

pub(crate) async fn record_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<RecordPage> {
    let en = ctx.en();
    let mut c = state.db.read().await?;
    let w = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let project = org::project(&mut c, &ctx.actor, w.project_id).await?.ok_or(AppError::NotFound)?;
    let unit_label = unit_label(&mut c, &ctx.actor, w.unit_id).await?;
    let allowed = ops::allowed(&mut c, &ctx.actor, &w).await?;
    let assignees = if allowed.contains(&"dispatch") { assignees(&mut c, &ctx.actor, w.project_id).await? } else { Vec::new() };
    let events = event::for_entity(&mut c, "work_order", id).await?;
    let files = crate::ops::attachment::list(&mut c, &ctx.actor, AttachmentEntity::WorkOrder, id).await?.into_iter().map(FileView::new).collect();
    let callbacks = callback_store::list(
        &mut c,
        &ctx.actor,
        &callback_store::Filter { project_id: Some(w.project_id), ..Default::default() },
        Page { number: 1, size: 1000 },
    )
    .await?
    .items
    .into_iter()
    .filter(|cb| cb.subject == CallbackSubject::Repair && cb.subject_id == id)
    .collect();
    let now = Utc::now();
    let warranty = ops::warranty(&mut c, &ctx.actor, &w).await?;
    let contractors = if allowed.contains(&"choose_repairer") {
        let f = contractors::Filter { approved: Some(true), trade: Some(w.category.trade()), q: None };
        contractors::list(&mut c, ctx.actor.company_id, &f, Page::new(1, 200)).await?.items
    } else {
        Vec::new()
    };
    let tests = contractors::tests(&mut c, id).await?;
    let rectifications = rect_store::for_work_order(&mut c, &ctx.actor, id).await?.into_iter().map(|r| RectificationView::new(r, now, en)).collect();
    let (fee, fee_lines) = fees::load(&mut c, &w).await?;
    let fee_allowed = fees::allowed(&mut c, &ctx.actor, &w).await?;
    let case = propdesk_store::models::repair_case::for_work_order(&mut c, &ctx.actor, id).await?.map(|k| (k.id, k.title));
    Ok(RecordPage {
        fee,
        fee_lines,
        fee_allowed,
        fee_kinds: FeeKind::ALL,
        pay_methods: PayMethod::ALL,
        case,
        warranty,
        causes: Cause::ALL,
        contractors,
        tests,
        files,
        accept: accept_attr(AttachmentEntity::WorkOrder),
        image_limit: size_text(state.cfg.attachment_limits.image_or_pdf),
        callbacks,
        rectifications,
        project,
        unit_label,
        next_due: next(&w, now, en),
        stages: stage_views(&w, now, en),
        allowed,
        assignees,
        shut_offs: ShutOff::ALL,
        timeline: timeline(&events, en),
        v,
        errs,
        min_due: now.with_timezone(&TZ).format("%Y-%m-%dT%H:%M").to_string(),
        w,
        ctx,
    })
}

pub async fn record(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&record_page(&state, ctx, id, FormData::default(), errs).await?))
}

#[derive(Template)]
#[template(path = "staff/work_order_conflict.html")]
struct ConflictPage {
    ctx: Ctx,
    id: i64,
    message: String,
}

/// The 409 page of a work order whose action did not fit (or was stale).
pub(crate) fn conflict_page(ctx: Ctx, id: i64, message: String) -> Response {
    let mut r = render(&ConflictPage { ctx, id, message });
    *r.status_mut() = StatusCode::CONFLICT;
    r
}

fn action_input(f: &FormData) -> ActionInput {
    ActionInput {
        action: f.get("action").into(),
        department_id: f.get("assignee_department").into(),
        assignee_id: f.get("assignee_id").into(),
        note: f.get("note").into(),
        evidence: f.get("evidence").into(),
        shut_off: f.get("shut_off").into(),
        plan: f.get("plan").into(),
        due: f.get("due").into(),
        result: f.get("result").into(),
        signed_by: f.get("signed_by").into(),
        signature: f.get("signature").into(),
        satisfied: f.get("satisfied").into(),
        reason: f.get("reason").into(),
        cause: f.get("cause").into(),
        contractor_id: f.get("contractor_id").into(),
        // Unticked boxes are not sent; "off" reads as no.
        owner_present: f.get("owner_present").into(),
        office_present: f.get("office_present").into(),
        passed: f.get("passed").into(),
    }
}

/// `POST /work-orders/{id}/act`: one action of the record page's forms.
pub async fn act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, mut form }: StaffForm) -> AppResult<Response> {
    // Every form carries the version it was rendered from; a missing one never matches.
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    // The dispatch form picks one person; their department comes with them ("dept:staff").
    if let Some((d, s)) = form.get("assignee").split_once(':').map(|(d, s)| (d.to_string(), s.to_string())) {
        form.0.push(("assignee_department".into(), d));
        form.0.push(("assignee_id".into(), s));
    }
    let done = async {
        let action = action_input(&form).parse(TZ)?;
        ops::act(&state.db, &ctx.actor, id, Some(version), &action).await
    };
    match done.await {
        Ok(_) => Ok(saved(&format!("/work-orders/{id}"))),
        Err(AppError::Invalid(mut e)) => {
            // The dispatch form has one field for both.
            for f in e.0.iter_mut().filter(|f| f.field == "assignee_id" || f.field == "department_id") {
                f.field = "assignee".into();
            }
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&record_page(&state, ctx, id, form, errs).await?))
        }
        Err(AppError::Conflict(message)) => Ok(conflict_page(ctx, id, message)),
        Err(e) => Err(e),
    }
}

/// `POST /work-orders/{id}/attachments`: REP-1 photos (images and PDF) of a work order.
pub async fn upload(State(state): State<AppState>, Path(id): Path<i64>, ctx: Ctx, body: Result<Multipart, MultipartRejection>) -> AppResult<Response> {
    let owner = crate::ops::attachment::owner(&state.db, &ctx.actor, AttachmentEntity::WorkOrder, id).await?;
    let multipart = body.map_err(|r| AppError::BadRequest(r.body_text()))?;
    let limits = state.cfg.attachment_limits;
    let files = FileStore::new(&state.cfg.attachments_dir);
    let result = async {
        let incoming = read_upload(multipart, &files, owner.entity.accepts(), &limits, Some(&ctx.csrf)).await?;
        crate::ops::attachment::attach(&state.db, &files, &ctx.actor, &owner, incoming, &limits).await
    };
    match result.await {
        Ok(_) => Ok(saved(&format!("/work-orders/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let v = FormData(vec![("action".into(), "upload".into())]);
            Ok(render_invalid(&record_page(&state, ctx, id, v, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- REP-9 rectification notices (整改通知单) ----------

#[derive(Template)]
#[template(path = "staff/rectification.html")]
struct RectificationPage {
    ctx: Ctx,
    n: RectificationView,
    can_close: bool,
    fix: String,
    errs: Errs,
}

async fn rectification_page(state: &AppState, ctx: Ctx, id: i64, fix: String, errs: Errs) -> AppResult<RectificationPage> {
    let mut c = state.db.read().await?;
    let r = rect_store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let can_close = r.status.is_open() && crate::ops::rectification::may_close(&mut c, &ctx.actor, &r).await?;
    let n = RectificationView::new(r, Utc::now(), ctx.en());
    Ok(RectificationPage { ctx, n, can_close, fix, errs })
}

pub async fn rectification(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&rectification_page(&state, ctx, id, String::new(), errs).await?))
}

/// `POST /rectifications/{id}/close`: REP-9 the fix is recorded and the notice is done.
pub async fn close_rectification(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    match crate::ops::rectification::close(&state.db, &ctx.actor, id, Some(version), form.get("fix")).await {
        Ok(_) => Ok(saved(&format!("/rectifications/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&rectification_page(&state, ctx, id, form.get("fix").to_string(), errs).await?))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "print/rectification.html")]
struct RectificationPrint {
    ctx: Ctx,
    n: RectificationView,
    printed_at: String,
}

/// The A4 rectification notice, to hand to the repair staff and file.
pub async fn print_rectification(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = crate::ops::rectification::get(&state.db, &ctx.actor, id).await?;
    let n = RectificationView::new(r, Utc::now(), ctx.en());
    Ok(render(&RectificationPrint { ctx, n, printed_at: fmt_time(&Utc::now()) }))
}

// ---------- the A4 work order (维修工单 / 维修委托书) ----------

#[derive(Template)]
#[template(path = "print/work_order.html")]
struct PrintPage {
    ctx: Ctx,
    w: WorkOrderRow,
    project: Project,
    unit_label: String,
    received_by: String,
    stages: Vec<StageView>,
    printed_at: String,
}

impl PrintPage {
    fn time(&self, t: &Option<DateTime<Utc>>) -> String {
        t.as_ref().map(fmt_time).unwrap_or_default()
    }
}

pub async fn print(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let en = ctx.en();
    let mut c = state.db.read().await?;
    let w = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let project = org::project(&mut c, &ctx.actor, w.project_id).await?.ok_or(AppError::NotFound)?;
    let unit_label = unit_label(&mut c, &ctx.actor, w.unit_id).await?;
    let events = event::for_entity(&mut c, "work_order", id).await?;
    let received_by = events.iter().find(|e| e.action == "created").map(|e| e.actor_name.clone()).unwrap_or_default();
    Ok(render(&PrintPage { stages: stage_views(&w, Utc::now(), en), w, project, unit_label, received_by, printed_at: fmt_time(&Utc::now()), ctx }))
}

// ---------- a unit's repair history ----------

#[derive(Template)]
#[template(path = "staff/work_order_unit.html")]
struct UnitPage {
    ctx: Ctx,
    unit_id: i64,
    unit_label: String,
    project_id: i64,
    rows: Vec<ListRow>,
}

/// `GET /units/{id}/work-orders`: every repair of one unit, newest first (the unit's file).
pub async fn unit_work_orders(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let en = ctx.en();
    let mut c = state.db.read().await?;
    let unit = org::unit(&mut c, &ctx.actor, id, crate::ops::org::today()).await?.ok_or(AppError::NotFound)?;
    let f = Filter { unit_id: Some(id), ..Filter::default() };
    let items = store::list(&mut c, &ctx.actor, &f, Page::new(1, 500)).await?.paged.items;
    let rows = rows_of(&mut c, &ctx.actor, items, en).await?;
    Ok(render(&UnitPage { unit_label: format!("{} {}", unit.building_name, unit.unit_no), project_id: unit.project_id, unit_id: id, rows, ctx }))
}
