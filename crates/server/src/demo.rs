//! The demo company, loaded by `propdesk serve --demo` and `propdesk demo` into an empty
//! database: 红星物业服务有限公司 with the commercial park 红星广场 (HXGC: offices and shops let
//! to merchants, owned by the developer) and the residential estate 丽湖苑 (LHY: homes, owners,
//! tenants, transfers, parking spaces), its eight departments and twenty staff covering every role.
//!
//! The data comes from a fixed-seed PRNG, so every load builds the same company. Dates are
//! placed relative to the first day of the current month (Asia/Shanghai), so whenever it is
//! loaded the demo has current leases, recent move-ins, fit-outs and past tenants.
//! Everything is written in one transaction, and every record gets its event (SEC-1).

use crate::auth::{hash_password, new_password};
use crate::error::AppError;
use crate::ops::org::{insert_party_tx, insert_unit_tx, today};
use anyhow::anyhow;
use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::org::{self as rules, ContactKind, FitoutState, PartyKind, Period, ProjectKind, UnitKind};
use propdesk_domain::values::{LicenceNo, Phone, id_card_no, uscc_check_char};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::org::{self, LeaseData, NewProject, PartyData, UnitData};
use propdesk_store::models::staff::{self, StaffData};
use propdesk_store::{Db, Tx};
use serde_json::json;
use std::collections::HashSet;
use std::time::Instant;

const COMPANY: &str = "红星物业服务有限公司";
const SEED: u64 = 0x4858_4743_2026_0001;

/// Loads the demo company unless the database already holds a company.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<()> {
    let existing = {
        let mut c = db.read().await?;
        org::first_company(&mut c).await?
    };
    if let Some(company) = existing {
        println!("{}", not_loaded(&company.name));
        return Ok(());
    }
    let started = Instant::now();
    let from_env = std::env::var("PROPDESK_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
    if let Some(p) = &from_env {
        crate::ops::staff::password(p).map_err(|r| anyhow!("PROPDESK_DEMO_PASSWORD {}", r.en()))?;
    }
    let passwords: Vec<String> = STAFF.iter().map(|_| from_env.clone().unwrap_or_else(new_password)).collect();
    // Argon2 is slow on purpose: the hashes are computed on the blocking pool while the
    // rest of the demo is written, and collected when the staff rows are.
    let hashes: Vec<Hashing> = passwords
        .iter()
        .map(|p| {
            let p = p.clone();
            tokio::task::spawn_blocking(move || hash_password(&p))
        })
        .collect();

    let mut tx = db.begin().await?;
    if let Some(company) = org::first_company(&mut tx).await? {
        println!("{}", not_loaded(&company.name));
        return Ok(());
    }
    let summary = load(&mut tx, hashes).await?;
    tx.commit().await?;
    let meters = meters_and_parking(db).await?;
    let fees = fees(db).await?;

    println!("demo company {COMPANY} loaded in {:.2} s:", started.elapsed().as_secs_f64());
    for line in summary.lines() {
        println!("  {line}");
    }
    println!("  {meters}");
    println!("  {fees}");
    println!();
    println!("demo logins{}:", if from_env.is_some() { " (password from PROPDESK_DEMO_PASSWORD)" } else { "" });
    let header = ["username", "name", "role", "department", "projects", "password"];
    let rows: Vec<[String; 6]> = STAFF
        .iter()
        .zip(passwords)
        .map(|(s, password)| {
            let dept = DEPARTMENTS.iter().find(|d| d.0 == s.dept).map(|d| d.1).unwrap_or("");
            let pw = if from_env.is_some() { "$PROPDESK_DEMO_PASSWORD".to_string() } else { password };
            [s.username.to_string(), s.name.to_string(), format!("{} {}", s.role.code(), s.role.zh()), dept.to_string(), s.sites.codes().to_string(), pw]
        })
        .collect();
    let mut widths = header.map(width);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    println!("  {}", header.iter().zip(widths).map(|(c, w)| pad(c, w)).collect::<Vec<_>>().join("  ").trim_end());
    for r in &rows {
        println!("  {}", r.iter().zip(widths).map(|(c, w)| pad(c, w)).collect::<Vec<_>>().join("  ").trim_end());
    }
    Ok(())
}

/// The `n` months before `this`, oldest first: the months the demo has billed and read.
fn last_months(this: propdesk_domain::values::Month, n: i32) -> Vec<propdesk_domain::values::Month> {
    (1..=n)
        .rev()
        .map(|back| {
            let m0 = this.year * 12 + this.month as i32 - 1 - back;
            propdesk_domain::values::Month { year: m0.div_euclid(12), month: m0.rem_euclid(12) as u32 + 1 }
        })
        .collect()
}

/// The demo admin acting on every project of the demo company, for the loaders below.
async fn demo_actor(db: &Db) -> anyhow::Result<(Actor, Vec<org::Project>)> {
    let mut c = db.read().await?;
    let company = org::first_company(&mut c).await?.ok_or_else(|| anyhow!("no demo company"))?;
    let projects = org::company_projects(&mut c, company.id).await?;
    let admin = propdesk_store::models::staff::by_username(&mut c, "admin").await?.ok_or_else(|| anyhow!("no demo admin"))?;
    let actor = Actor {
        staff_id: admin.id,
        name: admin.display_name.clone(),
        company_id: company.id,
        role: Role::Admin,
        projects: projects.iter().map(|p| p.id).collect(),
    };
    Ok((actor, projects))
}

