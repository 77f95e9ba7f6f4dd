//! CMP-12: a claim through the pages, from opening on a complaint to execution.

mod common;

use common::spawn_app;
use propdesk::ops::complaint::{ComplaintInput, create};
use propdesk_domain::access::{Actor, Role};

fn field<'a>(body: &'a str, name: &str) -> &'a str {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).map(|i| i + marker.len()).expect("field on page");
    let end = body[start..].find('"').expect("end of value");
    &body[start..start + end]
}

#[tokio::test]
async fn cmp_12_claim_walks_to_execution_with_legal_advice_and_the_heads_approval() {
    let app = spawn_app().await;
    let spec = app.staff("kefu", "specialist", &[app.project_a]).await;
    app.staff("jingli", "manager", &[app.project_a]).await;
    let actor = Actor { staff_id: spec, name: "客服".into(), company_id: app.company_id, role: Role::Specialist, projects: vec![app.project_a] };
    let input =
        ComplaintInput {
            project_id: app.project_a.to_string(), complainant: "赵女士".into(), content: "楼上漏水泡坏地板".into(), ..Default::default()
        };
    let (complaint, _) = create(&app.db, &actor, &input).await.expect("complaint");
    let c = app.login("kefu").await;
    let (s, loc, _) = app.post_form(&c, &format!("/complaints/{complaint}/claims"), &[("claimant", "赵女士"), ("claimed_amount", "12000")]).await;
    assert_eq!(s, 303);
    let claim_url = loc.split('?').next().expect("path").to_string();
    let post = |c: &reqwest::Client, fields: Vec<(&'static str, String)>| {
        let app = &app;
        let url = format!("{claim_url}/actions");
        let c = c.clone();
        async move {
            let (_, page) = app.get_text(&c, &url.replace("/actions", "")).await;
            let version = field(&page, "version").to_string();
            let mut all: Vec<(&str, String)> = fields;
            all.push(("version", version));
            let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&c, &url, &refs).await.0
        }
    };
    assert_eq!(post(&c, vec![("action", "respond".into()), ("note", "已回应，三日内答复".into())]).await, 303);
    assert_eq!(post(&c, vec![("action", "gather_opinions".into()), ("opinions", "工程部：楼上水管破裂".into())]).await, 303);
    // Skipping legal advice is refused by the table.
    assert_eq!(post(&c, vec![("action", "customer_answer".into()), ("accepted", "yes".into())]).await, 409);
    assert_eq!(post(&c, vec![("action", "draft_plan".into()), ("plan", "赔偿地板".into()), ("amount", "8000".into())]).await, 303);
    assert_eq!(post(&c, vec![("action", "legal_advice".into()), ("advice", "金额合理".into())]).await, 303);
    assert_eq!(post(&c, vec![("action", "customer_answer".into()), ("accepted", "yes".into()), ("note", "".into())]).await, 303);
    assert_eq!(post(&c, vec![("action", "report".into()), ("responsibility", "楼上业主".into()), ("report", "报告".into())]).await, 303);
    // 8.1.7: a specialist cannot approve; the manager can.
    assert_eq!(post(&c, vec![("action", "decide".into()), ("approved", "yes".into()), ("opinion", "同意".into())]).await, 403);
    let m = app.login("jingli").await;
    assert_eq!(post(&m, vec![("action", "decide".into()), ("approved", "yes".into()), ("opinion", "同意".into())]).await, 303);
    assert_eq!(post(&c, vec![("action", "execute".into()), ("note", "财务已付款".into()), ("last", "1".into())]).await, 303);
    let (_, page) = app.get_text(&c, &claim_url).await;
    assert!(page.contains("已执行") && page.contains("8000.00"));
    let (_, list) = app.get_text(&c, "/claims").await;
    assert!(list.contains("HXGC/SP001"));
}
