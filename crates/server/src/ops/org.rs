//! ORG-1…ORG-4: creating and changing projects, buildings, units, parties, contacts,
//! ownership and leases.

use crate::error::{AppError, AppResult};
use crate::ops::require;
use crate::ops::{de_text, log};
use chrono::{NaiveDate, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::org::{self as rules, ContactKind, FitoutState, PartyKind, Period, ProjectKind, UnitKind};
use propdesk_domain::values::{self, Area, LicenceNo, Phone, UnitNo};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::event;
use propdesk_store::models::org::{self, LeaseData, PartyData, TenureKind, UnitData};
use propdesk_store::{AsEx, Db, Tx, is_unique_violation};
use serde::Deserialize;
use serde_json::json;

/// A record the actor may not see is reported as missing, never as forbidden (no existence leak).
fn found<T>(v: Option<T>) -> AppResult<T> {
    v.ok_or(AppError::NotFound)
}

pub fn today() -> NaiveDate {
    // Business dates are in the project's zone; every demo and default project is Asia/Shanghai.
    Utc::now().with_timezone(&super::TZ).date_naive()
}

// ---------- projects and buildings ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProjectInput {
    #[serde(default, deserialize_with = "de_text")]
    pub code: String,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub address: String,
}

/// Creates a project and assigns it to its creator, so they can see what they made.
pub async fn create_project(db: &Db, actor: &Actor, input: &ProjectInput) -> AppResult<i64> {
    require(actor, Permission::EditProjects)?;
    let mut errs = FieldErrors::new();
    let code = errs.take("code", values::code(&input.code, 16));
    let name = errs.take("name", values::text(&input.name, 60));
    let kind = errs.take("kind", ProjectKind::parse(&input.kind));
    let address = errs.take("address", values::opt_text(&input.address, 200));
    errs.clone().into_result()?;
    let (Some(code), Some(name), Some(kind), Some(address)) = (code, name, kind, address) else { return Err(errs.into()) };
    let mut tx = db.begin().await?;
    let p = org::NewProject { company_id: actor.company_id, code: &code, name: &name, kind, address: address.as_deref().unwrap_or("") };
    let id = match org::insert_project(&mut tx, &p, Utc::now()).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("code", Reason::Duplicate).into()),
        r => r?,
    };
    // The command line's system actor (staff id 0) has no staff row to assign to.
    if actor.staff_id > 0 {
        let mut projects = propdesk_store::models::staff::project_ids(&mut tx, actor.staff_id).await?;
        projects.push(id);
        propdesk_store::models::staff::set_projects(&mut tx, actor.staff_id, &projects).await?;
    }
    log(&mut tx, actor, id, "project", id, "created", json!({"code": code, "name": name, "kind": kind.code()})).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BuildingInput {
    #[serde(default, deserialize_with = "de_text")]
    pub code: String,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub floors: String,
}

pub async fn create_building(db: &Db, actor: &Actor, project_id: i64, input: &BuildingInput) -> AppResult<i64> {
    require(actor, Permission::EditUnits)?;
    let mut errs = FieldErrors::new();
    let code = errs.take("code", values::code(&input.code, 16));
    let name = errs.take("name", values::text(&input.name, 60));
    let floors =
        errs.take("floors", values::floor(&input.floors).and_then(|f| if f >= 1 { Ok(f) } else { Err(Reason::Invalid("层数至少为 1", "must be at least 1")) }));
    let (Some(code), Some(name), Some(floors)) = (code, name, floors) else { return Err(errs.into()) };
    let mut tx = db.begin().await?;
    found(org::project(&mut tx, actor, project_id).await?)?;
    let id = match org::insert_building(&mut tx, project_id, &code, &name, floors, Utc::now()).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("code", Reason::Duplicate).into()),
        r => r?,
    };
    log(&mut tx, actor, project_id, "building", id, "created", json!({"code": code, "name": name, "floors": floors})).await?;
    tx.commit().await?;
    Ok(id)
}

// ---------- units ----------

