//! What 区财政局 and 区审计局 look at: budget against allocated, disbursed and spent money; funds
//! allocated and left idle; projects past their planned finish; and a list of anomalies.

use super::rules::Position;
use super::{
    Budget, DocumentKind, Finding, FindingStatus, Money, Project, ProjectStatus, Transaction,
    TxKind,
};
use crate::plan::Plan;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// Budget against use, per year, recipient area and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetLine {
    pub year: i32,
    pub area: String,
    pub source: String,
    pub budget: Money,
    pub poverty_budget: Money,
    pub allocated: Money,
    pub disbursed: Money,
    pub spent: Money,
}

/// Approval against use, per project and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectLine {
    pub project: i64,
    pub source: String,
    pub approved: Money,
    pub allocated: Money,
    pub disbursed: Money,
    pub spent: Money,
}

fn money(fen: i64) -> Money {
    Money::from_fen(fen.max(0))
}

/// Budget lines for every budget and every (year, area, source) money moved in, sorted.
pub fn budget_lines(
    budgets: &[Budget],
    projects: &[Project],
    transactions: &[Transaction],
) -> Vec<BudgetLine> {
    let area_of: BTreeMap<i64, &str> = projects.iter().map(|p| (p.id, p.area.as_str())).collect();
    let mut positions: BTreeMap<(i32, String, String), Position> = BTreeMap::new();
    for b in budgets {
        positions
            .entry((b.year, b.area.clone(), b.source.clone()))
            .or_default();
    }
    for t in transactions {
        let area = area_of.get(&t.project).copied().unwrap_or_default();
        let key = (t.date.year(), area.to_string(), t.source.clone());
        let p = positions.entry(key).or_default();
        *p = p.with(t.kind, t.signed_fen());
    }
    positions
        .into_iter()
        .map(|((year, area, source), p)| {
            let budget = budgets
                .iter()
                .find(|b| b.year == year && b.area == area && b.source == source);
            BudgetLine {
                budget: budget.map(|b| b.amount).unwrap_or_default(),
                poverty_budget: budget.map(|b| b.poverty_amount).unwrap_or_default(),
                allocated: money(p.allocated),
                disbursed: money(p.net_disbursed()),
                spent: money(p.spent),
                year,
                area,
                source,
            }
        })
        .collect()
}

/// Per project and source: what was approved and what happened, for every approved or used source.
pub fn project_lines(projects: &[Project], transactions: &[Transaction]) -> Vec<ProjectLine> {
    let mut out = Vec::new();
    for p in projects {
        let mut sources: Vec<&str> = p.approved.iter().map(|(s, _)| s.as_str()).collect();
        for t in transactions.iter().filter(|t| t.project == p.id) {
            if !sources.contains(&t.source.as_str()) {
                sources.push(&t.source);
            }
        }
        for source in sources {
            let pos = Position::of(
                transactions
                    .iter()
                    .filter(|t| t.project == p.id && t.source == source),
            );
            out.push(ProjectLine {
                project: p.id,
                source: source.to_string(),
                approved: p
                    .approved
                    .iter()
                    .filter(|(s, _)| s == source)
                    .map(|(_, m)| *m)
                    .sum(),
                allocated: money(pos.allocated),
                disbursed: money(pos.net_disbursed()),
                spent: money(pos.spent),
            });
        }
    }
    out
}

/// Money allocated to a project and not disbursed for longer than the allowed number of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdleFunds {
    pub project: i64,
    pub source: String,
    pub amount: Money,
    /// The date of the oldest allocation not yet disbursed.
    pub since: NaiveDate,
    pub days: i64,
}

/// Allocations are disbursed first in, first out; what remains of allocations older than
/// `max_days` on `today` is idle.
pub fn idle_funds(
    projects: &[Project],
    transactions: &[Transaction],
    today: NaiveDate,
    max_days: i64,
) -> Vec<IdleFunds> {
    let mut out = Vec::new();
    for line in project_lines(projects, transactions) {
        let of_line = |t: &&Transaction| t.project == line.project && t.source == line.source;
        let reversed: Vec<i64> = transactions
            .iter()
            .filter(of_line)
            .filter_map(|t| t.reverses)
            .collect();
        let mut allocations: Vec<&Transaction> = transactions
            .iter()
            .filter(of_line)
            .filter(|t| {
                t.kind == TxKind::Allocation && t.reverses.is_none() && !reversed.contains(&t.id)
            })
            .collect();
        allocations.sort_by_key(|t| (t.date, t.id));
        let mut covered = line.disbursed.fen();
        let mut idle = 0i64;
        let mut since = None;
        for a in allocations {
            let take = covered.min(a.amount.fen());
            covered -= take;
            let left = a.amount.fen() - take;
            if left > 0 && (today - a.date).num_days() > max_days {
                idle += left;
                since.get_or_insert(a.date);
            }
        }
        if let Some(since) = since {
            out.push(IdleFunds {
                project: line.project,
                source: line.source,
                amount: Money::from_fen(idle),
                since,
                days: (today - since).num_days(),
            });
        }
    }
    out
}

