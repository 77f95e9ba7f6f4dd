//! FEE-1/FEE-2: fee items, the billing run of a period (who pays, part periods, re-runs) and the
//! ledger's reconciliation with finance — through ops, the pages and the API.

mod common;

use common::fees::{actor, item, party, setup, unit};
use common::{TestApp, spawn_app};
use propdesk::error::AppError;
use propdesk::ops::arrears::{self, ActionInput};
use propdesk::ops::complaint::ComplaintInput;
use propdesk::ops::fee::{self, FeeItemInput, parse_period};
use propdesk::ops::org::{OwnershipInput, PartyInput, create_party, transfer_ownership};
use propdesk::ops::payment::{self, PaymentInput};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::billing::ArrearsStatus;
use propdesk_store::Page;
use propdesk_store::models::arrears as cases_store;
use propdesk_store::models::fee::{LedgerFilter, LineState, ledger};
use propdesk_store::models::payment as payments;

#[tokio::test]
async fn fee_1_billing_run_charges_each_payer_by_area_and_days_and_rerunning_adds_nothing() {
    let app = spawn_app().await;
    let (u1, u2, owner1, owner2, tenant) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    fee::create_item(&app.db, &a, &item(&app, "物业服务费", "property_service", "area", "2.35", "occupant")).await.expect("fee item");
    fee::create_item(&app.db, &a, &item(&app, "租金", "rent", "fixed", "3000", "owner")).await.expect("rent item");
    let period = parse_period("month", "2026-11").expect("period");
    let r = fee::run_billing(&app.db, &a, app.project_a, period).await.expect("run");
    assert_eq!((r.units, r.lines_added), (2, 5), "{r:?}");
    // 89.37 m² × 2.35 = 210.0195 → 210.02; 100 m² × 2.35 = 235.00 split 20/10 days: 156.67 + 78.33.
    let (page, totals) = ledger(
        &mut app.db.read().await.expect("conn"),
        &a,
        &LedgerFilter { project_id: Some(app.project_a), period_key: Some("2026-11".into()), ..Default::default() },
        Page::new(1, 50),
    )
    .await
    .expect("ledger");
    let mut got: Vec<(i64, i64, i64, i64)> = page.items.iter().map(|l| (l.unit_id, l.payer_id, l.days, l.amount)).collect();
    got.sort();
    let mut want = vec![(u1, owner1, 30, 21_002), (u1, owner1, 30, 300_000), (u2, owner2, 20, 15_667), (u2, tenant, 10, 7_833), (u2, owner2, 30, 300_000)];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(totals.amount, 21_002 + 300_000 * 2 + 23_500, "the split parts add up to the whole month");
    assert!(page.items.iter().all(|l| l.due_date.to_string() == "2026-11-11"), "due 10 days after the period starts");
    // Re-running the period adds nothing; a new unit is picked up by the next run.
    let again = fee::run_billing(&app.db, &a, app.project_a, period).await.expect("rerun");
    assert_eq!((again.lines_added, again.amount_added), (0, 0));
    let u3 = unit(&app, "1203", "50", "").await;
    let owner3 = party(&app, "孙业主", "13800138004").await;
    transfer_ownership(&app.db, &app.root, u3, &OwnershipInput { party_id: owner3.to_string(), start_date: "2026-11-16".into(), ..Default::default() })
        .await
        .expect("owner3");
    let third = fee::run_billing(&app.db, &a, app.project_a, period).await.expect("third run");
    // 50 × 2.35 = 117.50 for 15 of 30 days → 58.75; rent 3000 for 15 days → 1500.
    assert_eq!((third.lines_added, third.amount_added), (2, 5_875 + 150_000));
}

#[tokio::test]
async fn fee_1_bad_items_and_runs_are_refused_with_the_field() {
    let app = spawn_app().await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    let bad = |mut i: FeeItemInput, f: fn(&mut FeeItemInput)| {
        f(&mut i);
        i
    };
    let base = item(&app, "物业服务费", "property_service", "area", "2.35", "owner");
    for (input, field) in [
        (bad(base.clone(), |i| i.price = "-1".into()), "price"),
        (bad(base.clone(), |i| i.price = "2.12345".into()), "price"),
        (bad(base.clone(), |i| i.basis = "metered".into()), "basis"),
        (bad(base.clone(), |i| i.kind = "cake".into()), "kind"),
        (bad(base.clone(), |i| i.due_days = "400".into()), "due_days"),
        (bad(base.clone(), |i| i.tiers = "200:0.5; 100:0.6; :0.8".into()), "tiers"),
    ] {
        let err = fee::create_item(&app.db, &a, &input).await.expect_err("refused");
        assert!(format!("{err:?}").contains(field), "{field}: {err:?}");
    }
    fee::create_item(&app.db, &a, &base).await.expect("first");
    let dup = fee::create_item(&app.db, &a, &base).await.expect_err("duplicate name");
    assert!(format!("{dup:?}").contains("name"));
    // Tiered electricity is fine.
    let mut elec = item(&app, "电费", "electricity", "metered", "", "occupant");
    elec.tiers = "200:0.5283; 400:0.5783; :0.8283".into();
    fee::create_item(&app.db, &a, &elec).await.expect("tiered electricity");
    // Only managers and supervisors set up billing.
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    assert!(fee::create_item(&app.db, &actor(&app, spec, Role::Specialist), &item(&app, "x", "rent", "fixed", "1", "owner")).await.is_err());
    // A quarter without quarterly items is refused.
    assert!(fee::run_billing(&app.db, &a, app.project_a, parse_period("quarter", "2026-11").expect("q")).await.is_err());
    assert!(parse_period("month", "2026-13").is_err());
}

