//! Supervision (督办): where each of the plan's quantified commitments stands. A target linked to a
//! form row is measured by the district's reported year-to-date total of that row; its status
//! compares that with the target and with the share of the year already gone.

use crate::plan::{Calendar, Plan, Target, Task};
use crate::quantity::Quantity;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// 未开始
    NotStarted,
    /// 推进中
    InProgress,
    /// 已完成
    Done,
    /// 滞后: behind the pro-rata share of its calendar, or missed at the calendar's end.
    Behind,
    /// 无数据: no form row measures it (progress comes from the lead unit's updates).
    Unmeasured,
}

impl TargetStatus {
    pub fn label(self) -> &'static str {
        match self {
            TargetStatus::NotStarted => "未开始",
            TargetStatus::InProgress => "推进中",
            TargetStatus::Done => "已完成",
            TargetStatus::Behind => "滞后",
            TargetStatus::Unmeasured => "待填报进展",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::NotStarted => "not_started",
            TargetStatus::InProgress => "in_progress",
            TargetStatus::Done => "done",
            TargetStatus::Behind => "behind",
            TargetStatus::Unmeasured => "unmeasured",
        }
    }
}

/// One target's standing in one year.
#[derive(Debug, Clone, Serialize)]
pub struct TargetProgress<'a> {
    #[serde(skip)]
    pub task: &'a Task,
    #[serde(skip)]
    pub target: &'a Target,
    pub task_code: &'a str,
    pub description: &'a str,
    /// The target for the year: the quantity, times the areas when it applies to each.
    pub required: Quantity,
    /// What the target asks for by `as_of`, pro rata.
    pub expected_by_now: Quantity,
    pub actual: Option<Quantity>,
    /// actual / required in whole percent.
    pub percent: Option<u32>,
    pub status: TargetStatus,
    /// How far behind the pro-rata share, in percent of the target (0 when not behind).
    pub shortfall_percent: u32,
}

/// The share of `year` that reports can show by `as_of`: the quarters whose reporting deadline has
/// passed, out of four (progress arrives quarterly, so the pro-rata share moves in quarters).
pub fn elapsed_share(plan: &Plan, year: i32, as_of: NaiveDate) -> Decimal {
    if as_of.year() > year {
        return Decimal::ONE;
    }
    let due = plan
        .periods()
        .iter()
        .filter(|p| p.code.year() == year && p.deadline <= as_of)
        .count();
    Decimal::from(due as u64) / Decimal::from(4)
}

fn percent(part: Decimal, whole: Decimal) -> u32 {
    if whole <= Decimal::ZERO {
        return 0;
    }
    let p = (part * Decimal::from(100) / whole).round();
    u32::try_from(p.mantissa().max(0) / 10i128.pow(p.scale())).unwrap_or(u32::MAX)
}

/// Every target of the plan for `year`, measured by `year_totals` (row code → the district's
/// year-to-date total at the year's latest reported quarter) as of `as_of`.
pub fn evaluate<'a>(
    plan: &'a Plan,
    year: i32,
    as_of: NaiveDate,
    year_totals: &BTreeMap<String, Quantity>,
) -> Vec<TargetProgress<'a>> {
    let share = elapsed_share(plan, year, as_of);
    let year_over = as_of.year() > year;
    plan.tasks
        .iter()
        .flat_map(|task| task.targets.iter().map(move |target| (task, target)))
        .map(|(task, target)| {
            let areas = if target.per_area {
                target.areas.len().max(1)
            } else {
                1
            };
            let required = Quantity::new(target.quantity.decimal() * Decimal::from(areas as u64));
            let measurable = target.calendar == Calendar::Year && target.indicator.is_some();
            let actual = target
                .indicator
                .as_deref()
                .filter(|_| measurable)
                .map(|row| year_totals.get(row).copied().unwrap_or_default());
            let expected = Quantity::new(required.decimal() * share);
            let (status, shortfall) = match actual {
                None => (TargetStatus::Unmeasured, 0),
                Some(a) if a >= required => (TargetStatus::Done, 0),
                Some(a) if a < expected || (year_over && a < required) => (
                    TargetStatus::Behind,
                    percent(expected.decimal() - a.decimal(), required.decimal()),
                ),
                Some(a) if a > Quantity::ZERO => (TargetStatus::InProgress, 0),
                Some(_) => (TargetStatus::NotStarted, 0),
            };
            TargetProgress {
                task,
                target,
                task_code: &task.code,
                description: &target.description,
                required,
                expected_by_now: expected,
                actual,
                percent: actual.map(|a| percent(a.decimal(), required.decimal())),
                status,
                shortfall_percent: shortfall,
            }
        })
        .collect()
}

