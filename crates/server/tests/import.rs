mod common;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use common::{TestApp, spawn_app};
use propdesk_domain::values::uscc_check_char;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::io::Cursor;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook from rows of text. Cells that look like numbers are written as numbers and
/// `date:YYYY-MM-DD` as a real Excel date, as a person typing into Excel would produce.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if v.is_empty() {
                continue;
            }
            if let Some(d) = v.strip_prefix("date:") {
                let mut p = d.split('-').map(|x| x.parse::<u16>().expect("date part"));
                let (y, m, day) = (p.next().expect("y"), p.next().expect("m") as u8, p.next().expect("d") as u8);
                ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(y, m, day).expect("date"), &date).expect("write date");
            } else if let (Ok(n), false) = (v.parse::<f64>(), v.starts_with('0') && v.len() > 1) {
                ws.write_number(r, c, n).expect("write number");
            } else {
                ws.write_string(r, c, *v).expect("write string");
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

/// Posts an upload; returns status, Location and body.
async fn upload(app: &TestApp, c: &reqwest::Client, kind: &str, project: i64, name: &str, bytes: Vec<u8>, csrf: bool) -> (u16, String, String) {
    let token = app.csrf(c).await;
    let mut form = reqwest::multipart::Form::new();
    if csrf {
        form = form.text("_csrf", token);
    }
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(XLSX).expect("mime");
    form = form.text("kind", kind.to_string()).text("project_id", project.to_string()).part("file", part);
    let r = c.post(format!("{}/import", app.base)).multipart(form).send().await.expect("upload");
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.unwrap_or_default())
}

/// Unit numbers of a project as the units list shows them.
async fn units_page(app: &TestApp, c: &reqwest::Client, project: i64) -> String {
    app.get_text(c, &format!("/units?project_id={project}")).await.1
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let mut c = app.db.read().await.expect("read");
    propdesk_store::AsEx::ex(&mut c).scalar(propdesk_store::Sql::new(&format!("SELECT COUNT(*) FROM {table}"))).await.expect("count")
}

fn licence(first17: &str) -> String {
    format!("{first17}{}", uscc_check_char(first17).expect("check char"))
}

/// An error row of the result table.
fn error_row(row: u32, column: &str) -> String {
    format!("<td class=\"num\">{row}</td><td>{column}</td>")
}

