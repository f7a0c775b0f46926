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
    let registries = list("registries");
    let pairings = registries.iter().find(|r| r["code"] == "pairings").unwrap();
    assert_eq!(pairings["name"], "结对关系");
    assert_eq!(pairings["fields"][0]["type"], "choice");
    assert_eq!(pairings["fields"][0]["required"], true);
    assert_eq!(pairings["feeds"][0]["indicator"], "1.3");
    assert_eq!(pairings["feeds"][0]["measure"], "active_at_end");
    assert_eq!(pairings["feeds"][0]["date_field"], "signed_on");
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
