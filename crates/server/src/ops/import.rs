//! ORG-1/ORG-2: units and parties imported from the first worksheet of an .xlsx file.
//!
//! Every row is validated with the same `UnitInput`/`PartyInput` parsers the forms use; every
//! problem is reported as (Excel row, Chinese column header, Chinese reason). The import is
//! all-or-nothing: when any row fails — in the file, or at the database (a unit number or
//! licence number that already exists) — nothing is saved.

use crate::error::{AppError, AppResult};
use crate::ops::org::{PartyInput, UnitInput, insert_party_tx, insert_unit_tx};
use calamine::{Data, Range};
use chrono::Utc;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::{Actor, Permission};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::org::{self, PartyData, UnitData};
use propdesk_store::{Db, Tx};
use serde_json::json;
use std::collections::HashMap;

/// The most data rows one file may carry.
pub const MAX_ROWS: usize = 10_000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Units,
    Parties,
}

impl ImportKind {
    pub fn parse(s: &str) -> Option<ImportKind> {
        match s.trim() {
            "units" => Some(ImportKind::Units),
            "parties" => Some(ImportKind::Parties),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Units => "units",
            ImportKind::Parties => "parties",
        }
    }
    /// The columns of its template, in template order.
    pub fn columns(self) -> &'static [Col] {
        match self {
            ImportKind::Units => UNIT_COLS,
            ImportKind::Parties => PARTY_COLS,
        }
    }
}

/// One column of an import file: the header as written in the template, the name it is
/// matched and reported by, and the input field it fills.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub template: &'static str,
    pub name: &'static str,
    pub field: &'static str,
    /// A file without this column is refused as a whole.
    pub required: bool,
}

pub(crate) const fn col(template: &'static str, name: &'static str, field: &'static str, required: bool) -> Col {
    Col { template, name, field, required }
}

pub const UNIT_COLS: &[Col] = &[
    col("楼栋编码", "楼栋编码", "building_id", true),
    col("房号", "房号", "unit_no", true),
    col("类型", "类型", "kind", true),
    col("用途", "用途", "use_purpose", false),
    col("楼层", "楼层", "floor", false),
    col("建筑面积", "建筑面积", "building_area", true),
    col("使用面积", "使用面积", "usable_area", false),
    col("土地分摊面积", "土地分摊面积", "land_area", false),
    col("附属设施", "附属设施", "facilities", false),
    col("交付日期", "交付日期", "handover_date", false),
];

pub const PARTY_COLS: &[Col] = &[
    col("类型(个人/企业)", "类型", "kind", true),
    col("姓名/名称", "姓名/名称", "name", true),
    col("电话", "电话", "phone", true),
    col("电子邮箱", "电子邮箱", "email", false),
    col("身份证号", "身份证号", "id_card_no", false),
    col("营业执照号", "营业执照号", "licence_no", false),
    col("税务登记号", "税务登记号", "tax_no", false),
    col("组织机构代码", "组织机构代码", "org_code", false),
    col("法定代表人", "法定代表人", "legal_rep", false),
    col("经营业态", "经营业态", "business_type", false),
    col("紧急联系人", "紧急联系人", "emergency_name", false),
    col("紧急联系人电话", "紧急联系人电话", "emergency_phone", false),
];

/// One problem, located as the user sees it in Excel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row number shown at the left of Excel (1 = the first row).
    pub row: u32,
    /// The column's Chinese header; empty for a problem with the whole row or file.
    pub column: String,
    /// Why, in Chinese.
    pub reason: String,
}

impl RowError {
    pub(crate) fn new(row: u32, column: &str, reason: impl Into<String>) -> RowError {
        RowError { row, column: column.to_string(), reason: reason.into() }
    }
}

/// A cell as text, the way the forms would have received it: whole numbers without ".0",
/// dates as `YYYY-MM-DD`, empty cells as "".
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                // Six decimals absorb binary noise from formulas (0.1 + 0.2); parsers then
                // decide whether the precision is acceptable.
                let s = format!("{f:.6}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        }
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::DateTimeIso(s) if s.len() >= 10 && s.is_char_boundary(10) && s.as_bytes()[4] == b'-' => s[..10].to_string(),
        other => other.to_string(),
    }
}

