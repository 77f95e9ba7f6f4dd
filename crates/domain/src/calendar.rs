//! The working-day calendar: weekdays are working days, except the statutory holidays
//! (法定节假日), plus the make-up working days (调休上班日) the State Council announces each
//! year. The calendar is data: the years shipped here are defaults, admins add and correct
//! days. A year nobody has entered falls back to the weekday rule and says so — never a panic.
//!
//! Deadlines count working time: "N working days after t" is the moment when N × (the
//! project's working hours per day) working hours have passed, counting only the working
//! hours of working days, from t or from the next working hour when t is outside them.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DayKind {
    /// A statutory holiday (or a day of its holiday period), with the holiday's name.
    Holiday(String),
    /// A weekend day that is a working day (调休上班日), with the holiday it makes up for.
    Workday(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    exceptions: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

/// A project's working hours, e.g. 09:00–18:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for WorkingHours {
    fn default() -> Self {
        WorkingHours { start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(), end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default() }
    }
}

impl WorkingHours {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Option<WorkingHours> {
        (start < end).then_some(WorkingHours { start, end })
    }
    pub fn per_day(&self) -> Duration {
        self.end - self.start
    }
}

/// The statutory holidays and make-up working days of one year, as the State Council announced
/// them: (holiday name, days off, make-up working days).
type YearPlan = &'static [(&'static str, &'static [(u32, u32)], &'static [(u32, u32)])];

const Y2024: YearPlan = &[
    ("元旦", &[(1, 1)], &[]),
    ("春节", &[(2, 10), (2, 11), (2, 12), (2, 13), (2, 14), (2, 15), (2, 16), (2, 17)], &[(2, 4), (2, 18)]),
    ("清明节", &[(4, 4), (4, 5), (4, 6)], &[(4, 7)]),
    ("劳动节", &[(5, 1), (5, 2), (5, 3), (5, 4), (5, 5)], &[(4, 28), (5, 11)]),
    ("端午节", &[(6, 10)], &[]),
    ("中秋节", &[(9, 15), (9, 16), (9, 17)], &[(9, 14)]),
    ("国庆节", &[(10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7)], &[(9, 29), (10, 12)]),
];

const Y2025: YearPlan = &[
    ("元旦", &[(1, 1)], &[]),
    ("春节", &[(1, 28), (1, 29), (1, 30), (1, 31), (2, 1), (2, 2), (2, 3), (2, 4)], &[(1, 26), (2, 8)]),
    ("清明节", &[(4, 4), (4, 5), (4, 6)], &[]),
    ("劳动节", &[(5, 1), (5, 2), (5, 3), (5, 4), (5, 5)], &[(4, 27)]),
    ("端午节", &[(5, 31), (6, 1), (6, 2)], &[]),
    ("国庆节、中秋节", &[(10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7), (10, 8)], &[(9, 28), (10, 11)]),
];

const Y2026: YearPlan = &[
    ("元旦", &[(1, 1), (1, 2), (1, 3)], &[(1, 4)]),
    ("春节", &[(2, 15), (2, 16), (2, 17), (2, 18), (2, 19), (2, 20), (2, 21), (2, 22), (2, 23)], &[(2, 14), (2, 28)]),
    ("清明节", &[(4, 4), (4, 5), (4, 6)], &[]),
    ("劳动节", &[(5, 1), (5, 2), (5, 3), (5, 4), (5, 5)], &[(5, 9)]),
    ("端午节", &[(6, 19), (6, 20), (6, 21)], &[]),
    ("中秋节", &[(9, 25), (9, 26), (9, 27)], &[]),
    ("国庆节", &[(10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7)], &[(9, 20), (10, 10)]),
];

/// The shipped years: (year, plan).
pub const SHIPPED: &[(i32, YearPlan)] = &[(2024, Y2024), (2025, Y2025), (2026, Y2026)];

/// One exception day as stored and edited: a holiday or a make-up working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionDay {
    pub date: NaiveDate,
    pub working: bool,
    pub name: String,
}

/// The shipped exception days of a year (empty for a year not shipped).
pub fn shipped_days(year: i32) -> Vec<ExceptionDay> {
    let mut out = Vec::new();
    for (y, plan) in SHIPPED {
        if *y != year {
            continue;
        }
        for (name, off, on) in plan.iter() {
            for (m, d) in off.iter() {
                if let Some(date) = NaiveDate::from_ymd_opt(year, *m, *d) {
                    out.push(ExceptionDay { date, working: false, name: (*name).to_string() });
                }
            }
            for (m, d) in on.iter() {
                if let Some(date) = NaiveDate::from_ymd_opt(year, *m, *d) {
                    out.push(ExceptionDay { date, working: true, name: format!("{name}调休上班") });
                }
            }
        }
    }
    out.sort_by_key(|e| e.date);
    out
}

