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
//! Reads use a small pool of read-only connections the same way; under WAL they never wait
//! for the writer. sqlx-sqlite only runs the migrations. Values are written exactly as
//! sqlx-sqlite writes them (timestamps as RFC 3339 text, dates as YYYY-MM-DD, booleans as
//! 0/1), so databases written before this change read the same.

use crate::{Arg, Result, Sql};
use chrono::SecondsFormat;
use rusqlite::{Connection, OpenFlags};
use serde::de::DeserializeOwned;
use sqlx::error::{DatabaseError, ErrorKind};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore, oneshot};

/// The process's one SQLite write connection.
///
/// Group commit: when a transaction finishes while others are queued for the writer, its
/// work is kept (`RELEASE` of its savepoint) and the next one continues in the same SQLite
/// transaction; the last of the group (or one that finds the group old or large) commits
/// for all, and only then does each caller get its answer. Every commit writes the touched
/// pages to the WAL; a group of eight reception records touching the same twenty pages
/// writes them once instead of eight times.
#[derive(Clone, Debug)]
pub struct Writer {
    inner: Arc<Mutex<Inner>>,
    queued: Arc<AtomicUsize>,
}

#[derive(Debug)]
struct Inner {
    conn: Connection,
    group: Option<Group>,
    next_generation: u64,
}

/// The open SQLite transaction and the callers whose work in it awaits the commit.
#[derive(Debug)]
struct Group {
    generation: u64,
    started: Instant,
    waiting: Vec<oneshot::Sender<Result<(), String>>>,
}

/// A group is committed when this many callers wait on it, or when it is this old.
const MAX_GROUP: usize = 32;
const MAX_GROUP_AGE: Duration = Duration::from_millis(2);
/// A caller waiting for its group commits it itself after this long: the one expected to
/// commit may have given up waiting for the writer.
const GROUP_WAIT: Duration = Duration::from_millis(10);

/// Counts a caller queued for the writer, also when its future is dropped while it waits.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writer {
    pub fn open(path: &Path) -> Result<Writer> {
        let c = Connection::open(path).map_err(err)?;
        c.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        // The same settings as the read pool (see Db::connect and docs/OPERATIONS.md).
        c.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY;",
        )
        .map_err(err)?;
        c.set_prepared_statement_cache_capacity(256);
        Ok(Writer { inner: Arc::new(Mutex::new(Inner { conn: c, group: None, next_generation: 0 })), queued: Arc::new(AtomicUsize::new(0)) })
    }

    /// Waits for the writer (first come, first served) and opens a write transaction (a
    /// savepoint inside the group's SQLite transaction). IMMEDIATE takes SQLite's write lock
    /// at once, so another process (the CLI while the server runs) makes us wait at BEGIN
    /// instead of failing half-way through.
    pub async fn begin(&self) -> Result<LiteTx> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut guard = {
            let _queued = Queued(&self.queued);
            self.inner.clone().lock_owned().await
        };
        let inner = &mut *guard;
        if inner.group.as_ref().is_some_and(|g| g.started.elapsed() > MAX_GROUP_AGE) {
            // The waiting callers' answers come first; ours starts a new group. A failed
            // commit is reported to them; we start afresh either way.
            let _ = finish(inner);
        }
        if inner.group.is_none() {
            run(&mut inner.conn, "BEGIN IMMEDIATE")?;
            inner.next_generation += 1;
            inner.group = Some(Group { generation: inner.next_generation, started: Instant::now(), waiting: Vec::new() });
        }
        if let Err(e) = run(&mut inner.conn, "SAVEPOINT pd_tx") {
            settle(inner, self.queued.load(Ordering::SeqCst));
            return Err(e);
        }
        Ok(LiteTx { guard: Some(guard), writer: self.clone() })
    }
}

/// Read connections, used inline like the writer (a read is an indexed lookup or a page of a
/// list: microseconds to a few milliseconds). `query_only` makes a write through them an
/// error instead of a way around the writer's queue.
#[derive(Clone, Debug)]
pub struct Readers {
    idle: Arc<std::sync::Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub fn open(path: &Path, n: usize) -> Result<Readers> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(err)?;
            c.busy_timeout(Duration::from_secs(10)).map_err(err)?;
            c.execute_batch("PRAGMA query_only = ON; PRAGMA cache_size = -16000; PRAGMA temp_store = MEMORY;").map_err(err)?;
            c.set_prepared_statement_cache_capacity(256);
            conns.push(c);
        }
        Ok(Readers { idle: Arc::new(std::sync::Mutex::new(conns)), permits: Arc::new(Semaphore::new(n)) })
    }

    pub async fn acquire(&self) -> Result<ReadConn> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| sqlx::Error::PoolClosed)?;
        let conn = self.idle.lock().map_err(|_| sqlx::Error::PoolClosed)?.pop().ok_or(sqlx::Error::PoolClosed)?;
        Ok(ReadConn { conn: Some(conn), idle: self.idle.clone(), _permit: permit })
    }
}

/// A read connection, back to the pool when dropped.
pub struct ReadConn {
    conn: Option<Connection>,
    idle: Arc<std::sync::Mutex<Vec<Connection>>>,
    _permit: OwnedSemaphorePermit,
}

impl ReadConn {
    pub fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("a read connection is held until dropped")
    }
}

impl Drop for ReadConn {
    fn drop(&mut self) {
        if let (Some(c), Ok(mut idle)) = (self.conn.take(), self.idle.lock()) {
            idle.push(c);
        }
    }
}

