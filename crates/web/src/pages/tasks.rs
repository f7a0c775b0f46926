//! `/tasks`: the plan's tasks with their lead and cooperating units, filterable, each target with
//! its standing for the year; `/supervision.xlsx`: the 督办 list.

use super::Nav;
use crate::api::sheets::xlsx_response;
use crate::auth::Actor;
use crate::error::AppError;
use crate::oversight;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use bangfu_domain::plan::Task;
use bangfu_domain::policy::Action;
use bangfu_domain::supervision::{behind, evaluate, TargetProgress, TargetStatus};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct TaskQuery {
    year: Option<String>,
    #[serde(default)]
    section: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: String,
}

struct TargetLine {
    description: String,
    summary: String,
    figures: String,
    status: &'static str,
    status_code: &'static str,
}

struct TaskLine {
    code: String,
    title: String,
    section: String,
    areas: String,
    lead: String,
    cooperating: String,
    /// 牵头 / 配合 for the viewer's own unit.
    my_role: &'static str,
    targets: Vec<TargetLine>,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    nav: Nav,
    year: i32,
    years: Vec<i32>,
    q: TaskQuery,
    sections: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    units: Vec<(String, String)>,
    tasks: Vec<TaskLine>,
    with_status: bool,
    has_unit: bool,
}

fn figures(p: &TargetProgress) -> String {
    let unit = &p.target.unit;
    match (p.actual, p.percent) {
        (Some(a), Some(pct)) => format!("{a} / {} {unit}（{pct}%）", p.required),
        _ => format!("目标 {} {unit}", p.required),
    }
}

/// Whether `unit` leads or cooperates on `task`, directly or through a group.
fn role_of(state: &AppState, task: &Task, unit: &str) -> &'static str {
    let names = |codes: &[String]| {
        codes
            .iter()
            .any(|c| state.plan.expand_party(c).contains(&unit))
    };
    if names(&task.lead) {
        "牵头"
    } else if names(&task.cooperating) {
        "配合"
    } else {
        ""
    }
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<TaskQuery>,
) -> Result<Html<String>, AppError> {
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let with_status = actor.may(Action::ViewDistrict);
    let (_, totals) = if with_status {
        oversight::year_totals(&state, year).await?
    } else {
        (None, Default::default())
    };
    let plan = &state.plan;
    let progress = evaluate(plan, year, state.clock.today(), &totals);
    let my_unit = actor.user.unit_code.clone().unwrap_or_default();
    let section_of = |task: &Task| {
        plan.section(&task.section)
            .map(|s| s.parent.clone().unwrap_or_else(|| s.code.clone()))
            .unwrap_or_default()
    };
    let tasks = plan
        .tasks
        .iter()
        .filter(|t| q.section.is_empty() || section_of(t) == q.section)
        .filter(|t| q.area.is_empty() || t.areas.contains(&q.area))
        .filter(|t| {
            q.lead.is_empty()
                || t.lead
                    .iter()
                    .any(|l| plan.expand_party(l).contains(&q.lead.as_str()))
        })
        .filter(|t| q.mine.is_empty() || !role_of(&state, t, &my_unit).is_empty())
        .filter(|t| {
            q.status.is_empty()
                || progress
                    .iter()
                    .any(|p| p.task_code == t.code && p.status.as_str() == q.status)
        })
        .map(|t| TaskLine {
            code: t.code.clone(),
            title: t.title.clone(),
            section: plan
                .section(&t.section)
                .map(|s| format!("{}{}", s.number, s.title))
                .unwrap_or_default(),
            areas: t
                .areas
                .iter()
                .map(|a| plan.area(a).map_or(a.as_str(), |x| x.name.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
            lead: plan.lead_names(t).join("、"),
            cooperating: t
                .cooperating
                .iter()
                .map(|c| plan.party_name(c))
                .collect::<Vec<_>>()
                .join("、"),
            my_role: role_of(&state, t, &my_unit),
            targets: progress
                .iter()
                .filter(|p| p.task_code == t.code)
                .map(|p| TargetLine {
                    description: p.description.to_string(),
                    summary: p.target.summary(),
                    figures: figures(p),
                    status: if with_status { p.status.label() } else { "" },
                    status_code: p.status.as_str(),
                })
                .collect(),
        })
        .collect();
    let page = TasksPage {
        nav: Nav::for_actor(Some(&actor)),
        year,
        years: oversight::years(&state),
        sections: plan
            .sections
            .iter()
            .filter(|s| s.parent.is_none())
            .map(|s| (s.code.clone(), format!("{}{}", s.number, s.title)))
            .collect(),
        areas: plan
            .areas
            .iter()
            .filter(|a| plan.tasks.iter().any(|t| t.areas.contains(&a.code)))
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        units: plan
            .units_sorted()
            .into_iter()
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect(),
        q,
        tasks,
        with_status,
        has_unit: !my_unit.is_empty(),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct YearOnly {
    year: Option<String>,
}

/// `/supervision.xlsx`: every target behind, the furthest behind first, with its lead unit.
pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<YearOnly>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewDistrict)?;
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let (_, totals) = oversight::year_totals(&state, year).await?;
    let progress = evaluate(&state.plan, year, state.clock.today(), &totals);
    let rows: Vec<Vec<String>> = behind(&progress)
        .into_iter()
        .map(|p| {
            vec![
                p.task_code.to_string(),
                p.task.title.clone(),
                p.description.to_string(),
                state.plan.lead_names(p.task).join("、"),
                figures(p),
                format!("{} {}", p.expected_by_now, p.target.unit),
                format!("{}%", p.shortfall_percent),
            ]
        })
        .collect();
    let bytes = bangfu_xlsx::table_workbook(
        &format!("{year}年督办清单"),
        &[
            "序号",
            "任务",
            "目标",
            "牵头部门",
            "完成情况",
            "按进度应达到",
            "落后",
        ],
        &[8.0, 30.0, 40.0, 18.0, 22.0, 16.0, 8.0],
        &rows,
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_response(&format!("督办清单-{year}.xlsx"), bytes))
}

/// Status of targets for the dashboard: (task code, description, progress).
pub fn status_fill(status: TargetStatus) -> &'static str {
    match status {
        TargetStatus::Done => "#2e7d32",
        TargetStatus::Behind => "#b3261e",
        TargetStatus::InProgress => "#0b57d0",
        TargetStatus::NotStarted | TargetStatus::Unmeasured => "#8c959f",
    }
}
