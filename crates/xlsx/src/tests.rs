use crate::*;
use bangfu_domain::plan::{parse_plan, Plan};
use bangfu_domain::Quantity;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

fn plan() -> Plan {
    parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap()
}

fn q(s: &str) -> Quantity {
    s.parse().unwrap()
}

fn sheet(values: &[(&str, &str)]) -> FormSheet {
    FormSheet {
        sheet_name: "区教委".into(),
        subtitle: "2018年第二季度（年初至本季度末累计数）".into(),
        header: FormHeader {
            unit: "区教委".into(),
            reporter: "王老师".into(),
            phone: "010-1".into(),
            time: "2018-06-18 10:00".into(),
        },
        values: values.iter().map(|(k, v)| (k.to_string(), q(v))).collect(),
    }
}

fn cells(bytes: &[u8]) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name).unwrap()
}

fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    range
        .get_value((row, col))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// The form's rows as the plan file (test data) words them: label, 计量单位.
const FORM_ROWS: [(&str, &str); 43] = [
    ("一、政府援助", ""),
    ("1.东西部扶贫协作、对口支援财政援助资金", "万元"),
    (
        "1.1 市财政安排的大盘子规划内援助资金（前指、挂职干部团队）",
        "万元",
    ),
    ("其中：用于扶贫资金", "万元"),
    ("1.2 各区单独安排援助资金", "万元"),
    ("其中：用于扶贫资金", "万元"),
    ("2.实施援建项目", "项"),
    ("其中：已实施援建项目", "项"),
    ("帮助建档立卡贫困人口脱贫数", "万人"),
    ("3.与扶贫协作地区学校结对数", "所"),
    ("4.与扶贫协作地区医院结对数", "所"),
    ("5.东部乡镇（街道）与西部贫困乡镇结对数", "个"),
    ("6.东部社区（村）与西部贫困村结对数", "个"),
    ("7.其他单位与西部贫困乡镇（或贫困村）结对数", "个"),
    ("二、产业合作（各区、市级部门）", ""),
    ("1.到扶贫协作地区扶贫企业数", "个"),
    ("2.实施扶贫项目", "个"),
    ("3.引导企业实际投资额", "亿元"),
    ("4.产业合作带动脱贫数", "万人"),
    ("三、劳务协作（各区、市级部门）", ""),
    ("1.举办培训班", "期"),
    ("2.培训人数", "人次"),
    ("3.举办专场招聘会提供就业岗位", "个"),
    ("帮助贫困户实现就业", "人次"),
    ("四、人才支持（除市委组织部统一选派外）", ""),
    ("1.结对区县党政干部交流", "人次"),
    ("其中：东部区选派到西部贫困县挂职交流干部", "人次"),
    ("西部贫困县选派到东部区挂职交流干部", "人次"),
    (
        "2.结对区县专业技术人才交流（含教师、医生、科技、文化、社会工作）",
        "人次",
    ),
    ("其中：东部到西部专业技术人才", "人次"),
    ("西部到东部学习专业技术人才", "人次"),
    (
        "3.市级部门专业技术人才交流（含教师、医生、科技、文化、社会工作）",
        "人次",
    ),
    ("其中：东部到西部专业技术人才", "人次"),
    ("西部到东部学习专业技术人才", "人次"),
    ("五、社会帮扶", ""),
    ("各区动员社会各界捐助款物折合资金数", "万元"),
    ("市级部门动员社会各界捐助款物折合资金数", "万元"),
    ("六、结对区县领导考察互访", "人次"),
    ("1.东部到西部党政负责同志", "人次"),
    ("2.西部到东部党政负责同志", "人次"),
    ("3.与扶贫协作地区召开高层联席会议", "次"),
    ("4.与扶贫协作地区签署合作框架协议（方案）", "个"),
    ("5.与扶贫协作地区编制扶贫协作规划（计划）", "个"),
];

#[test]
fn cell_names_follow_excel() {
    assert_eq!(cell_name(0, 0), "A1");
    assert_eq!(cell_name(8, 2), "C9");
    assert_eq!(cell_name(0, 26), "AA1");
}

