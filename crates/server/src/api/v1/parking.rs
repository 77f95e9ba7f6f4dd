//! FEE-9 over JSON: parking spaces (with their state today), rentals and the monthly check.
//! Reading needs `ViewFees`, writing `ManageFees` (403 otherwise); other projects' records are
//! not found (404). An overlapping rental is 422 on `start_date`, whether the domain or the
//! database saw it first.

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{ErrorBody, codes, created, opt_enum, opt_int};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::org::today;
use crate::ops::parking::{self as ops, ObservationInput, RentalInput, SpaceInput};
use crate::ops::require;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{SpaceKind, SpaceState};
use propdesk_store::models::parking::{self as store, CheckLineRow, RentalRow, SpaceFilter, SpaceRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_spaces, create_space, get_space, create_rental, create_check, get_check, record_observation),
    components(schemas(SpaceOut, SpaceList, SpaceDetail, NewSpace, RentalOut, NewRental, NewCheck, CheckOut, CheckLineOut, NewObservation, ObservationOut)),
    tags((name = "parking", description = "Parking spaces, rentals and the monthly check (DOMAIN.md FEE-9)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 7;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/parking-spaces", get(list_spaces).post(create_space))
        .route("/api/v1/parking-spaces/{id}", get(get_space))
        .route("/api/v1/parking-spaces/{id}/rentals", post(create_rental))
        .route("/api/v1/parking-checks", post(create_check))
        .route("/api/v1/parking-checks/{id}", get(get_check))
        .route("/api/v1/parking-checks/{id}/observations", post(record_observation))
}

schema_fn!(kind_schema = codes(SpaceKind::ALL.iter().map(|s| s.code())), "The kind of space.");
schema_fn!(state_schema = codes(SpaceState::ALL.iter().map(|s| s.code())), "vacant, rented (under a rental covering the day) or sold.");

#[derive(Debug, Serialize, ToSchema)]
pub struct RentalOut {
    pub id: i64,
    pub space_id: i64,
    pub renter_id: i64,
    pub renter_name: String,
    pub unit_id: Option<i64>,
    pub plate_no: String,
    pub start_date: NaiveDate,
    /// Null: open-ended.
    pub end_date: Option<NaiveDate>,
    pub monthly_fee_fen: i64,
    /// active or cancelled.
    pub status: String,
}

