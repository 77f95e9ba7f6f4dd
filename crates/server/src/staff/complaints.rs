//! CMP pages: the complaint list (filters in the URL, Excel, print), direct intake (CMP-3),
//! the record page with exactly the actions the transition table allows, the three-copy
//! complaint handling form (CMP-4), the case library (CMP-14) and a unit's complaints.
//!
//! Handlers parse the form into a domain `Action` and call `ops::complaint`; they never
//! compare statuses themselves. `ActionInput` is shared with the JSON API.

use super::{Errs, Pager, Q, fmt_time, intake_start, list_project, q, query_string, render, render_invalid, saved, tr, unit_label, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::files::FileStore;
use crate::ops::complaint::{self as ops, ComplaintInput};
use crate::staff::attachments::FileView;
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use propdesk_domain::access::Actor;
use propdesk_domain::attachment::AttachmentEntity;
use propdesk_domain::callback::{CallbackMethod, CallbackRole, WaiverReason, who_calls_back};
use propdesk_domain::complaint::{self as rules, Action, ComplaintStatus, DeptClock, DeptStatus, ImportantKind, MajorReason, Severity};
use propdesk_domain::error::size_text;
use propdesk_domain::reception::Channel;
use propdesk_domain::sla::DeadlineState;
use propdesk_domain::values;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::attachment as store_files;
use propdesk_store::models::claim::{self as claim_store, ClaimRow};
use propdesk_store::models::complaint::{self as store, CallbackRow, ComplaintRow, DeptRow, Filter};
use propdesk_store::models::complaint_decision::{self, DecisionRow};
use propdesk_store::models::complaint_links::{self, Linked};
use propdesk_store::models::event::{self, Event};
use propdesk_store::models::org::{self, Project};
use propdesk_store::models::staff::{self, Department};
use propdesk_store::{AsEx, Page};
use serde_json::Value;
use std::collections::HashMap;

/// Re-exported for the call sites that name it here (the API modules of other branches).
pub use super::TZ;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(list).post(create))
        .route("/complaints/new", get(new_form))
        .route("/complaints/cases", get(cases))
        .route("/complaints/{id}", get(record))
        .route("/complaints/{id}/act", post(act))
        .route("/complaints/{id}/typical", post(typical))
        .route("/complaints/{id}/merge", post(merge))
        .route("/complaints/{id}/print", get(print))
        .route("/units/{id}/complaints", get(unit_complaints))
}

// ---------- deadlines in words and colour (UI.md) ----------

/// A deadline as shown: the time in the project's zone, and — while its step is running —
/// its state in words (正常 / 今日到期 / 已超时) with a colour class and a relative hint.
#[derive(Debug, Clone)]
pub struct Due {
    pub time: String,
    /// Empty when the step is no longer running (the time is then shown plain).
    pub word: &'static str,
    pub css: &'static str,
    pub rel: String,
}

impl Due {
    pub fn live(&self) -> bool {
        !self.word.is_empty()
    }
}

/// "还剩 3 小时" / "超时 2 天".
pub fn relative(due: DateTime<Utc>, now: DateTime<Utc>, en: bool) -> String {
    let secs = (due - now).num_seconds();
    let a = secs.abs();
    let (n, zh_unit, en_unit) = if a < 3600 {
        ((a / 60).max(1), "分钟", "min")
    } else if a < 86_400 {
        (a / 3600, "小时", "h")
    } else {
        (a / 86_400, "天", "d")
    };
    match (secs >= 0, en) {
        (true, false) => format!("还剩 {n} {zh_unit}"),
        (false, false) => format!("超时 {n} {zh_unit}"),
        (true, true) => format!("{n} {en_unit} left"),
        (false, true) => format!("{n} {en_unit} overdue"),
    }
}

pub fn due(t: Option<DateTime<Utc>>, live: bool, now: DateTime<Utc>, en: bool) -> Option<Due> {
    let t = t?;
    if !live {
        return Some(Due { time: fmt_time(&t), word: "", css: "", rel: String::new() });
    }
    let st = DeadlineState::of(t, now, false, TZ);
    Some(Due { time: fmt_time(&t), word: if en { st.en() } else { st.zh() }, css: st.css(), rel: relative(t, now, en) })
}

/// A deadline whose clock stands still (CMP-9: while a head decides), in grey words.
pub fn paused(t: Option<DateTime<Utc>>, en: bool) -> Option<Due> {
    let t = t?;
    let st = DeadlineState::Paused;
    Some(Due { time: fmt_time(&t), word: if en { st.en() } else { st.zh() }, css: st.css(), rel: String::new() })
}

/// The deadline state of a stored deadline, for the API (`None` when it is not running).
pub fn state_of(t: Option<DateTime<Utc>>, live: bool, now: DateTime<Utc>) -> Option<DeadlineState> {
    t.filter(|_| live).map(|t| DeadlineState::of(t, now, false, TZ))
}

pub fn severity_css(s: &Severity) -> &'static str {
    match s {
        Severity::General => "",
        Severity::Important => "warn",
        Severity::Major => "bad",
    }
}

/// CMP-7 in words: who handles or must hear of a complaint of this severity.
pub fn report_to_label(s: Severity, en: bool) -> &'static str {
    match rules::report_to(s) {
        Some("cs_head") => tr(en, "由客服部负责人负责处理", "handled by the head of customer service"),
        Some(_) => tr(en, "已上报公司负责人，由其确定措施、责任人和期限", "reported to the company head, who sets measures, an owner and a deadline"),
        None => "",
    }
}

/// The label of a severity with its sub-type (重要 · 态度) or major reason.
pub fn severity_detail(c: &ComplaintRow, en: bool) -> String {
    let mut s = c.severity.label(en).to_string();
    if let Some(k) = c.important_kind.as_deref().and_then(|k| ImportantKind::parse(k).ok()) {
        s.push_str(" · ");
        s.push_str(k.label(en));
    }
    if let Some(r) = c.major_reason.as_deref().and_then(|r| MajorReason::parse(r).ok()) {
        s.push_str(" · ");
        s.push_str(r.label(en));
    }
    s
}

// ---------- actions from forms (shared with the API) ----------

