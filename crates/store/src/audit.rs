//! The audit log: appended in the same transaction as the change it records, never edited (the
//! database refuses UPDATE and DELETE on it), each entry chained to the previous one by its hash.

use crate::audit_key::{head_mac, HeadRow};
use crate::audit_verify::{AuditReceipt, AuditVerification};
use crate::db::on_pool;
use crate::stmt::Stmt;
use crate::{AuditKey, AuditStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};

#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub actor: String,
    pub address: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub address: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

/// The step that appends `entry` to the hash chain; callers add it to their change's transaction.
pub(crate) fn append(entry: NewAuditEntry) -> Stmt {
    Stmt {
        sql: "",
        args: Vec::new(),
        audit: Some(entry),
    }
}

/// Timestamps at microsecond precision: what both backends store exactly, so hashes verify.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn part(value: &Option<String>) -> String {
    value.as_ref().map_or("-".to_string(), |v| format!("+{v}"))
}

/// The text an entry's hash is computed over: its sequence number, the previous hash and every
/// field.
fn chain_text(seq: i64, prev: &str, at: DateTime<Utc>, e: &NewAuditEntry) -> String {
    [
        seq.to_string(),
        prev.to_string(),
        at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor.clone(),
        e.address.clone(),
        e.action.clone(),
        e.entity.clone(),
        e.entity_key.clone(),
        part(&e.old_value),
        part(&e.new_value),
        part(&e.reason),
    ]
    .join("\u{1f}")
}

