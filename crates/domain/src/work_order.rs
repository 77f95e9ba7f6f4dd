//! REP — repairs: the work order's lifecycle as one transition function, like complaints.
//! Each stage (accept → on site → finish → sign-off → callback) has its own deadline, computed
//! when the stage starts, and its own on-time/late result, fixed when the stage completes.

use crate::paid_repair::FeeStatus;
use crate::sla::{Clock, Policies};
use crate::text_enum;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::Serialize;

text_enum! {
    WorkOrderStatus {
        New = "new", "待受理", "New";
        Dispatched = "dispatched", "已派工", "Dispatched";
        OnSite = "on_site", "已到场", "On site";
        InRepair = "in_repair", "维修中", "In repair";
        AwaitingSignOff = "awaiting_sign_off", "待验收", "Awaiting sign-off";
        AwaitingCallback = "awaiting_callback", "待回访", "Awaiting callback";
        Closed = "closed", "已关闭", "Closed";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

text_enum! {
    /// REP-1: where the fault is; a public area has no owner to sign for it.
    LocationKind {
        InUnit = "in_unit", "户内", "In unit";
        PublicArea = "public_area", "公共区域", "Public area";
    }
}

text_enum! {
    /// What kind of repair; leaks and electrical (safety) work have their own callback clocks (REP-8).
    RepairCategory {
        Water = "water", "给排水", "Water and drains";
        Electric = "electric", "电气", "Electrical";
        DoorWindow = "door_window", "门窗", "Doors and windows";
        WallFloor = "wall_floor", "墙地面", "Walls and floors";
        Leak = "leak", "渗漏", "Leak";
        PublicFacility = "public_facility", "公共设施", "Public facility";
        Other = "other", "其他", "Other";
    }
}

text_enum! {
    /// REP-5: the decision on shutting off water or power in an emergency.
    ShutOff {
        NotNeeded = "not_needed", "无需停水停电", "No shut-off needed";
        Water = "water", "已停水", "Water shut off";
        Power = "power", "已停电", "Power shut off";
        Both = "both", "已停水停电", "Water and power shut off";
    }
}

text_enum! {
    /// The stages a work order's clocks measure.
    Stage {
        Accept = "accept", "受理派工", "Dispatch";
        OnSite = "on_site", "到场", "On site";
        Finish = "finish", "完工", "Finish";
        SignOff = "sign_off", "验收", "Sign-off";
        Callback = "callback", "回访", "Callback";
    }
}

impl WorkOrderStatus {
    /// The stage whose clock runs in this status (None: nothing is due).
    pub fn running_stage(self) -> Option<Stage> {
        match self {
            WorkOrderStatus::New => Some(Stage::Accept),
            WorkOrderStatus::Dispatched => Some(Stage::OnSite),
            WorkOrderStatus::OnSite | WorkOrderStatus::InRepair => Some(Stage::Finish),
            WorkOrderStatus::AwaitingSignOff => Some(Stage::SignOff),
            WorkOrderStatus::AwaitingCallback => Some(Stage::Callback),
            WorkOrderStatus::Closed | WorkOrderStatus::Cancelled => None,
        }
    }
    pub fn is_open(self) -> bool {
        !matches!(self, WorkOrderStatus::Closed | WorkOrderStatus::Cancelled)
    }
    /// REP-11 (SM03-13): a settlement pays for closed orders only — accepted by the owner and
    /// confirmed at the callback; a reopened repair waits until it closes again.
    pub fn is_settleable(self) -> bool {
        self == WorkOrderStatus::Closed
    }
    /// REP-11 (SM03-23): a temporary labour slip records work done, so the repair has started.
    pub fn takes_labour_slip(self) -> bool {
        matches!(self, WorkOrderStatus::InRepair | WorkOrderStatus::AwaitingSignOff | WorkOrderStatus::AwaitingCallback | WorkOrderStatus::Closed)
    }
    /// REP-11: a cancelled order has nothing to pay for or deduct.
    pub fn takes_charges(self) -> bool {
        self != WorkOrderStatus::Cancelled
    }
    /// REP-13: only a finished repair — closed after its callback — is written up as a case:
    /// before that the cause and the fix may still change; a cancelled order was never repaired.
    pub fn may_write_case(self) -> bool {
        self == WorkOrderStatus::Closed
    }
}

impl RepairCategory {
    /// REP-5: water and power faults may be emergencies (offered as such at intake).
    pub fn may_be_emergency(self) -> bool {
        matches!(self, RepairCategory::Water | RepairCategory::Electric | RepairCategory::Leak)
    }
    /// REP-8: the callback clock after this kind of repair — electrical work is a safety
    /// facility, leaks have their own, everything else the general one.
    pub fn callback_clock(self, p: &Policies) -> Clock {
        match self {
            RepairCategory::Electric => p.rep_callback_safety,
            RepairCategory::Leak => p.rep_callback_leak,
            _ => p.rep_callback_other,
        }
    }
}

/// REP-10: what marks a work-order number, `{project code}/WXWT{sequence}`.
const NUMBER_MARK: &str = "WXWT";

/// REP-10: a project's `seq`-th work-order number (`COBZS001/WXWT001`).
pub fn number(project_code: &str, seq: i64) -> String {
    format!("{project_code}/{NUMBER_MARK}{seq:03}")
}

/// REP-10: a search for a work-order number or its start (`P03/WXWT0123`, `WXWT0123`), which
/// the list answers from the `(project_id, number)` index: a number's digits are shared with
/// too many others (phones, other numbers) for the n-gram index to narrow them quickly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSearch {
    /// The code typed before the `/` (ASCII upper-cased), if any.
    code: Option<String>,
    digits: String,
}

impl NumberSearch {
    /// A trimmed search string of the shape `[code/]WXWT` and at least three digits (the
    /// width of the shortest number; fewer digits begin too many numbers to be worth it).
    pub fn parse(q: &str) -> Option<NumberSearch> {
        let q = q.trim();
        let (code, rest) = match q.split_once('/') {
            Some((code, rest)) => {
                if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return None;
                }
                (Some(code.to_ascii_uppercase()), rest)
            }
            None => (None, q),
        };
        let mark = rest.get(..NUMBER_MARK.len())?;
        let digits = rest.get(NUMBER_MARK.len()..)?;
        if !mark.eq_ignore_ascii_case(NUMBER_MARK) || digits.len() < 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(NumberSearch { code, digits: digits.to_string() })
    }

    /// The numbers of a project (by its code) that contain the search lie in `[from, to)`;
    /// None when none can. Numbers contain one `/` (codes have none), so a typed code must be
    /// the end of the project's code, and the digits the start of the sequence. The bounds
    /// only differ from the project's numbers in their digits, so any collation orders them
    /// as the digits; results are still checked with LIKE.
    pub fn range(&self, project_code: &str) -> Option<(String, String)> {
        if let Some(code) = &self.code
            && !project_code.to_ascii_uppercase().ends_with(code.as_str())
        {
            return None;
        }
        let from = format!("{project_code}/{NUMBER_MARK}{}", self.digits);
        // The next digit string of the same length or shorter (`0129` → `013`); past `999…`
        // every number with this mark is below the next mark.
        let mut next = self.digits.clone().into_bytes();
        while let Some(last) = next.pop() {
            if last < b'9' {
                next.push(last + 1);
                let next = String::from_utf8_lossy(&next);
                return Some((from, format!("{project_code}/{NUMBER_MARK}{next}")));
            }
        }
        Some((from, format!("{project_code}/WXWU")))
    }
}

