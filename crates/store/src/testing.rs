//! Test databases for the storage suite and the application's tests: a fresh SQLite file, or a
//! fresh PostgreSQL database per test (so tests run in parallel), created on the server named by
//! `BANGFU_TEST_POSTGRES_URL`.

use crate::{AuditKey, SqlStore};
use std::sync::atomic::{AtomicU32, Ordering};

pub const POSTGRES_URL_VAR: &str = "BANGFU_TEST_POSTGRES_URL";
/// Set by the README's test command and CI: a missing PostgreSQL URL is then a failure.
pub const REQUIRE_POSTGRES_VAR: &str = "BANGFU_TEST_REQUIRE_POSTGRES";

pub struct TestDatabase {
    pub store: SqlStore,
    pub url: String,
    /// The store's audit key, also written here (for running `bangfu --audit-key` on it).
    pub audit_key_file: std::path::PathBuf,
    _key_dir: tempfile::TempDir,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A migrated, empty SQLite database in a temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("bangfu.db").display());
        let (store, key_dir) = keyed(SqlStore::connect(&url).await.expect("open SQLite")).await;
        TestDatabase {
            store,
            url,
            audit_key_file: key_dir.path().join("audit.key"),
            _key_dir: key_dir,
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
        let (store, key_dir) = keyed(SqlStore::connect(&url).await.expect("open PostgreSQL")).await;
        Some(TestDatabase {
            store,
            url,
            audit_key_file: key_dir.path().join("audit.key"),
            _key_dir: key_dir,
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

/// Migrated, with an audit key of its own (as `bangfu` creates on first start, in a temporary
/// directory) and the chain sealed with it.
async fn keyed(store: SqlStore) -> (SqlStore, tempfile::TempDir) {
    store.migrate().await.expect("migrate");
    let dir = tempfile::tempdir().expect("temporary directory");
    let key = AuditKey::generate();
    key.save_new(&dir.path().join("audit.key"))
        .expect("write the audit key");
    let store = store.with_audit_key(key);
    store
        .seal_audit_chain()
        .await
        .expect("seal the audit chain");
    (store, dir)
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

    /// This store queueing its audit entries with no chainer running: the state a server that
    /// stopped between a commit and its chaining leaves behind.
    pub fn queueing_without_chainer(mut self) -> Self {
        self.chainer = Some(std::sync::Arc::new(crate::audit_queue::AuditChainer::idle()));
        self
    }

    /// One integer a raw query returns (sums and counts computed by the database).
    pub async fn scalar_unchecked(&self, sql: &str) -> Option<i64> {
        crate::db::on_pool!(self, |pool| sqlx::query_scalar::<_, Option<i64>>(sql)
            .fetch_one(pool)
            .await
            .expect("raw SQL runs"))
    }
}

/// What someone who can write the database file (but cannot read the audit key) can do.
impl SqlStore {
    /// Drops the triggers that make the audit log and the ledger append-only.
    pub async fn drop_append_only_triggers(&self) {
        let statements: &[&str] = match self.db {
            crate::db::Db::Sqlite(_) => &[
                "DROP TRIGGER IF EXISTS audit_log_no_update",
                "DROP TRIGGER IF EXISTS audit_log_no_delete",
                "DROP TRIGGER IF EXISTS audit_head_no_delete",
                "DROP TRIGGER IF EXISTS audit_head_forward_only",
                "DROP TRIGGER IF EXISTS ledger_transactions_no_update",
                "DROP TRIGGER IF EXISTS ledger_transactions_no_delete",
            ],
            crate::db::Db::Postgres(_) => &[
                "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
                "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head",
                "DROP TRIGGER IF EXISTS ledger_transactions_append_only ON ledger_transactions",
            ],
        };
        for sql in statements {
            self.execute_unchecked(sql).await;
        }
    }

    /// Recomputes every audit entry's link and hash in order, as a short script would after
    /// editing the log, and moves the chain's end to the last entry: with plain sha256 (`None`)
    /// or with `key` (then the end's MAC too). Drops the triggers first.
    pub async fn rechain_audit_unchecked(&self, key: Option<&AuditKey>) {
        use crate::audit::{entry_hash, ChainRow};
        self.drop_append_only_triggers().await;
        let rows: Vec<ChainRow> =
            crate::db::on_pool!(self, |pool| sqlx::query_as(crate::audit_verify::CHAIN_SQL)
                .fetch_all(pool)
                .await
                .expect("read the log"));
        let head = self.audit_head_row().await.expect("head");
        let mut prev = "0".repeat(64);
        let mut seq = 0;
        for r in rows {
            seq += 1;
            let keyed_from = key.and(head.keyed_from);
            let hash = entry_hash(
                key,
                keyed_from,
                seq,
                &prev,
                r.occurred_at,
                &r.hashed_fields(),
            )
            .expect("hash");
            crate::db::on_pool!(self, |pool| sqlx::query(
                "UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4"
            )
            .bind(seq)
            .bind(&prev)
            .bind(&hash)
            .bind(r.id)
            .execute(pool)
            .await
            .map(|_| ())
            .expect("rewrite an entry"));
            prev = hash;
        }
        let mac = match (key, head.keyed_from) {
            (Some(k), Some(from)) => Some(crate::audit_key::head_mac(k, from, seq, &prev)),
            _ => head.mac,
        };
        crate::db::on_pool!(self, |pool| sqlx::query(
            "UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1"
        )
        .bind(seq)
        .bind(&prev)
        .bind(mac)
        .execute(pool)
        .await
        .map(|_| ())
        .expect("move the end"));
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
