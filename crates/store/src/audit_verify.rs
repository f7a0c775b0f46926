//! Verifying the audit log: the chain (sequence, links, each entry's hash or HMAC, the end's MAC),
//! an auditor's receipt of an earlier end, and a replay of the log against what the database holds
//! now (every report value, every ledger transaction).

use crate::audit::{entry_hash, ChainRow};
use crate::audit_key::{head_mac, HeadRow};
use crate::db::on_pool;
use crate::{AuditKey, LedgerStore, Result, SqlStore};
use bangfu_domain::ledger::{Money, TxKind};
use bangfu_domain::report::Entry;
use bangfu_domain::Quantity;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A receipt of the chain's end an auditor keeps outside the system: `seq:hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReceipt {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for AuditReceipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for AuditReceipt {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "回执“{text}”无效，应写成 序号:哈希，例如 42:{}",
                "0".repeat(64)
            )
        };
        let (seq, hash) = text.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.trim().parse().map_err(|_| bad())?;
        let hash = hash.trim().to_ascii_lowercase();
        if seq < 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(AuditReceipt { seq, hash })
    }
}

/// What a problem concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The chain itself: sequence, links, hashes, the key, the end.
    Chain,
    /// The chain differs from a receipt taken earlier.
    Receipt,
    /// A report value differs from what the log says.
    ReportValue,
    /// A ledger transaction differs from its logged creation.
    Ledger,
    /// An entry waiting to be chained is forged, a copy, or left unchained (`audit_queue.rs`).
    Queue,
}

/// One thing that does not verify, in words, with the entry it concerns if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    pub kind: ProblemKind,
    /// The entry's sequence number in the chain.
    pub seq: Option<i64>,
    /// The entry's row id.
    pub id: Option<i64>,
    pub message: String,
}

/// The result of [`crate::AuditStore::verify_audit`].
#[derive(Debug, Clone)]
pub struct AuditVerification {
    /// Entries in the log.
    pub entries: i64,
    /// The chain's end as the database records it now.
    pub head: AuditReceipt,
    /// From which entry the chain is keyed (earlier entries: plain sha256).
    pub keyed_from: Option<i64>,
    /// Every problem found; empty when the log is intact and matches the data.
    pub problems: Vec<AuditProblem>,
}

impl AuditVerification {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn problems_of(&self, kind: ProblemKind) -> impl Iterator<Item = &AuditProblem> {
        self.problems.iter().filter(move |p| p.kind == kind)
    }
}

fn problem(kind: ProblemKind, seq: Option<i64>, id: Option<i64>, message: String) -> AuditProblem {
    AuditProblem {
        kind,
        seq,
        id,
        message,
    }
}

pub(crate) const CHAIN_SQL: &str =
    "SELECT id, seq, occurred_at, actor, address, action, entity, entity_key, \
     old_value, new_value, reason, prev_hash, hash FROM audit_log ORDER BY id";

async fn chain_rows(store: &SqlStore) -> Result<Vec<ChainRow>> {
    Ok(on_pool!(store, |pool| sqlx::query_as::<_, ChainRow>(
        CHAIN_SQL
    )
    .fetch_all(pool)
    .await?))
}

pub(crate) async fn verify(
    store: &SqlStore,
    expect: Option<&AuditReceipt>,
) -> Result<AuditVerification> {
    if store.chainer.is_some() {
        store.chain_queued_audit().await?;
    }
    let rows = chain_rows(store).await?;
    let head = store.audit_head_row().await?;
    let mut problems = check_chain(&rows, &head, store.audit_key());
    problems.extend(crate::audit_queue::queue_problems(store).await?);
    if let Some(receipt) = expect {
        problems.extend(check_receipt(&rows, receipt));
    }
    problems.extend(replay_values(store, &rows).await?);
    problems.extend(replay_ledger(store, &rows).await?);
    Ok(AuditVerification {
        entries: rows.len() as i64,
        head: AuditReceipt {
            seq: head.seq,
            hash: head.hash,
        },
        keyed_from: head.keyed_from,
        problems,
    })
}

