//! The JSON API (`/api/v1`): the same operations as the pages, through the same `reporting`
//! functions and the same policy. Values travel as decimal strings, never floats.
//!
//! The OpenAPI document at `/api/v1/openapi.json` is generated from these handlers and the types
//! they read and write (utoipa): [`routes`] builds the router and the document from one list, so
//! neither can name a route the other lacks.

pub mod areas;
pub mod doc;
pub mod input;
pub mod ledger;
pub mod sheets;

use crate::auth::client::ClientInfo;
use crate::auth::login::{check_credentials, start_session};
use crate::auth::session::session_cookie;
use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::reporting;
use crate::AppState;
use axum::extract::{Extension, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::plan::view::PlanView;
use bangfu_domain::plan::ValueBasis;
use bangfu_domain::report::{Finding, Narrative, RawEntry, ReportStatus, WorkflowAction};
use bangfu_domain::summary::{Completeness, PeriodCounts};
use bangfu_domain::Quantity;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

pub use doc::{api_route_table, routes};

type ApiResult = Result<Response, ApiError>;

/// The body of every refusal: `{"error": "…"}`, with the details where there are several.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// 说明（中文）。
    pub error: String,
    /// 逐项的问题：报表校验的发现、规则的说明文字，或受援地统计数据的字段错误。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ErrorItem>>,
}

/// One of the problems behind a refusal.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ErrorItem {
    /// 报表校验发现的问题（指标、规则、说明）。
    Finding(Finding),
    /// 一条说明。
    Message(String),
    /// 受援地统计数据中某一字段的错误。
    Field(FieldProblem),
}

/// A field of a JSON body that was refused, named by its key and its Chinese label.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub label: String,
    pub message: String,
}

impl ErrorBody {
    pub fn of(error: &AppError) -> ErrorBody {
        let errors = match error {
            AppError::Validation(findings) => {
                Some(findings.iter().cloned().map(ErrorItem::Finding).collect())
            }
            AppError::Store(bangfu_store::StoreError::Rejected(messages)) => {
                Some(messages.iter().cloned().map(ErrorItem::Message).collect())
            }
            _ => None,
        };
        ErrorBody {
            error: error.public_message(),
            errors,
        }
    }
}

/// `GET /api/v1/plan`: the plan as loaded, in the same shape as `bangfu plan show --json`.
#[utoipa::path(
    get,
    path = "/plan",
    tag = "plan",
    security((), ("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "方案（与 `bangfu plan show --json` 相同）", body = PlanView),
        (status = 401, description = "令牌无效或已吊销", body = ErrorBody),
    )
)]
pub async fn plan(State(state): State<AppState>) -> Response {
    Json(PlanView::new(&state.plan)).into_response()
}

/// The document itself, generated at start from the handlers and the plan.
#[derive(Clone)]
pub struct ApiDocument(pub Arc<utoipa::openapi::OpenApi>);

/// `GET /api/v1/openapi.json`
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "plan",
    security((), ("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "本文档（OpenAPI 3.1）", body = Object),
        (status = 401, description = "令牌无效或已吊销", body = ErrorBody),
    )
)]
pub async fn openapi(Extension(doc): Extension<ApiDocument>) -> Response {
    Json(doc.0.as_ref()).into_response()
}

/// What the fallback says: no such operation (a handler's 404 says the data is missing).
pub const NO_SUCH_OPERATION: &str = "没有这个接口，接口清单见 /api/v1/openapi.json";

/// Anything under `/api/v1` that is not an operation of the document.
pub async fn not_found() -> Response {
    let body = ErrorBody {
        error: NO_SUCH_OPERATION.into(),
        errors: None,
    };
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// 登录名和密码。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    login: String,
    password: String,
}

/// The user making the request.
#[derive(Serialize, ToSchema)]
pub struct Me<'a> {
    login: &'a str,
    /// 姓名
    name: &'a str,
    #[schema(schema_with = doc::role_schema)]
    role: &'a str,
    /// 角色的中文名称
    role_label: &'a str,
    /// 填报人所属单位代码
    unit: Option<&'a str>,
    /// 会话登录时返回：修改类请求须放在 `X-CSRF-Token` 头中（令牌认证不需要）。
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<&'a str>,
}

