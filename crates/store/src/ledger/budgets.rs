//! Budgets per year, recipient area and source.

use super::facts::allocated_in_budget;
use crate::audit::{self, NewAuditEntry};
use crate::conn::Conn;
use crate::stmt::stmt;
use crate::{Result, StoreError};
use bangfu_domain::ledger::rules;
use bangfu_domain::ledger::{Budget, Money};
use chrono::Utc;

#[derive(sqlx::FromRow)]
struct BudgetRow {
    year: i32,
    area_code: String,
    source_code: String,
    amount_fen: i64,
    poverty_fen: i64,
    note: String,
}

/// Records or replaces a budget with its audit entry, unless the domain refuses the amount.
pub(super) async fn set(conn: &mut Conn<'_>, budget: &Budget, actor: &str) -> Result<()> {
    let old: Option<(i64, i64)> = conn
        .row(
            "SELECT amount_fen, poverty_fen FROM budgets \
             WHERE year = $1 AND area_code = $2 AND source_code = $3",
            vec![
                budget.year.into(),
                (&budget.area).into(),
                (&budget.source).into(),
            ],
        )
        .await?;
    let allocated = allocated_in_budget(conn, budget.year, &budget.area, &budget.source).await?;
    rules::check_budget_floor(budget, allocated).map_err(|e| StoreError::Rejected(vec![e]))?;
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
    conn.execute_all([upsert, entry]).await
}

/// Every budget, by year, area and source.
pub(super) async fn all(conn: &mut Conn<'_>) -> Result<Vec<Budget>> {
    let rows: Vec<BudgetRow> = conn
        .rows(
            "SELECT year, area_code, source_code, amount_fen, poverty_fen, note FROM budgets \
             ORDER BY year, area_code, source_code",
            vec![],
        )
        .await?;
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
