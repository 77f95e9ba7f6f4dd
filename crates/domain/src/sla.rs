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
    /// The unit's code as stored and sent by forms (`working_days`, `calendar_days`, `hours`).
    pub fn unit(self) -> &'static str {
        match self {
            Clock::WorkingDays(_) => "working_days",
            Clock::CalendarDays(_) => "calendar_days",
            Clock::Hours(_) => "hours",
        }
    }
    pub fn n(self) -> u32 {
        match self {
            Clock::WorkingDays(n) | Clock::CalendarDays(n) | Clock::Hours(n) => n,
        }
    }
    /// A clock from its unit code and number; None for an unknown unit.
    pub fn from_parts(unit: &str, n: u32) -> Option<Clock> {
        match unit {
            "working_days" => Some(Clock::WorkingDays(n)),
            "calendar_days" => Some(Clock::CalendarDays(n)),
            "hours" => Some(Clock::Hours(n)),
            _ => None,
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

/// A project's deadline policies. `Default` gives the numbers of DOMAIN.md; a stored policy
/// document that lacks a field (`{}` included) takes that field's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
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
    /// A repair request is dispatched to the engineering department.
    pub rep_accept: Clock,
    /// REP-5: an emergency is dispatched and someone is on site (calendar hours, 24h rota).
    pub rep_emergency: Clock,
    /// REP-4: a repair is finished, when no finish time was agreed with the owner.
    pub rep_finish: Clock,
    /// REP-7: the finished repair is accepted and signed for.
    pub rep_sign_off: Clock,
    /// REP-8: callbacks after repairs of safety facilities, leaks, and everything else.
    pub rep_callback_safety: Clock,
    pub rep_callback_leak: Clock,
    pub rep_callback_other: Clock,
    /// REP-9: a rectification notice after a problem found at callback.
    pub rep_rectification: Clock,
    /// ORG-4: the archive follows a change of occupant within this many days.
    pub archive_update_days: u32,
    /// RCP-3: after-sales answers a return slip (物业返修联系单)…
    pub rcp_slip_feedback: Clock,
    /// …starts the repair after answering…
    pub rcp_slip_start: Clock,
    /// …and finishes it, when no time was agreed with the owner.
    pub rcp_slip_finish: Clock,
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
            rep_accept: Clock::WorkingDays(1),
            rep_emergency: Clock::Hours(1),
            rep_finish: Clock::WorkingDays(3),
            rep_sign_off: Clock::WorkingDays(2),
            rep_callback_safety: Clock::CalendarDays(2),
            rep_callback_leak: Clock::CalendarDays(3),
            rep_callback_other: Clock::CalendarDays(7),
            rep_rectification: Clock::Hours(24),
            archive_update_days: 2,
            rcp_slip_feedback: Clock::WorkingDays(1),
            rcp_slip_start: Clock::WorkingDays(2),
            rcp_slip_finish: Clock::WorkingDays(15),
        }
    }
}

/// The units a clock policy can be counted in: (code, Chinese, English).
pub const CLOCK_UNITS: &[(&str, &str, &str)] =
    &[("working_days", "个工作日", "working days"), ("calendar_days", "天", "calendar days"), ("hours", "小时", "hours")];

/// What kind of number a policy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A deadline: a number and a unit (`Clock`).
    Clock,
    /// A number of calendar days.
    Days,
    /// A number of people.
    People,
}

/// A policy's value, as read from or written to `Policies` by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyValue {
    Clock(Clock),
    Count(u32),
}

/// One editable policy: its field name in `Policies`, the rule it serves, and what it means.
#[derive(Debug, Clone, Copy)]
pub struct PolicyItem {
    pub key: &'static str,
    pub rule: &'static str,
    pub kind: PolicyKind,
    pub zh: &'static str,
    pub en: &'static str,
}

impl PolicyItem {
    pub fn label(&self, en: bool) -> &'static str {
        if en { self.en } else { self.zh }
    }
}

const fn item(key: &'static str, rule: &'static str, kind: PolicyKind, zh: &'static str, en: &'static str) -> PolicyItem {
    PolicyItem { key, rule, kind, zh, en }
}

