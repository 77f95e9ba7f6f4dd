//! CMP-9 over HTTP: customer service records that the departments on a complaint disagree
//! (each one's opinion summarised), the case waits with the departments' clocks paused, the
//! head decides who remains responsible (the company head for a major complaint, CMP-7), and
//! work continues. On the record page, in the API and on the printed handling form.

mod common;

use chrono::{Duration, Utc};
use common::{TestApp, spawn_app};
use propdesk::ops::complaint::{ComplaintInput, create};
use propdesk::ops::staff::create_department;
use propdesk_store::{AsEx, Sql};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    eng_dept: i64,
    sec_dept: i64,
    cs: reqwest::Client,
    cs_token: String,
    eng_token: String,
    sec_token: String,
    /// 客服主管: heads customer service.
    head: reqwest::Client,
    head_token: String,
    /// 客服经理: the company head for major complaints.
    manager_token: String,
    eng: reqwest::Client,
}

async fn dept_staff(app: &TestApp, username: &str, role: &str, dept: i64) {
    app.member(username, &format!("{username}名"), role, dept).await;
}

async fn world() -> World {
    let app = spawn_app().await;
    let eng_dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let sec_dept = create_department(&app.db, &app.root, "SEC", "安保部").await.expect("dept");
    app.staff("kefu", "specialist", &[app.project_a]).await;
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    dept_staff(&app, "gong", "engineering", eng_dept).await;
    dept_staff(&app, "bao", "security", sec_dept).await;
    World {
        cs: app.login("kefu").await,
        cs_token: app.token("kefu").await,
        eng_token: app.token("gong").await,
        sec_token: app.token("bao").await,
        head: app.login("zhuguan").await,
        head_token: app.token("zhuguan").await,
        manager_token: app.token("jingli").await,
        eng: app.login("gong").await,
        app,
        eng_dept,
        sec_dept,
    }
}