/// One action as submitted by a page form or the API, all fields as text.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub action: String,
    pub departments: Vec<String>,
    pub reason: String,
    pub plan: String,
    pub due: String,
    pub note: String,
    pub result: String,
    pub opinion: String,
    pub signed_by: String,
    pub satisfied: String,
    pub to: String,
    pub major_reason: String,
    /// CMP-9: (department id, that department's opinion as summarised by customer service).
    pub opinions: Vec<(String, String)>,
    /// CMP-9: the head's decision and the departments that remain responsible.
    pub decision: String,
    pub responsible: Vec<String>,
}

pub use propdesk_domain::complaint::ACTIONS;

/// The form field of one department's opinion in a CMP-9 disagreement.
const OPINION_FIELD: &str = "dept_opinion_";

/// Department ids as typed, each once; a value that is no id is reported under `field`.
fn dept_ids(e: &mut FieldErrors, field: &str, raw: &[String]) -> Vec<i64> {
    let mut ids = Vec::new();
    for d in raw.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
        match d.parse::<i64>() {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(_) => e.push(field, Reason::NotFound),
        }
    }
    ids
}

/// A date and time as typed in a `datetime-local` field (`2026-12-01T17:00`) or as
/// `2026-12-01 17:00`, in the project's zone; or an RFC 3339 time with its own offset.
pub fn parse_due(s: &str, tz: Tz) -> Result<DateTime<Utc>, Reason> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Reason::Required);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return tz
                .from_local_datetime(&n)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or(Reason::Invalid("该时间不存在", "does not exist in the time zone"));
        }
    }
    Err(Reason::Invalid("应为日期和时间，如 2026-12-01 17:00", "must be a date and time, e.g. 2026-12-01T17:00"))
}

fn parse_bool(s: &str) -> Result<bool, Reason> {
    match s.trim() {
        "" => Err(Reason::Required),
        "1" | "true" | "yes" | "满意" => Ok(true),
        "0" | "false" | "no" | "不满意" => Ok(false),
        _ => Err(Reason::Invalid("应为满意或不满意", "must be true or false")),
    }
}

impl ActionInput {
    pub fn from_form(f: &FormData) -> ActionInput {
        ActionInput {
            action: f.get("action").into(),
            departments: f.all("departments").into_iter().map(str::to_string).collect(),
            reason: f.get("reason").into(),
            plan: f.get("plan").into(),
            due: f.get("due").into(),
            note: f.get("note").into(),
            result: f.get("result").into(),
            opinion: f.get("opinion").into(),
            signed_by: f.get("signed_by").into(),
            satisfied: f.get("satisfied").into(),
            to: f.get("to").into(),
            major_reason: f.get("major_reason").into(),
            // The page has one box per department; the ones left empty are not part of it.
            opinions: f
                .0
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(OPINION_FIELD).map(|d| (d.to_string(), v.clone())))
                .filter(|(_, v)| !v.trim().is_empty())
                .collect(),
            decision: f.get("decision").into(),
            responsible: f.all("responsible").into_iter().map(str::to_string).collect(),
        }
    }

    /// The domain action, or every missing or bad field at once.
    pub fn parse(&self, tz: Tz) -> Result<Action, FieldErrors> {
        let mut e = FieldErrors::new();
        let action = match self.action.trim() {
            "dispatch" => {
                let ids = dept_ids(&mut e, "departments", &self.departments);
                if ids.is_empty() && e.is_empty() {
                    e.push("departments", Reason::Invalid("请至少选择一个责任部门", "choose at least one department"));
                }
                Action::Dispatch { departments: ids }
            }
            "accept" => Action::Accept,
            "return" => Action::Return { reason: e.take("reason", values::text(&self.reason, 500)).unwrap_or_default() },
            "submit_plan" => {
                let plan = e.take("plan", values::text(&self.plan, 2000)).unwrap_or_default();
                let due = e.take("due", parse_due(&self.due, tz)).unwrap_or_else(Utc::now);
                Action::SubmitPlan { plan, due }
            }
            "progress" => Action::Progress { note: e.take("note", values::text(&self.note, 1000)).unwrap_or_default() },
            "finish" => Action::Finish { result: e.take("result", values::text(&self.result, 2000)).unwrap_or_default() },
            "mark_invalid" => Action::MarkInvalid {
                opinion: e.take("opinion", values::text(&self.opinion, 2000)).unwrap_or_default(),
                signed_by: e.take("signed_by", values::text(&self.signed_by, 60)).unwrap_or_default(),
            },
            "record_opinion" => Action::RecordOpinion { opinion: e.take("opinion", values::text(&self.opinion, 2000)).unwrap_or_default() },
            "callback_done" => Action::CallbackDone { satisfied: e.take("satisfied", parse_bool(&self.satisfied)).unwrap_or(true) },
            "waive_callback" => {
                let r = e.take("reason", if self.reason.trim().is_empty() { Err(Reason::Required) } else { WaiverReason::parse(&self.reason) });
                Action::WaiveCallback { reason: r.map(|r| r.code().to_string()).unwrap_or_default() }
            }
            "escalate" => {
                let to = e.take("to", if self.to.trim().is_empty() { Err(Reason::Required) } else { Severity::parse(&self.to) });
                let reason = match to {
                    // CMP-1: a major complaint records why it is major.
                    Some(Severity::Major) if !self.major_reason.trim().is_empty() => {
                        e.take("major_reason", MajorReason::parse(&self.major_reason)).map(|r| r.code().to_string())
                    }
                    Some(Severity::Major) if self.reason.trim().is_empty() => {
                        e.push("major_reason", Reason::Required);
                        None
                    }
                    Some(Severity::Major) => {
                        Some(MajorReason::parse(&self.reason).map(|r| r.code().to_string()).unwrap_or_else(|_| self.reason.trim().to_string()))
                    }
                    _ => e.take("reason", values::text(&self.reason, 500)),
                };
                Action::Escalate { to: to.unwrap_or(Severity::Major), reason: reason.unwrap_or_default() }
            }
            "record_disagreement" => {
                let mut opinions = Vec::new();
                for (d, text) in &self.opinions {
                    let id = e.take("opinions", d.trim().parse::<i64>().map_err(|_| Reason::NotFound));
                    let text = e.take("opinions", values::text(text, 1000));
                    if let (Some(id), Some(text)) = (id, text) {
                        opinions.push((id, text));
                    }
                }
                if self.opinions.is_empty() {
                    e.push("opinions", Reason::Invalid("请填写各部门的意见（至少两个部门）", "give the opinions of the departments (at least two)"));
                }
                Action::RecordDisagreement { opinions }
            }
            "decide" => {
                let decision = e.take("decision", values::text(&self.decision, 2000)).unwrap_or_default();
                let responsible = dept_ids(&mut e, "responsible", &self.responsible);
                if responsible.is_empty() && e.get("responsible").is_none() {
                    e.push("responsible", Reason::Invalid("请至少选择一个继续负责的部门", "choose at least one department that remains responsible"));
                }
                Action::Decide { decision, responsible }
            }
            "" => {
                e.push("action", Reason::Required);
                Action::Accept
            }
            _ => {
                e.push("action", Reason::Invalid("不是可选的操作", "is not a known action"));
                Action::Accept
            }
        };
        e.into_result().map(|_| action)
    }
}

