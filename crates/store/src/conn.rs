//! A connection of either backend behind one type, so that store code reading and writing with
//! the same SQL text on both is written once as plain functions taking `&mut Conn`.
//!
//! sqlx types every query by its backend (`Query<'q, Sqlite, …>` and `Query<'q, Postgres, …>` are
//! different types), so something has to choose the backend at each call: [`Conn`] does it once
//! per method, and arguments travel as backend-neutral [`Arg`]s. The functions using it need no
//! bounds and no macros.

use crate::db::Db;
use crate::stmt::{execute_all, Arg, Stmt};
use crate::{Result, SqlStore};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Arguments, Database, Decode, Encode, FromRow, PgConnection, Postgres, Sqlite};
use sqlx::{SqliteConnection, Type};

/// One connection (pooled or inside a transaction) of either backend, with the store's audit key
/// for the audit entries its statements append.
pub(crate) struct Conn<'a> {
    inner: Inner<'a>,
    audit_key: AuditKeyRef,
    chainer: ChainerRef,
}

enum Inner<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

type AuditKeyRef = Option<std::sync::Arc<crate::AuditKey>>;
type ChainerRef = Option<std::sync::Arc<crate::audit_queue::AuditChainer>>;

/// A connection with the audit key, in the shape `execute_all!` expects of a write transaction
/// (fields `audit_key` and `chainer`, and the connection behind `*`).
struct Keyed<'c, C> {
    conn: &'c mut C,
    audit_key: AuditKeyRef,
    chainer: ChainerRef,
}

impl<C> std::ops::Deref for Keyed<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn
    }
}

impl<C> std::ops::DerefMut for Keyed<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn
    }
}

/// A column value both backends decode.
pub(crate) trait Column:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}

impl<T> Column for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

