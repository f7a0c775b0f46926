//! Writing the progress form and the task table in the document's layout.

use crate::{ExportError, FORM_COLUMNS, FORM_HEADER_ROWS};
use bangfu_domain::plan::Plan;
use bangfu_domain::Quantity;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::collections::BTreeMap;

/// The line 填报单位 / 填报人 / 联系电话 / 填报时间.
#[derive(Debug, Clone, Default)]
pub struct FormHeader {
    pub unit: String,
    pub reporter: String,
    pub phone: String,
    pub time: String,
}

/// One sheet of the form: a unit's report or the district's totals.
#[derive(Debug, Clone)]
pub struct FormSheet {
    pub sheet_name: String,
    /// e.g. "2018年第二季度（年初至本季度末累计数）"
    pub subtitle: String,
    pub header: FormHeader,
    /// Row code → value; rows without a value stay empty.
    pub values: BTreeMap<String, Quantity>,
}

/// Latest progress of a task, one line, for the 任务分解表.
pub type TaskProgress = BTreeMap<String, String>;

const A4: u8 = 9;
const LABEL_WIDTH: f64 = 58.0;
const CELL_WIDTH: f64 = 34.0;
/// Points per wrapped line of 10.5 pt text, and the least row height.
const LINE_HEIGHT: f64 = 14.0;
const MIN_ROW_HEIGHT: f64 = 16.0;

/// Lines `text` needs in a column `width` characters wide (a Chinese character is two).
fn wrapped_lines(text: &str, width: f64) -> f64 {
    text.split('\n')
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
                .sum();
            (units / (width - 2.0)).ceil().max(1.0)
        })
        .sum()
}

/// Row heights that show every label and every merged 填报单位 cell in full.
fn row_heights(plan: &Plan, label_width: f64, cell_width: f64) -> Vec<f64> {
    let rows = &plan.indicators;
    let mut heights: Vec<f64> = rows
        .iter()
        .map(|i| (wrapped_lines(&i.label(), label_width) * LINE_HEIGHT).max(MIN_ROW_HEIGHT))
        .collect();
    let mut i = 0;
    while i < rows.len() {
        let span = rows[i..]
            .iter()
            .take_while(|x| x.cell == rows[i].cell)
            .count();
        if let Some(cell) = rows[i].cell.as_deref().and_then(|c| plan.cell(c)) {
            let needed = wrapped_lines(&cell.text, cell_width) * LINE_HEIGHT;
            let have: f64 = heights[i..i + span].iter().sum();
            if needed > have {
                let extra = (needed - have) / span as f64;
                for h in &mut heights[i..i + span] {
                    *h += extra;
                }
            }
        }
        i += span;
    }
    heights
}
const SONG: &str = "宋体";

fn base() -> Format {
    Format::new().set_font_name(SONG).set_font_size(10.5)
}

fn boxed() -> Format {
    base()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

/// The number format showing exactly `precision` decimals.
fn number_format(precision: u32) -> String {
    if precision == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(precision as usize))
    }
}

/// Excel stores numbers as binary floats: the nearest double of the exact decimal, which Excel
/// and LibreOffice display (and calamine reads back) as that decimal for up to 15 digits.
pub(crate) fn to_excel_number(q: Quantity) -> f64 {
    q.to_string().parse().unwrap_or(0.0)
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if cleaned.is_empty() {
        "Sheet1".into()
    } else {
        cleaned
    }
}

