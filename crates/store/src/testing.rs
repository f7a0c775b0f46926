//! Test databases for the storage suite and the application's tests: a fresh SQLite file, or a
//! fresh PostgreSQL database per test (so tests run in parallel), created on the server named by
//! `BANGFU_TEST_POSTGRES_URL`.

use crate::SqlStore;
use std::sync::atomic::{AtomicU32, Ordering};

pub const POSTGRES_URL_VAR: &str = "BANGFU_TEST_POSTGRES_URL";
/// Set by the README's test command and CI: a missing PostgreSQL URL is then a failure.
pub const REQUIRE_POSTGRES_VAR: &str = "BANGFU_TEST_REQUIRE_POSTGRES";

pub struct TestDatabase {
    pub store: SqlStore,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A migrated, empty SQLite database in a temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("bangfu.db").display());
        let store = SqlStore::connect(&url).await.expect("open SQLite");
        store.migrate().await.expect("migrate SQLite");
        TestDatabase {
            store,
            url,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A migrated, empty PostgreSQL database of its own, or `None` when no server is configured
    /// (which fails instead when `BANGFU_TEST_REQUIRE_POSTGRES` is set).
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            if std::env::var_os(REQUIRE_POSTGRES_VAR).is_some() {
                panic!("{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not");
            }
            eprintln!(
                "PostgreSQL suite not run: set {POSTGRES_URL_VAR} (the README's test command does)"
            );
            return None;
        };
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "bangfu_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_micros() % 1_000_000
        );
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let store = SqlStore::connect(&url).await.expect("open PostgreSQL");
        store.migrate().await.expect("migrate PostgreSQL");
        Some(TestDatabase {
            store,
            url,
            _dir: None,
            postgres: Some((admin_url, name)),
        })
    }

    /// Closes the store and drops a PostgreSQL test database. A failed test skips this and
    /// leaves its database for inspection.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.postgres {
            if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl SqlStore {
    /// Runs raw SQL, bypassing every rule: only for tests that simulate tampering.
    pub async fn execute_unchecked(&self, sql: &str) {
        crate::db::on_pool!(self, |pool| {
            sqlx::query(sql).execute(pool).await.expect("raw SQL runs");
        })
    }

    /// Runs raw SQL and reports whether the database refused it (for constraints and triggers).
    pub async fn try_execute_unchecked(&self, sql: &str) -> Result<u64, String> {
        crate::db::on_pool!(self, |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| e.to_string()))
    }

    /// One integer a raw query returns (sums and counts computed by the database).
    pub async fn scalar_unchecked(&self, sql: &str) -> Option<i64> {
        crate::db::on_pool!(self, |pool| sqlx::query_scalar::<_, Option<i64>>(sql)
            .fetch_one(pool)
            .await
            .expect("raw SQL runs"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
