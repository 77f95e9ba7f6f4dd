//! RPT-1 board, CMP-8 end-of-day review, CMP-13/CMP-17/RPT-2 reports, CMP-15 public notice and
//! the CMP-2 escalation job (collective complaints, the lease).

mod common;

use chrono::{Duration, Utc};
use common::{TestApp, spawn_app};
use propdesk::jobs::escalation::{run_pass, take_lease};
use propdesk::ops::callback::today_range;
use propdesk::ops::complaint::{ComplaintInput, act, create};
use propdesk::ops::staff::create_department;
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::complaint::{Action, ComplaintStatus, Severity};
use propdesk_store::models::complaint as store;
use propdesk_store::models::event;
use propdesk_store::models::report::{self, Range};
use propdesk_store::{AsEx, Sql};

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

struct World {
    app: TestApp,
    dept: i64,
    eng: Actor,
    cs: Actor,
}

async fn world() -> World {
    let app = spawn_app().await;
    let dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let eng_id = app.member("gong", "工程师", "engineering", dept).await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    let a = |staff_id, role| Actor { staff_id, name: "x".into(), company_id: app.company_id, role, projects: vec![app.project_a] };
    World { eng: a(eng_id, Role::Engineering), cs: a(spec, Role::Specialist), dept, app }
}

async fn new_complaint(w: &World, who: &str, phone: &str, content: &str, severity: &str, kind: &str, reason: &str) -> i64 {
    let input = ComplaintInput {
        project_id: w.app.project_a.to_string(),
        complainant: who.into(),
        contact_phone: phone.into(),
        content: content.into(),
        severity: severity.into(),
        important_kind: kind.into(),
        major_reason: reason.into(),
        ..Default::default()
    };
    create(&w.app.db, &w.cs, &input).await.expect("create").0
}

async fn resolve(w: &World, id: i64) {
    act(&w.app.db, &w.cs, id, None, &Action::Dispatch { departments: vec![w.dept] }).await.expect("dispatch");
    act(&w.app.db, &w.eng, id, None, &Action::Accept).await.expect("accept");
    act(&w.app.db, &w.eng, id, None, &Action::SubmitPlan { plan: "限期整改".into(), due: Utc::now() + Duration::days(2) }).await.expect("plan");
    act(&w.app.db, &w.eng, id, None, &Action::Finish { result: "已整改完毕".into() }).await.expect("finish");
}

async fn exec(w: &World, sql: Sql) {
    let mut tx = w.app.db.begin().await.expect("tx");
    tx.ex().execute(sql).await.expect("exec");
    tx.commit().await.expect("commit");
}

/// The number shown after `data-count="name">` (inside an optional link).
fn count_on_page(body: &str, name: &str) -> i64 {
    let marker = format!("data-count=\"{name}\">");
    let start = body.find(&marker).unwrap_or_else(|| panic!("{name} on page")) + marker.len();
    let rest = &body[start..];
    let rest = if rest.starts_with('<') { &rest[rest.find('>').expect("tag end") + 1..] } else { rest };
    rest.chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().expect("number")
}

#[tokio::test]
async fn rpt_1_board_counts_a_due_today_and_an_overdue_complaint() {
    let w = world().await;
    let overdue = new_complaint(&w, "甲", "13800000001", "水管漏水", "general", "", "").await;
    let today = new_complaint(&w, "乙", "13800000002", "门禁失灵", "general", "", "").await;
    let later = new_complaint(&w, "丙", "13800000003", "路灯不亮", "general", "", "").await;
    for id in [overdue, today, later] {
        act(&w.app.db, &w.cs, id, None, &Action::Dispatch { departments: vec![w.dept] }).await.expect("dispatch");
    }
    let now = Utc::now();
    let (_, end_of_today) = today_range(now, TZ);
    exec(&w, Sql::new("UPDATE complaints SET next_due = $1 WHERE id = $2").arg(now - Duration::hours(2)).arg(overdue)).await;
    exec(&w, Sql::new("UPDATE complaints SET next_due = $1 WHERE id = $2").arg(now + (end_of_today - now) / 2).arg(today)).await;
    exec(&w, Sql::new("UPDATE complaints SET next_due = $1 WHERE id = $2").arg(end_of_today + Duration::days(2)).arg(later)).await;
    let c = w.app.login("kefu").await;
    let (status, body) = w.app.get_text(&c, &format!("/board?project_id={}", w.app.project_a)).await;
    assert_eq!(status, 200);
    assert_eq!((count_on_page(&body, "overdue"), count_on_page(&body, "due_today"), count_on_page(&body, "on_time")), (1, 1, 1));
    assert!(
        body.contains(&format!("/complaints?project_id={}&amp;overdue=1", w.app.project_a))
            || body.contains(&format!("/complaints?project_id={}&overdue=1", w.app.project_a))
    );
    assert!(body.contains("status=dispatched"), "status counts link to the filtered list");
    // A callback due today and an overdue one are today's callbacks.
    let cb_today = new_complaint(&w, "丁", "13800000004", "保洁不到位", "general", "", "").await;
    resolve(&w, cb_today).await;
    act(&w.app.db, &w.cs, cb_today, None, &Action::RecordOpinion { opinion: "认可".into() }).await.expect("opinion");
    exec(&w, Sql::new("UPDATE callbacks SET due_at = $1").arg(now - Duration::hours(1))).await;
    let (_, body) = w.app.get_text(&c, &format!("/board?project_id={}", w.app.project_a)).await;
    assert_eq!(count_on_page(&body, "callbacks_overdue"), 1);
    assert_eq!(count_on_page(&body, "callbacks_today"), 0);
}