/// FEE-7/8/9 on the residential estate, before its billing runs (so water and electricity are
/// billed from the readings): 40 homes with a water and an electricity meter (every eighth
/// electricity meter prepaid, one purchase waiting for the electrician), the reading rounds of
/// the last three months (one outlier flagged), and a garage of 30 spaces — twelve let to
/// owners, six sold, the rest vacant — with this month's check list.
async fn meters_and_parking(db: &Db) -> anyhow::Result<String> {
    use crate::ops::meter::{MeterInput, PurchaseInput, ReadingInput, create_meter, purchase, record_reading};
    use crate::ops::parking::{RentalInput, SpaceInput, create_check, create_rental, create_space};
    let (actor, projects) = demo_actor(db).await?;
    let Some(estate) = projects.iter().find(|p| p.kind == ProjectKind::Residential) else {
        return Ok("meters and parking: no residential site".into());
    };
    let today = crate::ops::org::today();
    let this = propdesk_domain::values::Month::of(today);
    let homes: Vec<(org::Unit, i64)> = {
        let mut c = db.read().await?;
        let mut homes = Vec::new();
        for u in org::all_units(&mut c, &actor, estate.id, today).await?.into_iter().filter(|u| u.kind == UnitKind::Residence) {
            if let Some(owner) = org::tenures_of_unit(&mut c, org::TenureKind::Ownership, u.id).await?.into_iter().find(|t| t.end_date.is_none()) {
                homes.push((u, owner.party_id));
            }
            if homes.len() == 40 {
                break;
            }
        }
        homes
    };
    for (name, kind, price) in [("水费", "water", "4.5"), ("电费", "electricity", "0.65")] {
        let input = crate::ops::fee::FeeItemInput {
            project_id: estate.id.to_string(),
            name: name.into(),
            kind: kind.into(),
            basis: "metered".into(),
            cycle: "month".into(),
            payer: "occupant".into(),
            price: price.into(),
            due_days: "15".into(),
            active: true,
            ..Default::default()
        };
        crate::ops::fee::create_item(db, &actor, &input).await.map_err(app)?;
    }
    let months = last_months(this, 3);
    let installed = months.first().map(|m| m.first_day()).unwrap_or(today).checked_sub_days(chrono::Days::new(40)).unwrap_or(today);
    let (mut meters, mut readings, mut prepaid) = (0, 0, None);
    for (i, (u, _)) in homes.iter().enumerate() {
        for (kind, prefix, start) in [("water", "SB", 100 + i as i64 * 7), ("electricity", "DB", 2_000 + i as i64 * 31)] {
            let is_prepaid = kind == "electricity" && i % 8 == 0;
            let input = MeterInput {
                unit_id: u.id.to_string(),
                kind: kind.into(),
                meter_no: format!("{prefix}-{}-{}", u.building_code, u.unit_no),
                start_reading: start.to_string(),
                installed_on: installed.to_string(),
                prepaid: is_prepaid,
                ..Default::default()
            };
            let id = create_meter(db, &actor, &input).await.map_err(app)?;
            meters += 1;
            if is_prepaid {
                prepaid.get_or_insert(id);
                continue;
            }
            let mut value = start;
            for (k, m) in months.iter().enumerate() {
                // Water 8–20 m³ a month, electricity 120–400 kWh; one home's water leaks in the last month.
                let used = if kind == "water" { 8 + (i as i64 * 5 + k as i64 * 3) % 13 } else { 120 + (i as i64 * 37 + k as i64 * 53) % 281 };
                value += if kind == "water" && i == 6 && k + 1 == months.len() { used * 9 } else { used };
                let read_on = propdesk_domain::values::Month::first_day(*m).checked_add_days(chrono::Days::new(17)).unwrap_or(today).min(today);
                let input = ReadingInput { meter_id: id.to_string(), month: m.to_string(), read_on: read_on.to_string(), reading: value.to_string() };
                record_reading(db, &actor, &input).await.map_err(app)?;
                readings += 1;
            }
        }
    }
    if let Some(meter_id) = prepaid {
        let input = PurchaseInput { meter_id: meter_id.to_string(), amount: "200".into(), method: "cash".into(), ..Default::default() };
        purchase(db, &actor, &input).await.map_err(app)?;
    }
    let (mut let_, mut sold) = (0, 0);
    for n in 1..=30usize {
        let owner = homes.get(n % homes.len().max(1)).map(|h| h.1);
        let sale = n > 24 && owner.is_some();
        let input = SpaceInput {
            project_id: estate.id.to_string(),
            code: format!("B1-{n:03}"),
            location: "地下车库".into(),
            level: "B1".into(),
            kind: if n % 10 == 0 { "charging".into() } else { "standard".into() },
            sold_to: if sale { owner.map(|o| o.to_string()).unwrap_or_default() } else { String::new() },
            sold_on: if sale { "2021-05-01".into() } else { String::new() },
            ..Default::default()
        };
        let space = create_space(db, &actor, &input).await.map_err(app)?;
        if sale {
            sold += 1;
        } else if n <= 12 {
            let Some((u, renter)) = homes.get(n) else { continue };
            let input = RentalInput {
                renter_id: renter.to_string(),
                unit_id: u.id.to_string(),
                plate_no: format!("粤B{:05}", 10_000 + n * 379),
                start_date: "2026-01-01".into(),
                monthly_fee: if n % 10 == 0 { "450".into() } else { "300".into() },
                ..Default::default()
            };
            create_rental(db, &actor, space, &input).await.map_err(app)?;
            let_ += 1;
        }
    }
    create_check(db, &actor, estate.id, &this.to_string()).await.map_err(app)?;
    Ok(format!(
        "meters: {meters} at {} ({readings} readings over {} months, one prepaid purchase); parking: 30 spaces, {let_} let, {sold} sold, this month's check list",
        estate.name,
        months.len()
    ))
}

/// FEE: each site's fees — property service by building area (the tenant pays while a unit is
/// let), the shared-area management fee and a fixed refuse fee — billed for the last three
/// months through the same ops a supervisor uses; most payers have paid, the rest are arrears
/// cases at the first rung.
async fn fees(db: &Db) -> anyhow::Result<String> {
    use crate::ops::fee::{FeeItemInput, create_item, parse_period, run_billing};
    use crate::ops::payment::{PaymentInput, record};
    use propdesk_store::models::fee::{LedgerFilter, LineState, ledger};
    let (actor, projects) = demo_actor(db).await?;
    let this = propdesk_domain::values::Month::of(crate::ops::org::today());
    let months = last_months(this, 3);
    let (mut lines, mut paid) = (0, 0);
    for p in &projects {
        for (name, kind, basis, area, price, payer) in [
            ("物业服务费", "property_service", "area", "building", "3.5", "occupant"),
            ("公摊管理费", "management", "area", "shared", "0.8", "owner"),
            ("垃圾清运费", "paid_service", "fixed", "building", "15", "occupant"),
        ] {
            let input = FeeItemInput {
                project_id: p.id.to_string(),
                name: name.into(),
                kind: kind.into(),
                basis: basis.into(),
                area_basis: area.into(),
                cycle: "month".into(),
                payer: payer.into(),
                price: price.into(),
                due_days: "15".into(),
                active: true,
                ..Default::default()
            };
            create_item(db, &actor, &input).await.map_err(app)?;
        }
        for m in &months {
            let period = parse_period("month", &m.to_string()).map_err(|e| anyhow!("{e:?}"))?;
            lines += run_billing(db, &actor, p.id, period).await.map_err(app)?.lines_added;
        }
        // Four payers in five have paid everything but the current month.
        let f = LedgerFilter { project_id: Some(p.id), state: Some(LineState::Open), ..Default::default() };
        let mut open = Vec::new();
        for page in 1.. {
            let mut c = db.read().await?;
            let (p, _) = ledger(&mut c, &actor, &f, propdesk_store::Page::new(page, 500)).await?;
            let more = p.items.len() == 500;
            open.extend(p.items);
            if !more {
                break;
            }
        }
        let mut payers: Vec<i64> = open.iter().map(|l| l.payer_id).collect();
        payers.sort_unstable();
        payers.dedup();
        for (i, payer) in payers.iter().enumerate() {
            if i % 5 == 4 {
                continue;
            }
            let owed: i64 = open.iter().filter(|l| l.payer_id == *payer && l.period_key != this.to_string()).map(|l| l.balance()).sum();
            if owed == 0 {
                continue;
            }
            let input = PaymentInput {
                project_id: p.id.to_string(),
                payer_id: payer.to_string(),
                amount: propdesk_domain::billing::yuan_text(owed),
                method: if i % 2 == 0 { "cash".into() } else { "transfer".into() },
                reference: if i % 2 == 0 { String::new() } else { format!("ZH{:08}", payer * 7 + 1) },
                ..Default::default()
            };
            record(db, &actor, &input).await.map_err(app)?;
            paid += 1;
        }
        crate::ops::arrears::open_overdue(db, &actor, p.id).await.map_err(app)?;
    }
    Ok(format!("fees: 3 items per site, {} months billed ({lines} lines), {paid} payments, overdue payers have arrears cases", months.len()))
}

fn not_loaded(company: &str) -> String {
    format!("demo not loaded: the database already has data (company {company}); to reset a password: propdesk user passwd --username admin")
}

/// Terminal columns of a string: CJK and full-width characters take two.
fn width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

// ---------- the deterministic generator ----------

