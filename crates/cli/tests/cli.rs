//! The command line as a user runs it: the real binary, real files, real databases.

use bangfu_store::testing::TestDatabase;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_bangfu");
const PLAN_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../plans/daxing-2017-2020.toml"
);

fn bangfu(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BANGFU_DATABASE_URL", db)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
        .output()
        .expect("run bangfu")
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

#[test]
fn plan_check_accepts_the_built_in_plan() {
    let out = bangfu(&["plan", "check", PLAN_FILE], "sqlite://unused.db");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("方案有效"));
    assert!(stdout(&out).contains("任务 32 项"));
    assert!(
        !Path::new("unused.db").exists(),
        "plan check must not touch a database"
    );
}

#[test]
fn plan_check_names_file_and_line_of_each_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(PLAN_FILE).unwrap();
    let bad = source
        .replacen("lead = [\"wenwei\"]", "lead = [\"wenhua\"]", 1)
        .replacen("code = \"qwb\"", "code = \"fgw\"", 1);
    let line_of = |needle: &str| bad[..bad.find(needle).unwrap()].matches('\n').count() + 1;
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, &bad).unwrap();
    let out = bangfu(
        &["plan", "check", path.to_str().unwrap()],
        "sqlite://unused.db",
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    let file = path.display().to_string();
    assert!(
        err.contains(&format!("{file}:{}:", line_of("lead = [\"wenhua\"]"))),
        "{err}"
    );
    assert!(err.contains("wenhua"));
    assert!(err.contains("代码“fgw”重复"));
    assert!(err.contains("方案未通过检查"));
}

#[test]
fn plan_check_reports_unreadable_files() {
    let out = bangfu(
        &["plan", "check", "/no/such/plan.toml"],
        "sqlite://unused.db",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("无法读取文件"));
}

fn assert_plan_json_is_complete(json: &serde_json::Value) {
    let list = |key: &str| {
        json[key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key}"))
            .clone()
    };
    let units = list("units");
    assert_eq!(units.len(), 38);
    let dsb = units.iter().find(|u| u["code"] == "dsb").unwrap();
    assert_eq!(dsb["aliases"], serde_json::json!(["电商办"]));
    assert!(dsb["sort"].is_i64());
    let groups = list("groups");
    let towns = groups.iter().find(|g| g["name"] == "各镇街").unwrap();
    assert_eq!(towns["members"], serde_json::json!(["xhm", "hc"]));
    let areas = list("areas");
    let t224 = areas.iter().find(|a| a["name"] == "224团").unwrap();
    assert_eq!(t224["parent"], "bt14");
    let pairings = list("pairings");
    assert!(pairings
        .iter()
        .any(|p| p["area"] == "mjq" && p["kind_name"] == "南水北调对口协作"));
    let tasks = list("tasks");
    assert_eq!(tasks.len(), 32);
    let walnuts = tasks.iter().find(|t| t["code"] == "1.3-3").unwrap();
    assert_eq!(walnuts["lead_units"], serde_json::json!(["sww"]));
    assert_eq!(
        walnuts["cooperating_units"],
        serde_json::json!(["dsb", "bdt"])
    );
    assert_eq!(walnuts["targets"][0]["quantity"], "1");
    assert_eq!(walnuts["targets"][0]["unit"], "万吨");
    assert_eq!(walnuts["targets"][0]["calendar"], "year");
    let indicators = list("indicators");
    assert_eq!(indicators.len(), 43);
    let poor_funds = indicators.iter().find(|i| i["code"] == "1.1.1.1").unwrap();
    assert_eq!(poor_funds["label"], "其中：用于扶贫资金");
    assert_eq!(poor_funds["parent"], "1.1.1");
    assert_eq!(poor_funds["precision"], 2);
    assert_eq!(
        poor_funds["responsible_units"],
        serde_json::json!(["czj", "kfq_tcj"])
    );
    let city = indicators.iter().find(|i| i["code"] == "5.2").unwrap();
    assert_eq!(city["district_fills"], false);
    let rules = list("rules");
    assert!(rules.iter().any(|r| r["kind"] == "sum"
        && r["left"] == "1.1"
        && r["right"] == serde_json::json!(["1.1.1", "1.1.2"])));
    let periods = list("periods");
    assert_eq!(periods.len(), 12);
    assert_eq!(periods[0]["code"], "2018Q1");
    assert_eq!(periods[0]["deadline"], "2018-03-20");
}