/// REP-5: words that mark an emergency (burst pipe, flooding, no power, live wires), offered
/// to the dispatcher when the desk recorded a repair without saying so.
pub fn suggest_emergency(content: &str) -> bool {
    ["爆管", "水管爆", "爆裂", "水浸", "淹", "跑水", "停电", "断电", "漏电", "冒烟", "火花"].iter().any(|w| content.contains(w))
}

/// The repair category suggested by the words of a request; `Other` when nothing fits.
pub fn suggest_category(content: &str) -> RepairCategory {
    let has = |words: &[&str]| words.iter().any(|w| content.contains(w));
    if has(&["渗", "漏水", "滴水", "返潮"]) {
        RepairCategory::Leak
    } else if has(&["电梯", "路灯", "消防", "公共", "大堂", "车库"]) {
        RepairCategory::PublicFacility
    } else if has(&["电", "灯", "插座", "开关"]) {
        RepairCategory::Electric
    } else if has(&["水管", "水龙头", "下水", "堵", "马桶", "爆管", "阀"]) {
        RepairCategory::Water
    } else if has(&["门", "窗", "锁"]) {
        RepairCategory::DoorWindow
    } else if has(&["墙", "地面", "地板", "瓷砖", "裂"]) {
        RepairCategory::WallFloor
    } else {
        RepairCategory::Other
    }
}

/// Who acts, as far as the table cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// Customer service (reception, specialists, their heads).
    CustomerService,
    /// A member of the given department (the engineering department on the job).
    Department(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Customer service sends the order to the engineering department and one assignee.
    Dispatch { department: i64, assignee: i64 },
    /// REP-2: someone is on site. REP-5: for an emergency, with the cause, the evidence kept and
    /// the shut-off decision.
    Arrive { note: String, evidence: String, shut_off: Option<ShutOff> },
    /// REP-4: the repair starts with the plan agreed with the owner and, if agreed, its finish time.
    Start { plan: String, due: Option<DateTime<Utc>> },
    /// The repair is done; the result as told to the owner.
    Finish { result: String },
    /// REP-7: the owner (or for a public area, the property office) accepts the work and signs.
    SignOff { signed_by: String, signature: String, note: String },
    /// REP-8: the callback's outcome: satisfied closes, dissatisfied reopens the repair.
    CallbackDone { satisfied: bool, note: String },
    /// Cancelled before the repair started, with the reason.
    Cancel { reason: String },
    /// REP-3: the cause as found on site; who is responsible follows from it and the warranty.
    DecideCause { cause: Cause, note: String },
    /// REP-4: who repairs: a contractor from the approved list, or (None) our own engineering staff.
    ChooseRepairer { contractor: Option<i64> },
    /// REP-6: the test of electrical, water-pipe or waterproofing work, witnessed on site.
    RecordTest { owner_present: bool, office_present: bool, passed: bool, note: String },
}

/// Every action code, in the order the pages offer them.
pub const ACTIONS: &[&str] =
    &["dispatch", "arrive", "start", "finish", "sign_off", "callback_done", "cancel", "decide_cause", "choose_repairer", "record_test"];

impl Action {
    pub fn code(&self) -> &'static str {
        match self {
            Action::Dispatch { .. } => "dispatch",
            Action::Arrive { .. } => "arrive",
            Action::Start { .. } => "start",
            Action::Finish { .. } => "finish",
            Action::SignOff { .. } => "sign_off",
            Action::CallbackDone { .. } => "callback_done",
            Action::Cancel { .. } => "cancel",
            Action::DecideCause { .. } => "decide_cause",
            Action::ChooseRepairer { .. } => "choose_repairer",
            Action::RecordTest { .. } => "record_test",
        }
    }
}

/// The facts of a work order that decisions depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkOrder {
    pub status: WorkOrderStatus,
    pub category: RepairCategory,
    pub location_kind: LocationKind,
    pub emergency: bool,
    pub received_at: DateTime<Utc>,
    /// The department it was dispatched to.
    pub department: Option<i64>,
    /// The deadline of each stage, as stored when the stage started.
    pub dues: Dues,
    pub reopened: u32,
    /// REP-6: a witnessed test of this repair has passed (reset when the repair is reopened).
    pub test_passed: bool,
    /// REP-3/REP-12: the owner pays, and where the fee stands (None: nothing quoted yet).
    pub paid: bool,
    pub fee: Option<FeeStatus>,
}

/// The stored deadline of each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dues {
    pub accept: Option<DateTime<Utc>>,
    pub on_site: Option<DateTime<Utc>>,
    pub finish: Option<DateTime<Utc>>,
    pub sign_off: Option<DateTime<Utc>>,
    pub callback: Option<DateTime<Utc>>,
}

