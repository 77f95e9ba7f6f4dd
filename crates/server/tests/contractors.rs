//! Contractors and the repair's technical steps over HTTP: the register (REP-11), cause and
//! responsibility by warranty (REP-3), the repairer chosen from the approved list (REP-4), and
//! the witnessed test before sign-off (REP-6).

mod common;

use chrono::{Duration, Utc};
use common::{TestApp, spawn_app};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::create_department;
use propdesk_domain::values::uscc_check_char;
use propdesk_domain::work_order::Component;
use propdesk_store::models::contractor::set_warranty_years;
use serde_json::{Value, json};

struct World {
    app: TestApp,
    eng_dept: i64,
    engineer: i64,
    /// Bearer tokens: customer service, the engineer (keeps the register), a receptionist.
    cs: String,
    eng: String,
    desk: String,
}

fn licence(first17: &str) -> String {
    format!("{first17}{}", uscc_check_char(first17).expect("valid head"))
}

async fn world() -> World {
    let app = spawn_app().await;
    let eng_dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    app.staff("kefu", "specialist", &[app.project_a]).await;
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    let engineer = app.member("gong", "工程师", "engineering", eng_dept).await;
    let (cs, eng, desk) = (app.token("kefu").await, app.token("gong").await, app.token("qiantai").await);
    World { app, eng_dept, engineer, cs, eng, desk }
}

async fn unit(w: &World, no: &str, handover: &str) -> i64 {
    let input = UnitInput {
        building_id: w.app.building_a.to_string(),
        unit_no: no.into(),
        kind: "shop".into(),
        building_area: "90".into(),
        handover_date: handover.into(),
        ..Default::default()
    };
    create_unit(&w.app.db, &w.app.root, &input).await.expect("unit")
}

async fn post(w: &World, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = w.app.client().post(format!("{}{path}", w.app.base)).bearer_auth(token).json(&body).send().await.expect("post");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn get(w: &World, token: &str, path: &str) -> (u16, Value) {
    let r = w.app.client().get(format!("{}{path}", w.app.base)).bearer_auth(token).send().await.expect("get");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"].as_array().map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn days_from_today(n: i64) -> String {
    (Utc::now() + Duration::days(n)).format("%Y-%m-%d").to_string()
}

async fn contractor(w: &World, head: &str, approved: bool, trade: &str, expires_in_days: i64) -> i64 {
    let body = json!({
        "name": format!("维修商{head}"), "licence_no": licence(head), "trades": [trade], "contact": "张工", "phone": "13900001111",
        "approved": approved, "qualifications": [{"trade": trade, "name": "专业承包资质", "certificate_no": "D123", "expires_on": days_from_today(expires_in_days)}],
    });
    let (s, c) = post(w, &w.eng, "/api/v1/contractors", body).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_i64().expect("id")
}

async fn order(w: &World, unit: i64, category: &str) -> i64 {
    let body = json!({"project_id": w.app.project_a, "unit_id": unit, "owner_name": "王先生", "contact_phone": "13800138000",
        "content": "报修", "available_times": "晚上", "category": category});
    let (s, d) = post(w, &w.cs, "/api/v1/work-orders", body).await;
    assert_eq!(s, 201, "{d}");
    d["id"].as_i64().expect("id")
}

async fn act(w: &World, token: &str, id: i64, body: Value) -> (u16, Value) {
    post(w, token, &format!("/api/v1/work-orders/{id}/actions"), body).await
}

async fn to(w: &World, id: i64, steps: &[Value]) -> Value {
    let mut last = Value::Null;
    for body in steps {
        let (s, d) = act(w, &w.eng, id, body.clone()).await;
        assert_eq!(s, 200, "{body}: {d}");
        last = d;
    }
    last
}

async fn dispatched(w: &World, id: i64) {
    let (s, d) = act(w, &w.cs, id, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})).await;
    assert_eq!(s, 200, "{d}");
}

