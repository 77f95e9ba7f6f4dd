//! CMP-3 evidence over HTTP: upload on the complaint page (multipart + CSRF) and through the
//! API, the list on the page and in the complaint's JSON, downloads with the right headers,
//! refusals by content type and size (422 on `file`), and who may see evidence at all:
//! another project's staff get 404, a field department only once the case is theirs (SEC-2).

mod common;

use common::{TestApp, spawn_app};
use propdesk::ops::complaint::{ComplaintInput, create};
use propdesk::ops::staff::create_department;
use propdesk_store::{AsEx, Sql};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    eng_dept: i64,
    /// Customer-service specialist of project A (page session and API token).
    cs: reqwest::Client,
    cs_token: String,
    /// An engineer (engineering department) of project A.
    eng: reqwest::Client,
    eng_token: String,
    /// A security guard (security department) of project A.
    sec: reqwest::Client,
    /// A specialist of project B only.
    other: reqwest::Client,
    other_token: String,
}

async fn dept_staff(app: &TestApp, username: &str, role: &str, dept: i64) {
    app.member(username, &format!("{username}名"), role, dept).await;
}

async fn world() -> World {
    let app = spawn_app().await;
    let eng_dept = create_department(&app.db, &app.root, "ENG", "工程部").await.expect("dept");
    let sec_dept = create_department(&app.db, &app.root, "SEC", "安保部").await.expect("dept");
    app.staff("kefu", "specialist", &[app.project_a]).await;
    app.staff("kefu_b", "specialist", &[app.project_b]).await;
    dept_staff(&app, "gong", "engineering", eng_dept).await;
    dept_staff(&app, "bao", "security", sec_dept).await;
    let (cs, eng, sec, other) = (app.login("kefu").await, app.login("gong").await, app.login("bao").await, app.login("kefu_b").await);
    let (cs_token, eng_token, other_token) = (app.token("kefu").await, app.token("gong").await, app.token("kefu_b").await);
    World { app, eng_dept, cs, cs_token, eng, eng_token, sec, other, other_token }
}

async fn complaint(w: &World, content: &str) -> i64 {
    let input = ComplaintInput { project_id: w.app.project_a.to_string(), complainant: "王女士".into(), content: content.into(), ..Default::default() };
    create(&w.app.db, &w.app.root, &input).await.expect("complaint").0
}

/// A JPEG as far as its first bytes tell (the server never decodes images).
fn jpeg(len: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01];
    v.extend((0..len.saturating_sub(v.len())).map(|i| (i % 251) as u8));
    v.truncate(len.max(16));
    v
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn mp3() -> Vec<u8> {
    let mut v = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    v.extend(std::iter::repeat_n(0x55u8, 2000));
    v
}

fn part(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).expect("mime")
}

/// Posts the record page's upload form: `_csrf` first, as the page's form sends it.
async fn page_upload(w: &World, c: &reqwest::Client, id: i64, file: Part, note: &str) -> (u16, String, String) {
    let csrf = w.app.csrf(c).await;
    let form = Form::new().text("_csrf", csrf).part("file", file).text("note", note.to_string());
    let r = c.post(format!("{}/complaints/{id}/attachments", w.app.base)).multipart(form).send().await.expect("upload");
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.unwrap_or_default())
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    bytes: Vec<u8>,
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body").to_vec();
    Answer { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), bytes }
}

async fn api_upload(w: &World, token: &str, id: i64, file: Part, note: &str) -> Answer {
    let form = Form::new().part("file", file).text("note", note.to_string());
    send(w.app.client().post(format!("{}/api/v1/complaints/{id}/attachments", w.app.base)).bearer_auth(token).multipart(form)).await
}

async fn api_get(w: &World, token: &str, path: &str) -> Answer {
    send(w.app.client().get(format!("{}{path}", w.app.base)).bearer_auth(token)).await
}

async fn get(w: &World, c: &reqwest::Client, path: &str) -> Answer {
    send(c.get(format!("{}{path}", w.app.base))).await
}

