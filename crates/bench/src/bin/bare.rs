//! `bangfu-bare`: the limit the benchmark compares bangfu with. It answers the same two requests
//! of the deadline rush (`PUT …/values`, `POST …/submit`), parses the same JSON and writes the
//! same rows into the same database with the same durability (SQLite WAL + synchronous=FULL, the
//! same pool sizes), but without authentication, validation, version checks or audit.
//!
//! Why its SQL repeats the store's (report upsert, connection options): the limit must stay the
//! bare minimum written out in plain sqlx; calling `bangfu_store` would measure bangfu against
//! itself. When the store's statements change, change these with them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use bangfu_domain::Quantity;
use chrono::Utc;
use serde::Deserialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone)]
enum Db {
    /// With the same in-process writer queue as `bangfu_store::SqlStore`.
    /// The one writing connection behind the writers' queue, as `SqlStore` writes.
    Sqlite(std::sync::Arc<tokio::sync::Mutex<SqlitePool>>),
    Postgres(PgPool),
}

#[derive(Deserialize)]
struct Value {
    indicator: String,
    value: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Deserialize, Default)]
struct Narrative {
    #[serde(default)]
    progress: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    next_steps: String,
}

#[derive(Deserialize)]
struct PutValues {
    values: Vec<Value>,
    narrative: Option<Narrative>,
    #[allow(dead_code)]
    version: Option<i64>,
}

type Answer = Result<Json<serde_json::Value>, (StatusCode, String)>;

fn fail(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// The same statements on either backend, in one write transaction.
macro_rules! save_tx {
    ($tx:ident, $period:expr, $unit:expr, $req:expr, $values:expr) => {{
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO reports (period_code, unit_code, status, version, created_at, updated_at) \
             VALUES ($1, $2, 'draft', 0, $3, $3) ON CONFLICT (period_code, unit_code) DO NOTHING",
        )
        .bind($period)
        .bind($unit)
        .bind(now)
        .execute(&mut *$tx)
        .await
        .map_err(fail)?;
        let (id, version): (i64, i64) = sqlx::query_as(
            "SELECT id, version FROM reports WHERE period_code = $1 AND unit_code = $2",
        )
        .bind($period)
        .bind($unit)
        .fetch_one(&mut *$tx)
        .await
        .map_err(fail)?;
        // Every row in one multi-row upsert, as the store writes a save.
        let values: Vec<(String, Option<i64>, String)> = $values;
        if !values.is_empty() {
            let mut sql = String::from(
                "INSERT INTO report_values (report_id, indicator_code, value_scaled, comment, \
                 updated_at, updated_by) VALUES ",
            );
            for i in 0..values.len() {
                let b = i * 3;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("($1, ${}, ${}, ${}, $2, 'bare')", b + 3, b + 4, b + 5));
            }
            sql.push_str(
                " ON CONFLICT (report_id, indicator_code) DO UPDATE SET \
                 value_scaled = excluded.value_scaled, comment = excluded.comment, \
                 updated_at = excluded.updated_at",
            );
            let mut query = sqlx::query(&sql).bind(id).bind(now);
            for (indicator, value, comment) in values {
                query = query.bind(indicator).bind(value).bind(comment);
            }
            query.execute(&mut *$tx).await.map_err(fail)?;
        }
        let n = $req.narrative.unwrap_or_default();
        sqlx::query(
            "UPDATE reports SET progress = $1, problems = $2, next_steps = $3, \
             version = version + 1, updated_at = $4 WHERE id = $5",
        )
        .bind(n.progress)
        .bind(n.problems)
        .bind(n.next_steps)
        .bind(now)
        .bind(id)
        .execute(&mut *$tx)
        .await
        .map_err(fail)?;
        version + 1
    }};
}

macro_rules! submit_tx {
    ($tx:ident, $period:expr, $unit:expr) => {{
        let now = Utc::now();
        let id: i64 = sqlx::query_scalar(
            "UPDATE reports SET status = 'submitted', submitted_at = $1, version = version + 1, \
             updated_at = $1 WHERE period_code = $2 AND unit_code = $3 RETURNING id",
        )
        .bind(now)
        .bind($period)
        .bind($unit)
        .fetch_one(&mut *$tx)
        .await
        .map_err(fail)?;
        sqlx::query(
            "INSERT INTO report_events (report_id, occurred_at, actor, action, from_status, \
             to_status, reason) VALUES ($1, $2, 'bare', 'submit', 'draft', 'submitted', '')",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *$tx)
        .await
        .map_err(fail)?;
    }};
}

async fn put_values(
    State(db): State<Db>,
    Path((period, unit)): Path<(String, String)>,
    Json(req): Json<PutValues>,
) -> Answer {
    // The same decimal strings turned into the same scaled integers.
    let mut values = Vec::with_capacity(req.values.len());
    for v in &req.values {
        let scaled = match v.value.as_deref() {
            Some(text) => Some(
                Quantity::from_str(text)
                    .and_then(Quantity::to_scaled)
                    .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?,
            ),
            None => None,
        };
        values.push((
            v.indicator.clone(),
            scaled,
            v.comment.clone().unwrap_or_default(),
        ));
    }
    let version = match &db {
        Db::Sqlite(writer) => {
            let pool = writer.lock().await;
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(fail)?;
            let v = save_tx!(tx, &period, &unit, req, values);
            tx.commit().await.map_err(fail)?;
            v
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.map_err(fail)?;
            let v = save_tx!(tx, &period, &unit, req, values);
            tx.commit().await.map_err(fail)?;
            v
        }
    };
    Ok(Json(serde_json::json!({ "version": version })))
}

async fn submit(State(db): State<Db>, Path((period, unit)): Path<(String, String)>) -> Answer {
    match &db {
        Db::Sqlite(writer) => {
            let pool = writer.lock().await;
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(fail)?;
            submit_tx!(tx, &period, &unit);
            tx.commit().await.map_err(fail)?;
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.map_err(fail)?;
            submit_tx!(tx, &period, &unit);
            tx.commit().await.map_err(fail)?;
        }
    }
    Ok(Json(serde_json::json!({ "status": "submitted" })))
}

/// The same connection settings as `bangfu_store::SqlStore::connect`.
async fn connect(url: &str) -> anyhow::Result<Db> {
    if url.starts_with("postgres") {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        return Ok(Db::Postgres(pool));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    Ok(Db::Sqlite(std::sync::Arc::new(tokio::sync::Mutex::new(
        pool,
    ))))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut db_url = String::new();
    let mut addr = "127.0.0.1:8090".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--db" => db_url = args.next().unwrap_or_default(),
            "--addr" => addr = args.next().unwrap_or_default(),
            other => anyhow::bail!("usage: bangfu-bare --db URL [--addr HOST:PORT] ({other}?)"),
        }
    }
    if db_url.is_empty() {
        anyhow::bail!("usage: bangfu-bare --db URL [--addr HOST:PORT]");
    }
    let db = connect(&db_url).await?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/reports/{period}/{unit}/values", put(put_values))
        .route("/api/v1/reports/{period}/{unit}/submit", post(submit))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
