//! CMP-13 / CMP-17 / RPT-2: complaint reports — the monthly complaint list (月度投诉一览表)
//! with the departments' rectification plans, the classified statistics (顾客投诉分类统计表)
//! with a server-rendered SVG bar chart and its numbers in a table, the valid-complaint handling
//! rate and the complaint callback rate computed from the data; the weekly report and the
//! annual summary (satisfaction, key cases). Printable and exported to Excel.
//! CMP-15: the month's public notice of common complaints, composed, published and printed.

use super::{Q, TZ, q, render, render_invalid, saved, xlsx_response};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult, esc};
use crate::ops::callback::{days_range, is_customer_service, is_manager, month_range};
use crate::state::AppState;
use crate::xlsx::{self, Sheet};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use propdesk_domain::callback::callback_rate_percent;
use propdesk_domain::complaint::{ComplaintStatus, ImportantKind, MajorReason, Severity};
use propdesk_domain::values::{self, Month};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::report::{self, ClassCount, ListItem, Notice, PlanItem, Range};
use propdesk_store::{AsEx, Db};
use serde_json::json;
use std::collections::HashMap;
/// The most complaints a report lists on screen (the Excel export carries up to `xlsx::MAX_ROWS`).
const SCREEN_ROWS: i64 = 2_000;
/// CMP-17 targets (per cent).
pub const HANDLING_TARGET: f64 = 95.0;
pub const CALLBACK_TARGET: f64 = 100.0;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/complaints", get(complaints_report))
        .route("/reports/notice", get(notice_page).post(save_notice))
        .route("/reports/notice/{id}", get(notice_print))
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&TZ).date_naive()
}

/// The report's project: the URL's (if allowed), the switcher's, or the first.
pub fn report_project(ctx: &Ctx, m: &HashMap<String, String>) -> AppResult<i64> {
    match m.get("project_id").and_then(|v| v.trim().parse::<i64>().ok()) {
        Some(p) if ctx.actor.sees_project(p) => Ok(p),
        Some(_) => Err(AppError::NotFound),
        None => ctx.project_id.or_else(|| ctx.projects.first().map(|p| p.id)).ok_or(AppError::NotFound),
    }
}

// ---------- the period ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month(Month),
    /// Seven days from this date.
    Week(NaiveDate),
    Year(i32),
}

impl Period {
    /// From the query: `month=YYYY-MM` (default), `period=week&from=YYYY-MM-DD`, `period=year&year=YYYY`.
    pub fn parse(m: &HashMap<String, String>) -> Result<Period, (Period, FieldErrors)> {
        let t = today();
        match q(m, "period") {
            "week" => {
                let monday = t - Duration::days(t.weekday().num_days_from_monday() as i64);
                if q(m, "from").trim().is_empty() {
                    return Ok(Period::Week(monday));
                }
                values::date(q(m, "from")).map(Period::Week).map_err(|r| (Period::Week(monday), FieldErrors::single("from", r)))
            }
            "year" => {
                if q(m, "year").trim().is_empty() {
                    return Ok(Period::Year(t.year()));
                }
                q(m, "year")
                    .trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|y| (1900..=2999).contains(y))
                    .map(Period::Year)
                    .ok_or((Period::Year(t.year()), FieldErrors::single("year", Reason::Invalid("年份格式应为 YYYY", "must be a year as YYYY"))))
            }
            _ => {
                if q(m, "month").trim().is_empty() {
                    return Ok(Period::Month(Month::of(t)));
                }
                Month::parse(q(m, "month")).map(Period::Month).map_err(|r| (Period::Month(Month::of(t)), FieldErrors::single("month", r)))
            }
        }
    }
    pub fn range(self) -> Range {
        let (from, to) = match self {
            Period::Month(m) => month_range(m, TZ),
            Period::Week(d) => days_range(d, d + Duration::days(6), TZ),
            Period::Year(y) => days_range(Month { year: y, month: 1 }.first_day(), Month { year: y, month: 12 }.last_day(), TZ),
        };
        Range { from, to }
    }
    pub fn code(self) -> &'static str {
        match self {
            Period::Month(_) => "month",
            Period::Week(_) => "week",
            Period::Year(_) => "year",
        }
    }
    pub fn label(self) -> String {
        match self {
            Period::Month(m) => m.to_string(),
            Period::Week(d) => format!("{d} – {}", d + Duration::days(6)),
            Period::Year(y) => y.to_string(),
        }
    }
    /// The query string that shows this period again.
    pub fn query(self) -> String {
        match self {
            Period::Month(m) => format!("month={m}"),
            Period::Week(d) => format!("period=week&from={d}"),
            Period::Year(y) => format!("period=year&year={y}"),
        }
    }
}

