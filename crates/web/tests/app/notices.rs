//! Notifications in the pages and the API: notices with the unread count in the header, one's
//! contacts and channels, the events beyond the reporting cycle (a problem assigned, an audit
//! finding raised and answered, problems past due and targets behind on the schedule), each
//! unit's contact person for the coordinator, the deliveries page with resend, the robots page.

use crate::helpers::{spawn_app, spawn_app_on_postgres, TestApp};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::json;

fn unread_badge(page: &str) -> Option<String> {
    let (_, rest) = page.split_once("id=\"unread-count\"")?;
    let (_, text) = rest.split_once('>')?;
    Some(text.split('<').next()?.to_string())
}

/// A test run on SQLite, then on PostgreSQL (required where BANGFU_TEST_REQUIRE_POSTGRES is set).
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        #[tokio::test]
        async fn $name() {
            $body(spawn_app().await).await;
            if let Some(app) = spawn_app_on_postgres().await {
                $body(app).await;
            }
        }
    };
}
pub(crate) use on_both_backends;

async fn notice_subjects(app: &TestApp, login: &str) -> Vec<String> {
    app.state
        .store
        .notices(login, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.subject)
        .collect()
}

on_both_backends!(
    a_return_shows_in_the_header_and_the_notices_until_read,
    return_shows_until_read
);

