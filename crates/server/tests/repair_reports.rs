//! REP-13 repair case write-ups (from a closed work order, searched like the complaint case
//! library, scoped by project) and the monthly repair report (RPT-2 for repairs) checked
//! against a small hand-built month, over HTTP, on SQLite and (TEST_DATABASE_URL) PostgreSQL.

mod common;

use chrono::{DateTime, Utc};
use common::{PASSWORD, TestApp, spawn_app};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk::ops::staff::{StaffInput, create_department, create_staff};
use propdesk_store::models::repair_report as store;
use propdesk_store::models::report::Range;
use propdesk_store::{AsEx, Sql};
use serde_json::{Value, json};

const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";

struct World {
    app: TestApp,
    eng_dept: i64,
    engineer: i64,
    cs: String,
    eng: String,
    unit: i64,
}

async fn world() -> World {
    let app = spawn_app().await;
    let eng_dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    app.staff("kefu", "specialist", &[app.project_a]).await;
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
    let input =
        UnitInput { building_id: app.building_a.to_string(), unit_no: "A-101".into(), kind: "shop".into(), building_area: "100".into(), ..Default::default() };
    let unit = create_unit(&app.db, &app.root, &input).await.expect("unit");
    let (cs, eng) = (app.token("kefu").await, app.token("gong").await);
    World { app, eng_dept, engineer, cs, eng, unit }
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

async fn create(w: &World, token: &str, body: Value) -> i64 {
    let (s, d) = post(w, token, "/api/v1/work-orders", body).await;
    assert_eq!(s, 201, "{d}");
    d["id"].as_i64().expect("id")
}

async fn new_order(w: &World, content: &str, category: &str) -> i64 {
    let body = json!({"project_id": w.app.project_a, "unit_id": w.unit, "owner_name": "王先生", "contact_phone": "13800138000",
        "content": content, "available_times": "工作日晚上", "category": category});
    create(w, &w.cs, body).await
}

/// A repair through to its satisfied callback: closed.
async fn closed(w: &World) -> i64 {
    let id = new_order(w, "卫生间地漏反水，楼下天花板渗水", "leak").await;
    let steps = [
        (&w.cs, json!({"action": "dispatch", "department_id": w.eng_dept, "assignee_id": w.engineer})),
        (&w.eng, json!({"action": "arrive", "note": "x", "evidence": "照片", "shut_off": "not_needed"})),
        (&w.eng, json!({"action": "start", "plan": "重做防水层"})),
        (&w.eng, json!({"action": "finish", "result": "已重做防水并闭水试验"})),
        (&w.eng, json!({"action": "record_test", "owner_present": true, "office_present": true, "passed": true})),
        (&w.eng, json!({"action": "sign_off", "signed_by": "王先生", "signature": PNG})),
        (&w.cs, json!({"action": "callback_done", "satisfied": true})),
    ];
    for (token, body) in steps {
        let (s, d) = post(w, token, &format!("/api/v1/work-orders/{id}/actions"), body).await;
        assert_eq!(s, 200, "{d}");
    }
    id
}

fn case_body() -> Value {
    json!({
        "title": "卫生间地漏防水收口不严导致渗漏",
        "problem": "业主卫生间地漏周边反水，楼下天花板渗水",
        "cause": "地漏与楼板之间防水附加层缺失，施工时未做闭水试验",
        "handling": "凿开地面，重做防水附加层，闭水试验 48 小时合格后恢复",
        "lesson_design": "",
        "lesson_construction": "地漏、管根等节点必须做防水附加层并闭水试验后方可隐蔽",
        "lesson_sales": "",
    })
}

async fn scalar(app: &TestApp, sql: Sql) -> i64 {
    let mut c = app.db.read().await.expect("conn");
    c.ex().scalar(sql).await.expect("scalar")
}

async fn exec(app: &TestApp, sql: Sql) {
    let mut tx = app.db.begin().await.expect("tx");
    tx.ex().execute(sql).await.expect("execute");
    tx.commit().await.expect("commit");
}

fn fields(body: &Value) -> Vec<String> {
    let mut f: Vec<String> =
        body["error"]["fields"].as_array().map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect()).unwrap_or_default();
    f.sort();
    f
}

