//! The reception desk (前台接待): the quick form with the script for the moment (RCP-1…RCP-5),
//! today's records and the open items, a record's page with its follow-up actions (RCP-3,
//! RCP-4, RCP-7), the shift log and handover (RCP-6) and the lost-and-found register (FD-3).

use super::{Errs, Pager, Q, fmt_time, q, render, render_invalid, saved};
use crate::auth::{Ctx, FormData, StaffForm, new_secret};
use crate::error::{AppError, AppResult};
use crate::ops::reception::{self as ops, LostInput, ReceptionAction, ReceptionInput, allowed, day_start, may_act, open_items};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::access::Permission;
use propdesk_domain::complaint::ComplaintStatus;
use propdesk_domain::reception::{Category, Channel, ReceptionStatus, ScriptMoment, needs_acknowledgement};
use propdesk_store::models::event::{self, Event};
use propdesk_store::models::org::Project;
use propdesk_store::models::reception::{self as store, FollowUpState, LostItem, LostStatus, ReceptionRow, Shift, ShiftEntry, StaffRef};
use propdesk_store::{AsEx, Page};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reception", get(desk).post(record))
        .route("/reception/scripts", get(scripts_panel))
        .route("/reception/shifts", get(shifts).post(start_shift))
        .route("/reception/shifts/{id}/log", post(log_line))
        .route("/reception/shifts/{id}/handover", post(hand_over))
        .route("/reception/lost-found", get(lost_found).post(register_lost))
        .route("/reception/lost-found/{id}/claim", post(claim_lost))
        .route("/reception/{id}", get(record_page))
        .route("/reception/{id}/actions", post(act))
        .route("/reception/{id}/lost", post(register_lost_from_record))
}

/// The desk's project: the one asked for (if the caller has it), else the switcher's, else
/// the caller's only project.
fn desk_project(ctx: &Ctx, asked: &str) -> Option<i64> {
    asked
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| ctx.actor.sees_project(*id))
        .or(ctx.project_id)
        .or_else(|| if ctx.projects.len() == 1 { ctx.projects.first().map(|p| p.id) } else { None })
}

fn project_of(ctx: &Ctx, id: Option<i64>) -> Option<Project> {
    id.and_then(|id| ctx.projects.iter().find(|p| p.id == id).cloned())
}

/// Roles that may not see personal data see only the records they took (ORG-6).
fn own_only(ctx: &Ctx) -> Option<i64> {
    if ctx.actor.can(Permission::ViewParties) { None } else { Some(ctx.actor.staff_id) }
}

pub fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

pub fn complaint_status_label(s: &Option<String>, en: bool) -> String {
    s.clone().and_then(|s| ComplaintStatus::try_from(s).ok()).map(|s| s.label(en).to_string()).unwrap_or_default()
}

