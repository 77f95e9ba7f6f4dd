//! FEE-7 meters and monthly readings (register, replacement, the reading round, outliers, the
//! payer's confirmation, billing from readings, the month's sign-off) and FEE-8 prepaid
//! electricity (purchase, receipt, the electrician's task, loading, balance) — through ops,
//! the pages and the API, on SQLite and (TEST_DATABASE_URL) PostgreSQL.

mod common;

use common::{TestApp, spawn_app};
use propdesk::error::AppError;
use propdesk::ops::fee::{self, FeeItemInput, parse_period};
use propdesk::ops::meter::{self, MeterInput, PurchaseInput, ReadingInput, ReplaceInput};
use propdesk::ops::org::{OwnershipInput, PartyInput, UnitInput, create_party, create_unit, transfer_ownership};
use propdesk_domain::access::{Actor, Role};
use propdesk_store::models::fee::{LedgerFilter, ledger};
use propdesk_store::models::meter as store;
use propdesk_store::{AsEx, Page, Sql};
use serde_json::json;

fn actor(app: &TestApp, id: i64, role: Role) -> Actor {
    Actor { staff_id: id, name: "测试".into(), company_id: app.company_id, role, projects: vec![app.project_a] }
}

async fn owned_unit(app: &TestApp, no: &str, owner: &str, phone: &str) -> (i64, i64) {
    let input =
        UnitInput { building_id: app.building_a.to_string(), unit_no: no.into(), kind: "office".into(), building_area: "100".into(), ..Default::default() };
    let unit = create_unit(&app.db, &app.root, &input).await.expect("unit");
    let party = PartyInput { project_id: app.project_a.to_string(), kind: "person".into(), name: owner.into(), phone: phone.into(), ..Default::default() };
    let party = create_party(&app.db, &app.root, &party).await.expect("party");
    transfer_ownership(&app.db, &app.root, unit, &OwnershipInput { party_id: party.to_string(), start_date: "2020-01-01".into(), ..Default::default() })
        .await
        .expect("owner");
    (unit, party)
}

async fn metered_item(app: &TestApp, name: &str, kind: &str, price: &str) -> i64 {
    let input = FeeItemInput {
        project_id: app.project_a.to_string(),
        name: name.into(),
        kind: kind.into(),
        basis: "metered".into(),
        cycle: "month".into(),
        payer: "owner".into(),
        price: price.into(),
        active: true,
        ..Default::default()
    };
    fee::create_item(&app.db, &app.root, &input).await.expect("item")
}

async fn meter(app: &TestApp, unit: i64, kind: &str, no: &str, start: &str, prepaid: bool) -> i64 {
    let input = MeterInput {
        unit_id: unit.to_string(),
        kind: kind.into(),
        meter_no: no.into(),
        start_reading: start.into(),
        installed_on: "2026-01-01".into(),
        prepaid,
        ..Default::default()
    };
    meter::create_meter(&app.db, &app.root, &input).await.expect("meter")
}

/// A real staff member runs billing (the run and its event name them).
async fn biller(app: &TestApp) -> Actor {
    actor(app, app.staff("jifei", "supervisor", &[app.project_a]).await, Role::Supervisor)
}

fn reading(meter_id: i64, month: &str, value: &str) -> ReadingInput {
    ReadingInput { meter_id: meter_id.to_string(), month: month.into(), read_on: format!("{month}-18"), reading: value.into() }
}

fn field_of(e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(f) => f.0.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected 422, got {other:?}"),
    }
}

#[tokio::test]
async fn fee_7_billing_run_charges_the_months_checked_readings_per_unit_and_kind_and_leaves_prepaid_meters_out() {
    let app = spawn_app().await;
    let (u1, owner1) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    let (u2, _) = owned_unit(&app, "1202", "李业主", "13800138002").await;
    metered_item(&app, "水费", "water", "4.1").await;
    metered_item(&app, "电费", "electricity", "0.6283").await;
    let water = meter(&app, u1, "water", "W-1201", "1000", false).await;
    let power = meter(&app, u1, "electricity", "E-1201", "500", false).await;
    let prepaid = meter(&app, u2, "electricity", "E-1202", "0", true).await;
    let engineer = app.staff("gongcheng", "engineering", &[app.project_a]).await;
    let eng = actor(&app, engineer, Role::Engineering);
    for (m, v) in [(water, "1010"), (power, "600"), (prepaid, "50")] {
        meter::record_reading(&app.db, &eng, &reading(m, "2026-10", v)).await.expect("october");
    }
    // November: 12.5 m³ of water, 120 kWh; the prepaid meter's use is paid ahead (FEE-8).
    let w = meter::record_reading(&app.db, &eng, &reading(water, "2026-11", "1022.5")).await.expect("water");
    assert_eq!((w.consumption, w.outlier), (1_250, false));
    meter::record_reading(&app.db, &eng, &reading(power, "2026-11", "720")).await.expect("power");
    meter::record_reading(&app.db, &eng, &reading(prepaid, "2026-11", "150")).await.expect("prepaid");
    let run = fee::run_billing(&app.db, &biller(&app).await, app.project_a, parse_period("month", "2026-11").expect("period")).await.expect("run");
    assert_eq!(run.lines_added, 2, "water and electricity of 1201; nothing for the prepaid 1202");
    let mut c = app.db.read().await.expect("conn");
    let f = LedgerFilter { project_id: Some(app.project_a), period_key: Some("2026-11".into()), ..Default::default() };
    let (lines, totals) = ledger(&mut c, &app.root, &f, Page::new(1, 50)).await.expect("ledger");
    let got: Vec<(i64, i64, String, i64, i64)> = lines.items.iter().map(|l| (l.unit_id, l.payer_id, l.kind.clone(), l.quantity, l.amount)).collect();
    // 12.5 × 4.10 = 51.25; 120 × 0.6283 = 75.396 → 75.40.
    assert!(got.contains(&(u1, owner1, "water".into(), 1_250, 5_125)), "{got:?}");
    assert!(got.contains(&(u1, owner1, "electricity".into(), 12_000, 7_540)), "{got:?}");
    assert_eq!(totals.amount, 5_125 + 7_540);
}

