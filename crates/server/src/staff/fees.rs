//! FEE-1/FEE-2/FEE-3 pages: the receivables ledger (物业服务费台账: filters, totals, paging, Excel,
//! print), fee items and their form, the billing run of a period with finance's reconciliation,
//! and the payment notices (缴费通知单) of a period printed on A4, one per payer and unit.
//! Writes go through `ops::fee` like the API.

use super::{Errs, Pager, fmt_time, opt_id, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::fee::{self as ops, FeeItemInput, parse_period};
use crate::ops::org::today;
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::billing::{AreaBasis, BillingPeriod, ChargeBasis, Cycle, FeeKind, PayerRule, yuan_text};
use propdesk_domain::channel::{MessageState, PartyMessageKind, message_state};
use propdesk_domain::org::UnitKind;
use propdesk_domain::values::Month;
use propdesk_store::Page;
use propdesk_store::models::channel as channel_store;
use propdesk_store::models::fee::{self as store, FeeItemRow, LedgerFilter, LedgerRow, LedgerTotals, LineState, ReconciliationRow, RunRow};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fees", get(ledger))
        .route("/fees/items", get(items).post(create_item))
        .route("/fees/items/new", get(new_item))
        .route("/fees/items/{id}/edit", get(edit_item).post(update_item))
        .route("/fees/billing", get(billing).post(run))
        .route("/fees/billing/reconcile", post(reconcile))
        .route("/fees/notices", get(notices))
        .route("/fees/notices/deliver", post(deliver))
        .route("/fees/notices/send", post(send))
}

type Q = Query<HashMap<String, String>>;

fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

/// Money as the pages show it.
pub fn yuan(fen: impl std::borrow::Borrow<i64>) -> String {
    yuan_text(*fen.borrow())
}

/// The project a fee page works on: the one asked for, else the switcher's, else the first.
pub fn project_of(ctx: &Ctx, asked: &str) -> Option<i64> {
    opt_id(asked).filter(|p| ctx.actor.sees_project(*p)).or(ctx.project_id).or_else(|| ctx.projects.first().map(|p| p.id))
}

fn this_month() -> Month {
    Month::of(today())
}

fn line_state(s: &str) -> Option<LineState> {
    match s {
        "open" => Some(LineState::Open),
        "paid" => Some(LineState::Paid),
        "overdue" => Some(LineState::Overdue),
        _ => None,
    }
}

// ---------- the ledger ----------

#[derive(Template)]
#[template(path = "staff/fees.html")]
struct LedgerPage {
    ctx: Ctx,
    rows: Vec<LedgerRow>,
    totals: LedgerTotals,
    pager: Pager,
    items: Vec<FeeItemRow>,
    project_id: i64,
    f_period: String,
    f_state: String,
    f_item: String,
    f_q: String,
    export: String,
    print: String,
    today: chrono::NaiveDate,
    can_collect: bool,
}

impl LedgerPage {
    fn state_label(&self, r: &LedgerRow) -> &'static str {
        r.status(self.today).label(self.ctx.en())
    }
    fn state_class(&self, r: &LedgerRow) -> &'static str {
        r.status(self.today).badge()
    }
    fn area(&self, r: &LedgerRow) -> String {
        if r.quantity == 0 { String::new() } else { format!("{}.{:02}", r.quantity / 100, r.quantity % 100) }
    }
}

