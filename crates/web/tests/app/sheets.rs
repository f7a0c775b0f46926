//! Spreadsheets over HTTP: downloads, imports with preview, hostile files, LibreOffice.

use crate::helpers::{spawn_app, Client, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use bangfu_domain::user::Role;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use serde_json::json;
use std::io::Cursor;

pub(crate) async fn get_bytes(
    app: &TestApp,
    client: &Client,
    path: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = bangfu_web::router(app.state.clone());
    use tower::ServiceExt;
    let r = response
        .oneshot(
            Request::get(path)
                .header(header::COOKIE, &client.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    (status, headers, bytes)
}

async fn import(
    app: &TestApp,
    client: &Client,
    path: &str,
    bytes: Vec<u8>,
) -> crate::helpers::TestResponse {
    app.send(
        Request::post(path)
            .header(header::COOKIE, &client.cookie)
            .header("x-csrf-token", &client.csrf)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

/// The first sheet of a downloaded workbook as text, row by row from A1 (empty cells as "").
pub(crate) fn first_sheet(bytes: &[u8]) -> (String, Vec<Vec<String>>) {
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("a readable workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let (rows, cols) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
    let text = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| {
                    range
                        .get_value((r, c))
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    (name, text)
}

/// The one row whose first cell is `first`.
pub(crate) fn row_of<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    let found: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == first).collect();
    assert_eq!(found.len(), 1, "one row “{first}” in {rows:?}");
    found[0]
}

pub(crate) fn value_at(bytes: &[u8], sheet: &str, label: &str) -> Option<Data> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range.rows().find(|r| r[0] == *label).map(|r| r[2].clone())
}

async fn with_reports(app: &TestApp) -> (Client, Client, Client) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let wjw = app.user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let put = |c: &Client, unit: &str, body: serde_json::Value| {
        let path = format!("/api/v1/reports/2018Q2/{unit}/values");
        let c = c.clone();
        async move { app.json(Method::PUT, &path, Some(&c), body).await }
    };
    assert_eq!(
        put(
            &jw,
            "jw",
            json!({"values": [{"indicator": "1.3", "value": "3"}]})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        put(
            &wjw,
            "wjw",
            json!({"values": [{"indicator": "1.4", "value": "2"}]})
        )
        .await
        .status,
        StatusCode::OK
    );
    (jw, wjw, fgw)
}

#[tokio::test]
async fn district_and_unit_forms_download_with_their_values() {
    let app = spawn_app().await;
    let (jw, _wjw, fgw) = with_reports(&app).await;
    let (status, headers, bytes) = get_bytes(
        &app,
        &fgw,
        "/api/v1/forms/2018Q2.xlsx?units=true&include_drafts=true",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), vec!["全区汇总", "区教委", "区卫计委"]);
    assert_eq!(
        value_at(&bytes, "全区汇总", "3.与扶贫协作地区学校结对数"),
        Some(Data::Float(3.0))
    );
    assert_eq!(
        value_at(&bytes, "全区汇总", "4.与扶贫协作地区医院结对数"),
        Some(Data::Float(2.0))
    );

    let (status, _, own) = get_bytes(&app, &jw, "/api/v1/forms/2018Q2.xlsx?unit=jw").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        value_at(&own, "区教委", "3.与扶贫协作地区学校结对数"),
        Some(Data::Float(3.0))
    );
    assert_eq!(
        get_bytes(&app, &jw, "/api/v1/forms/2018Q2.xlsx?unit=wjw")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_bytes(&app, &jw, "/api/v1/forms/2018Q2.xlsx").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_bytes(&app, &jw, "/api/v1/forms/2018Q2.pdf").await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, _, tasks) = get_bytes(&app, &jw, "/api/v1/tasks.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let (name, rows) = first_sheet(&tasks);
    assert_eq!(name, "任务分解表");
    assert_eq!(
        rows[1],
        [
            "序号",
            "任务",
            "受援地",
            "牵头部门",
            "配合部门",
            "目标",
            "最新进展"
        ]
    );
    let is_task = |code: &str| {
        code.split_once('-').is_some_and(|(a, b)| {
            let number =
                |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit() || c == b'.');
            number(a) && number(b)
        })
    };
    assert_eq!(
        rows.iter().filter(|r| is_task(&r[0])).count(),
        32,
        "the 32 tasks of the plan file"
    );
    let hospitals = row_of(&rows, "1.2-7");
    assert!(hospitals[1].starts_with("医疗卫生帮扶与医疗机构结对\n"));
    assert_eq!(hospitals[3], "区卫计委");
    assert_eq!(
        hospitals[5],
        "大兴区与察右前旗、和田县每年至少各结对1家医疗机构并签订结对帮扶协议（每年（每个受援地） 不少于 1家）"
    );
}

#[tokio::test]
async fn a_filled_form_imports_after_a_preview_all_or_nothing() {
    let app = spawn_app().await;
    let (jw, _, fgw) = with_reports(&app).await;
    let (_, _, own) = get_bytes(&app, &jw, "/api/v1/forms/2018Q2.xlsx?unit=jw").await;
    // The clerk fills the downloaded form in Excel: rewrite it with more values.
    let sheet = bangfu_xlsx::FormSheet {
        sheet_name: "区教委".into(),
        subtitle: String::new(),
        header: Default::default(),
        values: [
            ("1.3", "5"),
            ("1.7", "1"),
            ("4.2", "3"),
            ("4.2.1", "2"),
            ("4.2.2", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
        .collect(),
    };
    let filled = bangfu_xlsx::form_workbook(&app.state.plan, &[sheet]).unwrap();
    assert_ne!(own, filled);

    let path = "/api/v1/reports/2018Q2/jw/import";
    let dry = import(
        &app,
        &jw,
        &format!("{path}?dry_run=true&file_name=jw.xlsx"),
        filled.clone(),
    )
    .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    let body = dry.json();
    assert_eq!(body["applied"], false);
    let first = &body["preview"]["changes"][0];
    assert_eq!(first["indicator"], "1.3");
    assert_eq!(first["old"], "3");
    assert_eq!(first["new"], "5");
    assert!(first["cell"].as_str().unwrap().starts_with("区教委!C"));
    let report = app.get_as(&jw, "/api/v1/reports/2018Q2/jw").await.json();
    assert_eq!(report["values"][0]["value"], "3", "dry run writes nothing");

    let applied = import(
        &app,
        &jw,
        &format!("{path}?dry_run=false&file_name=jw.xlsx"),
        filled,
    )
    .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.json()["applied"], true);
    let report = app.get_as(&jw, "/api/v1/reports/2018Q2/jw").await.json();
    let v: Vec<(String, String)> = report["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["indicator"].as_str().unwrap().into(),
                v["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(v.contains(&("1.3".into(), "5".into())) && v.contains(&("4.2.1".into(), "2".into())));
    let history = &report["history"][0];
    assert_eq!(history["action"], "import");
    assert!(history["reason"]
        .as_str()
        .unwrap()
        .starts_with("导入 jw.xlsx（sha256 "));
    assert_eq!(report["evidence"][0]["file_name"], "jw.xlsx");
    // Others cannot import into this unit.
    assert_eq!(
        import(&app, &fgw, path, vec![1, 2, 3]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn bad_files_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let path = "/api/v1/reports/2018Q2/jw/import?dry_run=false";
    let not_xlsx = import(&app, &jw, path, b"this is not a spreadsheet".to_vec()).await;
    assert_eq!(not_xlsx.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        not_xlsx.body.contains("不是 xlsx 文件"),
        "{}",
        not_xlsx.body
    );
    let empty = import(&app, &jw, path, Vec::new()).await;
    assert!(empty.body.contains("文件是空的"));
    let huge = import(&app, &jw, path, vec![0u8; 12 * 1024 * 1024]).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(huge.body.contains("文件过大"), "{}", huge.body);
    // A rule between rows broken inside an otherwise fine file: a draft may hold it, so the
    // import names the cell as a warning that 报送 will refuse, and keeps the draft.
    let sheet = bangfu_xlsx::FormSheet {
        sheet_name: "区教委".into(),
        subtitle: String::new(),
        header: Default::default(),
        values: [("4.2", "3"), ("4.2.1", "5"), ("4.2.2", "1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect(),
    };
    let bytes = bangfu_xlsx::form_workbook(&app.state.plan, &[sheet]).unwrap();
    let rule = import(&app, &jw, path, bytes).await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.body);
    assert_eq!(rule.json()["preview"]["errors"], serde_json::json!([]));
    let message = rule.json()["preview"]["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("区教委!C")
            && message.contains("应等于")
            && message.contains("报送前须改正"),
        "{message}"
    );
    let draft = app
        .state
        .store
        .report("2018Q2", "jw")
        .await
        .unwrap()
        .expect("imported as a draft");
    assert_eq!(draft.status, bangfu_domain::report::ReportStatus::Draft);
    assert_eq!(draft.entries["4.2.1"].value, Some("5".parse().unwrap()));
}

#[tokio::test]
async fn the_report_page_previews_then_confirms_an_upload() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let sheet = bangfu_xlsx::FormSheet {
        sheet_name: "区教委".into(),
        subtitle: String::new(),
        header: Default::default(),
        values: [("1.3".to_string(), "4".parse().unwrap())].into(),
    };
    let bytes = bangfu_xlsx::form_workbook(&app.state.plan, &[sheet]).unwrap();
    let boundary = "BoUnDaRy";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"填好的表.xlsx\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let preview = app
        .send(
            Request::post(format!("/reports/2018Q2/jw/import?csrf={}", jw.csrf))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::COOKIE, &jw.cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("区教委!C"));
    assert!(preview.body.contains("确认导入"));
    assert!(
        app.state
            .store
            .report("2018Q2", "jw")
            .await
            .unwrap()
            .is_none(),
        "preview writes nothing"
    );
    let token = preview
        .body
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    // The confirmation reaches another server on the same database: the upload waits there.
    let other = app.other_server();
    let done = app
        .form_to(
            &other,
            "/reports/2018Q2/jw/import/confirm",
            Some(&jw),
            &[("token", &token)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let report = app
        .state
        .store
        .report("2018Q2", "jw")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.entries["1.3"].value.unwrap().to_string(), "4");
    // A token is used once.
    let again = app
        .form(
            "/reports/2018Q2/jw/import/confirm",
            Some(&jw),
            &[("token", &token)],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("导入预览已过期"));
}

/// LibreOffice's program, looked up on PATH (where the README's test command installs it).
pub(crate) fn soffice_on_path() -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| ["soffice", "libreoffice"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
        .expect("LibreOffice is missing: apt-get install -y libreoffice-calc-nogui libreoffice-writer-nogui (the README's test command installs it)")
}

/// Runs LibreOffice headless on `files` in `dir`, converting to `format`, with a private profile
/// so that parallel runs do not share one. Returns what it wrote on stderr.
pub(crate) async fn soffice(
    program: &std::path::Path,
    dir: &std::path::Path,
    format: &str,
    files: &[&str],
) -> String {
    let mut args = vec![
        format!("-env:UserInstallation=file://{}/profile", dir.display()),
        "--headless".into(),
        "--convert-to".into(),
        format.into(),
        "--outdir".into(),
        dir.join(format.split(':').next().unwrap())
            .display()
            .to_string(),
    ];
    args.extend(files.iter().map(|f| dir.join(f).display().to_string()));
    let program = program.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(program)
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "soffice failed: {stderr}");
    stderr
}

/// Every kind of spreadsheet the application exports opens in LibreOffice: each is downloaded
/// (status 200 exactly), converted to PDF (kept for a look) and to CSV, whose first sheet must show
/// a known text or figure as LibreOffice reads it.
#[tokio::test]
async fn libreoffice_opens_every_export() {
    let soffice_bin = soffice_on_path();
    let app = spawn_app().await;
    let (jw, _, fgw) = with_reports(&app).await;
    let auditor = app.user("sjj-sj", Role::Auditor, None).await;
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let downloads: [(&str, &Client, &str, &str); 12] = [
        (
            "district.xlsx",
            &fgw,
            "/api/v1/forms/2018Q2.xlsx?units=true&include_drafts=true",
            "3.与扶贫协作地区学校结对数,所,3,区教委\n4.与扶贫协作地区医院结对数,所,2,区卫计委\n",
        ),
        (
            "unit.xlsx",
            &jw,
            "/api/v1/forms/2018Q2.xlsx?unit=jw&basis=quarter",
            "2018年第二季度（本季度数）,,,\n",
        ),
        (
            "unit-values.xlsx",
            &jw,
            "/api/v1/forms/2018Q2.xlsx?unit=jw",
            "3.与扶贫协作地区学校结对数,所,3,区教委\n4.与扶贫协作地区医院结对数,所,,区卫计委\n",
        ),
        (
            "tasks.xlsx",
            &fgw,
            "/api/v1/tasks.xlsx",
            "序号,任务,受援地,牵头部门,配合部门,目标,最新进展",
        ),
        (
            "supervision.xlsx",
            &fgw,
            "/supervision.xlsx?year=2018",
            "2018年督办清单,,,,,,\n序号,任务,目标,牵头部门,完成情况,按进度应达到,落后\n",
        ),
        (
            "problems.xlsx",
            &fgw,
            "/problems.xlsx",
            "问题台账,,,,,,,,\n问题,单位,任务,受援地,提出日期,责任人,办结期限,状态,处理情况\n",
        ),
        (
            "assessment.xlsx",
            &fgw,
            "/assessment.xlsx?year=2018",
            "\n区财政局,0,0（本年尚无到期报表，暂不计分）,0（本年尚无到期报表，暂不计分）,0（牵头目标 1 个，平均完成率 0%（超过 100% 按 100% 计）：1.2-1 完成 0%）,0（尚无已报送的报表，不得分）,",
        ),
        (
            "pairings.xlsx",
            &fgw,
            "/pairings.xlsx?year=2018",
            "\n北京市大兴区 → 察右前旗,组织领导,1.1-2 共同编制年度扶贫协作计划,区发改委,与察右前旗、和田县共同编制年度扶贫协作计划：未开始\n",
        ),
        (
            "audit.xlsx",
            &auditor,
            "/audit.xlsx?unit=jw",
            ",张伟,,修改数据,2018年第二季度 区教委 一、3 与扶贫协作地区学校结对数,,3,\n",
        ),
        (
            "ledger.xlsx",
            &auditor,
            "/ledger.xlsx?year=2018",
            "2018年预算执行,,,,,,\n受援地,资金来源,预算（元）,其中用于扶贫（元）,已下达（元）,已拨付（元）,已支出（元）\n",
        ),
        (
            "projects.xlsx",
            &finance,
            "/ledger/templates/projects",
            "\n察右前旗某小学教学楼援建（示例）,察右前旗,教育,区发改委,是,\"1,000,000.00\",,,,,2017-03-01,2017-12-31,2017-03-15,,实施中,120,1.1-1,",
        ),
        (
            "transactions.xlsx",
            &finance,
            "/ledger/templates/transactions",
            "\n2017-04-01,下达,\"500,000.00\",市级统筹（大盘子规划内）,,察右前旗某小学教学楼援建（示例）,记-001,",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, client, path, _) in &downloads {
        let (status, _, bytes) = get_bytes(&app, client, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let names: Vec<&str> = downloads.iter().map(|d| d.0).collect();
    soffice(&soffice_bin, dir.path(), "pdf", &names).await;
    soffice(
        &soffice_bin,
        dir.path(),
        "csv:Text - txt - csv (StarCalc):44,34,76",
        &names,
    )
    .await;
    for (name, _, path, expected) in &downloads {
        let pdf = dir.path().join("pdf").join(name.replace(".xlsx", ".pdf"));
        let size = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "{path} did not convert to PDF");
        let csv = dir.path().join("csv").join(name.replace(".xlsx", ".csv"));
        let text = std::fs::read_to_string(&csv)
            .unwrap_or_else(|e| panic!("{path} did not convert to CSV: {e}"))
            .replace("\r\n", "\n");
        assert!(
            text.contains(expected),
            "{path}: LibreOffice reads\n{text}\nwithout\n{expected}"
        );
    }
    // Keep the district form's PDF for a human look.
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("district-2018Q2.pdf");
    std::fs::copy(dir.path().join("pdf").join("district.pdf"), keep).unwrap();
}
