//! The complaint transaction scripts against a real database.

mod common;

use chrono::{Duration, Utc};
use common::spawn_app;
use propdesk::error::AppError;
use propdesk::ops::complaint::{ComplaintInput, act, create, escalate_overdue, escalate_overdue_in_chunks};
use propdesk::ops::staff::create_department;
use propdesk_domain::access::Actor;
use propdesk_domain::complaint::{Action, ComplaintStatus, Severity};
use propdesk_domain::sla::Policies;
use propdesk_store::models::complaint as store;
use propdesk_store::models::event;
use propdesk_store::{AsEx, Sql};

async fn engineer(app: &common::TestApp) -> (i64, Actor) {
    let dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let id = app.member("gong", "工程师", "engineering", dept).await;
    (
        dept,
        Actor {
            staff_id: id,
            name: "工程师".into(),
            company_id: app.company_id,
            role: propdesk_domain::access::Role::Engineering,
            projects: vec![app.project_a],
        },
    )
}

fn cs(app: &common::TestApp, staff_id: i64) -> Actor {
    Actor { staff_id, name: "客服".into(), company_id: app.company_id, role: propdesk_domain::access::Role::Specialist, projects: vec![app.project_a] }
}

#[tokio::test]
async fn cmp_4_cmp_11_cbk_1_a_complaint_from_intake_to_closed_callback() {
    let app = spawn_app().await;
    let (dept, eng) = engineer(&app).await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    let cs = cs(&app, spec);
    let input = ComplaintInput {
        project_id: app.project_a.to_string(),
        complainant: "王女士".into(),
        contact_phone: "13800138000".into(),
        content: "楼道灯坏了三天没人修".into(),
        ..Default::default()
    };
    let (id, number) = create(&app.db, &cs, &input).await.expect("create");
    assert_eq!(number, "HXGC/TS001", "numbered per project");
    let (_, second) = create(&app.db, &cs, &input).await.expect("create");
    assert_eq!(second, "HXGC/TS002");

    let c = act(&app.db, &cs, id, Some(1), &Action::Dispatch { departments: vec![dept] }).await.expect("dispatch");
    assert_eq!(c.status, ComplaintStatus::Dispatched);
    assert!(c.next_due.is_some(), "CMP-5 acceptance deadline");
    // Someone acting on the old version loses: 409, nothing changes.
    assert!(matches!(act(&app.db, &cs, id, Some(1), &Action::Progress { note: "x".into() }).await, Err(AppError::Conflict(_))));
    // A department that is not on the form has no part in it.
    assert!(matches!(act(&app.db, &cs, id, None, &Action::Accept).await, Err(AppError::Conflict(_))));
    act(&app.db, &eng, id, None, &Action::Accept).await.expect("accept");
    act(&app.db, &eng, id, None, &Action::SubmitPlan { plan: "更换灯具".into(), due: Utc::now() + Duration::days(2) }).await.expect("plan");
    act(&app.db, &eng, id, None, &Action::Finish { result: "已更换".into() }).await.expect("finish");
    let c = act(&app.db, &cs, id, None, &Action::RecordOpinion { opinion: "满意".into() }).await.expect("opinion");
    assert_eq!(c.status, ComplaintStatus::AwaitingCallback);
    let mut conn = app.db.read().await.expect("conn");
    let pending: i64 = conn
        .ex()
        .scalar(
            propdesk_store::Sql::new(
                "SELECT COUNT(*) FROM callbacks WHERE subject = 'complaint' AND subject_id = $1 AND status = 'pending' AND assigned_role = 'assistant'",
            )
            .arg(id),
        )
        .await
        .expect("count");
    assert_eq!(pending, 1, "CBK-1/CBK-2: one callback for an assistant");
    drop(conn);
    let c = act(&app.db, &cs, id, None, &Action::CallbackDone { satisfied: true }).await.expect("callback");
    assert_eq!(c.status, ComplaintStatus::Closed);
    let mut conn = app.db.read().await.expect("conn");
    let history = event::for_entity(&mut conn, "complaint", id).await.expect("events");
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["created", "dispatch", "accept", "submit_plan", "finish", "record_opinion", "callback_done"], "SEC-1: every step is an event");
    let depts = store::departments(&mut conn, id).await.expect("depts");
    assert_eq!(depts[0].plan, "更换灯具");
    assert_eq!(depts[0].result, "已更换");
}

