//! Hand-edited spreadsheets uploaded to every import path: each is refused with its exact status
//! and a message naming the sheet and the cell, and the server's memory stays flat.
//!
//! Memory is measured in a child process running only the test, so that the other tests of this
//! binary do not add to it: /proc/self/status before, the peak (VmHWM, reset through
//! /proc/self/clear_refs) while the files are uploaded three times, and the resident size after.

use crate::helpers::{spawn_app, spawn_app_on_postgres, Client, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bangfu_domain::user::Role;
use bangfu_xlsx::testing::*;
use bangfu_xlsx::LedgerKind;

/// Growth allowed over all the uploads: a single dense sheet of the old reader took 160 MB for a
/// cell at Z200000; the largest file here holds a 10 MB text, read a few times over.
const MAX_PEAK_GROWTH_KIB: u64 = 64 * 1024;
const MAX_RESIDENT_GROWTH_KIB: u64 = 32 * 1024;

const CHILD: &str = "BANGFU_TEST_MEMORY_CHILD";

/// True in the child process that runs test `name` alone; in the parent, runs that child and
/// fails with its output unless it passes.
fn in_own_process(name: &str) -> bool {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        return true;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} failed in its own process ({}):\n{stdout}\n{stderr}",
        out.status
    );
    println!("{stdout}");
    false
}

/// A field of /proc/self/status in KiB (VmRSS, VmHWM).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

struct Hostile {
    what: &'static str,
    bytes: Vec<u8>,
    status: StatusCode,
    /// The first problem reported, exactly; or a part of the page for the preview of a good file.
    message: String,
}

/// Every hostile shape, built from the unit's real download.
fn form_files(form: &[u8]) -> Vec<Hostile> {
    let refused = |what, bytes, message: &str| Hostile {
        what,
        bytes,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: message.to_string(),
    };
    let far = "区教委!XFD1048576：工作表“区教委”第 1048576 行超出本表最多 100 行，请删除多余的内容后再导入";
    vec![
        refused("sparse", with_number_at(form, "XFD1048576"), far),
        refused(
            "Z200000",
            with_number_at(form, "Z200000"),
            "区教委!Z200000：工作表“区教委”第 200000 行超出本表最多 100 行，请删除多余的内容后再导入",
        ),
        refused(
            "far row first",
            with_rows_reversed(&with_number_at(form, "XFD1048576")),
            far,
        ),
        Hostile {
            what: "declared A1:XFD1048576",
            bytes: with_dimension(form, "A1:XFD1048576"),
            status: StatusCode::OK,
            message: "区教委!C15".into(),
        },
        refused(
            "shared strings claim",
            claiming_shared_strings(form, 10_000_000_000),
            "文件结构异常（声称含有 10000000000 条不同的文字，最多 200000 条），拒绝处理",
        ),
        refused(
            "many sheets",
            with_sheet_copies(form, 10_000),
            "工作簿中的工作表过多（10001 个），最多 200 个",
        ),
        refused(
            "10 MB text",
            with_text_at(form, "A60", &"很".repeat(3_500_000)),
            "区教委!A60：工作表“区教委”的单元格内容过长（3500000 个字符，Excel 单元格最多 32767 个）",
        ),
        refused(
            "shared formula index",
            with_cell_replaced(
                form,
                "C15",
                r#"<c r="C15"><f t="shared" ref="C15" si="1000000000000">1+2</f><v>3</v></c>"#,
            ),
            "区教委!C15：一、3 与扶贫协作地区学校结对数 是公式（=1+2），请复制后“选择性粘贴为数值”再导入",
        ),
    ]
}

fn ledger_files(template: &[u8]) -> Vec<Hostile> {
    let refused = |what, bytes, message: &str| Hostile {
        what,
        bytes,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: message.to_string(),
    };
    vec![
        refused(
            "ledger sparse",
            with_number_at(template, "XFD1048576"),
            "援建项目清单!XFD1048576：工作表“援建项目清单”第 1048576 行超出本表最多 20000 行，请删除多余的内容后再导入",
        ),
        refused(
            "ledger shared strings claim",
            claiming_shared_strings(template, 10_000_000_000),
            "文件结构异常（声称含有 10000000000 条不同的文字，最多 200000 条），拒绝处理",
        ),
    ]
}

