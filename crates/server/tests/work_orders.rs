//! Work orders over HTTP (REP-1, REP-2, REP-5, REP-7, REP-10, REP-12 paid repairs; RCP-3 and RCP-7
//! with the desk, after-sales return slips included):
//! numbering, per-stage deadlines and results, the whole life through the API, 409 with the
//! allowed actions, one winner of two concurrent actions, other projects' orders not found.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{PASSWORD, TestApp, spawn_app};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::{StaffInput, create_department, create_staff};
use propdesk_domain::calendar::{Calendar, WorkingHours};
use propdesk_store::{AsEx, Sql};
use serde_json::{Value, json};

const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";

struct World {
    app: TestApp,
    eng_dept: i64,
    /// The engineer of the engineering department on project A.
    engineer: i64,
    /// Bearer tokens: customer service (A), the engineer (A), a security guard of another department (A).
    cs: String,
    eng: String,
    other: String,
    unit: i64,
}

async fn member(app: &TestApp, username: &str, dept: i64, projects: &[i64]) -> i64 {
    let input = StaffInput {
        username: username.into(),
        display_name: format!("{username}名"),
        role: "engineering".into(),
        department_id: dept.to_string(),
        active: true,
        projects: projects.to_vec(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    create_staff(&app.db, &app.root, &input).await.expect("staff")
}

async fn world() -> World {
    let app = spawn_app().await;
    let eng_dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let sec_dept = create_department(&app.db, &app.root, "SEC", "安保部").await.expect("dept");
    app.staff("kefu", "specialist", &[app.project_a]).await;
    let engineer = member(&app, "gong", eng_dept, &[app.project_a]).await;
    member(&app, "bao", sec_dept, &[app.project_a]).await;
    let input =
        UnitInput { building_id: app.building_a.to_string(), unit_no: "A-101".into(), kind: "shop".into(), building_area: "100".into(), ..Default::default() };
    let unit = create_unit(&app.db, &app.root, &input).await.expect("unit");
    let (cs, eng, other) = (app.token("kefu").await, app.token("gong").await, app.token("bao").await);
    World { app, eng_dept, engineer, cs, eng, other, unit }
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

fn repair(w: &World, extra: Value) -> Value {
    let mut body = json!({
        "project_id": w.app.project_a, "unit_id": w.unit, "owner_name": "王先生", "contact_phone": "13800138000",
        "content": "厨房水龙头漏水", "available_times": "工作日晚上 7 点后", "category": "water",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

async fn create(w: &World, extra: Value) -> Value {
    let (s, body) = post(w, &w.cs, "/api/v1/work-orders", repair(w, extra)).await;
    assert_eq!(s, 201, "{body}");
    body
}

async fn act(w: &World, token: &str, id: i64, body: Value) -> (u16, Value) {
    post(w, token, &format!("/api/v1/work-orders/{id}/actions"), body).await
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| panic!("a time: {v}"))
}

fn stage<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["stages"].as_array().and_then(|a| a.iter().find(|s| s["stage"] == name)).unwrap_or_else(|| panic!("stage {name} in {d}"))
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"].as_array().map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

async fn scalar(app: &TestApp, sql: Sql) -> i64 {
    let mut c = app.db.read().await.expect("conn");
    c.ex().scalar(sql).await.expect("scalar")
}

#[tokio::test]
async fn rep_10_numbers_are_sequential_per_project() {
    let w = world().await;
    let a1 = create(&w, json!({})).await;
    let a2 = create(&w, json!({})).await;
    assert_eq!((a1["number"].as_str(), a2["number"].as_str()), (Some("HXGC/WXWT001"), Some("HXGC/WXWT002")));
    w.app.staff("lhy", "specialist", &[w.app.project_b]).await;
    let b = w.app.token("lhy").await;
    let body = json!({"project_id": w.app.project_b, "location_kind": "public_area", "location": "1栋大堂", "owner_name": "巡查员",
        "contact_phone": "13900000000", "content": "大堂灯不亮", "category": "electric"});
    let (s, b1) = post(&w, &b, "/api/v1/work-orders", body).await;
    assert_eq!(s, 201, "{b1}");
    assert_eq!(b1["number"], "LHY/WXWT001", "each project counts its own");
}

#[tokio::test]
async fn rep_2_on_site_due_in_two_working_days_or_at_the_appointment() {
    let w = world().await;
    let d = create(&w, json!({})).await;
    let received = time(&d["received_at"]);
    let expected = Calendar::shipped().add_working_days(received, 2, &WorkingHours::default(), chrono_tz::Asia::Shanghai);
    assert_eq!(time(&stage(&d, "on_site")["due"]), expected, "two working days of the project's calendar");
    assert!(stage(&d, "accept")["due"].is_string(), "the dispatch clock runs from intake");
    assert_eq!(d["next_due"], stage(&d, "accept")["due"]);
    let appointment = (Utc::now() + Duration::days(9)).format("%Y-%m-%dT%H:%M:00Z").to_string();
    let d = create(&w, json!({"appointment_at": appointment, "available_times": ""})).await;
    assert_eq!(time(&stage(&d, "on_site")["due"]), time(&json!(appointment)), "the owner's appointment is the on-site deadline");
    let (s, body) = post(&w, &w.cs, "/api/v1/work-orders", repair(&w, json!({"appointment_at": "2020-01-01T10:00"}))).await;
    assert_eq!((s, fields(&body)), (422, vec!["appointment_at".to_string()]), "an appointment in the past: {body}");
}

#[tokio::test]
async fn rep_5_emergency_clock_is_immediate_and_arrival_needs_evidence_and_the_shut_off_decision() {
    let w = world().await;
    let d = create(&w, json!({"emergency": true, "content": "厨房水管爆裂", "available_times": ""})).await;
    let received = time(&d["received_at"]);
    assert_eq!(time(&stage(&d, "accept")["due"]), received + Duration::hours(1));
    assert_eq!(time(&stage(&d, "on_site")["due"]), received + Duration::hours(1), "calendar hours, 24h rota");
    let id = d["id"].as_i64().expect("id");
    let (s, d) = act(&w, &w.cs, id, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(stage(&d, "accept")["on_time"], true);
    let (s, body) = act(&w, &w.eng, id, json!({"action": "arrive", "note": "角阀爆裂"})).await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(fields(&body), vec!["evidence".to_string()]);
    let (s, body) = act(&w, &w.eng, id, json!({"action": "arrive", "note": "角阀爆裂", "evidence": "现场照片已留存"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["shut_off".to_string()]), "{body}");
    let (s, d) = act(&w, &w.eng, id, json!({"action": "arrive", "note": "角阀爆裂", "evidence": "现场照片已留存", "shut_off": "water"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!((d["status"].as_str(), d["shut_off"].as_str(), d["evidence"].as_str()), (Some("on_site"), Some("water"), Some("现场照片已留存")));
    assert_eq!(stage(&d, "on_site")["on_time"], true);
}

#[tokio::test]
async fn rep_1_required_fields_are_refused_with_422() {
    let w = world().await;
    let (s, body) = post(&w, &w.cs, "/api/v1/work-orders", json!({"project_id": w.app.project_a})).await;
    assert_eq!(s, 422, "{body}");
    let f = fields(&body);
    for name in ["location_kind", "owner_name", "contact_phone", "content", "category"] {
        assert!(f.contains(&name.to_string()), "{name} in {f:?}");
    }
    let (s, body) = post(&w, &w.cs, "/api/v1/work-orders", repair(&w, json!({"available_times": ""}))).await;
    assert_eq!((s, fields(&body)), (422, vec!["available_times".to_string()]), "REP-1: when the owner is at home");
    let (s, body) = post(&w, &w.cs, "/api/v1/work-orders", repair(&w, json!({"unit_id": "", "location_kind": "public_area"}))).await;
    assert_eq!((s, fields(&body)), (422, vec!["location".to_string()]), "a public area says where");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM work_orders")).await, 0, "nothing half-saved");
}

#[tokio::test]
async fn rcp_3_repair_record_opens_a_work_order() {
    let w = world().await;
    let body = json!({"project_id": w.app.project_a, "category": "repair", "unit_id": w.unit, "contact_name": "李女士",
        "contact_phone": "13700001111", "content": "卫生间天花渗水"});
    let (s, rec) = post(&w, &w.cs, "/api/v1/reception-records", body).await;
    assert_eq!(s, 201, "{rec}");
    let rid = rec["record"]["id"].as_i64().expect("record id");
    let (s, list) = get(&w, &w.cs, &format!("/api/v1/work-orders?project_id={}", w.app.project_a)).await;
    assert_eq!(s, 200);
    let wo = &list["items"][0];
    assert_eq!((wo["reception_id"].as_i64(), wo["owner_name"].as_str(), wo["category"].as_str()), (Some(rid), Some("李女士"), Some("leak")));
    assert_eq!(wo["number"], "HXGC/WXWT001");
    let follow_up: (String,) = {
        let mut c = w.app.db.read().await.expect("conn");
        c.ex().fetch_one(Sql::new("SELECT follow_up FROM reception_records WHERE id = $1").arg(rid)).await.expect("row")
    };
    assert!(follow_up.0.contains("HXGC/WXWT001"), "the record names its work order: {}", follow_up.0);
    let cs = w.app.login("kefu").await;
    let (_, page) = w.app.get_text(&cs, &format!("/reception/{rid}")).await;
    assert!(page.contains(&format!("/work-orders/{}", wo["id"])), "the record page links its work order");
}

#[tokio::test]
async fn rcp_7_rep_7_the_record_closes_when_its_signed_off_work_order_closes() {
    let w = world().await;
    let body = json!({"project_id": w.app.project_a, "category": "repair", "unit_id": w.unit, "contact_name": "李女士",
        "contact_phone": "13700001111", "content": "卧室插座没电"});
    let (s, rec) = post(&w, &w.cs, "/api/v1/reception-records", body).await;
    assert_eq!(s, 201, "{rec}");
    let rid = rec["record"]["id"].as_i64().expect("record id");
    let id = scalar(&w.app, Sql::new("SELECT id FROM work_orders WHERE reception_id = $1").arg(rid)).await;
    let steps = [
        (&w.cs, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer}), "dispatched"),
        (&w.eng, json!({"action": "arrive"}), "on_site"),
        (&w.eng, json!({"action": "start", "plan": "更换插座"}), "in_repair"),
        (&w.eng, json!({"action": "finish", "result": "已更换插座，通电正常"}), "awaiting_sign_off"),
        // REP-6: electrical work is tested with the owner and the property office before sign-off.
        (&w.eng, json!({"action": "record_test", "owner_present": true, "office_present": true, "passed": true}), "awaiting_sign_off"),
    ];
    for (token, body, status) in steps {
        let (s, d) = act(&w, token, id, body).await;
        assert_eq!((s, d["status"].as_str()), (200, Some(status)), "{d}");
    }
    let (s, body) = act(&w, &w.eng, id, json!({"action": "sign_off", "signed_by": "李女士"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["signature".to_string()]), "REP-7: the owner signs: {body}");
    let (s, body) = act(&w, &w.eng, id, json!({"action": "sign_off", "signed_by": "李女士", "signature": "data:image/gif;base64,R0lG"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["signature".to_string()]), "only a PNG signature");
    let (s, d) = act(&w, &w.eng, id, json!({"action": "sign_off", "signed_by": "李女士", "signature": PNG})).await;
    assert_eq!((s, d["status"].as_str(), d["signed"].as_bool()), (200, Some("awaiting_callback"), Some(true)), "{d}");
    // REP-8: electrical work is a safety facility: callback within 2 days.
    let signed = time(&stage(&d, "sign_off")["due"]);
    assert!(time(&stage(&d, "callback")["due"]) <= Utc::now() + Duration::days(2) && signed > Utc::now());
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM reception_records WHERE id = $1 AND status = 'open'").arg(rid)).await, 1);
    let (s, body) = act(&w, &w.eng, id, json!({"action": "callback_done", "satisfied": true})).await;
    assert_eq!(s, 403, "callbacks are customer service's: {body}");
    let (s, d) = act(&w, &w.cs, id, json!({"action": "callback_done", "satisfied": true})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("closed")), "{d}");
    for st in ["accept", "on_site", "finish", "sign_off", "callback"] {
        assert_eq!(stage(&d, st)["on_time"], true, "{st} done on time");
    }
    let history: Vec<&str> = d["history"].as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(history, ["created", "dispatch", "arrive", "start", "finish", "record_test", "sign_off", "callback_done"], "one event per action");
    assert_eq!(
        scalar(&w.app, Sql::new("SELECT COUNT(*) FROM reception_records WHERE id = $1 AND status = 'closed' AND follow_up_state = 'done'").arg(rid)).await,
        1,
        "RCP-7: the record closes with its work order"
    );
}

#[tokio::test]
async fn rep_409_an_action_that_does_not_fit_answers_the_allowed_ones_and_other_departments_get_403() {
    let w = world().await;
    let id = create(&w, json!({})).await["id"].as_i64().expect("id");
    let (s, body) = act(&w, &w.cs, id, json!({"action": "finish", "result": "x"})).await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(body["allowed"], json!(["dispatch", "cancel"]));
    let (s, body) = act(&w, &w.cs, id, json!({"action": "fly"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["action".to_string()]));
    let (s, body) = act(&w, &w.cs, id, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": 999_999})).await;
    assert_eq!((s, fields(&body)), (422, vec!["assignee_id".to_string()]), "{body}");
    let (s, _) = act(&w, &w.cs, id, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})).await;
    assert_eq!(s, 200);
    let (s, body) = act(&w, &w.other, id, json!({"action": "arrive"})).await;
    assert_eq!(s, 403, "another department's staff do not do this order's field work: {body}");
    let (s, body) = act(&w, &w.cs, id, json!({"action": "cancel"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["reason".to_string()]));
}

#[tokio::test]
async fn rep_concurrent_actions_on_one_version_one_wins() {
    let w = world().await;
    let d = create(&w, json!({})).await;
    let (id, version) = (d["id"].as_i64().expect("id"), d["version"].as_i64().expect("version"));
    let mut tasks = tokio::task::JoinSet::new();
    for body in [
        json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer, "version": version}),
        json!({"action": "cancel", "reason": "业主自行修好", "version": version}),
    ] {
        let (client, url, token) = (w.app.client(), format!("{}/api/v1/work-orders/{id}/actions", w.app.base), w.cs.clone());
        tasks.spawn(async move { client.post(url).bearer_auth(token).json(&body).send().await.expect("post").status().as_u16() });
    }
    let mut codes = tasks.join_all().await;
    codes.sort();
    assert_eq!(codes, vec![200, 409]);
    let events = scalar(&w.app, Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'work_order' AND entity_id = $1").arg(id)).await;
    assert_eq!(events, 2, "created and the one winning action");
}

#[tokio::test]
async fn rep_scope_other_projects_staff_do_not_find_the_order() {
    let w = world().await;
    let id = create(&w, json!({})).await["id"].as_i64().expect("id");
    w.app.staff("lhy", "specialist", &[w.app.project_b]).await;
    let b = w.app.token("lhy").await;
    let (s, _) = get(&w, &b, &format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(s, 404);
    let (s, _) = act(&w, &b, id, json!({"action": "cancel", "reason": "x"})).await;
    assert_eq!(s, 404);
    let (_, list) = get(&w, &b, "/api/v1/work-orders").await;
    assert_eq!(list["total"], 0);
    let (s, body) = post(&w, &b, "/api/v1/work-orders", repair(&w, json!({}))).await;
    assert_eq!((s, fields(&body)), (422, vec!["project_id".to_string()]), "{body}");
}

/// The actions whose forms the record page renders.
fn forms(html: &str) -> Vec<String> {
    html.split("data-action=\"").skip(1).map(|s| s[..s.find('"').unwrap_or(0)].to_string()).collect()
}

#[tokio::test]
async fn rep_1_pages_intake_in_chinese_record_with_allowed_actions_print_list_export_and_unit_history() {
    let w = world().await;
    let cs = w.app.login("kefu").await;
    let project = w.app.project_a.to_string();
    let unit = w.unit.to_string();
    let (s, _, body) = w.app.post_form(&cs, "/work-orders", &[("project_id", &project), ("unit_id", &unit)]).await;
    assert_eq!(s, 422, "REP-1: required fields");
    assert!(body.contains("业主姓名") && body.contains("必填"), "the reasons in Chinese next to the fields");
    let fields = [
        ("project_id", project.as_str()),
        ("unit_id", unit.as_str()),
        ("owner_name", "王先生"),
        ("contact_phone", "13800138000"),
        ("content", "卫生间下水堵塞"),
        ("category", "water"),
        ("available_times", "周末全天"),
    ];
    let (s, loc, body) = w.app.post_form(&cs, "/work-orders", &fields).await;
    assert_eq!(s, 303, "{body}");
    let id: i64 = loc.trim_start_matches("/work-orders/").split('?').next().and_then(|x| x.parse().ok()).expect("id");
    let (s, page) = w.app.get_text(&cs, &format!("/work-orders/{id}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("HXGC/WXWT001") && page.contains("各环节时限") && page.contains("正常"), "stages with their deadline state");
    assert_eq!(forms(&page), ["dispatch", "cancel"], "only what the table allows");
    assert!(page.contains("gong名"), "the engineer is offered for dispatch");
    let version = {
        let marker = "name=\"version\" value=\"";
        let start = page.find(marker).expect("version") + marker.len();
        page[start..].chars().take_while(char::is_ascii_digit).collect::<String>()
    };
    let assignee = format!("{}:{}", w.eng_dept, w.engineer);
    let (s, _, _) = w.app.post_form(&cs, &format!("/work-orders/{id}/act"), &[("action", "dispatch"), ("assignee", &assignee), ("version", &version)]).await;
    assert_eq!(s, 303);
    let (s, _, body) = w.app.post_form(&cs, &format!("/work-orders/{id}/act"), &[("action", "cancel"), ("reason", "x"), ("version", &version)]).await;
    assert_eq!(s, 409, "a stale form is refused: {body}");
    let (s, page) = w.app.get_text(&cs, &format!("/work-orders/{id}/print")).await;
    assert!(s == 200 && page.contains("维修工单（维修委托书）") && page.contains("gong名"), "the A4 work order");
    let (s, page) = w.app.get_text(&cs, "/work-orders?emergency=&q=下水").await;
    assert!(s == 200 && page.contains("HXGC/WXWT001"), "the list finds it");
    let (_, page) = w.app.get_text(&cs, "/work-orders?emergency=1").await;
    assert!(!page.contains("HXGC/WXWT001"), "not an emergency");
    let r = cs.get(format!("{}/work-orders?format=xlsx", w.app.base)).send().await.expect("export");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("spreadsheet")));
    let (s, page) = w.app.get_text(&cs, &format!("/units/{}/work-orders", w.unit)).await;
    assert!(s == 200 && page.contains("HXGC/WXWT001"), "the unit's repair history");
    let (_, page) = w.app.get_text(&cs, &format!("/units/{}", w.unit)).await;
    assert!(page.contains(&format!("/units/{}/work-orders", w.unit)), "the unit page links its repairs");
}

// ---------- REP-12 paid repairs ----------

async fn fee(w: &World, token: &str, id: i64, body: Value) -> (u16, Value) {
    post(w, token, &format!("/api/v1/work-orders/{id}/fee"), body).await
}

/// A repair found on site to be the owner's fault (REP-3 → paid), waiting for its quote.
async fn paid_order(w: &World) -> i64 {
    let id = create(w, json!({"category": "door_window", "content": "入户门锁被业主装修损坏"})).await["id"].as_i64().expect("id");
    for (token, body) in [
        (&w.cs, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})),
        (&w.eng, json!({"action": "arrive"})),
        (&w.eng, json!({"action": "decide_cause", "cause": "fit_out", "note": "装修撬坏"})),
    ] {
        let (s, d) = act(w, token, id, body).await;
        assert_eq!(s, 200, "{d}");
    }
    id
}

#[tokio::test]
async fn rep_12_quote_in_fen_agreed_before_work_collected_in_full_receipted_and_handed_over() {
    let w = world().await;
    let id = paid_order(&w).await;
    let (s, d) = get(&w, &w.eng, &format!("/api/v1/work-orders/{id}")).await;
    assert_eq!((s, d["paid_repair"].as_bool(), d["fee_allowed"].clone()), (200, Some(true), json!(["add_line"])), "{d}");
    // No work before the owner agrees the quote: 409, and start is not among the allowed actions.
    let (s, body) = act(&w, &w.eng, id, json!({"action": "start", "plan": "更换门锁"})).await;
    assert_eq!(s, 409, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("agree the quote")), "says why: {body}");
    assert!(!body["allowed"].as_array().expect("allowed").iter().any(|a| a == "start"), "{body}");
    // Strict yuan: bad and absurd amounts are refused with the field.
    for (price, qty) in [("12.505", "1"), ("-1", "1"), ("1e3", "1"), ("0", "1"), ("50", "0"), ("50", "2.5"), ("9999999", "9999")] {
        let (s, body) = fee(&w, &w.eng, id, json!({"action": "add_line", "kind": "labour", "description": "人工", "quantity": qty, "unit_price": price})).await;
        assert_eq!(s, 422, "{price} × {qty}: {body}");
    }
    let (s, _) = fee(&w, &w.eng, id, json!({"action": "add_line", "kind": "labour", "description": "拆装人工", "quantity": 1, "unit_price": "50"})).await;
    assert_eq!(s, 200);
    let (s, d) = fee(&w, &w.eng, id, json!({"action": "add_line", "kind": "materials", "description": "门锁锁芯", "quantity": 2, "unit_price": "35.25"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!((d["fee"]["total_fen"].as_i64(), d["fee"]["status"].as_str()), (Some(12_050), Some("quoting")), "total = sum of lines: {d}");
    let wrong = d["fee"]["lines"][0]["id"].as_i64().expect("line");
    let (s, d) = fee(&w, &w.eng, id, json!({"action": "add_line", "kind": "other", "description": "误加", "quantity": 1, "unit_price": "9.99"})).await;
    assert_eq!((s, d["fee"]["total_fen"].as_i64()), (200, Some(13_049)));
    let extra = d["fee"]["lines"][2]["id"].as_i64().expect("line");
    let (s, d) = fee(&w, &w.eng, id, json!({"action": "remove_line", "line_id": extra})).await;
    assert_eq!((s, d["fee"]["total_fen"].as_i64(), d["fee"]["lines"].as_array().map(Vec::len)), (200, Some(12_050), Some(2)));
    let version = d["fee"]["version"].as_i64().expect("version");
    let (s, body) = fee(&w, &w.eng, id, json!({"action": "agree"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["agreed_by".to_string()]));
    let (s, body) = fee(&w, &w.eng, id, json!({"action": "agree", "agreed_by": "王先生", "version": version - 1})).await;
    assert_eq!(s, 409, "a stale fee version: {body}");
    let (s, d) = fee(&w, &w.eng, id, json!({"action": "agree", "agreed_by": "王先生", "version": version})).await;
    assert_eq!((s, d["fee"]["status"].as_str(), d["fee_allowed"].clone()), (200, Some("agreed"), json!(["collect"])), "{d}");
    let (s, body) = fee(&w, &w.eng, id, json!({"action": "remove_line", "line_id": wrong})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!(["collect"])), "the agreed quote is fixed: {body}");
    // The work goes ahead once agreed.
    for (token, body) in [
        (&w.eng, json!({"action": "start", "plan": "更换锁芯"})),
        (&w.eng, json!({"action": "finish", "result": "已更换"})),
        (&w.eng, json!({"action": "sign_off", "signed_by": "王先生", "signature": PNG})),
    ] {
        let (s, d) = act(&w, token, id, body).await;
        assert_eq!(s, 200, "{d}");
    }
    // Not closed before the fee is collected; a dissatisfied callback could still reopen it.
    let (s, body) = act(&w, &w.cs, id, json!({"action": "callback_done", "satisfied": true})).await;
    assert_eq!(s, 409, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("收取")), "{body}");
    for (amount, method, reference, field) in
        [("120.51", "cash", "", "amount"), ("120", "cash", "", "amount"), ("120.50", "pos", "", "reference"), ("120.50", "cheque", "", "method")]
    {
        let (s, body) = fee(&w, &w.eng, id, json!({"action": "collect", "amount": amount, "method": method, "reference": reference})).await;
        assert_eq!((s, fields(&body)), (422, vec![field.to_string()]), "{amount} {method}: {body}");
    }
    let (s, d) = fee(&w, &w.eng, id, json!({"action": "collect", "amount": "120.50", "method": "transfer", "reference": "网银 20261128-001"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!((d["fee"]["status"].as_str(), d["fee"]["amount_fen"].as_i64()), (Some("collected"), Some(12_050)));
    assert_eq!((d["fee"]["receipt_no"].as_str(), d["fee"]["collected_by"].as_str()), (Some("HXGC/SJ00001"), Some("gong名")));
    let (s, body) = fee(&w, &w.eng, id, json!({"action": "hand_over"})).await;
    assert_eq!(s, 403, "customer service receives the money: {body}");
    let (s, d) = fee(&w, &w.cs, id, json!({"action": "hand_over"})).await;
    assert_eq!((s, d["fee"]["status"].as_str(), d["fee"]["handed_over_to"].as_str()), (200, Some("handed_over"), Some("kefu名")), "{d}");
    let (s, d) = act(&w, &w.cs, id, json!({"action": "callback_done", "satisfied": true})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("closed")), "{d}");
    let history: Vec<&str> = d["history"].as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["fee_add_line", "fee_remove_line", "fee_agree", "fee_collect", "fee_hand_over"] {
        assert!(history.contains(&a), "{a} in {history:?}");
    }
    // The next receipt of the project follows on.
    let id2 = paid_order(&w).await;
    fee(&w, &w.eng, id2, json!({"action": "add_line", "kind": "labour", "description": "人工", "quantity": 1, "unit_price": "30"})).await;
    fee(&w, &w.eng, id2, json!({"action": "agree", "agreed_by": "王先生"})).await;
    let (_, d) = fee(&w, &w.cs, id2, json!({"action": "collect", "amount": "30.00", "method": "cash"})).await;
    assert_eq!(d["fee"]["receipt_no"], "HXGC/SJ00002", "{d}");
}

#[tokio::test]
async fn rep_12_fees_only_on_paid_repairs_of_the_callers_department_and_nothing_half_saved() {
    let w = world().await;
    let plain = create(&w, json!({})).await["id"].as_i64().expect("id");
    let (s, body) = fee(&w, &w.cs, plain, json!({"action": "add_line", "kind": "labour", "description": "人工", "quantity": 1, "unit_price": "30"})).await;
    assert_eq!(s, 409, "not a paid repair: {body}");
    let id = paid_order(&w).await;
    let (s, _) = fee(&w, &w.other, id, json!({"action": "add_line", "kind": "labour", "description": "人工", "quantity": 1, "unit_price": "30"})).await;
    assert_eq!(s, 403, "another department");
    let (s, _) = fee(&w, &w.eng, id, json!({"action": "agree", "agreed_by": "王先生"})).await;
    assert_eq!(s, 409, "nothing to agree yet");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM repair_fee_lines")).await, 0);
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM events WHERE action LIKE 'fee_%'")).await, 0);
    // The pages: the fee on the order, the list awaiting collection, its Excel export and the receipt.
    fee(&w, &w.eng, id, json!({"action": "add_line", "kind": "labour", "description": "拆装人工", "quantity": 1, "unit_price": "50"})).await;
    let cs = w.app.login("kefu").await;
    let (s, page) = w.app.get_text(&cs, &format!("/work-orders/{id}")).await;
    assert!(s == 200 && page.contains("有偿维修") && page.contains("拆装人工") && page.contains("50.00"), "{s}");
    let (s, list) = w.app.get_text(&cs, "/paid-repairs?awaiting=collection").await;
    assert!(s == 200 && list.contains("HXGC/WXWT"), "{s}");
    let r = cs.get(format!("{}/paid-repairs?awaiting=collection&format=xlsx", w.app.base)).send().await.expect("xlsx");
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("spreadsheet")));
    let (_, d) = get(&w, &w.cs, &format!("/api/v1/work-orders/{id}")).await;
    let v = d["fee"]["version"].as_i64().expect("fee version").to_string();
    let (s, _, _) = w.app.post_form(&cs, &format!("/work-orders/{id}/fee"), &[("fee_version", "0"), ("action", "agree"), ("agreed_by", "王先生")]).await;
    assert_eq!(s, 409, "a stale form");
    let (s, _, _) = w.app.post_form(&cs, &format!("/work-orders/{id}/fee"), &[("fee_version", &v), ("action", "agree"), ("agreed_by", "王先生")]).await;
    assert_eq!(s, 303, "the page's fee form");
    let (s, _, _) = w
        .app
        .post_form(
            &cs,
            &format!("/work-orders/{id}/fee"),
            &[("fee_version", &(v.parse::<i64>().expect("v") + 1).to_string()), ("action", "collect"), ("amount", "50"), ("method", "cash")],
        )
        .await;
    assert_eq!(s, 303);
    let (s, receipt) = w.app.get_text(&cs, &format!("/work-orders/{id}/receipt")).await;
    assert!(s == 200 && receipt.contains("HXGC/SJ00001") && receipt.contains("50.00") && receipt.contains("伍拾元整"), "{s}");
}

// ---------- RCP-3 after-sales return slips ----------

#[tokio::test]
async fn rcp_3_after_sales_record_opens_return_slip_chased_to_done_and_rcp_7_closes_the_record() {
    let w = world().await;
    let body = json!({"project_id": w.app.project_a, "category": "after_sales", "unit_id": w.unit, "contact_name": "赵先生",
        "contact_phone": "13700002222", "content": "交房后外墙渗水，属工程遗留问题"});
    let (s, rec) = post(&w, &w.cs, "/api/v1/reception-records", body).await;
    assert_eq!(s, 201, "{rec}");
    let rid = rec["record"]["id"].as_i64().expect("record id");
    let (s, list) = get(&w, &w.cs, &format!("/api/v1/return-slips?project_id={}", w.app.project_a)).await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(1)), "{list}");
    let slip = &list["items"][0];
    let id = slip["id"].as_i64().expect("slip id");
    assert_eq!((slip["number"].as_str(), slip["status"].as_str(), slip["reception_id"].as_i64()), (Some("HXGC/FXD001"), Some("sent"), Some(rid)));
    assert_eq!(slip["owner_name"], "赵先生");
    assert_eq!(rec["record"]["return_slip"], json!({"id": id, "number": "HXGC/FXD001"}), "the record names its slip: {rec}");
    let (_, d) = get(&w, &w.cs, &format!("/api/v1/return-slips/{id}")).await;
    let feedback = d["steps"].as_array().and_then(|a| a.iter().find(|s| s["step"] == "feedback")).expect("feedback step");
    let due = time(&feedback["due"]);
    assert!(due > Utc::now() && due <= Utc::now() + Duration::days(4), "one working day: {due}");
    assert_eq!(d["allowed"], json!(["acknowledge"]));
    let follow_up: (String,) = {
        let mut c = w.app.db.read().await.expect("conn");
        c.ex().fetch_one(Sql::new("SELECT follow_up FROM reception_records WHERE id = $1").arg(rid)).await.expect("row")
    };
    assert!(follow_up.0.contains("HXGC/FXD001"), "{}", follow_up.0);
    // The record's follow-up is the slip's now: it cannot be marked done by hand.
    let cs = w.app.login("kefu").await;
    let (_, page) = w.app.get_text(&cs, &format!("/reception/{rid}")).await;
    assert!(page.contains(&format!("/return-slips/{id}")), "the record page links its slip");
    let (s, _, _) = w.app.post_form(&cs, &format!("/reception/{rid}/actions"), &[("action", "done"), ("note", "x")]).await;
    assert_eq!(s, 409);
    let path = format!("/api/v1/return-slips/{id}/actions");
    let slip_act = |body: Value| post(&w, &w.cs, &path, body);
    let (s, body) = slip_act(json!({"action": "start_repair"})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!(["acknowledge"])), "{body}");
    let (s, body) = slip_act(json!({"action": "acknowledge"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["reply".to_string()]));
    let (s, body) = slip_act(json!({"action": "acknowledge", "reply": "售后部张工", "agreed_finish": "2020-01-01T10:00"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["agreed_finish".to_string()]));
    let agreed = (Utc::now() + Duration::days(10)).to_rfc3339();
    let (s, d) = slip_act(json!({"action": "acknowledge", "reply": "售后部张工：周三上门查看", "agreed_finish": agreed})).await;
    assert_eq!((s, d["status"].as_str(), d["allowed"].clone()), (200, Some("acknowledged"), json!(["start_repair", "confirm_done"])), "{d}");
    let step = |d: &Value, n: &str| d["steps"].as_array().and_then(|a| a.iter().find(|s| s["step"] == n)).cloned().expect("step");
    assert_eq!(step(&d, "feedback")["on_time"], true);
    assert_eq!(time(&step(&d, "finish")["due"]).timestamp(), time(&json!(agreed)).timestamp());
    let (s, d) = slip_act(json!({"action": "start_repair", "note": "已安排施工单位"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("in_repair")));
    let (s, body) = slip_act(json!({"action": "confirm_done"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["confirmed_by".to_string()]));
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM reception_records WHERE id = $1 AND status = 'open'").arg(rid)).await, 1);
    let (s, d) = slip_act(json!({"action": "confirm_done", "confirmed_by": "赵先生（电话确认）"})).await;
    assert_eq!((s, d["status"].as_str(), d["next_due"].clone(), d["allowed"].clone()), (200, Some("done"), Value::Null, json!([])), "{d}");
    let history: Vec<&str> = d["history"].as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(history, ["created", "acknowledge", "start_repair", "confirm_done"]);
    assert_eq!(
        scalar(&w.app, Sql::new("SELECT COUNT(*) FROM reception_records WHERE id = $1 AND status = 'closed' AND follow_up_state = 'done'").arg(rid)).await,
        1,
        "RCP-7: the record closes with its slip"
    );
    let (s, body) = slip_act(json!({"action": "confirm_done", "confirmed_by": "x"})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!([])));
    // Filters, other projects, pages, print and Excel.
    let (_, done) = get(&w, &w.cs, "/api/v1/return-slips?status=done").await;
    assert_eq!(done["total"], 1);
    let (_, overdue) = get(&w, &w.cs, "/api/v1/return-slips?overdue=true").await;
    assert_eq!(overdue["total"], 0);
    let (s, _) = get(&w, &w.cs, "/api/v1/return-slips?status=lost").await;
    assert_eq!(s, 422);
    w.app.staff("lhy", "specialist", &[w.app.project_b]).await;
    let b = w.app.token("lhy").await;
    let (s, _) = get(&w, &b, &format!("/api/v1/return-slips/{id}")).await;
    assert_eq!(s, 404, "another project's slip is not found");
    let (s, list) = w.app.get_text(&cs, "/return-slips?status=done").await;
    assert!(s == 200 && list.contains("HXGC/FXD001"), "{s}");
    let (s, page) = w.app.get_text(&cs, &format!("/return-slips/{id}")).await;
    assert!(s == 200 && page.contains("赵先生（电话确认）") && page.contains("售后部张工"), "{s}");
    let (s, print) = w.app.get_text(&cs, &format!("/return-slips/{id}/print")).await;
    assert!(s == 200 && print.contains("物业返修联系单") && print.contains("HXGC/FXD001") && print.contains("外墙渗水"), "{s}");
    let r = cs.get(format!("{}/return-slips?format=xlsx", w.app.base)).send().await.expect("xlsx");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn rcp_3_return_slip_actions_from_the_page_and_overdue_feedback_shows() {
    let w = world().await;
    let body = json!({"project_id": w.app.project_a, "category": "after_sales", "contact_name": "钱女士", "contact_phone": "13700003333",
        "content": "阳台门关不严"});
    let (s, _) = post(&w, &w.cs, "/api/v1/reception-records", body).await;
    assert_eq!(s, 201);
    let id = scalar(&w.app, Sql::new("SELECT id FROM return_slips")).await;
    // The feedback deadline passed (set back in the data, as a day going by would).
    {
        let mut tx = w.app.db.begin().await.expect("tx");
        let past = Utc::now() - Duration::hours(1);
        tx.ex().execute(Sql::new("UPDATE return_slips SET feedback_due = $1, next_due = $1").arg(past)).await.expect("update");
        tx.commit().await.expect("commit");
    }
    let (_, overdue) = get(&w, &w.cs, "/api/v1/return-slips?overdue=true").await;
    assert_eq!((overdue["total"].as_i64(), overdue["items"][0]["next_due_state"].as_str()), (Some(1), Some("overdue")), "{overdue}");
    let cs = w.app.login("kefu").await;
    let (_, list) = w.app.get_text(&cs, "/return-slips?overdue=1").await;
    assert!(list.contains("已超时"), "overdue shown like work orders");
    let (_, board) = w.app.get_text(&cs, &format!("/board?project_id={}", w.app.project_a)).await;
    let marker = "data-count=\"slips_overdue\" href=\"";
    let at = board.find(marker).map(|i| i + marker.len()).expect("slips on the board");
    let shown: String = board[at..].split_once('>').map(|(_, r)| r.chars().take_while(char::is_ascii_digit).collect()).unwrap_or_default();
    assert_eq!(shown, "1", "the live board counts the overdue slip");
    let (s, _, body) = w.app.post_form(&cs, &format!("/return-slips/{id}/act"), &[("version", "1"), ("action", "acknowledge"), ("reply", "")]).await;
    assert_eq!(s, 422, "Chinese field errors on the page");
    assert!(body.contains("必填") || body.contains("不能为空"), "{body}");
    let (s, loc, _) = w.app.post_form(&cs, &format!("/return-slips/{id}/act"), &[("version", "1"), ("action", "acknowledge"), ("reply", "售后部已收到")]).await;
    assert!(s == 303 && loc.starts_with(&format!("/return-slips/{id}")), "{s} {loc}");
    let (_, d) = get(&w, &w.cs, &format!("/api/v1/return-slips/{id}")).await;
    let feedback = d["steps"].as_array().and_then(|a| a.iter().find(|s| s["step"] == "feedback")).cloned().expect("step");
    assert_eq!((d["status"].as_str(), feedback["on_time"].as_bool()), (Some("acknowledged"), Some(false)), "answered late: {d}");
}
