//! RCP — reception: every contact becomes a record with one category, and the category
//! decides what follows (004 4.4–4.11).

use crate::text_enum;

text_enum! {
    /// RCP-1: how the contact came in.
    Channel {
        Phone = "phone", "电话", "Phone";
        Visit = "visit", "来访", "Visit";
        Letter = "letter", "信函", "Letter";
        Email = "email", "电子邮件", "E-mail";
        Online = "online", "网上留言", "Online message";
        Patrol = "patrol", "巡查发现", "Patrol finding";
        Staff = "staff", "员工报告", "Staff report";
    }
}

text_enum! {
    /// RCP-2: the eight categories of the 业主接待记录表.
    Category {
        AfterSales = "after_sales", "售后", "After-sales";
        Repair = "repair", "报修", "Repair";
        Complaint = "complaint", "投诉", "Complaint";
        Service = "service", "服务", "Paid service";
        Praise = "praise", "表扬", "Praise";
        Suggestion = "suggestion", "建议", "Suggestion";
        Inquiry = "inquiry", "咨询", "Inquiry";
        Other = "other", "其它", "Other";
    }
}

text_enum! {
    /// RCP-7: a record is open until everything it started is closed.
    ReceptionStatus {
        Open = "open", "跟进中", "Open";
        Closed = "closed", "已注销", "Closed";
    }
}

/// RCP-3: what a category starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// 售后: a return slip (物业返修联系单) to the after-sales department the same day, chased until done.
    ReturnSlip,
    /// 报修: a work order, created with the record; the record closes when the order does (RCP-7).
    WorkOrder,
    /// 投诉: a complaint (CMP).
    Complaint,
    /// 服务: a paid service order with its fee.
    ServiceOrder,
    /// 表扬: verified, then noted on the praised staff member's record (STF-5).
    VerifyPraise,
    /// 建议: reported to the project manager.
    ReportToManager,
    /// 咨询: answered on the spot; the record closes at once.
    AnsweredOnSpot,
    /// 其它: e.g. a lost item goes to the lost-and-found register.
    Register,
}

impl Category {
    pub fn follow_up(self) -> FollowUp {
        match self {
            Category::AfterSales => FollowUp::ReturnSlip,
            Category::Repair => FollowUp::WorkOrder,
            Category::Complaint => FollowUp::Complaint,
            Category::Service => FollowUp::ServiceOrder,
            Category::Praise => FollowUp::VerifyPraise,
            Category::Suggestion => FollowUp::ReportToManager,
            Category::Inquiry => FollowUp::AnsweredOnSpot,
            Category::Other => FollowUp::Register,
        }
    }
}

/// RCP-4: written contacts get their receipt time recorded and the sender is told it arrived.
pub fn needs_acknowledgement(c: Channel) -> bool {
    matches!(c, Channel::Letter | Channel::Email | Channel::Online)
}

/// RCP-7: a record may be closed (注销台账) only when what it started is closed. An inquiry
/// answered on the spot has nothing open.
pub fn may_close(status: ReceptionStatus, started_open: usize) -> bool {
    status == ReceptionStatus::Open && started_open == 0
}

text_enum! {
    /// RCP-5: the moments a standard script is shown for.
    ScriptMoment {
        Greeting = "greeting", "接听问候", "Greeting";
        Visitor = "visitor", "来访接待", "Visitor";
        Complaint = "complaint", "投诉受理", "Complaint intake";
        CallbackOpen = "callback_open", "回访开场", "Callback opening";
        CallbackQuestions = "callback_questions", "回访问题", "Callback questions";
        Farewell = "farewell", "结束语", "Farewell";
    }
}

