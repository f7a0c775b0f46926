//! The JSON API (`/api/v1`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::plan::view::PlanView;

use crate::error::ApiError;
use crate::AppState;

/// `GET /api/v1/plan`: the plan as loaded, in the same shape as `bangfu plan show --json`.
pub async fn plan(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(PlanView::new(&state.plan)).into_response())
}
