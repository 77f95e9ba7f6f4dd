//! CMP — complaints: severity (CMP-1), automatic escalation (CMP-2), and the whole lifecycle as
//! one transition function. Handlers never compare statuses; they call `apply` and persist the
//! `Change` it returns (new status, department rows, deadlines, follow-ups).

use crate::access::Role;
use crate::calendar::{Calendar, WorkingHours};
use crate::sla::Policies;
use crate::text_enum;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

text_enum! {
    /// CMP-1: how serious a complaint is.
    Severity {
        General = "general", "一般", "General";
        Important = "important", "重要", "Important";
        Major = "major", "重大", "Major";
    }
}

text_enum! {
    /// CMP-1: the sub-types of an important complaint (our own service failure).
    ImportantKind {
        Safety = "safety", "安全", "Safety";
        Consistency = "consistency", "一致", "Consistency";
        Attitude = "attitude", "态度", "Attitude";
        Timeliness = "timeliness", "时间", "Timeliness";
    }
}

text_enum! {
    /// CMP-1: why a complaint is major.
    MajorReason {
        UnresolvedMonth = "unresolved_month", "有效投诉一个月未解决", "Valid complaint unresolved after a month";
        PromiseBroken = "promise_broken", "承诺或约定服务多次要求仍未兑现", "Promised service not delivered after repeated requests";
        Emergency = "emergency", "突发事件（盗窃、车辆丢失、水浸、火灾）", "Emergency (theft, vehicle loss, flooding, fire)";
        UnauthorisedCharge = "unauthorised_charge", "员工擅自收费", "Unauthorised charge by staff";
        SeriousLoss = "serious_loss", "我方原因造成严重损失或伤害", "Serious loss or injury caused by us";
        Legal = "legal", "法律诉讼", "Legal action";
        Media = "media", "媒体曝光", "Media exposure";
        Collective = "collective", "10人以上集体投诉", "Collective complaint by 10 or more people";
    }
}

text_enum! {
    ComplaintStatus {
        Received = "received", "已受理", "Received";
        Dispatched = "dispatched", "已派单", "Dispatched";
        InProgress = "in_progress", "处理中", "In progress";
        Resolved = "resolved", "已解决", "Resolved";
        Invalid = "invalid", "无效/非我方责任", "Invalid / not ours";
        AwaitingCallback = "awaiting_callback", "待回访", "Awaiting callback";
        Closed = "closed", "已关闭", "Closed";
    }
}

text_enum! {
    /// CMP-15: the month's public notice of common complaints, a draft until it is published.
    NoticeStatus {
        Draft = "draft", "草稿", "Draft";
        Published = "published", "已发布", "Published";
    }
}

impl NoticeStatus {
    /// A published notice is final: it is printed and never changed.
    pub fn is_published(self) -> bool {
        self == NoticeStatus::Published
    }
}

text_enum! {
    /// One department's part in a complaint (CMP-4/CMP-5/CMP-9: the form goes to each).
    DeptStatus {
        Pending = "pending", "待接收", "Pending";
        Accepted = "accepted", "已接收", "Accepted";
        Returned = "returned", "已退回", "Returned";
        Planned = "planned", "已回复方案", "Plan given";
        Done = "done", "已完成", "Done";
    }
}

/// Which of a department's deadlines is running for its part's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeptClock {
    /// CMP-5: deciding whether the complaint is the department's.
    Acceptance,
    /// CMP-6: replying with a handling plan.
    Plan,
    /// CMP-6: working to the deadline the plan set.
    Completion,
}

impl ComplaintStatus {
    /// Still being handled: every status but closed (RPT-1 counts these on the board).
    pub fn is_open(self) -> bool {
        self != ComplaintStatus::Closed
    }
    /// Whether the departments' deadlines are running (the form is out with them).
    pub fn departments_running(self) -> bool {
        matches!(self, ComplaintStatus::Dispatched | ComplaintStatus::InProgress)
    }
    /// Whether the complaint's next deadline (a department's step or the callback) is running.
    pub fn deadline_running(self) -> bool {
        self.departments_running() || self.callback_running()
    }
    /// Whether the callback deadline is running (CBK-1).
    pub fn callback_running(self) -> bool {
        self == ComplaintStatus::AwaitingCallback
    }
}

impl DeptStatus {
    /// The deadline a department's part is working against, if any.
    pub fn running_clock(self) -> Option<DeptClock> {
        match self {
            DeptStatus::Pending => Some(DeptClock::Acceptance),
            DeptStatus::Accepted => Some(DeptClock::Plan),
            DeptStatus::Planned => Some(DeptClock::Completion),
            DeptStatus::Returned | DeptStatus::Done => None,
        }
    }
}

/// The facts of a complaint that decisions depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Complaint {
    pub status: ComplaintStatus,
    pub severity: Severity,
    pub received_at: DateTime<Utc>,
    /// Departments the form went to, with their part.
    pub departments: Vec<(i64, DeptStatus)>,
    /// Reopened after a dissatisfied callback (CBK-6) this many times.
    pub reopened: u32,
    /// CMP-9: since when the case waits for a head's decision on the departments'
    /// disagreement; `None` when no disagreement is open. The departments' clocks stand still
    /// meanwhile.
    pub decision_requested_at: Option<DateTime<Utc>>,
}

/// Which head a customer-service person is (CMP-7): the head of customer service handles
/// important complaints; major ones go to the company head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// 客服主管: the supervisor heads customer service.
    CustomerService,
    /// 客服经理 or administrator: the company's supervising head, as for claims (CMP-12).
    Company,
}

impl Head {
    pub fn of(role: Role) -> Option<Head> {
        match role {
            Role::Supervisor => Some(Head::CustomerService),
            Role::Manager | Role::Admin => Some(Head::Company),
            _ => None,
        }
    }
    /// CMP-9 with CMP-7: who may decide a disagreement on a complaint of this severity.
    pub fn may_decide(self, s: Severity) -> bool {
        match s {
            Severity::Major => self == Head::Company,
            Severity::General | Severity::Important => true,
        }
    }
}

/// Who acts, as far as the table cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// Customer service (reception, specialists).
    CustomerService,
    /// A customer-service head (supervisor, manager, administrator): everything customer
    /// service may do, and the decisions only a head may take (CMP-9).
    Head(Head),
    /// A member of the given department.
    Department(i64),
    /// The background escalation job.
    System,
}

