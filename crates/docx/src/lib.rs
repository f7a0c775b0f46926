//! The quarterly written report (《…帮扶协作工作进展情况》) as a Word document, in the usual form of
//! a government report: A4 portrait, a 小标宋-style title, 黑体 headings, 仿宋 body text with
//! fallbacks, page numbers in the footer, and the progress form as the 附件. A pure format: it takes
//! the report's text and figures, already exact and worded, and returns the file's bytes.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, PageMargin, PageNum, Paragraph, Run,
    RunFonts, Table, TableCell, TableRow, WidthType,
};

/// Everything the document says, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WrittenReport {
    /// 《大兴区帮扶协作工作进展情况》 with the period.
    pub title: String,
    /// Who writes and when: "区发改委　2018年6月30日".
    pub date_line: String,
    /// Said at the top when drafts are counted (草稿数据尚未报送 …).
    pub draft_note: Option<String>,
    /// Numbered parts: 一、总体情况, one per section of the plan, 存在问题, 下步打算 …
    pub parts: Vec<Part>,
    /// The progress form as the 附件, when the document has one.
    pub appendix: Option<Appendix>,
}

/// A numbered part: a heading, paragraphs, and optionally a list of lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appendix {
    pub title: String,
    pub subtitle: String,
    pub rows: Vec<AppendixRow>,
}

/// A row of the form: its label as printed, unit, value (exact, already formatted) and who fills it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendixRow {
    pub label: String,
    pub unit: String,
    pub value: String,
    pub filled_by: String,
    pub heading: bool,
}

// Sizes in half-points: 二号 22 pt for the title, 三号 16 pt for the text, 小四 12 pt in tables.
const TITLE_SIZE: usize = 44;
const TEXT_SIZE: usize = 32;
const TABLE_SIZE: usize = 24;

fn title_font() -> RunFonts {
    RunFonts::new()
        .east_asia("方正小标宋简体")
        .ascii("SimSun")
        .hi_ansi("SimSun")
}

fn heading_font() -> RunFonts {
    RunFonts::new()
        .east_asia("黑体")
        .ascii("SimHei")
        .hi_ansi("SimHei")
}

/// 仿宋_GB2312 as offices have it; Word and LibreOffice fall back to 仿宋 / FangSong by name.
fn body_font() -> RunFonts {
    RunFonts::new()
        .east_asia("仿宋_GB2312")
        .ascii("FangSong")
        .hi_ansi("FangSong")
}

fn text(t: &str, size: usize, fonts: RunFonts) -> Run {
    Run::new().add_text(t).size(size).fonts(fonts)
}

/// A body paragraph: first line indented by two characters, 28-point line spacing.
fn body(t: &str) -> Paragraph {
    Paragraph::new()
        .add_run(text(t, TEXT_SIZE, body_font()))
        .indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(640)),
            None,
            None,
        )
        .line_spacing(LineSpacing::new().line(560))
}

fn centered(t: &str, size: usize, fonts: RunFonts) -> Paragraph {
    Paragraph::new()
        .add_run(text(t, size, fonts))
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().line(560))
}

fn cell(t: &str, bold: bool) -> TableCell {
    let mut run = text(t, TABLE_SIZE, body_font());
    if bold {
        run = run.bold();
    }
    TableCell::new().add_paragraph(Paragraph::new().add_run(run))
}

fn appendix_table(a: &Appendix) -> Table {
    let header = TableRow::new(vec![
        cell("指标", true),
        cell("计量单位", true),
        cell("数据", true),
        cell("填报单位", true),
    ]);
    let rows = std::iter::once(header).chain(a.rows.iter().map(|r| {
        TableRow::new(vec![
            cell(&r.label, r.heading),
            cell(&r.unit, false),
            cell(&r.value, false),
            cell(&r.filled_by, false),
        ])
    }));
    // Widths in twips across the 15.6 cm text width: label widest, then who fills it.
    Table::new(rows.collect())
        .set_grid(vec![4200, 1000, 1300, 2300])
        .width(8800, WidthType::Dxa)
}

/// The document's bytes.
pub fn write(report: &WrittenReport) -> Result<Vec<u8>, String> {
    let mut doc = Docx::new()
        // A4 portrait in twips, with the margins of official documents (GB/T 9704).
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(2098)
                .bottom(1984)
                .left(1587)
                .right(1474),
        )
        .default_fonts(body_font())
        .default_size(TEXT_SIZE)
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .add_page_num(PageNum::new())
                    .align(AlignmentType::Center),
            ),
        )
        .add_paragraph(centered(&report.title, TITLE_SIZE, title_font()))
        .add_paragraph(centered(&report.date_line, TEXT_SIZE, body_font()));
    if let Some(note) = &report.draft_note {
        doc = doc.add_paragraph(body(note));
    }
    for part in &report.parts {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(text(&part.heading, TEXT_SIZE, heading_font()))
                .indent(
                    None,
                    Some(docx_rs::SpecialIndentType::FirstLine(640)),
                    None,
                    None,
                )
                .line_spacing(LineSpacing::new().line(560)),
        );
        for p in &part.paragraphs {
            doc = doc.add_paragraph(body(p));
        }
    }
    if let Some(appendix) = &report.appendix {
        // The 附件 starts on a page of its own.
        doc = doc
            .add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
            .add_paragraph(Paragraph::new().add_run(text("附件", TEXT_SIZE, heading_font())))
            .add_paragraph(centered(&appendix.title, TEXT_SIZE, title_font()))
            .add_paragraph(centered(&appendix.subtitle, TABLE_SIZE, body_font()))
            .add_table(appendix_table(appendix));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| format!("生成 Word 文件失败：{e}"))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_reads_back_with_its_text() {
        let report = WrittenReport {
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
                rows: vec![AppendixRow {
                    label: "1.与扶贫协作地区学校结对数".into(),
                    unit: "所".into(),
                    value: "4".into(),
                    filled_by: "区教委".into(),
                    heading: false,
                }],
            }),
        };
        let bytes = write(&report).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let back = docx_rs::read_docx(&bytes).expect("a .docx reader opens it");
        let json = back.json();
        for needle in ["一、总体情况", "250.50 万元", "区教委", "附件"] {
            assert!(json.contains(needle), "{needle}");
        }
    }
}
