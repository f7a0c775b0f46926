//! Login, logout and changing one's own password.

use super::{see_other, see_other_with_cookie, MsgQuery, Nav};
use crate::auth::client::ClientInfo;
use crate::auth::login::{check_credentials, start_session};
use crate::auth::password::{hash_password, verify_password};
use crate::auth::session::session_cookie;
use crate::auth::{Actor, MaybeActor};
use crate::error::AppError;
use crate::extract::{FormBody, QueryParams};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::user::check_password_strength;
use serde::Deserialize;

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
    QueryParams(q): QueryParams<NextQuery>,
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
    QueryParams(q): QueryParams<MsgQuery>,
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
