//! `bangfu ledger import|template` as a user runs them: the real binary, real workbooks, a fresh
//! SQLite database.

use bangfu_domain::ledger::{Budget, Money};
use bangfu_store::{LedgerStore, SqlStore};
use calamine::Reader;
use rust_xlsxwriter::Workbook;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bangfu");

fn bangfu(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BANGFU_DATABASE_URL", db)
        .env("BANGFU_ADMIN_PASSWORD", "a-long-test-password")
        .env("BANGFU_PASSWORD", "a-long-user-password")
        .env_remove("BANGFU_AS")
        .output()
        .expect("run bangfu")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A cell: text, or a number.
enum C {
    S(&'static str),
    N(f64),
}
use C::*;

fn write_book(path: &Path, rows: &[Vec<C>]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                S(s) => ws.write(r as u32, c as u16, *s).unwrap(),
                N(n) => ws.write(r as u32, c as u16, *n).unwrap(),
            };
        }
    }
    wb.save(path).unwrap();
}

fn tx_sheet(path: &Path, rows: Vec<Vec<C>>) {
    let mut all = vec![vec![
        S("日期"),
        S("类型"),
        S("金额（元）"),
        S("资金来源"),
        S("项目编号"),
        S("项目名称"),
        S("凭证号"),
        S("备注"),
        S("超预算说明"),
    ]];
    all.extend(rows);
    write_book(path, &all);
}

struct Ledger {
    dir: tempfile::TempDir,
    db: String,
}

impl Ledger {
    fn new() -> Ledger {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("bangfu.db").display());
        let init = bangfu(&["init"], &db);
        assert!(init.status.success(), "{}", stderr(&init));
        for (login, role) in [("cz", "finance"), ("hz", "coordinator"), ("ld", "viewer")] {
            let out = bangfu(&["user", "add", "--login", login, "--role", role], &db);
            assert!(out.status.success(), "{}", stderr(&out));
        }
        Ledger { dir, db }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        bangfu(args, &self.db)
    }

    fn counts(&self) -> (usize, usize) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = SqlStore::connect(&self.db).await.unwrap();
            (
                store.projects().await.unwrap().len(),
                store.transactions().await.unwrap().len(),
            )
        })
    }

    fn budget(&self, year: i32, area: &str, source: &str, yuan: &str) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = SqlStore::connect(&self.db)
                .await
                .unwrap()
                .open_audit_key(&self.dir.path().join("audit.key"))
                .await
                .unwrap();
            store
                .set_budget(
                    &Budget {
                        year,
                        area: area.into(),
                        source: source.into(),
                        amount: Money::parse("预算", yuan).unwrap(),
                        poverty_amount: Money::ZERO,
                        note: String::new(),
                    },
                    "cz",
                )
                .await
                .unwrap();
        });
    }
}

fn project_list(path: &Path) {
    write_book(
        path,
        &[
            vec![S("援建项目清单")],
            vec![
                S("项目名称"),
                S("受援地"),
                S("行业"),
                S("实施单位"),
                S("是否用于扶贫"),
                S("批复金额-区级单独安排（元）"),
                S("批复金额-社会捐助（元）"),
                S("计划开工日期"),
                S("计划完工日期"),
                S("实际开工日期"),
                S("状态"),
                S("帮助脱贫数（人）"),
                S("备注"),
            ],
            vec![
                S("察右前旗第三小学教学楼"),
                S("察右前旗"),
                S("教育"),
                S("区教委"),
                S("是"),
                N(800_000.0),
                N(50_000.5),
                S("2018-03-01"),
                S("2018/12/31"),
                S("2018年3月15日"),
                S("实施中"),
                N(120.0),
                S("新建教学楼"),
            ],
            vec![
                S("和田县卫生院设备"),
                S("和田县"),
                S("医疗卫生"),
                S("wjw"),
                S("否"),
                N(300_000.0),
            ],
        ],
    );
}

