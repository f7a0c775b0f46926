//! Hostile workbooks for tests (feature `testing`): a real workbook with one part rewritten, the
//! way an attacker would hand-edit the XML inside the zip.

use std::io::{Cursor, Read, Write};

/// `bytes` with every part passed through `edit(name, content)`.
pub fn rewrite(bytes: &[u8], edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(Cursor::new(&mut out));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for i in 0..archive.len() {
            let mut part = archive.by_index(i).expect("a part");
            let name = part.name().expect("a name").to_string();
            let mut content = Vec::new();
            part.read_to_end(&mut content).expect("readable");
            writer.start_file(&name, options).expect("start");
            writer.write_all(&edit(&name, content)).expect("write");
        }
        writer.finish().expect("finish");
    }
    out
}

/// `bytes` with the text of one part (`xl/worksheets/sheet1.xml`) passed through `edit`.
pub fn rewrite_part(bytes: &[u8], part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    rewrite(bytes, |name, content| {
        if name == part {
            edit(String::from_utf8(content).expect("XML text")).into_bytes()
        } else {
            content
        }
    })
}

const SHEET1: &str = "xl/worksheets/sheet1.xml";

/// The first sheet with raw `<row>` XML added at the end of its data.
pub fn with_rows(bytes: &[u8], rows: &str) -> Vec<u8> {
    rewrite_part(bytes, SHEET1, |xml| {
        xml.replacen("</sheetData>", &format!("{rows}</sheetData>"), 1)
    })
}

/// The row number of a cell reference: 200000 for `Z200000`.
fn row_of(cell: &str) -> &str {
    cell.trim_start_matches(|c: char| c.is_ascii_alphabetic())
}

/// The first sheet with one more cell, holding a number, at `cell` (`XFD1048576`).
pub fn with_number_at(bytes: &[u8], cell: &str) -> Vec<u8> {
    with_rows(
        bytes,
        &format!(
            r#"<row r="{}"><c r="{cell}"><v>1</v></c></row>"#,
            row_of(cell)
        ),
    )
}

/// The first sheet with one more cell holding `text` (inline) at `cell`.
pub fn with_text_at(bytes: &[u8], cell: &str, text: &str) -> Vec<u8> {
    with_rows(
        bytes,
        &format!(
            r#"<row r="{}"><c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c></row>"#,
            row_of(cell)
        ),
    )
}

/// The first sheet declaring its used range as `dimension` (`A1:XFD1048576`).
pub fn with_dimension(bytes: &[u8], dimension: &str) -> Vec<u8> {
    rewrite_part(bytes, SHEET1, |xml| {
        let start = xml.find("<dimension ref=\"").expect("a dimension") + 16;
        let end = start + xml[start..].find('"').expect("closing quote");
        format!("{}{dimension}{}", &xml[..start], &xml[end..])
    })
}

/// The shared-string table claiming `count` distinct strings.
pub fn claiming_shared_strings(bytes: &[u8], count: u64) -> Vec<u8> {
    rewrite_part(bytes, "xl/sharedStrings.xml", |xml| {
        let start = xml.find("uniqueCount=\"").expect("uniqueCount") + 13;
        let end = start + xml[start..].find('"').expect("closing quote");
        format!("{}{count}{}", &xml[..start], &xml[end..])
    })
}

/// The workbook listing its first sheet `count` more times, under other names.
pub fn with_sheet_copies(bytes: &[u8], count: usize) -> Vec<u8> {
    rewrite_part(bytes, "xl/workbook.xml", |xml| {
        let copies: String = (0..count)
            .map(|i| {
                format!(
                    r#"<sheet name="副本{i}" sheetId="{}" r:id="rId1"/>"#,
                    i + 1000
                )
            })
            .collect();
        xml.replacen("</sheets>", &format!("{copies}</sheets>"), 1)
    })
}

/// The first sheet with its rows in reverse order (each row keeps its `r` number).
pub fn with_rows_reversed(bytes: &[u8]) -> Vec<u8> {
    rewrite_part(bytes, SHEET1, |xml| {
        let start = xml.find("<sheetData>").expect("sheetData") + "<sheetData>".len();
        let end = xml.find("</sheetData>").expect("sheetData end");
        let rows: Vec<String> = xml[start..end]
            .split("<row ")
            .filter(|r| !r.is_empty())
            .map(|r| format!("<row {r}"))
            .collect();
        let reversed: String = rows.into_iter().rev().collect();
        format!("{}{reversed}{}", &xml[..start], &xml[end..])
    })
}

/// The first sheet with the cell at `cell` replaced by raw XML (`<c r="C8">…</c>`).
pub fn with_cell_replaced(bytes: &[u8], cell: &str, raw: &str) -> Vec<u8> {
    rewrite_part(bytes, SHEET1, |xml| {
        let open = format!("<c r=\"{cell}\"");
        let start = xml.find(&open).expect("the cell");
        let tag_end = start + xml[start..].find('>').expect("tag end");
        let end = if xml[..tag_end].ends_with('/') {
            tag_end + 1
        } else {
            tag_end + xml[tag_end..].find("</c>").expect("cell end") + 4
        };
        format!("{}{raw}{}", &xml[..start], &xml[end..])
    })
}
