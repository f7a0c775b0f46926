//! Ledger entries as typed by people: every field is text, from a web form, a JSON body or a
//! spreadsheet cell. One parser per entry turns the text into checked domain values, collecting
//! every mistake with its field named, so all three ways in behave the same.

use super::{Budget, Money, Project, ProjectStatus, Sector, TxDraft, TxKind};
use crate::plan::Plan;
use serde::Deserialize;

/// One mistake in what was typed: the form field it belongs to (the input's `name`), or `None`
/// for a rule across fields (a floor, a sum, an order of dates), and the message in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

/// Only the messages: the JSON API and the spreadsheet import show them as one list.
fn messages(errors: Vec<FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.message).collect()
}

/// Collects field errors while parsing.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: &str, message: String) {
        self.0.push(FieldError {
            field: Some(field.to_string()),
            message,
        });
    }

    fn take<T: Default>(&mut self, field: &str, r: Result<T, String>) -> T {
        r.unwrap_or_else(|e| {
            self.push(field, e);
            T::default()
        })
    }

    /// The value, or every mistake; the rules across fields are checked only once each field
    /// reads, so they never speak about a value that was not typed.
    fn finish<T>(
        mut self,
        value: T,
        check: impl FnOnce(&T) -> Result<(), Vec<String>>,
    ) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            if let Err(more) = check(&value) {
                self.0.extend(more.into_iter().map(|message| FieldError {
                    field: None,
                    message,
                }));
            }
        }
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

pub use crate::date::parse_date;
use crate::date::parse_optional_date as optional_date;

fn optional_money(field: &str, text: &str) -> Result<Money, String> {
    if text.trim().is_empty() {
        Ok(Money::ZERO)
    } else {
        Money::parse(field, text)
    }
}

fn whole_number(field: &str, text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    let q: crate::Quantity = t.parse().map_err(|_| format!("{field}“{t}”不是数字"))?;
    if q.check_precision(0).is_err() || q.decimal().is_sign_negative() {
        return Err(format!("{field}应为不小于 0 的整数：{t}"));
    }
    i64::try_from(q.decimal().mantissa()).map_err(|_| format!("{field}“{t}”超出允许的范围"))
}

fn yes_no(field: &str, text: &str) -> Result<bool, String> {
    match text.trim() {
        "" | "否" | "0" | "false" | "off" | "no" => Ok(false),
        "是" | "1" | "true" | "on" | "yes" => Ok(true),
        other => Err(format!("{field}“{other}”无效：请填“是”或“否”")),
    }
}

/// A unit by code, name or alias.
fn unit_code(plan: &Plan, text: &str) -> Result<String, String> {
    let t = text.trim();
    plan.units
        .iter()
        .find(|u| u.code == t || u.name == t || u.aliases.iter().any(|a| a == t))
        .map(|u| u.code.clone())
        .ok_or_else(|| format!("实施单位“{t}”不在方案的单位名单中"))
}

/// A recipient area by code, name or short name.
fn area_code(plan: &Plan, text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("请选择受援地".to_string());
    }
    let area = plan
        .areas
        .iter()
        .find(|a| a.code == t || a.name == t || a.short_name.as_deref() == Some(t))
        .ok_or_else(|| format!("受援地“{t}”不存在"))?;
    super::check_recipient_area(plan, &area.code)?;
    Ok(area.code.clone())
}

fn source_code(plan: &Plan, text: &str) -> Result<String, String> {
    plan.ledger.parse_source(text).map(|s| s.code.clone())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BudgetInput {
    pub year: String,
    pub area: String,
    pub source: String,
    pub amount: String,
    pub poverty_amount: String,
    pub note: String,
}

impl BudgetInput {
    pub fn parse(&self, plan: &Plan) -> Result<Budget, Vec<String>> {
        self.parse_fields(plan).map_err(messages)
    }

    /// As [`BudgetInput::parse`], each mistake with the form field it belongs to.
    pub fn parse_fields(&self, plan: &Plan) -> Result<Budget, Vec<FieldError>> {
        let mut e = Errors::default();
        let budget = Budget {
            year: e.take(
                "year",
                self.year
                    .trim()
                    .parse()
                    .map_err(|_| format!("预算年度“{}”应为四位年份", self.year.trim())),
            ),
            area: e.take("area", area_code(plan, &self.area)),
            source: e.take("source", source_code(plan, &self.source)),
            amount: e.take("amount", Money::parse("预算金额（元）", &self.amount)),
            poverty_amount: e.take(
                "poverty_amount",
                optional_money("其中用于扶贫（元）", &self.poverty_amount),
            ),
            note: self.note.trim().to_string(),
        };
        e.finish(budget, |b| b.check(plan))
    }
}

/// A project as typed; `approved` maps a source (code or name) to an amount in 元.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProjectInput {
    pub name: String,
    pub area: String,
    pub sector: String,
    pub unit: String,
    pub poverty_relief: String,
    pub approved: Vec<(String, String)>,
    pub planned_start: String,
    pub planned_finish: String,
    pub actual_start: String,
    pub actual_finish: String,
    pub status: String,
    pub beneficiaries: String,
    /// Task codes separated by commas, 、 or spaces.
    pub tasks: String,
    pub note: String,
}