fn titles(body: &Value) -> Vec<String> {
    body["items"].as_array().map(|a| a.iter().filter_map(|k| k["title"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn q(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn rep_13_a_closed_repair_is_written_up_and_found_by_its_words() {
    let w = world().await;
    let id = closed(&w).await;
    let (s, k) = post(&w, &w.eng, &format!("/api/v1/work-orders/{id}/case"), case_body()).await;
    assert_eq!(s, 201, "{k}");
    assert_eq!((k["work_order_number"].as_str(), k["category"].as_str()), (Some("HXGC/WXWT001"), Some("leak")), "the order's category by default");
    assert_eq!(k["written_by"], "工程师");
    let case_id = k["id"].as_i64().expect("id");
    // One event with the case; one search entry written with it.
    let events =
        scalar(&w.app, Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'repair_case' AND entity_id = $1 AND action = 'written'").arg(case_id)).await;
    assert_eq!(events, 1);

    // Found by two-character words of any field, by the order's number and by one character
    // (the LIKE path); not by words it does not contain.
    for hit in ["渗漏", "附加层", "闭水试验", "WXWT001", "漏"] {
        let (s, l) = get(&w, &w.cs, &format!("/api/v1/repair-cases?q={}", q(hit))).await;
        assert_eq!((s, titles(&l)), (200, vec!["卫生间地漏防水收口不严导致渗漏".to_string()]), "{hit}");
    }
    for miss in ["电梯", "防水渗漏"] {
        let (_, l) = get(&w, &w.cs, &format!("/api/v1/repair-cases?q={}", q(miss))).await;
        assert_eq!(l["total"], 0, "{miss}: {l}");
    }
    let (_, l) = get(&w, &w.cs, "/api/v1/repair-cases?category=water").await;
    assert_eq!(l["total"], 0, "filtered by category");
    let (s, one) = get(&w, &w.cs, &format!("/api/v1/repair-cases/{case_id}")).await;
    assert_eq!((s, one["lesson_construction"].as_str()), (200, Some("地漏、管根等节点必须做防水附加层并闭水试验后方可隐蔽")));

    // One case per repair.
    let (s, _) = post(&w, &w.eng, &format!("/api/v1/work-orders/{id}/case"), case_body()).await;
    assert_eq!(s, 409);
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM repair_cases")).await, 1);

    // Pages: the library is a tab next to the complaint case library, the order links to its case.
    let c = w.app.login("kefu").await;
    let (s, page) = w.app.get_text(&c, &format!("/repair-cases?q={}", q("防水"))).await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("/repair-cases/{case_id}")) && page.contains("/complaints/cases"), "listed, with the complaint library's tab");
    let (_, page) = w.app.get_text(&c, "/complaints/cases").await;
    assert!(page.contains("href=\"/repair-cases\""), "the complaint case library links to the repair cases");
    let (_, page) = w.app.get_text(&c, &format!("/work-orders/{id}")).await;
    assert!(page.contains(&format!("/repair-cases/{case_id}")) && !page.contains(&format!("/work-orders/{id}/case\"")), "the order links to its case");
    let (s, page) = w.app.get_text(&c, &format!("/repair-cases/{case_id}")).await;
    assert!(s == 200 && page.contains("地漏与楼板之间防水附加层缺失"));
    let r = c.get(format!("{}/repair-cases?format=xlsx", w.app.base)).send().await.expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
}

#[tokio::test]
async fn rep_13_only_a_closed_order_is_written_up_and_every_missing_field_is_named() {
    let w = world().await;
    let open = new_order(&w, "客厅插座没电", "electric").await;
    let (s, body) = post(&w, &w.eng, &format!("/api/v1/work-orders/{open}/case"), case_body()).await;
    assert_eq!(s, 409, "an open order is not a finished repair: {body}");
    let id = closed(&w).await;
    let (s, body) = post(&w, &w.eng, &format!("/api/v1/work-orders/{id}/case"), json!({"title": " ", "category": "lift"})).await;
    assert_eq!(s, 422);
    assert_eq!(fields(&body), ["category", "cause", "handling", "lesson_design", "problem", "title"], "{body}");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM repair_cases")).await, 0, "nothing half-saved");
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM events WHERE entity = 'repair_case'")).await, 0);

    // On the page: the form starts from the order's own words; a missing lesson is said in Chinese.
    let c = w.app.login("gong").await;
    let (s, form) = w.app.get_text(&c, &format!("/work-orders/{id}/case")).await;
    assert!(s == 200 && form.contains("已重做防水并闭水试验"), "handling drafted from the order's result");
    let mut form: Vec<(&str, &str)> =
        vec![("title", "地漏渗漏"), ("category", "leak"), ("problem", "地漏反水"), ("cause", "防水附加层缺失"), ("handling", "重做防水")];
    let (s, _, page) = w.app.post_form(&c, &format!("/work-orders/{id}/case"), &form).await;
    assert_eq!(s, 422);
    assert!(page.contains("请至少填写一条对设计、施工或营销的经验教训"), "the reason in Chinese");
    form.push(("lesson_design", "卫生间降板高度应满足地漏安装"));
    let (s, location, _) = w.app.post_form(&c, &format!("/work-orders/{id}/case"), &form).await;
    assert_eq!(s, 303);
    assert!(location.starts_with("/repair-cases/"), "{location}");
    // A second try from a stale form is a conflict.
    let (s, _, _) = w.app.post_form(&c, &format!("/work-orders/{id}/case"), &form).await;
    assert_eq!(s, 409);

    // Staff outside the repair roles may read the library but not write.
    w.app.staff("bao", "security", &[w.app.project_a]).await;
    let guard = w.app.token("bao").await;
    let other = closed(&w).await;
    let (s, _) = post(&w, &guard, &format!("/api/v1/work-orders/{other}/case"), case_body()).await;
    assert_eq!(s, 403);
    let (s, l) = get(&w, &guard, "/api/v1/repair-cases").await;
    assert_eq!((s, l["total"].as_i64()), (200, Some(1)));
}

#[tokio::test]
async fn rep_13_another_projects_cases_are_not_found() {
    let w = world().await;
    let id = closed(&w).await;
    let (_, k) = post(&w, &w.eng, &format!("/api/v1/work-orders/{id}/case"), case_body()).await;
    let case_id = k["id"].as_i64().expect("id");
    w.app.staff("lhy", "manager", &[w.app.project_b]).await;
    let b = w.app.token("lhy").await;
    let (s, l) = get(&w, &b, &format!("/api/v1/repair-cases?q={}", q("渗漏"))).await;
    assert_eq!((s, l["total"].as_i64()), (200, Some(0)));
    let (s, _) = get(&w, &b, &format!("/api/v1/repair-cases/{case_id}")).await;
    assert_eq!(s, 404);
    let (s, _) = post(&w, &b, &format!("/api/v1/work-orders/{id}/case"), case_body()).await;
    assert_eq!(s, 404, "another project's order is not found");
}

// ---------- the monthly repair report ----------

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

/// Sets an order's facts as the hand-built month needs them.
#[allow(clippy::too_many_arguments)]
async fn shape(
    w: &World,
    id: i64,
    received: &str,
    category: &str,
    kind: &str,
    emergency: bool,
    status: &str,
    on_time: [Option<bool>; 5],
    next_due: Option<&str>,
    responsibility: Option<&str>,
    paid: bool,
) {
    let sql = Sql::new(
        "UPDATE work_orders SET received_at = $1, category = $2, location_kind = $3, location = 'x', emergency = $4, status = $5, accept_on_time = $6,
         on_site_on_time = $7, finish_on_time = $8, sign_off_on_time = $9, callback_on_time = $10, next_due = $11, responsibility = $12, paid_repair = $13
         WHERE id = $14",
    )
    .arg(t(received))
    .arg(category)
    .arg(kind)
    .arg(emergency)
    .arg(status)
    .arg(on_time[0])
    .arg(on_time[1])
    .arg(on_time[2])
    .arg(on_time[3])
    .arg(on_time[4])
    .arg(next_due.map(t))
    .arg(responsibility)
    .arg(paid)
    .arg(id);
    exec(&w.app, sql).await;
}

async fn callback(w: &World, project: i64, order: i64, status: &str, done_at: &str, ratings: (i64, i64, i64), satisfied: bool) {
    let sql = Sql::new(
        "INSERT INTO callbacks (project_id, subject, subject_id, due_at, assigned_role, status, satisfied, quality, speed, attitude, done_at, created_at)
         VALUES ($1, 'repair', $2, $3, 'assistant', $4, $5, $6, $7, $8, $9, $3)",
    )
    .arg(project)
    .arg(order)
    .arg(t(done_at))
    .arg(status)
    .arg(satisfied)
    .arg(ratings.0)
    .arg(ratings.1)
    .arg(ratings.2)
    .arg(t(done_at));
    exec(&w.app, sql).await;
}

/// The text after `marker` up to the next `<`.
fn cell<'a>(page: &'a str, marker: &str) -> &'a str {
    let start = page.find(marker).unwrap_or_else(|| panic!("{marker} on page")) + marker.len();
    let rest = &page[start..];
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

#[tokio::test]
async fn rpt_2_monthly_repair_report_counts_a_hand_built_month() {
    let w = world().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(new_order(&w, "报修", "other").await);
    }
    // Project B's order, in the same month.
    w.app.staff("lhy", "specialist", &[w.app.project_b]).await;
    let b_token = w.app.token("lhy").await;
    let b = create(
        &w,
        &b_token,
        json!({"project_id": w.app.project_b, "location_kind": "public_area", "location": "1栋大堂", "owner_name": "巡查员",
        "contact_phone": "13900000000", "content": "大堂灯不亮", "category": "electric"}),
    )
    .await;
    let y = Some(true);
    let n = Some(false);
    // October 2026 in Asia/Shanghai is [2026-09-30T16:00Z, 2026-10-31T16:00Z).
    shape(&w, ids[0], "2026-10-10T02:00:00Z", "water", "in_unit", true, "closed", [y, y, y, y, y], None, Some("contractor"), false).await;
    shape(&w, ids[1], "2026-10-10T03:00:00Z", "electric", "in_unit", false, "closed", [y, n, y, n, y], None, Some("owner"), true).await;
    shape(
        &w,
        ids[2],
        "2026-09-30T17:00:00Z",
        "leak",
        "public_area",
        true,
        "in_repair",
        [y, y, None, None, None],
        Some("2026-10-12T00:00:00Z"),
        Some("developer"),
        false,
    )
    .await;
    shape(&w, ids[3], "2026-10-31T15:00:00Z", "water", "public_area", false, "cancelled", [n, None, None, None, None], None, None, false).await;
    // Outside the month (local 1 October 00:00 is 30 September 16:00Z; this is 15:59Z).
    shape(&w, ids[4], "2026-09-30T15:59:00Z", "water", "in_unit", true, "closed", [y, y, y, y, y], None, Some("contractor"), false).await;
    shape(&w, b, "2026-10-15T02:00:00Z", "electric", "public_area", true, "closed", [y, y, y, y, n], None, Some("contractor"), false).await;
    callback(&w, w.app.project_a, ids[0], "done", "2026-10-20T02:00:00Z", (5, 4, 5), true).await;
    callback(&w, w.app.project_a, ids[1], "done", "2026-10-21T02:00:00Z", (3, 2, 4), false).await;
    callback(&w, w.app.project_a, ids[4], "done", "2026-09-20T02:00:00Z", (1, 1, 1), false).await;
    callback(&w, w.app.project_b, b, "done", "2026-10-22T02:00:00Z", (1, 1, 1), false).await;

    // At the store: one project.
    let a = [w.app.project_a];
    let r = Range { from: t("2026-09-30T16:00:00Z"), to: t("2026-10-31T16:00:00Z") };
    let mut c = w.app.db.read().await.expect("conn");
    let mut classes: Vec<(String, String, i64, i64, i64, i64)> = store::class_counts(&mut c, &w.app.root, &a, r)
        .await
        .expect("classes")
        .into_iter()
        .map(|k| (k.category, k.location_kind, k.total, k.emergencies, k.closed, k.cancelled))
        .collect();
    classes.sort();
    assert_eq!(
        classes,
        vec![
            ("electric".into(), "in_unit".into(), 1, 0, 1, 0),
            ("leak".into(), "public_area".into(), 1, 1, 0, 0),
            ("water".into(), "in_unit".into(), 1, 1, 1, 0),
            ("water".into(), "public_area".into(), 1, 0, 0, 1),
        ]
    );
    let s = store::stage_counts(&mut c, &w.app.root, &a, r).await.expect("stages");
    assert_eq!((s.accept_done, s.accept_on_time), (4, 3));
    assert_eq!((s.on_site_done, s.on_site_on_time), (3, 2));
    assert_eq!((s.finish_done, s.finish_on_time), (2, 2));
    assert_eq!((s.sign_off_done, s.sign_off_on_time), (2, 1));
    assert_eq!((s.callback_done, s.callback_on_time), (2, 2));
    let cb = store::callback_ratings(&mut c, &w.app.root, &a, r).await.expect("callbacks");
    assert_eq!((cb.done, cb.quality_sum, cb.speed_sum, cb.attitude_sum, cb.answered, cb.satisfied), (2, 8, 6, 9, 2, 1));
    drop(c);
    // Cost by responsibility: the contractor's order has an agreed amount (REP-11), the owner's
    // paid repair an agreed fee (REP-12); the developer's fee is still being quoted, so it costs nothing yet.
    exec(&w.app, Sql::new("UPDATE work_orders SET agreed_amount = 120050 WHERE id = $1").arg(ids[0])).await;
    for (order, status, total) in [(ids[1], "agreed", 8_000), (ids[2], "quoting", 9_999)] {
        exec(
            &w.app,
            Sql::new("INSERT INTO repair_fees (work_order_id, project_id, status, total, created_at) VALUES ($1, $2, $3, $4, $5)")
                .arg(order)
                .arg(w.app.project_a)
                .arg(status)
                .arg(total)
                .arg(Utc::now()),
        )
        .await;
    }
    let mut c = w.app.db.read().await.expect("conn");
    let mut resp: Vec<(Option<String>, i64, i64, i64)> = store::responsibility_counts(&mut c, &w.app.root, &a, r)
        .await
        .expect("resp")
        .into_iter()
        .map(|x| (x.responsibility, x.total, x.paid, x.cost_fen))
        .collect();
    resp.sort();
    assert_eq!(
        resp,
        vec![(None, 1, 0, 0), (Some("contractor".into()), 1, 0, 120_050), (Some("developer".into()), 1, 0, 0), (Some("owner".into()), 1, 1, 8_000)],
        "REP-11/REP-12 cost by responsibility"
    );
    let overdue = store::overdue_counts(&mut c, &w.app.root, &a, r, Utc::now()).await.expect("overdue");
    assert_eq!(overdue.iter().map(|o| (o.status.as_str(), o.n)).collect::<Vec<_>>(), vec![("in_repair", 1)]);
    // A project the actor does not see is left out even when asked for.
    let kefu = propdesk_domain::access::Actor { projects: vec![w.app.project_a], ..w.app.root.clone() };
    let both = store::stage_counts(&mut c, &kefu, &[w.app.project_a, w.app.project_b], r).await.expect("stages");
    assert_eq!(both.accept_done, 4);
    drop(c);

    // On the page: project A, then all projects of a user who sees both.
    let cl = w.app.login("kefu").await;
    let (s, page) = w.app.get_text(&cl, &format!("/reports/repairs?project_id={}&month=2026-10", w.app.project_a)).await;
    assert_eq!(s, 200);
    assert_eq!(cell(&page, "data-count=\"total\">"), "4");
    assert_eq!(cell(&page, "data-count=\"emergencies\">"), "2");
    assert_eq!((cell(&page, "data-count=\"in_unit\">"), cell(&page, "data-count=\"public_area\">")), ("2", "2"));
    assert_eq!(cell(&page, "data-rate=\"accept\">"), "75.0%");
    assert_eq!(cell(&page, "data-rate=\"on_site\">"), "66.7%");
    assert_eq!(cell(&page, "data-rate=\"sign_off\">"), "50.0%");
    assert_eq!(cell(&page, "data-score=\"quality\">"), "4.00");
    assert_eq!(cell(&page, "data-score=\"speed\">"), "3.00");
    assert_eq!(cell(&page, "data-score=\"attitude\">"), "4.50");
    assert!(cell(&page, "data-rate=\"satisfaction\">").starts_with("50.0% (1 / 2)"));
    assert!(page.contains("data-responsibility=\"owner\"><td>业主（有偿维修）</td><td class=\"num\">1</td><td class=\"num\">1</td>"), "owner-caused, paid");
    let (s, page) = w.app.get_text(&cl, &format!("/reports/repairs?project_id={}&month=2026-10", w.app.project_b)).await;
    assert_eq!(s, 404, "a project the caller does not see: {}", page.len());
    let (s, page) = w.app.get_text(&cl, "/reports/repairs?month=2026-13").await;
    assert_eq!(s, 422);
    assert!(!page.contains("<span class=\"error\"></span>"), "the month's reason is given");

    w.app.staff("jingli", "manager", &[w.app.project_a, w.app.project_b]).await;
    let m = w.app.login("jingli").await;
    let (_, page) = w.app.get_text(&m, "/reports/repairs?project_id=&month=2026-10").await;
    assert_eq!(cell(&page, "data-count=\"total\">"), "5", "all the caller's projects");
    assert_eq!(cell(&page, "data-count=\"callbacks\">"), "3");
    let r = m.get(format!("{}/reports/repairs?project_id=&month=2026-10&format=xlsx", w.app.base)).send().await.expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"), "an .xlsx (zip) file");
    let (_, page) = w.app.get_text(&m, "/reports/complaints").await;
    assert!(page.contains("/reports/repairs"), "reachable from the reports menu");

    // Roles without the report: 403.
    w.app.staff("bao", "security", &[w.app.project_a]).await;
    let g = w.app.login("bao").await;
    let (s, _) = w.app.get_text(&g, "/reports/repairs").await;
    assert_eq!(s, 403);
}

// ---------- the work-order list's search index (issue #4: `q` at a million orders) ----------

#[tokio::test]
async fn rep_1_work_order_search_goes_through_the_index_and_old_rows_are_backfilled() {
    let w = world().await;
    let leak = new_order(&w, "厨房水龙头漏水，请尽快上门", "water").await;
    new_order(&w, "客厅插座没电", "electric").await;
    let ids = |l: &Value| -> Vec<i64> { l["items"].as_array().map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect()).unwrap_or_default() };
    for (query, expected) in [("漏水", vec![leak]), ("水龙头漏", vec![leak]), ("WXWT001", vec![leak]), ("漏", vec![leak]), ("电梯", vec![])] {
        let (s, l) = get(&w, &w.cs, &format!("/api/v1/work-orders?q={}", q(query))).await;
        assert_eq!((s, ids(&l), l["more"].as_bool()), (200, expected, Some(false)), "{query}: {l}");
    }
    // Written with the order: nothing is waiting for the backfill.
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM work_orders WHERE search_version = 0")).await, 0);

    // A row from before the index: searches fall back to LIKE (and still find it) until the
    // backfill has indexed it.
    let sqlite = w.app.db.backend() == propdesk_store::Backend::Sqlite;
    if sqlite {
        exec(&w.app, Sql::new("DELETE FROM work_order_search WHERE rowid = $1").arg(leak)).await;
        exec(&w.app, Sql::new("UPDATE work_orders SET search_version = 0 WHERE id = $1").arg(leak)).await;
    } else {
        exec(&w.app, Sql::new("UPDATE work_orders SET search_version = 0, search = NULL WHERE id = $1").arg(leak)).await;
    }
    let (_, l) = get(&w, &w.cs, &format!("/api/v1/work-orders?q={}", q("漏水"))).await;
    assert_eq!(ids(&l), vec![leak], "found by the LIKE scan while rows wait for their entries");
    let n = propdesk::ops::work_order::index_search_backlog(&w.app.db).await.expect("backfill");
    assert_eq!(n, 1);
    assert_eq!(scalar(&w.app, Sql::new("SELECT COUNT(*) FROM work_orders WHERE search_version = 0")).await, 0);
    let (_, l) = get(&w, &w.cs, &format!("/api/v1/work-orders?q={}", q("漏水"))).await;
    assert_eq!(ids(&l), vec![leak], "found through the index again");
    let c = w.app.login("kefu").await;
    let (s, page) = w.app.get_text(&c, &format!("/work-orders?q={}", q("漏水"))).await;
    assert!(s == 200 && page.contains(&format!("/work-orders/{leak}")));
}

#[tokio::test]
async fn rep_10_a_work_order_number_or_its_start_is_looked_up_by_the_number_index() {
    let w = world().await;
    let first = new_order(&w, "厨房水龙头漏水", "water").await;
    let mut a = vec![first];
    for _ in 0..10 {
        a.push(new_order(&w, "客厅插座没电", "electric").await);
    }
    // HXGC/WXWT011's text mentions the first order's number.
    let mention = new_order(&w, "返修，原单 HXGC/WXWT001 未修好", "water").await;
    w.app.staff("lhy", "specialist", &[w.app.project_b]).await;
    let body = json!({"project_id": w.app.project_b, "location_kind": "public_area", "location": "1栋大堂", "owner_name": "巡查员",
        "contact_phone": "13900000000", "content": "大堂灯不亮", "category": "electric"});
    let b1 = create(&w, &w.app.token("lhy").await, body).await;
    w.app.staff("jingli", "manager", &[w.app.project_a, w.app.project_b]).await;
    let both = w.app.token("jingli").await;

    // The n-gram index does not hold the first order any more: only the number index finds it.
    if w.app.db.backend() == propdesk_store::Backend::Sqlite {
        exec(&w.app, Sql::new("DELETE FROM work_order_search WHERE rowid = $1").arg(first)).await;
    } else {
        exec(&w.app, Sql::new("UPDATE work_orders SET search = CAST('' AS tsvector) WHERE id = $1").arg(first)).await;
    }
    let ids = |l: &Value| -> Vec<i64> { l["items"].as_array().map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect()).unwrap_or_default() };
    let pb = w.app.project_b;
    for (token, query, expected) in [
        (&w.cs, " HXGC/WXWT001 ", vec![first]),
        // A typed code that ends the project's code; a number's start.
        (&w.cs, "GC/WXWT001", vec![first]),
        (&w.cs, "WXWT010", vec![a[9]]),
        // Numbers only: the order whose text mentions the number is not a result.
        (&w.cs, "WXWT001", vec![first]),
        (&both, "WXWT001", vec![b1, first]),
        (&w.cs, "LHY/WXWT001", vec![]),
        (&both, "LHY/WXWT001", vec![b1]),
        (&both, "XX/WXWT001", vec![]),
        (&w.cs, "HXGC/WXWT0012", vec![]),
    ] {
        let (s, l) = get(&w, token, &format!("/api/v1/work-orders?q={}", q(query))).await;
        assert_eq!((s, ids(&l), l["total"].as_i64(), l["more"].as_bool()), (200, expected.clone(), Some(expected.len() as i64), Some(false)), "{query}");
    }
    let (_, l) = get(&w, &both, &format!("/api/v1/work-orders?project_id={pb}&q={}", q("WXWT001"))).await;
    assert_eq!(ids(&l), vec![b1], "the project filter holds");
    // Two digits begin too many numbers: the n-gram index answers (012 is the mention).
    let (_, l) = get(&w, &w.cs, &format!("/api/v1/work-orders?q={}", q("WXWT01"))).await;
    assert_eq!(ids(&l), vec![mention, a[10], a[9]]);
    let c = w.app.login("kefu").await;
    let (s, page) = w.app.get_text(&c, &format!("/work-orders?q={}", q("HXGC/WXWT001"))).await;
    assert!(s == 200 && page.contains(&format!("/work-orders/{first}\"")) && !page.contains(&format!("/work-orders/{mention}\"")));
}

