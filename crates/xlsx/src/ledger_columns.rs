//! The columns of a ledger sheet: which headers a project list and a transaction sheet accept, and
//! finding the header row of an uploaded sheet. See [`crate::ledger_import`] for the list.

use crate::cell_name;
use crate::grid::Grid;
use crate::import::normalize_label;
use crate::ledger_import::{LedgerKind, LedgerProblem, HEADER_SEARCH_ROWS};
use bangfu_domain::plan::Plan;
use calamine::Data;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Area,
    Sector,
    Unit,
    Poverty,
    /// Approved amount of the plan's source with this index.
    Approved(usize),
    PlannedStart,
    PlannedFinish,
    ActualStart,
    ActualFinish,
    Status,
    Beneficiaries,
    Tasks,
    Note,
    Date,
    Kind,
    Amount,
    Source,
    ProjectId,
    ProjectName,
    Voucher,
    Override,
}

/// How a cell becomes text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellType {
    Text,
    /// 元 to the 分.
    Money,
    Date,
    /// A whole number (人).
    Count,
    YesNo,
}

pub(crate) struct ColumnSpec {
    field: Field,
    /// The header as the template writes it.
    label: &'static str,
    /// Other accepted headers (before normalisation, without the unit suffix).
    aliases: &'static [&'static str],
    ty: CellType,
    required: bool,
}

pub(crate) const fn col(
    field: Field,
    label: &'static str,
    aliases: &'static [&'static str],
    ty: CellType,
    required: bool,
) -> ColumnSpec {
    ColumnSpec {
        field,
        label,
        aliases,
        ty,
        required,
    }
}

/// Project list columns in template order; the 批复金额 columns go after 是否用于扶贫.
pub(crate) const PROJECT_COLUMNS: &[ColumnSpec] = &[
    col(Field::Name, "项目名称", &[], CellType::Text, true),
    col(Field::Area, "受援地", &["受援地区"], CellType::Text, true),
    col(Field::Sector, "行业", &["所属行业"], CellType::Text, true),
    col(Field::Unit, "实施单位", &[], CellType::Text, true),
    col(Field::Poverty, "是否用于扶贫", &[], CellType::YesNo, false),
    col(
        Field::PlannedStart,
        "计划开工日期",
        &[],
        CellType::Date,
        false,
    ),
    col(
        Field::PlannedFinish,
        "计划完工日期",
        &[],
        CellType::Date,
        false,
    ),
    col(
        Field::ActualStart,
        "实际开工日期",
        &[],
        CellType::Date,
        false,
    ),
    col(
        Field::ActualFinish,
        "实际完工日期",
        &[],
        CellType::Date,
        false,
    ),
    col(Field::Status, "状态", &["项目状态"], CellType::Text, false),
    col(
        Field::Beneficiaries,
        "帮助脱贫数（人）",
        &["帮助建档立卡贫困人口脱贫数", "脱贫人数"],
        CellType::Count,
        false,
    ),
    col(Field::Tasks, "关联任务", &[], CellType::Text, false),
    col(Field::Note, "备注", &[], CellType::Text, false),
];

/// Transaction columns in template order.
pub(crate) const TX_COLUMNS: &[ColumnSpec] = &[
    col(Field::Date, "日期", &["交易日期"], CellType::Date, true),
    col(Field::Kind, "类型", &["交易类型"], CellType::Text, true),
    col(Field::Amount, "金额（元）", &[], CellType::Money, true),
    col(Field::Source, "资金来源", &[], CellType::Text, true),
    col(Field::ProjectId, "项目编号", &[], CellType::Text, false),
    col(Field::ProjectName, "项目名称", &[], CellType::Text, false),
    col(
        Field::Voucher,
        "凭证号",
        &["凭证编号"],
        CellType::Text,
        false,
    ),
    col(Field::Note, "备注", &[], CellType::Text, false),
    col(Field::Override, "超预算说明", &[], CellType::Text, false),
];

/// Headers that may stand in either sheet and say nothing about which one it is.
pub(crate) const SHARED: &[Field] = &[Field::Name, Field::ProjectName, Field::Note];
/// Headers ignored wherever they stand.
pub(crate) const IGNORED: &[&str] = &["序号"];

pub(crate) fn specs(kind: LedgerKind) -> &'static [ColumnSpec] {
    match kind {
        LedgerKind::Projects => PROJECT_COLUMNS,
        LedgerKind::Transactions => TX_COLUMNS,
    }
}

/// A header's unit suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Suffix {
    None,
    Yuan,
    Wan,
    Person,
}