#[tokio::test]
async fn fee_2_finance_reconciles_a_billed_period_once() {
    let app = spawn_app().await;
    setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let fin = app.staff("caiwu", "finance", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    let f = actor(&app, fin, Role::Finance);
    let period = parse_period("month", "2026-12").expect("period");
    assert!(fee::reconcile(&app.db, &f, app.project_a, period, "").await.is_err(), "nothing billed yet");
    fee::create_item(&app.db, &a, &item(&app, "物业服务费", "property_service", "area", "2", "owner")).await.expect("item");
    fee::run_billing(&app.db, &a, app.project_a, period).await.expect("run");
    assert!(fee::reconcile(&app.db, &a, app.project_a, period, "").await.is_err(), "a supervisor does not sign for finance");
    fee::reconcile(&app.db, &f, app.project_a, period, "与财务核对一致").await.expect("reconciled");
    assert!(fee::reconcile(&app.db, &f, app.project_a, period, "").await.is_err(), "once");
    // The ledger's open lines are the whole period until payments arrive.
    let (_, open) = ledger(&mut app.db.read().await.expect("conn"), &f, &LedgerFilter { state: Some(LineState::Open), ..Default::default() }, Page::new(1, 10))
        .await
        .expect("ledger");
    assert_eq!((open.lines, open.amount), (2, 17_874 + 20_000));
}

#[tokio::test]
async fn fee_2_fee_3_pages_bill_a_month_list_the_ledger_export_it_and_print_the_notices() {
    let app = spawn_app().await;
    setup(&app).await;
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let c = app.login("zhuguan").await;
    // A bad price comes back on the form with the field marked, in Chinese.
    let p = app.project_a.to_string();
    let base = [
        ("project_id", p.as_str()),
        ("name", "物业服务费"),
        ("kind", "property_service"),
        ("basis", "area"),
        ("area_basis", "building"),
        ("cycle", "month"),
        ("payer", "occupant"),
        ("due_days", "10"),
        ("active", "1"),
    ];
    let mut bad = base.to_vec();
    bad.push(("price", "两块"));
    let (s, _, body) = app.post_form(&c, "/fees/items", &bad).await;
    assert_eq!(s, 422);
    assert!(body.contains("单价应为不小于 0 的数字"), "{body}");
    let mut good = base.to_vec();
    good.push(("price", "2.35"));
    let (s, loc, _) = app.post_form(&c, "/fees/items", &good).await;
    assert_eq!((s, loc.starts_with("/fees/items")), (303, true));
    let (_, items) = app.get_text(&c, &format!("/fees/items?project_id={p}")).await;
    assert!(items.contains("物业服务费") && items.contains("2.35 元/m²·月"), "{items}");
    // Bill November through the page.
    let (s, loc, _) = app.post_form(&c, "/fees/billing", &[("project_id", p.as_str()), ("cycle", "month"), ("month", "2026-11")]).await;
    assert_eq!(s, 303, "{loc}");
    let (_, billing) = app.get_text(&c, &loc).await;
    assert!(billing.contains("本次新增账单行：3") && billing.contains("2026-11"), "{billing}");
    let (_, ledger) = app.get_text(&c, &format!("/fees?project_id={p}&period=2026-11")).await;
    for want in ["王业主", "李业主", "赵租户", "210.02", "156.67", "78.33", "应收 <strong>445.02</strong>"] {
        assert!(ledger.contains(want), "{want} in ledger");
    }
    let (_, filtered) = app.get_text(&c, &format!("/fees?project_id={p}&period=2026-11&q=%E8%B5%B5")).await;
    assert!(filtered.contains("赵租户") && !filtered.contains("王业主"));
    let r = c.get(format!("{}/fees?project_id={p}&period=2026-11&format=xlsx", app.base)).send().await.expect("xlsx");
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
    // FEE-3: one notice per payer and unit, with period, amount, deadline and where to pay.
    let (s, notices) = app.get_text(&c, &format!("/fees/notices?project_id={p}&period=2026-11")).await;
    assert_eq!(s, 200);
    assert_eq!(notices.matches("class=\"sheet\"").count(), 3, "{notices}");
    for want in ["缴费通知单", "2026-11-11", "缴费地点", "156.67", "合计应缴"] {
        assert!(notices.contains(want), "{want} on the notices");
    }
    // A receptionist may look but not bill; engineering does not see fees at all.
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    let r = app.login("qiantai").await;
    assert_eq!(app.get_text(&r, "/fees").await.0, 200);
    assert_eq!(app.post_form(&r, "/fees/billing", &[("project_id", p.as_str()), ("cycle", "month"), ("month", "2026-12")]).await.0, 403);
    app.staff("gongcheng", "engineering", &[app.project_a]).await;
    let e = app.login("gongcheng").await;
    assert_eq!(app.get_text(&e, "/fees").await.0, 403);
}

#[tokio::test]
async fn fee_1_fee_2_api_items_runs_bills_and_reconciliation() {
    let app = spawn_app().await;
    setup(&app).await;
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("caiwu", "finance", &[app.project_a]).await;
    app.staff("other", "supervisor", &[app.project_b]).await;
    let http = app.client();
    let sup = app.token("zhuguan").await;
    let post = |token: &str, path: &str, body: serde_json::Value| http.post(format!("{}{path}", app.base)).bearer_auth(token).json(&body).send();
    let r = post(&sup, "/api/v1/fee-items", serde_json::json!({"project_id": app.project_a, "name": "物业服务费", "kind": "property_service", "basis": "area", "price": "2.35", "payer": "occupant", "due_days": 10})).await.expect("post");
    assert_eq!(r.status(), 201);
    let item: serde_json::Value = r.json().await.expect("json");
    assert_eq!((item["tiers"][0]["price"].as_str(), item["payer"].as_str()), (Some("2.35"), Some("occupant")));
    let r = post(&sup, "/api/v1/fee-items", serde_json::json!({"project_id": app.project_a, "name": "水费", "kind": "water", "basis": "area", "price": "1"}))
        .await
        .expect("post");
    assert_eq!(r.status(), 422, "water is metered");
    let body: serde_json::Value = r.json().await.expect("json");
    assert!(body.to_string().contains("basis"), "{body}");
    // Update needs the version read.
    let id = item["id"].as_i64().expect("id");
    let put = |v: serde_json::Value| http.put(format!("{}/api/v1/fee-items/{id}", app.base)).bearer_auth(&sup).json(&v).send();
    let upd = serde_json::json!({"project_id": app.project_a, "name": "物业服务费", "kind": "property_service", "basis": "area", "price": "2.5", "payer": "occupant", "due_days": 10, "version": 99});
    assert_eq!(put(upd.clone()).await.expect("put").status(), 409);
    let mut ok = upd;
    ok["version"] = item["version"].clone();
    assert_eq!(put(ok).await.expect("put").status(), 200);
    let r = post(&sup, "/api/v1/billing-runs", serde_json::json!({"project_id": app.project_a, "month": "2026-11"})).await.expect("run");
    assert_eq!(r.status(), 201);
    let run: serde_json::Value = r.json().await.expect("json");
    assert_eq!(run["lines_added"], 3);
    assert_eq!(post(&sup, "/api/v1/billing-runs", serde_json::json!({"project_id": app.project_a, "month": "11/2026"})).await.expect("run").status(), 422);
    let get = |token: &str, path: &str| http.get(format!("{}{path}", app.base)).bearer_auth(token).send();
    let bills: serde_json::Value =
        get(&sup, &format!("/api/v1/bills?project_id={}&period=2026-11&status=open", app.project_a)).await.expect("bills").json().await.expect("json");
    assert_eq!(bills["total"], 3);
    // 89.37 × 2.50 = 223.425 → 223.43; 100 × 2.5 = 250 → 166.67 + 83.33.
    assert_eq!(bills["amount"], 22_343 + 25_000);
    assert!(bills["items"].as_array().expect("items").iter().all(|b| b["balance"] == b["amount"] && b["due_date"] == "2026-11-11"));
    assert_eq!(get(&sup, "/api/v1/bills?status=late").await.expect("bills").status(), 422);
    // Another project's supervisor sees none of it.
    let other = app.token("other").await;
    let theirs: serde_json::Value = get(&other, "/api/v1/bills?period=2026-11").await.expect("bills").json().await.expect("json");
    assert_eq!(theirs["total"], 0);
    assert_eq!(get(&other, &format!("/api/v1/fee-items/{id}")).await.expect("item").status(), 404);
    // FEE-2: finance reconciles once; a supervisor cannot.
    let rec = serde_json::json!({"project_id": app.project_a, "month": "2026-11", "note": "一致"});
    assert_eq!(post(&sup, "/api/v1/ledger-reconciliations", rec.clone()).await.expect("rec").status(), 403);
    let fin = app.token("caiwu").await;
    let r = post(&fin, "/api/v1/ledger-reconciliations", rec.clone()).await.expect("rec");
    assert_eq!(r.status(), 201);
    let out: serde_json::Value = r.json().await.expect("json");
    assert_eq!((out["lines"].as_i64(), out["amount"].as_i64()), (Some(3), Some(47_343)));
    assert_eq!(post(&fin, "/api/v1/ledger-reconciliations", rec).await.expect("rec").status(), 409);
}

#[tokio::test]
async fn fee_4_payments_settle_oldest_lines_first_number_receipts_and_refuse_a_surplus_unless_confirmed() {
    let app = spawn_app().await;
    let (_, u2, _, owner2, tenant) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    fee::create_item(&app.db, &a, &item(&app, "物业服务费", "property_service", "area", "3", "owner")).await.expect("item");
    for month in ["2026-09", "2026-10"] {
        fee::run_billing(&app.db, &a, app.project_a, parse_period("month", month).expect("period")).await.expect("run");
    }
    // 李业主 owes 300.00 for September (due 09-11) and 300.00 for October (due 10-11).
    let pay = |amount: &str, prepay: bool| PaymentInput {
        project_id: app.project_a.to_string(),
        payer_id: owner2.to_string(),
        unit_id: u2.to_string(),
        amount: amount.into(),
        method: "cash".into(),
        paid_on: "2026-11-02".into(),
        prepay,
        ..Default::default()
    };
    let first = payment::record(&app.db, &a, &pay("450", false)).await.expect("partial payment");
    let mut conn = app.db.read().await.expect("conn");
    let p1 = payments::get(&mut conn, &a, first).await.expect("get").expect("payment");
    assert_eq!((p1.receipt_no.as_str(), p1.allocated, p1.prepaid), ("HXGC/SJ00001", 45_000, 0));
    let alloc: Vec<(String, i64)> = payments::allocations(&mut conn, first).await.expect("alloc").into_iter().map(|x| (x.period_key, x.amount)).collect();
    assert_eq!(alloc, vec![("2026-09".to_string(), 30_000), ("2026-10".to_string(), 15_000)], "oldest due first");
    drop(conn);
    // 150.00 is still owed: 200 is refused unless the 50 surplus is confirmed as a prepayment.
    let err = payment::record(&app.db, &a, &pay("200", false)).await.expect_err("surplus");
    assert!(format!("{err:?}").contains("amount"));
    let second = payment::record(&app.db, &a, &pay("200", true)).await.expect("with prepayment");
    let mut conn = app.db.read().await.expect("conn");
    let p2 = payments::get(&mut conn, &a, second).await.expect("get").expect("payment");
    assert_eq!((p2.receipt_no.as_str(), p2.allocated, p2.prepaid), ("HXGC/SJ00002", 15_000, 5_000));
    // Paid + balance = billed, line by line and in total.
    let (_, t) = ledger(&mut conn, &a, &LedgerFilter { payer_id: Some(owner2), ..Default::default() }, Page::new(1, 10)).await.expect("ledger");
    assert_eq!((t.amount, t.paid), (60_000, 60_000));
    drop(conn);
    // Bad input: a transfer without its reference, a negative amount, a future date, another project's payer.
    let mut transfer = pay("10", true);
    transfer.method = "transfer".into();
    assert!(format!("{:?}", payment::record(&app.db, &a, &transfer).await.expect_err("no reference")).contains("reference"));
    assert!(format!("{:?}", payment::record(&app.db, &a, &pay("-5", true)).await.expect_err("negative")).contains("amount"));
    let mut future = pay("10", true);
    future.paid_on = "2099-01-01".into();
    assert!(format!("{:?}", payment::record(&app.db, &a, &future).await.expect_err("future")).contains("paid_on"));
    // A payer of another project is not found; a pure prepayment (nothing owed, confirmed) is allowed.
    let b_party = create_party(
        &app.db,
        &app.root,
        &PartyInput { project_id: app.project_b.to_string(), kind: "person".into(), name: "外人".into(), phone: "13900139000".into(), ..Default::default() },
    )
    .await
    .expect("party b");
    let mut wrong = pay("10", true);
    wrong.payer_id = b_party.to_string();
    wrong.unit_id = String::new();
    assert!(format!("{:?}", payment::record(&app.db, &a, &wrong).await.expect_err("other project")).contains("payer_id"));
    let mut ahead = pay("100", false);
    ahead.payer_id = tenant.to_string();
    ahead.unit_id = String::new();
    assert!(format!("{:?}", payment::record(&app.db, &a, &ahead).await.expect_err("nothing owed")).contains("amount"));
    ahead.prepay = true;
    let pre = payment::record(&app.db, &a, &ahead).await.expect("prepayment");
    let p3 = payments::get(&mut app.db.read().await.expect("conn"), &a, pre).await.expect("get").expect("payment");
    assert_eq!((p3.allocated, p3.prepaid), (0, 10_000));
    // Engineering staff cannot take money.
    let eng = app.staff("gongcheng", "engineering", &[app.project_a]).await;
    assert!(payment::record(&app.db, &actor(&app, eng, Role::Engineering), &pay("1", true)).await.is_err());
}

#[tokio::test]
async fn fee_4_page_journey_from_the_ledger_to_the_printed_receipt_the_invoice_and_the_months_sign_off() {
    let app = spawn_app().await;
    let (_, u2, _, owner2, _) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("caiwu", "finance", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    fee::create_item(&app.db, &a, &item(&app, "物业服务费", "property_service", "area", "3", "owner")).await.expect("item");
    fee::run_billing(&app.db, &a, app.project_a, parse_period("month", "2026-10").expect("period")).await.expect("run");
    let c = app.login("zhuguan").await;
    let p = app.project_a.to_string();
    let (_, ledger_page) = app.get_text(&c, &format!("/fees?project_id={p}&state=open")).await;
    let link = format!("/fees/payments/new?project_id={p}&amp;payer_id={owner2}&amp;unit_id={u2}");
    assert!(ledger_page.contains(&link), "a 收款 link per unpaid line");
    let (s, form) = app.get_text(&c, &link.replace("&amp;", "&")).await;
    assert_eq!(s, 200);
    assert!(form.contains("value=\"300.00\"") && form.contains("2026-10"), "the amount owed is the default");
    let (pid, uid) = (owner2.to_string(), u2.to_string());
    let base = [("project_id", p.as_str()), ("payer_id", pid.as_str()), ("unit_id", uid.as_str()), ("method", "transfer"), ("paid_on", "2026-11-03")];
    let mut no_ref = base.to_vec();
    no_ref.push(("amount", "300"));
    let (s, _, body) = app.post_form(&c, "/fees/payments", &no_ref).await;
    assert_eq!(s, 422);
    assert!(body.contains("须填写交易流水号"), "the reference is asked for in Chinese");
    let mut ok = no_ref.clone();
    ok.push(("reference", "ZH20261103001"));
    let (s, loc, _) = app.post_form(&c, "/fees/payments", &ok).await;
    assert_eq!(s, 303);
    let loc = loc.split('?').next().expect("path").to_string();
    let (_, receipt) = app.get_text(&c, &loc).await;
    assert!(receipt.contains("HXGC/SJ00001") && receipt.contains("300.00") && receipt.contains("ZH20261103001"), "{receipt}");
    let (_, printed) = app.get_text(&c, &format!("{loc}/receipt")).await;
    assert_eq!(printed.matches("class=\"sheet half\"").count(), 2, "customer and stub copies: {printed}");
    assert!(printed.contains("客户联") && printed.contains("存根联"));
    // FEE-4: the receipt goes to finance for the invoice, once.
    assert_eq!(app.post_form(&c, &format!("{loc}/invoice"), &[]).await.0, 303);
    assert_eq!(app.post_form(&c, &format!("{loc}/invoice"), &[]).await.0, 409);
    let (_, after) = app.get_text(&c, &loc).await;
    assert!(after.contains("已交财务换开发票"));
    let (_, ledger_after) = app.get_text(&c, &format!("/fees?project_id={p}&period=2026-10&q=%E6%9D%8E")).await;
    assert!(ledger_after.contains("已缴清"));
    // The month's sign-off is finance's, for a finished month, once.
    let (_, list) = app.get_text(&c, &format!("/fees/payments?project_id={p}&month=2026-11")).await;
    assert!(list.contains("HXGC/SJ00001") && list.contains("收款笔数 1"), "{list}");
    assert_eq!(app.post_form(&c, "/fees/payments/month", &[("project_id", p.as_str()), ("month", "2026-10")]).await.0, 403);
    let f = app.login("caiwu").await;
    let (s, _, _) = app.post_form(&f, "/fees/payments/month", &[("project_id", p.as_str()), ("month", "2026-10"), ("note", "一致")]).await;
    assert_eq!(s, 303);
    let (_, signed) = app.get_text(&f, &format!("/fees/payments?project_id={p}&month=2026-10")).await;
    assert!(signed.contains("已核对") && signed.contains("月末欠缴 1"), "王业主's October is still unpaid: {signed}");
    let r = f.get(format!("{}/fees/payments?project_id={p}&format=xlsx", app.base)).send().await.expect("xlsx");
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
}

#[tokio::test]
async fn fee_4_api_records_and_reads_payments() {
    let app = spawn_app().await;
    let (_, _, owner1, _, _) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("other", "supervisor", &[app.project_b]).await;
    fee::create_item(&app.db, &actor(&app, sup, Role::Supervisor), &item(&app, "物业服务费", "property_service", "area", "2", "owner")).await.expect("item");
    fee::run_billing(&app.db, &actor(&app, sup, Role::Supervisor), app.project_a, parse_period("month", "2026-10").expect("p")).await.expect("run");
    let http = app.client();
    let token = app.token("zhuguan").await;
    let body =
        |amount: &str, prepay: bool| serde_json::json!({"project_id": app.project_a, "payer_id": owner1, "amount": amount, "method": "cash", "prepay": prepay});
    let r = http.post(format!("{}/api/v1/payments", app.base)).bearer_auth(&token).json(&body("200", false)).send().await.expect("post");
    assert_eq!(r.status(), 422, "178.74 is owed");
    let r = http.post(format!("{}/api/v1/payments", app.base)).bearer_auth(&token).json(&body("200", true)).send().await.expect("post");
    assert_eq!(r.status(), 201);
    let p: serde_json::Value = r.json().await.expect("json");
    assert_eq!((p["allocated"].as_i64(), p["prepaid"].as_i64(), p["allocations"][0]["period"].as_str()), (Some(17_874), Some(2_126), Some("2026-10")));
    let list: serde_json::Value =
        http.get(format!("{}/api/v1/payments?month=2026-11", app.base)).bearer_auth(&token).send().await.expect("get").json().await.expect("json");
    assert_eq!((list["total"].as_i64(), list["amount"].as_i64()), (Some(1), Some(20_000)));
    let other = app.token("other").await;
    let id = p["id"].as_i64().expect("id");
    assert_eq!(http.get(format!("{}/api/v1/payments/{id}", app.base)).bearer_auth(&other).send().await.expect("get").status(), 404);
}

/// Bills September and October for the two owners (property fee 3 元/m², due on the 11th).
async fn overdue(app: &TestApp, sup: &Actor) {
    fee::create_item(&app.db, sup, &item(app, "物业服务费", "property_service", "area", "3", "owner")).await.expect("item");
    for month in ["2026-09", "2026-10"] {
        fee::run_billing(&app.db, sup, app.project_a, parse_period("month", month).expect("period")).await.expect("run");
    }
}

#[tokio::test]
async fn fee_6_every_overdue_payer_gets_a_case_that_walks_the_ladder_and_closes_when_paid() {
    let app = spawn_app().await;
    let (_, _, owner1, owner2, _) = setup(&app).await;
    let sup_id = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let spec_id = app.staff("kefu", "specialist", &[app.project_a]).await;
    let mgr_id = app.staff("jingli", "manager", &[app.project_a]).await;
    let (sup, spec, mgr) = (actor(&app, sup_id, Role::Supervisor), actor(&app, spec_id, Role::Specialist), actor(&app, mgr_id, Role::Manager));
    overdue(&app, &sup).await;
    assert_eq!(arrears::open_overdue(&app.db, &spec, app.project_a).await.expect("open"), 2);
    assert_eq!(arrears::open_overdue(&app.db, &spec, app.project_a).await.expect("again"), 0, "one open case per payer");
    let mut conn = app.db.read().await.expect("conn");
    let cases = cases_store::list(&mut conn, &spec, &cases_store::Filter { open: true, ..Default::default() }, propdesk::ops::org::today(), Page::new(1, 10))
        .await
        .expect("list");
    drop(conn);
    let case1 = cases.items.iter().find(|c| c.payer_id == owner1).expect("case of 王业主");
    // 89.37 × 3 = 268.11 for each month.
    assert_eq!((case1.balance, case1.status), (53_622, ArrearsStatus::Notice));
    let act = |who: &Actor, version: i64, action: &str, method: &str, note: &str| {
        let input = ActionInput {
            action: action.into(),
            method: method.into(),
            note: note.into(),
            courier_no: if method == "courier" { "SF1234567890".into() } else { String::new() },
            ..Default::default()
        };
        let (db, who, id) = (app.db.clone(), who.clone(), case1.id);
        async move { arrears::act(&db, &who, id, version, &input).await }
    };
    assert_eq!(act(&spec, 1, "escalate", "courier", "寄发催费通知书").await.expect("reminder"), ArrearsStatus::Reminder);
    assert!(matches!(act(&spec, 1, "contact", "phone", "stale").await, Err(AppError::Conflict(_))), "a stale version is refused");
    assert_eq!(act(&spec, 2, "contact", "phone", "答应月底交").await.expect("contact"), ArrearsStatus::Reminder);
    assert_eq!(act(&spec, 3, "escalate", "visit", "上门催缴").await.expect("visit"), ArrearsStatus::Contact);
    assert!(matches!(act(&spec, 4, "escalate", "meeting", "约谈").await, Err(AppError::Forbidden)), "the interview is a supervisor's");
    assert_eq!(act(&sup, 4, "escalate", "meeting", "经理约谈，承诺分期").await.expect("interview"), ArrearsStatus::Interview);
    assert!(matches!(act(&sup, 5, "escalate", "letter", "律师函").await, Err(AppError::Forbidden)), "legal steps are the manager's");
    assert_eq!(act(&mgr, 5, "escalate", "courier", "律师函已寄").await.expect("lawyer"), ArrearsStatus::LawyerLetter);
    assert!(matches!(act(&spec, 6, "contact", "phone", "").await, Err(AppError::Invalid(_))), "what was said is recorded");
    // Paying everything overdue closes the case as paid, in the payment's transaction.
    payment::record(
        &app.db,
        &spec,
        &PaymentInput {
            project_id: app.project_a.to_string(),
            payer_id: owner1.to_string(),
            amount: "536.22".into(),
            method: "cash".into(),
            ..Default::default()
        },
    )
    .await
    .expect("paid");
    let mut conn = app.db.read().await.expect("conn");
    let closed = cases_store::get(&mut conn, &spec, case1.id, propdesk::ops::org::today()).await.expect("get").expect("case");
    assert_eq!((closed.status, closed.balance), (ArrearsStatus::Paid, 0));
    let steps: Vec<String> = cases_store::steps(&mut conn, &[case1.id]).await.expect("steps").into_iter().map(|s| s.action).collect();
    assert_eq!(steps, ["opened", "escalate", "contact", "escalate", "escalate", "escalate", "paid_in_full"]);
    let still = cases.items.iter().find(|c| c.payer_id == owner2).expect("case of 李业主");
    assert!(cases_store::get(&mut conn, &spec, still.id, propdesk::ops::org::today()).await.expect("get").expect("case").status.is_open());
}

#[tokio::test]
async fn fee_5_a_service_failure_names_its_work_order_and_stops_the_ladder_until_it_is_put_right() {
    let app = spawn_app().await;
    let (_, _, owner1, _, _) = setup(&app).await;
    let sup_id = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let sup = actor(&app, sup_id, Role::Supervisor);
    overdue(&app, &sup).await;
    arrears::open_overdue(&app.db, &sup, app.project_a).await.expect("open");
    let complaint =
        ComplaintInput {
            project_id: app.project_a.to_string(), complainant: "王业主".into(), content: "电梯长期故障无人修".into(), ..Default::default()
        };
    let (complaint_id, _) = propdesk::ops::complaint::create(&app.db, &sup, &complaint).await.expect("complaint");
    let mut conn = app.db.read().await.expect("conn");
    let cases = cases_store::list(&mut conn, &sup, &cases_store::Filter { open: true, ..Default::default() }, propdesk::ops::org::today(), Page::new(1, 10))
        .await
        .expect("list");
    drop(conn);
    let id = cases.items.iter().find(|c| c.payer_id == owner1).expect("case").id;
    let set = |linked_id: &str| ActionInput {
        action: "set_cause".into(),
        cause: "service_failure".into(),
        note: "业主称电梯坏了不交费".into(),
        linked_entity: if linked_id.is_empty() { String::new() } else { "complaint".into() },
        linked_id: linked_id.into(),
        ..Default::default()
    };
    let err = arrears::act(&app.db, &sup, id, 1, &set("")).await.expect_err("needs the complaint");
    assert!(format!("{err:?}").contains("linked_id"));
    assert!(format!("{:?}", arrears::act(&app.db, &sup, id, 1, &set("999999")).await.expect_err("unknown")).contains("linked_id"));
    arrears::act(&app.db, &sup, id, 1, &set(&complaint_id.to_string())).await.expect("cause set");
    let esc = |note: &str| ActionInput { action: "escalate".into(), method: "phone".into(), note: note.into(), ..Default::default() };
    arrears::act(&app.db, &sup, id, 2, &esc("催费通知书")).await.expect("reminder");
    arrears::act(&app.db, &sup, id, 3, &esc("电话")).await.expect("contact");
    let refused = arrears::act(&app.db, &sup, id, 4, &esc("约谈")).await.expect_err("service first");
    assert!(matches!(refused, AppError::Conflict(ref m) if m.contains("先整改到位")), "{refused:?}");
}

#[tokio::test]
async fn fee_6_pages_and_api_print_the_non_payers_with_their_records_and_the_reminder_notice() {
    let app = spawn_app().await;
    setup(&app).await;
    let sup_id = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    overdue(&app, &actor(&app, sup_id, Role::Supervisor)).await;
    let c = app.login("zhuguan").await;
    let p = app.project_a.to_string();
    assert_eq!(app.post_form(&c, "/fees/arrears", &[("project_id", p.as_str())]).await.0, 303);
    let (_, list) = app.get_text(&c, &format!("/fees/arrears?project_id={p}")).await;
    assert!(list.contains("王业主") && list.contains("536.22") && list.contains("已发缴费通知单"), "{list}");
    let marker = "href=\"/fees/arrears/";
    let start = list.find(marker).expect("case link") + marker.len();
    let id: String = list[start..].chars().take_while(char::is_ascii_digit).collect();
    let (s, _, body) =
        app.post_form(&c, &format!("/fees/arrears/{id}/actions"), &[("action", "escalate"), ("version", "1"), ("method", "courier"), ("note", "")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("必填"));
    let (s, _, _) = app
        .post_form(
            &c,
            &format!("/fees/arrears/{id}/actions"),
            &[("action", "escalate"), ("version", "1"), ("method", "courier"), ("courier_no", "SF998877"), ("note", "寄发催费通知书")],
        )
        .await;
    assert_eq!(s, 303);
    let (_, printed) = app.get_text(&c, &format!("/fees/arrears?project_id={p}&print=1")).await;
    assert!(printed.contains("欠费客户明细及催费记录") && printed.contains("寄发催费通知书"), "the list prints with each case's records");
    let (_, reminder) = app.get_text(&c, &format!("/fees/arrears/{id}/reminder")).await;
    assert!(reminder.contains("催费通知书") && reminder.contains("2026-09") && reminder.contains("2026-10"));
    let r = c.get(format!("{}/fees/arrears?project_id={p}&format=xlsx", app.base)).send().await.expect("xlsx");
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
    // The API: the case with its steps and what may be done next; a wrong step is 409 with the allowed actions.
    let http = app.client();
    let token = app.token("zhuguan").await;
    let case: serde_json::Value =
        http.get(format!("{}/api/v1/arrears-cases/{id}", app.base)).bearer_auth(&token).send().await.expect("get").json().await.expect("json");
    assert_eq!((case["status"].as_str(), case["steps"].as_array().map(Vec::len)), (Some("reminder"), Some(2)));
    assert!(case["allowed_actions"].as_array().expect("allowed").iter().any(|a| a == "escalate"));
    let list: serde_json::Value =
        http.get(format!("{}/api/v1/arrears-cases?project_id={p}", app.base)).bearer_auth(&token).send().await.expect("list").json().await.expect("json");
    assert_eq!(list["total"], 2);
    let r = http
        .post(format!("{}/api/v1/arrears-cases/{id}/actions", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"action": "contact", "version": 1, "method": "phone", "note": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 409, "stale version");
    let r = http
        .post(format!("{}/api/v1/arrears-cases/{id}/actions", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"action": "contact", "version": 2, "method": "phone", "note": "答应下周交"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn fee_3_each_notices_delivery_is_recorded_by_hand_or_by_courier_with_its_stub() {
    let app = spawn_app().await;
    let (u1, u2, owner1, owner2, _) = setup(&app).await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    fee::create_item(&app.db, &actor(&app, sup, Role::Supervisor), &item(&app, "物业服务费", "property_service", "area", "3", "owner")).await.expect("item");
    fee::run_billing(&app.db, &actor(&app, sup, Role::Supervisor), app.project_a, parse_period("month", "2026-12").expect("p")).await.expect("run");
    let c = app.login("zhuguan").await;
    let (p, o1, un1, o2, un2) = (app.project_a.to_string(), owner1.to_string(), u1.to_string(), owner2.to_string(), u2.to_string());
    let form = |payer: &str, unit: &str, method: &str, courier: &str| {
        vec![
            ("project_id", p.clone()),
            ("period", "2026-12".to_string()),
            ("payer_id", payer.to_string()),
            ("unit_id", unit.to_string()),
            ("method", method.to_string()),
            ("courier_no", courier.to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let (app, c) = (&app, c.clone());
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&c, "/fees/notices/deliver", &refs).await
        }
    };
    let (o1s, un1s, o2s, un2s) = (o1.as_str(), un1.as_str(), o2.as_str(), un2.as_str());
    // A courier needs its waybill number, the stub kept as evidence.
    let (s, _, body) = post(form(o1s, un1s, "courier", "")).await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(post(form(o1s, un1s, "courier", "SF100200300")).await.0, 303);
    assert_eq!(post(form(o1s, un1s, "hand", "")).await.0, 409, "once per notice");
    assert_eq!(post(form(o2s, un2s, "hand", "")).await.0, 303);
    assert_eq!(post(form(o2s, un1s, "hand", "")).await.0, 422, "李业主 has no bill for 1201");
    let (_, page) = app.get_text(&c, &format!("/fees/notices?project_id={p}&period=2026-12")).await;
    assert!(page.contains("SF100200300") && page.matches("已送达").count() == 2, "{page}");
}
