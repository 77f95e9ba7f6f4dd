//! REP-11 pages: the contractor register (list with filters, paging and Excel), the create and
//! edit form with trades and qualifications, and a contractor's page with its work orders and
//! on-time result. Writes go through `ops::contractor` like the API.

use super::{Errs, Pager, Q, fmt_time, q, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::contractor::{self as ops, ContractorInput, QualificationInput};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::work_order::{Component, Trade};
use propdesk_store::Page;
use propdesk_store::models::contractor::{self as store, ContractorJob, ContractorRow, Filter, QualificationRow};

/// How many qualification rows the form offers (empty rows are ignored).
const QUAL_ROWS: usize = 4;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contractors", get(list).post(create))
        .route("/contractors/new", get(new_form))
        .route("/contractors/{id}", get(detail))
        .route("/contractors/{id}/edit", get(edit_form).post(update))
        .route("/projects/{id}/warranty", get(warranty_form).post(save_warranty))
}

#[derive(Template)]
#[template(path = "staff/contractors.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<ContractorRow>,
    pager: Pager,
    trades: &'static [Trade],
    f_trade: String,
    f_approved: String,
    f_q: String,
    export: String,
    can_edit: bool,
}

fn trade_labels(c: &ContractorRow, en: bool) -> String {
    c.trade_list().iter().map(|t| t.label(en)).collect::<Vec<_>>().join("、")
}

impl ListPage {
    fn trades_of(&self, c: &ContractorRow) -> String {
        trade_labels(c, self.ctx.en())
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let f = Filter {
        q: Some(q(&m, "q").trim().to_string()).filter(|s| !s.is_empty()),
        approved: match q(&m, "approved") {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        trade: Trade::parse(q(&m, "trade")).ok(),
    };
    let query = vec![
        ("q", f.q.clone().unwrap_or_default()),
        ("approved", f.approved.map(|a| if a { "1" } else { "0" }.to_string()).unwrap_or_default()),
        ("trade", f.trade.map(|t| t.code().to_string()).unwrap_or_default()),
    ];
    let en = ctx.en();
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = store::list(&mut c, ctx.actor.company_id, &f, Page::first(xlsx::MAX_ROWS)).await?;
        let headers: Vec<&str> = ["维修商", "营业执照号", "维修工种", "联系人", "联系电话", "已审批", "备注"].iter().map(|h| ctx.t(h)).collect();
        let data = all.items.iter().map(|r| {
            vec![
                r.name.clone(),
                r.licence_no.clone(),
                trade_labels(r, en),
                r.contact.clone(),
                r.phone.clone(),
                if r.approved { "✓".into() } else { String::new() },
                r.note.clone(),
            ]
        });
        let bytes = xlsx::sheet(ctx.t("维修商"), &headers, data)?;
        return Ok(xlsx_response(bytes, "维修商名录.xlsx"));
    }
    let list = store::list(&mut c, ctx.actor.company_id, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 50)).await?;
    let pager = Pager::new(&list, "/contractors", &query);
    Ok(render(&ListPage {
        export: format!("/contractors?{}&format=xlsx", query_string(&query)),
        rows: list.items,
        pager,
        trades: Trade::ALL,
        f_trade: f.trade.map(|t| t.code().to_string()).unwrap_or_default(),
        f_approved: query[1].1.clone(),
        f_q: f.q.unwrap_or_default(),
        can_edit: ctx.actor.can(Permission::ManageContractors),
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "staff/contractor_form.html")]
struct FormPage {
    ctx: Ctx,
    /// Editing: the contractor's id and version.
    id: Option<(i64, i64)>,
    v: FormData,
    errs: Errs,
    trades: &'static [Trade],
    rows: Vec<usize>,
}

impl FormPage {
    fn has_trade(&self, t: &Trade) -> bool {
        self.v.all("trades").contains(&t.code())
    }
    fn qv(&self, i: &usize, k: &str) -> &str {
        self.v.get(&format!("q_{k}_{i}"))
    }
    fn qerr(&self, i: &usize, k: &str) -> String {
        self.errs.msg(&format!("qualifications[{i}].{k}"))
    }
    fn qcls(&self, i: &usize, k: &str) -> &'static str {
        self.errs.cls(&format!("qualifications[{i}].{k}"))
    }
    fn action(&self) -> String {
        match self.id {
            Some((id, _)) => format!("/contractors/{id}/edit"),
            None => "/contractors".into(),
        }
    }
}

/// The form's fields as the ops input; qualification rows left entirely empty are skipped, and
/// errors keep the row's position on the form.
fn input_of(f: &FormData) -> (ContractorInput, Vec<usize>) {
    let mut quals = Vec::new();
    let mut positions = Vec::new();
    for i in 0..QUAL_ROWS {
        let g = |k: &str| f.get(&format!("q_{k}_{i}")).to_string();
        let q = QualificationInput { trade: g("trade"), name: g("name"), certificate_no: g("cert"), expires_on: g("expires") };
        if [&q.trade, &q.name, &q.certificate_no, &q.expires_on].iter().any(|s| !s.trim().is_empty()) {
            quals.push(q);
            positions.push(i);
        }
    }
    let input = ContractorInput {
        name: f.get("name").into(),
        licence_no: f.get("licence_no").into(),
        trades: f.all("trades").into_iter().map(str::to_string).collect(),
        contact: f.get("contact").into(),
        phone: f.get("phone").into(),
        approved: f.get("approved") == "1",
        note: f.get("note").into(),
        qualifications: quals,
    };
    (input, positions)
}

/// Errors of the n-th submitted qualification are shown on the form row it came from.
fn renumber(e: FieldErrors, positions: &[usize]) -> FieldErrors {
    let mut out = FieldErrors::new();
    for fe in e.0 {
        let (field, reason) = (fe.field, fe.reason);
        let field = match field.strip_prefix("qualifications[").and_then(|r| r.split_once(']')) {
            Some((n, rest)) => match n.parse::<usize>().ok().and_then(|n| positions.get(n)) {
                Some(p) => format!("qualifications[{p}]{rest}"),
                None => field,
            },
            None => field,
        };
        out.push(&field, reason);
    }
    out
}

fn form_page(ctx: Ctx, id: Option<(i64, i64)>, v: FormData, errs: Errs) -> FormPage {
    FormPage { ctx, id, v, errs, trades: Trade::ALL, rows: (0..QUAL_ROWS).collect() }
}

pub async fn new_form(ctx: Ctx) -> AppResult<Response> {
    if !ctx.actor.can(Permission::ManageContractors) {
        return Err(AppError::Forbidden);
    }
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&form_page(ctx, None, FormData::default(), errs)))
}

