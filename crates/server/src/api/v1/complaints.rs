//! CMP over JSON: list, intake, the record with its deadlines, allowed actions and history,
//! and one endpoint for every step of the workflow (DOMAIN.md CMP-1…CMP-11, CBK-4/6, SEC-2).
//!
//! Writes go through `ops::complaint` like the staff pages do; reads are scoped by the
//! caller's projects, so another project's complaint is not found (404). An action that does
//! not fit the complaint's state answers 409 with the actions that do (`allowed`).

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::attachments::AttachmentOut;
use crate::api::v1::{ActionRequestCheck, ErrorBody, ErrorDetail, Refusal, action_answer, codes, created, opt_bool, opt_enum, opt_int, page_of};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::TZ;
use crate::ops::attachment as attachment_ops;
use crate::ops::complaint::{self as ops, ComplaintInput};
use crate::ops::de_text;
use crate::staff::complaints::{self as pages, ACTIONS, ActionInput};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Actor;
use propdesk_domain::attachment::AttachmentEntity;
use propdesk_domain::complaint::{By, ComplaintStatus, DeptClock, DeptStatus, ImportantKind, MajorReason, Severity, report_to};
use propdesk_domain::reception::Channel;
use propdesk_domain::sla::DeadlineState;
use propdesk_store::models::attachment as attachment_store;
use propdesk_store::models::complaint::{self as store, ComplaintRow, DeptRow, Filter};
use propdesk_store::models::complaint_decision::{self, DecisionRow};
use propdesk_store::models::event;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// This module's operations; merged into the API document by `api::openapi`.
#[derive(OpenApi)]
#[openapi(
    paths(list_complaints, create_complaint, get_complaint, complaint_action),
    components(schemas(
        ComplaintOut,
        ComplaintDetail,
        ComplaintList,
        DepartmentPart,
        HistoryEvent,
        NewComplaint,
        ActionRequest,
        OpinionIn,
        DecisionOut,
        ConflictBody,
        AttachmentOut
    )),
    tags((name = "complaints", description = "Complaints from intake to closed callback (DOMAIN.md CMP, CBK-4, CBK-6)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 4;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/complaints", get(list_complaints).post(create_complaint))
        .route("/api/v1/complaints/{id}", get(get_complaint))
        .route("/api/v1/complaints/{id}/actions", post(complaint_action))
}

schema_fn!(status_schema = codes(ComplaintStatus::ALL.iter().map(|s| s.code())), "Complaint status.");
schema_fn!(severity_schema = codes(Severity::ALL.iter().map(|s| s.code())), "Severity (CMP-1): general, important or major.");
schema_fn!(channel_schema = codes(Channel::ALL.iter().map(|s| s.code())), "How the complaint came in.");
schema_fn!(kind_schema = codes(ImportantKind::ALL.iter().map(|s| s.code())), "For an important complaint: safety, consistency, attitude or timeliness.");
schema_fn!(reason_schema = codes(MajorReason::ALL.iter().map(|s| s.code())), "For a major complaint: why it is major.");
schema_fn!(dept_status_schema = codes(DeptStatus::ALL.iter().map(|s| s.code())), "The department's part: pending, accepted, returned, planned, done.");
schema_fn!(
    state_schema = codes(["on_time", "due_today", "overdue", "paused"]),
    "State of a running deadline (正常 / 今日到期 / 已超时 / 已暂停); null when the step is not running."
);
schema_fn!(action_schema = codes(ACTIONS.iter().copied()), "The action code.");
schema_fn!(
    report_schema = codes(["cs_head", "company_head"]),
    "CMP-7: important complaints are handled by the head of customer service; major ones are reported to the company head."
);

// ---------- bodies ----------

