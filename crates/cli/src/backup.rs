//! `bangfu backup FILE` and `bangfu restore FILE` for the embedded SQLite database.
//!
//! A restore never destroys data. It takes the database's lock (refused while a server runs),
//! checks a copy of the backup (SQLite's integrity check, the plan, the audit chain), moves the
//! database it replaces aside together with its WAL under a name no other restore uses, and only
//! then renames the checked copy into place.

use crate::dblock::{self, with_suffix};
use anyhow::{bail, Context};
use bangfu_store::{AuditStore, NewAuditEntry, PlanStore, SqlStore};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// The database file and the files SQLite keeps beside it.
const SQLITE_SUFFIXES: [&str; 3] = ["", "-wal", "-shm"];

fn sqlite_path(db_url: &str) -> anyhow::Result<PathBuf> {
    match dblock::sqlite_file(db_url) {
        Some(path) => Ok(path),
        None => bail!("PostgreSQL 数据库请用 pg_dump 备份、pg_restore 恢复（见 README）"),
    }
}

pub async fn backup(db_url: &str, file: &Path) -> anyhow::Result<()> {
    sqlite_path(db_url)?;
    let store = SqlStore::connect(db_url)
        .await
        .with_context(|| format!("无法打开数据库 {db_url}"))?;
    store.backup_sqlite(file).await?;
    store.close().await;
    println!("已备份到 {}（运行中的数据库的一致副本）", file.display());
    Ok(())
}

/// What is wrong with a database's audit chain, or `None` when it verifies. The one place
/// restore asks, so that it can follow the store's verification wherever that goes.
async fn audit_chain_problem(store: &SqlStore) -> anyhow::Result<Option<String>> {
    let verification = store.verify_audit(None).await?;
    if verification.is_intact() {
        return Ok(None);
    }
    let problems: Vec<String> = verification
        .problems
        .iter()
        .map(|p| match p.seq {
            Some(seq) => format!("第 {seq} 号记录：{}", p.message),
            None => p.message.clone(),
        })
        .collect();
    Ok(Some(format!("有问题：{}", problems.join("；"))))
}

/// Replaces the database with a backup; see the module's description.
pub async fn restore(
    db_url: &str,
    file: &Path,
    force: bool,
    accept_broken_audit: Option<&str>,
) -> anyhow::Result<()> {
    let target = sqlite_path(db_url)?;
    if !file.is_file() {
        bail!("备份文件 {} 不存在", file.display());
    }
    let _lock = dblock::exclusive(&target)?;
    let occupied = SQLITE_SUFFIXES
        .iter()
        .any(|s| with_suffix(&target, s).exists());
    if occupied && !force {
        bail!(
            "数据库 {} 已存在。先停止服务，再加 --force 恢复（原数据库会改名保留）",
            target.display()
        );
    }
    let staged = stage(file, &target)?;
    let installed = async {
        let key_file = crate::open::audit_key_path(db_url);
        check_backup(&staged, file, accept_broken_audit, key_file.as_deref()).await?;
        if occupied {
            let kept = set_aside(&target).await?;
            println!("原数据库已改名保留为 {}", kept.display());
        }
        std::fs::rename(&staged, &target)
            .with_context(|| format!("无法把检查过的备份放到 {}", target.display()))?;
        sync_dir(&target);
        anyhow::Ok(())
    }
    .await;
    if installed.is_err() {
        for suffix in SQLITE_SUFFIXES {
            let _ = std::fs::remove_file(with_suffix(&staged, suffix));
        }
    }
    installed?;
    println!("已从 {} 恢复到 {}", file.display(), target.display());
    Ok(())
}

/// Creates `make(n)` for the first `n` whose files (with `suffixes`) are all new; returns its
/// path. `create_new` makes the choice safe against any other process picking the same name.
fn reserve(make: impl Fn(u32) -> PathBuf, suffixes: &[&str]) -> anyhow::Result<PathBuf> {
    for n in 0..1000 {
        let path = make(n);
        let mut made = Vec::new();
        for suffix in suffixes {
            let p = with_suffix(&path, suffix);
            match OpenOptions::new().write(true).create_new(true).open(&p) {
                Ok(_) => made.push(p),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => break,
                Err(e) => {
                    for m in &made {
                        let _ = std::fs::remove_file(m);
                    }
                    return Err(e).with_context(|| format!("无法创建 {}", p.display()));
                }
            }
        }
        if made.len() == suffixes.len() {
            return Ok(path);
        }
        for m in made {
            let _ = std::fs::remove_file(m);
        }
    }
    bail!("找不到可用的文件名（{}）", make(0).display())
}

