//! The reception desk over HTTP: the quick form, what each category starts, idempotency,
//! written contacts, closing (RCP-7), the shift handover (RCP-6), lost and found (FD-3) and
//! the JSON API — on SQLite, and on PostgreSQL with TEST_DATABASE_URL.

mod common;

use common::{TestApp, spawn_app};
use propdesk::ops::org::{UnitInput, create_unit};
use propdesk_store::models::event;
use propdesk_store::{AsEx, Sql};
use serde_json::{Value, json};

async fn unit(app: &TestApp, building: i64, no: &str) -> i64 {
    let input = UnitInput { building_id: building.to_string(), unit_no: no.into(), kind: "shop".into(), building_area: "100".into(), ..Default::default() };
    create_unit(&app.db, &app.root, &input).await.expect("unit")
}

async fn scalar(app: &TestApp, sql: Sql) -> i64 {
    let mut c = app.db.read().await.expect("conn");
    c.ex().scalar(sql).await.expect("scalar")
}

async fn text(app: &TestApp, sql: Sql) -> String {
    let mut c = app.db.read().await.expect("conn");
    let row: (String,) = c.ex().fetch_one(sql).await.expect("row");
    row.0
}

/// The form token of a fresh desk page (one per page load).
async fn form_token(app: &TestApp, c: &reqwest::Client) -> String {
    let (status, body) = app.get_text(c, "/reception").await;
    assert_eq!(status, 200, "{body}");
    let marker = "name=\"form_token\" value=\"";
    let start = body.find(marker).expect("form token on the desk") + marker.len();
    body[start..start + 64].to_string()
}

/// Records through the desk form; returns (status, location, body).
async fn desk(app: &TestApp, c: &reqwest::Client, fields: &[(&str, &str)]) -> (u16, String, String) {
    let token = form_token(app, c).await;
    let project = app.project_a.to_string();
    let mut all: Vec<(&str, &str)> = vec![("project_id", &project), ("form_token", &token)];
    all.extend_from_slice(fields);
    app.post_form(c, "/reception", &all).await
}

fn id_from(location: &str) -> i64 {
    let tail = match location.split_once("last=") {
        Some((_, rest)) => rest,
        None => location.trim_start_matches("/reception/"),
    };
    tail.split(['?', '&', '#']).next().unwrap_or("").parse().unwrap_or_else(|_| panic!("no id in {location}"))
}

async fn receptionist(app: &TestApp, name: &str) -> reqwest::Client {
    app.staff(name, "receptionist", &[app.project_a]).await;
    app.login(name).await
}