#[test]
fn init_then_plan_show_json_lists_the_whole_plan_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let before = bangfu(&["plan", "show"], &db);
    assert!(!before.status.success());
    assert!(stderr(&before).contains("还没有载入方案"));

    let init = bangfu(&["init"], &db);
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(stdout(&init).contains("已创建管理员账号 admin"));
    let show = bangfu(&["plan", "show", "--json"], &db);
    assert!(show.status.success(), "{}", stderr(&show));
    assert_plan_json_is_complete(&serde_json::from_slice(&show.stdout).unwrap());

    let text = bangfu(&["plan", "show"], &db);
    assert!(stdout(&text).contains("牵头部门：区发改委、受援地"));
    // A second init is a no-op: no second plan, no second administrator.
    let again = bangfu(&["init"], &db);
    assert!(again.status.success());
    assert!(!stdout(&again).contains("已创建管理员账号"));
}

#[tokio::test]
async fn init_then_plan_show_json_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let url = db.url.clone();
    let key = db.audit_key_file.display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        let refused = bangfu(&["init"], &url);
        assert!(
            stderr(&refused).contains("PostgreSQL 数据库需要用 --audit-key"),
            "{}",
            stderr(&refused)
        );
        let init = bangfu(&["init", "--audit-key", &key], &url);
        assert!(init.status.success(), "{}", stderr(&init));
        bangfu(&["plan", "show", "--json"], &url)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_plan_json_is_complete(&serde_json::from_slice(&out.stdout).unwrap());
    db.cleanup().await;
}

#[test]
fn a_bad_plan_file_never_touches_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[plan]\ncode = 1\n").unwrap();
    let out = bangfu(&["init", "--plan", bad.to_str().unwrap()], &db);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.toml:2:"), "{}", stderr(&out));
    let show = bangfu(&["plan", "show"], &db);
    assert!(stderr(&show).contains("还没有载入方案"));
}

#[test]
fn another_district_loads_its_own_plan_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let other = std::fs::read_to_string(PLAN_FILE)
        .unwrap()
        .replacen("code = \"daxing-2017-2020\"", "code = \"other-2021\"", 1)
        .replacen("district = \"大兴区\"", "district = \"某某区\"", 1)
        .replacen("name = \"区旅游委\"", "name = \"区文化和旅游局\"", 1);
    let path = dir.path().join("other.toml");
    std::fs::write(&path, other).unwrap();
    let init = bangfu(&["init", "--plan", path.to_str().unwrap()], &db);
    assert!(init.status.success(), "{}", stderr(&init));
    let show = bangfu(&["plan", "show", "--json"], &db);
    let json: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(json["plan"]["code"], "other-2021");
    assert!(stdout(&show).contains("区文化和旅游局"));
    // The loaded plan stays; asking for a different one on the same database is refused.
    let serve = bangfu(&["init", "--plan", PLAN_FILE], &db);
    assert!(!serve.status.success());
    assert!(stderr(&serve).contains("--plan 只用于新数据库"));
}

#[test]
fn serve_answers_the_front_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("BANGFU_DATABASE_URL", sqlite_url(dir.path()))
        .env_remove("BANGFU_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password_line = String::new();
    let url = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if line.contains("初始密码") {
            password_line = line.clone();
        }
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    // A generated administrator password is printed once.
    let password = password_line.rsplit('：').next().unwrap_or("");
    assert_eq!(password.chars().count(), 16, "{password_line}");

    let mut stream = std::net::TcpStream::connect(&url).unwrap();
    write!(stream, "GET / HTTP/1.0\r\nHost: {url}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"));
    assert!(response.contains("察右前旗"));
}

