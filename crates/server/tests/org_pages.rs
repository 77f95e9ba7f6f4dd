mod common;

use common::spawn_app;

#[tokio::test]
async fn org_6_login_and_see_only_assigned_projects() {
    let app = spawn_app().await;
    app.staff("zhang", "receptionist", &[app.project_a]).await;
    let c = app.login("zhang").await;
    let (status, body) = app.get_text(&c, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("红星广场"));
    assert!(!body.contains("丽湖苑"), "project B must not show for a staff member of A only");
}
