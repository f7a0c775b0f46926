//! The funds ledger as a spreadsheet: a project list (援建项目清单) or a transaction sheet (资金流水)
//! read from the first worksheet (the columns it accepts are in `ledger_columns`, the blank
//! templates in `ledger_template`).
//!
//! The header row is searched for in the first [`HEADER_SEARCH_ROWS`] rows; labels compare after
//! [`normalize_label`] (spaces, full- and half-width punctuation) and without a unit suffix
//! “（元）”/“（人）”. What kind of sheet it is follows from its headers. Every cell is turned
//! into the text the domain parsers read ([`ProjectInput`], [`TxInput`]), so the spreadsheet, the
//! web form and the JSON API accept exactly the same entries. Every problem names its row and cell.
//!
//! Project list columns (required: 项目名称, 受援地, 行业, 实施单位): 项目名称, 受援地, 行业,
//! 实施单位, 是否用于扶贫, one column per source of money “批复金额-<来源名称或代码>（元）” (also
//! “批复金额（<来源>）（元）”), 计划开工日期, 计划完工日期, 实际开工日期, 实际完工日期, 状态,
//! 帮助脱贫数（人）, 关联任务, 备注.
//!
//! Transaction columns (required: 日期, 类型, 金额（元）, 资金来源, and 项目编号 or 项目名称): 日期,
//! 类型, 金额（元）, 资金来源, 项目编号, 项目名称, 凭证号, 备注, 超预算说明.
//!
//! A column headed 序号 is ignored; any other unknown header is refused, so that a misspelt column
//! is never silently dropped.

use crate::grid::{Book, Bounds, Grid};
use crate::import::{formula_note, normalize_label};
use crate::ledger_columns::{find_header, header_labels, CellType, Columns, Field};
use crate::{cell_name, ImportProblem};
use bangfu_domain::ledger::input::{ProjectInput, TxInput};
use bangfu_domain::ledger::{Money, Project, TxDraft, TxKind};
use bangfu_domain::plan::Plan;
use calamine::Data;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Rows searched for the header row (titles may stand above it).
pub const HEADER_SEARCH_ROWS: u32 = 10;
/// Most data rows in one import: the whole file is one all-or-nothing write.
pub const MAX_LEDGER_ROWS: usize = 5000;
/// Most sheet rows read: content below row 20 000 refuses the file (blank rows may stand between
/// the data rows, but no more than [`MAX_LEDGER_ROWS`] of them may carry data).
pub const MAX_LEDGER_SHEET_ROWS: u32 = 20_000;
/// Most columns read: thirty (A to AD), or ten more than the template when a plan has so many
/// sources of money that the project list is wider.
pub const MAX_LEDGER_COLUMNS: u32 = 30;
/// Cells visited, blank or not, in a ledger sheet.
const MAX_LEDGER_CELLS: u64 = 1_000_000;

fn ledger_bounds(plan: &Plan) -> Bounds {
    let template = header_labels(LedgerKind::Projects, plan).len() as u32 + 1;
    Bounds {
        rows: MAX_LEDGER_SHEET_ROWS,
        cols: MAX_LEDGER_COLUMNS.max(template + 10),
    }
}

/// Which ledger sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    /// 援建项目清单
    Projects,
    /// 资金流水
    Transactions,
}

impl LedgerKind {
    pub fn label(self) -> &'static str {
        match self {
            LedgerKind::Projects => "援建项目清单",
            LedgerKind::Transactions => "资金流水",
        }
    }

    /// `projects`/`transactions`, or the Chinese 项目/项目清单/援建项目清单, 流水/资金流水/交易.
    pub fn parse(text: &str) -> Option<LedgerKind> {
        match text.trim() {
            "projects" | "project" | "项目" | "项目清单" | "援建项目清单" => {
                Some(LedgerKind::Projects)
            }
            "transactions" | "transaction" | "tx" | "流水" | "资金流水" | "交易" => {
                Some(LedgerKind::Transactions)
            }
            _ => None,
        }
    }
}

