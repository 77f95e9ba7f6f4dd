//! ORG over JSON: projects, units, parties and leases (DOMAIN.md ORG-1…ORG-3, ORG-6, SEC-2).
//!
//! Writes go through `ops::org` (permissions → 403, validation → 422 with every bad field).
//! Reads go through `store::models::org`, which scopes every query by the caller's projects,
//! so another project's record is simply not found (404). Areas are returned both as
//! integers in centi-m² (`*_centi`) and as decimal strings in m² (`*_m2`); money in fen.

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{Created, ErrorBody, codes, created, decimal_input, m2, opt_bool, opt_enum, opt_int, page_of};
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, AppError};
use crate::ops;
use crate::ops::de_text;
use crate::ops::org::{LeaseInput, PartyInput, UnitInput, today};
use crate::ops::require;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::org::{ContactKind, FitoutState, PartyKind, ProjectKind, UnitKind};
use propdesk_store::models::org::{self, Contact, Party, PartyFilter, Tenure, TenureKind, Unit, UnitFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

schema_fn!(unit_kind_schema = codes(UnitKind::ALL.iter().map(|k| k.code())), "Unit kind.");
schema_fn!(project_kind_schema = codes(ProjectKind::ALL.iter().map(|k| k.code())), "Project kind.");
schema_fn!(party_kind_schema = codes(PartyKind::ALL.iter().map(|k| k.code())), "A person or a company (merchant).");
schema_fn!(contact_kind_schema = codes(ContactKind::ALL.iter().map(|k| k.code())), "Emergency contact, occupant or contact.");
schema_fn!(fitout_schema = codes(FitoutState::ALL.iter().map(|k| k.code())), "Fit-out state.");
schema_fn!(unit_kind_in = codes(UnitKind::ALL.iter().map(|k| k.code())), "Unit kind: a code, or its Chinese or English label (住宅, Shop, …).");
schema_fn!(
    party_kind_in = codes(PartyKind::ALL.iter().map(|k| k.code())),
    "A person or a company (a code, or its Chinese or English label). A company needs `licence_no`."
);
schema_fn!(fitout_in = codes(FitoutState::ALL.iter().map(|k| k.code())), "Fit-out state (a code, or its Chinese or English label); defaults to `bare`.");
schema_fn!(building_area_in = decimal_input(), "Building area (建筑面积) in m², > 0, at most two decimals; a JSON number or a string.");
schema_fn!(usable_area_in = decimal_input(), "Usable area (使用面积) in m², not more than the building area; a JSON number or a string.");
schema_fn!(land_area_in = decimal_input(), "Shared land area (土地分摊面积) in m²; a JSON number or a string.");
schema_fn!(monthly_rent_in = decimal_input(), "Monthly rent in yuan, at most two decimals (stored and returned in fen); a JSON number or a string.");
schema_fn!(unit_kind_param = codes(UnitKind::ALL.iter().map(|k| k.code())), "Only units of this kind (a code, or its Chinese or English label).");
schema_fn!(party_kind_param = codes(PartyKind::ALL.iter().map(|k| k.code())), "Only persons or only companies (a code, or its Chinese or English label).");

// ---------- response bodies ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    #[schema(schema_with = project_kind_schema)]
    pub kind: String,
    pub address: String,
    /// IANA time zone of the project's business dates.
    #[schema(example = "Asia/Shanghai")]
    pub timezone: String,
    pub buildings: Vec<BuildingOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub floors: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    /// The projects the caller is assigned to, with their buildings.
    pub items: Vec<ProjectOut>,
}

/// A unit (ORG-1) with its current owner and tenant by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub id: i64,
    pub project_id: i64,
    pub building_id: i64,
    pub building_code: String,
    pub building_name: String,
    #[schema(example = "A-101")]
    pub unit_no: String,
    #[schema(schema_with = unit_kind_schema)]
    pub kind: String,
    pub use_purpose: String,
    pub floor: i64,
    /// Building area (建筑面积) in hundredths of a square metre.
    #[schema(example = 8850)]
    pub building_area_centi: i64,
    /// Building area in square metres, two decimals.
    #[schema(example = "88.50")]
    pub building_area_m2: String,
    /// Usable area (使用面积) in hundredths of a square metre.
    pub usable_area_centi: Option<i64>,
    pub usable_area_m2: Option<String>,
    /// Shared land area (土地分摊面积) in hundredths of a square metre.
    pub land_area_centi: Option<i64>,
    pub land_area_m2: Option<String>,
    pub facilities: String,
    pub handover_date: Option<NaiveDate>,
    /// Row version; it changes on every update.
    pub version: i64,
    pub owner_name: Option<String>,
    pub tenant_name: Option<String>,
}

