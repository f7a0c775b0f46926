//! `/tasks`: the plan's tasks with their lead and cooperating units, filterable, each target with
//! its standing for the year; `/supervision.xlsx`: the 督办 list.

use super::Nav;
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::xlsx_response;
use crate::oversight;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::plan::Task;
use bangfu_domain::policy::Action;
use bangfu_domain::supervision::{behind, evaluate, TargetProgress, TargetStatus};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
pub struct TaskQuery {
    year: Option<String>,
    #[serde(default)]
    section: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: String,
}

struct TargetLine {
    description: String,
    summary: String,
    figures: String,
    status: &'static str,
    status_code: &'static str,
}

struct TaskLine {
    code: String,
    title: String,
    section: String,
    areas: String,
    lead: String,
    cooperating: String,
    /// 牵头 / 配合 for the viewer's own unit.
    my_role: &'static str,
    targets: Vec<TargetLine>,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    nav: Nav,
    year: i32,
    years: Vec<i32>,
    q: TaskQuery,
    sections: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    units: Vec<(String, String)>,
    tasks: Vec<TaskLine>,
    with_status: bool,
    has_unit: bool,
}

fn target_line(p: &TargetProgress, with_status: bool) -> TargetLine {
    TargetLine {
        description: p.description.to_string(),
        summary: p.target.summary(),
        figures: figures(p),
        status: if with_status { p.status.label() } else { "" },
        status_code: p.status.as_str(),
    }
}

/// The lines of one task's targets.
fn target_lines(progress: &[TargetProgress], task: &str, with_status: bool) -> Vec<TargetLine> {
    progress
        .iter()
        .filter(|p| p.task_code == task)
        .map(|p| target_line(p, with_status))
        .collect()
}

/// Display names of units, groups or areas, joined as the document writes them.
fn figures(p: &TargetProgress) -> String {
    let unit = &p.target.unit;
    match (p.actual, p.percent) {
        (Some(a), Some(pct)) => format!("{a} / {} {unit}（{pct}%）", p.required),
        _ => format!("目标 {} {unit}", p.required),
    }
}

