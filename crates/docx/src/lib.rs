//! The quarterly written report (《…帮扶协作工作进展情况》) as a Word document, in the usual form of
//! a government report: A4 portrait, a 小标宋-style title, 黑体 headings, 仿宋 body text with
//! fallbacks, page numbers in the footer, and the progress form as the 附件. A pure format: it takes
//! the report's text and figures, already exact and worded, and returns the file's bytes.
//!
//! Where docx-rs lacks an element (a font's `w:altName`, a table's repeated header row) the few
//! XML bytes are added to the parts it built, never to text a user wrote.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, PageMargin, PageNum, Paragraph, Run,
    RunFonts, Table, TableCell, TableRow, VMergeType, WidthType,
};

#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;

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
    /// The form's column headers (指标, 计量单位, 数据, 填报单位), as the spreadsheet form has them.
    pub columns: [String; 4],
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
    /// The row shares the 填报单位 cell of the row above: one merged cell, as on the printed form.
    pub same_filler_as_above: bool,
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

/// 仿宋_GB2312 as offices have it; where it is missing, the font table's `w:altName` (see
/// [`FONT_TABLE`]) names 仿宋, and the Latin text uses FangSong.
fn body_font() -> RunFonts {
    RunFonts::new()
        .east_asia("仿宋_GB2312")
        .ascii("FangSong")
        .hi_ansi("FangSong")
}

/// The font table: docx-rs's three defaults, plus the Chinese fonts the document names, each with
/// the usual font of that style as `w:altName`, which Word uses when the first is not installed
/// (docx-rs's `FontTable` is fixed, hence written here). Charset 86 is GB2312.
const FONT_TABLE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
    r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
    r#"<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="Symbol"><w:charset w:val="02"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="Arial"><w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="FangSong"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/><w:charset w:val="86"/><w:family w:val="script"/><w:pitch w:val="variable"/></w:font>"#,
    r#"</w:fonts>"#
);

/// The text without the characters XML 1.0 forbids (C0 controls other than tab, line feed and
/// carriage return; U+FFFE and U+FFFF). The domain refuses them on input; this is the last line
/// of defence for text stored before that check, so that no text can make the file unreadable.
pub fn xml_safe(t: &str) -> String {
    t.chars()
        .filter(|&c| {
            !matches!(c, '\u{FFFE}' | '\u{FFFF}')
                && (c >= '\u{20}' || matches!(c, '\t' | '\n' | '\r'))
        })
        .collect()
}

fn text(t: &str, size: usize, fonts: RunFonts) -> Run {
    Run::new().add_text(xml_safe(t)).size(size).fonts(fonts)
}

/// Body paragraphs: one per line of `t` (a unit's 进展情况 keeps its paragraphs; empty lines are
/// dropped), first line indented by two characters, 28-point line spacing.
fn body(t: &str) -> impl Iterator<Item = Paragraph> + '_ {
    t.lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            Paragraph::new()
                .add_run(text(line, TEXT_SIZE, body_font()))
                .indent(
                    None,
                    Some(docx_rs::SpecialIndentType::FirstLine(640)),
                    None,
                    None,
                )
                .line_spacing(LineSpacing::new().line(560))
        })
}

fn centered(t: &str, size: usize, fonts: RunFonts) -> Paragraph {
    Paragraph::new()
        .add_run(text(t, size, fonts))
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().line(560))
}

/// A table cell, one paragraph per line of `t` (the form's 填报单位 texts have numbered lines).
fn cell(t: &str, bold: bool) -> TableCell {
    t.lines().fold(TableCell::new(), |c, line| {
        let mut run = text(line, TABLE_SIZE, body_font());
        if bold {
            run = run.bold();
        }
        c.add_paragraph(Paragraph::new().add_run(run))
    })
}

/// The header row's properties: `cantSplit` marks it, and [`repeat_header_rows`] turns the mark
/// into `tblHeader` (repeated on each page), which docx-rs cannot write.
const HEADER_ROW_MARK: &str = "<w:trPr><w:cantSplit /></w:trPr>";
const HEADER_ROW: &str = "<w:trPr><w:cantSplit /><w:tblHeader /></w:trPr>";

fn repeat_header_rows(document: &[u8]) -> Vec<u8> {
    // User text is escaped by docx-rs ("<" as "&lt;"), so the mark only matches the element.
    String::from_utf8_lossy(document)
        .replace(HEADER_ROW_MARK, HEADER_ROW)
        .into_bytes()
}

/// The 填报单位 cell of row `i`: merged down over the rows that share it, as on the printed form.
fn filler_cell(rows: &[AppendixRow], i: usize) -> TableCell {
    let r = &rows[i];
    if r.same_filler_as_above {
        return TableCell::new().vertical_merge(VMergeType::Continue);
    }
    let c = cell(&r.filled_by, false);
    if rows
        .get(i + 1)
        .is_some_and(|next| next.same_filler_as_above)
    {
        c.vertical_merge(VMergeType::Restart)
    } else {
        c
    }
}

fn appendix_table(a: &Appendix) -> Table {
    let header = TableRow::new(a.columns.iter().map(|c| cell(c, true)).collect()).cant_split();
    let rows = std::iter::once(header).chain(a.rows.iter().enumerate().map(|(i, r)| {
        TableRow::new(vec![
            cell(&r.label, r.heading),
            cell(&r.unit, false),
            cell(&r.value, false),
            filler_cell(&a.rows, i),
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
        doc = body(note).fold(doc, Docx::add_paragraph);
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
            doc = body(p).fold(doc, Docx::add_paragraph);
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
    let mut xml = doc.build();
    xml.font_table = FONT_TABLE.as_bytes().to_vec();
    xml.document = repeat_header_rows(&xml.document);
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out)
        .map_err(|e| format!("生成 Word 文件失败：{e}"))?;
    Ok(out.into_inner())
}
