//! FEE-9: parking spaces, rentals that never overlap (checked in domain and refused by the
//! database itself) and the monthly check list — through ops, the pages and the API.

mod common;

use common::fees::{actor, party};
use common::{TestApp, spawn_app};
use propdesk::error::AppError;
use propdesk::ops::org::{UnitInput, create_unit, today};
use propdesk::ops::parking::{self, ObservationInput, RentalInput, SpaceInput};
use propdesk_domain::Reason;
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::billing::SpaceState;
use propdesk_domain::values::Month;
use propdesk_store::AsEx;
use propdesk_store::models::parking as store;

async fn space(app: &TestApp, a: &Actor, code: &str, sold_to: Option<i64>) -> i64 {
    let input = SpaceInput {
        project_id: app.project_a.to_string(),
        code: code.into(),
        location: "地下车库".into(),
        level: "B1".into(),
        kind: "standard".into(),
        sold_to: sold_to.map(|p| p.to_string()).unwrap_or_default(),
        sold_on: if sold_to.is_some() { "2025-06-01".into() } else { String::new() },
        ..Default::default()
    };
    parking::create_space(&app.db, a, &input).await.expect("space")
}

fn rental(renter: i64, start: &str, end: &str) -> RentalInput {
    RentalInput {
        renter_id: renter.to_string(),
        plate_no: "粤B12345".into(),
        start_date: start.into(),
        end_date: end.into(),
        monthly_fee: "350".into(),
        ..Default::default()
    }
}

fn field_reason(e: AppError) -> (String, Reason) {
    match e {
        AppError::Invalid(f) => (f.0[0].field.clone(), f.0[0].reason.clone()),
        other => panic!("expected 422, got {other:?}"),
    }
}

#[tokio::test]
async fn fee_9_a_space_is_never_rented_twice_for_overlapping_dates() {
    let app = spawn_app().await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    let renter = party(&app, "王车主", "13800138011").await;
    let other = party(&app, "李车主", "13800138012").await;
    let b018 = space(&app, &a, "B1-018", None).await;
    let r1 = parking::create_rental(&app.db, &a, b018, &rental(renter, "2026-01-01", "2026-06-30")).await.expect("first rental");
    // Touching the last day overlaps (both ends count); the day after does not.
    let e = parking::create_rental(&app.db, &a, b018, &rental(other, "2026-06-30", "2026-12-31")).await.expect_err("overlap");
    assert_eq!(field_reason(e), ("start_date".into(), Reason::Overlap));
    parking::create_rental(&app.db, &a, b018, &rental(other, "2026-07-01", "")).await.expect("open-ended after");
    let e = parking::create_rental(&app.db, &a, b018, &rental(renter, "2030-01-01", "2030-02-01")).await.expect_err("inside the open end");
    assert_eq!(field_reason(e), ("start_date".into(), Reason::Overlap));
    // A cancelled rental frees its dates.
    parking::cancel_rental(&app.db, &a, r1).await.expect("cancel");
    assert!(matches!(parking::cancel_rental(&app.db, &a, r1).await, Err(AppError::Conflict(_))));
    parking::create_rental(&app.db, &a, b018, &rental(renter, "2026-02-01", "2026-03-31")).await.expect("dates free again");
    // Bad input: every field with its reason.
    let bad = RentalInput {
        renter_id: String::new(),
        plate_no: "B1".into(),
        start_date: "2026-13-01".into(),
        end_date: String::new(),
        monthly_fee: "-5".into(),
        ..Default::default()
    };
    let AppError::Invalid(f) = parking::create_rental(&app.db, &a, b018, &bad).await.expect_err("bad") else { panic!("422") };
    let fields: Vec<&str> = f.0.iter().map(|e| e.field.as_str()).collect();
    for want in ["renter_id", "plate_no", "start_date", "monthly_fee"] {
        assert!(fields.contains(&want), "{fields:?}");
    }
    // A sold space is its owner's: not rented out by us.
    let sold = space(&app, &a, "B1-019", Some(renter)).await;
    let e = parking::create_rental(&app.db, &a, sold, &rental(other, "2026-01-01", "")).await.expect_err("sold");
    assert_eq!(field_reason(e).0, "space");
    // Selling a space still rented on or after the sale day is refused; after the rentals end it is sold.
    let sale = |on: &str| parking::SaleInput { sold_to: other.to_string(), sold_on: on.into() };
    let version = || async { store::space(&mut app.db.read().await.expect("conn"), &a, b018, "").await.expect("space").expect("found").version };
    assert_eq!(field_reason(parking::sell_space(&app.db, &a, b018, version().await, &sale("2028-01-01")).await.expect_err("still rented")).0, "sold_on");
    let unsold = space(&app, &a, "B1-020", None).await;
    let v = store::space(&mut app.db.read().await.expect("conn"), &a, unsold, "").await.expect("space").expect("found").version;
    parking::sell_space(&app.db, &a, unsold, v, &sale("2026-05-01")).await.expect("sold");
    assert!(matches!(parking::sell_space(&app.db, &a, unsold, v + 1, &sale("2026-05-01")).await, Err(AppError::Conflict(_))), "sold once");
    let e = parking::create_rental(&app.db, &a, unsold, &rental(renter, "2030-01-01", "")).await.expect_err("sold now");
    assert_eq!(field_reason(e).0, "space");
    // The code is unique per project.
    let dup = SpaceInput { project_id: app.project_a.to_string(), code: "B1-018".into(), ..Default::default() };
    assert_eq!(field_reason(parking::create_space(&app.db, &a, &dup).await.expect_err("dup")), ("code".into(), Reason::Duplicate));
    // Another project's staff do not find the space.
    let outsider = Actor { projects: vec![app.project_b], ..actor(&app, sup, Role::Supervisor) };
    assert!(matches!(parking::create_rental(&app.db, &outsider, b018, &rental(renter, "2040-01-01", "")).await, Err(AppError::NotFound)));
}