/// Whether `unit` leads or cooperates on `task`, directly or through a group.
pub(super) fn role_of(state: &AppState, task: &Task, unit: &str) -> &'static str {
    let names = |codes: &[String]| {
        codes
            .iter()
            .any(|c| state.plan.expand_party(c).contains(&unit))
    };
    if names(&task.lead) {
        "牵头"
    } else if names(&task.cooperating) {
        "配合"
    } else {
        ""
    }
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<TaskQuery>,
) -> Result<Html<String>, AppError> {
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let with_status = actor.may(Action::ViewDistrict);
    let (_, totals) = if with_status {
        oversight::year_totals(&state, year).await?
    } else {
        (None, Default::default())
    };
    let plan = &state.plan;
    let progress = evaluate(
        plan,
        year,
        state.clock.today(),
        &totals,
        &oversight::progress_updates(&state).await?,
    );
    let my_unit = actor.user.unit_code.clone().unwrap_or_default();
    let section_of = |task: &Task| {
        plan.section(&task.section)
            .map(|s| s.parent.clone().unwrap_or_else(|| s.code.clone()))
            .unwrap_or_default()
    };
    let tasks = plan
        .tasks
        .iter()
        .filter(|t| q.section.is_empty() || section_of(t) == q.section)
        .filter(|t| q.area.is_empty() || t.areas.contains(&q.area))
        .filter(|t| {
            q.lead.is_empty()
                || t.lead
                    .iter()
                    .any(|l| plan.expand_party(l).contains(&q.lead.as_str()))
        })
        .filter(|t| q.mine.is_empty() || !role_of(&state, t, &my_unit).is_empty())
        .filter(|t| {
            q.status.is_empty()
                || progress
                    .iter()
                    .any(|p| p.task_code == t.code && p.status.as_str() == q.status)
        })
        .map(|t| TaskLine {
            code: t.code.clone(),
            title: t.title.clone(),
            section: plan.section_label(&t.section),
            areas: plan.joined_names(&t.areas),
            lead: plan.lead_names(t).join("、"),
            cooperating: plan.joined_names(&t.cooperating),
            my_role: role_of(&state, t, &my_unit),
            targets: target_lines(&progress, &t.code, with_status),
        })
        .collect();
    let page = TasksPage {
        nav: Nav::for_actor(Some(&actor)),
        year,
        years: oversight::years(&state),
        sections: plan
            .sections
            .iter()
            .filter(|s| s.parent.is_none())
            .map(|s| (s.code.clone(), format!("{}{}", s.number, s.title)))
            .collect(),
        areas: plan
            .areas
            .iter()
            .filter(|a| plan.tasks.iter().any(|t| t.areas.contains(&a.code)))
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        units: super::unit_choices(plan),
        q,
        tasks,
        with_status,
        has_unit: !my_unit.is_empty(),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct YearOnly {
    year: Option<String>,
}

/// `/supervision.xlsx`: every target behind, the furthest behind first, with its lead unit.
pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearOnly>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewDistrict)?;
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let (_, totals) = oversight::year_totals(&state, year).await?;
    let progress = evaluate(
        &state.plan,
        year,
        state.clock.today(),
        &totals,
        &oversight::progress_updates(&state).await?,
    );
    let rows: Vec<Vec<String>> = behind(&progress)
        .into_iter()
        .map(|p| {
            vec![
                p.task_code.to_string(),
                p.task.title.clone(),
                p.description.to_string(),
                state.plan.lead_names(p.task).join("、"),
                figures(p),
                format!("{} {}", p.expected_by_now, p.target.unit),
                format!("{}%", p.shortfall_percent),
            ]
        })
        .collect();
    let bytes = crate::sheets::off_runtime(move || {
        bangfu_xlsx::table_workbook(
            &format!("{year}年督办清单"),
            &[
                "序号",
                "任务",
                "目标",
                "牵头部门",
                "完成情况",
                "按进度应达到",
                "落后",
            ],
            &[8.0, 30.0, 40.0, 18.0, 22.0, 16.0, 8.0],
            &rows,
        )
        .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    Ok(xlsx_response(&format!("督办清单-{year}.xlsx"), bytes))
}

/// Status of targets for the dashboard: (task code, description, progress).
pub fn status_fill(status: TargetStatus) -> &'static str {
    match status {
        TargetStatus::Done => "#2e7d32",
        TargetStatus::Behind => "#b3261e",
        TargetStatus::InProgress => "#0b57d0",
        TargetStatus::NotStarted | TargetStatus::Unmeasured => "#8c959f",
    }
}

/// The units a task names (lead and cooperating), groups expanded.
fn party_units<'a>(state: &'a AppState, task: &'a Task) -> (Vec<&'a str>, Vec<&'a str>) {
    let expand = |codes: &'a [String]| -> Vec<&'a str> {
        codes
            .iter()
            .flat_map(|c| state.plan.expand_party(c))
            .collect()
    };
    (expand(&task.lead), expand(&task.cooperating))
}

struct UpdateLine {
    period: String,
    unit: String,
    role: &'static str,
    target: String,
    area: String,
    quantity: String,
    note: String,
    by: super::people::Person,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    evidence: Vec<(bangfu_store::TaskEvidence, super::people::Person)>,
    nav: Nav,
    csrf: String,
    year: i32,
    task: Task,
    section: String,
    areas: String,
    lead: String,
    cooperating: String,
    targets: Vec<TargetLine>,
    with_status: bool,
    updates: Vec<UpdateLine>,
    can_record: bool,
    target_options: Vec<(usize, String)>,
    period_options: Vec<(String, String)>,
    area_options: Vec<(String, String)>,
    /// The progress form as typed, when it was refused.
    typed: ProgressForm,
    /// Per field of the progress form, the error to show beside it.
    errors: BTreeMap<&'static str, String>,
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<YearOnly>,
) -> Result<Html<String>, AppError> {
    let task = find_task(&state, &code)?;
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let page = task_page(
        &state,
        &actor,
        task,
        year,
        ProgressForm::default(),
        BTreeMap::new(),
    );
    Ok(Html(page.await?.render()?))
}