#[tokio::test]
async fn fee_7_readings_never_go_backwards_come_once_a_month_and_outliers_wait_for_confirmation() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    metered_item(&app, "水费", "water", "4").await;
    let water = meter(&app, u1, "water", "W-1201", "1000", false).await;
    let eng = actor(&app, app.staff("gongcheng", "engineering", &[app.project_a]).await, Role::Engineering);
    for (month, v) in [("2026-08", "1010"), ("2026-09", "1020"), ("2026-10", "1030")] {
        meter::record_reading(&app.db, &eng, &reading(water, month, v)).await.expect("reading");
    }
    let back = meter::record_reading(&app.db, &eng, &reading(water, "2026-11", "1029")).await.expect_err("backwards");
    assert_eq!(field_of(&back), vec!["reading"]);
    let bad = meter::record_reading(
        &app.db,
        &eng,
        &ReadingInput { meter_id: water.to_string(), month: "2026-13".into(), read_on: "2026-11-18".into(), reading: "-5".into() },
    )
    .await
    .expect_err("bad");
    assert_eq!(field_of(&bad), vec!["reading", "month"]);
    assert!(matches!(meter::record_reading(&app.db, &eng, &reading(water, "2026-10", "1040")).await, Err(AppError::Conflict(_))), "one per month");
    // 100 m³ against a usual 10: flagged, saved, not charged until confirmed.
    let big = meter::record_reading(&app.db, &eng, &reading(water, "2026-11", "1130")).await.expect("outlier saved");
    assert!(big.outlier);
    let p = parse_period("month", "2026-11").expect("period");
    let billing = biller(&app).await;
    assert_eq!(fee::run_billing(&app.db, &billing, app.project_a, p).await.expect("run").lines_added, 0, "an unconfirmed outlier is not charged");
    // The payer signs only what is settled; an engineer cannot confirm for customer service.
    let sup = actor(&app, app.staff("zhuguan", "supervisor", &[app.project_a]).await, Role::Supervisor);
    assert!(matches!(meter::confirm_payer(&app.db, &sup, big.id, "王业主").await, Err(AppError::Conflict(_))));
    assert!(matches!(meter::confirm_payer(&app.db, &eng, big.id, "王业主").await, Err(AppError::Forbidden)));
    meter::check(&app.db, &sup, big.id).await.expect("confirmed");
    assert!(matches!(meter::check(&app.db, &sup, big.id).await, Err(AppError::Conflict(_))));
    assert_eq!(fee::run_billing(&app.db, &billing, app.project_a, p).await.expect("run").amount_added, 40_000, "100 m³ × 4.00");
    // FEE-7: the payer's confirmation records who signed, who recorded it and when — once.
    meter::confirm_payer(&app.db, &sup, big.id, "王业主").await.expect("signed");
    assert!(matches!(meter::confirm_payer(&app.db, &sup, big.id, "王业主").await, Err(AppError::Conflict(_))));
    let mut c = app.db.read().await.expect("conn");
    let r = store::reading(&mut c, &sup, big.id).await.expect("read").expect("row");
    assert_eq!((r.payer_name.as_deref(), r.payer_confirmed_at.is_some(), r.checked, r.consumption), (Some("王业主"), true, true, 10_000));
    let events: i64 =
        c.ex().scalar(Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'meter_reading' AND entity_id = $1").arg(big.id)).await.expect("events");
    assert_eq!(events, 3, "read, checked, payer_confirmed");
}

