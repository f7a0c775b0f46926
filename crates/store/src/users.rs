//! Accounts. Passwords arrive already hashed (argon2, hashed off the async threads by the caller).

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{execute_all, stmt};
use crate::{Result, SqlStore, StoreError, UserStore};
use async_trait::async_trait;
use bangfu_domain::user::{Login, Role};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: Login,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub phone: String,
    /// For notifications; empty when none (set later by the person).
    pub email: String,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub phone: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// E-mail address for notifications ('' when none).
    pub email: String,
    /// The notification channels the user chose.
    pub channels: bangfu_domain::notify::Channels,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    role: String,
    unit_code: Option<String>,
    phone: String,
    password_hash: String,
    active: bool,
    created_at: DateTime<Utc>,
    email: String,
    notify_channels: String,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self> {
        let role = Role::parse(&r.role).map_err(StoreError::Corrupt)?;
        Ok(User {
            id: r.id,
            login: r.login,
            display_name: r.display_name,
            role,
            unit_code: r.unit_code,
            phone: r.phone,
            password_hash: r.password_hash,
            active: r.active,
            created_at: r.created_at,
            email: r.email,
            channels: bangfu_domain::notify::Channels::parse(&r.notify_channels),
        })
    }
}

const USER_COLUMNS: &str = "id, login, display_name, role, unit_code, phone, password_hash, \
     active, created_at, email, notify_channels";
/// The same columns from a join where `users` is aliased `u`.
pub(crate) const USER_COLUMNS_U: &str = "u.id, u.login, u.display_name, u.role, u.unit_code, \
     u.phone, u.password_hash, u.active, u.created_at, u.email, u.notify_channels";

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: NewUser, actor: &str) -> Result<i64> {
        let login = user.login.as_str().to_string();
        let summary = format!(
            "登录名={} 姓名={} 角色={} 单位={}{}",
            login,
            user.display_name,
            user.role.label(),
            user.unit_code.as_deref().unwrap_or("-"),
            if user.email.is_empty() {
                String::new()
            } else {
                format!(" 邮箱={}", user.email)
            }
        );
        let insert = stmt!(
            "INSERT INTO users (login, display_name, role, unit_code, phone, email, \
             password_hash, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8)",
            login.clone(),
            user.display_name,
            user.role.as_str(),
            user.unit_code,
            user.phone,
            user.email,
            user.password_hash,
            Utc::now(),
        );
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "user.create".into(),
            entity: "user".into(),
            entity_key: login.clone(),
            new_value: Some(summary),
            ..Default::default()
        });
        let result: Result<i64> = async {
            Ok(in_write_tx!(self, |tx| {
                execute_all!(tx, [insert, entry]);
                sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE login = $1")
                    .bind(&login)
                    .fetch_one(&mut *tx)
                    .await?
            }))
        }
        .await;
        match result {
            Err(StoreError::Database(e)) if StoreError::is_unique_violation(&e) => {
                Err(StoreError::LoginTaken(login))
            }
            other => other,
        }
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, UserRow>(&sql)
            .bind(login.trim().to_ascii_lowercase())
            .fetch_optional(pool)
            .await?);
        row.map(User::try_from).transpose()
    }

    async fn set_user_active(&self, login: &str, active: bool, actor: &str) -> Result<bool> {
        let action = if active {
            "user.enable"
        } else {
            "user.disable"
        };
        self.change_user(
            login,
            actor,
            action,
            stmt!(
                "UPDATE users SET active = $1 WHERE login = $2",
                active,
                login
            ),
            Some((!active).to_string()),
            Some(active.to_string()),
        )
        .await
    }

    async fn set_password(&self, login: &str, password_hash: &str, actor: &str) -> Result<bool> {
        self.change_user(
            login,
            actor,
            "user.password",
            stmt!(
                "UPDATE users SET password_hash = $1 WHERE login = $2",
                password_hash,
                login
            ),
            None,
            None,
        )
        .await
    }

    async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, UserRow>(&sql)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(User::try_from).collect()
    }
}

impl SqlStore {
    /// Applies one change to an account with its audit entry, and ends the account's sessions
    /// (a disabled user or a changed password must log in again). False if no such login.
    async fn change_user(
        &self,
        login: &str,
        actor: &str,
        action: &str,
        update: crate::stmt::Stmt,
        old_value: Option<String>,
        new_value: Option<String>,
    ) -> Result<bool> {
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: action.to_string(),
            entity: "user".into(),
            entity_key: login.to_string(),
            old_value,
            new_value,
            ..Default::default()
        });
        let drop_sessions = stmt!(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE login = $1)",
            login
        );
        Ok(in_write_tx!(self, |tx| {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
                .bind(login)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                execute_all!(tx, [update, drop_sessions, entry]);
            }
            exists.is_some()
        }))
    }
}
