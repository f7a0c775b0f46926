//! Who may reach what through the API: another unit's report, each role, failed logins, CSRF on
//! cookie sessions, bearer tokens, the login throttle.

use crate::helpers::{spawn_app, Client, PASSWORD};
use crate::reporting::{post, put, values, JW_COMPLETE, REPORT};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::json;

#[tokio::test]
async fn reporters_never_reach_another_units_report() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let wjw = app.user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    put(
        &app,
        &wjw,
        "/api/v1/reports/2018Q1/wjw/values",
        values(&[("1.4", "1")]),
    )
    .await;

    assert_eq!(
        app.get_as(&jw, "/api/v1/reports/2018Q1/wjw").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_as(&jw, "/reports/2018Q1/wjw").await.status,
        StatusCode::FORBIDDEN
    );
    let write = put(
        &app,
        &jw,
        "/api/v1/reports/2018Q1/wjw/values",
        values(&[("1.4", "9")]),
    )
    .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    let submit = post(&app, &jw, "/api/v1/reports/2018Q1/wjw/submit", json!({})).await;
    assert_eq!(submit.status, StatusCode::FORBIDDEN);
    // An indicator of another unit inside one's own report is refused too.
    let foreign_row = put(
        &app,
        &jw,
        "/api/v1/reports/2018Q1/jw/values",
        values(&[("1.4", "9")]),
    )
    .await;
    assert_eq!(foreign_row.status, StatusCode::FORBIDDEN);
    // Nothing changed for 区卫计委.
    let theirs = app.get_as(&wjw, "/api/v1/reports/2018Q1/wjw").await.json();
    assert_eq!(theirs["values"][0]["value"], "1");
    assert_eq!(theirs["version"], 1);
    // Reporters see neither the district nor other units' evidence.
    assert_eq!(
        app.get_as(&jw, "/api/v1/summary/2018Q1").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_as(&jw, "/completeness").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn each_role_gets_what_the_policy_says() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    put(&app, &jw, &format!("{REPORT}/values"), values(JW_COMPLETE)).await;
    post(&app, &jw, &format!("{REPORT}/submit"), json!({})).await;
    for (login, role) in [
        ("admin1", Role::Admin),
        ("viewer1", Role::Viewer),
        ("auditor1", Role::Auditor),
    ] {
        let c = app.user(login, role, None).await;
        assert_eq!(
            app.get_as(&c, REPORT).await.status,
            StatusCode::OK,
            "{login}"
        );
        assert_eq!(
            app.get_as(&c, "/api/v1/summary/2018Q1").await.status,
            StatusCode::OK
        );
        let edit = put(
            &app,
            &c,
            &format!("{REPORT}/values"),
            values(&[("1.3", "1")]),
        )
        .await;
        assert_eq!(edit.status, StatusCode::FORBIDDEN, "{login} edits");
        let approve = post(&app, &c, &format!("{REPORT}/approve"), json!({})).await;
        assert_eq!(approve.status, StatusCode::FORBIDDEN, "{login} approves");
        let users_page = app.get_as(&c, "/admin/users").await.status;
        assert_eq!(
            users_page == StatusCode::OK,
            role == Role::Admin,
            "{login} /admin/users"
        );
    }
    // Anonymous: 401 on the API, a redirect to the login page on pages.
    let anon = app.get(REPORT).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert!(anon.json()["error"].as_str().unwrap().contains("登录"));
    let page = app.get("/reports/2018Q1/jw").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Freports%2F2018Q1%2Fjw");
}

#[tokio::test]
async fn failed_logins_do_not_reveal_whether_the_login_exists() {
    let app = spawn_app().await;
    app.add_user("real", Role::Viewer, None).await;
    let attempt = |login: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.json(
                Method::POST,
                "/api/v1/login",
                None,
                json!({"login": login, "password": password}),
            )
            .await
        }
    };
    let wrong = attempt("real", "wrong-password").await;
    let unknown = attempt("nobody", "wrong-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body);
    let page = app
        .form("/login", None, &[("login", "nobody"), ("password", "x")])
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("登录名或密码错误"));
    // A disabled account cannot log in, and its sessions end.
    let c = app.login("real").await;
    app.state
        .store
        .set_user_active("real", false, "admin")
        .await
        .unwrap();
    assert_eq!(
        app.get_as(&c, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let disabled = attempt("real", PASSWORD).await;
    assert_eq!(disabled.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn state_changes_with_a_cookie_need_the_csrf_token() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let forged = Client {
        cookie: jw.cookie.clone(),
        csrf: "not-the-token".into(),
    };
    let r = put(
        &app,
        &forged,
        &format!("{REPORT}/values"),
        values(&[("1.3", "1")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("CSRF"));
    let form = app
        .form(
            "/reports/2018Q1/jw",
            Some(&forged),
            &[("v.1.3", "1"), ("intent", "save")],
        )
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert!(app.get_as(&jw, REPORT).await.json()["values"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn bearer_tokens_work_until_revoked() {
    let app = spawn_app().await;
    app.add_user("robot", Role::Viewer, None).await;
    let user = app
        .state
        .store
        .user_by_login("robot")
        .await
        .unwrap()
        .unwrap();
    let token = "bf_test_token_123";
    let id = app
        .state
        .store
        .create_token(&user, crate::helpers::new_token(token, "脚本"), "admin")
        .await
        .unwrap();
    let me = |t: &'static str| {
        let app = &app;
        async move {
            app.send(
                axum::http::Request::get("/api/v1/me")
                    .header("authorization", format!("Bearer {t}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
        }
    };
    let ok = me(token).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["role"], "viewer");
    assert_eq!(me("bf_wrong").await.status, StatusCode::UNAUTHORIZED);
    app.state.store.revoke_token(id, "admin").await.unwrap();
    assert_eq!(me(token).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_down() {
    let app = spawn_app().await;
    app.add_user("li", Role::Viewer, None).await;
    for _ in 0..5 {
        let r = app
            .json(
                Method::POST,
                "/api/v1/login",
                None,
                json!({"login": "li", "password": "guess"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits, and an unknown login gets the same treatment.
    let r = app
        .json(
            Method::POST,
            "/api/v1/login",
            None,
            json!({"login": "li", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("登录失败次数过多"));
    for _ in 0..5 {
        app.form("/login", None, &[("login", "nobody"), ("password", "x")])
            .await;
    }
    let page = app
        .form("/login", None, &[("login", "nobody"), ("password", "x")])
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("分钟后再试"));
}
