//! The funds ledger (资金台账): budgets per year, recipient area and source; aid projects (援建项目);
//! and the transactions that move money from budget to project to spending: 下达, 拨付, 支出, 退回.
//!
//! Amounts are [`Money`]: exact 分 (hundredths of a yuan) in an `i64`. Which sources exist and which
//! form rows the ledger fills are plan data ([`LedgerConfig`]); the rules are in [`rules`], the
//! comparison with the units' reports in [`reconcile`], the finance and audit views in [`oversight`].

pub mod input;
pub mod oversight;
pub mod reconcile;
pub mod rules;
#[cfg(test)]
mod tests;

use crate::plan::Plan;
use crate::quantity::{Quantity, QuantityError};
use crate::report::check_text;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An exact, non-negative amount of money in 分. Entered and shown in 元 with two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// The largest amount accepted: one hundred billion yuan, far above any aid budget, far below i64.
pub const MAX_MONEY_FEN: i64 = 100_000_000_000 * 100;

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// Parses 元 as typed ("1,200.50", "１２００"), naming `field` in the Chinese error.
    pub fn parse(field: &str, text: &str) -> Result<Money, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(format!("请填写{field}"));
        }
        let q = Quantity::parse_non_negative(text, 2).map_err(|e| match e {
            QuantityError::NotANumber(_) => format!("{field}“{text}”不是数字"),
            QuantityError::Negative(_) => format!("{field}不能为负数：{text}"),
            QuantityError::TooPrecise { .. } => {
                format!("{field}“{text}”精确到分即可，最多两位小数")
            }
            other => format!("{field}{other}"),
        })?;
        let mut exact = q.decimal();
        exact.rescale(2);
        match i64::try_from(exact.mantissa()) {
            Ok(fen) if fen <= MAX_MONEY_FEN => Ok(Money(fen)),
            _ => Err(format!("{field}“{text}”超出允许的范围")),
        }
    }

    /// The amount in 元 as an exact decimal.
    pub fn yuan(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// The amount in 万元, exactly (元 / 10 000).
    pub fn wan(self) -> Decimal {
        Decimal::new(self.0, 6).normalize()
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Saturating at zero: the difference of two positions never shows as negative money.
    pub fn minus(self, other: Money) -> Money {
        Money((self.0 - other.0).max(0))
    }
}

impl fmt::Display for Money {
    /// 元 with two decimals and thousands separators: 1,234,567.80
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped}.{:02}", abs % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.yuan().to_string())
    }
}

/// In the OpenAPI document: 元 as a string with exactly two decimals, as serialized.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::quantity::decimal_schema(
            r"^-?[0-9]+\.[0-9]{2}$",
            "金额（元），两位小数的十进制字符串，例如 \"1200.50\"",
            "1200.50",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Money {
    fn name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

/// Which sources of money the plan knows and which form rows the ledger fills (plan data).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LedgerConfig {
    pub sources: Vec<FundSource>,
    /// The form row of all aid funds together (财政援助资金), the sum of the source rows.
    pub funds_row: Option<String>,
    /// 实施援建项目 (项), 其中已实施, 帮助建档立卡贫困人口脱贫数.
    pub projects_row: Option<String>,
    pub implemented_row: Option<String>,
    pub beneficiaries_row: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundSource {
    pub code: String,
    pub name: String,
    /// The form row this source's allocations add up to (e.g. 1.1 市财政 …, 1.2 各区单独安排).
    pub row: Option<String>,
    /// The row of the part used for poverty alleviation (其中：用于扶贫资金).
    pub poverty_row: Option<String>,
}

impl LedgerConfig {
    pub fn source(&self, code: &str) -> Option<&FundSource> {
        self.sources.iter().find(|s| s.code == code)
    }

    /// Accepts a source by code or by name.
    pub fn parse_source(&self, text: &str) -> Result<&FundSource, String> {
        let text = text.trim();
        self.sources
            .iter()
            .find(|s| s.code == text || s.name == text)
            .ok_or_else(|| {
                let names: Vec<&str> = self.sources.iter().map(|s| s.name.as_str()).collect();
                format!("资金来源“{text}”无效，可选：{}", names.join("、"))
            })
    }
}

macro_rules! labelled_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Accepts the code or the Chinese label.
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == text || v.label() == text)
            }

            /// The Chinese labels, for error messages: 教育、医疗卫生 …
            pub fn labels() -> String {
                Self::ALL.iter().map(|v| v.label()).collect::<Vec<_>>().join("、")
            }
        }
    };
}