/// Projects not finished although their planned finish has passed, with the days of delay.
pub fn overdue_projects(projects: &[Project], today: NaiveDate) -> Vec<(&Project, i64)> {
    projects
        .iter()
        .filter(|p| matches!(p.status, ProjectStatus::Planned | ProjectStatus::InProgress))
        .filter_map(|p| {
            let finish = p.planned_finish?;
            (finish < today).then(|| (p, (today - finish).num_days()))
        })
        .collect()
}

/// Something the auditors should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    pub project: Option<i64>,
    pub transaction: Option<i64>,
    pub text: String,
}

/// Days an audit finding may wait for the unit's answer before it is listed.
pub const FINDING_ANSWER_DAYS: i64 = 30;

/// Every anomaly, project by project. `documents` lists the document kinds each project has.
pub fn anomalies(
    plan: &Plan,
    projects: &[Project],
    transactions: &[Transaction],
    budgets: &[Budget],
    documents: &BTreeMap<i64, Vec<DocumentKind>>,
    findings: &[Finding],
    today: NaiveDate,
) -> Vec<Anomaly> {
    let mut out = Vec::new();
    let reversed: Vec<i64> = transactions.iter().filter_map(|t| t.reverses).collect();
    for t in transactions {
        if let (Some(reason), false) = (&t.override_reason, reversed.contains(&t.id)) {
            out.push(Anomaly {
                project: Some(t.project),
                transaction: Some(t.id),
                text: format!("超预算下达 {} 元，说明：{reason}", t.amount),
            });
        }
    }
    for line in budget_lines(budgets, projects, transactions) {
        if line.allocated > line.budget {
            out.push(Anomaly {
                project: None,
                transaction: None,
                text: format!(
                    "{}年 {} {}：下达 {} 元，超过预算 {} 元",
                    line.year,
                    plan.area_name(&line.area),
                    source_name(plan, &line.source),
                    line.allocated,
                    line.budget
                ),
            });
        }
    }
    let lines = project_lines(projects, transactions);
    for p in projects {
        let mine = || lines.iter().filter(|l| l.project == p.id);
        let allocated: Money = mine().map(|l| l.allocated).sum();
        let disbursed: Money = mine().map(|l| l.disbursed).sum();
        let spent: Money = mine().map(|l| l.spent).sum();
        let mut flag = |text: String| {
            out.push(Anomaly {
                project: Some(p.id),
                transaction: None,
                text,
            })
        };
        for l in mine().filter(|l| l.allocated > l.approved) {
            flag(format!(
                "“{}”{}下达 {} 元，超过批复金额 {} 元",
                p.name,
                source_name(plan, &l.source),
                l.allocated,
                l.approved
            ));
        }
        if p.status == ProjectStatus::Planned && disbursed > Money::ZERO {
            flag(format!(
                "“{}”尚未开工（状态：计划），已拨付 {} 元",
                p.name, disbursed
            ));
        }
        if p.status == ProjectStatus::Accepted
            && !documents
                .get(&p.id)
                .is_some_and(|d| d.contains(&DocumentKind::Acceptance))
        {
            flag(format!("“{}”已验收，但没有上传验收材料", p.name));
        }
        let finished = matches!(p.status, ProjectStatus::Completed | ProjectStatus::Accepted);
        if finished && allocated > spent {
            flag(format!(
                "“{}”{}，结余 {} 元（下达 {} 元，支出 {} 元）尚未退回或使用",
                p.name,
                p.status.label(),
                allocated.minus(spent),
                allocated,
                spent
            ));
        }
    }
    for f in findings {
        let waiting = (today - f.raised_on).num_days();
        if f.status == FindingStatus::Open && waiting > FINDING_ANSWER_DAYS {
            out.push(Anomaly {
                project: Some(f.project),
                transaction: f.transaction,
                text: format!("审计意见 {} 已 {waiting} 天未答复", f.id),
            });
        }
    }
    out
}

fn source_name<'a>(plan: &'a Plan, code: &'a str) -> &'a str {
    plan.ledger.source(code).map_or(code, |s| s.name.as_str())
}