async fn post(w: &World, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = w.app.client().post(format!("{}{path}", w.app.base)).bearer_auth(token).json(&body).send().await.expect("post");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn act(w: &World, token: &str, id: i64, body: Value) -> Value {
    let (status, v) = post(w, token, &format!("/api/v1/complaints/{id}/actions"), body.clone()).await;
    assert_eq!(status, 200, "{body} → {v}");
    v
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn part(v: &Value, dept: i64) -> &Value {
    v["departments"].as_array().and_then(|d| d.iter().find(|x| x["department_id"] == dept)).expect("department part")
}

/// Dispatched to engineering and security; engineering has a plan, security returned it.
async fn disputed(w: &World, content: &str, severity: &str) -> i64 {
    let input = ComplaintInput {
        project_id: w.app.project_a.to_string(),
        complainant: "赵先生".into(),
        content: content.into(),
        severity: severity.into(),
        major_reason: if severity == "major" { "media".into() } else { String::new() },
        ..Default::default()
    };
    let id = create(&w.app.db, &w.app.root, &input).await.expect("complaint").0;
    act(w, &w.cs_token, id, json!({"action": "dispatch", "departments": [w.eng_dept, w.sec_dept]})).await;
    act(w, &w.eng_token, id, json!({"action": "accept"})).await;
    let due = (Utc::now() + Duration::days(5)).to_rfc3339();
    act(w, &w.eng_token, id, json!({"action": "submit_plan", "plan": "更换破损管道", "due": due})).await;
    act(w, &w.sec_token, id, json!({"action": "return", "reason": "漏水点在管井，属工程部"})).await;
    id
}

fn forms(html: &str) -> Vec<String> {
    html.split("data-action=\"").skip(1).map(|s| s[..s.find('"').unwrap_or(0)].to_string()).collect()
}

fn version_of(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("a form with the version") + marker.len();
    html[start..].chars().take_while(char::is_ascii_digit).collect()
}

async fn page_act(w: &World, c: &reqwest::Client, id: i64, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, html) = w.app.get_text(c, &format!("/complaints/{id}")).await;
    let version = version_of(&html);
    let mut all = fields.to_vec();
    all.push(("version", &version));
    let (status, _, body) = w.app.post_form(c, &format!("/complaints/{id}/act"), &all).await;
    (status, body)
}

/// Whether a (timestamp) column of the complaint is set; read as a count so both backends agree.
async fn is_set(w: &World, column: &str, id: i64) -> bool {
    let mut c = w.app.db.read().await.expect("conn");
    c.ex().scalar(Sql::new(&format!("SELECT COUNT(*) FROM complaints WHERE id = $1 AND {column} IS NOT NULL")).arg(id)).await.expect("count") == 1
}

#[tokio::test]
async fn cmp_9_disagreement_is_sent_up_and_the_head_decides_on_the_page() {
    let w = world().await;
    let id = disputed(&w, "地下室漏水，工程部和安保部互相推诿", "general").await;
    let (eng, sec) = (w.eng_dept.to_string(), w.sec_dept.to_string());
    let (eng_field, sec_field) = (format!("dept_opinion_{eng}"), format!("dept_opinion_{sec}"));

    let (_, html) = w.app.get_text(&w.cs, &format!("/complaints/{id}")).await;
    assert!(forms(&html).contains(&"record_disagreement".to_string()), "two departments on the case: {:?}", forms(&html));
    // One department's opinion is not a disagreement.
    let (status, body) = page_act(&w, &w.cs, id, &[("action", "record_disagreement"), (eng_field.as_str(), "应由安保部协调入户")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("须汇总至少两个涉及部门的意见") && body.contains("应由安保部协调入户"), "the reason in Chinese, the text kept");
    let (status, body) = page_act(
        &w,
        &w.cs,
        id,
        &[
            ("action", "record_disagreement"),
            (eng_field.as_str(), "漏水源在楼上住户家中，需安保部协调入户"),
            (sec_field.as_str(), "属管道维修，应由工程部负责"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{}", &body[..body.len().min(2000)]);
    assert!(is_set(&w, "decision_requested_at", id).await);
    assert!(!is_set(&w, "next_due", id).await, "no deadline runs while the head decides");

    // Waiting: the engineer can only report progress and sees his deadline paused; customer
    // service may not decide; the supervisor may.
    let (_, html) = w.app.get_text(&w.eng, &format!("/complaints/{id}")).await;
    assert_eq!(forms(&html), ["progress"]);
    assert!(html.contains("已暂停") && html.contains("待裁定"));
    let (_, html) = w.app.get_text(&w.cs, &format!("/complaints/{id}")).await;
    assert_eq!(forms(&html), ["progress", "escalate"]);
    assert!(html.contains("漏水源在楼上住户家中，需安保部协调入户") && html.contains("由客服部负责人（客服主管或经理）裁定"));
    let (status, _) = page_act(&w, &w.cs, id, &[("action", "decide"), ("decision", "安保部负责"), ("responsible", &sec)]).await;
    assert_eq!(status, 403, "a specialist does not decide");
    let (_, list) = w.app.get_text(&w.cs, "/complaints?awaiting=1").await;
    assert!(list.contains("地下室漏水") && list.contains("待裁定"));

    let (_, html) = w.app.get_text(&w.head, &format!("/complaints/{id}")).await;
    assert_eq!(forms(&html), ["progress", "decide", "escalate"]);
    let (status, body) = page_act(&w, &w.head, id, &[("action", "decide"), ("decision", "由安保部负责协调入户，工程部配合")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("请至少选择一个继续负责的部门"));
    let (status, _) = page_act(&w, &w.head, id, &[("action", "decide"), ("decision", "由安保部负责协调入户，工程部配合"), ("responsible", &sec)]).await;
    assert_eq!(status, 303);

    // Work continues with security; engineering is released.
    let (_, html) = w.app.get_text(&w.head, &format!("/complaints/{id}")).await;
    for words in ["裁定责任部门", "由安保部负责协调入户，工程部配合", "继续负责", "解除责任"] {
        assert!(html.contains(words), "the record shows {words}");
    }
    assert!(!html.contains("badge warn\">待裁定"));
    let mut c = w.app.db.read().await.expect("conn");
    let parts: Vec<(i64, String)> = c
        .ex()
        .fetch_all(Sql::new("SELECT department_id, status FROM complaint_departments WHERE complaint_id = $1 ORDER BY department_id").arg(id))
        .await
        .expect("parts");
    assert_eq!(parts, [(w.eng_dept, "returned".to_string()), (w.sec_dept, "accepted".to_string())]);
    assert!(is_set(&w, "next_due", id).await, "security's plan is due");
    let due = (Utc::now() + Duration::days(3)).to_rfc3339();
    act(&w, &w.sec_token, id, json!({"action": "submit_plan", "plan": "联系楼上住户入户检查", "due": due})).await;

    // The handling form carries the opinions and the decision on each copy.
    let (status, html) = w.app.get_text(&w.cs, &format!("/complaints/{id}/print")).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("部门意见分歧及裁定").count(), 3);
    assert_eq!(html.matches("由安保部负责协调入户，工程部配合").count(), 3);
    assert!(html.contains("属管道维修，应由工程部负责") && html.contains("继续负责：安保部") && html.contains("解除责任：工程部"));
}

#[tokio::test]
async fn cmp_9_cmp_7_api_action_names_and_a_major_complaint_goes_to_the_company_head() {
    let w = world().await;
    let id = disputed(&w, "电梯困人，媒体已到场", "major").await;
    let path = format!("/api/v1/complaints/{id}/actions");
    let d = act(&w, &w.cs_token, id, json!({"action": "progress", "note": "已致电业主说明"})).await;
    assert!(strings(&d["allowed"]).contains(&"record_disagreement".to_string()));

    // Bad input: an opinion of a department that is not on the case; a blank opinion.
    let (status, v) = post(
        &w,
        &w.cs_token,
        &path,
        json!({"action": "record_disagreement", "opinions": [{"department_id": w.eng_dept, "opinion": "a"}, {"department_id": 987654, "opinion": "b"}]}),
    )
    .await;
    assert_eq!((status, v["error"]["fields"][0]["field"].as_str()), (422, Some("opinions")), "{v}");
    let (status, _) = post(
        &w,
        &w.cs_token,
        &path,
        json!({"action": "record_disagreement", "opinions": [{"department_id": w.eng_dept, "opinion": "a"}, {"department_id": w.sec_dept, "opinion": " "}]}),
    )
    .await;
    assert_eq!(status, 422);

    let d = act(
        &w,
        &w.cs_token,
        id,
        json!({"action": "record_disagreement", "opinions": [
            {"department_id": w.eng_dept, "opinion": "困人系安保巡查未及时发现"},
            {"department_id": w.sec_dept, "opinion": "电梯故障属工程部维保"}
        ]}),
    )
    .await;
    assert!(d["decision_requested_at"].is_string());
    assert_eq!(d["next_due"], Value::Null);
    assert_eq!(part(&d, w.eng_dept)["completion_state"], "paused", "the engineer's own deadline is paused");
    assert_eq!(d["decisions"][0]["opinions"][1]["department_name"], "安保部");
    assert_eq!(d["decisions"][0]["decision"], Value::Null);
    assert_eq!(strings(&d["allowed"]), ["progress"], "nothing above major to escalate to");
    let (_, v) = post(&w, &w.eng_token, &path, json!({"action": "finish", "result": "已修好"})).await;
    assert_eq!((v["error"]["code"].as_str(), strings(&v["allowed"])), (Some("conflict"), vec!["progress".to_string()]), "409 with what fits");

    // CMP-7: a major complaint is decided by the company head, not the head of customer service.
    let decide = json!({"action": "decide", "decision": "工程部负责维修，安保部加强巡查", "responsible": [w.eng_dept, w.sec_dept]});
    let (status, _) = post(&w, &w.head_token, &path, decide.clone()).await;
    assert_eq!(status, 403);
    let d = act(&w, &w.manager_token, id, decide).await;
    assert_eq!(d["decision_requested_at"], Value::Null);
    assert_eq!(d["status"], "in_progress");
    assert_eq!((part(&d, w.eng_dept)["status"].as_str(), part(&d, w.sec_dept)["status"].as_str()), (Some("planned"), Some("accepted")));
    assert_eq!(part(&d, w.eng_dept)["completion_state"], "on_time", "the plan's clock runs again");
    assert_eq!(d["decisions"][0]["decided_by_name"], "jingli名");
    assert_eq!(d["decisions"][0]["responsible"], json!([w.eng_dept, w.sec_dept]));
    let history: Vec<&str> = d["history"].as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(history.ends_with(&["record_disagreement", "decide"]), "{history:?}");
    let (status, _) = post(&w, &w.manager_token, &path, json!({"action": "decide", "decision": "x", "responsible": [w.eng_dept]})).await;
    assert_eq!(status, 409, "nothing left to decide");
}

#[tokio::test]
async fn cmp_9_only_one_department_means_no_disagreement() {
    let w = world().await;
    let input = ComplaintInput { project_id: w.app.project_a.to_string(), content: "路灯不亮".into(), ..Default::default() };
    let id = create(&w.app.db, &w.app.root, &input).await.expect("complaint").0;
    let d = act(&w, &w.cs_token, id, json!({"action": "dispatch", "departments": [w.eng_dept]})).await;
    assert!(!strings(&d["allowed"]).contains(&"record_disagreement".to_string()));
    let (status, v) = post(
        &w,
        &w.cs_token,
        &format!("/api/v1/complaints/{id}/actions"),
        json!({"action": "record_disagreement", "opinions": [{"department_id": w.eng_dept, "opinion": "a"}]}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("conflict")));
    let (_, html) = w.app.get_text(&w.eng, &format!("/complaints/{id}")).await;
    assert!(!html.contains("部门意见分歧"));
}
