//! Storage for bangfu: one [`Store`] trait made of small per-concern traits, implemented by
//! [`SqlStore`] on SQLite (embedded, the default) and PostgreSQL. Both backends run the same SQL
//! text (`$1` placeholders) and have their own migrations under `migrations/<backend>/`.
//!
//! Quantities are stored as BIGINT scaled by 10^4 (see `bangfu_domain::quantity`), so that sums
//! computed by the database are exact on both backends.

mod audit;
mod db;
mod error;
mod plan;
mod stmt;
#[cfg(feature = "testing")]
pub mod testing;
mod users;

pub use audit::{AuditEntry, NewAuditEntry};
pub use db::{Backend, SqlStore, DEFAULT_DATABASE_URL};
pub use error::StoreError;
pub use plan::TargetTotal;
pub use users::{NewUser, User};

use async_trait::async_trait;
use bangfu_domain::Plan;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The plan as loaded in the database.
#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Loads a validated plan into an empty database, in one transaction, with an audit entry.
    async fn load_plan(&self, plan: &Plan, source: &str, actor: &str) -> Result<()>;
    async fn plan(&self) -> Result<Option<Plan>>;
    /// Target quantities summed by the database per calendar and unit of measure.
    async fn target_totals(&self) -> Result<Vec<TargetTotal>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates an account with an audit entry, in one transaction.
    async fn create_user(&self, user: NewUser, actor: &str) -> Result<i64>;
    async fn user_by_login(&self, login: &str) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>>;
}

/// Everything the application needs from storage.
pub trait Store: PlanStore + UserStore + AuditStore {
    fn backend(&self) -> Backend;
}