labelled_enum!(
    /// The sector of an aid project.
    Sector {
        Education = "education", "教育";
        Health = "health", "医疗卫生";
        Industry = "industry", "产业";
        Infrastructure = "infrastructure", "基础设施";
        Employment = "employment", "就业";
        Other = "other", "其他";
    }
);

labelled_enum!(
    /// Where a project stands.
    ProjectStatus {
        Planned = "planned", "计划";
        InProgress = "in_progress", "实施中";
        Completed = "completed", "已完工";
        Accepted = "accepted", "已验收";
    }
);

labelled_enum!(
    /// What a transaction does with the money.
    TxKind {
        Allocation = "allocation", "下达";
        Disbursement = "disbursement", "拨付";
        Expenditure = "expenditure", "支出";
        Return = "return", "退回";
    }
);

labelled_enum!(
    /// The kind of a project document (佐证材料).
    DocumentKind {
        Approval = "approval", "批复";
        Contract = "contract", "合同";
        Acceptance = "acceptance", "验收";
        Other = "other", "其他";
    }
);

labelled_enum!(
    /// Where an audit finding (审计意见) stands.
    FindingStatus {
        Open = "open", "待答复";
        Answered = "answered", "已答复";
        Closed = "closed", "已关闭";
    }
);

/// A year's budget for one recipient area from one source, with the part earmarked 用于扶贫.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Budget {
    pub year: i32,
    pub area: String,
    pub source: String,
    pub amount: Money,
    pub poverty_amount: Money,
    pub note: String,
}

/// An aid project (援建项目) as entered and as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    /// 0 before it is stored.
    pub id: i64,
    pub name: String,
    pub area: String,
    pub sector: Sector,
    /// The implementing unit (实施单位), which answers audit findings.
    pub unit: String,
    /// Whether the project counts toward 其中：用于扶贫资金.
    pub poverty_relief: bool,
    /// The approved amount per source.
    pub approved: Vec<(String, Money)>,
    pub planned_start: Option<NaiveDate>,
    pub planned_finish: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
    pub status: ProjectStatus,
    /// 帮助建档立卡贫困人口脱贫数, in 人.
    pub beneficiaries: i64,
    pub tasks: Vec<String>,
    pub note: String,
}

impl Project {
    pub fn approved_total(&self) -> Money {
        self.approved.iter().map(|(_, m)| *m).sum()
    }