async fn return_shows_until_read(app: TestApp) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    crate::reporting::submit_jw_complete(&app, &jw).await;
    assert_eq!(unread_badge(&app.get_as(&jw, "/home").await.body), None);
    let r = app
        .json(
            Method::POST,
            "/api/v1/reports/2018Q1/jw/return",
            Some(&fgw),
            json!({"reason": "学校结对数应为4所"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let home = app.get_as(&jw, "/home").await.body;
    assert_eq!(
        unread_badge(&home).as_deref(),
        Some("1"),
        "the header counts it"
    );
    let page = app.get_as(&jw, "/notices").await.body;
    assert!(page.contains("【退回修改】2018年第一季度进展情况被退回"));
    assert!(page.contains("退回原因：学校结对数应为4所"));
    assert!(
        page.contains("href=\"/reports/2018Q1/jw\""),
        "a link within the site"
    );
    let api = app.get_as(&jw, "/api/v1/notices").await.json();
    assert_eq!(api["unread"], 1);
    let r = app.form("/notices/read", Some(&jw), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = app.get_as(&jw, "/home").await.body;
    assert_eq!(unread_badge(&home), None);
    assert!(!app
        .get_as(&jw, "/notices")
        .await
        .body
        .contains("全部标为已读"));
    // Another person's notices are not one's own.
    assert_eq!(
        app.get_as(&fgw, "/api/v1/notices").await.json()["notices"],
        json!([])
    );
}

on_both_backends!(
    people_set_their_contacts_and_the_coordinator_sees_each_units_contact,
    contacts_set_and_seen
);

async fn contacts_set_and_seen(app: TestApp) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    // A mistake: the page again, every error named, what was typed kept.
    let r = app
        .form(
            "/account/notify",
            Some(&jw),
            &[
                ("email", "zhang@"),
                ("phone", "010-6924 abc"),
                ("mail", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("邮箱“zhang@”不是有效的邮箱地址"),
        "{}",
        r.body
    );
    assert!(r.body.contains("电话“010-6924 abc”无效"));
    assert!(
        r.body.contains("value=\"010-6924 abc\""),
        "typed input kept"
    );
    let r = app
        .form(
            "/account/notify",
            Some(&jw),
            &[
                ("email", "zhang@jw.example.gov.cn"),
                ("phone", "010-69243000"),
                ("app", "on"),
                ("mail", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let me = app.get_as(&jw, "/api/v1/me/contact").await.json();
    assert_eq!(
        me,
        json!({"email": "zhang@jw.example.gov.cn", "phone": "010-69243000", "channels": ["app", "email"]})
    );
    let r = app
        .json(
            Method::PUT,
            "/api/v1/me/contact",
            Some(&jw),
            json!({"channels": ["app", "sms"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("通知渠道“sms”无效"), "{}", r.body);

    // The coordinator chasing a late unit sees whom to call.
    let page = app.get_as(&fgw, "/completeness?year=2018").await.body;
    assert!(page.contains("联系人：张伟 010-69243000"), "{page}");
    let contacts = app.get_as(&fgw, "/api/v1/contacts").await.json();
    let jw_row = contacts
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "jw")
        .unwrap()
        .clone();
    assert_eq!(jw_row["contacts"][0]["phone"], "010-69243000");
    assert_eq!(
        app.get_as(&jw, "/api/v1/contacts").await.status,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(
    problems_and_audit_findings_reach_the_unit_and_the_auditors,
    problems_and_findings_reach_people
);

async fn problems_and_findings_reach_people(app: TestApp) {
    app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let jw = app.login("jw-clerk").await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let auditor = app.user("sj", Role::Auditor, None).await;
    let finance = app.user("czj", Role::Finance, None).await;

    let r = app
        .form(
            "/problems",
            Some(&fgw),
            &[
                ("description", "学校结对协议未签订"),
                ("unit", "jw"),
                ("due", "2018年3月31日"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let notices = app.state.store.notices("jw-clerk", 10).await.unwrap();
    assert_eq!(notices[0].subject, "【问题交办】学校结对协议未签订");
    assert!(notices[0].body.contains("请于 2018年3月31日 前处理"));
    assert!(notices[0].link.ends_with(&format!(
        "/problems/{}",
        app.state.store.problems().await.unwrap()[0].id
    )));

    let r = app
        .json(
            Method::POST,
            "/api/v1/projects",
            Some(&finance),
            json!({"name": "察右前旗教学楼", "area": "察右前旗", "sector": "教育", "unit": "区教委",
                   "approved_amounts": {"区级单独安排": "1500000"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let project = r.json()["id"].as_i64().unwrap();
    let r = app
        .form(
            &format!("/ledger/projects/{project}/findings"),
            Some(&auditor),
            &[("text", "缺少验收材料")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(notice_subjects(&app, "jw-clerk")
        .await
        .contains(&"【审计意见】察右前旗教学楼".to_string()));
    let finding = app.state.store.findings().await.unwrap()[0].id;
    let r = app
        .form(
            &format!("/ledger/findings/{finding}"),
            Some(&jw),
            &[("action", "answer"), ("response", "已补充验收报告")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to_auditor = app.state.store.notices("sj", 10).await.unwrap();
    assert_eq!(to_auditor[0].subject, "【审计意见答复】察右前旗教学楼");
    assert!(to_auditor[0].body.contains("答复：已补充验收报告"));

    // The schedule: the problem past its due date, to the unit and the coordinator, once.
    let run = |day: &str| {
        let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        bangfu_app::notify::run_schedule(&app.state, day, false)
    };
    run("2018-04-02").await.unwrap();
    run("2018-04-03").await.unwrap();
    let overdue = |subjects: Vec<String>| {
        subjects
            .iter()
            .filter(|s| s.starts_with("【问题逾期】"))
            .count()
    };
    assert_eq!(overdue(notice_subjects(&app, "jw-clerk").await), 1);
    assert_eq!(overdue(notice_subjects(&app, "coordinator").await), 1);
    // A new due date is a new promise: when it passes too, both are told again, once.
    let problem = app.state.store.problems().await.unwrap()[0].id;
    let r = app
        .form(
            &format!("/problems/{problem}"),
            Some(&fgw),
            &[
                ("status", "in_progress"),
                ("resolution", ""),
                ("owner", "jw-clerk的姓名"),
                ("due", "2018年4月10日"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    run("2018-04-05").await.unwrap();
    assert_eq!(overdue(notice_subjects(&app, "jw-clerk").await), 1);
    run("2018-04-11").await.unwrap();
    run("2018-04-12").await.unwrap();
    assert_eq!(overdue(notice_subjects(&app, "jw-clerk").await), 2);
    assert_eq!(overdue(notice_subjects(&app, "coordinator").await), 2);
}

on_both_backends!(
    targets_behind_reach_their_lead_units_once_a_month,
    targets_behind_monthly
);

async fn targets_behind_monthly(app: TestApp) {
    app.add_user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    let run = |day: &str| {
        let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        bangfu_app::notify::run_schedule(&app.state, day, false)
    };
    // Nothing reported by November: 区卫健委's yearly hospital pairings are behind.
    let first = run("2018-11-25").await.unwrap();
    let behind: Vec<_> = first
        .recorded
        .iter()
        .filter(|m| m.kind == "target.behind" && m.recipient == "wjw-clerk")
        .collect();
    let recipients: Vec<(&str, &str)> = first
        .messages
        .iter()
        .map(|m| (m.kind.as_str(), m.recipient.as_str()))
        .collect();
    assert!(!behind.is_empty(), "{recipients:?}");
    assert!(behind[0].subject.starts_with("【进度滞后】1.2-7"));
    assert!(behind[0].body.contains("完成 0%"), "{}", behind[0].body);
    // The same month again: nothing new; the next month: again.
    let again = run("2018-11-28").await.unwrap();
    assert!(again.recorded.iter().all(|m| m.kind != "target.behind"));
    let next = run("2018-12-25").await.unwrap();
    assert!(next.recorded.iter().any(|m| m.kind == "target.behind"));
}

on_both_backends!(
    the_coordinator_sees_deliveries_and_resends_the_administrator_sets_robots,
    deliveries_and_robots
);

async fn deliveries_and_robots(app: TestApp) {
    let admin = app.user("root", Role::Admin, None).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    // A robot for all units, typed wrong first.
    let r = app
        .form(
            "/admin/robots",
            Some(&admin),
            &[
                ("scope", "*"),
                ("flavor", "wecom"),
                ("url", "qyapi.weixin.qq.com"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("机器人地址“qyapi.weixin.qq.com”无效"));
    assert!(r.body.contains("value=\"qyapi.weixin.qq.com\""), "kept");
    let url = "http://127.0.0.1:9/robot";
    // 加签 is 钉钉's: a secret for a 企业微信 robot is refused.
    let r = app
        .form(
            "/admin/robots",
            Some(&admin),
            &[
                ("scope", "*"),
                ("flavor", "wecom"),
                ("url", url),
                ("secret", "SEC0123"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("加签密钥只用于钉钉机器人"), "{}", r.body);
    let r = app
        .form(
            "/admin/robots",
            Some(&admin),
            &[
                ("scope", "*"),
                ("flavor", "dingtalk"),
                ("url", url),
                ("secret", " SEC0123 "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_as(&admin, "/admin/robots").await.body;
    assert!(page.contains("所有单位（未单独设置的单位）") && page.contains("钉钉"));
    assert!(
        page.contains("已加签") && !page.contains("SEC0123"),
        "the secret is not shown"
    );
    assert_eq!(
        app.state.store.webhooks().await.unwrap()[0].secret,
        "SEC0123"
    );
    assert_eq!(
        app.get_as(&fgw, "/admin/robots").await.status,
        StatusCode::FORBIDDEN
    );

    // The reminder goes to the group robot too; the coordinator sees it waiting.
    bangfu_app::notify::run_schedule(
        &app.state,
        chrono::NaiveDate::from_ymd_opt(2018, 3, 13).unwrap(),
        false,
    )
    .await
    .unwrap();
    let page = app
        .get_as(&fgw, "/notify/deliveries?status=pending")
        .await
        .body;
    assert!(page.contains("群机器人（所有单位）"), "{page}");
    assert!(page.contains("截止提醒") && page.contains("待发送"));
    assert!(
        !page.contains("robot:*"),
        "no internal code in front of a person"
    );
    let pending = app
        .state
        .store
        .deliveries(Some("pending"), 10)
        .await
        .unwrap();
    let one = pending[0].id;
    let r = app
        .form(&format!("/notify/deliveries/{one}/resend"), Some(&fgw), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(&fgw, "/notify/deliveries?status=lost")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let api = app
        .get_as(&fgw, "/api/v1/deliveries?status=pending")
        .await
        .json();
    assert_eq!(api[0]["kind_label"], "截止提醒");
    assert_eq!(
        app.get_as(&jw, "/notify/deliveries").await.status,
        StatusCode::FORBIDDEN
    );
    // Removing the robot: an empty address.
    let r = app
        .form("/admin/robots", Some(&admin), &[("scope", "*")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.state.store.webhooks().await.unwrap().is_empty());
}
