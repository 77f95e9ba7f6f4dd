//! REP-13: repair case write-ups (维修案例) and their search index. A case belongs to one closed
//! work order; every read is scoped by the actor's projects. Search works as the complaint case
//! library's (CMP-14): the grams built by `propdesk_domain::search` go to the FTS5 table
//! `repair_case_search` (SQLite) or the table of the same name with a GIN-indexed tsvector
//! (PostgreSQL) in the inserting transaction; the index finds candidates and a LIKE check keeps
//! the results exact.

use crate::{AsEx, Backend, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::search;
use propdesk_domain::work_order::RepairCategory;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RepairCaseRow {
    pub id: i64,
    pub project_id: i64,
    pub work_order_id: i64,
    /// The work order's number (REP-10), joined.
    pub work_order_number: String,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub category: RepairCategory,
    pub problem: String,
    pub cause: String,
    pub handling: String,
    pub lesson_design: String,
    pub lesson_construction: String,
    pub lesson_sales: String,
    pub written_by_name: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

const COLS: &str = "rc.id, rc.project_id, rc.work_order_id, w.number AS work_order_number, rc.title, rc.category, rc.problem, rc.cause, rc.handling,
    rc.lesson_design, rc.lesson_construction, rc.lesson_sales, rc.written_by_name, rc.created_at, rc.version";

const FROM: &str = " FROM repair_cases rc JOIN work_orders w ON w.id = rc.work_order_id";

pub struct NewRepairCase<'a> {
    pub project_id: i64,
    pub work_order_id: i64,
    pub work_order_number: &'a str,
    pub title: &'a str,
    pub category: RepairCategory,
    pub problem: &'a str,
    pub cause: &'a str,
    pub handling: &'a str,
    pub lesson_design: &'a str,
    pub lesson_construction: &'a str,
    pub lesson_sales: &'a str,
    pub written_by: Option<i64>,
    pub written_by_name: &'a str,
}

/// Inserts a case and, in the same transaction, its search entry. `None` when the work order
/// already has its case (the unique work_order_id; nothing is written).
pub async fn insert(c: &mut impl AsEx, n: &NewRepairCase<'_>, now: DateTime<Utc>) -> Result<Option<i64>> {
    let sql = Sql::new(
        "INSERT INTO repair_cases (project_id, work_order_id, title, category, problem, cause, handling, lesson_design, lesson_construction, lesson_sales,
         written_by, written_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (work_order_id) DO NOTHING RETURNING id",
    )
    .arg(n.project_id)
    .arg(n.work_order_id)
    .arg(n.title)
    .arg(n.category.code())
    .arg(n.problem)
    .arg(n.cause)
    .arg(n.handling)
    .arg(n.lesson_design)
    .arg(n.lesson_construction)
    .arg(n.lesson_sales)
    .arg(n.written_by)
    .arg(n.written_by_name)
    .arg(now);
    let Some((id,)) = c.ex().fetch_optional::<(i64,)>(sql).await? else {
        return Ok(None);
    };
    let doc = search::document(&[n.work_order_number, n.title, n.problem, n.cause, n.handling, n.lesson_design, n.lesson_construction, n.lesson_sales]);
    let entry = match c.ex().backend() {
        Backend::Sqlite => Sql::new("INSERT INTO repair_case_search (rowid, grams) VALUES ($1, $2)").arg(id).arg(doc.fts_text()),
        Backend::Postgres => Sql::new("INSERT INTO repair_case_search (case_id, grams) VALUES ($1, CAST($2 AS tsvector))").arg(id).arg(doc.tsvector()),
    };
    c.ex().execute(entry).await?;
    Ok(Some(id))
}

/// A case the actor may see.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<RepairCaseRow>> {
    let sql = Sql::new(&format!("SELECT {COLS}{FROM} WHERE rc.id = ")).bind(id).push(" AND rc.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// The case written from a work order, if any (the order's page links to it).
pub async fn for_work_order(c: &mut impl AsEx, actor: &Actor, work_order_id: i64) -> Result<Option<RepairCaseRow>> {
    let sql = Sql::new(&format!("SELECT {COLS}{FROM} WHERE rc.work_order_id = ")).bind(work_order_id).push(" AND rc.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub category: Option<RepairCategory>,
    /// Work-order number, title, problem, cause, handling or lessons (substring; Chinese words
    /// of two characters and more through the index).
    pub q: Option<String>,
}

const SEARCHED: [&str; 8] = ["w.number", "rc.title", "rc.problem", "rc.cause", "rc.handling", "rc.lesson_design", "rc.lesson_construction", "rc.lesson_sales"];

fn filter(sql: Sql, backend: Backend, actor: &Actor, f: &Filter) -> Sql {
    let mut sql = sql.push(" WHERE rc.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND rc.project_id = ").bind(p);
    }
    if let Some(k) = f.category {
        sql = sql.push(" AND rc.category = ").bind(k.code());
    }
    let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) else {
        return sql;
    };
    // The index narrows to candidates when the query yields terms (one character does not:
    // the LIKE check alone answers it, over the few cases a library holds).
    if let Some(query) = search::query(q) {
        sql = match backend {
            Backend::Sqlite => sql.push(" AND rc.id IN (SELECT rowid FROM repair_case_search WHERE repair_case_search MATCH ").bind(query.fts()).push(")"),
            Backend::Postgres => {
                sql.push(" AND rc.id IN (SELECT case_id FROM repair_case_search WHERE grams @@ CAST(").bind(query.tsquery()).push(" AS tsquery))")
            }
        };
    }
    let pat = like_contains(q);
    sql = sql.push(" AND (");
    for (i, col) in SEARCHED.iter().enumerate() {
        sql = sql.push(if i == 0 { "" } else { " OR " }).push(col).push(" LIKE ").bind(pat.clone()).push(" ESCAPE '\\'");
    }
    sql.push(")")
}

/// The repair case library: newest first, with the count (cases are written by hand, so a
/// library holds thousands at most and is counted exactly).
pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page) -> Result<Paged<RepairCaseRow>> {
    let backend = c.ex().backend();
    let total = c.ex().scalar(filter(Sql::new(&format!("SELECT COUNT(*){FROM}")), backend, actor, f)).await?;
    let sql = filter(Sql::new(&format!("SELECT {COLS}{FROM}")), backend, actor, f)
        .push(" ORDER BY rc.id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}
