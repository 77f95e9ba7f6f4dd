//! CBK — callbacks (回访): who calls back, when, and when none is needed.

use crate::complaint::Severity;
use crate::text_enum;

text_enum! {
    /// CBK-1: what a callback follows.
    CallbackSubject {
        Complaint = "complaint", "投诉", "Complaint";
        Repair = "repair", "维修", "Repair";
        Service = "service", "服务", "Service";
        MoveIn = "move_in", "新入住", "Move-in";
    }
}

text_enum! {
    /// CBK-5: how the callback was made.
    CallbackMethod {
        Phone = "phone", "电话回访", "Phone";
        Visit = "visit", "上门回访", "Visit";
    }
}

text_enum! {
    /// CBK-2: who calls back.
    CallbackRole {
        Manager = "manager", "客服经理", "CS manager";
        Supervisor = "supervisor", "客服主管", "Supervisor";
        Assistant = "assistant", "客服助理", "Assistant";
    }
}

text_enum! {
    /// CBK-4: the reasons no callback is needed.
    WaiverReason {
        ResolvedOnSpot = "resolved_on_spot", "现场解决并经客户确认", "Resolved on the spot, confirmed by the customer";
        Anonymous = "anonymous", "匿名投诉", "Anonymous";
        NoContact = "no_contact", "无联系方式", "No contact details";
        Sensitive = "sensitive", "敏感投诉", "Sensitive";
    }
}

text_enum! {
    /// Where a callback stands.
    CallbackStatus {
        Pending = "pending", "待回访", "Pending";
        Done = "done", "已回访", "Done";
        Waived = "waived", "免回访", "Waived";
    }
}

impl CallbackStatus {
    /// Still to be made (the only state that can be recorded or waived).
    pub fn is_pending(self) -> bool {
        self == CallbackStatus::Pending
    }
    /// Waived (CBK-4): shown with its reason instead of ratings.
    pub fn is_waived(self) -> bool {
        self == CallbackStatus::Waived
    }
}

/// The callback's table: only a pending callback is recorded or waived (CBK-4, CBK-5); a done
/// or waived one is history.
pub fn allowed(status: CallbackStatus) -> &'static [&'static str] {
    match status {
        CallbackStatus::Pending => &["record", "waive"],
        CallbackStatus::Done | CallbackStatus::Waived => &[],
    }
}

/// CBK-2: major complaints → the customer-service manager; important → a supervisor;
/// general → an assistant.
pub fn who_calls_back(s: Severity) -> CallbackRole {
    match s {
        Severity::Major => CallbackRole::Manager,
        Severity::Important => CallbackRole::Supervisor,
        Severity::General => CallbackRole::Assistant,
    }
}

/// CBK-5: a visit callback carries the customer's signature; a phone callback does not.
pub fn needs_signature(m: CallbackMethod) -> bool {
    m == CallbackMethod::Visit
}

/// CBK-3: the callback rate — done (or rightly waived) over due, 100% when nothing was due.
pub fn callback_rate_percent(done_or_waived: u64, due: u64) -> f64 {
    if due == 0 { 100.0 } else { done_or_waived as f64 * 100.0 / due as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbk_2_severity_decides_who_calls_back() {
        assert_eq!(who_calls_back(Severity::Major), CallbackRole::Manager);
        assert_eq!(who_calls_back(Severity::Important), CallbackRole::Supervisor);
        assert_eq!(who_calls_back(Severity::General), CallbackRole::Assistant);
    }

    #[test]
    fn cbk_4_cbk_5_only_a_pending_callback_is_recorded_or_waived() {
        assert_eq!(allowed(CallbackStatus::Pending), &["record", "waive"]);
        assert!(allowed(CallbackStatus::Done).is_empty());
        assert!(allowed(CallbackStatus::Waived).is_empty());
    }

    #[test]
    fn cbk_5_visits_are_signed() {
        assert!(needs_signature(CallbackMethod::Visit));
        assert!(!needs_signature(CallbackMethod::Phone));
    }

    #[test]
    fn cbk_3_rate_is_measured() {
        assert_eq!(callback_rate_percent(0, 0), 100.0);
        assert_eq!(callback_rate_percent(9, 10), 90.0);
    }

    #[test]
    fn cbk_4_waiver_reasons_are_the_seeds() {
        assert_eq!(WaiverReason::ALL.len(), 4);
        assert_eq!(WaiverReason::parse("匿名投诉"), Ok(WaiverReason::Anonymous));
    }
}
