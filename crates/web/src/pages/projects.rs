//! `/ledger/projects` (援建项目): the list, a project's page with its money, transactions,
//! documents (批复, 合同, 验收) and audit findings (审计意见), and the forms that change them.

use super::form_errors::FormErrors;
use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::ledger::{recipient_areas, reversal_mark, source_choices, source_name, Ledger};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::ledger::input::ProjectInput;
use bangfu_domain::ledger::rules::Position;
use bangfu_domain::ledger::{DocumentKind, FindingStatus, Money, Project, ProjectStatus, Sector};
use bangfu_domain::policy::Action;
use bangfu_domain::report::check_text;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
pub struct ProjectsQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    status: String,
    msg: Option<String>,
}

/// Choices the project form offers.
pub struct ProjectChoices {
    pub areas: Vec<(String, String)>,
    pub sectors: Vec<(&'static str, &'static str)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub units: Vec<(String, String)>,
    pub sources: Vec<(String, String)>,
}

impl ProjectChoices {
    fn new(state: &AppState) -> Self {
        let plan = &state.plan;
        ProjectChoices {
            areas: recipient_areas(plan),
            sectors: Sector::ALL
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
            statuses: ProjectStatus::ALL
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
            units: super::unit_choices(plan),
            sources: source_choices(plan),
        }
    }
}

/// The project form's fields as typed (or as stored, for editing).
#[derive(Default)]
pub struct ProjectFields(pub HashMap<String, String>);

impl ProjectFields {
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }

    fn of(p: &Project) -> Self {
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let mut m: HashMap<String, String> = [
            ("name", p.name.clone()),
            ("area", p.area.clone()),
            ("sector", p.sector.as_str().to_string()),
            ("unit", p.unit.clone()),
            (
                "poverty_relief",
                if p.poverty_relief { "是" } else { "否" }.to_string(),
            ),
            ("planned_start", date(p.planned_start)),
            ("planned_finish", date(p.planned_finish)),
            ("actual_start", date(p.actual_start)),
            ("actual_finish", date(p.actual_finish)),
            ("status", p.status.as_str().to_string()),
            ("beneficiaries", p.beneficiaries.to_string()),
            ("tasks", p.tasks.join(",")),
            ("note", p.note.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (source, amount) in &p.approved {
            m.insert(format!("approved.{source}"), amount.yuan().to_string());
        }
        ProjectFields(m)
    }

    fn input(&self) -> ProjectInput {
        let g = |k: &str| self.get(k).to_string();
        let mut approved: Vec<(String, String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("approved.")?.to_string(), v.clone())))
            .collect();
        approved.sort();
        ProjectInput {
            name: g("name"),
            area: g("area"),
            sector: g("sector"),
            unit: g("unit"),
            poverty_relief: if self.get("poverty_relief").is_empty() {
                "否".into()
            } else {
                g("poverty_relief")
            },
            approved,
            planned_start: g("planned_start"),
            planned_finish: g("planned_finish"),
            actual_start: g("actual_start"),
            actual_finish: g("actual_finish"),
            status: g("status"),
            beneficiaries: g("beneficiaries"),
            tasks: g("tasks"),
            note: g("note"),
        }
    }
}

pub struct ProjectRow {
    pub id: i64,
    pub name: String,
    pub area: String,
    pub sector: &'static str,
    pub unit: String,
    pub status: &'static str,
    pub approved: Money,
    pub allocated: Money,
    pub disbursed: Money,
    pub spent: Money,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    nav: Nav,
    csrf: String,
    rows: Vec<ProjectRow>,
    area: String,
    status: String,
    choices: ProjectChoices,
    can_record: bool,
    fields: ProjectFields,
    errors: FormErrors,
    message: Option<&'static str>,
}

async fn render_list(
    state: &AppState,
    actor: &Actor,
    q: &ProjectsQuery,
    fields: ProjectFields,
    errors: FormErrors,
) -> Result<String, AppError> {
    actor.require(Action::ViewLedger)?;
    let plan = &state.plan;
    let today = state.clock.today();
    let ledger = Ledger::load(state).await?;
    let rows = ledger
        .projects
        .iter()
        .filter(|p| q.area.is_empty() || p.area == q.area)
        .filter(|p| q.status.is_empty() || p.status.as_str() == q.status)
        .map(|p| {
            let pos = Position::of(ledger.transactions.iter().filter(|t| t.project == p.id));
            ProjectRow {
                id: p.id,
                name: p.name.clone(),
                area: plan.area_name(&p.area).to_string(),
                sector: p.sector.label(),
                unit: plan.party_name(&p.unit).to_string(),
                status: p.status.label(),
                approved: p.approved_total(),
                allocated: Money::from_fen(pos.allocated.max(0)),
                disbursed: Money::from_fen(pos.net_disbursed().max(0)),
                spent: Money::from_fen(pos.spent.max(0)),
                overdue: matches!(p.status, ProjectStatus::Planned | ProjectStatus::InProgress)
                    && p.planned_finish.is_some_and(|f| f < today),
            }
        })
        .collect();
    let page = ProjectsPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        rows,
        area: q.area.clone(),
        status: q.status.clone(),
        choices: ProjectChoices::new(state),
        can_record: actor.may(Action::RecordLedger),
        fields,
        errors,
        message: flash(q.msg.as_deref()),
    };
    Ok(page.render()?)
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<ProjectsQuery>,
) -> Result<Html<String>, AppError> {
    Ok(Html(
        render_list(
            &state,
            &actor,
            &q,
            ProjectFields::default(),
            FormErrors::default(),
        )
        .await?,
    ))
}

