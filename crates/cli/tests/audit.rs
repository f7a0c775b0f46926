//! `bangfu audit verify|head` as an auditor runs them: the real binary on real files.

use bangfu_store::SqlStore;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bangfu");

fn bangfu(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BANGFU_DATABASE_URL", db)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
        .env_remove("BANGFU_AUDIT_KEY_FILE")
        .output()
        .expect("run bangfu")
}

async fn run(args: &[&str], db: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let db = db.to_string();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        bangfu(&args, &db)
    })
    .await
    .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bangfu.db").display())
}

/// A new database with the plan, `admin` and `leader`: three entries.
async fn initialised(dir: &Path) -> String {
    let db = sqlite_url(dir);
    let init = run(&["init"], &db).await;
    assert!(init.status.success(), "{}", stderr(&init));
    let add = run(
        &["user", "add", "--login", "leader", "--role", "viewer"],
        &db,
    )
    .await;
    assert!(add.status.success(), "{}", stderr(&add));
    db
}

/// What someone with write access to the database file (not the key) can do.
async fn tamper(db: &str, sql: &[&str]) {
    let store = SqlStore::connect(db).await.unwrap();
    store.drop_append_only_triggers().await;
    for s in sql {
        store.execute_unchecked(s).await;
    }
    store.close().await;
}

#[tokio::test]
async fn verify_passes_and_names_a_hand_altered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = initialised(dir.path()).await;
    let ok = run(&["audit", "verify"], &db).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("审计日志完整：3 条记录"),
        "{}",
        stdout(&ok)
    );
    // The key was created on first start, next to the database, readable by its owner only.
    let key = dir.path().join("audit.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The database itself refuses the edit; past its trigger, verify names the entry.
    let store = SqlStore::connect(&db).await.unwrap();
    assert!(store
        .try_execute_unchecked("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
        .await
        .is_err());
    store.close().await;
    tamper(
        &db,
        &["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"],
    )
    .await;
    let bad = run(&["audit", "verify"], &db).await;
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("第 2 条（编号 2）：内容与哈希不符"),
        "{}",
        stderr(&bad)
    );

    // Deleting the newest entry is caught by the chain's end.
    let dir2 = tempfile::tempdir().unwrap();
    let db2 = initialised(dir2.path()).await;
    tamper(
        &db2,
        &["DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"],
    )
    .await;
    let gone = run(&["audit", "verify"], &db2).await;
    assert!(!gone.status.success());
    assert!(
        stderr(&gone).contains("末尾记录被删除"),
        "{}",
        stderr(&gone)
    );
}

#[tokio::test]
async fn expect_head_proves_nothing_up_to_the_receipt_changed() {
    let dir = tempfile::tempdir().unwrap();
    let db = initialised(dir.path()).await;
    let head = run(&["audit", "head"], &db).await;
    assert!(head.status.success(), "{}", stderr(&head));
    let receipt = stdout(&head).trim().to_string();
    assert!(receipt.starts_with("3:"), "{receipt}");

    // Later entries do not matter: everything up to the receipt is unchanged.
    let more = run(
        &["user", "add", "--login", "auditor", "--role", "auditor"],
        &db,
    )
    .await;
    assert!(more.status.success(), "{}", stderr(&more));
    let ok = run(&["audit", "verify", "--expect-head", &receipt], &db).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains(&format!("与回执 {receipt} 相符")),
        "{}",
        stdout(&ok)
    );

    // Someone edits entry 2 and re-chains everything with a key of their own.
    tamper(
        &db,
        &["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"],
    )
    .await;
    let store = SqlStore::connect(&db).await.unwrap();
    store
        .rechain_audit_unchecked(Some(&bangfu_store::AuditKey::generate()))
        .await;
    store.close().await;
    let bad = run(&["audit", "verify", "--expect-head", &receipt], &db).await;
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(err.contains("第 3 条的哈希与回执不符"), "{err}");
    assert!(err.contains("第 2 条（编号 2）：内容与哈希不符"), "{err}");

    // The newest entries deleted and the end moved back: the log is shorter than the receipt.
    let dir2 = tempfile::tempdir().unwrap();
    let db2 = initialised(dir2.path()).await;
    let receipt2 = stdout(&run(&["audit", "head"], &db2).await)
        .trim()
        .to_string();
    tamper(
        &db2,
        &[
            "DELETE FROM audit_log WHERE seq = 3",
            "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)",
        ],
    )
    .await;
    let short = run(&["audit", "verify", "--expect-head", &receipt2], &db2).await;
    assert!(!short.status.success());
    let err = stderr(&short);
    assert!(
        err.contains("没有回执所记的第 3 条（现在共 2 条）"),
        "{err}"
    );
    assert!(err.contains("第 2 条之后的记录可能被删除"), "{err}");

    let junk = run(&["audit", "verify", "--expect-head", "3-abc"], &db2).await;
    assert!(!junk.status.success());
    assert!(
        stderr(&junk).contains("回执“3-abc”无效"),
        "{}",
        stderr(&junk)
    );
}

#[tokio::test]
async fn a_lost_key_is_not_silently_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db = initialised(dir.path()).await;
    let key = dir.path().join("audit.key");
    let elsewhere = dir.path().join("kept-elsewhere.key");
    std::fs::rename(&key, &elsewhere).unwrap();
    let refused = run(&["user", "add", "--login", "x", "--role", "viewer"], &db).await;
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("找不到审计密钥文件"),
        "{}",
        stderr(&refused)
    );
    assert!(!key.exists());
    let verify = run(&["audit", "verify"], &db).await;
    assert!(!verify.status.success(), "keyed entries cannot be checked");
    let with_key = run(
        &[
            "audit",
            "verify",
            "--audit-key",
            elsewhere.to_str().unwrap(),
        ],
        &db,
    )
    .await;
    assert!(with_key.status.success(), "{}", stderr(&with_key));
}
