//! `bangfu backup FILE` and `bangfu restore FILE` for the embedded SQLite database.

use anyhow::{bail, Context};
use bangfu_store::{PlanStore, SqlStore};
use std::path::{Path, PathBuf};

fn sqlite_path(db_url: &str) -> anyhow::Result<PathBuf> {
    if db_url.starts_with("postgres") {
        bail!("PostgreSQL 数据库请用 pg_dump 备份、pg_restore 恢复（见 README）");
    }
    let path = db_url
        .strip_prefix("sqlite://")
        .or_else(|| db_url.strip_prefix("sqlite:"))
        .unwrap_or(db_url);
    Ok(PathBuf::from(path))
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

/// Checks the backup, keeps the current database aside, and puts the backup in its place.
/// Stop the server first: a running server would keep writing to the old file.
pub async fn restore(db_url: &str, file: &Path, force: bool) -> anyhow::Result<()> {
    let target = sqlite_path(db_url)?;
    if !file.exists() {
        bail!("备份文件 {} 不存在", file.display());
    }
    let backup = SqlStore::connect(&format!("sqlite://{}", file.display()))
        .await
        .with_context(|| format!("{} 不是有效的 SQLite 数据库", file.display()))?;
    let integrity = backup.integrity_check().await?;
    if integrity != "ok" {
        bail!("备份文件已损坏：{integrity}");
    }
    if backup.plan().await.ok().flatten().is_none() {
        bail!("{} 不是 bangfu 的数据库备份（没有方案）", file.display());
    }
    backup.close().await;
    if target.exists() {
        if !force {
            bail!(
                "数据库 {} 已存在。先停止服务，再加 --force 恢复（原数据库会改名保留）",
                target.display()
            );
        }
        let kept = target.with_extension(format!("before-restore-{}.db", chrono_stamp()));
        std::fs::rename(&target, &kept)
            .with_context(|| format!("无法保留原数据库 {}", target.display()))?;
        for ext in ["db-wal", "db-shm"] {
            let _ = std::fs::remove_file(target.with_extension(ext));
        }
        println!("原数据库已改名保留为 {}", kept.display());
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(file, &target).with_context(|| format!("无法写入 {}", target.display()))?;
    println!("已从 {} 恢复到 {}", file.display(), target.display());
    Ok(())
}

fn chrono_stamp() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs().to_string())
        .unwrap_or_default()
}
