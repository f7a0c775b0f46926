//! Annual assessment (考核) of each unit: timeliness and completeness of its quarterly reports,
//! completion of the targets it leads, evidence supplied, and the coordinator's own score. The
//! weights come from the plan file (the method changes from year to year).

use rust_decimal::Decimal;
use serde::Serialize;

/// Points per part; the built-in default sums to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Weights {
    pub timeliness: Decimal,
    pub completeness: Decimal,
    pub targets: Decimal,
    pub evidence: Decimal,
    pub coordinator: Decimal,
    /// 台账一致: fed rows whose reported figure matches the register's (0: not assessed).
    pub registers: Decimal,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            timeliness: Decimal::from(30),
            completeness: Decimal::from(30),
            targets: Decimal::from(25),
            evidence: Decimal::from(5),
            coordinator: Decimal::from(10),
            registers: Decimal::ZERO,
        }
    }
}

/// What a unit did in a year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Reports due so far in the year.
    pub due: u32,
    /// Of those, submitted (including approved).
    pub submitted: u32,
    /// Of those, before the deadline.
    pub on_time: u32,
    /// Of those, with at least one evidence file.
    pub with_evidence: u32,
    /// Completion (percent, any value) of each measurable target the unit leads.
    pub led_targets: Vec<u32>,
    /// Which reports were late and which are missing (period labels), and each led target's
    /// task and completion, so that every lost point is explained.
    pub late_periods: Vec<String>,
    pub missing_periods: Vec<String>,
    pub target_details: Vec<(String, u32)>,
    /// The coordinator's score, out of the coordinator weight.
    pub coordinator: Option<Decimal>,
    /// Rows a register fills, over the submitted reports: how many, how many match the register,
    /// and which do not ("2018年第一季度 一、3（填报 3，台账 1）").
    pub register_rows: u32,
    pub register_matching: u32,
    pub register_mismatches: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    pub name: &'static str,
    pub points: Decimal,
    pub max: Decimal,
    /// Why, in words a unit can check by hand.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Score {
    pub total: Decimal,
    pub parts: Vec<Part>,
}

/// Points earned: nothing is earned for what was never due or never done.
fn share(weight: Decimal, part: u32, whole: u32) -> Decimal {
    if whole == 0 {
        Decimal::ZERO
    } else {
        (weight * Decimal::from(part) / Decimal::from(whole)).round_dp(2)
    }
}

/// "；迟报：2018年第一季度、2018年第二季度", or nothing.
fn listed(what: &str, items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("；{what}：{}", items.join("、"))
    }
}

/// "：1.2-1 完成 50%，2.3-1 完成 150%", or nothing.
fn details(targets: &[(String, u32)]) -> String {
    if targets.is_empty() {
        return String::new();
    }
    let each: Vec<String> = targets
        .iter()
        .map(|(task, p)| format!("{task} 完成 {p}%"))
        .collect();
    format!("：{}", each.join("，"))
}

const NOTHING_DUE: &str = "本年尚无到期报表，暂不计分";

