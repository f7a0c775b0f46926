//! `/reports/{period}/{unit}`: one unit's report laid out like the paper form, with saving,
//! submitting, review by the coordinator, evidence files and the report's history.

use super::plan::form_rows;
use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::pages::audit::AuditLine;
use crate::reporting::{self, LoadedReport};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::period::DeadlineStatus;
use bangfu_domain::policy::Action;
use bangfu_domain::report::{
    check_report, CheckMode, Finding, Narrative, RawEntry, ReportStatus, Severity, WorkflowAction,
};
use bangfu_domain::summary::Completeness;
use bangfu_store::AuditFilter;
use bangfu_store::StoredReport;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    nav: Nav,
    csrf: String,
    form_title: String,
    period_code: String,
    period_label: String,
    unit_code: String,
    unit_name: String,
    status: ReportStatus,
    /// The status in the words 报送情况 uses: 未填报 / 缺报 until something is saved.
    status_word: &'static str,
    version: i64,
    deadline: String,
    deadline_status: String,
    overdue: bool,
    late: bool,
    reporter_name: String,
    reporter_phone: String,
    submitted_at: String,
    return_reason: Option<String>,
    rows: Vec<EntryRow>,
    narrative: Narrative,
    can_edit: bool,
    /// Evidence may be added (until approval), also after 报送.
    can_attach: bool,
    /// What the figures are: 年初至本季度末累计数 or 本季度数, from the plan.
    basis: &'static str,
    can_review: bool,
    /// The next report waiting for review (address, "2018年第一季度 区民政局"), for the reviewer.
    next_review: Option<(String, String)>,
    message: Option<&'static str>,
    problem: Option<String>,
    /// Why a 佐证材料 file was refused: shown beside the file field.
    evidence_problem: Option<String>,
    findings: Vec<(bool, String)>,
    events: Vec<EventRow>,
    evidence: Vec<EvidenceRow>,
    changes: Vec<AuditLine>,
    /// Sentences of 存在问题 the coordinator can turn into tracked problems.
    problem_sentences: Vec<String>,
}

struct EntryRow {
    code: String,
    label: String,
    indent: usize,
    heading: bool,
    unit: String,
    city_only: bool,
    /// The unit fills this row.
    own: bool,
    value: String,
    comment: String,
    flagged: bool,
    cell: Option<(String, usize)>,
    covered: bool,
    /// The funds ledger's figure for this row, for the units that report it.
    ledger_hint: String,
    /// The figure the unit's register (台账) gives this row, and where its entries are listed.
    register: Option<RegisterHint>,
}

struct RegisterHint {
    value: String,
    entries: i64,
    link: String,
}

struct EventRow {
    at: String,
    actor: String,
    action: &'static str,
    change: String,
    reason: String,
}

struct EvidenceRow {
    id: i64,
    name: String,
    size: String,
    uploaded_by: super::people::Person,
    at: String,
    /// The person looking uploaded it and the report is not approved: a 删除 button.
    removable: bool,
}

fn status_label(code: &str) -> &'static str {
    ReportStatus::parse(code).map_or("-", |s| s.label())
}

/// What went wrong, and where the page says it: at the top (a save, a conflict) or beside the
/// 佐证材料 file field.
#[derive(Clone)]
pub(super) enum Problem {
    Top(String),
    Evidence(String),
}

impl Problem {
    fn top(self) -> Option<String> {
        match self {
            Problem::Top(text) => Some(text),
            Problem::Evidence(_) => None,
        }
    }

    fn evidence(self) -> Option<String> {
        match self {
            Problem::Evidence(text) => Some(text),
            Problem::Top(_) => None,
        }
    }
}

/// Values as typed, when a rejected form is shown again.
type Typed = HashMap<String, (String, String)>;

