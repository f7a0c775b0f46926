//! Spreadsheet endpoints: the progress form and the task table as .xlsx, and importing a filled
//! form into a report (`?dry_run=true` for the preview only).

use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::pages::district::SummaryQuery;
use crate::sheets::{self, XLSX_TYPE};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::policy::Action;
use serde::Deserialize;

/// An .xlsx download with a safe, UTF-8 file name.
pub fn xlsx_response(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX_TYPE.to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::pages::attachment("download.xlsx", file_name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct FormQuery {
    unit: Option<String>,
    units: Option<String>,
    #[serde(flatten)]
    summary: SummaryQuery,
}

/// `GET /api/v1/forms/{period}.xlsx?unit=CODE&basis=ytd|quarter&approved_only=&units=true`
pub async fn form(
    State(state): State<AppState>,
    actor: Actor,
    Path(file): Path<String>,
    Query(q): Query<FormQuery>,
) -> Result<Response, ApiError> {
    let period = file.strip_suffix(".xlsx").ok_or_else(|| {
        AppError::BadRequest(format!("“{file}”应以 .xlsx 结尾，例如 2018Q2.xlsx"))
    })?;
    let basis = q.summary.basis(state.plan.schedule.basis)?;
    let basis_name = if basis == bangfu_domain::plan::ValueBasis::Ytd {
        "累计"
    } else {
        "本季度"
    };
    let (name, sheets) = match q.unit.as_deref().filter(|u| !u.is_empty()) {
        Some(unit) => {
            actor.require(Action::ViewReport { unit })?;
            let sheet = sheets::unit_sheet(&state, period, unit, basis).await?;
            (
                format!("进展情况表-{}-{period}-{basis_name}.xlsx", sheet.sheet_name),
                vec![sheet],
            )
        }
        None => {
            actor.require(Action::ViewDistrict)?;
            let per_unit = matches!(q.units.as_deref(), Some("true" | "1" | "on"));
            let today = state.clock.today().format("%Y-%m-%d").to_string();
            let sheets = sheets::district_sheets(
                &state,
                period,
                basis,
                q.summary.approved_only(),
                per_unit,
                (&actor.user.display_name, &actor.user.phone),
                &today,
            )
            .await?;
            (
                format!(
                    "进展情况表-{}-{period}-{basis_name}.xlsx",
                    state.plan.info.district
                ),
                sheets,
            )
        }
    };
    let bytes = sheets::form_bytes(&state, sheets).await?;
    Ok(xlsx_response(&name, bytes))
}

/// `GET /api/v1/tasks.xlsx`: the 任务分解表; the latest figures for those who may see the district.
pub async fn tasks(State(state): State<AppState>, actor: Actor) -> Result<Response, ApiError> {
    let bytes = sheets::tasks_bytes(&state, actor.may(Action::ViewDistrict)).await?;
    Ok(xlsx_response(
        &format!("任务分解表-{}.xlsx", state.plan.info.district),
        bytes,
    ))
}

#[derive(Deserialize)]
pub struct ImportQuery {
    dry_run: Option<String>,
    file_name: Option<String>,
}

/// `POST /api/v1/reports/{period}/{unit}/import?dry_run=true|false`, the .xlsx as the body.
pub async fn import(
    State(state): State<AppState>,
    actor: Actor,
    Path((period, unit)): Path<(String, String)>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    actor.require(Action::EditReport { unit: &unit })?;
    let bytes =
        body.map_err(|_| crate::pages::too_big("进展情况表文件", bangfu_xlsx::MAX_IMPORT_BYTES))?;
    let file_name = q
        .file_name
        .or_else(|| {
            headers
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "import.xlsx".into());
    let dry_run = !matches!(q.dry_run.as_deref(), Some("false" | "0"));
    let preview = sheets::preview_import(&state, &period, &unit, &file_name, &bytes).await?;
    if !preview.ok() {
        let body = serde_json::json!({
            "error": "文件有错误，未导入任何数据",
            "dry_run": dry_run,
            "applied": false,
            "preview": preview,
        });
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
    Ok(Json(serde_json::json!({
        "dry_run": dry_run,
        "applied": version.is_some(),
        "version": version,
        "preview": preview,
    }))
    .into_response())
}
