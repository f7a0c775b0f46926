//! Storage for bangfu: one [`Store`] trait made of small per-concern traits, implemented by
//! [`SqlStore`] on SQLite (embedded, the default) and PostgreSQL. Both backends run the same SQL
//! text (`$1` placeholders) and have their own migrations under `migrations/<backend>/`.
//!
//! Quantities are stored as BIGINT scaled by 10^4 (see `bangfu_domain::quantity`), so that sums
//! computed by the database are exact on both backends.

mod area_stats;
mod assessments;
mod audit;
mod audit_key;
mod audit_queue;
mod audit_verify;
mod conn;
mod db;
mod error;
mod ledger;
mod maintenance;
mod notify;
mod pending;
mod plan;
mod problems;
mod progress;
mod registries;
mod registry_evidence;
mod registry_facts;
mod reports;
mod sessions;
mod stmt;
#[cfg(feature = "testing")]
pub mod testing;
mod users;

pub use area_stats::StoredAreaStats;
pub use assessments::CoordinatorScore;
pub use audit::{AuditEntry, AuditFilter, BrokenLink, NewAuditEntry};
pub use audit_key::{AuditKey, AUDIT_KEY_FILE_NAME};
pub use audit_verify::{AuditProblem, AuditReceipt, AuditVerification, ProblemKind};
pub use db::{Backend, SqlStore, DEFAULT_DATABASE_URL};
pub use error::StoreError;
pub use ledger::{LedgerActor, ProjectDocument};
pub use maintenance::SqliteSettings;
pub use notify::{DeliveryOutcome, NewMessage, Notice, OutboxMessage, Webhook, ATTEMPT_UNFINISHED};
pub use pending::{PendingImportStore, PendingUpload};
pub use plan::TargetTotal;
pub use problems::{Problem, ProblemUpdate};
pub use progress::{TaskEvidence, TaskProgressEntry};
pub use registries::{Batch, DayTotal, EntryFilter, RegistryEntry, RowCheck, UnitFigure, Voided};
pub use registry_evidence::EntryEvidence;
/// A report's values by row.
pub type ReportEntries = BTreeMap<String, bangfu_domain::report::Entry>;
pub use reports::{
    EvidenceFile, EvidenceMeta, NewEvidence, ReportEvent, ReportState, ReportValues, SaveReport,
    StoredReport, Transition, UnitValue,
};
pub use sessions::{ApiToken, NewApiToken, Session};
pub use users::{NewUser, User};

use async_trait::async_trait;
use bangfu_domain::{Plan, Quantity};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The plan as loaded in the database.
#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Loads a validated plan into an empty database, in one transaction, with an audit entry.
    async fn load_plan(&self, plan: &Plan, source: &str, actor: &str) -> Result<()>;
    async fn plan(&self) -> Result<Option<Plan>>;
    /// Gives a plan loaded before registers were plan data the registers of `plan` (the same
    /// plan, now declaring them) and its targets' register measures, with an audit entry; their
    /// feed facts are derived next. `false` when the loaded plan already has registers.
    async fn adopt_registries(&self, plan: &Plan, actor: &str) -> Result<bool>;
    /// Target quantities summed by the database per calendar and unit of measure.
    async fn target_totals(&self) -> Result<Vec<TargetTotal>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates an account with an audit entry, in one transaction.
    async fn create_user(&self, user: NewUser, actor: &str) -> Result<i64>;
    async fn user_by_login(&self, login: &str) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
    /// Disables or re-enables an account; disabling ends its sessions. False if no such login.
    async fn set_user_active(&self, login: &str, active: bool, actor: &str) -> Result<bool>;
    /// Replaces the password hash and ends the account's sessions. False if no such login.
    async fn set_password(&self, login: &str, password_hash: &str, actor: &str) -> Result<bool>;
}

