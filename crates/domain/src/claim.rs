//! CMP-12 — claims (索赔), attached to a complaint: respond to the claimant, gather the
//! departments' opinions, draft a compensation plan, get legal advice, negotiate and revise
//! until the customer accepts, fix responsibility and write the report, get the supervisor's
//! approval, then each department executes (001 9.4, 8.1.7). One transition function.

use crate::access::Role;
use crate::text_enum;

text_enum! {
    ClaimStatus {
        Received = "received", "已受理", "Received";
        Responded = "responded", "已回应客户", "Responded";
        OpinionsGathered = "opinions_gathered", "已征询部门意见", "Opinions gathered";
        PlanDrafted = "plan_drafted", "已拟定赔偿方案", "Plan drafted";
        LegalAdvised = "legal_advised", "已咨询律师", "Legal advice taken";
        Agreed = "agreed", "客户已认可", "Accepted by customer";
        Reported = "reported", "已形成赔偿报告", "Report written";
        Approved = "approved", "领导已批复", "Approved";
        Executed = "executed", "已执行", "Executed";
        Withdrawn = "withdrawn", "已撤回", "Withdrawn";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimAction {
    /// Tell the claimant the claim was received and will be handled.
    Respond {
        note: String,
    },
    /// The departments' opinions on cause and compensation.
    GatherOpinions {
        opinions: String,
    },
    /// A compensation plan with its amount in fen (also a revision during negotiation).
    DraftPlan {
        plan: String,
        amount: i64,
    },
    /// 8.1.7: every claim goes through legal advice.
    LegalAdvice {
        advice: String,
    },
    /// The customer's answer to the plan: accepted, or back to a revised plan.
    CustomerAnswer {
        accepted: bool,
        note: String,
    },
    /// Responsibility fixed and the compensation report written.
    Report {
        responsibility: String,
        report: String,
    },
    /// 8.1.7: the supervising head approves — or sends the plan back for revision.
    Decide {
        approved: bool,
        opinion: String,
    },
    /// Each department carries out its part; `last` when the final one has.
    Execute {
        note: String,
        last: bool,
    },
    Withdraw {
        reason: String,
    },
}

impl ClaimAction {
    pub fn code(&self) -> &'static str {
        match self {
            ClaimAction::Respond { .. } => "respond",
            ClaimAction::GatherOpinions { .. } => "gather_opinions",
            ClaimAction::DraftPlan { .. } => "draft_plan",
            ClaimAction::LegalAdvice { .. } => "legal_advice",
            ClaimAction::CustomerAnswer { .. } => "customer_answer",
            ClaimAction::Report { .. } => "report",
            ClaimAction::Decide { .. } => "decide",
            ClaimAction::Execute { .. } => "execute",
            ClaimAction::Withdraw { .. } => "withdraw",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimError {
    NotAllowed(ClaimStatus),
    Missing(&'static str),
    /// Only the supervising head (manager or administrator) decides on a claim.
    NotTheHead,
    BadAmount,
}

/// The largest amount a claim plan may carry: 100 million yuan, in fen.
pub const MAX_CLAIM_FEN: i64 = 10_000_000_000;

/// Who may decide (8.1.7 "公司主管领导"): the customer-service manager or an administrator.
pub fn may_decide(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

fn need(s: &str, what: &'static str) -> Result<(), ClaimError> {
    if s.trim().is_empty() { Err(ClaimError::Missing(what)) } else { Ok(()) }
}

/// The claim transition table.
pub fn apply(status: ClaimStatus, action: &ClaimAction, role: Role) -> Result<ClaimStatus, ClaimError> {
    use ClaimAction as A;
    use ClaimStatus as S;
    match (status, action) {
        (S::Received, A::Respond { note }) => need(note, "note").map(|_| S::Responded),
        (S::Responded, A::GatherOpinions { opinions }) => need(opinions, "opinions").map(|_| S::OpinionsGathered),
        (S::OpinionsGathered, A::DraftPlan { plan, amount }) => {
            need(plan, "plan")?;
            if *amount < 0 || *amount > MAX_CLAIM_FEN {
                return Err(ClaimError::BadAmount);
            }
            Ok(S::PlanDrafted)
        }
        (S::PlanDrafted, A::LegalAdvice { advice }) => need(advice, "advice").map(|_| S::LegalAdvised),
        // Negotiation: accepted moves on; refused sends the plan back to be revised.
        (S::LegalAdvised, A::CustomerAnswer { accepted: true, .. }) => Ok(S::Agreed),
        (S::LegalAdvised, A::CustomerAnswer { accepted: false, note }) => need(note, "note").map(|_| S::OpinionsGathered),
        (S::Agreed, A::Report { responsibility, report }) => {
            need(responsibility, "responsibility")?;
            need(report, "report").map(|_| S::Reported)
        }
        (S::Reported, A::Decide { approved, opinion }) => {
            if !may_decide(role) {
                return Err(ClaimError::NotTheHead);
            }
            need(opinion, "opinion")?;
            Ok(if *approved { S::Approved } else { S::OpinionsGathered })
        }
        (S::Approved, A::Execute { note, last }) => need(note, "note").map(|_| if *last { S::Executed } else { S::Approved }),
        (S::Received | S::Responded | S::OpinionsGathered | S::PlanDrafted | S::LegalAdvised | S::Agreed | S::Reported, A::Withdraw { reason }) => {
            need(reason, "reason").map(|_| S::Withdrawn)
        }
        _ => Err(ClaimError::NotAllowed(status)),
    }
}

/// The action codes possible in a status, for buttons.
pub fn allowed(status: ClaimStatus, role: Role) -> Vec<&'static str> {
    let samples = [
        ClaimAction::Respond { note: "x".into() },
        ClaimAction::GatherOpinions { opinions: "x".into() },
        ClaimAction::DraftPlan { plan: "x".into(), amount: 0 },
        ClaimAction::LegalAdvice { advice: "x".into() },
        ClaimAction::CustomerAnswer { accepted: true, note: "x".into() },
        ClaimAction::Report { responsibility: "x".into(), report: "x".into() },
        ClaimAction::Decide { approved: true, opinion: "x".into() },
        ClaimAction::Execute { note: "x".into(), last: false },
        ClaimAction::Withdraw { reason: "x".into() },
    ];
    samples.iter().filter(|a| apply(status, a, role).is_ok()).map(ClaimAction::code).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClaimAction as A;
    use ClaimStatus as S;

    #[test]
    fn cmp_12_a_claim_walks_respond_opinions_plan_legal_negotiation_report_approval_execution() {
        let r = Role::Specialist;
        let mut s = S::Received;
        for a in [
            A::Respond { note: "已回应客户，三日内答复".into() },
            A::GatherOpinions { opinions: "工程部：水管老化".into() },
            A::DraftPlan { plan: "赔偿地板维修费".into(), amount: 500_000 },
            A::LegalAdvice { advice: "责任在我方，金额合理".into() },
        ] {
            s = apply(s, &a, r).expect("step");
        }
        // The customer refuses: back to a revised plan, which needs legal advice again.
        s = apply(s, &A::CustomerAnswer { accepted: false, note: "金额太低".into() }, r).expect("refused");
        assert_eq!(s, S::OpinionsGathered);
        s = apply(s, &A::DraftPlan { plan: "赔偿地板及家具".into(), amount: 800_000 }, r).expect("revised");
        s = apply(s, &A::LegalAdvice { advice: "可行".into() }, r).expect("legal");
        s = apply(s, &A::CustomerAnswer { accepted: true, note: String::new() }, r).expect("accepted");
        s = apply(s, &A::Report { responsibility: "工程部维保不到位".into(), report: "赔偿报告".into() }, r).expect("report");
        // Only the head decides.
        assert_eq!(apply(s, &A::Decide { approved: true, opinion: "同意".into() }, r), Err(ClaimError::NotTheHead));
        s = apply(s, &A::Decide { approved: true, opinion: "同意".into() }, Role::Manager).expect("approved");
        s = apply(s, &A::Execute { note: "财务部已付款".into(), last: false }, r).expect("part");
        assert_eq!(s, S::Approved);
        s = apply(s, &A::Execute { note: "工程部已修复".into(), last: true }, r).expect("done");
        assert_eq!(s, S::Executed);
        assert!(allowed(s, Role::Manager).is_empty());
    }

    #[test]
    fn cmp_12_legal_advice_cannot_be_skipped_and_texts_are_required() {
        let r = Role::Specialist;
        assert_eq!(apply(S::PlanDrafted, &A::CustomerAnswer { accepted: true, note: String::new() }, r), Err(ClaimError::NotAllowed(S::PlanDrafted)));
        assert_eq!(apply(S::Received, &A::Respond { note: " ".into() }, r), Err(ClaimError::Missing("note")));
        assert_eq!(apply(S::OpinionsGathered, &A::DraftPlan { plan: "p".into(), amount: -1 }, r), Err(ClaimError::BadAmount));
        assert_eq!(apply(S::Reported, &A::Decide { approved: false, opinion: "重新核算".into() }, Role::Admin), Ok(S::OpinionsGathered));
        assert_eq!(apply(S::Approved, &A::Withdraw { reason: "x".into() }, r), Err(ClaimError::NotAllowed(S::Approved)));
        assert_eq!(allowed(S::Reported, Role::Receptionist), vec!["withdraw"]);
        assert_eq!(allowed(S::Reported, Role::Manager), vec!["decide", "withdraw"]);
    }
}
