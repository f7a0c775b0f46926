//! The facts the ledger rules are checked against, read inside the writing transaction (after the
//! ledger lock) so that they cannot change before the write commits.

use super::{corrupt, transactions, LedgerActor};
use crate::conn::Conn;
use crate::Result;
use bangfu_domain::ledger::rules::{self, Facts, Position};
use bangfu_domain::ledger::{Money, Transaction, TxDraft, TxKind};

/// Everything [`rules::check`] needs to know about `draft`.
pub(super) async fn gather_facts(
    conn: &mut Conn<'_>,
    draft: &TxDraft,
    actor: &LedgerActor,
    sources: &[String],
) -> Result<Facts> {
    let project_area = project_area(conn, draft.project).await?;
    let position = position(conn, draft.project, &draft.source).await?;
    let year = rules::budget_year(draft.date);
    let area = project_area.clone().unwrap_or_default();
    let budget = budget_amount(conn, year, &area, &draft.source).await?;
    let allocated_in_budget = allocated_in_budget(conn, year, &area, &draft.source).await?;
    let (original, original_reversed) = match draft.reverses {
        None => (None, false),
        Some(id) => reversal_facts(conn, id).await?,
    };
    Ok(Facts {
        first_year: actor.first_year,
        last_year: actor.last_year,
        project_area,
        source_known: sources.iter().any(|s| s == &draft.source),
        position,
        budget,
        allocated_in_budget: allocated_in_budget.fen(),
        original,
        original_reversed,
        may_override: actor.may_override,
    })
}

/// The project's area, if the project exists.
async fn project_area(conn: &mut Conn<'_>, project: i64) -> Result<Option<String>> {
    conn.scalar_optional(
        "SELECT area_code FROM projects WHERE id = $1",
        vec![project.into()],
    )
    .await
}

/// One project's position for one source, net of reversals.
async fn position(conn: &mut Conn<'_>, project: i64, source: &str) -> Result<Position> {
    let sums: Vec<(String, i64)> = conn
        .rows(
            "SELECT kind, CAST(SUM(CASE WHEN reverses IS NULL THEN amount_fen ELSE -amount_fen END) \
             AS BIGINT) FROM ledger_transactions WHERE project_id = $1 AND source_code = $2 \
             GROUP BY kind",
            vec![project.into(), source.into()],
        )
        .await?;
    let mut position = Position::default();
    for (kind, fen) in sums {
        let kind = TxKind::parse(&kind).ok_or_else(|| corrupt("交易类型", &kind))?;
        position = position.with(kind, fen);
    }
    Ok(position)
}

/// The budget of a year, area and source, if one is recorded.
async fn budget_amount(
    conn: &mut Conn<'_>,
    year: i32,
    area: &str,
    source: &str,
) -> Result<Option<Money>> {
    let fen: Option<i64> = conn
        .scalar_optional(
            "SELECT amount_fen FROM budgets \
             WHERE year = $1 AND area_code = $2 AND source_code = $3",
            vec![year.into(), area.into(), source.into()],
        )
        .await?;
    Ok(fen.map(Money::from_fen))
}

/// Net allocations charged to the budget of a year, area and source (all projects of the area).
pub(super) async fn allocated_in_budget(
    conn: &mut Conn<'_>,
    year: i32,
    area: &str,
    source: &str,
) -> Result<Money> {
    let (from, to) = rules::budget_dates(year);
    let fen: Option<i64> = conn
        .scalar(
            "SELECT CAST(SUM(CASE WHEN t.reverses IS NULL THEN t.amount_fen ELSE -t.amount_fen END) \
             AS BIGINT) FROM ledger_transactions t JOIN projects p ON p.id = t.project_id \
             WHERE t.kind = 'allocation' AND p.area_code = $1 AND t.source_code = $2 \
             AND t.tx_date >= $3 AND t.tx_date <= $4",
            vec![area.into(), source.into(), from.into(), to.into()],
        )
        .await?;
    Ok(Money::from_fen(fen.unwrap_or(0)))
}

/// For a reversing entry: the transaction it cancels, and whether one already cancels it.
async fn reversal_facts(conn: &mut Conn<'_>, id: i64) -> Result<(Option<Transaction>, bool)> {
    let original = transactions::by_id(conn, id).await?;
    let reversals: i64 = conn
        .scalar(
            "SELECT COUNT(*) FROM ledger_transactions WHERE reverses = $1",
            vec![id.into()],
        )
        .await?;
    Ok((original, reversals > 0))
}
