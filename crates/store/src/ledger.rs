//! The funds ledger: budgets, projects, documents, append-only transactions and audit findings.
//! Every write takes the ledger lock first, gathers the facts the domain rules need inside the same
//! transaction, and writes nothing when a rule says no.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{execute_all, stmt};
use crate::{LedgerStore, NewEvidence, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::ledger::rules::{self, Facts, Position};
use bangfu_domain::ledger::{
    Budget, DocumentKind, Finding, FindingStatus, Money, Project, ProjectStatus, Sector,
    Transaction, TxDraft, TxKind,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Who records and what they may do beyond the rules.
#[derive(Debug, Clone)]
pub struct LedgerActor {
    pub login: String,
    /// The coordinator may allocate beyond a budget with a reason.
    pub may_override: bool,
    pub first_year: i32,
    pub last_year: i32,
}

/// A project document without its content.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectDocument {
    pub id: i64,
    pub project_id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl ProjectDocument {
    pub fn kind(&self) -> DocumentKind {
        DocumentKind::parse(&self.kind).unwrap_or(DocumentKind::Other)
    }
}

#[derive(sqlx::FromRow)]
struct BudgetRow {
    year: i32,
    area_code: String,
    source_code: String,
    amount_fen: i64,
    poverty_fen: i64,
    note: String,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    name: String,
    area_code: String,
    sector: String,
    unit_code: String,
    poverty_relief: bool,
    planned_start: Option<NaiveDate>,
    planned_finish: Option<NaiveDate>,
    actual_start: Option<NaiveDate>,
    actual_finish: Option<NaiveDate>,
    status: String,
    beneficiaries: i64,
    task_codes: String,
    note: String,
}

#[derive(sqlx::FromRow)]
struct AmountRow {
    project_id: i64,
    source_code: String,
    amount_fen: i64,
}

#[derive(sqlx::FromRow)]
struct TxRow {
    id: i64,
    kind: String,
    tx_date: NaiveDate,
    amount_fen: i64,
    source_code: String,
    project_id: i64,
    voucher: String,
    note: String,
    reverses: Option<i64>,
    override_reason: Option<String>,
    recorded_by: String,
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: i64,
    project_id: i64,
    transaction_id: Option<i64>,
    text: String,
    raised_by: String,
    raised_on: NaiveDate,
    status: String,
    response: String,
    responded_by: Option<String>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}“{value}”"))
}

impl TryFrom<TxRow> for Transaction {
    type Error = StoreError;
    fn try_from(r: TxRow) -> Result<Self> {
        Ok(Transaction {
            kind: TxKind::parse(&r.kind).ok_or_else(|| corrupt("交易类型", &r.kind))?,
            id: r.id,
            date: r.tx_date,
            amount: Money::from_fen(r.amount_fen),
            source: r.source_code,
            project: r.project_id,
            voucher: r.voucher,
            note: r.note,
            reverses: r.reverses,
            override_reason: r.override_reason,
            recorded_by: r.recorded_by,
        })
    }
}

const TX_COLUMNS: &str = "SELECT id, kind, tx_date, amount_fen, source_code, project_id, voucher, \
     note, reverses, override_reason, recorded_by FROM ledger_transactions";

const PROJECT_COLUMNS: &str = "SELECT id, name, area_code, sector, unit_code, poverty_relief, \
     planned_start, planned_finish, actual_start, actual_finish, status, beneficiaries, task_codes, \
     note FROM projects";

fn project_from(r: ProjectRow, amounts: &[AmountRow]) -> Result<Project> {
    Ok(Project {
        sector: Sector::parse(&r.sector).ok_or_else(|| corrupt("行业", &r.sector))?,
        status: ProjectStatus::parse(&r.status).ok_or_else(|| corrupt("项目状态", &r.status))?,
        approved: amounts
            .iter()
            .filter(|a| a.project_id == r.id)
            .map(|a| (a.source_code.clone(), Money::from_fen(a.amount_fen)))
            .collect(),
        tasks: r
            .task_codes
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        id: r.id,
        name: r.name,
        area: r.area_code,
        unit: r.unit_code,
        poverty_relief: r.poverty_relief,
        planned_start: r.planned_start,
        planned_finish: r.planned_finish,
        actual_start: r.actual_start,
        actual_finish: r.actual_finish,
        beneficiaries: r.beneficiaries,
        note: r.note,
    })
}

fn describe_project(p: &Project) -> String {
    let amounts: Vec<String> = p.approved.iter().map(|(s, m)| format!("{s} {m}")).collect();
    format!(
        "{}｜{}｜{}｜{}｜{}｜批复 {}｜脱贫 {} 人",
        p.name,
        p.area,
        p.sector.label(),
        p.unit,
        p.status.label(),
        amounts.join("、"),
        p.beneficiaries
    )
}

/// Takes the ledger lock inside a write transaction, then runs the body.
macro_rules! with_ledger_lock {
    ($store:expr, |$tx:ident| $body:expr) => {
        in_write_tx!($store, |$tx| {
            sqlx::query("UPDATE ledger_lock SET version = version + 1 WHERE id = 1")
                .execute(&mut *$tx)
                .await?;
            $body
        })
    };
}

/// The facts a transaction is checked against, read inside the writing transaction.
macro_rules! gather_facts {
    ($tx:ident, $draft:expr, $actor:expr, $sources:expr) => {{
        let draft: &TxDraft = $draft;
        let actor: &LedgerActor = $actor;
        let project_area: Option<String> =
            sqlx::query_scalar("SELECT area_code FROM projects WHERE id = $1")
                .bind(draft.project)
                .fetch_optional(&mut *$tx)
                .await?;
        let sums: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, CAST(SUM(CASE WHEN reverses IS NULL THEN amount_fen ELSE -amount_fen END) \
             AS BIGINT) FROM ledger_transactions WHERE project_id = $1 AND source_code = $2 \
             GROUP BY kind",
        )
        .bind(draft.project)
        .bind(&draft.source)
        .fetch_all(&mut *$tx)
        .await?;
        let mut position = Position::default();
        for (kind, fen) in sums {
            let kind = TxKind::parse(&kind).ok_or_else(|| corrupt("交易类型", &kind))?;
            position = position.with(kind, fen);
        }
        let year = rules::budget_year(draft.date);
        let area = project_area.clone().unwrap_or_default();
        let budget: Option<i64> = sqlx::query_scalar(
            "SELECT amount_fen FROM budgets WHERE year = $1 AND area_code = $2 AND source_code = $3",
        )
        .bind(year)
        .bind(&area)
        .bind(&draft.source)
        .fetch_optional(&mut *$tx)
        .await?;
        let (from, to) = year_bounds(year);
        let allocated_in_budget: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(CASE WHEN t.reverses IS NULL THEN t.amount_fen ELSE -t.amount_fen END) \
             AS BIGINT) FROM ledger_transactions t JOIN projects p ON p.id = t.project_id \
             WHERE t.kind = 'allocation' AND p.area_code = $1 AND t.source_code = $2 \
             AND t.tx_date >= $3 AND t.tx_date <= $4",
        )
        .bind(&area)
        .bind(&draft.source)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *$tx)
        .await?;
        let (original, original_reversed) = match draft.reverses {
            None => (None, false),
            Some(id) => {
                let row: Option<TxRow> = sqlx::query_as(&format!("{TX_COLUMNS} WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *$tx)
                    .await?;
                let reversed: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM ledger_transactions WHERE reverses = $1",
                )
                .bind(id)
                .fetch_one(&mut *$tx)
                .await?;
                (row.map(Transaction::try_from).transpose()?, reversed > 0)
            }
        };
        Facts {
            first_year: actor.first_year,
            last_year: actor.last_year,
            project_area,
            source_known: $sources.iter().any(|s: &String| s == &draft.source),
            position,
            budget: budget.map(Money::from_fen),
            allocated_in_budget: allocated_in_budget.unwrap_or(0),
            original,
            original_reversed,
            may_override: actor.may_override,
        }
    }};
}

