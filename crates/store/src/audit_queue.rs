//! Audited changes without a global lock. Chaining an entry needs the chain's end, one row for the
//! whole database; a transaction that takes it holds it until its commit, so every audited commit
//! waits for the one before (on PostgreSQL, its fsync included). Under `serve` a store therefore
//! *queues* its entries instead: the change's own transaction checks the end's MAC without
//! locking it and writes each entry to `audit_pending` with a MAC under the audit key over a
//! random nonce and the entry's content; after the commit it wakes the chainer, which takes the
//! end's row lock once for every entry queued meanwhile, chains them in queue order, records
//! their nonces (so a copied queue row cannot be chained twice) and deletes them.
//!
//! What a commit acknowledges is durable at once (the queue is in the same transaction); it is
//! in the chain within milliseconds, or when the next server starts after a crash. Until then an
//! entry is protected by its own MAC: a forged or altered queue row is refused by the chainer and
//! named by `verify_audit`, and a deleted one leaves its change unexplained by the log, which the
//! verifier's replay of report values and ledger transactions names.

use crate::audit::{chain_entries, content_text, NewAuditEntry, ToChain};
use crate::audit_verify::{AuditProblem, ProblemKind};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{bind_args, Arg};
use crate::{AuditKey, Result, SqlStore};
use chrono::{DateTime, Utc};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The columns of a queued entry, in the order [`queued_rows`] gives their values.
pub(crate) const QUEUE_COLUMNS: [&str; 11] = [
    "nonce",
    "occurred_at",
    "actor",
    "address",
    "action",
    "entity",
    "entity_key",
    "old_value",
    "new_value",
    "reason",
    "mac",
];

/// How many queued entries one chaining transaction takes.
const BATCH: usize = 2000;

/// How often the chainer looks at the queue when nothing woke it (entries another server queued,
/// or a wake-up lost to a crash).
const IDLE_CHECK: Duration = Duration::from_millis(500);

/// A queued entry older than this is named by `verify_audit`: its server stopped before chaining
/// it and none has started since.
const UNCHAINED_AFTER_SECONDS: i64 = 60;

/// The MAC of a queued entry: its nonce and content under the audit key. The prefix keeps it
/// apart from the chain's hashes, which are over other texts.
fn queued_mac(key: &AuditKey, nonce: &str, at: DateTime<Utc>, e: &NewAuditEntry) -> String {
    key.mac(&format!("queued\u{1f}{nonce}\u{1f}{}", content_text(at, e)))
}

