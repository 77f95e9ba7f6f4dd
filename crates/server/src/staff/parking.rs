//! FEE-9 pages: parking spaces (state today, filters, paging, Excel, print), a space with its
//! rentals and the rental form, and the monthly check list (月度车位核对: open a month, record
//! what was seen, mismatches listed, A4 print and Excel). Writes go through `ops::parking`.

use super::{Errs, Pager, Q, opt_id, q, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::org::today;
use crate::ops::parking::{self as ops, ObservationInput, RentalInput, SaleInput, SpaceInput};
use crate::staff::fees::{project_of, yuan};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::billing::{SpaceKind, SpaceState};
use propdesk_domain::values::Month;
use propdesk_store::models::parking::{self as store, CheckLineRow, CheckRow, RentalRow, SpaceFilter, SpaceRow};
use propdesk_store::{Page, Paged};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fees/parking", get(list).post(create_space))
        .route("/fees/parking/new", get(new_space))
        .route("/fees/parking/{id}", get(space_page))
        .route("/fees/parking/{id}/rentals", post(create_rental))
        .route("/fees/parking/{id}/sale", post(sell_space))
        .route("/fees/parking/rentals/{id}/cancel", post(cancel_rental))
        .route("/fees/parking/checks", get(checks).post(create_check))
        .route("/fees/parking/checks/{id}", get(check_page).post(observe))
        .route("/fees/parking/checks/{id}/print", get(check_print))
}

type SpaceLine = (SpaceRow, SpaceState, Option<RentalRow>);

// ---------- the spaces ----------

#[derive(Template)]
#[template(path = "staff/parking.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<SpaceLine>,
    counts: Vec<(SpaceState, usize)>,
    pager: Pager,
    project_id: i64,
    f_state: String,
    f_q: String,
    export: String,
    print: String,
    can_edit: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let project_id = project_of(&ctx, q(&m, "project_id"));
    let f = SpaceFilter { project_id, q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()) };
    let wanted = SpaceState::parse(q(&m, "state")).ok();
    let mut c = state.db.read().await?;
    let all = ops::spaces_with_state(&mut c, &ctx.actor, &f, today()).await?;
    let counts = SpaceState::ALL.iter().map(|s| (*s, all.iter().filter(|x| x.1 == *s).count())).collect();
    let rows: Vec<SpaceLine> = all.into_iter().filter(|x| wanted.is_none_or(|w| x.1 == w)).collect();
    let query = vec![
        ("project_id", project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("state", wanted.map(|s| s.code().to_string()).unwrap_or_default()),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    if q(&m, "format") == "xlsx" {
        let headers: Vec<&str> =
            ["车位编号", "位置", "楼层", "类型", "状态", "业主/租户", "车牌号", "月租（元）", "租用起止"].iter().map(|h| ctx.t(h)).collect();
        let data = rows.iter().map(|(s, st, r)| {
            vec![
                s.code.clone(),
                s.location.clone(),
                s.level.clone(),
                s.kind.label(ctx.en()).to_string(),
                st.label(ctx.en()).to_string(),
                r.as_ref().map(|r| r.renter_name.clone()).or_else(|| s.sold_to_name.clone()).unwrap_or_default(),
                r.as_ref().map(|r| r.plate_no.clone()).unwrap_or_default(),
                r.as_ref().map(|r| yuan(r.monthly_fee)).unwrap_or_default(),
                r.as_ref().map(rental_dates).unwrap_or_default(),
            ]
        });
        let bytes = xlsx::sheet(ctx.t("车位台账"), &headers, data)?;
        return Ok(xlsx_response(bytes, "车位台账.xlsx"));
    }
    let size = if q(&m, "print") == "1" { 500 } else { 50 };
    let page = Page::new(q(&m, "page").parse().unwrap_or(1), size);
    let total = rows.len() as i64;
    let items: Vec<SpaceLine> = rows.into_iter().skip(page.offset() as usize).take(page.size as usize).collect();
    let paged = Paged { items, total, page };
    let pager = Pager::new(&paged, "/fees/parking", &query);
    Ok(render(&ListPage {
        export: format!("/fees/parking?{}&format=xlsx", query_string(&query)),
        print: format!("/fees/parking?{}&print=1", query_string(&query)),
        rows: paged.items,
        counts,
        pager,
        project_id: project_id.unwrap_or(0),
        f_state: wanted.map(|s| s.code().to_string()).unwrap_or_default(),
        f_q: f.q.unwrap_or_default(),
        can_edit: ctx.actor.can(Permission::ManageFees),
        ctx,
    }))
}

pub fn rental_dates(r: &RentalRow) -> String {
    format!("{} ~ {}", r.start_date, r.end_date.map(|d| d.to_string()).unwrap_or_default())
}

#[derive(Template)]
#[template(path = "staff/parking_space_form.html")]
struct SpaceForm {
    ctx: Ctx,
    v: FormData,
    errs: Errs,
    kinds: &'static [SpaceKind],
}

pub async fn new_space(ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ManageFees)?;
    let project = project_of(&ctx, q(&m, "project_id")).unwrap_or(0);
    let v = FormData(vec![("project_id".into(), project.to_string()), ("kind".into(), "standard".into())]);
    Ok(render(&SpaceForm { errs: Errs::new(FieldErrors::new(), ctx.lang), ctx, v, kinds: SpaceKind::ALL }))
}

