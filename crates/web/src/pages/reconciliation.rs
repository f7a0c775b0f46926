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
    /// Each row's place in the form as printed (一、1, 一、1 其中 …), by row code.
    numbers: std::collections::BTreeMap<String, String>,
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
    let numbers = recon
        .rows
        .iter()
        .filter_map(|r| {
            let row = state.plan.indicator(&r.code)?;
            let full = state.plan.row_ref(row);
            let number = full.strip_suffix(row.name.as_str()).unwrap_or(&full).trim();
            Some((r.code.clone(), number.to_string()))
        })
        .collect();
    let page = ReconciliationPage {
        numbers,
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