pub fn score(w: &Weights, f: &Facts) -> Score {
    let mut parts = vec![
        Part {
            name: "报送完整",
            points: share(w.completeness, f.submitted, f.due),
            max: w.completeness,
            reason: if f.due == 0 {
                NOTHING_DUE.into()
            } else {
                format!(
                    "应报 {} 期，已报 {} 期{}",
                    f.due,
                    f.submitted,
                    listed("缺报", &f.missing_periods)
                )
            },
        },
        Part {
            name: "报送及时",
            points: share(w.timeliness, f.on_time, f.due),
            max: w.timeliness,
            reason: if f.due == 0 {
                NOTHING_DUE.into()
            } else {
                format!(
                    "应报 {} 期，按时报送 {} 期{}",
                    f.due,
                    f.on_time,
                    listed("迟报", &f.late_periods)
                )
            },
        },
    ];
    let (targets, reason) = if f.led_targets.is_empty() {
        // A unit that leads no measurable target is scored on its own reports instead.
        (
            share(w.targets, f.submitted, f.due),
            format!(
                "本单位没有可衡量的牵头目标，此项按报送完整率计：应报 {} 期，已报 {} 期",
                f.due, f.submitted
            ),
        )
    } else {
        let capped: u32 = f.led_targets.iter().map(|p| (*p).min(100)).sum();
        let n = f.led_targets.len() as u32;
        let avg = Decimal::from(capped) / Decimal::from(n);
        (
            (w.targets * avg / Decimal::from(100)).round_dp(2),
            format!(
                "牵头目标 {n} 个，平均完成率 {}%（超过 100% 按 100% 计）{}",
                avg.round_dp(1),
                details(&f.target_details)
            ),
        )
    };
    parts.push(Part {
        name: "目标完成",
        points: targets,
        max: w.targets,
        reason,
    });
    parts.push(Part {
        name: "佐证材料",
        points: share(w.evidence, f.with_evidence, f.submitted),
        max: w.evidence,
        reason: if f.submitted == 0 {
            "尚无已报送的报表，不得分".into()
        } else {
            format!("已报 {} 期，附佐证材料 {} 期", f.submitted, f.with_evidence)
        },
    });
    if w.registers > Decimal::ZERO {
        parts.push(registers_part(w, f));
    }
    parts.push(match f.coordinator {
        Some(s) => Part {
            name: "汇总单位评分",
            points: s.min(w.coordinator).max(Decimal::ZERO),
            max: w.coordinator,
            reason: "汇总单位评定".into(),
        },
        None => Part {
            name: "汇总单位评分",
            points: Decimal::ZERO,
            max: w.coordinator,
            reason: "汇总单位尚未评分，计 0 分".into(),
        },
    });
    Score {
        total: parts.iter().map(|p| p.points).sum(),
        parts,
    }
}

/// 台账一致: the submitted figures of rows a register fills that match it. A unit no register
/// feeds is scored on its report completeness instead.
fn registers_part(w: &Weights, f: &Facts) -> Part {
    let (points, reason) = if f.register_rows == 0 {
        (
            share(w.registers, f.submitted, f.due),
            format!(
                "本单位已报送的报表中没有由台账填报的指标，此项按报送完整率计：应报 {} 期，已报 {} 期",
                f.due, f.submitted
            ),
        )
    } else {
        (
            share(w.registers, f.register_matching, f.register_rows),
            format!(
                "由台账填报的指标 {} 项次，与台账一致 {} 项次{}",
                f.register_rows,
                f.register_matching,
                listed("不一致", &f.register_mismatches)
            ),
        )
    };
    Part {
        name: "台账一致",
        points,
        max: w.registers,
        reason,
    }
}

