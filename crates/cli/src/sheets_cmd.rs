//! `bangfu form export|import` and `bangfu tasks export`.

use anyhow::{bail, Context};
use bangfu_app::sheets;
use bangfu_app::Context as UseCases;
use bangfu_domain::plan::ValueBasis;
use bangfu_store::PlanStore;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub(crate) async fn state(db_url: &str) -> anyhow::Result<UseCases> {
    let store = crate::open::open(db_url).await?;
    let Some(plan) = store.plan().await? else {
        bail!("数据库 {db_url} 中还没有载入方案，先运行 `bangfu init`");
    };
    Ok(UseCases::new(Arc::new(store), Arc::new(plan)))
}

fn basis(text: Option<&str>, state: &UseCases) -> anyhow::Result<ValueBasis> {
    match text {
        None => Ok(state.plan.schedule.basis),
        Some(b) => ValueBasis::parse(b)
            .with_context(|| format!("--basis “{b}”无效，应为 ytd（累计）或 quarter（本季度）")),
    }
}

fn write(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
    println!("已写入 {}（{} 字节）", out.display(), bytes.len());
    Ok(())
}

pub async fn export_form(
    db_url: &str,
    period: &str,
    unit: Option<&str>,
    basis_text: Option<&str>,
    scope: bangfu_domain::summary::ReportScope,
    out: &Path,
) -> anyhow::Result<()> {
    let state = state(db_url).await?;
    let basis = basis(basis_text, &state)?;
    let sheets = match unit {
        Some(u) => vec![sheets::unit_sheet(&state, period, u, basis).await?],
        None => {
            let today = state.clock.today().format("%Y-%m-%d").to_string();
            sheets::district_sheets(&state, period, basis, scope, true, ("", ""), &today).await?
        }
    };
    write(out, &sheets::form_bytes(&state, sheets).await?)
}

pub async fn export_tasks(db_url: &str, out: &Path) -> anyhow::Result<()> {
    let state = state(db_url).await?;
    write(out, &sheets::tasks_bytes(&state, true).await?)
}

/// Prints the preview; applies it unless `dry_run`. Errors go to stderr, one per line.
pub async fn import_form(
    db_url: &str,
    file: &Path,
    period: &str,
    unit: &str,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let state = state(db_url).await?;
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import.xlsx".into());
    let preview = sheets::preview_import(&state, period, unit, &name, &bytes).await?;
    for c in &preview.changes {
        let show = |v: Option<bangfu_domain::Quantity>| {
            v.map_or("（空）".to_string(), |q| q.to_string())
        };
        println!("{} {}：{} → {}", c.cell, c.label, show(c.old), show(c.new));
    }
    for w in &preview.warnings {
        println!("提示：{}", w.message);
    }
    if !preview.ok() {
        for e in &preview.errors {
            eprintln!("{}", e.message);
        }
        eprintln!(
            "{}：{} 处错误，未导入任何数据。",
            file.display(),
            preview.errors.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    if dry_run {
        println!(
            "预览完成：{} 处修改（--dry-run，未写入）。",
            preview.changes.len()
        );
    } else {
        let changes = preview.changes.len();
        sheets::apply_import(&state, period, unit, preview, bytes, "cli", "").await?;
        println!("已导入：{changes} 处修改；文件已作为佐证材料保存。");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn assess(db_url: &str, year: i32, json: bool) -> anyhow::Result<()> {
    let state = state(db_url).await?;
    let year = bangfu_app::oversight::parse_year(&state, Some(&year.to_string()))?;
    let rows = bangfu_app::oversight::assessments(&state, year).await?;
    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|a| serde_json::json!({"unit": a.unit.code, "name": a.unit.name, "total": a.score.total.normalize().to_string(), "parts": a.score.parts, "comment": a.comment}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"year": year, "units": out}))?
        );
    } else {
        println!("{year}年考核（{} 个单位）", rows.len());
        for a in rows {
            println!("{} {}", a.unit.name, a.score.total.normalize());
            for p in &a.score.parts {
                println!(
                    "    {}：{} / {}（{}）",
                    p.name,
                    p.points.normalize(),
                    p.max.normalize(),
                    p.reason
                );
            }
        }
    }
    Ok(())
}