/// Normalised header without its unit suffix: "金额（元）" → ("金额", Yuan).
pub(crate) fn header_key(text: &str) -> (String, Suffix) {
    let key = normalize_label(text);
    for (suffix, s) in [
        ("(元)", Suffix::Yuan),
        ("(万元)", Suffix::Wan),
        ("(人)", Suffix::Person),
    ] {
        if let Some(stem) = key.strip_suffix(suffix) {
            return (stem.to_string(), s);
        }
    }
    (key, Suffix::None)
}

/// The approved-amount header's source text: "批复金额-区级单独安排" or "批复金额(区级单独安排)".
pub(crate) fn approved_source(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("批复金额")?;
    let rest = rest.trim_start_matches(['-', '—', '–', '_', ':', '·']);
    let rest = match rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => inner,
        None => rest,
    };
    Some(rest)
}

/// What a header cell means in a sheet of `kind`.
pub(crate) enum Header {
    Field(Field, CellType),
    Ignored,
    Unknown,
    /// Recognised but unusable; the message says why.
    Refused(String),
}

pub(crate) fn classify(text: &str, kind: LedgerKind, plan: &Plan) -> Header {
    let (key, suffix) = header_key(text);
    if key.is_empty() || IGNORED.contains(&key.as_str()) {
        return Header::Ignored;
    }
    if kind == LedgerKind::Projects {
        if let Some(source) = approved_source(&key) {
            if suffix == Suffix::Wan {
                return Header::Refused(wan_message(text));
            }
            if source.is_empty() {
                return Header::Refused(format!(
                    "表头“{}”没有注明资金来源：每个资金来源一列，写成“批复金额-{}（元）”",
                    text.trim(),
                    plan.ledger
                        .sources
                        .first()
                        .map_or("资金来源", |s| s.name.as_str())
                ));
            }
            let found = plan.ledger.sources.iter().position(|s| {
                normalize_label(&s.name) == source || normalize_label(&s.code) == source
            });
            return match found {
                Some(i) => Header::Field(Field::Approved(i), CellType::Money),
                None => Header::Refused(format!(
                    "表头“{}”中的资金来源“{source}”无效，可选：{}",
                    text.trim(),
                    source_names(plan)
                )),
            };
        }
    }
    for spec in specs(kind) {
        let matches = std::iter::once(spec.label)
            .chain(spec.aliases.iter().copied())
            .any(|l| header_key(l).0 == key);
        if matches {
            if suffix == Suffix::Wan {
                return Header::Refused(wan_message(text));
            }
            return Header::Field(spec.field, spec.ty);
        }
    }
    Header::Unknown
}

pub(crate) fn wan_message(text: &str) -> String {
    format!(
        "表头“{}”以万元为单位：金额请以元为单位填写（精确到分），表头写成“…（元）”",
        text.trim()
    )
}

