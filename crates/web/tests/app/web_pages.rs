//! The pages as a browser uses them: forms with CSRF tokens, redirects, messages in Chinese.

use crate::helpers::{spawn_app, Client, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bangfu_domain::user::Role;

async fn form_login(app: &TestApp, login: &str) -> Client {
    let r = app
        .form(
            "/login",
            None,
            &[("login", login), ("password", PASSWORD), ("next", "/home")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/home");
    let set_cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    // The CSRF token is in every page's forms (the password page is every role's).
    let home = app
        .send(
            Request::get("/account/password")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let csrf = home
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf token in page")
        .to_string();
    Client { cookie, csrf }
}

#[tokio::test]
async fn reporter_sees_what_is_due_and_fills_the_form() {
    let app = spawn_app().await;
    app.add_user("jw-clerk", Role::Reporter, Some("jw")).await;
    let jw = form_login(&app, "jw-clerk").await;
    let home = app.get_as(&jw, "/home").await;
    assert!(home.body.contains("待填报"));
    assert!(home.body.contains("2018年第一季度"));
    assert!(home.body.contains("距截止 10 天"));
    assert!(
        !home.body.contains("2018年第二季度"),
        "future quarters are not due yet"
    );

    let page = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("填报单位：<span class=\"filled\">区教委</span>"));
    assert!(page
        .body
        .contains("填报人：<span class=\"filled\">张伟</span>"));
    assert!(page.body.contains("name=\"v.1.3\""), "own row editable");
    assert!(
        !page.body.contains("name=\"v.1.4\""),
        "other units' rows are not"
    );

    // Not a number: the page comes back with every typed value and each bad cell named; nothing
    // saved. All the mistakes in one round.
    let bad = app
        .form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[
                ("version", "0"),
                ("intent", "save"),
                ("v.4.2", "两批"),
                ("v.4.2.1", "4"),
                ("v.4.2.2", "-2"),
                ("progress", "已选派两批教师"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("未保存"));
    assert!(bad.body.contains("value=\"两批\""), "typed value kept");
    assert!(bad.body.contains("value=\"-2\""), "typed value kept");
    assert!(bad.body.contains("已选派两批教师"), "typed narrative kept");
    assert!(
        bad.body.contains("四、2"),
        "first bad row named: {}",
        bad.body
    );
    assert_eq!(
        bad.body.matches("<li class=\"error\">").count(),
        2,
        "both bad cells in one round"
    );
    assert!(app
        .state
        .store
        .report("2018Q1", "jw")
        .await
        .unwrap()
        .is_none());

    // A broken sum on a draft (another quarter) saves, with a warning that 报送 will refuse it.
    let half = app
        .form(
            "/reports/2018Q2/jw",
            Some(&jw),
            &[
                ("version", "0"),
                ("intent", "save"),
                ("v.4.2", "5"),
                ("v.4.2.1", "4"),
                ("v.4.2.2", "2"),
            ],
        )
        .await;
    assert_eq!(half.status, StatusCode::SEE_OTHER, "{}", half.body);
    let page = app.get_as(&jw, half.location()).await;
    assert!(page.body.contains("应等于"), "the broken sum is shown");
    assert!(page.body.contains("报送前须改正"));
    let submit = app
        .form(
            "/reports/2018Q2/jw",
            Some(&jw),
            &[("version", "1"), ("intent", "submit"), ("v.4.2", "5")],
        )
        .await;
    assert_eq!(submit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(submit.body.contains("还不能报送"));
    assert!(submit.body.contains("应等于"));
    let draft = app
        .state
        .store
        .report("2018Q2", "jw")
        .await
        .unwrap()
        .expect("the draft was kept");
    assert_eq!(draft.status, bangfu_domain::report::ReportStatus::Draft);

    let saved = app
        .form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[
                ("version", "0"),
                ("intent", "save"),
                ("v.1.3", "3"),
                ("c.1.3", "含职业学校"),
                ("progress", "已选派"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&jw, saved.location()).await;
    assert!(page.body.contains("已保存草稿"));
    assert!(page.body.contains("value=\"含职业学校\""));

    // Submitting an incomplete form saves the draft and says why it cannot be submitted.
    let early = app
        .form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[("version", "1"), ("intent", "submit"), ("v.1.3", "3")],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("已保存为草稿，但还不能报送"));
    assert!(early
        .body
        .contains("一、7 其他单位与西部贫困乡镇（或贫困村）结对数 未填写"));
}

#[tokio::test]
async fn coordinator_returns_and_approves_through_the_pages() {
    let app = spawn_app().await;
    app.add_user("jw-clerk", Role::Reporter, Some("jw")).await;
    app.add_user("fgw-office", Role::Coordinator, None).await;
    let jw = form_login(&app, "jw-clerk").await;
    let fields = [
        ("version", "0"),
        ("intent", "submit"),
        ("v.1.3", "3"),
        ("v.1.7", "0"),
        ("v.4.2", "2"),
        ("v.4.2.1", "1"),
        ("v.4.2.2", "1"),
    ];
    let r = app.form("/reports/2018Q1/jw", Some(&jw), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let fgw = form_login(&app, "fgw-office").await;
    let home = app.get_as(&fgw, "/home").await;
    assert!(home.body.contains("待审核") && home.body.contains("区教委"));
    let r = app
        .form(
            "/reports/2018Q1/jw/review",
            Some(&fgw),
            &[("action", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("退回时必须填写原因"));
    let r = app
        .form(
            "/reports/2018Q1/jw/review",
            Some(&fgw),
            &[("action", "return"), ("reason", "请补充说明")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let seen = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert!(seen.body.contains("退回原因：</strong>请补充说明"));
    let home = app.get_as(&jw, "/home").await;
    assert!(home.body.contains("退回"));
    // A reporter cannot use the review form.
    let r = app
        .form(
            "/reports/2018Q1/jw/review",
            Some(&jw),
            &[("action", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn evidence_is_uploaded_and_downloaded_as_an_attachment() {
    let app = spawn_app().await;
    app.add_user("jw-clerk", Role::Reporter, Some("jw")).await;
    app.add_user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    let jw = form_login(&app, "jw-clerk").await;
    let upload = |name: &str, content: &[u8], csrf: &str| {
        let boundary = "XyZbOuNdArY";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::post(format!("/reports/2018Q1/jw/evidence?csrf={csrf}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, &jw.cookie)
            .body(Body::from(body))
            .unwrap()
    };
    let r = app
        .send(upload("恶意.html", b"<script>alert(1)</script>", &jw.csrf))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("类型不支持"));
    let r = app
        .send(upload("支教协议.pdf", b"%PDF-1.4 test", "wrong"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .send(upload("支教协议.pdf", b"%PDF-1.4 test", &jw.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let report = app
        .state
        .store
        .report("2018Q1", "jw")
        .await
        .unwrap()
        .unwrap();
    let id = report.evidence[0].id;
    let file = app.get_as(&jw, &format!("/evidence/{id}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, "%PDF-1.4 test");
    let disposition = file.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"));
    assert!(disposition.contains("filename*=UTF-8''%E6%94%AF"));
    let other = form_login(&app, "wjw-clerk").await;
    assert_eq!(
        app.get_as(&other, &format!("/evidence/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn admin_adds_disables_and_resets_users() {
    let app = spawn_app().await;
    app.add_user("root", Role::Admin, None).await;
    let admin = form_login(&app, "root").await;
    let r = app
        .form(
            "/admin/users",
            Some(&admin),
            &[
                ("login", "jw-clerk"),
                ("name", "王老师"),
                ("role", "reporter"),
                ("unit", ""),
                ("phone", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("填报人必须选择所属单位"));
    let add_clerk = |email: &'static str| {
        let fields = [
            ("login", "jw-clerk"),
            ("name", "王老师"),
            ("role", "reporter"),
            ("unit", "jw"),
            ("phone", "123"),
            ("email", email),
        ];
        let (app, admin) = (&app, &admin);
        async move { app.form("/admin/users", Some(admin), &fields).await }
    };
    let r = add_clerk("wang@").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("邮箱“wang@”不是有效的邮箱地址"),
        "{}",
        r.body
    );
    let r = add_clerk("wang@jw.example.gov.cn").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("<td>wang@jw.example.gov.cn</td>"),
        "the list shows the e-mail"
    );
    let password = r
        .body
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("generated password shown once")
        .to_string();
    assert_eq!(password.len(), 16);
    let dup = app
        .form(
            "/admin/users",
            Some(&admin),
            &[
                ("login", "JW-clerk"),
                ("name", "x"),
                ("role", "viewer"),
                ("unit", ""),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.body.contains("已被使用"));

    let r = app
        .form(
            "/admin/users/jw-clerk/active",
            Some(&admin),
            &[("active", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !app.state
            .store
            .user_by_login("jw-clerk")
            .await
            .unwrap()
            .unwrap()
            .active
    );
    let r = app
        .form(
            "/admin/users/root/active",
            Some(&admin),
            &[("active", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no locking oneself out");
    let r = app
        .form("/admin/users/jw-clerk/password", Some(&admin), &[])
        .await;
    assert!(r.body.contains("的密码："));
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = spawn_app().await;
    app.add_user("li", Role::Viewer, None).await;
    let first = form_login(&app, "li").await;
    let second = form_login(&app, "li").await;
    let bad = app
        .form(
            "/account/password",
            Some(&first),
            &[
                ("current", "wrong"),
                ("new", "new-password-123"),
                ("confirm", "new-password-123"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("当前密码不正确"));
    let ok = app
        .form(
            "/account/password",
            Some(&first),
            &[
                ("current", PASSWORD),
                ("new", "new-password-123"),
                ("confirm", "new-password-123"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(
        ok.headers.contains_key(header::SET_COOKIE),
        "this browser gets a new session"
    );
    assert_eq!(
        app.get_as(&second, "/home").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get_as(&first, "/home").await.status,
        StatusCode::SEE_OTHER,
        "old cookie ended"
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.add_user("li", Role::Viewer, None).await;
    let c = form_login(&app, "li").await;
    let r = app.form("/logout", Some(&c), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(app.get_as(&c, "/home").await.status, StatusCode::SEE_OTHER);
}