#[tokio::test]
async fn cmp_8_end_of_day_review_lists_todays_dispatched_forms_and_the_button_logs_progress() {
    let w = world().await;
    let id = new_complaint(&w, "甲", "13800000001", "空调不制冷", "general", "", "").await;
    let not_dispatched = new_complaint(&w, "乙", "13800000002", "车位被占", "general", "", "").await;
    act(&w.app.db, &w.cs, id, None, &Action::Dispatch { departments: vec![w.dept] }).await.expect("dispatch");
    let c = w.app.login("kefu").await;
    let (_, body) = w.app.get_text(&c, &format!("/board?project_id={}", w.app.project_a)).await;
    assert!(body.contains(&format!("data-review=\"{id}\"")), "today's dispatched, unresolved form is reviewed");
    assert!(!body.contains(&format!("data-review=\"{not_dispatched}\"")));
    let mut conn = w.app.db.read().await.expect("conn");
    let row = store::get(&mut conn, &w.app.root, id, "").await.expect("get").expect("row");
    drop(conn);
    let v = row.version.to_string();
    let p = w.app.project_a.to_string();
    let (status, location, _) =
        w.app.post_form(&c, &format!("/board/progress/{id}"), &[("version", &v), ("project_id", &p), ("note", "日终回顾：已告知客户处理进度")]).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/board?project_id="));
    let mut conn = w.app.db.read().await.expect("conn");
    let history = event::for_entity(&mut conn, "complaint", id).await.expect("events");
    let last = history.last().expect("event");
    assert_eq!(last.action, "progress");
    assert!(last.payload.contains("已告知客户处理进度"));
    drop(conn);
    let (_, body) = w.app.get_text(&c, &format!("/board?project_id={}", w.app.project_a)).await;
    assert!(body.contains("今日已告知"));
    // A stale version is refused (someone else acted meanwhile).
    let (status, _, _) = w.app.post_form(&c, &format!("/board/progress/{id}"), &[("version", &v), ("project_id", &p)]).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn cmp_13_cmp_17_rpt_2_monthly_statistics_count_by_class_and_rates_are_computed() {
    let w = world().await;
    let general = new_complaint(&w, "甲", "13800000001", "楼道灯坏了", "general", "", "").await;
    let attitude = new_complaint(&w, "乙", "13800000002", "保安态度差", "important", "attitude", "").await;
    let major = new_complaint(&w, "丙", "13800000003", "车辆被盗", "major", "", "emergency").await;
    let invalid = new_complaint(&w, "丁", "13800000004", "邻居装修吵", "general", "", "").await;
    let _open = new_complaint(&w, "戊", "13800000005", "电梯异响", "general", "", "").await;
    resolve(&w, general).await;
    resolve(&w, attitude).await;
    act(&w.app.db, &w.cs, general, None, &Action::RecordOpinion { opinion: "满意".into() }).await.expect("opinion");
    act(&w.app.db, &w.cs, attitude, None, &Action::RecordOpinion { opinion: "满意".into() }).await.expect("opinion");
    act(&w.app.db, &w.cs, general, None, &Action::CallbackDone { satisfied: true }).await.expect("callback");
    act(&w.app.db, &w.cs, invalid, None, &Action::MarkInvalid { opinion: "非物业责任".into(), signed_by: "经理".into() }).await.expect("invalid");
    act(&w.app.db, &w.cs, invalid, None, &Action::RecordOpinion { opinion: "理解".into() }).await.expect("opinion");
    act(&w.app.db, &w.cs, invalid, None, &Action::WaiveCallback { reason: "敏感投诉".into() }).await.expect("waive");
    // All three callbacks fell due an hour ago; the attitude complaint's is still not done.
    exec(&w, Sql::new("UPDATE callbacks SET due_at = $1").arg(Utc::now() - Duration::hours(1))).await;
    let _ = major;

    let now = Utc::now();
    let month = now.with_timezone(&TZ).format("%Y-%m").to_string();
    let (from, to) = propdesk::ops::callback::month_range(propdesk_domain::values::Month::parse(&month).expect("month"), TZ);
    let mut conn = w.app.db.read().await.expect("conn");
    let counts = report::class_counts(&mut conn, &w.app.root, w.app.project_a, Range { from, to }).await.expect("counts");
    let n = |sev: &str, sub: Option<&str>| -> i64 {
        counts
            .iter()
            .filter(|c| c.severity == sev && (sub.is_none() || c.important_kind.as_deref() == sub || c.major_reason.as_deref() == sub))
            .map(|c| c.n)
            .sum()
    };
    assert_eq!((n("general", None), n("important", Some("attitude")), n("major", Some("emergency"))), (3, 1, 1));
    let rc = report::rate_counts(&mut conn, &w.app.root, w.app.project_a, Range { from, to }).await.expect("rates");
    assert_eq!((rc.total, rc.invalid, rc.handled), (5, 1, 2), "the closed-after-invalid complaint is not valid");
    drop(conn);

    let c = w.app.login("kefu").await;
    let (status, body) = w.app.get_text(&c, &format!("/reports/complaints?project_id={}&month={month}", w.app.project_a)).await;
    assert_eq!(status, 200);
    // Valid: 4; handled (resolved/awaiting/closed): 2 → 50.0%, below the 95% target.
    assert!(body.contains("50.0%") && body.contains("2 / 有效投诉 4"), "handling rate computed from the data");
    // Complaint callbacks due: general (done), attitude (overdue, pending), invalid (waived) → 2 / 3.
    assert!(body.contains("66.7%"), "callback rate computed from the data");
    assert!(body.contains("<svg") && body.contains("顾客投诉分类统计表"), "chart and table");
    assert!(body.contains("工程部：限期整改"), "the rectification plan column");
    assert!(body.contains("重要 · 态度") && body.contains("重大 · 突发事件"));
    let r = c.get(format!("{}/reports/complaints?project_id={}&month={month}&format=xlsx", w.app.base, w.app.project_a)).send().await.expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("spreadsheetml")));
    // The weekly report and the annual summary.
    let (status, body) = w.app.get_text(&c, &format!("/reports/complaints?project_id={}&period=year&year={}", w.app.project_a, &month[..4])).await;
    assert_eq!(status, 200);
    assert!(body.contains("重点案例") && body.contains("车辆被盗"), "key cases: the major complaint");
    assert!(body.contains("100.0%"), "satisfaction: the one rated callback was satisfied");
    let monday =
        now.with_timezone(&TZ).date_naive() - Duration::days(chrono::Datelike::weekday(&now.with_timezone(&TZ).date_naive()).num_days_from_monday() as i64);
    let (status, body) = w.app.get_text(&c, &format!("/reports/complaints?project_id={}&period=week&from={monday}", w.app.project_a)).await;
    assert_eq!(status, 200);
    assert!(body.contains("投诉周报") && body.contains("楼道灯坏了"));
    let (status, _) = w.app.get_text(&c, &format!("/reports/complaints?project_id={}&month=2026-13", w.app.project_a)).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn cmp_15_manager_publishes_the_months_notice_prefilled_from_frequent_topics() {
    let w = world().await;
    for (i, who) in ["甲", "乙", "丙"].iter().enumerate() {
        new_complaint(&w, who, &format!("1380000000{i}"), "地下车库照明不足", "general", "", "").await;
    }
    new_complaint(&w, "丁", "13800000009", "垃圾清运不及时", "general", "", "").await;
    w.app.staff("jingli", "manager", &[w.app.project_a]).await;
    let month = Utc::now().with_timezone(&TZ).format("%Y-%m").to_string();
    let mgr = w.app.login("jingli").await;
    let (status, body) = w.app.get_text(&mgr, &format!("/reports/notice?project_id={}&month={month}", w.app.project_a)).await;
    assert_eq!(status, 200);
    let first = body.find("地下车库照明不足（本月共 3 件）").expect("the most frequent topic first");
    let second = body.find("垃圾清运不及时（本月共 1 件）").expect("the next topic");
    assert!(first < second);
    let spec = w.app.login("kefu").await;
    let p = w.app.project_a.to_string();
    let (status, _, _) =
        w.app.post_form(&spec, "/reports/notice", &[("project_id", &p), ("month", &month), ("title", "t"), ("body", "b"), ("action", "publish")]).await;
    assert_eq!(status, 403, "publishing is the manager's");
    let fields = [
        ("project_id", p.as_str()),
        ("month", month.as_str()),
        ("title", "十一月投诉公示"),
        ("body", "一、地下车库照明不足：已增设灯具。"),
        ("action", "publish"),
    ];
    let (status, location, _) = w.app.post_form(&mgr, "/reports/notice", &fields).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/reports/notice/"));
    let (status, page) = w.app.get_text(&mgr, location.trim_end_matches("?saved=1")).await;
    assert_eq!(status, 200);
    assert!(page.contains("十一月投诉公示") && page.contains("已增设灯具") && page.contains("@page"), "a plain printable page");
    let (status, _, _) = w.app.post_form(&mgr, "/reports/notice", &fields).await;
    assert_eq!(status, 409, "a published notice is final");
    let mut conn = w.app.db.read().await.expect("conn");
    let published_by: String =
        conn.ex().fetch_one::<(String,)>(Sql::new("SELECT published_by_name FROM public_notices WHERE status = 'published'")).await.expect("notice").0;
    assert_eq!(published_by, "jingli名");
}

