//! The OpenAPI document is the router's: the same operations both ways, and every refusal of the
//! JSON API a JSON body in Chinese, whatever part of the request was wrong.

use crate::helpers::{spawn_app, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use bangfu_domain::user::Role;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The fallback's message: no such operation (a handler's 404 says the data is missing).
const NO_SUCH_OPERATION: &str = "没有这个接口";

const METHODS: [&str; 6] = ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"];

/// The document's (method, path) pairs.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method.to_lowercase()).is_some() {
                out.insert((method.to_string(), path.clone()));
            }
        }
    }
    out
}

/// A concrete address for a documented path: the first value of each parameter's enum.
fn concrete(doc: &Value, method: &str, path: &str) -> String {
    let operation = &doc["paths"][path][method.to_lowercase()];
    let mut address = format!("/api/v1{path}");
    for p in operation["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "path" {
            let name = p["name"].as_str().unwrap();
            // A numeric id (a register entry's) has no enum: any number reaches the handler.
            let numeric = p["schema"]["type"] == "integer";
            let value = p["schema"]["enum"][0]
                .as_str()
                .or(numeric.then_some("1"))
                .unwrap_or_else(|| panic!("{method} {path}: {name} has no enum"));
            address = address.replace(&format!("{{{name}}}"), value);
        }
    }
    address
}

async fn call(app: &TestApp, method: &str, address: &str) -> (StatusCode, String) {
    let r = app
        .send(
            Request::builder()
                .method(method)
                .uri(address)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    (r.status, r.body)
}

#[tokio::test]
async fn openapi_paths_are_the_routers_api_routes_both_ways() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let served: BTreeSet<(String, String)> =
        bangfu_web::api::api_route_table().into_iter().collect();
    let documented = documented(&doc);
    assert!(!served.is_empty());
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routed, not documented: {undocumented:?}"
    );
    assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");

    // And the running router agrees: every documented operation reaches a handler (anonymous, so a
    // 401 or the operation's own answer, never the fallback or 405); every other method on those
    // paths is a 405; a path outside the document is the fallback's JSON 404.
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in METHODS {
            let known = documented.contains(&(method.to_string(), path.clone()));
            let doc_method = if known {
                method
            } else {
                documented_method(&documented, path)
            };
            let address = concrete(&doc, doc_method, path);
            let (status, body) = call(&app, method, &address).await;
            if known {
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {address}");
                assert!(
                    !body.contains(NO_SUCH_OPERATION),
                    "{method} {address}: {body}"
                );
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {address}");
            }
        }
    }
    for address in ["/api/v1/nothing", "/api/v1/reports", "/api/v1/plan/extra"] {
        let (status, body) = call(&app, "GET", address).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{address}");
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert!(body["error"].as_str().unwrap().contains(NO_SUCH_OPERATION));
    }
}

fn documented_method<'a>(documented: &'a BTreeSet<(String, String)>, path: &str) -> &'a str {
    documented
        .iter()
        .find(|(_, p)| p == path)
        .map(|(m, _)| m.as_str())
        .unwrap()
}

#[tokio::test]
async fn openapi_names_the_plans_codes_and_every_status_with_a_body() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let report = &doc["paths"]["/reports/{period}/{unit}"]["get"];
    let enums: Vec<&Value> = report["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["schema"]["enum"])
        .collect();
    assert!(enums[0].as_array().unwrap().contains(&json!("2018Q1")));
    assert!(enums[1].as_array().unwrap().contains(&json!("jw")));
    // Every answer but a file is JSON with a schema; every refusal is the error body.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let content = response["content"].as_object();
                assert!(
                    content.is_some_and(|c| !c.is_empty()),
                    "{method} {path} {status} has no body"
                );
                if status.starts_with('4') {
                    assert!(
                        response["content"]["application/json"]["schema"]["$ref"]
                            .as_str()
                            .is_some_and(|r| r.ends_with("Body") || r.ends_with("Refusal")),
                        "{method} {path} {status}: {response}"
                    );
                }
            }
        }
    }
    // Request bodies refuse what the server refuses: unknown properties.
    for name in [
        "PutValues",
        "ValueInput",
        "BudgetBody",
        "ProjectBody",
        "TxBody",
        "StatsRequest",
    ] {
        assert_eq!(
            doc["components"]["schemas"][name]["additionalProperties"],
            json!(false),
            "{name}"
        );
    }
    // Decimals are strings with a pattern, nullable where the server sends null.
    let decimal = &doc["components"]["schemas"]["Decimal"];
    assert_eq!(decimal["type"], "string");
    assert!(decimal["pattern"].is_string());
    let total = &doc["components"]["schemas"]["SummaryRowJson"]["properties"]["total"];
    assert!(total.to_string().contains("null"), "{total}");
}

#[tokio::test]
async fn api_refusals_are_json_in_chinese_for_query_path_and_body() {
    let app = spawn_app().await;
    let leader = app.user("lingdao", Role::Viewer, None).await;
    let json_refusal = |r: &crate::helpers::TestResponse, part: &str| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{part}: {}", r.body);
        assert!(
            r.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{part}: {:?}",
            r.headers
        );
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(
            !message.contains("Failed to deserialize"),
            "{part}: {message}"
        );
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{part}: {message}"
        );
        message
    };
    let r = app
        .get_as(&leader, "/api/v1/completeness?year=2018&year=2019")
        .await;
    assert!(json_refusal(&r, "duplicate").contains("year"));
    let r = app.get_as(&leader, "/api/v1/completeness?year=abc").await;
    json_refusal(&r, "year");
    let r = app
        .get_as(&leader, "/api/v1/summary/2018Q1?approved_only=maybe")
        .await;
    json_refusal(&r, "boolean");
    let r = app
        .get_as(&leader, "/api/v1/forms/2018Q1.xlsx?units=yes")
        .await;
    json_refusal(&r, "units");
    // Unknown properties and malformed decimals in a body.
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/budgets",
            Some(&finance),
            json!({"year": "2018", "area": "cyqq", "source": "district", "amount": "1", "extra": 1}),
        )
        .await;
    json_refusal(&r, "extra property");
    let r = app
        .json(
            Method::POST,
            "/api/v1/budgets",
            Some(&finance),
            json!({"year": 2018, "area": "cyqq", "source": "district", "amount": "1"}),
        )
        .await;
    json_refusal(&r, "number for text");
    // A value the rules refuse is a 422 naming the field.
    let r = app
        .json(
            Method::POST,
            "/api/v1/budgets",
            Some(&finance),
            json!({"year": "2018", "area": "cyqq", "source": "district", "amount": "1e3"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["errors"][0].as_str().unwrap().contains("预算金额"));
    // A malformed path segment.
    let r = app
        .get_as(&leader, "/api/v1/reports/2018Q1/jw/values")
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = app.get_as(&leader, "/api/v1/summary/2018Q9").await;
    json_refusal(&r, "period");
}