/// A dispatch may only name departments of the actor's own company.
pub async fn check_departments(c: &mut impl AsEx, actor: &Actor, action: &Action) -> AppResult<()> {
    if let Action::Dispatch { departments } = action {
        let known: Vec<i64> = staff::departments(c, actor.company_id).await?.into_iter().map(|d| d.id).collect();
        if departments.iter().any(|d| !known.contains(d)) {
            return Err(AppError::Invalid(FieldErrors::single("departments", Reason::NotFound)));
        }
    }
    Ok(())
}

/// The actions the actor may take now; none for someone with no part in complaints
/// (a field role without a department).
pub async fn allowed_for(c: &mut impl AsEx, actor: &Actor, row: &ComplaintRow) -> AppResult<Vec<&'static str>> {
    match ops::allowed(c, actor, row).await {
        Ok(a) => Ok(a),
        Err(AppError::Forbidden) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

async fn is_cs(c: &mut impl AsEx, actor: &Actor) -> AppResult<bool> {
    match ops::side(c, actor).await {
        Ok(by) => Ok(by.is_customer_service()),
        Err(AppError::Forbidden) => Ok(false),
        Err(e) => Err(e),
    }
}

// ---------- the timeline ----------

/// One event of a complaint's history, in words.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    pub at: String,
    pub actor: String,
    pub action: String,
    /// "已派单 → 处理中" when the status changed.
    pub change: String,
    pub lines: Vec<(&'static str, String)>,
}

pub fn action_label(code: &str, en: bool) -> &'static str {
    match code {
        "created" => tr(en, "受理登记", "Complaint received"),
        "dispatch" => tr(en, "派单至责任部门", "Dispatched"),
        "accept" => tr(en, "部门接收", "Accepted by department"),
        "return" => tr(en, "退回客服部", "Returned to customer service"),
        "submit_plan" => tr(en, "回复处理方案", "Handling plan"),
        "progress" => tr(en, "进展反馈", "Progress update"),
        "finish" => tr(en, "处理完成", "Finished"),
        "mark_invalid" => tr(en, "判定无效/非我方责任", "Marked invalid / not ours"),
        "record_opinion" => tr(en, "记录客户最终意见", "Customer's final opinion"),
        "callback_done" => tr(en, "完成回访", "Callback made"),
        "waive_callback" => tr(en, "免回访", "Callback waived"),
        "escalate" => tr(en, "升级", "Escalated"),
        "typical_marked" => tr(en, "列入典型案例", "Marked as typical case"),
        "typical_unmarked" => tr(en, "移出典型案例", "Removed from typical cases"),
        "record_disagreement" => tr(en, "部门意见分歧，提请裁定", "Departments disagree; sent up for a decision"),
        "decide" => tr(en, "裁定责任部门", "Decision on responsibility"),
        "evidence_added" => tr(en, "上传证据", "Evidence added"),
        "online_flagged" => tr(en, "网上投诉，直送部门负责人", "Online complaint sent to the department head"),
        "merged_into" => tr(en, "合并至主投诉", "Merged into a parent case"),
        "merged_child" => tr(en, "合并重复投诉", "Duplicate merged in"),
        "claim_opened" => tr(en, "登记索赔", "Claim opened"),
        _ => tr(en, "其他", "Other"),
    }
}

fn status_label(code: &str, en: bool) -> String {
    ComplaintStatus::try_from(code.to_string()).map(|s| s.label(en).to_string()).unwrap_or_else(|_| code.to_string())
}

fn time_text(v: &Value) -> String {
    v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| fmt_time(&t.with_timezone(&Utc))).unwrap_or_default()
}

