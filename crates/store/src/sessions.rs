//! Login sessions and API tokens. Only hashes of the secrets are stored.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{execute_all, stmt};
use crate::users::{UserRow, USER_COLUMNS_U};
use crate::{Result, SessionStore, SqlStore, StoreError, User};
use async_trait::async_trait;
use bangfu_domain::login_throttle::FailureCounts;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct Session {
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The user's unread in-app notices, for the header (read with the session: no extra query).
    pub unread_notices: i64,
}

/// The session's own times carry their own names: the user's `created_at` is in the same row.
#[derive(sqlx::FromRow)]
struct SessionUserRow {
    csrf_token: String,
    session_created_at: DateTime<Utc>,
    session_last_seen_at: DateTime<Utc>,
    unread_notices: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Refused from this instant on; `None`: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Usable at `now`: neither revoked nor expired.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// A token to store: the hash of its secret, what it is for, when it was made and until when.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub token_hash: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    token_expires_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    user: UserRow,
}

fn login_entry(login: &str, address: &str, action: &str, note: Option<String>) -> NewAuditEntry {
    NewAuditEntry {
        actor: login.to_string(),
        address: address.to_string(),
        action: action.to_string(),
        entity: "user".into(),
        entity_key: login.to_string(),
        new_value: note,
        ..Default::default()
    }
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(
        &self,
        user: &User,
        id_hash: &str,
        csrf_token: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let insert = stmt!(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5)",
            id_hash,
            user.id,
            csrf_token,
            now,
            now
        );
        let entry = audit::append(login_entry(&user.login, address, "login.success", None));
        in_write_tx!(self, |tx| execute_all!(tx, [insert, entry]));
        Ok(())
    }

    async fn record_login_failure(&self, login: &str, address: &str) -> Result<()> {
        let entry = audit::append(login_entry(login, address, "login.failure", None));
        in_write_tx!(self, |tx| execute_all!(tx, [entry]));
        Ok(())
    }

    async fn record_login_throttled(&self, login: &str, address: &str, note: &str) -> Result<()> {
        let entry = audit::append(login_entry(
            login,
            address,
            "login.throttled",
            Some(note.to_string()),
        ));
        in_write_tx!(self, |tx| execute_all!(tx, [entry]));
        Ok(())
    }

    async fn login_failure_counts(
        &self,
        login: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<FailureCounts> {
        // One row: each count with the oldest failure it counts. Accounts compare trimmed and
        // case-folded, as typed; the pair counts only after the last success from that address.
        const SQL: &str = "SELECT \
             (SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure' AND address = $2 \
                AND LOWER(TRIM(entity_key)) = $1 AND occurred_at > $4) AS pair, \
             (SELECT MIN(occurred_at) FROM audit_log WHERE action = 'login.failure' AND address = $2 \
                AND LOWER(TRIM(entity_key)) = $1 AND occurred_at > $4) AS pair_oldest, \
             (SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure' AND address = $2 \
                AND occurred_at > $3) AS address_count, \
             (SELECT MIN(occurred_at) FROM audit_log WHERE action = 'login.failure' AND address = $2 \
                AND occurred_at > $3) AS address_oldest, \
             (SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure' \
                AND LOWER(TRIM(entity_key)) = $1 AND occurred_at > $3) AS account_count, \
             (SELECT MAX(occurred_at) FROM audit_log WHERE action = 'login.throttled' \
                AND address = $2 AND LOWER(TRIM(entity_key)) = $1) AS last_reported";
        #[derive(sqlx::FromRow)]
        struct Counts {
            pair: i64,
            pair_oldest: Option<DateTime<Utc>>,
            address_count: i64,
            address_oldest: Option<DateTime<Utc>>,
            account_count: i64,
            last_reported: Option<DateTime<Utc>>,
        }
        // The failures are counted from the log: queued ones (another server's, a moment ago)
        // must be in it first.
        self.chain_if_queueing().await?;
        let account = bangfu_domain::login_throttle::account(login);
        let mut read = self.read().await?;
        let mut conn = read.conn();
        let last_success: Option<DateTime<Utc>> = conn
            .scalar_optional(
                "SELECT MAX(occurred_at) FROM audit_log WHERE action = 'login.success' \
                 AND address = $2 AND LOWER(TRIM(entity_key)) = $1",
                vec![account.as_str().into(), address.into()],
            )
            .await?
            .flatten();
        let pair_since = last_success.map_or(since, |s| s.max(since));
        let c: Counts = conn
            .row(
                SQL,
                vec![
                    account.as_str().into(),
                    address.into(),
                    since.into(),
                    pair_since.into(),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("登录失败计数".into()))?;
        Ok(FailureCounts {
            pair: c.pair,
            pair_oldest: c.pair_oldest,
            address: c.address_count,
            address_oldest: c.address_oldest,
            account: c.account_count,
            last_reported: c.last_reported,
        })
    }

    async fn session(&self, id_hash: &str) -> Result<Option<(Session, User)>> {
        let sql = format!(
            "SELECT s.csrf_token, s.created_at AS session_created_at, \
             s.last_seen_at AS session_last_seen_at, \
             (SELECT COUNT(*) FROM notices n WHERE n.login = u.login AND n.read_at IS NULL) \
             AS unread_notices, {USER_COLUMNS_U} \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
        );
        let row = on_pool!(self, |pool| sqlx::query_as::<_, SessionUserRow>(&sql)
            .bind(id_hash)
            .fetch_optional(pool)
            .await?);
        row.map(|r| {
            Ok((
                Session {
                    csrf_token: r.csrf_token,
                    created_at: r.session_created_at,
                    last_seen_at: r.session_last_seen_at,
                    unread_notices: r.unread_notices,
                },
                User::try_from(r.user)?,
            ))
        })
        .transpose()
    }

    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2"
        )
        .bind(at)
        .bind(id_hash)
        .execute(pool)
        .await
        .map(|_| ())?);
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str, login: &str, address: &str) -> Result<()> {
        let delete = stmt!("DELETE FROM sessions WHERE id_hash = $1", id_hash);
        let entry = audit::append(login_entry(login, address, "logout", None));
        in_write_tx!(self, |tx| execute_all!(tx, [delete, entry]));
        Ok(())
    }

    async fn create_token(&self, user: &User, token: NewApiToken, actor: &str) -> Result<i64> {
        let note = match token.expires_at {
            Some(at) => format!("{}（有效期至 {}）", token.label, at.to_rfc3339()),
            None => token.label.clone(),
        };
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "token.create".into(),
            entity: "user".into(),
            entity_key: user.login.clone(),
            new_value: Some(note),
            ..Default::default()
        });
        Ok(in_write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(user.id)
            .bind(&token.token_hash)
            .bind(&token.label)
            .bind(token.created_at)
            .bind(token.expires_at)
            .execute(&mut *tx)
            .await?;
            execute_all!(tx, [entry]);
            sqlx::query_scalar::<_, i64>("SELECT id FROM api_tokens WHERE token_hash = $1")
                .bind(&token.token_hash)
                .fetch_one(&mut *tx)
                .await?
        }))
    }

    async fn user_by_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        let sql = format!(
            "SELECT t.expires_at AS token_expires_at, {USER_COLUMNS_U} \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        );
        let row = on_pool!(self, |pool| sqlx::query_as::<_, TokenUserRow>(&sql)
            .bind(token_hash)
            .fetch_optional(pool)
            .await?);
        // Compared here rather than in SQL: SQLite keeps times as text.
        row.filter(|r| r.token_expires_at.is_none_or(|e| now < e))
            .map(|r| User::try_from(r.user))
            .transpose()
    }

    async fn token_owner(&self, id: i64) -> Result<Option<String>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(
                "SELECT u.login FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        }))
    }

    async fn tokens(&self, user: &User) -> Result<Vec<ApiToken>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, ApiToken>(
                "SELECT id, label, created_at, revoked_at, expires_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id",
            )
            .bind(user.id)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn revoke_token(&self, id: i64, actor: &str) -> Result<bool> {
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "token.revoke".into(),
            entity: "api_token".into(),
            entity_key: id.to_string(),
            ..Default::default()
        });
        Ok(in_write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(Utc::now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if done {
                execute_all!(tx, [entry]);
            }
            done
        }))
    }
}
