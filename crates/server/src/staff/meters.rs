//! FEE-7/FEE-8 pages: the meter register (filter, page, Excel, print; register a meter), a
//! meter's page (readings with the outlier check and the payer's signature, replacement, prepaid
//! purchases with the electrician's loading and the balance), the month's reading round of a
//! building (one input per meter, phone-friendly; .xlsx import; the A4 reading sheet) and the
//! month's totals signed off with finance. Writes go through `ops::meter` like the API.

use super::import::{Upload, first_sheet, read_upload};
use super::{Errs, Pager, fmt_time, opt_id, q, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::import::{cell_text, normalize_header};
use crate::ops::meter::{self as ops, KindMonth, MeterInput, PurchaseInput, ReadingInput, ReplaceInput, RowRefusal};
use crate::ops::org::today;
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::billing::{self, MeterKind, PaymentMethod, PurchaseAction, quantity_text};
use propdesk_domain::values::Month;
use propdesk_store::Page;
use propdesk_store::models::meter::{self as store, MeterFilter, MeterRow, PurchaseFilter, PurchaseRow, ReadingFilter, ReadingRow, SignoffRow};
use propdesk_store::models::org::{self, Building};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fees/meters", get(list).post(create))
        .route("/fees/meters/round", get(round).post(round_save))
        .route("/fees/meters/round/import", post(round_import).layer(DefaultBodyLimit::max(super::import::MAX_FILE_BYTES + 1024 * 1024)))
        .route("/fees/meters/round/sign-off", post(sign_off))
        .route("/fees/meters/sheet", get(sheet))
        .route("/fees/meters/{id}", get(detail))
        .route("/fees/meters/{id}/replace", post(replace))
        .route("/fees/meters/{id}/purchase", post(purchase))
        .route("/fees/meter-purchases/{id}/action", post(purchase_action))
        .route("/fees/meter-readings/{id}/check", post(check))
        .route("/fees/meter-readings/{id}/confirm", post(confirm))
}

type Q = Query<HashMap<String, String>>;

/// A quantity in hundredths however many references deep a template holds it.
pub trait Centi {
    fn centi(&self) -> i64;
}
impl Centi for i64 {
    fn centi(&self) -> i64 {
        *self
    }
}
impl<T: Centi + ?Sized> Centi for &T {
    fn centi(&self) -> i64 {
        (**self).centi()
    }
}

/// Readings in hundredths as typed ("1234.50").
pub fn qty(c: impl Centi) -> String {
    quantity_text(c.centi())
}

fn project_of(ctx: &Ctx, asked: &str) -> i64 {
    opt_id(asked).filter(|p| ctx.actor.sees_project(*p)).or(ctx.project_id).or_else(|| ctx.projects.first().map(|p| p.id)).unwrap_or(0)
}

// ---------- the register ----------

#[derive(Template)]
#[template(path = "staff/meters.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<MeterRow>,
    pager: Pager,
    project_id: i64,
    buildings: Vec<Building>,
    kinds: &'static [MeterKind],
    f_building: String,
    f_kind: String,
    f_q: String,
    f_removed: bool,
    export: String,
    print: String,
    printing: bool,
    can_manage: bool,
    v: FormData,
    errs: Errs,
}