/// A time in a list: `09:30` today, `11-26 09:30` this year, else the full date.
pub fn when(t: &chrono::DateTime<Utc>) -> String {
    let local = t.with_timezone(&super::TZ);
    let today = crate::ops::org::today();
    if local.date_naive() == today {
        local.format("%H:%M").to_string()
    } else if chrono::Datelike::year(&local) == chrono::Datelike::year(&today) {
        local.format("%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// An event's payload in words for the timeline: the note or reason given, what was created,
/// whom it went to — not the raw JSON.
pub fn summary(e: &Event, en: bool) -> String {
    let v: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty()).map(str::to_string);
    let mut parts: Vec<String> = Vec::new();
    match e.action.as_str() {
        "created" => {
            if let Some(n) = s("number") {
                parts.push(n);
            }
            if let Some(c) = s("category").and_then(|c| Category::try_from(c).ok()) {
                parts.push(c.label(en).to_string());
            }
            if let Some(f) = s("follow_up") {
                parts.push(f);
            }
            if let Some(n) = v.get("complaint").and_then(|c| c.get("number")).and_then(|n| n.as_str()) {
                parts.push(format!("{} {n}", if en { "complaint" } else { "投诉单" }));
            }
            if s("report_to").is_some() {
                parts.push(if en { "sent to the department head (CMP-16)" } else { "已报部门负责人（CMP-16）" }.to_string());
            }
        }
        "lost_registered" => parts.extend([s("number"), s("item")].into_iter().flatten()),
        _ => parts.extend([s("note"), s("reason")].into_iter().flatten()),
    }
    parts.join(" · ")
}

pub fn opt_time(t: &Option<chrono::DateTime<Utc>>) -> String {
    t.as_ref().map(fmt_time).unwrap_or_default()
}

/// The badge class of a record's state: closed is calm, open with something pending is amber.
pub fn status_class(r: &ReceptionRow) -> &'static str {
    match r.status {
        ReceptionStatus::Closed => "ok",
        ReceptionStatus::Open if r.started_open() > 0 => "warn",
        ReceptionStatus::Open => "",
    }
}

/// Masks a phone number for roles that may not see personal data (004 4.12).
pub fn masked(phone: &str, see: &bool) -> String {
    if *see || phone.chars().count() < 7 {
        return phone.to_string();
    }
    let chars: Vec<char> = phone.chars().collect();
    let n = chars.len();
    chars.iter().enumerate().map(|(i, c)| if i >= 3 && i < n - 4 { '*' } else { *c }).collect()
}

/// Action names in words, for buttons and the timeline.
pub fn action_label(action: &str, en: bool) -> String {
    let (zh, e) = match action {
        "created" => ("登记", "recorded"),
        "acknowledge" => ("已告知收到", "receipt acknowledged"),
        "reply" => ("已书面回复", "written reply sent"),
        "chase" => ("催办", "chased"),
        "done" => ("办结", "done"),
        "verify_praise" => ("核实表扬", "praise verified"),
        "report_manager" => ("已上报经理", "reported to the manager"),
        "close" => ("注销", "closed"),
        "lost_registered" => ("登记失物", "lost item registered"),
        other => return super::action_label(other, en),
    };
    if en { e.to_string() } else { zh.to_string() }
}

/// RCP-3: what a category starts, shown beside the category buttons before one is clicked.
pub fn hint(c: &Category, en: bool) -> &'static str {
    match (c, en) {
        (Category::AfterSales, false) => "售后：填写物业返修联系单，当天发售后部，督促落实",
        (Category::AfterSales, true) => "After-sales: a return slip to the after-sales department today, chased until done",
        (Category::Repair, false) => "报修：待转维修工单",
        (Category::Repair, true) => "Repair: awaits a work order",
        (Category::Complaint, false) => "投诉：同时生成投诉单，如实记录，不做承诺",
        (Category::Complaint, true) => "Complaint: a complaint case is opened at once; record faithfully, promise nothing",
        (Category::Service, false) => "服务：登记有偿服务单及费用",
        (Category::Service, true) => "Paid service: a service order with its fee",
        (Category::Praise, false) => "表扬：核实后记入员工档案",
        (Category::Praise, true) => "Praise: verified, then noted on the staff member's record",
        (Category::Suggestion, false) => "建议：收集上报项目经理",
        (Category::Suggestion, true) => "Suggestion: reported to the project manager",
        (Category::Inquiry, false) => "咨询：当场答复，记录即注销",
        (Category::Inquiry, true) => "Inquiry: answered on the spot; the record closes at once",
        (Category::Other, false) => "其它：如失物，登记失物招领",
        (Category::Other, true) => "Other: e.g. a lost item goes to the lost-and-found register",
    }
}

/// The label of the "done" action by category (what was done).
pub fn done_label(c: &Category, en: bool) -> &'static str {
    match (c, en) {
        (Category::AfterSales, false) => "售后已处理完毕",
        (Category::AfterSales, true) => "After-sales done",
        (Category::Repair, false) => "维修已完成",
        (Category::Repair, true) => "Repair done",
        (Category::Service, false) => "服务已完成",
        (Category::Service, true) => "Service delivered",
        (_, false) => "办结",
        (_, true) => "Done",
    }
}

// ---------- the desk ----------

/// RCP-5: a script of the chosen project for a moment, split around the first place the
/// project's name goes, so the page can show the name in bold.
pub struct Script {
    pub moment: &'static str,
    pub before: String,
    pub after: String,
    pub has_name: bool,
}

/// The moments the desk shows, in order.
const DESK_MOMENTS: [ScriptMoment; 4] = [ScriptMoment::Greeting, ScriptMoment::Visitor, ScriptMoment::Complaint, ScriptMoment::Farewell];

fn split_script(m: ScriptMoment, text: &str, name: &str) -> Script {
    match text.split_once("{project}") {
        Some((b, a)) => Script { moment: m.code(), before: b.to_string(), after: a.replace("{project}", name), has_name: true },
        None => Script { moment: m.code(), before: text.to_string(), after: String::new(), has_name: false },
    }
}

