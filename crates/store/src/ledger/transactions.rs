//! Append-only transactions: each checked by the domain rules against facts read in the same
//! write transaction, and written (with its audit entry) only when the rules allow it.

use super::facts::gather_facts;
use super::{corrupt, LedgerActor};
use crate::audit::{self, NewAuditEntry};
use crate::conn::Conn;
use crate::{Result, StoreError};
use bangfu_domain::ledger::rules;
use bangfu_domain::ledger::{Money, Transaction, TxDraft, TxKind};
use chrono::{NaiveDate, Utc};

#[derive(sqlx::FromRow)]
struct TxRow {
    id: i64,
    kind: String,
    tx_date: NaiveDate,
    amount_fen: i64,
    source_code: String,
    project_id: i64,
    voucher: String,
    note: String,
    reverses: Option<i64>,
    override_reason: Option<String>,
    recorded_by: String,
}

impl TryFrom<TxRow> for Transaction {
    type Error = StoreError;
    fn try_from(r: TxRow) -> Result<Self> {
        Ok(Transaction {
            kind: TxKind::parse(&r.kind).ok_or_else(|| corrupt("交易类型", &r.kind))?,
            id: r.id,
            date: r.tx_date,
            amount: Money::from_fen(r.amount_fen),
            source: r.source_code,
            project: r.project_id,
            voucher: r.voucher,
            note: r.note,
            reverses: r.reverses,
            override_reason: r.override_reason,
            recorded_by: r.recorded_by,
        })
    }
}

const SELECT: &str = "SELECT id, kind, tx_date, amount_fen, source_code, project_id, voucher, \
     note, reverses, override_reason, recorded_by FROM ledger_transactions";

/// Every transaction, by date.
pub(super) async fn all(conn: &mut Conn<'_>) -> Result<Vec<Transaction>> {
    let rows: Vec<TxRow> = conn
        .rows(&format!("{SELECT} ORDER BY tx_date, id"), vec![])
        .await?;
    rows.into_iter().map(Transaction::try_from).collect()
}

/// The transaction with this id.
pub(super) async fn by_id(conn: &mut Conn<'_>, id: i64) -> Result<Option<Transaction>> {
    let row: Option<TxRow> = conn
        .row(&format!("{SELECT} WHERE id = $1"), vec![id.into()])
        .await?;
    row.map(Transaction::try_from).transpose()
}

/// Checks and records a batch, all or nothing: `Err(Rejected)` lists every refusal, numbered by
/// its place in the batch when there is more than one. The caller commits or drops the
/// transaction.
pub(super) async fn record_batch(
    conn: &mut Conn<'_>,
    drafts: &[TxDraft],
    actor: &LedgerActor,
    sources: &[String],
) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut refused = Vec::new();
    for (i, draft) in drafts.iter().enumerate() {
        match record_one(conn, draft, actor, sources).await? {
            Ok(id) => ids.push(id),
            Err(messages) if drafts.len() == 1 => refused.extend(messages),
            Err(messages) => refused.extend(
                messages
                    .into_iter()
                    .map(|m| format!("第 {} 笔：{m}", i + 1)),
            ),
        }
    }
    if !refused.is_empty() {
        return Err(StoreError::Rejected(refused));
    }
    Ok(ids)
}

/// Inserts one transaction with its audit entry if the rules accept it; `Ok(Err(messages))`,
/// with nothing written, when they refuse it.
async fn record_one(
    conn: &mut Conn<'_>,
    draft: &TxDraft,
    actor: &LedgerActor,
    sources: &[String],
) -> Result<Result<i64, Vec<String>>> {
    let facts = gather_facts(conn, draft, actor, sources).await?;
    let accepted = match rules::check(draft, &facts) {
        Ok(accepted) => accepted,
        Err(messages) => return Ok(Err(messages)),
    };
    let reason = accepted.override_reason;
    let id: i64 = conn
        .scalar(
            "INSERT INTO ledger_transactions (kind, tx_date, amount_fen, source_code, \
             project_id, voucher, note, reverses, override_reason, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            vec![
                draft.kind.as_str().into(),
                draft.date.into(),
                draft.amount.fen().into(),
                (&draft.source).into(),
                draft.project.into(),
                draft.voucher.trim().into(),
                draft.note.trim().into(),
                draft.reverses.into(),
                reason.clone().into(),
                (&actor.login).into(),
                Utc::now().into(),
            ],
        )
        .await?;
    conn.execute_all([audit_entry(id, draft, &actor.login, reason)])
        .await?;
    Ok(Ok(id))
}

fn audit_entry(id: i64, draft: &TxDraft, actor: &str, reason: Option<String>) -> crate::stmt::Stmt {
    audit::append(NewAuditEntry {
        actor: actor.to_string(),
        action: if draft.reverses.is_some() {
            "ledger.reverse".into()
        } else {
            "ledger.transaction".into()
        },
        entity: "ledger_transaction".into(),
        entity_key: id.to_string(),
        new_value: Some(crate::audit_verify::ledger_text(
            draft.date,
            draft.kind,
            draft.amount,
            &draft.source,
            draft.project,
            draft.voucher.trim(),
            draft.reverses,
        )),
        reason,
        ..Default::default()
    })
}
