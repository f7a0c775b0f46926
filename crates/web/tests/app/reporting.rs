//! The reporting cycle over HTTP: every role and action, through the API and the pages.

use crate::helpers::{spawn_app, spawn_app_on_postgres, Client, TestApp};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::{json, Value};

pub(crate) const REPORT: &str = "/api/v1/reports/2018Q1/jw";

pub(crate) fn values(pairs: &[(&str, &str)]) -> Value {
    json!({ "values": pairs.iter().map(|(i, v)| json!({"indicator": i, "value": v})).collect::<Vec<_>>() })
}

/// Every row 区教委 fills, consistent with the plan's rules.
pub(crate) const JW_COMPLETE: &[(&str, &str)] = &[
    ("1.3", "3"),
    ("1.7", "0"),
    ("4.2", "12"),
    ("4.2.1", "10"),
    ("4.2.2", "2"),
];

/// 区教委 fills every row of 2018Q1 (with a 进展情况) and submits it, through the API.
pub(crate) async fn submit_jw_complete(app: &TestApp, jw: &Client) {
    let mut complete = values(JW_COMPLETE);
    complete["narrative"] = json!({"progress": "选派教师", "problems": "", "next_steps": ""});
    let saved = put(app, jw, &format!("{REPORT}/values"), complete).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let sent = post(app, jw, &format!("{REPORT}/submit"), json!({})).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
}

pub(crate) async fn put(
    app: &TestApp,
    client: &Client,
    path: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.json(Method::PUT, path, Some(client), body).await
}

pub(crate) async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.json(Method::POST, path, Some(client), body).await
}