impl Dues {
    pub fn of(&self, s: Stage) -> Option<DateTime<Utc>> {
        match s {
            Stage::Accept => self.accept,
            Stage::OnSite => self.on_site,
            Stage::Finish => self.finish,
            Stage::SignOff => self.sign_off,
            Stage::Callback => self.callback,
        }
    }
    fn set(&mut self, s: Stage, t: DateTime<Utc>) {
        match s {
            Stage::Accept => self.accept = Some(t),
            Stage::OnSite => self.on_site = Some(t),
            Stage::Finish => self.finish = Some(t),
            Stage::SignOff => self.sign_off = Some(t),
            Stage::Callback => self.callback = Some(t),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub status: WorkOrderStatus,
    pub department: Option<i64>,
    pub dues: Dues,
    /// The stages this action completed, each with whether it was on time.
    pub results: Vec<(Stage, bool)>,
    pub reopened: u32,
    pub test_passed: bool,
}

impl Change {
    /// The deadline now running, for lists and the overdue filter.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.status.running_stage().and_then(|s| self.dues.of(s))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The action does not fit the current status; `allowed` on the order lists what does.
    NotAllowed { status: WorkOrderStatus },
    /// The actor has no part in this step (another department's order).
    NotYours,
    /// A required text is empty.
    Missing(&'static str),
    /// A given value does not fit (a finish time in the past, an emergency without its decision).
    Invalid { field: &'static str, zh: &'static str, en: &'static str },
    /// REP-12: a paid repair's fee is not far enough along for this step (409, with why).
    FeeFirst { zh: &'static str, en: &'static str },
}

/// The calendar context deadlines are computed in (the same as for complaints).
pub use crate::complaint::Clocks;

impl Clocks<'_> {
    fn due(&self, clock: Clock, from: DateTime<Utc>) -> DateTime<Utc> {
        clock.due(from, self.cal, self.hours, self.tz)
    }
}

fn need(s: &str, what: &'static str) -> Result<(), TransitionError> {
    if s.trim().is_empty() { Err(TransitionError::Missing(what)) } else { Ok(()) }
}

/// The first two deadlines of a new order. REP-5: an emergency's clocks start at once and run
/// in calendar hours (the 24-hour rota), whatever the working calendar says. REP-2: otherwise
/// someone is on site within the working days of the policy, or at the appointment the owner
/// chose (which may be later or earlier).
pub fn intake_dues(received_at: DateTime<Utc>, emergency: bool, appointment: Option<DateTime<Utc>>, k: &Clocks<'_>) -> Dues {
    let p = k.policies;
    if emergency {
        let at = k.due(p.rep_emergency, received_at);
        return Dues { accept: Some(at), on_site: Some(at), ..Dues::default() };
    }
    let on_site = appointment.unwrap_or_else(|| k.due(p.rep_on_site, received_at));
    Dues { accept: Some(k.due(p.rep_accept, received_at)), on_site: Some(on_site), ..Dues::default() }
}

impl WorkOrder {
    /// One action of each kind, with texts filled in, to ask the table what fits.
    fn samples(&self, now: DateTime<Utc>) -> [Action; 11] {
        [
            Action::Dispatch { department: 0, assignee: 0 },
            Action::Arrive { note: "x".into(), evidence: "x".into(), shut_off: Some(ShutOff::NotNeeded) },
            Action::Start { plan: "x".into(), due: Some(now + Duration::days(1)) },
            Action::Finish { result: "x".into() },
            Action::SignOff { signed_by: "x".into(), signature: "x".into(), note: String::new() },
            Action::CallbackDone { satisfied: true, note: String::new() },
            // A dissatisfied callback fits where closing does not (REP-12: an uncollected fee).
            Action::CallbackDone { satisfied: false, note: "x".into() },
            Action::Cancel { reason: "x".into() },
            Action::DecideCause { cause: Cause::Defect, note: String::new() },
            Action::ChooseRepairer { contractor: None },
            Action::RecordTest { owner_present: true, office_present: true, passed: true, note: String::new() },
        ]
    }

    /// The actions `by` may take now (for buttons and for 409 answers).
    pub fn allowed(&self, by: By, now: DateTime<Utc>, k: &Clocks<'_>) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.samples(now).iter().filter(|a| self.apply(a, by, now, k).is_ok()).map(Action::code).collect();
        v.dedup();
        v
    }

    /// Why `by` may not take the action named `code` now, whatever its texts.
    pub fn refusal(&self, code: &str, by: By, now: DateTime<Utc>, k: &Clocks<'_>) -> Option<TransitionError> {
        let mut errs = self.samples(now).into_iter().filter(|a| a.code() == code).map(|a| self.apply(&a, by, now, k).err());
        let first = errs.next().flatten()?;
        // Refused only when no form of the action fits.
        if errs.any(|e| e.is_none()) { None } else { Some(first) }
    }

    /// REP-12: the work on a paid repair waits for the owner to agree the quote.
    fn quote_agreed(&self) -> bool {
        !self.paid || self.fee.is_some_and(FeeStatus::agreed)
    }

    /// REP-12: a paid repair closes only once its fee is collected.
    fn fee_collected(&self) -> bool {
        !self.paid || self.fee.is_some_and(FeeStatus::collected)
    }

    fn not_allowed(&self) -> TransitionError {
        TransitionError::NotAllowed { status: self.status }
    }

    /// Field work is the dispatched department's; customer service may record it for them.
    fn on_the_job(&self, by: By) -> Result<(), TransitionError> {
        match by {
            By::CustomerService => Ok(()),
            By::Department(d) if Some(d) == self.department => Ok(()),
            By::Department(_) => Err(TransitionError::NotYours),
        }
    }

    /// The transition table: what `action` by `by` at `now` does to this work order.
    pub fn apply(&self, action: &Action, by: By, now: DateTime<Utc>, k: &Clocks<'_>) -> Result<Change, TransitionError> {
        use WorkOrderStatus as S;
        let mut c = Change {
            status: self.status,
            department: self.department,
            dues: self.dues,
            results: Vec::new(),
            reopened: self.reopened,
            test_passed: self.test_passed,
        };
        // A stage's result: on time when done by its stored deadline (a stage without one is on time).
        let on_time = |s: Stage| self.dues.of(s).is_none_or(|due| now <= due);
        match (self.status, action, by) {
            // Dispatching, calling back and cancelling are customer service's, in any status.
            (_, Action::Dispatch { .. } | Action::CallbackDone { .. } | Action::Cancel { .. }, By::Department(_)) => return Err(TransitionError::NotYours),
            (S::New, Action::Dispatch { department, .. }, By::CustomerService) => {
                c.department = Some(*department);
                c.status = S::Dispatched;
                c.results.push((Stage::Accept, on_time(Stage::Accept)));
            }
            (S::Dispatched, Action::Arrive { note, evidence, shut_off }, _) => {
                self.on_the_job(by)?;
                // REP-5: an emergency is not "on site" until the cause, the evidence kept and the
                // shut-off decision are on record.
                if self.emergency {
                    need(note, "note")?;
                    need(evidence, "evidence")?;
                    if shut_off.is_none() {
                        return Err(TransitionError::Missing("shut_off"));
                    }
                }
                c.status = S::OnSite;
                c.results.push((Stage::OnSite, on_time(Stage::OnSite)));
            }
            // REP-12: no work on a paid repair before the owner agreed the quote.
            (S::OnSite, Action::Start { .. }, _) | (S::InRepair, Action::Finish { .. }, _) if !self.quote_agreed() => {
                self.on_the_job(by)?;
                return Err(TransitionError::FeeFirst {
                    zh: "有偿维修须先由业主确认报价，方可施工",
                    en: "the owner must agree the quote of a paid repair before the work",
                });
            }
            (S::OnSite, Action::Start { plan, due }, _) => {
                self.on_the_job(by)?;
                need(plan, "plan")?;
                let finish = match due {
                    Some(d) if *d <= now => {
                        return Err(TransitionError::Invalid { field: "due", zh: "完工时间必须晚于现在", en: "must be in the future" });
                    }
                    Some(d) => *d,
                    None => k.due(k.policies.rep_finish, now),
                };
                c.dues.set(Stage::Finish, finish);
                c.status = S::InRepair;
            }
            (S::InRepair, Action::Finish { result }, _) => {
                self.on_the_job(by)?;
                need(result, "result")?;
                c.status = S::AwaitingSignOff;
                c.results.push((Stage::Finish, on_time(Stage::Finish)));
                c.dues.set(Stage::SignOff, k.due(k.policies.rep_sign_off, now));
            }
            // REP-6: tested work is signed off only after its witnessed test passed.
            (S::AwaitingSignOff, Action::SignOff { .. }, _) if self.category.needs_test() && !self.test_passed => return Err(self.not_allowed()),
            (S::AwaitingSignOff, Action::SignOff { signed_by, signature, .. }, _) => {
                self.on_the_job(by)?;
                need(signed_by, "signed_by")?;
                // REP-7: the owner signs for work in their unit; a public area is signed for by
                // the property office, with or without a drawn signature.
                if self.location_kind == LocationKind::InUnit {
                    need(signature, "signature")?;
                }
                c.status = S::AwaitingCallback;
                c.results.push((Stage::SignOff, on_time(Stage::SignOff)));
                c.dues.set(Stage::Callback, k.due(self.category.callback_clock(k.policies), now));
            }
            (S::AwaitingCallback, Action::CallbackDone { satisfied: true, .. }, By::CustomerService) if !self.fee_collected() => {
                return Err(TransitionError::FeeFirst {
                    zh: "有偿维修费用尚未收取，不能关闭工单", en: "a paid repair closes only once its fee is collected"
                });
            }
            (S::AwaitingCallback, Action::CallbackDone { satisfied: true, .. }, By::CustomerService) => {
                c.status = S::Closed;
                c.results.push((Stage::Callback, on_time(Stage::Callback)));
            }
            (S::AwaitingCallback, Action::CallbackDone { satisfied: false, note }, By::CustomerService) => {
                // CBK-6: a dissatisfied owner reopens the repair; it must be finished again.
                need(note, "note")?;
                c.status = S::InRepair;
                c.reopened += 1;
                c.test_passed = false;
                c.results.push((Stage::Callback, on_time(Stage::Callback)));
                c.dues.set(Stage::Finish, k.due(k.policies.rep_finish, now));
                c.dues.sign_off = None;
                c.dues.callback = None;
            }
            (S::New | S::Dispatched | S::OnSite, Action::Cancel { reason }, By::CustomerService) => {
                need(reason, "reason")?;
                c.status = S::Cancelled;
            }
            // REP-3: the cause is decided once someone has seen the fault, until the repair is done.
            (S::OnSite | S::InRepair, Action::DecideCause { .. }, _) => self.on_the_job(by)?,
            // REP-4: the repairer is chosen before the work starts.
            (S::Dispatched | S::OnSite, Action::ChooseRepairer { .. }, _) => self.on_the_job(by)?,
            (S::AwaitingSignOff, Action::RecordTest { owner_present, office_present, passed, note }, _) if self.category.needs_test() && !self.test_passed => {
                self.on_the_job(by)?;
                // REP-6: the property office witnesses every test; the owner too when it is their unit.
                if !office_present {
                    return Err(TransitionError::Invalid {
                        field: "office_present", zh: "试验须有物业管理处在场", en: "the property office must be present"
                    });
                }
                if self.location_kind == LocationKind::InUnit && !owner_present {
                    return Err(TransitionError::Invalid { field: "owner_present", zh: "户内试验须有业主在场", en: "the owner must be present" });
                }
                if *passed {
                    c.test_passed = true;
                } else {
                    // A failed test sends the work back to repair, with a fresh finish clock.
                    need(note, "note")?;
                    c.status = S::InRepair;
                    c.test_passed = false;
                    c.dues.set(Stage::Finish, k.due(k.policies.rep_finish, now));
                    c.dues.sign_off = None;
                }
            }
            _ => return Err(self.not_allowed()),
        }
        Ok(c)
    }
}

text_enum! {
    /// REP-3: what caused the fault, as found on site.
    Cause {
        Defect = "defect", "工程质量缺陷", "Construction defect";
        OwnerUse = "owner_use", "业主使用不当", "Owner's use";
        FitOut = "fit_out", "业主装修造成", "Owner's fit-out";
    }
}

text_enum! {
    /// REP-9: a rectification notice (整改通知单) is open until its fix is recorded.
    RectificationStatus {
        Open = "open", "待整改", "Open";
        Done = "done", "已整改", "Done";
    }
}

impl RectificationStatus {
    /// Open until its fix is recorded; only an open notice can be closed.
    pub fn is_open(self) -> bool {
        self == RectificationStatus::Open
    }
}

text_enum! {
    /// REP-3: who repairs or pays.
    Responsibility {
        Contractor = "contractor", "原施工单位（保修期内，费用由其承担）", "Original contractor (in warranty, at their cost)";
        Developer = "developer", "开发商（保修期外，按保修规定处理）", "Developer (out of warranty, per the warranty rules)";
        Owner = "owner", "业主（有偿维修）", "Owner (paid repair)";
    }
}

text_enum! {
    /// REP-3: the parts of a building warranty periods are set for (建设工程质量管理条例 第四十条).
    Component {
        Structure = "structure", "地基基础和主体结构", "Foundations and structure";
        Waterproofing = "waterproofing", "屋面防水、有防水要求的卫生间和外墙面防渗漏", "Waterproofing";
        Electric = "electric", "电气管线", "Electrical wiring";
        Plumbing = "plumbing", "给排水管道", "Water and drain pipes";
        FitOut = "fit_out", "装修工程", "Fit-out";
    }
}

text_enum! {
    /// REP-11: the trades a contractor is approved for.
    Trade {
        Water = "water", "给排水", "Plumbing";
        Electric = "electric", "电气", "Electrical";
        Waterproofing = "waterproofing", "防水", "Waterproofing";
        General = "general", "综合维修", "General repairs";
    }
}

impl Component {
    /// The legal minimum warranty in years, used when a project has not set its own. The
    /// structure's is the design life; 50 years is the usual one for housing.
    pub fn default_years(self) -> i64 {
        match self {
            Component::Structure => 50,
            Component::Waterproofing => 5,
            Component::Electric | Component::Plumbing | Component::FitOut => 2,
        }
    }
}

impl RepairCategory {
    /// REP-3: the component whose warranty covers this kind of fault.
    pub fn component(self) -> Component {
        match self {
            RepairCategory::Leak => Component::Waterproofing,
            RepairCategory::Electric => Component::Electric,
            RepairCategory::Water => Component::Plumbing,
            RepairCategory::DoorWindow | RepairCategory::WallFloor | RepairCategory::PublicFacility | RepairCategory::Other => Component::FitOut,
        }
    }
    /// REP-11: the trade a contractor needs for this kind of repair.
    pub fn trade(self) -> Trade {
        match self {
            RepairCategory::Water => Trade::Water,
            RepairCategory::Electric => Trade::Electric,
            RepairCategory::Leak => Trade::Waterproofing,
            RepairCategory::DoorWindow | RepairCategory::WallFloor | RepairCategory::PublicFacility | RepairCategory::Other => Trade::General,
        }
    }
    /// REP-6: electrical, water-pipe and waterproofing repairs are tested before sign-off.
    pub fn needs_test(self) -> bool {
        matches!(self, RepairCategory::Water | RepairCategory::Electric | RepairCategory::Leak)
    }
}

/// REP-3: whether a fault reported on `reported` is within `years` of the unit's handover
/// (None when the handover date is unknown, e.g. a public area or an unsold unit).
pub fn in_warranty(handover: Option<NaiveDate>, years: i64, reported: NaiveDate) -> Option<bool> {
    let handover = handover?;
    let months = u32::try_from(years.saturating_mul(12)).unwrap_or(u32::MAX);
    // The warranty runs until the same calendar day `years` later (29 Feb ends on 28 Feb).
    let end = handover.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX);
    Some(reported < end)
}

/// REP-3: who is responsible for a fault with this cause. A defect without a known warranty
/// start is the developer's to explain under the warranty rules.
pub fn responsibility(cause: Cause, in_warranty: Option<bool>) -> Responsibility {
    match (cause, in_warranty) {
        (Cause::OwnerUse | Cause::FitOut, _) => Responsibility::Owner,
        (Cause::Defect, Some(true)) => Responsibility::Contractor,
        (Cause::Defect, Some(false) | None) => Responsibility::Developer,
    }
}

/// REP-11: a contractor may be sent only when approved and holding a qualification for the
/// trade that has not expired by `today`; otherwise why not.
pub fn contractor_refusal(approved: bool, qualifications: &[(Trade, NaiveDate)], trade: Trade, today: NaiveDate) -> Option<(&'static str, &'static str)> {
    if !approved {
        return Some(("该维修商未通过审批，不能选用", "the contractor is not approved"));
    }
    let held: Vec<NaiveDate> = qualifications.iter().filter(|(t, _)| *t == trade).map(|(_, d)| *d).collect();
    if held.is_empty() {
        return Some(("该维修商没有此类维修的资质", "the contractor holds no qualification for this trade"));
    }
    if held.iter().all(|d| *d < today) {
        return Some(("该维修商此类维修的资质已过期", "the contractor's qualification for this trade has expired"));
    }
    None
}

text_enum! {
    /// REP-9: where a rectification notice stands against its 24-hour deadline.
    RectificationState {
        Open = "open", "整改中", "Open";
        Overdue = "overdue", "已超时", "Overdue";
        DoneOnTime = "done_on_time", "按时完成", "Done on time";
        DoneLate = "done_late", "超时完成", "Done late";
    }
}

/// REP-9: the repair staff have 24 hours (calendar hours, like the emergency rota) to fix what
/// a callback found.
pub const RECTIFICATION_HOURS: i64 = 24;

/// REP-9: when a rectification notice issued at `issued` is due.
pub fn rectification_due(issued: DateTime<Utc>) -> DateTime<Utc> {
    issued + Duration::hours(RECTIFICATION_HOURS)
}

/// REP-9: a notice's state — done (on time or late) once its fix is recorded, otherwise open
/// until the deadline passes.
pub fn rectification_state(due: DateTime<Utc>, done_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> RectificationState {
    match done_at {
        Some(d) if d <= due => RectificationState::DoneOnTime,
        Some(_) => RectificationState::DoneLate,
        None if now > due => RectificationState::Overdue,
        None => RectificationState::Open,
    }
}

/// REP-9: a callback found a problem when the owner was dissatisfied or shortcomings were noted.
pub fn callback_found_problem(satisfied: bool, shortcomings: &str) -> bool {
    !satisfied || !shortcomings.trim().is_empty()
}

/// RPT-1: where an open order stands against its running deadline on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineBucket {
    OnTime,
    DueToday,
    Overdue,
}

/// RPT-1: overdue once the running deadline passed, due today when it falls before the end of
/// the local day, on time otherwise (an order with no running deadline is on time).
pub fn deadline_bucket(next_due: Option<DateTime<Utc>>, now: DateTime<Utc>, end_of_today: DateTime<Utc>) -> DeadlineBucket {
    match next_due {
        Some(d) if d < now => DeadlineBucket::Overdue,
        Some(d) if d < end_of_today => DeadlineBucket::DueToday,
        _ => DeadlineBucket::OnTime,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Env, at};

    fn order(env: &Env, received: &str, emergency: bool, appointment: Option<DateTime<Utc>>) -> WorkOrder {
        let r = at(received);
        WorkOrder {
            status: WorkOrderStatus::New,
            category: RepairCategory::Water,
            location_kind: LocationKind::InUnit,
            emergency,
            received_at: r,
            department: None,
            dues: intake_dues(r, emergency, appointment, &env.k()),
            reopened: 0,
            test_passed: false,
            paid: false,
            fee: None,
        }
    }

    fn step(w: &WorkOrder, a: Action, by: By, now: &str, env: &Env) -> (WorkOrder, Change) {
        let ch = w.apply(&a, by, at(now), &env.k()).unwrap_or_else(|e| panic!("{a:?} by {by:?} in {:?}: {e:?}", w.status));
        let next = WorkOrder { status: ch.status, department: ch.department, dues: ch.dues, reopened: ch.reopened, test_passed: ch.test_passed, ..w.clone() };
        (next, ch)
    }

    fn arrive() -> Action {
        Action::Arrive { note: "水管爆裂".into(), evidence: "已拍照".into(), shut_off: Some(ShutOff::Water) }
    }

    #[test]
    fn rep_2_on_site_due_in_two_working_days_or_at_the_appointment() {
        let env = Env::new();
        // Friday 2026-11-27 10:00 → two working days later is Tuesday 2026-12-01 10:00.
        let w = order(&env, "2026-11-27 10:00", false, None);
        assert_eq!(w.dues.on_site, Some(at("2026-12-01 10:00")));
        let appointment = at("2026-12-05 15:00");
        let w = order(&env, "2026-11-27 10:00", false, Some(appointment));
        assert_eq!(w.dues.on_site, Some(appointment));
    }

    #[test]
    fn rep_5_emergency_clock_is_immediate_and_arrival_needs_evidence_and_the_shut_off_decision() {
        let env = Env::new();
        // Saturday night: the rota counts calendar hours, not working time.
        let w = order(&env, "2026-11-28 23:00", true, None);
        assert_eq!(w.dues.accept, Some(at("2026-11-29 00:00")));
        assert_eq!(w.dues.on_site, Some(at("2026-11-29 00:00")));
        let (w, ch) = step(&w, Action::Dispatch { department: 7, assignee: 3 }, By::CustomerService, "2026-11-28 23:10", &env);
        assert_eq!(ch.results, vec![(Stage::Accept, true)]);
        let k = env.k();
        let now = at("2026-11-28 23:40");
        let bare = Action::Arrive { note: String::new(), evidence: String::new(), shut_off: None };
        assert_eq!(w.apply(&bare, By::Department(7), now, &k), Err(TransitionError::Missing("note")));
        let no_decision = Action::Arrive { note: "爆管".into(), evidence: "照片".into(), shut_off: None };
        assert_eq!(w.apply(&no_decision, By::Department(7), now, &k), Err(TransitionError::Missing("shut_off")));
        let ch = w.apply(&arrive(), By::Department(7), at("2026-11-29 00:30"), &k).expect("arrives");
        assert_eq!(ch.results, vec![(Stage::OnSite, false)], "half an hour after the emergency deadline is late");
    }

    #[test]
    fn rep_1_rep_7_whole_life_with_each_stages_result() {
        let env = Env::new();
        let w = order(&env, "2026-11-27 10:00", false, None);
        let (w, ch) = step(&w, Action::Dispatch { department: 7, assignee: 3 }, By::CustomerService, "2026-11-27 11:00", &env);
        assert_eq!((w.status, ch.results.clone()), (WorkOrderStatus::Dispatched, vec![(Stage::Accept, true)]));
        let plain = Action::Arrive { note: String::new(), evidence: String::new(), shut_off: None };
        let (w, ch) = step(&w, plain, By::Department(7), "2026-12-02 09:00", &env);
        assert_eq!((w.status, ch.results.clone()), (WorkOrderStatus::OnSite, vec![(Stage::OnSite, false)]), "REP-2 missed");
        let (w, _) = step(&w, Action::Start { plan: "更换角阀".into(), due: Some(at("2026-12-03 17:00")) }, By::Department(7), "2026-12-02 09:30", &env);
        assert_eq!((w.status, w.dues.finish), (WorkOrderStatus::InRepair, Some(at("2026-12-03 17:00"))));
        let (w, ch) = step(&w, Action::Finish { result: "已更换".into() }, By::Department(7), "2026-12-03 16:00", &env);
        assert_eq!((w.status, ch.results.clone()), (WorkOrderStatus::AwaitingSignOff, vec![(Stage::Finish, true)]));
        let k = env.k();
        let unsigned = Action::SignOff { signed_by: "王先生".into(), signature: String::new(), note: String::new() };
        assert_eq!(
            w.apply(&unsigned, By::Department(7), at("2026-12-03 16:30"), &k),
            Err(TransitionError::NotAllowed { status: WorkOrderStatus::AwaitingSignOff })
        );
        let test = Action::RecordTest { owner_present: true, office_present: true, passed: true, note: String::new() };
        let (w, _) = step(&w, test, By::Department(7), "2026-12-03 16:20", &env);
        assert_eq!(w.apply(&unsigned, By::Department(7), at("2026-12-03 16:30"), &k), Err(TransitionError::Missing("signature")));
        let signed = Action::SignOff { signed_by: "王先生".into(), signature: "data:image/png;base64,x".into(), note: String::new() };
        let (w, ch) = step(&w, signed, By::Department(7), "2026-12-03 16:30", &env);
        assert_eq!((w.status, ch.results.clone()), (WorkOrderStatus::AwaitingCallback, vec![(Stage::SignOff, true)]));
        // REP-8: a water repair is "other": 7 days.
        assert_eq!(w.dues.callback, Some(at("2026-12-10 16:30")));
        let (w, ch) = step(&w, Action::CallbackDone { satisfied: true, note: String::new() }, By::CustomerService, "2026-12-04 10:00", &env);
        assert_eq!((w.status, ch.results), (WorkOrderStatus::Closed, vec![(Stage::Callback, true)]));
    }

    #[test]
    fn rep_8_callback_clock_by_kind_and_dissatisfied_reopens() {
        let p = Policies::default();
        assert_eq!(RepairCategory::Electric.callback_clock(&p), Clock::CalendarDays(2));
        assert_eq!(RepairCategory::Leak.callback_clock(&p), Clock::CalendarDays(3));
        assert_eq!(RepairCategory::DoorWindow.callback_clock(&p), Clock::CalendarDays(7));
        let env = Env::new();
        let mut w = order(&env, "2026-11-27 10:00", false, None);
        w.status = WorkOrderStatus::AwaitingCallback;
        w.department = Some(7);
        let k = env.k();
        let now = at("2026-11-30 10:00");
        let no_reason = Action::CallbackDone { satisfied: false, note: String::new() };
        assert_eq!(w.apply(&no_reason, By::CustomerService, now, &k), Err(TransitionError::Missing("note")));
        let ch = w.apply(&Action::CallbackDone { satisfied: false, note: "仍渗水".into() }, By::CustomerService, now, &k).expect("reopens");
        assert_eq!((ch.status, ch.reopened), (WorkOrderStatus::InRepair, 1));
        assert!(ch.dues.finish.is_some_and(|d| d > now));
    }

    #[test]
    fn other_departments_may_not_do_the_field_work_and_cancel_is_before_the_repair() {
        let env = Env::new();
        let k = env.k();
        let mut w = order(&env, "2026-11-27 10:00", false, None);
        w.status = WorkOrderStatus::Dispatched;
        w.department = Some(7);
        let now = at("2026-11-27 12:00");
        assert_eq!(w.refusal("arrive", By::Department(8), now, &k), Some(TransitionError::NotYours));
        assert_eq!(w.refusal("cancel", By::Department(7), now, &k), Some(TransitionError::NotYours));
        assert_eq!(w.allowed(By::Department(7), now, &k), vec!["arrive", "choose_repairer"]);
        assert_eq!(w.allowed(By::CustomerService, now, &k), vec!["arrive", "cancel", "choose_repairer"]);
        w.status = WorkOrderStatus::InRepair;
        assert!(!w.allowed(By::CustomerService, now, &k).contains(&"cancel"));
        let past = Action::Start { plan: "x".into(), due: Some(now - Duration::hours(1)) };
        w.status = WorkOrderStatus::OnSite;
        assert!(matches!(w.apply(&past, By::Department(7), now, &k), Err(TransitionError::Invalid { field: "due", .. })));
    }

    #[test]
    fn rep_3_warranty_from_handover_by_component_and_responsibility_by_cause() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(RepairCategory::Leak.component().default_years(), 5);
        assert_eq!(RepairCategory::Electric.component().default_years(), 2);
        assert_eq!(RepairCategory::Water.component().default_years(), 2);
        assert_eq!(RepairCategory::DoorWindow.component(), Component::FitOut);
        let handover = Some(d("2024-03-01"));
        assert_eq!(in_warranty(handover, 2, d("2026-02-28")), Some(true));
        assert_eq!(in_warranty(handover, 2, d("2026-03-01")), Some(false), "two years end on the anniversary");
        assert_eq!(in_warranty(handover, 5, d("2026-03-01")), Some(true));
        assert_eq!(in_warranty(None, 5, d("2026-03-01")), None);
        assert_eq!(responsibility(Cause::Defect, Some(true)), Responsibility::Contractor);
        assert_eq!(responsibility(Cause::Defect, Some(false)), Responsibility::Developer);
        assert_eq!(responsibility(Cause::Defect, None), Responsibility::Developer);
        assert_eq!(responsibility(Cause::OwnerUse, Some(true)), Responsibility::Owner);
        assert_eq!(responsibility(Cause::FitOut, Some(false)), Responsibility::Owner);
    }

    #[test]
    fn rep_11_only_approved_contractors_with_a_current_qualification_for_the_trade() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let today = d("2026-11-28");
        let quals = [(Trade::Water, d("2026-11-28")), (Trade::Electric, d("2026-11-27"))];
        assert_eq!(contractor_refusal(true, &quals, Trade::Water, today), None, "valid through its expiry day");
        assert!(contractor_refusal(true, &quals, Trade::Electric, today).is_some_and(|(zh, _)| zh.contains("过期")));
        assert!(contractor_refusal(true, &quals, Trade::Waterproofing, today).is_some_and(|(zh, _)| zh.contains("没有")));
        assert!(contractor_refusal(false, &quals, Trade::Water, today).is_some_and(|(zh, _)| zh.contains("审批")));
        assert_eq!(RepairCategory::Leak.trade(), Trade::Waterproofing);
    }