#[test]
fn form_layout_matches_the_document() {
    let p = plan();
    let bytes = form_workbook(&p, &[sheet(&[("1.3", "3"), ("2.3", "1.2345")])]).unwrap();
    let r = cells(&bytes);
    assert_eq!(text(&r, 0, 0), "附件");
    assert_eq!(
        text(&r, 1, 0),
        "开展携手奔小康、助力打赢脱贫攻坚战工作进展情况表"
    );
    assert_eq!(text(&r, 2, 0), "2018年第二季度（年初至本季度末累计数）");
    assert!(text(&r, 3, 0).starts_with("填报单位：区教委　　填报人：王老师　　联系电话：010-1"));
    let header: Vec<String> = (0..5).map(|c| text(&r, 4, c)).collect();
    assert_eq!(header, ["指标", "计量单位", "数据", "填报单位", ""]);
    let rows: Vec<(String, String)> = (5..=r.end().unwrap().0)
        .map(|row| (text(&r, row, 0), text(&r, row, 1)))
        .collect();
    let expected: Vec<(String, String)> = FORM_ROWS
        .iter()
        .map(|(label, unit)| (label.to_string(), unit.to_string()))
        .collect();
    assert_eq!(rows, expected, "every row, in order, and nothing below");
    let row_of = |code: &str| {
        FORM_HEADER_ROWS + p.indicators.iter().position(|i| i.code == code).unwrap() as u32
    };
    // Numbers are numeric cells, not text.
    assert_eq!(r.get_value((row_of("1.3"), 2)), Some(&Data::Float(3.0)));
    assert_eq!(r.get_value((row_of("2.3"), 2)), Some(&Data::Float(1.2345)));
    assert_eq!(text(&r, row_of("1.1"), 3), "区财政局、开发区投促局");

    // Merged ranges of the 填报单位 column as in the original, and the title lines.
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let merged = book.merge_cells_by_sheet_name("区教委").unwrap();
    let has = |r0: u32, c0: u32, r1: u32, c1: u32| {
        merged
            .iter()
            .any(|d| d.start == (r0, c0) && d.end == (r1, c1))
    };
    assert!(has(1, 0, 1, 3), "title merged across the columns");
    assert!(
        has(row_of("1.1"), 3, row_of("1.1.2.1"), 3),
        "funds cell spans five rows"
    );
    assert!(has(row_of("1.5"), 3, row_of("1.6"), 3));
    assert!(has(row_of("6.3"), 3, row_of("6.5"), 3));

    // Number formats by precision, print setup, repeated header rows, frozen panes.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("formatCode=\"0.00\""));
    assert!(styles.contains("formatCode=\"0.0000\""));
    let mut sheet_xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet_xml)
        .unwrap();
    assert!(sheet_xml.contains("paperSize=\"9\""));
    assert!(sheet_xml.contains("orientation=\"portrait\""));
    assert!(sheet_xml.contains("fitToHeight=\"0\""));
    assert!(sheet_xml.contains("state=\"frozen\""));
    let mut workbook_xml = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook_xml)
        .unwrap();
    assert!(workbook_xml.contains("_xlnm.Print_Titles"));
}

#[test]
fn district_workbook_has_a_sheet_per_unit() {
    let p = plan();
    let mut district = sheet(&[("1.3", "7")]);
    district.sheet_name = "全区汇总".into();
    let bytes = form_workbook(&p, &[district, sheet(&[("1.3", "3")])]).unwrap();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), vec!["全区汇总", "区教委"]);
    // Importing for 区教委 reads its own sheet, not the district's.
    let form = read_form(&p, "jw", &bytes).unwrap();
    assert_eq!(form.sheet, "区教委");
    assert_eq!(form.rows[0].value, Some(q("3")));
}

