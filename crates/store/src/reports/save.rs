//! The statements of a save, built by pure code from what its transaction read: the changed values
//! in one upsert with the one audit entry that lists them, the narrative with the new version, and
//! the history of an import.

use super::{scaled, ReportRow, SaveReport};
use crate::audit::{self, NewAuditEntry};
use crate::audit_verify::show_entry;
use crate::stmt::{multi_row_insert, stmt, Arg, Stmt};
use crate::{NewEvidence, Result};
use bangfu_domain::report::{Entry, Narrative, ReportStatus};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The changed values of a save in one upsert, with one audit entry listing each of them (old
/// and new); unchanged ones write nothing.
pub(super) fn value_statements(
    save: &SaveReport,
    row: &ReportRow,
    existing: &crate::ReportEntries,
    now: DateTime<Utc>,
) -> Result<Vec<Stmt>> {
    let mut upserts: Vec<Arg> = Vec::new();
    let (mut old_values, mut new_values) = (BTreeMap::new(), BTreeMap::new());
    for (indicator, entry) in &save.entries {
        let old_entry = existing.get(indicator);
        if old_entry == Some(entry) || (old_entry.is_none() && *entry == Entry::default()) {
            continue;
        }
        let value = entry.value.map(scaled).transpose()?;
        upserts.extend([
            Arg::I64(row.id),
            Arg::from(indicator),
            Arg::from(value),
            Arg::from(&entry.comment),
            Arg::Time(now),
            Arg::from(&save.actor),
        ]);
        old_values.insert(indicator.clone(), old_entry.map(show_entry));
        new_values.insert(indicator.clone(), Some(show_entry(entry)));
    }
    if new_values.is_empty() {
        return Ok(Vec::new());
    }
    // Every changed row in one statement; a form has at most a few hundred rows (6 values each).
    let sql = multi_row_insert(
        "report_values",
        &VALUE_COLUMNS,
        new_values.len(),
        " ON CONFLICT (report_id, indicator_code) DO UPDATE SET \
         value_scaled = excluded.value_scaled, comment = excluded.comment, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    );
    // One entry for the save, not one per value: the log grows by one row per save, and the audit
    // pages still list each value (`AuditEntry::per_value`).
    let entry = NewAuditEntry {
        actor: save.actor.clone(),
        address: save.address.clone(),
        action: audit::VALUES_ACTION.into(),
        entity: "report".into(),
        entity_key: format!("{}/{}", save.period, save.unit),
        old_value: Some(audit::values_text(&old_values)),
        new_value: Some(audit::values_text(&new_values)),
        reason: None,
    };
    Ok(vec![Stmt::new(sql, upserts), audit::append(entry)])
}

/// The columns of a stored value, in the order [`value_statements`] binds them.
const VALUE_COLUMNS: [&str; 6] = [
    "report_id",
    "indicator_code",
    "value_scaled",
    "comment",
    "updated_at",
    "updated_by",
];

/// The narrative of a save and its audit entry, if it changes the stored one.
pub(super) fn changed_narrative<'a>(
    save: &'a SaveReport,
    row: &ReportRow,
) -> Option<(&'a Narrative, Stmt)> {
    let n = save.narrative.as_ref()?;
    let old = Narrative {
        progress: row.progress.clone(),
        problems: row.problems.clone(),
        next_steps: row.next_steps.clone(),
    };
    if &old == n {
        return None;
    }
    let entry = audit::append(NewAuditEntry {
        actor: save.actor.clone(),
        address: save.address.clone(),
        action: "report.narrative".into(),
        entity: "report".into(),
        entity_key: format!("{}/{}", save.period, save.unit),
        old_value: Some(old.readable()),
        new_value: Some(n.readable()),
        reason: None,
    });
    Some((n, entry))
}

/// The report row's new version, with the narrative when it changed: one statement.
pub(super) fn version_statement(
    row: &ReportRow,
    narrative: Option<&Narrative>,
    now: DateTime<Utc>,
) -> Stmt {
    match narrative {
        None => stmt!(
            "UPDATE reports SET version = version + 1, updated_at = $1 WHERE id = $2",
            now,
            row.id
        ),
        Some(n) => stmt!(
            "UPDATE reports SET version = version + 1, updated_at = $1, progress = $2, \
             problems = $3, next_steps = $4 WHERE id = $5",
            now,
            &n.progress,
            &n.problems,
            &n.next_steps,
            row.id
        ),
    }
}

/// The history event and audit entry of values imported from a spreadsheet (kept as evidence).
pub(super) fn import_statements(
    save: &SaveReport,
    file: &NewEvidence,
    row: &ReportRow,
    status: ReportStatus,
    now: DateTime<Utc>,
) -> Vec<Stmt> {
    let reason = format!("导入 {}（sha256 {}）", file.file_name, file.sha256);
    vec![
        stmt!(
            "INSERT INTO report_events (report_id, occurred_at, actor, action, from_status, \
             to_status, reason) VALUES ($1, $2, $3, 'import', $4, $4, $5)",
            row.id,
            now,
            &save.actor,
            status.as_str(),
            reason.clone()
        ),
        audit::append(NewAuditEntry {
            actor: save.actor.clone(),
            address: save.address.clone(),
            action: "report.import".into(),
            entity: "report".into(),
            entity_key: format!("{}/{}", save.period, save.unit),
            new_value: Some(reason),
            ..Default::default()
        }),
    ]
}