#[tokio::test]
async fn rcp_1_rcp_3_cmp_3_a_receptionist_records_a_complaint_through_the_form() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let u = unit(&app, app.building_a, "A-101").await.to_string();
    let (s, loc, body) = desk(
        &app,
        &c,
        &[
            ("channel", "phone"),
            ("unit_id", &u),
            ("contact_name", "王女士"),
            ("contact_phone", "138 0013 8000"),
            ("content", "楼道灯坏了三天没人修"),
            ("category", "complaint"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let id = id_from(&loc);
    assert!(loc.starts_with(&format!("/reception?project_id={}&last=", app.project_a)), "{loc}");
    assert_eq!(text(&app, Sql::new("SELECT number FROM reception_records WHERE id = $1").arg(id)).await, "HXGC/JD0001");
    assert_eq!(text(&app, Sql::new("SELECT status FROM reception_records WHERE id = $1").arg(id)).await, "open");
    // The complaint exists, made in the same transaction, pointing back at the record (CMP-3 intake).
    let complaints = scalar(&app, Sql::new("SELECT COUNT(*) FROM complaints WHERE reception_id = $1").arg(id)).await;
    assert_eq!(complaints, 1);
    assert_eq!(text(&app, Sql::new("SELECT complainant FROM complaints WHERE reception_id = $1").arg(id)).await, "王女士");
    assert_eq!(text(&app, Sql::new("SELECT contact_phone FROM complaints WHERE reception_id = $1").arg(id)).await, "13800138000");
    assert_eq!(text(&app, Sql::new("SELECT channel FROM complaints WHERE reception_id = $1").arg(id)).await, "phone");
    assert_eq!(scalar(&app, Sql::new("SELECT unit_id FROM complaints WHERE reception_id = $1").arg(id)).await.to_string(), u);
    // Events for the record and the complaint (SEC-1).
    let mut conn = app.db.read().await.expect("conn");
    let events = event::for_entity(&mut conn, "reception", id).await.expect("events");
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["created"]);
    assert!(events[0].payload.contains("HXGC/TS001"), "{}", events[0].payload);
    drop(conn);
    // The desk shows it today, with the complaint it started.
    let (_, page) = app.get_text(&c, &loc).await;
    assert!(page.contains("HXGC/JD0001") && page.contains("HXGC/TS001"), "today's list shows the record and its complaint");
}

#[tokio::test]
async fn rcp_3_an_inquiry_is_answered_on_the_spot_and_closes_at_once() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let (s, loc, body) = desk(&app, &c, &[("content", "物业费可以用微信交吗？"), ("answer", "可以，在服务中心扫码缴纳"), ("category", "inquiry")]).await;
    assert_eq!(s, 303, "{body}");
    let id = id_from(&loc);
    assert_eq!(text(&app, Sql::new("SELECT status FROM reception_records WHERE id = $1").arg(id)).await, "closed");
    assert!(text(&app, Sql::new("SELECT follow_up FROM reception_records WHERE id = $1").arg(id)).await.contains("扫码缴纳"));
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM reception_records WHERE id = $1 AND closed_at IS NOT NULL").arg(id)).await, 1);
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM complaints")).await, 0, "an inquiry starts nothing");
}

#[tokio::test]
async fn rcp_1_a_double_submit_gives_one_record() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let token = form_token(&app, &c).await;
    let project = app.project_a.to_string();
    let fields = [("project_id", project.as_str()), ("form_token", &token), ("content", "电梯按钮失灵"), ("category", "repair")];
    let (s1, loc1, _) = app.post_form(&c, "/reception", &fields).await;
    let (s2, loc2, _) = app.post_form(&c, "/reception", &fields).await;
    assert_eq!((s1, s2), (303, 303));
    assert_eq!(loc1, loc2, "the second submit shows the same record");
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM reception_records")).await, 1);
    // A complaint submitted twice makes one complaint, too.
    let token = form_token(&app, &c).await;
    let fields = [("project_id", project.as_str()), ("form_token", &token), ("content", "保安态度差"), ("category", "complaint")];
    app.post_form(&c, "/reception", &fields).await;
    app.post_form(&c, "/reception", &fields).await;
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM complaints")).await, 1);
}

