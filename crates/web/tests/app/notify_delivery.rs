//! Delivery as the coordinator and the people see it: each person's channels respected, a unit's
//! own robot before the one for all units (which gets one list per reminder), a failed message
//! on the deliveries page with its error and history and sent again, and the scheduler of
//! `serve` recording the day's reminders by itself.

use crate::helpers::{spawn_app, spawn_app_on_postgres, TestApp};
use crate::notices::on_both_backends;
use axum::http::StatusCode;
use bangfu_app::notify::{run_schedule, send, Settings};
use bangfu_domain::notify::{Channel, Channels, RobotFlavor};
use bangfu_domain::user::Role;
use bangfu_store::{NewMessage, Webhook};
use chrono::{NaiveDate, TimeZone, Utc};
use std::sync::Arc;
use std::time::Duration;

/// Nothing listens on port 9 of this machine: deliveries there fail at once.
const NOWHERE: &str = "http://127.0.0.1:9";

async fn robot(app: &TestApp, scope: &str, flavor: RobotFlavor) {
    let hook = Webhook {
        scope: scope.into(),
        flavor,
        url: format!("{NOWHERE}/{scope}"),
        secret: String::new(),
    };
    app.state
        .store
        .set_webhook(scope, Some(&hook), "admin")
        .await
        .unwrap();
}

/// jw's clerk wants e-mail; czj's clerk has an address but turned e-mail off; jw has its own
/// robot, every other unit shares the one for all.
async fn clerks_and_robots(app: &TestApp) {
    app.add_user("jw-clerk", Role::Reporter, Some("jw")).await;
    app.add_user("czj-clerk", Role::Reporter, Some("czj")).await;
    let set = |login: &'static str, channels: &'static str| async move {
        let email = format!("{login}@daxing.example");
        app.state
            .store
            .set_contact(login, &email, "", &Channels::parse(channels), login)
            .await
            .unwrap()
    };
    assert!(set("jw-clerk", "app,email").await);
    assert!(set("czj-clerk", "app").await);
    robot(app, "*", RobotFlavor::WeCom).await;
    robot(app, "jw", RobotFlavor::DingTalk).await;
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

on_both_backends!(
    channels_and_robots_decide_where_a_reminder_goes,
    where_reminders_go
);

async fn where_reminders_go(app: TestApp) {
    clerks_and_robots(&app).await;
    let run = run_schedule(&app.state, day("2018-03-13"), false)
        .await
        .unwrap();
    let to = |recipient: &str, channel: Channel| -> Vec<&NewMessage> {
        run.recorded
            .iter()
            .filter(|m| m.recipient == recipient && m.channel == channel)
            .collect()
    };
    assert_eq!(to("jw-clerk", Channel::Email).len(), 1);
    assert_eq!(to("jw-clerk", Channel::App).len(), 1);
    assert!(to("czj-clerk", Channel::Email).is_empty(), "e-mail off");
    assert_eq!(to("czj-clerk", Channel::App).len(), 1);
    // jw's reminder goes to jw's robot only.
    let jw_robot = to("robot:jw", Channel::Webhook);
    assert_eq!(jw_robot.len(), 1);
    assert_eq!(jw_robot[0].event_key, "deadline:2018Q1:before7:jw");
    assert!(jw_robot[0].address.starts_with("dingtalk "));
    // The robot for all: one message listing the other late units, jw not among them.
    let shared = to("robot:*", Channel::Webhook);
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].event_key, "deadline:2018Q1:before7:*");
    let others = run.due.len() - 1;
    assert!(
        shared[0]
            .body
            .contains(&format!("以下 {others} 个单位尚未报送：")),
        "{}",
        shared[0].body
    );
    assert!(shared[0].body.contains("区财政局") && !shared[0].body.contains("区教委"));
    // The next day: the same reminder, nothing new for the robot.
    let again = run_schedule(&app.state, day("2018-03-14"), false)
        .await
        .unwrap();
    assert!(again.recorded.iter().all(|m| m.kind != "deadline"));
}

on_both_backends!(
    a_failed_message_shows_its_error_and_history_and_is_sent_again,
    failed_and_sent_again
);

async fn failed_and_sent_again(mut app: TestApp) {
    clerks_and_robots(&app).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    run_schedule(&app.state, day("2018-03-13"), false)
        .await
        .unwrap();
    // One attempt each, then given up: no mail server is set and no robot answers.
    app.state.notify = Arc::new(Settings {
        max_attempts: 1,
        timeout: Duration::from_secs(5),
        ..Settings::default()
    });
    let round = send::deliver_due(&app.state, "test", 100).await.unwrap();
    assert_eq!((round.sent, round.failed), (0, 3), "{round:?}");
    let page = app
        .get_as(&fgw, "/notify/deliveries?status=failed")
        .await
        .body;
    assert!(page.contains("发送失败"), "{page}");
    assert!(
        page.contains("未配置邮件服务器（BANGFU_SMTP_URL）"),
        "{page}"
    );
    assert!(page.contains("企业微信机器人无法连接"), "{page}");
    assert!(page.contains("<summary>发送经过</summary>"), "{page}");
    let failed = app.state.store.deliveries(Some("failed"), 10).await;
    let shared = failed
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == "robot:*");
    let shared = shared.unwrap().id;
    let r = app
        .form(
            &format!("/notify/deliveries/{shared}/resend"),
            Some(&fgw),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let pending = app.state.store.deliveries(Some("pending"), 10).await;
    let pending = pending.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].id, pending[0].attempts), (shared, 0));
    // Tried again on the next round, its history now two attempts long.
    let round = send::deliver_due(&app.state, "test", 100).await.unwrap();
    assert_eq!(round.failed, 1);
    let attempts = app.state.store.delivery_attempts(shared).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(!attempts[1].1 && attempts[1].2.contains("无法连接"));
}

on_both_backends!(
    the_scheduler_of_serve_records_the_days_reminders_by_itself,
    scheduler_of_serve
);

async fn scheduler_of_serve(app: TestApp) {
    clerks_and_robots(&app).await;
    let mut ctx = app.state.context.clone();
    ctx.clock = bangfu_app::Clock::Fixed(Utc.with_ymd_and_hms(2018, 3, 13, 1, 0, 0).unwrap());
    let sender = tokio::spawn(send::run_forever(
        ctx,
        "serve-test".into(),
        Duration::from_millis(50),
    ));
    let started = std::time::Instant::now();
    let tried = loop {
        let rows = app.state.store.deliveries(None, 100).await.unwrap();
        let robot = rows.iter().find(|m| {
            m.event_key == "deadline:2018Q1:before7:jw"
                && m.recipient == "robot:jw"
                && m.attempts > 0
        });
        if let Some(m) = robot {
            break m.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve's scheduler recorded and tried nothing: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    sender.abort();
    assert!(tried.address.starts_with("dingtalk "), "{tried:?}");
    let attempts = app.state.store.delivery_attempts(tried.id).await.unwrap();
    assert!(!attempts.is_empty(), "serve's sender tried it");
    let rows = app.state.store.deliveries(None, 100).await.unwrap();
    assert!(
        rows.iter()
            .any(|m| m.recipient == "jw-clerk" && m.address == "jw-clerk@daxing.example"),
        "and the clerk's e-mail: {rows:?}"
    );
    let notices = app.state.store.notices("jw-clerk", 10).await.unwrap();
    assert_eq!(
        notices[0].subject,
        "【报送提醒】2018年第一季度进展情况距截止还有 7 天"
    );
}
