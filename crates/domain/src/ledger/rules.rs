//! The ledger's rules, in one place. The store gathers the [`Facts`] a new transaction touches
//! inside its write transaction and asks [`check`]; nothing is written unless it says yes.
//!
//! - amounts are positive and exact to the 分 ([`super::Money`] guarantees both at parse time);
//! - dates fall within the plan's years;
//! - allocations (下达) to projects never exceed the year's budget for the project's area and the
//!   source, unless the coordinator records an override with a reason;
//! - a budget is never set below what has already been allocated against it;
//! - net disbursements (拨付 − 退回) never exceed allocations; expenditure (支出) never exceeds
//!   net disbursements;
//! - a transaction is corrected only by one reversing entry that cancels it whole.

use super::{Budget, Money, Transaction, TxDraft, TxKind};
use crate::report::check_text;
use chrono::{Datelike, NaiveDate};

/// What has happened to one project's money from one source (net of reversals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub allocated: i64,
    pub disbursed: i64,
    pub returned: i64,
    pub spent: i64,
}

impl Position {
    /// The position after `kind` moves `signed_fen` (negative for a reversing entry).
    pub fn with(mut self, kind: TxKind, signed_fen: i64) -> Position {
        let bucket = match kind {
            TxKind::Allocation => &mut self.allocated,
            TxKind::Disbursement => &mut self.disbursed,
            TxKind::Return => &mut self.returned,
            TxKind::Expenditure => &mut self.spent,
        };
        *bucket += signed_fen;
        self
    }

    /// Sums transactions (of one project and source).
    pub fn of<'a>(transactions: impl IntoIterator<Item = &'a Transaction>) -> Position {
        transactions
            .into_iter()
            .fold(Position::default(), |p, t| p.with(t.kind, t.signed_fen()))
    }

    /// Disbursed and not returned.
    pub fn net_disbursed(&self) -> i64 {
        self.disbursed - self.returned
    }

    /// The first broken invariant, in Chinese.
    fn violation(&self) -> Option<String> {
        let money = |fen: i64| Money::from_fen(fen).to_string();
        if self.allocated < 0 || self.disbursed < 0 || self.returned < 0 || self.spent < 0 {
            return Some("冲销后金额将小于零".to_string());
        }
        if self.net_disbursed() > self.allocated {
            return Some(format!(
                "拨付（扣除退回）将达到 {} 元，超过已下达的 {} 元",
                money(self.net_disbursed()),
                money(self.allocated)
            ));
        }
        if self.spent > self.net_disbursed() {
            return Some(format!(
                "支出将达到 {} 元，超过已拨付（扣除退回）的 {} 元",
                money(self.spent),
                money(self.net_disbursed().max(0))
            ));
        }
        None
    }
}

/// What the store knows when a transaction is about to be recorded.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The plan's years.
    pub first_year: i32,
    pub last_year: i32,
    /// The project exists (with this area).
    pub project_area: Option<String>,
    /// The source is one the plan defines.
    pub source_known: bool,
    /// The project's position for the transaction's source.
    pub position: Position,
    /// The budget of the transaction year, the project's area and the source, if one is recorded.
    pub budget: Option<Money>,
    /// Net allocations already charged to that budget (all projects of the area and source).
    pub allocated_in_budget: i64,
    /// For a reversing entry: the transaction it cancels, and whether it is already cancelled.
    pub original: Option<Transaction>,
    pub original_reversed: bool,
    /// The person may allow an allocation beyond the budget (the coordinator).
    pub may_override: bool,
}

/// What [`check`] allows a transaction to be recorded with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Accepted {
    /// The coordinator's reason (trimmed) when the allocation goes beyond the budget on it;
    /// `None` within the budget, whatever reason the draft carries.
    pub override_reason: Option<String>,
}

