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

pub(crate) async fn add(app: &TestApp, client: &Client, registry: &str, body: Value) -> Value {
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

pub(crate) fn teacher(name: &str, starts: &str) -> Value {
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
    // By kind (the register's first choice field): 2 teachers, no doctor.
    let kind = |k: &str| format!("/api/v1/registries/talent/entries?kind={k}");
    let teachers = app.get_as(&jw, &kind("%E6%95%99%E5%B8%88")).await;
    assert_eq!(teachers.json().as_array().unwrap().len(), 2);
    let doctors = app.get_as(&jw, &kind("%E5%8C%BB%E7%94%9F")).await;
    assert_eq!(doctors.json().as_array().unwrap().len(), 0);
    let page = app
        .get_as(
            &jw,
            "/registries/pairings?kind=%E5%8C%BB%E9%99%A2%E7%BB%93%E5%AF%B9",
        )
        .await;
    assert!(
        page.body.contains("id=\"registry-empty\""),
        "no hospital pairing"
    );

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

/// 区教委 keeps its pairings on the register's page; the report page shows the register's figure
/// beside the input and starts from it; a different figure needs a 说明 to be submitted.
#[tokio::test]
async fn the_report_fills_itself_from_the_register_and_a_different_figure_needs_a_note() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let school = [
        ("f.kind", "学校结对"),
        ("f.donor_side", "大兴区第一中学"),
        ("f.recipient_side", "察右前旗第一中学"),
        ("f.area", "cyqq"),
        ("f.signed_on", "2018年2月10日"),
    ];
    let refused = app
        .form("/registries/pairings", Some(&jw), &school[..4])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("“签约日期”必须填写"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"大兴区第一中学\""),
        "typed values are kept"
    );
    let added = app.form("/registries/pairings", Some(&jw), &school).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(added.location(), "/registries/pairings?msg=entry_added");
    let list = app
        .get_as(&jw, "/registries/pairings?msg=entry_added")
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("台账条目已保存。"));
    assert!(list.body.contains("察右前旗第一中学") && list.body.contains("2018-02-10"));
    assert!(list.body.contains("<td>察右前旗</td>"), "areas by name");
    let index = app.get_as(&jw, "/registries").await;
    assert!(index.body.contains("href=\"/registries/talent\""));
    // The list exports as a spreadsheet with the fields' names.
    let (status, _, bytes) =
        crate::sheets::get_bytes(&app, &jw, "/registries/pairings/entries.xlsx?year=2018").await;
    assert_eq!(status, StatusCode::OK);
    {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let name = book.sheet_names()[0].clone();
        let sheet = book.worksheet_range(&name).unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
        for expected in [
            "签约日期",
            "区教委",
            "察右前旗第一中学",
            "察右前旗",
            "2018-02-10",
            "有效",
        ] {
            assert!(cells.iter().any(|c| c == expected), "{expected}: {cells:?}");
        }
    }

    // The report starts from the register and links to the entries counted.
    let page = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert!(
        page.body
            .contains("id=\"v-1.3\" name=\"v.1.3\" value=\"1\""),
        "prefilled"
    );
    let hint = page
        .body
        .split("id=\"register-1.3\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        hint.starts_with(">台账：<a href=\"/registries/pairings?unit=jw&"),
        "{hint}"
    );
    let counted = app
        .get_as(
            &jw,
            "/registries/pairings?unit=jw&indicator=1.3&period=2018Q1",
        )
        .await;
    assert!(
        counted.body.contains("仅列出计入 2018年第一季度"),
        "{}",
        counted.body
    );
    assert!(counted.body.contains("察右前旗第一中学"));

    // 3 typed where the register says 1: saved with a warning, refused on 报送 until explained.
    let values = crate::reporting::values(crate::reporting::JW_COMPLETE);
    let mut body = values.clone();
    body["narrative"] = json!({"progress": "结对帮扶", "problems": "", "next_steps": ""});
    let saved = app
        .json(
            Method::PUT,
            "/api/v1/reports/2018Q1/jw/values",
            Some(&jw),
            body,
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let draft = app.get_as(&jw, "/reports/2018Q1/jw").await;
    assert!(
        draft
            .body
            .contains("台账计算数 1 不同，请在说明中写明原因（草稿已保存，报送前须说明）"),
        "{}",
        draft.body
    );
    let sent = app
        .json(
            Method::POST,
            "/api/v1/reports/2018Q1/jw/submit",
            Some(&jw),
            json!({}),
        )
        .await;
    assert_eq!(
        sent.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        sent.body
    );
    assert!(sent
        .body
        .contains("一、3 与扶贫协作地区学校结对数：填报数 3 与台账计算数 1 不同"));
    let explained = app
        .json(
            Method::PUT,
            "/api/v1/reports/2018Q1/jw/values",
            Some(&jw),
            json!({"values": [{"indicator": "1.3", "value": "3", "comment": "另有2所学校的协议待签"}]}),
        )
        .await;
    assert_eq!(explained.status, StatusCode::OK, "{}", explained.body);
    let sent = app
        .json(
            Method::POST,
            "/api/v1/reports/2018Q1/jw/submit",
            Some(&jw),
            json!({}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);

    // The coordinator's reconciliation: 区教委's 一、3 is 1 in the register and 3 reported.
    let fgw = app.user("fgw-coordinator", Role::Coordinator, None).await;
    let index = app.get_as(&fgw, "/registries").await;
    assert!(index.body.contains("/reconciliation/2018Q1/registries"));
    let recon = app.get_as(&fgw, "/reconciliation/2018Q1/registries").await;
    assert_eq!(recon.status, StatusCode::OK, "{}", recon.body);
    // Every fed row with its totals, and a link to it unit by unit.
    let overview = recon
        .body
        .split("data-row=\"1.3\"")
        .nth(1)
        .expect("the line of 一、3");
    assert!(
        overview.contains("1 个单位不一致，逐单位核对") && overview.contains("?row=1.3"),
        "{overview}"
    );
    assert!(recon.body.contains("处台账数与填报数不一致"));
    assert!(
        !recon.body.contains("（1 条）"),
        "units only on a row's page"
    );
    let recon = app
        .get_as(&fgw, "/reconciliation/2018Q1/registries?row=1.3")
        .await;
    assert_eq!(recon.status, StatusCode::OK, "{}", recon.body);
    let row = recon
        .body
        .split("data-row=\"1.3\"")
        .nth(2)
        .expect("区教委's line of 一、3");
    assert!(
        row.contains("区教委") && row.contains(">1</a>（1 条）") && row.contains(">3<"),
        "{row}"
    );
    assert!(row.contains("2 不一致"), "{row}");
    let unknown = app
        .get_as(&fgw, "/reconciliation/2018Q1/registries?row=9.9")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let api = app
        .get_as(&fgw, "/api/v1/reconciliation/2018Q1/registries")
        .await
        .json();
    let school = api
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "1.3")
        .unwrap();
    assert_eq!(school["register_total"], "1");
    let jw_line = school["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "jw")
        .unwrap();
    assert_eq!(jw_line["reported"], "3");
    assert_eq!(jw_line["difference"], "2");
    assert_eq!(jw_line["agrees"], false);
    let denied = app.get_as(&jw, "/reconciliation/2018Q1/registries").await;
    assert_ne!(denied.status, StatusCode::OK);

    // The entry's page: edit, and void with a reason.
    let entries = app
        .get_as(&jw, "/api/v1/registries/pairings/entries")
        .await
        .json();
    let id = entries[0]["id"].as_i64().unwrap();
    let entry = app
        .get_as(&jw, &format!("/registries/pairings/entries/{id}"))
        .await;
    assert!(entry.body.contains("大兴区第一中学") && entry.body.contains("entry-void"));
    let path = format!("/registries/pairings/entries/{id}/void");
    let no_reason = app.form(&path, Some(&jw), &[("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("作废必须说明原因"));
    let voided = app
        .form(&path, Some(&jw), &[("reason", "协议未生效")])
        .await;
    assert_eq!(voided.status, StatusCode::SEE_OTHER);
    let entry = app
        .get_as(&jw, &format!("/registries/pairings/entries/{id}"))
        .await;
    assert!(entry.body.contains("原因：协议未生效") && !entry.body.contains("id=\"entry-void\""));
    app.db.cleanup().await;
}

/// A register's export comes back in through the import: preview naming every bad cell, then
/// all rows or none.
#[tokio::test]
async fn a_register_spreadsheet_round_trips_through_export_and_import() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    add(&app, &jw, "talent", teacher("张老师", "2018-01-15")).await;
    add(&app, &jw, "talent", teacher("王老师", "2018-03-20")).await;
    let (status, _, exported) =
        crate::sheets::get_bytes(&app, &jw, "/registries/talent/entries.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, template) =
        crate::sheets::get_bytes(&app, &jw, "/registries/talent/template.xlsx").await;
    assert_eq!(status, StatusCode::OK);

    // Into another database: the same entries, the same figures.
    let other = spawn_app().await;
    let jw2 = other.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let preview = other
        .upload(
            "/registries/talent/import",
            &jw2,
            "人才交流.xlsx",
            &exported,
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("张老师") && preview.body.contains("（2 条）"));
    let token = preview
        .body
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    let done = other
        .form(
            "/registries/talent/import/confirm",
            Some(&jw2),
            &[("token", &token)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let r = report(&other, &jw2, "2018Q1", "jw").await;
    assert_eq!(computed(&r, "4.2"), ("2".into(), 2));
    let (_, _, again) =
        crate::sheets::get_bytes(&other, &jw2, "/registries/talent/entries.xlsx").await;
    let cells = |bytes: Vec<u8>| {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let name = book.sheet_names()[0].clone();
        let sheet = book.worksheet_range(&name).unwrap();
        // Without the 编号 and 最后修改 columns, which differ by database and time.
        sheet
            .rows()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(c, _)| *c != 0 && *c + 1 != r.len())
                    .map(|(_, v)| v.to_string())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let mut before = cells(exported);
    let mut after = cells(again);
    before.sort();
    after.sort();
    assert_eq!(before, after);

    // A bad sheet: every bad cell named, nothing written.
    let row = |cells: [&str; 7]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let bad = bangfu_xlsx::table_workbook(
        "人才交流",
        &[
            "填报单位",
            "姓名",
            "方向",
            "类别",
            "选派层级",
            "受援地",
            "开始日期",
        ],
        &[12.0; 7],
        &[
            row([
                "区教委",
                "李老师",
                "东部到西部",
                "教师",
                "区级",
                "察右前旗",
                "2018-02-01",
            ]),
            row([
                "区卫计委",
                "赵医生",
                "东部到西部",
                "医生",
                "区级",
                "察右前旗",
                "2018-02-01",
            ]),
            row(["", "钱老师", "南到北", "教师", "区级", "火星", "2018-02-01"]),
        ],
    )
    .unwrap();
    let refused = other
        .upload("/registries/talent/import", &jw2, "坏.xlsx", &bad)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("A4：无权录入区卫计委的台账"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("C5：“方向”应为"), "{}", refused.body);
    assert!(refused
        .body
        .contains("F5：“受援地”中的受援地“火星”不在方案中"));
    let ok_template = other
        .upload("/registries/talent/import", &jw2, "模板.xlsx", &template)
        .await;
    assert!(ok_template.body.contains("表格中没有台账条目"));
    let r = report(&other, &jw2, "2018Q1", "jw").await;
    assert_eq!(
        computed(&r, "4.2"),
        ("2".into(), 2),
        "nothing more was written"
    );
    app.db.cleanup().await;
    other.db.cleanup().await;
}

/// A plan that weighs 台账一致 in the annual assessment: a figure other than the register's costs
/// its share, and the reason names the row.
#[tokio::test]
async fn the_assessment_counts_figures_that_match_the_register() {
    let weights = "coordinator = 10    # the coordinator's own score";
    assert!(crate::helpers::BUILT_IN.contains(weights));
    let plan = crate::helpers::BUILT_IN.replacen(weights, "coordinator = 0\nregisters = 10", 1);
    let mut app = crate::helpers::spawn_app_with_plan(&plan).await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    add(
        &app,
        &jw,
        "pairings",
        json!({"values": {
            "kind": "学校结对", "donor_side": "大兴区第一中学",
            "recipient_side": "察右前旗第一中学", "area": "cyqq", "signed_on": "2018-02-10"
        }}),
    )
    .await;
    let mut body = crate::reporting::values(crate::reporting::JW_COMPLETE);
    body["values"][0]["comment"] = json!("另有2所学校的协议待签");
    body["narrative"] = json!({"progress": "结对帮扶", "problems": "", "next_steps": ""});
    let saved = app
        .json(
            Method::PUT,
            "/api/v1/reports/2018Q1/jw/values",
            Some(&jw),
            body,
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let sent = app
        .json(
            Method::POST,
            "/api/v1/reports/2018Q1/jw/submit",
            Some(&jw),
            json!({}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    app.state.clock = bangfu_web::Clock::Fixed("2018-04-02T02:00:00Z".parse().unwrap());
    let fgw = app.user("fgw-coordinator", Role::Coordinator, None).await;
    let page = app.get_as(&fgw, "/assessment?year=2018").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = page
        .body
        .split("data-unit=\"jw\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap()
        .to_string();
    // 区教委 fills 5 register rows: 一、3 says 3 where the register says 1, and 四、2 with its
    // 其中 rows rest on no entry; only 一、7 (0) matches: 1 of 5 → 2 points.
    assert!(row.contains("台账一致：2 / 10"), "{row}");
    assert!(
        row.contains("由台账填报的指标 5 项次，与台账一致 1 项次；不一致：2018年第一季度 一、3 与扶贫协作地区学校结对数（填报 3，台账 1）"),
        "{row}"
    );
    app.db.cleanup().await;
}
