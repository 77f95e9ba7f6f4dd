//! RCP-3 after-sales (售后, 004 4.4–4.5): a construction defect reported at the desk goes on a
//! return slip (物业返修联系单) to the developer's after-sales department the same day, and
//! customer service chases it to completion: sent → acknowledged → in repair → done (confirmed
//! with the owner). Each step has a deadline from the project's policies; the reception record
//! closes when the slip is done (RCP-7).

use crate::complaint::Clocks;
use crate::text_enum;
use chrono::{DateTime, Utc};

text_enum! {
    ReturnSlipStatus {
        Sent = "sent", "已发售后部", "Sent to after-sales";
        Acknowledged = "acknowledged", "售后已反馈", "Acknowledged";
        InRepair = "in_repair", "返修中", "In repair";
        Done = "done", "已完成", "Done";
    }
}

text_enum! {
    /// The steps whose deadlines are chased.
    SlipStep {
        Feedback = "feedback", "售后反馈", "Feedback";
        Start = "start", "安排返修", "Repair starts";
        Finish = "finish", "返修完成", "Repair done";
    }
}

impl ReturnSlipStatus {
    /// The step whose clock runs in this status.
    pub fn running_step(self) -> Option<SlipStep> {
        match self {
            ReturnSlipStatus::Sent => Some(SlipStep::Feedback),
            ReturnSlipStatus::Acknowledged => Some(SlipStep::Start),
            ReturnSlipStatus::InRepair => Some(SlipStep::Finish),
            ReturnSlipStatus::Done => None,
        }
    }
    pub fn is_open(self) -> bool {
        self != ReturnSlipStatus::Done
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlipAction {
    /// After-sales replied (who, what they will do) and, if agreed with the owner, by when it
    /// will be done.
    Acknowledge { reply: String, agreed_finish: Option<DateTime<Utc>> },
    /// After-sales' people are repairing.
    StartRepair { note: String },
    /// Done, confirmed with the owner (who confirmed and how).
    ConfirmDone { confirmed_by: String, note: String },
}

pub const SLIP_ACTIONS: &[&str] = &["acknowledge", "start_repair", "confirm_done"];

impl SlipAction {
    pub fn code(&self) -> &'static str {
        match self {
            SlipAction::Acknowledge { .. } => "acknowledge",
            SlipAction::StartRepair { .. } => "start_repair",
            SlipAction::ConfirmDone { .. } => "confirm_done",
        }
    }
}

/// The stored deadline of each step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlipDues {
    pub feedback: Option<DateTime<Utc>>,
    pub start: Option<DateTime<Utc>>,
    pub finish: Option<DateTime<Utc>>,
}

