//! `/problems`: problems raised in the work (工作中出现的问题), tracked to resolution.

use super::{flash, see_other, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, QueryParams};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::policy::Action;
use bangfu_domain::problem::{is_overdue, ProblemDraft, ProblemStatus};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    msg: Option<String>,
}

struct ProblemLine {
    id: i64,
    description: String,
    unit: String,
    task: String,
    area: String,
    source: String,
    raised: String,
    owner: String,
    due: String,
    overdue: bool,
    status: ProblemStatus,
    resolution: String,
    can_work: bool,
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ProblemsPage {
    nav: Nav,
    csrf: String,
    lines: Vec<ProblemLine>,
    status_filter: String,
    statuses: Vec<(&'static str, &'static str)>,
    can_raise: bool,
    units: Vec<(String, String)>,
    tasks: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    message: Option<&'static str>,
    /// The raise form as typed when it was refused, and each error by its field.
    form: RaiseForm,
    errors: BTreeMap<&'static str, String>,
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let html = render(&state, &actor, q, RaiseForm::default(), BTreeMap::new()).await?;
    Ok(Html(html))
}

async fn render(
    state: &AppState,
    actor: &Actor,
    q: ListQuery,
    form: RaiseForm,
    errors: BTreeMap<&'static str, String>,
) -> Result<String, AppError> {
    let today = state.clock.today();
    let plan = &state.plan;
    let lines = state
        .store
        .problems()
        .await?
        .into_iter()
        .filter(|p| actor.may(Action::ViewProblems { unit: &p.unit }))
        .filter(|p| {
            q.status.is_empty()
                || p.status.as_str() == q.status
                || (q.status == "overdue" && is_overdue(p.status, p.due, today))
        })
        .map(|p| ProblemLine {
            can_work: actor.may(Action::WorkOnProblem { unit: &p.unit }),
            overdue: is_overdue(p.status, p.due, today),
            id: p.id,
            unit: plan.party_name(&p.unit).to_string(),
            task: p
                .task
                .as_deref()
                .and_then(|t| plan.tasks.iter().find(|x| x.code == t))
                .map(|t| t.title.clone())
                .unwrap_or_default(),
            area: p
                .area
                .as_deref()
                .map(|a| plan.party_name(a).to_string())
                .unwrap_or_default(),
            source: p.source,
            raised: p.raised_on.to_string(),
            owner: p.owner,
            due: p.due.map(|d| d.to_string()).unwrap_or_default(),
            status: p.status,
            resolution: p.resolution,
            description: p.description,
        })
        .collect();
    let page = ProblemsPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        lines,
        status_filter: q.status,
        statuses: ProblemStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        can_raise: actor.may(Action::RaiseProblem),
        units: super::unit_choices(plan),
        tasks: plan
            .tasks
            .iter()
            .map(|t| (t.code.clone(), format!("{} {}", t.code, t.title)))
            .collect(),
        areas: plan
            .areas
            .iter()
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        message: flash(q.msg.as_deref()),
        form,
        errors,
    };
    Ok(page.render()?)
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[derive(Deserialize, Default)]
pub struct RaiseForm {
    #[serde(default)]
    description: String,
    unit: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    source: String,
}

pub async fn raise(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(f): FormBody<RaiseForm>,
) -> Result<Response, AppError> {
    actor.require(Action::RaiseProblem)?;
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    let due = bangfu_domain::date::parse_optional_date("办结期限", &f.due)
        .map_err(|e| errors.insert("due", e))
        .unwrap_or(None);
    let draft = ProblemDraft {
        description: f.description.trim().to_string(),
        unit: f.unit.trim().to_string(),
        task: optional(&f.task),
        area: optional(&f.area),
        owner: f.owner.trim().to_string(),
        due,
        source: f.source.chars().take(100).collect(),
    };
    if let Err(found) = draft.check(&state.plan) {
        for (field, message) in found {
            errors.entry(field).or_insert(message);
        }
    }
    if !errors.is_empty() {
        // The list again with the form as typed, each mistake beside its field.
        let html = render(&state, &actor, ListQuery::default(), f, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let notify = bangfu_app::notify::events::problem_raised(&state, &draft).await?;
    let id = state
        .store
        .raise_problem(draft, state.clock.today(), actor.login(), &notify)
        .await?;
    Ok(see_other(&format!("/problems/{id}?msg=problem_raised")))
}

/// `/problems.xlsx`: the problems the caller may see.
pub async fn export(State(state): State<AppState>, actor: Actor) -> Result<Response, AppError> {
    let today = state.clock.today();
    let plan = &state.plan;
    let rows: Vec<Vec<String>> = state
        .store
        .problems()
        .await?
        .into_iter()
        .filter(|p| actor.may(Action::ViewProblems { unit: &p.unit }))
        .map(|p| {
            vec![
                p.description.clone(),
                plan.party_name(&p.unit).to_string(),
                p.task.clone().unwrap_or_default(),
                p.area
                    .as_deref()
                    .map(|a| plan.party_name(a).to_string())
                    .unwrap_or_default(),
                p.raised_on.to_string(),
                p.owner.clone(),
                p.due.map(|d| d.to_string()).unwrap_or_default(),
                if is_overdue(p.status, p.due, today) {
                    format!("{}（已超期）", p.status.label())
                } else {
                    p.status.label().to_string()
                },
                p.resolution.clone(),
            ]
        })
        .collect();
    let bytes = crate::sheets::off_runtime(move || {
        bangfu_xlsx::table_workbook(
            "问题台账",
            &[
                "问题",
                "单位",
                "任务",
                "受援地",
                "提出日期",
                "责任人",
                "办结期限",
                "状态",
                "处理情况",
            ],
            &[36.0, 14.0, 8.0, 10.0, 12.0, 10.0, 12.0, 12.0, 30.0],
            &rows,
        )
        .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    Ok(crate::http::xlsx_response("问题台账.xlsx", bytes))
}