impl Calendar {
    /// A calendar from stored days; `years` are the years someone has entered (or shipped).
    pub fn new(days: impl IntoIterator<Item = ExceptionDay>, years: impl IntoIterator<Item = i32>) -> Calendar {
        let mut cal = Calendar { exceptions: BTreeMap::new(), years: years.into_iter().collect() };
        for d in days {
            cal.years.insert(d.date.year());
            cal.exceptions.insert(d.date, if d.working { DayKind::Workday(d.name) } else { DayKind::Holiday(d.name) });
        }
        cal
    }

    /// The shipped 2024–2026 calendar.
    pub fn shipped() -> Calendar {
        let years: Vec<i32> = SHIPPED.iter().map(|(y, _)| *y).collect();
        Calendar::new(years.iter().flat_map(|y| shipped_days(*y)), years.clone())
    }

    pub fn year_entered(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn exception(&self, d: NaiveDate) -> Option<&DayKind> {
        self.exceptions.get(&d)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.exceptions.get(&d) {
            Some(DayKind::Holiday(_)) => false,
            Some(DayKind::Workday(_)) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The first working day on or after `d` (bounded: a calendar cannot be all holidays).
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        for _ in 0..366 {
            if self.is_working_day(day) {
                return day;
            }
            day = day.succ_opt().unwrap_or(day);
        }
        day
    }

    /// `date` plus `n` working days, counted by whole days (for date-only deadlines): the n-th
    /// working day after `date`.
    pub fn add_working_days_to_date(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1)).unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The moment `work` of working time has passed after `start` (see the module doc).
    pub fn add_working_time(&self, start: DateTime<Utc>, work: Duration, hours: &WorkingHours, tz: Tz) -> DateTime<Utc> {
        let mut local = start.with_timezone(&tz).naive_local();
        let mut left = work;
        if left <= Duration::zero() {
            return start;
        }
        // Bounded loop: at most one iteration per calendar day.
        for _ in 0..20_000 {
            let day = local.date();
            if self.is_working_day(day) {
                let open = day.and_time(hours.start);
                let close = day.and_time(hours.end);
                let from = local.max(open);
                if from < close {
                    let avail = close - from;
                    if left <= avail {
                        return to_utc(from + left, tz);
                    }
                    left -= avail;
                }
            }
            local = day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN);
        }
        to_utc(local, tz)
    }

    /// "N working days after t".
    pub fn add_working_days(&self, start: DateTime<Utc>, days: u32, hours: &WorkingHours, tz: Tz) -> DateTime<Utc> {
        self.add_working_time(start, hours.per_day() * days as i32, hours, tz)
    }

