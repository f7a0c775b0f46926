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

/// Whether a connection takes several statements in one call. SQLite's does (sqlx steps through
/// them in order, binding `$n` by number from one argument list), and every call is a round trip
/// to the connection's own thread, made while holding the database's one write lock: a save's
/// statements in one call hold it for fewer hand-offs. PostgreSQL's extended protocol takes one
/// statement per call. Either way the statements and their texts are the same.
pub(crate) trait Batching {
    fn batches(&self) -> bool;
}

impl Batching for sqlx::SqliteConnection {
    fn batches(&self) -> bool {
        true
    }
}

impl Batching for sqlx::PgConnection {
    fn batches(&self) -> bool {
        false
    }
}

/// Statements as one: their texts joined, each one's placeholders renumbered after those before
/// it, their arguments in order. Only for connections that [`Batching::batches`].
pub(crate) fn batched(stmts: Vec<Stmt>) -> Stmt {
    let mut sql = String::new();
    let mut args = Vec::new();
    for stmt in stmts {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&renumbered(&stmt.sql, args.len()));
        args.extend(stmt.args);
    }
    Stmt::new(sql, args)
}

/// `sql` with every placeholder `$n` outside quoted text as `$(n + offset)`.
fn renumbered(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quoted: Option<char> = None;
    while let Some(c) = chars.next() {
        out.push(c);
        match (quoted, c) {
            (Some(q), c) if c == q => quoted = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quoted = Some(c),
            (None, '$') => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                match digits.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + offset).to_string()),
                    Err(_) => out.push_str(&digits),
                }
            }
            _ => {}
        }
    }
    out
}

/// Runs plain statements (no audit entries) in order on a write transaction of either backend:
/// in one call where the connection [`Batching::batches`], else one by one.
macro_rules! run_plain {
    ($tx:expr, $stmts:expr) => {{
        let stmts: Vec<$crate::stmt::Stmt> = $stmts;
        let stmts = if stmts.len() > 1 && $crate::stmt::Batching::batches(&*$tx) {
            vec![$crate::stmt::batched(stmts)]
        } else {
            stmts
        };
        for stmt in stmts {
            let query = $crate::stmt::bind_args!(sqlx::query(&stmt.sql), stmt.args);
            query.execute(&mut *$tx).await?;
        }
    }};
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
        let mut plain: Vec<$crate::stmt::Stmt> = Vec::new();
        for stmt in $stmts {
            match stmt.audit {
                Some(entry) => entries.push(entry),
                None => plain.push(stmt),
            }
        }
        $crate::stmt::run_plain!($tx, plain);
        // The audit append lives in audit.rs: one multi-row insert after taking the chain's end.
        $crate::audit::append_to_chain!($tx, entries);
    }};
}

pub(crate) use {bind_args, execute_all, insert_returning_id, run_plain, stmt};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_statements_number_their_placeholders_in_turn() {
        let one = Stmt::new(
            "UPDATE t SET a = $1 WHERE id = $2",
            vec![Arg::I64(1), Arg::I64(2)],
        );
        let two = Stmt::new(
            "INSERT INTO u (x, y, z) VALUES ($1, '$1 stays', $2)",
            vec![Arg::I64(3), Arg::I64(4)],
        );
        let three = Stmt::new(
            "DELETE FROM v WHERE w = $1 AND q = \"$9\"",
            vec![Arg::I64(5)],
        );
        let all = batched(vec![one, two, three]);
        assert_eq!(
            all.sql,
            "UPDATE t SET a = $1 WHERE id = $2;\n\
             INSERT INTO u (x, y, z) VALUES ($3, '$1 stays', $4);\n\
             DELETE FROM v WHERE w = $5 AND q = \"$9\""
        );
        let numbers: Vec<i64> = all
            .args
            .iter()
            .map(|a| match a {
                Arg::I64(n) => *n,
                _ => 0,
            })
            .collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5]);
        assert_eq!(renumbered("$12, $", 30), "$42, $");
    }
}
