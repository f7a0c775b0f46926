//! Backend-neutral statements: SQL text plus arguments, built by pure code and executed by
//! [`execute_all!`] on either backend inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;

pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    I32(i32),
    I64(i64),
    OptI64(Option<i64>),
    Bool(bool),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Time(DateTime<Utc>),
    Bytes(Vec<u8>),
}

pub(crate) struct Stmt {
    /// Fixed text for most statements; built text for multi-row inserts (their placeholders).
    pub sql: Cow<'static, str>,
    pub args: Vec<Arg>,
    /// An audit entry to append to the hash chain instead of running `sql`.
    pub audit: Option<crate::audit::NewAuditEntry>,
}

impl Stmt {
    pub fn new(sql: impl Into<Cow<'static, str>>, args: Vec<Arg>) -> Self {
        Stmt {
            sql: sql.into(),
            args,
            audit: None,
        }
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}
impl From<Option<&String>> for Arg {
    fn from(v: Option<&String>) -> Self {
        Arg::OptText(v.cloned())
    }
}
impl From<i32> for Arg {
    fn from(v: i32) -> Self {
        Arg::I32(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I64(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptI64(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<NaiveDate> for Arg {
    fn from(v: NaiveDate) -> Self {
        Arg::Date(v)
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Self {
        Arg::Time(v)
    }
}

/// An insert of a stored file: `owner` binds the table's own columns ($1 …), the file's
/// columns follow.
pub(crate) fn insert_file(
    sql: &'static str,
    owner: Vec<Arg>,
    file: &crate::NewEvidence,
    actor: &str,
    now: DateTime<Utc>,
) -> Stmt {
    let mut args = owner;
    args.extend(stored_file_args(file, actor, now));
    Stmt::new(sql, args)
}

/// The arguments every stored file ends with, in this column order: `file_name, content_type,
/// size_bytes, sha256, content, uploaded_by, uploaded_at`. Evidence, task evidence and project
/// documents share them; each table puts its owner's columns first.
fn stored_file_args(file: &crate::NewEvidence, actor: &str, now: DateTime<Utc>) -> Vec<Arg> {
    vec![
        Arg::Text(file.file_name.clone()),
        Arg::Text(file.content_type.clone()),
        Arg::I64(file.content.len() as i64),
        Arg::Text(file.sha256.clone()),
        Arg::Bytes(file.content.clone()),
        Arg::Text(actor.to_string()),
        Arg::Time(now),
    ]
}

/// `INSERT INTO table (columns) VALUES (…), (…) …` with numbered placeholders for `rows` rows
/// of `columns.len()` values each, then `tail` (e.g. an `ON CONFLICT` clause). Callers keep
/// `rows × columns` under both backends' parameter limits (SQLite 32 766, PostgreSQL 65 535).
pub(crate) fn multi_row_insert(table: &str, columns: &[&str], rows: usize, tail: &str) -> String {
    let width = columns.len();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        let marks: Vec<String> = (1..=width)
            .map(|c| format!("${}", row * width + c))
            .collect();
        sql.push('(');
        sql.push_str(&marks.join(", "));
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// Binds each [`Arg`] to a query of either backend, in order. Why beside `conn::arguments`, which
/// does the same generically: inside `in_write_tx!` the backend has no type name to give it.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::stmt::Arg::Text(v) => query.bind(v),
                $crate::stmt::Arg::OptText(v) => query.bind(v),
                $crate::stmt::Arg::I32(v) => query.bind(v),
                $crate::stmt::Arg::I64(v) => query.bind(v),
                $crate::stmt::Arg::OptI64(v) => query.bind(v),
                $crate::stmt::Arg::Bool(v) => query.bind(v),
                $crate::stmt::Arg::Date(v) => query.bind(v),
                $crate::stmt::Arg::OptDate(v) => query.bind(v),
                $crate::stmt::Arg::Time(v) => query.bind(v),
                $crate::stmt::Arg::Bytes(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Runs an `INSERT … RETURNING id` statement on a write transaction of either backend.
macro_rules! insert_returning_id {
    ($tx:ident, $stmt:expr) => {{
        let stmt: $crate::stmt::Stmt = $stmt;
        let id: i64 = $crate::stmt::bind_args!(sqlx::query_scalar(&stmt.sql), stmt.args)
            .fetch_one(&mut *$tx)
            .await?;
        id
    }};
}

/// `stmt!(SQL, a, b, c)` builds a [`Stmt`], converting each argument with `Arg::from`.
macro_rules! stmt {
    ($sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::stmt::Stmt::new($sql, vec![$($crate::stmt::Arg::from($arg)),*])
    };
}

/// Executes statements on a write transaction ([`crate::db::WriteTx`]) of either backend, the
/// plain ones in order, then the audit entries among them, appended to the chain by
/// `audit::append_to_chain!`.
macro_rules! execute_all {
    ($tx:ident, $stmts:expr) => {{
        // Audit entries are appended after the other statements (in their own order): the
        // chain's end, one row for the whole database, stays locked from the first entry to the
        // commit, so every other statement runs before it is taken. The entries are computed
        // beforehand and do not depend on what the statements write.
        let mut entries: Vec<$crate::audit::NewAuditEntry> = Vec::new();
        for stmt in $stmts {
            if let Some(entry) = stmt.audit {
                entries.push(entry);
                continue;
            }
            let query = $crate::stmt::bind_args!(sqlx::query(&stmt.sql), stmt.args);
            query.execute(&mut *$tx).await?;
        }
        // The audit append lives in audit.rs: one multi-row insert after taking the chain's end.
        $crate::audit::append_to_chain!($tx, entries);
    }};
}

pub(crate) use {bind_args, execute_all, insert_returning_id, stmt};
