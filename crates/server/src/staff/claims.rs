//! CMP-12 claim pages: the claims of the caller's projects, one claim with its allowed steps.

use super::{Errs, render, render_invalid, saved};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::claim as ops;
use crate::ops::org::parse_yuan;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use propdesk_domain::claim::{ClaimAction, allowed};
use propdesk_domain::values::format_centi;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::claim::{self as store, ClaimRow};
use propdesk_store::models::event::{self, Event};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/claims", get(list))
        .route("/claims/{id}", get(show))
        .route("/claims/{id}/actions", post(step))
        .route("/complaints/{id}/claims", post(open))
}

pub fn yuan(fen: &i64) -> String {
    format_centi(*fen)
}

#[derive(Template)]
#[template(path = "staff/claims.html")]
struct ListPage {
    ctx: Ctx,
    claims: Vec<ClaimRow>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let claims = store::list(&mut c, &ctx.actor, None).await?;
    Ok(render(&ListPage { ctx, claims }))
}

#[derive(Template)]
#[template(path = "staff/claim.html")]
struct ClaimPage {
    ctx: Ctx,
    claim: ClaimRow,
    allowed: Vec<&'static str>,
    history: Vec<Event>,
    v: FormData,
    errs: Errs,
}

impl ClaimPage {
    fn can(&self, action: &str) -> bool {
        self.allowed.contains(&action)
    }
}

async fn page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<ClaimPage> {
    let mut c = state.db.read().await?;
    let claim = store::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let history = event::for_entity(&mut c, "claim", id).await?;
    let allowed = allowed(claim.status, ctx.actor.role);
    Ok(ClaimPage { ctx, claim, allowed, history, v, errs })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&page(&state, ctx, id, FormData::default(), errs).await?))
}

/// `POST /complaints/{id}/claims` — open a claim on a complaint.
pub async fn open(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let claim = ops::open(&state.db, &ctx.actor, id, form.get("claimant"), form.get("claimed_amount")).await?;
    Ok(saved(&format!("/claims/{claim}")))
}

fn action(form: &FormData) -> Result<ClaimAction, FieldErrors> {
    let text = |k: &str| form.get(k).to_string();
    Ok(match form.get("action") {
        "respond" => ClaimAction::Respond { note: text("note") },
        "gather_opinions" => ClaimAction::GatherOpinions { opinions: text("opinions") },
        "draft_plan" => ClaimAction::DraftPlan { plan: text("plan"), amount: parse_yuan(form.get("amount")).map_err(|r| FieldErrors::single("amount", r))? },
        "legal_advice" => ClaimAction::LegalAdvice { advice: text("advice") },
        "customer_answer" => ClaimAction::CustomerAnswer { accepted: form.get("accepted") == "yes", note: text("note") },
        "report" => ClaimAction::Report { responsibility: text("responsibility"), report: text("report") },
        "decide" => ClaimAction::Decide { approved: form.get("approved") == "yes", opinion: text("opinion") },
        "execute" => ClaimAction::Execute { note: text("note"), last: form.has("last") },
        "withdraw" => ClaimAction::Withdraw { reason: text("reason") },
        _ => return Err(FieldErrors::single("action", Reason::Required)),
    })
}

pub async fn step(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").parse().unwrap_or(0);
    let result = match action(&form) {
        Ok(a) => ops::act(&state.db, &ctx.actor, id, version, &a).await.map(|_| ()),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(saved(&format!("/claims/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&page(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}