/// The history in words; `evidence` says whether the reader may see the evidence (the names
/// and notes of uploaded files are shown only then).
pub fn timeline(events: &[Event], depts: &HashMap<i64, String>, evidence: bool, en: bool) -> Vec<TimelineItem> {
    events
        .iter()
        .map(|e| {
            let p: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            let from = p["from"].as_str().unwrap_or("");
            let to = p["to"].as_str().unwrap_or("");
            let change = if !from.is_empty() && from != to { format!("{} → {}", status_label(from, en), status_label(to, en)) } else { String::new() };
            let d = &p["detail"];
            let mut lines: Vec<(&'static str, String)> = Vec::new();
            let text = |k: &str| d[k].as_str().unwrap_or("").to_string();
            match e.action.as_str() {
                "created" => {
                    if let Some(s) = p["severity"].as_str().and_then(|s| Severity::parse(s).ok()) {
                        lines.push((tr(en, "严重程度", "Severity"), s.label(en).to_string()));
                    }
                    if let Some(c) = p["channel"].as_str().and_then(|s| Channel::parse(s).ok()) {
                        lines.push((tr(en, "渠道", "Channel"), c.label(en).to_string()));
                    }
                }
                "dispatch" => {
                    let names: Vec<String> = d["departments"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_i64).map(|id| depts.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))).collect())
                        .unwrap_or_default();
                    lines.push((tr(en, "责任部门", "Departments"), names.join("、")));
                }
                "return" => lines.push((tr(en, "原因", "Reason"), text("reason"))),
                "submit_plan" => {
                    lines.push((tr(en, "处理方案", "Plan"), text("plan")));
                    lines.push((tr(en, "承诺完成时间", "To be done by"), time_text(&d["due"])));
                }
                "progress" => lines.push((tr(en, "进展", "Progress"), text("note"))),
                "finish" => lines.push((tr(en, "处理结果", "Result"), text("result"))),
                "mark_invalid" => {
                    lines.push((tr(en, "部门负责人意见", "Head's opinion"), text("opinion")));
                    lines.push((tr(en, "签字", "Signed by"), text("signed_by")));
                }
                "record_opinion" => lines.push((tr(en, "客户意见", "Customer's opinion"), text("opinion"))),
                "callback_done" => {
                    let ok = d["satisfied"].as_bool().unwrap_or(false);
                    lines.push((
                        tr(en, "客户评价", "Customer"),
                        if ok { tr(en, "满意", "satisfied") } else { tr(en, "不满意，重新处理", "dissatisfied; reopened") }.to_string(),
                    ));
                }
                "waive_callback" => {
                    let r = text("reason");
                    lines.push((tr(en, "原因", "Reason"), WaiverReason::parse(&r).map(|w| w.label(en).to_string()).unwrap_or(r)));
                }
                "escalate" => {
                    if let Some(s) = d["to"].as_str().and_then(|s| Severity::parse(s).ok()) {
                        lines.push((tr(en, "升级为", "Raised to"), s.label(en).to_string()));
                        let who = report_to_label(s, en);
                        if !who.is_empty() {
                            lines.push((tr(en, "上报", "Reported"), who.to_string()));
                        }
                    }
                    let r = text("reason");
                    lines.push((tr(en, "原因", "Reason"), MajorReason::parse(&r).map(|m| m.label(en).to_string()).unwrap_or(r)));
                }
                "record_disagreement" => {
                    for o in d["opinions"].as_array().into_iter().flatten() {
                        let name = o["department_name"].as_str().unwrap_or("").to_string();
                        lines.push((tr(en, "部门意见", "Opinion"), format!("{name}：{}", o["opinion"].as_str().unwrap_or(""))));
                    }
                }
                "decide" => {
                    let names = |k: &str| -> String {
                        d[k].as_array()
                            .map(|a| {
                                a.iter().filter_map(Value::as_i64).map(|id| depts.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))).collect::<Vec<_>>()
                            })
                            .unwrap_or_default()
                            .join("、")
                    };
                    lines.push((tr(en, "裁定意见", "Decision"), text("decision")));
                    lines.push((tr(en, "继续负责", "Remains responsible"), names("responsible")));
                    lines.push((tr(en, "解除责任", "Released"), names("released")));
                }
                "evidence_added" if evidence => {
                    lines.push((tr(en, "文件", "File"), p["file_name"].as_str().unwrap_or("").to_string()));
                    lines.push((tr(en, "说明", "Note"), p["note"].as_str().unwrap_or("").to_string()));
                }
                _ => {}
            }
            lines.retain(|(_, v)| !v.is_empty());
            TimelineItem { at: fmt_time(&e.at), actor: e.actor_name.clone(), action: action_label(&e.action, en).to_string(), change, lines }
        })
        .collect()
}

// ---------- list ----------

pub struct ListRow {
    pub c: ComplaintRow,
    pub unit: String,
    pub due: Option<Due>,
}

#[derive(Template)]
#[template(path = "staff/complaints.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<ListRow>,
    pager: Pager,
    statuses: &'static [ComplaintStatus],
    severities: &'static [Severity],
    f_project: Option<i64>,
    f_status: String,
    f_severity: String,
    f_overdue: bool,
    f_typical: bool,
    f_awaiting: bool,
    f_q: String,
    export: String,
}

impl ListPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

async fn rows_of(c: &mut impl AsEx, actor: &Actor, items: Vec<ComplaintRow>, en: bool) -> AppResult<Vec<ListRow>> {
    let ids: Vec<i64> = items.iter().filter_map(|c| c.unit_id).collect();
    let labels: HashMap<i64, String> = store::unit_labels(c, actor, &ids).await?.into_iter().collect();
    let now = Utc::now();
    Ok(items
        .into_iter()
        .map(|c| {
            let unit = c.unit_id.and_then(|u| labels.get(&u).cloned()).unwrap_or_default();
            let d = due(c.next_due, c.status.deadline_running(), now, en);
            ListRow { c, unit, due: d }
        })
        .collect())
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let f = Filter {
        project_id: list_project(&ctx, &m),
        status: ComplaintStatus::parse(q(&m, "status")).ok(),
        severity: Severity::parse(q(&m, "severity")).ok(),
        overdue_at: (q(&m, "overdue") == "1").then(Utc::now),
        typical_only: q(&m, "typical") == "1",
        awaiting_decision: q(&m, "awaiting") == "1",
        q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()),
    };
    let query = vec![
        ("project_id", f.project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("status", f.status.map(|s| s.code().to_string()).unwrap_or_default()),
        ("severity", f.severity.map(|s| s.code().to_string()).unwrap_or_default()),
        ("overdue", if f.overdue_at.is_some() { "1".into() } else { String::new() }),
        ("typical", if f.typical_only { "1".into() } else { String::new() }),
        ("awaiting", if f.awaiting_decision { "1".into() } else { String::new() }),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    let en = ctx.en();
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        let rows = rows_of(&mut c, &ctx.actor, all.paged.items, en).await?;
        return Ok(xlsx_response(export(&ctx, &rows)?, "投诉清单.xlsx"));
    }
    let list = store::list(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 50)).await?;
    let pager = Pager::counted(&list.paged, list.more, "/complaints", &query);
    let rows = rows_of(&mut c, &ctx.actor, list.paged.items, en).await?;
    Ok(render(&ListPage {
        export: format!("/complaints?{}&format=xlsx", query_string(&query)),
        rows,
        pager,
        statuses: ComplaintStatus::ALL,
        severities: Severity::ALL,
        f_project: f.project_id,
        f_status: f.status.map(|s| s.code().to_string()).unwrap_or_default(),
        f_severity: f.severity.map(|s| s.code().to_string()).unwrap_or_default(),
        f_overdue: f.overdue_at.is_some(),
        f_typical: f.typical_only,
        f_awaiting: f.awaiting_decision,
        f_q: f.q.unwrap_or_default(),
        ctx,
    }))
}

