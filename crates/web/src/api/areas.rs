//! `/api/v1/areas/{code}/stats`: a recipient area's yearly poverty figures, read by anyone logged
//! in and recorded by the coordinator, checked by the same rules as the page.

use super::{ApiResult, ErrorBody, ErrorItem, FieldProblem};
use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::{JsonBody, PathParams};
use crate::http::beijing_time;
use crate::AppState;
use axum::extract::State;
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
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};

/// A recipient area's figures for one year.
#[derive(Serialize, ToSchema)]
pub struct StatsJson {
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
    /// 北京时间，例如 "2018-03-10 10:00"
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

/// The `{code}` of a recipient area.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AreaPath {
    /// 受援地代码
    code: String,
}

/// `GET /api/v1/areas/{code}/stats`: the area's figures, by year.
#[utoipa::path(
    get,
    path = "/areas/{code}/stats",
    tag = "areas",
    params(AreaPath),
    responses(
        (status = 200, description = "各年度的统计数据", body = Vec<StatsJson>),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 404, description = "受援地不存在", body = ErrorBody),
    )
)]
pub async fn stats(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(AreaPath { code }): PathParams<AreaPath>,
) -> ApiResult {
    actor.require(Action::ViewAreas)?;
    let area = find_area(&state, &code)?;
    let stored = state.store.area_stats(&area.code).await?;
    Ok(Json(stored.iter().map(stats_json).collect::<Vec<_>>()).into_response())
}

/// An integer, or the same as text (full-width digits accepted).
fn integer_or_text(description: &str, nullable: bool) -> RefOr<Schema> {
    let mut one_of = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Integer))
        .item(ObjectBuilder::new().schema_type(Type::String));
    if nullable {
        one_of = one_of.item(ObjectBuilder::new().schema_type(Type::Null));
    }
    one_of.description(Some(description)).into()
}

fn count_schema() -> RefOr<Schema> {
    integer_or_text("不小于 0 的整数，或同样的数字字符串", false)
}

fn year_schema() -> RefOr<Schema> {
    integer_or_text("年份，整数或字符串", false)
}

fn delisted_year_schema() -> RefOr<Schema> {
    integer_or_text(
        "摘帽年份，已摘帽时必填，不晚于 year；未摘帽时为 null 或省略",
        true,
    )
}

fn incidence_schema() -> RefOr<Schema> {
    integer_or_text(
        "贫困发生率（%），0 到 100，最多两位小数：十进制字符串（如 \"5.25\"）或整数",
        false,
    )
}

fn delisted_schema() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some("是否摘帽：布尔值，或“是”/“否”；省略或 null 为否"))
        .into()
}

/// The body of `PUT`: counts as integers or strings, 贫困发生率 as a decimal string (or an integer),
/// 是否摘帽 as a boolean. Each field is checked by the same rules as the page; a missing one is
/// named in the 422.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsRequest {
    #[serde(default)]
    #[schema(schema_with = year_schema)]
    year: Value,
    #[serde(default)]
    #[schema(schema_with = count_schema)]
    poor_households: Value,
    #[serde(default)]
    #[schema(schema_with = count_schema)]
    poor_people: Value,
    #[serde(default)]
    #[schema(schema_with = count_schema)]
    lifted_out: Value,
    #[serde(default)]
    #[schema(schema_with = incidence_schema)]
    incidence: Value,
    #[serde(default)]
    #[schema(schema_with = count_schema)]
    poor_villages: Value,
    #[serde(default)]
    #[schema(schema_with = delisted_schema)]
    delisted: Value,
    #[serde(default)]
    #[schema(schema_with = delisted_year_schema)]
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
    let body = ErrorBody {
        error: errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("；"),
        errors: Some(
            errors
                .iter()
                .map(|e| {
                    ErrorItem::Field(FieldProblem {
                        field: e.field.as_str().to_string(),
                        label: e.field.label().to_string(),
                        message: e.to_string(),
                    })
                })
                .collect(),
        ),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `PUT /api/v1/areas/{code}/stats`: records (or replaces) one year's figures; 422 naming the
/// field on a mistake, nothing written.
#[utoipa::path(
    put,
    path = "/areas/{code}/stats",
    tag = "areas",
    params(AreaPath),
    request_body = StatsRequest,
    responses(
        (status = 200, description = "已记录（同一年度的数据被替换）", body = StatsJson),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权记录，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "受援地不存在", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "未通过校验，`errors` 逐项指明字段", body = ErrorBody),
    )
)]
pub async fn record(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(AreaPath { code }): PathParams<AreaPath>,
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
    let stats = match area_stats::parse(
        &area.code,
        &input,
        bangfu_domain::area_stats::figure_years(&state.plan),
    ) {
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