#[tokio::test]
async fn rep_11_register_create_list_get_with_validation_and_permission() {
    let w = world().await;
    let bad = json!({"name": "", "licence_no": "91110108MA01A2B3CX", "trades": [], "phone": "123",
        "qualifications": [{"trade": "electric", "name": "资质", "expires_on": "2027-13-01"}]});
    let (s, body) = post(&w, &w.eng, "/api/v1/contractors", bad).await;
    assert_eq!(s, 422, "{body}");
    let mut f = fields(&body);
    f.sort();
    assert_eq!(f, ["licence_no", "name", "phone", "qualifications[0].expires_on", "trades"], "every problem at once: {body}");
    let mismatch = json!({"name": "甲", "licence_no": licence("91110108MA01A2B3C"), "trades": ["water"],
        "qualifications": [{"trade": "electric", "name": "资质", "expires_on": "2030-01-01"}]});
    let (s, body) = post(&w, &w.eng, "/api/v1/contractors", mismatch).await;
    assert_eq!((s, fields(&body)), (422, vec!["qualifications[0].trade".to_string()]), "{body}");
    let (s, body) = post(&w, &w.desk, "/api/v1/contractors", json!({"name": "乙", "licence_no": licence("91110108MA01A2B3D"), "trades": ["water"]})).await;
    assert_eq!(s, 403, "the desk does not keep the register: {body}");

    let water = contractor(&w, "91110108MA01A2B3C", true, "water", 365).await;
    let (s, body) = post(&w, &w.eng, "/api/v1/contractors", json!({"name": "重复", "licence_no": licence("91110108MA01A2B3C"), "trades": ["water"]})).await;
    assert_eq!((s, fields(&body)), (422, vec!["licence_no".to_string()]), "one licence, one contractor: {body}");
    contractor(&w, "91110108MA01A2B3E", false, "electric", 365).await;

    let (s, list) = get(&w, &w.desk, "/api/v1/contractors?trade=water").await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(1)), "{list}");
    let (_, list) = get(&w, &w.desk, "/api/v1/contractors?approved=false").await;
    assert_eq!(list["items"][0]["trades"], json!(["electric"]), "{list}");
    let (s, _) = get(&w, &w.desk, "/api/v1/contractors?trade=roofing").await;
    assert_eq!(s, 422);
    let (s, d) = get(&w, &w.desk, &format!("/api/v1/contractors/{water}")).await;
    assert_eq!((s, d["qualifications"][0]["expired"].as_bool(), d["approved"].as_bool()), (200, Some(false), Some(true)), "{d}");
    let (s, _) = get(&w, &w.desk, "/api/v1/contractors/999999").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn rep_4_rep_11_only_an_approved_contractor_with_a_current_qualification_is_sent_in() {
    let w = world().await;
    let u = unit(&w, "A-201", "").await;
    let id = order(&w, u, "water").await;
    let (s, body) = act(&w, &w.cs, id, json!({"action": "choose_repairer"})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!(["dispatch", "cancel"])), "not before dispatch: {body}");
    dispatched(&w, id).await;
    let unapproved = contractor(&w, "91110108MA01A2B3C", false, "water", 365).await;
    let expired = contractor(&w, "91110108MA01A2B3D", true, "water", -1).await;
    let electrician = contractor(&w, "91110108MA01A2B3E", true, "electric", 365).await;
    let good = contractor(&w, "91110108MA01A2B3F", true, "water", 0).await;
    for (c, why) in [(unapproved, "审批"), (expired, "过期"), (electrician, "没有"), (999_999, "")] {
        let (s, body) = act(&w, &w.eng, id, json!({"action": "choose_repairer", "contractor_id": c})).await;
        assert_eq!((s, fields(&body)), (422, vec!["contractor_id".to_string()]), "{body}");
        assert!(body.to_string().contains(why), "{why}: {body}");
    }
    let (s, d) = act(&w, &w.eng, id, json!({"action": "choose_repairer", "contractor_id": good})).await;
    assert_eq!((s, d["contractor_id"].as_i64(), d["contractor_name"].as_str()), (200, Some(good), Some("维修商91110108MA01A2B3F")), "{d}");
    let (_, c) = get(&w, &w.desk, &format!("/api/v1/contractors/{good}")).await;
    assert_eq!(c["work_orders"][0]["id"].as_i64(), Some(id), "the contractor's page lists its work: {c}");
    // Our own engineering staff instead: no contractor.
    let (s, d) = act(&w, &w.eng, id, json!({"action": "choose_repairer", "contractor_id": ""})).await;
    assert_eq!((s, d["contractor_id"].clone()), (200, Value::Null), "{d}");
    let (_, d) = act(&w, &w.eng, id, json!({"action": "arrive"})).await;
    assert!(d["allowed"].as_array().is_some_and(|a| a.contains(&json!("choose_repairer"))), "still choosable on site: {d}");
    to(&w, id, &[json!({"action": "start", "plan": "更换阀门，周六上午施工"})]).await;
    let (s, body) = act(&w, &w.eng, id, json!({"action": "choose_repairer", "contractor_id": good})).await;
    assert_eq!(s, 409, "the repairer is chosen before work starts: {body}");
}