fn export(ctx: &Ctx, rows: &[ListRow]) -> AppResult<Vec<u8>> {
    let en = ctx.en();
    let headers: Vec<&str> =
        ["编号", "受理时间", "所属项目", "房屋/单位", "投诉人", "电话", "渠道", "投诉内容", "严重程度", "状态", "下一期限", "期限状态", "回访期限", "典型案例"]
            .iter()
            .map(|h| ctx.t(h))
            .collect();
    let data = rows.iter().map(|r| {
        let c = &r.c;
        vec![
            c.number.clone(),
            fmt_time(&c.received_at),
            ctx.project_name(&c.project_id).to_string(),
            r.unit.clone(),
            c.complainant.clone(),
            c.contact_phone.clone(),
            c.channel.label(en).to_string(),
            c.content.clone(),
            severity_detail(c, en),
            c.status.label(en).to_string(),
            r.due.as_ref().map(|d| d.time.clone()).unwrap_or_default(),
            r.due.as_ref().map(|d| d.word.to_string()).unwrap_or_default(),
            c.callback_due.as_ref().map(fmt_time).unwrap_or_default(),
            if c.typical_case { "✓".into() } else { String::new() },
        ]
    });
    Ok(xlsx::sheet(ctx.t("投诉"), &headers, data)?)
}

// ---------- intake (CMP-3) ----------

#[derive(Template)]
#[template(path = "staff/complaint_form.html")]
struct NewPage {
    ctx: Ctx,
    v: FormData,
    errs: Errs,
    unit_label: String,
    channels: &'static [Channel],
    severities: &'static [Severity],
    kinds: &'static [ImportantKind],
    reasons: &'static [MajorReason],
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let (project, unit_id, unit_label) = intake_start(&state, &ctx, &m).await?;
    let v = FormData(vec![("project_id".into(), project.to_string()), ("unit_id".into(), unit_id), ("channel".into(), "phone".into())]);
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&NewPage { ctx, v, errs, unit_label, channels: Channel::ALL, severities: Severity::ALL, kinds: ImportantKind::ALL, reasons: MajorReason::ALL }))
}

fn complaint_input(f: &FormData) -> ComplaintInput {
    ComplaintInput {
        project_id: f.get("project_id").into(),
        unit_id: f.get("unit_id").into(),
        party_id: f.get("party_id").into(),
        complainant: f.get("complainant").into(),
        contact_phone: f.get("contact_phone").into(),
        channel: f.get("channel").into(),
        content: f.get("content").into(),
        severity: f.get("severity").into(),
        important_kind: f.get("important_kind").into(),
        major_reason: f.get("major_reason").into(),
    }
}

