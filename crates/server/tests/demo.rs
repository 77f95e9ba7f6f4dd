//! The demo company (`propdesk demo`, `serve --demo`): loaded into a fresh database, it must
//! hold to the ORG rules like data entered by hand. Runs on SQLite, and on PostgreSQL with
//! `TEST_DATABASE_URL=postgres://…`.

mod common;

use chrono::NaiveDate;
use common::fresh_db;
use propdesk::demo::load_if_empty;
use propdesk_domain::access::Role;
use propdesk_domain::org::{Period, lease_conflict};
use propdesk_domain::values::{LicenceNo, Phone, id_card_no, org_code, tax_no};
use propdesk_store::{AsEx, Db, Sql};
use std::collections::{HashMap, HashSet};

async fn demo_db() -> Db {
    let db = fresh_db().await;
    load_if_empty(&db).await.expect("demo loads");
    db
}

async fn count(db: &Db, sql: &str) -> i64 {
    let mut c = db.read().await.expect("read connection");
    c.ex().scalar(Sql::new(sql)).await.expect(sql)
}

async fn rows<T: propdesk_store::Record>(db: &Db, sql: &str) -> Vec<T> {
    let mut c = db.read().await.expect("read connection");
    c.ex().fetch_all(Sql::new(sql)).await.expect(sql)
}

fn units_of(project: &str, kinds: &str) -> String {
    format!("SELECT COUNT(*) FROM units u JOIN projects p ON p.id = u.project_id WHERE p.code = '{project}' AND u.kind IN ({kinds})")
}

#[tokio::test]
async fn org_1_demo_has_projects_buildings_units() {
    let db = demo_db().await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM companies").await, 1);
    let projects: Vec<(String, String)> = rows(&db, "SELECT code, kind FROM projects ORDER BY code").await;
    assert_eq!(projects, vec![("HXGC".to_string(), "commercial".to_string()), ("LHY".to_string(), "residential".to_string())]);
    assert!(count(&db, &units_of("HXGC", "'shop', 'office'")).await >= 150, "the park has at least 150 shops and offices");
    assert!(count(&db, &units_of("LHY", "'residence'")).await >= 300, "the estate has at least 300 homes");
    assert!(count(&db, &units_of("LHY", "'parking'")).await >= 30, "the estate has parking spaces");
    assert!(count(&db, "SELECT COUNT(*) FROM buildings").await >= 8);
    // Every unit sits in a building of its own project, with consistent areas and a handover date.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.project_id <> u.project_id").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM units WHERE usable_area > building_area OR handover_date IS NULL OR use_purpose = ''").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM departments").await, 8);
}

#[tokio::test]
async fn org_2_demo_parties_have_valid_identifiers() {
    let db = demo_db().await;
    type Row = (i64, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, bool);
    let parties: Vec<Row> =
        rows(&db, "SELECT id, kind, name, phone, id_card_no, licence_no, tax_no, org_code, legal_rep, business_type, key_customer FROM parties").await;
    let mut companies = 0;
    let mut with_id = 0;
    let mut persons = 0;
    for (_, kind, name, phone, id_card, licence, tax, org, legal_rep, business_type, _) in &parties {
        assert!(Phone::parse(phone).is_ok(), "{name}: phone {phone}");
        if kind == "company" {
            companies += 1;
            let licence = licence.as_deref().expect("a company has a licence number");
            assert!(LicenceNo::parse(licence).is_ok(), "{name}: licence {licence}");
            assert_eq!(licence.len(), 18, "{name}: a unified social credit code");
            let tax = tax.as_deref().expect("tax registration");
            assert!(tax_no(tax).is_ok());
            let org = org.as_deref().expect("organisation code");
            assert_eq!(org_code(org).as_deref(), Ok(org), "{name}: organisation code formatted XXXXXXXX-X");
            assert_eq!(org.replace('-', ""), licence[8..17], "{name}: the credit code embeds the organisation code");
            assert!(legal_rep.is_some() && business_type.is_some(), "{name}: legal representative and business type");
        } else {
            persons += 1;
            if let Some(no) = id_card {
                assert!(id_card_no(no).is_ok(), "{name}: ID number {no}");
                with_id += 1;
            }
        }
    }
    assert!(companies >= 100, "merchants of the park: {companies}");
    assert!(persons >= 280, "owners and tenants of the estate: {persons}");
    assert!(with_id * 3 >= persons && with_id * 3 <= persons * 2, "about half the people have ID numbers: {with_id} of {persons}");
    // One merchant, one file: every company has an emergency contact (000 入驻).
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM parties p WHERE p.kind = 'company' AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.party_id = p.id AND c.kind = 'emergency')"
        )
        .await,
        0
    );
    assert!(count(&db, "SELECT COUNT(*) FROM contacts WHERE kind = 'occupant'").await >= 50, "occupants on owners' files");
    // ORG-5: some key customers, all of them merchants.
    let keys: Vec<&Row> = parties.iter().filter(|p| p.10).collect();
    assert!(keys.len() >= 5 && keys.iter().all(|p| p.1 == "company"), "key customers: {}", keys.len());
    // Licence numbers are unique within the project (the schema's index would refuse duplicates).
    let licences: HashSet<&str> = parties.iter().filter_map(|p| p.5.as_deref()).collect();
    assert_eq!(licences.len(), companies);
}

