//! `/api/v1/areas/{code}/stats`: a recipient area's yearly poverty figures, read by anyone logged
//! in and recorded by the coordinator, checked by the same rules as the page.

use super::ApiResult;
use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::JsonBody;
use crate::pages::areas::year_range;
use crate::pages::report::beijing_time;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use bangfu_domain::area_stats::{self, AreaStatsInput, Field, FieldError};
use bangfu_domain::plan::Area;
use bangfu_domain::policy::Action;
use bangfu_domain::Quantity;
use bangfu_store::StoredAreaStats;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize)]
struct StatsJson {
    area: String,
    year: i32,
    poor_households: i64,
    poor_people: i64,
    lifted_out: i64,
    /// 贫困发生率 (%) as a decimal string.
    incidence: Quantity,
    poor_villages: i64,
    delisted: bool,
    delisted_year: Option<i32>,
    recorded_by: String,
    recorded_at: String,
}

fn stats_json(s: &StoredAreaStats) -> StatsJson {
    let f = &s.stats;
    StatsJson {
        area: f.area.clone(),
        year: f.year,
        poor_households: f.poor_households,
        poor_people: f.poor_people,
        lifted_out: f.lifted_out,
        incidence: f.incidence,
        poor_villages: f.poor_villages,
        delisted: f.delisted,
        delisted_year: f.delisted_year,
        recorded_by: s.recorded_by.clone(),
        recorded_at: beijing_time(s.recorded_at),
    }
}

fn find_area<'a>(state: &'a AppState, code: &str) -> Result<&'a Area, ApiError> {
    state.plan.area(code).ok_or(ApiError(AppError::NotFound))
}

/// `GET /api/v1/areas/{code}/stats`: the area's figures, by year.
pub async fn stats(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> ApiResult {
    actor.require(Action::ViewAreas)?;
    let area = find_area(&state, &code)?;
    let stored = state.store.area_stats(&area.code).await?;
    Ok(Json(stored.iter().map(stats_json).collect::<Vec<_>>()).into_response())
}

/// The body of `PUT`: counts as integers or strings, 贫困发生率 as a decimal string (or an integer),
/// 是否摘帽 as a boolean.
#[derive(Deserialize, Default)]
pub struct StatsRequest {
    #[serde(default)]
    year: Value,
    #[serde(default)]
    poor_households: Value,
    #[serde(default)]
    poor_people: Value,
    #[serde(default)]
    lifted_out: Value,
    #[serde(default)]
    incidence: Value,
    #[serde(default)]
    poor_villages: Value,
    #[serde(default)]
    delisted: Value,
    #[serde(default)]
    delisted_year: Value,
}

/// The JSON value as the text the rules read; a fractional JSON number is refused (decimals
/// travel as strings, never through a float).
fn text(field: Field, v: &Value, errors: &mut Vec<FieldError>) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        Value::Number(_) => {
            errors.push(FieldError {
                field,
                message: "小数请以字符串传递（如 \"5.25\"）".into(),
            });
            String::new()
        }
        _ => {
            errors.push(FieldError {
                field,
                message: "应为数字或字符串".into(),
            });
            String::new()
        }
    }
}

fn refusal(errors: &[FieldError]) -> axum::response::Response {
    let body = serde_json::json!({
        "error": errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"),
        "errors": errors.iter().map(|e| serde_json::json!({
            "field": e.field.as_str(),
            "label": e.field.label(),
            "message": e.to_string(),
        })).collect::<Vec<_>>(),
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `PUT /api/v1/areas/{code}/stats`: records (or replaces) one year's figures; 422 naming the
/// field on a mistake, nothing written.
pub async fn record(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    JsonBody(req): JsonBody<StatsRequest>,
) -> ApiResult {
    let area = find_area(&state, &code)?;
    actor.require(Action::RecordAreaStats)?;
    let mut errors = Vec::new();
    let input = AreaStatsInput {
        year: text(Field::Year, &req.year, &mut errors),
        poor_households: text(Field::PoorHouseholds, &req.poor_households, &mut errors),
        poor_people: text(Field::PoorPeople, &req.poor_people, &mut errors),
        lifted_out: text(Field::LiftedOut, &req.lifted_out, &mut errors),
        incidence: text(Field::Incidence, &req.incidence, &mut errors),
        poor_villages: text(Field::PoorVillages, &req.poor_villages, &mut errors),
        delisted: text(Field::Delisted, &req.delisted, &mut errors),
        delisted_year: text(Field::DelistedYear, &req.delisted_year, &mut errors),
    };
    if !errors.is_empty() {
        return Ok(refusal(&errors));
    }
    let stats = match area_stats::parse(&area.code, &input, year_range(&state.plan)) {
        Ok(s) => s,
        Err(errors) => return Ok(refusal(&errors)),
    };
    state.store.record_area_stats(&stats, actor.login()).await?;
    let stored = state.store.area_stats(&area.code).await?;
    let saved = stored
        .iter()
        .find(|s| s.stats.year == stats.year)
        .ok_or_else(|| AppError::Internal("刚保存的数据读取不到".into()))?;
    Ok(Json(stats_json(saved)).into_response())
}
