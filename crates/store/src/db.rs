//! Connecting to either backend, migrations, and the macros that run one SQL text on both.

use crate::{Result, StoreError};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/bangfu.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The one implementation of [`crate::Store`], on whichever backend the URL names.
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) db: Db,
    /// SQLite has one writer at a time. Writers queue here, woken in turn as each commits,
    /// instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms and left the
    /// server idle under the deadline rush (see BENCHMARKS.md). The lock guards the one
    /// connection that writes: always the same, its page cache stays valid from one write to the
    /// next (a reader connection's cache is dropped whenever another connection has written).
    pub(crate) sqlite_writer: std::sync::Arc<tokio::sync::Mutex<Option<SqlitePool>>>,
    /// The installation's audit key, with which appends are chained (see `audit_key.rs`).
    pub(crate) audit_key: Option<std::sync::Arc<crate::AuditKey>>,
    /// Set under `serve`: audited changes queue their entries and this chains them after the
    /// commit (see `audit_queue.rs`); without it they are chained inside their transaction.
    pub(crate) chainer: Option<std::sync::Arc<crate::audit_queue::AuditChainer>>,
}

/// A write transaction that carries the store's audit key to the audit append. Dereferences to
/// the connection, so statements run on it as `&mut *tx`.
///
/// Why a second write transaction beside [`crate::conn::WriteTx`]: this one is typed by backend
/// (`in_write_tx!` expands a body once per backend), so the body may bind and fetch with sqlx
/// directly; `conn::WriteTx` is one runtime type that plain generic functions take (the ledger's
/// fact gathering). New code should prefer `conn::WriteTx`; the older writes move to it as they
/// are touched, and the audit append serves both through `audit::append_to_chain!`.
pub(crate) struct WriteTx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
    pub(crate) audit_key: Option<std::sync::Arc<crate::AuditKey>>,
    pub(crate) chainer: Option<std::sync::Arc<crate::audit_queue::AuditChainer>>,
}

impl<DB: sqlx::Database> WriteTx<DB> {
    pub(crate) fn new(tx: sqlx::Transaction<'static, DB>, store: &SqlStore) -> Self {
        WriteTx {
            tx,
            audit_key: store.audit_key.clone(),
            chainer: store.chainer.clone(),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl<DB: sqlx::Database> std::ops::Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool of either backend. The SQL inside is the
/// same for both; the macro only lets the compiler type-check it once per backend.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside a write transaction bound to `$tx`, committing when it succeeds. SQLite
/// write transactions start with BEGIN IMMEDIATE so that a read-then-write cannot fail with BUSY.
macro_rules! in_write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.db {
            $crate::db::Db::Sqlite(pool) => {
                let writer = $store.sqlite_writer.lock().await;
                let pool = writer.as_ref().unwrap_or(pool);
                let mut $tx =
                    $crate::db::WriteTx::new(pool.begin_with("BEGIN IMMEDIATE").await?, &$store);
                let out = $body;
                $tx.commit().await?;
                $store.wake_chainer();
                out
            }
            $crate::db::Db::Postgres(pool) => {
                let mut $tx = $crate::db::WriteTx::new(pool.begin().await?, &$store);
                let out = $body;
                $tx.commit().await?;
                $store.wake_chainer();
                out
            }
        }
    };
}

pub(crate) use {in_write_tx, on_pool};

impl SqlStore {
    /// Opens the database a URL names: `sqlite://path` (or a bare path) or `postgres://…`.
    /// Creates a SQLite file and its directory when missing. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self> {
        let url = url.trim();
        if is_postgres(url) {
            return Ok(connect_postgres(url, false).await?.0);
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || url.contains("://") && !url.starts_with("sqlite:") {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|_| StoreError::BadUrl(url.to_string()))?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed report survives power loss, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        // No test before each acquire: a local file's connection does not go stale, and the
        // test is a round trip to the connection's thread on every request.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(SqlStore {
            db: Db::Sqlite(pool),
            sqlite_writer: std::sync::Arc::new(tokio::sync::Mutex::new(Some(writer))),
            audit_key: None,
            chainer: None,
        })
    }

    /// Like [`SqlStore::connect`], but creates a PostgreSQL database that does not exist yet
    /// (on the same server, with the URL's credentials). True when it created one.
    pub async fn connect_or_create(url: &str) -> Result<(Self, bool)> {
        let url = url.trim();
        if is_postgres(url) {
            return connect_postgres(url, true).await;
        }
        Ok((Self::connect(url).await?, false))
    }

    /// Applies this backend's migrations (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        // Data a migration cannot compute in SQL: the registers' feed facts of entries kept
        // before the facts existed.
        self.derive_feed_facts().await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(writer) = self.sqlite_writer.lock().await.as_ref() {
            writer.close().await;
        }
        on_pool!(self, |pool| pool.close().await)
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// How long a first connection to a PostgreSQL server may take before we give up on it.
const PG_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a pool after one plain connection has shown that the server answers and the database
/// exists: the pool itself would retry a refused connection silently until its timeout.
async fn connect_postgres(url: &str, create: bool) -> Result<(SqlStore, bool)> {
    use sqlx::migrate::MigrateDatabase;
    use sqlx::postgres::PgConnectOptions;
    use sqlx::Connection;
    let options =
        PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(url.to_string()))?;
    let server = format!("{}:{}", options.get_host(), options.get_port());
    let name = options
        .get_database()
        .unwrap_or(options.get_username())
        .to_string();
    let mut created = false;
    let probe = tokio::time::timeout(
        PG_CONNECT_TIMEOUT,
        sqlx::PgConnection::connect_with(&options),
    );
    match probe.await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
        }
        Err(_) => {
            let cause = format!("{} 秒内没有应答", PG_CONNECT_TIMEOUT.as_secs());
            return Err(StoreError::Unreachable { server, cause });
        }
        Ok(Err(sqlx::Error::Io(e))) => {
            let cause = match e.kind() {
                std::io::ErrorKind::ConnectionRefused => "连接被拒绝".to_string(),
                _ => e.to_string(),
            };
            return Err(StoreError::Unreachable { server, cause });
        }
        Ok(Err(sqlx::Error::Database(e))) if e.code().as_deref() == Some("3D000") => {
            if !create {
                return Err(StoreError::NoDatabase { name });
            }
            sqlx::Postgres::create_database(url)
                .await
                .map_err(|e| StoreError::CreateDatabase {
                    name: name.clone(),
                    cause: e.to_string(),
                })?;
            created = true;
        }
        Ok(Err(e)) => return Err(e.into()),
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    let store = SqlStore {
        db: Db::Postgres(pool),
        sqlite_writer: Default::default(),
        audit_key: None,
        chainer: None,
    };
    Ok((store, created))
}

impl crate::Store for SqlStore {
    fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }
}

impl SqlStore {
    /// An online, consistent copy of a SQLite database (`VACUUM INTO`), safe while the server runs.
    pub async fn backup_sqlite(&self, target: &std::path::Path) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(StoreError::Invalid(
                "PostgreSQL 数据库请用 pg_dump 备份、pg_restore 恢复（见 README）".into(),
            ));
        };
        if target.exists() {
            return Err(StoreError::Invalid(format!(
                "备份文件 {} 已存在，请换一个文件名",
                target.display()
            )));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(target.display().to_string())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// SQLite's own integrity check: "ok" or the problems it found.
    pub async fn integrity_check(&self) -> Result<String> {
        match &self.db {
            Db::Sqlite(pool) => {
                let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_all(pool)
                    .await?;
                Ok(rows.join("; "))
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
                Ok("ok".into())
            }
        }
    }
}
