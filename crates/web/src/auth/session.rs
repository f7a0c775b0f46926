//! Sessions (cookie) and API tokens (Bearer), resolved once per request by [`authenticate`],
//! which also refuses cross-site request forgery on every state-changing request.
//!
//! Why our own and not tower-sessions / axum-login: a session here is one row of the audited store
//! (created, ended and revoked in the same transaction as its audit entry, on SQLite and
//! PostgreSQL alike, with the server's injectable clock for the 2-hour idle and 12-hour absolute
//! limits), and the same lookup serves Bearer tokens with expiry and revocation. tower-sessions
//! would add a second session table with its own expiry and no audit, and axum-login's
//! `AuthUser` model does not cover tokens. What a library would have caught — the session's own
//! `created_at` read as the account's — is pinned by tests on both backends
//! (`auth::sessions_last_twelve_hours_from_their_own_start_*`, `sessions::*`).

use super::client::{self, ClientInfo};
use crate::error::AppError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bangfu_domain::policy::Action;
use chrono::Duration;

pub const SESSION_COOKIE: &str = "bangfu_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf";
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT_MINUTES: i64 = 120;
/// And after this long in any case.
pub const ABSOLUTE_TIMEOUT_HOURS: i64 = 12;
/// Form bodies are small; files go through multipart with the token in the query string.
const FORM_LIMIT: usize = crate::MAX_BODY_BYTES;

/// The logged-in person and how they authenticated. Dereferences to the use cases' actor (the
/// user and the address), so `&actor` is passed wherever a use case wants one.
#[derive(Debug, Clone)]
pub struct Actor {
    pub acting: bangfu_app::Actor,
    /// The session's cookie hash and CSRF token; `None` for a Bearer token.
    pub session: Option<(String, String)>,
    /// The request came over HTTPS (as a trusted proxy says): its cookies are `Secure`.
    pub https: bool,
    /// Unread in-app notices (通知), counted with the session; 0 for a Bearer token.
    pub unread_notices: i64,
}

impl std::ops::Deref for Actor {
    type Target = bangfu_app::Actor;
    fn deref(&self) -> &bangfu_app::Actor {
        &self.acting
    }
}

impl Actor {
    /// Asks the policy; a refusal is a 403 with a Chinese message.
    pub fn require(&self, action: Action<'_>) -> Result<(), AppError> {
        Ok(self.acting.require(action)?)
    }

    pub fn csrf_token(&self) -> &str {
        self.session.as_ref().map_or("", |(_, csrf)| csrf.as_str())
    }
}

/// The actor if any; never rejects.
#[derive(Debug, Clone)]
pub struct MaybeActor(pub Option<Actor>);

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeActor(parts.extensions.get::<Actor>().cloned()))
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = Response;

    /// Not logged in: the API answers 401 JSON, a page redirects to the login page.
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Actor>().cloned().ok_or_else(|| {
            let uri = parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| parts.uri.clone(), |u| u.0.clone());
            if uri.path().starts_with("/api/") {
                crate::error::ApiError(AppError::Unauthenticated).into_response()
            } else {
                // Back to the page asked for after logging in.
                let next: String = form_urlencoded::byte_serialize(
                    uri.path_and_query()
                        .map_or("/home", |p| p.as_str())
                        .as_bytes(),
                )
                .collect();
                axum::response::Redirect::to(&format!("/login?next={next}")).into_response()
            }
        })
    }
}

pub use bangfu_app::{random_hex, sha256_hex};

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The `Set-Cookie` value for a new session (or, with an empty value, one that clears it).
pub fn session_cookie(value: &str, secure: bool) -> String {
    let max_age = if value.is_empty() {
        "; Max-Age=0".to_string()
    } else {
        String::new()
    };
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{max_age}")
}

