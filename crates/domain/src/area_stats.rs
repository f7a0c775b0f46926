//! Yearly poverty figures of a recipient area (受援地贫困数据): 建档立卡贫困户 and 贫困人口, 当年脱贫人口,
//! 贫困发生率, 贫困村 and whether the area has been delisted (摘帽). Parsed from the text a clerk
//! types (full-width digits accepted), with a Chinese message naming the field for every mistake.

use crate::plan::Plan;
use crate::quantity::Quantity;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::fmt;
use std::ops::RangeInclusive;

/// Years figures may be entered for: the plan's years and three on either side (建档立卡 began in
/// 2014; delisting and consolidation follow the plan).
pub fn figure_years(plan: &Plan) -> RangeInclusive<i32> {
    plan.info.start_year - 3..=plan.info.end_year + 3
}

/// Decimal places allowed in 贫困发生率 (%).
pub const INCIDENCE_PRECISION: u32 = 2;

/// One area's figures for one year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AreaYearStats {
    pub area: String,
    pub year: i32,
    /// 建档立卡贫困户（户）
    pub poor_households: i64,
    /// 建档立卡贫困人口（人）
    pub poor_people: i64,
    /// 当年脱贫人口（人）: may exceed the poor remaining at the year's end.
    pub lifted_out: i64,
    /// 贫困发生率（%）, 0 to 100 with at most two decimals.
    pub incidence: Quantity,
    /// 贫困村（个）
    pub poor_villages: i64,
    /// 是否摘帽
    pub delisted: bool,
    /// 摘帽年份, present exactly when delisted.
    pub delisted_year: Option<i32>,
}

impl AreaYearStats {
    /// One line for the audit trail and the page.
    pub fn summary(&self) -> String {
        format!(
            "{}年：建档立卡贫困户 {} 户，贫困人口 {} 人，当年脱贫 {} 人，贫困发生率 {}%，贫困村 {} 个，{}",
            self.year,
            self.poor_households,
            self.poor_people,
            self.lifted_out,
            self.incidence,
            self.poor_villages,
            match self.delisted_year {
                Some(y) if self.delisted => format!("已摘帽（{y}年）"),
                _ => "未摘帽".to_string(),
            }
        )
    }
}

/// The fields as typed in a form or sent as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct AreaStatsInput {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub poor_households: String,
    #[serde(default)]
    pub poor_people: String,
    #[serde(default)]
    pub lifted_out: String,
    #[serde(default)]
    pub incidence: String,
    #[serde(default)]
    pub poor_villages: String,
    /// A checkbox ("on"), "true"/"false", "是"/"否" or empty.
    #[serde(default)]
    pub delisted: String,
    #[serde(default)]
    pub delisted_year: String,
}

/// Which input a mistake is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Year,
    PoorHouseholds,
    PoorPeople,
    LiftedOut,
    Incidence,
    PoorVillages,
    Delisted,
    DelistedYear,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Year => "年份",
            Field::PoorHouseholds => "建档立卡贫困户（户）",
            Field::PoorPeople => "建档立卡贫困人口（人）",
            Field::LiftedOut => "当年脱贫人口（人）",
            Field::Incidence => "贫困发生率（%）",
            Field::PoorVillages => "贫困村（个）",
            Field::Delisted => "是否摘帽",
            Field::DelistedYear => "摘帽年份",
        }
    }

    /// The name of the input (form field and JSON key).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Year => "year",
            Field::PoorHouseholds => "poor_households",
            Field::PoorPeople => "poor_people",
            Field::LiftedOut => "lifted_out",
            Field::Incidence => "incidence",
            Field::PoorVillages => "poor_villages",
            Field::Delisted => "delisted",
            Field::DelistedYear => "delisted_year",
        }
    }
}

/// A mistake in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.field.label(), self.message)
    }
}