/// Starts `bangfu serve` on a free port; returns the child and its host:port.
fn start_server(db: &str) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("BANGFU_DATABASE_URL", db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    (child, addr)
}

fn http_get(addr: &str, path: &str, bearer: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nAuthorization: Bearer {bearer}\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn users_and_api_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu(&["init"], &db).status.success());

    let reporter = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("BANGFU_DATABASE_URL", &db)
            .env("BANGFU_PASSWORD", "jw-clerk-password")
            .output()
            .unwrap()
    };
    let missing_unit = reporter(&["user", "add", "--login", "jw-clerk", "--role", "reporter"]);
    assert!(!missing_unit.status.success());
    assert!(stderr(&missing_unit).contains("--unit"));
    let bad_unit = reporter(&[
        "user", "add", "--login", "jw-clerk", "--role", "reporter", "--unit", "xx",
    ]);
    assert!(stderr(&bad_unit).contains("单位代码“xx”不在方案中"));
    let ok = reporter(&[
        "user",
        "add",
        "--login",
        "jw-clerk",
        "--role",
        "填报人",
        "--unit",
        "jw",
        "--name",
        "王老师",
        "--phone",
        "010-1",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("密码取自 BANGFU_PASSWORD"));
    let generated = Command::new(BIN)
        .args(["user", "add", "--login", "leader", "--role", "viewer"])
        .env("BANGFU_DATABASE_URL", &db)
        .env_remove("BANGFU_PASSWORD")
        .output()
        .unwrap();
    assert!(stdout(&generated).contains("初始密码（只显示这一次）"));
    let dup = reporter(&["user", "add", "--login", "jw-clerk", "--role", "viewer"]);
    assert!(!dup.status.success());
    assert!(stderr(&dup).contains("已被使用"));

    let created = bangfu(&["token", "create", "--login", "jw-clerk"], &db);
    assert!(created.status.success(), "{}", stderr(&created));
    let out = stdout(&created);
    let token = out
        .lines()
        .find(|l| l.starts_with("bf_"))
        .expect("token printed")
        .trim()
        .to_string();
    let id: String = out
        .split("编号 ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();

    let (mut server, addr) = start_server(&db);
    let me = http_get(&addr, "/api/v1/me", &token);
    assert!(me.contains(" 200 "), "{me}");
    assert!(me.contains("\"unit\":\"jw\""), "{me}");
    let own = http_get(&addr, "/api/v1/reports/2018Q1/jw", &token);
    assert!(own.contains(" 200 "), "{own}");
    let other = http_get(&addr, "/api/v1/reports/2018Q1/wjw", &token);
    assert!(other.contains(" 403 "), "{other}");

    let revoked = bangfu(&["token", "revoke", &id], &db);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let after = http_get(&addr, "/api/v1/me", &token);
    assert!(after.contains(" 401 "), "{after}");
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(!bangfu(&["token", "revoke", &id], &db).status.success());
}

#[test]
fn forms_and_tasks_export_and_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu(&["init"], &db).status.success());
    let path = |name: &str| dir.path().join(name).display().to_string();

    let district = bangfu(
        &[
            "form",
            "export",
            "--period",
            "2018Q2",
            "-o",
            &path("d.xlsx"),
        ],
        &db,
    );
    assert!(district.status.success(), "{}", stderr(&district));
    assert!(std::fs::read(path("d.xlsx")).unwrap().starts_with(b"PK"));
    let tasks = bangfu(&["tasks", "export", "-o", &path("t.xlsx")], &db);
    assert!(tasks.status.success(), "{}", stderr(&tasks));
    let unit = bangfu(
        &[
            "form",
            "export",
            "--period",
            "2018Q2",
            "--unit",
            "jw",
            "--basis",
            "quarter",
            "-o",
            &path("u.xlsx"),
        ],
        &db,
    );
    assert!(unit.status.success(), "{}", stderr(&unit));
    let bad_basis = bangfu(
        &[
            "form",
            "export",
            "--period",
            "2018Q2",
            "--basis",
            "month",
            "-o",
            &path("x.xlsx"),
        ],
        &db,
    );
    assert!(stderr(&bad_basis).contains("--basis “month”无效"));

    // The empty unit form, imported as is, changes nothing; a bad file fails with a line per error.
    let dry = bangfu(
        &[
            "form",
            "import",
            &path("u.xlsx"),
            "--period",
            "2018Q2",
            "--unit",
            "jw",
            "--dry-run",
        ],
        &db,
    );
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("预览完成：0 处修改"));
    std::fs::write(path("bad.xlsx"), b"not a spreadsheet").unwrap();
    let bad = bangfu(
        &[
            "form",
            "import",
            &path("bad.xlsx"),
            "--period",
            "2018Q2",
            "--unit",
            "jw",
        ],
        &db,
    );
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(
        err.lines().next().unwrap().contains("不是 xlsx 文件"),
        "{err}"
    );
    assert!(err.contains("未导入任何数据"));
}

