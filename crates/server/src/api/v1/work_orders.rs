//! REP over JSON: list, intake, the order with each stage's deadline and result, and one
//! endpoint for every step of its life (DOMAIN.md REP-1, REP-2, REP-5, REP-7, REP-10).
//!
//! Writes go through `ops::work_order` like the staff pages; reads are scoped by the caller's
//! projects, so another project's order is not found (404). An action that does not fit the
//! order's state answers 409 with the actions that do (`allowed`).

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{ActionRequestCheck, ErrorBody, ErrorDetail, Refusal, action_answer, codes, conflict, created, opt_bool, opt_enum, opt_int, page_of};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::TZ;
use crate::ops::paid_repair::{self as fees, FeeInput};
use crate::ops::work_order::{self as ops, ActionInput, WorkOrderInput};
use crate::staff::complaints::state_of;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Actor;
use propdesk_domain::paid_repair::{FEE_ACTIONS, FeeKind, FeeStatus, PayMethod};
use propdesk_domain::work_order::{ACTIONS, Cause, LocationKind, RepairCategory, Responsibility, ShutOff, Stage, TransitionError, WorkOrderStatus};
use propdesk_store::models::contractor as contractors;
use propdesk_store::models::event;
use propdesk_store::models::paid_repair::{FeeLineRow, FeeRow};
use propdesk_store::models::work_order::{self as store, Filter, WorkOrderRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_work_orders, create_work_order, get_work_order, work_order_action, work_order_fee),
    components(schemas(FeeOut, FeeLineOut, FeeRequest, WorkOrderOut, WorkOrderDetail, WarrantyOut, TestOut, WorkOrderList, StageOut, WorkOrderHistory, NewWorkOrder, WorkOrderActionRequest, WorkOrderConflict)),
    tags((name = "work-orders", description = "Repairs from the request to the signed-off, called-back work order (DOMAIN.md REP, RCP-3)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 5;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/work-orders", get(list_work_orders).post(create_work_order))
        .route("/api/v1/work-orders/{id}", get(get_work_order))
        .route("/api/v1/work-orders/{id}/actions", post(work_order_action))
        .route("/api/v1/work-orders/{id}/fee", post(work_order_fee))
}

schema_fn!(status_schema = codes(WorkOrderStatus::ALL.iter().map(|s| s.code())), "Work-order status.");
schema_fn!(category_schema = codes(RepairCategory::ALL.iter().map(|s| s.code())), "What kind of repair.");
schema_fn!(kind_schema = codes(LocationKind::ALL.iter().map(|s| s.code())), "In the unit or in a public area.");
schema_fn!(shut_off_schema = codes(ShutOff::ALL.iter().map(|s| s.code())), "REP-5: the shut-off decision of an emergency.");
schema_fn!(stage_schema = codes(Stage::ALL.iter().map(|s| s.code())), "The stage a deadline measures.");
schema_fn!(cause_schema = codes(Cause::ALL.iter().map(|s| s.code())), "REP-3: the cause found on site.");
schema_fn!(responsibility_schema = codes(Responsibility::ALL.iter().map(|s| s.code())), "REP-3: who repairs or pays.");
schema_fn!(action_schema = codes(ACTIONS.iter().copied()), "The action code.");
schema_fn!(
    state_schema = codes(["on_time", "due_today", "overdue", "paused"]),
    "State of the running deadline (正常 / 今日到期 / 已超时); null when the stage is not running."
);

