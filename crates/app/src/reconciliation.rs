//! The form's funding and project rows computed from the ledger, next to the units' reports:
//! shared by the reconciliation page and the API.

use crate::ledger::Ledger;
use crate::AppError;
use crate::Context;
use bangfu_domain::ledger::reconcile::{reconcile, window, ReconRow};
use bangfu_domain::period::Period;
use bangfu_domain::Quantity;
use serde::Serialize;
use std::collections::BTreeMap;

/// One unit's reported value on a reconciled row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFigure {
    pub unit: String,
    pub unit_name: String,
    pub value: Quantity,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub period: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub rows: Vec<ReconRow>,
    /// Row code → what each unit reported on it.
    pub by_unit: BTreeMap<String, Vec<UnitFigure>>,
    pub differences: usize,
}

pub async fn compute(state: &Context, period: &Period) -> Result<Reconciliation, AppError> {
    let plan = &state.plan;
    let code = period.code.to_string();
    let ledger = Ledger::load(state).await?;
    let reported = state
        .store
        .district_totals(&code, bangfu_domain::summary::ReportScope::WithDrafts)
        .await?;
    let rows = reconcile(
        plan,
        period,
        &ledger.projects,
        &ledger.transactions,
        &reported,
    );
    let mut by_unit: BTreeMap<String, Vec<UnitFigure>> = BTreeMap::new();
    for v in state
        .store
        .unit_values(&code, bangfu_domain::summary::ReportScope::WithDrafts)
        .await?
    {
        if rows.iter().any(|r| r.code == v.indicator_code) {
            by_unit
                .entry(v.indicator_code.clone())
                .or_default()
                .push(UnitFigure {
                    unit_name: plan.party_name(&v.unit_code).to_string(),
                    unit: v.unit_code,
                    value: Quantity::from_scaled(v.value_scaled),
                });
        }
    }
    let (from, to) = window(plan, period);
    Ok(Reconciliation {
        period: code,
        from,
        to,
        differences: rows.iter().filter(|r| !r.agrees()).count(),
        rows,
        by_unit,
    })
}