// ---------- the report ----------

/// One row of the classified statistics: a class and its counts per status.
pub struct ClassRow {
    pub label: String,
    pub cells: Vec<i64>,
    pub total: i64,
}

/// The targets, computed from the counts (RPT-2).
#[derive(Debug, Clone, Default)]
pub struct Rates {
    pub total: i64,
    pub invalid: i64,
    pub valid: i64,
    pub handled: i64,
    /// None when there was no valid complaint.
    pub handling: Option<f64>,
    pub cb_due: i64,
    pub cb_done: i64,
    pub cb_waived: i64,
    pub callback: f64,
    pub rated: i64,
    pub satisfied: i64,
    pub satisfaction: Option<f64>,
}

impl Rates {
    pub fn handling_met(&self) -> bool {
        self.handling.is_none_or(|r| r >= HANDLING_TARGET)
    }
    pub fn callback_met(&self) -> bool {
        self.callback >= CALLBACK_TARGET
    }
}

pub fn pct_of(v: &f64) -> String {
    format!("{v:.1}%")
}

pub fn pct(v: &Option<f64>) -> String {
    v.map(|x| format!("{x:.1}%")).unwrap_or_else(|| "—".into())
}

/// One complaint of the list, with its departments' plans and results.
pub struct ListRow {
    pub item: ListItem,
    pub class: String,
    pub departments: String,
    pub plans: String,
    pub results: String,
}

pub struct Report {
    pub project_id: i64,
    pub project_name: String,
    pub period: Period,
    pub statuses: Vec<String>,
    pub classes: Vec<ClassRow>,
    pub status_totals: Vec<i64>,
    pub rates: Rates,
    pub list: Vec<ListRow>,
    pub truncated: bool,
    pub key_cases: Vec<ListRow>,
    /// Year: complaints per month.
    pub per_month: Vec<(String, i64)>,
    pub chart: String,
    pub month_chart: String,
}

fn class_label(severity: Severity, sub: Option<&str>, en: bool) -> String {
    match (severity, sub) {
        (Severity::General, _) => Severity::General.label(en).to_string(),
        (s, Some(x)) => format!("{} · {x}", s.label(en)),
        (s, None) => format!("{} · {}", s.label(en), if en { "unclassified" } else { "未分类" }),
    }
}