fn header(a: &Answer, name: &str) -> String {
    a.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

fn field_errors(a: &Answer) -> Vec<(String, String)> {
    a.body["error"]["fields"]
        .as_array()
        .map(|fs| fs.iter().map(|f| (f["field"].as_str().unwrap_or("").to_string(), f["message_zh"].as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default()
}

async fn count(w: &World, sql: &str, id: i64) -> i64 {
    let mut c = w.app.db.read().await.expect("conn");
    c.ex().scalar(Sql::new(sql).arg(id)).await.expect("count")
}

async fn attachments_of(w: &World, id: i64) -> i64 {
    count(w, "SELECT COUNT(*) FROM attachments WHERE entity = 'complaint' AND entity_id = $1", id).await
}

async fn evidence_events(w: &World, id: i64) -> i64 {
    count(w, "SELECT COUNT(*) FROM events WHERE entity = 'complaint' AND action = 'evidence_added' AND entity_id = $1", id).await
}

/// Files kept under the app's attachments directory (not counting uploads in progress).
fn stored_files(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path, n: &mut usize) {
        for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|f| f != "tmp") {
                    walk(&path, n);
                }
            } else {
                *n += 1;
            }
        }
    }
    let mut n = 0;
    walk(&app.files, &mut n);
    n
}

fn temp_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.files.join("tmp")).map(|d| d.count()).unwrap_or(0)
}

