//! Reading a filled progress form: the exported layout or a unit's own copy of the paper form.
//! Rows are found by their label (spaces and full-width punctuation normalised), columns by their
//! headers. Every problem names its sheet and cell; hostile files are refused before parsing.

use crate::cell_name;
use crate::grid::{Book, Bounds, Grid};
use bangfu_domain::plan::{Indicator, Plan};
use bangfu_domain::Quantity;
use calamine::Data;
use rust_decimal::Decimal;

/// Most columns a form may use (it has four: 指标, 计量单位, 数据, 填报单位).
pub const MAX_FORM_COLUMNS: u32 = 10;
/// Cells visited, blank or not, over all the sheets of a form workbook.
const MAX_FORM_CELLS: u64 = 200_000;

/// The rows a form sheet may use: a hundred, or twice the plan's form when that is longer.
fn form_bounds(plan: &Plan) -> Bounds {
    let form = crate::FORM_HEADER_ROWS + plan.indicators.len() as u32;
    Bounds {
        rows: (2 * form).max(100),
        cols: MAX_FORM_COLUMNS,
    }
}

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

/// Finds the header row and the columns of 指标 and 数据 (计量单位 optional).
fn find_columns(grid: &Grid) -> Option<(u32, u32, u32)> {
    let (r0, _) = grid.start()?;
    for row in r0..r0 + 40 {
        let mut label = None;
        let mut value = None;
        for (col, cell) in grid.row(row) {
            if let Data::String(s) = cell {
                match normalize_label(s).as_str() {
                    "指标" => label = Some(col),
                    "数据" => value = Some(col),
                    _ => {}
                }
            }
        }
        if let (Some(l), Some(v)) = (label, value) {
            return Some((row, l, v));
        }
    }
    None
}

/// “是公式（=A1+1）”, or “是公式” when the text of a shared formula is not known.
pub(crate) fn formula_note(formula: &str) -> String {
    if formula.is_empty() {
        "是公式".to_string()
    } else {
        format!("是公式（={formula}）")
    }
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
    let mut book = Book::open(bytes, "进展情况表", MAX_FORM_CELLS).map_err(|p| vec![p])?;
    let unit_name = plan.unit(unit).map(|u| u.name.clone()).unwrap_or_default();
    let names = book.sheet_names();
    // A district workbook carries one sheet per unit: prefer the unit's own sheet.
    let mut ordered: Vec<String> = names.iter().filter(|n| **n == unit_name).cloned().collect();
    ordered.extend(names.iter().filter(|n| **n != unit_name).cloned());
    for sheet in ordered {
        let grid = book.read(&sheet, form_bounds(plan)).map_err(|p| vec![p])?;
        let Some(columns) = find_columns(&grid) else {
            continue;
        };
        let merged = book.merged(&sheet);
        return read_sheet(plan, unit, &sheet, &grid, &merged, columns);
    }
    Err(vec![crate::container::file_problem(
        "找不到表头：工作表中应有“指标”列和“数据”列（与进展情况表相同）",
    )])
}

fn read_sheet(
    plan: &Plan,
    unit: &str,
    sheet: &str,
    grid: &Grid,
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
    let end_row = grid.end().map_or(header_row, |(r, _)| r);
    for row in header_row + 1..=end_row {
        let label = text_of(grid.get(row, label_col));
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
        if let Some(f) = grid.formula(row, value_col) {
            problems.push(ImportProblem {
                cell: Some(cell),
                message: format!(
                    "{} {}，请复制后“选择性粘贴为数值”再导入",
                    plan.row_ref(ind),
                    formula_note(f)
                ),
            });
            continue;
        }
        let data = grid.get(row, value_col);
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