/// Every field of `Policies`, in the order of DOMAIN.md, for the settings page and its form.
pub const POLICY_ITEMS: &[PolicyItem] = &[
    item("cmp_pass_on", "CMP-5", PolicyKind::Clock, "非本部门投诉转交客服中心", "Pass a complaint that is not ours to customer service"),
    item("cmp_file_after_finish", "CMP-5", PolicyKind::Clock, "本部门处理完毕后交客服中心备案", "File a complaint handled by the department after finishing"),
    item("cmp_reply_plan", "CMP-6", PolicyKind::Clock, "责任部门答复处理方案", "Responsible department replies with a handling plan"),
    item("cmp_escalate_after_days", "CMP-2", PolicyKind::Days, "有效投诉超过此天数未结升级为重大投诉", "A valid complaint open this many days becomes major"),
    item("cmp_collective_people", "CMP-2", PolicyKind::People, "集体投诉人数", "Distinct complainants that make a collective complaint"),
    item("cmp_collective_window_days", "CMP-2", PolicyKind::Days, "集体投诉统计天数", "Window for counting a collective complaint"),
    item("callback", "CBK-1", PolicyKind::Clock, "投诉解决或服务完成后回访", "Callback after a complaint is resolved or a service done"),
    item("rep_on_site", "REP-2", PolicyKind::Clock, "报修后到场", "On site after a repair request"),
    item("rep_accept", "REP-1", PolicyKind::Clock, "报修后派工", "Dispatch after a repair request"),
    item("rep_emergency", "REP-5", PolicyKind::Clock, "紧急维修派工并到场", "Emergency repair dispatched and on site"),
    item("rep_finish", "REP-4", PolicyKind::Clock, "未约定完工时间时的完工期限", "Finish a repair when no finish time was agreed"),
    item("rep_sign_off", "REP-7", PolicyKind::Clock, "完工后验收签字", "Sign-off after a repair is finished"),
    item("rep_callback_safety", "REP-8", PolicyKind::Clock, "安全设施维修后回访", "Callback after repairs of safety facilities"),
    item("rep_callback_leak", "REP-8", PolicyKind::Clock, "渗漏维修后回访", "Callback after leak repairs"),
    item("rep_callback_other", "REP-8", PolicyKind::Clock, "其他维修后回访", "Callback after other repairs"),
    item("rep_rectification", "REP-9", PolicyKind::Clock, "回访发现问题后发出整改通知", "Rectification notice after a problem found at callback"),
    item("archive_update_days", "ORG-4", PolicyKind::Days, "住户变更后更新档案的天数", "Days to update the archive after a change of occupant"),
    item("rcp_slip_feedback", "RCP-3", PolicyKind::Clock, "返修联系单售后部反馈", "After-sales answers a return slip"),
    item("rcp_slip_start", "RCP-3", PolicyKind::Clock, "售后反馈后安排返修", "After-sales starts the repair after answering"),
    item("rcp_slip_finish", "RCP-3", PolicyKind::Clock, "未约定时间时返修完成期限", "After-sales finishes when no time was agreed"),
];

/// The largest number a policy may hold (days, hours or people).
pub const POLICY_MAX: u32 = 999;

impl Policies {
    /// A policy by its key; None for an unknown key.
    pub fn get(&self, key: &str) -> Option<PolicyValue> {
        use PolicyValue::{Clock as C, Count as N};
        Some(match key {
            "cmp_pass_on" => C(self.cmp_pass_on),
            "cmp_file_after_finish" => C(self.cmp_file_after_finish),
            "cmp_reply_plan" => C(self.cmp_reply_plan),
            "cmp_escalate_after_days" => N(self.cmp_escalate_after_days),
            "cmp_collective_people" => N(self.cmp_collective_people),
            "cmp_collective_window_days" => N(self.cmp_collective_window_days),
            "callback" => C(self.callback),
            "rep_on_site" => C(self.rep_on_site),
            "rep_accept" => C(self.rep_accept),
            "rep_emergency" => C(self.rep_emergency),
            "rep_finish" => C(self.rep_finish),
            "rep_sign_off" => C(self.rep_sign_off),
            "rep_callback_safety" => C(self.rep_callback_safety),
            "rep_callback_leak" => C(self.rep_callback_leak),
            "rep_callback_other" => C(self.rep_callback_other),
            "rep_rectification" => C(self.rep_rectification),
            "archive_update_days" => N(self.archive_update_days),
            "rcp_slip_feedback" => C(self.rcp_slip_feedback),
            "rcp_slip_start" => C(self.rcp_slip_start),
            "rcp_slip_finish" => C(self.rcp_slip_finish),
            _ => return None,
        })
    }

    /// Sets a policy by its key; false when the key is unknown or the value of the wrong kind.
    pub fn set(&mut self, key: &str, v: PolicyValue) -> bool {
        match (key, v) {
            ("cmp_pass_on", PolicyValue::Clock(c)) => self.cmp_pass_on = c,
            ("cmp_file_after_finish", PolicyValue::Clock(c)) => self.cmp_file_after_finish = c,
            ("cmp_reply_plan", PolicyValue::Clock(c)) => self.cmp_reply_plan = c,
            ("cmp_escalate_after_days", PolicyValue::Count(n)) => self.cmp_escalate_after_days = n,
            ("cmp_collective_people", PolicyValue::Count(n)) => self.cmp_collective_people = n,
            ("cmp_collective_window_days", PolicyValue::Count(n)) => self.cmp_collective_window_days = n,
            ("callback", PolicyValue::Clock(c)) => self.callback = c,
            ("rep_on_site", PolicyValue::Clock(c)) => self.rep_on_site = c,
            ("rep_accept", PolicyValue::Clock(c)) => self.rep_accept = c,
            ("rep_emergency", PolicyValue::Clock(c)) => self.rep_emergency = c,
            ("rep_finish", PolicyValue::Clock(c)) => self.rep_finish = c,
            ("rep_sign_off", PolicyValue::Clock(c)) => self.rep_sign_off = c,
            ("rep_callback_safety", PolicyValue::Clock(c)) => self.rep_callback_safety = c,
            ("rep_callback_leak", PolicyValue::Clock(c)) => self.rep_callback_leak = c,
            ("rep_callback_other", PolicyValue::Clock(c)) => self.rep_callback_other = c,
            ("rep_rectification", PolicyValue::Clock(c)) => self.rep_rectification = c,
            ("archive_update_days", PolicyValue::Count(n)) => self.archive_update_days = n,
            ("rcp_slip_feedback", PolicyValue::Clock(c)) => self.rcp_slip_feedback = c,
            ("rcp_slip_start", PolicyValue::Clock(c)) => self.rcp_slip_start = c,
            ("rcp_slip_finish", PolicyValue::Clock(c)) => self.rcp_slip_finish = c,
            _ => return false,
        }
        true
    }
}

