//! POR-2 / FEE-3 in headless Chromium: a manager sets up the SMS gateway (the form shows only the
//! chosen kind's settings) and sends it a test message; a supervisor sends the month's payment
//! notices from the notices page (confirming the dialog) and sees each one sent.

mod common;

use chrono::Utc;
use common::browser::{self, login};
use common::fees::{actor, item, setup};
use common::gateway::{Gateway, KEY};
use common::spawn_app;
use fantoccini::{Client, Locator};
use propdesk::jobs::party_messages::{Transports, deliver_due};
use propdesk::ops::fee::{self, parse_period};
use propdesk_domain::access::Role;

async fn text_appears(c: &Client, words: &str) {
    c.wait().for_element(Locator::XPath(&format!("//*[contains(., '{words}')]"))).await.unwrap_or_else(|e| panic!("{words}: {e}"));
}

async fn type_into(c: &Client, css: &str, text: &str) {
    let el = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

async fn shown(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).is_displayed().await.expect("displayed")
}

#[tokio::test]
async fn por_2_fee_3_set_up_the_sms_gateway_and_send_the_months_notices() {
    let Some(b) = browser::start().await else { return };
    let app = spawn_app().await;
    setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    fee::create_item(&app.db, &actor(&app, sup, Role::Supervisor), &item(&app, "物业服务费", "property_service", "area", "3", "owner")).await.expect("item");
    fee::run_billing(&app.db, &actor(&app, sup, Role::Supervisor), app.project_a, parse_period("month", "2026-12").expect("p")).await.expect("run");
    let (gw, url) = Gateway::start().await;
    let c = &b.client;
    let base = &app.base;

    // The manager: e-mail shows the SMTP settings, the gateway its address.
    login(c, base, "jingli").await;
    c.goto(&format!("{base}/admin/channels")).await.expect("channels");
    c.find(Locator::Css("#kind")).await.expect("kind").select_by_value("email").await.expect("email");
    assert!(shown(c, "#host").await && !shown(c, "#url").await, "e-mail shows its SMTP settings only");
    c.find(Locator::Css("#kind")).await.expect("kind").select_by_value("webhook").await.expect("webhook");
    assert!(shown(c, "#url").await && !shown(c, "#host").await, "the gateway shows its address only");
    type_into(c, "#name", "短信网关").await;
    type_into(c, "#url", &url).await;
    type_into(c, "#secret", KEY).await;
    c.find(Locator::XPath("//form[@action='/admin/channels']//button[contains(., '保存')]")).await.expect("save").click().await.expect("click");
    text_appears(c, "发送测试消息").await;
    type_into(c, "#to", "13900139000").await;
    c.find(Locator::XPath("//button[contains(., '立即发送')]")).await.expect("send test").click().await.expect("click");
    text_appears(c, "测试消息已发出").await;
    assert_eq!(gw.messages().len(), 1);
    b.shot("channel-01-test-sent").await;

    // The supervisor sends December's notices; the dialog asks first.
    login(c, base, "zhuguan").await;
    c.goto(&format!("{base}/fees/notices?project_id={}&period=2026-12", app.project_a)).await.expect("notices");
    c.find(Locator::XPath("//button[contains(., '发送电子通知')]")).await.expect("send").click().await.expect("click");
    c.accept_alert().await.expect("confirm the dialog");
    text_appears(c, "本次排队发送 2").await;
    deliver_due(&app.db, &Transports::new().expect("transports"), Utc::now()).await.expect("deliver");
    c.refresh().await.expect("reload");
    let sent = c.find_all(Locator::XPath("//div[@class='sent-line']/span[contains(., '已发送')]")).await.expect("sent lines");
    assert_eq!(sent.len(), 2, "each notice shows its text as sent");
    assert_eq!(gw.messages().len(), 3);
    b.shot("channel-02-notices-sent").await;
}