/// The chain's problems as they are before any key is used (for sealing an unkeyed log).
pub(crate) async fn plain_chain_problems(store: &SqlStore) -> Result<Vec<AuditProblem>> {
    let rows = chain_rows(store).await?;
    let head = store.audit_head_row().await?;
    Ok(check_chain(&rows, &head, None))
}

/// Whether the key fits the seal; a problem if it does not or is missing.
fn check_key(head: &HeadRow, key: Option<&AuditKey>, entries: usize) -> Option<AuditProblem> {
    let message = match (key, head.keyed_from) {
        (Some(_), None) if entries > 0 => {
            "审计链没有密钥起点标记（标记被删除，或数据库从未用密钥启动过）：\
             无法证明记录没有被整条重写"
                .to_string()
        }
        (Some(k), Some(_)) if head.key_id.as_deref() != Some(k.id().as_str()) => format!(
            "审计密钥（指纹 {}）与数据库记录的密钥指纹（{}）不符：密钥不对，或标记被改动",
            k.id(),
            head.key_id.as_deref().unwrap_or("无")
        ),
        (None, Some(from)) => format!(
            "没有审计密钥，第 {from} 条起由密钥签名的记录无法校验（用 --audit-key 指定密钥文件）"
        ),
        _ => return None,
    };
    Some(problem(ProblemKind::Chain, None, None, message))
}

fn check_chain(rows: &[ChainRow], head: &HeadRow, key: Option<&AuditKey>) -> Vec<AuditProblem> {
    let mut problems: Vec<AuditProblem> = check_key(head, key, rows.len()).into_iter().collect();
    let zero = "0".repeat(64);
    let mut prev = zero.clone();
    let mut expected = 1;
    for r in rows {
        let seq = r.seq.unwrap_or(expected);
        let mut broken = |reason: &str| {
            problems.push(problem(
                ProblemKind::Chain,
                Some(seq),
                Some(r.id),
                format!("第 {seq} 条（编号 {}）{reason}", r.id),
            ))
        };
        if r.seq != Some(expected) {
            broken(&format!(
                "：序号不连续，应为第 {expected} 条（有记录被删除或插入）"
            ));
        }
        if r.prev_hash.as_deref() != Some(prev.as_str()) {
            broken("：与前一条记录的链接不符（前一条被修改或删除）");
        }
        let prev_stored = r.prev_hash.as_deref().unwrap_or_default();
        let computed = entry_hash(
            key,
            head.keyed_from,
            seq,
            prev_stored,
            r.occurred_at,
            &r.hashed_fields(),
        );
        if computed.is_some() && computed != r.hash {
            broken("：内容与哈希不符（记录被修改，或链被不知道密钥的人重新计算过）");
        }
        prev = r.hash.clone().unwrap_or_default();
        expected = seq + 1;
    }
    let last = expected - 1;
    if head.seq != last || head.hash != prev {
        problems.push(problem(
            ProblemKind::Chain,
            Some(head.seq),
            None,
            format!(
                "链尾（第 {} 条）与最后一条记录（第 {last} 条）不符：末尾记录被删除或链尾被改动",
                head.seq
            ),
        ));
    } else if let (Some(k), Some(from)) = (key, head.keyed_from) {
        if from > last + 1 {
            problems.push(problem(
                ProblemKind::Chain,
                Some(from),
                None,
                format!("密钥起点标记（第 {from} 条）超出日志末尾（第 {last} 条）：标记被改动"),
            ));
        } else if head.mac.as_deref() != Some(head_mac(k, from, head.seq, &head.hash).as_str()) {
            problems.push(problem(
                ProblemKind::Chain,
                Some(head.seq),
                None,
                format!(
                    "链尾校验码不符：第 {} 条之后的记录可能被删除（末尾记录被删除、链尾被移回）",
                    head.seq
                ),
            ));
        }
    }
    problems
}