/// A problem with a ledger sheet: “第 5 行 C5：金额（元）“1.005”精确到分即可…”.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerProblem {
    /// The 1-based sheet row, as Excel shows it.
    pub row: Option<u32>,
    /// "C5"
    pub cell: Option<String>,
    pub message: String,
}

impl LedgerProblem {
    pub(crate) fn file(message: impl Into<String>) -> Self {
        LedgerProblem {
            row: None,
            cell: None,
            message: message.into(),
        }
    }

    /// At zero-based (row, col).
    pub(crate) fn at(row: u32, col: u32, message: impl Into<String>) -> Self {
        LedgerProblem {
            row: Some(row + 1),
            cell: Some(cell_name(row, col)),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for LedgerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.row, &self.cell) {
            (Some(r), Some(c)) => write!(f, "第 {r} 行 {c}：{}", self.message),
            (Some(r), None) => write!(f, "第 {r} 行：{}", self.message),
            (None, Some(c)) => write!(f, "{c}：{}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl From<ImportProblem> for LedgerProblem {
    fn from(p: ImportProblem) -> Self {
        LedgerProblem {
            row: None,
            cell: p.cell,
            message: p.message,
        }
    }
}

/// A ledger sheet read and checked: the entries with the sheet row each came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerSheet {
    Projects {
        sheet: String,
        /// The 1-based sheet row of each project.
        rows: Vec<u32>,
        /// Parsed with id 0 (new projects).
        projects: Vec<Project>,
    },
    Transactions {
        sheet: String,
        rows: Vec<u32>,
        drafts: Vec<TxDraft>,
    },
}

impl LedgerSheet {
    /// The preview shown before an import: totals, then one line per row (CLI and web alike).
    pub fn preview_lines(&self, plan: &Plan, existing: &[Project]) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            LedgerSheet::Projects {
                sheet: name,
                rows,
                projects,
            } => {
                let total: Money = projects.iter().map(|p| p.approved_total()).sum();
                out.push(format!(
                    "援建项目清单（工作表“{name}”）：{} 个项目，批复金额合计 {total} 元",
                    projects.len()
                ));
                let mut by_source: BTreeMap<String, Money> = BTreeMap::new();
                for (source, amount) in projects.iter().flat_map(|p| &p.approved) {
                    let sum = by_source.entry(source.clone()).or_default();
                    *sum = sum.checked_add(*amount).unwrap_or(*sum);
                }
                for s in &plan.ledger.sources {
                    if let Some(m) = by_source.get(&s.code) {
                        out.push(format!("  {}：{m} 元", s.name));
                    }
                }
                for (row, p) in rows.iter().zip(projects) {
                    out.push(format!(
                        "  第 {row} 行：{}（{}，{}，{}，{}）批复 {} 元",
                        p.name,
                        plan.area_name(&p.area),
                        p.sector.label(),
                        plan.party_name(&p.unit),
                        p.status.label(),
                        p.approved_total()
                    ));
                    let same: Vec<String> = existing
                        .iter()
                        .filter(|e| e.name == p.name)
                        .map(|e| e.id.to_string())
                        .collect();
                    if !same.is_empty() {
                        out.push(format!(
                        "  提示：第 {row} 行的项目名称“{}”已有项目使用（编号 {}），导入后将有同名项目",
                        p.name,
                        same.join("、")
                    ));
                    }
                }
            }
            LedgerSheet::Transactions {
                sheet: name,
                rows,
                drafts,
            } => {
                let total: Money = drafts.iter().map(|d| d.amount).sum();
                out.push(format!(
                    "资金流水（工作表“{name}”）：{} 笔交易，金额合计 {total} 元",
                    drafts.len()
                ));
                for kind in TxKind::ALL {
                    let of_kind: Vec<Money> = drafts
                        .iter()
                        .filter(|d| d.kind == *kind)
                        .map(|d| d.amount)
                        .collect();
                    if !of_kind.is_empty() {
                        let sum: Money = of_kind.iter().copied().sum();
                        out.push(format!(
                            "  {}：{} 笔，合计 {sum} 元",
                            kind.label(),
                            of_kind.len()
                        ));
                    }
                }
                for (row, d) in rows.iter().zip(drafts) {
                    let project = existing
                        .iter()
                        .find(|p| p.id == d.project)
                        .map_or_else(String::new, |p| format!("“{}”", p.name));
                    let voucher = if d.voucher.is_empty() {
                        String::new()
                    } else {
                        format!("，凭证号 {}", d.voucher)
                    };
                    out.push(format!(
                        "  第 {row} 行：{} {} {} 元（{}）→ 项目 {}{project}{voucher}",
                        d.date,
                        d.kind.label(),
                        d.amount,
                        plan.ledger
                            .source(&d.source)
                            .map_or(d.source.as_str(), |s| s.name.as_str()),
                        d.project
                    ));
                }
            }
        }
        out
    }

