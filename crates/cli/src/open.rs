//! Opening the database with the installation's audit key (`--audit-key` /
//! `BANGFU_AUDIT_KEY_FILE`; by default `audit.key` next to the SQLite database file).

use anyhow::{bail, Context};
use bangfu_store::{SqlStore, AUDIT_KEY_FILE_NAME};
use std::path::PathBuf;
use std::sync::OnceLock;

static AUDIT_KEY_FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// The key file given on the command line or in the environment, set once at start.
pub fn set_audit_key_file(path: Option<PathBuf>) {
    let _ = AUDIT_KEY_FILE.set(path);
}

fn is_postgres(db_url: &str) -> bool {
    let url = db_url.trim();
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The key file for a database: the configured one, else `audit.key` next to a SQLite file.
pub fn audit_key_path(db_url: &str) -> Option<PathBuf> {
    if let Some(Some(path)) = AUDIT_KEY_FILE.get() {
        return Some(path.clone());
    }
    if is_postgres(db_url) {
        return None;
    }
    let url = db_url.trim();
    let file = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let dir = std::path::Path::new(file)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    Some(dir.join(AUDIT_KEY_FILE_NAME))
}

async fn connect(db_url: &str) -> anyhow::Result<SqlStore> {
    let store = SqlStore::connect(db_url)
        .await
        .with_context(|| format!("无法打开数据库 {db_url}"))?;
    store.migrate().await?;
    Ok(store)
}

pub(crate) const POSTGRES_NEEDS_KEY: &str = "PostgreSQL 数据库需要用 --audit-key 或环境变量 \
     BANGFU_AUDIT_KEY_FILE 指定审计密钥文件（第一次启动时创建，见 README：审计密钥）";

/// Opens and migrates the database and gives it the audit key, creating the key file (0600) on
/// first start. On PostgreSQL without a configured key file the store has no key: reading works,
/// writing anything audited is refused.
pub async fn open(db_url: &str) -> anyhow::Result<SqlStore> {
    let store = connect(db_url).await?;
    match audit_key_path(db_url) {
        Some(path) => Ok(store.open_audit_key(&path).await?),
        None => Ok(store),
    }
}

/// Opens the database to verify it: loads the key file if there is one, never creates it nor
/// changes the database beyond migrating it.
pub async fn open_to_verify(db_url: &str) -> anyhow::Result<SqlStore> {
    let store = connect(db_url).await?;
    match audit_key_path(db_url) {
        Some(path) if path.exists() => {
            Ok(store.with_audit_key(bangfu_store::AuditKey::load(&path)?))
        }
        _ => Ok(store),
    }
}

/// Opens the database with the existing key file, for sealing an unkeyed log by hand.
pub async fn open_to_seal(db_url: &str) -> anyhow::Result<SqlStore> {
    let Some(path) = audit_key_path(db_url) else {
        bail!("{POSTGRES_NEEDS_KEY}");
    };
    let store = connect(db_url).await?;
    let key = if path.exists() {
        bangfu_store::AuditKey::load(&path)?
    } else {
        let key = bangfu_store::AuditKey::create(&path)?;
        println!("已创建审计密钥文件 {}，请另行备份", path.display());
        key
    };
    Ok(store.with_audit_key(key))
}

#[cfg(test)]
mod tests {
    use super::audit_key_path;
    use std::path::PathBuf;

    #[test]
    fn the_key_lives_next_to_the_sqlite_file_by_default() {
        assert_eq!(
            audit_key_path("sqlite://./data/bangfu.db"),
            Some(PathBuf::from("./data/audit.key"))
        );
        assert_eq!(
            audit_key_path("bangfu.db"),
            Some(PathBuf::from("./audit.key"))
        );
        assert_eq!(audit_key_path("postgres://u@h/db"), None);
    }
}
