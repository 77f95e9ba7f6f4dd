//! REP-11 — what a contractor is owed and charged (001 SM03-13, SM03-19, SM03-22–25, section 12):
//! the period evaluation (维修商评估表), deductions (扣款通知单) against the party a work order's
//! REP-3 responsibility names, temporary labour slips (临时用工单), the settlement statement
//! (工程结算表) and its payment request (请款申请书). Each paper has its own small transition
//! table; `allowed` asks the table itself, so buttons and 409 answers cannot disagree.

use crate::access::Role;
use crate::text_enum;
use crate::work_order::Responsibility;
use chrono::NaiveDate;

/// The largest amount one work order, deduction or labour slip may carry: 10 million yuan, in
/// fen. Anything above is a typing error, not a repair.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000;

text_enum! {
    /// Who a deduction is charged to (REP-3): the original contractor or the developer. An
    /// owner's fault is a paid repair (REP-12), never a deduction.
    Party {
        Contractor = "contractor", "维修商", "Contractor";
        Developer = "developer", "开发商", "Developer";
    }
}

text_enum! {
    DeductionStatus {
        Draft = "draft", "草稿", "Draft";
        Approved = "approved", "已审批", "Approved";
        Charged = "charged", "已结算扣除", "Charged";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

text_enum! {
    LabourSlipStatus {
        Draft = "draft", "待审批", "Awaiting approval";
        Approved = "approved", "已审批", "Approved";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

text_enum! {
    /// How a labour slip counts time.
    LabourUnit {
        Day = "day", "工日", "Days";
        Hour = "hour", "工时", "Hours";
    }
}

text_enum! {
    PaymentStatus {
        Submitted = "submitted", "已提交", "Submitted";
        Approved = "approved", "已审批", "Approved";
        Paid = "paid", "已付款", "Paid";
        Rejected = "rejected", "已退回", "Rejected";
    }
}

text_enum! {
    /// SM03-19: the overall grade of a contractor for a period.
    Grade {
        Excellent = "excellent", "优秀", "Excellent";
        Good = "good", "良好", "Good";
        Pass = "pass", "合格", "Pass";
        Fail = "fail", "不合格", "Fail";
    }
}

/// REP-3 → REP-11: who a deduction on a work order with this responsibility is charged to.
pub fn deduction_party(r: Responsibility) -> Option<Party> {
    match r {
        Responsibility::Contractor => Some(Party::Contractor),
        Responsibility::Developer => Some(Party::Developer),
        Responsibility::Owner => None,
    }
}

/// Who approves deductions and labour slips: the customer-service supervisor or manager (and
/// the administrator), never the engineer who drafted them.
pub fn may_approve_charges(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager | Role::Supervisor)
}

/// Who approves a payment request: the manager (and the administrator).
pub fn may_approve_payment(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager)
}

/// Who records a payment as made: finance (and the administrator).
pub fn may_pay(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Finance)
}

/// Why a step of one of these papers is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// The step does not fit the paper's status (409 with what does).
    NotAllowed,
    /// The role may not take this step (403).
    NotYourRole,
    /// A required text is empty (422).
    Missing(&'static str),
}

fn need(s: &str, what: &'static str) -> Result<(), StepError> {
    if s.trim().is_empty() { Err(StepError::Missing(what)) } else { Ok(()) }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeductionAction {
    /// A supervisor or manager approves the draft.
    Approve,
    /// Withdrawn before it is charged, with the reason.
    Cancel { reason: String },
    /// Included in a settlement statement; only generating a settlement takes this step.
    Charge,
}

impl DeductionAction {
    pub fn code(&self) -> &'static str {
        match self {
            DeductionAction::Approve => "approve",
            DeductionAction::Cancel { .. } => "cancel",
            DeductionAction::Charge => "charge",
        }
    }
}

impl DeductionStatus {
    /// The deduction table. `role` is `None` for the settlement, which is not a person.
    pub fn apply(self, a: &DeductionAction, role: Option<Role>) -> Result<DeductionStatus, StepError> {
        use DeductionAction as A;
        use DeductionStatus as S;
        match (self, a) {
            (S::Draft, A::Approve) => match role {
                Some(r) if may_approve_charges(r) => Ok(S::Approved),
                _ => Err(StepError::NotYourRole),
            },
            (S::Draft, A::Cancel { reason }) => need(reason, "reason").map(|_| S::Cancelled),
            // What an approver signed is withdrawn by an approver.
            (S::Approved, A::Cancel { reason }) => match role {
                Some(r) if may_approve_charges(r) => need(reason, "reason").map(|_| S::Cancelled),
                _ => Err(StepError::NotYourRole),
            },
            (S::Approved, A::Charge) if role.is_none() => Ok(S::Charged),
            (S::Approved, A::Charge) => Err(StepError::NotYourRole),
            _ => Err(StepError::NotAllowed),
        }
    }
    /// What a person with `role` may do now (charging is never offered: the settlement does it).
    pub fn allowed(self, role: Role) -> Vec<&'static str> {
        [DeductionAction::Approve, DeductionAction::Cancel { reason: "x".into() }]
            .iter()
            .filter(|a| self.apply(a, Some(role)).is_ok())
            .map(DeductionAction::code)
            .collect()
    }
    /// Only approved deductions reduce a settlement; drafts wait for approval.
    pub fn is_chargeable(self) -> bool {
        self == DeductionStatus::Approved
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlipAction {
    Approve,
    Cancel { reason: String },
}

impl SlipAction {
    pub fn code(&self) -> &'static str {
        match self {
            SlipAction::Approve => "approve",
            SlipAction::Cancel { .. } => "cancel",
        }
    }
}

impl LabourSlipStatus {
    /// The labour slip table: a supervisor approves it; an approved slip is a record of work
    /// paid for and is no longer cancelled.
    pub fn apply(self, a: &SlipAction, role: Role) -> Result<LabourSlipStatus, StepError> {
        use LabourSlipStatus as S;
        match (self, a) {
            (S::Draft, SlipAction::Approve) if may_approve_charges(role) => Ok(S::Approved),
            (S::Draft, SlipAction::Approve) => Err(StepError::NotYourRole),
            (S::Draft, SlipAction::Cancel { reason }) => need(reason, "reason").map(|_| S::Cancelled),
            _ => Err(StepError::NotAllowed),
        }
    }
    pub fn allowed(self, role: Role) -> Vec<&'static str> {
        [SlipAction::Approve, SlipAction::Cancel { reason: "x".into() }].iter().filter(|a| self.apply(a, role).is_ok()).map(SlipAction::code).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentAction {
    Approve,
    /// Sent back with the reason; the settlement stays, a new request may be made from it.
    Reject {
        reason: String,
    },
    Pay,
}

impl PaymentAction {
    pub fn code(&self) -> &'static str {
        match self {
            PaymentAction::Approve => "approve",
            PaymentAction::Reject { .. } => "reject",
            PaymentAction::Pay => "pay",
        }
    }
}

impl PaymentStatus {
    /// The payment request table: submitted → approved (manager) → paid (finance).
    pub fn apply(self, a: &PaymentAction, role: Role) -> Result<PaymentStatus, StepError> {
        use PaymentAction as A;
        use PaymentStatus as S;
        let (next, may) = match (self, a) {
            (S::Submitted, A::Approve) => (S::Approved, may_approve_payment(role)),
            (S::Submitted, A::Reject { reason }) => {
                need(reason, "reason")?;
                (S::Rejected, may_approve_payment(role))
            }
            (S::Approved, A::Pay) => (S::Paid, may_pay(role)),
            _ => return Err(StepError::NotAllowed),
        };
        if may { Ok(next) } else { Err(StepError::NotYourRole) }
    }
    pub fn allowed(self, role: Role) -> Vec<&'static str> {
        [PaymentAction::Approve, PaymentAction::Reject { reason: "x".into() }, PaymentAction::Pay]
            .iter()
            .filter(|a| self.apply(a, role).is_ok())
            .map(PaymentAction::code)
            .collect()
    }
    /// A settlement has at most one request that is still alive; a rejected one frees it.
    pub fn is_live(self) -> bool {
        self != PaymentStatus::Rejected
    }
}

