//! The store's conformance story: one walk through every foundation query, run on SQLite by
//! default and on PostgreSQL when TEST_DATABASE_URL=postgres://… is set (CI runs both).

use chrono::{NaiveDate, Utc};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::org::{ContactKind, FitoutState, PartyKind, ProjectKind, UnitKind};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::org::{self, LeaseData, PartyData, PartyFilter, TenureKind, UnitData, UnitFilter};
use propdesk_store::models::staff;
use propdesk_store::{Db, Page, is_unique_violation};

async fn fresh_db() -> Db {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let name = format!("propdesk_story_{}_{n}", std::process::id());
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let admin = sqlx::postgres::PgPool::connect(&url).await.expect("connect");
            sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
                .execute(&admin)
                .await
                .expect("create db");
            admin.close().await;
            let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).expect("url");
            let db = Db::connect(&format!("{base}/{name}")).await.expect("connect test db");
            db.migrate().await.expect("migrate");
            db
        }
        _ => {
            let dir = std::env::temp_dir().join("propdesk-tests");
            std::fs::create_dir_all(&dir).expect("dir");
            let db = Db::connect(&format!("sqlite:{}", dir.join(format!("{name}.db")).display())).await.expect("open");
            db.migrate().await.expect("migrate");
            db
        }
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn unit(building_id: i64, no: &str, area: i64) -> UnitData {
    UnitData {
        building_id,
        unit_no: no.into(),
        kind: UnitKind::Shop,
        use_purpose: "餐饮".into(),
        floor: 1,
        building_area: area,
        usable_area: Some(area - 1000),
        land_area: None,
        facilities: String::new(),
        handover_date: Some(d("2020-01-01")),
    }
}

fn party(kind: PartyKind, name: &str, phone: &str, licence: Option<&str>) -> PartyData {
    PartyData {
        kind,
        name: name.into(),
        phone: phone.into(),
        email: None,
        id_card_no: None,
        licence_no: licence.map(Into::into),
        tax_no: None,
        org_code: None,
        legal_rep: None,
        business_type: None,
        key_customer: false,
        note: String::new(),
    }
}