pub async fn create(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    match ops::create(&state.db, &ctx.actor, &complaint_input(&form)).await {
        Ok((id, _)) => Ok(saved(&format!("/complaints/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let unit_label = form.get("unit_label").to_string();
            Ok(render_invalid(&NewPage {
                ctx,
                v: form,
                errs,
                unit_label,
                channels: Channel::ALL,
                severities: Severity::ALL,
                kinds: ImportantKind::ALL,
                reasons: MajorReason::ALL,
            }))
        }
        Err(e) => Err(e),
    }
}

// ---------- the record page ----------

/// One deadline of a department's part.
pub struct Step {
    pub label: &'static str,
    pub due: Option<Due>,
}

pub struct DeptView {
    pub d: DeptRow,
    pub steps: Vec<Step>,
}

pub fn dept_css(s: &DeptStatus) -> &'static str {
    match s {
        DeptStatus::Done => "ok",
        DeptStatus::Returned => "",
        _ => "key",
    }
}

/// The department parts with their deadlines; `waiting` (CMP-9) shows the running clock as paused.
fn dept_views(depts: Vec<DeptRow>, status: ComplaintStatus, waiting: bool, now: DateTime<Utc>, en: bool) -> Vec<DeptView> {
    let running = status.departments_running();
    depts
        .into_iter()
        .map(|d| {
            let live = |clock: DeptClock| running && d.status.running_clock() == Some(clock);
            let show = |t: Option<DateTime<Utc>>, clock: DeptClock| if waiting && live(clock) { paused(t, en) } else { due(t, live(clock), now, en) };
            let steps = vec![
                Step { label: tr(en, "接收期限", "Accept by"), due: show(d.acceptance_due, DeptClock::Acceptance) },
                Step { label: tr(en, "方案期限", "Plan by"), due: show(d.plan_due, DeptClock::Plan) },
                Step { label: tr(en, "完成期限", "Done by"), due: show(d.completion_due, DeptClock::Completion) },
            ];
            DeptView { d, steps }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/complaint.html")]
struct RecordPage {
    ctx: Ctx,
    c: ComplaintRow,
    project: Project,
    unit_label: String,
    severity: String,
    report_to: &'static str,
    callback_role: CallbackRole,
    next_due: Option<Due>,
    callback_due: Option<Due>,
    depts: Vec<DeptView>,
    all_depts: Vec<Department>,
    allowed: Vec<&'static str>,
    cs: bool,
    timeline: Vec<TimelineItem>,
    v: FormData,
    errs: Errs,
    /// The earliest a plan may be due, as a `datetime-local` value.
    min_due: String,
    major_reasons: &'static [MajorReason],
    waiver_reasons: &'static [WaiverReason],
    /// The case this one was merged under, the reports merged under it, and look-alikes offered for merging.
    parent: Option<Linked>,
    children: Vec<Linked>,
    duplicates: Vec<Linked>,
    claims: Vec<ClaimRow>,
    /// CMP-3: the evidence, when the actor may see it (`None`: not shown at all).
    evidence: Option<Vec<FileView>>,
    /// What the upload form accepts, for the file picker.
    accept: &'static str,
    /// CMP-9: the disagreements and decisions, oldest first.
    decisions: Vec<DecisionView>,
    /// CMP-9 with CMP-7: who decides a disagreement on this complaint, in words.
    decider: &'static str,
    image_limit: String,
    media_limit: String,
}

impl RecordPage {
    fn waiting(&self) -> bool {
        self.c.decision_requested_at.is_some()
    }
    /// CMP-9: the departments on the case (for the opinion boxes and the decision's choices).
    fn involved(&self) -> Vec<(i64, String, &'static str)> {
        self.depts.iter().map(|d| (d.d.department_id, d.d.department_name.clone(), d.d.status.label(self.ctx.en()))).collect()
    }
    fn opinion_val(&self, id: &i64) -> &str {
        if self.v.get("action") == "record_disagreement" { self.v.get(&format!("{OPINION_FIELD}{id}")) } else { "" }
    }
    fn responsible_checked(&self, id: &i64) -> bool {
        self.v.get("action") == "decide" && self.v.all("responsible").contains(&id.to_string().as_str())
    }
    fn can(&self, action: &str) -> bool {
        self.allowed.contains(&action)
    }
    fn any_action(&self) -> bool {
        !self.allowed.is_empty()
    }
    /// The error of a field, shown only in the form that was submitted.
    fn err(&self, action: &str, field: &str) -> String {
        if self.v.get("action") == action { self.errs.msg(field) } else { String::new() }
    }
    fn cls(&self, action: &str, field: &str) -> &'static str {
        if self.v.get("action") == action { self.errs.cls(field) } else { "" }
    }
    /// What was typed in the form that was submitted (kept when it is shown again).
    fn val(&self, action: &str, field: &str) -> &str {
        if self.v.get("action") == action { self.v.get(field) } else { "" }
    }
    fn on_form(&self, id: &i64) -> String {
        self.depts.iter().find(|d| d.d.department_id == *id).map(|d| d.d.status.label(self.ctx.en()).to_string()).unwrap_or_default()
    }
    fn up_to_important(&self) -> bool {
        self.c.severity == Severity::General
    }
    fn sev_css(&self) -> &'static str {
        severity_css(&self.c.severity)
    }
}

async fn record_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<RecordPage> {
    let en = ctx.en();
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let project = org::project(&mut c, &ctx.actor, row.project_id).await?.ok_or(AppError::NotFound)?;
    let unit_label = unit_label(&mut c, &ctx.actor, row.unit_id).await?;
    let all_depts = staff::departments(&mut c, ctx.actor.company_id).await?;
    let names: HashMap<i64, String> = all_depts.iter().map(|d| (d.id, d.name.clone())).collect();
    let depts = store::departments(&mut c, id).await?;
    let allowed = allowed_for(&mut c, &ctx.actor, &row).await?;
    let cs = is_cs(&mut c, &ctx.actor).await?;
    let events = event::for_entity(&mut c, "complaint", id).await?;
    let parent = match row.parent_id {
        Some(p) => complaint_links::by_id(&mut c, &ctx.actor, p).await?,
        None => None,
    };
    let children = complaint_links::children(&mut c, &ctx.actor, id).await?;
    let duplicates =
        if row.parent_id.is_none() && children.is_empty() { crate::ops::duplicates::candidates(&mut c, &ctx.actor, id).await? } else { Vec::new() };
    let claims = claim_store::list(&mut c, &ctx.actor, Some(id)).await?;
    let evidence = match crate::ops::attachment::visible(&mut c, &ctx.actor, AttachmentEntity::Complaint, id).await? {
        Some(_) => Some(store_files::for_entity(&mut c, &ctx.actor, AttachmentEntity::Complaint, id).await?.into_iter().map(FileView::new).collect()),
        None => None,
    };
    let sees_evidence = evidence.is_some();
    let decisions = decision_views(complaint_decision::for_complaint(&mut c, id).await?, &names);
    let now = Utc::now();
    Ok(RecordPage {
        evidence,
        accept: super::attachments::accept_attr(AttachmentEntity::Complaint),
        decisions,
        decider: decider(row.severity, en),
        image_limit: size_text(state.cfg.attachment_limits.image_or_pdf),
        media_limit: size_text(state.cfg.attachment_limits.audio_or_video),
        parent,
        children,
        duplicates,
        claims,
        project,
        unit_label,
        severity: severity_detail(&row, en),
        report_to: report_to_label(row.severity, en),
        callback_role: who_calls_back(row.severity),
        next_due: due(row.next_due, row.status.deadline_running(), now, en),
        callback_due: due(row.callback_due, row.status.callback_running(), now, en),
        depts: dept_views(depts, row.status, row.decision_requested_at.is_some(), now, en),
        all_depts,
        allowed,
        cs,
        timeline: timeline(&events, &names, sees_evidence, en),
        v,
        errs,
        min_due: now.with_timezone(&TZ).format("%Y-%m-%dT%H:%M").to_string(),
        major_reasons: MajorReason::ALL,
        waiver_reasons: WaiverReason::ALL,
        c: row,
        ctx,
    })
}

pub async fn record(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&record_page(&state, ctx, id, FormData::default(), errs).await?))
}

#[derive(Template)]
#[template(path = "staff/complaint_conflict.html")]
struct ConflictPage {
    ctx: Ctx,
    id: i64,
    message: String,
}

fn conflict_page(ctx: Ctx, id: i64, message: String) -> Response {
    let mut r = render(&ConflictPage { ctx, id, message });
    *r.status_mut() = StatusCode::CONFLICT;
    r
}

/// `POST /complaints/{id}/act`: one action of the record page's forms.
pub async fn act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    // Every form carries the version it was rendered from; a missing one never matches.
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    let input = ActionInput::from_form(&form);
    let done = async {
        let action = input.parse(TZ)?;
        let mut c = state.db.read().await?;
        check_departments(&mut c, &ctx.actor, &action).await?;
        drop(c);
        ops::act(&state.db, &ctx.actor, id, Some(version), &action).await
    };
    match done.await {
        Ok(_) => Ok(saved(&format!("/complaints/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&record_page(&state, ctx, id, form, errs).await?))
        }
        Err(AppError::Conflict(m)) => Ok(conflict_page(ctx, id, m)),
        Err(e) => Err(e),
    }
}

/// `POST /complaints/{id}/merge`: put this report under the parent case it duplicates.
pub async fn merge(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let parent = form
        .get("parent_id")
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::Invalid(propdesk_domain::FieldErrors::single("parent_id", propdesk_domain::Reason::Required)))?;
    crate::ops::duplicates::merge(&state.db, &ctx.actor, id, parent).await?;
    Ok(saved(&format!("/complaints/{id}")))
}

