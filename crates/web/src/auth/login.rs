//! Checking a login and starting a session: shared by the login page and `POST /api/v1/login`.

use crate::auth::client::ClientInfo;
use crate::auth::password::verify_password;
use crate::auth::session::{random_hex, session_cookie, sha256_hex};
use crate::error::AppError;
use crate::AppState;
use axum::http::StatusCode;
use bangfu_domain::login_throttle::{decide, window_start};
use bangfu_store::User;

/// A well-formed hash that matches nothing: unknown logins cost the same time as known ones.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Xhd8mHDNJ0cjkTRs5ZtTDLJwvVhT6Qv1c3S0u3Yx0g";

/// Why a login was refused, with the status to answer.
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Refusal {
            status,
            message: message.into(),
        }
    }
}

/// Checks a login and password; the same answer for an unknown login and a wrong password, and
/// 429, without reading the password, to an address that failed too often (see `throttle`).
pub async fn check_credentials(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
) -> Result<Result<User, Refusal>, AppError> {
    // Failures are counted from the database, so every server of one database sees them (the
    // clock is the system's: the audit log stamps entries with it).
    let now = chrono::Utc::now();
    let counts = state
        .store
        .login_failure_counts(login, address, window_start(now))
        .await?;
    if let Some(block) = decide(&counts, now) {
        if block.report {
            state
                .store
                .record_login_throttled(login.trim(), address, block.reason)
                .await?;
        }
        return Ok(Err(Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("登录失败次数过多，请 {} 分钟后再试", block.minutes),
        )));
    }
    verify_credentials(state, login, password, address).await
}

async fn verify_credentials(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
) -> Result<Result<User, Refusal>, AppError> {
    let user = state.store.user_by_login(login).await?;
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH.to_string(), |u| u.password_hash.clone());
    let ok = verify_password(password.to_string(), hash).await;
    match user {
        Some(u) if ok && u.active => Ok(Ok(u)),
        Some(u) if ok => {
            state.store.record_login_failure(&u.login, address).await?;
            Ok(Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "该账号已停用，请联系系统管理员",
            )))
        }
        _ => {
            state
                .store
                .record_login_failure(login.trim(), address)
                .await?;
            Ok(Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "登录名或密码错误",
            )))
        }
    }
}

/// Starts a new session (a new identifier at every login: no fixation); returns the cookie.
pub async fn start_session(
    state: &AppState,
    user: &User,
    client: &ClientInfo,
) -> Result<(String, String), AppError> {
    let secret = random_hex(32);
    let csrf = random_hex(32);
    state
        .store
        .create_session(
            user,
            &sha256_hex(&secret),
            &csrf,
            &client.address,
            state.clock.now(),
        )
        .await?;
    let secure = state.secure_cookies || client.https;
    Ok((session_cookie(&secret, secure), csrf))
}
