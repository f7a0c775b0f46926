//! One pairing's annual summary (结对帮扶年度总结) for a recipient area: the pairings, the area's
//! poverty figures, the funds and projects of the ledger in the area, the tasks that name it, and
//! what the units' reports of the year say about it, attributed. The same document form as the
//! district's report, without the 附件.

use super::{begun_periods, counted_reports, draft_note, numbered, quarter_name, to_bytes};
use crate::{AppError, Context};
use bangfu_docx::{Part, WrittenReport};
use bangfu_domain::ledger::{Money, TxKind};
use bangfu_domain::plan::{Area, Plan};
use bangfu_domain::policy::Action;
use bangfu_domain::summary::ReportScope;
use bangfu_domain::supervision::evaluate;
use bangfu_store::StoredReport;
use chrono::Datelike;

/// The pairing summary of `area` for `year` as a .docx, for those who may see the district.
pub async fn pairing_docx(
    state: &Context,
    actor: &crate::Actor,
    area: &str,
    year: i32,
    scope: ReportScope,
) -> Result<(Area, Vec<u8>), AppError> {
    actor.require(Action::ViewDistrict)?;
    let area = state.plan.area(area).cloned().ok_or(AppError::NotFound)?;
    let report = pairing_report(state, &area.code, year, scope).await?;
    Ok((area, to_bytes(&report)?))
}

/// The pairing summary's content (without the policy check).
pub async fn pairing_report(
    state: &Context,
    area: &str,
    year: i32,
    scope: ReportScope,
) -> Result<WrittenReport, AppError> {
    let plan = &state.plan;
    let area = plan.area(area).ok_or(AppError::NotFound)?;
    let family = family(plan, &area.code);
    let periods = begun_periods(state, year)?;
    let last = periods.last().expect("begun_periods returns at least one");
    let sections: [(&str, Vec<String>); 5] = [
        ("结对关系", pairings(plan, &family)),
        ("受援地基本情况", area_figures(state, area, year).await?),
        ("资金和项目", funds(state, &family, year).await?),
        ("任务进展", tasks(state, &family, year, last.ends_on).await?),
        (
            "各单位工作情况",
            said_about(state, &family, &periods, scope).await?,
        ),
    ];
    let parts = sections
        .into_iter()
        .enumerate()
        .map(|(i, (heading, paragraphs))| Part {
            heading: numbered(i, heading),
            paragraphs,
        })
        .collect();
    Ok(WrittenReport {
        title: format!(
            "{}与{}帮扶协作工作情况（{year}年）",
            plan.info.district, area.name
        ),
        date_line: format!(
            "（{year}年，截至{}）　{}　{}",
            last.label(),
            plan.party_name(&plan.info.coordinator),
            state.clock.today().format("%Y年%-m月%-d日")
        ),
        draft_note: draft_note(scope),
        parts,
        appendix: None,
    })
}

/// The area and every area below it (a county and its towns), in plan order.
fn family<'a>(plan: &'a Plan, code: &str) -> Vec<&'a Area> {
    plan.areas
        .iter()
        .filter(|a| {
            std::iter::successors(Some(*a), |x| x.parent.as_deref().and_then(|p| plan.area(p)))
                .any(|x| x.code == code)
        })
        .collect()
}

fn in_family(family: &[&Area], code: &str) -> bool {
    family.iter().any(|a| a.code == code)
}

fn pairings(plan: &Plan, family: &[&Area]) -> Vec<String> {
    let lines: Vec<String> = plan
        .pairings
        .iter()
        .filter(|p| in_family(family, &p.area))
        .map(|p| {
            let kind = plan
                .pairing_kinds
                .iter()
                .find(|k| k.code == p.kind)
                .map_or(p.kind.as_str(), |k| k.name.as_str());
            let note = p
                .note
                .as_deref()
                .map_or(String::new(), |n| format!("：{n}"));
            format!(
                "{}与{}（{kind}）{note}。",
                plan.party_name(&p.donor),
                plan.area_name(&p.area)
            )
        })
        .collect();
    or_say(lines, "本方案未列出与该地区的结对关系。")
}

async fn area_figures(state: &Context, area: &Area, year: i32) -> Result<Vec<String>, AppError> {
    let stats = state.store.area_stats(&area.code).await?;
    let line = stats
        .iter()
        .find(|s| s.stats.year == year)
        .map(|s| format!("{}{}。", area.name, s.stats.summary()));
    Ok(vec![line.unwrap_or_else(|| {
        format!("尚未录入{}{year}年的贫困统计数据。", area.name)
    })])
}

