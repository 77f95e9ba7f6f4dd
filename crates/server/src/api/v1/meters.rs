//! FEE-7/FEE-8 over JSON: the meter register, monthly readings (with the outlier check and the
//! payer's confirmation), the month's meter totals signed off with finance, and prepaid
//! electricity purchases with the electrician's loading. Reading needs `ReadMeters`; registering
//! and replacing `ManageMeters`; purchases `CollectFees`; loading `billing::may_load_meter`.
//! Other projects' records are not found (404).

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{ActionRequestCheck, ErrorBody, Refusal, action_answer, codes, created, opt_bool, opt_enum, opt_int, page_of};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::meter::{self as ops, MeterInput, PurchaseInput, ReadingInput, ReplaceInput};
use crate::ops::require;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{self, MeterKind, PurchaseAction, PurchaseStatus};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::meter::{self as store, MeterFilter, MeterRow, PurchaseFilter, PurchaseRow, ReadingFilter, ReadingRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_meters, create_meter, get_meter, replace_meter, list_readings, create_reading, check_reading, confirm_reading, create_signoff, create_purchase, purchase_action),
    components(schemas(MeterOut, MeterList, NewMeter, Replacement, ReadingOut, ReadingList, NewReading, RecordedOut, PayerConfirmation, NewSignoff, SignoffOut, KindOut, NewPurchase, PurchaseOut, PurchaseActionBody)),
    tags((name = "meters", description = "Meters, monthly readings, month-end meter totals and prepaid electricity (DOMAIN.md FEE-7, FEE-8)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 11;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/meters", get(list_meters).post(create_meter))
        .route("/api/v1/meters/{id}", get(get_meter))
        .route("/api/v1/meters/{id}/replacement", post(replace_meter))
        .route("/api/v1/meter-readings", get(list_readings).post(create_reading))
        .route("/api/v1/meter-readings/{id}/check", post(check_reading))
        .route("/api/v1/meter-readings/{id}/payer-confirmation", post(confirm_reading))
        .route("/api/v1/meter-signoffs", post(create_signoff))
        .route("/api/v1/meter-purchases", post(create_purchase))
        .route("/api/v1/meter-purchases/{id}/actions", post(purchase_action))
}

schema_fn!(kind_schema = codes(MeterKind::ALL.iter().map(|s| s.code())), "The meter kind.");
schema_fn!(status_schema = codes(PurchaseStatus::ALL.iter().map(|s| s.code())), "paid: waiting for the electrician; loaded; refunded.");
schema_fn!(
    action_schema = codes(PurchaseAction::ALL.iter().map(|a| a.code())),
    "load: the electrician loaded the meter; refund: an unloaded purchase refunded."
);
schema_fn!(method_schema = codes(billing::PaymentMethod::ALL.iter().map(|s| s.code())), "How the purchase was paid.");

#[derive(Debug, Serialize, ToSchema)]
pub struct MeterOut {
    pub id: i64,
    pub project_id: i64,
    pub unit_id: i64,
    /// Building code and unit number, `A-1201`.
    pub unit: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    pub meter_no: String,
    /// Readings are in hundredths of a kWh / m³.
    pub start_reading: i64,
    pub installed_on: NaiveDate,
    pub prepaid: bool,
    pub replaces_id: Option<i64>,
    pub removed_on: Option<NaiveDate>,
    pub final_reading: Option<i64>,
    pub last_month: Option<String>,
    pub last_reading: Option<i64>,
    pub version: i64,
    /// FEE-8, prepaid meters on a single meter: kWh loaded less kWh read since, in hundredths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<i64>,
    /// FEE-8, prepaid meters on a single meter: the purchases, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchases: Option<Vec<PurchaseOut>>,
}