#[tokio::test]
async fn fee_7_a_replacement_closes_the_old_meter_charges_its_final_reading_and_the_new_meter_counts_from_its_start() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    metered_item(&app, "电费", "electricity", "1").await;
    let old = meter(&app, u1, "electricity", "E-OLD", "0", false).await;
    let eng = actor(&app, app.staff("gongcheng", "engineering", &[app.project_a]).await, Role::Engineering);
    meter::record_reading(&app.db, &eng, &reading(old, "2026-10", "9000")).await.expect("october");
    let replace = |final_reading: &str, no: &str, version: &str| ReplaceInput {
        final_reading: final_reading.into(),
        replaced_on: "2026-11-10".into(),
        meter_no: no.into(),
        start_reading: "5".into(),
        version: version.into(),
        ..Default::default()
    };
    assert_eq!(field_of(&meter::replace_meter(&app.db, &eng, old, &replace("8000", "E-NEW", "1")).await.expect_err("backwards")), vec!["final_reading"]);
    assert_eq!(field_of(&meter::replace_meter(&app.db, &eng, old, &replace("9040", "E-OLD", "1")).await.expect_err("taken")), vec!["meter_no"]);
    assert!(matches!(meter::replace_meter(&app.db, &eng, old, &replace("9040", "E-NEW", "7")).await, Err(AppError::Conflict(_))), "stale version");
    let new = meter::replace_meter(&app.db, &eng, old, &replace("9040", "E-NEW", "1")).await.expect("replaced");
    assert!(matches!(meter::replace_meter(&app.db, &eng, old, &replace("9050", "E-NEW2", "2")).await, Err(AppError::Conflict(_))), "once");
    // The old meter takes no more readings; the new one is read from its start (5 → 65 = 60).
    let closed = meter::record_reading(&app.db, &eng, &reading(old, "2026-11", "9100")).await.expect_err("closed");
    assert_eq!(field_of(&closed), vec!["meter_id"]);
    let below = meter::record_reading(
        &app.db,
        &eng,
        &ReadingInput { meter_id: new.to_string(), month: "2026-11".into(), read_on: "2026-11-18".into(), reading: "4".into() },
    )
    .await
    .expect_err("below start");
    assert_eq!(field_of(&below), vec!["reading"]);
    let r = meter::record_reading(&app.db, &eng, &reading(new, "2026-11", "65")).await.expect("new meter");
    assert_eq!(r.consumption, 6_000);
    let mut c = app.db.read().await.expect("conn");
    let m = store::meter(&mut c, &app.root, old).await.expect("get").expect("old");
    assert_eq!((m.removed_on.map(|d| d.to_string()), m.final_reading), (Some("2026-11-10".into()), Some(904_000)));
    drop(c);
    // November charges the old meter's 40 up to the change and the new meter's 60.
    let run = fee::run_billing(&app.db, &biller(&app).await, app.project_a, parse_period("month", "2026-11").expect("period")).await.expect("run");
    assert_eq!((run.lines_added, run.amount_added), (1, 10_000));
}

#[tokio::test]
async fn fee_7_api_registers_meters_records_and_lists_readings_and_finance_signs_the_month_off_once() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    metered_item(&app, "水费", "water", "4").await;
    app.staff("gongcheng", "engineering", &[app.project_a]).await;
    app.staff("caiwu", "finance", &[app.project_a]).await;
    app.staff("other", "engineering", &[app.project_b]).await;
    let http = app.client();
    let eng = app.token("gongcheng").await;
    let post = |token: &str, path: &str, body: serde_json::Value| http.post(format!("{}{path}", app.base)).bearer_auth(token).json(&body).send();
    let get = |token: &str, path: &str| http.get(format!("{}{path}", app.base)).bearer_auth(token).send();
    let r = post(&eng, "/api/v1/meters", json!({"unit_id": u1, "kind": "water", "meter_no": "W-1201", "start_reading": "100"})).await.expect("post");
    assert_eq!(r.status(), 201);
    let m: serde_json::Value = r.json().await.expect("json");
    let id = m["id"].as_i64().expect("id");
    assert_eq!((m["start_reading"].as_i64(), m["unit"].as_str()), (Some(10_000), Some("A-1201")));
    for (body, field) in [
        (json!({"unit_id": u1, "kind": "water", "meter_no": "W-1201"}), "meter_no"),
        (json!({"unit_id": u1, "kind": "water", "meter_no": "W-9", "prepaid": true}), "prepaid"),
        (json!({"unit_id": u1, "kind": "water", "meter_no": "W 9", "start_reading": "1.234"}), "start_reading"),
    ] {
        let r = post(&eng, "/api/v1/meters", body).await.expect("post");
        assert_eq!(r.status(), 422);
        let text = r.text().await.expect("text");
        assert!(text.contains(field), "{field}: {text}");
    }
    // Readings: 201, then 409 for a second in the month, 422 going backwards.
    let r = post(&eng, "/api/v1/meter-readings", json!({"meter_id": id, "month": "2026-11", "read_on": "2026-11-18", "reading": "112.5"})).await.expect("post");
    assert_eq!(r.status(), 201);
    let rd: serde_json::Value = r.json().await.expect("json");
    assert_eq!((rd["consumption"].as_i64(), rd["in_round"].as_bool(), rd["checked"].as_bool()), (Some(1_250), Some(true), Some(true)));
    let again =
        post(&eng, "/api/v1/meter-readings", json!({"meter_id": id, "month": "2026-11", "read_on": "2026-11-19", "reading": "113"})).await.expect("post");
    assert_eq!(again.status(), 409);
    let back = post(&eng, "/api/v1/meter-readings", json!({"meter_id": id, "month": "2026-12", "read_on": "2026-11-20", "reading": "1"})).await.expect("post");
    assert_eq!(back.status(), 422);
    // Lists filter by month and kind; another project's engineer sees nothing and gets 404.
    let list: serde_json::Value =
        get(&eng, &format!("/api/v1/meter-readings?project_id={}&month=2026-11&kind=water", app.project_a)).await.expect("get").json().await.expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(get(&eng, "/api/v1/meter-readings?kind=steam").await.expect("get").status(), 422);
    let meters: serde_json::Value = get(&eng, "/api/v1/meters?in_service=true&q=W-12").await.expect("get").json().await.expect("json");
    assert_eq!((meters["total"].as_i64(), meters["items"][0]["last_reading"].as_i64()), (Some(1), Some(11_250)));
    let other = app.token("other").await;
    assert_eq!(get(&other, &format!("/api/v1/meters/{id}")).await.expect("get").status(), 404);
    let theirs: serde_json::Value = get(&other, "/api/v1/meter-readings").await.expect("get").json().await.expect("json");
    assert_eq!(theirs["total"], 0);
    // Month end: billed, then finance signs the totals off — engineering may not, and only once.
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let sup = app.token("zhuguan").await;
    assert_eq!(post(&sup, "/api/v1/billing-runs", json!({"project_id": app.project_a, "month": "2026-11"})).await.expect("run").status(), 201);
    let so = json!({"project_id": app.project_a, "month": "2026-11", "note": "与财务核对一致"});
    assert_eq!(post(&eng, "/api/v1/meter-signoffs", so.clone()).await.expect("post").status(), 403);
    let fin = app.token("caiwu").await;
    let r = post(&fin, "/api/v1/meter-signoffs", so.clone()).await.expect("post");
    assert_eq!(r.status(), 201);
    let out: serde_json::Value = r.json().await.expect("json");
    let water = out["totals"].as_array().expect("totals").iter().find(|t| t["kind"] == "water").cloned().expect("water");
    assert_eq!((water["readings"].as_i64(), water["consumption"].as_i64(), water["amount"].as_i64()), (Some(1), Some(1_250), Some(5_000)));
    assert_eq!(post(&fin, "/api/v1/meter-signoffs", so).await.expect("post").status(), 409);
}