async fn the_whole_cycle_through_the_api(app: TestApp) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let leader = app.user("leader", Role::Viewer, None).await;

    // A draft: part of the form.
    let r = put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "3")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["version"], 1);

    // A save with values that are not numbers is refused with every message and changes nothing.
    let bad = put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "9"), ("4.2", "五"), ("4.2.1", "4"), ("4.2.2", "-2")]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let errors = bad.json()["errors"].clone();
    let named: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["indicator"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["4.2", "4.2.2"], "every bad cell in one round");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("四、2 结对区县专业技术人才交流"));
    let report = app.get_as(&jw, REPORT).await.json();
    assert_eq!(
        report["values"],
        json!([{"indicator": "1.3", "value": "3", "comment": ""}])
    );
    assert_eq!(report["version"], 1);

    // Precision by unit of measure, with the row named.
    let precise = put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "2.5")]),
    )
    .await;
    assert_eq!(precise.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        precise.body.contains("一、3 与扶贫协作地区学校结对数"),
        "{}",
        precise.body
    );

    // Submitting an incomplete report names each missing row.
    let early = post(&app, &jw, &format!("{REPORT}/submit"), json!({})).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing: Vec<String> = early.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rule"] == "required")
        .map(|e| e["indicator"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(missing, vec!["1.7", "4.2", "4.2.1", "4.2.2"]);

    let mut complete = values(JW_COMPLETE);
    complete["narrative"] =
        json!({"progress": "选派教师5批", "problems": "交通不便", "next_steps": "继续"});
    assert_eq!(
        put(&app, &jw, &format!("{REPORT}/values"), complete)
            .await
            .status,
        StatusCode::OK
    );
    let submitted = post(&app, &jw, &format!("{REPORT}/submit"), json!({})).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert_eq!(submitted.json()["status"], "submitted");
    assert_eq!(submitted.json()["late"], false);

    // Submitted: the reporter can no longer change values.
    let locked = put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "4")]),
    )
    .await;
    assert_eq!(locked.status, StatusCode::CONFLICT);

    // The district total counts the submitted report at once; "approved only" does not yet.
    let total = |v: &Value, row: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator"] == row)
            .unwrap()["total"]
            .clone()
    };
    let summary = app.get_as(&leader, "/api/v1/summary/2018Q1").await.json();
    assert_eq!(total(&summary, "1.3"), "3");
    assert_eq!(summary["rows"][0]["by_unit"], json!({}));
    let approved_only = app
        .get_as(&leader, "/api/v1/summary/2018Q1?approved_only=true")
        .await
        .json();
    assert_eq!(total(&approved_only, "1.3"), Value::Null);
    let form_row =
        |bytes: &[u8]| crate::sheets::value_at(bytes, "全区汇总", "3.与扶贫协作地区学校结对数");
    let form = "/api/v1/forms/2018Q1.xlsx?approved_only=true";
    let (status, _, bytes) = crate::sheets::get_bytes(&app, &leader, form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        matches!(form_row(&bytes), Some(calamine::Data::Empty) | None),
        "{:?}",
        form_row(&bytes)
    );

    // Return needs a reason; the reporter sees it.
    let no_reason = post(&app, &fgw, &format!("{REPORT}/return"), json!({})).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("必须填写原因"));
    let returned = post(
        &app,
        &fgw,
        &format!("{REPORT}/return"),
        json!({"reason": "学校结对数应为4所"}),
    )
    .await;
    assert_eq!(returned.json()["status"], "returned");
    let seen = app.get_as(&jw, REPORT).await.json();
    assert_eq!(seen["return_reason"], "学校结对数应为4所");

    // Correct and resubmit; approve; the total follows.
    put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "4")]),
    )
    .await;
    assert_eq!(
        post(&app, &jw, &format!("{REPORT}/submit"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let approved = post(&app, &fgw, &format!("{REPORT}/approve"), json!({})).await;
    assert_eq!(approved.json()["status"], "approved");
    let summary = app
        .get_as(&leader, "/api/v1/summary/2018Q1?approved_only=true")
        .await
        .json();
    assert_eq!(total(&summary, "1.3"), "4");
    assert_eq!(total(&summary, "4.2"), "12");
    // The form download honours "approved only" too, read back from the workbook.
    let (_, _, bytes) = crate::sheets::get_bytes(&app, &leader, form).await;
    assert_eq!(form_row(&bytes), Some(calamine::Data::Float(4.0)));

    // Approved is locked: reopening needs the coordinator and a reason.
    let again = post(&app, &jw, &format!("{REPORT}/submit"), json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("已审核"), "{}", again.body);
    let reopen = post(
        &app,
        &fgw,
        &format!("{REPORT}/reopen"),
        json!({"reason": "补充佐证"}),
    )
    .await;
    assert_eq!(reopen.json()["status"], "returned");

    let history = app.get_as(&fgw, REPORT).await.json()["history"].clone();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["submit", "return", "submit", "approve", "reopen"]
    );
    assert_eq!(history[1]["actor"], "coordinator");
    assert_eq!(history[1]["reason"], "学校结对数应为4所");

    let matrix = app
        .get_as(&leader, "/api/v1/completeness?year=2018")
        .await
        .json();
    let cell = matrix["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == "jw" && r["period"] == "2018Q1")
        .unwrap()
        .clone();
    assert_eq!(cell["status"], "returned");
    assert_eq!(matrix["periods"]["2018Q1"]["expected"], 38);
    // By default the matrix shows this year (2018 on the test clock); `all` every year.
    let this_year = app.get_as(&leader, "/api/v1/completeness").await.json();
    let periods = this_year["periods"].as_object().unwrap();
    assert!(periods.keys().all(|p| p.starts_with("2018")), "{periods:?}");
    let all = app
        .get_as(&leader, "/api/v1/completeness?year=all")
        .await
        .json();
    assert!(all["periods"]["2019Q1"].is_object());
    app.db.cleanup().await;
}

#[tokio::test]
async fn whole_cycle_on_sqlite() {
    the_whole_cycle_through_the_api(spawn_app().await).await;
}

#[tokio::test]
async fn whole_cycle_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        the_whole_cycle_through_the_api(app).await;
    }
}

