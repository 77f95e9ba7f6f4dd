mod common;

use common::{PASSWORD, TestApp, spawn_app};
use propdesk::ops::org::{PartyInput, UnitInput, create_party, create_unit};
use propdesk_domain::values::uscc_check_char;
use serde_json::{Value, json};

/// An HTTP answer: status, body as JSON (Null when the body is not JSON) and Location header.
struct Answer {
    status: u16,
    body: Value,
    location: String,
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = r.text().await.expect("body");
    Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), location }
}

async fn get(app: &TestApp, token: &str, path: &str) -> Answer {
    send(app.client().get(format!("{}{path}", app.base)).bearer_auth(token)).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Answer {
    send(app.client().post(format!("{}{path}", app.base)).bearer_auth(token).json(&body)).await
}

/// The field names of a 422 answer.
fn fields(a: &Answer) -> Vec<String> {
    a.body["error"]["fields"].as_array().map(|fs| fs.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Asserts the answer is the API's error shape with `code`.
fn assert_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "status; body {}", a.body);
    assert_eq!(a.body["error"]["code"], code, "error code; body {}", a.body);
    assert!(a.body["error"]["message"].is_string(), "error message; body {}", a.body);
    assert!(a.body["error"]["fields"].is_array(), "error fields; body {}", a.body);
}

/// A valid 18-character unified social credit code.
fn licence(first17: &str) -> String {
    format!("{first17}{}", uscc_check_char(first17).expect("valid head"))
}

async fn specialist(app: &TestApp, username: &str) -> String {
    app.staff(username, "specialist", &[app.project_a]).await;
    app.token(username).await
}

#[tokio::test]
async fn token_is_issued_and_required_on_every_call() {
    let app = spawn_app().await;
    app.staff("li", "specialist", &[app.project_a]).await;

    let a = send(app.client().post(format!("{}/api/v1/auth/token", app.base)).json(&json!({"username": "li", "password": PASSWORD}))).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["token"].as_str().map(str::len), Some(64));
    let expires = a.body["expires_at"].as_str().expect("expires_at");
    assert!(chrono::DateTime::parse_from_rfc3339(expires).expect("RFC 3339 time") > chrono::Utc::now());
    let token = a.body["token"].as_str().expect("token").to_string();

    let wrong = send(app.client().post(format!("{}/api/v1/auth/token", app.base)).json(&json!({"username": "li", "password": "nope"}))).await;
    assert_error(&wrong, 401, "unauthorized");
    let missing = send(app.client().post(format!("{}/api/v1/auth/token", app.base)).json(&json!({}))).await;
    assert_error(&missing, 422, "invalid");
    assert_eq!(fields(&missing), ["username", "password"]);

    let none = send(app.client().get(format!("{}/api/v1/projects", app.base))).await;
    assert_error(&none, 401, "unauthorized");
    let bad = get(&app, "not-a-token", "/api/v1/projects").await;
    assert_error(&bad, 401, "unauthorized");
    let post_without = send(app.client().post(format!("{}/api/v1/units", app.base)).json(&json!({}))).await;
    assert_error(&post_without, 401, "unauthorized");

    let ok = get(&app, &token, "/api/v1/projects").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[tokio::test]
async fn token_requests_are_throttled_after_repeated_failures() {
    let app = spawn_app().await;
    app.staff("wang", "specialist", &[app.project_a]).await;
    let url = format!("{}/api/v1/auth/token", app.base);
    for _ in 0..5 {
        let a = send(app.client().post(&url).json(&json!({"username": "wang", "password": "wrong"}))).await;
        assert_error(&a, 401, "unauthorized");
    }
    // Locked now: even the right password is refused until the lock passes.
    let a = send(app.client().post(&url).json(&json!({"username": "wang", "password": PASSWORD}))).await;
    assert_error(&a, 429, "too_many_requests");
}

#[tokio::test]
async fn org_6_projects_lists_only_assigned_projects_with_buildings() {
    let app = spawn_app().await;
    let token = specialist(&app, "zhao").await;
    let a = get(&app, &token, "/api/v1/projects").await;
    assert_eq!(a.status, 200);
    let items = a.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", a.body);
    assert_eq!(items[0]["id"], app.project_a);
    assert_eq!(items[0]["kind"], "commercial");
    assert_eq!(items[0]["buildings"][0]["id"], app.building_a);
    assert!(!a.body.to_string().contains("丽湖苑"), "project B must not show");
}

#[tokio::test]
async fn org_1_create_unit_and_read_it_back() {
    let app = spawn_app().await;
    let token = specialist(&app, "qian").await;
    let a = post(
        &app,
        &token,
        "/api/v1/units",
        json!({"building_id": app.building_a, "unit_no": "a-101", "kind": "shop", "floor": 1, "building_area": 88.5, "usable_area": "70", "handover_date": "2024-05-01"}),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_i64().expect("id");
    assert_eq!(a.location, format!("/api/v1/units/{id}"));
    assert_eq!(a.body["unit_no"], "A-101");
    assert_eq!(a.body["project_id"], app.project_a);
    assert_eq!(a.body["building_area_centi"], 8850);
    assert_eq!(a.body["building_area_m2"], "88.50");
    assert_eq!(a.body["usable_area_centi"], 7000);
    assert_eq!(a.body["usable_area_m2"], "70.00");
    assert_eq!(a.body["land_area_m2"], Value::Null);

    let back = get(&app, &token, &format!("/api/v1/units/{id}")).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.body["unit_no"], "A-101");
    assert_eq!(back.body["kind"], "shop");
    assert_eq!(back.body["handover_date"], "2024-05-01");
    assert_eq!(back.body["building_area_m2"], "88.50");
    assert_eq!(back.body["tenure_visible"], true);
    assert_eq!(back.body["ownerships"], json!([]));
    assert_eq!(back.body["leases"], json!([]));
    assert_eq!(back.body["current_tenant"], Value::Null);

    let dup = post(&app, &token, "/api/v1/units", json!({"building_id": app.building_a, "unit_no": "A-101", "kind": "shop", "building_area": "50"})).await;
    assert_error(&dup, 422, "invalid");
    assert_eq!(fields(&dup), ["unit_no"]);
}

#[tokio::test]
async fn org_1_invalid_unit_gets_422_with_every_bad_field() {
    let app = spawn_app().await;
    let token = specialist(&app, "sun").await;
    let a = post(
        &app,
        &token,
        "/api/v1/units",
        json!({"building_id": app.building_a, "unit_no": "", "kind": "castle", "building_area": "-3", "usable_area": "1.234"}),
    )
    .await;
    assert_error(&a, 422, "invalid");
    let f = fields(&a);
    for name in ["unit_no", "kind", "building_area", "usable_area"] {
        assert!(f.iter().any(|x| x == name), "missing field error for {name}: {}", a.body);
    }
    let first = &a.body["error"]["fields"][0];
    assert!(first["message"].is_string() && first["message_zh"].is_string());

    let bigger = post(
        &app,
        &token,
        "/api/v1/units",
        json!({"building_id": app.building_a, "unit_no": "A-1", "kind": "shop", "building_area": "50", "usable_area": "60"}),
    )
    .await;
    assert_eq!(fields(&bigger), ["usable_area"]);
}

#[tokio::test]
async fn org_2_invalid_phone_and_licence_get_422() {
    let app = spawn_app().await;
    let token = specialist(&app, "zhou").await;
    let a = post(
        &app,
        &token,
        "/api/v1/parties",
        json!({"project_id": app.project_a, "kind": "company", "name": "红星商贸有限公司", "phone": "12345", "licence_no": "91310115MA1K4ABCD0"}),
    )
    .await;
    assert_error(&a, 422, "invalid");
    let f = fields(&a);
    assert!(f.contains(&"phone".to_string()) && f.contains(&"licence_no".to_string()), "{}", a.body);

    let no_licence =
        post(&app, &token, "/api/v1/parties", json!({"project_id": app.project_a, "kind": "company", "name": "红星商贸有限公司", "phone": "13800138000"}))
            .await;
    assert_eq!(fields(&no_licence), ["licence_no"]);
}

#[tokio::test]
async fn org_2_create_party_with_emergency_contact_and_read_it_back() {
    let app = spawn_app().await;
    let token = specialist(&app, "wu").await;
    let lic = licence("91310115MA1K4ABCD");
    let a = post(
        &app,
        &token,
        "/api/v1/parties",
        json!({"project_id": app.project_a, "kind": "company", "name": "红星商贸有限公司", "phone": "021-62345678", "licence_no": lic.to_lowercase(),
               "legal_rep": "王五", "key_customer": true, "emergency_name": "李四", "emergency_phone": "13900139000"}),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_i64().expect("id");
    assert_eq!(a.location, format!("/api/v1/parties/{id}"));
    assert_eq!(a.body["licence_no"], lic);
    assert_eq!(a.body["contacts"][0]["kind"], "emergency");
    assert_eq!(a.body["contacts"][0]["phone"], "13900139000");

    let back = get(&app, &token, &format!("/api/v1/parties/{id}")).await;
    assert_eq!(back.status, 200);
    assert_eq!(back.body["name"], "红星商贸有限公司");
    assert_eq!(back.body["key_customer"], true);
    assert_eq!(back.body["contacts"].as_array().map(Vec::len), Some(1));

    let list = get(&app, &token, "/api/v1/parties?q=红星&kind=company&key_customer=true").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], id);
}

