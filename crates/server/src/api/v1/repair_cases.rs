//! REP-13 over JSON: the repair case library (维修案例库) — search and one case. Writing a case
//! is done on the closed work order's page (`/work-orders/{id}/case`) and here through
//! `POST /api/v1/work-orders/{id}/case`. Cases of projects the caller is not assigned to are
//! neither listed nor found (404).

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{DEFAULT_PER_PAGE, ErrorBody, codes, created, opt_int};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::repair_case::{self as ops, RepairCaseInput};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::work_order::RepairCategory;
use propdesk_store::Page;
use propdesk_store::models::repair_case::{self as store, Filter, RepairCaseRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_repair_cases, get_repair_case, create_repair_case),
    components(schemas(RepairCaseOut, RepairCaseList, NewRepairCase)),
    tags((name = "repair-cases", description = "Repair case write-ups (维修案例) of closed work orders (DOMAIN.md REP-13)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 3;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/repair-cases", get(list_repair_cases))
        .route("/api/v1/repair-cases/{id}", get(get_repair_case))
        .route("/api/v1/work-orders/{id}/case", post(create_repair_case))
}

schema_fn!(category_schema = codes(RepairCategory::ALL.iter().map(|s| s.code())), "A repair category code.");

#[derive(Debug, Serialize, ToSchema)]
pub struct RepairCaseOut {
    pub id: i64,
    pub project_id: i64,
    pub work_order_id: i64,
    /// The work order's number, e.g. `HXGC/WXWT001`.
    pub work_order_number: String,
    pub title: String,
    #[schema(schema_with = category_schema)]
    pub category: String,
    pub problem: String,
    pub cause: String,
    pub handling: String,
    /// Lessons for the design of later projects (may be empty; at least one lesson is given).
    pub lesson_design: String,
    pub lesson_construction: String,
    pub lesson_sales: String,
    pub written_by: String,
    pub created_at: DateTime<Utc>,
}

fn out(k: RepairCaseRow) -> RepairCaseOut {
    RepairCaseOut {
        id: k.id,
        project_id: k.project_id,
        work_order_id: k.work_order_id,
        work_order_number: k.work_order_number,
        title: k.title,
        category: k.category.code().into(),
        problem: k.problem,
        cause: k.cause,
        handling: k.handling,
        lesson_design: k.lesson_design,
        lesson_construction: k.lesson_construction,
        lesson_sales: k.lesson_sales,
        written_by: k.written_by_name,
        created_at: k.created_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RepairCaseList {
    pub items: Vec<RepairCaseOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RepairCaseQuery {
    /// Title, problem, cause, handling, lessons or work-order number (substring; Chinese words
    /// of two characters and more are found through the search index).
    pub q: Option<String>,
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(schema_with = category_schema)]
    pub category: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

/// A repair case written from a closed work order (REP-13).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRepairCase {
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub title: String,
    /// Defaults to the work order's category.
    #[schema(schema_with = category_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub category: String,
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub problem: String,
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub cause: String,
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub handling: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub lesson_design: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub lesson_construction: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub lesson_sales: String,
}

/// List and search repair cases
///
/// The caller's projects' repair cases, newest first, filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/repair-cases",
    tag = "repair-cases",
    params(RepairCaseQuery),
    responses(
        (status = 200, description = "One page of repair cases", body = RepairCaseList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_repair_cases(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RepairCaseQuery>,
) -> Result<Json<RepairCaseList>, ApiError> {
    let mut errs = FieldErrors::new();
    let project_id = opt_int(&mut errs, "project_id", q.project_id.as_deref());
    let category = match q.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(k) => errs.take("category", RepairCategory::parse(k)),
        None => None,
    };
    let page = Page::new(
        opt_int(&mut errs, "page", q.page.as_deref()).unwrap_or(1),
        opt_int(&mut errs, "per_page", q.per_page.as_deref()).unwrap_or(DEFAULT_PER_PAGE),
    );
    errs.into_result()?;
    let filter = Filter { project_id, category, q: q.q.filter(|s| !s.trim().is_empty()) };
    let mut c = state.db.read().await?;
    let list = store::list(&mut c, &actor, &filter, page).await?;
    Ok(Json(RepairCaseList { items: list.items.into_iter().map(out).collect(), total: list.total, page: list.page.number, per_page: list.page.size }))
}

/// Get a repair case
#[utoipa::path(
    get,
    path = "/api/v1/repair-cases/{id}",
    tag = "repair-cases",
    params(("id" = i64, Path, description = "Repair case id")),
    responses(
        (status = 200, description = "The case", body = RepairCaseOut),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such case in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_repair_case(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<RepairCaseOut>, ApiError> {
    let mut c = state.db.read().await?;
    let k = store::get(&mut c, &actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(Json(out(k)))
}

/// Write up a closed work order as a repair case
///
/// REP-13: title, problem, cause and handling, and at least one lesson for design,
/// construction or sales. One case per work order.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/case",
    tag = "repair-cases",
    params(("id" = i64, Path, description = "Work order id")),
    request_body = NewRepairCase,
    responses(
        (status = 201, description = "The case", body = RepairCaseOut, headers(("Location" = String, description = "URL of the new case"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not write repair cases", body = ErrorBody),
        (status = 404, description = "No such work order in the caller's projects", body = ErrorBody),
        (status = 409, description = "The work order is not closed, or already has its case", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields", body = ErrorBody),
    )
)]
pub async fn create_repair_case(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewRepairCase>,
) -> Result<Response, ApiError> {
    let input = RepairCaseInput {
        title: b.title,
        category: b.category,
        problem: b.problem,
        cause: b.cause,
        handling: b.handling,
        lesson_design: b.lesson_design,
        lesson_construction: b.lesson_construction,
        lesson_sales: b.lesson_sales,
    };
    let case_id = ops::create(&state.db, &actor, id, &input).await?;
    let mut c = state.db.read().await?;
    let k = store::get(&mut c, &actor, case_id).await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(created(format!("/api/v1/repair-cases/{case_id}"), out(k)).into_response())
}
