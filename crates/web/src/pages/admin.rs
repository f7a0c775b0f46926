//! `/admin/users`: accounts. Adding, disabling, re-enabling, resetting passwords.

use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::password::{generate_password, hash_password};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::policy::Action;
use bangfu_domain::user::{check_password_strength, Login, Role};
use bangfu_store::{NewUser, User};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    csrf: String,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    message: Option<&'static str>,
    error: Option<String>,
    /// A password to show once (new account or reset).
    shown_password: Option<(String, String)>,
}

struct UserRow {
    login: String,
    name: String,
    role: &'static str,
    unit: String,
    phone: String,
    email: String,
    active: bool,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    message: Option<&'static str>,
    error: Option<String>,
    shown_password: Option<(String, String)>,
) -> Result<String, AppError> {
    actor.require(Action::ManageUsers)?;
    let users = state.store.users().await?;
    let page = UsersPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        users: users
            .into_iter()
            .map(|u: User| UserRow {
                unit: u
                    .unit_code
                    .as_deref()
                    .map(|c| state.plan.party_name(c).to_string())
                    .unwrap_or_default(),
                login: u.login,
                name: u.display_name,
                role: u.role.label(),
                phone: u.phone,
                email: u.email,
                active: u.active,
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        units: super::unit_choices(&state.plan),
        message,
        error,
        shown_password,
    };
    Ok(page.render()?)
}

pub async fn users(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    Ok(Html(
        page(&state, &actor, flash(q.msg.as_deref()), None, None).await?,
    ))
}

#[derive(Deserialize)]
pub struct AddUserForm {
    login: String,
    name: String,
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Checks and builds a new account; the password is generated when none is given.
pub async fn new_user(state: &AppState, form: &AddUserForm) -> Result<(NewUser, String), String> {
    let login = Login::parse(&form.login)?;
    let role = Role::parse(&form.role)?;
    let (name, password) = (form.name.as_str(), form.password.as_str());
    let unit = form.unit.trim();
    let unit_code = if role.needs_unit() {
        if state.plan.unit(unit).is_none() {
            return Err(format!(
                "填报人必须选择所属单位（“{unit}”不是本方案的单位代码）"
            ));
        }
        Some(unit.to_string())
    } else if !unit.is_empty() {
        return Err(format!("只有填报人属于某个单位；{}不选单位", role.label()));
    } else {
        None
    };
    let name = name.trim();
    if name.is_empty() {
        return Err("请填写姓名".into());
    }
    bangfu_domain::report::check_text("姓名", name, 50)?;
    // The rules of the person's own settings page and of `bangfu user add`.
    let phone = bangfu_domain::notify::check_phone(&form.phone)?;
    let email = bangfu_domain::notify::check_email(&form.email)?;
    let password = if password.is_empty() {
        generate_password()
    } else {
        check_password_strength("初始密码", password)?;
        password.to_string()
    };
    let hash = hash_password(password.clone()).await?;
    Ok((
        NewUser {
            login,
            display_name: name.to_string(),
            role,
            unit_code,
            phone,
            email,
            password_hash: hash,
        },
        password,
    ))
}

pub async fn add_user(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(form): FormBody<AddUserForm>,
) -> Result<Response, AppError> {
    actor.require(Action::ManageUsers)?;
    let built = new_user(&state, &form).await;
    let (user, password) = match built {
        Ok(b) => b,
        Err(error) => {
            let html = page(&state, &actor, None, Some(error), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let login = user.login.to_string();
    let generated = form.password.is_empty();
    match state.store.create_user(user, actor.login()).await {
        Err(bangfu_store::StoreError::LoginTaken(l)) => {
            let html = page(
                &state,
                &actor,
                None,
                Some(format!("登录名“{l}”已被使用")),
                None,
            )
            .await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
        Ok(_) if generated => Ok(Html(
            page(
                &state,
                &actor,
                flash(Some("user_added")),
                None,
                Some((login, password)),
            )
            .await?,
        )
        .into_response()),
        Ok(_) => Ok(see_other("/admin/users?msg=user_added")),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(login): PathParams<String>,
    FormBody(form): FormBody<ActiveForm>,
) -> Result<Response, AppError> {
    actor.require(Action::ManageUsers)?;
    let active = form.active == "true";
    if !active && login == actor.login() {
        return Err(AppError::BadRequest("不能停用自己的账号".into()));
    }
    if !state
        .store
        .set_user_active(&login, active, actor.login())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(see_other(if active {
        "/admin/users?msg=user_enabled"
    } else {
        "/admin/users?msg=user_disabled"
    }))
}

pub async fn reset_password(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(login): PathParams<String>,
) -> Result<Response, AppError> {
    actor.require(Action::ManageUsers)?;
    let password = generate_password();
    let hash = hash_password(password.clone())
        .await
        .map_err(AppError::Internal)?;
    if !state
        .store
        .set_password(&login, &hash, actor.login())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Html(page(&state, &actor, None, None, Some((login, password))).await?).into_response())
}