impl From<Unit> for UnitOut {
    fn from(u: Unit) -> Self {
        UnitOut {
            id: u.id,
            project_id: u.project_id,
            building_id: u.building_id,
            building_code: u.building_code,
            building_name: u.building_name,
            unit_no: u.unit_no,
            kind: u.kind.code().to_string(),
            use_purpose: u.use_purpose,
            floor: u.floor,
            building_area_centi: u.building_area,
            building_area_m2: m2(u.building_area),
            usable_area_centi: u.usable_area,
            usable_area_m2: u.usable_area.map(m2),
            land_area_centi: u.land_area,
            land_area_m2: u.land_area.map(m2),
            facilities: u.facilities,
            handover_date: u.handover_date,
            version: u.version,
            owner_name: u.owner_name,
            tenant_name: u.tenant_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub items: Vec<UnitOut>,
    /// All matching units, over every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// An ownership record (产权, ORG-3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnershipOut {
    pub id: i64,
    pub unit_id: i64,
    pub party_id: i64,
    pub party_name: String,
    pub party_phone: String,
    pub start_date: NaiveDate,
    /// Null while the record is open.
    pub end_date: Option<NaiveDate>,
    pub certificate_no: String,
    /// In force today.
    pub current: bool,
}

/// A lease record (租赁, ORG-3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaseOut {
    pub id: i64,
    pub unit_id: i64,
    pub project_id: i64,
    pub building_name: String,
    pub unit_no: String,
    pub party_id: i64,
    pub party_name: String,
    pub party_phone: String,
    pub start_date: NaiveDate,
    /// Null for an open-ended lease.
    pub end_date: Option<NaiveDate>,
    #[schema(schema_with = fitout_schema)]
    pub fitout: String,
    /// Monthly rent in fen (1/100 yuan).
    #[schema(example = 1250000)]
    pub monthly_rent_fen: Option<i64>,
    /// In force today.
    pub current: bool,
}

fn is_current(t: &Tenure, today: NaiveDate) -> bool {
    t.start_date <= today && t.end_date.is_none_or(|e| e >= today)
}

fn ownership_out(t: Tenure, today: NaiveDate) -> OwnershipOut {
    let current = is_current(&t, today);
    OwnershipOut {
        id: t.id,
        unit_id: t.unit_id,
        party_id: t.party_id,
        party_name: t.party_name,
        party_phone: t.party_phone,
        start_date: t.start_date,
        end_date: t.end_date,
        certificate_no: t.detail,
        current,
    }
}

fn lease_out(t: Tenure, today: NaiveDate) -> LeaseOut {
    let current = is_current(&t, today);
    LeaseOut {
        id: t.id,
        unit_id: t.unit_id,
        project_id: t.project_id,
        building_name: t.building_name,
        unit_no: t.unit_no,
        party_id: t.party_id,
        party_name: t.party_name,
        party_phone: t.party_phone,
        start_date: t.start_date,
        end_date: t.end_date,
        fitout: t.detail,
        monthly_rent_fen: t.amount,
        current,
    }
}

/// A unit with its ownership and lease history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: UnitOut,
    /// False when the caller's role may not see owners' and tenants' data (ORG-6, SEC-2); the
    /// history below is then empty and `current_owner`/`current_tenant` are null.
    pub tenure_visible: bool,
    pub current_owner: Option<OwnershipOut>,
    pub current_tenant: Option<LeaseOut>,
    pub ownerships: Vec<OwnershipOut>,
    pub leases: Vec<LeaseOut>,
}

/// An owner, tenant or merchant (ORG-2).
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyOut {
    pub id: i64,
    pub project_id: i64,
    #[schema(schema_with = party_kind_schema)]
    pub kind: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub id_card_no: Option<String>,
    /// Business licence number (营业执照 / unified social credit code).
    pub licence_no: Option<String>,
    pub tax_no: Option<String>,
    pub org_code: Option<String>,
    pub legal_rep: Option<String>,
    pub business_type: Option<String>,
    /// Key customer (重点客户, ORG-5).
    pub key_customer: bool,
    pub note: String,
    pub version: i64,
}