    /// The working time between two moments (zero when `to` is not after `from`).
    pub fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>, hours: &WorkingHours, tz: Tz) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let a = from.with_timezone(&tz).naive_local();
        let b = to.with_timezone(&tz).naive_local();
        let mut total = Duration::zero();
        let mut day = a.date();
        while day <= b.date() {
            if self.is_working_day(day) {
                let open = day.and_time(hours.start).max(a);
                let close = day.and_time(hours.end).min(b);
                if close > open {
                    total += close - open;
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        total
    }
}

fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    // China has no daylight saving; for zones that do, an ambiguous time takes the earlier
    // instant and a skipped one is read as UTC offset-free.
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// "N calendar days after t".
pub fn add_calendar_days(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    start + Duration::days(days as i64)
}

/// "N hours after t".
pub fn add_hours(start: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    start + Duration::hours(hours as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;
    use chrono_tz::Asia::Shanghai;

    fn local(t: DateTime<Utc>) -> String {
        t.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }
    fn two_days(cal: &Calendar, s: &str) -> String {
        local(cal.add_working_days(at(s), 2, &WorkingHours::default(), Shanghai))
    }

    #[test]
    fn cmp_6_two_working_days_after_wednesday_five_pm_is_friday_five_pm() {
        let cal = Calendar::shipped();
        // 2026-11-25 is a Wednesday with ordinary Thursday and Friday after it.
        assert_eq!(two_days(&cal, "2026-11-25 17:00"), "2026-11-27 17:00");
        // Outside working hours the clock starts at the next working hour.
        assert_eq!(two_days(&cal, "2026-11-25 20:00"), "2026-11-27 18:00");
        assert_eq!(two_days(&cal, "2026-11-26 07:30"), "2026-11-27 18:00");
        // Friday afternoon runs over the weekend.
        assert_eq!(two_days(&cal, "2026-11-27 17:00"), "2026-12-01 17:00");
        // Exactly one day ends at closing time, not the next morning.
        assert_eq!(local(cal.add_working_days(at("2026-11-23 09:00"), 1, &WorkingHours::default(), Shanghai)), "2026-11-23 18:00");
    }

    #[test]
    fn cmp_6_spring_festival_2026_and_its_make_up_saturdays() {
        let cal = Calendar::shipped();
        // 春节 2026: 02-15…02-23 off; Saturday 02-14 and Saturday 02-28 are working days.
        assert!(cal.is_working_day(d("2026-02-14")), "调休 Saturday before the festival");
        assert!(!cal.is_working_day(d("2026-02-16")));
        assert!(!cal.is_working_day(d("2026-02-23")), "a Monday inside the holiday");
        assert!(cal.is_working_day(d("2026-02-28")), "调休 Saturday after the festival");
        // Friday 02-13 17:00: 1 h Friday, 9 h on Saturday 02-14, then the holiday to 02-23 → Tuesday 02-24 17:00.
        assert_eq!(two_days(&cal, "2026-02-13 17:00"), "2026-02-24 17:00");
        // Thursday 02-26 17:00: 1 h, Friday 9 h, make-up Saturday 02-28 until 17:00.
        assert_eq!(two_days(&cal, "2026-02-26 17:00"), "2026-02-28 17:00");
    }

    #[test]
    fn cmp_6_spring_festival_2025_and_national_days() {
        let cal = Calendar::shipped();
        // 春节 2025: 01-28…02-04 off; Sunday 01-26 and Saturday 02-08 are working days.
        assert!(cal.is_working_day(d("2025-01-26")));
        assert!(cal.is_working_day(d("2025-02-08")));
        assert_eq!(two_days(&cal, "2025-01-27 10:00"), "2025-02-06 10:00");
        // 国庆节、中秋节 2025: 10-01…10-08 off; Sunday 09-28 and Saturday 10-11 are working days.
        assert!(cal.is_working_day(d("2025-09-28")));
        assert_eq!(two_days(&cal, "2025-09-30 17:00"), "2025-10-10 17:00");
        assert_eq!(two_days(&cal, "2025-10-10 12:00"), "2025-10-13 12:00");
        // 国庆节 2026: 10-01…10-07 off; Sunday 09-20 and Saturday 10-10 are working days.
        assert!(cal.is_working_day(d("2026-09-20")));
        assert!(cal.is_working_day(d("2026-10-10")));
        // The issue's own example: 2 working days after 2026-09-30 17:00 lands on the 调休 Saturday.
        assert_eq!(two_days(&cal, "2026-09-30 17:00"), "2026-10-09 17:00");
        assert_eq!(two_days(&cal, "2026-10-09 17:00"), "2026-10-12 17:00");
    }

    #[test]
    fn working_time_between_and_pause() {
        let cal = Calendar::shipped();
        let h = WorkingHours::default();
        assert_eq!(cal.working_time_between(at("2026-11-25 17:00"), at("2026-11-27 17:00"), &h, Shanghai), Duration::hours(18));
        assert_eq!(cal.working_time_between(at("2026-11-27 17:00"), at("2026-11-30 10:00"), &h, Shanghai), Duration::hours(2));
        assert_eq!(cal.working_time_between(at("2026-11-27 17:00"), at("2026-11-27 16:00"), &h, Shanghai), Duration::zero());
        // Pause/resume: a deadline moves by the working time spent paused.
        let due = cal.add_working_days(at("2026-11-23 09:00"), 2, &h, Shanghai);
        let paused = cal.working_time_between(at("2026-11-23 14:00"), at("2026-11-24 11:00"), &h, Shanghai);
        assert_eq!(paused, Duration::hours(6));
        assert_eq!(local(cal.add_working_time(due, paused, &h, Shanghai)), "2026-11-25 15:00");
    }

    #[test]
    fn an_unentered_year_falls_back_to_weekdays() {
        let cal = Calendar::shipped();
        assert!(!cal.year_entered(2027));
        assert!(cal.year_entered(2026));
        assert!(cal.is_working_day(d("2027-10-01")), "no 2027 data: a Friday is a working day");
        assert!(!cal.is_working_day(d("2027-10-02")));
        assert_eq!(two_days(&cal, "2027-12-30 17:00"), "2028-01-03 17:00");
    }

    #[test]
    fn other_clocks_and_day_counts() {
        let cal = Calendar::shipped();
        assert_eq!(local(add_calendar_days(at("2026-09-30 17:00"), 3)), "2026-10-03 17:00");
        assert_eq!(local(add_hours(at("2026-09-30 17:00"), 24)), "2026-10-01 17:00");
        assert_eq!(cal.add_working_days_to_date(d("2026-09-30"), 1), d("2026-10-08"));
        assert_eq!(cal.next_working_day(d("2026-10-01")), d("2026-10-08"));
        let custom = WorkingHours::new(NaiveTime::from_hms_opt(8, 30, 0).expect("t"), NaiveTime::from_hms_opt(17, 30, 0).expect("t")).expect("hours");
        assert_eq!(local(cal.add_working_days(at("2026-11-25 17:00"), 1, &custom, Shanghai)), "2026-11-26 17:00");
        assert!(WorkingHours::new(NaiveTime::MIN, NaiveTime::MIN).is_none());
        // Shipped data: every listed make-up day is a weekend day, every holiday has a name.
        for y in [2024, 2025, 2026] {
            for e in shipped_days(y) {
                if e.working {
                    assert!(matches!(e.date.weekday(), Weekday::Sat | Weekday::Sun), "{} is a weekday", e.date);
                }
                assert!(!e.name.is_empty());
            }
        }
    }
}
