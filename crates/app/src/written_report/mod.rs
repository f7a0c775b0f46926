//! Written reports drafted by the system, which the coordinator edits in Word: the district's
//! quarterly 《…帮扶协作工作进展情况》 and its yearly 总结 ([`district`]), and one pairing's annual
//! summary for a recipient area ([`pairing`]). The figures come from the same queries as the
//! summary pages, the words from the units' own reports.

mod district;
mod pairing;
mod wording;

pub use district::{district_docx, district_report, year_docx, year_report};
pub use pairing::{pairing_docx, pairing_report};

// The file names below are shared by the pages, the API and the command line.

use crate::{AppError, Context};
use bangfu_docx::WrittenReport;
use bangfu_domain::period::Period;
use bangfu_domain::plan::{Indicator, Plan};
use bangfu_domain::report::ReportStatus;
use bangfu_domain::summary::{reporting_units, ReportScope, SummaryRow};
use bangfu_store::StoredReport;

/// Chinese ordinals for the numbered parts (一、二、…).
const NUMBERS: [&str; 15] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
    "十五",
];

/// "三、" for the part at `index` (0-based).
fn numbered(index: usize, heading: &str) -> String {
    format!("{}、{heading}", NUMBERS.get(index).copied().unwrap_or(""))
}

/// The content type every written report is served with.
pub const DOCX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn to_bytes(report: &WrittenReport) -> Result<Vec<u8>, AppError> {
    bangfu_docx::write(report).map_err(AppError::Internal)
}

/// The reports a document counts for `period`, by unit in the plan's order.
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
            ReportScope::Approved => r.status == ReportStatus::Approved,
            ReportScope::Submitted => !r.status.editable(),
            ReportScope::WithDrafts => true,
        };
        if counted {
            out.push((unit.code.clone(), r));
        }
    }
    Ok(out)
}

/// The periods of `year` that have begun by today (the year's first when none has), in order.
fn begun_periods(state: &Context, year: i32) -> Result<Vec<Period>, AppError> {
    let today = state.clock.today();
    let of_year: Vec<Period> = state
        .plan
        .periods()
        .into_iter()
        .filter(|p| p.code.year() == year)
        .collect();
    let Some(first) = of_year.first().cloned() else {
        return Err(AppError::BadRequest(format!(
            "{year} 年不在本方案的报送年份内"
        )));
    };
    let begun: Vec<Period> = of_year
        .into_iter()
        .filter(|p| p.starts_on <= today)
        .collect();
    Ok(if begun.is_empty() { vec![first] } else { begun })
}

/// "第二季度" of a period, for attributing a sentence within a year's document.
fn quarter_name(period: &Period) -> String {
    let label = period.label();
    label
        .strip_prefix(&format!("{}年", period.code.year()))
        .map_or(label.clone(), str::to_string)
}

/// The top-level row (section heading) a row belongs to.
fn top_of<'a>(plan: &'a Plan, row: &'a Indicator) -> &'a str {
    std::iter::successors(Some(row), |i| {
        i.parent.as_deref().and_then(|p| plan.indicator(p))
    })
    .last()
    .map_or(row.code.as_str(), |top| top.code.as_str())
}

/// "250.50": a summary row's total, exact, in the row's unit's precision.
fn value_text(plan: &Plan, row: &Indicator, r: Option<&&SummaryRow>) -> Option<String> {
    let value = r.and_then(|r| r.total)?;
    Some(value.format_fixed(plan.precision(row.unit.as_deref().unwrap_or_default())))
}

/// "250.50 万元": a summary row's total, exact, in the row's unit and precision.
fn figure(plan: &Plan, row: &Indicator, r: Option<&&SummaryRow>) -> Option<String> {
    Some(format!(
        "{} {}",
        value_text(plan, row, r)?,
        row.unit.as_deref().unwrap_or_default()
    ))
}

/// The note at the top of a draft that counts unsubmitted reports.
fn draft_note(scope: ReportScope) -> Option<String> {
    (scope == ReportScope::WithDrafts).then(|| {
        "说明：本稿的数字和文字含各单位尚未报送的草稿，仅供内部参考，定稿前请以报送的报表为准。"
            .to_string()
    })
}

/// The download's (ASCII stem, file name) of a quarter's report.
pub fn quarter_file(plan: &bangfu_domain::Plan, period: &Period) -> (String, String) {
    (
        format!("report-{}", period.code),
        format!(
            "{}帮扶协作工作进展情况（{}）.docx",
            plan.info.district,
            period.label()
        ),
    )
}

/// The download's (ASCII stem, file name) of a year's summary.
pub fn year_file(plan: &bangfu_domain::Plan, year: i32) -> (String, String) {
    (
        format!("report-{year}"),
        format!("{}{year}年帮扶协作工作总结.docx", plan.info.district),
    )
}

/// The download's (ASCII stem, file name) of one pairing's year.
pub fn pairing_file(
    plan: &bangfu_domain::Plan,
    area: &bangfu_domain::plan::Area,
    year: i32,
) -> (String, String) {
    (
        format!("pairing-{}-{year}", area.code),
        format!(
            "{}与{}帮扶协作工作情况（{year}年）.docx",
            plan.info.district, area.name
        ),
    )
}
