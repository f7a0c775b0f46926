//! The plan in the database: written once in one transaction ([`write`]), read back as rows
//! ([`read`]) and assembled into the domain model ([`assemble`]).

mod assemble;
mod read;
mod write;

use crate::audit::{self, NewAuditEntry};
use crate::{PlanStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::plan::{Calendar, Plan};
use bangfu_domain::Quantity;

/// A sum over the plan's targets, computed by the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetTotal {
    pub calendar: Calendar,
    pub unit: String,
    /// Per-area targets count once per area.
    pub total: Quantity,
    pub targets: i64,
}

#[derive(sqlx::FromRow)]
struct TotalRow {
    calendar: String,
    unit: String,
    total_scaled: i64,
    targets: i64,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Taken first by the plan's check-then-write transactions: servers starting together on one
/// PostgreSQL queue here (every audited write takes this row), so the second one sees the first
/// one's plan (or registers) instead of failing on a duplicate key. SQLite's BEGIN IMMEDIATE
/// already queues them; the statement changes nothing.
const LOCK_AUDIT_HEAD: &str = "UPDATE audit_head SET seq = seq WHERE id = 1";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}“{value}”无法识别"))
}

#[async_trait]
impl PlanStore for SqlStore {
    async fn load_plan(&self, plan: &Plan, source: &str, actor: &str) -> Result<()> {
        let digest = sha256_hex(source.as_bytes());
        let mut statements = write::plan_statements(plan, source, &digest)?;
        statements.push(audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "plan.load".into(),
            entity: "plan".into(),
            entity_key: plan.info.code.clone(),
            new_value: Some(format!("{}（sha256 {digest}）", plan.info.title)),
            ..Default::default()
        }));
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        conn.execute(LOCK_AUDIT_HEAD, vec![]).await?;
        let existing: Option<String> = conn
            .scalar_optional("SELECT code FROM plan_info WHERE id = 1", vec![])
            .await?;
        if let Some(code) = existing {
            return Err(StoreError::PlanAlreadyLoaded(code));
        }
        conn.execute_all(statements).await?;
        tx.commit().await
    }

    async fn adopt_registries(&self, plan: &Plan, actor: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        conn.execute(LOCK_AUDIT_HEAD, vec![]).await?;
        let stored: Option<Option<String>> = conn
            .scalar_optional(
                "SELECT registries_config FROM plan_info WHERE id = 1",
                vec![],
            )
            .await?;
        let Some(stored) = stored else {
            return Ok(false);
        };
        if !matches!(stored.as_deref(), None | Some("" | "[]")) || plan.registries.is_empty() {
            return Ok(false);
        }
        let mut statements = write::registries_statements(plan)?;
        statements.push(audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "plan.registries".into(),
            entity: "plan".into(),
            entity_key: plan.info.code.clone(),
            new_value: Some(
                plan.registries
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            ..Default::default()
        }));
        conn.execute_all(statements).await?;
        drop(conn);
        tx.commit().await?;
        self.derive_feed_facts().await?;
        Ok(true)
    }

    async fn plan(&self) -> Result<Option<Plan>> {
        let rows = read::plan_rows(&mut self.read().await?.conn()).await?;
        rows.map(assemble::assemble).transpose()
    }

    async fn target_totals(&self) -> Result<Vec<TargetTotal>> {
        // CAST: PostgreSQL's SUM(bigint) is NUMERIC; the scaled integers stay exact either way.
        const SQL: &str = "SELECT t.calendar, t.unit, \
             CAST(SUM(t.quantity_scaled * CASE WHEN t.per_area THEN \
                 (SELECT COUNT(*) FROM target_areas a \
                  WHERE a.task_code = t.task_code AND a.target_seq = t.seq) ELSE 1 END) AS BIGINT) \
                 AS total_scaled, \
             COUNT(*) AS targets \
             FROM targets t GROUP BY t.calendar, t.unit ORDER BY t.calendar, t.unit";
        let rows: Vec<TotalRow> = self.read().await?.conn().rows(SQL, vec![]).await?;
        rows.into_iter()
            .map(|r| {
                Ok(TargetTotal {
                    calendar: Calendar::parse(&r.calendar)
                        .ok_or_else(|| corrupt("周期", &r.calendar))?,
                    unit: r.unit,
                    total: Quantity::from_scaled(r.total_scaled),
                    targets: r.targets,
                })
            })
            .collect()
    }
}