fn ledger_filter(ctx: &Ctx, m: &HashMap<String, String>) -> (LedgerFilter, Vec<(&'static str, String)>) {
    let project_id = project_of(ctx, q(m, "project_id"));
    let period = match q(m, "period").trim() {
        "" => None,
        p => Some(p.to_string()),
    };
    let f = LedgerFilter {
        project_id,
        period_key: period,
        state: line_state(q(m, "state")),
        item_id: opt_id(q(m, "item_id")),
        unit_id: opt_id(q(m, "unit_id")),
        payer_id: opt_id(q(m, "payer_id")),
        q: Some(q(m, "q").trim().to_string()).filter(|s| !s.is_empty()),
        today: Some(today()),
        newest_first: false,
    };
    let query = vec![
        ("project_id", project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("period", f.period_key.clone().unwrap_or_default()),
        ("state", q(m, "state").to_string()),
        ("item_id", f.item_id.map(|i| i.to_string()).unwrap_or_default()),
        ("unit_id", f.unit_id.map(|i| i.to_string()).unwrap_or_default()),
        ("payer_id", f.payer_id.map(|i| i.to_string()).unwrap_or_default()),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    (f, query)
}

pub async fn ledger(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let (f, query) = ledger_filter(&ctx, &m);
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let (all, totals) = store::ledger(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        let headers: Vec<&str> = ["期间", "楼栋", "房号", "缴费人", "电话", "收费项目", "天数", "应收（元）", "已收（元）", "欠缴（元）", "缴费期限"]
            .iter()
            .map(|h| ctx.t(h))
            .collect();
        let mut data: Vec<Vec<String>> = all
            .items
            .iter()
            .map(|r| {
                vec![
                    r.period_key.clone(),
                    r.building_code.clone(),
                    r.unit_no.clone(),
                    r.payer_name.clone(),
                    r.payer_phone.clone(),
                    r.item_name.clone(),
                    r.days.to_string(),
                    yuan_text(r.amount),
                    yuan_text(r.paid),
                    yuan_text(r.balance()),
                    r.due_date.to_string(),
                ]
            })
            .collect();
        data.push(vec![
            ctx.t("合计").into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            yuan_text(totals.amount),
            yuan_text(totals.paid),
            yuan_text(totals.amount - totals.paid),
            String::new(),
        ]);
        let bytes = xlsx::sheet(ctx.t("物业服务费台账"), &headers, data.into_iter())?;
        return Ok(xlsx_response(bytes, "物业服务费台账.xlsx"));
    }
    let size = if q(&m, "print") == "1" { 500 } else { 50 };
    let (list, totals) = store::ledger(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), size)).await?;
    let items = store::items(&mut c, &ctx.actor, f.project_id, false).await?;
    let pager = Pager::new(&list, "/fees", &query);
    Ok(render(&LedgerPage {
        export: format!("/fees?{}&format=xlsx", query_string(&query)),
        print: format!("/fees?{}&print=1", query_string(&query)),
        rows: list.items,
        totals,
        pager,
        items,
        project_id: f.project_id.unwrap_or(0),
        f_period: f.period_key.unwrap_or_default(),
        f_state: q(&m, "state").to_string(),
        f_item: f.item_id.map(|i| i.to_string()).unwrap_or_default(),
        f_q: f.q.unwrap_or_default(),
        today: today(),
        can_collect: ctx.actor.can(Permission::CollectFees),
        ctx,
    }))
}

// ---------- fee items ----------

#[derive(Template)]
#[template(path = "staff/fee_items.html")]
struct ItemsPage {
    ctx: Ctx,
    rows: Vec<FeeItemRow>,
    project_id: i64,
    can_edit: bool,
}

impl ItemsPage {
    fn price(&self, r: &FeeItemRow) -> String {
        price_text(r, self.ctx.en())
    }
}

/// "2.35 元/m²·月", or the tiers of a metered item.
fn price_text(r: &FeeItemRow, en: bool) -> String {
    let tiers = r.tier_list();
    let unit = match (r.basis, en) {
        (ChargeBasis::Area, false) => "元/m²·月",
        (ChargeBasis::Area, true) => "yuan/m²/month",
        (ChargeBasis::Fixed, false) => "元/期",
        (ChargeBasis::Fixed, true) => "yuan/period",
        (ChargeBasis::Metered, false) => "元/单位",
        (ChargeBasis::Metered, true) => "yuan/unit",
    };
    tiers
        .iter()
        .map(|t| match t.up_to {
            Some(u) if tiers.len() > 1 => format!("≤{} {} {unit}", u / 100, t.price.text()),
            _ => format!("{} {unit}", t.price.text()),
        })
        .collect::<Vec<_>>()
        .join("；")
}

pub async fn items(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let project_id = project_of(&ctx, q(&m, "project_id"));
    let mut c = state.db.read().await?;
    let rows = store::items(&mut c, &ctx.actor, project_id, false).await?;
    Ok(render(&ItemsPage { rows, project_id: project_id.unwrap_or(0), can_edit: ctx.actor.can(Permission::ManageFees), ctx }))
}

#[derive(Template)]
#[template(path = "staff/fee_item_form.html")]
struct ItemForm {
    ctx: Ctx,
    id: Option<(i64, i64)>,
    v: FormData,
    errs: Errs,
    kinds: &'static [FeeKind],
    bases: &'static [ChargeBasis],
    area_bases: &'static [AreaBasis],
    cycles: &'static [Cycle],
    payers: &'static [PayerRule],
    unit_kinds: &'static [UnitKind],
}

impl ItemForm {
    fn action(&self) -> String {
        match self.id {
            Some((id, _)) => format!("/fees/items/{id}/edit"),
            None => "/fees/items".into(),
        }
    }
    fn has_kind(&self, k: &UnitKind) -> bool {
        self.v.all("unit_kinds").contains(&k.code())
    }
}

fn item_form(ctx: Ctx, id: Option<(i64, i64)>, v: FormData, errs: Errs) -> ItemForm {
    ItemForm {
        ctx,
        id,
        v,
        errs,
        kinds: FeeKind::ALL,
        bases: ChargeBasis::ALL,
        area_bases: AreaBasis::ALL,
        cycles: Cycle::ALL,
        payers: PayerRule::ALL,
        unit_kinds: UnitKind::ALL,
    }
}

fn item_input(f: &FormData) -> FeeItemInput {
    FeeItemInput {
        project_id: f.get("project_id").into(),
        name: f.get("name").into(),
        kind: f.get("kind").into(),
        basis: f.get("basis").into(),
        area_basis: f.get("area_basis").into(),
        cycle: f.get("cycle").into(),
        payer: f.get("payer").into(),
        price: f.get("price").into(),
        tiers: f.get("tiers").into(),
        due_days: f.get("due_days").into(),
        unit_kinds: f.all("unit_kinds").into_iter().map(str::to_string).collect(),
        active: f.get("active") == "1",
    }
}

pub async fn new_item(ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ManageFees)?;
    let project = project_of(&ctx, q(&m, "project_id")).unwrap_or(0);
    let v = FormData(vec![
        ("project_id".into(), project.to_string()),
        ("cycle".into(), "month".into()),
        ("payer".into(), "owner".into()),
        ("basis".into(), "area".into()),
        ("area_basis".into(), "building".into()),
        ("due_days".into(), "0".into()),
        ("active".into(), "1".into()),
    ]);
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&item_form(ctx, None, v, errs)))
}

