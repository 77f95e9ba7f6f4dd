//! Fixtures shared by the domain's unit tests: wall-clock times in Shanghai and the shipped
//! calendar with default hours and policies.

use crate::calendar::{Calendar, WorkingHours};
use crate::complaint::Clocks;
use crate::sla::Policies;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

/// `"2026-03-02 09:00"` in Shanghai, as UTC.
pub fn at(s: &str) -> DateTime<Utc> {
    Shanghai.from_local_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")).single().expect("unique").with_timezone(&Utc)
}

/// The calendar context of a test: the shipped calendar, default hours and policies.
pub struct Env {
    pub cal: Calendar,
    pub hours: WorkingHours,
    pub policies: Policies,
}

impl Env {
    pub fn new() -> Env {
        Env { cal: Calendar::shipped(), hours: WorkingHours::default(), policies: Policies::default() }
    }
    pub fn k(&self) -> Clocks<'_> {
        Clocks { cal: &self.cal, hours: &self.hours, tz: Shanghai, policies: &self.policies }
    }
}