/// A work order as stored, with its running deadline's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderOut {
    pub id: i64,
    pub project_id: i64,
    /// REP-10: `{project code}/WXWT{seq}`, sequential per project.
    #[schema(example = "HXGC/WXWT001")]
    pub number: String,
    /// RCP-3: the repair reception record that started it.
    pub reception_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    #[schema(schema_with = kind_schema)]
    pub location_kind: String,
    pub location: String,
    pub owner_name: String,
    pub contact_phone: String,
    pub content: String,
    pub available_times: String,
    /// REP-2: the appointment the owner chose.
    pub appointment_at: Option<DateTime<Utc>>,
    #[schema(schema_with = category_schema)]
    pub category: String,
    /// REP-5: an emergency (its clocks run in calendar hours from the report).
    pub emergency: bool,
    #[schema(schema_with = shut_off_schema)]
    pub shut_off: Option<String>,
    pub evidence: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The running stage's deadline.
    pub next_due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub next_due_state: Option<String>,
    pub plan: String,
    pub result: String,
    pub signed_by: String,
    pub cancel_reason: String,
    pub reopened: i64,
    pub closed_at: Option<DateTime<Utc>>,
    /// REP-3: the cause decided, whether the report fell within the warranty (null: unknown)
    /// and who is responsible; the owner's fault makes it a paid repair.
    #[schema(schema_with = cause_schema)]
    pub cause: Option<String>,
    pub cause_note: String,
    pub in_warranty: Option<bool>,
    #[schema(schema_with = responsibility_schema)]
    pub responsibility: Option<String>,
    pub paid_repair: bool,
    /// REP-4: the contractor sent in (null: own engineering staff).
    pub contractor_id: Option<i64>,
    pub contractor_name: Option<String>,
    /// REP-6: the witnessed test passed.
    pub test_passed: bool,
    /// Row version; send it back with an action to refuse acting on a stale read (409).
    pub version: i64,
}

fn state_code(t: Option<DateTime<Utc>>, live: bool, now: DateTime<Utc>) -> Option<String> {
    state_of(t, live, now).and_then(|s| serde_json::to_value(s).ok()).and_then(|v| v.as_str().map(str::to_string))
}

fn out(w: &WorkOrderRow, now: DateTime<Utc>) -> WorkOrderOut {
    WorkOrderOut {
        id: w.id,
        project_id: w.project_id,
        number: w.number.clone(),
        reception_id: w.reception_id,
        unit_id: w.unit_id,
        party_id: w.party_id,
        location_kind: w.location_kind.code().into(),
        location: w.location.clone(),
        owner_name: w.owner_name.clone(),
        contact_phone: w.contact_phone.clone(),
        content: w.content.clone(),
        available_times: w.available_times.clone(),
        appointment_at: w.appointment_at,
        category: w.category.code().into(),
        emergency: w.emergency,
        shut_off: w.shut_off.clone(),
        evidence: w.evidence.clone(),
        status: w.status.code().into(),
        department_id: w.department_id,
        department_name: w.department_name.clone(),
        assignee_id: w.assignee_id,
        assignee_name: w.assignee_name.clone(),
        received_at: w.received_at,
        next_due: w.next_due,
        next_due_state: state_code(w.next_due, w.status.is_open(), now),
        plan: w.plan.clone(),
        result: w.result.clone(),
        signed_by: w.signed_by.clone(),
        cancel_reason: w.cancel_reason.clone(),
        reopened: w.reopened,
        closed_at: w.closed_at,
        cause: w.cause.clone(),
        cause_note: w.cause_note.clone(),
        in_warranty: w.in_warranty,
        responsibility: w.responsibility.clone(),
        paid_repair: w.paid_repair,
        contractor_id: w.contractor_id,
        contractor_name: w.contractor_name.clone(),
        test_passed: w.test_passed,
        version: w.version,
    }
}

/// One stage's clock: its deadline, the state while it runs, and its result once done.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageOut {
    #[schema(schema_with = stage_schema)]
    pub stage: String,
    pub due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub state: Option<String>,
    /// Whether the stage was done by its deadline; null until it is done.
    pub on_time: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderHistory {
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub action: String,
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// A work order with its stages, what the caller may do next and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderDetail {
    #[serde(flatten)]
    pub order: WorkOrderOut,
    pub stages: Vec<StageOut>,
    /// The action codes the caller may send now (exactly what the transition table allows).
    pub allowed: Vec<String>,
    pub history: Vec<WorkOrderHistory>,
    /// REP-7: whether the owner's drawn signature is on file.
    pub signed: bool,
    /// REP-3: the warranty covering this kind of repair at the report date.
    pub warranty: WarrantyOut,
    /// REP-6: the witnessed tests, oldest first.
    pub tests: Vec<TestOut>,
    /// REP-12: a paid repair's fee (null until something is quoted).
    pub fee: Option<FeeOut>,
    /// REP-12: the fee actions the caller may send now.
    pub fee_allowed: Vec<String>,
}

