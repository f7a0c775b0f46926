//! Hand-edited workbooks that once made the reader allocate what the file claimed: each is read
//! within bounds or refused with a message naming the sheet and the cell.

use crate::testing::*;
use crate::*;
use bangfu_domain::plan::{parse_plan, Plan};
use bangfu_domain::Quantity;

fn plan() -> Plan {
    parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap()
}

/// 区教委's form with 一、3 = 3 and 四、2 = 12, 其中 10 and 2.
fn form() -> Vec<u8> {
    let values = [("1.3", "3"), ("4.2", "12"), ("4.2.1", "10"), ("4.2.2", "2")];
    let sheet = FormSheet {
        sheet_name: "区教委".into(),
        subtitle: String::new(),
        header: FormHeader::default(),
        values: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect(),
    };
    form_workbook(&plan(), &[sheet]).unwrap()
}

fn refused(bytes: &[u8]) -> Vec<String> {
    read_form(&plan(), "jw", bytes)
        .expect_err("the file must be refused")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn values(bytes: &[u8]) -> Vec<(String, String, Option<Quantity>)> {
    read_form(&plan(), "jw", bytes)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.indicator, r.cell, r.value))
        .collect()
}

fn q(text: &str) -> Option<Quantity> {
    Some(text.parse().unwrap())
}

#[test]
fn a_cell_far_below_or_right_of_the_form_is_refused_by_name() {
    let m = refused(&with_number_at(&form(), "XFD1048576"));
    assert_eq!(
        m,
        ["区教委!XFD1048576：工作表“区教委”第 1048576 行超出本表最多 100 行，请删除多余的内容后再导入"]
    );
    let m = refused(&with_number_at(&form(), "Z200000"));
    assert_eq!(
        m,
        ["区教委!Z200000：工作表“区教委”第 200000 行超出本表最多 100 行，请删除多余的内容后再导入"]
    );
    let m = refused(&with_text_at(&form(), "K60", "备注"));
    assert_eq!(
        m,
        ["区教委!K60：工作表“区教委”第 K 列超出本表最多 10 列（A 至 J 列），请删除多余的内容后再导入"]
    );
}

#[test]
fn blank_cells_and_a_declared_size_are_not_content() {
    let expected = vec![
        ("1.3".to_string(), "区教委!C15".to_string(), q("3")),
        ("1.7".to_string(), "区教委!C19".to_string(), None),
        ("4.2".to_string(), "区教委!C34".to_string(), q("12")),
        ("4.2.1".to_string(), "区教委!C35".to_string(), q("10")),
        ("4.2.2".to_string(), "区教委!C36".to_string(), q("2")),
    ];
    assert_eq!(values(&form()), expected);
    // Formatting alone, far away, as Excel writes it for a bordered or coloured cell.
    let styled = with_rows(
        &form(),
        r#"<row r="1048576"><c r="XFD1048576" s="1"/><c r="XFC1048576" t="inlineStr"><is><t>  </t></is></c></row>"#,
    );
    assert_eq!(values(&styled), expected);
    let declared = with_dimension(&form(), "A1:XFD1048576");
    assert_eq!(values(&declared), expected);
    // Rows in any order are read by their numbers.
    let reversed = with_rows_reversed(&form());
    assert_ne!(reversed, form());
    assert_eq!(values(&reversed), expected);
}

#[test]
fn claims_and_counts_beyond_any_form_are_refused_before_reading() {
    let m = refused(&claiming_shared_strings(&form(), 10_000_000_000));
    assert_eq!(
        m,
        ["文件结构异常（声称含有 10000000000 条不同的文字，最多 200000 条），拒绝处理"]
    );
    // A claim within bounds is only a claim.
    assert_eq!(values(&claiming_shared_strings(&form(), 150_000)).len(), 5);
    let many: String = (0..=MAX_SHARED_STRINGS)
        .map(|i| format!("<si><t>{i}</t></si>"))
        .collect();
    let strings = rewrite_part(&form(), "xl/sharedStrings.xml", |xml| {
        xml.replacen("</sst>", &format!("{many}</sst>"), 1)
    });
    assert_eq!(
        refused(&strings),
        ["文件结构异常（不同的文字超过 200000 条），拒绝处理"]
    );
    let m = refused(&with_sheet_copies(&form(), 10_000));
    assert_eq!(m, ["工作簿中的工作表过多（10001 个），最多 200 个"]);
    let merges: String = (0..10_001).map(|_| r#"<mergeCell ref="A1:B2"/>"#).collect();
    let merged = rewrite_part(&form(), "xl/worksheets/sheet1.xml", |xml| {
        xml.replacen(
            "<mergeCells",
            &format!("<mergeCells>{merges}</mergeCells><mergeCells"),
            1,
        )
    });
    assert_eq!(
        refused(&merged),
        ["文件中的合并单元格过多（超过 10000 处），拒绝处理"]
    );
}

#[test]
fn a_huge_text_a_repeated_cell_and_a_huge_formula_index_are_refused() {
    let long = "很".repeat(3_500_000);
    let m = refused(&with_text_at(&form(), "A60", &long));
    assert_eq!(
        m,
        ["区教委!A60：工作表“区教委”的单元格内容过长（3500000 个字符，Excel 单元格最多 32767 个）"]
    );
    let twice = with_rows(
        &form(),
        r#"<row r="60"><c r="A60"><v>1</v></c><c r="A60"><v>2</v></c></row>"#,
    );
    assert_eq!(
        refused(&twice),
        ["区教委!A60：工作表“区教委”中单元格 A60 出现了两次，文件结构异常；请在 Excel 或 WPS 中另存后再导入"]
    );
    // A shared formula whose index would size a vector of a trillion entries, then a cell that
    // shares it: both are formulas in data cells, named with their text.
    let shared = with_cell_replaced(
        &form(),
        "C15",
        r#"<c r="C15"><f t="shared" ref="C15:C34" si="1000000000000">B15+1</f><v>3</v></c>"#,
    );
    let shared = with_cell_replaced(
        &shared,
        "C34",
        r#"<c r="C34"><f t="shared" si="1000000000000"/><v>12</v></c>"#,
    );
    let m = refused(&shared);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].starts_with("区教委!C15：一、3 ") && m[0].contains("是公式（=B15+1）"),
        "{m:?}"
    );
    assert!(
        m[1].starts_with("区教委!C34：四、2 ") && m[1].contains("是公式（=B34+1）"),
        "{m:?}"
    );
}