/// A unit as typed on the form, in the API or in an import row.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnitInput {
    #[serde(default, deserialize_with = "de_text")]
    pub building_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_no: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub use_purpose: String,
    #[serde(default, deserialize_with = "de_text")]
    pub floor: String,
    #[serde(default, deserialize_with = "de_text")]
    pub building_area: String,
    #[serde(default, deserialize_with = "de_text")]
    pub usable_area: String,
    #[serde(default, deserialize_with = "de_text")]
    pub land_area: String,
    #[serde(default, deserialize_with = "de_text")]
    pub facilities: String,
    #[serde(default, deserialize_with = "de_text")]
    pub handover_date: String,
}

impl UnitInput {
    /// ORG-1: every field of a unit validated; all problems reported at once.
    pub fn parse(&self) -> Result<UnitData, FieldErrors> {
        let mut e = FieldErrors::new();
        let building_id = e.take("building_id", self.building_id.trim().parse::<i64>().map_err(|_| Reason::Required));
        let unit_no = e.take("unit_no", UnitNo::parse(&self.unit_no));
        let kind = e.take("kind", UnitKind::parse(&self.kind));
        let use_purpose = e.take("use_purpose", values::opt_text(&self.use_purpose, 40));
        let floor = e.take("floor", if self.floor.trim().is_empty() { Ok(1) } else { values::floor(&self.floor) });
        let building_area = e.take("building_area", Area::parse(&self.building_area));
        let usable_area = e.take("usable_area", values::optional(&self.usable_area, Area::parse));
        let land_area = e.take("land_area", values::optional(&self.land_area, Area::parse));
        let facilities = e.take("facilities", values::opt_text(&self.facilities, 200));
        let handover_date = e.take("handover_date", values::optional(&self.handover_date, values::date));
        if let (Some(b), Some(Some(u))) = (building_area, usable_area)
            && u > b
        {
            e.push("usable_area", Reason::Invalid("使用面积不能大于建筑面积", "usable area cannot exceed building area"));
        }
        match (building_id, unit_no, kind, use_purpose, floor, building_area, usable_area, land_area, facilities, handover_date) {
            (Some(building_id), Some(unit_no), Some(kind), Some(use_purpose), Some(floor), Some(ba), Some(ua), Some(la), Some(fac), Some(hd))
                if e.is_empty() =>
            {
                Ok(UnitData {
                    building_id,
                    unit_no: unit_no.into_inner(),
                    kind,
                    use_purpose: use_purpose.unwrap_or_default(),
                    floor,
                    building_area: ba.centi(),
                    usable_area: ua.map(Area::centi),
                    land_area: la.map(Area::centi),
                    facilities: fac.unwrap_or_default(),
                    handover_date: hd,
                })
            }
            _ => Err(e),
        }
    }
}

fn unit_json(u: &UnitData) -> serde_json::Value {
    json!({"building_id": u.building_id, "unit_no": u.unit_no, "kind": u.kind.code(), "use_purpose": u.use_purpose, "floor": u.floor,
           "building_area": u.building_area, "usable_area": u.usable_area, "land_area": u.land_area, "facilities": u.facilities,
           "handover_date": u.handover_date})
}

/// Inserts a unit inside an open transaction (shared by the form, the API and the importer).
pub async fn insert_unit_tx(tx: &mut Tx, actor: &Actor, data: &UnitData) -> AppResult<(i64, i64)> {
    let building = org::building(tx, actor, data.building_id).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("building_id", Reason::NotFound)))?;
    let id = match org::insert_unit(tx, building.project_id, data, Utc::now()).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("unit_no", Reason::Duplicate).into()),
        r => r?,
    };
    log(tx, actor, building.project_id, "unit", id, "created", unit_json(data)).await?;
    Ok((id, building.project_id))
}

