//! Registers (台账): the records behind the form's figures. The plan file declares each register
//! (`[[registries]]`), its fields and the form rows it fills (feeds); units keep entries; the form's
//! figure of a fed row is computed from the entries (in SQL, by the store) for a unit and period.
//!
//! This module holds the pure parts: the declarations, reading an entry's values as a clerk types
//! them (every problem named by its field), and the period window a feed counts in.

use crate::period::PeriodCode;
use crate::plan::{Plan, ValueBasis};
use crate::quantity::Quantity;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest text a text field keeps.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest reason for voiding an entry.
pub const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registry {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub fields: Vec<Field>,
    pub feeds: Vec<Feed>,
}

impl Registry {
    pub fn field(&self, code: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.code == code)
    }

    /// The date that places an entry in a year (filters, lists): the first feed's date field, or
    /// the first date field.
    pub fn main_date_field(&self) -> Option<&Field> {
        self.feeds
            .first()
            .and_then(|f| self.field(&f.date_field))
            .or_else(|| self.fields.iter().find(|f| f.kind == FieldKind::Date))
    }

    /// The field lists filter by kind (类别, 结对类型 …): the choice field coded `kind`, else the
    /// first choice field.
    pub fn kind_field(&self) -> Option<&Field> {
        let choices = || self.fields.iter().filter(|f| f.kind == FieldKind::Choice);
        choices()
            .find(|f| f.code == "kind")
            .or_else(|| choices().next())
    }

    /// The first recipient-area field (filters, lists).
    pub fn area_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.kind == FieldKind::Area)
    }

    /// The field's Chinese name, or its code when unknown.
    pub fn field_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.field(code).map_or(code, |f| f.name.as_str())
    }
}

/// The kinds of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    /// A quantity in the field's unit of measure, with its precision.
    Number,
    /// One of the field's choices.
    Choice,
    /// A unit of the plan (code, name or alias).
    Unit,
    /// A recipient area of the plan (code, name or short name).
    Area,
    /// A person's name.
    Person,
    /// 是 or 否.
    YesNo,
}

impl FieldKind {
    pub const ALL: [FieldKind; 8] = [
        FieldKind::Text,
        FieldKind::Date,
        FieldKind::Number,
        FieldKind::Choice,
        FieldKind::Unit,
        FieldKind::Area,
        FieldKind::Person,
        FieldKind::YesNo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Number => "number",
            FieldKind::Choice => "choice",
            FieldKind::Unit => "unit",
            FieldKind::Area => "area",
            FieldKind::Person => "person",
            FieldKind::YesNo => "yes_no",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "文字",
            FieldKind::Date => "日期",
            FieldKind::Number => "数量",
            FieldKind::Choice => "选项",
            FieldKind::Unit => "单位",
            FieldKind::Area => "受援地",
            FieldKind::Person => "姓名",
            FieldKind::YesNo => "是/否",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Field {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub required: bool,
    /// The options of a choice field (empty otherwise).
    pub choices: Vec<String>,
    /// The unit of measure of a number field.
    pub unit: Option<String>,
    /// Decimals a number field may carry (its unit's precision).
    pub precision: u32,
}

/// How a register fills a form row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Entries dated in the period (a flow, following the plan's basis).
    Count,
    /// Entries begun by the period's end and not ended before it (a stock: 结对数).
    ActiveAtEnd,
    /// The sum of a number field over the entries dated in the period (a flow).
    Sum,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::ActiveAtEnd => "active_at_end",
            Measure::Sum => "sum",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Measure::Count, Measure::ActiveAtEnd, Measure::Sum]
            .into_iter()
            .find(|m| m.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::Count => "条数",
            Measure::ActiveAtEnd => "期末存续条数",
            Measure::Sum => "合计",
        }
    }
}

/// One form row a register fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feed {
    pub indicator: String,
    pub measure: Measure,
    /// The number field summed (`sum` only).
    pub field: Option<String>,
    /// The date field placing an entry in a period (for a stock: when it began).
    pub date_field: String,
    /// For a stock: the date field on which an entry ended (empty: still active).
    pub end_field: Option<String>,
    /// Only entries whose choice field holds one of the listed options.
    pub filter: BTreeMap<String, Vec<String>>,
}

