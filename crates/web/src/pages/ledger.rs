//! `/ledger` (资金台账): budget against allocated, disbursed and spent money by year, area and
//! source; idle funds; late projects; anomalies; the budget form; the transaction journal.

use super::form_errors::FormErrors;
use super::{flash, see_other, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, QueryParams};
use crate::ledger::{
    recipient_areas, record, reversal_mark, reversal_of, source_choices, source_name, Ledger,
    DEFAULT_IDLE_DAYS,
};
use crate::{oversight, AppState};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::ledger::input::{parse_date, BudgetInput, TxInput};
use bangfu_domain::ledger::oversight::overdue_projects;
use bangfu_domain::ledger::{Money, TxKind};
use bangfu_domain::policy::Action;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    year: Option<String>,
    days: Option<String>,
    msg: Option<String>,
}

/// One line of a money table, formatted.
pub struct MoneyLine {
    pub cells: Vec<String>,
    pub amounts: Vec<Money>,
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    nav: Nav,
    csrf: String,
    year: i32,
    years: Vec<i32>,
    days: i64,
    /// 闲置天数 as typed, and why it was refused (the default then used).
    days_typed: String,
    days_error: Option<String>,
    budget_lines: Vec<MoneyLine>,
    budget_total: Vec<Money>,
    project_lines: Vec<MoneyLine>,
    idle: Vec<MoneyLine>,
    overdue: Vec<(i64, String, String, String, i64)>,
    anomalies: Vec<(Option<i64>, String)>,
    can_record: bool,
    areas: Vec<(String, String)>,
    sources: Vec<(String, String)>,
    form: BudgetInput,
    errors: FormErrors,
    message: Option<&'static str>,
}

fn parse_days(text: Option<&str>) -> Result<i64, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(DEFAULT_IDLE_DAYS),
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=3650).contains(d))
            .ok_or_else(|| AppError::BadRequest(format!("闲置天数“{t}”应为 0 到 3650 之间的整数"))),
    }
}

async fn render(
    state: &AppState,
    actor: &Actor,
    q: &LedgerQuery,
    form: BudgetInput,
    errors: FormErrors,
) -> Result<String, AppError> {
    actor.require(Action::ViewLedger)?;
    let plan = &state.plan;
    let year = oversight::parse_year(state, q.year.as_deref())?;
    let (days, days_error) = match parse_days(q.days.as_deref()) {
        Ok(days) => (days, None),
        Err(e) => (DEFAULT_IDLE_DAYS, Some(e.to_string())),
    };
    let today = state.clock.today();
    let ledger = Ledger::load(state).await?;
    let budget_lines: Vec<MoneyLine> = ledger
        .budget_lines(year)
        .into_iter()
        .map(|l| MoneyLine {
            cells: vec![
                plan.area_name(&l.area).to_string(),
                source_name(plan, &l.source),
                percent(l.allocated, l.budget),
            ],
            amounts: vec![
                l.budget,
                l.poverty_budget,
                l.allocated,
                l.disbursed,
                l.spent,
            ],
            link: None,
        })
        .collect();
    let budget_total = (0..5)
        .map(|i| budget_lines.iter().map(|l| l.amounts[i]).sum())
        .collect();
    let project_lines = ledger
        .project_lines()
        .into_iter()
        .filter_map(|l| {
            let p = ledger.project(l.project)?;
            Some(MoneyLine {
                cells: vec![
                    p.name.clone(),
                    plan.area_name(&p.area).to_string(),
                    p.status.label().to_string(),
                    source_name(plan, &l.source),
                ],
                amounts: vec![l.approved, l.allocated, l.disbursed, l.spent],
                link: Some(format!("/ledger/projects/{}", p.id)),
            })
        })
        .collect();
    let idle = ledger
        .idle(today, days)
        .into_iter()
        .map(|i| MoneyLine {
            cells: vec![
                ledger.project_name(i.project),
                source_name(plan, &i.source),
                i.since.to_string(),
                i.days.to_string(),
            ],
            amounts: vec![i.amount],
            link: Some(format!("/ledger/projects/{}", i.project)),
        })
        .collect();
    let overdue = overdue_projects(&ledger.projects, today)
        .into_iter()
        .map(|(p, late)| {
            (
                p.id,
                p.name.clone(),
                p.status.label().to_string(),
                p.planned_finish.map(|d| d.to_string()).unwrap_or_default(),
                late,
            )
        })
        .collect();
    let anomalies = ledger
        .anomalies(plan, today)
        .into_iter()
        .map(|a| (a.project, a.text))
        .collect();
    let page = LedgerPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        year,
        years: (plan.info.start_year..=plan.info.end_year).collect(),
        days,
        days_typed: q.days.clone().unwrap_or_else(|| days.to_string()),
        days_error,
        budget_lines,
        budget_total,
        project_lines,
        idle,
        overdue,
        anomalies,
        can_record: actor.may(Action::RecordLedger),
        areas: recipient_areas(plan),
        sources: source_choices(plan),
        form,
        errors,
        message: flash(q.msg.as_deref()),
    };
    Ok(page.render()?)
}

