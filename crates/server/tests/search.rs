//! CMP-14 full-text search of complaints (Chinese substrings, two-character words included)
//! through the index on both backends: the list page, the API `q` and the case library, the
//! index written with the complaint, the backfill of complaints from before the index.

mod common;

use common::{TestApp, spawn_app};
use propdesk::ops::complaint::{ComplaintInput, create, index_search_backlog, mark_typical};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::search;
use propdesk_store::models::complaint::{self as store, search_pending};
use propdesk_store::{AsEx, Backend, Sql};

struct World {
    app: TestApp,
    /// Customer service of project A (the API token and the logged-in page client).
    cs: Actor,
    token: String,
    page: reqwest::Client,
    /// Customer service of project B only.
    cs_b: Actor,
}

async fn world() -> World {
    let app = spawn_app().await;
    let a = app.staff("kefu", "specialist", &[app.project_a]).await;
    let b = app.staff("kefu_b", "specialist", &[app.project_b]).await;
    let actor = |staff_id, project| Actor { staff_id, name: "客服".into(), company_id: app.company_id, role: Role::Specialist, projects: vec![project] };
    let (cs, cs_b) = (actor(a, app.project_a), actor(b, app.project_b));
    let token = app.token("kefu").await;
    let page = app.login("kefu").await;
    World { app, cs, token, page, cs_b }
}

async fn complaint(w: &World, actor: &Actor, who: &str, phone: &str, content: &str) -> (i64, String) {
    let input = ComplaintInput {
        project_id: actor.projects[0].to_string(),
        complainant: who.into(),
        contact_phone: phone.into(),
        content: content.into(),
        ..Default::default()
    };
    create(&w.app.db, actor, &input).await.expect("create")
}

/// The ids the API lists for `q` (project A's customer service), sorted.
async fn found(w: &World, q: &str) -> Vec<i64> {
    let r = w.app.client().get(format!("{}/api/v1/complaints", w.app.base)).bearer_auth(&w.token).query(&[("q", q), ("per_page", "100")]).send().await;
    let v: serde_json::Value = r.expect("request").json().await.expect("json");
    let mut ids: Vec<i64> = v["items"].as_array().expect("items").iter().filter_map(|x| x["id"].as_i64()).collect();
    assert_eq!(v["total"].as_i64(), Some(ids.len() as i64), "total counts the same rows: {v}");
    ids.sort_unstable();
    ids
}

/// The ids the search index alone returns for `q` (no LIKE), to see that it holds the rows.
async fn in_index(w: &World, q: &str) -> Vec<i64> {
    let query = search::query(q).expect("an indexable query");
    let mut c = w.app.db.read().await.expect("conn");
    let sql = match c.ex().backend() {
        Backend::Sqlite => Sql::new("SELECT rowid FROM complaint_search WHERE complaint_search MATCH $1 ORDER BY rowid").arg(query.fts()),
        Backend::Postgres => Sql::new("SELECT id FROM complaints WHERE search @@ CAST($1 AS tsquery) ORDER BY id").arg(query.tsquery()),
    };
    c.ex().fetch_all::<(i64,)>(sql).await.expect("index query").into_iter().map(|r| r.0).collect()
}

async fn pending(w: &World) -> bool {
    let mut c = w.app.db.read().await.expect("conn");
    search_pending(&mut c).await.expect("pending")
}

#[tokio::test]
async fn cmp_14_two_character_words_and_longer_substrings_are_found() {
    let w = world().await;
    let (leak, _) = complaint(&w, &w.cs, "王女士", "13800138000", "楼上漏水严重，天花板发霉").await;
    let (pipe, _) = complaint(&w, &w.cs, "李先生", "13800138001", "水管爆裂，地下室积水").await;
    let (split, _) = complaint(&w, &w.cs, "赵先生", "13800138002", "楼上漏，水管好像也坏了").await;
    // A two-character word inside a longer run of Chinese.
    assert_eq!(found(&w, "漏水").await, vec![leak]);
    assert_eq!(found(&w, "水管").await, vec![pipe, split]);
    // Three and more characters, and a query that spans punctuation the same way the text does.
    assert_eq!(found(&w, "漏水严重").await, vec![leak]);
    assert_eq!(found(&w, "天花板发霉").await, vec![leak]);
    assert_eq!(found(&w, "严重，天花").await, vec![leak]);
    assert_eq!(found(&w, "下室积").await, vec![pipe]);
    // The complainant's name is searched too.
    assert_eq!(found(&w, "女士").await, vec![leak]);
    assert_eq!(found(&w, "没有这回事").await, Vec::<i64>::new());
}