#[tokio::test]
async fn rep_3_cause_and_responsibility_follow_the_warranty_from_the_handover_date() {
    let w = world().await;
    let recent = unit(&w, "A-301", &days_from_today(-365)).await;
    let old = unit(&w, "A-302", &days_from_today(-3 * 365)).await;

    // A leak (waterproofing, 5 years) in a unit handed over a year ago: the original contractor's.
    let leak = order(&w, recent, "leak").await;
    let (s, body) = act(&w, &w.eng, leak, json!({"action": "decide_cause", "cause": "defect"})).await;
    assert_eq!(s, 409, "not before anyone has seen it: {body}");
    dispatched(&w, leak).await;
    let (_, d) = get(&w, &w.cs, &format!("/api/v1/work-orders/{leak}")).await;
    assert_eq!(d["warranty"], json!({"component": "waterproofing", "years": 5, "in_warranty": true}), "{d}");
    to(&w, leak, &[json!({"action": "arrive"})]).await;
    let (s, body) = act(&w, &w.eng, leak, json!({"action": "decide_cause", "cause": "weather"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["cause".to_string()]), "{body}");
    let d = to(&w, leak, &[json!({"action": "decide_cause", "cause": "defect", "note": "卫生间防水层破损"})]).await;
    assert_eq!((d["responsibility"].as_str(), d["in_warranty"].as_bool(), d["paid_repair"].as_bool()), (Some("contractor"), Some(true), Some(false)), "{d}");

    // A water pipe (2 years) three years after handover: the developer's under the warranty rules.
    let pipe = order(&w, old, "water").await;
    dispatched(&w, pipe).await;
    let d = to(&w, pipe, &[json!({"action": "arrive"}), json!({"action": "decide_cause", "cause": "defect"})]).await;
    assert_eq!((d["responsibility"].as_str(), d["in_warranty"].as_bool()), (Some("developer"), Some(false)), "{d}");
    // The project sets a longer warranty for pipes: now the contractor's.
    let mut tx = w.app.db.begin().await.expect("tx");
    set_warranty_years(&mut tx, w.app.project_a, Component::Plumbing, 5).await.expect("years");
    tx.commit().await.expect("commit");
    let d = to(&w, pipe, &[json!({"action": "decide_cause", "cause": "defect"})]).await;
    assert_eq!((d["responsibility"].as_str(), d["in_warranty"].as_bool()), (Some("contractor"), Some(true)), "{d}");
    // The owner's fit-out broke it: the owner pays, whatever the warranty.
    let d = to(&w, pipe, &[json!({"action": "decide_cause", "cause": "fit_out", "note": "装修时打穿水管"})]).await;
    assert_eq!(
        (d["responsibility"].as_str(), d["paid_repair"].as_bool(), d["cause_note"].as_str()),
        (Some("owner"), Some(true), Some("装修时打穿水管")),
        "{d}"
    );
    let history: Vec<&str> = d["history"].as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(history.iter().filter(|a| **a == "decide_cause").count(), 3, "each decision is an event");
}

#[tokio::test]
async fn rep_6_a_witnessed_test_must_pass_before_sign_off_and_a_failed_one_goes_back_to_repair() {
    let w = world().await;
    let u = unit(&w, "A-401", "").await;
    let id = order(&w, u, "electric").await;
    dispatched(&w, id).await;
    to(&w, id, &[json!({"action": "arrive"}), json!({"action": "start", "plan": "更换线路"}), json!({"action": "finish", "result": "已更换"})]).await;
    let (s, body) = act(&w, &w.eng, id, json!({"action": "sign_off", "signed_by": "王先生"})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!(["record_test"])), "no sign-off before the test: {body}");
    let (s, body) = act(&w, &w.eng, id, json!({"action": "record_test", "owner_present": true, "passed": true})).await;
    assert_eq!((s, fields(&body)), (422, vec!["office_present".to_string()]), "the property office witnesses: {body}");
    let (s, body) = act(&w, &w.eng, id, json!({"action": "record_test", "owner_present": true, "office_present": true})).await;
    assert_eq!((s, fields(&body)), (422, vec!["passed".to_string()]), "{body}");
    let (s, body) = act(&w, &w.eng, id, json!({"action": "record_test", "owner_present": true, "office_present": true, "passed": false})).await;
    assert_eq!((s, fields(&body)), (422, vec!["note".to_string()]), "a failure says what failed: {body}");
    let d = to(&w, id, &[json!({"action": "record_test", "owner_present": true, "office_present": true, "passed": false, "note": "绝缘电阻不合格"})]).await;
    assert_eq!((d["status"].as_str(), d["test_passed"].as_bool()), (Some("in_repair"), Some(false)), "{d}");
    let d = to(
        &w,
        id,
        &[json!({"action": "finish", "result": "重新接线"}), json!({"action": "record_test", "owner_present": true, "office_present": true, "passed": true})],
    )
    .await;
    assert_eq!((d["status"].as_str(), d["test_passed"].as_bool(), d["allowed"].clone()), (Some("awaiting_sign_off"), Some(true), json!(["sign_off"])), "{d}");
    let tests = d["tests"].as_array().expect("tests");
    assert_eq!(tests.iter().map(|t| t["passed"].as_bool()).collect::<Vec<_>>(), [Some(false), Some(true)], "both tests kept: {d}");
    assert_eq!(tests[0]["tested_by"].as_str(), Some("工程师"));

    // Door and window work needs no test.
    let door = order(&w, u, "door_window").await;
    dispatched(&w, door).await;
    let d = to(&w, door, &[json!({"action": "arrive"}), json!({"action": "start", "plan": "换锁"}), json!({"action": "finish", "result": "已换"})]).await;
    assert_eq!(d["allowed"], json!(["sign_off"]), "{d}");
}

