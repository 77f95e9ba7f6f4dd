//! ORG pages: projects and buildings, units (the one-household-one-file hub), parties,
//! ownership and leases, type-ahead lookups and the global search.

use super::{Errs, Pager, Q, list_project, opt_id, q, query_string, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::org::{self as ops, BuildingInput, ContactInput, LeaseInput, OwnershipInput, PartyInput, ProjectInput, UnitInput, today};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use propdesk_domain::access::Permission;
use propdesk_domain::org::{ContactKind, FitoutState, PartyKind, ProjectKind, UnitKind};
use propdesk_domain::values::format_centi;
use propdesk_store::models::arrears::{self as arrears_store, CaseRow};
use propdesk_store::models::event::{self, Event};
use propdesk_store::models::fee::{self as fee_store, LedgerFilter, LedgerRow, LedgerTotals};
use propdesk_store::models::org::{self, Building, Contact, Party, PartyFilter, Project, ProjectStats, Tenure, TenureKind, Unit, UnitFilter};
use propdesk_store::models::payment::{self as pay_store, PaymentRow};
use propdesk_store::{Page, Paged};
use std::collections::HashMap;

pub fn area(c: &i64) -> String {
    format_centi(*c)
}

pub fn opt_area(c: &Option<i64>) -> String {
    c.map(format_centi).unwrap_or_default()
}

pub fn yuan(fen: &Option<i64>) -> String {
    fen.map(format_centi).unwrap_or_default()
}

// ---------- projects ----------

#[derive(Template)]
#[template(path = "staff/projects.html")]
struct ProjectsPage {
    ctx: Ctx,
    stats: Vec<ProjectStats>,
    v: FormData,
    errs: Errs,
    kinds: &'static [ProjectKind],
}

pub async fn projects(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let stats = org::project_stats(&mut c, &ctx.actor).await?;
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&ProjectsPage { ctx, stats, v: FormData::default(), errs, kinds: ProjectKind::ALL }))
}

pub async fn create_project(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input =
        ProjectInput { code: form.get("code").into(), name: form.get("name").into(), kind: form.get("kind").into(), address: form.get("address").into() };
    match ops::create_project(&state.db, &ctx.actor, &input).await {
        Ok(id) => Ok(saved(&format!("/projects/{id}"))),
        Err(AppError::Invalid(e)) => {
            let mut c = state.db.read().await?;
            let stats = org::project_stats(&mut c, &ctx.actor).await?;
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&ProjectsPage { ctx, stats, v: form, errs, kinds: ProjectKind::ALL }))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/project.html")]
struct ProjectPage {
    ctx: Ctx,
    project: Project,
    buildings: Vec<Building>,
    v: FormData,
    errs: Errs,
}

async fn project_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<ProjectPage> {
    let mut c = state.db.read().await?;
    let project = org::project(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let buildings = org::buildings(&mut c, &ctx.actor, id).await?;
    Ok(ProjectPage { ctx, project, buildings, v, errs })
}

pub async fn project(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&project_page(&state, ctx, id, FormData::default(), errs).await?))
}