    #[test]
    fn rep_6_witnessed_test_before_sign_off_and_a_failed_test_sends_it_back_to_repair() {
        let env = Env::new();
        let k = env.k();
        let mut w = order(&env, "2026-11-27 10:00", false, None);
        w.status = WorkOrderStatus::AwaitingSignOff;
        w.department = Some(7);
        let now = at("2026-11-30 10:00");
        let sign = Action::SignOff { signed_by: "王先生".into(), signature: "x".into(), note: String::new() };
        assert_eq!(w.apply(&sign, By::Department(7), now, &k), Err(TransitionError::NotAllowed { status: WorkOrderStatus::AwaitingSignOff }));
        let no_office = Action::RecordTest { owner_present: true, office_present: false, passed: true, note: String::new() };
        assert!(matches!(w.apply(&no_office, By::Department(7), now, &k), Err(TransitionError::Invalid { field: "office_present", .. })));
        let no_owner = Action::RecordTest { owner_present: false, office_present: true, passed: true, note: String::new() };
        assert!(matches!(w.apply(&no_owner, By::Department(7), now, &k), Err(TransitionError::Invalid { field: "owner_present", .. })));
        let failed = Action::RecordTest { owner_present: true, office_present: true, passed: false, note: "打压试验 10 分钟掉压".into() };
        let ch = w.apply(&failed, By::Department(7), now, &k).expect("failed test recorded");
        assert_eq!((ch.status, ch.test_passed, ch.dues.sign_off), (WorkOrderStatus::InRepair, false, None));
        assert!(ch.dues.finish.is_some_and(|d| d > now));
        let passed = Action::RecordTest { owner_present: true, office_present: true, passed: true, note: String::new() };
        let ch = w.apply(&passed, By::Department(7), now, &k).expect("passed");
        assert_eq!((ch.status, ch.test_passed), (WorkOrderStatus::AwaitingSignOff, true));
        w.test_passed = true;
        assert!(w.apply(&sign, By::Department(7), now, &k).is_ok());
        // Doors and windows need no test; a test of them does not fit.
        w.category = RepairCategory::DoorWindow;
        assert_eq!(w.refusal("record_test", By::Department(7), now, &k), Some(TransitionError::NotAllowed { status: WorkOrderStatus::AwaitingSignOff }));
    }