/// The fixed rows of the classified statistics: general; important by kind; major by reason.
fn classify(counts: &[ClassCount], en: bool) -> (Vec<ClassRow>, Vec<i64>) {
    let statuses = ComplaintStatus::ALL;
    let mut keys: Vec<(Severity, Option<&'static str>, String)> = vec![(Severity::General, None, class_label(Severity::General, None, en))];
    for k in ImportantKind::ALL {
        keys.push((Severity::Important, Some(k.code()), class_label(Severity::Important, Some(k.label(en)), en)));
    }
    keys.push((Severity::Important, None, class_label(Severity::Important, None, en)));
    for r in MajorReason::ALL {
        keys.push((Severity::Major, Some(r.code()), class_label(Severity::Major, Some(r.label(en)), en)));
    }
    keys.push((Severity::Major, None, class_label(Severity::Major, None, en)));
    let mut rows: Vec<ClassRow> = keys.iter().map(|(_, _, l)| ClassRow { label: l.clone(), cells: vec![0; statuses.len()], total: 0 }).collect();
    for c in counts {
        let Ok(sev) = Severity::parse(&c.severity) else { continue };
        let sub = match sev {
            Severity::General => None,
            Severity::Important => c.important_kind.as_deref(),
            Severity::Major => c.major_reason.as_deref(),
        };
        let idx = keys
            .iter()
            .position(|(s, k, _)| *s == sev && (sev == Severity::General || *k == sub))
            .or_else(|| keys.iter().position(|(s, k, _)| *s == sev && k.is_none()));
        let Some(i) = idx else { continue };
        if let Some(j) = statuses.iter().position(|s| s.code() == c.status) {
            rows[i].cells[j] += c.n;
            rows[i].total += c.n;
        }
    }
    let totals = (0..statuses.len()).map(|j| rows.iter().map(|r| r.cells[j]).sum()).chain(std::iter::once(rows.iter().map(|r| r.total).sum())).collect();
    (rows, totals)
}

fn list_rows(items: Vec<ListItem>, plans: &[PlanItem], en: bool) -> Vec<ListRow> {
    let mut by: HashMap<i64, Vec<&PlanItem>> = HashMap::new();
    for p in plans {
        by.entry(p.complaint_id).or_default().push(p);
    }
    items
        .into_iter()
        .map(|item| {
            let mine = by.get(&item.id).cloned().unwrap_or_default();
            let join = |f: &dyn Fn(&PlanItem) -> &str| {
                mine.iter().filter(|p| !f(p).is_empty()).map(|p| format!("{}：{}", p.department, f(p))).collect::<Vec<_>>().join("；")
            };
            let sev = Severity::parse(&item.severity).unwrap_or(Severity::General);
            let sub = match sev {
                Severity::General => None,
                Severity::Important => item.important_kind.as_deref().and_then(|k| ImportantKind::parse(k).ok()).map(|k| k.label(en)),
                Severity::Major => item.major_reason.as_deref().and_then(|k| MajorReason::parse(k).ok()).map(|k| k.label(en)),
            };
            ListRow {
                class: class_label(sev, sub, en),
                departments: mine.iter().map(|p| p.department.as_str()).collect::<Vec<_>>().join("、"),
                plans: join(&|p| &p.plan),
                results: join(&|p| &p.result),
                item,
            }
        })
        .collect()
}

/// A horizontal bar chart as SVG (UI.md: charts server-rendered, numbers in a table below).
pub fn bar_chart(title: &str, bars: &[(String, i64)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let (row, label_w, bar_w) = (22, 190, 420);
    let width = label_w + bar_w + 70;
    let height = bars.len() * row + 10;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = 5 + i * row;
        let w = ((*n as f64 / max as f64) * bar_w as f64).round() as usize;
        s.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#1f2328">{}</text><rect x="{label_w}" y="{}" width="{w}" height="14" fill="#1d5fa8"></rect><text x="{}" y="{}" font-size="12" fill="#1f2328">{n}</text>"##,
            label_w - 8,
            y + 12,
            esc(label),
            y + 1,
            label_w + w + 6,
            y + 12,
        ));
    }
    s.push_str("</svg>");
    s
}

