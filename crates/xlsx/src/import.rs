//! Reading a filled progress form: the exported layout or a unit's own copy of the paper form.
//! Rows are found by their label (spaces and full-width punctuation normalised), columns by their
//! headers. Every problem names its sheet and cell; hostile files are refused before parsing.

use crate::cell_name;
use bangfu_domain::plan::{Indicator, Plan};
use bangfu_domain::Quantity;
use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use rust_decimal::Decimal;
use std::io::Cursor;

/// Largest spreadsheet accepted (the form is a few kilobytes).
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// Largest total size of the files inside the xlsx zip: more is a zip bomb.
const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 1000;

/// A problem with the file, at a cell when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub cell: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cell {
            Some(c) => write!(f, "{c}：{}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn file_problem(message: impl Into<String>) -> Vec<ImportProblem> {
    vec![ImportProblem {
        cell: None,
        message: message.into(),
    }]
}

/// One form row found in the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRow {
    pub indicator: String,
    /// "Sheet1!C9"
    pub cell: String,
    pub value: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedForm {
    pub sheet: String,
    /// Every row of the unit found in the sheet, in form order.
    pub rows: Vec<ImportedRow>,
}

impl ImportedForm {
    pub fn cell_of(&self, indicator: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|r| r.indicator == indicator)
            .map(|r| r.cell.as_str())
    }
}

/// Labels compare equal across spacing and full- or half-width punctuation.
pub fn normalize_label(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            '，' => ',',
            '．' | '。' => '.',
            '、' => ',',
            '；' => ';',
            c if ('！'..='～').contains(&c) => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Refuses what must never reach the spreadsheet parser: empty, oversized, not a zip, a zip bomb.
/// `what` names the kind of sheet in the size message (进展情况表).
pub(crate) fn check_container(bytes: &[u8], what: &str) -> Result<(), Vec<ImportProblem>> {
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
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| file_problem("文件已损坏，无法作为 xlsx 打开"))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(file_problem("文件结构异常（包含的部件过多），拒绝处理"));
    }
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map(|f| f.size())
            .map_err(|_| file_problem("文件已损坏，无法作为 xlsx 打开"))?;
        unpacked = unpacked.saturating_add(size);
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(file_problem("文件解压后过大（可能是压缩炸弹），拒绝处理"));
    }
    Ok(())
}

/// Finds the header row and the columns of 指标 and 数据 (计量单位 optional).
fn find_columns(range: &Range<Data>) -> Option<(u32, u32, u32)> {
    let (r0, c0) = range.start()?;
    for (i, row) in range.rows().enumerate().take(40) {
        let mut label = None;
        let mut value = None;
        for (j, cell) in row.iter().enumerate() {
            if let Data::String(s) = cell {
                match normalize_label(s).as_str() {
                    "指标" => label = Some(c0 + j as u32),
                    "数据" => value = Some(c0 + j as u32),
                    _ => {}
                }
            }
        }
        if let (Some(l), Some(v)) = (label, value) {
            return Some((r0 + i as u32, l, v));
        }
    }
    None
}

fn text_of(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The value of a data cell at the row's precision, or why it cannot be one.
fn value_of(cell: &Data, precision: u32) -> Result<Option<Quantity>, String> {
    match cell {
        Data::Empty => Ok(None),
        Data::Int(i) => Ok(Some(Quantity::new(Decimal::from(*i)))),
        Data::Float(f) => {
            if !f.is_finite() {
                return Err("不是有效数字".into());
            }
            // The shortest decimal that reads back as this float; then the row's precision.
            let exact = Decimal::from_str_exact(&format!("{f}"))
                .or_else(|_| Decimal::from_scientific(&format!("{f:e}")))
                .map_err(|_| format!("数值 {f} 超出范围"))?;
            let rounded = exact.round_dp(precision);
            let noise = Decimal::new(1, 9) * Decimal::ONE.max(exact.abs());
            if (exact - rounded).abs() > noise {
                return Err(format!("“{f}”的小数位数超过 {precision} 位"));
            }
            Ok(Some(Quantity::new(rounded)))
        }
        Data::String(s) if s.trim().is_empty() => Ok(None),
        Data::String(s) => Quantity::parse_with_precision(s, precision)
            .map(Some)
            .map_err(|e| format!("{e}（数据列应填数字）")),
        Data::Bool(_) => Err("是逻辑值，应填数字".into()),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err("是日期或时间，应填数字".into())
        }
        Data::Error(e) => Err(format!("是错误值 {e}，应填数字")),
    }
}

