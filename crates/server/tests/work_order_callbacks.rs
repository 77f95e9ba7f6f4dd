//! The second slice of work orders over HTTP: REP-8 repair callbacks in the callbacks list,
//! REP-9 rectification notices, REP-5 notifications, REP-1 photos and the RPT-1 board.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{PASSWORD, TestApp, spawn_app};
use propdesk::jobs::outbox::deliver_due;
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::{StaffInput, create_department, create_staff};
use propdesk_store::{AsEx, Sql};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";

struct World {
    app: TestApp,
    eng_dept: i64,
    engineer: i64,
    head: i64,
    supervisor: i64,
    cs: String,
    eng: String,
    other: String,
    unit: i64,
}

async fn member(app: &TestApp, username: &str, dept: i64, projects: &[i64], head: bool) -> i64 {
    let input = StaffInput {
        username: username.into(),
        display_name: format!("{username}名"),
        role: "engineering".into(),
        department_id: dept.to_string(),
        department_head: head,
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
    let supervisor = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let engineer = member(&app, "gong", eng_dept, &[app.project_a], false).await;
    let head = member(&app, "gongzhang", eng_dept, &[app.project_a], true).await;
    member(&app, "bao", sec_dept, &[app.project_a], false).await;
    let input =
        UnitInput { building_id: app.building_a.to_string(), unit_no: "A-101".into(), kind: "shop".into(), building_area: "100".into(), ..Default::default() };
    let unit = create_unit(&app.db, &app.root, &input).await.expect("unit");
    let (cs, eng, other) = (app.token("kefu").await, app.token("gong").await, app.token("bao").await);
    World { app, eng_dept, engineer, head, supervisor, cs, eng, other, unit }
}

async fn post(w: &World, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = w.app.client().post(format!("{}{path}", w.app.base)).bearer_auth(token).json(&body).send().await.expect("post");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn create(w: &World, extra: Value) -> i64 {
    let mut body = json!({
        "project_id": w.app.project_a, "unit_id": w.unit, "owner_name": "王先生", "contact_phone": "13800138000",
        "content": "卧室插座没电", "available_times": "工作日晚上 7 点后", "category": "electric",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let (s, d) = post(w, &w.cs, "/api/v1/work-orders", body).await;
    assert_eq!(s, 201, "{d}");
    d["id"].as_i64().expect("id")
}

async fn act(w: &World, token: &str, id: i64, body: Value) -> (u16, Value) {
    post(w, token, &format!("/api/v1/work-orders/{id}/actions"), body).await
}

/// An order through dispatch, on site, repair and the owner's signature: awaiting its callback.
async fn signed_off(w: &World, extra: Value) -> i64 {
    // REP-6: electrical, water-pipe and leak repairs pass a witnessed test before sign-off.
    let tested = matches!(extra.get("category").and_then(Value::as_str).unwrap_or("electric"), "electric" | "water" | "leak");
    let id = create(w, extra).await;
    let mut steps = vec![
        (&w.cs, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})),
        (&w.eng, json!({"action": "arrive", "note": "x", "evidence": "照片", "shut_off": "not_needed"})),
        (&w.eng, json!({"action": "start", "plan": "更换插座"})),
        (&w.eng, json!({"action": "finish", "result": "已更换插座"})),
    ];
    if tested {
        steps.push((&w.eng, json!({"action": "record_test", "owner_present": true, "office_present": true, "passed": true})));
    }
    steps.push((&w.eng, json!({"action": "sign_off", "signed_by": "王先生", "signature": PNG})));
    for (token, body) in steps {
        let (s, d) = act(w, token, id, body).await;
        assert_eq!(s, 200, "{d}");
    }
    id
}

async fn scalar(app: &TestApp, sql: Sql) -> i64 {
    let mut c = app.db.read().await.expect("conn");
    c.ex().scalar(sql).await.expect("scalar")
}

async fn text(app: &TestApp, sql: Sql) -> String {
    let mut c = app.db.read().await.expect("conn");
    c.ex().fetch_one::<(String,)>(sql).await.expect("text").0
}

async fn exec(app: &TestApp, sql: Sql) {
    let mut tx = app.db.begin().await.expect("tx");
    tx.ex().execute(sql).await.expect("execute");
    tx.commit().await.expect("commit");
}

async fn callback_of(app: &TestApp, id: i64) -> i64 {
    scalar(app, Sql::new("SELECT id FROM callbacks WHERE subject = 'repair' AND subject_id = $1").arg(id)).await
}

async fn order(w: &World, id: i64) -> Value {
    let r = w.app.client().get(format!("{}/api/v1/work-orders/{id}", w.app.base)).bearer_auth(&w.cs).send().await.expect("get");
    r.json().await.expect("json")
}

fn answers<'a>(satisfied: &'a str, shortcomings: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("method", "phone"),
        ("quality", "5"),
        ("speed", "4"),
        ("attitude", "5"),
        ("satisfied", satisfied),
        ("effect", "插座已通电"),
        ("shortcomings", shortcomings),
        ("suggestions", "希望提前电话告知"),
    ]
}

