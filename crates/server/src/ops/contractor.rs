//! REP-11: the company's contractor register (维修商名录): create and edit a contractor with its
//! trades and qualifications, each change one transaction with its event. Choosing one for a
//! work order (REP-4) is checked in `ops::work_order` against approval and expiry.

use crate::error::{AppError, AppResult};
use crate::ops::de_text;
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::values::{self, LicenceNo, Phone};
use propdesk_domain::work_order::{Component, Trade};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::contractor::{self as store, NewContractor, NewQualification};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::{Db, Tx};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct QualificationInput {
    #[serde(default, deserialize_with = "de_text")]
    pub trade: String,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub certificate_no: String,
    /// YYYY-MM-DD; the qualification is valid through this day.
    #[serde(default, deserialize_with = "de_text")]
    pub expires_on: String,
}

/// A contractor as typed on the page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContractorInput {
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub licence_no: String,
    /// Trade codes.
    #[serde(default)]
    pub trades: Vec<String>,
    #[serde(default, deserialize_with = "de_text")]
    pub contact: String,
    #[serde(default, deserialize_with = "de_text")]
    pub phone: String,
    #[serde(default)]
    pub approved: bool,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
    #[serde(default)]
    pub qualifications: Vec<QualificationInput>,
}

#[derive(Debug, Clone)]
pub struct ParsedQualification {
    pub trade: Trade,
    pub name: String,
    pub certificate_no: String,
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct ParsedContractor {
    pub name: String,
    pub licence_no: String,
    pub trades: Vec<Trade>,
    pub contact: String,
    pub phone: String,
    pub approved: bool,
    pub note: String,
    pub qualifications: Vec<ParsedQualification>,
}

impl ContractorInput {
    /// Every problem at once: the name, a valid licence number (USCC check character), at least
    /// one known trade, a phone that is a phone, and each qualification complete with its trade
    /// among the contractor's trades.
    pub fn parse(&self) -> Result<ParsedContractor, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take("name", values::text(&self.name, 100));
        let licence = e.take("licence_no", LicenceNo::parse(&self.licence_no));
        let mut trades = Vec::new();
        for t in self.trades.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            if let Some(t) = e.take("trades", Trade::parse(t))
                && !trades.contains(&t)
            {
                trades.push(t);
            }
        }
        if trades.is_empty() && e.get("trades").is_none() {
            e.push("trades", Reason::Invalid("请至少选择一个维修工种", "choose at least one trade"));
        }
        let contact = e.take("contact", values::opt_text(&self.contact, 60)).flatten().unwrap_or_default();
        let phone = e.take("phone", values::optional(&self.phone, Phone::parse)).flatten().map(Phone::into_inner).unwrap_or_default();
        let note = e.take("note", values::opt_text(&self.note, 1000)).flatten().unwrap_or_default();
        let mut qualifications = Vec::new();
        for (i, q) in self.qualifications.iter().enumerate() {
            let f = |k: &str| format!("qualifications[{i}].{k}");
            let trade = e.take(&f("trade"), Trade::parse(q.trade.trim()));
            if let Some(t) = trade
                && !trades.is_empty()
                && !trades.contains(&t)
            {
                e.push(&f("trade"), Reason::Invalid("资质工种须在维修商的工种之内", "must be one of the contractor's trades"));
            }
            let qname = e.take(&f("name"), values::text(&q.name, 100));
            let certificate_no = e.take(&f("certificate_no"), values::opt_text(&q.certificate_no, 60)).flatten().unwrap_or_default();
            let expires_on = e.take(&f("expires_on"), values::date(&q.expires_on));
            if let (Some(trade), Some(name), Some(expires_on)) = (trade, qname, expires_on) {
                qualifications.push(ParsedQualification { trade, name, certificate_no, expires_on });
            }
        }
        match (name, licence) {
            (Some(name), Some(licence)) if e.is_empty() => {
                Ok(ParsedContractor { name, licence_no: licence.into_inner(), trades, contact, phone, approved: self.approved, note, qualifications })
            }
            _ => Err(e),
        }
    }
}

fn may_manage(actor: &Actor) -> AppResult<()> {
    if actor.can(Permission::ManageContractors) { Ok(()) } else { Err(AppError::Forbidden) }
}