/// `POST /ledger/projects`: creates a project.
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(form): FormBody<HashMap<String, String>>,
) -> Result<Response, AppError> {
    actor.require(Action::RecordLedger)?;
    let fields = ProjectFields(form);
    let errors = match save(&state, &actor, &fields, 0).await? {
        Ok(id) => {
            return Ok(see_other(&format!(
                "/ledger/projects/{id}?msg=project_saved"
            )))
        }
        Err(errors) => errors,
    };
    let body = render_list(&state, &actor, &ProjectsQuery::default(), fields, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// Parses and stores the project; `Ok(Err(messages))` when the input is refused.
async fn save(
    state: &AppState,
    actor: &Actor,
    fields: &ProjectFields,
    id: i64,
) -> Result<Result<i64, FormErrors>, AppError> {
    let project = match fields.input().parse_fields(&state.plan, id) {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors.into())),
    };
    match state
        .store
        .save_projects(std::slice::from_ref(&project), actor.login())
        .await
    {
        Ok(ids) => Ok(Ok(ids[0])),
        Err(bangfu_store::StoreError::Rejected(errors)) => Ok(Err(FormErrors::general(errors))),
        Err(e) => Err(e.into()),
    }
}

pub struct TxLine {
    pub id: i64,
    pub date: String,
    pub kind: &'static str,
    pub amount: String,
    pub source: String,
    pub voucher: String,
    pub mark: String,
    pub reversible: bool,
    pub note: String,
}

pub struct DocLine {
    pub id: i64,
    pub kind: &'static str,
    pub name: String,
    pub size: String,
    pub by: super::people::Person,
    pub at: String,
}

pub struct FindingLine {
    pub id: i64,
    pub transaction: String,
    pub text: String,
    pub raised_on: String,
    pub raised_by: super::people::Person,
    pub status: FindingStatus,
    pub response: String,
    pub can_answer: bool,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    nav: Nav,
    csrf: String,
    project: Project,
    area: String,
    unit: String,
    lines: Vec<(String, Money, Money, Money, Money)>,
    transactions: Vec<TxLine>,
    documents: Vec<DocLine>,
    findings: Vec<FindingLine>,
    document_kinds: Vec<(&'static str, &'static str)>,
    tasks: Vec<(String, String)>,
    can_record: bool,
    may_override: bool,
    can_raise: bool,
    choices: ProjectChoices,
    fields: ProjectFields,
    errors: FormErrors,
    message: Option<&'static str>,
    beside: Beside,
}

/// A refused upload, finding or answer: what was typed and the error shown beside its field.
#[derive(Default)]
struct Beside {
    /// The document kind whose upload was refused, and why.
    file: Option<(String, String)>,
    /// A finding as typed (text, transaction) and why it was refused.
    finding: Option<(String, String, String)>,
    /// An answer as typed to the finding with this id, and why it was refused.
    answer: Option<(i64, String, String)>,
}

/// The project's documents (批复, 合同, 验收 …), who uploaded each by name.
async fn document_lines(
    state: &AppState,
    id: i64,
    people: &super::people::People,
) -> Result<Vec<DocLine>, AppError> {
    Ok(state
        .store
        .project_documents(Some(id))
        .await?
        .into_iter()
        .map(|d| DocLine {
            kind: d.kind().label(),
            id: d.id,
            size: crate::http::file_size(d.size_bytes),
            name: d.file_name,
            by: people.person(&d.uploaded_by),
            at: d
                .uploaded_at
                .with_timezone(&crate::beijing())
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        })
        .collect())
}

