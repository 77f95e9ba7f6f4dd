//! REP-11 over JSON: a contractor's evaluations, deductions and settlements (under
//! /api/v1/contractors/{id}/…), the agreed amount, deductions and temporary labour slips of a
//! work order, and the steps of deductions, labour slips and payment requests. Amounts go in
//! as yuan (a decimal string or number) and come out in fen (`*_fen`). Everything is read in
//! the caller's projects; a step that does not fit answers 409 with the steps that do.

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::conflict;
use crate::api::v1::{ErrorBody, codes, created, decimal_input};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::contractor_accounts::{self as ops, DeductionInput, EvaluationInput, LabourSlipInput, SettlementInput};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::contractor::{DeductionStatus, Grade, LabourSlipStatus, LabourUnit, Party, PaymentStatus, Record, centi};
use propdesk_store::models::contractor as contractors;
use propdesk_store::models::contractor_accounts::{self as store, DeductionFilter, DeductionRow, EvaluationRow, LabourSlipRow, PaymentRow, SettlementRow};
use propdesk_store::models::work_order as work_orders;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(
        list_evaluations,
        create_evaluation,
        list_contractor_deductions,
        create_deduction,
        get_deduction,
        deduction_action,
        set_agreed_amount,
        list_labour_slips,
        create_labour_slip,
        labour_slip_action,
        list_settlements,
        create_settlement,
        get_settlement,
        create_payment_request,
        payment_request_action
    ),
    components(schemas(
        RecordOut,
        EvaluationOut,
        EvaluationList,
        NewEvaluation,
        DeductionOut,
        NewDeduction,
        StepRequest,
        AgreedAmount,
        AgreedAmountOut,
        LabourSlipOut,
        NewLabourSlip,
        SettlementOut,
        SettlementLineOut,
        SettlementDetail,
        NewSettlement,
        PaymentOut,
        NewPaymentRequest
    )),
    tags((name = "contractor-accounts", description = "Contractor evaluations, deductions, labour slips, settlements and payment requests (DOMAIN.md REP-11)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 15;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/contractors/{id}/evaluations", get(list_evaluations).post(create_evaluation))
        .route("/api/v1/contractors/{id}/deductions", get(list_contractor_deductions))
        .route("/api/v1/contractors/{id}/settlements", get(list_settlements).post(create_settlement))
        .route("/api/v1/work-orders/{id}/deductions", post(create_deduction))
        .route("/api/v1/work-orders/{id}/agreed-amount", post(set_agreed_amount))
        .route("/api/v1/work-orders/{id}/labour-slips", get(list_labour_slips).post(create_labour_slip))
        .route("/api/v1/deductions/{id}", get(get_deduction))
        .route("/api/v1/deductions/{id}/actions", post(deduction_action))
        .route("/api/v1/labour-slips/{id}/actions", post(labour_slip_action))
        .route("/api/v1/settlements/{id}", get(get_settlement))
        .route("/api/v1/settlements/{id}/payment-requests", post(create_payment_request))
        .route("/api/v1/payment-requests/{id}/actions", post(payment_request_action))
}

schema_fn!(grade_schema = codes(Grade::ALL.iter().map(|s| s.code())), "SM03-19 overall grade.");
schema_fn!(party_schema = codes(Party::ALL.iter().map(|s| s.code())), "Who the deduction is charged to (REP-3).");
schema_fn!(deduction_status_schema = codes(DeductionStatus::ALL.iter().map(|s| s.code())), "Deduction status.");
schema_fn!(slip_status_schema = codes(LabourSlipStatus::ALL.iter().map(|s| s.code())), "Labour slip status.");
schema_fn!(unit_schema = codes(LabourUnit::ALL.iter().map(|s| s.code())), "Days or hours (default: day).");
schema_fn!(payment_status_schema = codes(PaymentStatus::ALL.iter().map(|s| s.code())), "Payment request status.");
schema_fn!(yuan_input = decimal_input(), "Yuan with at most two decimals; a JSON number or a string.");
schema_fn!(optional_yuan_input = decimal_input(), "Yuan with at most two decimals; empty or null clears the amount.");
schema_fn!(quantity_input = decimal_input(), "Days or hours per worker, at most two decimals.");

