//! `/pairings`: a year's summary per pairing (察右前旗, 和田县/224团, 茅箭区 …), grouped by the areas
//! the national assessment looks at, each with the tasks for that area and their targets' standing;
//! the district's form rows of each category alongside. Exports to xlsx.

use super::Nav;
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::QueryParams;
use crate::http::xlsx_response;
use crate::oversight;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use bangfu_domain::plan::Plan;
use bangfu_domain::policy::Action;
use bangfu_domain::supervision::{evaluate, TargetProgress};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

struct TaskItem {
    code: String,
    title: String,
    lead: String,
    targets: Vec<(String, &'static str, &'static str)>,
}

struct CategoryBlock {
    name: String,
    tasks: Vec<TaskItem>,
}

struct PairingBlock {
    title: String,
    kind: String,
    categories: Vec<CategoryBlock>,
}

struct RowFigure {
    label: String,
    value: String,
    unit: String,
}

#[derive(Template)]
#[template(path = "pairings.html")]
struct PairingsPage {
    nav: Nav,
    year: i32,
    years: Vec<i32>,
    pairings: Vec<PairingBlock>,
    district: Vec<(String, Vec<RowFigure>)>,
}

/// The area and the areas above and below it: a task for 和田县 concerns 罕艾日克镇 and the reverse.
fn related(plan: &Plan, a: &str, b: &str) -> bool {
    let up = |code: &str| -> Vec<String> {
        std::iter::successors(plan.area(code), |x| {
            x.parent.as_deref().and_then(|p| plan.area(p))
        })
        .take(plan.areas.len())
        .map(|x| x.code.clone())
        .collect()
    };
    up(a).iter().any(|x| x == b) || up(b).iter().any(|x| x == a)
}

fn blocks<'a>(plan: &'a Plan, progress: &[TargetProgress<'a>]) -> Vec<PairingBlock> {
    plan.pairings
        .iter()
        .map(|p| PairingBlock {
            title: format!(
                "{} → {}",
                plan.party_name(&p.donor),
                plan.party_name(&p.area)
            ),
            kind: plan
                .pairing_kinds
                .iter()
                .find(|k| k.code == p.kind)
                .map_or(p.kind.clone(), |k| k.name.clone()),
            categories: plan
                .categories
                .iter()
                .map(|c| CategoryBlock {
                    name: c.name.clone(),
                    tasks: plan
                        .tasks
                        .iter()
                        .filter(|t| c.tasks.contains(&t.code))
                        .filter(|t| t.areas.iter().any(|a| related(plan, a, &p.area)))
                        .map(|t| TaskItem {
                            code: t.code.clone(),
                            title: t.title.clone(),
                            lead: plan.lead_names(t).join("、"),
                            targets: progress
                                .iter()
                                .filter(|x| x.task_code == t.code)
                                .map(|x| {
                                    (
                                        x.description.to_string(),
                                        x.status.label(),
                                        x.status.as_str(),
                                    )
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .filter(|c| !c.tasks.is_empty())
                .collect(),
        })
        .collect()
}

async fn build(state: &AppState, year: i32) -> Result<PairingsData, AppError> {
    let (_, totals) = oversight::year_totals(state, year).await?;
    let updates = oversight::progress_updates(state).await?;
    let plan = &state.plan;
    let progress = evaluate(plan, year, state.clock.today(), &totals, &updates);
    let pairings = blocks(plan, &progress);
    let district = plan
        .categories
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.indicators
                    .iter()
                    .filter_map(|code| {
                        let row = plan.indicator(code)?;
                        let unit = row.unit.clone().unwrap_or_default();
                        Some(RowFigure {
                            label: plan.row_ref(row),
                            value: totals
                                .get(code)
                                .map_or("—".into(), |v| v.format_fixed(plan.precision(&unit))),
                            unit,
                        })
                    })
                    .collect(),
            )
        })
        .collect();
    Ok(PairingsData { pairings, district })
}

struct PairingsData {
    pairings: Vec<PairingBlock>,
    district: Vec<(String, Vec<RowFigure>)>,
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearQuery>,
) -> Result<Html<String>, AppError> {
    actor.require(Action::ViewDistrict)?;
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let data = build(&state, year).await?;
    let page = PairingsPage {
        nav: Nav::for_actor(Some(&actor)),
        year,
        years: oversight::years(&state),
        pairings: data.pairings,
        district: data.district,
    };
    Ok(Html(page.render()?))
}

pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearQuery>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewDistrict)?;
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let data = build(&state, year).await?;
    let mut rows = Vec::new();
    for p in &data.pairings {
        for c in &p.categories {
            for t in &c.tasks {
                let targets: Vec<String> = t
                    .targets
                    .iter()
                    .map(|(d, s, _)| format!("{d}：{s}"))
                    .collect();
                rows.push(vec![
                    p.title.clone(),
                    c.name.clone(),
                    format!("{} {}", t.code, t.title),
                    t.lead.clone(),
                    targets.join("\n"),
                ]);
            }
        }
    }
    let bytes = crate::sheets::off_runtime(move || {
        bangfu_xlsx::table_workbook(
            &format!("{year}年结对帮扶情况"),
            &["结对关系", "考核类别", "任务", "牵头部门", "目标与状态"],
            &[26.0, 12.0, 40.0, 20.0, 50.0],
            &rows,
        )
        .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    Ok(xlsx_response(&format!("结对帮扶情况-{year}.xlsx"), bytes))
}
