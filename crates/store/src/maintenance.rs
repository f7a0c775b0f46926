//! Work on a database as a whole: the SQLite settings a store's connections run with, WAL
//! checkpoints, and audit entries that record such work (a restore).

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, Db};
use crate::stmt::execute_all;
use crate::{Result, SqlStore};

/// The durability settings of a live SQLite connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteSettings {
    /// `PRAGMA journal_mode`: "wal" for a server.
    pub journal_mode: String,
    /// `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    pub synchronous: i64,
}

impl SqliteSettings {
    pub fn synchronous_name(&self) -> &'static str {
        match self.synchronous {
            0 => "OFF",
            1 => "NORMAL",
            2 => "FULL",
            3 => "EXTRA",
            _ => "?",
        }
    }
}

impl std::fmt::Display for SqliteSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "journal_mode={}，synchronous={}",
            self.journal_mode,
            self.synchronous_name()
        )
    }
}

impl SqlStore {
    /// The settings of one of this store's pooled connections, as SQLite reports them (not as
    /// configured); `None` on PostgreSQL.
    pub async fn sqlite_settings(&self) -> Result<Option<SqliteSettings>> {
        let Db::Sqlite(pool) = &self.db else {
            return Ok(None);
        };
        let mut conn = pool.acquire().await?;
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?;
        Ok(Some(SqliteSettings {
            journal_mode: journal_mode.to_lowercase(),
            synchronous,
        }))
    }

    /// Copies every commit in the WAL into the database file and empties the WAL, without
    /// waiting for readers. False when a reader kept it from finishing: the WAL then still holds
    /// commits, and must stay with the database file. True on PostgreSQL (nothing to do).
    pub async fn checkpoint_sqlite(&self) -> Result<bool> {
        let Db::Sqlite(pool) = &self.db else {
            return Ok(true);
        };
        let mut conn = pool.acquire().await?;
        sqlx::query("PRAGMA busy_timeout = 0")
            .execute(&mut *conn)
            .await?;
        let result: Result<(i64, i64, i64)> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await
            .map_err(Into::into);
        sqlx::query("PRAGMA busy_timeout = 10000")
            .execute(&mut *conn)
            .await?;
        let (busy, _, _) = result?;
        Ok(busy == 0)
    }

    /// Appends one entry to the audit log, in a transaction of its own: for work on the
    /// database as a whole rather than on one record.
    pub async fn record_audit_entry(&self, entry: NewAuditEntry) -> Result<()> {
        in_write_tx!(self, |tx| {
            execute_all!(tx, [audit::append(entry)]);
        });
        Ok(())
    }
}