/// Resolves the actor of each request and checks CSRF on state-changing requests made with a
/// session cookie (Bearer-token clients cannot be forged by a browser).
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Machine clients (the API, or anyone sending a Bearer token) get JSON errors, not redirects.
    let api = request.uri().path().starts_with("/api/") || bearer(request.headers()).is_some();
    match resolve(state, request, next).await {
        Ok(response) => response,
        Err(e) if api => crate::error::ApiError(e).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn resolve(state: AppState, request: Request, next: Next) -> Result<Response, AppError> {
    let (mut parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    let client = ClientInfo::resolve(&parts.headers, peer, &state.trusted_proxies);
    parts.extensions.insert(client.clone());
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let from_proxy = peer.is_some_and(|ip| state.trusted_proxies.contains(&ip));
    // Login CSRF and its kin: a browser on another site may not post here, with or without a
    // session. Bearer clients are not browsers and carry no victim's cookie.
    if unsafe_method
        && bearer(&parts.headers).is_none()
        && !client::same_site(&parts.headers, &state, from_proxy)
    {
        return Err(AppError::Csrf);
    }
    let actor = actor_of(&state, &parts.headers, &client).await?;
    let mut request = Request::from_parts(parts, body);
    if let Some(actor) = &actor {
        if let Some((_, csrf)) = &actor.session {
            if unsafe_method {
                let (ok, rebuilt) = csrf_matches(request, csrf).await?;
                if !ok {
                    return Err(AppError::Csrf);
                }
                request = rebuilt;
            }
        }
        request.extensions_mut().insert(actor.clone());
    }
    let response = next.run(request).await.into_response();
    Ok(match &actor {
        // A page's error keeps the signed-in header (the page itself was drawn without it).
        Some(actor) => crate::error::error_page_for(actor, response),
        None => response,
    })
}

/// The actor behind a Bearer token or a session cookie, if any. A bad token is an error (a script
/// should know); a stale cookie is just no actor (the login page follows).
async fn actor_of(
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientInfo,
) -> Result<Option<Actor>, AppError> {
    let now = state.clock.now();
    let actor = |user, session, unread_notices| Actor {
        acting: bangfu_app::Actor {
            user,
            address: client.address.clone(),
        },
        session,
        https: client.https,
        unread_notices,
    };
    if let Some(token) = bearer(headers) {
        return match state.store.user_by_token(&sha256_hex(token), now).await? {
            Some(user) if user.active => Ok(Some(actor(user, None, 0))),
            _ => Err(AppError::Unauthenticated),
        };
    }
    let Some(cookie) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = sha256_hex(cookie);
    let Some((session, user)) = state.store.session(&id_hash).await? else {
        return Ok(None);
    };
    // Both limits count from the session's own times, never from the account's creation.
    let idle = now - session.last_seen_at > Duration::minutes(IDLE_TIMEOUT_MINUTES);
    let old = now - session.created_at > Duration::hours(ABSOLUTE_TIMEOUT_HOURS);
    if !user.active || idle || old {
        return Ok(None);
    }
    // Touch at most once a minute: reads stay reads under load.
    if now - session.last_seen_at > Duration::seconds(60) {
        state.store.touch_session(&id_hash, now).await?;
    }
    Ok(Some(actor(
        user,
        Some((id_hash, session.csrf_token)),
        session.unread_notices,
    )))
}

/// Looks for the token in the header, the query string, or an urlencoded form body.
async fn csrf_matches(request: Request, expected: &str) -> Result<(bool, Request), AppError> {
    let matches = |v: &str| !expected.is_empty() && v == expected;
    if let Some(v) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return Ok((matches(v), request));
    }
    if let Some(q) = request.uri().query() {
        if let Some((_, v)) = form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == CSRF_FIELD) {
            return Ok((matches(&v), request));
        }
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((false, request));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| crate::error::too_large(FORM_LIMIT))?;
    let ok = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .is_some_and(|(_, v)| matches(&v));
    Ok((ok, Request::from_parts(parts, Body::from(bytes))))
}