impl From<Party> for PartyOut {
    fn from(p: Party) -> Self {
        PartyOut {
            id: p.id,
            project_id: p.project_id,
            kind: p.kind.code().to_string(),
            name: p.name,
            phone: p.phone,
            email: p.email,
            id_card_no: p.id_card_no,
            licence_no: p.licence_no,
            tax_no: p.tax_no,
            org_code: p.org_code,
            legal_rep: p.legal_rep,
            business_type: p.business_type,
            key_customer: p.key_customer,
            note: p.note,
            version: p.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactOut {
    pub id: i64,
    #[schema(schema_with = contact_kind_schema)]
    pub kind: String,
    pub name: String,
    pub relation: String,
    pub phone: String,
}

impl From<Contact> for ContactOut {
    fn from(c: Contact) -> Self {
        ContactOut { id: c.id, kind: c.kind.code().to_string(), name: c.name, relation: c.relation, phone: c.phone }
    }
}

/// A party with its contacts (occupants, emergency contacts, contacts).
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyDetail {
    #[serde(flatten)]
    pub party: PartyOut,
    pub contacts: Vec<ContactOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyList {
    pub items: Vec<PartyOut>,
    /// All matching parties, over every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

// ---------- request bodies ----------
// Each converts into the `ops` input with an exhaustive struct literal, so a field added to
// the ops input does not compile until the API (and so its document) has it too. Values
// are taken as text and validated by `ops`, which reports every bad field at once.

/// A new unit (ORG-1).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUnit {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = i64, required = true)]
    pub building_id: String,
    /// Unit number; letters are upper-cased.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true, example = "A-101")]
    pub unit_no: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = unit_kind_in, required = true)]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub use_purpose: String,
    /// Defaults to 1; negative for basements.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub floor: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = building_area_in, required = true)]
    pub building_area: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = usable_area_in)]
    pub usable_area: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = land_area_in)]
    pub land_area: String,
    #[serde(default, deserialize_with = "de_text")]
    pub facilities: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = Option<NaiveDate>)]
    pub handover_date: String,
}

impl From<NewUnit> for UnitInput {
    fn from(n: NewUnit) -> Self {
        let NewUnit { building_id, unit_no, kind, use_purpose, floor, building_area, usable_area, land_area, facilities, handover_date } = n;
        UnitInput { building_id, unit_no, kind, use_purpose, floor, building_area, usable_area, land_area, facilities, handover_date }
    }
}

/// A new party (ORG-2). A company also needs its business licence number.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewParty {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = i64, required = true)]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = party_kind_in, required = true)]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true)]
    pub name: String,
    /// Mainland mobile or landline number.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true, example = "13800138000")]
    pub phone: String,
    #[serde(default, deserialize_with = "de_text")]
    pub email: String,
    #[serde(default, deserialize_with = "de_text")]
    pub id_card_no: String,
    /// Required for `company`: an 18-character unified social credit code (checked).
    #[serde(default, deserialize_with = "de_text")]
    pub licence_no: String,
    #[serde(default, deserialize_with = "de_text")]
    pub tax_no: String,
    #[serde(default, deserialize_with = "de_text")]
    pub org_code: String,
    #[serde(default, deserialize_with = "de_text")]
    pub legal_rep: String,
    #[serde(default, deserialize_with = "de_text")]
    pub business_type: String,
    #[serde(default)]
    pub key_customer: bool,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
    /// An emergency contact recorded with the party (give both name and phone, or neither).
    #[serde(default, deserialize_with = "de_text")]
    pub emergency_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub emergency_phone: String,
}

impl From<NewParty> for PartyInput {
    fn from(n: NewParty) -> Self {
        let NewParty {
            project_id,
            kind,
            name,
            phone,
            email,
            id_card_no,
            licence_no,
            tax_no,
            org_code,
            legal_rep,
            business_type,
            key_customer,
            note,
            emergency_name,
            emergency_phone,
        } = n;
        PartyInput {
            project_id,
            kind,
            name,
            phone,
            email,
            id_card_no,
            licence_no,
            tax_no,
            org_code,
            legal_rep,
            business_type,
            key_customer,
            note,
            emergency_name,
            emergency_phone,
        }
    }
}

/// A new lease (ORG-3). Leases of one unit may not overlap.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLease {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = i64, required = true)]
    pub unit_id: String,
    /// The tenant; a party of the unit's project.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = i64, required = true)]
    pub party_id: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = NaiveDate, required = true)]
    pub start_date: String,
    /// Inclusive; absent for an open-ended lease.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = fitout_in)]
    pub fitout: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = monthly_rent_in)]
    pub monthly_rent: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
}

impl From<NewLease> for LeaseInput {
    fn from(n: NewLease) -> Self {
        let NewLease { unit_id, party_id, start_date, end_date, fitout, monthly_rent, note } = n;
        LeaseInput { unit_id, party_id, start_date, end_date, fitout, monthly_rent, note }
    }
}

