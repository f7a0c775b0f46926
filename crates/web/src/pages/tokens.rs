//! `/account/tokens`: one's own API tokens. Listing, creating one (its secret shown once, only its
//! hash stored) with an optional expiry date, revoking. Tokens are managed from a logged-in
//! browser only: a token cannot mint or revoke tokens, so an expiry cannot be escaped.

use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::session::{random_hex, sha256_hex};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::policy::Action;
use bangfu_store::NewApiToken;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    nav: Nav,
    tokens: Vec<TokenRow>,
    message: Option<&'static str>,
    error: Option<String>,
    new_secret: Option<String>,
    tomorrow: String,
}

struct TokenRow {
    id: i64,
    label: String,
    created: String,
    expires: String,
    status: &'static str,
    revocable: bool,
}

fn session_only(actor: &Actor) -> Result<(), AppError> {
    if actor.session.is_none() {
        return Err(AppError::BadRequest(
            "API 令牌只能在登录网页后管理，不能用令牌管理令牌".into(),
        ));
    }
    Ok(())
}

async fn render(
    state: &AppState,
    actor: &Actor,
    message: Option<&'static str>,
    error: Option<String>,
    new_secret: Option<String>,
) -> Result<String, AppError> {
    actor.require(Action::ManageOwnTokens)?;
    let now = state.clock.now();
    let tokens = state
        .store
        .tokens(&actor.user)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            created: beijing_time(t.created_at),
            // Stored as the first instant it is refused: shown as the last day it works.
            expires: t.expires_at.map_or("长期有效".to_string(), |e| {
                (e - Duration::seconds(1))
                    .with_timezone(&crate::beijing())
                    .format("%Y-%m-%d")
                    .to_string()
            }),
            status: match (t.revoked_at, t.is_valid_at(now)) {
                (Some(_), _) => "已吊销",
                (None, false) => "已过期",
                (None, true) => "有效",
            },
            revocable: t.revoked_at.is_none(),
            label: t.label,
        })
        .collect();
    let page = TokensPage {
        nav: Nav::for_actor(Some(actor)),
        tokens,
        message,
        error,
        new_secret,
        tomorrow: (state.clock.today() + Duration::days(1)).to_string(),
    };
    Ok(page.render()?)
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    session_only(&actor)?;
    Ok(Html(
        render(&state, &actor, flash(q.msg.as_deref()), None, None).await?,
    ))
}

#[derive(Deserialize)]
pub struct CreateForm {
    label: String,
    #[serde(default)]
    expires_on: String,
}

/// The end of `day` in Beijing (the first instant of the next day), when the day is after `today`.
pub fn expiry_from_date(text: &str, today: NaiveDate) -> Result<Option<DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = bangfu_domain::date::parse_date("有效期", text)?;
    if day < today {
        return Err(format!("有效期 {day} 已经过去，请选今天或以后的日期"));
    }
    let next = day + Duration::days(1);
    let midnight = next
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(crate::beijing()).single())
        .ok_or_else(|| format!("有效期“{text}”无效"))?;
    Ok(Some(midnight.with_timezone(&Utc)))
}

fn check_label(label: &str) -> Result<String, String> {
    let label = label.trim();
    if label.is_empty() {
        return Err("请填写令牌用途".into());
    }
    bangfu_domain::report::check_text("用途", label, 50)?;
    Ok(label.to_string())
}

pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(form): FormBody<CreateForm>,
) -> Result<Response, AppError> {
    session_only(&actor)?;
    actor.require(Action::ManageOwnTokens)?;
    let checked = check_label(&form.label).and_then(|label| {
        expiry_from_date(&form.expires_on, state.clock.today()).map(|e| (label, e))
    });
    let (label, expires_at) = match checked {
        Ok(c) => c,
        Err(error) => {
            let html = render(&state, &actor, None, Some(error), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let secret = format!("bf_{}", random_hex(24));
    let token = NewApiToken {
        token_hash: sha256_hex(&secret),
        label,
        created_at: state.clock.now(),
        expires_at,
    };
    state
        .store
        .create_token(&actor.user, token, actor.login())
        .await?;
    let html = render(
        &state,
        &actor,
        flash(Some("token_created")),
        None,
        Some(secret),
    )
    .await?;
    Ok(Html(html).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    session_only(&actor)?;
    let Some(owner) = state.store.token_owner(id).await? else {
        return Err(AppError::NotFound);
    };
    actor.require(Action::RevokeToken { owner: &owner })?;
    // Revoking a token already revoked changes nothing and is no error.
    state.store.revoke_token(id, actor.login()).await?;
    Ok(see_other("/account/tokens?msg=token_revoked"))
}