pub async fn create_unit(db: &Db, actor: &Actor, input: &UnitInput) -> AppResult<i64> {
    require(actor, Permission::EditUnits)?;
    let data = input.parse()?;
    let mut tx = db.begin().await?;
    let (id, _) = insert_unit_tx(&mut tx, actor, &data).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a unit only if nobody changed it since `version` was read (409 otherwise).
pub async fn update_unit(db: &Db, actor: &Actor, id: i64, version: i64, input: &UnitInput) -> AppResult<()> {
    require(actor, Permission::EditUnits)?;
    let data = input.parse()?;
    let mut tx = db.begin().await?;
    let before = found(org::unit(&mut tx, actor, id, today()).await?)?;
    let building = org::building(&mut tx, actor, data.building_id).await?.filter(|b| b.project_id == before.project_id);
    if building.is_none() {
        return Err(FieldErrors::single("building_id", Reason::NotFound).into());
    }
    let ok = match org::update_unit(&mut tx, id, version, &data).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("unit_no", Reason::Duplicate).into()),
        r => r?,
    };
    if !ok {
        return Err(AppError::Conflict("房屋已被他人修改，请刷新后重试".into()));
    }
    log(
        &mut tx,
        actor,
        before.project_id,
        "unit",
        id,
        "updated",
        json!({"before": {"unit_no": before.unit_no, "building_area": before.building_area, "kind": before.kind.code()}, "after": unit_json(&data)}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------- parties ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartyInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub phone: String,
    #[serde(default, deserialize_with = "de_text")]
    pub email: String,
    #[serde(default, deserialize_with = "de_text")]
    pub id_card_no: String,
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
    /// Optional emergency contact given with a new party (000 入驻: required for merchants).
    #[serde(default, deserialize_with = "de_text")]
    pub emergency_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub emergency_phone: String,
}

/// A validated party: its project, its data and an optional emergency contact (name, phone).
pub type ParsedParty = (i64, PartyData, Option<(String, String)>);

impl PartyInput {
    /// ORG-2: a person needs a name and phone; a company also its business licence number.
    pub fn parse(&self) -> Result<ParsedParty, FieldErrors> {
        let mut e = FieldErrors::new();
        let project_id = e.take("project_id", self.project_id.trim().parse::<i64>().map_err(|_| Reason::Required));
        let kind = e.take("kind", PartyKind::parse(&self.kind));
        let name = e.take("name", values::text(&self.name, 100));
        let phone = e.take("phone", Phone::parse(&self.phone));
        let email = e.take("email", values::optional(&self.email, values::email));
        let id_card_no = e.take("id_card_no", values::optional(&self.id_card_no, values::id_card_no));
        let licence =
            if kind == Some(PartyKind::Company) { LicenceNo::parse(&self.licence_no).map(Some) } else { values::optional(&self.licence_no, LicenceNo::parse) };
        let licence_no = e.take("licence_no", licence);
        let tax_no = e.take("tax_no", values::optional(&self.tax_no, values::tax_no));
        let org_code = e.take("org_code", values::optional(&self.org_code, values::org_code));
        let legal_rep = e.take("legal_rep", values::opt_text(&self.legal_rep, 40));
        let business_type = e.take("business_type", values::opt_text(&self.business_type, 40));
        let note = e.take("note", values::opt_text(&self.note, 500));
        let emergency = match (self.emergency_name.trim().is_empty(), self.emergency_phone.trim().is_empty()) {
            (true, true) => Some(None),
            _ => {
                let n = e.take("emergency_name", values::text(&self.emergency_name, 40));
                let p = e.take("emergency_phone", Phone::parse(&self.emergency_phone));
                n.zip(p).map(|(n, p)| Some((n, p.into_inner())))
            }
        };
        match (project_id, kind, name, phone, email, id_card_no, licence_no, tax_no, org_code, legal_rep, business_type, note, emergency) {
            (
                Some(pid),
                Some(kind),
                Some(name),
                Some(phone),
                Some(email),
                Some(id_card_no),
                Some(licence_no),
                Some(tax_no),
                Some(org_code),
                Some(legal_rep),
                Some(business_type),
                Some(note),
                Some(emergency),
            ) if e.is_empty() => Ok((
                pid,
                PartyData {
                    kind,
                    name,
                    phone: phone.into_inner(),
                    email,
                    id_card_no,
                    licence_no: licence_no.map(LicenceNo::into_inner),
                    tax_no,
                    org_code,
                    legal_rep,
                    business_type,
                    key_customer: self.key_customer,
                    note: note.unwrap_or_default(),
                },
                emergency,
            )),
            _ => Err(e),
        }
    }
}

fn party_json(p: &PartyData) -> serde_json::Value {
    // Personal identifiers are not copied into the history; the record itself holds them.
    json!({"kind": p.kind.code(), "name": p.name, "phone": p.phone, "licence_no": p.licence_no, "key_customer": p.key_customer})
}

pub async fn insert_party_tx(tx: &mut Tx, actor: &Actor, project_id: i64, data: &PartyData, emergency: Option<&(String, String)>) -> AppResult<i64> {
    if !actor.sees_project(project_id) {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let id = match org::insert_party(tx, project_id, data, Utc::now()).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("licence_no", Reason::Duplicate).into()),
        r => r?,
    };
    if let Some((name, phone)) = emergency {
        org::insert_contact(tx, id, ContactKind::Emergency, name, "", phone, Utc::now()).await?;
    }
    log(tx, actor, project_id, "party", id, "created", party_json(data)).await?;
    Ok(id)
}