/// SM03-19: a contractor's record over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordOut {
    /// Jobs finished in the period (with an on-time result), and of them on time.
    pub jobs: i64,
    pub on_time: i64,
    /// Whole percent; null without jobs.
    pub on_time_percent: Option<i64>,
    /// Rated callbacks, and the average ratings (1–5) as decimal strings ("4.33"; "—" unrated).
    pub rated: i64,
    pub quality: String,
    pub speed: String,
    pub attitude: String,
    pub rectifications: i64,
    /// The grade the numbers suggest (null without jobs); the evaluator decides.
    #[schema(schema_with = grade_schema)]
    pub suggested_grade: Option<String>,
}

impl From<Record> for RecordOut {
    fn from(r: Record) -> Self {
        RecordOut {
            jobs: r.jobs,
            on_time: r.on_time,
            on_time_percent: r.on_time_percent(),
            rated: r.rated,
            quality: centi(r.quality_avg()),
            speed: centi(r.speed_avg()),
            attitude: centi(r.attitude_avg()),
            rectifications: r.rectifications,
            suggested_grade: r.suggested_grade().map(|g| g.code().to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationOut {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub record: RecordOut,
    #[schema(schema_with = grade_schema)]
    pub grade: String,
    pub opinion: String,
    /// The decision on the register: kept (or restored) on the approved list, or suspended.
    pub approved: bool,
    pub evaluated_by: Option<String>,
    pub evaluated_at: DateTime<Utc>,
}

fn evaluation_out(e: EvaluationRow) -> EvaluationOut {
    EvaluationOut {
        id: e.id,
        project_id: e.project_id,
        record: e.record().into(),
        project_name: e.project_name,
        period_from: e.period_from,
        period_to: e.period_to,
        grade: e.grade.code().into(),
        opinion: e.opinion,
        approved: e.keep_approved,
        evaluated_by: e.evaluated_by_name,
        evaluated_at: e.evaluated_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationList {
    pub items: Vec<EvaluationOut>,
    /// The live record for the project and period asked for (when all three are given).
    pub record: Option<RecordOut>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    pub period_from: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    pub period_to: Option<String>,
}

/// A period evaluation: the project, the period, the grade, the opinion and whether the
/// contractor stays approved (false suspends it: it can no longer be chosen, REP-4).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEvaluation {
    #[schema(value_type = i64)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(value_type = String, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub period_from: String,
    #[schema(value_type = String, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub period_to: String,
    #[schema(schema_with = grade_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub grade: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub opinion: String,
    #[serde(default)]
    pub approved: bool,
}

async fn contractor_exists(state: &AppState, actor: &Actor, id: i64) -> Result<(), ApiError> {
    let mut c = state.db.read().await?;
    contractors::get(&mut c, actor.company_id, id).await?.map(|_| ()).ok_or(ApiError(AppError::NotFound))
}

/// List a contractor's evaluations
///
/// Its evaluations in the caller's projects, newest period first; with `project_id`,
/// `period_from` and `period_to`, also the live record an evaluation would copy.
#[utoipa::path(
    get,
    path = "/api/v1/contractors/{id}/evaluations",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Contractor id"), RecordQuery),
    responses(
        (status = 200, description = "The evaluations", body = EvaluationList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such contractor, or a project the caller cannot see", body = ErrorBody),
        (status = 422, description = "An invalid period", body = ErrorBody),
    )
)]
pub async fn list_evaluations(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<RecordQuery>,
) -> Result<Json<EvaluationList>, ApiError> {
    contractor_exists(&state, &actor, id).await?;
    let mut c = state.db.read().await?;
    let record = match (q.project_id.as_deref(), q.period_from.as_deref(), q.period_to.as_deref()) {
        (Some(p), Some(f), Some(t)) => {
            let mut e = FieldErrors::new();
            let project_id = crate::api::v1::opt_int(&mut e, "project_id", Some(p));
            e.into_result()?;
            let span = ops::parse_span(f, t)?;
            Some(ops::record(&mut c, &actor, id, project_id.unwrap_or(0), span).await?.into())
        }
        _ => None,
    };
    let items = store::evaluations(&mut c, &actor, id, 200).await?.into_iter().map(evaluation_out).collect();
    Ok(Json(EvaluationList { items, record }))
}

/// Record an evaluation
///
/// Copies the contractor's record in the project over the period from its work orders (on-time
/// results, callback ratings, rectifications), with the grade and opinion; the approval decision
/// is written to the register in the same transaction. Needs `ManageContractors`.
#[utoipa::path(
    post,
    path = "/api/v1/contractors/{id}/evaluations",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Contractor id")),
    request_body = NewEvaluation,
    responses(
        (status = 201, description = "The contractor's evaluations, newest first", body = EvaluationList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not keep the contractor register", body = ErrorBody),
        (status = 404, description = "No such contractor", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields", body = ErrorBody),
    )
)]
pub async fn create_evaluation(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewEvaluation>,
) -> Result<Response, ApiError> {
    let input = EvaluationInput {
        project_id: b.project_id,
        period_from: b.period_from,
        period_to: b.period_to,
        grade: b.grade,
        opinion: b.opinion,
        approved: b.approved,
    };
    ops::evaluate(&state.db, &actor, id, &input).await?;
    let mut c = state.db.read().await?;
    let items = store::evaluations(&mut c, &actor, id, 200).await?.into_iter().map(evaluation_out).collect();
    Ok((StatusCode::CREATED, Json(EvaluationList { items, record: None })).into_response())
}

// ---------- deductions ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct DeductionOut {
    pub id: i64,
    pub project_id: i64,
    /// `{project code}/KK{seq}`.
    pub number: String,
    pub work_order_id: i64,
    pub work_order_number: String,
    #[schema(schema_with = party_schema)]
    pub party: String,
    pub contractor_id: Option<i64>,
    pub contractor_name: Option<String>,
    pub amount_fen: i64,
    pub reason: String,
    #[schema(schema_with = deduction_status_schema)]
    pub status: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub cancel_reason: String,
    /// The settlement that charged it.
    pub settlement_id: Option<i64>,
    pub version: i64,
    /// The steps the caller may take now.
    pub allowed: Vec<String>,
}

fn deduction_out(d: DeductionRow, actor: &Actor) -> DeductionOut {
    let allowed = if actor.can(Permission::ManageContractors) { d.status.allowed(actor.role).into_iter().map(str::to_string).collect() } else { Vec::new() };
    DeductionOut {
        id: d.id,
        project_id: d.project_id,
        number: d.number,
        work_order_id: d.work_order_id,
        work_order_number: d.work_order_number,
        party: d.party.code().into(),
        contractor_id: d.contractor_id,
        contractor_name: d.contractor_name,
        amount_fen: d.amount,
        reason: d.reason,
        status: d.status.code().into(),
        created_by: d.created_by_name,
        created_at: d.created_at,
        approved_by: d.approved_by_name,
        approved_at: d.approved_at,
        cancel_reason: d.cancel_reason,
        settlement_id: d.settlement_id,
        version: d.version,
        allowed,
    }
}

/// A deduction notice: the amount in yuan and the reason; for a contractor's responsibility,
/// optionally the contractor charged (default: the one sent in on the order).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDeduction {
    #[schema(schema_with = yuan_input)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub amount: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reason: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub contractor_id: String,
}

/// A step: its code, the version read, and for cancel/reject the reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepRequest {
    #[schema(example = "approve")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub action: String,
    pub version: Option<i64>,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeductionQuery {
    #[param(schema_with = deduction_status_schema)]
    pub status: Option<String>,
}

/// List a contractor's deductions
///
/// Its deductions in the caller's projects, newest first (at most 500), optionally by status.
#[utoipa::path(
    get,
    path = "/api/v1/contractors/{id}/deductions",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Contractor id"), DeductionQuery),
    responses(
        (status = 200, description = "Its deductions in the caller's projects, newest first", body = Vec<DeductionOut>),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such contractor", body = ErrorBody),
        (status = 422, description = "An unknown status", body = ErrorBody),
    )
)]
pub async fn list_contractor_deductions(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DeductionQuery>,
) -> Result<Json<Vec<DeductionOut>>, ApiError> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(DeductionStatus::parse(s).map_err(|r| FieldErrors::single("status", r))?),
        None => None,
    };
    contractor_exists(&state, &actor, id).await?;
    let mut c = state.db.read().await?;
    let rows = store::deductions(&mut c, &actor, DeductionFilter { contractor_id: Some(id), status, ..Default::default() }, 500).await?;
    Ok(Json(rows.into_iter().map(|d| deduction_out(d, &actor)).collect()))
}

