//! `bangfu audit verify|head|seal`.

use anyhow::bail;
use bangfu_store::{AuditProblem, AuditReceipt, AuditStore, ProblemKind};
use std::process::ExitCode;

/// Lines shown per kind of problem; the rest are counted.
const SHOWN: usize = 20;

fn print_problems(title: &str, problems: &[&AuditProblem]) {
    if problems.is_empty() {
        return;
    }
    eprintln!("{title}（{} 处）：", problems.len());
    for p in problems.iter().take(SHOWN) {
        eprintln!("  - {}", p.message);
    }
    if problems.len() > SHOWN {
        eprintln!("  ……另有 {} 处", problems.len() - SHOWN);
    }
}

/// Verifies the chain (and the receipt `expect_head`, `seq:hash`, if given) and replays the log
/// against the report values and the ledger; names every difference. Non-zero exit on any.
pub async fn verify(db_url: &str, expect_head: Option<&str>) -> anyhow::Result<ExitCode> {
    let expect: Option<AuditReceipt> = expect_head
        .map(str::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let store = crate::open::open_to_verify(db_url).await?;
    // Entries a stopped server left queued are chained first (with the key), so that what
    // remains queued is what does not verify.
    if store.audit_key().is_some() {
        store.chain_queued_audit().await?;
    }
    let v = store.verify_audit(expect.as_ref()).await?;
    store.close().await;
    let of = |kind| v.problems_of(kind).collect::<Vec<_>>();
    if v.is_intact() {
        let keyed = match v.keyed_from {
            Some(1) => "全部由密钥签名".to_string(),
            Some(n) if n <= v.entries => format!("第 {n} 条起由密钥签名，此前为 sha256"),
            _ => "尚无由密钥签名的记录".to_string(),
        };
        println!(
            "审计日志完整：{} 条记录，哈希链没有断点（{keyed}）；报表数据和资金流水与日志一致。",
            v.entries
        );
        if let Some(r) = &expect {
            println!("与回执 {r} 相符：第 {} 条及之前的记录没有被改动。", r.seq);
        }
        println!("当前链尾回执：{}", v.head);
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("审计日志校验未通过：");
    print_problems("哈希链", &of(ProblemKind::Chain));
    print_problems("与回执不符", &of(ProblemKind::Receipt));
    print_problems("报表数据与审计日志不符", &of(ProblemKind::ReportValue));
    print_problems("资金流水与审计日志不符", &of(ProblemKind::Ledger));
    print_problems("待接链的审计记录", &of(ProblemKind::Queue));
    Ok(ExitCode::FAILURE)
}

/// Prints the chain's end as a receipt to keep outside the system.
pub async fn head(db_url: &str) -> anyhow::Result<()> {
    let store = crate::open::open_to_verify(db_url).await?;
    let head = store.audit_head().await?;
    store.close().await;
    println!("{head}");
    Ok(())
}

/// Keys the chain of a log written before the key existed, from its next entry on.
pub async fn seal(db_url: &str) -> anyhow::Result<()> {
    let store = crate::open::open_to_seal(db_url).await?;
    let sealed = store.seal_audit_chain().await?;
    let head = store.audit_head().await?;
    store.close().await;
    if !sealed {
        bail!("审计链已经封存过，无需再封存");
    }
    println!(
        "已封存：第 {} 条起的记录由密钥签名，此前 {} 条以 sha256 相连。当前链尾回执：{head}",
        head.seq + 1,
        head.seq
    );
    Ok(())
}