/// Login sessions and API tokens, stored as hashes of their secrets.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(
        &self,
        user: &User,
        id_hash: &str,
        csrf_token: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    async fn record_login_failure(&self, login: &str, address: &str) -> Result<()>;
    /// A login refused unread because its address failed too often (`note`: which limit).
    async fn record_login_throttled(&self, login: &str, address: &str, note: &str) -> Result<()>;
    /// The failed logins that count for `login` from `address` since `since`, from the audit
    /// log: the same answer on every server of one database.
    async fn login_failure_counts(
        &self,
        login: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<bangfu_domain::login_throttle::FailureCounts>;
    async fn session(&self, id_hash: &str) -> Result<Option<(Session, User)>>;
    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<()>;
    async fn delete_session(&self, id_hash: &str, login: &str, address: &str) -> Result<()>;
    async fn create_token(&self, user: &User, token: NewApiToken, actor: &str) -> Result<i64>;
    /// The owner of a token that is neither revoked nor expired at `now`.
    async fn user_by_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>>;
    /// The login of a token's owner, revoked or not.
    async fn token_owner(&self, id: i64) -> Result<Option<String>>;
    async fn tokens(&self, user: &User) -> Result<Vec<ApiToken>>;
    async fn revoke_token(&self, id: i64, actor: &str) -> Result<bool>;
}

/// Quarterly reports.
#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn report(&self, period: &str, unit: &str) -> Result<Option<StoredReport>>;
    /// A unit's reports of these periods as a save needs them, in one query: status, version and
    /// values (no narrative, workflow or evidence). Periods without a report are absent.
    async fn report_entries(
        &self,
        unit: &str,
        periods: &[String],
    ) -> Result<BTreeMap<String, ReportValues>>;
    /// Saves the given rows and narrative (creating the report as a draft); returns the new version.
    async fn save_report(&self, save: SaveReport) -> Result<i64>;
    async fn transition(&self, transition: Transition) -> Result<()>;
    /// Every unit's filled values of a period.
    async fn unit_values(
        &self,
        period: &str,
        scope: bangfu_domain::summary::ReportScope,
    ) -> Result<Vec<UnitValue>>;
    /// Per row, the sum over all units, computed by the database.
    async fn district_totals(
        &self,
        period: &str,
        scope: bangfu_domain::summary::ReportScope,
    ) -> Result<BTreeMap<String, Quantity>>;
    /// One row's sum over all units in each of `periods` (absent where nothing counts), in one
    /// query: the dashboard's chart by year.
    async fn row_totals(
        &self,
        indicator: &str,
        periods: &[String],
        scope: bangfu_domain::summary::ReportScope,
    ) -> Result<BTreeMap<String, Quantity>>;
    /// The state of every existing report, optionally of one year.
    async fn report_states(&self, year: Option<i32>) -> Result<Vec<ReportState>>;
    /// The state of every existing report of one period.
    async fn period_states(&self, period: &str) -> Result<Vec<ReportState>>;
    /// (period, unit) of every report in `status` (the reviewer's queue: the submitted ones).
    async fn reports_in_status(&self, status: &str) -> Result<Vec<(String, String)>>;
    async fn add_evidence(
        &self,
        period: &str,
        unit: &str,
        file: NewEvidence,
        actor: &str,
        address: &str,
    ) -> Result<i64>;
    async fn evidence(&self, id: i64) -> Result<Option<EvidenceFile>>;
    /// Removes a file its uploader no longer wants, while the report is not approved.
    async fn remove_evidence(&self, id: i64, actor: &str, address: &str) -> Result<()>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>>;
    /// Entries matching the filter, newest first.
    async fn search_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    /// Verifies the whole log: the chain (with the store's audit key), the receipt `expect` of an
    /// earlier end if given, and a replay against every report value and ledger transaction.
    /// Names every problem found.
    async fn verify_audit(&self, expect: Option<&AuditReceipt>) -> Result<AuditVerification>;
    /// [`AuditStore::verify_audit`] in short: the number of entries and the first problem, if any.
    async fn verify_audit_chain(&self) -> Result<(i64, Option<BrokenLink>)>;
    /// The chain's end now, as a receipt an auditor can keep.
    async fn audit_head(&self) -> Result<AuditReceipt>;
}