#[tokio::test]
async fn rcp_1_a_bad_phone_is_refused_in_chinese_and_the_form_keeps_what_was_typed() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let (s, _, body) = desk(&app, &c, &[("contact_name", "李先生"), ("contact_phone", "12345"), ("content", "车位被占用了"), ("category", "complaint")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("电话号码格式不正确"), "the error in Chinese next to the field");
    assert!(body.contains("value=\"12345\"") && body.contains("value=\"李先生\"") && body.contains("车位被占用了"), "the typed text is kept");
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM reception_records")).await, 0);
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM complaints")).await, 0, "nothing half-saved");
    // Without a category (Enter without JS) the form asks for one and keeps the text.
    let (s, _, body) = desk(&app, &c, &[("content", "咨询停车收费标准"), ("category", "")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("请选择接待类别") && body.contains("咨询停车收费标准"));
}

#[tokio::test]
async fn rcp_7_close_is_refused_while_the_complaint_is_open() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let (_, loc, _) = desk(&app, &c, &[("contact_name", "赵女士"), ("content", "垃圾清运不及时"), ("category", "complaint")]).await;
    let id = id_from(&loc);
    let (_, page) = app.get_text(&c, &format!("/reception/{id}")).await;
    assert!(!page.contains("value=\"close\""), "no close button while the complaint is open");
    assert!(page.contains("投诉 HXGC/TS001 未关闭"), "the page says what is still open");
    let (s, _, body) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "close"), ("note", "已处理")]).await;
    assert_eq!(s, 409, "{body}");
    assert!(body.contains("未关闭"), "the refusal says why");
    assert_eq!(text(&app, Sql::new("SELECT status FROM reception_records WHERE id = $1").arg(id)).await, "open");
    // Once the complaint is closed (by the complaint workflow), the record may be closed.
    let mut tx = app.db.begin().await.expect("tx");
    tx.ex().execute(Sql::new("UPDATE complaints SET status = 'closed' WHERE reception_id = $1").arg(id)).await.expect("close complaint");
    tx.commit().await.expect("commit");
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "close"), ("note", "")]).await;
    assert_eq!(s, 422, "closing asks for a reason");
    let (s, loc, body) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "close"), ("note", "投诉已办结并回访")]).await;
    assert_eq!(s, 303, "{body}");
    assert_eq!(loc, format!("/reception/{id}?saved=1"));
    assert_eq!(text(&app, Sql::new("SELECT status FROM reception_records WHERE id = $1").arg(id)).await, "closed");
    let mut conn = app.db.read().await.expect("conn");
    let actions: Vec<String> = event::for_entity(&mut conn, "reception", id).await.expect("events").into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec!["created", "close"]);
}

#[tokio::test]
async fn rcp_7_rcp_3_after_sales_stays_open_until_its_return_slip_is_done_then_closes() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let (_, loc, _) = desk(&app, &c, &[("content", "卫生间墙面渗水，交房一年内"), ("category", "after_sales")]).await;
    let id = id_from(&loc);
    assert_eq!(text(&app, Sql::new("SELECT follow_up FROM reception_records WHERE id = $1").arg(id)).await, "物业返修联系单 HXGC/FXD001 已发售后部");
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "close"), ("note", "x")]).await;
    assert_eq!(s, 409, "the return slip is still open");
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "chase"), ("note", "电话催售后部，答复周五上门")]).await;
    assert_eq!(s, 303);
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "done"), ("note", "售后已修复")]).await;
    assert_eq!(s, 409, "RCP-3: the slip settles the follow-up, not a hand-made note");
    let slip = text(&app, Sql::new("SELECT CAST(id AS TEXT) FROM return_slips WHERE reception_id = $1").arg(id)).await;
    for (v, fields) in
        [("1", vec![("action", "acknowledge"), ("reply", "售后部：周五上门")]), ("2", vec![("action", "confirm_done"), ("confirmed_by", "业主电话确认")])]
    {
        let mut all = fields.clone();
        all.push(("version", v));
        let (s, _, _) = app.post_form(&c, &format!("/return-slips/{slip}/act"), &all).await;
        assert_eq!(s, 303);
    }
    assert_eq!(text(&app, Sql::new("SELECT status FROM reception_records WHERE id = $1").arg(id)).await, "closed", "RCP-7");
    // A stale version is refused (409), nothing changes.
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "close"), ("note", "x"), ("version", "1")]).await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn rcp_4_a_letter_gets_its_receipt_time_and_is_acknowledged() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let (s, loc, body) = desk(
        &app,
        &c,
        &[
            ("channel", "letter"),
            ("received_at", "2026-01-05T09:30"),
            ("contact_name", "业主委员会"),
            ("content", "建议增设电动车充电桩"),
            ("category", "suggestion"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let id = id_from(&loc);
    let (_, page) = app.get_text(&c, &format!("/reception/{id}")).await;
    assert!(page.contains("2026-01-05 09:30"), "the receipt time as written");
    assert!(page.contains("value=\"acknowledge\""), "a written contact offers the acknowledgement");
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "acknowledge"), ("note", "电话告知已收到")]).await;
    assert_eq!(s, 303);
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM reception_records WHERE id = $1 AND acknowledged_at IS NOT NULL").arg(id)).await, 1);
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "acknowledge")]).await;
    assert_eq!(s, 409, "acknowledged once");
    // RCP-3: a suggestion is reported to the project manager, which closes it.
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "report_manager"), ("note", "周会上报")]).await;
    assert_eq!(s, 303);
    assert_eq!(text(&app, Sql::new("SELECT follow_up FROM reception_records WHERE id = $1").arg(id)).await, "已上报经理");
    assert_eq!(text(&app, Sql::new("SELECT status FROM reception_records WHERE id = $1").arg(id)).await, "closed");
}

