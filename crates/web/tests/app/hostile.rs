//! Hostile and broken input: every case gets a 4xx with a Chinese message and changes nothing.

use crate::helpers::{spawn_app, Client, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use bangfu_domain::user::Role;
use serde_json::json;

const VALUES: &str = "/api/v1/reports/2018Q1/jw/values";

async fn raw(
    app: &TestApp,
    c: &Client,
    method: Method,
    path: &str,
    ctype: &str,
    body: Vec<u8>,
) -> crate::helpers::TestResponse {
    app.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, &c.cookie)
            .header("x-csrf-token", &c.csrf)
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn malformed_and_hostile_api_bodies_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let value = |v: &str| {
        json!({"values": [{"indicator": "1.3", "value": v}]})
            .to_string()
            .into_bytes()
    };
    let comment = |c: &str| {
        json!({"values": [{"indicator": "1.3", "value": "1", "comment": c}]})
            .to_string()
            .into_bytes()
    };
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "malformed JSON",
            "application/json",
            b"{\"values\": [".to_vec(),
        ),
        (
            "wrong type",
            "application/json",
            br#"{"values": "all"}"#.to_vec(),
        ),
        (
            "number not string",
            "application/json",
            br#"{"values": [{"indicator": "1.3", "value": 3}]}"#.to_vec(),
        ),
        ("not JSON content type", "text/plain", value("1")),
        (
            "40 digits",
            "application/json",
            value("1234567890123456789012345678901234567890"),
        ),
        ("exponent", "application/json", value("1e3")),
        ("NaN", "application/json", value("NaN")),
        ("Infinity", "application/json", value("Infinity")),
        ("negative", "application/json", value("-5")),
        ("negative zero", "application/json", value("-0")),
        (
            "unknown indicator",
            "application/json",
            json!({"values": [{"indicator": "9.9", "value": "1"}]})
                .to_string()
                .into_bytes(),
        ),
        (
            "invalid UTF-8",
            "application/json",
            b"{\"values\": [{\"indicator\": \"1.3\", \"value\": \"\xff\xfe\"}]}".to_vec(),
        ),
        (
            "control character",
            "application/json",
            comment("a\u{0001}b"),
        ),
        (
            "bidi override",
            "application/json",
            comment("\u{202E}txt.exe"),
        ),
        (
            "10 MB comment",
            "application/json",
            comment(&"长".repeat(10 * 1024 * 1024 / 3)),
        ),
    ];
    // The exact refusal for each: 400 for what cannot be read as the request, 422 for a value
    // the rules refuse, 403 for a row the unit does not fill.
    let expected = |what: &str| match what {
        "unknown indicator" => StatusCode::FORBIDDEN,
        "malformed JSON"
        | "wrong type"
        | "number not string"
        | "not JSON content type"
        | "invalid UTF-8" => StatusCode::BAD_REQUEST,
        "10 MB comment" => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    for (what, ctype, body) in cases {
        let r = raw(&app, &jw, Method::PUT, VALUES, ctype, body).await;
        assert_eq!(r.status, expected(what), "{what}: {}", r.body);
        assert!(
            has_chinese(&r.body),
            "{what}: message not in Chinese: {}",
            r.body
        );
    }
    assert!(
        app.state
            .store
            .report("2018Q1", "jw")
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );

    // Unknown periods and units, a non-numeric path parameter.
    for path in [
        "/api/v1/reports/2018Q9/jw/values",
        "/api/v1/reports/2031Q1/jw/values",
    ] {
        let r = raw(&app, &jw, Method::PUT, path, "application/json", value("1")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
    }
    let r = raw(
        &app,
        &jw,
        Method::PUT,
        "/api/v1/reports/2018Q1/nobody/values",
        "application/json",
        value("1"),
    )
    .await;
    // No such unit: the policy refuses before anything is looked up.
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app.get_as(&jw, "/evidence/not-a-number").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(has_chinese(&r.body));
}

#[tokio::test]
async fn hostile_forms_and_uploads_are_refused() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    // The coordinator may review: a garbled form is refused for what it is, not by the policy.
    let r = raw(
        &app,
        &fgw,
        Method::POST,
        "/reports/2018Q1/jw/review",
        "application/x-www-form-urlencoded",
        b"nonsense=%%%".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("表单内容不完整或格式不对"), "{}", r.body);
    let r = app
        .form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[("intent", "save"), ("progress", "正常\u{202E}文字")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("U+202E"));

    let upload = |name: &str, content: &[u8]| {
        let boundary = "HoStIlE";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::post(format!("/reports/2018Q1/jw/evidence?csrf={}", jw.csrf))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, &jw.cookie)
            .body(Body::from(body))
            .unwrap()
    };
    let r = app
        .send(upload("假的.pdf", b"<html><script>alert(1)</script>"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("内容与扩展名 .pdf 不符"));
    let r = app.send(upload("../../etc/passwd", b"root:x:0:0")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A path in the name is dropped; the file is stored under its own name only.
    let r = app
        .send(upload("..\\..\\windows\\报告.pdf", b"%PDF-1.7 ok"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let report = app
        .state
        .store
        .report("2018Q1", "jw")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.evidence.len(), 1);
    assert_eq!(report.evidence[0].file_name, "报告.pdf");
    let r = app
        .send(upload("big.pdf", &vec![b'%'; 21 * 1024 * 1024]))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(has_chinese(&r.body));
}

#[tokio::test]
async fn text_is_escaped_on_every_page() {
    let app = spawn_app().await;
    let script = "<script>alert('x')</script>";
    app.add_user("admin1", Role::Admin, None).await;
    let admin = app.login("admin1").await;
    let r = app
        .form(
            "/admin/users",
            Some(&admin),
            &[
                ("login", "evil"),
                ("name", script),
                ("role", "reporter"),
                ("unit", "jw"),
                ("phone", "010-69243000"),
                ("password", "a-long-test-password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let evil = app.login("evil").await;
    let body = json!({
        "values": [{"indicator": "1.3", "value": "1", "comment": script}],
        "narrative": {"progress": script, "problems": script, "next_steps": script},
    });
    assert_eq!(
        app.json(Method::PUT, VALUES, Some(&evil), body)
            .await
            .status,
        StatusCode::OK
    );
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    for (client, path) in [
        (&evil, "/reports/2018Q1/jw"),
        (&evil, "/home"),
        (&admin, "/admin/users"),
        (&fgw, "/reports/2018Q1/jw"),
    ] {
        let page = app.get_as(client, path).await;
        assert!(!page.body.contains("<script>"), "{path} renders raw script");
        assert!(
            page.body.contains("&#60;script&#62;") || path == "/home",
            "{path}"
        );
    }
}

mod fuzz {
    use crate::helpers::spawn_app;
    use axum::http::Method;
    use bangfu_domain::user::Role;
    use proptest::prelude::*;

    /// JSON-shaped bodies: values of every type where strings belong.
    fn body() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<f64>().prop_map(|f| f.to_string()),
            "\\PC{0,12}".prop_map(|s| serde_json::Value::String(s).to_string()),
        ];
        (leaf.clone(), leaf.clone(), leaf, "\\PC{0,6}").prop_map(|(indicator, value, comment, junk)| {
            format!(
                r#"{{"values": [{{"indicator": {indicator}, "value": {value}, "comment": {comment}}}]{junk}}}"#
            )
        })
    }

    #[test]
    fn random_json_bodies_never_cause_a_server_error() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (app, jw) = rt.block_on(async {
            let app = spawn_app().await;
            let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
            (app, jw)
        });
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(96));
        runner
            .run(&body(), |text| {
                let r = rt.block_on(
                    app.send(
                        axum::http::Request::builder()
                            .method(Method::PUT)
                            .uri("/api/v1/reports/2018Q1/jw/values")
                            .header("cookie", &jw.cookie)
                            .header("x-csrf-token", &jw.csrf)
                            .header("content-type", "application/json")
                            .body(axum::body::Body::from(text.clone()))
                            .unwrap(),
                    ),
                );
                prop_assert!(!r.status.is_server_error(), "{text} -> {}", r.status);
                Ok(())
            })
            .unwrap();
    }
}
