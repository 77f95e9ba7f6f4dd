//! FEE-10: the monthly fee report (收费月报) — collected ÷ billed over the bill lines whose
//! period starts in the month, deposits left out, by building and by fee item, with the
//! project's total and what is overdue at the month's end (or today while it runs). Each figure
//! is one grouped query (`store::fee::collection_rates`). Printable and exported to Excel, in
//! the reports menu next to the complaint reports.

use super::{Errs, Q, q, render, render_invalid, xlsx_response};
use crate::auth::Ctx;
use crate::error::AppResult;
use crate::ops::org::today;
use crate::staff::fees::yuan;
use crate::staff::reports::report_project;
use crate::state::AppState;
use crate::xlsx::{self, Sheet};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::billing::{arrears_day, collection_rate_percent};
use propdesk_domain::values::Month;
use propdesk_store::models::fee::{self as store, RateBy, RateRow};

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports/fees", get(fee_report))
}

/// One row of the report: its label and figures as shown.
pub struct Row {
    pub label: String,
    pub lines: i64,
    pub billed: i64,
    pub collected: i64,
    pub rate: f64,
}

fn rows(list: Vec<RateRow>) -> Vec<Row> {
    list.into_iter().map(|r| Row { rate: r.percent(), label: r.label, lines: r.lines, billed: r.billed, collected: r.collected }).collect()
}

fn total(rows: &[Row]) -> Row {
    let (lines, billed, collected) = rows.iter().fold((0, 0, 0), |(l, b, c), r| (l + r.lines, b + r.billed, c + r.collected));
    Row { label: String::new(), lines, billed, collected, rate: collection_rate_percent(collected, billed) }
}

#[derive(Template)]
#[template(path = "staff/report_fees.html")]
struct FeeReport {
    ctx: Ctx,
    project_id: i64,
    project_name: String,
    month: String,
    arrears_on: chrono::NaiveDate,
    by_building: Vec<Row>,
    by_item: Vec<Row>,
    total: Row,
    overdue: i64,
    errs: Errs,
}

pub async fn fee_report(State(state): State<AppState>, ctx: Ctx, Query(m): Q) -> AppResult<Response> {
    ctx.require(Permission::ViewFees)?;
    let project_id = report_project(&ctx, &m)?;
    let (month, errs) = match q(&m, "month").trim() {
        "" => (Month::of(today()), FieldErrors::new()),
        s => match Month::parse(s) {
            Ok(mo) => (mo, FieldErrors::new()),
            Err(r) => (Month::of(today()), FieldErrors::single("month", r)),
        },
    };
    let (from, to) = (month.first_day(), month.last_day());
    let day = arrears_day(month, today());
    let mut c = state.db.read().await?;
    let by_building = rows(store::collection_rates(&mut c, &ctx.actor, Some(project_id), from, to, RateBy::Building).await?);
    let by_item = rows(store::collection_rates(&mut c, &ctx.actor, Some(project_id), from, to, RateBy::Item).await?);
    let overdue = store::overdue_totals(&mut c, &ctx.actor, Some(project_id), day).await?.into_iter().map(|(_, v)| v).sum();
    let total = total(&by_item);
    let project_name = ctx.project_name(&project_id).to_string();
    if q(&m, "format") == "xlsx" && errs.is_empty() {
        let lang = ctx.lang;
        let headers = |first: &'static str| -> Vec<String> {
            [first, "笔数", "应收（元）", "实收（元）", "收缴率（%）"].iter().map(|h| lang.t(h).to_string()).collect()
        };
        let body = |rs: &[Row]| -> Vec<Vec<String>> {
            let mut out: Vec<Vec<String>> =
                rs.iter().map(|r| vec![r.label.clone(), r.lines.to_string(), yuan(r.billed), yuan(r.collected), format!("{:.1}", r.rate)]).collect();
            out.push(vec![lang.t("合计").into(), total.lines.to_string(), yuan(total.billed), yuan(total.collected), format!("{:.1}", total.rate)]);
            out
        };
        let summary = Sheet {
            title: lang.t("汇总").into(),
            headers: vec![
                lang.t("项目").into(),
                lang.t("月份").into(),
                lang.t("收缴率（%）").into(),
                lang.t("欠费合计（元）").into(),
                lang.t("欠费截至").into(),
            ],
            rows: vec![vec![project_name.clone(), month.to_string(), format!("{:.1}", total.rate), yuan(overdue), day.to_string()]],
        };
        let bytes = xlsx::book(&[
            summary,
            Sheet { title: lang.t("按楼栋").into(), headers: headers("楼栋"), rows: body(&by_building) },
            Sheet { title: lang.t("按收费项目").into(), headers: headers("收费项目"), rows: body(&by_item) },
        ])?;
        return Ok(xlsx_response(bytes, &format!("收费月报-{month}.xlsx")));
    }
    let page =
        FeeReport { ctx, project_id, project_name, month: month.to_string(), arrears_on: day, by_building, by_item, total, overdue, errs: Errs::default() };
    if errs.is_empty() {
        Ok(render(&page))
    } else {
        let lang = page.ctx.lang;
        Ok(render_invalid(&FeeReport { errs: Errs::new(errs, lang), ..page }))
    }
}
