//! REP-11 pages under the contractors section: a contractor's accounts in a project
//! (evaluation with its live record, deductions, settlements; Excel of the evaluations), a work
//! order's charges (agreed amount, deductions, temporary labour slips), a settlement statement
//! with its payment requests (Excel), and the four A4 papers — 扣款通知单, 临时用工单, 工程结算表,
//! 请款申请书 — printed through one sheet template. Writes go through `ops::contractor_accounts`
//! like the API.

use super::{Errs, fmt_time, opt_id, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::contractor_accounts::{self as ops, DeductionInput, EvaluationInput, LabourSlipInput, SettlementInput, period_text};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::contractor::{Grade, LabourUnit, Record, centi};
use propdesk_domain::values::format_centi;
use propdesk_store::models::contractor::{self as contractors, ContractorRow};
use propdesk_store::models::contractor_accounts::{
    self as store, DeductionFilter, DeductionRow, EvaluationRow, LabourSlipRow, LineRow, PaymentRow, SettlementRow,
};
use propdesk_store::models::work_order::{self as work_orders, WorkOrderRow};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contractors/{id}/accounts", get(accounts))
        .route("/contractors/{id}/evaluations", post(evaluate))
        .route("/contractors/{id}/settlements", post(settle))
        .route("/work-orders/{id}/charges", get(charges))
        .route("/work-orders/{id}/agreed-amount", post(agreed_amount))
        .route("/work-orders/{id}/deductions", post(create_deduction))
        .route("/work-orders/{id}/labour-slips", post(create_slip))
        .route("/deductions/{id}/act", post(deduction_act))
        .route("/deductions/{id}/print", get(print_deduction))
        .route("/labour-slips/{id}/act", post(slip_act))
        .route("/labour-slips/{id}/print", get(print_slip))
        .route("/settlements/{id}", get(settlement))
        .route("/settlements/{id}/print", get(print_settlement))
        .route("/settlements/{id}/payment-requests", post(request_payment))
        .route("/payment-requests/{id}/act", post(payment_act))
        .route("/payment-requests/{id}/print", get(print_payment))
}

type Q = Query<HashMap<String, String>>;

fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

pub fn yuan(fen: &i64) -> String {
    format_centi(*fen)
}

/// The first and last day of the current quarter in China: the default evaluation period.
fn this_quarter() -> (String, String) {
    let today = Utc::now().with_timezone(&crate::ops::TZ).date_naive();
    let first_month = (today.month0() / 3) * 3 + 1;
    let from = today.with_day(1).and_then(|d| d.with_month(first_month)).unwrap_or(today);
    let to = from.checked_add_months(chrono::Months::new(3)).and_then(|d| d.pred_opt()).unwrap_or(today);
    (from.to_string(), to.to_string())
}

// ---------- a contractor's accounts ----------

#[derive(Template)]
#[template(path = "staff/contractor_accounts.html")]
struct AccountsPage {
    ctx: Ctx,
    c: ContractorRow,
    project_id: i64,
    period_from: String,
    period_to: String,
    record: Option<Record>,
    evaluations: Vec<EvaluationRow>,
    deductions: Vec<DeductionRow>,
    settlements: Vec<SettlementRow>,
    grades: &'static [Grade],
    v: FormData,
    errs: Errs,
    can_manage: bool,
    can_settle: bool,
}

impl AccountsPage {
    fn pct(&self, r: &Record) -> String {
        r.on_time_percent().map(|p| format!("{}/{} ({p}%)", r.on_time, r.jobs)).unwrap_or_else(|| "—".into())
    }
    fn avg(&self, v: Option<i64>) -> String {
        centi(v)
    }
    fn suggested(&self, r: &Record) -> &'static str {
        r.suggested_grade().map(|g| g.label(self.ctx.en())).unwrap_or("—")
    }
    fn deduction_actions(&self, d: &DeductionRow) -> Vec<&'static str> {
        if self.can_manage { d.status.allowed(self.ctx.actor.role) } else { Vec::new() }
    }
    fn export(&self) -> String {
        format!("/contractors/{}/accounts?project_id={}&format=xlsx", self.c.id, self.project_id)
    }
}