impl By {
    /// Acts for customer service (a head does too).
    pub fn is_customer_service(self) -> bool {
        matches!(self, By::CustomerService | By::Head(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// CMP-4: the handling form goes to one or more departments.
    Dispatch { departments: Vec<i64> },
    /// CMP-5: a department takes the complaint as its own.
    Accept,
    /// CMP-5: not this department's responsibility; back to customer service.
    Return { reason: String },
    /// CMP-6: the department's handling plan, with the deadline it sets itself.
    SubmitPlan { plan: String, due: DateTime<Utc> },
    /// CMP-8: a progress update given to the customer.
    Progress { note: String },
    /// The department has finished; with all departments done the complaint is resolved.
    Finish { result: String },
    /// CMP-10: invalid or not ours, with the department head's signed opinion.
    MarkInvalid { opinion: String, signed_by: String },
    /// CMP-11: the customer's final opinion on the result.
    RecordOpinion { opinion: String },
    /// CBK-5/CBK-6: the callback's outcome.
    CallbackDone { satisfied: bool },
    /// CBK-4: no callback, with the reason.
    WaiveCallback { reason: String },
    /// CMP-1/CMP-2/CMP-7: raise the severity (never lowers it).
    Escalate { to: Severity, reason: String },
    /// CMP-9: the departments on the case disagree; customer service summarises each one's
    /// opinion (department id, summary) and sends the case up for a decision.
    RecordDisagreement { opinions: Vec<(i64, String)> },
    /// CMP-9: the head decides: which departments remain responsible (the others are
    /// released) and the decision itself; then work continues.
    Decide { decision: String, responsible: Vec<i64> },
}

impl Action {
    pub fn code(&self) -> &'static str {
        match self {
            Action::Dispatch { .. } => "dispatch",
            Action::Accept => "accept",
            Action::Return { .. } => "return",
            Action::SubmitPlan { .. } => "submit_plan",
            Action::Progress { .. } => "progress",
            Action::Finish { .. } => "finish",
            Action::MarkInvalid { .. } => "mark_invalid",
            Action::RecordOpinion { .. } => "record_opinion",
            Action::CallbackDone { .. } => "callback_done",
            Action::WaiveCallback { .. } => "waive_callback",
            Action::Escalate { .. } => "escalate",
            Action::RecordDisagreement { .. } => "record_disagreement",
            Action::Decide { .. } => "decide",
        }
    }
}

/// Deadlines a change starts (to be stored on the complaint or the department row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Deadline {
    /// CMP-5: decide within 1 working day whether the complaint is the department's.
    Acceptance { department: i64, due: DateTime<Utc> },
    /// CMP-6: reply with a handling plan within 2 working days.
    Plan { department: i64, due: DateTime<Utc> },
    /// CMP-6: the deadline the department set in its plan.
    Completion { department: i64, due: DateTime<Utc> },
    /// CBK-1: the callback.
    Callback { due: DateTime<Utc> },
    /// CMP-9: the completion deadline the department set moves by the working time the case
    /// waited for a decision since `paused_at` (`sla::resume`), so the wait does not eat it.
    Resume { department: i64, paused_at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub status: ComplaintStatus,
    pub severity: Severity,
    pub departments: Vec<(i64, DeptStatus)>,
    pub deadlines: Vec<Deadline>,
    pub reopened: u32,
    /// CMP-9: set while a disagreement waits for a head's decision.
    pub decision_requested_at: Option<DateTime<Utc>>,
    /// CMP-7: who must be told at once (`Some("cs_head")` for important, `Some("company_head")` for major).
    pub report_to: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The action does not fit the current status; `allowed` lists what does.
    NotAllowed { status: ComplaintStatus, allowed: Vec<&'static str> },
    /// The actor has no part in this step.
    NotYours,
    /// A required text (reason, plan, opinion, signature) is empty.
    Missing(&'static str),
    /// A plan's deadline lies in the past.
    DueInPast,
    /// A field is given but does not fit this complaint (e.g. a department not on it).
    Invalid { field: &'static str, zh: &'static str, en: &'static str },
}

/// Who must hear of a complaint of this severity at once (CMP-7).
pub fn report_to(s: Severity) -> Option<&'static str> {
    match s {
        Severity::General => None,
        Severity::Important => Some("cs_head"),
        Severity::Major => Some("company_head"),
    }
}

/// Every action code, in the order the pages offer them (and "allowed actions" answers list them).
pub const ACTIONS: &[&str] = &[
    "dispatch",
    "accept",
    "return",
    "submit_plan",
    "progress",
    "finish",
    "mark_invalid",
    "record_opinion",
    "callback_done",
    "waive_callback",
    "escalate",
    "record_disagreement",
    "decide",
];

fn need(s: &str, what: &'static str) -> Result<(), TransitionError> {
    if s.trim().is_empty() { Err(TransitionError::Missing(what)) } else { Ok(()) }
}

/// The calendar context deadlines are computed in.
pub struct Clocks<'a> {
    pub cal: &'a Calendar,
    pub hours: &'a WorkingHours,
    pub tz: Tz,
    pub policies: &'a Policies,
}

impl Complaint {
    pub fn new(received_at: DateTime<Utc>, severity: Severity) -> Complaint {
        Complaint { status: ComplaintStatus::Received, severity, received_at, departments: Vec::new(), reopened: 0, decision_requested_at: None }
    }

    pub fn is_open(&self) -> bool {
        !matches!(self.status, ComplaintStatus::Closed)
    }

    fn involves(&self, department: i64) -> bool {
        self.departments.iter().any(|(id, _)| *id == department)
    }

    fn dept(&self, by: By) -> Result<(usize, i64, DeptStatus), TransitionError> {
        match by {
            By::Department(d) => self.departments.iter().position(|(id, _)| *id == d).map(|i| (i, d, self.departments[i].1)).ok_or(TransitionError::NotYours),
            _ => Err(TransitionError::NotYours),
        }
    }

    /// One action of each kind, with texts filled in, to ask the table what fits.
    fn samples(&self, now: DateTime<Utc>) -> [Action; 13] {
        [
            Action::Dispatch { departments: vec![0] },
            Action::Accept,
            Action::Return { reason: "x".into() },
            Action::SubmitPlan { plan: "x".into(), due: now + Duration::days(1) },
            Action::Progress { note: "x".into() },
            Action::Finish { result: "x".into() },
            Action::MarkInvalid { opinion: "x".into(), signed_by: "x".into() },
            Action::RecordOpinion { opinion: "x".into() },
            Action::CallbackDone { satisfied: true },
            Action::WaiveCallback { reason: "x".into() },
            Action::Escalate { to: Severity::Major, reason: "x".into() },
            Action::RecordDisagreement { opinions: self.departments.iter().map(|(d, _)| (*d, "x".to_string())).collect() },
            Action::Decide { decision: "x".into(), responsible: self.departments.iter().take(1).map(|(d, _)| *d).collect() },
        ]
    }

    /// The actions `by` may take now (for buttons and for 409 answers).
    pub fn allowed(&self, by: By, now: DateTime<Utc>, clocks: &Clocks<'_>) -> Vec<&'static str> {
        self.samples(now).iter().filter(|a| self.apply(a, by, now, clocks).is_ok()).map(Action::code).collect()
    }

    /// Why `by` may not take the action named `code` now, whatever its texts (`None`: it may,
    /// or no action has that code). Tells "not yours" (403) from "not now" (409).
    pub fn refusal(&self, code: &str, by: By, now: DateTime<Utc>, clocks: &Clocks<'_>) -> Option<TransitionError> {
        self.samples(now).iter().find(|a| a.code() == code).and_then(|a| self.apply(a, by, now, clocks).err())
    }

    fn not_allowed(&self) -> TransitionError {
        TransitionError::NotAllowed { status: self.status, allowed: ACTIONS.to_vec() }
    }

    /// The transition table: what `action` by `by` at `now` does to this complaint.
    pub fn apply(&self, action: &Action, by: By, now: DateTime<Utc>, k: &Clocks<'_>) -> Result<Change, TransitionError> {
        use ComplaintStatus as S;
        let mut c = Change {
            status: self.status,
            severity: self.severity,
            departments: self.departments.clone(),
            deadlines: Vec::new(),
            reopened: self.reopened,
            decision_requested_at: self.decision_requested_at,
            report_to: None,
        };
        let wd = |clock: crate::sla::Clock| clock.due(now, k.cal, k.hours, k.tz);
        // A head acts for customer service in every row; only `Decide` looks at `by` itself.
        let side = match by {
            By::Head(_) => By::CustomerService,
            other => other,
        };
        let not_involved = |field| TransitionError::Invalid { field, zh: "不是本投诉涉及的部门", en: "is not a department on this complaint" };
        match (self.status, action, side) {
            // CMP-9: while the head has not decided who is responsible, nobody takes, returns,
            // plans, finishes or invalidates the case, and it is not dispatched anew.
            (
                _,
                Action::Dispatch { .. }
                | Action::Accept
                | Action::Return { .. }
                | Action::SubmitPlan { .. }
                | Action::Finish { .. }
                | Action::MarkInvalid { .. },
                _,
            ) if self.decision_requested_at.is_some() => return Err(self.not_allowed()),
            // CMP-4: customer service dispatches the form to the departments (again after returns).
            (S::Received, Action::Dispatch { departments }, By::CustomerService) => {
                if departments.is_empty() {
                    return Err(TransitionError::Missing("departments"));
                }
                for d in departments {
                    match c.departments.iter_mut().find(|(id, _)| id == d) {
                        Some(row) => row.1 = DeptStatus::Pending,
                        None => c.departments.push((*d, DeptStatus::Pending)),
                    }
                    c.deadlines.push(Deadline::Acceptance { department: *d, due: wd(k.policies.cmp_pass_on) });
                }
                c.status = S::Dispatched;
            }
            // CMP-5: the department takes it; its plan is due (CMP-6).
            (S::Dispatched | S::InProgress, Action::Accept, By::Department(_)) => {
                let (i, d, st) = self.dept(by)?;
                if st != DeptStatus::Pending {
                    return Err(self.not_allowed());
                }
                c.departments[i].1 = DeptStatus::Accepted;
                c.deadlines.push(Deadline::Plan { department: d, due: wd(k.policies.cmp_reply_plan) });
            }
            // CMP-5: not ours — back to customer service; when nobody holds it, CS re-dispatches.
            (S::Dispatched | S::InProgress, Action::Return { reason }, By::Department(_)) => {
                need(reason, "reason")?;
                let (i, _, st) = self.dept(by)?;
                if st != DeptStatus::Pending && st != DeptStatus::Accepted {
                    return Err(self.not_allowed());
                }
                c.departments[i].1 = DeptStatus::Returned;
                if c.departments.iter().all(|(_, s)| *s == DeptStatus::Returned) {
                    c.status = S::Received;
                }
            }
            // CMP-6: the plan with the department's own deadline; the complaint is in progress.
            (S::Dispatched | S::InProgress, Action::SubmitPlan { plan, due }, By::Department(_)) => {
                need(plan, "plan")?;
                if *due <= now {
                    return Err(TransitionError::DueInPast);
                }
                let (i, d, st) = self.dept(by)?;
                if st != DeptStatus::Accepted && st != DeptStatus::Planned {
                    return Err(self.not_allowed());
                }
                c.departments[i].1 = DeptStatus::Planned;
                c.deadlines.push(Deadline::Completion { department: d, due: *due });
                c.status = S::InProgress;
            }
            // CMP-8: progress told to the customer, by customer service or a department on it.
            (S::Dispatched | S::InProgress, Action::Progress { note }, By::CustomerService) => need(note, "note")?,
            (S::Dispatched | S::InProgress, Action::Progress { note }, By::Department(_)) => {
                need(note, "note")?;
                self.dept(by)?;
            }
            // A department finishes its part; when every department that kept it is done, resolved.
            (S::InProgress, Action::Finish { result }, By::Department(_)) => {
                need(result, "result")?;
                let (i, _, st) = self.dept(by)?;
                if st != DeptStatus::Planned {
                    return Err(self.not_allowed());
                }
                c.departments[i].1 = DeptStatus::Done;
                let open = c.departments.iter().any(|(_, s)| matches!(s, DeptStatus::Pending | DeptStatus::Accepted | DeptStatus::Planned));
                if !open {
                    c.status = S::Resolved;
                }
            }
            // CMP-10: invalid or not ours, only with the head's signed opinion.
            (S::Received | S::Dispatched | S::InProgress, Action::MarkInvalid { opinion, signed_by }, By::CustomerService | By::Department(_)) => {
                need(opinion, "opinion")?;
                need(signed_by, "signed_by")?;
                if let By::Department(_) = by {
                    self.dept(by)?;
                }
                c.status = S::Invalid;
            }
            // CMP-11: the customer's final opinion; then the callback is due (CBK-1).
            (S::Resolved | S::Invalid, Action::RecordOpinion { opinion }, By::CustomerService) => {
                need(opinion, "opinion")?;
                c.status = S::AwaitingCallback;
                c.deadlines.push(Deadline::Callback { due: wd(k.policies.callback) });
            }
            // CBK-5/CBK-6: satisfied closes; dissatisfied reopens for the departments that did it.
            (S::AwaitingCallback, Action::CallbackDone { satisfied: true }, By::CustomerService) => c.status = S::Closed,
            (S::AwaitingCallback, Action::CallbackDone { satisfied: false }, By::CustomerService) => {
                c.status = S::InProgress;
                c.reopened += 1;
                for row in c.departments.iter_mut().filter(|(_, s)| *s == DeptStatus::Done) {
                    row.1 = DeptStatus::Accepted;
                    c.deadlines.push(Deadline::Plan { department: row.0, due: wd(k.policies.cmp_reply_plan) });
                }
            }
            // CBK-4: no callback needed, with its reason.
            (S::AwaitingCallback | S::Resolved | S::Invalid, Action::WaiveCallback { reason }, By::CustomerService) => {
                need(reason, "reason")?;
                c.status = S::Closed;
            }
            // CMP-2/CMP-7: severity only goes up, on any open complaint.
            (s, Action::Escalate { to, reason }, By::CustomerService | By::System) if s != S::Closed => {
                need(reason, "reason")?;
                if *to <= self.severity {
                    return Err(self.not_allowed());
                }
                c.severity = *to;
                c.report_to = report_to(*to);
            }
            // CMP-9: two or more departments on the case disagree. Customer service summarises
            // each one's opinion (at least two) and sends the case up; clocks stop meanwhile.
            (S::Received | S::Dispatched | S::InProgress, Action::RecordDisagreement { opinions }, By::CustomerService)
                if self.decision_requested_at.is_none() && self.departments.len() >= 2 =>
            {
                let mut seen: Vec<i64> = Vec::new();
                for (d, text) in opinions {
                    if !self.involves(*d) {
                        return Err(not_involved("opinions"));
                    }
                    need(text, "opinions")?;
                    if seen.contains(d) {
                        return Err(TransitionError::Invalid {
                            field: "opinions", zh: "同一部门的意见只能填写一次", en: "one opinion per department"
                        });
                    }
                    seen.push(*d);
                }
                if seen.len() < 2 {
                    return Err(TransitionError::Invalid {
                        field: "opinions",
                        zh: "须汇总至少两个涉及部门的意见",
                        en: "summarise the opinions of at least two departments on the case",
                    });
                }
                c.decision_requested_at = Some(now);
            }
            // CMP-9 with CMP-7: the head decides — the head of customer service, or for a major
            // complaint the company head. The departments kept are responsible (a part that had
            // not yet taken the case is taken for it, with its plan due from now; a plan already
            // given keeps running, moved by the wait); the others are released.
            (S::Received | S::Dispatched | S::InProgress, Action::Decide { decision, responsible }, By::CustomerService) => {
                let Some(paused_at) = self.decision_requested_at else { return Err(self.not_allowed()) };
                match by {
                    By::Head(h) if h.may_decide(self.severity) => {}
                    _ => return Err(TransitionError::NotYours),
                }
                need(decision, "decision")?;
                if responsible.is_empty() {
                    return Err(TransitionError::Missing("responsible"));
                }
                if responsible.iter().any(|d| !self.involves(*d)) {
                    return Err(not_involved("responsible"));
                }
                for row in c.departments.iter_mut() {
                    if responsible.contains(&row.0) {
                        match row.1 {
                            DeptStatus::Pending | DeptStatus::Returned | DeptStatus::Accepted => {
                                row.1 = DeptStatus::Accepted;
                                c.deadlines.push(Deadline::Plan { department: row.0, due: wd(k.policies.cmp_reply_plan) });
                            }
                            DeptStatus::Planned => c.deadlines.push(Deadline::Resume { department: row.0, paused_at }),
                            DeptStatus::Done => {}
                        }
                    } else if matches!(row.1, DeptStatus::Pending | DeptStatus::Accepted | DeptStatus::Planned) {
                        row.1 = DeptStatus::Returned;
                    }
                }
                c.decision_requested_at = None;
                let open = c.departments.iter().any(|(_, s)| matches!(s, DeptStatus::Pending | DeptStatus::Accepted | DeptStatus::Planned));
                c.status = match self.status {
                    _ if !open => S::Resolved,
                    S::Received => S::Dispatched,
                    s => s,
                };
            }
            _ => return Err(self.not_allowed()),
        }
        Ok(c)
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |s: &Severity| match s {
            Severity::General => 0,
            Severity::Important => 1,
            Severity::Major => 2,
        };
        rank(self).cmp(&rank(other))
    }
}

/// CMP-2: a valid complaint still open this many days after intake becomes major.
pub fn overdue_for_escalation(c: &Complaint, now: DateTime<Utc>, p: &Policies) -> bool {
    c.is_open()
        && !matches!(c.status, ComplaintStatus::Invalid)
        && c.severity != Severity::Major
        && now - c.received_at >= Duration::days(p.cmp_escalate_after_days as i64)
}

/// CMP-2: enough distinct complainants on one issue within the window make it collective.
pub fn is_collective(distinct_complainants: usize, p: &Policies) -> bool {
    distinct_complainants >= p.cmp_collective_people as usize
}

/// CMP-1: a severity suggested from the content; staff confirm it. Emergencies and the
/// listed major reasons suggest major; our own service failures suggest important.
pub fn suggest_severity(content: &str) -> (Severity, Option<MajorReason>, Option<ImportantKind>) {
    let has = |words: &[&str]| words.iter().any(|w| content.contains(w));
    if has(&["被盗", "盗窃", "失窃", "偷"]) || has(&["车辆丢失", "车丢"]) || has(&["水浸", "淹", "漏水严重", "泡水"]) || has(&["火灾", "着火", "起火"])
    {
        return (Severity::Major, Some(MajorReason::Emergency), None);
    }
    if has(&["起诉", "律师", "法院", "诉讼"]) {
        return (Severity::Major, Some(MajorReason::Legal), None);
    }
    if has(&["媒体", "记者", "曝光", "报社", "电视台"]) {
        return (Severity::Major, Some(MajorReason::Media), None);
    }
    if has(&["乱收费", "私自收费", "擅自收费"]) {
        return (Severity::Major, Some(MajorReason::UnauthorisedCharge), None);
    }
    if has(&["受伤", "摔伤", "砸伤", "严重损失"]) {
        return (Severity::Major, Some(MajorReason::SeriousLoss), None);
    }
    if has(&["多次", "反复", "一直没", "仍未", "还没"]) {
        return (Severity::Important, None, Some(ImportantKind::Timeliness));
    }
    if has(&["态度", "不耐烦", "骂", "顶撞"]) {
        return (Severity::Important, None, Some(ImportantKind::Attitude));
    }
    if has(&["安全", "隐患", "漏电", "消防"]) {
        return (Severity::Important, None, Some(ImportantKind::Safety));
    }
    if has(&["不按标准", "不符合", "不一致", "没按"]) {
        return (Severity::Important, None, Some(ImportantKind::Consistency));
    }
    (Severity::General, None, None)
}

/// Similarity of two complaint texts: the Dice coefficient of their character bigrams, after
/// dropping whitespace and punctuation. Chinese has no spaces; bigrams of characters catch
/// "电梯坏了" ≈ "电梯又坏了" without a dictionary.
pub fn similarity(a: &str, b: &str) -> f64 {
    fn grams(s: &str) -> std::collections::HashSet<(char, char)> {
        let cs: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
        cs.windows(2).map(|w| (w[0], w[1])).collect()
    }
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let shared = ga.intersection(&gb).count() as f64;
    2.0 * shared / (ga.len() + gb.len()) as f64
}

/// How close two reports must be to be offered as duplicates of one problem.
pub const DUPLICATE_SIMILARITY: f64 = 0.4;
/// How far apart in time two reports of one problem may be.
pub const DUPLICATE_WINDOW_HOURS: i64 = 72;

/// Duplicate reports of one problem: same building, similar text, a short time apart. They are
/// offered to staff to merge under a parent case, never merged silently.
pub fn is_duplicate(a_building: Option<i64>, a_text: &str, a_at: DateTime<Utc>, b_building: Option<i64>, b_text: &str, b_at: DateTime<Utc>) -> bool {
    a_building.is_some()
        && a_building == b_building
        && (a_at - b_at).num_hours().abs() <= DUPLICATE_WINDOW_HOURS
        && similarity(a_text, b_text) >= DUPLICATE_SIMILARITY
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Env, at};

    fn step(c: &Complaint, a: Action, by: By, now: &str, env: &Env) -> (Complaint, Change) {
        let ch = c.apply(&a, by, at(now), &env.k()).unwrap_or_else(|e| panic!("{a:?} by {by:?} in {:?}: {e:?}", c.status));
        let next = Complaint {
            status: ch.status,
            severity: ch.severity,
            received_at: c.received_at,
            departments: ch.departments.clone(),
            reopened: ch.reopened,
            decision_requested_at: ch.decision_requested_at,
        };
        (next, ch)
    }

    const ENG: i64 = 1;
    const SEC: i64 = 2;

    #[test]
    fn cmp_4_cmp_5_cmp_6_cmp_11_whole_life_of_a_complaint() {
        let env = Env::new();
        let c = Complaint::new(at("2026-09-30 10:00"), Severity::General);
        let (c, ch) = step(&c, Action::Dispatch { departments: vec![ENG] }, By::CustomerService, "2026-09-30 17:00", &env);
        assert_eq!(c.status, ComplaintStatus::Dispatched);
        // CMP-5: acceptance within 1 working day — over National Day 2026 that is 10-08 17:00.
        assert_eq!(ch.deadlines, vec![Deadline::Acceptance { department: ENG, due: at("2026-10-08 17:00") }]);
        let (c, ch) = step(&c, Action::Accept, By::Department(ENG), "2026-09-30 17:00", &env);
        // CMP-6: the plan is due 2 working days later: 2026-10-09 17:00.
        assert_eq!(ch.deadlines, vec![Deadline::Plan { department: ENG, due: at("2026-10-09 17:00") }]);
        let (c, ch) = step(&c, Action::SubmitPlan { plan: "更换水泵".into(), due: at("2026-10-15 18:00") }, By::Department(ENG), "2026-10-08 10:00", &env);
        assert_eq!(c.status, ComplaintStatus::InProgress);
        assert_eq!(ch.deadlines, vec![Deadline::Completion { department: ENG, due: at("2026-10-15 18:00") }]);
        let (c, _) = step(&c, Action::Progress { note: "已告知业主进度".into() }, By::CustomerService, "2026-10-12 17:00", &env);
        let (c, _) = step(&c, Action::Finish { result: "水泵已更换".into() }, By::Department(ENG), "2026-10-14 15:00", &env);
        assert_eq!(c.status, ComplaintStatus::Resolved);
        let (c, ch) = step(&c, Action::RecordOpinion { opinion: "满意".into() }, By::CustomerService, "2026-10-14 16:00", &env);
        assert_eq!(c.status, ComplaintStatus::AwaitingCallback);
        // CBK-1: callback within 3 days.
        assert_eq!(ch.deadlines, vec![Deadline::Callback { due: at("2026-10-17 16:00") }]);
        let (c, _) = step(&c, Action::CallbackDone { satisfied: true }, By::CustomerService, "2026-10-15 10:00", &env);
        assert_eq!(c.status, ComplaintStatus::Closed);
        assert!(c.allowed(By::CustomerService, at("2026-10-16 10:00"), &env.k()).is_empty(), "nothing follows closed");
    }

    #[test]
    fn cmp_5_return_not_ours_goes_back_to_customer_service() {
        let env = Env::new();
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        let (c, _) = step(&c, Action::Dispatch { departments: vec![ENG] }, By::CustomerService, "2026-11-23 10:00", &env);
        let e = c.apply(&Action::Return { reason: " ".into() }, By::Department(ENG), at("2026-11-23 11:00"), &env.k());
        assert_eq!(e, Err(TransitionError::Missing("reason")));
        let (c, _) = step(&c, Action::Return { reason: "属安保部职责".into() }, By::Department(ENG), "2026-11-23 11:00", &env);
        assert_eq!(c.status, ComplaintStatus::Received);
        let (c, _) = step(&c, Action::Dispatch { departments: vec![SEC] }, By::CustomerService, "2026-11-23 11:30", &env);
        assert_eq!(c.departments, vec![(ENG, DeptStatus::Returned), (SEC, DeptStatus::Pending)]);
        // A department the form never went to has no part in it.
        assert_eq!(c.apply(&Action::Accept, By::Department(99), at("2026-11-23 12:00"), &env.k()), Err(TransitionError::NotYours));
    }

    #[test]
    fn cmp_9_two_departments_resolve_only_when_both_are_done() {
        let env = Env::new();
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        let (c, _) = step(&c, Action::Dispatch { departments: vec![ENG, SEC] }, By::CustomerService, "2026-11-23 10:00", &env);
        let mut c = c;
        for d in [ENG, SEC] {
            c = step(&c, Action::Accept, By::Department(d), "2026-11-23 11:00", &env).0;
            c = step(&c, Action::SubmitPlan { plan: "方案".into(), due: at("2026-11-26 18:00") }, By::Department(d), "2026-11-23 12:00", &env).0;
        }
        let (c, _) = step(&c, Action::Finish { result: "完成".into() }, By::Department(ENG), "2026-11-24 10:00", &env);
        assert_eq!(c.status, ComplaintStatus::InProgress, "security has not finished");
        let (c, _) = step(&c, Action::Finish { result: "完成".into() }, By::Department(SEC), "2026-11-24 11:00", &env);
        assert_eq!(c.status, ComplaintStatus::Resolved);
    }

    #[test]
    fn cmp_10_invalid_needs_the_heads_signed_opinion() {
        let env = Env::new();
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        let (c, _) = step(&c, Action::Dispatch { departments: vec![ENG] }, By::CustomerService, "2026-11-23 10:00", &env);
        let missing =
            c.apply(&Action::MarkInvalid { opinion: "非我方责任".into(), signed_by: "".into() }, By::Department(ENG), at("2026-11-23 11:00"), &env.k());
        assert_eq!(missing, Err(TransitionError::Missing("signed_by")));
        let (c, _) =
            step(&c, Action::MarkInvalid { opinion: "属市政管网问题".into(), signed_by: "工程部 周强".into() }, By::Department(ENG), "2026-11-23 11:00", &env);
        assert_eq!(c.status, ComplaintStatus::Invalid);
        let (c, _) = step(&c, Action::RecordOpinion { opinion: "理解".into() }, By::CustomerService, "2026-11-23 15:00", &env);
        assert_eq!(c.status, ComplaintStatus::AwaitingCallback);
    }

    #[test]
    fn cbk_6_dissatisfied_callback_reopens_and_cbk_4_waiver_needs_a_reason() {
        let env = Env::new();
        let mut c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        for (a, by) in [
            (Action::Dispatch { departments: vec![ENG] }, By::CustomerService),
            (Action::Accept, By::Department(ENG)),
            (Action::SubmitPlan { plan: "p".into(), due: at("2026-11-25 18:00") }, By::Department(ENG)),
            (Action::Finish { result: "r".into() }, By::Department(ENG)),
            (Action::RecordOpinion { opinion: "o".into() }, By::CustomerService),
        ] {
            c = step(&c, a, by, "2026-11-23 11:00", &env).0;
        }
        let (reopened, ch) = step(&c, Action::CallbackDone { satisfied: false }, By::CustomerService, "2026-11-24 10:00", &env);
        assert_eq!((reopened.status, reopened.reopened), (ComplaintStatus::InProgress, 1));
        assert_eq!(reopened.departments, vec![(ENG, DeptStatus::Accepted)], "the department reworks and plans again");
        assert_eq!(ch.deadlines, vec![Deadline::Plan { department: ENG, due: at("2026-11-26 10:00") }]);
        assert_eq!(
            c.apply(&Action::WaiveCallback { reason: "".into() }, By::CustomerService, at("2026-11-24 10:00"), &env.k()),
            Err(TransitionError::Missing("reason"))
        );
        let (closed, _) = step(&c, Action::WaiveCallback { reason: "匿名投诉，无联系方式".into() }, By::CustomerService, "2026-11-24 10:00", &env);
        assert_eq!(closed.status, ComplaintStatus::Closed);
    }

    #[test]
    fn cmp_7_escalation_only_goes_up_and_reports_to_the_right_head() {
        let env = Env::new();
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        let (c, ch) = step(&c, Action::Escalate { to: Severity::Important, reason: "员工态度".into() }, By::CustomerService, "2026-11-23 10:00", &env);
        assert_eq!(ch.report_to, Some("cs_head"));
        let (c, ch) = step(&c, Action::Escalate { to: Severity::Major, reason: "媒体曝光".into() }, By::System, "2026-11-23 10:00", &env);
        assert_eq!((c.severity, ch.report_to), (Severity::Major, Some("company_head")));
        assert!(c.apply(&Action::Escalate { to: Severity::Important, reason: "x".into() }, By::CustomerService, at("2026-11-23 10:00"), &env.k()).is_err());
    }

    #[test]
    fn cmp_2_thirty_days_open_and_ten_people_make_it_major() {
        let p = Policies::default();
        let c = Complaint::new(at("2026-10-01 10:00"), Severity::General);
        assert!(!overdue_for_escalation(&c, at("2026-10-30 10:00"), &p));
        assert!(overdue_for_escalation(&c, at("2026-10-31 10:00"), &p));
        let invalid = Complaint { status: ComplaintStatus::Invalid, ..c.clone() };
        assert!(!overdue_for_escalation(&invalid, at("2026-12-31 10:00"), &p), "only valid complaints escalate");
        assert!(!is_collective(9, &p));
        assert!(is_collective(10, &p));
    }

    #[test]
    fn cmp_1_severity_is_suggested_from_the_content() {
        assert_eq!(suggest_severity("地下车库车辆被盗").0, Severity::Major);
        assert_eq!(suggest_severity("我要起诉物业").1, Some(MajorReason::Legal));
        assert_eq!(suggest_severity("保安态度很差").2, Some(ImportantKind::Attitude));
        assert_eq!(suggest_severity("反映多次仍未维修").2, Some(ImportantKind::Timeliness));
        assert_eq!(suggest_severity("楼道灯不亮").0, Severity::General);
    }

    #[test]
    fn cmp_5_cmp_6_which_clock_runs_in_each_status() {
        assert!(ComplaintStatus::Dispatched.deadline_running() && ComplaintStatus::AwaitingCallback.deadline_running());
        assert!(!ComplaintStatus::Resolved.deadline_running() && !ComplaintStatus::Closed.deadline_running());
        assert!(!ComplaintStatus::AwaitingCallback.departments_running());
        assert_eq!(DeptStatus::Pending.running_clock(), Some(DeptClock::Acceptance));
        assert_eq!(DeptStatus::Accepted.running_clock(), Some(DeptClock::Plan));
        assert_eq!(DeptStatus::Planned.running_clock(), Some(DeptClock::Completion));
        assert_eq!(DeptStatus::Done.running_clock(), None);
    }

    #[test]
    fn cmp_2_duplicate_reports_are_same_building_similar_text_short_window() {
        assert!(similarity("3号楼电梯坏了", "3号楼电梯又坏了，困人") > DUPLICATE_SIMILARITY);
        assert!(similarity("电梯坏了", "楼道灯不亮") < 0.1);
        assert_eq!(similarity("", "x"), 0.0);
        let t = at("2026-11-23 10:00");
        assert!(is_duplicate(Some(3), "电梯坏了困人", t, Some(3), "电梯坏了，有人被困", t + Duration::hours(5)));
        assert!(!is_duplicate(Some(3), "电梯坏了困人", t, Some(4), "电梯坏了，有人被困", t), "another building");
        assert!(!is_duplicate(Some(3), "电梯坏了困人", t, Some(3), "电梯坏了，有人被困", t + Duration::days(4)), "too far apart");
        assert!(!is_duplicate(None, "电梯坏了", t, None, "电梯坏了", t), "no building, no duplicate offer");
    }

    #[test]
    fn transition_table_is_exhaustive_over_statuses_and_actors() {
        // Every (status, actor) pair answers with a definite allowed set; nothing panics, and
        // closed allows nothing while every other status allows something to someone.
        let env = Env::new();
        let now = at("2026-11-23 10:00");
        for s in ComplaintStatus::ALL {
            let mut c = Complaint::new(now, Severity::General);
            c.status = *s;
            c.departments = vec![(ENG, DeptStatus::Planned)];
            let total: usize = [By::CustomerService, By::Department(ENG), By::System].iter().map(|b| c.allowed(*b, now, &env.k()).len()).sum();
            if *s == ComplaintStatus::Closed {
                assert_eq!(total, 0);
            } else {
                assert!(total > 0, "{s:?} is a dead end");
            }
        }
    }

    const CLN: i64 = 3;
    const CS_HEAD: By = By::Head(Head::CustomerService);
    const COMPANY_HEAD: By = By::Head(Head::Company);

    /// Dispatched to engineering and security; engineering has given a plan, security has
    /// returned the case as not its own.
    fn disputed(env: &Env) -> Complaint {
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        let (c, _) = step(&c, Action::Dispatch { departments: vec![ENG, SEC] }, By::CustomerService, "2026-11-23 10:00", env);
        let (c, _) = step(&c, Action::Accept, By::Department(ENG), "2026-11-23 11:00", env);
        let (c, _) = step(&c, Action::SubmitPlan { plan: "维修".into(), due: at("2026-11-27 18:00") }, By::Department(ENG), "2026-11-23 12:00", env);
        let (c, _) = step(&c, Action::Return { reason: "应由工程部负责".into() }, By::Department(SEC), "2026-11-23 13:00", env);
        c
    }

    fn opinions() -> Vec<(i64, String)> {
        vec![(ENG, "漏水源在楼上住户，应由安保部协调入户".into()), (SEC, "属设施维修，应由工程部负责".into())]
    }

    #[test]
    fn cmp_9_disagreement_goes_up_and_the_head_decides_who_remains_responsible() {
        let env = Env::new();
        let c = disputed(&env);
        assert_eq!(c.status, ComplaintStatus::InProgress);
        let (waiting, ch) = step(&c, Action::RecordDisagreement { opinions: opinions() }, By::CustomerService, "2026-11-24 09:00", &env);
        assert_eq!(waiting.decision_requested_at, Some(at("2026-11-24 09:00")));
        assert_eq!((ch.status, ch.departments.clone(), ch.deadlines.clone()), (c.status, c.departments.clone(), vec![]), "only the flag changes");
        // Waiting: the departments neither plan nor finish; customer service may still tell the
        // customer how things stand, and escalate.
        assert_eq!(waiting.allowed(By::Department(ENG), at("2026-11-24 10:00"), &env.k()), ["progress"]);
        assert_eq!(waiting.allowed(By::CustomerService, at("2026-11-24 10:00"), &env.k()), ["progress", "escalate"]);
        assert_eq!(waiting.allowed(CS_HEAD, at("2026-11-24 10:00"), &env.k()), ["progress", "escalate", "decide"]);
        // A specialist cannot decide; the head must give the decision and whom it binds.
        let decide = |decision: &str, responsible: Vec<i64>| Action::Decide { decision: decision.into(), responsible };
        assert_eq!(waiting.apply(&decide("x", vec![SEC]), By::CustomerService, at("2026-11-24 10:00"), &env.k()), Err(TransitionError::NotYours));
        assert_eq!(waiting.apply(&decide(" ", vec![SEC]), CS_HEAD, at("2026-11-24 10:00"), &env.k()), Err(TransitionError::Missing("decision")));
        assert_eq!(waiting.apply(&decide("x", vec![]), CS_HEAD, at("2026-11-24 10:00"), &env.k()), Err(TransitionError::Missing("responsible")));
        assert!(matches!(
            waiting.apply(&decide("x", vec![CLN]), CS_HEAD, at("2026-11-24 10:00"), &env.k()),
            Err(TransitionError::Invalid { field: "responsible", .. })
        ));
        // Security stays responsible: it takes the case with a plan due in 2 working days;
        // engineering, which had a plan, is released.
        let (decided, ch) = step(&waiting, decide("由安保部负责协调入户，工程部配合", vec![SEC]), CS_HEAD, "2026-11-24 10:00", &env);
        assert_eq!(decided.decision_requested_at, None);
        assert_eq!(decided.status, ComplaintStatus::InProgress);
        assert_eq!(decided.departments, vec![(ENG, DeptStatus::Returned), (SEC, DeptStatus::Accepted)]);
        assert_eq!(ch.deadlines, vec![Deadline::Plan { department: SEC, due: at("2026-11-26 10:00") }]);
        // Work continues: security plans and finishes, and the case is resolved.
        let (c, _) = step(&decided, Action::SubmitPlan { plan: "入户排查".into(), due: at("2026-11-27 18:00") }, By::Department(SEC), "2026-11-24 11:00", &env);
        let (c, _) = step(&c, Action::Finish { result: "已修复".into() }, By::Department(SEC), "2026-11-25 11:00", &env);
        assert_eq!(c.status, ComplaintStatus::Resolved);
    }

    #[test]
    fn cmp_9_a_plan_kept_by_the_decision_moves_by_the_wait_and_all_done_resolves() {
        let env = Env::new();
        let (waiting, _) = step(&disputed(&env), Action::RecordDisagreement { opinions: opinions() }, By::CustomerService, "2026-11-24 09:00", &env);
        let (both, ch) =
            step(&waiting, Action::Decide { decision: "两部门共同负责".into(), responsible: vec![ENG, SEC] }, COMPANY_HEAD, "2026-11-25 09:00", &env);
        assert_eq!(both.departments, vec![(ENG, DeptStatus::Planned), (SEC, DeptStatus::Accepted)]);
        assert_eq!(
            ch.deadlines,
            vec![Deadline::Resume { department: ENG, paused_at: at("2026-11-24 09:00") }, Deadline::Plan { department: SEC, due: at("2026-11-26 18:00") }]
        );
        // Engineering finished before the disagreement was decided for it alone: resolved at once.
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        let (c, _) = step(&c, Action::Dispatch { departments: vec![ENG, SEC] }, By::CustomerService, "2026-11-23 10:00", &env);
        let (c, _) = step(&c, Action::Accept, By::Department(ENG), "2026-11-23 11:00", &env);
        let (c, _) = step(&c, Action::Accept, By::Department(SEC), "2026-11-23 11:00", &env);
        let (c, _) = step(&c, Action::SubmitPlan { plan: "维修".into(), due: at("2026-11-27 18:00") }, By::Department(ENG), "2026-11-23 12:00", &env);
        let (c, _) = step(&c, Action::Finish { result: "已维修".into() }, By::Department(ENG), "2026-11-23 15:00", &env);
        assert_eq!(c.status, ComplaintStatus::InProgress, "security still holds its part");
        let (c, _) = step(&c, Action::RecordDisagreement { opinions: opinions() }, By::CustomerService, "2026-11-24 09:00", &env);
        let (c, _) = step(&c, Action::Decide { decision: "安保部无责".into(), responsible: vec![ENG] }, CS_HEAD, "2026-11-24 10:00", &env);
        assert_eq!((c.status, c.departments.clone()), (ComplaintStatus::Resolved, vec![(ENG, DeptStatus::Done), (SEC, DeptStatus::Returned)]));
    }

    #[test]
    fn cmp_9_both_returned_is_a_disagreement_too_and_the_decision_sends_the_form_out_again() {
        let env = Env::new();
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::Important);
        let (c, _) = step(&c, Action::Dispatch { departments: vec![ENG, SEC] }, By::CustomerService, "2026-11-23 10:00", &env);
        let (c, _) = step(&c, Action::Return { reason: "非本部门".into() }, By::Department(ENG), "2026-11-23 11:00", &env);
        let (c, _) = step(&c, Action::Return { reason: "非本部门".into() }, By::Department(SEC), "2026-11-23 11:00", &env);
        assert_eq!(c.status, ComplaintStatus::Received);
        let (c, _) = step(&c, Action::RecordDisagreement { opinions: opinions() }, By::CustomerService, "2026-11-23 12:00", &env);
        assert!(!c.allowed(By::CustomerService, at("2026-11-23 12:00"), &env.k()).contains(&"dispatch"), "no new dispatch while waiting");
        let (c, _) = step(&c, Action::Decide { decision: "工程部负责".into(), responsible: vec![ENG] }, CS_HEAD, "2026-11-23 14:00", &env);
        assert_eq!((c.status, c.departments.clone()), (ComplaintStatus::Dispatched, vec![(ENG, DeptStatus::Accepted), (SEC, DeptStatus::Returned)]));
    }

    #[test]
    fn cmp_9_cmp_7_a_major_complaint_is_decided_by_the_company_head() {
        let env = Env::new();
        let mut c = disputed(&env);
        c.severity = Severity::Major;
        let (c, _) = step(&c, Action::RecordDisagreement { opinions: opinions() }, By::CustomerService, "2026-11-24 09:00", &env);
        let d = Action::Decide { decision: "工程部负责".into(), responsible: vec![ENG] };
        assert_eq!(c.apply(&d, CS_HEAD, at("2026-11-24 10:00"), &env.k()), Err(TransitionError::NotYours));
        assert_eq!(c.refusal("decide", CS_HEAD, at("2026-11-24 10:00"), &env.k()), Some(TransitionError::NotYours), "403, not 409");
        assert!(c.apply(&d, COMPANY_HEAD, at("2026-11-24 10:00"), &env.k()).is_ok());
        assert_eq!(c.refusal("decide", COMPANY_HEAD, at("2026-11-24 10:00"), &env.k()), None);
        assert_eq!(Head::of(Role::Supervisor), Some(Head::CustomerService));
        assert_eq!((Head::of(Role::Manager), Head::of(Role::Admin)), (Some(Head::Company), Some(Head::Company)));
        assert_eq!((Head::of(Role::Specialist), Head::of(Role::Engineering)), (None, None));
    }

    #[test]
    fn cmp_9_disagreement_needs_two_departments_on_the_case_and_their_opinions() {
        let env = Env::new();
        let c = Complaint::new(at("2026-11-23 10:00"), Severity::General);
        let (one, _) = step(&c, Action::Dispatch { departments: vec![ENG] }, By::CustomerService, "2026-11-23 10:00", &env);
        let rec = |opinions: Vec<(i64, &str)>| Action::RecordDisagreement { opinions: opinions.into_iter().map(|(d, s)| (d, s.to_string())).collect() };
        assert!(matches!(
            one.apply(&rec(vec![(ENG, "a"), (SEC, "b")]), By::CustomerService, at("2026-11-23 11:00"), &env.k()),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert!(!one.allowed(By::CustomerService, at("2026-11-23 11:00"), &env.k()).contains(&"record_disagreement"));
        let two = disputed(&env);
        let now = at("2026-11-24 09:00");
        assert!(matches!(two.apply(&rec(vec![(ENG, "a")]), By::CustomerService, now, &env.k()), Err(TransitionError::Invalid { field: "opinions", .. })));
        assert!(matches!(
            two.apply(&rec(vec![(ENG, "a"), (ENG, "b")]), By::CustomerService, now, &env.k()),
            Err(TransitionError::Invalid { field: "opinions", .. })
        ));
        assert!(matches!(
            two.apply(&rec(vec![(ENG, "a"), (CLN, "b")]), By::CustomerService, now, &env.k()),
            Err(TransitionError::Invalid { field: "opinions", .. })
        ));
        assert_eq!(two.apply(&rec(vec![(ENG, "a"), (SEC, "")]), By::CustomerService, now, &env.k()), Err(TransitionError::Missing("opinions")));
        assert!(matches!(two.apply(&rec(vec![(ENG, "a"), (SEC, "b")]), By::Department(ENG), now, &env.k()), Err(TransitionError::NotAllowed { .. })));
        let (waiting, _) = step(&two, rec(vec![(ENG, "a"), (SEC, "b")]), CS_HEAD, "2026-11-24 09:00", &env);
        assert!(
            matches!(waiting.apply(&rec(vec![(ENG, "a"), (SEC, "b")]), By::CustomerService, now, &env.k()), Err(TransitionError::NotAllowed { .. })),
            "one at a time"
        );
    }

    #[test]
    fn cmp_9_table_is_exhaustive_over_status_flag_and_actor() {
        // Every status × waiting or not × every actor: the CMP-9 actions are offered exactly
        // where the rule puts them, and while waiting no department step is offered.
        let env = Env::new();
        let now = at("2026-11-24 10:00");
        let actors = [By::CustomerService, CS_HEAD, COMPANY_HEAD, By::Department(ENG), By::Department(CLN), By::System];
        for s in ComplaintStatus::ALL {
            for waiting in [false, true] {
                for severity in Severity::ALL {
                    for by in actors {
                        let mut c = Complaint::new(at("2026-11-23 10:00"), *severity);
                        c.status = *s;
                        c.departments = vec![(ENG, DeptStatus::Planned), (SEC, DeptStatus::Returned)];
                        c.decision_requested_at = waiting.then(|| at("2026-11-24 09:00"));
                        let allowed = c.allowed(by, now, &env.k());
                        let open_work = matches!(s, ComplaintStatus::Received | ComplaintStatus::Dispatched | ComplaintStatus::InProgress);
                        assert_eq!(
                            allowed.contains(&"record_disagreement"),
                            open_work && !waiting && by.is_customer_service(),
                            "{s:?} waiting={waiting} {by:?}: {allowed:?}"
                        );
                        let head_may = match by {
                            By::Head(h) => h.may_decide(*severity),
                            _ => false,
                        };
                        assert_eq!(allowed.contains(&"decide"), open_work && waiting && head_may, "{s:?} waiting={waiting} {severity:?} {by:?}");
                        if waiting {
                            for blocked in ["dispatch", "accept", "return", "submit_plan", "finish", "mark_invalid"] {
                                assert!(!allowed.contains(&blocked), "{s:?} waiting: {blocked} by {by:?}");
                            }
                        }
                    }
                }
            }
        }
        // Heads do everything customer service does.
        let c = disputed(&env);
        let cs = c.allowed(By::CustomerService, now, &env.k());
        for h in [CS_HEAD, COMPANY_HEAD] {
            assert_eq!(c.allowed(h, now, &env.k()), cs);
        }
    }
}