async fn deduction_detail(state: &AppState, actor: &Actor, id: i64) -> Result<DeductionOut, ApiError> {
    let mut c = state.db.read().await?;
    let d = store::deduction(&mut c, actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(deduction_out(d, actor))
}

/// Draft a deduction on a work order
///
/// Charged to the party the order's REP-3 responsibility names (contractor or developer); an
/// undecided cause or an owner's fault is refused (422). Numbered `{code}/KK{seq}`.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/deductions",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Work-order id")),
    request_body = NewDeduction,
    responses(
        (status = 201, description = "The draft deduction", body = DeductionOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not keep contractor accounts", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
        (status = 409, description = "The order is cancelled", body = ErrorBody),
        (status = 422, description = "Invalid fields, or no party to charge", body = ErrorBody),
    )
)]
pub async fn create_deduction(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewDeduction>,
) -> Result<Response, ApiError> {
    let input = DeductionInput { amount: b.amount, reason: b.reason, contractor_id: b.contractor_id };
    let did = ops::create_deduction(&state.db, &actor, id, &input).await?;
    let d = deduction_detail(&state, &actor, did).await?;
    Ok(created(format!("/api/v1/deductions/{did}"), d).into_response())
}

/// Get a deduction
#[utoipa::path(
    get,
    path = "/api/v1/deductions/{id}",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Deduction id")),
    responses(
        (status = 200, description = "The deduction", body = DeductionOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such deduction in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_deduction(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<DeductionOut>, ApiError> {
    Ok(Json(deduction_detail(&state, &actor, id).await?))
}

/// The shared shape of a step: a stale version or a step that does not fit is 409 with the
/// allowed steps; a step the role may not take is 403.
fn refuse(code: &str, version: Option<i64>, current: i64, allowed: &[String], role_refused: bool) -> Option<Result<Response, ApiError>> {
    if version.is_some_and(|v| v != current) {
        return Some(Ok(conflict("the record changed since it was read; read it again", allowed.to_vec())));
    }
    if !allowed.iter().any(|a| a == code) {
        if role_refused {
            return Some(Err(ApiError(AppError::Forbidden)));
        }
        return Some(Ok(conflict(&format!("`{code}` does not fit the record's status"), allowed.to_vec())));
    }
    None
}

/// Approve or cancel a deduction
///
/// `approve` (supervisor, manager, administrator) or `cancel` with a reason; charging happens
/// only when a settlement includes it.
#[utoipa::path(
    post,
    path = "/api/v1/deductions/{id}/actions",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Deduction id")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "The deduction in its new state", body = DeductionOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not take this step", body = ErrorBody),
        (status = 404, description = "No such deduction in the caller's projects", body = ErrorBody),
        (status = 409, description = "The step does not fit, or the version is stale; `allowed` lists what fits", body = ErrorBody),
        (status = 422, description = "An unknown action or a missing reason", body = ErrorBody),
    )
)]
pub async fn deduction_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StepRequest>,
) -> Result<Response, ApiError> {
    let action = ops::deduction_action(&b.action, &b.reason)?;
    let d = deduction_detail(&state, &actor, id).await?;
    let status = DeductionStatus::parse(&d.status).map_err(|r| FieldErrors::single("status", r))?;
    let role_refused =
        !actor.can(Permission::ManageContractors) || status.apply(&action, Some(actor.role)) == Err(propdesk_domain::contractor::StepError::NotYourRole);
    if let Some(r) = refuse(action.code(), b.version, d.version, &d.allowed, role_refused) {
        return r;
    }
    match ops::deduction_act(&state.db, &actor, id, b.version.unwrap_or(d.version), &action).await {
        Ok(()) => Ok(Json(deduction_detail(&state, &actor, id).await?).into_response()),
        Err(AppError::Conflict(_)) => Ok(conflict("the deduction changed meanwhile; read it again", deduction_detail(&state, &actor, id).await?.allowed)),
        Err(e) => Err(e.into()),
    }
}

