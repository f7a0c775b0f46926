//! The plan file as written: TOML tables deserialized with their source spans, so that every
//! problem found later can name its line. Validation and conversion live in `load.rs`.

use crate::quantity::Quantity;
use serde::Deserialize;
use toml::Spanned;

pub(super) type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlanFile {
    pub plan: HeaderFile,
    pub schedule: Spanned<ScheduleFile>,
    #[serde(default)]
    pub measure_units: Vec<Spanned<MeasureUnitFile>>,
    #[serde(default)]
    pub donors: Vec<Spanned<DonorFile>>,
    pub units: Vec<Spanned<UnitFile>>,
    #[serde(default)]
    pub groups: Vec<Spanned<GroupFile>>,
    #[serde(default)]
    pub areas: Vec<Spanned<AreaFile>>,
    #[serde(default)]
    pub pairing_kinds: Vec<Spanned<PairingKindFile>>,
    #[serde(default)]
    pub pairings: Vec<Spanned<PairingFile>>,
    #[serde(default)]
    pub sections: Vec<Spanned<SectionFile>>,
    #[serde(default)]
    pub tasks: Vec<Spanned<TaskFile>>,
    #[serde(default)]
    pub cells: Vec<Spanned<CellFile>>,
    #[serde(default)]
    pub indicators: Vec<Spanned<IndicatorFile>>,
    #[serde(default)]
    pub rules: Vec<Spanned<RuleFile>>,
    pub assessment: Option<Spanned<AssessmentFile>>,
    #[serde(default)]
    pub categories: Vec<Spanned<CategoryFile>>,
    pub ledger: Option<LedgerFile>,
    pub dashboard: Option<DashboardFile>,
    #[serde(default)]
    pub registries: Vec<Spanned<RegistryFile>>,
}

/// `[[registries]]`: a register (台账) the units keep, its fields and the form rows it fills.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegistryFile {
    pub code: Text,
    pub name: Text,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub fields: Vec<Spanned<RegistryFieldFile>>,
    #[serde(default)]
    pub feeds: Vec<Spanned<FeedFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegistryFieldFile {
    pub code: Text,
    pub name: Text,
    #[serde(rename = "type")]
    pub kind: Text,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub choices: Vec<Text>,
    /// The unit of measure of a number field.
    pub unit: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FeedFile {
    pub indicator: Text,
    pub measure: Text,
    pub field: Option<Text>,
    pub date_field: Text,
    pub end_field: Option<Text>,
    #[serde(default)]
    pub filter: Option<Spanned<std::collections::BTreeMap<String, Vec<Text>>>>,
}

/// `[dashboard]`: the rows shown as key figures and the row drawn by year.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DashboardFile {
    #[serde(default)]
    pub key_rows: Vec<Text>,
    pub funds_row: Option<Text>,
}

/// The funds ledger: the sources of money and the form rows the ledger fills.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LedgerFile {
    pub funds_row: Option<Text>,
    pub projects_row: Option<Text>,
    pub implemented_row: Option<Text>,
    pub beneficiaries_row: Option<Text>,
    #[serde(default)]
    pub sources: Vec<Spanned<FundSourceFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FundSourceFile {
    pub code: Text,
    pub name: String,
    pub row: Option<Text>,
    pub poverty_row: Option<Text>,
}

/// An area of the national assessment, with the form rows and tasks it covers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CategoryFile {
    pub code: Text,
    pub name: String,
    #[serde(default)]
    pub indicators: Vec<Text>,
    #[serde(default)]
    pub tasks: Vec<Text>,
}

/// Points of each part of the annual assessment.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AssessmentFile {
    pub timeliness: Quantity,
    pub completeness: Quantity,
    pub targets: Quantity,
    pub evidence: Quantity,
    pub coordinator: Quantity,
    /// 台账一致 (optional, 0 when absent).
    pub registers: Option<Quantity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HeaderFile {
    pub code: Text,
    pub title: String,
    #[serde(default)]
    pub document_number: String,
    #[serde(default)]
    pub issued_by: Vec<String>,
    pub issued_on: Text,
    pub district: String,
    pub form_title: String,
    pub coordinator: Text,
    pub start_year: Spanned<i32>,
    pub end_year: Spanned<i32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScheduleFile {
    pub first_period: Text,
    pub last_period: Text,
    pub deadline_month_of_quarter: Spanned<u32>,
    pub deadline_day: Spanned<u32>,
    pub basis: Text,
    pub reminder_days: Option<Spanned<Vec<u32>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MeasureUnitFile {
    pub name: Text,
    pub precision: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DonorFile {
    pub code: Text,
    pub name: String,
    pub short_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UnitFile {
    pub code: Text,
    pub name: Text,
    #[serde(default)]
    pub aliases: Vec<Text>,
    pub sort: i32,
    pub donor: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupFile {
    pub code: Text,
    pub name: Text,
    #[serde(default)]
    pub aliases: Vec<Text>,
    #[serde(default)]
    pub members: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AreaFile {
    pub code: Text,
    pub name: String,
    pub short_name: Option<String>,
    pub level: String,
    pub parent: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PairingKindFile {
    pub code: Text,
    pub name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PairingFile {
    pub donor: Text,
    pub area: Text,
    pub kind: Text,
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SectionFile {
    pub code: Text,
    pub number: String,
    pub title: String,
    pub parent: Option<Text>,
    #[serde(default)]
    pub areas: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TaskFile {
    pub code: Text,
    pub section: Text,
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub areas: Vec<Text>,
    #[serde(default)]
    pub lead: Vec<Text>,
    #[serde(default)]
    pub recipient_leads: bool,
    #[serde(default)]
    pub cooperating: Vec<Text>,
    #[serde(default)]
    pub targets: Vec<Spanned<TargetFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetFile {
    pub description: String,
    pub quantity: Spanned<Quantity>,
    pub unit: Text,
    pub calendar: Text,
    pub comparison: Text,
    #[serde(default)]
    pub per_area: bool,
    #[serde(default)]
    pub areas: Vec<Text>,
    pub indicator: Option<Text>,
    /// Measured by a register's entries instead of a form row or recorded progress.
    pub registry: Option<Spanned<TargetRegistryFile>>,
}

/// `registry = { code = …, measure = …, … }` under a target.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetRegistryFile {
    pub code: Text,
    pub measure: Text,
    pub field: Option<Text>,
    pub date_field: Text,
    /// The field whose values are the batches (批次).
    pub per: Option<Text>,
    #[serde(default)]
    pub filter: Option<Spanned<std::collections::BTreeMap<String, Vec<Text>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CellFile {
    pub code: Text,
    pub text: String,
    pub parties: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndicatorFile {
    pub code: Text,
    #[serde(default)]
    pub number: String,
    pub name: String,
    pub unit: Option<Text>,
    pub parent: Option<Text>,
    #[serde(default)]
    pub of_which: bool,
    #[serde(default = "yes")]
    pub district_fills: bool,
    pub cell: Option<Text>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    pub kind: Text,
    pub left: Text,
    pub right: Vec<Text>,
}