/// Reads a filled form for `unit`: values of the rows the unit fills. A value in a row of another
/// unit, an unknown row, a formula, text where a number belongs, a merged data cell, a missing
/// column: each is a problem naming its cell, and the whole file is refused.
pub fn read_form(
    plan: &Plan,
    unit: &str,
    bytes: &[u8],
) -> Result<ImportedForm, Vec<ImportProblem>> {
    check_container(bytes, "进展情况表")?;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| file_problem("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取"))?;
    let unit_name = plan.unit(unit).map(|u| u.name.clone()).unwrap_or_default();
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(file_problem("工作簿中没有工作表"));
    }
    // A district workbook carries one sheet per unit: prefer the unit's own sheet.
    let mut ordered: Vec<String> = names.iter().filter(|n| **n == unit_name).cloned().collect();
    ordered.extend(names.iter().filter(|n| **n != unit_name).cloned());
    for sheet in ordered {
        let range = book
            .worksheet_range(&sheet)
            .map_err(|_| file_problem(format!("工作表“{sheet}”已损坏，无法读取")))?;
        let Some(columns) = find_columns(&range) else {
            continue;
        };
        let formulas = book.worksheet_formula(&sheet).ok();
        let merged = book.merge_cells_by_sheet_name(&sheet).unwrap_or_default();
        return read_sheet(
            plan,
            unit,
            &sheet,
            &range,
            formulas.as_ref(),
            &merged,
            columns,
        );
    }
    Err(file_problem(
        "找不到表头：工作表中应有“指标”列和“数据”列（与进展情况表相同）",
    ))
}

fn read_sheet(
    plan: &Plan,
    unit: &str,
    sheet: &str,
    range: &Range<Data>,
    formulas: Option<&Range<String>>,
    merged: &[calamine::Dimensions],
    (header_row, label_col, value_col): (u32, u32, u32),
) -> Result<ImportedForm, Vec<ImportProblem>> {
    let mine: Vec<&str> = plan
        .indicators_for_unit(unit)
        .iter()
        .map(|i| i.code.as_str())
        .collect();
    let at = |row: u32, col: u32| format!("{sheet}!{}", cell_name(row, col));
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut next_index = 0usize;
    let end_row = range.end().map_or(header_row, |(r, _)| r);
    for row in header_row + 1..=end_row {
        let label = text_of(range.get_value((row, label_col)).unwrap_or(&Data::Empty));
        let key = normalize_label(&label);
        if key.is_empty() {
            continue;
        }
        // Labels repeat (其中：用于扶贫资金 twice): take the next match in form order.
        let matches =
            |i: &Indicator| normalize_label(&i.label()) == key || normalize_label(&i.name) == key;
        let found = plan.indicators[next_index..]
            .iter()
            .position(matches)
            .map(|p| next_index + p)
            .or_else(|| plan.indicators.iter().position(matches));
        let Some(index) = found else {
            problems.push(ImportProblem {
                cell: Some(at(row, label_col)),
                message: format!("指标“{}”不是进展情况表中的行", label.trim()),
            });
            continue;
        };
        next_index = index + 1;
        let ind = &plan.indicators[index];
        let cell = at(row, value_col);
        if merged.iter().any(|d| {
            d.start.1 <= value_col
                && value_col <= d.end.1
                && d.start.0 <= row
                && row <= d.end.0
                && d.start.0 != d.end.0
        }) {
            problems.push(ImportProblem {
                cell: Some(cell),
                message: format!(
                    "{} 的数据单元格与其他行合并了，请取消合并",
                    plan.row_ref(ind)
                ),
            });
            continue;
        }
        if let Some(f) = formulas.and_then(|f| f.get_value((row, value_col))) {
            if !f.is_empty() {
                problems.push(ImportProblem {
                    cell: Some(cell),
                    message: format!(
                        "{} 是公式（={f}），请复制后“选择性粘贴为数值”再导入",
                        plan.row_ref(ind)
                    ),
                });
                continue;
            }
        }
        let data = range.get_value((row, value_col)).unwrap_or(&Data::Empty);
        let precision = ind.unit.as_deref().map_or(0, |u| plan.precision(u));
        match value_of(data, precision) {
            Err(message) => problems.push(ImportProblem {
                cell: Some(cell),
                message: format!("{}：{message}", plan.row_ref(ind)),
            }),
            Ok(value) if mine.contains(&ind.code.as_str()) => rows.push(ImportedRow {
                indicator: ind.code.clone(),
                cell,
                value,
            }),
            Ok(None) => {}
            Ok(Some(v)) => problems.push(ImportProblem {
                cell: Some(cell),
                message: format!("{} 不由本单位填报，却填了 {v}", plan.row_ref(ind)),
            }),
        }
    }
    if problems.is_empty() {
        Ok(ImportedForm {
            sheet: sheet.to_string(),
            rows,
        })
    } else {
        Err(problems)
    }
}