/// A period's first and last day, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Span {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Span, (&'static str, &'static str)> {
        if to < from {
            return Err(("结束日期不能早于开始日期", "the end may not be before the start"));
        }
        if from.checked_add_months(chrono::Months::new(12)).is_none_or(|end| to >= end) {
            return Err(("期间不能超过一年", "a period may not be longer than a year"));
        }
        Ok(Span { from, to })
    }
}

/// Checks an amount typed for a work order, deduction or rate.
pub fn check_amount(fen: i64, allow_zero: bool) -> Result<i64, (&'static str, &'static str)> {
    if fen < 0 || (!allow_zero && fen == 0) {
        return Err(("金额须大于 0", "the amount must be greater than 0"));
    }
    if fen > MAX_AMOUNT_FEN {
        return Err(("金额超过 1000 万元，请核对", "the amount exceeds 10 million yuan; check it"));
    }
    Ok(fen)
}

/// A settlement's totals (fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub gross: i64,
    pub deductions: i64,
    pub payable: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettleError {
    /// Nothing completed and nothing to deduct in the period.
    Empty,
    /// The approved deductions are more than the work done: the statement would owe the
    /// contractor a negative sum. It is not generated; the excess is recovered separately
    /// (or the deductions wait for a later period's work).
    DeductionsExceedWork { gross: i64, deductions: i64 },
    /// The sums do not fit in an i64 (never with amounts under `MAX_AMOUNT_FEN` and sane counts).
    Overflow,
}

