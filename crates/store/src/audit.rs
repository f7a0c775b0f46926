//! The audit log: appended in the same transaction as the change it records, never edited (the
//! database refuses UPDATE and DELETE on it), each entry chained to the previous one by its hash.

use crate::audit_key::{head_mac, HeadRow};
use crate::audit_verify::{AuditReceipt, AuditVerification};
use crate::db::on_pool;
use crate::stmt::{Arg, Stmt};
use crate::{AuditKey, AuditStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct NewAuditEntry {
    pub actor: String,
    pub address: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub address: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

impl NewAuditEntry {
    /// Its fields as statement arguments, in column order (`actor` … `reason`).
    pub(crate) fn into_args(self) -> [Arg; 8] {
        [
            Arg::Text(self.actor),
            Arg::Text(self.address),
            Arg::Text(self.action),
            Arg::Text(self.entity),
            Arg::Text(self.entity_key),
            Arg::OptText(self.old_value),
            Arg::OptText(self.new_value),
            Arg::OptText(self.reason),
        ]
    }
}

/// The action of a save's one entry listing every value it changed (old and new). Older logs
/// hold one `report.value` entry per value; both are read back the same way.
pub(crate) const VALUES_ACTION: &str = "report.values";
/// The action of one changed value, as the audit pages list it.
pub(crate) const VALUE_ACTION: &str = "report.value";

/// A save's changed values as its entry's text: each row code with the value as shown, `None`
/// where the row had no value before. JSON with sorted keys: one exact text to hash and to parse.
pub(crate) fn values_text(values: &BTreeMap<String, Option<String>>) -> String {
    serde_json::to_string(values).unwrap_or_default()
}

/// The values a save's entry lists, or `None` when its text is not such a list.
pub(crate) fn parse_values_text(text: &str) -> Option<BTreeMap<String, Option<String>>> {
    serde_json::from_str(text).ok()
}

impl AuditEntry {
    /// What the audit pages list: a save's entry as one line per changed value (as older logs
    /// wrote them), any other entry as it is.
    fn per_value(self) -> Vec<AuditEntry> {
        if self.action != VALUES_ACTION {
            return vec![self];
        }
        let old = self.old_value.as_deref().and_then(parse_values_text);
        let new = self.new_value.as_deref().and_then(parse_values_text);
        let (Some(old), Some(new)) = (old, new) else {
            return vec![self];
        };
        new.into_iter()
            .map(|(row, value)| AuditEntry {
                action: VALUE_ACTION.into(),
                entity: "report_value".into(),
                entity_key: format!("{}/{row}", self.entity_key),
                old_value: old.get(&row).cloned().flatten(),
                new_value: value,
                ..self.clone()
            })
            .collect()
    }
}

/// Entries as the audit pages list them (see [`AuditEntry::per_value`]).
fn per_value(entries: Vec<AuditEntry>) -> Vec<AuditEntry> {
    entries
        .into_iter()
        .flat_map(AuditEntry::per_value)
        .collect()
}

/// The step that appends `entry` to the hash chain; callers add it to their change's transaction.
pub(crate) fn append(entry: NewAuditEntry) -> Stmt {
    Stmt {
        sql: "".into(),
        args: Vec::new(),
        audit: Some(entry),
    }
}

/// Timestamps at microsecond precision: what both backends store exactly, so hashes verify.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn part(value: &Option<String>) -> String {
    value.as_ref().map_or("-".to_string(), |v| format!("+{v}"))
}

/// The text an entry's hash is computed over: its sequence number, the previous hash and every
/// field.
fn chain_text(seq: i64, prev: &str, at: DateTime<Utc>, e: &NewAuditEntry) -> String {
    [seq.to_string(), prev.to_string(), content_text(at, e)].join("\u{1f}")
}

/// An entry's time and fields as one text, the part of every MAC that covers its content.
pub(crate) fn content_text(at: DateTime<Utc>, e: &NewAuditEntry) -> String {
    [
        at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor.clone(),
        e.address.clone(),
        e.action.clone(),
        e.entity.clone(),
        e.entity_key.clone(),
        part(&e.old_value),
        part(&e.new_value),
        part(&e.reason),
    ]
    .join("\u{1f}")
}

/// An entry's hash: HMAC-SHA256 with the installation's key from `keyed_from` on, plain sha256
/// before (entries written before the key existed). `None`: keyed, but no key to compute it.
pub(crate) fn entry_hash(
    key: Option<&AuditKey>,
    keyed_from: Option<i64>,
    seq: i64,
    prev: &str,
    at: DateTime<Utc>,
    e: &NewAuditEntry,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let text = chain_text(seq, prev, at, e);
    if keyed_from.is_some_and(|from| seq >= from) {
        return key.map(|k| k.mac(&text));
    }
    Some(
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub id: i64,
    pub reason: String,
}

/// An entry as the verifier reads it: the entry itself and its place in the chain.
#[derive(sqlx::FromRow)]
pub(crate) struct ChainRow {
    #[sqlx(flatten)]
    pub entry: AuditEntry,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl std::ops::Deref for ChainRow {
    type Target = AuditEntry;
    fn deref(&self) -> &AuditEntry {
        &self.entry
    }
}

impl AuditEntry {
    /// The fields the chain's hash covers, as they were appended.
    pub(crate) fn hashed_fields(&self) -> NewAuditEntry {
        NewAuditEntry {
            actor: self.actor.clone(),
            address: self.address.clone(),
            action: self.action.clone(),
            entity: self.entity.clone(),
            entity_key: self.entity_key.clone(),
            old_value: self.old_value.clone(),
            new_value: self.new_value.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// The chain's end as taken (and locked) at a transaction's first entry, carried in memory.
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: i64,
}

/// Why an audited change is refused when the store has no audit key.
pub(crate) fn no_key() -> StoreError {
    StoreError::Audit("没有配置审计密钥，不能写入审计日志（见 README：审计密钥）".into())
}

/// Checks the stored end before anything is chained to it: the chain must be keyed with this
/// store's key and its end's MAC must verify (else an entry was removed and the end moved back).
pub(crate) fn checked_head(key: Option<&AuditKey>, row: HeadRow) -> Result<Head> {
    let Some(key) = key else {
        return Err(no_key());
    };
    let Some(keyed_from) = row.keyed_from else {
        return Err(StoreError::Audit(
            "审计链尚未用密钥封存，不能写入；请运行 bangfu audit verify".into(),
        ));
    };
    if row.key_id.as_deref() != Some(key.id().as_str()) {
        return Err(StoreError::Audit(format!(
            "审计密钥（指纹 {}）不是本数据库的密钥（{}），不能写入",
            key.id(),
            row.key_id.unwrap_or_default()
        )));
    }
    if row.mac.as_deref() != Some(head_mac(key, keyed_from, row.seq, &row.hash).as_str()) {
        return Err(StoreError::Audit(format!(
            "审计日志链尾（第 {} 条）校验失败：末尾记录可能被删除、链尾被改动。已拒绝写入；\
             请运行 bangfu audit verify",
            row.seq
        )));
    }
    Ok(Head {
        seq: row.seq,
        hash: row.hash,
        keyed_from,
    })
}

/// The columns of a chained audit row, in the order [`chained_rows`] gives their values.
pub(crate) const CHAIN_COLUMNS: [&str; 13] = [
    "seq",
    "occurred_at",
    "actor",
    "address",
    "action",
    "entity",
    "entity_key",
    "old_value",
    "new_value",
    "reason",
    "prev_hash",
    "hash",
    "nonce",
];

/// How many audit rows one insert carries: 12 values each, far under both backends' limits.
pub(crate) const CHAIN_ROWS_PER_INSERT: usize = 400;

/// An entry to chain: when it happened, what it says, and the nonce it was queued with (entries
/// chained in their own transaction have none).
pub(crate) struct ToChain {
    pub at: DateTime<Utc>,
    pub entry: NewAuditEntry,
    pub nonce: Option<String>,
}

/// Chains `entries` after `head`: each row's arguments in [`CHAIN_COLUMNS`] order, and the
/// chain's new end.
pub(crate) fn chained_rows(
    key: &AuditKey,
    head: Head,
    entries: Vec<ToChain>,
) -> (Vec<Vec<Arg>>, Head) {
    let mut rows = Vec::with_capacity(entries.len());
    let (mut seq, mut prev) = (head.seq, head.hash);
    for ToChain { at, entry, nonce } in entries {
        seq += 1;
        let hash = key.mac(&chain_text(seq, &prev, at, &entry));
        let mut row = vec![Arg::I64(seq), Arg::Time(at)];
        row.extend(entry.into_args());
        row.extend([
            Arg::Text(std::mem::replace(&mut prev, hash.clone())),
            Arg::Text(hash),
            Arg::OptText(nonce),
        ]);
        rows.push(row);
    }
    let end = Head {
        seq,
        hash: prev,
        keyed_from: head.keyed_from,
    };
    (rows, end)
}

/// `rows` (each a row's arguments in `columns` order) as multi-row inserts into `table`, a few
/// hundred rows per statement.
pub(crate) fn row_inserts(table: &str, columns: &[&str], rows: Vec<Vec<Arg>>) -> Vec<Stmt> {
    let mut rows = rows.into_iter();
    let mut stmts = Vec::new();
    loop {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(CHAIN_ROWS_PER_INSERT).collect();
        if chunk.is_empty() {
            return stmts;
        }
        let sql = crate::stmt::multi_row_insert(table, columns, chunk.len(), "");
        stmts.push(Stmt::new(sql, chunk.into_iter().flatten().collect()));
    }
}

/// Chains `$entries` (a `Vec<ToChain>`) after the chain's end inside the transaction `$tx`:
/// takes the end (its row lock serialises chainers until commit), inserts the chained rows and
/// writes the new end with its MAC. Evaluates to the new end's sequence number.
macro_rules! chain_entries {
    ($tx:expr, $key:expr, $entries:expr) => {{
        let key: &$crate::AuditKey = $key;
        let row: $crate::audit_key::HeadRow = sqlx::query_as(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 \
             RETURNING seq - 1 AS seq, hash, keyed_from, key_id, mac",
        )
        .fetch_one(&mut *$tx)
        .await?;
        let head = $crate::audit::checked_head(Some(key), row)?;
        let (rows, end) = $crate::audit::chained_rows(key, head, $entries);
        let mut stmts =
            $crate::audit::row_inserts("audit_log", &$crate::audit::CHAIN_COLUMNS, rows);
        stmts.push($crate::stmt::stmt!(
            "UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1",
            end.seq,
            end.hash.clone(),
            $crate::audit_key::head_mac(key, end.keyed_from, end.seq, &end.hash)
        ));
        $crate::stmt::run_plain!($tx, stmts);
        end.seq
    }};
}

/// Appends `$entries` (a `Vec<NewAuditEntry>`) to the audit log inside the transaction `$tx` (a
/// [`crate::db::WriteTx`] or `conn::Keyed`). Without a chainer they are chained at once
/// ([`chain_entries!`], the chain's end locked until commit); with one (see `audit_queue.rs`) they
/// are queued with their MACs after checking the end without locking it, and chained by the
/// chainer moments after the commit. Nothing happens for no entries.
macro_rules! append_to_chain {
    ($tx:ident, $entries:expr) => {{
        let entries: Vec<$crate::audit::NewAuditEntry> = $entries;
        if !entries.is_empty() {
            let key = $tx.audit_key.clone();
            let at = $crate::audit::now();
            if $tx.chainer.is_some() {
                let row: $crate::audit_key::HeadRow = sqlx::query_as($crate::audit_key::HEAD_SQL)
                    .fetch_one(&mut *$tx)
                    .await?;
                $crate::audit::checked_head(key.as_deref(), row)?;
                let key = key.expect("checked_head ensured a key");
                let rows = $crate::audit_queue::queued_rows(&key, at, entries);
                let stmts = $crate::audit::row_inserts(
                    "audit_pending",
                    &$crate::audit_queue::QUEUE_COLUMNS,
                    rows,
                );
                $crate::stmt::run_plain!($tx, stmts);
            } else {
                let key = key.ok_or_else($crate::audit::no_key)?;
                let entries = entries
                    .into_iter()
                    .map(|entry| $crate::audit::ToChain {
                        at,
                        entry,
                        nonce: None,
                    })
                    .collect();
                $crate::audit::chain_entries!($tx, &key, entries);
            }
        }
    }};
}

pub(crate) use {append_to_chain, chain_entries};

/// What to look for in the audit log; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: String,
    /// A prefix of the entity key, e.g. "2018Q1/jw" for a report and its values.
    pub key_like: String,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
}

impl SqlStore {
    /// A store that queues its entries chains them before the log is read, so that a reader sees
    /// every acknowledged change in the chain.
    pub(crate) async fn chain_if_queueing(&self) -> Result<()> {
        if self.chainer.is_some() {
            self.chain_queued_audit().await?;
        }
        Ok(())
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn search_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        self.chain_if_queueing().await?;
        const SQL: &str = "SELECT id, occurred_at, actor, address, action, entity, entity_key, \
             old_value, new_value, reason FROM audit_log \
             WHERE ($1 = '' OR actor = $1) AND entity_key LIKE $2 \
             AND occurred_at >= $3 AND occurred_at < $4 ORDER BY id DESC LIMIT $5";
        // Bounds both backends can store (PostgreSQL's range is narrower than chrono's).
        let from = f.from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let until = f
            .until
            .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(365 * 8000));
        let like = if f.key_like.is_empty() {
            "%".to_string()
        } else {
            f.key_like.clone()
        };
        let entries = on_pool!(self, |pool| sqlx::query_as::<_, AuditEntry>(SQL)
            .bind(&f.actor)
            .bind(&like)
            .bind(from)
            .bind(until)
            .bind(f.limit)
            .fetch_all(pool)
            .await?);
        Ok(per_value(entries))
    }

    async fn verify_audit(&self, expect: Option<&AuditReceipt>) -> Result<AuditVerification> {
        crate::audit_verify::verify(self, expect).await
    }

    async fn verify_audit_chain(&self) -> Result<(i64, Option<BrokenLink>)> {
        let v = self.verify_audit(None).await?;
        let broken = v.problems.into_iter().next().map(|p| BrokenLink {
            id: p.id.unwrap_or(0),
            reason: p.message,
        });
        Ok((v.entries, broken))
    }

    async fn audit_head(&self) -> Result<AuditReceipt> {
        self.chain_if_queueing().await?;
        let head = self.audit_head_row().await?;
        Ok(AuditReceipt {
            seq: head.seq,
            hash: head.hash,
        })
    }

    async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        self.chain_if_queueing().await?;
        const SQL: &str = "SELECT id, occurred_at, actor, address, action, entity, entity_key, \
                           old_value, new_value, reason FROM audit_log ORDER BY id DESC LIMIT $1";
        let entries = on_pool!(self, |pool| sqlx::query_as::<_, AuditEntry>(SQL)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(per_value(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saves_entry_is_listed_one_value_per_line() {
        let old = BTreeMap::from([("1.1".to_string(), None), ("1.3".into(), Some("2".into()))]);
        let new = BTreeMap::from([
            (
                "1.1".to_string(),
                Some("5（说明：含\"引号\"与\n换行）".to_string()),
            ),
            ("1.3".into(), Some("3".into())),
        ]);
        let entry = AuditEntry {
            id: 7,
            occurred_at: now(),
            actor: "li".into(),
            address: "10.0.0.1".into(),
            action: VALUES_ACTION.into(),
            entity: "report".into(),
            entity_key: "2018Q1/jw".into(),
            old_value: Some(values_text(&old)),
            new_value: Some(values_text(&new)),
            reason: None,
        };
        assert_eq!(parse_values_text(&values_text(&new)), Some(new));
        let lines = entry.clone().per_value();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].entity_key, "2018Q1/jw/1.1");
        assert_eq!(lines[0].action, VALUE_ACTION);
        assert_eq!(lines[0].old_value, None);
        assert_eq!(
            lines[0].new_value.as_deref(),
            Some("5（说明：含\"引号\"与\n换行）")
        );
        assert_eq!(lines[1].old_value.as_deref(), Some("2"));
        assert!(lines.iter().all(|l| l.id == 7 && l.actor == "li"));
        // A text that is not such a list stays one line, as it is.
        let odd = AuditEntry {
            new_value: Some("not a list".into()),
            ..entry
        };
        assert_eq!(odd.clone().per_value().len(), 1);
        assert_eq!(odd.per_value()[0].action, VALUES_ACTION);
    }
}
