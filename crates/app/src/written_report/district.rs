//! The district's written report: for a quarter (《…帮扶协作工作进展情况》) or for a year
//! (《…年帮扶协作工作总结》). The district's figures in sentences, each section with the units' own
//! 进展情况, problems, next steps, targets behind, the reporting status and the form as the 附件.

use super::{
    begun_periods, counted_reports, draft_note, figure, numbered, quarter_name, to_bytes, top_of,
};
use crate::reporting::{find_period, summary_rows};
use crate::{AppError, Context};
use bangfu_docx::{Appendix, AppendixRow, Part, WrittenReport};
use bangfu_domain::period::Period;
use bangfu_domain::plan::{Indicator, Plan, ValueBasis};
use bangfu_domain::policy::Action;
use bangfu_domain::problem::ProblemStatus;
use bangfu_domain::summary::{reporting_units, Completeness, ReportScope, SummaryRow};
use bangfu_domain::supervision::{behind, evaluate};
use bangfu_store::StoredReport;
use std::collections::BTreeMap;

/// What a district document covers: one quarter, or the quarters of a year begun so far. The
/// figures are those at the last period's end (year to date).
struct Span {
    periods: Vec<Period>,
    year: Option<i32>,
}

impl Span {
    fn last(&self) -> &Period {
        self.periods.last().expect("a span has at least one period")
    }

    /// "（区教委）" in a quarter's document, "（区教委，第二季度）" in a year's.
    fn attribution(&self, plan: &Plan, unit: &str, period: &Period) -> String {
        match self.year {
            None => format!("（{}）", plan.party_name(unit)),
            Some(_) => format!("（{}，{}）", plan.party_name(unit), quarter_name(period)),
        }
    }
}

/// A span's counted reports, period by period.
type Counted = Vec<(Period, Vec<(String, StoredReport)>)>;

/// The written report of `period` as a .docx, for those who may see the district's figures.
pub async fn district_docx(
    state: &Context,
    actor: &crate::Actor,
    period: &str,
    scope: ReportScope,
) -> Result<(Period, Vec<u8>), AppError> {
    actor.require(Action::ViewDistrict)?;
    let (period, report) = district_report(state, period, scope).await?;
    Ok((period, to_bytes(&report)?))
}

/// The year's summary as a .docx, for those who may see the district's figures.
pub async fn year_docx(
    state: &Context,
    actor: &crate::Actor,
    year: i32,
    scope: ReportScope,
) -> Result<Vec<u8>, AppError> {
    actor.require(Action::ViewDistrict)?;
    to_bytes(&year_report(state, year, scope).await?)
}

/// The quarter's report (without the policy check: the command line has checked it).
pub async fn district_report(
    state: &Context,
    period: &str,
    scope: ReportScope,
) -> Result<(Period, WrittenReport), AppError> {
    let period = find_period(state, period)?;
    let span = Span {
        periods: vec![period.clone()],
        year: None,
    };
    Ok((period, draft(state, &span, scope).await?))
}

/// The year's summary: the quarters begun so far, figures at the latest one's end.
pub async fn year_report(
    state: &Context,
    year: i32,
    scope: ReportScope,
) -> Result<WrittenReport, AppError> {
    let span = Span {
        periods: begun_periods(state, year)?,
        year: Some(year),
    };
    draft(state, &span, scope).await
}

