//! FEE-10: the collection rate — collected ÷ billed over a period's bill lines, deposits left
//! out — per project on the board, by building and by item in the monthly fee report (print,
//! Excel), and the unit page's bills, payments and open arrears cases.

mod common;

use common::fees::{actor, item, setup};
use common::spawn_app;
use propdesk::ops::arrears::{self as arrears_ops};
use propdesk::ops::fee::{self, parse_period};
use propdesk::ops::org::today;
use propdesk::ops::payment::{self, PaymentInput};
use propdesk_domain::access::Role;
use propdesk_domain::values::Month;
use propdesk_store::models::fee::{RateBy, collection_rates, overdue_totals};

#[tokio::test]
async fn fee_10_collection_rate_by_project_building_and_item_leaves_deposits_out() {
    let app = spawn_app().await;
    let (u1, _, owner1, _, _) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    fee::create_item(&app.db, &a, &item(&app, "管理费", "management", "fixed", "100", "owner")).await.expect("item");
    fee::create_item(&app.db, &a, &item(&app, "装修押金", "fitout_deposit", "fixed", "2000", "owner")).await.expect("deposit");
    let month = Month::of(today());
    fee::run_billing(&app.db, &a, app.project_a, parse_period("month", &month.to_string()).expect("period")).await.expect("run");
    // Two units × 100.00 management billed, and a 2,000.00 deposit each (held, not earned).
    // 王业主 pays both of 1201's lines.
    let pay = PaymentInput {
        project_id: app.project_a.to_string(),
        payer_id: owner1.to_string(),
        unit_id: u1.to_string(),
        amount: "2100".into(),
        method: "cash".into(),
        paid_on: today().to_string(),
        ..Default::default()
    };
    payment::record(&app.db, &a, &pay).await.expect("payment");
    let mut c = app.db.read().await.expect("conn");
    let (from, to) = (month.first_day(), month.last_day());
    let by_project = collection_rates(&mut c, &a, None, from, to, RateBy::Project).await.expect("rates");
    assert_eq!(by_project.len(), 1);
    let p = &by_project[0];
    // Deposits out: billed 200.00, collected 100.00 → 50.0 %, whatever was paid on deposits.
    assert_eq!((p.lines, p.billed, p.collected, p.percent()), (2, 20_000, 10_000, 50.0), "{p:?}");
    let by_item = collection_rates(&mut c, &a, Some(app.project_a), from, to, RateBy::Item).await.expect("rates");
    assert_eq!(by_item.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(), vec!["管理费"]);
    let by_building = collection_rates(&mut c, &a, Some(app.project_a), from, to, RateBy::Building).await.expect("rates");
    assert_eq!((by_building.len(), by_building[0].billed), (1, 20_000));
    // Nothing billed in another month: no rows (the page shows 100 % of nothing).
    let next = Month::parse(&format!("{}-{:02}", month.year + 1, month.month)).expect("month");
    assert!(collection_rates(&mut c, &a, None, next.first_day(), next.last_day(), RateBy::Project).await.expect("rates").is_empty());
    // Another project's staff see none of it.
    let outsider = propdesk_domain::access::Actor { projects: vec![app.project_b], ..a.clone() };
    assert!(collection_rates(&mut c, &outsider, None, from, to, RateBy::Project).await.expect("rates").is_empty());
    // Overdue on the day after the due date (10 days in): 李业主's 100.00, deposits left out.
    let overdue = overdue_totals(&mut c, &a, Some(app.project_a), from + chrono::Duration::days(11)).await.expect("overdue");
    assert_eq!(overdue, vec![(app.project_a, 10_000)]);
}