fn error(field: Field, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// A whole number typed as text ("1,200", "１２"), or the field's error.
fn whole(field: Field, text: &str, what: &str) -> Result<i64, FieldError> {
    if text.trim().is_empty() {
        return Err(error(field, "必须填写"));
    }
    let q: Quantity = text
        .parse()
        .map_err(|_| error(field, format!("应为{what}")))?;
    let d: Decimal = q.decimal();
    if d.fract() != Decimal::ZERO {
        return Err(error(field, format!("应为{what}")));
    }
    d.to_i64().ok_or_else(|| error(field, "数值过大"))
}

fn count(field: Field, text: &str) -> Result<i64, FieldError> {
    let n = whole(field, text, "不小于 0 的整数")?;
    if n < 0 {
        return Err(error(field, "应为不小于 0 的整数"));
    }
    Ok(n)
}

fn year(field: Field, text: &str, range: &RangeInclusive<i32>) -> Result<i32, FieldError> {
    let what = format!(" {} 到 {} 之间的年份", range.start(), range.end());
    let n = whole(field, text, &what)?;
    i32::try_from(n)
        .ok()
        .filter(|y| range.contains(y))
        .ok_or_else(|| error(field, format!("应为{what}")))
}

fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "false" | "0" | "off" | "no" | "否" => Some(false),
        "true" | "1" | "on" | "yes" | "是" => Some(true),
        _ => None,
    }
}

/// Checks the typed figures of `area`; `years` is the range of years figures may be entered for.
/// Returns every mistake, each naming its field.
pub fn parse(
    area: &str,
    input: &AreaStatsInput,
    years: RangeInclusive<i32>,
) -> Result<AreaYearStats, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut keep = |r: Result<i64, FieldError>| match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let the_year = keep(year(Field::Year, &input.year, &years).map(i64::from));
    let households = keep(count(Field::PoorHouseholds, &input.poor_households));
    let people = keep(count(Field::PoorPeople, &input.poor_people));
    let lifted_out = keep(count(Field::LiftedOut, &input.lifted_out));
    let villages = keep(count(Field::PoorVillages, &input.poor_villages));
    let incidence = match parse_incidence(&input.incidence) {
        Ok(q) => Some(q),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if let (Some(h), Some(p)) = (households, people) {
        if h > p {
            errors.push(error(
                Field::PoorHouseholds,
                format!("户数（{h}）不能大于建档立卡贫困人口（{p} 人）"),
            ));
        }
    }
    let delisted = yes_no(&input.delisted);
    if delisted.is_none() {
        errors.push(error(Field::Delisted, "应为“是”或“否”"));
    }
    let mut delisted_year = None;
    match (delisted, input.delisted_year.trim().is_empty()) {
        (Some(true), true) => errors.push(error(Field::DelistedYear, "已摘帽时必须填写")),
        (Some(true), false) => {
            let last = the_year.map_or(*years.end(), |y| y as i32);
            let range = (*years.start()).min(last)..=last;
            match year(Field::DelistedYear, &input.delisted_year, &range) {
                Ok(y) => delisted_year = Some(y),
                Err(_) => errors.push(error(
                    Field::DelistedYear,
                    format!("应为不晚于统计年份（{last}）的年份"),
                )),
            }
        }
        (Some(false), false) => errors.push(error(Field::DelistedYear, "未摘帽时不应填写")),
        _ => {}
    }
    match (
        the_year, households, people, lifted_out, villages, incidence, delisted,
    ) {
        (Some(y), Some(h), Some(p), Some(l), Some(v), Some(i), Some(d)) if errors.is_empty() => {
            Ok(AreaYearStats {
                area: area.to_string(),
                year: y as i32,
                poor_households: h,
                poor_people: p,
                lifted_out: l,
                incidence: i,
                poor_villages: v,
                delisted: d,
                delisted_year,
            })
        }
        _ => Err(errors),
    }
}