fn print_setup(ws: &mut Worksheet, header_rows: u32, portrait: bool) -> Result<(), ExportError> {
    ws.set_paper_size(A4);
    if portrait {
        ws.set_portrait();
    } else {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_repeat_rows(0, header_rows - 1)?;
    ws.set_freeze_panes(header_rows, 0)?;
    Ok(())
}

fn write_form_sheet(ws: &mut Worksheet, plan: &Plan, sheet: &FormSheet) -> Result<(), ExportError> {
    ws.set_name(sheet_name(&sheet.sheet_name))?;
    for (col, width) in [(0u16, LABEL_WIDTH), (1, 10.0), (2, 14.0), (3, CELL_WIDTH)] {
        ws.set_column_width(col, width)?;
    }
    let title = base()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let plain = base();
    let centered = base().set_align(FormatAlign::Center);
    ws.write_with_format(0, 0, "附件", &base().set_bold())?;
    ws.merge_range(1, 0, 1, 3, &plan.info.form_title, &title)?;
    ws.set_row_height(1, 30)?;
    ws.merge_range(2, 0, 2, 3, &sheet.subtitle, &centered)?;
    let h = &sheet.header;
    let line = format!(
        "填报单位：{}　　填报人：{}　　联系电话：{}　　填报时间：{}",
        h.unit, h.reporter, h.phone, h.time
    );
    ws.merge_range(3, 0, 3, 3, &line, &plain)?;
    let head = boxed()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2));
    for (col, text) in FORM_COLUMNS.iter().enumerate() {
        ws.write_with_format(FORM_HEADER_ROWS - 1, col as u16, *text, &head)?;
    }

    let rows = &plan.indicators;
    // Excel does not grow rows for wrapped text in merged cells: size them from the text.
    let heights = row_heights(plan, LABEL_WIDTH, CELL_WIDTH);
    for (i, ind) in rows.iter().enumerate() {
        let r = FORM_HEADER_ROWS + i as u32;
        ws.set_row_height(r, heights[i])?;
        let depth = plan.depth(ind).min(15) as u8;
        let mut label = boxed().set_indent(depth);
        if ind.is_heading() {
            label = label.set_bold();
        }
        ws.write_with_format(r, 0, ind.label(), &label)?;
        ws.write_with_format(
            r,
            1,
            ind.unit.as_deref().unwrap_or(""),
            &boxed().set_align(FormatAlign::Center),
        )?;
        let precision = ind.unit.as_deref().map_or(0, |u| plan.precision(u));
        let number = boxed()
            .set_align(FormatAlign::Right)
            .set_num_format(number_format(precision));
        match sheet.values.get(&ind.code) {
            Some(v) => {
                ws.write_number_with_format(r, 2, to_excel_number(*v), &number)?;
            }
            None => {
                ws.write_blank(r, 2, &number)?;
            }
        }
        // The 填报单位 column: one merged cell per run of rows sharing a cell, as printed.
        let starts_run = i == 0 || rows[i - 1].cell != ind.cell;
        if starts_run {
            let span = rows[i..].iter().take_while(|x| x.cell == ind.cell).count() as u32;
            let text = ind
                .cell
                .as_deref()
                .and_then(|c| plan.cell(c))
                .map_or(String::new(), |c| c.text.clone());
            let fmt = boxed().set_align(FormatAlign::Center);
            if span > 1 {
                ws.merge_range(r, 3, r + span - 1, 3, &text, &fmt)?;
            } else {
                ws.write_with_format(r, 3, text, &fmt)?;
            }
        }
    }
    print_setup(ws, FORM_HEADER_ROWS, true)
}