    pub fn kind(&self) -> LedgerKind {
        match self {
            LedgerSheet::Projects { .. } => LedgerKind::Projects,
            LedgerSheet::Transactions { .. } => LedgerKind::Transactions,
        }
    }

    pub fn sheet(&self) -> &str {
        match self {
            LedgerSheet::Projects { sheet, .. } | LedgerSheet::Transactions { sheet, .. } => sheet,
        }
    }

    pub fn rows(&self) -> &[u32] {
        match self {
            LedgerSheet::Projects { rows, .. } | LedgerSheet::Transactions { rows, .. } => rows,
        }
    }

    pub fn len(&self) -> usize {
        self.rows().len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows().is_empty()
    }

    /// Names the sheet row in the store's refusals of this batch: “第 3 笔：…” becomes
    /// “第 7 行：…”; a message without an entry number, when the batch has one entry, gets that
    /// entry's row.
    pub fn locate(&self, messages: &[String]) -> Vec<String> {
        let rows = self.rows();
        messages
            .iter()
            .map(|m| {
                if let Some((n, rest)) = entry_number(m) {
                    if let Some(row) = n.checked_sub(1).and_then(|i| rows.get(i)) {
                        return format!("第 {row} 行：{rest}");
                    }
                }
                match rows {
                    [row] => format!("第 {row} 行：{m}"),
                    _ => m.clone(),
                }
            })
            .collect()
    }
}

/// "第 3 笔：rest" → (3, rest)
fn entry_number(message: &str) -> Option<(usize, &str)> {
    let rest = message.strip_prefix("第 ")?;
    let (n, rest) = rest.split_once(" 笔：")?;
    Some((n.parse().ok()?, rest))
}

/// The shortest decimal that reads back as `f` (what Excel shows for a typed number).
fn decimal_of(f: f64) -> Result<Decimal, String> {
    if !f.is_finite() {
        return Err("不是有效数字".into());
    }
    Decimal::from_str_exact(&format!("{f}"))
        .or_else(|_| Decimal::from_scientific(&format!("{f:e}")))
        .map_err(|_| format!("数值 {f} 超出范围"))
}

/// A number cell as text at `precision` decimals: float noise (0.1 + 0.2) is rounded away, a
/// really more precise number keeps its digits so that the parser refuses it by name.
pub(crate) fn number_text(f: f64, precision: u32) -> Result<String, String> {
    let exact = decimal_of(f)?;
    let rounded = exact.round_dp(precision);
    let noise = Decimal::new(1, 9) * Decimal::ONE.max(exact.abs());
    if (exact - rounded).abs() > noise {
        Ok(exact.normalize().to_string())
    } else {
        Ok(rounded.to_string())
    }
}

/// An Excel date serial (1900 system) as a date, if it is a plausible one.
pub(crate) fn serial_date(serial: f64) -> Option<NaiveDate> {
    if serial.fract() != 0.0 || !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial as u64))?;
    use chrono::Datelike;
    (1990..=2100).contains(&date.year()).then_some(date)
}