// ---------- query parameters ----------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only units of this project.
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    /// Only units of this building.
    #[param(value_type = Option<i64>)]
    pub building_id: Option<String>,
    #[param(schema_with = unit_kind_param)]
    pub kind: Option<String>,
    /// Unit number, or the name or phone of a current owner or tenant.
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    /// Items per page (1–500).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartyQuery {
    /// Only parties of this project.
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(schema_with = party_kind_param)]
    pub kind: Option<String>,
    /// Only key customers (ORG-5) when `true`.
    #[param(value_type = Option<bool>)]
    pub key_customer: Option<String>,
    /// Name, phone or business licence number.
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    /// Items per page (1–500).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

// ---------- handlers ----------

/// List projects
///
/// The projects the caller is assigned to, each with its buildings.
#[utoipa::path(
    get,
    path = "/api/v1/projects",
    tag = "org",
    responses(
        (status = 200, description = "The caller's projects", body = ProjectList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
    )
)]
pub async fn list_projects(ApiUser(actor): ApiUser, State(state): State<AppState>) -> ApiResult<Json<ProjectList>> {
    let mut c = state.db.read().await?;
    let projects = org::projects(&mut c, &actor).await?;
    let buildings = org::all_buildings(&mut c, &actor).await?;
    let items = projects
        .into_iter()
        .map(|p| ProjectOut {
            buildings: buildings
                .iter()
                .filter(|b| b.project_id == p.id)
                .map(|b| BuildingOut { id: b.id, code: b.code.clone(), name: b.name.clone(), floors: b.floors })
                .collect(),
            id: p.id,
            code: p.code,
            name: p.name,
            kind: p.kind.code().to_string(),
            address: p.address,
            timezone: p.timezone,
        })
        .collect();
    Ok(Json(ProjectList { items }))
}

/// List units
///
/// Units of the caller's projects, filtered and paged; ordered by project, building and unit number.
#[utoipa::path(
    get,
    path = "/api/v1/units",
    tag = "org",
    params(UnitQuery),
    responses(
        (status = 200, description = "One page of units", body = UnitList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (e.g. an unknown kind)", body = ErrorBody),
    )
)]
pub async fn list_units(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<UnitQuery>) -> ApiResult<Json<UnitList>> {
    require(&actor, Permission::ViewUnits)?;
    let mut errs = FieldErrors::new();
    let filter = UnitFilter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        building_id: opt_int(&mut errs, "building_id", q.building_id.as_deref()),
        kind: opt_enum(&mut errs, "kind", q.kind.as_deref(), UnitKind::parse),
        q: q.q.filter(|s| !s.trim().is_empty()),
    };
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let list = org::list_units(&mut c, &actor, &filter, page, today()).await?;
    Ok(Json(UnitList { items: list.items.into_iter().map(UnitOut::from).collect(), total: list.total, page: list.page.number, per_page: list.page.size }))
}

async fn load_unit(state: &AppState, actor: &Actor, id: i64) -> ApiResult<Unit> {
    let mut c = state.db.read().await?;
    org::unit(&mut c, actor, id, today()).await?.ok_or(ApiError(AppError::NotFound))
}