async fn list_page(state: &AppState, ctx: Ctx, m: &HashMap<String, String>, v: FormData, errs: Errs) -> AppResult<Result<ListPage, Response>> {
    ctx.require(Permission::ReadMeters)?;
    let project_id = project_of(&ctx, q(m, "project_id"));
    let f = MeterFilter {
        project_id: Some(project_id),
        building_id: opt_id(q(m, "building_id")),
        unit_id: opt_id(q(m, "unit_id")),
        kind: MeterKind::parse(q(m, "kind")).ok(),
        prepaid: None,
        in_service: q(m, "removed") != "1",
        q: Some(q(m, "q").trim().to_string()).filter(|s| !s.is_empty()),
    };
    let query = vec![
        ("project_id", project_id.to_string()),
        ("building_id", f.building_id.map(|b| b.to_string()).unwrap_or_default()),
        ("kind", f.kind.map(|k| k.code().to_string()).unwrap_or_default()),
        ("q", f.q.clone().unwrap_or_default()),
        ("removed", if f.in_service { String::new() } else { "1".into() }),
        ("unit_id", f.unit_id.map(|u| u.to_string()).unwrap_or_default()),
    ];
    let mut c = state.db.read().await?;
    if q(m, "format") == "xlsx" {
        let all = store::meters(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        let headers: Vec<&str> =
            ["楼栋", "房号", "表类", "表号", "预付费", "起始读数", "安装日期", "上次抄表月份", "上次读数", "换下日期"].iter().map(|h| ctx.t(h)).collect();
        let en = ctx.en();
        let data = all.items.iter().map(|r| {
            vec![
                r.building_code.clone(),
                r.unit_no.clone(),
                r.kind.label(en).to_string(),
                r.meter_no.clone(),
                if r.prepaid { "✓".into() } else { String::new() },
                qty(r.start_reading),
                r.installed_on.to_string(),
                r.last_month.clone().unwrap_or_default(),
                r.last_reading.as_ref().map(qty).unwrap_or_default(),
                r.removed_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        });
        let bytes = xlsx::sheet(ctx.t("表具台账"), &headers, data)?;
        return Ok(Err(xlsx_response(bytes, "表具台账.xlsx")));
    }
    let printing = q(m, "print") == "1";
    let list = store::meters(&mut c, &ctx.actor, &f, Page::new(q(m, "page").parse().unwrap_or(1), if printing { 500 } else { 50 })).await?;
    let buildings = org::buildings(&mut c, &ctx.actor, project_id).await?;
    let pager = Pager::new(&list, "/fees/meters", &query);
    Ok(Ok(ListPage {
        export: format!("/fees/meters?{}&format=xlsx", query_string(&query)),
        print: format!("/fees/meters?{}&print=1", query_string(&query)),
        printing,
        rows: list.items,
        pager,
        project_id,
        buildings,
        kinds: MeterKind::ALL,
        f_building: query[1].1.clone(),
        f_kind: query[2].1.clone(),
        f_q: query[3].1.clone(),
        f_removed: !f.in_service,
        can_manage: ctx.actor.can(Permission::ManageMeters),
        v,
        errs,
        ctx,
    }))
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    Ok(match list_page(&state, ctx, &m, FormData(vec![("kind".into(), "water".into())]), errs).await? {
        Ok(page) => render(&page),
        Err(download) => download,
    })
}

pub async fn create(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = MeterInput {
        unit_id: form.get("unit_id").into(),
        kind: form.get("kind").into(),
        meter_no: form.get("meter_no").into(),
        start_reading: form.get("start_reading").into(),
        installed_on: form.get("installed_on").into(),
        prepaid: form.get("prepaid") == "1",
        note: form.get("note").into(),
    };
    match ops::create_meter(&state.db, &ctx.actor, &input).await {
        Ok(id) => Ok(saved(&format!("/fees/meters/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            let m: HashMap<String, String> = [("project_id".to_string(), form.get("project_id").to_string())].into_iter().collect();
            match list_page(&state, ctx, &m, form, errs).await? {
                Ok(page) => Ok(render_invalid(&page)),
                Err(r) => Ok(r),
            }
        }
        Err(e) => Err(e),
    }
}

// ---------- one meter ----------

#[derive(Template)]
#[template(path = "staff/meter.html")]
struct DetailPage {
    ctx: Ctx,
    m: MeterRow,
    readings: Vec<ReadingRow>,
    purchases: Vec<PurchaseRow>,
    balance: Option<i64>,
    methods: &'static [PaymentMethod],
    can_manage: bool,
    can_collect: bool,
    v: FormData,
    errs: Errs,
}

impl DetailPage {
    fn allowed(&self, p: &PurchaseRow) -> Vec<&'static str> {
        billing::purchase_allowed(p.status, self.ctx.actor.role)
    }
    fn in_round(&self, r: &ReadingRow) -> bool {
        billing::in_reading_round(r.read_on)
    }
    fn confirmed_at(&self, r: &ReadingRow) -> String {
        r.payer_confirmed_at.as_ref().map(fmt_time).unwrap_or_default()
    }
    fn action_label(&self, a: &str) -> &'static str {
        if a == PurchaseAction::Load.code() { self.ctx.t("确认已充值到表") } else { self.ctx.t("退款") }
    }
    fn price(&self, p: &PurchaseRow) -> String {
        billing::UnitPrice(p.price).text()
    }
}

async fn detail_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<DetailPage> {
    ctx.require(Permission::ReadMeters)?;
    let mut c = state.db.read().await?;
    let m = store::meter(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let readings = store::readings(&mut c, &ctx.actor, &ReadingFilter { meter_id: Some(id), ..Default::default() }, Page::new(1, 24)).await?.items;
    let (purchases, balance) = if m.prepaid {
        let list = store::purchases(&mut c, &ctx.actor, &PurchaseFilter { meter_id: Some(id), ..Default::default() }, Page::new(1, 50)).await?.items;
        (list, Some(ops::balance(&mut c, id).await?))
    } else {
        (Vec::new(), None)
    };
    Ok(DetailPage {
        m,
        readings,
        purchases,
        balance,
        methods: PaymentMethod::ALL,
        can_manage: ctx.actor.can(Permission::ManageMeters),
        can_collect: ctx.actor.can(Permission::CollectFees),
        v,
        errs,
        ctx,
    })
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    let v = FormData(vec![("method".into(), "cash".into()), ("replaced_on".into(), today().to_string())]);
    Ok(render(&detail_page(&state, ctx, id, v, errs).await?))
}

/// The answer to a form posted from a meter's page: back to it, or the page again with the errors.
async fn after(state: &AppState, ctx: Ctx, id: i64, form: FormData, r: AppResult<String>) -> AppResult<Response> {
    match r {
        Ok(to) => Ok(saved(&to)),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&detail_page(state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn replace(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = ReplaceInput {
        final_reading: form.get("final_reading").into(),
        replaced_on: form.get("replaced_on").into(),
        meter_no: form.get("meter_no").into(),
        start_reading: form.get("start_reading").into(),
        note: form.get("note").into(),
        version: form.get("version").into(),
    };
    let r = ops::replace_meter(&state.db, &ctx.actor, id, &input).await.map(|new| format!("/fees/meters/{new}"));
    after(&state, ctx, id, form, r).await
}

pub async fn purchase(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = PurchaseInput {
        meter_id: id.to_string(),
        amount: form.get("amount").into(),
        kwh: form.get("kwh").into(),
        method: form.get("method").into(),
        reference: form.get("reference").into(),
        paid_on: form.get("paid_on").into(),
        note: form.get("note").into(),
    };
    let r = ops::purchase(&state.db, &ctx.actor, &input).await.map(|_| format!("/fees/meters/{id}#purchases"));
    after(&state, ctx, id, form, r).await
}

pub async fn purchase_action(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let meter_id = opt_id(form.get("meter_id")).unwrap_or(0);
    let version = opt_id(form.get("version")).unwrap_or(0);
    let r = ops::purchase_act(&state.db, &ctx.actor, id, form.get("action"), version).await.map(|_| format!("/fees/meters/{meter_id}#purchases"));
    after(&state, ctx, meter_id, form, r).await
}

pub async fn check(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let meter_id = opt_id(form.get("meter_id")).unwrap_or(0);
    let r = ops::check(&state.db, &ctx.actor, id).await.map(|_| format!("/fees/meters/{meter_id}#readings"));
    after(&state, ctx, meter_id, form, r).await
}

pub async fn confirm(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let meter_id = opt_id(form.get("meter_id")).unwrap_or(0);
    let r = ops::confirm_payer(&state.db, &ctx.actor, id, form.get("payer_name")).await.map(|_| format!("/fees/meters/{meter_id}#readings"));
    after(&state, ctx, meter_id, form, r).await
}

// ---------- the month's round ----------

/// The meters of a building in service (the round and its sheet), with this month's reading if taken.
struct RoundRow {
    m: MeterRow,
    taken: Option<ReadingRow>,
}

#[derive(Template)]
#[template(path = "staff/meter_round.html")]
struct RoundPage {
    ctx: Ctx,
    project_id: i64,
    building_id: i64,
    buildings: Vec<Building>,
    month: String,
    rows: Vec<RoundRow>,
    totals: Vec<KindMonth>,
    signoff: Option<SignoffRow>,
    can_sign: bool,
    v: FormData,
    refused: Vec<RowRefusal>,
    errs: Errs,
}

impl RoundPage {
    fn kind_label(&self, code: &str) -> &'static str {
        MeterKind::parse(code).map(|k| k.label(self.ctx.en())).unwrap_or("")
    }
    fn signed_at(&self, s: &SignoffRow) -> String {
        fmt_time(&s.signed_at)
    }
}

fn month_of(s: &str) -> Month {
    Month::parse(s).unwrap_or_else(|_| Month::of(today()))
}

/// A building's meters in service, in sheet order, with the month's readings.
async fn round_rows(c: &mut impl propdesk_store::AsEx, ctx: &Ctx, project_id: i64, building_id: Option<i64>, month: &str) -> AppResult<Vec<RoundRow>> {
    let f = MeterFilter { project_id: Some(project_id), building_id, in_service: true, ..Default::default() };
    let meters = store::meters(c, &ctx.actor, &f, Page::first(Page::MAX_EXPORT)).await?.items;
    let rf = ReadingFilter { project_id: Some(project_id), building_id, month: Some(month.to_string()), ..Default::default() };
    let taken = store::readings(c, &ctx.actor, &rf, Page::first(Page::MAX_EXPORT)).await?.items;
    Ok(meters.into_iter().map(|m| RoundRow { taken: taken.iter().find(|r| r.meter_id == m.id).cloned(), m }).collect())
}

async fn round_page(state: &AppState, ctx: Ctx, m: &HashMap<String, String>, v: FormData, refused: Vec<RowRefusal>, errs: Errs) -> AppResult<RoundPage> {
    ctx.require(Permission::ReadMeters)?;
    let project_id = project_of(&ctx, q(m, "project_id"));
    let month = month_of(q(m, "month"));
    let key = month.to_string();
    let mut c = state.db.read().await?;
    let buildings = org::buildings(&mut c, &ctx.actor, project_id).await?;
    let building_id = opt_id(q(m, "building_id")).filter(|b| buildings.iter().any(|x| x.id == *b)).or_else(|| buildings.first().map(|b| b.id)).unwrap_or(0);
    let rows = round_rows(&mut c, &ctx, project_id, Some(building_id), &key).await?;
    let totals = ops::month_totals(&mut c, &ctx.actor, project_id, month).await?;
    let signoff = store::signoff(&mut c, &ctx.actor, project_id, &key).await?;
    Ok(RoundPage {
        project_id,
        building_id,
        buildings,
        month: key,
        rows,
        totals,
        signoff,
        can_sign: ctx.actor.can(Permission::ReconcileFees),
        v,
        refused,
        errs,
        ctx,
    })
}

pub async fn round(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(FieldErrors::new(), ctx.lang);
    let v = FormData(vec![("read_on".into(), today().to_string())]);
    Ok(render(&round_page(&state, ctx, &m, v, Vec::new(), errs).await?))
}

fn round_query(project_id: &str, building_id: &str, month: &str) -> HashMap<String, String> {
    [("project_id", project_id), ("building_id", building_id), ("month", month)].into_iter().map(|(k, v)| (k.to_string(), v.trim().to_string())).collect()
}

async fn round_answer(state: &AppState, ctx: Ctx, form: FormData, out: AppResult<Result<Vec<ops::Recorded>, Vec<RowRefusal>>>) -> AppResult<Response> {
    let back = round_query(form.get("project_id"), form.get("building_id"), form.get("month"));
    match out {
        Ok(Ok(_)) => Ok(saved(&format!("/fees/meters/round?project_id={}&building_id={}&month={}", back["project_id"], back["building_id"], back["month"]))),
        Ok(Err(refused)) => {
            let errs = Errs::new(FieldErrors::new(), ctx.lang);
            Ok(render_invalid(&round_page(state, ctx, &back, form, refused, errs).await?))
        }
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&round_page(state, ctx, &back, form, Vec::new(), errs).await?))
        }
        Err(e) => Err(e),
    }
}

/// The entry page posts `r_{meter id}` per meter; blank inputs are meters not read yet.
pub async fn round_save(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let month = form.get("month").trim().to_string();
    let read_on = form.get("read_on").to_string();
    let rows: Vec<(String, ReadingInput)> = form
        .0
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("r_").map(|id| (id, v)))
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(id, v)| {
            let label = Some(form.get(&format!("l_{id}")).trim().to_string()).filter(|l| !l.is_empty()).unwrap_or_else(|| format!("#{id}"));
            (label, ReadingInput { meter_id: id.to_string(), month: month.clone(), read_on: read_on.clone(), reading: v.clone() })
        })
        .collect();
    let out = ops::record_batch(&state.db, &ctx.actor, &rows).await;
    round_answer(&state, ctx, form, out).await
}

