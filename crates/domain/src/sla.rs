//! Deadline policies and deadline states. Every SLA number of DOMAIN.md is the default of a
//! per-project setting (`Policies`); a deadline is computed by the calendar when a step
//! starts, stored on the case, and moved by pause/resume.

use crate::calendar::{Calendar, WorkingHours, add_calendar_days, add_hours};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How a deadline is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "n", rename_all = "snake_case")]
pub enum Clock {
    WorkingDays(u32),
    CalendarDays(u32),
    Hours(u32),
}

impl Clock {
    pub fn due(self, start: DateTime<Utc>, cal: &Calendar, hours: &WorkingHours, tz: Tz) -> DateTime<Utc> {
        match self {
            Clock::WorkingDays(n) => cal.add_working_days(start, n, hours, tz),
            Clock::CalendarDays(n) => add_calendar_days(start, n),
            Clock::Hours(n) => add_hours(start, n),
        }
    }
    pub fn label(self, en: bool) -> String {
        match (self, en) {
            (Clock::WorkingDays(n), false) => format!("{n} 个工作日"),
            (Clock::CalendarDays(n), false) => format!("{n} 天"),
            (Clock::Hours(n), false) => format!("{n} 小时"),
            (Clock::WorkingDays(n), true) => format!("{n} working days"),
            (Clock::CalendarDays(n), true) => format!("{n} days"),
            (Clock::Hours(n), true) => format!("{n} hours"),
        }
    }
}

/// A project's deadline policies. `Default` gives the numbers of DOMAIN.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    /// CMP-5: a department passes a complaint that is not its own to customer service.
    pub cmp_pass_on: Clock,
    /// CMP-5: a department files a complaint it handled itself, after finishing.
    pub cmp_file_after_finish: Clock,
    /// CMP-6: the responsible department replies with a handling plan.
    pub cmp_reply_plan: Clock,
    /// CMP-2: a valid complaint still open this many days after intake becomes major.
    pub cmp_escalate_after_days: u32,
    /// CMP-2: this many distinct complainants on one issue make a collective complaint…
    pub cmp_collective_people: u32,
    /// …within this many days.
    pub cmp_collective_window_days: u32,
    /// CBK-1: a callback after a complaint is resolved or a service is done.
    pub callback: Clock,
    /// REP-2: someone on site after a repair request.
    pub rep_on_site: Clock,
    /// REP-8: callbacks after repairs of safety facilities, leaks, and everything else.
    pub rep_callback_safety: Clock,
    pub rep_callback_leak: Clock,
    pub rep_callback_other: Clock,
    /// REP-9: a rectification notice after a problem found at callback.
    pub rep_rectification: Clock,
    /// ORG-4: the archive follows a change of occupant within this many days.
    pub archive_update_days: u32,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            cmp_pass_on: Clock::WorkingDays(1),
            cmp_file_after_finish: Clock::WorkingDays(2),
            cmp_reply_plan: Clock::WorkingDays(2),
            cmp_escalate_after_days: 30,
            cmp_collective_people: 10,
            cmp_collective_window_days: 7,
            callback: Clock::CalendarDays(3),
            rep_on_site: Clock::WorkingDays(2),
            rep_callback_safety: Clock::CalendarDays(2),
            rep_callback_leak: Clock::CalendarDays(3),
            rep_callback_other: Clock::CalendarDays(7),
            rep_rectification: Clock::Hours(24),
            archive_update_days: 2,
        }
    }
}

/// What a deadline looks like now (UI.md: 正常 / 今日到期 / 已超时 / 已暂停).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    OnTime,
    DueToday,
    Overdue,
    Paused,
}

