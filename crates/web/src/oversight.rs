//! Supervision and the leaders' page: which commitments are on track, who has not reported.

use crate::error::AppError;
use crate::AppState;
use bangfu_domain::period::Period;
use bangfu_domain::Quantity;
use chrono::Datelike;
use std::collections::BTreeMap;

/// The plan's years that have reporting periods.
pub fn years(state: &AppState) -> Vec<i32> {
    let mut years: Vec<i32> = state.plan.periods().iter().map(|p| p.code.year()).collect();
    years.dedup();
    years
}

/// The year to show by default: this year if the plan covers it, else the plan's nearest year.
pub fn default_year(state: &AppState) -> i32 {
    let this = state.clock.today().year();
    let ys = years(state);
    match (ys.first(), ys.last()) {
        (Some(first), Some(last)) => this.clamp(*first, *last),
        _ => this,
    }
}

/// The latest period of `year` that has begun (the year's last one once it is over).
pub fn latest_period(state: &AppState, year: i32) -> Option<Period> {
    let today = state.clock.today();
    let periods: Vec<Period> = state
        .plan
        .periods()
        .into_iter()
        .filter(|p| p.code.year() == year)
        .collect();
    periods
        .iter()
        .rev()
        .find(|p| p.starts_on <= today)
        .or(periods.first())
        .cloned()
}

/// The district's year-to-date totals at the year's latest period.
pub async fn year_totals(
    state: &AppState,
    year: i32,
) -> Result<(Option<Period>, BTreeMap<String, Quantity>), AppError> {
    let Some(period) = latest_period(state, year) else {
        return Ok((None, BTreeMap::new()));
    };
    let totals = state
        .store
        .district_totals(&period.code.to_string(), false)
        .await?;
    Ok((Some(period), totals))
}

/// `?year=` checked against the plan's years.
pub fn parse_year(state: &AppState, text: Option<&str>) -> Result<i32, AppError> {
    match crate::pages::district::parse_year(text)? {
        None => Ok(default_year(state)),
        Some(y) if years(state).contains(&y) => Ok(y),
        Some(y) => Err(AppError::BadRequest(format!(
            "{y} 年不在本方案的报送年份内"
        ))),
    }
}
