//! RPT-2 for repairs: the monthly repair report's numbers, set-based (GROUP BY and CASE sums
//! over the `work_orders_project_time` and `callbacks_done` indexes), written once for both
//! backends as `report.rs` is: sums CAST to BIGINT, time ranges bound, booleans compared with a
//! bound `true`. Every query is limited to the given projects that the actor may see.

use crate::models::report::Range;
use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;

fn n(expr: &str) -> String {
    format!("COALESCE(CAST(SUM(CASE WHEN {expr} THEN 1 ELSE 0 END) AS BIGINT), 0)")
}

fn visible(actor: &Actor, projects: &[i64]) -> Vec<i64> {
    projects.iter().copied().filter(|p| actor.sees_project(*p)).collect()
}

/// `{select} FROM work_orders WHERE` the projects and the intake range (the report's orders are
/// those received in the month). `select` is `Sql::new(…)`, with `.arg(true)` when it spells `$1`.
fn received_in(select: Sql, actor: &Actor, projects: &[i64], r: Range) -> Sql {
    select
        .push(" FROM work_orders WHERE project_id IN ")
        .bind_list(&visible(actor, projects))
        .push(" AND received_at >= ")
        .bind(r.from)
        .push(" AND received_at < ")
        .bind(r.to)
}

/// Orders of one category and location kind.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ClassCount {
    pub category: String,
    pub location_kind: String,
    pub total: i64,
    pub emergencies: i64,
    pub closed: i64,
    pub cancelled: i64,
}

/// Orders received in the range by category × location kind, with emergencies and outcomes.
pub async fn class_counts(c: &mut impl AsEx, actor: &Actor, projects: &[i64], r: Range) -> Result<Vec<ClassCount>> {
    let select = format!(
        "SELECT category, location_kind, COUNT(*) AS total, {} AS emergencies, {} AS closed, {} AS cancelled",
        n("emergency = $1"),
        n("status = 'closed'"),
        n("status = 'cancelled'")
    );
    c.ex().fetch_all(received_in(Sql::new(&select).arg(true), actor, projects, r).push(" GROUP BY category, location_kind")).await
}

/// Each stage's completed count and on-time count among the orders received in the range.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize)]
pub struct StageCounts {
    pub accept_done: i64,
    pub accept_on_time: i64,
    pub on_site_done: i64,
    pub on_site_on_time: i64,
    pub finish_done: i64,
    pub finish_on_time: i64,
    pub sign_off_done: i64,
    pub sign_off_on_time: i64,
    pub callback_done: i64,
    pub callback_on_time: i64,
}

pub async fn stage_counts(c: &mut impl AsEx, actor: &Actor, projects: &[i64], r: Range) -> Result<StageCounts> {
    let mut select = String::from("SELECT ");
    for (i, s) in ["accept", "on_site", "finish", "sign_off", "callback"].iter().enumerate() {
        if i > 0 {
            select.push_str(", ");
        }
        select.push_str(&format!("{} AS {s}_done, {} AS {s}_on_time", n(&format!("{s}_on_time IS NOT NULL")), n(&format!("{s}_on_time = $1"))));
    }
    c.ex().fetch_one(received_in(Sql::new(&select).arg(true), actor, projects, r)).await
}

/// Open orders of the range whose running deadline has passed at `now`, by status (the page
/// maps a status to its running stage through the domain).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct OverdueCount {
    pub status: String,
    pub n: i64,
}

pub async fn overdue_counts(c: &mut impl AsEx, actor: &Actor, projects: &[i64], r: Range, now: DateTime<Utc>) -> Result<Vec<OverdueCount>> {
    let sql = received_in(Sql::new("SELECT status, COUNT(*) AS n"), actor, projects, r).push(" AND next_due < ").bind(now).push(" GROUP BY status");
    c.ex().fetch_all(sql).await
}

/// Orders of the range by responsibility (REP-3; `None`: not decided, as for most repairs
/// without a defect), and how many the owner pays for.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ResponsibilityCount {
    pub responsibility: Option<String>,
    /// Fen: agreed amounts of the work, else agreed paid-repair fees.
    pub cost_fen: i64,
    pub total: i64,
    pub paid: i64,
}

pub async fn responsibility_counts(c: &mut impl AsEx, actor: &Actor, projects: &[i64], r: Range) -> Result<Vec<ResponsibilityCount>> {
    // The cost of an order: the agreed amount of the work (REP-11), else a paid repair's fee once
    // the owner agreed it (REP-12); orders with neither cost nothing yet.
    let select = format!(
        "SELECT responsibility, COUNT(*) AS total, {} AS paid, COALESCE(CAST(SUM(COALESCE(agreed_amount, (SELECT f.total FROM repair_fees f WHERE f.work_order_id = work_orders.id AND f.status <> $2), 0)) AS BIGINT), 0) AS cost_fen",
        n("paid_repair = $1")
    );
    let quoting = propdesk_domain::paid_repair::FeeStatus::Quoting.code();
    c.ex().fetch_all(received_in(Sql::new(&select).arg(true).arg(quoting), actor, projects, r).push(" GROUP BY responsibility")).await
}

/// REP-8: the repair callbacks made in the range — the ratings (1–5) summed with how many
/// gave each, and the satisfaction answers.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize)]
pub struct CallbackRatings {
    pub done: i64,
    pub quality_n: i64,
    pub quality_sum: i64,
    pub speed_n: i64,
    pub speed_sum: i64,
    pub attitude_n: i64,
    pub attitude_sum: i64,
    pub answered: i64,
    pub satisfied: i64,
}

pub async fn callback_ratings(c: &mut impl AsEx, actor: &Actor, projects: &[i64], r: Range) -> Result<CallbackRatings> {
    let sum = |col: &str| format!("COUNT({col}) AS {col}_n, COALESCE(CAST(SUM({col}) AS BIGINT), 0) AS {col}_sum");
    let sql = Sql::new(&format!(
        "SELECT COUNT(*) AS done, {}, {}, {}, COUNT(satisfied) AS answered, {} AS satisfied FROM callbacks
         WHERE subject = 'repair' AND status = 'done' AND done_at >= $2 AND done_at < $3 AND project_id IN ",
        sum("quality"),
        sum("speed"),
        sum("attitude"),
        n("satisfied = $1"),
    ))
    .arg(true)
    .arg(r.from)
    .arg(r.to)
    .bind_list(&visible(actor, projects));
    c.ex().fetch_one(sql).await
}
