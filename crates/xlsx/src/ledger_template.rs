//! Blank ledger workbooks for people to fill in Excel, with an example row and the accepted values.

use crate::ledger_columns::{approved_header, header_labels, source_names};
use crate::ledger_import::LedgerKind;
use crate::ExportError;
use bangfu_domain::ledger::{ProjectStatus, Sector, TxKind};
use bangfu_domain::plan::Plan;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, Workbook};

/// A blank workbook of `kind` for people to fill in Excel: the header row, one example row (valid
/// for `plan`, to be replaced) and a sheet 填写说明 listing the accepted values.
pub fn ledger_template(kind: LedgerKind, plan: &Plan) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let yuan = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let year = plan.info.start_year as u16;
    let example = example_project(plan);
    let ws = wb.add_worksheet();
    ws.set_name(kind.label())?;
    let headers = header_labels(kind, plan);
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        ws.write_with_format(0, c, h.as_str(), &head)?;
        ws.set_column_width(c, (h.chars().count() as f64 * 2.2).max(12.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    let col_of = |label: &str| headers.iter().position(|h| h == label).map(|c| c as u16);
    let mut put_text = |label: &str, value: &str| -> Result<(), ExportError> {
        if let Some(c) = col_of(label) {
            ws.write_with_format(1, c, value, &text)?;
        }
        Ok(())
    };
    match kind {
        LedgerKind::Projects => {
            put_text("项目名称", &example.name)?;
            put_text("受援地", &example.area)?;
            put_text("行业", Sector::Education.label())?;
            put_text("实施单位", &example.unit)?;
            put_text("是否用于扶贫", "是")?;
            put_text("状态", ProjectStatus::InProgress.label())?;
            put_text("关联任务", &example.task)?;
            put_text("备注", "示例行：导入前请替换或删除")?;
        }
        LedgerKind::Transactions => {
            put_text("类型", TxKind::Allocation.label())?;
            put_text("资金来源", &example.source)?;
            put_text("项目名称", &example.name)?;
            put_text("凭证号", "记-001")?;
            put_text("备注", "示例行：导入前请替换或删除")?;
        }
    }
    let dates: &[(&str, u8, u8)] = match kind {
        LedgerKind::Projects => &[
            ("计划开工日期", 3, 1),
            ("计划完工日期", 12, 31),
            ("实际开工日期", 3, 15),
        ],
        LedgerKind::Transactions => &[("日期", 4, 1)],
    };
    for (label, m, d) in dates {
        if let Some(c) = col_of(label) {
            ws.write_datetime_with_format(1, c, ExcelDateTime::from_ymd(year, *m, *d)?, &date)?;
        }
    }
    let amount_col = match kind {
        LedgerKind::Projects => col_of(&approved_header(&example.source)),
        LedgerKind::Transactions => col_of("金额（元）"),
    };
    let amount = match kind {
        LedgerKind::Projects => 1_000_000.0,
        LedgerKind::Transactions => 500_000.0,
    };
    if let Some(c) = amount_col {
        ws.write_number_with_format(1, c, amount, &yuan)?;
    }
    if let Some(c) = col_of("帮助脱贫数（人）") {
        ws.write_number(1, c, 120.0)?;
    }
    // Empty rows below take the same formats, so that typed 凭证号 stay text and amounts money.
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        if h.ends_with("（元）") {
            ws.set_column_format(c, &yuan)?;
        } else if h.ends_with("日期") {
            ws.set_column_format(c, &date)?;
        } else if matches!(h.as_str(), "凭证号" | "关联任务" | "项目名称" | "备注") {
            ws.set_column_format(c, &text)?;
        }
    }
    write_instructions(&mut wb, kind, plan, &head)?;
    Ok(wb.save_to_buffer()?)
}

struct Example {
    name: String,
    area: String,
    unit: String,
    source: String,
    task: String,
}

fn example_project(plan: &Plan) -> Example {
    let area = plan
        .pairings
        .first()
        .map(|p| plan.area_name(&p.area).to_string())
        .unwrap_or_default();
    Example {
        name: format!("{area}某小学教学楼援建（示例）"),
        unit: plan
            .units
            .first()
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        source: plan
            .ledger
            .sources
            .first()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        task: plan
            .tasks
            .first()
            .map(|t| t.code.clone())
            .unwrap_or_default(),
        area,
    }
}

fn write_instructions(
    wb: &mut Workbook,
    kind: LedgerKind,
    plan: &Plan,
    head: &Format,
) -> Result<(), ExportError> {
    let mut areas: Vec<&str> = Vec::new();
    for p in &plan.pairings {
        let name = plan.area_name(&p.area);
        if !areas.contains(&name) {
            areas.push(name);
        }
    }
    let lines: Vec<(&str, String)> = match kind {
        LedgerKind::Projects => vec![
            ("项目名称", "必填".into()),
            ("受援地", format!("必填，结对受援地：{}", areas.join("、"))),
            ("行业", format!("必填，可选：{}", Sector::labels())),
            ("实施单位", "必填，方案中的单位名称或代码".into()),
            ("是否用于扶贫", "是 或 否（空白为否）".into()),
            (
                "批复金额-…（元）",
                format!(
                    "每个资金来源一列，单位为元，精确到分；不用的来源留空。资金来源：{}",
                    source_names(plan)
                ),
            ),
            ("…日期", "日期，例如 2018-06-30、2018/6/30 或 2018年6月30日".into()),
            (
                "状态",
                format!(
                    "可选：{}（空白为计划）；实施中须填实际开工日期，已完工、已验收须填实际完工日期",
                    ProjectStatus::labels()
                ),
            ),
            ("帮助脱贫数（人）", "不小于 0 的整数".into()),
            ("关联任务", "任务编号，多个用顿号或逗号分隔".into()),
            ("备注", "可空".into()),
        ],
        LedgerKind::Transactions => vec![
            ("日期", "必填，例如 2018-06-30，须在方案年度内".into()),
            ("类型", format!("必填，可选：{}", TxKind::labels())),
            ("金额（元）", "必填，单位为元，精确到分".into()),
            ("资金来源", format!("必填，可选：{}", source_names(plan))),
            (
                "项目编号 / 项目名称",
                "填写其一：项目编号，或已导入项目的名称（名称重复时请填编号）".into(),
            ),
            ("凭证号", "可空".into()),
            ("备注", "可空".into()),
            (
                "超预算说明",
                "只有汇总单位可超预算下达，须填写说明；其余情况留空".into(),
            ),
        ],
    };
    let ws = wb.add_worksheet();
    ws.set_name("填写说明")?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 90)?;
    ws.write_with_format(0, 0, "列", head)?;
    ws.write_with_format(0, 1, "填写要求", head)?;
    for (i, (label, note)) in lines.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, *label)?;
        ws.write(r, 1, note.as_str())?;
    }
    let r = lines.len() as u32 + 2;
    ws.write(
        r,
        0,
        "第一个工作表的第 1 行是表头，第 2 行是示例，导入前请替换或删除示例行。整张表全部无误才会导入。",
    )?;
    Ok(())
}
