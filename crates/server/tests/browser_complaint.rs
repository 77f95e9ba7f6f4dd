//! The journey in headless Chromium: a receptionist records a complaint, a department
//! replies with a plan and finishes, the customer's opinion is recorded, the callback is made,
//! and the monthly report counts it (RCP-1, RCP-3, CMP-4, CMP-5, CMP-6, CMP-11, CBK-1, CBK-5, CMP-13).

mod common;

use common::browser::{self, act, login};
use common::spawn_app;
use fantoccini::{Client, Locator};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::create_department;
use propdesk_store::{AsEx, Sql};

async fn status_is(c: &Client, words: &str) {
    c.wait().for_element(Locator::XPath(&format!("//dd[contains(., '{words}')]"))).await.unwrap_or_else(|e| panic!("status {words}: {e}"));
}

#[tokio::test]
async fn rcp_1_cmp_4_cbk_1_cmp_13_complaint_from_the_desk_to_the_monthly_report() {
    let Some(b) = browser::start().await else { return };
    let app = spawn_app().await;
    let eng = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    app.staff("kefu", "specialist", &[app.project_a]).await;
    app.member("gongcheng", "周工", "engineering", eng).await;
    let unit =
        UnitInput { building_id: app.building_a.to_string(), unit_no: "A-101".into(), kind: "shop".into(), building_area: "90".into(), ..Default::default() };
    create_unit(&app.db, &app.root, &unit).await.expect("unit");
    let c = &b.client;
    let base = &app.base;

    // The receptionist takes the call and picks 投诉.
    login(c, base, "qiantai").await;
    c.goto(&format!("{base}/reception")).await.expect("desk");
    c.find(Locator::Css("input[name=contact_name]")).await.expect("name").send_keys("王女士").await.expect("type");
    c.find(Locator::Css("input[name=contact_phone]")).await.expect("phone").send_keys("13800138000").await.expect("type");
    c.find(Locator::Css("textarea[name=content]")).await.expect("content").send_keys("店门口排水沟堵塞，下雨积水").await.expect("type");
    b.shot("journey-01-desk").await;
    c.find(Locator::Css("button.cat-complaint")).await.expect("投诉 button").click().await.expect("click");
    c.wait().for_element(Locator::XPath("//*[contains(., 'HXGC/TS001')]")).await.expect("the complaint it started");
    let mut conn = app.db.read().await.expect("conn");
    let id = conn
        .ex()
        .scalar(Sql::new("SELECT id FROM complaints WHERE number = 'HXGC/TS001' AND reception_id IS NOT NULL"))
        .await
        .expect("complaint from the desk");
    drop(conn);
    let page = format!("{base}/complaints/{id}");

    // Customer service dispatches the handling form to engineering.
    login(c, base, "kefu").await;
    c.goto(&page).await.expect("complaint");
    c.find(Locator::Css(&format!("input[name=departments][value='{eng}']"))).await.expect("department box").click().await.expect("tick");
    act(c, "dispatch").await;
    status_is(c, "已派单").await;

    // Engineering accepts, replies with a plan and a deadline, and finishes.
    login(c, base, "gongcheng").await;
    c.goto(&page).await.expect("complaint");
    act(c, "accept").await;
    c.wait().for_element(Locator::Css("#plan")).await.expect("plan form").send_keys("清理排水沟并加装截水篦子").await.expect("type");
    let due = (chrono::Utc::now() + chrono::Duration::days(3)).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%dT%H:%M").to_string();
    c.execute("document.getElementById('due').value = arguments[0];", vec![serde_json::json!(due)]).await.expect("set due");
    act(c, "submit_plan").await;
    status_is(c, "处理中").await;
    c.wait().for_element(Locator::Css("#result")).await.expect("finish form").send_keys("已疏通并加装篦子").await.expect("type");
    act(c, "finish").await;
    status_is(c, "已解决").await;

    // Customer service records the customer's final opinion; the callback falls due.
    login(c, base, "kefu").await;
    c.goto(&page).await.expect("complaint");
    c.wait().for_element(Locator::Css("#opinion")).await.expect("opinion form").send_keys("满意").await.expect("type");
    act(c, "record_opinion").await;
    status_is(c, "待回访").await;
    b.shot("journey-02-awaiting-callback").await;

    // The callback by phone, with the three ratings.
    c.goto(&format!("{base}/callbacks")).await.expect("callbacks");
    c.wait().for_element(Locator::XPath("//td/a[starts-with(@href, '/callbacks/')]")).await.expect("callback link").click().await.expect("open");
    c.wait().for_element(Locator::Css("input[name=method][value=phone]")).await.expect("method").click().await.expect("phone");
    for f in ["quality", "speed", "attitude"] {
        c.find(Locator::Css(&format!("input[name={f}][value='5']"))).await.expect("rating").click().await.expect("rate");
    }
    c.find(Locator::Css("input[name=satisfied][value=yes]")).await.expect("satisfied").click().await.expect("yes");
    b.shot("journey-03-callback").await;
    c.find(Locator::XPath("//button[contains(., '保存回访')]")).await.expect("save").click().await.expect("save");
    // Wait for the saved page before leaving it, so the submission is not cut off.
    c.wait().for_element(Locator::Css(".flash")).await.expect("callback saved");
    c.goto(&page).await.expect("complaint");
    status_is(c, "已关闭").await;

    // The monthly report counts it, handled and called back.
    let month = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m").to_string();
    c.goto(&format!("{base}/reports/complaints?project_id={}&month={month}", app.project_a)).await.expect("report");
    let callback = c.wait().for_element(Locator::Css("tr[data-rate=callback]")).await.expect("callback rate").text().await.expect("text");
    assert!(callback.contains("100"), "callback rate: {callback}");
    let handling = c.find(Locator::Css("tr[data-rate=handling]")).await.expect("handling rate").text().await.expect("text");
    assert!(handling.contains("1 /") || handling.contains("100"), "handling rate: {handling}");
    b.shot("journey-04-report").await;
    let _ = c.clone().close().await;
}
