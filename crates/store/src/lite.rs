//! The SQLite writer: one rusqlite connection behind an async mutex, used inline.
//!
//! SQLite allows one writer at a time, so every write transaction queues for this one
//! connection. With sqlx-sqlite each statement was a round trip to the connection's worker
//! thread and back through the tokio scheduler, and the writer stayed locked across all of
//! those trips: a reception record (about ten statements) held it for ~1 ms under load,
//! which capped the whole system near 1,000 write transactions a second. Here a statement
//! runs on the task's own thread, so a transaction holds the writer only for the time
//! SQLite spends on it (tens of microseconds). Long writes (an import, an escalation
//! catch-up) do block one runtime thread while they run; they are rare and chunked.
//!
//! Reads stay on sqlx's pool: they run in parallel and never wait for the writer (WAL).
//! Values are written exactly as sqlx-sqlite writes them, so either side reads both.

use crate::{Arg, Result, Sql};
use chrono::SecondsFormat;
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use sqlx::error::{DatabaseError, ErrorKind};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The process's one SQLite write connection.
#[derive(Clone, Debug)]
pub struct Writer(Arc<Mutex<Connection>>);

impl Writer {
    pub fn open(path: &Path) -> Result<Writer> {
        let c = Connection::open(path).map_err(err)?;
        c.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        // The same settings as the read pool (see Db::connect and docs/OPERATIONS.md).
        c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY;")
            .map_err(err)?;
        c.set_prepared_statement_cache_capacity(256);
        Ok(Writer(Arc::new(Mutex::new(c))))
    }

    /// Waits for the writer (first come, first served) and opens a write transaction.
    /// IMMEDIATE takes SQLite's write lock at once, so another process (the CLI while the
    /// server runs) makes us wait at BEGIN instead of failing half-way through.
    pub async fn begin(&self) -> Result<LiteTx> {
        let mut guard = self.0.clone().lock_owned().await;
        run(&mut guard, "BEGIN IMMEDIATE")?;
        Ok(LiteTx { conn: guard, open: true })
    }
}

/// An open write transaction; rolled back when dropped without `commit`.
pub struct LiteTx {
    conn: OwnedMutexGuard<Connection>,
    open: bool,
}

impl LiteTx {
    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
    pub fn commit(mut self) -> Result<()> {
        run(&mut self.conn, "COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for LiteTx {
    fn drop(&mut self) {
        if self.open && !self.conn.is_autocommit() {
            // Nothing to report to: the caller has already gone (an error or a dropped request).
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

fn run(c: &mut Connection, sql: &str) -> Result<()> {
    c.prepare_cached(sql).and_then(|mut s| s.raw_execute()).map(|_| ()).map_err(err)
}

/// Binds `$n` parameters by their number, as sqlx does: SQLite numbers parameters in order
/// of first appearance, which differs from `$n` when SQL names them out of order.
fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[Arg]) -> Result<()> {
    for i in 1..=stmt.parameter_count() {
        let n = stmt.parameter_name(i).and_then(|name| name.trim_start_matches(['$', '?']).parse::<usize>().ok()).unwrap_or(i);
        let a = args.get(n.wrapping_sub(1)).ok_or_else(|| sqlx::Error::Protocol(format!("no argument for parameter ${n}")))?;
        let r = match a {
            Arg::I64(v) => stmt.raw_bind_parameter(i, v),
            Arg::Str(v) => stmt.raw_bind_parameter(i, v.as_deref()),
            Arg::Bool(v) => stmt.raw_bind_parameter(i, v.map(i64::from)),
            Arg::Date(v) => stmt.raw_bind_parameter(i, v.map(|d| d.format("%F").to_string())),
            Arg::Ts(v) => stmt.raw_bind_parameter(i, v.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
        };
        r.map_err(err)?;
    }
    Ok(())
}

/// Runs a query and decodes at most `limit` rows.
pub fn fetch<T: DeserializeOwned>(c: &mut Connection, sql: &Sql, limit: usize) -> Result<Vec<T>> {
    let mut stmt = c.prepare_cached(&sql.text).map_err(err)?;
    bind(&mut stmt, &sql.args)?;
    let columns = serde_rusqlite::columns_from_statement(&stmt);
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while out.len() < limit {
        match rows.next().map_err(err)? {
            Some(row) => out.push(serde_rusqlite::from_row_with_columns::<T>(row, &columns).map_err(|e| sqlx::Error::Decode(Box::new(e)))?),
            None => break,
        }
    }
    Ok(out)
}

/// Runs a statement to completion; returns the rows it changed.
pub fn execute(c: &mut Connection, sql: &Sql) -> Result<u64> {
    {
        let mut stmt = c.prepare_cached(&sql.text).map_err(err)?;
        bind(&mut stmt, &sql.args)?;
        let mut rows = stmt.raw_query();
        while rows.next().map_err(err)?.is_some() {}
    }
    Ok(c.changes())
}

/// rusqlite's errors as the sqlx errors the rest of the code already understands.
fn err(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            sqlx::Error::Database(Box::new(LiteError { code: f.extended_code, message: msg.unwrap_or_else(|| f.to_string()) }))
        }
        rusqlite::Error::QueryReturnedNoRows => sqlx::Error::RowNotFound,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

#[derive(Debug)]
struct LiteError {
    code: i32,
    message: String,
}

impl std::fmt::Display for LiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for LiteError {}

impl DatabaseError for LiteError {
    fn message(&self) -> &str {
        &self.message
    }
    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> ErrorKind {
        // SQLite's extended result codes for constraint failures.
        match self.code {
            2067 | 1555 => ErrorKind::UniqueViolation,
            787 => ErrorKind::ForeignKeyViolation,
            1299 => ErrorKind::NotNullViolation,
            275 => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}