fn check_receipt(rows: &[ChainRow], receipt: &AuditReceipt) -> Option<AuditProblem> {
    let seq = receipt.seq;
    if seq == 0 {
        return None;
    }
    let message = match rows.iter().find(|r| r.seq == Some(seq)) {
        None => format!(
            "日志中没有回执所记的第 {seq} 条（现在共 {} 条）：此后的记录被删除",
            rows.len()
        ),
        Some(r) if r.hash.as_deref() != Some(receipt.hash.as_str()) => format!(
            "第 {seq} 条的哈希与回执不符（回执 {}，现在 {}）：到这一条为止的记录被改动或重写",
            receipt.hash,
            r.hash.as_deref().unwrap_or("无")
        ),
        Some(_) => return None,
    };
    Some(problem(ProblemKind::Receipt, Some(seq), None, message))
}

/// How a report value is written in the log: the number, and its 说明 if any.
pub(crate) fn show_entry(e: &Entry) -> String {
    let value = e.value.map(|v| v.to_string()).unwrap_or_default();
    if e.comment.is_empty() {
        value
    } else {
        format!("{value}（说明：{}）", e.comment)
    }
}

fn quoted(text: &str) -> String {
    if text.is_empty() {
        "（空）".into()
    } else {
        format!("“{text}”")
    }
}

#[derive(sqlx::FromRow)]
struct StoredValue {
    period_code: String,
    unit_code: String,
    indicator_code: String,
    value_scaled: Option<i64>,
    comment: String,
}

/// A report value as the log last recorded it, and the entry that did.
struct Logged {
    value: String,
    seq: Option<i64>,
    id: i64,
}

/// The latest logged value of every report row ("period/unit/row"), from per-value entries of
/// older logs and per-save entries alike; a save's entry whose list cannot be read is a problem.
fn logged_values(rows: &[ChainRow]) -> (BTreeMap<String, Logged>, Vec<AuditProblem>) {
    let mut logged = BTreeMap::new();
    let mut problems = Vec::new();
    for r in rows {
        let logged_at = |value: Option<String>| Logged {
            value: value.unwrap_or_default(),
            seq: r.seq,
            id: r.id,
        };
        if r.action == crate::audit::VALUE_ACTION {
            logged.insert(r.entity_key.clone(), logged_at(r.new_value.clone()));
        } else if r.action == crate::audit::VALUES_ACTION {
            let Some(values) = r
                .new_value
                .as_deref()
                .and_then(crate::audit::parse_values_text)
            else {
                problems.push(problem(
                    ProblemKind::ReportValue,
                    r.seq,
                    Some(r.id),
                    format!(
                        "第 {} 条记录（报表 {} 的数据修改）的内容无法解读",
                        r.seq.unwrap_or_default(),
                        r.entity_key
                    ),
                ));
                continue;
            };
            for (row, value) in values {
                logged.insert(format!("{}/{row}", r.entity_key), logged_at(value));
            }
        }
    }
    (logged, problems)
}

