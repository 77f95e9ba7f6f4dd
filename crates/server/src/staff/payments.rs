//! FEE-4 pages: take a payment against a payer's unpaid lines (from the ledger), the receipt
//! (screen and A4 print), the invoice hand-off, the payments list with Excel, and the month's
//! sign-off with finance. Writes go through `ops::payment` like the API.

use super::fees::yuan;
use super::{Errs, Pager, fmt_time, opt_id, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::org::today;
use crate::ops::payment::{self as ops, MonthTotals, PaymentInput};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::billing::PaymentMethod;
use propdesk_domain::values::Month;
use propdesk_store::Page;
use propdesk_store::models::fee::{LedgerFilter, LedgerRow, LineState, ledger};
use propdesk_store::models::payment::{self as store, AllocationRow, Filter, MonthRow, PaymentRow};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fees/payments", get(list).post(create))
        .route("/fees/payments/new", get(new_form))
        .route("/fees/payments/month", post(sign_month))
        .route("/fees/payments/{id}", get(detail))
        .route("/fees/payments/{id}/receipt", get(receipt))
        .route("/fees/payments/{id}/invoice", post(invoice))
}

type Q = Query<HashMap<String, String>>;

fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

fn project_of(ctx: &Ctx, asked: &str) -> i64 {
    opt_id(asked).filter(|p| ctx.actor.sees_project(*p)).or(ctx.project_id).or_else(|| ctx.projects.first().map(|p| p.id)).unwrap_or(0)
}

// ---------- list and month sign-off ----------

#[derive(Template)]
#[template(path = "staff/payments.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<PaymentRow>,
    pager: Pager,
    amount: i64,
    project_id: i64,
    methods: &'static [PaymentMethod],
    f_month: String,
    f_method: String,
    f_q: String,
    export: String,
    month_totals: Option<MonthTotals>,
    month_row: Option<MonthRow>,
    can_sign: bool,
    can_collect: bool,
    errs: Errs,
}

impl ListPage {
    fn signed_at(&self, r: &MonthRow) -> String {
        fmt_time(&r.signed_at)
    }
}

