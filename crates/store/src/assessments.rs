//! The coordinator's part of the annual assessment: a score and a comment per unit and year.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::execute_all;
use crate::{AssessmentStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::Quantity;
use chrono::Utc;

#[derive(Debug, Clone)]
pub struct CoordinatorScore {
    pub unit: String,
    pub score: Quantity,
    pub comment: String,
    pub scored_by: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    unit_code: String,
    score_scaled: i64,
    comment: String,
    scored_by: String,
}

#[async_trait]
impl AssessmentStore for SqlStore {
    async fn set_coordinator_score(
        &self,
        year: i32,
        unit: &str,
        score: Quantity,
        comment: &str,
        actor: &str,
    ) -> Result<()> {
        let scaled = score
            .to_scaled()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let entry = audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "assessment.score".into(),
            entity: "assessment".into(),
            entity_key: format!("{year}/{unit}"),
            new_value: Some(format!("{score}；{comment}")),
            ..Default::default()
        });
        in_write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO assessment_scores (year, unit_code, score_scaled, comment, scored_by, \
                 scored_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (year, unit_code) DO UPDATE \
                 SET score_scaled = excluded.score_scaled, comment = excluded.comment, \
                 scored_by = excluded.scored_by, scored_at = excluded.scored_at",
            )
            .bind(year)
            .bind(unit)
            .bind(scaled)
            .bind(comment)
            .bind(actor)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
            execute_all!(tx, [entry]);
        });
        Ok(())
    }

    async fn coordinator_scores(&self, year: i32) -> Result<Vec<CoordinatorScore>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
            "SELECT unit_code, score_scaled, comment, scored_by FROM assessment_scores WHERE year = $1"
        )
        .bind(year)
        .fetch_all(pool)
        .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| CoordinatorScore {
                unit: r.unit_code,
                score: Quantity::from_scaled(r.score_scaled),
                comment: r.comment,
                scored_by: r.scored_by,
            })
            .collect())
    }
}
