//! `/ledger/import`: a 援建项目清单 or 资金流水 spreadsheet brought in from the web, as the CLI does:
//! upload, preview with every problem named by cell and every ledger rule checked, then confirm; all
//! rows or none. The upload waits in memory between preview and confirmation.

use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::ledger::{source_codes, Ledger};
use crate::sheets;
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::policy::Action;
use bangfu_store::{LedgerActor, StoreError};
use bangfu_xlsx::{read_ledger_sheet, LedgerKind, LedgerSheet};

/// What `PendingImports` files ledger uploads under, in place of a period.
const PENDING_KIND: &str = "ledger";

#[derive(Template)]
#[template(path = "ledger_import.html")]
struct ImportPage {
    nav: Nav,
    csrf: String,
    file_name: String,
    lines: Vec<String>,
    errors: Vec<String>,
    token: String,
    message: Option<&'static str>,
}

fn page(actor: &Actor) -> ImportPage {
    ImportPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        file_name: String::new(),
        lines: Vec::new(),
        errors: Vec::new(),
        token: String::new(),
        message: None,
    }
}

pub async fn show(
    actor: Actor,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    actor.require(Action::RecordLedger)?;
    let mut p = page(&actor);
    p.message = flash(q.msg.as_deref());
    Ok(Html(p.render()?))
}

/// `GET /ledger/templates/{kind}`: the blank sheet (projects or transactions) with an example row.
pub async fn template(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(kind): PathParams<String>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewLedger)?;
    let kind = LedgerKind::parse(kind.trim_end_matches(".xlsx")).ok_or(AppError::NotFound)?;
    let plan = state.plan.clone();
    let bytes = tokio::task::spawn_blocking(move || bangfu_xlsx::ledger_template(kind, &plan))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::http::xlsx_response(
        &format!("{}模板.xlsx", kind.label()),
        bytes,
    ))
}

fn ledger_actor(state: &AppState, actor: &Actor) -> LedgerActor {
    LedgerActor {
        login: actor.login().to_string(),
        may_override: actor.may(Action::OverrideBudget),
        first_year: state.plan.info.start_year,
        last_year: state.plan.info.end_year,
    }
}

/// Reads the sheet and runs every check without writing: the problems, or the sheet.
async fn check(
    state: &AppState,
    actor: &Actor,
    bytes: &[u8],
) -> Result<Result<LedgerSheet, Vec<String>>, AppError> {
    let ledger = Ledger::load(state).await?;
    let plan = state.plan.clone();
    let owned = bytes.to_vec();
    let projects = ledger.projects.clone();
    let read = tokio::task::spawn_blocking(move || read_ledger_sheet(&owned, &plan, &projects))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let sheet = match read {
        Ok(sheet) => sheet,
        Err(problems) => return Ok(Err(problems.iter().map(ToString::to_string).collect())),
    };
    if let LedgerSheet::Transactions { drafts, .. } = &sheet {
        let who = ledger_actor(state, actor);
        match state
            .store
            .check_transactions(drafts, &who, &source_codes(&state.plan))
            .await
        {
            Ok(()) => {}
            Err(StoreError::Rejected(messages)) => return Ok(Err(sheet.locate(&messages))),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Ok(sheet))
}

/// `POST /ledger/import`: the preview.
pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    actor.require(Action::RecordLedger)?;
    let (name, bytes) = super::import::read_spreadsheet(&mut multipart, "Excel 文件").await?;
    let mut p = page(&actor);
    p.file_name = name.clone();
    let status = match check(&state, &actor, &bytes).await? {
        Err(errors) => {
            p.errors = errors;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(sheet) => {
            let existing = state.store.projects().await?;
            p.lines = sheet.preview_lines(&state.plan, &existing);
            p.token =
                sheets::keep_pending_import(&state, actor.login(), PENDING_KIND, "", &name, bytes)
                    .await?;
            StatusCode::OK
        }
    };
    Ok((status, Html(p.render()?)).into_response())
}

/// `POST /ledger/import/confirm`: writes every row of the previewed sheet, or none.
pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(f): FormBody<super::import::ConfirmForm>,
) -> Result<Response, AppError> {
    actor.require(Action::RecordLedger)?;
    let pending = sheets::take_pending_import(&state, &f.token, actor.login())
        .await?
        .filter(|p| p.period == PENDING_KIND)
        .ok_or_else(|| AppError::BadRequest("预览已过期或已导入，请重新上传 Excel 文件".into()))?;
    let sheet = match check(&state, &actor, &pending.content).await? {
        Ok(sheet) => sheet,
        Err(errors) => {
            let mut p = page(&actor);
            p.file_name = pending.file_name;
            p.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(p.render()?)).into_response());
        }
    };
    let written = match &sheet {
        LedgerSheet::Projects { projects, .. } => state
            .store
            .save_projects(projects, actor.login())
            .await
            .map(|_| "/ledger/projects"),
        LedgerSheet::Transactions { drafts, .. } => state
            .store
            .record_transactions(
                drafts,
                &ledger_actor(&state, &actor),
                &source_codes(&state.plan),
            )
            .await
            .map(|_| "/ledger/transactions"),
    };
    match written {
        Ok(to) => Ok(see_other(&format!("{to}?msg=ledger_imported"))),
        Err(StoreError::Rejected(messages)) => {
            let mut p = page(&actor);
            p.file_name = pending.file_name;
            p.errors = sheet.locate(&messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(p.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
