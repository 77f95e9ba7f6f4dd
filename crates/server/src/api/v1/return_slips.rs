//! RCP-3 after-sales return slips (物业返修联系单) over JSON: list, detail with each step's
//! deadline and result, and one endpoint for the steps (acknowledge, start_repair,
//! confirm_done). Slips are created by recording an after-sales reception record.

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{DEFAULT_PER_PAGE, ErrorBody, codes, opt_int};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::return_slip::{self as ops, SlipActionInput};
use crate::staff::complaints::{TZ, state_of};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::return_slip::{ReturnSlipStatus, SLIP_ACTIONS, SlipStep};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Page;
use propdesk_store::models::event;
use propdesk_store::models::return_slip::{self as store, Filter, ReturnSlipRow};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_return_slips, get_return_slip, return_slip_action),
    components(schemas(ReturnSlipOut, ReturnSlipDetail, ReturnSlipList, SlipStepOut, SlipHistory, ReturnSlipActionRequest)),
    tags((name = "return-slips", description = "After-sales return slips (物业返修联系单) chased to completion (DOMAIN.md RCP-3, RCP-7)"))
)]
pub struct Doc;

pub const OPERATIONS: usize = 3;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/return-slips", get(list_return_slips))
        .route("/api/v1/return-slips/{id}", get(get_return_slip))
        .route("/api/v1/return-slips/{id}/actions", post(return_slip_action))
}

schema_fn!(status_schema = codes(ReturnSlipStatus::ALL.iter().map(|s| s.code())), "Return-slip status.");
schema_fn!(step_schema = codes(SlipStep::ALL.iter().map(|s| s.code())), "The step a deadline measures.");
schema_fn!(action_schema = codes(SLIP_ACTIONS.iter().copied()), "The action code.");
schema_fn!(state_schema = codes(["on_time", "due_today", "overdue"]), "State of the running deadline; null when the step is not running.");

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnSlipOut {
    pub id: i64,
    pub project_id: i64,
    /// `{project code}/FXD{seq}`, sequential per project.
    #[schema(example = "HXGC/FXD001")]
    pub number: String,
    pub reception_id: i64,
    pub reception_number: String,
    pub unit_id: Option<i64>,
    pub unit_no: Option<String>,
    pub owner_name: String,
    pub contact_phone: String,
    pub content: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    pub sent_at: DateTime<Utc>,
    pub next_due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub next_due_state: Option<String>,
    pub reply: String,
    pub confirmed_by: String,
    pub done_at: Option<DateTime<Utc>>,
    pub version: i64,
}

fn state_code(t: Option<DateTime<Utc>>, live: bool, now: DateTime<Utc>) -> Option<String> {
    state_of(t, live, now).and_then(|s| serde_json::to_value(s).ok()).and_then(|v| v.as_str().map(str::to_string))
}