/// Every row of every table, as text, in a stable order.
async fn dump(path: &Path) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
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

#[tokio::test]
async fn backup_of_a_running_database_restores_every_row() {
    use bangfu_store::{ReportStore, SaveReport};
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let run = |args: Vec<String>, db: String| async move {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            bangfu(&args, &db)
        })
        .await
        .unwrap()
    };
    assert!(run(vec!["init".into()], db.clone()).await.status.success());
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
            })
            .await
            .unwrap_or_else(|e| panic!("{unit}: {e}"));
    }
    let backup = dir.path().join("backup.db");
    let out = run(
        vec!["backup".into(), backup.display().to_string()],
        db.clone(),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let again = run(
        vec!["backup".into(), backup.display().to_string()],
        db.clone(),
    )
    .await;
    assert!(stderr(&again).contains("已存在"));
    store.close().await;

    let restored_dir = tempfile::tempdir().unwrap();
    let restored_db = sqlite_url(restored_dir.path());
    let out = run(
        vec!["restore".into(), backup.display().to_string()],
        restored_db.clone(),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let original = dump(&dir.path().join("bangfu.db")).await;
    let restored = dump(&restored_dir.path().join("bangfu.db")).await;
    assert!(original.iter().any(|r| r.starts_with("report_values: ")));
    assert_eq!(original, restored);
    // The audit key is kept apart from the database; it goes along with a restore elsewhere.
    std::fs::copy(
        dir.path().join("audit.key"),
        restored_dir.path().join("audit.key"),
    )
    .unwrap();
    let verify = run(vec!["audit".into(), "verify".into()], restored_db.clone()).await;
    assert!(verify.status.success(), "{}", stderr(&verify));

    // Restoring over an existing database needs --force and keeps the old one.
    let refused = run(
        vec!["restore".into(), backup.display().to_string()],
        restored_db.clone(),
    )
    .await;
    assert!(stderr(&refused).contains("--force"));
    let forced = run(
        vec![
            "restore".into(),
            backup.display().to_string(),
            "--force".into(),
        ],
        restored_db.clone(),
    )
    .await;
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(stdout(&forced).contains("原数据库已改名保留"));
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let bad = run(
        vec![
            "restore".into(),
            junk.display().to_string(),
            "--force".into(),
        ],
        restored_db,
    )
    .await;
    assert!(!bad.status.success());
}

/// A minimal HTTP/1.0 request: (status, body). Errors (a killed server) are `None`.
fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> Option<(u16, String)> {
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

#[test]
fn acknowledged_saves_survive_fifty_kills() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu(&["init"], &db).status.success());
    let units = ["jw", "wjw", "czj", "xcb"];
    let rows = ["1.3", "1.4", "1.1.1", "5.1"];
    let mut tokens = Vec::new();
    for unit in units {
        let login = format!("{unit}-clerk");
        assert!(bangfu(
            &["user", "add", "--login", &login, "--role", "reporter", "--unit", unit],
            &db
        )
        .status
        .success());
        let out = stdout(&bangfu(&["token", "create", "--login", &login], &db));
        tokens.push(
            out.lines()
                .find(|l| l.starts_with("bf_"))
                .unwrap()
                .trim()
                .to_string(),
        );
    }
    // Per unit: the last value the server acknowledged, and the last one sent.
    let mut acked = [0u64; 4];
    let mut sent = [0u64; 4];
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    for round in 0..50 {
        let (mut server, addr) = start_server(&db);
        // After a restart, what the server holds is what it acknowledged (or the one in flight).
        for (i, unit) in units.iter().enumerate() {
            let (status, body) = http(
                &addr,
                "GET",
                &format!("/api/v1/reports/2018Q1/{unit}"),
                &tokens[i],
                "",
            )
            .expect("server answers after restart");
            assert_eq!(status, 200, "{body}");
            let stored: u64 = serde_json::from_str::<serde_json::Value>(&body).unwrap()["values"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["indicator"] == rows[i])
                .and_then(|v| v["value"].as_str()?.parse().ok())
                .unwrap_or(0);
            assert!(
                stored >= acked[i] && stored <= sent[i].max(acked[i]),
                "round {round}, {unit}: stored {stored}, acknowledged {}, sent {}",
                acked[i],
                sent[i]
            );
            acked[i] = stored;
            sent[i] = stored;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let run_for = std::time::Duration::from_millis(30 + seed % 150);
        let results: Vec<(u64, u64)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..units.len())
                .map(|i| {
                    let addr = addr.clone();
                    let token = tokens[i].clone();
                    let (unit, row, start) = (units[i], rows[i], acked[i]);
                    scope.spawn(move || {
                        let (mut ok, mut tried) = (start, start);
                        loop {
                            let next = tried + 1;
                            tried = next;
                            let body = format!(
                                r#"{{"values":[{{"indicator":"{row}","value":"{next}"}}]}}"#
                            );
                            match http(
                                &addr,
                                "PUT",
                                &format!("/api/v1/reports/2018Q1/{unit}/values"),
                                &token,
                                &body,
                            ) {
                                Some((200, _)) => ok = next,
                                Some((status, body)) => panic!("save refused: {status} {body}"),
                                None => return (ok, tried),
                            }
                        }
                    })
                })
                .collect();
            std::thread::sleep(run_for);
            server.kill().unwrap();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        server.wait().unwrap();
        for (i, (ok, tried)) in results.into_iter().enumerate() {
            acked[i] = ok;
            sent[i] = tried;
        }
    }
    assert!(acked.iter().all(|a| *a > 10), "saves happened: {acked:?}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let integrity = rt.block_on(async {
        let store = bangfu_store::SqlStore::connect(&db).await.unwrap();
        store.integrity_check().await.unwrap()
    });
    assert_eq!(integrity, "ok");
    let verify = bangfu(&["audit", "verify"], &db);
    assert!(verify.status.success(), "{}", stderr(&verify));
}

#[test]
fn assess_prints_every_units_score_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu(&["init"], &db).status.success());
    let text = bangfu(&["assess", "--year", "2018"], &db);
    assert!(text.status.success(), "{}", stderr(&text));
    // 2018 is over: four quarters due, nothing reported.
    assert!(stdout(&text).contains("应报 4 期，已报 0 期"));
    let json = bangfu(&["assess", "--year", "2018", "--json"], &db);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["units"].as_array().unwrap().len(), 38);
    assert_eq!(v["units"][0]["parts"][0]["name"], "报送完整");
    let bad = bangfu(&["assess", "--year", "2031"], &db);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("2031 年不在本方案的报送年份内"));
}