#[tokio::test]
async fn cmp_14_words_are_not_found_across_punctuation() {
    let w = world().await;
    let (split, _) = complaint(&w, &w.cs, "赵先生", "13800138002", "楼上漏，水管好像也坏了。门禁。卡坏了").await;
    // "漏" and "水" are separated by "，": not the word 漏水, neither for the index nor LIKE.
    assert_eq!(found(&w, "漏水").await, Vec::<i64>::new());
    assert_eq!(in_index(&w, "漏水").await, Vec::<i64>::new(), "no gram spans punctuation");
    assert_eq!(found(&w, "禁卡").await, Vec::<i64>::new());
    // With the punctuation typed, it is the text's own substring.
    assert_eq!(found(&w, "漏，水管").await, vec![split]);
    assert_eq!(found(&w, "门禁。卡").await, vec![split]);
}

#[tokio::test]
async fn cmp_14_latin_and_digits_unit_numbers_phones_and_complaint_numbers() {
    let w = world().await;
    let (unit, number) = complaint(&w, &w.cs, "Wang Li", "13912345678", "3-1201室卫生间漏水").await;
    let (longer, _) = complaint(&w, &w.cs, "周先生", "13800000001", "13-1201门口堆放杂物").await;
    let (glued, _) = complaint(&w, &w.cs, "吴女士", "13800000002", "31201号车位被占").await;
    // A unit number is a substring, wherever it stands: "13-1201" contains "3-1201".
    assert_eq!(found(&w, "3-1201").await, vec![unit, longer]);
    assert_eq!(found(&w, "1201").await, vec![unit, longer, glued]);
    assert_eq!(found(&w, "1201室").await, vec![unit]);
    // The last digits of a phone number, a whole one, a latin name, the complaint's number.
    assert_eq!(found(&w, "5678").await, vec![unit]);
    assert_eq!(found(&w, "13912345678").await, vec![unit]);
    assert_eq!(found(&w, "Wang").await, vec![unit]);
    assert_eq!(found(&w, &number).await, vec![unit]);
    assert_eq!(in_index(&w, "5678").await, vec![unit], "served by the index");
}

#[tokio::test]
async fn cmp_14_one_character_queries_fall_back_to_like() {
    let w = world().await;
    let (leak, _) = complaint(&w, &w.cs, "王女士", "13800138000", "楼上漏水严重").await;
    let (split, _) = complaint(&w, &w.cs, "赵先生", "13800138002", "楼上漏，水管好").await;
    let (lift, _) = complaint(&w, &w.cs, "钱先生", "13800138003", "电梯异响").await;
    assert!(search::query("漏").is_none());
    assert_eq!(found(&w, "漏").await, vec![leak, split]);
    // Two digits could sit inside any longer number: LIKE over the fields as well.
    assert!(search::query("03").is_none());
    assert_eq!(found(&w, "03").await, vec![lift]);
}

#[tokio::test]
async fn cmp_14_search_respects_project_scope() {
    let w = world().await;
    let (mine, _) = complaint(&w, &w.cs, "王女士", "13800138000", "地库积水严重").await;
    let (theirs, _) = complaint(&w, &w.cs_b, "王女士", "13800138000", "地库积水严重").await;
    assert_eq!(in_index(&w, "积水").await, vec![mine, theirs], "both are in the index");
    assert_eq!(found(&w, "积水").await, vec![mine], "only project A's for A's customer service");
    let r = w
        .app
        .client()
        .get(format!("{}/api/v1/complaints", w.app.base))
        .bearer_auth(&w.token)
        .query(&[("q", "积水"), ("project_id", &w.app.project_b.to_string())])
        .send()
        .await
        .expect("request");
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["total"], 0, "asking for project B finds nothing: {v}");
    let (_, html) = w.app.get_text(&w.page, "/complaints?q=%E7%A7%AF%E6%B0%B4").await; // 积水
    assert!(html.contains(&format!("/complaints/{mine}\"")) && !html.contains(&format!("/complaints/{theirs}\"")));
}

