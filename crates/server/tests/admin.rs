mod common;

use common::{PASSWORD, TestApp, spawn_app};
use propdesk_store::models::staff;

/// Logs in with an explicit password; returns the client and the status of the login post.
async fn login_with(app: &TestApp, username: &str, password: &str) -> (reqwest::Client, u16) {
    let c = app.client();
    let r = c.post(format!("{}/login", app.base)).form(&[("username", username), ("password", password), ("next", "/")]).send().await.expect("login");
    let status = r.status().as_u16();
    (c, status)
}

/// The id at the end of a `Location` such as `/admin/staff/7?saved=1`.
fn id_from(location: &str) -> i64 {
    let path = location.split('?').next().unwrap_or("");
    path.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id in location")
}

/// The hidden `version` field of an edit form.
fn version_in(body: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = body.find(marker).expect("version field") + marker.len();
    body[start..].split('"').next().expect("version value").to_string()
}

async fn department_id(app: &TestApp, code: &str) -> String {
    let mut c = app.db.read().await.expect("read");
    let deps = staff::departments(&mut c, app.company_id).await.expect("departments");
    deps.iter().find(|d| d.code == code).map(|d| d.id.to_string()).expect("department")
}

#[tokio::test]
async fn org_6_admin_creates_staff_who_sees_only_assigned_projects() {
    let app = spawn_app().await;
    app.staff("boss", "admin", &[app.project_a, app.project_b]).await;
    let admin = app.login("boss").await;

    let (status, location, _) = app.post_form(&admin, "/admin/departments", &[("code", "kfb"), ("name", "客服部")]).await;
    assert_eq!((status, location.as_str()), (303, "/admin/departments?saved=1"));
    let (_, body) = app.get_text(&admin, "/admin/departments").await;
    assert!(body.contains("客服部") && body.contains("KFB"));
    let dep = department_id(&app, "KFB").await;

    // A refused form keeps what was typed and shows the errors next to the fields.
    let pa = app.project_a.to_string();
    let (status, _, body) =
        app.post_form(&admin, "/admin/staff", &[("username", "x"), ("display_name", "李四"), ("role", "receptionist"), ("password", "short")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("密码至少 8 位") && body.contains("用户名为 2–32 位") && body.contains("value=\"李四\""), "{body}");
    assert!(!body.contains("value=\"short\""), "a password is never sent back");

    let fields = [
        ("username", "li.si"),
        ("display_name", "李四"),
        ("department_id", dep.as_str()),
        ("role", "receptionist"),
        ("phone", "13800138000"),
        ("projects", pa.as_str()),
        ("password", "Start-pass-2026"),
    ];
    let (status, location, body) = app.post_form(&admin, "/admin/staff", &fields).await;
    assert_eq!(status, 303, "{body}");
    assert!(location.starts_with("/admin/staff/"));
    let (_, list) = app.get_text(&admin, "/admin/staff").await;
    for text in ["li.si", "李四", "客服部", "前台接待", "红星广场", "启用"] {
        assert!(list.contains(text), "staff list shows {text}");
    }
    // The username is unique.
    let (status, _, body) = app.post_form(&admin, "/admin/staff", &fields).await;
    assert_eq!(status, 422);
    assert!(body.contains("已存在"));

    let (li, status) = login_with(&app, "li.si", "Start-pass-2026").await;
    assert_eq!(status, 303);
    let (status, home) = app.get_text(&li, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("红星广场"));
    assert!(!home.contains("丽湖苑"), "only the assigned project is visible");
    let (status, _) = app.get_text(&li, &format!("/projects/{}", app.project_b)).await;
    assert_eq!(status, 404, "another project's record is not found");
    let (status, _) = app.get_text(&li, "/admin/staff").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn org_6_non_admin_gets_403_on_administration() {
    let app = spawn_app().await;
    app.staff("mgr", "manager", &[app.project_a]).await;
    app.staff("rec", "receptionist", &[app.project_a]).await;
    let mgr = app.login("mgr").await;
    for path in ["/admin/staff", "/admin/staff/new", "/admin/departments"] {
        let (status, body) = app.get_text(&mgr, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(body.contains("您没有执行此操作的权限"));
    }
    let (status, _, _) =
        app.post_form(&mgr, "/admin/staff", &[("username", "sneaky"), ("display_name", "某人"), ("role", "admin"), ("password", "long-enough-1")]).await;
    assert_eq!(status, 403);
    let (status, _, _) = app.post_form(&mgr, "/admin/departments", &[("code", "X"), ("name", "某部门")]).await;
    assert_eq!(status, 403);
    let mut c = app.db.read().await.expect("read");
    assert!(staff::by_username(&mut c, "sneaky").await.expect("query").is_none());
    assert!(staff::departments(&mut c, app.company_id).await.expect("departments").is_empty());
    // A manager may read the audit log, a receptionist may not.
    let (status, _) = app.get_text(&mgr, "/audit").await;
    assert_eq!(status, 200);
    let rec = app.login("rec").await;
    let (status, _) = app.get_text(&rec, "/audit").await;
    assert_eq!(status, 403);
    let (_, home) = app.get_text(&rec, "/").await;
    assert!(!home.contains("/admin/staff") && !home.contains("/audit"), "no links to what cannot be opened");
}

#[tokio::test]
async fn org_6_deactivating_a_user_ends_their_session() {
    let app = spawn_app().await;
    app.staff("boss", "admin", &[app.project_a, app.project_b]).await;
    let id = app.staff("wang", "receptionist", &[app.project_a]).await;
    let wang = app.login("wang").await;
    let (status, _) = app.get_text(&wang, "/").await;
    assert_eq!(status, 200);

    let admin = app.login("boss").await;
    let (_, form) = app.get_text(&admin, &format!("/admin/staff/{id}")).await;
    let version = version_in(&form);
    let pa = app.project_a.to_string();
    let path = format!("/admin/staff/{id}");
    // No `active` box: the account is switched off.
    let (status, location, _) =
        app.post_form(&admin, &path, &[("display_name", "王五"), ("role", "receptionist"), ("projects", &pa), ("version", &version)]).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?saved=1").as_str()));

    let r = wang.get(format!("{}/", app.base)).send().await.expect("get");
    assert_eq!(r.status(), 303);
    let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(to.starts_with("/login"), "redirected to {to}");
    let (_, status) = login_with(&app, "wang", PASSWORD).await;
    assert_eq!(status, 401, "a deactivated account cannot log in");
    let (_, list) = app.get_text(&admin, "/admin/staff").await;
    assert!(list.contains("停用"));

    // The form read before that change is stale now: 409, nothing saved.
    let (status, _, body) =
        app.post_form(&admin, &path, &[("display_name", "王五"), ("role", "manager"), ("active", "1"), ("projects", &pa), ("version", &version)]).await;
    assert_eq!(status, 409);
    assert!(body.contains("已被他人修改"));
    let mut c = app.db.read().await.expect("read");
    let s = staff::by_id(&mut c, app.company_id, id).await.expect("query").expect("staff");
    assert!(!s.active);
    assert_eq!(s.role.code(), "receptionist");

    // An administrator cannot switch themselves off.
    let boss = staff::by_username(&mut c, "boss").await.expect("query").expect("boss");
    drop(c);
    let (status, _, body) = app
        .post_form(&admin, &format!("/admin/staff/{}", boss.id), &[("display_name", "老板"), ("role", "admin"), ("version", &boss.version.to_string())])
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("不能停用自己"));
}

#[tokio::test]
async fn sec_1_audit_log_lists_the_changes() {
    let app = spawn_app().await;
    app.staff("boss", "admin", &[app.project_a, app.project_b]).await;
    let admin = app.login("boss").await;
    app.post_form(&admin, "/admin/departments", &[("code", "GCB"), ("name", "工程部")]).await;
    let pa = app.project_a.to_string();
    let (status, location, _) = app
        .post_form(
            &admin,
            "/admin/staff",
            &[("username", "zhao"), ("display_name", "赵六"), ("role", "engineering"), ("projects", &pa), ("password", "First-pass-1")],
        )
        .await;
    assert_eq!(status, 303);
    let id = id_from(&location);
    let path = format!("/admin/staff/{id}");
    let (_, form) = app.get_text(&admin, &path).await;
    let version = version_in(&form);
    let (status, _, _) =
        app.post_form(&admin, &path, &[("display_name", "赵六"), ("role", "supervisor"), ("active", "1"), ("projects", &pa), ("version", &version)]).await;
    assert_eq!(status, 303);

    // Password reset: typed twice, the old one stops working.
    let pw = format!("{path}/password");
    let (status, _, body) = app.post_form(&admin, &pw, &[("password", "Second-pass-2"), ("password_confirm", "Second-pass-3")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("两次输入的密码不一致"));
    let (status, _, _) = app.post_form(&admin, &pw, &[("password", "Second-pass-2"), ("password_confirm", "Second-pass-2")]).await;
    assert_eq!(status, 303);
    assert_eq!(login_with(&app, "zhao", "First-pass-1").await.1, 401);
    assert_eq!(login_with(&app, "zhao", "Second-pass-2").await.1, 303);

    let (status, location, _) = app
        .post_form(&admin, "/units", &[("building_id", &app.building_a.to_string()), ("unit_no", "A-101"), ("kind", "shop"), ("building_area", "88.5")])
        .await;
    assert_eq!(status, 303);
    let unit_id = id_from(&location);

    let (status, log) = app.get_text(&admin, "/audit").await;
    assert_eq!(status, 200);
    for text in ["员工 #", "部门 #", "创建", "修改", "重置密码", "boss名", &format!("href=\"/units/{unit_id}\""), &format!("href=\"/admin/staff/{id}\"")]
    {
        assert!(log.contains(text), "audit log shows {text}");
    }
    assert!(log.contains("supervisor"), "the change itself is in the payload");
    assert!(!log.contains("Second-pass"), "passwords are never logged");

    let (_, only_staff) = app.get_text(&admin, "/audit?entity=staff").await;
    assert!(only_staff.contains("重置密码") && !only_staff.contains("部门 #") && !only_staff.contains("房屋 #"));
    assert!(only_staff.contains("<option value=\"staff\" selected>"), "the filter stays in the URL and the form");

    // The person's own history on their page.
    let (_, page) = app.get_text(&admin, &path).await;
    for text in ["创建", "修改", "重置密码"] {
        assert!(page.contains(text), "staff history shows {text}");
    }
}

#[tokio::test]
async fn org_6_admin_post_without_csrf_is_refused() {
    let app = spawn_app().await;
    app.staff("boss", "admin", &[app.project_a]).await;
    let admin = app.login("boss").await;
    let r = admin
        .post(format!("{}/admin/staff", app.base))
        .form(&[("username", "ghost"), ("display_name", "幽灵"), ("role", "admin"), ("password", "long-enough-1")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = admin
        .post(format!("{}/admin/departments", app.base))
        .form(&[("code", "X"), ("name", "某部门"), ("_csrf", "not-the-token")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let mut c = app.db.read().await.expect("read");
    assert!(staff::by_username(&mut c, "ghost").await.expect("query").is_none());
}