impl SlipDues {
    pub fn of(&self, s: SlipStep) -> Option<DateTime<Utc>> {
        match s {
            SlipStep::Feedback => self.feedback,
            SlipStep::Start => self.start,
            SlipStep::Finish => self.finish,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnSlip {
    pub status: ReturnSlipStatus,
    pub dues: SlipDues,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipChange {
    pub status: ReturnSlipStatus,
    pub dues: SlipDues,
    /// The step this action completed and whether it was on time.
    pub result: Option<(SlipStep, bool)>,
}

impl SlipChange {
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.status.running_step().and_then(|s| self.dues.of(s))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlipError {
    NotAllowed { status: ReturnSlipStatus },
    Missing(&'static str),
    Invalid { field: &'static str, zh: &'static str, en: &'static str },
}

/// RCP-3: a slip sent now is due for feedback by the policy (1 working day by default).
pub fn sent_dues(sent_at: DateTime<Utc>, k: &Clocks<'_>) -> SlipDues {
    SlipDues { feedback: Some(k.policies.rcp_slip_feedback.due(sent_at, k.cal, k.hours, k.tz)), ..SlipDues::default() }
}

fn need(s: &str, what: &'static str) -> Result<(), SlipError> {
    if s.trim().is_empty() { Err(SlipError::Missing(what)) } else { Ok(()) }
}

impl ReturnSlip {
    fn samples(now: DateTime<Utc>) -> [SlipAction; 3] {
        [
            SlipAction::Acknowledge { reply: "x".into(), agreed_finish: Some(now + chrono::Duration::days(1)) },
            SlipAction::StartRepair { note: String::new() },
            SlipAction::ConfirmDone { confirmed_by: "x".into(), note: String::new() },
        ]
    }

    /// The actions that fit now (buttons and 409 answers).
    pub fn allowed(&self, now: DateTime<Utc>, k: &Clocks<'_>) -> Vec<&'static str> {
        Self::samples(now).iter().filter(|a| self.apply(a, now, k).is_ok()).map(SlipAction::code).collect()
    }

    /// The return slip's transition table.
    pub fn apply(&self, action: &SlipAction, now: DateTime<Utc>, k: &Clocks<'_>) -> Result<SlipChange, SlipError> {
        use ReturnSlipStatus as S;
        let mut c = SlipChange { status: self.status, dues: self.dues, result: None };
        let on_time = |s: SlipStep| self.dues.of(s).is_none_or(|d| now <= d);
        let due = |clock: crate::sla::Clock| clock.due(now, k.cal, k.hours, k.tz);
        match (self.status, action) {
            (S::Sent, SlipAction::Acknowledge { reply, agreed_finish }) => {
                need(reply, "reply")?;
                let finish = match agreed_finish {
                    Some(t) if *t <= now => {
                        return Err(SlipError::Invalid { field: "agreed_finish", zh: "约定完成时间必须晚于现在", en: "must be in the future" });
                    }
                    Some(t) => *t,
                    None => due(k.policies.rcp_slip_finish),
                };
                c.status = S::Acknowledged;
                c.result = Some((SlipStep::Feedback, on_time(SlipStep::Feedback)));
                c.dues.start = Some(due(k.policies.rcp_slip_start).min(finish));
                c.dues.finish = Some(finish);
            }
            (S::Acknowledged, SlipAction::StartRepair { .. }) => {
                c.status = S::InRepair;
                c.result = Some((SlipStep::Start, on_time(SlipStep::Start)));
            }
            // The owner may confirm the fix even when after-sales never said they started.
            (S::Acknowledged | S::InRepair, SlipAction::ConfirmDone { confirmed_by, .. }) => {
                need(confirmed_by, "confirmed_by")?;
                c.status = S::Done;
                c.result = Some((SlipStep::Finish, on_time(SlipStep::Finish)));
            }
            _ => return Err(SlipError::NotAllowed { status: self.status }),
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, WorkingHours};
    use crate::sla::Policies;
    use chrono::{NaiveDateTime, TimeZone};
    use chrono_tz::Asia::Shanghai;

    fn at(s: &str) -> DateTime<Utc> {
        Shanghai.from_local_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")).single().expect("unique").with_timezone(&Utc)
    }

    struct Env(Calendar, WorkingHours, Policies);
    impl Env {
        fn k(&self) -> Clocks<'_> {
            Clocks { cal: &self.0, hours: &self.1, tz: Shanghai, policies: &self.2 }
        }
    }
    fn env() -> Env {
        Env(Calendar::shipped(), WorkingHours::default(), Policies::default())
    }

    #[test]
    fn rcp_3_slip_deadlines_feedback_in_one_working_day_then_start_and_the_agreed_finish() {
        let e = env();
        let k = e.k();
        // Friday 10:00 → feedback by Monday 10:00.
        let dues = sent_dues(at("2026-11-27 10:00"), &k);
        assert_eq!(dues.feedback, Some(at("2026-11-30 10:00")));
        let s = ReturnSlip { status: ReturnSlipStatus::Sent, dues };
        let late = at("2026-11-30 11:00");
        let ack = SlipAction::Acknowledge { reply: "售后部张工：周三上门".into(), agreed_finish: Some(at("2026-12-04 17:00")) };
        let ch = s.apply(&ack, late, &k).expect("acknowledged");
        assert_eq!((ch.status, ch.result), (ReturnSlipStatus::Acknowledged, Some((SlipStep::Feedback, false))));
        assert_eq!(ch.dues.finish, Some(at("2026-12-04 17:00")));
        assert_eq!(ch.dues.start, Some(at("2026-12-02 11:00")), "two working days to start");
        assert_eq!(ch.next_due(), ch.dues.start);
        let no_date = SlipAction::Acknowledge { reply: "收到".into(), agreed_finish: None };
        let ch = s.apply(&no_date, late, &k).expect("default finish");
        assert!(ch.dues.finish.is_some_and(|d| d > at("2026-12-15 00:00")), "15 working days by default: {:?}", ch.dues.finish);
        let past = SlipAction::Acknowledge { reply: "收到".into(), agreed_finish: Some(late - chrono::Duration::hours(1)) };
        assert!(matches!(s.apply(&past, late, &k), Err(SlipError::Invalid { field: "agreed_finish", .. })));
        let blank = SlipAction::Acknowledge { reply: " ".into(), agreed_finish: None };
        assert_eq!(s.apply(&blank, late, &k), Err(SlipError::Missing("reply")));
    }

    #[test]
    fn rcp_3_slip_transition_table_is_exhaustive() {
        use ReturnSlipStatus as S;
        let e = env();
        let k = e.k();
        let now = at("2026-11-27 12:00");
        for s in ReturnSlipStatus::ALL {
            let slip = ReturnSlip { status: *s, dues: SlipDues { feedback: Some(now), start: Some(now), finish: Some(now) } };
            let expect: Vec<&str> = match s {
                S::Sent => vec!["acknowledge"],
                S::Acknowledged => vec!["start_repair", "confirm_done"],
                S::InRepair => vec!["confirm_done"],
                S::Done => vec![],
            };
            assert_eq!(slip.allowed(now, &k), expect, "{s:?}");
            assert_eq!(s.is_open(), *s != S::Done);
        }
        let slip = ReturnSlip { status: S::InRepair, dues: SlipDues { finish: Some(now), ..SlipDues::default() } };
        let nobody = SlipAction::ConfirmDone { confirmed_by: String::new(), note: String::new() };
        assert_eq!(slip.apply(&nobody, now, &k), Err(SlipError::Missing("confirmed_by")));
        let done = SlipAction::ConfirmDone { confirmed_by: "王先生（电话确认）".into(), note: String::new() };
        let ch = slip.apply(&done, now + chrono::Duration::minutes(1), &k).expect("done");
        assert_eq!((ch.status, ch.result, ch.next_due()), (S::Done, Some((SlipStep::Finish, false)), None));
    }
}