fn out(r: &ReturnSlipRow, now: DateTime<Utc>) -> ReturnSlipOut {
    ReturnSlipOut {
        id: r.id,
        project_id: r.project_id,
        number: r.number.clone(),
        reception_id: r.reception_id,
        reception_number: r.reception_number.clone(),
        unit_id: r.unit_id,
        unit_no: r.unit_no.clone(),
        owner_name: r.owner_name.clone(),
        contact_phone: r.contact_phone.clone(),
        content: r.content.clone(),
        status: r.status.code().into(),
        sent_at: r.sent_at,
        next_due: r.next_due,
        next_due_state: state_code(r.next_due, r.status.is_open(), now),
        reply: r.reply.clone(),
        confirmed_by: r.confirmed_by.clone(),
        done_at: r.done_at,
        version: r.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlipStepOut {
    #[schema(schema_with = step_schema)]
    pub step: String,
    pub due: Option<DateTime<Utc>>,
    #[schema(schema_with = state_schema)]
    pub state: Option<String>,
    pub on_time: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlipHistory {
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub action: String,
    #[schema(value_type = Object)]
    pub payload: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnSlipDetail {
    #[serde(flatten)]
    pub slip: ReturnSlipOut,
    pub steps: Vec<SlipStepOut>,
    pub allowed: Vec<String>,
    pub history: Vec<SlipHistory>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnSlipList {
    pub items: Vec<ReturnSlipOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// `acknowledge` → `reply` (after-sales' answer) and optionally `agreed_finish` (the completion
/// time agreed with the owner); `start_repair` → optional `note`; `confirm_done` →
/// `confirmed_by` (the owner who confirmed) and optional `note`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReturnSlipActionRequest {
    #[schema(schema_with = action_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub action: String,
    pub version: Option<i64>,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reply: String,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` in the project's zone; in the future.
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub agreed_finish: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub confirmed_by: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnSlipQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// `true`: only open slips whose running deadline has passed.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    pub q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

async fn detail(state: &AppState, actor: &Actor, id: i64) -> Result<ReturnSlipDetail, ApiError> {
    let mut c = state.db.read().await?;
    let r = store::get(&mut c, actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    let allowed = ops::allowed(&mut c, actor, &r).await?.into_iter().map(str::to_string).collect();
    let now = Utc::now();
    let running = r.status.running_step();
    let steps = ops::steps(&r)
        .into_iter()
        .map(|(s, due, on_time)| SlipStepOut { step: s.code().into(), due, state: state_code(due, running == Some(s), now), on_time })
        .collect();
    let history = event::for_entity(&mut c, "return_slip", id)
        .await?
        .into_iter()
        .map(|e| SlipHistory { at: e.at, actor_name: e.actor_name, action: e.action, payload: serde_json::from_str(&e.payload).unwrap_or(Value::Null) })
        .collect();
    Ok(ReturnSlipDetail { slip: out(&r, now), steps, allowed, history })
}

/// List return slips
///
/// Return slips of the caller's projects, newest first, filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/return-slips",
    tag = "return-slips",
    params(ReturnSlipQuery),
    responses(
        (status = 200, description = "One page of return slips", body = ReturnSlipList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_return_slips(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReturnSlipQuery>,
) -> Result<Json<ReturnSlipList>, ApiError> {
    let mut errs = FieldErrors::new();
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => errs.take("status", ReturnSlipStatus::parse(s)),
        None => None,
    };
    let overdue = match q.overdue.as_deref().map(str::trim).unwrap_or("") {
        "" | "false" | "0" => false,
        "true" | "1" => true,
        _ => {
            errs.push("overdue", Reason::Invalid("应为 true 或 false", "must be true or false"));
            false
        }
    };
    let filter = Filter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        status,
        overdue_at: overdue.then(Utc::now),
        q: q.q.filter(|s| !s.trim().is_empty()),
    };
    let page = Page::new(
        opt_int(&mut errs, "page", q.page.as_deref()).unwrap_or(1),
        opt_int(&mut errs, "per_page", q.per_page.as_deref()).unwrap_or(DEFAULT_PER_PAGE),
    );
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let list = store::list(&mut c, &actor, &filter, page).await?;
    let now = Utc::now();
    Ok(Json(ReturnSlipList { items: list.items.iter().map(|r| out(r, now)).collect(), total: list.total, page: list.page.number, per_page: list.page.size }))
}

/// Get a return slip
///
/// The slip with each step's deadline and result, the actions the caller may take now and its
/// history. A slip of another project is not found.
#[utoipa::path(
    get,
    path = "/api/v1/return-slips/{id}",
    tag = "return-slips",
    params(("id" = i64, Path, description = "Return-slip id")),
    responses(
        (status = 200, description = "The return slip", body = ReturnSlipDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such slip in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_return_slip(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<ReturnSlipDetail>, ApiError> {
    Ok(Json(detail(&state, &actor, id).await?))
}

fn conflict(message: &str, allowed: Vec<String>) -> Response {
    let body = json!({"error": {"code": "conflict", "message": format!("Conflict: {message}"), "fields": []}, "allowed": allowed});
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// Act on a return slip
///
/// One step through the slip's table. `confirm_done` settles the after-sales reception record
/// and closes it when nothing else it started is open (RCP-7). A step that does not fit (or a
/// stale `version`) answers 409 with the actions that do fit in `allowed`.
#[utoipa::path(
    post,
    path = "/api/v1/return-slips/{id}/actions",
    tag = "return-slips",
    params(("id" = i64, Path, description = "Return-slip id")),
    request_body = ReturnSlipActionRequest,
    responses(
        (status = 200, description = "The slip in its new state", body = ReturnSlipDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "Only customer service chases return slips", body = ErrorBody),
        (status = 404, description = "No such slip in the caller's projects", body = ErrorBody),
        (status = 409, description = "The action does not fit the state, or the version is stale", body = crate::api::v1::work_orders::WorkOrderConflict),
        (status = 422, description = "Missing or invalid fields", body = ErrorBody),
    )
)]
pub async fn return_slip_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReturnSlipActionRequest>,
) -> Result<Response, ApiError> {
    let input = SlipActionInput {
        action: body.action.clone(),
        reply: body.reply.clone(),
        agreed_finish: body.agreed_finish.clone(),
        confirmed_by: body.confirmed_by.clone(),
        note: body.note.clone(),
    };
    let action = input.parse(TZ)?;
    match ops::act(&state.db, &actor, id, body.version, &action).await {
        Ok(_) => Ok(Json(detail(&state, &actor, id).await?).into_response()),
        Err(AppError::Conflict(m)) => {
            let d = detail(&state, &actor, id).await?;
            Ok(conflict(&m, d.allowed))
        }
        Err(e) => Err(e.into()),
    }
}
