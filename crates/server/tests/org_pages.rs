mod common;

use chrono::{Days, Utc};
use common::spawn_app;
use propdesk::ops::org::{LeaseInput, PartyInput, UnitInput, create_lease, create_party, create_unit};

async fn unit(app: &common::TestApp, building: i64, no: &str) -> i64 {
    let input = UnitInput { building_id: building.to_string(), unit_no: no.into(), kind: "shop".into(), building_area: "100".into(), ..Default::default() };
    create_unit(&app.db, &app.root, &input).await.expect("unit")
}

async fn person(app: &common::TestApp, project: i64, name: &str, phone: &str) -> i64 {
    let input = PartyInput { project_id: project.to_string(), kind: "person".into(), name: name.into(), phone: phone.into(), ..Default::default() };
    create_party(&app.db, &app.root, &input).await.expect("party")
}

#[tokio::test]
async fn org_6_login_and_see_only_assigned_projects() {
    let app = spawn_app().await;
    app.staff("zhang", "receptionist", &[app.project_a]).await;
    let c = app.login("zhang").await;
    let (status, body) = app.get_text(&c, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("红星广场"));
    assert!(!body.contains("丽湖苑"), "project B must not show for a staff member of A only");
}

#[tokio::test]
async fn sec_2_another_projects_unit_is_not_found() {
    let app = spawn_app().await;
    let b_unit = unit(&app, app.building_b, "1-101").await;
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let (status, _) = app.get_text(&c, &format!("/units/{b_unit}")).await;
    assert_eq!(status, 404, "no existence leak");
    let (_, list) = app.get_text(&c, "/units?q=1-101").await;
    assert!(!list.contains(&format!("href=\"/units/{b_unit}\"")), "search must not find other projects' units");
    let (s, _, _) = app.post_form(&c, &format!("/units/{b_unit}/leases"), &[("party_id", "1"), ("start_date", "2026-01-01")]).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn sec_2_field_departments_do_not_see_personal_data() {
    let app = spawn_app().await;
    app.staff("gong", "engineering", &[app.project_a]).await;
    let c = app.login("gong").await;
    assert_eq!(app.get_text(&c, "/parties").await.0, 403);
    assert_eq!(app.get_text(&c, "/units").await.0, 200);
}

#[tokio::test]
async fn org_1_unit_form_refuses_bad_input_in_chinese_and_saves_nothing() {
    let app = spawn_app().await;
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let b = app.building_a.to_string();
    let (s, _, body) = app.post_form(&c, "/units", &[("building_id", &b), ("unit_no", "A-201"), ("kind", "shop"), ("building_area", "-5")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("面积必须是大于 0 的数字"), "Chinese field error");
    assert!(body.contains("value=\"A-201\""), "the form keeps what was typed");
    let (_, list) = app.get_text(&c, "/units").await;
    assert!(!list.contains("A-201"), "nothing saved");
    let (s, loc, _) = app.post_form(&c, "/units", &[("building_id", &b), ("unit_no", "A-201"), ("kind", "shop"), ("building_area", "88.5")]).await;
    assert_eq!(s, 303);
    assert!(loc.starts_with("/units/"));
    // ORG-1: unit numbers are unique per building.
    let (s, _, body) = app.post_form(&c, "/units", &[("building_id", &b), ("unit_no", "a-201"), ("kind", "shop"), ("building_area", "50")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("已存在"));
}

#[tokio::test]
async fn org_1_stale_edit_is_a_conflict() {
    let app = spawn_app().await;
    let id = unit(&app, app.building_a, "A-301").await;
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let b = app.building_a.to_string();
    let form = |v: &'static str| {
        vec![
            ("building_id", b.clone()),
            ("unit_no", "A-301".to_string()),
            ("kind", "office".to_string()),
            ("building_area", "120".to_string()),
            ("version", v.to_string()),
        ]
    };
    let f1 = form("1");
    let f1: Vec<(&str, &str)> = f1.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.post_form(&c, &format!("/units/{id}"), &f1).await.0, 303);
    // The same version again: somebody else's edit came first.
    assert_eq!(app.post_form(&c, &format!("/units/{id}"), &f1).await.0, 409);
}

#[tokio::test]
async fn org_6_forms_need_the_csrf_token() {
    let app = spawn_app().await;
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let r = c.post(format!("{}/units", app.base)).form(&[("building_id", app.building_a.to_string()), ("unit_no", "X1".into())]).send().await.expect("post");
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn org_6_receptionist_cannot_edit_units() {
    let app = spawn_app().await;
    app.staff("qian", "receptionist", &[app.project_a]).await;
    let c = app.login("qian").await;
    assert_eq!(app.get_text(&c, "/units/new").await.0, 403);
    let b = app.building_a.to_string();
    let (s, _, _) = app.post_form(&c, "/units", &[("building_id", &b), ("unit_no", "A-9"), ("kind", "shop"), ("building_area", "50")]).await;
    assert_eq!(s, 403, "enforced in ops, not only by hiding the button");
}

#[tokio::test]
async fn org_3_transfer_and_lease_overlap_through_the_unit_page() {
    let app = spawn_app().await;
    let u = unit(&app, app.building_a, "A-101").await;
    let dev = person(&app, app.project_a, "红星置业", "13800000001").await.to_string();
    let buyer = person(&app, app.project_a, "张三", "13800000002").await.to_string();
    let tenant = person(&app, app.project_a, "李四", "13800000003").await.to_string();
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    assert_eq!(app.post_form(&c, &format!("/units/{u}/ownerships"), &[("party_id", &dev), ("start_date", "2020-01-01")]).await.0, 303);
    assert_eq!(app.post_form(&c, &format!("/units/{u}/ownerships"), &[("party_id", &buyer), ("start_date", "2026-03-01")]).await.0, 303);
    let (_, page) = app.get_text(&c, &format!("/units/{u}?tab=ownership")).await;
    assert!(page.contains("2026-02-28"), "the developer's record ends the day before the transfer");
    // A transfer dated before the current owner's start is refused.
    let (s, _, body) = app.post_form(&c, &format!("/units/{u}/ownerships"), &[("party_id", &dev), ("start_date", "2025-01-01")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("过户日期必须晚于"));
    assert_eq!(
        app.post_form(
            &c,
            &format!("/units/{u}/leases"),
            &[("party_id", &tenant), ("start_date", "2026-01-01"), ("end_date", "2026-12-31"), ("monthly_rent", "12000")]
        )
        .await
        .0,
        303
    );
    let (s, _, body) = app.post_form(&c, &format!("/units/{u}/leases"), &[("party_id", &buyer), ("start_date", "2026-06-01")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("重叠"));
    // The register of March 2026 shows both owners; February only the developer.
    let p = app.project_a;
    let (_, march) = app.get_text(&c, &format!("/registers/ownership?project_id={p}&month=2026-03")).await;
    assert!(march.contains("张三") && !march.contains("红星置业"));
    let (_, feb_mar) = app.get_text(&c, &format!("/registers/ownership?project_id={p}&month=2026-02")).await;
    assert!(feb_mar.contains("红星置业"));
    let (_, leases) = app.get_text(&c, &format!("/registers/leases?project_id={p}&month=2026-06")).await;
    assert!(leases.contains("李四") && leases.contains("12000.00"));
    // Registers export to Excel.
    let r = c.get(format!("{}/registers/leases?project_id={p}&month=2026-06&format=xlsx", app.base)).send().await.expect("xlsx");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], b"PK", "an xlsx (zip) file");
}

#[tokio::test]
async fn org_4_late_archive_entries_are_flagged_and_the_year_end_export_has_every_sheet() {
    use calamine::Reader;
    let app = spawn_app().await;
    let u = unit(&app, app.building_a, "A-101").await;
    let tenant = person(&app, app.project_a, "王五", "13800000005").await;
    let today = Utc::now().date_naive();
    let started = today.checked_sub_days(Days::new(10)).expect("date");
    let lease = LeaseInput { unit_id: u.to_string(), party_id: tenant.to_string(), start_date: started.to_string(), ..Default::default() };
    create_lease(&app.db, &app.root, &lease).await.expect("lease");
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let month = started.format("%Y-%m");
    let (_, page) = app.get_text(&c, &format!("/registers/leases?project_id={}&month={month}", app.project_a)).await;
    assert!(page.contains("超过2天登记"), "a move-in entered 10 days after it took effect is late");
    let r = c.get(format!("{}/archive/export?project_id={}&year={}", app.base, app.project_a, started.format("%Y"))).send().await.expect("export");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("bytes").to_vec();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("workbook");
    assert_eq!(wb.sheet_names(), vec!["房屋", "客户", "联系人", "产权清册", "租赁清册"]);
    let leases = wb.worksheet_range("租赁清册").expect("sheet");
    assert!(leases.rows().any(|r| r.iter().any(|c| *c == "王五")));
}

#[tokio::test]
async fn org_5_key_customers_are_marked_and_filtered() {
    let app = spawn_app().await;
    let input = PartyInput {
        project_id: app.project_a.to_string(),
        kind: "company".into(),
        name: "重点商户有限公司".into(),
        phone: "010-88886666".into(),
        licence_no: "110108012345678".into(),
        key_customer: true,
        ..Default::default()
    };
    create_party(&app.db, &app.root, &input).await.expect("key customer");
    person(&app, app.project_a, "普通客户", "13800000009").await;
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let (_, page) = app.get_text(&c, "/parties?key=1").await;
    assert!(page.contains("重点商户有限公司") && !page.contains("普通客户"));
}

#[tokio::test]
async fn org_2_english_is_available_and_chinese_is_default() {
    let app = spawn_app().await;
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let (_, zh) = app.get_text(&c, "/units").await;
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("房屋"));
    let r = c.get(format!("{}/lang/en?next=/units", app.base)).send().await.expect("lang");
    assert_eq!(r.status(), 303);
    let (_, en) = app.get_text(&c, "/units").await;
    assert!(en.contains("lang=\"en\"") && en.contains("Units"));
}

#[tokio::test]
async fn org_6_login_failures_are_throttled() {
    let app = spawn_app().await;
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.client();
    for _ in 0..5 {
        let r = c.post(format!("{}/login", app.base)).form(&[("username", "li"), ("password", "wrong-password")]).send().await.expect("post");
        assert_eq!(r.status(), 401);
    }
    let r = c.post(format!("{}/login", app.base)).form(&[("username", "li"), ("password", common::PASSWORD)]).send().await.expect("post");
    assert_eq!(r.status(), 429, "even the right password waits out the lock");
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let app = spawn_app().await;
    let c = app.client();
    assert_eq!(app.get_text(&c, "/healthz").await, (200, "ok".to_string()));
    let (s, m) = app.get_text(&c, "/metrics").await;
    assert_eq!(s, 200);
    assert!(m.contains("propdesk_http_requests_total"));
}

#[tokio::test]
async fn rpt_3_lists_and_reports_export_to_excel_and_paper_forms_print_on_a4() {
    use propdesk::ops::complaint::{ComplaintInput, create};
    let app = spawn_app().await;
    unit(&app, app.building_a, "A-101").await;
    let spec = app.staff("li", "supervisor", &[app.project_a]).await;
    let actor = propdesk_domain::access::Actor {
        staff_id: spec,
        name: "li".into(),
        company_id: app.company_id,
        role: propdesk_domain::access::Role::Supervisor,
        projects: vec![app.project_a],
    };
    let (complaint, _) = create(&app.db, &actor, &ComplaintInput { project_id: app.project_a.to_string(), content: "噪音".into(), ..Default::default() })
        .await
        .expect("complaint");
    let c = app.login("li").await;
    let p = app.project_a;
    let month = Utc::now().format("%Y-%m");
    for path in [
        "/units?format=xlsx".to_string(),
        "/parties?format=xlsx".to_string(),
        format!("/registers/ownership?project_id={p}&month={month}&format=xlsx"),
        "/complaints?format=xlsx".to_string(),
        "/callbacks?format=xlsx".to_string(),
        format!("/reports/complaints?project_id={p}&month={month}&format=xlsx"),
    ] {
        let r = c.get(format!("{}{path}", app.base)).send().await.expect("export");
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("spreadsheetml")), "{path} is an xlsx");
        assert_eq!(&r.bytes().await.expect("bytes")[..2], b"PK", "{path}");
    }
    // Lists print without the shell; the complaint handling form prints on A4 in three copies.
    let css = app.get_text(&c, "/static/app.css").await.1;
    assert!(css.contains("@page") && css.contains("A4") && css.contains("@media print"));
    let (s, form) = app.get_text(&c, &format!("/complaints/{complaint}/print")).await;
    assert_eq!(s, 200);
    assert!(form.matches("客户投诉处理单").count() >= 3, "three copies");
}

/// Lists export whole: a list page shows 50 rows and a URL may ask for at most 500, but the
/// Excel export of a filtered list carries every matching row (it once stopped at 500).
#[tokio::test]
async fn org_1_excel_export_carries_every_row_not_one_page() {
    use calamine::Reader;
    let app = spawn_app().await;
    for i in 0..520 {
        unit(&app, app.building_a, &format!("B{i:03}")).await;
    }
    app.staff("li", "supervisor", &[app.project_a]).await;
    let c = app.login("li").await;
    let r = c.get(format!("{}/units?project_id={}&format=xlsx", app.base, app.project_a)).send().await.expect("export");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("bytes").to_vec();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("workbook");
    let name = wb.sheet_names().first().cloned().expect("a sheet");
    let sheet = wb.worksheet_range(&name).expect("sheet");
    let units = sheet.rows().filter(|r| r.iter().any(|c| c.to_string().starts_with('B'))).count();
    assert_eq!(units, 520, "every unit, beyond the 500 a page may hold");
}