/// The 督办 list: targets behind, the furthest behind first.
pub fn behind<'a>(progress: &'a [TargetProgress<'a>]) -> Vec<&'a TargetProgress<'a>> {
    let mut list: Vec<&TargetProgress> = progress
        .iter()
        .filter(|p| p.status == TargetStatus::Behind)
        .collect();
    list.sort_by_key(|p| std::cmp::Reverse(p.shortfall_percent));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::parse_plan;

    fn plan() -> Plan {
        parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn elapsed_share_moves_with_the_reporting_deadlines() {
        let p = plan();
        assert_eq!(elapsed_share(&p, 2018, date(2017, 12, 31)), Decimal::ZERO);
        assert_eq!(elapsed_share(&p, 2018, date(2018, 3, 19)), Decimal::ZERO);
        assert_eq!(
            elapsed_share(&p, 2018, date(2018, 3, 20)),
            Decimal::new(25, 2)
        );
        assert_eq!(
            elapsed_share(&p, 2018, date(2018, 7, 2)),
            Decimal::new(5, 1)
        );
        assert_eq!(elapsed_share(&p, 2018, date(2018, 12, 20)), Decimal::ONE);
        assert_eq!(elapsed_share(&p, 2018, date(2019, 3, 1)), Decimal::ONE);
    }

    #[test]
    fn funds_target_is_behind_pro_rata_then_done() {
        let p = plan();
        let funds = |totals: &[(&str, &str)], on: NaiveDate| {
            let totals = totals.iter().map(|(k, v)| (k.to_string(), q(v))).collect();
            let all = evaluate(&p, 2018, on, &totals);
            let t = all.iter().find(|t| t.task_code == "1.2-1").unwrap().clone();
            (t.status, t.percent, t.shortfall_percent, t.expected_by_now)
        };
        // Mid-year with 100 of 600 万元: expected about 300, so behind by about a third.
        let (status, percent, shortfall, expected) = funds(&[("1.1.2", "100")], date(2018, 7, 2));
        assert_eq!(status, TargetStatus::Behind);
        assert_eq!(percent, Some(17));
        assert_eq!(shortfall, 33);
        assert_eq!(expected, q("300"));
        // Early in the year the same figure is on track.
        assert_eq!(
            funds(&[("1.1.2", "100")], date(2018, 1, 20)).0,
            TargetStatus::InProgress
        );
        assert_eq!(funds(&[], date(2018, 1, 2)).0, TargetStatus::NotStarted);
        assert_eq!(
            funds(&[("1.1.2", "600")], date(2018, 7, 2)).0,
            TargetStatus::Done
        );
        // Missed at the end of the year.
        assert_eq!(
            funds(&[("1.1.2", "599.99")], date(2019, 1, 5)).0,
            TargetStatus::Behind
        );
    }

    #[test]
    fn per_area_targets_count_every_area() {
        let p = plan();
        let totals = [("1.4".to_string(), q("1"))].into();
        let all = evaluate(&p, 2018, date(2018, 12, 31), &totals);
        let hospitals = all.iter().find(|t| t.task_code == "1.2-7").unwrap();
        assert_eq!(hospitals.required, q("2"), "one per county, two counties");
        assert_eq!(hospitals.status, TargetStatus::Behind);
        assert_eq!(hospitals.percent, Some(50));
        // Targets no form row measures wait for the lead unit's progress updates.
        let batches = all
            .iter()
            .find(|t| t.description.contains("每学年不少于5批"))
            .unwrap();
        assert_eq!(batches.status, TargetStatus::Unmeasured);
        let list = behind(&all);
        assert_eq!(list.last().unwrap().task_code, "1.2-7", "least behind last");
        assert_eq!(list[0].shortfall_percent, 100);
    }
}
