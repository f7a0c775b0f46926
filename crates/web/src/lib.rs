//! The web application of bangfu: axum handlers, askama templates, assets embedded in the binary.

pub mod api;
mod assets;
pub mod auth;
mod charts;
pub mod error;
mod extract;
mod http;
mod pages;
mod security;

// The use cases live in `bangfu_app`; the handlers name them as before.
pub use bangfu_app::{
    beijing, ledger, oversight, reconciliation, reporting, sheets, Clock, Context,
};

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use bangfu_domain::Plan;
use bangfu_store::Store;
use std::net::IpAddr;
use std::sync::Arc;

/// Largest request body, except uploads (which have their own limits): JSON and forms.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Largest evidence file (佐证材料) accepted.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

/// What every handler can reach: the use cases' context (storage, plan, clock, pending imports)
/// and the HTTP settings. Dereferences to the context, so `state.store` reads as before and a
/// `&AppState` is passed wherever a use case wants `&Context`.
#[derive(Clone)]
pub struct AppState {
    pub context: Context,
    /// Mark the session cookie `Secure` (served over HTTPS). Requests that a trusted proxy
    /// forwarded with `X-Forwarded-Proto: https` get a `Secure` cookie in any case.
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` are
    /// believed; from anyone else these headers are ignored.
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    /// The address users reach the site at (`https://bangfu.example.gov.cn`), when set: its host
    /// is accepted as the origin of forms besides the request's own host.
    pub public_url: Option<String>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, plan: Arc<Plan>) -> Self {
        AppState::from(Context::new(store, plan))
    }
}

impl From<Context> for AppState {
    fn from(context: Context) -> Self {
        AppState {
            context,
            secure_cookies: false,
            trusted_proxies: Arc::new(Vec::new()),
            public_url: None,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.context
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Context {
        &mut self.context
    }
}

pub fn router(state: AppState) -> Router {
    let pages = pages::routes::router();
    // Every /api/v1 operation and its OpenAPI document, from one list (api::doc).
    let (api, _) = api::routes(&state.plan);
    Router::new()
        .merge(pages)
        .nest("/api/v1", api)
        .route("/healthz", get(|| async { "ok" }))
        .route("/assets/{*path}", get(assets::serve))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session::authenticate,
        ))
        .layer(axum::middleware::from_fn(extract::refuse_nul_in_uri))
        // axum's own limit (the default made explicit): the extractors turn it into a 413.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(security::headers))
        // A defect must never drop the connection without a word: a panic in a handler becomes a
        // 500 page in Chinese (and the panic is logged), the server goes on serving.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        // HTTP plumbing from tower-http rather than our own: gzip for pages and JSON (150–600 kB
        // of HTML), a time limit so a stuck request cannot hold a connection for ever, and a
        // request id on every request, echoed in the response and named in the trace.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .with_state(state)
}

/// What the user sees when a handler panicked: no detail of the defect, a way back.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let page = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>系统内部错误</title>\
        <h1>系统内部错误</h1><p>本次操作未完成，已填写的内容没有保存。请稍后重试；如仍出错，请联系系统管理员。</p>\
        <p><a href=\"/\">返回我的待办</a></p></html>";
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        axum::response::Html(page),
    )
        .into_response()
}

/// Longest a request may take before the server gives up on it (large exports take seconds).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The trace span of a request, named by the request id that `SetRequestIdLayer` gave it.
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), id)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_a_chinese_500_page() {
        let app = axum::Router::new()
            .route(
                "/",
                axum::routing::get(|| async {
                    let empty: Vec<&'static str> = Vec::new();
                    empty[1]
                }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                super::panic_response,
            ));
        let request = axum::http::Request::get("/")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), 500);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains("系统内部错误") && text.contains("返回我的待办"),
            "{text}"
        );
    }
}
