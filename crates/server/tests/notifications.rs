//! The notification outbox and the staff inbox: each change that must tell someone enqueues
//! exactly the expected messages in its own transaction (CMP-16 online complaints, CMP-7
//! important/major, dispatches, CBK-2 callbacks, CBK-6 reopening), the delivery job moves them
//! into the recipients' inboxes once, a failed change enqueues nothing, and nobody reads or
//! marks another person's message.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{PASSWORD, TestApp, spawn_app};
use propdesk::jobs::outbox::{Delivered, deliver_due};
use propdesk::ops::complaint::{ComplaintInput, act, act_tx, create};
use propdesk::ops::staff::{StaffInput, create_department, create_staff};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::complaint::{Action, Severity};
use propdesk_store::{AsEx, Sql};

struct World {
    app: TestApp,
    eng: i64,
    sec: i64,
    /// Customer-service specialist of A: takes complaints in.
    kefu: Actor,
    /// A second specialist of A (callbacks of general complaints go to specialists, CBK-2).
    kefu2: i64,
    /// Supervisor of A (the customer-service head, CMP-7 important).
    zhuguan: Actor,
    /// Manager of A (the company head, CMP-7 major).
    jingli: Actor,
    /// Engineering: the department head and a member, both on A.
    gongtou: Actor,
    gong: i64,
    /// Security has no head on A: its member hears of its dispatches.
    bao: i64,
    /// A supervisor of project B only: never told about A.
    zhuguan_b: i64,
}

