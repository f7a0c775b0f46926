//! Durability: a server killed without warning (SIGKILL) loses no acknowledged save.
//!
//! SIGKILL leaves the page cache alone, so even `synchronous=OFF` would pass the read-back
//! checks: the test also asserts the settings the running server reports for its own store.

mod common;

use common::*;
use std::collections::BTreeMap;

const UNITS: [&str; 4] = ["jw", "wjw", "czj", "xcb"];
const ROWS: [&str; 4] = ["1.3", "1.4", "1.1.1", "5.1"];

/// Each unit's stored value of its row, read through the API of a freshly started server.
fn read_back(addr: &str, tokens: &[String]) -> [u64; 4] {
    let mut stored = [0; 4];
    for (i, unit) in UNITS.iter().enumerate() {
        let (status, body) = http(
            addr,
            "GET",
            &format!("/api/v1/reports/2018Q1/{unit}"),
            &tokens[i],
            "",
        )
        .expect("server answers after restart");
        assert_eq!(status, 200, "{body}");
        stored[i] = serde_json::from_str::<serde_json::Value>(&body).unwrap()["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["indicator"] == ROWS[i])
            .and_then(|v| v["value"].as_str()?.parse().ok())
            .unwrap_or(0);
    }
    stored
}

/// The server must run SQLite in WAL mode with synchronous=FULL: what survives SIGKILL with
/// less may not survive a power cut.
fn assert_durable_settings(server: &Server) {
    let line = server
        .banner
        .iter()
        .find(|l| l.contains("journal_mode="))
        .unwrap_or_else(|| {
            panic!(
                "the server reports its SQLite settings: {:?}",
                server.banner
            )
        });
    assert!(line.contains("journal_mode=wal"), "{line}");
    assert!(line.contains("synchronous=FULL"), "{line}");
}

fn reporters_with_tokens(db: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for unit in UNITS {
        let login = format!("{unit}-clerk");
        assert!(bangfu(
            &["user", "add", "--login", &login, "--role", "reporter", "--unit", unit],
            db
        )
        .status
        .success());
        let out = stdout(&bangfu(&["token", "create", "--login", &login], db));
        tokens.push(
            out.lines()
                .find(|l| l.starts_with("bf_"))
                .unwrap()
                .trim()
                .to_string(),
        );
    }
    tokens
}

/// Saves 1, 2, 3, … to one unit's row from `start + 1` until the server stops answering;
/// returns (last acknowledged, last sent).
fn save_until_killed(addr: &str, token: &str, unit: &str, row: &str, start: u64) -> (u64, u64) {
    let (mut ok, mut tried) = (start, start);
    loop {
        let next = tried + 1;
        tried = next;
        let body = format!(r#"{{"values":[{{"indicator":"{row}","value":"{next}"}}]}}"#);
        let path = format!("/api/v1/reports/2018Q1/{unit}/values");
        match http(addr, "PUT", &path, token, &body) {
            Some((200, _)) => ok = next,
            Some((status, body)) => panic!("save refused: {status} {body}"),
            None => return (ok, tried),
        }
    }
}

/// Per unit and row, the values the audit log records as saved, in order.
fn audited_values(db: &str) -> BTreeMap<String, Vec<u64>> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rows: Vec<(String, Option<String>)> = rt.block_on(async {
        let store = bangfu_store::SqlStore::connect(db).await.unwrap();
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        store.close().await;
        let path = db.strip_prefix("sqlite://").unwrap();
        let pool = sqlite_pool(std::path::Path::new(path)).await;
        let rows = sqlx::query_as(
            "SELECT entity_key, new_value FROM audit_log WHERE action = 'report.values' ORDER BY seq",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows
    });
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    // Each save's entry lists the values it changed: {"row": "value"}.
    for (report, values) in rows {
        let values: BTreeMap<String, String> =
            serde_json::from_str(&values.unwrap_or_default()).unwrap();
        for (row, value) in values {
            let key = format!("{report}/{row}");
            out.entry(key).or_default().push(value.parse().unwrap_or(0));
        }
    }
    out
}

#[test]
fn acknowledged_saves_survive_fifty_kills() {
    saves_survive_kills(50, &[]);
}

/// The same with audit entries queued and chained after each commit (as `serve` does on
/// PostgreSQL): a kill between a commit and its chaining leaves entries queued, which the next
/// start chains, none lost and none twice.
#[test]
fn queued_audit_entries_survive_twenty_kills() {
    saves_survive_kills(20, &[("BANGFU_AUDIT_CHAINING", "queued")]);
}

fn saves_survive_kills(rounds: u32, env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu(&["init"], &db).status.success());
    let tokens = reporters_with_tokens(&db);
    // Per unit: the last value the server acknowledged, and the last one sent.
    let mut acked = [0u64; 4];
    let mut sent = [0u64; 4];
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    for round in 0..=rounds {
        let server = Server::start_with(&db, env);
        assert_durable_settings(&server);
        // After a restart, what the server holds is what it acknowledged (or the one in flight).
        let stored = read_back(&server.addr, &tokens);
        for i in 0..UNITS.len() {
            assert!(
                stored[i] == acked[i] || stored[i] == sent[i] && sent[i] == acked[i] + 1,
                "round {round}, {}: stored {}, acknowledged {}, sent {}",
                UNITS[i],
                stored[i],
                acked[i],
                sent[i]
            );
        }
        acked = stored;
        sent = stored;
        if round == rounds {
            server.kill();
            break;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let run_for = std::time::Duration::from_millis(30 + seed % 150);
        let Server {
            mut child, addr, ..
        } = server;
        let results: Vec<(u64, u64)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..UNITS.len())
                .map(|i| {
                    let (addr, token, start) = (&addr, &tokens[i], acked[i]);
                    scope.spawn(move || save_until_killed(addr, token, UNITS[i], ROWS[i], start))
                })
                .collect();
            std::thread::sleep(run_for);
            child.kill().unwrap();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        child.wait().unwrap();
        for (i, (ok, tried)) in results.into_iter().enumerate() {
            acked[i] = ok;
            sent[i] = tried;
        }
    }
    assert!(acked.iter().all(|a| *a > 10), "saves happened: {acked:?}");

    // One audit entry per save that took effect: every acknowledged value 1..=acked (plus a
    // save in flight at a kill that committed), none missing, none twice.
    let audited = audited_values(&db);
    for (i, unit) in UNITS.iter().enumerate() {
        let key = format!("2018Q1/{unit}/{}", ROWS[i]);
        let expected: Vec<u64> = (1..=acked[i]).collect();
        assert_eq!(audited.get(&key), Some(&expected), "{key}");
    }
    let verify = bangfu(&["audit", "verify"], &db);
    assert!(verify.status.success(), "{}", stderr(&verify));
}