/// The coordinator's own score of a unit as typed: a number from 0 to `max` with two decimals at
/// most, and the reason (评语) that must go with it. Every mistake, in Chinese.
pub fn parse_coordinator_score(
    score: &str,
    comment: &str,
    max: Decimal,
) -> Result<crate::Quantity, Vec<String>> {
    let mut errors = Vec::new();
    let parsed = crate::Quantity::parse_non_negative(score, 2)
        .map_err(|e| errors.push(format!("评分：{e}")))
        .ok()
        .filter(|q| {
            let fits = q.decimal() <= max;
            if !fits {
                errors.push(format!("评分应在 0 到 {} 之间", max.normalize()));
            }
            fits
        });
    if let Err(e) = crate::report::check_text("评语", comment, 500) {
        errors.push(e);
    } else if comment.trim().is_empty() {
        errors.push("评分时请写明理由（评语）".into());
    }
    match parsed {
        Some(q) if errors.is_empty() => Ok(q),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coordinators_score_is_bounded_and_explained() {
        let max = Decimal::from(10);
        assert_eq!(
            parse_coordinator_score("8.5", "工作积极", max)
                .unwrap()
                .to_string(),
            "8.5"
        );
        assert_eq!(
            parse_coordinator_score("12", "", max).unwrap_err(),
            vec!["评分应在 0 到 10 之间", "评分时请写明理由（评语）"]
        );
        assert!(parse_coordinator_score("八", "好", max).unwrap_err()[0].starts_with("评分："));
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_hand_computed_year() {
        // 4 reports due, 3 submitted, 2 on time, 1 with evidence; targets at 50% and 150%;
        // the coordinator gives 8 of 10.
        let facts = Facts {
            due: 4,
            submitted: 3,
            on_time: 2,
            with_evidence: 1,
            led_targets: vec![50, 150],
            late_periods: vec!["2018年第二季度".into()],
            missing_periods: vec!["2018年第四季度".into()],
            target_details: vec![("1.2-1".into(), 50), ("2.3-1".into(), 150)],
            coordinator: Some(d("8")),
            ..Facts::default()
        };
        let s = score(&Weights::default(), &facts);
        let points: Vec<String> = s
            .parts
            .iter()
            .map(|p| p.points.normalize().to_string())
            .collect();
        // 30*3/4, 30*2/4, 25*(50+100)/2/100, 5*1/3, 8
        assert_eq!(points, ["22.5", "15", "18.75", "1.67", "8"]);
        assert_eq!(s.total, d("65.92"));
        assert_eq!(
            s.parts[2].reason,
            "牵头目标 2 个，平均完成率 75%（超过 100% 按 100% 计）：1.2-1 完成 50%，2.3-1 完成 150%"
        );
        assert_eq!(
            s.parts[0].reason,
            "应报 4 期，已报 3 期；缺报：2018年第四季度"
        );
        assert_eq!(
            s.parts[1].reason,
            "应报 4 期，按时报送 2 期；迟报：2018年第二季度"
        );
    }

    #[test]
    fn nothing_done_earns_nothing_and_no_coordinator_score_is_zero() {
        let s = score(&Weights::default(), &Facts::default());
        assert_eq!(s.total, Decimal::ZERO);
        assert!(s.parts[4].reason.contains("尚未评分"));
        // Four reports due, none submitted, no targets led: not 30 points for nothing.
        let idle = Facts {
            due: 4,
            missing_periods: vec!["2018年第一季度".into()],
            ..Facts::default()
        };
        let s = score(&Weights::default(), &idle);
        assert_eq!(s.total, Decimal::ZERO, "{:?}", s.parts);
        assert_eq!(s.parts[3].reason, "尚无已报送的报表，不得分");
    }

    #[test]
    fn a_unit_without_targets_of_its_own_is_scored_on_its_reports() {
        let facts = Facts {
            due: 4,
            submitted: 3,
            on_time: 3,
            with_evidence: 3,
            ..Facts::default()
        };
        let s = score(&Weights::default(), &facts);
        // 25 * 3/4 for 目标完成, and the page says why.
        assert_eq!(s.parts[2].points, d("18.75"));
        assert_eq!(
            s.parts[2].reason,
            "本单位没有可衡量的牵头目标，此项按报送完整率计：应报 4 期，已报 3 期"
        );
    }

    #[test]
    fn registers_count_where_the_plan_weighs_them() {
        let w = Weights {
            coordinator: d("0"),
            registers: d("10"),
            ..Weights::default()
        };
        let facts = Facts {
            due: 2,
            submitted: 2,
            register_rows: 4,
            register_matching: 3,
            register_mismatches: vec!["2018年第一季度 一、3（填报 3，台账 1）".into()],
            ..Facts::default()
        };
        let s = score(&w, &facts);
        let part = s.parts.iter().find(|p| p.name == "台账一致").unwrap();
        assert_eq!(part.points, d("7.5"));
        assert_eq!(
            part.reason,
            "由台账填报的指标 4 项次，与台账一致 3 项次；不一致：2018年第一季度 一、3（填报 3，台账 1）"
        );
        let none = score(
            &w,
            &Facts {
                register_rows: 0,
                ..facts
            },
        );
        let part = none.parts.iter().find(|p| p.name == "台账一致").unwrap();
        assert_eq!(part.points, d("10"));
        assert!(part.reason.contains("按报送完整率计"));
        // Not weighed: not shown.
        assert!(score(&Weights::default(), &Facts::default())
            .parts
            .iter()
            .all(|p| p.name != "台账一致"));
    }
}
