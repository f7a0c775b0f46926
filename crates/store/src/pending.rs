//! Uploaded spreadsheets waiting for their preview to be confirmed. They live in the database, not
//! in one server's memory, so that the confirmation may land on any of several servers behind one
//! PostgreSQL. A token's hash is the key: the token itself is only in the user's form.

use crate::stmt::{stmt, Arg};
use crate::{Result, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An upload as kept between preview and confirmation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingUpload {
    pub owner: String,
    pub period: String,
    pub unit: String,
    pub file_name: String,
    pub content: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait PendingImportStore: Send + Sync {
    /// Keeps an upload under the hash of its token, dropping uploads made before `expired_before`.
    async fn put_pending_import(
        &self,
        token_hash: &str,
        upload: &PendingUpload,
        expired_before: DateTime<Utc>,
    ) -> Result<()>;
    /// Takes an upload back, for its owner only and if not expired; it is gone afterwards, so a
    /// token confirms once, whichever server it reaches.
    async fn take_pending_import(
        &self,
        token_hash: &str,
        owner: &str,
        expired_before: DateTime<Utc>,
    ) -> Result<Option<PendingUpload>>;
}

#[async_trait]
impl PendingImportStore for SqlStore {
    async fn put_pending_import(
        &self,
        token_hash: &str,
        upload: &PendingUpload,
        expired_before: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute_all([
                stmt!(
                    "DELETE FROM pending_imports WHERE created_at < $1",
                    expired_before
                ),
                stmt!(
                    "INSERT INTO pending_imports (token_hash, owner, period, unit, file_name, \
                     content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    token_hash,
                    &upload.owner,
                    &upload.period,
                    &upload.unit,
                    &upload.file_name,
                    Arg::Bytes(upload.content.clone()),
                    upload.created_at
                ),
            ])
            .await?;
        tx.commit().await
    }

    async fn take_pending_import(
        &self,
        token_hash: &str,
        owner: &str,
        expired_before: DateTime<Utc>,
    ) -> Result<Option<PendingUpload>> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        // The row is deleted whoever asks: a token guessed by someone else is spent, not kept.
        let found: Option<PendingUpload> = conn
            .row(
                "DELETE FROM pending_imports WHERE token_hash = $1 \
                 RETURNING owner, period, unit, file_name, content, created_at",
                vec![token_hash.into()],
            )
            .await?;
        tx.commit().await?;
        Ok(found.filter(|u| u.owner == owner && u.created_at >= expired_before))
    }
}
