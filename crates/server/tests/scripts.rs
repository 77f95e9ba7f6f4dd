//! RCP-5: standard scripts per project — a project's own text replaces the default on its
//! reception desk and callback form only; supervisors, managers and admins edit them (a
//! receptionist gets 403); empty text is refused (422) and nothing is saved; restoring the
//! default removes the project's text; every change is an event.

mod common;

use common::spawn_app;
use propdesk_domain::reception::{ScriptMoment, default_script};
use propdesk_store::models::event;
use propdesk_store::{AsEx, Sql};

const OWN_GREETING: &str = "您好，这里是{project}客服中心，很高兴为您服务，请讲。";

#[tokio::test]
async fn rcp_5_a_projects_own_script_shows_on_its_desk_and_callback_form_only() {
    let app = spawn_app().await;
    let both = [app.project_a, app.project_b];
    app.staff("zhuguan", "supervisor", &both).await;
    app.staff("qiantai", "receptionist", &both).await;
    let zg = app.login("zhuguan").await;
    let path = format!("/projects/{}/scripts", app.project_a);
    let (status, location, body) = app.post_form(&zg, &path, &[("moment", "greeting"), ("text", OWN_GREETING), ("do", "save")]).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?saved=1").as_str()), "{body}");

    let qt = app.login("qiantai").await;
    let (status, desk_a) = app.get_text(&qt, &format!("/reception?project_id={}", app.project_a)).await;
    assert_eq!(status, 200);
    assert!(desk_a.contains("您好，这里是<b class=\"pname\">红星广场</b>客服中心，很高兴为您服务，请讲。"), "project A's own greeting with its name");
    let (_, desk_b) = app.get_text(&qt, &format!("/reception?project_id={}", app.project_b)).await;
    assert!(!desk_b.contains("很高兴为您服务"), "project B keeps the default");
    assert!(desk_b.contains("您好，<b class=\"pname\">丽湖苑</b>客户服务中心，请问有什么可以帮到您？"));
    // The panel the desk swaps in when another project is chosen.
    let (status, panel) = app.get_text(&qt, &format!("/reception/scripts?project_id={}&moment=greeting", app.project_a)).await;
    assert_eq!(status, 200);
    assert!(panel.contains("很高兴为您服务") && !panel.contains("<html"));
    let (_, panel_b) = app.get_text(&qt, &format!("/reception/scripts?project_id={}", app.project_b)).await;
    assert!(!panel_b.contains("很高兴为您服务"));
    let (status, _) = app.get_text(&qt, "/reception/scripts?project_id=999999").await;
    assert_eq!(status, 404, "another company's project");

    // The callback form shows the project's callback questions.
    let own_questions = "请问维修后效果如何？师傅是否准时上门？";
    let (status, _, _) = app.post_form(&zg, &path, &[("moment", "callback_questions"), ("text", own_questions)]).await;
    assert_eq!(status, 303);
    let mut tx = app.db.begin().await.expect("tx");
    let cb = tx
        .ex()
        .insert(
            Sql::new("INSERT INTO callbacks (project_id, subject, subject_id, due_at, assigned_role, status, created_at) VALUES ($1, 'complaint', 1, $2, 'assistant', 'pending', $2)")
                .arg(app.project_a)
                .arg(chrono::Utc::now()),
        )
        .await
        .expect("callback");
    tx.commit().await.expect("commit");
    let (status, form) = app.get_text(&zg, &format!("/callbacks/{cb}")).await;
    assert_eq!(status, 200);
    assert!(form.contains(own_questions), "the callback form shows the project's questions");
    assert!(form.contains(default_script(ScriptMoment::Farewell)), "moments the project did not rewrite keep the default");
}

