//! The funds ledger over HTTP: a finance user records a year's money, the form's funding rows fill
//! themselves and disagree visibly, auditors question projects and units answer.

use crate::helpers::{spawn_app, spawn_app_on_postgres, TestApp};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::json;

/// Budget, project, allocation and disbursement through the pages; returns the project id.
pub(crate) async fn record_a_year(app: &TestApp, finance: &crate::helpers::Client) -> i64 {
    let r = app
        .form(
            "/ledger/budgets",
            Some(finance),
            &[
                ("year", "2018"),
                ("area", "cyqq"),
                ("source", "district"),
                ("amount", "3,000,000"),
                ("poverty_amount", "2500000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .form(
            "/ledger/projects",
            Some(finance),
            &[
                ("name", "察右前旗中心小学改扩建"),
                ("area", "cyqq"),
                ("sector", "education"),
                ("unit", "jw"),
                ("poverty_relief", "是"),
                ("approved.district", "1500000"),
                ("planned_start", "2018-02-01"),
                ("planned_finish", "2018-02-28"),
                ("actual_start", "2018-02-05"),
                ("status", "in_progress"),
                ("beneficiaries", "2,345"),
                ("tasks", "1.2-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/ledger/projects/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    for (kind, date, amount) in [
        ("allocation", "2018-01-15", "1500000.55"),
        ("disbursement", "2018-02-01", "1000000"),
    ] {
        let r = app
            .form(
                "/ledger/transactions",
                Some(finance),
                &[
                    ("kind", kind),
                    ("date", date),
                    ("amount", amount),
                    ("source", "区级单独安排"),
                    ("project", &id.to_string()),
                    ("voucher", "记-18-001"),
                    ("back", &format!("/ledger/projects/{id}")),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{kind}: {}", r.body);
        assert!(r
            .location()
            .starts_with(&format!("/ledger/projects/{id}?msg=")));
    }
    id
}

async fn a_finance_user_records_a_year_and_the_form_rows_fill_themselves(app: TestApp) {
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let auditor = app.user("sjj-sj", Role::Auditor, None).await;
    let czj = app.user("czj-clerk", Role::Reporter, Some("czj")).await;
    let id = record_a_year(&app, &finance).await;

    // Allocating beyond the budget: refused with the reason, the input kept, nothing written.
    let r = app
        .form(
            "/ledger/transactions",
            Some(&finance),
            &[
                ("kind", "allocation"),
                ("date", "2018-03-01"),
                ("amount", "1500000"),
                ("source", "district"),
                ("project", &id.to_string()),
                ("voucher", "记-18-099"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("超过2018年该受援地、该资金来源的预算 3,000,000.00 元"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"记-18-099\""), "input kept");
    let txs = app.get_as(&finance, "/api/v1/transactions").await.json();
    assert_eq!(txs.as_array().unwrap().len(), 2);

    // 区财政局 reports 150.01 万元 for row 1.2 各区单独安排; the ledger says 150.00 (150.000055).
    let r = app
        .json(
            Method::PUT,
            "/api/v1/reports/2018Q1/czj/values",
            Some(&czj),
            json!({"values": [{"indicator": "1.1.2", "value": "150.01"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The unit that reports the row sees the ledger's figure beside its input.
    let form = app.get_as(&czj, "/reports/2018Q1/czj").await;
    assert!(
        form.body.contains("资金台账（全区）：150"),
        "ledger hint on the form"
    );

    let page = app.get_as(&auditor, "/reconciliation/2018Q1").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = page
        .body
        .split("data-row=\"1.1.2\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains("overdue") || page.body.contains("data-row=\"1.1.2\" class=\"overdue\""));
    assert!(
        row.contains(">150<") && row.contains("150.01") && row.contains("0.01 不一致"),
        "{row}"
    );
    assert!(row.contains("区财政局"), "{row}");

    let api = app
        .get_as(&auditor, "/api/v1/reconciliation/2018Q1")
        .await
        .json();
    let rows = api["rows"].as_array().unwrap();
    let find = |code: &str| rows.iter().find(|r| r["code"] == code).unwrap().clone();
    assert_eq!(find("1.1.2")["ledger_exact"], "150.000055");
    assert_eq!(find("1.1.2")["difference"], "0.01");
    assert_eq!(find("1.1.2.1")["ledger"], "150");
    assert_eq!(find("1.2")["ledger"], "1");
    assert_eq!(find("1.2.1")["ledger"], "1");
    assert_eq!(find("1.2.2")["ledger"], "0.2345");
    assert!(api["differences"].as_u64().unwrap() >= 1);

    // The finance and audit views: budget against use, the late project, the workbook.
    let ledger = app.get_as(&auditor, "/ledger?year=2018").await;
    assert_eq!(ledger.status, StatusCode::OK);
    for needle in [
        "3,000,000.00",
        "1,500,000.55",
        "1,000,000.00",
        "50.0%",
        "察右前旗中心小学改扩建",
    ] {
        assert!(ledger.body.contains(needle), "{needle}");
    }
    let overdue = ledger.body.split("id=\"overdue-projects\"").nth(1).unwrap();
    assert!(overdue
        .split("</table>")
        .next()
        .unwrap()
        .contains("察右前旗中心小学改扩建"));
    let xlsx = app.get_as(&auditor, "/ledger.xlsx?year=2018").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let (_, _, bytes) = crate::sheets::get_bytes(&app, &auditor, "/ledger.xlsx?year=2018").await;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("2018年预算执行").unwrap();
    // Money is a number in Excel, exact to the 分.
    let allocated = sheet.get_value((2, 4)).unwrap();
    assert_eq!(allocated.to_string(), "1500000.55");
    let dashboard = app.get_as(&auditor, "/dashboard?year=2018").await;
    assert!(
        dashboard.body.contains("各受援地资金")
            && dashboard.body.contains("下达 150.00 / 预算 300.00")
    );
}

async fn reversals_correct_mistakes_and_nothing_is_edited(app: TestApp) {
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let id = record_a_year(&app, &finance).await;
    let txs = app.get_as(&finance, "/api/v1/transactions").await.json();
    let disbursement = txs[1]["id"].as_i64().unwrap();
    let reverse = |back: String| {
        let finance = finance.clone();
        let app = &app;
        async move {
            app.form(
                "/ledger/transactions",
                Some(&finance),
                &[
                    ("reverses", &disbursement.to_string()),
                    ("date", "2018-03-05"),
                    ("back", &back),
                ],
            )
            .await
        }
    };
    let r = reverse(format!("/ledger/projects/{id}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = reverse(String::new()).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("已经冲销过"));
    let page = app
        .get_as(&finance, &format!("/ledger/projects/{id}"))
        .await;
    assert!(page.body.contains(&format!("冲销交易 {disbursement}")));
    assert!(page.body.contains("已被冲销"));
    let txs = app.get_as(&finance, "/api/v1/transactions").await.json();
    assert_eq!(txs.as_array().unwrap().len(), 3);
    assert_eq!(txs[2]["reverses"], disbursement);
    assert_eq!(txs[2]["amount"], "1000000.00");
}

/// The form with `id` in a page, from its opening tag to its end.
fn form_in<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form {id}: {body}"));
    let end = start + body[start..].find("</form>").expect("form ends");
    &body[start..end]
}

/// The opening tag of the input named `field` in `form`.
fn tag_of<'a>(form: &'a str, field: &str) -> &'a str {
    let at = form
        .find(&format!("name=\"{field}\""))
        .unwrap_or_else(|| panic!("no input {field}: {form}"));
    &form[form[..at].rfind('<').unwrap()..at + form[at..].find('>').unwrap()]
}

/// Asserts the input named `field` in `form` kept `typed`, is marked invalid and tied to its own
/// message, and that the message (containing `words`) sits under it, not in the top block.
fn assert_beside(page: &str, form: &str, field: &str, typed: &str, words: &str) {
    let tag = tag_of(form, field);
    assert!(
        tag.contains(&format!("value=\"{typed}\"")),
        "{field} kept: {tag}"
    );
    assert!(tag.contains("aria-invalid=\"true\""), "{field}: {tag}");
    assert!(
        tag.contains(&format!("aria-describedby=\"{field}-error\"")),
        "{field}: {tag}"
    );
    let open = format!("<p class=\"field-error\" id=\"{field}-error\">");
    let message = form[form
        .find(&open)
        .unwrap_or_else(|| panic!("no {open}: {form}"))
        + open.len()..]
        .split("</p>")
        .next()
        .unwrap();
    assert!(message.contains(words), "{field}: {message}");
    let top = page
        .split("id=\"form-errors\"")
        .nth(1)
        .expect("a notice at the top");
    let top = top.split("</div>").next().unwrap();
    assert!(
        !top.contains(words),
        "{field}'s message only beside it: {top}"
    );
}

async fn each_ledger_form_shows_its_mistakes_beside_their_fields(app: TestApp) {
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let id = record_a_year(&app, &finance).await;
    let budget = [
        ("year", "二〇一八"),
        ("area", "cyqq"),
        ("source", "district"),
        ("amount", "三百万"),
        ("poverty_amount", "100"),
    ];
    let r = app.form("/ledger/budgets", Some(&finance), &budget).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = form_in(&r.body, "budget-form");
    assert_beside(
        &r.body,
        form,
        "year",
        "二〇一八",
        "预算年度“二〇一八”应为四位年份",
    );
    assert_beside(&r.body, form, "amount", "三百万", "预算金额（元）");
    assert!(r.body.contains("各栏下方的提示"), "{}", r.body);
    let fine = tag_of(form, "poverty_amount");
    assert!(
        fine.contains("value=\"100\"") && !fine.contains("aria-invalid"),
        "{fine}"
    );

    // A rule across fields belongs to no input: it stays in the block at the top.
    let floor = [
        ("year", "2018"),
        ("amount", "100"),
        ("poverty_amount", "200"),
    ];
    let mut fields = budget.to_vec();
    fields.retain(|(k, _)| !floor.iter().any(|(f, _)| f == k));
    fields.extend(floor);
    let r = app.form("/ledger/budgets", Some(&finance), &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let top = r.body.split("id=\"form-errors\"").nth(1).unwrap();
    assert!(top.contains("超过预算金额"), "{}", r.body);
    assert!(!form_in(&r.body, "budget-form").contains("aria-invalid"));

    let r = app
        .form(
            "/ledger/transactions",
            Some(&finance),
            &[
                ("kind", "disbursement"),
                ("date", "2018-13-01"),
                ("amount", "一万"),
                ("source", "district"),
                ("project", &id.to_string()),
                ("voucher", "记-18-100"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = form_in(&r.body, "tx-form");
    assert_beside(&r.body, form, "date", "2018-13-01", "日期“2018-13-01”无效");
    assert_beside(&r.body, form, "amount", "一万", "金额（元）");
    assert!(form.contains("value=\"记-18-100\""), "voucher kept");

    let project = [
        ("name", "察右前旗卫生院"),
        ("area", "cyqq"),
        ("sector", "health"),
        ("unit", "jw"),
        ("planned_start", "2018-02-30"),
        ("beneficiaries", "12"),
    ];
    let r = app.form("/ledger/projects", Some(&finance), &project).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = form_in(&r.body, "project-form");
    assert_beside(
        &r.body,
        form,
        "planned_start",
        "2018-02-30",
        "计划开工日期“2018-02-30”无效",
    );
    assert!(form.contains("value=\"察右前旗卫生院\""), "name kept");
    let path = format!("/ledger/projects/{id}");
    let r = app.form(&path, Some(&finance), &project).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = form_in(&r.body, "project-form");
    assert_beside(&r.body, form, "planned_start", "2018-02-30", "计划开工日期");
    let fine = tag_of(form, "beneficiaries");
    assert!(
        fine.contains("value=\"12\"") && !fine.contains("aria-invalid"),
        "{fine}"
    );
    assert_eq!(app.state.store.projects().await.unwrap().len(), 1);
}

async fn the_api_checks_every_field_and_writes_nothing_on_error(app: TestApp) {
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/projects",
            Some(&finance),
            json!({"name": "", "area": "北京", "sector": "航天", "unit": "jw",
                   "approved_amounts": {"district": "12.345"}, "planned_start": "2018-13-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let errors = r.json()["errors"].clone();
    let text = errors.to_string();
    for needle in [
        "受援地“北京”不存在",
        "行业“航天”无效",
        "批复金额（元）“12.345”精确到分",
        "计划开工日期“2018-13-01”无效",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let r = app
        .json(
            Method::POST,
            "/api/v1/projects",
            Some(&finance),
            json!({"name": "和田县职业技能培训", "area": "和田县", "sector": "就业", "unit": "区人保局",
                   "approved_amounts": {"区级单独安排": "800000"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let project = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["approved"][0][1], "800000.00");
    let r = app
        .json(
            Method::POST,
            "/api/v1/transactions",
            Some(&finance),
            json!({"kind": "拨付", "date": "2018-03-01", "amount": "-5", "source": "district", "project": project.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"]
        .to_string()
        .contains("金额（元）不能为负数"));
    let r = app
        .json(
            Method::POST,
            "/api/v1/transactions",
            Some(&finance),
            json!({"kind": "拨付", "date": "2018-03-01", "amount": "5", "source": "district", "project": project.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"][0]
        .as_str()
        .unwrap()
        .contains("超过已下达的 0.00 元"));
    assert_eq!(
        app.get_as(&finance, "/api/v1/transactions").await.json(),
        json!([])
    );
    // A reporter cannot record, an auditor cannot change.
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let auditor = app.user("sjj-sj", Role::Auditor, None).await;
    for who in [&jw, &auditor] {
        let r = app
            .json(
                Method::POST,
                "/api/v1/budgets",
                Some(who),
                json!({"year": "2018", "area": "cyqq", "source": "district", "amount": "1"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.get_as(&auditor, "/api/v1/budgets").await.json(),
        json!([])
    );
}

async fn auditors_question_projects_and_the_unit_answers(app: TestApp) {
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let auditor = app.user("sjj-sj", Role::Auditor, None).await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let wjw = app.user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    let id = record_a_year(&app, &finance).await;
    let r = app
        .form(
            &format!("/ledger/projects/{id}/findings"),
            Some(&auditor),
            &[("text", "拨付依据不足，请补充合同")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = app.get_as(&jw, "/home").await;
    assert!(home.body.contains("待答复的审计意见") && home.body.contains("拨付依据不足"));
    let page = app.get_as(&jw, &format!("/ledger/projects/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("拨付依据不足，请补充合同") && page.body.contains("待答复"));
    let finding = page
        .body
        .split("data-finding=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get_as(&wjw, &format!("/ledger/projects/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let path = format!("/ledger/findings/{finding}");
    let r = app
        .form(
            &path,
            Some(&wjw),
            &[("action", "answer"), ("response", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .form(
            &path,
            Some(&jw),
            &[("action", "answer"), ("response", "合同已上传")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .form(&path, Some(&auditor), &[("action", "close")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app
        .get_as(&auditor, &format!("/ledger/projects/{id}"))
        .await;
    assert!(page.body.contains("合同已上传") && page.body.contains("已关闭"));
    let audit = app.get_as(&auditor, "/audit").await;
    assert!(audit.body.contains("提出审计意见"));
    assert!(
        !audit.body.contains("ledger.finding"),
        "no internal code in front of a person"
    );
}

/// The web import: template down, filled sheet up, preview, confirm; a bad sheet names its cells.
async fn spreadsheets_come_in_through_the_page(app: TestApp) {
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let (_, _, template) =
        crate::sheets::get_bytes(&app, &finance, "/ledger/templates/projects").await;
    let preview = app
        .upload("/ledger/import", &finance, "项目清单.xlsx", &template)
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("援建项目清单") && preview.body.contains("确认导入"));
    assert!(
        app.state.store.projects().await.unwrap().is_empty(),
        "nothing before confirming"
    );
    let token = preview
        .body
        .split("name=\"token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let done = app
        .form(
            "/ledger/import/confirm",
            Some(&finance),
            &[("token", &token)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/ledger/projects?msg=ledger_imported");
    assert_eq!(app.state.store.projects().await.unwrap().len(), 1);
    // The token works once.
    let again = app
        .form(
            "/ledger/import/confirm",
            Some(&finance),
            &[("token", &token)],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);

    // A transaction sheet over no budget: refused at its row, nothing written.
    let (_, _, tx_template) =
        crate::sheets::get_bytes(&app, &finance, "/ledger/templates/transactions").await;
    let refused = app
        .upload("/ledger/import", &finance, "流水.xlsx", &tx_template)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("未导入任何数据") && refused.body.contains("第 "),
        "{}",
        refused.body
    );
    let junk = app
        .upload("/ledger/import", &finance, "x.xlsx", b"not a spreadsheet")
        .await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.state.store.transactions().await.unwrap().is_empty());
}

#[tokio::test]
async fn spreadsheets_through_the_page() {
    spreadsheets_come_in_through_the_page(spawn_app().await).await;
}

#[tokio::test]
async fn finance_records_and_reconciles_on_sqlite() {
    a_finance_user_records_a_year_and_the_form_rows_fill_themselves(spawn_app().await).await;
}

#[tokio::test]
async fn finance_records_and_reconciles_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        a_finance_user_records_a_year_and_the_form_rows_fill_themselves(app).await;
    }
}

#[tokio::test]
async fn reversals_on_sqlite() {
    reversals_correct_mistakes_and_nothing_is_edited(spawn_app().await).await;
}

#[tokio::test]
async fn reversals_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        reversals_correct_mistakes_and_nothing_is_edited(app).await;
    }
}

#[tokio::test]
async fn api_field_errors() {
    the_api_checks_every_field_and_writes_nothing_on_error(spawn_app().await).await;
}

#[tokio::test]
async fn findings_are_answered() {
    auditors_question_projects_and_the_unit_answers(spawn_app().await).await;
}

#[tokio::test]
async fn ledger_form_errors_beside_fields_on_sqlite() {
    each_ledger_form_shows_its_mistakes_beside_their_fields(spawn_app().await).await;
}

#[tokio::test]
async fn ledger_form_errors_beside_fields_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        each_ledger_form_shows_its_mistakes_beside_their_fields(app).await;
    }
}