/// The report import through the API: the status and the first problem, exactly.
async fn api_import(app: &TestApp, jw: &Client, file: &Hostile) {
    let r = app
        .send(
            Request::post("/api/v1/reports/2018Q2/jw/import?dry_run=true")
                .header(header::COOKIE, &jw.cookie)
                .header("x-csrf-token", &jw.csrf)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(file.bytes.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, file.status, "{}: {}", file.what, r.body);
    let body = r.json();
    if file.status == StatusCode::OK {
        assert_eq!(body["applied"], false);
        assert_eq!(body["preview"]["changes"][0]["cell"], file.message.as_str());
    } else {
        assert_eq!(
            body["preview"]["errors"][0]["message"],
            file.message.as_str(),
            "{}",
            file.what
        );
        assert!(r.body.len() < 4096, "{}: a short answer", file.what);
    }
}

async fn hostile_uploads_keep_memory_flat(app: TestApp) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let finance = app.user("czj-cw", Role::Finance, None).await;
    let (status, _, form) =
        crate::sheets::get_bytes(&app, &jw, "/api/v1/forms/2018Q2.xlsx?unit=jw").await;
    assert_eq!(status, StatusCode::OK);
    let form = with_cell_replaced(&form, "C15", r#"<c r="C15"><v>3</v></c>"#);
    let template = bangfu_xlsx::ledger_template(LedgerKind::Projects, &app.state.plan).unwrap();
    let forms = form_files(&form);
    let ledgers = ledger_files(&template);
    // Once before measuring, so that lazily built state (templates, pools) is in place.
    api_import(&app, &jw, &forms[3]).await;

    let before = status_kib("VmRSS");
    let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    for _ in 0..3 {
        for file in &forms {
            api_import(&app, &jw, file).await;
            let page = app
                .upload("/reports/2018Q2/jw/import", &jw, "表.xlsx", &file.bytes)
                .await;
            assert_eq!(page.status, file.status, "{}: {}", file.what, page.body);
            assert!(page.body.contains(&file.message), "{}", file.what);
        }
        for file in &ledgers {
            let page = app
                .upload("/ledger/import", &finance, "台账.xlsx", &file.bytes)
                .await;
            assert_eq!(page.status, file.status, "{}: {}", file.what, page.body);
            assert!(
                page.body.contains(&file.message),
                "{}: {}",
                file.what,
                page.body
            );
        }
    }
    let after = status_kib("VmRSS");
    let peak = status_kib("VmHWM");
    println!("VmRSS {before} KiB before, {after} KiB after, peak {peak} KiB (reset: {peak_reset})");
    assert!(
        after.saturating_sub(before) < MAX_RESIDENT_GROWTH_KIB,
        "resident memory grew from {before} KiB to {after} KiB"
    );
    if peak_reset {
        assert!(
            peak.saturating_sub(before) < MAX_PEAK_GROWTH_KIB,
            "memory peaked at {peak} KiB (from {before} KiB)"
        );
    }
}

#[tokio::test]
async fn hostile_spreadsheets_are_refused_and_memory_stays_flat_on_sqlite() {
    if in_own_process(
        "hostile_sheets::hostile_spreadsheets_are_refused_and_memory_stays_flat_on_sqlite",
    ) {
        hostile_uploads_keep_memory_flat(spawn_app().await).await;
    }
}

#[tokio::test]
async fn hostile_spreadsheets_are_refused_and_memory_stays_flat_on_postgres() {
    if in_own_process(
        "hostile_sheets::hostile_spreadsheets_are_refused_and_memory_stays_flat_on_postgres",
    ) {
        if let Some(app) = spawn_app_on_postgres().await {
            hostile_uploads_keep_memory_flat(app).await;
        }
    }
}
