//! An uploaded workbook, and its sheets read cell by cell within stated bounds.
//!
//! Nothing is sized from what the file says about itself: calamine's `worksheet_range` allocates
//! one slot for every cell between the first and the last one, so a single cell at `XFD1048576`
//! asks for 512 GiB. Here the cells are streamed and only those that carry something are kept, in
//! a map; a cell with content beyond the sheet's bounds, a text longer than Excel allows, a cell
//! given twice, or more cells than any form holds refuses the file with a message naming the
//! sheet and the cell. Blank cells (formatting only) are skipped wherever they stand.

use crate::container::{check_container, file_problem};
use crate::{cell_name, column_name, ImportProblem};
use calamine::{
    expand_shared_formula, open_workbook_from_rs, Data, DataRef, Dimensions, Reader, Xlsx,
    XlsxError, XlsxFormulaMetadata,
};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

/// Most worksheets in an uploaded workbook (a district form has one per unit).
pub const MAX_SHEETS: usize = 200;
/// Excel's own limit on the characters in one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Most bytes of text kept from one sheet.
const MAX_SHEET_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// The rows and columns a sheet may use: cells with content must lie within the first `rows`
/// rows and the first `cols` columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub rows: u32,
    pub cols: u32,
}

/// The cells of a sheet that carry a value or a formula, by zero-based (row, column).
#[derive(Debug, Default)]
pub(crate) struct Grid {
    cells: BTreeMap<(u32, u32), Data>,
    /// Formula text by cell; empty when the text of a shared formula is not known.
    formulas: BTreeMap<(u32, u32), String>,
}

static EMPTY: Data = Data::Empty;

impl Grid {
    pub fn get(&self, row: u32, col: u32) -> &Data {
        self.cells.get(&(row, col)).unwrap_or(&EMPTY)
    }

    /// The formula of a cell: `Some("")` for a formula whose text is not known.
    pub fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas.get(&(row, col)).map(String::as_str)
    }

    /// The values of one row, by column.
    pub fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Data)> {
        self.cells
            .range((row, 0)..=(row, u32::MAX))
            .map(|(&(_, col), data)| (col, data))
    }

    fn positions(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.cells.keys().chain(self.formulas.keys()).copied()
    }

    /// The top-left corner of the cells used (their smallest row and smallest column).
    pub fn start(&self) -> Option<(u32, u32)> {
        let rows = self.positions().map(|p| p.0).min()?;
        let cols = self.positions().map(|p| p.1).min()?;
        Some((rows, cols))
    }

    /// The bottom-right corner of the cells used.
    pub fn end(&self) -> Option<(u32, u32)> {
        let rows = self.positions().map(|p| p.0).max()?;
        let cols = self.positions().map(|p| p.1).max()?;
        Some((rows, cols))
    }
}

/// An uploaded workbook that passed [`check_container`].
pub(crate) struct Book<'a> {
    xlsx: Xlsx<Cursor<&'a [u8]>>,
    /// Cells, blank or not, that may still be visited in all the sheets read.
    visits_left: u64,
}