async fn accounts_page(state: &AppState, ctx: Ctx, id: i64, m: &HashMap<String, String>, v: FormData, errs: Errs) -> AppResult<AccountsPage> {
    let mut c = state.db.read().await?;
    let row = contractors::get(&mut c, ctx.actor.company_id, id).await?.ok_or(AppError::NotFound)?;
    let project_id = opt_id(q(m, "project_id")).or(ctx.project_id).or_else(|| ctx.actor.projects.first().copied()).unwrap_or(0);
    let (qf, qt) = this_quarter();
    let period_from = Some(q(m, "period_from")).filter(|s| !s.is_empty()).map(str::to_string).unwrap_or(qf);
    let period_to = Some(q(m, "period_to")).filter(|s| !s.is_empty()).map(str::to_string).unwrap_or(qt);
    let record = match ops::parse_span(&period_from, &period_to) {
        Ok(span) if ctx.actor.sees_project(project_id) => Some(ops::record(&mut c, &ctx.actor, id, project_id, span).await?),
        _ => None,
    };
    let evaluations = store::evaluations(&mut c, &ctx.actor, id, 100).await?;
    let deductions = store::deductions(&mut c, &ctx.actor, DeductionFilter { contractor_id: Some(id), ..Default::default() }, 200).await?;
    let settlements = store::settlements(&mut c, &ctx.actor, id, 100).await?;
    Ok(AccountsPage {
        can_manage: ctx.actor.can(Permission::ManageContractors),
        can_settle: ctx.actor.can(Permission::SettleContractors),
        ctx,
        c: row,
        project_id,
        period_from,
        period_to,
        record,
        evaluations,
        deductions,
        settlements,
        grades: Grade::ALL,
        v,
        errs,
    })
}

pub async fn accounts(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(m): Q) -> AppResult<Response> {
    if q(&m, "format") == "xlsx" {
        let mut c = state.db.read().await?;
        contractors::get(&mut c, ctx.actor.company_id, id).await?.ok_or(AppError::NotFound)?;
        let rows = store::evaluations(&mut c, &ctx.actor, id, xlsx::MAX_ROWS).await?;
        let headers: Vec<&str> =
            ["所属项目", "评估期间", "完工单数", "按时完工", "回访评价数", "质量", "速度", "态度", "整改次数", "评定等级", "评估意见", "继续合作", "评估人"]
                .iter()
                .map(|h| ctx.t(h))
                .collect();
        let en = ctx.en();
        let data = rows.iter().map(|e| {
            let r = e.record();
            vec![
                e.project_name.clone(),
                period_text(e.period_from, e.period_to),
                r.jobs.to_string(),
                r.on_time.to_string(),
                r.rated.to_string(),
                centi(r.quality_avg()),
                centi(r.speed_avg()),
                centi(r.attitude_avg()),
                r.rectifications.to_string(),
                e.grade.label(en).to_string(),
                e.opinion.clone(),
                if e.keep_approved { "✓".into() } else { "✗".into() },
                e.evaluated_by_name.clone().unwrap_or_default(),
            ]
        });
        let bytes = xlsx::sheet(ctx.t("维修商评估表"), &headers, data)?;
        return Ok(xlsx_response(bytes, "维修商评估表.xlsx"));
    }
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&accounts_page(&state, ctx, id, &m, FormData::default(), errs).await?))
}

