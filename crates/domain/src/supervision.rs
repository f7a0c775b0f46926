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

/// A quantity the lead (or a cooperating) unit recorded toward a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressUpdate {
    pub task: String,
    /// Index of the target within its task.
    pub target: usize,
    pub area: Option<String>,
    pub period: crate::period::PeriodCode,
    pub quantity: Quantity,
}

/// The periods a target's calendar covers when judged for `year`: the calendar year, the school
/// year ending in it (September to August), or the whole plan.
fn calendar_periods(plan: &Plan, calendar: Calendar, year: i32) -> Vec<crate::period::Period> {
    plan.periods()
        .into_iter()
        .filter(|p| match calendar {
            Calendar::Year | Calendar::Quarter | Calendar::Batch => p.code.year() == year,
            Calendar::SchoolYear => {
                (p.code.year() == year - 1 && p.code.quarter() >= 3)
                    || (p.code.year() == year && p.code.quarter() <= 2)
            }
            Calendar::Plan => true,
        })
        .collect()
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

/// Every target of the plan for `year` as of `as_of`. A target tied to a form row is measured by
/// `year_totals` (row code → the district's year-to-date total at the year's latest reported
/// quarter); the others by the progress `updates` the lead and cooperating units recorded within
/// the target's calendar.
pub fn evaluate<'a>(
    plan: &'a Plan,
    year: i32,
    as_of: NaiveDate,
    year_totals: &BTreeMap<String, Quantity>,
    updates: &[ProgressUpdate],
) -> Vec<TargetProgress<'a>> {
    plan.tasks
        .iter()
        .flat_map(|task| {
            task.targets
                .iter()
                .enumerate()
                .map(move |(i, target)| (task, i, target))
        })
        .map(|(task, index, target)| {
            let areas = if target.per_area {
                target.areas.len().max(1)
            } else {
                1
            };
            let required = Quantity::new(target.quantity.decimal() * Decimal::from(areas as u64));
            let periods = calendar_periods(plan, target.calendar, year);
            let over = periods.last().is_some_and(|p| p.ends_on < as_of);
            // Each batch is judged on its own, whatever the date.
            let share = if periods.is_empty() || over || target.calendar == Calendar::Batch {
                Decimal::ONE
            } else {
                let due = periods.iter().filter(|p| p.deadline <= as_of).count();
                Decimal::from(due as u64) / Decimal::from(periods.len() as u64)
            };
            let mine: Vec<&ProgressUpdate> = updates
                .iter()
                .filter(|u| u.task == task.code && u.target == index)
                .filter(|u| periods.iter().any(|p| p.code == u.period))
                .collect();
            let actual = measure(target, required, year_totals, &mine);
            let expected = Quantity::new(required.decimal() * share);
            let (status, shortfall) = match actual {
                None => (TargetStatus::Unmeasured, 0),
                Some(a) if a >= required => (TargetStatus::Done, 0),
                Some(a) if a < expected || (over && a < required) => (
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

/// What counts toward a target: its form row for a yearly target tied to one, otherwise the
/// recorded updates (per area up to each area's share; per batch, the share of batches that meet
/// it). `None` when nothing can measure it yet.
fn measure(
    target: &Target,
    required: Quantity,
    year_totals: &BTreeMap<String, Quantity>,
    updates: &[&ProgressUpdate],
) -> Option<Quantity> {
    if let (Calendar::Year, Some(row)) = (target.calendar, target.indicator.as_deref()) {
        return Some(year_totals.get(row).copied().unwrap_or_default());
    }
    if updates.is_empty() || target.calendar == Calendar::Quarter {
        return None;
    }
    let sum = |us: &mut dyn Iterator<Item = &&ProgressUpdate>| -> Decimal {
        us.map(|u| u.quantity.decimal()).sum()
    };
    Some(Quantity::new(match target.calendar {
        Calendar::Batch => {
            let ok = updates
                .iter()
                .filter(|u| u.quantity >= target.quantity)
                .count();
            required.decimal() * Decimal::from(ok as u64) / Decimal::from(updates.len() as u64)
        }
        _ if target.per_area => target
            .areas
            .iter()
            .map(|a| {
                sum(&mut updates
                    .iter()
                    .filter(|u| u.area.as_deref() == Some(a.as_str())))
                .min(target.quantity.decimal())
            })
            .sum(),
        _ => sum(&mut updates.iter()),
    }))
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
            let all = evaluate(&p, 2018, on, &totals, &[]);
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
        let all = evaluate(&p, 2018, date(2018, 12, 31), &totals, &[]);
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

#[cfg(test)]
mod update_tests {
    use super::*;
    use crate::plan::parse_plan;

    fn upd(task: &str, target: usize, area: Option<&str>, period: &str, q: &str) -> ProgressUpdate {
        ProgressUpdate {
            task: task.into(),
            target,
            area: area.map(str::to_string),
            period: period.parse().unwrap(),
            quantity: q.parse().unwrap(),
        }
    }

    #[test]
    fn school_year_batch_and_plan_targets_are_measured_by_updates() {
        let p = parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap();
        let on = NaiveDate::from_ymd_opt(2018, 7, 2).unwrap();
        let updates = vec![
            // School year Sep 2017 – Aug 2018: 2 + 2 batches of teachers; one in 2018Q3 belongs to the next.
            upd("1.2-6", 0, None, "2017Q4", "2"),
            upd("1.2-6", 0, None, "2018Q2", "2"),
            upd("1.2-6", 0, None, "2018Q3", "9"),
            // Two batches of school pairings: 5 and 3 pairs; one meets 每批不少于5对.
            upd("1.2-6", 2, None, "2018Q1", "5"),
            upd("1.2-6", 2, None, "2018Q2", "3"),
            // Donations over the whole plan.
            upd("1.2-6", 1, None, "2018Q1", "20"),
        ];
        let all = evaluate(&p, 2018, on, &BTreeMap::new(), &updates);
        let of = |i: usize| {
            all.iter()
                .filter(|t| t.task_code == "1.2-6")
                .nth(i)
                .unwrap()
        };
        // 2017Q4 is outside the plan's schedule (it starts in 2018Q1): only 2 of 5 batches count.
        assert_eq!(of(0).actual, Some("2".parse().unwrap()));
        assert_eq!(of(0).status, TargetStatus::Behind);
        assert_eq!(of(1).actual, Some("20".parse().unwrap()));
        assert_eq!(of(1).percent, Some(40));
        assert_eq!(
            of(2).actual,
            Some("2.5".parse().unwrap()),
            "half the batches meet it"
        );
        assert_eq!(of(2).status, TargetStatus::Behind);
    }

    #[test]
    fn per_area_updates_count_up_to_each_areas_share() {
        let p = parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap();
        let mut plan = p.clone();
        // Without its form row, the hospital target is measured from updates per county.
        plan.tasks
            .iter_mut()
            .find(|t| t.code == "1.2-7")
            .unwrap()
            .targets[0]
            .indicator = None;
        let updates = vec![
            upd("1.2-7", 0, Some("cyqq"), "2018Q1", "3"),
            upd("1.2-7", 0, Some("htx"), "2018Q2", "0"),
        ];
        let on = NaiveDate::from_ymd_opt(2019, 1, 5).unwrap();
        let all = evaluate(&plan, 2018, on, &BTreeMap::new(), &updates);
        let t = all.iter().find(|t| t.task_code == "1.2-7").unwrap();
        assert_eq!(
            t.actual,
            Some("1".parse().unwrap()),
            "察右前旗 counts 1 of its 3, 和田县 0"
        );
        assert_eq!(t.status, TargetStatus::Behind);
    }
}
