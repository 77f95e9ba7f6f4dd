//! propdesk-store — the only crate that knows SQL.
//!
//! One query layer for SQLite and PostgreSQL: every query is written once, with `$n`
//! placeholders (which both sqlx drivers accept), and run on whichever backend the
//! database URL names. Rows decode through `sqlx::FromRow` derives that hold for both.

mod lite;
pub mod models;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub use sqlx::Error as DbError;
pub type Result<T, E = sqlx::Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database. On SQLite, write transactions queue in-process for one connection (no
/// SQLITE_BUSY) that runs statements inline (see `lite`); reads use sqlx's pool and, under
/// WAL, never wait for the writer.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: lite::Readers, write: lite::Writer, migrate: Box<SqliteConnectOptions> },
    Postgres(PgPool),
}

impl Db {
    /// `sqlite:path/to/file.db` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
            return Ok(Db::Postgres(pool));
        }
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL under WAL can lose the last transactions on power loss (not on a crash of
            // the process); docs/OPERATIONS.md explains the choice and how to switch to FULL.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32000")
            .pragma("temp_store", "memory");
        // One sqlx connection creates the file and switches it to WAL; migrations use sqlx too.
        SqlitePoolOptions::new().max_connections(1).connect_with(opts.clone()).await?.close().await;
        let write = lite::Writer::open(opts.get_filename())?;
        let read = lite::Readers::open(opts.get_filename(), 8)?;
        Ok(Db::Sqlite { read, write, migrate: Box::new(opts) })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs the migrations, then seeds the shipped calendar years into companies that lack
    /// them (a database from before the calendar, or a release that ships a new year).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite { migrate, .. } => {
                let pool = SqlitePoolOptions::new().max_connections(1).connect_with((**migrate).clone()).await?;
                let r = sqlx::migrate!("./migrations/sqlite").run(&pool).await;
                pool.close().await;
                r?
            }
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        let seed = async {
            let mut tx = self.begin().await?;
            models::calendar::seed_shipped_all(&mut tx).await?;
            tx.commit().await
        };
        seed.await.map_err(sqlx::migrate::MigrateError::Execute)
    }

    /// A connection for reads (no transaction).
    pub async fn read(&self) -> Result<Conn> {
        Ok(match self {
            Db::Sqlite { read, .. } => Conn::Lite(read.acquire().await?),
            Db::Postgres(p) => Conn::Pg(p.acquire().await?),
        })
    }

    /// A transaction: one per user action (DESIGN.md). Dropped without `commit` → rolled back.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Lite(write.begin().await?),
            Db::Postgres(p) => Tx::Pg(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { .. } => {}
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// A bound value. Nulls carry their type because PostgreSQL wants typed parameters.
#[derive(Debug, Clone)]
pub enum Arg {
    I64(Option<i64>),
    Str(Option<String>),
    Bool(Option<bool>),
    Date(Option<NaiveDate>),
    Ts(Option<DateTime<Utc>>),
}

macro_rules! arg_from {
    ($t:ty, $var:ident, $conv:expr) => {
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                #[allow(clippy::redundant_closure_call)]
                Arg::$var(Some(($conv)(v)))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Arg {
                #[allow(clippy::redundant_closure_call)]
                Arg::$var(v.map($conv))
            }
        }
    };
}
arg_from!(i64, I64, |v| v);
arg_from!(bool, Bool, |v| v);
arg_from!(String, Str, |v| v);
arg_from!(&str, Str, |v: &str| v.to_string());
arg_from!(&String, Str, |v: &String| v.clone());
arg_from!(NaiveDate, Date, |v| v);
arg_from!(DateTime<Utc>, Ts, |v| v);