#[test]
fn project_list_then_transactions_all_or_nothing() {
    let l = Ledger::new();
    let projects = l.path("projects.xlsx");
    project_list(Path::new(&projects));

    // A dry run previews and writes nothing.
    let dry = l.run(&["ledger", "import", &projects, "--as", "cz", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let out = stdout(&dry);
    assert!(
        out.contains("援建项目清单（工作表“Sheet1”）：2 个项目，批复金额合计 1,150,000.50 元"),
        "{out}"
    );
    assert!(out.contains("区级单独安排：1,100,000.00 元"), "{out}");
    assert!(out.contains("社会捐助：50,000.50 元"), "{out}");
    assert!(
        out.contains("第 3 行：察右前旗第三小学教学楼（察右前旗，教育，区教委，实施中）"),
        "{out}"
    );
    assert!(out.contains("未写入任何数据"), "{out}");
    assert_eq!(l.counts(), (0, 0));

    let done = l.run(&["ledger", "import", &projects, "--as", "cz"]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(
        stdout(&done).contains("已导入 2 个项目，项目编号：1、2"),
        "{}",
        stdout(&done)
    );
    assert_eq!(l.counts(), (2, 0));

    l.budget(2018, "cyqq", "district", "1000000");
    let good = l.path("good-tx.xlsx");
    tx_sheet(
        Path::new(&good),
        vec![
            vec![
                S("2018-04-01"),
                S("下达"),
                N(600_000.0),
                S("区级单独安排"),
                S(""),
                S("察右前旗第三小学教学楼"),
                S("记-001"),
            ],
            vec![
                S("2018-05-01"),
                S("拨付"),
                S("200,000.10"),
                S("district"),
                N(1.0),
            ],
            vec![
                S("2018-06-01"),
                S("支出"),
                N(50_000.0),
                S("district"),
                N(1.0),
            ],
        ],
    );
    let dry = l.run(&["ledger", "import", &good, "--as", "cz", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let out = stdout(&dry);
    assert!(
        out.contains("资金流水（工作表“Sheet1”）：3 笔交易"),
        "{out}"
    );
    assert!(out.contains("下达：1 笔，合计 600,000.00 元"), "{out}");
    assert!(out.contains("拨付：1 笔，合计 200,000.10 元"), "{out}");
    assert!(out.contains("支出：1 笔，合计 50,000.00 元"), "{out}");
    assert!(
        out.contains("第 2 行：2018-04-01 下达 600,000.00 元（区级单独安排）→ 项目 1“察右前旗第三小学教学楼”，凭证号 记-001"),
        "{out}"
    );
    assert_eq!(l.counts(), (2, 0));

    let done = l.run(&["ledger", "import", &good, "--as", "cz"]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(
        stdout(&done).contains("已登记 3 笔交易，交易编号：1、2、3"),
        "{}",
        stdout(&done)
    );
    assert_eq!(l.counts(), (2, 3));

    // Beyond the budget in the second row: the store's rule reaches the user at that row and
    // the first, valid row is not written either.
    let over = l.path("over.xlsx");
    tx_sheet(
        Path::new(&over),
        vec![
            vec![
                S("2018-07-01"),
                S("拨付"),
                N(10_000.0),
                S("district"),
                N(1.0),
            ],
            vec![
                S("2018-07-02"),
                S("下达"),
                N(500_000.0),
                S("district"),
                N(1.0),
            ],
        ],
    );
    // The dry run already applies the ledger's rules, and writes nothing either way.
    let dry = l.run(&["ledger", "import", &over, "--as", "cz", "--dry-run"]);
    assert!(!dry.status.success());
    assert!(
        stderr(&dry).contains("第 3 行：下达后累计 1,100,000.00 元"),
        "{}",
        stderr(&dry)
    );
    assert_eq!(l.counts(), (2, 3));
    let refused = l.run(&["ledger", "import", &over, "--as", "cz"]);
    assert!(!refused.status.success());
    let err = stderr(&refused);
    assert!(
        err.contains("第 3 行：下达后累计 1,100,000.00 元，超过2018年该受援地、该资金来源的预算 1,000,000.00 元；超预算下达须由汇总单位填写说明后办理"),
        "{err}"
    );
    assert!(err.contains("1 处错误，未导入任何数据"), "{err}");
    assert_eq!(l.counts(), (2, 3));

    // Finance may not override with a reason; the coordinator may.
    let overridden = l.path("override.xlsx");
    tx_sheet(
        Path::new(&overridden),
        vec![vec![
            S("2018-07-02"),
            S("下达"),
            N(500_000.0),
            S("district"),
            N(1.0),
            S(""),
            S(""),
            S(""),
            S("区政府专题会议决定追加"),
        ]],
    );
    let by_finance = l.run(&["ledger", "import", &overridden, "--as", "cz"]);
    assert!(!by_finance.status.success());
    assert!(
        stderr(&by_finance).contains("第 2 行：下达后累计 1,100,000.00 元"),
        "{}",
        stderr(&by_finance)
    );
    assert_eq!(l.counts(), (2, 3));
    let by_coordinator = l.run(&["ledger", "import", &overridden, "--as", "hz"]);
    assert!(
        by_coordinator.status.success(),
        "{}",
        stderr(&by_coordinator)
    );
    assert_eq!(l.counts(), (2, 4));

    // A bad cell is named before anything reaches the store.
    let bad = l.path("bad.xlsx");
    tx_sheet(
        Path::new(&bad),
        vec![
            vec![S("2018-08-01"), S("拨付"), N(1.005), S("district"), N(1.0)],
            vec![S("2018-08-01"), S("拨付"), N(1.0), S("district"), N(7.0)],
        ],
    );
    let refused = l.run(&["ledger", "import", &bad, "--as", "cz"]);
    assert!(!refused.status.success());
    let err = stderr(&refused);
    assert!(
        err.contains("第 2 行 C2：金额（元）“1.005”精确到分即可"),
        "{err}"
    );
    assert!(err.contains("第 3 行 E3：项目编号 7 不存在"), "{err}");
    assert!(err.contains("2 处错误，未导入任何数据"), "{err}");
    assert_eq!(l.counts(), (2, 4));
}

#[test]
fn only_finance_and_the_coordinator_import_and_bad_files_are_refused() {
    let l = Ledger::new();
    let projects = l.path("projects.xlsx");
    project_list(Path::new(&projects));
    let viewer = l.run(&["ledger", "import", &projects, "--as", "ld"]);
    assert!(!viewer.status.success());
    assert!(
        stderr(&viewer).contains("用户“ld”的角色是领导，无权登记资金台账"),
        "{}",
        stderr(&viewer)
    );
    let admin = l.run(&["ledger", "import", &projects, "--as", "admin"]);
    assert!(!admin.status.success());
    assert!(stderr(&admin).contains("无权登记资金台账"));
    let nobody = l.run(&["ledger", "import", &projects, "--as", "nobody"]);
    assert!(stderr(&nobody).contains("用户“nobody”不存在"));
    let anonymous = l.run(&["ledger", "import", &projects]);
    assert!(!anonymous.status.success());
    assert!(stderr(&anonymous).contains("请用 --as 指定登记人"));
    assert_eq!(l.counts(), (0, 0));

    let text = l.path("notes.xlsx");
    std::fs::write(&text, "项目名称,受援地\n").unwrap();
    let refused = l.run(&["ledger", "import", &text, "--as", "cz"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("不是 xlsx 文件"),
        "{}",
        stderr(&refused)
    );

    let missing = l.path("missing.xlsx");
    write_book(
        Path::new(&missing),
        &[
            vec![S("项目名称"), S("受援地"), S("状态")],
            vec![S("x"), S("察右前旗")],
        ],
    );
    let refused = l.run(&["ledger", "import", &missing, "--as", "cz"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("援建项目清单缺少列：“行业”、“实施单位”"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(l.counts(), (0, 0));
}

/// The sheet names of a workbook and its first sheet as text.
fn first_sheet(path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook");
    let names = book.sheet_names();
    let range = book.worksheet_range(&names[0]).unwrap();
    let rows = range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    (names, rows)
}

#[test]
fn templates_are_written_and_read_back() {
    let l = Ledger::new();
    for kind in ["projects", "transactions"] {
        let out = l.path(&format!("{kind}.xlsx"));
        let made = l.run(&["ledger", "template", kind, &out]);
        assert!(made.status.success(), "{}", stderr(&made));
        let (names, rows) = first_sheet(&out);
        let (label, header, example): (_, &[&str], &[&str]) = match kind {
            "projects" => (
                "援建项目清单",
                &[
                    "项目名称",
                    "受援地",
                    "行业",
                    "实施单位",
                    "是否用于扶贫",
                    "批复金额-市级统筹（大盘子规划内）（元）",
                    "批复金额-市级统筹（前指、挂职干部团队）（元）",
                    "批复金额-区级单独安排（元）",
                    "批复金额-开发区（元）",
                    "批复金额-社会捐助（元）",
                    "计划开工日期",
                    "计划完工日期",
                    "实际开工日期",
                    "实际完工日期",
                    "状态",
                    "帮助脱贫数（人）",
                    "关联任务",
                    "备注",
                ],
                &[
                    "察右前旗某小学教学楼援建（示例）",
                    "察右前旗",
                    "教育",
                    "区发改委",
                    "是",
                    "1000000",
                ],
            ),
            _ => (
                "资金流水",
                &[
                    "日期",
                    "类型",
                    "金额（元）",
                    "资金来源",
                    "项目编号",
                    "项目名称",
                    "凭证号",
                    "备注",
                    "超预算说明",
                ],
                &["42826", "下达", "500000", "市级统筹（大盘子规划内）"],
            ),
        };
        assert_eq!(names, [label, "填写说明"]);
        assert_eq!(rows.len(), 2, "the header and one example row");
        assert_eq!(rows[0], header);
        assert_eq!(rows[1][..example.len()], *example);
    }
    let out = l.run(&[
        "ledger",
        "import",
        &l.path("projects.xlsx"),
        "--as",
        "cz",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 个项目"), "{}", stdout(&out));

    let bad = l.run(&["ledger", "template", "budgets", &l.path("b.xlsx")]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("模板种类“budgets”无效"));

    // No database needed, none created.
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("none.db").display());
    let out = dir.path().join("t.xlsx").display().to_string();
    let made = bangfu(&["ledger", "template", "transactions", &out], &db);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(!dir.path().join("none.db").exists());
}

#[test]
fn help_is_in_chinese() {
    let out = bangfu(&["ledger", "--help"], "sqlite://unused.db");
    assert!(stdout(&out).contains("导入援建项目清单或资金流水"));
    let out = bangfu(&["ledger", "import", "--help"], "sqlite://unused.db");
    assert!(stdout(&out).contains("登记人的登录名"));
}
