//! A repair's journey in headless Chromium: the receptionist records a repair at the desk
//! (RCP-3 opens the work order), customer service dispatches it, the engineer arrives, agrees
//! the plan, finishes, the test is witnessed (REP-6), and the owner signs on the screen (REP-7); the callback closes the order
//! and with it the reception record (RCP-7).

mod common;

use common::browser::{self, act, login};
use common::spawn_app;
use fantoccini::{Client, Locator};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::create_department;
use propdesk_store::{AsEx, Sql};

async fn status_is(c: &Client, words: &str) {
    c.wait().for_element(Locator::XPath(&format!("//h1/span[contains(., '{words}')]"))).await.unwrap_or_else(|e| panic!("status {words}: {e}"));
}

#[tokio::test]
async fn rcp_3_rep_7_rcp_7_repair_from_the_desk_to_the_signed_off_closed_order() {
    let Some(b) = browser::start().await else { return };
    let app = spawn_app().await;
    let eng = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    app.staff("kefu", "specialist", &[app.project_a]).await;
    let engineer = app.member("gongcheng", "周工", "engineering", eng).await;
    let unit =
        UnitInput { building_id: app.building_a.to_string(), unit_no: "A-101".into(), kind: "shop".into(), building_area: "90".into(), ..Default::default() };
    create_unit(&app.db, &app.root, &unit).await.expect("unit");
    let c = &b.client;
    let base = &app.base;

    login(c, base, "qiantai").await;
    c.goto(&format!("{base}/reception")).await.expect("desk");
    c.find(Locator::Css("input[name=contact_name]")).await.expect("name").send_keys("王女士").await.expect("type");
    c.find(Locator::Css("input[name=contact_phone]")).await.expect("phone").send_keys("13800138000").await.expect("type");
    c.find(Locator::Css("textarea[name=content]")).await.expect("content").send_keys("店内卫生间水龙头漏水").await.expect("type");
    c.find(Locator::Css("button.cat-repair")).await.expect("报修 button").click().await.expect("click");
    c.wait().for_element(Locator::XPath("//*[contains(., 'HXGC/WXWT001')]")).await.expect("the work order it started");
    let mut conn = app.db.read().await.expect("conn");
    let id = conn.ex().scalar(Sql::new("SELECT id FROM work_orders WHERE number = 'HXGC/WXWT001' AND reception_id IS NOT NULL")).await.expect("order");
    drop(conn);
    let page = format!("{base}/work-orders/{id}");

    login(c, base, "kefu").await;
    c.goto(&page).await.expect("order");
    c.execute("document.getElementById('assignee').value = arguments[0];", vec![serde_json::json!(format!("{eng}:{engineer}"))]).await.expect("pick");
    act(c, "dispatch").await;
    status_is(c, "已派工").await;

    login(c, base, "gongcheng").await;
    c.goto(&page).await.expect("order");
    act(c, "arrive").await;
    status_is(c, "已到场").await;
    c.wait().for_element(Locator::Css("#plan")).await.expect("plan").send_keys("更换水龙头阀芯").await.expect("type");
    act(c, "start").await;
    status_is(c, "维修中").await;
    c.wait().for_element(Locator::Css("#result")).await.expect("result").send_keys("已更换阀芯，无渗漏").await.expect("type");
    act(c, "finish").await;
    status_is(c, "待验收").await;
    // REP-6: a leak repair is tested with the owner and the property office before sign-off.
    for id in ["#owner-present", "#office-present", "#test-pass"] {
        c.find(Locator::Css(id)).await.expect("test field").click().await.expect("tick");
    }
    act(c, "record_test").await;
    c.wait().for_element(Locator::Css("#tests")).await.expect("the test is on record");
    c.wait().for_element(Locator::Css("#signed-by")).await.expect("signer").send_keys("王女士").await.expect("type");
    c.execute(
        r#"const p = document.getElementById("sig-pad"), r = p.getBoundingClientRect();
           const ev = (t, x, y) => p.dispatchEvent(new PointerEvent(t, {clientX: r.left + x, clientY: r.top + y, pointerId: 1, bubbles: true}));
           ev("pointerdown", 30, 120); ev("pointermove", 120, 40); ev("pointermove", 220, 150); ev("pointermove", 320, 60); ev("pointerup", 320, 60);"#,
        vec![],
    )
    .await
    .expect("draw");
    let sig = c.find(Locator::Css("#signature")).await.expect("field").prop("value").await.expect("value").unwrap_or_default();
    assert!(sig.starts_with("data:image/png;base64,iVBORw0KGgo"), "the pad fills the hidden field with a PNG data URL");
    b.shot("rep-01-sign-off").await;
    act(c, "sign_off").await;
    status_is(c, "待回访").await;

    login(c, base, "kefu").await;
    c.goto(&page).await.expect("order");
    c.find(Locator::Css("input[name=satisfied][value='1']")).await.expect("satisfied").click().await.expect("tick");
    act(c, "callback_done").await;
    c.accept_alert().await.expect("confirm the callback result");
    status_is(c, "已关闭").await;
    b.shot("rep-02-closed").await;
    let mut conn = app.db.read().await.expect("conn");
    let signature: (Option<String>,) = conn.ex().fetch_one(Sql::new("SELECT signature FROM work_orders WHERE id = $1").arg(id)).await.expect("row");
    assert_eq!(signature.0, Some(sig), "the drawn signature is kept on the order");
    let open = conn.ex().scalar(Sql::new("SELECT COUNT(*) FROM reception_records WHERE status = 'open'")).await.expect("count");
    assert_eq!(open, 0, "RCP-7: the repair record closed with its work order");
    drop(conn);
    let _ = c.clone().close().await;
}