pub(super) async fn render(
    state: &AppState,
    actor: &Actor,
    report: &LoadedReport,
    typed: Option<&Typed>,
    findings: &[Finding],
    message: Option<&'static str>,
    problem: Option<Problem>,
) -> Result<String, AppError> {
    let people = super::people::People::load(state).await?;
    let changes = report_changes(state, report, &people).await?;
    // A row not filled yet starts from the register, for the one who fills it.
    let prefill = actor.may(Action::EditReport {
        unit: &report.unit.code,
    }) && report.status().editable();
    let rows = entry_rows(state, report, typed, findings, prefill).await?;
    let plan = &state.plan;
    let unit = &report.unit.code;
    let stored = report.stored.as_ref();
    let submitted = stored.filter(|r| r.submitted_at.is_some());
    let deadline_status = report.period.deadline_status(state.clock.today());
    let may_edit = actor.may(Action::EditReport { unit });
    let page = ReportPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        form_title: plan.info.form_title.clone(),
        period_code: report.period.code.to_string(),
        period_label: report.period.label(),
        unit_code: unit.clone(),
        unit_name: report.unit.name.clone(),
        status: report.status(),
        // A draft or nothing saved reads as on /home and 报送情况: 未填报, 草稿, 缺报 once overdue.
        status_word: match stored {
            Some(r) if r.status != ReportStatus::Draft => r.status.label(),
            _ => Completeness::of(stored.map(|r| r.status), false, deadline_status).label(),
        },
        version: report.version(),
        deadline: report.period.deadline.format("%Y年%-m月%-d日").to_string(),
        deadline_status: deadline_status.to_string(),
        overdue: matches!(deadline_status, DeadlineStatus::Overdue(_)),
        late: report.late(),
        reporter_name: submitted.map_or(actor_name_if_editor(actor, unit), |r| {
            r.reporter_name.clone()
        }),
        reporter_phone: submitted.map_or(actor_phone_if_editor(actor, unit), |r| {
            r.reporter_phone.clone()
        }),
        submitted_at: stored
            .and_then(|r| r.submitted_at)
            .map(beijing_time)
            .unwrap_or_default(),
        return_reason: report.return_reason(),
        rows,
        narrative: typed_narrative(
            typed,
            stored.map(|r| r.narrative.clone()).unwrap_or_default(),
        ),
        can_edit: may_edit && report.status().editable(),
        can_attach: may_edit && bangfu_domain::evidence::report_takes_evidence(report.status()),
        basis: plan.schedule.basis.label(),
        can_review: actor.may(Action::ReviewReport),
        next_review: if actor.may(Action::ReviewReport) {
            next_waiting(state, report).await?
        } else {
            None
        },
        message,
        problem: problem.clone().and_then(Problem::top),
        evidence_problem: problem.and_then(Problem::evidence),
        findings: findings
            .iter()
            .map(|f| (f.severity == Severity::Error, f.message.clone()))
            .collect(),
        events: stored.map(|s| event_rows(s, &people)).unwrap_or_default(),
        evidence: stored
            .map(|r| evidence_rows(r, may_edit.then(|| actor.login()), &people))
            .unwrap_or_default(),
        changes,
        problem_sentences: if actor.may(Action::RaiseProblem) {
            bangfu_domain::problem::sentences(
                &stored
                    .map(|r| r.narrative.problems.clone())
                    .unwrap_or_default(),
            )
        } else {
            Vec::new()
        },
    };
    Ok(page.render()?)
}

/// The next submitted report after this one (by period, then the plan's unit order), wrapping
/// around to the first: the reviewer goes from one to the next without the list.
async fn next_waiting(
    state: &AppState,
    report: &LoadedReport,
) -> Result<Option<(String, String)>, AppError> {
    // The plan's unit order by code: the district holds 40 × 500 reports at scale, so no scan
    // of the unit list per report.
    let order: std::collections::HashMap<&str, usize> = state
        .plan
        .units_sorted()
        .into_iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let rank = |period: &str, unit: &str| {
        let at = order.get(unit).copied().unwrap_or(usize::MAX);
        (period.to_string(), at)
    };
    let here = rank(&report.period.code.to_string(), &report.unit.code);
    let mut waiting: Vec<_> = state
        .store
        .reports_in_status(ReportStatus::Submitted.as_str())
        .await?
        .into_iter()
        .map(|s| (rank(&s.0, &s.1), s))
        .filter(|(r, _)| *r != here)
        .collect();
    waiting.sort_by(|a, b| a.0.cmp(&b.0));
    let next = waiting
        .iter()
        .find(|(r, _)| *r > here)
        .or(waiting.first())
        .map(|(_, s)| s);
    Ok(next.map(|(period, unit)| {
        let label = reporting::find_period(state, period)
            .map(|p| p.label())
            .unwrap_or_else(|_| period.clone());
        (
            format!("/reports/{period}/{unit}#review"),
            format!("{label} {}", state.plan.party_name(unit)),
        )
    }))
}

