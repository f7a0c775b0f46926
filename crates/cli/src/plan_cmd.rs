//! `bangfu plan check` and `bangfu plan show`.

use bangfu_domain::plan::view::PlanView;
use bangfu_domain::plan::{parse_plan, Plan};
use bangfu_store::PlanStore;
use std::path::Path;
use std::process::ExitCode;

pub fn check(file: &Path) -> ExitCode {
    let name = file.display().to_string();
    let source = match std::fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{name}: 无法读取文件：{e}");
            return ExitCode::FAILURE;
        }
    };
    match parse_plan(&name, &source) {
        Ok(plan) => {
            println!("{name}: 方案有效。{}", summary(&plan));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!(
                "{name}: 发现 {} 处错误，方案未通过检查。",
                errors.errors.len()
            );
            ExitCode::FAILURE
        }
    }
}

fn summary(plan: &Plan) -> String {
    let targets: usize = plan.tasks.iter().map(|t| t.targets.len()).sum();
    format!(
        "单位 {} 个，单位组 {} 个，受援地 {} 个，结对关系 {} 个，任务 {} 项，目标 {} 个，\
         进展情况表 {} 行，校验规则 {} 条，报送期 {} 个（{}–{}）",
        plan.units.len(),
        plan.groups.len(),
        plan.areas.len(),
        plan.pairings.len(),
        plan.tasks.len(),
        targets,
        plan.indicators.len(),
        plan.rules.len(),
        plan.periods().len(),
        plan.schedule.first,
        plan.schedule.last,
    )
}

pub async fn show(db_url: &str, json: bool) -> anyhow::Result<ExitCode> {
    let store = crate::open::open(db_url).await?;
    let Some(plan) = store.plan().await? else {
        eprintln!(
            "数据库 {db_url} 中还没有载入方案。先运行 `bangfu init`（或 `bangfu serve`）载入内置方案，\
             或用 `bangfu init --plan 文件` 载入自己的方案。"
        );
        return Ok(ExitCode::FAILURE);
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&PlanView::new(&plan))?);
    } else {
        print!("{}", text(&plan));
    }
    Ok(ExitCode::SUCCESS)
}

/// A plain-text rendering for a terminal.
fn text(plan: &Plan) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{}（{}）", plan.info.title, plan.info.document_number);
    let _ = writeln!(out, "{}\n", summary(plan));
    let _ = writeln!(out, "单位：");
    for u in plan.units_sorted() {
        let aliases = if u.aliases.is_empty() {
            String::new()
        } else {
            format!("（又称 {}）", u.aliases.join("、"))
        };
        let _ = writeln!(out, "  {:<10} {}{}", u.code, u.name, aliases);
    }
    let _ = writeln!(out, "\n结对关系：");
    for p in &plan.pairings {
        let _ = writeln!(
            out,
            "  {} → {}（{}）",
            plan.party_name(&p.donor),
            plan.party_name(&p.area),
            plan.pairing_kinds
                .iter()
                .find(|k| k.code == p.kind)
                .map_or(p.kind.as_str(), |k| k.name.as_str())
        );
    }
    let _ = writeln!(out, "\n任务：");
    for t in &plan.tasks {
        let _ = writeln!(out, "  [{}] {}", t.code, t.title);
        let _ = writeln!(out, "      牵头部门：{}", plan.lead_names(t).join("、"));
        if !t.cooperating.is_empty() {
            let names: Vec<&str> = t.cooperating.iter().map(|c| plan.party_name(c)).collect();
            let _ = writeln!(out, "      配合部门：{}", names.join("、"));
        }
        for g in &t.targets {
            let _ = writeln!(out, "      目标：{}（{}）", g.description, g.summary());
        }
    }
    let _ = writeln!(out, "\n{}：", plan.info.form_title);
    for i in &plan.indicators {
        let indent = "  ".repeat(plan.depth(i) + 1);
        let units: Vec<&str> = plan
            .responsible_units(i)
            .iter()
            .map(|u| u.name.as_str())
            .collect();
        let who = if !i.district_fills {
            "市级部门填报".to_string()
        } else {
            units.join("、")
        };
        let _ = writeln!(
            out,
            "{indent}{} {}{}",
            i.label(),
            i.unit.as_deref().unwrap_or(""),
            if who.is_empty() {
                String::new()
            } else {
                format!("  —— {who}")
            }
        );
    }
    let _ = writeln!(out, "\n报送期：");
    for p in plan.periods() {
        let _ = writeln!(out, "  {} {} 截止 {}", p.code, p.label(), p.deadline);
    }
    out
}