/// RCP-5: the default scripts, from the handbooks; a project replaces `{project}` and may
/// rewrite any of them.
pub fn default_script(m: ScriptMoment) -> &'static str {
    match m {
        ScriptMoment::Greeting => "您好，{project}客户服务中心，请问有什么可以帮到您？",
        ScriptMoment::Visitor => "先生/女士您好，请问您找哪一位？请问您贵姓？",
        ScriptMoment::Complaint => "请您详细说明情况，我们会如实记录并尽快转交相关部门处理，处理进展会及时告知您。（受理时不做承诺）",
        ScriptMoment::CallbackOpen => "您好，我是{project}客户服务中心，我们在__月__日为您处理了……，现在占用您几分钟时间做个回访，可以吗？",
        ScriptMoment::CallbackQuestions => "请问您对处理质量是否满意？对处理速度是否满意？对工作人员的态度是否满意？您还有什么意见和建议吗？",
        ScriptMoment::Farewell => "打扰您了，谢谢您的合作，再见！",
    }
}

/// RCP-5: the longest text a project may write for one moment.
pub const SCRIPT_MAX_CHARS: usize = 1000;

/// RCP-5: the script a project shows at a moment: the text it wrote, else the default.
pub fn project_script(m: ScriptMoment, own: Option<&str>) -> &str {
    own.unwrap_or(default_script(m))
}

/// The script a reception form shows beside a category, so the right words are at hand.
pub fn script_for(c: Category) -> ScriptMoment {
    match c {
        Category::Complaint => ScriptMoment::Complaint,
        _ => ScriptMoment::Greeting,
    }
}

text_enum! {
    /// RCP-3/RCP-7: the state of what a record started besides a complaint (a return slip, a
    /// work order, a service order, a praise to verify, a suggestion for the manager).
    FollowUpState {
        None = "none", "无", "None";
        Pending = "pending", "待办", "Pending";
        Done = "done", "已办结", "Done";
    }
}

/// What a reception record's next actions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceptionState {
    pub status: ReceptionStatus,
    pub channel: Channel,
    pub category: Category,
    pub acknowledged: bool,
    pub replied: bool,
    pub follow_up: FollowUpState,
    /// Things it started that are still open (its complaint, its follow-up, unclaimed lost items).
    pub started_open: usize,
    /// RCP-3: an after-sales record has its return slip, whose completion settles the follow-up
    /// (records from before slips existed are settled by hand).
    pub has_slip: bool,
}