/// Who changed each value, and when: the report's entries in the audit log.
async fn report_changes(
    state: &AppState,
    report: &LoadedReport,
    people: &super::people::People,
) -> Result<Vec<AuditLine>, AppError> {
    let prefix = format!("{}/{}", report.period.code, report.unit.code);
    Ok(state
        .store
        .search_audit(&AuditFilter {
            // The report's own key: a save's one entry lists its values (listed one per line).
            key_like: format!("{prefix}%"),
            limit: 200,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|e| e.entity_key.starts_with(&format!("{prefix}/")))
        .map(|e| {
            let mut line = AuditLine::from(e);
            line.actor = people.name(&line.actor);
            let row = line.key.rsplit('/').next().unwrap_or("").to_string();
            line.key = state
                .plan
                .indicator(&row)
                .map_or(row, |i| state.plan.row_ref(i));
            line
        })
        .collect())
}

/// The form's rows: what was typed (when shown again) or stored, with the ledger's figures.
async fn entry_rows(
    state: &AppState,
    report: &LoadedReport,
    typed: Option<&Typed>,
    findings: &[Finding],
    prefill: bool,
) -> Result<Vec<EntryRow>, AppError> {
    let plan = &state.plan;
    let own: Vec<String> = plan
        .indicators_for_unit(&report.unit.code)
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let entries = report.entries();
    let flagged: Vec<&str> = findings.iter().map(|f| f.indicator.as_str()).collect();
    let ledger_rows = ledger_figures(state, &report.period, &own).await?;
    let computed =
        bangfu_app::registries::computed(state, &report.period, &report.unit.code).await?;
    Ok(form_rows(plan)
        .into_iter()
        .map(|r| {
            let figure = computed.iter().find(|c| c.indicator == r.code);
            let (mut value, comment) = match typed.and_then(|t| t.get(&r.code)) {
                Some((v, c)) => (v.clone(), c.clone()),
                None => entries
                    .get(&r.code)
                    .map_or((String::new(), String::new()), |e| {
                        (
                            e.value.map(|v| v.to_string()).unwrap_or_default(),
                            e.comment.clone(),
                        )
                    }),
            };
            // A row not filled yet starts from the register the unit keeps.
            if let (true, Some(f)) = (prefill && value.is_empty() && typed.is_none(), figure) {
                if f.kept {
                    value = f.value.to_string();
                }
            }
            EntryRow {
                register: figure.map(|f| RegisterHint {
                    value: f.value.to_string(),
                    entries: f.entries,
                    link: format!(
                        "/registries/{}?unit={}&indicator={}&period={}",
                        f.registry, report.unit.code, f.indicator, report.period.code
                    ),
                }),
                ledger_hint: ledger_rows.get(&r.code).cloned().unwrap_or_default(),
                own: own.contains(&r.code),
                flagged: flagged.contains(&r.code.as_str()),
                code: r.code,
                label: r.label,
                indent: r.indent,
                heading: r.heading,
                unit: r.unit,
                city_only: !r.district_fills,
                value,
                comment,
                cell: r.cell,
                covered: r.covered,
            }
        })
        .collect())
}

/// The report's workflow history.
fn event_rows(stored: &StoredReport, people: &super::people::People) -> Vec<EventRow> {
    stored
        .events
        .iter()
        .map(|e| EventRow {
            at: beijing_time(e.occurred_at),
            actor: people.name(&e.actor),
            action: WorkflowAction::parse(&e.action).map_or("-", |a| a.label()),
            change: format!(
                "{} → {}",
                status_label(&e.from_status),
                status_label(&e.to_status)
            ),
            reason: e.reason.clone(),
        })
        .collect()
}

/// The report's evidence files.
fn evidence_rows(
    stored: &StoredReport,
    viewer: Option<&str>,
    people: &super::people::People,
) -> Vec<EvidenceRow> {
    let status = stored.status;
    stored
        .evidence
        .iter()
        .map(|e| EvidenceRow {
            id: e.id,
            name: e.file_name.clone(),
            size: crate::http::file_size(e.size_bytes),
            uploaded_by: people.person(&e.uploaded_by),
            at: beijing_time(e.uploaded_at),
            removable: viewer.is_some_and(|login| {
                bangfu_domain::evidence::may_remove_evidence(status, &e.uploaded_by, login).is_ok()
            }),
        })
        .collect()
}

/// Before submission the header shows the person filling the form, from their profile.
fn actor_name_if_editor(actor: &Actor, unit: &str) -> String {
    if actor.may(Action::EditReport { unit }) {
        actor.user.display_name.clone()
    } else {
        String::new()
    }
}

fn actor_phone_if_editor(actor: &Actor, unit: &str) -> String {
    if actor.may(Action::EditReport { unit }) {
        actor.user.phone.clone()
    } else {
        String::new()
    }
}

fn typed_narrative(typed: Option<&Typed>, stored: Narrative) -> Narrative {
    match typed {
        Some(t) => Narrative {
            progress: t.get("progress").map_or(stored.progress, |v| v.0.clone()),
            problems: t.get("problems").map_or(stored.problems, |v| v.0.clone()),
            next_steps: t
                .get("next_steps")
                .map_or(stored.next_steps, |v| v.0.clone()),
        },
        None => stored,
    }
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((period, unit)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    let report = reporting::load(&state, &actor, &period, &unit).await?;
    // Warnings (such as a year-to-date decrease) stay visible until explained, and the reviewer
    // sees the same ones the reporter saw.
    let findings = if report.status() != ReportStatus::Approved && report.stored.is_some() {
        let previous = reporting::previous_values(&state, &report.period, &unit).await?;
        let mut findings = check_report(
            &state.plan,
            &unit,
            &report.entries(),
            &previous,
            CheckMode::Save,
        );
        // A figure other than the register's, not explained: the reviewer sees it too.
        let computed =
            bangfu_app::registries::computed(&state, &report.period, &report.unit.code).await?;
        findings.extend(bangfu_domain::registry::check_against_registers(
            &state.plan,
            &report.entries(),
            &computed,
            CheckMode::Save,
        ));
        findings
    } else {
        Vec::new()
    };
    Ok(Html(
        render(
            &state,
            &actor,
            &report,
            None,
            &findings,
            flash(q.msg.as_deref()),
            None,
        )
        .await?,
    ))
}

pub(super) fn report_url(period: &str, unit: &str, msg: &str) -> String {
    format!("/reports/{period}/{unit}?msg={msg}")
}

/// The report form as posted: the unit's entries and narrative, and the same as typed.
struct SaveForm {
    version: Option<i64>,
    submit: bool,
    raw: Vec<RawEntry>,
    narrative: Narrative,
    typed: Typed,
}

impl SaveForm {
    fn parse(plan: &bangfu_domain::Plan, unit: &str, fields: &[(String, String)]) -> SaveForm {
        let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
        let version: Option<i64> = get("version").and_then(|v| v.parse().ok());
        let submit = get("intent").as_deref() == Some("submit");
        let mut typed: Typed = HashMap::new();
        let raw: Vec<RawEntry> = plan
            .indicators_for_unit(unit)
            .iter()
            .filter_map(|i| {
                let value = get(&format!("v.{}", i.code))?;
                let comment = get(&format!("c.{}", i.code)).unwrap_or_default();
                typed.insert(i.code.clone(), (value.clone(), comment.clone()));
                Some(RawEntry {
                    indicator: i.code.clone(),
                    value: Some(value),
                    comment: Some(comment),
                })
            })
            .collect();
        let narrative = Narrative {
            progress: get("progress").unwrap_or_default(),
            problems: get("problems").unwrap_or_default(),
            next_steps: get("next_steps").unwrap_or_default(),
        };
        for (k, v) in [
            ("progress", &narrative.progress),
            ("problems", &narrative.problems),
            ("next_steps", &narrative.next_steps),
        ] {
            typed.insert(k.to_string(), (v.clone(), String::new()));
        }
        SaveForm {
            version,
            submit,
            raw,
            narrative,
            typed,
        }
    }
}

pub async fn save(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((period, unit)): PathParams<(String, String)>,
    FormBody(fields): FormBody<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let SaveForm {
        version,
        submit,
        raw,
        narrative,
        typed,
    } = SaveForm::parse(&state.plan, &unit, &fields);
    let typed = &typed;
    match reporting::save(
        &state,
        &actor,
        &period,
        &unit,
        &raw,
        Some(narrative),
        version,
    )
    .await
    .map_err(AppError::from)
    {
        Err(AppError::Validation(findings)) => {
            let report = reporting::load(&state, &actor, &period, &unit).await?;
            let problem = "未保存：请按提示改正后再保存。";
            rejected(&state, &actor, &report, &findings, problem, Some(typed)).await
        }
        Err(AppError::Store(bangfu_store::StoreError::VersionConflict { expected, current })) => {
            let report = reporting::load(&state, &actor, &period, &unit).await?;
            let problem = format!(
                "未保存：在您编辑期间，其他人保存了本报表（第 {expected} 版 → 第 {current} 版）。{}请核对后再次保存。",
                conflict_differences(&state.plan, &report, typed)
            );
            let html = render(
                &state,
                &actor,
                &report,
                Some(typed),
                &[],
                None,
                Some(Problem::Top(problem)),
            )
            .await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e),
        Ok(saved) if submit => submit_saved(&state, &actor, &period, &unit, saved.version).await,
        Ok(_) => Ok(see_other(&report_url(&period, &unit, "saved"))),
    }
}

/// Someone saved in between: what they changed against what this person typed, as a sentence
/// (empty when nothing differs).
fn conflict_differences(
    plan: &bangfu_domain::Plan,
    report: &LoadedReport,
    typed: &Typed,
) -> String {
    let stored = report.entries();
    let differences: Vec<String> = typed
        .iter()
        .filter_map(|(code, (value, _))| {
            let theirs = stored.get(code).and_then(|e| e.value);
            let mine: Option<bangfu_domain::Quantity> = value.trim().parse().ok();
            let row = plan.indicator(code)?;
            (theirs != mine && (theirs.is_some() || mine.is_some())).then(|| {
                format!(
                    "{}：现为 {}（您填写的是 {}）",
                    plan.row_ref(row),
                    theirs.map_or("空".to_string(), |v| v.to_string()),
                    if value.trim().is_empty() {
                        "空"
                    } else {
                        value.trim()
                    }
                )
            })
        })
        .collect();
    if differences.is_empty() {
        String::new()
    } else {
        format!("对方修改后的数据：{}。", differences.join("；"))
    }
}

/// Submits the report just saved as `version`; refused checks show the form again.
async fn submit_saved(
    state: &AppState,
    actor: &Actor,
    period: &str,
    unit: &str,
    version: i64,
) -> Result<Response, AppError> {
    match reporting::transition(
        state,
        actor,
        period,
        unit,
        WorkflowAction::Submit,
        "",
        Some(version),
    )
    .await
    .map_err(AppError::from)
    {
        Err(AppError::Validation(findings)) => {
            let report = reporting::load(state, actor, period, unit).await?;
            let problem = "已保存为草稿，但还不能报送：";
            rejected(state, actor, &report, &findings, problem, None).await
        }
        Err(e) => Err(e),
        Ok(()) => Ok(see_other(&report_url(period, unit, "submitted"))),
    }
}

/// The form again with the problems found, as a 422.
async fn rejected(
    state: &AppState,
    actor: &Actor,
    report: &LoadedReport,
    findings: &[Finding],
    problem: &str,
    typed: Option<&Typed>,
) -> Result<Response, AppError> {
    let html = render(
        state,
        actor,
        report,
        typed,
        findings,
        None,
        Some(Problem::Top(problem.to_string())),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

#[derive(Deserialize)]
pub struct ReviewForm {
    action: String,
    #[serde(default)]
    reason: String,
    version: Option<i64>,
}

pub async fn review(
    State(state): State<AppState>,
    actor: Actor,
    PathParams((period, unit)): PathParams<(String, String)>,
    FormBody(form): FormBody<ReviewForm>,
) -> Result<Response, AppError> {
    let action = match WorkflowAction::parse(&form.action) {
        Some(a @ (WorkflowAction::Return | WorkflowAction::Approve | WorkflowAction::Reopen)) => a,
        _ => {
            return Err(AppError::BadRequest(format!(
                "未知的审核操作“{}”",
                form.action
            )))
        }
    };
    reporting::transition(
        &state,
        &actor,
        &period,
        &unit,
        action,
        &form.reason,
        form.version,
    )
    .await?;
    let msg = match action {
        WorkflowAction::Return => "returned",
        WorkflowAction::Approve => "approved",
        _ => "reopened",
    };
    Ok(see_other(&report_url(&period, &unit, msg)))
}

/// The ledger's figures for the funding rows among `own`, so the unit sees what the ledger says.
async fn ledger_figures(
    state: &AppState,
    period: &bangfu_domain::Period,
    own: &[String],
) -> Result<std::collections::BTreeMap<String, String>, AppError> {
    let plan = &state.plan;
    let config = &plan.ledger;
    let filled_by_ledger = |code: &String| {
        let c = Some(code);
        config.funds_row.as_ref() == c
            || config.projects_row.as_ref() == c
            || config.implemented_row.as_ref() == c
            || config.beneficiaries_row.as_ref() == c
            || config
                .sources
                .iter()
                .any(|s| s.row.as_ref() == c || s.poverty_row.as_ref() == c)
    };
    if !own.iter().any(filled_by_ledger) {
        return Ok(Default::default());
    }
    let ledger = crate::ledger::Ledger::load(state).await?;
    let rows = bangfu_domain::ledger::reconcile::reconcile(
        plan,
        period,
        &ledger.projects,
        &ledger.transactions,
        &Default::default(),
    );
    Ok(rows
        .into_iter()
        .filter(|r| own.contains(&r.code))
        .map(|r| (r.code, r.ledger.to_string()))
        .collect())
}
