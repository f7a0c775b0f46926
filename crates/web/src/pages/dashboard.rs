//! `/dashboard` (领导驾驶舱): one printable page of charts for leadership. Every chart links to
//! the table behind it.

use super::Nav;
use crate::auth::Actor;
use crate::charts::{bars, heatmap, Bar, Cell};
use crate::error::AppError;
use crate::extract::QueryParams;
use crate::oversight;
use crate::pages::tasks::status_fill;
use crate::reporting;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use bangfu_domain::policy::Action;
use bangfu_domain::summary::{Completeness, ReportScope};
use bangfu_domain::supervision::{evaluate, TargetStatus};
use bangfu_domain::{Plan, Quantity};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct DashQuery {
    year: Option<String>,
    /// `true` counts the units' unsubmitted drafts too (marked on the page); by default the
    /// figures are the submitted and approved reports', as on 全区汇总.
    include_drafts: Option<String>,
}

impl DashQuery {
    fn scope(&self) -> ReportScope {
        let drafts = matches!(self.include_drafts.as_deref(), Some("true" | "1" | "on"));
        ReportScope::from_switches(false, drafts)
    }
}

struct KeyFigure {
    label: String,
    value: String,
    unit: String,
    /// The plan's targets this row measures ("每年 不少于 5 所"), or "—".
    targets: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    year: i32,
    years: Vec<i32>,
    period_code: String,
    period_label: String,
    include_drafts: bool,
    key_figures: Vec<KeyFigure>,
    funds_chart: String,
    area_funds_chart: String,
    targets_chart: String,
    behind_count: usize,
    heat_chart: String,
    next_label: String,
    next_deadline: String,
    next_status: String,
    missing: Vec<String>,
    problems_open: usize,
    problems_overdue: usize,
    area_figures: Vec<AreaFigures>,
}

/// A pairing's recipient area with its latest yearly poverty figures.
struct AreaFigures {
    code: String,
    name: String,
    pairing: String,
    latest: Option<crate::pages::areas::FigureRow>,
}

fn cell_fill(c: Completeness) -> &'static str {
    match c {
        Completeness::Approved => "#c8e6c9",
        Completeness::OnTime => "#d2e3fc",
        Completeness::Late => "#ffe8a3",
        Completeness::Missing => "#f4c7c3",
        Completeness::Returned => "#f9d6c9",
        Completeness::Pending => "#eef0f2",
        Completeness::Draft => "#e3e7ec",
    }
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<DashQuery>,
) -> Result<Html<String>, AppError> {
    actor.require(Action::ViewDistrict)?;
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let today = state.clock.today();
    let scope = q.scope();
    // The parts read the database independently: at once, so that the page takes about as long
    // as its slowest part, on as many connections as the machine has cores for.
    let (
        (period, totals),
        funds_chart,
        area_funds_chart,
        heat_chart,
        next,
        problems,
        area_figures,
        updates,
    ) = tokio::try_join!(
        async { Ok::<_, AppError>(oversight::year_totals_in(&state, year, scope).await?) },
        funds_chart(&state, year, scope),
        area_funds(&state, year),
        heat_chart(&state, &actor, year),
        NextDeadline::gather(&state, today),
        ProblemCounts::gather(&state, today),
        area_figures(&state),
        async { Ok::<_, AppError>(oversight::progress_updates(&state).await?) },
    )?;
    let period = period.ok_or(AppError::NotFound)?;
    let key_figures = key_figures(&state.plan, &totals);
    let targets = targets_chart(&state, year, today, &totals, &updates)?;
    let page = DashboardPage {
        area_figures,
        problems_open: problems.open,
        problems_overdue: problems.overdue,
        nav: Nav::for_actor(Some(&actor)),
        year,
        years: oversight::years(&state),
        period_code: period.code.to_string(),
        period_label: period.label(),
        include_drafts: scope == ReportScope::WithDrafts,
        key_figures,
        funds_chart,
        area_funds_chart,
        targets_chart: targets.chart,
        behind_count: targets.behind_count,
        heat_chart,
        next_label: next.label,
        next_deadline: next.deadline,
        next_status: next.status,
        missing: next.missing,
    };
    Ok(Html(page.render()?))
}

/// The key figures the plan file names (`[dashboard] key_rows`) in the year's totals.
fn key_figures(plan: &Plan, totals: &BTreeMap<String, Quantity>) -> Vec<KeyFigure> {
    plan.dashboard_key_rows()
        .into_iter()
        .map(|row| {
            let unit = row.unit.clone().unwrap_or_default();
            let precision = plan.precision(&unit);
            let targets: Vec<String> = plan
                .tasks
                .iter()
                .flat_map(|t| &t.targets)
                .filter(|t| t.indicator.as_deref() == Some(row.code.as_str()))
                .map(|t| t.summary())
                .collect();
            KeyFigure {
                label: plan.row_ref(row),
                value: totals
                    .get(&row.code)
                    .map_or("—".to_string(), |v| v.format_fixed(precision)),
                unit,
                targets: if targets.is_empty() {
                    "—".to_string()
                } else {
                    targets.join("；")
                },
            }
        })
        .collect()
}

