//! Shared test harness: `spawn_app()` starts the real server on port 0 against a fresh
//! database — a temporary SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL=postgres://…` is set (CI runs both).
#![allow(dead_code)]

pub mod browser;
pub mod fees;
pub mod gateway;

use propdesk::ops::org::{BuildingInput, ProjectInput, create_building, create_project};
use propdesk::ops::staff::{StaffInput, create_staff};
use propdesk::state::{AppState, Config};
use propdesk_domain::access::{Actor, Role};
use propdesk_store::Db;
use propdesk_store::models::org;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

pub const PASSWORD: &str = "test-password-1";

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub db: Db,
    /// The system actor that set the app up (admin of the company, all projects).
    pub root: Actor,
    pub company_id: i64,
    /// Two projects: A (commercial) and B (residential), each with one building.
    pub project_a: i64,
    pub project_b: i64,
    pub building_a: i64,
    pub building_b: i64,
    /// This app's own attachments directory (CMP-3), under the system temp dir.
    pub files: std::path::PathBuf,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{}", std::process::id(), nanos, n)
}

/// A fresh, migrated database for one test.
pub async fn fresh_db() -> Db {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = unique("propdesk_test");
            let admin = Db::connect(&url).await.expect("connect to TEST_DATABASE_URL");
            let Db::Postgres(pool) = &admin else { panic!("expected postgres") };
            sqlx_create(pool, &name).await;
            admin.close().await;
            let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).expect("url with database");
            let db = Db::connect(&format!("{base}/{name}")).await.expect("connect to test database");
            db.migrate().await.expect("migrate");
            db
        }
        _ => {
            let dir = std::env::temp_dir().join("propdesk-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join(format!("{}.db", unique("t")));
            let db = Db::connect(&format!("sqlite:{}", path.display())).await.expect("open sqlite");
            db.migrate().await.expect("migrate");
            db
        }
    }
}

async fn sqlx_create(pool: &sqlx_pg::PgPool, name: &str) {
    sqlx_pg::query(&format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
        .execute(pool)
        .await
        .expect("create test database");
}

mod sqlx_pg {
    pub use sqlx::postgres::PgPool;
    pub use sqlx::query;
}

/// Starts the app with two projects, one building each, and no staff but the system actor.
pub async fn spawn_app() -> TestApp {
    let db = fresh_db().await;
    let now = chrono::Utc::now();
    let mut tx = db.begin().await.expect("tx");
    let company_id = org::insert_company(&mut tx, "测试物业公司", now).await.expect("company");
    tx.commit().await.expect("commit");
    let mut root = Actor { staff_id: 0, name: "test".into(), company_id, role: Role::Admin, projects: vec![] };
    let project_a =
        create_project(&db, &root, &ProjectInput { code: "HXGC".into(), name: "红星广场".into(), kind: "commercial".into(), address: "测试路1号".into() })
            .await
            .expect("project a");
    let project_b = create_project(&db, &root, &ProjectInput { code: "LHY".into(), name: "丽湖苑".into(), kind: "residential".into(), address: String::new() })
        .await
        .expect("project b");
    root.projects = vec![project_a, project_b];
    let building_a =
        create_building(&db, &root, project_a, &BuildingInput { code: "A".into(), name: "A座".into(), floors: "5".into() }).await.expect("building a");
    let building_b =
        create_building(&db, &root, project_b, &BuildingInput { code: "1".into(), name: "1栋".into(), floors: "18".into() }).await.expect("building b");

    let files = std::env::temp_dir().join("propdesk-tests").join(unique("files"));
    let state = AppState::new(db.clone(), Config { max_login_failures: 5, attachments_dir: files.clone(), ..Config::default() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = propdesk::app::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    TestApp { addr, base: format!("http://{addr}"), db, root, company_id, project_a, project_b, building_a, building_b, files }
}

impl TestApp {
    /// Creates a staff member with `role` on `projects`; the password is `PASSWORD`.
    pub async fn staff(&self, username: &str, role: &str, projects: &[i64]) -> i64 {
        let input = StaffInput {
            username: username.into(),
            display_name: format!("{username}名"),
            role: role.into(),
            active: true,
            projects: projects.to_vec(),
            password: PASSWORD.into(),
            ..Default::default()
        };
        create_staff(&self.db, &self.root, &input).await.expect("create staff")
    }

    /// A member of department `dept` in project A.
    pub async fn member(&self, username: &str, display_name: &str, role: &str, dept: i64) -> i64 {
        let input = StaffInput {
            username: username.into(),
            display_name: display_name.into(),
            role: role.into(),
            department_id: dept.to_string(),
            active: true,
            projects: vec![self.project_a],
            password: PASSWORD.into(),
            ..Default::default()
        };
        create_staff(&self.db, &self.root, &input).await.expect("create staff")
    }

    /// A cookie-keeping HTTP client that does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
    }

    /// Logs in through the login form; returns the client holding the session cookie.
    pub async fn login(&self, username: &str) -> reqwest::Client {
        let c = self.client();
        let r = c.post(format!("{}/login", self.base)).form(&[("username", username), ("password", PASSWORD), ("next", "/")]).send().await.expect("login");
        assert_eq!(r.status(), 303, "login should redirect");
        c
    }

    pub async fn get_text(&self, c: &reqwest::Client, path: &str) -> (u16, String) {
        let r = c.get(format!("{}{path}", self.base)).send().await.expect("get");
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }

    /// The CSRF token of the logged-in session, read from a page's form.
    pub async fn csrf(&self, c: &reqwest::Client) -> String {
        let (_, body) = self.get_text(c, "/projects").await;
        let marker = "name=\"_csrf\" value=\"";
        let start = body.find(marker).expect("csrf field on page") + marker.len();
        body[start..start + 64].to_string()
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post_form(&self, c: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let csrf = self.csrf(c).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &csrf));
        let r = c.post(format!("{}{path}", self.base)).form(&all).send().await.expect("post");
        let status = r.status().as_u16();
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (status, location, r.text().await.unwrap_or_default())
    }

    /// An API bearer token for `username`.
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .client()
            .post(format!("{}/api/v1/auth/token", self.base))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("token");
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.expect("json");
        v["token"].as_str().expect("token string").to_string()
    }
}
