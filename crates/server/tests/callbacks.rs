//! CBK: callbacks through the real pages — recording closes or reopens the complaint, visits are
//! signed, waivers need a listed reason, the assigned role decides who may call, and the
//! manager samples a month's callbacks.

mod common;

use chrono::{Duration, Utc};
use common::{TestApp, browser, spawn_app};
use fantoccini::Locator;
use propdesk::ops::callback::{CallbackInput, record};
use propdesk::ops::complaint::{ComplaintInput, act, create};
use propdesk::ops::staff::create_department;
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::complaint::{Action, ComplaintStatus, Severity};
use propdesk_store::models::callback as cbstore;
use propdesk_store::models::complaint::{self as store, NewCallback};
use propdesk_store::models::event;
use propdesk_store::{AsEx, Sql};

/// A tiny valid PNG (1×1, white) as a data URL, the shape the signature pad sends.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";

struct World {
    app: TestApp,
    dept: i64,
    eng: Actor,
    cs: Actor,
}

fn actor(app: &TestApp, staff_id: i64, role: Role) -> Actor {
    Actor { staff_id, name: format!("{role}"), company_id: app.company_id, role, projects: vec![app.project_a] }
}

async fn world() -> World {
    let app = spawn_app().await;
    let dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let eng_id = app.member("gong", "工程师", "engineering", dept).await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    World { eng: actor(&app, eng_id, Role::Engineering), cs: actor(&app, spec, Role::Specialist), dept, app }
}

/// A complaint walked to "awaiting callback"; returns (complaint id, callback id).
async fn awaiting_callback(w: &World, content: &str, severity: &str) -> (i64, i64) {
    let input = ComplaintInput {
        project_id: w.app.project_a.to_string(),
        complainant: "王女士".into(),
        contact_phone: "13800138000".into(),
        content: content.into(),
        severity: severity.into(),
        ..Default::default()
    };
    let (id, _) = create(&w.app.db, &w.cs, &input).await.expect("create");
    act(&w.app.db, &w.cs, id, None, &Action::Dispatch { departments: vec![w.dept] }).await.expect("dispatch");
    act(&w.app.db, &w.eng, id, None, &Action::Accept).await.expect("accept");
    act(&w.app.db, &w.eng, id, None, &Action::SubmitPlan { plan: "更换灯具".into(), due: Utc::now() + Duration::days(2) }).await.expect("plan");
    act(&w.app.db, &w.eng, id, None, &Action::Finish { result: "已更换".into() }).await.expect("finish");
    act(&w.app.db, &w.cs, id, None, &Action::RecordOpinion { opinion: "认可".into() }).await.expect("opinion");
    let mut c = w.app.db.read().await.expect("conn");
    let cb = c.ex().scalar(Sql::new("SELECT id FROM callbacks WHERE subject = 'complaint' AND subject_id = $1").arg(id)).await.expect("callback");
    (id, cb)
}

async fn complaint(w: &World, id: i64) -> store::ComplaintRow {
    let mut c = w.app.db.read().await.expect("conn");
    store::get(&mut c, &w.app.root, id, "").await.expect("get").expect("row")
}

fn answers<'a>(method: &'a str, satisfied: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("method", method), ("quality", "5"), ("speed", "4"), ("attitude", "5"), ("satisfied", satisfied), ("effect", "灯已亮"), ("suggestions", "希望加快")]
}

#[tokio::test]
async fn cbk_1_cbk_3_callback_list_shows_due_state_and_role() {
    let w = world().await;
    let (_, cb) = awaiting_callback(&w, "楼道灯坏了", "general").await;
    let c = w.app.login("kefu").await;
    let (status, body) = w.app.get_text(&c, "/callbacks").await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("/callbacks/{cb}")), "the pending callback is listed");
    assert!(body.contains("正常") && body.contains("客服助理"), "due state in words and the assigned role (CBK-2)");
    // Overdue: due three days ago.
    let mut tx = w.app.db.begin().await.expect("tx");
    tx.ex().execute(Sql::new("UPDATE callbacks SET due_at = $1 WHERE id = $2").arg(Utc::now() - Duration::days(1)).arg(cb)).await.expect("move due");
    tx.commit().await.expect("commit");
    let (_, body) = w.app.get_text(&c, "/callbacks?due=overdue").await;
    assert!(body.contains(&format!("/callbacks/{cb}")) && body.contains("badge bad") && body.contains("已超时"));
    let (_, body) = w.app.get_text(&c, "/callbacks?due=today").await;
    assert!(!body.contains(&format!("/callbacks/{cb}\"")), "an overdue callback is not 'due today'");
    let r = c.get(format!("{}/callbacks?format=xlsx", w.app.base)).send().await.expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("spreadsheetml")));
}