/// splitmix64: small, fast and good enough for demo data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in 0..n.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// A number in lo..=hi.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1).max(1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + (self.next() % 10) as u8)).collect()
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许",
    "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢",
    "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段",
    "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "莫", "孔", "向", "汤", "欧阳", "司马", "上官",
];
const MALE_1: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁",
    "龙", "峰", "毅", "彬",
];
const MALE_2: &[&str] = &[
    "建国", "志强", "建华", "国强", "海涛", "文博", "子轩", "宇航", "浩然", "俊杰", "志明", "永刚", "德胜", "立新", "振华", "建军", "晓东", "海波", "家豪",
    "明轩", "天佑", "博文", "亚军", "宏伟", "国栋", "春生", "树林", "卫东", "振宇", "思远",
];
const FEMALE_1: &[&str] =
    &["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "琳", "洁", "慧", "颖", "倩", "莉", "萍", "红", "燕", "晶", "琴", "岚", "蕾", "璐", "薇"];
const FEMALE_2: &[&str] = &[
    "秀英", "桂英", "玉兰", "欣怡", "雨涵", "梦琪", "思彤", "佳怡", "晓燕", "丽华", "淑珍", "春梅", "海燕", "文静", "雅琴", "凤霞", "秀兰", "婉清", "紫涵",
    "诗雨", "晓红", "美玲", "素芬", "若曦", "一诺",
];
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "178",
    "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199",
];
/// Administrative division codes for the first six digits of ID numbers (Beijing districts and
/// the provinces people commonly move to Beijing from).
const ID_REGIONS: &[&str] = &[
    "110115", "110115", "110105", "110108", "110106", "110102", "110114", "130602", "130104", "131082", "370102", "370602", "410105", "410302", "420106",
    "220102", "210102", "510104", "320106", "340104", "140105", "150102", "610113", "230103", "120104", "360102", "430103",
];
/// Where merchants outside the park's district registered (TAX-1 asks for local registration).
const OTHER_LICENCE_REGIONS: &[&str] = &["110105", "110108", "110106", "120116", "130602", "310115", "131082"];
/// Trade names (字号) of the demo merchants; invented, combined with an industry suffix.
const TRADE_NAMES: &[&str] = &[
    "鑫源", "华泰", "博远", "瑞丰", "金鼎", "海纳", "天祥", "恒信", "联创", "宏达", "润禾", "嘉禾", "明德", "星辰", "汇通", "弘毅", "致远", "聚贤", "云途",
    "百味", "盛世", "东方", "华夏", "金桥", "银河", "新锐", "智联", "众合", "和信", "安泰", "永盛", "丰泽", "华盛", "同创", "卓越", "领航", "远景", "优品",
    "佳美", "福满", "德润", "诚信", "鼎盛", "兴旺", "合众", "信达", "凯旋", "君和", "尚品", "万通", "昊天", "睿智", "思源", "启航", "拓普", "晨曦", "蓝海",
    "绿源", "青禾", "禾丰", "麦香", "品味", "悦享", "乐活", "康宁", "仁和", "益民", "惠民", "福瑞", "祥云", "紫金", "金辉", "银杏", "梧桐", "松柏", "翰墨",
    "书香", "艺彩", "墨韵", "匠心", "精工", "鸿运", "宏图", "大成", "中和", "正源", "方圆", "天成", "泰和", "京通", "燕华", "北辰", "南山", "西山", "东升",
    "光华", "建业", "荣达", "腾飞", "飞扬", "迅捷", "顺达", "畅通", "益康", "金穗", "春晖", "明远", "恒达", "诺亚", "赛维", "博瑞", "嘉和", "弘信", "亿家",
];

/// An industry: the end of the company name and the business type recorded on the party.
type Industry = (&'static str, &'static str);
const FOOD: &[Industry] =
    &[("餐饮管理有限公司", "餐饮"), ("餐饮有限公司", "餐饮"), ("食品有限公司", "餐饮"), ("咖啡有限公司", "餐饮"), ("火锅餐饮有限公司", "餐饮")];
const RETAIL: &[Industry] = &[
    ("商贸有限公司", "零售"),
    ("超市有限公司", "零售"),
    ("服饰有限公司", "零售"),
    ("眼镜有限公司", "零售"),
    ("花艺有限公司", "零售"),
    ("医药连锁有限公司", "医药零售"),
];
const SERVICE: &[Industry] = &[
    ("美容美发有限公司", "生活服务"),
    ("健身服务有限公司", "生活服务"),
    ("洗衣服务有限公司", "生活服务"),
    ("口腔门诊有限公司", "医疗服务"),
    ("家政服务有限公司", "生活服务"),
];
const EDUCATION: &[Industry] = &[("教育科技有限公司", "教育培训"), ("文化艺术培训有限公司", "教育培训"), ("体育文化发展有限公司", "教育培训")];
const FINANCE: &[Industry] = &[("保险代理有限公司", "金融服务"), ("投资咨询有限公司", "金融服务")];
const OFFICE: &[Industry] = &[
    ("科技有限公司", "科技"),
    ("信息技术有限公司", "信息技术"),
    ("网络科技有限公司", "互联网"),
    ("文化传媒有限公司", "文化传媒"),
    ("建筑设计有限公司", "设计"),
    ("企业管理咨询有限公司", "咨询"),
    ("财税咨询有限公司", "财税服务"),
    ("电子商务有限公司", "电子商务"),
    ("广告有限公司", "广告"),
    ("物流有限公司", "物流"),
    ("医疗器械有限公司", "医疗器械"),
    ("人力资源服务有限公司", "人力资源"),
    ("工程技术有限公司", "工程"),
    ("国际贸易有限公司", "贸易"),
    ("生物科技有限公司", "生物医药"),
];

fn industries(use_purpose: &str) -> &'static [Industry] {
    match use_purpose {
        "餐饮" => FOOD,
        "零售" => RETAIL,
        "生活服务" => SERVICE,
        "教育培训" => EDUCATION,
        "金融服务" => FINANCE,
        _ => OFFICE,
    }
}

