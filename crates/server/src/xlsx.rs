//! Excel exports. Every list and register exports what the screen shows, with Chinese or
//! English headers following the user's language.

use crate::i18n::Lang;
use propdesk_domain::values::format_centi;
use propdesk_store::models::org::{Party, Tenure, Unit};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// The most rows one export carries (an .xlsx sheet holds 1,048,576).
pub const MAX_ROWS: i64 = 100_000;

/// A sheet with a bold, frozen header row; `rows` are already text.
pub fn sheet(title: &str, headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(title)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, 16)?;
    }
    for (r, row) in rows.enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}

fn h(lang: Lang, cols: &[&'static str]) -> Vec<&'static str> {
    cols.iter().map(|c| lang.t(c)).collect()
}

pub fn units(units: &[Unit], lang: Lang) -> anyhow::Result<Vec<u8>> {
    let headers = h(lang, &["所属楼栋", "房号", "类型", "楼层", "建筑面积", "使用面积", "土地分摊面积", "用途", "业主", "租户"]);
    sheet(
        lang.t("房屋"),
        &headers,
        units.iter().map(|u| {
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
        }),
    )
}

pub fn parties(parties: &[Party], lang: Lang) -> anyhow::Result<Vec<u8>> {
    let headers = h(lang, &["姓名/名称", "类型", "电话", "营业执照号", "税务登记号", "组织机构代码", "法定代表人", "经营业态", "重点客户"]);
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    sheet(
        lang.t("客户"),
        &headers,
        parties.iter().map(|p| {
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
        }),
    )
}

/// ORG-3: the property-rights or lease register of a month.
pub fn register(rows: &[Tenure], lease: bool, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let (title, who) = if lease { ("租赁清册", "租户") } else { ("产权清册", "业主") };
    let extra = if lease { "月租金（元）" } else { "产权证号" };
    let headers = h(lang, &["所属楼栋", "房号", "建筑面积", who, "电话", "开始日期", "结束日期", extra]);
    sheet(
        lang.t(title),
        &headers,
        rows.iter().map(|t| {
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
        }),
    )
}