/// Inserts one checked transaction with its audit entry; `Err(messages)` when a rule refuses it.
macro_rules! record_one {
    ($tx:ident, $draft:expr, $actor:expr, $sources:expr) => {{
        let draft: &TxDraft = $draft;
        let facts = gather_facts!($tx, draft, $actor, $sources);
        match rules::check(draft, &facts) {
            Err(messages) => Err(messages),
            Ok(()) => {
                let override_reason = draft
                    .override_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty() && facts.budget.map(Money::fen).unwrap_or(0)
                        < facts.allocated_in_budget + draft.amount.fen()
                        && draft.kind == TxKind::Allocation
                        && draft.reverses.is_none())
                    .map(str::to_string);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO ledger_transactions (kind, tx_date, amount_fen, source_code, \
                     project_id, voucher, note, reverses, override_reason, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(draft.kind.as_str())
                .bind(draft.date)
                .bind(draft.amount.fen())
                .bind(&draft.source)
                .bind(draft.project)
                .bind(draft.voucher.trim())
                .bind(draft.note.trim())
                .bind(draft.reverses)
                .bind(&override_reason)
                .bind(&$actor.login)
                .bind(Utc::now())
                .fetch_one(&mut *$tx)
                .await?;
                let entry = audit::append(NewAuditEntry {
                    actor: $actor.login.clone(),
                    action: if draft.reverses.is_some() {
                        "ledger.reverse".into()
                    } else {
                        "ledger.transaction".into()
                    },
                    entity: "ledger_transaction".into(),
                    entity_key: id.to_string(),
                    new_value: Some($crate::audit_verify::ledger_text(
                        draft.date,
                        draft.kind,
                        draft.amount,
                        &draft.source,
                        draft.project,
                        draft.voucher.trim(),
                        draft.reverses,
                    )),
                    reason: override_reason.clone(),
                    ..Default::default()
                });
                execute_all!($tx, [entry]);
                Ok(id)
            }
        }
    }};
}

