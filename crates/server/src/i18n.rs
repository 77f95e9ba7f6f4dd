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
    ("交接班", "Shift handover"),
    ("当班中", "On duty"),
    ("失物招领", "Lost and found"),
    ("已登记", "Recorded"),
    ("已生成投诉单", "complaint opened"),
    ("请选择", "Choose"),
    ("渠道", "Channel"),
    ("房号（房号、业主/租户姓名或电话）", "Unit (unit no., owner/tenant name or phone)"),
    ("客户/商户（姓名、电话）", "Owner/merchant (name, phone)"),
    ("联系电话", "Contact phone"),
    ("来电/来访人", "Caller / visitor"),
    ("来电/来访内容", "What the caller or visitor said"),
    ("当场答复/处理说明", "Answer given / note"),
    ("服务费用", "Service fee"),
    ("如 80元", "e.g. 80 yuan"),
    ("收到时间（书面）", "Received at (written)"),
    ("接待类别", "Category"),
    (
        "点击类别即登记。回车跳到类别，← → 或数字键 1–8 选择，回车提交。",
        "A click on a category records the contact. Enter jumps to the categories; ← → or keys 1–8 choose, Enter records.",
    ),
    ("标准话术", "Standard script"),
    ("结束语", "Farewell"),
    ("今日接待", "Today's contacts"),
    ("此前未注销", "Still open from earlier"),
    ("编号", "No."),
    ("类别", "Category"),
    ("房号/联系人", "Unit / contact"),
    ("后续", "Follow-up"),
    ("受理人", "Taken by"),
    ("报部门负责人", "to department head"),
    ("失物保管中", "item kept"),
    ("未告知收到", "receipt not acknowledged"),
    ("网上投诉，已报部门负责人", "Online complaint, sent to the department head"),
    ("收到时间", "Received at"),
    ("告知收到", "Receipt acknowledged"),
    ("未告知", "Not yet"),
    ("书面回复", "Written reply"),
    ("未回复", "Not yet"),
    ("注销时间", "Closed at"),
    ("投诉单", "Complaint"),
    ("待办", "pending"),
    ("已办结", "done"),
    ("注销前须办结", "Must be done before closing"),
    ("可执行的操作", "Next actions"),
    ("已告知来信人收到", "Sender told it arrived"),
    ("书面来信、邮件、网上留言须告知对方已收到（RCP-4）。", "Letters, e-mails and online messages: tell the sender it arrived (RCP-4)."),
    ("如何告知，如 电话告知", "How, e.g. by phone"),
    ("记录已告知", "Record acknowledgement"),
    ("已书面回复", "Written reply sent"),
    ("回复方式、要点", "How, and the main points"),
    ("记录书面回复", "Record written reply"),
    ("催办", "Chase"),
    ("催办对象与结果", "Whom, and the answer"),
    ("记录催办", "Record chase"),
    ("处理结果", "Result"),
    ("记录办结", "Record as done"),
    ("核实表扬", "Verify praise"),
    ("查证属实后记入被表扬员工的档案。", "Once verified, it is noted on the praised staff member's record."),
    ("被表扬的员工", "Praised staff member"),
    ("核实情况", "How it was verified"),
    ("核实并记入员工档案", "Verify and note on the staff record"),
    ("上报项目经理", "Report to the project manager"),
    ("上报方式", "How it was reported"),
    ("已上报经理", "Reported to the manager"),
    ("确定注销该接待记录？", "Close this reception record?"),
    ("注销台账", "Close the record"),
    ("所有事项落实完后注销（RCP-7）。", "Close once everything it started is done (RCP-7)."),
    ("注销说明（必填）", "Reason (required)"),
    ("注销", "Close"),
    ("失物招领登记", "Lost-and-found entries"),
    ("物品", "Item"),
    ("拾获地点", "Found where"),
    ("存放地点", "Kept where"),
    ("拾获/遗失地点", "Found / lost where"),
    ("拾获时间", "Found at"),
    ("拾获人/报失人", "Finder / owner"),
    ("登记失物", "Register item"),
    ("时间线", "Timeline"),
    ("返回前台接待", "Back to the desk"),
    ("失物招领登记表", "Lost-and-found register"),
    ("保管中", "Kept"),
    ("已认领", "Claimed"),
    ("认领", "Claim"),
    ("认领人", "Claimed by"),
    ("开始于", "since"),
    ("接班自", "Taken over from"),
    ("交接时未注销的记录（当前状态）", "Open records at handover (as they are now)"),
    ("工作日志", "Work log"),
    ("本班尚无日志", "No log lines yet"),
    ("日志内容", "Log line"),
    ("记录本班发生的事，如 10:20 快递到件已通知 A-301", "What happened, e.g. 10:20 parcel arrived, A-301 told"),
    ("写入日志", "Add to log"),
    ("交班", "Hand over"),
    ("交班时，本项目所有未注销的接待记录移交下一班", "At handover, every open reception record of the project passes to the next shift"),
    ("确定交班？交班后本班日志不能再写。", "Hand over? The log of this shift cannot be written afterwards."),
    ("接班人", "Next on duty"),
    ("交接说明", "Handover note"),
    ("待办事项、物品、钥匙、注意事项", "Open items, things, keys, things to watch"),
    ("待接班", "Awaiting takeover"),
    ("移交的未注销记录（当前状态）", "Open records handed over (as they are now)"),
    ("接班", "Take over"),
    ("不接上一班时，也可直接开始当班。", "You can also start a shift without taking one over."),
    ("开始当班", "Start shift"),
    ("近期班次", "Recent shifts"),
    ("开始", "Started"),
    ("请选择项目", "Choose a project"),
    // complaints — the complaints module adds its entries below this line
    ("投诉处理单", "Complaint handling form"),
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
