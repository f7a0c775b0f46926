//! The funds ledger in the JSON API: budgets, projects, transactions and the reconciliation of a
//! period. Amounts travel as decimal strings in 元 (exact to the 分), never as floats.

use super::{ErrorBody, PeriodPath};
use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::{JsonBody, PathParams};
use crate::ledger::{record, reversal_of};
use crate::reconciliation::Reconciliation;
use crate::{reconciliation, reporting, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::ledger::input::{parse_date, BudgetInput, ProjectInput, TxInput};
use bangfu_domain::ledger::{Budget, Project, Transaction};
use bangfu_domain::policy::Action;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

type ApiResult = Result<Response, ApiError>;

fn refused(errors: Vec<String>) -> ApiError {
    ApiError(AppError::rejected(errors))
}

/// `GET /api/v1/budgets`
#[utoipa::path(
    get,
    path = "/budgets",
    tag = "ledger",
    responses(
        (status = 200, description = "全部预算", body = Vec<Budget>),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看资金台账", body = ErrorBody),
    )
)]
pub async fn budgets(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<Budget>>, ApiError> {
    actor.require(Action::ViewLedger)?;
    Ok(Json(state.store.budgets().await?))
}

/// One year's budget for a recipient area from one source (元).
#[derive(Deserialize, Default, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetBody {
    /// 预算年度，例如 "2018"
    year: String,
    /// 受援地代码或名称
    area: String,
    /// 资金来源代码或名称
    source: String,
    /// 预算金额（元），十进制数字字符串，例如 "1500000.55"
    #[schema(examples("1500000.55"))]
    amount: String,
    /// 其中用于扶贫（元），可省略
    poverty_amount: String,
    #[schema(max_length = 2000)]
    note: String,
}

/// `POST /api/v1/budgets`: records or replaces one budget.
#[utoipa::path(
    post,
    path = "/budgets",
    tag = "ledger",
    request_body = BudgetBody,
    responses(
        (status = 200, description = "已记录（同年度、受援地、来源的预算被替换）", body = Budget),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权记录资金台账，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "未通过校验，`errors` 逐项说明", body = ErrorBody),
    )
)]
pub async fn set_budget(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<BudgetBody>,
) -> Result<Json<Budget>, ApiError> {
    actor.require(Action::RecordLedger)?;
    let input = BudgetInput {
        year: body.year,
        area: body.area,
        source: body.source,
        amount: body.amount,
        poverty_amount: body.poverty_amount,
        note: body.note,
    };
    let budget = input.parse(&state.plan).map_err(refused)?;
    state.store.set_budget(&budget, actor.login()).await?;
    Ok(Json(budget))
}

/// `GET /api/v1/projects`
#[utoipa::path(
    get,
    path = "/projects",
    tag = "ledger",
    responses(
        (status = 200, description = "全部援建项目", body = Vec<Project>),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看资金台账", body = ErrorBody),
    )
)]
pub async fn projects(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<Project>>, ApiError> {
    actor.require(Action::ViewLedger)?;
    Ok(Json(state.store.projects().await?))
}

/// An aid project (援建项目). Every field is text, checked as on the page and in the Excel import.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectBody {
    /// 修改已有项目时填其编号；新建时省略
    #[serde(deserialize_with = "super::input::optional_integer")]
    #[schema(nullable, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    id: Option<i64>,
    #[schema(max_length = 200)]
    name: String,
    /// 受援地代码或名称
    area: String,
    /// 教育、医疗卫生、产业、基础设施、就业、其他（或其英文代码）
    sector: String,
    /// 实施单位代码、名称或简称
    unit: String,
    /// 是否用于扶贫：是 / 否（或 true / false）
    poverty_relief: String,
    /// 资金来源（代码或名称）→ 批复金额（元，十进制数字字符串）
    approved_amounts: BTreeMap<String, String>,
    /// 日期 YYYY-MM-DD，可省略
    #[schema(examples("2018-04-01"))]
    planned_start: String,
    planned_finish: String,
    actual_start: String,
    actual_finish: String,
    /// 计划、实施中、已完工、已验收（或其英文代码）；默认为计划
    status: String,
    /// 帮助建档立卡贫困人口脱贫数（人），整数字符串
    beneficiaries: String,
    /// 任务编号，以逗号、顿号或空格分隔
    tasks: String,
    #[schema(max_length = 2000)]
    note: String,
}

