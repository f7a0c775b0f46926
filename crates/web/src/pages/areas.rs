//! `/areas`: the recipient areas (受援地) with their latest poverty figures, and each area's profile
//! (level, parents, pairings, yearly figures with trend charts) where the coordinator records a
//! year's figures.

use super::{MsgQuery, Nav};
use crate::auth::Actor;
use crate::charts::{trend, Point};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::area_stats::{self, AreaStatsInput, FieldError};
use bangfu_domain::plan::{Area, Plan};
use bangfu_domain::policy::Action;
use bangfu_store::StoredAreaStats;

/// The areas some pairing helps, in the plan's order, each once.
pub fn recipient_areas(plan: &Plan) -> Vec<&Area> {
    plan.areas
        .iter()
        .filter(|a| plan.pairings.iter().any(|p| p.area == a.code))
        .collect()
}

/// The areas above `area`, from the top down.
fn parents<'a>(plan: &'a Plan, area: &'a Area) -> Vec<&'a Area> {
    let mut chain: Vec<&Area> =
        std::iter::successors(area.parent.as_deref().and_then(|p| plan.area(p)), |a| {
            a.parent.as_deref().and_then(|p| plan.area(p))
        })
        .take(plan.areas.len())
        .collect();
    chain.reverse();
    chain
}

fn kind_name(plan: &Plan, code: &str) -> String {
    plan.pairing_kinds
        .iter()
        .find(|k| k.code == code)
        .map_or(code.to_string(), |k| k.name.clone())
}

/// A year's figures as shown in a table.
pub struct FigureRow {
    pub year: i32,
    pub poor_households: String,
    pub poor_people: String,
    pub lifted_out: String,
    pub incidence: String,
    pub poor_villages: String,
    pub delisted: String,
    /// When; who recorded it goes beside it as a person (`people::Person`).
    pub recorded_at: String,
}

pub fn figure_row(s: &StoredAreaStats) -> FigureRow {
    let f = &s.stats;
    FigureRow {
        year: f.year,
        poor_households: f.poor_households.to_string(),
        poor_people: f.poor_people.to_string(),
        lifted_out: f.lifted_out.to_string(),
        incidence: f.incidence.format_fixed(2),
        poor_villages: f.poor_villages.to_string(),
        delisted: match f.delisted_year {
            Some(y) if f.delisted => format!("已摘帽（{y}年）"),
            _ => "未摘帽".into(),
        },
        recorded_at: beijing_time(s.recorded_at),
    }
}

struct AreaItem {
    code: String,
    name: String,
    level: String,
    parents: String,
    pairings: String,
    latest: Option<FigureRow>,
}

#[derive(Template)]
#[template(path = "areas.html")]
struct AreasPage {
    nav: Nav,
    areas: Vec<AreaItem>,
}

/// `GET /areas`
pub async fn list(State(state): State<AppState>, actor: Actor) -> Result<Html<String>, AppError> {
    actor.require(Action::ViewAreas)?;
    let plan = &state.plan;
    let latest = state.store.latest_area_stats().await?;
    let areas = recipient_areas(plan)
        .into_iter()
        .map(|a| AreaItem {
            code: a.code.clone(),
            name: a.name.clone(),
            level: a.level.clone(),
            parents: parents(plan, a)
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(" › "),
            pairings: plan
                .pairings
                .iter()
                .filter(|p| p.area == a.code)
                .map(|p| {
                    format!(
                        "{}（{}）",
                        plan.party_name(&p.donor),
                        kind_name(plan, &p.kind)
                    )
                })
                .collect::<Vec<_>>()
                .join("；"),
            latest: latest
                .iter()
                .find(|s| s.stats.area == a.code)
                .map(figure_row),
        })
        .collect();
    let page = AreasPage {
        nav: Nav::for_actor(Some(&actor)),
        areas,
    };
    Ok(Html(page.render()?))
}

struct PairingItem {
    donor: String,
    kind: String,
    since: String,
    note: String,
}

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage {
    nav: Nav,
    code: String,
    name: String,
    level: String,
    parents: Vec<(String, String)>,
    children: Vec<(String, String)>,
    pairings: Vec<PairingItem>,
    figures: Vec<(FigureRow, super::people::Person)>,
    people_chart: String,
    incidence_chart: String,
    can_record: bool,
    /// The plan's years, for the annual pairing summary (Word), when the actor may draft it.
    report_years: Vec<i32>,
    report_year: i32,
    csrf: String,
    message: Option<&'static str>,
    errors: Vec<String>,
    input: AreaStatsInput,
    delisted_checked: bool,
    first_year: i32,
    last_year: i32,
}

fn find_area<'a>(plan: &'a Plan, code: &str) -> Result<&'a Area, AppError> {
    plan.area(code).ok_or(AppError::NotFound)
}

