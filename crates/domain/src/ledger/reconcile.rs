//! The form's funding and project rows computed from the ledger, next to what the units reported.
//!
//! For a period the ledger counts what happened in the period's window: from 1 January to the
//! period's end when the form is cumulative (年初至今累计), the quarter alone otherwise.
//! - each source row (1.1 市财政…, 1.2 各区单独安排): net allocations (下达 less reversals) of the
//!   sources feeding it; its 其中用于扶贫 row: the same for projects marked 用于扶贫; the funds row:
//!   all sources with a row;
//! - 实施援建项目: projects with net allocations in the window; 已实施: those started by the
//!   window's end; 帮助脱贫数: the beneficiaries of the started ones.
//!
//! Amounts convert from 元 to the row's unit (万元 = 10⁴ 元, 亿元 = 10⁸ 元) and people likewise
//! (万人 = 10⁴ 人). The ledger figure is rounded to the row's decimals, as a unit would report it.

use super::{LedgerConfig, Project, Transaction, TxKind};
use crate::plan::{Plan, ValueBasis};
use crate::{Period, Quantity};
use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One form row: the ledger's figure and the district total the units reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReconRow {
    pub code: String,
    pub label: String,
    pub unit: String,
    /// Exactly as computed, before rounding to the row's decimals.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Quantity))]
    pub ledger_exact: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Quantity))]
    pub ledger: Decimal,
    /// None when no unit reported the row.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::Quantity>))]
    pub reported: Option<Decimal>,
    /// reported − ledger; None when nothing was reported.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::Quantity>))]
    pub difference: Option<Decimal>,
}

impl ReconRow {
    /// Agrees when the reported figure equals the ledger's (nothing reported counts as 0).
    pub fn agrees(&self) -> bool {
        self.reported.unwrap_or(Decimal::ZERO) == self.ledger
    }
}

/// The first and last day the ledger counts for `period`.
pub fn window(plan: &Plan, period: &Period) -> (NaiveDate, NaiveDate) {
    let start = match plan.schedule.basis {
        ValueBasis::Ytd => {
            NaiveDate::from_ymd_opt(period.ends_on.year(), 1, 1).unwrap_or(period.starts_on)
        }
        _ => period.starts_on,
    };
    (start, period.ends_on)
}

/// 万元 → 10⁴, 亿元 → 10⁸, anything else → 1: how many base units one unit of measure holds.
pub fn unit_scale(unit: &str) -> Decimal {
    if unit.starts_with('亿') {
        Decimal::new(100_000_000, 0)
    } else if unit.starts_with('万') {
        Decimal::new(10_000, 0)
    } else {
        Decimal::ONE
    }
}

/// The reconciliation of `period`. `reported` holds the district totals per form row.
pub fn reconcile(
    plan: &Plan,
    period: &Period,
    projects: &[Project],
    transactions: &[Transaction],
    reported: &BTreeMap<String, Quantity>,
) -> Vec<ReconRow> {
    let config: &LedgerConfig = &plan.ledger;
    let (start, end) = window(plan, period);
    let in_window: Vec<&Transaction> = transactions
        .iter()
        .filter(|t| t.kind == TxKind::Allocation && t.date >= start && t.date <= end)
        .collect();
    let poverty: BTreeSet<i64> = projects
        .iter()
        .filter(|p| p.poverty_relief)
        .map(|p| p.id)
        .collect();
    let fen_where = |pred: &dyn Fn(&Transaction) -> bool| -> i64 {
        in_window
            .iter()
            .filter(|t| pred(t))
            .map(|t| t.signed_fen())
            .sum()
    };

    // Row code → fen, keeping the order rows appear in the plan.
    let mut money_rows: BTreeMap<&str, i64> = BTreeMap::new();
    for source in &config.sources {
        if let Some(row) = &source.row {
            *money_rows.entry(row).or_default() += fen_where(&|t| t.source == source.code);
        }
        if let Some(row) = &source.poverty_row {
            *money_rows.entry(row).or_default() +=
                fen_where(&|t| t.source == source.code && poverty.contains(&t.project));
        }
    }
    if let Some(row) = &config.funds_row {
        let with_row: Vec<&str> = config
            .sources
            .iter()
            .filter(|s| s.row.is_some())
            .map(|s| s.code.as_str())
            .collect();
        money_rows.insert(row, fen_where(&|t| with_row.contains(&t.source.as_str())));
    }

    let mut net_by_project: BTreeMap<i64, i64> = BTreeMap::new();
    for t in &in_window {
        *net_by_project.entry(t.project).or_default() += t.signed_fen();
    }
    let funded: Vec<&Project> = projects
        .iter()
        .filter(|p| net_by_project.get(&p.id).is_some_and(|fen| *fen > 0))
        .collect();
    let started: Vec<&&Project> = funded
        .iter()
        .filter(|p| p.actual_start.is_some_and(|d| d <= end))
        .collect();
    let mut base_rows: BTreeMap<&str, Decimal> = money_rows
        .into_iter()
        .map(|(row, fen)| (row, Decimal::new(fen, 2)))
        .collect();
    let counts = [
        (&config.projects_row, Decimal::from(funded.len())),
        (&config.implemented_row, Decimal::from(started.len())),
        (
            &config.beneficiaries_row,
            Decimal::from(started.iter().map(|p| p.beneficiaries).sum::<i64>()),
        ),
    ];
    for (row, value) in counts {
        if let Some(row) = row {
            base_rows.insert(row, value);
        }
    }

    plan.indicators
        .iter()
        .filter_map(|indicator| {
            let base = *base_rows.get(indicator.code.as_str())?;
            let unit = indicator.unit.clone().unwrap_or_default();
            let precision = plan.precision(&unit);
            let exact = (base / unit_scale(&unit)).normalize();
            let ledger = exact
                .round_dp_with_strategy(precision, RoundingStrategy::MidpointAwayFromZero)
                .normalize();
            let reported = reported
                .get(&indicator.code)
                .map(|q| q.decimal().normalize());
            Some(ReconRow {
                code: indicator.code.clone(),
                label: indicator.label(),
                unit,
                ledger_exact: exact,
                ledger,
                difference: reported.map(|r| (r - ledger).normalize()),
                reported,
            })
        })
        .collect()
}
