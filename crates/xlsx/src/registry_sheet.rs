//! A register (台账) as a spreadsheet: a blank template with a column per field, and reading a
//! filled sheet (a template, or a register's export) back as the text each field's parser reads.
//!
//! The header row is searched for in the first [`HEADER_SEARCH_ROWS`] rows: the first row naming
//! a field. Columns are matched by the field's name (after `normalize_label`, a unit suffix such as
//! “（亿元）” allowed); 填报单位 names the unit; 编号, 序号 and 最后修改 are ignored; a 状态 column
//! marks voided rows of an export (“已作废…”), which are left out. Any other header is refused, so
//! that a misspelt column is never silently dropped. Every problem names its cell.

use crate::grid::{Book, Bounds, Grid};
use crate::import::{formula_note, normalize_label};
use crate::ledger_import::{number_text, serial_date, HEADER_SEARCH_ROWS};
use crate::{cell_name, ExportError, ImportProblem};
use bangfu_domain::registry::{FieldKind, Registry};
use calamine::Data;
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook};
use std::collections::BTreeMap;

/// Most entries in one import: the whole file is one all-or-nothing write.
pub const MAX_REGISTRY_ROWS: usize = 5000;
const MAX_REGISTRY_CELLS: u64 = 1_000_000;
const UNIT_HEADER: &str = "填报单位";
const STATUS_HEADER: &str = "状态";
const IGNORED: [&str; 3] = ["编号", "序号", "最后修改"];

/// One data row: the unit named (may be empty), each field's text, and where each came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRow {
    /// "A3": the row's first cell, for problems about the whole row.
    pub at: String,
    pub unit: String,
    pub unit_cell: Option<String>,
    pub values: BTreeMap<String, String>,
    /// Field code → cell name.
    pub cells: BTreeMap<String, String>,
}

/// What a column holds.
#[derive(Clone, PartialEq)]
enum Column {
    Unit,
    Status,
    Field(String, FieldKind, u32),
}

/// A blank sheet for a register: 填报单位 then a column per field, named as the plan names them
/// (a number field with its unit).
pub fn registry_template(registry: &Registry) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(registry.name.chars().take(31).collect::<String>())?;
    let head = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let mut headers = vec![UNIT_HEADER.to_string()];
    headers.extend(registry.fields.iter().map(|f| match (&f.unit, f.required) {
        (Some(u), true) => format!("{}（{u}）*", f.name),
        (Some(u), false) => format!("{}（{u}）", f.name),
        (None, true) => format!("{}*", f.name),
        (None, false) => f.name.clone(),
    }));
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        ws.write_with_format(0, c, h.as_str(), &head)?;
        ws.set_column_width(c, (h.chars().count() as f64 * 2.2).max(12.0))?;
        // Text cells: dates and codes stay as typed.
        ws.set_column_format(c, &text)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}

/// The header as compared: normalized, without a trailing “*” (required) or unit suffix.
fn header_key(text: &str) -> String {
    let n = normalize_label(text);
    let n = n.trim_end_matches('*');
    match n.find(['（', '(']) {
        Some(i) if n.ends_with(['）', ')']) => n[..i].to_string(),
        _ => n.to_string(),
    }
}

fn column_of(registry: &Registry, header: &str) -> Option<Column> {
    let key = header_key(header);
    if key == UNIT_HEADER {
        return Some(Column::Unit);
    }
    if key == STATUS_HEADER {
        return Some(Column::Status);
    }
    registry
        .fields
        .iter()
        .find(|f| normalize_label(&f.name) == key)
        .map(|f| Column::Field(f.code.clone(), f.kind, f.precision))
}

/// The header row and, by column, what each column holds.
type Header = (u32, Vec<(u32, Column)>);

/// Finds the header row and the column of each header; unknown headers are problems.
fn header(grid: &Grid, registry: &Registry) -> Result<Header, Vec<ImportProblem>> {
    let end = grid.end().map_or(0, |(r, _)| r);
    for row in 0..=end.min(HEADER_SEARCH_ROWS - 1) {
        let cells: Vec<(u32, String)> = grid
            .row(row)
            .filter_map(|(c, d)| match d {
                Data::String(s) if !s.trim().is_empty() => Some((c, s.trim().to_string())),
                _ => None,
            })
            .collect();
        let named = cells
            .iter()
            .any(|(_, h)| matches!(column_of(registry, h), Some(Column::Field(..))));
        if !named {
            continue;
        }
        let mut columns = Vec::new();
        let mut problems = Vec::new();
        for (c, h) in cells {
            match column_of(registry, &h) {
                Some(col) => columns.push((c, col)),
                None if IGNORED.contains(&header_key(&h).as_str()) => {}
                None => problems.push(ImportProblem {
                    cell: Some(cell_name(row, c)),
                    message: format!("列标题“{h}”不是台账“{}”的字段", registry.name),
                }),
            }
        }
        return if problems.is_empty() {
            Ok((row, columns))
        } else {
            Err(problems)
        };
    }
    Err(vec![ImportProblem {
        cell: None,
        message: format!(
            "前 {HEADER_SEARCH_ROWS} 行中找不到标题行：应有台账“{}”的字段名，如“{}”",
            registry.name,
            registry.fields.first().map_or("", |f| f.name.as_str())
        ),
    }])
}

