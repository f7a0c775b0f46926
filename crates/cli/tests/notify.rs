//! Notifications with real peers: an SMTP server (Python's aiosmtpd) and an HTTP server taking
//! the robots' webhook JSON, both on 127.0.0.1, started by the test. A missing aiosmtpd fails the
//! test (scripts/test installs it).

mod common;

use bangfu_domain::report::WorkflowAction;
use bangfu_store::testing::TestDatabase;
use bangfu_store::{NotifyStore, PlanStore, SqlStore};
use common::{stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Python peers, killed when dropped.
struct Peers(Child);

impl Drop for Peers {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_peers(smtp: u16, http: u16, out: &Path) -> Peers {
    start_peers_slow(smtp, http, out, 0.0)
}

fn start_peers_slow(smtp: u16, http: u16, out: &Path, delay: f64) -> Peers {
    let have = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .expect("python3 runs");
    assert!(
        have.success(),
        "aiosmtpd is missing: python3 -m pip install aiosmtpd==1.4.6 (scripts/test does it)"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/peers.py");
    let mut child = Command::new("python3")
        .args([script, &smtp.to_string(), &http.to_string()])
        .arg(out)
        .arg(delay.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "ready");
    Peers(child)
}

/// What the peers received: (file name, content), oldest first.
fn received(dir: &Path, prefix: &str) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with(prefix) && !name.ends_with(".tmp")
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect()
}

/// A database of either backend and its audit key, for the binary and the test alike.
struct Db {
    url: String,
    key: String,
}

impl Db {
    fn of(t: &TestDatabase) -> Db {
        Db {
            url: t.url.clone(),
            key: t.audit_key_file.display().to_string(),
        }
    }
}

/// The real binary on `db`, with its audit key.
fn bangfu(args: &[&str], db: &Db) -> Output {
    Command::new(common::BIN)
        .args(args)
        .env("BANGFU_DATABASE_URL", &db.url)
        .env("BANGFU_AUDIT_KEY_FILE", &db.key)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
        .output()
        .expect("run bangfu")
}

fn notify(db: &Db, smtp: u16, args: &[&str]) -> Output {
    let out = Command::new(common::BIN)
        .args(["notify"])
        .args(args)
        .env("BANGFU_DATABASE_URL", &db.url)
        .env("BANGFU_AUDIT_KEY_FILE", &db.key)
        .env("BANGFU_SMTP_URL", format!("smtp://127.0.0.1:{smtp}"))
        .env("BANGFU_SMTP_FROM", "区发改委 <fgw@daxing.example>")
        .env("BANGFU_PUBLIC_URL", "https://bangfu.example")
        .env("BANGFU_NOTIFY_RETRY_SECONDS", "0")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    out
}

async fn store(db: &Db) -> SqlStore {
    SqlStore::connect(&db.url)
        .await
        .unwrap()
        .open_audit_key(Path::new(&db.key))
        .await
        .unwrap()
}

async fn submit(store: &SqlStore, unit: &str) {
    common::save_report(store, ("2018Q1", unit), &[("1.4", "1")], None).await;
    common::submit_report(store, "2018Q1", unit).await;
}

fn wait_for(dir: &Path, prefix: &str, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let got = received(dir, prefix);
        if got.len() >= n || start.elapsed() > Duration::from_secs(20) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn reminders_returns_and_an_smtp_outage_reach_people_once() {
    let t = TestDatabase::sqlite().await;
    reminders_returns_and_an_smtp_outage(&Db::of(&t)).await;
    t.cleanup().await;
}

#[tokio::test]
async fn reminders_returns_and_an_smtp_outage_reach_people_once_on_postgres() {
    let Some(t) = TestDatabase::postgres().await else {
        return;
    };
    reminders_returns_and_an_smtp_outage(&Db::of(&t)).await;
    t.cleanup().await;
}

async fn reminders_returns_and_an_smtp_outage(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    std::fs::create_dir(&out).unwrap();
    assert!(bangfu(&["init"], db).status.success());
    for (login, unit) in [("jw1", "jw"), ("wjw1", "wjw"), ("czj1", "czj")] {
        let email = format!("{login}@daxing.example");
        let added = bangfu(
            &[
                "user", "add", "--login", login, "--role", "reporter", "--unit", unit, "--email",
                &email,
            ],
            db,
        );
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let bad = bangfu(
        &[
            "user", "add", "--login", "x1", "--role", "viewer", "--email", "nope",
        ],
        db,
    );
    assert!(
        stderr(&bad).contains("--email：邮箱“nope”不是有效的邮箱地址"),
        "{}",
        stderr(&bad)
    );
    let s = store(db).await;
    submit(&s, "wjw").await;
    let plan = s.plan().await.unwrap().unwrap();
    let units = bangfu_domain::summary::reporting_units(&plan).len();

    // The mail server is down: every e-mail stays pending.
    let (smtp, http) = (free_port(), free_port());
    let hook = format!("http://127.0.0.1:{http}/robot");
    let robot = bangfu(
        &[
            "notify", "robot", "--unit", "jw", "--flavor", "dingtalk", "--url", &hook,
        ],
        db,
    );
    assert!(robot.status.success(), "{}", stderr(&robot));
    let first = notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    assert!(
        stdout(&first).contains("失败待重试 3"),
        "{}",
        stdout(&first)
    );
    let pending = s.deliveries(Some("pending"), 100).await.unwrap();
    assert_eq!(pending.len(), 3, "two e-mails and jw's robot");
    assert_eq!(s.unread_notices("jw1").await.unwrap(), 1);
    assert_eq!(s.unread_notices("wjw1").await.unwrap(), 0);
    assert!(units > 3);

    // It comes back: the next run delivers them, once; a run after that sends nothing new.
    let _peers = start_peers(smtp, http, &out);
    let second = notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    assert!(stdout(&second).contains("新增 0 条"), "{}", stdout(&second));
    assert!(stdout(&second).contains("成功 3"), "{}", stdout(&second));
    let mails = received(&out, "mail");
    assert_eq!(mails.len(), 2, "{mails:?}");
    let all = mails.join("\n");
    assert!(all.contains("To: jw1@daxing.example") && all.contains("To: czj1@daxing.example"));
    assert!(
        !all.contains("wjw1@"),
        "a unit that submitted is not reminded"
    );
    let hooks = received(&out, "hook");
    assert_eq!(hooks.len(), 1);
    let body: serde_json::Value =
        serde_json::from_str(hooks[0].split_once('\n').unwrap().1).unwrap();
    assert_eq!(body["msgtype"], "markdown");
    let text = body["markdown"]["text"].as_str().unwrap();
    assert!(
        text.contains("2018年第一季度") && text.contains("2018年3月20日"),
        "{text}"
    );
    assert!(
        text.contains("https://bangfu.example/reports/2018Q1/jw"),
        "{text}"
    );
    println!(
        "received e-mail:\n{}\nwebhook body:\n{}",
        mails[0], hooks[0]
    );
    let third = notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    assert!(stdout(&third).contains("成功 0"), "{}", stdout(&third));
    assert_eq!(received(&out, "mail").len(), 2);

    // A return tells the unit the reason.
    submit(&s, "czj").await;
    assert!(bangfu(
        &["user", "add", "--login", "fgw", "--role", "coordinator"],
        db
    )
    .status
    .success());
    let coordinator = bangfu_store::UserStore::user_by_login(&s, "fgw")
        .await
        .unwrap()
        .unwrap();
    let mut ctx =
        bangfu_app::Context::new(std::sync::Arc::new(s.clone()), std::sync::Arc::new(plan));
    ctx.notify = std::sync::Arc::new(bangfu_app::notify::Settings {
        public_url: "https://bangfu.example".into(),
        ..Default::default()
    });
    let actor = bangfu_app::Actor {
        user: coordinator,
        address: "127.0.0.1".into(),
    };
    bangfu_app::reporting::transition(
        &ctx,
        &actor,
        "2018Q1",
        "czj",
        WorkflowAction::Return,
        "第1.4行与上季度不符",
        None,
    )
    .await
    .unwrap();
    notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    let mails = wait_for(&out, "mail", 3);
    assert_eq!(mails.len(), 3);
    assert!(mails[2].contains("czj1@daxing.example"));
    assert!(
        mails[2].contains("Subject: 【退回修改】2018年第一季度进展情况被退回"),
        "{}",
        mails[2]
    );
    assert!(
        mails[2].contains("退回原因：第1.4行与上季度不符"),
        "{}",
        mails[2]
    );
    assert!(mails[2].contains("https://bangfu.example/reports/2018Q1/czj"));
}

#[test]
fn a_test_message_reaches_the_mail_server_and_a_robot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    std::fs::create_dir(&out).unwrap();
    let (smtp, http) = (free_port(), free_port());
    let _peers = start_peers(smtp, http, &out);
    let db = Db {
        url: common::sqlite_url(dir.path()),
        key: dir.path().join("audit.key").display().to_string(),
    };
    let sent = notify(&db, smtp, &["test", "--to", "li@daxing.example"]);
    assert!(stdout(&sent).contains("测试邮件已发送到 li@daxing.example"));
    let hook = format!("wecom http://127.0.0.1:{http}/wecom");
    let sent = notify(&db, smtp, &["test", "--to", &hook]);
    assert!(stdout(&sent).contains("企业微信"), "{}", stdout(&sent));
    assert_eq!(received(&out, "mail").len(), 1);
    let hooks = received(&out, "hook");
    assert!(hooks[0].starts_with("/wecom\n"));
    assert!(hooks[0].contains("\"msgtype\":\"markdown\""));
    let bad = Command::new(common::BIN)
        .args(["notify", "test", "--to", "ftp://x"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("--to 须为邮箱地址或机器人网址"),
        "{}",
        stderr(&bad)
    );
}

/// `serve` with the mail server of `smtp`, delivering every 0.2 s with a 2 s lease.
fn serve(db: &Db, smtp: u16) -> Child {
    let mut child = Command::new(common::BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("BANGFU_DATABASE_URL", &db.url)
        .env("BANGFU_AUDIT_KEY_FILE", &db.key)
        .env("BANGFU_SMTP_URL", format!("smtp://127.0.0.1:{smtp}"))
        .env("BANGFU_NOTIFY_INTERVAL_SECONDS", "0.2")
        .env("BANGFU_NOTIFY_LEASE_SECONDS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap());
    while !line.contains("http://") {
        line.clear();
        assert!(std::io::BufRead::read_line(&mut lines, &mut line).unwrap() > 0);
    }
    child
}

#[tokio::test]
async fn a_kill_of_serve_during_delivery_neither_loses_nor_duplicates() {
    let t = TestDatabase::sqlite().await;
    a_kill_of_serve_during_delivery(&Db::of(&t)).await;
    t.cleanup().await;
}

#[tokio::test]
async fn a_kill_of_serve_during_delivery_neither_loses_nor_duplicates_on_postgres() {
    let Some(t) = TestDatabase::postgres().await else {
        return;
    };
    a_kill_of_serve_during_delivery(&Db::of(&t)).await;
    t.cleanup().await;
}

async fn a_kill_of_serve_during_delivery(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    std::fs::create_dir(&out).unwrap();
    assert!(bangfu(&["init"], db).status.success());
    let s = store(db).await;
    let plan = s.plan().await.unwrap().unwrap();
    let units: Vec<String> = bangfu_domain::summary::reporting_units(&plan)
        .iter()
        .take(8)
        .map(|u| u.code.clone())
        .collect();
    for (i, unit) in units.iter().enumerate() {
        let login = format!("clerk{i}");
        let email = format!("{login}@daxing.example");
        let added = bangfu(
            &[
                "user", "add", "--login", &login, "--role", "reporter", "--unit", unit, "--email",
                &email,
            ],
            db,
        );
        assert!(added.status.success(), "{}", stderr(&added));
    }
    // Recorded while the mail server is down: eight e-mails pending.
    let smtp = free_port();
    notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    assert_eq!(s.deliveries(Some("pending"), 100).await.unwrap().len(), 8);
    let _peers = start_peers_slow(smtp, 0, &out, 0.4);
    let mut server = serve(db, smtp);
    // Killed in the middle of a delivery: once two are recorded as sent, the next one is in the
    // mail server's 0.4 s wait before its data. (Killed between the mail server's receipt and the
    // record, any SMTP client sends again; watching the files, the test used to kill right there.)
    let started = std::time::Instant::now();
    while s.deliveries(Some("sent"), 100).await.unwrap().len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve delivers"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let mut server = serve(db, smtp);
    let all = wait_for(&out, "mail", 8);
    std::thread::sleep(Duration::from_secs(3));
    server.kill().unwrap();
    server.wait().unwrap();
    let all_now = received(&out, "mail");
    assert_eq!(all_now.len(), all.len());
    let mut to: Vec<&str> = all_now.iter().map(|m| m.lines().next().unwrap()).collect();
    to.sort();
    let before = to.len();
    to.dedup();
    assert_eq!(
        (before, to.len()),
        (8, 8),
        "each of eight e-mails once: {to:?}"
    );
    assert_eq!(s.deliveries(Some("sent"), 100).await.unwrap().len(), 8);
}
