//! `/registries`: the registers (台账) a unit keeps. A page per register lists its entries (by
//! unit, year and area, or exactly those counted for a row of a report) with a form to add one
//! (an entry's own page is in `registry_entry`). Refusals show the page again with each error
//! beside its field and everything typed kept.

use super::{flash, see_other, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::reporting;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_app::registries::{self, ListFilter, RegistryError};
use bangfu_domain::policy::Action;
use bangfu_domain::registry::{Field, FieldKind, FieldProblem, Registry};
use bangfu_domain::Plan;
use bangfu_store::RegistryEntry;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "registries.html")]
struct IndexPage {
    nav: Nav,
    /// (code, name, description, rows it fills)
    registries: Vec<(String, String, String, String)>,
    /// The reconciliation of the latest period, for those who see the district.
    reconciliation: Option<String>,
}

/// `GET /registries`: every register of the plan and the rows it fills.
pub async fn index(State(state): State<AppState>, actor: Actor) -> Result<Html<String>, AppError> {
    let plan = &state.plan;
    let registries = plan
        .registries
        .iter()
        .map(|r| {
            let rows: Vec<String> = r
                .feeds
                .iter()
                .filter_map(|f| plan.indicator(&f.indicator).map(|i| plan.row_ref(i)))
                .collect();
            (
                r.code.clone(),
                r.name.clone(),
                r.description.clone(),
                rows.join("；"),
            )
        })
        .collect();
    let reconciliation = match actor.may(Action::ViewDistrict) {
        true => reporting::latest_begun_period(&state)
            .ok()
            .map(|p| format!("/reconciliation/{}/registries", p.code)),
        false => None,
    };
    let page = IndexPage {
        nav: Nav::for_actor(Some(&actor)),
        registries,
        reconciliation,
    };
    Ok(Html(page.render()?))
}

/// A field as the form shows it: its input and, for a list, its options (value, label).
pub(super) struct FieldInput {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) required: bool,
    /// "select", "date" or "text".
    pub(super) widget: &'static str,
    /// (value, label, selected)
    pub(super) options: Vec<(String, String, bool)>,
    pub(super) hint: String,
    /// As typed, or as stored.
    pub(super) value: String,
}

pub(super) fn field_inputs(
    plan: &Plan,
    registry: &Registry,
    typed: &BTreeMap<String, String>,
) -> Vec<FieldInput> {
    registry
        .fields
        .iter()
        .map(|f| {
            let options: Vec<(String, String)> = match f.kind {
                FieldKind::Choice => f.choices.iter().map(|c| (c.clone(), c.clone())).collect(),
                FieldKind::YesNo => vec![("是".into(), "是".into()), ("否".into(), "否".into())],
                FieldKind::Area => plan
                    .areas
                    .iter()
                    .map(|a| (a.code.clone(), a.name.clone()))
                    .collect(),
                FieldKind::Unit => super::unit_choices(plan),
                _ => Vec::new(),
            };
            let value = typed.get(&f.code).cloned().unwrap_or_default();
            let options = options
                .into_iter()
                .map(|(v, l)| {
                    let selected = v == value;
                    (v, l, selected)
                })
                .collect::<Vec<_>>();
            FieldInput {
                value,
                code: f.code.clone(),
                name: f.name.clone(),
                required: f.required,
                widget: if !options.is_empty() {
                    "select"
                } else if f.kind == FieldKind::Date {
                    "date"
                } else {
                    "text"
                },
                options,
                hint: match (f.kind, &f.unit) {
                    (FieldKind::Number, Some(u)) => u.clone(),
                    (FieldKind::Date, _) => "例如 2018-06-30".into(),
                    _ => String::new(),
                },
            }
        })
        .collect()
}

/// A stored value as people read it: an area's or unit's name instead of its code.
pub(super) fn shown(plan: &Plan, field: Option<&Field>, text: &str) -> String {
    match field.map(|f| f.kind) {
        Some(FieldKind::Area) => plan.area_name(text).to_string(),
        Some(FieldKind::Unit) => plan.party_name(text).to_string(),
        _ => text.to_string(),
    }
}

struct EntryLine {
    id: i64,
    unit: String,
    cells: Vec<String>,
    voided: bool,
    void_reason: String,
    updated: String,
}

fn entry_line(
    plan: &Plan,
    people: &super::people::People,
    registry: &Registry,
    e: &RegistryEntry,
) -> EntryLine {
    EntryLine {
        id: e.id,
        unit: plan.party_name(&e.unit).to_string(),
        cells: registry
            .fields
            .iter()
            .map(|f| {
                e.values
                    .get(&f.code)
                    .map(|v| shown(plan, Some(f), v))
                    .unwrap_or_default()
            })
            .collect(),
        voided: e.voided.is_some(),
        void_reason: e
            .voided
            .as_ref()
            .map(|v| v.reason.clone())
            .unwrap_or_default(),
        updated: format!(
            "{} {}",
            people.name(&e.updated_by),
            beijing_time(e.updated_at)
        ),
    }
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    nav: Nav,
    csrf: String,
    code: String,
    name: String,
    description: String,
    headers: Vec<String>,
    lines: Vec<EntryLine>,
    filter: ListQuery,
    /// What the list is narrowed to, in words ("计入 2018年第一季度 一、3 …").
    narrowed: String,
    units: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    /// The first choice field's name and options, for the kind filter.
    kinds: Option<(String, Vec<String>)>,
    /// The units the actor may add entries for (one for a reporter; all for the coordinator).
    keep_units: Vec<(String, String, bool)>,
    inputs: Vec<FieldInput>,
    errors: BTreeMap<String, String>,
    message: Option<&'static str>,
}

