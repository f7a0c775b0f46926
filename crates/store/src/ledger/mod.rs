//! The funds ledger: budgets, projects, documents, append-only transactions and audit findings.
//! Every write takes the ledger lock first, gathers the facts the domain rules need inside the same
//! transaction, and writes nothing when a rule says no. The rules themselves are in
//! `bangfu_domain::ledger::rules`; this module only reads and writes.

mod budgets;
mod documents;
mod facts;
mod findings;
mod projects;
mod transactions;

pub use documents::ProjectDocument;

use crate::conn::WriteTx;
use crate::{LedgerStore, NewEvidence, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::ledger::{
    Budget, DocumentKind, Finding, FindingStatus, Project, Transaction, TxDraft,
};
use chrono::NaiveDate;
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

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}“{value}”"))
}

impl SqlStore {
    /// A write transaction holding the ledger lock, taken before any fact is read: ledger writes
    /// run one at a time on both backends, so the facts a rule saw still hold at commit.
    async fn ledger_write(&self) -> Result<WriteTx<'_>> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute(
                "UPDATE ledger_lock SET version = version + 1 WHERE id = 1",
                vec![],
            )
            .await?;
        Ok(tx)
    }

    /// Records the batch and commits, or (`commit` false) runs every check and rolls back.
    async fn record_or_check(
        &self,
        drafts: &[TxDraft],
        actor: &LedgerActor,
        sources: &[String],
        commit: bool,
    ) -> Result<Vec<i64>> {
        let mut tx = self.ledger_write().await?;
        // An error returns before the commit and drops the transaction: nothing of the batch stays.
        let ids = transactions::record_batch(&mut tx.conn(), drafts, actor, sources).await?;
        if !commit {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        tx.commit().await?;
        Ok(ids)
    }
}

#[async_trait]
impl LedgerStore for SqlStore {
    async fn set_budget(&self, budget: &Budget, actor: &str) -> Result<()> {
        let mut tx = self.ledger_write().await?;
        budgets::set(&mut tx.conn(), budget, actor).await?;
        tx.commit().await
    }

    async fn budgets(&self) -> Result<Vec<Budget>> {
        budgets::all(&mut self.read().await?.conn()).await
    }

    async fn save_projects(&self, projects: &[Project], actor: &str) -> Result<Vec<i64>> {
        let mut tx = self.ledger_write().await?;
        let ids = projects::save(&mut tx.conn(), projects, actor).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn projects(&self) -> Result<Vec<Project>> {
        projects::all(&mut self.read().await?.conn()).await
    }

    async fn project(&self, id: i64) -> Result<Option<Project>> {
        projects::by_id(&mut self.read().await?.conn(), id).await
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
        transactions::all(&mut self.read().await?.conn()).await
    }

    async fn transaction(&self, id: i64) -> Result<Option<Transaction>> {
        transactions::by_id(&mut self.read().await?.conn(), id).await
    }

    async fn add_project_document(
        &self,
        project: i64,
        kind: DocumentKind,
        file: NewEvidence,
        actor: &str,
    ) -> Result<i64> {
        documents::add(self, project, kind, file, actor).await
    }

    async fn project_documents(&self, project: Option<i64>) -> Result<Vec<ProjectDocument>> {
        documents::list(&mut self.read().await?.conn(), project).await
    }

    async fn project_document(&self, id: i64) -> Result<Option<(ProjectDocument, Vec<u8>)>> {
        documents::one(&mut self.read().await?.conn(), id).await
    }

    async fn document_kinds(&self) -> Result<BTreeMap<i64, Vec<DocumentKind>>> {
        documents::kinds(&mut self.read().await?.conn()).await
    }

    async fn raise_finding(
        &self,
        project: i64,
        transaction: Option<i64>,
        text: &str,
        on: NaiveDate,
        actor: &str,
        notify: &[crate::NewMessage],
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let id = findings::raise(&mut conn, project, transaction, text, on, actor).await?;
        let messages = crate::notify::with_id(notify, id);
        conn.execute_all(crate::notify::enqueue_stmts(&messages, chrono::Utc::now()))
            .await?;
        drop(conn);
        tx.commit().await?;
        Ok(id)
    }

    async fn update_finding(
        &self,
        id: i64,
        status: FindingStatus,
        response: Option<&str>,
        actor: &str,
        notify: &[crate::NewMessage],
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let found = findings::update(&mut conn, id, status, response, actor).await?;
        if found {
            conn.execute_all(crate::notify::enqueue_stmts(notify, chrono::Utc::now()))
                .await?;
        }
        drop(conn);
        tx.commit().await?;
        Ok(found)
    }

    async fn findings(&self) -> Result<Vec<Finding>> {
        findings::all(&mut self.read().await?.conn()).await
    }
}
