//! FEE-3 / POR-2: payment notices sent to payers through the company's channels — a signed
//! webhook into an SMS gateway and e-mail over SMTP — against real local servers: an HTTP
//! receiver and a minimal SMTP server in this test, spoken to by the real transports.

mod common;

use base64::Engine;
use chrono::{Duration, Utc};
use common::fees::{actor, item, setup, unit};
use common::gateway::{Gateway, KEY};
use common::{TestApp, spawn_app};
use propdesk::jobs::party_messages::{Sent, Transports, deliver_due};
use propdesk::ops::fee::{self, parse_period};
use propdesk::ops::org::{OwnershipInput, PartyInput, create_party, transfer_ownership};
use propdesk_domain::access::Role;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One mail as the SMTP server received it: recipient and decoded text.
type Mail = (String, String);

/// A minimal SMTP server: accepts every message and keeps (recipient, decoded text).
async fn smtp_server() -> (Arc<Mutex<Vec<Mail>>>, u16) {
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let keep = mails.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 test ESMTP\r\n").await;
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            keep.lock().expect("lock").push((rcpt.clone(), decode(&data)));
                            data.clear();
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "RCPT" => {
                            rcpt = line.split(['<', '>']).nth(1).unwrap_or("").to_string();
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = w.write_all(answer).await;
                }
            });
        }
    });
    (mails, port)
}

/// The message's headers plus its body decoded from base64 when it is so encoded.
fn decode(data: &str) -> String {
    let (head, body) = data.split_once("\n\n").unwrap_or((data, ""));
    if head.to_ascii_lowercase().contains("content-transfer-encoding: base64") {
        let b64: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).expect("base64 body");
        format!("{head}\n\n{}", String::from_utf8(bytes).expect("utf-8 body"))
    } else {
        data.to_string()
    }
}

/// Two more units: 1203 owned by 陈 (landline and e-mail), 1204 by 周 (landline only).
async fn more_payers(app: &TestApp) -> (i64, i64) {
    let mut out = Vec::new();
    for (no, name, phone, email) in [("1203", "陈业主", "010-12345678", "chen@example.com"), ("1204", "周业主", "0755-1234567", "")] {
        let u = unit(app, no, "50", "").await;
        let input = PartyInput {
            project_id: app.project_a.to_string(),
            kind: "person".into(),
            name: name.into(),
            phone: phone.into(),
            email: email.into(),
            ..Default::default()
        };
        let p = create_party(&app.db, &app.root, &input).await.expect("party");
        transfer_ownership(&app.db, &app.root, u, &OwnershipInput { party_id: p.to_string(), start_date: "2020-01-01".into(), ..Default::default() })
            .await
            .expect("owner");
        out.push(p);
    }
    (out[0], out[1])
}

