//! `bangfu backup` and `bangfu restore`: the real binary on real files. A restore must never
//! destroy data: not the database it replaces, not what a running server is writing.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// The copies of replaced databases a restore kept in `dir` (main files, not -wal/-shm).
fn saved_aside(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.contains("before-restore") && name.ends_with(".db")
        })
        .collect();
    found.sort();
    found
}

/// A database with the plan and its administrator, and a backup of it in `dir/backup.db`.
async fn database_and_backup(dir: &Path) -> (String, PathBuf) {
    let db = sqlite_url(dir);
    let init = bangfu_async(&["init"], &db).await;
    assert!(init.status.success(), "{}", stderr(&init));
    let backup = dir.join("backup.db");
    let out = bangfu_async(&["backup", backup.to_str().unwrap()], &db).await;
    assert!(out.status.success(), "{}", stderr(&out));
    (db, backup)
}

async fn logins(path: &Path) -> Vec<String> {
    let pool = sqlite_pool(path).await;
    let logins = sqlx::query_scalar("SELECT login FROM users ORDER BY login")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    logins
}

#[tokio::test]
async fn back_to_back_restores_keep_every_replaced_database() {
    let dir = tempfile::tempdir().unwrap();
    let (db, backup) = database_and_backup(dir.path()).await;
    // Only the live database has this account: it must stay recoverable.
    let added = bangfu_async(
        &["user", "add", "--login", "only-live", "--role", "viewer"],
        &db,
    )
    .await;
    assert!(added.status.success(), "{}", stderr(&added));

    // Three restores within a second or so: at least two share a second.
    for _ in 0..3 {
        let out = bangfu_async(&["restore", backup.to_str().unwrap(), "--force"], &db).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("原数据库已改名保留"),
            "{}",
            stdout(&out)
        );
    }
    let kept = saved_aside(dir.path());
    assert_eq!(kept.len(), 3, "one saved-aside copy per restore: {kept:?}");
    let mut with_account = 0;
    for copy in &kept {
        if logins(copy).await.contains(&"only-live".to_string()) {
            with_account += 1;
        }
    }
    assert_eq!(with_account, 1, "the original database is among {kept:?}");
    assert!(!logins(&dir.path().join("bangfu.db"))
        .await
        .contains(&"only-live".to_string()));
}

