//! The money side in headless Chromium: a supervisor sets up the property fee and bills a month
//! (FEE-1/FEE-2), prints the payment notices (FEE-3), takes a payment from the ledger and prints
//! its receipt (FEE-4), and walks the other owner's arrears case two rungs up the ladder (FEE-6).

mod common;

use common::browser::{self, login};
use common::spawn_app;
use fantoccini::{Client, Locator};
use propdesk::ops::org::{OwnershipInput, PartyInput, UnitInput, create_party, create_unit, transfer_ownership};

async fn text_appears(c: &Client, words: &str) {
    c.wait().for_element(Locator::XPath(&format!("//*[contains(., '{words}')]"))).await.unwrap_or_else(|e| panic!("{words}: {e}"));
}

async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).select_by_value(value).await.unwrap_or_else(|e| panic!("{css}={value}: {e}"));
}

async fn type_into(c: &Client, css: &str, text: &str) {
    let el = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

#[tokio::test]
async fn fee_1_fee_3_fee_4_fee_6_bill_a_month_print_notices_take_a_payment_and_walk_an_arrears_case() {
    let Some(b) = browser::start().await else { return };
    let app = spawn_app().await;
    for (no, area, owner, phone) in [("1201", "89.37", "王业主", "13800138001"), ("1202", "100", "李业主", "13800138002")] {
        let unit =
            UnitInput { building_id: app.building_a.to_string(), unit_no: no.into(), kind: "office".into(), building_area: area.into(), ..Default::default() };
        let u = create_unit(&app.db, &app.root, &unit).await.expect("unit");
        let party = PartyInput { project_id: app.project_a.to_string(), kind: "person".into(), name: owner.into(), phone: phone.into(), ..Default::default() };
        let p = create_party(&app.db, &app.root, &party).await.expect("party");
        transfer_ownership(&app.db, &app.root, u, &OwnershipInput { party_id: p.to_string(), start_date: "2020-01-01".into(), ..Default::default() })
            .await
            .expect("owner");
    }
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let c = &b.client;
    let base = &app.base;
    let project = app.project_a;
    login(c, base, "zhuguan").await;

    // FEE-1: the property service fee, 3 元/m² a month, due ten days into the month.
    c.goto(&format!("{base}/fees/items/new?project_id={project}")).await.expect("item form");
    type_into(c, "#i-name", "物业服务费").await;
    choose(c, "#i-kind", "property_service").await;
    choose(c, "#i-basis", "area").await;
    type_into(c, "#i-price", "3").await;
    type_into(c, "#i-due", "10").await;
    c.find(Locator::Css("form.grid button")).await.expect("save").click().await.expect("click");
    text_appears(c, "3.00 元/m²·月").await;

    // FEE-2: bill September.
    c.goto(&format!("{base}/fees/billing?project_id={project}&cycle=month&month=2026-09")).await.expect("billing");
    c.find(Locator::XPath("//button[contains(., '生成本期账单')]")).await.expect("run button").click().await.expect("click");
    text_appears(c, "本次新增账单行：2").await;
    b.shot("fee-01-billing").await;

    // FEE-3: the notices, one page per payer.
    c.goto(&format!("{base}/fees/notices?project_id={project}&period=2026-09")).await.expect("notices");
    let sheets = c.find_all(Locator::Css("section.sheet")).await.expect("sheets");
    assert_eq!(sheets.len(), 2, "a notice per owner");
    text_appears(c, "268.11").await;
    b.shot("fee-02-notices").await;

    // FEE-4: 王业主 pays from the ledger; the receipt is numbered.
    c.goto(&format!("{base}/fees?project_id={project}&period=2026-09&q=%E7%8E%8B")).await.expect("ledger");
    c.find(Locator::XPath("//table[@id='ledger']//a[contains(., '收款')]")).await.expect("收款 link").click().await.expect("click");
    let amount = c.wait().for_element(Locator::Css("#p-amount")).await.expect("amount").prop("value").await.expect("value").unwrap_or_default();
    assert_eq!(amount, "268.11", "the amount owed is offered");
    c.find(Locator::XPath("//button[contains(., '确认收款并开收据')]")).await.expect("pay").click().await.expect("click");
    text_appears(c, "HXGC/SJ00001").await;
    b.shot("fee-03-receipt").await;

    // FEE-6: 李业主 has not paid: open the cases, then two rungs up the ladder.
    c.goto(&format!("{base}/fees/arrears?project_id={project}")).await.expect("arrears");
    c.find(Locator::XPath("//button[contains(., '为逾期客户立案')]")).await.expect("open cases").click().await.expect("click");
    c.wait().for_element(Locator::XPath("//table[@id='arrears']//a[contains(., '李业主')]")).await.expect("李业主's case").click().await.expect("open case");
    text_appears(c, "已发缴费通知单").await;
    choose(c, "#a-action", "escalate").await;
    choose(c, "#a-method", "courier").await;
    type_into(c, "#a-courier", "SF1234567890").await;
    type_into(c, "#a-note", "快递寄发催费通知书").await;
    c.find(Locator::XPath("//section[contains(@class,'card')]//button[contains(., '保存')]")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::XPath("//h1/span[contains(., '已发催费通知书')]")).await.expect("reminder step");
    choose(c, "#a-action", "escalate").await;
    choose(c, "#a-method", "phone").await;
    type_into(c, "#a-note", "电话催缴，答应月底前缴清").await;
    c.find(Locator::XPath("//section[contains(@class,'card')]//button[contains(., '保存')]")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::XPath("//h1/span[contains(., '电话/上门催缴')]")).await.expect("contact step");
    text_appears(c, "SF1234567890").await;
    b.shot("fee-04-arrears").await;
}
