//! The web application of bangfu: axum handlers, askama templates, assets embedded in the binary.

mod api;
mod assets;
pub mod auth;
pub mod error;
mod pages;
mod security;

use axum::routing::get;
use axum::Router;
use bangfu_domain::Plan;
use bangfu_store::Store;
use std::sync::Arc;

/// What every handler can reach: the storage and the plan as loaded at start.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub plan: Arc<Plan>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::plan::show))
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/plan", get(api::plan))
        .route("/assets/{*path}", get(assets::serve))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
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
