//! Logging in: how long a session lasts, who a failed password slows down, where the login page
//! may send the browser, who may start a session, which passwords may be set.

use crate::helpers::{spawn_app, spawn_app_on_postgres, TestApp, PASSWORD};
use crate::peer::Peer;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bangfu_domain::user::Role;
use bangfu_web::Clock;
use chrono::{Duration, Utc};

async fn me(app: &TestApp, cookie: &str) -> StatusCode {
    app.send(
        Request::get("/api/v1/me")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .status
}

/// An account created three days before "now" logs in and its session works; the session's own
/// age, not the account's, ends it after twelve hours (the README's absolute limit), even when it
/// was used every hour and so never idle.
async fn sessions_last_twelve_hours_from_their_own_start(mut app: TestApp) {
    // Whole seconds: PostgreSQL keeps microseconds, and hour 12 is tested to the instant.
    let start = (Utc::now() + Duration::days(3)).timestamp();
    app.state.clock = Clock::manual(chrono::DateTime::from_timestamp(start, 0).unwrap());
    let viewer = app.user("old-account", Role::Viewer, None).await;
    assert_eq!(
        me(&app, &viewer.cookie).await,
        StatusCode::OK,
        "an account three days old must be able to use its new session"
    );
    let page = app.get_as(&viewer, "/account/password").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for hour in 1..=12 {
        app.state.clock.advance(Duration::hours(1));
        assert_eq!(
            me(&app, &viewer.cookie).await,
            StatusCode::OK,
            "hour {hour}"
        );
    }
    app.state.clock.advance(Duration::hours(1));
    assert_eq!(
        me(&app, &viewer.cookie).await,
        StatusCode::UNAUTHORIZED,
        "a session 13 hours old is refused"
    );
    let page = app.get_as(&viewer, "/account/password").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/login"));
    // A fresh login works at once.
    let again = app.login("old-account").await;
    assert_eq!(me(&app, &again.cookie).await, StatusCode::OK);
}

#[tokio::test]
async fn sessions_last_twelve_hours_from_their_own_start_on_sqlite() {
    sessions_last_twelve_hours_from_their_own_start(spawn_app().await).await;
}

#[tokio::test]
async fn sessions_last_twelve_hours_from_their_own_start_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        sessions_last_twelve_hours_from_their_own_start(app).await;
    }
}

const ATTACKER: &str = "127.0.0.2";
const VICTIM: &str = "127.0.0.3";

async fn fail(peer: &Peer, login: &str, times: usize, headers: &[(&str, &str)]) {
    for i in 0..times {
        let r = peer.login(login, "wrong-password", headers).await;
        assert!(
            r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::TOO_MANY_REQUESTS,
            "failure {i}: {} {}",
            r.status,
            r.body
        );
    }
}

