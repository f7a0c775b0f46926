//! Opening databases from the command line: PostgreSQL databases that do not exist yet,
//! servers that cannot be reached, and the help that names every role.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// `BANGFU_TEST_POSTGRES_URL` with its database replaced by `name`, or `None` without a server.
fn postgres_url_for(name: &str) -> Option<String> {
    let Ok(url) = std::env::var(bangfu_store::testing::POSTGRES_URL_VAR) else {
        if std::env::var_os(bangfu_store::testing::REQUIRE_POSTGRES_VAR).is_some() {
            panic!("BANGFU_TEST_REQUIRE_POSTGRES is set but BANGFU_TEST_POSTGRES_URL is not");
        }
        eprintln!("PostgreSQL test not run: set BANGFU_TEST_POSTGRES_URL");
        return None;
    };
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (url.clone(), String::new()),
    };
    let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
    Some(format!("{server}/{name}{query}"))
}

async fn drop_database(name: &str) {
    let url = std::env::var(bangfu_store::testing::POSTGRES_URL_VAR).unwrap();
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
}

#[tokio::test]
async fn a_missing_postgres_database_is_named_once_and_created_by_init() {
    let name = format!("bangfu_missing_{}", std::process::id());
    let Some(url) = postgres_url_for(&name) else {
        return;
    };
    drop_database(&name).await;
    // A command that only reads says once what is missing and how to create it.
    let show = bangfu_async(&["plan", "show"], &url).await;
    assert!(!show.status.success());
    let err = stderr(&show);
    assert_eq!(err.matches("不存在").count(), 1, "{err}");
    assert!(
        err.contains("不存在") && err.contains("bangfu init"),
        "{err}"
    );
    assert!(!err.contains("does not exist"), "{err}");

    // `init` (and `serve`) create it.
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("audit.key").display().to_string();
    let init = bangfu_async(&["--audit-key", &key, "init"], &url).await;
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(
        stdout(&init).contains("已创建 PostgreSQL 数据库"),
        "{}",
        stdout(&init)
    );
    let show = bangfu_async(&["plan", "show", "--json"], &url).await;
    assert!(show.status.success(), "{}", stderr(&show));
    drop_database(&name).await;
}

#[tokio::test]
async fn an_unreachable_postgres_server_fails_fast_with_a_chinese_message() {
    for url in [
        "postgres://postgres@127.0.0.1:1/bangfu",
        "postgres://postgres@127.0.0.1:5439/bangfu",
    ] {
        for command in [&["plan", "show"][..], &["init"][..]] {
            let started = Instant::now();
            let out = bangfu_async(command, url).await;
            let took = started.elapsed();
            assert!(!out.status.success(), "{url} {command:?}");
            assert!(
                took < Duration::from_secs(15),
                "{url} {command:?}: {took:?}"
            );
            let err = stderr(&out);
            assert!(err.contains("无法连接 PostgreSQL 服务器"), "{err}");
            assert!(err.contains("127.0.0.1:"), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
}

#[test]
fn user_add_help_lists_every_role() {
    let out = bangfu(&["user", "add", "--help"], "sqlite://unused.db");
    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out);
    for role in bangfu_domain::user::Role::ALL {
        assert!(help.contains(role.as_str()), "{role}: {help}");
        assert!(help.contains(role.label()), "{role}: {help}");
    }
}
