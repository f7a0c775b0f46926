//! Direct database access for the generator: bulk inserts on SQLite or PostgreSQL, and making
//! fresh PostgreSQL databases from a template.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor};
use std::collections::HashMap;
use std::str::FromStr;

/// A value to bind.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    OI(Option<i64>),
    S(String),
    OS(Option<String>),
    B(bool),
    T(DateTime<Utc>),
    OT(Option<DateTime<Utc>>),
    D(NaiveDate),
    OD(Option<NaiveDate>),
}

pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

macro_rules! bind_all {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for v in $values {
            q = match v {
                V::I(x) => q.bind(*x),
                V::OI(x) => q.bind(*x),
                V::S(x) => q.bind(x.as_str()),
                V::OS(x) => q.bind(x.as_deref()),
                V::B(x) => q.bind(*x),
                V::T(x) => q.bind(*x),
                V::OT(x) => q.bind(*x),
                V::D(x) => q.bind(*x),
                V::OD(x) => q.bind(*x),
            };
        }
        q
    }};
}

impl Db {
    /// Opens for bulk writing: on SQLite without fsync (the server reopens with FULL).
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("postgres") {
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .connect(url)
                .await
                .with_context(|| format!("connect {url}"))?;
            Ok(Db::Postgres(pool))
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .foreign_keys(true)
                .synchronous(SqliteSynchronous::Off);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .with_context(|| format!("open {url}"))?;
            Ok(Db::Sqlite(pool))
        }
    }

    /// Inserts rows in multi-row statements, in one transaction.
    pub async fn insert_rows(
        &self,
        table: &str,
        columns: &str,
        rows: Vec<Vec<V>>,
    ) -> anyhow::Result<()> {
        let Some(width) = rows.first().map(Vec::len) else {
            return Ok(());
        };
        let per_statement = (30_000 / width).clamp(1, 500);
        let statement = |n: usize| {
            let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
            let mut k = 1;
            for r in 0..n {
                if r > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for c in 0..width {
                    if c > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("${k}"));
                    k += 1;
                }
                sql.push(')');
            }
            sql
        };
        match self {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for chunk in rows.chunks(per_statement) {
                    let sql = statement(chunk.len());
                    let q = bind_all!(sqlx::query(&sql), chunk.iter().flatten());
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                for chunk in rows.chunks(per_statement) {
                    let sql = statement(chunk.len());
                    let q = bind_all!(sqlx::query(&sql), chunk.iter().flatten());
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    pub async fn report_ids(&self) -> anyhow::Result<HashMap<(String, String), i64>> {
        const SQL: &str = "SELECT period_code, unit_code, id FROM reports";
        let rows: Vec<(String, String, i64)> = match self {
            Db::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
            Db::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        };
        Ok(rows.into_iter().map(|(p, u, id)| ((p, u), id)).collect())
    }

    /// Every register entry's id, in order.
    pub async fn registry_entry_ids(&self) -> anyhow::Result<Vec<i64>> {
        let sql = "SELECT id FROM registry_entries ORDER BY id";
        Ok(match self {
            Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await?,
            Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await?,
        })
    }

    /// Marks the registers' feed facts as not derived: the entries were written row by row, as
    /// a database that kept entries before the facts existed; the next `bangfu init` derives them.
    pub async fn forget_feed_facts(&self) -> anyhow::Result<()> {
        let sql = "UPDATE plan_info SET registry_facts_basis = NULL";
        match self {
            Db::Sqlite(pool) => pool.execute(sql).await.map(|_| ())?,
            Db::Postgres(pool) => pool.execute(sql).await.map(|_| ())?,
        }
        Ok(())
    }

    /// Fresh statistics for the planners, as a database in use would have.
    /// Project ids by name (the generator names every project uniquely).
    pub async fn project_ids(&self) -> anyhow::Result<HashMap<String, i64>> {
        let sql = "SELECT name, id FROM projects";
        let rows: Vec<(String, i64)> = match self {
            Db::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
            Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
        };
        Ok(rows.into_iter().collect())
    }

    pub async fn analyze(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(pool) => {
                pool.execute("ANALYZE").await?;
                pool.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
            }
            Db::Postgres(pool) => {
                pool.execute("ANALYZE").await?;
            }
        }
        Ok(())
    }

    pub async fn close(self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// `postgres://user@host:port/name` → (server URL with database `postgres`, name).
fn split_pg(url: &str) -> anyhow::Result<(String, String)> {
    let (base, name) = url
        .rsplit_once('/')
        .with_context(|| format!("no database name in {url}"))?;
    Ok((format!("{base}/postgres"), name.to_string()))
}

/// Drops and creates the database a URL names, optionally as a copy of `template`.
pub async fn recreate_pg(url: &str, template: Option<&str>) -> anyhow::Result<()> {
    let (admin, name) = split_pg(url)?;
    let mut conn = PgConnectOptions::from_str(&admin)?
        .connect()
        .await
        .with_context(|| format!("connect {admin}"))?;
    conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
        .await?;
    let create = match template {
        Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
        None => format!("CREATE DATABASE \"{name}\""),
    };
    conn.execute(create.as_str()).await?;
    conn.close().await?;
    Ok(())
}

pub fn pg_name(url: &str) -> anyhow::Result<String> {
    Ok(split_pg(url)?.1)
}

pub fn pg_url(server: &str, name: &str) -> String {
    format!("{}/{name}", server.trim_end_matches('/'))
}
