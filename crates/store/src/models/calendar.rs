//! The working-day calendar of a company (its exception days and entered years) and the
//! calendar-related settings of a project: time zone, working hours and deadline policies.

use crate::{AsEx, Result, Sql};
use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use propdesk_domain::access::Actor;
use propdesk_domain::calendar::{Calendar, ExceptionDay, SHIPPED, WorkingHours, shipped_days};
use propdesk_domain::sla::Policies;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
struct DayRow {
    date: NaiveDate,
    working: bool,
    name: String,
}

impl From<DayRow> for ExceptionDay {
    fn from(r: DayRow) -> Self {
        ExceptionDay { date: r.date, working: r.working, name: r.name }
    }
}

/// The company's calendar: every stored exception day and every entered year.
pub async fn load(c: &mut impl AsEx, company_id: i64) -> Result<Calendar> {
    let days: Vec<DayRow> =
        c.ex().fetch_all(Sql::new("SELECT date, working, name FROM calendar_days WHERE company_id = $1 ORDER BY date").arg(company_id)).await?;
    let years = years(c, company_id).await?;
    Ok(Calendar::new(days.into_iter().map(ExceptionDay::from), years))
}

/// The years entered for the company, ascending.
pub async fn years(c: &mut impl AsEx, company_id: i64) -> Result<Vec<i32>> {
    let rows: Vec<(i64,)> = c.ex().fetch_all(Sql::new("SELECT year FROM calendar_years WHERE company_id = $1 ORDER BY year").arg(company_id)).await?;
    Ok(rows.into_iter().filter_map(|(y,)| i32::try_from(y).ok()).collect())
}

pub async fn year_entered(c: &mut impl AsEx, company_id: i64, year: i32) -> Result<bool> {
    let n = c.ex().scalar(Sql::new("SELECT COUNT(*) FROM calendar_years WHERE company_id = $1 AND year = $2").arg(company_id).arg(i64::from(year))).await?;
    Ok(n > 0)
}

/// The stored exception days of one year, by date.
pub async fn days_of_year(c: &mut impl AsEx, company_id: i64, year: i32) -> Result<Vec<ExceptionDay>> {
    let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else { return Ok(Vec::new()) };
    let sql = Sql::new("SELECT date, working, name FROM calendar_days WHERE company_id = $1 AND date >= $2 AND date <= $3 ORDER BY date")
        .arg(company_id)
        .arg(first)
        .arg(last);
    let rows: Vec<DayRow> = c.ex().fetch_all(sql).await?;
    Ok(rows.into_iter().map(ExceptionDay::from).collect())
}

pub async fn day(c: &mut impl AsEx, company_id: i64, date: NaiveDate) -> Result<Option<ExceptionDay>> {
    let sql = Sql::new("SELECT date, working, name FROM calendar_days WHERE company_id = $1 AND date = $2").arg(company_id).arg(date);
    Ok(c.ex().fetch_optional::<DayRow>(sql).await?.map(ExceptionDay::from))
}

/// Inserts or replaces one exception day.
pub async fn put_day(c: &mut impl AsEx, company_id: i64, d: &ExceptionDay) -> Result<()> {
    let sql = Sql::new(
        "INSERT INTO calendar_days (company_id, date, working, name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (company_id, date) DO UPDATE SET working = excluded.working, name = excluded.name",
    )
    .arg(company_id)
    .arg(d.date)
    .arg(d.working)
    .arg(&d.name);
    c.ex().execute(sql).await?;
    Ok(())
}

/// Removes an exception day (the date follows the weekday rule again); true when one was removed.
pub async fn delete_day(c: &mut impl AsEx, company_id: i64, date: NaiveDate) -> Result<bool> {
    Ok(c.ex().execute(Sql::new("DELETE FROM calendar_days WHERE company_id = $1 AND date = $2").arg(company_id).arg(date)).await? > 0)
}

/// Marks a year as entered; true when it was not entered before.
pub async fn enter_year(c: &mut impl AsEx, company_id: i64, year: i32) -> Result<bool> {
    let sql = Sql::new("INSERT INTO calendar_years (company_id, year) VALUES ($1, $2) ON CONFLICT (company_id, year) DO NOTHING")
        .arg(company_id)
        .arg(i64::from(year));
    Ok(c.ex().execute(sql).await? > 0)
}

