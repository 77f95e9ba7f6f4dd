//! Extractors for the API that reject in the API's JSON error shape instead of axum's
//! plain-text rejections.

use crate::error::{ApiError, AppError};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use propdesk_domain::{FieldErrors, Reason};
use serde::de::DeserializeOwned;

/// A JSON request body. Malformed JSON or a missing `Content-Type: application/json` → 400;
/// well-formed JSON of the wrong structure (e.g. an array, or a string where a boolean
/// belongs) → 422 with the field `body`. Field-level validation is left to `ops`, which
/// reports every bad field at once (422).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

pub fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::JsonDataError(e) => {
            tracing::debug!(error = %e.body_text(), "api: JSON body of the wrong shape");
            ApiError(AppError::Invalid(FieldErrors::single(
                "body",
                Reason::Invalid("请求内容的结构或类型与接口说明不符", "does not match the documented structure or types"),
            )))
        }
        JsonRejection::JsonSyntaxError(e) => ApiError(AppError::BadRequest(e.body_text())),
        JsonRejection::MissingJsonContentType(_) => ApiError(AppError::BadRequest("expected Content-Type: application/json".into())),
        other => ApiError(AppError::BadRequest(other.body_text())),
    }
}

/// Query-string parameters; a malformed query string → 400 in the JSON shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    ApiError(AppError::BadRequest(r.body_text()))
}

/// Path parameters; e.g. a non-numeric id → 400 in the JSON shape.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(r) => Err(path_rejection(r)),
        }
    }
}

fn path_rejection(r: PathRejection) -> ApiError {
    ApiError(AppError::BadRequest(r.body_text()))
}