impl<'a> Book<'a> {
    /// Checks and opens `bytes`; at most `max_cells` cells are visited over all sheets read.
    pub fn open(bytes: &'a [u8], what: &str, max_cells: u64) -> Result<Self, ImportProblem> {
        check_container(bytes, what)?;
        let xlsx: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|_| file_problem("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取"))?;
        let sheets = xlsx.sheet_names().len();
        if sheets == 0 {
            return Err(file_problem("工作簿中没有工作表"));
        }
        if sheets > MAX_SHEETS {
            return Err(file_problem(format!(
                "工作簿中的工作表过多（{sheets} 个），最多 {MAX_SHEETS} 个"
            )));
        }
        Ok(Book {
            xlsx,
            visits_left: max_cells,
        })
    }

    pub fn sheet_names(&self) -> Vec<String> {
        self.xlsx.sheet_names()
    }

    /// The merged ranges of a sheet (their number is bounded by [`check_container`]).
    pub fn merged(&mut self, sheet: &str) -> Vec<Dimensions> {
        self.xlsx
            .merge_cells_by_sheet_name(sheet)
            .unwrap_or_default()
    }

    /// Reads the cells of `sheet` that carry something, refusing the file when one lies beyond
    /// `bounds` or the sheet is otherwise not what a person could have typed.
    pub fn read(&mut self, sheet: &str, bounds: Bounds) -> Result<Grid, ImportProblem> {
        let broken = || file_problem(format!("工作表“{sheet}”已损坏，无法读取"));
        let mut reader = match self.xlsx.worksheet_cells_reader(sheet) {
            Ok(reader) => reader,
            // A chart sheet: no cells.
            Err(XlsxError::NotAWorksheet(_)) => return Ok(Grid::default()),
            Err(_) => return Err(broken()),
        };
        let mut grid = Grid::default();
        let mut anchors: HashMap<usize, (String, (u32, u32))> = HashMap::new();
        let mut text_bytes = 0usize;
        while let Some(record) = reader
            .next_cell_with_formula_metadata()
            .map_err(|_| broken())?
        {
            self.visits_left = self.visits_left.checked_sub(1).ok_or_else(|| {
                file_problem(format!(
                    "工作表“{sheet}”中的单元格过多，超出本表可能的大小，拒绝处理"
                ))
            })?;
            let pos = record.pos;
            let formula = record
                .formula
                .and_then(|f| formula_text(f, pos, &mut anchors));
            let text = text_of(&record.value);
            if formula.is_none() && text.is_some_and(|t| t.trim().is_empty()) {
                continue;
            }
            if formula.is_none() && matches!(record.value, DataRef::Empty) {
                continue;
            }
            let at = |message: String| ImportProblem {
                cell: Some(format!("{sheet}!{}", cell_name(pos.0, pos.1))),
                message,
            };
            check_position(sheet, pos, bounds).map_err(at)?;
            let size = text.map_or(0, str::len) + formula.as_ref().map_or(0, String::len);
            if size > MAX_CELL_CHARS {
                let chars = text.map_or(0, |t| t.chars().count());
                let chars = chars.max(formula.as_ref().map_or(0, |f| f.chars().count()));
                if chars > MAX_CELL_CHARS {
                    return Err(at(format!(
                        "工作表“{sheet}”的单元格内容过长（{chars} 个字符，Excel 单元格最多 {MAX_CELL_CHARS} 个）"
                    )));
                }
            }
            text_bytes += size;
            if text_bytes > MAX_SHEET_TEXT_BYTES {
                return Err(at(format!(
                    "工作表“{sheet}”中的文字过多（超过 {} MB），拒绝处理",
                    MAX_SHEET_TEXT_BYTES / 1024 / 1024
                )));
            }
            if grid.cells.contains_key(&pos) || grid.formulas.contains_key(&pos) {
                return Err(at(format!(
                    "工作表“{sheet}”中单元格 {} 出现了两次，文件结构异常；请在 Excel 或 WPS 中另存后再导入",
                    cell_name(pos.0, pos.1)
                )));
            }
            if let Some(f) = formula {
                grid.formulas.insert(pos, f);
            }
            if !matches!(record.value, DataRef::Empty) {
                grid.cells.insert(pos, Data::from(record.value));
            }
        }
        Ok(grid)
    }
}

/// Why a cell with content at zero-based `pos` lies outside `bounds`.
fn check_position(sheet: &str, (row, col): (u32, u32), bounds: Bounds) -> Result<(), String> {
    if row >= bounds.rows {
        return Err(format!(
            "工作表“{sheet}”第 {} 行超出本表最多 {} 行，请删除多余的内容后再导入",
            u64::from(row) + 1,
            bounds.rows
        ));
    }
    if col >= bounds.cols {
        return Err(format!(
            "工作表“{sheet}”第 {} 列超出本表最多 {} 列（A 至 {} 列），请删除多余的内容后再导入",
            column_name(col),
            bounds.cols,
            column_name(bounds.cols - 1)
        ));
    }
    Ok(())
}

fn text_of<'d>(value: &'d DataRef<'_>) -> Option<&'d str> {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Some(s),
        DataRef::SharedString(s) => Some(s),
        _ => None,
    }
}

/// The text of a cell's formula, `Some("")` when it is a shared formula whose anchor was not
/// seen; `None` for an empty formula. Anchors are remembered only for cells that are kept.
fn formula_text(
    formula: XlsxFormulaMetadata,
    pos: (u32, u32),
    anchors: &mut HashMap<usize, (String, (u32, u32))>,
) -> Option<String> {
    match formula {
        XlsxFormulaMetadata::Normal { formula } => Some(formula).filter(|f| !f.is_empty()),
        XlsxFormulaMetadata::Shared {
            shared_index,
            range,
            formula,
        } => {
            if formula.is_empty() {
                return None;
            }
            let start = range.map_or(pos, |r| r.start);
            anchors.insert(shared_index, (formula.clone(), start));
            Some(formula)
        }
        XlsxFormulaMetadata::SharedDerived { shared_index } => Some(
            anchors
                .get(&shared_index)
                .and_then(|(f, start)| expand_shared_formula(f, *start, pos).ok())
                .unwrap_or_default(),
        ),
        _ => Some(String::new()),
    }
}