#[tokio::test]
async fn org_1_valid_units_file_creates_all_rows() {
    let app = spawn_app().await;
    app.staff("sup", "supervisor", &[app.project_a]).await;
    let c = app.login("sup").await;
    // Columns in another order, with stray spaces and an extra column the importer ignores.
    let file = workbook(&[
        &["房号", " 楼栋编码 ", "类型", "建筑面积", "使用面积", "楼层", "交付日期", "备注（不导入）", "用途"],
        &["A-101", "a", "商铺", "88.5", "70", "1", "date:2026-03-01", "x", "餐饮"],
        &["A-102", "A", "写字间", "120.25", "", "2", "2026-03-02", "", ""],
        &["A-103", "A", "住宅", "95", "", "", "", "", ""],
    ]);
    let (status, location, body) = upload(&app, &c, "units", app.project_a, "房屋清单.xlsx", file, true).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(location, format!("/import?kind=units&project_id={}&imported=3", app.project_a));
    let (_, page) = app.get_text(&c, &location).await;
    assert!(page.contains("导入成功 3 条"), "{page}");

    let list = units_page(&app, &c, app.project_a).await;
    for no in ["A-101", "A-102", "A-103"] {
        assert!(list.contains(no), "unit {no} imported");
    }
    assert_eq!(count(&app, "units").await, 3);
    let mut conn = app.db.read().await.expect("read");
    let u = propdesk_store::models::org::unit_by_no(&mut conn, &app.root, app.building_a, "A-101", chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"))
        .await
        .expect("query")
        .expect("A-101");
    assert_eq!((u.building_area, u.usable_area, u.use_purpose.as_str()), (8850, Some(7000), "餐饮"));
    assert_eq!(u.handover_date.map(|d| d.to_string()).as_deref(), Some("2026-03-01"));
    drop(conn);

    // Each unit has its own history, and the import itself is in the audit log.
    let (_, log) = app.get_text(&c, "/audit").await;
    assert!(log.contains("导入") && log.contains("房屋清单.xlsx"), "{log}");
    assert_eq!(count(&app, "events WHERE entity = 'unit' AND action = 'created'").await, 3);
}

#[tokio::test]
async fn org_1_one_bad_row_saves_nothing_and_lists_the_errors() {
    let app = spawn_app().await;
    app.staff("sup", "supervisor", &[app.project_a, app.project_b]).await;
    let c = app.login("sup").await;
    let file = workbook(&[
        &["楼栋编码", "房号", "类型", "建筑面积", "使用面积"],
        &["A", "A-201", "商铺", "50", ""],
        &["A", "A-202", "商铺", "abc", ""],
        &["A", "A-203", "商铺", "60", ""],
        &["Z", "A-204", "城堡", "60", ""],
        &["A", "A-205", "商铺", "60", "80"],
        &["A", "a-201", "商铺", "50", ""],
    ]);
    let (status, _, body) = upload(&app, &c, "units", app.project_a, "bad.xlsx", file, true).await;
    assert_eq!(status, 422);
    assert!(body.contains("导入失败，未保存任何数据"));
    assert!(body.contains(&error_row(3, "建筑面积")), "{body}");
    assert!(body.contains(&error_row(5, "楼栋编码")) && body.contains("本项目没有编码为 Z 的楼栋"));
    assert!(body.contains(&error_row(5, "类型")) && body.contains("不是可选的值"));
    assert!(body.contains(&error_row(6, "使用面积")) && body.contains("使用面积不能大于建筑面积"));
    assert!(body.contains(&error_row(7, "房号")) && body.contains("与第 2 行的楼栋和房号重复"));
    assert!(!body.contains(&error_row(2, "房号")) && !body.contains(&error_row(4, "建筑面积")));
    assert_eq!(count(&app, "units").await, 0, "nothing saved");
    assert_eq!(count(&app, "events WHERE entity IN ('unit', 'import')").await, 0);

    // A building code of the other project is unknown in this one.
    let file = workbook(&[&["楼栋编码", "房号", "类型", "建筑面积"], &["1", "1-101", "住宅", "90"]]);
    let (status, _, body) = upload(&app, &c, "units", app.project_a, "other.xlsx", file, true).await;
    assert_eq!(status, 422);
    assert!(body.contains(&error_row(2, "楼栋编码")));

    // A file without a required column names it.
    let file = workbook(&[&["楼栋编码", "房号", "类型"], &["A", "A-301", "商铺"]]);
    let (status, _, body) = upload(&app, &c, "units", app.project_a, "short.xlsx", file, true).await;
    assert_eq!(status, 422);
    assert!(body.contains(&error_row(1, "建筑面积")) && body.contains("缺少此列"), "{body}");
}

#[tokio::test]
async fn org_1_database_duplicate_rolls_back_the_whole_file() {
    let app = spawn_app().await;
    app.staff("sup", "supervisor", &[app.project_a]).await;
    let c = app.login("sup").await;
    let first = workbook(&[&["楼栋编码", "房号", "类型", "建筑面积"], &["A", "A-301", "商铺", "50"], &["A", "A-304", "商铺", "50"]]);
    let (status, _, _) = upload(&app, &c, "units", app.project_a, "first.xlsx", first, true).await;
    assert_eq!(status, 303);
    // Valid on its own, but two rows already exist in the database.
    let second = workbook(&[
        &["楼栋编码", "房号", "类型", "建筑面积"],
        &["A", "A-302", "商铺", "50"],
        &["A", "A-301", "商铺", "50"],
        &["A", "A-304", "商铺", "50"],
        &["A", "A-305", "商铺", "50"],
    ]);
    let (status, _, body) = upload(&app, &c, "units", app.project_a, "second.xlsx", second, true).await;
    assert_eq!(status, 422);
    assert!(body.contains(&error_row(3, "房号")) && body.contains(&error_row(4, "房号")) && body.contains("已存在，不能重复"), "{body}");
    assert!(!body.contains(&error_row(2, "房号")));
    assert_eq!(count(&app, "units").await, 2, "A-302 and A-305 rolled back");
    let list = units_page(&app, &c, app.project_a).await;
    assert!(!list.contains("A-302") && !list.contains("A-305"));
    assert_eq!(count(&app, "events WHERE entity = 'import'").await, 1);
}

#[tokio::test]
async fn org_2_parties_import_validates_licence_numbers() {
    let app = spawn_app().await;
    app.staff("sup", "supervisor", &[app.project_a]).await;
    let c = app.login("sup").await;
    let good = licence("91310000MA1FL0000");
    let other = licence("91440300MA5ABCDE0");
    let headers: &[&str] = &["类型(个人/企业)", "姓名/名称", "电话", "营业执照号", "法定代表人", "紧急联系人", "紧急联系人电话"];
    let bad = workbook(&[
        headers,
        &["企业", "红星商贸有限公司", "13800138000", &good, "王红星", "李明", "13900139000"],
        &["企业", "蓝天餐饮有限公司", "13800138001", "91310000MA1FL00001", "", "", ""],
        &["企业", "白云超市有限公司", "13800138002", "", "", "", ""],
        &["个人", "张三", "13800138003", "", "", "", ""],
        &["企业", "重复商贸有限公司", "13800138004", &good.to_lowercase(), "", "", ""],
        &["个人", "李四", "12345", "", "", "王五", ""],
    ]);
    let (status, _, body) = upload(&app, &c, "parties", app.project_a, "客户.xlsx", bad, true).await;
    assert_eq!(status, 422);
    assert!(body.contains(&error_row(3, "营业执照号")), "{body}");
    assert!(body.contains(&error_row(4, "营业执照号")) && body.contains("必填"));
    assert!(body.contains(&error_row(6, "营业执照号")) && body.contains("与第 2 行的营业执照号重复"));
    assert!(body.contains(&error_row(7, "电话")) && body.contains(&error_row(7, "紧急联系人电话")));
    assert!(!body.contains(&error_row(2, "营业执照号")) && !body.contains(&error_row(5, "电话")));
    assert_eq!(count(&app, "parties").await, 0);

    let ok = workbook(&[
        headers,
        &["企业", "红星商贸有限公司", "13800138000", &good, "王红星", "李明", "13900139000"],
        &["个人", "张三", "13800138003", "", "", "", ""],
    ]);
    let (status, location, body) = upload(&app, &c, "parties", app.project_a, "客户.xlsx", ok, true).await;
    assert_eq!(status, 303, "{body}");
    assert!(location.ends_with("imported=2"));
    let (_, list) = app.get_text(&c, &format!("/parties?project_id={}", app.project_a)).await;
    assert!(list.contains("红星商贸有限公司") && list.contains("张三"));
    assert_eq!(count(&app, "contacts").await, 1, "the emergency contact came with the merchant");

    // The same licence number again, now found by the database: nothing of the file is kept.
    let again =
        workbook(&[headers, &["企业", "绿地物流有限公司", "13800138005", &other, "", "", ""], &["企业", "红星商贸（新）", "13800138006", &good, "", "", ""]]);
    let (status, _, body) = upload(&app, &c, "parties", app.project_a, "again.xlsx", again, true).await;
    assert_eq!(status, 422);
    assert!(body.contains(&error_row(3, "营业执照号")) && body.contains("已存在，不能重复"), "{body}");
    assert_eq!(count(&app, "parties").await, 2);
}

#[tokio::test]
async fn org_1_import_refuses_files_it_cannot_take() {
    let app = spawn_app().await;
    app.staff("sup", "supervisor", &[app.project_a]).await;
    let c = app.login("sup").await;
    let ok = workbook(&[&["楼栋编码", "房号", "类型", "建筑面积"], &["A", "A-101", "商铺", "50"]]);
    let (status, _, body) = upload(&app, &c, "units", app.project_a, "units.xls", ok.clone(), true).await;
    assert_eq!(status, 422);
    assert!(body.contains("只支持 .xlsx 格式的 Excel 文件"));
    let (status, _, body) = upload(&app, &c, "units", app.project_a, "units.xlsx", b"not a spreadsheet".to_vec(), true).await;
    assert_eq!(status, 422);
    assert!(body.contains("无法读取该文件"));
    let (status, _, body) = upload(&app, &c, "units", app.project_a, "big.xlsx", vec![b'x'; 5 * 1024 * 1024 + 1], true).await;
    assert_eq!(status, 422);
    assert!(body.contains("文件不能超过 5 MB"));
    // A project the user is not assigned to is not a choice.
    let (status, _, body) = upload(&app, &c, "units", app.project_b, "units.xlsx", ok, true).await;
    assert_eq!(status, 422);
    assert!(body.contains("请选择要导入到的项目"));
    assert_eq!(count(&app, "units").await, 0);
}

#[tokio::test]
async fn org_1_import_without_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.staff("sup", "supervisor", &[app.project_a]).await;
    app.staff("rec", "receptionist", &[app.project_a]).await;
    let c = app.login("sup").await;
    let file = workbook(&[&["楼栋编码", "房号", "类型", "建筑面积"], &["A", "A-101", "商铺", "50"]]);
    let (status, _, _) = upload(&app, &c, "units", app.project_a, "units.xlsx", file.clone(), false).await;
    assert_eq!(status, 403);
    assert_eq!(count(&app, "units").await, 0);
    // Without the import permission, neither the page nor the upload.
    let rec = app.login("rec").await;
    assert_eq!(app.get_text(&rec, "/import").await.0, 403);
    assert_eq!(app.get_text(&rec, "/import/template/units").await.0, 403);
    let (status, _, _) = upload(&app, &rec, "units", app.project_a, "units.xlsx", file, true).await;
    assert_eq!(status, 403);
    assert_eq!(count(&app, "units").await, 0);
}

