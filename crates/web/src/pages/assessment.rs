//! `/assessment`: the annual assessment (考核) of every unit, each score with its reasons; the
//! coordinator adds its own score and comment. A reporter sees its own unit only.

use super::Nav;
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::xlsx_response;
use crate::oversight::{self, UnitAssessment};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::assessment::parse_coordinator_score;
use bangfu_domain::policy::Action;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    nav: Nav,
    csrf: String,
    year: i32,
    years: Vec<i32>,
    rows: Vec<UnitAssessment>,
    can_score: bool,
    coordinator_max: String,
    /// A refused score as typed: (unit, score, comment, what is wrong), shown in that unit's row.
    refused: Option<(String, String, String, String)>,
}

async fn visible(
    state: &AppState,
    actor: &Actor,
    year: i32,
) -> Result<Vec<UnitAssessment>, AppError> {
    Ok(oversight::assessments(state, year)
        .await?
        .into_iter()
        .filter(|a| actor.may(Action::ViewReport { unit: &a.unit.code }))
        .collect())
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearQuery>,
) -> Result<Html<String>, AppError> {
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    Ok(Html(page(&state, &actor, year, None).await?.render()?))
}

async fn page(
    state: &AppState,
    actor: &Actor,
    year: i32,
    refused: Option<(String, String, String, String)>,
) -> Result<AssessmentPage, AppError> {
    let rows = visible(state, actor, year).await?;
    Ok(AssessmentPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        year,
        years: oversight::years(state),
        rows,
        can_score: actor.may(Action::ReviewReport),
        coordinator_max: state.plan.assessment.coordinator.normalize().to_string(),
        refused,
    })
}

pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearQuery>,
) -> Result<Response, AppError> {
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let rows: Vec<Vec<String>> = visible(&state, &actor, year)
        .await?
        .into_iter()
        .map(|a| {
            let mut row = vec![a.unit.name.clone(), a.score.total.normalize().to_string()];
            for p in &a.score.parts {
                row.push(format!("{}（{}）", p.points.normalize(), p.reason));
            }
            row.push(a.comment);
            row
        })
        .collect();
    let bytes = crate::sheets::off_runtime(move || {
        bangfu_xlsx::table_workbook(
            &format!("{year}年考核"),
            &[
                "单位",
                "总分",
                "报送完整",
                "报送及时",
                "目标完成",
                "佐证材料",
                "汇总单位评分",
                "评语",
            ],
            &[16.0, 8.0, 22.0, 22.0, 30.0, 22.0, 16.0, 24.0],
            &rows,
        )
        .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    Ok(xlsx_response(&format!("考核-{year}.xlsx"), bytes))
}

#[derive(Deserialize)]
pub struct ScoreForm {
    year: String,
    score: String,
    #[serde(default)]
    comment: String,
}

pub async fn set_score(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(unit): PathParams<String>,
    FormBody(f): FormBody<ScoreForm>,
) -> Result<Response, AppError> {
    actor.require(Action::ReviewReport)?;
    let year = oversight::parse_year(&state, Some(&f.year))?;
    if state.plan.unit(&unit).is_none() {
        return Err(AppError::NotFound);
    }
    let max = state.plan.assessment.coordinator;
    let score = match parse_coordinator_score(&f.score, &f.comment, max) {
        Ok(score) => score,
        // The page again, the reason in that unit's row, what was typed kept.
        Err(errors) => {
            let refused = (unit, f.score, f.comment, errors.join("；"));
            let page = page(&state, &actor, year, Some(refused)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
    };
    state
        .store
        .set_coordinator_score(year, &unit, score, f.comment.trim(), actor.login())
        .await?;
    Ok(super::see_other(&format!("/assessment?year={year}")))
}