/// Problems raised in the work.
#[async_trait]
pub trait ProblemStore: Send + Sync {
    /// Records the problem and, in the same transaction, the messages of its assignment ("{id}"
    /// in their key and link stands for the new problem's number).
    async fn raise_problem(
        &self,
        draft: bangfu_domain::problem::ProblemDraft,
        on: chrono::NaiveDate,
        actor: &str,
        notify: &[NewMessage],
    ) -> Result<i64>;
    async fn problems(&self) -> Result<Vec<Problem>>;
    async fn problem(&self, id: i64) -> Result<Option<Problem>>;
    /// False if there is no such problem.
    async fn update_problem(&self, id: i64, update: ProblemUpdate, actor: &str) -> Result<bool>;
}

/// The coordinator's scores in the annual assessment.
#[async_trait]
pub trait AssessmentStore: Send + Sync {
    async fn set_coordinator_score(
        &self,
        year: i32,
        unit: &str,
        score: Quantity,
        comment: &str,
        actor: &str,
    ) -> Result<()>;
    async fn coordinator_scores(&self, year: i32) -> Result<Vec<CoordinatorScore>>;
}

/// Progress recorded on tasks.
#[async_trait]
pub trait ProgressStore: Send + Sync {
    async fn record_progress(&self, entry: TaskProgressEntry, actor: &str) -> Result<()>;
    async fn task_progress(&self) -> Result<Vec<TaskProgressEntry>>;
    async fn add_task_evidence(
        &self,
        task: &str,
        unit: &str,
        file: NewEvidence,
        actor: &str,
    ) -> Result<i64>;
    async fn task_evidence(&self, task: &str) -> Result<Vec<TaskEvidence>>;
    async fn task_evidence_file(&self, id: i64) -> Result<Option<(TaskEvidence, Vec<u8>)>>;
}

/// The funds ledger. Transactions are append-only: corrected by reversing entries.
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Records or replaces a year's budget for an area and source; never below what is allocated.
    async fn set_budget(&self, budget: &bangfu_domain::ledger::Budget, actor: &str) -> Result<()>;
    async fn budgets(&self) -> Result<Vec<bangfu_domain::ledger::Budget>>;
    /// Creates (id 0) or updates projects, all or none; returns their ids.
    async fn save_projects(
        &self,
        projects: &[bangfu_domain::ledger::Project],
        actor: &str,
    ) -> Result<Vec<i64>>;
    async fn projects(&self) -> Result<Vec<bangfu_domain::ledger::Project>>;
    /// The project with this id, if there is one.
    async fn project(&self, id: i64) -> Result<Option<bangfu_domain::ledger::Project>>;
    /// Checks each transaction against the ledger rules and records all of them, or none
    /// ([`StoreError::Rejected`] lists every refusal). `sources` are the plan's source codes.
    async fn record_transactions(
        &self,
        drafts: &[bangfu_domain::ledger::TxDraft],
        actor: &LedgerActor,
        sources: &[String],
    ) -> Result<Vec<i64>>;
    /// The same checks as [`LedgerStore::record_transactions`], in a transaction that is rolled
    /// back: a preview of what an import would be refused for.
    async fn check_transactions(
        &self,
        drafts: &[bangfu_domain::ledger::TxDraft],
        actor: &LedgerActor,
        sources: &[String],
    ) -> Result<()>;
    /// Every transaction, by date.
    async fn transactions(&self) -> Result<Vec<bangfu_domain::ledger::Transaction>>;
    /// The transaction with this id, if there is one.
    async fn transaction(&self, id: i64) -> Result<Option<bangfu_domain::ledger::Transaction>>;
    async fn add_project_document(
        &self,
        project: i64,
        kind: bangfu_domain::ledger::DocumentKind,
        file: NewEvidence,
        actor: &str,
    ) -> Result<i64>;
    /// Documents of one project, or of all.
    async fn project_documents(&self, project: Option<i64>) -> Result<Vec<ProjectDocument>>;
    async fn project_document(&self, id: i64) -> Result<Option<(ProjectDocument, Vec<u8>)>>;
    /// Which kinds of documents each project has.
    async fn document_kinds(
        &self,
    ) -> Result<BTreeMap<i64, Vec<bangfu_domain::ledger::DocumentKind>>>;
    /// Records the finding and, in the same transaction, the messages that tell the project's
    /// unit ("{id}" in their key and link stands for the finding's number).
    async fn raise_finding(
        &self,
        project: i64,
        transaction: Option<i64>,
        text: &str,
        on: chrono::NaiveDate,
        actor: &str,
        notify: &[NewMessage],
    ) -> Result<i64>;
    /// Answers (with a response), closes or reopens a finding, with the messages of the step in
    /// the same transaction. False if there is no such finding.
    async fn update_finding(
        &self,
        id: i64,
        status: bangfu_domain::ledger::FindingStatus,
        response: Option<&str>,
        actor: &str,
        notify: &[NewMessage],
    ) -> Result<bool>;
    async fn findings(&self) -> Result<Vec<bangfu_domain::ledger::Finding>>;
}

