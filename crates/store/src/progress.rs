//! Task progress recorded by the lead and cooperating units.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{execute_all, insert_file, insert_returning_id, stmt};
use crate::{ProgressStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::period::PeriodCode;
use bangfu_domain::supervision::ProgressUpdate;
use bangfu_domain::Quantity;
use chrono::{DateTime, Utc};

/// A recorded update with who recorded it.
#[derive(Debug, Clone)]
pub struct TaskProgressEntry {
    pub update: ProgressUpdate,
    pub unit: String,
    pub cooperating: bool,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    task_code: String,
    target_seq: i32,
    unit_code: String,
    cooperating: bool,
    period_code: String,
    area_code: Option<String>,
    quantity_scaled: i64,
    note: String,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

/// An evidence file on a task, without its content.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskEvidence {
    pub id: i64,
    pub task_code: String,
    pub unit_code: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

#[async_trait]
impl ProgressStore for SqlStore {
    async fn add_task_evidence(
        &self,
        task: &str,
        unit: &str,
        file: crate::NewEvidence,
        actor: &str,
    ) -> Result<i64> {
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "task.evidence".into(),
            entity: "task".into(),
            entity_key: task.to_string(),
            new_value: Some(format!("{}（sha256 {}）", file.file_name, file.sha256)),
            ..Default::default()
        });
        Ok(in_write_tx!(self, |tx| {
            let id = insert_returning_id!(
                tx,
                insert_file(
                "INSERT INTO task_evidence (task_code, unit_code, file_name, content_type, size_bytes, \
                 sha256, content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 RETURNING id",
                    vec![task.into(), unit.into()],
                    &file,
                    actor,
                    Utc::now(),
                )
            );
            execute_all!(tx, [entry]);
            id
        }))
    }

    async fn task_evidence(&self, task: &str) -> Result<Vec<TaskEvidence>> {
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, TaskEvidence>(
            "SELECT id, task_code, unit_code, file_name, content_type, size_bytes, uploaded_by, \
             uploaded_at FROM task_evidence WHERE task_code = $1 ORDER BY id"
        )
        .bind(task)
        .fetch_all(pool)
        .await?))
    }

    async fn task_evidence_file(&self, id: i64) -> Result<Option<(TaskEvidence, Vec<u8>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            meta: TaskEvidence,
            content: Vec<u8>,
        }
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
            "SELECT id, task_code, unit_code, file_name, content_type, size_bytes, uploaded_by, \
             uploaded_at, content FROM task_evidence WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
        });
        Ok(row.map(|r| (r.meta, r.content)))
    }

    async fn record_progress(&self, entry: TaskProgressEntry, actor: &str) -> Result<()> {
        let u = &entry.update;
        let scaled = u
            .quantity
            .to_scaled()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let insert = stmt!(
            "INSERT INTO task_progress (task_code, target_seq, unit_code, cooperating, period_code, \
             area_code, quantity_scaled, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            u.task.clone(),
            u.target as i32,
            entry.unit.clone(),
            entry.cooperating,
            u.period.to_string(),
            u.area.clone(),
            scaled,
            entry.note.clone(),
            actor,
            Utc::now()
        );
        let audit = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "task.progress".into(),
            entity: "task".into(),
            entity_key: format!("{}/{}", u.task, u.target),
            new_value: Some(format!(
                "{} {} {}{}",
                u.period,
                u.area.as_deref().unwrap_or(""),
                u.quantity,
                if entry.note.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", entry.note)
                }
            )),
            ..Default::default()
        });
        in_write_tx!(self, |tx| execute_all!(tx, [insert, audit]));
        Ok(())
    }

    async fn task_progress(&self) -> Result<Vec<TaskProgressEntry>> {
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, Row>(
            "SELECT task_code, target_seq, unit_code, cooperating, period_code, area_code, \
             quantity_scaled, note, recorded_by, recorded_at FROM task_progress ORDER BY id"
        )
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|r| {
                Ok(TaskProgressEntry {
                    update: ProgressUpdate {
                        task: r.task_code,
                        target: usize::try_from(r.target_seq).unwrap_or(0),
                        area: r.area_code,
                        period: r
                            .period_code
                            .parse::<PeriodCode>()
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        quantity: Quantity::from_scaled(r.quantity_scaled),
                    },
                    unit: r.unit_code,
                    cooperating: r.cooperating,
                    note: r.note,
                    recorded_by: r.recorded_by,
                    recorded_at: r.recorded_at,
                })
            })
            .collect()
    }
}