/// Builds a report: every number from set-based queries over the period's complaints.
pub async fn build(c: &mut impl AsEx, ctx: &Ctx, project_id: i64, period: Period, list_limit: i64) -> AppResult<Report> {
    let en = ctx.en();
    let r = period.range();
    let actor = &ctx.actor;
    let counts = report::class_counts(c, actor, project_id, r).await?;
    let (classes, status_totals) = classify(&counts, en);
    let rc = report::rate_counts(c, actor, project_id, r).await?;
    let cc = report::callback_counts(c, actor, project_id, r, Utc::now()).await?;
    let valid = rc.total - rc.invalid;
    let rates = Rates {
        total: rc.total,
        invalid: rc.invalid,
        valid,
        handled: rc.handled,
        handling: (valid > 0).then(|| rc.handled as f64 * 100.0 / valid as f64),
        cb_due: cc.due,
        cb_done: cc.done,
        cb_waived: cc.waived,
        callback: callback_rate_percent((cc.done + cc.waived) as u64, cc.due as u64),
        rated: cc.rated,
        satisfied: cc.satisfied,
        satisfaction: (cc.rated > 0).then(|| cc.satisfied as f64 * 100.0 / cc.rated as f64),
    };
    let items = report::complaints_in(c, actor, project_id, r, list_limit).await?;
    let truncated = (items.len() as i64) < rc.total;
    let plans = report::plans_in(c, actor, project_id, r).await?;
    let list = list_rows(items, &plans, en);
    let (key_cases, per_month) = match period {
        Period::Year(y) => {
            let keys = report::key_cases(c, actor, project_id, r, 500).await?;
            let ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
            let kp = report::plans_of(c, &ids).await?;
            let mut bounds: Vec<_> = (1..=12).map(|m| month_range(Month { year: y, month: m }, TZ).0).collect();
            bounds.push(r.to);
            let n = report::counts_between(c, actor, project_id, &bounds).await?;
            let labels = (1..=12).map(|m| if en { format!("{y}-{m:02}") } else { format!("{m}月") });
            (list_rows(keys, &kp, en), labels.zip(n).collect())
        }
        _ => (Vec::new(), Vec::new()),
    };
    let bars: Vec<(String, i64)> = classes.iter().filter(|c| c.total > 0).map(|c| (c.label.clone(), c.total)).collect();
    let chart = if bars.is_empty() { String::new() } else { bar_chart(ctx.t("顾客投诉分类统计表"), &bars) };
    let month_chart = if per_month.is_empty() { String::new() } else { bar_chart(ctx.t("各月投诉数量"), &per_month) };
    Ok(Report {
        project_id,
        project_name: ctx.project_name(&project_id).to_string(),
        period,
        statuses: ComplaintStatus::ALL.iter().map(|s| s.label(en).to_string()).collect(),
        classes,
        status_totals,
        rates,
        list,
        truncated,
        key_cases,
        per_month,
        chart,
        month_chart,
    })
}

fn list_sheet(title: &str, rows: &[ListRow], ctx: &Ctx) -> Sheet {
    let en = ctx.en();
    Sheet {
        title: title.to_string(),
        headers: ["编号", "受理时间", "投诉人", "电话", "投诉内容", "分类", "状态", "责任部门", "整改方案", "处理结果"]
            .iter()
            .map(|h| ctx.t(h).to_string())
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.item.number.clone(),
                    super::fmt_time(&r.item.received_at),
                    r.item.complainant.clone(),
                    r.item.contact_phone.clone(),
                    r.item.content.clone(),
                    r.class.clone(),
                    ComplaintStatus::parse(&r.item.status).map(|s| s.label(en).to_string()).unwrap_or_default(),
                    r.departments.clone(),
                    r.plans.clone(),
                    r.results.clone(),
                ]
            })
            .collect(),
    }
}