/// Check character of an organisation code (GB 11714): weights over the eight body characters.
fn org_code_check(body8: &str) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body8.chars().zip(W).map(|(c, w)| c.to_digit(36).unwrap_or(0) * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

/// Check character of an 18-digit resident ID number (ISO 7064 MOD 11-2).
fn id_check(body17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body17.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
}

struct Person {
    surname: &'static str,
    name: String,
    male: bool,
}

/// The generator: a PRNG plus the values already handed out, so names, phones and licence
/// numbers do not repeat.
struct Gen {
    rng: Rng,
    names: HashSet<String>,
    phones: HashSet<String>,
    licences: HashSet<String>,
    companies: HashSet<String>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen { rng: Rng(seed), names: HashSet::new(), phones: HashSet::new(), licences: HashSet::new(), companies: HashSet::new() }
    }

    fn given(&mut self, male: bool) -> &'static str {
        match (male, self.rng.chance(40)) {
            (true, true) => self.rng.pick(MALE_1),
            (true, false) => self.rng.pick(MALE_2),
            (false, true) => self.rng.pick(FEMALE_1),
            (false, false) => self.rng.pick(FEMALE_2),
        }
    }

    /// A Chinese name; common surnames come up more often. Names are kept distinct when possible.
    fn person(&mut self, male: bool, surname: Option<&'static str>) -> Person {
        let mut tries = 0;
        loop {
            let s = surname.unwrap_or_else(|| {
                let (a, b) = (self.rng.below(SURNAMES.len()), self.rng.below(SURNAMES.len()));
                SURNAMES[a.min(b)]
            });
            let name = format!("{s}{}", self.given(male));
            tries += 1;
            if self.names.insert(name.clone()) || tries > 30 {
                return Person { surname: s, name, male };
            }
        }
    }

    fn name(&mut self) -> String {
        let male = self.rng.chance(55);
        self.person(male, None).name
    }

    fn mobile(&mut self) -> anyhow::Result<String> {
        loop {
            let p = format!("{}{}", self.rng.pick(MOBILE_PREFIXES), self.rng.digits(8));
            if self.phones.insert(p.clone()) {
                return valid_phone(&p);
            }
        }
    }

    /// A Beijing landline (010 and eight digits starting 5, 6 or 8).
    fn landline(&mut self) -> anyhow::Result<String> {
        loop {
            let p = format!("010-{}{}", self.rng.pick(&['5', '6', '8']), self.rng.digits(7));
            if self.phones.insert(p.clone()) {
                return valid_phone(&p);
            }
        }
    }

    fn id_card(&mut self, male: bool) -> anyhow::Result<String> {
        let region = self.rng.pick(ID_REGIONS);
        let birth = ymd(self.rng.range(1950, 1998) as i32, self.rng.range(1, 12) as u32, self.rng.range(1, 28) as u32);
        let order = self.rng.range(0, 99);
        let sex = self.rng.range(0, 4) * 2 + i64::from(male);
        let body = format!("{region}{}{order:02}{sex}", birth.format("%Y%m%d"));
        let no = format!("{body}{}", id_check(&body));
        id_card_no(&no).map_err(|r| anyhow!("demo generated a bad ID number {no}: {}", r.en()))
    }

    /// A unified social credit code (`91` enterprise + region + organisation code + check)
    /// and the organisation code it embeds, formatted `XXXXXXXX-X`.
    fn licence(&mut self, region: &str) -> anyhow::Result<(String, String)> {
        const BODY: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        loop {
            let body: String = if self.rng.chance(45) {
                // Codes issued since 2015 start with MA.
                let tail: String = (0..5).map(|_| char::from(BODY[self.rng.below(BODY.len())])).collect();
                format!("MA0{tail}")
            } else {
                format!("{}{}", self.rng.range(1, 9), self.rng.digits(7))
            };
            let org9 = format!("{body}{}", org_code_check(&body));
            let first17 = format!("91{region}{org9}");
            let check = uscc_check_char(&first17).ok_or_else(|| anyhow!("demo generated a bad credit code {first17}"))?;
            let licence = format!("{first17}{check}");
            LicenceNo::parse(&licence).map_err(|r| anyhow!("demo generated a bad licence {licence}: {}", r.en()))?;
            if self.licences.insert(licence.clone()) {
                return Ok((licence, format!("{}-{}", &org9[..8], &org9[8..])));
            }
        }
    }

    fn company_name(&mut self, suffix: &str) -> String {
        loop {
            let trade = self.rng.pick(TRADE_NAMES);
            let city = if self.rng.chance(80) { "北京" } else { "" };
            let name = format!("{city}{trade}{suffix}");
            if self.companies.insert(name.clone()) {
                return name;
            }
        }
    }

    /// A company party (ORG-2): licence, tax registration, organisation code, legal
    /// representative, business type, and its emergency contact.
    fn company(&mut self, name: String, business_type: &str, region: &str, key: bool, note: &str) -> anyhow::Result<NewParty> {
        let (licence, org_code) = self.licence(region)?;
        let phone = if self.rng.chance(60) { self.landline()? } else { self.mobile()? };
        let legal_rep = self.name();
        let mut notes: Vec<&str> = Vec::new();
        if !note.is_empty() {
            notes.push(note);
        }
        if !region.starts_with("11") {
            notes.push("注册地在外埠，已提示办理属地纳税登记");
        }
        if key {
            notes.push("重点客户：每季度走访一次，走访纪要存档");
        }
        let emergency = (self.name(), self.mobile()?);
        Ok(NewParty {
            data: PartyData {
                kind: PartyKind::Company,
                name,
                phone,
                email: None,
                id_card_no: None,
                tax_no: Some(licence.clone()),
                licence_no: Some(licence),
                org_code: Some(org_code),
                legal_rep: Some(legal_rep),
                business_type: Some(business_type.to_string()),
                key_customer: key,
                note: notes.join("；"),
            },
            emergency: Some(emergency),
            person: None,
        })
    }

    fn merchant(&mut self, industry: Industry, key: bool) -> anyhow::Result<NewParty> {
        let name = self.company_name(industry.0);
        let region = if self.rng.chance(85) { "110115" } else { self.rng.pick(OTHER_LICENCE_REGIONS) };
        self.company(name, industry.1, region, key, "")
    }

    /// A person party; about half come with their ID number.
    fn resident(&mut self, note: &str) -> anyhow::Result<NewParty> {
        let male = self.rng.chance(55);
        let p = self.person(male, None);
        let id = if self.rng.chance(50) { Some(self.id_card(male)?) } else { None };
        Ok(NewParty {
            data: PartyData {
                kind: PartyKind::Person,
                name: p.name.clone(),
                phone: self.mobile()?,
                email: None,
                id_card_no: id,
                licence_no: None,
                tax_no: None,
                org_code: None,
                legal_rep: None,
                business_type: None,
                key_customer: false,
                note: note.to_string(),
            },
            emergency: None,
            person: Some(p),
        })
    }
}

fn valid_phone(p: &str) -> anyhow::Result<String> {
    Phone::parse(p).map(Phone::into_inner).map_err(|r| anyhow!("demo generated a bad phone {p}: {}", r.en()))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("demo dates are valid calendar dates")
}

fn add_months(d: NaiveDate, n: i64) -> NaiveDate {
    let m = Months::new(n.unsigned_abs() as u32);
    if n >= 0 { d.checked_add_months(m) } else { d.checked_sub_months(m) }.expect("demo dates stay near the present")
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    let days = Days::new(n.unsigned_abs());
    if n >= 0 { d.checked_add_days(days) } else { d.checked_sub_days(days) }.expect("demo dates stay near the present")
}

/// Whole months from `a` to `b` (ignoring days).
fn months_between(a: NaiveDate, b: NaiveDate) -> i64 {
    i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month())
}

/// Monthly rent in fen from a daily rate in fen per m², rounded to whole yuan.
fn rent_from_daily(area_centi: i64, fen_per_m2_day: i64) -> i64 {
    let fen = area_centi * fen_per_m2_day * 365 / 1200;
    (fen + 50) / 100 * 100
}

fn certificate(g: &mut Gen, start: NaiveDate) -> String {
    format!("京({})大兴区不动产权第{:07}号", start.year(), g.rng.range(1, 9_999_999))
}

// ---------- staff and departments ----------

const DEPARTMENTS: &[(&str, &str)] =
    &[("MGT", "管理层"), ("CS", "客服部"), ("ENG", "工程部"), ("SEC", "安保部"), ("CLN", "保洁部"), ("FIN", "财务部"), ("LEA", "招商部"), ("PLN", "企划部")];

#[derive(Clone, Copy)]
enum Sites {
    Both,
    Park,
    Estate,
}

impl Sites {
    fn codes(self) -> &'static str {
        match self {
            Sites::Both => "HXGC,LHY",
            Sites::Park => "HXGC",
            Sites::Estate => "LHY",
        }
    }
}

struct StaffSpec {
    username: &'static str,
    name: &'static str,
    role: Role,
    dept: &'static str,
    sites: Sites,
}

const fn member(username: &'static str, name: &'static str, role: Role, dept: &'static str, sites: Sites) -> StaffSpec {
    StaffSpec { username, name, role, dept, sites }
}

/// Twenty staff: the customer-service centre (manager, supervisor, specialists, tax-source
/// specialist, receptionists) and the departments it dispatches to. Field staff work one site.
const STAFF: &[StaffSpec] = &[
    member("admin", "系统管理员", Role::Admin, "MGT", Sites::Both),
    member("wangjianguo", "王建国", Role::Manager, "CS", Sites::Both),
    member("liting", "李婷", Role::Supervisor, "CS", Sites::Both),
    member("zhangmin", "张敏", Role::Specialist, "CS", Sites::Both),
    member("chenjing", "陈静", Role::Specialist, "CS", Sites::Both),
    member("liuyang", "刘洋", Role::Specialist, "CS", Sites::Both),
    member("zhaolei", "赵磊", Role::TaxSpecialist, "CS", Sites::Both),
    member("yangxue", "杨雪", Role::Receptionist, "CS", Sites::Both),
    member("huangli", "黄丽", Role::Receptionist, "CS", Sites::Both),
    member("zhouqiang", "周强", Role::Engineering, "ENG", Sites::Park),
    member("wujun", "吴军", Role::Engineering, "ENG", Sites::Estate),
    member("xugang", "徐刚", Role::Security, "SEC", Sites::Park),
    member("guoliang", "郭亮", Role::Security, "SEC", Sites::Estate),
    member("sunxiuying", "孙秀英", Role::Cleaning, "CLN", Sites::Park),
    member("hemei", "何梅", Role::Cleaning, "CLN", Sites::Estate),
    member("mahong", "马红", Role::Finance, "FIN", Sites::Both),
    member("gaoyan", "高燕", Role::Finance, "FIN", Sites::Both),
    member("zhuwei", "朱伟", Role::Leasing, "LEA", Sites::Both),
    member("linfeng", "林峰", Role::Leasing, "LEA", Sites::Park),
    member("hulin", "胡琳", Role::Planning, "PLN", Sites::Both),
];

