//! Everyday use (issue 13) over HTTP: people by their names and never their logins, one status
//! vocabulary, the dashboard's formal figures, forms that keep what was typed, the reporter's tasks.

use crate::helpers::{name_of, spawn_app, spawn_app_on_postgres, visible_text, Client, TestApp};
use crate::oversight::a_year_of_reports;
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use bangfu_web::Clock;
use calamine::{open_workbook_from_rs, Reader, Xlsx};
use serde_json::json;
use std::io::Cursor;

/// The page names `login`'s person and shows the login nowhere a person reads (only as the
/// name's tooltip).
fn names_not_logins(body: &str, login: &str, page: &str) {
    let text = visible_text(body);
    assert!(
        text.contains(&name_of(login)),
        "{page}: {} missing",
        name_of(login)
    );
    assert!(!text.contains(login), "{page} shows the login {login}");
    assert!(
        body.contains(&format!("title=\"{login}\"")),
        "{page}: the login as the tooltip"
    );
}

const PDF: &[u8] = b"%PDF-1.4 test";

/// 区委组织部 records a 培训班 on task 2.2-1 for 2018年第一季度 and attaches a file.
pub(crate) async fn zzb_records_progress_with_a_file(app: &TestApp, zzb: &Client) {
    let r = app
        .form(
            "/tasks/2.2-1/progress",
            Some(zzb),
            &[("target", "0"), ("period", "2018Q1"), ("quantity", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .upload("/tasks/2.2-1/evidence", zzb, "培训通知.pdf", PDF)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn people_are_named_on_every_page(app: TestApp) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let zzb = app.user("zzb-clerk", Role::Reporter, Some("zzb")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let auditor = app.user("sjj-sj", Role::Auditor, None).await;
    // The report's evidence: 上传人.
    let r = app
        .upload("/reports/2018Q1/jw/evidence", &jw, "协议.pdf", PDF)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_as(&fgw, "/reports/2018Q1/jw").await;
    names_not_logins(&page.body, "jw-clerk", "report evidence");
    // A task's progress (填报人) and evidence.
    zzb_records_progress_with_a_file(&app, &zzb).await;
    let page = app.get_as(&fgw, "/tasks/2.2-1?year=2018").await;
    names_not_logins(&page.body, "zzb-clerk", "task page");
    assert_eq!(
        visible_text(&page.body)
            .matches(&name_of("zzb-clerk"))
            .count(),
        2,
        "progress and evidence"
    );
    // A problem: 提出人 and the history's 操作人.
    let r = app
        .form(
            "/problems",
            Some(&fgw),
            &[("description", "资金拨付进度慢"), ("unit", "zzb")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .form(
            r.location().split('?').next().unwrap(),
            Some(&fgw),
            &[
                ("status", "in_progress"),
                ("resolution", "已催办"),
                ("owner", "王五"),
                ("due", "2018.12.31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_as(&fgw, r.location()).await;
    names_not_logins(&page.body, "coordinator", "problem page");
    // The reassignment is in the history, as people write it.
    assert!(
        page.body
            .contains("处理中；已催办；责任人：王五；办结期限：2018年12月31日"),
        "{}",
        page.body
    );
    // The ledger: 录入人 on the journal and in the workbook; project documents and findings.
    let id = crate::ledger::record_a_year(&app, &finance).await;
    let journal = app.get_as(&finance, "/ledger/transactions?year=2018").await;
    names_not_logins(&journal.body, "czj-cw", "journal");
    let (status, _, bytes) =
        crate::sheets::get_bytes(&app, &finance, "/ledger.xlsx?year=2018").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("2018年资金流水").unwrap();
    let cells: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(cells.contains(&name_of("czj-cw")), "{cells:?}");
    assert!(!cells.iter().any(|c| c.contains("czj-cw")), "{cells:?}");
    let r = app
        .upload(
            &format!("/ledger/projects/{id}/documents?kind=contract"),
            &finance,
            "合同.pdf",
            PDF,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .form(
            &format!("/ledger/projects/{id}/findings"),
            Some(&auditor),
            &[("text", "拨付依据不足")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get_as(&auditor, &format!("/ledger/projects/{id}"))
        .await;
    names_not_logins(&page.body, "czj-cw", "project documents");
    names_not_logins(&page.body, "sjj-sj", "project findings");
}

#[tokio::test]
async fn people_are_named_on_sqlite() {
    people_are_named_on_every_page(spawn_app().await).await;
}

#[tokio::test]
async fn people_are_named_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        people_are_named_on_every_page(app).await;
    }
}

fn report_status(body: &str) -> String {
    body.split("id=\"report-status\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_report_page_uses_the_words_of_the_reporting_overview() {
    // 2018-03-10: 2018Q1 is open, due on 2018-04-20.
    let mut app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let home = app.get_as(&jw, "/home").await;
    let due = home.body.split("id=\"due\"").nth(1).unwrap();
    assert!(
        due.contains("<span class=\"status\">未填报</span>"),
        "{due}"
    );
    let page = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert_eq!(report_status(&page.body), "未填报");
    let r = app
        .form(
            "/reports/2018Q1/jw",
            Some(&jw),
            &[("version", "0"), ("intent", "save"), ("v.1.3", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert_eq!(report_status(&page.body), "草稿");
    // After 2018Q2's deadline (2018-07-20), with nothing saved for it.
    app.state.clock = Clock::Fixed("2018-07-25T02:00:00Z".parse().unwrap());
    // Signed in again: months later the old session has timed out.
    let jw = app.login("jw-clerk").await;
    let page = app.get_as(&jw, "/reports/2018Q2/jw").await;
    assert_eq!(report_status(&page.body), "缺报");
}

/// The dashboard's key figure of row `label`.
fn key_figure(body: &str, label: &str) -> String {
    let table = body.split("id=\"key-figures\"").nth(1).unwrap();
    let row = table.split(label).nth(1).unwrap();
    row.split("<td class=\"num\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_dashboard_counts_submitted_reports_unless_drafts_are_asked_for() {
    // 区财政局's 2018Q3 draft has 1.1 = 250.50; nothing is submitted.
    let app = a_year_of_reports().await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let plain = app.get_as(&leader, "/dashboard?year=2018").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(
        key_figure(&plain.body, "一、1"),
        "—",
        "the draft is left out"
    );
    assert!(plain.body.contains("只计已报送和已审核的报表"));
    assert!(!plain.body.contains("id=\"include-drafts\" checked"));
    let drafts = app
        .get_as(&leader, "/dashboard?year=2018&include_drafts=true")
        .await;
    assert_eq!(key_figure(&drafts.body, "一、1"), "250.50");
    assert!(drafts.body.contains("id=\"include-drafts\" checked"));
    assert!(drafts.body.contains("含各单位尚未报送的草稿"));
}

#[tokio::test]
async fn dashboard_target_names_are_whole_and_the_heat_map_is_compact() {
    let app = a_year_of_reports().await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let page = app.get_as(&leader, "/dashboard?year=2018").await;
    let svg = page
        .body
        .split("id=\"targets\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    let descriptions: Vec<&str> = app
        .state
        .plan
        .tasks
        .iter()
        .flat_map(|t| t.targets.iter().map(|x| x.description.as_str()))
        .collect();
    let labels: Vec<&str> = svg
        .split("<rect")
        .skip(1)
        .filter_map(|r| r.split("<title>").nth(1)?.split('：').next())
        .collect();
    assert!(!labels.is_empty(), "{svg}");
    for label in &labels {
        assert!(
            descriptions.contains(label),
            "a target's whole name: {label}"
        );
    }
    assert!(labels.iter().any(|l| l.chars().count() > 16), "{labels:?}");
    // The heat map: units whose quarters read the same share a row; the worst first.
    let heat = page
        .body
        .split("id=\"timeliness\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    let rows = heat.matches("text-anchor=\"end\"").count();
    assert!((2..=6).contains(&rows), "{rows} rows: {heat}");
    let wjw = heat.find(">区卫计委<");
    let many = heat.find(" 个单位<").unwrap();
    assert!(wjw.is_none_or(|w| many < w), "{heat}");
}

#[tokio::test]
async fn the_heat_map_opens_on_the_current_year_worst_first() {
    let mut app = spawn_app().await;
    // 2019-07-25: the year's first two quarters are past their deadlines.
    app.state.clock = Clock::Fixed("2019-07-25T02:00:00Z".parse().unwrap());
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let leader = app.user("leader", Role::Viewer, None).await;
    submit(&app, &jw, "2019Q1", complete()).await;
    let page = app.get_as(&leader, "/dashboard").await;
    assert!(
        page.body.contains("2019年各单位报送情况"),
        "the current year"
    );
    let heat = page.body.split("id=\"timeliness\"").nth(1).unwrap();
    let heat = heat.split("</svg>").next().unwrap();
    // Every other unit is 缺报 twice: one row, before 区教委 (迟报, 缺报).
    assert_eq!(heat.matches("text-anchor=\"end\"").count(), 2, "{heat}");
    let others = heat.find(" 个单位<").expect("the grouped row");
    let jw_row = heat.find(">区教委<").expect("区教委's row");
    assert!(others < jw_row, "worst first: {heat}");
    assert!(heat.contains("href=\"/reports/2019Q1/jw\""));
    assert!(heat.contains("href=\"/completeness?year=2019\""));
}

/// A refused form's page: the status, the signed-in header and what was typed.
fn kept(r: &crate::helpers::TestResponse, status: StatusCode, typed: &[&str]) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.body.contains("class=\"who\""), "the signed-in header");
    for t in typed {
        assert!(r.body.contains(t), "“{t}” kept: {}", r.body);
    }
}

#[tokio::test]
async fn refused_forms_show_their_page_with_the_error_beside_the_field() {
    let app = a_year_of_reports().await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let zzb = app.user("zzb-clerk", Role::Reporter, Some("zzb")).await;
    // Raising a problem.
    let r = app
        .form(
            "/problems",
            Some(&fgw),
            &[
                ("description", "培训场地未落实"),
                ("unit", "zzb"),
                ("owner", "李四"),
                ("due", "年底前"),
            ],
        )
        .await;
    kept(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "培训场地未落实</textarea>",
            "value=\"李四\"",
            "value=\"年底前\"",
            "<option value=\"zzb\" selected>",
            "id=\"due-error\">办结期限“年底前”无效",
        ],
    );
    let r = app
        .form(
            "/problems",
            Some(&fgw),
            &[("description", " "), ("unit", "zzb")],
        )
        .await;
    kept(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["id=\"description-error\">请填写问题描述"],
    );
    let r = app
        .form(
            "/problems",
            Some(&fgw),
            &[
                ("description", "培训场地未落实"),
                ("unit", "zzb"),
                ("due", "2018年12月31日"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = app.state.store.problems().await.unwrap()[0].id;
    assert_eq!(r.location(), format!("/problems/{id}?msg=problem_raised"));
    // A task's evidence of a type not taken.
    let r = app
        .upload("/tasks/2.2-1/evidence", &zzb, "通知.exe", b"MZ")
        .await;
    kept(
        &r,
        StatusCode::BAD_REQUEST,
        &[
            "id=\"file-error\" role=\"alert\">佐证材料未上传",
            "填报进展",
        ],
    );
    assert!(
        !r.body.contains("未记录：请按提示改正"),
        "the progress form is fine"
    );
    // The audit filter and the ledger's 闲置天数.
    let auditor = app.user("sjj-sj", Role::Auditor, None).await;
    let r = app
        .get_as(&auditor, "/audit?from=2018-13-01&to=2018年6月30日")
        .await;
    kept(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "value=\"2018-13-01\"",
            "value=\"2018年6月30日\"",
            "id=\"from-error\">开始日期“2018-13-01”无效",
        ],
    );
    assert!(
        !r.body.contains("id=\"to-error\""),
        "a good date is not an error"
    );
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let r = app.get_as(&finance, "/ledger?days=三十").await;
    kept(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["value=\"三十\"", "id=\"days-error\">闲置天数“三十”"],
    );
}

async fn project_forms_keep_their_input(app: TestApp) {
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let auditor = app.user("sjj-sj", Role::Auditor, None).await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let id = crate::ledger::record_a_year(&app, &finance).await;
    let project = format!("/ledger/projects/{id}");
    let r = app
        .upload(
            &format!("{project}/documents?kind=contract"),
            &finance,
            "合同.html",
            b"<html>",
        )
        .await;
    kept(
        &r,
        StatusCode::BAD_REQUEST,
        &["id=\"file-error\" role=\"alert\">佐证材料未上传"],
    );
    let r = app
        .form(
            &format!("{project}/findings"),
            Some(&auditor),
            &[("text", "拨付依据不足"), ("transaction", "第三笔")],
        )
        .await;
    kept(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "拨付依据不足</textarea>",
            "value=\"第三笔\"",
            "id=\"finding-error\" role=\"alert\">涉及交易编号“第三笔”无效",
        ],
    );
    let r = app
        .form(
            &format!("{project}/findings"),
            Some(&auditor),
            &[("text", "拨付依据不足")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let finding = app.state.store.findings().await.unwrap()[0].id;
    let r = app
        .form(
            &format!("/ledger/findings/{finding}"),
            Some(&jw),
            &[("action", "answer"), ("response", "  ")],
        )
        .await;
    kept(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["id=\"answer-error\" role=\"alert\">请填写答复内容"],
    );
}

#[tokio::test]
async fn project_forms_on_sqlite() {
    project_forms_keep_their_input(spawn_app().await).await;
}

#[tokio::test]
async fn project_forms_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        project_forms_keep_their_input(app).await;
    }
}

#[tokio::test]
async fn the_reporter_home_lists_the_units_tasks_with_progress_to_record() {
    // 2018-07-02: the quarter is 2018年第三季度.
    let app = a_year_of_reports().await;
    let zzb = app.user("zzb-clerk", Role::Reporter, Some("zzb")).await;
    let tasks_of = |body: &str| {
        body.split("id=\"my-tasks\"")
            .nth(1)
            .expect("the tasks section")
            .split("</table>")
            .next()
            .unwrap()
            .to_string()
    };
    let home = app.get_as(&zzb, "/home").await;
    assert!(
        home.body.contains("任务进展（2018年第三季度）"),
        "{}",
        home.body
    );
    let before = tasks_of(&home.body);
    let row = before
        .split("<tr>")
        .find(|r| r.contains("/tasks/2.2-1"))
        .unwrap()
        .to_string();
    assert!(
        row.contains("牵头") && row.contains("未填报") && row.contains("填报进展"),
        "{row}"
    );
    // The link's page offers this quarter first.
    let task = app.get_as(&zzb, "/tasks/2.2-1").await;
    let periods = task.body.split("<select name=\"period\">").nth(1).unwrap();
    assert!(periods.starts_with("<option value=\"2018Q3\""), "{periods}");
    let r = app
        .form(
            "/tasks/2.2-1/progress",
            Some(&zzb),
            &[("target", "0"), ("period", "2018Q3"), ("quantity", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = tasks_of(&app.get_as(&zzb, "/home").await.body);
    let row = after
        .split("<tr>")
        .find(|r| r.contains("/tasks/2.2-1"))
        .unwrap()
        .to_string();
    assert!(row.contains("已填报"), "{row}");
    // A unit with no task of its own has no such section.
    let czj = app.login("czj-clerk").await;
    let other = app.get_as(&czj, "/home").await;
    let tasks = app.state.plan.tasks.iter().filter(|t| {
        t.lead
            .iter()
            .chain(&t.cooperating)
            .any(|p| app.state.plan.expand_party(p).contains(&"czj"))
    });
    assert_eq!(other.body.contains("id=\"my-tasks\""), tasks.count() > 0);
}

#[tokio::test]
async fn the_reviewer_sees_the_reporters_warnings_and_decides_at_the_top() {
    let mut app = spawn_app().await;
    app.state.clock = Clock::Fixed("2018-06-10T02:00:00Z".parse().unwrap());
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    crate::reporting::submit_jw_complete(&app, &jw).await;
    let mut q2 = complete();
    // 1.3 down from 3 to 2 since the first quarter, explained.
    q2["values"][0] = json!({"indicator": "1.3", "value": "2", "comment": "一所学校撤并"});
    submit(&app, &jw, "2018Q2", q2).await;
    let page = app.get_as(&fgw, "/reports/2018Q2/jw").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("小于上季度累计数 (3)"),
        "the reporter's warning: {}",
        page.body
    );
    let top = page.body.split("id=\"review-top\"").nth(1).unwrap();
    let top = top.split("</div>").next().unwrap();
    assert!(top.contains("id=\"approve-top\"") && top.contains("id=\"return-top\""));
    let r = app
        .form(
            "/reports/2018Q2/jw/review",
            Some(&fgw),
            &[("action", "approve"), ("version", &version(&page.body))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

fn version(body: &str) -> String {
    body.split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// 区教委's every row filled (1.3 first) with a 进展情况.
fn complete() -> serde_json::Value {
    let values: Vec<_> = crate::reporting::JW_COMPLETE
        .iter()
        .map(|(row, value)| json!({"indicator": row, "value": value}))
        .collect();
    json!({
        "values": values,
        "narrative": {"progress": "选派教师", "problems": "", "next_steps": ""}
    })
}

/// 区教委 saves `body` for `period` and submits it, through the API.
async fn submit(app: &TestApp, client: &Client, period: &str, body: serde_json::Value) {
    let path = format!("/api/v1/reports/{period}/jw");
    let r = app
        .json(Method::PUT, &format!("{path}/values"), Some(client), body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .json(
            Method::POST,
            &format!("{path}/submit"),
            Some(client),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