async fn save_item(state: &AppState, ctx: Ctx, id: Option<(i64, i64)>, form: FormData) -> AppResult<Response> {
    let input = item_input(&form);
    let r = match id {
        None => ops::create_item(&state.db, &ctx.actor, &input).await,
        Some((id, version)) => ops::update_item(&state.db, &ctx.actor, id, version, &input).await.map(|_| id),
    };
    match r {
        Ok(_) => Ok(saved(&format!("/fees/items?project_id={}", input.project_id.trim()))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&item_form(ctx, id, form, errs)))
        }
        Err(e) => Err(e),
    }
}

pub async fn create_item(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    save_item(&state, ctx, None, form).await
}

pub async fn update_item(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    save_item(&state, ctx, Some((id, version)), form).await
}

pub async fn edit_item(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.require(Permission::ManageFees)?;
    let mut c = state.db.read().await?;
    let r = store::item(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let tiers = r.tier_list();
    let (price, tier_text) = if tiers.len() > 1 {
        let t = tiers
            .iter()
            .map(|t| format!("{}:{}", t.up_to.map(|u| format!("{}.{:02}", u / 100, u % 100)).unwrap_or_default(), t.price.text()))
            .collect::<Vec<_>>()
            .join("; ");
        (String::new(), t)
    } else {
        (tiers.first().map(|t| t.price.text()).unwrap_or_default(), String::new())
    };
    let mut v = vec![
        ("project_id".to_string(), r.project_id.to_string()),
        ("name".to_string(), r.name.clone()),
        ("kind".to_string(), r.kind.code().to_string()),
        ("basis".to_string(), r.basis.code().to_string()),
        ("area_basis".to_string(), r.area_basis.code().to_string()),
        ("cycle".to_string(), r.cycle.code().to_string()),
        ("payer".to_string(), r.payer.code().to_string()),
        ("price".to_string(), price),
        ("tiers".to_string(), tier_text),
        ("due_days".to_string(), r.due_days.to_string()),
        ("active".to_string(), if r.active { "1" } else { "0" }.to_string()),
    ];
    v.extend(r.unit_kinds.split(',').filter(|k| !k.trim().is_empty()).map(|k| ("unit_kinds".to_string(), k.trim().to_string())));
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&item_form(ctx, Some((id, r.version)), FormData(v), errs)))
}

