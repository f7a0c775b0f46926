//! The plan (实施方案) as data: who helps whom, the tasks and their targets, the progress form and its
//! rules, and the reporting schedule. Loaded from a TOML file (see `plans/README.md` for the format)
//! by [`load::parse_plan`], which validates every reference and reports errors with their line.

mod file;
pub mod load;
pub mod view;

pub use load::{parse_plan, PlanError, PlanErrors};

use crate::period::{Period, PeriodCode};
use crate::quantity::Quantity;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub info: PlanInfo,
    pub schedule: Schedule,
    pub measure_units: Vec<MeasureUnit>,
    pub donors: Vec<Donor>,
    pub units: Vec<Unit>,
    pub groups: Vec<UnitGroup>,
    pub areas: Vec<Area>,
    pub pairing_kinds: Vec<PairingKind>,
    pub pairings: Vec<Pairing>,
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
    pub cells: Vec<ResponsibilityCell>,
    pub indicators: Vec<Indicator>,
    pub rules: Vec<Rule>,
    /// Points of each part of the annual assessment (考核).
    pub assessment: crate::assessment::Weights,
    /// Areas of the national assessment grouping form rows and tasks (组织领导, 资金支持 …).
    pub categories: Vec<Category>,
    /// The funds ledger's sources and the form rows it fills.
    pub ledger: crate::ledger::LedgerConfig,
    /// What the leaders' dashboard shows first (plan data, not Rust).
    pub dashboard: DashboardConfig,
    /// The registers (台账) units keep, and the form rows they fill.
    pub registries: Vec<crate::registry::Registry>,
}

/// The rows the dashboard shows as key figures and the row its funds chart draws by year. A plan
/// without a `[dashboard]` table gets the first rows of each section that take a value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub struct DashboardConfig {
    pub key_rows: Vec<String>,
    pub funds_row: Option<String>,
}

impl Plan {
    /// The dashboard's key rows: as the plan file names them, or the first value-taking row of
    /// each section when it names none.
    pub fn dashboard_key_rows(&self) -> Vec<&Indicator> {
        if !self.dashboard.key_rows.is_empty() {
            return self
                .dashboard
                .key_rows
                .iter()
                .filter_map(|c| self.indicator(c))
                .collect();
        }
        let mut seen = std::collections::HashSet::new();
        self.indicators
            .iter()
            .filter(|i| i.takes_value())
            .filter(|i| seen.insert(self.section_of_row(i)))
            .collect()
    }

