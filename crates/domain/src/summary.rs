//! District aggregation: per-row totals and each unit's share, year-to-date or the quarter's own
//! increment, and the completeness of reporting (who reported, on time or late).

use crate::period::{DeadlineStatus, Period, PeriodCode};
use crate::plan::{Plan, ValueBasis};
use crate::quantity::Quantity;
use crate::report::ReportStatus;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which reports a district figure counts. By default what units have 报送 (submitted or
/// approved): a draft is not a figure yet. A switch takes only approved ones, another adds the
/// drafts (and returned reports), marked as such wherever they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportScope {
    Approved,
    #[default]
    Submitted,
    WithDrafts,
}

impl ReportScope {
    /// From the two switches people see; "approved only" wins when both are set.
    pub fn from_switches(approved_only: bool, include_drafts: bool) -> Self {
        match (approved_only, include_drafts) {
            (true, _) => ReportScope::Approved,
            (false, true) => ReportScope::WithDrafts,
            (false, false) => ReportScope::Submitted,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportScope::Approved => "approved",
            ReportScope::Submitted => "submitted",
            ReportScope::WithDrafts => "with_drafts",
        }
    }

    /// How a page or a file says what it counts.
    pub fn label(self) -> &'static str {
        match self {
            ReportScope::Approved => "仅统计已审核的报表",
            ReportScope::Submitted => "统计已报送和已审核的报表（不含草稿）",
            ReportScope::WithDrafts => "含未报送的草稿和被退回的报表（草稿数据尚未报送，仅供参考）",
        }
    }
}

/// Per row code, per unit code, a value.
pub type UnitValues = BTreeMap<String, BTreeMap<String, Quantity>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryRow {
    pub indicator: String,
    pub total: Option<Quantity>,
    pub by_unit: BTreeMap<String, Quantity>,
}

/// Converts stored values to the wanted basis. `series` holds the stored values (and database
/// totals) of the year's quarters up to the period asked for, oldest first.
pub fn district_summary(
    plan: &Plan,
    wanted: ValueBasis,
    series: &[(BTreeMap<String, Quantity>, UnitValues)],
) -> Vec<SummaryRow> {
    let Some((now_totals, now_units)) = series.last() else {
        return Vec::new();
    };
    let stored = plan.schedule.basis;
    let sum_maps = |maps: &mut dyn Iterator<Item = &BTreeMap<String, Quantity>>| {
        let mut out: BTreeMap<String, Quantity> = BTreeMap::new();
        for m in maps {
            for (k, v) in m {
                let e = out.entry(k.clone()).or_default();
                *e = Quantity::new(e.decimal() + v.decimal());
            }
        }
        out
    };
    let minus = |a: &BTreeMap<String, Quantity>, b: Option<&BTreeMap<String, Quantity>>| {
        let mut out = a.clone();
        if let Some(b) = b {
            for (k, v) in b {
                let e = out.entry(k.clone()).or_default();
                *e = Quantity::new(e.decimal() - v.decimal());
            }
        }
        out
    };
    plan.indicators
        .iter()
        .filter(|i| i.takes_value())
        .map(|i| {
            let code = &i.code;
            let units_of = |s: &(BTreeMap<String, Quantity>, UnitValues)| {
                s.1.get(code).cloned().unwrap_or_default()
            };
            let (total, by_unit) = match (stored, wanted) {
                (ValueBasis::Ytd, ValueBasis::Ytd) | (ValueBasis::Quarter, ValueBasis::Quarter) => {
                    (
                        now_totals.get(code).copied(),
                        now_units.get(code).cloned().unwrap_or_default(),
                    )
                }
                (ValueBasis::Ytd, ValueBasis::Quarter) => {
                    let previous = series.len().checked_sub(2).map(|i| &series[i]);
                    let total = now_totals.get(code).map(|t| {
                        let before = previous
                            .and_then(|p| p.0.get(code))
                            .copied()
                            .unwrap_or_default();
                        Quantity::new(t.decimal() - before.decimal())
                    });
                    let prev_units = previous.map(units_of);
                    (
                        total,
                        minus(&units_of(&series[series.len() - 1]), prev_units.as_ref()),
                    )
                }
                (ValueBasis::Quarter, ValueBasis::Ytd) => {
                    let any = series.iter().any(|s| s.0.contains_key(code));
                    let total = any.then(|| {
                        Quantity::new(
                            series
                                .iter()
                                .filter_map(|s| s.0.get(code))
                                .map(|q| q.decimal())
                                .sum(),
                        )
                    });
                    let units: Vec<BTreeMap<String, Quantity>> =
                        series.iter().map(units_of).collect();
                    (total, sum_maps(&mut units.iter()))
                }
            };
            SummaryRow {
                indicator: code.clone(),
                total,
                by_unit,
            }
        })
        .collect()
}

