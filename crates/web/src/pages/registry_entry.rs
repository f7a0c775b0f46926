//! An entry of a register (台账): its page, where it is edited, voided with a reason, and given
//! evidence files (佐证材料). Refusals show the page again with the error beside its field and
//! everything typed kept.

use super::registries::{by_field, field_inputs, form_field, form_values, shown, FieldInput};
use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_app::registries::{self, RegistryError};
use bangfu_domain::policy::Action;
use bangfu_domain::registry::Registry;
use bangfu_store::RegistryEntry;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "registry_entry.html")]
struct EntryPage {
    nav: Nav,
    csrf: String,
    code: String,
    name: String,
    id: i64,
    unit: String,
    /// (field name, value as shown)
    facts: Vec<(String, String)>,
    voided: Option<(String, String, String)>,
    created: String,
    updated: String,
    can_keep: bool,
    inputs: Vec<FieldInput>,
    errors: BTreeMap<String, String>,
    message: Option<&'static str>,
    evidence: Vec<EvidenceLine>,
    evidence_problem: Option<String>,
}

/// An evidence file in the entry's list.
struct EvidenceLine {
    file_name: String,
    link: String,
    size: String,
    uploaded: String,
}

/// What an entry's page shows besides the entry: what was typed and refused, a message.
#[derive(Default)]
struct Shown {
    typed: Option<BTreeMap<String, String>>,
    errors: BTreeMap<String, String>,
    message: Option<&'static str>,
    /// Why an evidence file was not uploaded.
    evidence_problem: Option<String>,
}

async fn render_entry(
    state: &AppState,
    actor: &Actor,
    registry: &Registry,
    entry: RegistryEntry,
    view: Shown,
) -> Result<String, AppError> {
    let plan = &state.plan;
    let people = super::people::People::load(state).await?;
    let evidence = state
        .store
        .entry_evidence(entry.id)
        .await?
        .into_iter()
        .map(|e| EvidenceLine {
            link: format!("/registry-evidence/{}", e.id),
            size: crate::http::file_size(e.size_bytes),
            uploaded: format!(
                "{} {}",
                people.name(&e.uploaded_by),
                beijing_time(e.uploaded_at)
            ),
            file_name: e.file_name,
        })
        .collect();
    let Shown {
        typed,
        errors,
        message,
        evidence_problem,
    } = view;
    let page = EntryPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        code: registry.code.clone(),
        name: registry.name.clone(),
        id: entry.id,
        unit: plan.party_name(&entry.unit).to_string(),
        facts: registry
            .fields
            .iter()
            .map(|f| {
                let v = entry.values.get(&f.code).map(String::as_str).unwrap_or("");
                (f.name.clone(), shown(plan, Some(f), v))
            })
            .collect(),
        voided: entry
            .voided
            .as_ref()
            .map(|v| (people.name(&v.by), beijing_time(v.at), v.reason.clone())),
        created: format!(
            "{} {}",
            people.name(&entry.created_by),
            beijing_time(entry.created_at)
        ),
        updated: format!(
            "{} {}",
            people.name(&entry.updated_by),
            beijing_time(entry.updated_at)
        ),
        can_keep: entry.voided.is_none() && actor.may(Action::KeepRegistry { unit: &entry.unit }),
        inputs: field_inputs(plan, registry, typed.as_ref().unwrap_or(&entry.values)),
        errors,
        message,
        evidence,
        evidence_problem,
    };
    Ok(page.render()?)
}

/// The entry's page again, with what was refused and why.
async fn again(
    state: &AppState,
    actor: &Actor,
    registry: &Registry,
    id: i64,
    status: StatusCode,
    view: Shown,
) -> Result<Response, AppError> {
    let found = registries::entry(state, actor, &registry.code, id).await?;
    let html = render_entry(state, actor, registry, found, view).await?;
    Ok((status, Html(html)).into_response())
}

/// `GET /registries/{code}/entries/{id}`
pub async fn entry(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((code, id)): PathParams<(String, i64)>,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    let found = registries::entry(&state, &actor, &registry.code, id).await?;
    let message = flash(q.msg.as_deref());
    let view = Shown {
        message,
        ..Default::default()
    };
    Ok(Html(
        render_entry(&state, &actor, registry, found, view).await?,
    ))
}

/// Where an edit or a void leads: on success to `done`; refused fields show the entry's page
/// again with each error beside its field (and, for an edit, what was typed).
async fn answer(
    state: &AppState,
    actor: &Actor,
    registry: &Registry,
    id: i64,
    outcome: Result<RegistryEntry, RegistryError>,
    typed: Option<BTreeMap<String, String>>,
    done: &str,
) -> Result<Response, AppError> {
    match outcome {
        Ok(_) => Ok(see_other(done)),
        Err(RegistryError::App(e)) => Err(e.into()),
        Err(RegistryError::Fields(problems)) => {
            let view = Shown {
                typed,
                errors: by_field(problems),
                ..Default::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            again(state, actor, registry, id, status, view).await
        }
    }
}

/// `POST /registries/{code}/entries/{id}`: replaces the entry's values.
pub async fn edit(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((code, id)): PathParams<(String, i64)>,
    FormBody(form): FormBody<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    let values = form_values(&form);
    let outcome = registries::edit(&state, &actor, &registry.code, id, &values).await;
    let done = format!("/registries/{}/entries/{id}?msg=entry_saved", registry.code);
    answer(&state, &actor, registry, id, outcome, Some(values), &done).await
}

/// `POST /registries/{code}/entries/{id}/void`: voids the entry with a reason.
pub async fn void(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((code, id)): PathParams<(String, i64)>,
    FormBody(form): FormBody<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    let reason = form_field(&form, "reason").unwrap_or_default();
    let outcome = registries::void(&state, &actor, &registry.code, id, reason).await;
    let done = format!("/registries/{}?msg=entry_voided", registry.code);
    answer(&state, &actor, registry, id, outcome, None, &done).await
}

/// `POST /registries/{code}/entries/{id}/evidence`: attaches a 佐证材料 file. A refused file
/// (wrong type, empty, too big, the entry voided) shows the entry's page again with the reason.
pub async fn upload_evidence(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((code, id)): PathParams<(String, i64)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    let stored = match super::evidence::read_evidence(multipart).await {
        Ok(file) => registries::add_evidence(&state, &actor, &registry.code, id, file)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    let Err(e) = stored else {
        return Ok(see_other(&format!(
            "/registries/{}/entries/{id}?msg=uploaded",
            registry.code
        )));
    };
    let (status, problem) = super::evidence::upload_refusal(e)?;
    let view = Shown {
        evidence_problem: Some(problem),
        ..Default::default()
    };
    again(&state, &actor, registry, id, status, view).await
}

/// `GET /registry-evidence/{id}`: always downloaded as an attachment, never shown inline.
pub async fn download_evidence(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let (meta, content) = registries::evidence_file(&state, &actor, id).await?;
    Ok(crate::http::Download {
        stem: format!("registry-evidence-{id}"),
        file_name: &meta.file_name,
        content_type: meta.content_type,
        content,
        no_store: true,
    }
    .into_response())
}
