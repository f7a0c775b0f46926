//! `/problems/{id}`: one problem with its owner (责任人), due date (办结期限), history and
//! resolution. The unit concerned records what it did; the coordinator also reassigns the owner
//! and the due date. A refused change shows the page again with each error beside its field and
//! everything typed kept.

use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::policy::Action;
use bangfu_domain::problem::{check_update, is_overdue, ProblemStatus};
use bangfu_store::{AuditFilter, Problem, ProblemUpdate};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage {
    nav: Nav,
    csrf: String,
    id: i64,
    description: String,
    unit: String,
    task: String,
    area: String,
    source: String,
    raised: String,
    raised_by: super::people::Person,
    overdue: bool,
    status_label: &'static str,
    /// What the form shows: as stored, or as typed when refused.
    form: UpdateForm,
    statuses: Vec<(&'static str, &'static str)>,
    can_work: bool,
    can_reassign: bool,
    /// Per field ("status", "resolution", "owner", "due"), the error to show beside it.
    errors: BTreeMap<&'static str, String>,
    history: Vec<(String, super::people::Person, String, String)>,
    message: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct UpdateForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    resolution: String,
    owner: Option<String>,
    due: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    let problem = visible(&state, &actor, id).await?;
    let form = UpdateForm {
        status: problem.status.as_str().to_string(),
        resolution: problem.resolution.clone(),
        owner: Some(problem.owner.clone()),
        due: Some(problem.due.map(|d| d.to_string()).unwrap_or_default()),
    };
    let html = render(
        &state,
        &actor,
        problem,
        form,
        BTreeMap::new(),
        flash(q.msg.as_deref()),
    )
    .await?;
    Ok(Html(html))
}

pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<UpdateForm>,
) -> Result<Response, AppError> {
    let problem = state.store.problem(id).await?.ok_or(AppError::NotFound)?;
    actor.require(Action::WorkOnProblem {
        unit: &problem.unit,
    })?;
    let can_reassign = actor.may(Action::RaiseProblem);
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    let status = ProblemStatus::parse(&f.status);
    if status.is_none() {
        errors.insert("status", format!("状态“{}”无效", f.status));
    }
    let owner = f.owner.as_deref().filter(|_| can_reassign);
    for (field, message) in
        check_update(status.unwrap_or(ProblemStatus::Open), &f.resolution, owner)
    {
        errors.insert(field, message);
    }
    let due = match f.due.as_deref().filter(|_| can_reassign) {
        Some(text) => match bangfu_domain::date::parse_optional_date("办结期限", text) {
            Ok(due) => Some(due),
            Err(e) => {
                errors.insert("due", e);
                None
            }
        },
        None => None,
    };
    let (Some(status), true) = (status, errors.is_empty()) else {
        let html = render(&state, &actor, problem, f, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    // Only the coordinator reassigns the owner and the due date.
    let owner_and_due = match (owner, due) {
        (Some(o), Some(d)) => Some((o.trim().to_string(), d)),
        _ => None,
    };
    state
        .store
        .update_problem(
            id,
            ProblemUpdate {
                status,
                resolution: f.resolution.trim().to_string(),
                owner_and_due,
            },
            actor.login(),
        )
        .await?;
    Ok(see_other(&format!("/problems/{id}?msg=problem_updated")))
}

/// The problem, if the caller may see it (404 when it does not exist).
async fn visible(state: &AppState, actor: &Actor, id: i64) -> Result<Problem, AppError> {
    let problem = state.store.problem(id).await?.ok_or(AppError::NotFound)?;
    actor.require(Action::ViewProblems {
        unit: &problem.unit,
    })?;
    Ok(problem)
}

async fn render(
    state: &AppState,
    actor: &Actor,
    p: Problem,
    form: UpdateForm,
    errors: BTreeMap<&'static str, String>,
    message: Option<&'static str>,
) -> Result<String, AppError> {
    let plan = &state.plan;
    let people = super::people::People::load(state).await?;
    let history = state
        .store
        .search_audit(&AuditFilter {
            key_like: p.id.to_string(),
            limit: 100,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|e| e.entity == "problem")
        .map(|e| {
            (
                beijing_time(e.occurred_at),
                people.person(&e.actor),
                e.old_value.unwrap_or_default(),
                e.new_value.unwrap_or_default(),
            )
        })
        .collect();
    let page = ProblemPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        id: p.id,
        overdue: is_overdue(p.status, p.due, state.clock.today()),
        unit: plan.party_name(&p.unit).to_string(),
        task: p
            .task
            .as_deref()
            .map(|t| {
                plan.tasks
                    .iter()
                    .find(|x| x.code == t)
                    .map_or(t.to_string(), |x| x.title.clone())
            })
            .unwrap_or_default(),
        area: p
            .area
            .as_deref()
            .map(|a| plan.party_name(a).to_string())
            .unwrap_or_default(),
        source: p.source,
        raised: p.raised_on.format("%Y年%-m月%-d日").to_string(),
        raised_by: people.person(&p.raised_by),
        status_label: p.status.label(),
        description: p.description,
        form,
        statuses: ProblemStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        can_work: actor.may(Action::WorkOnProblem { unit: &p.unit }),
        can_reassign: actor.may(Action::RaiseProblem),
        errors,
        history,
        message,
    };
    Ok(page.render()?)
}