#[test]
fn ledger_sheets_are_read_within_their_bounds() {
    let p = plan();
    let template = ledger_template(LedgerKind::Projects, &p).unwrap();
    let sheet = read_ledger_sheet(&template, &p, &[]).unwrap();
    assert_eq!(sheet.len(), 1);
    let refused = |bytes: &[u8]| -> Vec<String> {
        read_ledger_sheet(bytes, &p, &[])
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        refused(&with_number_at(&template, "XFD1048576")),
        ["援建项目清单!XFD1048576：工作表“援建项目清单”第 1048576 行超出本表最多 20000 行，请删除多余的内容后再导入"]
    );
    assert_eq!(
        refused(&with_number_at(&template, "AE100")),
        ["援建项目清单!AE100：工作表“援建项目清单”第 AE 列超出本表最多 30 列（A 至 AD 列），请删除多余的内容后再导入"]
    );
    assert_eq!(
        refused(&claiming_shared_strings(&template, u64::MAX)),
        [format!(
            "文件结构异常（声称含有 {} 条不同的文字，最多 200000 条），拒绝处理",
            u64::MAX
        )]
    );
    // Blank rows between: the data row far down is still read.
    let far = with_rows(&template, r#"<row r="19999"><c r="A19999" s="1"/></row>"#);
    assert_eq!(
        read_ledger_sheet(&far, &p, &[]).unwrap().rows(),
        sheet.rows()
    );
}

/// calamine computes a range's size by subtraction and a reference's column and row by unchecked
/// sums: a merged range ending before it starts (found by the damaged-export fuzz test), a
/// reversed sheet dimension or formula range, a column past XFD or a row past 1048576 are refused
/// as a damaged file before calamine reads them.
#[test]
fn references_calamine_cannot_compute_are_refused_as_damage() {
    let damaged = |reference: &str| {
        format!(
            "文件已损坏（单元格引用“{reference}”无效），无法读取；请在 Excel 或 WPS 中另存后再导入"
        )
    };
    let merged = rewrite_part(&form(), "xl/worksheets/sheet1.xml", |xml| {
        xml.replacen(
            "<mergeCells",
            r#"<mergeCells><mergeCell ref="C3:A1"/></mergeCells><mergeCells"#,
            1,
        )
    });
    assert_eq!(refused(&merged), [damaged("C3:A1")]);
    assert_eq!(
        refused(&with_dimension(&form(), "J9:A1")),
        [damaged("J9:A1")]
    );
    let shared = with_cell_replaced(
        &form(),
        "C15",
        r#"<c r="C15"><f t="shared" ref="C34:C15" si="0">B15+1</f><v>3</v></c>"#,
    );
    assert_eq!(refused(&shared), [damaged("C34:C15")]);
    let far_column = with_cell_replaced(&form(), "C15", r#"<c r="ZZZZZZZZ15"><v>3</v></c>"#);
    assert_eq!(refused(&far_column), [damaged("ZZZZZZZZ15")]);
    let far_row = with_rows(
        &form(),
        r#"<row r="99999999999"><c r="A1"><v>1</v></c></row>"#,
    );
    assert_eq!(refused(&far_row), [damaged("99999999999")]);
    // Excel's last cell and lower-case letters are references like any other.
    assert_eq!(values(&with_dimension(&form(), "a1:XFD1048576")).len(), 5);
}
