//! Excel exports. Every list and register exports what the screen shows, with Chinese or
//! English headers following the user's language.

use crate::i18n::Lang;
use propdesk_domain::values::format_centi;
use propdesk_store::models::org::{ContactRow, Party, Tenure, Unit};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// The most rows one export carries (an .xlsx sheet holds 1,048,576).
pub const MAX_ROWS: i64 = 100_000;

/// One worksheet: a title, its headers and its rows, already as text.
pub struct Sheet {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A workbook of sheets, each with a bold, frozen header row.
pub fn book(sheets: &[Sheet]) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for sh in sheets {
        let ws: &mut Worksheet = wb.add_worksheet();
        ws.set_name(&sh.title)?;
        for (c, h) in sh.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
            ws.set_column_width(c as u16, 16)?;
        }
        for (r, row) in sh.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// A workbook with one sheet.
pub fn sheet(title: &str, headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
    book(&[Sheet { title: title.to_string(), headers: headers.iter().map(|h| h.to_string()).collect(), rows: rows.collect() }])
}

fn h(lang: Lang, cols: &[&'static str]) -> Vec<String> {
    cols.iter().map(|c| lang.t(c).to_string()).collect()
}

pub fn units_sheet(units: &[Unit], lang: Lang) -> Sheet {
    Sheet {
        title: lang.t("房屋").to_string(),
        headers: h(lang, &["所属楼栋", "房号", "类型", "楼层", "建筑面积", "使用面积", "土地分摊面积", "用途", "业主", "租户"]),
        rows: units
            .iter()
            .map(|u| {
                vec![
                    u.building_name.clone(),
                    u.unit_no.clone(),
                    u.kind.label(lang.is_en()).to_string(),
                    u.floor.to_string(),
                    format_centi(u.building_area),
                    u.usable_area.map(format_centi).unwrap_or_default(),
                    u.land_area.map(format_centi).unwrap_or_default(),
                    u.use_purpose.clone(),
                    u.owner_name.clone().unwrap_or_default(),
                    u.tenant_name.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

pub fn units(units: &[Unit], lang: Lang) -> anyhow::Result<Vec<u8>> {
    book(&[units_sheet(units, lang)])
}

pub fn parties_sheet(parties: &[Party], lang: Lang) -> Sheet {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    Sheet {
        title: lang.t("客户").to_string(),
        headers: h(lang, &["姓名/名称", "类型", "电话", "营业执照号", "税务登记号", "组织机构代码", "法定代表人", "经营业态", "重点客户"]),
        rows: parties
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.kind.label(lang.is_en()).to_string(),
                    p.phone.clone(),
                    o(&p.licence_no),
                    o(&p.tax_no),
                    o(&p.org_code),
                    o(&p.legal_rep),
                    o(&p.business_type),
                    if p.key_customer { "✓".into() } else { String::new() },
                ]
            })
            .collect(),
    }
}

pub fn parties(parties: &[Party], lang: Lang) -> anyhow::Result<Vec<u8>> {
    book(&[parties_sheet(parties, lang)])
}

/// ORG-3: the property-rights or lease register.
pub fn register_sheet(rows: &[Tenure], lease: bool, lang: Lang) -> Sheet {
    let (title, who) = if lease { ("租赁清册", "租户") } else { ("产权清册", "业主") };
    let extra = if lease { "月租金（元）" } else { "产权证号" };
    Sheet {
        title: lang.t(title).to_string(),
        headers: h(lang, &["所属楼栋", "房号", "建筑面积", who, "电话", "开始日期", "结束日期", extra]),
        rows: rows
            .iter()
            .map(|t| {
                vec![
                    t.building_name.clone(),
                    t.unit_no.clone(),
                    format_centi(t.building_area),
                    t.party_name.clone(),
                    t.party_phone.clone(),
                    t.start_date.to_string(),
                    t.end_date.map(|d| d.to_string()).unwrap_or_default(),
                    if lease { t.amount.map(format_centi).unwrap_or_default() } else { t.detail.clone() },
                ]
            })
            .collect(),
    }
}

pub fn register(rows: &[Tenure], lease: bool, lang: Lang) -> anyhow::Result<Vec<u8>> {
    book(&[register_sheet(rows, lease, lang)])
}

/// ORG-4: the year-end export of all archives of a project — units, parties, contacts and
/// every ownership and lease record in force during the year, one sheet each.
pub fn archive(units: &[Unit], parties: &[Party], contacts: &[ContactRow], owners: &[Tenure], leases: &[Tenure], lang: Lang) -> anyhow::Result<Vec<u8>> {
    let contacts_sheet = Sheet {
        title: lang.t("联系人").to_string(),
        headers: h(lang, &["客户", "类型", "姓名/名称", "关系", "电话"]),
        rows: contacts
            .iter()
            .map(|c| vec![c.party_name.clone(), c.kind.label(lang.is_en()).to_string(), c.name.clone(), c.relation.clone(), c.phone.clone()])
            .collect(),
    };
    book(&[units_sheet(units, lang), parties_sheet(parties, lang), contacts_sheet, register_sheet(owners, false, lang), register_sheet(leases, true, lang)])
}