async fn render_project(
    state: &AppState,
    actor: &Actor,
    id: i64,
    fields: Option<ProjectFields>,
    errors: FormErrors,
    msg: Option<&str>,
    beside: Beside,
) -> Result<String, AppError> {
    let plan = &state.plan;
    let ledger = Ledger::load(state).await?;
    let project = ledger.project(id).ok_or(AppError::NotFound)?.clone();
    actor.require(Action::ViewProject {
        unit: &project.unit,
    })?;
    let reversed = ledger.reversed_ids();
    let can_record = actor.may(Action::RecordLedger);
    let people = super::people::People::load(state).await?;
    let transactions = ledger
        .transactions
        .iter()
        .filter(|t| t.project == id)
        .map(|t| TxLine {
            mark: reversal_mark(t, &reversed),
            reversible: can_record && t.reverses.is_none() && !reversed.contains(&t.id),
            id: t.id,
            date: t.date.to_string(),
            kind: t.kind.label(),
            amount: t.amount.to_string(),
            source: source_name(plan, &t.source),
            voucher: t.voucher.clone(),
            note: t.note.clone(),
        })
        .collect();
    let lines = ledger
        .project_lines()
        .into_iter()
        .filter(|l| l.project == id)
        .map(|l| {
            (
                source_name(plan, &l.source),
                l.approved,
                l.allocated,
                l.disbursed,
                l.spent,
            )
        })
        .collect();
    let documents = document_lines(state, id, &people).await?;
    let findings = ledger
        .findings
        .iter()
        .filter(|f| f.project == id)
        .map(|f| FindingLine {
            id: f.id,
            transaction: f.transaction.map(|t| t.to_string()).unwrap_or_default(),
            text: f.text.clone(),
            raised_on: f.raised_on.to_string(),
            raised_by: people.person(&f.raised_by),
            status: f.status,
            response: f.response.clone(),
            can_answer: f.status != FindingStatus::Closed
                && actor.may(Action::AnswerFinding {
                    unit: &project.unit,
                }),
        })
        .collect();
    let page = ProjectPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        area: plan.area_name(&project.area).to_string(),
        unit: plan.party_name(&project.unit).to_string(),
        tasks: project
            .tasks
            .iter()
            .map(|code| {
                let title = plan
                    .tasks
                    .iter()
                    .find(|t| &t.code == code)
                    .map_or(String::new(), |t| t.title.clone());
                (code.clone(), title)
            })
            .collect(),
        lines,
        transactions,
        documents,
        findings,
        document_kinds: DocumentKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        can_record,
        may_override: actor.may(Action::OverrideBudget),
        can_raise: actor.may(Action::RaiseFinding),
        choices: ProjectChoices::new(state),
        fields: fields.unwrap_or_else(|| ProjectFields::of(&project)),
        project,
        errors,
        message: flash(msg),
        beside,
    };
    Ok(page.render()?)
}

/// The project's page again after a refused upload, finding or answer: the error beside it.
async fn render_beside(
    state: &AppState,
    actor: &Actor,
    id: i64,
    beside: Beside,
) -> Result<String, AppError> {
    render_project(state, actor, id, None, FormErrors::default(), None, beside).await
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    Ok(Html(
        render_project(
            &state,
            &actor,
            id,
            None,
            FormErrors::default(),
            q.msg.as_deref(),
            Beside::default(),
        )
        .await?,
    ))
}