fn meter_out(m: &MeterRow) -> MeterOut {
    MeterOut {
        id: m.id,
        project_id: m.project_id,
        unit_id: m.unit_id,
        unit: format!("{}-{}", m.building_code, m.unit_no),
        kind: m.kind.code().into(),
        meter_no: m.meter_no.clone(),
        start_reading: m.start_reading,
        installed_on: m.installed_on,
        prepaid: m.prepaid,
        replaces_id: m.replaces_id,
        removed_on: m.removed_on,
        final_reading: m.final_reading,
        last_month: m.last_month.clone(),
        last_reading: m.last_reading,
        version: m.version,
        balance: None,
        purchases: None,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeterList {
    pub items: Vec<MeterOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeterQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub building_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub unit_id: Option<String>,
    #[param(schema_with = kind_schema)]
    pub kind: Option<String>,
    /// `true`: prepaid meters only.
    #[param(value_type = Option<bool>)]
    pub prepaid: Option<String>,
    /// `true`: meters in service only (not replaced).
    #[param(value_type = Option<bool>)]
    pub in_service: Option<String>,
    /// Meter number or unit number (substring).
    pub q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

/// List meters
#[utoipa::path(
    get,
    path = "/api/v1/meters",
    tag = "meters",
    params(MeterQuery),
    responses(
        (status = 200, description = "One page of meters by building, unit and kind", body = MeterList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see meters", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_meters(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<MeterQuery>) -> Result<Json<MeterList>, ApiError> {
    require(&actor, Permission::ReadMeters)?;
    let mut errs = FieldErrors::new();
    let prepaid = q.prepaid.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|_| opt_bool(&mut errs, "prepaid", q.prepaid.as_deref()));
    let f = MeterFilter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        building_id: opt_int(&mut errs, "building_id", q.building_id.as_deref()),
        unit_id: opt_int(&mut errs, "unit_id", q.unit_id.as_deref()),
        kind: opt_enum(&mut errs, "kind", q.kind.as_deref(), MeterKind::parse),
        prepaid,
        in_service: opt_bool(&mut errs, "in_service", q.in_service.as_deref()),
        q: q.q.filter(|s| !s.trim().is_empty()),
    };
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let list = store::meters(&mut c, &actor, &f, page).await?;
    Ok(Json(MeterList { items: list.items.iter().map(meter_out).collect(), total: list.total, page: list.page.number, per_page: list.page.size }))
}

/// A meter on a unit. Readings are kWh / m³ with two decimals at most.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMeter {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub unit_id: String,
    #[schema(schema_with = kind_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub kind: String,
    /// Unique in the project.
    #[schema(required = true, example = "E-1201-01")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub meter_no: String,
    #[schema(example = "1250.5")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub start_reading: String,
    /// YYYY-MM-DD, default today.
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub installed_on: String,
    /// FEE-8: electricity only.
    #[serde(default)]
    pub prepaid: bool,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

async fn meter_detail(state: &AppState, actor: &Actor, id: i64) -> Result<MeterOut, ApiError> {
    let mut c = state.db.read().await?;
    let m = store::meter(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    let mut out = meter_out(&m);
    if m.prepaid {
        out.balance = Some(ops::balance(&mut c, id).await?);
        let f = PurchaseFilter { meter_id: Some(id), ..Default::default() };
        let list = store::purchases(&mut c, actor, &f, propdesk_store::Page::new(1, 100)).await?;
        out.purchases = Some(list.items.iter().map(|p| purchase_out(p, actor)).collect());
    }
    Ok(out)
}

/// Register a meter
#[utoipa::path(
    post,
    path = "/api/v1/meters",
    tag = "meters",
    request_body = NewMeter,
    responses(
        (status = 201, description = "The meter", body = MeterOut, headers(("Location" = String, description = "URL of the meter"))),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not register meters", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields, or the meter number is taken", body = ErrorBody),
    )
)]
pub async fn create_meter(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<NewMeter>) -> Result<Response, ApiError> {
    let input = MeterInput {
        unit_id: b.unit_id,
        kind: b.kind,
        meter_no: b.meter_no,
        start_reading: b.start_reading,
        installed_on: b.installed_on,
        prepaid: b.prepaid,
        note: b.note,
    };
    let id = ops::create_meter(&state.db, &actor, &input).await?;
    let out = meter_detail(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/meters/{id}"), out).into_response())
}

/// Get a meter
///
/// A prepaid meter comes with its balance and purchases (FEE-8).
#[utoipa::path(
    get,
    path = "/api/v1/meters/{id}",
    tag = "meters",
    params(("id" = i64, Path, description = "Meter id")),
    responses(
        (status = 200, description = "The meter", body = MeterOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see meters", body = ErrorBody),
        (status = 404, description = "No such meter in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_meter(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<MeterOut>, ApiError> {
    require(&actor, Permission::ReadMeters)?;
    Ok(Json(meter_detail(&state, &actor, id).await?))
}

/// A replacement: the old meter's final reading and the new meter's number and start reading.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Replacement {
    #[schema(required = true, example = "2310.25")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub final_reading: String,
    /// YYYY-MM-DD, default today.
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub replaced_on: String,
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub meter_no: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub start_reading: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
    /// The old meter's version as read.
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub version: String,
}

/// Replace a meter
///
/// FEE-7: the old meter's final reading is its reading of that month (charged), the old meter is
/// closed and the new one counts from its start reading.
#[utoipa::path(
    post,
    path = "/api/v1/meters/{id}/replacement",
    tag = "meters",
    params(("id" = i64, Path, description = "The meter replaced")),
    request_body = Replacement,
    responses(
        (status = 201, description = "The new meter", body = MeterOut, headers(("Location" = String, description = "URL of the new meter"))),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not replace meters", body = ErrorBody),
        (status = 404, description = "No such meter in the caller's projects", body = ErrorBody),
        (status = 409, description = "Already replaced, or changed meanwhile", body = ErrorBody),
        (status = 422, description = "Invalid fields (a final reading below the last one)", body = ErrorBody),
    )
)]
pub async fn replace_meter(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<Replacement>,
) -> Result<Response, ApiError> {
    let input = ReplaceInput {
        final_reading: b.final_reading,
        replaced_on: b.replaced_on,
        meter_no: b.meter_no,
        start_reading: b.start_reading,
        note: b.note,
        version: b.version,
    };
    let new_id = ops::replace_meter(&state.db, &actor, id, &input).await?;
    let out = meter_detail(&state, &actor, new_id).await?;
    Ok(created(format!("/api/v1/meters/{new_id}"), out).into_response())
}