/// The department heads (部门负责人): one per department and site, who receive the department's
/// dispatches and online complaints; the other members hear of them on the complaint page.
const HEADS: &[&str] = &["zhouqiang", "wujun", "xugang", "guoliang", "sunxiuying", "hemei", "mahong", "zhuwei", "hulin"];

/// A password hash being computed on the blocking pool.
type Hashing = tokio::task::JoinHandle<anyhow::Result<String>>;

// ---------- the plan: what to write, before any id exists ----------

struct BuildingSpec {
    code: &'static str,
    name: &'static str,
    floors: i64,
}

struct UnitSpec {
    building: usize,
    unit_no: String,
    kind: UnitKind,
    use_purpose: &'static str,
    floor: i64,
    area: i64,
    usable: Option<i64>,
    land: Option<i64>,
    facilities: &'static str,
    handover: NaiveDate,
    /// Commercial units: asking rent in fen per m² per day.
    rate: i64,
}

struct NewParty {
    data: PartyData,
    emergency: Option<(String, String)>,
    person: Option<Person>,
}

struct OwnPlan {
    party: usize,
    start: NaiveDate,
    certificate: String,
}

struct LeasePlan {
    unit: usize,
    party: usize,
    start: NaiveDate,
    end: NaiveDate,
    fitout: FitoutState,
    rent: i64,
    note: &'static str,
}

struct ContactPlan {
    party: usize,
    kind: ContactKind,
    name: String,
    relation: &'static str,
    phone: String,
}

/// One project's data; party index 0 is the developer.
struct SitePlan {
    code: &'static str,
    name: &'static str,
    kind: ProjectKind,
    address: &'static str,
    buildings: Vec<BuildingSpec>,
    units: Vec<UnitSpec>,
    parties: Vec<NewParty>,
    /// Per unit, its owners oldest first.
    ownerships: Vec<Vec<OwnPlan>>,
    leases: Vec<LeasePlan>,
    contacts: Vec<ContactPlan>,
}

const SHOP_FACILITIES: &str = "独立电表、独立上下水、卷帘门、消防喷淋";
const FOOD_FACILITIES: &str = "独立电表、独立上下水、排油烟管道、燃气接口、隔油池";
const OFFICE_FACILITIES: &str = "中央空调、消防喷淋、网络及电话接口、独立电表";
const HOME_FACILITIES: &str = "燃气、集中供暖、可视对讲、有线电视、宽带接入";

