//! The working-day calendar (法定节假日 / 调休上班日) of a company and the calendar settings of a
//! project (time zone, working hours, deadline policies). Every change needs
//! `Permission::ManageCalendar` and writes an event; the calendar's events are on the entity
//! `calendar` with the company's id, a project's on `project`.

use crate::error::{AppError, AppResult};
use crate::ops::import::{Col, RowError, col, table};
use calamine::{Data, Range};
use chrono::{Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::calendar::{ExceptionDay, shipped_days};
use propdesk_domain::sla::{POLICY_ITEMS, PolicyValue};
use propdesk_domain::values;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::calendar::{self as store, SettingsData, parse_hhmm};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::{Db, Tx};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The years a calendar may hold.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The longest name of a day.
const NAME_MAX: usize = 20;

fn require(actor: &Actor) -> AppResult<()> {
    if actor.can(Permission::ManageCalendar) { Ok(()) } else { Err(AppError::Forbidden) }
}

async fn log_calendar(tx: &mut Tx, actor: &Actor, action: &str, payload: serde_json::Value) -> AppResult<()> {
    event::append(tx, actor, Utc::now(), NewEvent { project_id: None, entity: "calendar", entity_id: actor.company_id, action, payload }).await?;
    Ok(())
}

const BAD_KIND: Reason = Reason::Invalid("类型应为放假或上班", "must be 放假 (day off) or 上班 (working day)");

/// What a day is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaySetting {
    /// A day off (法定节假日 or a day of its holiday period).
    Holiday,
    /// A working day; on a weekend a make-up working day (调休上班).
    Working,
    /// Back to the weekday rule (Monday–Friday working).
    Default,
}

impl DaySetting {
    /// A code of the form (`holiday`, `working`, `default`) or a Chinese word of an import file
    /// (放假 / 上班, with their common variants).
    pub fn parse(s: &str) -> Result<DaySetting, Reason> {
        match s.trim() {
            "holiday" | "放假" | "休" | "休息" | "假" | "假日" | "节假日" | "休息日" => Ok(DaySetting::Holiday),
            "working" | "上班" | "班" | "调休上班" | "上班日" | "工作日" => Ok(DaySetting::Working),
            "default" | "默认" | "恢复默认" => Ok(DaySetting::Default),
            "" => Err(Reason::Required),
            _ => Err(BAD_KIND),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            DaySetting::Holiday => "holiday",
            DaySetting::Working => "working",
            DaySetting::Default => "default",
        }
    }
}

/// The exception to store for a date set to `setting`, or None when the date simply follows the
/// weekday rule (a working weekday, or "default"). An empty name gets a plain one.
pub fn exception_for(date: NaiveDate, setting: DaySetting, name: &str) -> Option<ExceptionDay> {
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    let name = name.trim();
    match setting {
        DaySetting::Holiday => Some(ExceptionDay { date, working: false, name: if name.is_empty() { "放假".into() } else { name.into() } }),
        DaySetting::Working if weekend => Some(ExceptionDay { date, working: true, name: if name.is_empty() { "调休上班".into() } else { name.into() } }),
        DaySetting::Working | DaySetting::Default => None,
    }
}

fn parse_name(s: &str) -> Result<String, Reason> {
    values::opt_text(s, NAME_MAX).map(Option::unwrap_or_default)
}

fn parse_year(s: &str) -> Result<i32, Reason> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    t.parse::<i32>().ok().filter(|y| YEARS.contains(y)).ok_or(Reason::Invalid("年份应为 2000–2100", "must be a year from 2000 to 2100"))
}

fn check_year(date: NaiveDate) -> Result<NaiveDate, Reason> {
    if YEARS.contains(&date.year()) { Ok(date) } else { Err(Reason::Invalid("年份应为 2000–2100", "must be a year from 2000 to 2100")) }
}

fn day_json(d: Option<&ExceptionDay>) -> serde_json::Value {
    match d {
        Some(d) => json!({"working": d.working, "name": d.name}),
        None => serde_json::Value::Null,
    }
}

