//! The complaint pages and API over HTTP: the whole journey through the record page's forms,
//! only allowed actions rendered, stale versions refused, the three-copy handling form, the
//! case library, a unit's complaints, and the JSON API (409 with allowed actions, 422, 404).

mod common;

use chrono::{Duration, Utc};
use common::{TestApp, spawn_app};
use propdesk::ops::complaint::{ComplaintInput, create};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::create_department;
use propdesk_store::{AsEx, Sql};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    eng_dept: i64,
    sec_dept: i64,
    /// A customer-service specialist of project A, logged in.
    cs: reqwest::Client,
    /// An engineer of the engineering department, project A, logged in.
    eng: reqwest::Client,
}

async fn world() -> World {
    let app = spawn_app().await;
    let eng_dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let sec_dept = create_department(&app.db, &app.root, "SEC", "安保部").await.expect("dept");
    app.staff("kefu", "specialist", &[app.project_a]).await;
    app.member("gong", "周强", "engineering", eng_dept).await;
    let cs = app.login("kefu").await;
    let eng = app.login("gong").await;
    World { app, eng_dept, sec_dept, cs, eng }
}

/// Creates a complaint through the intake form; returns its id.
async fn intake(w: &World, content: &str, extra: &[(&str, &str)]) -> i64 {
    let project = w.app.project_a.to_string();
    let mut fields = vec![("project_id", project.as_str()), ("complainant", "王女士"), ("contact_phone", "13800138000"), ("content", content)];
    fields.extend_from_slice(extra);
    let (status, location, body) = w.app.post_form(&w.cs, "/complaints", &fields).await;
    assert_eq!(status, 303, "intake should redirect: {body}");
    let id = location.trim_start_matches("/complaints/").split('?').next().expect("id").parse().expect("numeric id");
    assert!(location.ends_with("saved=1"));
    id
}

