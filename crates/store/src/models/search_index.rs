//! Search entries of a table searched like complaints (CMP-14): the grams built by
//! `propdesk_domain::search`, in a contentless FTS5 table (SQLite, rowid = the row's id) or a
//! GIN-indexed `search` tsvector column (PostgreSQL), with `search_version` marking the rows
//! indexed so far. Written with the row on insert; rows from before a table's index are
//! indexed here by the backfill.

use crate::like_contains;
use crate::{AsEx, Backend, Result, Sql};
use propdesk_domain::search;

/// A table with a search entry per row.
pub struct Indexed {
    pub table: &'static str,
    /// SQLite's FTS5 table of the entries.
    pub fts: &'static str,
    /// The partial index of `search_version = 0` (named so SQLite's planner is told to use it).
    pub pending_index: &'static str,
    /// The searchable fields joined with spaces, as SQL: a space is not a letter or digit, so
    /// the fields are cut into the same terms as `search::document` gives for them apart.
    pub text: &'static str,
}

/// REP: the work-order list's `q` (number, owner, phone, location, content).
pub const WORK_ORDERS: Indexed = Indexed {
    table: "work_orders",
    fts: "work_order_search",
    pending_index: "work_orders_search_pending",
    text: "number || ' ' || owner_name || ' ' || contact_phone || ' ' || location || ' ' || content",
};

/// Rows written per statement on PostgreSQL (two parameters each).
const BATCH: usize = 200;

/// True while some rows have no entry yet; searches then scan with LIKE so they miss nothing.
pub async fn pending(c: &mut impl AsEx, ix: &Indexed) -> Result<bool> {
    let indexed_by = match c.ex().backend() {
        Backend::Sqlite => format!(" INDEXED BY {}", ix.pending_index),
        Backend::Postgres => String::new(),
    };
    let n = c.ex().scalar(Sql::new(&format!("SELECT COUNT(*) FROM (SELECT 1 FROM {}{indexed_by} WHERE search_version = 0 LIMIT 1) p", ix.table))).await?;
    Ok(n > 0)
}

/// Indexes up to `limit` rows without an entry, lowest id first, inside the caller's
/// transaction; returns how many (PostgreSQL skips rows another node is indexing).
pub async fn index_pending(c: &mut impl AsEx, ix: &Indexed, limit: i64) -> Result<usize> {
    let backend = c.ex().backend();
    let (indexed_by, lock) = match backend {
        Backend::Postgres => (String::new(), " FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => (format!(" INDEXED BY {}", ix.pending_index), ""),
    };
    let sql = Sql::new(&format!(
        "SELECT id, {text} FROM {table} WHERE id IN (SELECT id FROM {table}{indexed_by} WHERE search_version = 0 ORDER BY id LIMIT $1{lock}) ORDER BY id",
        text = ix.text,
        table = ix.table
    ))
    .arg(limit);
    let rows: Vec<(i64, String)> = c.ex().fetch_all(sql).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    match backend {
        Backend::Sqlite => {
            // The FTS5 write last: FTS5 flushes a segment at every later statement of a
            // transaction (see models::complaint::index_pending).
            let ids = serde_json::Value::from(rows.iter().map(|r| r.0).collect::<Vec<i64>>()).to_string();
            let entries: Vec<serde_json::Value> = rows.iter().map(|(id, text)| serde_json::json!([id, search::document(&[text]).fts_text()])).collect();
            let mark =
                Sql::new(&format!("UPDATE {} SET search_version = $1 WHERE id IN (SELECT value FROM json_each($2))", ix.table)).arg(search::VERSION).arg(ids);
            c.ex().execute(mark).await?;
            let insert = Sql::new(&format!("INSERT INTO {} (rowid, grams) SELECT value ->> 0, value ->> 1 FROM json_each($1)", ix.fts))
                .arg(serde_json::Value::from(entries).to_string());
            c.ex().execute(insert).await?;
        }
        Backend::Postgres => {
            for batch in rows.chunks(BATCH) {
                let mut sql = Sql::new(&format!("UPDATE {} AS t SET search = CAST(v.s AS tsvector), search_version = ", ix.table))
                    .bind(search::VERSION)
                    .push(" FROM (VALUES ");
                for (i, (id, text)) in batch.iter().enumerate() {
                    sql = sql.push(if i == 0 { "(" } else { ", (" }).bind(*id).push(", ").bind(search::document(&[text]).tsvector()).push(")");
                }
                c.ex().execute(sql.push(") AS v(id, s) WHERE t.id = v.id")).await?;
            }
        }
    }
    Ok(rows.len())
}

/// How a text search is answered: through the index (SQLite FTS5 / PostgreSQL GIN) with the
/// substring check on its candidates, or by the substring check alone (one character, or rows
/// still waiting for their entries).
pub enum Text {
    Any,
    Like(String),
    Fts { like: String, query: String },
    Gin { like: String, query: String },
}

impl Text {
    /// The LIKE pattern every result is checked with (None: no text search).
    pub fn like(&self) -> Option<&str> {
        match self {
            Text::Any => None,
            Text::Like(l) | Text::Fts { like: l, .. } | Text::Gin { like: l, .. } => Some(l),
        }
    }
}

pub async fn text_of(c: &mut impl AsEx, ix: &Indexed, q: Option<&str>) -> Result<Text> {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(Text::Any);
    };
    let like = like_contains(q);
    let Some(query) = search::query(q) else {
        return Ok(Text::Like(like));
    };
    if pending(c, ix).await? {
        return Ok(Text::Like(like));
    }
    Ok(match c.ex().backend() {
        Backend::Sqlite => Text::Fts { like, query: query.fts() },
        Backend::Postgres => Text::Gin { like, query: query.tsquery() },
    })
}
