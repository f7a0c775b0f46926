//! Recipient areas' profiles and yearly poverty figures: pages, dashboard and API.

use crate::helpers::{spawn_app, spawn_app_on_postgres, Client, TestApp};
use crate::oversight::svgs_are_well_formed;
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::json;

fn year_form(
    year: &'static str,
    people: &'static str,
    incidence: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("year", year),
        ("poor_households", "3000"),
        ("poor_people", people),
        ("lifted_out", "2000"),
        ("incidence", incidence),
        ("poor_villages", "30"),
    ]
}

async fn coordinator(app: &TestApp) -> Client {
    app.user("fgw-coordinator", Role::Coordinator, None).await
}

#[tokio::test]
async fn the_coordinator_records_figures_that_everyone_sees_with_a_trend() {
    let app = spawn_app().await;
    let fgw = coordinator(&app).await;
    for (year, people, incidence) in [("2017", "12000", "8.5"), ("2018", "９０００", "6.25")] {
        let r = app
            .form(
                "/areas/cyqq/stats",
                Some(&fgw),
                &year_form(year, people, incidence),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/areas/cyqq?msg=area_stats");
    }
    // Delisted in 2018: a correction of the year's figures replaces them.
    let mut fields = year_form("2018", "8800", "6.1");
    fields.extend([("delisted", "on"), ("delisted_year", "2018")]);
    let r = app.form("/areas/cyqq/stats", Some(&fgw), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = app.get_as(&fgw, "/areas/cyqq?msg=area_stats").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("受援地贫困数据已保存。"));
    assert!(page.body.contains("察右前旗"));
    assert!(page.body.contains("内蒙古自治区") && page.body.contains("乌兰察布市"));
    assert!(page.body.contains("东西部扶贫协作结对帮扶"));
    let hetian = app.get_as(&fgw, "/areas/htx").await;
    assert!(
        hetian.body.contains("对口支援（援疆）") && !hetian.body.contains("东西部扶贫协作结对帮扶"),
        "the Xinjiang pairings are 对口支援"
    );
    assert!(page.body.contains("data-year=\"2017\"") && page.body.contains("data-year=\"2018\""));
    assert!(page.body.contains("6.10") && page.body.contains("已摘帽（2018年）"));
    assert!(
        page.body.contains("id=\"record-stats\""),
        "the coordinator's form"
    );
    assert_eq!(svgs_are_well_formed(&page.body), 2);
    assert!(page.body.contains("id=\"poor-people\"") && page.body.contains("id=\"incidence\""));
    assert!(page.body.contains("8800 人") && page.body.contains("6.10%"));

    let reporter = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let seen = app.get_as(&reporter, "/areas/cyqq").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("8800"));
    assert!(
        !seen.body.contains("id=\"record-stats\""),
        "no form for a reporter"
    );
    assert!(seen.body.contains("href=\"/areas\""), "nav link");
    let list = app.get_as(&reporter, "/areas").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("href=\"/areas/cyqq\""));
    assert!(
        list.body.contains("href=\"/areas/shenyang\""),
        "every pairing's area"
    );
    assert!(
        !list.body.contains("href=\"/areas/hlj\""),
        "黑龙江 is a task's area (尝试合作对接), not a pairing"
    );
    assert!(
        list.body.contains("8800") && !list.body.contains("12000"),
        "latest year only"
    );

    let leader = app.user("leader", Role::Viewer, None).await;
    let dash = app.get_as(&leader, "/dashboard?year=2018").await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
    assert!(dash.body.contains("受援地贫困数据（最新）"));
    assert!(dash.body.contains("href=\"/areas/cyqq\""));
    assert!(dash.body.contains("6.10"));

    assert_eq!(
        app.get_as(&leader, "/areas/nowhere").await.status,
        StatusCode::NOT_FOUND
    );
    let audit = app
        .state
        .store
        .audit_entries(20)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "area.stats")
        .unwrap();
    assert_eq!(audit.entity_key, "cyqq/2018");
    assert!(audit.old_value.unwrap().contains("9000 人"));
}

