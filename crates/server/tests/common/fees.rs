//! Fee fixtures shared by the fee tests: an actor on project A, units, parties, a fee item and
//! the two-unit set-up (one owned all month, one let to a tenant from the 21st).

use super::TestApp;
use propdesk::ops::fee::FeeItemInput;
use propdesk::ops::org::{LeaseInput, OwnershipInput, PartyInput, UnitInput, create_lease, create_party, create_unit, transfer_ownership};
use propdesk_domain::access::{Actor, Role};

pub fn actor(app: &TestApp, id: i64, role: Role) -> Actor {
    Actor { staff_id: id, name: "测试".into(), company_id: app.company_id, role, projects: vec![app.project_a] }
}

pub async fn unit(app: &TestApp, no: &str, area: &str, usable: &str) -> i64 {
    let input = UnitInput {
        building_id: app.building_a.to_string(),
        unit_no: no.into(),
        kind: "office".into(),
        building_area: area.into(),
        usable_area: usable.into(),
        ..Default::default()
    };
    create_unit(&app.db, &app.root, &input).await.expect("unit")
}

pub async fn party(app: &TestApp, name: &str, phone: &str) -> i64 {
    let input = PartyInput { project_id: app.project_a.to_string(), kind: "person".into(), name: name.into(), phone: phone.into(), ..Default::default() };
    create_party(&app.db, &app.root, &input).await.expect("party")
}

pub fn item(app: &TestApp, name: &str, kind: &str, basis: &str, price: &str, payer: &str) -> FeeItemInput {
    FeeItemInput {
        project_id: app.project_a.to_string(),
        name: name.into(),
        kind: kind.into(),
        basis: basis.into(),
        cycle: "month".into(),
        payer: payer.into(),
        price: price.into(),
        due_days: "10".into(),
        active: true,
        ..Default::default()
    }
}

/// Two units: 1201 owned all month; 1202 owned, let to a tenant from the 21st.
pub async fn setup(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    let u1 = unit(app, "1201", "89.37", "70").await;
    let u2 = unit(app, "1202", "100", "").await;
    let owner1 = party(app, "王业主", "13800138001").await;
    let owner2 = party(app, "李业主", "13800138002").await;
    let tenant = party(app, "赵租户", "13800138003").await;
    for (u, o) in [(u1, owner1), (u2, owner2)] {
        transfer_ownership(&app.db, &app.root, u, &OwnershipInput { party_id: o.to_string(), start_date: "2020-01-01".into(), ..Default::default() })
            .await
            .expect("owner");
    }
    let lease = LeaseInput {
        unit_id: u2.to_string(),
        party_id: tenant.to_string(),
        start_date: "2026-11-21".into(),
        end_date: "2027-11-20".into(),
        ..Default::default()
    };
    create_lease(&app.db, &app.root, &lease).await.expect("lease");
    (u1, u2, owner1, owner2, tenant)
}