#[tokio::test]
async fn fee_8_a_purchase_is_receipted_the_electrician_is_told_and_only_engineering_confirms_the_loading_once() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    let (u2, _) = owned_unit(&app, "1202", "李业主", "13800138002").await;
    metered_item(&app, "电费", "electricity", "0.5").await;
    let prepaid = meter(&app, u1, "electricity", "E-1201", "0", true).await;
    let billed = meter(&app, u2, "electricity", "E-1202", "0", false).await;
    let electrician = app.staff("dian", "engineering", &[app.project_a]).await;
    app.staff("zhuanyuan", "specialist", &[app.project_a]).await;
    let spec = actor(&app, app.staff("zhuanyuan2", "specialist", &[app.project_a]).await, Role::Specialist);
    // Not a prepaid meter; amount and kWh both; neither.
    let buy = |m: i64, amount: &str, kwh: &str| PurchaseInput {
        meter_id: m.to_string(),
        amount: amount.into(),
        kwh: kwh.into(),
        method: "cash".into(),
        ..Default::default()
    };
    assert_eq!(field_of(&meter::purchase(&app.db, &spec, &buy(billed, "100", "")).await.expect_err("billed")), vec!["meter_id"]);
    assert_eq!(field_of(&meter::purchase(&app.db, &spec, &buy(prepaid, "100", "200")).await.expect_err("both")), vec!["kwh"]);
    assert_eq!(field_of(&meter::purchase(&app.db, &spec, &buy(prepaid, "", "")).await.expect_err("neither")), vec!["amount"]);
    assert_eq!(field_of(&meter::purchase(&app.db, &spec, &buy(prepaid, "-3", "")).await.expect_err("negative")), vec!["amount"]);
    // 100 元 at 0.50 = 200 kWh; 50 kWh typed = 25 元.
    let first = meter::purchase(&app.db, &spec, &buy(prepaid, "100", "")).await.expect("bought");
    let second = meter::purchase(&app.db, &spec, &buy(prepaid, "", "50")).await.expect("bought");
    let mut c = app.db.read().await.expect("conn");
    let p1 = store::purchase(&mut c, &spec, first).await.expect("get").expect("p1");
    let p2 = store::purchase(&mut c, &spec, second).await.expect("get").expect("p2");
    assert_eq!((p1.amount, p1.kwh, p2.amount, p2.kwh), (10_000, 20_000, 2_500, 5_000));
    assert!(p1.receipt_no.ends_with("/SJ00001") && p2.receipt_no.ends_with("/SJ00002"), "{} {}", p1.receipt_no, p2.receipt_no);
    // The electrician's task is in the outbox, one per purchase.
    let told: Vec<(String, i64)> = c
        .ex()
        .fetch_all(
            Sql::new("SELECT kind, entity_id FROM outbox WHERE recipient_staff_id = $1 AND entity = 'meter_purchase' ORDER BY entity_id").arg(electrician),
        )
        .await
        .expect("outbox");
    assert_eq!(told, vec![("meter_load".to_string(), first), ("meter_load".to_string(), second)]);
    drop(c);
    // Only engineering confirms the loading, once; a loaded purchase cannot be refunded.
    assert!(matches!(meter::purchase_act(&app.db, &spec, first, "load", 1).await, Err(AppError::Forbidden)));
    let elec = actor(&app, electrician, Role::Engineering);
    assert!(matches!(meter::purchase_act(&app.db, &elec, first, "load", 7).await, Err(AppError::Conflict(_))), "stale version");
    assert_eq!(meter::purchase_act(&app.db, &elec, first, "load", 1).await.expect("loaded").code(), "loaded");
    assert!(matches!(meter::purchase_act(&app.db, &elec, first, "load", 2).await, Err(AppError::Conflict(_))));
    let sup = actor(&app, app.staff("zhuguan", "supervisor", &[app.project_a]).await, Role::Supervisor);
    assert!(matches!(meter::purchase_act(&app.db, &sup, first, "refund", 2).await, Err(AppError::Conflict(_))));
    assert_eq!(meter::purchase_act(&app.db, &sup, second, "refund", 1).await.expect("refunded").code(), "refunded");
    // Balance: 200 kWh loaded less 35.5 kWh read since.
    meter::record_reading(
        &app.db,
        &elec,
        &ReadingInput { meter_id: prepaid.to_string(), month: "2026-11".into(), read_on: String::new(), reading: "35.5".into() },
    )
    .await
    .expect("read");
    let mut c = app.db.read().await.expect("conn");
    assert_eq!(meter::balance(&mut c, prepaid).await.expect("balance"), 20_000 - 3_550);
}