#[tokio::test]
async fn sec_2_records_of_another_project_are_not_found() {
    let app = spawn_app().await;
    let token = specialist(&app, "zheng").await;
    let unit_b = create_unit(
        &app.db,
        &app.root,
        &UnitInput {
            building_id: app.building_b.to_string(),
            unit_no: "1-101".into(),
            kind: "residence".into(),
            building_area: "120".into(),
            ..Default::default()
        },
    )
    .await
    .expect("unit in B");
    let party_b = create_party(
        &app.db,
        &app.root,
        &PartyInput { project_id: app.project_b.to_string(), kind: "person".into(), name: "陈六".into(), phone: "13700137000".into(), ..Default::default() },
    )
    .await
    .expect("party in B");

    assert_error(&get(&app, &token, &format!("/api/v1/units/{unit_b}")).await, 404, "not_found");
    assert_error(&get(&app, &token, "/api/v1/units/999999").await, 404, "not_found");
    assert_error(&get(&app, &token, &format!("/api/v1/parties/{party_b}")).await, 404, "not_found");

    let units = get(&app, &token, &format!("/api/v1/units?project_id={}", app.project_b)).await;
    assert_eq!((units.status, units.body["total"].as_i64()), (200, Some(0)), "{}", units.body);
    let parties = get(&app, &token, "/api/v1/parties?q=陈六").await;
    assert_eq!(parties.body["total"], 0);

    // Writing into project B is refused as if B did not exist.
    let u = post(&app, &token, "/api/v1/units", json!({"building_id": app.building_b, "unit_no": "1-102", "kind": "residence", "building_area": "90"})).await;
    assert_eq!((u.status, fields(&u)), (422, vec!["building_id".to_string()]));
    let p = post(&app, &token, "/api/v1/parties", json!({"project_id": app.project_b, "kind": "person", "name": "赵七", "phone": "13600136000"})).await;
    assert_eq!((p.status, fields(&p)), (422, vec!["project_id".to_string()]));
}