/// The list's filters, as the query string and the filter form carry them.
#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    voided: String,
    msg: Option<String>,
}

/// The use case's filter from the query string, and what it narrows the list to in words.
fn list_filter(state: &AppState, q: &ListQuery) -> Result<(ListFilter, String), AppError> {
    let plan = &state.plan;
    let period = match q.period.as_str() {
        "" => None,
        p => Some(reporting::find_period(state, p)?),
    };
    let counted_for = match (q.indicator.as_str(), period) {
        ("", _) | (_, None) => None,
        (row, Some(p)) => Some((row.to_string(), p)),
    };
    let narrowed = match &counted_for {
        Some((row, p)) => format!(
            "仅列出计入 {} {} 的条目",
            p.label(),
            plan.indicator(row)
                .map(|i| plan.row_ref(i))
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    let filter = ListFilter {
        unit: Some(q.unit.clone()).filter(|u| !u.is_empty()),
        year: q.year.trim().parse().ok(),
        area: Some(q.area.clone()).filter(|a| !a.is_empty()),
        kind: Some(q.kind.clone()).filter(|k| !k.is_empty()),
        counted_for,
        include_voided: q.voided == "1",
    };
    Ok((filter, narrowed))
}

/// `GET /registries/{code}/entries.xlsx`: the entries the list shows (same filters), as a
/// spreadsheet with the fields' names as headers.
pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    let (filter, _) = list_filter(&state, &q)?;
    let found = registries::entries(&state, &actor, &registry.code, &filter).await?;
    let people = super::people::People::load(&state).await?;
    let mut headers = vec!["编号".to_string(), "填报单位".to_string()];
    headers.extend(registry.fields.iter().map(|f| f.name.clone()));
    headers.push("状态".into());
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|e| {
            let line = entry_line(&state.plan, &people, registry, e);
            let mut row = vec![line.id.to_string(), line.unit];
            row.extend(line.cells);
            row.push(if line.voided {
                format!("已作废：{}", line.void_reason)
            } else {
                "有效".into()
            });
            row
        })
        .collect();
    let title = format!("台账：{}", registry.name);
    let widths: Vec<f64> = headers.iter().map(|_| 14.0).collect();
    let bytes = crate::sheets::off_runtime(move || {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        bangfu_xlsx::table_workbook(&title, &headers, &widths, &rows)
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    Ok(crate::http::xlsx_response(
        &format!("{}.xlsx", registry.name),
        bytes,
    ))
}

async fn render_list(
    state: &AppState,
    actor: &Actor,
    registry: &Registry,
    q: ListQuery,
    typed: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
) -> Result<String, AppError> {
    let plan = &state.plan;
    let (filter, narrowed) = list_filter(state, &q)?;
    let found = registries::entries(state, actor, &registry.code, &filter).await?;
    let people = super::people::People::load(state).await?;
    let typed_unit = typed.get("unit").cloned().unwrap_or_default();
    let keep_units: Vec<(String, String, bool)> = plan
        .units_sorted()
        .into_iter()
        .filter(|u| actor.may(Action::KeepRegistry { unit: &u.code }))
        .map(|u| (u.code.clone(), u.name.clone(), u.code == typed_unit))
        .collect();
    let page = RegistryPage {
        nav: Nav::for_actor(Some(actor)),
        csrf: actor.csrf_token().to_string(),
        code: registry.code.clone(),
        name: registry.name.clone(),
        description: registry.description.clone(),
        headers: registry.fields.iter().map(|f| f.name.clone()).collect(),
        lines: found
            .iter()
            .map(|e| entry_line(plan, &people, registry, e))
            .collect(),
        narrowed,
        units: plan
            .units_sorted()
            .into_iter()
            .filter(|u| actor.may(Action::ViewRegistry { unit: &u.code }))
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect(),
        areas: plan
            .areas
            .iter()
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        kinds: registry
            .kind_field()
            .map(|f| (f.name.clone(), f.choices.clone())),
        keep_units,
        inputs: field_inputs(plan, registry, &typed),
        errors,
        message: flash(q.msg.as_deref()),
        filter: q,
    };
    Ok(page.render()?)
}

/// `GET /registries/{code}`: the register's entries and the form to add one.
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Html<String>, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    let html = render_list(
        &state,
        &actor,
        registry,
        q,
        BTreeMap::new(),
        BTreeMap::new(),
    )
    .await?;
    Ok(Html(html))
}

/// A posted entry form: `unit`, and each field as `f.<code>` (plus `csrf`, and `reason`).
pub(super) fn form_values(form: &[(String, String)]) -> BTreeMap<String, String> {
    form.iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("f.")?.to_string(), v.clone())))
        .collect()
}

