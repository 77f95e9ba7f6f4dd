//! RPT-2 for repairs: the monthly repair report (月度维修报表) of one project or of all the
//! caller's projects — orders by category and location kind, emergencies, each stage's on-time
//! rate (REP-2/REP-5/REP-8 clocks), callback satisfaction (REP-8 ratings), repairs by
//! responsibility (REP-3). On screen, printed on A4 (the page's print style), exported to Excel.
//! Every number comes from set-based queries in `store::models::repair_report`.

use super::reports::{bar_chart, pct};
use super::{render, render_invalid, xlsx_response};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::ops::callback::month_range;
use crate::state::AppState;
use crate::xlsx::{self, Sheet};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::values::Month;
use propdesk_domain::work_order::{LocationKind, RepairCategory, Responsibility, Stage, WorkOrderStatus};
use propdesk_store::AsEx;
use propdesk_store::models::repair_report::{self as store, CallbackRatings, StageCounts};
use propdesk_store::models::report::Range;
use std::collections::HashMap;

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports/repairs", get(repairs_report))
}

/// One repair category: orders in units and in public areas, emergencies and outcomes.
#[derive(Debug, Clone, Default)]
pub struct CategoryRow {
    pub label: String,
    pub in_unit: i64,
    pub public_area: i64,
    pub total: i64,
    pub emergencies: i64,
    pub closed: i64,
    pub cancelled: i64,
}

/// One stage's timeliness among the month's orders.
#[derive(Debug, Clone)]
pub struct StageRow {
    pub code: &'static str,
    pub label: &'static str,
    pub done: i64,
    pub on_time: i64,
    /// None when no order completed the stage.
    pub rate: Option<f64>,
    /// Orders of the month still in this stage whose deadline has passed.
    pub overdue_open: i64,
}

/// REP-8: the month's repair callbacks.
#[derive(Debug, Clone, Default)]
pub struct CallbackView {
    pub done: i64,
    pub quality: Option<f64>,
    pub speed: Option<f64>,
    pub attitude: Option<f64>,
    pub answered: i64,
    pub satisfied: i64,
    pub satisfaction: Option<f64>,
}

/// Repairs by who is responsible (REP-3).
#[derive(Debug, Clone)]
pub struct ResponsibilityRow {
    /// The `Responsibility` code; empty: not decided.
    pub code: &'static str,
    pub label: &'static str,
    pub total: i64,
    /// Of them, repairs the owner pays for.
    pub paid: i64,
    /// What these repairs cost, in fen: the agreed amount of the work (REP-11), else the paid
    /// repair's agreed fee (REP-12). `None` only when no order of the month has a cost yet.
    pub cost_fen: Option<i64>,
}

pub struct RepairReport {
    /// The projects reported on (one, or all the caller's).
    pub projects: Vec<i64>,
    /// The chosen project; None: all the caller's projects.
    pub project_id: Option<i64>,
    pub scope: String,
    pub month: Month,
    pub categories: Vec<CategoryRow>,
    pub totals: CategoryRow,
    pub stages: Vec<StageRow>,
    pub callbacks: CallbackView,
    pub responsibilities: Vec<ResponsibilityRow>,
    pub chart: String,
}

impl ResponsibilityRow {
    /// The cost in yuan, empty while no cost is known.
    pub fn cost_text(&self) -> String {
        self.cost_fen.map(propdesk_domain::values::format_centi).unwrap_or_default()
    }
}

impl RepairReport {
    pub fn has_cost(&self) -> bool {
        self.responsibilities.iter().any(|r| r.cost_fen.is_some())
    }
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

fn avg(sum: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| sum as f64 / n as f64)
}

pub fn score(v: &Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())
}

fn stage_pair(s: &StageCounts, stage: Stage) -> (i64, i64) {
    match stage {
        Stage::Accept => (s.accept_done, s.accept_on_time),
        Stage::OnSite => (s.on_site_done, s.on_site_on_time),
        Stage::Finish => (s.finish_done, s.finish_on_time),
        Stage::SignOff => (s.sign_off_done, s.sign_off_on_time),
        Stage::Callback => (s.callback_done, s.callback_on_time),
    }
}

fn callback_view(r: &CallbackRatings) -> CallbackView {
    CallbackView {
        done: r.done,
        quality: avg(r.quality_sum, r.quality_n),
        speed: avg(r.speed_sum, r.speed_n),
        attitude: avg(r.attitude_sum, r.attitude_n),
        answered: r.answered,
        satisfied: r.satisfied,
        satisfaction: rate(r.satisfied, r.answered),
    }
}

