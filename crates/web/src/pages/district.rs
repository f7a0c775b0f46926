//! The coordinator's and leaders' views: completeness and timeliness of reporting, and the
//! district summary of a period with each unit's share.

use super::Nav;
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{PathParams, QueryParams};
use crate::http::docx_response;
use crate::reporting;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::plan::ValueBasis;
use bangfu_domain::summary::Completeness;
use bangfu_domain::summary::ReportScope;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "completeness.html")]
struct CompletenessPage {
    nav: Nav,
    years: Vec<i32>,
    year: Option<i32>,
    periods: Vec<(String, String)>,
    rows: Vec<MatrixLine>,
    counts: Vec<CountRow>,
    /// Each unit's contact persons with their phones, by unit code (联系人).
    contacts: std::collections::BTreeMap<String, String>,
    may_see_deliveries: bool,
}

/// A unit's code and name, and per period its cell with the report's link.
type MatrixLine = (String, String, Vec<(String, Completeness, String)>);

struct CountRow {
    expected: usize,
    reported: usize,
    on_time: usize,
    late: usize,
    missing: usize,
    returned: usize,
    approved: usize,
    report_rate: String,
    on_time_rate: String,
}

/// The completeness matrix's year: this year by default (the one the coordinator chases), every
/// year with `all` — ten years of 500 units is 20 000 cells, too many for a default.
pub fn completeness_year(state: &AppState, text: Option<&str>) -> Result<Option<i32>, AppError> {
    match text.map(str::trim) {
        Some("all") | Some("全部") => Ok(None),
        other => Ok(Some(
            crate::oversight::year_in_text(other)?
                .unwrap_or_else(|| crate::oversight::default_year(state)),
        )),
    }
}

pub async fn completeness(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearQuery>,
) -> Result<Html<String>, AppError> {
    let year = completeness_year(&state, q.year.as_deref())?;
    // The matrix and the units' contacts read at once: the page waits for the slower only.
    let (matrix, contacts) = tokio::try_join!(
        reporting::completeness(&state, &actor, year),
        bangfu_app::notify::manage::unit_contacts(&state, &actor),
    )?;
    let mut years: Vec<i32> = state.plan.periods().iter().map(|p| p.code.year()).collect();
    years.dedup();
    let contacts = contacts
        .into_iter()
        .map(|(unit, people)| {
            let named: Vec<String> = people
                .into_iter()
                .map(|p| match p.phone.as_str() {
                    "" => p.name,
                    phone => format!("{} {phone}", p.name),
                })
                .collect();
            (unit, named.join("；"))
        })
        .collect();
    let page = CompletenessPage {
        nav: Nav::for_actor(Some(&actor)),
        contacts,
        may_see_deliveries: actor.may(bangfu_domain::policy::Action::ManageDeliveries),
        years,
        year,
        periods: matrix
            .periods
            .iter()
            .map(|p| (p.code.to_string(), p.label()))
            .collect(),
        rows: matrix
            .rows
            .iter()
            .map(|r| {
                (
                    r.unit.code.clone(),
                    r.unit.name.clone(),
                    r.cells
                        .iter()
                        .map(|(period, cell, _)| {
                            (
                                period.clone(),
                                *cell,
                                format!("/reports/{period}/{}", r.unit.code),
                            )
                        })
                        .collect(),
                )
            })
            .collect(),
        counts: matrix
            .counts
            .iter()
            .map(|c| CountRow {
                expected: c.expected,
                reported: c.reported,
                on_time: c.on_time,
                late: c.late,
                missing: c.missing,
                returned: c.returned,
                approved: c.approved,
                report_rate: c.rate(c.reported),
                on_time_rate: c.rate(c.on_time),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct SummaryQuery {
    basis: Option<String>,
    approved_only: Option<String>,
    include_drafts: Option<String>,
}

impl SummaryQuery {
    pub fn basis(&self, default: ValueBasis) -> Result<ValueBasis, AppError> {
        match self.basis.as_deref().filter(|b| !b.is_empty()) {
            None => Ok(default),
            Some(b) => ValueBasis::parse(b).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "口径“{b}”无效，应为 ytd（累计）或 quarter（本季度）"
                ))
            }),
        }
    }

    pub fn scope(&self) -> ReportScope {
        let on = |v: &Option<String>| matches!(v.as_deref(), Some("true" | "1" | "on"));
        ReportScope::from_switches(on(&self.approved_only), on(&self.include_drafts))
    }
}

#[derive(Template)]
#[template(path = "summary.html")]
struct SummaryPage {
    nav: Nav,
    period_code: String,
    year: i32,
    period_label: String,
    periods: Vec<(String, String)>,
    ytd: bool,
    approved_only: bool,
    include_drafts: bool,
    /// What the figures count, said above the table.
    scope_label: &'static str,
    rows: Vec<SummaryLine>,
}