#[tokio::test]
async fn rcp_3_a_praise_is_verified_and_noted_on_the_staff_record() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let guard = app.staff("baoan", "security", &[app.project_a]).await;
    let (_, loc, _) = desk(&app, &c, &[("contact_name", "陈先生"), ("content", "表扬保安小刘帮忙搬运物品"), ("category", "praise")]).await;
    let id = id_from(&loc);
    let (s, _, body) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "verify_praise"), ("staff_id", "")]).await;
    assert_eq!(s, 422, "the praised person is required");
    assert!(body.contains("请选择被表扬的员工"));
    let g = guard.to_string();
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "verify_praise"), ("staff_id", &g), ("note", "监控核实")]).await;
    assert_eq!(s, 303);
    assert_eq!(text(&app, Sql::new("SELECT status FROM reception_records WHERE id = $1").arg(id)).await, "closed");
    let mut conn = app.db.read().await.expect("conn");
    let staff_events = event::for_entity(&mut conn, "staff", guard).await.expect("events");
    assert!(staff_events.iter().any(|e| e.action == "praised" && e.payload.contains("HXGC/JD0001")), "STF-5: noted on the staff record");
}

#[tokio::test]
async fn fd_3_a_lost_item_is_registered_and_the_record_closes_once_it_is_claimed() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let (s, loc, _) = desk(&app, &c, &[("contact_name", "保洁员"), ("content", "在大堂拾到一个黑色钱包"), ("category", "other")]).await;
    assert_eq!(s, 303);
    assert!(loc.starts_with("/reception/"), "其它 goes to the record page to register the item: {loc}");
    let id = id_from(&loc);
    let (s, _, body) = app.post_form(&c, &format!("/reception/{id}/lost"), &[("item", ""), ("kept_where", "")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("必填"));
    let (s, _, _) =
        app.post_form(&c, &format!("/reception/{id}/lost"), &[("item", "黑色钱包"), ("found_where", "A座大堂"), ("kept_where", "客服中心保险柜")]).await;
    assert_eq!(s, 303);
    let (_, register) = app.get_text(&c, &format!("/reception/lost-found?project_id={}", app.project_a)).await;
    assert!(register.contains("HXGC/SW001") && register.contains("黑色钱包") && register.contains("客服中心保险柜"));
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "close"), ("note", "x")]).await;
    assert_eq!(s, 409, "the item is still kept");
    let lost = scalar(&app, Sql::new("SELECT id FROM lost_found WHERE reception_id = $1").arg(id)).await;
    let (s, _, body) = app.post_form(&c, &format!("/reception/lost-found/{lost}/claim"), &[("claimed_by", "刘女士"), ("claimed_phone", "123")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("电话号码格式不正确"));
    let (s, _, _) = app.post_form(&c, &format!("/reception/lost-found/{lost}/claim"), &[("claimed_by", "刘女士"), ("claimed_phone", "13912345678")]).await;
    assert_eq!(s, 303);
    let (s, _, _) = app.post_form(&c, &format!("/reception/{id}/actions"), &[("action", "close"), ("note", "失主已领回")]).await;
    assert_eq!(s, 303);
}