/// SM03-13: the sum of the work orders' agreed amounts, less the approved deductions, is what
/// is payable. A negative payable is refused, never written.
pub fn settle(lines: &[i64], deductions: &[i64]) -> Result<Totals, SettleError> {
    if lines.is_empty() && deductions.is_empty() {
        return Err(SettleError::Empty);
    }
    let sum = |xs: &[i64]| xs.iter().try_fold(0i64, |a, x| a.checked_add(*x)).ok_or(SettleError::Overflow);
    let gross = sum(lines)?;
    let deductions = sum(deductions)?;
    let payable = gross.checked_sub(deductions).ok_or(SettleError::Overflow)?;
    if payable < 0 {
        return Err(SettleError::DeductionsExceedWork { gross, deductions });
    }
    Ok(Totals { gross, deductions, payable })
}

/// SM03-23: a labour slip's amount — workers × quantity (in hundredths of a day or hour) ×
/// rate (fen per day or hour), rounded half up to the fen; None when absurd.
pub fn labour_amount(workers: i64, quantity_centi: i64, rate_fen: i64) -> Option<i64> {
    if !(1..=200).contains(&workers) || quantity_centi <= 0 || rate_fen <= 0 {
        return None;
    }
    let total = (workers as i128) * (quantity_centi as i128) * (rate_fen as i128);
    let fen = (total + 50) / 100;
    i64::try_from(fen).ok().filter(|f| *f <= MAX_AMOUNT_FEN)
}

/// SM03-19: a contractor's record over a period, fed by its work orders' on-time results,
/// their callback ratings and the rectifications the callbacks found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// Jobs finished in the period (with a finish on-time result).
    pub jobs: i64,
    pub on_time: i64,
    /// Callbacks with ratings, and the sum of each rating (1–5).
    pub rated: i64,
    pub quality_sum: i64,
    pub speed_sum: i64,
    pub attitude_sum: i64,
    pub rectifications: i64,
}

impl Record {
    /// The on-time rate in whole percent (None without jobs).
    pub fn on_time_percent(&self) -> Option<i64> {
        (self.jobs > 0).then(|| self.on_time * 100 / self.jobs)
    }
    /// An average rating in hundredths (4.33 → 433), None when nobody rated.
    fn avg(&self, sum: i64) -> Option<i64> {
        (self.rated > 0).then(|| (sum * 100 + self.rated / 2) / self.rated)
    }
    pub fn quality_avg(&self) -> Option<i64> {
        self.avg(self.quality_sum)
    }
    pub fn speed_avg(&self) -> Option<i64> {
        self.avg(self.speed_sum)
    }
    pub fn attitude_avg(&self) -> Option<i64> {
        self.avg(self.attitude_sum)
    }
    /// The grade the numbers suggest; the evaluator decides. Failing when under 80% on time,
    /// any rating average under 3, or more than one rectification in five jobs.
    pub fn suggested_grade(&self) -> Option<Grade> {
        let pct = self.on_time_percent()?;
        let low = [self.quality_avg(), self.speed_avg(), self.attitude_avg()].iter().flatten().copied().min().unwrap_or(500);
        let rect = self.rectifications * 100 / self.jobs;
        Some(if pct < 80 || low < 300 || rect > 20 {
            Grade::Fail
        } else if pct >= 95 && low >= 450 && self.rectifications == 0 {
            Grade::Excellent
        } else if pct >= 90 && low >= 400 {
            Grade::Good
        } else {
            Grade::Pass
        })
    }
}