#[tokio::test]
async fn org_store_story() {
    let db = fresh_db().await;
    let now = Utc::now();
    let mut tx = db.begin().await.expect("tx");
    let company = org::insert_company(&mut tx, "红星物业", now).await.expect("company");
    let pa =
        org::insert_project(&mut tx, &org::NewProject { company_id: company, code: "HXGC", name: "红星广场", kind: ProjectKind::Commercial, address: "" }, now)
            .await
            .expect("pa");
    let pb =
        org::insert_project(&mut tx, &org::NewProject { company_id: company, code: "LHY", name: "丽湖苑", kind: ProjectKind::Residential, address: "" }, now)
            .await
            .expect("pb");
    let ba = org::insert_building(&mut tx, pa, "A", "A座", 5, now).await.expect("ba");
    let bb = org::insert_building(&mut tx, pb, "1", "1栋", 18, now).await.expect("bb");
    let u1 = org::insert_unit(&mut tx, pa, &unit(ba, "A-101", 12050), now).await.expect("u1");
    let u2 = org::insert_unit(&mut tx, pa, &unit(ba, "A-102", 8800), now).await.expect("u2");
    let u3 = org::insert_unit(&mut tx, pb, &unit(bb, "1-101", 9000), now).await.expect("u3");
    let dev =
        org::insert_party(&mut tx, pa, &party(PartyKind::Company, "红星置业有限公司", "010-12345678", Some("91110108MA01A2B3C4")), now).await.expect("dev");
    let shop =
        org::insert_party(&mut tx, pa, &party(PartyKind::Company, "老北京涮肉有限公司", "13800138000", Some("91110108MA01A2B3D5")), now).await.expect("shop");
    let owner_b = org::insert_party(&mut tx, pb, &party(PartyKind::Person, "王芳", "13900139000", None), now).await.expect("owner b");
    org::insert_contact(&mut tx, shop, ContactKind::Emergency, "李雷", "店长", "13700137000", now).await.expect("contact");
    tx.commit().await.expect("commit");

    // ORG-2: a licence number is unique within a project.
    let mut tx = db.begin().await.expect("tx");
    let dup = org::insert_party(&mut tx, pa, &party(PartyKind::Company, "重复公司", "13800138001", Some("91110108MA01A2B3C4")), now).await;
    assert!(dup.as_ref().is_err_and(is_unique_violation), "duplicate licence must violate uniqueness: {dup:?}");
    drop(tx);
    // ORG-1: unit numbers are unique per building.
    let mut tx = db.begin().await.expect("tx");
    let dup = org::insert_unit(&mut tx, pa, &unit(ba, "A-101", 10000), now).await;
    assert!(dup.as_ref().is_err_and(is_unique_violation));
    drop(tx);

    let only_a = Actor { staff_id: 1, name: "a".into(), company_id: company, role: Role::Specialist, projects: vec![pa] };
    let both = Actor { projects: vec![pa, pb], ..only_a.clone() };
    let today = d("2026-11-27");

    // SEC-2: every read is scoped by the actor's projects.
    let list = org::list_units(&mut db.read().await.expect("c"), &only_a, &UnitFilter::default(), Page::new(1, 50), today).await.expect("list");
    assert_eq!(list.total, 2);
    assert!(org::unit(&mut db.read().await.expect("c"), &only_a, u3, today).await.expect("unit").is_none());
    assert!(org::unit(&mut db.read().await.expect("c"), &both, u3, today).await.expect("unit").is_some());
    assert!(org::party(&mut db.read().await.expect("c"), &only_a, owner_b).await.expect("party").is_none());
    assert_eq!(org::projects(&mut db.read().await.expect("c"), &only_a).await.expect("projects").len(), 1);

    // ORG-3: ownership and a transfer; leases; registers by month.
    let mut tx = db.begin().await.expect("tx");
    org::insert_ownership(&mut tx, u1, dev, d("2020-01-01"), "京房权证001", now).await.expect("own");
    tx.commit().await.expect("commit");
    let mut tx = db.begin().await.expect("tx");
    let (cur, start) = org::current_ownership(&mut tx, u1, "").await.expect("cur").expect("some");
    assert_eq!(start, d("2020-01-01"));
    // A second open ownership for the same unit is refused by the database.
    assert!(org::insert_ownership(&mut tx, u1, shop, d("2026-03-01"), "", now).await.is_err());
    drop(tx);
    let mut tx = db.begin().await.expect("tx");
    org::close_ownership(&mut tx, cur, d("2026-02-28")).await.expect("close");
    org::insert_ownership(&mut tx, u1, shop, d("2026-03-01"), "京房权证002", now).await.expect("transfer");
    let lease = LeaseData {
        unit_id: u2,
        party_id: shop,
        start: d("2025-01-01"),
        end: Some(d("2026-06-30")),
        fitout: FitoutState::Done,
        monthly_rent: Some(1_250_000),
        note: String::new(),
    };
    let lid = org::insert_lease(&mut tx, &lease, now).await.expect("lease");
    org::insert_ownership(&mut tx, u3, owner_b, d("2019-05-01"), "", now).await.expect("own b");
    tx.commit().await.expect("commit");

    let mut c = db.read().await.expect("c");
    let owners = org::tenures_of_unit(&mut c, TenureKind::Ownership, u1).await.expect("owners");
    assert_eq!(owners.len(), 2);
    assert_eq!(owners[0].party_name, "老北京涮肉有限公司");
    let march = org::register(&mut c, &only_a, TenureKind::Ownership, pa, d("2026-02-01"), d("2026-02-28")).await.expect("reg");
    assert_eq!(march.len(), 1, "February shows only the developer");
    let both_months = org::register(&mut c, &only_a, TenureKind::Ownership, pa, d("2026-02-01"), d("2026-03-31")).await.expect("reg");
    assert_eq!(both_months.len(), 2, "a transfer within the window shows both owners");
    let leases = org::register(&mut c, &only_a, TenureKind::Lease, pa, d("2026-06-01"), d("2026-06-30")).await.expect("leases");
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].amount, Some(1_250_000));
    assert!(org::register(&mut c, &only_a, TenureKind::Lease, pa, d("2026-07-01"), d("2026-07-31")).await.expect("leases").is_empty());
    assert!(org::register(&mut c, &only_a, TenureKind::Ownership, pb, d("2026-01-01"), d("2026-12-31")).await.expect("scoped").is_empty());
    let periods = org::lease_periods(&mut c, u2).await.expect("periods");
    assert_eq!((periods[0].id, periods[0].end_date), (lid, Some(d("2026-06-30"))));

    // Unit list shows current owner and tenant, and finds by name or phone.
    let f = UnitFilter { q: Some("涮肉".into()), ..Default::default() };
    let found = org::list_units(&mut c, &only_a, &f, Page::new(1, 10), d("2026-05-01")).await.expect("find");
    assert_eq!(found.total, 2, "owner of A-101 and tenant of A-102");
    let by_phone = org::list_parties(&mut c, &only_a, &PartyFilter { q: Some("138001".into()), ..Default::default() }, Page::new(1, 10)).await.expect("phone");
    assert_eq!(by_phone.total, 1);
    let u = org::unit(&mut c, &only_a, u2, d("2026-05-01")).await.expect("u").expect("some");
    assert_eq!(u.tenant_name.as_deref(), Some("老北京涮肉有限公司"));
    assert_eq!(org::contacts(&mut c, shop).await.expect("contacts").len(), 1);

    // Optimistic locking: an update at a stale version touches nothing.
    let mut tx = db.begin().await.expect("tx");
    assert!(org::update_unit(&mut tx, u1, u.version + 5, &unit(ba, "A-101", 12050)).await.expect("stale").eq(&false));
    assert!(org::update_unit(&mut tx, u1, 1, &unit(ba, "A-101B", 12050)).await.expect("fresh"));
    tx.commit().await.expect("commit");
    drop(c);

    // SEC-1: events are append-only.
    let mut tx = db.begin().await.expect("tx");
    let eid = event::append(
        &mut tx,
        &only_a,
        now,
        NewEvent { project_id: Some(pa), entity: "unit", entity_id: u1, action: "updated", payload: serde_json::json!({"x": 1}) },
    )
    .await
    .expect("event");
    tx.commit().await.expect("commit");
    let mut tx = db.begin().await.expect("tx");
    let upd = tx_exec(&mut tx, &format!("UPDATE events SET action = 'x' WHERE id = {eid}")).await;
    assert!(upd.is_err(), "events must not be updatable");
    drop(tx);
    let mut tx = db.begin().await.expect("tx");
    assert!(tx_exec(&mut tx, &format!("DELETE FROM events WHERE id = {eid}")).await.is_err(), "events must not be deletable");
    drop(tx);
    let mut c = db.read().await.expect("c");
    assert_eq!(event::for_entity(&mut c, "unit", u1).await.expect("events").len(), 1);
    assert_eq!(event::recent(&mut c, &only_a, None, Page::new(1, 10)).await.expect("recent").total, 1);
    drop(c);
    db.close().await;
}