async fn rectification(app: &TestApp, work_order: i64) -> i64 {
    scalar(app, Sql::new("SELECT id FROM rectifications WHERE work_order_id = $1").arg(work_order)).await
}

#[tokio::test]
async fn rep_8_sign_off_schedules_a_callback_by_type_listed_with_complaints_and_recording_it_closes_the_order() {
    let w = world().await;
    let id = signed_off(&w, json!({})).await;
    let cb = callback_of(&w.app, id).await;
    // One event per action: the sign-off's own event names the callback it scheduled.
    let started = text(&w.app, Sql::new("SELECT payload FROM events WHERE entity = 'work_order' AND entity_id = $1 AND action = 'sign_off'").arg(id)).await;
    assert_eq!(serde_json::from_str::<Value>(&started).expect("payload")["started"]["callback_id"], cb);
    // CBK-2: the callback's role (客服助理 = specialists) is told, with a link to the callback.
    let kefu = scalar(&w.app, Sql::new("SELECT id FROM staff WHERE username = 'kefu'")).await;
    let link =
        text(&w.app, Sql::new("SELECT link FROM outbox WHERE kind = 'callback_assigned' AND entity_id = $1 AND recipient_staff_id = $2").arg(id).arg(kefu))
            .await;
    assert_eq!(link, format!("/callbacks/{cb}"));
    // REP-8: electrical work is a safety facility: due when the order's callback stage is due.
    let due: DateTime<Utc> = {
        let mut c = w.app.db.read().await.expect("conn");
        c.ex().fetch_one::<(DateTime<Utc>,)>(Sql::new("SELECT due_at FROM callbacks WHERE id = $1").arg(cb)).await.expect("due").0
    };
    let d = order(&w, id).await;
    let stage_due = d["stages"].as_array().and_then(|a| a.iter().find(|s| s["stage"] == "callback")).map(|s| s["due"].clone()).expect("stage");
    assert_eq!(Some(due), stage_due.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc)));
    assert!(due - Utc::now() <= Duration::days(3), "safety repairs are called back within 2 days: {due}");

    let c = w.app.login("kefu").await;
    let (s, body) = w.app.get_text(&c, "/callbacks").await;
    assert_eq!(s, 200);
    assert!(body.contains(&format!("/callbacks/{cb}")) && body.contains(&format!("/work-orders/{id}")), "listed with the complaint callbacks");
    assert!(body.contains("HXGC/WXWT001"), "with the order's number");
    let (s, page) = w.app.get_text(&c, &format!("/callbacks/{cb}")).await;
    assert_eq!(s, 200);
    assert!(!page.contains(&format!("/callbacks/{cb}/waive")), "CBK-3: a repair callback cannot be waived");

    // A missing rating is refused with its field; nothing is saved.
    let mut bad = answers("yes", "");
    bad.retain(|(k, _)| *k != "speed");
    let (s, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &bad).await;
    assert_eq!(s, 422);
    assert_eq!(order(&w, id).await["status"], "awaiting_callback");

    let (s, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("yes", "")).await;
    assert_eq!(s, 303);
    assert_eq!(order(&w, id).await["status"], "closed", "a satisfied callback closes the order");
    assert_eq!(text(&w.app, Sql::new("SELECT status FROM callbacks WHERE id = $1").arg(cb)).await, "done");
    let ratings = scalar(&w.app, Sql::new("SELECT quality * 100 + speed * 10 + attitude FROM callbacks WHERE id = $1").arg(cb)).await;
    assert_eq!(ratings, 545, "quality, speed and attitude are recorded");
    assert_eq!(text(&w.app, Sql::new("SELECT suggestions FROM callbacks WHERE id = $1").arg(cb)).await, "希望提前电话告知");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM rectifications WHERE work_order_id = $1").arg(id)).await, 0, "no problem, no notice");
    // Recorded once: a second try is a conflict.
    let (s, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("yes", "")).await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn rep_8_leaks_are_called_back_within_three_days_and_other_repairs_within_seven() {
    let w = world().await;
    let leak = signed_off(&w, json!({"category": "leak", "content": "卫生间渗水"})).await;
    let other = signed_off(&w, json!({"category": "door_window", "content": "门锁坏了"})).await;
    let due = |id: i64| {
        let app = &w.app;
        async move {
            let mut c = app.db.read().await.expect("conn");
            c.ex()
                .fetch_one::<(DateTime<Utc>,)>(Sql::new("SELECT due_at FROM callbacks WHERE subject = 'repair' AND subject_id = $1").arg(id))
                .await
                .expect("due")
                .0
        }
    };
    let (l, o) = (due(leak).await, due(other).await);
    assert!(l > Utc::now() && l - Utc::now() <= Duration::days(5), "leak within 3 (working) days: {l}");
    assert!(o > l, "other repairs later than leaks: {o} vs {l}");
}