/// Formats hundredths ("433" → "4.33"); the same shape as fen.
pub fn centi(v: Option<i64>) -> String {
    v.map(crate::values::format_centi).unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeductionAction as DA;
    use DeductionStatus as DS;

    #[test]
    fn rep_11_deduction_table_is_exhaustive() {
        let cancel = DA::Cancel { reason: "重复开单".into() };
        for s in DeductionStatus::ALL {
            for r in Role::ALL {
                let want_approve = if *s == DS::Draft {
                    if may_approve_charges(*r) { Ok(DS::Approved) } else { Err(StepError::NotYourRole) }
                } else {
                    Err(StepError::NotAllowed)
                };
                assert_eq!(s.apply(&DA::Approve, Some(*r)), want_approve, "{s} approve by {r}");
                let want_cancel = match s {
                    DS::Draft => Ok(DS::Cancelled),
                    DS::Approved if may_approve_charges(*r) => Ok(DS::Cancelled),
                    DS::Approved => Err(StepError::NotYourRole),
                    _ => Err(StepError::NotAllowed),
                };
                assert_eq!(s.apply(&cancel, Some(*r)), want_cancel, "{s} cancel by {r}");
                let want_charge = if *s == DS::Approved { Err(StepError::NotYourRole) } else { Err(StepError::NotAllowed) };
                assert_eq!(s.apply(&DA::Charge, Some(*r)), want_charge, "{s}: a person never charges by hand");
            }
            let by_settlement = if *s == DS::Approved { Ok(DS::Charged) } else { Err(StepError::NotAllowed) };
            assert_eq!(s.apply(&DA::Charge, None), by_settlement, "{s} charged by a settlement");
            assert_eq!(s.apply(&DA::Approve, None), if *s == DS::Draft { Err(StepError::NotYourRole) } else { Err(StepError::NotAllowed) });
        }
        assert_eq!(DS::Draft.apply(&DA::Cancel { reason: " ".into() }, Some(Role::Engineering)), Err(StepError::Missing("reason")));
        assert_eq!(DS::Draft.allowed(Role::Supervisor), ["approve", "cancel"]);
        assert_eq!(DS::Draft.allowed(Role::Engineering), ["cancel"]);
        assert!(DS::Approved.allowed(Role::Engineering).is_empty(), "an approved deduction is withdrawn by an approver");
        assert_eq!(DS::Approved.allowed(Role::Manager), ["cancel"]);
        assert!(DS::Charged.allowed(Role::Admin).is_empty() && DS::Cancelled.allowed(Role::Admin).is_empty());
        assert!(DS::Approved.is_chargeable() && !DS::Draft.is_chargeable());
    }

    #[test]
    fn rep_11_deductions_are_charged_to_the_party_rep_3_names() {
        assert_eq!(deduction_party(Responsibility::Contractor), Some(Party::Contractor));
        assert_eq!(deduction_party(Responsibility::Developer), Some(Party::Developer));
        assert_eq!(deduction_party(Responsibility::Owner), None, "an owner pays for a paid repair, not through a deduction");
    }

    #[test]
    fn rep_11_labour_slip_and_payment_tables_are_exhaustive() {
        use LabourSlipStatus as L;
        use PaymentAction as PA;
        use PaymentStatus as P;
        for r in Role::ALL {
            for s in L::ALL {
                let approve = match s {
                    L::Draft if may_approve_charges(*r) => Ok(L::Approved),
                    L::Draft => Err(StepError::NotYourRole),
                    _ => Err(StepError::NotAllowed),
                };
                assert_eq!(s.apply(&SlipAction::Approve, *r), approve, "{s} {r}");
                let cancel = if *s == L::Draft { Ok(L::Cancelled) } else { Err(StepError::NotAllowed) };
                assert_eq!(s.apply(&SlipAction::Cancel { reason: "x".into() }, *r), cancel, "{s} {r}");
            }
            for s in P::ALL {
                let gate = |next: P, may: bool| if may { Ok(next) } else { Err(StepError::NotYourRole) };
                let approve = if *s == P::Submitted { gate(P::Approved, may_approve_payment(*r)) } else { Err(StepError::NotAllowed) };
                let reject = if *s == P::Submitted { gate(P::Rejected, may_approve_payment(*r)) } else { Err(StepError::NotAllowed) };
                let pay = if *s == P::Approved { gate(P::Paid, may_pay(*r)) } else { Err(StepError::NotAllowed) };
                assert_eq!(s.apply(&PA::Approve, *r), approve, "{s} approve {r}");
                assert_eq!(s.apply(&PA::Reject { reason: "金额有误".into() }, *r), reject, "{s} reject {r}");
                assert_eq!(s.apply(&PA::Pay, *r), pay, "{s} pay {r}");
            }
        }
        assert_eq!(P::Submitted.apply(&PA::Reject { reason: "".into() }, Role::Manager), Err(StepError::Missing("reason")));
        assert_eq!(P::Submitted.allowed(Role::Manager), ["approve", "reject"]);
        assert_eq!(P::Approved.allowed(Role::Finance), ["pay"]);
        assert!(P::Approved.allowed(Role::Supervisor).is_empty(), "a supervisor neither approves payments nor pays");
        assert!(!P::Rejected.is_live() && P::Paid.is_live());
    }

    #[test]
    fn rep_11_settlement_is_lines_less_deductions_and_never_negative() {
        assert_eq!(settle(&[120_000, 30_050], &[10_000]), Ok(Totals { gross: 150_050, deductions: 10_000, payable: 140_050 }));
        assert_eq!(settle(&[50_000], &[]), Ok(Totals { gross: 50_000, deductions: 0, payable: 50_000 }));
        assert_eq!(settle(&[50_000], &[50_000]).map(|t| t.payable), Ok(0), "exactly offset is a statement of nothing payable");
        assert_eq!(settle(&[10_000], &[8_000, 5_000]), Err(SettleError::DeductionsExceedWork { gross: 10_000, deductions: 13_000 }));
        assert_eq!(settle(&[], &[]), Err(SettleError::Empty));
        assert_eq!(settle(&[], &[100]), Err(SettleError::DeductionsExceedWork { gross: 0, deductions: 100 }));
        assert_eq!(settle(&[i64::MAX, 1], &[]), Err(SettleError::Overflow));
    }

    #[test]
    fn rep_11_amounts_and_labour_arithmetic() {
        assert_eq!(check_amount(0, true), Ok(0));
        assert!(check_amount(0, false).is_err() && check_amount(-1, true).is_err());
        assert!(check_amount(MAX_AMOUNT_FEN + 1, true).is_err() && check_amount(MAX_AMOUNT_FEN, true).is_ok());
        // 3 workers × 1.5 days × 280.00 yuan = 1260.00 yuan.
        assert_eq!(labour_amount(3, 150, 28_000), Some(126_000));
        // 1 worker × 0.33 hours × 0.05 yuan = 0.0165 yuan → 0.02 yuan (half up).
        assert_eq!(labour_amount(1, 33, 5), Some(2));
        assert_eq!(labour_amount(0, 100, 100), None);
        assert_eq!(labour_amount(201, 100, 100), None);
        assert_eq!(labour_amount(1, 0, 100), None);
        assert_eq!(labour_amount(200, 36_600, MAX_AMOUNT_FEN), None, "absurd totals are refused");
    }

    #[test]
    fn rep_11_which_work_orders_take_slips_charges_and_settlement() {
        use crate::work_order::WorkOrderStatus as W;
        let settleable: Vec<W> = W::ALL.iter().copied().filter(|s| s.is_settleable()).collect();
        assert_eq!(settleable, [W::Closed]);
        let slips: Vec<W> = W::ALL.iter().copied().filter(|s| s.takes_labour_slip()).collect();
        assert_eq!(slips, [W::InRepair, W::AwaitingSignOff, W::AwaitingCallback, W::Closed]);
        assert!(W::ALL.iter().all(|s| s.takes_charges() == (*s != W::Cancelled)));
    }

    #[test]
    fn rep_11_period_spans_and_the_evaluation_record() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert!(Span::new(d("2026-01-01"), d("2026-03-31")).is_ok());
        assert!(Span::new(d("2026-03-31"), d("2026-01-01")).is_err());
        assert!(Span::new(d("2024-01-01"), d("2024-12-31")).is_ok(), "a leap year is one year");
        assert!(Span::new(d("2026-01-01"), d("2027-01-01")).is_err());

        let r = Record { jobs: 10, on_time: 9, rated: 3, quality_sum: 13, speed_sum: 12, attitude_sum: 15, rectifications: 1 };
        assert_eq!(r.on_time_percent(), Some(90));
        assert_eq!((r.quality_avg(), r.speed_avg(), r.attitude_avg()), (Some(433), Some(400), Some(500)));
        assert_eq!(r.suggested_grade(), Some(Grade::Good));
        assert_eq!(Record { jobs: 10, on_time: 7, ..r }.suggested_grade(), Some(Grade::Fail));
        assert_eq!(Record { rectifications: 3, ..r }.suggested_grade(), Some(Grade::Fail));
        assert_eq!(Record { on_time: 10, quality_sum: 14, speed_sum: 14, rectifications: 0, ..r }.suggested_grade(), Some(Grade::Excellent));
        assert_eq!(Record::default().suggested_grade(), None, "no jobs, no suggestion");
        assert_eq!(centi(r.quality_avg()), "4.33");
    }
}