/// `POST /complaints/{id}/typical`: CMP-14, into or out of the case library.
pub async fn typical(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    match ops::mark_typical(&state.db, &ctx.actor, id, Some(version), form.get("typical") == "1").await {
        Ok(_) => Ok(saved(&format!("/complaints/{id}"))),
        Err(AppError::Conflict(m)) => Ok(conflict_page(ctx, id, m)),
        Err(e) => Err(e),
    }
}

// ---------- CMP-9: disagreements and decisions ----------

/// CMP-9 with CMP-7: who decides a disagreement on a complaint of this severity.
pub fn decider(s: Severity, en: bool) -> &'static str {
    match s {
        Severity::Major => tr(en, "重大投诉由公司负责人（客服经理）裁定", "A major complaint is decided by the company head (the manager)"),
        Severity::General | Severity::Important => {
            tr(en, "由客服部负责人（客服主管或经理）裁定", "Decided by the head of customer service (the supervisor or manager)")
        }
    }
}

/// A disagreement as shown on the record and the handling form.
pub struct DecisionView {
    pub requested_by: String,
    pub requested_at: String,
    /// (department, opinion)
    pub opinions: Vec<(String, String)>,
    pub decision: Option<String>,
    pub responsible: String,
    pub released: String,
    pub decided_by: String,
    pub decided_at: String,
}

pub fn decision_views(rows: Vec<DecisionRow>, names: &HashMap<i64, String>) -> Vec<DecisionView> {
    let ids = |s: &Option<String>| -> String {
        let list: Vec<i64> = s.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        list.iter().map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}"))).collect::<Vec<_>>().join("、")
    };
    rows.into_iter()
        .map(|r| {
            let opinions: Vec<Value> = serde_json::from_str(&r.opinions).unwrap_or_default();
            DecisionView {
                requested_by: r.requested_by_name.clone(),
                requested_at: fmt_time(&r.requested_at),
                opinions: opinions
                    .iter()
                    .map(|o| (o["department_name"].as_str().unwrap_or("").to_string(), o["opinion"].as_str().unwrap_or("").to_string()))
                    .collect(),
                responsible: ids(&r.responsible),
                released: ids(&r.released),
                decided_by: r.decided_by_name.clone().unwrap_or_default(),
                decided_at: r.decided_at.as_ref().map(fmt_time).unwrap_or_default(),
                decision: r.decision,
            }
        })
        .collect()
}

// ---------- CMP-3: evidence uploaded on the record page ----------