/// The columns an imported round is matched by (the sheet's own Excel export has them).
const IMPORT_NO: &str = "表号";
const IMPORT_READING: &str = "本月读数";
const IMPORT_DATE: &str = "抄表日期";

/// `POST /fees/meters/round/import` (multipart: `_csrf`, `project_id`, `building_id`, `month`, `file`):
/// the readings of a filled-in sheet, all or nothing, refusals by Excel row.
pub async fn round_import(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    ctx.require(Permission::ReadMeters)?;
    let Upload { fields, file_name, bytes, too_large } = read_upload(&ctx, mp).await?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let form = FormData(vec![("project_id".into(), get("project_id")), ("building_id".into(), get("building_id")), ("month".into(), get("month"))]);
    let refuse = |why: &'static str| Err(FieldErrors::single("file", propdesk_domain::Reason::Invalid(why, why)).into());
    let out: AppResult<Result<Vec<ops::Recorded>, Vec<RowRefusal>>> = if too_large {
        refuse("文件不能超过 5 MB")
    } else if file_name.is_empty() || bytes.is_empty() || !file_name.to_lowercase().ends_with(".xlsx") {
        refuse("请选择 .xlsx 格式的 Excel 文件")
    } else {
        match first_sheet(bytes).await {
            Err(msg) => refuse(msg),
            Ok(range) => {
                let project_id = opt_id(&get("project_id")).filter(|p| ctx.actor.sees_project(*p)).unwrap_or(0);
                let mut c = state.db.read().await?;
                let f = MeterFilter { project_id: Some(project_id), in_service: true, ..Default::default() };
                // Every meter of the project: an imported sheet may cover all its buildings.
                let meters = store::meters(&mut c, &ctx.actor, &f, Page::first(Page::MAX_EXPORT)).await?.items;
                drop(c);
                let mut rows_iter = range.rows();
                let headers: Vec<String> = rows_iter.next().map(|r| r.iter().map(|d| normalize_header(&cell_text(d))).collect()).unwrap_or_default();
                let col = |name: &str| headers.iter().position(|h| *h == normalize_header(name));
                match (col(IMPORT_NO), col(IMPORT_READING)) {
                    (Some(no), Some(rd)) => {
                        let date = col(IMPORT_DATE);
                        let mut rows = Vec::new();
                        for (i, r) in rows_iter.enumerate() {
                            let cell = |j: usize| r.get(j).map(cell_text).unwrap_or_default();
                            let (meter_no, reading) = (cell(no), cell(rd));
                            if meter_no.trim().is_empty() && reading.trim().is_empty() {
                                continue;
                            }
                            let label = format!("第 {} 行 {meter_no}", i + 2);
                            let meter_id = meters.iter().find(|m| m.meter_no == meter_no.trim()).map(|m| m.id.to_string()).unwrap_or_default();
                            let read_on = date.map(cell).unwrap_or_default();
                            rows.push((label, ReadingInput { meter_id, month: get("month"), read_on, reading }));
                        }
                        ops::record_batch(&state.db, &ctx.actor, &rows).await
                    }
                    _ => refuse("表头须包含“表号”和“本月读数”两列（可用抄表单导出的 Excel 填写）"),
                }
            }
        }
    };
    round_answer(&state, ctx, form, out).await
}