async fn write(tx: &mut Tx, actor: &Actor, id: Option<(i64, i64)>, p: &ParsedContractor, now: DateTime<Utc>) -> AppResult<i64> {
    if store::licence_taken(tx, actor.company_id, &p.licence_no, id.map(|(i, _)| i)).await? {
        return Err(FieldErrors::single("licence_no", Reason::Duplicate).into());
    }
    let n = NewContractor {
        name: &p.name,
        licence_no: &p.licence_no,
        trades: &p.trades,
        contact: &p.contact,
        phone: &p.phone,
        approved: p.approved,
        note: &p.note,
    };
    let id = match id {
        None => store::insert(tx, actor.company_id, &n, now).await?,
        Some((id, version)) => {
            if store::get(tx, actor.company_id, id).await?.is_none() {
                return Err(AppError::NotFound);
            }
            if !store::update(tx, actor.company_id, id, version, &n, now).await? {
                return Err(AppError::Conflict("维修商已被他人修改，请刷新后重试".into()));
            }
            id
        }
    };
    let quals: Vec<NewQualification> = p
        .qualifications
        .iter()
        .map(|q| NewQualification { trade: q.trade, name: &q.name, certificate_no: &q.certificate_no, expires_on: q.expires_on })
        .collect();
    store::set_qualifications(tx, id, &quals).await?;
    Ok(id)
}

fn payload(p: &ParsedContractor) -> serde_json::Value {
    json!({
        "name": p.name, "licence_no": p.licence_no, "trades": p.trades.iter().map(|t| t.code()).collect::<Vec<_>>(), "approved": p.approved,
        "qualifications": p.qualifications.iter().map(|q| json!({"trade": q.trade.code(), "name": q.name, "expires_on": q.expires_on})).collect::<Vec<_>>(),
    })
}

pub async fn create(db: &Db, actor: &Actor, input: &ContractorInput) -> AppResult<i64> {
    may_manage(actor)?;
    let p = input.parse()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let id = write(&mut tx, actor, None, &p, now).await?;
    // The register is company-wide, so its events belong to no project.
    event::append(&mut tx, actor, now, NewEvent { project_id: None, entity: "contractor", entity_id: id, action: "created", payload: payload(&p) }).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(db: &Db, actor: &Actor, id: i64, version: i64, input: &ContractorInput) -> AppResult<()> {
    may_manage(actor)?;
    let p = input.parse()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    write(&mut tx, actor, Some((id, version)), &p, now).await?;
    event::append(&mut tx, actor, now, NewEvent { project_id: None, entity: "contractor", entity_id: id, action: "updated", payload: payload(&p) }).await?;
    tx.commit().await?;
    Ok(())
}

/// REP-3: a project's warranty years per component, as typed (empty: the legal minimum).
pub async fn set_warranty(db: &Db, actor: &Actor, project_id: i64, years: &[(Component, String)]) -> AppResult<()> {
    if !actor.can(Permission::EditProjects) {
        return Err(AppError::Forbidden);
    }
    let mut e = FieldErrors::new();
    let mut parsed = Vec::new();
    for (component, text) in years {
        let field = format!("years_{}", component.code());
        let v = match text.trim() {
            "" => Ok(component.default_years()),
            t => t
                .parse::<i64>()
                .ok()
                .filter(|y| (1..=100).contains(y))
                .ok_or(Reason::Invalid("应为 1 到 100 的整数年", "must be a whole number of years from 1 to 100")),
        };
        if let Some(y) = e.take(&field, v) {
            parsed.push((*component, y));
        }
    }
    e.into_result()?;
    let mut tx = db.begin().await?;
    if propdesk_store::models::org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    for (component, y) in &parsed {
        store::set_warranty_years(&mut tx, project_id, *component, *y).await?;
    }
    let payload = json!({"rule": "REP-3", "years": parsed.iter().map(|(c, y)| (c.code().to_string(), json!(y))).collect::<serde_json::Map<_, _>>()});
    event::append(&mut tx, actor, Utc::now(), NewEvent { project_id: Some(project_id), entity: "project", entity_id: project_id, action: "warranty", payload })
        .await?;
    tx.commit().await?;
    Ok(())
}