async fn page(w: &World, c: &reqwest::Client, id: i64) -> String {
    let (status, body) = w.app.get_text(c, &format!("/complaints/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn version_of(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("a form with the version") + marker.len();
    html[start..].chars().take_while(char::is_ascii_digit).collect()
}

/// The actions whose forms the record page renders.
fn forms(html: &str) -> Vec<String> {
    html.split("data-action=\"").skip(1).map(|s| s[..s.find('"').unwrap_or(0)].to_string()).collect()
}

/// Posts one action form of the record page with the version the page shows now.
async fn act(w: &World, c: &reqwest::Client, id: i64, fields: &[(&str, &str)]) -> (u16, String) {
    let version = version_of(&page(w, c, id).await);
    let mut all = fields.to_vec();
    all.push(("version", &version));
    let (status, _, body) = w.app.post_form(c, &format!("/complaints/{id}/act"), &all).await;
    (status, body)
}

async fn ok(w: &World, c: &reqwest::Client, id: i64, fields: &[(&str, &str)]) {
    let (status, body) = act(w, c, id, fields).await;
    assert_eq!(status, 303, "{fields:?} should succeed: {}", &body[..body.len().min(3000)]);
}

/// A plan deadline three days ahead, as a `datetime-local` value in Beijing time.
fn plan_due() -> String {
    (Utc::now() + Duration::days(3)).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%dT%H:%M").to_string()
}

async fn status_of(w: &World, id: i64) -> String {
    let mut c = w.app.db.read().await.expect("conn");
    let row: (String,) = c.ex().fetch_one(Sql::new("SELECT status FROM complaints WHERE id = $1").arg(id)).await.expect("row");
    row.0
}

async fn walk_to_awaiting_callback(w: &World, id: i64) {
    let dept = w.eng_dept.to_string();
    let due = plan_due();
    ok(w, &w.cs, id, &[("action", "dispatch"), ("departments", &dept)]).await;
    ok(w, &w.eng, id, &[("action", "accept")]).await;
    ok(w, &w.eng, id, &[("action", "submit_plan"), ("plan", "更换楼道灯具"), ("due", &due)]).await;
    ok(w, &w.eng, id, &[("action", "finish"), ("result", "已更换灯具并测试正常")]).await;
    ok(w, &w.cs, id, &[("action", "record_opinion"), ("opinion", "客户表示满意")]).await;
}

#[tokio::test]
async fn cmp_4_cmp_5_cmp_6_cmp_11_cbk_1_page_journey_from_intake_to_closed_callback() {
    let w = world().await;
    let id = intake(&w, "3号楼楼道灯坏了三天", &[]).await;

    // Received: customer service may dispatch, mark invalid or escalate; the engineer has no part yet.
    let html = page(&w, &w.cs, id).await;
    assert_eq!(forms(&html), ["dispatch", "mark_invalid", "escalate"]);
    assert!(html.contains("工程部") && html.contains("安保部"), "dispatch offers the company's departments");
    assert!(forms(&page(&w, &w.eng, id).await).is_empty());

    let dept = w.eng_dept.to_string();
    ok(&w, &w.cs, id, &[("action", "dispatch"), ("departments", &dept)]).await;
    let html = page(&w, &w.eng, id).await;
    assert_eq!(forms(&html), ["accept", "return", "progress", "mark_invalid"], "CMP-5: the department accepts or returns");
    assert!(html.contains("接收期限") && html.contains("badge ok\"") && html.contains("正常"), "CMP-5 acceptance deadline shown in words and colour");
    assert_eq!(forms(&page(&w, &w.cs, id).await), ["progress", "mark_invalid", "escalate"]);

    ok(&w, &w.eng, id, &[("action", "accept")]).await;
    assert_eq!(forms(&page(&w, &w.eng, id).await), ["return", "submit_plan", "progress", "mark_invalid"], "CMP-6: a plan is due");
    let due = plan_due();
    ok(&w, &w.eng, id, &[("action", "submit_plan"), ("plan", "更换楼道灯具"), ("due", &due)]).await;
    assert_eq!(status_of(&w, id).await, "in_progress");
    ok(&w, &w.cs, id, &[("action", "progress"), ("note", "已电话告知业主明日更换")]).await;
    ok(&w, &w.eng, id, &[("action", "finish"), ("result", "已更换灯具并测试正常")]).await;
    assert_eq!(status_of(&w, id).await, "resolved");
    assert!(forms(&page(&w, &w.eng, id).await).is_empty(), "the department is done");
    assert_eq!(forms(&page(&w, &w.cs, id).await), ["record_opinion", "waive_callback", "escalate"]);

    ok(&w, &w.cs, id, &[("action", "record_opinion"), ("opinion", "客户表示满意")]).await;
    let html = page(&w, &w.cs, id).await;
    assert_eq!(forms(&html), ["callback_done", "waive_callback", "escalate"], "CBK-1: the callback is due");
    assert!(html.contains("回访期限") && html.contains("客服助理"), "CBK-2: a general complaint is called back by an assistant");

    ok(&w, &w.cs, id, &[("action", "callback_done"), ("satisfied", "1")]).await;
    assert_eq!(status_of(&w, id).await, "closed");
    let html = page(&w, &w.cs, id).await;
    assert!(forms(&html).is_empty(), "nothing follows closed");
    assert!(!html.contains("下一步"));
    // The timeline in words, with the department's name and the texts given at each step.
    for words in [
        "受理登记",
        "派单至责任部门",
        "工程部",
        "部门接收",
        "更换楼道灯具",
        "已电话告知业主明日更换",
        "已更换灯具并测试正常",
        "客户表示满意",
        "完成回访",
        "已关闭",
    ] {
        assert!(html.contains(words), "timeline shows {words}");
    }
    assert!(!html.contains("\"detail\""), "payloads are rendered, not dumped");
}

#[tokio::test]
async fn cmp_10_invalid_needs_the_heads_signed_opinion_and_keeps_what_was_typed() {
    let w = world().await;
    let id = intake(&w, "隔壁商户装修噪音", &[]).await;
    let (status, body) = act(&w, &w.cs, id, &[("action", "mark_invalid"), ("opinion", "属业主之间纠纷，非物业责任")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("属业主之间纠纷，非物业责任"), "the opinion typed is kept");
    assert!(body.contains("必填"), "the missing signature is named next to its field");
    assert_eq!(status_of(&w, id).await, "received");
    ok(&w, &w.cs, id, &[("action", "mark_invalid"), ("opinion", "属业主之间纠纷，非物业责任"), ("signed_by", "客服部 李婷")]).await;
    assert_eq!(status_of(&w, id).await, "invalid");
    let html = page(&w, &w.cs, id).await;
    assert!(html.contains("判定无效/非我方责任") && html.contains("客服部 李婷"));
    assert!(html.contains("data-confirm="), "dangerous actions confirm");
}

#[tokio::test]
async fn cbk_6_dissatisfied_callback_reopens_for_the_department() {
    let w = world().await;
    let id = intake(&w, "楼道灯不亮", &[]).await;
    walk_to_awaiting_callback(&w, id).await;
    ok(&w, &w.cs, id, &[("action", "callback_done"), ("satisfied", "0")]).await;
    assert_eq!(status_of(&w, id).await, "in_progress");
    let html = page(&w, &w.eng, id).await;
    assert!(forms(&html).contains(&"submit_plan".to_string()), "the department reworks with a new plan");
    assert!(html.contains("不满意，重新处理"));
    assert!(page(&w, &w.cs, id).await.contains("回访不满意重新处理"));
}

#[tokio::test]
async fn cbk_4_waived_callback_closes_with_its_reason() {
    let w = world().await;
    let id = intake(&w, "楼道灯不亮", &[]).await;
    walk_to_awaiting_callback(&w, id).await;
    let (status, _) = act(&w, &w.cs, id, &[("action", "waive_callback"), ("reason", "")]).await;
    assert_eq!(status, 422);
    ok(&w, &w.cs, id, &[("action", "waive_callback"), ("reason", "anonymous")]).await;
    assert_eq!(status_of(&w, id).await, "closed");
    assert!(page(&w, &w.cs, id).await.contains("匿名投诉"));
}

#[tokio::test]
async fn stale_version_gives_409_and_changes_nothing() {
    let w = world().await;
    let id = intake(&w, "电梯异响", &[]).await;
    let old = version_of(&page(&w, &w.cs, id).await);
    let dept = w.eng_dept.to_string();
    ok(&w, &w.cs, id, &[("action", "dispatch"), ("departments", &dept)]).await;
    // A second clerk still looking at the old page records progress: refused.
    let (status, _, body) = w.app.post_form(&w.cs, &format!("/complaints/{id}/act"), &[("action", "progress"), ("note", "已告知"), ("version", &old)]).await;
    assert_eq!(status, 409);
    assert!(body.contains("操作未执行") && body.contains(&format!("/complaints/{id}")), "a page that leads back to the record");
    // An action the state does not allow, even with the current version: 409 too.
    let (status, _) = act(&w, &w.cs, id, &[("action", "record_opinion"), ("opinion", "满意")]).await;
    assert_eq!(status, 409);
    let mut c = w.app.db.read().await.expect("conn");
    let n = c.ex().scalar(Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'complaint' AND entity_id = $1").arg(id)).await.expect("count");
    assert_eq!(n, 2, "only created and dispatch were recorded");
}

#[tokio::test]
async fn cmp_4_print_page_has_three_copies_of_the_handling_form() {
    let w = world().await;
    let id = intake(&w, "地下车库漏水", &[]).await;
    walk_to_awaiting_callback(&w, id).await;
    let (status, html) = w.app.get_text(&w.cs, &format!("/complaints/{id}/print")).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("<section class=\"sheet\"").count(), 3);
    for copy in ["客服存根联", "责任部门联", "回访联"] {
        assert!(html.contains(copy), "copy {copy}");
    }
    assert_eq!(html.matches("红星广场").count(), 3, "the project's name heads each copy");
    assert_eq!(html.matches("<strong>HXGC/TS001</strong>").count(), 3);
    for words in ["客户投诉处理单", "更换楼道灯具", "已更换灯具并测试正常", "客户表示满意", "回访记录", "客户签字", "客服部负责人"]
    {
        assert!(html.contains(words), "the form carries {words}");
    }
    let (_, css) = w.app.get_text(&w.cs, "/static/app.css").await;
    assert!(css.contains("/* complaint form") && css.contains(".sheet + .sheet { break-before: page; }"), "one copy per page");
    let (status, _) = w.app.get_text(&w.cs, "/complaints/999999/print").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn cmp_1_intake_suggests_severity_and_keeps_input_on_error() {
    let w = world().await;
    let project = w.app.project_a.to_string();
    let (status, _, body) = w.app.post_form(&w.cs, "/complaints", &[("project_id", &project), ("complainant", "赵先生"), ("contact_phone", "12345")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("赵先生"), "the form keeps what was typed");
    let id = intake(&w, "地下车库电动车被盗", &[]).await;
    let html = page(&w, &w.cs, id).await;
    assert!(html.contains("重大 · 突发事件"), "CMP-1: theft suggests a major emergency");
    assert!(html.contains("已上报公司负责人"), "CMP-7: a major complaint goes to the company head");
    let (status, html) = w.app.get_text(&w.cs, "/complaints/new").await;
    assert_eq!(status, 200);
    assert!(html.contains("按内容自动建议"));
}

#[tokio::test]
async fn cmp_7_escalation_names_who_must_be_told() {
    let w = world().await;
    let id = intake(&w, "保安说话很冲", &[("severity", "general")]).await;
    let html = page(&w, &w.cs, id).await;
    assert!(html.contains("升级为重要投诉后，由客服部负责人负责处理") && html.contains("须立即上报公司负责人"), "the confirmations say who");
    let (status, _) = act(&w, &w.cs, id, &[("action", "escalate"), ("to", "major")]).await;
    assert_eq!(status, 422, "a major complaint needs its reason");
    ok(&w, &w.cs, id, &[("action", "escalate"), ("to", "important"), ("reason", "员工态度")]).await;
    ok(&w, &w.cs, id, &[("action", "escalate"), ("to", "major"), ("major_reason", "media")]).await;
    let html = page(&w, &w.cs, id).await;
    assert!(html.contains("重大 · 媒体曝光"));
    assert!(html.contains("由客服部负责人负责处理") && html.contains("公司负责人"));
    assert!(!forms(&html).contains(&"escalate".to_string()), "nothing above major");
}

#[tokio::test]
async fn cmp_14_typical_cases_are_marked_and_found_by_two_characters() {
    let w = world().await;
    let id = intake(&w, "电梯困人半小时无人处理", &[]).await;
    let other = intake(&w, "电梯按钮失灵", &[]).await;
    walk_to_awaiting_callback(&w, id).await;
    let version = version_of(&page(&w, &w.cs, id).await);
    let (status, _, _) = w.app.post_form(&w.cs, &format!("/complaints/{id}/typical"), &[("typical", "1"), ("version", &version)]).await;
    assert_eq!(status, 303);
    let (_, lib) = w.app.get_text(&w.cs, "/complaints/cases?q=%E5%9B%B0%E4%BA%BA").await; // 困人
    assert!(lib.contains("电梯困人半小时无人处理") && lib.contains("已更换灯具并测试正常"), "the case with its handling");
    let (_, lib) = w.app.get_text(&w.cs, "/complaints/cases?q=%E7%94%B5%E6%A2%AF").await; // 电梯
    assert!(lib.contains(&format!("/complaints/{id}\"")) && !lib.contains(&format!("/complaints/{other}\"")), "only typical cases");
    // The engineer may read but not decide what is typical.
    let version = version_of(&page(&w, &w.cs, id).await);
    let (status, _, _) = w.app.post_form(&w.eng, &format!("/complaints/{id}/typical"), &[("typical", "0"), ("version", &version)]).await;
    assert_eq!(status, 403);
    let (status, _, _) = w.app.post_form(&w.cs, &format!("/complaints/{id}/typical"), &[("typical", "0"), ("version", &version)]).await;
    assert_eq!(status, 303);
    let (_, lib) = w.app.get_text(&w.cs, "/complaints/cases?q=%E5%9B%B0%E4%BA%BA").await;
    assert!(!lib.contains("电梯困人半小时无人处理"));
    assert!(page(&w, &w.cs, id).await.contains("列为典型案例"), "it can be marked again");
}

#[tokio::test]
async fn list_filters_stay_in_the_url_and_overdue_shows_in_words() {
    let w = world().await;
    let late = intake(&w, "垃圾未清运", &[]).await;
    let fresh = intake(&w, "绿化带杂草", &[]).await;
    let dept = w.eng_dept.to_string();
    ok(&w, &w.cs, late, &[("action", "dispatch"), ("departments", &dept)]).await;
    ok(&w, &w.cs, fresh, &[("action", "dispatch"), ("departments", &dept)]).await;
    let past = Utc::now() - Duration::hours(5);
    let mut c = w.app.db.begin().await.expect("tx");
    c.ex().execute(Sql::new("UPDATE complaints SET next_due = $1 WHERE id = $2").arg(past).arg(late)).await.expect("update");
    c.ex().execute(Sql::new("UPDATE complaint_departments SET acceptance_due = $1 WHERE complaint_id = $2").arg(past).arg(late)).await.expect("update");
    c.commit().await.expect("commit");

    let (status, html) = w.app.get_text(&w.cs, "/complaints?overdue=1").await;
    assert_eq!(status, 200);
    assert!(html.contains("垃圾未清运") && !html.contains("绿化带杂草"));
    assert!(html.contains("badge bad") && html.contains("已超时") && html.contains("超时 5 小时"), "overdue in words and colour");
    assert!(html.contains("name=\"overdue\" value=\"1\" checked"), "the filter stays set");
    assert!(html.contains("format=xlsx") && html.contains("overdue=1"), "the export keeps the filters");
    let (_, html) = w.app.get_text(&w.cs, "/complaints?q=%E7%BB%BF%E5%8C%96").await; // 绿化
    assert!(html.contains("绿化带杂草") && !html.contains("垃圾未清运"));
    let r = w.cs.get(format!("{}/complaints?overdue=1&format=xlsx", w.app.base)).send().await.expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    // The record shows the department's acceptance deadline as overdue too.
    let html = page(&w, &w.cs, late).await;
    assert!(html.contains("已超时"));
}

#[tokio::test]
async fn unit_complaints_page_lists_that_units_complaints_only() {
    let w = world().await;
    let unit =
        UnitInput { building_id: w.app.building_a.to_string(), unit_no: "A-101".into(), kind: "shop".into(), building_area: "88".into(), ..Default::default() };
    let unit_id = create_unit(&w.app.db, &w.app.root, &unit).await.expect("unit");
    let uid = unit_id.to_string();
    intake(&w, "空调冷凝水滴到门口", &[("unit_id", &uid)]).await;
    intake(&w, "停车场收费过高", &[]).await;
    let (status, html) = w.app.get_text(&w.cs, &format!("/units/{unit_id}/complaints")).await;
    assert_eq!(status, 200);
    assert!(html.contains("A座 A-101") && html.contains("空调冷凝水滴到门口") && !html.contains("停车场收费过高"));
    assert!(html.contains(&format!("/complaints/new?project_id={}&amp;unit_id={unit_id}", w.app.project_a)));
    let other = UnitInput {
        building_id: w.app.building_b.to_string(),
        unit_no: "1-101".into(),
        kind: "residence".into(),
        building_area: "90".into(),
        ..Default::default()
    };
    let other_id = create_unit(&w.app.db, &w.app.root, &other).await.expect("unit");
    let (status, _) = w.app.get_text(&w.cs, &format!("/units/{other_id}/complaints")).await;
    assert_eq!(status, 404, "SEC-2: another project's unit");
}

// ---------- the API ----------

struct Answer {
    status: u16,
    body: Value,
    location: String,
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = r.text().await.expect("body");
    Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), location }
}

async fn api_get(app: &TestApp, token: &str, path: &str) -> Answer {
    send(app.client().get(format!("{}{path}", app.base)).bearer_auth(token)).await
}

async fn api_post(app: &TestApp, token: &str, path: &str, body: Value) -> Answer {
    send(app.client().post(format!("{}{path}", app.base)).bearer_auth(token).json(&body)).await
}

fn fields(a: &Answer) -> Vec<String> {
    a.body["error"]["fields"].as_array().map(|fs| fs.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

#[tokio::test]
async fn api_cmp_3_cmp_9_create_and_act_with_two_departments() {
    let w = world().await;
    let cs = w.app.token("kefu").await;
    let eng = w.app.token("gong").await;
    let a = api_post(
        &w.app,
        &cs,
        "/api/v1/complaints",
        json!({"project_id": w.app.project_a, "complainant": "李先生", "contact_phone": "13900139000", "content": "物业人员态度恶劣，多次反映仍未解决"}),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_i64().expect("id");
    assert_eq!(a.location, format!("/api/v1/complaints/{id}"));
    assert_eq!(a.body["severity"], "important", "CMP-1 suggested");
    assert_eq!(a.body["report_to"], "cs_head", "CMP-7");
    assert_eq!(strings(&a.body["allowed"]), ["dispatch", "mark_invalid", "escalate"]);
    assert_eq!(a.body["history"][0]["action"], "created");

    let path = format!("/api/v1/complaints/{id}/actions");
    let a = api_post(&w.app, &cs, &path, json!({"action": "dispatch", "version": 1, "departments": [w.eng_dept, w.sec_dept]})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "dispatched");
    assert_eq!(a.body["departments"].as_array().map(Vec::len), Some(2));
    assert_eq!(a.body["departments"][0]["acceptance_state"], "on_time");
    assert!(a.body["next_due"].is_string() && a.body["next_due_state"] == "on_time");

    let a = api_post(&w.app, &eng, &path, json!({"action": "accept"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let eng_part = a.body["departments"].as_array().and_then(|d| d.iter().find(|x| x["department_id"] == w.eng_dept).cloned()).expect("eng part");
    assert_eq!(
        (eng_part["status"].as_str(), eng_part["plan_state"].as_str(), eng_part["acceptance_state"].as_str()),
        (Some("accepted"), Some("on_time"), None)
    );
    let due = (Utc::now() + Duration::days(2)).to_rfc3339();
    let a = api_post(&w.app, &eng, &path, json!({"action": "submit_plan", "plan": "约谈当事员工并书面道歉", "due": due})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = api_post(&w.app, &eng, &path, json!({"action": "finish", "result": "已道歉"})).await;
    assert_eq!((a.status, a.body["status"].as_str()), (200, Some("in_progress")), "CMP-9: security has not finished");
    let allowed = strings(&a.body["allowed"]);
    assert!(allowed.contains(&"progress".to_string()) && !allowed.contains(&"finish".to_string()), "{allowed:?}");
    let kinds: Vec<String> =
        a.body["history"].as_array().map(|h| h.iter().filter_map(|e| e["action"].as_str().map(str::to_string)).collect()).unwrap_or_default();
    assert_eq!(kinds, ["created", "dispatch", "accept", "submit_plan", "finish"]);
}

#[tokio::test]
async fn api_409_answers_with_the_allowed_actions() {
    let w = world().await;
    let cs = w.app.token("kefu").await;
    let id = intake(&w, "门禁卡失效", &[]).await;
    let path = format!("/api/v1/complaints/{id}/actions");
    let a = api_post(&w.app, &cs, &path, json!({"action": "record_opinion", "opinion": "满意"})).await;
    assert_eq!(a.status, 409, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "conflict");
    assert!(a.body["error"]["message"].is_string() && a.body["error"]["fields"].is_array());
    assert_eq!(strings(&a.body["allowed"]), ["dispatch", "mark_invalid", "escalate"]);
    // A stale version: 409 with what fits now.
    let a = api_post(&w.app, &cs, &path, json!({"action": "dispatch", "version": 7, "departments": [w.eng_dept]})).await;
    assert_eq!(a.status, 409);
    assert_eq!(strings(&a.body["allowed"]), ["dispatch", "mark_invalid", "escalate"]);
    // The engineer has no part before the form reaches his department.
    let eng = w.app.token("gong").await;
    let a = api_post(&w.app, &eng, &path, json!({"action": "accept"})).await;
    assert_eq!(a.status, 403, "{}", a.body);
}

#[tokio::test]
async fn api_422_names_every_missing_field() {
    let w = world().await;
    let cs = w.app.token("kefu").await;
    let id = intake(&w, "门禁卡失效", &[]).await;
    let path = format!("/api/v1/complaints/{id}/actions");
    let a = api_post(&w.app, &cs, &path, json!({"action": "mark_invalid"})).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(fields(&a), ["opinion", "signed_by"]);
    let a = api_post(&w.app, &cs, &path, json!({"action": "dispatch"})).await;
    assert_eq!((a.status, fields(&a)), (422, vec!["departments".to_string()]));
    let a = api_post(&w.app, &cs, &path, json!({"action": "dispatch", "departments": [987654]})).await;
    assert_eq!((a.status, fields(&a)), (422, vec!["departments".to_string()]), "only the company's departments");
    let a = api_post(&w.app, &cs, &path, json!({"action": "teleport"})).await;
    assert_eq!((a.status, fields(&a)), (422, vec!["action".to_string()]));
    let a = api_post(&w.app, &cs, "/api/v1/complaints", json!({"project_id": w.app.project_a, "contact_phone": "123"})).await;
    assert_eq!(a.status, 422);
    assert!(fields(&a).contains(&"content".to_string()) && fields(&a).contains(&"contact_phone".to_string()));
    assert_eq!(status_of(&w, id).await, "received", "nothing changed");
}

#[tokio::test]
async fn sec_2_another_projects_complaint_is_not_found() {
    let w = world().await;
    let cs = w.app.token("kefu").await;
    let input = ComplaintInput { project_id: w.app.project_b.to_string(), content: "丽湖苑1栋电梯故障".into(), ..Default::default() };
    let (id, _) = create(&w.app.db, &w.app.root, &input).await.expect("complaint in B");
    let a = api_get(&w.app, &cs, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (404, Some("not_found")));
    let a = api_post(&w.app, &cs, &format!("/api/v1/complaints/{id}/actions"), json!({"action": "dispatch", "departments": [w.eng_dept]})).await;
    assert_eq!(a.status, 404);
    let a = api_get(&w.app, &cs, "/api/v1/complaints").await;
    assert_eq!(a.body["total"], 0, "B's complaint is not listed");
    let (status, _) = w.app.get_text(&w.cs, &format!("/complaints/{id}")).await;
    assert_eq!(status, 404);
    let a = api_post(&w.app, &cs, "/api/v1/complaints", json!({"project_id": w.app.project_b, "content": "x"})).await;
    assert_eq!(a.status, 422, "no intake into another project");
}

#[tokio::test]
async fn api_list_filters_overdue_status_and_text() {
    let w = world().await;
    let cs = w.app.token("kefu").await;
    let late = intake(&w, "垃圾未清运", &[]).await;
    intake(&w, "绿化带杂草", &[]).await;
    let mut c = w.app.db.begin().await.expect("tx");
    c.ex()
        .execute(Sql::new("UPDATE complaints SET status = 'dispatched', next_due = $1 WHERE id = $2").arg(Utc::now() - Duration::hours(2)).arg(late))
        .await
        .expect("update");
    c.commit().await.expect("commit");
    let a = api_get(&w.app, &cs, "/api/v1/complaints?overdue=true").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["total"], 1);
    assert_eq!(a.body["items"][0]["id"], late);
    assert_eq!(a.body["items"][0]["next_due_state"], "overdue");
    let a = api_get(&w.app, &cs, "/api/v1/complaints?status=received").await;
    assert_eq!(a.body["total"], 1);
    let a = api_get(&w.app, &cs, "/api/v1/complaints?q=%E6%9D%82%E8%8D%89&per_page=10").await; // 杂草
    assert_eq!((a.body["total"].as_i64(), a.body["per_page"].as_i64()), (Some(1), Some(10)));
    let a = api_get(&w.app, &cs, "/api/v1/complaints?status=lost&overdue=maybe").await;
    assert_eq!(a.status, 422);
    assert_eq!(fields(&a), ["status", "overdue"]);
}
