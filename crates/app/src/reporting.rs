//! The reporting cycle as the web pages and the JSON API both use it: every rule is asked of the
//! domain (validation, workflow, policy), every change goes through the store.

use crate::Actor;
use crate::AppError;
use crate::Context;
use bangfu_domain::period::{DeadlineStatus, Period, PeriodCode};
use bangfu_domain::plan::{Unit, ValueBasis};
use bangfu_domain::policy::Action;
use bangfu_domain::registry::check_against_registers;
use bangfu_domain::report::{
    check_narrative, check_report, check_text, has_errors, parse_entries, CheckMode, Entry,
    Finding, Narrative, RawEntry, ReportStatus, Severity, WorkflowAction, MAX_NARRATIVE_CHARS,
};
use bangfu_domain::summary::ReportScope;
use bangfu_domain::summary::{
    district_summary, is_late, periods_of_year, reporting_units, year_to_date, Completeness,
    PeriodCounts, SummaryRow, UnitValues,
};
use bangfu_domain::Quantity;
use bangfu_store::{ReportValues, SaveReport, StoredReport, Transition};
use std::collections::BTreeMap;

/// A report as seen by someone allowed to see it.
pub struct LoadedReport {
    pub period: Period,
    pub unit: Unit,
    pub stored: Option<StoredReport>,
}

impl LoadedReport {
    pub fn status(&self) -> ReportStatus {
        self.stored
            .as_ref()
            .map_or(ReportStatus::Draft, |r| r.status)
    }

    pub fn version(&self) -> i64 {
        self.stored.as_ref().map_or(0, |r| r.version)
    }

    pub fn entries(&self) -> BTreeMap<String, Entry> {
        self.stored
            .as_ref()
            .map(|r| r.entries.clone())
            .unwrap_or_default()
    }

    pub fn late(&self) -> bool {
        self.stored.as_ref().is_some_and(|r| r.late)
    }

    /// The reason of the latest return or reopening, for the reporter to see.
    pub fn return_reason(&self) -> Option<String> {
        let r = self.stored.as_ref()?;
        if r.status != ReportStatus::Returned {
            return None;
        }
        r.events
            .iter()
            .rev()
            .find(|e| e.action == "return" || e.action == "reopen")
            .map(|e| e.reason.clone())
    }
}

pub fn find_period(state: &Context, code: &str) -> Result<Period, AppError> {
    let code: PeriodCode = code
        .parse()
        .map_err(|e: bangfu_domain::period::PeriodCodeError| AppError::BadRequest(e.to_string()))?;
    state
        .plan
        .periods()
        .into_iter()
        .find(|p| p.code == code)
        .ok_or_else(|| AppError::BadRequest(format!("报送期 {code} 不在本方案的报送安排内")))
}

/// The latest period that has begun by today (the first one before the plan starts): where the
/// summary and reconciliation pages open.
pub fn latest_begun_period(state: &Context) -> Result<Period, AppError> {
    let today = state.clock.today();
    let periods = state.plan.periods();
    let latest = periods
        .iter()
        .rev()
        .find(|p| p.starts_on <= today)
        .or(periods.first());
    latest.cloned().ok_or(AppError::NotFound)
}

fn find_unit(state: &Context, code: &str) -> Result<Unit, AppError> {
    state.plan.unit(code).cloned().ok_or(AppError::NotFound)
}

pub async fn load(
    state: &Context,
    actor: &Actor,
    period: &str,
    unit: &str,
) -> Result<LoadedReport, AppError> {
    actor.require(Action::ViewReport { unit })?;
    let period = find_period(state, period)?;
    let unit = find_unit(state, unit)?;
    let stored = state
        .store
        .report(&period.code.to_string(), &unit.code)
        .await?;
    Ok(LoadedReport {
        period,
        unit,
        stored,
    })
}

/// The same unit's values of the previous quarter in the same year (for the decrease warning).
pub async fn previous_values(
    state: &Context,
    period: &Period,
    unit: &str,
) -> Result<BTreeMap<String, Quantity>, AppError> {
    if state.plan.schedule.basis != ValueBasis::Ytd {
        return Ok(BTreeMap::new());
    }
    let Some(previous) = period.code.previous_in_year() else {
        return Ok(BTreeMap::new());
    };
    Ok(state
        .store
        .report(&previous.to_string(), unit)
        .await?
        .map(|r| {
            r.entries
                .into_iter()
                .filter_map(|(k, e)| Some((k, e.value?)))
                .collect()
        })
        .unwrap_or_default())
}

