//! Login, logout and changing one's own password.

use super::{see_other, see_other_with_cookie, MsgQuery, Nav};
use crate::auth::client::ClientInfo;
use crate::auth::password::{hash_password, verify_password};
use crate::auth::session::{random_hex, session_cookie, sha256_hex};
use crate::auth::{Actor, MaybeActor};
use crate::error::AppError;
use crate::extract::FormBody;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::user::check_password_strength;
use bangfu_store::User;
use serde::Deserialize;

/// A well-formed hash that matches nothing: unknown logins cost the same time as known ones.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Xhd8mHDNJ0cjkTRs5ZtTDLJwvVhT6Qv1c3S0u3Yx0g";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    error: Option<String>,
    login: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site: one leading `/`, then no `/` or `\\` (a browser reads `//host` and
/// `/\\host` as another site), and no control character or whitespace anywhere, as sent or once
/// percent-decoded (browsers drop tabs and newlines, so `/%09/evil.example` is `//evil.example`;
/// a newline cannot be put in a header at all). Anything else goes to the user's home page.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/home";
    let Some(next) = next else {
        return HOME.to_string();
    };
    let decoded = percent_decoded(next);
    let acceptable = |p: &str| {
        let mut chars = p.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !p.contains('\\')
            && !p.chars().any(|c| c.is_control() || c.is_whitespace())
    };
    if acceptable(next) && acceptable(&decoded) {
        next.to_string()
    } else {
        HOME.to_string()
    }
}

/// `%XX` sequences decoded (one level), the rest kept; invalid UTF-8 becomes U+FFFD.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn login_form(
    MaybeActor(actor): MaybeActor,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if actor.is_some() {
        return Ok(see_other("/home"));
    }
    let page = LoginPage {
        nav: Nav::for_actor(None),
        error: None,
        login: String::new(),
        next: safe_next(q.next.as_deref()),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

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
    if let Some(block) = state.login_throttle.blocked(login, address) {
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
    let outcome = verify_credentials(state, login, password, address).await?;
    match &outcome {
        Ok(user) => state.login_throttle.succeeded(&user.login, address),
        Err(_) => state.login_throttle.failed(login, address),
    }
    Ok(outcome)
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

pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    FormBody(form): FormBody<LoginForm>,
) -> Result<Response, AppError> {
    match check_credentials(&state, &form.login, &form.password, &client.address).await? {
        Ok(user) => {
            let (cookie, _) = start_session(&state, &user, &client).await?;
            Ok(see_other_with_cookie(
                &safe_next(form.next.as_deref()),
                cookie,
            ))
        }
        Err(refusal) => {
            let page = LoginPage {
                nav: Nav::for_actor(None),
                error: Some(refusal.message),
                login: form.login,
                next: safe_next(form.next.as_deref()),
            };
            Ok((refusal.status, Html(page.render()?)).into_response())
        }
    }
}

pub async fn logout(State(state): State<AppState>, actor: Actor) -> Result<Response, AppError> {
    if let Some((id_hash, _)) = &actor.session {
        state
            .store
            .delete_session(id_hash, actor.login(), &actor.address)
            .await?;
    }
    Ok(see_other_with_cookie(
        "/login",
        session_cookie("", state.secure_cookies || actor.https),
    ))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Nav,
    error: Option<String>,
    message: Option<&'static str>,
}

pub async fn password_form(
    actor: Actor,
    Query(q): Query<MsgQuery>,
) -> Result<Html<String>, AppError> {
    let page = PasswordPage {
        nav: Nav::for_actor(Some(&actor)),
        error: None,
        message: super::flash(q.msg.as_deref()),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(form): FormBody<PasswordForm>,
) -> Result<Response, AppError> {
    let problem = if !verify_password(form.current.clone(), actor.user.password_hash.clone()).await
    {
        Some("当前密码不正确".to_string())
    } else if form.new != form.confirm {
        Some("两次输入的新密码不一致".to_string())
    } else {
        check_password_strength("新密码", &form.new).err()
    };
    if let Some(error) = problem {
        let page = PasswordPage {
            nav: Nav::for_actor(Some(&actor)),
            error: Some(error),
            message: None,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    let hash = hash_password(form.new).await.map_err(AppError::Internal)?;
    state
        .store
        .set_password(actor.login(), &hash, actor.login())
        .await?;
    // Every session ended with the change; this browser gets a fresh one.
    let client = ClientInfo {
        address: actor.address.clone(),
        https: actor.https,
    };
    let (cookie, _) = start_session(&state, &actor.user, &client).await?;
    Ok(see_other_with_cookie(
        "/account/password?msg=password",
        cookie,
    ))
}