#[tokio::test]
async fn fee_9_the_database_refuses_an_overlap_the_domain_check_did_not_see() {
    let app = spawn_app().await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    let renter = party(&app, "王车主", "13800138011").await;
    let s = space(&app, &a, "B2-001", None).await;
    parking::create_rental(&app.db, &a, s, &rental(renter, "2026-01-01", "")).await.expect("open-ended rental");
    // Straight to the row writer, past `rental_conflict`: the database itself says no, and
    // the refusal is the same 422 the domain gives.
    let parsed = rental(renter, "2027-05-01", "2027-05-31").parse().expect("parse");
    let mut tx = app.db.begin().await.expect("tx");
    let e = parking::insert_rental_row(&mut tx, &a, app.project_a, s, &parsed).await.expect_err("database refuses");
    drop(tx);
    assert_eq!(field_reason(e), ("start_date".into(), Reason::Overlap));
    // And a raw insert of the store is refused with an overlap violation.
    let mut tx = app.db.begin().await.expect("tx");
    let n = store::NewRental {
        project_id: app.project_a,
        space_id: s,
        renter_id: renter,
        unit_id: None,
        plate_no: "",
        start_date: parsed.period.start,
        end_date: None,
        monthly_fee: 1,
    };
    let raw = store::insert_rental(&mut tx, sup, &n, chrono::Utc::now()).await.expect_err("raw insert refused");
    assert!(propdesk_store::is_overlap_violation(&raw), "{raw:?}");
    drop(tx);
    // Updating a cancelled rental back to active over another is refused as well (SQLite's
    // update trigger / PostgreSQL's constraint).
    let r2 = {
        let mut c = app.db.read().await.expect("conn");
        store::rentals(&mut c, &a, None, Some(s), None).await.expect("rentals")[0].id
    };
    parking::cancel_rental(&app.db, &a, r2).await.expect("cancel");
    parking::create_rental(&app.db, &a, s, &rental(renter, "2026-03-01", "2026-12-31")).await.expect("new rental in the freed dates");
    let mut tx = app.db.begin().await.expect("tx");
    let revive =
        tx.ex().execute(propdesk_store::Sql::new("UPDATE parking_rentals SET status = 'active' WHERE id = ").bind(r2)).await.expect_err("revive refused");
    assert!(propdesk_store::is_overlap_violation(&revive), "{revive:?}");
}