/// The quarters of `period`'s year up to and including it.
pub fn year_to_date(period: PeriodCode) -> Vec<PeriodCode> {
    (1..=period.quarter())
        .filter_map(|q| PeriodCode::new(period.year(), q))
        .collect()
}

/// One cell of the completeness matrix, in the one vocabulary every page uses: 未填报 before the
/// deadline, 草稿 once something was saved, 缺报 after the deadline without 报送.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// Nothing saved yet, deadline not passed (未填报).
    Pending,
    /// Saved but not submitted, deadline not passed (草稿).
    Draft,
    /// Deadline passed without a submission (缺报).
    Missing,
    /// Sent back for correction (退回).
    Returned,
    /// Submitted on time (按时报送).
    OnTime,
    /// Submitted after the deadline (迟报).
    Late,
    /// Approved (已审核).
    Approved,
}

impl Completeness {
    pub fn of(status: Option<ReportStatus>, late: bool, deadline: DeadlineStatus) -> Self {
        match status {
            Some(ReportStatus::Approved) => Completeness::Approved,
            Some(ReportStatus::Returned) => Completeness::Returned,
            Some(ReportStatus::Submitted) if late => Completeness::Late,
            Some(ReportStatus::Submitted) => Completeness::OnTime,
            _ if matches!(deadline, DeadlineStatus::Overdue(_)) => Completeness::Missing,
            Some(ReportStatus::Draft) => Completeness::Draft,
            None => Completeness::Pending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Completeness::Pending => "未填报",
            Completeness::Draft => "草稿",
            Completeness::Missing => "缺报",
            Completeness::Returned => "退回",
            Completeness::OnTime => "按时报送",
            Completeness::Late => "迟报",
            Completeness::Approved => "已审核",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Completeness::Pending => "pending",
            Completeness::Draft => "draft",
            Completeness::Missing => "missing",
            Completeness::Returned => "returned",
            Completeness::OnTime => "on_time",
            Completeness::Late => "late",
            Completeness::Approved => "approved",
        }
    }

    /// How much a cell asks for attention, for ordering units worst first: 缺报 most, then 退回,
    /// 迟报, the open ones, and nothing for what was reported on time or approved.
    pub fn concern(self) -> u32 {
        match self {
            Completeness::Missing => 4,
            Completeness::Returned => 3,
            Completeness::Late => 2,
            Completeness::Pending | Completeness::Draft => 1,
            Completeness::OnTime | Completeness::Approved => 0,
        }
    }

    /// Counted as reported (报送) in the rates.
    pub fn reported(self) -> bool {
        matches!(
            self,
            Completeness::OnTime | Completeness::Late | Completeness::Approved
        )
    }
}

/// Counts and rates for one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodCounts {
    pub expected: usize,
    pub reported: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub returned: usize,
    pub approved: usize,
}

impl PeriodCounts {
    pub fn add(&mut self, cell: Completeness, late: bool) {
        self.expected += 1;
        if cell.reported() {
            self.reported += 1;
            if late {
                self.late += 1;
            } else {
                self.on_time += 1;
            }
        }
        match cell {
            Completeness::Missing => self.missing += 1,
            Completeness::Returned => self.returned += 1,
            Completeness::Approved => self.approved += 1,
            _ => {}
        }
    }

    /// "92.1%" of expected units that reported; "-" with none expected.
    pub fn rate(&self, part: usize) -> String {
        if self.expected == 0 {
            return "-".into();
        }
        format!("{:.1}%", part as f64 * 100.0 / self.expected as f64)
    }
}

