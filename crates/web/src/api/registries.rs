//! `/api/v1/registries`: the plan's registers (台账) and the units' entries: list, add, edit and
//! void (with a reason), through the same use cases and policy as the pages. A refused entry is a
//! 422 whose `errors` name each field.

use super::{ApiResult, ErrorBody, ErrorItem, FieldProblem};
use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::reporting;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_app::registries::{self, ListFilter, RegistryError};
use bangfu_domain::registry::{self as domain, Registry};
use bangfu_store::RegistryEntry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// An entry of a register.
#[derive(Serialize, ToSchema)]
pub struct EntryJson {
    id: i64,
    /// 台账代码
    registry: String,
    /// 填报单位代码
    unit: String,
    /// 各字段的值（按字段代码）：日期为 YYYY-MM-DD，数量为十进制字符串，单位和受援地为代码
    values: BTreeMap<String, String>,
    version: i64,
    created_by: String,
    /// 北京时间，例如 "2018-03-10 10:00"
    created_at: String,
    updated_by: String,
    updated_at: String,
    /// 是否已作废（作废的条目不计入报表）
    voided: bool,
    void_reason: Option<String>,
    voided_by: Option<String>,
    voided_at: Option<String>,
}

fn entry_json(e: RegistryEntry) -> EntryJson {
    EntryJson {
        id: e.id,
        registry: e.registry,
        unit: e.unit,
        values: e.values,
        version: e.version,
        created_by: e.created_by,
        created_at: beijing_time(e.created_at),
        updated_by: e.updated_by,
        updated_at: beijing_time(e.updated_at),
        voided: e.voided.is_some(),
        void_reason: e.voided.as_ref().map(|v| v.reason.clone()),
        voided_by: e.voided.as_ref().map(|v| v.by.clone()),
        voided_at: e.voided.as_ref().map(|v| beijing_time(v.at)),
    }
}

/// The refusal of an entry: 422 naming each field, or the use case's own status.
fn refusal(error: RegistryError) -> Result<Response, ApiError> {
    match error {
        RegistryError::App(e) => Err(ApiError(e.into())),
        RegistryError::Fields(problems) => Ok(fields_refused(problems)),
    }
}

fn fields_refused(problems: Vec<domain::FieldProblem>) -> Response {
    let body = ErrorBody {
        error: problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("；"),
        errors: Some(
            problems
                .into_iter()
                .map(|p| {
                    ErrorItem::Field(FieldProblem {
                        field: p.field,
                        label: p.label,
                        message: p.message,
                    })
                })
                .collect(),
        ),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `GET /api/v1/registries`: the plan's registers with their fields and the rows they fill.
#[utoipa::path(
    get,
    path = "/registries",
    tag = "registries",
    responses(
        (status = 200, description = "方案中的台账：字段和所填报的指标", body = Vec<Registry>),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
    )
)]
pub async fn list(State(state): State<AppState>, _actor: Actor) -> ApiResult {
    Ok(Json(&state.plan.registries).into_response())
}

/// The `{code}` of a register.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RegistryPath {
    /// 台账代码
    code: String,
}

/// The `{code}` and `{id}` of an entry.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EntryPath {
    /// 台账代码
    code: String,
    /// 条目编号
    id: i64,
}

/// Which entries to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryParams {
    /// 填报单位代码（填报人只能看本单位）
    unit: Option<String>,
    /// 年度（按台账的主要日期字段）
    year: Option<i32>,
    /// 受援地代码
    area: Option<String>,
    /// 类别：台账代码为 kind 的选项字段（没有时为第一个选项字段）的取值
    kind: Option<String>,
    /// 与 period 一起：只列出计入该指标的条目
    indicator: Option<String>,
    /// 报送期代码，例如 2018Q1（与 indicator 一起使用）
    period: Option<String>,
    /// 也列出已作废的条目（默认 false）
    include_voided: Option<bool>,
}