// ---------- billing runs and reconciliation ----------

#[derive(Template)]
#[template(path = "staff/fee_billing.html")]
struct BillingPage {
    ctx: Ctx,
    project_id: i64,
    v: FormData,
    errs: Errs,
    runs: Vec<RunRow>,
    cycles: &'static [Cycle],
    reconciliation: Option<ReconciliationRow>,
    period_key: String,
    totals: LedgerTotals,
    can_run: bool,
    can_reconcile: bool,
    /// The run just finished (shown once after the redirect).
    done: String,
}

impl BillingPage {
    fn cycle_label(&self, code: &str) -> &'static str {
        Cycle::parse(code).map(|c| c.label(self.ctx.en())).unwrap_or("")
    }
    fn when(&self, r: &RunRow) -> String {
        fmt_time(&r.run_at)
    }
    fn reconciled_at(&self, r: &ReconciliationRow) -> String {
        fmt_time(&r.reconciled_at)
    }
}

async fn billing_page(state: &AppState, ctx: Ctx, v: FormData, errs: Errs, done: String) -> AppResult<BillingPage> {
    let project_id = project_of(&ctx, v.get("project_id")).unwrap_or(0);
    let period = parse_period(v.get("cycle"), v.get("month")).ok();
    let mut c = state.db.read().await?;
    let runs = store::runs(&mut c, &ctx.actor, Some(project_id), 20).await?;
    let (reconciliation, totals, period_key) = match period {
        Some(p) => {
            let key = p.key();
            let f = LedgerFilter { project_id: Some(project_id), period_key: Some(key.clone()), ..Default::default() };
            (store::reconciliation(&mut c, &ctx.actor, project_id, &key).await?, store::ledger_totals(&mut c, &ctx.actor, &f).await?, key)
        }
        None => (None, LedgerTotals::default(), String::new()),
    };
    Ok(BillingPage {
        project_id,
        v,
        errs,
        runs,
        cycles: Cycle::ALL,
        reconciliation,
        period_key,
        totals,
        can_run: ctx.actor.can(Permission::ManageFees),
        can_reconcile: ctx.actor.can(Permission::ReconcileFees),
        done,
        ctx,
    })
}

pub async fn billing(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let project = project_of(&ctx, q(&m, "project_id")).unwrap_or(0);
    let month = if q(&m, "month").is_empty() { this_month().to_string() } else { q(&m, "month").to_string() };
    let cycle = if q(&m, "cycle").is_empty() { "month".to_string() } else { q(&m, "cycle").to_string() };
    let v = FormData(vec![("project_id".into(), project.to_string()), ("cycle".into(), cycle), ("month".into(), month)]);
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    let done = q(&m, "done").to_string();
    Ok(render(&billing_page(&state, ctx, v, errs, done).await?))
}

