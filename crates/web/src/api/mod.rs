//! The JSON API (`/api/v1`): the same operations as the pages, through the same `reporting`
//! functions and the same policy. Values travel as decimal strings, never floats.
//!
//! The OpenAPI document at `/api/v1/openapi.json` is generated from these handlers and the types
//! they read and write (utoipa): [`routes`] builds the router and the document from one list, so
//! neither can name a route the other lacks.
//!
//! Each handler's `#[utoipa::path]` lists its own responses in full, so handlers with the same
//! failure modes (401, 403 for a missing CSRF token, 400 for a bad query) look alike in
//! `duplicates`: that is the document of each route, read by schemathesis and by callers, not
//! logic written twice.

pub mod areas;
mod district;
pub mod doc;
pub mod input;
pub mod ledger;
mod notify;
pub mod registries;
mod reports;
pub mod sheets;
mod written;

pub use district::*;
pub use notify::*;
pub use reports::*;
pub use written::*;

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