#[tokio::test]
async fn a_commit_still_in_the_wal_survives_into_the_saved_aside_copy() {
    use sqlx::{Connection, Executor};
    let dir = tempfile::tempdir().unwrap();
    let (db, backup) = database_and_backup(dir.path()).await;
    let live = dir.path().join("bangfu.db");
    let url = format!("sqlite://{}", live.display());
    // A reader whose snapshot predates the commit: no checkpoint can move the commit into the
    // database file while it lasts.
    let mut reader = sqlx::SqliteConnection::connect(&url).await.unwrap();
    reader.execute("BEGIN").await.unwrap();
    reader.execute("SELECT count(*) FROM users").await.unwrap();
    let mut writer = sqlx::SqliteConnection::connect(&url).await.unwrap();
    writer
        .execute("PRAGMA wal_autocheckpoint = 0")
        .await
        .unwrap();
    writer
        .execute("CREATE TABLE wal_probe (note TEXT); INSERT INTO wal_probe VALUES ('只在 WAL 中')")
        .await
        .unwrap();
    let wal = dir.path().join("bangfu.db-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "the commit is in the WAL"
    );

    let out = bangfu_async(&["restore", backup.to_str().unwrap(), "--force"], &db).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let kept = saved_aside(dir.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    let pool = sqlite_pool(&kept[0]).await;
    let notes: Vec<String> = sqlx::query_scalar("SELECT note FROM wal_probe")
        .fetch_all(&pool)
        .await
        .unwrap_or_else(|e| panic!("the committed table is in the saved-aside copy: {e}"));
    assert_eq!(notes, ["只在 WAL 中"]);
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    pool.close().await;
    drop(writer);
    drop(reader);
    // The restored database is the backup, without the probe.
    let restored = dump(&live).await;
    assert!(!restored.iter().any(|r| r.starts_with("wal_probe")));
    assert_eq!(restored, dump(&backup).await);
}

#[tokio::test]
async fn restore_refuses_while_a_server_runs_on_the_database_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let (db, backup) = database_and_backup(dir.path()).await;
    let server = tokio::task::spawn_blocking({
        let db = db.clone();
        move || Server::start(&db)
    })
    .await
    .unwrap();
    let before = dump(&dir.path().join("bangfu.db")).await;
    for force in [false, true] {
        let mut args = vec!["restore", backup.to_str().unwrap()];
        if force {
            args.push("--force");
        }
        let out = bangfu_async(&args, &db).await;
        assert!(!out.status.success(), "--force {force}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("正在运行") && err.contains("先停止服务"),
            "{err}"
        );
    }
    assert!(saved_aside(dir.path()).is_empty());
    assert_eq!(dump(&dir.path().join("bangfu.db")).await, before);
    let addr = server.addr.clone();
    let front = tokio::task::spawn_blocking(move || http(&addr, "GET", "/", "", ""))
        .await
        .unwrap();
    assert_eq!(front.map(|(status, _)| status), Some(200));
    server.kill();

    // Once the server is gone, the same restore goes through.
    let out = bangfu_async(&["restore", backup.to_str().unwrap(), "--force"], &db).await;
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Alters an audit entry of a database file the way an attacker with file access would: any
/// trigger guarding the log is dropped first.
async fn tamper_with_audit_log(path: &Path) {
    let pool = sqlite_pool(path).await;
    let triggers: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for t in triggers {
        sqlx::query(&format!("DROP TRIGGER \"{t}\""))
            .execute(&pool)
            .await
            .unwrap();
    }
    let changed = sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    pool.close().await;
}

#[tokio::test]
async fn a_backup_with_a_broken_audit_chain_needs_an_explicit_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (_, backup) = database_and_backup(dir.path()).await;
    tamper_with_audit_log(&backup).await;
    let target_dir = tempfile::tempdir().unwrap();
    let target = sqlite_url(target_dir.path());
    // The installation's audit key goes along with a restore elsewhere (it is kept apart from
    // the database): it verifies the backup and signs the entry that accepts it.
    std::fs::copy(
        dir.path().join("audit.key"),
        target_dir.path().join("audit.key"),
    )
    .unwrap();

    let refused = bangfu_async(&["restore", backup.to_str().unwrap()], &target).await;
    assert!(!refused.status.success(), "{}", stdout(&refused));
    let err = stderr(&refused);
    assert!(
        err.contains("审计日志") && err.contains("--accept-broken-audit"),
        "{err}"
    );
    assert!(!target_dir.path().join("bangfu.db").exists());

    let reason = "经核对，第 2 条记录的改动系已知的旧系统迁移";
    let accepted = bangfu_async(
        &[
            "restore",
            backup.to_str().unwrap(),
            "--accept-broken-audit",
            reason,
        ],
        &target,
    )
    .await;
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    let pool = sqlite_pool(&target_dir.path().join("bangfu.db")).await;
    let (action, entry_reason, note): (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT action, reason, new_value FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert_eq!(action, "restore.accept_broken_audit");
    assert_eq!(entry_reason.as_deref(), Some(reason));
    assert!(note.unwrap_or_default().contains("第 2 号记录"));
    // The break itself stays visible.
    let verify = bangfu_async(&["audit", "verify"], &target).await;
    assert!(!verify.status.success());
}

#[tokio::test]
async fn backup_of_a_running_database_restores_every_row() {
    use bangfu_store::{ReportStore, SaveReport};
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu_async(&["init"], &db).await.status.success());
    // The "running server": an open store writing reports while the backup is taken.
    let store = bangfu_store::SqlStore::connect(&db)
        .await
        .unwrap()
        .open_audit_key(&dir.path().join("audit.key"))
        .await
        .unwrap();
    for (i, unit) in ["jw", "wjw", "czj"].iter().enumerate() {
        let indicator = ["1.3", "1.4", "1.1"][i];
        store
            .save_report(SaveReport {
                period: "2018Q1".into(),
                unit: unit.to_string(),
                expected_version: None,
                entries: [(
                    indicator.to_string(),
                    bangfu_domain::report::Entry {
                        value: Some("12.5".parse().unwrap()),
                        comment: "备份测试".into(),
                    },
                )]
                .into(),
                narrative: None,
                actor: "test".into(),
                address: String::new(),
                imported_from: None,
                known: None,
            })
            .await
            .unwrap_or_else(|e| panic!("{unit}: {e}"));
    }
    let backup = dir.path().join("backup.db");
    let backup_arg = backup.to_str().unwrap();
    let out = bangfu_async(&["backup", backup_arg], &db).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let again = bangfu_async(&["backup", backup_arg], &db).await;
    assert!(stderr(&again).contains("已存在"));
    store.close().await;

    let restored_dir = tempfile::tempdir().unwrap();
    let restored_db = sqlite_url(restored_dir.path());
    // The audit key is kept apart from the database; it goes along with a restore elsewhere.
    std::fs::copy(
        dir.path().join("audit.key"),
        restored_dir.path().join("audit.key"),
    )
    .unwrap();
    let out = bangfu_async(&["restore", backup_arg], &restored_db).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let original = dump(&dir.path().join("bangfu.db")).await;
    let restored = dump(&restored_dir.path().join("bangfu.db")).await;
    assert!(original.iter().any(|r| r.starts_with("report_values: ")));
    assert_eq!(original, restored);
    let verify = bangfu_async(&["audit", "verify"], &restored_db).await;
    assert!(verify.status.success(), "{}", stderr(&verify));

    // Restoring over an existing database needs --force and keeps the old one.
    let refused = bangfu_async(&["restore", backup_arg], &restored_db).await;
    assert!(stderr(&refused).contains("--force"));
    let forced = bangfu_async(&["restore", backup_arg, "--force"], &restored_db).await;
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(stdout(&forced).contains("原数据库已改名保留"));
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let bad = bangfu_async(
        &["restore", junk.to_str().unwrap(), "--force"],
        &restored_db,
    )
    .await;
    assert!(!bad.status.success());
    assert_eq!(saved_aside(restored_dir.path()).len(), 1);
}