/// The progress form: one sheet per entry (the district summary first, then units if wanted).
pub fn form_workbook(plan: &Plan, sheets: &[FormSheet]) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    for sheet in sheets {
        let ws = wb.add_worksheet();
        write_form_sheet(ws, plan, sheet)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The 任务分解表: 序号, 任务, 受援地, 牵头部门, 配合部门, 目标, 最新进展; one row per task under its
/// section headings.
pub fn tasks_workbook(plan: &Plan, progress: &TaskProgress) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("任务分解表")?;
    let widths = [8.0, 56.0, 16.0, 18.0, 22.0, 30.0, 30.0];
    for (col, w) in widths.iter().enumerate() {
        ws.set_column_width(col as u16, *w)?;
    }
    let title = base()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    ws.merge_range(
        0,
        0,
        0,
        6,
        &format!("{} 任务分解表", plan.info.title),
        &title,
    )?;
    ws.set_row_height(0, 30)?;
    let head = boxed()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2));
    let columns = [
        "序号",
        "任务",
        "受援地",
        "牵头部门",
        "配合部门",
        "目标",
        "最新进展",
    ];
    for (col, text) in columns.iter().enumerate() {
        ws.write_with_format(1, col as u16, *text, &head)?;
    }
    let cell = boxed().set_align(FormatAlign::Top);
    let section_fmt = boxed()
        .set_bold()
        .set_background_color(Color::RGB(0xFBF3F2));
    let mut row = 2u32;
    for section in &plan.sections {
        ws.merge_range(
            row,
            0,
            row,
            6,
            &format!("{}{}", section.number, section.title),
            &section_fmt,
        )?;
        row += 1;
        for task in plan.tasks.iter().filter(|t| t.section == section.code) {
            let areas: Vec<&str> = task
                .areas
                .iter()
                .map(|a| plan.area(a).map_or(a.as_str(), |x| x.name.as_str()))
                .collect();
            let coop: Vec<&str> = task
                .cooperating
                .iter()
                .map(|c| plan.party_name(c))
                .collect();
            let targets: Vec<String> = task
                .targets
                .iter()
                .map(|t| format!("{}（{}）", t.description, t.summary()))
                .collect();
            let body = format!("{}\n{}", task.title, task.text);
            let values = [
                task.code.clone(),
                body,
                areas.join("、"),
                plan.lead_names(task).join("、"),
                coop.join("、"),
                targets.join("\n"),
                progress.get(&task.code).cloned().unwrap_or_default(),
            ];
            for (col, v) in values.iter().enumerate() {
                ws.write_with_format(row, col as u16, v.as_str(), &cell)?;
            }
            row += 1;
        }
    }
    print_setup(ws, 2, false)?;
    Ok(wb.save_to_buffer()?)
}

/// A plain table (a title, headers, text rows) for lists such as the audit log.
pub fn table_workbook(
    title: &str,
    headers: &[&str],
    widths: &[f64],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(title))?;
    for (col, w) in widths.iter().enumerate() {
        ws.set_column_width(col as u16, *w)?;
    }
    let last = headers.len().saturating_sub(1) as u16;
    let title_fmt = base()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    ws.merge_range(0, 0, 0, last, title, &title_fmt)?;
    let head = boxed()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2));
    for (col, h) in headers.iter().enumerate() {
        ws.write_with_format(1, col as u16, *h, &head)?;
    }
    let cell = boxed().set_align(FormatAlign::Top);
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_with_format(r as u32 + 2, c as u16, v.as_str(), &cell)?;
        }
    }
    print_setup(ws, 2, false)?;
    Ok(wb.save_to_buffer()?)
}

/// A cell of a [`Sheet`]: text, or an exact number shown with its decimals.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Money in 元, shown as 1,234.56.
    Yuan(rust_decimal::Decimal),
    /// A count or any other number with the given decimals.
    Number(Quantity, u32),
}

/// One sheet of a [`sheets_workbook`].
#[derive(Debug, Clone)]
pub struct Sheet {
    pub title: String,
    pub headers: Vec<String>,
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<Cell>>,
}

/// Several titled tables, one per sheet, with numbers as numbers (for the funds ledger).
pub fn sheets_workbook(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let title_fmt = base()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = boxed()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2));
    let text = boxed().set_align(FormatAlign::Top);
    let yuan = boxed().set_num_format("#,##0.00");
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&sheet.title))?;
        for (col, w) in sheet.widths.iter().enumerate() {
            ws.set_column_width(col as u16, *w)?;
        }
        let last = sheet.headers.len().saturating_sub(1) as u16;
        ws.merge_range(0, 0, 0, last, &sheet.title, &title_fmt)?;
        for (col, h) in sheet.headers.iter().enumerate() {
            ws.write_with_format(1, col as u16, h.as_str(), &head)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match v {
                    Cell::Text(t) => ws.write_with_format(r, c, t.as_str(), &text)?,
                    Cell::Yuan(d) => ws.write_number_with_format(
                        r,
                        c,
                        to_excel_number(Quantity::new(*d)),
                        &yuan,
                    )?,
                    Cell::Number(q, decimals) => ws.write_number_with_format(
                        r,
                        c,
                        to_excel_number(*q),
                        &boxed().set_num_format(number_format(*decimals)),
                    )?,
                };
            }
        }
        print_setup(ws, 2, false)?;
    }
    Ok(wb.save_to_buffer()?)
}