/// The desk's scripts: the project's own, else the defaults (no project chosen yet).
async fn desk_scripts(c: &mut impl AsEx, ctx: &Ctx, project: Option<&Project>) -> AppResult<Vec<Script>> {
    let all = match project {
        Some(p) => crate::ops::script::of_project(c, &ctx.actor, p.id).await?,
        None => crate::ops::script::resolve(0, &[]),
    };
    let name = project.map(|p| p.name.as_str()).unwrap_or("××");
    Ok(DESK_MOMENTS.iter().filter_map(|m| all.iter().find(|s| s.moment == *m)).map(|s| split_script(s.moment, &s.text, name)).collect())
}

/// The script shown first: the complaint script when the form came back for a complaint,
/// the visitor greeting for a visit, else the telephone greeting.
fn first_moment(category: &str, channel: &str) -> &'static str {
    if category == Category::Complaint.code() {
        ScriptMoment::Complaint.code()
    } else if channel == Channel::Visit.code() {
        ScriptMoment::Visitor.code()
    } else {
        ScriptMoment::Greeting.code()
    }
}

/// The script panel alone, for the desk to swap in when another project is chosen.
#[derive(Template)]
#[template(path = "staff/reception_scripts.html")]
struct ScriptsPanel {
    ctx: Ctx,
    scripts: Vec<Script>,
    first: &'static str,
    script_name: String,
}

/// `GET /reception/scripts?project_id=&moment=` — RCP-5: the project's scripts panel.
pub async fn scripts_panel(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let project_id = q(&m, "project_id").trim().parse::<i64>().ok().filter(|id| ctx.actor.sees_project(*id)).ok_or(AppError::NotFound)?;
    let project = project_of(&ctx, Some(project_id));
    let mut c = state.db.read().await?;
    let scripts = desk_scripts(&mut c, &ctx, project.as_ref()).await?;
    let first = ScriptMoment::ALL.iter().map(|s| s.code()).find(|s| *s == q(&m, "moment")).unwrap_or(ScriptMoment::Greeting.code());
    let script_name = project.map(|p| p.name).unwrap_or_default();
    Ok(render(&ScriptsPanel { ctx, scripts, first, script_name }))
}

#[derive(Template)]
#[template(path = "staff/reception.html")]
struct DeskPage {
    ctx: Ctx,
    project: Option<Project>,
    channels: &'static [Channel],
    categories: &'static [Category],
    v: FormData,
    errs: Errs,
    today: Vec<ReceptionRow>,
    earlier_open: Vec<ReceptionRow>,
    earlier_open_total: i64,
    scripts: Vec<Script>,
    /// The moment whose script shows first, and the name the scripts show.
    first: &'static str,
    script_name: String,
    last: Option<ReceptionRow>,
    see_parties: bool,
    on_duty: bool,
}

impl DeskPage {
    fn is_channel(&self, c: &Channel) -> bool {
        let v = self.v.get("channel");
        if v.is_empty() { *c == Channel::Phone } else { v == c.code() }
    }
    fn is_project(&self, id: &i64) -> bool {
        self.project.as_ref().is_some_and(|p| p.id == *id)
    }
    fn lookup_q(&self) -> String {
        self.project.as_ref().map(|p| format!("?project_id={}", p.id)).unwrap_or_default()
    }
    fn written(&self) -> bool {
        Channel::parse(self.v.get("channel")).is_ok_and(needs_acknowledgement)
    }
}

async fn desk_page(state: &AppState, ctx: Ctx, asked: &str, mut v: FormData, errs: Errs, last: Option<i64>) -> AppResult<DeskPage> {
    let project_id = desk_project(&ctx, asked);
    let project = project_of(&ctx, project_id);
    if v.get("form_token").is_empty() {
        v.0.push(("form_token".into(), new_secret()));
    }
    let start = day_start(crate::ops::org::today());
    let mut c = state.db.read().await?;
    let base = store::Filter { project_id, taken_by: own_only(&ctx), ..Default::default() };
    let today = store::list(&mut c, &ctx.actor, &store::Filter { from: Some(start), ..base.clone() }, Page::new(1, 200), false).await?.items;
    let earlier =
        store::list(&mut c, &ctx.actor, &store::Filter { to: Some(start), status: Some(ReceptionStatus::Open), ..base }, Page::new(1, 100), true).await?;
    let last = match last {
        Some(id) => ops::get(&mut c, &ctx.actor, id).await.ok(),
        None => None,
    };
    let on_duty = match project_id {
        Some(p) => store::on_duty(&mut c, ctx.actor.staff_id, p).await?.is_some(),
        None => false,
    };
    let scripts = desk_scripts(&mut c, &ctx, project.as_ref()).await?;
    let first = first_moment(v.get("category"), v.get("channel"));
    let script_name = project.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "××".into());
    let see_parties = ctx.actor.can(Permission::ViewParties);
    Ok(DeskPage {
        ctx,
        project,
        channels: Channel::ALL,
        categories: Category::ALL,
        v,
        errs,
        today,
        earlier_open_total: earlier.total,
        earlier_open: earlier.items,
        scripts,
        first,
        script_name,
        last,
        see_parties,
        on_duty,
    })
}