#[tokio::test]
async fn late_submissions_are_accepted_and_marked() {
    let mut app = spawn_app().await;
    app.state.clock = bangfu_web::Clock::Fixed("2018-03-25T02:00:00Z".parse().unwrap());
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let page = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert!(page.body.contains("已逾期 5 天"), "deadline status shown");
    put(&app, &jw, &format!("{REPORT}/values"), values(JW_COMPLETE)).await;
    let r = post(&app, &jw, &format!("{REPORT}/submit"), json!({})).await;
    assert_eq!(r.json()["late"], true);
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let matrix = app.get_as(&fgw, "/completeness?year=2018").await;
    assert!(matrix.body.contains("迟报"));
    assert!(
        matrix.body.contains("缺报"),
        "other units missed the deadline"
    );
}

#[tokio::test]
async fn quarter_increment_and_decrease_warning() {
    let mut app = spawn_app().await;
    app.state.clock = bangfu_web::Clock::Fixed("2018-06-10T02:00:00Z".parse().unwrap());
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let leader = app.user("leader", Role::Viewer, None).await;
    put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "3")]),
    )
    .await;
    let q2 = "/api/v1/reports/2018Q2/jw";
    let r = put(&app, &jw, &format!("{q2}/values"), values(&[("1.3", "2")])).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a decrease is a warning, not a block"
    );
    let warning = &r.json()["warnings"][0];
    assert_eq!(warning["rule"], "ytd_decrease");
    assert!(warning["message"]
        .as_str()
        .unwrap()
        .contains("小于上季度累计数 (3)"));
    put(
        &app,
        &jw,
        &format!("{q2}/values"),
        values(&JW_COMPLETE[1..]),
    )
    .await;
    let blocked = post(&app, &jw, &format!("{q2}/submit"), json!({})).await;
    assert_eq!(
        blocked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "submit needs the comment"
    );
    let explained =
        json!({"values": [{"indicator": "1.3", "value": "2", "comment": "一所学校撤并"}]});
    put(&app, &jw, &format!("{q2}/values"), explained).await;
    assert_eq!(
        post(&app, &jw, &format!("{q2}/submit"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    // Q1 is still a draft: by default the quarter's increment does not subtract it.
    let submitted_only = app
        .get_as(&leader, "/api/v1/summary/2018Q2?basis=quarter")
        .await
        .json();
    assert_eq!(submitted_only["scope"], "submitted");
    let row = submitted_only["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "1.3")
        .unwrap()
        .clone();
    assert_eq!(row["total"], "2");
    let inc = app
        .get_as(
            &leader,
            "/api/v1/summary/2018Q2?basis=quarter&include_drafts=true",
        )
        .await
        .json();
    assert_eq!(inc["scope"], "with_drafts");
    let row = inc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "1.3")
        .unwrap()
        .clone();
    assert_eq!(row["total"], "-1");
    assert_eq!(row["by_unit"]["jw"], "-1");
    let bad_basis = app
        .get_as(&leader, "/api/v1/summary/2018Q2?basis=month")
        .await;
    assert_eq!(bad_basis.status, StatusCode::BAD_REQUEST);
    assert!(bad_basis.body.contains("口径"));
}

#[tokio::test]
async fn stale_versions_are_refused() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "3")]),
    )
    .await;
    let mut stale = values(&[("1.3", "5")]);
    stale["version"] = json!(0);
    let r = put(&app, &jw, &format!("{REPORT}/values"), stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("已被他人修改"));
    assert_eq!(r.json()["current"]["version"], 1);
    assert_eq!(r.json()["current"]["values"][0]["value"], "3");

    // In the page: two people opened version 1; the second save shows the first one's change.
    let second = app.login("jw-clerk").await;
    let first_save = app
        .form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[("version", "1"), ("intent", "save"), ("v.1.3", "7")],
        )
        .await;
    assert_eq!(first_save.status, StatusCode::SEE_OTHER);
    let clash = app
        .form(
            "/reports/2018Q1/jw",
            Some(&second),
            &[("version", "1"), ("intent", "save"), ("v.1.3", "9")],
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert!(clash.body.contains("其他人保存了本报表"), "{}", clash.body);
    assert!(clash
        .body
        .contains("一、3 与扶贫协作地区学校结对数：现为 7（您填写的是 9）"));
    assert!(
        clash.body.contains("value=\"9\""),
        "what this person typed is kept"
    );
    let stored = app
        .state
        .store
        .report("2018Q1", "jw")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.entries["1.3"].value.unwrap().to_string(),
        "7",
        "nothing lost"
    );
}