// ---------- agreed amount ----------

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgreedAmount {
    #[schema(schema_with = optional_yuan_input)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreedAmountOut {
    pub work_order_id: i64,
    pub agreed_amount_fen: Option<i64>,
}

/// Set a work order's agreed amount
///
/// The amount agreed with the contractor sent in (the settlement's line). Refused once the
/// order is in a settlement (409).
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/agreed-amount",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Work-order id")),
    request_body = AgreedAmount,
    responses(
        (status = 200, description = "The amount now agreed", body = AgreedAmountOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not keep contractor accounts", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
        (status = 409, description = "Already settled, or cancelled", body = ErrorBody),
        (status = 422, description = "An invalid amount, or no contractor on the order", body = ErrorBody),
    )
)]
pub async fn set_agreed_amount(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AgreedAmount>,
) -> Result<Json<AgreedAmountOut>, ApiError> {
    let fen = ops::set_agreed_amount(&state.db, &actor, id, &b.amount).await?;
    Ok(Json(AgreedAmountOut { work_order_id: id, agreed_amount_fen: fen }))
}

// ---------- labour slips ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct LabourSlipOut {
    pub id: i64,
    /// `{project code}/LSYG{seq}`, numbered per project like the commission.
    pub number: String,
    pub work_order_id: i64,
    pub work_order_number: String,
    pub worker_names: String,
    pub workers: i64,
    #[schema(schema_with = unit_schema)]
    pub unit: String,
    /// Days or hours per worker ("1.50").
    pub quantity: String,
    pub rate_fen: i64,
    pub amount_fen: i64,
    pub work: String,
    #[schema(schema_with = slip_status_schema)]
    pub status: String,
    pub created_by: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub cancel_reason: String,
    pub version: i64,
    pub allowed: Vec<String>,
}