async fn draft(
    state: &Context,
    span: &Span,
    scope: ReportScope,
) -> Result<WrittenReport, AppError> {
    let plan = &state.plan;
    let last = span.last();
    let code = last.code.to_string();
    let (_, ytd) = summary_rows(state, &code, ValueBasis::Ytd, scope).await?;
    let (_, quarter) = summary_rows(state, &code, ValueBasis::Quarter, scope).await?;
    let ytd: BTreeMap<&str, &SummaryRow> = ytd.iter().map(|r| (r.indicator.as_str(), r)).collect();
    // A year's summary says what the year achieved, not what its last quarter added.
    let quarter: BTreeMap<&str, &SummaryRow> = match span.year {
        None => quarter.iter().map(|r| (r.indicator.as_str(), r)).collect(),
        Some(_) => BTreeMap::new(),
    };
    let mut counted: Counted = Vec::new();
    for period in &span.periods {
        counted.push((period.clone(), counted_reports(state, period, scope).await?));
    }
    let end = last.ends_on.format("%Y年%-m月").to_string();

    let mut parts = vec![Part {
        heading: "一、总体情况".into(),
        paragraphs: vec![overview(plan, &end, &ytd, &quarter)],
    }];
    parts.extend(section_parts(plan, span, &counted, &ytd));
    parts.extend(closing_parts(state, span, &counted, parts.len()).await?);
    let (title, when) = match span.year {
        None => (
            format!("{}帮扶协作工作进展情况", plan.info.district),
            last.label(),
        ),
        Some(year) => (
            format!("{}{year}年帮扶协作工作总结", plan.info.district),
            format!("{year}年，截至{}", last.label()),
        ),
    };
    Ok(WrittenReport {
        title,
        date_line: format!(
            "（{when}）　{}　{}",
            plan.info.coordinator,
            state.clock.today().format("%Y年%-m月%-d日")
        ),
        draft_note: draft_note(scope),
        parts,
        appendix: Some(appendix(plan, last, &ytd, scope)),
    })
}

/// One part per section of the plan: its figures, then each unit's 进展情况 once per period, under
/// the first section whose rows the unit fills.
fn section_parts(
    plan: &Plan,
    span: &Span,
    counted: &Counted,
    ytd: &BTreeMap<&str, &SummaryRow>,
) -> Vec<Part> {
    let mut parts = Vec::new();
    for section in plan.indicators.iter().filter(|i| i.parent.is_none()) {
        let mut paragraphs = vec![section_figures(plan, section, ytd)];
        for (period, reports) in counted {
            for (unit, report) in reports {
                let fills_here = plan
                    .indicators_for_unit(unit)
                    .first()
                    .is_some_and(|first| top_of(plan, first) == section.code);
                let progress = report.narrative.progress.trim();
                if fills_here && !progress.is_empty() {
                    paragraphs.push(format!(
                        "{}{progress}",
                        span.attribution(plan, unit, period)
                    ));
                }
            }
        }
        parts.push(Part {
            heading: numbered(parts.len() + 1, &section.name),
            paragraphs,
        });
    }
    parts
}

/// "截至2018年6月，全区累计东西部扶贫协作、对口支援财政援助资金 250.50 万元（本季度新增 …）；…"
fn overview(
    plan: &Plan,
    end: &str,
    ytd: &BTreeMap<&str, &SummaryRow>,
    quarter: &BTreeMap<&str, &SummaryRow>,
) -> String {
    let clauses: Vec<String> = plan
        .dashboard_key_rows()
        .into_iter()
        .filter_map(|row| {
            let total = figure(plan, row, ytd.get(row.code.as_str()))?;
            let added = figure(plan, row, quarter.get(row.code.as_str()))
                .map_or(String::new(), |q| format!("（本季度新增 {q}）"));
            Some(format!("{} {total}{added}", row.name))
        })
        .collect();
    if clauses.is_empty() {
        format!("截至{end}，尚无报送的数据。")
    } else {
        format!("截至{end}，全区累计{}。", clauses.join("；"))
    }
}

fn section_figures(plan: &Plan, section: &Indicator, ytd: &BTreeMap<&str, &SummaryRow>) -> String {
    let figures: Vec<String> = plan
        .indicators
        .iter()
        .filter(|i| i.takes_value() && top_of(plan, i) == section.code)
        .filter_map(|i| {
            Some(format!(
                "{} {}",
                i.name,
                figure(plan, i, ytd.get(i.code.as_str()))?
            ))
        })
        .collect();
    if figures.is_empty() {
        "本期各单位尚未报送该部分数据。".into()
    } else {
        format!("年初至今，{}。", figures.join("，"))
    }
}