#[test]
fn task_table_lists_every_task() {
    let p = plan();
    let progress: TaskProgress = [("1.2-7".to_string(), "一、4 医院结对 2 所".to_string())].into();
    let bytes = tasks_workbook(&p, &progress).unwrap();
    let r = cells(&bytes);
    let header: Vec<String> = (0..7).map(|c| text(&r, 1, c)).collect();
    assert_eq!(
        header,
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
    let codes: Vec<String> = (2..r.end().unwrap().0 + 1)
        .map(|row| text(&r, row, 0))
        .filter(|c| p.tasks.iter().any(|t| &t.code == c))
        .collect();
    assert_eq!(codes.len(), p.tasks.len());
    let row = (0..=r.end().unwrap().0)
        .find(|row| text(&r, *row, 0) == "1.2-7")
        .unwrap();
    assert_eq!(text(&r, row, 3), "区卫计委");
    assert!(text(&r, row, 5).contains("每年（每个受援地） 不少于 1家"));
    assert_eq!(text(&r, row, 6), "一、4 医院结对 2 所");
}

/// Every row 区财政局 fills, at its precision.
fn czj_values() -> impl Strategy<Value = BTreeMap<String, Quantity>> {
    let p = plan();
    let rows: Vec<(String, u32)> = p
        .indicators_for_unit("czj")
        .iter()
        .map(|i| (i.code.clone(), p.precision(i.unit.as_deref().unwrap_or(""))))
        .collect();
    let strategies: Vec<_> = rows
        .into_iter()
        .map(|(code, precision)| {
            (0i64..1_000_000_000_000, Just(precision))
                .prop_map(move |(m, prec)| (code.clone(), Quantity::new(Decimal::new(m, prec))))
        })
        .collect();
    strategies.prop_map(|pairs| pairs.into_iter().collect())
}

/// The damaged export the fuzz test below found in CI (its minimal case: one byte flipped, which
/// made a merged range end before it starts): read or refused, never a panic.
#[test]
fn the_damaged_export_found_in_ci_is_read_or_refused() {
    let p = plan();
    let mut bytes = form_workbook(&p, &[sheet(&[("1.3", "3")])]).unwrap();
    let at = 17_955_117_158_866_606_805usize % bytes.len();
    bytes[at] ^= 52 | 1;
    let _ = read_form(&p, "jw", &bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn export_then_import_gives_the_same_values(values in czj_values()) {
        let p = plan();
        let mut s = sheet(&[]);
        s.values = values.clone();
        let bytes = form_workbook(&p, &[s]).unwrap();
        let form = read_form(&p, "czj", &bytes).unwrap();
        let back: BTreeMap<String, Quantity> = form
            .rows
            .into_iter()
            .filter_map(|r| Some((r.indicator, r.value?)))
            .collect();
        prop_assert_eq!(back, values);
    }
}

/// A hand-made sheet: the header row, then (label, data cell writer) rows.
fn custom(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    build(ws);
    wb.save_to_buffer().unwrap()
}

fn messages(result: Result<ImportedForm, Vec<ImportProblem>>) -> Vec<String> {
    result
        .expect_err("file must be refused")
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn a_units_own_copy_is_read_by_labels_and_headers() {
    let p = plan();
    // Columns in another order, spaces and half-width punctuation, extra blank rows.
    let bytes = custom(|ws| {
        ws.write(0, 0, "我单位的表").unwrap();
        ws.write(2, 1, "数 据").unwrap();
        ws.write(2, 2, "指标").unwrap();
        ws.write(4, 2, "3. 与扶贫协作地区学校结对数").unwrap();
        ws.write(4, 1, 4).unwrap();
        ws.write(
            5,
            2,
            "2.结对区县专业技术人才交流(含教师、医生、科技、文化、社会工作)",
        )
        .unwrap();
        ws.write(5, 1, "12").unwrap();
        ws.write(6, 2, "其中:东部到西部专业技术人才").unwrap();
        ws.write(6, 1, 10).unwrap();
    });
    let form = read_form(&p, "jw", &bytes).unwrap();
    let got: Vec<(&str, String, Option<Quantity>)> = form
        .rows
        .iter()
        .map(|r| (r.indicator.as_str(), r.cell.clone(), r.value))
        .collect();
    assert_eq!(
        got,
        vec![
            ("1.3", "Sheet1!B5".to_string(), Some(q("4"))),
            ("4.2", "Sheet1!B6".to_string(), Some(q("12"))),
            ("4.2.1", "Sheet1!B7".to_string(), Some(q("10"))),
        ]
    );
}

#[test]
fn bad_cells_are_named() {
    let p = plan();
    let bytes = custom(|ws| {
        ws.write(0, 0, "指标").unwrap();
        ws.write(0, 2, "数据").unwrap();
        ws.write(1, 0, "3.与扶贫协作地区学校结对数").unwrap();
        ws.write(1, 2, "三所").unwrap();
        ws.write(2, 0, "7.其他单位与西部贫困乡镇（或贫困村）结对数")
            .unwrap();
        ws.write(2, 2, rust_xlsxwriter::Formula::new("=1+1"))
            .unwrap();
        ws.write(3, 0, "不存在的指标").unwrap();
        ws.write(4, 0, "4.与扶贫协作地区医院结对数").unwrap();
        ws.write(4, 2, 2).unwrap();
        ws.write(
            5,
            0,
            "2.结对区县专业技术人才交流（含教师、医生、科技、文化、社会工作）",
        )
        .unwrap();
        ws.write(5, 2, 1.5).unwrap();
    });
    let m = messages(read_form(&p, "jw", &bytes));
    assert_eq!(m.len(), 5, "{m:?}");
    assert!(
        m[0].starts_with("Sheet1!C2：一、3 与扶贫协作地区学校结对数：“三所”不是数字"),
        "{}",
        m[0]
    );
    assert!(
        m[1].starts_with("Sheet1!C3：") && m[1].contains("是公式"),
        "{}",
        m[1]
    );
    assert!(
        m[2].starts_with("Sheet1!A4：指标“不存在的指标”"),
        "{}",
        m[2]
    );
    assert!(m[3].contains("不由本单位填报"), "{}", m[3]);
    assert!(
        m[4].starts_with("Sheet1!C6：") && m[4].contains("小数位数超过 0 位"),
        "{}",
        m[4]
    );
}

#[test]
fn merged_data_cells_and_missing_columns_are_refused() {
    let p = plan();
    let merged = custom(|ws| {
        ws.write(0, 0, "指标").unwrap();
        ws.write(0, 1, "数据").unwrap();
        ws.write(1, 0, "3.与扶贫协作地区学校结对数").unwrap();
        ws.write(2, 0, "7.其他单位与西部贫困乡镇（或贫困村）结对数")
            .unwrap();
        ws.merge_range(1, 1, 2, 1, "", &rust_xlsxwriter::Format::new())
            .unwrap();
    });
    let m = messages(read_form(&p, "jw", &merged));
    assert!(
        m[0].starts_with("Sheet1!B2：") && m[0].contains("合并"),
        "{m:?}"
    );

    let no_value_column = custom(|ws| {
        ws.write(0, 0, "指标").unwrap();
        ws.write(0, 1, "计量单位").unwrap();
        ws.write(1, 0, "3.与扶贫协作地区学校结对数").unwrap();
    });
    let m = messages(read_form(&p, "jw", &no_value_column));
    assert!(
        m[0].contains("找不到表头") && m[0].contains("“数据”列"),
        "{m:?}"
    );
}

#[test]
fn hostile_and_broken_files_are_refused_before_parsing() {
    let p = plan();
    let m = messages(read_form(&p, "jw", b""));
    assert_eq!(m, vec!["文件是空的"]);
    let m = messages(read_form(&p, "jw", "指标,数据\n".as_bytes()));
    assert!(m[0].contains("不是 xlsx 文件"), "{m:?}");
    let good = form_workbook(&p, &[sheet(&[])]).unwrap();
    let m = messages(read_form(&p, "jw", &good[..good.len() / 2]));
    assert!(m[0].contains("已损坏"), "{m:?}");
    let mut scrambled = good.clone();
    for b in scrambled.iter_mut().skip(200).step_by(7) {
        *b ^= 0x5a;
    }
    assert!(read_form(&p, "jw", &scrambled).is_err());
    let huge = vec![b'P'; 100 * 1024 * 1024];
    let m = messages(read_form(&p, "jw", &huge));
    assert!(m[0].contains("文件过大"), "{m:?}");

    // A zip bomb: a small file that unpacks to 150 MB of zeros.
    let mut bomb = Vec::new();
    {
        let mut zw = zip::ZipWriter::new(Cursor::new(&mut bomb));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zw.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..150 {
            zw.write_all(&zeros).unwrap();
        }
        zw.finish().unwrap();
    }
    assert!(bomb.len() < MAX_IMPORT_BYTES);
    let m = messages(read_form(&p, "jw", &bomb));
    assert!(m[0].contains("压缩炸弹"), "{m:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    /// Random bytes, with or without a zip signature: refused, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..4096), zip_magic in any::<bool>()) {
        if zip_magic && bytes.len() >= 4 {
            bytes[..4].copy_from_slice(b"PK\x03\x04");
        }
        let problems = read_form(&plan(), "jw", &bytes).expect_err("random bytes are no form");
        let message = problems[0].to_string();
        prop_assert!(
            [
                "文件是空的",
                "不是 xlsx 文件",
                "文件已损坏",
            ]
            .iter()
            .any(|m| message.starts_with(m)),
            "{}",
            message
        );
    }

    /// A real export with bytes flipped: read or refused, never a panic.
    #[test]
    fn damaged_exports_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12)) {
        let p = plan();
        let mut bytes = form_workbook(&p, &[sheet(&[("1.3", "3")])]).unwrap();
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] ^= value | 1;
        }
        let _ = read_form(&p, "jw", &bytes);
    }
}
