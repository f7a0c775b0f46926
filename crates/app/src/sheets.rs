//! Spreadsheets in and out: which values go into the progress form and the task table, and how a
//! filled form becomes a report (preview first, then all or nothing). The functions here do not
//! ask the policy; the pages and the API ask it before calling them, the command line is trusted.

use crate::beijing_time;
use crate::reporting::{find_period, previous_values, summary_rows};
use crate::AppError;
use crate::Context;
use bangfu_domain::plan::ValueBasis;
use bangfu_domain::report::{check_report, CheckMode, Entry, Finding, Severity};
use bangfu_domain::summary::ReportScope;
use bangfu_domain::Quantity;
use bangfu_store::{NewEvidence, PendingUpload, SaveReport};
use bangfu_xlsx::{form_workbook, read_form, tasks_workbook, FormHeader, FormSheet, TaskProgress};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn subtitle(label: &str, basis: ValueBasis) -> String {
    format!("{label}（{}）", basis.label())
}

/// A unit's report as one sheet, year-to-date or the quarter's own increment.
pub async fn unit_sheet(
    state: &Context,
    period: &str,
    unit: &str,
    basis: ValueBasis,
) -> Result<FormSheet, AppError> {
    let period = find_period(state, period)?;
    let unit = state.plan.unit(unit).ok_or(AppError::NotFound)?;
    let report = state
        .store
        .report(&period.code.to_string(), &unit.code)
        .await?;
    let mut values: BTreeMap<String, Quantity> = report
        .as_ref()
        .map(|r| {
            r.entries
                .iter()
                .filter_map(|(k, e)| Some((k.clone(), e.value?)))
                .collect()
        })
        .unwrap_or_default();
    if basis == ValueBasis::Quarter && state.plan.schedule.basis == ValueBasis::Ytd {
        let before = previous_values(state, &period, &unit.code).await?;
        for (k, v) in values.iter_mut() {
            if let Some(b) = before.get(k) {
                *v = Quantity::new(v.decimal() - b.decimal());
            }
        }
    }
    let header = FormHeader {
        unit: unit.name.clone(),
        reporter: report
            .as_ref()
            .map(|r| r.reporter_name.clone())
            .unwrap_or_default(),
        phone: report
            .as_ref()
            .map(|r| r.reporter_phone.clone())
            .unwrap_or_default(),
        time: report
            .as_ref()
            .and_then(|r| r.submitted_at)
            .map(beijing_time)
            .unwrap_or_default(),
    };
    Ok(FormSheet {
        sheet_name: unit.name.clone(),
        subtitle: subtitle(&period.label(), basis),
        header,
        values,
    })
}

/// The district's form: the totals first, then (if asked) one sheet per unit that has values.
pub async fn district_sheets(
    state: &Context,
    period: &str,
    basis: ValueBasis,
    scope: ReportScope,
    per_unit: bool,
    reporter: (&str, &str),
    today: &str,
) -> Result<Vec<FormSheet>, AppError> {
    let (period, rows) = summary_rows(state, period, basis, scope).await?;
    let scope = format!("，{}", scope.label());
    let mut sheets = vec![FormSheet {
        sheet_name: "全区汇总".into(),
        subtitle: format!("{}{scope}", subtitle(&period.label(), basis)),
        header: FormHeader {
            unit: state.plan.info.district.clone(),
            reporter: reporter.0.to_string(),
            phone: reporter.1.to_string(),
            time: today.to_string(),
        },
        values: rows
            .iter()
            .filter_map(|r| Some((r.indicator.clone(), r.total?)))
            .collect(),
    }];
    if per_unit {
        for unit in state.plan.units_sorted() {
            if rows.iter().any(|r| r.by_unit.contains_key(&unit.code)) {
                sheets.push(unit_sheet(state, &period.code.to_string(), &unit.code, basis).await?);
            }
        }
    }
    Ok(sheets)
}

/// Runs spreadsheet work (CPU-bound: XML and zip) on the blocking pool, off the async threads.
pub async fn off_runtime<T, E, F>(work: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("表格生成失败：{e}")))?
}

