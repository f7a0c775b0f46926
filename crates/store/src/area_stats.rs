//! Recipient areas' yearly poverty figures (受援地贫困数据), one row per area and year.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::execute_all;
use crate::{AreaStatsStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::area_stats::AreaYearStats;
use bangfu_domain::Quantity;
use chrono::{DateTime, Utc};

/// A year's figures with who recorded them last.
#[derive(Debug, Clone)]
pub struct StoredAreaStats {
    pub stats: AreaYearStats,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    area_code: String,
    year: i32,
    poor_households: i64,
    poor_people: i64,
    lifted_out: i64,
    incidence_scaled: i64,
    poor_villages: i64,
    delisted: bool,
    delisted_year: Option<i32>,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

impl From<Row> for StoredAreaStats {
    fn from(r: Row) -> Self {
        StoredAreaStats {
            stats: AreaYearStats {
                area: r.area_code,
                year: r.year,
                poor_households: r.poor_households,
                poor_people: r.poor_people,
                lifted_out: r.lifted_out,
                incidence: Quantity::from_scaled(r.incidence_scaled),
                poor_villages: r.poor_villages,
                delisted: r.delisted,
                delisted_year: r.delisted_year,
            },
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}

const COLUMNS: &str = "area_code, year, poor_households, poor_people, lifted_out, \
     incidence_scaled, poor_villages, delisted, delisted_year, recorded_by, recorded_at";

#[async_trait]
impl AreaStatsStore for SqlStore {
    async fn record_area_stats(&self, stats: &AreaYearStats, actor: &str) -> Result<()> {
        let incidence = stats
            .incidence
            .to_scaled()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        in_write_tx!(self, |tx| {
            let old: Option<Row> = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM area_stats WHERE area_code = $1 AND year = $2"
            ))
            .bind(&stats.area)
            .bind(stats.year)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO area_stats (area_code, year, poor_households, poor_people, lifted_out, \
                 incidence_scaled, poor_villages, delisted, delisted_year, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (area_code, year) DO UPDATE SET \
                 poor_households = excluded.poor_households, poor_people = excluded.poor_people, \
                 lifted_out = excluded.lifted_out, incidence_scaled = excluded.incidence_scaled, \
                 poor_villages = excluded.poor_villages, delisted = excluded.delisted, \
                 delisted_year = excluded.delisted_year, recorded_by = excluded.recorded_by, \
                 recorded_at = excluded.recorded_at",
            )
            .bind(&stats.area)
            .bind(stats.year)
            .bind(stats.poor_households)
            .bind(stats.poor_people)
            .bind(stats.lifted_out)
            .bind(incidence)
            .bind(stats.poor_villages)
            .bind(stats.delisted)
            .bind(stats.delisted_year)
            .bind(actor)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
            let entry = audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "area.stats".into(),
                entity: "area".into(),
                entity_key: format!("{}/{}", stats.area, stats.year),
                old_value: old.map(|r| StoredAreaStats::from(r).stats.summary()),
                new_value: Some(stats.summary()),
                ..Default::default()
            });
            execute_all!(tx, [entry]);
        });
        Ok(())
    }

    async fn area_stats(&self, area: &str) -> Result<Vec<StoredAreaStats>> {
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM area_stats WHERE area_code = $1 ORDER BY year"
        ))
        .bind(area)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(StoredAreaStats::from).collect())
    }

    async fn latest_area_stats(&self) -> Result<Vec<StoredAreaStats>> {
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM area_stats s WHERE year = \
             (SELECT MAX(year) FROM area_stats t WHERE t.area_code = s.area_code) \
             ORDER BY area_code"
        ))
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(StoredAreaStats::from).collect())
    }
}