pub async fn create_party(db: &Db, actor: &Actor, input: &PartyInput) -> AppResult<i64> {
    require(actor, Permission::EditParties)?;
    let (project_id, data, emergency) = input.parse()?;
    let mut tx = db.begin().await?;
    let id = insert_party_tx(&mut tx, actor, project_id, &data, emergency.as_ref()).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_party(db: &Db, actor: &Actor, id: i64, version: i64, input: &PartyInput) -> AppResult<()> {
    require(actor, Permission::EditParties)?;
    let mut tx = db.begin().await?;
    let before = found(org::party(&mut tx, actor, id).await?)?;
    let mut input = input.clone();
    input.project_id = before.project_id.to_string();
    let (_, data, _) = input.parse()?;
    let ok = match org::update_party(&mut tx, id, version, &data).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("licence_no", Reason::Duplicate).into()),
        r => r?,
    };
    if !ok {
        return Err(AppError::Conflict("客户资料已被他人修改，请刷新后重试".into()));
    }
    log(&mut tx, actor, before.project_id, "party", id, "updated", json!({"before": {"name": before.name, "phone": before.phone}, "after": party_json(&data)}))
        .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactInput {
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub relation: String,
    #[serde(default, deserialize_with = "de_text")]
    pub phone: String,
}

/// ORG-2 / ORG-4: adds an occupant, emergency contact or contact to a party's file.
pub async fn add_contact(db: &Db, actor: &Actor, party_id: i64, input: &ContactInput) -> AppResult<i64> {
    require(actor, Permission::EditParties)?;
    let mut e = FieldErrors::new();
    let kind = e.take("kind", ContactKind::parse(&input.kind));
    let name = e.take("name", values::text(&input.name, 40));
    let relation = e.take("relation", values::opt_text(&input.relation, 20));
    let phone = e.take("phone", Phone::parse(&input.phone));
    let (Some(kind), Some(name), Some(relation), Some(phone)) = (kind, name, relation, phone) else { return Err(e.into()) };
    let mut tx = db.begin().await?;
    let party = found(org::party(&mut tx, actor, party_id).await?)?;
    let id = org::insert_contact(&mut tx, party_id, kind, &name, relation.as_deref().unwrap_or(""), phone.as_str(), Utc::now()).await?;
    log(&mut tx, actor, party.project_id, "party", party_id, "contact_added", json!({"kind": kind.code(), "name": name, "relation": relation})).await?;
    tx.commit().await?;
    Ok(id)
}

// ---------- ownership and leases (ORG-3) ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OwnershipInput {
    #[serde(default, deserialize_with = "de_text")]
    pub party_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub start_date: String,
    #[serde(default, deserialize_with = "de_text")]
    pub certificate_no: String,
}

