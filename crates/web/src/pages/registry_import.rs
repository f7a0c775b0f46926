//! `/registries/{code}/import`: a register's spreadsheet (its template, or an export) brought in
//! from the web: upload, preview with every problem named by cell, then confirm; all rows or none.
//! The upload waits between preview and confirmation, as the other imports do.

use super::import::{read_spreadsheet, ConfirmForm};
use super::{see_other, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::{sheets, AppState};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bangfu_app::registries;
use bangfu_domain::policy::Action;

#[derive(Template)]
#[template(path = "registry_import.html")]
struct ImportPage {
    nav: Nav,
    csrf: String,
    code: String,
    name: String,
    file_name: String,
    lines: Vec<String>,
    errors: Vec<String>,
    token: String,
}

/// What the pending upload is filed under, in place of a period.
fn pending_kind(code: &str) -> String {
    format!("registry:{code}")
}

/// Only those who keep some unit's register import into it.
fn require_keeper(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let keeps_any = state
        .plan
        .units
        .iter()
        .any(|u| actor.may(Action::KeepRegistry { unit: &u.code }));
    if keeps_any {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// `GET /registries/{code}/template.xlsx`: the blank sheet, a column per field.
pub async fn template(
    State(state): State<AppState>,
    _actor: Actor,
    PathParams(code): PathParams<String>,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?.clone();
    let name = format!("{}模板.xlsx", registry.name);
    let bytes = sheets::off_runtime(move || {
        bangfu_xlsx::registry_template(&registry).map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    Ok(crate::http::xlsx_response(&name, bytes))
}

/// `GET /registries/{code}/import`: the upload form.
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
) -> Result<axum::response::Html<String>, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    require_keeper(&state, &actor)?;
    let page = ImportPage {
        nav: Nav::for_actor(Some(&actor)),
        csrf: actor.csrf_token().to_string(),
        code: registry.code.clone(),
        name: registry.name.clone(),
        file_name: String::new(),
        lines: Vec::new(),
        errors: Vec::new(),
        token: String::new(),
    };
    Ok(axum::response::Html(page.render()?))
}

/// `POST /registries/{code}/import`: checks the upload and shows what would be written.
pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    require_keeper(&state, &actor)?;
    let (file_name, bytes) = read_spreadsheet(&mut multipart, "Excel 文件").await?;
    let mut page = ImportPage {
        nav: Nav::for_actor(Some(&actor)),
        csrf: actor.csrf_token().to_string(),
        code: registry.code.clone(),
        name: registry.name.clone(),
        file_name: file_name.clone(),
        lines: Vec::new(),
        errors: Vec::new(),
        token: String::new(),
    };
    let status =
        match registries::check_import(&state, &actor, &registry.code, bytes.clone()).await? {
            Err(errors) => {
                page.errors = errors;
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Ok(checked) => {
                page.lines = checked.lines;
                page.token = sheets::keep_pending_import(
                    &state,
                    actor.login(),
                    &pending_kind(&registry.code),
                    "",
                    &file_name,
                    bytes,
                )
                .await?;
                StatusCode::OK
            }
        };
    Ok((status, axum::response::Html(page.render()?)).into_response())
}

/// `POST /registries/{code}/import/confirm`: writes every entry of the previewed sheet, or none.
pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<ConfirmForm>,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    require_keeper(&state, &actor)?;
    let pending = sheets::take_pending_import(&state, &f.token, actor.login())
        .await?
        .filter(|p| p.period == pending_kind(&registry.code))
        .ok_or_else(|| AppError::BadRequest("预览已过期或已导入，请重新上传 Excel 文件".into()))?;
    match registries::import(&state, &actor, &registry.code, pending.content).await? {
        Ok(_) => Ok(see_other(&format!(
            "/registries/{}?msg=entries_imported",
            registry.code
        ))),
        Err(errors) => {
            let page = ImportPage {
                nav: Nav::for_actor(Some(&actor)),
                csrf: actor.csrf_token().to_string(),
                code: registry.code.clone(),
                name: registry.name.clone(),
                file_name: pending.file_name,
                lines: Vec::new(),
                errors,
                token: String::new(),
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::response::Html(page.render()?),
            )
                .into_response())
        }
    }
}
