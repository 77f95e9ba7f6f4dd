//! RCP-5 over JSON: a project's standard scripts — read them (everyone on the project), write a
//! moment's text or restore its default (supervisors, managers, admins). Every change is an
//! event on the project.

use crate::api::extract::{ApiJson, ApiPath};
use crate::api::v1::{ErrorBody, codes};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::ops::de_text;
use crate::ops::script::{self as ops, Script};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use propdesk_domain::reception::ScriptMoment;
use propdesk_store::models::org;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// This module's operations; merged into the API document by `api::openapi`.
#[derive(OpenApi)]
#[openapi(
    paths(list_scripts, put_script, restore_script),
    components(schemas(ScriptOut, ScriptText)),
    tags((name = "scripts", description = "Standard scripts per project (DOMAIN.md RCP-5)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 3;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, put};
    axum::Router::new()
        .route("/api/v1/projects/{id}/scripts", get(list_scripts))
        .route("/api/v1/projects/{id}/scripts/{moment}", put(put_script).delete(restore_script))
}

schema_fn!(moment_schema = codes(ScriptMoment::ALL.iter().map(|m| m.code())), "The moment the script is shown at.");

/// A project's script for one moment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScriptOut {
    #[schema(schema_with = moment_schema)]
    pub moment: String,
    /// The moment in Chinese (e.g. 接听问候).
    pub label: String,
    /// As written, with `{project}` where the project's name goes.
    pub text: String,
    /// As staff read it, with the project's name.
    pub shown: String,
    /// True when the project wrote it; false for the default.
    pub custom: bool,
    pub updated_by_name: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn out(s: Script, project_name: &str) -> ScriptOut {
    ScriptOut {
        moment: s.moment.code().to_string(),
        label: s.moment.zh().to_string(),
        shown: s.shown(project_name),
        text: s.text,
        custom: s.custom,
        updated_by_name: s.updated_by_name,
        updated_at: s.updated_at,
    }
}

/// A script's new text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScriptText {
    /// 1–1000 characters; `{project}` shows as the project's name.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true, example = "您好，{project}客户服务中心，请问有什么可以帮到您？")]
    pub text: String,
}

async fn scripts(state: &AppState, actor: &propdesk_domain::access::Actor, id: i64) -> ApiResult<Vec<ScriptOut>> {
    let mut c = state.db.read().await?;
    let project = org::project(&mut c, actor, id).await?.ok_or(crate::error::AppError::NotFound)?;
    Ok(ops::of_project(&mut c, actor, id).await?.into_iter().map(|s| out(s, &project.name)).collect())
}

/// List a project's scripts
///
/// Every moment's script of the project: its own text where it wrote one, else the default.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/scripts",
    tag = "scripts",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "One script per moment", body = [ScriptOut]),
        (status = 400, description = "A non-numeric id", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "Not one of the caller's projects", body = ErrorBody),
    )
)]
pub async fn list_scripts(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<ScriptOut>>> {
    Ok(Json(scripts(&state, &actor, id).await?))
}

/// Write a project's script for a moment
///
/// Supervisors, managers and admins only. The default's own words restore the default.
#[utoipa::path(
    put,
    path = "/api/v1/projects/{id}/scripts/{moment}",
    tag = "scripts",
    request_body = ScriptText,
    params(("id" = i64, Path, description = "The project's id"), ("moment" = String, Path, description = "The moment's code, e.g. `greeting`")),
    responses(
        (status = 200, description = "The project's scripts after the change", body = [ScriptOut]),
        (status = 400, description = "Malformed JSON or path", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not edit scripts", body = ErrorBody),
        (status = 404, description = "Not one of the caller's projects", body = ErrorBody),
        (status = 422, description = "Empty or too long text, or an unknown moment", body = ErrorBody),
    )
)]
pub async fn put_script(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath((id, moment)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<ScriptText>,
) -> ApiResult<Json<Vec<ScriptOut>>> {
    ops::save(&state.db, &actor, id, &moment, &body.text).await?;
    Ok(Json(scripts(&state, &actor, id).await?))
}

/// Restore the default script for a moment
///
/// Supervisors, managers and admins only. Removes the project's own text, if any.
#[utoipa::path(
    delete,
    path = "/api/v1/projects/{id}/scripts/{moment}",
    tag = "scripts",
    params(("id" = i64, Path, description = "The project's id"), ("moment" = String, Path, description = "The moment's code, e.g. `greeting`")),
    responses(
        (status = 200, description = "The project's scripts after the change", body = [ScriptOut]),
        (status = 400, description = "A malformed path", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not edit scripts", body = ErrorBody),
        (status = 404, description = "Not one of the caller's projects", body = ErrorBody),
        (status = 422, description = "An unknown moment", body = ErrorBody),
    )
)]
pub async fn restore_script(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath((id, moment)): ApiPath<(i64, String)>,
) -> ApiResult<Json<Vec<ScriptOut>>> {
    ops::restore(&state.db, &actor, id, &moment).await?;
    Ok(Json(scripts(&state, &actor, id).await?))
}
