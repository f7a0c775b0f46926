//! The messages of events outside the reporting cycle, built for the event's own transaction
//! (problems assigned, audit findings raised and answered) or found due by the schedule (problems
//! past their due date, targets behind — once a month at most per target and lead unit).

use super::{to_people, to_unit, unit_name};
use crate::{AppError, Context};
use bangfu_domain::ledger::Project;
use bangfu_domain::notify_events as events;
use bangfu_domain::problem::{ProblemDraft, ProblemStatus};
use bangfu_domain::supervision::{behind, evaluate};
use bangfu_domain::user::Role;
use bangfu_store::{NewMessage, User, Webhook};
use chrono::{Datelike, NaiveDate};

/// To the problem's unit: a problem assigned to it. "{id}" stands for the new problem's number.
pub async fn problem_raised(
    ctx: &Context,
    draft: &ProblemDraft,
) -> Result<Vec<NewMessage>, AppError> {
    let link = ctx.notify.link("/problems/{id}");
    let message = events::problem_assigned_message(
        &unit_name(ctx, &draft.unit),
        &draft.description,
        draft.due,
        &link,
    );
    let users = ctx.store.users().await?;
    let hooks = ctx.store.webhooks().await?;
    Ok(to_unit(
        &users,
        &hooks,
        &draft.unit,
        "problem.assign:{id}",
        "problem.assign",
        &message,
    ))
}

/// To the project's implementing unit: an audit finding raised ("{id}": the finding's number).
pub async fn finding_raised(
    ctx: &Context,
    project: &Project,
    text: &str,
) -> Result<Vec<NewMessage>, AppError> {
    let link = ctx.notify.link(&format!("/ledger/projects/{}", project.id));
    let message =
        events::finding_raised_message(&unit_name(ctx, &project.unit), &project.name, text, &link);
    let users = ctx.store.users().await?;
    let hooks = ctx.store.webhooks().await?;
    Ok(to_unit(
        &users,
        &hooks,
        &project.unit,
        "finding.raise:{id}",
        "finding.raise",
        &message,
    ))
}

/// To the auditors: a unit answered a finding. Each answer is its own event.
pub async fn finding_answered(
    ctx: &Context,
    project: &Project,
    finding: i64,
    response: &str,
) -> Result<Vec<NewMessage>, AppError> {
    let link = ctx.notify.link(&format!("/ledger/projects/{}", project.id));
    let message = events::finding_answered_message(
        &unit_name(ctx, &project.unit),
        &project.name,
        response,
        &link,
    );
    let users = ctx.store.users().await?;
    let auditors = users.iter().filter(|u| u.active && u.role == Role::Auditor);
    let key = format!(
        "finding.answer:{finding}:{}",
        ctx.clock.now().timestamp_micros()
    );
    Ok(to_people(auditors, &key, "finding.answer", &message))
}

/// Open problems past their due date as of `as_of`: to the unit and the coordinators, once per
/// due date.
pub async fn problems_overdue(
    ctx: &Context,
    as_of: NaiveDate,
    users: &[User],
    hooks: &[Webhook],
) -> Result<Vec<NewMessage>, AppError> {
    let coordinators: Vec<&User> = users
        .iter()
        .filter(|u| u.active && u.role == Role::Coordinator)
        .collect();
    let mut out = Vec::new();
    for p in ctx.store.problems().await? {
        let Some(due) = p.due else { continue };
        if p.status == ProblemStatus::Resolved || due >= as_of {
            continue;
        }
        let link = ctx.notify.link(&format!("/problems/{}", p.id));
        let message =
            events::problem_overdue_message(&unit_name(ctx, &p.unit), &p.description, due, &link);
        // The due date is part of the event: a new date that passes too is told again.
        let key = format!("problem.overdue:{}:{due}", p.id);
        out.extend(to_unit(
            users,
            hooks,
            &p.unit,
            &key,
            "problem.overdue",
            &message,
        ));
        out.extend(to_people(
            coordinators.iter().copied(),
            &key,
            "problem.overdue",
            &message,
        ));
    }
    Ok(out)
}

/// Targets behind their pro-rata share as of `as_of`: to each lead unit, at most once a month.
pub async fn targets_behind(
    ctx: &Context,
    as_of: NaiveDate,
    users: &[User],
    hooks: &[Webhook],
) -> Result<Vec<NewMessage>, AppError> {
    let plan = &ctx.plan;
    let year = as_of.year();
    if !crate::oversight::years(ctx).contains(&year) {
        return Ok(Vec::new());
    }
    let (_, totals) = crate::oversight::year_totals(ctx, year).await?;
    let updates = crate::oversight::progress_updates(ctx).await?;
    let progress = evaluate(plan, year, as_of, &totals, &updates);
    let month = as_of.format("%Y-%m");
    let mut out = Vec::new();
    for p in behind(&progress) {
        let index = p
            .task
            .targets
            .iter()
            .position(|t| std::ptr::eq(t, p.target))
            .unwrap_or(0);
        let link = ctx.notify.link(&format!("/tasks/{}", p.task_code));
        for party in &p.task.lead {
            for unit in plan.expand_party(party) {
                let message = events::target_behind_message(
                    &unit_name(ctx, unit),
                    p.task_code,
                    p.description,
                    p.percent.unwrap_or(0),
                    as_of,
                    &link,
                );
                let key = format!("target.behind:{}:{index}:{unit}:{month}", p.task_code);
                out.extend(to_unit(users, hooks, unit, &key, "target.behind", &message));
            }
        }
    }
    Ok(out)
}