/// An entry's hash: HMAC-SHA256 with the installation's key from `keyed_from` on, plain sha256
/// before (entries written before the key existed). `None`: keyed, but no key to compute it.
pub(crate) fn entry_hash(
    key: Option<&AuditKey>,
    keyed_from: Option<i64>,
    seq: i64,
    prev: &str,
    at: DateTime<Utc>,
    e: &NewAuditEntry,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let text = chain_text(seq, prev, at, e);
    if keyed_from.is_some_and(|from| seq >= from) {
        return key.map(|k| k.mac(&text));
    }
    Some(
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub id: i64,
    pub reason: String,
}

/// An entry as the verifier reads it: the entry itself and its place in the chain.
#[derive(sqlx::FromRow)]
pub(crate) struct ChainRow {
    #[sqlx(flatten)]
    pub entry: AuditEntry,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl std::ops::Deref for ChainRow {
    type Target = AuditEntry;
    fn deref(&self) -> &AuditEntry {
        &self.entry
    }
}

impl AuditEntry {
    /// The fields the chain's hash covers, as they were appended.
    pub(crate) fn hashed_fields(&self) -> NewAuditEntry {
        NewAuditEntry {
            actor: self.actor.clone(),
            address: self.address.clone(),
            action: self.action.clone(),
            entity: self.entity.clone(),
            entity_key: self.entity_key.clone(),
            old_value: self.old_value.clone(),
            new_value: self.new_value.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// The chain's end as taken (and locked) at a transaction's first entry, carried in memory.
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: i64,
}

/// Checks the stored end before anything is chained to it: the chain must be keyed with this
/// store's key and its end's MAC must verify (else an entry was removed and the end moved back).
pub(crate) fn checked_head(key: Option<&AuditKey>, row: HeadRow) -> Result<Head> {
    let Some(key) = key else {
        return Err(StoreError::Audit(
            "没有配置审计密钥，不能写入审计日志（见 README：审计密钥）".into(),
        ));
    };
    let Some(keyed_from) = row.keyed_from else {
        return Err(StoreError::Audit(
            "审计链尚未用密钥封存，不能写入；请运行 bangfu audit verify".into(),
        ));
    };
    if row.key_id.as_deref() != Some(key.id().as_str()) {
        return Err(StoreError::Audit(format!(
            "审计密钥（指纹 {}）不是本数据库的密钥（{}），不能写入",
            key.id(),
            row.key_id.unwrap_or_default()
        )));
    }
    if row.mac.as_deref() != Some(head_mac(key, keyed_from, row.seq, &row.hash).as_str()) {
        return Err(StoreError::Audit(format!(
            "审计日志链尾（第 {} 条）校验失败：末尾记录可能被删除、链尾被改动。已拒绝写入；\
             请运行 bangfu audit verify",
            row.seq
        )));
    }
    Ok(Head {
        seq: row.seq,
        hash: row.hash,
        keyed_from,
    })
}

/// Appends `$entry` to the chain inside the transaction `$tx` (a [`crate::db::WriteTx`]). The
/// chain's end is taken at the first entry (the row lock serialises appenders until commit),
/// carried along in `$head`, and written back by [`write_head!`] after the last entry.
macro_rules! append_to_chain {
    ($tx:ident, $head:ident, $entry:expr) => {{
        let entry: $crate::audit::NewAuditEntry = $entry;
        let key = $tx.audit_key.clone();
        let current = match $head.take() {
            Some(head) => head,
            None => {
                let row: $crate::audit_key::HeadRow = sqlx::query_as(
                    "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 \
                     RETURNING seq - 1 AS seq, hash, keyed_from, key_id, mac",
                )
                .fetch_one(&mut *$tx)
                .await?;
                $crate::audit::checked_head(key.as_deref(), row)?
            }
        };
        let seq = current.seq + 1;
        let at = $crate::audit::now();
        let hash = $crate::audit::entry_hash(
            key.as_deref(),
            Some(current.keyed_from),
            seq,
            &current.hash,
            at,
            &entry,
        )
        .expect("checked_head ensured a key");
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
        .bind(&current.hash)
        .bind(&hash)
        .execute(&mut *$tx)
        .await?;
        $head = Some($crate::audit::Head {
            seq,
            hash,
            keyed_from: current.keyed_from,
        });
    }};
}

/// Writes the chain's new end and its MAC, if the transaction appended anything.
macro_rules! write_head {
    ($tx:ident, $head:ident) => {{
        if let (Some(head), Some(key)) = ($head, $tx.audit_key.clone()) {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1")
                .bind(head.seq)
                .bind(&head.hash)
                .bind($crate::audit_key::head_mac(
                    &key,
                    head.keyed_from,
                    head.seq,
                    &head.hash,
                ))
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

pub(crate) use {append_to_chain, write_head};

/// What to look for in the audit log; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: String,
    /// A prefix of the entity key, e.g. "2018Q1/jw" for a report and its values.
    pub key_like: String,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn search_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        const SQL: &str = "SELECT id, occurred_at, actor, address, action, entity, entity_key, \
             old_value, new_value, reason FROM audit_log \
             WHERE ($1 = '' OR actor = $1) AND entity_key LIKE $2 \
             AND occurred_at >= $3 AND occurred_at < $4 ORDER BY id DESC LIMIT $5";
        // Bounds both backends can store (PostgreSQL's range is narrower than chrono's).
        let from = f.from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let until = f
            .until
            .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(365 * 8000));
        let like = if f.key_like.is_empty() {
            "%".to_string()
        } else {
            f.key_like.clone()
        };
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, AuditEntry>(SQL)
            .bind(&f.actor)
            .bind(&like)
            .bind(from)
            .bind(until)
            .bind(f.limit)
            .fetch_all(pool)
            .await?))
    }

    async fn verify_audit(&self, expect: Option<&AuditReceipt>) -> Result<AuditVerification> {
        crate::audit_verify::verify(self, expect).await
    }

    async fn verify_audit_chain(&self) -> Result<(i64, Option<BrokenLink>)> {
        let v = self.verify_audit(None).await?;
        let broken = v.problems.into_iter().next().map(|p| BrokenLink {
            id: p.id.unwrap_or(0),
            reason: p.message,
        });
        Ok((v.entries, broken))
    }

    async fn audit_head(&self) -> Result<AuditReceipt> {
        let head = self.audit_head_row().await?;
        Ok(AuditReceipt {
            seq: head.seq,
            hash: head.hash,
        })
    }

    async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        const SQL: &str = "SELECT id, occurred_at, actor, address, action, entity, entity_key, \
                           old_value, new_value, reason FROM audit_log ORDER BY id DESC LIMIT $1";
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, AuditEntry>(SQL)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }
}