async fn save(state: &AppState, ctx: Ctx, id: Option<(i64, i64)>, form: FormData) -> AppResult<Response> {
    let (input, positions) = input_of(&form);
    let r = match id {
        None => ops::create(&state.db, &ctx.actor, &input).await,
        Some((id, version)) => ops::update(&state.db, &ctx.actor, id, version, &input).await.map(|_| id),
    };
    match r {
        Ok(id) => Ok(saved(&format!("/contractors/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(renumber(e, &positions), ctx.lang);
            Ok(render_invalid(&form_page(ctx, id, form, errs)))
        }
        Err(e) => Err(e),
    }
}

pub async fn create(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    save(&state, ctx, None, form).await
}

pub async fn update(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    // A missing version never matches, so a stale or forged form is refused (409).
    let version = form.get("version").trim().parse::<i64>().unwrap_or(0);
    save(&state, ctx, Some((id, version)), form).await
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    if !ctx.actor.can(Permission::ManageContractors) {
        return Err(AppError::Forbidden);
    }
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, ctx.actor.company_id, id).await?.ok_or(AppError::NotFound)?;
    let quals = store::qualifications(&mut c, id).await?;
    let mut v = vec![
        ("name".to_string(), row.name.clone()),
        ("licence_no".to_string(), row.licence_no.clone()),
        ("contact".to_string(), row.contact.clone()),
        ("phone".to_string(), row.phone.clone()),
        ("note".to_string(), row.note.clone()),
        ("approved".to_string(), if row.approved { "1" } else { "0" }.to_string()),
    ];
    v.extend(row.trade_list().iter().map(|t| ("trades".to_string(), t.code().to_string())));
    for (i, q) in quals.iter().take(QUAL_ROWS).enumerate() {
        v.push((format!("q_trade_{i}"), q.trade.code().to_string()));
        v.push((format!("q_name_{i}"), q.name.clone()));
        v.push((format!("q_cert_{i}"), q.certificate_no.clone()));
        v.push((format!("q_expires_{i}"), q.expires_on.to_string()));
    }
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&form_page(ctx, Some((id, row.version)), FormData(v), errs)))
}