#[tokio::test]
async fn rcp_6_the_handover_carries_the_open_items_to_the_next_shift() {
    let app = spawn_app().await;
    let a = receptionist(&app, "yangxue").await;
    let b = receptionist(&app, "zhoumin").await;
    let b_id = scalar(&app, Sql::new("SELECT id FROM staff WHERE username = 'zhoumin'")).await.to_string();
    let project = app.project_a.to_string();
    let (s, _, _) = app.post_form(&a, "/reception/shifts", &[("project_id", &project)]).await;
    assert_eq!(s, 303);
    let (s, _, _) = app.post_form(&a, "/reception/shifts", &[("project_id", &project)]).await;
    assert_eq!(s, 409, "one shift on duty at a time");
    let shift = scalar(&app, Sql::new("SELECT id FROM shifts WHERE status = 'on_duty'")).await;
    let (s, _, _) = app.post_form(&a, &format!("/reception/shifts/{shift}/log"), &[("text", "10:20 快递到件，已通知 A-301")]).await;
    assert_eq!(s, 303);
    let (_, open_loc, _) = desk(&app, &a, &[("content", "A-205 空调漏水"), ("category", "repair")]).await;
    let (_, closed_loc, _) = desk(&app, &a, &[("content", "问停车场收费标准"), ("category", "inquiry")]).await;
    let open_no = text(&app, Sql::new("SELECT number FROM reception_records WHERE id = $1").arg(id_from(&open_loc))).await;
    let closed_no = text(&app, Sql::new("SELECT number FROM reception_records WHERE id = $1").arg(id_from(&closed_loc))).await;
    let (s, _, body) = app.post_form(&a, &format!("/reception/shifts/{shift}/handover"), &[("to", &b_id), ("note", "")]).await;
    assert_eq!(s, 422, "a handover needs a note: {body}");
    let (s, _, _) = app.post_form(&a, &format!("/reception/shifts/{shift}/handover"), &[("to", &b_id), ("note", "A-205 维修待派单，钥匙在抽屉")]).await;
    assert_eq!(s, 303);
    let (s, _, _) = app.post_form(&a, &format!("/reception/shifts/{shift}/log"), &[("text", "晚了")]).await;
    assert_eq!(s, 409, "a handed-over shift takes no more log lines");
    // The next person's page shows what was handed over: the note, the log and the open record only.
    let (_, page) = app.get_text(&b, &format!("/reception/shifts?project_id={project}")).await;
    assert!(page.contains("A-205 维修待派单，钥匙在抽屉"), "the handover note");
    assert!(page.contains("10:20 快递到件"), "the shift's log");
    assert!(page.contains(&open_no), "the open record is carried");
    assert!(!page.contains(&closed_no), "a closed record is not carried");
    let (s, _, _) = app.post_form(&b, "/reception/shifts", &[("project_id", &project), ("take_over", &shift.to_string())]).await;
    assert_eq!(s, 303);
    let (_, page) = app.get_text(&b, &format!("/reception/shifts?project_id={project}")).await;
    assert!(page.contains("接班自") && page.contains(&open_no), "the new shift shows what it took over");
    let (s, _, _) = app.post_form(&a, "/reception/shifts", &[("project_id", &project), ("take_over", &shift.to_string())]).await;
    assert_eq!(s, 409, "taken over once");
}

#[tokio::test]
async fn rcp_5_the_desk_shows_the_script_for_the_moment_and_eight_categories_in_one_row() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let (s, page) = app.get_text(&c, "/reception").await;
    assert_eq!(s, 200);
    assert!(page.contains("您好，<b class=\"pname\">红星广场</b>客户服务中心"), "the greeting with the project's name");
    assert!(page.contains("受理时不做承诺"), "the complaint script is at hand (CMP-3: no promises at intake)");
    assert_eq!(page.matches("name=\"category\" value=\"").count(), 9, "eight category buttons and the hidden default");
    for zh in ["售后", "报修", "投诉", "服务", "表扬", "建议", "咨询", "其它"] {
        assert!(page.contains(&format!("</kbd>{zh}</button>")), "{zh} button");
    }
    assert!(page.contains("data-lookup=\"/lookup/units?project_id="), "unit type-ahead scoped to the project");
}