/// `GET /api/v1/registries/{code}/entries`
#[utoipa::path(
    get,
    path = "/registries/{code}/entries",
    tag = "registries",
    params(RegistryPath, EntryParams),
    responses(
        (status = 200, description = "台账条目，新录入的在前", body = Vec<EntryJson>),
        (status = 400, description = "查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看该单位的台账", body = ErrorBody),
        (status = 404, description = "台账、单位、报送期或指标不存在", body = ErrorBody),
        (status = 422, description = "indicator 与 period 须同时给出", body = ErrorBody),
    )
)]
pub async fn entries(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(RegistryPath { code }): PathParams<RegistryPath>,
    QueryParams(q): QueryParams<EntryParams>,
) -> ApiResult {
    // An empty indicator or period is an absent one (as a form sends it); a unit, period or
    // indicator the plan does not have names nothing there is (404), and an indicator without its
    // period is a refused combination.
    let given = |v: Option<String>| v.filter(|t| !t.trim().is_empty());
    if let Some(unit) = &q.unit {
        if state.plan.unit(unit).is_none() {
            return Err(ApiError(AppError::NotFound));
        }
    }
    let counted_for = match (given(q.indicator), given(q.period)) {
        (Some(row), Some(period)) => {
            let period = reporting::find_period(&state, &period).map_err(|_| AppError::NotFound)?;
            let fed = state
                .plan
                .registries
                .iter()
                .filter(|r| r.code == code)
                .any(|r| r.feeds.iter().any(|f| f.indicator == row));
            if !fed {
                return Err(ApiError(AppError::NotFound));
            }
            Some((row, period))
        }
        (None, None) => None,
        _ => {
            return Err(ApiError(AppError::rejected(vec![
                "indicator 和 period 须同时给出".into(),
            ])))
        }
    };
    let filter = ListFilter {
        unit: q.unit.filter(|u| !u.is_empty()),
        year: q.year,
        area: q.area.filter(|a| !a.is_empty()),
        kind: q.kind.filter(|k| !k.is_empty()),
        counted_for,
        include_voided: q.include_voided.unwrap_or(false),
    };
    let found = registries::entries(&state, &actor, &code, &filter).await?;
    Ok(Json(found.into_iter().map(entry_json).collect::<Vec<_>>()).into_response())
}

fn values_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
    let value = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Integer))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::Null));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::RefOr(value.into())))
        .description(Some(
            "各字段的值（按字段代码）：文字；小数请写成字符串（如 \"0.5\"）；省略或空为未填",
        ))
        .into()
}

/// The body of adding an entry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryRequest {
    /// 填报单位（代码、名称或简称）；填报人可省略，即本单位
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    #[schema(schema_with = values_schema)]
    values: BTreeMap<String, Value>,
}

/// The body of editing an entry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryValuesRequest {
    #[serde(default)]
    #[schema(schema_with = values_schema)]
    values: BTreeMap<String, Value>,
}

/// The body of voiding an entry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    /// 作废原因（必填）
    #[serde(default)]
    reason: String,
}

/// JSON values as the text a clerk would type; a fractional JSON number is refused (decimals
/// travel as strings, never through a float).
fn texts(
    values: BTreeMap<String, Value>,
) -> Result<BTreeMap<String, String>, Vec<domain::FieldProblem>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (field, v) in values {
        let text = match &v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
            _ => {
                problems.push(domain::FieldProblem {
                    label: field.clone(),
                    message: format!("字段“{field}”应为文字（小数请写成字符串，如 \"0.5\"）"),
                    field: field.clone(),
                });
                continue;
            }
        };
        out.insert(field, text);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `POST /api/v1/registries/{code}/entries`: 201 with the entry; 422 naming each field.
#[utoipa::path(
    post,
    path = "/registries/{code}/entries",
    tag = "registries",
    params(RegistryPath),
    request_body = NewEntryRequest,
    responses(
        (status = 201, description = "已录入", body = EntryJson),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权录入该单位的台账，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "台账不存在", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "未通过校验，`errors` 逐项指明字段", body = ErrorBody),
    )
)]
pub async fn add(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(RegistryPath { code }): PathParams<RegistryPath>,
    JsonBody(req): JsonBody<NewEntryRequest>,
) -> ApiResult {
    registries::find_registry(&state, &code)?;
    let values = match texts(req.values) {
        Ok(v) => v,
        Err(problems) => return Ok(fields_refused(problems)),
    };
    match registries::add(&state, &actor, &code, req.unit.as_deref(), &values).await {
        Ok(entry) => Ok((StatusCode::CREATED, Json(entry_json(entry))).into_response()),
        Err(e) => refusal(e),
    }
}