/// `POST /complaints/{id}/attachments`: one evidence file (multipart, CSRF checked before the
/// file is read). Bad type or size → the record page again with the reason next to the file.
pub async fn upload(State(state): State<AppState>, Path(id): Path<i64>, ctx: Ctx, body: Result<Multipart, MultipartRejection>) -> AppResult<Response> {
    let owner = crate::ops::attachment::owner(&state.db, &ctx.actor, AttachmentEntity::Complaint, id).await?;
    let multipart = body.map_err(|r| AppError::BadRequest(r.body_text()))?;
    let limits = state.cfg.attachment_limits;
    let files = FileStore::new(&state.cfg.attachments_dir);
    let result = async {
        let incoming = super::attachments::read_upload(multipart, &files, owner.entity.accepts(), &limits, Some(&ctx.csrf)).await?;
        crate::ops::attachment::attach(&state.db, &files, &ctx.actor, &owner, incoming, &limits).await
    };
    match result.await {
        Ok(_) => Ok(saved(&format!("/complaints/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let v = FormData(vec![("action".into(), "upload".into())]);
            Ok(render_invalid(&record_page(&state, ctx, id, v, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- the complaint handling form, three copies (CMP-4) ----------

pub struct ProgressLine {
    pub at: String,
    pub actor: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "print/complaint_form.html")]
struct PrintPage {
    ctx: Ctx,
    c: ComplaintRow,
    project: Project,
    unit_label: String,
    severity: String,
    depts: Vec<DeptRow>,
    received_by: String,
    dispatched_at: String,
    progress: Vec<ProgressLine>,
    /// CMP-11: the customer's final opinion and when it was recorded.
    opinion: Option<(String, String)>,
    /// CMP-10: the department head's signed opinion when invalid.
    invalid: Option<(String, String)>,
    callbacks: Vec<CallbackRow>,
    /// CMP-3: the evidence's file names, as the actor may see them.
    evidence: Vec<String>,
    /// CMP-9: disagreements and decisions.
    decisions: Vec<DecisionView>,
    copies: [&'static str; 3],
    printed_at: String,
}

impl PrintPage {
    fn method_label(&self, m: &Option<String>) -> &'static str {
        m.as_deref().and_then(|m| CallbackMethod::parse(m).ok()).map(|m| m.label(self.ctx.en())).unwrap_or("")
    }
    fn waiver_label(&self, r: &Option<String>) -> String {
        r.as_deref().map(|r| WaiverReason::parse(r).map(|w| w.label(self.ctx.en()).to_string()).unwrap_or_else(|_| r.to_string())).unwrap_or_default()
    }
    fn role_label(&self, r: &str) -> &'static str {
        CallbackRole::parse(r).map(|r| r.label(self.ctx.en())).unwrap_or("")
    }
    fn time(&self, t: &Option<DateTime<Utc>>) -> String {
        t.as_ref().map(fmt_time).unwrap_or_default()
    }
}

pub async fn print(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let en = ctx.en();
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let project = org::project(&mut c, &ctx.actor, row.project_id).await?.ok_or(AppError::NotFound)?;
    let unit_label = unit_label(&mut c, &ctx.actor, row.unit_id).await?;
    let depts = store::departments(&mut c, id).await?;
    let events = event::for_entity(&mut c, "complaint", id).await?;
    let callbacks = store::callbacks_of(&mut c, "complaint", id).await?;
    let detail = |e: &Event, k: &str| -> String {
        serde_json::from_str::<Value>(&e.payload).ok().and_then(|p| p["detail"][k].as_str().map(str::to_string)).unwrap_or_default()
    };
    let received_by = events.iter().find(|e| e.action == "created").map(|e| e.actor_name.clone()).unwrap_or_default();
    let dispatched_at = events.iter().find(|e| e.action == "dispatch").map(|e| fmt_time(&e.at)).unwrap_or_default();
    let progress = events
        .iter()
        .filter(|e| e.action == "progress")
        .map(|e| ProgressLine { at: fmt_time(&e.at), actor: e.actor_name.clone(), note: detail(e, "note") })
        .collect();
    let opinion = events.iter().rev().find(|e| e.action == "record_opinion").map(|e| (detail(e, "opinion"), fmt_time(&e.at)));
    let invalid = events.iter().rev().find(|e| e.action == "mark_invalid").map(|e| (detail(e, "opinion"), detail(e, "signed_by")));
    let evidence = crate::ops::attachment::list(&mut c, &ctx.actor, AttachmentEntity::Complaint, id).await?.into_iter().map(|a| a.file_name).collect();
    let names: HashMap<i64, String> = depts.iter().map(|d| (d.department_id, d.department_name.clone())).collect();
    let decisions = decision_views(complaint_decision::for_complaint(&mut c, id).await?, &names);
    Ok(render(&PrintPage {
        evidence,
        decisions,
        severity: severity_detail(&row, en),
        c: row,
        project,
        unit_label,
        depts,
        received_by,
        dispatched_at,
        progress,
        opinion,
        invalid,
        callbacks,
        copies: if en {
            ["Customer-service stub", "Responsible department copy", "Callback copy"]
        } else {
            ["第一联 客服存根联", "第二联 责任部门联", "第三联 回访联"]
        },
        printed_at: fmt_time(&Utc::now()),
        ctx,
    }))
}

// ---------- case library (CMP-14) ----------

pub struct CaseView {
    pub c: ComplaintRow,
    pub unit: String,
    pub severity: String,
    pub depts: Vec<DeptRow>,
}

#[derive(Template)]
#[template(path = "staff/complaint_cases.html")]
struct CasesPage {
    ctx: Ctx,
    cases: Vec<CaseView>,
    pager: Pager,
    f_q: String,
}

pub async fn cases(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let en = ctx.en();
    let f = Filter { typical_only: true, q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()), ..Default::default() };
    let query = vec![("q", f.q.clone().unwrap_or_default())];
    let mut c = state.db.read().await?;
    let list = store::list(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 20)).await?;
    let pager = Pager::counted(&list.paged, list.more, "/complaints/cases", &query);
    let ids: Vec<i64> = list.paged.items.iter().filter_map(|c| c.unit_id).collect();
    let labels: HashMap<i64, String> = store::unit_labels(&mut c, &ctx.actor, &ids).await?.into_iter().collect();
    let mut cases = Vec::with_capacity(list.paged.items.len());
    for row in list.paged.items {
        let depts = store::departments(&mut c, row.id).await?;
        let unit = row.unit_id.and_then(|u| labels.get(&u).cloned()).unwrap_or_default();
        cases.push(CaseView { severity: severity_detail(&row, en), c: row, unit, depts });
    }
    Ok(render(&CasesPage { ctx, cases, pager, f_q: f.q.unwrap_or_default() }))
}

// ---------- a unit's complaints ----------

#[derive(Template)]
#[template(path = "staff/complaint_unit.html")]
struct UnitPage {
    ctx: Ctx,
    unit_id: i64,
    unit_label: String,
    project_id: i64,
    rows: Vec<ListRow>,
}

/// `GET /units/{id}/complaints`: every complaint about one unit (for the unit's file).
pub async fn unit_complaints(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let en = ctx.en();
    let mut c = state.db.read().await?;
    let unit = org::unit(&mut c, &ctx.actor, id, crate::ops::org::today()).await?.ok_or(AppError::NotFound)?;
    let items = store::for_unit(&mut c, &ctx.actor, id, 500).await?;
    let rows = rows_of(&mut c, &ctx.actor, items, en).await?;
    Ok(render(&UnitPage { unit_label: format!("{} {}", unit.building_name, unit.unit_no), project_id: unit.project_id, unit_id: id, rows, ctx }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_is_read_in_shanghai_time() {
        let t = parse_due("2026-12-01T17:00", TZ).expect("parses");
        assert_eq!(t.to_rfc3339(), "2026-12-01T09:00:00+00:00");
        assert_eq!(parse_due("2026-12-01 17:00", TZ), Ok(t));
        assert_eq!(parse_due("2026-12-01T09:00:00Z", TZ), Ok(t));
        assert_eq!(parse_due("", TZ), Err(Reason::Required));
        assert!(parse_due("明天", TZ).is_err());
    }

    #[test]
    fn cmp_7_escalation_to_major_records_its_reason() {
        let i = ActionInput { action: "escalate".into(), to: "major".into(), major_reason: "media".into(), ..Default::default() };
        assert_eq!(i.parse(TZ), Ok(Action::Escalate { to: Severity::Major, reason: "media".into() }));
        let missing = ActionInput { action: "escalate".into(), to: "major".into(), ..Default::default() };
        assert!(missing.parse(TZ).is_err_and(|e| e.get("major_reason").is_some()));
        let important = ActionInput { action: "escalate".into(), to: "important".into(), reason: "保安态度差".into(), ..Default::default() };
        assert_eq!(important.parse(TZ), Ok(Action::Escalate { to: Severity::Important, reason: "保安态度差".into() }));
    }

    #[test]
    fn every_missing_field_is_reported() {
        let i = ActionInput { action: "mark_invalid".into(), ..Default::default() };
        let e = i.parse(TZ).expect_err("missing");
        assert!(e.get("opinion").is_some() && e.get("signed_by").is_some());
        let i = ActionInput { action: "fly".into(), ..Default::default() };
        assert!(i.parse(TZ).is_err_and(|e| e.get("action").is_some()));
    }

    #[test]
    fn relative_times_in_words() {
        let now = Utc::now();
        assert_eq!(relative(now + chrono::Duration::hours(3) + chrono::Duration::minutes(5), now, false), "还剩 3 小时");
        assert_eq!(relative(now - chrono::Duration::days(2) - chrono::Duration::hours(1), now, false), "超时 2 天");
        assert_eq!(relative(now + chrono::Duration::minutes(30), now, true), "30 min left");
    }
}