pub async fn form_bytes(state: &Context, sheets: Vec<FormSheet>) -> Result<Vec<u8>, AppError> {
    let plan = state.plan.clone();
    off_runtime(move || {
        form_workbook(&plan, &sheets).map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
}

/// The 任务分解表, with each task's latest district figures where a target names a form row.
pub async fn tasks_bytes(state: &Context, with_progress: bool) -> Result<Vec<u8>, AppError> {
    let mut progress = TaskProgress::new();
    if with_progress {
        let today = state.clock.today();
        let latest = state
            .plan
            .periods()
            .into_iter()
            .rev()
            .find(|p| p.starts_on <= today);
        if let Some(latest) = latest {
            let code = latest.code.to_string();
            let totals = state
                .store
                .district_totals(&code, ReportScope::WithDrafts)
                .await?;
            for task in &state.plan.tasks {
                let lines: Vec<String> = task
                    .targets
                    .iter()
                    .filter_map(|t| {
                        let row = state.plan.indicator(t.indicator.as_deref()?)?;
                        let value = totals.get(&row.code)?;
                        Some(format!(
                            "{} {} {}（{}）",
                            state.plan.row_ref(row),
                            value,
                            row.unit.as_deref().unwrap_or(""),
                            latest.label()
                        ))
                    })
                    .collect();
                if !lines.is_empty() {
                    progress.insert(task.code.clone(), lines.join("\n"));
                }
            }
        }
    }
    let plan = state.plan.clone();
    off_runtime(move || {
        tasks_workbook(&plan, &progress).map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
}

/// One change an import would make.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Change {
    pub indicator: String,
    pub label: String,
    pub cell: String,
    pub old: Option<Quantity>,
    pub new: Option<Quantity>,
}

/// A problem found in the file or by the report's rules, with its sheet and cell.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub cell: Option<String>,
    pub indicator: Option<String>,
    pub message: String,
}

/// What an import would do.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportPreview {
    pub file_name: String,
    pub sha256: String,
    pub version: i64,
    pub changes: Vec<Change>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    #[serde(skip)]
    entries: BTreeMap<String, Entry>,
}

impl ImportPreview {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn with_cell(f: Finding, cells: &BTreeMap<String, String>) -> Problem {
    let cell = cells.get(&f.indicator).cloned();
    Problem {
        message: match &cell {
            Some(c) => format!("{c}：{}", f.message),
            None => f.message,
        },
        cell,
        indicator: Some(f.indicator),
    }
}

/// Reads a filled form and checks it with the same rules as data entry. Writes nothing.
pub async fn preview_import(
    state: &Context,
    period: &str,
    unit: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<ImportPreview, AppError> {
    let period = find_period(state, period)?;
    state.plan.unit(unit).ok_or(AppError::NotFound)?;
    let report = state.store.report(&period.code.to_string(), unit).await?;
    let status = report.as_ref().map(|r| r.status);
    if let Some(s) = status.filter(|s| !s.editable()) {
        return Err(AppError::Store(bangfu_store::StoreError::NotEditable(
            s.label().into(),
        )));
    }
    let sha256: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut preview = ImportPreview {
        file_name: file_name.to_string(),
        sha256,
        version: report.as_ref().map_or(0, |r| r.version),
        changes: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        entries: BTreeMap::new(),
    };
    let form = match read_form(&state.plan, unit, bytes) {
        Ok(form) => form,
        Err(problems) => {
            preview.errors = problems
                .into_iter()
                .map(|p| Problem {
                    message: p.to_string(),
                    cell: p.cell,
                    indicator: None,
                })
                .collect();
            return Ok(preview);
        }
    };
    let existing = report.map(|r| r.entries).unwrap_or_default();
    let mut merged = existing.clone();
    let mut cells = BTreeMap::new();
    for row in &form.rows {
        let old = existing.get(&row.indicator);
        let entry = Entry {
            value: row.value,
            comment: old.map(|e| e.comment.clone()).unwrap_or_default(),
        };
        cells.insert(row.indicator.clone(), row.cell.clone());
        if old.and_then(|e| e.value) != row.value {
            preview.changes.push(Change {
                indicator: row.indicator.clone(),
                label: state
                    .plan
                    .indicator(&row.indicator)
                    .map(|i| state.plan.row_ref(i))
                    .unwrap_or_default(),
                cell: row.cell.clone(),
                old: old.and_then(|e| e.value),
                new: row.value,
            });
        }
        merged.insert(row.indicator.clone(), entry.clone());
        preview.entries.insert(row.indicator.clone(), entry);
    }
    let previous = previous_values(state, &period, unit).await?;
    for f in check_report(&state.plan, unit, &merged, &previous, CheckMode::Save) {
        let severity = f.severity;
        let problem = with_cell(f, &cells);
        match severity {
            Severity::Error => preview.errors.push(problem),
            Severity::Warning => preview.warnings.push(problem),
        }
    }
    Ok(preview)
}

/// Applies a clean preview in one transaction: the values, the file kept as evidence, and an
/// entry in the report's history. Refused if anything changed since the preview.
pub async fn apply_import(
    state: &Context,
    period: &str,
    unit: &str,
    preview: ImportPreview,
    bytes: Vec<u8>,
    actor: &str,
    address: &str,
) -> Result<i64, AppError> {
    if !preview.ok() {
        return Err(AppError::BadRequest("文件有错误，未导入任何数据".into()));
    }
    let period = find_period(state, period)?;
    Ok(state
        .store
        .save_report(SaveReport {
            period: period.code.to_string(),
            unit: unit.to_string(),
            expected_version: Some(preview.version),
            entries: preview.entries,
            narrative: None,
            actor: actor.to_string(),
            address: address.to_string(),
            imported_from: Some(NewEvidence {
                file_name: preview.file_name,
                content_type: XLSX_TYPE.to_string(),
                sha256: preview.sha256,
                content: bytes,
            }),
            known: None,
        })
        .await?)
}

/// How long an uploaded file waits for its preview to be confirmed.
const PENDING_TTL_MINUTES: i64 = 30;

/// Keeps an upload waiting for its preview to be confirmed (in the database, so that any server
/// may take the confirmation); returns the token the confirmation form carries.
pub async fn keep_pending_import(
    state: &Context,
    owner: &str,
    period: &str,
    unit: &str,
    file_name: &str,
    content: Vec<u8>,
) -> Result<String, AppError> {
    let token = crate::random_hex(16);
    let now = state.clock.now();
    let upload = PendingUpload {
        owner: owner.to_string(),
        period: period.to_string(),
        unit: unit.to_string(),
        file_name: file_name.to_string(),
        content,
        created_at: now,
    };
    let expired_before = now - chrono::Duration::minutes(PENDING_TTL_MINUTES);
    state
        .store
        .put_pending_import(&crate::sha256_hex(&token), &upload, expired_before)
        .await?;
    Ok(token)
}

/// Takes an upload back, only for the person who made it and within its time; once.
pub async fn take_pending_import(
    state: &Context,
    token: &str,
    owner: &str,
) -> Result<Option<PendingUpload>, AppError> {
    let expired_before = state.clock.now() - chrono::Duration::minutes(PENDING_TTL_MINUTES);
    Ok(state
        .store
        .take_pending_import(&crate::sha256_hex(token), owner, expired_before)
        .await?)
}