#[tokio::test]
async fn rep_1_a_common_word_in_one_project_is_counted_exactly_through_either_walk() {
    use propdesk_domain::access::{Actor, Role};
    use propdesk_domain::work_order::{LocationKind, RepairCategory, WorkOrderStatus};
    use propdesk_store::Page;
    use propdesk_store::models::search_index::{Drive, FTS_WALK_MAX, Text, WORK_ORDERS, text_of};
    use propdesk_store::models::work_order::{self as orders, Filter, NewWorkOrder};
    let w = world().await;
    let (pa, pb) = (w.app.project_a, w.app.project_b);
    // More index matches than a count walks, one in 200 of them in project A.
    let now = Utc::now();
    let mut tx = w.app.db.begin().await.expect("tx");
    let mut in_a = Vec::new();
    for i in 0..FTS_WALK_MAX + 100 {
        let project_id = if i % 200 == 0 { pa } else { pb };
        let number = format!("T/WXWT{i:05}");
        let n = NewWorkOrder {
            project_id,
            number: &number,
            reception_id: None,
            unit_id: None,
            party_id: None,
            location_kind: LocationKind::PublicArea,
            location: "1栋大堂",
            owner_name: "巡查员",
            contact_phone: "",
            content: "大堂顶棚漏水",
            available_times: "",
            appointment_at: None,
            category: RepairCategory::Leak,
            emergency: false,
            received_at: now,
            accept_due: None,
            on_site_due: None,
        };
        let id = orders::insert(&mut tx, &n, now).await.expect("insert");
        if project_id == pa {
            in_a.push(id);
        }
    }
    tx.commit().await.expect("commit");
    in_a.reverse();
    let actor = Actor { staff_id: 0, name: "经理".into(), company_id: w.app.company_id, role: Role::Manager, projects: vec![pa, pb] };
    let mut c = w.app.db.read().await.expect("conn");
    let text = text_of(&mut c, &WORK_ORDERS, Some("漏水")).await.expect("text");
    let drive = WORK_ORDERS.count_drive(&mut c, &text, true).await.expect("drive");
    let expected = if matches!(text, Text::Fts { .. }) { Drive::Filters } else { Drive::Matches };
    assert_eq!(drive, expected, "SQLite walks the filters' orders; PostgreSQL's GIN has no walk to choose");
    assert_eq!(WORK_ORDERS.count_drive(&mut c, &text, false).await.expect("drive"), Drive::Matches, "no narrowing filter");
    let f = Filter { project_id: Some(pa), q: Some("漏水".into()), ..Default::default() };
    let l = orders::list(&mut c, &actor, &f, Page::new(1, 20)).await.expect("list");
    assert_eq!((l.paged.total, l.more), (in_a.len() as i64, false), "exact below the cap");
    assert_eq!(l.paged.items.iter().map(|o| o.id).collect::<Vec<_>>(), in_a[..20].to_vec(), "newest first");
    let l = orders::list(&mut c, &actor, &Filter { q: Some("顶棚漏水".into()), ..f.clone() }, Page::new(2, 20)).await.expect("list");
    assert_eq!(l.paged.items.iter().map(|o| o.id).collect::<Vec<_>>(), in_a[20..].to_vec());
    let l = orders::list(&mut c, &actor, &Filter { q: Some("漏水ab".into()), ..f.clone() }, Page::new(1, 20)).await.expect("list");
    assert_eq!((l.paged.total, l.paged.items.len()), (0, 0), "the LIKE check still decides");
    // With a status too, SQLite's count walks the project's orders in that status instead.
    let l = orders::list(&mut c, &actor, &Filter { status: Some(WorkOrderStatus::New), ..f.clone() }, Page::new(1, 20)).await.expect("list");
    assert_eq!((l.paged.total, l.more), (in_a.len() as i64, false));
    assert_eq!(l.paged.items.iter().map(|o| o.id).collect::<Vec<_>>(), in_a[..20].to_vec());
    let l = orders::list(&mut c, &actor, &Filter { status: Some(WorkOrderStatus::Closed), ..f.clone() }, Page::new(1, 20)).await.expect("list");
    assert_eq!((l.paged.total, l.paged.items.len()), (0, 0));
    let l = orders::list(&mut c, &actor, &Filter { project_id: Some(pb), ..f }, Page::new(1, 20)).await.expect("list");
    assert_eq!((l.paged.total, l.more), (1000, true), "counted to the cap");
}