/// "85.0%" of the budget allocated; "—" without a budget.
fn percent(part: Money, whole: Money) -> String {
    if whole == Money::ZERO {
        return "—".to_string();
    }
    let p = rust_decimal::Decimal::from(part.fen()) * rust_decimal::Decimal::ONE_HUNDRED
        / rust_decimal::Decimal::from(whole.fen());
    format!("{}%", p.round_dp(1))
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<LedgerQuery>,
) -> Result<Response, AppError> {
    let form = BudgetInput {
        year: oversight::parse_year(&state, q.year.as_deref())?.to_string(),
        ..Default::default()
    };
    // A wrong 闲置天数 is shown beside its field, the page drawn with the default.
    let status = match parse_days(q.days.as_deref()) {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let body = render(&state, &actor, &q, form, FormErrors::default()).await?;
    Ok((status, Html(body)).into_response())
}

/// `POST /ledger/budgets`: records or replaces a year's budget; errors keep what was typed.
pub async fn set_budget(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(form): FormBody<BudgetInput>,
) -> Result<Response, AppError> {
    actor.require(Action::RecordLedger)?;
    let outcome: Result<(), FormErrors> = match form.parse_fields(&state.plan) {
        Err(errors) => Err(errors.into()),
        Ok(budget) => match state.store.set_budget(&budget, actor.login()).await {
            Ok(()) => {
                return Ok(see_other(&format!(
                    "/ledger?year={}&msg=budget_saved",
                    budget.year
                )))
            }
            Err(bangfu_store::StoreError::Rejected(errors)) => Err(FormErrors::general(errors)),
            Err(e) => return Err(e.into()),
        },
    };
    let errors = outcome.err().unwrap_or_default();
    let q = LedgerQuery {
        year: Some(form.year.clone()).filter(|y| y.trim().parse::<i32>().is_ok()),
        ..Default::default()
    };
    let q = match oversight::parse_year(&state, q.year.as_deref()) {
        Ok(_) => q,
        Err(_) => LedgerQuery::default(),
    };
    let body = render(&state, &actor, &q, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

#[derive(Deserialize, Default)]
pub struct JournalQuery {
    year: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    source: String,
    msg: Option<String>,
}

pub struct JournalLine {
    pub id: i64,
    pub date: String,
    pub kind: &'static str,
    pub amount: String,
    pub source: String,
    pub project: i64,
    pub project_name: String,
    pub voucher: String,
    pub mark: String,
    pub reversible: bool,
    pub note: String,
    pub recorded_by: super::people::Person,
}

#[derive(Template)]
#[template(path = "journal.html")]
struct JournalPage {
    nav: Nav,
    csrf: String,
    year: i32,
    years: Vec<i32>,
    kind: String,
    source: String,
    kinds: Vec<(&'static str, &'static str)>,
    sources: Vec<(String, String)>,
    projects: Vec<(i64, String)>,
    lines: Vec<JournalLine>,
    can_record: bool,
    may_override: bool,
    form: TxInput,
    errors: FormErrors,
    message: Option<&'static str>,
}

async fn render_journal(
    state: &AppState,
    actor: &Actor,
    q: &JournalQuery,
    form: TxInput,
    errors: FormErrors,
) -> Result<String, AppError> {
    actor.require(Action::ViewLedger)?;
    let plan = &state.plan;
    let year = oversight::parse_year(state, q.year.as_deref())?;
    let ledger = Ledger::load(state).await?;
    let reversed = ledger.reversed_ids();
    let can_record = actor.may(Action::RecordLedger);
    let people = super::people::People::load(state).await?;
    let lines = ledger
        .transactions_of(year)
        .into_iter()
        .filter(|t| q.kind.is_empty() || t.kind.as_str() == q.kind)
        .filter(|t| q.source.is_empty() || t.source == q.source)
        .map(|t| JournalLine {
            mark: reversal_mark(&t, &reversed),
            reversible: can_record && t.reverses.is_none() && !reversed.contains(&t.id),
            id: t.id,
            date: t.date.to_string(),
            kind: t.kind.label(),
            amount: Money::from_fen(t.signed_fen().abs()).to_string(),
            source: source_name(plan, &t.source),
            project: t.project,
            project_name: ledger.project_name(t.project),
            voucher: t.voucher,
            note: t.note,
            recorded_by: people.person(&t.recorded_by),
        })
        .collect();
    let page = JournalPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        year,
        years: (plan.info.start_year..=plan.info.end_year).collect(),
        kind: q.kind.clone(),
        source: q.source.clone(),
        kinds: TxKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        sources: source_choices(plan),
        projects: ledger
            .projects
            .iter()
            .map(|p| (p.id, format!("#{} {}", p.id, p.name)))
            .collect(),
        lines,
        can_record,
        may_override: actor.may(Action::OverrideBudget),
        form,
        errors,
        message: flash(q.msg.as_deref()),
    };
    Ok(page.render()?)
}

/// `GET /ledger/transactions`: the journal (资金流水) of a year.
pub async fn journal(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<JournalQuery>,
) -> Result<Html<String>, AppError> {
    let form = TxInput {
        date: state.clock.today().to_string(),
        ..Default::default()
    };
    Ok(Html(
        render_journal(&state, &actor, &q, form, FormErrors::default()).await?,
    ))
}

#[derive(Deserialize, Default)]
pub struct TxForm {
    #[serde(flatten)]
    input: TxInput,
    /// Set by a row's 冲销 button: reverse that transaction.
    #[serde(default)]
    reverses: String,
    /// Where to go back to: the journal or a project's page.
    #[serde(default)]
    back: String,
}

/// `POST /ledger/transactions`: records one transaction, or reverses one.
pub async fn record_tx(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(f): FormBody<TxForm>,
) -> Result<Response, AppError> {
    actor.require(Action::RecordLedger)?;
    let draft = if f.reverses.trim().is_empty() {
        f.input.parse_fields(&state.plan).map_err(FormErrors::from)
    } else {
        reversal_draft(&state, &f)
            .await?
            .map_err(FormErrors::general)
    };
    let back = if f.back.starts_with("/ledger/") {
        f.back.clone()
    } else {
        "/ledger/transactions".to_string()
    };
    let errors = match draft {
        Err(errors) => errors,
        Ok(draft) => match record(&state, &actor, std::slice::from_ref(&draft))
            .await
            .map_err(AppError::from)
        {
            Ok(_) => {
                let sep = if back.contains('?') { '&' } else { '?' };
                return Ok(see_other(&format!("{back}{sep}msg=tx_recorded")));
            }
            Err(AppError::Store(bangfu_store::StoreError::Rejected(errors))) => {
                FormErrors::general(errors)
            }
            Err(e) => return Err(e),
        },
    };
    // Errors go back on the journal page, with what was typed kept.
    let q = JournalQuery {
        year: parse_date("日期", &f.input.date)
            .ok()
            .map(|d| chrono::Datelike::year(&d).to_string())
            .filter(|y| oversight::parse_year(&state, Some(y)).is_ok()),
        ..Default::default()
    };
    let body = render_journal(&state, &actor, &q, f.input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

async fn reversal_draft(
    state: &AppState,
    f: &TxForm,
) -> Result<Result<bangfu_domain::ledger::TxDraft, Vec<String>>, AppError> {
    let id: i64 = f.reverses.trim().parse().map_err(|_| {
        AppError::BadRequest(format!("要冲销的交易编号“{}”无效", f.reverses.trim()))
    })?;
    let original = state
        .store
        .transaction(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let on = if f.input.date.trim().is_empty() {
        Ok(state.clock.today())
    } else {
        parse_date("冲销日期", &f.input.date)
    };
    Ok(on
        .map(|on| reversal_of(&original, on, &f.input.note))
        .map_err(|e| vec![e]))
}

/// `GET /ledger.xlsx?year=`: the finance and audit views as a workbook.
pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<LedgerQuery>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewLedger)?;
    let year = oversight::parse_year(&state, q.year.as_deref())?;
    let days = parse_days(q.days.as_deref())?;
    let mut ledger = Ledger::load(&state).await?;
    // The workbook goes to people: 录入人 by name, as on the journal page.
    let people = super::people::People::load(&state).await?;
    for t in &mut ledger.transactions {
        t.recorded_by = people.name(&t.recorded_by);
    }
    let sheets = crate::ledger::workbook(&state.plan, &ledger, year, state.clock.today(), days);
    let bytes = tokio::task::spawn_blocking(move || bangfu_xlsx::sheets_workbook(&sheets))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::http::xlsx_response(
        &format!("资金台账{year}.xlsx"),
        bytes,
    ))
}