#[tokio::test]
async fn org_6_receptionist_may_not_create_units_but_may_create_parties() {
    let app = spawn_app().await;
    app.staff("front", "receptionist", &[app.project_a]).await;
    let token = app.token("front").await;
    let a = post(&app, &token, "/api/v1/units", json!({"building_id": app.building_a, "unit_no": "A-201", "kind": "shop", "building_area": "50"})).await;
    assert_error(&a, 403, "forbidden");
    let p = post(&app, &token, "/api/v1/parties", json!({"project_id": app.project_a, "kind": "person", "name": "张三", "phone": "13800138000"})).await;
    assert_eq!(p.status, 201, "{}", p.body);
}

#[tokio::test]
async fn org_6_field_staff_see_units_but_not_parties() {
    let app = spawn_app().await;
    let unit = create_unit(
        &app.db,
        &app.root,
        &UnitInput {
            building_id: app.building_a.to_string(),
            unit_no: "A-301".into(),
            kind: "office".into(),
            building_area: "66.6".into(),
            ..Default::default()
        },
    )
    .await
    .expect("unit");
    app.staff("gong", "engineering", &[app.project_a]).await;
    let token = app.token("gong").await;
    let u = get(&app, &token, &format!("/api/v1/units/{unit}")).await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.body["building_area_m2"], "66.60");
    assert_eq!(u.body["tenure_visible"], false);
    assert_error(&get(&app, &token, "/api/v1/parties").await, 403, "forbidden");
}