/// A row type both backends decode (`#[derive(sqlx::FromRow)]` or a tuple of [`Column`]s).
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// The arguments of one query, bound in order for backend `DB`.
fn arguments<'q, DB: Database>(args: Vec<Arg>) -> Result<DB::Arguments<'q>>
where
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    i32: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    NaiveDate: Encode<'q, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
    Vec<u8>: Encode<'q, DB> + Type<DB>,
{
    let mut out = DB::Arguments::default();
    for arg in args {
        match arg {
            Arg::Text(v) => out.add(v),
            Arg::OptText(v) => out.add(v),
            Arg::I32(v) => out.add(v),
            Arg::I64(v) => out.add(v),
            Arg::OptI64(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
            Arg::Date(v) => out.add(v),
            Arg::OptDate(v) => out.add(v),
            Arg::Time(v) => out.add(v),
            Arg::Bytes(v) => out.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// Runs `$body` with `$c` bound to the concrete connection and `$db` naming its backend. The body
/// is the same for both; the macro only lets the compiler type it once per backend (see the
/// module comment).
macro_rules! on_conn {
    ($conn:expr, |$c:ident, $db:ident| $body:expr) => {
        match &mut $conn.inner {
            Inner::Sqlite(c) => {
                type $db = Sqlite;
                let $c: &mut SqliteConnection = c;
                $body
            }
            Inner::Postgres(c) => {
                type $db = Postgres;
                let $c: &mut PgConnection = c;
                $body
            }
        }
    };
}

impl Conn<'_> {
    /// The one value of the first column of the one row a query returns.
    pub async fn scalar<T: Column>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T> {
        Ok(on_conn!(self, |c, DB| sqlx::query_scalar_with(
            sql,
            arguments::<DB>(args)?
        )
        .fetch_one(c)
        .await?))
    }

    /// The first column of the first row, if there is a row.
    pub async fn scalar_optional<T: Column>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>> {
        Ok(on_conn!(self, |c, DB| sqlx::query_scalar_with(
            sql,
            arguments::<DB>(args)?
        )
        .fetch_optional(c)
        .await?))
    }

    /// The first row, if there is one.
    pub async fn row<R: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<R>> {
        Ok(on_conn!(self, |c, DB| sqlx::query_as_with(
            sql,
            arguments::<DB>(args)?
        )
        .fetch_optional(c)
        .await?))
    }

    /// Every row.
    pub async fn rows<R: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<R>> {
        Ok(on_conn!(self, |c, DB| sqlx::query_as_with(
            sql,
            arguments::<DB>(args)?
        )
        .fetch_all(c)
        .await?))
    }

    /// Runs one statement.
    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<()> {
        on_conn!(self, |c, DB| sqlx::query_with(sql, arguments::<DB>(args)?)
            .execute(c)
            .await
            .map(drop)?);
        Ok(())
    }

    /// Runs statements in order, appending their audit entries to the chain (see
    /// [`execute_all!`], which needs a concrete connection).
    pub async fn execute_all(&mut self, stmts: impl IntoIterator<Item = Stmt>) -> Result<()> {
        let (audit_key, chainer) = (self.audit_key.clone(), self.chainer.clone());
        on_conn!(self, |c, _DB| {
            let mut keyed = Keyed {
                conn: c,
                audit_key,
                chainer,
            };
            execute_all!(keyed, stmts)
        });
        Ok(())
    }
}

/// A write transaction of either backend. Dropped without [`WriteTx::commit`], it rolls back.
pub(crate) enum WriteTx<'s> {
    Sqlite {
        tx: sqlx::Transaction<'static, Sqlite>,
        /// Held until the transaction ends (declared after `tx`, so dropped after it).
        _writer: tokio::sync::MutexGuard<'s, Option<sqlx::SqlitePool>>,
        audit_key: AuditKeyRef,
        chainer: ChainerRef,
    },
    Postgres {
        tx: sqlx::Transaction<'static, Postgres>,
        audit_key: AuditKeyRef,
        chainer: ChainerRef,
    },
}

impl WriteTx<'_> {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            WriteTx::Sqlite {
                tx,
                audit_key,
                chainer,
                ..
            } => Conn {
                inner: Inner::Sqlite(tx),
                audit_key: audit_key.clone(),
                chainer: chainer.clone(),
            },
            WriteTx::Postgres {
                tx,
                audit_key,
                chainer,
            } => Conn {
                inner: Inner::Postgres(tx),
                audit_key: audit_key.clone(),
                chainer: chainer.clone(),
            },
        }
    }

    pub async fn commit(self) -> Result<()> {
        let chainer = match self {
            WriteTx::Sqlite {
                tx,
                _writer,
                chainer,
                ..
            } => {
                tx.commit().await?;
                chainer
            }
            WriteTx::Postgres { tx, chainer, .. } => {
                tx.commit().await?;
                chainer
            }
        };
        if let Some(chainer) = chainer {
            chainer.wake();
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self {
            WriteTx::Sqlite { tx, _writer, .. } => tx.rollback().await?,
            WriteTx::Postgres { tx, .. } => tx.rollback().await?,
        }
        Ok(())
    }
}

/// A connection taken from the pool for reading.
pub(crate) enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Pooled {
    /// Reads only: no audit key, so an audited write through it is refused.
    pub fn conn(&mut self) -> Conn<'_> {
        let inner = match self {
            Pooled::Sqlite(c) => Inner::Sqlite(c),
            Pooled::Postgres(c) => Inner::Postgres(c),
        };
        Conn {
            inner,
            audit_key: None,
            chainer: None,
        }
    }
}

impl SqlStore {
    /// Begins a write transaction as `in_write_tx!` does: SQLite writers queue for the one write
    /// lock and start with BEGIN IMMEDIATE, so that a read-then-write cannot fail with BUSY.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx<'_>> {
        Ok(match &self.db {
            Db::Sqlite(pool) => {
                let writer = self.sqlite_writer.lock().await;
                let tx = writer
                    .as_ref()
                    .unwrap_or(pool)
                    .begin_with("BEGIN IMMEDIATE")
                    .await?;
                WriteTx::Sqlite {
                    tx,
                    _writer: writer,
                    audit_key: self.audit_key.clone(),
                    chainer: self.chainer.clone(),
                }
            }
            Db::Postgres(pool) => WriteTx::Postgres {
                tx: pool.begin().await?,
                audit_key: self.audit_key.clone(),
                chainer: self.chainer.clone(),
            },
        })
    }

    /// A pooled connection for reads.
    pub(crate) async fn read(&self) -> Result<Pooled> {
        Ok(match &self.db {
            Db::Sqlite(pool) => Pooled::Sqlite(pool.acquire().await?),
            Db::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })
    }
}