#[tokio::test]
async fn rep_9_cbk_6_a_dissatisfied_callback_reopens_the_order_and_issues_a_rectification_notice() {
    let w = world().await;
    let id = signed_off(&w, json!({})).await;
    let cb = callback_of(&w.app, id).await;
    let c = w.app.login("kefu").await;
    // CBK-6: a dissatisfied owner's shortcomings are required.
    let (s, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("no", "")).await;
    assert_eq!(s, 422);
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM rectifications")).await, 0, "nothing half-saved");
    let (s, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("no", "插座面板松动")).await;
    assert_eq!(s, 303);
    let d = order(&w, id).await;
    assert_eq!((d["status"].as_str(), d["reopened"].as_i64()), (Some("in_repair"), Some(1)), "the repair is reopened");

    // REP-9: the written notice to the repair staff, due within 24 hours.
    let n = rectification(&w.app, id).await;
    let (issued, due): (DateTime<Utc>, DateTime<Utc>) = {
        let mut conn = w.app.db.read().await.expect("conn");
        conn.ex().fetch_one(Sql::new("SELECT issued_at, due_at FROM rectifications WHERE id = $1").arg(n)).await.expect("times")
    };
    assert_eq!(due - issued, Duration::hours(24));
    assert_eq!(text(&w.app, Sql::new("SELECT problem FROM rectifications WHERE id = $1").arg(n)).await, "插座面板松动");
    assert_eq!(scalar(&w.app, Sql::new("SELECT callback_id FROM rectifications WHERE id = $1").arg(n)).await, cb);
    let told = scalar(&w.app, Sql::new("SELECT COUNT(*) FROM outbox WHERE kind = 'rectification' AND recipient_staff_id = $1").arg(w.engineer)).await;
    assert_eq!(told, 1, "the assignee is told");

    // Its own page and the A4 print; the work order links it.
    let (s, page) = w.app.get_text(&c, &format!("/rectifications/{n}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("整改通知单") && page.contains("插座面板松动") && page.contains("整改中"), "open state shown");
    let (s, print) = w.app.get_text(&c, &format!("/rectifications/{n}/print")).await;
    assert_eq!(s, 200);
    assert!(print.contains("class=\"sheet\""), "an A4 sheet");
    let (_, wo) = w.app.get_text(&c, &format!("/work-orders/{id}")).await;
    assert!(wo.contains(&format!("/rectifications/{n}")));

    // Closing: the fix is required; another department may not; the repair staff close it.
    let eng = w.app.login("gong").await;
    let (s, _, body) = w.app.post_form(&eng, &format!("/rectifications/{n}/close"), &[("version", "1"), ("fix", "")]).await;
    assert_eq!(s, 422, "{body}");
    let other = w.app.login("bao").await;
    let (s, _, _) = w.app.post_form(&other, &format!("/rectifications/{n}/close"), &[("version", "1"), ("fix", "已紧固")]).await;
    assert_eq!(s, 403);
    let (s, _, _) = w.app.post_form(&eng, &format!("/rectifications/{n}/close"), &[("version", "1"), ("fix", "已紧固面板并复测")]).await;
    assert_eq!(s, 303);
    assert_eq!(text(&w.app, Sql::new("SELECT status FROM rectifications WHERE id = $1").arg(n)).await, "done");
    let (_, page) = w.app.get_text(&c, &format!("/rectifications/{n}")).await;
    assert!(page.contains("按时完成") && page.contains("已紧固面板并复测"), "done on time, with the fix");
    let (s, _, _) = w.app.post_form(&eng, &format!("/rectifications/{n}/close"), &[("version", "2"), ("fix", "再次")]).await;
    assert_eq!(s, 409, "closed once");
}

#[tokio::test]
async fn rep_9_a_satisfied_owner_who_points_out_a_problem_still_gets_it_put_right() {
    let w = world().await;
    let id = signed_off(&w, json!({})).await;
    let cb = callback_of(&w.app, id).await;
    let c = w.app.login("kefu").await;
    let (s, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("yes", "地面灰尘未清理")).await;
    assert_eq!(s, 303);
    assert_eq!(order(&w, id).await["status"], "closed");
    let n = rectification(&w.app, id).await;
    // Overdue once its 24 hours pass without the fix.
    exec(&w.app, Sql::new("UPDATE rectifications SET due_at = $1 WHERE id = $2").arg(Utc::now() - Duration::hours(1)).arg(n)).await;
    let (_, page) = w.app.get_text(&c, &format!("/rectifications/{n}")).await;
    assert!(page.contains("已超时"));
}

#[tokio::test]
async fn rep_8_cbk_3_a_repair_callback_cannot_be_waived_and_the_order_page_shortcut_settles_it() {
    let w = world().await;
    let id = signed_off(&w, json!({})).await;
    let cb = callback_of(&w.app, id).await;
    let c = w.app.login("kefu").await;
    let (s, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}/waive"), &[("version", "1"), ("waiver_reason", "anonymous")]).await;
    assert_eq!(s, 409);
    // The work order's own callback action settles the pending callback row too.
    let (s, d) = act(&w, &w.cs, id, json!({"action": "callback_done", "satisfied": false, "note": "仍然没电"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(text(&w.app, Sql::new("SELECT status FROM callbacks WHERE id = $1").arg(cb)).await, "done");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM rectifications WHERE work_order_id = $1").arg(id)).await, 1, "REP-9");
}

#[tokio::test]
async fn rep_5_an_emergency_tells_the_engineering_heads_and_the_supervisor_at_once_and_dispatch_tells_the_assignee() {
    let w = world().await;
    let id = create(&w, json!({"emergency": true, "content": "厨房水管爆裂", "category": "water"})).await;
    let to = |kind: &'static str| {
        let app = &w.app;
        async move {
            let mut c = app.db.read().await.expect("conn");
            let rows: Vec<(i64,)> = c
                .ex()
                .fetch_all(
                    Sql::new("SELECT recipient_staff_id FROM outbox WHERE kind = $1 AND entity = 'work_order' AND entity_id = $2 ORDER BY recipient_staff_id")
                        .arg(kind)
                        .arg(id),
                )
                .await
                .expect("outbox");
            rows.into_iter().map(|r| r.0).collect::<Vec<i64>>()
        }
    };
    let mut expected = vec![w.head, w.supervisor];
    expected.sort_unstable();
    assert_eq!(to("emergency_repair").await, expected, "the engineering head (not every engineer) and the supervisor");
    let (s, d) = act(&w, &w.cs, id, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})).await;
    assert_eq!(s, 200, "{d}");
    let mut expected = vec![w.engineer, w.head];
    expected.sort_unstable();
    assert_eq!(to("repair_dispatched").await, expected, "the assignee and the department head");
    // Delivered into their inboxes by the job.
    deliver_due(&w.app.db, Utc::now()).await.expect("deliver");
    let inbox = scalar(&w.app, Sql::new("SELECT COUNT(*) FROM inbox WHERE staff_id = $1 AND kind = 'repair_dispatched'").arg(w.engineer)).await;
    assert_eq!(inbox, 1);
    // A refused dispatch tells nobody.
    let id2 = create(&w, json!({})).await;
    let (s, _) = act(&w, &w.cs, id2, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": 999_999})).await;
    assert_eq!(s, 422);
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM outbox WHERE entity_id = $1 AND entity = 'work_order'").arg(id2)).await, 0);
}

fn jpeg() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01];
    v.extend((0..2000).map(|i| (i % 251) as u8));
    v
}

fn mp3() -> Vec<u8> {
    let mut v = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    v.extend(std::iter::repeat_n(0x55u8, 2000));
    v
}

fn part(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).expect("mime")
}