/// 红星广场: two office towers with shops on the ground floor and a two-storey shopping street.
fn plan_park(g: &mut Gen, anchor: NaiveDate) -> anyhow::Result<SitePlan> {
    let y = anchor.year();
    let buildings = vec![
        BuildingSpec { code: "A", name: "A座写字楼", floors: 12 },
        BuildingSpec { code: "B", name: "B座写字楼", floors: 9 },
        BuildingSpec { code: "S", name: "商业街", floors: 2 },
    ];
    let handovers = [ymd(y - 8, 6, 30), ymd(y - 7, 9, 30), ymd(y - 9, 12, 20)];
    let land_ratio = [22, 25, 60];
    let mut units = Vec::new();
    let mut unit = |g: &mut Gen, b: usize, no: String, kind: UnitKind, use_purpose: &'static str, floor: i64, area: i64, rate: i64| {
        let usable_pct = if kind == UnitKind::Office { g.rng.range(72, 78) } else { g.rng.range(82, 88) };
        let facilities = match use_purpose {
            "餐饮" => FOOD_FACILITIES,
            "办公" => OFFICE_FACILITIES,
            _ => SHOP_FACILITIES,
        };
        units.push(UnitSpec {
            building: b,
            unit_no: no,
            kind,
            use_purpose,
            floor,
            area,
            usable: Some(area * usable_pct / 100),
            land: Some(area * land_ratio[b] / 100),
            facilities,
            handover: handovers[b],
            rate,
        });
    };
    // Towers: four shops on the ground floor, offices above (A from 3F, B from 2F).
    let tower_shops: [[&str; 4]; 2] = [["零售", "餐饮", "金融服务", "生活服务"], ["餐饮", "零售", "教育培训", "生活服务"]];
    let office_areas: [&[i64]; 2] = [&[18642, 9836, 13270, 13270, 9836, 18642], &[15620, 8845, 12030, 8845, 15620]];
    for (b, first_office_floor) in [(0usize, 3i64), (1, 2)] {
        let code = buildings[b].code;
        for (i, use_purpose) in tower_shops[b].into_iter().enumerate() {
            let area = g.rng.range(120, 260) * 100 + g.rng.range(0, 99);
            let rate = g.rng.range(600, 1100);
            unit(g, b, format!("{code}-1{:02}", i + 1), UnitKind::Shop, use_purpose, 1, area, rate);
        }
        for floor in first_office_floor..=buildings[b].floors {
            for (door, area) in office_areas[b].iter().enumerate() {
                let rate = if b == 0 { g.rng.range(330, 460) } else { g.rng.range(280, 380) };
                unit(g, b, format!("{code}-{floor}{:02}", door + 1), UnitKind::Office, "办公", floor, *area, rate);
            }
        }
    }
    // The shopping street: 28 shops on the ground floor, 18 upstairs.
    for (floor, count, uses) in [
        (1i64, 28usize, &["餐饮", "餐饮", "餐饮", "餐饮", "零售", "零售", "零售", "生活服务", "生活服务", "教育培训"][..]),
        (2, 18, &["餐饮", "餐饮", "餐饮", "教育培训", "教育培训", "教育培训", "生活服务", "生活服务", "零售", "零售"][..]),
    ] {
        for i in 1..=count {
            let use_purpose = g.rng.pick(uses);
            let (area, rate) = if floor == 1 {
                (g.rng.range(45, 180) * 100 + g.rng.range(0, 99), g.rng.range(500, 1000))
            } else {
                (g.rng.range(80, 320) * 100 + g.rng.range(0, 99), g.rng.range(300, 550))
            };
            unit(g, 2, format!("S-{floor}{i:02}"), UnitKind::Shop, use_purpose, floor, area, rate);
        }
    }

    // Ownership: the developer holds every unit from its handover (certificates per building).
    let mut ownerships = Vec::with_capacity(units.len());
    for u in &units {
        let cert = certificate(g, u.handover);
        ownerships.push(vec![OwnPlan { party: 0, start: u.handover, certificate: cert }]);
    }

    // Leases (ORG-3): about 80% of units let now, some with an earlier tenant or a renewal;
    // some vacant units with a tenant who moved out this year. Merchants are planned by
    // industry first and generated once it is known who is a key customer (ORG-5).
    let mut merchants: Vec<Industry> = Vec::new();
    let mut leases: Vec<LeasePlan> = Vec::new();
    let mut units_of: Vec<u32> = Vec::new();
    let mut new_merchant = |g: &mut Gen, use_purpose: &str, units_of: &mut Vec<u32>| {
        merchants.push(g.rng.pick(industries(use_purpose)));
        units_of.push(0);
        merchants.len() // party index: the developer is 0
    };
    let mut neighbour: Option<(usize, usize, NaiveDate, NaiveDate, FitoutState)> = None;
    for (i, u) in units.iter().enumerate() {
        let earliest = add_months(u.handover, 1);
        // An office tenant often takes the next office on the floor too.
        if let Some((pi, party, start, end, fitout)) = neighbour {
            let p = &units[pi];
            if u.kind == UnitKind::Office && p.building == u.building && p.floor == u.floor && units_of[party - 1] < 3 && g.rng.chance(22) {
                leases.push(LeasePlan {
                    unit: i, party, start, end, fitout, rent: rent_from_daily(u.area, u.rate), note: "与相邻单元同一租户，合并使用"
                });
                units_of[party - 1] += 1;
                neighbour = Some((i, party, start, end, fitout));
                continue;
            }
        }
        neighbour = None;
        if g.rng.chance(80) {
            let term = match u.kind {
                UnitKind::Shop if u.area >= 15000 => 60,
                UnitKind::Shop => 36,
                _ => g.rng.pick(&[24, 36, 36]),
            };
            let months_ago = g.rng.range(0, term - 2);
            let mut start = add_months(anchor, -months_ago);
            if months_ago >= 1 && g.rng.chance(30) {
                start = add_days(start, 15);
            }
            let end = add_days(add_months(start, term), -1);
            let fitout = match months_ago {
                0..=2 if g.rng.chance(25) => FitoutState::Bare,
                0..=2 => FitoutState::Fitting,
                _ => FitoutState::Done,
            };
            let rent = rent_from_daily(u.area, u.rate);
            let party = new_merchant(g, u.use_purpose, &mut units_of);
            let history = g.rng.below(100);
            if history < 15 {
                let pstart = add_months(start, -36);
                if pstart >= earliest {
                    leases.push(LeasePlan {
                        unit: i,
                        party,
                        start: pstart,
                        end: add_days(start, -1),
                        fitout: FitoutState::Done,
                        rent: rent * 92 / 10000 * 100,
                        note: "首期租约，期满续租",
                    });
                }
            } else if history < 50 {
                let pend = add_days(add_months(start, -g.rng.range(1, 4)), -1);
                let pstart = add_months(add_days(pend, 1), -g.rng.pick(&[24, 36]));
                if pstart >= earliest {
                    let previous = new_merchant(g, u.use_purpose, &mut units_of);
                    let note = if g.rng.chance(30) { "提前退租，押金已结清" } else { "租期届满退租" };
                    leases.push(LeasePlan {
                        unit: i,
                        party: previous,
                        start: pstart,
                        end: pend,
                        fitout: FitoutState::Done,
                        rent: rent * 90 / 10000 * 100,
                        note,
                    });
                }
            }
            let note = match fitout {
                FitoutState::Done => "",
                _ => "新签租约，装修免租期一个月",
            };
            leases.push(LeasePlan { unit: i, party, start, end, fitout, rent, note });
            units_of[party - 1] += 1;
            if u.kind == UnitKind::Office {
                neighbour = Some((i, party, start, end, fitout));
            }
        } else if g.rng.chance(50) {
            let pend = add_days(add_months(anchor, -g.rng.range(1, 10)), -1);
            let pstart = add_months(add_days(pend, 1), -36);
            if pstart >= earliest {
                let previous = new_merchant(g, u.use_purpose, &mut units_of);
                leases.push(LeasePlan {
                    unit: i,
                    party: previous,
                    start: pstart,
                    end: pend,
                    fitout: FitoutState::Done,
                    rent: rent_from_daily(u.area, u.rate) * 90 / 10000 * 100,
                    note: "已退租，单元空置招商中",
                });
            }
        }
    }

    // Key customers: the merchants renting the most floor space now, and a few others.
    let now = today();
    let mut current_area = vec![0i64; merchants.len() + 1];
    for l in &leases {
        if l.start <= now && now <= l.end {
            current_area[l.party] += units[l.unit].area;
        }
    }
    let mut parties = Vec::with_capacity(merchants.len() + 1);
    parties.push(g.company("北京红星置业发展有限公司".into(), "房地产开发", "110115", false, "园区开发商，持有园区全部商铺及写字间产权")?);
    let mut contacts = Vec::new();
    for (i, industry) in merchants.iter().enumerate() {
        let area = current_area[i + 1];
        let key = area >= 30000 || (area > 0 && g.rng.chance(6));
        parties.push(g.merchant(*industry, key)?);
        if g.rng.chance(35) {
            let relation = g.rng.pick(&["行政经理", "店长", "财务负责人", "办公室主任"]);
            contacts.push(ContactPlan { party: i + 1, kind: ContactKind::Contact, name: g.name(), relation, phone: g.mobile()? });
        }
    }
    Ok(SitePlan {
        code: "HXGC",
        name: "红星广场",
        kind: ProjectKind::Commercial,
        address: "北京市大兴区红星路88号",
        buildings,
        units,
        parties,
        ownerships,
        leases,
        contacts,
    })
}