#[tokio::test]
async fn cmp_2_collective_escalation_at_ten_distinct_people_not_at_nine() {
    let w = world().await;
    let content = "小区东门道闸故障无法通行";
    let mut ids = Vec::new();
    for i in 0..9 {
        ids.push(new_complaint(&w, &format!("业主{i}"), &format!("139000000{i:02}"), content, "general", "", "").await);
    }
    // The same person again does not make a tenth complainant.
    ids.push(new_complaint(&w, "业主0", "13900000000", content, "general", "", "").await);
    let r = run_pass(&w.app.db, "test-node", Utc::now()).await.expect("pass").expect("lease");
    assert_eq!(r.collective, 0, "9 distinct people are not a collective complaint");
    let mut conn = w.app.db.read().await.expect("conn");
    assert_eq!(store::get(&mut conn, &w.app.root, ids[0], "").await.expect("get").expect("row").severity, Severity::General);
    drop(conn);
    ids.push(new_complaint(&w, "业主9", "13900000009", content, "general", "", "").await);
    let other = new_complaint(&w, "业主X", "13900000099", "游泳池水质差", "general", "", "").await;
    let r = run_pass(&w.app.db, "test-node", Utc::now()).await.expect("pass").expect("lease");
    assert_eq!(r.collective, 11, "every open complaint of the topic becomes major");
    assert_eq!(r.linked, 10, "linked to the first one");
    let mut conn = w.app.db.read().await.expect("conn");
    for id in &ids {
        let row = store::get(&mut conn, &w.app.root, *id, "").await.expect("get").expect("row");
        assert_eq!((row.severity, row.major_reason.as_deref()), (Severity::Major, Some("collective")));
        let history = event::for_entity(&mut conn, "complaint", *id).await.expect("events");
        assert!(history.iter().any(|e| e.action == "escalate" && e.payload.contains("collective")), "the automatic change is an event with its reason");
    }
    let row = store::get(&mut conn, &w.app.root, ids[5], "").await.expect("get").expect("row");
    assert_eq!(row.parent_id, Some(ids[0]));
    assert_eq!(store::get(&mut conn, &w.app.root, other, "").await.expect("get").expect("row").severity, Severity::General, "other topics untouched");
    drop(conn);
    let again = run_pass(&w.app.db, "test-node", Utc::now()).await.expect("pass").expect("lease");
    assert_eq!((again.collective, again.linked), (0, 0), "a second pass changes nothing");
}

