//! REP-13: writing up a closed repair as a case (维修案例) for later projects' design,
//! construction and sales (001 11.2.10.2, in the spirit of 《售后维修案例编写指引》): what the
//! problem was, its cause, how it was handled and what to do differently — one transaction with
//! its search entry and its event.

use crate::error::{AppError, AppResult};
use crate::ops::{de_text, log};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::values;
use propdesk_domain::work_order::RepairCategory;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Db;
use propdesk_store::models::repair_case::{self as store, NewRepairCase};
use propdesk_store::models::work_order as orders;
use serde::Deserialize;
use serde_json::json;

/// A case as typed on the page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RepairCaseInput {
    #[serde(default, deserialize_with = "de_text")]
    pub title: String,
    /// A `RepairCategory` code; empty: the work order's own category.
    #[serde(default, deserialize_with = "de_text")]
    pub category: String,
    /// 问题描述: what was found, where, in what kind of building.
    #[serde(default, deserialize_with = "de_text")]
    pub problem: String,
    /// 原因分析.
    #[serde(default, deserialize_with = "de_text")]
    pub cause: String,
    /// 处理方法.
    #[serde(default, deserialize_with = "de_text")]
    pub handling: String,
    /// 经验教训 for design, construction and sales; at least one.
    #[serde(default, deserialize_with = "de_text")]
    pub lesson_design: String,
    #[serde(default, deserialize_with = "de_text")]
    pub lesson_construction: String,
    #[serde(default, deserialize_with = "de_text")]
    pub lesson_sales: String,
}

#[derive(Debug, Clone)]
pub struct ParsedCase {
    pub title: String,
    pub category: Option<RepairCategory>,
    pub problem: String,
    pub cause: String,
    pub handling: String,
    pub lesson_design: String,
    pub lesson_construction: String,
    pub lesson_sales: String,
}

const LONG: usize = 4_000;

impl RepairCaseInput {
    /// Every problem at once: title, problem, cause and handling are required, and a case
    /// without a lesson for design, construction or sales guides nobody.
    pub fn parse(&self) -> Result<ParsedCase, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.take("title", values::text(&self.title, 100));
        let category = match self.category.trim() {
            "" => Some(None),
            k => e.take("category", RepairCategory::parse(k)).map(Some),
        };
        let problem = e.take("problem", values::text(&self.problem, LONG));
        let cause = e.take("cause", values::text(&self.cause, LONG));
        let handling = e.take("handling", values::text(&self.handling, LONG));
        let lesson = |e: &mut FieldErrors, field: &str, v: &str| e.take(field, values::opt_text(v, LONG)).map(Option::unwrap_or_default);
        let design = lesson(&mut e, "lesson_design", &self.lesson_design);
        let construction = lesson(&mut e, "lesson_construction", &self.lesson_construction);
        let sales = lesson(&mut e, "lesson_sales", &self.lesson_sales);
        if let (Some(d), Some(c), Some(s)) = (&design, &construction, &sales)
            && d.is_empty()
            && c.is_empty()
            && s.is_empty()
        {
            e.push(
                "lesson_design",
                Reason::Invalid("请至少填写一条对设计、施工或营销的经验教训", "give at least one lesson for design, construction or sales"),
            );
        }
        e.into_result()?;
        match (title, category, problem, cause, handling, design, construction, sales) {
            (Some(title), Some(category), Some(problem), Some(cause), Some(handling), Some(lesson_design), Some(lesson_construction), Some(lesson_sales)) => {
                Ok(ParsedCase { title, category, problem, cause, handling, lesson_design, lesson_construction, lesson_sales })
            }
            _ => Err(FieldErrors::single("title", Reason::Required)),
        }
    }
}

/// REP-13: writes up work order `work_order_id` (closed, in the actor's projects) as a case.
/// 403 without `WriteRepairCases`, 422 with every bad field, 404 for an order the actor cannot
/// see, 409 when the order is not closed or already has its case.
pub async fn create(db: &Db, actor: &Actor, work_order_id: i64, input: &RepairCaseInput) -> AppResult<i64> {
    if !actor.can(Permission::WriteRepairCases) {
        return Err(AppError::Forbidden);
    }
    let p = input.parse().map_err(AppError::Invalid)?;
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let w = orders::get(&mut tx, actor, work_order_id, lock).await?.ok_or(AppError::NotFound)?;
    if !w.status.may_write_case() {
        return Err(AppError::Conflict(format!("只有已关闭的工单可以编写维修案例（当前：{}）/ only a closed work order is written up", w.status.label(false))));
    }
    let category = p.category.unwrap_or(w.category);
    let n = NewRepairCase {
        project_id: w.project_id,
        work_order_id,
        work_order_number: &w.number,
        title: &p.title,
        category,
        problem: &p.problem,
        cause: &p.cause,
        handling: &p.handling,
        lesson_design: &p.lesson_design,
        lesson_construction: &p.lesson_construction,
        lesson_sales: &p.lesson_sales,
        written_by: Some(actor.staff_id).filter(|s| *s > 0),
        written_by_name: &actor.name,
    };
    let Some(id) = store::insert(&mut tx, &n, chrono::Utc::now()).await? else {
        return Err(AppError::Conflict("该工单已有维修案例 / this work order already has its case".into()));
    };
    log(
        &mut tx,
        actor,
        w.project_id,
        "repair_case",
        id,
        "written",
        json!({"work_order_id": work_order_id, "number": w.number, "title": p.title, "category": category.code()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