    #[test]
    fn rcp_3_rep_5_category_and_emergency_are_suggested_from_the_desk_words() {
        assert_eq!(suggest_category("卫生间天花渗水"), RepairCategory::Leak);
        assert_eq!(suggest_category("客厅插座没电"), RepairCategory::Electric);
        assert_eq!(suggest_category("防盗门锁坏了"), RepairCategory::DoorWindow);
        assert_eq!(suggest_category("电梯按钮失灵"), RepairCategory::PublicFacility);
        assert_eq!(suggest_category("不知道什么问题"), RepairCategory::Other);
        assert!(suggest_emergency("厨房水管爆裂，满地是水"));
        assert!(!suggest_emergency("门铃不响"));
    }

    #[test]
    fn rep_policies_stored_before_work_orders_take_the_defaults() {
        let stored: Policies = serde_json::from_str(r#"{"rep_on_site":{"unit":"working_days","n":3}}"#).expect("old policy document");
        assert_eq!(stored.rep_on_site, Clock::WorkingDays(3));
        assert_eq!((stored.rep_accept, stored.rep_emergency, stored.rep_finish, stored.rep_sign_off), {
            let d = Policies::default();
            (d.rep_accept, d.rep_emergency, d.rep_finish, d.rep_sign_off)
        });
    }

    /// The whole table: for every status and actor, exactly these actions fit.
    #[test]
    fn transition_table_is_exhaustive_over_statuses_and_actors() {
        use WorkOrderStatus as S;
        let env = Env::new();
        let k = env.k();
        let now = at("2026-11-27 12:00");
        let expect = |s: S, by: By| -> Vec<&'static str> {
            match (s, by) {
                (S::New, By::CustomerService) => vec!["dispatch", "cancel"],
                (S::New, By::Department(_)) => vec![],
                (S::Dispatched, By::CustomerService) => vec!["arrive", "cancel", "choose_repairer"],
                (S::Dispatched, By::Department(7)) => vec!["arrive", "choose_repairer"],
                (S::OnSite, By::CustomerService) => vec!["start", "cancel", "decide_cause", "choose_repairer"],
                (S::OnSite, By::Department(7)) => vec!["start", "decide_cause", "choose_repairer"],
                (S::InRepair, By::CustomerService | By::Department(7)) => vec!["finish", "decide_cause"],
                (S::AwaitingSignOff, By::CustomerService | By::Department(7)) => vec!["record_test"],
                (S::AwaitingCallback, By::CustomerService) => vec!["callback_done"],
                _ => vec![],
            }
        };
        for s in WorkOrderStatus::ALL {
            for by in [By::CustomerService, By::Department(7), By::Department(8)] {
                let mut w = order(&env, "2026-11-27 10:00", true, None);
                w.status = *s;
                w.department = Some(7);
                assert_eq!(w.allowed(by, now, &k), expect(*s, by), "{s:?} by {by:?}");
                // REP-6: once the test passed (or for work that needs none) sign-off replaces it.
                let signable = |v: Vec<&'static str>| -> Vec<&'static str> { if *s == S::AwaitingSignOff && !v.is_empty() { vec!["sign_off"] } else { v } };
                w.test_passed = true;
                assert_eq!(w.allowed(by, now, &k), signable(expect(*s, by)), "{s:?} by {by:?}, tested");
                w.test_passed = false;
                w.category = RepairCategory::DoorWindow;
                assert_eq!(w.allowed(by, now, &k), signable(expect(*s, by)), "{s:?} by {by:?}, no test needed");
            }
        }
    }

