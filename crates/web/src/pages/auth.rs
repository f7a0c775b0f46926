//! Login, logout and changing one's own password.

use super::{see_other, see_other_with_cookie, Nav};
use crate::auth::password::{hash_password, verify_password};
use crate::auth::session::{random_hex, session_cookie, sha256_hex, ClientAddress};
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

/// Only local paths: never redirect to another site after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/home".to_string(),
    }
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
/// 429 once too many attempts failed for the login or from the address.
pub async fn check_credentials(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
) -> Result<Result<User, Refusal>, AppError> {
    if let Some(minutes) = state.login_throttle.blocked(login, address) {
        return Ok(Err(Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("登录失败次数过多，请 {minutes} 分钟后再试"),
        )));
    }
    let outcome = verify_credentials(state, login, password, address).await?;
    match &outcome {
        Ok(user) => state.login_throttle.succeeded(&user.login),
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
    address: &str,
) -> Result<(String, String), AppError> {
    let secret = random_hex(32);
    let csrf = random_hex(32);
    state
        .store
        .create_session(user, &sha256_hex(&secret), &csrf, address)
        .await?;
    Ok((session_cookie(&secret, state.secure_cookies), csrf))
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    FormBody(form): FormBody<LoginForm>,
) -> Result<Response, AppError> {
    match check_credentials(&state, &form.login, &form.password, &address).await? {
        Ok(user) => {
            let (cookie, _) = start_session(&state, &user, &address).await?;
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
        session_cookie("", state.secure_cookies),
    ))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Nav,
    error: Option<String>,
    message: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct MsgQuery {
    msg: Option<String>,
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
        check_password_strength(&form.new).err()
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
    let (cookie, _) = start_session(&state, &actor.user, &actor.address).await?;
    Ok(see_other_with_cookie(
        "/account/password?msg=password",
        cookie,
    ))
}
