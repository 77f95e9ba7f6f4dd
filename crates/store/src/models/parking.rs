//! FEE-9: parking spaces, their rentals and the monthly check list (月度车位核对). Every read is
//! scoped by the actor's projects. Overlapping rentals of a space are refused by the database
//! itself (exclusion constraint / triggers, see the migration) as well as by the domain.

use crate::{AsEx, Result, Sql, like_contains};
use chrono::{DateTime, NaiveDate, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::billing::{SpaceKind, SpaceState};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SpaceRow {
    pub id: i64,
    pub project_id: i64,
    pub code: String,
    pub location: String,
    pub level: String,
    #[sqlx(try_from = "String")]
    pub kind: SpaceKind,
    pub sold_to: Option<i64>,
    pub sold_to_name: Option<String>,
    pub sold_on: Option<NaiveDate>,
    pub note: String,
    pub version: i64,
}

const SPACE_COLS: &str = "s.id, s.project_id, s.code, s.location, s.level, s.kind, s.sold_to, p.name AS sold_to_name, s.sold_on, s.note, s.version FROM parking_spaces s LEFT JOIN parties p ON p.id = s.sold_to";

pub struct NewSpace<'a> {
    pub project_id: i64,
    pub code: &'a str,
    pub location: &'a str,
    pub level: &'a str,
    pub kind: SpaceKind,
    pub sold_to: Option<i64>,
    pub sold_on: Option<NaiveDate>,
    pub note: &'a str,
}

