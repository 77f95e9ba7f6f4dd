//! RCP-5: a project's standard scripts (`/projects/{id}/scripts`, next to the project's
//! settings). Everyone on the project may read them; supervisors, managers and admins rewrite a
//! moment's text or restore its default, each change an event on the project.

use super::{Errs, render, render_invalid, saved};
use crate::auth::{Ctx, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::script::{self as ops, Script};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::reception::SCRIPT_MAX_CHARS;
use propdesk_store::models::event::{self, Event};
use propdesk_store::models::org::{self, Project};

pub fn routes() -> Router<AppState> {
    Router::new().route("/projects/{id}/scripts", get(page).post(save))
}

#[derive(Template)]
#[template(path = "staff/project_scripts.html")]
struct ScriptsPage {
    ctx: Ctx,
    project: Project,
    scripts: Vec<Script>,
    can_edit: bool,
    /// The moment whose form came back with an error, and what was typed there.
    moment: String,
    typed: String,
    errs: Errs,
    history: Vec<Event>,
    max: usize,
}

impl ScriptsPage {
    fn text_of(&self, s: &Script) -> String {
        if s.moment.code() == self.moment { self.typed.clone() } else { s.text.clone() }
    }
    fn failed(&self, s: &Script) -> bool {
        s.moment.code() == self.moment && self.errs.any()
    }
}

async fn scripts_page(state: &AppState, ctx: Ctx, id: i64, moment: String, typed: String, errs: FieldErrors) -> AppResult<ScriptsPage> {
    let mut c = state.db.read().await?;
    let project = org::project(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let scripts = ops::of_project(&mut c, &ctx.actor, id).await?;
    let history = event::for_entity(&mut c, "project", id)
        .await?
        .into_iter()
        .filter(|e| matches!(e.action.as_str(), "script_updated" | "script_restored"))
        .rev()
        .take(20)
        .collect();
    let can_edit = ctx.actor.can(Permission::EditScripts);
    Ok(ScriptsPage { errs: Errs::new(errs, ctx.lang), ctx, project, scripts, can_edit, moment, typed, history, max: SCRIPT_MAX_CHARS })
}

/// `GET /projects/{id}/scripts`.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(render(&scripts_page(&state, ctx, id, String::new(), String::new(), FieldErrors::new()).await?))
}

/// `POST /projects/{id}/scripts` — `moment`, `text`, and `do` = `save` or `restore`.
pub async fn save(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let moment = form.get("moment").to_string();
    let r = if form.get("do") == "restore" {
        ops::restore(&state.db, &ctx.actor, id, &moment).await
    } else {
        ops::save(&state.db, &ctx.actor, id, &moment, form.get("text")).await
    };
    match r {
        Ok(()) => Ok(saved(&format!("/projects/{id}/scripts"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&scripts_page(&state, ctx, id, moment, form.get("text").to_string(), e).await?)),
        Err(e) => Err(e),
    }
}
