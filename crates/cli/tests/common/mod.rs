//! Helpers shared by the command-line test files: the real binary, real files, real databases.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_bangfu");

pub fn bangfu(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BANGFU_DATABASE_URL", db)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
        .output()
        .expect("run bangfu")
}

/// [`bangfu`] off the async runtime, for `#[tokio::test]`s.
pub async fn bangfu_async(args: &[&str], db: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let db = db.to_string();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        bangfu(&args, &db)
    })
    .await
    .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bangfu.db").display())
}

/// A running `bangfu serve` on a free port: the child, its host:port, and what it printed
/// up to and including the line with its address.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
    pub banner: Vec<String>,
}

impl Server {
    pub fn start(db: &str) -> Server {
        Server::start_with(db, &[])
    }

    /// A server with extra environment variables.
    pub fn start_with(db: &str, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("BANGFU_DATABASE_URL", db)
            .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = Vec::new();
        let addr = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            banner.push(line.clone());
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        Server {
            child,
            addr,
            banner,
        }
    }

    /// SIGKILL: no shutdown, no final checkpoint.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A minimal HTTP/1.0 request: (status, body). Errors (a killed server) are `None`.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Some((status, body))
}

/// A pool on a SQLite file, for looking inside databases the binary wrote.
pub async fn sqlite_pool(path: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// Every row of every table, as text, in a stable order.
pub async fn dump(path: &Path) -> Vec<String> {
    let pool = sqlite_pool(path).await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
                .fetch_all(&pool)
                .await
                .unwrap();
        let expr = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {expr} FROM \"{t}\" ORDER BY 1"))
                .fetch_all(&pool)
                .await
                .unwrap();
        out.extend(rows.into_iter().map(|r| format!("{t}: {r}")));
    }
    pool.close().await;
    out
}

/// Saves `unit`'s `rows` (and words) of `period` straight in the store: a test's fixture, with
/// none of the application's checks.
pub async fn save_report(
    store: &bangfu_store::SqlStore,
    (period, unit): (&str, &str),
    rows: &[(&str, &str)],
    narrative: Option<bangfu_domain::report::Narrative>,
) {
    use bangfu_store::ReportStore;
    let entry = |v: &str| bangfu_domain::report::Entry {
        value: Some(v.parse().unwrap()),
        comment: String::new(),
    };
    store
        .save_report(bangfu_store::SaveReport {
            period: period.into(),
            unit: unit.into(),
            expected_version: None,
            entries: rows
                .iter()
                .map(|(r, v)| (r.to_string(), entry(v)))
                .collect(),
            narrative,
            actor: "test".into(),
            address: "127.0.0.1".into(),
            imported_from: None,
            known: None,
        })
        .await
        .unwrap();
}

/// Submits `unit`'s report of `period` straight in the store, on time.
pub async fn submit_report(store: &bangfu_store::SqlStore, period: &str, unit: &str) {
    use bangfu_store::ReportStore;
    store
        .transition(bangfu_store::Transition {
            period: period.into(),
            unit: unit.into(),
            action: bangfu_domain::report::WorkflowAction::Submit,
            expected_version: None,
            reason: String::new(),
            actor: "test".into(),
            address: "127.0.0.1".into(),
            at: chrono::Utc::now(),
            late: false,
            reporter: None,
            notify: Vec::new(),
        })
        .await
        .unwrap();
}