#[tokio::test]
async fn bad_figures_are_refused_naming_the_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let fgw = coordinator(&app).await;
    let before = app.state.store.audit_entries(1000).await.unwrap().len();
    let r = app
        .form(
            "/areas/cyqq/stats",
            Some(&fgw),
            &year_form("2018", "9000", "120"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("贫困发生率（%）：应为 0 到 100 之间的数，最多两位小数"));
    assert!(
        r.body.contains("value=\"120\"") && r.body.contains("value=\"9000\""),
        "input kept"
    );

    let mut fields = year_form("2018", "100", "5");
    fields.push(("delisted", "on"));
    let r = app.form("/areas/cyqq/stats", Some(&fgw), &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("建档立卡贫困户（户）：户数（3000）不能大于建档立卡贫困人口（100 人）"));
    assert!(r.body.contains("摘帽年份：已摘帽时必须填写"));
    assert!(
        r.body.contains("name=\"delisted\" checked"),
        "checkbox kept"
    );

    let r = app
        .form(
            "/areas/cyqq/stats",
            Some(&fgw),
            &year_form("2031", "9000", "5"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("年份：应为 2014 到 2023 之间的年份"));

    assert!(app.state.store.area_stats("cyqq").await.unwrap().is_empty());
    assert_eq!(
        app.state.store.audit_entries(1000).await.unwrap().len(),
        before
    );
    let r = app
        .form(
            "/areas/nowhere/stats",
            Some(&fgw),
            &year_form("2018", "9000", "5"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reporters_and_viewers_cannot_record_figures() {
    let app = spawn_app().await;
    let reporter = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let viewer = app.user("leader", Role::Viewer, None).await;
    for client in [&reporter, &viewer] {
        let r = app
            .form(
                "/areas/cyqq/stats",
                Some(client),
                &year_form("2018", "9000", "5"),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .json(
                Method::PUT,
                "/api/v1/areas/cyqq/stats",
                Some(client),
                json!({"year": 2018, "poor_households": 1, "poor_people": 2, "lifted_out": 0,
                       "incidence": "1", "poor_villages": 0}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    assert!(app.state.store.area_stats("cyqq").await.unwrap().is_empty());
}

async fn api_round_trip(app: TestApp) {
    let fgw = coordinator(&app).await;
    let put = |body: serde_json::Value| {
        let app = &app;
        let fgw = &fgw;
        async move {
            app.json(Method::PUT, "/api/v1/areas/htx/stats", Some(fgw), body)
                .await
        }
    };
    let r = put(json!({
        "year": 2018, "poor_households": "12000", "poor_people": 45000, "lifted_out": 8000,
        "incidence": "15.75", "poor_villages": 120, "delisted": false
    }))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["incidence"], "15.75");
    assert_eq!(r.json()["recorded_by"], "fgw-coordinator");
    let r = put(json!({
        "year": 2019, "poor_households": 3000, "poor_people": 9000, "lifted_out": 36000,
        "incidence": "3", "poor_villages": 10, "delisted": true, "delisted_year": 2019
    }))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Mistakes: 422 naming the field, nothing written.
    let r = put(json!({
        "year": 2020, "poor_households": 1, "poor_people": 2, "lifted_out": 0,
        "incidence": 5.5, "poor_villages": 0
    }))
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], "incidence");
    let r = put(json!({
        "year": 2020, "poor_households": 1, "poor_people": 2, "lifted_out": -1,
        "incidence": "101", "poor_villages": 0
    }))
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("贫困发生率（%）：应为 0 到 100 之间的数，最多两位小数"));
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("当年脱贫人口（人）"));
    let r = put(json!({"year": 2020})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("建档立卡贫困人口（人）：必须填写"));

    let r = app.get_as(&fgw, "/api/v1/areas/htx/stats").await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["year"], 2018);
    assert_eq!(list[0]["poor_households"], 12000);
    assert_eq!(list[1]["delisted"], true);
    assert_eq!(list[1]["delisted_year"], 2019);
    assert_eq!(list[1]["lifted_out"], 36000);
    assert_eq!(
        app.get_as(&fgw, "/api/v1/areas/nowhere/stats").await.status,
        StatusCode::NOT_FOUND
    );
    let anonymous = app.get("/api/v1/areas/htx/stats").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_api_records_and_lists_figures_as_the_page_does() {
    api_round_trip(spawn_app().await).await;
    if let Some(app) = spawn_app_on_postgres().await {
        api_round_trip(app).await;
    }
}