pub async fn sign_off(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let project_id = opt_id(form.get("project_id")).unwrap_or(0);
    let r = ops::sign_off(&state.db, &ctx.actor, project_id, form.get("month"), form.get("note")).await;
    let out = r.map(|_| Ok(Vec::new()));
    round_answer(&state, ctx, form, out).await
}

// ---------- the A4 reading sheet ----------

#[derive(Template)]
#[template(path = "print/meter_sheet.html")]
struct SheetPage {
    ctx: Ctx,
    project_name: String,
    building: String,
    month: String,
    rows: Vec<RoundRow>,
    back: String,
    printed_at: String,
}

/// `GET /fees/meters/sheet?project_id&building_id&month[&format=xlsx]`: the building's meters
/// with their last reading and a blank for the new one, for engineering's round (抄表单).
pub async fn sheet(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ReadMeters)?;
    let project_id = project_of(&ctx, q(&m, "project_id"));
    let month = month_of(q(&m, "month")).to_string();
    let building_id = opt_id(q(&m, "building_id"));
    let mut c = state.db.read().await?;
    let project = org::project(&mut c, &ctx.actor, project_id).await?.ok_or(AppError::NotFound)?;
    let building = match building_id {
        Some(b) => org::building(&mut c, &ctx.actor, b).await?.map(|b| format!("{} {}", b.code, b.name)).unwrap_or_default(),
        None => String::new(),
    };
    let rows = round_rows(&mut c, &ctx, project_id, building_id, &month).await?;
    if q(&m, "format") == "xlsx" {
        let en = ctx.en();
        let headers: Vec<&str> = ["楼栋", "房号", "表类", IMPORT_NO, "上次读数", IMPORT_READING, IMPORT_DATE].iter().map(|h| ctx.t(h)).collect();
        let data = rows.iter().map(|r| {
            vec![
                r.m.building_code.clone(),
                r.m.unit_no.clone(),
                r.m.kind.label(en).to_string(),
                r.m.meter_no.clone(),
                qty(r.m.base_reading()),
                r.taken.as_ref().map(|t| qty(t.reading)).unwrap_or_default(),
                String::new(),
            ]
        });
        let bytes = xlsx::sheet(ctx.t("抄表单"), &headers, data)?;
        return Ok(xlsx_response(bytes, &format!("抄表单-{month}.xlsx")));
    }
    let back = format!("/fees/meters/round?project_id={project_id}&building_id={}&month={month}", building_id.unwrap_or(0));
    Ok(render(&SheetPage { ctx, project_name: project.name, building, month, rows, back, printed_at: fmt_time(&Utc::now()) }))
}
