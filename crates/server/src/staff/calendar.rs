//! The working-day calendar page (a year as twelve months, with corrections, years and an
//! import) and a project's settings page (time zone, working hours, deadline policies).
//! Everyone may look at the calendar; changing anything needs `Permission::ManageCalendar`.

use super::import::{MAX_FILE_BYTES, Upload, first_sheet, read_upload};
use super::{Errs, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::calendar::{self as ops, DAY_COLS, DayInput, SettingsInput, YEARS, policy_field};
use crate::ops::import::RowError;
use crate::ops::org::today;
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, Weekday};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::calendar::{Calendar, DayKind};
use propdesk_domain::sla::{CLOCK_UNITS, POLICY_ITEMS, PolicyItem, PolicyKind, PolicyValue};
use propdesk_store::models::calendar::{self as store, ProjectSettings};
use propdesk_store::models::event::{self, Event};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(page))
        .route("/calendar/days", post(set_day))
        .route("/calendar/years", post(add_year))
        .route("/calendar/import", post(import).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 1024 * 1024)))
        .route("/calendar/template", get(template))
        .route("/projects/{id}/settings", get(settings).post(save_settings))
}

// ---------- the year ----------

/// How a day is shown: its class (the colour) and its words (never colour alone).
#[derive(Debug, Clone)]
pub struct DayCell {
    pub day: u32,
    pub date: NaiveDate,
    /// `work`, `weekend`, `holiday` or `makeup`.
    pub class: &'static str,
    /// The short text in the cell.
    pub tag: String,
    /// The full description (tooltip).
    pub title: String,
}

pub struct MonthGrid {
    pub month: u32,
    /// Weeks from Monday; None pads the first and last week.
    pub weeks: Vec<Vec<Option<DayCell>>>,
}

/// An exception day of the year, for the list under the grid.
pub struct DayLine {
    pub date: NaiveDate,
    pub weekday: &'static str,
    pub class: &'static str,
    pub kind: &'static str,
    pub name: String,
}

const WEEKDAYS_ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
const WEEKDAYS_EN: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

fn weekday_label(d: NaiveDate, en: bool) -> &'static str {
    let i = d.weekday().num_days_from_monday() as usize;
    if en { WEEKDAYS_EN[i] } else { WEEKDAYS_ZH[i] }
}

/// (class, words) of a date in a calendar.
fn classify(cal: &Calendar, d: NaiveDate, en: bool) -> (&'static str, String, String) {
    match cal.exception(d) {
        Some(DayKind::Holiday(name)) => ("holiday", name.clone(), format!("{} · {name}", if en { "Day off" } else { "放假" })),
        Some(DayKind::Workday(name)) => (
            "makeup",
            if en { "Make-up".to_string() } else { "调休上班".to_string() },
            format!("{} · {name}", if en { "Make-up working day" } else { "调休上班" }),
        ),
        None if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) => {
            ("weekend", if en { "Weekend" } else { "周末" }.to_string(), if en { "Weekend" } else { "周末休息" }.to_string())
        }
        None => ("work", if en { "Work" } else { "工作日" }.to_string(), if en { "Working day" } else { "工作日" }.to_string()),
    }
}