/// Create a unit
///
/// Needs a role that may edit units (ORG-6). Every invalid field is reported at once.
#[utoipa::path(
    post,
    path = "/api/v1/units",
    tag = "org",
    request_body = NewUnit,
    responses(
        (status = 201, description = "The created unit", body = UnitOut, headers(("Location" = String, description = "URL of the new unit"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not create units", body = ErrorBody),
        (status = 422, description = "Invalid fields, an unknown building or a duplicate unit number", body = ErrorBody),
    )
)]
pub async fn create_unit(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewUnit>) -> ApiResult<Created<UnitOut>> {
    let id = ops::org::create_unit(&state.db, &actor, &body.into()).await?;
    let unit = load_unit(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/units/{id}"), unit.into()))
}

/// Get a unit
///
/// The unit with its current owner and tenant and its whole ownership and lease history.
/// A unit of a project the caller is not assigned to is not found (SEC-2).
#[utoipa::path(
    get,
    path = "/api/v1/units/{id}",
    tag = "org",
    params(("id" = i64, Path, description = "Unit id")),
    responses(
        (status = 200, description = "The unit", body = UnitDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 404, description = "No such unit in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_unit(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<UnitDetail>> {
    require(&actor, Permission::ViewUnits)?;
    let unit = load_unit(&state, &actor, id).await?;
    let tenure_visible = actor.can(Permission::ViewParties);
    let t = today();
    let (ownerships, leases) = if tenure_visible {
        let mut c = state.db.read().await?;
        let owners = org::tenures_of_unit(&mut c, TenureKind::Ownership, id).await?;
        let leases = org::tenures_of_unit(&mut c, TenureKind::Lease, id).await?;
        (owners.into_iter().map(|x| ownership_out(x, t)).collect::<Vec<_>>(), leases.into_iter().map(|x| lease_out(x, t)).collect::<Vec<_>>())
    } else {
        (Vec::new(), Vec::new())
    };
    let current_owner = ownerships.iter().find(|o| o.current).cloned();
    let current_tenant = leases.iter().find(|l| l.current).cloned();
    Ok(Json(UnitDetail { unit: unit.into(), tenure_visible, current_owner, current_tenant, ownerships, leases }))
}

/// List parties
///
/// Owners, tenants and merchants of the caller's projects, filtered and paged. Needs a role
/// that may see personal data (ORG-6).
#[utoipa::path(
    get,
    path = "/api/v1/parties",
    tag = "org",
    params(PartyQuery),
    responses(
        (status = 200, description = "One page of parties", body = PartyList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not see parties", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_parties(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<PartyQuery>) -> ApiResult<Json<PartyList>> {
    require(&actor, Permission::ViewParties)?;
    let mut errs = FieldErrors::new();
    let filter = PartyFilter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        kind: opt_enum(&mut errs, "kind", q.kind.as_deref(), PartyKind::parse),
        key_customer: opt_bool(&mut errs, "key_customer", q.key_customer.as_deref()),
        q: q.q.filter(|s| !s.trim().is_empty()),
    };
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let list = org::list_parties(&mut c, &actor, &filter, page).await?;
    Ok(Json(PartyList { items: list.items.into_iter().map(PartyOut::from).collect(), total: list.total, page: list.page.number, per_page: list.page.size }))
}

async fn load_party(state: &AppState, actor: &Actor, id: i64) -> ApiResult<PartyDetail> {
    let mut c = state.db.read().await?;
    let party = org::party(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    let contacts = org::contacts(&mut c, id).await?;
    Ok(PartyDetail { party: party.into(), contacts: contacts.into_iter().map(ContactOut::from).collect() })
}

/// Create a party
///
/// Needs a role that may edit parties (ORG-6). A company needs its business licence number.
#[utoipa::path(
    post,
    path = "/api/v1/parties",
    tag = "org",
    request_body = NewParty,
    responses(
        (status = 201, description = "The created party with its contacts", body = PartyDetail, headers(("Location" = String, description = "URL of the new party"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not create parties", body = ErrorBody),
        (status = 422, description = "Invalid fields (phone, licence number, …), an unknown project or a duplicate licence number", body = ErrorBody),
    )
)]
pub async fn create_party(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewParty>) -> ApiResult<Created<PartyDetail>> {
    let id = ops::org::create_party(&state.db, &actor, &body.into()).await?;
    let party = load_party(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/parties/{id}"), party))
}

/// Get a party
///
/// The party with its contacts. A party of a project the caller is not assigned to is not found (SEC-2).
#[utoipa::path(
    get,
    path = "/api/v1/parties/{id}",
    tag = "org",
    params(("id" = i64, Path, description = "Party id")),
    responses(
        (status = 200, description = "The party", body = PartyDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not see parties", body = ErrorBody),
        (status = 404, description = "No such party in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_party(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<PartyDetail>> {
    require(&actor, Permission::ViewParties)?;
    Ok(Json(load_party(&state, &actor, id).await?))
}

/// Create a lease
///
/// Records a lease of a unit to a party of the same project (ORG-3). Needs a role that may
/// record tenure (ORG-6). A lease overlapping another lease of the unit is refused with a
/// field error on `start_date`.
#[utoipa::path(
    post,
    path = "/api/v1/leases",
    tag = "org",
    request_body = NewLease,
    responses(
        (status = 201, description = "The created lease", body = LeaseOut),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not record leases", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
        (status = 422, description = "Invalid fields, an unknown unit or party, or an overlap with another lease (`start_date`)", body = ErrorBody),
    )
)]
pub async fn create_lease(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewLease>) -> ApiResult<(StatusCode, Json<LeaseOut>)> {
    let id = ops::org::create_lease(&state.db, &actor, &body.into()).await?;
    let mut c = state.db.read().await?;
    let lease = org::tenure(&mut c, &actor, TenureKind::Lease, id).await?.ok_or(ApiError(AppError::NotFound))?;
    Ok((StatusCode::CREATED, Json(lease_out(lease, today()))))
}