/// By year, the year-end (or latest) total of the plan's `[dashboard] funds_row`, the selected
/// `year` darker; nothing when the plan names no such row.
async fn funds_chart(state: &AppState, year: i32, scope: ReportScope) -> Result<String, AppError> {
    let plan = &state.plan;
    let Some(row) = plan
        .dashboard
        .funds_row
        .as_deref()
        .and_then(|c| plan.indicator(c))
    else {
        return Ok(String::new());
    };
    let unit = row.unit.clone().unwrap_or_default();
    let precision = plan.precision(&unit);
    let mut fund_bars = Vec::new();
    for (y, value) in oversight::row_by_year(state, &row.code, scope).await? {
        let value = value.unwrap_or_default();
        fund_bars.push(Bar {
            label: format!("{y}年"),
            value: value.decimal(),
            text: format!("{} {unit}", value.format_fixed(precision)),
            fill: if y == year { "#b3261e" } else { "#e0a39e" },
            mark: None,
        });
    }
    Ok(bars(
        "funds",
        &format!("{}（{unit}，各年累计，来自各单位报表）", row.name),
        "各年度全区报表中该项的累计数（不是资金台账的数字），当前选中年份以深色显示。",
        &fund_bars,
    ))
}

/// The year's target completion chart and how many measured targets are behind.
struct TargetsChart {
    chart: String,
    behind_count: usize,
}

fn targets_chart(
    state: &AppState,
    year: i32,
    today: NaiveDate,
    totals: &BTreeMap<String, Quantity>,
    updates: &[bangfu_domain::supervision::ProgressUpdate],
) -> Result<TargetsChart, AppError> {
    let progress = evaluate(&state.plan, year, today, totals, updates);
    let measured: Vec<_> = progress
        .iter()
        .filter(|p| p.status != TargetStatus::Unmeasured)
        .collect();
    let target_bars: Vec<Bar> = measured
        .iter()
        .map(|p| {
            let required = p.required.decimal().max(Decimal::ONE);
            Bar {
                // The whole name: the chart wraps long labels rather than cutting them.
                label: p.description.to_string(),
                value: Decimal::from(p.percent.unwrap_or(0).min(150)),
                text: format!("{}%（{}）", p.percent.unwrap_or(0), p.status.label()),
                fill: status_fill(p.status),
                mark: Some((p.expected_by_now.decimal() * Decimal::from(100) / required).round()),
            }
        })
        .collect();
    let chart = bars(
        "targets",
        &format!("{year}年目标完成率（%）"),
        "每个可由进展情况表衡量的目标的完成百分比；竖线为按已过报送期应达到的进度；红色为滞后，绿色为已完成。",
        &target_bars,
    );
    let behind_count = measured
        .iter()
        .filter(|p| p.status == TargetStatus::Behind)
        .count();
    Ok(TargetsChart {
        chart,
        behind_count,
    })
}