#[tokio::test]
async fn five_failures_from_one_address_do_not_lock_the_owner_out() {
    let app = spawn_app().await;
    app.add_user("victim", Role::Reporter, Some("jw")).await;
    let base = app.serve().await;
    let attacker = Peer::new(&base, ATTACKER);
    fail(&attacker, "victim", 5, &[]).await;
    let owner = Peer::new(&base, VICTIM);
    let r = owner.login("victim", PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn twenty_failures_from_one_address_do_not_block_another() {
    let app = spawn_app().await;
    app.add_user("victim", Role::Reporter, Some("jw")).await;
    app.add_user("colleague", Role::Viewer, None).await;
    let base = app.serve().await;
    let attacker = Peer::new(&base, ATTACKER);
    fail(&attacker, "victim", 20, &[]).await;
    let office = Peer::new(&base, VICTIM);
    for login in ["victim", "colleague"] {
        let r = office.login(login, PASSWORD, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{login}: {}", r.body);
    }
}

async fn the_failing_address_is_refused_after_its_limit_and_it_is_audited(app: TestApp) {
    app.add_user("victim", Role::Reporter, Some("jw")).await;
    let base = app.serve().await;
    let attacker = Peer::new(&base, ATTACKER);
    fail(&attacker, "victim", 5, &[]).await;
    let r = attacker.login("victim", PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("分钟后再试"));
    let throttled: Vec<_> = app
        .state
        .store
        .audit_entries(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.throttled")
        .collect();
    assert!(!throttled.is_empty(), "throttled attempts are audited");
    assert_eq!(throttled[0].address, ATTACKER);
    assert_eq!(throttled[0].entity_key, "victim");
    // Another server on the same database refuses the attacker too, and lets the owner in.
    let other = crate::helpers::serve_state(app.other_server()).await;
    let r = Peer::new(&other, ATTACKER)
        .login("victim", PASSWORD, &[])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let r = Peer::new(&other, VICTIM)
        .login("victim", PASSWORD, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn the_failing_address_is_refused_after_its_limit_on_sqlite() {
    the_failing_address_is_refused_after_its_limit_and_it_is_audited(spawn_app().await).await;
}

#[tokio::test]
async fn the_failing_address_is_refused_after_its_limit_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        the_failing_address_is_refused_after_its_limit_and_it_is_audited(app).await;
    }
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let mut app = spawn_app().await;
    app.add_user("victim", Role::Reporter, Some("jw")).await;
    app.state.trusted_proxies = std::sync::Arc::new(vec!["127.0.0.4".parse().unwrap()]);
    let base = app.serve().await;
    let proxy = Peer::new(&base, "127.0.0.4");
    let attacker = [("x-forwarded-for", "203.0.113.7")];
    fail(&proxy, "victim", 5, &attacker).await;
    let r = proxy.login("victim", PASSWORD, &attacker).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the client behind the proxy"
    );
    // The owner behind the same proxy, and the proxy's own address, are not the attacker.
    for owner in [
        vec![("x-forwarded-for", "198.51.100.20")],
        vec![("x-forwarded-for", "6.6.6.6, 198.51.100.20")],
    ] {
        let r = proxy.login("victim", PASSWORD, &owner).await;
        assert_eq!(r.status, StatusCode::OK, "{owner:?}: {}", r.body);
    }
    let entries = app.state.store.audit_entries(100).await.unwrap();
    assert!(entries
        .iter()
        .any(|e| e.action == "login.throttled" && e.address == "203.0.113.7"));
    assert!(entries
        .iter()
        .any(|e| e.action == "login.success" && e.address == "198.51.100.20"));
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let mut app = spawn_app().await;
    app.add_user("victim", Role::Reporter, Some("jw")).await;
    app.state.trusted_proxies = std::sync::Arc::new(vec!["127.0.0.4".parse().unwrap()]);
    let base = app.serve().await;
    let attacker = Peer::new(&base, ATTACKER);
    for i in 0..5 {
        let forged = format!("203.0.113.{i}");
        fail(&attacker, "victim", 1, &[("x-forwarded-for", &forged)]).await;
    }
    let r = attacker
        .login("victim", PASSWORD, &[("x-forwarded-for", "203.0.113.99")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a forged X-Forwarded-For must not reset the count"
    );
    let entries = app.state.store.audit_entries(100).await.unwrap();
    assert!(entries.iter().all(|e| !e.address.starts_with("203.")));
}

async fn login_form(
    app: &TestApp,
    next: &str,
    origin: Option<&str>,
) -> crate::helpers::TestResponse {
    if app
        .state
        .store
        .user_by_login("next-user")
        .await
        .unwrap()
        .is_none()
    {
        app.add_user("next-user", Role::Viewer, None).await;
    }
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("login", "next-user"),
            ("password", PASSWORD),
            ("next", next),
        ])
        .finish();
    let mut request = Request::post("/login")
        .header(header::HOST, "bangfu.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn after_login_the_browser_goes_only_to_a_path_of_this_site() {
    let app = spawn_app().await;
    for hostile in [
        "/\t/evil.example",
        "/\n/x",
        "/\r\nSet-Cookie: a=b",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "/ /evil.example",
        "/%09/evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "/\u{3000}/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ] {
        let r = login_form(&app, hostile, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{hostile:?}: {}", r.body);
        assert_eq!(r.location(), "/home", "{hostile:?}");
    }
    for fine in ["/reports/2018Q1/jw", "/audit?user=li&from=2018-01-01", "/"] {
        let r = login_form(&app, fine, None).await;
        assert_eq!(r.location(), fine);
    }
    // The login page carries only a safe value into its form.
    let page = app.get("/login?next=%2F%09%2Fevil.example").await;
    assert!(
        page.body.contains("name=\"next\" value=\"/home\""),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_login_posted_from_another_site_starts_no_session() {
    let app = spawn_app().await;
    for origin in [
        "https://evil.example",
        "null",
        "http://bangfu.example.evil.example",
    ] {
        let r = login_form(&app, "/home", Some(origin)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{origin}: {}", r.body);
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "{origin}");
        assert!(r.body.contains("CSRF"), "{}", r.body);
    }
    // A foreign Referer without an Origin is refused too.
    let r = app
        .send(
            Request::post("/login")
                .header(header::HOST, "bangfu.example")
                .header(header::REFERER, "https://evil.example/page")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("login=next-user&password={PASSWORD}")))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Browsers that say where a request comes from are believed over Origin and Referer.
    for (site, origin, expected) in [
        ("cross-site", None, StatusCode::FORBIDDEN),
        (
            "same-site",
            Some("https://bangfu.example"),
            StatusCode::FORBIDDEN,
        ),
        ("same-origin", Some("null"), StatusCode::SEE_OTHER),
    ] {
        let mut request = Request::post("/login")
            .header(header::HOST, "bangfu.example")
            .header("sec-fetch-site", site)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        let body = format!("login=next-user&password={PASSWORD}");
        let r = app.send(request.body(Body::from(body)).unwrap()).await;
        assert_eq!(r.status, expected, "{site}");
    }
    // The site's public address counts as this site too (behind a proxy that rewrites Host).
    let mut behind = app.state.clone();
    behind.public_url = Some("https://bangfu.example.gov.cn".into());
    let body = format!("login=next-user&password={PASSWORD}");
    for (origin, expected) in [
        ("https://bangfu.example.gov.cn", StatusCode::SEE_OTHER),
        ("https://evil.example", StatusCode::FORBIDDEN),
    ] {
        let r = tower::ServiceExt::oneshot(
            bangfu_web::router(behind.clone()),
            Request::post("/login")
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, origin)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), expected, "{origin}");
    }
    // The same form from this site, or from a client that sends no Origin, logs in.
    for origin in [
        Some("http://bangfu.example"),
        Some("https://bangfu.example"),
        None,
    ] {
        let r = login_form(&app, "/home", origin).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{origin:?}: {}", r.body);
        assert!(r.headers.get(header::SET_COOKIE).is_some());
    }
}

/// The error shown on a page (`<p class="alert error" role="alert">`).
fn alert(body: &str) -> String {
    body.split_once("role=\"alert\">")
        .and_then(|(_, rest)| rest.split_once("</p>"))
        .map(|(text, _)| text.to_string())
        .unwrap_or_default()
}

const WEAK: [&str; 12] = [
    "123456",
    "woaini1314",
    "qwerty123",
    "password1",
    "admin123",
    "abc123456",
    "11111111",
    "aaaaaaaaaaaa",
    "1234567890",
    "9876543210",
    "abcdefghijkl",
    "qwertyuiop",
];

#[tokio::test]
async fn common_and_trivial_passwords_are_refused_wherever_they_are_set() {
    let app = spawn_app().await;
    let admin = app.user("admin1", Role::Admin, None).await;
    let clerk = app.user("clerk", Role::Viewer, None).await;
    for weak in WEAK {
        let r = app
            .form(
                "/admin/users",
                Some(&admin),
                &[
                    ("login", "newbie"),
                    ("name", "新人"),
                    ("role", "viewer"),
                    ("password", weak),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        let message = alert(&r.body);
        assert!(message.starts_with("初始密码"), "{weak}: {message}");
        let r = app
            .form(
                "/account/password",
                Some(&clerk),
                &[("current", PASSWORD), ("new", weak), ("confirm", weak)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        let message = alert(&r.body);
        assert!(message.starts_with("新密码"), "{weak}: {message}");
        assert!(
            ["常见", "重复", "连续"].iter().any(|w| message.contains(w)),
            "{weak}: {message}"
        );
    }
    assert!(app
        .state
        .store
        .user_by_login("newbie")
        .await
        .unwrap()
        .is_none());
    let r = app
        .form(
            "/account/password",
            Some(&clerk),
            &[
                ("current", PASSWORD),
                ("new", "river-lantern-42"),
                ("confirm", "river-lantern-42"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}
