use super::*;
use crate::testing::{paragraphs, parse, part, tables};

fn sample() -> WrittenReport {
    WrittenReport {
        title: "大兴区帮扶协作工作进展情况".into(),
        date_line: "区发改委　2018年6月30日".into(),
        draft_note: None,
        parts: vec![Part {
            heading: "一、总体情况".into(),
            paragraphs: vec!["截至2018年6月，全区累计到位财政援助资金 250.50 万元。".into()],
        }],
        appendix: Some(Appendix {
            title: "附件表".into(),
            subtitle: "2018年第二季度".into(),
            columns: ["指标", "计量单位", "数据", "填报单位"].map(String::from),
            rows: vec![
                AppendixRow {
                    label: "1.与扶贫协作地区学校结对数".into(),
                    unit: "所".into(),
                    value: "4".into(),
                    filled_by: "区教委".into(),
                    ..AppendixRow::default()
                },
                AppendixRow {
                    label: "2.选派教师".into(),
                    unit: "人次".into(),
                    value: "12".into(),
                    filled_by: "区教委".into(),
                    same_filler_as_above: true,
                    ..AppendixRow::default()
                },
                AppendixRow {
                    label: "3.实施扶贫项目".into(),
                    unit: "个".into(),
                    value: "—".into(),
                    filled_by: "1.区商务委。\n2.开发区投促局。".into(),
                    ..AppendixRow::default()
                },
            ],
        }),
    }
}

#[test]
fn the_document_reads_back_with_its_text() {
    let bytes = write(&sample()).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let back = docx_rs::read_docx(&bytes).expect("a .docx reader opens it");
    let json = back.json();
    for needle in ["一、总体情况", "250.50 万元", "区教委", "附件", "计量单位"] {
        assert!(json.contains(needle), "{needle}");
    }
}

/// The usual form of a government report, as the file says it: A4 portrait, 黑体 headings,
/// 仿宋 body, a PAGE field in the footer, the fonts' fallbacks in the font table, and the
/// 附件's header row repeated on each page with 填报单位 merged down its run of rows.
#[test]
fn the_document_is_a4_with_the_report_fonts_and_page_numbers() {
    let bytes = write(&sample()).unwrap();
    let document = part(&bytes, "word/document.xml").unwrap();
    parse(&document);
    assert!(
        document.contains(r#"<w:pgSz w:w="11906" w:h="16838""#),
        "A4 portrait"
    );
    let paras = paragraphs(&bytes);
    let fonts_of = |text: &str| {
        paras
            .iter()
            .find(|p| p.text == text)
            .unwrap_or_else(|| panic!("a paragraph “{text}”"))
            .east_asia
            .clone()
    };
    assert_eq!(fonts_of("一、总体情况"), ["黑体"]);
    assert_eq!(fonts_of("附件"), ["黑体"]);
    assert_eq!(
        fonts_of("截至2018年6月，全区累计到位财政援助资金 250.50 万元。"),
        ["仿宋_GB2312"]
    );
    assert_eq!(fonts_of("大兴区帮扶协作工作进展情况"), ["方正小标宋简体"]);
    let footers: Vec<String> = (1..=3)
        .filter_map(|n| part(&bytes, &format!("word/footer{n}.xml")))
        .collect();
    assert!(!footers.is_empty(), "a footer");
    for f in &footers {
        parse(f);
    }
    assert!(
        footers
            .iter()
            .any(|f| f.contains("PAGE") && f.contains("fldChar")),
        "a page number field in the footer: {footers:?}"
    );
    let fonts = part(&bytes, "word/fontTable.xml").unwrap();
    parse(&fonts);
    assert!(fonts.contains(r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>"#));
    assert!(fonts.contains(r#"<w:font w:name="黑体"><w:altName w:val="SimHei"/>"#));
    // The 附件: header row first and repeated on each page, 填报单位 merged down its run.
    assert_eq!(document.matches("<w:tblHeader />").count(), 1);
    assert_eq!(
        tables(&bytes),
        [[
            ["指标", "计量单位", "数据", "填报单位"],
            ["1.与扶贫协作地区学校结对数", "所", "4", "区教委"],
            ["2.选派教师", "人次", "12", ""],
            ["3.实施扶贫项目", "个", "—", "1.区商务委。2.开发区投促局。"],
        ]]
    );
    assert!(
        paras.iter().any(|p| p.text == "2.开发区投促局。"),
        "each line of a cell is a paragraph of its own"
    );
    assert!(document.contains(r#"<w:vMerge w:val="restart" />"#));
    assert!(document.contains(r#"<w:vMerge w:val="continue" />"#));
}

/// Characters XML forbids never reach the file, wherever they come from.
#[test]
fn text_with_characters_xml_forbids_still_makes_a_readable_file() {
    let mut report = sample();
    report.title = "标题\u{FFFF}".into();
    report.parts[0]
        .paragraphs
        .push("（区教委）选派\u{FFFE}教师\u{0}\u{1B}\u{B}10名".into());
    let bytes = write(&report).unwrap();
    let paras = paragraphs(&bytes);
    assert!(paras.iter().any(|p| p.text == "（区教委）选派教师10名"));
    assert!(paras.iter().any(|p| p.text == "标题"));
    assert!(docx_rs::read_docx(&bytes).is_ok());
}

/// Each line of a unit's text is a paragraph of its own, not glued to the next.
#[test]
fn each_line_of_a_narrative_is_its_own_paragraph() {
    let mut report = sample();
    report.parts[0]
        .paragraphs
        .push("（区教委）一是选派教师。\r\n二是培训校长。\n\n三是捐赠图书。".into());
    let texts: Vec<String> = paragraphs(&write(&report).unwrap())
        .into_iter()
        .map(|p| p.text)
        .collect();
    let at = texts
        .iter()
        .position(|t| t == "（区教委）一是选派教师。")
        .expect("the first line alone");
    assert_eq!(texts[at + 1], "二是培训校长。");
    assert_eq!(texts[at + 2], "三是捐赠图书。", "the empty line is dropped");
}