pub(super) fn form_field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn by_field(problems: Vec<FieldProblem>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for p in problems {
        out.entry(p.field)
            .and_modify(|m| {
                m.push('；');
                m.push_str(&p.message);
            })
            .or_insert(p.message);
    }
    out
}

/// `POST /registries/{code}`: adds an entry; 422 with the page and its errors when refused.
pub async fn add(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(code): PathParams<String>,
    FormBody(form): FormBody<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let registry = registries::find_registry(&state, &code)?;
    let values = form_values(&form);
    let unit = form_field(&form, "unit").filter(|u| !u.is_empty());
    match registries::add(&state, &actor, &registry.code, unit, &values).await {
        Ok(_) => Ok(see_other(&format!(
            "/registries/{}?msg=entry_added",
            registry.code
        ))),
        Err(RegistryError::App(e)) => Err(e.into()),
        Err(RegistryError::Fields(problems)) => {
            let mut typed = values;
            typed.insert("unit".into(), unit.unwrap_or_default().to_string());
            let html = render_list(
                &state,
                &actor,
                registry,
                ListQuery::default(),
                typed,
                by_field(problems),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

/// One unit's line on the reconciliation page.
struct ReconLine {
    unit_name: String,
    register: String,
    entries: i64,
    link: String,
    reported: String,
    difference: String,
    agrees: bool,
}

/// One fed row on the reconciliation page.
struct ReconRow {
    code: String,
    label: String,
    measure_unit: String,
    registry_name: String,
    register_total: String,
    reported_total: String,
    differences: usize,
    lines: Vec<ReconLine>,
    /// Units that fill the row but neither reported it nor have entries counted.
    silent: usize,
}

#[derive(Template)]
#[template(path = "registry_reconciliation.html")]
struct ReconPage {
    nav: Nav,
    period: String,
    label: String,
    periods: Vec<(String, String)>,
    /// Every fed row with its totals; `lines` only for the row asked.
    rows: Vec<ReconRow>,
    /// The row shown unit by unit (`?row=`), if any.
    open: Option<ReconRow>,
    differences: usize,
}

/// `?row=`: the fed row to show unit by unit.
#[derive(Deserialize, Default)]
pub struct ReconQuery {
    row: Option<String>,
}

/// `GET /reconciliation/{period}/registries`: every fed row with the register's total against the
/// reported one and how many units differ (drafts included); `?row=` shows one row unit by unit,
/// so that the page stays one screen at 500 units.
pub async fn reconciliation(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(period): PathParams<String>,
    QueryParams(q): QueryParams<ReconQuery>,
) -> Result<Response, AppError> {
    let period = reporting::find_period(&state, &period)?;
    let code = period.code.to_string();
    let totals = bangfu_app::registry_reconciliation::overview(&state, &actor, &period).await?;
    let open = match q.row.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(row) => Some(
            bangfu_app::registry_reconciliation::reconcile_row(&state, &actor, &period, row)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
    };
    let page = ReconPage {
        nav: Nav::for_actor(Some(&actor)),
        period: code.clone(),
        label: period.label(),
        periods: state
            .plan
            .periods()
            .iter()
            .map(|p| (p.code.to_string(), p.label()))
            .collect(),
        differences: totals.iter().map(|r| r.differences).sum(),
        open: open.map(|r| recon_row(&r, &code)),
        rows: totals
            .into_iter()
            .map(|r| ReconRow {
                code: r.indicator,
                label: r.label,
                measure_unit: r.measure_unit,
                registry_name: r.registry_name,
                register_total: r.register_total.to_string(),
                reported_total: r.reported_total.to_string(),
                differences: r.differences,
                silent: 0,
                lines: Vec::new(),
            })
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// A fed row for the page, unit by unit: each unit that reported it or has entries counted for it.
fn recon_row(r: &bangfu_app::registry_reconciliation::RowLine, period: &str) -> ReconRow {
    let (shown, silent): (Vec<_>, Vec<_>) = r
        .units
        .iter()
        .partition(|u| u.entries > 0 || u.reported.is_some());
    let lines = shown
        .into_iter()
        .map(|u| ReconLine {
            unit_name: u.unit_name.clone(),
            register: u.register.to_string(),
            entries: u.entries,
            link: format!(
                "/registries/{}?unit={}&indicator={}&period={period}",
                r.registry, u.unit, r.indicator
            ),
            reported: u.reported.map(|v| v.to_string()).unwrap_or_default(),
            difference: u.difference().map(|d| d.to_string()).unwrap_or_default(),
            agrees: u.agrees(),
        })
        .collect();
    ReconRow {
        code: r.indicator.clone(),
        label: r.label.clone(),
        measure_unit: r.measure_unit.clone(),
        registry_name: r.registry_name.clone(),
        register_total: r.register_total().to_string(),
        reported_total: r.reported_total().to_string(),
        differences: r.differences(),
        silent: silent.len(),
        lines,
    }
}