/// Enters `year` with its shipped days (none for a year not shipped); nothing when the year is
/// already entered, so corrections made since are kept. True when the year was entered now.
pub async fn enter_year_with_shipped(c: &mut impl AsEx, company_id: i64, year: i32) -> Result<bool> {
    if !enter_year(c, company_id, year).await? {
        return Ok(false);
    }
    for d in shipped_days(year) {
        let sql = Sql::new("INSERT INTO calendar_days (company_id, date, working, name) VALUES ($1, $2, $3, $4) ON CONFLICT (company_id, date) DO NOTHING")
            .arg(company_id)
            .arg(d.date)
            .arg(d.working)
            .arg(&d.name);
        c.ex().execute(sql).await?;
    }
    Ok(true)
}

/// Seeds the shipped years (2024–2026) into a company's calendar. Idempotent per year: a year
/// already entered is left as it is, so an admin's corrections survive a second call.
pub async fn seed_shipped(c: &mut impl AsEx, company_id: i64) -> Result<()> {
    for (year, _) in SHIPPED {
        enter_year_with_shipped(c, company_id, *year).await?;
    }
    Ok(())
}

/// Seeds the shipped years into every company that lacks them (run after migrations, so a
/// database created before the calendar existed gets it, and a release shipping a new year
/// adds it where nobody has entered that year).
pub async fn seed_shipped_all(c: &mut impl AsEx) -> Result<()> {
    let companies: Vec<(i64,)> = c.ex().fetch_all(Sql::new("SELECT id FROM companies ORDER BY id")).await?;
    for (id,) in companies {
        seed_shipped(c, id).await?;
    }
    Ok(())
}

// ---------- project settings ----------

/// The default time zone of a project.
pub const DEFAULT_TZ: Tz = chrono_tz::Asia::Shanghai;

/// A project's calendar settings as stored.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ProjectSettings {
    pub id: i64,
    pub company_id: i64,
    pub code: String,
    pub name: String,
    pub timezone: String,
    /// `HH:MM`.
    pub working_start: String,
    pub working_end: String,
    /// JSON of `Policies`.
    pub policies: String,
    pub version: i64,
}

/// `HH:MM` (or `HH:MM:SS`) as a time of day.
pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S")).ok()
}

impl ProjectSettings {
    /// The project's time zone; an unknown name (never written by propdesk) reads as Asia/Shanghai.
    pub fn tz(&self) -> Tz {
        self.timezone.trim().parse().unwrap_or(DEFAULT_TZ)
    }
    /// The project's working hours; unreadable values (never written by propdesk) read as 09:00–18:00.
    pub fn hours(&self) -> WorkingHours {
        match (parse_hhmm(&self.working_start), parse_hhmm(&self.working_end)) {
            (Some(s), Some(e)) => WorkingHours::new(s, e).unwrap_or_default(),
            _ => WorkingHours::default(),
        }
    }
    /// The project's deadline policies; fields missing from the stored JSON take their defaults.
    pub fn policies(&self) -> std::result::Result<Policies, serde_json::Error> {
        if self.policies.trim().is_empty() { Ok(Policies::default()) } else { serde_json::from_str(&self.policies) }
    }
}

const SETTINGS_COLS: &str = "id, company_id, code, name, timezone, working_start, working_end, policies, version";

/// A project's settings, if the actor is assigned to it.
pub async fn project_settings(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> Result<Option<ProjectSettings>> {
    if !actor.sees_project(project_id) {
        return Ok(None);
    }
    c.ex().fetch_optional(Sql::new(&format!("SELECT {SETTINGS_COLS} FROM projects WHERE id = $1")).arg(project_id)).await
}

/// A project's settings for deadline arithmetic, read inside an action whose caller has
/// already been checked against the project.
pub async fn settings_of(c: &mut impl AsEx, project_id: i64) -> Result<Option<ProjectSettings>> {
    c.ex().fetch_optional(Sql::new(&format!("SELECT {SETTINGS_COLS} FROM projects WHERE id = $1")).arg(project_id)).await
}

/// The new settings of a project, already validated.
pub struct SettingsData<'a> {
    pub timezone: &'a str,
    pub working_start: NaiveTime,
    pub working_end: NaiveTime,
    pub policies: &'a Policies,
}

/// Saves a project's settings only if nobody changed the project since `version` was read;
/// false otherwise.
pub async fn update_project_settings(c: &mut impl AsEx, project_id: i64, version: i64, s: &SettingsData<'_>) -> Result<bool> {
    let policies = serde_json::to_string(s.policies).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let sql = Sql::new(
        "UPDATE projects SET timezone = $1, working_start = $2, working_end = $3, policies = $4, version = version + 1 WHERE id = $5 AND version = $6",
    )
    .arg(s.timezone)
    .arg(s.working_start.format("%H:%M").to_string())
    .arg(s.working_end.format("%H:%M").to_string())
    .arg(policies)
    .arg(project_id)
    .arg(version);
    Ok(c.ex().execute(sql).await? > 0)
}
