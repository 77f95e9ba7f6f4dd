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
    // callbacks, board and reports — that module adds its entries below this line
    ("回访记录", "Callback record"),
    ("待回访", "Pending"),
    ("已回访", "Done"),
    ("免回访", "Waive callback"),
    ("期限", "Deadline"),
    ("今日到期", "due today"),
    ("已超时", "overdue"),
    ("回访人", "Called by"),
    ("回访抽查", "Callback sample"),
    ("级别", "Severity"),
    ("回访期限", "Callback due"),
    ("满意度", "Satisfaction"),
    ("月度回访抽查", "Monthly callback sample"),
    (
        "随机抽取该月已完成回访的 10%（至少 1 条）检查回访质量；每月只抽一次。",
        "Draws a random 10% (at least one) of the month's completed callbacks to check their quality; a month is sampled once.",
    ),
    ("抽查", "Draw sample"),
    ("投诉内容", "Complaint"),
    ("回访话术", "Callback script"),
    ("回访方式", "Method"),
    ("满意", "Satisfied"),
    ("不满意（重新处理）", "Dissatisfied (reopen)"),
    ("服务效果", "Service effect"),
    ("缺点与不足", "Shortcomings"),
    ("意见和建议", "Suggestions"),
    ("客户签字确认（上门回访）", "Customer's signature (visit)"),
    ("清除签名", "Clear signature"),
    ("保存回访", "Save callback"),
    (
        "现场解决并经客户确认、匿名、无联系方式或敏感的投诉可不回访，须记录原因。",
        "No callback is needed for a complaint resolved on the spot with the customer's confirmation, an anonymous one, one without contact details or a sensitive one; the reason is recorded.",
    ),
    ("确定免除该回访？", "Waive this callback?"),
    ("该回访须由以下岗位进行：", "This callback must be made by: "),
    ("回访结果", "Callback result"),
    ("免回访原因", "Reason for no callback"),
    ("质量", "Quality"),
    ("速度", "Speed"),
    ("态度", "Attitude"),
    ("完成时间", "Done at"),
    ("抽查意见", "Quality check"),
    ("客户签字", "Customer's signature"),
    ("已完成回访", "Callbacks done"),
    ("已抽查", "Sampled"),
    ("抽查清单", "Sampled callbacks"),
    ("未关闭投诉", "Open complaints"),
    ("正常", "on time"),
    ("无期限", "no deadline"),
    ("按状态", "By status"),
    ("今日到期的投诉", "Complaints due today"),
    ("编号", "No."),
    ("投诉人", "Complainant"),
    ("今日回访", "Today's callbacks"),
    ("日终回顾：今日派单仍未解决", "End-of-day review: dispatched today, still unresolved"),
    (
        "每日下班前逐单向客户告知处理进度并记录，直至处理完毕。",
        "Before closing, tell each customer the progress of their case and log it, every day until it is done.",
    ),
    ("今日已告知", "told today"),
    ("已告知客户进度", "Progress told to customer"),
    ("月报", "Monthly"),
    ("周报", "Weekly"),
    ("年度总结", "Annual"),
    ("投诉公示", "Public notice"),
    ("年份", "Year"),
    ("指标", "Targets"),
    ("实际", "Actual"),
    ("目标", "Target"),
    ("计算", "Computed from"),
    ("有效投诉处理率", "Valid-complaint handling rate"),
    ("已解决或已关闭的有效投诉", "valid complaints resolved or closed"),
    ("有效投诉", "valid complaints"),
    ("达标", "met"),
    ("未达标", "not met"),
    ("投诉回访率", "Complaint callback rate"),
    ("已回访或按规定免回访", "called back or rightly waived"),
    ("应回访", "due"),
    ("满意率", "Satisfaction rate"),
    ("投诉总数", "Complaints"),
    ("无效投诉", "invalid"),
    ("顾客投诉分类统计表", "Classified complaint statistics"),
    ("分类", "Class"),
    ("合计", "Total"),
    ("各月投诉数量", "Complaints per month"),
    ("重点案例", "Key cases"),
    ("受理时间", "Received"),
    ("整改方案", "Rectification plan"),
    ("处理结果", "Result"),
    ("典型", "typical"),
    ("月度投诉一览表", "Monthly complaint list"),
    ("投诉清单", "Complaint list"),
    ("仅显示前 2000 条，完整清单请导出 Excel。", "Only the first 2,000 are shown; export to Excel for the full list."),
    ("责任部门", "Departments"),
    ("制表", "Prepared by"),
    ("审核", "Checked by"),
    ("日期", "Date"),
    ("已发布", "Published"),
    ("打印页", "Printable page"),
    ("草稿", "Draft"),
    (
        "本月尚未发布公示；下面的内容根据本月最集中的投诉问题预先生成，请核对修改后发布。",
        "This month's notice is not published yet; the text below is drafted from the month's most frequent complaints — check, edit and publish it.",
    ),
    ("发布后不能再修改，确定提交？", "A published notice cannot be changed. Submit?"),
    ("标题", "Title"),
    ("正文", "Text"),
    ("保存草稿", "Save draft"),
    ("发布", "Publish"),
    ("由客服经理发布。", "Published by the customer-service manager."),
    ("投诉周报", "Weekly complaint report"),
    ("年度投诉清单", "Complaints of the year"),
    ("投诉数量", "Complaints"),
    ("年度投诉总结", "Annual complaint summary"),
    ("建议", "Suggestions"),
    ("对处理质量是否满意", "Satisfied with the quality of the work?"),
    ("对处理速度是否满意", "Satisfied with the speed?"),
    ("对工作人员的态度是否满意", "Satisfied with the staff's attitude?"),
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
