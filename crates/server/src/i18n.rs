//! Chinese first, English available. Templates write the Chinese text itself as the key
//! (`ctx.t("房屋")`), so pages read naturally in the source; `EN` gives the English.
//! A test checks that every key used in a template has its English entry.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_code(s: &str) -> Lang {
        if s.eq_ignore_ascii_case("en") { Lang::En } else { Lang::Zh }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn is_en(self) -> bool {
        self == Lang::En
    }
    pub fn t(self, zh: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => EN_MAP.get(zh).copied().unwrap_or(zh),
        }
    }
}

static EN_MAP: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| EN.iter().copied().collect());

pub static EN: &[(&str, &str)] = &[
    ("物业客服中心", "Property service centre"),
    ("提交的内容有误，请检查标红的字段", "Some fields need attention (marked in red)"),
    ("工作台", "Dashboard"),
    ("档案", "Archive"),
    ("项目", "Projects"),
    ("楼栋", "Buildings"),
    ("房屋", "Units"),
    ("客户", "Parties"),
    ("登记册", "Registers"),
    ("产权清册", "Property-rights register"),
    ("租赁清册", "Lease register"),
    ("数据导入", "Import"),
    ("系统管理", "Administration"),
    ("员工账号", "Staff accounts"),
    ("部门", "Departments"),
    ("审计日志", "Audit log"),
    ("搜索", "Search"),
    ("房号、姓名、电话", "Unit no., name, phone"),
    ("退出登录", "Log out"),
    ("切换项目", "Switch project"),
    ("全部项目", "All projects"),
    ("登录", "Log in"),
    ("用户名", "Username"),
    ("密码", "Password"),
    ("用户名或密码错误", "Wrong username or password"),
    ("编码", "Code"),
    ("名称", "Name"),
    ("类型", "Type"),
    ("地址", "Address"),
    ("楼层", "Floor"),
    ("层数", "Floors"),
    ("房号", "Unit no."),
    ("用途", "Use"),
    ("建筑面积", "Building area"),
    ("使用面积", "Usable area"),
    ("土地分摊面积", "Shared land area"),
    ("附属设施", "Facilities"),
    ("交付日期", "Handover date"),
    ("业主", "Owner"),
    ("租户", "Tenant"),
    ("空置", "Vacant"),
    ("自用", "Owner-occupied"),
    ("筛选", "Filter"),
    ("清除", "Clear"),
    ("导出 Excel", "Export to Excel"),
    ("打印", "Print"),
    ("新增房屋", "New unit"),
    ("新增客户", "New party"),
    ("新增楼栋", "New building"),
    ("新增项目", "New project"),
    ("保存", "Save"),
    ("取消", "Cancel"),
    ("编辑", "Edit"),
    ("共", "Total"),
    ("条", "records"),
    ("上一页", "Previous"),
    ("下一页", "Next"),
    ("第", "Page"),
    ("页", ""),
    ("无记录", "No records"),
    ("姓名/名称", "Name"),
    ("电话", "Phone"),
    ("电子邮箱", "E-mail"),
    ("身份证号", "ID card no."),
    ("营业执照号", "Business licence no."),
    ("税务登记号", "Tax registration no."),
    ("组织机构代码", "Organisation code"),
    ("法定代表人", "Legal representative"),
    ("经营业态", "Business type"),
    ("重点客户", "Key customer"),
    ("备注", "Note"),
    ("联系人", "Contacts"),
    ("关系", "Relation"),
    ("添加联系人", "Add contact"),
    ("产权", "Ownership"),
    ("租赁", "Leases"),
    ("历史", "History"),
    ("概况", "Overview"),
    ("开始日期", "Start date"),
    ("结束日期", "End date"),
    ("产权证号", "Certificate no."),
    ("装修状态", "Fit-out state"),
    ("月租金（元）", "Monthly rent (CNY)"),
    ("登记产权 / 过户", "Register owner / transfer"),
    ("过户日期", "Transfer date"),
    ("新增租赁", "New lease"),
    ("退租", "Terminate"),
    ("退租日期", "Termination date"),
    ("至今", "ongoing"),
    ("客户（输入姓名、电话查找）", "Party (type a name or phone)"),
    ("月份", "Month"),
    ("生成", "Generate"),
    ("时间", "Time"),
    ("操作人", "By"),
    ("动作", "Action"),
    ("内容", "Details"),
    ("对象", "Record"),
    ("部门名称", "Department"),
    ("角色", "Role"),
    ("状态", "Status"),
    ("启用", "Active"),
    ("停用", "Disabled"),
    ("负责项目", "Assigned projects"),
    ("新增员工", "New staff member"),
    ("重置密码", "Reset password"),
    ("新密码", "New password"),
    ("显示名", "Display name"),
    ("上传文件", "Upload file"),
    ("导入房屋", "Import units"),
    ("导入客户", "Import parties"),
    ("下载模板", "Download template"),
    ("导入", "Import"),
    ("导入失败，未保存任何数据", "Import failed; nothing was saved"),
    ("行", "Row"),
    ("列", "Column"),
    ("原因", "Reason"),
    ("导入成功", "Import succeeded"),
    ("项目数", "Projects"),
    ("房屋数", "Units"),
    ("客户数", "Parties"),
    ("在租", "Active leases"),
    ("出租率", "Occupancy by lease"),
    ("一户一档", "One unit, one file"),
    ("该项目", "this project"),
    ("所属楼栋", "Building"),
    ("个人", "Person"),
    ("企业", "Company"),
    ("紧急联系人", "Emergency contact"),
    ("名下房屋", "Units"),
    ("搜索结果", "Search results"),
    ("没有找到匹配的记录", "Nothing matches"),
    ("已保存", "Saved"),
    ("必填", "required"),
    ("语言", "Language"),
    ("查看", "View"),
    ("所属项目", "Project"),
    ("全部", "All"),
    ("全部类型", "All types"),
    ("全部楼栋", "All buildings"),
    ("仅重点客户", "Key customers only"),
    ("页面加载于", "Page generated"),
    ("客户服务", "Customer service"),
    ("前台接待", "Reception"),
    ("投诉", "Complaints"),
    ("回访", "Callbacks"),
    ("看板", "Board"),
    ("投诉报表", "Complaint reports"),
    ("本月变动", "changed this month:"),
    ("年度档案导出", "Year-end archive export"),
    ("登记", "Entered"),
    ("超过2天登记", "entered late (> 2 days)"),
    ("及时", "on time"),
    // admin and import
    ("员工", "Staff"),
    ("在职员工", "Active staff"),
    ("新增部门", "New department"),
    ("初始密码", "Initial password"),
    ("至少 8 位", "at least 8 characters"),
    ("确认新密码", "Confirm new password"),
    ("提交的内容有误，请检查", "Some fields are invalid"),
    ("停用后该员工立即退出登录，且不能再登录。", "Deactivating ends this person's sessions at once and blocks further log-ins."),
    ("确定重置该员工的密码？其登录会话将被结束。", "Reset this person's password? Their sessions will end."),
    ("每一次变更都记录操作人、时间和内容，记录不可修改或删除。", "Every change records who, when and what; the log cannot be edited or deleted."),
    ("处错误", "errors"),
    (
        "导入为整批处理：任何一行有错误时，整个文件都不会保存，请按错误列表修改后重新上传。",
        "An import is all or nothing: if any row has an error, nothing from the file is saved. Fix the rows listed and upload again.",
    ),
    (
        "楼栋编码须为所选项目中已有楼栋的编码；类型填写住宅、商铺、写字间、车位或储藏室；面积单位为平方米，最多两位小数；日期格式为 YYYY-MM-DD。",
        "Building code must be the code of a building in the chosen project; type is 住宅, 商铺, 写字间, 车位 or 储藏室; areas in square metres with at most two decimals; dates as YYYY-MM-DD.",
    ),
    (
        "类型填写个人或企业；企业必须填写营业执照号（18位统一社会信用代码或15位注册号），同一文件和同一项目内不能重复。",
        "Type is 个人 (person) or 企业 (company); a company needs its business licence no. (18-character unified social credit code or 15-digit registration no.), unique within the file and the project.",
    ),
    ("文件不能超过 5 MB", "The file must not exceed 5 MB"),
    ("文件中没有工作表", "The file has no worksheet"),
    ("无法读取该文件，请确认是 .xlsx 格式的 Excel 文件", "The file cannot be read; make sure it is an Excel .xlsx file"),
    ("只支持 .xlsx 格式的 Excel 文件（请在 Excel 中另存为 .xlsx）", "Only Excel .xlsx files are accepted (save as .xlsx in Excel)"),
    ("请选择导入房屋还是客户", "Choose whether to import units or parties"),
    ("请选择要上传的 Excel 文件", "Choose an Excel file to upload"),
    ("请选择要导入到的项目", "Choose the project to import into"),
    // reception — the reception module adds its entries below this line
    ("接待记录", "Reception records"),
    // complaints — the complaints module adds its entries below this line
    ("投诉处理单", "Complaint handling form"),
    ("投诉清单", "Complaint list"),
    ("严重程度", "Severity"),
    ("编号、投诉人、电话、内容", "Number, complainant, phone, content"),
    ("仅已超时", "Overdue only"),
    ("仅典型案例", "Typical cases only"),
    ("典型案例库", "Case library"),
    ("登记投诉", "New complaint"),
    ("编号", "Number"),
    ("受理时间", "Received"),
    ("投诉人", "Complainant"),
    ("投诉内容", "Complaint"),
    ("下一期限", "Next deadline"),
    ("典型案例", "Typical case"),
    ("典型", "Typical"),
    ("打印投诉处理单", "Print handling form"),
    ("确定将此投诉移出典型案例库？", "Remove this complaint from the case library?"),
    ("确定将此投诉列入典型案例库？", "Add this complaint to the case library?"),
    ("移出典型案例", "Remove from case library"),
    ("列为典型案例", "Mark as typical case"),
    ("回访不满意重新处理", "reopened after dissatisfied callback:"),
    ("次", "times"),
    ("联系电话", "Contact phone"),
    ("无", "none"),
    ("该房屋的投诉", "complaints about this unit"),
    ("渠道", "Channel"),
    ("回访期限", "Callback due"),
    ("回访人", "Calls back"),
    ("责任部门", "Responsible departments"),
    ("接收期限", "Accept by"),
    ("方案期限", "Plan by"),
    ("完成期限", "Done by"),
    ("处理方案", "Handling plan"),
    ("处理结果", "Result"),
    ("尚未派单", "Not dispatched yet"),
    ("下一步", "Next steps"),
    ("派单", "Dispatch"),
    ("责任部门（可多选）", "Responsible departments (one or more)"),
    ("尚未设置部门", "No departments set up yet"),
    (
        "部门须在 1 个工作日内接收或退回，接收后 2 个工作日内回复处理方案。",
        "Departments accept or return within 1 working day and reply with a handling plan within 2 working days of accepting.",
    ),
    ("接收", "Accept"),
    ("属本部门职责：接收后 2 个工作日内向客户回复处理方案。", "Ours to handle: reply to the customer with a handling plan within 2 working days."),
    ("退回客服部", "Return to customer service"),
    ("确定退回客服部？", "Return this complaint to customer service?"),
    ("不属本部门职责的原因", "Why it is not this department's responsibility"),
    ("退回", "Return"),
    ("回复处理方案", "Handling plan"),
    ("处理方案（复杂投诉请写明各阶段时间）", "Handling plan (for complex complaints, give the dates of each stage)"),
    ("承诺完成时间（北京时间）", "To be done by (Beijing time)"),
    ("提交方案", "Submit plan"),
    ("进展反馈", "Progress update"),
    ("已告知客户的进展", "Progress told to the customer"),
    ("记录进展", "Record progress"),
    ("处理完成", "Finish"),
    ("处理过程及结果", "How it was handled and the result"),
    ("记录客户最终意见", "Customer's final opinion"),
    ("已将处理结果告知客户，客户的意见", "The customer was told the result; their opinion"),
    ("记录后进入待回访，回访须在 3 天内完成。", "Then the callback is due within 3 days."),
    ("保存意见", "Save opinion"),
    (
        "满意将关闭投诉；不满意将通知责任部门重新处理。确认保存回访结果？",
        "Satisfied closes the complaint; dissatisfied sends it back to the departments. Save the callback result?",
    ),
    ("客户是否满意", "Is the customer satisfied?"),
    ("满意（关闭投诉）", "Satisfied (close)"),
    ("不满意（重新处理）", "Dissatisfied (reopen)"),
    ("保存回访结果", "Save callback result"),
    ("免回访", "No callback"),
    ("免回访将直接关闭投诉，确定？", "Waiving the callback closes the complaint. Continue?"),
    ("免回访原因", "Why no callback is needed"),
    ("免回访并关闭", "Waive callback and close"),
    ("判定无效/非我方责任", "Invalid / not our responsibility"),
    (
        "判定为无效或非我方责任后，处理即终止，并须向客户婉转解释。确定？",
        "Marking it invalid or not ours stops the handling; the customer must be given a tactful explanation. Continue?",
    ),
    ("部门负责人意见", "Department head's opinion"),
    ("签字（部门负责人）", "Signed by (department head)"),
    ("判定无效", "Mark invalid"),
    ("升级", "Escalate"),
    ("升级为重要投诉后，由客服部负责人负责处理。确定升级？", "An important complaint is handled by the head of customer service. Escalate?"),
    ("升级为重要投诉的原因", "Why it is important"),
    ("如：员工态度、服务未达标准", "e.g. staff attitude, service below standard"),
    ("升级为重要投诉", "Escalate to important"),
    (
        "升级为重大投诉后，须立即上报公司负责人，由其确定解决措施、责任人和处理期限。确定升级？",
        "A major complaint is reported at once to the company head, who sets the measures, an owner and a deadline. Escalate?",
    ),
    ("重大投诉原因", "Why it is major"),
    ("升级为重大投诉", "Escalate to major"),
    ("处理记录", "History"),
    ("搜索案例（内容、编号、投诉人，两个字即可）", "Search cases (content, number, complainant; two characters are enough)"),
    (
        "没有找到匹配的典型案例。在投诉页面点击“列为典型案例”即可收入案例库。",
        "No typical cases match. Use “Mark as typical case” on a complaint to add it to the library.",
    ),
    ("操作未执行", "Nothing was changed"),
    (
        "在您打开页面之后，这条投诉已被他人处理或状态已变化，您的操作没有保存。请重新打开投诉页面，查看最新状态后再操作。",
        "Since you opened the page, someone else has acted on this complaint or its state has changed, so your action was not saved. Open the complaint again and act on its current state.",
    ),
    ("返回投诉页面", "Back to the complaint"),
    ("受理时请耐心听完、如实记录，弄清事实，不轻易对客户作出承诺。", "Listen fully, record faithfully, establish the facts, and make no promises at intake."),
    ("房屋（输入房号、业主姓名查找）", "Unit (type a unit no. or owner's name)"),
    ("不留名请空着（记为匿名）", "Leave blank if anonymous"),
    ("按内容自动建议", "Suggest from the content"),
    ("重要投诉类别", "Important complaint type"),
    (
        "严重程度留空时按投诉内容建议（如被盗、水浸、媒体曝光为重大；态度、多次未解决为重要），登记后可在投诉页升级。",
        "Left blank, the severity is suggested from the content (theft, flooding, media exposure: major; attitude, repeated requests: important); it can be escalated later on the complaint page.",
    ),
    ("客户投诉处理单", "Customer complaint handling form"),
    ("一式三联：客服存根联、责任部门联、回访联，A4 纸打印。", "Three copies — customer-service stub, responsible department, callback — on A4."),
    ("房屋/单位", "Unit / company"),
    ("投诉渠道", "Channel"),
    ("受理人", "Received by"),
    ("派单时间", "Dispatched"),
    ("责任部门处理方案及结果", "Departments' plans and results"),
    ("承诺完成时间", "To be done by"),
    ("负责人签字", "Head's signature"),
    ("处理进展反馈", "Progress updates"),
    ("反馈人", "By"),
    ("无效/非我方责任意见", "Invalid / not ours: opinion"),
    ("部门负责人签字", "Department head's signature"),
    ("客户评价（最终意见）", "Customer's evaluation (final opinion)"),
    ("客户签字", "Customer's signature"),
    ("回访时间", "Called back"),
    ("回访方式", "Method"),
    ("回访意见 / 免回访原因", "Callback notes / reason for no callback"),
    ("满意", "Satisfied"),
    ("不满意", "Dissatisfied"),
    ("上门", "Visit"),
    ("责任部门负责人", "Responsible department head"),
    ("客服部负责人", "Head of customer service"),
    ("日期", "Date"),
    ("打印时间", "Printed"),
    ("期限状态", "Deadline state"),
    ("投诉单", "Complaint"),
    ("回访结果", "Callback result"),
    // callbacks, board and reports — that module adds its entries below this line
    ("回访记录", "Callback record"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_key_has_an_english_entry() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(dir)];
        while let Some(p) = stack.pop() {
            for entry in std::fs::read_dir(&p).expect("templates dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("template text");
                // `.t("` (ctx.t, lang.t), so `v.get("code")` is not taken for a key.
                for part in text.split(".t(\"").skip(1) {
                    if let Some(end) = part.find("\")") {
                        let key = &part[..end];
                        if !EN_MAP.contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys without English: {missing:#?}");
    }

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Lang::default().t("房屋"), "房屋");
        assert_eq!(Lang::En.t("房屋"), "Units");
        assert_eq!(Lang::from_code("fr"), Lang::Zh);
    }
}