/// Puts a date to `setting` inside a transaction; returns the exception before and after.
async fn put(tx: &mut Tx, company_id: i64, date: NaiveDate, setting: DaySetting, name: &str) -> AppResult<(Option<ExceptionDay>, Option<ExceptionDay>)> {
    let before = store::day(tx, company_id, date).await?;
    let after = exception_for(date, setting, name);
    match &after {
        Some(d) => store::put_day(tx, company_id, d).await?,
        None => {
            store::delete_day(tx, company_id, date).await?;
        }
    }
    Ok((before, after))
}

/// A correction of one day, as typed on the calendar page.
#[derive(Debug, Clone, Default)]
pub struct DayInput {
    pub date: String,
    /// `holiday`, `working` or `default`.
    pub kind: String,
    pub name: String,
}

/// Sets one day of an entered year. A year nobody has entered must be added first, so a
/// single correction never makes a year look entered.
pub async fn set_day(db: &Db, actor: &Actor, input: &DayInput) -> AppResult<()> {
    require(actor)?;
    let mut errs = FieldErrors::new();
    let date = errs.take("date", values::date(&input.date).and_then(check_year));
    let setting = errs.take("kind", DaySetting::parse(&input.kind));
    let name = errs.take("name", parse_name(&input.name));
    let (Some(date), Some(setting), Some(name)) = (date, setting, name) else { return Err(errs.into()) };
    let mut tx = db.begin().await?;
    if !store::year_entered(&mut tx, actor.company_id, date.year()).await? {
        return Err(FieldErrors::single(
            "date",
            Reason::Invalid("该年份的日历未录入，请先添加年份", "the calendar of this year is not entered; add the year first"),
        )
        .into());
    }
    let (before, after) = put(&mut tx, actor.company_id, date, setting, &name).await?;
    log_calendar(
        &mut tx,
        actor,
        "day_set",
        json!({"date": date, "setting": setting.code(), "before": day_json(before.as_ref()), "after": day_json(after.as_ref())}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a year: with the State Council's days when propdesk ships them, else empty (every
/// weekday working) for the admin to fill in or import.
pub async fn add_year(db: &Db, actor: &Actor, year: &str) -> AppResult<i32> {
    require(actor)?;
    let year = parse_year(year).map_err(|r| FieldErrors::single("year", r))?;
    let mut tx = db.begin().await?;
    if !store::enter_year_with_shipped(&mut tx, actor.company_id, year).await? {
        return Err(FieldErrors::single("year", Reason::Duplicate).into());
    }
    let shipped = shipped_days(year).len();
    log_calendar(&mut tx, actor, "year_added", json!({"year": year, "shipped_days": shipped})).await?;
    tx.commit().await?;
    Ok(year)
}

// ---------- import ----------

pub const DAY_COLS: &[Col] = &[col("日期", "日期", "date", true), col("类型(放假/上班)", "类型", "kind", true), col("名称", "名称", "name", false)];

/// One parsed row of a calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub date: NaiveDate,
    pub setting: DaySetting,
    pub name: String,
}

/// Parses a calendar sheet (columns 日期, 类型 (放假/上班), 名称); every problem is reported.
pub fn parse_days(range: &Range<Data>) -> Result<Vec<(u32, DayRow)>, Vec<RowError>> {
    let t = table(range, DAY_COLS)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<NaiveDate, u32> = HashMap::new();
    for (row, cells) in &t.rows {
        let mut e = FieldErrors::new();
        let date = e.take("date", values::date(t.get(cells, "date")).and_then(check_year));
        // A file sets days off and working days; "back to default" is for the page only.
        let setting = e.take(
            "kind",
            match DaySetting::parse(t.get(cells, "kind")) {
                Ok(DaySetting::Default) => Err(BAD_KIND),
                r => r,
            },
        );
        let name = e.take("name", parse_name(t.get(cells, "name")));
        for fe in &e.0 {
            let column = DAY_COLS.iter().find(|c| c.field == fe.field).map(|c| c.name).unwrap_or("");
            errors.push(RowError::new(*row, column, fe.reason.zh()));
        }
        if let (Some(date), Some(setting), Some(name)) = (date, setting, name) {
            match seen.get(&date) {
                Some(first) => errors.push(RowError::new(*row, "日期", format!("与第 {first} 行的日期重复"))),
                None => {
                    seen.insert(date, *row);
                    out.push((*row, DayRow { date, setting, name }));
                }
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// What a calendar import did: the days set and the years of the file, or why nothing was saved.
pub type DaysImported = Result<(usize, Vec<i32>), Vec<RowError>>;

/// Imports a calendar sheet, all or nothing: every year in the file becomes entered, every row
/// sets its date (dates not in the file keep what they had).
pub async fn import_days(db: &Db, actor: &Actor, file_name: &str, range: &Range<Data>) -> AppResult<DaysImported> {
    require(actor)?;
    let rows = match parse_days(range) {
        Ok(rows) => rows,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut tx = db.begin().await?;
    let years: BTreeSet<i32> = rows.iter().map(|(_, r)| r.date.year()).collect();
    for y in &years {
        store::enter_year(&mut tx, actor.company_id, *y).await?;
    }
    for (_, r) in &rows {
        put(&mut tx, actor.company_id, r.date, r.setting, &r.name).await?;
    }
    log_calendar(&mut tx, actor, "imported", json!({"file": file_name, "count": rows.len(), "years": years})).await?;
    tx.commit().await?;
    Ok(Ok((rows.len(), years.into_iter().collect())))
}

/// Reads a CSV file (UTF-8, with or without BOM, or the GB18030/GBK that Chinese Excel saves)
/// into a sheet, so it goes through the same checks as an .xlsx file.
pub fn csv_sheet(bytes: &[u8]) -> Range<Data> {
    let text: String = match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    };
    let rows = parse_csv(&text);
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if rows.is_empty() || width == 0 {
        return Range::empty();
    }
    let mut r = Range::new((0, 0), (rows.len() as u32 - 1, width as u32 - 1));
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if !v.is_empty() {
                r.set_value((i as u32, j as u32), Data::String(v.clone()));
            }
        }
    }
    r
}

/// RFC 4180: comma-separated, fields optionally in double quotes with `""` for a quote.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

// ---------- project settings ----------

/// A project's settings as typed: time zone, working hours and, per policy key
/// (`sla::POLICY_ITEMS`), its number and unit. A policy not given keeps its value.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub timezone: String,
    pub working_start: String,
    pub working_end: String,
    pub policies: BTreeMap<String, (String, String)>,
}

/// The form field of a policy's number (its unit is `u_<key>`).
pub fn policy_field(key: &str) -> String {
    format!("p_{key}")
}

/// Saves a project's time zone, working hours and deadline policies, if nobody changed the
/// project since `version` was read (409 otherwise).
pub async fn update_settings(db: &Db, actor: &Actor, project_id: i64, version: i64, input: &SettingsInput) -> AppResult<()> {
    require(actor)?;
    let mut tx = db.begin().await?;
    let current = store::project_settings(&mut tx, actor, project_id).await?.ok_or(AppError::NotFound)?;
    let mut errs = FieldErrors::new();
    let tz = errs.take(
        "timezone",
        match input.timezone.trim() {
            "" => Err(Reason::Required),
            s => s.parse::<Tz>().map_err(|_| Reason::Invalid("不是有效的时区名称（例如 Asia/Shanghai）", "is not a time zone name (e.g. Asia/Shanghai)")),
        },
    );
    let time = |s: &str| match s.trim() {
        "" => Err(Reason::Required),
        t => parse_hhmm(t).ok_or(Reason::Invalid("时间格式应为 HH:MM", "must be a time as HH:MM")),
    };
    let start = errs.take("working_start", time(&input.working_start));
    let end = errs.take("working_end", time(&input.working_end));
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        errs.push("working_end", Reason::Invalid("下班时间应晚于上班时间", "must be after the start of working hours"));
    }
    let before = current.policies().map_err(|e| AppError::Internal(anyhow::anyhow!("stored policies of project {project_id}: {e}")))?;
    let mut policies = before.clone();
    let mut changed = serde_json::Map::new();
    for item in POLICY_ITEMS {
        let Some((n, unit)) = input.policies.get(item.key) else { continue };
        if let Some(v) = errs.take(&policy_field(item.key), item.parse(n, unit)) {
            let old = policies.get(item.key);
            policies.set(item.key, v);
            if old != Some(v) {
                changed.insert(item.key.to_string(), json!({"from": old.map(policy_label), "to": policy_label(v)}));
            }
        }
    }
    let (Some(tz), Some(start), Some(end)) = (tz, start, end) else { return Err(errs.into()) };
    errs.into_result()?;
    let data = SettingsData { timezone: tz.name(), working_start: start, working_end: end, policies: &policies };
    if !store::update_project_settings(&mut tx, project_id, version, &data).await? {
        return Err(AppError::Conflict("项目设置已被他人修改，请刷新后重试".into()));
    }
    let payload = json!({
        "timezone": {"from": current.timezone, "to": tz.name()},
        "working_hours": {"from": format!("{}–{}", current.working_start, current.working_end), "to": format!("{}–{}", start.format("%H:%M"), end.format("%H:%M"))},
        "policies": changed,
    });
    event::append(
        &mut tx,
        actor,
        Utc::now(),
        NewEvent { project_id: Some(project_id), entity: "project", entity_id: project_id, action: "settings_updated", payload },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A policy value in words, for the event log.
fn policy_label(v: PolicyValue) -> String {
    match v {
        PolicyValue::Clock(c) => c.label(false),
        PolicyValue::Count(n) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn sheet(rows: &[&[&str]]) -> Range<Data> {
        let mut r = Range::new((0, 0), (rows.len() as u32 - 1, 2));
        for (i, row) in rows.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    r.set_value((i as u32, j as u32), Data::String((*v).to_string()));
                }
            }
        }
        r
    }

    #[test]
    fn cmp_6_a_working_weekday_is_the_default_and_a_working_weekend_a_make_up_day() {
        assert_eq!(exception_for(d("2027-10-01"), DaySetting::Working, "x"), None, "a Friday works anyway");
        assert_eq!(exception_for(d("2027-10-01"), DaySetting::Default, ""), None);
        let sat = exception_for(d("2027-10-09"), DaySetting::Working, "").expect("make-up day");
        assert_eq!((sat.working, sat.name.as_str()), (true, "调休上班"));
        let hol = exception_for(d("2027-10-02"), DaySetting::Holiday, " 国庆节 ").expect("holiday");
        assert_eq!((hol.working, hol.name.as_str()), (false, "国庆节"));
    }

    #[test]
    fn cmp_6_calendar_rows_are_checked_and_located() {
        let ok = parse_days(&sheet(&[&["日期", "类型（放假/上班）", "名称"], &["2027-10-01", "放假", "国庆节"], &["2027/10/09", "上班", ""]])).expect("valid");
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[1].0, ok[1].1.date, ok[1].1.setting), (3, d("2027-10-09"), DaySetting::Working));
        let errors = parse_days(&sheet(&[
            &["日期", "类型", "名称"],
            &["2027-10-01", "放假", "国庆节"],
            &["2027-13-01", "放假", ""],
            &["2027-10-02", "请假", ""],
            &["2027-10-01", "上班", ""],
            &["2027-10-03", "", ""],
        ]))
        .expect_err("invalid");
        let has = |row: u32, col: &str| errors.iter().any(|e| e.row == row && e.column == col);
        assert!(has(3, "日期") && has(4, "类型") && has(5, "日期") && has(6, "类型"), "{errors:?}");
        assert!(!errors.iter().any(|e| e.row == 2), "{errors:?}");
        let missing = parse_days(&sheet(&[&["日期", "名称"], &["2027-10-01", "x"]])).expect_err("no kind column");
        assert_eq!(missing[0].column, "类型");
    }

    #[test]
    fn csv_files_read_as_sheets_in_utf8_and_gbk() {
        let text = "\u{feff}日期,类型,名称\r\n2027-10-01,放假,\"国庆节,中秋节\"\r\n2027-10-09,上班,\r\n";
        let rows = parse_days(&csv_sheet(text.as_bytes())).expect("utf-8");
        assert_eq!(rows[0].1.name, "国庆节,中秋节");
        assert_eq!(rows.len(), 2);
        let (gbk, _, bad) = encoding_rs::GBK.encode("日期,类型,名称\n2027-02-06,放假,春节\n");
        assert!(!bad);
        let rows = parse_days(&csv_sheet(&gbk)).expect("gbk");
        assert_eq!((rows[0].1.date, rows[0].1.name.as_str()), (d("2027-02-06"), "春节"));
        assert!(parse_days(&csv_sheet(b"")).is_err());
    }
}