/// The text the domain parser reads from a cell of type `ty`, or why the cell cannot be one.
fn cell_text(data: &Data, ty: CellType) -> Result<String, String> {
    let wrong = |what: &str| -> Result<String, String> {
        Err(match ty {
            CellType::Money => format!("{what}，应填金额（元）"),
            CellType::Date => format!("{what}，应填日期，例如 2018-06-30"),
            CellType::Count => format!("{what}，应填整数"),
            CellType::YesNo => format!("{what}，应填“是”或“否”"),
            CellType::Text => format!("{what}，应填文字"),
        })
    };
    match (data, ty) {
        (Data::Empty, _) => Ok(String::new()),
        (Data::String(s), _) => Ok(s.trim().to_string()),
        (Data::Error(e), _) => wrong(&format!("是错误值 {e}")),
        (Data::Int(i), CellType::Date) => serial_date(*i as f64)
            .map(|d| d.to_string())
            .map_or_else(|| wrong(&format!("“{i}”不是日期")), Ok),
        (Data::Float(f), CellType::Date) => serial_date(*f)
            .map(|d| d.to_string())
            .map_or_else(|| wrong(&format!("“{f}”不是日期")), Ok),
        (Data::Int(i), _) => Ok(i.to_string()),
        (Data::Float(f), CellType::Money) => number_text(*f, 2),
        (Data::Float(f), CellType::Count | CellType::YesNo | CellType::Text) => number_text(*f, 0),
        (Data::Bool(b), CellType::YesNo) => Ok(if *b { "是" } else { "否" }.to_string()),
        (Data::Bool(_), _) => wrong("是逻辑值"),
        (Data::DateTime(dt), CellType::Date | CellType::Text) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Ok(format!("{y:04}-{m:02}-{d:02}"))
        }
        (Data::DateTimeIso(s), CellType::Date | CellType::Text) => {
            Ok(s.get(..10).unwrap_or(s).to_string())
        }
        (Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_), _) => {
            wrong("是日期或时间")
        }
    }
}

/// Reads a project list or a transaction sheet from the first worksheet of `bytes`. Transactions
/// name their project by 项目编号 or by 项目名称, resolved against `existing_projects`. Nothing is
/// returned unless every row is valid; the problems name row and cell.
pub fn read_ledger_sheet(
    bytes: &[u8],
    plan: &Plan,
    existing_projects: &[Project],
) -> Result<LedgerSheet, Vec<LedgerProblem>> {
    let refused = |p: ImportProblem| vec![LedgerProblem::from(p)];
    let mut book = Book::open(bytes, "台账表格", MAX_LEDGER_CELLS).map_err(refused)?;
    let sheet = book.sheet_names().swap_remove(0);
    let grid = book.read(&sheet, ledger_bounds(plan)).map_err(refused)?;
    let columns = find_header(&grid, plan)?;
    let rows = data_rows(&grid, &columns)?;
    match columns.kind {
        LedgerKind::Projects => {
            let (rows, projects) = parse_rows(&columns, rows, |cells| project_of(plan, cells))?;
            Ok(LedgerSheet::Projects {
                sheet,
                rows,
                projects,
            })
        }
        LedgerKind::Transactions => {
            let (rows, drafts) = parse_rows(&columns, rows, |cells| {
                tx_of(plan, existing_projects, cells)
            })?;
            Ok(LedgerSheet::Transactions {
                sheet,
                rows,
                drafts,
            })
        }
    }
}

/// One non-empty data row: its zero-based index and the text of each column, by field.
struct RowCells {
    row: u32,
    cells: Vec<(Field, u32, String)>,
    /// A cell could not be read (already reported): the row is not parsed.
    bad: Vec<u32>,
}

impl RowCells {
    fn get(&self, field: Field) -> String {
        self.cells
            .iter()
            .find(|(f, ..)| *f == field)
            .map(|(_, _, t)| t.clone())
            .unwrap_or_default()
    }
}