/// `POST /api/v1/login`: a session cookie and its CSRF token.
#[utoipa::path(
    post,
    path = "/login",
    tag = "session",
    security((), ("bearer" = []), ("session" = [])),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "已登录：`Set-Cookie` 中为会话，`csrf_token` 供修改类请求使用", body = Me),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "登录名或密码错误，或账号已停用", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 429, description = "登录失败次数过多，稍后再试", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult {
    match check_credentials(&state, &req.login, &req.password, &client.address).await? {
        Ok(user) => {
            let (cookie, csrf) = start_session(&state, &user, &client).await?;
            let me = Me {
                login: &user.login,
                name: &user.display_name,
                role: user.role.as_str(),
                role_label: user.role.label(),
                unit: user.unit_code.as_deref(),
                csrf_token: Some(&csrf),
            };
            Ok(([(header::SET_COOKIE, cookie)], Json(&me)).into_response())
        }
        Err(refusal) => Ok((
            refusal.status,
            Json(ErrorBody {
                error: refusal.message,
                errors: None,
            }),
        )
            .into_response()),
    }
}

/// `{"ok": true}`
#[derive(Serialize, ToSchema)]
pub struct Done {
    ok: bool,
}

/// `POST /api/v1/logout`: ends the session (a token stays valid).
#[utoipa::path(
    post,
    path = "/logout",
    tag = "session",
    responses(
        (status = 200, description = "会话已结束（令牌仍然有效）", body = Done),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "会话请求缺少 CSRF 令牌", body = ErrorBody),
    )
)]
pub async fn logout(State(state): State<AppState>, actor: Actor) -> ApiResult {
    if let Some((id_hash, _)) = &actor.session {
        state
            .store
            .delete_session(id_hash, actor.login(), &actor.address)
            .await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie("", state.secure_cookies || actor.https),
        )],
        Json(Done { ok: true }),
    )
        .into_response())
}

/// `GET /api/v1/me`
#[utoipa::path(
    get,
    path = "/me",
    tag = "session",
    responses(
        (status = 200, description = "当前用户", body = Me),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
    )
)]
pub async fn me(actor: Actor) -> ApiResult {
    Ok(Json(Me {
        login: &actor.user.login,
        name: &actor.user.display_name,
        role: actor.user.role.as_str(),
        role_label: actor.user.role.label(),
        unit: actor.user.unit_code.as_deref(),
        csrf_token: actor.session.as_ref().map(|(_, c)| c.as_str()),
    })
    .into_response())
}

/// One row's value in a report: a decimal string, or null when not filled.
#[derive(Serialize, ToSchema)]
pub struct ValueJson {
    indicator: String,
    value: Option<Quantity>,
    /// 说明
    comment: String,
}

fn values_json(entries: BTreeMap<String, bangfu_domain::report::Entry>) -> Vec<ValueJson> {
    entries
        .into_iter()
        .map(|(indicator, e)| ValueJson {
            indicator,
            value: e.value,
            comment: e.comment,
        })
        .collect()
}

/// One step of a report's history.
#[derive(Serialize, ToSchema)]
pub struct EventJson {
    /// 北京时间，例如 "2018-03-10 10:00"
    at: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    reason: String,
}

/// An evidence file (佐证材料) attached to a report.
#[derive(Serialize, ToSchema)]
pub struct EvidenceJson {
    id: i64,
    file_name: String,
    size_bytes: i64,
    sha256: String,
    /// 下载地址（网页会话）
    download: String,
}

/// Who filled the report (填报人), once saved.
#[derive(Serialize, ToSchema)]
pub struct ReporterJson {
    name: Option<String>,
    phone: Option<String>,
}

