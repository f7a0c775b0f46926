//! `/home`: what is due, by role. A reporter sees its open reports with their deadlines first;
//! the coordinator this quarter's progress, who has not reported (with the people to call), the
//! reports waiting for review and the problems coming due. A leader lands on the dashboard, the
//! finance office on the ledger's budget execution.

use super::Nav;
use crate::auth::Actor;
use crate::error::AppError;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use bangfu_app::coordination::{self, DueProblem, QuarterProgress};
use bangfu_domain::policy::Action;
use bangfu_domain::report::ReportStatus;
use bangfu_domain::user::Role;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    name: String,
    unit_name: Option<String>,
    open: Vec<DueRow>,
    done: Vec<DueRow>,
    to_review: Vec<DueRow>,
    can_review: bool,
    can_view_district: bool,
    /// Audit findings on the unit's projects waiting for its answer: (project id, project, text).
    findings: Vec<(i64, String, String)>,
    /// For the coordinator: this quarter's reporting and the problems due within a week.
    quarter: Option<QuarterProgress>,
    problems_due: Vec<DueProblem>,
    /// For a reporter: the tasks its unit leads or cooperates on, and the quarter they are for.
    tasks: Vec<TaskDue>,
    task_period: String,
}

/// A task of the reporter's unit with progress to record.
struct TaskDue {
    code: String,
    title: String,
    /// 牵头 / 配合.
    role: &'static str,
    /// Progress recorded by the unit for the quarter.
    recorded: bool,
}

/// The tasks `unit` leads or cooperates on whose targets take recorded progress (those a
/// register measures fill themselves), and whether the unit recorded any for `period`.
async fn unit_tasks(
    state: &AppState,
    unit: &str,
    period: &bangfu_domain::Period,
) -> Result<Vec<TaskDue>, AppError> {
    let entries = state.store.task_progress().await?;
    let mut tasks: Vec<TaskDue> = state
        .plan
        .tasks
        .iter()
        .filter(|t| t.targets.iter().any(|x| x.registry.is_none()))
        .filter_map(|t| {
            let role = super::tasks::role_of(state, t, unit);
            (!role.is_empty()).then(|| TaskDue {
                code: t.code.clone(),
                title: t.title.clone(),
                role,
                recorded: entries.iter().any(|e| {
                    e.update.task == t.code && e.unit == unit && e.update.period == period.code
                }),
            })
        })
        .collect();
    // What still waits for the quarter's progress first; the tasks led before those helped.
    tasks.sort_by_key(|t| (t.recorded, t.role != "牵头"));
    Ok(tasks)
}

struct DueRow {
    href: String,
    period: String,
    unit: String,
    status: &'static str,
    deadline: String,
    deadline_status: String,
    overdue: bool,
    late: bool,
}

/// Audit findings on the actor's unit's projects waiting for its answer.
async fn open_findings(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<(i64, String, String)>, AppError> {
    let mut findings = Vec::new();
    let Some(unit) = actor.user.unit_code.as_deref() else {
        return Ok(findings);
    };
    if !actor.may(Action::AnswerFinding { unit }) {
        return Ok(findings);
    }
    let projects = state.store.projects().await?;
    for f in state.store.findings().await? {
        let Some(p) = projects.iter().find(|p| p.id == f.project) else {
            continue;
        };
        if p.unit == unit && f.status == bangfu_domain::ledger::FindingStatus::Open {
            findings.push((p.id, p.name.clone(), f.text));
        }
    }
    Ok(findings)
}

pub async fn show(State(state): State<AppState>, actor: Actor) -> Result<Response, AppError> {
    // A leader wants the one page of charts; the finance office the budget execution.
    match actor.user.role {
        Role::Viewer => return Ok(super::see_other("/dashboard")),
        Role::Finance => return Ok(super::see_other("/ledger")),
        _ => {}
    }
    let today = state.clock.today();
    let states = state.store.report_states(None).await?;
    let periods = state.plan.periods();
    let row = |period: &bangfu_domain::Period, unit: &str| {
        let code = period.code.to_string();
        let found = states
            .iter()
            .find(|s| s.period_code == code && s.unit_code == unit);
        let stored = found.and_then(|s| ReportStatus::parse(&s.status));
        let status = stored.unwrap_or(ReportStatus::Draft);
        let deadline_status = period.deadline_status(today);
        // The words of 报送情况: 未填报 until something is saved, 缺报 once overdue.
        let label = bangfu_domain::summary::Completeness::of(
            stored,
            found.is_some_and(|s| s.late),
            deadline_status,
        )
        .label();
        (
            status,
            DueRow {
                href: format!("/reports/{code}/{unit}"),
                period: period.label(),
                unit: state.plan.party_name(unit).to_string(),
                status: label,
                deadline: period.deadline.format("%Y年%-m月%-d日").to_string(),
                deadline_status: deadline_status.to_string(),
                overdue: matches!(
                    deadline_status,
                    bangfu_domain::period::DeadlineStatus::Overdue(_)
                ),
                late: found.is_some_and(|s| s.late),
            },
        )
    };
    let mut open = Vec::new();
    let mut done = Vec::new();
    let mut tasks = Vec::new();
    let task_period = crate::reporting::latest_begun_period(&state)?;
    if let Some(unit) = actor.user.unit_code.as_deref() {
        if actor.may(Action::EditReport { unit }) {
            tasks = unit_tasks(&state, unit, &task_period).await?;
            // Quarters that have begun, most recent first; returned reports lead the open ones.
            let mut rows: Vec<_> = periods
                .iter()
                .filter(|p| p.starts_on <= today)
                .map(|p| row(p, unit))
                .collect();
            rows.sort_by(|a, b| b.1.href.cmp(&a.1.href));
            rows.sort_by_key(|(status, _)| *status != ReportStatus::Returned);
            for (status, r) in rows {
                if status.editable() {
                    open.push(r);
                } else {
                    done.push(r);
                }
            }
        }
    }
    let can_review = actor.may(Action::ReviewReport);
    let to_review = if can_review {
        states
            .iter()
            .filter(|s| s.status == ReportStatus::Submitted.as_str())
            .filter_map(|s| {
                let p = periods
                    .iter()
                    .find(|p| p.code.to_string() == s.period_code)?;
                Some(row(p, &s.unit_code).1)
            })
            .collect()
    } else {
        Vec::new()
    };
    let findings = open_findings(&state, &actor).await?;
    let page = HomePage {
        nav: Nav::for_actor(Some(&actor)),
        name: actor.user.display_name.clone(),
        unit_name: actor
            .user
            .unit_code
            .as_deref()
            .map(|u| state.plan.party_name(u).to_string()),
        open,
        done,
        to_review,
        can_review,
        can_view_district: actor.may(Action::ViewDistrict),
        findings,
        quarter: if can_review {
            Some(coordination::quarter_progress(&state).await?)
        } else {
            None
        },
        problems_due: if can_review {
            coordination::problems_due(&state, 7).await?
        } else {
            Vec::new()
        },
        tasks,
        task_period: task_period.label(),
    };
    Ok(Html(page.render()?).into_response())
}