pub async fn insert_space(c: &mut impl AsEx, n: &NewSpace<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO parking_spaces (project_id, code, location, level, kind, sold_to, sold_on, note, created_at, updated_at) VALUES (")
        .bind(n.project_id)
        .push(", ")
        .bind(n.code)
        .push(", ")
        .bind(n.location)
        .push(", ")
        .bind(n.level)
        .push(", ")
        .bind(n.kind.code())
        .push(", ")
        .bind(n.sold_to)
        .push(", ")
        .bind(n.sold_on)
        .push(", ")
        .bind(n.note)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(")");
    c.ex().insert(sql).await
}

/// Marks a space sold (versioned); false when it changed meanwhile.
pub async fn sell_space(c: &mut impl AsEx, id: i64, version: i64, buyer: i64, on: NaiveDate, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new("UPDATE parking_spaces SET sold_to = ")
        .bind(buyer)
        .push(", sold_on = ")
        .bind(on)
        .push(", updated_at = ")
        .bind(now)
        .push(", version = version + 1 WHERE id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// One space in the actor's projects; `lock` (`Tx::for_update`) queues rentals of one space.
pub async fn space(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<SpaceRow>> {
    // PostgreSQL cannot lock the nullable side of an outer join: lock the space row only.
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} OF s") };
    let sql = Sql::new(&format!("SELECT {SPACE_COLS} WHERE s.id = ")).bind(id).push(" AND s.project_id IN ").bind_list(&actor.projects).push(&lock);
    c.ex().fetch_optional(sql).await
}

#[derive(Debug, Clone, Default)]
pub struct SpaceFilter {
    pub project_id: Option<i64>,
    /// Code, location or level (substring).
    pub q: Option<String>,
}

/// Every space of the filter, by code (a project has hundreds, not thousands: no paging needed
/// for the check list; the page pages in memory).
pub async fn spaces(c: &mut impl AsEx, actor: &Actor, f: &SpaceFilter) -> Result<Vec<SpaceRow>> {
    let mut sql = Sql::new(&format!("SELECT {SPACE_COLS} WHERE s.project_id IN ")).bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND s.project_id = ").bind(p);
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql
            .push(" AND (s.code LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR s.location LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR s.level LIKE ")
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    c.ex().fetch_all(sql.push(" ORDER BY s.project_id, s.code, s.id")).await
}

pub async fn code_taken(c: &mut impl AsEx, project_id: i64, code: &str) -> Result<bool> {
    let sql = Sql::new("SELECT COUNT(*) FROM parking_spaces WHERE project_id = ").bind(project_id).push(" AND code = ").bind(code);
    Ok(c.ex().scalar(sql).await? > 0)
}

// ---------- rentals ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RentalRow {
    pub id: i64,
    pub project_id: i64,
    pub space_id: i64,
    pub space_code: String,
    pub renter_id: i64,
    pub renter_name: String,
    pub renter_phone: String,
    pub unit_id: Option<i64>,
    pub unit_no: Option<String>,
    pub plate_no: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub monthly_fee: i64,
    pub status: String,
}

impl RentalRow {
    pub fn cancelled(&self) -> bool {
        self.status == "cancelled"
    }
    pub fn period(&self) -> propdesk_domain::org::Period {
        propdesk_domain::org::Period { start: self.start_date, end: self.end_date }
    }
}

const RENTAL_COLS: &str = "r.id, r.project_id, r.space_id, s.code AS space_code, r.renter_id, p.name AS renter_name, p.phone AS renter_phone, r.unit_id, u.unit_no, r.plate_no, r.start_date, r.end_date, r.monthly_fee, r.status FROM parking_rentals r JOIN parking_spaces s ON s.id = r.space_id JOIN parties p ON p.id = r.renter_id LEFT JOIN units u ON u.id = r.unit_id";

pub struct NewRental<'a> {
    pub project_id: i64,
    pub space_id: i64,
    pub renter_id: i64,
    pub unit_id: Option<i64>,
    pub plate_no: &'a str,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub monthly_fee: i64,
}

/// Inserts an active rental; an overlap with another active rental of the space fails with
/// the database's refusal (`is_overlap_violation`).
pub async fn insert_rental(c: &mut impl AsEx, by: i64, n: &NewRental<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO parking_rentals (project_id, space_id, renter_id, unit_id, plate_no, start_date, end_date, monthly_fee, status, created_by, created_at) VALUES (")
        .bind(n.project_id)
        .push(", ")
        .bind(n.space_id)
        .push(", ")
        .bind(n.renter_id)
        .push(", ")
        .bind(n.unit_id)
        .push(", ")
        .bind(n.plate_no)
        .push(", ")
        .bind(n.start_date)
        .push(", ")
        .bind(n.end_date)
        .push(", ")
        .bind(n.monthly_fee)
        .push(", 'active', ")
        .bind(by)
        .push(", ")
        .bind(now)
        .push(")");
    c.ex().insert(sql).await
}

/// Cancels an active rental; false when it was not active (or not in the actor's projects).
pub async fn cancel_rental(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<bool> {
    let sql = Sql::new("UPDATE parking_rentals SET status = 'cancelled' WHERE id = ")
        .bind(id)
        .push(" AND status = 'active' AND project_id IN ")
        .bind_list(&actor.projects);
    Ok(c.ex().execute(sql).await? == 1)
}

pub async fn rental(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<RentalRow>> {
    let sql = Sql::new(&format!("SELECT {RENTAL_COLS} WHERE r.id = ")).bind(id).push(" AND r.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// Rentals of one space (`space_id`) or of a project, newest first; `active_on` keeps those
/// active and covering that day.
pub async fn rentals(c: &mut impl AsEx, actor: &Actor, project_id: Option<i64>, space_id: Option<i64>, active_on: Option<NaiveDate>) -> Result<Vec<RentalRow>> {
    let mut sql = Sql::new(&format!("SELECT {RENTAL_COLS} WHERE r.project_id IN ")).bind_list(&actor.projects);
    if let Some(p) = project_id {
        sql = sql.push(" AND r.project_id = ").bind(p);
    }
    if let Some(s) = space_id {
        sql = sql.push(" AND r.space_id = ").bind(s);
    }
    if let Some(d) = active_on {
        sql = sql.push(" AND r.status = 'active' AND r.start_date <= ").bind(d).push(" AND (r.end_date IS NULL OR r.end_date >= ").bind(d).push(")");
    }
    c.ex().fetch_all(sql.push(" ORDER BY r.start_date DESC, r.id DESC")).await
}

// ---------- the monthly check ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct CheckRow {
    pub id: i64,
    pub project_id: i64,
    pub month: String,
    pub check_day: NaiveDate,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

const CHECK_COLS: &str =
    "c.id, c.project_id, c.month, c.check_day, st.display_name AS created_by_name, c.created_at FROM parking_checks c JOIN staff st ON st.id = c.created_by";

pub async fn insert_check(c: &mut impl AsEx, project_id: i64, month: &str, check_day: NaiveDate, by: i64, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO parking_checks (project_id, month, check_day, created_by, created_at) VALUES (")
        .bind(project_id)
        .push(", ")
        .bind(month)
        .push(", ")
        .bind(check_day)
        .push(", ")
        .bind(by)
        .push(", ")
        .bind(now)
        .push(")");
    c.ex().insert(sql).await
}

/// Adds the check's lines: (space id, register state) pairs.
pub async fn insert_check_lines(c: &mut impl AsEx, check_id: i64, lines: &[(i64, SpaceState)]) -> Result<()> {
    for chunk in lines.chunks(500) {
        let mut sql = Sql::new("INSERT INTO parking_check_lines (check_id, space_id, register_state) VALUES ");
        for (i, (space, state)) in chunk.iter().enumerate() {
            sql = sql.push(if i == 0 { "(" } else { ", (" }).bind(check_id).push(", ").bind(*space).push(", ").bind(state.code()).push(")");
        }
        c.ex().execute(sql).await?;
    }
    Ok(())
}

pub async fn check(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<CheckRow>> {
    let sql = Sql::new(&format!("SELECT {CHECK_COLS} WHERE c.id = ")).bind(id).push(" AND c.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub async fn check_of_month(c: &mut impl AsEx, actor: &Actor, project_id: i64, month: &str) -> Result<Option<CheckRow>> {
    let sql = Sql::new(&format!("SELECT {CHECK_COLS} WHERE c.project_id = "))
        .bind(project_id)
        .push(" AND c.month = ")
        .bind(month)
        .push(" AND c.project_id IN ")
        .bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub async fn checks(c: &mut impl AsEx, actor: &Actor, project_id: Option<i64>) -> Result<Vec<CheckRow>> {
    let mut sql = Sql::new(&format!("SELECT {CHECK_COLS} WHERE c.project_id IN ")).bind_list(&actor.projects);
    if let Some(p) = project_id {
        sql = sql.push(" AND c.project_id = ").bind(p);
    }
    c.ex().fetch_all(sql.push(" ORDER BY c.month DESC, c.id DESC LIMIT 60")).await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct CheckLineRow {
    pub id: i64,
    pub check_id: i64,
    pub space_id: i64,
    pub space_code: String,
    pub location: String,
    pub level: String,
    #[sqlx(try_from = "String")]
    pub register_state: SpaceState,
    pub observed_state: Option<String>,
    pub plate_seen: String,
    pub note: String,
    pub mismatch: bool,
    pub checked_by_name: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
}

impl CheckLineRow {
    pub fn observed(&self) -> Option<SpaceState> {
        self.observed_state.as_deref().and_then(|s| SpaceState::parse(s).ok())
    }
}

/// The lines of a check (only the mismatches when asked), by space code.
pub async fn check_lines(c: &mut impl AsEx, check_id: i64, mismatches_only: bool) -> Result<Vec<CheckLineRow>> {
    let mut sql = Sql::new(
        "SELECT l.id, l.check_id, l.space_id, s.code AS space_code, s.location, s.level, l.register_state, l.observed_state, l.plate_seen, l.note, l.mismatch, st.display_name AS checked_by_name, l.checked_at FROM parking_check_lines l JOIN parking_spaces s ON s.id = l.space_id LEFT JOIN staff st ON st.id = l.checked_by WHERE l.check_id = ",
    )
    .bind(check_id);
    if mismatches_only {
        sql = sql.push(" AND l.mismatch = ").bind(true);
    }
    c.ex().fetch_all(sql.push(" ORDER BY s.code, l.id")).await
}

pub struct Observation<'a> {
    pub observed: SpaceState,
    pub plate_seen: &'a str,
    pub note: &'a str,
    pub mismatch: bool,
}

/// Records what was seen at one line of a check; false when the line is not in the check.
pub async fn record_observation(c: &mut impl AsEx, check_id: i64, line_id: i64, by: i64, o: &Observation<'_>, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new("UPDATE parking_check_lines SET observed_state = ")
        .bind(o.observed.code())
        .push(", plate_seen = ")
        .bind(o.plate_seen)
        .push(", note = ")
        .bind(o.note)
        .push(", mismatch = ")
        .bind(o.mismatch)
        .push(", checked_by = ")
        .bind(by)
        .push(", checked_at = ")
        .bind(now)
        .push(" WHERE id = ")
        .bind(line_id)
        .push(" AND check_id = ")
        .bind(check_id);
    Ok(c.ex().execute(sql).await? == 1)
}