#[tokio::test]
async fn fee_10_report_board_and_unit_page_show_the_rate_the_arrears_and_the_links() {
    let app = spawn_app().await;
    let (u1, u2, _owner1, owner2, _tenant) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    fee::create_item(&app.db, &a, &item(&app, "管理费", "management", "fixed", "100", "owner")).await.expect("item");
    let month = Month::of(today());
    // Two months back, so its lines are overdue now and an arrears case can open.
    let old = {
        let d = month.first_day() - chrono::Duration::days(40);
        Month::of(d)
    };
    for m in [old, month] {
        fee::run_billing(&app.db, &a, app.project_a, parse_period("month", &m.to_string()).expect("period")).await.expect("run");
    }
    let pay = PaymentInput {
        project_id: app.project_a.to_string(),
        payer_id: owner2.to_string(),
        unit_id: u2.to_string(),
        amount: "100".into(),
        method: "cash".into(),
        paid_on: today().to_string(),
        ..Default::default()
    };
    let paid = payment::record(&app.db, &a, &pay).await.expect("payment");
    arrears_ops::open_overdue(&app.db, &a, app.project_a).await.expect("arrears");
    let c = app.login("zhuguan").await;
    let p = app.project_a;
    // The report: by building and by item, the overdue total, Excel and print.
    let (s, report) = app.get_text(&c, &format!("/reports/fees?project_id={p}&month={old}")).await;
    assert_eq!(s, 200);
    // Old month: 200.00 billed, 李业主's 100.00 paid the oldest line → 50.0 %.
    assert!(report.contains("50.0%") && report.contains("管理费") && report.contains("by-building"), "{report}");
    assert!(report.contains("data-count=\"overdue\""), "{report}");
    let (s, bad) = app.get_text(&c, &format!("/reports/fees?project_id={p}&month=2026-13")).await;
    assert_eq!(s, 422);
    assert!(bad.contains("月份格式应为 YYYY-MM"), "{bad}");
    let x = c.get(format!("{}/reports/fees?project_id={p}&month={old}&format=xlsx", app.base)).send().await.expect("xlsx");
    assert_eq!(x.status(), 200);
    assert!(x.headers()["content-type"].to_str().expect("ct").contains("spreadsheetml"));
    let (_, menu) = app.get_text(&c, &format!("/reports/complaints?project_id={p}")).await;
    assert!(menu.contains("/reports/fees?project_id="), "reachable from the reports menu");
    // The board: this month's rate per project (nothing paid this month yet → 0.0 %).
    let (_, board) = app.get_text(&c, &format!("/board?project_id={p}")).await;
    assert!(board.contains("本月收缴率") && board.contains("0.0%"), "{board}");
    // The unit page: its bills, the payment and the open arrears case, with links.
    let (s, unit) = app.get_text(&c, &format!("/units/{u1}?tab=fees")).await;
    assert_eq!(s, 200);
    assert!(unit.contains("unit-bills") && unit.contains("管理费") && unit.contains("unit-arrears") && unit.contains("/fees/arrears/"), "{unit}");
    let (_, unit2) = app.get_text(&c, &format!("/units/{u2}?tab=fees")).await;
    assert!(unit2.contains(&format!("/fees/payments/{paid}")), "{unit2}");
    // The API gives the same rates, grouped as asked.
    let token = app.token("zhuguan").await;
    let http = app.client();
    let get = |path: String| http.get(format!("{}{path}", app.base)).bearer_auth(&token).send();
    let rates: serde_json::Value = get(format!("/api/v1/collection-rates?month={old}&by=item")).await.expect("rates").json().await.expect("json");
    assert_eq!(
        (rates["items"][0]["label"].as_str(), rates["items"][0]["billed_fen"].as_i64(), rates["items"][0]["rate"].as_f64()),
        (Some("管理费"), Some(20_000), Some(50.0))
    );
    assert_eq!(get("/api/v1/collection-rates?by=floor".into()).await.expect("rates").status(), 422);
    assert_eq!(get("/api/v1/collection-rates?month=13-2026".into()).await.expect("rates").status(), 422);
    // A staff member without fees sees no fee tab.
    app.staff("gongcheng", "engineering", &[app.project_a]).await;
    let e = app.login("gongcheng").await;
    let (_, plain) = app.get_text(&e, &format!("/units/{u1}")).await;
    assert!(!plain.contains("tab=fees"), "{plain}");
}
