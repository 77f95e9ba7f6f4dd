//! `propdesk bench work-orders` (issue #4 targets): loads a running system's work orders into a
//! fresh SQLite file — N orders over several projects and two years, statuses, categories and
//! emergencies mixed, every completed stage's on-time result set in step with the status, the
//! repair callbacks of closed orders with their ratings — then times the work-order list (first
//! page with the common filters, at the store and over HTTP), the live board (orders by status
//! and deadline) and the monthly repair report. docs/PERFORMANCE.md records the numbers.

use crate::auth::{hash_password, new_secret, sha256_hex};
use crate::bench::{Http, mix, ms_summary};
use crate::state::{AppState, Config};
use chrono::{DateTime, Duration as CDuration, Utc};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::org::ProjectKind;
use propdesk_domain::values::Month;
use propdesk_domain::work_order::WorkOrderStatus;
use propdesk_store::models::repair_report;
use propdesk_store::models::report::Range;
use propdesk_store::models::work_order::{self as wstore, Filter};
use propdesk_store::models::{org, staff};
use propdesk_store::{AsEx, Db, Page, Sql};
use std::net::SocketAddr;
use std::time::Instant;

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
const DAY: i64 = 86_400;

const PROBLEMS: &[(&str, &str)] = &[
    ("water", "厨房水龙头漏水"),
    ("water", "卫生间下水道堵塞"),
    ("water", "马桶水箱不停进水"),
    ("electric", "客厅插座没电"),
    ("electric", "卧室顶灯不亮"),
    ("electric", "空开频繁跳闸"),
    ("door_window", "入户门锁芯损坏"),
    ("door_window", "阳台推拉窗关不严"),
    ("wall_floor", "客厅墙面开裂"),
    ("wall_floor", "卧室地板起拱"),
    ("leak", "卫生间地漏反水楼下渗水"),
    ("leak", "外墙渗水墙面发霉"),
    ("public_facility", "电梯按钮失灵"),
    ("public_facility", "地库照明损坏"),
    ("other", "信报箱门脱落"),
];
const DETAILS: &[&str] = &["已经两天了", "请尽快上门", "晚上七点后在家", "周末在家", "老人在家可开门", "上次修过又坏了"];
/// Phrases in about 1 order in 5,000 (the rare search).
const RARE: &[&str] = &["燃气管道异味", "防盗网松动", "烟感误报"];
const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];

/// A closed order's done callback: project, order, when, satisfied, quality, speed, attitude.
type LoadedCallback = (i64, i64, DateTime<Utc>, bool, i64, i64, i64);

/// One loaded order's shape: how old it is and its deterministic seed.
struct Shape {
    age_secs: i64,
    seed: i64,
}

/// The status an order of this age has in a running system: nearly everything older than a
/// month is closed (or cancelled), the last month's orders are spread over the open stages.
fn status_of(age_days: i64, roll: u64) -> WorkOrderStatus {
    use WorkOrderStatus as S;
    if age_days > 30 {
        return match roll % 1000 {
            0..3 => S::AwaitingCallback,
            3..50 => S::Cancelled,
            _ => S::Closed,
        };
    }
    let open = match age_days {
        0..2 => 95,
        2..7 => 60,
        7..15 => 30,
        _ => 12,
    };
    if (roll % 100) as i64 >= open {
        return if roll.is_multiple_of(17) { S::Cancelled } else { S::Closed };
    }
    match (roll >> 8) % 100 {
        0..15 => S::New,
        15..30 => S::Dispatched,
        30..40 => S::OnSite,
        40..65 => S::InRepair,
        65..80 => S::AwaitingSignOff,
        _ => S::AwaitingCallback,
    }
}

/// How many stages (accept, on site, finish, sign-off, callback) an order in `s` has completed.
fn stages_done(s: WorkOrderStatus, roll: u64) -> usize {
    use WorkOrderStatus as S;
    match s {
        S::New => 0,
        S::Dispatched => 1,
        S::OnSite | S::InRepair => 2,
        S::AwaitingSignOff => 3,
        S::AwaitingCallback => 4,
        S::Closed => 5,
        // Cancelled before the repair started: dispatched or not.
        S::Cancelled => (roll % 2) as usize,
    }
}

