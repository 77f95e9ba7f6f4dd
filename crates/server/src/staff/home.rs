use crate::auth::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use propdesk_store::models::org::{self, ProjectStats};

#[derive(Template)]
#[template(path = "staff/home.html")]
struct Home {
    ctx: Ctx,
    stats: Vec<ProjectStats>,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let mut stats = org::project_stats(&mut c, &ctx.actor).await?;
    if let Some(p) = ctx.project_id {
        stats.retain(|s| s.id == p);
    }
    Ok(super::render(&Home { ctx, stats }))
}