/// 丽湖苑: six ten-storey buildings of five homes a floor, and an underground car park.
fn plan_estate(g: &mut Gen, anchor: NaiveDate) -> anyhow::Result<SitePlan> {
    let y = anchor.year();
    let mut buildings: Vec<BuildingSpec> = ["1", "2", "3", "4", "5", "6"]
        .iter()
        .zip(["1号楼", "2号楼", "3号楼", "4号楼", "5号楼", "6号楼"])
        .map(|(code, name)| BuildingSpec { code, name, floors: 10 })
        .collect();
    buildings.push(BuildingSpec { code: "P", name: "地下车库", floors: 1 });
    let first_phase = ymd(y - 8, 12, 28);
    let second_phase = ymd(y - 6, 6, 30);
    // Same layout up a stack; phase two has other plans.
    let stacks: [[i64; 5]; 2] = [[12856, 8932, 14318, 8932, 12856], [13522, 9046, 11687, 9046, 13522]];
    let mut units = Vec::new();
    for b in 0..6 {
        let handover = if b < 3 { first_phase } else { second_phase };
        for floor in 1..=10i64 {
            for door in 1..=5usize {
                let area = stacks[b / 3][door - 1];
                units.push(UnitSpec {
                    building: b,
                    unit_no: format!("{}-{floor}{door:02}", b + 1),
                    kind: UnitKind::Residence,
                    use_purpose: "住宅",
                    floor,
                    area,
                    usable: Some(area * 79 / 100),
                    land: Some(area * 45 / 100),
                    facilities: HOME_FACILITIES,
                    handover,
                    rate: 0,
                });
            }
        }
    }
    let homes = units.len();
    for i in 1..=30 {
        let area = g.rng.range(3200, 3800);
        units.push(UnitSpec {
            building: 6,
            unit_no: format!("B1-{i:03}"),
            kind: UnitKind::Parking,
            use_purpose: "车位",
            floor: -1,
            area,
            usable: Some(1250),
            land: None,
            facilities: if i % 5 == 0 { "充电桩" } else { "" },
            handover: second_phase,
            rate: 0,
        });
    }

    let mut parties = vec![g.company("北京丽湖房地产开发有限公司".into(), "房地产开发", "110115", false, "丽湖苑开发商，持有未售房屋及车位")?];
    let mut ownerships: Vec<Vec<OwnPlan>> = Vec::with_capacity(units.len());
    let mut leases = Vec::new();
    let mut contacts = Vec::new();
    let mut owners: Vec<usize> = Vec::new();
    let mut residents: Vec<usize> = Vec::new();

    let add_household = |g: &mut Gen, parties: &mut Vec<NewParty>, contacts: &mut Vec<ContactPlan>, note: &str, occupant_pct: u64| -> anyhow::Result<usize> {
        let p = g.resident(note)?;
        let idx = parties.len();
        if let Some(person) = &p.person {
            if g.rng.chance(occupant_pct) {
                let (relation, other) = match g.rng.below(3) {
                    0 => ("配偶", g.person(!person.male, None)),
                    1 => ("子女", {
                        let male = g.rng.chance(50);
                        g.person(male, Some(person.surname))
                    }),
                    _ => ("父母", {
                        let male = g.rng.chance(50);
                        g.person(male, Some(person.surname))
                    }),
                };
                contacts.push(ContactPlan { party: idx, kind: ContactKind::Occupant, name: other.name, relation, phone: g.mobile()? });
            }
            if g.rng.chance(30) {
                let relation = g.rng.pick(&["子女", "兄弟姐妹", "亲属", "朋友"]);
                contacts.push(ContactPlan { party: idx, kind: ContactKind::Emergency, name: g.name(), relation, phone: g.mobile()? });
            }
        }
        parties.push(p);
        Ok(idx)
    };

    for (i, u) in units.iter().enumerate().take(homes) {
        let move_in = add_days(u.handover, g.rng.range(0, 120));
        let mut history: Vec<OwnPlan> = Vec::new();
        let mut second_home = false;
        if g.rng.chance(3) {
            // Unsold at handover; the developer holds it, and has since sold some.
            history.push(OwnPlan { party: 0, start: u.handover, certificate: certificate(g, u.handover) });
            if g.rng.chance(50) {
                let t = add_months(anchor, -g.rng.range(2, 24));
                let buyer = add_household(g, &mut parties, &mut contacts, "", 40)?;
                owners.push(buyer);
                history.push(OwnPlan { party: buyer, start: t, certificate: certificate(g, t) });
            }
        } else {
            second_home = !owners.is_empty() && g.rng.chance(7);
            let owner = if second_home { g.rng.pick(&owners) } else { add_household(g, &mut parties, &mut contacts, "", 40)? };
            owners.push(owner);
            history.push(OwnPlan { party: owner, start: move_in, certificate: certificate(g, move_in) });
            // A resale (二手房过户) after at least two years.
            let held = months_between(move_in, anchor);
            if !second_home && held > 30 && g.rng.chance(5) {
                let t = add_days(add_months(move_in, g.rng.range(24, held - 2)), g.rng.range(0, 20));
                let buyer = add_household(g, &mut parties, &mut contacts, "二手房购入", 40)?;
                owners.push(buyer);
                history.push(OwnPlan { party: buyer, start: t, certificate: certificate(g, t) });
            }
        }
        let owner_since = history.last().map(|o| o.start).unwrap_or(u.handover);
        let owner_is_person = history.last().is_some_and(|o| o.party != 0);
        // An owner's second home is more often let out.
        let let_pct = if second_home && history.len() == 1 { 60 } else { 13 };
        ownerships.push(history);

        // Tenants (about 15%): one- or two-year leases, some after an earlier tenant.
        if owner_is_person && g.rng.chance(let_pct) {
            let months_ago = g.rng.range(0, 20);
            let term = if months_ago >= 12 { 24 } else { g.rng.pick(&[12, 12, 24]) };
            let start = if months_ago >= 1 { add_days(add_months(anchor, -months_ago), g.rng.range(0, 14)) } else { anchor };
            if start <= add_months(owner_since, 1) {
                continue;
            }
            let end = add_days(add_months(start, term), -1);
            let rent = (u.area * g.rng.range(45, 70) + 5000) / 10000 * 10000;
            let tenant = add_household(g, &mut parties, &mut contacts, "租户", 25)?;
            residents.push(tenant);
            if g.rng.chance(30) {
                let pend = add_days(start, -g.rng.range(5, 60));
                let pstart = add_months(add_days(pend, 1), -12);
                if pstart > add_months(owner_since, 1) {
                    let previous = add_household(g, &mut parties, &mut contacts, "原租户，已退租", 0)?;
                    leases.push(LeasePlan {
                        unit: i,
                        party: previous,
                        start: pstart,
                        end: pend,
                        fitout: FitoutState::Done,
                        rent: rent - 20000,
                        note: "租期届满退租",
                    });
                }
            }
            leases.push(LeasePlan { unit: i, party: tenant, start, end, fitout: FitoutState::Done, rent, note: "" });
        }
    }
    residents.extend(owners.iter().copied());

    // Parking (FEE-9): the developer owns the spaces; some are sold to residents, some rented
    // by the year, the rest vacant.
    for (i, u) in units.iter().enumerate().skip(homes) {
        let mut history = vec![OwnPlan { party: 0, start: u.handover, certificate: certificate(g, u.handover) }];
        let r = g.rng.below(100);
        if r < 55 {
            let held = months_between(u.handover, anchor);
            let t = add_days(add_months(u.handover, g.rng.range(1, held - 1)), g.rng.range(0, 20));
            let buyer = g.rng.pick(&owners);
            history.push(OwnPlan { party: buyer, start: t, certificate: certificate(g, t) });
        } else if r < 82 {
            let start = add_months(anchor, -g.rng.range(0, 11));
            let rent = g.rng.range(6, 9) * 5000;
            let renter = g.rng.pick(&residents);
            if g.rng.chance(50) {
                leases.push(LeasePlan {
                    unit: i,
                    party: renter,
                    start: add_months(start, -12),
                    end: add_days(start, -1),
                    fitout: FitoutState::Done,
                    rent,
                    note: "车位年租",
                });
            }
            leases.push(LeasePlan {
                unit: i,
                party: renter,
                start,
                end: add_days(add_months(start, 12), -1),
                fitout: FitoutState::Done,
                rent,
                note: "车位年租",
            });
        }
        ownerships.push(history);
    }
    Ok(SitePlan {
        code: "LHY",
        name: "丽湖苑",
        kind: ProjectKind::Residential,
        address: "北京市大兴区丽湖路16号",
        buildings,
        units,
        parties,
        ownerships,
        leases,
        contacts,
    })
}

// ---------- writing ----------

#[derive(Default)]
struct Counts {
    buildings: usize,
    unit_kinds: Vec<(UnitKind, usize)>,
    units: usize,
    parties: usize,
    companies: usize,
    key_customers: usize,
    contacts: usize,
    ownerships: usize,
    transfers: usize,
    leases: usize,
    current_leases: usize,
}

struct Summary {
    departments: usize,
    staff: usize,
    sites: Vec<(String, String, Counts)>,
}

impl Summary {
    fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("{} departments, {} staff", self.departments, self.staff)];
        for (code, name, c) in &self.sites {
            let kinds: Vec<String> = c.unit_kinds.iter().map(|(k, n)| format!("{} {n}", k.code())).collect();
            out.push(format!(
                "{code} {name}: buildings {}, units {} ({}), parties {} (companies {}, key customers {}), contacts {}, ownership records {} (transfers {}), leases {} (current {})",
                c.buildings,
                c.units,
                kinds.join(", "),
                c.parties,
                c.companies,
                c.key_customers,
                c.contacts,
                c.ownerships,
                c.transfers,
                c.leases,
                c.current_leases
            ));
        }
        out
    }
}

fn app(e: AppError) -> anyhow::Error {
    match e {
        AppError::Internal(e) => e,
        AppError::Invalid(f) => anyhow!("demo data refused: {f}"),
        other => anyhow!("demo data refused: {other:?}"),
    }
}

async fn log(
    tx: &mut Tx,
    actor: &Actor,
    project_id: Option<i64>,
    entity: &str,
    entity_id: i64,
    action: &str,
    payload: serde_json::Value,
) -> anyhow::Result<()> {
    event::append(tx, actor, Utc::now(), NewEvent { project_id, entity, entity_id, action, payload }).await?;
    Ok(())
}

