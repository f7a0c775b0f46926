//! Real peers for the notification tests, and the binary beside them: an SMTP server (Python's
//! aiosmtpd) and an HTTP server taking the robots' webhook JSON, both on 127.0.0.1, started by the
//! test (a missing aiosmtpd fails it; scripts/test installs it); `bangfu` on a database of either
//! backend.
#![allow(dead_code)]

use crate::common::{self, stderr, stdout};
use bangfu_store::testing::TestDatabase;
use bangfu_store::SqlStore;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A test of the binary on SQLite, and its twin on PostgreSQL (which fails rather than skips where
/// BANGFU_TEST_REQUIRE_POSTGRES is set): `$body` takes the `&Db`.
macro_rules! on_both_backends {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let t = TestDatabase::sqlite().await;
            $body(&Db::of(&t)).await;
            t.cleanup().await;
        }

        #[tokio::test]
        async fn $postgres() {
            let Some(t) = TestDatabase::postgres().await else {
                return;
            };
            $body(&Db::of(&t)).await;
            t.cleanup().await;
        }
    };
}

/// The 钉钉 加签 secret of jw's robot, which the robot peer checks.
pub const DING_SECRET: &str = "SECtest0123456789";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Python peers, killed when dropped.
pub struct Peers(pub Child);

impl Drop for Peers {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start_peers(smtp: u16, http: u16, out: &Path) -> Peers {
    start_peers_slow(smtp, http, out, 0.0)
}

pub fn start_peers_slow(smtp: u16, http: u16, out: &Path, delay: f64) -> Peers {
    start_peers_with(smtp, http, out, delay, &[])
}

/// The peers with settings in their environment (see peers.py).
pub fn start_peers_with(
    smtp: u16,
    http: u16,
    out: &Path,
    delay: f64,
    env: &[(&str, &str)],
) -> Peers {
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
        .env("PEERS_DINGTALK_SECRET", DING_SECRET)
        .envs(env.iter().copied())
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
pub fn received(dir: &Path, prefix: &str) -> Vec<String> {
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
pub struct Db {
    pub url: String,
    pub key: String,
}

impl Db {
    pub fn of(t: &TestDatabase) -> Db {
        Db {
            url: t.url.clone(),
            key: t.audit_key_file.display().to_string(),
        }
    }
}

/// The real binary on `db`, with its audit key.
pub fn bangfu(args: &[&str], db: &Db) -> Output {
    Command::new(common::BIN)
        .args(args)
        .env("BANGFU_DATABASE_URL", &db.url)
        .env("BANGFU_AUDIT_KEY_FILE", &db.key)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
        .output()
        .expect("run bangfu")
}

pub fn notify(db: &Db, smtp: u16, args: &[&str]) -> Output {
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

pub async fn store(db: &Db) -> SqlStore {
    SqlStore::connect(&db.url)
        .await
        .unwrap()
        .open_audit_key(Path::new(&db.key))
        .await
        .unwrap()
}

pub async fn submit(store: &SqlStore, unit: &str) {
    common::save_report(store, ("2018Q1", unit), &[("1.4", "1")], None).await;
    common::submit_report(store, "2018Q1", unit).await;
}

pub fn wait_for(dir: &Path, prefix: &str, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let got = received(dir, prefix);
        if got.len() >= n || start.elapsed() > Duration::from_secs(20) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `serve` with the mail server of `smtp`, delivering every 0.2 s with a 2 s lease.
pub fn serve(db: &Db, smtp: u16) -> Child {
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

/// A test CA and a certificate it issued for 127.0.0.1, made with openssl in `dir`: the CA's
/// certificate, the server's certificate and its key (PEM files).
pub fn test_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(out.status.success(), "{}", stderr(&out));
    };
    let key = ["-newkey", "rsa:2048", "-nodes", "-days", "2"];
    let ca = [
        "req",
        "-x509",
        "-subj",
        "/CN=bangfu test CA",
        "-keyout",
        "ca.key",
    ];
    openssl(&[&ca[..], &["-out", "ca.pem"], &key[..]].concat());
    let server = [
        "req",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "s.csr",
    ];
    openssl(&[&server[..], &key[..3]].concat());
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "s.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}
