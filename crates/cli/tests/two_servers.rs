//! Several servers, one PostgreSQL (issue 18): two real `bangfu serve` processes on one database,
//! requests alternating between them as a load balancer would send them. Whatever one server
//! learns (an upload waiting for its confirmation, failed logins, a saved report, a session, a
//! token) the other must know, because it is in the database and not in a process's memory.
//! They start together on a new database, as a deployment may start them: one loads the plan and
//! creates `admin`, the other uses them.

mod common;

use bangfu_domain::login_throttle::PER_ACCOUNT_AND_ADDRESS;
use bangfu_store::testing::TestDatabase;
use bangfu_store::{AuditStore, PlanStore};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PASSWORD: &str = "a-long-test-password";

/// A `bangfu serve` on a free port of 127.0.0.1, killed when dropped (also when a test fails).
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn start(url: &str, key: &str, log: &std::path::Path) -> Serve {
        let mut child = Command::new(common::BIN)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("BANGFU_DATABASE_URL", url)
            .env("BANGFU_AUDIT_KEY_FILE", key)
            .env("BANGFU_ADMIN_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("start bangfu serve");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = Vec::new();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(log).unwrap_or_default();
                panic!("bangfu serve stopped before printing its address: {banner:?}\n{log}");
            };
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
            banner.push(line);
        };
        // Keep reading what it prints, so that a later line never meets a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Serve { child, addr }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text()))
    }

    /// The first value of a header, by its lower-case name.
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim())
        })
    }
}

/// One HTTP/1.0 request (the connection closes after the answer).
fn send(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("an answer");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete answer");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        head,
        body: response[split + 4..].to_vec(),
    }
}

/// Who is asking: a session (its cookie and CSRF token) or an API token.
enum As<'a> {
    Session(&'a Session),
    Token(&'a str),
    Nobody,
}

impl As<'_> {
    fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            As::Session(s) => vec![
                ("Cookie", s.cookie.clone()),
                ("X-CSRF-Token", s.csrf.clone()),
            ],
            As::Token(t) => vec![("Authorization", format!("Bearer {t}"))],
            As::Nobody => Vec::new(),
        }
    }
}

fn json_call(addr: &str, method: &str, path: &str, who: As<'_>, body: Option<Value>) -> Answer {
    let mut headers = who.headers();
    let body = body.map_or_else(Vec::new, |b| b.to_string().into_bytes());
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json".into()));
    }
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(addr, method, path, &headers, &body)
}

/// A page form post with the session's cookie and the CSRF token as a field.
fn form_post(addr: &str, path: &str, session: &Session, fields: &[(&str, &str)]) -> Answer {
    let mut body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}&", encode(v)))
        .collect();
    body.push_str(&format!("csrf={}", session.csrf));
    send(
        addr,
        "POST",
        path,
        &[
            ("Cookie", &session.cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body.as_bytes(),
    )
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A logged-in session: `bangfu_session=…` and its CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

fn login(addr: &str, login: &str, password: &str) -> Answer {
    json_call(
        addr,
        "POST",
        "/api/v1/login",
        As::Nobody,
        Some(json!({"login": login, "password": password})),
    )
}

fn session_on(addr: &str, user: &str) -> Session {
    let answer = login(addr, user, PASSWORD);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let cookie = answer
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    assert!(cookie.starts_with("bangfu_session="), "{cookie}");
    let csrf = answer.json()["csrf_token"].as_str().unwrap().to_string();
    Session { cookie, csrf }
}

fn add_user(url: &str, key: &str, login: &str, role: &str, unit: Option<&str>) {
    let mut args = vec!["user", "add", "--login", login, "--role", role];
    if let Some(unit) = unit {
        args.extend(["--unit", unit]);
    }
    let out = Command::new(common::BIN)
        .args(&args)
        .env("BANGFU_DATABASE_URL", url)
        .env("BANGFU_AUDIT_KEY_FILE", key)
        .env("BANGFU_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
}

/// A report's stored value of a row, as the API gives it.
fn value_of(report: &Value, indicator: &str) -> Option<String> {
    report["values"]
        .as_array()?
        .iter()
        .find(|v| v["indicator"] == indicator)
        .and_then(|v| v["value"].as_str().map(str::to_string))
}

/// The district total and 区教委's share of a row in a summary.
fn summary_row(summary: &Value, indicator: &str) -> (Value, Value) {
    let row = summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == indicator)
        .unwrap_or_else(|| panic!("row {indicator} in {summary}"));
    (row["total"].clone(), row["by_unit"]["jw"].clone())
}

#[tokio::test]
async fn two_servers_on_one_postgres_share_every_state() {
    let Some(t) = TestDatabase::postgres().await else {
        return;
    };
    let key = t.audit_key_file.display().to_string();
    let logs = tempfile::tempdir().unwrap();
    // Both start at once on the new database: one loads the plan and creates `admin`, the other
    // finds them (or waits for them), as when a deployment starts every server together.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Serve::start(&t.url, &key, &logs.path().join("a.log")));
        let b = s.spawn(|| Serve::start(&t.url, &key, &logs.path().join("b.log")));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.addr, b.addr);
    let plan = t.store.plan().await.unwrap().expect("the plan is loaded");
    let audit = t.store.audit_entries(100).await.unwrap();
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("plan.load"), 1, "the plan is loaded once");
    assert_eq!(count("user.create"), 1, "admin is created once");
    add_user(&t.url, &key, "jw-clerk", "reporter", Some("jw"));
    add_user(&t.url, &key, "wjw-clerk", "reporter", Some("wjw"));
    add_user(&t.url, &key, "coordinator", "coordinator", None);

    import_previewed_on_one_confirmed_on_the_other(&a.addr, &b.addr, &plan);
    failed_logins_throttle_on_both(&a.addr, &b.addr);
    saved_on_one_summed_on_the_other(&a.addr, &b.addr);
    sessions_and_tokens_hold_on_both(&a.addr, &b.addr);

    drop((a, b));
    t.cleanup().await;
}

