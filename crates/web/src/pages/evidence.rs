//! 佐证材料 of a report: upload, download and removal. What is accepted is decided in
//! `bangfu_domain::evidence`; this module reads the multipart body and answers in HTTP.

use super::report::{render, report_url};
use super::see_other;
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::PathParams;
use crate::reporting;
use crate::{AppState, MAX_EVIDENCE_BYTES};
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::evidence::{clean_file_name, content_matches, evidence_type};
use bangfu_domain::policy::Action;
use bangfu_store::NewEvidence;
use sha2::{Digest, Sha256};

/// Reads the `file` field of an evidence upload: a clean name, an accepted type whose content
/// matches its extension, within the size limit.
pub async fn read_evidence(mut multipart: Multipart) -> Result<NewEvidence, AppError> {
    let too_big = || crate::http::too_big("佐证材料", MAX_EVIDENCE_BYTES);
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().map(clean_file_name).unwrap_or_default();
        if name.is_empty() {
            return Err(AppError::BadRequest("请选择要上传的佐证材料文件".into()));
        }
        let content_type = evidence_type(&name).map_err(AppError::BadRequest)?;
        let bytes = field.bytes().await.map_err(|_| too_big())?;
        if bytes.is_empty() {
            return Err(AppError::BadRequest(format!("文件“{name}”是空的")));
        }
        if bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(too_big());
        }
        let ext = name
            .rsplit_once('.')
            .map_or(String::new(), |(_, e)| e.to_ascii_lowercase());
        if !content_matches(&ext, &bytes) {
            return Err(AppError::BadRequest(format!(
                "文件“{name}”的内容与扩展名 .{ext} 不符，请上传原始文件"
            )));
        }
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        return Ok(NewEvidence {
            file_name: name,
            content_type: content_type.to_string(),
            sha256,
            content: bytes.to_vec(),
        });
    }
    Err(AppError::BadRequest("请选择要上传的佐证材料文件".into()))
}

/// An upload refused for the user's own reason (wrong type, empty, too big, the record closed) as
/// the status and the sentence to show beside the file field of the page it came from; any
/// other failure stays an error.
pub fn upload_refusal(e: AppError) -> Result<(axum::http::StatusCode, String), AppError> {
    match e {
        e @ (AppError::BadRequest(_) | AppError::TooLarge(_) | AppError::Store(_))
            if e.status().is_client_error() =>
        {
            Ok((e.status(), format!("佐证材料未上传：{e}")))
        }
        e => Err(e),
    }
}

/// `POST /reports/{period}/{unit}/evidence`. A refused file shows the report again with the
/// reason beside the evidence list (nothing else on the page is lost: it was saved or untouched).
pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((period, unit)): PathParams<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    actor.require(Action::EditReport { unit: &unit })?;
    let period = reporting::find_period(&state, &period)?.code.to_string();
    let stored = match read_evidence(multipart).await {
        Ok(file) => state
            .store
            .add_evidence(&period, &unit, file, actor.login(), &actor.address)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    let Err(e) = stored else {
        return Ok(see_other(&report_url(&period, &unit, "uploaded")));
    };
    // The user's mistakes (wrong type, too big, report approved) stay on the report page.
    let (status, problem) = upload_refusal(e)?;
    let report = reporting::load(&state, &actor, &period, &unit).await?;
    let problem = Some(super::report::Problem::Evidence(problem));
    let html = render(&state, &actor, &report, None, &[], None, problem).await?;
    Ok((status, Html(html)).into_response())
}

/// `POST /evidence/{id}/delete`: the uploader takes a file back before approval.
pub async fn remove(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let file = state.store.evidence(id).await?.ok_or(AppError::NotFound)?;
    actor.require(Action::EditReport { unit: &file.unit })?;
    state
        .store
        .remove_evidence(id, actor.login(), &actor.address)
        .await?;
    Ok(see_other(&report_url(
        &file.period,
        &file.unit,
        "evidence_removed",
    )))
}

/// Evidence is always downloaded as an attachment, never rendered inline.
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let file = state.store.evidence(id).await?.ok_or(AppError::NotFound)?;
    actor.require(Action::ViewReport { unit: &file.unit })?;
    Ok(crate::http::Download {
        stem: format!("evidence-{id}"),
        file_name: &file.meta.file_name,
        content_type: file.meta.content_type,
        content: file.content,
        no_store: true,
    }
    .into_response())
}
