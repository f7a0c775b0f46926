//! Reporting periods (quarters) and their deadlines.
//!
//! The plan says "每季度最后一月20日前报送": a period's deadline is a day in one month of the quarter,
//! not the quarter's last day. Both numbers come from the plan file.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// A quarter such as `2018Q1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeriodCode {
    year: i32,
    quarter: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效的报送期，应写成 年份+Q+季度，例如 2018Q1")]
pub struct PeriodCodeError(pub String);

impl PeriodCode {
    pub fn new(year: i32, quarter: u8) -> Option<Self> {
        ((1..=4).contains(&quarter) && (1900..=9999).contains(&year))
            .then_some(PeriodCode { year, quarter })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn quarter(self) -> u8 {
        self.quarter
    }

    pub fn next(self) -> Self {
        if self.quarter == 4 {
            PeriodCode {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            PeriodCode {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }

    /// The quarter before, within the same year (for year-to-date increments); `None` for Q1.
    pub fn previous_in_year(self) -> Option<Self> {
        (self.quarter > 1).then(|| PeriodCode {
            year: self.year,
            quarter: self.quarter - 1,
        })
    }

    fn first_month(self) -> u32 {
        (self.quarter as u32 - 1) * 3 + 1
    }

    pub fn starts_on(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.first_month(), 1).expect("quarter start exists")
    }

    pub fn ends_on(self) -> NaiveDate {
        self.next()
            .starts_on()
            .pred_opt()
            .expect("day before a quarter exists")
    }

    /// The deadline on `day` of the quarter's `month_of_quarter`-th month (1..=3), if that date exists.
    pub fn deadline(self, month_of_quarter: u32, day: u32) -> Option<NaiveDate> {
        if !(1..=3).contains(&month_of_quarter) {
            return None;
        }
        NaiveDate::from_ymd_opt(self.year, self.first_month() + month_of_quarter - 1, day)
    }

    /// "2018年第一季度"
    pub fn label(self) -> String {
        const NAMES: [&str; 4] = ["一", "二", "三", "四"];
        format!("{}年第{}季度", self.year, NAMES[self.quarter as usize - 1])
    }

    /// The periods from `self` to `last`, both included.
    pub fn through(self, last: PeriodCode) -> impl Iterator<Item = PeriodCode> {
        std::iter::successors(Some(self).filter(|p| *p <= last), move |p| {
            Some(p.next()).filter(|n| *n <= last)
        })
    }
}

impl FromStr for PeriodCode {
    type Err = PeriodCodeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || PeriodCodeError(text.to_string());
        let upper = text.trim().to_ascii_uppercase();
        let (year, quarter) = upper.split_once('Q').ok_or_else(err)?;
        let year: i32 = year.trim_end_matches('-').parse().map_err(|_| err())?;
        let quarter: u8 = quarter.parse().map_err(|_| err())?;
        PeriodCode::new(year, quarter).ok_or_else(err)
    }
}

impl fmt::Display for PeriodCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

impl serde::Serialize for PeriodCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A reporting period with its dates, as the plan's schedule defines it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Period {
    pub code: PeriodCode,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub deadline: NaiveDate,
}

impl Period {
    pub fn label(&self) -> String {
        self.code.label()
    }

    pub fn deadline_status(&self, today: NaiveDate) -> DeadlineStatus {
        DeadlineStatus::between(today, self.deadline)
    }
}

/// How a deadline stands on a given day: "距截止 N 天", "今日截止" or "已逾期 N 天".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineStatus {
    DueIn(i64),
    DueToday,
    Overdue(i64),
}

impl DeadlineStatus {
    pub fn between(today: NaiveDate, deadline: NaiveDate) -> Self {
        let days = (deadline - today).num_days();
        match days {
            0 => DeadlineStatus::DueToday,
            d if d > 0 => DeadlineStatus::DueIn(d),
            d => DeadlineStatus::Overdue(-d),
        }
    }
}

impl fmt::Display for DeadlineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeadlineStatus::DueIn(d) => write!(f, "距截止 {d} 天"),
            DeadlineStatus::DueToday => f.write_str("今日截止"),
            DeadlineStatus::Overdue(d) => write!(f, "已逾期 {d} 天"),
        }
    }
}

/// The school year (September to August) a date falls in, named by its starting year.
pub fn school_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_and_prints_codes() {
        let p: PeriodCode = "2018q3".parse().unwrap();
        assert_eq!(p.to_string(), "2018Q3");
        assert_eq!(p.label(), "2018年第三季度");
        assert!("2018Q5".parse::<PeriodCode>().is_err());
        assert!("2018".parse::<PeriodCode>().is_err());
        assert!("Q1".parse::<PeriodCode>().is_err());
    }

    #[test]
    fn deadline_is_twentieth_of_last_month() {
        let q1: PeriodCode = "2018Q1".parse().unwrap();
        assert_eq!(q1.deadline(3, 20), Some(date(2018, 3, 20)));
        let q4: PeriodCode = "2020Q4".parse().unwrap();
        assert_eq!(q4.deadline(3, 20), Some(date(2020, 12, 20)));
        assert_eq!(q1.deadline(1, 31), Some(date(2018, 1, 31)));
        assert_eq!(q1.deadline(2, 30), None);
        assert_eq!(q1.deadline(4, 1), None);
    }

    #[test]
    fn quarter_bounds() {
        let q4: PeriodCode = "2019Q4".parse().unwrap();
        assert_eq!(q4.starts_on(), date(2019, 10, 1));
        assert_eq!(q4.ends_on(), date(2019, 12, 31));
        assert_eq!(q4.next().to_string(), "2020Q1");
        assert_eq!(q4.previous_in_year().unwrap().to_string(), "2019Q3");
        assert_eq!(
            "2019Q1".parse::<PeriodCode>().unwrap().previous_in_year(),
            None
        );
    }

    #[test]
    fn iterates_inclusive_ranges() {
        let first: PeriodCode = "2018Q1".parse().unwrap();
        let last: PeriodCode = "2020Q4".parse().unwrap();
        let all: Vec<_> = first.through(last).collect();
        assert_eq!(all.len(), 12);
        assert_eq!(all[11], last);
        assert_eq!(last.through(first).count(), 0);
    }

    #[test]
    fn deadline_status_texts() {
        let deadline = date(2018, 3, 20);
        assert_eq!(
            DeadlineStatus::between(date(2018, 3, 17), deadline).to_string(),
            "距截止 3 天"
        );
        assert_eq!(
            DeadlineStatus::between(deadline, deadline),
            DeadlineStatus::DueToday
        );
        assert_eq!(
            DeadlineStatus::between(date(2018, 3, 25), deadline).to_string(),
            "已逾期 5 天"
        );
    }

    #[test]
    fn school_year_starts_in_september() {
        assert_eq!(school_year_of(date(2018, 8, 31)), 2017);
        assert_eq!(school_year_of(date(2018, 9, 1)), 2018);
    }
}