/// 1. An Excel import previewed on A is confirmed on B; A reads the values back.
fn import_previewed_on_one_confirmed_on_the_other(a: &str, b: &str, plan: &bangfu_domain::Plan) {
    let jw = session_on(a, "jw-clerk");
    let sheet = bangfu_xlsx::FormSheet {
        sheet_name: plan.party_name("jw").to_string(),
        subtitle: String::new(),
        header: Default::default(),
        values: [("1.3", "4"), ("1.7", "1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect(),
    };
    let workbook = bangfu_xlsx::form_workbook(plan, &[sheet]).unwrap();
    let boundary = "TwoServersBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"jw.xlsx\"\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&workbook);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let preview = send(
        a,
        "POST",
        &format!("/reports/2018Q2/jw/import?csrf={}", jw.csrf),
        &[("Cookie", &jw.cookie), ("Content-Type", &content_type)],
        &body,
    );
    let page = preview.text();
    assert_eq!(preview.status, 200, "{page}");
    assert!(page.contains("确认导入"), "{page}");
    let token = page
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| panic!("a confirmation token: {page}"))
        .to_string();
    let before = json_call(
        a,
        "GET",
        "/api/v1/reports/2018Q2/jw",
        As::Session(&jw),
        None,
    );
    assert_eq!(before.status, 200, "{}", before.text());
    assert_eq!(
        value_of(&before.json(), "1.3"),
        None,
        "a preview writes nothing"
    );

    // The confirmation lands on the other server.
    let confirmed = form_post(
        b,
        "/reports/2018Q2/jw/import/confirm",
        &jw,
        &[("token", &token)],
    );
    assert_eq!(confirmed.status, 303, "{}", confirmed.text());
    assert_eq!(
        confirmed.header("location"),
        Some("/reports/2018Q2/jw?msg=imported")
    );
    let after = json_call(
        a,
        "GET",
        "/api/v1/reports/2018Q2/jw",
        As::Session(&jw),
        None,
    );
    assert_eq!(after.status, 200, "{}", after.text());
    let report = after.json();
    assert_eq!(value_of(&report, "1.3").as_deref(), Some("4"), "{report}");
    assert_eq!(value_of(&report, "1.7").as_deref(), Some("1"), "{report}");
    assert_eq!(report["history"][0]["action"], "import", "{report}");

    // The token was spent on B: A, where the preview was made, no longer takes it either.
    let again = form_post(
        a,
        "/reports/2018Q2/jw/import/confirm",
        &jw,
        &[("token", &token)],
    );
    assert_eq!(again.status, 400, "{}", again.text());
    assert!(again.text().contains("导入预览已过期"), "{}", again.text());
}

/// 2. Failed logins on A until the throttle engages; B then refuses the same login alike, even
///    with the right password, though it never saw a failure itself.
fn failed_logins_throttle_on_both(a: &str, b: &str) {
    for attempt in 1..=PER_ACCOUNT_AND_ADDRESS {
        let failed = login(a, "wjw-clerk", "not-the-password");
        assert_eq!(failed.status, 401, "attempt {attempt}: {}", failed.text());
        assert_eq!(failed.json()["error"], "登录名或密码错误");
    }
    let throttled = login(a, "wjw-clerk", "not-the-password");
    assert_eq!(throttled.status, 429, "{}", throttled.text());
    let refusal = throttled.json();
    assert!(
        refusal["error"]
            .as_str()
            .unwrap()
            .starts_with("登录失败次数过多"),
        "{refusal}"
    );
    for password in [PASSWORD, "not-the-password"] {
        let on_b = login(b, "wjw-clerk", password);
        assert_eq!(on_b.status, 429, "{}", on_b.text());
        assert_eq!(on_b.json(), refusal);
        assert!(
            on_b.header("set-cookie").is_none(),
            "no session when throttled"
        );
    }
    // The throttle is for that login from that address: another account still logs in on B.
    let other = login(b, "coordinator", PASSWORD);
    assert_eq!(other.status, 200, "{}", other.text());
}