#[derive(Template)]
#[template(path = "staff/contractor.html")]
struct DetailPage {
    ctx: Ctx,
    c: ContractorRow,
    quals: Vec<QualificationRow>,
    jobs: Vec<ContractorJob>,
    finished: i64,
    on_time: i64,
    today: chrono::NaiveDate,
    can_edit: bool,
    /// REP-11: the latest evaluation in the caller's projects.
    evaluation: Option<propdesk_store::models::contractor_accounts::EvaluationRow>,
}

impl DetailPage {
    fn trades(&self) -> String {
        trade_labels(&self.c, self.ctx.en())
    }
    fn rate(&self) -> String {
        if self.finished == 0 { "—".into() } else { format!("{}/{} ({}%)", self.on_time, self.finished, self.on_time * 100 / self.finished) }
    }
    fn status_label(&self, code: &str) -> String {
        propdesk_domain::work_order::WorkOrderStatus::parse(code).map(|s| s.label(self.ctx.en()).to_string()).unwrap_or_else(|_| code.to_string())
    }
    fn when(&self, j: &ContractorJob) -> String {
        fmt_time(&j.received_at)
    }
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let row = store::get(&mut c, ctx.actor.company_id, id).await?.ok_or(AppError::NotFound)?;
    let quals = store::qualifications(&mut c, id).await?;
    let jobs = store::jobs(&mut c, &ctx.actor, id, 100).await?;
    let (finished, on_time) = store::on_time(&mut c, &ctx.actor, id).await?;
    let today = Utc::now().with_timezone(&super::TZ).date_naive();
    let evaluation = propdesk_store::models::contractor_accounts::evaluations(&mut c, &ctx.actor, id, 1).await?.into_iter().next();
    Ok(render(&DetailPage { can_edit: ctx.actor.can(Permission::ManageContractors), ctx, c: row, quals, jobs, finished, on_time, today, evaluation }))
}

// ---------- REP-3: a project's warranty periods ----------

#[derive(Template)]
#[template(path = "staff/project_warranty.html")]
struct WarrantyPage {
    ctx: Ctx,
    project: propdesk_store::models::org::Project,
    components: &'static [Component],
    v: FormData,
    errs: Errs,
    can_edit: bool,
}

impl WarrantyPage {
    fn field(&self, c: &Component) -> String {
        format!("years_{}", c.code())
    }
    fn cls(&self, c: &Component) -> &'static str {
        self.errs.cls(&self.field(c))
    }
    fn err(&self, c: &Component) -> String {
        self.errs.msg(&self.field(c))
    }
    fn value(&self, c: &Component) -> &str {
        self.v.get(&format!("years_{}", c.code()))
    }
}

async fn warranty_page(state: &AppState, ctx: Ctx, id: i64, v: Option<FormData>, errs: Errs) -> AppResult<WarrantyPage> {
    let mut c = state.db.read().await?;
    let project = propdesk_store::models::org::project(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let v = match v {
        Some(v) => v,
        None => {
            let mut pairs = Vec::new();
            for comp in Component::ALL {
                let years = store::warranty_years(&mut c, id, *comp).await?.unwrap_or_else(|| comp.default_years());
                pairs.push((format!("years_{}", comp.code()), years.to_string()));
            }
            FormData(pairs)
        }
    };
    Ok(WarrantyPage { can_edit: ctx.actor.can(Permission::EditProjects), ctx, project, components: Component::ALL, v, errs })
}

pub async fn warranty_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(render(&warranty_page(&state, ctx, id, None, errs).await?))
}

pub async fn save_warranty(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let years: Vec<(Component, String)> = Component::ALL.iter().map(|c| (*c, form.get(&format!("years_{}", c.code())).to_string())).collect();
    match ops::set_warranty(&state.db, &ctx.actor, id, &years).await {
        Ok(()) => Ok(saved(&format!("/projects/{id}/warranty"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&warranty_page(&state, ctx, id, Some(form), errs).await?))
        }
        Err(e) => Err(e),
    }
}
