//! Supervision and the leaders' page: which commitments are on track, who has not reported.

use crate::AppError;
use crate::Context;
use bangfu_domain::period::Period;
use bangfu_domain::Quantity;
use chrono::Datelike;
use std::collections::BTreeMap;

/// Every progress update the units recorded on their tasks.
pub async fn progress_updates(
    state: &Context,
) -> Result<Vec<bangfu_domain::supervision::ProgressUpdate>, AppError> {
    // A target a register measures counts its entries, not what was recorded by hand.
    let by_register = |u: &bangfu_domain::supervision::ProgressUpdate| {
        state
            .plan
            .tasks
            .iter()
            .find(|t| t.code == u.task)
            .and_then(|t| t.targets.get(u.target))
            .is_some_and(|g| g.registry.is_some())
    };
    let mut updates: Vec<_> = state
        .store
        .task_progress()
        .await?
        .into_iter()
        .map(|e| e.update)
        .filter(|u| !by_register(u))
        .collect();
    updates.extend(crate::registries::target_updates(state).await?);
    Ok(updates)
}

/// The plan's years that have reporting periods.
pub fn years(state: &Context) -> Vec<i32> {
    let mut years: Vec<i32> = state.plan.periods().iter().map(|p| p.code.year()).collect();
    years.dedup();
    years
}

/// The year to show by default: this year if the plan covers it, else the plan's nearest year.
pub fn default_year(state: &Context) -> i32 {
    let this = state.clock.today().year();
    let ys = years(state);
    match (ys.first(), ys.last()) {
        (Some(first), Some(last)) => this.clamp(*first, *last),
        _ => this,
    }
}

/// The latest period of `year` that has begun (the year's last one once it is over).
pub fn latest_period(state: &Context, year: i32) -> Option<Period> {
    let today = state.clock.today();
    let periods: Vec<Period> = state
        .plan
        .periods()
        .into_iter()
        .filter(|p| p.code.year() == year)
        .collect();
    periods
        .iter()
        .rev()
        .find(|p| p.starts_on <= today)
        .or(periods.first())
        .cloned()
}

/// The district's year-to-date totals at the year's latest period, drafts included: the working
/// view of the tasks' progress, where a unit sees its figures count as soon as it types them.
pub async fn year_totals(
    state: &Context,
    year: i32,
) -> Result<(Option<Period>, BTreeMap<String, Quantity>), AppError> {
    year_totals_in(state, year, bangfu_domain::summary::ReportScope::WithDrafts).await
}

/// The district's year-to-date totals at the year's latest period, from the reports in `scope`.
pub async fn year_totals_in(
    state: &Context,
    year: i32,
    scope: bangfu_domain::summary::ReportScope,
) -> Result<(Option<Period>, BTreeMap<String, Quantity>), AppError> {
    let Some(period) = latest_period(state, year) else {
        return Ok((None, BTreeMap::new()));
    };
    let totals = state
        .store
        .district_totals(&period.code.to_string(), scope)
        .await?;
    Ok((Some(period), totals))
}

/// One row's district total at the latest period of each year of the plan (absent where nothing
/// counts), in one query.
pub async fn row_by_year(
    state: &Context,
    row: &str,
    scope: bangfu_domain::summary::ReportScope,
) -> Result<Vec<(i32, Option<Quantity>)>, AppError> {
    let latest: Vec<(i32, Option<String>)> = years(state)
        .into_iter()
        .map(|y| (y, latest_period(state, y).map(|p| p.code.to_string())))
        .collect();
    let periods: Vec<String> = latest.iter().filter_map(|(_, p)| p.clone()).collect();
    let totals = state.store.row_totals(row, &periods, scope).await?;
    Ok(latest
        .into_iter()
        .map(|(y, p)| (y, p.and_then(|p| totals.get(&p).copied())))
        .collect())
}

/// `?year=` as a year, or all years when empty; anything else is the user's mistake.
pub fn year_in_text(text: Option<&str>) -> Result<Option<i32>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("年份“{t}”无效，应为四位数字，例如 2018"))),
    }
}

/// `?year=` checked against the plan's years.
pub fn parse_year(state: &Context, text: Option<&str>) -> Result<i32, AppError> {
    match year_in_text(text)? {
        None => Ok(default_year(state)),
        Some(y) if years(state).contains(&y) => Ok(y),
        Some(y) => Err(AppError::BadRequest(format!(
            "{y} 年不在本方案的报送年份内"
        ))),
    }
}

/// One unit's assessment for a year, with the coordinator's comment.
pub struct UnitAssessment {
    pub unit: bangfu_domain::plan::Unit,
    pub score: bangfu_domain::assessment::Score,
    pub comment: String,
}