/// Loads `n` work orders over `projects` projects (see `status_of`), batched multi-row INSERTs
/// of 500 rows in transactions of 100,000, secondary indexes built afterwards (as the complaint
/// loader does; rows get their search entries from the backfill), and one done repair callback with ratings per closed order. Returns an actor
/// of all projects.
pub async fn seed_work_orders(db: &Db, n: i64, projects: i64, now: DateTime<Utc>) -> anyhow::Result<Actor> {
    let mut tx = db.begin().await?;
    let company = org::insert_company(&mut tx, "维修基准物业", now).await?;
    let mut ids = Vec::new();
    let mut codes = Vec::new();
    for p in 0..projects {
        let code = format!("WB{p:02}");
        let name = format!("维修基准项目{p}");
        ids.push(
            org::insert_project(&mut tx, &org::NewProject { company_id: company, code: &code, name: &name, kind: ProjectKind::Residential, address: "" }, now)
                .await?,
        );
        codes.push(code);
    }
    let dept = staff::insert_department(&mut tx, company, "ENG", "工程部").await?;
    let data =
        staff::StaffData {
            username: "bench-gong", display_name: "基准工程师", department_id: Some(dept), role: Role::Engineering, phone: "", active: true
        };
    let engineer = staff::insert(&mut tx, company, &data, &hash_password(&new_secret())?, now).await?;
    staff::set_projects(&mut tx, engineer, &ids).await?;
    let mut indexes: Vec<(String, String)> = Vec::new();
    for table in ["work_orders", "callbacks"] {
        let mine: Vec<(String, String)> = tx
            .ex()
            .fetch_all(Sql::new("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name").arg(table))
            .await?;
        for (name, _) in &mine {
            tx.ex().execute(Sql::new(&format!("DROP INDEX {name}"))).await?;
        }
        indexes.extend(mine);
    }
    tx.commit().await?;

    const BATCH: usize = 500;
    const COLS: usize = 35;
    let insert = "INSERT INTO work_orders (project_id, number, location_kind, location, owner_name, contact_phone, content, available_times, category,
        emergency, status, department_id, assignee_id, received_at, accept_due, on_site_due, finish_due, sign_off_due, callback_due, next_due,
        accept_on_time, on_site_on_time, finish_on_time, sign_off_on_time, callback_on_time, dispatched_at, arrived_at, finished_at, signed_off_at,
        closed_at, result, responsibility, paid_repair, created_at, cause) VALUES ";
    // Anonymous `?` placeholders, as in the complaint loader (SQLite only).
    let row = format!("({})", vec!["?"; COLS].join(", "));
    let rows_text = |k: usize| vec![row.as_str(); k].join(", ");
    let cb_row = "(?, 'repair', ?, ?, 'assistant', 'done', 'phone', ?, ?, ?, ?, ?, ?)";
    let cb_insert = "INSERT INTO callbacks (project_id, subject, subject_id, due_at, assigned_role, status, method, satisfied, quality, speed, attitude,
        done_at, created_at) VALUES ";

    // Ages uniform over two years, oldest first so ids grow with intake time.
    let mut all: Vec<Shape> = (0..n).map(|k| Shape { age_secs: (mix(k ^ 0x0F0F) % (730 * DAY) as u64) as i64, seed: k }).collect();
    all.sort_by_key(|s| (std::cmp::Reverse(s.age_secs), s.seed));
    let mut numbers = vec![0i64; projects as usize];
    let first_id: i64 = {
        let mut c = db.read().await?;
        c.ex().scalar(Sql::new("SELECT COALESCE(MAX(id), 0) FROM work_orders")).await? + 1
    };
    let mut next_id = first_id;
    for group in all.chunks(100_000) {
        let mut tx = db.begin().await?;
        for part in group.chunks(BATCH) {
            let mut sql = Sql::new(&format!("{insert}{}", rows_text(part.len())));
            let mut callbacks: Vec<LoadedCallback> = Vec::new();
            for s in part {
                let h = mix(s.seed.wrapping_mul(31).wrapping_add(11));
                let p = (h % projects as u64) as usize;
                numbers[p] += 1;
                let id = next_id;
                next_id += 1;
                let received = now - CDuration::seconds(s.age_secs);
                let (category, problem) = PROBLEMS[((h >> 8) % PROBLEMS.len() as u64) as usize];
                let public = category == "public_facility" || (h >> 14).is_multiple_of(10);
                let emergency = matches!(category, "water" | "electric" | "leak") && (h >> 18) % 100 < 6;
                let status = status_of(s.age_secs / DAY, h >> 22);
                let done = stages_done(status, h >> 40);
                let hours = |k: i64| received + CDuration::hours(k);
                // Each stage's deadline from the policy shape (dispatch in 2 h, on site within
                // 2 days, finish within 3 more, sign-off 1, callback 7) and its completion time:
                // usually in time, about one stage in ten late.
                let plan = [2i64, 48, 120, 144, 312];
                let late = |i: usize| (h >> (i * 5 + 3)).is_multiple_of(10);
                let took = |i: usize| {
                    let late = late(i);
                    let base = if i == 0 { 0 } else { plan[i - 1] };
                    if late { plan[i] + 6 } else { base + (plan[i] - base) / 2 }
                };
                let on_time: Vec<Option<bool>> = (0..5).map(|i| (i < done).then(|| !late(i))).collect();
                let at = |i: usize| (i < done).then(|| hours(took(i)));
                let due = |i: usize| (i <= done && status != WorkOrderStatus::Cancelled).then(|| hours(plan[i]));
                let running = status.running_stage().map(|_| done);
                let next_due = running.map(|i| hours(plan[i.min(4)]));
                let closed_at = match status {
                    WorkOrderStatus::Closed => at(4),
                    WorkOrderStatus::Cancelled => Some(hours(1)),
                    _ => None,
                };
                let (responsibility, paid, cause) = match (status, (h >> 50) % 10) {
                    (WorkOrderStatus::Closed, 0) => (Some("contractor"), false, Some("defect")),
                    (WorkOrderStatus::Closed, 1) => (Some("developer"), false, Some("defect")),
                    (WorkOrderStatus::Closed, 2) => (Some("owner"), true, Some("owner_use")),
                    _ => (None, false, None),
                };
                let mut content =
                    format!("{}-{}{:02}室{problem}，{}", (h >> 26) % 30 + 1, (h >> 31) % 30 + 1, (h >> 36) % 4 + 1, DETAILS[((h >> 44) % 6) as usize]);
                let rare = mix(s.seed ^ 0x5EA5_C0DE) % 5_000;
                if (rare as usize) < RARE.len() {
                    content.push_str(&format!("，另有{}", RARE[rare as usize]));
                }
                let dispatched = done >= 1;
                sql = sql
                    .arg(ids[p])
                    .arg(format!("{}/WXWT{:07}", codes[p], numbers[p]))
                    .arg(if public { "public_area" } else { "in_unit" })
                    .arg(if public { "地库B区" } else { "户内" })
                    .arg(format!("{}{}", SURNAMES[((h >> 52) % 10) as usize], if (h >> 57).is_multiple_of(2) { "先生" } else { "女士" }))
                    .arg(format!("13{}{:08}", (h >> 3) % 10, (h >> 7) % 100_000_000))
                    .arg(content)
                    .arg("工作日晚上")
                    .arg(category)
                    .arg(emergency)
                    .arg(status.code())
                    .arg(dispatched.then_some(dept))
                    .arg(dispatched.then_some(engineer))
                    .arg(received)
                    .arg(due(0))
                    .arg(due(1))
                    .arg(due(2))
                    .arg(due(3))
                    .arg(due(4))
                    .arg(next_due)
                    .arg(on_time[0])
                    .arg(on_time[1])
                    .arg(on_time[2])
                    .arg(on_time[3])
                    .arg(on_time[4])
                    .arg(at(0))
                    .arg(at(1))
                    .arg(at(2))
                    .arg(at(3))
                    .arg(closed_at)
                    .arg(if done >= 3 { "已修复" } else { "" })
                    .arg(responsibility)
                    .arg(paid)
                    .arg(received)
                    .arg(cause);
                if status == WorkOrderStatus::Closed
                    && let Some(when) = at(4)
                {
                    let r = |k: u32| 3 + ((h >> (k * 2)) % 3) as i64;
                    callbacks.push((ids[p], id, when, !(h >> 61).is_multiple_of(10), r(1), r(2), r(3)));
                }
            }
            tx.ex().execute(sql).await?;
            if !callbacks.is_empty() {
                let mut cb = Sql::new(&format!("{cb_insert}{}", vec![cb_row; callbacks.len()].join(", ")));
                for (project, order, when, satisfied, q, sp, a) in callbacks {
                    cb = cb.arg(project).arg(order).arg(when).arg(satisfied).arg(q).arg(sp).arg(a).arg(when).arg(when);
                }
                tx.ex().execute(cb).await?;
            }
        }
        tx.commit().await?;
    }
    let t = Instant::now();
    let mut tx = db.begin().await?;
    for (p, seq) in numbers.iter().enumerate() {
        tx.ex()
            .execute(Sql::new("INSERT INTO counters (project_id, name, value) VALUES ($1, 'work_order', $2) ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value").arg(ids[p]).arg(*seq))
            .await?;
    }
    for (_, sql) in &indexes {
        tx.ex().execute(Sql::new(sql)).await?;
    }
    tx.ex().execute(Sql::new("ANALYZE")).await?;
    tx.commit().await?;
    println!("  {} secondary indexes built after the load and ANALYZE run in {:.1} s", indexes.len(), t.elapsed().as_secs_f64());
    Ok(Actor { staff_id: 0, name: "bench".into(), company_id: company, role: Role::Admin, projects: ids })
}

