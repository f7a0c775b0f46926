//! Sessions and API tokens on both backends: whose times they carry, when tokens stop working.

#[macro_use]
mod support;

use bangfu_domain::user::{Login, Role};
use bangfu_store::{AuditStore, NewApiToken, NewUser, SessionStore, SqlStore, User, UserStore};
use chrono::{Duration, Utc};

on_both_backends!(
    a_session_carries_its_own_times_not_the_accounts,
    tokens_expire_and_name_their_owner,
    throttled_logins_are_audited,
);

async fn user(store: &SqlStore, login: &str) -> User {
    store
        .create_user(
            NewUser {
                login: Login::parse(login).unwrap(),
                display_name: login.to_string(),
                role: Role::Viewer,
                unit_code: None,
                phone: String::new(),
                email: String::new(),
                password_hash: "h".into(),
            },
            "admin",
        )
        .await
        .unwrap();
    store.user_by_login(login).await.unwrap().unwrap()
}

/// The session's `created_at` and the user's share a name in the joined row: the session's must
/// win, or every session dies twelve hours after its account was created.
async fn a_session_carries_its_own_times_not_the_accounts(store: &SqlStore) {
    let account = user(store, "li").await;
    let started = account.created_at + Duration::days(30);
    store
        .create_session(&account, "hash-a", "csrf-a", "10.0.0.1", started)
        .await
        .unwrap();
    let (session, found) = store.session("hash-a").await.unwrap().unwrap();
    assert_eq!(session.created_at, started);
    assert_eq!(session.last_seen_at, started);
    assert_eq!(found.created_at, account.created_at);
    let later = started + Duration::hours(3);
    store.touch_session("hash-a", later).await.unwrap();
    let (session, _) = store.session("hash-a").await.unwrap().unwrap();
    assert_eq!((session.created_at, session.last_seen_at), (started, later));
}

async fn tokens_expire_and_name_their_owner(store: &SqlStore) {
    let owner = user(store, "li").await;
    let now = Utc::now();
    let token = |hash: &str, expires_at| NewApiToken {
        token_hash: hash.into(),
        label: "导入脚本".into(),
        created_at: now,
        expires_at,
    };
    let expiring = store
        .create_token(&owner, token("t-exp", Some(now + Duration::days(7))), "li")
        .await
        .unwrap();
    let lasting = store
        .create_token(&owner, token("t-last", None), "li")
        .await
        .unwrap();
    let found = |hash: &'static str, at| async move {
        store
            .user_by_token(hash, at)
            .await
            .unwrap()
            .map(|u| u.login)
    };
    assert_eq!(found("t-exp", now).await.as_deref(), Some("li"));
    assert_eq!(found("t-exp", now + Duration::days(7)).await, None);
    assert_eq!(
        found("t-last", now + Duration::days(3650)).await.as_deref(),
        Some("li")
    );
    let tokens = store.tokens(&owner).await.unwrap();
    assert_eq!(tokens.len(), 2);
    let listed = tokens.iter().find(|t| t.id == expiring).unwrap();
    assert_eq!(
        listed.expires_at.map(|e| e.timestamp()),
        Some((now + Duration::days(7)).timestamp())
    );
    assert!(listed.is_valid_at(now) && !listed.is_valid_at(now + Duration::days(8)));
    assert_eq!(
        store.token_owner(lasting).await.unwrap().as_deref(),
        Some("li")
    );
    assert_eq!(store.token_owner(9999).await.unwrap(), None);
    assert!(store.revoke_token(lasting, "li").await.unwrap());
    assert_eq!(found("t-last", now).await, None);
    assert_eq!(
        store.token_owner(lasting).await.unwrap().as_deref(),
        Some("li")
    );
}

async fn throttled_logins_are_audited(store: &SqlStore) {
    store
        .record_login_throttled("li", "10.0.0.9", "同一地址登录失败过多")
        .await
        .unwrap();
    let entry = store.audit_entries(10).await.unwrap().remove(0);
    assert_eq!(entry.action, "login.throttled");
    assert_eq!(
        (entry.actor.as_str(), entry.address.as_str()),
        ("li", "10.0.0.9")
    );
    assert_eq!(entry.entity_key, "li");
    assert_eq!(entry.new_value.as_deref(), Some("同一地址登录失败过多"));
    assert!(store.verify_audit_chain().await.unwrap().1.is_none());
}