fn new_nonce() -> String {
    use rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Each entry's arguments in [`QUEUE_COLUMNS`] order, with a fresh nonce and its MAC.
pub(crate) fn queued_rows(
    key: &AuditKey,
    at: DateTime<Utc>,
    entries: Vec<NewAuditEntry>,
) -> Vec<Vec<Arg>> {
    entries
        .into_iter()
        .map(|e| {
            let nonce = new_nonce();
            let mac = queued_mac(key, &nonce, at, &e);
            let mut row = vec![Arg::Text(nonce), Arg::Time(at)];
            row.extend(e.into_args());
            row.push(Arg::Text(mac));
            row
        })
        .collect()
}

/// Wakes the background task that chains queued entries.
pub(crate) struct AuditChainer {
    wake: tokio::sync::Notify,
}

impl AuditChainer {
    /// A chainer no task waits on (tests: the state after a crash before chaining).
    #[cfg(feature = "testing")]
    pub(crate) fn idle() -> Self {
        AuditChainer {
            wake: tokio::sync::Notify::new(),
        }
    }

    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

#[derive(sqlx::FromRow)]
struct QueuedRow {
    id: i64,
    nonce: String,
    occurred_at: DateTime<Utc>,
    #[sqlx(flatten)]
    entry: NewAuditEntry,
    mac: String,
}

impl QueuedRow {
    fn mac_verifies(&self, key: &AuditKey) -> bool {
        queued_mac(key, &self.nonce, self.occurred_at, &self.entry) == self.mac
    }
}

const QUEUE_SQL: &str = "SELECT id, nonce, occurred_at, actor, address, action, entity, \
     entity_key, old_value, new_value, reason, mac FROM audit_pending ORDER BY id";

/// `$1, $2, … $n`
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqlStore {
    /// This store queues its audit entries and chains them in a background task (what `serve`
    /// does on PostgreSQL). The task first chains what an earlier run left queued, then whatever
    /// a commit wakes it for, and looks every half second for entries other servers queued. It
    /// ends when the last clone of this store is dropped. Needs a tokio runtime.
    pub fn with_audit_chainer(mut self) -> Self {
        let chainer = Arc::new(AuditChainer {
            wake: tokio::sync::Notify::new(),
        });
        let weak = Arc::downgrade(&chainer);
        self.chainer = Some(chainer);
        let mut worker = self.clone();
        worker.chainer = None;
        tokio::spawn(async move { worker.run_chainer(weak).await });
        self
    }

    async fn run_chainer(self, chainer: Weak<AuditChainer>) {
        loop {
            if let Err(e) = self.chain_queued_audit().await {
                tracing::warn!("审计日志待接链记录未能接链，稍后重试：{e}");
            }
            let Some(chainer) = chainer.upgrade() else {
                return;
            };
            let _ = tokio::time::timeout(IDLE_CHECK, chainer.wake.notified()).await;
        }
    }

    pub(crate) fn wake_chainer(&self) {
        if let Some(chainer) = &self.chainer {
            chainer.wake();
        }
    }

    /// Chains every queued audit entry whose MAC verifies; entries that do not are left queued
    /// for `verify_audit` to name. Returns how many were chained. Readers of the log call this
    /// first when the store queues, so they see every acknowledged change.
    pub async fn chain_queued_audit(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            let (chained, more) = self.chain_batch().await?;
            total += chained;
            if !more {
                return Ok(total);
            }
        }
    }

    /// Chains up to [`BATCH`] queued entries in one transaction; true if more may be waiting.
    async fn chain_batch(&self) -> Result<(usize, bool)> {
        let waiting: bool = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM audit_pending)"
        )
        .fetch_one(pool)
        .await?);
        if !waiting {
            return Ok((0, false));
        }
        let key = self.audit_key.clone().ok_or_else(crate::audit::no_key)?;
        let outcome = in_write_tx!(self, |tx| {
            // The end's row lock first: a second chainer waits here and then reads a queue
            // without the rows this one chains and deletes.
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                .execute(&mut *tx)
                .await?;
            let sql = format!("{QUEUE_SQL} LIMIT {BATCH}");
            let queued: Vec<QueuedRow> = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
            let nonces: Vec<Arg> = queued.iter().map(|q| Arg::from(&q.nonce)).collect();
            let sql = format!(
                "SELECT nonce FROM audit_log WHERE nonce IN ({})",
                placeholders(nonces.len())
            );
            let chained_before: Vec<String> = if nonces.is_empty() {
                Vec::new()
            } else {
                bind_args!(sqlx::query_scalar(&sql), nonces)
                    .fetch_all(&mut *tx)
                    .await?
            };
            let good: Vec<&QueuedRow> = queued
                .iter()
                .filter(|q| q.mac_verifies(&key) && !chained_before.contains(&q.nonce))
                .collect();
            if !good.is_empty() {
                let entries = good
                    .iter()
                    .map(|q| ToChain {
                        at: q.occurred_at,
                        entry: q.entry.clone(),
                        nonce: Some(q.nonce.clone()),
                    })
                    .collect();
                chain_entries!(tx, &key, entries);
                let ids: Vec<Arg> = good.iter().map(|q| Arg::I64(q.id)).collect();
                let sql = format!(
                    "DELETE FROM audit_pending WHERE id IN ({})",
                    placeholders(ids.len())
                );
                bind_args!(sqlx::query(&sql), ids).execute(&mut *tx).await?;
            }
            (good.len(), queued.len() == BATCH && !good.is_empty())
        });
        Ok(outcome)
    }
}

/// What `verify_audit` says of the queue: entries whose MAC fails (forged or altered), copies of
/// chained entries, and entries left unchained for more than a minute.
pub(crate) async fn queue_problems(store: &SqlStore) -> Result<Vec<AuditProblem>> {
    let queued: Vec<QueuedRow> = on_pool!(store, |pool| sqlx::query_as(QUEUE_SQL)
        .fetch_all(pool)
        .await?);
    if queued.is_empty() {
        return Ok(Vec::new());
    }
    let chained: Vec<String> = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT nonce FROM audit_log WHERE nonce IS NOT NULL"
    )
    .fetch_all(pool)
    .await?);
    let chained: std::collections::HashSet<String> = chained.into_iter().collect();
    let now = Utc::now();
    let mut problems = Vec::new();
    for q in &queued {
        let message = match store.audit_key.as_deref() {
            None => "没有审计密钥，无法校验".to_string(),
            Some(key) if !q.mac_verifies(key) => {
                "校验失败：这条记录不是本系统写入的，或写入后被改动".to_string()
            }
            Some(_) if chained.contains(&q.nonce) => "与已接链的一条记录重复".to_string(),
            Some(_) if (now - q.occurred_at).num_seconds() > UNCHAINED_AFTER_SECONDS => format!(
                "写入于 {}，至今未接入审计链：写入它的服务已停止，启动 bangfu serve 或运行 \
                 bangfu audit verify 即可接链",
                q.occurred_at.to_rfc3339()
            ),
            Some(_) => continue,
        };
        problems.push(AuditProblem {
            kind: ProblemKind::Queue,
            seq: None,
            id: Some(q.id),
            message: format!("待接链的审计记录（队列第 {} 条）{message}", q.id),
        });
    }
    Ok(problems)
}