impl PolicyItem {
    /// A value as typed on the settings form: a whole number (1–999; at least 2 people) and,
    /// for a deadline, its unit code.
    pub fn parse(&self, n: &str, unit: &str) -> Result<PolicyValue, crate::Reason> {
        let n: u32 = match n.trim() {
            "" => return Err(crate::Reason::Required),
            s => s.parse().map_err(|_| crate::Reason::Invalid("应为 1–999 的整数", "must be a whole number from 1 to 999"))?,
        };
        let min = if self.kind == PolicyKind::People { 2 } else { 1 };
        if n < min || n > POLICY_MAX {
            return Err(crate::Reason::Invalid("应为 1–999 的整数（人数至少为 2）", "must be a whole number from 1 to 999 (at least 2 people)"));
        }
        match self.kind {
            PolicyKind::Clock => Clock::from_parts(unit.trim(), n).map(PolicyValue::Clock).ok_or(crate::Reason::Invalid("请选择单位", "choose a unit")),
            PolicyKind::Days | PolicyKind::People => Ok(PolicyValue::Count(n)),
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
    use crate::testing::at;

    use chrono_tz::Asia::Shanghai;

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
    fn cmp_5_missing_policy_fields_take_their_defaults() {
        assert_eq!(serde_json::from_str::<Policies>("{}").expect("empty"), Policies::default());
        let p: Policies = serde_json::from_str(r#"{"cmp_pass_on":{"unit":"hours","n":4},"unknown_field":1}"#).expect("partial");
        assert_eq!(p.cmp_pass_on, Clock::Hours(4));
        assert_eq!(p.cmp_reply_plan, Clock::WorkingDays(2));
    }

    #[test]
    fn cmp_5_every_policy_item_reads_and_writes_its_field() {
        let defaults = Policies::default();
        for it in POLICY_ITEMS {
            let mut p = Policies::default();
            let v = p.get(it.key).unwrap_or_else(|| panic!("{} has no field", it.key));
            assert_eq!(matches!(v, PolicyValue::Clock(_)), it.kind == PolicyKind::Clock, "{}", it.key);
            let changed = match v {
                PolicyValue::Clock(c) => PolicyValue::Clock(Clock::Hours(c.n() + 7)),
                PolicyValue::Count(n) => PolicyValue::Count(n + 7),
            };
            assert!(p.set(it.key, changed));
            assert_eq!(p.get(it.key), Some(changed));
            assert_ne!(p, defaults, "{} changed nothing", it.key);
            assert!(!p.set(it.key, if matches!(v, PolicyValue::Clock(_)) { PolicyValue::Count(1) } else { PolicyValue::Clock(Clock::Hours(1)) }));
        }
        // Every field of the struct is an item: the JSON form has exactly as many keys.
        let json = serde_json::to_value(&defaults).expect("json");
        assert_eq!(json.as_object().map(|o| o.len()), Some(POLICY_ITEMS.len()));
        assert_eq!(defaults.get("nope"), None);
    }

    #[test]
    fn cmp_5_policy_values_parse_from_the_form() {
        let pass_on = POLICY_ITEMS.iter().find(|i| i.key == "cmp_pass_on").expect("item");
        assert_eq!(pass_on.parse(" 3 ", "calendar_days"), Ok(PolicyValue::Clock(Clock::CalendarDays(3))));
        assert!(pass_on.parse("0", "hours").is_err());
        assert!(pass_on.parse("1000", "hours").is_err());
        assert!(pass_on.parse("2", "weeks").is_err());
        assert!(pass_on.parse("", "hours").is_err());
        assert!(pass_on.parse("1.5", "hours").is_err());
        let people = POLICY_ITEMS.iter().find(|i| i.key == "cmp_collective_people").expect("item");
        assert!(people.parse("1", "").is_err());
        assert_eq!(people.parse("12", ""), Ok(PolicyValue::Count(12)));
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
