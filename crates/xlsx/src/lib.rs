//! The plan's spreadsheets: the progress form (附件) in its printed layout, the task breakdown
//! table (任务分解表), and reading a filled form back. Pure functions over domain types and bytes.

mod container;
mod export;
mod grid;
mod import;
mod ledger_columns;
mod ledger_import;
mod ledger_template;
mod registry_sheet;

pub use container::{MAX_IMPORT_BYTES, MAX_SHARED_STRINGS};
pub use export::{
    form_workbook, sheets_workbook, table_workbook, tasks_workbook, Cell, FormHeader, FormSheet,
    Sheet, TaskProgress,
};
pub use grid::{MAX_CELL_CHARS, MAX_SHEETS};
pub use import::{read_form, ImportProblem, ImportedForm, ImportedRow, MAX_FORM_COLUMNS};
pub use ledger_import::{
    read_ledger_sheet, LedgerKind, LedgerProblem, LedgerSheet, HEADER_SEARCH_ROWS,
    MAX_LEDGER_COLUMNS, MAX_LEDGER_ROWS, MAX_LEDGER_SHEET_ROWS,
};
pub use ledger_template::ledger_template;
pub use registry_sheet::{read_registry_sheet, registry_template, RegistryRow, MAX_REGISTRY_ROWS};

/// Rows above the form's first indicator row: 附件, title, period, header line, column headers.
pub const FORM_HEADER_ROWS: u32 = 5;

/// Column headers of the form, in order.
pub const FORM_COLUMNS: [&str; 4] = ["指标", "计量单位", "数据", "填报单位"];

#[derive(Debug, thiserror::Error)]
#[error("生成 Excel 文件失败：{0}")]
pub struct ExportError(#[from] rust_xlsxwriter::XlsxError);

/// "C9" for zero-based (row 8, column 2).
pub fn cell_name(row: u32, col: u32) -> String {
    column_name(col) + &(u64::from(row) + 1).to_string()
}

/// "C" for zero-based column 2, "AA" for 26.
pub fn column_name(col: u32) -> String {
    let mut col = u64::from(col) + 1;
    let mut letters = Vec::new();
    while col > 0 {
        let rem = ((col - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        col = (col - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod ledger_tests;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