#[tokio::test]
async fn fee_8_api_purchase_answers_409_with_the_allowed_steps_and_the_meter_shows_its_balance() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    metered_item(&app, "电费", "electricity", "0.5").await;
    let prepaid = meter(&app, u1, "electricity", "E-1201", "0", true).await;
    app.staff("dian", "engineering", &[app.project_a]).await;
    app.staff("zhuanyuan", "specialist", &[app.project_a]).await;
    let http = app.client();
    let post = |token: &str, path: &str, body: serde_json::Value| http.post(format!("{}{path}", app.base)).bearer_auth(token).json(&body).send();
    let spec = app.token("zhuanyuan").await;
    let dian = app.token("dian").await;
    assert_eq!(post(&dian, "/api/v1/meter-purchases", json!({"meter_id": prepaid, "amount": "50", "method": "cash"})).await.expect("post").status(), 403);
    let r = post(&spec, "/api/v1/meter-purchases", json!({"meter_id": prepaid, "amount": "50", "method": "transfer"})).await.expect("post");
    assert_eq!(r.status(), 422, "a transfer needs its reference");
    let r =
        post(&spec, "/api/v1/meter-purchases", json!({"meter_id": prepaid, "amount": "50", "method": "transfer", "reference": "TX-1"})).await.expect("post");
    assert_eq!(r.status(), 201);
    let p: serde_json::Value = r.json().await.expect("json");
    let id = p["id"].as_i64().expect("id");
    assert_eq!((p["kwh"].as_i64(), p["status"].as_str(), p["price"].as_str()), (Some(10_000), Some("paid"), Some("0.50")));
    let act = format!("/api/v1/meter-purchases/{id}/actions");
    assert_eq!(post(&spec, &act, json!({"action": "load"})).await.expect("post").status(), 403);
    assert_eq!(post(&dian, &act, json!({"action": "charge"})).await.expect("post").status(), 422);
    let r = post(&dian, &act, json!({"action": "load", "version": p["version"]})).await.expect("post");
    assert_eq!(r.status(), 200);
    let loaded: serde_json::Value = r.json().await.expect("json");
    assert_eq!((loaded["status"].as_str(), loaded["loaded_by"].as_str()), (Some("loaded"), Some("dian名")));
    let r = post(&dian, &act, json!({"action": "load"})).await.expect("post");
    assert_eq!(r.status(), 409);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["allowed"], json!([]));
    let m: serde_json::Value =
        http.get(format!("{}/api/v1/meters/{prepaid}", app.base)).bearer_auth(&dian).send().await.expect("get").json().await.expect("json");
    assert_eq!((m["balance"].as_i64(), m["purchases"][0]["status"].as_str()), (Some(10_000), Some("loaded")));
}