/// `PUT /api/v1/registries/{code}/entries/{id}`: replaces the entry's values.
#[utoipa::path(
    put,
    path = "/registries/{code}/entries/{id}",
    tag = "registries",
    params(EntryPath),
    request_body = EntryValuesRequest,
    responses(
        (status = 200, description = "已修改", body = EntryJson),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权修改该单位的台账，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "台账或条目不存在", body = ErrorBody),
        (status = 409, description = "条目已作废，或已被他人修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "未通过校验，`errors` 逐项指明字段", body = ErrorBody),
    )
)]
pub async fn edit(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(EntryPath { code, id }): PathParams<EntryPath>,
    JsonBody(req): JsonBody<EntryValuesRequest>,
) -> ApiResult {
    registries::entry(&state, &actor, &code, id).await?;
    let values = match texts(req.values) {
        Ok(v) => v,
        Err(problems) => return Ok(fields_refused(problems)),
    };
    match registries::edit(&state, &actor, &code, id, &values).await {
        Ok(entry) => Ok(Json(entry_json(entry)).into_response()),
        Err(e) => refusal(e),
    }
}

/// `POST /api/v1/registries/{code}/entries/{id}/void`: voids the entry with a reason; it is kept
/// and stops counting.
#[utoipa::path(
    post,
    path = "/registries/{code}/entries/{id}/void",
    tag = "registries",
    params(EntryPath),
    request_body = VoidRequest,
    responses(
        (status = 200, description = "已作废", body = EntryJson),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权作废该单位的台账，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "台账或条目不存在", body = ErrorBody),
        (status = 409, description = "条目已作废", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "没有写作废原因", body = ErrorBody),
    )
)]
pub async fn void(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(EntryPath { code, id }): PathParams<EntryPath>,
    JsonBody(req): JsonBody<VoidRequest>,
) -> ApiResult {
    match registries::void(&state, &actor, &code, id, &req.reason).await {
        Ok(entry) => Ok(Json(entry_json(entry)).into_response()),
        Err(e) => refusal(e),
    }
}

/// One unit's figures of a fed row.
#[derive(Serialize, ToSchema)]
pub struct UnitFigureJson {
    unit: String,
    /// 台账计算数
    register: bangfu_domain::Quantity,
    /// 计入的台账条目数
    entries: i64,
    /// 填报数（含草稿）；未填报为 null
    reported: Option<bangfu_domain::Quantity>,
    /// 填报数 − 台账数；未填报为 null
    difference: Option<bangfu_domain::Quantity>,
    agrees: bool,
}

/// A fed row: every unit that fills it or has entries counted for it.
#[derive(Serialize, ToSchema)]
pub struct RowReconciliationJson {
    indicator: String,
    label: String,
    registry: String,
    register_total: bangfu_domain::Quantity,
    reported_total: bangfu_domain::Quantity,
    units: Vec<UnitFigureJson>,
}

/// The `{period}` of a reconciliation.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReconciliationPath {
    /// 报送期代码，例如 2018Q1
    period: String,
}

/// `GET /api/v1/reconciliation/{period}/registries`: for every row a register fills, each unit's
/// register figure against its reported one (drafts included).
#[utoipa::path(
    get,
    path = "/reconciliation/{period}/registries",
    tag = "registries",
    params(ReconciliationPath),
    responses(
        (status = 200, description = "台账计算数与各单位填报数的核对", body = Vec<RowReconciliationJson>),
        (status = 400, description = "报送期代码无效或不在本方案的报送安排内", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn reconciliation(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(ReconciliationPath { period }): PathParams<ReconciliationPath>,
) -> ApiResult {
    actor.require(bangfu_domain::policy::Action::ViewDistrict)?;
    let period = reporting::find_period(&state, &period)?;
    let rows = bangfu_app::registry_reconciliation::reconcile(&state, &actor, &period).await?;
    let json: Vec<RowReconciliationJson> = rows
        .into_iter()
        .map(|r| RowReconciliationJson {
            register_total: r.register_total(),
            reported_total: r.reported_total(),
            units: r
                .units
                .iter()
                .map(|u| UnitFigureJson {
                    unit: u.unit.clone(),
                    register: u.register,
                    entries: u.entries,
                    reported: u.reported,
                    difference: u.difference(),
                    agrees: u.agrees(),
                })
                .collect(),
            indicator: r.indicator,
            label: r.label,
            registry: r.registry,
        })
        .collect();
    Ok(Json(json).into_response())
}
