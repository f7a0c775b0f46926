//! Spreadsheet endpoints: the progress form and the task table as .xlsx, and importing a filled
//! form into a report (`?dry_run=true` for the preview only).

use super::{ErrorBody, ReportPath, SummaryParams};
use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::{PathParams, QueryParams};
use crate::http::xlsx_response;
use crate::sheets::{self, ImportPreview};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::plan::ValueBasis;
use bangfu_domain::policy::Action;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `?unit=CODE&units=true&basis=ytd|quarter&approved_only=true&include_drafts=true`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormParams {
    /// 单位代码：该单位的进展情况表；省略则为全区汇总表
    unit: Option<String>,
    /// 全区汇总表后附各单位的表（默认 false）
    units: Option<bool>,
    /// ytd 累计或 quarter 本季度；默认为方案的口径
    #[param(value_type = Option<ValueBasis>, inline)]
    basis: Option<String>,
    /// 只计已审核的报表（默认 false）
    approved_only: Option<bool>,
    /// 也计入未报送的草稿和被退回的报表（默认 false）
    include_drafts: Option<bool>,
}

impl FormParams {
    fn summary(&self) -> SummaryParams {
        SummaryParams {
            basis: self.basis.clone(),
            approved_only: self.approved_only,
            include_drafts: self.include_drafts,
        }
    }
}

/// The `{file}` of a form: the period's code and `.xlsx`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FormPath {
    /// 报送期代码加 .xlsx，例如 2018Q2.xlsx
    file: String,
}

/// `GET /api/v1/forms/{period}.xlsx?unit=CODE&basis=ytd|quarter&approved_only=&units=true`
#[utoipa::path(
    get,
    path = "/forms/{file}",
    tag = "sheets",
    params(FormPath, FormParams),
    responses(
        (status = 200, description = "进展情况表（Excel）", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = inline(XlsxFile)),
        (status = 400, description = "文件名、报送期代码或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权导出该单位或全区的表", body = ErrorBody),
        (status = 404, description = "单位不存在", body = ErrorBody),
    )
)]
pub async fn form(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(FormPath { file }): PathParams<FormPath>,
    QueryParams(q): QueryParams<FormParams>,
) -> Result<Response, ApiError> {
    let period = file.strip_suffix(".xlsx").ok_or_else(|| {
        AppError::BadRequest(format!("“{file}”应以 .xlsx 结尾，例如 2018Q2.xlsx"))
    })?;
    let summary = q.summary();
    let basis = summary.basis(&state)?;
    let basis_name = if basis == bangfu_domain::plan::ValueBasis::Ytd {
        "累计"
    } else {
        "本季度"
    };
    // The file's name in people's words: 2018年第一季度, not the code.
    let period_label = period
        .parse::<bangfu_domain::period::PeriodCode>()
        .map_or_else(|_| period.to_string(), |p| p.label());
    let (name, sheets) = match q.unit.as_deref() {
        Some(unit) => {
            actor.require(Action::ViewReport { unit })?;
            let sheet = sheets::unit_sheet(&state, period, unit, basis).await?;
            (
                format!(
                    "进展情况表-{}-{period_label}-{basis_name}.xlsx",
                    sheet.sheet_name
                ),
                vec![sheet],
            )
        }
        None => {
            actor.require(Action::ViewDistrict)?;
            let per_unit = q.units.unwrap_or(false);
            let today = state.clock.today().format("%Y-%m-%d").to_string();
            let sheets = sheets::district_sheets(
                &state,
                period,
                basis,
                summary.scope(),
                per_unit,
                (&actor.user.display_name, &actor.user.phone),
                &today,
            )
            .await?;
            (
                format!(
                    "进展情况表-{}-{period_label}-{basis_name}.xlsx",
                    state.plan.info.district
                ),
                sheets,
            )
        }
    };
    let bytes = sheets::form_bytes(&state, sheets).await?;
    Ok(xlsx_response(&name, bytes))
}

/// An .xlsx file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct XlsxFile(#[allow(dead_code)] Vec<u8>);

/// `GET /api/v1/tasks.xlsx`: the 任务分解表; the latest figures for those who may see the district.
#[utoipa::path(
    get,
    path = "/tasks.xlsx",
    tag = "sheets",
    responses(
        (status = 200, description = "任务分解表（Excel）", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = inline(XlsxFile)),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
    )
)]
pub async fn tasks(State(state): State<AppState>, actor: Actor) -> Result<Response, ApiError> {
    let bytes = sheets::tasks_bytes(&state, actor.may(Action::ViewDistrict)).await?;
    Ok(xlsx_response(
        &format!("任务分解表-{}.xlsx", state.plan.info.district),
        bytes,
    ))
}

/// `?dry_run=true|false&file_name=…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// 默认 true：只预览不写入
    dry_run: Option<bool>,
    /// 原文件名，记入修改记录（也可放在 `X-File-Name` 头中）
    #[param(max_length = 200)]
    file_name: Option<String>,
}

/// What an import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    dry_run: bool,
    applied: bool,
    /// 导入后的版本；只预览时为 null
    version: Option<i64>,
    preview: ImportPreview,
}

/// A refused import: the file's problems are in `preview.errors`, nothing was written. A
/// refusal before the file was read has `error` (and `errors`) only.
#[derive(Serialize, ToSchema)]
pub struct ImportRefusal {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<ImportPreview>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<super::ErrorItem>>,
}

/// `POST /api/v1/reports/{period}/{unit}/import?dry_run=true|false`, the .xlsx as the body.
#[utoipa::path(
    post,
    path = "/reports/{period}/{unit}/import",
    tag = "sheets",
    params(ReportPath, ImportParams),
    request_body(
        description = "填好的进展情况表（.xlsx 文件本身，不是 multipart）",
        content(
            (inline(XlsxFile) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (inline(XlsxFile) = "application/octet-stream"),
        )
    ),
    responses(
        (status = 200, description = "预览，或已导入", body = ImportResult),
        (status = 400, description = "报送期代码或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权填报该单位的报表，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "单位不存在", body = ErrorBody),
        (status = 409, description = "报表当前状态不能修改，或版本冲突", body = ErrorBody),
        (status = 413, description = "文件过大", body = ErrorBody),
        (status = 422, description = "文件有错误，未导入任何数据（见 preview.errors）", body = ImportRefusal),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(ReportPath { period, unit }): PathParams<ReportPath>,
    QueryParams(q): QueryParams<ImportParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    actor.require(Action::EditReport { unit: &unit })?;
    let bytes =
        body.map_err(|_| crate::http::too_big("进展情况表文件", bangfu_xlsx::MAX_IMPORT_BYTES))?;
    let file_name = q
        .file_name
        .or_else(|| {
            headers
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "import.xlsx".into());
    let dry_run = q.dry_run.unwrap_or(true);
    let preview = sheets::preview_import(&state, &period, &unit, &file_name, &bytes).await?;
    if !preview.ok() {
        let body = ImportRefusal {
            error: "文件有错误，未导入任何数据".into(),
            dry_run: Some(dry_run),
            applied: Some(false),
            preview: Some(preview),
            errors: None,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    let version = if dry_run {
        None
    } else {
        Some(
            sheets::apply_import(
                &state,
                &period,
                &unit,
                preview.clone(),
                bytes.to_vec(),
                actor.login(),
                &actor.address,
            )
            .await?,
        )
    };
    Ok(Json(ImportResult {
        dry_run,
        applied: version.is_some(),
        version,
        preview,
    })
    .into_response())
}
