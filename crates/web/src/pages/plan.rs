//! `/`: the plan laid out like the document: pairings, tasks with their units and targets, the
//! progress form (附件) with its merged 填报单位 cells, and the reporting schedule.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use bangfu_domain::plan::{Indicator, Plan, Section, Task};

use super::Nav;
use crate::auth::MaybeActor;
use crate::error::AppError;
use crate::AppState;

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage<'a> {
    nav: Nav,
    plan: &'a Plan,
    pairings: Vec<PairingRow>,
    sections: Vec<SectionBlock<'a>>,
    form: Vec<FormRow>,
    periods: Vec<PeriodRow>,
    totals: Vec<TotalRow>,
}

struct PairingRow {
    donor: String,
    area_path: String,
    kind: String,
    note: String,
}

/// A top-level section (一、二、三) with its measures, or its own tasks when it has none.
struct SectionBlock<'a> {
    section: &'a Section,
    measures: Vec<MeasureBlock<'a>>,
}

struct MeasureBlock<'a> {
    /// `None` when tasks hang directly off the top-level section (三).
    measure: Option<&'a Section>,
    tasks: Vec<TaskRow<'a>>,
}

struct TaskRow<'a> {
    task: &'a Task,
    areas: String,
    lead: String,
    cooperating: String,
    targets: Vec<String>,
}

pub(crate) struct FormRow {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub indent: usize,
    pub heading: bool,
    pub district_fills: bool,
    /// The 填报单位 cell on the first row of its merged run, with the run's length.
    pub cell: Option<(String, usize)>,
    /// True for rows covered by a cell that started above (no cell is emitted).
    pub covered: bool,
}

struct PeriodRow {
    label: String,
    deadline: String,
}

struct TotalRow {
    calendar: &'static str,
    unit: String,
    total: String,
    targets: i64,
}

pub async fn show(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
) -> Result<Html<String>, AppError> {
    let plan = &state.plan;
    let totals = state
        .store
        .target_totals()
        .await?
        .into_iter()
        .map(|t| TotalRow {
            calendar: t.calendar.label(),
            unit: t.unit,
            total: t.total.to_string(),
            targets: t.targets,
        })
        .collect();
    let page = PlanPage {
        nav: Nav::for_actor(actor.as_ref()),
        plan,
        pairings: pairing_rows(plan),
        sections: section_blocks(plan),
        form: form_rows(plan),
        periods: plan
            .periods()
            .into_iter()
            .map(|p| PeriodRow {
                label: p.label(),
                deadline: p.deadline.format("%Y年%-m月%-d日").to_string(),
            })
            .collect(),
        totals,
    };
    Ok(Html(page.render()?))
}

/// "内蒙古自治区 乌兰察布市 察右前旗"
fn area_path(plan: &Plan, code: &str) -> String {
    let mut names: Vec<&str> = std::iter::successors(plan.area(code), |a| {
        a.parent.as_deref().and_then(|p| plan.area(p))
    })
    .take(plan.areas.len())
    .map(|a| a.name.as_str())
    .collect();
    names.reverse();
    names.join(" ")
}

fn names(plan: &Plan, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| plan.party_name(c))
        .collect::<Vec<_>>()
        .join("、")
}

fn pairing_rows(plan: &Plan) -> Vec<PairingRow> {
    plan.pairings
        .iter()
        .map(|p| PairingRow {
            donor: plan.party_name(&p.donor).to_string(),
            area_path: area_path(plan, &p.area),
            kind: plan
                .pairing_kinds
                .iter()
                .find(|k| k.code == p.kind)
                .map_or(p.kind.clone(), |k| k.name.clone()),
            note: p.note.clone().unwrap_or_default(),
        })
        .collect()
}

fn task_row<'a>(plan: &'a Plan, task: &'a Task) -> TaskRow<'a> {
    TaskRow {
        task,
        areas: task
            .areas
            .iter()
            .map(|a| plan.area(a).map_or(a.as_str(), |a| a.name.as_str()))
            .collect::<Vec<_>>()
            .join("、"),
        lead: plan.lead_names(task).join("、"),
        cooperating: names(plan, &task.cooperating),
        targets: task
            .targets
            .iter()
            .map(|t| format!("{}（{}）", t.description, t.summary()))
            .collect(),
    }
}

fn section_blocks(plan: &Plan) -> Vec<SectionBlock<'_>> {
    let tasks_of = |code: &str| -> Vec<TaskRow<'_>> {
        plan.tasks
            .iter()
            .filter(|t| t.section == code)
            .map(|t| task_row(plan, t))
            .collect()
    };
    plan.sections
        .iter()
        .filter(|s| s.parent.is_none())
        .map(|top| {
            let mut measures: Vec<MeasureBlock> = plan
                .sections
                .iter()
                .filter(|s| s.parent.as_deref() == Some(top.code.as_str()))
                .map(|m| MeasureBlock {
                    measure: Some(m),
                    tasks: tasks_of(&m.code),
                })
                .collect();
            let direct = tasks_of(&top.code);
            if !direct.is_empty() {
                measures.insert(
                    0,
                    MeasureBlock {
                        measure: None,
                        tasks: direct,
                    },
                );
            }
            SectionBlock {
                section: top,
                measures,
            }
        })
        .collect()
}

/// The form's rows with the 填报单位 column merged over consecutive rows sharing a cell.
pub(crate) fn form_rows(plan: &Plan) -> Vec<FormRow> {
    let rows: &[Indicator] = &plan.indicators;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let starts_run = row.cell.is_some() && (i == 0 || rows[i - 1].cell != row.cell);
        let cell = if starts_run {
            let span = rows[i..].iter().take_while(|r| r.cell == row.cell).count();
            row.cell
                .as_deref()
                .and_then(|c| plan.cell(c))
                .map(|c| (c.text.clone(), span))
        } else {
            None
        };
        out.push(FormRow {
            code: row.code.clone(),
            label: row.label(),
            unit: row.unit.clone().unwrap_or_default(),
            indent: plan.depth(row),
            heading: row.is_heading(),
            district_fills: row.district_fills,
            covered: row.cell.is_some() && !starts_run,
            cell,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let source = include_str!("../../../../plans/daxing-2017-2020.toml");
        bangfu_domain::plan::parse_plan("daxing", source).unwrap()
    }

    #[test]
    fn form_cells_span_their_rows() {
        let plan = plan();
        let rows = form_rows(&plan);
        let funds = rows
            .iter()
            .find(|r| r.label.contains("财政援助资金"))
            .unwrap();
        assert_eq!(funds.cell, Some(("区财政局、开发区投促局".to_string(), 5)));
        let covered = rows.iter().filter(|r| r.covered).count();
        let spanned: usize = rows
            .iter()
            .filter_map(|r| r.cell.as_ref())
            .map(|c| c.1 - 1)
            .sum();
        assert_eq!(covered, spanned);
    }

    #[test]
    fn area_paths_walk_up_the_hierarchy() {
        let plan = plan();
        assert_eq!(area_path(&plan, "cyqq"), "内蒙古自治区 乌兰察布市 察右前旗");
        assert_eq!(
            area_path(&plan, "hayrk"),
            "新疆维吾尔自治区 和田地区 和田县 罕艾日克镇"
        );
    }
}
