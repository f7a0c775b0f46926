//! The audit log: appended in the same transaction as the change it records, never edited.

use crate::db::on_pool;
use crate::stmt::{stmt, Stmt};
use crate::{AuditStore, Result, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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

/// The statement that appends `entry`; callers add it to their change's transaction.
pub(crate) fn append(entry: NewAuditEntry) -> Stmt {
    stmt!(
        "INSERT INTO audit_log (occurred_at, actor, address, action, entity, entity_key, \
         old_value, new_value, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        Utc::now(),
        entry.actor,
        entry.address,
        entry.action,
        entry.entity,
        entry.entity_key,
        entry.old_value,
        entry.new_value,
        entry.reason,
    )
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        const SQL: &str = "SELECT id, occurred_at, actor, address, action, entity, entity_key, \
                           old_value, new_value, reason FROM audit_log ORDER BY id DESC LIMIT $1";
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, AuditEntry>(SQL)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }
}