/// How a register measures a task's target (每年1万吨核桃, 50万元捐赠, 每年考察一次): the
/// entries of the task's lead and cooperating units, dated within the target's calendar, counted
/// or summed; per recipient area (by the register's area field) when the target is per area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetMeasure {
    pub registry: String,
    pub measure: Measure,
    pub field: Option<String>,
    pub date_field: String,
    pub filter: BTreeMap<String, Vec<String>>,
    /// The field whose values are batches (批次): a target per batch (每批不少于5对) takes each
    /// batch's count or sum; any other counts the batches begun in its calendar (每学年不少于5批).
    /// A batch stands in the quarter of its first entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
}

impl TargetMeasure {
    /// The same counting as a feed's, for the store (no form row).
    pub fn as_feed(&self) -> Feed {
        Feed {
            indicator: String::new(),
            measure: self.measure,
            field: self.field.clone(),
            date_field: self.date_field.clone(),
            end_field: None,
            filter: self.filter.clone(),
        }
    }
}

/// The dates an entry's date field must fall in to count for a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First day counted; `None` for a stock (any start up to `to`).
    pub from: Option<NaiveDate>,
    /// The period's last day.
    pub to: NaiveDate,
}

impl Feed {
    /// The window of a period: a stock looks at the period's end; a flow at the year to date or
    /// the quarter, as the plan's basis says.
    pub fn window(&self, period: PeriodCode, basis: ValueBasis) -> Window {
        let to = period.ends_on();
        let from = match (self.measure, basis) {
            (Measure::ActiveAtEnd, _) => None,
            (_, ValueBasis::Quarter) => Some(period.starts_on()),
            (_, ValueBasis::Ytd) => NaiveDate::from_ymd_opt(period.year(), 1, 1),
        };
        Window { from, to }
    }

    /// The figure of `entries` entries whose numbers add up to `scaled` (scaled integers): the
    /// sum for a sum, else the count.
    pub fn figure(&self, entries: i64, scaled: i64) -> Quantity {
        if self.measure == Measure::Sum {
            Quantity::from_scaled(scaled)
        } else {
            Quantity::new(entries.into())
        }
    }

    /// What this feed takes of an entry with these values, `None` when it never counts the entry:
    /// no date in the date field, a filter's field holding none of its options, or (a sum) no
    /// number to add. Derived when the entry is written, so that a period's figure is a range
    /// count over the facts ([`Window::counts`]), the same on both backends.
    pub fn fact(&self, values: &[FieldValue]) -> Option<FeedFact> {
        let value = |code: &str| values.iter().find(|v| v.field == code);
        let placed_on = value(&self.date_field)?.date?;
        for (field, options) in &self.filter {
            let text = &value(field)?.text;
            if !options.iter().any(|o| o == text) {
                return None;
            }
        }
        let amount = match (&self.field, self.measure) {
            (Some(field), Measure::Sum) => Some(value(field)?.number?),
            _ => None,
        };
        let ends_on = match (self.measure, &self.end_field) {
            (Measure::ActiveAtEnd, Some(end)) => value(end).and_then(|v| v.date),
            _ => None,
        };
        Some(FeedFact {
            indicator: self.indicator.clone(),
            placed_on,
            ends_on,
            amount,
        })
    }
}

/// What one entry gives one fed row: where it stands in time and, for a sum, what it adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFact {
    pub indicator: String,
    /// The day placing the entry in a period (for a stock: when it began).
    pub placed_on: NaiveDate,
    /// For a stock: the day it ended; it still counts at a period ending that day.
    pub ends_on: Option<NaiveDate>,
    /// For a sum: the number added.
    pub amount: Option<Quantity>,
}