async fn dispatch_to(w: &World, id: i64, dept: i64) {
    let a = send(
        w.app
            .client()
            .post(format!("{}/api/v1/complaints/{id}/actions", w.app.base))
            .bearer_auth(&w.cs_token)
            .json(&json!({"action": "dispatch", "departments": [dept]})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn cmp_3_upload_list_and_download_on_the_complaint_page() {
    let w = world().await;
    let id = complaint(&w, "地下车库漏水，车辆被泡").await;
    let photo = jpeg(40_000);
    let (status, location, body) = page_upload(&w, &w.cs, id, part(photo.clone(), "车库漏水.jpg", "image/jpeg"), "漏水现场照片").await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(location, format!("/complaints/{id}?saved=1"));
    let (status, _, _) = page_upload(&w, &w.cs, id, part(pdf(), "物业回复函.pdf", "application/pdf"), "").await;
    assert_eq!(status, 303);
    assert_eq!((attachments_of(&w, id).await, evidence_events(&w, id).await), (2, 2), "a row and an event per upload");

    // The record lists the evidence: the photo as a thumbnail, both names, the note, and the
    // uploads in the history.
    let (_, html) = w.app.get_text(&w.cs, &format!("/complaints/{id}")).await;
    let first: i64 = {
        let mut c = w.app.db.read().await.expect("conn");
        c.ex().scalar(Sql::new("SELECT MIN(id) FROM attachments WHERE entity_id = $1").arg(id)).await.expect("id")
    };
    assert!(html.contains(&format!("<img class=\"thumb\" src=\"/attachments/{first}\"")), "a thumbnail of the photo");
    for words in ["证据材料", "车库漏水.jpg", "物业回复函.pdf", "漏水现场照片", "上传证据", "enctype=\"multipart/form-data\""] {
        assert!(html.contains(words), "the page shows {words}");
    }

    // Download: the bytes as stored, the type decided by propdesk, never sniffed.
    let a = get(&w, &w.cs, &format!("/attachments/{first}")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.bytes, photo);
    assert_eq!(header(&a, "content-type"), "image/jpeg");
    assert_eq!(header(&a, "x-content-type-options"), "nosniff");
    assert!(header(&a, "content-disposition").starts_with("inline;"), "images are shown inline");
    assert!(header(&a, "content-disposition").contains("filename*=UTF-8''%E8%BD%A6%E5%BA%93%E6%BC%8F%E6%B0%B4.jpg"));
    assert!(header(&a, "content-security-policy").contains("sandbox"));
    let pdf_id = first + 1;
    let a = get(&w, &w.cs, &format!("/attachments/{pdf_id}")).await;
    assert_eq!((a.status, header(&a, "content-type")), (200, "application/pdf".to_string()));
    assert!(header(&a, "content-disposition").starts_with("attachment;"), "other files download");

    // Stored once, by content, outside the web root; no temporary file is left.
    let mut c = w.app.db.read().await.expect("conn");
    let (key, sha): (String, String) = c.ex().fetch_one(Sql::new("SELECT storage_key, sha256 FROM attachments WHERE id = $1").arg(first)).await.expect("row");
    assert_eq!(key, format!("{}/{}/{sha}", &sha[..2], &sha[2..4]));
    assert_eq!(std::fs::read(w.app.files.join(&key)).expect("stored file"), photo);
    assert_eq!(temp_files(&w.app), 0);
    assert_eq!(get(&w, &w.cs, "/attachments/999999").await.status, 404);
}

#[tokio::test]
async fn cmp_3_api_upload_is_listed_in_the_complaint_json_and_downloads() {
    let w = world().await;
    let id = complaint(&w, "保安夜间巡逻时大声喧哗").await;
    let a = api_upload(&w, &w.cs_token, id, part(mp3(), "通话录音.mp3", "application/octet-stream"), "业主来电录音").await;
    assert_eq!(a.status, 201, "{}", a.body);
    let att = a.body["id"].as_i64().expect("id");
    assert_eq!(header(&a, "location"), format!("/api/v1/attachments/{att}"));
    assert_eq!(
        (a.body["content_type"].as_str(), a.body["file_name"].as_str(), a.body["note"].as_str(), a.body["entity"].as_str()),
        (Some("audio/mpeg"), Some("通话录音.mp3"), Some("业主来电录音"), Some("complaint")),
        "the type comes from the content, not the client"
    );
    assert_eq!(a.body["size_bytes"].as_i64(), Some(mp3().len() as i64));

    let d = api_get(&w, &w.cs_token, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.body["attachments"].as_array().map(Vec::len), Some(1));
    assert_eq!(d.body["attachments"][0]["url"], format!("/api/v1/attachments/{att}"));
    let history: Vec<&str> = d.body["history"].as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(history, ["created", "evidence_added"]);

    let f = api_get(&w, &w.cs_token, &format!("/api/v1/attachments/{att}")).await;
    assert_eq!((f.status, f.bytes.clone()), (200, mp3()));
    assert_eq!(header(&f, "content-type"), "audio/mpeg");
    assert!(header(&f, "content-disposition").starts_with("attachment;"));
    // The staff page route serves the same file to the same person.
    assert_eq!(get(&w, &w.cs, &format!("/attachments/{att}")).await.bytes, mp3());
    assert_eq!(api_get(&w, &w.cs_token, "/api/v1/attachments/999999").await.status, 404);
}

#[tokio::test]
async fn cmp_3_wrong_type_is_422_whatever_the_client_claims() {
    let w = world().await;
    let id = complaint(&w, "电梯异响").await;
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let a = api_upload(&w, &w.cs_token, id, part(html.clone(), "现场.jpg", "image/jpeg"), "").await;
    assert_eq!(a.status, 422, "{}", a.body);
    let errs = field_errors(&a);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "file");
    assert!(errs[0].1.contains("文件类型不支持"), "{errs:?}");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    assert_eq!(api_upload(&w, &w.cs_token, id, part(svg, "a.svg", "image/svg+xml"), "").await.status, 422);
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    assert_eq!(api_upload(&w, &w.cs_token, id, part(heic, "IMG_0001.HEIC", "image/heic"), "").await.status, 422, "not on the list");
    // No file chosen.
    let form = Form::new().text("note", "忘了选文件");
    let a = send(w.app.client().post(format!("{}/api/v1/complaints/{id}/attachments", w.app.base)).bearer_auth(&w.cs_token).multipart(form)).await;
    assert_eq!((a.status, field_errors(&a).first().map(|e| e.0.clone())), (422, Some("file".to_string())));
    // Not multipart at all.
    let a = send(w.app.client().post(format!("{}/api/v1/complaints/{id}/attachments", w.app.base)).bearer_auth(&w.cs_token).json(&json!({}))).await;
    assert_eq!(a.status, 400);

    // On the page: the record again, 422, the reason in Chinese next to the file field.
    let (status, _, body) = page_upload(&w, &w.cs, id, part(html, "现场.jpg", "image/jpeg"), "说明保留").await;
    assert_eq!(status, 422);
    assert!(body.contains("文件类型不支持") && body.contains("field-error"), "the reason is shown by the field");
    assert_eq!((attachments_of(&w, id).await, evidence_events(&w, id).await, stored_files(&w.app), temp_files(&w.app)), (0, 0, 0, 0), "nothing kept");
}

#[tokio::test]
async fn cmp_3_too_large_is_422_and_the_limit_follows_the_kind() {
    let w = world().await;
    let id = complaint(&w, "楼道堆放杂物").await;
    let big_photo = jpeg(10 * 1024 * 1024 + 1);
    let a = api_upload(&w, &w.cs_token, id, part(big_photo.clone(), "大图.jpg", "image/jpeg"), "").await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(field_errors(&a), [("file".to_string(), "文件过大，此类文件不能超过 10 MB".to_string())]);
    let (status, _, body) = page_upload(&w, &w.cs, id, part(big_photo, "大图.jpg", "image/jpeg"), "").await;
    assert_eq!(status, 422);
    assert!(body.contains("文件过大，此类文件不能超过 10 MB"));
    // A video may be bigger than a photo (audio and video: 50 MB).
    let mut video = b"\0\0\0\x20ftypmp42\0\0\0\0mp42isom".to_vec();
    video.resize(11 * 1024 * 1024, 7);
    let a = api_upload(&w, &w.cs_token, id, part(video, "监控录像.mp4", "video/mp4"), "").await;
    assert_eq!((a.status, a.body["content_type"].as_str()), (201, Some("video/mp4")), "{}", a.body);
    assert_eq!((attachments_of(&w, id).await, temp_files(&w.app)), (1, 0), "only the video was kept; no partial file is left");
}

#[tokio::test]
async fn cmp_3_sec_2_another_projects_staff_get_404() {
    let w = world().await;
    let id = complaint(&w, "车位被占").await;
    let a = api_upload(&w, &w.cs_token, id, part(jpeg(2000), "车位.jpg", "image/jpeg"), "").await;
    let att = a.body["id"].as_i64().expect("id");
    assert_eq!(get(&w, &w.other, &format!("/attachments/{att}")).await.status, 404);
    assert_eq!(api_get(&w, &w.other_token, &format!("/api/v1/attachments/{att}")).await.status, 404);
    let a = api_upload(&w, &w.other_token, id, part(jpeg(2000), "x.jpg", "image/jpeg"), "").await;
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, _, _) = page_upload(&w, &w.other, id, part(jpeg(2000), "x.jpg", "image/jpeg"), "").await;
    assert_eq!(status, 404);
    assert_eq!(attachments_of(&w, id).await, 1);
    // Without a token the API answers 401, without a session the page sends to the login.
    assert_eq!(send(w.app.client().get(format!("{}/api/v1/attachments/{att}", w.app.base))).await.status, 401);
    assert_eq!(get(&w, &w.app.client(), &format!("/attachments/{att}")).await.status, 303);
}

#[tokio::test]
async fn cmp_3_sec_2_field_department_sees_evidence_only_once_the_case_is_theirs() {
    let w = world().await;
    let id = complaint(&w, "空调外机漏水滴到行人").await;
    let a = api_upload(&w, &w.cs_token, id, part(jpeg(3000), "外机.jpg", "image/jpeg"), "").await;
    let att = a.body["id"].as_i64().expect("id");
    // Before dispatch the engineer reads the complaint page (as before) but not the evidence.
    let (status, html) = w.app.get_text(&w.eng, &format!("/complaints/{id}")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("证据材料") && !html.contains("外机.jpg"), "no evidence section for a department with no part");
    assert_eq!(get(&w, &w.eng, &format!("/attachments/{att}")).await.status, 404);
    let d = api_get(&w, &w.eng_token, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!((d.status, d.body["attachments"].as_array().map(Vec::len)), (200, Some(0)));
    assert_eq!(api_upload(&w, &w.eng_token, id, part(jpeg(3000), "y.jpg", "image/jpeg"), "").await.status, 404);

    dispatch_to(&w, id, w.eng_dept).await;
    let (_, html) = w.app.get_text(&w.eng, &format!("/complaints/{id}")).await;
    assert!(html.contains("外机.jpg"), "the case is engineering's now");
    assert_eq!(get(&w, &w.eng, &format!("/attachments/{att}")).await.status, 200);
    let a = api_upload(&w, &w.eng_token, id, part(jpeg(3000), "维修后.jpg", "image/jpeg"), "更换排水管后").await;
    assert_eq!(a.status, 201, "the department adds its own photos");
    // Security has no part in it.
    assert_eq!(get(&w, &w.sec, &format!("/attachments/{att}")).await.status, 404);
    let (_, html) = w.app.get_text(&w.sec, &format!("/complaints/{id}")).await;
    assert!(!html.contains("外机.jpg"));
}

#[tokio::test]
async fn cmp_3_page_upload_checks_csrf_before_reading_the_file() {
    let w = world().await;
    let id = complaint(&w, "门禁卡失效").await;
    let url = format!("{}/complaints/{id}/attachments", w.app.base);
    let no_token = Form::new().part("file", part(jpeg(2000), "a.jpg", "image/jpeg"));
    assert_eq!(w.cs.post(&url).multipart(no_token).send().await.expect("post").status(), 403);
    let wrong = Form::new().text("_csrf", "0".repeat(64)).part("file", part(jpeg(2000), "a.jpg", "image/jpeg"));
    assert_eq!(w.cs.post(&url).multipart(wrong).send().await.expect("post").status(), 403);
    let csrf = w.app.csrf(&w.cs).await;
    let late = Form::new().part("file", part(jpeg(2000), "a.jpg", "image/jpeg")).text("_csrf", csrf);
    assert_eq!(w.cs.post(&url).multipart(late).send().await.expect("post").status(), 403, "the token must come before the file");
    assert_eq!((attachments_of(&w, id).await, stored_files(&w.app), temp_files(&w.app)), (0, 0, 0));
}

#[tokio::test]
async fn cmp_3_names_are_made_safe_and_same_content_is_stored_once() {
    let w = world().await;
    let id = complaint(&w, "噪音扰民").await;
    let bytes = jpeg(5000);
    let a = api_upload(&w, &w.cs_token, id, part(bytes.clone(), "..\\..\\证据\u{202E}gpj.exe", "image/jpeg"), "").await;
    assert_eq!((a.status, a.body["file_name"].as_str()), (201, Some("证据gpj.exe.jpg")), "{}", a.body);
    let b = api_upload(&w, &w.cs_token, id, part(bytes, "第二次.jpg", "image/jpeg"), "").await;
    assert_eq!(b.status, 201);
    assert_eq!(a.body["sha256"], b.body["sha256"]);
    assert_eq!((attachments_of(&w, id).await, stored_files(&w.app)), (2, 1), "two rows, one file");
    let a = api_upload(&w, &w.cs_token, id, part(pdf(), "x.pdf", "application/pdf"), &"长".repeat(501)).await;
    assert_eq!((a.status, field_errors(&a).first().map(|e| e.0.clone())), (422, Some("note".to_string())));
}

#[tokio::test]
async fn cmp_4_cmp_3_the_handling_form_lists_the_evidence() {
    let w = world().await;
    let id = complaint(&w, "外墙瓷砖脱落").await;
    for name in ["外墙1.jpg", "外墙2.jpg"] {
        assert_eq!(api_upload(&w, &w.cs_token, id, part(jpeg(2000 + name.len()), name, "image/jpeg"), "").await.status, 201);
    }
    let (status, html) = w.app.get_text(&w.cs, &format!("/complaints/{id}/print")).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("外墙1.jpg；外墙2.jpg").count(), 3, "each copy lists the evidence");
}
