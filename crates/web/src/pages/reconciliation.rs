//! `/reconciliation/{period}` (台账与报表核对): the ledger's figures for rows 一、1 and 一、2 next
//! to what the units reported, every difference highlighted.

use super::Nav;
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::QueryParams;
use crate::reconciliation::{compute, Reconciliation};
use crate::{reporting, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use bangfu_domain::policy::Action;

#[derive(Template)]
#[template(path = "reconciliation.html")]
struct ReconciliationPage {
    nav: Nav,
    label: String,
    periods: Vec<(String, String)>,
    recon: Reconciliation,
}

#[derive(serde::Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
}

/// `/reconciliation[?period=]`: to the chosen period, or the latest that has begun.
pub async fn latest(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewLedger)?;
    if let Some(code) = q.period.as_deref() {
        let period = reporting::find_period(&state, code)?;
        return Ok(super::see_other(&format!(
            "/reconciliation/{}",
            period.code
        )));
    }
    let latest = reporting::latest_begun_period(&state)?;
    Ok(super::see_other(&format!(
        "/reconciliation/{}",
        latest.code
    )))
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    crate::extract::PathParams(period): crate::extract::PathParams<String>,
) -> Result<Html<String>, AppError> {
    actor.require(Action::ViewLedger)?;
    let period = reporting::find_period(&state, &period)?;
    let recon = compute(&state, &period).await?;
    let page = ReconciliationPage {
        nav: Nav::for_actor(Some(&actor)),
        label: period.code.label(),
        periods: state
            .plan
            .periods()
            .iter()
            .map(|p| (p.code.to_string(), p.code.label()))
            .collect(),
        recon,
    };
    Ok(Html(page.render()?))
}