async fn api(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let c = app.client();
    let url = format!("{}{path}", app.base);
    let r = match method {
        "POST" => c.post(url).bearer_auth(token).json(&body.unwrap_or(json!({}))),
        "PUT" => c.put(url).bearer_auth(token).json(&body.unwrap_or(json!({}))),
        _ => c.get(url).bearer_auth(token),
    };
    let r = r.send().await.expect("request");
    let s = r.status().as_u16();
    let text = r.text().await.expect("body");
    (s, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn bill(app: &TestApp, sup: i64, month: &str) {
    fee::run_billing(&app.db, &actor(app, sup, Role::Supervisor), app.project_a, parse_period("month", month).expect("period")).await.expect("billing run");
}

#[tokio::test]
async fn fee_3_por_2_notices_go_out_by_sms_gateway_and_e_mail_once_each_and_failures_are_retried() {
    let app = spawn_app().await;
    let (_, _, owner1, _, _) = setup(&app).await;
    more_payers(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    fee::create_item(&app.db, &actor(&app, sup, Role::Supervisor), &item(&app, "物业服务费", "property_service", "area", "3", "owner")).await.expect("item");
    bill(&app, sup, "2026-12").await;

    let (gw, url) = Gateway::start().await;
    let (mails, smtp_port) = smtp_server().await;
    let manager = app.token("jingli").await;
    let (s, v) =
        api(&app, &manager, "POST", "/api/v1/notification-channels", Some(json!({"kind": "webhook", "name": "短信网关", "url": url, "secret": KEY}))).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = api(
        &app,
        &manager,
        "POST",
        "/api/v1/notification-channels",
        Some(json!({"kind": "email", "name": "客服邮箱", "host": "127.0.0.1", "port": smtp_port, "security": "none", "from": "service@hongxing.example"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");

    // The period's notices, sent from the notices page.
    let c = app.login("zhuguan").await;
    let p = app.project_a.to_string();
    let (s, loc, _) = app.post_form(&c, "/fees/notices/send", &[("project_id", &p), ("period", "2026-12")]).await;
    assert_eq!(s, 303);
    // 1201 王 and 1202 李 by text (mobiles), 1203 陈 by e-mail (a landline takes no text), 1204 周 neither.
    assert!(loc.ends_with("sent_n=4&sent_q=3&sent_a=0&sent_u=1"), "{loc}");
    let (_, page) = app.get_text(&c, &loc).await;
    assert!(page.contains("本次排队发送 3") && page.contains("须上门或快递送达 1"), "the page says what it did");
    assert_eq!(page.matches("待发送").count(), 3, "each queued message shows on its notice");

    let t = Transports::new().expect("transports");
    assert_eq!(deliver_due(&app.db, &t, Utc::now()).await.expect("deliver"), Sent { sent: 3, failed: 0 });
    let texts = gw.messages();
    assert_eq!(texts.len(), 2);
    let to_wang = texts.iter().find(|m| m["to"] == "13800138001").expect("王业主's text");
    assert_eq!(to_wang["party_id"], owner1);
    assert_eq!(to_wang["kind"], "payment_notice");
    let body = to_wang["body"].as_str().expect("body");
    // 89.37 m² × 3 yuan = 268.11; the deadline and the place to pay, as on the printed notice.
    for want in ["王业主", "A-1201", "2026-12", "物业服务费 268.11 元", "合计 268.11 元", "红星广场客服中心"] {
        assert!(body.contains(want), "{want} missing from {body}");
    }
    assert_eq!(to_wang["subject"], "【红星广场】缴费通知单 2026-12");
    let got = mails.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "chen@example.com");
    assert!(got[0].1.contains("陈业主") && got[0].1.contains("合计 150.00 元") && got[0].1.contains("service@hongxing.example"), "{}", got[0].1);

    // Sending the period again repeats nothing.
    let (_, loc, _) = app.post_form(&c, "/fees/notices/send", &[("project_id", &p), ("period", "2026-12")]).await;
    assert!(loc.ends_with("sent_n=4&sent_q=0&sent_a=3&sent_u=1"), "{loc}");
    assert_eq!(deliver_due(&app.db, &t, Utc::now()).await.expect("deliver"), Sent::default());
    let (_, page) = app.get_text(&c, &format!("/fees/notices?project_id={p}&period=2026-12")).await;
    assert_eq!(page.matches("已发送</span>").count(), 3, "{page}");

    // January: the gateway is down. E-mail still goes; texts are retried later, then given up.
    bill(&app, sup, "2027-01").await;
    gw.answer(503);
    let (_, loc, _) = app.post_form(&c, "/fees/notices/send", &[("project_id", &p), ("period", "2027-01")]).await;
    assert!(loc.contains("sent_q=3"), "{loc}");
    let mut now = Utc::now();
    assert_eq!(deliver_due(&app.db, &t, now).await.expect("deliver"), Sent { sent: 1, failed: 2 });
    assert_eq!(deliver_due(&app.db, &t, now).await.expect("deliver"), Sent::default(), "a failed message waits before its next try");
    let sup_token = app.token("zhuguan").await;
    let (s, v) = api(&app, &sup_token, "GET", &format!("/api/v1/payment-notices/messages?project_id={p}&period=2027-01"), None).await;
    assert_eq!(s, 200);
    let states: Vec<&str> = v.as_array().expect("list").iter().map(|m| m["state"].as_str().unwrap_or("")).collect();
    assert_eq!(states.iter().filter(|s| **s == "retrying").count(), 2, "{v}");
    assert!(v.as_array().expect("list").iter().any(|m| m["last_error"].as_str().is_some_and(|e| e.contains("503"))), "{v}");
    for _ in 0..5 {
        now += Duration::hours(7);
        deliver_due(&app.db, &t, now).await.expect("deliver");
    }
    let (_, v) = api(&app, &sup_token, "GET", &format!("/api/v1/payment-notices/messages?project_id={p}&period=2027-01"), None).await;
    assert_eq!(v.as_array().expect("list").iter().filter(|m| m["state"] == "failed").count(), 2, "given up after six tries: {v}");
    let (_, page) = app.get_text(&c, &format!("/fees/notices?project_id={p}&period=2027-01")).await;
    assert_eq!(page.matches("发送失败</span>").count(), 2, "the notices page shows which to deliver by hand");
    let admin_page = app.get_text(&app.login("jingli").await, "/admin/channels").await.1;
    assert!(admin_page.contains("发送失败的消息") && admin_page.contains("13800138001"), "the admin sees what could not be sent");
    app.staff("jingli_b", "manager", &[app.project_b]).await;
    let other = app.get_text(&app.login("jingli_b").await, "/admin/channels").await.1;
    assert!(!other.contains("13800138001"), "SEC-2: another project's manager does not see these residents' numbers");

    // The gateway is back; sending again queues the given-up texts once more, and they go.
    gw.answer(200);
    let (_, loc, _) = app.post_form(&c, "/fees/notices/send", &[("project_id", &p), ("period", "2027-01")]).await;
    assert!(loc.ends_with("sent_n=4&sent_q=2&sent_a=1&sent_u=1"), "{loc}");
    assert_eq!(deliver_due(&app.db, &t, now).await.expect("deliver"), Sent { sent: 2, failed: 0 });
    assert_eq!(gw.messages().len(), 2 + 2 * 6 + 2, "two in December, six tries of two, two now");
}

#[tokio::test]
async fn por_2_channels_are_kept_by_admins_and_managers_and_their_secrets_never_shown() {
    let app = spawn_app().await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let (gw, url) = Gateway::start().await;
    let m = app.login("jingli").await;
    assert_eq!(app.get_text(&m, "/admin/channels").await.0, 200);
    let s = app.login("zhuguan").await;
    assert_eq!(app.get_text(&s, "/admin/channels").await.0, 403);
    assert_eq!(app.post_form(&s, "/admin/channels", &[("kind", "webhook"), ("name", "x"), ("url", &url), ("secret", KEY)]).await.0, 403);

    // Refused with the reason in Chinese; the secret typed is not sent back.
    let (st, _, body) =
        app.post_form(&m, "/admin/channels", &[("kind", "webhook"), ("name", "短信网关"), ("url", "sms.example.com"), ("secret", "short-key")]).await;
    assert_eq!(st, 422);
    assert!(body.contains("地址须以 https:// 或 http:// 开头") && body.contains("签名密钥至少 16 个字符"), "{body}");
    assert!(!body.contains("short-key"));
    let (st, loc, _) =
        app.post_form(&m, "/admin/channels", &[("kind", "webhook"), ("name", "短信网关"), ("url", &url), ("secret", KEY), ("enabled", "1")]).await;
    assert_eq!(st, 303);
    let (_, page) = app.get_text(&m, &loc).await;
    assert!(page.contains(&url) && page.contains("已设置，留空则不变") && !page.contains(KEY), "the secret is never shown back");
    let (_, list) = app.get_text(&m, "/admin/channels").await;
    assert!(list.contains("短信网关") && !list.contains(KEY));
    let (st, _, body) = app.post_form(&m, "/admin/channels", &[("kind", "webhook"), ("name", "短信网关"), ("url", &url), ("secret", KEY)]).await;
    assert_eq!(st, 422, "one name per company");
    assert!(body.contains("已存在"), "{body}");

    // Editing with a blank secret keeps the saved key: the test message is signed with it.
    let id = loc.split('?').next().and_then(|p| p.rsplit('/').next()).expect("id").to_string();
    let version = page.split("name=\"version\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("version").to_string();
    let (st, _, _) =
        app.post_form(&m, &loc, &[("kind", "webhook"), ("name", "短信平台"), ("url", &url), ("secret", ""), ("enabled", "1"), ("version", &version)]).await;
    assert_eq!(st, 303);
    let (st, _, body) = app.post_form(&m, &format!("/admin/channels/{id}/test"), &[("to", "13900139000")]).await;
    assert_eq!(st, 200, "{body}");
    assert!(body.contains("测试消息已发出"), "{body}");
    let got = gw.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["to"], "13900139000");
    // A landline cannot take a text; a failing gateway is shown with its answer.
    assert_eq!(app.post_form(&m, &format!("/admin/channels/{id}/test"), &[("to", "010-12345678")]).await.0, 422);
    gw.answer(500);
    let (st, _, body) = app.post_form(&m, &format!("/admin/channels/{id}/test"), &[("to", "13900139000")]).await;
    assert_eq!(st, 200);
    assert!(body.contains("测试消息未发出") && body.contains("500"), "{body}");

    // The API: list without secrets; a stale version is refused; a supervisor may not.
    let token = app.token("jingli").await;
    let (st, v) = api(&app, &token, "GET", "/api/v1/notification-channels", None).await;
    assert_eq!(st, 200);
    assert_eq!(v[0]["name"], "短信平台");
    assert_eq!(v[0]["has_secret"], true);
    assert!(!v.to_string().contains(KEY), "{v}");
    let (st, _) = api(
        &app,
        &token,
        "PUT",
        &format!("/api/v1/notification-channels/{id}"),
        Some(json!({"kind": "webhook", "name": "短信平台", "url": url, "version": 1})),
    )
    .await;
    assert_eq!(st, 409);
    let (st, v) = api(
        &app,
        &token,
        "PUT",
        &format!("/api/v1/notification-channels/{id}"),
        Some(json!({"kind": "webhook", "name": "短信平台", "url": url, "enabled": false})),
    )
    .await;
    assert_eq!((st, v["enabled"].clone(), v["has_secret"].clone()), (200, json!(false), json!(true)));
    let sup = app.token("zhuguan").await;
    assert_eq!(api(&app, &sup, "GET", "/api/v1/notification-channels", None).await.0, 403);
}

#[tokio::test]
async fn fee_3_sending_needs_a_channel_a_bill_and_the_right_to_collect() {
    let app = spawn_app().await;
    let (u1, _, owner1, _, _) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    fee::create_item(&app.db, &actor(&app, sup, Role::Supervisor), &item(&app, "物业服务费", "property_service", "area", "3", "owner")).await.expect("item");
    bill(&app, sup, "2026-12").await;
    let token = app.token("zhuguan").await;
    let p = app.project_a;
    let send = |body: Value| {
        let (app, token) = (&app, token.clone());
        async move { api(app, &token, "POST", "/api/v1/payment-notices/send", Some(body)).await }
    };
    let (st, v) = send(json!({"project_id": p, "period": "2026-12"})).await;
    assert_eq!(st, 422);
    assert_eq!(v["error"]["fields"][0]["field"], "channel", "no channel yet: {v}");
    let (_, url) = Gateway::start().await;
    let manager = app.token("jingli").await;
    assert_eq!(
        api(&app, &manager, "POST", "/api/v1/notification-channels", Some(json!({"kind": "webhook", "name": "短信网关", "url": url, "secret": KEY}))).await.0,
        201
    );
    let (st, v) = send(json!({"project_id": p, "period": "2027-06"})).await;
    assert_eq!((st, v["error"]["fields"][0]["field"].clone()), (422, json!("period")), "nothing billed: {v}");
    assert_eq!(send(json!({"project_id": app.project_b, "period": "2026-12"})).await.0, 422, "not the caller's project");
    assert_eq!(send(json!({"project_id": p, "period": "2026-12", "payer_id": 1})).await.0, 422, "one notice needs payer and unit");
    let recep = app.token("qiantai").await;
    assert_eq!(api(&app, &recep, "POST", "/api/v1/payment-notices/send", Some(json!({"project_id": p, "period": "2026-12"}))).await.0, 403);
    // One payer's notice alone, then the rest of the period.
    let (st, v) = send(json!({"project_id": p, "period": "2026-12", "payer_id": owner1, "unit_id": u1})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v, json!({"notices": 1, "queued": 1, "already": 0, "unreachable": 0}));
    let (st, v) = send(json!({"project_id": p, "period": "2026-12"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v, json!({"notices": 2, "queued": 1, "already": 1, "unreachable": 0}));
    let (st, v) = api(&app, &recep, "GET", &format!("/api/v1/payment-notices/messages?project_id={p}&period=2026-12"), None).await;
    assert_eq!(st, 200, "the front desk sees where notices stand");
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    assert!(v.as_array().expect("list").iter().all(|m| m["state"] == "queued" && m["channel"] == "短信网关"), "{v}");
    let (st, _) = api(&app, &recep, "GET", &format!("/api/v1/payment-notices/messages?project_id={}&period=2026-12", app.project_b), None).await;
    assert_eq!(st, 404);
}