fn slip_out(s: LabourSlipRow, actor: &Actor) -> LabourSlipOut {
    let allowed = if actor.can(Permission::ManageContractors) { s.status.allowed(actor.role).into_iter().map(str::to_string).collect() } else { Vec::new() };
    LabourSlipOut {
        id: s.id,
        number: s.number,
        work_order_id: s.work_order_id,
        work_order_number: s.work_order_number,
        worker_names: s.worker_names,
        workers: s.workers,
        unit: s.unit.code().into(),
        quantity: propdesk_domain::values::format_centi(s.quantity),
        rate_fen: s.rate,
        amount_fen: s.amount,
        work: s.work,
        status: s.status.code().into(),
        created_by: s.created_by_name,
        approved_by: s.approved_by_name,
        approved_at: s.approved_at,
        cancel_reason: s.cancel_reason,
        version: s.version,
        allowed,
    }
}

/// A temporary labour slip: who worked, how many, days or hours each, the rate and the work done.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLabourSlip {
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub worker_names: String,
    #[schema(value_type = i64, minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub workers: String,
    #[schema(schema_with = unit_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub unit: String,
    #[schema(schema_with = quantity_input)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub quantity: String,
    #[schema(schema_with = yuan_input)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub rate: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub work: String,
}