// ---------- readings ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingOut {
    pub id: i64,
    pub project_id: i64,
    pub meter_id: i64,
    pub meter_no: String,
    pub unit_id: i64,
    pub unit: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    pub prepaid: bool,
    pub month: String,
    pub read_on: NaiveDate,
    /// Hundredths of a kWh / m³.
    pub reading: i64,
    pub consumption: i64,
    /// Far above the meter's usual use.
    pub outlier: bool,
    /// Charged: an ordinary reading, or an outlier someone confirmed.
    pub checked: bool,
    /// The old meter's final reading at a replacement.
    pub is_final: bool,
    /// Taken in the reading round around the 18th.
    pub in_round: bool,
    pub read_by: String,
    pub payer_name: Option<String>,
    pub payer_confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn reading_out(r: &ReadingRow) -> ReadingOut {
    ReadingOut {
        id: r.id,
        project_id: r.project_id,
        meter_id: r.meter_id,
        meter_no: r.meter_no.clone(),
        unit_id: r.unit_id,
        unit: format!("{}-{}", r.building_code, r.unit_no),
        kind: r.kind.code().into(),
        prepaid: r.prepaid,
        month: r.month.clone(),
        read_on: r.read_on,
        reading: r.reading,
        consumption: r.consumption,
        outlier: r.outlier,
        checked: r.checked,
        is_final: r.is_final,
        in_round: billing::in_reading_round(r.read_on),
        read_by: r.read_by_name.clone(),
        payer_name: r.payer_name.clone(),
        payer_confirmed_at: r.payer_confirmed_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingList {
    pub items: Vec<ReadingOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadingQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub building_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub meter_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub unit_id: Option<String>,
    #[param(schema_with = kind_schema)]
    pub kind: Option<String>,
    /// The reading round, YYYY-MM.
    pub month: Option<String>,
    /// `true`: outliers still to confirm.
    #[param(value_type = Option<bool>)]
    pub unchecked: Option<String>,
    /// `true`: readings the payer has not confirmed.
    #[param(value_type = Option<bool>)]
    pub unconfirmed: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

/// List meter readings
#[utoipa::path(
    get,
    path = "/api/v1/meter-readings",
    tag = "meters",
    params(ReadingQuery),
    responses(
        (status = 200, description = "One page of readings, newest month first", body = ReadingList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see meters", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_readings(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<ReadingQuery>) -> Result<Json<ReadingList>, ApiError> {
    require(&actor, Permission::ReadMeters)?;
    let mut errs = FieldErrors::new();
    let month = opt_enum(&mut errs, "month", q.month.as_deref(), propdesk_domain::values::Month::parse).map(|m| m.to_string());
    let f = ReadingFilter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        building_id: opt_int(&mut errs, "building_id", q.building_id.as_deref()),
        meter_id: opt_int(&mut errs, "meter_id", q.meter_id.as_deref()),
        unit_id: opt_int(&mut errs, "unit_id", q.unit_id.as_deref()),
        kind: opt_enum(&mut errs, "kind", q.kind.as_deref(), MeterKind::parse),
        month,
        unchecked: opt_bool(&mut errs, "unchecked", q.unchecked.as_deref()),
        unconfirmed: opt_bool(&mut errs, "unconfirmed", q.unconfirmed.as_deref()),
    };
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let list = store::readings(&mut c, &actor, &f, page).await?;
    Ok(Json(ReadingList { items: list.items.iter().map(reading_out).collect(), total: list.total, page: list.page.number, per_page: list.page.size }))
}

/// A reading of one meter for one month's round.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReading {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub meter_id: String,
    /// YYYY-MM, default the month of `read_on`.
    #[schema(example = "2026-11")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub month: String,
    /// YYYY-MM-DD, default today.
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub read_on: String,
    #[schema(required = true, example = "1342.75")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reading: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedOut {
    pub reading: ReadingOut,
}

async fn reading_detail(state: &AppState, actor: &Actor, id: i64) -> Result<ReadingOut, ApiError> {
    let mut c = state.db.read().await?;
    let r = store::reading(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(reading_out(&r))
}

/// Record a meter reading
///
/// FEE-7: one per meter per month (409 for a second); a reading below the last one is refused
/// (422, field `reading`) unless the meter was replaced; an outlier is saved with `outlier` and
/// `checked: false` and is not charged until confirmed.
#[utoipa::path(
    post,
    path = "/api/v1/meter-readings",
    tag = "meters",
    request_body = NewReading,
    responses(
        (status = 201, description = "The reading", body = ReadingOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not enter readings", body = ErrorBody),
        (status = 409, description = "The meter was already read this month", body = ErrorBody),
        (status = 422, description = "Invalid fields, or a reading that goes backwards", body = ErrorBody),
    )
)]
pub async fn create_reading(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<NewReading>) -> Result<Response, ApiError> {
    let input = ReadingInput { meter_id: b.meter_id, month: b.month, read_on: b.read_on, reading: b.reading };
    let r = ops::record_reading(&state.db, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(reading_detail(&state, &actor, r.id).await?)).into_response())
}

/// Confirm an outlier reading
#[utoipa::path(
    post,
    path = "/api/v1/meter-readings/{id}/check",
    tag = "meters",
    params(("id" = i64, Path, description = "Reading id")),
    responses(
        (status = 200, description = "The reading, now charged", body = ReadingOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not confirm readings", body = ErrorBody),
        (status = 404, description = "No such reading in the caller's projects", body = ErrorBody),
        (status = 409, description = "Not an outlier waiting for confirmation", body = ErrorBody),
    )
)]
pub async fn check_reading(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<ReadingOut>, ApiError> {
    ops::check(&state.db, &actor, id).await?;
    Ok(Json(reading_detail(&state, &actor, id).await?))
}

/// Who signed for the reading.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PayerConfirmation {
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub payer_name: String,
}

