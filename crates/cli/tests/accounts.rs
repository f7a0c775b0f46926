//! Accounts from the command line: passwords that are too easy are refused naming the setting,
//! API tokens may carry an expiry.

use bangfu_store::{SessionStore, SqlStore, UserStore};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bangfu");

fn bangfu(args: &[&str], db: &str, password: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("BANGFU_DATABASE_URL", db)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password");
    match password {
        Some(p) => command.env("BANGFU_PASSWORD", p),
        None => command.env_remove("BANGFU_PASSWORD"),
    };
    command.output().expect("run bangfu")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn easy_passwords_are_refused_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bangfu.db").display());
    let weak_admin = Command::new(BIN)
        .arg("init")
        .env("BANGFU_DATABASE_URL", &db)
        .env("BANGFU_ADMIN_PASSWORD", "admin123456")
        .output()
        .unwrap();
    assert!(!weak_admin.status.success());
    assert!(
        text(&weak_admin.stderr).contains("BANGFU_ADMIN_PASSWORD 不可用：密码过于常见"),
        "{}",
        text(&weak_admin.stderr)
    );
    assert!(bangfu(&["init"], &db, None).status.success());
    for weak in ["woaini1314", "qqqqqqqqqqqq", "0987654321"] {
        let out = bangfu(
            &["user", "add", "--login", "clerk", "--role", "viewer"],
            &db,
            Some(weak),
        );
        assert!(!out.status.success(), "{weak}");
        let err = text(&out.stderr);
        assert!(
            err.contains("BANGFU_PASSWORD 不可用：密码"),
            "{weak}: {err}"
        );
    }
    let ok = bangfu(
        &["user", "add", "--login", "clerk", "--role", "viewer"],
        &db,
        Some("river-lantern-42"),
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
}

#[tokio::test]
async fn tokens_created_with_an_expiry_keep_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bangfu.db").display());
    assert!(bangfu(&["init"], &db, None).status.success());
    let before = chrono::Utc::now();
    let out = bangfu(
        &[
            "token",
            "create",
            "--login",
            "admin",
            "--expires-in-days",
            "7",
        ],
        &db,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("有效期至"),
        "{}",
        text(&out.stdout)
    );
    let lasting = bangfu(&["token", "create", "--login", "admin"], &db, None);
    assert!(text(&lasting.stdout).contains("一直有效"));
    let zero = bangfu(
        &[
            "token",
            "create",
            "--login",
            "admin",
            "--expires-in-days",
            "0",
        ],
        &db,
        None,
    );
    assert!(!zero.status.success());

    let store = SqlStore::connect(&db).await.unwrap();
    let admin = store.user_by_login("admin").await.unwrap().unwrap();
    let tokens = store.tokens(&admin).await.unwrap();
    assert_eq!(tokens.len(), 2);
    let expires = tokens[0].expires_at.expect("an expiry");
    let days = (expires - before).num_hours();
    assert!((7 * 24..7 * 24 + 1).contains(&days), "{days} hours");
    assert_eq!(tokens[1].expires_at, None);
    store.close().await;
}

#[test]
fn serve_refuses_malformed_proxy_and_url_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bangfu.db").display());
    for (args, expected) in [
        (
            vec!["--trusted-proxies", "10.0.0.0/8"],
            "受信任代理“10.0.0.0/8”不是 IP 地址",
        ),
        (
            vec!["--public-url", "bangfu.example.gov.cn"],
            "--public-url 须以 https:// 或 http:// 开头",
        ),
    ] {
        let mut all = vec!["serve", "--addr", "127.0.0.1:0"];
        all.extend(args);
        let out = bangfu(&all, &db, None);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    }
    let from_env = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("BANGFU_DATABASE_URL", &db)
        .env("BANGFU_TRUSTED_PROXIES", "127.0.0.1, proxy.local")
        .output()
        .unwrap();
    assert!(!from_env.status.success());
    assert!(text(&from_env.stderr).contains("proxy.local"));
}
