//! What the coordinator (区发改委) chases each quarter: how many units have reported, who has
//! not (with the people to call), and the problems coming due.

use crate::{reporting, AppError, Context};
use bangfu_domain::period::{DeadlineStatus, Period};
use bangfu_domain::problem::ProblemStatus;
use bangfu_domain::summary::{reporting_units, Completeness};
use bangfu_domain::user::Role;

/// A unit that has not reported this quarter, and whom to call.
pub struct Waiting {
    pub unit: String,
    /// 未填报, 草稿, 退回 or 缺报, as on 报送情况.
    pub status: &'static str,
    /// The unit's reporters: (name, phone).
    pub contacts: Vec<(String, String)>,
}

/// The current quarter as the coordinator sees it on its home page.
pub struct QuarterProgress {
    pub period: Period,
    pub deadline_status: DeadlineStatus,
    pub expected: usize,
    pub reported: usize,
    pub waiting: Vec<Waiting>,
}

/// A problem whose 办结期限 is past or within the next `days` days.
pub struct DueProblem {
    pub id: i64,
    pub description: String,
    pub unit: String,
    pub due: chrono::NaiveDate,
    pub overdue: bool,
}

/// The latest quarter that has begun: who reported, who has not and how to reach them.
pub async fn quarter_progress(state: &Context) -> Result<QuarterProgress, AppError> {
    let period = reporting::latest_begun_period(state)?;
    let today = state.clock.today();
    let code = period.code.to_string();
    let states = state.store.report_states(Some(period.code.year())).await?;
    let users = state.store.users().await?;
    let deadline_status = period.deadline_status(today);
    let units = reporting_units(&state.plan);
    let mut waiting = Vec::new();
    for unit in &units {
        let found = states
            .iter()
            .find(|s| s.period_code == code && s.unit_code == unit.code);
        let status = found.and_then(|s| bangfu_domain::report::ReportStatus::parse(&s.status));
        let cell = Completeness::of(status, found.is_some_and(|s| s.late), deadline_status);
        if cell.reported() {
            continue;
        }
        let contacts = users
            .iter()
            .filter(|u| u.active && u.role == Role::Reporter)
            .filter(|u| u.unit_code.as_deref() == Some(unit.code.as_str()))
            .map(|u| (u.display_name.clone(), u.phone.clone()))
            .collect();
        waiting.push(Waiting {
            unit: unit.name.clone(),
            status: cell.label(),
            contacts,
        });
    }
    Ok(QuarterProgress {
        expected: units.len(),
        reported: units.len() - waiting.len(),
        period,
        deadline_status,
        waiting,
    })
}

/// Open problems past their 办结期限 or due within `days` days, soonest first.
pub async fn problems_due(state: &Context, days: i64) -> Result<Vec<DueProblem>, AppError> {
    let today = state.clock.today();
    let horizon = today + chrono::Duration::days(days);
    let mut due: Vec<DueProblem> = state
        .store
        .problems()
        .await?
        .into_iter()
        .filter(|p| p.status != ProblemStatus::Resolved)
        .filter_map(|p| {
            let due = p.due.filter(|d| *d <= horizon)?;
            Some(DueProblem {
                id: p.id,
                unit: state.plan.party_name(&p.unit).to_string(),
                description: p.description,
                due,
                overdue: due < today,
            })
        })
        .collect();
    due.sort_by_key(|p| p.due);
    Ok(due)
}
