//! `bangfu report docx` as a user runs it: the real binary on a fresh SQLite database, each
//! written document read back paragraph by paragraph, in each of the three scopes.

mod common;

use bangfu_docx::testing::{paragraphs, tables};
use bangfu_domain::report::Narrative;
use bangfu_store::{SqlStore, AUDIT_KEY_FILE_NAME};
use common::{bangfu_async, save_report, sqlite_url, stderr, stdout, submit_report};
use std::path::Path;

/// Runs `bangfu report docx --period 2018Q2 [switch] FILE` and reads the file back: the
/// paragraphs' texts, the 附件's 数据 of the schools row, and what the command printed.
async fn quarter(db: &str, dir: &Path, switch: Option<&str>) -> (Vec<String>, String, String) {
    let file = dir.join("q.docx").display().to_string();
    let mut args = vec!["report", "docx", "--period", "2018Q2"];
    args.extend(switch);
    args.push(&file);
    let out = bangfu_async(&args, db).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&file).unwrap();
    let texts = paragraphs(&bytes).into_iter().map(|p| p.text).collect();
    let schools = tables(&bytes)[0]
        .iter()
        .find(|row| row[0].ends_with("与扶贫协作地区学校结对数"))
        .expect("the schools row")[2]
        .clone();
    (texts, schools, stdout(&out))
}

#[tokio::test]
async fn the_written_report_counts_submitted_reports_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu_async(&["init"], &db).await.status.success());
    let store = SqlStore::connect(&db)
        .await
        .unwrap()
        .open_audit_key(&dir.path().join(AUDIT_KEY_FILE_NAME))
        .await
        .unwrap();
    // 区教委 saves its 2018Q2 report: a draft.
    let narrative = Narrative {
        progress: "选派教师5名。".into(),
        problems: String::new(),
        next_steps: String::new(),
    };
    save_report(&store, ("2018Q2", "jw"), &[("1.3", "5")], Some(narrative)).await;
    let words = "（区教委）选派教师5名。";
    let figure = "与扶贫协作地区学校结对数 5 所";

    // By default a draft is not counted: no figure, no words.
    let (texts, schools, said) = quarter(&db, dir.path(), None).await;
    assert!(
        said.contains("统计已报送和已审核的报表（不含草稿）"),
        "{said}"
    );
    assert!(texts.iter().any(|t| t == "截至2018年6月，尚无报送的数据。"));
    assert!(!texts.iter().any(|t| t.contains("选派教师")));
    assert_eq!(schools, "—");
    // Drafts on request, marked at the sentence.
    let (texts, schools, _) = quarter(&db, dir.path(), Some("--include-drafts")).await;
    assert!(texts.iter().any(|t| t == "（区教委，草稿）选派教师5名。"));
    assert!(texts.iter().any(|t| t.contains(figure)));
    assert_eq!(schools, "5");

    // Submitted: counted by default, attributed once; not by --approved-only until approved.
    submit_report(&store, "2018Q2", "jw").await;
    let (texts, schools, _) = quarter(&db, dir.path(), None).await;
    assert_eq!(texts.iter().filter(|t| *t == words).count(), 1, "{texts:?}");
    assert!(texts.iter().any(|t| t.contains(figure)));
    assert_eq!(schools, "5");
    let (texts, schools, said) = quarter(&db, dir.path(), Some("--approved-only")).await;
    assert!(said.contains("仅统计已审核的报表"), "{said}");
    assert!(!texts.iter().any(|t| t.contains("选派教师")));
    assert_eq!(schools, "—");
}