    /// Every mistake, each naming its field, in Chinese.
    pub fn check(&self, plan: &Plan) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() {
            errors.push("请填写项目名称".to_string());
        }
        if let Err(e) = check_text("项目名称", &self.name, 200) {
            errors.push(e);
        }
        if let Err(e) = check_text("备注", &self.note, 2000) {
            errors.push(e);
        }
        if let Err(e) = check_recipient_area(plan, &self.area) {
            errors.push(e);
        }
        if plan.unit(&self.unit).is_none() {
            errors.push(format!("实施单位“{}”不在方案的单位名单中", self.unit));
        }
        for (source, _) in &self.approved {
            if plan.ledger.source(source).is_none() {
                errors.push(format!("批复金额的资金来源“{source}”没有定义"));
            }
        }
        for t in &self.tasks {
            if !plan.tasks.iter().any(|x| &x.code == t) {
                errors.push(format!("关联任务“{t}”不存在"));
            }
        }
        if self.beneficiaries < 0 {
            errors.push("帮助脱贫数（人）不能为负数".to_string());
        }
        let pairs = [
            (
                "计划开工日期",
                self.planned_start,
                "计划完工日期",
                self.planned_finish,
            ),
            (
                "实际开工日期",
                self.actual_start,
                "实际完工日期",
                self.actual_finish,
            ),
        ];
        for (a_name, a, b_name, b) in pairs {
            if let (Some(a), Some(b)) = (a, b) {
                if b < a {
                    errors.push(format!("{b_name}（{b}）早于{a_name}（{a}）"));
                }
            }
        }
        match self.status {
            ProjectStatus::Planned => {}
            ProjectStatus::InProgress if self.actual_start.is_none() => {
                errors.push("状态为“实施中”时请填写实际开工日期".to_string())
            }
            ProjectStatus::Completed | ProjectStatus::Accepted if self.actual_finish.is_none() => {
                errors.push(format!(
                    "状态为“{}”时请填写实际完工日期",
                    self.status.label()
                ))
            }
            _ => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Budgets and projects go to areas the plan pairs with a donor.
pub fn check_recipient_area(plan: &Plan, area: &str) -> Result<(), String> {
    if plan.pairings.iter().any(|p| p.area == area) {
        Ok(())
    } else if plan.area(area).is_some() {
        Err(format!("“{}”不是结对受援地", plan.area_name(area)))
    } else {
        Err(format!("受援地“{area}”不存在"))
    }
}

impl Budget {
    pub fn check(&self, plan: &Plan) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        if !(plan.info.start_year..=plan.info.end_year).contains(&self.year) {
            errors.push(format!(
                "预算年度 {} 不在方案的年度范围（{}—{}年）内",
                self.year, plan.info.start_year, plan.info.end_year
            ));
        }
        if let Err(e) = check_recipient_area(plan, &self.area) {
            errors.push(e);
        }
        if plan.ledger.source(&self.source).is_none() {
            errors.push(format!("资金来源“{}”没有定义", self.source));
        }
        if self.poverty_amount > self.amount {
            errors.push(format!(
                "其中用于扶贫（{} 元）超过预算金额（{} 元）",
                self.poverty_amount, self.amount
            ));
        }
        if let Err(e) = check_text("备注", &self.note, 1000) {
            errors.push(e);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A transaction as entered. A reversing entry names the transaction it cancels; everything else
/// of it (kind, amount, source, project) is taken from that transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxDraft {
    pub kind: TxKind,
    pub date: NaiveDate,
    pub amount: Money,
    pub source: String,
    pub project: i64,
    pub voucher: String,
    pub note: String,
    pub reverses: Option<i64>,
    /// The coordinator's reason for allocating beyond the budget.
    pub override_reason: Option<String>,
}

/// A recorded transaction. Never edited or deleted: corrected by a reversing entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transaction {
    pub id: i64,
    pub kind: TxKind,
    pub date: NaiveDate,
    pub amount: Money,
    pub source: String,
    pub project: i64,
    pub voucher: String,
    pub note: String,
    pub reverses: Option<i64>,
    pub override_reason: Option<String>,
    pub recorded_by: String,
}

impl Transaction {
    /// +1 for an entry, -1 for a reversing entry.
    pub fn sign(&self) -> i64 {
        if self.reverses.is_some() {
            -1
        } else {
            1
        }
    }

    pub fn signed_fen(&self) -> i64 {
        self.sign() * self.amount.fen()
    }
}

/// An audit finding (审计意见) on a project or one of its transactions, answered by the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: i64,
    pub project: i64,
    pub transaction: Option<i64>,
    pub text: String,
    pub raised_by: String,
    pub raised_on: NaiveDate,
    pub status: FindingStatus,
    pub response: String,
    pub responded_by: Option<String>,
}
