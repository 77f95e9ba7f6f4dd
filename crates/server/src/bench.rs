//! Benchmarks that print numbers; docs/PERFORMANCE.md records them with the command.
//! They run against a real server over loopback, with a plain HTTP/1.1 keep-alive client,
//! so the numbers include routing, auth, queries and template rendering.

use crate::auth::{hash_password, new_secret, sha256_hex};
use crate::state::{AppState, Config};
use chrono::{Duration as CDuration, NaiveDate, Utc};
use clap::Subcommand;
use propdesk_domain::access::Role;
use propdesk_domain::org::{PartyKind, ProjectKind, UnitKind};
use propdesk_store::Db;
use propdesk_store::models::bench as bench_store;
use propdesk_store::models::{org, staff};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Unit list page latency (first pages, filtered, searched) with N units on SQLite.
    Units {
        #[arg(long, default_value_t = 10_000)]
        units: i64,
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 1)]
        clients: usize,
        /// Database file to create (deleted first).
        #[arg(long, default_value = "data/bench-units.db")]
        db: String,
    },
    /// RCP: POST /api/v1/reception-records (category complaint: a record and its complaint in one
    /// transaction) with N concurrent keep-alive clients, on a fresh SQLite file (or `--database-url`).
    Reception {
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        /// Database file to create (deleted first).
        #[arg(long, default_value = "data/bench-reception.db")]
        db: String,
        /// Run against this database instead (e.g. an empty PostgreSQL database).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Complaints at scale on SQLite: load N open complaints (mostly recent) and a closed history
    /// over three years, index them for search, then time the filtered list's first page, the
    /// search (CMP-14), the monthly classified statistics and escalation passes (CMP-2).
    Complaints {
        /// Open complaints (97% received in the last 30 days).
        #[arg(long, default_value_t = 1_000_000)]
        complaints: i64,
        /// Closed (or invalid) complaints spread over the three years before.
        #[arg(long, default_value_t = 1_000_000)]
        closed: i64,
        /// Projects the complaints are spread over.
        #[arg(long, default_value_t = 10)]
        projects: i64,
        /// List requests to time.
        #[arg(long, default_value_t = 500)]
        requests: usize,
        /// Database file to create (deleted first).
        #[arg(long, default_value = "data/bench-complaints.db")]
        db: String,
    },
    /// FEE: the billing run of one month for N units × 5 items on SQLite, then the arrears list
    /// (FEE-6) of that project with a tenth of the payers overdue.
    Fees {
        #[arg(long, default_value_t = 100_000)]
        units: i64,
        /// Arrears list requests to time (each filter).
        #[arg(long, default_value_t = 300)]
        requests: usize,
        /// Database file to create (deleted first).
        #[arg(long, default_value = "data/bench-fees.db")]
        db: String,
    },
    /// Work orders at scale on SQLite (issue #4): load N orders over two years (with the repair
    /// callbacks of the closed ones), then time the list's first page with the common filters,
    /// the board and the monthly repair report, at the store and over HTTP.
    WorkOrders {
        #[arg(long, default_value_t = 1_000_000)]
        orders: i64,
        /// Projects the orders are spread over.
        #[arg(long, default_value_t = 10)]
        projects: i64,
        /// Requests to time per list filter and page.
        #[arg(long, default_value_t = 300)]
        requests: usize,
        /// Database file to create (deleted first).
        #[arg(long, default_value = "data/bench-work-orders.db")]
        db: String,
    },
    /// Process start to first answer of /healthz, on an existing database (runs `serve`).
    Startup {
        #[arg(long, default_value = "data/bench-units.db")]
        db: String,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Units { units, requests, clients, db } => units_bench(units, requests, clients, &db).await,
        BenchCommand::Startup { db, runs } => startup_bench(&db, runs).await,
        BenchCommand::Reception { clients, requests, db, database_url } => reception_bench(clients, requests, &db, database_url.as_deref()).await,
        BenchCommand::Complaints { complaints, closed, projects, requests, db } => complaints_bench(complaints, closed, projects, requests, &db).await,
        BenchCommand::Fees { units, requests, db } => fees_bench(units, requests, &db).await,
        BenchCommand::WorkOrders { orders, projects, requests, db } => crate::bench_work_orders::run(orders, projects, requests, &db).await,
    }
}