/// Builds the report of `month` over `projects` (already limited to the caller's).
pub async fn build(c: &mut impl AsEx, ctx: &Ctx, projects: &[i64], project_id: Option<i64>, month: Month) -> AppResult<RepairReport> {
    let en = ctx.en();
    let actor = &ctx.actor;
    let (from, to) = month_range(month, TZ);
    let r = Range { from, to };

    let classes = store::class_counts(c, actor, projects, r).await?;
    let mut categories: Vec<CategoryRow> = RepairCategory::ALL.iter().map(|k| CategoryRow { label: k.label(en).to_string(), ..Default::default() }).collect();
    for k in &classes {
        let Some(i) = RepairCategory::ALL.iter().position(|c| c.code() == k.category) else { continue };
        let row = &mut categories[i];
        match LocationKind::parse(&k.location_kind) {
            Ok(LocationKind::InUnit) => row.in_unit += k.total,
            Ok(LocationKind::PublicArea) => row.public_area += k.total,
            Err(_) => continue,
        }
        row.total += k.total;
        row.emergencies += k.emergencies;
        row.closed += k.closed;
        row.cancelled += k.cancelled;
    }
    let mut totals = CategoryRow { label: ctx.t("合计").to_string(), ..Default::default() };
    for row in &categories {
        totals.in_unit += row.in_unit;
        totals.public_area += row.public_area;
        totals.total += row.total;
        totals.emergencies += row.emergencies;
        totals.closed += row.closed;
        totals.cancelled += row.cancelled;
    }

    let counts = store::stage_counts(c, actor, projects, r).await?;
    let mut overdue: HashMap<Stage, i64> = HashMap::new();
    for o in store::overdue_counts(c, actor, projects, r, Utc::now()).await? {
        if let Some(stage) = WorkOrderStatus::parse(&o.status).ok().and_then(|s| s.running_stage()) {
            *overdue.entry(stage).or_default() += o.n;
        }
    }
    let stages = Stage::ALL
        .iter()
        .map(|s| {
            let (done, on_time) = stage_pair(&counts, *s);
            StageRow { code: s.code(), label: s.label(en), done, on_time, rate: rate(on_time, done), overdue_open: overdue.get(s).copied().unwrap_or(0) }
        })
        .collect();

    let callbacks = callback_view(&store::callback_ratings(c, actor, projects, r).await?);

    let by: HashMap<Option<String>, (i64, i64, i64)> =
        store::responsibility_counts(c, actor, projects, r).await?.into_iter().map(|x| (x.responsibility, (x.total, x.paid, x.cost_fen))).collect();
    let any_cost = by.values().any(|v| v.2 > 0);
    let cost = |fen: i64| if any_cost { Some(fen) } else { None };
    let mut responsibilities: Vec<ResponsibilityRow> = Responsibility::ALL
        .iter()
        .map(|k| {
            let (total, paid, fen) = by.get(&Some(k.code().to_string())).copied().unwrap_or((0, 0, 0));
            ResponsibilityRow { code: k.code(), label: k.label(en), total, paid, cost_fen: cost(fen) }
        })
        .collect();
    let (total, paid, fen) = by.get(&None).copied().unwrap_or((0, 0, 0));
    responsibilities.push(ResponsibilityRow { code: "", label: ctx.t("未判定"), total, paid, cost_fen: cost(fen) });

    let bars: Vec<(String, i64)> = categories.iter().filter(|c| c.total > 0).map(|c| (c.label.clone(), c.total)).collect();
    let chart = if bars.is_empty() { String::new() } else { bar_chart(ctx.t("维修类别统计"), &bars) };
    let scope = match project_id {
        Some(p) => ctx.project_name(&p).to_string(),
        None => ctx.t("全部项目").to_string(),
    };
    Ok(RepairReport { projects: projects.to_vec(), project_id, scope, month, categories, totals, stages, callbacks, responsibilities, chart })
}