#[tokio::test]
async fn cmp_2_the_lease_keeps_a_second_concurrent_pass_from_running() {
    let w = world().await;
    let id = new_complaint(&w, "甲", "13800000001", "噪音扰民", "general", "", "").await;
    let now = Utc::now() + Duration::days(31);
    // Two nodes at once: exactly one runs the pass.
    let (a, b) = tokio::join!(run_pass(&w.app.db, "node-a", now), run_pass(&w.app.db, "node-b", now));
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert!(a.is_some() != b.is_some(), "one pass runs, the other finds the lease taken: {a:?} {b:?}");
    let ran = a.or(b).expect("one ran");
    assert_eq!(ran.unresolved_month, 1);
    let holder = if run_pass(&w.app.db, "node-a", now + Duration::minutes(1)).await.expect("a").is_some() { "node-a" } else { "node-b" };
    let other = if holder == "node-a" { "node-b" } else { "node-a" };
    assert!(!take_lease(&w.app.db, other, now + Duration::minutes(5)).await.expect("lease"), "still held");
    assert!(take_lease(&w.app.db, other, now + Duration::minutes(12)).await.expect("lease"), "an expired lease passes to another node");
    let mut conn = w.app.db.read().await.expect("conn");
    let row = store::get(&mut conn, &w.app.root, id, "").await.expect("get").expect("row");
    assert_eq!((row.severity, row.status), (Severity::Major, ComplaintStatus::Received));
    let escalations = event::for_entity(&mut conn, "complaint", id).await.expect("events").into_iter().filter(|e| e.action == "escalate").count();
    assert_eq!(escalations, 1, "one event, one change");
}