/// Recipient areas' yearly poverty figures.
#[async_trait]
pub trait AreaStatsStore: Send + Sync {
    /// Records (or replaces) an area's figures for a year, with an audit entry showing the old and
    /// new values, in one transaction.
    async fn record_area_stats(
        &self,
        stats: &bangfu_domain::area_stats::AreaYearStats,
        actor: &str,
    ) -> Result<()>;
    /// An area's figures, by year.
    async fn area_stats(&self, area: &str) -> Result<Vec<StoredAreaStats>>;
    /// The latest year's figures of every area that has any, by area code.
    async fn latest_area_stats(&self) -> Result<Vec<StoredAreaStats>>;
}

/// Notifications: the outbox, in-app notices, contacts and the robots' webhooks.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Records the messages not yet recorded (by event, recipient and channel) with one audit
    /// entry, in one transaction; returns those it added.
    async fn enqueue(&self, messages: &[NewMessage], actor: &str) -> Result<Vec<NewMessage>>;
    /// Claims up to `limit` pending messages due at `now_ms` whose lease (if any) has run out and
    /// whose number is above `after_id` (a sender's pass goes once through the queue), for
    /// `lease_ms`, counting an attempt on each.
    async fn claim_due(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
    /// Records an attempt on a message this worker holds; false if its lease was lost.
    async fn record_delivery(&self, outcome: &DeliveryOutcome) -> Result<bool>;
    /// The newest messages, of one status ("pending", "sent", "failed") or all.
    async fn deliveries(&self, status: Option<&str>, limit: i64) -> Result<Vec<OutboxMessage>>;
    /// Every attempt on a message: when, whether delivered, the error.
    async fn delivery_attempts(&self, id: i64) -> Result<Vec<(DateTime<Utc>, bool, String)>>;
    /// Puts a sent or failed message back in the queue; false if there is no such message or a
    /// sender holds it now.
    async fn resend(&self, id: i64, actor: &str) -> Result<bool>;
    async fn notices(&self, login: &str, limit: i64) -> Result<Vec<Notice>>;
    async fn unread_notices(&self, login: &str) -> Result<i64>;
    async fn mark_notices_read(&self, login: &str, at: DateTime<Utc>) -> Result<()>;
    /// Sets a user's e-mail, phone and channels; false if no such login.
    async fn set_contact(
        &self,
        login: &str,
        email: &str,
        phone: &str,
        channels: &bangfu_domain::notify::Channels,
        actor: &str,
    ) -> Result<bool>;
    /// Sets (or with `None` removes) the robot of a scope: "*" for every unit, or a unit code.
    async fn set_webhook(&self, scope: &str, hook: Option<&Webhook>, actor: &str) -> Result<()>;
    async fn webhooks(&self) -> Result<Vec<Webhook>>;
}