pub async fn create_building(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = BuildingInput { code: form.get("code").into(), name: form.get("name").into(), floors: form.get("floors").into() };
    match ops::create_building(&state.db, &ctx.actor, id, &input).await {
        Ok(_) => Ok(saved(&format!("/projects/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&project_page(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- units ----------

#[derive(Template)]
#[template(path = "staff/units.html")]
struct UnitsPage {
    ctx: Ctx,
    units: Vec<Unit>,
    pager: Pager,
    buildings: Vec<Building>,
    kinds: &'static [UnitKind],
    f_project: Option<i64>,
    f_building: Option<i64>,
    f_kind: String,
    f_q: String,
    export: String,
}

impl UnitsPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
    fn is_building(&self, id: &i64) -> bool {
        self.f_building == Some(*id)
    }
}

fn unit_filter(ctx: &Ctx, m: &HashMap<String, String>) -> UnitFilter {
    UnitFilter {
        project_id: list_project(ctx, m),
        building_id: opt_id(q(m, "building_id")),
        kind: UnitKind::parse(q(m, "kind")).ok(),
        q: Some(q(m, "q").to_string()).filter(|s| !s.trim().is_empty()),
    }
}

pub async fn units(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let f = unit_filter(&ctx, &m);
    let query = vec![
        ("project_id", f.project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("building_id", f.building_id.map(|p| p.to_string()).unwrap_or_default()),
        ("kind", f.kind.map(|k| k.code().to_string()).unwrap_or_default()),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = org::list_units(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS), today()).await?;
        return Ok(xlsx_response(xlsx::units(&all.items, ctx.lang)?, "房屋清单.xlsx"));
    }
    let page = Page::new(q(&m, "page").parse().unwrap_or(1), 50);
    let list = org::list_units(&mut c, &ctx.actor, &f, page, today()).await?;
    let buildings = match f.project_id {
        Some(p) => org::buildings(&mut c, &ctx.actor, p).await?,
        None => org::all_buildings(&mut c, &ctx.actor).await?,
    };
    let pager = Pager::new(&list, "/units", &query);
    let page = UnitsPage {
        export: format!("/units?{}&format=xlsx", query_string(&query)),
        units: list.items,
        pager,
        buildings,
        kinds: UnitKind::ALL,
        f_project: f.project_id,
        f_building: f.building_id,
        f_kind: f.kind.map(|k| k.code().to_string()).unwrap_or_default(),
        f_q: f.q.unwrap_or_default(),
        ctx,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "staff/unit_form.html")]
struct UnitForm {
    ctx: Ctx,
    /// None for a new unit.
    unit: Option<Unit>,
    buildings: Vec<Building>,
    kinds: &'static [UnitKind],
    v: FormData,
    errs: Errs,
}

impl UnitForm {
    fn selected_building(&self, id: &i64) -> bool {
        self.v.get("building_id") == id.to_string()
    }
}

fn unit_values(u: &Unit) -> FormData {
    FormData(vec![
        ("building_id".into(), u.building_id.to_string()),
        ("unit_no".into(), u.unit_no.clone()),
        ("kind".into(), u.kind.code().into()),
        ("use_purpose".into(), u.use_purpose.clone()),
        ("floor".into(), u.floor.to_string()),
        ("building_area".into(), format_centi(u.building_area)),
        ("usable_area".into(), opt_area(&u.usable_area)),
        ("land_area".into(), opt_area(&u.land_area)),
        ("facilities".into(), u.facilities.clone()),
        ("handover_date".into(), u.handover_date.map(|d| d.to_string()).unwrap_or_default()),
        ("version".into(), u.version.to_string()),
    ])
}

fn unit_input(f: &FormData) -> UnitInput {
    UnitInput {
        building_id: f.get("building_id").into(),
        unit_no: f.get("unit_no").into(),
        kind: f.get("kind").into(),
        use_purpose: f.get("use_purpose").into(),
        floor: f.get("floor").into(),
        building_area: f.get("building_area").into(),
        usable_area: f.get("usable_area").into(),
        land_area: f.get("land_area").into(),
        facilities: f.get("facilities").into(),
        handover_date: f.get("handover_date").into(),
    }
}

async fn unit_form(state: &AppState, ctx: Ctx, unit: Option<Unit>, v: FormData, errs: Errs) -> AppResult<UnitForm> {
    let mut c = state.db.read().await?;
    let buildings = match &unit {
        Some(u) => org::buildings(&mut c, &ctx.actor, u.project_id).await?,
        None => match ctx.project_id {
            Some(p) => org::buildings(&mut c, &ctx.actor, p).await?,
            None => org::all_buildings(&mut c, &ctx.actor).await?,
        },
    };
    Ok(UnitForm { ctx, unit, buildings, kinds: UnitKind::ALL, v, errs })
}

pub async fn new_unit(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::EditUnits)?;
    let errs = Errs::new(Default::default(), ctx.lang);
    let v = FormData(vec![("building_id".into(), q(&m, "building_id").into()), ("kind".into(), "residence".into()), ("floor".into(), "1".into())]);
    Ok(render(&unit_form(&state, ctx, None, v, errs).await?))
}

pub async fn create_unit(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    match ops::create_unit(&state.db, &ctx.actor, &unit_input(&form)).await {
        Ok(id) => Ok(saved(&format!("/units/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&unit_form(&state, ctx, None, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_unit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.require(Permission::EditUnits)?;
    let mut c = state.db.read().await?;
    let unit = org::unit(&mut c, &ctx.actor, id, today()).await?.ok_or(AppError::NotFound)?;
    drop(c);
    let v = unit_values(&unit);
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&unit_form(&state, ctx, Some(unit), v, errs).await?))
}

pub async fn update_unit(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").parse().unwrap_or(0);
    match ops::update_unit(&state.db, &ctx.actor, id, version, &unit_input(&form)).await {
        Ok(()) => Ok(saved(&format!("/units/{id}"))),
        Err(AppError::Invalid(e)) => {
            let mut c = state.db.read().await?;
            let unit = org::unit(&mut c, &ctx.actor, id, today()).await?.ok_or(AppError::NotFound)?;
            drop(c);
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&unit_form(&state, ctx, Some(unit), form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/unit.html")]
struct UnitPage {
    ctx: Ctx,
    unit: Unit,
    project: Project,
    owners: Vec<Tenure>,
    leases: Vec<Tenure>,
    /// Contacts of the current owner and tenant (occupants, emergency contacts).
    contacts: Vec<(String, Contact)>,
    history: Vec<Event>,
    tab: String,
    v: FormData,
    errs: Errs,
    fitouts: &'static [FitoutState],
    today: chrono::NaiveDate,
    /// The unit's bills, payments and open arrears cases, for those who see fees.
    fees: Option<UnitFees>,
}

/// The unit's money: its latest ledger lines with the totals of all, its latest payments and
/// the open arrears cases of its payers.
pub struct UnitFees {
    pub lines: Vec<LedgerRow>,
    pub totals: LedgerTotals,
    pub payments: Vec<PaymentRow>,
    pub payment_count: i64,
    pub cases: Vec<CaseRow>,
}

async fn unit_fees(c: &mut impl propdesk_store::AsEx, ctx: &Ctx, unit: &Unit, t: chrono::NaiveDate) -> AppResult<UnitFees> {
    let lf = LedgerFilter { project_id: Some(unit.project_id), unit_id: Some(unit.id), today: Some(t), newest_first: true, ..Default::default() };
    let (lines, totals) = fee_store::ledger(c, &ctx.actor, &lf, Page::new(1, 24)).await?;
    let pf = pay_store::Filter { project_id: Some(unit.project_id), unit_id: Some(unit.id), ..Default::default() };
    let (payments, _) = pay_store::list(c, &ctx.actor, &pf, Page::new(1, 12)).await?;
    let af = arrears_store::Filter { project_id: Some(unit.project_id), open: true, unit_id: Some(unit.id), ..Default::default() };
    let cases = arrears_store::list(c, &ctx.actor, &af, t, Page::new(1, 20)).await?;
    Ok(UnitFees { lines: lines.items, totals, payment_count: payments.total, payments: payments.items, cases: cases.items })
}

impl UnitPage {
    fn fitout_label(&self, code: &str) -> &'static str {
        FitoutState::parse(code).map(|f| f.label(self.ctx.en())).unwrap_or("")
    }
    fn is_current(&self, t: &Tenure) -> bool {
        t.start_date <= self.today && t.end_date.is_none_or(|e| e >= self.today)
    }
}

async fn unit_page(state: &AppState, ctx: Ctx, id: i64, tab: &str, v: FormData, errs: Errs) -> AppResult<UnitPage> {
    let mut c = state.db.read().await?;
    let unit = org::unit(&mut c, &ctx.actor, id, today()).await?.ok_or(AppError::NotFound)?;
    let project = org::project(&mut c, &ctx.actor, unit.project_id).await?.ok_or(AppError::NotFound)?;
    let see_parties = ctx.actor.can(Permission::ViewParties);
    let (owners, leases) = if see_parties {
        (org::tenures_of_unit(&mut c, TenureKind::Ownership, id).await?, org::tenures_of_unit(&mut c, TenureKind::Lease, id).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut contacts = Vec::new();
    let t = today();
    for tn in owners.iter().chain(leases.iter()).filter(|x| x.start_date <= t && x.end_date.is_none_or(|e| e >= t)) {
        for ct in org::contacts(&mut c, tn.party_id).await? {
            contacts.push((tn.party_name.clone(), ct));
        }
    }
    let history = if see_parties { event::for_entity(&mut c, "unit", id).await? } else { Vec::new() };
    let fees = if ctx.actor.can(Permission::ViewFees) { Some(unit_fees(&mut c, &ctx, &unit, t).await?) } else { None };
    Ok(UnitPage { ctx, unit, project, owners, leases, contacts, history, tab: tab.to_string(), v, errs, fitouts: FitoutState::ALL, today: t, fees })
}

pub async fn unit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(m): Q) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    let tab = match q(&m, "tab") {
        "" => "overview",
        t => t,
    }
    .to_string();
    Ok(render(&unit_page(&state, ctx, id, &tab, FormData::default(), errs).await?))
}

pub async fn add_ownership(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input =
        OwnershipInput { party_id: form.get("party_id").into(), start_date: form.get("start_date").into(), certificate_no: form.get("certificate_no").into() };
    match ops::transfer_ownership(&state.db, &ctx.actor, id, &input).await {
        Ok(_) => Ok(saved(&format!("/units/{id}?tab=ownership"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&unit_page(&state, ctx, id, "ownership", form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn add_lease(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input = LeaseInput {
        unit_id: id.to_string(),
        party_id: form.get("party_id").into(),
        start_date: form.get("start_date").into(),
        end_date: form.get("end_date").into(),
        fitout: form.get("fitout").into(),
        monthly_rent: form.get("monthly_rent").into(),
        note: form.get("note").into(),
    };
    match ops::create_lease(&state.db, &ctx.actor, &input).await {
        Ok(_) => Ok(saved(&format!("/units/{id}?tab=leases"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&unit_page(&state, ctx, id, "leases", form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn terminate_lease(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let lease = org::tenure(&mut c, &ctx.actor, TenureKind::Lease, id).await?.ok_or(AppError::NotFound)?;
    drop(c);
    match ops::terminate_lease(&state.db, &ctx.actor, id, form.get("end_date")).await {
        Ok(()) => Ok(saved(&format!("/units/{}?tab=leases", lease.unit_id))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&unit_page(&state, ctx, lease.unit_id, "leases", form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- parties ----------

#[derive(Template)]
#[template(path = "staff/parties.html")]
struct PartiesPage {
    ctx: Ctx,
    parties: Vec<Party>,
    pager: Pager,
    kinds: &'static [PartyKind],
    f_project: Option<i64>,
    f_kind: String,
    f_key: bool,
    f_q: String,
    export: String,
}

impl PartiesPage {
    fn is_project(&self, id: &i64) -> bool {
        self.f_project == Some(*id)
    }
}

pub async fn parties(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewParties)?;
    let f = PartyFilter {
        project_id: list_project(&ctx, &m),
        kind: PartyKind::parse(q(&m, "kind")).ok(),
        key_customer: q(&m, "key") == "1",
        q: Some(q(&m, "q").to_string()).filter(|s| !s.trim().is_empty()),
    };
    let query = vec![
        ("project_id", f.project_id.map(|p| p.to_string()).unwrap_or_default()),
        ("kind", f.kind.map(|k| k.code().to_string()).unwrap_or_default()),
        ("key", if f.key_customer { "1".to_string() } else { String::new() }),
        ("q", f.q.clone().unwrap_or_default()),
    ];
    let mut c = state.db.read().await?;
    if q(&m, "format") == "xlsx" {
        let all = org::list_parties(&mut c, &ctx.actor, &f, Page::first(xlsx::MAX_ROWS)).await?;
        return Ok(xlsx_response(xlsx::parties(&all.items, ctx.lang)?, "客户清单.xlsx"));
    }
    let list: Paged<Party> = org::list_parties(&mut c, &ctx.actor, &f, Page::new(q(&m, "page").parse().unwrap_or(1), 50)).await?;
    let pager = Pager::new(&list, "/parties", &query);
    Ok(render(&PartiesPage {
        export: format!("/parties?{}&format=xlsx", query_string(&query)),
        parties: list.items,
        pager,
        kinds: PartyKind::ALL,
        f_project: f.project_id,
        f_kind: f.kind.map(|k| k.code().to_string()).unwrap_or_default(),
        f_key: f.key_customer,
        f_q: f.q.unwrap_or_default(),
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "staff/party_form.html")]
struct PartyForm {
    ctx: Ctx,
    party: Option<Party>,
    kinds: &'static [PartyKind],
    v: FormData,
    errs: Errs,
}

fn party_input(f: &FormData) -> PartyInput {
    PartyInput {
        project_id: f.get("project_id").into(),
        kind: f.get("kind").into(),
        name: f.get("name").into(),
        phone: f.get("phone").into(),
        email: f.get("email").into(),
        id_card_no: f.get("id_card_no").into(),
        licence_no: f.get("licence_no").into(),
        tax_no: f.get("tax_no").into(),
        org_code: f.get("org_code").into(),
        legal_rep: f.get("legal_rep").into(),
        business_type: f.get("business_type").into(),
        key_customer: f.has("key_customer"),
        note: f.get("note").into(),
        emergency_name: f.get("emergency_name").into(),
        emergency_phone: f.get("emergency_phone").into(),
    }
}

fn party_values(p: &Party) -> FormData {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    FormData(vec![
        ("project_id".into(), p.project_id.to_string()),
        ("kind".into(), p.kind.code().into()),
        ("name".into(), p.name.clone()),
        ("phone".into(), p.phone.clone()),
        ("email".into(), o(&p.email)),
        ("id_card_no".into(), o(&p.id_card_no)),
        ("licence_no".into(), o(&p.licence_no)),
        ("tax_no".into(), o(&p.tax_no)),
        ("org_code".into(), o(&p.org_code)),
        ("legal_rep".into(), o(&p.legal_rep)),
        ("business_type".into(), o(&p.business_type)),
        ("key_customer".into(), if p.key_customer { "1".into() } else { String::new() }),
        ("note".into(), p.note.clone()),
        ("version".into(), p.version.to_string()),
    ])
}

pub async fn new_party(ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::EditParties)?;
    let project = list_project(&ctx, &m).or_else(|| ctx.projects.first().map(|p| p.id)).unwrap_or(0);
    let kind = if q(&m, "kind") == "company" { "company" } else { "person" };
    let v = FormData(vec![("project_id".into(), project.to_string()), ("kind".into(), kind.into())]);
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&PartyForm { ctx, party: None, kinds: PartyKind::ALL, v, errs }))
}

pub async fn create_party(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    match ops::create_party(&state.db, &ctx.actor, &party_input(&form)).await {
        Ok(id) => Ok(saved(&format!("/parties/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&PartyForm { ctx, party: None, kinds: PartyKind::ALL, v: form, errs }))
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_party(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.require(Permission::EditParties)?;
    let mut c = state.db.read().await?;
    let party = org::party(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let v = party_values(&party);
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&PartyForm { ctx, party: Some(party), kinds: PartyKind::ALL, v, errs }))
}

pub async fn update_party(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let version = form.get("version").parse().unwrap_or(0);
    match ops::update_party(&state.db, &ctx.actor, id, version, &party_input(&form)).await {
        Ok(()) => Ok(saved(&format!("/parties/{id}"))),
        Err(AppError::Invalid(e)) => {
            let mut c = state.db.read().await?;
            let party = org::party(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&PartyForm { ctx, party: Some(party), kinds: PartyKind::ALL, v: form, errs }))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/party.html")]
struct PartyPage {
    ctx: Ctx,
    party: Party,
    contacts: Vec<Contact>,
    owned: Vec<Tenure>,
    leased: Vec<Tenure>,
    history: Vec<Event>,
    contact_kinds: &'static [ContactKind],
    v: FormData,
    errs: Errs,
}

async fn party_page(state: &AppState, ctx: Ctx, id: i64, v: FormData, errs: Errs) -> AppResult<PartyPage> {
    ctx.require(Permission::ViewParties)?;
    let mut c = state.db.read().await?;
    let party = org::party(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let contacts = org::contacts(&mut c, id).await?;
    let owned = org::tenures_of_party(&mut c, TenureKind::Ownership, id).await?;
    let leased = org::tenures_of_party(&mut c, TenureKind::Lease, id).await?;
    let history = event::for_entity(&mut c, "party", id).await?;
    Ok(PartyPage { ctx, party, contacts, owned, leased, history, contact_kinds: ContactKind::ALL, v, errs })
}

pub async fn party(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let errs = Errs::new(Default::default(), ctx.lang);
    Ok(render(&party_page(&state, ctx, id, FormData::default(), errs).await?))
}

pub async fn add_contact(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    let input =
        ContactInput { kind: form.get("kind").into(), name: form.get("name").into(), relation: form.get("relation").into(), phone: form.get("phone").into() };
    match ops::add_contact(&state.db, &ctx.actor, id, &input).await {
        Ok(_) => Ok(saved(&format!("/parties/{id}"))),
        Err(AppError::Invalid(e)) => {
            let errs = Errs::new(e, ctx.lang);
            Ok(render_invalid(&party_page(&state, ctx, id, form, errs).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------- type-ahead and search ----------

#[derive(serde::Serialize)]
pub struct Hit {
    id: i64,
    label: String,
}

/// `GET /lookup/parties?project_id=&q=` — for type-ahead fields (name, phone, licence no.).
pub async fn lookup_parties(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewParties)?;
    let f = PartyFilter { project_id: opt_id(q(&m, "project_id")), q: Some(q(&m, "q").to_string()), ..Default::default() };
    let mut c = state.db.read().await?;
    let list = org::list_parties(&mut c, &ctx.actor, &f, Page::new(1, 12)).await?;
    let hits: Vec<Hit> = list.items.into_iter().map(|p| Hit { id: p.id, label: format!("{} · {}", p.name, p.phone) }).collect();
    Ok(Json(hits).into_response())
}

/// `GET /lookup/units?project_id=&q=` — unit number, owner or tenant name or phone.
pub async fn lookup_units(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let f = UnitFilter { project_id: opt_id(q(&m, "project_id")), q: Some(q(&m, "q").to_string()), ..Default::default() };
    let mut c = state.db.read().await?;
    let list = org::list_units(&mut c, &ctx.actor, &f, Page::new(1, 12), today()).await?;
    let hits: Vec<Hit> = list
        .items
        .into_iter()
        .map(|u| Hit { id: u.id, label: format!("{} {} {}", u.building_name, u.unit_no, u.tenant_name.or(u.owner_name).unwrap_or_default()) })
        .collect();
    Ok(Json(hits).into_response())
}

#[derive(Template)]
#[template(path = "staff/search.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    units: Vec<Unit>,
    parties: Vec<Party>,
}

/// The top bar's search: unit numbers, names and phone numbers across the caller's projects.
pub async fn search(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    let text = q(&m, "q").trim().to_string();
    let mut units = Vec::new();
    let mut parties = Vec::new();
    if !text.is_empty() {
        let mut c = state.db.read().await?;
        units = org::list_units(&mut c, &ctx.actor, &UnitFilter { q: Some(text.clone()), ..Default::default() }, Page::new(1, 30), today()).await?.items;
        if ctx.actor.can(Permission::ViewParties) {
            parties = org::list_parties(&mut c, &ctx.actor, &PartyFilter { q: Some(text.clone()), ..Default::default() }, Page::new(1, 30)).await?.items;
        }
    }
    if units.len() == 1 && parties.is_empty() {
        return Ok(axum::response::Redirect::to(&format!("/units/{}", units[0].id)).into_response());
    }
    Ok(render(&SearchPage { ctx, q: text, units, parties }))
}