pub async fn create_space(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = SpaceInput {
        project_id: form.get("project_id").into(),
        code: form.get("code").into(),
        location: form.get("location").into(),
        level: form.get("level").into(),
        kind: form.get("kind").into(),
        sold_to: form.get("sold_to").into(),
        sold_on: form.get("sold_on").into(),
        note: form.get("note").into(),
    };
    match ops::create_space(&state.db, &ctx.actor, &input).await {
        Ok(id) => Ok(saved(&format!("/fees/parking/{id}"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&SpaceForm { errs: Errs::new(e, ctx.lang), ctx, v: form, kinds: SpaceKind::ALL })),
        Err(e) => Err(e),
    }
}

// ---------- a space and its rentals ----------

#[derive(Template)]
#[template(path = "staff/parking_space.html")]
struct SpacePage {
    ctx: Ctx,
    s: SpaceRow,
    state: SpaceState,
    rentals: Vec<RentalRow>,
    v: FormData,
    errs: Errs,
    can_edit: bool,
}

async fn space_view(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<SpacePage> {
    ctx.require(Permission::ViewFees)?;
    let mut c = state.db.read().await?;
    let s = store::space(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let rentals = store::rentals(&mut c, &ctx.actor, None, Some(id), None).await?;
    let periods: Vec<_> = rentals.iter().filter(|r| !r.cancelled()).map(|r| r.period()).collect();
    let state_now = propdesk_domain::billing::space_state(s.sold_to.is_some(), &periods, today());
    Ok(SpacePage { can_edit: ctx.actor.can(Permission::ManageFees), ctx, s, state: state_now, rentals, v, errs })
}

pub async fn space_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&space_view(&state, ctx, id, FormData(Vec::new()), errs).await?))
}

