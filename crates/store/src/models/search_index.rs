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
    /// The table's name in list queries (their filters qualify columns with it).
    pub alias: &'static str,
    /// SQLite's FTS5 table of the entries.
    pub fts: &'static str,
    /// The partial index of `search_version = 0` (named so SQLite's planner is told to use it).
    pub pending_index: &'static str,
    /// The searchable fields joined with spaces, as SQL: a space is not a letter or digit, so
    /// the fields are cut into the same terms as `search::document` gives for them apart.
    pub text: &'static str,
    /// The same fields, qualified by `alias`, for the substring check of every result.
    pub columns: &'static [&'static str],
    /// SQLite: an index of `(id, project_id)` the FTS matches are looked up in, so the project
    /// check of each match needs no read of its (wide) row; rows are read for what passes.
    pub join_index: Option<&'static str>,
}

/// CMP-14: the complaint list's and the case library's `q` (number, complainant, phone, content).
pub const COMPLAINTS: Indexed = Indexed {
    table: "complaints",
    alias: "c",
    fts: "complaint_search",
    pending_index: "complaints_search_pending",
    text: "number || ' ' || complainant || ' ' || contact_phone || ' ' || content",
    columns: &["c.number", "c.complainant", "c.contact_phone", "c.content"],
    join_index: None,
};

/// REP: the work-order list's `q` (number, owner, phone, location, content).
pub const WORK_ORDERS: Indexed = Indexed {
    table: "work_orders",
    alias: "w",
    fts: "work_order_search",
    pending_index: "work_orders_search_pending",
    text: "number || ' ' || owner_name || ' ' || contact_phone || ' ' || location || ' ' || content",
    columns: &["w.number", "w.owner_name", "w.contact_phone", "w.location", "w.content"],
    join_index: Some("work_orders_id_project"),
};

/// A text search counts its matches up to this many; beyond, the list says "1,000+"
/// (`more`): staff narrow a search rather than page through thousands of results, and an
/// exact count of a common word among a million rows costs a read of every match.
pub const SEARCH_COUNT_CAP: i64 = 1_000;

/// SQLite: FTS matches of a search up to which its count walks the matches; above, when other
/// filters narrow the list, it walks those filters' index and checks the matches as a set
/// (a common word in one project of ten would otherwise read the matches of all ten).
pub const FTS_WALK_MAX: i64 = 5_000;

/// Rows written per statement on PostgreSQL (two parameters each).
const BATCH: usize = 200;

/// True while some rows have no entry yet; searches then scan with LIKE so they miss nothing.
pub async fn pending(c: &mut impl AsEx, ix: &Indexed) -> Result<bool> {
    // One probe of the partial index: the literal 0 (not a bound value) lets PostgreSQL use it,
    // and SQLite is told it, as with statistics from before a backfill it scans the table.
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
    // SQLite is told the partial index: with statistics from before a backfill its planner walks
    // the table from the first row instead, reading every row indexed so far again each round.
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
            // One statement each, the FTS5 write last: FTS5 flushes what it holds to disk at
            // every later statement of the transaction (a savepoint), and each flush is a new
            // segment to merge. A row at 0 has no entry (entry and mark are written together);
            // a re-index after a tokeniser change must delete the old entries with the reset.
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

/// Which rows drive a SQLite FTS query: the matches in id order (pages, and counts of few
/// matches) or the rows the other filters select (counts of many matches with narrow filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drive {
    Matches,
    Filters,
}

impl Indexed {
    /// `{select} FROM {table} {alias}{joins}`; SQLite walking FTS matches joins them first, so
    /// they come out in id order and a page or a capped count stops early.
    pub fn from(&self, select: &str, text: &Text, drive: Drive, joins: &str) -> Sql {
        let Indexed { table, alias, fts, .. } = self;
        match (text, drive) {
            (Text::Fts { .. }, Drive::Matches) => {
                let by = self.join_index.map(|i| format!(" INDEXED BY {i}")).unwrap_or_default();
                Sql::new(&format!("{select} FROM {fts} CROSS JOIN {table} {alias}{by} ON {alias}.id = {fts}.rowid{joins}"))
            }
            _ => Sql::new(&format!("{select} FROM {table} {alias}{joins}")),
        }
    }

    /// Appends the text search to a WHERE: the index's candidates (as `from` joined them, or as
    /// a set the filters' rows are checked against), then the substring check that keeps only
    /// exact matches.
    pub fn matching(&self, mut sql: Sql, text: &Text, drive: Drive) -> Sql {
        let Indexed { alias, fts, .. } = self;
        match text {
            Text::Fts { query, .. } => {
                sql = match drive {
                    Drive::Matches => sql.push(&format!(" AND {fts} MATCH ")).bind(query.as_str()),
                    // `+id`: not by the primary key, so SQLite takes the other filters' index.
                    Drive::Filters => sql.push(&format!(" AND +{alias}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ")).bind(query.as_str()).push(")"),
                };
            }
            Text::Gin { query, .. } => sql = sql.push(&format!(" AND {alias}.search @@ CAST(")).bind(query.as_str()).push(" AS tsquery)"),
            Text::Any | Text::Like(_) => {}
        }
        match text.like() {
            Some(pat) => like_any(sql, self.columns, pat),
            None => sql,
        }
    }

    /// `ORDER BY … LIMIT ` of a search's page: newest first by id, from FTS5 in rowid order.
    pub fn newest_first(&self, text: &Text) -> String {
        match text {
            Text::Fts { .. } => format!(" ORDER BY {}.rowid DESC LIMIT ", self.fts),
            _ => format!(" ORDER BY {}.id DESC LIMIT ", self.alias),
        }
    }

    /// How a capped count of a search walks (SQLite): the matches, unless the list is
    /// `narrowed` by other filters and the index has more than `FTS_WALK_MAX` candidates.
    pub async fn count_drive(&self, c: &mut impl AsEx, text: &Text, narrowed: bool) -> Result<Drive> {
        let Text::Fts { query, .. } = text else {
            return Ok(Drive::Matches);
        };
        if !narrowed {
            return Ok(Drive::Matches);
        }
        let probe = Sql::new(&format!("SELECT COUNT(*) FROM (SELECT rowid FROM {fts} WHERE {fts} MATCH $1 LIMIT $2) m", fts = self.fts))
            .arg(query.as_str())
            .arg(FTS_WALK_MAX + 1);
        Ok(if c.ex().scalar(probe).await? > FTS_WALK_MAX { Drive::Filters } else { Drive::Matches })
    }
}

/// ` AND (col LIKE pat OR …)`: the substring check (ESCAPE as `like_contains` escapes).
pub fn like_any(mut sql: Sql, columns: &[&str], pat: &str) -> Sql {
    sql = sql.push(" AND (");
    for (i, col) in columns.iter().enumerate() {
        sql = sql.push(if i == 0 { "" } else { " OR " }).push(col).push(" LIKE ").bind(pat).push(" ESCAPE '\\'");
    }
    sql.push(")")
}