/// Units that fill at least one row of the form: the ones expected to report.
pub fn reporting_units(plan: &Plan) -> Vec<&crate::plan::Unit> {
    // Every unit named (directly or through a group) by a row that takes a value: one pass over
    // the rows, not one per unit.
    let filling: std::collections::HashSet<&str> = plan
        .indicators
        .iter()
        .filter(|i| i.takes_value())
        .flat_map(|i| plan.responsible_parties(i))
        .flat_map(|p| match plan.group(p) {
            Some(group) => group.members.iter().map(String::as_str).collect(),
            None => vec![p.as_str()],
        })
        .collect();
    plan.units_sorted()
        .into_iter()
        .filter(|u| filling.contains(u.code.as_str()))
        .collect()
}

/// The periods of a year (all when `year` is None) as of `today`, for the matrix.
pub fn periods_of_year(plan: &Plan, year: Option<i32>) -> Vec<Period> {
    plan.periods()
        .into_iter()
        .filter(|p| year.is_none_or(|y| p.code.year() == y))
        .collect()
}

/// Whether a submission at local date `on` is late for `period`.
pub fn is_late(period: &Period, on: NaiveDate) -> bool {
    on > period.deadline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::parse_plan;

    fn plan() -> Plan {
        parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap()
    }

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    fn quarter(total: &str, units: &[(&str, &str)]) -> (BTreeMap<String, Quantity>, UnitValues) {
        let totals = [("1.3".to_string(), q(total))].into();
        let by_unit = [(
            "1.3".to_string(),
            units.iter().map(|(u, v)| (u.to_string(), q(v))).collect(),
        )]
        .into();
        (totals, by_unit)
    }

    #[test]
    fn quarter_increment_subtracts_the_previous_quarter() {
        let p = plan();
        let series = vec![quarter("3", &[("jw", "3")]), quarter("5", &[("jw", "5")])];
        let ytd = district_summary(&p, ValueBasis::Ytd, &series);
        let row = ytd.iter().find(|r| r.indicator == "1.3").unwrap();
        assert_eq!(row.total, Some(q("5")));
        let inc = district_summary(&p, ValueBasis::Quarter, &series);
        let row = inc.iter().find(|r| r.indicator == "1.3").unwrap();
        assert_eq!(row.total, Some(q("2")));
        assert_eq!(row.by_unit["jw"], q("2"));
        let empty = inc.iter().find(|r| r.indicator == "1.4").unwrap();
        assert_eq!(empty.total, None);
        // In the first quarter the increment is the value itself.
        let first = district_summary(&p, ValueBasis::Quarter, &series[..1]);
        assert_eq!(
            first.iter().find(|r| r.indicator == "1.3").unwrap().total,
            Some(q("3"))
        );
    }

    #[test]
    fn completeness_cells_and_rates() {
        use DeadlineStatus::*;
        assert_eq!(
            Completeness::of(None, false, DueIn(3)),
            Completeness::Pending
        );
        assert_eq!(
            Completeness::of(Some(ReportStatus::Draft), false, DueIn(3)),
            Completeness::Draft
        );
        assert_eq!(Completeness::Draft.label(), "草稿");
        assert_eq!(Completeness::Pending.label(), "未填报");
        assert_eq!(
            Completeness::of(None, false, Overdue(1)),
            Completeness::Missing
        );
        assert_eq!(
            Completeness::of(Some(ReportStatus::Draft), false, Overdue(1)),
            Completeness::Missing
        );
        assert_eq!(
            Completeness::of(Some(ReportStatus::Submitted), true, Overdue(1)),
            Completeness::Late
        );
        assert_eq!(
            Completeness::of(Some(ReportStatus::Approved), true, Overdue(1)),
            Completeness::Approved
        );
        let mut c = PeriodCounts::default();
        c.add(Completeness::OnTime, false);
        c.add(Completeness::Late, true);
        c.add(Completeness::Missing, false);
        assert_eq!(
            (c.expected, c.reported, c.on_time, c.late, c.missing),
            (3, 2, 1, 1, 1)
        );
        assert_eq!(c.rate(c.reported), "66.7%");
    }

    #[test]
    fn every_unit_of_the_built_in_plan_reports() {
        assert_eq!(reporting_units(&plan()).len(), 38);
        assert_eq!(year_to_date("2019Q3".parse().unwrap()).len(), 3);
    }
}