impl ProjectInput {
    /// The project with `id` (0 for a new one).
    pub fn parse(&self, plan: &Plan, id: i64) -> Result<Project, Vec<String>> {
        self.parse_fields(plan, id).map_err(messages)
    }

    /// As [`ProjectInput::parse`], each mistake with the form field it belongs to; an approved
    /// amount's field is `approved.{source as typed}`, as the project form names it.
    pub fn parse_fields(&self, plan: &Plan, id: i64) -> Result<Project, Vec<FieldError>> {
        let mut e = Errors::default();
        let sector = match Sector::parse(&self.sector) {
            Some(s) => s,
            None => {
                e.push(
                    "sector",
                    format!(
                        "行业“{}”无效，可选：{}",
                        self.sector.trim(),
                        Sector::labels()
                    ),
                );
                Sector::Other
            }
        };
        let status = if self.status.trim().is_empty() {
            ProjectStatus::Planned
        } else {
            ProjectStatus::parse(&self.status).unwrap_or_else(|| {
                e.push(
                    "status",
                    format!(
                        "项目状态“{}”无效，可选：{}",
                        self.status.trim(),
                        ProjectStatus::labels()
                    ),
                );
                ProjectStatus::Planned
            })
        };
        let mut approved: Vec<(String, Money)> = Vec::new();
        for (source, amount) in &self.approved {
            if amount.trim().is_empty() {
                continue;
            }
            let field = format!("approved.{source}");
            let source = e.take(&field, source_code(plan, source));
            let amount = e.take(&field, Money::parse("批复金额（元）", amount));
            if let Some(existing) = approved.iter_mut().find(|(s, _)| *s == source) {
                existing.1 = existing.1.checked_add(amount).unwrap_or(existing.1);
            } else {
                approved.push((source, amount));
            }
        }
        let project = Project {
            id,
            name: self.name.trim().to_string(),
            area: e.take("area", area_code(plan, &self.area)),
            sector,
            unit: e.take("unit", unit_code(plan, &self.unit)),
            poverty_relief: e.take(
                "poverty_relief",
                yes_no("是否用于扶贫", &self.poverty_relief),
            ),
            approved,
            planned_start: e.take(
                "planned_start",
                optional_date("计划开工日期", &self.planned_start),
            ),
            planned_finish: e.take(
                "planned_finish",
                optional_date("计划完工日期", &self.planned_finish),
            ),
            actual_start: e.take(
                "actual_start",
                optional_date("实际开工日期", &self.actual_start),
            ),
            actual_finish: e.take(
                "actual_finish",
                optional_date("实际完工日期", &self.actual_finish),
            ),
            status,
            beneficiaries: e.take(
                "beneficiaries",
                whole_number("帮助脱贫数（人）", &self.beneficiaries),
            ),
            tasks: self
                .tasks
                .split([',', '，', '、', ' ', ';', '；'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            note: self.note.trim().to_string(),
        };
        e.finish(project, |p| p.check(plan))
    }
}

/// A transaction as typed. A reversal gives only `reverses` (and date, note, voucher): the rest is
/// copied from the original by the caller.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TxInput {
    pub kind: String,
    pub date: String,
    pub amount: String,
    pub source: String,
    pub project: String,
    pub voucher: String,
    pub note: String,
    pub override_reason: String,
}

impl TxInput {
    pub fn parse(&self, plan: &Plan) -> Result<TxDraft, Vec<String>> {
        self.parse_fields(plan).map_err(messages)
    }

    /// As [`TxInput::parse`], each mistake with the form field it belongs to.
    pub fn parse_fields(&self, plan: &Plan) -> Result<TxDraft, Vec<FieldError>> {
        let mut e = Errors::default();
        let kind = TxKind::parse(&self.kind).unwrap_or_else(|| {
            e.push(
                "kind",
                format!(
                    "交易类型“{}”无效，可选：{}",
                    self.kind.trim(),
                    TxKind::labels()
                ),
            );
            TxKind::Allocation
        });
        let project = self.project.trim();
        let draft = TxDraft {
            kind,
            date: e
                .take("date", parse_date("日期", &self.date).map(Some))
                .unwrap_or_default(),
            amount: e.take("amount", Money::parse("金额（元）", &self.amount)),
            source: e.take("source", source_code(plan, &self.source)),
            project: e.take(
                "project",
                project
                    .trim_start_matches('#')
                    .parse::<i64>()
                    .map_err(|_| format!("项目编号“{project}”无效")),
            ),
            voucher: self.voucher.trim().to_string(),
            note: self.note.trim().to_string(),
            reverses: None,
            override_reason: Some(self.override_reason.trim().to_string())
                .filter(|r| !r.is_empty()),
        };
        e.finish(draft, |_| Ok(()))
    }
}