/// A unit's report for a period.
#[derive(Serialize, ToSchema)]
pub struct ReportJson {
    period: String,
    unit: String,
    status: ReportStatus,
    status_label: &'static str,
    /// 保存时放在 `version` 中，防止覆盖他人的修改
    version: i64,
    deadline: NaiveDate,
    /// 例如 "距截止 10 天"
    deadline_status: String,
    submitted_at: Option<DateTime<Utc>>,
    late: bool,
    reporter: ReporterJson,
    /// 本单位须填报的指标
    indicators: Vec<String>,
    values: Vec<ValueJson>,
    narrative: Narrative,
    return_reason: Option<String>,
    history: Vec<EventJson>,
    evidence: Vec<EvidenceJson>,
}

/// The `{period}` and `{unit}` of a report's address.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReportPath {
    /// 报送期代码，例如 2018Q1
    period: String,
    /// 单位代码
    unit: String,
}

/// `GET /api/v1/reports/{period}/{unit}`
#[utoipa::path(
    get,
    path = "/reports/{period}/{unit}",
    tag = "reports",
    params(ReportPath),
    responses(
        (status = 200, description = "报表", body = ReportJson),
        (status = 400, description = "报送期代码无效或不在本方案的报送安排内", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看该单位的报表", body = ErrorBody),
        (status = 404, description = "单位不存在", body = ErrorBody),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(ReportPath { period, unit }): PathParams<ReportPath>,
) -> Result<Json<ReportJson>, ApiError> {
    let r = reporting::load(&state, &actor, &period, &unit).await?;
    let stored = r.stored.as_ref();
    Ok(Json(ReportJson {
        period: r.period.code.to_string(),
        unit: r.unit.code.clone(),
        status: r.status(),
        status_label: r.status().label(),
        version: r.version(),
        deadline: r.period.deadline,
        deadline_status: r.period.deadline_status(state.clock.today()).to_string(),
        submitted_at: stored.and_then(|s| s.submitted_at),
        late: r.late(),
        reporter: ReporterJson {
            name: stored.map(|s| s.reporter_name.clone()),
            phone: stored.map(|s| s.reporter_phone.clone()),
        },
        indicators: state
            .plan
            .indicators_for_unit(&r.unit.code)
            .iter()
            .map(|i| i.code.clone())
            .collect(),
        values: values_json(r.entries()),
        narrative: stored.map(|s| s.narrative.clone()).unwrap_or_default(),
        return_reason: r.return_reason(),
        history: stored
            .map(|s| {
                s.events
                    .iter()
                    .map(|e| EventJson {
                        at: beijing_time(e.occurred_at),
                        actor: e.actor.clone(),
                        action: e.action.clone(),
                        from: e.from_status.clone(),
                        to: e.to_status.clone(),
                        reason: e.reason.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        evidence: stored
            .map(|s| {
                s.evidence
                    .iter()
                    .map(|e| EvidenceJson {
                        id: e.id,
                        file_name: e.file_name.clone(),
                        size_bytes: e.size_bytes,
                        sha256: e.sha256.clone(),
                        download: format!("/evidence/{}", e.id),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }))
}

/// One row's value as sent: a decimal string (`"12.5"`), or null / `""` to clear it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueInput {
    /// 指标代码
    indicator: String,
    /// 数值：十进制数字字符串，例如 "12.5"；null 或空字符串表示清空
    #[serde(default)]
    #[schema(nullable, examples("12.5"))]
    value: Option<String>,
    /// 说明
    #[serde(default)]
    #[schema(nullable, max_length = 500)]
    comment: Option<String>,
}

/// The three narrative parts of a report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NarrativeInput {
    /// 进展情况
    #[serde(default)]
    #[schema(max_length = 5000)]
    progress: String,
    /// 存在问题
    #[serde(default)]
    #[schema(max_length = 5000)]
    problems: String,
    /// 下步打算
    #[serde(default)]
    #[schema(max_length = 5000)]
    next_steps: String,
}

/// Values (and optionally the narrative) to save into a report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutValues {
    values: Vec<ValueInput>,
    #[serde(default)]
    #[schema(nullable)]
    narrative: Option<NarrativeInput>,
    /// 读取时的 `version`；与当前版本不同则返回 409，不覆盖
    #[serde(default, deserialize_with = "input::optional_integer")]
    #[schema(nullable, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    version: Option<i64>,
}

/// The new version and any warnings (警告不阻止保存).
#[derive(Serialize, ToSchema)]
pub struct Saved {
    version: i64,
    warnings: Vec<Finding>,
}

/// What is stored now, sent with a version conflict.
#[derive(Serialize, ToSchema)]
pub struct CurrentValues {
    version: i64,
    values: Vec<ValueJson>,
}

/// A 409: the error, and on a version conflict what is stored now.
#[derive(Serialize, ToSchema)]
pub struct ConflictBody {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<CurrentValues>,
}

/// `PUT /api/v1/reports/{period}/{unit}/values`
#[utoipa::path(
    put,
    path = "/reports/{period}/{unit}/values",
    tag = "reports",
    params(ReportPath),
    request_body = PutValues,
    responses(
        (status = 200, description = "已保存", body = Saved),
        (status = 400, description = "请求体不是所要求的 JSON，或报送期代码无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权填报该单位的报表，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "单位不存在", body = ErrorBody),
        (status = 409, description = "版本冲突（附当前数据），或报表当前状态不能修改", body = ConflictBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "数据校验未通过，`errors` 逐项说明", body = ErrorBody),
    )
)]
pub async fn put_values(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(ReportPath { period, unit }): PathParams<ReportPath>,
    JsonBody(req): JsonBody<PutValues>,
) -> ApiResult {
    let raw: Vec<RawEntry> = req
        .values
        .into_iter()
        .map(|v| RawEntry {
            indicator: v.indicator,
            value: v.value,
            comment: v.comment,
        })
        .collect();
    let narrative = req.narrative.map(|n| Narrative {
        progress: n.progress,
        problems: n.problems,
        next_steps: n.next_steps,
    });
    let saved = match reporting::save(&state, &actor, &period, &unit, &raw, narrative, req.version)
        .await
        .map_err(AppError::from)
    {
        Err(AppError::Store(e @ bangfu_store::StoreError::VersionConflict { .. })) => {
            // The caller sees what is stored now, so nothing is overwritten blindly.
            let r = reporting::load(&state, &actor, &period, &unit).await?;
            let body = ConflictBody {
                error: e.to_string(),
                current: Some(CurrentValues {
                    version: r.version(),
                    values: values_json(r.entries()),
                }),
            };
            return Ok((StatusCode::CONFLICT, Json(body)).into_response());
        }
        other => other?,
    };
    Ok(Json(Saved {
        version: saved.version,
        warnings: saved.warnings,
    })
    .into_response())
}

/// The optional body of a workflow step: the reason (required to return or reopen) and the
/// version read.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRequest {
    /// 原因（退回、重新打开时必填）
    #[serde(default)]
    #[schema(max_length = 5000)]
    reason: String,
    /// 读取时的 `version`
    #[serde(default, deserialize_with = "input::optional_integer")]
    #[schema(nullable, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    version: Option<i64>,
}

/// A report's state after a workflow step.
#[derive(Serialize, ToSchema)]
pub struct WorkflowResult {
    period: String,
    unit: String,
    status: ReportStatus,
    version: i64,
    late: bool,
}

/// The address of a workflow step.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WorkflowPath {
    /// 报送期代码，例如 2018Q1
    period: String,
    /// 单位代码
    unit: String,
    /// submit 报送、return 退回、approve 审核通过、reopen 重新打开
    #[param(value_type = WorkflowAction, inline)]
    action: String,
}

/// `POST /api/v1/reports/{period}/{unit}/{action}`: submit, return, approve or reopen.
#[utoipa::path(
    post,
    path = "/reports/{period}/{unit}/{action}",
    tag = "reports",
    params(WorkflowPath),
    request_body(content = Option<WorkflowRequest>, description = "可省略（审核通过、报送不需要原因）"),
    responses(
        (status = 200, description = "已办理", body = WorkflowResult),
        (status = 400, description = "请求体不是所要求的 JSON，或报送期代码无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权办理，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "单位或操作不存在", body = ErrorBody),
        (status = 409, description = "报表当前状态不能办理此操作，或版本冲突", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "缺少原因、原因不合要求，或报送时数据校验未通过", body = ErrorBody),
    )
)]
pub async fn workflow(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(WorkflowPath {
        period,
        unit,
        action,
    }): PathParams<WorkflowPath>,
    body: axum::body::Bytes,
) -> Result<Json<WorkflowResult>, ApiError> {
    let action = WorkflowAction::parse(&action).ok_or(AppError::NotFound)?;
    // The body is optional: approving needs no reason.
    let req: WorkflowRequest = if body.iter().all(u8::is_ascii_whitespace) {
        WorkflowRequest::default()
    } else {
        serde_json::from_slice::<Option<WorkflowRequest>>(&body)
            .map_err(|e| {
                AppError::BadRequest(format!(
                    "JSON 内容与接口要求不符：{}",
                    crate::extract::zh(&e.to_string())
                ))
            })?
            .unwrap_or_default()
    };
    reporting::transition(
        &state,
        &actor,
        &period,
        &unit,
        action,
        &req.reason,
        req.version,
    )
    .await?;
    let r = reporting::load(&state, &actor, &period, &unit).await?;
    Ok(Json(WorkflowResult {
        period: r.period.code.to_string(),
        unit: r.unit.code.clone(),
        status: r.status(),
        version: r.version(),
        late: r.late(),
    }))
}

/// `?basis=ytd|quarter&approved_only=true|false`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// ytd 累计或 quarter 本季度；默认为方案的口径
    #[param(value_type = Option<ValueBasis>, inline)]
    pub basis: Option<String>,
    /// 只计已审核的报表（默认 false）
    pub approved_only: Option<bool>,
}

impl SummaryParams {
    pub fn basis(&self, state: &AppState) -> Result<ValueBasis, AppError> {
        match self.basis.as_deref() {
            None => Ok(state.plan.schedule.basis),
            Some(b) => ValueBasis::parse(b).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "口径“{b}”无效，应为 ytd（累计）或 quarter（本季度）"
                ))
            }),
        }
    }

    pub fn approved_only(&self) -> bool {
        self.approved_only.unwrap_or(false)
    }
}