schema_fn!(fee_status_schema = codes(FeeStatus::ALL.iter().map(|s| s.code())), "REP-12: where the fee stands.");
schema_fn!(fee_kind_schema = codes(FeeKind::ALL.iter().map(|s| s.code())), "REP-12: what a fee line charges for.");
schema_fn!(method_schema = codes(PayMethod::ALL.iter().map(|s| s.code())), "REP-12: how the owner paid.");
schema_fn!(fee_action_schema = codes(FEE_ACTIONS.iter().copied()), "REP-12: the fee action.");

/// REP-12: a paid repair's fee; money in fen.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeOut {
    #[schema(schema_with = fee_status_schema)]
    pub status: String,
    /// The sum of the lines.
    pub total_fen: i64,
    pub lines: Vec<FeeLineOut>,
    pub agreed_by: String,
    pub agreed_at: Option<DateTime<Utc>>,
    pub amount_fen: Option<i64>,
    #[schema(schema_with = method_schema)]
    pub method: Option<String>,
    pub reference: String,
    pub collected_by: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    /// `{project code}/SJ{seq}`, sequential per project.
    pub receipt_no: Option<String>,
    pub handed_over_to: Option<String>,
    pub handed_over_at: Option<DateTime<Utc>>,
    /// Send it back with a fee action to refuse acting on a stale read (0 while nothing is quoted).
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeeLineOut {
    pub id: i64,
    #[schema(schema_with = fee_kind_schema)]
    pub kind: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
}

/// One fee step: `add_line` → `kind`, `description`, `quantity` (whole number), `unit_price`
/// (yuan, "12.50"); `remove_line` → `line_id`; `agree` → `agreed_by` (the owner who agreed the
/// quote); `collect` → `amount` (yuan, exactly the total), `method`, `reference` (not for cash);
/// `hand_over` (customer service received the money).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FeeRequest {
    #[schema(schema_with = fee_action_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub action: String,
    /// The fee version the caller read (0 while nothing is quoted).
    pub version: Option<i64>,
    #[schema(schema_with = fee_kind_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub description: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub quantity: String,
    #[schema(example = "12.50")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub unit_price: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub line_id: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub agreed_by: String,
    #[schema(example = "120.50")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub amount: String,
    #[schema(schema_with = method_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub method: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reference: String,
}

impl FeeRequest {
    fn input(&self) -> FeeInput {
        FeeInput {
            action: self.action.clone(),
            kind: self.kind.clone(),
            description: self.description.clone(),
            quantity: self.quantity.clone(),
            unit_price: self.unit_price.clone(),
            line_id: self.line_id.clone(),
            agreed_by: self.agreed_by.clone(),
            amount: self.amount.clone(),
            method: self.method.clone(),
            reference: self.reference.clone(),
        }
    }
}