fn workbook(rep: &RepairReport, ctx: &Ctx) -> anyhow::Result<Vec<u8>> {
    let t = |s: &'static str| ctx.t(s).to_string();
    let class_row = |c: &CategoryRow| {
        vec![
            c.label.clone(),
            c.in_unit.to_string(),
            c.public_area.to_string(),
            c.total.to_string(),
            c.emergencies.to_string(),
            c.closed.to_string(),
            c.cancelled.to_string(),
        ]
    };
    let mut classes: Vec<Vec<String>> = rep.categories.iter().map(class_row).collect();
    classes.push(class_row(&rep.totals));
    let cb = &rep.callbacks;
    let mut resp_headers = vec![t("责任方"), t("工单数"), t("有偿维修")];
    if rep.has_cost() {
        resp_headers.push(t("费用（元）"));
    }
    let sheets = [
        Sheet {
            title: t("维修类别统计"),
            headers: vec![t("维修类别"), t("户内"), t("公共区域"), t("合计"), t("紧急"), t("已关闭"), t("已取消")],
            rows: classes,
        },
        Sheet {
            title: t("各环节及时率"),
            headers: vec![t("环节"), t("已完成"), t("按时"), t("及时率"), t("进行中已超时")],
            rows: rep
                .stages
                .iter()
                .map(|s| vec![s.label.to_string(), s.done.to_string(), s.on_time.to_string(), pct(&s.rate), s.overdue_open.to_string()])
                .collect(),
        },
        Sheet {
            title: t("回访满意度"),
            headers: vec![t("指标"), t("数值")],
            rows: vec![
                vec![t("已回访"), cb.done.to_string()],
                vec![t("维修质量（平均分）"), score(&cb.quality)],
                vec![t("维修速度（平均分）"), score(&cb.speed)],
                vec![t("服务态度（平均分）"), score(&cb.attitude)],
                vec![t("满意率"), format!("{} ({} / {})", pct(&cb.satisfaction), cb.satisfied, cb.answered)],
            ],
        },
        Sheet {
            title: t("责任归属"),
            headers: resp_headers,
            rows: rep
                .responsibilities
                .iter()
                .map(|r| {
                    let mut line = vec![r.label.to_string(), r.total.to_string(), r.paid.to_string()];
                    if rep.has_cost() {
                        line.push(r.cost_text());
                    }
                    line
                })
                .collect(),
        },
    ];
    xlsx::book(&sheets)
}

#[derive(Template)]
#[template(path = "staff/report_repairs.html")]
struct RepairReportPage {
    ctx: Ctx,
    rep: RepairReport,
    errs: super::Errs,
    month_value: String,
    export: String,
}

impl RepairReportPage {
    fn is_project(&self, id: &i64) -> bool {
        self.rep.project_id == Some(*id)
    }
    fn project_value(&self) -> String {
        self.rep.project_id.map(|p| p.to_string()).unwrap_or_default()
    }
}

/// `GET /reports/repairs?project_id=&month=YYYY-MM[&format=xlsx]`: `project_id` empty means all
/// the caller's projects; missing, the project chosen in the top bar (else all).
pub async fn repairs_report(State(state): State<AppState>, ctx: Ctx, Query(m): Query<HashMap<String, String>>) -> AppResult<Response> {
    ctx.require(Permission::ViewRepairReports)?;
    let project_id = match m.get("project_id").map(|v| v.trim()) {
        Some("") => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|p| ctx.actor.sees_project(*p)).ok_or(AppError::NotFound)?),
        None => ctx.project_id.filter(|p| ctx.actor.sees_project(*p)),
    };
    let projects: Vec<i64> = match project_id {
        Some(p) => vec![p],
        None => ctx.actor.projects.clone(),
    };
    let today = Month::of(Utc::now().with_timezone(&TZ).date_naive());
    let raw = m.get("month").map(|v| v.trim()).unwrap_or("");
    let (month, errs) = if raw.is_empty() {
        (today, FieldErrors::new())
    } else {
        match Month::parse(raw) {
            Ok(mo) => (mo, FieldErrors::new()),
            Err(r) => (today, FieldErrors::single("month", r)),
        }
    };
    let mut c = state.db.read().await?;
    let rep = build(&mut c, &ctx, &projects, project_id, month).await?;
    let project_q = project_id.map(|p| p.to_string()).unwrap_or_default();
    if m.get("format").map(String::as_str) == Some("xlsx") && errs.is_empty() {
        let name = format!("{}-维修报表-{}.xlsx", rep.scope, rep.month);
        return Ok(xlsx_response(workbook(&rep, &ctx)?, &name));
    }
    let page = RepairReportPage {
        month_value: if errs.is_empty() { month.to_string() } else { raw.to_string() },
        export: format!("/reports/repairs?project_id={project_q}&month={month}&format=xlsx"),
        errs: super::Errs::new(errs.clone(), ctx.lang),
        rep,
        ctx,
    };
    if errs.is_empty() { Ok(render(&page)) } else { Ok(render_invalid(&page)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpt_2_repair_rates_and_averages_are_empty_without_data() {
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(3, 4), Some(75.0));
        assert_eq!(avg(9, 2), Some(4.5));
        assert_eq!(score(&None), "—");
        assert_eq!(score(&Some(4.0)), "4.00");
    }
}
