//! Real journeys in headless Chromium against the real server.

mod common;

use common::{browser, spawn_app};
use fantoccini::Locator;
use propdesk::ops::org::{UnitInput, create_unit};

#[tokio::test]
async fn org_2_staff_logs_in_opens_a_unit_creates_a_party_and_sees_it() {
    let Some(b) = browser::start().await else { return };
    let app = spawn_app().await;
    app.staff("liming", "specialist", &[app.project_a]).await;
    let unit = UnitInput {
        building_id: app.building_a.to_string(),
        unit_no: "A-101".into(),
        kind: "shop".into(),
        building_area: "120.5".into(),
        use_purpose: "餐饮".into(),
        ..Default::default()
    };
    let unit_id = create_unit(&app.db, &app.root, &unit).await.expect("unit");
    let c = &b.client;

    c.goto(&format!("{}/units", app.base)).await.expect("goto");
    // Not logged in: the login page, in Chinese.
    browser::fill_login(c, "liming").await;
    b.shot("01-login").await;
    c.find(Locator::Css("button[type=submit]")).await.expect("submit").click().await.expect("click");

    // Back on the unit list it came from; open the unit.
    let link = c.wait().for_element(Locator::LinkText("A-101")).await.expect("unit in list");
    b.shot("02-units").await;
    link.click().await.expect("open unit");
    c.wait().for_element(Locator::XPath("//h1[contains(., 'A-101')]")).await.expect("unit page heading");
    assert!(c.current_url().await.expect("url").path().ends_with(&format!("/units/{unit_id}")));
    b.shot("03-unit").await;

    // Create a merchant with a licence number through the form.
    c.goto(&format!("{}/parties/new?kind=company", app.base)).await.expect("new party");
    c.find(Locator::Css("#name")).await.expect("name").send_keys("老北京涮肉有限公司").await.expect("type");
    c.find(Locator::Css("#phone")).await.expect("phone").send_keys("13800138000").await.expect("type");
    // A wrong check character first: the form must refuse it in Chinese and keep what was typed.
    c.find(Locator::Css("#licence_no")).await.expect("licence").send_keys("91110108MA01A2B3C0").await.expect("type");
    c.find(Locator::Css("form.grid button")).await.expect("save").click().await.expect("click");
    let err = c.wait().for_element(Locator::Css(".field-error .error")).await.expect("field error").text().await.expect("text");
    assert!(err.contains("校验位"), "licence error in Chinese: {err}");
    b.shot("04-party-error").await;
    let name_kept = c.find(Locator::Css("#name")).await.expect("name").prop("value").await.expect("value");
    assert_eq!(name_kept.as_deref(), Some("老北京涮肉有限公司"));
    let check = propdesk_domain::values::uscc_check_char("91110108MA01A2B3C").expect("check");
    let licence = c.find(Locator::Css("#licence_no")).await.expect("licence");
    licence.clear().await.expect("clear");
    licence.send_keys(&format!("91110108MA01A2B3C{check}")).await.expect("type");
    c.find(Locator::Css("form.grid button")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::XPath("//h1[contains(., '老北京涮肉有限公司')]")).await.expect("party page heading");
    assert!(c.current_url().await.expect("url").path().starts_with("/parties/"));
    b.shot("05-party").await;

    // And it is in the list.
    c.goto(&format!("{}/parties?q=涮肉", app.base)).await.expect("list");
    c.wait().for_element(Locator::LinkText("老北京涮肉有限公司")).await.expect("party in list");
    b.shot("06-parties").await;
    let _ = c.clone().close().await;
}
