//! `bangfu form export|import` and `bangfu tasks export` as a user runs them: the real binary, a
//! fresh SQLite database, and every written workbook read back.

use bangfu_domain::plan::parse_plan;
use bangfu_xlsx::{form_workbook, FormSheet};
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bangfu");
const PLAN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

fn bangfu(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BANGFU_DATABASE_URL", db)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
        .output()
        .expect("run bangfu")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn book(path: &str) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(std::fs::read(path).unwrap())).expect("a workbook")
}

/// Column C of the row labelled `label` (column A) in `sheet`.
fn value_at(path: &str, sheet: &str, label: &str) -> Data {
    let range = book(path).worksheet_range(sheet).unwrap();
    let row = range
        .rows()
        .find(|r| r[0] == *label)
        .unwrap_or_else(|| panic!("no row “{label}” in {sheet}"));
    row[2].clone()
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bangfu.db").display())
}

const SCHOOLS: &str = "3.与扶贫协作地区学校结对数";

#[test]
fn forms_export_and_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu(&["init"], &db).status.success());
    let path = |name: &str| dir.path().join(name).display().to_string();

    // 区教委 reports five school pairings in a filled form.
    let plan = parse_plan("daxing", PLAN).unwrap();
    let filled = FormSheet {
        sheet_name: "区教委".into(),
        subtitle: String::new(),
        header: Default::default(),
        values: [("1.3".to_string(), "5".parse().unwrap())].into(),
    };
    std::fs::write(
        path("filled.xlsx"),
        form_workbook(&plan, &[filled]).unwrap(),
    )
    .unwrap();
    let import = [
        "form",
        "import",
        &path("filled.xlsx"),
        "--period",
        "2018Q2",
        "--unit",
        "jw",
    ];
    let imported = bangfu(&import, &db);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(stdout(&imported).contains("已导入：1 处修改"));

    // The written report: a Word draft of the quarter, with the draft counted on request.
    let written = bangfu(
        &[
            "report",
            "docx",
            "--period",
            "2018Q2",
            "--include-drafts",
            &path("r.docx"),
        ],
        &db,
    );
    assert!(written.status.success(), "{}", stderr(&written));
    assert!(stdout(&written).contains("含未报送的草稿"));
    assert!(std::fs::read(path("r.docx"))
        .unwrap()
        .starts_with(b"PK\x03\x04"));
    let bad = bangfu(
        &["report", "docx", "--period", "2018Q9", &path("x.docx")],
        &db,
    );
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("2018Q9"), "{}", stderr(&bad));
    // The year's summary and one pairing's year, read back for their titles.
    for (args, title) in [
        (vec!["--year", "2018"], "大兴区2018年帮扶协作工作总结"),
        (
            vec!["--year", "2018", "--area", "cyqq"],
            "大兴区与察右前旗帮扶协作工作情况（2018年）",
        ),
    ] {
        let mut argv = vec!["report", "docx", "--include-drafts"];
        argv.extend(args.iter().copied());
        let file = path("y.docx");
        argv.push(&file);
        let done = bangfu(&argv, &db);
        assert!(done.status.success(), "{}", stderr(&done));
        let text = docx_rs::read_docx(&std::fs::read(&file).unwrap())
            .unwrap()
            .json();
        assert!(text.contains(title), "{title}");
    }
    let bad = bangfu(
        &[
            "report",
            "docx",
            "--year",
            "2018",
            "--area",
            "nowhere",
            &path("x.docx"),
        ],
        &db,
    );
    assert!(
        stderr(&bad).contains("受援地代码“nowhere”"),
        "{}",
        stderr(&bad)
    );

    // The import is a draft: the district form leaves it out unless drafts are asked for.
    let without = bangfu(
        &[
            "form",
            "export",
            "--period",
            "2018Q2",
            "-o",
            &path("s.xlsx"),
        ],
        &db,
    );
    assert!(without.status.success(), "{}", stderr(&without));
    assert_eq!(book(&path("s.xlsx")).sheet_names(), ["全区汇总"]);
    assert_eq!(value_at(&path("s.xlsx"), "全区汇总", SCHOOLS), Data::Empty);
    let district = bangfu(
        &[
            "form",
            "export",
            "--period",
            "2018Q2",
            "--include-drafts",
            "-o",
            &path("d.xlsx"),
        ],
        &db,
    );
    assert!(district.status.success(), "{}", stderr(&district));
    assert_eq!(book(&path("d.xlsx")).sheet_names(), ["全区汇总", "区教委"]);
    assert_eq!(
        value_at(&path("d.xlsx"), "全区汇总", SCHOOLS),
        Data::Float(5.0)
    );
    assert_eq!(
        value_at(&path("d.xlsx"), "区教委", SCHOOLS),
        Data::Float(5.0)
    );

    let unit = bangfu(
        &[
            "form",
            "export",
            "--period",
            "2018Q2",
            "--unit",
            "jw",
            "--basis",
            "quarter",
            "-o",
            &path("u.xlsx"),
        ],
        &db,
    );
    assert!(unit.status.success(), "{}", stderr(&unit));
    assert_eq!(book(&path("u.xlsx")).sheet_names(), ["区教委"]);
    // Nothing in 2018Q1: the quarter's own figure is the year-to-date one.
    assert_eq!(
        value_at(&path("u.xlsx"), "区教委", SCHOOLS),
        Data::Float(5.0)
    );
    let bad_basis = bangfu(
        &[
            "form",
            "export",
            "--period",
            "2018Q2",
            "--basis",
            "month",
            "-o",
            &path("x.xlsx"),
        ],
        &db,
    );
    assert!(stderr(&bad_basis).contains("--basis “month”无效"));

    // The unit form, imported as it was exported, changes nothing; a bad file fails with a line
    // per error.
    let dry = bangfu(
        &[
            "form",
            "import",
            &path("u.xlsx"),
            "--period",
            "2018Q2",
            "--unit",
            "jw",
            "--dry-run",
        ],
        &db,
    );
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("预览完成：0 处修改"));
    std::fs::write(path("bad.xlsx"), b"not a spreadsheet").unwrap();
    let bad = bangfu(
        &[
            "form",
            "import",
            &path("bad.xlsx"),
            "--period",
            "2018Q2",
            "--unit",
            "jw",
        ],
        &db,
    );
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(
        err.lines().next().unwrap().contains("不是 xlsx 文件"),
        "{err}"
    );
    assert!(err.contains("未导入任何数据"));
}

#[test]
fn the_task_table_exports_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    assert!(bangfu(&["init"], &db).status.success());
    let path = |name: &str| dir.path().join(name).display().to_string();
    let tasks = bangfu(&["tasks", "export", "-o", &path("t.xlsx")], &db);
    assert!(tasks.status.success(), "{}", stderr(&tasks));
    let range = book(&path("t.xlsx")).worksheet_range("任务分解表").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
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
    let codes: Vec<&str> = rows
        .iter()
        .filter(|r| plan_codes().contains(&r[0].as_str()))
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(codes.len(), 32, "each task of the plan once: {codes:?}");
    let schools = rows.iter().find(|r| r[0] == "1.2-6").unwrap();
    assert_eq!(schools[3], "区教委");
}

/// The task codes as the plan file (test data) lists them.
fn plan_codes() -> Vec<&'static str> {
    PLAN.lines()
        .skip_while(|l| !l.starts_with("[[tasks]]"))
        .filter_map(|l| l.strip_prefix("code = \""))
        .filter_map(|l| l.split('"').next())
        .filter(|c| c.contains('-'))
        .collect()
}
