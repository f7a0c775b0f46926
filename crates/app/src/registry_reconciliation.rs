//! Registers against reports (台账与报表核对): for every row a register fills, each unit's figure
//! computed from its entries for the period next to the figure it reported, and the difference.

use crate::{Actor, AppError, Context};
use bangfu_domain::period::Period;
use bangfu_domain::policy::Action;
use bangfu_domain::summary::ReportScope;
use bangfu_domain::Quantity;
use std::collections::{BTreeMap, BTreeSet};

/// One unit's figures of a fed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLine {
    pub unit: String,
    pub unit_name: String,
    pub register: Quantity,
    pub entries: i64,
    /// `None`: not reported (no value in the unit's report, drafts included).
    pub reported: Option<Quantity>,
}

impl UnitLine {
    /// Reported minus the register's; `None` when nothing was reported.
    pub fn difference(&self) -> Option<Quantity> {
        self.reported
            .map(|r| Quantity::new(r.decimal() - self.register.decimal()))
    }

    pub fn agrees(&self) -> bool {
        self.reported == Some(self.register)
            || (self.reported.is_none() && self.register == Quantity::ZERO)
    }
}

/// A fed row with every unit that fills it or has entries counted for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLine {
    pub indicator: String,
    pub label: String,
    pub measure_unit: String,
    pub registry: String,
    pub registry_name: String,
    pub units: Vec<UnitLine>,
}

impl RowLine {
    pub fn register_total(&self) -> Quantity {
        Quantity::new(self.units.iter().map(|u| u.register.decimal()).sum())
    }

    pub fn reported_total(&self) -> Quantity {
        Quantity::new(
            self.units
                .iter()
                .filter_map(|u| u.reported)
                .map(Quantity::decimal)
                .sum(),
        )
    }

    pub fn differences(&self) -> usize {
        self.units.iter().filter(|u| !u.agrees()).count()
    }
}

/// A fed row's totals and how many units differ, without the units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowTotals {
    pub indicator: String,
    pub label: String,
    pub measure_unit: String,
    pub registry: String,
    pub registry_name: String,
    pub register_total: Quantity,
    pub reported_total: Quantity,
    pub differences: usize,
}

/// Every fed row's totals for a period, each counted by the database in one query (the same
/// figures as [`reconcile`]'s, without moving every unit's line out of the database).
pub async fn overview(
    ctx: &Context,
    actor: &Actor,
    period: &Period,
) -> Result<Vec<RowTotals>, AppError> {
    actor.require(Action::ViewDistrict)?;
    let plan = &ctx.plan;
    let code = period.code.to_string();
    let fed: Vec<_> = plan
        .indicators
        .iter()
        .filter(|i| i.takes_value())
        .filter_map(|row| {
            plan.feed_of(&row.code)
                .map(|(registry, feed)| (row, registry, feed))
        })
        .collect();
    // The rows' queries run side by side on the pool's connections, not one after another.
    let mut checks = tokio::task::JoinSet::new();
    for (index, (_, _, feed)) in fed.iter().enumerate() {
        let (ctx, feed, code) = (ctx.clone(), (*feed).clone(), code.clone());
        let window = feed.window(period.code, plan.schedule.basis);
        checks.spawn(async move {
            let check = ctx.store.registry_row_check(&feed, window, &code).await;
            (index, check)
        });
    }
    let mut found = vec![None; fed.len()];
    while let Some(joined) = checks.join_next().await {
        let (index, check) = joined.map_err(|e| AppError::Internal(e.to_string()))?;
        found[index] = Some(check?);
    }
    let mut out = Vec::new();
    for ((row, registry, feed), check) in fed.into_iter().zip(found) {
        let Some(check) = check else {
            continue;
        };
        out.push(RowTotals {
            indicator: row.code.clone(),
            label: plan.row_ref(row),
            measure_unit: row.unit.clone().unwrap_or_default(),
            registry: registry.code.clone(),
            registry_name: registry.name.clone(),
            register_total: feed.figure(check.entries, check.register_scaled),
            reported_total: Quantity::from_scaled(check.reported_scaled),
            differences: usize::try_from(check.differences).unwrap_or(0),
        });
    }
    Ok(out)
}

