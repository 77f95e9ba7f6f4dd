//! ORG-3 / ORG-4: the property-rights register (产权清册) and the lease register (租赁清册)
//! for any month, on screen, printed and exported.

use super::{render, xlsx_response};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::ops::org::today;
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use propdesk_domain::access::Permission;
use propdesk_domain::org::{ARCHIVE_UPDATE_DAYS, archive_updated_in_time};
use propdesk_domain::values::{Month, format_centi};
use propdesk_store::models::org::{self, Tenure, TenureKind};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/registers/{kind}", get(register)).route("/archive/export", get(archive_export))
}

#[derive(Template)]
#[template(path = "staff/register.html")]
struct RegisterPage {
    ctx: Ctx,
    lease: bool,
    kind: String,
    project_id: i64,
    month: String,
    rows: Vec<Tenure>,
    month_error: String,
    /// Records that started or ended within the month: the changes of the month.
    changes: usize,
}

impl RegisterPage {
    fn title(&self) -> &'static str {
        self.ctx.t(if self.lease { "租赁清册" } else { "产权清册" })
    }
    fn area(&self, c: &i64) -> String {
        format_centi(*c)
    }
    /// ORG-4: a move-in or transfer that took effect this month, entered more than the allowed
    /// days after it took effect, is flagged late.
    fn late(&self, t: &Tenure) -> bool {
        let recorded = t.created_at.with_timezone(&super::TZ).date_naive();
        self.starts_in_month(t) && !archive_updated_in_time(t.start_date, recorded, ARCHIVE_UPDATE_DAYS)
    }
    fn starts_in_month(&self, t: &Tenure) -> bool {
        t.start_date.format("%Y-%m").to_string() == self.month
    }
    fn extra(&self, t: &Tenure) -> String {
        if self.lease { t.amount.map(format_centi).unwrap_or_default() } else { t.detail.clone() }
    }
}

pub async fn register(State(state): State<AppState>, ctx: Ctx, Path(kind): Path<String>, Query(m): Query<HashMap<String, String>>) -> AppResult<Response> {
    ctx.require(Permission::ViewRegisters)?;
    let lease = match kind.as_str() {
        "leases" => true,
        "ownership" => false,
        _ => return Err(AppError::NotFound),
    };
    let project_id = m
        .get("project_id")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|p| ctx.actor.sees_project(*p))
        .or(ctx.project_id)
        .or_else(|| ctx.projects.first().map(|p| p.id))
        .ok_or(AppError::NotFound)?;
    let month_text = m.get("month").cloned().unwrap_or_else(|| Month::of(today()).to_string());
    let (month, month_error) = match Month::parse(&month_text) {
        Ok(mo) => (mo, String::new()),
        Err(r) => (Month::of(today()), if ctx.en() { r.en() } else { r.zh() }),
    };
    let mut c = state.db.read().await?;
    let tk = if lease { TenureKind::Lease } else { TenureKind::Ownership };
    let rows = org::register(&mut c, &ctx.actor, tk, project_id, month.first_day(), month.last_day()).await?;
    if m.get("format").is_some_and(|f| f == "xlsx") {
        let name = format!("{}-{}-{}.xlsx", ctx.project_name(&project_id), if lease { "租赁清册" } else { "产权清册" }, month);
        return Ok(xlsx_response(xlsx::register(&rows, lease, ctx.lang)?, &name));
    }
    let (from, to) = (month.first_day(), month.last_day());
    let changes = rows.iter().filter(|t| (t.start_date >= from && t.start_date <= to) || t.end_date.is_some_and(|e| e >= from && e <= to)).count();
    Ok(render(&RegisterPage { ctx, lease, kind, project_id, month: month.to_string(), rows, month_error, changes }))
}

/// ORG-4: `GET /archive/export?project_id=&year=` — all archives of a project as one workbook.
pub async fn archive_export(State(state): State<AppState>, ctx: Ctx, Query(m): Query<HashMap<String, String>>) -> AppResult<Response> {
    ctx.require(Permission::ViewRegisters)?;
    let project_id =
        m.get("project_id").and_then(|v| v.parse::<i64>().ok()).or(ctx.project_id).or_else(|| ctx.projects.first().map(|p| p.id)).ok_or(AppError::NotFound)?;
    if !ctx.actor.sees_project(project_id) {
        return Err(AppError::NotFound);
    }
    let year: i32 = m.get("year").and_then(|y| y.parse().ok()).filter(|y| (1900..=2999).contains(y)).unwrap_or_else(|| chrono::Datelike::year(&today()));
    let (from, to) = (Month { year, month: 1 }.first_day(), Month { year, month: 12 }.last_day());
    let mut c = state.db.read().await?;
    let on = to.min(today());
    let units = org::all_units(&mut c, &ctx.actor, project_id, on).await?;
    let parties = org::all_parties(&mut c, &ctx.actor, project_id).await?;
    let contacts = org::all_contacts(&mut c, &ctx.actor, project_id).await?;
    let owners = org::register(&mut c, &ctx.actor, TenureKind::Ownership, project_id, from, to).await?;
    let leases = org::register(&mut c, &ctx.actor, TenureKind::Lease, project_id, from, to).await?;
    let bytes = xlsx::archive(&units, &parties, &contacts, &owners, &leases, ctx.lang)?;
    Ok(xlsx_response(bytes, &format!("{}-档案-{year}.xlsx", ctx.project_name(&project_id))))
}
