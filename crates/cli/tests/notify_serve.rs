//! The sender inside `bangfu serve` with real peers (see notify_peers): killed mid-delivery it
//! neither loses nor repeats a message, and `bangfu notify run` beside it sends nothing twice.

mod common;
#[macro_use]
mod notify_peers;

use bangfu_store::testing::TestDatabase;
use bangfu_store::{NotifyStore, PlanStore, SqlStore};
use common::stderr;
use notify_peers::*;
use std::time::Duration;

on_both_backends!(
    a_kill_of_serve_during_delivery_neither_loses_nor_duplicates,
    a_kill_of_serve_during_delivery_neither_loses_nor_duplicates_on_postgres,
    a_kill_of_serve_during_delivery
);

/// Eight e-mails pending for a mail server that was down when they were recorded, and is now up
/// and slow: 0.4 s a mail, spent before the data.
struct SlowMailServer {
    s: SqlStore,
    smtp: u16,
    out: std::path::PathBuf,
    _peers: Peers,
    _dir: tempfile::TempDir,
}

/// Eight clerks of eight units with e-mail, their reminders recorded while the mail server is
/// down (eight e-mails pending), then the mail server started.
async fn eight_mails_for_a_slow_mail_server(db: &Db) -> SlowMailServer {
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
    let smtp = free_port();
    notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    assert_eq!(s.deliveries(Some("pending"), 100).await.unwrap().len(), 8);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    std::fs::create_dir(&out).unwrap();
    let peers = start_peers_slow(smtp, 0, &out, 0.4);
    SlowMailServer {
        s,
        smtp,
        out,
        _peers: peers,
        _dir: dir,
    }
}

/// Each of the eight e-mails received exactly once, and recorded as sent.
async fn each_of_eight_once(s: &SqlStore, out: &std::path::Path) {
    let all = received(out, "mail");
    let mut to: Vec<&str> = all.iter().map(|m| m.lines().next().unwrap()).collect();
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

async fn a_kill_of_serve_during_delivery(db: &Db) {
    let SlowMailServer { s, smtp, out, .. } = &eight_mails_for_a_slow_mail_server(db).await;
    let (s, smtp, out) = (s, *smtp, out.as_path());
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
    let all = wait_for(out, "mail", 8);
    std::thread::sleep(Duration::from_secs(3));
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(received(out, "mail").len(), all.len());
    each_of_eight_once(s, out).await;
    // Every claim is on the record, a delivery the kill cut short too (without an outcome).
    for m in s.deliveries(Some("sent"), 100).await.unwrap() {
        let attempts = s.delivery_attempts(m.id).await.unwrap();
        assert_eq!(attempts.len() as i64, m.attempts, "{attempts:?}");
    }
}

on_both_backends!(
    notify_run_beside_serve_sends_nothing_twice,
    notify_run_beside_serve_sends_nothing_twice_on_postgres,
    notify_run_beside_serve
);

/// cron's `bangfu notify run` and `serve` deliver the same queue at once (a slow mail server, 0.4 s
/// a mail): each claims one message at a time, so the two share the eight without a repeat.
async fn notify_run_beside_serve(db: &Db) {
    let SlowMailServer { s, smtp, out, .. } = &eight_mails_for_a_slow_mail_server(db).await;
    let (s, smtp, out) = (s, *smtp, out.as_path());
    let mut server = serve(db, smtp);
    // cron's run starts once serve is at work: both then take from the queue.
    let started = std::time::Instant::now();
    while s.deliveries(Some("sent"), 100).await.unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve delivers"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let run = notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    let by_cron: usize = common::stdout(&run)
        .split("成功 ")
        .nth(1)
        .and_then(|t| t.split('，').next())
        .and_then(|n| n.trim().parse().ok())
        .expect("the run's count");
    wait_for(out, "mail", 8);
    std::thread::sleep(Duration::from_secs(2));
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        (1..8).contains(&by_cron),
        "both delivered: {}",
        common::stdout(&run)
    );
    each_of_eight_once(s, out).await;
}

on_both_backends!(
    two_servers_on_one_database_send_each_mail_once,
    two_servers_on_one_database_send_each_mail_once_on_postgres,
    two_servers
);

/// Two `serve` processes on one database and one slow mail server share the queue: each
/// claims one message at a time under its lease, and no mail goes twice.
async fn two_servers(db: &Db) {
    let SlowMailServer { s, smtp, out, .. } = &eight_mails_for_a_slow_mail_server(db).await;
    let (s, smtp, out) = (s, *smtp, out.as_path());
    let mut servers = [serve(db, smtp), serve(db, smtp)];
    wait_for(out, "mail", 8);
    std::thread::sleep(Duration::from_secs(2));
    for server in &mut servers {
        server.kill().unwrap();
        server.wait().unwrap();
    }
    each_of_eight_once(s, out).await;
}
