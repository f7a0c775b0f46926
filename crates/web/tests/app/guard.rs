//! What every request and response passes through: NUL bytes refused before the database, bodies
//! over the limit answered 413, nothing personal kept in caches, cookies `Secure` under HTTPS.

use crate::helpers::{spawn_app, spawn_app_on_postgres, TestApp, PASSWORD};
use axum::http::{header, Method, StatusCode};
use bangfu_domain::user::Role;

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// PostgreSQL refuses NUL in text; SQLite keeps it. Either way the caller gets the same 400.
async fn nul_is_refused_before_the_database(app: TestApp) {
    let admin = app.user("admin1", Role::Admin, None).await;
    let auditor = app.user("auditor1", Role::Auditor, None).await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let mut responses = Vec::new();
    // A login, as a form and as JSON.
    responses.push((
        "login form",
        app.form(
            "/login",
            None,
            &[("login", "ad\0min"), ("password", PASSWORD)],
        )
        .await,
    ));
    responses.push((
        "login JSON",
        app.json(
            Method::POST,
            "/api/v1/login",
            None,
            serde_json::json!({ "login": "ad\u{0}min", "password": PASSWORD }),
        )
        .await,
    ));
    // A query string and a path segment.
    responses.push((
        "audit query",
        app.get_as(&auditor, "/audit?user=a%00b").await,
    ));
    responses.push((
        "admin path",
        app.form(
            "/admin/users/a%00b/active",
            Some(&admin),
            &[("active", "false")],
        )
        .await,
    ));
    responses.push((
        "admin reset path",
        app.form("/admin/users/a%00b/password", Some(&admin), &[])
            .await,
    ));
    // A form field and a JSON string deep in a body.
    responses.push((
        "problem form",
        app.form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[("intent", "save"), ("progress", "进展\0顺利")],
        )
        .await,
    ));
    responses.push((
        "values JSON",
        app.json(
            Method::PUT,
            "/api/v1/reports/2018Q1/jw/values",
            Some(&jw),
            serde_json::json!({"values": [{"indicator": "1.3", "value": "1", "comment": "a\u{0}b"}]}),
        )
        .await,
    ));
    for (what, r) in responses {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.body);
        assert!(r.body.contains("空字符"), "{what}: {}", r.body);
    }
    assert!(app
        .state
        .store
        .report("2018Q1", "jw")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn nul_is_refused_before_the_database_on_sqlite() {
    nul_is_refused_before_the_database(spawn_app().await).await;
}

#[tokio::test]
async fn nul_is_refused_before_the_database_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        nul_is_refused_before_the_database(app).await;
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_with_a_chinese_json_error() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    for megabytes in [20, 50] {
        let comment = "x".repeat(megabytes * 1024 * 1024);
        let body =
            serde_json::json!({"values": [{"indicator": "1.3", "value": "1", "comment": comment}]});
        let r = app
            .json(
                Method::PUT,
                "/api/v1/reports/2018Q1/jw/values",
                Some(&jw),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{megabytes} MB");
        let error = r.json()["error"].as_str().unwrap().to_string();
        assert!(has_chinese(&error) && error.contains("过大"), "{error}");
    }
    // A page form over the limit: the same status, as a page.
    let big = "x".repeat(3 * 1024 * 1024);
    let r = app
        .form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[("intent", "save"), ("progress", &big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("过大"));
}

#[tokio::test]
async fn personal_and_report_data_is_never_cached() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    for path in [
        "/home",
        "/reports/2018Q1/jw",
        "/account/password",
        "/api/v1/me",
        "/api/v1/reports/2018Q1/jw",
        "/login",
        "/no-such-page",
    ] {
        let r = app.get_as(&jw, path).await;
        let cache = r
            .headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(cache.contains("no-store"), "{path}: {cache:?}");
    }
    let r = app
        .json(
            Method::POST,
            "/api/v1/login",
            None,
            serde_json::json!({ "login": "jw-clerk", "password": PASSWORD }),
        )
        .await;
    assert!(r.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("no-store"));
    let css = app.get("/assets/app.css").await;
    assert!(!css.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("no-store"));
}

async fn api_login(app: &TestApp) -> crate::helpers::TestResponse {
    app.json(
        Method::POST,
        "/api/v1/login",
        None,
        serde_json::json!({"login": "clerk", "password": PASSWORD}),
    )
    .await
}

fn set_cookie(r: &crate::helpers::TestResponse) -> String {
    r.headers
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_site_is_served_over_https() {
    let mut app = spawn_app().await;
    app.add_user("clerk", Role::Viewer, None).await;
    let plain = api_login(&app).await;
    assert_eq!(plain.status, StatusCode::OK);
    let cookie = set_cookie(&plain);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "{cookie}");
    app.state.secure_cookies = true;
    assert!(set_cookie(&api_login(&app).await).contains("; Secure"));
    let page = app
        .form(
            "/login",
            None,
            &[("login", "clerk"), ("password", PASSWORD)],
        )
        .await;
    assert!(
        set_cookie(&page).contains("; Secure"),
        "{}",
        set_cookie(&page)
    );

    // Behind a trusted proxy that terminates HTTPS: believed from it, from nobody else.
    let mut app = spawn_app().await;
    app.add_user("clerk", Role::Viewer, None).await;
    app.state.trusted_proxies = std::sync::Arc::new(vec!["127.0.0.4".parse().unwrap()]);
    let base = app.serve().await;
    let https = [("x-forwarded-proto", "https")];
    for (peer, headers, secure) in [
        ("127.0.0.4", &https[..], true),
        ("127.0.0.4", &[][..], false),
        ("127.0.0.2", &https[..], false),
    ] {
        let r = crate::peer::Peer::new(&base, peer)
            .login("clerk", PASSWORD, headers)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            set_cookie(&r).contains("; Secure"),
            secure,
            "{peer} {headers:?}"
        );
    }
}