impl DeadlineState {
    pub fn of(due: DateTime<Utc>, now: DateTime<Utc>, paused: bool, tz: Tz) -> DeadlineState {
        if paused {
            DeadlineState::Paused
        } else if now > due {
            DeadlineState::Overdue
        } else if due.with_timezone(&tz).date_naive() == now.with_timezone(&tz).date_naive() {
            DeadlineState::DueToday
        } else {
            DeadlineState::OnTime
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            DeadlineState::OnTime => "正常",
            DeadlineState::DueToday => "今日到期",
            DeadlineState::Overdue => "已超时",
            DeadlineState::Paused => "已暂停",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            DeadlineState::OnTime => "on time",
            DeadlineState::DueToday => "due today",
            DeadlineState::Overdue => "overdue",
            DeadlineState::Paused => "paused",
        }
    }
    /// CSS class: the colour is never the only signal, the words are always shown too.
    pub fn css(self) -> &'static str {
        match self {
            DeadlineState::OnTime => "ok",
            DeadlineState::DueToday => "warn",
            DeadlineState::Overdue => "bad",
            DeadlineState::Paused => "",
        }
    }
}

/// A deadline after a pause: moved by the working time spent paused, so a case on hold (e.g.
/// waiting for the owner to be home) does not eat its own clock.
pub fn resume(due: DateTime<Utc>, paused_at: DateTime<Utc>, resumed_at: DateTime<Utc>, cal: &Calendar, hours: &WorkingHours, tz: Tz) -> DateTime<Utc> {
    let spent: Duration = cal.working_time_between(paused_at, resumed_at, hours, tz);
    cal.add_working_time(due, spent, hours, tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, TimeZone};
    use chrono_tz::Asia::Shanghai;

    fn at(s: &str) -> DateTime<Utc> {
        Shanghai.from_local_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")).single().expect("unique").with_timezone(&Utc)
    }

    #[test]
    fn cmp_5_cmp_6_cbk_1_rep_8_defaults_are_the_domain_numbers() {
        let p = Policies::default();
        assert_eq!(p.cmp_pass_on, Clock::WorkingDays(1));
        assert_eq!(p.cmp_file_after_finish, Clock::WorkingDays(2));
        assert_eq!(p.cmp_reply_plan, Clock::WorkingDays(2));
        assert_eq!((p.cmp_escalate_after_days, p.cmp_collective_people), (30, 10));
        assert_eq!(p.callback, Clock::CalendarDays(3));
        assert_eq!(
            (p.rep_callback_safety, p.rep_callback_leak, p.rep_callback_other),
            (Clock::CalendarDays(2), Clock::CalendarDays(3), Clock::CalendarDays(7))
        );
        assert_eq!(p.rep_rectification, Clock::Hours(24));
        // Policies are data: they survive a round trip through their stored JSON form.
        let json = serde_json::to_string(&p).expect("json");
        assert_eq!(serde_json::from_str::<Policies>(&json).expect("parse"), p);
    }

    #[test]
    fn cmp_6_reply_plan_due_over_national_day() {
        let cal = Calendar::shipped();
        let due = Policies::default().cmp_reply_plan.due(at("2026-09-30 17:00"), &cal, &WorkingHours::default(), Shanghai);
        assert_eq!(due, at("2026-10-09 17:00"));
    }

    #[test]
    fn deadline_states_in_words() {
        let due = at("2026-11-27 17:00");
        assert_eq!(DeadlineState::of(due, at("2026-11-26 10:00"), false, Shanghai), DeadlineState::OnTime);
        assert_eq!(DeadlineState::of(due, at("2026-11-27 08:00"), false, Shanghai), DeadlineState::DueToday);
        assert_eq!(DeadlineState::of(due, at("2026-11-27 17:01"), false, Shanghai), DeadlineState::Overdue);
        assert_eq!(DeadlineState::of(due, at("2026-11-28 09:00"), true, Shanghai), DeadlineState::Paused);
        assert_eq!(DeadlineState::Overdue.zh(), "已超时");
    }

    #[test]
    fn rep_2_pause_moves_the_deadline_by_working_time_paused() {
        let cal = Calendar::shipped();
        let h = WorkingHours::default();
        let due = at("2026-11-25 09:00");
        // Paused Friday 16:00 to Monday 10:00: 2 h of Friday, 1 h of Monday.
        assert_eq!(resume(due, at("2026-11-20 16:00"), at("2026-11-23 10:00"), &cal, &h, Shanghai), at("2026-11-25 12:00"));
    }
}
