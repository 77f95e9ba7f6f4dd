//! Version 1 of the JSON API. Every handler here is listed once in `routes()` and once in
//! `api::openapi::ApiDoc`. The test `openapi_document_matches_the_router` (tests/api.rs)
//! checks that every documented operation is routed and that the count of operations is the
//! count of routes here — add a route, add it to `ApiDoc` and bump that count.

/// Declares a `fn() -> Object` for `#[schema(schema_with = …)]` / `#[param(schema_with = …)]`
/// carrying the field's description: utoipa ignores a field's doc comment when `schema_with`
/// is used, so the description is given here instead.
macro_rules! schema_fn {
    ($name:ident = $schema:expr, $desc:literal) => {
        fn $name() -> utoipa::openapi::schema::Object {
            let mut o = $schema;
            o.description = Some($desc.to_string());
            o
        }
    };
}

pub mod attachments;
pub mod auth;
pub mod calendar;
pub mod complaints;
pub mod contractors;
pub mod notifications;
pub mod org;
pub mod reception;
pub mod repair_cases;
pub mod scripts;
pub mod work_orders;

/// Operations documented and routed, over all modules (checked by tests/api.rs).
pub const OPERATIONS: usize = 10
    + complaints::OPERATIONS
    + reception::OPERATIONS
    + attachments::OPERATIONS
    + notifications::OPERATIONS
    + scripts::OPERATIONS
    + work_orders::OPERATIONS
    + contractors::OPERATIONS
    + repair_cases::OPERATIONS;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use propdesk_domain::{FieldErrors, Reason};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/token", post(auth::token))
        .route("/api/v1/projects", get(org::list_projects))
        .route("/api/v1/units", get(org::list_units).post(org::create_unit))
        .route("/api/v1/units/{id}", get(org::get_unit))
        .route("/api/v1/parties", get(org::list_parties).post(org::create_party))
        .route("/api/v1/parties/{id}", get(org::get_party))
        .route("/api/v1/leases", post(org::create_lease))
        .merge(complaints::routes())
        .merge(reception::routes())
        .merge(notifications::routes())
        .merge(scripts::routes())
        .merge(work_orders::routes())
        .merge(contractors::routes())
        .merge(repair_cases::routes())
        .route("/api/v1/calendar/add-working-days", get(calendar::add_working_days))
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(schema_with = error_code_schema)]
    pub code: String,
    /// A message in English.
    pub message: String,
    /// The fields that were refused (only for `invalid`, status 422); empty otherwise.
    pub fields: Vec<FieldErrorBody>,
}

/// One refused field of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    /// The field's name as sent in the request (or `body` when the body as a whole is unusable).
    #[schema(example = "building_area")]
    pub field: String,
    /// Why, in English.
    pub message: String,
    /// Why, in Chinese.
    pub message_zh: String,
}

schema_fn!(
    error_code_schema = codes(["bad_request", "unauthorized", "forbidden", "not_found", "conflict", "invalid", "too_many_requests", "internal"]),
    "Machine-readable error code: 400 bad_request, 401 unauthorized, 403 forbidden, 404 not_found, 409 conflict, 422 invalid, 429 too_many_requests, 500 internal."
);

/// A string schema restricted to a closed set of codes.
pub(crate) fn codes<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.into_iter().map(str::to_string))).build()
}

/// Inputs that accept a JSON number or a decimal string (`88.5` or `"88.50"`).
pub(crate) fn decimal_input() -> Object {
    ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Number])).pattern(Some(r"^[0-9]+(\.[0-9]{1,2})?$")).examples(["88.5"]).build()
}

/// Formats an area in centi-m² as square metres with two decimals (`8850` → `"88.50"`).
pub(crate) fn m2(centi: i64) -> String {
    propdesk_domain::values::format_centi(centi)
}

/// An optional integer query parameter; empty means absent, anything else must be an integer.
pub(crate) fn opt_int(errs: &mut FieldErrors, field: &str, v: Option<&str>) -> Option<i64> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    errs.take(field, s.parse::<i64>().map_err(|_| Reason::Invalid("应为整数", "must be an integer")))
}

pub(crate) const DEFAULT_PER_PAGE: i64 = 50;