/// `POST /api/v1/projects`: creates a project, or changes the one `id` names.
#[utoipa::path(
    post,
    path = "/projects",
    tag = "ledger",
    request_body = ProjectBody,
    responses(
        (status = 200, description = "已修改", body = Project),
        (status = 201, description = "已新建", body = Project),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权记录资金台账，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "要修改的项目不存在", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "未通过校验，`errors` 逐项说明", body = ErrorBody),
    )
)]
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
    let input = ProjectInput {
        name: body.name,
        area: body.area,
        sector: body.sector,
        unit: body.unit,
        poverty_relief: body.poverty_relief,
        approved: body.approved_amounts.into_iter().collect(),
        planned_start: body.planned_start,
        planned_finish: body.planned_finish,
        actual_start: body.actual_start,
        actual_finish: body.actual_finish,
        status: body.status,
        beneficiaries: body.beneficiaries,
        tasks: body.tasks,
        note: body.note,
    };
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
#[utoipa::path(
    get,
    path = "/transactions",
    tag = "ledger",
    responses(
        (status = 200, description = "全部资金流水", body = Vec<Transaction>),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看资金台账", body = ErrorBody),
    )
)]
pub async fn transactions(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<Transaction>>, ApiError> {
    actor.require(Action::ViewLedger)?;
    Ok(Json(state.store.transactions().await?))
}

/// A transaction; or only `reverses` (with `date`, `note`) for a reversing entry. Recorded
/// transactions are never changed or deleted.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TxBody {
    /// 下达、拨付、支出、退回（或其英文代码）
    kind: String,
    /// 日期 YYYY-MM-DD；冲销时省略则为今天
    #[schema(examples("2018-06-30"))]
    date: String,
    /// 金额（元），十进制数字字符串
    #[schema(examples("300000.00"))]
    amount: String,
    /// 资金来源代码或名称
    source: String,
    /// 项目编号
    project: String,
    /// 凭证号
    voucher: String,
    #[schema(max_length = 2000)]
    note: String,
    /// 超预算下达的说明（仅汇总单位）
    override_reason: String,
    /// 要冲销的交易编号
    #[serde(deserialize_with = "super::input::optional_integer")]
    #[schema(nullable, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    reverses: Option<i64>,
}

/// `POST /api/v1/transactions`: records one transaction (201), every rule checked first.
#[utoipa::path(
    post,
    path = "/transactions",
    tag = "ledger",
    request_body = TxBody,
    responses(
        (status = 201, description = "已记录", body = Transaction),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权记录资金台账，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "未通过校验（含超出预算、要冲销的交易不存在），`errors` 逐项说明", body = ErrorBody),
    )
)]
pub async fn record_tx(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<TxBody>,
) -> Result<(StatusCode, Json<Transaction>), ApiError> {
    actor.require(Action::RecordLedger)?;
    let input = TxInput {
        kind: body.kind,
        date: body.date,
        amount: body.amount,
        source: body.source,
        project: body.project,
        voucher: body.voucher,
        note: body.note,
        override_reason: body.override_reason,
    };
    let draft = match body.reverses {
        None => input.parse(&state.plan).map_err(refused)?,
        Some(id) => {
            let original = state
                .store
                .transaction(id)
                .await?
                .ok_or_else(|| refused(vec![format!("要冲销的交易 {id} 不存在")]))?;
            let on = if input.date.trim().is_empty() {
                state.clock.today()
            } else {
                parse_date("冲销日期", &input.date).map_err(|e| refused(vec![e]))?
            };
            reversal_of(&original, on, &input.note)
        }
    };
    let ids = record(&state, &actor, std::slice::from_ref(&draft)).await?;
    let saved = state
        .store
        .transaction(ids[0])
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// `GET /api/v1/reconciliation/{period}`
#[utoipa::path(
    get,
    path = "/reconciliation/{period}",
    tag = "ledger",
    params(PeriodPath),
    responses(
        (status = 200, description = "台账与各单位填报数的核对", body = Reconciliation),
        (status = 400, description = "报送期代码无效或不在本方案的报送安排内", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看资金台账", body = ErrorBody),
    )
)]
pub async fn reconciliation(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(PeriodPath { period }): PathParams<PeriodPath>,
) -> Result<Json<Reconciliation>, ApiError> {
    actor.require(Action::ViewLedger)?;
    let period = reporting::find_period(&state, &period)?;
    Ok(Json(reconciliation::compute(&state, &period).await?))
}