async fn load(tx: &mut Tx, hashes: Vec<Hashing>) -> anyhow::Result<Summary> {
    let now = Utc::now();
    let company_id = org::insert_company(tx, COMPANY, now).await?;
    let mut actor = Actor { staff_id: 0, name: "demo".into(), company_id, role: Role::Admin, projects: Vec::new() };
    log(tx, &actor, None, "company", company_id, "created", json!({"name": COMPANY, "source": "demo"})).await?;

    let mut departments = Vec::with_capacity(DEPARTMENTS.len());
    for (code, name) in DEPARTMENTS {
        let id = staff::insert_department(tx, company_id, code, name).await?;
        log(tx, &actor, None, "department", id, "created", json!({"code": code, "name": name})).await?;
        departments.push((*code, id));
    }

    let anchor = today().with_day(1).expect("the first of the month exists");
    let mut g = Gen::new(SEED);
    let plans = [plan_park(&mut g, anchor)?, plan_estate(&mut g, anchor)?];

    let mut project_ids = Vec::with_capacity(plans.len());
    for p in &plans {
        let id = org::insert_project(tx, &NewProject { company_id, code: p.code, name: p.name, kind: p.kind, address: p.address }, now).await?;
        log(tx, &actor, Some(id), "project", id, "created", json!({"code": p.code, "name": p.name, "kind": p.kind.code()})).await?;
        project_ids.push(id);
    }
    actor.projects = project_ids.clone();

    let mut sites = Vec::with_capacity(plans.len());
    for (plan, project_id) in plans.iter().zip(&project_ids) {
        let counts = write_site(tx, &actor, *project_id, plan).await?;
        sites.push((plan.code.to_string(), plan.name.to_string(), counts));
    }

    for (s, hashing) in STAFF.iter().zip(hashes) {
        let hash = hashing.await??;
        let department_id = departments.iter().find(|d| d.0 == s.dept).map(|d| d.1);
        let phone = if s.role == Role::Admin { String::new() } else { g.mobile()? };
        let data = StaffData { username: s.username, display_name: s.name, department_id, role: s.role, phone: &phone, active: true };
        let id = staff::insert(tx, company_id, &data, &hash, now).await?;
        let projects: Vec<i64> = match s.sites {
            Sites::Both => project_ids.clone(),
            Sites::Park => vec![project_ids[0]],
            Sites::Estate => vec![project_ids[1]],
        };
        staff::set_projects(tx, id, &projects).await?;
        let head = HEADS.contains(&s.username);
        if head {
            staff::set_department_head(tx, id, true).await?;
        }
        log(
            tx,
            &actor,
            None,
            "staff",
            id,
            "created",
            json!({"username": s.username, "role": s.role.code(), "department_id": department_id, "department_head": head, "projects": projects}),
        )
        .await?;
    }
    Ok(Summary { departments: departments.len(), staff: STAFF.len(), sites })
}

async fn write_site(tx: &mut Tx, actor: &Actor, project_id: i64, plan: &SitePlan) -> anyhow::Result<Counts> {
    let now = Utc::now();
    let mut c = Counts::default();
    let mut building_ids = Vec::with_capacity(plan.buildings.len());
    for b in &plan.buildings {
        let id = org::insert_building(tx, project_id, b.code, b.name, b.floors, now).await?;
        log(tx, actor, Some(project_id), "building", id, "created", json!({"code": b.code, "name": b.name, "floors": b.floors})).await?;
        building_ids.push(id);
    }
    c.buildings = building_ids.len();

    let mut unit_ids = Vec::with_capacity(plan.units.len());
    for u in &plan.units {
        let data = UnitData {
            building_id: building_ids[u.building],
            unit_no: u.unit_no.clone(),
            kind: u.kind,
            use_purpose: u.use_purpose.to_string(),
            floor: u.floor,
            building_area: u.area,
            usable_area: u.usable,
            land_area: u.land,
            facilities: u.facilities.to_string(),
            handover_date: Some(u.handover),
        };
        let (id, _) = insert_unit_tx(tx, actor, &data).await.map_err(app)?;
        unit_ids.push(id);
    }
    c.units = unit_ids.len();
    for k in UnitKind::ALL {
        let n = plan.units.iter().filter(|u| u.kind == *k).count();
        if n > 0 {
            c.unit_kinds.push((*k, n));
        }
    }

    let mut party_ids = Vec::with_capacity(plan.parties.len());
    for p in &plan.parties {
        let id = insert_party_tx(tx, actor, project_id, &p.data, p.emergency.as_ref()).await.map_err(app)?;
        party_ids.push(id);
        if p.data.kind == PartyKind::Company {
            c.companies += 1;
        }
        if p.data.key_customer {
            c.key_customers += 1;
        }
    }
    c.parties = party_ids.len();
    c.contacts = plan.parties.iter().filter(|p| p.emergency.is_some()).count();

    for k in &plan.contacts {
        let party_id = party_ids[k.party];
        org::insert_contact(tx, party_id, k.kind, &k.name, k.relation, &k.phone, now).await?;
        log(tx, actor, Some(project_id), "party", party_id, "contact_added", json!({"kind": k.kind.code(), "name": k.name, "relation": k.relation})).await?;
        c.contacts += 1;
    }

    // ORG-3: ownership, a transfer closing the previous record the day before.
    for (u, history) in plan.ownerships.iter().enumerate() {
        let unit_id = unit_ids[u];
        let mut previous: Option<(i64, NaiveDate)> = None;
        for o in history {
            let party_id = party_ids[o.party];
            if let Some((prev_id, prev_start)) = previous {
                let end =
                    rules::transfer_end_of_previous(prev_start, o.start).map_err(|r| anyhow!("demo ownership of {}: {}", plan.units[u].unit_no, r.en()))?;
                org::close_ownership(tx, prev_id, end).await?;
            }
            let id = org::insert_ownership(tx, unit_id, party_id, o.start, &o.certificate, now).await?;
            let action = if previous.is_some() { "ownership_transferred" } else { "owner_registered" };
            log(tx, actor, Some(project_id), "unit", unit_id, action,
                json!({"ownership_id": id, "party_id": party_id, "party": plan.parties[o.party].data.name, "start_date": o.start, "previous_ownership_id": previous.map(|p| p.0)})).await?;
            if previous.is_some() {
                c.transfers += 1;
            }
            c.ownerships += 1;
            previous = Some((id, o.start));
        }
    }

    // ORG-3: leases, oldest first per unit, never overlapping.
    let mut order: Vec<&LeasePlan> = plan.leases.iter().collect();
    order.sort_by_key(|l| (l.unit, l.start));
    let today = today();
    let mut periods: Vec<Period> = Vec::new();
    let mut last_unit = usize::MAX;
    for l in order {
        if l.unit != last_unit {
            periods.clear();
            last_unit = l.unit;
        }
        let period = Period::new(l.start, Some(l.end)).map_err(|r| anyhow!("demo lease of {}: {}", plan.units[l.unit].unit_no, r.en()))?;
        if let Some(other) = rules::lease_conflict(&period, &periods) {
            return Err(anyhow!("demo lease of {} overlaps {other:?}", plan.units[l.unit].unit_no));
        }
        periods.push(period);
        let (unit_id, party_id) = (unit_ids[l.unit], party_ids[l.party]);
        let data = LeaseData { unit_id, party_id, start: l.start, end: Some(l.end), fitout: l.fitout, monthly_rent: Some(l.rent), note: l.note.to_string() };
        let id = org::insert_lease(tx, &data, now).await?;
        log(tx, actor, Some(project_id), "unit", unit_id, "lease_created",
            json!({"lease_id": id, "party_id": party_id, "party": plan.parties[l.party].data.name, "start_date": l.start, "end_date": l.end, "fitout": l.fitout.code(), "monthly_rent": l.rent})).await?;
        c.leases += 1;
        if period.contains(today) {
            c.current_leases += 1;
        }
    }
    Ok(c)
}