/// The reception record's action table: which follow-up actions fit now (RCP-3, RCP-4, RCP-7).
pub fn allowed(s: &ReceptionState) -> Vec<&'static str> {
    let mut v = Vec::new();
    let written = needs_acknowledgement(s.channel);
    // RCP-4: a written contact is acknowledged on receipt and answered in writing when resolved.
    if written && !s.acknowledged {
        v.push("acknowledge");
    }
    if written && s.acknowledged && !s.replied && s.started_open == 0 {
        v.push("reply");
    }
    if s.status == ReceptionStatus::Open && s.follow_up == FollowUpState::Pending {
        match s.category.follow_up() {
            FollowUp::ReturnSlip if s.has_slip => v.push("chase"),
            FollowUp::ReturnSlip | FollowUp::ServiceOrder => v.extend(["chase", "done"]),
            // RCP-7: a repair's follow-up is done when its work order closes, not by hand.
            FollowUp::WorkOrder => v.push("chase"),
            FollowUp::VerifyPraise => v.push("verify_praise"),
            FollowUp::ReportToManager => v.push("report_manager"),
            FollowUp::Complaint | FollowUp::AnsweredOnSpot | FollowUp::Register => {}
        }
    }
    // 其它 (004 4.6): a lost item goes to the lost-and-found register from its open record.
    if s.status == ReceptionStatus::Open && s.category.follow_up() == FollowUp::Register {
        v.push("register_lost");
    }
    if may_close(s.status, s.started_open) {
        v.push("close");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rcp_2_eight_categories_in_the_handbooks_words() {
        let zh: Vec<&str> = Category::ALL.iter().map(|c| c.zh()).collect();
        assert_eq!(zh, vec!["售后", "报修", "投诉", "服务", "表扬", "建议", "咨询", "其它"]);
        assert_eq!(Category::parse("投诉"), Ok(Category::Complaint));
    }

    #[test]
    fn rcp_3_category_decides_what_follows() {
        assert_eq!(Category::AfterSales.follow_up(), FollowUp::ReturnSlip);
        assert_eq!(Category::Repair.follow_up(), FollowUp::WorkOrder);
        assert_eq!(Category::Complaint.follow_up(), FollowUp::Complaint);
        assert_eq!(Category::Inquiry.follow_up(), FollowUp::AnsweredOnSpot);
        assert_eq!(Category::Other.follow_up(), FollowUp::Register);
    }

    #[test]
    fn rcp_4_written_contacts_are_acknowledged() {
        assert!(needs_acknowledgement(Channel::Letter));
        assert!(needs_acknowledgement(Channel::Online));
        assert!(!needs_acknowledgement(Channel::Phone));
    }

    #[test]
    fn rcp_7_a_record_closes_only_when_everything_it_started_is_closed() {
        assert!(!may_close(ReceptionStatus::Open, 1));
        assert!(may_close(ReceptionStatus::Open, 0));
        assert!(!may_close(ReceptionStatus::Closed, 0));
    }

    #[test]
    fn rcp_3_rcp_4_rcp_7_reception_action_table() {
        let letter = ReceptionState {
            status: ReceptionStatus::Open,
            channel: Channel::Letter,
            category: Category::AfterSales,
            acknowledged: false,
            replied: false,
            follow_up: FollowUpState::Pending,
            started_open: 1,
            has_slip: false,
        };
        assert_eq!(allowed(&letter), vec!["acknowledge", "chase", "done"], "an after-sales record from before return slips");
        let slipped = ReceptionState { has_slip: true, ..letter };
        assert_eq!(allowed(&slipped), vec!["acknowledge", "chase"], "RCP-3/RCP-7: its return slip settles it");
        let done = ReceptionState { acknowledged: true, follow_up: FollowUpState::Done, started_open: 0, ..letter };
        assert_eq!(allowed(&done), vec!["reply", "close"], "a written reply when resolved, then close");
        let complaint = ReceptionState { channel: Channel::Phone, category: Category::Complaint, follow_up: FollowUpState::None, started_open: 1, ..letter };
        assert!(allowed(&complaint).is_empty(), "RCP-7: nothing to do here while its complaint is open");
        let repair = ReceptionState { channel: Channel::Phone, category: Category::Repair, ..letter };
        assert_eq!(allowed(&repair), vec!["chase"], "RCP-7: its work order closes it");
        let praise = ReceptionState { channel: Channel::Visit, category: Category::Praise, started_open: 1, ..letter };
        assert_eq!(allowed(&praise), vec!["verify_praise"]);
        let closed = ReceptionState { status: ReceptionStatus::Closed, started_open: 0, follow_up: FollowUpState::Done, channel: Channel::Phone, ..letter };
        assert!(allowed(&closed).is_empty());
        let other = ReceptionState { channel: Channel::Visit, category: Category::Other, follow_up: FollowUpState::None, started_open: 0, ..letter };
        assert_eq!(allowed(&other), vec!["register_lost", "close"], "FD-3: a lost item is registered from an open 其它 record");
    }

    #[test]
    fn rcp_5_scripts_exist_for_every_moment() {
        for m in ScriptMoment::ALL {
            assert!(!default_script(*m).is_empty());
        }
        assert!(default_script(ScriptMoment::Greeting).contains("{project}"));
        assert_eq!(script_for(Category::Complaint), ScriptMoment::Complaint);
    }

    #[test]
    fn rcp_5_a_projects_own_script_replaces_the_default() {
        assert_eq!(project_script(ScriptMoment::Farewell, None), default_script(ScriptMoment::Farewell));
        assert_eq!(project_script(ScriptMoment::Farewell, Some("祝您生活愉快！")), "祝您生活愉快！");
    }
}