/// Commits the group's transaction and gives every waiting caller the result.
fn finish(inner: &mut Inner) -> Result<()> {
    let Some(group) = inner.group.take() else { return Ok(()) };
    let r = run(&mut inner.conn, "COMMIT");
    if r.is_err() && !inner.conn.is_autocommit() {
        let _ = inner.conn.execute_batch("ROLLBACK");
    }
    let answer = r.as_ref().map(|_| ()).map_err(|e| format!("the group commit failed: {e}"));
    for w in group.waiting {
        let _ = w.send(answer.clone());
    }
    r
}

/// After a caller leaves without committing: if SQLite lost the whole transaction (an I/O
/// error rolls everything back), the waiting callers are told; if nobody else is coming,
/// the waiting callers' work is committed now.
fn settle(inner: &mut Inner, queued: usize) {
    if inner.group.is_some() && inner.conn.is_autocommit() {
        if let Some(group) = inner.group.take() {
            for w in group.waiting {
                let _ = w.send(Err("the transaction was rolled back by SQLite".to_string()));
            }
        }
    } else if queued == 0 {
        let _ = finish(inner);
    }
}

/// An open write transaction; its work is undone when dropped without `commit`.
pub struct LiteTx {
    guard: Option<OwnedMutexGuard<Inner>>,
    writer: Writer,
}

impl LiteTx {
    pub fn conn(&mut self) -> &mut Connection {
        // The guard is only taken by commit, which consumes the transaction.
        &mut self.guard.as_mut().expect("an open transaction holds the writer").conn
    }

    pub async fn commit(mut self) -> Result<()> {
        let Some(mut guard) = self.guard.take() else { return Ok(()) };
        let inner = &mut *guard;
        if let Err(e) = run(&mut inner.conn, "RELEASE pd_tx") {
            self.guard = Some(guard);
            return Err(e);
        }
        let queued = self.writer.queued.load(Ordering::SeqCst);
        let Some(group) = inner.group.as_mut() else { return Err(sqlx::Error::Protocol("the write transaction was lost".into())) };
        if queued == 0 || group.waiting.len() + 1 >= MAX_GROUP {
            return finish(inner);
        }
        // Others are queued: leave our work in the open transaction for them to commit.
        let (tx, mut rx) = oneshot::channel();
        group.waiting.push(tx);
        let generation = group.generation;
        drop(guard);
        let answer = tokio::select! {
            a = &mut rx => a,
            _ = tokio::time::sleep(GROUP_WAIT) => {
                let mut inner = self.writer.inner.lock().await;
                if inner.group.as_ref().is_some_and(|g| g.generation == generation) {
                    let _ = finish(&mut inner);
                }
                drop(inner);
                rx.await
            }
        };
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(msg)) => Err(sqlx::Error::Protocol(msg)),
            Err(_) => Err(sqlx::Error::Protocol("the group commit did not answer".into())),
        }
    }
}

impl Drop for LiteTx {
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            let inner = &mut *guard;
            // Nothing to report to: the caller has already gone (an error or a dropped request).
            if !inner.conn.is_autocommit() {
                let _ = inner.conn.execute_batch("ROLLBACK TO pd_tx; RELEASE pd_tx");
            }
            settle(inner, self.writer.queued.load(Ordering::SeqCst));
        }
    }
}

fn run(c: &mut Connection, sql: &str) -> Result<()> {
    c.prepare_cached(sql).and_then(|mut s| s.raw_execute()).map(|_| ()).map_err(err)
}

/// Which argument each of a statement's parameters takes, by SQL text. SQLite finds a
/// parameter's name by walking a list (`sqlite3_bind_parameter_name` is linear), so asking it for
/// every parameter of a 680-parameter INSERT was quadratic and dominated a billing run; the
/// mapping is worked out once per statement text instead.
static PARAM_ARGS: LazyLock<std::sync::Mutex<HashMap<String, Arc<[usize]>>>> = LazyLock::new(|| std::sync::Mutex::new(HashMap::new()));

/// Statement texts whose mapping is kept (dynamic filters make many; a full map starts over).
const PARAM_ARGS_CAP: usize = 1024;

fn param_args(stmt: &rusqlite::Statement<'_>, sql: &str) -> Arc<[usize]> {
    if let Ok(map) = PARAM_ARGS.lock()
        && let Some(found) = map.get(sql)
    {
        return found.clone();
    }
    let args: Arc<[usize]> = (1..=stmt.parameter_count())
        .map(|i| stmt.parameter_name(i).and_then(|name| name.trim_start_matches(['$', '?']).parse::<usize>().ok()).unwrap_or(i))
        .collect();
    if let Ok(mut map) = PARAM_ARGS.lock() {
        if map.len() >= PARAM_ARGS_CAP {
            map.clear();
        }
        map.insert(sql.to_string(), args.clone());
    }
    args
}

/// Binds `$n` parameters by their number, as sqlx does: SQLite numbers parameters in order
/// of first appearance, which differs from `$n` when SQL names them out of order.
fn bind(stmt: &mut rusqlite::Statement<'_>, sql: &str, args: &[Arg]) -> Result<()> {
    let numbers = param_args(stmt, sql);
    for (idx, n) in numbers.iter().enumerate() {
        let (i, n) = (idx + 1, *n);
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
    bind(&mut stmt, &sql.text, &sql.args)?;
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
        bind(&mut stmt, &sql.text, &sql.args)?;
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