fn months(cal: &Calendar, year: i32, en: bool) -> Vec<MonthGrid> {
    let mut out = Vec::with_capacity(12);
    for month in 1..=12 {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else { continue };
        let mut weeks: Vec<Vec<Option<DayCell>>> = Vec::new();
        let mut week: Vec<Option<DayCell>> = vec![None; first.weekday().num_days_from_monday() as usize];
        let mut d = first;
        while d.month() == month && d.year() == year {
            let (class, tag, what) = classify(cal, d, en);
            let title = format!("{} {} · {what}", d, weekday_label(d, en));
            week.push(Some(DayCell { day: d.day(), date: d, class, tag, title }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        if !week.is_empty() {
            week.resize(7, None);
            weeks.push(week);
        }
        out.push(MonthGrid { month, weeks });
    }
    out
}

#[derive(Template)]
#[template(path = "staff/calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    year: i32,
    entered: bool,
    years: Vec<i32>,
    months: Vec<MonthGrid>,
    lines: Vec<DayLine>,
    can_edit: bool,
    /// The day form's values and every form's errors.
    v: FormData,
    errs: Errs,
    /// The year the "add a year" form proposes.
    next_year: i32,
    file_name: String,
    message: String,
    import_errors: Vec<RowError>,
    imported: Option<usize>,
    history: Vec<Event>,
    weekdays: [&'static str; 7],
    today: NaiveDate,
}

impl CalendarPage {
    /// "calendar for YYYY not entered" (日历未录入).
    fn banner(&self) -> String {
        if self.ctx.en() { format!("Calendar for {} not entered", self.year) } else { format!("{} 年日历未录入", self.year) }
    }
    fn month_title(&self, m: &u32) -> String {
        if self.ctx.en() { format!("{}-{m:02}", self.year) } else { format!("{m} 月") }
    }
    fn is_today(&self, d: &NaiveDate) -> bool {
        *d == self.today
    }
    fn is_year(&self, y: &i32) -> bool {
        *y == self.year
    }
    fn kind_is(&self, k: &str) -> bool {
        self.v.get("kind") == k
    }
    fn holidays(&self) -> usize {
        self.lines.iter().filter(|l| l.class == "holiday").count()
    }
    fn makeups(&self) -> usize {
        self.lines.iter().filter(|l| l.class == "makeup").count()
    }
}

/// The year of the URL (`?year=`), else this year.
fn year_of(m: &HashMap<String, String>) -> i32 {
    m.get("year").and_then(|y| y.trim().parse::<i32>().ok()).filter(|y| YEARS.contains(y)).unwrap_or_else(|| today().year())
}

async fn calendar_page(state: &AppState, ctx: Ctx, year: i32, v: FormData, errs: FieldErrors) -> AppResult<CalendarPage> {
    let mut c = state.db.read().await?;
    let company = ctx.actor.company_id;
    let cal = store::load(&mut c, company).await?;
    let years = store::years(&mut c, company).await?;
    let en = ctx.en();
    let lines = store::days_of_year(&mut c, company, year)
        .await?
        .into_iter()
        .map(|d| DayLine {
            date: d.date,
            weekday: weekday_label(d.date, en),
            class: if d.working { "makeup" } else { "holiday" },
            kind: if d.working { ctx.t("调休上班") } else { ctx.t("放假") },
            name: d.name,
        })
        .collect();
    let mut history = event::for_entity(&mut c, "calendar", company).await?;
    history.reverse();
    history.truncate(20);
    let next_year = if cal.year_entered(year) { years.iter().max().map(|y| y + 1).unwrap_or(year) } else { year };
    let can_edit = ctx.actor.can(Permission::ManageCalendar);
    let errs = Errs::new(errs, ctx.lang);
    Ok(CalendarPage {
        year,
        entered: cal.year_entered(year),
        years,
        months: months(&cal, year, en),
        lines,
        can_edit,
        v,
        errs,
        next_year,
        file_name: String::new(),
        message: String::new(),
        import_errors: Vec::new(),
        imported: None,
        history,
        weekdays: if en { WEEKDAYS_EN } else { WEEKDAYS_ZH },
        today: today(),
        ctx,
    })
}

/// `GET /calendar?year=2026[&date=2026-10-10]` — the year; `date` fills the correction form.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(m): Query<HashMap<String, String>>) -> AppResult<Response> {
    let year = year_of(&m);
    let mut v = vec![("kind".to_string(), "holiday".to_string())];
    if let Some(d) = m.get("date").and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()) {
        v.push(("date".into(), d.to_string()));
    }
    let mut p = calendar_page(&state, ctx, year, FormData(v), FieldErrors::new()).await?;
    p.imported = m.get("imported").and_then(|n| n.parse().ok());
    Ok(render(&p))
}

/// `POST /calendar/days` — `date`, `kind` (holiday / working / default), `name`.
pub async fn set_day(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageCalendar)?;
    let input = DayInput { date: form.get("date").into(), kind: form.get("kind").into(), name: form.get("name").into() };
    let year = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d").map(|d| d.year()).ok().filter(|y| YEARS.contains(y)).unwrap_or_else(|| today().year());
    match ops::set_day(&state.db, &ctx.actor, &input).await {
        Ok(()) => Ok(saved(&format!("/calendar?year={year}"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&calendar_page(&state, ctx, year, form, e).await?)),
        Err(e) => Err(e),
    }
}

/// `POST /calendar/years` — `year`.
pub async fn add_year(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageCalendar)?;
    match ops::add_year(&state.db, &ctx.actor, form.get("year")).await {
        Ok(year) => Ok(saved(&format!("/calendar?year={year}"))),
        Err(AppError::Invalid(e)) => {
            let year = form.get("year").trim().parse::<i32>().ok().filter(|y| YEARS.contains(y)).unwrap_or_else(|| today().year());
            Ok(render_invalid(&calendar_page(&state, ctx, year, form, e).await?))
        }
        Err(e) => Err(e),
    }
}