#[tokio::test]
async fn rcp_5_a_receptionist_cannot_edit_scripts() {
    let app = spawn_app().await;
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    let qt = app.login("qiantai").await;
    let path = format!("/projects/{}/scripts", app.project_a);
    let (status, page) = app.get_text(&qt, &path).await;
    assert_eq!(status, 200, "everyone on the project may read them");
    assert!(!page.contains("<textarea"), "but gets no form");
    let (status, _, _) = app.post_form(&qt, &path, &[("moment", "greeting"), ("text", OWN_GREETING)]).await;
    assert_eq!(status, 403);
    let (status, _, _) = app.post_form(&qt, &path, &[("moment", "greeting"), ("do", "restore")]).await;
    assert_eq!(status, 403);
    let mut c = app.db.read().await.expect("conn");
    assert_eq!(c.ex().scalar(Sql::new("SELECT COUNT(*) FROM scripts")).await.expect("count"), 0);
    drop(c);
    // A supervisor of another project only: the project is not found.
    app.staff("zhuguan_b", "supervisor", &[app.project_b]).await;
    let zb = app.login("zhuguan_b").await;
    let (status, _, _) = app.post_form(&zb, &path, &[("moment", "greeting"), ("text", OWN_GREETING)]).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rcp_5_empty_text_is_refused_and_the_default_can_be_restored() {
    let app = spawn_app().await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    let jl = app.login("jingli").await;
    let path = format!("/projects/{}/scripts", app.project_a);
    let (status, _, page) = app.post_form(&jl, &path, &[("moment", "farewell"), ("text", "   ")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("必填"), "the reason next to the field, in Chinese");
    let (status, _, _) = app.post_form(&jl, &path, &[("moment", "no_such_moment"), ("text", "你好")]).await;
    assert_eq!(status, 422);
    let long = "话".repeat(1001);
    let (status, _, _) = app.post_form(&jl, &path, &[("moment", "farewell"), ("text", &long)]).await;
    assert_eq!(status, 422);
    let mut c = app.db.read().await.expect("conn");
    assert_eq!(c.ex().scalar(Sql::new("SELECT COUNT(*) FROM scripts")).await.expect("count"), 0, "nothing saved");
    drop(c);

    let (status, _, _) = app.post_form(&jl, &path, &[("moment", "farewell"), ("text", "感谢来电，祝您生活愉快！")]).await;
    assert_eq!(status, 303);
    let (_, page) = app.get_text(&jl, &path).await;
    assert!(page.contains("感谢来电，祝您生活愉快！") && page.contains("本项目话术"));
    let (status, _, _) = app.post_form(&jl, &path, &[("moment", "farewell"), ("do", "restore")]).await;
    assert_eq!(status, 303);
    let (_, page) = app.get_text(&jl, &path).await;
    assert!(!page.contains("感谢来电，祝您生活愉快！<"), "the project's text is gone");
    assert!(page.contains(default_script(ScriptMoment::Farewell)));

    let mut c = app.db.read().await.expect("conn");
    assert_eq!(c.ex().scalar(Sql::new("SELECT COUNT(*) FROM scripts")).await.expect("count"), 0);
    let actions: Vec<String> = event::for_entity(&mut c, "project", app.project_a).await.expect("events").into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| a.starts_with("script_")).collect::<Vec<_>>(), ["script_updated", "script_restored"], "an event per change");
}

#[tokio::test]
async fn rcp_5_scripts_over_the_api() {
    let app = spawn_app().await;
    app.staff("zhuguan", "supervisor", &[app.project_a]).await;
    app.staff("qiantai", "receptionist", &[app.project_a]).await;
    let (zg, qt) = (app.token("zhuguan").await, app.token("qiantai").await);
    let client = app.client();
    let url = format!("{}/api/v1/projects/{}/scripts", app.base, app.project_a);
    let r = client.get(&url).bearer_auth(&qt).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let all: serde_json::Value = r.json().await.expect("json");
    assert_eq!(all.as_array().map(Vec::len), Some(ScriptMoment::ALL.len()));
    assert_eq!(all[0]["custom"], false);

    let put = |token: &str, text: &str| client.put(format!("{url}/greeting")).bearer_auth(token.to_string()).json(&serde_json::json!({"text": text})).send();
    assert_eq!(put(&qt, OWN_GREETING).await.expect("put").status(), 403, "a receptionist cannot edit");
    let r = put(&zg, " ").await.expect("put");
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(e["error"]["fields"][0]["field"], "text");
    let r = put(&zg, OWN_GREETING).await.expect("put");
    assert_eq!(r.status(), 200);
    let all: serde_json::Value = r.json().await.expect("json");
    let greeting = &all.as_array().expect("list").iter().find(|s| s["moment"] == "greeting").expect("greeting").clone();
    assert_eq!((greeting["custom"].as_bool(), greeting["shown"].as_str()), (Some(true), Some("您好，这里是红星广场客服中心，很高兴为您服务，请讲。")));

    let r = client.delete(format!("{url}/greeting")).bearer_auth(&zg).send().await.expect("delete");
    assert_eq!(r.status(), 200);
    let all: serde_json::Value = r.json().await.expect("json");
    assert!(all.as_array().expect("list").iter().all(|s| s["custom"] == false), "restored");
    let r = client.get(format!("{}/api/v1/projects/{}/scripts", app.base, app.project_b)).bearer_auth(&zg).send().await.expect("get");
    assert_eq!(r.status(), 404, "not the caller's project");
}
