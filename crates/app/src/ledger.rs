//! What the ledger pages and the API share: loading the ledger, naming its codes, recording
//! entries under the policy, and the spreadsheet export.

use crate::Actor;
use crate::AppError;
use crate::Context;
use bangfu_domain::ledger::oversight::{self, Anomaly, BudgetLine, IdleFunds, ProjectLine};
use bangfu_domain::ledger::{Budget, DocumentKind, Finding, Money, Project, Transaction, TxDraft};
use bangfu_domain::policy::Action;
use bangfu_domain::Plan;
use bangfu_store::LedgerActor;
use bangfu_xlsx::{Cell, Sheet};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// Days an allocation may wait for disbursement before it counts as idle, unless `?days=` says.
pub const DEFAULT_IDLE_DAYS: i64 = 90;

/// The whole ledger, as the oversight views need it.
pub struct Ledger {
    pub budgets: Vec<Budget>,
    pub projects: Vec<Project>,
    pub transactions: Vec<Transaction>,
    pub findings: Vec<Finding>,
    pub documents: BTreeMap<i64, Vec<DocumentKind>>,
}

impl Ledger {
    pub async fn load(state: &Context) -> Result<Ledger, AppError> {
        let store = &state.store;
        Ok(Ledger {
            budgets: store.budgets().await?,
            projects: store.projects().await?,
            transactions: store.transactions().await?,
            findings: store.findings().await?,
            documents: store.document_kinds().await?,
        })
    }

    pub fn project(&self, id: i64) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn project_name(&self, id: i64) -> String {
        self.project(id)
            .map_or_else(|| format!("#{id}"), |p| p.name.clone())
    }

    /// Transactions dated in `year`.
    pub fn transactions_of(&self, year: i32) -> Vec<Transaction> {
        self.transactions
            .iter()
            .filter(|t| t.date.year() == year)
            .cloned()
            .collect()
    }

    /// The year's budget lines.
    pub fn budget_lines(&self, year: i32) -> Vec<BudgetLine> {
        oversight::budget_lines(&self.budgets, &self.projects, &self.transactions)
            .into_iter()
            .filter(|l| l.year == year)
            .collect()
    }

    pub fn project_lines(&self) -> Vec<ProjectLine> {
        oversight::project_lines(&self.projects, &self.transactions)
    }

    pub fn idle(&self, today: NaiveDate, days: i64) -> Vec<IdleFunds> {
        oversight::idle_funds(&self.projects, &self.transactions, today, days)
    }

    pub fn anomalies(&self, plan: &Plan, today: NaiveDate) -> Vec<Anomaly> {
        oversight::anomalies(
            plan,
            &self.projects,
            &self.transactions,
            &self.budgets,
            &self.documents,
            &self.findings,
            today,
        )
    }

    /// IDs of transactions that a later entry reversed.
    pub fn reversed_ids(&self) -> Vec<i64> {
        self.transactions
            .iter()
            .filter_map(|t| t.reverses)
            .collect()
    }
}

pub fn source_name(plan: &Plan, code: &str) -> String {
    plan.ledger
        .source(code)
        .map_or_else(|| code.to_string(), |s| s.name.clone())
}

/// (code, name) of every source, for the forms' choices.
pub fn source_choices(plan: &Plan) -> Vec<(String, String)> {
    plan.ledger
        .sources
        .iter()
        .map(|s| (s.code.clone(), s.name.clone()))
        .collect()
}

/// "冲销交易 7" on a reversing entry, "已被冲销" on a reversed one, nothing otherwise.
pub fn reversal_mark(t: &Transaction, reversed: &[i64]) -> String {
    match (t.reverses, reversed.contains(&t.id)) {
        (Some(r), _) => format!("冲销交易 {r}"),
        (None, true) => "已被冲销".to_string(),
        _ => String::new(),
    }
}

pub fn source_codes(plan: &Plan) -> Vec<String> {
    plan.ledger.sources.iter().map(|s| s.code.clone()).collect()
}

