//! FEE-9: parking spaces, rentals and the monthly check (月度车位核对). A rental is checked
//! against the space's other rentals in domain (`rental_conflict`) and refused again by the
//! database (exclusion constraint / triggers) should two rentals race past the check.

use crate::error::{AppError, AppResult};
use crate::ops::org::today;
use crate::ops::require;
use crate::ops::{de_text, log};
use chrono::Utc;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{self, SpaceKind, SpaceState};
use propdesk_domain::org::Period;
use propdesk_domain::values::{self, Month, parse_yuan};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::org;
use propdesk_store::models::parking::{self as store, NewRental, NewSpace, Observation, SpaceFilter};
use propdesk_store::{Db, is_overlap_violation, is_unique_violation};
use serde::Deserialize;
use serde_json::json;

/// Monthly fees above this are typing mistakes (1,000,000.00 元 a month).
const MAX_MONTHLY_FEE: i64 = 100_000_000;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SpaceInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub code: String,
    #[serde(default, deserialize_with = "de_text")]
    pub location: String,
    #[serde(default, deserialize_with = "de_text")]
    pub level: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kind: String,
    /// The buyer (a party of the project) when the space is sold; empty when not.
    #[serde(default, deserialize_with = "de_text")]
    pub sold_to: String,
    #[serde(default, deserialize_with = "de_text")]
    pub sold_on: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
}