    /// REP-12 in the table: for every status, actor and fee state, a paid repair allows what
    /// an unpaid one does, less the work before the quote is agreed; closing waits for the fee.
    #[test]
    fn rep_12_paid_repair_is_exhaustive_over_statuses_actors_and_fee_states() {
        use WorkOrderStatus as S;
        let env = Env::new();
        let k = env.k();
        let now = at("2026-11-27 12:00");
        let fees = [None, Some(FeeStatus::Quoting), Some(FeeStatus::Agreed), Some(FeeStatus::Collected), Some(FeeStatus::HandedOver)];
        let close = Action::CallbackDone { satisfied: true, note: String::new() };
        for s in WorkOrderStatus::ALL {
            for by in [By::CustomerService, By::Department(7), By::Department(8)] {
                for fee in fees {
                    let mut w = order(&env, "2026-11-27 10:00", false, None);
                    w.status = *s;
                    w.department = Some(7);
                    w.test_passed = true;
                    let unpaid = w.allowed(by, now, &k);
                    w.paid = true;
                    w.fee = fee;
                    let agreed = fee.is_some_and(FeeStatus::agreed);
                    let expect: Vec<&str> = unpaid.iter().copied().filter(|a| agreed || !matches!(*a, "start" | "finish")).collect();
                    assert_eq!(w.allowed(by, now, &k), expect, "{s:?} by {by:?} fee {fee:?}");
                    if *s == S::AwaitingCallback && by == By::CustomerService {
                        let closes = w.apply(&close, by, now, &k).map(|c| c.status);
                        if fee.is_some_and(FeeStatus::collected) {
                            assert_eq!(closes, Ok(S::Closed));
                        } else {
                            assert!(matches!(closes, Err(TransitionError::FeeFirst { .. })), "{fee:?}: {closes:?}");
                            // Dissatisfied still reopens the repair.
                            let reopen = Action::CallbackDone { satisfied: false, note: "仍漏".into() };
                            assert_eq!(w.apply(&reopen, by, now, &k).map(|c| c.status), Ok(S::InRepair));
                        }
                    }
                    if matches!(*s, S::OnSite) && by != By::Department(8) && !agreed {
                        assert!(matches!(w.refusal("start", by, now, &k), Some(TransitionError::FeeFirst { .. })));
                    }
                }
            }
        }
    }