fn find_task<'a>(state: &'a AppState, code: &str) -> Result<&'a Task, AppError> {
    state
        .plan
        .tasks
        .iter()
        .find(|t| t.code == code)
        .ok_or(AppError::NotFound)
}

async fn task_page(
    state: &AppState,
    actor: &Actor,
    task: &Task,
    year: i32,
    typed: ProgressForm,
    errors: BTreeMap<&'static str, String>,
) -> Result<TaskPage, AppError> {
    let plan = &state.plan;
    let with_status = actor.may(Action::ViewDistrict);
    // Everyone on the task's page sees each target's total; the rows behind it follow the policy.
    let (_, totals) = oversight::year_totals(state, year).await?;
    let entries = state.store.task_progress().await?;
    // Recorded progress, and the registers' entries for the targets they measure.
    let updates = oversight::progress_updates(state).await?;
    let progress = evaluate(plan, year, state.clock.today(), &totals, &updates);
    let (lead, coop) = party_units(state, task);
    let all_units: Vec<&str> = lead.iter().chain(&coop).copied().collect();
    let today = state.clock.today();
    let people = super::people::People::load(state).await?;
    Ok(TaskPage {
        evidence: state
            .store
            .task_evidence(&task.code)
            .await?
            .into_iter()
            .filter(|e| actor.may(Action::ViewTaskProgress { unit: &e.unit_code }))
            .map(|e| {
                let by = people.person(&e.uploaded_by);
                (e, by)
            })
            .collect(),
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        year,
        section: plan.section_label(&task.section),
        areas: plan.joined_names(&task.areas),
        lead: plan.lead_names(task).join("、"),
        cooperating: plan.joined_names(&task.cooperating),
        targets: target_lines(&progress, &task.code, with_status),
        with_status,
        updates: entries
            .iter()
            .filter(|e| e.update.task == task.code)
            .filter(|e| actor.may(Action::ViewTaskProgress { unit: &e.unit }))
            .map(|e| UpdateLine {
                period: e.update.period.label(),
                unit: plan.party_name(&e.unit).to_string(),
                role: if e.cooperating { "配合" } else { "牵头" },
                target: task
                    .targets
                    .get(e.update.target)
                    .map(|t| t.description.clone())
                    .unwrap_or_default(),
                area: e
                    .update
                    .area
                    .as_deref()
                    .map(|a| plan.party_name(a).to_string())
                    .unwrap_or_default(),
                quantity: e.update.quantity.to_string(),
                note: e.note.clone(),
                by: people.person(&e.recorded_by),
            })
            .collect(),
        can_record: actor.may(Action::RecordTaskProgress { units: &all_units }),
        target_options: task
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.registry.is_none())
            .map(|(i, t)| (i, format!("{}（{}）", t.description, t.unit)))
            .collect(),
        // Newest first: the current quarter is the one chosen unless the user picks another.
        period_options: plan
            .periods()
            .iter()
            .rev()
            .filter(|p| p.starts_on <= today)
            .map(|p| (p.code.to_string(), p.label()))
            .collect(),
        area_options: task
            .areas
            .iter()
            .map(|a| (a.clone(), plan.party_name(a).to_string()))
            .collect(),
        task: task.clone(),
        typed,
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct ProgressForm {
    target: String,
    period: String,
    #[serde(default)]
    area: String,
    quantity: String,
    #[serde(default)]
    note: String,
}

/// `POST /tasks/{code}/progress`. Refused entries show the task page again with each error
/// beside its field and everything typed kept.
pub async fn record(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<ProgressForm>,
) -> Result<Response, AppError> {
    let plan = &state.plan;
    let task = find_task(&state, &code)?;
    let (lead, coop) = party_units(&state, task);
    let all_units: Vec<&str> = lead.iter().chain(&coop).copied().collect();
    actor.require(Action::RecordTaskProgress { units: &all_units })?;
    let unit = actor.user.unit_code.clone().unwrap_or_default();
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    let index = f
        .target
        .parse::<usize>()
        .ok()
        .filter(|i| *i < task.targets.len());
    match index.and_then(|i| task.targets[i].registry.as_ref()) {
        _ if index.is_none() => {
            errors.insert("target", "请选择目标".into());
        }
        // Counted from the register's entries: a figure typed here would never count.
        Some(m) => {
            let name = plan.registry(&m.registry).map_or("", |r| r.name.as_str());
            errors.insert(
                "target",
                format!("该目标由台账“{name}”中的条目自动计算，请在台账中登记，不在此填报"),
            );
        }
        None => {}
    }
    let period = crate::reporting::find_period(&state, &f.period)
        .map_err(|e| errors.insert("period", AppError::from(e).public_message()))
        .ok();
    let area = Some(f.area.trim().to_string()).filter(|a| !a.is_empty());
    match (&area, index.map(|i| &task.targets[i])) {
        (Some(a), _) if !task.areas.contains(a) => {
            errors.insert("area", format!("受援地“{a}”不是本任务的受援地"));
        }
        (None, Some(target)) if target.per_area => {
            errors.insert("area", "该目标按受援地分别计算，请选择受援地".into());
        }
        _ => {}
    }
    let precision = index.map_or(2, |i| plan.precision(&task.targets[i].unit).max(2));
    let quantity = bangfu_domain::Quantity::parse_non_negative(&f.quantity, precision)
        .map_err(|e| errors.insert("quantity", format!("数量：{e}")))
        .ok();
    if let Err(e) = bangfu_domain::report::check_text("进展说明", &f.note, 2000) {
        errors.insert("note", e);
    }
    let (Some(index), Some(period), Some(quantity), true) =
        (index, period, quantity, errors.is_empty())
    else {
        let year = oversight::parse_year(&state, None)?;
        let page = task_page(&state, &actor, task, year, f, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    };
    state
        .store
        .record_progress(
            bangfu_store::TaskProgressEntry {
                update: bangfu_domain::supervision::ProgressUpdate {
                    task: task.code.clone(),
                    target: index,
                    area,
                    period: period.code,
                    quantity,
                },
                cooperating: !lead.contains(&unit.as_str()),
                unit,
                note: f.note.trim().to_string(),
                recorded_by: actor.login().to_string(),
                recorded_at: chrono::Utc::now(),
            },
            actor.login(),
        )
        .await?;
    Ok(super::see_other(&format!(
        "/tasks/{}?year={}",
        task.code,
        period.code.year()
    )))
}

/// `POST /tasks/{code}/evidence`: a 佐证材料 file on the task, by one of its units.
pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let task = state
        .plan
        .tasks
        .iter()
        .find(|t| t.code == code)
        .ok_or(AppError::NotFound)?;
    let (lead, coop) = party_units(&state, task);
    let all_units: Vec<&str> = lead.iter().chain(&coop).copied().collect();
    actor.require(Action::RecordTaskProgress { units: &all_units })?;
    let unit = actor.user.unit_code.clone().unwrap_or_default();
    let stored = match super::evidence::read_evidence(multipart).await {
        Ok(file) => state
            .store
            .add_task_evidence(&task.code, &unit, file, actor.login())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    let Err(e) = stored else {
        return Ok(super::see_other(&format!("/tasks/{}", task.code)));
    };
    // A refused file: the task's page again with the reason beside the file field.
    let (status, problem) = super::evidence::upload_refusal(e)?;
    let year = oversight::parse_year(&state, None)?;
    let errors = BTreeMap::from([("file", problem)]);
    let page = task_page(&state, &actor, task, year, ProgressForm::default(), errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /task-evidence/{id}`: downloads for the task's units and those who see the district.
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let (meta, content) = state
        .store
        .task_evidence_file(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !state.plan.tasks.iter().any(|t| t.code == meta.task_code) {
        return Err(AppError::NotFound);
    }
    actor.require(Action::ViewTaskProgress {
        unit: &meta.unit_code,
    })?;
    Ok(crate::http::Download {
        stem: format!("task-evidence-{id}"),
        file_name: &meta.file_name,
        content_type: meta.content_type,
        content,
        no_store: true,
    }
    .into_response())
}