/// One row of the district summary.
#[derive(Serialize, ToSchema)]
pub struct SummaryRowJson {
    indicator: String,
    label: Option<String>,
    /// 计量单位
    unit: Option<String>,
    /// 全区合计；没有单位填报时为 null
    total: Option<Quantity>,
    /// 各单位的数值，按单位代码
    by_unit: BTreeMap<String, Quantity>,
}

/// The district summary (全区汇总) of a period.
#[derive(Serialize, ToSchema)]
pub struct SummaryJson {
    period: String,
    #[schema(inline)]
    basis: ValueBasis,
    approved_only: bool,
    rows: Vec<SummaryRowJson>,
}

/// The `{period}` of an address.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PeriodPath {
    /// 报送期代码，例如 2018Q1
    period: String,
}

/// `GET /api/v1/summary/{period}`
#[utoipa::path(
    get,
    path = "/summary/{period}",
    tag = "district",
    params(PeriodPath, SummaryParams),
    responses(
        (status = 200, description = "全区汇总", body = SummaryJson),
        (status = 400, description = "报送期代码无效或不在本方案的报送安排内，或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn summary(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(PeriodPath { period }): PathParams<PeriodPath>,
    QueryParams(q): QueryParams<SummaryParams>,
) -> Result<Json<SummaryJson>, ApiError> {
    let basis = q.basis(&state)?;
    let approved_only = q.approved_only();
    let (period, rows) = reporting::summary(&state, &actor, &period, basis, approved_only).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let ind = state.plan.indicator(&r.indicator);
            SummaryRowJson {
                label: ind.map(|i| i.label()),
                unit: ind.and_then(|i| i.unit.clone()),
                indicator: r.indicator,
                total: r.total,
                by_unit: r.by_unit,
            }
        })
        .collect();
    Ok(Json(SummaryJson {
        period: period.code.to_string(),
        basis,
        approved_only,
        rows,
    }))
}

