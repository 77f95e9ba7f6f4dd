//! The working-day calendar over JSON (CMP-5, CMP-6 and every "N working days" deadline): the
//! due time of "N working days after t", by the caller's company calendar and a project's
//! working hours and time zone, so the rule can be checked from outside.

use crate::api::extract::ApiQuery;
use crate::api::v1::ErrorBody;
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Utc};
use chrono_tz::Tz;
use propdesk_domain::calendar::WorkingHours;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::calendar::{self as store, DEFAULT_TZ};
use propdesk_store::models::org;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The most working days one question may add.
pub const MAX_DAYS: u32 = 365;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddWorkingDaysQuery {
    /// The start, RFC 3339 with an offset, e.g. `2026-09-30T17:00:00+08:00` (URL-encode the `+`
    /// as `%2B`; an unencoded `+` that arrives as a space is also understood).
    #[param(value_type = String, required = true, example = "2026-09-30T17:00:00+08:00")]
    pub start: Option<String>,
    /// Working days to add, 0–365.
    #[param(value_type = i64, required = true, minimum = 0, maximum = 365, example = 2)]
    pub days: Option<String>,
    /// The project whose working hours and time zone count; defaults to the caller's first project.
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
}

/// A project's working hours.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingHoursOut {
    #[schema(example = "09:00")]
    pub start: String,
    #[schema(example = "18:00")]
    pub end: String,
}

/// The due time of "N working days after start".
#[derive(Debug, Serialize, ToSchema)]
pub struct AddWorkingDaysOut {
    /// The start as understood, in the project's time zone.
    #[schema(example = "2026-09-30T17:00:00+08:00")]
    pub start: String,
    #[schema(example = 2)]
    pub days: u32,
    /// The due time, RFC 3339 in the project's time zone.
    #[schema(example = "2026-10-09T17:00:00+08:00")]
    pub due: String,
    /// The due time as shown on pages (`YYYY-MM-DD HH:MM`, project time zone).
    #[schema(example = "2026-10-09 17:00")]
    pub due_local: String,
    pub working_hours: WorkingHoursOut,
    /// IANA time zone of the project.
    #[schema(example = "Asia/Shanghai")]
    pub timezone: String,
    /// The project whose settings were used; null when the caller has no project (defaults used).
    pub project_id: Option<i64>,
    /// False when a year between the start and the due time has no calendar entered; those
    /// years were counted by the weekday rule (Monday–Friday), without holidays.
    pub calendar_year_entered: bool,
}

/// RFC 3339 with an offset. A `+` sent unencoded in a query string arrives as a space; it is
/// put back.
fn parse_start(s: &str) -> Result<DateTime<FixedOffset>, Reason> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    let bad = Reason::Invalid(
        "应为带时区的 RFC 3339 时间，例如 2026-09-30T17:00:00+08:00",
        "must be an RFC 3339 time with an offset, e.g. 2026-09-30T17:00:00+08:00",
    );
    DateTime::parse_from_rfc3339(t)
        .or_else(|e| match t.rfind(' ') {
            Some(i) if i > 10 => DateTime::parse_from_rfc3339(&format!("{}+{}", &t[..i], &t[i + 1..])),
            _ => Err(e),
        })
        .map_err(|_| bad)
}

fn parse_days(s: &str) -> Result<u32, Reason> {
    match s.trim() {
        "" => Err(Reason::Required),
        t => t.parse::<u32>().ok().filter(|d| *d <= MAX_DAYS).ok_or(Reason::Invalid("应为 0–365 的整数", "must be a whole number from 0 to 365")),
    }
}

/// Add working days
///
/// The due time of "`days` working days after `start`" (CMP-5, CMP-6, REP-2 …): working time
/// is counted only within the project's working hours on working days of the caller's company
/// calendar (weekends, statutory holidays 法定节假日 and make-up working days 调休上班日). A start
/// outside working hours counts from the next working hour. Years nobody has entered fall back
/// to Monday–Friday and `calendar_year_entered` is false.
#[utoipa::path(
    get,
    path = "/api/v1/calendar/add-working-days",
    tag = "calendar",
    params(AddWorkingDaysQuery),
    responses(
        (status = 200, description = "The due time", body = AddWorkingDaysOut),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A bad `start`, `days` out of 0–365, or a project not among the caller's", body = ErrorBody),
    )
)]
pub async fn add_working_days(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AddWorkingDaysQuery>,
) -> ApiResult<Json<AddWorkingDaysOut>> {
    let mut errs = FieldErrors::new();
    let start = errs.take("start", parse_start(q.start.as_deref().unwrap_or("")));
    let days = errs.take("days", parse_days(q.days.as_deref().unwrap_or("")));
    let project_id = crate::api::v1::opt_int(&mut errs, "project_id", q.project_id.as_deref());
    let (Some(start), Some(days)) = (start, days) else { return Err(AppError::Invalid(errs).into()) };
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let project_id = match project_id {
        Some(id) if actor.sees_project(id) => Some(id),
        Some(_) => return Err(FieldErrors::single("project_id", Reason::NotFound).into()),
        None => org::projects(&mut c, &actor).await?.first().map(|p| p.id),
    };
    let (hours, tz): (WorkingHours, Tz) = match project_id {
        Some(id) => match store::project_settings(&mut c, &actor, id).await? {
            Some(p) => (p.hours(), p.tz()),
            None => return Err(FieldErrors::single("project_id", Reason::NotFound).into()),
        },
        None => (WorkingHours::default(), DEFAULT_TZ),
    };
    let cal = store::load(&mut c, actor.company_id).await?;
    let start_utc = start.with_timezone(&Utc);
    let due = cal.add_working_days(start_utc, days, &hours, tz);
    let (from, to) = (start_utc.with_timezone(&tz).year(), due.with_timezone(&tz).year());
    let calendar_year_entered = (from..=to).all(|y| cal.year_entered(y));
    let due_tz = due.with_timezone(&tz);
    Ok(Json(AddWorkingDaysOut {
        start: start_utc.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, false),
        days,
        due: due_tz.to_rfc3339_opts(SecondsFormat::Secs, false),
        due_local: due_tz.format("%Y-%m-%d %H:%M").to_string(),
        working_hours: WorkingHoursOut { start: hours.start.format("%H:%M").to_string(), end: hours.end.format("%H:%M").to_string() },
        timezone: tz.name().to_string(),
        project_id,
        calendar_year_entered,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmp_6_start_and_days_are_checked() {
        assert!(parse_start("2026-09-30T17:00:00+08:00").is_ok());
        assert_eq!(parse_start("2026-09-30T17:00:00 08:00"), parse_start("2026-09-30T17:00:00+08:00"), "a + decoded as a space");
        assert!(parse_start("2026-09-30T17:00:00Z").is_ok());
        assert!(parse_start("2026-09-30T17:00:00").is_err(), "no offset");
        assert!(parse_start("yesterday").is_err());
        assert_eq!(parse_start(""), Err(Reason::Required));
        assert_eq!(parse_days("365"), Ok(365));
        assert_eq!(parse_days("0"), Ok(0));
        assert!(parse_days("366").is_err() && parse_days("-1").is_err() && parse_days("1.5").is_err());
    }
}