#[tokio::test]
async fn bad_period_and_unit_codes_get_clear_errors() {
    let app = spawn_app().await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let r = app.get_as(&fgw, "/api/v1/reports/2018Q7/jw").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].as_str().unwrap().contains("2018Q7"));
    let r = app.get_as(&fgw, "/api/v1/reports/2030Q1/jw").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("不在本方案的报送安排内"));
    assert_eq!(
        app.get_as(&fgw, "/api/v1/reports/2018Q1/nobody")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app.get_as(&fgw, "/completeness?year=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("年份“abc”无效"));
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    // Generated by utoipa: OpenAPI 3.1.
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/login",
        "/logout",
        "/me",
        "/reports/{period}/{unit}",
        "/reports/{period}/{unit}/values",
        "/reports/{period}/{unit}/{action}",
        "/summary/{period}",
        "/completeness",
        "/audit/head",
        "/budgets",
        "/projects",
        "/transactions",
        "/reconciliation/{period}",
        "/areas/{code}/stats",
        "/forms/{file}",
        "/tasks.xlsx",
        "/reports/{period}/{unit}/import",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} undocumented");
    }
    // The role enum lists every role the system knows, finance (财务) included.
    let roles: Vec<&str> = doc["components"]["schemas"]["Me"]["properties"]["role"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(roles, known);
}

#[tokio::test]
async fn auditors_search_the_trail_and_reports_show_who_changed_what() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let auditor = app.user("auditor", Role::Auditor, None).await;
    // A failed login by the same user: in the trail, but not under the report's unit and period.
    let failed = app
        .json(
            Method::POST,
            "/api/v1/login",
            None,
            json!({"login": "jw-clerk", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "3")]),
    )
    .await;
    put(
        &app,
        &jw,
        &format!("{REPORT}/values"),
        values(&[("1.3", "4")]),
    )
    .await;
    let page = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert!(page.body.contains("数据修改记录"));
    assert!(
        page.body
            .contains("<td>一、3 与扶贫协作地区学校结对数</td><td>3</td><td>4</td>"),
        "value history shown"
    );
    let audit = app
        .get_as(&auditor, "/audit?user=jw-clerk&unit=jw&period=2018Q1")
        .await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("修改数据"));
    assert!(audit
        .body
        .contains("2018年第一季度 区教委 一、3 与扶贫协作地区学校结对数"));
    assert!(audit.body.contains("<td>张伟</td>"), "a name, not a login");
    assert!(
        !audit.body.contains("登录失败"),
        "filtered out by unit and period"
    );
    let everything = app.get_as(&auditor, "/audit?user=jw-clerk").await;
    assert!(everything.body.contains("登录失败"));
    let bad = app.get_as(&auditor, "/audit?from=2018-13-01").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("开始日期“2018-13-01”无效"));
    let (status, headers, bytes) =
        crate::sheets::get_bytes(&app, &auditor, "/audit.xlsx?unit=jw").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let (name, rows) = crate::sheets::first_sheet(&bytes);
    assert_eq!(name, "审计日志");
    assert_eq!(rows.len(), 4, "title, headers, the two changes: {rows:?}");
    // Newest first: 3 then 4 for 一、3 of 2018Q1 (the time is the real clock's).
    assert_eq!(
        rows[2][1..],
        [
            "张伟",
            "",
            "修改数据",
            "2018年第一季度 区教委 一、3 与扶贫协作地区学校结对数",
            "3",
            "4",
            ""
        ]
    );
    assert_eq!(
        rows[3][1..],
        [
            "张伟",
            "",
            "修改数据",
            "2018年第一季度 区教委 一、3 与扶贫协作地区学校结对数",
            "",
            "3",
            ""
        ]
    );
}