/// SQL text plus its arguments. `bind` appends the next `$n` placeholder and its value,
/// so dynamic filters can be composed without counting placeholders by hand.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: Vec::new() }
    }
    pub fn push(mut self, text: &str) -> Sql {
        self.text.push_str(text);
        self
    }
    /// Appends `$n` and binds `v` to it.
    pub fn bind(mut self, v: impl Into<Arg>) -> Sql {
        self.args.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }
    /// Binds `v` to the next number for SQL that already spells its placeholders.
    pub fn arg(mut self, v: impl Into<Arg>) -> Sql {
        self.args.push(v.into());
        self
    }
    /// Appends `($a, $b, …)` for an `IN` list; an empty list matches nothing.
    pub fn bind_list(mut self, vs: &[i64]) -> Sql {
        if vs.is_empty() {
            self.text.push_str("(NULL)");
            return self;
        }
        self.text.push('(');
        for (i, v) in vs.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self = self.bind(*v);
        }
        self.text.push(')');
        self
    }
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A row type that decodes on both backends: through sqlx on PostgreSQL, through serde on
/// SQLite (so rows derive both `sqlx::FromRow` and `Deserialize`).
pub trait Record: for<'r> sqlx::FromRow<'r, PgRow> + DeserializeOwned + Send + Unpin {}
impl<T> Record for T where T: for<'r> sqlx::FromRow<'r, PgRow> + DeserializeOwned + Send + Unpin {}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(*v),
                Arg::Str(v) => q.bind(v.as_deref()),
                Arg::Bool(v) => q.bind(*v),
                Arg::Date(v) => q.bind(*v),
                Arg::Ts(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// A borrowed connection, inside a transaction or not; all queries run through it.
pub enum Ex<'a> {
    /// A SQLite connection: the writer inside a write transaction, or a reader.
    Lite(&'a mut rusqlite::Connection),
    Pg(&'a mut sqlx::PgConnection),
}

/// Anything that lends an `Ex`: a pooled connection or a transaction. Model functions take
/// `&mut impl AsEx`, so the same query serves a page's read and an `ops` transaction.
pub trait AsEx: Send {
    fn ex(&mut self) -> Ex<'_>;
}

impl Ex<'_> {
    pub async fn fetch_all<T: Record>(&mut self, sql: Sql) -> Result<Vec<T>> {
        match self {
            Ex::Lite(c) => lite::fetch(c, &sql, usize::MAX),
            Ex::Pg(c) => bind_all!(sqlx::query_as::<Postgres, T>(&sql.text), &sql.args).fetch_all(&mut **c).await,
        }
    }
    pub async fn fetch_optional<T: Record>(&mut self, sql: Sql) -> Result<Option<T>> {
        match self {
            Ex::Lite(c) => lite::fetch(c, &sql, 1).map(|mut v| v.pop()),
            Ex::Pg(c) => bind_all!(sqlx::query_as::<Postgres, T>(&sql.text), &sql.args).fetch_optional(&mut **c).await,
        }
    }
    pub async fn fetch_one<T: Record>(&mut self, sql: Sql) -> Result<T> {
        match self {
            Ex::Lite(c) => lite::fetch(c, &sql, 1)?.pop().ok_or(sqlx::Error::RowNotFound),
            Ex::Pg(c) => bind_all!(sqlx::query_as::<Postgres, T>(&sql.text), &sql.args).fetch_one(&mut **c).await,
        }
    }
    /// A single i64 (COUNT, an id, …). Sums must be CAST to BIGINT: PostgreSQL's SUM(bigint) is NUMERIC.
    pub async fn scalar(&mut self, sql: Sql) -> Result<i64> {
        self.fetch_one::<(i64,)>(sql).await.map(|r| r.0)
    }
    /// Runs a statement; returns the number of rows it touched.
    pub async fn execute(&mut self, sql: Sql) -> Result<u64> {
        match self {
            Ex::Lite(c) => lite::execute(c, &sql),
            Ex::Pg(c) => bind_all!(sqlx::query::<Postgres>(&sql.text), &sql.args).execute(&mut **c).await.map(|r| r.rows_affected()),
        }
    }
    /// Runs an INSERT (given without RETURNING) and returns the new row's id.
    pub async fn insert(&mut self, sql: Sql) -> Result<i64> {
        self.scalar(sql.push(" RETURNING id")).await
    }
    pub fn backend(&self) -> Backend {
        match self {
            Ex::Lite(_) => Backend::Sqlite,
            Ex::Pg(_) => Backend::Postgres,
        }
    }
}

pub enum Conn {
    Lite(lite::ReadConn),
    Pg(PoolConnection<Postgres>),
}

pub enum Tx {
    Lite(lite::LiteTx),
    Pg(Transaction<'static, Postgres>),
}

impl AsEx for Conn {
    fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Lite(c) => Ex::Lite(c.conn()),
            Conn::Pg(c) => Ex::Pg(c),
        }
    }
}