fn workbook(rep: &Report, ctx: &Ctx) -> anyhow::Result<Vec<u8>> {
    let mut sheets = Vec::new();
    let list_title = match rep.period {
        Period::Month(_) => ctx.t("月度投诉一览表"),
        Period::Week(_) => ctx.t("投诉周报"),
        Period::Year(_) => ctx.t("年度投诉清单"),
    };
    sheets.push(list_sheet(list_title, &rep.list, ctx));
    let mut headers = vec![ctx.t("分类").to_string()];
    headers.extend(rep.statuses.iter().cloned());
    headers.push(ctx.t("合计").to_string());
    let mut rows: Vec<Vec<String>> = rep
        .classes
        .iter()
        .map(|c| std::iter::once(c.label.clone()).chain(c.cells.iter().map(|n| n.to_string())).chain(std::iter::once(c.total.to_string())).collect())
        .collect();
    rows.push(std::iter::once(ctx.t("合计").to_string()).chain(rep.status_totals.iter().map(|n| n.to_string())).collect());
    sheets.push(Sheet { title: ctx.t("顾客投诉分类统计表").to_string(), headers, rows });
    let r = &rep.rates;
    sheets.push(Sheet {
        title: ctx.t("指标").to_string(),
        headers: ["指标", "实际", "目标", "计算"].iter().map(|h| ctx.t(h).to_string()).collect(),
        rows: vec![
            vec![ctx.t("有效投诉处理率").into(), pct(&r.handling), "≥ 95%".into(), format!("{} / {}", r.handled, r.valid)],
            vec![ctx.t("投诉回访率").into(), pct(&Some(r.callback)), "100%".into(), format!("{} / {}", r.cb_done + r.cb_waived, r.cb_due)],
            vec![ctx.t("满意率").into(), pct(&r.satisfaction), String::new(), format!("{} / {}", r.satisfied, r.rated)],
            vec![ctx.t("投诉总数").into(), r.total.to_string(), String::new(), String::new()],
            vec![ctx.t("无效投诉").into(), r.invalid.to_string(), String::new(), String::new()],
        ],
    });
    if !rep.per_month.is_empty() {
        sheets.push(Sheet {
            title: ctx.t("各月投诉数量").to_string(),
            headers: vec![ctx.t("月份").into(), ctx.t("投诉数量").into()],
            rows: rep.per_month.iter().map(|(m, n)| vec![m.clone(), n.to_string()]).collect(),
        });
        sheets.push(list_sheet(ctx.t("重点案例"), &rep.key_cases, ctx));
    }
    xlsx::book(&sheets)
}

#[derive(Template)]
#[template(path = "staff/report_complaints.html")]
struct ReportPage {
    ctx: Ctx,
    rep: Report,
    errs: super::Errs,
    month_value: String,
    week_value: String,
    year_value: String,
    export: String,
    due_note: String,
}

impl ReportPage {
    fn title(&self) -> &'static str {
        match self.rep.period {
            Period::Month(_) => self.ctx.t("月度投诉一览表"),
            Period::Week(_) => self.ctx.t("投诉周报"),
            Period::Year(_) => self.ctx.t("年度投诉总结"),
        }
    }
    fn status_label(&self, code: &str) -> String {
        ComplaintStatus::parse(code).map(|s| s.label(self.ctx.en()).to_string()).unwrap_or_default()
    }
    fn is_year(&self) -> bool {
        self.rep.period.code() == "year"
    }
    fn is_month(&self) -> bool {
        self.rep.period.code() == "month"
    }
}