/// `GET /calendar/template` — an empty calendar file with its headers.
pub async fn template(ctx: Ctx) -> AppResult<Response> {
    ctx.require(Permission::ManageCalendar)?;
    let headers: Vec<&str> = DAY_COLS.iter().map(|c| c.template).collect();
    let example = [vec!["2027-01-01".to_string(), "放假".to_string(), "元旦".to_string()]];
    Ok(xlsx_response(xlsx::sheet("工作日历", &headers, example.into_iter())?, "工作日历导入模板.xlsx"))
}

/// `POST /calendar/import` (multipart: `_csrf`, `year` (the page to return to), `file` (.xlsx or .csv)).
pub async fn import(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    ctx.require(Permission::ManageCalendar)?;
    let Upload { fields, file_name, bytes, too_large } = read_upload(&ctx, mp).await?;
    let year = year_of(&fields);
    let mut p = calendar_page(&state, ctx, year, FormData::default(), FieldErrors::new()).await?;
    p.file_name = file_name.clone();
    let refuse = |mut p: CalendarPage, msg: &'static str| {
        p.message = p.ctx.t(msg).to_string();
        render_invalid(&p)
    };
    if too_large {
        return Ok(refuse(p, "文件不能超过 5 MB"));
    }
    if file_name.is_empty() || bytes.is_empty() {
        return Ok(refuse(p, "请选择要上传的文件"));
    }
    let lower = file_name.to_lowercase();
    let range = if lower.ends_with(".xlsx") {
        match first_sheet(bytes).await {
            Ok(r) => r,
            Err(msg) => return Ok(refuse(p, msg)),
        }
    } else if lower.ends_with(".csv") {
        ops::csv_sheet(&bytes)
    } else {
        return Ok(refuse(p, "只支持 .xlsx 或 .csv 文件"));
    };
    match ops::import_days(&state.db, &p.ctx.actor, &file_name, &range).await? {
        // Back to the page it came from when the file is about that year, else to the file's first year.
        Ok((n, years)) => {
            let to = if years.contains(&year) { year } else { years.first().copied().unwrap_or(year) };
            Ok(Redirect::to(&format!("/calendar?year={to}&imported={n}")).into_response())
        }
        Err(errors) => {
            p.import_errors = errors;
            Ok(render_invalid(&p))
        }
    }
}

// ---------- project settings ----------

/// Time zones offered on the form (any IANA name is accepted).
const ZONES: &[&str] = &["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Singapore", "UTC"];

#[derive(Template)]
#[template(path = "staff/project_settings.html")]
struct SettingsPage {
    ctx: Ctx,
    project: ProjectSettings,
    v: FormData,
    errs: Errs,
    items: &'static [PolicyItem],
    units: &'static [(&'static str, &'static str, &'static str)],
    zones: &'static [&'static str],
    history: Vec<Event>,
    can_edit: bool,
}