#[tokio::test]
async fn fee_9_monthly_check_compares_the_register_with_what_was_seen() {
    let app = spawn_app().await;
    let sup = app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    let a = actor(&app, sup, Role::Supervisor);
    let owner = party(&app, "赵业主", "13800138021").await;
    let renter = party(&app, "钱租户", "13800138022").await;
    let unit = create_unit(
        &app.db,
        &app.root,
        &UnitInput {
            building_id: app.building_a.to_string(),
            unit_no: "0801".into(),
            kind: "residence".into(),
            building_area: "90".into(),
            ..Default::default()
        },
    )
    .await
    .expect("unit");
    let sold = space(&app, &a, "A-001", Some(owner)).await;
    let rented = space(&app, &a, "A-002", None).await;
    let vacant = space(&app, &a, "A-003", None).await;
    let r = RentalInput { unit_id: unit.to_string(), ..rental(renter, "2026-01-01", "") };
    parking::create_rental(&app.db, &a, rented, &r).await.expect("rental");
    let month = Month::of(today()).to_string();
    let check = parking::create_check(&app.db, &a, app.project_a, &month).await.expect("check");
    assert_eq!(field_reason(parking::create_check(&app.db, &a, app.project_a, &month).await.expect_err("one a month")), ("month".into(), Reason::Duplicate));
    assert_eq!(field_reason(parking::create_check(&app.db, &a, app.project_a, "2026/11").await.expect_err("bad month")).0, "month");
    let lines = store::check_lines(&mut app.db.read().await.expect("conn"), check, false).await.expect("lines");
    let states: Vec<(i64, SpaceState)> = lines.iter().map(|l| (l.space_id, l.register_state)).collect();
    assert_eq!(states, vec![(sold, SpaceState::Sold), (rented, SpaceState::Rented), (vacant, SpaceState::Vacant)]);
    let line = |space: i64| lines.iter().find(|l| l.space_id == space).map(|l| l.id.to_string()).unwrap_or_default();
    // Same as the register: no mismatch, no note needed.
    let ok = ObservationInput { line_id: line(sold), observed: "sold".into(), ..Default::default() };
    assert!(!parking::record_observation(&app.db, &a, check, &ok).await.expect("seen"));
    // A car on the vacant space: a mismatch must say what was found.
    let seen = ObservationInput { line_id: line(vacant), observed: "rented".into(), plate_seen: "粤B99999".into(), ..Default::default() };
    assert_eq!(field_reason(parking::record_observation(&app.db, &a, check, &seen).await.expect_err("note needed")).0, "note");
    let seen = ObservationInput { note: "有车长期停放，未登记".into(), ..seen };
    assert!(parking::record_observation(&app.db, &a, check, &seen).await.expect("mismatch recorded"));
    let bad = ObservationInput { line_id: line(rented), observed: "gone".into(), ..Default::default() };
    assert_eq!(field_reason(parking::record_observation(&app.db, &a, check, &bad).await.expect_err("bad state")).0, "observed");
    let mismatches = store::check_lines(&mut app.db.read().await.expect("conn"), check, true).await.expect("mismatches");
    assert_eq!(mismatches.len(), 1);
    assert_eq!((mismatches[0].space_id, mismatches[0].plate_seen.as_str(), mismatches[0].observed()), (vacant, "粤B99999", Some(SpaceState::Rented)));

    // The pages: the spaces with their state, the check, its mismatches, A4 print and Excel.
    let c = app.login("zhuguan").await;
    let p = app.project_a;
    let (s, list) = app.get_text(&c, &format!("/fees/parking?project_id={p}")).await;
    assert_eq!(s, 200);
    assert!(list.contains("A-001") && list.contains("已出售") && list.contains("钱租户") && list.contains("粤B12345"), "{list}");
    let (_, rented_only) = app.get_text(&c, &format!("/fees/parking?project_id={p}&state=rented")).await;
    assert!(rented_only.contains("A-002") && !rented_only.contains(">A-003<"), "{rented_only}");
    let (s, page) = app.get_text(&c, &format!("/fees/parking/checks/{check}?mismatches=1")).await;
    assert_eq!(s, 200);
    assert!(page.contains("A-003") && page.contains("有车长期停放") && !page.contains(">A-001<"), "{page}");
    let (s, printed) = app.get_text(&c, &format!("/fees/parking/checks/{check}/print")).await;
    assert_eq!(s, 200);
    assert!(printed.contains("月度车位核对表") && printed.contains("A-002"), "{printed}");
    let x = c.get(format!("{}/fees/parking/checks/{check}?format=xlsx", app.base)).send().await.expect("xlsx");
    assert_eq!(x.status(), 200);
    assert!(x.headers()["content-type"].to_str().expect("ct").contains("spreadsheetml"));
    let x = c.get(format!("{}/fees/parking?project_id={p}&format=xlsx", app.base)).send().await.expect("xlsx");
    assert_eq!(x.status(), 200);
    // A form post through the page: an overlapping rental comes back 422 with the Chinese reason.
    let (s, _, body) = app
        .post_form(&c, &format!("/fees/parking/{rented}/rentals"), &[("renter_id", &renter.to_string()), ("start_date", "2027-01-01"), ("monthly_fee", "300")])
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("与已有记录的期间重叠"), "{body}");
    let (s, loc, _) = app.post_form(&c, "/fees/parking", &[("project_id", &p.to_string()), ("code", "A-004"), ("kind", "charging")]).await;
    assert_eq!(s, 303, "{loc}");
    assert_eq!(app.get_text(&c, &loc).await.0, 200);
    // A receptionist may look but not change.
    app.staff("kefu", "receptionist", &[app.project_a]).await;
    let r = app.login("kefu").await;
    assert_eq!(app.post_form(&r, "/fees/parking", &[("project_id", &p.to_string()), ("code", "A-005")]).await.0, 403);
}