/// Shows the accounts page again with the refused form's errors (422), or goes on to `ok`.
async fn accounts_outcome(state: &AppState, ctx: Ctx, id: i64, form: FormData, r: AppResult<String>) -> AppResult<Response> {
    match r {
        Ok(to) => Ok(saved(&to)),
        Err(AppError::Invalid(e)) => {
            let m: HashMap<String, String> = form.0.iter().filter(|(k, _)| k == "project_id").cloned().collect();
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&accounts_page(state, ctx, id, &m, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn evaluate(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = EvaluationInput {
        project_id: form.get("project_id").into(),
        period_from: form.get("period_from").into(),
        period_to: form.get("period_to").into(),
        grade: form.get("grade").into(),
        opinion: form.get("opinion").into(),
        approved: form.get("approved") == "1",
    };
    let r = ops::evaluate(&state.db, &ctx.actor, id, &input).await.map(|_| format!("/contractors/{id}/accounts?project_id={}", input.project_id));
    accounts_outcome(&state, ctx, id, form, r).await
}

pub async fn settle(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = SettlementInput { project_id: form.get("project_id").into(), period_from: form.get("s_from").into(), period_to: form.get("s_to").into() };
    let r = ops::settle(&state.db, &ctx.actor, id, &input).await.map(|sid| format!("/settlements/{sid}"));
    accounts_outcome(&state, ctx, id, form, r).await
}

// ---------- a work order's charges ----------

#[derive(Template)]
#[template(path = "staff/work_order_charges.html")]
struct ChargesPage {
    ctx: Ctx,
    w: WorkOrderRow,
    agreed: Option<i64>,
    settled_in: Option<i64>,
    deductions: Vec<DeductionRow>,
    slips: Vec<LabourSlipRow>,
    units: &'static [LabourUnit],
    v: FormData,
    errs: Errs,
    can_manage: bool,
}

impl ChargesPage {
    fn deduction_actions(&self, d: &DeductionRow) -> Vec<&'static str> {
        if self.can_manage { d.status.allowed(self.ctx.actor.role) } else { Vec::new() }
    }
    fn slip_actions(&self, s: &LabourSlipRow) -> Vec<&'static str> {
        if self.can_manage { s.status.allowed(self.ctx.actor.role) } else { Vec::new() }
    }
    fn responsibility(&self) -> String {
        self.w
            .responsibility
            .as_deref()
            .and_then(|r| propdesk_domain::work_order::Responsibility::parse(r).ok())
            .map(|r| r.label(self.ctx.en()).to_string())
            .unwrap_or_else(|| self.ctx.t("尚未判定").to_string())
    }
    fn agreed_text(&self) -> String {
        self.agreed.map(format_centi).unwrap_or_default()
    }
    fn quantity(&self, s: &LabourSlipRow) -> String {
        format_centi(s.quantity)
    }
}

async fn charges_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<ChargesPage> {
    let mut c = state.db.read().await?;
    let w = work_orders::get(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let agreed = store::agreed_amount(&mut c, id).await?;
    let settled_in = store::settled_in(&mut c, id).await?;
    let deductions = store::deductions(&mut c, &ctx.actor, DeductionFilter { work_order_id: Some(id), ..Default::default() }, 200).await?;
    let slips = store::slips_of(&mut c, id).await?;
    Ok(ChargesPage { can_manage: ctx.actor.can(Permission::ManageContractors), ctx, w, agreed, settled_in, deductions, slips, units: LabourUnit::ALL, v, errs })
}

pub async fn charges(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&charges_page(&state, ctx, id, FormData::default(), errs).await?))
}

async fn charges_outcome(state: &AppState, ctx: Ctx, id: i64, form: FormData, r: AppResult<()>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(saved(&format!("/work-orders/{id}/charges"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&charges_page(state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn agreed_amount(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let r = ops::set_agreed_amount(&state.db, &ctx.actor, id, form.get("agreed_amount")).await.map(|_| ());
    charges_outcome(&state, ctx, id, form, r).await
}

pub async fn create_deduction(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = DeductionInput { amount: form.get("amount").into(), reason: form.get("reason").into(), contractor_id: form.get("contractor_id").into() };
    let r = ops::create_deduction(&state.db, &ctx.actor, id, &input).await.map(|_| ());
    charges_outcome(&state, ctx, id, form, r).await
}

pub async fn create_slip(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = LabourSlipInput {
        worker_names: form.get("worker_names").into(),
        workers: form.get("workers").into(),
        unit: form.get("unit").into(),
        quantity: form.get("quantity").into(),
        rate: form.get("rate").into(),
        work: form.get("work").into(),
    };
    let r = ops::create_slip(&state.db, &ctx.actor, id, &input).await.map(|_| ());
    charges_outcome(&state, ctx, id, form, r).await
}

fn version(form: &FormData) -> i64 {
    // A missing version never matches, so a stale or forged form is refused (409).
    form.get("version").trim().parse::<i64>().unwrap_or(0)
}

/// Back to where the step was taken: the form's `back` when it is one of our pages.
fn back(form: &FormData, default: String) -> String {
    let b = form.get("back");
    if b.starts_with('/') && !b.starts_with("//") { b.to_string() } else { default }
}

pub async fn deduction_act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let action = ops::deduction_action(form.get("action"), form.get("reason"))?;
    let row = {
        let mut c = state.db.read().await?;
        store::deduction(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?
    };
    ops::deduction_act(&state.db, &ctx.actor, id, version(&form), &action).await?;
    Ok(saved(&back(&form, format!("/work-orders/{}/charges", row.work_order_id))))
}

pub async fn slip_act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let action = ops::slip_action(form.get("action"), form.get("reason"))?;
    let row = {
        let mut c = state.db.read().await?;
        store::slip(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?
    };
    ops::slip_act(&state.db, &ctx.actor, id, version(&form), &action).await?;
    Ok(saved(&format!("/work-orders/{}/charges", row.work_order_id)))
}

// ---------- settlement statement and payment requests ----------

#[derive(Template)]
#[template(path = "staff/settlement.html")]
struct SettlementPage {
    ctx: Ctx,
    t: SettlementRow,
    lines: Vec<LineRow>,
    deductions: Vec<DeductionRow>,
    payments: Vec<PaymentRow>,
    errs: Errs,
    can_request: bool,
}

impl SettlementPage {
    fn payment_actions(&self, p: &PaymentRow) -> Vec<&'static str> {
        p.status.allowed(self.ctx.actor.role)
    }
    fn closed(&self, l: &LineRow) -> String {
        l.closed_at.as_ref().map(fmt_time).unwrap_or_default()
    }
    fn action_label(&self, a: &str) -> &'static str {
        match a {
            "approve" => self.ctx.t("审批通过"),
            "reject" => self.ctx.t("退回"),
            "pay" => self.ctx.t("确认付款"),
            _ => self.ctx.t("取消"),
        }
    }
}

async fn settlement_parts(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(SettlementRow, Vec<LineRow>, Vec<DeductionRow>, Vec<PaymentRow>)> {
    let mut c = state.db.read().await?;
    let t = store::settlement(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let lines = store::lines(&mut c, id).await?;
    let deductions = store::deductions(&mut c, &ctx.actor, DeductionFilter { settlement_id: Some(id), ..Default::default() }, 1000).await?;
    let payments = store::payments_of(&mut c, id).await?;
    Ok((t, lines, deductions, payments))
}

async fn settlement_page(state: &AppState, ctx: Ctx, id: i64, errs: Errs) -> AppResult<SettlementPage> {
    let (t, lines, deductions, payments) = settlement_parts(state, &ctx, id).await?;
    let live = payments.iter().any(|p| p.status.is_live());
    Ok(SettlementPage { can_request: ctx.actor.can(Permission::SettleContractors) && !live, ctx, t, lines, deductions, payments, errs })
}

pub async fn settlement(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(m): Q) -> AppResult<Response> {
    if q(&m, "format") == "xlsx" {
        let (t, lines, deductions, _) = settlement_parts(&state, &ctx, id).await?;
        let headers: Vec<&str> = ["项目", "工单编号", "位置", "维修内容", "关闭时间", "金额（元）"].iter().map(|h| ctx.t(h)).collect();
        let mut rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                vec![
                    ctx.t("工程款").to_string(),
                    l.number.clone(),
                    l.location.clone(),
                    l.content.clone(),
                    l.closed_at.as_ref().map(fmt_time).unwrap_or_default(),
                    yuan(&l.amount),
                ]
            })
            .collect();
        rows.extend(deductions.iter().map(|d| {
            vec![ctx.t("扣款").to_string(), d.number.clone(), d.work_order_number.clone(), d.reason.clone(), String::new(), format!("-{}", yuan(&d.amount))]
        }));
        rows.push(vec![ctx.t("应付金额").to_string(), t.number.clone(), String::new(), String::new(), String::new(), yuan(&t.payable)]);
        let bytes = xlsx::sheet(ctx.t("工程结算表"), &headers, rows.into_iter())?;
        return Ok(xlsx_response(bytes, "工程结算表.xlsx"));
    }
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&settlement_page(&state, ctx, id, errs).await?))
}

async fn settlement_outcome(state: &AppState, ctx: Ctx, id: i64, r: AppResult<()>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(saved(&format!("/settlements/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&settlement_page(state, ctx, id, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn request_payment(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let r = ops::request_payment(&state.db, &ctx.actor, id, form.get("note")).await.map(|_| ());
    settlement_outcome(&state, ctx, id, r).await
}

pub async fn payment_act(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let action = ops::payment_action(form.get("action"), form.get("reason"))?;
    let row = {
        let mut c = state.db.read().await?;
        store::payment(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?
    };
    let r = ops::payment_act(&state.db, &ctx.actor, id, version(&form), &action).await;
    settlement_outcome(&state, ctx, row.settlement_id, r).await
}

// ---------- the A4 papers ----------

/// One A4 paper: a head, facts in two columns, an optional table of lines with totals, and
/// the signature lines of those who sign it.
#[derive(Template)]
#[template(path = "print/contractor_paper.html")]
struct Paper {
    ctx: Ctx,
    title: &'static str,
    org: String,
    number: String,
    status: String,
    back: String,
    note: &'static str,
    facts: Vec<(&'static str, String)>,
    text: Vec<(&'static str, String)>,
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    totals: Vec<(&'static str, String)>,
    signs: Vec<&'static str>,
    printed_at: String,
}

fn paper(ctx: Ctx, title: &'static str, org: String, number: String, status: String, back: String) -> Paper {
    Paper {
        title: ctx.t(title),
        ctx,
        org,
        number,
        status,
        back,
        note: "",
        facts: Vec::new(),
        text: Vec::new(),
        head: Vec::new(),
        rows: Vec::new(),
        totals: Vec::new(),
        signs: Vec::new(),
        printed_at: fmt_time(&Utc::now()),
    }
}

fn who(name: &Option<String>, at: &Option<chrono::DateTime<Utc>>) -> String {
    match (name, at) {
        (Some(n), Some(t)) => format!("{n} {}", fmt_time(t)),
        (Some(n), None) => n.clone(),
        _ => String::new(),
    }
}

pub async fn print_deduction(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let d = store::deduction(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let en = ctx.en();
    let mut p = paper(
        ctx,
        "维修工程往来扣款通知单",
        d.project_name.clone(),
        d.number.clone(),
        d.status.label(en).into(),
        format!("/work-orders/{}/charges", d.work_order_id),
    );
    p.note = p.ctx.t("扣款通知单，A4 纸打印，经审批后送被扣款单位签收，一份随结算表报财务。");
    let party = match &d.contractor_name {
        Some(n) => format!("{}（{n}）", d.party.label(en)),
        None => d.party.label(en).to_string(),
    };
    p.facts = vec![
        ("被扣款单位", party),
        ("维修工单", d.work_order_number.clone()),
        ("扣款金额（元）", yuan(&d.amount)),
        ("开单时间", who(&d.created_by_name, &Some(d.created_at))),
        ("审批", who(&d.approved_by_name, &d.approved_at)),
        ("结算", d.settlement_id.map(|s| format!("#{s}")).unwrap_or_default()),
    ];
    p.text = vec![("维修内容", d.work_order_content.clone()), ("扣款原因", d.reason.clone())];
    if !d.cancel_reason.is_empty() {
        p.text.push(("取消原因", d.cancel_reason.clone()));
    }
    p.signs = vec!["经办人", "审批人", "被扣款单位签收"];
    Ok(render(&p))
}

pub async fn print_slip(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let s = store::slip(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let en = ctx.en();
    let mut p = paper(
        ctx,
        "维修工程临时用工单",
        s.project_name.clone(),
        s.number.clone(),
        s.status.label(en).into(),
        format!("/work-orders/{}/charges", s.work_order_id),
    );
    p.note = p.ctx.t("临时用工单，A4 纸打印，编号按维修委托书的编号方法，上报维修款时随投诉处理单提交。");
    p.facts = vec![
        ("维修工单", s.work_order_number.clone()),
        ("维修位置", s.location.clone()),
        ("用工人数", s.workers.to_string()),
        ("计量单位", s.unit.label(en).to_string()),
        ("每人工日/工时", format_centi(s.quantity)),
        ("单价（元）", yuan(&s.rate)),
        ("合计金额（元）", yuan(&s.amount)),
        ("审批", who(&s.approved_by_name, &s.approved_at)),
    ];
    p.text = vec![("用工人员", s.worker_names.clone()), ("工作内容", s.work.clone())];
    p.signs = vec!["经办人", "审批人", "用工人员签字"];
    Ok(render(&p))
}

pub async fn print_settlement(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (t, lines, deductions, _) = settlement_parts(&state, &ctx, id).await?;
    let mut p = paper(ctx, "工程结算表", t.project_name.clone(), t.number.clone(), String::new(), format!("/settlements/{id}"));
    p.note = p.ctx.t("工程结算表，A4 纸打印，经办、审核、审批签字后随请款申请书报财务。");
    p.facts = vec![
        ("维修商", t.contractor_name.clone()),
        ("结算期间", period_text(t.period_from, t.period_to)),
        ("编制", who(&t.created_by_name, &Some(t.created_at))),
        ("工单数", lines.len().to_string()),
    ];
    p.head = vec!["序号", "工单编号", "位置", "维修内容", "关闭时间", "金额（元）"];
    p.rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.number.clone(),
                l.location.clone(),
                l.content.clone(),
                l.closed_at.as_ref().map(fmt_time).unwrap_or_default(),
                yuan(&l.amount),
            ]
        })
        .collect();
    let deducted = p.ctx.t("扣款");
    p.rows.extend(
        deductions.iter().map(|d| {
            vec![String::new(), d.number.clone(), d.work_order_number.clone(), d.reason.clone(), deducted.to_string(), format!("-{}", yuan(&d.amount))]
        }),
    );
    p.totals = vec![("工程款合计", yuan(&t.gross)), ("扣款合计", yuan(&t.deductions)), ("应付金额", yuan(&t.payable))];
    p.signs = vec!["经办人", "审核人", "审批人", "维修商确认"];
    Ok(render(&p))
}

pub async fn print_payment(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let r = store::payment(&mut c, &ctx.actor, id, "").await?.ok_or(AppError::NotFound)?;
    let en = ctx.en();
    let mut p =
        paper(ctx, "维修工程请款申请书", r.project_name.clone(), r.number.clone(), r.status.label(en).into(), format!("/settlements/{}", r.settlement_id));
    p.note = p.ctx.t("请款申请书，A4 纸打印，附工程结算表、扣款通知单，经审批后交财务付款。");
    p.facts = vec![
        ("收款单位", r.contractor_name.clone()),
        ("结算表", r.settlement_number.clone()),
        ("结算期间", period_text(r.period_from, r.period_to)),
        ("请款金额（元）", yuan(&r.amount)),
        ("申请", who(&r.submitted_by_name, &Some(r.submitted_at))),
        ("审批", who(&r.approved_by_name, &r.approved_at)),
        ("付款", who(&r.paid_by_name, &r.paid_at)),
    ];
    p.text = vec![("说明", r.note.clone())];
    if !r.reject_reason.is_empty() {
        p.text.push(("退回原因", r.reject_reason.clone()));
    }
    p.signs = vec!["申请人", "审批人", "财务"];
    Ok(render(&p))
}