/// ORG-3: registers the owner of a unit from a date. When the unit already has an owner,
/// this is a transfer: the previous record ends the day before, so the register shows both.
pub async fn transfer_ownership(db: &Db, actor: &Actor, unit_id: i64, input: &OwnershipInput) -> AppResult<i64> {
    require(actor, Permission::EditTenure)?;
    let mut e = FieldErrors::new();
    let party_id = e.take("party_id", input.party_id.trim().parse::<i64>().map_err(|_| Reason::Required));
    let start = e.take("start_date", values::date(&input.start_date));
    let cert = e.take("certificate_no", values::opt_text(&input.certificate_no, 40));
    let (Some(party_id), Some(start), Some(cert)) = (party_id, start, cert) else { return Err(e.into()) };
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    found(org::lock_unit(&mut tx, unit_id, lock).await?)?;
    let unit = found(org::unit(&mut tx, actor, unit_id, today()).await?)?;
    let party = org::party(&mut tx, actor, party_id).await?.filter(|p| p.project_id == unit.project_id);
    let Some(party) = party else { return Err(FieldErrors::single("party_id", Reason::NotFound).into()) };
    let mut previous = None;
    if let Some((prev_id, prev_start)) = org::current_ownership(&mut tx, unit_id, lock).await? {
        let end = rules::transfer_end_of_previous(prev_start, start).map_err(|r| FieldErrors::single("start_date", r))?;
        org::close_ownership(&mut tx, prev_id, end).await?;
        previous = Some(prev_id);
    }
    let id = org::insert_ownership(&mut tx, unit_id, party_id, start, cert.as_deref().unwrap_or(""), Utc::now()).await?;
    log(
        &mut tx,
        actor,
        unit.project_id,
        "unit",
        unit_id,
        if previous.is_some() { "ownership_transferred" } else { "owner_registered" },
        json!({"ownership_id": id, "party_id": party_id, "party": party.name, "start_date": start, "previous_ownership_id": previous}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeaseInput {
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub party_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub start_date: String,
    #[serde(default, deserialize_with = "de_text")]
    pub end_date: String,
    #[serde(default, deserialize_with = "de_text")]
    pub fitout: String,
    /// Yuan with up to two decimals.
    #[serde(default, deserialize_with = "de_text")]
    pub monthly_rent: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
}

/// Money is parsed in one place (domain `values::parse_yuan`).
pub use propdesk_domain::values::parse_yuan;

/// ORG-3: records a lease; leases of one unit may not overlap.
pub async fn create_lease(db: &Db, actor: &Actor, input: &LeaseInput) -> AppResult<i64> {
    require(actor, Permission::EditTenure)?;
    let mut e = FieldErrors::new();
    let unit_id = e.take("unit_id", input.unit_id.trim().parse::<i64>().map_err(|_| Reason::Required));
    let party_id = e.take("party_id", input.party_id.trim().parse::<i64>().map_err(|_| Reason::Required));
    let start = e.take("start_date", values::date(&input.start_date));
    let end = e.take("end_date", values::optional(&input.end_date, values::date));
    let fitout = e.take("fitout", if input.fitout.trim().is_empty() { Ok(FitoutState::Bare) } else { FitoutState::parse(&input.fitout) });
    let rent = e.take("monthly_rent", values::optional(&input.monthly_rent, parse_yuan));
    let note = e.take("note", values::opt_text(&input.note, 200));
    let period = match (start, end) {
        (Some(s), Some(en)) => e.take("end_date", Period::new(s, en)),
        _ => None,
    };
    let (Some(unit_id), Some(party_id), Some(period), Some(fitout), Some(rent), Some(note)) = (unit_id, party_id, period, fitout, rent, note) else {
        return Err(e.into());
    };
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    found(org::lock_unit(&mut tx, unit_id, lock).await?)?;
    let unit = org::unit(&mut tx, actor, unit_id, today()).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("unit_id", Reason::NotFound)))?;
    let party = org::party(&mut tx, actor, party_id).await?.filter(|p| p.project_id == unit.project_id);
    let Some(party) = party else { return Err(FieldErrors::single("party_id", Reason::NotFound).into()) };
    let existing: Vec<Period> = org::lease_periods(&mut tx, unit_id).await?.into_iter().map(|l| Period { start: l.start_date, end: l.end_date }).collect();
    if rules::lease_conflict(&period, &existing).is_some() {
        return Err(FieldErrors::single("start_date", Reason::Overlap).into());
    }
    let data = LeaseData { unit_id, party_id, start: period.start, end: period.end, fitout, monthly_rent: rent, note: note.unwrap_or_default() };
    let id = org::insert_lease(&mut tx, &data, Utc::now()).await?;
    log(&mut tx, actor, unit.project_id, "unit", unit_id, "lease_created",
        json!({"lease_id": id, "party_id": party_id, "party": party.name, "start_date": period.start, "end_date": period.end, "fitout": fitout.code(), "monthly_rent": rent})).await?;
    tx.commit().await?;
    Ok(id)
}

/// Ends a lease early on `date` (the tenant moves out); ORG-4 asks the archive to follow.
pub async fn terminate_lease(db: &Db, actor: &Actor, lease_id: i64, date_input: &str) -> AppResult<()> {
    require(actor, Permission::EditTenure)?;
    let date = values::date(date_input).map_err(|r| FieldErrors::single("end_date", r))?;
    let mut tx = db.begin().await?;
    let lease = found(org::tenure(&mut tx, actor, TenureKind::Lease, lease_id).await?)?;
    let lock = tx.for_update();
    org::lock_unit(&mut tx, lease.unit_id, lock).await?;
    let period = rules::terminate_on(&Period { start: lease.start_date, end: lease.end_date }, date).map_err(|r| FieldErrors::single("end_date", r))?;
    org::set_lease_end(&mut tx, lease_id, date).await?;
    log(
        &mut tx,
        actor,
        lease.project_id,
        "unit",
        lease.unit_id,
        "lease_terminated",
        json!({"lease_id": lease_id, "party": lease.party_name, "old_end_date": lease.end_date, "end_date": period.end}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads used by several front ends.
pub async fn unit_history(c: &mut impl AsEx, unit_id: i64) -> AppResult<Vec<event::Event>> {
    Ok(event::for_entity(c, "unit", unit_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_parsed_into_fen() {
        assert_eq!(parse_yuan("1234.5"), Ok(123450));
        assert_eq!(parse_yuan("0"), Ok(0));
        assert_eq!(parse_yuan("12.34"), Ok(1234));
        assert!(parse_yuan("-1").is_err());
        assert!(parse_yuan("1.234").is_err());
        assert!(parse_yuan("abc").is_err());
    }

    #[test]
    fn org_1_unit_input_reports_every_bad_field() {
        let input = UnitInput { building_id: "x".into(), unit_no: "".into(), kind: "castle".into(), building_area: "-3".into(), ..Default::default() };
        let errs = input.parse().expect_err("invalid");
        for f in ["building_id", "unit_no", "kind", "building_area"] {
            assert!(errs.get(f).is_some(), "missing error for {f}");
        }
        let ok = UnitInput {
            building_id: "1".into(),
            unit_no: "a-101".into(),
            kind: "住宅".into(),
            building_area: "88.5".into(),
            usable_area: "70".into(),
            ..Default::default()
        };
        let d = ok.parse().expect("valid");
        assert_eq!((d.unit_no.as_str(), d.building_area, d.usable_area), ("A-101", 8850, Some(7000)));
        let bigger = UnitInput { usable_area: "90".into(), ..ok };
        assert!(bigger.parse().expect_err("usable > building").get("usable_area").is_some());
    }

    #[test]
    fn org_2_company_needs_a_licence_number() {
        let input =
            PartyInput {
                project_id: "1".into(), kind: "company".into(), name: "红星商贸有限公司".into(), phone: "13800138000".into(), ..Default::default()
            };
        assert!(input.parse().expect_err("licence required").get("licence_no").is_some());
        let person = PartyInput { kind: "person".into(), ..input };
        assert!(person.parse().is_ok());
    }
}
