//! The quarterly written report: a .docx drafted from the submitted reports, equal to the
//! summary's figures, opened by LibreOffice and read back by a .docx reader.

use crate::helpers::spawn_app;
use crate::sheets::{get_bytes, soffice};
use axum::http::{header, StatusCode};
use bangfu_domain::user::Role;

#[tokio::test]
async fn the_written_report_holds_the_figures_and_each_units_words_once() {
    let soffice_bin = ["/usr/bin/soffice", "/usr/bin/libreoffice"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("LibreOffice is missing: apt-get install -y libreoffice-writer-nogui (the README's test command installs it)");
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    crate::reporting::submit_jw_complete(&app, &jw).await;

    let (status, headers, bytes) = get_bytes(&app, &fgw, "/reports/2018Q1/district.docx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("wordprocessingml"));
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    // Read back with a .docx reader: headings, the unit's sentence once, the summary's figure.
    let text = docx_rs::read_docx(&bytes)
        .expect("a .docx reader opens it")
        .json();
    let summary = app.get_as(&fgw, "/api/v1/summary/2018Q1").await.json();
    let schools = summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "1.3")
        .unwrap()["total"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(schools, "3");
    for needle in ["一、总体情况", "存在问题", "下步打算", "报送情况", "附件"] {
        assert!(text.contains(needle), "{needle}");
    }
    assert!(text.contains(&format!("与扶贫协作地区学校结对数 {schools} 所")));
    assert_eq!(
        text.matches("（区教委）选派教师").count(),
        1,
        "each unit's words once"
    );

    // LibreOffice opens it without repair: to PDF and to text.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.docx"), &bytes).unwrap();
    soffice(soffice_bin, dir.path(), "pdf", &["report.docx"]).await;
    soffice(soffice_bin, dir.path(), "txt:Text", &["report.docx"]).await;
    let pdf = std::fs::metadata(dir.path().join("pdf/report.pdf"))
        .unwrap()
        .len();
    assert!(pdf > 5000, "a real PDF");
    let txt = std::fs::read_to_string(dir.path().join("txt/report.txt")).unwrap();
    assert!(txt.contains("大兴区帮扶协作工作进展情况"), "{txt}");
    assert!(txt.contains("（区教委）选派教师"));

    // Drafts only on request, and then the text says so; a reporter may not have it.
    let with_drafts = get_bytes(
        &app,
        &fgw,
        "/reports/2018Q1/district.docx?include_drafts=true",
    )
    .await;
    let text = docx_rs::read_docx(&with_drafts.2).unwrap().json();
    assert!(text.contains("尚未报送的草稿"));
    assert_eq!(
        get_bytes(&app, &jw, "/reports/2018Q1/district.docx")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_bytes(&app, &fgw, "/reports/2018Q9/district.docx")
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}