pub async fn desk(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    let last = q(&m, "last").parse().ok();
    Ok(render(&desk_page(&state, ctx, q(&m, "project_id"), FormData::default(), errs, last).await?))
}

fn reception_input(f: &FormData, project_id: Option<i64>) -> ReceptionInput {
    ReceptionInput {
        project_id: project_id.map(|p| p.to_string()).unwrap_or_default(),
        channel: f.get("channel").into(),
        category: f.get("category").into(),
        unit_id: f.get("unit_id").into(),
        party_id: f.get("party_id").into(),
        contact_name: f.get("contact_name").into(),
        contact_phone: f.get("contact_phone").into(),
        content: f.get("content").into(),
        answer: f.get("answer").into(),
        fee: f.get("fee").into(),
        received_at: f.get("received_at").into(),
    }
}

/// `POST /reception`: one click on a category records the contact. The hidden form token
/// makes a double submit give back the same record.
pub async fn record(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = desk_project(&ctx, form.get("project_id"));
    let key = Some(form.get("form_token")).filter(|t| !t.is_empty()).map(|t| format!("form:{t}"));
    match ops::record(&state.db, &ctx.actor, &reception_input(&form, project_id), key.as_deref()).await {
        Ok(r) => {
            let id = r.record.id;
            // 其它: the record's page, where a lost item is registered.
            if allowed(&r.record).contains(&"register_lost") {
                return Ok(saved(&format!("/reception/{id}")));
            }
            // The desk stays on the record's project for the next call, and says what was recorded.
            Ok(Redirect::to(&format!("/reception?project_id={}&last={id}", r.record.project_id)).into_response())
        }
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let asked = project_id.map(|p| p.to_string()).unwrap_or_default();
            Ok(render_invalid(&desk_page(&state, ctx, &asked, form, errs, None).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- a record ----------

#[derive(Template)]
#[template(path = "staff/reception_record.html")]
struct RecordPage {
    ctx: Ctx,
    r: ReceptionRow,
    project: Option<Project>,
    allowed: Vec<&'static str>,
    open_items: Vec<String>,
    history: Vec<Event>,
    lost: Vec<LostItem>,
    staff: Vec<StaffRef>,
    v: FormData,
    errs: Errs,
    can_act: bool,
    see_parties: bool,
    /// RCP-3: the work order a repair record started.
    work_order: Option<propdesk_store::models::work_order::WorkOrderRow>,
}

impl RecordPage {
    fn can(&self, action: &str) -> bool {
        self.can_act && self.allowed.contains(&action)
    }
    fn written(&self) -> bool {
        needs_acknowledgement(self.r.channel)
    }
    fn pending(&self) -> bool {
        self.r.follow_up_state == FollowUpState::Pending
    }
}

async fn record_view(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<RecordPage> {
    let mut c = state.db.read().await?;
    let r = ops::get(&mut c, &ctx.actor, id).await?;
    let history = event::for_entity(&mut c, "reception", id).await?;
    let lost = store::lost_of_record(&mut c, id).await?;
    let staff = if r.category == Category::Praise { store::project_staff(&mut c, &ctx.actor, r.project_id).await? } else { Vec::new() };
    let project = project_of(&ctx, Some(r.project_id));
    let can_act = may_act(&ctx.actor);
    let see_parties = ctx.actor.can(Permission::ViewParties);
    let work_order = if r.category == Category::Repair { propdesk_store::models::work_order::for_reception(&mut c, &ctx.actor, id).await? } else { None };
    Ok(RecordPage { allowed: allowed(&r), open_items: open_items(&r), r, project, history, lost, staff, v, errs, can_act, see_parties, work_order, ctx })
}

pub async fn record_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&record_view(&state, ctx, id, FormData::default(), errs).await?))
}

pub async fn act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").parse().ok();
    let result = match ReceptionAction::parse(form.get("action"), form.get("note"), form.get("staff_id")) {
        Ok(a) => ops::act(&state.db, &ctx.actor, id, version, &a).await.map(|_| ()),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(saved(&format!("/reception/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&record_view(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn register_lost_from_record(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let r = {
        let mut c = state.db.read().await?;
        ops::get(&mut c, &ctx.actor, id).await?
    };
    let input = LostInput { project_id: r.project_id.to_string(), reception_id: id.to_string(), ..lost_input(&form) };
    match ops::register_lost(&state.db, &ctx.actor, &input).await {
        Ok(_) => Ok(saved(&format!("/reception/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&record_view(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- shifts (RCP-6) ----------

/// A handover with the records it carried, as they are now.
pub struct Handover {
    pub shift: Shift,
    pub carried: Vec<ReceptionRow>,
    pub entries: Vec<ShiftEntry>,
}

#[derive(Template)]
#[template(path = "staff/shifts.html")]
struct ShiftsPage {
    ctx: Ctx,
    project: Option<Project>,
    mine: Option<Shift>,
    entries: Vec<ShiftEntry>,
    /// What the shift I am on took over.
    took_over: Option<Handover>,
    /// Handovers nobody has taken over yet (to me first).
    waiting: Vec<Handover>,
    open_now: Vec<ReceptionRow>,
    open_total: i64,
    recent: Vec<Shift>,
    staff: Vec<StaffRef>,
    v: FormData,
    errs: Errs,
    can_act: bool,
}

impl ShiftsPage {
    fn for_me(&self, s: &Shift) -> bool {
        s.handed_to.is_none_or(|t| t == self.ctx.actor.staff_id)
    }
    fn not_me(&self, s: &StaffRef) -> bool {
        s.id != self.ctx.actor.staff_id
    }
    fn is_to(&self, id: &i64) -> bool {
        self.v.get("to") == id.to_string()
    }
}

async fn handover(c: &mut propdesk_store::Conn, ctx: &Ctx, shift: Shift) -> AppResult<Handover> {
    let carried = store::carried(c, &ctx.actor, shift.id).await?;
    let entries = store::entries(c, shift.id).await?;
    Ok(Handover { shift, carried, entries })
}

async fn shifts_page(state: &AppState, ctx: Ctx, asked: &str, v: FormData, errs: Errs) -> AppResult<ShiftsPage> {
    let project = project_of(&ctx, desk_project(&ctx, asked));
    let can_act = may_act(&ctx.actor);
    let mut page = ShiftsPage {
        project: project.clone(),
        mine: None,
        entries: Vec::new(),
        took_over: None,
        waiting: Vec::new(),
        open_now: Vec::new(),
        open_total: 0,
        recent: Vec::new(),
        staff: Vec::new(),
        v,
        errs,
        can_act,
        ctx,
    };
    let Some(project) = project else { return Ok(page) };
    let mut c = state.db.read().await?;
    let actor = page.ctx.actor.clone();
    page.mine = store::on_duty(&mut c, actor.staff_id, project.id).await?;
    if let Some(m) = &page.mine {
        page.entries = store::entries(&mut c, m.id).await?;
        if let Some(prev) = m.prev_shift_id
            && let Some(s) = store::shift(&mut c, &actor, prev).await?
        {
            page.took_over = Some(handover(&mut c, &page.ctx, s).await?);
        }
    }
    let mut waiting = store::pending_handovers(&mut c, &actor, project.id).await?;
    waiting.sort_by_key(|s| s.handed_to != Some(actor.staff_id));
    for s in waiting {
        let h = handover(&mut c, &page.ctx, s).await?;
        page.waiting.push(h);
    }
    let open = store::list(
        &mut c,
        &actor,
        &store::Filter { project_id: Some(project.id), status: Some(ReceptionStatus::Open), taken_by: own_only(&page.ctx), ..Default::default() },
        Page::new(1, 100),
        true,
    )
    .await?;
    page.open_total = open.total;
    page.open_now = open.items;
    page.recent = store::recent_shifts(&mut c, &actor, project.id, 20).await?;
    page.staff = store::project_staff(&mut c, &actor, project.id).await?;
    Ok(page)
}

pub async fn shifts(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&shifts_page(&state, ctx, q(&m, "project_id"), FormData::default(), errs).await?))
}

fn shifts_url(project_id: i64) -> String {
    format!("/reception/shifts?project_id={project_id}")
}

/// `POST /reception/shifts`: start a shift, or take over a handover (`take_over`).
pub async fn start_shift(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = desk_project(&ctx, form.get("project_id")).ok_or(AppError::NotFound)?;
    let take_over = form.get("take_over").trim().parse().ok();
    ops::start_shift(&state.db, &ctx.actor, project_id, take_over).await?;
    Ok(saved(&shifts_url(project_id)))
}

async fn shift_project(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<i64> {
    let mut c = state.db.read().await?;
    Ok(store::shift(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?.project_id)
}

pub async fn log_line(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = shift_project(&state, &ctx, id).await?;
    match ops::log_line(&state.db, &ctx.actor, id, form.get("text")).await {
        Ok(_) => Ok(Redirect::to(&shifts_url(project_id)).into_response()),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&shifts_page(&state, ctx, &project_id.to_string(), form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn hand_over(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = shift_project(&state, &ctx, id).await?;
    match ops::hand_over(&state.db, &ctx.actor, id, form.get("to"), form.get("note")).await {
        Ok(_) => Ok(saved(&shifts_url(project_id))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&shifts_page(&state, ctx, &project_id.to_string(), form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- lost and found (FD-3) ----------

#[derive(Template)]
#[template(path = "staff/reception_lost.html")]
struct LostPage {
    ctx: Ctx,
    project: Option<Project>,
    items: Vec<LostItem>,
    pager: Pager,
    f_status: String,
    v: FormData,
    errs: Errs,
    see_parties: bool,
}

impl LostPage {
    fn is_project(&self, id: &i64) -> bool {
        self.project.as_ref().is_some_and(|p| p.id == *id)
    }
    /// The item a failed claim was for, so its form shows the errors.
    fn claim_failed(&self, id: &i64) -> bool {
        self.errs.any() && self.v.get("claim_id") == id.to_string()
    }
}

fn lost_input(f: &FormData) -> LostInput {
    LostInput {
        project_id: f.get("project_id").into(),
        reception_id: String::new(),
        item: f.get("item").into(),
        found_where: f.get("found_where").into(),
        found_at: f.get("found_at").into(),
        kept_where: f.get("kept_where").into(),
        reported_by: f.get("reported_by").into(),
    }
}

async fn lost_page(state: &AppState, ctx: Ctx, m: &HashMap<String, String>, v: FormData, errs: Errs) -> AppResult<LostPage> {
    let asked = if v.get("project_id").is_empty() { q(m, "project_id") } else { v.get("project_id") };
    let project = project_of(&ctx, desk_project(&ctx, asked));
    let status = LostStatus::parse(q(m, "status")).ok();
    let number = q(m, "page").parse().unwrap_or(1);
    let mut c = state.db.read().await?;
    let list = store::lost_items(&mut c, &ctx.actor, project.as_ref().map(|p| p.id), status, Page::new(number, 50)).await?;
    let query = vec![
        ("project_id", project.as_ref().map(|p| p.id.to_string()).unwrap_or_default()),
        ("status", status.map(|s| s.code().to_string()).unwrap_or_default()),
    ];
    let pager = Pager::new(&list, "/reception/lost-found", &query);
    let see_parties = ctx.actor.can(Permission::ViewParties);
    Ok(LostPage { ctx, project, items: list.items, pager, f_status: status.map(|s| s.code().to_string()).unwrap_or_default(), v, errs, see_parties })
}

pub async fn lost_found(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&lost_page(&state, ctx, &m, FormData::default(), errs).await?))
}

pub async fn register_lost(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = desk_project(&ctx, form.get("project_id"));
    let input = LostInput { project_id: project_id.map(|p| p.to_string()).unwrap_or_default(), ..lost_input(&form) };
    match ops::register_lost(&state.db, &ctx.actor, &input).await {
        Ok(_) => Ok(saved(&format!("/reception/lost-found?project_id={}", project_id.unwrap_or_default()))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&lost_page(&state, ctx, &HashMap::new(), form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn claim_lost(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").parse().ok();
    match ops::claim_lost(&state.db, &ctx.actor, id, version, form.get("claimed_by"), form.get("claimed_phone")).await {
        Ok(()) => Ok(saved(&format!("/reception/lost-found?project_id={}", form.get("project_id")))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let mut v = form;
            v.0.push(("claim_id".into(), id.to_string()));
            Ok(render_invalid(&lost_page(&state, ctx, &HashMap::new(), v, errs).await?))
        }
        Err(e) => Err(e),
    }
}
