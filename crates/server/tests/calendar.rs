//! The working-day calendar and per-project deadline settings, from outside: the API's
//! "N working days after t" (CMP-6 and the other working-day deadlines), the calendar page,
//! corrections, years, imports and project settings (CMP-5 policies).

mod common;

use common::{TestApp, browser, spawn_app};
use fantoccini::Locator;
use propdesk_domain::sla::Clock;
use propdesk_store::models::calendar as store;
use propdesk_store::{AsEx, Sql};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Asks the API for the due time; returns status and body.
async fn due(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let r = app.client().get(format!("{}/api/v1/calendar/add-working-days?{query}", app.base)).bearer_auth(token).send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The due time (RFC 3339) of `days` working days after `start` (`+` encoded), for a project or the default one.
async fn due_at(app: &TestApp, token: &str, start: &str, days: u32, project: Option<i64>) -> String {
    let mut q = format!("start={}&days={days}", start.replace('+', "%2B"));
    if let Some(p) = project {
        q.push_str(&format!("&project_id={p}"));
    }
    let (status, body) = due(app, token, &q).await;
    assert_eq!(status, 200, "{body}");
    body["due"].as_str().expect("due").to_string()
}

async fn specialist_token(app: &TestApp) -> String {
    app.staff("kf", "specialist", &[app.project_a, app.project_b]).await;
    app.token("kf").await
}

/// The value of an input on a page.
fn input_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("input {name} on page")) + marker.len();
    let tag = body[start..].split('>').next().unwrap_or("");
    tag.split("value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or("").to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut c = app.db.read().await.expect("read");
    c.ex().scalar(Sql::new(sql).arg(app.company_id)).await.expect("count")
}

/// Posts a calendar file; returns status, Location and body.
async fn upload(app: &TestApp, c: &reqwest::Client, name: &str, mime: &str, bytes: Vec<u8>) -> (u16, String, String) {
    let token = app.csrf(c).await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).expect("mime");
    let form = reqwest::multipart::Form::new().text("_csrf", token).text("year", "2027").part("file", part);
    let r = c.post(format!("{}/calendar/import", app.base)).multipart(form).send().await.expect("upload");
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.unwrap_or_default())
}

fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).expect("write");
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn cmp_6_api_answers_the_issue_example_over_national_day() {
    let app = spawn_app().await;
    let token = specialist_token(&app).await;
    let (status, body) = due(&app, &token, "start=2026-09-30T17:00:00%2B08:00&days=2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["due"], "2026-10-09T17:00:00+08:00", "{body}");
    assert_eq!(body["due_local"], "2026-10-09 17:00");
    assert_eq!(body["start"], "2026-09-30T17:00:00+08:00");
    assert_eq!(body["days"], 2);
    assert_eq!(body["working_hours"]["start"], "09:00");
    assert_eq!(body["working_hours"]["end"], "18:00");
    assert_eq!(body["timezone"], "Asia/Shanghai");
    assert_eq!(body["calendar_year_entered"], true);
    assert_eq!(body["project_id"], app.project_a, "the caller's first project by default");
    // The issue's URL as written: the unencoded `+` arrives as a space and is still understood.
    let (status, body) = due(&app, &token, "start=2026-09-30T17:00:00+08:00&days=2").await;
    assert_eq!((status, body["due"].as_str()), (200, Some("2026-10-09T17:00:00+08:00")), "{body}");
    // The same instant given in UTC gives the same answer, shown in the project's zone.
    assert_eq!(due_at(&app, &token, "2026-09-30T09:00:00Z", 2, Some(app.project_b)).await, "2026-10-09T17:00:00+08:00");
    // 10-09 is a Friday and 10-10 a make-up Saturday (调休上班).
    assert_eq!(due_at(&app, &token, "2026-10-09T17:00:00+08:00", 1, None).await, "2026-10-10T17:00:00+08:00");
    assert_eq!(due_at(&app, &token, "2026-09-30T17:00:00+08:00", 0, None).await, "2026-09-30T17:00:00+08:00");
}

#[tokio::test]
async fn cmp_6_spring_festival_friday_five_pm_is_due_the_tuesday_after() {
    let app = spawn_app().await;
    let token = specialist_token(&app).await;
    // 1 h on Friday 02-13, 8 h on the make-up Saturday 02-14, then 春节 02-15…02-23.
    assert_eq!(due_at(&app, &token, "2026-02-13T17:00:00+08:00", 2, None).await, "2026-02-24T17:00:00+08:00");
    // CMP-5: one working day to pass a complaint on, from Thursday 02-12 10:00 → Friday 10:00.
    assert_eq!(due_at(&app, &token, "2026-02-12T10:00:00+08:00", 1, None).await, "2026-02-13T10:00:00+08:00");
}

#[tokio::test]
async fn cmp_6_api_refuses_bad_questions() {
    let app = spawn_app().await;
    let token = specialist_token(&app).await;
    let field = |b: &Value| b["error"]["fields"].as_array().map(|f| f.iter().filter_map(|x| x["field"].as_str().map(str::to_string)).collect::<Vec<_>>());
    for (q, f) in [
        ("start=yesterday&days=2", "start"),
        ("start=2026-09-30T17:00:00&days=2", "start"),
        ("days=2", "start"),
        ("start=2026-09-30T17:00:00%2B08:00&days=366", "days"),
        ("start=2026-09-30T17:00:00%2B08:00&days=-1", "days"),
        ("start=2026-09-30T17:00:00%2B08:00&days=two", "days"),
        ("start=2026-09-30T17:00:00%2B08:00", "days"),
        ("start=2026-09-30T17:00:00%2B08:00&days=2&project_id=x", "project_id"),
        ("start=2026-09-30T17:00:00%2B08:00&days=2&project_id=999999", "project_id"),
    ] {
        let (status, body) = due(&app, &token, q).await;
        assert_eq!(status, 422, "{q}: {body}");
        assert_eq!(body["error"]["code"], "invalid");
        assert_eq!(field(&body), Some(vec![f.to_string()]), "{q}");
    }
    // A project the caller is not assigned to is not theirs to ask about.
    app.staff("only_a", "specialist", &[app.project_a]).await;
    let only_a = app.token("only_a").await;
    let (status, _) = due(&app, &only_a, &format!("start=2026-09-30T17:00:00%2B08:00&days=2&project_id={}", app.project_b)).await;
    assert_eq!(status, 422);
    // The ends of chrono's range answer, and never crash.
    for q in ["start=9999-12-31T17:00:00%2B08:00&days=365", "start=0001-01-01T00:00:00%2B14:00&days=365", "start=2026-09-30T17:00:00-12:00&days=365"] {
        let (status, body) = due(&app, &token, q).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_eq!(body["calendar_year_entered"], false, "{q}");
    }
    let r = app.client().get(format!("{}/api/v1/calendar/add-working-days?start=2026-09-30T17:00:00%2B08:00&days=2", app.base)).send().await.expect("request");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn cmp_6_admin_marks_a_holiday_and_the_due_time_moves() {
    let app = spawn_app().await;
    let token = specialist_token(&app).await;
    app.staff("admin", "admin", &[app.project_a, app.project_b]).await;
    let c = app.login("admin").await;
    let start = "2026-11-25T17:00:00+08:00";
    assert_eq!(due_at(&app, &token, start, 2, None).await, "2026-11-27T17:00:00+08:00");

    // Thursday 11-26 becomes a day off: Wednesday 1 h, Friday 9 h, Monday 8 h.
    let (status, location, body) = app.post_form(&c, "/calendar/days", &[("date", "2026-11-26"), ("kind", "holiday"), ("name", "公司停业日")]).await;
    assert_eq!((status, location.as_str()), (303, "/calendar?year=2026&saved=1"), "{body}");
    assert_eq!(due_at(&app, &token, start, 2, None).await, "2026-11-30T17:00:00+08:00");
    let (_, page) = app.get_text(&c, "/calendar?year=2026").await;
    assert!(page.contains("公司停业日"), "the day's name is shown");

    // Saturday 11-28 becomes a make-up working day: it takes Monday's 8 hours.
    let (status, ..) = app.post_form(&c, "/calendar/days", &[("date", "2026-11-28"), ("kind", "working"), ("name", "")]).await;
    assert_eq!(status, 303);
    assert_eq!(due_at(&app, &token, start, 2, None).await, "2026-11-28T17:00:00+08:00");
    let (_, page) = app.get_text(&c, "/calendar?year=2026").await;
    assert!(page.contains("2026-11-28 六 · 调休上班"), "a make-up day says so in words");

    // Both back to default: the weekday rule again.
    for d in ["2026-11-26", "2026-11-28"] {
        let (status, ..) = app.post_form(&c, "/calendar/days", &[("date", d), ("kind", "default")]).await;
        assert_eq!(status, 303);
    }
    assert_eq!(due_at(&app, &token, start, 2, None).await, "2026-11-27T17:00:00+08:00");

    // A shipped make-up day can be corrected too: 10-10 off moves the issue's example to Monday.
    let (status, ..) = app.post_form(&c, "/calendar/days", &[("date", "2026-10-10"), ("kind", "holiday"), ("name", "国庆节")]).await;
    assert_eq!(status, 303);
    assert_eq!(due_at(&app, &token, "2026-10-09T17:00:00+08:00", 1, None).await, "2026-10-12T17:00:00+08:00");

    // Every change is in the log, with who made it.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events WHERE company_id = $1 AND entity = 'calendar' AND action = 'day_set'").await, 5);
    let (_, audit) = app.get_text(&c, "/audit?entity=calendar").await;
    assert!(audit.contains("修改日历") && audit.contains("admin名"), "audit log shows the change");

    // Invalid input is refused next to its field.
    let (status, _, body) = app.post_form(&c, "/calendar/days", &[("date", "2026-02-30"), ("kind", "holiday")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("日期格式应为 YYYY-MM-DD"), "error next to the field");
    let (status, ..) = app.post_form(&c, "/calendar/days", &[("date", "2026-12-01"), ("kind", "sometimes")]).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn cmp_6_an_unentered_year_falls_back_to_weekdays_and_the_page_says_so() {
    let app = spawn_app().await;
    let token = specialist_token(&app).await;
    // 2027 and 2028 are not entered: Thursday 2027-12-30 17:00 + 2 → Monday 2028-01-03 17:00 (no 元旦).
    let (status, body) = due(&app, &token, "start=2027-12-30T17:00:00%2B08:00&days=2").await;
    assert_eq!(status, 200);
    assert_eq!(body["due"], "2028-01-03T17:00:00+08:00");
    assert_eq!(body["calendar_year_entered"], false);
    let (_, body) = due(&app, &token, "start=2026-12-30T17:00:00%2B08:00&days=2").await;
    assert_eq!(body["calendar_year_entered"], false, "the due time falls in 2027");

    app.staff("admin", "admin", &[app.project_a]).await;
    let c = app.login("admin").await;
    let (status, page) = app.get_text(&c, "/calendar?year=2027").await;
    assert_eq!(status, 200);
    assert!(page.contains("日历未录入") && page.contains("2027 年日历未录入"), "banner for the year");
    let (_, page) = app.get_text(&c, "/calendar?year=2026").await;
    assert!(!page.contains("日历未录入"));
    // English pages say it in English.
    let _ = c.get(format!("{}/lang/en", app.base)).send().await.expect("lang");
    let (_, page) = app.get_text(&c, "/calendar?year=2027").await;
    assert!(page.contains("Calendar for 2027 not entered"), "English banner");
    let _ = c.get(format!("{}/lang/zh", app.base)).send().await.expect("lang");

    // A single correction does not make a year look entered: add the year first.
    let (status, _, body) = app.post_form(&c, "/calendar/days", &[("date", "2027-10-01"), ("kind", "holiday"), ("name", "国庆节")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("请先添加年份"), "says what to do");
    let (status, location, _) = app.post_form(&c, "/calendar/years", &[("year", "2027")]).await;
    assert_eq!((status, location.as_str()), (303, "/calendar?year=2027&saved=1"));
    let (_, page) = app.get_text(&c, "/calendar?year=2027").await;
    assert!(!page.contains("日历未录入"));
    let (_, body) = due(&app, &token, "start=2027-06-01T17:00:00%2B08:00&days=2").await;
    assert_eq!(body["calendar_year_entered"], true);
    let (status, ..) = app.post_form(&c, "/calendar/days", &[("date", "2027-10-01"), ("kind", "holiday"), ("name", "国庆节")]).await;
    assert_eq!(status, 303);
    assert_eq!(due_at(&app, &token, "2027-09-30T17:00:00+08:00", 1, None).await, "2027-10-04T17:00:00+08:00");
    // A year is added once; years outside 2000–2100 are refused.
    for y in ["2027", "2026", "1999", "abc"] {
        let (status, ..) = app.post_form(&c, "/calendar/years", &[("year", y)]).await;
        assert_eq!(status, 422, "{y}");
    }
    // The three shipped years and 2027.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM calendar_years WHERE company_id = $1").await, 4);
}

#[tokio::test]
async fn cmp_6_only_admins_and_managers_change_the_calendar_and_settings() {
    let app = spawn_app().await;
    app.staff("rec", "receptionist", &[app.project_a]).await;
    app.staff("sup", "supervisor", &[app.project_a]).await;
    app.staff("mgr", "manager", &[app.project_a]).await;
    let settings = format!("/projects/{}/settings", app.project_a);
    for user in ["rec", "sup"] {
        let c = app.login(user).await;
        let (status, page) = app.get_text(&c, "/calendar?year=2026").await;
        assert_eq!(status, 200, "everyone may look at the calendar");
        assert!(page.contains("国庆节"));
        assert!(!page.contains("action=\"/calendar/days\""), "no correction form for {user}");
        assert!(!page.contains("href=\"/calendar\""), "no nav link for {user}");
        assert_eq!(app.post_form(&c, "/calendar/days", &[("date", "2026-11-26"), ("kind", "holiday")]).await.0, 403, "{user}");
        assert_eq!(app.post_form(&c, "/calendar/years", &[("year", "2027")]).await.0, 403, "{user}");
        let (status, ..) = upload(&app, &c, "cal.csv", "text/csv", "日期,类型\n2027-01-01,放假\n".as_bytes().to_vec()).await;
        assert_eq!(status, 403, "{user}");
        assert_eq!(app.get_text(&c, "/calendar/template").await.0, 403);
        let (status, page) = app.get_text(&c, &settings).await;
        assert_eq!(status, 200);
        assert!(page.contains(" disabled"), "settings are read-only for {user}");
        let (status, ..) = app.post_form(&c, &settings, &[("version", "1"), ("timezone", "UTC"), ("working_start", "09:00"), ("working_end", "18:00")]).await;
        assert_eq!(status, 403, "{user}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events WHERE company_id = $1 AND entity = 'calendar'").await, 0);
    let c = app.login("mgr").await;
    let (_, page) = app.get_text(&c, "/").await;
    assert!(page.contains("href=\"/calendar\""), "nav link 工作日历 for a manager");
    assert_eq!(app.post_form(&c, "/calendar/days", &[("date", "2026-11-26"), ("kind", "holiday")]).await.0, 303);
    // Another project's settings are not found (SEC-2).
    assert_eq!(app.get_text(&c, &format!("/projects/{}/settings", app.project_b)).await.0, 404);
}

#[tokio::test]
async fn cmp_6_calendar_import_with_a_bad_row_saves_nothing() {
    let app = spawn_app().await;
    let token = specialist_token(&app).await;
    app.staff("admin", "admin", &[app.project_a]).await;
    let c = app.login("admin").await;
    let days_2027 = "SELECT COUNT(*) FROM calendar_days WHERE company_id = $1 AND date >= '2027-01-01'";
    let bad = workbook(&[
        &["日期", "类型（放假/上班）", "名称"],
        &["2027-10-01", "放假", "国庆节"],
        &["2027-10-02", "放假", "国庆节"],
        &["2027-10-33", "放假", "国庆节"],
        &["2027-10-09", "调班", ""],
    ]);
    let (status, _, body) = upload(&app, &c, "2027.xlsx", XLSX, bad).await;
    assert_eq!(status, 422);
    assert!(body.contains("导入失败，未保存任何数据"), "all or nothing");
    assert!(body.contains("<td class=\"num\">4</td><td>日期</td>") && body.contains("<td class=\"num\">5</td><td>类型</td>"), "rows and columns named");
    assert_eq!(count(&app, days_2027).await, 0, "nothing saved");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM calendar_years WHERE company_id = $1 AND year = 2027").await, 0);

    let good = workbook(&[&["日期", "类型", "名称"], &["2027-10-01", "放假", "国庆节"], &["2027-10-04", "放假", "国庆节"], &["2027-10-09", "上班", ""]]);
    let (status, location, body) = upload(&app, &c, "2027.xlsx", XLSX, good).await;
    assert_eq!((status, location.as_str()), (303, "/calendar?year=2027&imported=3"), "{body}");
    let (_, body) = due(&app, &token, "start=2027-09-30T17:00:00%2B08:00&days=1").await;
    assert_eq!(body["due"], "2027-10-05T17:00:00+08:00", "Friday and Monday off");
    assert_eq!(body["calendar_year_entered"], true, "an imported year is entered");
    assert_eq!(due_at(&app, &token, "2027-10-08T17:00:00+08:00", 1, None).await, "2027-10-09T17:00:00+08:00", "make-up Saturday");

    // CSV as Chinese Excel saves it (GBK), and a file of another type.
    let (gbk, _, _) = encoding_rs::GBK.encode("日期,类型,名称\r\n2027-10-05,放假,国庆节\r\n");
    let (status, location, _) = upload(&app, &c, "2027.csv", "text/csv", gbk.into_owned()).await;
    assert_eq!((status, location.as_str()), (303, "/calendar?year=2027&imported=1"));
    assert_eq!(count(&app, days_2027).await, 4);
    let (status, _, body) = upload(&app, &c, "2027.txt", "text/plain", b"x".to_vec()).await;
    assert_eq!(status, 422);
    assert!(body.contains("只支持 .xlsx 或 .csv 文件"));
    let (status, _, body) = upload(&app, &c, "2027.csv", "text/csv", "日期,类型\n2027-11-01,放假\n2027-11-01,上班\n".as_bytes().to_vec()).await;
    assert_eq!(status, 422);
    assert!(body.contains("与第 2 行的日期重复"), "duplicate date in the file");
    assert_eq!(count(&app, days_2027).await, 4);
    // A file about another year leads to that year's page.
    let (status, location, _) = upload(&app, &c, "2028.csv", "text/csv", "日期,类型,名称\n2028-01-01,放假,元旦\n".as_bytes().to_vec()).await;
    assert_eq!((status, location.as_str()), (303, "/calendar?year=2028&imported=1"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events WHERE company_id = $1 AND entity = 'calendar' AND action = 'imported'").await, 3);
}

#[tokio::test]
async fn cmp_6_project_working_hours_and_time_zone_change_the_due_time() {
    let app = spawn_app().await;
    let token = specialist_token(&app).await;
    app.staff("admin", "admin", &[app.project_a, app.project_b]).await;
    let c = app.login("admin").await;
    let path = format!("/projects/{}/settings", app.project_a);
    let (status, page) = app.get_text(&c, &path).await;
    assert_eq!(status, 200);
    assert_eq!(input_value(&page, "working_start"), "09:00");
    assert_eq!(input_value(&page, "timezone"), "Asia/Shanghai");
    let version = input_value(&page, "version");

    // Mornings only (09:00–12:00): two working days are six hours.
    let (status, location, body) =
        app.post_form(&c, &path, &[("version", &version), ("timezone", "Asia/Shanghai"), ("working_start", "09:00"), ("working_end", "12:00")]).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?saved=1").as_str()), "{body}");
    let start = "2026-11-25T17:00:00+08:00";
    let (_, body) = due(&app, &token, &format!("start=2026-11-25T17:00:00%2B08:00&days=2&project_id={}", app.project_a)).await;
    assert_eq!(body["due"], "2026-11-27T12:00:00+08:00", "{body}");
    assert_eq!(body["working_hours"]["end"], "12:00");
    assert_eq!(due_at(&app, &token, start, 2, Some(app.project_b)).await, "2026-11-27T17:00:00+08:00", "the other project keeps 09:00–18:00");

    // A stale form is a conflict, not a silent overwrite.
    let (status, ..) = app.post_form(&c, &path, &[("version", &version), ("timezone", "UTC"), ("working_start", "09:00"), ("working_end", "18:00")]).await;
    assert_eq!(status, 409);

    // The project's zone: 09:00–18:00 in UTC; 17:00 in Shanghai is 09:00 UTC.
    let (_, page) = app.get_text(&c, &path).await;
    let version = input_value(&page, "version");
    let (status, ..) = app.post_form(&c, &path, &[("version", &version), ("timezone", "UTC"), ("working_start", "09:00"), ("working_end", "18:00")]).await;
    assert_eq!(status, 303);
    let (_, body) = due(&app, &token, &format!("start=2026-11-25T17:00:00%2B08:00&days=2&project_id={}", app.project_a)).await;
    // Wednesday 09:00–18:00 and Thursday 09:00–18:00 UTC.
    assert_eq!((body["due"].as_str(), body["timezone"].as_str()), (Some("2026-11-26T18:00:00+00:00"), Some("UTC")), "{body}");

    // Bad values are refused next to their fields and nothing changes.
    let (_, page) = app.get_text(&c, &path).await;
    let version = input_value(&page, "version");
    let (status, _, body) =
        app.post_form(&c, &path, &[("version", &version), ("timezone", "Mars/Olympus"), ("working_start", "18:00"), ("working_end", "09:00")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("不是有效的时区名称") && body.contains("下班时间应晚于上班时间"), "errors shown");
    assert!(body.contains("value=\"Mars/Olympus\""), "the form keeps what was typed");
    let (status, ..) = app.post_form(&c, &path, &[("version", &version), ("timezone", "UTC"), ("working_start", "9h"), ("working_end", "")]).await;
    assert_eq!(status, 422);
    let mut conn = app.db.read().await.expect("read");
    let p = store::project_settings(&mut conn, &app.root, app.project_a).await.expect("load").expect("project");
    assert_eq!((p.timezone.as_str(), p.working_start.as_str(), p.working_end.as_str()), ("UTC", "09:00", "18:00"));
}

#[tokio::test]
async fn cmp_5_deadline_policies_are_per_project_settings_with_the_domain_defaults() {
    let app = spawn_app().await;
    app.staff("admin", "admin", &[app.project_a, app.project_b]).await;
    let c = app.login("admin").await;
    let path = format!("/projects/{}/settings", app.project_a);
    let (_, page) = app.get_text(&c, &path).await;
    // Defaults of DOMAIN.md: CMP-5 one working day to pass on, two after finishing; CMP-6 two.
    assert_eq!(input_value(&page, "p_cmp_pass_on"), "1");
    assert_eq!(input_value(&page, "p_cmp_file_after_finish"), "2");
    assert_eq!(input_value(&page, "p_cmp_reply_plan"), "2");
    assert_eq!(input_value(&page, "p_cmp_collective_people"), "10");
    assert!(page.contains("<option value=\"working_days\" selected>"), "unit shown");
    let version = input_value(&page, "version");

    let form = [
        ("version", version.as_str()),
        ("timezone", "Asia/Shanghai"),
        ("working_start", "09:00"),
        ("working_end", "18:00"),
        ("p_cmp_pass_on", "4"),
        ("u_cmp_pass_on", "hours"),
        ("p_cmp_escalate_after_days", "20"),
    ];
    let (status, _, body) = app.post_form(&c, &path, &form).await;
    assert_eq!(status, 303, "{body}");
    let mut conn = app.db.read().await.expect("read");
    let a = store::project_settings(&mut conn, &app.root, app.project_a).await.expect("load").expect("a").policies().expect("policies");
    assert_eq!(a.cmp_pass_on, Clock::Hours(4));
    assert_eq!(a.cmp_escalate_after_days, 20);
    assert_eq!(a.cmp_file_after_finish, Clock::WorkingDays(2), "policies not sent keep their value");
    let b = store::project_settings(&mut conn, &app.root, app.project_b).await.expect("load").expect("b").policies().expect("policies");
    assert_eq!(b, Default::default(), "the other project keeps the defaults");
    let (_, page) = app.get_text(&c, &path).await;
    assert_eq!(input_value(&page, "p_cmp_pass_on"), "4");
    assert!(page.contains("<option value=\"hours\" selected>"));
    assert!(page.contains("修改项目设置"), "the change is in the history");

    // Refusals: zero, a bad unit, too few people for a collective complaint.
    let version = input_value(&page, "version");
    let bad = [
        ("version", version.as_str()),
        ("timezone", "Asia/Shanghai"),
        ("working_start", "09:00"),
        ("working_end", "18:00"),
        ("p_cmp_pass_on", "0"),
        ("u_cmp_pass_on", "hours"),
        ("p_cmp_reply_plan", "2"),
        ("u_cmp_reply_plan", "fortnights"),
        ("p_cmp_collective_people", "1"),
    ];
    let (status, _, body) = app.post_form(&c, &path, &bad).await;
    assert_eq!(status, 422);
    assert!(body.contains("请选择单位") && body.contains("应为 1–999 的整数"), "errors next to the policies");
    let a = store::project_settings(&mut conn, &app.root, app.project_a).await.expect("load").expect("a").policies().expect("policies");
    assert_eq!(a.cmp_pass_on, Clock::Hours(4), "nothing saved");
    let payload: Vec<(String,)> = conn
        .ex()
        .fetch_all(Sql::new("SELECT payload FROM events WHERE entity = 'project' AND action = 'settings_updated' AND entity_id = $1").arg(app.project_a))
        .await
        .expect("events");
    assert_eq!(payload.len(), 1);
    assert!(payload[0].0.contains("cmp_pass_on") && payload[0].0.contains("4 小时"), "{}", payload[0].0);
}

#[tokio::test]
async fn cmp_6_calendar_page_shows_the_year_in_colour_and_words() {
    let app = spawn_app().await;
    app.staff("admin", "admin", &[app.project_a]).await;
    let c = app.login("admin").await;
    let (status, page) = app.get_text(&c, "/calendar?year=2026").await;
    assert_eq!(status, 200);
    assert_eq!(page.matches("<table class=\"cal-month\">").count(), 12, "twelve months");
    assert_eq!(page.matches("class=\"cal-day ").count(), 365);
    // 10-01 a holiday by name, 10-10 a make-up day, 11-28 a weekend, 11-27 a working day — each with words.
    assert!(page.contains("title=\"2026-10-01 四 · 放假 · 国庆节\""), "holiday with its name");
    assert!(page.contains("title=\"2026-10-10 六 · 调休上班 · 国庆节调休上班\""), "make-up day");
    assert!(page.contains("title=\"2026-11-28 六 · 周末休息\""));
    assert!(page.contains("title=\"2026-11-27 五 · 工作日\""));
    assert!(page.contains("<span class=\"tag\">春节</span>") && page.contains("<span class=\"tag\">调休上班</span>"));
    assert!(page.contains("cal-day holiday") && page.contains("cal-day makeup") && page.contains("cal-day weekend") && page.contains("cal-day work"));
    // The list of the year's exception days: 2026 has 6 make-up days (01-04, 02-14, 02-28, 05-09, 09-20, 10-10).
    assert_eq!(page.matches("<span class=\"cal-key makeup\">调休上班</span></td>").count(), 6);
    // A day link fills the correction form.
    let (_, page) = app.get_text(&c, "/calendar?year=2026&date=2026-10-10").await;
    assert!(page.contains("name=\"date\" type=\"date\" value=\"2026-10-10\""));
    // Any year in range can be looked at; nonsense shows this year.
    assert_eq!(app.get_text(&c, "/calendar?year=abc").await.0, 200);
    assert_eq!(app.get_text(&c, "/calendar?year=99999").await.0, 200);
    let (status, _) = app.get_text(&c, "/calendar/template").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn cmp_6_shipped_calendar_is_seeded_for_new_and_existing_companies() {
    let app = spawn_app().await;
    let mut conn = app.db.read().await.expect("read");
    let cal = store::load(&mut conn, app.company_id).await.expect("calendar");
    assert!(cal.year_entered(2024) && cal.year_entered(2025) && cal.year_entered(2026) && !cal.year_entered(2027));
    drop(conn);
    // A company created before the calendar existed (no rows) gets it when migrations run.
    let mut tx = app.db.begin().await.expect("tx");
    let old =
        tx.ex().insert(Sql::new("INSERT INTO companies (name, created_at) VALUES ($1, $2)").arg("旧公司").arg(chrono::Utc::now())).await.expect("company");
    tx.commit().await.expect("commit");
    app.db.migrate().await.expect("migrate again");
    let mut conn = app.db.read().await.expect("read");
    assert_eq!(store::years(&mut conn, old).await.expect("years"), vec![2024, 2025, 2026]);
    // Seeding again keeps corrections: a removed shipped day stays removed.
    let mut tx = app.db.begin().await.expect("tx");
    let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 10).expect("date");
    assert!(store::delete_day(&mut tx, old, d).await.expect("delete"));
    store::seed_shipped(&mut tx, old).await.expect("seed");
    tx.commit().await.expect("commit");
    assert_eq!(store::day(&mut conn, old, d).await.expect("day"), None);
}

/// In a real browser: an admin opens the year, clicks a day, corrects it, and opens a
/// project's settings.
#[tokio::test]
async fn cmp_6_admin_corrects_a_day_in_the_browser() {
    let Some(b) = browser::start().await else { return };
    let app = spawn_app().await;
    app.staff("admin", "admin", &[app.project_a]).await;
    let c = &b.client;
    c.goto(&format!("{}/calendar?year=2026", app.base)).await.expect("goto");
    browser::sign_in(c, "admin").await;
    c.wait().for_element(Locator::Css("table.cal-month")).await.expect("calendar");
    b.shot("cal-01-year").await;
    // 2026-12-31 is a Thursday; click it and make it a day off.
    c.find(Locator::Css("td[title^='2026-12-31'] a")).await.expect("day link").click().await.expect("click");
    let date = c.wait().for_element(Locator::Css("#date")).await.expect("form").prop("value").await.expect("value");
    assert_eq!(date.as_deref(), Some("2026-12-31"), "the clicked day fills the form");
    c.find(Locator::Css("#name")).await.expect("name").send_keys("年终盘点").await.expect("type");
    c.find(Locator::Css("#edit-day button")).await.expect("save").click().await.expect("click");
    // Post/redirect/get: the year again, with the "saved" notice.
    c.wait().for_element(Locator::Css(".flash")).await.expect("saved notice");
    let cell = c.find(Locator::Css("td[title^='2026-12-31']")).await.expect("cell");
    assert!(cell.attr("class").await.expect("class").is_some_and(|k| k.contains("holiday")));
    assert!(cell.text().await.expect("text").contains("年终盘点"));
    b.shot("cal-02-corrected").await;
    c.goto(&format!("{}/calendar?year=2028", app.base)).await.expect("goto");
    c.wait().for_element(Locator::Css("#not-entered")).await.expect("banner");
    b.shot("cal-03-not-entered").await;
    c.goto(&format!("{}/projects/{}/settings", app.base, app.project_a)).await.expect("settings");
    c.wait().for_element(Locator::Css("table.policies")).await.expect("policies");
    b.shot("cal-04-settings").await;
    let _ = c.clone().close().await;
}

#[tokio::test]
async fn cmp_6_add_working_days_is_documented() {
    let app = spawn_app().await;
    let doc: Value = app.client().get(format!("{}/api/openapi.json", app.base)).send().await.expect("doc").json().await.expect("json");
    let op = &doc["paths"]["/api/v1/calendar/add-working-days"]["get"];
    assert_eq!(op["tags"][0], "calendar");
    let params = op["parameters"].as_array().expect("parameters");
    let required = |n: &str| params.iter().find(|p| p["name"] == n).map(|p| p["required"] == true);
    assert_eq!((required("start"), required("days"), required("project_id")), (Some(true), Some(true), Some(false)));
    let out = &doc["components"]["schemas"]["AddWorkingDaysOut"]["properties"];
    for k in ["start", "days", "due", "due_local", "working_hours", "timezone", "calendar_year_entered"] {
        assert!(out[k].is_object(), "{k} documented");
    }
}