fn fee_out(f: &FeeRow, lines: &[FeeLineRow]) -> FeeOut {
    FeeOut {
        status: f.status.code().into(),
        total_fen: f.total,
        lines: lines
            .iter()
            .map(|l| FeeLineOut {
                id: l.id,
                kind: l.kind.code().into(),
                description: l.description.clone(),
                quantity: l.quantity,
                unit_price_fen: l.unit_price,
                amount_fen: l.amount,
            })
            .collect(),
        agreed_by: f.agreed_by.clone(),
        agreed_at: f.agreed_at,
        amount_fen: f.amount,
        method: f.method.clone(),
        reference: f.reference.clone(),
        collected_by: f.collected_by_name.clone(),
        collected_at: f.collected_at,
        receipt_no: f.receipt_no.clone(),
        handed_over_to: f.handed_over_to_name.clone(),
        handed_over_at: f.handed_over_at,
        version: f.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarrantyOut {
    /// The component type (structure, waterproofing, electric, plumbing, fit_out).
    pub component: String,
    pub years: i64,
    /// Null when the unit's handover date is unknown (or a public area).
    pub in_warranty: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestOut {
    pub at: DateTime<Utc>,
    pub owner_present: bool,
    pub office_present: bool,
    pub passed: bool,
    pub note: String,
    pub tested_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderList {
    pub items: Vec<WorkOrderOut>,
    /// Matching orders, counted to 10,000 (a text search `q` to 1,000); `more` says there are more.
    pub total: i64,
    /// More orders match than `total`.
    pub more: bool,
    pub page: i64,
    pub per_page: i64,
}

/// A 409 answer of the actions endpoint: the usual error, plus the actions that do fit.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderConflict {
    pub error: ErrorDetail,
    pub allowed: Vec<String>,
}

/// A repair request (REP-1): location, the owner's name and phone, what is wrong, and when the
/// owner is at home or the appointment they chose.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWorkOrder {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    /// Required for an in-unit repair.
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub unit_id: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub party_id: String,
    /// Defaults to `in_unit` when a unit is given.
    #[schema(schema_with = kind_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub location_kind: String,
    /// Required for a public area.
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub location: String,
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub owner_name: String,
    #[schema(required = true, example = "13800138000")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub contact_phone: String,
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub content: String,
    /// When the owner is at home (required for an in-unit repair without an appointment).
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub available_times: String,
    /// REP-2: RFC 3339, or `YYYY-MM-DDTHH:MM` in the project's zone; in the future.
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub appointment_at: String,
    #[schema(schema_with = category_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub category: String,
    /// REP-5: water or power emergency.
    #[schema(value_type = Option<bool>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub emergency: String,
}

impl From<NewWorkOrder> for WorkOrderInput {
    fn from(n: NewWorkOrder) -> Self {
        let NewWorkOrder {
            project_id,
            unit_id,
            party_id,
            location_kind,
            location,
            owner_name,
            contact_phone,
            content,
            available_times,
            appointment_at,
            category,
            emergency,
        } = n;
        WorkOrderInput {
            project_id,
            unit_id,
            party_id,
            location_kind,
            location,
            owner_name,
            contact_phone,
            content,
            available_times,
            appointment_at,
            category,
            emergency,
        }
    }
}

/// One step: `dispatch` → `department_id`, `assignee_id`; `arrive` → for an emergency `note`
/// (the cause), `evidence` and `shut_off` (REP-5); `start` → `plan` and optionally `due` (the
/// finish time agreed with the owner); `finish` → `result`; `sign_off` → `signed_by` and, in a
/// unit, `signature` (a PNG data URL, REP-7); `callback_done` → `satisfied` (false needs `note`
/// and reopens the repair); `cancel` → `reason` (before the repair starts).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct WorkOrderActionRequest {
    #[schema(schema_with = action_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub action: String,
    /// The version the caller read; a different current version answers 409.
    pub version: Option<i64>,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub department_id: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub assignee_id: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub evidence: String,
    #[schema(schema_with = shut_off_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub shut_off: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub plan: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub due: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub result: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub signed_by: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub signature: String,
    #[schema(value_type = Option<bool>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub satisfied: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reason: String,
    /// REP-3 `decide_cause`: the cause found.
    #[schema(schema_with = cause_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub cause: String,
    /// REP-4 `choose_repairer`: an approved, qualified contractor; null for own engineering staff.
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub contractor_id: String,
    /// REP-6 `record_test`: who witnessed the test and whether it passed.
    #[schema(value_type = Option<bool>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub owner_present: String,
    #[schema(value_type = Option<bool>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub office_present: String,
    #[schema(value_type = Option<bool>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub passed: String,
}

impl WorkOrderActionRequest {
    fn input(&self) -> ActionInput {
        ActionInput {
            action: self.action.clone(),
            department_id: self.department_id.clone(),
            assignee_id: self.assignee_id.clone(),
            note: self.note.clone(),
            evidence: self.evidence.clone(),
            shut_off: self.shut_off.clone(),
            plan: self.plan.clone(),
            due: self.due.clone(),
            result: self.result.clone(),
            signed_by: self.signed_by.clone(),
            signature: self.signature.clone(),
            satisfied: self.satisfied.clone(),
            reason: self.reason.clone(),
            cause: self.cause.clone(),
            contractor_id: self.contractor_id.clone(),
            owner_present: self.owner_present.clone(),
            office_present: self.office_present.clone(),
            passed: self.passed.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkOrderQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// `true`: only emergencies (REP-5).
    #[param(value_type = Option<bool>)]
    pub emergency: Option<String>,
    /// `true`: only open orders whose running deadline has passed.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Number, owner, phone, location or content (substring).
    pub q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

async fn detail(state: &AppState, actor: &Actor, id: i64) -> Result<WorkOrderDetail, ApiError> {
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    let allowed = ops::allowed(&mut c, actor, &row).await?.into_iter().map(str::to_string).collect();
    let now = Utc::now();
    let running = row.status.running_stage();
    let stages = ops::stages(&row)
        .into_iter()
        .map(|(s, due, on_time)| StageOut { stage: s.code().into(), due, state: state_code(due, running == Some(s), now), on_time })
        .collect();
    let history = event::for_entity(&mut c, "work_order", id)
        .await?
        .into_iter()
        .map(|e| WorkOrderHistory { at: e.at, actor_name: e.actor_name, action: e.action, payload: serde_json::from_str(&e.payload).unwrap_or(Value::Null) })
        .collect();
    let (component, years, in_warranty) = ops::warranty(&mut c, actor, &row).await?;
    let (fee, lines) = fees::load(&mut c, &row).await?;
    let fee_allowed = fees::allowed(&mut c, actor, &row).await?.into_iter().map(str::to_string).collect();
    let tests = contractors::tests(&mut c, id)
        .await?
        .into_iter()
        .map(|t| TestOut {
            at: t.tested_at,
            owner_present: t.owner_present,
            office_present: t.office_present,
            passed: t.passed,
            note: t.note,
            tested_by: t.tested_by_name,
        })
        .collect();
    Ok(WorkOrderDetail {
        order: out(&row, now),
        stages,
        allowed,
        history,
        signed: row.signature.is_some(),
        warranty: WarrantyOut { component: component.code().into(), years, in_warranty },
        tests,
        fee: fee.as_ref().map(|f| fee_out(f, &lines)),
        fee_allowed,
    })
}

/// List work orders
///
/// Work orders of the caller's projects, newest first, filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/work-orders",
    tag = "work-orders",
    params(WorkOrderQuery),
    responses(
        (status = 200, description = "One page of work orders", body = WorkOrderList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_work_orders(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<WorkOrderQuery>,
) -> Result<Json<WorkOrderList>, ApiError> {
    let mut errs = FieldErrors::new();
    let filter = Filter {
        // The status is checked first, so its error leads the list as it always has.
        status: opt_enum(&mut errs, "status", q.status.as_deref(), WorkOrderStatus::parse),
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        emergency_only: opt_bool(&mut errs, "emergency", q.emergency.as_deref()),
        overdue_at: opt_bool(&mut errs, "overdue", q.overdue.as_deref()).then(Utc::now),
        unit_id: None,
        q: q.q.filter(|s| !s.trim().is_empty()),
    };
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let store::Listed { paged: list, more } = store::list(&mut c, &actor, &filter, page).await?;
    let now = Utc::now();
    Ok(Json(WorkOrderList {
        items: list.items.iter().map(|w| out(w, now)).collect(),
        total: list.total,
        more,
        page: list.page.number,
        per_page: list.page.size,
    }))
}

/// Create a work order
///
/// A repair request (REP-1), numbered per project (REP-10). Its dispatch and on-site deadlines
/// start at once: on site within 2 working days or at the owner's appointment (REP-2); for an
/// emergency both within the emergency policy's calendar hours (REP-5).
#[utoipa::path(
    post,
    path = "/api/v1/work-orders",
    tag = "work-orders",
    request_body = NewWorkOrder,
    responses(
        (status = 201, description = "The created work order", body = WorkOrderDetail, headers(("Location" = String, description = "URL of the new work order"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields, or a project or unit the caller cannot see", body = ErrorBody),
    )
)]
pub async fn create_work_order(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewWorkOrder>) -> Result<Response, ApiError> {
    let (id, _) = ops::create(&state.db, &actor, &body.into()).await?;
    let d = detail(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/work-orders/{id}"), d).into_response())
}

/// Get a work order
///
/// The order with each stage's deadline, its state and its result, the actions the caller may
/// take now and the history. An order of another project is not found (SEC-2).
#[utoipa::path(
    get,
    path = "/api/v1/work-orders/{id}",
    tag = "work-orders",
    params(("id" = i64, Path, description = "Work-order id")),
    responses(
        (status = 200, description = "The work order", body = WorkOrderDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_work_order(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<WorkOrderDetail>, ApiError> {
    Ok(Json(detail(&state, &actor, id).await?))
}

/// Act on a work order
///
/// One step through the transition table: dispatch, arrive, start, finish, sign_off,
/// callback_done or cancel. When the action does not fit the order's state (or `version` is
/// stale) the answer is 409 with the actions that do fit in `allowed`.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/actions",
    tag = "work-orders",
    params(("id" = i64, Path, description = "Work-order id")),
    request_body = WorkOrderActionRequest,
    responses(
        (status = 200, description = "The work order in its new state", body = WorkOrderDetail),
        (status = 400, description = "Malformed JSON or id", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller has no part in this step (another department's order)", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
        (status = 409, description = "The action does not fit the state, or the version is stale", body = WorkOrderConflict),
        (status = 422, description = "Missing or invalid fields for the action", body = ErrorBody),
    )
)]
pub async fn work_order_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WorkOrderActionRequest>,
) -> Result<Response, ApiError> {
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, &actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    let allowed: Vec<String> = ops::allowed(&mut c, &actor, &row).await?.into_iter().map(str::to_string).collect();
    let code = body.action.trim();
    let check =
        ActionRequestCheck { noun: "work order", known: ACTIONS, code, sent_version: body.version, version: row.version, status: row.status.code(), allowed };
    let refusal = async || {
        Ok(match ops::refusal(&mut c, &actor, &row, code).await? {
            Some(TransitionError::NotYours) => Refusal::NotTheirs,
            // REP-12: the fee holds the step back, not the status; say so.
            Some(TransitionError::FeeFirst { zh, en }) => Refusal::Because(format!("{en} ({zh})")),
            _ => Refusal::NotFitting,
        })
    };
    if let Some(refused) = check.check(refusal).await? {
        return Ok(refused);
    }
    drop(c);
    let action = body.input().parse(TZ)?;
    let outcome = ops::act(&state.db, &actor, id, body.version.or(Some(row.version)), &action).await;
    action_answer("work order", outcome, async || detail(&state, &actor, id).await, |d| d.allowed).await
}

/// Act on a paid repair's fee
///
/// REP-12: quote lines while the owner has not agreed, the owner's agreement (before the work
/// may start), the collection of exactly the agreed total with a receipt numbered per project,
/// and the hand-over to customer service. A step that does not fit the fee's state (or a stale
/// `version`) answers 409 with the fee actions that do fit in `allowed`.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/fee",
    tag = "work-orders",
    params(("id" = i64, Path, description = "Work-order id")),
    request_body = FeeRequest,
    responses(
        (status = 200, description = "The work order with its fee", body = WorkOrderDetail),
        (status = 400, description = "Malformed JSON or id", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller has no part in this step", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
        (status = 409, description = "Not a paid repair, the step does not fit, or the version is stale", body = WorkOrderConflict),
        (status = 422, description = "Missing or invalid fields (money, quantity, an amount other than the total)", body = ErrorBody),
    )
)]
pub async fn work_order_fee(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FeeRequest>,
) -> Result<Response, ApiError> {
    let op = body.input().parse()?;
    match fees::act(&state.db, &actor, id, body.version, &op).await {
        Ok(()) => Ok(Json(detail(&state, &actor, id).await?).into_response()),
        Err(AppError::Conflict(m)) => {
            let d = detail(&state, &actor, id).await?;
            Ok(conflict(&m, d.fee_allowed))
        }
        Err(e) => Err(e.into()),
    }
}