async fn api_upload(w: &World, token: &str, id: i64, file: Part) -> (u16, Value) {
    let form = Form::new().part("file", file).text("note", "维修前照片");
    let r = w.app.client().post(format!("{}/api/v1/work-orders/{id}/attachments", w.app.base)).bearer_auth(token).multipart(form).send().await.expect("upload");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn rep_1_photos_of_a_work_order_images_and_pdf_only_for_those_who_see_the_order() {
    let w = world().await;
    let id = create(&w, json!({})).await;
    let (s, d) = api_upload(&w, &w.eng, id, part(jpeg(), "插座.jpg", "image/jpeg")).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!((d["entity"].as_str(), d["content_type"].as_str()), (Some("work_order"), Some("image/jpeg")));
    let url = d["url"].as_str().expect("url").to_string();
    let (s, d) = api_upload(&w, &w.cs, id, part(mp3(), "录音.mp3", "audio/mpeg")).await;
    assert_eq!(s, 422, "images and PDF only: {d}");
    assert_eq!(d["error"]["fields"][0]["field"], "file");
    // Another project's staff: neither the upload nor the file.
    w.app.staff("lhy", "specialist", &[w.app.project_b]).await;
    let b = w.app.token("lhy").await;
    let (s, _) = api_upload(&w, &b, id, part(jpeg(), "x.jpg", "image/jpeg")).await;
    assert_eq!(s, 404);
    let r = w.app.client().get(format!("{}{url}", w.app.base)).bearer_auth(&b).send().await.expect("get");
    assert_eq!(r.status().as_u16(), 404);
    let r = w.app.client().get(format!("{}{url}", w.app.base)).bearer_auth(&w.other).send().await.expect("get");
    assert_eq!(r.status().as_u16(), 200, "project staff who may see the order see its photos");
    // The page: upload with CSRF, listed on the order, recorded in its history.
    let c = w.app.login("kefu").await;
    let csrf = w.app.csrf(&c).await;
    let form = Form::new().text("_csrf", csrf).part("file", part(b"%PDF-1.4\n%%EOF\n".to_vec(), "验收单.pdf", "application/pdf")).text("note", "");
    let r = c.post(format!("{}/work-orders/{id}/attachments", w.app.base)).multipart(form).send().await.expect("upload");
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = w.app.get_text(&c, &format!("/work-orders/{id}")).await;
    assert!(page.contains("插座.jpg") && page.contains("验收单.pdf") && page.contains("维修照片"));
    assert_eq!(
        scalar(&w.app, Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'work_order' AND entity_id = $1 AND action = 'photo_added'").arg(id)).await,
        2
    );
    // Without the CSRF token nothing is received.
    let form = Form::new().part("file", part(jpeg(), "x.jpg", "image/jpeg"));
    let r = c.post(format!("{}/work-orders/{id}/attachments", w.app.base)).multipart(form).send().await.expect("upload");
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn rpt_1_the_board_shows_work_orders_by_stage_and_deadline_and_todays_repair_callbacks() {
    let w = world().await;
    let late = create(&w, json!({})).await;
    let _fresh = create(&w, json!({"content": "门锁坏了", "category": "door_window"})).await;
    let called = signed_off(&w, json!({})).await;
    exec(&w.app, Sql::new("UPDATE work_orders SET next_due = $1 WHERE id = $2").arg(Utc::now() - Duration::hours(2)).arg(late)).await;
    exec(&w.app, Sql::new("UPDATE callbacks SET due_at = $1 WHERE subject = 'repair' AND subject_id = $2").arg(Utc::now() - Duration::hours(1)).arg(called))
        .await;
    let cb = callback_of(&w.app, called).await;
    let c = w.app.login("kefu").await;
    let (s, body) = w.app.get_text(&c, &format!("/board?project_id={}", w.app.project_a)).await;
    assert_eq!(s, 200);
    let count = |name: &str| {
        let marker = format!("data-count=\"{name}\">");
        let start = body.find(&marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("{name} on the board"));
        let rest = &body[start..];
        let rest = rest.strip_prefix('<').map(|r| &r[r.find('>').map(|i| i + 1).unwrap_or(0)..]).unwrap_or(rest);
        rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<i64>().unwrap_or(-1)
    };
    assert_eq!(count("wo_open"), 3, "three open orders");
    assert_eq!(count("wo_overdue"), 1);
    assert_eq!(count("wo_on_time") + count("wo_due_today"), 2);
    assert!(body.contains(&format!("data-work-order=\"{late}\"")), "the overdue order is listed");
    assert!(body.contains("待受理") && body.contains("待回访"), "by stage");
    assert!(body.contains(&format!("/callbacks/{cb}")), "today's repair callback is on the board");
    assert!(body.contains("data-count=\"complaint") || body.contains("未关闭投诉"), "next to complaints");
}