pub async fn create_rental(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = RentalInput {
        renter_id: form.get("renter_id").into(),
        unit_id: form.get("unit_id").into(),
        plate_no: form.get("plate_no").into(),
        start_date: form.get("start_date").into(),
        end_date: form.get("end_date").into(),
        monthly_fee: form.get("monthly_fee").into(),
    };
    match ops::create_rental(&state.db, &ctx.actor, id, &input).await {
        Ok(_) => Ok(saved(&format!("/fees/parking/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&space_view(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn sell_space(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    let input = SaleInput { sold_to: form.get("sold_to").into(), sold_on: form.get("sold_on").into() };
    match ops::sell_space(&state.db, &ctx.actor, id, version, &input).await {
        Ok(()) => Ok(saved(&format!("/fees/parking/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&space_view(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn cancel_rental(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, .. }: StaffForm) -> AppResult<Response> {
    let space = ops::cancel_rental(&state.db, &ctx.actor, id).await?;
    Ok(saved(&format!("/fees/parking/{space}")))
}

// ---------- the monthly check ----------

#[derive(Template)]
#[template(path = "staff/parking_checks.html")]
struct ChecksPage {
    ctx: Ctx,
    rows: Vec<CheckRow>,
    project_id: i64,
    month: String,
    errs: Errs,
    can_edit: bool,
}

async fn checks_view(state: &AppState, ctx: Ctx, project: &str, month: String, errs: Errs) -> AppResult<ChecksPage> {
    ctx.require(Permission::ViewFees)?;
    let project_id = project_of(&ctx, project);
    let mut c = state.db.read().await?;
    let rows = store::checks(&mut c, &ctx.actor, project_id).await?;
    Ok(ChecksPage { can_edit: ctx.actor.can(Permission::ManageFees), ctx, rows, project_id: project_id.unwrap_or(0), month, errs })
}

pub async fn checks(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&checks_view(&state, ctx, q(&m, "project_id"), Month::of(today()).to_string(), errs).await?))
}

pub async fn create_check(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = opt_id(form.get("project_id")).unwrap_or(0);
    match ops::create_check(&state.db, &ctx.actor, project_id, form.get("month")).await {
        Ok(id) => Ok(saved(&format!("/fees/parking/checks/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&checks_view(&state, ctx, form.get("project_id"), form.get("month").to_string(), errs).await?))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/parking_check.html")]
struct CheckPage {
    ctx: Ctx,
    c: CheckRow,
    lines: Vec<CheckLineRow>,
    mismatches: usize,
    unchecked: usize,
    only_mismatches: bool,
    states: &'static [SpaceState],
    errs: Errs,
    err_line: i64,
    can_edit: bool,
}

impl CheckPage {
    /// The choice a line's form starts on: what was seen, else what the register says.
    fn preselect(&self, l: &CheckLineRow, s: &SpaceState) -> bool {
        l.observed().unwrap_or(l.register_state) == *s
    }
    fn observed_label(&self, l: &CheckLineRow) -> &'static str {
        l.observed().map(|s| s.label(self.ctx.en())).unwrap_or("")
    }
}

async fn check_view(state: &AppState, ctx: Ctx, id: i64, only_mismatches: bool, errs: Errs, err_line: i64) -> AppResult<CheckPage> {
    ctx.require(Permission::ViewFees)?;
    let mut c = state.db.read().await?;
    let check = store::check(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let all = store::check_lines(&mut c, id, false).await?;
    let mismatches = all.iter().filter(|l| l.mismatch).count();
    let unchecked = all.iter().filter(|l| l.observed_state.is_none()).count();
    let lines = if only_mismatches { all.into_iter().filter(|l| l.mismatch).collect() } else { all };
    Ok(CheckPage {
        can_edit: ctx.actor.can(Permission::ManageFees),
        ctx,
        c: check,
        lines,
        mismatches,
        unchecked,
        only_mismatches,
        states: SpaceState::ALL,
        errs,
        err_line,
    })
}

pub async fn check_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(m): Q) -> AppResult<Response> {
    let only = q(&m, "mismatches") == "1";
    if q(&m, "format") == "xlsx" {
        let page = check_view(&state, ctx, id, only, Errs::default(), 0).await?;
        let ctx = &page.ctx;
        let headers: Vec<&str> =
            ["车位编号", "位置", "楼层", "台账状态", "核对结果", "所见车牌", "是否相符", "说明", "核对人", "核对时间"].iter().map(|h| ctx.t(h)).collect();
        let data = page.lines.iter().map(|l| {
            vec![
                l.space_code.clone(),
                l.location.clone(),
                l.level.clone(),
                l.register_state.label(ctx.en()).to_string(),
                page.observed_label(l).to_string(),
                l.plate_seen.clone(),
                if l.observed_state.is_none() {
                    ctx.t("未核对").to_string()
                } else if l.mismatch {
                    ctx.t("不符").to_string()
                } else {
                    ctx.t("相符").to_string()
                },
                l.note.clone(),
                l.checked_by_name.clone().unwrap_or_default(),
                l.checked_at.as_ref().map(super::fmt_time).unwrap_or_default(),
            ]
        });
        let bytes = xlsx::sheet(ctx.t("月度车位核对"), &headers, data)?;
        return Ok(xlsx_response(bytes, &format!("月度车位核对-{}.xlsx", page.c.month)));
    }
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&check_view(&state, ctx, id, only, errs, 0).await?))
}

pub async fn observe(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = ObservationInput {
        line_id: form.get("line_id").into(),
        observed: form.get("observed").into(),
        plate_seen: form.get("plate_seen").into(),
        note: form.get("note").into(),
    };
    match ops::record_observation(&state.db, &ctx.actor, id, &input).await {
        Ok(_) => Ok(saved(&format!("/fees/parking/checks/{id}#line-{}", input.line_id.trim()))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let line = opt_id(&input.line_id).unwrap_or(0);
            Ok(render_invalid(&check_view(&state, ctx, id, false, errs, line).await?))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "print/parking_check.html")]
struct CheckPrint {
    page: CheckPage,
    project_name: String,
}

pub async fn check_print(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let page = check_view(&state, ctx, id, false, Errs::default(), 0).await?;
    let project_name = page.ctx.projects.iter().find(|p| p.id == page.c.project_id).map(|p| p.name.clone()).unwrap_or_default();
    Ok(render(&CheckPrint { page, project_name }))
}