/// 存在问题, 下步打算, targets behind and the reporting status.
async fn closing_parts(
    state: &Context,
    span: &Span,
    counted: &Counted,
    numbered_so_far: usize,
) -> Result<Vec<Part>, AppError> {
    let plan = &state.plan;
    let said = |pick: fn(&StoredReport) -> &str| -> Vec<String> {
        counted
            .iter()
            .flat_map(|(period, reports)| reports.iter().map(move |(u, r)| (period, u, r)))
            .filter(|(_, _, r)| !pick(r).trim().is_empty())
            .map(|(period, u, r)| {
                format!("{}{}", span.attribution(plan, u, period), pick(r).trim())
            })
            .collect()
    };
    let mut problems = said(|r| &r.narrative.problems);
    for p in state.store.problems().await? {
        if p.status != ProblemStatus::Resolved {
            problems.push(format!(
                "（问题台账，{}）{}",
                plan.party_name(&p.unit),
                p.description
            ));
        }
    }
    let lagging = lagging_targets(state, span.last()).await?;
    let mut status_lines = Vec::new();
    for period in &span.periods {
        status_lines.extend(reporting_status(state, period, span.year.is_some()).await?);
    }
    let none = |v: Vec<String>, empty: &str| {
        if v.is_empty() {
            vec![empty.to_string()]
        } else {
            v
        }
    };
    let headings = ["存在问题", "下步打算", "进度滞后的目标", "报送情况"];
    let bodies = [
        none(problems, "各单位未报告问题。"),
        none(said(|r| &r.narrative.next_steps), "各单位未报告下步打算。"),
        none(lagging, "没有进度滞后的目标。"),
        status_lines,
    ];
    Ok(headings
        .into_iter()
        .zip(bodies)
        .enumerate()
        .map(|(i, (h, paragraphs))| Part {
            heading: numbered(numbered_so_far + i, h),
            paragraphs,
        })
        .collect())
}

/// The targets behind schedule at `period`'s end, with their lead units.
async fn lagging_targets(state: &Context, period: &Period) -> Result<Vec<String>, AppError> {
    let plan = &state.plan;
    let (_, totals) = crate::oversight::year_totals(state, period.code.year()).await?;
    let updates = crate::oversight::progress_updates(state).await?;
    let progress = evaluate(plan, period.code.year(), period.ends_on, &totals, &updates);
    Ok(behind(&progress)
        .into_iter()
        .map(|p| {
            format!(
                "{}：{}，完成 {}%，牵头单位 {}",
                p.task_code,
                p.description,
                p.percent.unwrap_or(0),
                plan.lead_names(p.task).join("、")
            )
        })
        .collect())
}

/// "按时报送（3 个）：区教委、…", one line per state; prefixed with the quarter in a year's document.
async fn reporting_status(
    state: &Context,
    period: &Period,
    with_quarter: bool,
) -> Result<Vec<String>, AppError> {
    let plan = &state.plan;
    let today = state.clock.today();
    let states = state.store.report_states(Some(period.code.year())).await?;
    let code = period.code.to_string();
    let mut by_status: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for unit in reporting_units(plan) {
        let found = states
            .iter()
            .find(|s| s.period_code == code && s.unit_code == unit.code);
        let status = found.and_then(|s| bangfu_domain::report::ReportStatus::parse(&s.status));
        let cell = Completeness::of(
            status,
            found.is_some_and(|s| s.late),
            period.deadline_status(today),
        );
        by_status
            .entry(cell.label())
            .or_default()
            .push(unit.name.clone());
    }
    let prefix = if with_quarter {
        format!("{}，", quarter_name(period))
    } else {
        String::new()
    };
    Ok(by_status
        .into_iter()
        .map(|(label, units)| {
            format!(
                "{prefix}{label}（{} 个）：{}",
                units.len(),
                units.join("、")
            )
        })
        .collect())
}

/// The progress form with the district's year-to-date figures, as the 附件.
fn appendix(
    plan: &Plan,
    period: &Period,
    ytd: &BTreeMap<&str, &SummaryRow>,
    scope: ReportScope,
) -> Appendix {
    let rows = plan
        .indicators
        .iter()
        .map(|i| AppendixRow {
            label: format!("{}{}", "　".repeat(plan.depth(i)), i.label()),
            unit: i.unit.clone().unwrap_or_default(),
            value: if i.takes_value() {
                figure(plan, i, ytd.get(i.code.as_str())).map_or("—".into(), |f| {
                    f.split(' ').next().unwrap_or("").to_string()
                })
            } else {
                String::new()
            },
            filled_by: i
                .cell
                .as_deref()
                .and_then(|c| plan.cell(c))
                .map_or(String::new(), |c| c.text.clone()),
            heading: i.is_heading(),
        })
        .collect();
    Appendix {
        title: plan.info.form_title.clone(),
        subtitle: format!(
            "{}（年初至本季度末累计数，{}）",
            period.label(),
            scope.label()
        ),
        rows,
    }
}