#[tokio::test]
async fn cmp_2_escalation_job_makes_month_old_complaints_major_once() {
    let app = spawn_app().await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    let cs = cs(&app, spec);
    let input = ComplaintInput { project_id: app.project_a.to_string(), complainant: "李先生".into(), content: "噪音扰民".into(), ..Default::default() };
    let (id, _) = create(&app.db, &cs, &input).await.expect("create");
    let system = Actor {
        staff_id: 0,
        name: "系统".into(),
        company_id: app.company_id,
        role: propdesk_domain::access::Role::Admin,
        projects: vec![app.project_a, app.project_b],
    };
    let p = Policies::default();
    assert_eq!(escalate_overdue(&app.db, &system, Utc::now(), &p).await.expect("pass"), 0, "not yet a month old");
    let later = Utc::now() + Duration::days(31);
    assert_eq!(escalate_overdue(&app.db, &system, later, &p).await.expect("pass"), 1);
    assert_eq!(escalate_overdue(&app.db, &system, later, &p).await.expect("pass"), 0, "a second pass changes nothing");
    let mut conn = app.db.read().await.expect("conn");
    let row = store::get(&mut conn, &cs, id, "").await.expect("get").expect("row");
    assert_eq!((row.severity, row.major_reason.as_deref()), (Severity::Major, Some("unresolved_month")));
}

#[tokio::test]
async fn cmp_2_a_backlog_larger_than_a_chunk_is_raised_oldest_first_in_chunks_with_one_event_each() {
    let app = spawn_app().await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    let cs = cs(&app, spec);
    let now = Utc::now();
    let mut ids = Vec::new();
    for i in 0..7 {
        let input =
            ComplaintInput { project_id: app.project_a.to_string(), complainant: format!("业主{i}"), content: "噪音扰民".into(), ..Default::default() };
        ids.push(create(&app.db, &cs, &input).await.expect("create").0);
    }
    let major = ComplaintInput {
        project_id: app.project_a.to_string(),
        content: "已上报媒体".into(),
        severity: "major".into(),
        major_reason: "media".into(),
        ..Default::default()
    };
    let (already, _) = create(&app.db, &cs, &major).await.expect("create");
    // A backlog received 40 down to 34 days ago, listed here newest first so id order is not age order.
    let mut tx = app.db.begin().await.expect("tx");
    for (i, id) in ids.iter().chain([&already]).enumerate() {
        let at = now - Duration::days(34 + i as i64);
        tx.ex().execute(Sql::new("UPDATE complaints SET received_at = $1 WHERE id = $2").arg(at).arg(*id)).await.expect("age");
    }
    tx.commit().await.expect("commit");
    let system = Actor {
        staff_id: 0,
        name: "系统".into(),
        company_id: app.company_id,
        role: propdesk_domain::access::Role::Admin,
        projects: vec![app.project_a, app.project_b],
    };
    let p = Policies::default();
    // Chunks of 3: 3 + 3 + 1 complaints, one transaction each.
    assert_eq!(escalate_overdue_in_chunks(&app.db, &system, now, &p, 3).await.expect("pass").raised, 7);
    assert_eq!(escalate_overdue_in_chunks(&app.db, &system, now, &p, 3).await.expect("pass").raised, 0, "a second pass changes nothing");
    let mut conn = app.db.read().await.expect("conn");
    let mut chunk_times = Vec::new();
    for id in &ids {
        let row = store::get(&mut conn, &cs, *id, "").await.expect("get").expect("row");
        assert_eq!((row.severity, row.major_reason.as_deref()), (Severity::Major, Some("unresolved_month")));
        let escalations: Vec<_> =
            event::for_entity(&mut conn, "complaint", *id).await.expect("events").into_iter().filter(|e| e.action == "escalate").collect();
        assert_eq!(escalations.len(), 1, "one event per raised complaint");
        assert!(escalations[0].payload.contains("unresolved_month") && escalations[0].payload.contains("\"automatic\":true"));
        chunk_times.push(escalations[0].at);
    }
    // Oldest first: the three oldest (the last three created) went in the first chunk.
    let first = chunk_times.iter().min().copied().expect("times");
    assert_eq!(chunk_times[4..], [first, first, first], "the oldest three in the first chunk");
    assert!(chunk_times[1] > first && chunk_times[1..4] == [chunk_times[1]; 3], "then the next three");
    assert!(chunk_times[0] > chunk_times[1], "then the newest");
    let untouched = event::for_entity(&mut conn, "complaint", already).await.expect("events");
    assert!(untouched.iter().all(|e| e.action != "escalate"), "an already major complaint is not raised again");
}