/// A name for a file beside `target`: `stem.label-SECONDS.NANOS-PID[-N].ext`.
fn beside(target: &Path, label: &str, n: u32) -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let stem = target
        .file_stem()
        .map_or("bangfu".into(), |s| s.to_string_lossy());
    let ext = target
        .extension()
        .map_or("db".into(), |s| s.to_string_lossy());
    let counter = if n == 0 {
        String::new()
    } else {
        format!("-{n}")
    };
    target.with_file_name(format!(
        "{stem}.{label}-{}.{:09}-{}{counter}.{ext}",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id()
    ))
}

/// A copy of the backup beside the target (so that it can be renamed into place), written to
/// disk: what gets checked is exactly what gets installed.
fn stage(file: &Path, target: &Path) -> anyhow::Result<PathBuf> {
    let staged = reserve(|n| beside(target, "restoring", n), &[""])?;
    let copied = (|| {
        let mut from = File::open(file)?;
        let mut to = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&staged)?;
        std::io::copy(&mut from, &mut to)?;
        to.sync_all()
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&staged);
        return Err(e).with_context(|| format!("无法复制备份文件 {}", file.display()));
    }
    Ok(staged)
}

/// Checks the staged copy of `file`; with a broken audit chain, refuses unless the operator
/// gave a reason, which is then recorded in the copy's own audit log.
async fn check_backup(
    staged: &Path,
    file: &Path,
    accept: Option<&str>,
    key_file: Option<&Path>,
) -> anyhow::Result<()> {
    let mut store = SqlStore::connect(&format!("sqlite://{}", staged.display()))
        .await
        .with_context(|| format!("{} 不是有效的 SQLite 数据库", file.display()))?;
    // The installation's key verifies the backup's keyed chain (and signs an accepted restore).
    if let Some(path) = key_file.filter(|p| p.exists()) {
        store = store.with_audit_key(bangfu_store::AuditKey::load(path)?);
    }
    let checked = async {
        let integrity = store.integrity_check().await?;
        if integrity != "ok" {
            bail!("备份文件已损坏：{integrity}");
        }
        if store.plan().await.ok().flatten().is_none() {
            bail!("{} 不是 bangfu 的数据库备份（没有方案）", file.display());
        }
        let problem = audit_chain_problem(&store)
            .await
            .with_context(|| format!("无法校验 {} 的审计日志", file.display()))?;
        if let Some(problem) = problem {
            let Some(reason) = accept.map(str::trim).filter(|r| !r.is_empty()) else {
                bail!(
                    "备份 {} 的审计日志{problem}。备份可能被改动过，未恢复。\
                     确需恢复时加 --accept-broken-audit \"原因\"，原因会记入恢复后数据库的审计日志",
                    file.display()
                );
            };
            store
                .record_audit_entry(NewAuditEntry {
                    actor: "cli".into(),
                    action: "restore.accept_broken_audit".into(),
                    entity: "database".into(),
                    entity_key: file.display().to_string(),
                    new_value: Some(format!("从备份恢复时审计日志{problem}")),
                    reason: Some(reason.to_string()),
                    ..Default::default()
                })
                .await?;
            println!("注意：备份的审计日志{problem}；已按 --accept-broken-audit 恢复，原因已记入审计日志");
        }
        // Everything into the one file that gets renamed into place.
        if !store.checkpoint_sqlite().await? {
            bail!("无法把检查过的备份写入单个文件 {}", staged.display());
        }
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    checked?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(staged, suffix));
    }
    Ok(())
}

/// Moves the database at `target` aside, with its `-wal` and `-shm`: first folding the WAL into
/// the file where no reader prevents it, and keeping the WAL with the copy where one does.
async fn set_aside(target: &Path) -> anyhow::Result<PathBuf> {
    if target.exists() {
        match SqlStore::connect(&format!("sqlite://{}", target.display())).await {
            Ok(store) => {
                if !store.checkpoint_sqlite().await.unwrap_or(false) {
                    eprintln!(
                        "提示：原数据库的 WAL 未能并入主文件（有进程在读），随原数据库一并保留"
                    );
                }
                store.close().await;
            }
            Err(e) => eprintln!("提示：无法打开原数据库（{e}），原样保留"),
        }
    }
    let kept = reserve(|n| beside(target, "before-restore", n), &SQLITE_SUFFIXES)?;
    for suffix in SQLITE_SUFFIXES {
        let (from, to) = (with_suffix(target, suffix), with_suffix(&kept, suffix));
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            // Not there, or a WAL or shared-memory file SQLite removed as its last connection
            // closed (after the checkpoint above, so between a look and the rename): nothing of
            // it to keep.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_file(&to);
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("无法把 {} 改名保留为 {}", from.display(), to.display())
                })
            }
        }
    }
    sync_dir(target);
    Ok(kept)
}

/// Makes renames in the file's directory durable (best effort).
fn sync_dir(file: &Path) {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