/// 3. A report saved (then submitted) on A is in the district summary on B.
fn saved_on_one_summed_on_the_other(a: &str, b: &str) {
    let jw = session_on(a, "jw-clerk");
    let coordinator = session_on(b, "coordinator");
    let summary = |query: &str| {
        let answer = json_call(
            b,
            "GET",
            &format!("/api/v1/summary/2018Q1{query}"),
            As::Session(&coordinator),
            None,
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    };
    let (total, _) = summary_row(&summary("?include_drafts=true"), "4.2");
    assert_eq!(total, Value::Null, "nothing reported yet");

    let values: Vec<Value> = [
        ("1.3", "3"),
        ("1.7", "0"),
        ("4.2", "12"),
        ("4.2.1", "10"),
        ("4.2.2", "2"),
    ]
    .iter()
    .map(|(i, v)| json!({"indicator": i, "value": v}))
    .collect();
    let body = json!({
        "values": values,
        "narrative": {"progress": "选派教师", "problems": "", "next_steps": ""},
    });
    let path = "/api/v1/reports/2018Q1/jw";
    let saved = json_call(
        a,
        "PUT",
        &format!("{path}/values"),
        As::Session(&jw),
        Some(body),
    );
    assert_eq!(saved.status, 200, "{}", saved.text());
    // The draft counts where drafts are asked for, and only there.
    let drafts = summary("?include_drafts=true");
    assert_eq!(
        summary_row(&drafts, "4.2"),
        (json!("12"), json!("12")),
        "{drafts}"
    );
    assert_eq!(summary_row(&summary(""), "4.2").0, Value::Null);

    let submitted = json_call(
        a,
        "POST",
        &format!("{path}/submit"),
        As::Session(&jw),
        Some(json!({})),
    );
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    let reported = summary("");
    assert_eq!(
        summary_row(&reported, "4.2"),
        (json!("12"), json!("12")),
        "{reported}"
    );
    assert_eq!(summary_row(&reported, "4.2.1").0, json!("10"), "{reported}");
}

/// 4. A session and an API token made on A work on B; revoking the token and logging out on B
///    end them on A.
fn sessions_and_tokens_hold_on_both(a: &str, b: &str) {
    let jw = session_on(a, "jw-clerk");
    let me = json_call(b, "GET", "/api/v1/me", As::Session(&jw), None);
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["login"], "jw-clerk");
    assert_eq!(me.json()["csrf_token"], jw.csrf.as_str());
    let home = send(b, "GET", "/home", &[("Cookie", &jw.cookie)], b"");
    assert_eq!(home.status, 200, "{}", home.text());

    // A token made on A's page …
    let created = form_post(a, "/account/tokens", &jw, &[("label", "两台服务器")]);
    let page = created.text();
    assert_eq!(created.status, 200, "{page}");
    let secret: String = page
        .split("<code>bf_")
        .nth(1)
        .map(|s| s.chars().take_while(char::is_ascii_hexdigit).collect())
        .unwrap_or_else(|| panic!("the new token: {page}"));
    let secret = format!("bf_{secret}");
    let id = page
        .split("data-token=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let by_token = json_call(b, "GET", "/api/v1/me", As::Token(&secret), None);
    assert_eq!(by_token.status, 200, "{}", by_token.text());
    assert_eq!(by_token.json()["login"], "jw-clerk");
    // … revoked on B, is refused on A.
    let revoked = form_post(b, &format!("/account/tokens/{id}/revoke"), &jw, &[]);
    assert_eq!(revoked.status, 303, "{}", revoked.text());
    let refused = json_call(a, "GET", "/api/v1/me", As::Token(&secret), None);
    assert_eq!(refused.status, 401, "{}", refused.text());

    // Logging out on B ends the session on A.
    let out = json_call(b, "POST", "/api/v1/logout", As::Session(&jw), None);
    assert_eq!(out.status, 200, "{}", out.text());
    let gone = json_call(a, "GET", "/api/v1/me", As::Session(&jw), None);
    assert_eq!(gone.status, 401, "{}", gone.text());
    let page = send(a, "GET", "/home", &[("Cookie", &jw.cookie)], b"");
    assert_eq!(page.status, 303, "{}", page.text());
    assert!(
        page.header("location")
            .is_some_and(|l| l.starts_with("/login")),
        "{}",
        page.head
    );
}