#[tokio::test]
async fn cmp_3_intake_validates_and_sec_2_scopes_by_project() {
    let app = spawn_app().await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    let cs = cs(&app, spec);
    let bad = ComplaintInput { project_id: app.project_a.to_string(), contact_phone: "12345".into(), content: "".into(), ..Default::default() };
    match create(&app.db, &cs, &bad).await {
        Err(AppError::Invalid(e)) => assert!(e.get("contact_phone").is_some() && e.get("content").is_some()),
        other => panic!("expected field errors, got {other:?}"),
    }
    let other_project = ComplaintInput { project_id: app.project_b.to_string(), content: "x".into(), ..Default::default() };
    assert!(matches!(create(&app.db, &cs, &other_project).await, Err(AppError::Invalid(_))));
    // CMP-1: severity suggested from the content when staff leave it blank.
    let theft = ComplaintInput { project_id: app.project_a.to_string(), content: "地下车库电动车被盗".into(), ..Default::default() };
    let (id, _) = create(&app.db, &cs, &theft).await.expect("create");
    let mut conn = app.db.read().await.expect("conn");
    let row = store::get(&mut conn, &cs, id, "").await.expect("get").expect("row");
    assert_eq!((row.severity, row.major_reason.as_deref()), (Severity::Major, Some("emergency")));
}

#[tokio::test]
async fn cmp_2_duplicate_reports_are_offered_and_merged_under_a_parent() {
    use propdesk::ops::org::{UnitInput, create_unit};
    let app = spawn_app().await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    let cs = cs(&app, spec);
    let mut units = Vec::new();
    for no in ["A-101", "A-102"] {
        let u =
            UnitInput { building_id: app.building_a.to_string(), unit_no: no.into(), kind: "shop".into(), building_area: "80".into(), ..Default::default() };
        units.push(create_unit(&app.db, &app.root, &u).await.expect("unit"));
    }
    let report = |unit: i64, who: &str, text: &str| ComplaintInput {
        project_id: app.project_a.to_string(),
        unit_id: unit.to_string(),
        complainant: who.into(),
        content: text.into(),
        ..Default::default()
    };
    let (first, _) = create(&app.db, &cs, &report(units[0], "张先生", "A座电梯坏了，有人被困")).await.expect("first");
    let (second, _) = create(&app.db, &cs, &report(units[1], "李女士", "A座电梯又坏了，困人了")).await.expect("second");
    let (other, _) = create(&app.db, &cs, &report(units[1], "李女士", "门口垃圾没人清理")).await.expect("other");
    let mut conn = app.db.read().await.expect("conn");
    let offered = propdesk::ops::duplicates::candidates(&mut conn, &cs, second).await.expect("candidates");
    let ids: Vec<i64> = offered.iter().map(|l| l.id).collect();
    assert_eq!(ids, vec![first], "the lift report is offered, the rubbish one is not (other = {other})");
    drop(conn);
    let c = app.login("kefu").await;
    let (s, _, _) = app.post_form(&c, &format!("/complaints/{second}/merge"), &[("parent_id", &first.to_string())]).await;
    assert_eq!(s, 303);
    let (_, page) = app.get_text(&c, &format!("/complaints/{first}")).await;
    assert!(page.contains("合并的重复投诉"), "the parent lists what was merged under it");
    // A merged report cannot become a parent, and merging twice is refused.
    let (s, _, _) = app.post_form(&c, &format!("/complaints/{other}/merge"), &[("parent_id", &second.to_string())]).await;
    assert_eq!(s, 422);
    let (s, _, _) = app.post_form(&c, &format!("/complaints/{second}/merge"), &[("parent_id", &other.to_string())]).await;
    assert_eq!(s, 409);
}