/// A complaint as stored, with its deadlines and their states.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintOut {
    pub id: i64,
    pub project_id: i64,
    /// Human number, sequential per project.
    #[schema(example = "HXGC/TS001")]
    pub number: String,
    pub reception_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// Building and unit number of `unit_id`.
    pub unit_label: Option<String>,
    pub party_id: Option<i64>,
    pub complainant: String,
    pub contact_phone: String,
    #[schema(schema_with = channel_schema)]
    pub channel: String,
    pub content: String,
    #[schema(schema_with = severity_schema)]
    pub severity: String,
    #[schema(schema_with = kind_schema)]
    pub important_kind: Option<String>,
    #[schema(schema_with = reason_schema)]
    pub major_reason: Option<String>,
    #[schema(schema_with = status_schema)]
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// The earliest open deadline (a department's acceptance, plan or completion, or the callback).
    pub next_due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub next_due_state: Option<String>,
    /// CBK-1: the callback is due within 3 days of the customer's opinion.
    pub callback_due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub callback_due_state: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// CBK-6: times reopened after a dissatisfied callback.
    pub reopened: i64,
    /// CMP-14: in the case library.
    pub typical_case: bool,
    /// Row version; send it back with an action to refuse acting on a stale read (409).
    pub version: i64,
    /// CMP-9: set while the departments' disagreement waits for a head's decision (the
    /// departments' deadlines are paused meanwhile).
    pub decision_requested_at: Option<DateTime<Utc>>,
}

fn state_code(s: Option<DeadlineState>) -> Option<String> {
    s.and_then(|s| serde_json::to_value(s).ok()).and_then(|v| v.as_str().map(str::to_string))
}

fn complaint_out(c: ComplaintRow, unit_label: Option<String>, now: DateTime<Utc>) -> ComplaintOut {
    ComplaintOut {
        next_due_state: state_code(pages::state_of(c.next_due, c.status.deadline_running(), now)),
        callback_due_state: state_code(pages::state_of(c.callback_due, c.status.callback_running(), now)),
        id: c.id,
        project_id: c.project_id,
        number: c.number,
        reception_id: c.reception_id,
        unit_id: c.unit_id,
        unit_label,
        party_id: c.party_id,
        complainant: c.complainant,
        contact_phone: c.contact_phone,
        channel: c.channel.code().to_string(),
        content: c.content,
        severity: c.severity.code().to_string(),
        important_kind: c.important_kind,
        major_reason: c.major_reason,
        status: c.status.code().to_string(),
        received_at: c.received_at,
        next_due: c.next_due,
        callback_due: c.callback_due,
        resolved_at: c.resolved_at,
        closed_at: c.closed_at,
        reopened: c.reopened,
        typical_case: c.typical_case,
        version: c.version,
        decision_requested_at: c.decision_requested_at,
    }
}

/// One department's part in a complaint (CMP-4/5/6/9), with its three deadlines.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentPart {
    pub department_id: i64,
    pub department_name: String,
    #[schema(schema_with = dept_status_schema)]
    pub status: String,
    /// CMP-5: accept or return within 1 working day.
    pub acceptance_due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub acceptance_state: Option<String>,
    /// CMP-6: the handling plan within 2 working days of accepting.
    pub plan_due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub plan_state: Option<String>,
    /// CMP-6: the deadline the department set in its plan.
    pub completion_due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub completion_state: Option<String>,
    pub plan: String,
    pub result: String,
}

fn part_out(d: DeptRow, status: ComplaintStatus, waiting: bool, now: DateTime<Utc>) -> DepartmentPart {
    let running = status.departments_running();
    let st = |due: Option<DateTime<Utc>>, clock: DeptClock| {
        let live = running && d.status.running_clock() == Some(clock);
        // CMP-9: while a head decides, the running clock is paused.
        let state = if live && waiting { due.map(|_| DeadlineState::Paused) } else { pages::state_of(due, live, now) };
        state_code(state)
    };
    DepartmentPart {
        acceptance_state: st(d.acceptance_due, DeptClock::Acceptance),
        plan_state: st(d.plan_due, DeptClock::Plan),
        completion_state: st(d.completion_due, DeptClock::Completion),
        department_id: d.department_id,
        department_name: d.department_name,
        status: d.status.code().to_string(),
        acceptance_due: d.acceptance_due,
        plan_due: d.plan_due,
        completion_due: d.completion_due,
        plan: d.plan,
        result: d.result,
    }
}