#[tokio::test]
async fn org_3_overlapping_lease_is_refused_on_start_date() {
    let app = spawn_app().await;
    let token = specialist(&app, "feng").await;
    let unit = post(&app, &token, "/api/v1/units", json!({"building_id": app.building_a, "unit_no": "A-102", "kind": "shop", "building_area": "120.25"})).await;
    assert_eq!(unit.status, 201, "{}", unit.body);
    let unit_id = unit.body["id"].as_i64().expect("unit id");
    let party = post(&app, &token, "/api/v1/parties", json!({"project_id": app.project_a, "kind": "person", "name": "钱八", "phone": "13500135000"})).await;
    assert_eq!(party.status, 201, "{}", party.body);
    let party_id = party.body["id"].as_i64().expect("party id");

    let first = post(
        &app,
        &token,
        "/api/v1/leases",
        json!({"unit_id": unit_id, "party_id": party_id, "start_date": "2026-01-01", "end_date": "2026-12-31", "fitout": "done", "monthly_rent": "12500.5"}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["monthly_rent_fen"], 1250050);
    assert_eq!(first.body["start_date"], "2026-01-01");
    assert_eq!(first.body["end_date"], "2026-12-31");
    assert_eq!(first.body["fitout"], "done");
    assert_eq!(first.body["party_name"], "钱八");

    let overlap = post(&app, &token, "/api/v1/leases", json!({"unit_id": unit_id, "party_id": party_id, "start_date": "2026-06-01"})).await;
    assert_error(&overlap, 422, "invalid");
    assert_eq!(fields(&overlap), ["start_date"]);

    let next = post(&app, &token, "/api/v1/leases", json!({"unit_id": unit_id, "party_id": party_id, "start_date": "2027-01-01"})).await;
    assert_eq!(next.status, 201, "{}", next.body);
    assert_eq!(next.body["end_date"], Value::Null);

    let bad_dates =
        post(&app, &token, "/api/v1/leases", json!({"unit_id": unit_id, "party_id": party_id, "start_date": "2028-02-30", "monthly_rent": "-1"})).await;
    assert_error(&bad_dates, 422, "invalid");
    assert!(fields(&bad_dates).contains(&"start_date".to_string()) && fields(&bad_dates).contains(&"monthly_rent".to_string()), "{}", bad_dates.body);

    let detail = get(&app, &token, &format!("/api/v1/units/{unit_id}")).await;
    let leases = detail.body["leases"].as_array().expect("leases");
    assert_eq!(leases.len(), 2, "{}", detail.body);
    assert_eq!(leases[0]["start_date"], "2027-01-01", "newest first");
}

#[tokio::test]
async fn units_are_paged_with_totals_and_filtered() {
    let app = spawn_app().await;
    let token = specialist(&app, "chu").await;
    for (no, kind) in [("A-101", "shop"), ("A-102", "shop"), ("A-103", "office"), ("A-104", "shop"), ("A-105", "parking")] {
        let a = post(&app, &token, "/api/v1/units", json!({"building_id": app.building_a, "unit_no": no, "kind": kind, "building_area": "30"})).await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let p1 = get(&app, &token, "/api/v1/units?per_page=2").await;
    assert_eq!(p1.status, 200, "{}", p1.body);
    assert_eq!((p1.body["total"].as_i64(), p1.body["page"].as_i64(), p1.body["per_page"].as_i64()), (Some(5), Some(1), Some(2)));
    assert_eq!(p1.body["items"][0]["unit_no"], "A-101");
    let p3 = get(&app, &token, "/api/v1/units?per_page=2&page=3").await;
    assert_eq!(p3.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(p3.body["items"][0]["unit_no"], "A-105");
    assert_eq!(p3.body["total"], 5);

    let shops = get(&app, &token, &format!("/api/v1/units?kind=shop&building_id={}&project_id={}", app.building_a, app.project_a)).await;
    assert_eq!(shops.body["total"], 3, "{}", shops.body);
    let by_label = get(&app, &token, "/api/v1/units?kind=%E8%BD%A6%E4%BD%8D").await; // 车位
    assert_eq!(by_label.body["total"], 1, "{}", by_label.body);
    let q = get(&app, &token, "/api/v1/units?q=a-10&per_page=500").await;
    assert_eq!(q.body["total"], 5);

    let bad = get(&app, &token, "/api/v1/units?kind=castle&page=x").await;
    assert_error(&bad, 422, "invalid");
    assert_eq!(fields(&bad), ["kind", "page"]);
}

#[tokio::test]
async fn malformed_requests_get_the_json_error_shape() {
    let app = spawn_app().await;
    let token = specialist(&app, "wei").await;
    let url = format!("{}/api/v1/units", app.base);

    let syntax = send(app.client().post(&url).bearer_auth(&token).header("content-type", "application/json").body("{\"unit_no\": ")).await;
    assert_error(&syntax, 400, "bad_request");
    let no_type = send(app.client().post(&url).bearer_auth(&token).body("{}")).await;
    assert_error(&no_type, 400, "bad_request");
    let wrong_shape = send(app.client().post(&url).bearer_auth(&token).header("content-type", "application/json").body("\"a string\"")).await;
    assert_error(&wrong_shape, 422, "invalid");
    assert_eq!(fields(&wrong_shape), ["body"]);
    let wrong_type = post(
        &app,
        &token,
        "/api/v1/parties",
        json!({"project_id": app.project_a, "kind": "person", "name": "孙九", "phone": "13800138000", "key_customer": "yes"}),
    )
    .await;
    assert_error(&wrong_type, 422, "invalid");

    assert_error(&get(&app, &token, "/api/v1/units/abc").await, 400, "bad_request");
    assert_error(&get(&app, &token, "/api/v1/nothing-here").await, 404, "not_found");
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let a = send(app.client().get(format!("{}/api/openapi.json", app.base))).await;
    assert_eq!(a.status, 200);
    let doc = a.body;
    assert!(doc["openapi"].as_str().expect("openapi version").starts_with('3'), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for p in ["/api/v1/auth/token", "/api/v1/projects", "/api/v1/units", "/api/v1/units/{id}", "/api/v1/parties", "/api/v1/parties/{id}", "/api/v1/leases"] {
        assert!(paths.contains_key(p), "{p} missing from the document");
    }
    assert!(doc["paths"]["/api/v1/units"]["get"]["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "per_page")));
    assert_eq!(doc["paths"]["/api/v1/units"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/NewUnit");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    assert_eq!(doc["paths"]["/api/v1/auth/token"]["post"]["security"], json!([{}]), "the token endpoint needs no token");
    let detail = &doc["components"]["schemas"]["ErrorDetail"];
    assert_eq!(detail["required"], json!(["code", "message", "fields"]));
    assert!(doc["components"]["schemas"]["UnitOut"]["properties"]["building_area_m2"].is_object());
}

/// Every operation in the document is routed (no 404/405), every route is in the document,
/// and the real error body has exactly the documented keys.
#[tokio::test]
async fn openapi_document_matches_the_router() {
    let app = spawn_app().await;
    let doc = send(app.client().get(format!("{}/api/openapi.json", app.base))).await.body;
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            let url = format!("{}{}", app.base, path.replace("{id}", "1"));
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let a = send(app.client().request(m, &url)).await;
            assert!(a.status != 404 && a.status != 405, "{method} {path} is documented but not routed ({})", a.status);
            let keys: Vec<&String> = a.body["error"].as_object().expect("error body").keys().collect();
            let documented: Vec<&String> = doc["components"]["schemas"]["ErrorDetail"]["properties"].as_object().expect("props").keys().collect();
            let (mut k, mut d) = (keys.clone(), documented.clone());
            k.sort();
            d.sort();
            assert_eq!(k, d, "{method} {path}: error keys differ from ErrorDetail");
            operations += 1;
        }
    }
    // The routes of api::v1::routes(): keep in step with it.
    assert_eq!(operations, 10, "routes and documented operations differ in number");
}