impl AsEx for Tx {
    fn ex(&mut self) -> Ex<'_> {
        match self {
            Tx::Lite(t) => Ex::Lite(t.conn()),
            Tx::Pg(c) => Ex::Pg(c),
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Lite(t) => t.commit().await,
            Tx::Pg(t) => t.commit().await,
        }
    }
    /// `FOR UPDATE` where the backend has it. SQLite needs none: its one writer connection
    /// already serialises write transactions.
    pub fn for_update(&self) -> &'static str {
        match self {
            Tx::Lite(_) => "",
            Tx::Pg(_) => " FOR UPDATE",
        }
    }
    /// Opens a savepoint `name`: the work after it can be undone alone (`end_savepoint`).
    pub async fn savepoint(&mut self, name: &str) -> Result<()> {
        self.ex().execute(Sql::new(&format!("SAVEPOINT {name}"))).await?;
        Ok(())
    }
    /// Closes savepoint `name`, keeping the work since it (`keep`) or undoing it.
    pub async fn end_savepoint(&mut self, name: &str, keep: bool) -> Result<()> {
        if !keep {
            self.ex().execute(Sql::new(&format!("ROLLBACK TO SAVEPOINT {name}"))).await?;
        }
        self.ex().execute(Sql::new(&format!("RELEASE SAVEPOINT {name}"))).await?;
        Ok(())
    }
}

/// Whether the database answers (the health check).
pub async fn ping(c: &mut impl AsEx) -> Result<()> {
    c.ex().scalar(Sql::new("SELECT CAST(1 AS BIGINT)")).await?;
    Ok(())
}

/// True when the error is a unique-constraint violation (a duplicate the user should be told about).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.is_unique_violation(),
        _ => false,
    }
}

/// True when the error is an overlap refused by the database: PostgreSQL's exclusion constraint
/// (23P01) or a SQLite trigger's `RAISE(ABORT, '…_overlap')` (SQLITE_CONSTRAINT_TRIGGER, 1811).
pub fn is_overlap_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => match d.code().as_deref() {
            Some("23P01") => true,
            Some("1811") => d.message().ends_with("_overlap"),
            _ => false,
        },
        _ => false,
    }
}

/// The offset and limit of a page (1-based), bounded so a crafted URL cannot ask for everything.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn new(number: i64, size: i64) -> Page {
        Page { number: number.max(1), size: size.clamp(1, 500) }
    }
    /// The first `limit` rows at once, for what the server itself asks for — an Excel export, a
    /// print run — never for a size taken from a URL (that is `new`, at most 500). At most
    /// `MAX_EXPORT` rows.
    pub fn first(limit: i64) -> Page {
        Page { number: 1, size: limit.clamp(1, Page::MAX_EXPORT) }
    }
    pub const MAX_EXPORT: i64 = 100_000;
    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.size
    }
}

/// One page of results with the total count, for pagers.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: Page,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.page.size - 1) / self.page.size).max(1)
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (used with `ESCAPE '\'`).
pub fn like_contains(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}
