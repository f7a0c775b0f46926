//! The quarterly written report drafted by the system (《…帮扶协作工作进展情况》): the district's
//! figures in sentences, each section with the units' own 进展情况, problems, next steps, targets
//! behind, the reporting status and the form as the 附件. The coordinator edits it in Word.

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

const NUMBERS: [&str; 15] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
    "十五",
];

/// The written report of `period` as a .docx, for those who may see the district's figures.
pub async fn district_docx(
    state: &Context,
    actor: &crate::Actor,
    period: &str,
    scope: ReportScope,
) -> Result<(Period, Vec<u8>), AppError> {
    actor.require(Action::ViewDistrict)?;
    let (period, report) = district_report(state, period, scope).await?;
    let bytes = bangfu_docx::write(&report).map_err(AppError::Internal)?;
    Ok((period, bytes))
}

/// The report's content (without the policy check: the command line has checked it).
pub async fn district_report(
    state: &Context,
    period: &str,
    scope: ReportScope,
) -> Result<(Period, WrittenReport), AppError> {
    let plan = &state.plan;
    let period = find_period(state, period)?;
    let code = period.code.to_string();
    let (_, ytd) = summary_rows(state, &code, ValueBasis::Ytd, scope).await?;
    let (_, quarter) = summary_rows(state, &code, ValueBasis::Quarter, scope).await?;
    let ytd: BTreeMap<&str, &SummaryRow> = ytd.iter().map(|r| (r.indicator.as_str(), r)).collect();
    let quarter: BTreeMap<&str, &SummaryRow> =
        quarter.iter().map(|r| (r.indicator.as_str(), r)).collect();
    let reports = counted_reports(state, &period, scope).await?;
    let end = period.ends_on.format("%Y年%-m月").to_string();

    let mut parts = vec![Part {
        heading: "一、总体情况".into(),
        paragraphs: vec![overview(plan, &end, &ytd, &quarter)],
    }];
    let mut told = std::collections::HashSet::new();
    for section in plan.indicators.iter().filter(|i| i.parent.is_none()) {
        let figures = section_figures(plan, section, &ytd);
        let mut paragraphs = vec![figures];
        // Each unit's 进展情况 once, under the first section whose rows it fills.
        for (unit, report) in &reports {
            let fills_here = plan
                .indicators_for_unit(unit)
                .first()
                .is_some_and(|first| top_of(plan, first) == section.code);
            let progress = report.narrative.progress.trim();
            if fills_here && !progress.is_empty() && told.insert(unit.clone()) {
                paragraphs.push(format!("（{}）{progress}", plan.party_name(unit)));
            }
        }
        let number = NUMBERS.get(parts.len()).copied().unwrap_or("");
        parts.push(Part {
            heading: format!("{number}、{}", section.name),
            paragraphs,
        });
    }
    parts.extend(closing_parts(state, &period, &reports, parts.len()).await?);
    let draft_note = (scope == ReportScope::WithDrafts).then(|| {
        "说明：本稿的数字和文字含各单位尚未报送的草稿，仅供内部参考，定稿前请以报送的报表为准。"
            .to_string()
    });
    let report = WrittenReport {
        title: format!("{}帮扶协作工作进展情况", plan.info.district),
        date_line: format!(
            "（{}）　{}　{}",
            period.label(),
            plan.info.coordinator,
            state.clock.today().format("%Y年%-m月%-d日")
        ),
        draft_note,
        parts,
        appendix: appendix(plan, &period, &ytd, scope),
    };
    Ok((period, report))
}

/// The reports the document counts, by unit in the plan's order.
async fn counted_reports(
    state: &Context,
    period: &Period,
    scope: ReportScope,
) -> Result<Vec<(String, StoredReport)>, AppError> {
    let code = period.code.to_string();
    let mut out = Vec::new();
    for unit in reporting_units(&state.plan) {
        let Some(r) = state.store.report(&code, &unit.code).await? else {
            continue;
        };
        let counted = match scope {
            ReportScope::Approved => r.status == bangfu_domain::report::ReportStatus::Approved,
            ReportScope::Submitted => !r.status.editable(),
            ReportScope::WithDrafts => true,
        };
        if counted {
            out.push((unit.code.clone(), r));
        }
    }
    Ok(out)
}

fn top_of<'a>(plan: &'a Plan, row: &'a Indicator) -> &'a str {
    std::iter::successors(Some(row), |i| {
        i.parent.as_deref().and_then(|p| plan.indicator(p))
    })
    .last()
    .map_or(row.code.as_str(), |top| top.code.as_str())
}

fn figure(plan: &Plan, row: &Indicator, r: Option<&&SummaryRow>) -> Option<String> {
    let unit = row.unit.clone().unwrap_or_default();
    let value = r.and_then(|r| r.total)?;
    Some(format!(
        "{} {unit}",
        value.format_fixed(plan.precision(&unit))
    ))
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
    period: &Period,
    reports: &[(String, StoredReport)],
    numbered: usize,
) -> Result<Vec<Part>, AppError> {
    let plan = &state.plan;
    let said = |pick: fn(&StoredReport) -> &str| -> Vec<String> {
        reports
            .iter()
            .filter(|(_, r)| !pick(r).trim().is_empty())
            .map(|(u, r)| format!("（{}）{}", plan.party_name(u), pick(r).trim()))
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
    let (_, totals) = crate::oversight::year_totals(state, period.code.year()).await?;
    let updates = crate::oversight::progress_updates(state).await?;
    let progress = evaluate(plan, period.code.year(), period.ends_on, &totals, &updates);
    let lagging: Vec<String> = behind(&progress)
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
        .collect();
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
    let status_lines = by_status
        .into_iter()
        .map(|(label, units)| format!("{label}（{} 个）：{}", units.len(), units.join("、")))
        .collect();
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
            heading: format!("{}、{h}", NUMBERS.get(numbered + i).copied().unwrap_or("")),
            paragraphs,
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