struct SummaryLine {
    /// A heading of the form (一、政府援助): no figures, the numbering's context.
    heading: bool,
    code: String,
    label: String,
    indent: usize,
    unit: String,
    total: String,
    by_unit: Vec<(String, String)>,
}

/// `/summary`: the latest period that has begun.
pub async fn summary_latest(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Response, AppError> {
    actor.require(bangfu_domain::policy::Action::ViewDistrict)?;
    let latest = reporting::latest_begun_period(&state)?;
    Ok(super::see_other(&format!("/summary/{}", latest.code)))
}

/// With drafts counted, the units whose report for `period` is not sent (草稿 or 退回), by the
/// status word the summary marks their figures with; nothing otherwise.
async fn unsent_reports(
    state: &AppState,
    period: &bangfu_domain::Period,
    scope: ReportScope,
) -> Result<std::collections::HashMap<String, &'static str>, AppError> {
    if scope != ReportScope::WithDrafts {
        return Ok(Default::default());
    }
    let code = period.code.to_string();
    Ok(state
        .store
        .report_states(Some(period.code.year()))
        .await?
        .into_iter()
        .filter(|s| s.period_code == code)
        .filter_map(|s| {
            let status = bangfu_domain::report::ReportStatus::parse(&s.status)?;
            status.editable().then(|| (s.unit_code, status.label()))
        })
        .collect())
}

pub async fn summary(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(period): PathParams<String>,
    QueryParams(q): QueryParams<SummaryQuery>,
) -> Result<Response, AppError> {
    let basis = q.basis(state.plan.schedule.basis)?;
    let scope = q.scope();
    let (period, rows) = reporting::summary(&state, &actor, &period, basis, scope).await?;
    let plan = &state.plan;
    let unsent = unsent_reports(&state, &period, scope).await?;
    let mut by_code: std::collections::HashMap<String, _> =
        rows.into_iter().map(|r| (r.indicator.clone(), r)).collect();
    // The form's order with its headings, so that "1./2./3." keep their section.
    let lines = plan
        .indicators
        .iter()
        .filter_map(|ind| {
            if !ind.takes_value() {
                return Some(SummaryLine {
                    heading: true,
                    code: ind.code.clone(),
                    label: ind.label(),
                    indent: plan.depth(ind),
                    unit: String::new(),
                    total: String::new(),
                    by_unit: Vec::new(),
                });
            }
            let r = by_code.remove(&ind.code)?;
            let precision = ind.unit.as_deref().map_or(0, |u| plan.precision(u));
            Some(SummaryLine {
                heading: false,
                code: r.indicator.clone(),
                label: ind.label(),
                indent: plan.depth(ind),
                unit: ind.unit.clone().unwrap_or_default(),
                // No unit reported the row: "—", never a 0 nobody wrote.
                total: r
                    .total
                    .map_or("—".to_string(), |t| t.format_fixed(precision)),
                by_unit: plan
                    .units_sorted()
                    .into_iter()
                    .filter_map(|u| {
                        r.by_unit.get(&u.code).map(|v| {
                            let name = match unsent.get(&u.code) {
                                Some(status) => format!("{}（{status}）", u.name),
                                None => u.name.clone(),
                            };
                            (name, v.format_fixed(precision))
                        })
                    })
                    .collect(),
            })
        })
        .collect();
    let page = SummaryPage {
        nav: Nav::for_actor(Some(&actor)),
        period_code: period.code.to_string(),
        year: period.code.year(),
        period_label: period.label(),
        periods: plan
            .periods()
            .iter()
            .map(|p| (p.code.to_string(), p.label()))
            .collect(),
        ytd: basis == ValueBasis::Ytd,
        approved_only: scope == ReportScope::Approved,
        include_drafts: scope == ReportScope::WithDrafts,
        scope_label: scope.label(),
        rows: lines,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /reports/{period}/district.docx`: the quarterly written report drafted by the system
/// (`?include_drafts=true` counts drafts and says so in the text; `?approved_only=true` counts
/// approved reports only, as the 全区汇总 page it is downloaded from).
pub async fn written_report(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(period): PathParams<String>,
    QueryParams(q): QueryParams<SummaryQuery>,
) -> Result<Response, AppError> {
    let (period, bytes) =
        bangfu_app::written_report::district_docx(&state, &actor, &period, q.scope()).await?;
    let (stem, name) = bangfu_app::written_report::quarter_file(&state.plan, &period);
    Ok(docx_response(stem, &name, bytes))
}

/// `GET /years/{year}/district.docx`: the year's written summary, the quarters begun so far.
pub async fn year_written_report(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(year): PathParams<String>,
    QueryParams(q): QueryParams<SummaryQuery>,
) -> Result<Response, AppError> {
    let year = bangfu_app::oversight::parse_year(&state, Some(&year))?;
    let bytes = bangfu_app::written_report::year_docx(&state, &actor, year, q.scope()).await?;
    let (stem, name) = bangfu_app::written_report::year_file(&state.plan, year);
    Ok(docx_response(stem, &name, bytes))
}
