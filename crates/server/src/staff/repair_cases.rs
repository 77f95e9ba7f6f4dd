//! REP-13 pages: the repair case library (维修案例库), a tab next to the complaint case
//! library (filter, search, page, Excel, print), one case (printable), and writing a case from
//! a closed work order (linked from the order's page). Handlers parse and call
//! `ops::repair_case`.

use super::{Errs, Pager, fmt_time, opt_id, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::repair_case::{self as ops, RepairCaseInput};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::work_order::RepairCategory;
use propdesk_store::Page;
use propdesk_store::models::repair_case::{self as store, Filter, RepairCaseRow};
use propdesk_store::models::work_order::{self as orders, WorkOrderRow};
use std::collections::HashMap;

type Q = Query<HashMap<String, String>>;

fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/repair-cases", get(library)).route("/repair-cases/{id}", get(case_page)).route("/work-orders/{id}/case", get(new_form).post(create))
}

// ---------- the library ----------

#[derive(Template)]
#[template(path = "staff/repair_cases.html")]
struct LibraryPage {
    ctx: Ctx,
    cases: Vec<RepairCaseRow>,
    pager: Pager,
    categories: &'static [RepairCategory],
    f_project: Option<i64>,
    f_category: String,
    f_q: String,
    export: String,
}

impl LibraryPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

fn export(ctx: &Ctx, rows: &[RepairCaseRow]) -> AppResult<Vec<u8>> {
    let en = ctx.en();
    let headers: Vec<&str> =
        ["标题", "维修类别", "所属项目", "工单编号", "问题描述", "原因分析", "处理方法", "设计方面", "施工方面", "营销方面", "编写人", "编写时间"]
            .iter()
            .map(|h| ctx.t(h))
            .collect();
    let data = rows.iter().map(|r| {
        vec![
            r.title.clone(),
            r.category.label(en).to_string(),
            ctx.project_name(&r.project_id).to_string(),
            r.work_order_number.clone(),
            r.problem.clone(),
            r.cause.clone(),
            r.handling.clone(),
            r.lesson_design.clone(),
            r.lesson_construction.clone(),
            r.lesson_sales.clone(),
            r.written_by_name.clone(),
            fmt_time(&r.created_at),
        ]
    });
    Ok(xlsx::sheet(ctx.t("维修案例库"), &headers, data)?)
}

/// `GET /repair-cases?q=&project_id=&category=`: REP-13 cases, newest first.
pub async fn library(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let f = Filter {
        project_id: opt_id(q(&m, "project_id")).filter(|p| ctx.actor.sees_project(*p)),
        category: RepairCategory::parse(q(&m, "category")).ok(),
        q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()),
    };
    let query = vec![
        ("project_id", f.project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("category", f.category.map(|k| k.code().to_string()).unwrap_or_default()),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        return Ok(xlsx_response(export(&ctx, &all.items)?, "维修案例库.xlsx"));
    }
    let list = store::list(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 20)).await?;
    let pager = Pager::new(&list, "/repair-cases", &query);
    Ok(render(&LibraryPage {
        export: format!("/repair-cases?{}&format=xlsx", query_string(&query)),
        cases: list.items,
        pager,
        categories: RepairCategory::ALL,
        f_project: f.project_id,
        f_category: f.category.map(|k| k.code().to_string()).unwrap_or_default(),
        f_q: f.q.unwrap_or_default(),
        ctx,
    }))
}

// ---------- one case ----------

#[derive(Template)]
#[template(path = "staff/repair_case.html")]
struct CasePage {
    ctx: Ctx,
    k: RepairCaseRow,
}

pub async fn case_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let k = store::get(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    Ok(render(&CasePage { ctx, k }))
}

// ---------- writing a case from a closed work order ----------

#[derive(Template)]
#[template(path = "staff/repair_case_form.html")]
struct FormPage {
    ctx: Ctx,
    w: WorkOrderRow,
    v: FormData,
    errs: Errs,
    categories: &'static [RepairCategory],
}

/// The order's own words as a starting point: its content is the problem, its cause note the
/// cause, its plan and result the handling.
fn draft(w: &WorkOrderRow) -> FormData {
    let title: String = w.content.chars().take(40).collect();
    let handling = [w.plan.as_str(), w.result.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("\n");
    FormData(vec![
        ("title".into(), title),
        ("category".into(), w.category.code().into()),
        ("problem".into(), w.content.clone()),
        ("cause".into(), w.cause_note.clone()),
        ("handling".into(), handling),
    ])
}

async fn load_order(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<WorkOrderRow> {
    let mut c = state.db.read().await?;
    let w = orders::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    if let Some(k) = store::for_work_order(&mut c, &ctx.actor, id).await? {
        return Err(AppError::Conflict(format!("该工单已有维修案例：{}（/repair-cases/{}）", k.title, k.id)));
    }
    if !w.status.may_write_case() {
        return Err(AppError::Conflict(format!("只有已关闭的工单可以编写维修案例（当前：{}）", w.status.label(ctx.en()))));
    }
    Ok(w)
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.require(Permission::WriteRepairCases)?;
    let w = load_order(&state, &ctx, id).await?;
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&FormPage { v: draft(&w), w, errs, categories: RepairCategory::ALL, ctx }))
}

fn input_of(f: &FormData) -> RepairCaseInput {
    RepairCaseInput {
        title: f.get("title").into(),
        category: f.get("category").into(),
        problem: f.get("problem").into(),
        cause: f.get("cause").into(),
        handling: f.get("handling").into(),
        lesson_design: f.get("lesson_design").into(),
        lesson_construction: f.get("lesson_construction").into(),
        lesson_sales: f.get("lesson_sales").into(),
    }
}

pub async fn create(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    match ops::create(&state.db, &ctx.actor, id, &input_of(&form)).await {
        Ok(case_id) => Ok(saved(&format!("/repair-cases/{case_id}"))),
        Err(AppError::Invalid(errs)) => {
            let w = load_order(&state, &ctx, id).await?;
            let errs = Errs::new(errs, ctx.lang);
            Ok(render_invalid(&FormPage { v: form, w, errs, categories: RepairCategory::ALL, ctx }))
        }
        Err(e) => Err(e),
    }
}
