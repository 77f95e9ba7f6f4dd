//! ORG: projects, buildings, units, parties, contacts, ownership and leases.
//! Every read takes the actor's project list and filters by it, so a record of another
//! project is simply not found (SEC-2: no existence leaks).

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::org::{ContactKind, FitoutState, PartyKind, ProjectKind, UnitKind};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Company {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Project {
    pub id: i64,
    pub company_id: i64,
    pub code: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: ProjectKind,
    pub address: String,
    pub timezone: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ProjectStats {
    pub id: i64,
    pub code: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: ProjectKind,
    pub buildings: i64,
    pub units: i64,
    pub parties: i64,
    pub active_leases: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Building {
    pub id: i64,
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub floors: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Unit {
    pub id: i64,
    pub project_id: i64,
    pub building_id: i64,
    pub building_code: String,
    pub building_name: String,
    pub unit_no: String,
    #[sqlx(try_from = "String")]
    pub kind: UnitKind,
    pub use_purpose: String,
    pub floor: i64,
    /// Areas in hundredths of a square metre.
    pub building_area: i64,
    pub usable_area: Option<i64>,
    pub land_area: Option<i64>,
    pub facilities: String,
    pub handover_date: Option<NaiveDate>,
    pub version: i64,
    pub owner_name: Option<String>,
    pub tenant_name: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Party {
    pub id: i64,
    pub project_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: PartyKind,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub id_card_no: Option<String>,
    pub licence_no: Option<String>,
    pub tax_no: Option<String>,
    pub org_code: Option<String>,
    pub legal_rep: Option<String>,
    pub business_type: Option<String>,
    pub key_customer: bool,
    pub note: String,
    pub version: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Contact {
    pub id: i64,
    pub party_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: ContactKind,
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// An ownership or lease record with the unit and party named, for pages and registers.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Tenure {
    pub id: i64,
    pub unit_id: i64,
    pub party_id: i64,
    pub project_id: i64,
    pub building_name: String,
    pub unit_no: String,
    pub party_name: String,
    pub party_phone: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Ownership: certificate number. Lease: fit-out state code.
    pub detail: String,
    /// Lease: monthly rent in fen.
    pub amount: Option<i64>,
    pub building_area: i64,
    /// When the record was entered (ORG-4 measures it against `start_date`).
    pub created_at: DateTime<Utc>,
}

// ---------- projects and buildings ----------

const PROJECT_COLS: &str = "id, company_id, code, name, kind, address, timezone";

pub async fn company(c: &mut impl AsEx, id: i64) -> Result<Option<Company>> {
    c.ex().fetch_optional(Sql::new("SELECT id, name FROM companies WHERE id = $1").arg(id)).await
}

pub async fn first_company(c: &mut impl AsEx) -> Result<Option<Company>> {
    c.ex().fetch_optional(Sql::new("SELECT id, name FROM companies ORDER BY id LIMIT 1")).await
}

/// Creates a company with the shipped working-day calendar (2024–2026) already entered, so
/// every caller — the command line, the demo, the benchmarks, tests — gets a calendar.
pub async fn insert_company(c: &mut impl AsEx, name: &str, now: DateTime<Utc>) -> Result<i64> {
    let id = c.ex().insert(Sql::new("INSERT INTO companies (name, created_at) VALUES ($1, $2)").arg(name).arg(now)).await?;
    crate::models::calendar::seed_shipped(c, id).await?;
    Ok(id)
}

/// The projects the actor is assigned to.
pub async fn projects(c: &mut impl AsEx, actor: &Actor) -> Result<Vec<Project>> {
    let sql = Sql::new(&format!("SELECT {PROJECT_COLS} FROM projects WHERE id IN ")).bind_list(&actor.projects).push(" ORDER BY code");
    c.ex().fetch_all(sql).await
}

/// Every company's id, in order (for jobs that run over all of them).
pub async fn company_ids(c: &mut impl AsEx) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c.ex().fetch_all(Sql::new("SELECT id FROM companies ORDER BY id")).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// All projects of a company (for the admin assigning staff).
pub async fn company_projects(c: &mut impl AsEx, company_id: i64) -> Result<Vec<Project>> {
    let sql = Sql::new(&format!("SELECT {PROJECT_COLS} FROM projects WHERE company_id = $1 ORDER BY code")).arg(company_id);
    c.ex().fetch_all(sql).await
}

pub async fn project_stats(c: &mut impl AsEx, actor: &Actor) -> Result<Vec<ProjectStats>> {
    let sql = Sql::new(
        "SELECT p.id, p.code, p.name, p.kind,
            (SELECT COUNT(*) FROM buildings b WHERE b.project_id = p.id) AS buildings,
            (SELECT COUNT(*) FROM units u WHERE u.project_id = p.id) AS units,
            (SELECT COUNT(*) FROM parties x WHERE x.project_id = p.id) AS parties,
            (SELECT COUNT(*) FROM leases l JOIN units u ON u.id = l.unit_id WHERE u.project_id = p.id
                AND l.start_date <= $1 AND (l.end_date IS NULL OR l.end_date >= $1)) AS active_leases
         FROM projects p WHERE p.id IN ",
    )
    .arg(Utc::now().date_naive())
    .bind_list(&actor.projects)
    .push(" ORDER BY p.code");
    c.ex().fetch_all(sql).await
}

pub async fn project(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<Project>> {
    if !actor.sees_project(id) {
        return Ok(None);
    }
    c.ex().fetch_optional(Sql::new(&format!("SELECT {PROJECT_COLS} FROM projects WHERE id = $1")).arg(id)).await
}

pub struct NewProject<'a> {
    pub company_id: i64,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: ProjectKind,
    pub address: &'a str,
}

pub async fn insert_project(c: &mut impl AsEx, p: &NewProject<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO projects (company_id, code, name, kind, address, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .arg(p.company_id)
        .arg(p.code)
        .arg(p.name)
        .arg(p.kind.code())
        .arg(p.address)
        .arg(now);
    c.ex().insert(sql).await
}

pub async fn buildings(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> Result<Vec<Building>> {
    if !actor.sees_project(project_id) {
        return Ok(Vec::new());
    }
    let sql = Sql::new("SELECT id, project_id, code, name, floors FROM buildings WHERE project_id = $1 ORDER BY code").arg(project_id);
    c.ex().fetch_all(sql).await
}

/// Buildings of all the actor's projects (for pickers).
pub async fn all_buildings(c: &mut impl AsEx, actor: &Actor) -> Result<Vec<Building>> {
    let sql =
        Sql::new("SELECT id, project_id, code, name, floors FROM buildings WHERE project_id IN ").bind_list(&actor.projects).push(" ORDER BY project_id, code");
    c.ex().fetch_all(sql).await
}

pub async fn building(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<Building>> {
    let sql = Sql::new("SELECT id, project_id, code, name, floors FROM buildings WHERE id = $1 AND project_id IN ").arg(id).bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub async fn insert_building(c: &mut impl AsEx, project_id: i64, code: &str, name: &str, floors: i64, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO buildings (project_id, code, name, floors, created_at) VALUES ($1, $2, $3, $4, $5)")
        .arg(project_id)
        .arg(code)
        .arg(name)
        .arg(floors)
        .arg(now);
    c.ex().insert(sql).await
}

// ---------- units ----------

/// Columns of a unit with its building and, as of `$1`, its current owner and tenant.
const UNIT_SELECT: &str = "SELECT u.id, u.project_id, u.building_id, b.code AS building_code, b.name AS building_name, u.unit_no, u.kind,
    u.use_purpose, u.floor, u.building_area, u.usable_area, u.land_area, u.facilities, u.handover_date, u.version,
    (SELECT p.name FROM ownerships o JOIN parties p ON p.id = o.party_id WHERE o.unit_id = u.id AND o.start_date <= $1 AND (o.end_date IS NULL OR o.end_date >= $1) ORDER BY o.start_date DESC LIMIT 1) AS owner_name,
    (SELECT p.name FROM leases l JOIN parties p ON p.id = l.party_id WHERE l.unit_id = u.id AND l.start_date <= $1 AND (l.end_date IS NULL OR l.end_date >= $1) ORDER BY l.start_date DESC LIMIT 1) AS tenant_name
    FROM units u JOIN buildings b ON b.id = u.building_id";

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub project_id: Option<i64>,
    pub building_id: Option<i64>,
    pub kind: Option<UnitKind>,
    /// Unit number, or the name or phone of a current owner or tenant.
    pub q: Option<String>,
}

fn unit_filter(sql: Sql, actor: &Actor, f: &UnitFilter, today: NaiveDate) -> Sql {
    let mut sql = sql.push(" WHERE u.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND u.project_id = ").bind(p);
    }
    if let Some(b) = f.building_id {
        sql = sql.push(" AND u.building_id = ").bind(b);
    }
    if let Some(k) = f.kind {
        sql = sql.push(" AND u.kind = ").bind(k.code());
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // Non-correlated subqueries: the parties are scanned once per query, not once per unit.
        let pat = like_contains(q);
        let holders = |sql: Sql, table: &str| {
            sql.push(&format!(" OR u.id IN (SELECT t.unit_id FROM {table} t JOIN parties p ON p.id = t.party_id WHERE p.project_id IN "))
                .bind_list(&actor.projects)
                .push(" AND (t.end_date IS NULL OR t.end_date >= ")
                .bind(today)
                .push(") AND (p.name LIKE ")
                .bind(pat.clone())
                .push(" ESCAPE '\\' OR p.phone LIKE ")
                .bind(pat.clone())
                .push(" ESCAPE '\\'))")
        };
        sql = sql.push(" AND (u.unit_no LIKE ").bind(like_contains(&q.to_uppercase())).push(" ESCAPE '\\'");
        sql = holders(sql, "ownerships");
        sql = holders(sql, "leases").push(")");
    }
    sql
}

pub async fn list_units(c: &mut impl AsEx, actor: &Actor, f: &UnitFilter, page: Page, today: NaiveDate) -> Result<Paged<Unit>> {
    let count = unit_filter(Sql::new("SELECT COUNT(*) FROM units u"), actor, f, today);
    let total = c.ex().scalar(count).await?;
    let sql = unit_filter(Sql::new(UNIT_SELECT).arg(today), actor, f, today)
        // Index order (units_project): no sort of the whole project per page, and floor before
        // number so A-101 comes before A-1001. Buildings are listed in the order they were created.
        .push(" ORDER BY u.project_id, u.building_id, u.floor, u.unit_no LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

pub async fn unit(c: &mut impl AsEx, actor: &Actor, id: i64, today: NaiveDate) -> Result<Option<Unit>> {
    let sql = Sql::new(UNIT_SELECT).arg(today).push(" WHERE u.id = ").bind(id).push(" AND u.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub async fn unit_by_no(c: &mut impl AsEx, actor: &Actor, building_id: i64, unit_no: &str, today: NaiveDate) -> Result<Option<Unit>> {
    let sql = Sql::new(UNIT_SELECT)
        .arg(today)
        .push(" WHERE u.building_id = ")
        .bind(building_id)
        .push(" AND u.unit_no = ")
        .bind(unit_no)
        .push(" AND u.project_id IN ")
        .bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

#[derive(Debug, Clone)]
pub struct UnitData {
    pub building_id: i64,
    pub unit_no: String,
    pub kind: UnitKind,
    pub use_purpose: String,
    pub floor: i64,
    pub building_area: i64,
    pub usable_area: Option<i64>,
    pub land_area: Option<i64>,
    pub facilities: String,
    pub handover_date: Option<NaiveDate>,
}

pub async fn insert_unit(c: &mut impl AsEx, project_id: i64, u: &UnitData, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO units (project_id, building_id, unit_no, kind, use_purpose, floor, building_area, usable_area, land_area, facilities, handover_date, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .arg(project_id)
    .arg(u.building_id)
    .arg(&u.unit_no)
    .arg(u.kind.code())
    .arg(&u.use_purpose)
    .arg(u.floor)
    .arg(u.building_area)
    .arg(u.usable_area)
    .arg(u.land_area)
    .arg(&u.facilities)
    .arg(u.handover_date)
    .arg(now);
    c.ex().insert(sql).await
}

/// Updates a unit only if it is still at `version`; returns false when someone changed it meanwhile.
pub async fn update_unit(c: &mut impl AsEx, id: i64, version: i64, u: &UnitData) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE units SET building_id = $1, unit_no = $2, kind = $3, use_purpose = $4, floor = $5, building_area = $6, usable_area = $7,
         land_area = $8, facilities = $9, handover_date = $10, version = version + 1 WHERE id = $11 AND version = $12",
    )
    .arg(u.building_id)
    .arg(&u.unit_no)
    .arg(u.kind.code())
    .arg(&u.use_purpose)
    .arg(u.floor)
    .arg(u.building_area)
    .arg(u.usable_area)
    .arg(u.land_area)
    .arg(&u.facilities)
    .arg(u.handover_date)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

// ---------- parties ----------

const PARTY_COLS: &str =
    "id, project_id, kind, name, phone, email, id_card_no, licence_no, tax_no, org_code, legal_rep, business_type, key_customer, note, version";

#[derive(Debug, Clone, Default)]
pub struct PartyFilter {
    pub project_id: Option<i64>,
    pub kind: Option<PartyKind>,
    pub key_customer: bool,
    /// Name, phone or licence number.
    pub q: Option<String>,
}

fn party_filter(sql: Sql, actor: &Actor, f: &PartyFilter) -> Sql {
    let mut sql = sql.push(" WHERE project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND project_id = ").bind(p);
    }
    if let Some(k) = f.kind {
        sql = sql.push(" AND kind = ").bind(k.code());
    }
    if f.key_customer {
        sql = sql.push(" AND key_customer = ").bind(true);
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql
            .push(" AND (name LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR phone LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR licence_no LIKE ")
            .bind(like_contains(&q.to_uppercase()))
            .push(" ESCAPE '\\')");
    }
    sql
}

pub async fn list_parties(c: &mut impl AsEx, actor: &Actor, f: &PartyFilter, page: Page) -> Result<Paged<Party>> {
    let total = c.ex().scalar(party_filter(Sql::new("SELECT COUNT(*) FROM parties"), actor, f)).await?;
    let sql = party_filter(Sql::new(&format!("SELECT {PARTY_COLS} FROM parties")), actor, f)
        .push(" ORDER BY project_id, name, id LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

pub async fn party(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<Party>> {
    let sql = Sql::new(&format!("SELECT {PARTY_COLS} FROM parties WHERE id = $1 AND project_id IN ")).arg(id).bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

#[derive(Debug, Clone)]
pub struct PartyData {
    pub kind: PartyKind,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub id_card_no: Option<String>,
    pub licence_no: Option<String>,
    pub tax_no: Option<String>,
    pub org_code: Option<String>,
    pub legal_rep: Option<String>,
    pub business_type: Option<String>,
    pub key_customer: bool,
    pub note: String,
}

pub async fn insert_party(c: &mut impl AsEx, project_id: i64, p: &PartyData, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO parties (project_id, kind, name, phone, email, id_card_no, licence_no, tax_no, org_code, legal_rep, business_type, key_customer, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .arg(project_id)
    .arg(p.kind.code())
    .arg(&p.name)
    .arg(&p.phone)
    .arg(p.email.clone())
    .arg(p.id_card_no.clone())
    .arg(p.licence_no.clone())
    .arg(p.tax_no.clone())
    .arg(p.org_code.clone())
    .arg(p.legal_rep.clone())
    .arg(p.business_type.clone())
    .arg(p.key_customer)
    .arg(&p.note)
    .arg(now);
    c.ex().insert(sql).await
}

pub async fn update_party(c: &mut impl AsEx, id: i64, version: i64, p: &PartyData) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE parties SET kind = $1, name = $2, phone = $3, email = $4, id_card_no = $5, licence_no = $6, tax_no = $7, org_code = $8,
         legal_rep = $9, business_type = $10, key_customer = $11, note = $12, version = version + 1 WHERE id = $13 AND version = $14",
    )
    .arg(p.kind.code())
    .arg(&p.name)
    .arg(&p.phone)
    .arg(p.email.clone())
    .arg(p.id_card_no.clone())
    .arg(p.licence_no.clone())
    .arg(p.tax_no.clone())
    .arg(p.org_code.clone())
    .arg(p.legal_rep.clone())
    .arg(p.business_type.clone())
    .arg(p.key_customer)
    .arg(&p.note)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

pub async fn contacts(c: &mut impl AsEx, party_id: i64) -> Result<Vec<Contact>> {
    c.ex().fetch_all(Sql::new("SELECT id, party_id, kind, name, relation, phone FROM contacts WHERE party_id = $1 ORDER BY id").arg(party_id)).await
}

pub async fn insert_contact(c: &mut impl AsEx, party_id: i64, kind: ContactKind, name: &str, relation: &str, phone: &str, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO contacts (party_id, kind, name, relation, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .arg(party_id)
        .arg(kind.code())
        .arg(name)
        .arg(relation)
        .arg(phone)
        .arg(now);
    c.ex().insert(sql).await
}

// ---------- ownership and leases ----------

fn tenure_select(table: &str) -> String {
    let (detail, amount) = if table == "ownerships" { ("t.certificate_no", "NULL") } else { ("t.fitout", "t.monthly_rent") };
    format!(
        "SELECT t.id, t.unit_id, t.party_id, u.project_id, b.name AS building_name, u.unit_no, p.name AS party_name, p.phone AS party_phone,
         t.start_date, t.end_date, {detail} AS detail, CAST({amount} AS BIGINT) AS amount, u.building_area, t.created_at
         FROM {table} t JOIN units u ON u.id = t.unit_id JOIN buildings b ON b.id = u.building_id JOIN parties p ON p.id = t.party_id"
    )
}

pub enum TenureKind {
    Ownership,
    Lease,
}

impl TenureKind {
    fn table(&self) -> &'static str {
        match self {
            TenureKind::Ownership => "ownerships",
            TenureKind::Lease => "leases",
        }
    }
}

/// A unit's ownership or lease history, newest first.
pub async fn tenures_of_unit(c: &mut impl AsEx, kind: TenureKind, unit_id: i64) -> Result<Vec<Tenure>> {
    let sql = Sql::new(&tenure_select(kind.table())).push(" WHERE t.unit_id = ").bind(unit_id).push(" ORDER BY t.start_date DESC, t.id DESC");
    c.ex().fetch_all(sql).await
}

pub async fn tenures_of_party(c: &mut impl AsEx, kind: TenureKind, party_id: i64) -> Result<Vec<Tenure>> {
    let sql = Sql::new(&tenure_select(kind.table())).push(" WHERE t.party_id = ").bind(party_id).push(" ORDER BY t.start_date DESC, t.id DESC");
    c.ex().fetch_all(sql).await
}

pub async fn tenure(c: &mut impl AsEx, actor: &Actor, kind: TenureKind, id: i64) -> Result<Option<Tenure>> {
    let sql = Sql::new(&tenure_select(kind.table())).push(" WHERE t.id = ").bind(id).push(" AND u.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// ORG-3: the register for a month — every record of the project that was in force on any
/// day of [from, to], so transfers and changes within the month all appear.
pub async fn register(c: &mut impl AsEx, actor: &Actor, kind: TenureKind, project_id: i64, from: NaiveDate, to: NaiveDate) -> Result<Vec<Tenure>> {
    if !actor.sees_project(project_id) {
        return Ok(Vec::new());
    }
    let sql = Sql::new(&tenure_select(kind.table()))
        .push(" WHERE u.project_id = ")
        .bind(project_id)
        .push(" AND t.start_date <= ")
        .bind(to)
        .push(" AND (t.end_date IS NULL OR t.end_date >= ")
        .bind(from)
        .push(") ORDER BY b.code, u.unit_no, t.start_date");
    c.ex().fetch_all(sql).await
}

/// ORG-4: every unit of a project with its current holders, for the year-end archive export.
pub async fn all_units(c: &mut impl AsEx, actor: &Actor, project_id: i64, on: NaiveDate) -> Result<Vec<Unit>> {
    if !actor.sees_project(project_id) {
        return Ok(Vec::new());
    }
    let sql = Sql::new(UNIT_SELECT).arg(on).push(" WHERE u.project_id = ").bind(project_id).push(" ORDER BY u.building_id, u.floor, u.unit_no");
    c.ex().fetch_all(sql).await
}

/// ORG-4: every party of a project with its contacts, for the year-end archive export.
pub async fn all_parties(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> Result<Vec<Party>> {
    if !actor.sees_project(project_id) {
        return Ok(Vec::new());
    }
    c.ex().fetch_all(Sql::new(&format!("SELECT {PARTY_COLS} FROM parties WHERE project_id = $1 ORDER BY id")).arg(project_id)).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ContactRow {
    pub party_name: String,
    #[sqlx(try_from = "String")]
    pub kind: ContactKind,
    pub name: String,
    pub relation: String,
    pub phone: String,
}

pub async fn all_contacts(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> Result<Vec<ContactRow>> {
    if !actor.sees_project(project_id) {
        return Ok(Vec::new());
    }
    let sql = Sql::new("SELECT p.name AS party_name, c.kind, c.name, c.relation, c.phone FROM contacts c JOIN parties p ON p.id = c.party_id WHERE p.project_id = $1 ORDER BY p.id, c.id").arg(project_id);
    c.ex().fetch_all(sql).await
}

/// The unit's open ownership record, locked for the transaction on PostgreSQL.
pub async fn current_ownership(c: &mut impl AsEx, unit_id: i64, lock: &str) -> Result<Option<(i64, NaiveDate)>> {
    let sql = Sql::new(&format!("SELECT id, start_date FROM ownerships WHERE unit_id = $1 AND end_date IS NULL{lock}")).arg(unit_id);
    c.ex().fetch_optional(sql).await
}

pub async fn close_ownership(c: &mut impl AsEx, id: i64, end: NaiveDate) -> Result<u64> {
    c.ex().execute(Sql::new("UPDATE ownerships SET end_date = $1 WHERE id = $2 AND end_date IS NULL").arg(end).arg(id)).await
}

pub async fn insert_ownership(c: &mut impl AsEx, unit_id: i64, party_id: i64, start: NaiveDate, certificate_no: &str, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO ownerships (unit_id, party_id, start_date, certificate_no, created_at) VALUES ($1, $2, $3, $4, $5)")
        .arg(unit_id)
        .arg(party_id)
        .arg(start)
        .arg(certificate_no)
        .arg(now);
    c.ex().insert(sql).await
}

/// Locks the unit row for the rest of the transaction (PostgreSQL), so two leases for one
/// unit cannot both pass the overlap check.
pub async fn lock_unit(c: &mut impl AsEx, unit_id: i64, lock: &str) -> Result<Option<i64>> {
    let sql = Sql::new(&format!("SELECT id FROM units WHERE id = $1{lock}")).arg(unit_id);
    Ok(c.ex().fetch_optional::<(i64,)>(sql).await?.map(|r| r.0))
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct LeasePeriod {
    pub id: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

pub async fn lease_periods(c: &mut impl AsEx, unit_id: i64) -> Result<Vec<LeasePeriod>> {
    c.ex().fetch_all(Sql::new("SELECT id, start_date, end_date FROM leases WHERE unit_id = $1 ORDER BY start_date").arg(unit_id)).await
}

pub struct LeaseData {
    pub unit_id: i64,
    pub party_id: i64,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub fitout: FitoutState,
    pub monthly_rent: Option<i64>,
    pub note: String,
}

pub async fn insert_lease(c: &mut impl AsEx, l: &LeaseData, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO leases (unit_id, party_id, start_date, end_date, fitout, monthly_rent, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .arg(l.unit_id)
    .arg(l.party_id)
    .arg(l.start)
    .arg(l.end)
    .arg(l.fitout.code())
    .arg(l.monthly_rent)
    .arg(&l.note)
    .arg(now);
    c.ex().insert(sql).await
}

pub async fn set_lease_end(c: &mut impl AsEx, id: i64, end: NaiveDate) -> Result<u64> {
    c.ex().execute(Sql::new("UPDATE leases SET end_date = $1, version = version + 1 WHERE id = $2").arg(end).arg(id)).await
}