#[tokio::test]
async fn rep_11_rep_3_pages_register_form_list_export_detail_and_the_work_order_shows_the_warranty() {
    let w = world().await;
    let eng = w.app.login("gong").await;
    let (s, _, body) = w.app.post_form(&eng, "/contractors", &[("name", "恒安水电"), ("licence_no", "91110108MA01A2B3CX"), ("trades", "water")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("统一社会信用代码校验位不正确"), "the reason in Chinese on the form");
    let lic = licence("91110108MA01A2B3C");
    let (s, _, body) = w
        .app
        .post_form(&eng, "/contractors", &[("name", "恒安水电"), ("licence_no", &lic), ("trades", "water"), ("q_trade_2", "water"), ("q_name_2", "")])
        .await;
    assert_eq!(s, 422, "an incomplete qualification row is refused where it was typed");
    assert!(body.contains("id=\"q-name-2\""), "{body}");
    let fields = [
        ("name", "恒安水电"),
        ("licence_no", lic.as_str()),
        ("trades", "water"),
        ("trades", "waterproofing"),
        ("approved", "1"),
        ("q_trade_0", "water"),
        ("q_name_0", "给排水专业承包"),
        ("q_expires_0", "2020-01-01"),
    ];
    let (s, location, _) = w.app.post_form(&eng, "/contractors", &fields).await;
    assert_eq!(s, 303);
    let location = location.split('?').next().unwrap_or_default().to_string();
    let id: i64 = location.trim_start_matches("/contractors/").parse().expect("id in location");
    let (s, page) = w.app.get_text(&eng, &location).await;
    assert_eq!(s, 200);
    assert!(page.contains("已过期") && page.contains("给排水专业承包"), "the expired qualification is marked");
    let (_, list) = w.app.get_text(&eng, "/contractors?trade=waterproofing&approved=1").await;
    assert!(list.contains("恒安水电"));
    let (_, list) = w.app.get_text(&eng, "/contractors?trade=electric").await;
    assert!(!list.contains("恒安水电"));
    let r = eng.get(format!("{}/contractors?format=xlsx", w.app.base)).send().await.expect("export");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheet"));
    let (s, edit) = w.app.get_text(&eng, &format!("/contractors/{id}/edit")).await;
    assert_eq!(s, 200);
    assert!(edit.contains("value=\"2020-01-01\""), "the form is filled from the register");
    let stale = [("version", "99"), ("name", "恒安水电"), ("licence_no", lic.as_str()), ("trades", "water")];
    let (s, _, _) = w.app.post_form(&eng, &format!("/contractors/{id}/edit"), &stale).await;
    assert_eq!(s, 409, "a stale edit is refused");
    let fresh = [
        ("version", "1"),
        ("name", "恒安水电"),
        ("licence_no", lic.as_str()),
        ("trades", "water"),
        ("approved", "1"),
        ("q_trade_0", "water"),
        ("q_name_0", "给排水专业承包"),
        ("q_expires_0", "2099-01-01"),
    ];
    let (s, _, _) = w.app.post_form(&eng, &format!("/contractors/{id}/edit"), &fresh).await;
    assert_eq!(s, 303, "renewed");
    let (_, page) = w.app.get_text(&eng, &location).await;
    assert!(!page.contains("已过期"));
    let desk = w.app.login("qiantai").await;
    let (s, _) = w.app.get_text(&desk, "/contractors/new").await;
    assert_eq!(s, 403, "the desk reads the register but does not keep it");
    let (s, _) = w.app.get_text(&desk, "/contractors/999999").await;
    assert_eq!(s, 404);

    // REP-3 / REP-4 on the work order page: the warranty and the approved contractors to choose from.
    let u = unit(&w, "A-501", &days_from_today(-100)).await;
    let order_id = order(&w, u, "water").await;
    dispatched(&w, order_id).await;
    let (_, page) = w.app.get_text(&eng, &format!("/work-orders/{order_id}")).await;
    assert!(page.contains("报修时在保修期内"), "the warranty is shown");
    assert!(page.contains(&format!("<option value=\"{id}\"")), "the approved, qualified contractor is offered");
    let (s, location, _) = w
        .app
        .post_form(&eng, &format!("/work-orders/{order_id}/act"), &[("version", "2"), ("action", "choose_repairer"), ("contractor_id", &id.to_string())])
        .await;
    assert_eq!(s, 303, "{location}");
    let (_, page) = w.app.get_text(&eng, &format!("/work-orders/{order_id}")).await;
    assert!(page.contains(&format!("<a href=\"/contractors/{id}\">恒安水电</a>")), "the repairer is shown");
}

#[tokio::test]
async fn rep_3_a_project_sets_its_own_warranty_years_on_its_page() {
    let w = world().await;
    w.app.staff("jingli", "manager", &[w.app.project_a]).await;
    let boss = w.app.login("jingli").await;
    let (s, page) = w.app.get_text(&boss, &format!("/projects/{}/warranty", w.app.project_a)).await;
    assert_eq!(s, 200);
    assert!(page.contains("name=\"years_waterproofing\" value=\"5\""), "the legal minimums by default");
    let path = format!("/projects/{}/warranty", w.app.project_a);
    let (s, _, page) = w.app.post_form(&boss, &path, &[("years_plumbing", "abc"), ("years_waterproofing", "0")]).await;
    assert_eq!(s, 422);
    assert!(page.contains("应为 1 到 100 的整数年"), "the reason in Chinese");
    let eng = w.app.login("gong").await;
    let (s, _, _) = w.app.post_form(&eng, &path, &[("years_plumbing", "5")]).await;
    assert_eq!(s, 403, "only those who edit projects set warranties");
    let (s, _, _) = w.app.post_form(&boss, &path, &[("years_plumbing", "5")]).await;
    assert_eq!(s, 303);
    let (s, _) = w.app.get_text(&boss, &format!("/projects/{}/warranty", w.app.project_b)).await;
    assert_eq!(s, 404, "another project is not found");

    let old = unit(&w, "A-601", &days_from_today(-3 * 365)).await;
    let id = order(&w, old, "water").await;
    let (_, d) = get(&w, &w.cs, &format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(d["warranty"], json!({"component": "plumbing", "years": 5, "in_warranty": true}), "{d}");
}
