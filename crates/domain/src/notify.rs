//! Notifications: which changes tell whom (CMP-16, CMP-7, CMP-4, CBK-2, CBK-6). Pure: the ops
//! layer turns an `Audience` into staff of the project and enqueues the message in the outbox
//! inside the transaction that made the change (DESIGN.md), so a change and its message are
//! written together or not at all.

use crate::access::Role;
use crate::callback::CallbackRole;
use crate::complaint::Severity;
use crate::text_enum;

text_enum! {
    /// What a message is about.
    NoticeKind {
        OnlineComplaint = "online_complaint", "网上投诉", "Online complaint";
        ImportantComplaint = "important_complaint", "重要投诉", "Important complaint";
        MajorComplaint = "major_complaint", "重大投诉", "Major complaint";
        Dispatched = "dispatched", "投诉派单", "Complaint dispatched";
        Reopened = "reopened", "投诉重新处理", "Complaint reopened";
        CallbackAssigned = "callback_assigned", "回访任务", "Callback assigned";
        EmergencyRepair = "emergency_repair", "紧急维修", "Emergency repair";
        RepairDispatched = "repair_dispatched", "维修派工", "Repair dispatched";
        Rectification = "rectification", "整改通知", "Rectification notice";
        MeterLoad = "meter_load", "购电充值", "Prepaid meter to load";
    }
}

/// Who a message goes to, among the staff assigned to the project it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The department's heads (staff marked 部门负责人); when none of them is on the project,
    /// the department's members there, so a dispatch is never addressed to nobody.
    Department(i64),
    /// Everyone holding one of these roles.
    Roles(&'static [Role]),
    /// REP-5: the heads of the engineering staff on the project (staff of the engineering role
    /// marked 部门负责人; all engineering staff there when none is a head — the 24-hour rota).
    EngineeringHeads,
    /// One named member of staff (the assignee of a work order).
    Staff(i64),
}

/// The customer-service head of a project (CMP-7 important; CMP-16 before dispatch).
pub const CS_HEAD: &[Role] = &[Role::Supervisor];
/// The company head of a project (CMP-7 major).
pub const COMPANY_HEAD: &[Role] = &[Role::Manager];

/// CMP-7: who must hear at once of a complaint at this severity, and as what.
pub fn severity_notice(s: Severity) -> Option<(NoticeKind, Audience)> {
    match s {
        Severity::General => None,
        Severity::Important => Some((NoticeKind::ImportantComplaint, Audience::Roles(CS_HEAD))),
        Severity::Major => Some((NoticeKind::MajorComplaint, Audience::Roles(COMPANY_HEAD))),
    }
}

/// CMP-16: an online complaint goes at once to the responsible department heads; before it
/// has a department, to the customer-service heads, who dispatch it at once.
pub fn online_audience(departments: &[i64]) -> Vec<Audience> {
    if departments.is_empty() { vec![Audience::Roles(CS_HEAD)] } else { departments.iter().map(|d| Audience::Department(*d)).collect() }
}

/// REP-5: an emergency work order goes at once to the engineering heads and the project's
/// customer-service supervisor.
pub fn emergency_repair_audience() -> Vec<Audience> {
    vec![Audience::EngineeringHeads, Audience::Roles(CS_HEAD)]
}

/// FEE-8: a paid purchase of electricity goes to the project's electricians (engineering), who
/// load the meter and confirm it.
pub fn meter_load_audience() -> Vec<Audience> {
    vec![Audience::Roles(&[Role::Engineering])]
}

/// REP-5: a dispatched work order goes to its assignee and the department's heads.
pub fn repair_dispatch_audience(department: i64, assignee: i64) -> Vec<Audience> {
    vec![Audience::Staff(assignee), Audience::Department(department)]
}

/// CBK-2: the staff roles that hold a callback role (客服助理 are the 客服专员).
pub fn callback_roles(r: CallbackRole) -> &'static [Role] {
    match r {
        CallbackRole::Manager => &[Role::Manager],
        CallbackRole::Supervisor => &[Role::Supervisor],
        CallbackRole::Assistant => &[Role::Specialist],
    }
}

/// The people a message reaches: everyone the audience resolved to, once each, without the
/// person whose action caused it (they know already).
pub fn recipients(resolved: &[i64], actor_staff_id: i64) -> Vec<i64> {
    let mut v: Vec<i64> = resolved.iter().copied().filter(|id| *id != actor_staff_id).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmp_7_important_goes_to_the_cs_head_and_major_to_the_company_head() {
        assert_eq!(severity_notice(Severity::General), None);
        assert_eq!(severity_notice(Severity::Important), Some((NoticeKind::ImportantComplaint, Audience::Roles(&[Role::Supervisor]))));
        assert_eq!(severity_notice(Severity::Major), Some((NoticeKind::MajorComplaint, Audience::Roles(&[Role::Manager]))));
    }

    #[test]
    fn cmp_16_online_complaint_goes_to_department_heads_or_first_to_the_cs_head() {
        assert_eq!(online_audience(&[]), vec![Audience::Roles(CS_HEAD)]);
        assert_eq!(online_audience(&[3, 4]), vec![Audience::Department(3), Audience::Department(4)]);
    }

    #[test]
    fn cbk_2_callback_roles_are_held_by_staff_roles() {
        assert_eq!(callback_roles(CallbackRole::Manager), &[Role::Manager]);
        assert_eq!(callback_roles(CallbackRole::Supervisor), &[Role::Supervisor]);
        assert_eq!(callback_roles(CallbackRole::Assistant), &[Role::Specialist]);
    }

    #[test]
    fn rep_5_emergency_goes_to_engineering_heads_and_the_supervisor_dispatch_to_assignee_and_heads() {
        assert_eq!(emergency_repair_audience(), vec![Audience::EngineeringHeads, Audience::Roles(&[Role::Supervisor])]);
        assert_eq!(repair_dispatch_audience(3, 9), vec![Audience::Staff(9), Audience::Department(3)]);
    }

    #[test]
    fn recipients_are_distinct_and_never_the_actor() {
        assert_eq!(recipients(&[5, 3, 5, 7], 7), vec![3, 5]);
        assert!(recipients(&[7], 7).is_empty());
    }
}
