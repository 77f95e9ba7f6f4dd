//! REP-12 pages: a paid repair's fee forms (posted from the work-order page), the list of paid
//! repairs awaiting collection or hand-over (filters, paging, Excel, print), and the A4 receipt
//! (维修收费收据). Handlers parse and call `ops::paid_repair`.

use super::{Errs, Pager, fmt_time, opt_id, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::paid_repair::{self as ops, FeeInput};
use crate::staff::claims::yuan;
use crate::staff::work_orders::{conflict_page, record_page};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::paid_repair::{FeeStatus, PayMethod, amount_in_words};
use propdesk_store::Page;
use propdesk_store::models::org::{self, Project};
use propdesk_store::models::paid_repair::{self as store, Awaiting, FeeLineRow, FeeRow, Filter, PaidRepairRow};
use propdesk_store::models::work_order::{self as orders, WorkOrderRow};
use std::collections::HashMap;

type Q = Query<HashMap<String, String>>;

fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/paid-repairs", get(list)).route("/work-orders/{id}/fee", post(fee)).route("/work-orders/{id}/receipt", get(receipt))
}

/// `POST /work-orders/{id}/fee`: one fee step from the work-order page.
pub async fn fee(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("fee_version").trim().parse::<i64>().unwrap_or(-1);
    let input = FeeInput {
        action: form.get("action").into(),
        kind: form.get("kind").into(),
        description: form.get("description").into(),
        quantity: form.get("quantity").into(),
        unit_price: form.get("unit_price").into(),
        line_id: form.get("line_id").into(),
        agreed_by: form.get("agreed_by").into(),
        amount: form.get("amount").into(),
        method: form.get("method").into(),
        reference: form.get("reference").into(),
    };
    let done = async {
        let op = input.parse()?;
        ops::act(&state.db, &ctx.actor, id, Some(version), &op).await
    };
    match done.await {
        Ok(()) => Ok(saved(&format!("/work-orders/{id}#fee"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&record_page(&state, ctx, id, form, errs).await?))
        }
        Err(AppError::Conflict(message)) => Ok(conflict_page(ctx, id, message)),
        Err(e) => Err(e),
    }
}

fn fee_label(code: &Option<String>, en: bool) -> &'static str {
    code.as_deref().and_then(|c| FeeStatus::parse(c).ok()).unwrap_or(FeeStatus::Quoting).label(en)
}

fn method_label(code: &Option<String>, en: bool) -> &'static str {
    code.as_deref().and_then(|c| PayMethod::parse(c).ok()).map(|m| m.label(en)).unwrap_or("")
}

fn money(v: &Option<i64>) -> String {
    v.as_ref().map(yuan).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "staff/paid_repairs.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<PaidRepairRow>,
    pager: Pager,
    f_project: Option<i64>,
    f_awaiting: String,
    f_q: String,
    export: String,
}

impl ListPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
    fn fee(&self, r: &PaidRepairRow) -> &'static str {
        fee_label(&r.fee_status, self.ctx.en())
    }
    fn method(&self, r: &PaidRepairRow) -> &'static str {
        method_label(&r.method, self.ctx.en())
    }
    fn money(&self, v: &Option<i64>) -> String {
        money(v)
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let project_id = match m.get("project_id") {
        Some(v) => opt_id(v).filter(|id| ctx.actor.sees_project(*id)),
        None => ctx.project_id,
    };
    let awaiting = match q(&m, "awaiting") {
        "collection" => Awaiting::Collection,
        "hand_over" => Awaiting::HandOver,
        _ => Awaiting::Any,
    };
    let f = Filter { project_id, awaiting, q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()) };
    let f_awaiting = match awaiting {
        Awaiting::Collection => "collection",
        Awaiting::HandOver => "hand_over",
        Awaiting::Any => "",
    };
    let query = vec![
        ("project_id", f.project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("awaiting", f_awaiting.to_string()),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        return Ok(xlsx_response(export(&ctx, &all.items)?, "有偿维修清单.xlsx"));
    }
    let list = store::list(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 50)).await?;
    let pager = Pager::new(&list, "/paid-repairs", &query);
    Ok(render(&ListPage {
        export: format!("/paid-repairs?{}&format=xlsx", query_string(&query)),
        rows: list.items,
        pager,
        f_project: f.project_id,
        f_awaiting: f_awaiting.to_string(),
        f_q: f.q.unwrap_or_default(),
        ctx,
    }))
}

fn export(ctx: &Ctx, rows: &[PaidRepairRow]) -> AppResult<Vec<u8>> {
    let en = ctx.en();
    let headers: Vec<&str> = [
        "工单编号",
        "所属项目",
        "业主",
        "位置",
        "工单状态",
        "费用状态",
        "报价合计（元）",
        "实收（元）",
        "收费方式",
        "凭证号",
        "收据编号",
        "收费时间",
        "收费人",
        "移交时间",
        "接收人",
    ]
    .iter()
    .map(|h| ctx.t(h))
    .collect();
    let data = rows.iter().map(|r| {
        vec![
            r.number.clone(),
            ctx.project_name(&r.project_id).to_string(),
            r.owner_name.clone(),
            r.location.clone(),
            r.order_status.label(en).to_string(),
            fee_label(&r.fee_status, en).to_string(),
            money(&r.total),
            money(&r.amount),
            method_label(&r.method, en).to_string(),
            r.reference.clone().unwrap_or_default(),
            r.receipt_no.clone().unwrap_or_default(),
            r.collected_at.as_ref().map(fmt_time).unwrap_or_default(),
            r.collected_by_name.clone().unwrap_or_default(),
            r.handed_over_at.as_ref().map(fmt_time).unwrap_or_default(),
            r.handed_over_to_name.clone().unwrap_or_default(),
        ]
    });
    Ok(xlsx::sheet(ctx.t("有偿维修"), &headers, data)?)
}

#[derive(Template)]
#[template(path = "print/repair_receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    w: WorkOrderRow,
    project: Project,
    fee: FeeRow,
    lines: Vec<FeeLineRow>,
    amount: String,
    words: String,
    method: &'static str,
    collected_at: String,
    printed_at: String,
}

/// The A4 receipt of a collected fee (维修收费收据), numbered per project.
pub async fn receipt(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let w = orders::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let project = org::project(&mut c, &ctx.actor, w.project_id).await?.ok_or(AppError::NotFound)?;
    let (fee, lines) = ops::load(&mut c, &w).await?;
    // No receipt before the money is in.
    let Some(fee) = fee.filter(|f| f.receipt_no.is_some()) else { return Err(AppError::NotFound) };
    let amount = fee.amount.unwrap_or_default();
    Ok(render(&ReceiptPage {
        amount: yuan(&amount),
        words: amount_in_words(amount),
        method: method_label(&fee.method, ctx.en()),
        collected_at: fee.collected_at.as_ref().map(fmt_time).unwrap_or_default(),
        printed_at: fmt_time(&Utc::now()),
        w,
        project,
        fee,
        lines,
        ctx,
    }))
}