/// A header as matched: no whitespace (also full-width), no required-marker asterisks, and
/// no explanation in brackets — `" 类型（个人/企业）*"` matches `类型`.
pub fn normalize_header(h: &str) -> String {
    let s: String = h.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.trim_matches(|c| c == '*' || c == '＊');
    let cut = s.find(['(', '（']).unwrap_or(s.len());
    s[..cut].to_string()
}

/// The data rows of a sheet with their columns located by header.
pub(crate) struct Table {
    /// Input field → column index in the range.
    cols: HashMap<&'static str, usize>,
    /// Excel row number and the row's cells as text.
    pub(crate) rows: Vec<(u32, Vec<String>)>,
}

impl Table {
    pub(crate) fn get<'a>(&self, cells: &'a [String], field: &str) -> &'a str {
        self.cols.get(field).and_then(|i| cells.get(*i)).map(|s| s.as_str()).unwrap_or("")
    }
}

/// Finds the header row (the first of the leading rows that names a known column, so a title
/// row above it is tolerated), maps the columns by name and reads the data rows as text.
pub(crate) fn table(range: &Range<Data>, cols: &'static [Col]) -> Result<Table, Vec<RowError>> {
    let Some((start_row, _)) = range.start() else {
        return Err(vec![RowError::new(1, "", "工作表为空，没有表头和数据")]);
    };
    let all: Vec<(u32, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(i, r)| (start_row + i as u32 + 1, r.iter().map(cell_text).collect::<Vec<_>>()))
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    let known = |cells: &[String]| cells.iter().any(|c| cols.iter().any(|k| normalize_header(c) == k.name));
    let Some(h) = all.iter().take(10).position(|(_, cells)| known(cells)) else {
        let row = all.first().map(|r| r.0).unwrap_or(1);
        let names: Vec<&str> = cols.iter().filter(|c| c.required).map(|c| c.name).collect();
        return Err(vec![RowError::new(row, "", format!("没有找到表头，第一行应为列名（至少包括：{}），请使用导入模板", names.join("、")))]);
    };
    let (header_row, headers) = &all[h];
    let mut errors = Vec::new();
    let mut map: HashMap<&'static str, usize> = HashMap::new();
    for (i, text) in headers.iter().enumerate() {
        let n = normalize_header(text);
        if let Some(c) = cols.iter().find(|c| c.name == n)
            && map.insert(c.field, i).is_some()
        {
            errors.push(RowError::new(*header_row, c.name, "列名重复，每列只能出现一次"));
        }
    }
    for c in cols.iter().filter(|c| c.required && !map.contains_key(c.field)) {
        errors.push(RowError::new(*header_row, c.name, "缺少此列，请使用导入模板"));
    }
    let rows: Vec<(u32, Vec<String>)> = all[h + 1..].to_vec();
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError::new(*header_row + 1, "", "文件中没有数据行"));
    }
    if rows.len() > MAX_ROWS {
        errors.push(RowError::new(rows[MAX_ROWS].0, "", format!("一次最多导入 {MAX_ROWS} 行，请分批导入")));
    }
    if errors.is_empty() { Ok(Table { cols: map, rows }) } else { Err(errors) }
}

/// The Chinese header of an input field, for reporting a parser's error.
fn column_of(cols: &[Col], field: &str) -> String {
    cols.iter().find(|c| c.field == field).map(|c| c.name.to_string()).unwrap_or_else(|| field.to_string())
}

fn push_field_errors(out: &mut Vec<RowError>, cols: &[Col], row: u32, e: &FieldErrors) {
    for fe in &e.0 {
        out.push(RowError::new(row, &column_of(cols, &fe.field), fe.reason.zh()));
    }
}