async fn person(app: &TestApp, username: &str, role: &str, dept: Option<i64>, head: bool, projects: &[i64]) -> i64 {
    let input = StaffInput {
        username: username.into(),
        display_name: format!("{username}名"),
        role: role.into(),
        department_id: dept.map(|d| d.to_string()).unwrap_or_default(),
        department_head: head,
        active: true,
        projects: projects.to_vec(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    create_staff(&app.db, &app.root, &input).await.expect("staff")
}

fn actor(app: &TestApp, staff_id: i64, role: Role, projects: &[i64]) -> Actor {
    Actor { staff_id, name: format!("#{staff_id}"), company_id: app.company_id, role, projects: projects.to_vec() }
}

async fn world() -> World {
    let app = spawn_app().await;
    let a = [app.project_a];
    let eng = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let sec = create_department(&app.db, &app.root, "SEC", "安保部").await.expect("dept");
    let kefu = person(&app, "kefu", "specialist", None, false, &a).await;
    let kefu2 = person(&app, "kefu2", "specialist", None, false, &a).await;
    let zhuguan = person(&app, "zhuguan", "supervisor", None, false, &a).await;
    let jingli = person(&app, "jingli", "manager", None, false, &a).await;
    let gongtou = person(&app, "gongtou", "engineering", Some(eng), true, &a).await;
    let gong = person(&app, "gong", "engineering", Some(eng), false, &a).await;
    let bao = person(&app, "bao", "security", Some(sec), false, &a).await;
    let zhuguan_b = person(&app, "zhuguan_b", "supervisor", None, false, &[app.project_b]).await;
    World {
        kefu: actor(&app, kefu, Role::Specialist, &a),
        zhuguan: actor(&app, zhuguan, Role::Supervisor, &a),
        jingli: actor(&app, jingli, Role::Manager, &a),
        gongtou: actor(&app, gongtou, Role::Engineering, &a),
        kefu2,
        gong,
        bao,
        zhuguan_b,
        eng,
        sec,
        app,
    }
}

/// A complaint of project A taken in by the specialist; returns its id.
async fn complaint(w: &World, content: &str, channel: &str, severity: &str) -> i64 {
    let input = ComplaintInput {
        project_id: w.app.project_a.to_string(),
        complainant: "王女士".into(),
        contact_phone: "13800138000".into(),
        channel: channel.into(),
        content: content.into(),
        severity: severity.into(),
        ..Default::default()
    };
    create(&w.app.db, &w.kefu, &input).await.expect("complaint").0
}

/// (kind, entity, entity_id) of everything in a person's inbox, oldest first.
async fn inbox(w: &World, staff_id: i64) -> Vec<(String, String, i64)> {
    let mut c = w.app.db.read().await.expect("conn");
    c.ex().fetch_all(Sql::new("SELECT kind, entity, entity_id FROM inbox WHERE staff_id = $1 ORDER BY id").arg(staff_id)).await.expect("inbox")
}

async fn count(w: &World, table: &str) -> i64 {
    let mut c = w.app.db.read().await.expect("conn");
    c.ex().scalar(Sql::new(&format!("SELECT COUNT(*) FROM {table}"))).await.expect("count")
}

async fn deliver(w: &World) -> Delivered {
    deliver_at(w, Utc::now()).await
}

async fn deliver_at(w: &World, now: DateTime<Utc>) -> Delivered {
    deliver_due(&w.app.db, now).await.expect("delivery")
}

fn c(kind: &str, id: i64) -> (String, String, i64) {
    (kind.to_string(), "complaint".to_string(), id)
}

async fn everyone_else_empty(w: &World, except: &[i64]) {
    for id in [w.kefu.staff_id, w.kefu2, w.zhuguan.staff_id, w.jingli.staff_id, w.gongtou.staff_id, w.gong, w.bao, w.zhuguan_b] {
        if !except.contains(&id) {
            assert!(inbox(w, id).await.is_empty(), "staff #{id} should have no message");
        }
    }
}

#[tokio::test]
async fn cmp_16_online_complaint_goes_at_once_to_the_cs_head_then_to_the_department_head() {
    let w = world().await;
    // Taken at the reception desk as an online message (RCP-3 starts the complaint).
    let kefu = w.app.login("kefu").await;
    let project = w.app.project_a.to_string();
    let fields =
        [("project_id", project.as_str()), ("channel", "online"), ("category", "complaint"), ("contact_name", "网友"), ("content", "论坛反映：地库照明太暗")];
    let (status, _, body) = w.app.post_form(&kefu, "/reception", &fields).await;
    assert_eq!(status, 303, "{body}");
    let mut conn = w.app.db.read().await.expect("conn");
    let (id,): (i64,) = conn.ex().fetch_one(Sql::new("SELECT id FROM complaints ORDER BY id DESC LIMIT 1")).await.expect("complaint");
    drop(conn);

    // Enqueued with the intake, delivered only by the job.
    assert_eq!(count(&w, "outbox").await, 1);
    assert!(inbox(&w, w.zhuguan.staff_id).await.is_empty(), "not delivered before the job runs");
    assert_eq!(deliver(&w).await, Delivered { delivered: 1, failed: 0 });
    // No department yet: the customer-service head of the project is told to dispatch it at once.
    assert_eq!(inbox(&w, w.zhuguan.staff_id).await, vec![c("online_complaint", id)]);
    everyone_else_empty(&w, &[w.zhuguan.staff_id]).await;

    // Dispatched: the responsible department's head answers in writing (CMP-16); not its member.
    act(&w.app.db, &w.zhuguan, id, None, &Action::Dispatch { departments: vec![w.eng] }).await.expect("dispatch");
    assert_eq!(deliver(&w).await.delivered, 1);
    assert_eq!(inbox(&w, w.gongtou.staff_id).await, vec![c("online_complaint", id)]);
    assert!(inbox(&w, w.gong).await.is_empty(), "the head, not every member");
    everyone_else_empty(&w, &[w.zhuguan.staff_id, w.gongtou.staff_id]).await;

    // The inbox page and the unread count in the top bar.
    let zg = w.app.login("zhuguan").await;
    let (status, page) = w.app.get_text(&zg, "/notifications").await;
    assert_eq!(status, 200);
    assert!(page.contains("网上投诉 HXGC/TS001") && page.contains("class=\"count\""), "subject and unread badge");
    let (_, home) = w.app.get_text(&zg, "/").await;
    assert!(home.contains("aria-label=\"未读通知\">1</span>"), "unread count in the top nav");
}

#[tokio::test]
async fn cmp_7_important_goes_to_the_cs_head_and_major_to_the_company_head() {
    let w = world().await;
    let id = complaint(&w, "楼道灯不亮", "phone", "general").await;
    assert_eq!(count(&w, "outbox").await, 0, "a general phone complaint tells nobody at intake");

    act(&w.app.db, &w.kefu, id, None, &Action::Escalate { to: Severity::Important, reason: "保安态度差".into() }).await.expect("important");
    deliver(&w).await;
    assert_eq!(inbox(&w, w.zhuguan.staff_id).await, vec![c("important_complaint", id)]);
    everyone_else_empty(&w, &[w.zhuguan.staff_id]).await;

    act(&w.app.db, &w.zhuguan, id, None, &Action::Escalate { to: Severity::Major, reason: "media".into() }).await.expect("major");
    deliver(&w).await;
    assert_eq!(inbox(&w, w.jingli.staff_id).await, vec![c("major_complaint", id)]);
    assert_eq!(inbox(&w, w.zhuguan.staff_id).await.len(), 1, "the head who escalated is not told of their own action");
    everyone_else_empty(&w, &[w.zhuguan.staff_id, w.jingli.staff_id]).await;

    // Taken in as major: the company head hears at intake.
    let major = complaint(&w, "车库车辆被盗", "phone", "major").await;
    deliver(&w).await;
    assert_eq!(inbox(&w, w.jingli.staff_id).await, vec![c("major_complaint", id), c("major_complaint", major)]);
}

#[tokio::test]
async fn cmp_7_cmp_2_the_escalation_job_reports_a_month_old_complaint_to_the_company_head() {
    let w = world().await;
    let id = complaint(&w, "噪音扰民一直没人管", "phone", "general").await;
    let later = Utc::now() + Duration::days(31);
    let r = propdesk::jobs::escalation::pass(&w.app.db, later).await.expect("pass");
    assert_eq!(r.unresolved_month, 1);
    assert_eq!(deliver_at(&w, later).await.delivered, 1);
    assert_eq!(inbox(&w, w.jingli.staff_id).await, vec![c("major_complaint", id)]);
    everyone_else_empty(&w, &[w.jingli.staff_id]).await;
    let mut conn = w.app.db.read().await.expect("conn");
    let (subject, body, link): (String, String, String) =
        conn.ex().fetch_one(Sql::new("SELECT subject, body, link FROM inbox WHERE staff_id = $1").arg(w.jingli.staff_id)).await.expect("message");
    assert_eq!(subject, "重大投诉 HXGC/TS001");
    assert!(body.starts_with("噪音扰民一直没人管\n") && body.contains("自动升级") && body.contains("CMP-7"), "{body}");
    assert_eq!(link, format!("/complaints/{id}"));
    drop(conn);
    // A second pass changes nothing and tells nobody again.
    propdesk::jobs::escalation::pass(&w.app.db, later).await.expect("pass");
    assert_eq!(deliver_at(&w, later).await.delivered, 0);
}

#[tokio::test]
async fn cmp_4_dispatch_goes_to_each_department_head_or_else_its_members() {
    let w = world().await;
    let id = complaint(&w, "电梯异响，保安不理", "phone", "general").await;
    act(&w.app.db, &w.kefu, id, None, &Action::Dispatch { departments: vec![w.eng, w.sec] }).await.expect("dispatch");
    assert_eq!(deliver(&w).await.delivered, 2);
    assert_eq!(inbox(&w, w.gongtou.staff_id).await, vec![c("dispatched", id)], "engineering's head");
    assert_eq!(inbox(&w, w.bao).await, vec![c("dispatched", id)], "security has no head on the project: its member");
    everyone_else_empty(&w, &[w.gongtou.staff_id, w.bao]).await;
}

#[tokio::test]
async fn cbk_2_a_callback_goes_to_the_role_that_makes_it_and_cbk_6_a_reopening_to_the_department() {
    let w = world().await;
    let id = complaint(&w, "绿化带积水", "phone", "general").await;
    let due = Utc::now() + Duration::days(3);
    act(&w.app.db, &w.kefu, id, None, &Action::Dispatch { departments: vec![w.eng] }).await.expect("dispatch");
    act(&w.app.db, &w.gongtou, id, None, &Action::Accept).await.expect("accept");
    act(&w.app.db, &w.gongtou, id, None, &Action::SubmitPlan { plan: "疏通排水".into(), due }).await.expect("plan");
    act(&w.app.db, &w.gongtou, id, None, &Action::Finish { result: "已疏通".into() }).await.expect("finish");
    deliver(&w).await;
    act(&w.app.db, &w.kefu, id, None, &Action::RecordOpinion { opinion: "满意".into() }).await.expect("opinion");
    assert_eq!(deliver(&w).await.delivered, 1);
    let mut conn = w.app.db.read().await.expect("conn");
    let (cb,): (i64,) = conn.ex().fetch_one(Sql::new("SELECT id FROM callbacks WHERE subject_id = $1").arg(id)).await.expect("callback");
    drop(conn);
    // General → an assistant's callback: the specialists, except the one who recorded the opinion.
    assert_eq!(inbox(&w, w.kefu2).await, vec![("callback_assigned".to_string(), "callback".to_string(), cb)]);
    assert!(inbox(&w, w.kefu.staff_id).await.is_empty());

    act(&w.app.db, &w.kefu, id, None, &Action::CallbackDone { satisfied: false }).await.expect("dissatisfied");
    deliver(&w).await;
    assert_eq!(inbox(&w, w.gongtou.staff_id).await, vec![c("dispatched", id), c("reopened", id)], "the department reworks (CBK-6)");
    everyone_else_empty(&w, &[w.gongtou.staff_id, w.kefu2]).await;
}

#[tokio::test]
async fn cmp_7_nothing_is_enqueued_when_the_change_fails() {
    let w = world().await;
    let id = complaint(&w, "楼道灯不亮", "phone", "general").await;
    // A 409: a stale version through the page.
    let kefu = w.app.login("kefu").await;
    let fields = [("action", "escalate"), ("to", "important"), ("reason", "态度差"), ("version", "99")];
    let (status, _, _) = w.app.post_form(&kefu, &format!("/complaints/{id}/act"), &fields).await;
    assert_eq!(status, 409);
    // A 409: the action does not fit (accept before dispatch).
    assert!(act(&w.app.db, &w.gongtou, id, None, &Action::Accept).await.is_err());
    assert_eq!(count(&w, "outbox").await, 0);

    // Enqueued inside the change's transaction: rolled back with it.
    let mut tx = w.app.db.begin().await.expect("tx");
    act_tx(&mut tx, &w.kefu, id, None, &Action::Escalate { to: Severity::Major, reason: "media".into() }, Utc::now()).await.expect("escalate");
    assert_eq!(tx.ex().scalar(Sql::new("SELECT COUNT(*) FROM outbox")).await.expect("count"), 1, "enqueued in the transaction");
    drop(tx);
    assert_eq!(count(&w, "outbox").await, 0, "rolled back with the change");
    assert_eq!(deliver(&w).await.delivered, 0);
    everyone_else_empty(&w, &[]).await;
}

#[tokio::test]
async fn cmp_7_another_staff_member_cannot_read_or_mark_someone_elses_message() {
    let w = world().await;
    let id = complaint(&w, "保洁不到位", "phone", "important").await;
    deliver(&w).await;
    let mut conn = w.app.db.read().await.expect("conn");
    let (msg,): (i64,) = conn.ex().fetch_one(Sql::new("SELECT id FROM inbox WHERE staff_id = $1").arg(w.zhuguan.staff_id)).await.expect("message");
    drop(conn);
    assert_eq!(inbox(&w, w.zhuguan.staff_id).await, vec![c("important_complaint", id)]);

    let jl = w.app.login("jingli").await;
    let (status, _) = w.app.get_text(&jl, &format!("/notifications/{msg}")).await;
    assert_eq!(status, 404, "another person's message is not found");
    let (status, _, _) = w.app.post_form(&jl, &format!("/notifications/{msg}/read"), &[]).await;
    assert_eq!(status, 404);
    let (status, _, _) = w.app.post_form(&jl, "/notifications/read-all", &[]).await;
    assert_eq!(status, 303);
    let unread = |w: &World| {
        let db = w.app.db.clone();
        async move {
            let mut c = db.read().await.expect("conn");
            c.ex().scalar(Sql::new("SELECT COUNT(*) FROM inbox WHERE id = $1 AND read_at IS NULL").arg(msg)).await.expect("count")
        }
    };
    assert_eq!(unread(&w).await, 1, "still unread for its owner");

    let zg = w.app.login("zhuguan").await;
    let (status, page) = w.app.get_text(&zg, &format!("/notifications/{msg}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("重要投诉 HXGC/TS001") && page.contains(&format!("href=\"/complaints/{id}\"")));
    let (status, location, _) = w.app.post_form(&zg, &format!("/notifications/{msg}/read"), &[("next", "//evil.example")]).await;
    assert_eq!((status, location.as_str()), (303, "/notifications"), "only an inbox address is followed");
    assert_eq!(unread(&w).await, 0);
    // The CSRF token is required.
    let r = zg.post(format!("{}/notifications/read-all", w.app.base)).form(&[("next", "/notifications")]).send().await.expect("post");
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn delivery_is_once_even_when_two_nodes_run_it_together() {
    let w = world().await;
    for i in 0..5 {
        complaint(&w, &format!("网上留言{i}：垃圾清运不及时"), "online", "general").await;
    }
    assert_eq!(count(&w, "outbox").await, 5);
    let now = Utc::now();
    let (a, b) = tokio::join!(deliver_due(&w.app.db, now), deliver_due(&w.app.db, now));
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a.delivered + b.delivered, 5, "{a:?} {b:?}");
    assert_eq!(count(&w, "inbox").await, 5);
    assert_eq!(deliver(&w).await.delivered, 0, "nothing is delivered twice");
    assert_eq!(inbox(&w, w.zhuguan.staff_id).await.len(), 5);
}

#[tokio::test]
async fn cmp_16_the_inbox_over_the_api_is_the_owners_only() {
    let w = world().await;
    let id = complaint(&w, "微信公众号留言：电梯停运", "online", "general").await;
    deliver(&w).await;
    let client = w.app.client();
    let get = |token: String| {
        let client = client.clone();
        let url = format!("{}/api/v1/notifications", w.app.base);
        async move {
            let r = client.get(url).bearer_auth(token).send().await.expect("get");
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.expect("json")
        }
    };
    let zg = w.app.token("zhuguan").await;
    let list = get(zg.clone()).await;
    assert_eq!((list["total"].as_i64(), list["unread"].as_i64()), (Some(1), Some(1)));
    let m = &list["items"][0];
    assert_eq!((m["kind"].as_str(), m["entity_id"].as_i64()), (Some("online_complaint"), Some(id)));
    let msg = m["id"].as_i64().expect("id");

    let jl = w.app.token("jingli").await;
    assert_eq!(get(jl.clone()).await["total"].as_i64(), Some(0), "nobody else sees it");
    let r = client.post(format!("{}/api/v1/notifications/{msg}/read", w.app.base)).bearer_auth(&jl).send().await.expect("post");
    assert_eq!(r.status(), 404);
    let r = client.post(format!("{}/api/v1/notifications/{msg}/read", w.app.base)).bearer_auth(&zg).send().await.expect("post");
    assert_eq!(r.status(), 204);
    assert_eq!(get(zg.clone()).await["unread"].as_i64(), Some(0));
    let r = client.post(format!("{}/api/v1/notifications/read-all", w.app.base)).bearer_auth(&zg).send().await.expect("post");
    assert_eq!(r.json::<serde_json::Value>().await.expect("json")["marked"].as_i64(), Some(0));
}

/// A message its channel refuses is recorded as failed and tried again later; the others in
/// the batch are still delivered (a savepoint per message, on both backends).
#[tokio::test]
async fn a_failed_delivery_is_retried_later_and_does_not_hold_up_the_others() {
    let w = world().await;
    complaint(&w, "网上留言：路灯不亮", "online", "general").await;
    complaint(&w, "网上留言：垃圾满溢", "online", "general").await;
    let refuse = "网上投诉 HXGC/TS002";
    let mut tx = w.app.db.begin().await.expect("tx");
    match w.app.db.backend() {
        propdesk_store::Backend::Sqlite => {
            let sql = format!("CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.subject = '{refuse}' BEGIN SELECT RAISE(ABORT, 'channel down'); END");
            tx.ex().execute(Sql::new(&sql)).await.expect("trigger");
        }
        propdesk_store::Backend::Postgres => {
            let f = format!(
                "CREATE FUNCTION refuse() RETURNS trigger AS $f$ BEGIN IF NEW.subject = '{refuse}' THEN RAISE EXCEPTION 'channel down'; END IF; RETURN NEW; END $f$ LANGUAGE plpgsql"
            );
            tx.ex().execute(Sql::new(&f)).await.expect("function");
            tx.ex().execute(Sql::new("CREATE TRIGGER refuse BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION refuse()")).await.expect("trigger");
        }
    }
    tx.commit().await.expect("commit");

    let now = Utc::now();
    assert_eq!(deliver_at(&w, now).await, Delivered { delivered: 1, failed: 1 });
    let mut conn = w.app.db.read().await.expect("conn");
    let (attempts, error, after): (i64, Option<String>, DateTime<Utc>) = conn
        .ex()
        .fetch_one(Sql::new("SELECT attempts, last_error, deliver_after FROM outbox WHERE subject = $1 AND delivered_at IS NULL").arg(refuse))
        .await
        .expect("failed row");
    drop(conn);
    assert_eq!(attempts, 1);
    assert!(error.is_some_and(|e| e.contains("channel down")));
    assert!(after > now, "tried again later, not at once");
    assert_eq!(deliver_at(&w, now).await, Delivered::default(), "not due again yet");

    let mut tx = w.app.db.begin().await.expect("tx");
    let drop_trigger = match w.app.db.backend() {
        propdesk_store::Backend::Sqlite => "DROP TRIGGER refuse",
        propdesk_store::Backend::Postgres => "DROP TRIGGER refuse ON inbox",
    };
    tx.ex().execute(Sql::new(drop_trigger)).await.expect("drop");
    tx.commit().await.expect("commit");
    assert_eq!(deliver_at(&w, now + Duration::minutes(2)).await.delivered, 1);
    assert_eq!(inbox(&w, w.zhuguan.staff_id).await.len(), 2);
}
