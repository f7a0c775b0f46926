//! Reading ledger sheets: workbooks built here with rust_xlsxwriter, as Excel would save them.

use crate::*;
use bangfu_domain::ledger::{Money, Project, ProjectStatus, Sector, TxDraft, TxKind};
use bangfu_domain::plan::{parse_plan, Plan};
use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

fn plan() -> Plan {
    parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn yuan(text: &str) -> Money {
    Money::parse("金额", text).unwrap()
}

/// A cell as a person leaves it in Excel.
enum C {
    S(&'static str),
    T(String),
    N(f64),
    D(u16, u8, u8),
    F(&'static str, f64),
    B(bool),
    E,
}

use C::*;

/// One sheet with `rows` from A1, and a second sheet that must be ignored.
fn book(rows: &[Vec<C>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                S(s) => {
                    ws.write(r, c, *s).unwrap();
                }
                T(s) => {
                    ws.write(r, c, s.as_str()).unwrap();
                }
                N(n) => {
                    ws.write(r, c, *n).unwrap();
                }
                D(y, m, d) => {
                    ws.write_datetime_with_format(
                        r,
                        c,
                        ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                        &date_fmt,
                    )
                    .unwrap();
                }
                F(f, v) => {
                    ws.write_formula(r, c, Formula::new(*f).set_result(v.to_string()))
                        .unwrap();
                }
                B(b) => {
                    ws.write(r, c, *b).unwrap();
                }
                E => {}
            }
        }
    }
    wb.add_worksheet().write(0, 0, "日期").unwrap();
    wb.save_to_buffer().unwrap()
}

fn project_header() -> Vec<C> {
    vec![
        S("序号"),
        S(" 项目 名称 "),
        S("受援地"),
        S("行业"),
        S("实施单位"),
        S("是否用于扶贫"),
        S("批复金额-区级单独安排（元）"),
        S("批复金额（市级统筹（大盘子规划内））(元)"),
        S("批复金额－donation"),
        S("计划开工日期"),
        S("计划完工日期"),
        S("实际开工日期"),
        S("实际完工日期"),
        S("状态"),
        S("帮助脱贫数（人）"),
        S("关联任务"),
        S("备注"),
    ]
}

fn projects_of(sheet: LedgerSheet) -> (Vec<u32>, Vec<Project>) {
    match sheet {
        LedgerSheet::Projects { rows, projects, .. } => (rows, projects),
        other => panic!("not a project list: {other:?}"),
    }
}

fn drafts_of(sheet: LedgerSheet) -> (Vec<u32>, Vec<TxDraft>) {
    match sheet {
        LedgerSheet::Transactions { rows, drafts, .. } => (rows, drafts),
        other => panic!("not a transaction sheet: {other:?}"),
    }
}

fn problems(result: Result<LedgerSheet, Vec<LedgerProblem>>) -> Vec<String> {
    result
        .expect_err("the sheet must be refused")
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn reads_a_project_list_under_a_title() {
    let p = plan();
    let bytes = book(&[
        vec![S("援建项目清单（2018年）")],
        vec![],
        project_header(),
        vec![
            N(1.0),
            S("察右前旗第三小学教学楼"),
            S("察右前旗"),
            S("教育"),
            S("区教委"),
            S("是"),
            N(1_000_000.0),
            N(0.1 + 0.2),
            E,
            D(2018, 3, 1),
            S("2018/12/31"),
            S("2018年3月15日"),
            E,
            S("实施中"),
            N(120.0),
            S("1.1-1、1.1-2"),
            S(" 新建教学楼一栋 "),
        ],
        // An empty row (序号 only) is skipped.
        vec![N(2.0)],
        vec![
            N(3.0),
            S("和田县卫生院设备"),
            S("htx"),
            S("health"),
            S("wenwei"),
            B(false),
            E,
            E,
            S("2,000.5"),
            E,
            E,
            D(2017, 9, 1),
            N(43_281.0), // 2018-06-30 typed as a date serial
            S("已验收"),
            E,
            E,
            E,
        ],
    ]);
    let (rows, projects) = projects_of(read_ledger_sheet(&bytes, &p, &[]).unwrap());
    assert_eq!(rows, vec![4, 6]);
    let first = &projects[0];
    assert_eq!(first.id, 0);
    assert_eq!(first.name, "察右前旗第三小学教学楼");
    assert_eq!(first.area, "cyqq");
    assert_eq!(first.sector, Sector::Education);
    assert_eq!(first.unit, "jw");
    assert!(first.poverty_relief);
    assert_eq!(
        first.approved,
        vec![
            ("district".to_string(), yuan("1000000")),
            ("city".to_string(), yuan("0.30")),
        ]
    );
    assert_eq!(first.planned_start, Some(date(2018, 3, 1)));
    assert_eq!(first.planned_finish, Some(date(2018, 12, 31)));
    assert_eq!(first.actual_start, Some(date(2018, 3, 15)));
    assert_eq!(first.actual_finish, None);
    assert_eq!(first.status, ProjectStatus::InProgress);
    assert_eq!(first.beneficiaries, 120);
    assert_eq!(first.tasks, vec!["1.1-1", "1.1-2"]);
    assert_eq!(first.note, "新建教学楼一栋");
    let second = &projects[1];
    assert_eq!(
        (second.area.as_str(), second.sector),
        ("htx", Sector::Health)
    );
    assert!(!second.poverty_relief);
    assert_eq!(
        second.approved,
        vec![("donation".to_string(), yuan("2000.50"))]
    );
    assert_eq!(second.actual_finish, Some(date(2018, 6, 30)));
    assert_eq!(second.status, ProjectStatus::Accepted);
}

fn existing() -> Vec<Project> {
    let p = plan();
    let bytes = ledger_template(LedgerKind::Projects, &p).unwrap();
    let (_, mut projects) = projects_of(read_ledger_sheet(&bytes, &p, &[]).unwrap());
    let mut twin = projects[0].clone();
    projects[0].id = 1;
    twin.id = 2;
    twin.name = "同名项目".into();
    let mut twin2 = twin.clone();
    twin2.id = 3;
    projects.extend([twin, twin2]);
    projects
}

fn tx_header() -> Vec<C> {
    vec![
        S("日期"),
        S("类型"),
        S("金额 (元)"),
        S("资金来源"),
        S("项目编号"),
        S("项目名称"),
        S("凭证号"),
        S("备注"),
        S("超预算说明"),
    ]
}

#[test]
fn reads_a_transaction_sheet() {
    let p = plan();
    let projects = existing();
    let example = projects[0].name.clone();
    let bytes = book(&[
        tx_header(),
        vec![
            D(2018, 4, 1),
            S("下达"),
            N(500_000.0),
            S("区级单独安排"),
            E,
            T(example),
            N(1001.0),
            S("首批"),
            S("年中追加"),
        ],
        vec![],
        vec![
            S("2018-05-02"),
            S("拨付"),
            S("200,000.10"),
            S("district"),
            N(1.0),
            E,
            S("记-002"),
        ],
        vec![
            S("2018年6月30日"),
            S("disbursement"),
            N(99.99),
            S("district"),
            S("#2"),
        ],
    ]);
    let (rows, drafts) = drafts_of(read_ledger_sheet(&bytes, &p, &projects).unwrap());
    assert_eq!(rows, vec![2, 4, 5]);
    assert_eq!(
        drafts[0],
        TxDraft {
            kind: TxKind::Allocation,
            date: date(2018, 4, 1),
            amount: yuan("500000"),
            source: "district".into(),
            project: 1,
            voucher: "1001".into(),
            note: "首批".into(),
            reverses: None,
            override_reason: Some("年中追加".into()),
        }
    );
    assert_eq!(drafts[1].kind, TxKind::Disbursement);
    assert_eq!(drafts[1].amount, yuan("200000.10"));
    assert_eq!(drafts[1].project, 1);
    assert_eq!(drafts[1].override_reason, None);
    assert_eq!(drafts[2].date, date(2018, 6, 30));
    assert_eq!(drafts[2].project, 2);
    assert_eq!(drafts[2].amount, yuan("99.99"));
}

#[test]
fn every_bad_cell_is_named_with_its_row() {
    let p = plan();
    let projects = existing();
    let bytes = book(&[
        tx_header(),
        vec![S("2018-04-01"), S("下达"), N(10.0), S("district"), N(1.0)],
        vec![S("2018-04-01"), S("下达"), N(10.0), S("district"), N(1.0)],
        vec![S("2018-04-01"), S("下达"), N(10.0), S("district"), N(1.0)],
        vec![S("2018-04-01"), S("下达"), N(1.005), S("district"), N(1.0)],
        vec![S("2018-13-01"), S("转账"), N(-3.0), S("省级"), N(9.0)],
        vec![
            D(2018, 4, 1),
            S("下达"),
            F("=1+1", 2.0),
            S("district"),
            E,
            S("同名项目"),
        ],
        vec![
            N(2018.0),
            S("下达"),
            S("十元"),
            S("district"),
            E,
            S("没有的项目"),
        ],
        vec![
            S("2018-04-01"),
            S("下达"),
            N(1.0),
            S("district"),
            N(1.0),
            S("同名项目"),
        ],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &projects));
    let has = |needle: &str| {
        assert!(
            errs.iter().any(|e| e.contains(needle)),
            "no “{needle}” in {errs:#?}"
        )
    };
    has("第 5 行 C5：金额（元）“1.005”精确到分即可");
    has("第 6 行 A6：日期“2018-13-01”无效");
    has("第 6 行 B6：交易类型“转账”无效");
    has("第 6 行 C6：金额（元）不能为负数");
    has("第 6 行 D6：资金来源“省级”无效");
    has("第 6 行 E6：项目编号 9 不存在");
    has("第 7 行 C7：金额（元）是公式（=1+1）");
    has("第 7 行 F7：项目名称“同名项目”对应多个项目（编号 2、3）");
    has("第 8 行 A8：日期“2018”不是日期");
    has("第 8 行 C8：金额（元）“十元”不是数字");
    has("第 8 行 F8：项目“没有的项目”不存在");
    has("第 9 行 F9：项目编号 1 是");
    assert!(
        !errs.iter().any(|e| e.starts_with("第 2 行")),
        "good rows are not blamed: {errs:#?}"
    );

    let bytes = book(&[
        project_header(),
        vec![
            N(1.0),
            S("项目"),
            S("北京"),
            S("文化"),
            S("某某单位"),
            S("可能"),
            N(12.345),
            E,
            E,
            S("2018-06-30"),
            S("2018-01-01"),
            E,
            E,
            S("实施中"),
            N(1.5),
            S("9.9-9"),
        ],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    for needle in [
        "第 2 行 G2：批复金额-区级单独安排（元）“12.345”精确到分即可",
        "第 2 行 O2：帮助脱贫数（人）应为不小于 0 的整数：1.5",
    ] {
        assert!(
            errs.iter().any(|e| e.contains(needle)),
            "{needle}: {errs:#?}"
        );
    }
    // The cells' own mistakes come first; the row is not parsed further until they are fixed.
    let bytes = book(&[
        project_header(),
        vec![
            N(1.0),
            S("项目"),
            S("北京"),
            S("文化"),
            S("某某单位"),
            S("可能"),
            E,
            E,
            E,
            S("2018-06-30"),
            S("2018-01-01"),
            E,
            E,
            S("实施中"),
            E,
            S("9.9-9"),
        ],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    for needle in [
        "第 2 行 C2：受援地“北京”不存在",
        "第 2 行 D2：行业“文化”无效",
        "第 2 行 E2：实施单位“某某单位”不在方案的单位名单中",
        "第 2 行 F2：是否用于扶贫“可能”无效",
    ] {
        assert!(
            errs.iter().any(|e| e.contains(needle)),
            "{needle}: {errs:#?}"
        );
    }
}

#[test]
fn missing_and_unknown_headers_are_named() {
    let p = plan();
    let bytes = book(&[
        vec![S("项目名称"), S("受援地"), S("计划开工日期"), S("状态")],
        vec![S("x"), S("察右前旗"), E, E],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    assert_eq!(
        errs,
        vec!["第 1 行：援建项目清单缺少列：“行业”、“实施单位”（表头在第 1 行）"]
    );

    let bytes = book(&[
        vec![
            S("日期"),
            S("类型"),
            S("金额（元）"),
            S("资金来源"),
            S("凭证"),
        ],
        vec![S("2018-01-01")],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    assert!(
        errs[0].starts_with("第 1 行 E1：无法识别的列“凭证”"),
        "{errs:#?}"
    );
    assert!(
        errs[1].contains("缺少列：“项目编号”（或“项目名称”）"),
        "{errs:#?}"
    );

    let bytes = book(&[
        vec![
            S("日期"),
            S("类型"),
            S("金额（万元）"),
            S("资金来源"),
            S("项目编号"),
        ],
        vec![S("2018-01-01")],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    assert!(
        errs[0].contains("C1：表头“金额（万元）”以万元为单位"),
        "{errs:#?}"
    );

    let bytes = book(&[
        vec![
            S("项目名称"),
            S("受援地"),
            S("行业"),
            S("实施单位"),
            S("批复金额（元）"),
            S("批复金额-省级（元）"),
        ],
        vec![S("x")],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    assert!(
        errs[0].contains("E1：表头“批复金额（元）”没有注明资金来源"),
        "{errs:#?}"
    );
    assert!(
        errs[1].contains("F1：表头“批复金额-省级（元）”中的资金来源“省级”无效"),
        "{errs:#?}"
    );

    let bytes = book(&[
        vec![S("某某表")],
        vec![S("甲"), S("乙")],
        vec![N(1.0), N(2.0)],
    ]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    assert!(errs[0].starts_with("找不到表头"), "{errs:#?}");

    let bytes = book(&[tx_header(), vec![], vec![N(3.0)]]);
    let errs = problems(read_ledger_sheet(&bytes, &p, &[]));
    assert!(
        errs.iter().any(|e| e.contains("第 3 行")),
        "a row with only an unreadable date is not empty: {errs:#?}"
    );
    let bytes = book(&[tx_header()]);
    assert_eq!(
        problems(read_ledger_sheet(&bytes, &p, &[])),
        vec!["资金流水中没有数据行（表头在第 1 行）"]
    );
}

#[test]
fn what_is_not_an_xlsx_workbook_is_refused_before_parsing() {
    let p = plan();
    let refused = |bytes: &[u8]| problems(read_ledger_sheet(bytes, &p, &[])).join("\n");
    assert!(refused(b"").contains("文件是空的"));
    assert!(refused("日期,类型,金额\n".as_bytes()).contains("不是 xlsx 文件"));
    assert!(refused(b"PK\x03\x04 broken").contains("已损坏"));
    let too_big = vec![b'P'; MAX_IMPORT_BYTES + 1];
    assert!(refused(&too_big).contains("文件过大"));
    // A zip that is not a workbook.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("a.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"hello").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(refused(&bytes).contains("不是 Excel 工作簿"));
}

#[test]
fn templates_round_trip_through_the_reader() {
    let p = plan();
    let bytes = ledger_template(LedgerKind::Projects, &p).unwrap();
    let sheet = read_ledger_sheet(&bytes, &p, &[]).unwrap();
    assert_eq!(sheet.kind(), LedgerKind::Projects);
    assert_eq!(sheet.sheet(), "援建项目清单");
    let (rows, projects) = projects_of(sheet);
    assert_eq!(rows, vec![2]);
    let example = &projects[0];
    assert_eq!(example.area, p.pairings[0].area);
    assert_eq!(
        example.approved,
        vec![(p.ledger.sources[0].code.clone(), yuan("1000000"))]
    );
    assert_eq!(example.beneficiaries, 120);
    assert_eq!(example.planned_start, Some(date(p.info.start_year, 3, 1)));
    assert_eq!(example.status, ProjectStatus::InProgress);

    // Every source has its column, in plan order, after 是否用于扶贫.
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    assert_eq!(book.sheet_names(), vec!["援建项目清单", "填写说明"]);
    let range = book.worksheet_range("援建项目清单").unwrap();
    let header: Vec<String> = (0..range.width() as u32)
        .map(|c| range.get_value((0, c)).unwrap().to_string())
        .collect();
    let mut expected = vec!["项目名称", "受援地", "行业", "实施单位", "是否用于扶贫"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    expected.extend(
        p.ledger
            .sources
            .iter()
            .map(|s| format!("批复金额-{}（元）", s.name)),
    );
    expected.extend(
        [
            "计划开工日期",
            "计划完工日期",
            "实际开工日期",
            "实际完工日期",
            "状态",
            "帮助脱贫数（人）",
            "关联任务",
            "备注",
        ]
        .map(String::from),
    );
    assert_eq!(header, expected);

    let mut stored = example.clone();
    stored.id = 7;
    let bytes = ledger_template(LedgerKind::Transactions, &p).unwrap();
    let sheet = read_ledger_sheet(&bytes, &p, &[stored]).unwrap();
    assert_eq!(sheet.sheet(), "资金流水");
    let (rows, drafts) = drafts_of(sheet);
    assert_eq!(rows, vec![2]);
    assert_eq!(drafts[0].project, 7);
    assert_eq!(drafts[0].kind, TxKind::Allocation);
    assert_eq!(drafts[0].amount, yuan("500000"));
    assert_eq!(drafts[0].date, date(p.info.start_year, 4, 1));
    assert_eq!(drafts[0].voucher, "记-001");
}

#[test]
fn store_refusals_are_located_at_sheet_rows() {
    let sheet = LedgerSheet::Transactions {
        sheet: "资金流水".into(),
        rows: vec![2, 5, 9],
        drafts: vec![],
    };
    assert_eq!(
        sheet.locate(&["第 2 笔：超过预算".into(), "其他".into()]),
        vec!["第 5 行：超过预算", "其他"]
    );
    let one = LedgerSheet::Transactions {
        sheet: "资金流水".into(),
        rows: vec![4],
        drafts: vec![],
    };
    assert_eq!(one.locate(&["超过预算".into()]), vec!["第 4 行：超过预算"]);
}

#[test]
fn kinds_parse_in_english_and_chinese() {
    assert_eq!(LedgerKind::parse("projects"), Some(LedgerKind::Projects));
    assert_eq!(
        LedgerKind::parse("资金流水"),
        Some(LedgerKind::Transactions)
    );
    assert_eq!(LedgerKind::parse("budgets"), None);
}