/// ORG-1: parses a units sheet. `buildings` maps the chosen project's building codes
/// (upper case) to their ids. Returns every row ready to insert, or every problem.
pub fn parse_units(range: &Range<Data>, buildings: &HashMap<String, i64>) -> Result<Vec<(u32, UnitData)>, Vec<RowError>> {
    let t = table(range, UNIT_COLS)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<(i64, String), u32> = HashMap::new();
    for (row, cells) in &t.rows {
        let code = t.get(cells, "building_id").trim().to_uppercase();
        let mut building_error = false;
        let building_id = match buildings.get(&code) {
            Some(id) => id.to_string(),
            None if code.is_empty() => String::new(),
            None => {
                building_error = true;
                errors.push(RowError::new(*row, "楼栋编码", format!("本项目没有编码为 {code} 的楼栋")));
                String::new()
            }
        };
        let input = UnitInput {
            building_id,
            unit_no: t.get(cells, "unit_no").into(),
            kind: t.get(cells, "kind").into(),
            use_purpose: t.get(cells, "use_purpose").into(),
            floor: t.get(cells, "floor").into(),
            building_area: t.get(cells, "building_area").into(),
            usable_area: t.get(cells, "usable_area").into(),
            land_area: t.get(cells, "land_area").into(),
            facilities: t.get(cells, "facilities").into(),
            handover_date: t.get(cells, "handover_date").into(),
        };
        match input.parse() {
            Ok(data) => {
                let key = (data.building_id, data.unit_no.clone());
                match seen.get(&key) {
                    Some(first) => errors.push(RowError::new(*row, "房号", format!("与第 {first} 行的楼栋和房号重复"))),
                    None => {
                        seen.insert(key, *row);
                        out.push((*row, data));
                    }
                }
            }
            Err(mut e) => {
                if building_error {
                    e.0.retain(|fe| fe.field != "building_id");
                }
                push_field_errors(&mut errors, UNIT_COLS, *row, &e);
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// A party ready to insert: its data and the optional emergency contact (name, phone).
pub type PartyRow = (PartyData, Option<(String, String)>);

/// ORG-2: parses a parties sheet for `project_id`; companies need a valid licence number,
/// and a licence number may appear only once in the file.
pub fn parse_parties(range: &Range<Data>, project_id: i64) -> Result<Vec<(u32, PartyRow)>, Vec<RowError>> {
    let t = table(range, PARTY_COLS)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (row, cells) in &t.rows {
        let input = PartyInput {
            project_id: project_id.to_string(),
            kind: t.get(cells, "kind").into(),
            name: t.get(cells, "name").into(),
            phone: t.get(cells, "phone").into(),
            email: t.get(cells, "email").into(),
            id_card_no: t.get(cells, "id_card_no").into(),
            licence_no: t.get(cells, "licence_no").into(),
            tax_no: t.get(cells, "tax_no").into(),
            org_code: t.get(cells, "org_code").into(),
            legal_rep: t.get(cells, "legal_rep").into(),
            business_type: t.get(cells, "business_type").into(),
            emergency_name: t.get(cells, "emergency_name").into(),
            emergency_phone: t.get(cells, "emergency_phone").into(),
            ..Default::default()
        };
        match input.parse() {
            Ok((_, data, emergency)) => {
                if let Some(l) = &data.licence_no {
                    if let Some(first) = seen.get(l) {
                        errors.push(RowError::new(*row, "营业执照号", format!("与第 {first} 行的营业执照号重复")));
                        continue;
                    }
                    seen.insert(l.clone(), *row);
                }
                out.push((*row, (data, emergency)));
            }
            Err(e) => push_field_errors(&mut errors, PARTY_COLS, *row, &e),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// What an import did: the number of records created, or why nothing was.
pub type ImportOutcome = Result<usize, Vec<RowError>>;

const SAVEPOINT: &str = "pd_import_row";

/// Each row goes in under a savepoint, so a row refused by the database (a duplicate) is
/// reported and the remaining rows are still checked; the transaction is committed only when
/// every row went in. Errors other than a refusal abort the import.
async fn savepoint(tx: &mut Tx) -> AppResult<()> {
    tx.savepoint(SAVEPOINT).await?;
    Ok(())
}

async fn end_savepoint<T>(tx: &mut Tx, r: AppResult<T>) -> AppResult<Result<T, FieldErrors>> {
    match r {
        Ok(v) => {
            tx.end_savepoint(SAVEPOINT, true).await?;
            Ok(Ok(v))
        }
        Err(AppError::Invalid(e)) => {
            tx.end_savepoint(SAVEPOINT, false).await?;
            Ok(Err(e))
        }
        Err(e) => Err(e),
    }
}

fn check(actor: &Actor, project_id: i64) -> AppResult<()> {
    if !actor.can(Permission::ImportData) {
        return Err(AppError::Forbidden);
    }
    if !actor.sees_project(project_id) {
        return Err(FieldErrors::single("project_id", propdesk_domain::Reason::NotFound).into());
    }
    Ok(())
}

async fn log_import(tx: &mut Tx, actor: &Actor, project_id: i64, kind: ImportKind, count: usize, file_name: &str) -> AppResult<()> {
    // The import has no row of its own; its entity id is the project it went into.
    let payload = json!({"kind": kind.code(), "count": count, "file": file_name, "project_id": project_id});
    event::append(tx, actor, Utc::now(), NewEvent { project_id: Some(project_id), entity: "import", entity_id: project_id, action: "imported", payload })
        .await?;
    Ok(())
}

/// ORG-1: imports a units sheet into `project_id` in one transaction.
pub async fn import_units(db: &Db, actor: &Actor, project_id: i64, file_name: &str, range: &Range<Data>) -> AppResult<ImportOutcome> {
    check(actor, project_id)?;
    let mut tx = db.begin().await?;
    // The project's buildings by code (codes are stored upper case), scoped by the actor.
    let buildings: HashMap<String, i64> = org::buildings(&mut tx, actor, project_id).await?.into_iter().map(|b| (b.code.to_uppercase(), b.id)).collect();
    let rows = match parse_units(range, &buildings) {
        Ok(rows) => rows,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = Vec::new();
    for (row, data) in &rows {
        savepoint(&mut tx).await?;
        let r = insert_unit_tx(&mut tx, actor, data).await;
        if let Err(e) = end_savepoint(&mut tx, r).await? {
            push_field_errors(&mut errors, UNIT_COLS, *row, &e);
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls back every row.
        return Ok(Err(errors));
    }
    log_import(&mut tx, actor, project_id, ImportKind::Units, rows.len(), file_name).await?;
    tx.commit().await?;
    Ok(Ok(rows.len()))
}

/// ORG-2: imports a parties sheet into `project_id` in one transaction.
pub async fn import_parties(db: &Db, actor: &Actor, project_id: i64, file_name: &str, range: &Range<Data>) -> AppResult<ImportOutcome> {
    check(actor, project_id)?;
    let rows = match parse_parties(range, project_id) {
        Ok(rows) => rows,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut tx = db.begin().await?;
    let mut errors = Vec::new();
    for (row, (data, emergency)) in &rows {
        savepoint(&mut tx).await?;
        let r = insert_party_tx(&mut tx, actor, project_id, data, emergency.as_ref()).await;
        if let Err(e) = end_savepoint(&mut tx, r).await? {
            push_field_errors(&mut errors, PARTY_COLS, *row, &e);
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    log_import(&mut tx, actor, project_id, ImportKind::Parties, rows.len(), file_name).await?;
    tx.commit().await?;
    Ok(Ok(rows.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sheet from rows of text; "" is an empty cell.
    fn sheet(rows: &[&[&str]]) -> Range<Data> {
        let mut r = Range::new((0, 0), (rows.len() as u32 - 1, 0));
        for (i, row) in rows.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    r.set_value((i as u32, j as u32), Data::String((*v).to_string()));
                }
            }
        }
        r
    }

    fn buildings() -> HashMap<String, i64> {
        HashMap::from([("A".to_string(), 7), ("B".to_string(), 8)])
    }

    #[test]
    fn org_1_headers_match_in_any_order_with_whitespace() {
        let r = sheet(&[
            &["建筑面积", " 房号 ", "备注列", "楼栋编码", "类型 "],
            &["88.5", "a-101", "x", "a", "住宅"],
            &["", "", "", "", ""],
            &["120", "B-201", "", "B", "商铺"],
        ]);
        let rows = parse_units(&r, &buildings()).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].0, rows[0].1.building_id, rows[0].1.unit_no.as_str(), rows[0].1.building_area), (2, 7, "A-101", 8850));
        // The empty row in between is skipped; row numbers stay those of Excel.
        assert_eq!((rows[1].0, rows[1].1.building_id), (4, 8));
    }

    #[test]
    fn org_1_every_bad_cell_is_reported_with_row_and_column() {
        let r = sheet(&[
            &["楼栋编码", "房号", "类型", "建筑面积", "使用面积"],
            &["A", "A-101", "住宅", "88.5", ""],
            &["Z", "A-102", "城堡", "abc", ""],
            &["A", "A-103", "住宅", "80", "90"],
            &["A", "a-101", "住宅", "70", ""],
        ]);
        let errors = parse_units(&r, &buildings()).expect_err("invalid");
        let has = |row: u32, col: &str| errors.iter().any(|e| e.row == row && e.column == col);
        assert!(has(3, "楼栋编码") && has(3, "类型") && has(3, "建筑面积"), "{errors:?}");
        assert!(errors.iter().any(|e| e.row == 3 && e.reason.contains("Z")), "unknown building named: {errors:?}");
        assert!(has(4, "使用面积"), "{errors:?}");
        assert!(errors.iter().any(|e| e.row == 5 && e.column == "房号" && e.reason.contains("第 2 行")), "duplicate in the file: {errors:?}");
        assert!(!has(2, "房号"));
    }

    #[test]
    fn org_1_missing_required_header_is_named() {
        let r = sheet(&[&["楼栋编码", "房号", "类型"], &["A", "A-101", "住宅"]]);
        let errors = parse_units(&r, &buildings()).expect_err("missing column");
        assert_eq!(errors, vec![RowError::new(1, "建筑面积", "缺少此列，请使用导入模板")]);
    }

    #[test]
    fn org_1_numbers_and_dates_read_as_the_form_would() {
        let mut r = sheet(&[&["楼栋编码", "房号", "类型", "建筑面积", "楼层", "交付日期"], &["A", "101", "住宅", "", "", ""]]);
        r.set_value((1, 1), Data::Float(101.0));
        r.set_value((1, 3), Data::Float(88.55));
        r.set_value((1, 4), Data::Int(3));
        r.set_value((1, 5), Data::DateTime(calamine::ExcelDateTime::new(46082.0, calamine::ExcelDateTimeType::DateTime, false)));
        let rows = parse_units(&r, &buildings()).expect("valid");
        let d = &rows[0].1;
        assert_eq!((d.unit_no.as_str(), d.building_area, d.floor), ("101", 8855, 3));
        assert_eq!(d.handover_date.map(|x| x.to_string()).as_deref(), Some("2026-03-01"));
        assert_eq!(cell_text(&Data::Float(13800138000.0)), "13800138000");
        assert_eq!(cell_text(&Data::Float(0.1 + 0.2)), "0.3");
    }

    #[test]
    fn org_2_party_rows_check_licence_numbers() {
        let first17 = "91310000MA1FL0000";
        let good = format!("{first17}{}", propdesk_domain::values::uscc_check_char(first17).expect("check char"));
        let r = sheet(&[
            &["类型（个人/企业）", "姓名/名称", "电话", "营业执照号"],
            &["企业", "红星商贸有限公司", "13800138000", &good],
            &["企业", "蓝天餐饮有限公司", "13800138001", "12345"],
            &["企业", "白云超市有限公司", "13800138002", ""],
            &["个人", "张三", "13800138003", ""],
            &["企业", "重复有限公司", "13800138004", &good.to_lowercase()],
        ]);
        let errors = parse_parties(&r, 1).expect_err("invalid");
        let at = |row: u32| errors.iter().find(|e| e.row == row).map(|e| (e.column.as_str(), e.reason.as_str()));
        assert_eq!(at(3).map(|x| x.0), Some("营业执照号"));
        assert_eq!(at(4), Some(("营业执照号", "必填")));
        assert_eq!(at(5), None);
        assert!(at(6).is_some_and(|(c, r)| c == "营业执照号" && r.contains("第 2 行")), "{errors:?}");
        assert!(at(2).is_none());
    }

    #[test]
    fn header_normalisation() {
        assert_eq!(normalize_header(" 类型（个人/企业）*"), "类型");
        assert_eq!(normalize_header("紧急联系人 电话"), "紧急联系人电话");
        assert_eq!(normalize_header("姓名/名称"), "姓名/名称");
    }
}
