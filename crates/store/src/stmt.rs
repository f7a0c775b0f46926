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

/// Executes statements in order on a write transaction ([`crate::db::WriteTx`]) of either
/// backend; audit entries among them are appended to the chain by `audit::append_to_chain!`.
macro_rules! execute_all {
    ($tx:ident, $stmts:expr) => {{
        // The audit append lives in audit.rs; it carries the chain's end between entries.
        let mut head: Option<$crate::audit::Head> = None;
        for stmt in $stmts {
            if let Some(entry) = stmt.audit {
                $crate::audit::append_to_chain!($tx, head, entry);
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
        $crate::audit::write_head!($tx, head);
    }};
}

pub(crate) use {execute_all, stmt};