#[tokio::test]
async fn cbk_5_cbk_6_satisfied_phone_callback_closes_the_complaint() {
    let w = world().await;
    let (id, cb) = awaiting_callback(&w, "楼道灯坏了", "general").await;
    let c = w.app.login("kefu").await;
    let (status, page) = w.app.get_text(&c, &format!("/callbacks/{cb}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("请问您对处理质量是否满意"), "RCP-5: the standard callback questions are shown");
    assert!(page.contains("红星广场客户服务中心"), "the script names the project");
    let (status, location, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("phone", "yes")).await;
    assert_eq!((status, location.as_str()), (303, format!("/callbacks/{cb}?saved=1").as_str()));
    let row = complaint(&w, id).await;
    assert_eq!(row.status, ComplaintStatus::Closed, "CBK-6: satisfied closes the case");
    let mut conn = w.app.db.read().await.expect("conn");
    let item = cbstore::get(&mut conn, &w.app.root, cb, "").await.expect("get").expect("cb");
    assert_eq!(
        (item.status.code(), item.method.as_deref(), item.satisfied, item.quality, item.speed, item.attitude),
        ("done", Some("phone"), Some(true), Some(5), Some(4), Some(5))
    );
    assert_eq!((item.effect.as_str(), item.suggestions.as_str()), ("灯已亮", "希望加快"));
    let actions: Vec<String> = event::for_entity(&mut conn, "complaint", id).await.expect("events").into_iter().map(|e| e.action).collect();
    assert_eq!(actions.last().map(String::as_str), Some("callback_done"), "through the complaint workflow");
    assert_eq!(event::for_entity(&mut conn, "callback", cb).await.expect("events").len(), 1);
    drop(conn);
    // A second submission finds it done.
    let (status, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("phone", "yes")).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn cbk_6_dissatisfied_customer_reopens_the_complaint() {
    let w = world().await;
    let (id, cb) = awaiting_callback(&w, "电梯经常停运", "general").await;
    let c = w.app.login("kefu").await;
    // Dissatisfied without saying why: refused, the form keeps what was typed.
    let (status, _, body) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("phone", "no")).await;
    assert_eq!(status, 422);
    assert!(body.contains("客户不满意时须记录缺点与不足") && body.contains("希望加快"));
    let mut fields = answers("phone", "no");
    fields.push(("shortcomings", "电梯仍然异响"));
    let (status, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &fields).await;
    assert_eq!(status, 303);
    let row = complaint(&w, id).await;
    assert_eq!((row.status, row.reopened), (ComplaintStatus::InProgress, 1), "the department reworks");
    let mut conn = w.app.db.read().await.expect("conn");
    let depts = store::departments(&mut conn, id).await.expect("depts");
    assert_eq!(depts[0].status.code(), "accepted", "the department has the case again, with a new plan deadline");
    let item = cbstore::get(&mut conn, &w.app.root, cb, "").await.expect("get").expect("cb");
    assert_eq!((item.satisfied, item.shortcomings.as_str()), (Some(false), "电梯仍然异响"));
}

#[tokio::test]
async fn cbk_5_visit_without_signature_is_422_and_with_one_is_stored() {
    let w = world().await;
    let (id, cb) = awaiting_callback(&w, "绿化带垃圾", "general").await;
    let c = w.app.login("kefu").await;
    let (status, _, body) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &answers("visit", "yes")).await;
    assert_eq!(status, 422, "CBK-5: a visit needs the customer's signature");
    assert!(body.contains("上门回访须由客户签字确认"));
    assert_eq!(complaint(&w, id).await.status, ComplaintStatus::AwaitingCallback, "nothing changed");
    let mut bad = answers("visit", "yes");
    bad.push(("signature", "data:image/svg+xml;base64,PHN2Zz4="));
    let (status, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &bad).await;
    assert_eq!(status, 422, "only a PNG data URL is accepted");
    let mut good = answers("visit", "yes");
    good.push(("signature", PNG));
    let (status, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}"), &good).await;
    assert_eq!(status, 303);
    let mut conn = w.app.db.read().await.expect("conn");
    assert_eq!(cbstore::signature(&mut conn, &w.app.root, cb).await.expect("sig").as_deref(), Some(PNG));
    drop(conn);
    let (_, page) = w.app.get_text(&c, &format!("/callbacks/{cb}")).await;
    assert!(page.contains("<img src=\"data:image/png;base64,"), "the signature is shown on the record");
}

#[tokio::test]
async fn cbk_4_waiver_needs_a_listed_reason_and_closes() {
    let w = world().await;
    let (id, cb) = awaiting_callback(&w, "匿名反映噪音", "general").await;
    let c = w.app.login("kefu").await;
    let (status, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}/waive"), &[("waiver_reason", "")]).await;
    assert_eq!(status, 422);
    let (status, _, _) = w.app.post_form(&c, &format!("/callbacks/{cb}/waive"), &[("waiver_reason", "anonymous")]).await;
    assert_eq!(status, 303);
    assert_eq!(complaint(&w, id).await.status, ComplaintStatus::Closed);
    let mut conn = w.app.db.read().await.expect("conn");
    let item = cbstore::get(&mut conn, &w.app.root, cb, "").await.expect("get").expect("cb");
    assert_eq!((item.status.code(), item.waiver_reason.as_deref()), ("waived", Some("anonymous")));
}

#[tokio::test]
async fn cbk_2_major_complaint_callback_belongs_to_the_manager() {
    let w = world().await;
    let (id, cb) = awaiting_callback(&w, "车辆被盗", "major").await;
    w.app.staff("jingli", "manager", &[w.app.project_a]).await;
    let mut conn = w.app.db.read().await.expect("conn");
    let item = cbstore::get(&mut conn, &w.app.root, cb, "").await.expect("get").expect("cb");
    assert_eq!(item.assigned_role.code(), "manager");
    drop(conn);
    let spec = w.app.login("kefu").await;
    let (status, _, _) = w.app.post_form(&spec, &format!("/callbacks/{cb}"), &answers("phone", "yes")).await;
    assert_eq!(status, 403, "an assistant may not make the manager's callback");
    let mgr = w.app.login("jingli").await;
    let (status, _, _) = w.app.post_form(&mgr, &format!("/callbacks/{cb}"), &answers("phone", "yes")).await;
    assert_eq!(status, 303);
    assert_eq!(complaint(&w, id).await.status, ComplaintStatus::Closed);
}

#[tokio::test]
async fn cbk_2_escalation_moves_a_pending_callback_to_the_manager() {
    let w = world().await;
    let (id, cb) = awaiting_callback(&w, "物业费乱收费", "general").await;
    act(&w.app.db, &w.cs, id, None, &Action::Escalate { to: Severity::Important, reason: "态度".into() }).await.expect("escalate");
    let mut conn = w.app.db.read().await.expect("conn");
    assert_eq!(cbstore::get(&mut conn, &w.app.root, cb, "").await.expect("get").expect("cb").assigned_role.code(), "supervisor");
}

#[tokio::test]
async fn cbk_7_manager_samples_ten_percent_of_the_months_callbacks_and_notes_quality() {
    let w = world().await;
    let now = Utc::now();
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut tx = w.app.db.begin().await.expect("tx");
        let n = NewCallback {
            project_id: w.app.project_a,
            subject: "service",
            subject_id: 1000 + i,
            due_at: now,
            role: propdesk_domain::callback::CallbackRole::Assistant,
        };
        ids.push(store::insert_callback(&mut tx, &n, now).await.expect("insert"));
        tx.commit().await.expect("commit");
    }
    for id in &ids {
        let input = CallbackInput {
            method: "phone".into(),
            quality: "5".into(),
            speed: "5".into(),
            attitude: "5".into(),
            satisfied: "yes".into(),
            ..Default::default()
        };
        record(&w.app.db, &w.cs, *id, &input).await.expect("record");
    }
    w.app.staff("jingli", "manager", &[w.app.project_a]).await;
    let month = now.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m").to_string();
    let spec = w.app.login("kefu").await;
    let (status, _, _) = w.app.post_form(&spec, &format!("/callbacks/sample?month={month}"), &[]).await;
    assert_eq!(status, 403, "sampling is the manager's");
    let mgr = w.app.login("jingli").await;
    let (status, location, _) = w.app.post_form(&mgr, &format!("/callbacks/sample?month={month}"), &[]).await;
    assert_eq!(status, 303);
    let count = |db: propdesk_store::Db| async move {
        let mut c = db.read().await.expect("conn");
        c.ex().scalar(Sql::new("SELECT COUNT(*) FROM callbacks WHERE sampled = $1").arg(true)).await.expect("count")
    };
    assert_eq!(count(w.app.db.clone()).await, 2, "10% of 12, rounded up");
    let (_, _, _) = w.app.post_form(&mgr, &format!("/callbacks/sample?month={month}"), &[]).await;
    assert_eq!(count(w.app.db.clone()).await, 2, "a month is sampled once");
    let (status, page) = w.app.get_text(&mgr, location.trim_end_matches("&saved=1").trim_end_matches("?saved=1")).await;
    assert_eq!(status, 200);
    let mut conn = w.app.db.read().await.expect("conn");
    let sampled = conn.ex().scalar(Sql::new("SELECT MIN(id) FROM callbacks WHERE sampled = $1").arg(true)).await.expect("id");
    drop(conn);
    assert!(page.contains(&format!("/callbacks/{sampled}/check")));
    let (status, _, _) = w.app.post_form(&mgr, &format!("/callbacks/{sampled}/check"), &[("check_note", "话术规范，记录完整"), ("month", &month)]).await;
    assert_eq!(status, 303);
    let mut conn = w.app.db.read().await.expect("conn");
    let item = cbstore::get(&mut conn, &w.app.root, sampled, "").await.expect("get").expect("cb");
    assert_eq!(item.check_note, "话术规范，记录完整");
    assert!(item.checked_by_name.is_some());
}

