//! `/account/tokens`: users list, create and revoke their own API tokens; tokens may expire.

use crate::helpers::{before_first_deadline, spawn_app, spawn_app_on_postgres, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bangfu_domain::user::Role;
use bangfu_web::Clock;

async fn bearer(app: &TestApp, secret: &str, path: &str) -> crate::helpers::TestResponse {
    app.send(
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// The secret shown once after creating a token.
fn shown_secret(body: &str) -> String {
    body.split_once("id=\"new-token\"")
        .and_then(|(_, rest)| rest.split_once("<code>"))
        .and_then(|(_, rest)| rest.split_once("</code>"))
        .map(|(secret, _)| secret.to_string())
        .unwrap_or_else(|| panic!("no secret shown: {body}"))
}

async fn users_manage_their_own_api_tokens(mut app: TestApp) {
    app.state.clock = Clock::manual(before_first_deadline());
    let li = app.user("li", Role::Reporter, Some("jw")).await;
    let wang = app.user("wang", Role::Viewer, None).await;
    let home = app.get_as(&li, "/home").await;
    assert!(
        home.body.contains("href=\"/account/tokens\""),
        "linked from the header"
    );

    // Created on the page, its secret shown once, usable at once.
    let r = app
        .form(
            "/account/tokens",
            Some(&li),
            &[("label", "同步程序甲"), ("expires_on", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = shown_secret(&r.body);
    assert!(secret.starts_with("bf_"));
    let me = bearer(&app, &secret, "/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["login"], "li");
    let list = app.get_as(&li, "/account/tokens").await;
    assert!(list.body.contains("同步程序甲") && list.body.contains("长期有效"));
    assert!(!list.body.contains(&secret), "never shown again");
    let others = app.get_as(&wang, "/account/tokens").await;
    assert!(!others.body.contains("同步程序甲"), "nobody else sees it");

    // Another user cannot revoke it; the owner can, and then it is refused.
    let owner = app.state.store.user_by_login("li").await.unwrap().unwrap();
    let id = app.state.store.tokens(&owner).await.unwrap()[0].id;
    let revoke = format!("/account/tokens/{id}/revoke");
    let r = app.form(&revoke, Some(&wang), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        bearer(&app, &secret, "/api/v1/me").await.status,
        StatusCode::OK
    );
    let r = app
        .form("/account/tokens/9999/revoke", Some(&li), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.form(&revoke, Some(&li), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        bearer(&app, &secret, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app
        .get_as(&li, "/account/tokens")
        .await
        .body
        .contains("已吊销"));

    // A date already past is refused, naming the field.
    let r = app
        .form(
            "/account/tokens",
            Some(&li),
            &[("label", "旧脚本"), ("expires_on", "2018-03-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("有效期"), "{}", r.body);

    // An expiring token works through its last day (Beijing time) and is refused after it.
    let r = app
        .form(
            "/account/tokens",
            Some(&li),
            &[("label", "季度脚本"), ("expires_on", "2018-03-20")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let expiring = shown_secret(&r.body);
    assert!(app
        .get_as(&li, "/account/tokens")
        .await
        .body
        .contains("2018-03-20"));
    // A token cannot manage tokens.
    let r = bearer(&app, &expiring, "/account/tokens").await;
    assert!(r.status.is_client_error(), "{}", r.status);
    app.state.clock.set("2018-03-20T15:59:00Z".parse().unwrap());
    assert_eq!(
        bearer(&app, &expiring, "/api/v1/me").await.status,
        StatusCode::OK
    );
    app.state.clock.set("2018-03-20T16:00:00Z".parse().unwrap());
    assert_eq!(
        bearer(&app, &expiring, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let li = app.login("li").await;
    assert!(app
        .get_as(&li, "/account/tokens")
        .await
        .body
        .contains("已过期"));
}

#[tokio::test]
async fn users_manage_their_own_api_tokens_on_sqlite() {
    users_manage_their_own_api_tokens(spawn_app().await).await;
}

#[tokio::test]
async fn users_manage_their_own_api_tokens_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        users_manage_their_own_api_tokens(app).await;
    }
}

#[tokio::test]
async fn an_administrator_may_revoke_anyones_token() {
    let app = spawn_app().await;
    let li = app.user("li", Role::Viewer, None).await;
    let admin = app.user("admin1", Role::Admin, None).await;
    let r = app
        .form("/account/tokens", Some(&li), &[("label", "脚本")])
        .await;
    let secret = shown_secret(&r.body);
    let owner = app.state.store.user_by_login("li").await.unwrap().unwrap();
    let id = app.state.store.tokens(&owner).await.unwrap()[0].id;
    let r = app
        .form(&format!("/account/tokens/{id}/revoke"), Some(&admin), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        bearer(&app, &secret, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}
