//! The funds ledger in the JSON API: budgets, projects, transactions and the reconciliation of a
//! period. Amounts travel as decimal strings in 元 (exact to the 分), never as floats.

use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::{JsonBody, PathParams};
use crate::ledger::{record, reversal_of};
use crate::{reconciliation, reporting, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::ledger::input::{parse_date, BudgetInput, ProjectInput, TxInput};
use bangfu_domain::policy::Action;
use serde::Deserialize;
use std::collections::BTreeMap;

type ApiResult = Result<Response, ApiError>;

fn refused(errors: Vec<String>) -> ApiError {
    ApiError(AppError::rejected(errors))
}

/// `GET /api/v1/budgets`
pub async fn budgets(State(state): State<AppState>, actor: Actor) -> ApiResult {
    actor.require(Action::ViewLedger)?;
    Ok(Json(state.store.budgets().await?).into_response())
}

/// `POST /api/v1/budgets`: records or replaces one budget.
pub async fn set_budget(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(input): JsonBody<BudgetInput>,
) -> ApiResult {
    actor.require(Action::RecordLedger)?;
    let budget = input.parse(&state.plan).map_err(refused)?;
    state.store.set_budget(&budget, actor.login()).await?;
    Ok(Json(budget).into_response())
}

/// `GET /api/v1/projects`
pub async fn projects(State(state): State<AppState>, actor: Actor) -> ApiResult {
    actor.require(Action::ViewLedger)?;
    Ok(Json(state.store.projects().await?).into_response())
}

/// A project in a JSON body: approved amounts as `{"source": "amount in 元"}`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProjectBody {
    /// Present to change an existing project.
    id: Option<i64>,
    #[serde(flatten)]
    input: ProjectInput,
    #[serde(rename = "approved_amounts")]
    approved_amounts: BTreeMap<String, String>,
}

/// `POST /api/v1/projects`: creates a project, or changes the one `id` names.
pub async fn save_project(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<ProjectBody>,
) -> ApiResult {
    actor.require(Action::RecordLedger)?;
    let id = body.id.unwrap_or(0);
    if id != 0 && state.store.project(id).await?.is_none() {
        return Err(ApiError(AppError::NotFound));
    }
    let mut input = body.input;
    input.approved.extend(body.approved_amounts);
    let project = input.parse(&state.plan, id).map_err(refused)?;
    let ids = state
        .store
        .save_projects(std::slice::from_ref(&project), actor.login())
        .await?;
    let saved = state
        .store
        .project(ids[0])
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if id == 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved)).into_response())
}

/// `GET /api/v1/transactions`
pub async fn transactions(State(state): State<AppState>, actor: Actor) -> ApiResult {
    actor.require(Action::ViewLedger)?;
    Ok(Json(state.store.transactions().await?).into_response())
}

/// A transaction in a JSON body, or `{"reverses": id, "date": …}` for a reversing entry.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TxBody {
    #[serde(flatten)]
    input: TxInput,
    reverses: Option<i64>,
}

/// `POST /api/v1/transactions`: records one transaction (201), every rule checked first.
pub async fn record_tx(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<TxBody>,
) -> ApiResult {
    actor.require(Action::RecordLedger)?;
    let draft = match body.reverses {
        None => body.input.parse(&state.plan).map_err(refused)?,
        Some(id) => {
            let original = state
                .store
                .transactions()
                .await?
                .into_iter()
                .find(|t| t.id == id)
                .ok_or_else(|| refused(vec![format!("要冲销的交易 {id} 不存在")]))?;
            let on = if body.input.date.trim().is_empty() {
                state.clock.today()
            } else {
                parse_date("冲销日期", &body.input.date).map_err(|e| refused(vec![e]))?
            };
            reversal_of(&original, on, &body.input.note)
        }
    };
    let ids = record(&state, &actor, std::slice::from_ref(&draft)).await?;
    let saved = state
        .store
        .transactions()
        .await?
        .into_iter()
        .find(|t| t.id == ids[0])
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// `GET /api/v1/reconciliation/{period}`
pub async fn reconciliation(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(period): PathParams<String>,
) -> ApiResult {
    actor.require(Action::ViewLedger)?;
    let period = reporting::find_period(&state, &period)?;
    Ok(Json(reconciliation::compute(&state, &period).await?).into_response())
}