/// `POST /ledger/projects/{id}`: changes a project (status, dates, amounts …).
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
    FormBody(form): FormBody<HashMap<String, String>>,
) -> Result<Response, AppError> {
    actor.require(Action::RecordLedger)?;
    if state.store.project(id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let fields = ProjectFields(form);
    let errors = match save(&state, &actor, &fields, id).await? {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/ledger/projects/{id}?msg=project_saved"
            )))
        }
        Err(errors) => errors,
    };
    let body = render_project(
        &state,
        &actor,
        id,
        Some(fields),
        errors,
        None,
        Beside::default(),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// `POST /ledger/projects/{id}/documents?kind=`: uploads a 批复, 合同, 验收 or other document.
pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
    QueryParams(q): QueryParams<HashMap<String, String>>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    actor.require(Action::RecordLedger)?;
    if state.store.project(id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let kind_text = q.get("kind").map_or("", String::as_str);
    let kind = DocumentKind::parse(kind_text).ok_or_else(|| {
        AppError::BadRequest(format!(
            "材料类型“{kind_text}”无效，可选：{}",
            DocumentKind::labels()
        ))
    })?;
    let stored = match super::evidence::read_evidence(multipart).await {
        Ok(file) => state
            .store
            .add_project_document(id, kind, file, actor.login())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    let Err(e) = stored else {
        return Ok(see_other(&format!("/ledger/projects/{id}?msg=uploaded")));
    };
    // A refused file: the project's page again with the reason beside that kind's file field.
    let (status, problem) = super::evidence::upload_refusal(e)?;
    let beside = Beside {
        file: Some((kind.as_str().to_string(), problem)),
        ..Default::default()
    };
    let body = render_beside(&state, &actor, id, beside).await?;
    Ok((status, Html(body)).into_response())
}

/// `GET /ledger/documents/{id}`: whoever may see the project may download its documents.
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let (meta, content) = state
        .store
        .project_document(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let project = state
        .store
        .project(meta.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require(Action::ViewProject {
        unit: &project.unit,
    })?;
    Ok(crate::http::Download {
        stem: format!("project-document-{id}"),
        file_name: &meta.file_name,
        content_type: meta.content_type,
        content,
        no_store: true,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct FindingForm {
    text: String,
    #[serde(default)]
    transaction: String,
}

/// `POST /ledger/projects/{id}/findings`: an auditor's finding on the project or a transaction.
pub async fn raise_finding(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<FindingForm>,
) -> Result<Response, AppError> {
    actor.require(Action::RaiseFinding)?;
    let Some(project) = state.store.project(id).await? else {
        return Err(AppError::NotFound);
    };
    let text = f.text.trim();
    let transaction = match check_finding(&state, id, text, f.transaction.trim()).await? {
        Ok(transaction) => transaction,
        Err(error) => {
            // The project's page again, the finding as typed and the error beside it.
            let beside = Beside {
                finding: Some((f.text.clone(), f.transaction.clone(), error)),
                ..Default::default()
            };
            let body = render_beside(&state, &actor, id, beside).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response());
        }
    };
    let notify = bangfu_app::notify::events::finding_raised(&state, &project, text).await?;
    state
        .store
        .raise_finding(
            id,
            transaction,
            text,
            state.clock.today(),
            actor.login(),
            &notify,
        )
        .await?;
    Ok(see_other(&format!(
        "/ledger/projects/{id}?msg=finding_raised"
    )))
}

/// A finding's text and the transaction it names, checked: the transaction (if any) or the
/// user's mistake in words.
async fn check_finding(
    state: &AppState,
    project: i64,
    text: &str,
    transaction: &str,
) -> Result<Result<Option<i64>, String>, AppError> {
    if text.is_empty() {
        return Ok(Err("请填写审计意见".into()));
    }
    if let Err(e) = check_text("审计意见", text, 2000) {
        return Ok(Err(e));
    }
    if transaction.is_empty() {
        return Ok(Ok(None));
    }
    let Ok(tx) = transaction.parse::<i64>() else {
        return Ok(Err(format!("涉及交易编号“{transaction}”无效，应为数字")));
    };
    let of_project = state.store.transaction(tx).await?.map(|x| x.project);
    if of_project != Some(project) {
        return Ok(Err(format!("本项目没有编号为 {tx} 的交易")));
    }
    Ok(Ok(Some(tx)))
}

#[derive(Deserialize)]
pub struct FindingUpdate {
    action: String,
    #[serde(default)]
    response: String,
}

/// `POST /ledger/findings/{id}`: the unit answers; the auditor closes or reopens.
pub async fn update_finding(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<FindingUpdate>,
) -> Result<Response, AppError> {
    let ledger = Ledger::load(&state).await?;
    let finding = ledger
        .findings
        .iter()
        .find(|x| x.id == id)
        .ok_or(AppError::NotFound)?;
    let project = ledger.project(finding.project).ok_or(AppError::NotFound)?;
    let (status, response) = match f.action.as_str() {
        "answer" => {
            actor.require(Action::AnswerFinding {
                unit: &project.unit,
            })?;
            let text = f.response.trim();
            let error = if text.is_empty() {
                Some("请填写答复内容".to_string())
            } else {
                check_text("答复", text, 2000).err()
            };
            if let Some(error) = error {
                // The project's page again, the answer as typed beside its finding.
                let beside = Beside {
                    answer: Some((id, f.response.clone(), error)),
                    ..Default::default()
                };
                let pid = project.id;
                let body = render_beside(&state, &actor, pid, beside).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response());
            }
            (FindingStatus::Answered, Some(text))
        }
        "close" | "reopen" => {
            actor.require(Action::RaiseFinding)?;
            let status = if f.action == "close" {
                FindingStatus::Closed
            } else {
                FindingStatus::Open
            };
            (status, None)
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "操作“{other}”无效：应为 answer、close 或 reopen"
            )))
        }
    };
    let notify = match response {
        Some(text) => {
            bangfu_app::notify::events::finding_answered(&state, project, id, text).await?
        }
        None => Vec::new(),
    };
    state
        .store
        .update_finding(id, status, response, actor.login(), &notify)
        .await?;
    Ok(see_other(&format!(
        "/ledger/projects/{}?msg=finding_updated",
        project.id
    )))
}