/// Seeds a company with one project of `n` units (a third with an owner and a tenant) and a
/// logged-in supervisor; returns the session id.
pub async fn seed_units(db: &Db, n: i64) -> anyhow::Result<String> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let company = org::insert_company(&mut tx, "基准测试物业", now).await?;
    let project = org::insert_project(
        &mut tx,
        &org::NewProject { company_id: company, code: "BENCH", name: "基准小区", kind: ProjectKind::Residential, address: "" },
        now,
    )
    .await?;
    let per_building = 500;
    let mut building = 0;
    for i in 0..n {
        if i % per_building == 0 {
            let no = i / per_building + 1;
            building = org::insert_building(&mut tx, project, &format!("B{no}"), &format!("{no}栋"), 25, now).await?;
        }
        let floor = (i % per_building) / 20 + 1;
        let data = org::UnitData {
            building_id: building,
            unit_no: format!("{}-{:02}{:02}", i / per_building + 1, floor, i % 20 + 1),
            kind: UnitKind::Residence,
            use_purpose: "住宅".into(),
            floor,
            building_area: 6_000 + (i * 37) % 9_000,
            usable_area: None,
            land_area: None,
            facilities: String::new(),
            handover_date: NaiveDate::from_ymd_opt(2018, 6, 1),
        };
        let unit = org::insert_unit(&mut tx, project, &data, now).await?;
        if i % 3 == 0 {
            let p = org::PartyData {
                kind: PartyKind::Person,
                name: format!("业主{i}"),
                phone: format!("139{:08}", i),
                email: None,
                id_card_no: None,
                licence_no: None,
                tax_no: None,
                org_code: None,
                legal_rep: None,
                business_type: None,
                key_customer: false,
                note: String::new(),
            };
            let party = org::insert_party(&mut tx, project, &p, now).await?;
            let start = NaiveDate::from_ymd_opt(2018, 6, 1).unwrap_or_default();
            org::insert_ownership(&mut tx, unit, party, start, "", now).await?;
            let lease = org::LeaseData {
                unit_id: unit,
                party_id: party,
                start,
                end: None,
                fitout: propdesk_domain::org::FitoutState::Done,
                monthly_rent: None,
                note: String::new(),
            };
            org::insert_lease(&mut tx, &lease, now).await?;
        }
    }
    let data = staff::StaffData { username: "bench", display_name: "基准", department_id: None, role: Role::Supervisor, phone: "", active: true };
    let sid = staff::insert(&mut tx, company, &data, &hash_password(&new_secret())?, now).await?;
    staff::set_projects(&mut tx, sid, &[project]).await?;
    let session = new_secret();
    staff::insert_session(&mut tx, &sha256_hex(&session), sid, &new_secret(), now, now + CDuration::hours(2)).await?;
    tx.commit().await?;
    Ok(session)
}

/// A minimal HTTP/1.1 keep-alive GET client: enough to time our own pages.
pub(crate) struct Http {
    stream: BufReader<TcpStream>,
    addr: SocketAddr,
    cookie: String,
}