pub async fn complaints_report(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    if !is_customer_service(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let project_id = report_project(&ctx, &m)?;
    let (period, errs) = match Period::parse(&m) {
        Ok(p) => (p, FieldErrors::new()),
        Err((p, e)) => (p, e),
    };
    let xlsx_wanted = q(&m, "format") == "xlsx";
    let mut c = state.db.read().await?;
    let rep = build(&mut c, &ctx, project_id, period, if xlsx_wanted { xlsx::MAX_ROWS } else { SCREEN_ROWS }).await?;
    if xlsx_wanted && errs.is_empty() {
        let name = format!("{}-投诉报表-{}.xlsx", rep.project_name, rep.period.label());
        return Ok(xlsx_response(workbook(&rep, &ctx)?, &name));
    }
    let t = today();
    let due_note = match period {
        Period::Month(mo) => {
            let next = Month::of(mo.last_day() + Duration::days(1));
            if ctx.en() {
                format!("Complaint list due by {mo}-25; classified statistics due by {next}-03.")
            } else {
                format!("月度投诉一览表须于 {mo}-25 前报送；分类统计表须于 {next}-03 前报送。")
            }
        }
        _ => String::new(),
    };
    let page = ReportPage {
        month_value: match period {
            Period::Month(mo) => mo.to_string(),
            _ => Month::of(t).to_string(),
        },
        week_value: match period {
            Period::Week(d) => d.to_string(),
            _ => (t - Duration::days(t.weekday().num_days_from_monday() as i64)).to_string(),
        },
        year_value: match period {
            Period::Year(y) => y.to_string(),
            _ => t.year().to_string(),
        },
        export: format!("/reports/complaints?project_id={project_id}&{}&format=xlsx", period.query()),
        due_note,
        errs: super::Errs::new(errs.clone(), ctx.lang),
        rep,
        ctx,
    };
    if errs.is_empty() { Ok(render(&page)) } else { Ok(render_invalid(&page)) }
}

// ---------- CMP-15: the monthly public notice ----------

/// The notice a manager starts from: the month's most frequent topics, an example of each and
/// how the departments handled it.
pub async fn draft_notice(c: &mut impl AsEx, ctx: &Ctx, project_id: i64, month: Month) -> AppResult<(String, String)> {
    let (from, to) = month_range(month, TZ);
    let r = Range { from, to };
    let topics = report::top_topics(c, &ctx.actor, project_id, r, 5).await?;
    let ids: Vec<i64> = topics.iter().map(|t| t.example_id).collect();
    let examples = report::complaints_by_ids(c, &ctx.actor, &ids).await?;
    let plans = report::plans_of(c, &ids).await?;
    let rows = list_rows(examples, &plans, false);
    let name = ctx.project_name(&project_id).to_string();
    let title = format!("{name}{}年{}月客户投诉及处理情况公示", month.year, month.month);
    let total = report::rate_counts(c, &ctx.actor, project_id, r).await?.total;
    let mut body =
        format!("尊敬的各位业主、租户：\n\n{}年{}月，本中心共受理客户投诉 {total} 件。现将较为集中的问题及处理情况公示如下：\n\n", month.year, month.month);
    for (i, t) in topics.iter().enumerate() {
        let Some(row) = rows.iter().find(|x| x.item.id == t.example_id) else { continue };
        let summary: String = row.item.content.chars().take(60).collect();
        let handled = if !row.results.is_empty() {
            row.results.clone()
        } else if !row.plans.is_empty() {
            format!("正在处理（{}）", row.plans)
        } else {
            "已受理，正在处理".to_string()
        };
        body.push_str(&format!("{}. {summary}（本月共 {} 件）\n   处理情况：{handled}\n\n", i + 1, t.n));
    }
    body.push_str(&format!("感谢您对我们工作的理解与支持，如有意见和建议，欢迎随时与客户服务中心联系。\n\n{name}客户服务中心\n"));
    Ok((title, body))
}

#[derive(Template)]
#[template(path = "staff/report_notice.html")]
struct NoticePage {
    ctx: Ctx,
    project_id: i64,
    month: String,
    notice: Option<Notice>,
    v: FormData,
    errs: super::Errs,
    manager: bool,
}

impl NoticePage {
    fn published(&self) -> bool {
        self.notice.as_ref().is_some_and(|n| n.status.is_published())
    }
}

async fn notice_form(db: &Db, ctx: Ctx, project_id: i64, month: Month, v: Option<FormData>, errs: FieldErrors) -> AppResult<NoticePage> {
    let mut c = db.read().await?;
    let notice = report::notice(&mut c, &ctx.actor, project_id, &month.to_string()).await?;
    let v = match v {
        Some(v) => v,
        None => match &notice {
            Some(n) => FormData(vec![("title".into(), n.title.clone()), ("body".into(), n.body.clone())]),
            None => {
                let (title, body) = draft_notice(&mut c, &ctx, project_id, month).await?;
                FormData(vec![("title".into(), title), ("body".into(), body)])
            }
        },
    };
    Ok(NoticePage { manager: is_manager(&ctx.actor), errs: super::Errs::new(errs, ctx.lang), project_id, month: month.to_string(), notice, v, ctx })
}

pub async fn notice_page(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    if !is_customer_service(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let project_id = report_project(&ctx, &m)?;
    let month = Month::parse(q(&m, "month")).unwrap_or_else(|_| Month::of(today()));
    Ok(render(&notice_form(&state.db, ctx, project_id, month, None, FieldErrors::new()).await?))
}

/// CMP-15: saves the draft or publishes it (manager); a published notice is final.
pub async fn save_notice(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    if !is_manager(&ctx.actor) {
        return Err(AppError::Forbidden);
    }
    let project_id = form.get("project_id").trim().parse::<i64>().ok().filter(|p| ctx.actor.sees_project(*p)).ok_or(AppError::NotFound)?;
    let month = Month::parse(form.get("month")).map_err(|r| FieldErrors::single("month", r))?;
    let mut e = FieldErrors::new();
    let title = e.take("title", values::text(form.get("title"), 100));
    let body = e.take("body", values::text(form.get("body"), 10_000));
    let (Some(title), Some(body)) = (title, body) else {
        return Ok(render_invalid(&notice_form(&state.db, ctx, project_id, month, Some(form), e).await?));
    };
    let publish = form.get("action") == "publish";
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let Some(id) = report::save_notice(&mut tx, &ctx.actor, project_id, &month.to_string(), &title, &body, publish, now).await? else {
        return Err(AppError::Conflict("本月公示已发布，不能再修改".into()));
    };
    event::append(
        &mut tx,
        &ctx.actor,
        now,
        NewEvent {
            project_id: Some(project_id),
            entity: "public_notice",
            entity_id: id,
            action: if publish { "published" } else { "draft_saved" },
            payload: json!({"month": month.to_string(), "title": title}),
        },
    )
    .await?;
    tx.commit().await?;
    if publish { Ok(saved(&format!("/reports/notice/{id}"))) } else { Ok(saved(&format!("/reports/notice?project_id={project_id}&month={month}"))) }
}

#[derive(Template)]
#[template(path = "staff/report_notice_print.html")]
struct NoticePrint {
    ctx: Ctx,
    notice: Notice,
    project_name: String,
}

/// A published notice as a plain A4 page.
pub async fn notice_print(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = state.db.read().await?;
    let notice = report::notice_by_id(&mut c, &ctx.actor, id).await?.filter(|n| n.status.is_published()).ok_or(AppError::NotFound)?;
    let project_name = ctx.project_name(&notice.project_id).to_string();
    Ok(render(&NoticePrint { ctx, notice, project_name }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmp_13_classes_are_fixed_rows_and_counts_land_in_their_cells() {
        let counts = vec![
            ClassCount { severity: "general".into(), important_kind: None, major_reason: None, status: "closed".into(), n: 3 },
            ClassCount { severity: "important".into(), important_kind: Some("attitude".into()), major_reason: None, status: "received".into(), n: 2 },
            ClassCount {
                severity: "major".into(),
                important_kind: Some("attitude".into()),
                major_reason: Some("collective".into()),
                status: "received".into(),
                n: 10,
            },
            ClassCount { severity: "major".into(), important_kind: None, major_reason: None, status: "in_progress".into(), n: 1 },
        ];
        let (rows, totals) = classify(&counts, false);
        assert_eq!(rows.len(), 1 + 5 + 9);
        assert_eq!(rows[0].total, 3);
        assert_eq!(rows.iter().find(|r| r.label == "重要 · 态度").map(|r| r.total), Some(2));
        assert_eq!(rows.iter().find(|r| r.label.contains("集体投诉")).map(|r| r.total), Some(10));
        assert_eq!(rows.last().map(|r| r.total), Some(1), "a major complaint without a reason is counted, unclassified");
        assert_eq!(totals.last(), Some(&16));
    }

    #[test]
    fn rpt_2_chart_is_svg_with_escaped_labels() {
        let svg = bar_chart("t", &[("<一般>".into(), 3), ("重大".into(), 1)]);
        assert!(svg.starts_with("<svg") && svg.contains("&lt;一般&gt;") && svg.contains(">3</text>"));
    }
}