    #[test]
    fn rep_9_rectification_is_due_in_24_hours_and_knows_its_state() {
        let issued = at("2026-11-28 10:00");
        let due = rectification_due(issued);
        assert_eq!(due, at("2026-11-29 10:00"));
        assert_eq!(rectification_state(due, None, at("2026-11-29 09:00")), RectificationState::Open);
        assert_eq!(rectification_state(due, None, at("2026-11-29 11:00")), RectificationState::Overdue);
        assert_eq!(rectification_state(due, Some(at("2026-11-29 09:59")), at("2026-12-01 00:00")), RectificationState::DoneOnTime);
        assert_eq!(rectification_state(due, Some(at("2026-11-29 10:01")), at("2026-12-01 00:00")), RectificationState::DoneLate);
        assert!(callback_found_problem(false, ""));
        assert!(callback_found_problem(true, "地面未清理"));
        assert!(!callback_found_problem(true, "  "));
    }

    #[test]
    fn rpt_1_board_buckets_by_running_deadline() {
        let now = at("2026-11-28 10:00");
        let eod = at("2026-11-29 00:00");
        assert_eq!(deadline_bucket(Some(at("2026-11-28 09:00")), now, eod), DeadlineBucket::Overdue);
        assert_eq!(deadline_bucket(Some(at("2026-11-28 18:00")), now, eod), DeadlineBucket::DueToday);
        assert_eq!(deadline_bucket(Some(at("2026-11-30 18:00")), now, eod), DeadlineBucket::OnTime);
        assert_eq!(deadline_bucket(None, now, eod), DeadlineBucket::OnTime);
    }