impl Window {
    /// Whether a fact counts in this window: placed within it (a stock: by its end) and, for a
    /// stock, not ended before its last day. The store's range query says the same in SQL.
    pub fn counts(&self, fact: &FeedFact) -> bool {
        fact.placed_on <= self.to
            && self.from.is_none_or(|from| fact.placed_on >= from)
            && fact.ends_on.is_none_or(|end| end >= self.to)
    }
}

impl Registry {
    /// Every fed row's fact of one entry.
    pub fn facts(&self, values: &[FieldValue]) -> Vec<FeedFact> {
        self.feeds.iter().filter_map(|f| f.fact(values)).collect()
    }
}

impl Plan {
    pub fn registry(&self, code: &str) -> Option<&Registry> {
        self.registries.iter().find(|r| r.code == code)
    }

    /// The register feed that fills a form row, if any.
    pub fn feed_of(&self, indicator: &str) -> Option<(&Registry, &Feed)> {
        self.registries.iter().find_map(|r| {
            r.feeds
                .iter()
                .find(|f| f.indicator == indicator)
                .map(|f| (r, f))
        })
    }

    /// A unit named by its code, name or one of its aliases.
    pub fn unit_named(&self, text: &str) -> Option<&crate::plan::Unit> {
        let t = text.trim();
        self.units
            .iter()
            .find(|u| u.code == t || u.name == t || u.aliases.iter().any(|a| a == t))
    }

    /// A recipient area named by its code, name or short name.
    pub fn area_named(&self, text: &str) -> Option<&crate::plan::Area> {
        let t = text.trim();
        self.areas
            .iter()
            .find(|a| a.code == t || a.name == t || a.short_name.as_deref() == Some(t))
    }
}

/// One value of an entry as stored: its text as shown, and the date or number behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldValue {
    pub field: String,
    /// As shown: a date as YYYY-MM-DD, a number without trailing zeros, a unit or area by code.
    pub text: String,
    pub date: Option<NaiveDate>,
    pub number: Option<Quantity>,
}

/// A field of an entry that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    /// 字段代码
    pub field: String,
    /// 字段名称
    pub label: String,
    pub message: String,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn problem(field: &Field, message: String) -> FieldProblem {
    FieldProblem {
        field: field.code.clone(),
        label: field.name.clone(),
        message,
    }
}

/// Reads an entry's values as typed (by field code): every field checked, every problem named.
/// Empty optional fields are left out; unknown field codes are refused.
pub fn check_entry(
    plan: &Plan,
    registry: &Registry,
    values: &BTreeMap<String, String>,
) -> Result<Vec<FieldValue>, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    for key in values.keys() {
        if registry.field(key).is_none() {
            problems.push(FieldProblem {
                field: key.clone(),
                label: key.clone(),
                message: format!("台账“{}”没有字段“{key}”", registry.name),
            });
        }
    }
    let mut out = Vec::new();
    for field in &registry.fields {
        let text = values.get(&field.code).map_or("", |t| t.trim());
        if text.is_empty() {
            if field.required {
                problems.push(problem(field, format!("“{}”必须填写", field.name)));
            }
            continue;
        }
        match read_value(plan, field, text) {
            Ok(v) => out.push(v),
            Err(message) => problems.push(problem(field, message)),
        }
    }
    check_spans(registry, &out, &mut problems);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// An entry cannot end before it began (for each stock feed's start and end fields).
fn check_spans(registry: &Registry, values: &[FieldValue], problems: &mut Vec<FieldProblem>) {
    let date = |code: &str| values.iter().find(|v| v.field == code).and_then(|v| v.date);
    let mut checked = Vec::new();
    for feed in &registry.feeds {
        let Some(end_code) = &feed.end_field else {
            continue;
        };
        if checked.contains(&end_code) {
            continue;
        }
        checked.push(end_code);
        if let (Some(start), Some(end)) = (date(&feed.date_field), date(end_code)) {
            if end < start {
                if let Some(field) = registry.field(end_code) {
                    problems.push(problem(
                        field,
                        format!(
                            "“{}”（{end}）不能早于“{}”（{start}）",
                            field.name,
                            registry.field_name(&feed.date_field)
                        ),
                    ));
                }
            }
        }
    }
}