#[tokio::test]
async fn cmp_14_list_page_and_case_library_search_through_the_index() {
    let w = world().await;
    let (typical, _) = complaint(&w, &w.cs, "王女士", "13800138000", "电梯困人半小时无人处理").await;
    let (other, _) = complaint(&w, &w.cs, "李先生", "13800138001", "电梯按钮失灵").await;
    mark_typical(&w.app.db, &w.cs, typical, None, true).await.expect("typical");
    let (status, html) = w.app.get_text(&w.page, "/complaints?q=%E7%94%B5%E6%A2%AF").await; // 电梯
    assert_eq!(status, 200);
    assert!(html.contains(&format!("/complaints/{typical}\"")) && html.contains(&format!("/complaints/{other}\"")));
    let (_, lib) = w.app.get_text(&w.page, "/complaints/cases?q=%E5%9B%B0%E4%BA%BA%E5%8D%8A%E5%B0%8F%E6%97%B6").await; // 困人半小时
    assert!(lib.contains("电梯困人半小时无人处理"), "the case library finds a typical case by a phrase");
    let (_, lib) = w.app.get_text(&w.page, "/complaints/cases?q=%E7%94%B5%E6%A2%AF").await;
    assert!(!lib.contains(&format!("/complaints/{other}\"")), "only typical cases");
}

#[tokio::test]
async fn cmp_14_complaints_from_before_the_index_are_backfilled_once() {
    let w = world().await;
    let (leak, _) = complaint(&w, &w.cs, "王女士", "13800138000", "楼上漏水严重").await;
    let (pipe, _) = complaint(&w, &w.cs, "李先生", "13800138001", "水管漏水").await;
    assert_eq!(in_index(&w, "漏水").await, vec![leak, pipe], "written with the complaint");
    assert!(!pending(&w).await, "nothing to backfill: searches use the index");
    // As a database from before the migration: rows without entries.
    let mut tx = w.app.db.begin().await.expect("tx");
    match tx.ex().backend() {
        Backend::Sqlite => {
            tx.ex().execute(Sql::new("DELETE FROM complaint_search")).await.expect("clear");
            tx.ex().execute(Sql::new("UPDATE complaints SET search_version = 0")).await.expect("reset");
        }
        Backend::Postgres => {
            tx.ex().execute(Sql::new("UPDATE complaints SET search = NULL, search_version = 0")).await.expect("reset");
        }
    }
    tx.commit().await.expect("commit");
    assert_eq!(in_index(&w, "漏水").await, Vec::<i64>::new());
    assert!(pending(&w).await);
    // Until the backfill is done, a search scans with LIKE and still finds them.
    assert_eq!(found(&w, "漏水").await, vec![leak, pipe]);
    assert_eq!(index_search_backlog(&w.app.db).await.expect("backfill"), 2);
    assert_eq!(index_search_backlog(&w.app.db).await.expect("backfill"), 0, "idempotent");
    assert_eq!(in_index(&w, "漏水").await, vec![leak, pipe]);
    assert!(!pending(&w).await);
    assert_eq!(found(&w, "漏水严重").await, vec![leak]);
}

#[tokio::test]
async fn cmp_14_a_common_word_counts_to_a_thousand_and_pages_on() {
    let w = world().await;
    let now = chrono::Utc::now();
    let mut tx = w.app.db.begin().await.expect("tx");
    for i in 0..1003 {
        let number = format!("T/{i:04}");
        let n = store::NewComplaint {
            project_id: w.app.project_a,
            number: &number,
            reception_id: None,
            unit_id: None,
            party_id: None,
            complainant: "业主",
            contact_phone: "",
            channel: propdesk_domain::reception::Channel::Phone,
            content: "卫生间漏水",
            severity: propdesk_domain::complaint::Severity::General,
            important_kind: None,
            major_reason: None,
            received_at: now,
            topic: "",
        };
        store::insert(&mut tx, &n, now).await.expect("insert");
    }
    tx.commit().await.expect("commit");
    let get = |page: &'static str| {
        let req = w.app.client().get(format!("{}/api/v1/complaints", w.app.base)).bearer_auth(&w.token).query(&[("q", "漏水"), ("page", page)]);
        async move { req.send().await.expect("request").json::<serde_json::Value>().await.expect("json") }
    };
    let first = get("1").await;
    assert_eq!((first["total"].as_i64(), first["more"].as_bool()), (Some(1000), Some(true)), "{first}");
    // Newest first; the count stopped, the pages go on.
    assert_eq!(first["items"][0]["number"], "T/1002");
    let last = get("21").await;
    assert_eq!(last["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(last["items"][2]["number"], "T/0000");
    let (_, html) = w.app.get_text(&w.page, "/complaints?q=%E6%BC%8F%E6%B0%B4&page=20").await;
    assert!(html.contains("1000+") && html.contains("rel=\"next\""), "the page says 1000+ and offers the next page");
    assert_eq!(found(&w, "卫生间漏水ab").await, Vec::<i64>::new());
}