/// The ledger's projects in the area, with what was allocated and disbursed in the year.
async fn funds(state: &Context, family: &[&Area], year: i32) -> Result<Vec<String>, AppError> {
    let projects = state.store.projects().await?;
    let transactions = state.store.transactions().await?;
    let mut lines = Vec::new();
    let (mut allocated, mut disbursed) = (0i64, 0i64);
    // Sums in fen, checked: an overflow is an error, never a wrapped or saturated figure.
    let add = |a: i64, b: i64| {
        a.checked_add(b)
            .ok_or_else(|| AppError::Internal("资金合计超出可计算的范围".into()))
    };
    for p in projects.iter().filter(|p| in_family(family, &p.area)) {
        let of_year = |kind: TxKind| -> Result<i64, AppError> {
            transactions
                .iter()
                .filter(|t| t.project == p.id && t.kind == kind && t.date.year() == year)
                .try_fold(0i64, |sum, t| add(sum, t.signed_fen()))
        };
        let (a, d) = (of_year(TxKind::Allocation)?, of_year(TxKind::Disbursement)?);
        allocated = add(allocated, a)?;
        disbursed = add(disbursed, d)?;
        lines.push(format!(
            "{}（{}，{}）：批复 {} 万元，{year}年下达 {} 万元、拨付 {} 万元，{}。",
            p.name,
            state.plan.area_name(&p.area),
            state.plan.party_name(&p.unit),
            p.approved_total().wan(),
            Money::from_fen(a).wan(),
            Money::from_fen(d).wan(),
            p.status.label()
        ));
    }
    if lines.is_empty() {
        return Ok(vec!["资金台账中没有该地区的援建项目。".into()]);
    }
    lines.insert(
        0,
        format!(
            "{year}年资金台账记录援建项目 {} 个，下达资金 {} 万元，拨付 {} 万元。",
            lines.len(),
            Money::from_fen(allocated).wan(),
            Money::from_fen(disbursed).wan()
        ),
    );
    Ok(lines)
}

/// The targets of tasks that name the area (or a place in it), with their status.
async fn tasks(
    state: &Context,
    family: &[&Area],
    year: i32,
    as_of: chrono::NaiveDate,
) -> Result<Vec<String>, AppError> {
    let plan = &state.plan;
    let (_, totals) = crate::oversight::year_totals(state, year).await?;
    let updates = crate::oversight::progress_updates(state).await?;
    let lines: Vec<String> = evaluate(plan, year, as_of, &totals, &updates)
        .into_iter()
        .filter(|p| p.task.areas.iter().any(|a| in_family(family, a)))
        .map(|p| {
            let percent = p.percent.map_or(String::new(), |n| format!("，完成 {n}%"));
            format!(
                "{}：{}（{}{percent}），牵头单位 {}。",
                p.task_code,
                p.description,
                p.status.label(),
                plan.lead_names(p.task).join("、")
            )
        })
        .collect();
    Ok(or_say(lines, "本方案没有专门针对该地区的任务。"))
}

/// The sentences of the year's reports that name the area or a place in it, attributed.
async fn said_about(
    state: &Context,
    family: &[&Area],
    periods: &[bangfu_domain::period::Period],
    scope: ReportScope,
) -> Result<Vec<String>, AppError> {
    let names: Vec<&str> = family
        .iter()
        .flat_map(|a| std::iter::once(a.name.as_str()).chain(a.short_name.as_deref()))
        .collect();
    let mut lines = Vec::new();
    for period in periods {
        for (unit, report) in counted_reports(state, period, scope).await? {
            let sentences = mentions(&report, &names);
            if !sentences.is_empty() {
                lines.push(format!(
                    "（{}，{}）{}",
                    state.plan.party_name(&unit),
                    quarter_name(period),
                    sentences.concat()
                ));
            }
        }
    }
    Ok(or_say(lines, "本年各单位的报表中没有提到该地区的内容。"))
}

/// The sentences of a report's 进展情况 that name one of `names`, each once, with its full stop.
fn mentions(report: &StoredReport, names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sentence in report
        .narrative
        .progress
        .split_inclusive(['。', '；', '\n'])
    {
        let sentence = sentence.trim();
        if names.iter().any(|n| sentence.contains(n)) && !out.iter().any(|s| s == sentence) {
            let mut s = sentence.trim_end_matches(['；', '\n']).to_string();
            if !s.ends_with('。') {
                s.push('。');
            }
            out.push(s);
        }
    }
    out
}

fn or_say(lines: Vec<String>, empty: &str) -> Vec<String> {
    if lines.is_empty() {
        vec![empty.to_string()]
    } else {
        lines
    }
}