/// `?year=2018` or `?year=all`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// 年份（四位数字，默认为当年）或 all（全部年份）
    #[param(pattern = r"^([0-9]{4}|all)$")]
    year: Option<String>,
}

/// One cell of the completeness matrix.
#[derive(Serialize, ToSchema)]
pub struct CompletenessCell {
    unit: String,
    period: String,
    status: Completeness,
    status_label: &'static str,
    late: bool,
}

/// The completeness matrix (报送情况) of a year, or of every year.
#[derive(Serialize, ToSchema)]
pub struct CompletenessJson {
    /// null: 全部年份
    year: Option<i32>,
    rows: Vec<CompletenessCell>,
    /// 各报送期的统计，按报送期代码
    periods: BTreeMap<String, PeriodCounts>,
}

/// `GET /api/v1/completeness`
#[utoipa::path(
    get,
    path = "/completeness",
    tag = "district",
    params(YearParams),
    responses(
        (status = 200, description = "报送情况", body = CompletenessJson),
        (status = 400, description = "年份无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn completeness(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearParams>,
) -> Result<Json<CompletenessJson>, ApiError> {
    // Exactly the document's pattern: four digits, or `all`.
    let year = match q.year.as_deref() {
        None => Some(crate::oversight::default_year(&state)),
        Some("all") => None,
        Some(y) => Some(
            y.parse::<i32>()
                .ok()
                .filter(|_| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    AppError::BadRequest(format!("年份“{y}”无效，应为四位数字（例如 2018）或 all"))
                })?,
        ),
    };
    let matrix = reporting::completeness(&state, &actor, year).await?;
    let rows = matrix
        .rows
        .iter()
        .flat_map(|r| {
            r.cells.iter().map(|(period, cell, late)| CompletenessCell {
                unit: r.unit.code.clone(),
                period: period.clone(),
                status: *cell,
                status_label: cell.label(),
                late: *late,
            })
        })
        .collect();
    let periods = matrix
        .periods
        .iter()
        .zip(&matrix.counts)
        .map(|(p, c)| (p.code.to_string(), c.clone()))
        .collect();
    Ok(Json(CompletenessJson {
        year,
        rows,
        periods,
    }))
}

