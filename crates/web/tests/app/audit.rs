//! The audit trail as auditors see it: failed logins recorded, readable narratives, and the chain's
//! end offered as a receipt to keep outside the system.

use crate::helpers::{spawn_app, spawn_app_on_postgres, TestApp};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use bangfu_store::{AuditFilter, AuditReceipt};
use serde_json::json;

#[tokio::test]
async fn failed_logins_are_written_to_the_audit_log() {
    failed_logins_are_audited(spawn_app().await).await;
    if let Some(app) = spawn_app_on_postgres().await {
        failed_logins_are_audited(app).await;
    }
}

async fn failed_logins_are_audited(app: TestApp) {
    app.add_user("li", Role::Viewer, None).await;
    let auditor = app.user("auditor", Role::Auditor, None).await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/login",
            None,
            json!({"login": "li", "password": "not-the-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let failures = app
        .state
        .store
        .search_audit(&AuditFilter {
            actor: "li".into(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].action, "login.failure");
    assert_eq!(failures[0].entity_key, "li");
    let page = app.get_as(&auditor, "/audit?user=li").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<td>登录失败</td><td>li</td>"),
        "{}",
        page.body
    );
    assert!(app
        .state
        .store
        .verify_audit(None)
        .await
        .unwrap()
        .is_intact());
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_chains_end_is_shown_and_offered_as_a_receipt() {
    let app = spawn_app().await;
    let auditor = app.user("auditor", Role::Auditor, None).await;
    let reporter = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let head = app.state.store.audit_head().await.unwrap();
    assert!(head.seq >= 4, "plan, two users, two logins");
    let page = app.get_as(&auditor, "/audit").await;
    assert!(
        page.body.contains(&format!(
            "当前链尾：第 {} 条。回执 <code id=\"audit-receipt\">{head}</code>",
            head.seq
        )),
        "{}",
        page.body
    );
    let download = app.get_as(&auditor, "/audit/receipt").await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(download.body.contains(&format!("回执：{head}")));
    assert!(download
        .body
        .contains(&format!("bangfu audit verify --expect-head {head}")));
    let json = app.get_as(&auditor, "/api/v1/audit/head").await.json();
    assert_eq!(json["seq"], head.seq);
    assert_eq!(json["receipt"], head.to_string());
    // The receipt proves the log up to it, whatever is appended later.
    let receipt: AuditReceipt = json["receipt"].as_str().unwrap().parse().unwrap();
    app.get_as(&auditor, "/audit").await;
    app.login("jw-clerk").await;
    let v = app.state.store.verify_audit(Some(&receipt)).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    assert!(v.head.seq > receipt.seq);
    // Reporters see neither.
    for path in ["/audit/receipt", "/api/v1/audit/head"] {
        assert_eq!(
            app.get_as(&reporter, path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn narratives_read_as_text_on_the_audit_page_and_in_audit_xlsx() {
    use calamine::Reader;
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let auditor = app.user("auditor", Role::Auditor, None).await;
    let r = app
        .json(
            Method::PUT,
            "/api/v1/reports/2018Q1/jw/values",
            Some(&jw),
            json!({"values": [], "narrative":
                {"progress": "选派教师5批", "problems": "交通不便", "next_steps": "继续"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let readable = "进展情况：选派教师5批；存在问题：交通不便；下步打算：继续";
    let page = app.get_as(&auditor, "/audit?unit=jw").await;
    assert!(page.body.contains("修改工作情况"));
    assert!(page.body.contains(readable), "{}", page.body);
    assert!(!page.body.contains("Narrative {"));
    let (status, _, bytes) = crate::sheets::get_bytes(&app, &auditor, "/audit.xlsx?unit=jw").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("审计日志").unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == readable), "{cells:?}");
    assert!(!cells.iter().any(|c| c.contains("Narrative {")));
}