impl SqlStore {
    /// Records the batch and commits, or (`commit` false) runs every check and rolls back.
    async fn record_or_check(
        &self,
        drafts: &[TxDraft],
        actor: &LedgerActor,
        sources: &[String],
        commit: bool,
    ) -> Result<Vec<i64>> {
        Ok(with_ledger_lock!(self, |tx| {
            let mut ids = Vec::new();
            let mut refused = Vec::new();
            for (i, draft) in drafts.iter().enumerate() {
                match record_one!(tx, draft, actor, sources) {
                    Ok(id) => ids.push(id),
                    Err(messages) if drafts.len() == 1 => refused.extend(messages),
                    Err(messages) => refused.extend(
                        messages
                            .into_iter()
                            .map(|m| format!("第 {} 笔：{m}", i + 1)),
                    ),
                }
            }
            // Returning before the commit drops the transaction: nothing of the batch stays.
            if !refused.is_empty() {
                return Err(StoreError::Rejected(refused));
            }
            if !commit {
                tx.rollback().await?;
                return Ok(Vec::new());
            }
            ids
        }))
    }
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let day = |m, d| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
    (day(1, 1), day(12, 31))
}

#[async_trait]
impl LedgerStore for SqlStore {
    async fn set_budget(&self, budget: &Budget, actor: &str) -> Result<()> {
        let (from, to) = year_bounds(budget.year);
        with_ledger_lock!(self, |tx| {
            let old: Option<(i64, i64)> = sqlx::query_as(
                "SELECT amount_fen, poverty_fen FROM budgets \
                 WHERE year = $1 AND area_code = $2 AND source_code = $3",
            )
            .bind(budget.year)
            .bind(&budget.area)
            .bind(&budget.source)
            .fetch_optional(&mut *tx)
            .await?;
            let allocated: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(SUM(CASE WHEN t.reverses IS NULL THEN t.amount_fen ELSE -t.amount_fen END) \
                 AS BIGINT) FROM ledger_transactions t JOIN projects p ON p.id = t.project_id \
                 WHERE t.kind = 'allocation' AND p.area_code = $1 AND t.source_code = $2 \
                 AND t.tx_date >= $3 AND t.tx_date <= $4",
            )
            .bind(&budget.area)
            .bind(&budget.source)
            .bind(from)
            .bind(to)
            .fetch_one(&mut *tx)
            .await?;
            let allocated = Money::from_fen(allocated.unwrap_or(0));
            if budget.amount < allocated {
                return Err(StoreError::Rejected(vec![format!(
                    "预算金额 {} 元低于该年度已下达的 {} 元，不能调减到已下达金额以下",
                    budget.amount, allocated
                )]));
            }
            let upsert = stmt!(
                "INSERT INTO budgets (year, area_code, source_code, amount_fen, poverty_fen, note, \
                 updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (year, area_code, source_code) DO UPDATE SET amount_fen = $4, \
                 poverty_fen = $5, note = $6, updated_by = $7, updated_at = $8",
                budget.year,
                &budget.area,
                &budget.source,
                budget.amount.fen(),
                budget.poverty_amount.fen(),
                budget.note.trim(),
                actor,
                Utc::now()
            );
            let show = |a: i64, p: i64| {
                format!(
                    "{} 元（其中用于扶贫 {} 元）",
                    Money::from_fen(a),
                    Money::from_fen(p)
                )
            };
            let entry = audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "ledger.budget".into(),
                entity: "budget".into(),
                entity_key: format!("{}/{}/{}", budget.year, budget.area, budget.source),
                old_value: old.map(|(a, p)| show(a, p)),
                new_value: Some(show(budget.amount.fen(), budget.poverty_amount.fen())),
                ..Default::default()
            });
            execute_all!(tx, [upsert, entry]);
        });
        Ok(())
    }

    async fn budgets(&self) -> Result<Vec<Budget>> {
        let rows: Vec<BudgetRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT year, area_code, source_code, amount_fen, poverty_fen, note FROM budgets \
             ORDER BY year, area_code, source_code"
        )
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| Budget {
                year: r.year,
                area: r.area_code,
                source: r.source_code,
                amount: Money::from_fen(r.amount_fen),
                poverty_amount: Money::from_fen(r.poverty_fen),
                note: r.note,
            })
            .collect())
    }

    async fn save_projects(&self, projects: &[Project], actor: &str) -> Result<Vec<i64>> {
        Ok(with_ledger_lock!(self, |tx| {
            let mut ids = Vec::new();
            for p in projects {
                let old: Option<ProjectRow> =
                    sqlx::query_as(&format!("{PROJECT_COLUMNS} WHERE id = $1"))
                        .bind(p.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let old_amounts: Vec<AmountRow> = sqlx::query_as(
                    "SELECT project_id, source_code, amount_fen FROM project_amounts \
                     WHERE project_id = $1",
                )
                .bind(p.id)
                .fetch_all(&mut *tx)
                .await?;
                if p.id != 0 && old.is_none() {
                    return Err(StoreError::Rejected(vec![format!(
                        "项目编号 {} 不存在",
                        p.id
                    )]));
                }
                let old_text = old
                    .map(|r| project_from(r, &old_amounts))
                    .transpose()?
                    .map(|o| describe_project(&o));
                let fields = (
                    p.name.trim().to_string(),
                    p.area.clone(),
                    p.sector.as_str(),
                    p.unit.clone(),
                    p.poverty_relief,
                    p.status.as_str(),
                    p.beneficiaries,
                    p.tasks.join(","),
                    p.note.trim().to_string(),
                );
                let id: i64 = if p.id == 0 {
                    sqlx::query_scalar(
                        "INSERT INTO projects (name, area_code, sector, unit_code, poverty_relief, \
                         status, beneficiaries, task_codes, note, planned_start, planned_finish, \
                         actual_start, actual_finish, updated_by, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                         RETURNING id",
                    )
                    .bind(&fields.0)
                    .bind(&fields.1)
                    .bind(fields.2)
                    .bind(&fields.3)
                    .bind(fields.4)
                    .bind(fields.5)
                    .bind(fields.6)
                    .bind(&fields.7)
                    .bind(&fields.8)
                    .bind(p.planned_start)
                    .bind(p.planned_finish)
                    .bind(p.actual_start)
                    .bind(p.actual_finish)
                    .bind(actor)
                    .bind(Utc::now())
                    .fetch_one(&mut *tx)
                    .await?
                } else {
                    sqlx::query(
                        "UPDATE projects SET name = $1, area_code = $2, sector = $3, unit_code = $4, \
                         poverty_relief = $5, status = $6, beneficiaries = $7, task_codes = $8, \
                         note = $9, planned_start = $10, planned_finish = $11, actual_start = $12, \
                         actual_finish = $13, updated_by = $14, updated_at = $15 WHERE id = $16",
                    )
                    .bind(&fields.0)
                    .bind(&fields.1)
                    .bind(fields.2)
                    .bind(&fields.3)
                    .bind(fields.4)
                    .bind(fields.5)
                    .bind(fields.6)
                    .bind(&fields.7)
                    .bind(&fields.8)
                    .bind(p.planned_start)
                    .bind(p.planned_finish)
                    .bind(p.actual_start)
                    .bind(p.actual_finish)
                    .bind(actor)
                    .bind(Utc::now())
                    .bind(p.id)
                    .execute(&mut *tx)
                    .await?;
                    p.id
                };
                let mut stmts = vec![stmt!(
                    "DELETE FROM project_amounts WHERE project_id = $1",
                    id
                )];
                for (source, amount) in &p.approved {
                    stmts.push(stmt!(
                        "INSERT INTO project_amounts (project_id, source_code, amount_fen) \
                         VALUES ($1, $2, $3)",
                        id,
                        source,
                        amount.fen()
                    ));
                }
                let mut saved = p.clone();
                saved.id = id;
                stmts.push(audit::append(NewAuditEntry {
                    actor: actor.to_string(),
                    action: if p.id == 0 {
                        "ledger.project.create".into()
                    } else {
                        "ledger.project.update".into()
                    },
                    entity: "project".into(),
                    entity_key: id.to_string(),
                    old_value: old_text,
                    new_value: Some(describe_project(&saved)),
                    ..Default::default()
                }));
                execute_all!(tx, stmts);
                ids.push(id);
            }
            ids
        }))
    }

    async fn projects(&self) -> Result<Vec<Project>> {
        let (rows, amounts): (Vec<ProjectRow>, Vec<AmountRow>) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&format!("{PROJECT_COLUMNS} ORDER BY id"))
                .fetch_all(pool)
                .await?;
            let amounts = sqlx::query_as(
                "SELECT project_id, source_code, amount_fen FROM project_amounts \
                 ORDER BY project_id, source_code",
            )
            .fetch_all(pool)
            .await?;
            (rows, amounts)
        });
        rows.into_iter()
            .map(|r| project_from(r, &amounts))
            .collect()
    }

    async fn record_transactions(
        &self,
        drafts: &[TxDraft],
        actor: &LedgerActor,
        sources: &[String],
    ) -> Result<Vec<i64>> {
        self.record_or_check(drafts, actor, sources, true).await
    }

    async fn check_transactions(
        &self,
        drafts: &[TxDraft],
        actor: &LedgerActor,
        sources: &[String],
    ) -> Result<()> {
        self.record_or_check(drafts, actor, sources, false)
            .await
            .map(|_| ())
    }

    async fn transactions(&self) -> Result<Vec<Transaction>> {
        let rows: Vec<TxRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "{TX_COLUMNS} ORDER BY tx_date, id"
        ))
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(Transaction::try_from).collect()
    }

    async fn add_project_document(
        &self,
        project: i64,
        kind: DocumentKind,
        file: NewEvidence,
        actor: &str,
    ) -> Result<i64> {
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "ledger.document".into(),
            entity: "project".into(),
            entity_key: project.to_string(),
            new_value: Some(format!(
                "{}：{}（sha256 {}）",
                kind.label(),
                file.file_name,
                file.sha256
            )),
            ..Default::default()
        });
        Ok(in_write_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO project_documents (project_id, kind, file_name, content_type, \
                 size_bytes, sha256, content, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(project)
            .bind(kind.as_str())
            .bind(&file.file_name)
            .bind(&file.content_type)
            .bind(file.content.len() as i64)
            .bind(&file.sha256)
            .bind(&file.content)
            .bind(actor)
            .bind(Utc::now())
            .fetch_one(&mut *tx)
            .await?;
            execute_all!(tx, [entry]);
            id
        }))
    }

    async fn project_documents(&self, project: Option<i64>) -> Result<Vec<ProjectDocument>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, ProjectDocument>(
            "SELECT id, project_id, kind, file_name, content_type, size_bytes, sha256, uploaded_by, \
             uploaded_at FROM project_documents WHERE $1 IS NULL OR project_id = $1 ORDER BY id"
        )
        .bind(project)
        .fetch_all(pool)
        .await?
        }))
    }

    async fn project_document(&self, id: i64) -> Result<Option<(ProjectDocument, Vec<u8>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            meta: ProjectDocument,
            content: Vec<u8>,
        }
        let row: Option<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT id, project_id, kind, file_name, content_type, size_bytes, sha256, uploaded_by, \
             uploaded_at, content FROM project_documents WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
        });
        Ok(row.map(|r| (r.meta, r.content)))
    }

    async fn raise_finding(
        &self,
        project: i64,
        transaction: Option<i64>,
        text: &str,
        on: NaiveDate,
        actor: &str,
    ) -> Result<i64> {
        Ok(in_write_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO ledger_findings (project_id, transaction_id, text, raised_by, \
                 raised_on, status) VALUES ($1, $2, $3, $4, $5, 'open') RETURNING id",
            )
            .bind(project)
            .bind(transaction)
            .bind(text.trim())
            .bind(actor)
            .bind(on)
            .fetch_one(&mut *tx)
            .await?;
            let entry = audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "ledger.finding".into(),
                entity: "finding".into(),
                entity_key: id.to_string(),
                new_value: Some(format!(
                    "项目 {project}{}：{}",
                    transaction
                        .map(|t| format!(" 交易 {t}"))
                        .unwrap_or_default(),
                    text.trim()
                )),
                ..Default::default()
            });
            execute_all!(tx, [entry]);
            id
        }))
    }

    async fn update_finding(
        &self,
        id: i64,
        status: FindingStatus,
        response: Option<&str>,
        actor: &str,
    ) -> Result<bool> {
        let update = match response {
            Some(text) => stmt!(
                "UPDATE ledger_findings SET status = $1, response = $2, responded_by = $3 \
                 WHERE id = $4",
                status.as_str(),
                text.trim(),
                actor,
                id
            ),
            None => stmt!(
                "UPDATE ledger_findings SET status = $1 WHERE id = $2",
                status.as_str(),
                id
            ),
        };
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "ledger.finding.update".into(),
            entity: "finding".into(),
            entity_key: id.to_string(),
            new_value: Some(format!(
                "{}{}",
                status.label(),
                response
                    .map(|r| format!("：{}", r.trim()))
                    .unwrap_or_default()
            )),
            ..Default::default()
        });
        Ok(in_write_tx!(self, |tx| {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM ledger_findings WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_some() {
                execute_all!(tx, [update, entry]);
            }
            exists.is_some()
        }))
    }

    async fn findings(&self) -> Result<Vec<Finding>> {
        let rows: Vec<FindingRow> = on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT id, project_id, transaction_id, text, raised_by, raised_on, status, response, \
             responded_by FROM ledger_findings ORDER BY id"
        )
        .fetch_all(pool)
        .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(Finding {
                    status: FindingStatus::parse(&r.status)
                        .ok_or_else(|| corrupt("审计意见状态", &r.status))?,
                    id: r.id,
                    project: r.project_id,
                    transaction: r.transaction_id,
                    text: r.text,
                    raised_by: r.raised_by,
                    raised_on: r.raised_on,
                    response: r.response,
                    responded_by: r.responded_by,
                })
            })
            .collect()
    }

    async fn document_kinds(&self) -> Result<BTreeMap<i64, Vec<DocumentKind>>> {
        let mut out: BTreeMap<i64, Vec<DocumentKind>> = BTreeMap::new();
        for d in self.project_documents(None).await? {
            out.entry(d.project_id).or_default().push(d.kind());
        }
        Ok(out)
    }
}