/// One event of the complaint's history (SEC-1: append-only).
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEvent {
    pub at: DateTime<Utc>,
    pub actor_name: String,
    /// `created`, an action code, `typical_marked` or `typical_unmarked`.
    pub action: String,
    /// What changed: `from`/`to` status, `severity` and the action's `detail`.
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// A complaint with its departments, what the caller may do next and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintDetail {
    #[serde(flatten)]
    pub complaint: ComplaintOut,
    #[schema(schema_with = report_schema)]
    pub report_to: Option<String>,
    pub departments: Vec<DepartmentPart>,
    /// The action codes the caller may send now (exactly what the transition table allows).
    pub allowed: Vec<String>,
    pub history: Vec<HistoryEvent>,
    /// CMP-9: disagreements sent up and the heads' decisions, oldest first.
    pub decisions: Vec<DecisionOut>,
    /// CMP-3: the evidence, oldest first (empty for staff whose department has no part in the case).
    pub attachments: Vec<AttachmentOut>,
}

/// CMP-9: one disagreement and, once taken, its decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    pub requested_at: DateTime<Utc>,
    pub requested_by_name: String,
    /// Each department's opinion as customer service summarised it.
    #[schema(value_type = Vec<Object>, example = json!([{"department_id": 1, "department_name": "工程部", "opinion": "属安保部职责"}]))]
    pub opinions: Value,
    pub decision: Option<String>,
    /// Departments that remain responsible.
    pub responsible: Vec<i64>,
    /// Departments released from the case.
    pub released: Vec<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by_name: Option<String>,
}

impl From<DecisionRow> for DecisionOut {
    fn from(r: DecisionRow) -> Self {
        let ids = |s: &Option<String>| -> Vec<i64> { s.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default() };
        DecisionOut {
            opinions: serde_json::from_str(&r.opinions).unwrap_or(Value::Null),
            responsible: ids(&r.responsible),
            released: ids(&r.released),
            requested_at: r.requested_at,
            requested_by_name: r.requested_by_name,
            decision: r.decision,
            decided_at: r.decided_at,
            decided_by_name: r.decided_by_name,
        }
    }
}

/// CMP-9: one department's opinion in a disagreement.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OpinionIn {
    pub department_id: i64,
    #[serde(default, deserialize_with = "de_text")]
    pub opinion: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintList {
    pub items: Vec<ComplaintOut>,
    /// All matching complaints, over every page. A text search (`q`) counts at most 1,000:
    /// then `more` is true.
    pub total: i64,
    /// True when more complaints match a text search than `total` (narrow the search).
    pub more: bool,
    pub page: i64,
    pub per_page: i64,
}

/// A 409 answer of the actions endpoint: the usual error, plus the actions that do fit.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictBody {
    pub error: ErrorDetail,
    /// The action codes the caller may send now.
    pub allowed: Vec<String>,
}

/// A new complaint (CMP-3). Staff make no promises at intake.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComplaint {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = i64, required = true)]
    pub project_id: String,
    /// A unit of the same project.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub unit_id: String,
    /// A party (owner, tenant, merchant) of the same project.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub party_id: String,
    /// Blank for an anonymous complaint (recorded as 匿名).
    #[serde(default, deserialize_with = "de_text")]
    pub complainant: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(example = "13800138000")]
    pub contact_phone: String,
    /// Defaults to `phone`.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = channel_schema)]
    pub channel: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true)]
    pub content: String,
    /// Blank: suggested from the content (CMP-1).
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = severity_schema)]
    pub severity: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = kind_schema)]
    pub important_kind: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = reason_schema)]
    pub major_reason: String,
}