async fn list_page(state: &AppState, ctx: Ctx, m: &HashMap<String, String>, errs: Errs) -> AppResult<Result<ListPage, Response>> {
    ctx.require(Permission::ViewFees)?;
    let project_id = project_of(&ctx, q(m, "project_id"));
    let month = Month::parse(q(m, "month")).ok();
    let f = Filter {
        project_id: Some(project_id),
        from: month.map(Month::first_day),
        to: month.map(Month::last_day),
        method: PaymentMethod::parse(q(m, "method")).ok(),
        payer_id: opt_id(q(m, "payer_id")),
        q: Some(q(m, "q").trim().to_string()).filter(|s| !s.is_empty()),
        unit_id: opt_id(q(m, "unit_id")),
    };
    let query = vec![
        ("project_id", project_id.to_string()),
        ("month", month.map(|m| m.to_string()).unwrap_or_default()),
        ("method", f.method.map(|m| m.code().to_string()).unwrap_or_default()),
        ("payer_id", f.payer_id.map(|p| p.to_string()).unwrap_or_default()),
        ("q", f.q.clone().unwrap_or_default()),
        ("unit_id", f.unit_id.map(|u| u.to_string()).unwrap_or_default()),
    ];
    let mut c = state.db.read().await?;
    if q(m, "format") == "xlsx" {
        let (all, amount) = store::list(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        let headers: Vec<&str> =
            ["收据号", "缴费日期", "缴费人", "金额（元）", "其中预存（元）", "缴费方式", "交易流水号", "收款人", "已换发票"].iter().map(|h| ctx.t(h)).collect();
        let en = ctx.en();
        let mut data: Vec<Vec<String>> = all
            .items
            .iter()
            .map(|r| {
                vec![
                    r.receipt_no.clone(),
                    r.paid_on.to_string(),
                    r.payer_name.clone(),
                    yuan(r.amount),
                    yuan(r.prepaid),
                    r.method.label(en).to_string(),
                    r.reference.clone(),
                    r.received_by_name.clone(),
                    if r.invoice_requested_at.is_some() { "✓".into() } else { String::new() },
                ]
            })
            .collect();
        data.push(vec![
            ctx.t("合计").into(),
            String::new(),
            String::new(),
            yuan(amount),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        let bytes = xlsx::sheet(ctx.t("收款记录"), &headers, data.into_iter())?;
        return Ok(Err(xlsx_response(bytes, "收款记录.xlsx")));
    }
    let (list, amount) = store::list(&mut c, &ctx.actor, &f, Page::new(q(m, "page").parse().unwrap_or(1), 50)).await?;
    let (month_totals, month_row) = match month {
        Some(mo) => (
            Some(ops::month_totals(&mut c, &ctx.actor, project_id, mo).await?),
            store::month_reconciliation(&mut c, &ctx.actor, project_id, &mo.to_string()).await?,
        ),
        None => (None, None),
    };
    let pager = Pager::new(&list, "/fees/payments", &query);
    Ok(Ok(ListPage {
        export: format!("/fees/payments?{}&format=xlsx", query_string(&query)),
        rows: list.items,
        pager,
        amount,
        project_id,
        methods: PaymentMethod::ALL,
        f_month: query[1].1.clone(),
        f_method: query[2].1.clone(),
        f_q: f.q.unwrap_or_default(),
        month_totals,
        month_row,
        can_sign: ctx.actor.can(Permission::ReconcileFees) && month.is_some_and(|mo| mo < Month::of(today())),
        can_collect: ctx.actor.can(Permission::CollectFees),
        errs,
        ctx,
    }))
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(match list_page(&state, ctx, &m, errs).await? {
        Ok(page) => render(&page),
        Err(download) => download,
    })
}

pub async fn sign_month(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = opt_id(form.get("project_id")).unwrap_or(0);
    match ops::reconcile_month(&state.db, &ctx.actor, project_id, form.get("month"), form.get("note")).await {
        Ok(_) => Ok(saved(&format!("/fees/payments?project_id={project_id}&month={}", form.get("month").trim()))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let m: HashMap<String, String> =
                [("project_id", project_id.to_string()), ("month", form.get("month").to_string())].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            match list_page(&state, ctx, &m, errs).await? {
                Ok(page) => Ok(render_invalid(&page)),
                Err(r) => Ok(r),
            }
        }
        Err(e) => Err(e),
    }
}

// ---------- taking a payment ----------

#[derive(Template)]
#[template(path = "staff/payment_form.html")]
struct FormPage {
    ctx: Ctx,
    v: FormData,
    errs: Errs,
    lines: Vec<LedgerRow>,
    owed: i64,
    methods: &'static [PaymentMethod],
    payer_name: String,
}

async fn form_page(state: &AppState, ctx: Ctx, v: FormData, errs: Errs) -> AppResult<FormPage> {
    ctx.require(Permission::CollectFees)?;
    let project_id = project_of(&ctx, v.get("project_id"));
    let payer_id = opt_id(v.get("payer_id"));
    let mut c = state.db.read().await?;
    let lines = match payer_id {
        Some(p) => {
            let f = LedgerFilter {
                project_id: Some(project_id),
                payer_id: Some(p),
                unit_id: opt_id(v.get("unit_id")),
                state: Some(LineState::Open),
                ..Default::default()
            };
            ledger(&mut c, &ctx.actor, &f, Page::new(1, 200)).await?.0.items
        }
        None => Vec::new(),
    };
    let payer_name = match payer_id {
        Some(p) => propdesk_store::models::org::party(&mut c, &ctx.actor, p).await?.map(|p| p.name).unwrap_or_default(),
        None => String::new(),
    };
    let owed = lines.iter().map(LedgerRow::balance).sum();
    Ok(FormPage { ctx, v, errs, lines, owed, methods: PaymentMethod::ALL, payer_name })
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let project_id = project_of(&ctx, q(&m, "project_id"));
    let mut v = FormData(vec![
        ("project_id".into(), project_id.to_string()),
        ("payer_id".into(), q(&m, "payer_id").to_string()),
        ("unit_id".into(), q(&m, "unit_id").to_string()),
        ("method".into(), "cash".into()),
        ("paid_on".into(), today().to_string()),
    ]);
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    let mut page = form_page(&state, ctx, v.clone(), errs).await?;
    // The whole amount owed is the usual payment.
    v.0.push(("amount".into(), if page.owed > 0 { yuan(page.owed) } else { String::new() }));
    page.v = v;
    Ok(render(&page))
}

fn input_of(f: &FormData) -> PaymentInput {
    PaymentInput {
        project_id: f.get("project_id").into(),
        payer_id: f.get("payer_id").into(),
        unit_id: f.get("unit_id").into(),
        amount: f.get("amount").into(),
        method: f.get("method").into(),
        reference: f.get("reference").into(),
        paid_on: f.get("paid_on").into(),
        note: f.get("note").into(),
        prepay: f.get("prepay") == "1",
    }
}

pub async fn create(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    match ops::record(&state.db, &ctx.actor, &input_of(&form)).await {
        Ok(id) => Ok(saved(&format!("/fees/payments/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&form_page(&state, ctx, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- the receipt ----------

#[derive(Template)]
#[template(path = "staff/payment.html")]
struct DetailPage {
    ctx: Ctx,
    p: PaymentRow,
    allocations: Vec<AllocationRow>,
    can_collect: bool,
}

impl DetailPage {
    fn requested_at(&self) -> String {
        self.p.invoice_requested_at.as_ref().map(fmt_time).unwrap_or_default()
    }
}

async fn load(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(PaymentRow, Vec<AllocationRow>)> {
    ctx.require(Permission::ViewFees)?;
    let mut c = state.db.read().await?;
    let p = store::get(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let allocations = store::allocations(&mut c, id).await?;
    Ok((p, allocations))
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (p, allocations) = load(&state, &ctx, id).await?;
    Ok(render(&DetailPage { can_collect: ctx.actor.can(Permission::CollectFees), ctx, p, allocations }))
}

#[derive(Template)]
#[template(path = "print/receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    p: PaymentRow,
    allocations: Vec<AllocationRow>,
    printed_at: String,
}

pub async fn receipt(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (p, allocations) = load(&state, &ctx, id).await?;
    Ok(render(&ReceiptPage { ctx, p, allocations, printed_at: fmt_time(&Utc::now()) }))
}

pub async fn invoice(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, .. }: StaffForm) -> AppResult<Response> {
    ops::request_invoice(&state.db, &ctx.actor, id).await?;
    Ok(saved(&format!("/fees/payments/{id}")))
}