/// Each reporting unit's status per period of the year, worst first, so the leader sees who to ask
/// without scrolling. Units whose quarters read the same share one row ("12 个单位"), its cells
/// linking to 报送情况 where they are listed; a unit on its own links to its reports.
async fn heat_chart(state: &AppState, actor: &Actor, year: i32) -> Result<String, AppError> {
    let matrix = reporting::completeness(state, actor, Some(year)).await?;
    // Rows of the same statuses, in the units' order within each.
    // Found by pattern through a map: a search of the groups per unit was quadratic in the units.
    let mut groups: Vec<(Vec<Completeness>, Vec<&bangfu_domain::plan::Unit>)> = Vec::new();
    let mut group_of: std::collections::HashMap<Vec<Completeness>, usize> = Default::default();
    for r in &matrix.rows {
        let pattern: Vec<Completeness> = r.cells.iter().map(|(_, c, _)| *c).collect();
        match group_of.get(&pattern) {
            Some(&i) => groups[i].1.push(&r.unit),
            None => {
                group_of.insert(pattern.clone(), groups.len());
                groups.push((pattern, vec![&r.unit]));
            }
        }
    }
    groups.sort_by_key(|(pattern, units)| {
        let concern: u32 = pattern.iter().map(|c| c.concern()).sum();
        (std::cmp::Reverse(concern), units.len())
    });
    // "第一季度": the year is in the title, and the column stays as wide as its cells.
    let prefix = format!("{year}年");
    let columns: Vec<String> = matrix
        .periods
        .iter()
        .map(|p| p.label().trim_start_matches(&prefix).to_string())
        .collect();
    let heat_rows: Vec<(String, Vec<Cell>)> = groups
        .iter()
        .map(|(pattern, units)| {
            let (label, who) = match units.as_slice() {
                [one] => (one.name.clone(), one.name.clone()),
                many => (
                    format!("{} 个单位", many.len()),
                    many.iter()
                        .map(|u| u.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
            };
            let cells = pattern
                .iter()
                .zip(&matrix.periods)
                .map(|(cell, period)| Cell {
                    text: cell.label().to_string(),
                    fill: cell_fill(*cell),
                    href: match units.as_slice() {
                        [one] => format!("/reports/{}/{}", period.code, one.code),
                        _ => format!("/completeness?year={year}"),
                    },
                    who: who.clone(),
                })
                .collect();
            (label, cells)
        })
        .collect();
    Ok(heatmap(
        "timeliness",
        &format!("{year}年各单位报送情况"),
        "各填报单位各季度的报送状态：已审核、按时报送、迟报、退回、缺报、草稿、未填报；情况相同的单位合为一行，问题最多的在前。",
        &columns,
        &heat_rows,
    ))
}

/// The next deadline (or the plan's last), and who has not reported for it.
struct NextDeadline {
    label: String,
    deadline: String,
    status: String,
    missing: Vec<String>,
}

impl NextDeadline {
    async fn gather(state: &AppState, today: NaiveDate) -> Result<Self, AppError> {
        let plan = &state.plan;
        let periods = plan.periods();
        let next = periods
            .iter()
            .find(|p| p.deadline >= today)
            .or(periods.last())
            .ok_or(AppError::NotFound)?;
        let next_code = next.code.to_string();
        let states = state.store.period_states(&next_code).await?;
        // The units that have sent the quarter's report, looked up by code (a search of every
        // state per unit made the dashboard quadratic in the units).
        let sent: std::collections::HashSet<&str> = states
            .iter()
            .filter(|s| matches!(s.status.as_str(), "submitted" | "approved"))
            .map(|s| s.unit_code.as_str())
            .collect();
        let missing = bangfu_domain::summary::reporting_units(plan)
            .into_iter()
            .filter(|u| !sent.contains(u.code.as_str()))
            .map(|u| u.name.clone())
            .collect();
        Ok(NextDeadline {
            label: next.label(),
            deadline: next.deadline.format("%Y年%-m月%-d日").to_string(),
            status: next.deadline_status(today).to_string(),
            missing,
        })
    }
}

/// Problems still open, and those past their due date.
struct ProblemCounts {
    open: usize,
    overdue: usize,
}

impl ProblemCounts {
    async fn gather(state: &AppState, today: NaiveDate) -> Result<Self, AppError> {
        let problems = state.store.problems().await?;
        let open = problems
            .iter()
            .filter(|p| p.status != bangfu_domain::problem::ProblemStatus::Resolved)
            .count();
        let overdue = problems
            .iter()
            .filter(|p| bangfu_domain::problem::is_overdue(p.status, p.due, today))
            .count();
        Ok(ProblemCounts { open, overdue })
    }
}

/// Each pairing's recipient area with its latest poverty figures.
async fn area_figures(state: &AppState) -> Result<Vec<AreaFigures>, AppError> {
    let plan = &state.plan;
    let latest = state.store.latest_area_stats().await?;
    Ok(plan
        .pairings
        .iter()
        .map(|p| AreaFigures {
            code: p.area.clone(),
            name: plan.party_name(&p.area).to_string(),
            pairing: format!(
                "{}（{}）",
                plan.party_name(&p.donor),
                plan.pairing_kinds
                    .iter()
                    .find(|k| k.code == p.kind)
                    .map_or(p.kind.as_str(), |k| k.name.as_str())
            ),
            latest: latest
                .iter()
                .find(|s| s.stats.area == p.area)
                .map(crate::pages::areas::figure_row),
        })
        .collect())
}

/// Per recipient area, from the funds ledger: the year's allocations against its budget (万元).
async fn area_funds(state: &AppState, year: i32) -> Result<String, AppError> {
    let ledger = crate::ledger::Ledger::load(state).await?;
    let lines = ledger.budget_lines(year);
    let items: Vec<Bar> = crate::ledger::recipient_areas(&state.plan)
        .into_iter()
        .map(|(code, name)| {
            let of_area = || lines.iter().filter(|l| l.area == code);
            let budget: bangfu_domain::ledger::Money = of_area().map(|l| l.budget).sum();
            let allocated: bangfu_domain::ledger::Money = of_area().map(|l| l.allocated).sum();
            let disbursed: bangfu_domain::ledger::Money = of_area().map(|l| l.disbursed).sum();
            let wan = |m: bangfu_domain::ledger::Money| m.wan().round_dp(2);
            Bar {
                label: name,
                value: wan(allocated),
                text: format!(
                    "下达 {:.2} / 预算 {:.2}，已拨付 {:.2}",
                    wan(allocated),
                    wan(budget),
                    wan(disbursed)
                ),
                fill: "#1a73e8",
                mark: Some(wan(budget)),
            }
        })
        .collect();
    Ok(bars(
        "area-funds",
        &format!("各受援地资金（{year}年，万元，资金台账）"),
        "各受援地本年度已下达资金，竖线为年度预算。",
        &items,
    ))
}