/// The register reconciliation of each due period, when the plan weighs 台账一致.
async fn register_lines(
    state: &Context,
    due: &[String],
) -> Result<Vec<(String, Vec<crate::registry_reconciliation::RowLine>)>, AppError> {
    if state.plan.assessment.registers <= rust_decimal::Decimal::ZERO {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for code in due {
        let Some(period) = state
            .plan
            .periods()
            .into_iter()
            .find(|p| &p.code.to_string() == code)
        else {
            continue;
        };
        out.push((
            code.clone(),
            crate::registry_reconciliation::rows(state, &period).await?,
        ));
    }
    Ok(out)
}

/// A unit's fed rows over its submitted reports: how many, how many match, which do not.
fn register_facts(
    plan: &bangfu_domain::Plan,
    lines: &[(String, Vec<crate::registry_reconciliation::RowLine>)],
    states: &[bangfu_store::ReportState],
    unit: &str,
) -> (u32, u32, Vec<String>) {
    let (mut rows, mut matching, mut mismatches) = (0, 0, Vec::new());
    for (period, row_lines) in lines {
        let submitted = states.iter().any(|s| {
            s.unit_code == unit
                && &s.period_code == period
                && matches!(s.status.as_str(), "submitted" | "approved")
        });
        if !submitted {
            continue;
        }
        for row in row_lines {
            let Some(line) = row.units.iter().find(|l| l.unit == unit) else {
                continue;
            };
            if !plan
                .indicators_for_unit(unit)
                .iter()
                .any(|i| i.code == row.indicator)
            {
                continue;
            }
            rows += 1;
            if line.reported == Some(line.register) {
                matching += 1;
            } else {
                let label = period
                    .parse::<bangfu_domain::PeriodCode>()
                    .map(|p| p.label())
                    .unwrap_or_else(|_| period.clone());
                let reported = line.reported.map_or("未填".to_string(), |v| v.to_string());
                mismatches.push(format!(
                    "{label} {}（填报 {reported}，台账 {}）",
                    row.label, line.register
                ));
            }
        }
    }
    (rows, matching, mismatches)
}

/// Every reporting unit's assessment for `year`, highest total first.
pub async fn assessments(state: &Context, year: i32) -> Result<Vec<UnitAssessment>, AppError> {
    use bangfu_domain::assessment::{score, Facts};
    use bangfu_domain::supervision::{evaluate, TargetStatus};
    let plan = &state.plan;
    let today = state.clock.today();
    let due: Vec<String> = plan
        .periods()
        .iter()
        .filter(|p| p.code.year() == year && (p.deadline < today || today.year() > year))
        .map(|p| p.code.to_string())
        .collect();
    let states = state.store.report_states(Some(year)).await?;
    let (_, totals) = year_totals(state, year).await?;
    let updates = progress_updates(state).await?;
    let progress = evaluate(plan, year, today, &totals, &updates);
    let coordinator = state.store.coordinator_scores(year).await?;
    let registers = register_lines(state, &due).await?;
    let mut out: Vec<UnitAssessment> = bangfu_domain::summary::reporting_units(plan)
        .into_iter()
        .map(|unit| {
            let label = |code: &str| {
                code.parse::<bangfu_domain::PeriodCode>()
                    .map(|p| p.label())
                    .unwrap_or_else(|_| code.to_string())
            };
            let (mut submitted, mut on_time, mut with_evidence) = (0, 0, 0);
            let (mut late_periods, mut missing_periods) = (Vec::new(), Vec::new());
            for period in &due {
                let report = states.iter().find(|s| {
                    s.unit_code == unit.code
                        && &s.period_code == period
                        && matches!(s.status.as_str(), "submitted" | "approved")
                });
                match report {
                    None => missing_periods.push(label(period)),
                    Some(s) => {
                        submitted += 1;
                        if s.late {
                            late_periods.push(label(period));
                        } else {
                            on_time += 1;
                        }
                        with_evidence += u32::from(s.evidence > 0);
                    }
                }
            }
            let led: Vec<(String, u32)> = progress
                .iter()
                .filter(|p| p.status != TargetStatus::Unmeasured)
                .filter(|p| {
                    p.task
                        .lead
                        .iter()
                        .any(|l| plan.expand_party(l).contains(&unit.code.as_str()))
                })
                .filter_map(|p| Some((p.task_code.to_string(), p.percent?)))
                .collect();
            let led_targets = led.iter().map(|(_, p)| *p).collect();
            let given = coordinator.iter().find(|c| c.unit == unit.code);
            let (register_rows, register_matching, register_mismatches) =
                register_facts(plan, &registers, &states, &unit.code);
            let facts = Facts {
                register_rows,
                register_matching,
                register_mismatches,
                due: due.len() as u32,
                submitted,
                on_time,
                with_evidence,
                led_targets,
                late_periods,
                missing_periods,
                target_details: led,
                coordinator: given.map(|c| c.score.decimal()),
            };
            UnitAssessment {
                unit: unit.clone(),
                score: score(&plan.assessment, &facts),
                comment: given.map(|c| c.comment.clone()).unwrap_or_default(),
            }
        })
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.score.total));
    Ok(out)
}