async fn tx_exec(tx: &mut propdesk_store::Tx, sql: &str) -> Result<u64, sqlx::Error> {
    use propdesk_store::AsEx;
    tx.ex().execute(propdesk_store::Sql::new(sql)).await
}

#[tokio::test]
async fn org_6_staff_sessions_tokens_and_throttle_store() {
    let db = fresh_db().await;
    let now = Utc::now();
    let mut tx = db.begin().await.expect("tx");
    let company = org::insert_company(&mut tx, "c", now).await.expect("company");
    let p = org::insert_project(&mut tx, &org::NewProject { company_id: company, code: "P1", name: "P", kind: ProjectKind::Office, address: "" }, now)
        .await
        .expect("p");
    let dep = staff::insert_department(&mut tx, company, "CS", "客服部").await.expect("dep");
    let data = staff::StaffData { username: "li", display_name: "李", department_id: Some(dep), role: Role::Receptionist, phone: "", active: true };
    let sid = staff::insert(&mut tx, company, &data, "hash", now).await.expect("staff");
    tx.commit().await.expect("commit");
    // PostgreSQL aborts a transaction after any error, so the refused insert gets its own.
    let mut tx = db.begin().await.expect("tx");
    assert!(staff::insert(&mut tx, company, &data, "hash", now).await.as_ref().is_err_and(is_unique_violation));
    drop(tx);
    let mut tx = db.begin().await.expect("tx");
    staff::set_projects(&mut tx, sid, &[p]).await.expect("projects");
    staff::insert_session(&mut tx, "h1", sid, "csrf", now, now + chrono::Duration::hours(1)).await.expect("session");
    staff::insert_session(&mut tx, "h0", sid, "csrf", now, now - chrono::Duration::hours(1)).await.expect("expired");
    staff::insert_token(&mut tx, "t1", sid, now, now + chrono::Duration::hours(1)).await.expect("token");
    staff::put_failures(&mut tx, "u:li", &staff::Failures { failures: 1, first_at: now, locked_until: None }).await.expect("f1");
    staff::put_failures(&mut tx, "u:li", &staff::Failures { failures: 2, first_at: now, locked_until: Some(now) }).await.expect("f2");
    tx.commit().await.expect("commit");
    let mut c = db.read().await.expect("c");
    assert_eq!(staff::project_ids(&mut c, sid).await.expect("ids"), vec![p]);
    assert!(staff::session(&mut c, "h1", now).await.expect("s").is_some());
    assert!(staff::session(&mut c, "h0", now).await.expect("s").is_none(), "expired sessions are not valid");
    assert_eq!(staff::by_token(&mut c, "t1", now).await.expect("t").map(|s| s.id), Some(sid));
    assert_eq!(staff::failures(&mut c, "u:li").await.expect("f").map(|f| f.failures), Some(2));
    let s = staff::by_username(&mut c, "li").await.expect("s").expect("some");
    assert_eq!((s.role, s.department_name.as_deref()), (Role::Receptionist, Some("客服部")));
    drop(c);
    let mut tx = db.begin().await.expect("tx");
    assert_eq!(staff::purge_expired(&mut tx, now).await.expect("purge"), 1);
    staff::delete_sessions_of(&mut tx, sid).await.expect("delete");
    tx.commit().await.expect("commit");
    let mut c = db.read().await.expect("c");
    assert!(staff::session(&mut c, "h1", now).await.expect("s").is_none());
    assert!(staff::by_token(&mut c, "t1", now).await.expect("t").is_none());
    drop(c);
    db.close().await;
}