    #[test]
    fn rep_13_only_a_closed_repair_is_written_up_as_a_case() {
        for s in WorkOrderStatus::ALL {
            assert_eq!(s.may_write_case(), *s == WorkOrderStatus::Closed, "{s}");
        }
    }

    #[test]
    fn rep_10_number_searches_are_recognised_with_their_ranges() {
        assert_eq!(number("P03", 7), "P03/WXWT007");
        assert_eq!(number("P03", 12345), "P03/WXWT12345");
        let full = NumberSearch::parse(" p03/wxwt0123 ").expect("a number");
        assert_eq!(full.range("P03"), Some(("P03/WXWT0123".into(), "P03/WXWT0124".into())));
        // A typed code is the end of the project's code (`03/` is in `AP03/WXWT…`).
        assert_eq!(full.range("AP03").map(|r| r.1), Some("AP03/WXWT0124".into()));
        assert_eq!(full.range("P04"), None);
        let bare = NumberSearch::parse("WXWT0129").expect("a number");
        assert_eq!(bare.range("HX"), Some(("HX/WXWT0129".into(), "HX/WXWT013".into())));
        assert_eq!(NumberSearch::parse("WXWT999").and_then(|n| n.range("HX")), Some(("HX/WXWT999".into(), "HX/WXWU".into())));
        for q in ["WXWT01", "WXWT", "漏水", "3-1201", "P03/WXWT01a3", "P/03/WXWT0123", "/WXWT0123", "P 3/WXWT0123", "WXW0123", "1WXWT0123"] {
            assert_eq!(NumberSearch::parse(q), None, "{q}");
        }
    }
}