/// A cell as the text the field's parser reads; dates typed as dates, numbers without float noise.
fn cell_text(data: &Data, column: &Column) -> Result<String, String> {
    let (kind, precision) = match column {
        Column::Field(_, kind, precision) => (Some(*kind), *precision),
        _ => (None, 0),
    };
    match data {
        Data::Empty => Ok(String::new()),
        Data::String(s) => Ok(s.trim().to_string()),
        Data::Error(e) => Err(format!("是错误值 {e}")),
        Data::Bool(b) => Ok(if *b { "是" } else { "否" }.to_string()),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, d, ..) = d.to_ymd_hms_milli();
            Ok(format!("{y:04}-{m:02}-{d:02}"))
        }
        Data::DateTimeIso(s) => Ok(s.get(..10).unwrap_or(s).to_string()),
        Data::Int(i) if kind == Some(FieldKind::Date) => serial_date(*i as f64)
            .map(|d| d.to_string())
            .ok_or_else(|| "应填日期，例如 2018-06-30".into()),
        Data::Float(f) if kind == Some(FieldKind::Date) => serial_date(*f)
            .map(|d| d.to_string())
            .ok_or_else(|| "应填日期，例如 2018-06-30".into()),
        Data::Int(i) => Ok(i.to_string()),
        Data::Float(f) => number_text(*f, precision),
        other => Ok(other.to_string()),
    }
}

/// Reads the first worksheet: every non-empty row under the header, each cell as text. Nothing
/// is returned unless every cell could be read; the problems name their cells.
pub fn read_registry_sheet(
    bytes: &[u8],
    registry: &Registry,
) -> Result<Vec<RegistryRow>, Vec<ImportProblem>> {
    let mut book = Book::open(bytes, "台账表格", MAX_REGISTRY_CELLS).map_err(|p| vec![p])?;
    let sheet = book.sheet_names().swap_remove(0);
    let bounds = Bounds {
        rows: (MAX_REGISTRY_ROWS as u32) * 2,
        cols: registry.fields.len() as u32 + 10,
    };
    let grid = book.read(&sheet, bounds).map_err(|p| vec![p])?;
    let (header_row, columns) = header(&grid, registry)?;
    let end = grid.end().map_or(header_row, |(r, _)| r);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for row in header_row + 1..=end {
        let mut out = RegistryRow {
            at: cell_name(row, 0),
            unit: String::new(),
            unit_cell: None,
            values: BTreeMap::new(),
            cells: BTreeMap::new(),
        };
        let mut voided = false;
        let mut empty = true;
        for (col, column) in &columns {
            let cell = cell_name(row, *col);
            if let Some(f) = grid.formula(row, *col) {
                problems.push(ImportProblem {
                    cell: Some(cell),
                    message: format!("{}，请复制后“选择性粘贴为数值”再导入", formula_note(f)),
                });
                empty = false;
                continue;
            }
            let text = match cell_text(grid.get(row, *col), column) {
                Ok(t) => t,
                Err(m) => {
                    problems.push(ImportProblem {
                        cell: Some(cell),
                        message: m,
                    });
                    empty = false;
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            match column {
                Column::Status => voided = text.starts_with("已作废"),
                Column::Unit => {
                    empty = false;
                    out.unit = text;
                    out.unit_cell = Some(cell);
                }
                Column::Field(code, ..) => {
                    empty = false;
                    out.values.insert(code.clone(), text);
                    out.cells.insert(code.clone(), cell);
                }
            }
        }
        if !empty && !voided {
            rows.push(out);
        }
    }
    if rows.len() > MAX_REGISTRY_ROWS {
        problems.push(ImportProblem {
            cell: None,
            message: format!("一次最多导入 {MAX_REGISTRY_ROWS} 条，请分批导入"),
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bangfu_domain::plan::parse_plan;

    const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

    #[test]
    fn the_template_reads_back_and_unknown_headers_are_named() {
        let plan = parse_plan("daxing.toml", BUILT_IN).unwrap();
        let talent = plan.registry("talent").unwrap();
        let blank = registry_template(talent).unwrap();
        let err = read_registry_sheet(&blank, talent);
        assert_eq!(err, Ok(Vec::new()));

        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["填报单位", "姓名*", "开始日期", "颜色"].iter().enumerate() {
            ws.write(0, c as u16, *h).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let problems = read_registry_sheet(&bytes, talent).unwrap_err();
        assert_eq!(problems[0].cell.as_deref(), Some("D1"));
        assert!(problems[0].message.contains("“颜色”"));

        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["编号", "填报单位", "姓名", "开始日期", "状态"]
            .iter()
            .enumerate()
        {
            ws.write(0, c as u16, *h).unwrap();
        }
        ws.write(1, 0, 7).unwrap();
        ws.write(1, 1, "区教委").unwrap();
        ws.write(1, 2, "张老师").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2018, 1, 15).unwrap();
        let fmt = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_datetime_with_format(1, 3, &date, &fmt).unwrap();
        ws.write(1, 4, "有效").unwrap();
        ws.write(2, 2, "王老师").unwrap();
        ws.write(2, 4, "已作废：重复").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let rows = read_registry_sheet(&bytes, talent).unwrap();
        assert_eq!(rows.len(), 1, "voided rows are left out");
        assert_eq!(rows[0].unit, "区教委");
        assert_eq!(rows[0].values["starts_on"], "2018-01-15");
        assert_eq!(rows[0].cells["person"], "C2");
    }
}