async fn slips(state: &AppState, actor: &Actor, work_order_id: i64) -> Result<Vec<LabourSlipOut>, ApiError> {
    let mut c = state.db.read().await?;
    work_orders::get(&mut c, actor, work_order_id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(store::slips_of(&mut c, work_order_id).await?.into_iter().map(|s| slip_out(s, actor)).collect())
}

/// List a work order's labour slips
#[utoipa::path(
    get,
    path = "/api/v1/work-orders/{id}/labour-slips",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Work-order id")),
    responses(
        (status = 200, description = "Its labour slips, oldest first", body = Vec<LabourSlipOut>),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
    )
)]
pub async fn list_labour_slips(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<LabourSlipOut>>, ApiError> {
    Ok(Json(slips(&state, &actor, id).await?))
}

/// Write a labour slip
///
/// For a repair done by temporary labour (no contractor on the order) once work has started;
/// the amount is workers × days (or hours) × rate, to the fen.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/labour-slips",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Work-order id")),
    request_body = NewLabourSlip,
    responses(
        (status = 201, description = "The order's labour slips, the new one last", body = Vec<LabourSlipOut>),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not keep contractor accounts", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
        (status = 409, description = "The repair has not started", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the order has a contractor", body = ErrorBody),
    )
)]
pub async fn create_labour_slip(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewLabourSlip>,
) -> Result<Response, ApiError> {
    let input = LabourSlipInput { worker_names: b.worker_names, workers: b.workers, unit: b.unit, quantity: b.quantity, rate: b.rate, work: b.work };
    ops::create_slip(&state.db, &actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(slips(&state, &actor, id).await?)).into_response())
}

