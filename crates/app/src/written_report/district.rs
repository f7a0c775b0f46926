//! The district's written report: for a quarter (《…帮扶协作工作进展情况》) or for a year
//! (《…年帮扶协作工作总结》). The district's figures in sentences, each section with the units' own
//! 进展情况, problems, next steps, targets behind, the reporting status and the form as the 附件.

use super::wording::year_on_year;
use super::{
    begun_periods, counted_reports, draft_note, figure, numbered, quarter_name, to_bytes, top_of,
    value_text,
};
use crate::reporting::{find_period, summary_rows};
use crate::{AppError, Context};
use bangfu_docx::{Appendix, AppendixRow, Part, WrittenReport};
use bangfu_domain::period::{DeadlineStatus, Period, PeriodCode};
use bangfu_domain::plan::{Indicator, Plan, ValueBasis};
use bangfu_domain::policy::Action;
use bangfu_domain::problem::ProblemStatus;
use bangfu_domain::quantity::Quantity;
use bangfu_domain::report::ReportStatus;
use bangfu_domain::summary::{reporting_units, ReportScope, SummaryRow};
use bangfu_domain::supervision::{behind, evaluate};
use bangfu_store::{Problem, StoredReport};
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

    /// "（区教委）" in a quarter's document, "（区教委，第二季度）" in a year's; "，草稿" is added to
    /// the words of a report not (yet) submitted, so that a draft counted on request is marked
    /// at each sentence, not only in the note at the top.
    fn attribution(
        &self,
        plan: &Plan,
        unit: &str,
        period: &Period,
        report: &StoredReport,
    ) -> String {
        let mut who = vec![plan.party_name(unit).to_string()];
        if self.year.is_some() {
            who.push(quarter_name(period));
        }
        if report.status.editable() {
            who.push("草稿".into());
        }
        format!("（{}）", who.join("，"))
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
    let before = a_year_before(state, last, scope).await?;
    let ytd: BTreeMap<&str, &SummaryRow> = ytd.iter().map(|r| (r.indicator.as_str(), r)).collect();
    let before: BTreeMap<&str, &SummaryRow> =
        before.iter().map(|r| (r.indicator.as_str(), r)).collect();
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
        paragraphs: vec![overview(plan, &end, &ytd, &quarter, &before)],
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
            plan.party_name(&plan.info.coordinator),
            state.clock.today().format("%Y年%-m月%-d日")
        ),
        draft_note: draft_note(scope),
        parts,
        appendix: Some(appendix(plan, last, &ytd, scope)),
    })
}

/// One part per section of the plan: its figures, then each unit's 进展情况 once per period, under
/// the section of [`home_section`].
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
                let fills_here = home_section(plan, unit, report) == Some(section.code.as_str());
                let progress = report.narrative.progress.trim();
                if fills_here && !progress.is_empty() {
                    paragraphs.push(format!(
                        "{}{progress}",
                        span.attribution(plan, unit, period, report)
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

/// The section a report's words stand under, once: that of the first of the unit's rows where
/// the report gives a value other than 0, else that of the unit's first row. (Nearly every unit
/// also fills 政府援助's 其他单位结对数 row, mostly with 0, so "the first row it fills" would put
/// 区委宣传部's donations under 政府援助 rather than 社会帮扶.)
fn home_section<'a>(plan: &'a Plan, unit: &str, report: &StoredReport) -> Option<&'a str> {
    let rows = plan.indicators_for_unit(unit);
    let reported = rows.iter().find(|i| {
        report
            .entries
            .get(&i.code)
            .and_then(|e| e.value)
            .is_some_and(|v| v != Quantity::ZERO)
    });
    reported.or(rows.first()).map(|i| top_of(plan, i))
}

/// The year-to-date rows of the same quarter a year before, in the same scope; none when the
/// plan's reporting had not begun then.
async fn a_year_before(
    state: &Context,
    period: &Period,
    scope: ReportScope,
) -> Result<Vec<SummaryRow>, AppError> {
    let Some(code) = PeriodCode::new(period.code.year() - 1, period.code.quarter()) else {
        return Ok(Vec::new());
    };
    if !state.plan.periods().iter().any(|p| p.code == code) {
        return Ok(Vec::new());
    }
    Ok(
        summary_rows(state, &code.to_string(), ValueBasis::Ytd, scope)
            .await?
            .1,
    )
}

/// "截至2018年6月，全区累计东西部扶贫协作、对口支援财政援助资金 250.50 万元（本季度新增 …），
/// 同比增加 …（…%）；…"
fn overview(
    plan: &Plan,
    end: &str,
    ytd: &BTreeMap<&str, &SummaryRow>,
    quarter: &BTreeMap<&str, &SummaryRow>,
    before: &BTreeMap<&str, &SummaryRow>,
) -> String {
    let clauses: Vec<String> = plan
        .dashboard_key_rows()
        .into_iter()
        .filter_map(|row| {
            let code = row.code.as_str();
            let now = ytd.get(code).and_then(|r| r.total)?;
            let total = figure(plan, row, ytd.get(code))?;
            let added = figure(plan, row, quarter.get(code))
                .map_or(String::new(), |q| format!("（本季度新增 {q}）"));
            let unit = row.unit.as_deref().unwrap_or_default();
            let change = year_on_year(
                now,
                before.get(code).and_then(|r| r.total),
                unit,
                plan.precision(unit),
            );
            Some(format!("{} {total}{added}，{change}", row.name))
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
                format!("{}{}", span.attribution(plan, u, period, r), pick(r).trim())
            })
            .collect()
    };
    // The problems log as it stood for the document's period: raised by its end, not resolved.
    let end = span.last().ends_on;
    let log: Vec<Problem> = state
        .store
        .problems()
        .await?
        .into_iter()
        .filter(|p| p.status != ProblemStatus::Resolved && p.raised_on <= end)
        .collect();
    let mut problems = said(|r| &r.narrative.problems);
    problems.extend(log.iter().map(|p| {
        format!(
            "（问题台账，{}）{}",
            plan.party_name(&p.unit),
            p.description.trim()
        )
    }));
    let mut next_steps = said(|r| &r.narrative.next_steps);
    next_steps.extend(log.iter().map(|p| follow_up(plan, p)));
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
        none(next_steps, "各单位未报告下步打算。"),
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

/// An open problem as a next step: "（问题台账，区教委）推动解决“…”，责任人张三，2018年7月31日前办结。"
fn follow_up(plan: &Plan, p: &Problem) -> String {
    let first_line = p.description.trim().lines().next().unwrap_or_default();
    let owner = match p.owner.trim() {
        "" => String::new(),
        o => format!("，责任人{o}"),
    };
    let due = p.due.map_or("，尚未确定办结时限".to_string(), |d| {
        format!("，{}前办结", d.format("%Y年%-m月%-d日"))
    });
    format!(
        "（问题台账，{}）推动解决“{first_line}”{owner}{due}。",
        plan.party_name(&p.unit)
    )
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
            let done = p
                .percent
                .map_or("暂无完成数据".to_string(), |n| format!("完成 {n}%"));
            format!(
                "{}：{}，{done}，牵头单位 {}",
                p.task_code,
                p.description,
                plan.lead_names(p.task).join("、")
            )
        })
        .collect())
}