fn back_to(project_id: i64, p: BillingPeriod, extra: &str) -> String {
    let cycle = p.cycle.code();
    format!("/fees/billing?project_id={project_id}&cycle={cycle}&month={}{extra}", p.first)
}

pub async fn run(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = opt_id(form.get("project_id")).unwrap_or(0);
    let r = match parse_period(form.get("cycle"), form.get("month")) {
        Ok(p) => ops::run_billing(&state.db, &ctx.actor, project_id, p).await.map(|r| (p, r)),
        Err(e) => Err(e.into()),
    };
    match r {
        Ok((p, r)) => Ok(saved(&back_to(project_id, p, &format!("&done={}", r.lines_added)))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&billing_page(&state, ctx, form, errs, String::new()).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn reconcile(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = opt_id(form.get("project_id")).unwrap_or(0);
    let r = match parse_period(form.get("cycle"), form.get("month")) {
        Ok(p) => ops::reconcile(&state.db, &ctx.actor, project_id, p, form.get("note")).await.map(|_| p),
        Err(e) => Err(e.into()),
    };
    match r {
        Ok(p) => Ok(saved(&back_to(project_id, p, ""))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&billing_page(&state, ctx, form, errs, String::new()).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- FEE-3: payment notices ----------

/// One notice: a payer's lines for one unit in the period.
struct Notice {
    payer_id: i64,
    unit_id: i64,
    /// FEE-3: how it was delivered, once recorded.
    delivered: Option<String>,
    /// FEE-3 / POR-2: the messages that carried it (channel, address, state).
    sent: Vec<SentLine>,
    payer_name: String,
    payer_phone: String,
    payer_kind: String,
    building_code: String,
    unit_no: String,
    lines: Vec<LedgerRow>,
    total: i64,
    due: chrono::NaiveDate,
}

/// A message that carried a notice, as the notices page shows it.
struct SentLine {
    channel: String,
    address: String,
    state: MessageState,
    when: String,
    error: String,
}

#[derive(Template)]
#[template(path = "print/payment_notices.html")]
struct NoticesPage {
    ctx: Ctx,
    project_id: i64,
    can_collect: bool,
    /// How many channels to parties are switched on (0: sending is not offered).
    channels: usize,
    /// What the last "send" did: notices, queued, already, unreachable.
    send_summary: Option<[u64; 4]>,
    today: String,
    project_name: String,
    period_key: String,
    notices: Vec<Notice>,
    printed_at: String,
    back: String,
    truncated: bool,
}

/// The most notices one print job carries; a larger project prints by building or filter.
const MAX_NOTICE_LINES: i64 = 5_000;

pub async fn notices(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let (mut f, query) = ledger_filter(&ctx, &m);
    if f.period_key.is_none() {
        f.period_key = Some(this_month().to_string());
    }
    // A notice asks for what is still owed.
    if f.state.is_none() {
        f.state = Some(LineState::Open);
    }
    let mut c = state.db.read().await?;
    let (list, _) = store::ledger(&mut c, &ctx.actor, &f, Page::first(MAX_NOTICE_LINES)).await?;
    let truncated = list.total > MAX_NOTICE_LINES;
    let rows = list.items;
    let mut notices: Vec<Notice> = Vec::new();
    for r in rows {
        match notices.last_mut() {
            Some(n) if n.lines.first().is_some_and(|l| l.payer_id == r.payer_id && l.unit_id == r.unit_id) => {
                n.total += r.balance();
                n.due = n.due.min(r.due_date);
                n.lines.push(r);
            }
            _ => notices.push(Notice {
                payer_id: r.payer_id,
                unit_id: r.unit_id,
                delivered: None,
                sent: Vec::new(),
                payer_name: r.payer_name.clone(),
                payer_phone: r.payer_phone.clone(),
                payer_kind: r.payer_kind.clone(),
                building_code: r.building_code.clone(),
                unit_no: r.unit_no.clone(),
                total: r.balance(),
                due: r.due_date,
                lines: vec![r],
            }),
        }
    }
    let period_key = f.period_key.clone().unwrap_or_default();
    if let Some(p) = f.project_id {
        let en = ctx.en();
        for d in store::deliveries(&mut c, &ctx.actor, p, &period_key).await? {
            if let Some(n) = notices.iter_mut().find(|n| n.payer_id == d.payer_id && n.unit_id == d.unit_id) {
                let how = propdesk_domain::billing::ContactMethod::parse(&d.method).map(|m| m.label(en)).unwrap_or("");
                n.delivered = Some(format!("{how} {} {}", d.courier_no, d.delivered_on));
            }
        }
        for m in channel_store::statuses(&mut c, &ctx.actor.projects, p, PartyMessageKind::PaymentNotice, &period_key).await? {
            let unit = propdesk_domain::channel::notice_unit(&m.entity_key);
            if let Some(n) = notices.iter_mut().find(|n| n.payer_id == m.party_id && Some(n.unit_id) == unit) {
                let state = message_state(m.sent_at.is_some(), m.attempts);
                n.sent.push(SentLine {
                    channel: m.channel_name,
                    address: m.address,
                    state,
                    when: fmt_time(&m.sent_at.unwrap_or(m.created_at)),
                    error: m.last_error.unwrap_or_default(),
                });
            }
        }
    }
    let channels = channel_store::enabled(&mut c, ctx.actor.company_id).await?.len();
    let send_summary = ["sent_n", "sent_q", "sent_a", "sent_u"].map(|k| q(&m, k).parse::<u64>().ok());
    let send_summary = match send_summary {
        [Some(a), Some(b), Some(c), Some(d)] => Some([a, b, c, d]),
        _ => None,
    };
    let project_name = f.project_id.map(|p| ctx.project_name(&p).to_string()).unwrap_or_default();
    Ok(render(&NoticesPage {
        project_id: f.project_id.unwrap_or(0),
        can_collect: ctx.actor.can(Permission::CollectFees),
        channels,
        send_summary,
        today: today().to_string(),
        project_name,
        period_key: f.period_key.unwrap_or_default(),
        notices,
        printed_at: fmt_time(&Utc::now()),
        back: format!("/fees?{}", query_string(&query)),
        truncated,
        ctx,
    }))
}

/// FEE-3 / POR-2: sends the period's notices (or one) through the channels, then back to the
/// notices with what it did.
pub async fn send(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = crate::ops::channel::SendNoticesInput {
        project_id: form.get("project_id").into(),
        period: form.get("period").into(),
        payer_id: form.get("payer_id").into(),
        unit_id: form.get("unit_id").into(),
    };
    let back = format!("/fees/notices?project_id={}&period={}", input.project_id.trim(), input.period.trim());
    let s = crate::ops::channel::send_payment_notices(&state.db, &ctx.actor, &input).await?;
    Ok(axum::response::Redirect::to(&format!("{back}&sent_n={}&sent_q={}&sent_a={}&sent_u={}", s.notices, s.queued, s.already, s.unreachable)).into_response())
}

/// FEE-3: records how a notice reached its payer, then back to the notices.
pub async fn deliver(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = ops::DeliveryInput {
        project_id: form.get("project_id").into(),
        payer_id: form.get("payer_id").into(),
        unit_id: form.get("unit_id").into(),
        period: form.get("period").into(),
        method: form.get("method").into(),
        courier_no: form.get("courier_no").into(),
        delivered_on: form.get("delivered_on").into(),
    };
    ops::record_delivery(&state.db, &ctx.actor, &input).await?;
    Ok(saved(&format!("/fees/notices?project_id={}&period={}", input.project_id.trim(), input.period.trim())))
}