#[tokio::test]
async fn rcp_1_api_records_a_complaint_with_201_and_honours_idempotency_key() {
    let app = spawn_app().await;
    app.staff("yangxue", "receptionist", &[app.project_a]).await;
    let token = app.token("yangxue").await;
    let url = format!("{}/api/v1/reception-records", app.base);
    let body = json!({"project_id": app.project_a, "channel": "电话", "category": "complaint", "contact_name": "孙先生", "contact_phone": "13800138000", "content": "夜间施工噪音扰民"});
    let send = |key: &'static str, body: Value| {
        let c = app.client();
        let url = url.clone();
        let token = token.clone();
        async move {
            let r = c.post(url).bearer_auth(token).header("Idempotency-Key", key).json(&body).send().await.expect("post");
            let status = r.status().as_u16();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            (status, replayed, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, replayed, first) = send("call-0001", body.clone()).await;
    assert_eq!(s, 201, "{first}");
    assert!(!replayed);
    assert_eq!(first["record"]["number"], "HXGC/JD0001");
    assert_eq!(first["record"]["category"], "complaint");
    assert_eq!(first["record"]["channel"], "phone");
    assert_eq!(first["record"]["status"], "open");
    assert_eq!(first["complaint"]["number"], "HXGC/TS001");
    assert!(first["complaint"]["id"].as_i64().is_some());
    let (s, replayed, again) = send("call-0001", body.clone()).await;
    assert_eq!(s, 201);
    assert!(replayed, "the repeat is marked as replayed");
    assert_eq!(again["record"]["id"], first["record"]["id"], "the same record");
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM reception_records")).await, 1);
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM complaints")).await, 1);
    let mut other = body.clone();
    other["content"] = json!("另一件事");
    let (s, _, err) = send("call-0001", other).await;
    assert_eq!(s, 409, "a key reused for a different contact: {err}");
    // An inquiry: no complaint, closed at once.
    let (s, _, inq) = send("call-0002", json!({"project_id": app.project_a, "category": "咨询", "content": "几点下班？", "answer": "17:30"})).await;
    assert_eq!(s, 201);
    assert_eq!(inq["complaint"], Value::Null);
    assert_eq!(inq["record"]["status"], "closed");
    // Bad input: every field at once, in both languages.
    let (s, _, err) = send("call-0003", json!({"project_id": app.project_a, "category": "x", "contact_phone": "123", "content": ""})).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = err["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, vec!["category", "contact_phone", "content"]);
    // The list, filtered.
    let r = app.client().get(format!("{url}?category=complaint&status=open")).bearer_auth(&token).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let list: Value = r.json().await.expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["complaint"]["number"], "HXGC/TS001");
    let r = app.client().get(format!("{url}?from=2026-13-01")).bearer_auth(&token).send().await.expect("get");
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn cmp_16_an_online_complaint_is_flagged_for_the_department_head() {
    let app = spawn_app().await;
    app.staff("yangxue", "receptionist", &[app.project_a]).await;
    let token = app.token("yangxue").await;
    let r = app
        .client()
        .post(format!("{}/api/v1/reception-records", app.base))
        .bearer_auth(&token)
        .json(&json!({"project_id": app.project_a, "channel": "online", "category": "complaint", "contact_name": "网友", "content": "公众号留言：停车场收费不透明"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["record"]["report_to"], "department_head");
    let cid = v["complaint"]["id"].as_i64().expect("complaint id");
    let mut conn = app.db.read().await.expect("conn");
    let events = event::for_entity(&mut conn, "complaint", cid).await.expect("events");
    assert!(events.iter().any(|e| e.action == "online_flagged" && e.payload.contains("department_head")), "CMP-16 event on the complaint");
    // RCP-4: an online message is written: it waits for the acknowledgement.
    assert_eq!(v["record"]["acknowledged_at"], Value::Null);
}

#[tokio::test]
async fn sec_2_another_projects_unit_is_refused_and_its_records_are_not_found() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    let b_unit = unit(&app, app.building_b, "1-101").await.to_string();
    let (s, _, body) = desk(&app, &c, &[("unit_id", &b_unit), ("content", "门禁卡失效"), ("category", "repair")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("不存在或无权访问"), "the unit field says it is not found");
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM reception_records")).await, 0);
    // The API says the same, and another project is not the caller's to record in.
    let token = app.token("yangxue").await;
    let url = format!("{}/api/v1/reception-records", app.base);
    let r = app
        .client()
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"project_id": app.project_a, "category": "repair", "unit_id": b_unit, "content": "门禁卡失效"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let r = app
        .client()
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"project_id": app.project_b, "category": "repair", "content": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    // A record of project B is not found for a receptionist of project A, on pages and in lists.
    app.staff("lhy", "receptionist", &[app.project_b]).await;
    let lhy = app.login("lhy").await;
    let token_b = form_token(&app, &lhy).await;
    let project_b = app.project_b.to_string();
    let (s, loc, _) =
        app.post_form(&lhy, "/reception", &[("project_id", &project_b), ("form_token", &token_b), ("content", "丽湖苑的事"), ("category", "repair")]).await;
    assert_eq!(s, 303);
    let b_record = id_from(&loc);
    assert_eq!(app.get_text(&c, &format!("/reception/{b_record}")).await.0, 404);
    let (s, _, _) = app.post_form(&c, &format!("/reception/{b_record}/actions"), &[("action", "done"), ("note", "x")]).await;
    assert_eq!(s, 404);
    let (_, page) = app.get_text(&c, "/reception").await;
    assert!(!page.contains("丽湖苑的事"));
    let list: Value = app.client().get(&url).bearer_auth(&token).send().await.expect("get").json().await.expect("json");
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn org_6_field_staff_may_record_but_see_only_their_own_records_and_take_no_actions() {
    let app = spawn_app().await;
    let c = receptionist(&app, "yangxue").await;
    desk(&app, &c, &[("contact_name", "周女士"), ("contact_phone", "13700001111"), ("content", "前台登记的事"), ("category", "repair")]).await;
    app.staff("gong", "engineering", &[app.project_a]).await;
    let g = app.login("gong").await;
    let (s, page) = app.get_text(&g, "/reception").await;
    assert_eq!(s, 200, "every employee may take a record (RCP-1)");
    assert!(!page.contains("前台登记的事") && !page.contains("13700001111"), "not others' records (personal data)");
    assert!(!page.contains("lookup/parties"), "no party type-ahead without the right to see parties");
    let (s, loc, _) = desk(&app, &g, &[("content", "巡查发现 B1 消防门损坏"), ("channel", "patrol"), ("category", "repair")]).await;
    assert_eq!(s, 303);
    let id = id_from(&loc);
    let (_, page) = app.get_text(&g, &format!("/reception/{id}")).await;
    assert!(!page.contains("name=\"action\""), "no follow-up actions for field staff");
    let (s, _, _) = app.post_form(&g, &format!("/reception/{id}/actions"), &[("action", "done"), ("note", "x")]).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn rcp_1_concurrent_repeats_of_one_idempotency_key_make_one_record() {
    let app = spawn_app().await;
    app.staff("yangxue", "receptionist", &[app.project_a]).await;
    let token = app.token("yangxue").await;
    let url = format!("{}/api/v1/reception-records", app.base);
    let body = json!({"project_id": app.project_a, "category": "complaint", "contact_name": "吴先生", "content": "地库漏水"});
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (c, url, token, body) = (app.client(), url.clone(), token.clone(), body.clone());
        tasks.spawn(async move {
            let r = c.post(url).bearer_auth(token).header("Idempotency-Key", "retry-7f3a").json(&body).send().await.expect("post");
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (status, v) = done.expect("task");
        assert_eq!(status, 201, "{v}");
        ids.push(v["record"]["id"].as_i64().expect("id"));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1, "every repeat answers with the one record");
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM reception_records")).await, 1);
    assert_eq!(scalar(&app, Sql::new("SELECT COUNT(*) FROM complaints")).await, 1);
}