#[tokio::test]
async fn org_3_demo_leases_never_overlap_and_one_owner_at_a_time() {
    let db = demo_db().await;
    let leases: Vec<(i64, NaiveDate, Option<NaiveDate>)> = rows(&db, "SELECT unit_id, start_date, end_date FROM leases ORDER BY unit_id, start_date, id").await;
    let mut by_unit: HashMap<i64, Vec<Period>> = HashMap::new();
    for (unit, start, end) in &leases {
        let p = Period::new(*start, *end).expect("a lease ends after it starts");
        let seen = by_unit.entry(*unit).or_default();
        assert_eq!(lease_conflict(&p, seen), None, "unit {unit}: lease {p:?} overlaps");
        seen.push(p);
    }
    assert!(by_unit.values().any(|v| v.len() >= 2), "some units have had more than one tenant");

    let today = propdesk::ops::org::today();
    let leased_now = |project: &str| {
        format!(
            "SELECT COUNT(DISTINCT l.unit_id) FROM leases l JOIN units u ON u.id = l.unit_id JOIN projects p ON p.id = u.project_id
             WHERE p.code = '{project}' AND u.kind <> 'parking' AND l.start_date <= '{today}' AND (l.end_date IS NULL OR l.end_date >= '{today}')"
        )
    };
    let (park_let, park_units) = (count(&db, &leased_now("HXGC")).await, count(&db, &units_of("HXGC", "'shop', 'office'")).await);
    assert!(park_let * 100 >= park_units * 65 && park_let * 100 <= park_units * 92, "about 80% of the park is let: {park_let} of {park_units}");
    let (homes_let, homes) = (count(&db, &leased_now("LHY")).await, count(&db, &units_of("LHY", "'residence'")).await);
    assert!(homes_let * 100 >= homes * 8 && homes_let * 100 <= homes * 25, "about 15% of homes are let: {homes_let} of {homes}");

    // Ownership: at most one open record per unit, and records of one unit follow each other.
    let owners: Vec<(i64, NaiveDate, Option<NaiveDate>)> =
        rows(&db, "SELECT unit_id, start_date, end_date FROM ownerships ORDER BY unit_id, start_date, id").await;
    let mut open: HashMap<i64, u32> = HashMap::new();
    let mut last: HashMap<i64, (NaiveDate, Option<NaiveDate>)> = HashMap::new();
    let mut transfers = 0;
    for (unit, start, end) in &owners {
        if end.is_none() {
            *open.entry(*unit).or_default() += 1;
        }
        if let Some((_, prev_end)) = last.get(unit) {
            assert_eq!(*prev_end, start.pred_opt(), "unit {unit}: the previous owner's record ends the day before the transfer");
            transfers += 1;
        }
        last.insert(*unit, (*start, *end));
    }
    assert!(open.values().all(|n| *n <= 1), "at most one current owner per unit");
    assert_eq!(open.len() as i64, count(&db, "SELECT COUNT(*) FROM units").await, "every unit has a current owner");
    assert!(transfers >= 10, "some ownership transfers: {transfers}");
    assert!(count(&db, "SELECT COUNT(*) FROM (SELECT party_id FROM ownerships o JOIN units u ON u.id = o.unit_id WHERE o.end_date IS NULL AND u.kind = 'residence' GROUP BY party_id HAVING COUNT(*) > 1) x").await >= 5, "some owners have two homes");
    // Every lease names a tenant of the same project as the unit.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM leases l JOIN units u ON u.id = l.unit_id JOIN parties p ON p.id = l.party_id WHERE p.project_id <> u.project_id")
            .await,
        0
    );
}