/// Every fed row of a period, in form order; the reports' figures include drafts, so that a
/// difference shows before 报送.
pub async fn reconcile(
    ctx: &Context,
    actor: &Actor,
    period: &Period,
) -> Result<Vec<RowLine>, AppError> {
    actor.require(Action::ViewDistrict)?;
    rows(ctx, period).await
}

/// One fed row of a period unit by unit (`None`: no fed row of that code).
pub async fn reconcile_row(
    ctx: &Context,
    actor: &Actor,
    period: &Period,
    indicator: &str,
) -> Result<Option<RowLine>, AppError> {
    actor.require(Action::ViewDistrict)?;
    Ok(fed_rows(ctx, period, Some(indicator)).await?.pop())
}

/// [`reconcile`] without asking the policy: for the annual assessment.
pub async fn rows(ctx: &Context, period: &Period) -> Result<Vec<RowLine>, AppError> {
    fed_rows(ctx, period, None).await
}

/// The fed rows of a period (only `only` if given), unit by unit.
async fn fed_rows(
    ctx: &Context,
    period: &Period,
    only: Option<&str>,
) -> Result<Vec<RowLine>, AppError> {
    let plan = &ctx.plan;
    let code = period.code.to_string();
    let mut reported: BTreeMap<(String, String), Quantity> = BTreeMap::new();
    for v in ctx
        .store
        .unit_values(&code, ReportScope::WithDrafts)
        .await?
    {
        reported.insert(
            (v.indicator_code, v.unit_code),
            Quantity::from_scaled(v.value_scaled),
        );
    }
    // The plan's unit order by code, looked up for every line (500 units × every fed row).
    let units_by_code: std::collections::HashMap<&str, &bangfu_domain::plan::Unit> =
        plan.units.iter().map(|u| (u.code.as_str(), u)).collect();
    let mut rows = Vec::new();
    for row in plan
        .indicators
        .iter()
        .filter(|i| i.takes_value() && only.is_none_or(|code| i.code == code))
    {
        let Some((registry, feed)) = plan.feed_of(&row.code) else {
            continue;
        };
        let window = feed.window(period.code, plan.schedule.basis);
        let figures: BTreeMap<String, (Quantity, i64)> = ctx
            .store
            .registry_figures(&registry.code, feed, window, None)
            .await?
            .into_iter()
            .map(|f| (f.unit, (f.value, f.entries)))
            .collect();
        let mut units: BTreeSet<&str> = plan
            .responsible_units(row)
            .iter()
            .map(|u| u.code.as_str())
            .collect();
        units.extend(figures.keys().map(String::as_str));
        let mut lines: Vec<UnitLine> = units
            .into_iter()
            .map(|unit| {
                let (register, entries) = figures.get(unit).copied().unwrap_or_default();
                UnitLine {
                    unit: unit.to_string(),
                    unit_name: units_by_code
                        .get(unit)
                        .map_or_else(|| plan.party_name(unit), |u| u.name.as_str())
                        .to_string(),
                    register,
                    entries,
                    reported: reported.get(&(row.code.clone(), unit.to_string())).copied(),
                }
            })
            .collect();
        lines.sort_by_key(|l| {
            units_by_code
                .get(l.unit.as_str())
                .map_or(i32::MAX, |u| u.sort)
        });
        rows.push(RowLine {
            indicator: row.code.clone(),
            label: plan.row_ref(row),
            measure_unit: row.unit.clone().unwrap_or_default(),
            registry: registry.code.clone(),
            registry_name: registry.name.clone(),
            units: lines,
        });
    }
    Ok(rows)
}