/// Approve or cancel a labour slip
#[utoipa::path(
    post,
    path = "/api/v1/labour-slips/{id}/actions",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Labour slip id")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "The slip in its new state", body = LabourSlipOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not take this step", body = ErrorBody),
        (status = 404, description = "No such slip in the caller's projects", body = ErrorBody),
        (status = 409, description = "The step does not fit, or the version is stale; `allowed` lists what fits", body = ErrorBody),
        (status = 422, description = "An unknown action or a missing reason", body = ErrorBody),
    )
)]
pub async fn labour_slip_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StepRequest>,
) -> Result<Response, ApiError> {
    let action = ops::slip_action(&b.action, &b.reason)?;
    let read = |state: AppState, actor: Actor| async move {
        let mut c = state.db.read().await?;
        let row = store::slip(&mut c, &actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
        Ok::<_, ApiError>((row.status, slip_out(row, &actor)))
    };
    let (status, s) = read(state.clone(), actor.clone()).await?;
    let role_refused =
        !actor.can(Permission::ManageContractors) || status.apply(&action, actor.role) == Err(propdesk_domain::contractor::StepError::NotYourRole);
    if let Some(r) = refuse(action.code(), b.version, s.version, &s.allowed, role_refused) {
        return r;
    }
    match ops::slip_act(&state.db, &actor, id, b.version.unwrap_or(s.version), &action).await {
        Ok(()) => Ok(Json(read(state, actor).await?.1).into_response()),
        Err(AppError::Conflict(_)) => Ok(conflict("the slip changed meanwhile; read it again", read(state, actor).await?.1.allowed)),
        Err(e) => Err(e.into()),
    }
}

// ---------- settlements and payment requests ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementOut {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    /// `{project code}/JS{seq}`.
    pub number: String,
    pub contractor_id: i64,
    pub contractor_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// The work orders' agreed amounts, the approved deductions charged, and the difference.
    pub gross_fen: i64,
    pub deductions_fen: i64,
    pub payable_fen: i64,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn settlement_out(t: SettlementRow) -> SettlementOut {
    SettlementOut {
        id: t.id,
        project_id: t.project_id,
        project_name: t.project_name,
        number: t.number,
        contractor_id: t.contractor_id,
        contractor_name: t.contractor_name,
        period_from: t.period_from,
        period_to: t.period_to,
        gross_fen: t.gross,
        deductions_fen: t.deductions,
        payable_fen: t.payable,
        created_by: t.created_by_name,
        created_at: t.created_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementLineOut {
    pub work_order_id: i64,
    pub number: String,
    pub location: String,
    pub content: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub amount_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOut {
    pub id: i64,
    /// `{project code}/QK{seq}`.
    pub number: String,
    pub settlement_id: i64,
    pub settlement_number: String,
    pub contractor_name: String,
    pub amount_fen: i64,
    pub note: String,
    #[schema(schema_with = payment_status_schema)]
    pub status: String,
    pub submitted_by: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub reject_reason: String,
    pub version: i64,
    pub allowed: Vec<String>,
}

fn payment_out(p: PaymentRow, actor: &Actor) -> PaymentOut {
    PaymentOut {
        allowed: p.status.allowed(actor.role).into_iter().map(str::to_string).collect(),
        id: p.id,
        number: p.number,
        settlement_id: p.settlement_id,
        settlement_number: p.settlement_number,
        contractor_name: p.contractor_name,
        amount_fen: p.amount,
        note: p.note,
        status: p.status.code().into(),
        submitted_by: p.submitted_by_name,
        submitted_at: p.submitted_at,
        approved_by: p.approved_by_name,
        approved_at: p.approved_at,
        paid_by: p.paid_by_name,
        paid_at: p.paid_at,
        reject_reason: p.reject_reason,
        version: p.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementDetail {
    #[serde(flatten)]
    pub settlement: SettlementOut,
    pub lines: Vec<SettlementLineOut>,
    pub deductions: Vec<DeductionOut>,
    pub payment_requests: Vec<PaymentOut>,
}

/// The project and the period (first and last day) to settle.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSettlement {
    #[schema(value_type = i64)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(value_type = String, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub period_from: String,
    #[schema(value_type = String, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub period_to: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPaymentRequest {
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

pub(crate) async fn settlement_detail(state: &AppState, actor: &Actor, id: i64) -> Result<SettlementDetail, ApiError> {
    let mut c = state.db.read().await?;
    let t = store::settlement(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    let lines = store::lines(&mut c, id)
        .await?
        .into_iter()
        .map(|l| SettlementLineOut {
            work_order_id: l.work_order_id,
            number: l.number,
            location: l.location,
            content: l.content,
            closed_at: l.closed_at,
            amount_fen: l.amount,
        })
        .collect();
    let deductions = store::deductions(&mut c, actor, DeductionFilter { settlement_id: Some(id), ..Default::default() }, 1000).await?;
    let payment_requests = store::payments_of(&mut c, id).await?.into_iter().map(|p| payment_out(p, actor)).collect();
    Ok(SettlementDetail {
        settlement: settlement_out(t),
        lines,
        deductions: deductions.into_iter().map(|d| deduction_out(d, actor)).collect(),
        payment_requests,
    })
}

/// List a contractor's settlements
#[utoipa::path(
    get,
    path = "/api/v1/contractors/{id}/settlements",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Contractor id")),
    responses(
        (status = 200, description = "Its settlements in the caller's projects, newest period first", body = Vec<SettlementOut>),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such contractor", body = ErrorBody),
    )
)]
pub async fn list_settlements(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<Vec<SettlementOut>>, ApiError> {
    contractor_exists(&state, &actor, id).await?;
    let mut c = state.db.read().await?;
    Ok(Json(store::settlements(&mut c, &actor, id, 500).await?.into_iter().map(settlement_out).collect()))
}

/// Generate a settlement statement
///
/// The contractor's work orders in the project closed in the period and not settled before, at
/// their agreed amounts, less every approved deduction against it there (which become charged)
/// — one transaction. The same contractor, project and period twice is 409; an order without an
/// agreed amount, nothing to settle, or deductions above the work is 422.
#[utoipa::path(
    post,
    path = "/api/v1/contractors/{id}/settlements",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Contractor id")),
    request_body = NewSettlement,
    responses(
        (status = 201, description = "The statement with its lines and charged deductions", body = SettlementDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not draw up settlements", body = ErrorBody),
        (status = 404, description = "No such contractor", body = ErrorBody),
        (status = 409, description = "Already generated for this contractor, project and period", body = ErrorBody),
        (status = 422, description = "Invalid fields, missing agreed amounts, nothing to settle, or deductions above the work", body = ErrorBody),
    )
)]
pub async fn create_settlement(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewSettlement>,
) -> Result<Response, ApiError> {
    let input = SettlementInput { project_id: b.project_id, period_from: b.period_from, period_to: b.period_to };
    let sid = ops::settle(&state.db, &actor, id, &input).await?;
    let d = settlement_detail(&state, &actor, sid).await?;
    Ok(created(format!("/api/v1/settlements/{sid}"), d).into_response())
}

/// Get a settlement statement
#[utoipa::path(
    get,
    path = "/api/v1/settlements/{id}",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Settlement id")),
    responses(
        (status = 200, description = "The statement with its lines, deductions and payment requests", body = SettlementDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such settlement in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_settlement(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<SettlementDetail>, ApiError> {
    Ok(Json(settlement_detail(&state, &actor, id).await?))
}

/// Submit a payment request
///
/// A request (请款申请书) for the settlement's payable; one live request per settlement (a
/// rejected one frees it).
#[utoipa::path(
    post,
    path = "/api/v1/settlements/{id}/payment-requests",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Settlement id")),
    request_body = NewPaymentRequest,
    responses(
        (status = 201, description = "The settlement with its requests", body = SettlementDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not draw up settlements", body = ErrorBody),
        (status = 404, description = "No such settlement in the caller's projects", body = ErrorBody),
        (status = 409, description = "A request for it is already live", body = ErrorBody),
    )
)]
pub async fn create_payment_request(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewPaymentRequest>,
) -> Result<Response, ApiError> {
    ops::request_payment(&state.db, &actor, id, &b.note).await?;
    Ok((StatusCode::CREATED, Json(settlement_detail(&state, &actor, id).await?)).into_response())
}

/// Approve, reject or pay a payment request
///
/// `approve` / `reject` (with a reason) by the manager; `pay` by finance once approved.
#[utoipa::path(
    post,
    path = "/api/v1/payment-requests/{id}/actions",
    tag = "contractor-accounts",
    params(("id" = i64, Path, description = "Payment request id")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "The request in its new state", body = PaymentOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not take this step", body = ErrorBody),
        (status = 404, description = "No such request in the caller's projects", body = ErrorBody),
        (status = 409, description = "The step does not fit, or the version is stale; `allowed` lists what fits", body = ErrorBody),
        (status = 422, description = "An unknown action or a missing reason", body = ErrorBody),
    )
)]
pub async fn payment_request_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StepRequest>,
) -> Result<Response, ApiError> {
    let action = ops::payment_action(&b.action, &b.reason)?;
    let read = |state: AppState, actor: Actor| async move {
        let mut c = state.db.read().await?;
        let row = store::payment(&mut c, &actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
        Ok::<_, ApiError>((row.status, payment_out(row, &actor)))
    };
    let (status, p) = read(state.clone(), actor.clone()).await?;
    let role_refused = status.apply(&action, actor.role) == Err(propdesk_domain::contractor::StepError::NotYourRole);
    if let Some(r) = refuse(action.code(), b.version, p.version, &p.allowed, role_refused) {
        return r;
    }
    match ops::payment_act(&state.db, &actor, id, b.version.unwrap_or(p.version), &action).await {
        Ok(()) => Ok(Json(read(state, actor).await?.1).into_response()),
        Err(AppError::Conflict(_)) => Ok(conflict("the request changed meanwhile; read it again", read(state, actor).await?.1.allowed)),
        Err(e) => Err(e.into()),
    }
}