#[tokio::test]
async fn fee_9_api_spaces_rentals_and_checks() {
    let app = spawn_app().await;
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("kefu", "receptionist", &[app.project_a]).await;
    app.staff("other", "supervisor", &[app.project_b]).await;
    let renter = party(&app, "孙车主", "13800138031").await;
    let http = app.client();
    let sup = app.token("zhuguan").await;
    let post = |token: &str, path: &str, body: serde_json::Value| http.post(format!("{}{path}", app.base)).bearer_auth(token).json(&body).send();
    let get = |token: &str, path: &str| http.get(format!("{}{path}", app.base)).bearer_auth(token).send();
    let r = post(&sup, "/api/v1/parking-spaces", serde_json::json!({"project_id": app.project_a, "code": "C-01", "level": "B2", "kind": "charging"}))
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.expect("json");
    let id = created["space"]["id"].as_i64().expect("id");
    assert_eq!(created["space"]["state"], "vacant");
    let bad = post(&sup, "/api/v1/parking-spaces", serde_json::json!({"project_id": app.project_a, "code": "C-01", "kind": "yacht"})).await.expect("post");
    assert_eq!(bad.status(), 422);
    let body: serde_json::Value = bad.json().await.expect("json");
    assert_eq!(body["error"]["fields"][0]["field"], "kind");
    let rent = serde_json::json!({"renter_id": renter, "plate_no": "粤B54321", "start_date": "2026-01-01", "monthly_fee": "350.00"});
    let r = post(&sup, &format!("/api/v1/parking-spaces/{id}/rentals"), rent.clone()).await.expect("rent");
    assert_eq!(r.status(), 201);
    let space: serde_json::Value = r.json().await.expect("json");
    assert_eq!((space["space"]["state"].as_str(), space["space"]["current_rental"]["monthly_fee_fen"].as_i64()), (Some("rented"), Some(35_000)));
    let again = post(&sup, &format!("/api/v1/parking-spaces/{id}/rentals"), rent).await.expect("rent again");
    assert_eq!(again.status(), 422);
    let body: serde_json::Value = again.json().await.expect("json");
    assert_eq!(body["error"]["fields"][0]["field"], "start_date");
    let list: serde_json::Value = get(&sup, "/api/v1/parking-spaces?state=rented").await.expect("list").json().await.expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(get(&sup, "/api/v1/parking-spaces?state=parked").await.expect("list").status(), 422);
    // Checks: open, record a mismatch, read it back.
    let month = Month::of(today()).to_string();
    let r = post(&sup, "/api/v1/parking-checks", serde_json::json!({"project_id": app.project_a, "month": month})).await.expect("check");
    assert_eq!(r.status(), 201);
    let check: serde_json::Value = r.json().await.expect("json");
    let cid = check["id"].as_i64().expect("id");
    let line = check["lines"][0]["id"].as_i64().expect("line");
    assert_eq!(check["lines"][0]["register_state"], "rented");
    let r = post(
        &sup,
        &format!("/api/v1/parking-checks/{cid}/observations"),
        serde_json::json!({"line_id": line, "observed": "vacant", "note": "车位空置，租户已搬走"}),
    )
    .await
    .expect("observe");
    assert_eq!(r.status(), 200);
    let back: serde_json::Value = get(&sup, &format!("/api/v1/parking-checks/{cid}")).await.expect("get").json().await.expect("json");
    assert_eq!((back["mismatches"].as_i64(), back["lines"][0]["observed_state"].as_str()), (Some(1), Some("vacant")));
    // Roles and projects.
    let kefu = app.token("kefu").await;
    assert_eq!(get(&kefu, &format!("/api/v1/parking-spaces/{id}")).await.expect("get").status(), 200);
    assert_eq!(post(&kefu, "/api/v1/parking-spaces", serde_json::json!({"project_id": app.project_a, "code": "C-02"})).await.expect("post").status(), 403);
    let other = app.token("other").await;
    assert_eq!(get(&other, &format!("/api/v1/parking-spaces/{id}")).await.expect("get").status(), 404);
    assert_eq!(get(&other, &format!("/api/v1/parking-checks/{cid}")).await.expect("get").status(), 404);
}