/// Posts a reading sheet to the round's import; returns status and body.
async fn import_round(app: &TestApp, c: &reqwest::Client, month: &str, rows: &[[&str; 3]]) -> (u16, String) {
    let data = rows
        .iter()
        .map(|[no, reading, on]| vec!["A".to_string(), String::new(), String::new(), no.to_string(), String::new(), reading.to_string(), on.to_string()]);
    let bytes = propdesk::xlsx::sheet("抄表单", &["楼栋", "房号", "表类", "表号", "上次读数", "本月读数", "抄表日期"], data).expect("xlsx");
    let token = app.csrf(c).await;
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("抄表单.xlsx")
        .mime_str("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("_csrf", token)
        .text("project_id", app.project_a.to_string())
        .text("building_id", app.building_a.to_string())
        .text("month", month.to_string())
        .part("file", part);
    let r = c.post(format!("{}/fees/meters/round/import", app.base)).multipart(form).send().await.expect("upload");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn fee_7_pages_register_a_meter_print_the_sheet_enter_and_import_a_round_and_sign_the_month_off() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    let (u2, _) = owned_unit(&app, "1202", "李业主", "13800138002").await;
    metered_item(&app, "水费", "water", "4").await;
    app.staff("gongcheng", "engineering", &[app.project_a]).await;
    let c = app.login("gongcheng").await;
    let (status, body) = app.get_text(&c, "/fees/meters").await;
    assert_eq!(status, 200);
    assert!(body.contains("登记表具") && body.contains("/fees/meters/round"), "engineering registers meters");
    // Register: a bad start reading is refused in Chinese on the form, then it is saved.
    let (status, _, body) =
        app.post_form(&c, "/fees/meters", &[("unit_id", &u1.to_string()), ("kind", "water"), ("meter_no", "W-1201"), ("start_reading", "-1")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("应为不小于 0 的数字"), "{body}");
    let (status, to, _) =
        app.post_form(&c, "/fees/meters", &[("unit_id", &u1.to_string()), ("kind", "water"), ("meter_no", "W-1201"), ("start_reading", "100")]).await;
    assert_eq!(status, 303);
    assert!(to.starts_with("/fees/meters/"), "{to}");
    let (status, _, _) =
        app.post_form(&c, "/fees/meters", &[("unit_id", &u2.to_string()), ("kind", "water"), ("meter_no", "W-1202"), ("start_reading", "200")]).await;
    assert_eq!(status, 303);
    let mut conn = app.db.read().await.expect("conn");
    let all = store::meters(&mut conn, &app.root, &store::MeterFilter::default(), Page::new(1, 10)).await.expect("meters").items;
    drop(conn);
    let id_of = |no: &str| all.iter().find(|m| m.meter_no == no).map(|m| m.id).expect("meter");
    let (w1, w2) = (id_of("W-1201"), id_of("W-1202"));
    // The unit's page leads to its meters; the register filters by unit.
    let (_, unit_page) = app.get_text(&c, &format!("/units/{u1}")).await;
    let link = format!("/fees/meters?project_id={}&amp;unit_id={u1}", app.project_a);
    assert!(unit_page.contains(&link), "{unit_page}");
    let (_, list) = app.get_text(&c, &format!("/fees/meters?project_id={}&unit_id={u1}", app.project_a)).await;
    assert!(list.contains("W-1201") && !list.contains("W-1202"), "{list}");
    // The A4 sheet lists each meter with its last reading and a blank; Excel too.
    let (status, sheet) = app.get_text(&c, &format!("/fees/meters/sheet?project_id={}&building_id={}&month=2026-10", app.project_a, app.building_a)).await;
    assert_eq!(status, 200);
    assert!(sheet.contains("抄表单") && sheet.contains("W-1201") && sheet.contains("100.00") && sheet.contains("200.00"), "{sheet}");
    let r = c.get(format!("{}/fees/meters/sheet?project_id={}&month=2026-10&format=xlsx", app.base, app.project_a)).send().await.expect("xlsx");
    assert!(r.headers()["content-type"].to_str().expect("type").contains("spreadsheetml"));
    // Entry: one input per meter; a backwards reading refuses the whole round, by its label.
    let round = format!("/fees/meters/round?project_id={}&building_id={}&month=2026-10", app.project_a, app.building_a);
    let (_, page) = app.get_text(&c, &round).await;
    assert!(page.contains(&format!("name=\"r_{w1}\"")) && page.contains("inputmode=\"decimal\""), "{page}");
    let month_fields = |a: &str, b: &str| -> Vec<(String, String)> {
        vec![
            ("project_id".into(), app.project_a.to_string()),
            ("building_id".into(), app.building_a.to_string()),
            ("month".into(), "2026-10".into()),
            ("read_on".into(), "2026-10-18".into()),
            (format!("r_{w1}"), a.into()),
            (format!("l_{w1}"), "A-1201 W-1201".into()),
            (format!("r_{w2}"), b.into()),
            (format!("l_{w2}"), "A-1202 W-1202".into()),
        ]
    };
    let f = month_fields("110", "150");
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, body) = app.post_form(&c, "/fees/meters/round", &refs).await;
    assert_eq!(status, 422);
    assert!(body.contains("没有保存任何读数") && body.contains("A-1202 W-1202：读数：读数小于上次读数"), "{body}");
    let mut conn = app.db.read().await.expect("conn");
    assert_eq!(store::readings(&mut conn, &app.root, &store::ReadingFilter::default(), Page::new(1, 10)).await.expect("list").total, 0, "all or nothing");
    drop(conn);
    let f = month_fields("110", "");
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, _) = app.post_form(&c, "/fees/meters/round", &refs).await;
    assert_eq!(status, 303, "a blank input is a meter not read yet");
    // Import: a sheet naming an unknown meter is refused by row; then the rest of the round.
    let (status, body) = import_round(&app, &c, "2026-10", &[["W-1202", "215", "2026-10-19"], ["W-9999", "1", ""]]).await;
    assert_eq!(status, 422);
    assert!(body.contains("第 3 行 W-9999：表号："), "{body}");
    let (status, _) = import_round(&app, &c, "2026-10", &[["W-1202", "215", "2026-10-19"]]).await;
    assert_eq!(status, 303);
    let (_, page) = app.get_text(&c, &round).await;
    assert!(page.contains("15.00") && page.contains("10.00"), "both readings shown with their use");
    // Finance signs the month off on the round page.
    metered_item(&app, "燃气费", "gas", "3").await;
    fee::run_billing(&app.db, &biller(&app).await, app.project_a, parse_period("month", "2026-10").expect("period")).await.expect("run");
    app.staff("caiwu", "finance", &[app.project_a]).await;
    let fin = app.login("caiwu").await;
    let (_, page) = app.get_text(&fin, &round).await;
    assert!(page.contains("确认本月抄表合计与财务一致") && page.contains("100.00"), "{page}");
    let (status, _, _) =
        app.post_form(&fin, "/fees/meters/round/sign-off", &[("project_id", &app.project_a.to_string()), ("month", "2026-10"), ("note", "一致")]).await;
    assert_eq!(status, 303);
    let (_, page) = app.get_text(&fin, &round).await;
    assert!(page.contains("已核对") && page.contains("caiwu名"), "{page}");
    let (status, _, _) = app.post_form(&fin, "/fees/meters/round/sign-off", &[("project_id", &app.project_a.to_string()), ("month", "2026-10")]).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn fee_8_meter_page_takes_a_purchase_and_the_electrician_confirms_the_loading_there() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    metered_item(&app, "电费", "electricity", "0.5").await;
    let prepaid = meter(&app, u1, "electricity", "E-1201", "0", true).await;
    app.staff("zhuanyuan", "specialist", &[app.project_a]).await;
    app.staff("dian", "engineering", &[app.project_a]).await;
    let spec = app.login("zhuanyuan").await;
    let page = format!("/fees/meters/{prepaid}");
    let (status, body) = app.get_text(&spec, &page).await;
    assert_eq!(status, 200);
    assert!(body.contains("收款并通知电工充值") && body.contains("剩余电量"), "{body}");
    let (status, _, body) = app.post_form(&spec, &format!("{page}/purchase"), &[("amount", "abc"), ("method", "cash")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("金额"), "{body}");
    let (status, _, _) = app.post_form(&spec, &format!("{page}/purchase"), &[("amount", "20"), ("method", "cash")]).await;
    assert_eq!(status, 303);
    let (_, body) = app.get_text(&spec, &page).await;
    assert!(body.contains("40.00") && body.contains("已缴费待充电") && !body.contains("确认已充值到表"), "customer service cannot confirm the loading");
    let dian = app.login("dian").await;
    let (_, body) = app.get_text(&dian, &page).await;
    assert!(body.contains("确认已充值到表"), "{body}");
    let mut conn = app.db.read().await.expect("conn");
    let p = store::purchases(&mut conn, &app.root, &store::PurchaseFilter { meter_id: Some(prepaid), ..Default::default() }, Page::new(1, 5))
        .await
        .expect("list")
        .items;
    drop(conn);
    let (status, _, _) = app
        .post_form(&dian, &format!("/fees/meter-purchases/{}/action", p[0].id), &[("action", "load"), ("version", "1"), ("meter_id", &prepaid.to_string())])
        .await;
    assert_eq!(status, 303);
    let (_, body) = app.get_text(&dian, &page).await;
    assert!(body.contains("已充电") && body.contains("dian名"), "{body}");
}

#[tokio::test]
async fn fee_7_api_an_outlier_is_confirmed_then_signed_by_the_payer_and_a_meter_is_replaced() {
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    let water = meter(&app, u1, "water", "W-1201", "0", false).await;
    let eng_id = app.staff("gongcheng", "engineering", &[app.project_a]).await;
    let eng_actor = actor(&app, eng_id, Role::Engineering);
    for (month, v) in [("2026-08", "10"), ("2026-09", "20"), ("2026-10", "30")] {
        meter::record_reading(&app.db, &eng_actor, &reading(water, month, v)).await.expect("reading");
    }
    app.staff("zhuanyuan", "specialist", &[app.project_a]).await;
    let http = app.client();
    let eng = app.token("gongcheng").await;
    let spec = app.token("zhuanyuan").await;
    let post = |token: &str, path: &str, body: serde_json::Value| http.post(format!("{}{path}", app.base)).bearer_auth(token).json(&body).send();
    let r =
        post(&eng, "/api/v1/meter-readings", json!({"meter_id": water, "month": "2026-11", "read_on": "2026-11-18", "reading": "130"})).await.expect("post");
    assert_eq!(r.status(), 201);
    let rd: serde_json::Value = r.json().await.expect("json");
    assert_eq!((rd["outlier"].as_bool(), rd["checked"].as_bool()), (Some(true), Some(false)));
    let id = rd["id"].as_i64().expect("id");
    let waiting: serde_json::Value =
        http.get(format!("{}/api/v1/meter-readings?unchecked=true", app.base)).bearer_auth(&eng).send().await.expect("get").json().await.expect("json");
    assert_eq!(waiting["total"], 1);
    let sign = format!("/api/v1/meter-readings/{id}/payer-confirmation");
    assert_eq!(post(&spec, &sign, json!({"payer_name": "王业主"})).await.expect("post").status(), 409, "check the outlier first");
    assert_eq!(post(&spec, &format!("/api/v1/meter-readings/{id}/check"), json!({})).await.expect("post").status(), 403);
    let r = post(&eng, &format!("/api/v1/meter-readings/{id}/check"), json!({})).await.expect("post");
    assert_eq!(r.status(), 200);
    assert_eq!(post(&spec, &sign, json!({"payer_name": " "})).await.expect("post").status(), 422);
    let r = post(&spec, &sign, json!({"payer_name": "王业主"})).await.expect("post");
    assert_eq!(r.status(), 200);
    let signed: serde_json::Value = r.json().await.expect("json");
    assert_eq!(signed["payer_name"], "王业主");
    assert!(signed["payer_confirmed_at"].is_string());
    assert_eq!(post(&spec, &sign, json!({"payer_name": "王业主"})).await.expect("post").status(), 409);
    // Replacement through the API: the new meter answers 201 with the old one it replaces.
    let rep = format!("/api/v1/meters/{water}/replacement");
    assert_eq!(post(&spec, &rep, json!({"final_reading": "135", "meter_no": "W-NEW", "version": 1})).await.expect("post").status(), 403);
    let r = post(&eng, &rep, json!({"final_reading": "135", "replaced_on": "2026-11-20", "meter_no": "W-NEW", "version": 1})).await.expect("post");
    assert_eq!(r.status(), 201);
    let new: serde_json::Value = r.json().await.expect("json");
    assert_eq!((new["replaces_id"].as_i64(), new["start_reading"].as_i64()), (Some(water), Some(0)));
    assert_eq!(post(&eng, &rep, json!({"final_reading": "140", "meter_no": "W-NEW2", "version": 2})).await.expect("post").status(), 409);
}

/// FEE-4 with FEE-8: prepaid electricity is receipted from the project's one receipt book, so the
/// month's sign-off with finance counts it beside the fee payments (refunds left out).
#[tokio::test]
async fn fee_4_fee_8_the_months_sign_off_counts_prepaid_electricity_bought_that_month() {
    use propdesk::ops::payment;
    use propdesk_domain::values::Month;
    let app = spawn_app().await;
    let (u1, _) = owned_unit(&app, "1201", "王业主", "13800138001").await;
    metered_item(&app, "电费", "electricity", "0.5").await;
    let prepaid = meter(&app, u1, "electricity", "E-1201", "0", true).await;
    let spec = actor(&app, app.staff("zhuanyuan", "specialist", &[app.project_a]).await, Role::Specialist);
    let sup = actor(&app, app.staff("zhuguan", "supervisor", &[app.project_a]).await, Role::Supervisor);
    let fin = actor(&app, app.staff("caiwu", "finance", &[app.project_a]).await, Role::Finance);
    let last = Month::of(propdesk::ops::org::today()).first_day().pred_opt().expect("last month");
    let buy = |amount: &str, paid_on: String| PurchaseInput {
        meter_id: prepaid.to_string(),
        amount: amount.into(),
        method: "cash".into(),
        paid_on,
        ..Default::default()
    };
    meter::purchase(&app.db, &spec, &buy("100", last.to_string())).await.expect("bought");
    let refunded = meter::purchase(&app.db, &spec, &buy("30", last.to_string())).await.expect("bought");
    meter::purchase_act(&app.db, &sup, refunded, "refund", 1).await.expect("refunded");
    meter::purchase(&app.db, &spec, &buy("45.5", propdesk::ops::org::today().to_string())).await.expect("bought this month");
    let month = Month::of(last);
    let mut c = app.db.read().await.expect("conn");
    let t = payment::month_totals(&mut c, &fin, app.project_a, month).await.expect("totals");
    drop(c);
    assert_eq!((t.payments, t.purchases, t.purchase_amount), (0, 1, 10_000), "last month: one purchase kept, the refunded one left out");
    payment::reconcile_month(&app.db, &fin, app.project_a, &month.to_string(), "").await.expect("signed off");
    let c = app.login("caiwu").await;
    let (_, page) = app.get_text(&c, &format!("/fees/payments?project_id={}&month={month}", app.project_a)).await;
    assert!(page.contains("预付费购电 1 笔 100.00 元") && page.contains("购电 1 笔 100.00 元"), "{page}");
}
