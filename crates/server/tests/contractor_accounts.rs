//! REP-11 over HTTP: a contractor's evaluation, deductions charged to the party REP-3 names,
//! temporary labour slips, the settlement statement and its payment request.

mod common;

use chrono::{Duration, Utc};
use common::{PASSWORD, TestApp, spawn_app};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::{StaffInput, create_department, create_staff};
use propdesk::staff::complaints::TZ;
use propdesk_domain::values::uscc_check_char;
use propdesk_store::{AsEx, Sql};
use serde_json::{Value, json};

const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";

struct World {
    app: TestApp,
    eng_dept: i64,
    engineer: i64,
    /// Bearer tokens by role.
    cs: String,
    eng: String,
    sup: String,
    mgr: String,
    fin: String,
    desk: String,
    /// A unit handed over 100 days ago (in warranty) and one handed over 3 years ago.
    new_unit: i64,
    old_unit: i64,
}

async fn unit(app: &TestApp, no: &str, days_ago: i64) -> i64 {
    let handover = (Utc::now() - Duration::days(days_ago)).format("%Y-%m-%d").to_string();
    let input = UnitInput {
        building_id: app.building_a.to_string(),
        unit_no: no.into(),
        kind: "shop".into(),
        building_area: "90".into(),
        handover_date: handover,
        ..Default::default()
    };
    create_unit(&app.db, &app.root, &input).await.expect("unit")
}

async fn world() -> World {
    let app = spawn_app().await;
    let eng_dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    app.staff("kefu", "specialist", &[app.project_a]).await;
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    app.staff("caiwu", "finance", &[app.project_a]).await;
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    let input = StaffInput {
        username: "gong".into(),
        display_name: "工程师".into(),
        role: "engineering".into(),
        department_id: eng_dept.to_string(),
        active: true,
        projects: vec![app.project_a],
        password: PASSWORD.into(),
        ..Default::default()
    };
    let engineer = create_staff(&app.db, &app.root, &input).await.expect("staff");
    let new_unit = unit(&app, "A-101", 100).await;
    let old_unit = unit(&app, "A-102", 3 * 365).await;
    World {
        cs: app.token("kefu").await,
        eng: app.token("gong").await,
        sup: app.token("zhuguan").await,
        mgr: app.token("jingli").await,
        fin: app.token("caiwu").await,
        desk: app.token("qiantai").await,
        app,
        eng_dept,
        engineer,
        new_unit,
        old_unit,
    }
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

async fn scalar(app: &TestApp, sql: Sql) -> i64 {
    let mut c = app.db.read().await.expect("conn");
    c.ex().scalar(sql).await.expect("scalar")
}

fn today() -> String {
    Utc::now().with_timezone(&TZ).format("%Y-%m-%d").to_string()
}

fn days_ago(n: i64) -> String {
    (Utc::now().with_timezone(&TZ) - Duration::days(n)).format("%Y-%m-%d").to_string()
}

async fn contractor(w: &World, head: &str) -> i64 {
    let licence = format!("{head}{}", uscc_check_char(head).expect("head"));
    let body = json!({"name": format!("维修商{head}"), "licence_no": licence, "trades": ["general"], "approved": true,
        "qualifications": [{"trade": "general", "name": "综合维修资质", "expires_on": "2099-01-01"}]});
    let (s, c) = post(w, &w.eng, "/api/v1/contractors", body).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_i64().expect("id")
}

async fn act(w: &World, token: &str, id: i64, body: Value) {
    let (s, d) = post(w, token, &format!("/api/v1/work-orders/{id}/actions"), body.clone()).await;
    assert_eq!(s, 200, "{body}: {d}");
}

/// A door repair on `unit` taken to `until` ("in_repair" or "closed"), with `contractor` sent
/// in (None: temporary labour) and the cause found to be `cause`.
async fn repair(w: &World, unit: i64, contractor: Option<i64>, cause: &str, until: &str) -> i64 {
    let body = json!({"project_id": w.app.project_a, "unit_id": unit, "owner_name": "王先生", "contact_phone": "13800138000",
        "content": "入户门锁坏了", "available_times": "晚上", "category": "door_window"});
    let (s, d) = post(w, &w.cs, "/api/v1/work-orders", body).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_i64().expect("id");
    act(w, &w.cs, id, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})).await;
    if let Some(c) = contractor {
        act(w, &w.eng, id, json!({"action": "choose_repairer", "contractor_id": c})).await;
    }
    act(w, &w.eng, id, json!({"action": "arrive"})).await;
    act(w, &w.eng, id, json!({"action": "decide_cause", "cause": cause})).await;
    if matches!(cause, "owner_use" | "fit_out") {
        // REP-12: the owner pays, so the owner agrees the quote before the work starts.
        let fee = format!("/api/v1/work-orders/{id}/fee");
        let (s, d) = post(w, &w.eng, &fee, json!({"action": "add_line", "kind": "labour", "description": "换锁人工", "quantity": 1, "unit_price": "80"})).await;
        assert_eq!(s, 200, "{d}");
        let (s, d) = post(w, &w.eng, &fee, json!({"action": "agree", "agreed_by": "王先生", "version": d["fee"]["version"]})).await;
        assert_eq!(s, 200, "{d}");
    }
    act(w, &w.eng, id, json!({"action": "start", "plan": "更换门锁"})).await;
    if until == "closed" {
        act(w, &w.eng, id, json!({"action": "finish", "result": "已更换"})).await;
        act(w, &w.eng, id, json!({"action": "sign_off", "signed_by": "王先生", "signature": PNG})).await;
        act(w, &w.cs, id, json!({"action": "callback_done", "satisfied": true})).await;
    }
    id
}

