//! Problems: raised, updated and resolved, each change audited in its transaction.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{execute_all, stmt};
use crate::{ProblemStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::problem::{ProblemDraft, ProblemStatus};
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone)]
pub struct Problem {
    pub id: i64,
    pub description: String,
    pub unit: String,
    pub task: Option<String>,
    pub area: Option<String>,
    pub source: String,
    pub raised_on: NaiveDate,
    pub raised_by: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub status: ProblemStatus,
    pub resolution: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ProblemRow {
    id: i64,
    description: String,
    unit_code: String,
    task_code: Option<String>,
    area_code: Option<String>,
    source: String,
    raised_on: NaiveDate,
    raised_by: String,
    owner: String,
    due_on: Option<NaiveDate>,
    status: String,
    resolution: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ProblemRow> for Problem {
    type Error = StoreError;
    fn try_from(r: ProblemRow) -> Result<Self> {
        Ok(Problem {
            status: ProblemStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("问题状态“{}”", r.status)))?,
            id: r.id,
            description: r.description,
            unit: r.unit_code,
            task: r.task_code,
            area: r.area_code,
            source: r.source,
            raised_on: r.raised_on,
            raised_by: r.raised_by,
            owner: r.owner,
            due: r.due_on,
            resolution: r.resolution,
            updated_at: r.updated_at,
        })
    }
}

/// A change of a problem's standing.
pub struct ProblemUpdate {
    pub status: ProblemStatus,
    pub resolution: String,
    /// Only the coordinator reassigns; `None` keeps the owner and due date.
    pub owner_and_due: Option<(String, Option<NaiveDate>)>,
}

const COLUMNS: &str = "id, description, unit_code, task_code, area_code, source, raised_on, \
     raised_by, owner, due_on, status, resolution, updated_at";

#[async_trait]
impl ProblemStore for SqlStore {
    async fn raise_problem(
        &self,
        d: ProblemDraft,
        on: NaiveDate,
        actor: &str,
        notify: &[crate::NewMessage],
    ) -> Result<i64> {
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "problem.raise".into(),
            entity: "problem".into(),
            entity_key: d.unit.clone(),
            new_value: Some(d.description.clone()),
            ..Default::default()
        });
        Ok(in_write_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO problems (description, unit_code, task_code, area_code, source, \
                 raised_on, raised_by, owner, due_on, status, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10) RETURNING id",
            )
            .bind(&d.description)
            .bind(&d.unit)
            .bind(&d.task)
            .bind(&d.area)
            .bind(&d.source)
            .bind(on)
            .bind(actor)
            .bind(&d.owner)
            .bind(d.due)
            .bind(Utc::now())
            .fetch_one(&mut *tx)
            .await?;
            let messages = crate::notify::with_id(notify, id);
            let enqueue = crate::notify::enqueue_stmts(&messages, Utc::now());
            execute_all!(tx, std::iter::once(entry).chain(enqueue));
            id
        }))
    }

    async fn problems(&self) -> Result<Vec<Problem>> {
        let sql = format!("SELECT {COLUMNS} FROM problems ORDER BY id DESC");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, ProblemRow>(&sql)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(Problem::try_from).collect()
    }

    async fn problem(&self, id: i64) -> Result<Option<Problem>> {
        let sql = format!("SELECT {COLUMNS} FROM problems WHERE id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, ProblemRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await?);
        row.map(Problem::try_from).transpose()
    }

    async fn update_problem(&self, id: i64, u: ProblemUpdate, actor: &str) -> Result<bool> {
        let Some(old) = self.problem(id).await? else {
            return Ok(false);
        };
        let (owner, due) = u
            .owner_and_due
            .clone()
            .unwrap_or((old.owner.clone(), old.due));
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "problem.update".into(),
            entity: "problem".into(),
            entity_key: id.to_string(),
            old_value: Some(state_text(old.status, &old.resolution, &old.owner, old.due)),
            new_value: Some(state_text(u.status, &u.resolution, &owner, due)),
            ..Default::default()
        });
        let update = stmt!(
            "UPDATE problems SET status = $1, resolution = $2, owner = $3, due_on = $4, \
             updated_at = $5 WHERE id = $6",
            u.status.as_str(),
            u.resolution,
            owner,
            crate::stmt::Arg::OptDate(due),
            Utc::now(),
            id
        );
        in_write_tx!(self, |tx| execute_all!(tx, [update, entry]));
        Ok(true)
    }
}

/// A problem's state as its history shows it: status, resolution, owner and due date (a
/// reassignment is a change the coordinator must be able to trace), empty parts left out.
fn state_text(
    status: ProblemStatus,
    resolution: &str,
    owner: &str,
    due: Option<NaiveDate>,
) -> String {
    let mut parts = vec![status.label().to_string()];
    if !resolution.trim().is_empty() {
        parts.push(resolution.trim().to_string());
    }
    if !owner.trim().is_empty() {
        parts.push(format!("责任人：{}", owner.trim()));
    }
    if let Some(due) = due {
        parts.push(format!("办结期限：{}", due.format("%Y年%-m月%-d日")));
    }
    parts.join("；")
}