/// The lines of the reporting status, in this order. Timeliness is kept apart from the review:
/// a report sent late stays 迟报 after it is approved; the review shows after the unit's name.
const STATUS_LINES: [&str; 4] = ["按时报送", "迟报", "缺报", "未到截止日尚未报送"];

/// "按时报送（3 个）：区教委（已审核）、…", one line per non-empty state in [`STATUS_LINES`]'s
/// order; prefixed with the quarter in a year's document.
async fn reporting_status(
    state: &Context,
    period: &Period,
    with_quarter: bool,
) -> Result<Vec<String>, AppError> {
    let plan = &state.plan;
    let overdue = matches!(
        period.deadline_status(state.clock.today()),
        DeadlineStatus::Overdue(_)
    );
    let states = state.store.report_states(Some(period.code.year())).await?;
    let code = period.code.to_string();
    let mut lines: [Vec<String>; 4] = Default::default();
    for unit in reporting_units(plan) {
        let found = states
            .iter()
            .find(|s| s.period_code == code && s.unit_code == unit.code);
        let status = found.and_then(|s| ReportStatus::parse(&s.status));
        let late = found.is_some_and(|s| s.late);
        // A returned report was sent (its timeliness stands) and is being corrected.
        let (line, review) = match status {
            Some(ReportStatus::Approved) => (usize::from(late), "（已审核）"),
            Some(ReportStatus::Returned) => (usize::from(late), "（已退回修改）"),
            Some(ReportStatus::Submitted) => (usize::from(late), ""),
            _ if overdue => (2, ""),
            _ => (3, ""),
        };
        lines[line].push(format!("{}{review}", unit.name));
    }
    let prefix = if with_quarter {
        format!("{}，", quarter_name(period))
    } else {
        String::new()
    };
    Ok(STATUS_LINES
        .into_iter()
        .zip(lines)
        .filter(|(_, units)| !units.is_empty())
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
        .enumerate()
        .map(|(n, i)| AppendixRow {
            label: format!("{}{}", "　".repeat(plan.depth(i)), i.label()),
            unit: i.unit.clone().unwrap_or_default(),
            value: if i.takes_value() {
                value_text(plan, i, ytd.get(i.code.as_str())).unwrap_or_else(|| "—".into())
            } else {
                String::new()
            },
            filled_by: i
                .cell
                .as_deref()
                .and_then(|c| plan.cell(c))
                .map_or(String::new(), |c| c.text.clone()),
            heading: i.is_heading(),
            // The spreadsheet form's rule: a run of rows sharing a cell is one merged cell.
            same_filler_as_above: n > 0 && plan.indicators[n - 1].cell == i.cell,
        })
        .collect();
    Appendix {
        title: plan.info.form_title.clone(),
        columns: bangfu_xlsx::FORM_COLUMNS.map(String::from),
        subtitle: format!(
            "{}（年初至本季度末累计数，{}）",
            period.label(),
            scope.label()
        ),
        rows,
    }
}
