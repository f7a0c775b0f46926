//! Notifications with real peers (see notify_peers): reminders before, on and after the
//! deadline, a return and an approval, an SMTP outage, robots, and a mail server over STARTTLS.

mod common;
#[macro_use]
mod notify_peers;

use bangfu_domain::report::WorkflowAction;
use bangfu_store::testing::TestDatabase;
use bangfu_store::{NotifyStore, PlanStore, SqlStore};
use common::{stderr, stdout};
use notify_peers::*;
use std::path::Path;
use std::process::Command;

on_both_backends!(
    reminders_returns_and_an_smtp_outage_reach_people_once,
    reminders_returns_and_an_smtp_outage_reach_people_once_on_postgres,
    reminders_returns_and_an_smtp_outage
);
/// Three units' clerks with e-mail (wjw has submitted), a fourth who keeps only in-app notices,
/// a coordinator with e-mail, and jw's signed 钉钉 robot at `hook`.
async fn people_and_robot(db: &Db, hook: &str) -> SqlStore {
    assert!(bangfu(&["init"], db).status.success());
    for (login, unit) in [
        ("jw1", "jw"),
        ("wjw1", "wjw"),
        ("czj1", "czj"),
        ("jw2", "jw"),
    ] {
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
    let added = bangfu(
        &[
            "user",
            "add",
            "--login",
            "fgw",
            "--role",
            "coordinator",
            "--email",
            "fgw@daxing.example",
        ],
        db,
    );
    assert!(added.status.success(), "{}", stderr(&added));
    // jw2 turns e-mail off: from now on only in-app notices.
    let off = bangfu(
        &[
            "user",
            "contact",
            "--login",
            "jw2",
            "--phone",
            "010-69243000",
            "--channels",
            "app",
        ],
        db,
    );
    assert!(
        stdout(&off).contains("通知渠道 站内通知"),
        "{}",
        stdout(&off)
    );
    for bad in [
        vec![
            "user", "add", "--login", "x1", "--role", "viewer", "--email", "nope",
        ],
        vec!["user", "contact", "--login", "jw2", "--phone", "69243000转"],
    ] {
        let out = bangfu(&bad, db);
        assert!(!out.status.success());
        let text = stderr(&out);
        assert!(
            text.contains("--email：邮箱“nope”不是有效的邮箱地址")
                || text.contains("--phone：电话“69243000转”无效"),
            "{text}"
        );
    }
    let robot = bangfu(
        &[
            "notify",
            "robot",
            "--unit",
            "jw",
            "--flavor",
            "dingtalk",
            "--url",
            hook,
            "--secret",
            DING_SECRET,
        ],
        db,
    );
    assert!(stdout(&robot).contains("（加签）"), "{}", stderr(&robot));
    let s = store(db).await;
    let jw2 = bangfu_store::UserStore::user_by_login(&s, "jw2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(jw2.phone, "010-69243000");
    submit(&s, "wjw").await;
    s
}

async fn reminders_returns_and_an_smtp_outage(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    std::fs::create_dir(&out).unwrap();
    let (smtp, http) = (free_port(), free_port());
    let hook = format!("http://127.0.0.1:{http}/signed/robot?access_token=jw");
    let s = people_and_robot(db, &hook).await;
    let plan = s.plan().await.unwrap().unwrap();
    let units = bangfu_domain::summary::reporting_units(&plan).len();
    assert!(units > 3);

    // A dry run lists what is due and records nothing.
    let dry = notify(db, smtp, &["run", "--as-of", "2018-03-13", "--dry-run"]);
    assert!(
        stdout(&dry).contains("到期\tdeadline:2018Q1:before7:jw\t电子邮件\tjw1@daxing.example"),
        "{}",
        stdout(&dry)
    );
    assert!(stdout(&dry).contains("（--dry-run：未记录、未发送）"));
    assert!(s.deliveries(None, 100).await.unwrap().is_empty());

    // The mail server and the robot are down: everything stays pending. Every unit without a
    // submitted report is due a reminder; the one that submitted is not.
    let first = notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    let summary = format!("到期提醒 {} 项", units - 1);
    assert!(stdout(&first).contains(&summary), "{}", stdout(&first));
    assert!(
        !stdout(&first).contains("before7:wjw"),
        "{}",
        stdout(&first)
    );
    assert!(
        stdout(&first).contains("失败待重试 3"),
        "{}",
        stdout(&first)
    );
    let pending = s.deliveries(Some("pending"), 100).await.unwrap();
    assert_eq!(pending.len(), 3, "two e-mails and jw's robot");
    assert_eq!(s.unread_notices("jw1").await.unwrap(), 1);
    assert_eq!(s.unread_notices("jw2").await.unwrap(), 1, "in-app only");
    assert_eq!(s.unread_notices("wjw1").await.unwrap(), 0);

    // They come back: the next run delivers them, once; a run after that sends nothing new.
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
    assert!(!all.contains("jw2@"), "e-mail turned off");
    the_mail_and_the_robot_message_as_received(&s, &mails, &received(&out, "hook")).await;
    let third = notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    assert!(stdout(&third).contains("成功 0"), "{}", stdout(&third));
    assert_eq!(received(&out, "mail").len(), 2);

    a_return_and_an_approval(db, smtp, &s, plan, &out).await;
    the_deadline_day_and_overdue(db, smtp, units, &out);
}

/// jw1's reminder as the mail server got it (From, Message-ID, period, deadline, link), and
/// jw's robot message as the robot got it (signed, footer). Printed for the note.
async fn the_mail_and_the_robot_message_as_received(
    s: &SqlStore,
    mails: &[String],
    hooks: &[String],
) {
    let jw1 = mails
        .iter()
        .find(|m| m.starts_with("To: jw1@"))
        .expect("jw1's mail");
    let from = jw1.lines().find(|l| l.starts_with("From: ")).unwrap();
    assert!(from.ends_with("<fgw@daxing.example>"), "{from}");
    let row = s
        .deliveries(Some("sent"), 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.address == "jw1@daxing.example")
        .unwrap();
    let id = format!(
        "Message-ID: <outbox-{}-deadline.2018Q1.before7.jw@bangfu>",
        row.id
    );
    assert!(jw1.contains(&id), "{jw1}");
    assert!(
        jw1.contains("2018年3月20日") && jw1.contains("https://bangfu.example/reports/2018Q1/jw")
    );
    assert_eq!(hooks.len(), 1);
    let (path, body) = hooks[0].split_once('\n').unwrap();
    assert!(
        path.starts_with("/signed/robot?access_token=jw&timestamp=") && path.contains("&sign="),
        "{path}"
    );
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
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
    assert!(text.ends_with("——帮扶协作管理系统提醒"), "{text}");
    println!("received e-mail:\n{jw1}\nwebhook body:\n{}", hooks[0]);
}

/// The coordinator returns czj's report through the application: czj's clerk gets the reason;
/// czj submits again and the coordinator approves: the clerk gets 审核通过 with the link.
async fn a_return_and_an_approval(
    db: &Db,
    smtp: u16,
    s: &SqlStore,
    plan: bangfu_domain::Plan,
    out: &Path,
) {
    submit(s, "czj").await;
    let coordinator = bangfu_store::UserStore::user_by_login(s, "fgw")
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
    let step = |action, reason| {
        bangfu_app::reporting::transition(&ctx, &actor, "2018Q1", "czj", action, reason, None)
    };
    step(WorkflowAction::Return, "第1.4行与上季度不符")
        .await
        .unwrap();
    notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    let mails = wait_for(out, "mail", 3);
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

    submit(s, "czj").await;
    step(WorkflowAction::Approve, "").await.unwrap();
    notify(db, smtp, &["run", "--as-of", "2018-03-13"]);
    let mails = wait_for(out, "mail", 4);
    assert_eq!(mails.len(), 4);
    assert!(mails[3].starts_with("To: czj1@daxing.example"));
    assert!(
        mails[3].contains("Subject: 【审核通过】2018年第一季度进展情况已审核通过"),
        "{}",
        mails[3]
    );
    assert!(mails[3].contains("https://bangfu.example/reports/2018Q1/czj"));
}

/// The received mails whose decoded subject contains `subject`, to whom.
fn mails_about(out: &Path, subject: &str) -> Vec<String> {
    received(out, "mail")
        .iter()
        .filter(|m| {
            m.split("\n--decoded--\n")
                .nth(1)
                .is_some_and(|d| d.lines().next().unwrap_or("").contains(subject))
        })
        .map(|m| {
            m.lines()
                .next()
                .unwrap()
                .trim_start_matches("To: ")
                .to_string()
        })
        .collect()
}

/// Two days before the deadline, on it, and after it, jw (the one unit with a clerk still not
/// submitted) is told once each; after it the coordinator gets the late list; the day after
/// nothing new.
fn the_deadline_day_and_overdue(db: &Db, smtp: u16, units: usize, out: &Path) {
    notify(db, smtp, &["run", "--as-of", "2018-03-18"]);
    let jw = vec!["jw1@daxing.example".to_string()];
    assert_eq!(
        mails_about(out, "【报送提醒】2018年第一季度进展情况距截止还有 2 天"),
        jw
    );
    notify(db, smtp, &["run", "--as-of", "2018-03-20"]);
    assert_eq!(
        mails_about(out, "【今日截止】2018年第一季度进展情况今天截止报送"),
        jw
    );
    let overdue = notify(db, smtp, &["run", "--as-of", "2018-03-21"]);
    assert!(stdout(&overdue).contains("成功 3"), "{}", stdout(&overdue));
    assert_eq!(
        mails_about(out, "【已逾期】2018年第一季度进展情况尚未报送"),
        jw
    );
    // Late: every unit but wjw (submitted) and czj (approved).
    let late = format!("【逾期名单】2018年第一季度尚有 {} 个单位未报送", units - 2);
    assert_eq!(mails_about(out, &late), vec!["fgw@daxing.example"]);
    let list = received(out, "mail")
        .into_iter()
        .find(|m| m.starts_with("To: fgw@"))
        .unwrap();
    let list = list.split("\n--decoded--\n").nth(1).unwrap();
    let names: Vec<&str> = list.lines().nth(2).unwrap().split('、').collect();
    assert_eq!(names.len(), units - 2, "{list}");
    assert!(
        names.contains(&"区教委") && !names.contains(&"区卫计委") && !names.contains(&"区财政局"),
        "{list}"
    );
    let before = received(out, "mail").len();
    let after = notify(db, smtp, &["run", "--as-of", "2018-03-22"]);
    assert!(stdout(&after).contains("新增 0 条"), "{}", stdout(&after));
    assert!(stdout(&after).contains("成功 0"), "{}", stdout(&after));
    assert_eq!(received(out, "mail").len(), before);
    // wjw submitted: no deadline message (its target behind, 【进度滞后】, is another matter);
    // jw2 turned e-mail off: nothing at all.
    let stray: Vec<String> = received(out, "mail")
        .into_iter()
        .filter(|m| {
            m.starts_with("To: jw2@")
                || m.starts_with("To: wjw1@")
                    && ["【报送提醒】", "【今日截止】", "【已逾期】"]
                        .iter()
                        .any(|s| m.contains(&format!("Subject: {s}")))
        })
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    assert_eq!(
        received(out, "hook").len(),
        4,
        "jw's robot: 7 and 2 days, the day, overdue"
    );
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
    // A signed 钉钉 robot refuses a message without its signature, and takes a signed one.
    let signed = format!("dingtalk http://127.0.0.1:{http}/signed/test");
    let unsigned = Command::new(common::BIN)
        .args(["notify", "test", "--to", &signed])
        .output()
        .unwrap();
    assert!(
        stderr(&unsigned).contains("钉钉机器人拒绝") && stderr(&unsigned).contains("310000"),
        "{}",
        stderr(&unsigned)
    );
    let sent = notify(
        &db,
        smtp,
        &["test", "--to", &signed, "--secret", DING_SECRET],
    );
    assert!(stdout(&sent).contains("钉钉"), "{}", stdout(&sent));
    let hooks = received(&out, "hook");
    assert_eq!(hooks.len(), 2);
    assert!(
        hooks[1].starts_with("/signed/test?timestamp="),
        "{}",
        hooks[1]
    );
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

#[test]
fn mail_goes_by_starttls_and_a_password_to_a_server_of_an_internal_ca() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    std::fs::create_dir(&out).unwrap();
    let (ca, cert, key) = test_certificates(dir.path());
    let smtp = free_port();
    let _peers = start_peers_with(
        smtp,
        0,
        &out,
        0.0,
        &[
            ("PEERS_TLS_CERT", cert.to_str().unwrap()),
            ("PEERS_TLS_KEY", key.to_str().unwrap()),
            ("PEERS_AUTH", "fgw:mail-password"),
        ],
    );
    let send = |url: String, ca_file: Option<&Path>| {
        let mut command = Command::new(common::BIN);
        command
            .args(["notify", "test", "--to", "li@daxing.example"])
            .env("BANGFU_SMTP_URL", url)
            .env("BANGFU_SMTP_FROM", "区发改委 <fgw@daxing.example>");
        if let Some(ca) = ca_file {
            command.env("BANGFU_SMTP_CA_FILE", ca);
        }
        command.output().unwrap()
    };
    let url = |password: &str| format!("smtp://fgw:{password}@127.0.0.1:{smtp}?tls=required");
    // The server's certificate is not among the public roots: refused without the CA file.
    let untrusted = send(url("mail-password"), None);
    assert!(!untrusted.status.success());
    assert!(
        stderr(&untrusted).contains("邮件服务器拒绝或无法连接")
            && stderr(&untrusted).contains("UnknownIssuer"),
        "{}",
        stderr(&untrusted)
    );
    let missing = send(url("mail-password"), Some(&dir.path().join("no-such.pem")));
    assert!(
        stderr(&missing).contains("无法读取 BANGFU_SMTP_CA_FILE"),
        "{}",
        stderr(&missing)
    );
    let wrong = send(url("wrong"), Some(&ca));
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("535"), "{}", stderr(&wrong));
    let plain = send(format!("smtp://127.0.0.1:{smtp}"), Some(&ca));
    assert!(!plain.status.success(), "the server requires STARTTLS");
    assert!(received(&out, "mail").is_empty());
    let sent = send(url("mail-password"), Some(&ca));
    assert!(sent.status.success(), "{}", stderr(&sent));
    let mails = received(&out, "mail");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].starts_with("To: li@daxing.example"));
    assert!(mails[0].contains("【测试】帮扶协作管理系统通知测试"));
}