async fn deduction(w: &World, order: i64, amount: &str) -> (i64, i64) {
    let (s, d) = post(w, &w.eng, &format!("/api/v1/work-orders/{order}/deductions"), json!({"amount": amount, "reason": "门锁返修，扣维修商费用"})).await;
    assert_eq!(s, 201, "{d}");
    (d["id"].as_i64().expect("id"), d["version"].as_i64().expect("version"))
}

async fn step(w: &World, token: &str, path: &str, body: Value) -> (u16, Value) {
    post(w, token, path, body).await
}

#[tokio::test]
async fn rep_11_settlement_is_closed_work_less_approved_deductions_charged_once_then_a_payment_request() {
    let w = world().await;
    let c = contractor(&w, "91110108MA01A2B3C").await;
    let one = repair(&w, w.new_unit, Some(c), "defect", "closed").await;
    let two = repair(&w, w.new_unit, Some(c), "defect", "closed").await;
    let open = repair(&w, w.new_unit, Some(c), "defect", "in_repair").await;
    for (id, yuan) in [(one, json!("1200.50")), (two, json!(800)), (open, json!(300))] {
        let (s, d) = post(&w, &w.eng, &format!("/api/v1/work-orders/{id}/agreed-amount"), json!({"amount": yuan})).await;
        assert_eq!(s, 200, "{d}");
    }
    let (_, d) = post(&w, &w.eng, &format!("/api/v1/work-orders/{one}/agreed-amount"), json!({"amount": "1200.5"})).await;
    assert_eq!(d["agreed_amount_fen"], 120_050, "yuan parsed into fen exactly");

    // Deductions: approved by a supervisor, not by the engineer who drafted it.
    let (charged, v) = deduction(&w, one, "100").await;
    let path = format!("/api/v1/deductions/{charged}/actions");
    let (s, body) = step(&w, &w.eng, &path, json!({"action": "approve", "version": v})).await;
    assert_eq!(s, 403, "{body}");
    let (s, body) = step(&w, &w.sup, &path, json!({"action": "approve", "version": v + 1})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!(["approve", "cancel"])), "a stale version: {body}");
    let (s, d) = step(&w, &w.sup, &path, json!({"action": "approve", "version": v})).await;
    assert_eq!((s, d["status"].as_str(), d["approved_by"].as_str()), (200, Some("approved"), Some("zhuguan名")), "{d}");
    assert_eq!((d["party"].as_str(), d["contractor_id"].as_i64(), d["number"].as_str()), (Some("contractor"), Some(c), Some("HXGC/KK001")), "{d}");
    let (draft, _) = deduction(&w, two, "50").await;
    let (cancelled, v) = deduction(&w, two, "70").await;
    step(&w, &w.sup, &format!("/api/v1/deductions/{cancelled}/actions"), json!({"action": "approve", "version": v})).await;
    let (s, _) = step(&w, &w.eng, &format!("/api/v1/deductions/{cancelled}/actions"), json!({"action": "cancel", "reason": "重复开单"})).await;
    assert_eq!(s, 403, "an approved deduction is withdrawn by an approver");
    let (s, body) = step(&w, &w.sup, &format!("/api/v1/deductions/{cancelled}/actions"), json!({"action": "cancel"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["reason".to_string()]), "{body}");
    let (s, _) = step(&w, &w.sup, &format!("/api/v1/deductions/{cancelled}/actions"), json!({"action": "cancel", "reason": "重复开单"})).await;
    assert_eq!(s, 200);

    // Generating: the engineer may not; a supervisor may.
    let period = json!({"project_id": w.app.project_a, "period_from": today(), "period_to": today()});
    let settle = format!("/api/v1/contractors/{c}/settlements");
    let (s, _) = post(&w, &w.eng, &settle, period.clone()).await;
    assert_eq!(s, 403);
    let (s, t) = post(&w, &w.sup, &settle, period.clone()).await;
    assert_eq!(s, 201, "{t}");
    assert_eq!((t["gross_fen"].as_i64(), t["deductions_fen"].as_i64(), t["payable_fen"].as_i64()), (Some(200_050), Some(10_000), Some(190_050)), "{t}");
    let lines: Vec<i64> = t["lines"].as_array().expect("lines").iter().filter_map(|l| l["work_order_id"].as_i64()).collect();
    assert_eq!(lines, [one, two], "closed orders only; the open one waits");
    assert_eq!(t["deductions"].as_array().map(|a| a.len()), Some(1), "{t}");
    assert_eq!(t["number"].as_str(), Some("HXGC/JS001"));
    let sid = t["id"].as_i64().expect("id");
    let (_, d) = get(&w, &w.cs, &format!("/api/v1/deductions/{charged}")).await;
    assert_eq!((d["status"].as_str(), d["settlement_id"].as_i64(), d["allowed"].clone()), (Some("charged"), Some(sid), json!([])), "{d}");
    let (_, d) = get(&w, &w.cs, &format!("/api/v1/deductions/{draft}")).await;
    assert_eq!(d["status"], "draft", "a draft is not charged");
    let (_, list) = get(&w, &w.cs, &format!("/api/v1/contractors/{c}/deductions?status=charged")).await;
    assert_eq!(list.as_array().map(|a| a.iter().filter_map(|d| d["id"].as_i64()).collect::<Vec<_>>()), Some(vec![charged]), "{list}");
    let (s, _) = get(&w, &w.cs, &format!("/api/v1/contractors/{c}/deductions?status=paid")).await;
    assert_eq!(s, 422);
    let events = scalar(&w.app, Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'settlement' AND entity_id = $1").arg(sid)).await;
    assert_eq!(events, 1);

    // Twice: the same period is a conflict; an overlapping one finds nothing left to count.
    let (s, body) = post(&w, &w.sup, &settle, period.clone()).await;
    assert_eq!(s, 409, "{body}");
    assert!(body.to_string().contains("HXGC/JS001"), "{body}");
    let (s, body) = post(&w, &w.sup, &settle, json!({"project_id": w.app.project_a, "period_from": days_ago(7), "period_to": today()})).await;
    assert_eq!((s, fields(&body)), (422, vec!["period_to".to_string()]), "nothing counted twice: {body}");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM settlement_lines")).await, 2);
    let (s, _) = post(&w, &w.eng, &format!("/api/v1/work-orders/{one}/agreed-amount"), json!({"amount": "1"})).await;
    assert_eq!(s, 409, "a settled order's amount is fixed");
    let (_, list) = get(&w, &w.desk, &settle).await;
    assert_eq!(list.as_array().map(|a| a.len()), Some(1));

    // The payment request: submitted, approved by the manager, paid by finance.
    let pay = format!("/api/v1/settlements/{sid}/payment-requests");
    let (s, d) = post(&w, &w.sup, &pay, json!({"note": "11 月维修款"})).await;
    assert_eq!(s, 201, "{d}");
    let p = &d["payment_requests"][0];
    assert_eq!((p["amount_fen"].as_i64(), p["status"].as_str(), p["number"].as_str()), (Some(190_050), Some("submitted"), Some("HXGC/QK001")), "{d}");
    let pid = p["id"].as_i64().expect("id");
    let (s, _) = post(&w, &w.sup, &pay, json!({})).await;
    assert_eq!(s, 409, "one live request per settlement");
    let act_path = format!("/api/v1/payment-requests/{pid}/actions");
    let (s, _) = step(&w, &w.sup, &act_path, json!({"action": "approve"})).await;
    assert_eq!(s, 403, "a supervisor does not approve payments");
    let (s, body) = step(&w, &w.fin, &act_path, json!({"action": "pay"})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!([])), "not paid before approval: {body}");
    let (s, d) = step(&w, &w.mgr, &act_path, json!({"action": "approve"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("approved")), "{d}");
    let (s, _) = step(&w, &w.mgr, &act_path, json!({"action": "pay"})).await;
    assert_eq!(s, 403, "finance pays");
    let (s, d) = step(&w, &w.fin, &act_path, json!({"action": "pay"})).await;
    assert_eq!((s, d["status"].as_str(), d["paid_by"].as_str()), (200, Some("paid"), Some("caiwu名")), "{d}");
    let (s, _) = step(&w, &w.fin, &act_path, json!({"action": "pay"})).await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn rep_11_settlement_refuses_missing_amounts_and_deductions_above_the_work_and_saves_nothing() {
    let w = world().await;
    let c = contractor(&w, "91110108MA01A2B3C").await;
    let one = repair(&w, w.new_unit, Some(c), "defect", "closed").await;
    let settle = format!("/api/v1/contractors/{c}/settlements");
    let period = json!({"project_id": w.app.project_a, "period_from": today(), "period_to": today()});
    let (s, body) = post(&w, &w.sup, &settle, period.clone()).await;
    assert_eq!((s, fields(&body)), (422, vec!["agreed_amount[HXGC/WXWT001]".to_string()]), "{body}");
    post(&w, &w.eng, &format!("/api/v1/work-orders/{one}/agreed-amount"), json!({"amount": "50"})).await;
    let (d, v) = deduction(&w, one, "80").await;
    step(&w, &w.mgr, &format!("/api/v1/deductions/{d}/actions"), json!({"action": "approve", "version": v})).await;
    let (s, body) = post(&w, &w.sup, &settle, period.clone()).await;
    assert_eq!((s, fields(&body)), (422, vec!["deductions".to_string()]), "no negative payable: {body}");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM settlements")).await, 0);
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM deductions WHERE status = 'approved'")).await, 1, "nothing half-saved");
    for bad in [
        json!({"project_id": w.app.project_a, "period_from": today(), "period_to": days_ago(1)}),
        json!({"project_id": w.app.project_a, "period_from": days_ago(400), "period_to": today()}),
        json!({"project_id": w.app.project_a, "period_from": "2026-02-30", "period_to": today()}),
    ] {
        let (s, body) = post(&w, &w.sup, &settle, bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {body}");
    }
    let (s, _) = post(&w, &w.sup, &settle, json!({"project_id": w.app.project_b, "period_from": today(), "period_to": today()})).await;
    assert_eq!(s, 422, "a project the supervisor cannot see");
    let (s, _) = post(&w, &w.sup, "/api/v1/contractors/999999/settlements", period).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn rep_11_deductions_are_charged_to_the_party_rep_3_names_with_strict_amounts() {
    let w = world().await;
    let c = contractor(&w, "91110108MA01A2B3C").await;
    // Three years after handover a door defect is out of warranty: the developer's.
    let dev = repair(&w, w.old_unit, Some(c), "defect", "in_repair").await;
    let (s, d) = post(&w, &w.eng, &format!("/api/v1/work-orders/{dev}/deductions"), json!({"amount": "66.60", "reason": "开发商保修外维修费"})).await;
    assert_eq!((s, d["party"].as_str(), d["contractor_id"].clone(), d["amount_fen"].as_i64()), (201, Some("developer"), Value::Null, Some(6_660)), "{d}");
    let owner = repair(&w, w.new_unit, Some(c), "owner_use", "in_repair").await;
    let (s, body) = post(&w, &w.eng, &format!("/api/v1/work-orders/{owner}/deductions"), json!({"amount": "10", "reason": "x"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["work_order_id".to_string()]), "an owner's fault is a paid repair: {body}");
    assert!(body.to_string().contains("有偿维修"), "{body}");
    let ok = repair(&w, w.new_unit, Some(c), "defect", "in_repair").await;
    for amount in ["12.345", "-1", "0", "10000001", "abc", ""] {
        let (s, body) = post(&w, &w.eng, &format!("/api/v1/work-orders/{ok}/deductions"), json!({"amount": amount, "reason": "返修"})).await;
        assert_eq!((s, fields(&body)), (422, vec!["amount".to_string()]), "{amount}: {body}");
    }
    let (s, body) = post(&w, &w.eng, &format!("/api/v1/work-orders/{ok}/deductions"), json!({"amount": "10"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["reason".to_string()]), "{body}");
    let (s, _) = post(&w, &w.desk, &format!("/api/v1/work-orders/{ok}/deductions"), json!({"amount": "10", "reason": "返修"})).await;
    assert_eq!(s, 403, "the desk does not charge contractors");
    let (s, _) = post(&w, &w.eng, "/api/v1/work-orders/999999/deductions", json!({"amount": "10", "reason": "返修"})).await;
    assert_eq!(s, 404);
    let (s, _) = get(&w, &w.cs, "/api/v1/deductions/999999").await;
    assert_eq!(s, 404);
    let (_, list) = get(&w, &w.cs, &format!("/api/v1/contractors/{c}/deductions")).await;
    assert_eq!(list.as_array().map(|a| a.len()), Some(0), "the developer's deduction is not the contractor's: {list}");
    // An undecided cause cannot be charged to anyone yet.
    let body = json!({"project_id": w.app.project_a, "unit_id": w.new_unit, "owner_name": "李女士", "contact_phone": "13800138001", "content": "窗户漏风", "available_times": "周末", "category": "door_window"});
    let (_, d) = post(&w, &w.cs, "/api/v1/work-orders", body).await;
    let undecided = d["id"].as_i64().expect("id");
    let (s, body) = post(&w, &w.eng, &format!("/api/v1/work-orders/{undecided}/deductions"), json!({"amount": "10", "reason": "返修"})).await;
    assert_eq!((s, fields(&body)), (422, vec!["work_order_id".to_string()]), "{body}");
}

#[tokio::test]
async fn rep_11_labour_slips_are_numbered_per_project_computed_to_the_fen_and_approved_by_a_supervisor() {
    let w = world().await;
    let own = repair(&w, w.new_unit, None, "defect", "in_repair").await;
    let slips = format!("/api/v1/work-orders/{own}/labour-slips");
    let body = json!({"worker_names": "张三、李四、王五", "workers": 3, "unit": "day", "quantity": "1.5", "rate": "280", "work": "拆换入户门锁及门框修补"});
    let (s, list) = post(&w, &w.eng, &slips, body.clone()).await;
    assert_eq!(s, 201, "{list}");
    let slip = &list[0];
    assert_eq!(
        (slip["number"].as_str(), slip["amount_fen"].as_i64(), slip["quantity"].as_str()),
        (Some("HXGC/LSYG001"), Some(126_000), Some("1.50")),
        "{list}"
    );
    let (_, list) =
        post(&w, &w.eng, &slips, json!({"worker_names": "赵六", "workers": "1", "unit": "hour", "quantity": "2.25", "rate": "45.50", "work": "清理"})).await;
    assert_eq!((list[1]["number"].as_str(), list[1]["amount_fen"].as_i64()), (Some("HXGC/LSYG002"), Some(10_238)), "2.25 × 45.50 = 102.375 → 102.38: {list}");
    let (s, bad) = post(&w, &w.eng, &slips, json!({"workers": "0", "unit": "week", "quantity": "-1", "rate": "1.234"})).await;
    assert_eq!(s, 422);
    assert!(bad.to_string().contains("工日/工时应大于 0"), "{bad}");
    let mut f = fields(&bad);
    f.sort();
    assert_eq!(f, ["quantity", "rate", "unit", "work", "worker_names", "workers"], "every problem at once: {bad}");

    let c = contractor(&w, "91110108MA01A2B3C").await;
    let by_contractor = repair(&w, w.new_unit, Some(c), "defect", "in_repair").await;
    let (s, refused) = post(&w, &w.eng, &format!("/api/v1/work-orders/{by_contractor}/labour-slips"), body.clone()).await;
    assert_eq!((s, fields(&refused)), (422, vec!["work_order_id".to_string()]), "{refused}");
    let fresh = json!({"project_id": w.app.project_a, "unit_id": w.new_unit, "owner_name": "李女士", "contact_phone": "13800138001", "content": "窗户漏风", "available_times": "周末", "category": "door_window"});
    let (_, d) = post(&w, &w.cs, "/api/v1/work-orders", fresh).await;
    let (s, refused) = post(&w, &w.eng, &format!("/api/v1/work-orders/{}/labour-slips", d["id"]), body).await;
    assert_eq!(s, 409, "no slip before the repair starts: {refused}");

    let id = list[0]["id"].as_i64().expect("id");
    let path = format!("/api/v1/labour-slips/{id}/actions");
    let (s, _) = step(&w, &w.eng, &path, json!({"action": "approve"})).await;
    assert_eq!(s, 403);
    let (s, d) = step(&w, &w.sup, &path, json!({"action": "approve"})).await;
    assert_eq!((s, d["status"].as_str(), d["approved_by"].as_str()), (200, Some("approved"), Some("zhuguan名")), "{d}");
    let (s, body) = step(&w, &w.sup, &path, json!({"action": "cancel", "reason": "x"})).await;
    assert_eq!((s, body["allowed"].clone()), (409, json!([])), "an approved slip stands: {body}");
    let (_, list) = get(&w, &w.desk, &slips).await;
    assert_eq!(list.as_array().map(|a| a.len()), Some(2));
    let (s, _) = get(&w, &w.desk, "/api/v1/work-orders/999999/labour-slips").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn rep_11_evaluation_copies_the_contractors_record_and_suspending_it_stops_it_being_chosen() {
    let w = world().await;
    let c = contractor(&w, "91110108MA01A2B3C").await;
    let id = repair(&w, w.new_unit, Some(c), "defect", "in_repair").await;
    act(&w, &w.eng, id, json!({"action": "finish", "result": "已更换"})).await;
    act(&w, &w.eng, id, json!({"action": "sign_off", "signed_by": "王先生", "signature": PNG})).await;
    // The repair callback records ratings on the callbacks page (REP-8); a shortcoming issues a
    // rectification (REP-9) — both feed the contractor's record.
    let cb = scalar(&w.app, Sql::new("SELECT id FROM callbacks WHERE subject = 'repair' AND subject_id = $1").arg(id)).await;
    let kefu = w.app.login("kefu").await;
    let answers = [
        ("method", "phone"),
        ("quality", "4"),
        ("speed", "3"),
        ("attitude", "5"),
        ("satisfied", "yes"),
        ("effect", "门锁可用"),
        ("shortcomings", "门框油漆未补"),
        ("suggestions", ""),
    ];
    let (s, _, _) = w.app.post_form(&kefu, &format!("/callbacks/{cb}"), &answers).await;
    assert_eq!(s, 303);

    let q = format!("/api/v1/contractors/{c}/evaluations?project_id={}&period_from={}&period_to={}", w.app.project_a, days_ago(30), today());
    let (s, d) = get(&w, &w.desk, &q).await;
    assert_eq!(s, 200, "{d}");
    let r = &d["record"];
    assert_eq!(
        (r["jobs"].as_i64(), r["rated"].as_i64(), r["quality"].as_str(), r["speed"].as_str(), r["rectifications"].as_i64()),
        (Some(1), Some(1), Some("4.00"), Some("3.00"), Some(1)),
        "{d}"
    );

    let path = format!("/api/v1/contractors/{c}/evaluations");
    let body = json!({"project_id": w.app.project_a, "period_from": days_ago(30), "period_to": today(), "grade": "fail", "opinion": "返修多，暂停合作", "approved": false});
    let (s, _) = post(&w, &w.desk, &path, body.clone()).await;
    assert_eq!(s, 403);
    let (s, bad) = post(&w, &w.eng, &path, json!({"project_id": w.app.project_a, "period_from": today(), "period_to": days_ago(2), "grade": "great"})).await;
    let mut f = fields(&bad);
    f.sort();
    assert_eq!((s, f), (422, vec!["grade".to_string(), "opinion".to_string(), "period_to".to_string()]), "{bad}");
    let (s, d) = post(&w, &w.eng, &path, body).await;
    assert_eq!(s, 201, "{d}");
    let e = &d["items"][0];
    assert_eq!((e["grade"].as_str(), e["approved"].as_bool(), e["record"]["jobs"].as_i64()), (Some("fail"), Some(false), Some(1)), "{d}");
    let (_, reg) = get(&w, &w.desk, &format!("/api/v1/contractors/{c}")).await;
    assert_eq!(reg["approved"], false, "suspended in the register");
    let events = scalar(&w.app, Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'contractor' AND entity_id = $1 AND action = 'evaluated'").arg(c)).await;
    assert_eq!(events, 1);
    let (s, page) = w.app.get_text(&kefu, &format!("/contractors/{c}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("不合格") && page.contains("返修多，暂停合作") && page.contains("已暂停"), "the latest evaluation on the contractor page");

    // REP-4 already refuses an unapproved contractor.
    let body = json!({"project_id": w.app.project_a, "unit_id": w.new_unit, "owner_name": "李女士", "contact_phone": "13800138001", "content": "窗户漏风", "available_times": "周末", "category": "door_window"});
    let (_, d) = post(&w, &w.cs, "/api/v1/work-orders", body).await;
    let next = d["id"].as_i64().expect("id");
    act(&w, &w.cs, next, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})).await;
    let (s, body) = post(&w, &w.eng, &format!("/api/v1/work-orders/{next}/actions"), json!({"action": "choose_repairer", "contractor_id": c})).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.to_string().contains("未通过审批"), "{body}");
}

#[tokio::test]
async fn rep_11_pages_charges_accounts_settlement_excel_and_the_four_a4_papers() {
    let w = world().await;
    let c = contractor(&w, "91110108MA01A2B3C").await;
    let one = repair(&w, w.new_unit, Some(c), "defect", "closed").await;
    let own = repair(&w, w.new_unit, None, "defect", "in_repair").await;
    let eng = w.app.login("gong").await;
    let sup = w.app.login("zhuguan").await;

    // The work order links to its charges; the charges page takes the agreed amount and a deduction.
    let (s, page) = w.app.get_text(&eng, &format!("/work-orders/{one}")).await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("/work-orders/{one}/charges")), "linked from the work order");
    let (s, _, page) = w.app.post_form(&eng, &format!("/work-orders/{one}/agreed-amount"), &[("agreed_amount", "12.345")]).await;
    assert_eq!(s, 422);
    assert!(page.contains("金额应为不小于 0 的数字，最多两位小数"), "the reason in Chinese on the page");
    let (s, _, _) = w.app.post_form(&eng, &format!("/work-orders/{one}/agreed-amount"), &[("agreed_amount", "1500")]).await;
    assert_eq!(s, 303);
    let (s, _, page) = w.app.post_form(&eng, &format!("/work-orders/{one}/deductions"), &[("amount", "200"), ("reason", "")]).await;
    assert_eq!(s, 422);
    assert!(page.contains("id=\"reason\"") && page.contains("field-error"), "the refused field is marked");
    let (s, _, _) = w.app.post_form(&eng, &format!("/work-orders/{one}/deductions"), &[("amount", "200"), ("reason", "门锁返修")]).await;
    assert_eq!(s, 303);
    let (_, page) = w.app.get_text(&sup, &format!("/work-orders/{one}/charges")).await;
    assert!(page.contains("HXGC/KK001") && page.contains("1500.00") && page.contains("审批通过"), "the supervisor sees the approve button");
    let d = scalar(&w.app, Sql::new("SELECT id FROM deductions WHERE number = 'HXGC/KK001'")).await;
    let (s, _, _) = w.app.post_form(&sup, &format!("/deductions/{d}/act"), &[("version", "1"), ("action", "approve")]).await;
    assert_eq!(s, 303);

    // Labour slip on the order repaired by temporary labour.
    let slip = [("worker_names", "张三"), ("workers", "2"), ("unit", "day"), ("quantity", "1"), ("rate", "300"), ("work", "修补门框")];
    let (s, _, _) = w.app.post_form(&eng, &format!("/work-orders/{own}/labour-slips"), &slip).await;
    assert_eq!(s, 303);
    let (_, page) = w.app.get_text(&eng, &format!("/work-orders/{own}/charges")).await;
    assert!(page.contains("HXGC/LSYG001") && page.contains("600.00"), "the slip with its amount");

    // The contractor's accounts: the live record, the settlement form; the desk may not settle.
    let (s, page) = w.app.get_text(&sup, &format!("/contractors/{c}/accounts?project_id={}", w.app.project_a)).await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"record\"") && page.contains("生成结算表") && page.contains("HXGC/KK001"));
    let (s, page) = w.app.get_text(&sup, &format!("/contractors/{c}")).await;
    assert!(s == 200 && page.contains(&format!("/contractors/{c}/accounts")), "linked from the contractor");
    let form = [("project_id", w.app.project_a.to_string()), ("s_from", today()), ("s_to", today())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let desk = w.app.login("qiantai").await;
    let (s, _, _) = w.app.post_form(&desk, &format!("/contractors/{c}/settlements"), &form).await;
    assert_eq!(s, 403);
    let (s, location, _) = w.app.post_form(&sup, &format!("/contractors/{c}/settlements"), &form).await;
    assert_eq!(s, 303, "{location}");
    let path = location.split('?').next().unwrap_or_default().to_string();
    let (s, page) = w.app.get_text(&sup, &path).await;
    assert_eq!(s, 200);
    assert!(page.contains("1300.00"), "1500 less 200 payable: {page}");
    let (s, _, page) = w.app.post_form(&sup, &format!("/contractors/{c}/settlements"), &form).await;
    assert_eq!(s, 409, "twice is refused: {page}");
    let r = sup.get(format!("{}{path}?format=xlsx", w.app.base)).send().await.expect("export");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheet"));
    let r = sup.get(format!("{}/contractors/{c}/accounts?format=xlsx", w.app.base)).send().await.expect("export");
    assert_eq!(r.status(), 200);

    // The payment request from the settlement page.
    let (s, _, _) = w.app.post_form(&sup, &format!("{path}/payment-requests"), &[("note", "11 月维修款")]).await;
    assert_eq!(s, 303);
    let (_, page) = w.app.get_text(&sup, &path).await;
    assert!(page.contains("HXGC/QK001") && !page.contains("提交请款申请"), "one live request; no second offered");

    // The A4 papers.
    let sid = scalar(&w.app, Sql::new("SELECT id FROM settlements")).await;
    let pid = scalar(&w.app, Sql::new("SELECT id FROM payment_requests")).await;
    let lid = scalar(&w.app, Sql::new("SELECT id FROM labour_slips")).await;
    for (url, title, must) in [
        (format!("/deductions/{d}/print"), "维修工程往来扣款通知单", "200.00"),
        (format!("/labour-slips/{lid}/print"), "维修工程临时用工单", "600.00"),
        (format!("/settlements/{sid}/print"), "工程结算表", "1300.00"),
        (format!("/payment-requests/{pid}/print"), "维修工程请款申请书", "1300.00"),
    ] {
        let (s, page) = w.app.get_text(&sup, &url).await;
        assert_eq!(s, 200, "{url}");
        assert!(page.contains("class=\"sheet\"") && page.contains(title) && page.contains(must), "{url}: {page}");
    }
    // Another project's staff see none of it.
    w.app.staff("lhy", "supervisor", &[w.app.project_b]).await;
    let other = w.app.login("lhy").await;
    for url in [format!("/settlements/{sid}"), format!("/deductions/{d}/print"), format!("/work-orders/{one}/charges")] {
        let (s, _) = w.app.get_text(&other, &url).await;
        assert_eq!(s, 404, "{url}");
    }
}

#[tokio::test]
async fn rep_11_two_settlements_of_one_contractor_at_once_count_each_order_once() {
    let w = world().await;
    let c = contractor(&w, "91110108MA01A2B3C").await;
    let one = repair(&w, w.new_unit, Some(c), "defect", "closed").await;
    post(&w, &w.eng, &format!("/api/v1/work-orders/{one}/agreed-amount"), json!({"amount": "500"})).await;
    let (d, v) = deduction(&w, one, "20").await;
    step(&w, &w.sup, &format!("/api/v1/deductions/{d}/actions"), json!({"action": "approve", "version": v})).await;
    let settle = format!("/api/v1/contractors/{c}/settlements");
    // Different periods that both cover today: whichever runs second finds nothing left.
    let a = json!({"project_id": w.app.project_a, "period_from": today(), "period_to": today()});
    let b = json!({"project_id": w.app.project_a, "period_from": days_ago(3), "period_to": today()});
    let ((sa, ba), (sb, bb)) = tokio::join!(post(&w, &w.sup, &settle, a), post(&w, &w.mgr, &settle, b));
    let mut statuses = [sa, sb];
    statuses.sort();
    assert_eq!(statuses, [201, 422], "{ba} / {bb}");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM settlement_lines")).await, 1);
    assert_eq!(scalar(&w.app, Sql::new("SELECT CAST(COALESCE(SUM(deductions), 0) AS BIGINT) FROM settlements")).await, 2_000, "the deduction is charged once");
}