/// The audit chain's end.
#[derive(Serialize, ToSchema)]
pub struct AuditHead {
    /// 最后一条记录的序号
    seq: i64,
    /// 最后一条记录的哈希（HMAC-SHA256，十六进制）
    hash: String,
    /// 回执：序号:哈希
    #[schema(examples("42:3f5a…"))]
    receipt: String,
}

/// `GET /api/v1/audit/head`: the audit chain's end, as a receipt an auditor keeps outside the
/// system (`bangfu audit verify --expect-head RECEIPT` later proves nothing up to it changed).
#[utoipa::path(
    get,
    path = "/audit/head",
    tag = "audit",
    description = "当前链尾的序号和哈希。请把回执（序号:哈希）保存在系统之外；日后 `bangfu audit verify --expect-head 回执` 可证明到这一条为止的记录没有被改动或删除。",
    responses(
        (status = 200, description = "审计日志链尾回执", body = AuditHead),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看审计日志（审计、系统管理员、汇总单位可以）", body = ErrorBody),
    )
)]
pub async fn audit_head(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<AuditHead>, ApiError> {
    actor.require(bangfu_domain::policy::Action::ViewAuditTrail)?;
    let head = state.store.audit_head().await?;
    Ok(Json(AuditHead {
        receipt: head.to_string(),
        seq: head.seq,
        hash: head.hash,
    }))
}