/// Every rule a new transaction must meet. Errors are Chinese and name the field.
pub fn check(draft: &TxDraft, facts: &Facts) -> Result<Accepted, Vec<String>> {
    let mut errors = Vec::new();
    if let Err(e) = check_text("凭证号", &draft.voucher, 100) {
        errors.push(e);
    }
    if let Err(e) = check_text("备注", &draft.note, 1000) {
        errors.push(e);
    }
    let year = draft.date.year();
    if year < facts.first_year || year > facts.last_year {
        errors.push(format!(
            "日期 {} 不在方案的年度范围（{}—{}年）内",
            draft.date, facts.first_year, facts.last_year
        ));
    }
    if facts.project_area.is_none() {
        errors.push(format!("项目编号 {} 不存在", draft.project));
    }
    if !facts.source_known {
        errors.push(format!("资金来源“{}”没有定义", draft.source));
    }
    if draft.reverses.is_none() && draft.amount == Money::ZERO {
        errors.push("金额必须大于零".to_string());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let signed = match draft.reverses {
        None => draft.amount.fen(),
        Some(id) => {
            let Some(original) = &facts.original else {
                return Err(vec![format!("要冲销的交易 {id} 不存在")]);
            };
            if original.reverses.is_some() {
                return Err(vec![format!("交易 {id} 本身是冲销分录，不能再冲销")]);
            }
            if facts.original_reversed {
                return Err(vec![format!("交易 {id} 已经冲销过")]);
            }
            if draft.date < original.date {
                return Err(vec![format!(
                    "冲销日期 {} 早于原交易日期 {}",
                    draft.date, original.date
                )]);
            }
            if original.kind != draft.kind
                || original.amount != draft.amount
                || original.source != draft.source
                || original.project != draft.project
            {
                return Err(vec![format!(
                    "冲销分录须与交易 {id} 的类型、金额、资金来源和项目一致"
                )]);
            }
            -draft.amount.fen()
        }
    };
    if let Some(v) = facts.position.with(draft.kind, signed).violation() {
        return Err(vec![v]);
    }
    let override_reason = if draft.kind == TxKind::Allocation && signed > 0 {
        check_budget(draft, facts, signed)?
    } else {
        None
    };
    if let Some(reason) = &draft.override_reason {
        if let Err(e) = check_text("超预算说明", reason, 1000) {
            return Err(vec![e]);
        }
    }
    Ok(Accepted { override_reason })
}

/// An allocation of `fen` against the budget: `Ok(None)` within it, `Ok(Some(reason))` beyond it
/// on the coordinator's reason, an error otherwise.
fn check_budget(draft: &TxDraft, facts: &Facts, fen: i64) -> Result<Option<String>, Vec<String>> {
    let budget = facts.budget.map(Money::fen).unwrap_or(0);
    let after = facts.allocated_in_budget + fen;
    if after <= budget {
        return Ok(None);
    }
    let reason = draft
        .override_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if let Some(reason) = reason.filter(|_| facts.may_override) {
        return Ok(Some(reason.to_string()));
    }
    let what = match facts.budget {
        None => format!("{}年该受援地、该资金来源尚无预算", draft.date.year()),
        Some(b) => format!(
            "下达后累计 {} 元，超过{}年该受援地、该资金来源的预算 {} 元",
            Money::from_fen(after),
            draft.date.year(),
            b
        ),
    };
    let how = if facts.may_override {
        "如确需超预算下达，请填写超预算说明"
    } else {
        "超预算下达须由汇总单位填写说明后办理"
    };
    Err(vec![format!("{what}；{how}")])
}

/// The budget year a transaction is charged to: its calendar year.
pub fn budget_year(date: NaiveDate) -> i32 {
    date.year()
}

/// The first and last day whose transactions are charged to `year`'s budget.
pub fn budget_dates(year: i32) -> (NaiveDate, NaiveDate) {
    let day = |m, d| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
    (day(1, 1), day(12, 31))
}

/// A budget may not be set below what has already been allocated against it (`allocated`: net
/// allocations of the budget's year, area and source).
pub fn check_budget_floor(budget: &Budget, allocated: Money) -> Result<(), String> {
    if budget.amount < allocated {
        return Err(format!(
            "预算金额 {} 元低于该年度已下达的 {} 元，不能调减到已下达金额以下",
            budget.amount, allocated
        ));
    }
    Ok(())
}
