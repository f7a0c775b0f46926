//! The audit log: appended in the same transaction as the change it records, never edited.

use crate::db::on_pool;
use crate::stmt::Stmt;
use crate::{AuditStore, Result, SqlStore};
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

/// sha256 over the sequence number, the previous hash and every field of the entry.
pub(crate) fn chain_hash(seq: i64, prev: &str, at: DateTime<Utc>, e: &NewAuditEntry) -> String {
    use sha2::{Digest, Sha256};
    let text = [
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
    .join("\u{1f}");
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub id: i64,
    pub reason: String,
}

#[derive(sqlx::FromRow)]
struct ChainRow {
    id: i64,
    seq: Option<i64>,
    occurred_at: DateTime<Utc>,
    actor: String,
    address: String,
    action: String,
    entity: String,
    entity_key: String,
    old_value: Option<String>,
    new_value: Option<String>,
    reason: Option<String>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

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

    async fn verify_audit_chain(&self) -> Result<(i64, Option<BrokenLink>)> {
        const SQL: &str =
            "SELECT id, seq, occurred_at, actor, address, action, entity, entity_key, \
             old_value, new_value, reason, prev_hash, hash FROM audit_log ORDER BY id";
        let (rows, head) = on_pool!(self, |pool| {
            let rows = sqlx::query_as::<_, ChainRow>(SQL).fetch_all(pool).await?;
            let head: (i64, String) =
                sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_one(pool)
                    .await?;
            (rows, head)
        });
        let mut prev = "0".repeat(64);
        let mut expected_seq = 1;
        let count = rows.len() as i64;
        for r in rows {
            let broken = |reason: &str| {
                Ok((
                    count,
                    Some(BrokenLink {
                        id: r.id,
                        reason: reason.to_string(),
                    }),
                ))
            };
            if r.seq != Some(expected_seq) {
                return broken("序号不连续（有记录被删除或插入）");
            }
            if r.prev_hash.as_deref() != Some(prev.as_str()) {
                return broken("与前一条记录的链接不符（前一条被修改或删除）");
            }
            let entry = NewAuditEntry {
                actor: r.actor,
                address: r.address,
                action: r.action,
                entity: r.entity,
                entity_key: r.entity_key,
                old_value: r.old_value,
                new_value: r.new_value,
                reason: r.reason,
            };
            let hash = chain_hash(expected_seq, &prev, r.occurred_at, &entry);
            if r.hash.as_deref() != Some(hash.as_str()) {
                return broken("内容与哈希不符（记录被修改）");
            }
            prev = hash;
            expected_seq += 1;
        }
        if head.0 != expected_seq - 1 || head.1 != prev {
            return Ok((
                count,
                Some(BrokenLink {
                    id: 0,
                    reason: "链尾与最后一条记录不符（末尾记录被删除）".into(),
                }),
            ));
        }
        Ok((count, None))
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