    /// The top-level row (一、二、…) a row belongs to.
    fn section_of_row<'a>(&'a self, row: &'a Indicator) -> &'a str {
        std::iter::successors(Some(row), |i| {
            i.parent.as_deref().and_then(|p| self.indicator(p))
        })
        .last()
        .map_or(row.code.as_str(), |top| top.code.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub indicators: Vec<String>,
    pub tasks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanInfo {
    pub code: String,
    pub title: String,
    pub document_number: String,
    pub issued_by: Vec<String>,
    pub issued_on: NaiveDate,
    pub district: String,
    pub form_title: String,
    /// The unit that collects and aggregates the reports (汇总单位).
    pub coordinator: String,
    pub start_year: i32,
    pub end_year: i32,
}

/// Whether reported values accumulate from the start of the year or cover one quarter only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValueBasis {
    /// 年初至本季度末累计
    Ytd,
    /// 本季度
    Quarter,
}

impl ValueBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueBasis::Ytd => "ytd",
            ValueBasis::Quarter => "quarter",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ytd" => Some(ValueBasis::Ytd),
            "quarter" => Some(ValueBasis::Quarter),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ValueBasis::Ytd => "年初至本季度末累计数",
            ValueBasis::Quarter => "本季度数",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub first: PeriodCode,
    pub last: PeriodCode,
    /// Which month of the quarter holds the deadline (3 = the quarter's last month).
    pub deadline_month_of_quarter: u32,
    pub deadline_day: u32,
    pub basis: ValueBasis,
    /// Days before each deadline on which units without a submitted report are reminded, from
    /// the earliest (most days) to the last; `reminder_days` in the file, [7, 2] when absent.
    pub reminder_days: Vec<u32>,
}

impl Schedule {
    /// Every reporting period with its deadline. Validation guarantees the deadline dates exist.
    pub fn periods(&self) -> Vec<Period> {
        self.first
            .through(self.last)
            .filter_map(|code| {
                Some(Period {
                    code,
                    starts_on: code.starts_on(),
                    ends_on: code.ends_on(),
                    deadline: code.deadline(self.deadline_month_of_quarter, self.deadline_day)?,
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureUnit {
    pub name: String,
    /// Decimal places a value in this unit may carry (万元 2, 亿元 4, counts 0).
    pub precision: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Donor {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    /// Explicit display order: Chinese names do not sort by code point.
    pub sort: i32,
    /// The donor side the unit belongs to (区 or 开发区).
    pub donor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitGroup {
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Area {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub level: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingKind {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pairing {
    /// A donor code or a unit code.
    pub donor: String,
    pub area: String,
    pub kind: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    pub code: String,
    /// As printed: "一、" or "1."
    pub number: String,
    pub title: String,
    pub parent: Option<String>,
    pub areas: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub code: String,
    pub section: String,
    pub title: String,
    /// The measure's text as the document words it, without the responsibility brackets.
    pub text: String,
    pub areas: Vec<String>,
    /// Units or unit groups named 牵头部门.
    pub lead: Vec<String>,
    /// The document also names 受援地 (the recipient area itself) as a lead party.
    pub recipient_leads: bool,
    /// Units or unit groups named 配合部门.
    pub cooperating: Vec<String>,
    pub targets: Vec<Target>,
}

/// The time frame a target's quantity applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Calendar {
    Quarter,
    Year,
    /// September to August.
    SchoolYear,
    /// Each batch (每批).
    Batch,
    /// The whole plan period.
    Plan,
}

impl Calendar {
    pub const ALL: [Calendar; 5] = [
        Calendar::Quarter,
        Calendar::Year,
        Calendar::SchoolYear,
        Calendar::Batch,
        Calendar::Plan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Calendar::Quarter => "quarter",
            Calendar::Year => "year",
            Calendar::SchoolYear => "school_year",
            Calendar::Batch => "batch",
            Calendar::Plan => "plan",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Calendar::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Calendar::Quarter => "每季度",
            Calendar::Year => "每年",
            Calendar::SchoolYear => "每学年",
            Calendar::Batch => "每批",
            Calendar::Plan => "方案期内",
        }
    }
}

/// How the document words the commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// 不少于 / 至少
    AtLeast,
    /// 左右
    About,
    /// 力争
    Strive,
}

impl Comparison {
    pub const ALL: [Comparison; 3] = [Comparison::AtLeast, Comparison::About, Comparison::Strive];

    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::AtLeast => "at_least",
            Comparison::About => "about",
            Comparison::Strive => "strive",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Comparison::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Comparison::AtLeast => "不少于",
            Comparison::About => "左右",
            Comparison::Strive => "力争",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub description: String,
    pub quantity: Quantity,
    pub unit: String,
    pub calendar: Calendar,
    pub comparison: Comparison,
    /// The quantity applies to each area in `areas` separately (每年至少各结对1家).
    pub per_area: bool,
    /// The areas the target concerns; the task's areas when the file names none.
    pub areas: Vec<String>,
    /// A form row whose reported values measure progress toward this target.
    pub indicator: Option<String>,
    /// A register whose entries (of the task's lead and cooperating units) measure it.
    pub registry: Option<crate::registry::TargetMeasure>,
}

impl Target {
    /// "每年 不少于 5 批"
    pub fn summary(&self) -> String {
        let per_area = if self.per_area {
            "（每个受援地）"
        } else {
            ""
        };
        format!(
            "{}{} {} {}{}",
            self.calendar.label(),
            per_area,
            self.comparison.label(),
            self.quantity,
            self.unit
        )
    }
}

/// One merged cell of the form's 填报单位 column: its printed text and the parties it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponsibilityCell {
    pub code: String,
    pub text: String,
    /// Units or unit groups.
    pub parties: Vec<String>,
}

/// One row of the progress form (附件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub code: String,
    /// The numbering as printed: "一、", "1.", "1.1", "其中：" or empty for a continuation line.
    pub number: String,
    pub name: String,
    /// `None` for a heading row that carries no value.
    pub unit: Option<String>,
    pub parent: Option<String>,
    /// A 其中 (of which) row: part of its parent.
    pub of_which: bool,
    /// False for the rows the city's departments fill (市级部门), which a district leaves empty.
    pub district_fills: bool,
    pub cell: Option<String>,
}

impl Indicator {
    /// The label as printed on the form: numbering followed by the name.
    pub fn label(&self) -> String {
        format!("{}{}", self.number, self.name)
    }

    pub fn is_heading(&self) -> bool {
        self.unit.is_none()
    }

    /// Whether a unit fills a value in this row at all.
    pub fn takes_value(&self) -> bool {
        !self.is_heading() && self.district_fills
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// left = sum of right
    Sum,
    /// left ≤ right[0] (a 其中 row never exceeds its parent)
    AtMost,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Sum => "sum",
            RuleKind::AtMost => "at_most",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sum" => Some(RuleKind::Sum),
            "at_most" => Some(RuleKind::AtMost),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub kind: RuleKind,
    pub left: String,
    pub right: Vec<String>,
}

/// The recipient area named as a lead party (受援地); not a unit of the district.
pub const RECIPIENT_LEAD_LABEL: &str = "受援地";

impl Plan {
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }

    pub fn group(&self, code: &str) -> Option<&UnitGroup> {
        self.groups.iter().find(|g| g.code == code)
    }

    pub fn area(&self, code: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.code == code)
    }

    /// The area's name, or the code itself if the plan has no such area.
    pub fn area_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.area(code).map_or(code, |a| a.name.as_str())
    }

    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    pub fn cell(&self, code: &str) -> Option<&ResponsibilityCell> {
        self.cells.iter().find(|c| c.code == code)
    }

    pub fn section(&self, code: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.code == code)
    }

    /// A section as headings write it: "一、结对帮扶"; empty if unknown.
    pub fn section_label(&self, code: &str) -> String {
        self.section(code)
            .map(|s| format!("{}{}", s.number, s.title))
            .unwrap_or_default()
    }

    /// The display names of codes joined as a list in Chinese text: "察右前旗、和田县".
    pub fn joined_names(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.party_name(c))
            .collect::<Vec<_>>()
            .join("、")
    }

    /// The display name of a unit, group, donor or area code; the code itself if unknown.
    pub fn party_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.unit(code)
            .map(|u| u.name.as_str())
            .or_else(|| self.group(code).map(|g| g.name.as_str()))
            .or_else(|| {
                self.donors
                    .iter()
                    .find(|d| d.code == code)
                    .map(|d| d.name.as_str())
            })
            .or_else(|| self.area(code).map(|a| a.name.as_str()))
            .unwrap_or(code)
    }

    /// The units a party stands for: a unit itself, or a group's members.
    pub fn expand_party(&self, code: &str) -> Vec<&str> {
        match self.group(code) {
            Some(group) => group.members.iter().map(String::as_str).collect(),
            None => self
                .unit(code)
                .map(|u| vec![u.code.as_str()])
                .unwrap_or_default(),
        }
    }

    /// The parties responsible for a form row (its 填报单位 cell).
    pub fn responsible_parties(&self, indicator: &Indicator) -> &[String] {
        indicator
            .cell
            .as_deref()
            .and_then(|c| self.cell(c))
            .map(|c| c.parties.as_slice())
            .unwrap_or(&[])
    }

    /// Every unit that must fill `indicator`, groups expanded, in unit sort order.
    pub fn responsible_units(&self, indicator: &Indicator) -> Vec<&Unit> {
        if !indicator.takes_value() {
            return Vec::new();
        }
        // A set: a city plan has hundreds of units, each tested against hundreds of codes.
        let codes: std::collections::HashSet<&str> = self
            .responsible_parties(indicator)
            .iter()
            .flat_map(|p| self.expand_party(p))
            .collect();
        let mut units: Vec<&Unit> = self
            .units
            .iter()
            .filter(|u| codes.contains(&u.code.as_str()))
            .collect();
        units.sort_by_key(|u| u.sort);
        units
    }

    /// The form rows a unit must fill.
    ///
    /// The same rows as asking [`Plan::responsible_units`] of every row, but without listing
    /// every responsible unit: linear in the parties, not quadratic in the units (a city's plan
    /// has hundreds of units in one merged cell).
    pub fn indicators_for_unit(&self, unit_code: &str) -> Vec<&Indicator> {
        if self.unit(unit_code).is_none() {
            return Vec::new();
        }
        let names_unit = |party: &String| match self.group(party) {
            Some(group) => group.members.iter().any(|m| m == unit_code),
            None => party == unit_code,
        };
        self.indicators
            .iter()
            .filter(|i| i.takes_value() && self.responsible_parties(i).iter().any(names_unit))
            .collect()
    }

    /// Decimal places allowed in a value of this measure unit (0 when unknown).
    pub fn precision(&self, unit_name: &str) -> u32 {
        self.measure_units
            .iter()
            .find(|m| m.name == unit_name)
            .map(|m| m.precision)
            .unwrap_or(0)
    }

    /// Nesting depth of a form row (0 for a top-level heading), for indentation.
    pub fn depth(&self, indicator: &Indicator) -> usize {
        std::iter::successors(indicator.parent.as_deref(), |p| {
            self.indicator(p).and_then(|i| i.parent.as_deref())
        })
        .take(self.indicators.len())
        .count()
    }

    /// Units in their explicit display order.
    pub fn units_sorted(&self) -> Vec<&Unit> {
        let mut units: Vec<&Unit> = self.units.iter().collect();
        units.sort_by_key(|u| u.sort);
        units
    }

    pub fn periods(&self) -> Vec<Period> {
        self.schedule.periods()
    }

    /// Lead parties' display names, with 受援地 where the document names it.
    pub fn lead_names(&self, task: &Task) -> Vec<String> {
        let mut names: Vec<String> = task
            .lead
            .iter()
            .map(|c| self.party_name(c).to_string())
            .collect();
        if task.recipient_leads {
            names.push(RECIPIENT_LEAD_LABEL.to_string());
        }
        names
    }
}

#[cfg(test)]
mod tests;