/// A report's status, version and values, and the previous quarter's values of the same year (for
/// the decrease rule when values are year to date), read together.
async fn save_facts(
    state: &Context,
    period: &Period,
    unit: &str,
) -> Result<(ReportValues, BTreeMap<String, Quantity>), AppError> {
    let previous = period
        .code
        .previous_in_year()
        .filter(|_| state.plan.schedule.basis == ValueBasis::Ytd)
        .map(|p| p.to_string());
    let here = period.code.to_string();
    let mut periods = vec![here.clone()];
    periods.extend(previous.clone());
    let mut found = state.store.report_entries(unit, &periods).await?;
    // No report yet: a draft at version 0, as the store creates it.
    let current = found.remove(&here).unwrap_or(ReportValues {
        status: ReportStatus::Draft,
        version: 0,
        entries: BTreeMap::new(),
    });
    let before = previous
        .and_then(|p| found.remove(&p))
        .map(|found| {
            found
                .entries
                .into_iter()
                .filter_map(|(k, e)| Some((k, e.value?)))
                .collect()
        })
        .unwrap_or_default();
    Ok((current, before))
}

/// What a save returns: the new version and any warnings.
pub struct Saved {
    pub version: i64,
    pub warnings: Vec<Finding>,
}

/// Validates and saves values and narrative. On any error nothing is written.
pub async fn save(
    state: &Context,
    actor: &Actor,
    period: &str,
    unit: &str,
    raw: &[RawEntry],
    narrative: Option<Narrative>,
    expected_version: Option<i64>,
) -> Result<Saved, AppError> {
    actor.require(Action::EditReport { unit })?;
    let period = find_period(state, period)?;
    let found = find_unit(state, unit)?;
    let unit = found.code.as_str();
    // Only what the rules need, this quarter's and the previous one's values, in one query: the
    // deadline rush is made of saves.
    let (current, previous) = save_facts(state, &period, unit).await?;
    let status = current.status;
    if !status.editable() {
        return Err(AppError::Store(bangfu_store::StoreError::NotEditable(
            status.label().into(),
        )));
    }
    // Every mistake in one round: the cells that are not numbers and the narrative's.
    let mut problems = Vec::new();
    let parsed = match parse_entries(&state.plan, unit, raw) {
        Ok(parsed) => parsed,
        // Rows of another unit are a permission matter, not a typing mistake.
        Err(findings) if findings.iter().any(|f| f.rule == "not_owned") => {
            return Err(AppError::Forbidden)
        }
        Err(findings) => {
            problems.extend(findings);
            BTreeMap::new()
        }
    };
    if let Some(n) = &narrative {
        problems.extend(check_narrative(n));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let mut merged = current.entries.clone();
    merged.extend(parsed.clone());
    // The registers' 说明 rule refuses only 报送 (a draft is shown with its warnings on the page):
    // saves stay as cheap as before, the deadline rush being made of them.
    let findings = check_report(&state.plan, unit, &merged, &previous, CheckMode::Save);
    if has_errors(&findings) {
        return Err(AppError::Validation(findings));
    }
    let version = state
        .store
        .save_report(SaveReport {
            period: period.code.to_string(),
            unit: unit.to_string(),
            expected_version,
            entries: parsed,
            narrative,
            actor: actor.login().to_string(),
            address: actor.address.clone(),
            imported_from: None,
            known: Some((current.version, current.entries)),
        })
        .await?;
    Ok(Saved {
        version,
        warnings: findings
            .into_iter()
            .filter(|f| f.severity == Severity::Warning)
            .collect(),
    })
}

/// Submits, returns, approves or reopens a report, as the policy and the workflow allow.
pub async fn transition(
    state: &Context,
    actor: &Actor,
    period: &str,
    unit: &str,
    action: WorkflowAction,
    reason: &str,
    expected_version: Option<i64>,
) -> Result<(), AppError> {
    match action {
        WorkflowAction::Submit => actor.require(Action::EditReport { unit })?,
        _ => actor.require(Action::ReviewReport)?,
    }
    let reason = reason.trim();
    // A missing or unfit reason is a rule refused (422), not a malformed request.
    check_text("原因", reason, MAX_NARRATIVE_CHARS).map_err(|e| AppError::rejected(vec![e]))?;
    if action.needs_reason() && reason.is_empty() {
        return Err(AppError::rejected(vec![format!(
            "{}时必须填写原因",
            action.label()
        )]));
    }
    let report = load(state, actor, period, unit).await?;
    action
        .apply(report.status())
        .map_err(|m| AppError::Store(bangfu_store::StoreError::Workflow(m)))?;
    let mut late = false;
    if action == WorkflowAction::Submit {
        let previous = previous_values(state, &report.period, unit).await?;
        let mut findings = check_report(
            &state.plan,
            unit,
            &report.entries(),
            &previous,
            CheckMode::Submit,
        );
        let computed = crate::registries::computed(state, &report.period, unit).await?;
        findings.extend(check_against_registers(
            &state.plan,
            &report.entries(),
            &computed,
            CheckMode::Submit,
        ));
        if has_errors(&findings) {
            return Err(AppError::Validation(findings));
        }
        late = is_late(&report.period, state.clock.today());
    }
    let notify = match action {
        WorkflowAction::Return => {
            crate::notify::report_step_messages(
                state,
                &report.period,
                unit,
                Some(reason),
                report.version(),
            )
            .await?
        }
        WorkflowAction::Approve => {
            crate::notify::report_step_messages(state, &report.period, unit, None, report.version())
                .await?
        }
        _ => Vec::new(),
    };
    state
        .store
        .transition(Transition {
            period: report.period.code.to_string(),
            unit: unit.to_string(),
            action,
            expected_version,
            reason: reason.to_string(),
            actor: actor.login().to_string(),
            address: actor.address.clone(),
            at: state.clock.now(),
            late,
            reporter: Some((actor.user.display_name.clone(), actor.user.phone.clone())),
            notify,
        })
        .await?;
    Ok(())
}

/// The district summary of a period: per row the total and each unit's value.
pub async fn summary(
    state: &Context,
    actor: &Actor,
    period: &str,
    basis: ValueBasis,
    scope: ReportScope,
) -> Result<(Period, Vec<SummaryRow>), AppError> {
    actor.require(Action::ViewDistrict)?;
    summary_rows(state, period, basis, scope).await
}

/// The district summary without the policy check (for the command line and other callers that
/// have checked it).
pub async fn summary_rows(
    state: &Context,
    period: &str,
    basis: ValueBasis,
    scope: ReportScope,
) -> Result<(Period, Vec<SummaryRow>), AppError> {
    let period = find_period(state, period)?;
    let wanted_quarters: Vec<PeriodCode> = match (state.plan.schedule.basis, basis) {
        (ValueBasis::Ytd, ValueBasis::Ytd) | (ValueBasis::Quarter, ValueBasis::Quarter) => {
            vec![period.code]
        }
        (ValueBasis::Ytd, ValueBasis::Quarter) => period
            .code
            .previous_in_year()
            .into_iter()
            .chain([period.code])
            .collect(),
        (ValueBasis::Quarter, ValueBasis::Ytd) => year_to_date(period.code),
    };
    let mut series = Vec::with_capacity(wanted_quarters.len());
    for code in wanted_quarters {
        let code = code.to_string();
        // The totals are summed from the same rows as the units' figures (exact integers, checked):
        // one read of the quarter instead of a second scan for SUM.
        let mut sums: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_row: UnitValues = BTreeMap::new();
        for v in state.store.unit_values(&code, scope).await? {
            let sum = sums.entry(v.indicator_code.clone()).or_default();
            *sum = sum.checked_add(v.value_scaled).ok_or_else(|| {
                AppError::Internal(format!("{} 的合计超出可表示的范围", v.indicator_code))
            })?;
            by_row
                .entry(v.indicator_code)
                .or_default()
                .insert(v.unit_code, Quantity::from_scaled(v.value_scaled));
        }
        let totals = sums
            .into_iter()
            .map(|(row, sum)| (row, Quantity::from_scaled(sum)))
            .collect();
        series.push((totals, by_row));
    }
    Ok((period, district_summary(&state.plan, basis, &series)))
}

/// One row of the completeness matrix.
pub struct MatrixRow {
    pub unit: Unit,
    pub cells: Vec<(String, Completeness, bool)>,
}

pub struct Matrix {
    pub periods: Vec<Period>,
    pub rows: Vec<MatrixRow>,
    pub counts: Vec<PeriodCounts>,
}

pub async fn completeness(
    state: &Context,
    actor: &Actor,
    year: Option<i32>,
) -> Result<Matrix, AppError> {
    actor.require(Action::ViewDistrict)?;
    let periods = periods_of_year(&state.plan, year);
    let states = state.store.report_states(year).await?;
    // Looked up per cell: by key, not by scanning every report of the year(s).
    let by_key: std::collections::HashMap<(&str, &str), &bangfu_store::ReportState> = states
        .iter()
        .map(|s| ((s.period_code.as_str(), s.unit_code.as_str()), s))
        .collect();
    let today = state.clock.today();
    let mut counts = vec![PeriodCounts::default(); periods.len()];
    let rows = reporting_units(&state.plan)
        .into_iter()
        .map(|unit| {
            let cells = periods
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let code = p.code.to_string();
                    let found = by_key.get(&(code.as_str(), unit.code.as_str()));
                    let status = found.and_then(|s| ReportStatus::parse(&s.status));
                    let late = found.is_some_and(|s| s.late);
                    let cell =
                        Completeness::of(status, late, DeadlineStatus::between(today, p.deadline));
                    counts[i].add(cell, late);
                    (code, cell, late)
                })
                .collect();
            MatrixRow {
                unit: unit.clone(),
                cells,
            }
        })
        .collect();
    Ok(Matrix {
        periods,
        rows,
        counts,
    })
}