async fn render(
    state: &AppState,
    actor: &Actor,
    area: &Area,
    input: AreaStatsInput,
    errors: Vec<String>,
    message: Option<&'static str>,
) -> Result<String, AppError> {
    let plan = &state.plan;
    let stored = state.store.area_stats(&area.code).await?;
    let points = |value: &dyn Fn(&StoredAreaStats) -> (rust_decimal::Decimal, String)| {
        stored
            .iter()
            .map(|s| {
                let (value, text) = value(s);
                Point {
                    label: format!("{}年", s.stats.year),
                    value,
                    text,
                }
            })
            .collect::<Vec<_>>()
    };
    let (people_chart, incidence_chart) = if stored.is_empty() {
        (String::new(), String::new())
    } else {
        (
            trend(
                "poor-people",
                &format!("{}建档立卡贫困人口（人）", area.name),
                "各年度年末建档立卡贫困人口。",
                "#b3261e",
                &points(&|s| {
                    (
                        rust_decimal::Decimal::from(s.stats.poor_people),
                        format!("{} 人", s.stats.poor_people),
                    )
                }),
            ),
            trend(
                "incidence",
                &format!("{}贫困发生率（%）", area.name),
                "各年度贫困发生率（百分比）。",
                "#1f6feb",
                &points(&|s| {
                    (
                        s.stats.incidence.decimal(),
                        format!("{}%", s.stats.incidence.format_fixed(2)),
                    )
                }),
            ),
        )
    };
    let years = area_stats::figure_years(plan);
    let people = super::people::People::load(state).await?;
    let page = AreaPage {
        nav: Nav::for_actor(Some(actor)),
        code: area.code.clone(),
        name: area.name.clone(),
        level: area.level.clone(),
        parents: parents(plan, area)
            .iter()
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        children: plan
            .areas
            .iter()
            .filter(|a| a.parent.as_deref() == Some(area.code.as_str()))
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        pairings: plan
            .pairings
            .iter()
            .filter(|p| p.area == area.code)
            .map(|p| PairingItem {
                donor: plan.party_name(&p.donor).to_string(),
                kind: kind_name(plan, &p.kind),
                // The plan file records no start date per pairing: the plan's first year.
                since: format!("{}年（实施方案起始）", plan.info.start_year),
                note: p.note.clone().unwrap_or_default(),
            })
            .collect(),
        figures: stored
            .iter()
            .map(|s| (figure_row(s), people.person(&s.recorded_by)))
            .collect(),
        people_chart,
        incidence_chart,
        can_record: actor.may(Action::RecordAreaStats),
        report_years: if actor.may(Action::ViewDistrict) {
            bangfu_app::oversight::years(state)
        } else {
            Vec::new()
        },
        report_year: bangfu_app::oversight::default_year(state),
        csrf: actor.csrf_token().to_string(),
        message,
        errors,
        delisted_checked: matches!(input.delisted.trim(), "on" | "true" | "1" | "yes" | "是"),
        input,
        first_year: *years.start(),
        last_year: *years.end(),
    };
    Ok(page.render()?)
}

/// `GET /areas/{code}`
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    actor.require(Action::ViewAreas)?;
    let area = find_area(&state.plan, &code)?;
    let years = area_stats::figure_years(&state.plan);
    let this_year = state
        .clock
        .today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(*years.end())
        .clamp(*years.start(), *years.end());
    let input = AreaStatsInput {
        year: this_year.to_string(),
        ..Default::default()
    };
    let message = super::flash(q.msg.as_deref());
    Ok(Html(
        render(&state, &actor, area, input, Vec::new(), message).await?,
    ))
}

/// `POST /areas/{code}/stats`: a year's figures; on a mistake the page again with the input kept.
pub async fn record(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    FormBody(input): FormBody<AreaStatsInput>,
) -> Result<Response, AppError> {
    let area = find_area(&state.plan, &code)?;
    actor.require(Action::RecordAreaStats)?;
    match area_stats::parse(&area.code, &input, area_stats::figure_years(&state.plan)) {
        Ok(stats) => {
            state.store.record_area_stats(&stats, actor.login()).await?;
            Ok(super::see_other(&format!(
                "/areas/{}?msg=area_stats",
                area.code
            )))
        }
        Err(errors) => {
            let errors = errors.iter().map(FieldError::to_string).collect();
            let html = render(&state, &actor, area, input, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

#[derive(serde::Deserialize)]
pub struct WrittenQuery {
    year: Option<String>,
    include_drafts: Option<String>,
}

/// `GET /areas/{code}/report.docx?year=2018`: the pairing's annual summary as a Word draft.
pub async fn written_report(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<WrittenQuery>,
) -> Result<Response, AppError> {
    let year = bangfu_app::oversight::parse_year(&state, q.year.as_deref())?;
    let drafts = matches!(q.include_drafts.as_deref(), Some("true" | "1" | "on"));
    let scope = bangfu_domain::summary::ReportScope::from_switches(false, drafts);
    let (area, bytes) =
        bangfu_app::written_report::pairing_docx(&state, &actor, &code, year, scope).await?;
    let (stem, name) = bangfu_app::written_report::pairing_file(&state.plan, &area, year);
    Ok(crate::http::docx_response(stem, &name, bytes))
}