#[tokio::test]
async fn cbk_5_visit_callback_signed_on_the_canvas_in_a_real_browser() {
    let Some(b) = browser::start().await else { return };
    let w = world().await;
    let (id, cb) = awaiting_callback(&w, "商铺门口地砖破损", "general").await;
    let c = &b.client;
    c.goto(&format!("{}/callbacks/{cb}", w.app.base)).await.expect("goto");
    browser::sign_in(c, "kefu").await;
    c.wait().for_element(Locator::Css("#callback-form")).await.expect("callback form");
    for sel in [
        "input[name=method][value=visit]",
        "input[name=quality][value='5']",
        "input[name=speed][value='4']",
        "input[name=attitude][value='5']",
        "input[name=satisfied][value=yes]",
    ] {
        c.find(Locator::Css(sel)).await.expect(sel).click().await.expect("click");
    }
    assert!(c.find(Locator::Css("#sig-pad")).await.expect("pad").is_displayed().await.expect("shown"), "a visit shows the signature pad");
    // Sign with the pointer: down, a stroke, up.
    c.execute(
        r#"const p = document.getElementById("sig-pad"), r = p.getBoundingClientRect();
           const ev = (t, x, y) => p.dispatchEvent(new PointerEvent(t, {clientX: r.left + x, clientY: r.top + y, pointerId: 1, bubbles: true}));
           ev("pointerdown", 30, 120); ev("pointermove", 120, 40); ev("pointermove", 220, 150); ev("pointermove", 320, 60); ev("pointerup", 320, 60);"#,
        vec![],
    )
    .await
    .expect("draw");
    let sig = c.find(Locator::Css("#signature")).await.expect("field").prop("value").await.expect("value").unwrap_or_default();
    assert!(sig.starts_with("data:image/png;base64,iVBORw0KGgo"), "the pad fills the hidden field with a PNG data URL");
    b.shot("cbk-01-callback-form").await;
    c.find(Locator::Css("#callback-form .actions button")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::XPath("//h2[contains(., '回访结果')]")).await.expect("result");
    b.shot("cbk-02-callback-done").await;
    assert_eq!(complaint(&w, id).await.status, ComplaintStatus::Closed);
    let mut conn = w.app.db.read().await.expect("conn");
    assert_eq!(cbstore::signature(&mut conn, &w.app.root, cb).await.expect("sig"), Some(sig));
    drop(conn);
    c.goto(&format!("{}/board?project_id={}", w.app.base, w.app.project_a)).await.expect("board");
    b.shot("rpt-01-board").await;
    c.goto(&format!("{}/reports/complaints?project_id={}", w.app.base, w.app.project_a)).await.expect("report");
    b.shot("rpt-02-report").await;
    let _ = c.clone().close().await;
}