/// The non-empty rows under the header as text; formulas and unreadable cells are problems.
/// Rows with a bad cell are returned marked, so that the other rows are still parsed and one pass
/// reports every mistake.
fn data_rows(
    grid: &Grid,
    columns: &Columns,
) -> Result<(Vec<RowCells>, Vec<LedgerProblem>), Vec<LedgerProblem>> {
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let end = grid.end().map_or(columns.row, |(r, _)| r);
    for row in columns.row + 1..=end {
        let mut cells = Vec::new();
        let mut empty = true;
        let mut bad = Vec::new();
        for (col, field, ty, header) in &columns.cols {
            let data = grid.get(row, *col);
            if !matches!(data, Data::Empty)
                && !matches!(data, Data::String(s) if s.trim().is_empty())
            {
                empty = false;
            }
            if let Some(f) = grid.formula(row, *col) {
                empty = false;
                bad.push(*col);
                problems.push(LedgerProblem::at(
                    row,
                    *col,
                    format!(
                        "{header}{}，请复制后“选择性粘贴为数值”再导入",
                        formula_note(f)
                    ),
                ));
                continue;
            }
            match cell_text(data, *ty) {
                Ok(text) => {
                    if *ty == CellType::Money && !text.is_empty() {
                        if let Err(e) = Money::parse(header, &text) {
                            bad.push(*col);
                            problems.push(LedgerProblem::at(row, *col, e));
                            continue;
                        }
                    }
                    cells.push((*field, *col, text));
                }
                Err(e) => {
                    bad.push(*col);
                    problems.push(LedgerProblem::at(row, *col, format!("{header}{e}")));
                }
            }
        }
        if empty {
            continue;
        }
        if rows.len() >= MAX_LEDGER_ROWS {
            return Err(vec![LedgerProblem::file(format!(
                "数据行超过 {MAX_LEDGER_ROWS} 行，请分成几个文件导入"
            ))]);
        }
        rows.push(RowCells { row, cells, bad });
    }
    if rows.is_empty() {
        return Err(vec![LedgerProblem::file(format!(
            "{}中没有数据行（表头在第 {} 行）",
            columns.kind.label(),
            columns.row + 1
        ))]);
    }
    Ok((rows, problems))
}

/// Parses each row with `parse`, naming the cell each message is about.
fn parse_rows<T>(
    columns: &Columns,
    (rows, mut problems): (Vec<RowCells>, Vec<LedgerProblem>),
    parse: impl Fn(&RowCells) -> Result<T, RowErrors>,
) -> Result<(Vec<u32>, Vec<T>), Vec<LedgerProblem>> {
    let mut out_rows = Vec::new();
    let mut values = Vec::new();
    for r in &rows {
        match parse(r) {
            Ok(v) => {
                out_rows.push(r.row + 1);
                values.push(v);
            }
            Err(messages) => {
                for (field, message) in messages {
                    let col = field
                        .and_then(|f| columns.find(f))
                        .or_else(|| mentioned_column(columns, &message));
                    // A cell already reported as unreadable is not blamed twice.
                    if col.is_some_and(|c| r.bad.contains(&c)) {
                        continue;
                    }
                    problems.push(match col {
                        Some(c) => LedgerProblem::at(r.row, c, message),
                        None => LedgerProblem {
                            row: Some(r.row + 1),
                            cell: None,
                            message,
                        },
                    });
                }
            }
        }
    }
    if problems.is_empty() {
        Ok((out_rows, values))
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

/// The column a parser message is about: the field it names first (the longer name on a tie).
fn mentioned_column(columns: &Columns, message: &str) -> Option<u32> {
    let mut best: Option<(usize, usize, u32)> = None;
    for (col, field, _, _) in &columns.cols {
        for name in mention_names(*field) {
            if let Some(pos) = message.find(name) {
                let better = match best {
                    None => true,
                    Some((p, len, _)) => pos < p || (pos == p && name.len() > len),
                };
                if better {
                    best = Some((pos, name.len(), *col));
                }
            }
        }
    }
    best.map(|(_, _, c)| c)
}

/// How the domain's messages name a field.
fn mention_names(field: Field) -> &'static [&'static str] {
    match field {
        Field::Name => &["项目名称"],
        Field::Area => &["受援地"],
        Field::Sector => &["行业"],
        Field::Unit => &["实施单位"],
        Field::Poverty => &["是否用于扶贫"],
        Field::Approved(_) => &[],
        Field::PlannedStart => &["计划开工日期"],
        Field::PlannedFinish => &["计划完工日期"],
        Field::ActualStart => &["实际开工日期"],
        Field::ActualFinish => &["实际完工日期"],
        Field::Status => &["状态"],
        Field::Beneficiaries => &["帮助脱贫数"],
        Field::Tasks => &["关联任务"],
        Field::Note => &["备注"],
        Field::Date => &["日期"],
        Field::Kind => &["类型"],
        Field::Amount => &["金额"],
        Field::Source => &["资金来源"],
        Field::ProjectId => &["项目编号"],
        Field::ProjectName => &["项目名称"],
        Field::Voucher => &["凭证号"],
        Field::Override => &["超预算说明"],
    }
}

type RowErrors = Vec<(Option<Field>, String)>;

fn unplaced(messages: Vec<String>) -> RowErrors {
    messages.into_iter().map(|m| (None, m)).collect()
}

fn project_of(plan: &Plan, r: &RowCells) -> Result<Project, RowErrors> {
    let approved = r
        .cells
        .iter()
        .filter_map(|(f, _, text)| match f {
            Field::Approved(i) => Some((plan.ledger.sources[*i].code.clone(), text.clone())),
            _ => None,
        })
        .collect();
    let input = ProjectInput {
        name: r.get(Field::Name),
        area: r.get(Field::Area),
        sector: r.get(Field::Sector),
        unit: r.get(Field::Unit),
        poverty_relief: r.get(Field::Poverty),
        approved,
        planned_start: r.get(Field::PlannedStart),
        planned_finish: r.get(Field::PlannedFinish),
        actual_start: r.get(Field::ActualStart),
        actual_finish: r.get(Field::ActualFinish),
        status: r.get(Field::Status),
        beneficiaries: r.get(Field::Beneficiaries),
        tasks: r.get(Field::Tasks),
        note: r.get(Field::Note),
    };
    input.parse(plan, 0).map_err(unplaced)
}

fn tx_of(plan: &Plan, existing: &[Project], r: &RowCells) -> Result<TxDraft, RowErrors> {
    let mut errors = Vec::new();
    let project = match resolve_project(
        existing,
        &r.get(Field::ProjectId),
        &r.get(Field::ProjectName),
    ) {
        Ok(id) => id.to_string(),
        Err(e) => {
            errors.push(e);
            "0".to_string()
        }
    };
    let input = TxInput {
        kind: r.get(Field::Kind),
        date: r.get(Field::Date),
        amount: r.get(Field::Amount),
        source: r.get(Field::Source),
        project,
        voucher: r.get(Field::Voucher),
        note: r.get(Field::Note),
        override_reason: r.get(Field::Override),
    };
    match input.parse(plan) {
        Ok(draft) if errors.is_empty() => Ok(draft),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(unplaced(more));
            Err(errors)
        }
    }
}

