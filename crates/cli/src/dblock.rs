//! One lock file per SQLite database (`bangfu.db.lock` beside `bangfu.db`). `serve` and `init`
//! hold it shared for as long as they run, `restore` exclusively: a restore cannot replace the
//! database under a running server, and a server cannot start in the middle of a restore.
//!
//! The locks are the operating system's advisory file locks: released when the process ends,
//! however it ends (SIGKILL included), so a crashed server never leaves a stale lock behind.

use anyhow::{bail, Context};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Held for as long as the value lives.
#[derive(Debug)]
pub struct DbLock {
    _file: File,
}

/// The SQLite file a database URL names, or `None` for PostgreSQL.
pub fn sqlite_file(db_url: &str) -> Option<PathBuf> {
    let url = db_url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    Some(PathBuf::from(path))
}

/// `FILE` + `suffix`, e.g. `bangfu.db` + `-wal`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn open(db: &Path) -> anyhow::Result<File> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("无法创建数据目录 {}", dir.display()))?;
    }
    let path = with_suffix(db, ".lock");
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("无法打开锁文件 {}", path.display()))
}

/// For a process that uses the database while it runs (`serve`, `init`); `None` for PostgreSQL.
pub fn shared(db_url: &str) -> anyhow::Result<Option<DbLock>> {
    let Some(db) = sqlite_file(db_url) else {
        return Ok(None);
    };
    let file = open(&db)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(DbLock { _file: file })),
        Err(TryLockError::WouldBlock) => bail!(
            "数据库 {} 正在恢复（bangfu restore 正在替换它），请等恢复完成后再启动",
            db.display()
        ),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("无法锁定数据库 {}", db.display()))
        }
    }
}

/// For replacing the database: refused while any server (or another restore) has it.
pub fn exclusive(db: &Path) -> anyhow::Result<DbLock> {
    let file = open(db)?;
    match file.try_lock() {
        Ok(()) => Ok(DbLock { _file: file }),
        Err(TryLockError::WouldBlock) => bail!(
            "数据库 {} 上有 bangfu 服务正在运行（或另一个恢复正在进行）：请先停止服务再恢复。\
             --force 只用于替换已停止使用的数据库，不能越过这一检查",
            db.display()
        ),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("无法锁定数据库 {}", db.display()))
        }
    }
}
