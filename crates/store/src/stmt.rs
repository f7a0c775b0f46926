//! Backend-neutral statements: SQL text plus arguments, built by pure code and executed by
//! [`execute_all!`] on either backend inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};

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
}

pub(crate) struct Stmt {
    pub sql: &'static str,
    pub args: Vec<Arg>,
    /// An audit entry to append to the hash chain instead of running `sql`.
    pub audit: Option<crate::audit::NewAuditEntry>,
}

impl Stmt {
    pub fn new(sql: &'static str, args: Vec<Arg>) -> Self {
        Stmt {
            sql,
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

/// `stmt!(SQL, a, b, c)` builds a [`Stmt`], converting each argument with `Arg::from`.
macro_rules! stmt {
    ($sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::stmt::Stmt::new($sql, vec![$($crate::stmt::Arg::from($arg)),*])
    };
}

/// Executes statements in order on a transaction of either backend.
macro_rules! execute_all {
    ($tx:ident, $stmts:expr) => {{
        // The chain's end, taken at the first audit entry (the row lock serialises appenders
        // until commit), carried along in memory, and written back once after the last entry.
        let mut head: Option<(i64, String)> = None;
        for stmt in $stmts {
            if let Some(entry) = stmt.audit {
                let (seq, prev): (i64, String) =
                    match head.take() {
                        Some((seq, hash)) => (seq + 1, hash),
                        None => sqlx::query_as(
                            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
                        )
                        .fetch_one(&mut *$tx)
                        .await?,
                    };
                let at = $crate::audit::now();
                let hash = $crate::audit::chain_hash(seq, &prev, at, &entry);
                sqlx::query(
                    "INSERT INTO audit_log (seq, occurred_at, actor, address, action, entity, \
                     entity_key, old_value, new_value, reason, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(seq)
                .bind(at)
                .bind(&entry.actor)
                .bind(&entry.address)
                .bind(&entry.action)
                .bind(&entry.entity)
                .bind(&entry.entity_key)
                .bind(&entry.old_value)
                .bind(&entry.new_value)
                .bind(&entry.reason)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut *$tx)
                .await?;
                head = Some((seq, hash));
                continue;
            }
            let mut query = sqlx::query(stmt.sql);
            for arg in stmt.args {
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
                };
            }
            query.execute(&mut *$tx).await?;
        }
        if let Some((seq, hash)) = head {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(&hash)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

pub(crate) use {execute_all, stmt};
