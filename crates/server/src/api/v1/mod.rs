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
pub mod channels;
pub mod complaints;
pub mod contractor_accounts;
pub mod contractors;
pub mod fees;
pub mod meters;
pub mod notifications;
pub mod org;
pub mod parking;
pub mod reception;
pub mod repair_cases;
pub mod return_slips;
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
    + fees::OPERATIONS
    + meters::OPERATIONS
    + parking::OPERATIONS
    + contractor_accounts::OPERATIONS
    + return_slips::OPERATIONS
    + repair_cases::OPERATIONS
    + channels::OPERATIONS;

use crate::error::{ApiError, AppError};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Page;
use serde::Serialize;
use serde_json::json;
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
        .merge(fees::routes())
        .merge(meters::routes())
        .merge(parking::routes())
        .merge(contractor_accounts::routes())
        .merge(return_slips::routes())
        .merge(repair_cases::routes())
        .merge(channels::routes())
        .route("/api/v1/calendar/add-working-days", get(calendar::add_working_days))
}

/// 201 Created with the new record's URL in `Location` and the record as the body.
pub(crate) type Created<T> = (StatusCode, [(axum::http::HeaderName, String); 1], Json<T>);

pub(crate) fn created<T>(location: String, body: T) -> Created<T> {
    (StatusCode::CREATED, [(axum::http::header::LOCATION, location)], Json(body))
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

/// An optional code query parameter; empty means absent, anything else must parse.
pub(crate) fn opt_enum<T>(errs: &mut FieldErrors, field: &str, v: Option<&str>, parse: fn(&str) -> Result<T, Reason>) -> Option<T> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    errs.take(field, parse(s))
}

/// A boolean query parameter: empty, `false` or `0` is false, `true` or `1` true.
pub(crate) fn opt_bool(errs: &mut FieldErrors, field: &str, v: Option<&str>) -> bool {
    match v.map(str::trim).unwrap_or("") {
        "" | "false" | "0" => false,
        "true" | "1" => true,
        _ => {
            errs.push(field, Reason::Invalid("应为 true 或 false", "must be true or false"));
            false
        }
    }
}

pub(crate) const DEFAULT_PER_PAGE: i64 = 50;

/// The page asked for by `page` and `per_page` (1 and `DEFAULT_PER_PAGE` when absent).
pub(crate) fn page_of(errs: &mut FieldErrors, page: Option<&str>, per_page: Option<&str>) -> Page {
    let number = opt_int(errs, "page", page).unwrap_or(1);
    let size = opt_int(errs, "per_page", per_page).unwrap_or(DEFAULT_PER_PAGE);
    Page::new(number, size)
}

/// A 409 answer with the actions that fit the record's state now.
pub(crate) fn conflict(message: &str, allowed: Vec<String>) -> Response {
    let body = json!({"error": {"code": "conflict", "message": format!("Conflict: {message}"), "fields": []}, "allowed": allowed});
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// An action request against a record read with `version` in `status`, for the one check every
/// workflow endpoint makes before it acts.
pub(crate) struct ActionRequestCheck<'a> {
    /// The record in English, for the messages ("work order", "complaint").
    pub noun: &'a str,
    /// Every action code of the workflow.
    pub known: &'a [&'a str],
    /// The requested action code (trimmed); empty leaves the refusal to the input's parser.
    pub code: &'a str,
    /// The `version` the caller sent, if any.
    pub sent_version: Option<i64>,
    pub version: i64,
    pub status: &'a str,
    /// What the caller may do now.
    pub allowed: Vec<String>,
}

/// Why a requested action does not fit, as the workflow's ops tell it.
pub(crate) enum Refusal {
    /// The caller has no part in the step (403).
    NotTheirs,
    /// It does not fit the record's status (409 with the status).
    NotFitting,
    /// It does not fit for a reason of its own (409 with that reason), e.g. a repair's fee (REP-12).
    Because(String),
}

impl ActionRequestCheck<'_> {
    /// An unknown code is 422; a stale version is 409; a code that does not fit is 403 when
    /// `refusal` says the caller has no part in it, else 409 (with its reason when it gives one). `Ok(Some(_))` is the 409 to
    /// answer with; `Ok(None)` lets the handler act.
    pub(crate) async fn check(self, refusal: impl AsyncFnOnce() -> Result<Refusal, ApiError>) -> Result<Option<Response>, ApiError> {
        let (noun, code) = (self.noun, self.code);
        if !code.is_empty() && !self.known.contains(&code) {
            return Err(FieldErrors::single("action", Reason::Invalid("不是可选的操作", "is not a known action")).into());
        }
        if self.sent_version.is_some_and(|v| v != self.version) {
            return Ok(Some(conflict(&format!("the {noun} changed since it was read; read it again"), self.allowed)));
        }
        if !code.is_empty() && !self.allowed.iter().any(|a| a == code) {
            return match refusal().await? {
                Refusal::NotTheirs => Err(ApiError(AppError::Forbidden)),
                Refusal::Because(why) => Ok(Some(conflict(&why, self.allowed))),
                Refusal::NotFitting => Ok(Some(conflict(&format!("`{code}` does not fit the {noun}'s status `{}`", self.status), self.allowed))),
            };
        }
        Ok(None)
    }
}

/// The answer to an action once `ops::act` has run: the record in its new state, or — when it
/// changed meanwhile — 409 with what fits the state as it is now (`allowed` of the fresh detail).
pub(crate) async fn action_answer<T: Serialize, A>(
    noun: &str,
    outcome: Result<A, AppError>,
    detail: impl AsyncFnOnce() -> Result<T, ApiError>,
    allowed: impl FnOnce(T) -> Vec<String>,
) -> Result<Response, ApiError> {
    match outcome {
        Ok(_) => Ok(Json(detail().await?).into_response()),
        // Changed meanwhile, or held back by a rule of its own (REP-12: a paid repair's fee):
        // the reason the ops gave, with what fits the record as it is now.
        Err(AppError::Conflict(why)) => {
            let d = detail().await?;
            Ok(conflict(&format!("the {noun} could not take this step: {why}"), allowed(d)))
        }
        Err(e) => Err(e.into()),
    }
}