impl SettingsPage {
    fn n(&self, key: &str) -> &str {
        self.v.get(&policy_field(key))
    }
    fn unit_is(&self, key: &str, unit: &str) -> bool {
        self.v.get(&format!("u_{key}")) == unit
    }
    fn err(&self, key: &str) -> String {
        self.errs.msg(&policy_field(key))
    }
    fn cls(&self, key: &str) -> &'static str {
        self.errs.cls(&policy_field(key))
    }
    fn is_clock(&self, item: &PolicyItem) -> bool {
        item.kind == PolicyKind::Clock
    }
    fn count_unit(&self, item: &PolicyItem) -> &'static str {
        match item.kind {
            PolicyKind::People => self.ctx.t("人"),
            _ => self.ctx.t("天"),
        }
    }
    fn unit_label(&self, u: &(&'static str, &'static str, &'static str)) -> &'static str {
        if self.ctx.en() { u.2 } else { u.1 }
    }
}

fn settings_values(p: &ProjectSettings) -> AppResult<FormData> {
    let policies = p.policies().map_err(|e| AppError::Internal(anyhow::anyhow!("stored policies of project {}: {e}", p.id)))?;
    let hours = p.hours();
    let mut v = vec![
        ("timezone".to_string(), p.tz().name().to_string()),
        ("working_start".to_string(), hours.start.format("%H:%M").to_string()),
        ("working_end".to_string(), hours.end.format("%H:%M").to_string()),
        ("version".to_string(), p.version.to_string()),
    ];
    for item in POLICY_ITEMS {
        match policies.get(item.key) {
            Some(PolicyValue::Clock(c)) => {
                v.push((policy_field(item.key), c.n().to_string()));
                v.push((format!("u_{}", item.key), c.unit().to_string()));
            }
            Some(PolicyValue::Count(n)) => v.push((policy_field(item.key), n.to_string())),
            None => {}
        }
    }
    Ok(FormData(v))
}

async fn settings_page(state: &AppState, ctx: Ctx, id: i64, v: Option<FormData>, errs: FieldErrors) -> AppResult<SettingsPage> {
    let mut c = state.db.read().await?;
    let project = store::project_settings(&mut c, &ctx.actor, id).await?.ok_or(AppError::NotFound)?;
    let v = match v {
        Some(v) => v,
        None => settings_values(&project)?,
    };
    let history = event::for_entity(&mut c, "project", id).await?.into_iter().filter(|e| e.action == "settings_updated").rev().take(20).collect();
    let can_edit = ctx.actor.can(Permission::ManageCalendar);
    Ok(SettingsPage { errs: Errs::new(errs, ctx.lang), ctx, project, v, items: POLICY_ITEMS, units: CLOCK_UNITS, zones: ZONES, history, can_edit })
}

/// `GET /projects/{id}/settings` — time zone, working hours and every deadline policy.
pub async fn settings(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(render(&settings_page(&state, ctx, id, None, FieldErrors::new()).await?))
}

fn settings_input(f: &FormData) -> SettingsInput {
    SettingsInput {
        timezone: f.get("timezone").into(),
        working_start: f.get("working_start").into(),
        working_end: f.get("working_end").into(),
        policies: POLICY_ITEMS
            .iter()
            .filter(|i| f.0.iter().any(|(k, _)| *k == policy_field(i.key)))
            .map(|i| (i.key.to_string(), (f.get(&policy_field(i.key)).to_string(), f.get(&format!("u_{}", i.key)).to_string())))
            .collect(),
    }
}

pub async fn save_settings(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageCalendar)?;
    let version = form.get("version").trim().parse().unwrap_or(0);
    match ops::update_settings(&state.db, &ctx.actor, id, version, &settings_input(&form)).await {
        Ok(()) => Ok(saved(&format!("/projects/{id}/settings"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&settings_page(&state, ctx, id, Some(form), e).await?)),
        Err(e) => Err(e),
    }
}