fn read_value(plan: &Plan, field: &Field, text: &str) -> Result<FieldValue, String> {
    let mut value = FieldValue {
        field: field.code.clone(),
        text: text.to_string(),
        date: None,
        number: None,
    };
    match field.kind {
        FieldKind::Text | FieldKind::Person => {
            let max = if field.kind == FieldKind::Person {
                50
            } else {
                MAX_TEXT_CHARS
            };
            crate::report::check_text(&field.name, text, max)?;
        }
        FieldKind::Date => {
            let date = crate::date::parse_date(&format!("“{}”", field.name), text)?;
            value.text = date.to_string();
            value.date = Some(date);
        }
        FieldKind::Number => {
            let q = Quantity::parse_non_negative(text, field.precision)
                .map_err(|e| format!("“{}”：{e}", field.name))?;
            q.to_scaled()
                .map_err(|e| format!("“{}”：{e}", field.name))?;
            value.text = q.to_string();
            value.number = Some(q);
        }
        FieldKind::Choice => {
            if !field.choices.iter().any(|c| c == text) {
                return Err(format!(
                    "“{}”应为 {} 之一（填写的是“{text}”）",
                    field.name,
                    field.choices.join("、")
                ));
            }
        }
        FieldKind::Unit => {
            let unit = plan
                .unit_named(text)
                .ok_or_else(|| format!("“{}”中的单位“{text}”不在方案中", field.name))?;
            value.text = unit.code.clone();
        }
        FieldKind::Area => {
            let area = plan
                .area_named(text)
                .ok_or_else(|| format!("“{}”中的受援地“{text}”不在方案中", field.name))?;
            value.text = area.code.clone();
        }
        FieldKind::YesNo => {
            value.text = match text.to_lowercase().as_str() {
                "是" | "true" | "yes" | "1" | "y" => "是",
                "否" | "false" | "no" | "0" | "n" => "否",
                _ => return Err(format!("“{}”应填“是”或“否”", field.name)),
            }
            .to_string();
        }
    }
    Ok(value)
}

/// A reason for voiding an entry: required, printable, at most [`MAX_REASON_CHARS`].
pub fn check_void_reason(reason: &str) -> Result<String, String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err("作废必须说明原因".into());
    }
    crate::report::check_text("作废原因", r, MAX_REASON_CHARS)?;
    Ok(r.to_string())
}

/// A fed row's figure computed from a unit's register for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Computed {
    /// 指标代码
    pub indicator: String,
    /// 台账计算出的数值
    pub value: Quantity,
    /// 计入的台账条目数
    pub entries: i64,
    /// 台账代码
    pub registry: String,
    /// 本单位是否录有该台账（有未作废的条目）：录有时，填报数与台账数不同须写说明
    pub kept: bool,
}

/// Where a unit keeps the register behind a row, a reported figure different from the register's
/// needs a 说明: a warning when a draft is saved, a refusal on 报送.
pub fn check_against_registers(
    plan: &Plan,
    entries: &BTreeMap<String, crate::report::Entry>,
    computed: &[Computed],
    mode: crate::report::CheckMode,
) -> Vec<crate::report::Finding> {
    use crate::report::{CheckMode, Finding, Severity};
    computed
        .iter()
        .filter(|c| c.kept)
        .filter_map(|c| {
            let entry = entries.get(&c.indicator)?;
            let typed = entry.value?;
            if typed == c.value || !entry.comment.trim().is_empty() {
                return None;
            }
            let row = plan.indicator(&c.indicator)?;
            let message = format!(
                "{}：填报数 {typed} 与台账计算数 {} 不同，请在说明中写明原因",
                plan.row_ref(row),
                c.value
            );
            Some(match mode {
                CheckMode::Submit => Finding {
                    indicator: c.indicator.clone(),
                    rule: "registry_note",
                    severity: Severity::Error,
                    message,
                },
                CheckMode::Save => Finding {
                    indicator: c.indicator.clone(),
                    rule: "registry_note",
                    severity: Severity::Warning,
                    message: format!("{message}（草稿已保存，报送前须说明）"),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