/// Record the payer's confirmation
///
/// FEE-7: the payer confirmed and signed the reading; who signed, who recorded it and when are kept.
#[utoipa::path(
    post,
    path = "/api/v1/meter-readings/{id}/payer-confirmation",
    tag = "meters",
    params(("id" = i64, Path, description = "Reading id")),
    request_body = PayerConfirmation,
    responses(
        (status = 200, description = "The reading", body = ReadingOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not record it", body = ErrorBody),
        (status = 404, description = "No such reading in the caller's projects", body = ErrorBody),
        (status = 409, description = "Already confirmed, or an outlier not yet checked", body = ErrorBody),
        (status = 422, description = "No name", body = ErrorBody),
    )
)]
pub async fn confirm_reading(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PayerConfirmation>,
) -> Result<Json<ReadingOut>, ApiError> {
    ops::confirm_payer(&state.db, &actor, id, &b.payer_name).await?;
    Ok(Json(reading_detail(&state, &actor, id).await?))
}

// ---------- month-end ----------

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSignoff {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(required = true, example = "2026-11")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub month: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindOut {
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    pub readings: i64,
    /// Hundredths of a kWh / m³.
    pub consumption: i64,
    /// Fen billed for the month.
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignoffOut {
    pub id: i64,
    pub month: String,
    pub totals: Vec<KindOut>,
    pub signed_by: String,
}

/// Sign off a month's meter totals
///
/// FEE-7: finance agrees the month's consumption and amount per meter kind, once (409 after);
/// outliers must be confirmed first (422, field `month`).
#[utoipa::path(
    post,
    path = "/api/v1/meter-signoffs",
    tag = "meters",
    request_body = NewSignoff,
    responses(
        (status = 201, description = "The agreed totals", body = SignoffOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "Only finance signs off", body = ErrorBody),
        (status = 409, description = "Already signed off", body = ErrorBody),
        (status = 422, description = "Invalid month or project, no readings, or outliers unconfirmed", body = ErrorBody),
    )
)]
pub async fn create_signoff(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<NewSignoff>) -> Result<Response, ApiError> {
    let project_id = b.project_id.trim().parse::<i64>().map_err(|_| ApiError::from(FieldErrors::single("project_id", Reason::Required)))?;
    ops::sign_off(&state.db, &actor, project_id, &b.month, &b.note).await?;
    let mut c = state.db.read().await?;
    let month = propdesk_domain::values::Month::parse(&b.month).map_err(|r| ApiError::from(FieldErrors::single("month", r)))?.to_string();
    let s = store::signoff(&mut c, &actor, project_id, &month).await?.ok_or(ApiError(AppError::NotFound))?;
    let totals: Vec<ops::KindMonth> = serde_json::from_str(&s.totals).unwrap_or_default();
    let out = SignoffOut {
        id: s.id,
        month: s.month,
        totals: totals.into_iter().map(|t| KindOut { kind: t.kind, readings: t.readings, consumption: t.consumption, amount: t.amount }).collect(),
        signed_by: s.signed_by_name,
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

// ---------- FEE-8: purchases ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOut {
    pub id: i64,
    pub meter_id: i64,
    pub meter_no: String,
    pub unit: String,
    pub receipt_no: String,
    /// Fen paid.
    pub amount: i64,
    /// kWh bought, in hundredths.
    pub kwh: i64,
    /// The price, yuan per kWh.
    pub price: String,
    #[schema(schema_with = method_schema)]
    pub method: String,
    pub paid_on: NaiveDate,
    pub received_by: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    pub loaded_by: Option<String>,
    pub loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i64,
    /// What the caller may do now.
    pub allowed: Vec<String>,
}

fn purchase_out(p: &PurchaseRow, actor: &Actor) -> PurchaseOut {
    PurchaseOut {
        id: p.id,
        meter_id: p.meter_id,
        meter_no: p.meter_no.clone(),
        unit: format!("{}-{}", p.building_code, p.unit_no),
        receipt_no: p.receipt_no.clone(),
        amount: p.amount,
        kwh: p.kwh,
        price: billing::UnitPrice(p.price).text(),
        method: p.method.code().into(),
        paid_on: p.paid_on,
        received_by: p.received_by_name.clone(),
        status: p.status.code().into(),
        loaded_by: p.loaded_by_name.clone(),
        loaded_at: p.loaded_at,
        version: p.version,
        allowed: billing::purchase_allowed(p.status, actor.role).into_iter().map(str::to_string).collect(),
    }
}

/// A purchase: `amount` (yuan) or `kwh`, not both; bought at the project's electricity price.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPurchase {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub meter_id: String,
    #[schema(example = "100.00")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub amount: String,
    #[schema(example = "150")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub kwh: String,
    #[schema(schema_with = method_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub method: String,
    /// Required for transfer, POS and online payments.
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reference: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub paid_on: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

async fn purchase_detail(state: &AppState, actor: &Actor, id: i64) -> Result<PurchaseOut, ApiError> {
    let mut c = state.db.read().await?;
    let p = store::purchase(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(purchase_out(&p, actor))
}

/// Buy prepaid electricity
///
/// FEE-8: the purchase is paid and receipted (the project's receipt book), and the project's
/// electricians get a task in their inbox to load the meter.
#[utoipa::path(
    post,
    path = "/api/v1/meter-purchases",
    tag = "meters",
    request_body = NewPurchase,
    responses(
        (status = 201, description = "The purchase, waiting to be loaded", body = PurchaseOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not take payments", body = ErrorBody),
        (status = 422, description = "Invalid fields, not a prepaid meter, or no electricity price", body = ErrorBody),
    )
)]
pub async fn create_purchase(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(b): ApiJson<NewPurchase>) -> Result<Response, ApiError> {
    let input =
        PurchaseInput { meter_id: b.meter_id, amount: b.amount, kwh: b.kwh, method: b.method, reference: b.reference, paid_on: b.paid_on, note: b.note };
    let id = ops::purchase(&state.db, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(purchase_detail(&state, &actor, id).await?)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PurchaseActionBody {
    #[schema(schema_with = action_schema)]
    #[serde(default)]
    pub action: String,
    /// The version read (409 when the purchase changed meanwhile).
    #[serde(default)]
    pub version: Option<i64>,
}

/// Load or refund a purchase
///
/// FEE-8: `load` — the electrician confirms the meter was loaded (engineering or admin);
/// `refund` — a supervisor refunds a purchase not yet loaded. A step that does not fit is 409
/// with `allowed`.
#[utoipa::path(
    post,
    path = "/api/v1/meter-purchases/{id}/actions",
    tag = "meters",
    params(("id" = i64, Path, description = "Purchase id")),
    request_body = PurchaseActionBody,
    responses(
        (status = 200, description = "The purchase in its new state", body = PurchaseOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller has no part in this step", body = ErrorBody),
        (status = 404, description = "No such purchase in the caller's projects", body = ErrorBody),
        (status = 409, description = "The step does not fit, or the purchase changed meanwhile", body = ErrorBody),
        (status = 422, description = "Unknown action", body = ErrorBody),
    )
)]
pub async fn purchase_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PurchaseActionBody>,
) -> Result<Response, ApiError> {
    let mut c = state.db.read().await?;
    let p = store::purchase(&mut c, &actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    drop(c);
    let known: Vec<&str> = PurchaseAction::ALL.iter().map(|a| a.code()).collect();
    let allowed: Vec<String> = billing::purchase_allowed(p.status, actor.role).into_iter().map(str::to_string).collect();
    let code = b.action.trim();
    let check = ActionRequestCheck { noun: "purchase", known: &known, code, sent_version: b.version, version: p.version, status: p.status.code(), allowed };
    let status = p.status;
    let role = actor.role;
    let refusal = async || -> Result<Refusal, ApiError> {
        Ok(match PurchaseAction::parse(code).map(|a| billing::purchase_apply(status, a, role)) {
            Some(Err(billing::PurchaseError::NotElectrician | billing::PurchaseError::NotSupervisor)) => Refusal::NotTheirs,
            _ => Refusal::NotFitting,
        })
    };
    if let Some(refused) = check.check(refusal).await? {
        return Ok(refused);
    }
    let outcome = ops::purchase_act(&state.db, &actor, id, code, b.version.unwrap_or(p.version)).await;
    action_answer("purchase", outcome, async || purchase_detail(&state, &actor, id).await, |d| d.allowed).await
}
