//! The quarterly written report: a .docx drafted from the submitted reports, equal to the
//! summary's figures, opened by LibreOffice and read back by a .docx reader.

use crate::helpers::spawn_app;
use crate::sheets::{get_bytes, soffice, soffice_on_path};
use axum::http::{header, StatusCode};
use bangfu_domain::user::Role;

/// Writes `bytes` to `name` in `dir` and converts it with LibreOffice to `format`, after checking
/// that its document.xml is well-formed XML: the conversion must succeed with nothing on stderr
/// that speaks of an error (LibreOffice repairs a broken file quietly, so the exit code is not
/// enough).
pub(crate) async fn opens_in_libreoffice(
    program: &std::path::Path,
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
    format: &str,
) {
    let xml = bangfu_docx::testing::part(bytes, "word/document.xml").expect("word/document.xml");
    bangfu_docx::testing::parse(&xml);
    std::fs::write(dir.join(name), bytes).unwrap();
    let stderr = soffice(program, dir, format, &[name]).await;
    assert!(
        !stderr.to_lowercase().contains("error"),
        "LibreOffice reported: {stderr}"
    );
}

/// What a reader sees of a document: its paragraphs in order and its tables (not the package's
/// internal paragraph ids, which differ from one generation to the next).
type Words = (Vec<bangfu_docx::testing::Para>, Vec<Vec<Vec<String>>>);

fn same_words(bytes: &[u8]) -> Words {
    (
        bangfu_docx::testing::paragraphs(bytes),
        bangfu_docx::testing::tables(bytes),
    )
}

#[tokio::test]
async fn the_written_report_holds_the_figures_and_each_units_words_once() {
    let soffice_bin = soffice_on_path();
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
    opens_in_libreoffice(&soffice_bin, dir.path(), "report.docx", &bytes, "pdf").await;
    opens_in_libreoffice(&soffice_bin, dir.path(), "report.docx", &bytes, "txt:Text").await;
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

/// The year's summary and one pairing's annual summary, through the pages and the API alike:
/// the year attributes each unit's words to its quarter; the pairing's document holds the area's
/// pairings, its ledger projects with the year's money and only the sentences that name it.
#[tokio::test]
async fn the_year_and_a_pairing_have_their_own_written_reports() {
    use axum::http::Method;
    use serde_json::json;
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let finance = app.user("czj", Role::Finance, None).await;
    let mut body = crate::reporting::values(crate::reporting::JW_COMPLETE);
    body["narrative"] = json!({
        "progress": "向察右前旗选派教师10名；组织校长培训。与和田县签订协议。",
        "problems": "", "next_steps": ""
    });
    let base = "/api/v1/reports/2018Q1/jw";
    let r = app
        .json(Method::PUT, &format!("{base}/values"), Some(&jw), body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .json(
            Method::POST,
            &format!("{base}/submit"),
            Some(&jw),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (path, body) in [
        (
            "/api/v1/budgets",
            json!({"year": "2018", "area": "cyqq", "source": "district", "amount": "2000000"}),
        ),
        (
            "/api/v1/projects",
            json!({"name": "察右前旗教学楼", "area": "察右前旗", "sector": "教育", "unit": "区教委",
                   "approved_amounts": {"区级单独安排": "1500000"}}),
        ),
    ] {
        let r = app.json(Method::POST, path, Some(&finance), body).await;
        assert!(r.status.is_success(), "{path}: {}", r.body);
    }
    let project = app.get_as(&finance, "/api/v1/projects").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .json(
            Method::POST,
            "/api/v1/transactions",
            Some(&finance),
            json!({"kind": "下达", "date": "2018-03-01", "amount": "1250000.50", "source": "district", "project": project.to_string()}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);

    // The year's summary, from the page and from the API: the same words.
    let (status, _, page) = get_bytes(&app, &fgw, "/years/2018/district.docx").await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, api) = get_bytes(&app, &fgw, "/api/v1/years/2018/district.docx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("wordprocessingml"));
    let year_text = docx_rs::read_docx(&page).unwrap().json();
    assert_eq!(same_words(&page), same_words(&api));
    assert!(year_text.contains("大兴区2018年帮扶协作工作总结"));
    assert!(year_text.contains("（区教委，第一季度）向察右前旗选派教师10名"));
    assert!(year_text.contains("第一季度，"), "status by quarter");

    // The quarter's report through the API equals the page's.
    let (status, _, q_api) = get_bytes(&app, &fgw, "/api/v1/reports/2018Q1/district.docx").await;
    assert_eq!(status, StatusCode::OK);
    let q_page = get_bytes(&app, &fgw, "/reports/2018Q1/district.docx")
        .await
        .2;
    assert_eq!(same_words(&q_api), same_words(&q_page));

    // 察右前旗's annual summary: its pairing, its project and money, its sentence only.
    let (status, _, bytes) = get_bytes(&app, &fgw, "/areas/cyqq/report.docx?year=2018").await;
    assert_eq!(status, StatusCode::OK);
    let text = docx_rs::read_docx(&bytes).unwrap().json();
    for needle in [
        "大兴区与察右前旗帮扶协作工作情况（2018年）",
        "一、结对关系",
        "三、资金和项目",
        "察右前旗教学楼",
        "批复 150 万元",
        "下达 125.00005 万元",
        "（区教委，第一季度）向察右前旗选派教师10名。",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    assert!(
        !text.contains("和田县签订协议"),
        "only the sentences naming the area"
    );
    assert!(!text.contains("组织校长培训"));
    let dir = tempfile::tempdir().unwrap();
    opens_in_libreoffice(
        &soffice_on_path(),
        dir.path(),
        "pairing.docx",
        &bytes,
        "txt:Text",
    )
    .await;
    let txt = std::fs::read_to_string(dir.path().join("txt/pairing.txt")).unwrap();
    assert!(
        txt.contains("察右前旗教学楼"),
        "LibreOffice reads it: {txt}"
    );
    let api = get_bytes(&app, &fgw, "/api/v1/areas/cyqq/report.docx?year=2018").await;
    assert_eq!(api.0, StatusCode::OK);
    assert_eq!(same_words(&api.2), same_words(&bytes));

    // Mistakes are named; a reporter may not draft the district's documents.
    for (path, status) in [
        ("/years/1999/district.docx", StatusCode::BAD_REQUEST),
        ("/api/v1/years/abcd/district.docx", StatusCode::BAD_REQUEST),
        (
            "/areas/nowhere/report.docx?year=2018",
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/areas/cyqq/report.docx?year=1999",
            StatusCode::BAD_REQUEST,
        ),
        ("/api/v1/years/2018/district.docx", StatusCode::OK),
    ] {
        assert_eq!(get_bytes(&app, &fgw, path).await.0, status, "{path}");
    }
    for path in [
        "/years/2018/district.docx",
        "/api/v1/areas/cyqq/report.docx",
        "/api/v1/reports/2018Q1/district.docx",
    ] {
        assert_eq!(
            get_bytes(&app, &jw, path).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}
