//! REP-11 over JSON: the company's contractor register — list, create, and one contractor with
//! its qualifications, its work orders in the caller's projects and its on-time result.
//!
//! Every staff member may read the register (to choose a repairer, REP-4); keeping it needs
//! `ManageContractors` (403 otherwise). A contractor of another company is not found (404).

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{ErrorBody, codes, created, page_of};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::contractor::{self as ops, ContractorInput};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Actor;
use propdesk_domain::work_order::Trade;
use propdesk_store::models::contractor::{self as store, ContractorRow, Filter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_contractors, create_contractor, get_contractor),
    components(schemas(ContractorOut, ContractorDetail, ContractorList, QualificationOut, ContractorJobOut, NewContractor, NewQualification)),
    tags((name = "contractors", description = "The approved contractors (维修商) with their qualifications (DOMAIN.md REP-11)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 3;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/api/v1/contractors", get(list_contractors).post(create_contractor)).route("/api/v1/contractors/{id}", get(get_contractor))
}

schema_fn!(trade_schema = codes(Trade::ALL.iter().map(|s| s.code())), "A trade code.");

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractorOut {
    pub id: i64,
    pub name: String,
    /// The unified social credit code (or a 15-digit registration number).
    pub licence_no: String,
    /// Trade codes: water, electric, waterproofing, general.
    pub trades: Vec<String>,
    pub contact: String,
    pub phone: String,
    /// Only approved contractors may be sent in.
    pub approved: bool,
    pub note: String,
    pub version: i64,
}

fn out(c: &ContractorRow) -> ContractorOut {
    ContractorOut {
        id: c.id,
        name: c.name.clone(),
        licence_no: c.licence_no.clone(),
        trades: c.trade_list().iter().map(|t| t.code().to_string()).collect(),
        contact: c.contact.clone(),
        phone: c.phone.clone(),
        approved: c.approved,
        note: c.note.clone(),
        version: c.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationOut {
    #[schema(schema_with = trade_schema)]
    pub trade: String,
    pub name: String,
    pub certificate_no: String,
    pub expires_on: NaiveDate,
    /// Expired before today (the contractor cannot be chosen for this trade on its strength).
    pub expired: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractorJobOut {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub finish_on_time: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractorDetail {
    #[serde(flatten)]
    pub contractor: ContractorOut,
    pub qualifications: Vec<QualificationOut>,
    /// The latest work orders in the caller's projects.
    pub work_orders: Vec<ContractorJobOut>,
    /// Finished jobs with a result, and of them finished on time.
    pub finished: i64,
    pub finished_on_time: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractorList {
    pub items: Vec<ContractorOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewQualification {
    #[schema(schema_with = trade_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub trade: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub certificate_no: String,
    /// YYYY-MM-DD, valid through this day.
    #[schema(value_type = String, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub expires_on: String,
}

/// A contractor: name, licence number (checked), trades, contact, approval and qualifications
/// (each for one of its trades, with its expiry).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContractor {
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub name: String,
    #[schema(required = true, example = "91110108MA01A2B3C6")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub licence_no: String,
    #[serde(default)]
    pub trades: Vec<String>,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub contact: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub phone: String,
    #[serde(default)]
    pub approved: bool,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
    #[serde(default)]
    pub qualifications: Vec<NewQualification>,
}

impl From<NewContractor> for ContractorInput {
    fn from(n: NewContractor) -> Self {
        ContractorInput {
            name: n.name,
            licence_no: n.licence_no,
            trades: n.trades,
            contact: n.contact,
            phone: n.phone,
            approved: n.approved,
            note: n.note,
            qualifications: n
                .qualifications
                .into_iter()
                .map(|q| ops::QualificationInput { trade: q.trade, name: q.name, certificate_no: q.certificate_no, expires_on: q.expires_on })
                .collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractorQuery {
    /// Name, licence number, contact or phone (substring).
    pub q: Option<String>,
    /// `true`: approved only; `false`: not approved only.
    #[param(value_type = Option<bool>)]
    pub approved: Option<String>,
    #[param(schema_with = trade_schema)]
    pub trade: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

pub(crate) async fn detail(state: &AppState, actor: &Actor, id: i64) -> Result<ContractorDetail, ApiError> {
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, actor.company_id, id).await?.ok_or(ApiError(AppError::NotFound))?;
    let today = Utc::now().with_timezone(&crate::ops::TZ).date_naive();
    let qualifications = store::qualifications(&mut c, id)
        .await?
        .into_iter()
        .map(|q| QualificationOut {
            trade: q.trade.code().into(),
            name: q.name,
            certificate_no: q.certificate_no,
            expires_on: q.expires_on,
            expired: q.expires_on < today,
        })
        .collect();
    let work_orders = store::jobs(&mut c, actor, id, 50)
        .await?
        .into_iter()
        .map(|j| ContractorJobOut { id: j.id, number: j.number, status: j.status, received_at: j.received_at, finish_on_time: j.finish_on_time })
        .collect();
    let (finished, finished_on_time) = store::on_time(&mut c, actor, id).await?;
    Ok(ContractorDetail { contractor: out(&row), qualifications, work_orders, finished, finished_on_time })
}

/// List contractors
///
/// The company's contractors by name, filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/contractors",
    tag = "contractors",
    params(ContractorQuery),
    responses(
        (status = 200, description = "One page of contractors", body = ContractorList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_contractors(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ContractorQuery>,
) -> Result<Json<ContractorList>, ApiError> {
    let mut errs = FieldErrors::new();
    let approved = match q.approved.as_deref().map(str::trim).unwrap_or("") {
        "" => None,
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => {
            errs.push("approved", propdesk_domain::Reason::Invalid("应为 true 或 false", "must be true or false"));
            None
        }
    };
    let trade = match q.trade.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => errs.take("trade", Trade::parse(t)),
        None => None,
    };
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let filter = Filter { q: q.q.filter(|s| !s.trim().is_empty()), approved, trade };
    let mut c = state.db.read().await?;
    let list = store::list(&mut c, actor.company_id, &filter, page).await?;
    Ok(Json(ContractorList { items: list.items.iter().map(out).collect(), total: list.total, page: list.page.number, per_page: list.page.size }))
}

/// Create a contractor
///
/// Adds a contractor to the register (REP-11). The licence number is checked (USCC check
/// character) and unique in the company; each qualification names one of its trades and its expiry.
#[utoipa::path(
    post,
    path = "/api/v1/contractors",
    tag = "contractors",
    request_body = NewContractor,
    responses(
        (status = 201, description = "The created contractor", body = ContractorDetail, headers(("Location" = String, description = "URL of the new contractor"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not keep the contractor register", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields, or a licence number already registered", body = ErrorBody),
    )
)]
pub async fn create_contractor(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewContractor>) -> Result<Response, ApiError> {
    let id = ops::create(&state.db, &actor, &body.into()).await?;
    let d = detail(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/contractors/{id}"), d).into_response())
}

/// Get a contractor
///
/// The contractor with its qualifications (and whether each has expired), its latest work
/// orders in the caller's projects and how many of them were finished on time.
#[utoipa::path(
    get,
    path = "/api/v1/contractors/{id}",
    tag = "contractors",
    params(("id" = i64, Path, description = "Contractor id")),
    responses(
        (status = 200, description = "The contractor", body = ContractorDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such contractor in the caller's company", body = ErrorBody),
    )
)]
pub async fn get_contractor(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<ContractorDetail>, ApiError> {
    Ok(Json(detail(&state, &actor, id).await?))
}
