//! Login sessions and API tokens. Only hashes of the secrets are stored.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{execute_all, stmt};
use crate::users::{UserRow, USER_COLUMNS_U};
use crate::{Result, SessionStore, SqlStore, User};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct Session {
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SessionUserRow {
    csrf_token: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    #[sqlx(flatten)]
    user: UserRow,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
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
    ) -> Result<()> {
        let now = Utc::now();
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

    async fn session(&self, id_hash: &str) -> Result<Option<(Session, User)>> {
        let sql = format!(
            "SELECT s.csrf_token, s.created_at, s.last_seen_at, {USER_COLUMNS_U} \
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
                    created_at: r.created_at,
                    last_seen_at: r.last_seen_at,
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

    async fn create_token(
        &self,
        user: &User,
        token_hash: &str,
        label: &str,
        actor: &str,
    ) -> Result<i64> {
        let insert = stmt!(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)",
            user.id,
            token_hash,
            label,
            Utc::now()
        );
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "token.create".into(),
            entity: "user".into(),
            entity_key: user.login.clone(),
            new_value: Some(label.to_string()),
            ..Default::default()
        });
        Ok(in_write_tx!(self, |tx| {
            execute_all!(tx, [insert, entry]);
            sqlx::query_scalar::<_, i64>("SELECT id FROM api_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_one(&mut *tx)
                .await?
        }))
    }

    async fn user_by_token(&self, token_hash: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS_U} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        );
        let row = on_pool!(self, |pool| sqlx::query_as::<_, UserRow>(&sql)
            .bind(token_hash)
            .fetch_optional(pool)
            .await?);
        row.map(User::try_from).transpose()
    }

    async fn tokens(&self, user: &User) -> Result<Vec<ApiToken>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, ApiToken>(
            "SELECT id, label, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id"
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