impl Http {
    pub(crate) async fn connect(addr: SocketAddr, cookie: &str) -> anyhow::Result<Http> {
        Ok(Http { stream: BufReader::new(TcpStream::connect(addr).await?), addr, cookie: cookie.to_string() })
    }
    pub(crate) async fn get(&mut self, path: &str) -> anyhow::Result<(u16, usize)> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: keep-alive\r\n\r\n", self.addr, self.cookie);
        let (status, body) = self.send(&req).await?;
        Ok((status, body.len()))
    }

    /// A JSON POST with a bearer token and extra headers; returns the status and the body.
    async fn post_json(&mut self, path: &str, token: &str, extra: &str, json: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: keep-alive\r\n\r\n{json}",
            self.addr,
            json.len()
        );
        self.send(&req).await
    }

    /// Writes one request and reads its response (status line, headers, a Content-Length body).
    async fn send(&mut self, req: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        self.stream.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| anyhow::anyhow!("bad status line {line:?}"))?;
        let mut len = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse()?;
            }
        }
        let mut body = vec![0u8; len];
        self.stream.read_exact(&mut body).await?;
        Ok((status, body))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn units_bench(n: i64, requests: usize, clients: usize, path: &str) -> anyhow::Result<()> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let db = Db::connect(&format!("sqlite:{path}")).await?;
    db.migrate().await?;
    let t = Instant::now();
    let session = seed_units(&db, n).await?;
    println!("seeded {n} units in {:.1} s ({path})", t.elapsed().as_secs_f64());
    let state = AppState::new(db.clone(), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, crate::app::router(state).into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let cookie = format!("{}={session}", crate::auth::SESSION_COOKIE);
    let pages = (n / 50).max(1);
    // A mix like a day at the desk: browsing pages, a building filter, a search by name or number.
    let paths: Vec<String> = (0..requests)
        .map(|i| match i % 4 {
            0 => format!("/units?page={}", (i as i64 * 7919) % pages + 1),
            1 => "/units".to_string(),
            2 => format!("/units?building_id={}&page=2", (i % 20) + 1),
            _ => format!("/units?q={}", ["业主3", "1-0101", "139000", "5-1"][i % 4]),
        })
        .collect();
    // Warm-up.
    let mut warm = Http::connect(addr, &cookie).await?;
    for p in paths.iter().take(50) {
        let (status, _) = warm.get(p).await?;
        anyhow::ensure!(status == 200, "GET {p} answered {status}");
    }
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let mine: Vec<String> = paths.iter().skip(c).step_by(clients).cloned().collect();
        let cookie = cookie.clone();
        handles.push(tokio::spawn(async move {
            let mut http = Http::connect(addr, &cookie).await?;
            let mut times = Vec::with_capacity(mine.len());
            for p in &mine {
                let t = Instant::now();
                let (status, _) = http.get(p).await?;
                anyhow::ensure!(status == 200, "GET {p} answered {status}");
                times.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "unit list: {} requests, {clients} client(s), {:.0} req/s; latency ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2}",
        all.len(),
        all.len() as f64 / wall,
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        percentile(&all, 1.0)
    );
    db.close().await;
    Ok(())
}

async fn startup_bench(path: &str, runs: usize) -> anyhow::Result<()> {
    anyhow::ensure!(std::path::Path::new(path).exists(), "{path} does not exist; run `propdesk bench units` first to create it");
    let exe = std::env::current_exe()?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&exe)
            .args(["--database-url", &format!("sqlite:{path}"), "serve", "--listen", &addr.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let elapsed = loop {
            if started.elapsed() > Duration::from_secs(30) {
                anyhow::bail!("server did not answer within 30 s");
            }
            if let Ok(mut http) = Http::connect(addr, "").await
                && let Ok((200, _)) = http.get("/healthz").await
            {
                break started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        child.kill().await?;
        times.push(elapsed);
        println!("start to first answer: {:.1} ms", elapsed.as_secs_f64() * 1000.0);
    }
    times.sort();
    println!("startup over {runs} runs: median {:.1} ms, max {:.1} ms", percentile(&times, 0.5), percentile(&times, 1.0));
    Ok(())
}

/// RCP-1/RCP-3 under load: every request records a complaint call at the desk through the API
/// (token check, validation, the unit's project, two numbers, the record, the complaint, two
/// events — one transaction), as 16 receptionists' clients would.
async fn reception_bench(clients: usize, requests: usize, path: &str, url: Option<&str>) -> anyhow::Result<()> {
    let db = match url {
        Some(url) => Db::connect(url).await?,
        None => {
            if let Some(dir) = std::path::Path::new(path).parent() {
                std::fs::create_dir_all(dir)?;
            }
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            Db::connect(&format!("sqlite:{path}")).await?
        }
    };
    db.migrate().await?;
    seed_units(&db, 500).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let bench = staff::by_username(&mut tx, "bench").await?.ok_or_else(|| anyhow::anyhow!("bench staff missing"))?;
    let token = new_secret();
    staff::insert_token(&mut tx, &sha256_hex(&token), bench.id, now, now + CDuration::hours(2)).await?;
    let actor = propdesk_domain::access::Actor {
        staff_id: bench.id,
        name: bench.display_name.clone(),
        company_id: bench.company_id,
        role: bench.role,
        projects: staff::project_ids(&mut tx, bench.id).await?,
    };
    let project = *actor.projects.first().ok_or_else(|| anyhow::anyhow!("bench project missing"))?;
    let units: Vec<i64> = org::all_units(&mut tx, &actor, project, now.date_naive()).await?.into_iter().map(|u| u.id).collect();
    tx.commit().await?;
    println!("database: {} ({} units)", url.map(|_| "the given URL".to_string()).unwrap_or_else(|| format!("sqlite:{path}")), units.len());

    let state = AppState::new(db.clone(), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, crate::app::router(state).into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let contents = [
        "楼道灯坏了三天没人修，晚上回家很不方便",
        "楼上装修噪音太大，中午休息时间也在施工",
        "电梯经常停运，老人上下楼困难",
        "地下车库积水，车辆进出不便",
        "保安态度不好，进门登记时语气生硬",
    ];
    let body = |i: usize| {
        let unit = units.get(i % units.len().max(1)).copied().unwrap_or_default();
        serde_json::json!({
            "project_id": project, "channel": "phone", "category": "complaint", "unit_id": unit,
            "contact_name": format!("业主{}", i % 997), "contact_phone": format!("139{:08}", i % 100_000_000),
            "content": format!("{}（第{i}次来电）", contents[i % contents.len()]),
        })
        .to_string()
    };
    // Warm-up (also checks the answer and the idempotency of a repeated key).
    let mut warm = Http::connect(addr, "").await?;
    for i in 0..50 {
        let (status, answer) = warm.post_json("/api/v1/reception-records", &token, "", &body(requests + i)).await?;
        anyhow::ensure!(status == 201, "POST answered {status}: {}", String::from_utf8_lossy(&answer));
    }
    let key = format!("Idempotency-Key: warm-{}\r\n", new_secret());
    let (_, first) = warm.post_json("/api/v1/reception-records", &token, &key, &body(0)).await?;
    let (_, again) = warm.post_json("/api/v1/reception-records", &token, &key, &body(0)).await?;
    anyhow::ensure!(first == again, "a repeated Idempotency-Key gave a different answer");

    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let mine: Vec<String> = (0..requests).skip(c).step_by(clients.max(1)).map(body).collect();
        let token = token.clone();
        handles.push(tokio::spawn(async move {
            let mut http = Http::connect(addr, "").await?;
            let mut times = Vec::with_capacity(mine.len());
            for b in &mine {
                let t = Instant::now();
                let (status, answer) = http.post_json("/api/v1/reception-records", &token, "", b).await?;
                anyhow::ensure!(status == 201, "POST answered {status}: {}", String::from_utf8_lossy(&answer));
                times.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort();
    let mut c = db.read().await?;
    let (records, complaints) = bench_store::reception_counts(&mut c).await?;
    drop(c);
    println!(
        "reception (complaint) POST: {} requests, {clients} client(s), {:.0} req/s; latency ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2}",
        all.len(),
        all.len() as f64 / wall,
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        percentile(&all, 1.0)
    );
    println!("rows: {records} reception records, {complaints} complaints with their reception record");
    db.close().await;
    Ok(())
}

// ---------- complaints at scale ----------

const BENCH_TOPICS: &[&str] = &[
    "楼道灯不亮",
    "电梯异响",
    "水管漏水",
    "门禁失灵",
    "噪音扰民",
    "垃圾清运不及时",
    "车位被占",
    "绿化无人修剪",
    "保安态度差",
    "空调不制冷",
    "地库积水",
    "外墙渗水",
    "物业费收费",
    "快递丢失",
    "宠物扰民",
    "装修噪音",
    "消防通道堵塞",
    "路灯损坏",
    "泳池水质差",
    "监控损坏",
];
const BENCH_DETAILS: &[&str] = &[
    "已经三天了",
    "多次反映无果",
    "影响休息",
    "老人小孩出行不便",
    "夜间尤其严重",
    "希望尽快解决",
    "物业一直没有回复",
    "邻居也有同样问题",
    "上周刚修过又坏了",
    "请派人上门查看",
];
/// Four-character phrases that each appear in about 1 complaint in 5,000 (the rare search).
const BENCH_RARE: &[&str] = &["燃气泄漏", "高空抛物", "井盖缺失", "外墙脱落", "化粪池满"];
const BENCH_SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
const BENCH_KINDS: &[&str] = &["safety", "consistency", "attitude", "timeliness"];
const BENCH_REASONS: &[&str] = &["promise_broken", "emergency", "unauthorised_charge", "serious_loss", "legal", "media"];

/// A cheap deterministic mix (splitmix64), so the data is the same on every run.
pub(crate) fn mix(i: i64) -> u64 {
    let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How old a loaded complaint is, and whether it is still open.
#[derive(Clone, Copy)]
struct Shape {
    age_secs: i64,
    open: bool,
    seed: i64,
}

/// The complaints' shape as a running system has it: `closed` closed (3% invalid) spread evenly
/// over the three years before `now`, and `open` open ones, 97% received in the last 30 days
/// and 3% older (up to a year, most of them recent: long-running cases). Oldest first, so ids
/// grow with intake time as they do in production.
fn shapes(open: i64, closed: i64) -> Vec<Shape> {
    const DAY: i64 = 86_400;
    let mut all = Vec::with_capacity((open + closed) as usize);
    for k in 0..closed {
        let h = mix(-1 - k);
        all.push(Shape { age_secs: 2 * DAY + (h % (3 * 365 * DAY - 2 * DAY) as u64) as i64, open: false, seed: -1 - k });
    }
    for k in 0..open {
        let h = mix(k);
        let age = if h % 100 < 97 {
            ((h >> 8) % (30 * DAY) as u64) as i64
        } else {
            let u = ((h >> 8) % 1_000_000) as f64 / 1_000_000.0;
            30 * DAY + (335.0 * DAY as f64 * u * u) as i64
        };
        all.push(Shape { age_secs: age, open: true, seed: k });
    }
    all.sort_by_key(|s| (std::cmp::Reverse(s.age_secs), s.seed));
    all
}

/// Loads `open` open and `closed` closed complaints (see `shapes`) spread evenly over
/// `projects` projects, with batched multi-row INSERTs (500 rows each) in transactions of
/// 100,000 rows and the secondary indexes built afterwards. The rows have no search entries:
/// `ops::complaint::index_search_backlog` indexes them, as it would a database from before
/// the index. Old open cases are loaded below major, as from a system without CMP-2: the first
/// escalation pass has a backlog. Returns the system actor of all projects.
pub async fn seed_complaints(db: &Db, open: i64, closed: i64, projects: i64, now: chrono::DateTime<Utc>) -> anyhow::Result<propdesk_domain::access::Actor> {
    let mut tx = db.begin().await?;
    let company = org::insert_company(&mut tx, "投诉基准物业", now).await?;
    let mut ids = Vec::new();
    for p in 0..projects {
        let code = format!("CB{p:02}");
        let name = format!("基准项目{p}");
        ids.push(
            org::insert_project(&mut tx, &org::NewProject { company_id: company, code: &code, name: &name, kind: ProjectKind::Commercial, address: "" }, now)
                .await?,
        );
    }
    // A bulk load builds the secondary indexes once at the end (by sorting) instead of row by
    // row: the migration's own CREATE INDEX statements are kept, dropped, and run again.
    let indexes = bench_store::drop_complaint_indexes(&mut tx).await?;
    tx.commit().await?;
    const BATCH: usize = 500;
    let all = shapes(open, closed);
    let mut numbers = vec![0i64; projects as usize];
    for group in all.chunks(100_000) {
        let mut tx = db.begin().await?;
        for part in group.chunks(BATCH) {
            let mut rows = Vec::with_capacity(part.len());
            for s in part {
                let h = mix(s.seed.wrapping_mul(31).wrapping_add(7));
                let p = (h % projects as u64) as usize;
                numbers[p] += 1;
                let received = now - CDuration::seconds(s.age_secs);
                let sev_roll = (h >> 8) % 100;
                let (severity, kind, reason) = if sev_roll < 80 {
                    ("general", None, None)
                } else if sev_roll < 95 {
                    ("important", Some(BENCH_KINDS[((h >> 16) % 4) as usize]), None)
                } else {
                    ("major", None, Some(BENCH_REASONS[((h >> 16) % 6) as usize]))
                };
                let status = if !s.open {
                    if (h >> 12) % 100 < 3 { "invalid" } else { "closed" }
                } else {
                    match (h >> 12) % 100 {
                        0..15 => "received",
                        15..40 => "dispatched",
                        40..80 => "in_progress",
                        80..90 => "resolved",
                        _ => "awaiting_callback",
                    }
                };
                let topic_no = (h >> 24) % 20_000;
                let words = BENCH_TOPICS[(topic_no % 20) as usize];
                let building = topic_no / 20 + 1;
                let (floor, room) = ((h >> 40) % 30 + 1, (h >> 46) % 4 + 1);
                let mut content = format!("{building}-{floor}{room:02}室业主反映{words}，{}", BENCH_DETAILS[((h >> 50) % 10) as usize]);
                let rare = mix(s.seed ^ 0x5EA5_C0DE) % 5_000;
                if (rare as usize) < BENCH_RARE.len() {
                    content.push_str(&format!("，疑似{}", BENCH_RARE[rare as usize]));
                }
                let next_due = match status {
                    "dispatched" | "in_progress" => Some(received + CDuration::days(2)),
                    "awaiting_callback" => Some(received + CDuration::days(5)),
                    _ => None,
                };
                let closed_at = (!s.open).then(|| received + CDuration::hours(24 + ((h >> 20) % 300) as i64));
                rows.push(bench_store::BulkComplaint {
                    project_id: ids[p],
                    number: format!("CB{p:02}/TS{:07}", numbers[p]),
                    complainant: format!("{}{}", BENCH_SURNAMES[((h >> 32) % 20) as usize], if (h >> 37).is_multiple_of(2) { "先生" } else { "女士" }),
                    contact_phone: format!("1{}{:09}", [3, 5, 8][((h >> 3) % 3) as usize], (h >> 5) % 1_000_000_000),
                    channel: "phone",
                    content,
                    severity,
                    important_kind: kind,
                    major_reason: reason,
                    status,
                    received_at: received,
                    next_due,
                    callback_due: if status == "awaiting_callback" { next_due } else { None },
                    resolved_at: closed_at.map(|t| t - CDuration::hours(20)),
                    closed_at,
                    topic: format!("B{building}:{words}"),
                });
            }
            bench_store::insert_complaints(&mut tx, &rows).await?;
        }
        tx.commit().await?;
    }
    let t = Instant::now();
    let mut tx = db.begin().await?;
    bench_store::restore_indexes(&mut tx, &indexes).await?;
    tx.commit().await?;
    println!("  {} secondary indexes built after the load and ANALYZE run in {:.1} s", indexes.len(), t.elapsed().as_secs_f64());
    Ok(propdesk_domain::access::Actor { staff_id: 0, name: "bench".into(), company_id: company, role: Role::Admin, projects: ids })
}

pub(crate) fn ms_summary(times: &mut [Duration]) -> String {
    times.sort();
    format!("ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2}", percentile(times, 0.50), percentile(times, 0.95), percentile(times, 0.99), percentile(times, 1.0))
}

async fn complaints_bench(open: i64, closed: i64, projects: i64, requests: usize, path: &str) -> anyhow::Result<()> {
    use propdesk_domain::complaint::ComplaintStatus;
    use propdesk_store::Page;
    use propdesk_store::models::complaint::{self as cstore, Filter};
    use propdesk_store::models::report::{self, Range};
    anyhow::ensure!(open > 0 && closed >= 0 && projects > 0, "--complaints and --projects must be positive");
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
    let actor = seed_complaints(&db, open, closed, projects, now).await?;
    println!(
        "loaded {} complaints ({open} open, {closed} closed over 3 years) over {projects} projects in {:.1} s ({path})",
        open + closed,
        t.elapsed().as_secs_f64()
    );
    {
        let mut c = db.read().await?;
        let cutoff = now - CDuration::days(30);
        let count = |open_only, received_after, received_until| bench_store::ComplaintCount { open_only, received_after, received_until, ..Default::default() };
        let recent = bench_store::count_complaints(&mut c, count(true, Some(cutoff), None)).await?;
        let old = bench_store::count_complaints(&mut c, count(false, None, Some(cutoff))).await?;
        let old_open = bench_store::count_complaints(&mut c, count(true, None, Some(cutoff))).await?;
        println!(
            "  open cases received in the last 30 days: {recent}; older than 30 days: {old} complaints, {old_open} of them open ({:.1}%)",
            100.0 * old_open as f64 / old.max(1) as f64
        );
    }

    // 0. CMP-14: the search index for the loaded rows, by the backfill `propdesk migrate` runs.
    let t = Instant::now();
    let indexed = crate::ops::complaint::index_search_backlog(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let secs = t.elapsed().as_secs_f64();
    println!("search index backfill: {indexed} complaints in {secs:.1} s ({:.0}/s, chunks of 1,000 per transaction)", indexed as f64 / secs);

    // 1. The complaint list's first page, filtered by project and status, at the store.
    let mut c = db.read().await?;
    let statuses =
        [ComplaintStatus::Received, ComplaintStatus::Dispatched, ComplaintStatus::InProgress, ComplaintStatus::Resolved, ComplaintStatus::AwaitingCallback];
    for k in 0..20 {
        let f = Filter { project_id: Some(actor.projects[k % actor.projects.len()]), status: Some(statuses[k % statuses.len()]), ..Default::default() };
        cstore::list(&mut c, &actor, &f, Page::new(1, 50)).await?;
    }
    let mut times = Vec::with_capacity(requests);
    let mut rows = 0usize;
    for k in 0..requests {
        let f = Filter { project_id: Some(actor.projects[(k * 7) % actor.projects.len()]), status: Some(statuses[k % statuses.len()]), ..Default::default() };
        let t = Instant::now();
        let page = cstore::list(&mut c, &actor, &f, Page::new(1, 50)).await?;
        times.push(t.elapsed());
        rows += page.paged.items.len();
    }
    println!(
        "complaint list (project + status, first page of 50, with its COUNT) via store::models::complaint::list: {requests} requests, {rows} rows; {}",
        ms_summary(&mut times)
    );

    // 1a. CMP-14 search, first page of 50 with its count, over all the actor's projects: a
    //     common two-character word, a rare four-character phrase, a unit number, a phone
    //     number's last digits, the common word within one project (and one status), and a
    //     one-character query, which scans with LIKE.
    let p3 = Some(actor.projects[3 % actor.projects.len()]);
    let searches = [
        ("common 2-char word", "漏水", None, None),
        ("rare 4-char phrase", "燃气泄漏", None, None),
        ("unit number", "3-1201", None, None),
        ("phone tail", "5678", None, None),
        ("common 2-char word, one project", "漏水", p3, None),
        ("common 2-char word, one project + status", "漏水", p3, Some(ComplaintStatus::Received)),
        ("1 character (LIKE scan)", "漏", None, None),
    ];
    for (label, q, project_id, status) in searches {
        let f = Filter { q: Some(q.to_string()), project_id, status, ..Default::default() };
        let first = cstore::list(&mut c, &actor, &f, Page::new(1, 50)).await?;
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            cstore::list(&mut c, &actor, &f, Page::new(1, 50)).await?;
            times.push(t.elapsed());
        }
        let matches = format!("{}{}", first.paged.total, if first.more { "+" } else { "" });
        println!("search {label} q={q:?} ({matches} matches) via store: {requests} requests; {}", ms_summary(&mut times));
    }

    // 1b. The same list and searches as people see them: the /complaints page over HTTP, with
    //     session lookup, filters, unit labels, deadline states and template rendering.
    let cookie = {
        let now = Utc::now();
        let mut tx = db.begin().await?;
        let data =
            staff::StaffData { username: "bench-cs", display_name: "基准客服", department_id: None, role: Role::Specialist, phone: "", active: true };
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
    let path = |k: usize| format!("/complaints?project_id={}&status={}", actor.projects[(k * 7) % actor.projects.len()], statuses[k % statuses.len()].code());
    for k in 0..20 {
        let (status, _) = http.get(&path(k)).await?;
        anyhow::ensure!(status == 200, "GET /complaints answered {status}");
    }
    let mut page_times = Vec::with_capacity(requests);
    for k in 0..requests {
        let t = Instant::now();
        let (status, _) = http.get(&path(k)).await?;
        anyhow::ensure!(status == 200, "GET /complaints answered {status}");
        page_times.push(t.elapsed());
    }
    println!("complaint list page GET /complaints?project_id&status over HTTP: {requests} requests; {}", ms_summary(&mut page_times));
    for q in ["漏水", "燃气泄漏"] {
        let url = format!("/complaints?q={}", form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>());
        for _ in 0..5 {
            let (status, _) = http.get(&url).await?;
            anyhow::ensure!(status == 200, "GET {url} answered {status}");
        }
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            let (status, _) = http.get(&url).await?;
            anyhow::ensure!(status == 200, "GET {url} answered {status}");
            times.push(t.elapsed());
        }
        println!("search page GET /complaints?q={q} over HTTP: {requests} requests; {}", ms_summary(&mut times));
    }

    // 2. The monthly classified statistics (and the rate counts) of one project for the last full month.
    let local = now.with_timezone(&crate::ops::TZ).date_naive();
    let this = propdesk_domain::values::Month::of(local);
    let last = if this.month == 1 {
        propdesk_domain::values::Month { year: this.year - 1, month: 12 }
    } else {
        propdesk_domain::values::Month { year: this.year, month: this.month - 1 }
    };
    let (from, to) = crate::ops::callback::month_range(last, crate::ops::TZ);
    let range = Range { from, to };
    let p0 = actor.projects[0];
    let in_month = bench_store::count_complaints(
        &mut c,
        bench_store::ComplaintCount { project_id: Some(p0), received_from: Some(from), received_before: Some(to), ..Default::default() },
    )
    .await?;
    let mut stats = Vec::new();
    let mut rates = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let classes = report::class_counts(&mut c, &actor, p0, range).await?;
        stats.push((t.elapsed(), classes.len()));
        let t = Instant::now();
        report::rate_counts(&mut c, &actor, p0, range).await?;
        report::callback_counts(&mut c, &actor, p0, range, now).await?;
        rates.push(t.elapsed());
    }
    let best = stats.iter().map(|s| s.0).min().unwrap_or_default();
    let worst = stats.iter().map(|s| s.0).max().unwrap_or_default();
    println!(
        "monthly classified statistics ({last}, one project, {in_month} complaints, {} classes x statuses): best {:.1} ms, worst {:.1} ms of 5; rate counts best {:.1} ms",
        stats.first().map(|s| s.1).unwrap_or(0),
        best.as_secs_f64() * 1000.0,
        worst.as_secs_f64() * 1000.0,
        rates.iter().min().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    let year = report::counts_between(&mut c, &actor, p0, &[now - CDuration::days(365), now - CDuration::days(180), now]).await?;
    println!(
        "counts of two half-years of one project ({} + {}): {:.1} ms",
        year.first().unwrap_or(&0),
        year.get(1).unwrap_or(&0),
        t.elapsed().as_secs_f64() * 1000.0
    );
    drop(c);

    // 3. CMP-2 escalation passes (the whole job: lease, month rule in chunks, collective topics).
    let open_now = {
        let mut c = db.read().await?;
        bench_store::count_complaints(&mut c, bench_store::ComplaintCount { open_only: true, ..Default::default() }).await?
    };
    let pass = |at: chrono::DateTime<Utc>| {
        let db = db.clone();
        async move {
            let t = Instant::now();
            let r = crate::jobs::escalation::run_pass(&db, "bench", at)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                .ok_or_else(|| anyhow::anyhow!("lease not taken"))?;
            Ok::<_, anyhow::Error>((t.elapsed().as_secs_f64(), r))
        }
    };
    let report = |label: &str, secs: f64, r: &crate::jobs::escalation::PassReport| {
        println!(
            "escalation pass, {label}: {secs:.3} s — {} raised after 30 days in {} transaction(s), longest {:.1} ms; {} collective, {} linked",
            r.unresolved_month,
            r.chunks,
            r.longest_chunk.as_secs_f64() * 1000.0,
            r.collective,
            r.linked
        )
    };
    let (secs, r) = pass(now).await?;
    report(&format!("first pass over {open_now} open (the loaded backlog of old open cases)"), secs, &r);
    for minutes in [10, 20] {
        let (secs, r) = pass(now + CDuration::minutes(minutes)).await?;
        report(&format!("steady state {minutes} min later over {open_now} open"), secs, &r);
    }
    // The worst backlog: a month later with no pass in between, every open case below major is
    // due. A desk write (a one-row upsert, one transaction) every 10 ms meanwhile shows how long
    // other writers wait for SQLite's writer.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut waits = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                let mut tx = db.begin().await?;
                report::acquire_lease(&mut tx, "bench_probe", "probe", Utc::now(), Utc::now()).await?;
                tx.commit().await?;
                waits.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok::<_, anyhow::Error>(waits)
        })
    };
    let later = now + CDuration::days(31);
    let (secs, r) = pass(later).await?;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut waits = probe.await??;
    report("a month's backlog at once (every open case below major is due)", secs, &r);
    println!("  meanwhile {} desk writes: {}", waits.len(), ms_summary(&mut waits));
    let (secs, r) = pass(later + CDuration::minutes(10)).await?;
    report("steady state after the backlog", secs, &r);
    db.close().await;
    Ok(())
}

/// Seeds one project of `n` units, each with an owner since 2020 and every tenth let to a tenant
/// (a tenth of those from the 16th of the benched month, so part periods are billed); returns the
/// project and a supervisor acting on it.
async fn seed_fee_units(db: &Db, n: i64, month: propdesk_domain::values::Month) -> anyhow::Result<(i64, propdesk_domain::access::Actor)> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let company = org::insert_company(&mut tx, "收费基准物业", now).await?;
    let project = org::insert_project(
        &mut tx,
        &org::NewProject { company_id: company, code: "FEE", name: "收费基准小区", kind: ProjectKind::Residential, address: "" },
        now,
    )
    .await?;
    let since = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    let per_building = 400;
    let mut building = 0;
    let party = |name: String, phone: String| org::PartyData {
        kind: PartyKind::Person,
        name,
        phone,
        email: None,
        id_card_no: None,
        licence_no: None,
        tax_no: None,
        org_code: None,
        legal_rep: None,
        business_type: None,
        key_customer: false,
        note: String::new(),
    };
    for i in 0..n {
        if i % per_building == 0 {
            let no = i / per_building + 1;
            building = org::insert_building(&mut tx, project, &format!("B{no}"), &format!("{no}栋"), 20, now).await?;
        }
        let floor = (i % per_building) / 20 + 1;
        let area = 6_000 + (i * 37) % 9_000;
        let data = org::UnitData {
            building_id: building,
            unit_no: format!("{}-{:02}{:02}", i / per_building + 1, floor, i % 20 + 1),
            kind: UnitKind::Residence,
            use_purpose: "住宅".into(),
            floor,
            building_area: area,
            usable_area: Some(area * 4 / 5),
            land_area: Some(area / 10 + 1),
            facilities: String::new(),
            handover_date: NaiveDate::from_ymd_opt(2019, 6, 1),
        };
        let unit = org::insert_unit(&mut tx, project, &data, now).await?;
        let owner = org::insert_party(&mut tx, project, &party(format!("业主{i}"), format!("139{i:08}")), now).await?;
        org::insert_ownership(&mut tx, unit, owner, since, "", now).await?;
        if i % 10 == 0 {
            let tenant = org::insert_party(&mut tx, project, &party(format!("租户{i}"), format!("137{i:08}")), now).await?;
            let start = if i % 100 == 0 { month.first_day().checked_add_days(chrono::Days::new(15)).unwrap_or(since) } else { since };
            let lease = org::LeaseData {
                unit_id: unit,
                party_id: tenant,
                start,
                end: None,
                fitout: propdesk_domain::org::FitoutState::Done,
                monthly_rent: None,
                note: String::new(),
            };
            org::insert_lease(&mut tx, &lease, now).await?;
        }
    }
    let data = staff::StaffData { username: "feebench", display_name: "收费基准", department_id: None, role: Role::Supervisor, phone: "", active: true };
    let sid = staff::insert(&mut tx, company, &data, &hash_password(&new_secret())?, now).await?;
    staff::set_projects(&mut tx, sid, &[project]).await?;
    tx.commit().await?;
    let actor =
        propdesk_domain::access::Actor { staff_id: sid, name: "收费基准".into(), company_id: company, role: Role::Supervisor, projects: vec![project] };
    Ok((project, actor))
}

async fn fees_bench(n: i64, requests: usize, path: &str) -> anyhow::Result<()> {
    use crate::ops::fee::{FeeItemInput, create_item, parse_period, run_billing};
    use propdesk_store::models::arrears::{Filter, list};
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let db = Db::connect(&format!("sqlite:{path}")).await?;
    db.migrate().await?;
    let month = propdesk_domain::values::Month { year: 2026, month: 9 };
    let t = Instant::now();
    let (project, actor) = seed_fee_units(&db, n, month).await?;
    println!("seeded {n} units (owners; every tenth let) in {:.1} s ({path})", t.elapsed().as_secs_f64());
    let items = [
        ("物业服务费", "property_service", "area", "building", "2.35", "occupant"),
        ("公摊管理费", "management", "area", "shared", "0.8", "owner"),
        ("土地租金", "land_rent", "area", "land", "1.2", "owner"),
        ("本体维修金", "paid_service", "fixed", "building", "30", "owner"),
        ("垃圾清运费", "paid_service", "fixed", "building", "8.5", "occupant"),
    ];
    for (name, kind, basis, area, price, payer) in items {
        let input = FeeItemInput {
            project_id: project.to_string(),
            name: name.into(),
            kind: kind.into(),
            basis: basis.into(),
            area_basis: area.into(),
            cycle: "month".into(),
            payer: payer.into(),
            price: price.into(),
            due_days: "10".into(),
            active: true,
            ..Default::default()
        };
        create_item(&db, &actor, &input).await.map_err(|e| anyhow::anyhow!("fee item: {e:?}"))?;
    }
    let period = parse_period("month", &month.to_string()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let t = Instant::now();
    let r = run_billing(&db, &actor, project, period).await.map_err(|e| anyhow::anyhow!("billing: {e:?}"))?;
    let first = t.elapsed().as_secs_f64();
    println!(
        "billing run {}: {} units, {} lines, {} yuan in {first:.2} s ({} units per transaction)",
        month,
        r.units,
        r.lines_added,
        propdesk_domain::billing::yuan_text(r.amount_added),
        crate::ops::fee::RUN_CHUNK
    );
    let t = Instant::now();
    let again = run_billing(&db, &actor, project, period).await.map_err(|e| anyhow::anyhow!("billing: {e:?}"))?;
    println!("re-run of the same month: {} lines added in {:.2} s", again.lines_added, t.elapsed().as_secs_f64());

    notices_bench(&db, &actor, project, &month.to_string()).await?;

    // Nine payers in ten pay; the rest are overdue and get arrears cases.
    let mut tx = db.begin().await?;
    propdesk_store::models::bench::pay_all_but_every_tenth_payer(&mut tx, project).await?;
    tx.commit().await?;
    let t = Instant::now();
    let opened = crate::ops::arrears::open_overdue(&db, &actor, project).await.map_err(|e| anyhow::anyhow!("arrears: {e:?}"))?;
    println!("opened {opened} arrears cases in {:.2} s", t.elapsed().as_secs_f64());
    let today = crate::ops::org::today();
    let filters: [(&str, Filter); 3] = [
        ("open cases, first page", Filter { project_id: Some(project), open: true, ..Default::default() }),
        (
            "open cases, at the reminder step",
            Filter { project_id: Some(project), status: Some(propdesk_domain::billing::ArrearsStatus::Notice), ..Default::default() },
        ),
        ("open cases, payer name search", Filter { project_id: Some(project), open: true, q: Some("业主77".into()), ..Default::default() }),
    ];
    for (label, f) in filters {
        let mut times = Vec::with_capacity(requests);
        let mut rows = 0;
        for i in 0..requests {
            let page = propdesk_store::Page::new(1 + (i % 5) as i64, 50);
            let t = Instant::now();
            let mut c = db.read().await?;
            let p = list(&mut c, &actor, &f, today, page).await?;
            times.push(t.elapsed());
            rows = p.total;
        }
        times.sort();
        println!("arrears list, {label} ({rows} cases, pages 1-5 of 50): p50 {:.2} ms, p99 {:.2} ms", percentile(&times, 0.5), percentile(&times, 0.99));
    }
    db.close().await;
    Ok(())
}

/// FEE-3 / POR-2: a period's payment notices queued for every payer, then sent through a webhook
/// channel to a gateway stand-in in this process (answers 200 at once), so the numbers are
/// propdesk's own: queueing in one transaction, and sending with its bookkeeping.
async fn notices_bench(db: &Db, actor: &propdesk_domain::access::Actor, project: i64, period: &str) -> anyhow::Result<()> {
    use crate::jobs::party_messages::{Transports, deliver_due};
    use crate::ops::channel::{SendNoticesInput, save, send_payment_notices};
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let manager = propdesk_domain::access::Actor { role: Role::Manager, ..actor.clone() };
    let form = propdesk_domain::channel::ChannelForm {
        kind: "webhook".into(),
        name: "基准短信网关".into(),
        url: format!("http://{addr}/hook"),
        secret: "bench-signing-key-0001".into(),
        ..Default::default()
    };
    save(db, &manager, None, None, &form, true).await.map_err(|e| anyhow::anyhow!("channel: {e:?}"))?;
    let input = SendNoticesInput { project_id: project.to_string(), period: period.into(), ..Default::default() };
    let t = Instant::now();
    let s = send_payment_notices(db, actor, &input).await.map_err(|e| anyhow::anyhow!("send: {e:?}"))?;
    println!(
        "payment notices {period}: {} notices, {} messages queued in {:.2} s ({} units per transaction)",
        s.notices,
        s.queued,
        t.elapsed().as_secs_f64(),
        crate::ops::channel::SEND_CHUNK
    );
    let t = Instant::now();
    let again = send_payment_notices(db, actor, &input).await.map_err(|e| anyhow::anyhow!("send: {e:?}"))?;
    println!("sent again: {} queued, {} already queued, in {:.2} s", again.queued, again.already, t.elapsed().as_secs_f64());
    let t = Instant::now();
    let sent = deliver_due(db, &Transports::new()?, Utc::now()).await.map_err(|e| anyhow::anyhow!("deliver: {e:?}"))?;
    let secs = t.elapsed().as_secs_f64();
    println!("sent {} through the webhook ({} failed) in {secs:.1} s: {:.0} messages/s", sent.sent, sent.failed, sent.sent as f64 / secs);
    Ok(())
}
