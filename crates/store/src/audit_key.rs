//! The installation's audit key: 32 random bytes in a file outside the database (created once,
//! mode 0600), with which the audit chain is keyed (HMAC-SHA256). Someone who can write the
//! database but cannot read this file can neither forge entries, re-chain the log, nor move its
//! end without `verify_audit` noticing.
//!
//! Sealing records in `audit_head` from which entry the chain is keyed (`keyed_from`), the key's
//! fingerprint and a MAC over the chain's end. Entries written before (by versions without a key)
//! keep their plain sha256 hashes; the first keyed entry's HMAC covers the last plain hash, and so
//! does the end's MAC while no keyed entry exists yet, so they cannot be changed either.

use crate::db::in_write_tx;
use crate::{Result, SqlStore, StoreError};
use hmac::{Hmac, Mac};
use std::path::Path;
use std::sync::Arc;

/// The default file name, next to the SQLite database file.
pub const AUDIT_KEY_FILE_NAME: &str = "audit.key";

#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditKey {
    /// A new random key.
    pub fn generate() -> Self {
        use rand_core::{OsRng, RngCore};
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        AuditKey(bytes)
    }

    /// A key written as 64 hexadecimal digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("审计密钥应为 64 位十六进制数字".into());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(AuditKey(bytes))
    }

    /// HMAC-SHA256 of `text`, in hexadecimal.
    pub(crate) fn mac(&self, text: &str) -> String {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(text.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A fingerprint that names the key without revealing it (kept in the database).
    pub fn id(&self) -> String {
        self.mac("bangfu-audit-key-id")[..16].to_string()
    }

    /// Reads the key file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            StoreError::Audit(format!("无法读取审计密钥文件 {}：{e}", path.display()))
        })?;
        warn_if_readable_by_others(path);
        AuditKey::from_hex(&text)
            .map_err(|e| StoreError::Audit(format!("审计密钥文件 {} 无效：{e}", path.display())))
    }

    /// Creates a new key file readable only by its owner; refuses to overwrite one.
    pub fn create(path: &Path) -> Result<Self> {
        let key = AuditKey::generate();
        key.save_new(path)?;
        Ok(key)
    }

    /// Writes this key to a new file readable only by its owner; refuses to overwrite one.
    pub fn save_new(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        let failed = |e: std::io::Error| {
            StoreError::Audit(format!("无法创建审计密钥文件 {}：{e}", path.display()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(failed)?;
        file.write_all(format!("{}\n", hex(&self.0)).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(failed)
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "审计密钥文件 {} 其他用户也能读取，请执行 chmod 600",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

/// The MAC over the chain's end: where the keyed part starts, the last sequence number and hash.
pub(crate) fn head_mac(key: &AuditKey, keyed_from: i64, seq: i64, hash: &str) -> String {
    key.mac(&format!(
        "bangfu-audit-head\u{1f}{keyed_from}\u{1f}{seq}\u{1f}{hash}"
    ))
}

/// `audit_head` as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct HeadRow {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: Option<i64>,
    pub key_id: Option<String>,
    pub mac: Option<String>,
}

pub(crate) const HEAD_SQL: &str =
    "SELECT seq, hash, keyed_from, key_id, mac FROM audit_head WHERE id = 1";

impl SqlStore {
    /// This store with the key its audit appends are chained with. Without one, every change
    /// that writes the audit log is refused.
    pub fn with_audit_key(mut self, key: AuditKey) -> Self {
        self.audit_key = Some(Arc::new(key));
        self
    }

    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_deref()
    }

    pub(crate) async fn audit_head_row(&self) -> Result<HeadRow> {
        Ok(crate::db::on_pool!(self, |pool| {
            sqlx::query_as::<_, HeadRow>(HEAD_SQL)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Starts keying the chain with this store's key, from the next entry on, if it is not keyed
    /// yet. Refuses when the existing (plain) chain does not verify: sealing must not vouch for
    /// a log that was already altered. True if it sealed now.
    pub async fn seal_audit_chain(&self) -> Result<bool> {
        let Some(key) = self.audit_key.clone() else {
            return Err(StoreError::Audit("没有审计密钥，不能封存审计链".into()));
        };
        if self.audit_head_row().await?.keyed_from.is_some() {
            return Ok(false);
        }
        let problems = crate::audit_verify::plain_chain_problems(self).await?;
        if let Some(p) = problems.first() {
            return Err(StoreError::Audit(format!(
                "审计日志校验未通过，不能用密钥封存：{}（运行 bangfu audit verify 查看全部）",
                p.message
            )));
        }
        in_write_tx!(self, |tx| {
            let head: HeadRow = sqlx::query_as(
                "UPDATE audit_head SET seq = seq WHERE id = 1 \
                 RETURNING seq, hash, keyed_from, key_id, mac",
            )
            .fetch_one(&mut *tx)
            .await?;
            if head.keyed_from.is_some() {
                return Ok(false);
            }
            let keyed_from = head.seq + 1;
            sqlx::query(
                "UPDATE audit_head SET keyed_from = $1, key_id = $2, mac = $3 WHERE id = 1",
            )
            .bind(keyed_from)
            .bind(key.id())
            .bind(head_mac(&key, keyed_from, head.seq, &head.hash))
            .execute(&mut *tx)
            .await?;
        });
        Ok(true)
    }

    /// Gives this (migrated) store the installation's key from `path`: loads it, or creates it
    /// on first start, and seals the chain. A missing file is created only while the chain is not
    /// keyed yet; an existing key seals automatically only an empty log (a chain that lost its
    /// seal is otherwise refused: see `bangfu audit seal`).
    pub async fn open_audit_key(self, path: &Path) -> Result<SqlStore> {
        let head = self.audit_head_row().await?;
        if !path.exists() {
            if let Some(from) = head.keyed_from {
                return Err(StoreError::Audit(format!(
                    "找不到审计密钥文件 {}，而本数据库的审计日志自第 {from} 条起由密钥签名。\
                     请从备份恢复该文件（或用 --audit-key / BANGFU_AUDIT_KEY_FILE 指定其位置）",
                    path.display()
                )));
            }
            let store = self.with_audit_key(AuditKey::create(path)?);
            tracing::info!("已创建审计密钥文件 {}，请另行备份", path.display());
            store.seal_audit_chain().await?;
            return Ok(store);
        }
        let key = AuditKey::load(path)?;
        match (&head.keyed_from, &head.key_id) {
            (Some(_), Some(id)) if *id != key.id() => Err(StoreError::Audit(format!(
                "审计密钥文件 {} 不是本数据库的密钥（指纹 {}，数据库记录的是 {id}）",
                path.display(),
                key.id()
            ))),
            (Some(_), _) => Ok(self.with_audit_key(key)),
            (None, _) if head.seq == 0 => {
                let store = self.with_audit_key(key);
                store.seal_audit_chain().await?;
                Ok(store)
            }
            (None, _) => Err(StoreError::Audit(format!(
                "审计日志已有 {} 条记录，却没有密钥起点标记：标记可能被删除。请先运行 \
                 bangfu audit verify；若确认这是尚未用密钥的旧数据库，运行 bangfu audit seal",
                head.seq
            ))),
        }
    }
}