#[tokio::test]
async fn cmp_6_calendar_and_project_settings_store() {
    use propdesk_domain::calendar::ExceptionDay;
    use propdesk_domain::sla::{Clock, Policies};
    use propdesk_store::models::calendar;
    let db = fresh_db().await;
    let now = Utc::now();
    let mut tx = db.begin().await.expect("tx");
    let company = org::insert_company(&mut tx, "c", now).await.expect("company");
    let p = org::insert_project(&mut tx, &org::NewProject { company_id: company, code: "P1", name: "P", kind: ProjectKind::Office, address: "" }, now)
        .await
        .expect("p");
    tx.commit().await.expect("commit");
    let actor = Actor { staff_id: 0, name: "t".into(), company_id: company, role: Role::Admin, projects: vec![p] };

    // A new company has the shipped years; the calendar reads them back.
    let mut c = db.read().await.expect("c");
    assert_eq!(calendar::years(&mut c, company).await.expect("years"), vec![2024, 2025, 2026]);
    let cal = calendar::load(&mut c, company).await.expect("load");
    assert!(cal.is_working_day(d("2026-10-10")) && !cal.is_working_day(d("2026-10-01")));
    assert_eq!(calendar::days_of_year(&mut c, company, 2026).await.expect("days").len(), propdesk_domain::calendar::shipped_days(2026).len());
    assert!(!calendar::year_entered(&mut c, company, 2027).await.expect("entered"));
    drop(c);

    // Upsert, replace and delete a day; enter a year once.
    let mut tx = db.begin().await.expect("tx");
    let day = ExceptionDay { date: d("2027-10-01"), working: false, name: "国庆节".into() };
    calendar::put_day(&mut tx, company, &day).await.expect("put");
    calendar::put_day(&mut tx, company, &ExceptionDay { name: "国庆".into(), ..day.clone() }).await.expect("replace");
    assert_eq!(calendar::day(&mut tx, company, day.date).await.expect("day").map(|x| x.name), Some("国庆".into()));
    assert!(calendar::enter_year(&mut tx, company, 2027).await.expect("enter"));
    assert!(!calendar::enter_year(&mut tx, company, 2027).await.expect("again"));
    assert!(!calendar::enter_year_with_shipped(&mut tx, company, 2026).await.expect("shipped again"), "an entered year is left alone");
    assert!(calendar::delete_day(&mut tx, company, d("2026-10-10")).await.expect("delete"));
    assert!(!calendar::delete_day(&mut tx, company, d("2026-10-10")).await.expect("delete again"));
    calendar::seed_shipped(&mut tx, company).await.expect("seed again");
    tx.commit().await.expect("commit");
    let mut c = db.read().await.expect("c");
    let cal = calendar::load(&mut c, company).await.expect("load");
    assert!(!cal.is_working_day(d("2027-10-01")) && cal.year_entered(2027));
    assert!(!cal.is_working_day(d("2026-10-10")), "a removed shipped day stays removed after seeding again");

    // Project settings: defaults, then a saved change guarded by its version.
    let s = calendar::project_settings(&mut c, &actor, p).await.expect("settings").expect("some");
    assert_eq!((s.tz().name(), s.hours(), s.policies().expect("policies")), ("Asia/Shanghai", Default::default(), Policies::default()));
    let other = Actor { projects: vec![], ..actor.clone() };
    assert!(calendar::project_settings(&mut c, &other, p).await.expect("settings").is_none(), "scoped by the actor's projects");
    drop(c);
    let policies = Policies { cmp_pass_on: Clock::Hours(4), ..Policies::default() };
    let t = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time");
    let data = calendar::SettingsData { timezone: "UTC", working_start: t(8, 30), working_end: t(17, 30), policies: &policies };
    let mut tx = db.begin().await.expect("tx");
    assert!(calendar::update_project_settings(&mut tx, p, s.version, &data).await.expect("update"));
    assert!(!calendar::update_project_settings(&mut tx, p, s.version, &data).await.expect("stale"), "a stale version changes nothing");
    tx.commit().await.expect("commit");
    let mut c = db.read().await.expect("c");
    let s = calendar::project_settings(&mut c, &actor, p).await.expect("settings").expect("some");
    assert_eq!((s.tz(), s.working_start.as_str(), s.hours().per_day()), (chrono_tz::UTC, "08:30", chrono::Duration::hours(9)));
    assert_eq!(s.policies().expect("policies").cmp_pass_on, Clock::Hours(4));
    drop(c);
    db.close().await;
}