/// The latest logged value of every report row, compared with the stored values.
async fn replay_values(store: &SqlStore, rows: &[ChainRow]) -> Result<Vec<AuditProblem>> {
    let stored: Vec<StoredValue> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT r.period_code, r.unit_code, v.indicator_code, v.value_scaled, v.comment \
         FROM report_values v JOIN reports r ON r.id = v.report_id"
    )
    .fetch_all(pool)
    .await?);
    let (logged, mut problems) = logged_values(rows);
    let mut seen = std::collections::BTreeSet::new();
    for v in &stored {
        let key = format!("{}/{}/{}", v.period_code, v.unit_code, v.indicator_code);
        let now = show_entry(&Entry {
            value: v.value_scaled.map(Quantity::from_scaled),
            comment: v.comment.clone(),
        });
        let name = format!(
            "报表 {}/{} 指标 {}",
            v.period_code, v.unit_code, v.indicator_code
        );
        let message = match logged.get(key.as_str()) {
            None => format!(
                "{name}：数据库中为{}，审计日志中没有这项数据的记录",
                quoted(&now)
            ),
            Some(r) if r.value != now => format!(
                "{name}：审计日志记载为{}（第 {} 条），数据库中为{}",
                quoted(&r.value),
                r.seq.unwrap_or_default(),
                quoted(&now)
            ),
            Some(_) => {
                seen.insert(key);
                continue;
            }
        };
        problems.push(problem(ProblemKind::ReportValue, None, None, message));
        seen.insert(key);
    }
    for (key, r) in logged.iter().filter(|(k, _)| !seen.contains(k.as_str())) {
        let mut parts = key.splitn(3, '/');
        let (period, unit, row) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        problems.push(problem(
            ProblemKind::ReportValue,
            r.seq,
            Some(r.id),
            format!(
                "报表 {period}/{unit} 指标 {row}：审计日志记载为{}（第 {} 条），数据库中没有这项数据",
                quoted(&r.value),
                r.seq.unwrap_or_default()
            ),
        ));
    }
    Ok(problems)
}

/// How a ledger transaction is written in the log when it is recorded.
pub(crate) fn ledger_text(
    date: NaiveDate,
    kind: TxKind,
    amount: Money,
    source: &str,
    project: i64,
    voucher: &str,
    reverses: Option<i64>,
) -> String {
    format!(
        "{date} {} {amount} 元｜{source}｜项目 {project}｜凭证 {voucher}{}",
        kind.label(),
        reverses.map(|r| format!("｜冲销 {r}")).unwrap_or_default()
    )
}

/// Every ledger transaction compared with the entry that logged its recording.
async fn replay_ledger(store: &SqlStore, rows: &[ChainRow]) -> Result<Vec<AuditProblem>> {
    let mut logged: BTreeMap<i64, &ChainRow> = BTreeMap::new();
    for r in rows.iter().filter(|r| {
        r.entity == "ledger_transaction"
            && (r.action == "ledger.transaction" || r.action == "ledger.reverse")
    }) {
        if let Ok(id) = r.entity_key.parse() {
            logged.insert(id, r);
        }
    }
    let mut problems = Vec::new();
    for t in store.transactions().await? {
        let now = ledger_text(
            t.date, t.kind, t.amount, &t.source, t.project, &t.voucher, t.reverses,
        );
        let name = format!("资金流水 #{}", t.id);
        let message = match logged.remove(&t.id) {
            None => format!("{name}：数据库中为“{now}”，审计日志中没有它的登记记录"),
            Some(r) if r.new_value.as_deref() != Some(now.as_str()) => format!(
                "{name}：审计日志记载为{}（第 {} 条），数据库中为“{now}”",
                quoted(r.new_value.as_deref().unwrap_or_default()),
                r.seq.unwrap_or_default()
            ),
            Some(r) if r.reason != t.override_reason => format!(
                "{name}：审计日志记载的超预算理由为{}（第 {} 条），数据库中为{}",
                quoted(r.reason.as_deref().unwrap_or_default()),
                r.seq.unwrap_or_default(),
                quoted(t.override_reason.as_deref().unwrap_or_default())
            ),
            Some(_) => continue,
        };
        problems.push(problem(ProblemKind::Ledger, None, None, message));
    }
    for (id, r) in logged {
        problems.push(problem(
            ProblemKind::Ledger,
            r.seq,
            Some(r.id),
            format!(
                "资金流水 #{id}：审计日志记载为{}（第 {} 条），数据库中没有这笔流水",
                quoted(r.new_value.as_deref().unwrap_or_default()),
                r.seq.unwrap_or_default()
            ),
        ));
    }
    Ok(problems)
}