#[tokio::test]
async fn org_1_templates_carry_the_chinese_headers() {
    let app = spawn_app().await;
    app.staff("sup", "supervisor", &[app.project_a]).await;
    let c = app.login("sup").await;
    let (status, page) = app.get_text(&c, "/import").await;
    assert_eq!(status, 200);
    assert!(page.contains("/import/template/units") && page.contains("/import/template/parties") && page.contains("enctype=\"multipart/form-data\""));
    for (kind, headers) in [
        ("units", vec!["楼栋编码", "房号", "类型", "用途", "楼层", "建筑面积", "使用面积", "土地分摊面积", "附属设施", "交付日期"]),
        (
            "parties",
            vec![
                "类型(个人/企业)",
                "姓名/名称",
                "电话",
                "电子邮箱",
                "身份证号",
                "营业执照号",
                "税务登记号",
                "组织机构代码",
                "法定代表人",
                "经营业态",
                "紧急联系人",
                "紧急联系人电话",
            ],
        ),
    ] {
        let r = c.get(format!("{}/import/template/{kind}", app.base)).send().await.expect("template");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some(XLSX));
        let bytes = r.bytes().await.expect("bytes").to_vec();
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("open template");
        let range = wb.worksheet_range_at(0).expect("a sheet").expect("read sheet");
        let first: Vec<String> = range.rows().next().expect("header row").iter().map(|d| d.to_string()).collect();
        assert_eq!(first, headers);
    }
    assert_eq!(app.get_text(&c, "/import/template/other").await.0, 404);
}