#[tokio::test]
async fn org_6_demo_staff_cover_every_role() {
    let db = demo_db().await;
    let staff: Vec<(i64, String, String, Option<i64>, String)> = rows(&db, "SELECT id, username, role, department_id, password_hash FROM staff").await;
    assert!(staff.len() >= 20, "staff: {}", staff.len());
    let roles: HashSet<&str> = staff.iter().map(|s| s.2.as_str()).collect();
    for r in Role::ALL {
        assert!(roles.contains(r.code()), "no demo staff with role {r}");
    }
    for (id, username, _, dept, hash) in &staff {
        assert!(dept.is_some(), "{username} has a department");
        assert!(hash.starts_with("$argon2"), "{username}: password stored as an argon2 hash");
        let projects = count(&db, &format!("SELECT COUNT(*) FROM staff_projects WHERE staff_id = {id}")).await;
        assert!(projects >= 1, "{username} works at a project");
    }
    let admin = staff.iter().find(|s| s.1 == "admin").expect("an admin login");
    assert_eq!(admin.2, "admin");
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM staff_projects WHERE staff_id = {}", admin.0)).await, 2);
}

#[tokio::test]
async fn sec_1_demo_records_have_events_and_a_second_load_changes_nothing() {
    let db = demo_db().await;
    for (table, entity, action) in [
        ("units", "unit", "created"),
        ("parties", "party", "created"),
        ("buildings", "building", "created"),
        ("projects", "project", "created"),
        ("staff", "staff", "created"),
    ] {
        let missing = count(&db, &format!("SELECT COUNT(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.entity = '{entity}' AND e.entity_id = t.id AND e.action = '{action}')")).await;
        assert_eq!(missing, 0, "every row of {table} has its '{action}' event");
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM leases").await, count(&db, "SELECT COUNT(*) FROM events WHERE action = 'lease_created'").await);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM ownerships").await,
        count(&db, "SELECT COUNT(*) FROM events WHERE action IN ('owner_registered', 'ownership_transferred')").await
    );
    // The register is written by the demo's system actor; the fee demo (FEE) is billed, paid and
    // chased, meters read and parking let by the demo's admin through the same ops as the pages,
    // so those events name them.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM events WHERE actor_id IS NOT NULL AND entity NOT IN ('fee_item', 'billing_run', 'payment', 'meter', 'meter_reading', 'meter_purchase', 'parking_space', 'parking_check') AND action <> 'arrears_opened'"
        )
        .await,
        0,
        "the demo's system actor has no staff id"
    );
    assert!(count(&db, "SELECT COUNT(*) FROM bill_lines").await > 0, "FEE: the demo bills its sites");
    assert!(count(&db, "SELECT COUNT(*) FROM payments").await > 0, "FEE: most demo payers have paid");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM meters").await, 80, "FEE-7: 40 homes with water and electricity meters");
    assert!(count(&db, "SELECT COUNT(*) FROM bill_lines WHERE kind = 'water'").await > 0, "FEE-7: water billed from the readings");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM parking_spaces").await, 30, "FEE-9: the estate's garage");
    assert!(count(&db, "SELECT COUNT(*) FROM arrears_cases").await > 0, "FEE: the others are arrears cases");

    let tables =
        ["companies", "projects", "buildings", "units", "parties", "contacts", "ownerships", "leases", "departments", "staff", "staff_projects", "events"];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&db, &format!("SELECT COUNT(*) FROM {t}")).await);
    }
    load_if_empty(&db).await.expect("second load is a no-op");
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM {t}")).await, n, "{t} unchanged by a second load");
    }
}
