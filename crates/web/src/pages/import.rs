//! Importing a filled spreadsheet from the report page: upload, preview (every change, error and
//! warning with its cell), then confirm.

use super::{see_other, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams};
use crate::sheets::{self, ImportPreview};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::policy::Action;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "import.html")]
struct PreviewPage {
    nav: Nav,
    csrf: String,
    period: String,
    period_label: String,
    unit: String,
    unit_name: String,
    preview: ImportPreview,
    token: String,
}

/// The uploaded spreadsheet (multipart field `file`): its cleaned name and bytes.
pub async fn read_spreadsheet(
    multipart: &mut Multipart,
    what: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let too_big = || crate::http::too_big(what, bangfu_xlsx::MAX_IMPORT_BYTES);
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        if field.name() == Some("file") {
            let name = field
                .file_name()
                .map(bangfu_domain::evidence::clean_file_name)
                .unwrap_or_default();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            file = Some((name, bytes.to_vec()));
        }
    }
    file.filter(|(n, _)| !n.is_empty())
        .ok_or_else(|| AppError::BadRequest("请选择要导入的 Excel 文件".into()))
}

pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((period, unit)): PathParams<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    actor.require(Action::EditReport { unit: &unit })?;
    let (name, bytes) = read_spreadsheet(&mut multipart, "进展情况表文件").await?;
    let preview = sheets::preview_import(&state, &period, &unit, &name, &bytes).await?;
    let token = if preview.ok() {
        sheets::keep_pending_import(&state, actor.login(), &period, &unit, &name, bytes).await?
    } else {
        String::new()
    };
    let status = if preview.ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PreviewPage {
        nav: Nav::for_actor(Some(&actor)),
        csrf: actor.csrf_token().to_string(),
        unit_name: state.plan.party_name(&unit).to_string(),
        period_label: period
            .parse::<bangfu_domain::period::PeriodCode>()
            .map_or_else(|_| period.clone(), |p| p.label()),
        period,
        unit,
        preview,
        token,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The confirm step of an import preview (report sheet or ledger sheet): the pending file's token.
#[derive(Deserialize)]
pub struct ConfirmForm {
    pub token: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((period, unit)): PathParams<(String, String)>,
    FormBody(form): FormBody<ConfirmForm>,
) -> Result<Response, AppError> {
    actor.require(Action::EditReport { unit: &unit })?;
    let pending = sheets::take_pending_import(&state, &form.token, actor.login())
        .await?
        .filter(|p| p.period == period && p.unit == unit)
        .ok_or_else(|| AppError::BadRequest("导入预览已过期，请重新上传文件".into()))?;
    // Checked again: the report may have changed since the preview.
    let preview =
        sheets::preview_import(&state, &period, &unit, &pending.file_name, &pending.content)
            .await?;
    sheets::apply_import(
        &state,
        &period,
        &unit,
        preview,
        pending.content,
        actor.login(),
        &actor.address,
    )
    .await?;
    Ok(see_other(&format!("/reports/{period}/{unit}?msg=imported")))
}