impl From<NewComplaint> for ComplaintInput {
    fn from(n: NewComplaint) -> Self {
        let NewComplaint { project_id, unit_id, party_id, complainant, contact_phone, channel, content, severity, important_kind, major_reason } = n;
        ComplaintInput { project_id, unit_id, party_id, complainant, contact_phone, channel, content, severity, important_kind, major_reason }
    }
}

/// One step of the workflow. Which fields are needed depends on `action`:
/// `dispatch` → `departments`; `return` → `reason`; `submit_plan` → `plan` and `due`;
/// `progress` → `note`; `finish` → `result`; `mark_invalid` → `opinion` and `signed_by`;
/// `record_opinion` → `opinion`; `callback_done` → `satisfied`; `waive_callback` → `reason`
/// (one of `resolved_on_spot`, `anonymous`, `no_contact`, `sensitive`); `escalate` → `to`
/// and `reason` (for `major`, a major-reason code such as `media`, or `major_reason`);
/// `record_disagreement` (CMP-9, customer service, two or more departments on the case) →
/// `opinions`, one per disagreeing department (at least two); `decide` (CMP-9, the supervisor,
/// manager or administrator; for a major complaint the manager or administrator) →
/// `decision` and `responsible`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ActionRequest {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = action_schema, required = true)]
    pub action: String,
    /// The version the caller read; a different current version answers 409.
    pub version: Option<i64>,
    /// Department ids of the caller's company (dispatch).
    #[serde(default)]
    pub departments: Vec<i64>,
    #[serde(default, deserialize_with = "de_text")]
    pub reason: String,
    #[serde(default, deserialize_with = "de_text")]
    pub plan: String,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` in the project's time zone (Asia/Shanghai); in the future.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(example = "2026-12-01T17:00")]
    pub due: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
    #[serde(default, deserialize_with = "de_text")]
    pub result: String,
    #[serde(default, deserialize_with = "de_text")]
    pub opinion: String,
    /// The department head who signs an invalid finding (CMP-10).
    #[serde(default, deserialize_with = "de_text")]
    pub signed_by: String,
    /// CBK-5/CBK-6: false reopens the complaint for the departments.
    pub satisfied: Option<bool>,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = severity_schema)]
    pub to: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = reason_schema)]
    pub major_reason: String,
    /// CMP-9: the departments' opinions (record_disagreement).
    #[serde(default)]
    pub opinions: Vec<OpinionIn>,
    /// CMP-9: the head's decision (decide).
    #[serde(default, deserialize_with = "de_text")]
    pub decision: String,
    /// CMP-9: departments on the case that remain responsible; the others are released (decide).
    #[serde(default)]
    pub responsible: Vec<i64>,
}

impl ActionRequest {
    fn input(&self) -> ActionInput {
        ActionInput {
            action: self.action.clone(),
            departments: self.departments.iter().map(i64::to_string).collect(),
            reason: self.reason.clone(),
            plan: self.plan.clone(),
            due: self.due.clone(),
            note: self.note.clone(),
            result: self.result.clone(),
            opinion: self.opinion.clone(),
            signed_by: self.signed_by.clone(),
            satisfied: self.satisfied.map(|b| if b { "1" } else { "0" }).unwrap_or("").to_string(),
            to: self.to.clone(),
            major_reason: self.major_reason.clone(),
            opinions: self.opinions.iter().map(|o| (o.department_id.to_string(), o.opinion.clone())).collect(),
            decision: self.decision.clone(),
            responsible: self.responsible.iter().map(i64::to_string).collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// Only complaints of this project.
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    #[param(schema_with = severity_schema)]
    pub severity: Option<String>,
    /// `true`: only open complaints whose next deadline has passed.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// `true`: only typical cases (CMP-14).
    #[param(value_type = Option<bool>)]
    pub typical: Option<String>,
    /// `true`: only complaints waiting for a head's decision (CMP-9).
    #[param(value_type = Option<bool>)]
    pub awaiting_decision: Option<String>,
    /// Number, complainant, phone or content (substring; two Chinese characters are enough).
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    /// Items per page (1–500).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

// ---------- handlers ----------

async fn detail(state: &AppState, actor: &Actor, id: i64) -> Result<ComplaintDetail, ApiError> {
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    let unit_label = match row.unit_id {
        Some(u) => store::unit_labels(&mut c, actor, &[u]).await?.into_iter().next().map(|x| x.1),
        None => None,
    };
    let allowed = pages::allowed_for(&mut c, actor, &row).await?.into_iter().map(str::to_string).collect();
    let now = Utc::now();
    let waiting = row.decision_requested_at.is_some();
    let departments = store::departments(&mut c, id).await?.into_iter().map(|d| part_out(d, row.status, waiting, now)).collect();
    let decisions = complaint_decision::for_complaint(&mut c, id).await?.into_iter().map(DecisionOut::from).collect();
    let sees_evidence = attachment_ops::visible(&mut c, actor, AttachmentEntity::Complaint, id).await?.is_some();
    let attachments = if sees_evidence {
        attachment_store::for_entity(&mut c, actor, AttachmentEntity::Complaint, id).await?.into_iter().map(AttachmentOut::from).collect()
    } else {
        Vec::new()
    };
    let history = event::for_entity(&mut c, "complaint", id)
        .await?
        .into_iter()
        .map(|e| {
            // CMP-3/SEC-2: who may not see the evidence learns that some was added, not what.
            let payload = if e.action == "evidence_added" && !sees_evidence { json!({}) } else { serde_json::from_str(&e.payload).unwrap_or(Value::Null) };
            HistoryEvent { at: e.at, actor_name: e.actor_name, action: e.action, payload }
        })
        .collect();
    Ok(ComplaintDetail {
        report_to: report_to(row.severity).map(str::to_string),
        complaint: complaint_out(row, unit_label, now),
        departments,
        allowed,
        history,
        decisions,
        attachments,
    })
}

/// List complaints
///
/// Complaints of the caller's projects, newest first, filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/complaints",
    tag = "complaints",
    params(ComplaintQuery),
    responses(
        (status = 200, description = "One page of complaints", body = ComplaintList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (e.g. an unknown status)", body = ErrorBody),
    )
)]
pub async fn list_complaints(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> Result<Json<ComplaintList>, ApiError> {
    let mut errs = FieldErrors::new();
    let filter = Filter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        status: opt_enum(&mut errs, "status", q.status.as_deref(), ComplaintStatus::parse),
        severity: opt_enum(&mut errs, "severity", q.severity.as_deref(), Severity::parse),
        overdue_at: opt_bool(&mut errs, "overdue", q.overdue.as_deref()).then(Utc::now),
        typical_only: opt_bool(&mut errs, "typical", q.typical.as_deref()),
        awaiting_decision: opt_bool(&mut errs, "awaiting_decision", q.awaiting_decision.as_deref()),
        q: q.q.filter(|s| !s.trim().is_empty()),
    };
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let store::Listed { paged: list, more } = store::list(&mut c, &actor, &filter, page).await?;
    let ids: Vec<i64> = list.items.iter().filter_map(|x| x.unit_id).collect();
    let labels: std::collections::HashMap<i64, String> = store::unit_labels(&mut c, &actor, &ids).await?.into_iter().collect();
    let now = Utc::now();
    let items = list
        .items
        .into_iter()
        .map(|x| {
            let label = x.unit_id.and_then(|u| labels.get(&u).cloned());
            complaint_out(x, label, now)
        })
        .collect();
    Ok(Json(ComplaintList { items, total: list.total, more, page: list.page.number, per_page: list.page.size }))
}

/// Create a complaint
///
/// Direct intake (CMP-3). The severity is suggested from the content when left blank (CMP-1);
/// an important complaint goes to the head of customer service and a major one is reported to
/// the company head (CMP-7, see `report_to`).
#[utoipa::path(
    post,
    path = "/api/v1/complaints",
    tag = "complaints",
    request_body = NewComplaint,
    responses(
        (status = 201, description = "The created complaint", body = ComplaintDetail, headers(("Location" = String, description = "URL of the new complaint"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "Invalid fields, or a project, unit or party the caller cannot see", body = ErrorBody),
    )
)]
pub async fn create_complaint(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewComplaint>) -> Result<Response, ApiError> {
    let (id, _) = ops::create(&state.db, &actor, &body.into()).await?;
    let d = detail(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/complaints/{id}"), d).into_response())
}

/// Get a complaint
///
/// The complaint with its departments and their deadlines (each with its state), the actions
/// the caller may take now and the whole history. A complaint of a project the caller is not
/// assigned to is not found (SEC-2).
#[utoipa::path(
    get,
    path = "/api/v1/complaints/{id}",
    tag = "complaints",
    params(("id" = i64, Path, description = "Complaint id")),
    responses(
        (status = 200, description = "The complaint", body = ComplaintDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such complaint in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_complaint(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<ComplaintDetail>, ApiError> {
    Ok(Json(detail(&state, &actor, id).await?))
}

/// Act on a complaint
///
/// Applies one step of the workflow through the transition table: dispatch, accept, return,
/// submit_plan, progress, finish, mark_invalid, record_opinion, callback_done, waive_callback,
/// escalate, record_disagreement or decide (CMP-9). Customer-service roles act for customer service; department staff act for their
/// department. When the action does not fit the complaint's state (or `version` is stale) the
/// answer is 409 with the actions that do fit in `allowed`.
#[utoipa::path(
    post,
    path = "/api/v1/complaints/{id}/actions",
    tag = "complaints",
    params(("id" = i64, Path, description = "Complaint id")),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "The complaint in its new state", body = ComplaintDetail),
        (status = 400, description = "Malformed JSON or id", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller has no part in this complaint", body = ErrorBody),
        (status = 404, description = "No such complaint in the caller's projects", body = ErrorBody),
        (status = 409, description = "The action does not fit the state, or the version is stale", body = ConflictBody),
        (status = 422, description = "Missing or invalid fields for the action (all reported at once)", body = ErrorBody),
    )
)]
pub async fn complaint_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ActionRequest>,
) -> Result<Response, ApiError> {
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, &actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    let allowed: Vec<String> = pages::allowed_for(&mut c, &actor, &row).await?.into_iter().map(str::to_string).collect();
    let code = body.action.trim();
    let check =
        ActionRequestCheck { noun: "complaint", known: ACTIONS, code, sent_version: body.version, version: row.version, status: row.status.code(), allowed };
    let refusal = async || -> Result<Refusal, ApiError> {
        // Someone with no part in the complaint (not customer service, department not on the form) is refused outright.
        let part = match ops::side(&mut c, &actor).await {
            Ok(By::CustomerService | By::Head(_)) => true,
            Ok(By::Department(d)) => store::departments(&mut c, id).await?.iter().any(|x| x.department_id == d),
            Ok(By::System) | Err(AppError::Forbidden) => false,
            Err(e) => return Err(e.into()),
        };
        Ok(if !part || ops::not_theirs(&mut c, &actor, &row, code).await? { Refusal::NotTheirs } else { Refusal::NotFitting })
    };
    if let Some(refused) = check.check(refusal).await? {
        return Ok(refused);
    }
    let action = body.input().parse(TZ)?;
    pages::check_departments(&mut c, &actor, &action).await?;
    drop(c);
    let outcome = ops::act(&state.db, &actor, id, body.version.or(Some(row.version)), &action).await;
    // Changed meanwhile: the 409 tells what fits the state as it is now.
    action_answer("complaint", outcome, async || detail(&state, &actor, id).await, |d| d.allowed).await
}

#[cfg(test)]
mod tests {
    use propdesk_domain::callback::WaiverReason;

    #[test]
    fn cbk_4_waiver_reasons_are_documented() {
        // The action body's doc lists the waiver codes; keep it in step with the domain.
        for w in WaiverReason::ALL {
            assert!(["resolved_on_spot", "anonymous", "no_contact", "sensitive"].contains(&w.code()));
        }
    }
}