pub(crate) fn source_names(plan: &Plan) -> String {
    plan.ledger
        .sources
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// The columns of a header row.
pub(crate) struct Columns {
    pub kind: LedgerKind,
    pub row: u32,
    /// (zero-based column, field, type, the field's name as the template writes it)
    pub cols: Vec<(u32, Field, CellType, String)>,
}

impl Columns {
    pub fn find(&self, field: Field) -> Option<u32> {
        self.cols
            .iter()
            .find(|(_, f, _, _)| *f == field)
            .map(|(c, _, _, _)| *c)
    }
}

pub(crate) fn text_cell(grid: &Grid, row: u32, col: u32) -> Option<String> {
    match grid.get(row, col) {
        Data::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The header row: the first of the top rows whose headers say which sheet it is.
pub(crate) fn find_header(grid: &Grid, plan: &Plan) -> Result<Columns, Vec<LedgerProblem>> {
    let (Some((r0, c0)), Some((r1, c1))) = (grid.start(), grid.end()) else {
        return Err(vec![LedgerProblem::file("第一个工作表是空的")]);
    };
    for row in r0..=r1.min(HEADER_SEARCH_ROWS - 1) {
        let mut score = [0usize; 2];
        for (k, kind) in [LedgerKind::Projects, LedgerKind::Transactions]
            .into_iter()
            .enumerate()
        {
            for col in c0..=c1 {
                let Some(text) = text_cell(grid, row, col) else {
                    continue;
                };
                match classify(&text, kind, plan) {
                    Header::Field(f, _) if !SHARED.contains(&f) => score[k] += 1,
                    Header::Refused(_) => score[k] += 1,
                    _ => {}
                }
            }
        }
        let kind = match score {
            [p, t] if p.max(t) < 2 => continue,
            [p, t] if p == t => {
                return Err(vec![LedgerProblem::file(format!(
                    "第 {} 行的表头既像援建项目清单又像资金流水，无法判断；请使用 `bangfu ledger template` 生成的模板",
                    row + 1
                ))])
            }
            [p, t] if p > t => LedgerKind::Projects,
            _ => LedgerKind::Transactions,
        };
        return header_columns(grid, plan, kind, row, c0, c1);
    }
    Err(vec![LedgerProblem::file(format!(
        "找不到表头：第一个工作表的前 {HEADER_SEARCH_ROWS} 行中应有援建项目清单的表头（项目名称、受援地、行业、实施单位、批复金额-…（元）等）\
         或资金流水的表头（日期、类型、金额（元）、资金来源、项目编号等）；可用 `bangfu ledger template` 生成模板"
    ))])
}

pub(crate) fn header_columns(
    grid: &Grid,
    plan: &Plan,
    kind: LedgerKind,
    row: u32,
    c0: u32,
    c1: u32,
) -> Result<Columns, Vec<LedgerProblem>> {
    let mut problems = Vec::new();
    let mut cols: Vec<(u32, Field, CellType, String)> = Vec::new();
    for col in c0..=c1 {
        let text = match grid.get(row, col) {
            Data::String(s) => s.trim().to_string(),
            Data::Empty => continue,
            other => other.to_string(),
        };
        if text.is_empty() {
            continue;
        }
        match classify(&text, kind, plan) {
            Header::Ignored => {}
            Header::Field(field, ty) => {
                if let Some((other, ..)) = cols.iter().find(|(_, f, ..)| *f == field) {
                    problems.push(LedgerProblem::at(
                        row,
                        col,
                        format!("列“{text}”重复（{} 已有同一列）", cell_name(row, *other)),
                    ));
                } else {
                    cols.push((col, field, ty, canonical_label(kind, plan, field)));
                }
            }
            Header::Refused(message) => problems.push(LedgerProblem::at(row, col, message)),
            Header::Unknown => problems.push(LedgerProblem::at(
                row,
                col,
                format!(
                    "无法识别的列“{text}”（{}）。可用的列：{}",
                    kind.label(),
                    known_headers(kind, plan)
                ),
            )),
        }
    }
    let has = |f: Field| cols.iter().any(|(_, g, ..)| *g == f);
    let mut missing: Vec<String> = specs(kind)
        .iter()
        .filter(|s| s.required && !has(s.field))
        .map(|s| format!("“{}”", s.label))
        .collect();
    if kind == LedgerKind::Transactions && !has(Field::ProjectId) && !has(Field::ProjectName) {
        missing.push("“项目编号”（或“项目名称”）".to_string());
    }
    if !missing.is_empty() {
        problems.push(LedgerProblem {
            row: Some(row + 1),
            cell: None,
            message: format!(
                "{}缺少列：{}（表头在第 {} 行）",
                kind.label(),
                missing.join("、"),
                row + 1
            ),
        });
    }
    if problems.is_empty() {
        Ok(Columns { kind, row, cols })
    } else {
        Err(problems)
    }
}

/// A field's header as the template writes it, used to name it in messages.
pub(crate) fn canonical_label(kind: LedgerKind, plan: &Plan, field: Field) -> String {
    match field {
        Field::Approved(i) => approved_header(&plan.ledger.sources[i].name),
        _ => specs(kind)
            .iter()
            .find(|s| s.field == field)
            .map_or_else(String::new, |s| s.label.to_string()),
    }
}

/// The headers a sheet of `kind` may have, for error messages.
pub(crate) fn known_headers(kind: LedgerKind, plan: &Plan) -> String {
    header_labels(kind, plan).join("、")
}

/// The template's headers, in order.
pub(crate) fn header_labels(kind: LedgerKind, plan: &Plan) -> Vec<String> {
    let mut labels: Vec<String> = specs(kind).iter().map(|s| s.label.to_string()).collect();
    if kind == LedgerKind::Projects {
        let at = labels
            .iter()
            .position(|l| l == "是否用于扶贫")
            .map_or(0, |i| i + 1);
        for (i, s) in plan.ledger.sources.iter().enumerate() {
            labels.insert(at + i, approved_header(&s.name));
        }
    }
    labels
}

pub(crate) fn approved_header(source_name: &str) -> String {
    format!("批复金额-{source_name}（元）")
}