/// Registers (台账): the units' entries and the figures of the rows they feed.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// Records an entry of checked values for a unit, audited; returns its id.
    async fn add_entry(
        &self,
        registry: &str,
        unit: &str,
        values: &[bangfu_domain::registry::FieldValue],
        actor: &str,
    ) -> Result<i64>;
    /// Records entries (unit, checked values) all or none, in one transaction; their ids.
    async fn add_entries(
        &self,
        registry: &str,
        entries: &[(String, Vec<bangfu_domain::registry::FieldValue>)],
        actor: &str,
    ) -> Result<Vec<i64>>;
    /// Replaces a live entry's values, audited with the old and new values.
    async fn update_entry(
        &self,
        id: i64,
        values: &[bangfu_domain::registry::FieldValue],
        actor: &str,
    ) -> Result<()>;
    /// Voids a live entry with a reason (entries are never deleted); it stops counting.
    async fn void_entry(&self, id: i64, reason: &str, actor: &str) -> Result<()>;
    async fn registry_entry(&self, id: i64) -> Result<Option<RegistryEntry>>;
    /// Entries matching the filter, newest first.
    async fn registry_entries(&self, filter: &EntryFilter) -> Result<Vec<RegistryEntry>>;
    /// Live (not voided) entries per unit of a register, or of one unit.
    async fn registry_entry_counts(
        &self,
        registry: &str,
        unit: Option<&str>,
    ) -> Result<BTreeMap<String, i64>>;
    /// A measure over the live entries of `units` in a window: in total (key "") or by the value
    /// of the field `by` (an area's code …); groups without entries are left out. The sum of
    /// [`RegistryStore::registry_day_totals`] within the window.
    async fn registry_totals(
        &self,
        registry: &str,
        feed: &bangfu_domain::registry::Feed,
        window: bangfu_domain::registry::Window,
        units: &[String],
        by: Option<&str>,
    ) -> Result<BTreeMap<String, Quantity>>;
    /// The same measure per day of the feed's date field and group (key "" without `by`), any
    /// date, computed by the database in one query: a target's quarters are summed from it.
    async fn registry_day_totals(
        &self,
        registry: &str,
        feed: &bangfu_domain::registry::Feed,
        units: &[String],
        by: Option<&str>,
    ) -> Result<Vec<registries::DayTotal>>;
    /// The batches among the live entries of `units` that `feed` counts (any date): the values
    /// of the field `per`, each with its first date and its count or sum, first begun first.
    async fn registry_batches(
        &self,
        registry: &str,
        feed: &bangfu_domain::registry::Feed,
        units: &[String],
        per: &str,
    ) -> Result<Vec<registries::Batch>>;
    /// Attaches an evidence file (佐证材料) to a live entry, with an audit entry.
    async fn add_entry_evidence(&self, entry: i64, file: NewEvidence, actor: &str) -> Result<i64>;
    /// An entry's evidence files, first uploaded first, without their content.
    async fn entry_evidence(&self, entry: i64) -> Result<Vec<EntryEvidence>>;
    async fn entry_evidence_file(&self, id: i64) -> Result<Option<(EntryEvidence, Vec<u8>)>>;
    /// A fed row checked against the reports of `period` (drafts included), in one query: the
    /// register's total, the reported total and how many units differ (a unit that reported
    /// nothing agrees with a register figure of 0).
    async fn registry_row_check(
        &self,
        feed: &bangfu_domain::registry::Feed,
        window: bangfu_domain::registry::Window,
        period: &str,
    ) -> Result<registries::RowCheck>;
    /// A fed row's figure per unit (or for one unit) in a window, computed by the database.
    async fn registry_figures(
        &self,
        registry: &str,
        feed: &bangfu_domain::registry::Feed,
        window: bangfu_domain::registry::Window,
        unit: Option<&str>,
    ) -> Result<Vec<UnitFigure>>;
}

/// Everything the application needs from storage.
pub trait Store:
    PlanStore
    + UserStore
    + AuditStore
    + SessionStore
    + ReportStore
    + ProblemStore
    + AssessmentStore
    + ProgressStore
    + LedgerStore
    + AreaStatsStore
    + PendingImportStore
    + NotifyStore
    + RegistryStore
{
    fn backend(&self) -> Backend;
}