fn parse_incidence(text: &str) -> Result<Quantity, FieldError> {
    const RULE: &str = "应为 0 到 100 之间的数，最多两位小数";
    if text.trim().is_empty() {
        return Err(error(Field::Incidence, "必须填写"));
    }
    let text = text.trim().trim_end_matches(['%', '％']);
    let q = Quantity::parse_with_precision(text, INCIDENCE_PRECISION)
        .map_err(|_| error(Field::Incidence, RULE))?;
    if q < Quantity::ZERO || q.decimal() > Decimal::from(100) {
        return Err(error(Field::Incidence, RULE));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AreaStatsInput {
        AreaStatsInput {
            year: "2018".into(),
            poor_households: "1,200".into(),
            poor_people: "4500".into(),
            lifted_out: "800".into(),
            incidence: "5.25".into(),
            poor_villages: "30".into(),
            delisted: String::new(),
            delisted_year: String::new(),
        }
    }

    fn messages(i: &AreaStatsInput) -> Vec<String> {
        parse("cyqq", i, 2014..=2023)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn good_figures_parse_with_full_width_digits() {
        let mut i = input();
        i.poor_villages = "３０".into();
        i.incidence = "５．２５％".into();
        let s = parse("cyqq", &i, 2014..=2023).unwrap();
        assert_eq!(s.poor_households, 1200);
        assert_eq!(s.poor_villages, 30);
        assert_eq!(s.incidence.to_string(), "5.25");
        assert!(!s.delisted && s.delisted_year.is_none());
        assert!(s.summary().contains("贫困发生率 5.25%"));
    }

    #[test]
    fn incidence_is_a_percentage_with_two_decimals() {
        for bad in ["100.5", "-1", "5.255", "abc"] {
            let mut i = input();
            i.incidence = bad.into();
            assert_eq!(
                messages(&i),
                ["贫困发生率（%）：应为 0 到 100 之间的数，最多两位小数"],
                "{bad}"
            );
        }
        let mut i = input();
        i.incidence = "100".into();
        assert!(parse("cyqq", &i, 2014..=2023).is_ok());
    }

    #[test]
    fn counts_are_whole_and_non_negative_and_households_fit_in_people() {
        let mut i = input();
        i.poor_people = "-3".into();
        i.poor_villages = "2.5".into();
        i.lifted_out = String::new();
        let m = messages(&i);
        assert!(m.contains(&"建档立卡贫困人口（人）：应为不小于 0 的整数".to_string()));
        assert!(m.contains(&"贫困村（个）：应为不小于 0 的整数".to_string()));
        assert!(m.contains(&"当年脱贫人口（人）：必须填写".to_string()));
        let mut i = input();
        i.poor_households = "5000".into();
        assert_eq!(
            messages(&i),
            ["建档立卡贫困户（户）：户数（5000）不能大于建档立卡贫困人口（4500 人）"]
        );
        // More people lifted out in the year than remain poor is fine.
        let mut i = input();
        i.lifted_out = "9000".into();
        assert!(parse("cyqq", &i, 2014..=2023).is_ok());
    }

    #[test]
    fn years_are_in_range_and_delisting_needs_its_year() {
        let mut i = input();
        i.year = "2031".into();
        assert_eq!(messages(&i), ["年份：应为 2014 到 2023 之间的年份"]);
        let mut i = input();
        i.delisted = "on".into();
        assert_eq!(messages(&i), ["摘帽年份：已摘帽时必须填写"]);
        i.delisted_year = "2019".into();
        assert_eq!(messages(&i), ["摘帽年份：应为不晚于统计年份（2018）的年份"]);
        i.delisted_year = "2017".into();
        let s = parse("cyqq", &i, 2014..=2023).unwrap();
        assert_eq!((s.delisted, s.delisted_year), (true, Some(2017)));
        assert!(s.summary().ends_with("已摘帽（2017年）"));
        let mut i = input();
        i.delisted_year = "2017".into();
        assert_eq!(messages(&i), ["摘帽年份：未摘帽时不应填写"]);
        i.delisted = "也许".into();
        assert!(messages(&i).contains(&"是否摘帽：应为“是”或“否”".to_string()));
    }
}