/// FEE-9: a new parking space; a sold one names its buyer and the sale date.
pub async fn create_space(db: &Db, actor: &Actor, input: &SpaceInput) -> AppResult<i64> {
    require(actor, Permission::ManageFees)?;
    let mut e = FieldErrors::new();
    let project_id = e.take("project_id", input.project_id.trim().parse::<i64>().map_err(|_| Reason::Required));
    let code = e.take("code", values::text(&input.code, 30));
    let location = e.take("location", values::opt_text(&input.location, 100));
    let level = e.take("level", values::opt_text(&input.level, 30));
    let kind = e.take("kind", if input.kind.trim().is_empty() { Ok(SpaceKind::Standard) } else { SpaceKind::parse(&input.kind) });
    let sold_to = e.take("sold_to", values::optional(&input.sold_to, |s| s.trim().parse::<i64>().map_err(|_| Reason::NotFound)));
    let sold_on = e.take("sold_on", values::optional(&input.sold_on, values::date));
    let note = e.take("note", values::opt_text(&input.note, 200));
    match (&sold_to, &sold_on) {
        (Some(Some(_)), Some(None)) => e.push("sold_on", Reason::Required),
        (Some(None), Some(Some(_))) => e.push("sold_to", Reason::Required),
        _ => {}
    }
    let (Some(project_id), Some(code), Some(location), Some(level), Some(kind), Some(sold_to), Some(sold_on), Some(note)) =
        (project_id, code, location, level, kind, sold_to, sold_on, note)
    else {
        return Err(e.into());
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let mut tx = db.begin().await?;
    if org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    if let Some(buyer) = sold_to
        && org::party(&mut tx, actor, buyer).await?.filter(|p| p.project_id == project_id).is_none()
    {
        return Err(FieldErrors::single("sold_to", Reason::NotFound).into());
    }
    if store::code_taken(&mut tx, project_id, &code).await? {
        return Err(FieldErrors::single("code", Reason::Duplicate).into());
    }
    let (location, level, note) = (location.unwrap_or_default(), level.unwrap_or_default(), note.unwrap_or_default());
    let n = NewSpace { project_id, code: &code, location: &location, level: &level, kind, sold_to, sold_on, note: &note };
    let id = match store::insert_space(&mut tx, &n, Utc::now()).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("code", Reason::Duplicate).into()),
        Err(e) => return Err(e.into()),
    };
    log(
        &mut tx,
        actor,
        project_id,
        "parking_space",
        id,
        "created",
        json!({"rule": "FEE-9", "code": code, "location": location, "level": level, "kind": kind.code(), "sold_to": sold_to, "sold_on": sold_on}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RentalInput {
    #[serde(default, deserialize_with = "de_text")]
    pub renter_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub plate_no: String,
    #[serde(default, deserialize_with = "de_text")]
    pub start_date: String,
    #[serde(default, deserialize_with = "de_text")]
    pub end_date: String,
    /// Yuan with up to two decimals.
    #[serde(default, deserialize_with = "de_text")]
    pub monthly_fee: String,
}

pub struct ParsedRental {
    pub renter_id: i64,
    pub unit_id: Option<i64>,
    pub plate_no: String,
    pub period: Period,
    pub monthly_fee: i64,
}

impl RentalInput {
    pub fn parse(&self) -> Result<ParsedRental, FieldErrors> {
        let mut e = FieldErrors::new();
        let renter_id = e.take("renter_id", self.renter_id.trim().parse::<i64>().map_err(|_| Reason::Required));
        let unit_id = e.take("unit_id", values::optional(&self.unit_id, |s| s.trim().parse::<i64>().map_err(|_| Reason::NotFound)));
        let plate_no = e.take("plate_no", values::optional(&self.plate_no, billing::plate_no));
        let start = e.take("start_date", values::date(&self.start_date));
        let end = e.take("end_date", values::optional(&self.end_date, values::date));
        let fee = e.take(
            "monthly_fee",
            parse_yuan(&self.monthly_fee)
                .and_then(|f| if f > MAX_MONTHLY_FEE { Err(Reason::Invalid("月租金额过大", "the monthly fee is implausibly large")) } else { Ok(f) }),
        );
        let period = match (start, end) {
            (Some(s), Some(en)) => e.take("end_date", Period::new(s, en)),
            _ => None,
        };
        match (renter_id, unit_id, plate_no, period, fee) {
            (Some(renter_id), Some(unit_id), Some(plate_no), Some(period), Some(monthly_fee)) if e.is_empty() => {
                Ok(ParsedRental { renter_id, unit_id, plate_no: plate_no.unwrap_or_default(), period, monthly_fee })
            }
            _ => Err(e),
        }
    }
}

/// FEE-9: rents a space out. The domain refuses a sold space and overlapping dates (422 on
/// `start_date`, Reason::Overlap); the database refuses the same should the check be raced.
pub async fn create_rental(db: &Db, actor: &Actor, space_id: i64, input: &RentalInput) -> AppResult<i64> {
    require(actor, Permission::ManageFees)?;
    let r = input.parse()?;
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let space = store::space(&mut tx, actor, space_id, lock).await?.ok_or(AppError::NotFound)?;
    if org::party(&mut tx, actor, r.renter_id).await?.filter(|p| p.project_id == space.project_id).is_none() {
        return Err(FieldErrors::single("renter_id", Reason::NotFound).into());
    }
    if let Some(u) = r.unit_id
        && org::unit(&mut tx, actor, u, today()).await?.filter(|x| x.project_id == space.project_id).is_none()
    {
        return Err(FieldErrors::single("unit_id", Reason::NotFound).into());
    }
    let existing: Vec<Period> =
        store::rentals(&mut tx, actor, None, Some(space_id), None).await?.iter().filter(|x| !x.cancelled()).map(|x| x.period()).collect();
    let field = if space.sold_to.is_some() { "space" } else { "start_date" };
    billing::rental_conflict(space.sold_to.is_some(), &r.period, &existing).map_err(|reason| FieldErrors::single(field, reason))?;
    let id = insert_rental_row(&mut tx, actor, space.project_id, space_id, &r).await?;
    tx.commit().await?;
    Ok(id)
}

/// Writes the rental and its event; the database's overlap refusal becomes the same 422 as the
/// domain's. Public so a test can prove the database refuses without the domain check.
pub async fn insert_rental_row(tx: &mut propdesk_store::Tx, actor: &Actor, project_id: i64, space_id: i64, r: &ParsedRental) -> AppResult<i64> {
    let n = NewRental {
        project_id,
        space_id,
        renter_id: r.renter_id,
        unit_id: r.unit_id,
        plate_no: &r.plate_no,
        start_date: r.period.start,
        end_date: r.period.end,
        monthly_fee: r.monthly_fee,
    };
    let id = match store::insert_rental(tx, actor.staff_id, &n, Utc::now()).await {
        Ok(id) => id,
        Err(e) if is_overlap_violation(&e) => return Err(FieldErrors::single("start_date", Reason::Overlap).into()),
        Err(e) => return Err(e.into()),
    };
    log(
        tx,
        actor,
        project_id,
        "parking_space",
        space_id,
        "rented",
        json!({"rule": "FEE-9", "rental_id": id, "renter_id": r.renter_id, "unit_id": r.unit_id, "plate_no": r.plate_no,
               "start_date": r.period.start, "end_date": r.period.end, "monthly_fee": r.monthly_fee}),
    )
    .await?;
    Ok(id)
}

/// FEE-9: cancels a rental entered by mistake (its dates become free again).
pub async fn cancel_rental(db: &Db, actor: &Actor, rental_id: i64) -> AppResult<i64> {
    require(actor, Permission::ManageFees)?;
    let mut tx = db.begin().await?;
    let rental = store::rental(&mut tx, actor, rental_id).await?.ok_or(AppError::NotFound)?;
    if !store::cancel_rental(&mut tx, actor, rental_id).await? {
        return Err(AppError::Conflict("租用已取消".into()));
    }
    log(&mut tx, actor, rental.project_id, "parking_space", rental.space_id, "rental_cancelled", json!({"rule": "FEE-9", "rental_id": rental_id})).await?;
    tx.commit().await?;
    Ok(rental.space_id)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SaleInput {
    #[serde(default, deserialize_with = "de_text")]
    pub sold_to: String,
    #[serde(default, deserialize_with = "de_text")]
    pub sold_on: String,
}

/// FEE-9: records the sale of a space to a party of its project. A space still rented out by us
/// on or after the sale date cannot be sold (422 on `sold_on`: end or cancel the rental first).
pub async fn sell_space(db: &Db, actor: &Actor, id: i64, version: i64, input: &SaleInput) -> AppResult<()> {
    require(actor, Permission::ManageFees)?;
    let mut e = FieldErrors::new();
    let buyer = e.take("sold_to", input.sold_to.trim().parse::<i64>().map_err(|_| Reason::Required));
    let on = e.take("sold_on", values::date(&input.sold_on));
    let (Some(buyer), Some(on)) = (buyer, on) else { return Err(e.into()) };
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let space = store::space(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if space.sold_to.is_some() {
        return Err(AppError::Conflict("车位已出售".into()));
    }
    if org::party(&mut tx, actor, buyer).await?.filter(|p| p.project_id == space.project_id).is_none() {
        return Err(FieldErrors::single("sold_to", Reason::NotFound).into());
    }
    let rentals = store::rentals(&mut tx, actor, None, Some(id), None).await?;
    let after_sale = Period { start: on, end: None };
    if rentals.iter().any(|r| !r.cancelled() && r.period().overlaps(&after_sale)) {
        return Err(FieldErrors::single(
            "sold_on",
            Reason::Invalid("出售日及以后仍在出租，请先结束或取消租用", "the space is rented on or after that day: end or cancel the rental first"),
        )
        .into());
    }
    if !store::sell_space(&mut tx, id, version, buyer, on, Utc::now()).await? {
        return Err(AppError::Conflict("车位已被他人修改".into()));
    }
    log(&mut tx, actor, space.project_id, "parking_space", id, "sold", json!({"rule": "FEE-9", "sold_to": buyer, "sold_on": on})).await?;
    tx.commit().await?;
    Ok(())
}

/// A space with the state the register shows on `day` (FEE-9: sold, rented or vacant).
pub async fn spaces_with_state(
    c: &mut impl propdesk_store::AsEx,
    actor: &Actor,
    f: &SpaceFilter,
    day: chrono::NaiveDate,
) -> AppResult<Vec<(store::SpaceRow, SpaceState, Option<store::RentalRow>)>> {
    let spaces = store::spaces(c, actor, f).await?;
    let mut current = store::rentals(c, actor, f.project_id, None, Some(day)).await?;
    Ok(spaces
        .into_iter()
        .map(|s| {
            let rental = current.iter().position(|r| r.space_id == s.id).map(|i| current.swap_remove(i));
            let periods: Vec<Period> = rental.iter().map(|r| r.period()).collect();
            let state = billing::space_state(s.sold_to.is_some(), &periods, day);
            (s, state, rental)
        })
        .collect())
}

/// FEE-9: opens a month's check list: every space of the project with its register state on
/// the check day. One list per project and month (422 on `month` when it exists).
pub async fn create_check(db: &Db, actor: &Actor, project_id: i64, month_input: &str) -> AppResult<i64> {
    require(actor, Permission::ManageFees)?;
    let month = Month::parse(month_input).map_err(|r| FieldErrors::single("month", r))?;
    let day = billing::check_day(month, today());
    let mut tx = db.begin().await?;
    if org::project(&mut tx, actor, project_id).await?.is_none() {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    if store::check_of_month(&mut tx, actor, project_id, &month.to_string()).await?.is_some() {
        return Err(FieldErrors::single("month", Reason::Duplicate).into());
    }
    let spaces = spaces_with_state(&mut tx, actor, &SpaceFilter { project_id: Some(project_id), q: None }, day).await?;
    let id = match store::insert_check(&mut tx, project_id, &month.to_string(), day, actor.staff_id, Utc::now()).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("month", Reason::Duplicate).into()),
        Err(e) => return Err(e.into()),
    };
    let lines: Vec<(i64, SpaceState)> = spaces.iter().map(|(s, st, _)| (s.id, *st)).collect();
    store::insert_check_lines(&mut tx, id, &lines).await?;
    log(
        &mut tx,
        actor,
        project_id,
        "parking_check",
        id,
        "created",
        json!({"rule": "FEE-9", "month": month.to_string(), "check_day": day, "spaces": lines.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObservationInput {
    #[serde(default, deserialize_with = "de_text")]
    pub line_id: String,
    /// vacant / rented / sold: what the space was seen to be.
    #[serde(default, deserialize_with = "de_text")]
    pub observed: String,
    #[serde(default, deserialize_with = "de_text")]
    pub plate_seen: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
}

/// FEE-9: records what was seen at a space; a mismatch with the register needs a note saying what.
/// Returns whether it is a mismatch.
pub async fn record_observation(db: &Db, actor: &Actor, check_id: i64, input: &ObservationInput) -> AppResult<bool> {
    require(actor, Permission::ManageFees)?;
    let mut e = FieldErrors::new();
    let line_id = e.take("line_id", input.line_id.trim().parse::<i64>().map_err(|_| Reason::Required));
    let observed = e.take("observed", SpaceState::parse(&input.observed));
    let plate = e.take("plate_seen", values::optional(&input.plate_seen, billing::plate_no));
    let note = e.take("note", values::opt_text(&input.note, 200));
    let (Some(line_id), Some(observed), Some(plate), Some(note)) = (line_id, observed, plate, note) else {
        return Err(e.into());
    };
    let mut tx = db.begin().await?;
    let check = store::check(&mut tx, actor, check_id).await?.ok_or(AppError::NotFound)?;
    let lines = store::check_lines(&mut tx, check_id, false).await?;
    let line = lines.iter().find(|l| l.id == line_id).ok_or_else(|| AppError::Invalid(FieldErrors::single("line_id", Reason::NotFound)))?;
    let mismatch = line.register_state.mismatch(observed);
    if mismatch && note.is_none() {
        return Err(FieldErrors::single("note", Reason::Invalid("与台账不符时请写明实际情况", "say what was found when it differs from the register")).into());
    }
    let (plate, note) = (plate.unwrap_or_default(), note.unwrap_or_default());
    let o = Observation { observed, plate_seen: &plate, note: &note, mismatch };
    store::record_observation(&mut tx, check_id, line_id, actor.staff_id, &o, Utc::now()).await?;
    log(&mut tx, actor, check.project_id, "parking_check", check_id, "observed",
        json!({"rule": "FEE-9", "line_id": line_id, "space_id": line.space_id, "register": line.register_state.code(), "observed": observed.code(), "mismatch": mismatch, "plate_seen": plate, "note": note})).await?;
    tx.commit().await?;
    Ok(mismatch)
}