/// The project a transaction row names by 项目编号 or 项目名称.
fn resolve_project(
    existing: &[Project],
    id_text: &str,
    name: &str,
) -> Result<i64, (Option<Field>, String)> {
    let id_text = id_text.trim();
    let name = name.trim();
    if !id_text.is_empty() {
        let id: i64 = id_text
            .trim_start_matches('#')
            .parse()
            .map_err(|_| (Some(Field::ProjectId), format!("项目编号“{id_text}”无效")))?;
        let Some(p) = existing.iter().find(|p| p.id == id) else {
            return Err((Some(Field::ProjectId), format!("项目编号 {id} 不存在")));
        };
        if !name.is_empty() && normalize_label(&p.name) != normalize_label(name) {
            return Err((
                Some(Field::ProjectName),
                format!("项目编号 {id} 是“{}”，与项目名称“{name}”不符", p.name),
            ));
        }
        return Ok(id);
    }
    if name.is_empty() {
        return Err((
            Some(Field::ProjectId),
            "请填写项目编号或项目名称".to_string(),
        ));
    }
    let found: Vec<&Project> = existing
        .iter()
        .filter(|p| normalize_label(&p.name) == normalize_label(name))
        .collect();
    match found.as_slice() {
        [p] => Ok(p.id),
        [] => Err((
            Some(Field::ProjectName),
            format!("项目“{name}”不存在：请先导入援建项目清单，或改填项目编号"),
        )),
        many => Err((
            Some(Field::ProjectName),
            format!(
                "项目名称“{name}”对应多个项目（编号 {}），请改填项目编号",
                many.iter()
                    .map(|p| p.id.to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )),
    }
}
