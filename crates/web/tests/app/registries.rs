//! Registers (台账) through the JSON API: a unit keeps its entries, the report's `computed` figures
//! follow them (stocks at the period's end, flows year to date), a voided entry stops counting;
//! refusals name the field; reporters keep only their own unit's entries.

use crate::helpers::{spawn_app, spawn_app_on_postgres, Client, TestApp};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::{json, Value};

fn computed(report: &Value, row: &str) -> (String, i64) {
    let item = report["computed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["indicator"] == row)
        .unwrap_or_else(|| panic!("row {row} not computed: {report}"));
    (
        item["value"].as_str().unwrap().to_string(),
        item["entries"].as_i64().unwrap(),
    )
}

async fn report(app: &TestApp, client: &Client, period: &str, unit: &str) -> Value {
    let r = app
        .get_as(client, &format!("/api/v1/reports/{period}/{unit}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn add(app: &TestApp, client: &Client, registry: &str, body: Value) -> Value {
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/registries/{registry}/entries"),
            Some(client),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

fn teacher(name: &str, starts: &str) -> Value {
    json!({"values": {
        "person": name, "direction": "东部到西部", "kind": "教师", "level": "区级",
        "area": "察右前旗", "starts_on": starts
    }})
}

async fn a_unit_keeps_its_register_and_the_report_counts_it(app: TestApp) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let list = app.get_as(&jw, "/api/v1/registries").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()[0]["name"], "结对关系");

    let pairing = add(
        &app,
        &jw,
        "pairings",
        json!({"values": {
            "kind": "学校结对", "donor_side": "大兴区第一中学",
            "recipient_side": "察右前旗第一中学", "area": "cyqq", "signed_on": "2018-02-10"
        }}),
    )
    .await;
    assert_eq!(pairing["unit"], "jw");
    assert_eq!(pairing["values"]["signed_on"], "2018-02-10");
    let q1 = report(&app, &jw, "2018Q1", "jw").await;
    assert_eq!(computed(&q1, "1.3"), ("1".into(), 1));
    let q2 = report(&app, &jw, "2018Q2", "jw").await;
    assert_eq!(computed(&q2, "1.3"), ("1".into(), 1), "a stock stays");

    let first = add(&app, &jw, "talent", teacher("张老师", "2018-01-15")).await;
    add(&app, &jw, "talent", teacher("王老师", "2018-03-20")).await;
    for period in ["2018Q1", "2018Q2"] {
        let r = report(&app, &jw, period, "jw").await;
        assert_eq!(computed(&r, "4.2"), ("2".into(), 2), "{period}");
        assert_eq!(computed(&r, "4.2.1"), ("2".into(), 2), "{period}");
        assert_eq!(computed(&r, "4.2.2"), ("0".into(), 0), "{period}");
    }
    // The entries counted for a row, as the report page links to them.
    let counted = app
        .get_as(
            &jw,
            "/api/v1/registries/talent/entries?indicator=4.2&period=2018Q2",
        )
        .await;
    assert_eq!(counted.json().as_array().unwrap().len(), 2);

    // Voided with a reason: kept, no longer counted.
    let id = first["id"].as_i64().unwrap();
    let no_reason = app
        .json(
            Method::POST,
            &format!("/api/v1/registries/talent/entries/{id}/void"),
            Some(&jw),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()["errors"][0]["field"], "reason");
    let voided = app
        .json(
            Method::POST,
            &format!("/api/v1/registries/talent/entries/{id}/void"),
            Some(&jw),
            json!({"reason": "重复录入"}),
        )
        .await;
    assert_eq!(voided.status, StatusCode::OK, "{}", voided.body);
    assert_eq!(voided.json()["voided"], true);
    assert_eq!(voided.json()["void_reason"], "重复录入");
    let q1 = report(&app, &jw, "2018Q1", "jw").await;
    assert_eq!(computed(&q1, "4.2"), ("1".into(), 1));
    let again = app
        .json(
            Method::PUT,
            &format!("/api/v1/registries/talent/entries/{id}"),
            Some(&jw),
            teacher("张老师", "2018-01-16"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let all = app
        .get_as(&jw, "/api/v1/registries/talent/entries?include_voided=true")
        .await;
    assert_eq!(all.json().as_array().unwrap().len(), 2);
    let live = app.get_as(&jw, "/api/v1/registries/talent/entries").await;
    assert_eq!(live.json().as_array().unwrap().len(), 1);

    // An edit moves the pairing's end: no longer active at 2018Q2's end.
    let pid = pairing["id"].as_i64().unwrap();
    let edited = app
        .json(
            Method::PUT,
            &format!("/api/v1/registries/pairings/entries/{pid}"),
            Some(&jw),
            json!({"values": {
                "kind": "学校结对", "donor_side": "大兴区第一中学",
                "recipient_side": "察右前旗第一中学", "area": "cyqq",
                "signed_on": "2018-02-10", "ended_on": "2018-05-31"
            }}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.json()["version"], 2);
    let q2 = report(&app, &jw, "2018Q2", "jw").await;
    assert_eq!(computed(&q2, "1.3"), ("0".into(), 0));
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_unit_keeps_its_register_and_the_report_counts_it_on_sqlite() {
    a_unit_keeps_its_register_and_the_report_counts_it(spawn_app().await).await;
}

#[tokio::test]
async fn a_unit_keeps_its_register_and_the_report_counts_it_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        a_unit_keeps_its_register_and_the_report_counts_it(app).await;
    }
}

#[tokio::test]
async fn refusals_name_every_field_and_reporters_keep_only_their_unit() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/registries/talent/entries",
            Some(&jw),
            json!({"values": {"person": "张老师", "direction": "南到北", "starts_on": "明年",
                              "colour": "red", "level": 0.5}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = r.json();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["level"], "a float is refused before the rules");
    let r = app
        .json(
            Method::POST,
            "/api/v1/registries/talent/entries",
            Some(&jw),
            json!({"values": {"person": "张老师", "direction": "南到北", "starts_on": "明年",
                              "colour": "red"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = r.json();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["colour", "direction", "kind", "level", "area", "starts_on"]
    );
    assert!(body["error"].as_str().unwrap().contains("“类别”必须填写"));
    assert_eq!(body["errors"][1]["label"], "方向");

    // Another unit's register: refused for a reporter, kept by the coordinator.
    let other = json!({"unit": "wjw", "values": teacher("李医生", "2018-02-01")["values"]});
    let r = app
        .json(
            Method::POST,
            "/api/v1/registries/talent/entries",
            Some(&jw),
            other.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let fgw = app.user("fgw-coordinator", Role::Coordinator, None).await;
    let created = add(&app, &fgw, "talent", other).await;
    assert_eq!(created["unit"], "wjw");
    let r = app
        .json(
            Method::POST,
            "/api/v1/registries/talent/entries",
            Some(&fgw),
            teacher("王老师", "2018-02-01"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the coordinator names the unit"
    );
    assert_eq!(r.json()["errors"][0]["field"], "unit");
    // The reporter sees its own unit's entries only.
    let mine = app.get_as(&jw, "/api/v1/registries/talent/entries").await;
    assert_eq!(mine.json().as_array().unwrap().len(), 0);
    let theirs = app
        .get_as(&jw, "/api/v1/registries/talent/entries?unit=wjw")
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let id = created["id"].as_i64().unwrap();
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/registries/talent/entries/{id}/void"),
            Some(&jw),
            json!({"reason": "不是我们的"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let missing = app.get_as(&jw, "/api/v1/registries/nothing/entries").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    app.db.cleanup().await;
}