fn rental_out(r: &RentalRow) -> RentalOut {
    RentalOut {
        id: r.id,
        space_id: r.space_id,
        renter_id: r.renter_id,
        renter_name: r.renter_name.clone(),
        unit_id: r.unit_id,
        plate_no: r.plate_no.clone(),
        start_date: r.start_date,
        end_date: r.end_date,
        monthly_fee_fen: r.monthly_fee,
        status: r.status.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceOut {
    pub id: i64,
    pub project_id: i64,
    pub code: String,
    pub location: String,
    pub level: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    pub sold_to: Option<i64>,
    pub sold_on: Option<NaiveDate>,
    /// The state today.
    #[schema(schema_with = state_schema)]
    pub state: String,
    /// The rental covering today, if any.
    pub current_rental: Option<RentalOut>,
    pub version: i64,
}

fn space_out(s: &SpaceRow, state: SpaceState, r: Option<&RentalRow>) -> SpaceOut {
    SpaceOut {
        id: s.id,
        project_id: s.project_id,
        code: s.code.clone(),
        location: s.location.clone(),
        level: s.level.clone(),
        kind: s.kind.code().into(),
        sold_to: s.sold_to,
        sold_on: s.sold_on,
        state: state.code().into(),
        current_rental: r.map(rental_out),
        version: s.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceList {
    pub items: Vec<SpaceOut>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceDetail {
    pub space: SpaceOut,
    /// Every rental, newest first (cancelled ones included).
    pub rentals: Vec<RentalOut>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpaceQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(schema_with = state_schema)]
    pub state: Option<String>,
    /// Code, location or level (substring).
    pub q: Option<String>,
}

/// List parking spaces
///
/// The spaces of the caller's projects with their state today.
#[utoipa::path(
    get,
    path = "/api/v1/parking-spaces",
    tag = "parking",
    params(SpaceQuery),
    responses(
        (status = 200, description = "The spaces", body = SpaceList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_spaces(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<SpaceQuery>) -> Result<Json<SpaceList>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    let mut errs = FieldErrors::new();
    let project_id = opt_int(&mut errs, "project_id", q.project_id.as_deref());
    let wanted = opt_enum(&mut errs, "state", q.state.as_deref(), SpaceState::parse);
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let f = SpaceFilter { project_id, q: q.q.filter(|s| !s.trim().is_empty()) };
    let mut c = state.db.read().await?;
    let rows = ops::spaces_with_state(&mut c, &actor, &f, today()).await?;
    let items: Vec<SpaceOut> = rows.iter().filter(|x| wanted.is_none_or(|w| x.1 == w)).map(|(s, st, r)| space_out(s, *st, r.as_ref())).collect();
    Ok(Json(SpaceList { total: items.len() as i64, items }))
}

/// A parking space. A sold space gives its buyer (`sold_to`, a party of the project) and `sold_on`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSpace {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(required = true, example = "B1-018")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub code: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub location: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub level: String,
    #[schema(schema_with = kind_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub kind: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub sold_to: String,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub sold_on: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

async fn detail(state: &AppState, actor: &Actor, id: i64) -> Result<SpaceDetail, ApiError> {
    let mut c = state.db.read().await?;
    let s = store::space(&mut c, actor, id, "").await?.ok_or(ApiError(AppError::NotFound))?;
    let rentals = store::rentals(&mut c, actor, None, Some(id), None).await?;
    let day = today();
    let live: Vec<&RentalRow> = rentals.iter().filter(|r| !r.cancelled()).collect();
    let periods: Vec<_> = live.iter().map(|r| r.period()).collect();
    let st = propdesk_domain::billing::space_state(s.sold_to.is_some(), &periods, day);
    let current = live.into_iter().find(|r| r.period().contains(day));
    Ok(SpaceDetail { space: space_out(&s, st, current), rentals: rentals.iter().map(rental_out).collect() })
}

/// Create a parking space
#[utoipa::path(
    post,
    path = "/api/v1/parking-spaces",
    tag = "parking",
    request_body = NewSpace,
    responses(
        (status = 201, description = "Created", body = SpaceDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not set up fees", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields (a code already used in the project: `code`)", body = ErrorBody),
    )
)]
pub async fn create_space(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<NewSpace>) -> Result<Response, ApiError> {
    let input = SpaceInput {
        project_id: b.project_id,
        code: b.code,
        location: b.location,
        level: b.level,
        kind: b.kind,
        sold_to: b.sold_to,
        sold_on: b.sold_on,
        note: b.note,
    };
    let id = ops::create_space(&state.db, &actor, &input).await?;
    let out = detail(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/parking-spaces/{id}"), out).into_response())
}

/// Get a parking space with its rentals
#[utoipa::path(
    get,
    path = "/api/v1/parking-spaces/{id}",
    tag = "parking",
    params(("id" = i64, Path, description = "Space id")),
    responses(
        (status = 200, description = "The space", body = SpaceDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 404, description = "No such space in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_space(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<SpaceDetail>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    Ok(Json(detail(&state, &actor, id).await?))
}

/// A rental of a space: `monthly_fee` in yuan (up to two decimals); no `end_date`: open-ended.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRental {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub renter_id: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub unit_id: String,
    #[schema(example = "粤B12345")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub plate_no: String,
    #[schema(value_type = String, format = Date, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub start_date: String,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub end_date: String,
    #[schema(required = true, example = "350.00")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub monthly_fee: String,
}

/// Rent a space out
///
/// Refused (422 on `start_date`) when its dates overlap another active rental of the space, and
/// (422 on `space`) when the space is sold.
#[utoipa::path(
    post,
    path = "/api/v1/parking-spaces/{id}/rentals",
    tag = "parking",
    params(("id" = i64, Path, description = "Space id")),
    request_body = NewRental,
    responses(
        (status = 201, description = "Rented; the space with its rentals", body = SpaceDetail),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not set up fees", body = ErrorBody),
        (status = 404, description = "No such space in the caller's projects", body = ErrorBody),
        (status = 422, description = "Invalid fields, overlapping dates or a sold space", body = ErrorBody),
    )
)]
pub async fn create_rental(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewRental>,
) -> Result<Response, ApiError> {
    let input = RentalInput {
        renter_id: b.renter_id,
        unit_id: b.unit_id,
        plate_no: b.plate_no,
        start_date: b.start_date,
        end_date: b.end_date,
        monthly_fee: b.monthly_fee,
    };
    ops::create_rental(&state.db, &actor, id, &input).await?;
    let out = detail(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/parking-spaces/{id}"), out).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCheck {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(required = true, example = "2026-11")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckLineOut {
    pub id: i64,
    pub space_id: i64,
    pub space_code: String,
    #[schema(schema_with = state_schema)]
    pub register_state: String,
    /// What was seen; null until checked.
    pub observed_state: Option<String>,
    pub plate_seen: String,
    pub note: String,
    pub mismatch: bool,
}

fn line_out(l: &CheckLineRow) -> CheckLineOut {
    CheckLineOut {
        id: l.id,
        space_id: l.space_id,
        space_code: l.space_code.clone(),
        register_state: l.register_state.code().into(),
        observed_state: l.observed_state.clone(),
        plate_seen: l.plate_seen.clone(),
        note: l.note.clone(),
        mismatch: l.mismatch,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckOut {
    pub id: i64,
    pub project_id: i64,
    pub month: String,
    /// The day the register states are taken on.
    pub check_day: NaiveDate,
    pub mismatches: i64,
    pub lines: Vec<CheckLineOut>,
}

async fn check_out(state: &AppState, actor: &Actor, id: i64) -> Result<CheckOut, ApiError> {
    let mut c = state.db.read().await?;
    let ch = store::check(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    let lines = store::check_lines(&mut c, id, false).await?;
    Ok(CheckOut {
        id,
        project_id: ch.project_id,
        month: ch.month,
        check_day: ch.check_day,
        mismatches: lines.iter().filter(|l| l.mismatch).count() as i64,
        lines: lines.iter().map(line_out).collect(),
    })
}

/// Open a month's check list
///
/// Every space of the project with its register state on the check day. One per project and
/// month (422 on `month` for a second).
#[utoipa::path(
    post,
    path = "/api/v1/parking-checks",
    tag = "parking",
    request_body = NewCheck,
    responses(
        (status = 201, description = "The check list", body = CheckOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not set up fees", body = ErrorBody),
        (status = 422, description = "Invalid month, or the month already has its list", body = ErrorBody),
    )
)]
pub async fn create_check(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<NewCheck>) -> Result<Response, ApiError> {
    let project_id = b.project_id.trim().parse::<i64>().map_err(|_| FieldErrors::single("project_id", propdesk_domain::Reason::Required))?;
    let id = ops::create_check(&state.db, &actor, project_id, &b.month).await?;
    let out = check_out(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/parking-checks/{id}"), out).into_response())
}

/// Get a check list
#[utoipa::path(
    get,
    path = "/api/v1/parking-checks/{id}",
    tag = "parking",
    params(("id" = i64, Path, description = "Check id")),
    responses(
        (status = 200, description = "The check list", body = CheckOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 404, description = "No such check in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_check(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<CheckOut>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    Ok(Json(check_out(&state, &actor, id).await?))
}

/// What was seen at one line of a check; a mismatch with the register needs a `note`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewObservation {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub line_id: String,
    #[schema(schema_with = state_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub observed: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub plate_seen: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObservationOut {
    pub mismatch: bool,
}

/// Record what was seen
#[utoipa::path(
    post,
    path = "/api/v1/parking-checks/{id}/observations",
    tag = "parking",
    params(("id" = i64, Path, description = "Check id")),
    request_body = NewObservation,
    responses(
        (status = 200, description = "Recorded; whether it differs from the register", body = ObservationOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not set up fees", body = ErrorBody),
        (status = 404, description = "No such check in the caller's projects", body = ErrorBody),
        (status = 422, description = "Invalid fields, or a mismatch without a note", body = ErrorBody),
    )
)]
pub async fn record_observation(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewObservation>,
) -> Result<Json<ObservationOut>, ApiError> {
    let input = ObservationInput { line_id: b.line_id, observed: b.observed, plate_seen: b.plate_seen, note: b.note };
    Ok(Json(ObservationOut { mismatch: ops::record_observation(&state.db, &actor, id, &input).await? }))
}
