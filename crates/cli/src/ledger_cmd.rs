//! `bangfu ledger import|template`: the funds ledger from and to spreadsheets.

use anyhow::{bail, Context};
use bangfu_domain::plan::parse_plan;
use bangfu_domain::policy::{allows, Action, Subject};
use bangfu_domain::Plan;
use bangfu_store::{LedgerActor, LedgerStore, PlanStore, SqlStore, StoreError, UserStore};
use bangfu_xlsx::{ledger_template, read_ledger_sheet, LedgerKind, LedgerSheet};
use std::path::Path;
use std::process::ExitCode;

async fn open(db_url: &str) -> anyhow::Result<(SqlStore, Plan)> {
    let store = crate::open::open(db_url).await?;
    let Some(plan) = store.plan().await? else {
        bail!("数据库 {db_url} 中还没有载入方案，先运行 `bangfu init`");
    };
    Ok((store, plan))
}

/// `bangfu ledger template projects|transactions OUT.xlsx`. The template lists the sources and
/// areas of the database's plan when there is one, else of the built-in plan: writing a template
/// needs no database and creates none.
pub async fn template(db_url: &str, kind: &str, out: &Path) -> anyhow::Result<()> {
    let Some(kind) = LedgerKind::parse(kind) else {
        bail!("模板种类“{kind}”无效，应为 projects（援建项目清单）或 transactions（资金流水）");
    };
    let from_db = if database_exists(db_url) {
        open(db_url).await.ok().map(|(_, plan)| plan)
    } else {
        None
    };
    let plan = match from_db {
        Some(plan) => plan,
        None => parse_plan(crate::BUILT_IN_PLAN_NAME, crate::BUILT_IN_PLAN)?,
    };
    let bytes = ledger_template(kind, &plan)?;
    std::fs::write(out, &bytes).with_context(|| format!("无法写入 {}", out.display()))?;
    println!(
        "已写入{}模板 {}（{} 字节）：第 1 行是表头，第 2 行是示例，导入前请替换或删除示例行。",
        kind.label(),
        out.display(),
        bytes.len()
    );
    Ok(())
}

/// A SQLite file that is not there is not created just to write a template.
fn database_exists(db_url: &str) -> bool {
    match db_url.strip_prefix("sqlite://") {
        Some(path) => Path::new(path.split('?').next().unwrap_or(path)).exists(),
        None => true,
    }
}

/// Who records: an active finance or coordinator account. Only the coordinator may override.
async fn actor(store: &SqlStore, plan: &Plan, login: Option<&str>) -> anyhow::Result<LedgerActor> {
    let Some(login) = login.map(str::trim).filter(|l| !l.is_empty()) else {
        bail!("请用 --as 指定登记人的登录名（财务或汇总单位的账号），例如 --as czj-finance");
    };
    let Some(user) = store.user_by_login(login).await? else {
        bail!("用户“{login}”不存在（可用 `bangfu user add` 添加）");
    };
    if !user.active {
        bail!("用户“{login}”已停用，不能登记资金台账");
    }
    let subject = Subject {
        login: &user.login,
        role: user.role,
        unit: user.unit_code.as_deref(),
    };
    if !allows(Some(subject), Action::RecordLedger) {
        bail!(
            "用户“{login}”的角色是{}，无权登记资金台账：只有财务或汇总单位可以",
            user.role.label()
        );
    }
    Ok(LedgerActor {
        login: user.login.clone(),
        may_override: allows(Some(subject), Action::OverrideBudget),
        first_year: plan.info.start_year,
        last_year: plan.info.end_year,
    })
}

/// Prints the preview; writes everything or nothing unless `dry_run`. Problems go to stderr, one
/// per line, each naming its row.
pub async fn import(
    db_url: &str,
    file: &Path,
    login: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let (store, plan) = open(db_url).await?;
    let actor = actor(&store, &plan, login).await?;
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let existing = store.projects().await?;
    let sheet = match read_ledger_sheet(&bytes, &plan, &existing) {
        Ok(sheet) => sheet,
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            return Ok(refused(file, problems.len()));
        }
    };
    preview(&plan, &sheet, &existing);
    let sources: Vec<String> = plan.ledger.sources.iter().map(|s| s.code.clone()).collect();
    if dry_run {
        // Transactions are checked against the ledger's rules in a transaction rolled back.
        if let LedgerSheet::Transactions { drafts, .. } = &sheet {
            match store.check_transactions(drafts, &actor, &sources).await {
                Ok(()) => {}
                Err(StoreError::Rejected(messages)) => {
                    return Ok(rejected(file, &sheet, &messages));
                }
                Err(e) => return Err(e.into()),
            }
        }
        println!("预览完成（--dry-run）：已按台账规则检查，未写入任何数据。");
        return Ok(ExitCode::SUCCESS);
    }
    let written = match &sheet {
        LedgerSheet::Projects { projects, .. } => store.save_projects(projects, &actor.login).await,
        LedgerSheet::Transactions { drafts, .. } => {
            store.record_transactions(drafts, &actor, &sources).await
        }
    };
    let ids = match written {
        Ok(ids) => ids,
        Err(StoreError::Rejected(messages)) => return Ok(rejected(file, &sheet, &messages)),
        Err(e) => return Err(e.into()),
    };
    let ids_text = ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join("、");
    match sheet.kind() {
        LedgerKind::Projects => println!("已导入 {} 个项目，项目编号：{ids_text}", ids.len()),
        LedgerKind::Transactions => println!("已登记 {} 笔交易，交易编号：{ids_text}", ids.len()),
    }
    Ok(ExitCode::SUCCESS)
}

/// The store's refusal of the sheet, each message at its row.
fn rejected(file: &Path, sheet: &LedgerSheet, messages: &[String]) -> ExitCode {
    let located = sheet.locate(messages);
    for m in &located {
        eprintln!("{m}");
    }
    refused(file, located.len())
}

fn refused(file: &Path, count: usize) -> ExitCode {
    eprintln!("{}：{count} 处错误，未导入任何数据。", file.display());
    ExitCode::FAILURE
}

fn preview(plan: &Plan, sheet: &LedgerSheet, existing: &[bangfu_domain::ledger::Project]) {
    for line in sheet.preview_lines(plan, existing) {
        println!("{line}");
    }
}