fn last_month(now: DateTime<Utc>) -> Month {
    let this = Month::of(now.with_timezone(&TZ).date_naive());
    if this.month == 1 { Month { year: this.year - 1, month: 12 } } else { Month { year: this.year, month: this.month - 1 } }
}

pub async fn run(orders: i64, projects: i64, requests: usize, path: &str) -> anyhow::Result<()> {
    anyhow::ensure!(orders > 0 && projects > 0 && requests > 0, "--orders, --projects and --requests must be positive");
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let db = Db::connect(&format!("sqlite:{path}")).await?;
    db.migrate().await?;
    let now = Utc::now();
    let t = Instant::now();
    let actor = seed_work_orders(&db, orders, projects, now).await?;
    println!("loaded {orders} work orders over {projects} projects and two years in {:.1} s ({path})", t.elapsed().as_secs_f64());
    // The search index of the loaded rows, by the backfill `propdesk migrate` runs.
    let t = Instant::now();
    let indexed = crate::ops::work_order::index_search_backlog(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let secs = t.elapsed().as_secs_f64();
    println!("search index backfill: {indexed} work orders in {secs:.1} s ({:.0}/s)", indexed as f64 / secs.max(0.001));
    let mut c = db.read().await?;
    let shape: Vec<(String, i64)> = c.ex().fetch_all(Sql::new("SELECT status, COUNT(*) FROM work_orders GROUP BY status ORDER BY status")).await?;
    println!("  by status: {}", shape.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", "));
    let overdue = c.ex().scalar(Sql::new("SELECT COUNT(*) FROM work_orders WHERE next_due < $1").arg(now)).await?;
    let cbs = c.ex().scalar(Sql::new("SELECT COUNT(*) FROM callbacks WHERE subject = 'repair'")).await?;
    println!("  open and overdue: {overdue}; repair callbacks: {cbs}");

    // 1. The list's first page of 50 with its count, at the store, per filter.
    // A 'static copy so the filter closures below can each hold it (the bench runs once).
    let all_projects: &'static [i64] = Box::leak(actor.projects.clone().into_boxed_slice());
    let p = move |k: usize| all_projects[(k * 7) % all_projects.len()];
    let open =
        [WorkOrderStatus::New, WorkOrderStatus::Dispatched, WorkOrderStatus::InRepair, WorkOrderStatus::AwaitingSignOff, WorkOrderStatus::AwaitingCallback];
    type MakeFilter = Box<dyn Fn(usize) -> Filter>;
    let filters: Vec<(&str, MakeFilter)> = vec![
        ("all projects, no filter", Box::new(|_| Filter::default())),
        ("project", Box::new(move |k| Filter { project_id: Some(p(k)), ..Default::default() })),
        ("project + open status", Box::new(move |k| Filter { project_id: Some(p(k)), status: Some(open[k % open.len()]), ..Default::default() })),
        ("project + closed", Box::new(move |k| Filter { project_id: Some(p(k)), status: Some(WorkOrderStatus::Closed), ..Default::default() })),
        ("project + overdue", Box::new(move |k| Filter { project_id: Some(p(k)), overdue_at: Some(Utc::now()), ..Default::default() })),
        ("all projects + overdue", Box::new(|_| Filter { overdue_at: Some(Utc::now()), ..Default::default() })),
        ("project + emergency", Box::new(move |k| Filter { project_id: Some(p(k)), emergency_only: true, ..Default::default() })),
        ("project + q common word 漏水", Box::new(move |k| Filter { project_id: Some(p(k)), q: Some("漏水".into()), ..Default::default() })),
        ("project + q rare phrase 烟感误报", Box::new(move |k| Filter { project_id: Some(p(k)), q: Some("烟感误报".into()), ..Default::default() })),
        ("project + q order number", Box::new(move |k| Filter { project_id: Some(p(k)), q: Some(format!("WXWT{:07}", 1000 + k)), ..Default::default() })),
        ("all projects + q rare phrase", Box::new(|_| Filter { q: Some("烟感误报".into()), ..Default::default() })),
        ("all projects + q order number", Box::new(|k| Filter { q: Some(format!("WXWT{:07}", 1000 + k)), ..Default::default() })),
        ("all projects + q order number start", Box::new(|k| Filter { q: Some(format!("WXWT{:05}", 10 + k)), ..Default::default() })),
    ];
    for (label, make) in &filters {
        for k in 0..10 {
            wstore::list(&mut c, &actor, &make(k), Page::new(1, 50)).await?;
        }
        let mut times = Vec::with_capacity(requests);
        let (mut total, mut more) = (0, false);
        for k in 0..requests {
            let f = make(k);
            let t = Instant::now();
            let page = wstore::list(&mut c, &actor, &f, Page::new(1, 50)).await?;
            times.push(t.elapsed());
            (total, more) = (page.paged.total, page.more);
        }
        println!(
            "work-order list [{label}] (first page of 50 + COUNT, e.g. {total}{} matches) via store: {requests} requests; {}",
            if more { "+" } else { "" },
            ms_summary(&mut times)
        );
    }

    // 2. The board's queries: open orders by status with their deadline states, and the
    //    orders due by the end of today, most urgent first.
    let (_, end_of_today) = crate::ops::callback::today_range(now, TZ);
    for (label, ps) in [("one project", vec![actor.projects[0]]), ("all projects", actor.projects.clone())] {
        let mut times = Vec::with_capacity(requests);
        let mut rows = 0;
        for _ in 0..requests {
            let t = Instant::now();
            let counts = wstore::board_counts(&mut c, &actor, &ps, Utc::now(), end_of_today).await?;
            let due = wstore::due_by(&mut c, &actor, &ps, end_of_today, 200).await?;
            times.push(t.elapsed());
            rows = counts.len() + due.len();
        }
        println!(
            "work-order board [{label}] (counts by status and deadline + 200 most urgent, {rows} rows) via store: {requests} requests; {}",
            ms_summary(&mut times)
        );
    }

    // 3. The monthly repair report of last month: one project, then all.
    let month = last_month(now);
    let (from, to) = crate::ops::callback::month_range(month, TZ);
    let r = Range { from, to };
    for (label, ps) in [("one project", vec![actor.projects[0]]), ("all projects", actor.projects.clone())] {
        let in_month = c
            .ex()
            .scalar(
                Sql::new("SELECT COUNT(*) FROM work_orders WHERE received_at >= $1 AND received_at < $2 AND project_id IN ").arg(from).arg(to).bind_list(&ps),
            )
            .await?;
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            repair_report::class_counts(&mut c, &actor, &ps, r).await?;
            repair_report::stage_counts(&mut c, &actor, &ps, r).await?;
            repair_report::overdue_counts(&mut c, &actor, &ps, r, now).await?;
            repair_report::responsibility_counts(&mut c, &actor, &ps, r).await?;
            repair_report::callback_ratings(&mut c, &actor, &ps, r).await?;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "monthly repair report {month} [{label}, {in_month} orders] (all five queries) via store: best {:.1} ms, worst {:.1} ms of 5",
            times[0].as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0
        );
    }
    drop(c);

    // 4. The same as people see them: the pages over HTTP.
    let cookie = {
        let now = Utc::now();
        let mut tx = db.begin().await?;
        let data =
            staff::StaffData { username: "bench-cs", display_name: "基准客服", department_id: None, role: Role::Supervisor, phone: "", active: true };
        let sid = staff::insert(&mut tx, actor.company_id, &data, &hash_password(&new_secret())?, now).await?;
        staff::set_projects(&mut tx, sid, &actor.projects).await?;
        let session = new_secret();
        staff::insert_session(&mut tx, &sha256_hex(&session), sid, &new_secret(), now, now + CDuration::hours(2)).await?;
        tx.commit().await?;
        format!("{}={session}", crate::auth::SESSION_COOKIE)
    };
    let state = AppState::new(db.clone(), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, crate::app::router(state).into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let mut http = Http::connect(addr, &cookie).await?;
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    type MakePath = Box<dyn Fn(usize) -> String>;
    let pages: Vec<(&str, MakePath)> = vec![
        ("GET /work-orders?project_id&status", Box::new(move |k| format!("/work-orders?project_id={}&status={}", p(k), open[k % open.len()].code()))),
        ("GET /work-orders?project_id&overdue=1", Box::new(move |k| format!("/work-orders?project_id={}&overdue=1", p(k)))),
        ("GET /work-orders?project_id&emergency=1", Box::new(move |k| format!("/work-orders?project_id={}&emergency=1", p(k)))),
        ("GET /work-orders?project_id&q=漏水", Box::new(move |k| format!("/work-orders?project_id={}&q={}", p(k), enc("漏水")))),
        ("GET /work-orders?q=order number", Box::new(move |k| format!("/work-orders?q={}", enc(&format!("WXWT{:07}", 1000 + k))))),
        ("GET /board?project_id", Box::new(move |k| format!("/board?project_id={}", p(k)))),
        ("GET /board (all projects)", Box::new(|_| "/board?project_id=".to_string())),
    ];
    for (label, make) in &pages {
        for k in 0..10 {
            let (status, _) = http.get(&make(k)).await?;
            anyhow::ensure!(status == 200, "{label} answered {status}");
        }
        let mut times = Vec::with_capacity(requests);
        for k in 0..requests {
            let path = make(k);
            let t = Instant::now();
            let (status, _) = http.get(&path).await?;
            anyhow::ensure!(status == 200, "GET {path} answered {status}");
            times.push(t.elapsed());
        }
        println!("{label} over HTTP: {requests} requests; {}", ms_summary(&mut times));
    }
    for (label, q) in [("one project", format!("project_id={}", actor.projects[0])), ("all projects", "project_id=".to_string())] {
        let url = format!("/reports/repairs?{q}&month={month}");
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let (status, _) = http.get(&url).await?;
            anyhow::ensure!(status == 200, "GET {url} answered {status}");
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "monthly repair report page GET {url} [{label}] over HTTP: best {:.1} ms, worst {:.1} ms of 5",
            times[0].as_secs_f64() * 1000.0,
            times[4].as_secs_f64() * 1000.0
        );
    }
    db.close().await;
    Ok(())
}
