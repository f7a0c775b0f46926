//! What an uploaded .xlsx must pass before calamine opens it: the size, the zip, and counts of the
//! records calamine keeps in memory for the whole workbook.
//!
//! calamine trusts what a file says about itself: it reserves room for as many shared strings as
//! the `uniqueCount` attribute claims (a claim of ten billion aborts the process), keeps every
//! shared string, style record and merged range it reads, and sizes a sheet from its cells. Every
//! part of the zip is therefore read once here, with the same XML reader calamine uses, and the
//! file is refused when a count goes beyond what a form or a ledger sheet can need. Sheets
//! themselves are read by [`crate::grid`], within bounds.

use crate::ImportProblem;
use quick_xml::events::Event;
use std::io::{BufReader, Cursor, Read};

/// Largest spreadsheet accepted (the form is a few kilobytes).
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// Largest total size of the files inside the xlsx zip: more is a zip bomb. The zip reader also
/// stops a part at its declared size, so the declared sizes are the real ones.
const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 1000;
/// Most shared strings (distinct texts) in a workbook, claimed or present.
pub const MAX_SHARED_STRINGS: u64 = 200_000;
/// Most style records (cell formats, fonts, fills, borders, number formats).
const MAX_STYLE_RECORDS: u64 = 50_000;
/// Most merged ranges in the whole workbook.
const MAX_MERGED_RANGES: u64 = 10_000;
/// Most package relationships and defined names.
const MAX_LINKS: u64 = 10_000;

pub(crate) fn file_problem(message: impl Into<String>) -> ImportProblem {
    ImportProblem {
        cell: None,
        message: message.into(),
    }
}

fn damaged() -> ImportProblem {
    file_problem("文件已损坏，无法作为 xlsx 打开")
}

/// Refuses what must never reach the spreadsheet parser: empty, oversized, not a zip, a zip bomb,
/// a part claiming or holding more records than any form or ledger sheet has. `what` names the
/// kind of sheet in the size message (进展情况表).
pub(crate) fn check_container(bytes: &[u8], what: &str) -> Result<(), ImportProblem> {
    if bytes.is_empty() {
        return Err(file_problem("文件是空的"));
    }
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(file_problem(format!(
            "文件过大（{:.1} MB），{what}不应超过 {} MB",
            bytes.len() as f64 / 1024.0 / 1024.0,
            MAX_IMPORT_BYTES / 1024 / 1024
        )));
    }
    if !bytes.starts_with(b"PK") {
        return Err(file_problem(
            "不是 xlsx 文件：请在 Excel 或 WPS 中“另存为”Excel 工作簿（*.xlsx）后再上传",
        ));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(file_problem("文件结构异常（包含的部件过多），拒绝处理"));
    }
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map(|f| f.size())
            .map_err(|_| damaged())?;
        unpacked = unpacked.saturating_add(size);
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(file_problem("文件解压后过大（可能是压缩炸弹），拒绝处理"));
    }
    let mut counts = Counts::default();
    for i in 0..archive.len() {
        let Ok(part) = archive.by_index(i) else {
            // calamine cannot read it either (encrypted, unknown compression): it fails there.
            continue;
        };
        if part.is_dir() {
            continue;
        }
        counts.scan(part)?;
    }
    Ok(())
}

/// Records calamine keeps for the whole workbook, summed over every part.
#[derive(Default)]
struct Counts {
    shared_strings: u64,
    styles: u64,
    merged: u64,
    links: u64,
}