/// Recipient areas the plan pairs with a donor, once each, in plan order.
pub fn recipient_areas(plan: &Plan) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for p in &plan.pairings {
        if !out.iter().any(|(c, _)| *c == p.area) {
            out.push((p.area.clone(), plan.area_name(&p.area).to_string()));
        }
    }
    out
}

/// Records transactions as `actor`, under the policy; refusals come back as 422 with every reason.
pub async fn record(
    state: &Context,
    actor: &Actor,
    drafts: &[TxDraft],
) -> Result<Vec<i64>, AppError> {
    actor.require(Action::RecordLedger)?;
    let who = LedgerActor {
        login: actor.login().to_string(),
        may_override: actor.may(Action::OverrideBudget),
        first_year: state.plan.info.start_year,
        last_year: state.plan.info.end_year,
    };
    Ok(state
        .store
        .record_transactions(drafts, &who, &source_codes(&state.plan))
        .await?)
}

/// The reversing entry of `original`, dated `on`.
pub fn reversal_of(original: &Transaction, on: NaiveDate, note: &str) -> TxDraft {
    TxDraft {
        kind: original.kind,
        date: on,
        amount: original.amount,
        source: original.source.clone(),
        project: original.project,
        voucher: original.voucher.clone(),
        note: if note.trim().is_empty() {
            format!("冲销交易 {}", original.id)
        } else {
            note.trim().to_string()
        },
        reverses: Some(original.id),
        override_reason: None,
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn yuan(m: Money) -> Cell {
    Cell::Yuan(m.yuan())
}

/// The finance and audit views of `year` as one workbook.
pub fn workbook(
    plan: &Plan,
    ledger: &Ledger,
    year: i32,
    today: NaiveDate,
    idle_days: i64,
) -> Vec<Sheet> {
    let book = Workbook {
        plan,
        ledger,
        year,
        today,
        idle_days,
    };
    vec![
        book.budget_sheet(),
        book.project_sheet(),
        book.transaction_sheet(),
        book.idle_sheet(),
        book.overdue_sheet(),
        book.anomaly_sheet(),
    ]
}

fn sheet(title: String, headers: &[&str], widths: Vec<f64>, rows: Vec<Vec<Cell>>) -> Sheet {
    Sheet {
        title,
        headers: headers.iter().map(|s| s.to_string()).collect(),
        widths,
        rows,
    }
}

/// What every sheet of the [`workbook`] is drawn from.
struct Workbook<'a> {
    plan: &'a Plan,
    ledger: &'a Ledger,
    year: i32,
    today: NaiveDate,
    idle_days: i64,
}

impl Workbook<'_> {
    fn budget_sheet(&self) -> Sheet {
        let plan = self.plan;
        let rows = self
            .ledger
            .budget_lines(self.year)
            .into_iter()
            .map(|l| {
                vec![
                    text(plan.area_name(&l.area)),
                    text(source_name(plan, &l.source)),
                    yuan(l.budget),
                    yuan(l.poverty_budget),
                    yuan(l.allocated),
                    yuan(l.disbursed),
                    yuan(l.spent),
                ]
            })
            .collect();
        sheet(
            format!("{}年预算执行", self.year),
            &[
                "受援地",
                "资金来源",
                "预算（元）",
                "其中用于扶贫（元）",
                "已下达（元）",
                "已拨付（元）",
                "已支出（元）",
            ],
            vec![14.0, 24.0, 16.0, 18.0, 16.0, 16.0, 16.0],
            rows,
        )
    }

    fn project_sheet(&self) -> Sheet {
        let (plan, ledger) = (self.plan, self.ledger);
        let rows = ledger
            .project_lines()
            .into_iter()
            .filter_map(|l| {
                let p = ledger.project(l.project)?;
                Some(vec![
                    text(p.id.to_string()),
                    text(&p.name),
                    text(plan.area_name(&p.area)),
                    text(p.sector.label()),
                    text(plan.party_name(&p.unit)),
                    text(p.status.label()),
                    text(source_name(plan, &l.source)),
                    yuan(l.approved),
                    yuan(l.allocated),
                    yuan(l.disbursed),
                    yuan(l.spent),
                ])
            })
            .collect();
        sheet(
            "项目资金".into(),
            &[
                "编号",
                "项目名称",
                "受援地",
                "行业",
                "实施单位",
                "状态",
                "资金来源",
                "批复（元）",
                "已下达（元）",
                "已拨付（元）",
                "已支出（元）",
            ],
            vec![
                6.0, 30.0, 12.0, 10.0, 14.0, 8.0, 22.0, 14.0, 14.0, 14.0, 14.0,
            ],
            rows,
        )
    }

    fn transaction_sheet(&self) -> Sheet {
        let (plan, ledger) = (self.plan, self.ledger);
        let reversed = ledger.reversed_ids();
        let rows = ledger
            .transactions_of(self.year)
            .into_iter()
            .map(|t| {
                let mark = reversal_mark(&t, &reversed);
                vec![
                    text(t.id.to_string()),
                    text(t.date.to_string()),
                    text(t.kind.label()),
                    Cell::Yuan(Money::from_fen(t.signed_fen()).yuan()),
                    text(source_name(plan, &t.source)),
                    text(ledger.project_name(t.project)),
                    text(&t.voucher),
                    text(mark),
                    text(t.override_reason.clone().unwrap_or_default()),
                    text(&t.note),
                    text(&t.recorded_by),
                ]
            })
            .collect();
        sheet(
            format!("{}年资金流水", self.year),
            &[
                "编号",
                "日期",
                "类型",
                "金额（元）",
                "资金来源",
                "项目",
                "凭证号",
                "冲销",
                "超预算说明",
                "备注",
                "录入人",
            ],
            vec![
                6.0, 12.0, 6.0, 16.0, 22.0, 28.0, 12.0, 12.0, 20.0, 20.0, 10.0,
            ],
            rows,
        )
    }

    fn idle_sheet(&self) -> Sheet {
        let (plan, ledger) = (self.plan, self.ledger);
        let rows = ledger
            .idle(self.today, self.idle_days)
            .into_iter()
            .map(|i| {
                vec![
                    text(ledger.project_name(i.project)),
                    text(source_name(plan, &i.source)),
                    yuan(i.amount),
                    text(i.since.to_string()),
                    text(i.days.to_string()),
                ]
            })
            .collect();
        sheet(
            format!("闲置资金（超过{}天）", self.idle_days),
            &[
                "项目",
                "资金来源",
                "未拨付金额（元）",
                "最早下达日期",
                "天数",
            ],
            vec![30.0, 22.0, 16.0, 14.0, 8.0],
            rows,
        )
    }

    fn overdue_sheet(&self) -> Sheet {
        let plan = self.plan;
        let rows = oversight::overdue_projects(&self.ledger.projects, self.today)
            .into_iter()
            .map(|(p, days)| {
                vec![
                    text(&p.name),
                    text(plan.area_name(&p.area)),
                    text(p.status.label()),
                    text(p.planned_finish.map(|d| d.to_string()).unwrap_or_default()),
                    text(days.to_string()),
                ]
            })
            .collect();
        sheet(
            "逾期项目".into(),
            &["项目", "受援地", "状态", "计划完工日期", "逾期天数"],
            vec![30.0, 12.0, 10.0, 14.0, 10.0],
            rows,
        )
    }

    fn anomaly_sheet(&self) -> Sheet {
        let ledger = self.ledger;
        let rows = ledger
            .anomalies(self.plan, self.today)
            .into_iter()
            .map(|a| {
                vec![
                    text(
                        a.project
                            .map(|p| ledger.project_name(p))
                            .unwrap_or_default(),
                    ),
                    text(a.transaction.map(|t| t.to_string()).unwrap_or_default()),
                    text(a.text),
                ]
            })
            .collect();
        sheet(
            "异常情况".into(),
            &["项目", "交易编号", "情况"],
            vec![30.0, 10.0, 80.0],
            rows,
        )
    }
}