impl Counts {
    /// Reads one part as calamine's XML reader would, counting as it goes. A part that is not XML
    /// ends the scan of that part at the first error, as it ends calamine's.
    fn scan(&mut self, part: impl Read) -> Result<(), ImportProblem> {
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
        let config = xml.config_mut();
        config.check_end_names = false;
        config.trim_text(false);
        config.check_comments = false;
        config.expand_empty_elements = true;
        let mut buf = Vec::with_capacity(1024);
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e)) => match e.local_name().as_ref() {
                    "sst" => check_claim(e.attributes_raw())?,
                    "si" => self.shared_strings += 1,
                    "xf" | "font" | "fill" | "border" | "numFmt" | "dxf" => self.styles += 1,
                    "mergeCell" => {
                        self.merged += 1;
                        check_references(&e)?;
                    }
                    "dimension" | "f" | "c" | "row" => {
                        check_references(&e)?;
                        continue;
                    }
                    "Relationship" | "definedName" => self.links += 1,
                    _ => continue,
                },
                Ok(Event::Eof) | Err(_) => return Ok(()),
                Ok(_) => continue,
            }
            self.check()?;
        }
    }

    fn check(&self) -> Result<(), ImportProblem> {
        if self.shared_strings > MAX_SHARED_STRINGS {
            return Err(file_problem(format!(
                "文件结构异常（不同的文字超过 {MAX_SHARED_STRINGS} 条），拒绝处理"
            )));
        }
        if self.styles > MAX_STYLE_RECORDS {
            return Err(file_problem(format!(
                "文件中的单元格格式过多（超过 {MAX_STYLE_RECORDS} 个），请在 Excel 中清除多余的格式后再导入"
            )));
        }
        if self.merged > MAX_MERGED_RANGES {
            return Err(file_problem(format!(
                "文件中的合并单元格过多（超过 {MAX_MERGED_RANGES} 处），拒绝处理"
            )));
        }
        if self.links > MAX_LINKS {
            return Err(file_problem(format!(
                "文件结构异常（部件之间的引用或定义的名称超过 {MAX_LINKS} 个），拒绝处理"
            )));
        }
        Ok(())
    }
}

/// Excel's largest sheet: 1 048 576 rows, 16 384 columns (A to XFD).
const EXCEL_ROWS: u32 = 1_048_576;
const EXCEL_COLUMNS: u32 = 16_384;

/// Refuses a cell reference calamine would parse with unchecked arithmetic: a column or row
/// beyond Excel's sheet (its base-26 and base-10 sums overflow) or a range ending before it starts
/// (its size is a subtraction). Checked on `r` of cells and rows and `ref` of the sheet's
/// dimension, merged ranges and shared formulas, in every part, as calamine finds its sheets by
/// their relationships, not by their names.
fn check_references(element: &quick_xml::events::BytesStart<'_>) -> Result<(), ImportProblem> {
    let is_row = element.local_name().as_ref() == "row";
    for attribute in element.attributes().with_checks(false).flatten() {
        let value = attribute.value.as_bytes();
        let valid = match attribute.key.local_name().as_ref() {
            "r" if is_row => row_number(value).is_some(),
            "r" => cell_position(value).is_some(),
            "ref" => is_range(value),
            _ => continue,
        };
        if !valid {
            let shown: String = attribute.value.chars().take(24).collect();
            return Err(file_problem(format!(
                "文件已损坏（单元格引用“{shown}”无效），无法读取；请在 Excel 或 WPS 中另存后再导入"
            )));
        }
    }
    Ok(())
}

/// A one-based row number within Excel's sheet.
fn row_number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 7 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let row = digits
        .iter()
        .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    (1..=EXCEL_ROWS).contains(&row).then_some(row)
}

/// The one-based (row, column) of an A1 reference within Excel's sheet.
fn cell_position(reference: &[u8]) -> Option<(u32, u32)> {
    let letters = reference
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let column = reference[..letters].iter().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = row_number(&reference[letters..])?;
    (column <= EXCEL_COLUMNS).then_some((row, column))
}

/// `A1` or `A1:C3` with the end at or after the start on both axes.
fn is_range(reference: &[u8]) -> bool {
    let mut parts = reference.split(|&b| b == b':');
    let (Some(first), second, None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some(start) = cell_position(first) else {
        return false;
    };
    match second.map(cell_position) {
        None => true,
        Some(Some(end)) => end.0 >= start.0 && end.1 >= start.1,
        Some(None) => false,
    }
}

/// The shared-string table's `uniqueCount`, which calamine reserves room for before reading a
/// single string. Every spelling of the attribute is checked; its leading digits are the claim.
fn check_claim(attributes: &str) -> Result<(), ImportProblem> {
    let mut rest = attributes;
    while let Some(at) = rest.find("uniqueCount") {
        rest = &rest[at + "uniqueCount".len()..];
        let value = rest
            .trim_start()
            .strip_prefix('=')
            .map(|v| v.trim_start().trim_start_matches(['"', '\'']))
            .unwrap_or("");
        let claim = value
            .bytes()
            .take_while(u8::is_ascii_digit)
            .fold(0u64, |n, d| {
                n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            });
        if claim > MAX_SHARED_STRINGS {
            return Err(file_problem(format!(
                "文件结构异常（声称含有 {claim} 条不同的文字，最多 {MAX_SHARED_STRINGS} 条），拒绝处理"
            )));
        }
    }
    Ok(())
}
