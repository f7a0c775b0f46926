//! Reports: values, narrative, workflow events and evidence files, each change in one transaction
//! with its audit entries. The store re-checks state and version under the write lock, so two
//! people can never overwrite each other silently.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{bind_args, execute_all, insert_file, insert_returning_id, stmt, Arg};
use crate::{ReportStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::report::{Entry, Narrative, ReportStatus, WorkflowAction};
use bangfu_domain::summary::ReportScope;
use bangfu_domain::Quantity;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

mod save;
use save::{changed_narrative, import_statements, value_statements, version_statement};

#[derive(Debug, Clone)]
pub struct StoredReport {
    pub id: i64,
    pub period: String,
    pub unit: String,
    pub status: ReportStatus,
    pub version: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub narrative: Narrative,
    pub updated_at: DateTime<Utc>,
    pub entries: BTreeMap<String, Entry>,
    pub events: Vec<ReportEvent>,
    pub evidence: Vec<EvidenceMeta>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportEvent {
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvidenceMeta {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct EvidenceFile {
    pub meta: EvidenceMeta,
    pub period: String,
    pub unit: String,
    pub content: Vec<u8>,
}

pub struct NewEvidence {
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// A save of values and/or narrative by the reporting unit.
pub struct SaveReport {
    pub period: String,
    pub unit: String,
    /// The version the editor started from; a newer stored version refuses the save.
    pub expected_version: Option<i64>,
    /// Only the rows being changed.
    pub entries: BTreeMap<String, Entry>,
    pub narrative: Option<Narrative>,
    pub actor: String,
    pub address: String,
    /// A spreadsheet the values were imported from: kept as evidence and named in the history.
    pub imported_from: Option<NewEvidence>,
    /// The stored values as read at a version (`report_entries`, for the rules): when the report
    /// is still at that version, the save takes the old values for its audit entry from here
    /// instead of reading them again (every change of values raises the version).
    pub known: Option<(i64, crate::ReportEntries)>,
}

/// A report's status and values at one version, as a save needs them (`report_entries`).
#[derive(Debug, Clone)]
pub struct ReportValues {
    pub status: ReportStatus,
    pub version: i64,
    pub entries: crate::ReportEntries,
}

/// A workflow step.
pub struct Transition {
    pub period: String,
    pub unit: String,
    pub action: WorkflowAction,
    pub expected_version: Option<i64>,
    pub reason: String,
    pub actor: String,
    pub address: String,
    pub at: DateTime<Utc>,
    /// On submit: whether it is after the deadline, and the 填报人/联系电话 to print.
    pub late: bool,
    pub reporter: Option<(String, String)>,
    /// Messages this step sends (the return's reason, the approval), recorded in its transaction.
    pub notify: Vec<crate::NewMessage>,
}

/// A report's state for the completeness matrix.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportState {
    pub period_code: String,
    pub unit_code: String,
    pub status: String,
    pub late: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Evidence files attached.
    pub evidence: i64,
}

/// One unit's value of one row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitValue {
    pub unit_code: String,
    pub indicator_code: String,
    pub value_scaled: i64,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    period_code: String,
    unit_code: String,
    status: String,
    version: i64,
    submitted_at: Option<DateTime<Utc>>,
    late: bool,
    reporter_name: String,
    reporter_phone: String,
    progress: String,
    problems: String,
    next_steps: String,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ValueRow {
    indicator_code: String,
    value_scaled: Option<i64>,
    comment: String,
}

#[derive(sqlx::FromRow)]
struct TotalRow {
    indicator_code: String,
    total_scaled: i64,
}

const REPORT_COLUMNS: &str = "id, period_code, unit_code, status, version, submitted_at, late, \
     reporter_name, reporter_phone, progress, problems, next_steps, updated_at";

fn status_of(text: &str) -> Result<ReportStatus> {
    ReportStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("报表状态“{text}”")))
}

fn scaled(q: Quantity) -> Result<i64> {
    q.to_scaled()
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Loads the report row inside a transaction, creating a draft if there is none yet. A macro
/// because its callers' transactions are of either backend's type (`in_write_tx!`).
///
/// One statement: an insert whose conflict "updates" the version to itself, which locks the row on
/// PostgreSQL — a plain SELECT would let two saves of one report read the same version and both
/// pass the version check (SQLite's one writer at a time is a lock already). One text for both
/// backends.
macro_rules! report_row_for_update {
    ($tx:ident, $period:expr, $unit:expr) => {{
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO reports (period_code, unit_code, status, version, created_at, updated_at) \
             VALUES ($1, $2, 'draft', 0, $3, $3) ON CONFLICT (period_code, unit_code) \
             DO UPDATE SET version = reports.version RETURNING {REPORT_COLUMNS}"
        );
        sqlx::query_as::<_, ReportRow>(&sql)
            .bind($period)
            .bind($unit)
            .bind(now)
            .fetch_one(&mut *$tx)
            .await?
    }};
}

fn check_version(row: &ReportRow, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != row.version => Err(StoreError::VersionConflict {
            expected: v,
            current: row.version,
        }),
        _ => Ok(()),
    }
}

/// The stored values of the locked report row: those the save was checked against when the
/// version is still the one they were read at, else read again.
macro_rules! stored_values {
    ($tx:ident, $save:expr, $row:expr) => {{
        match &$save.known {
            Some((version, values)) if *version == $row.version => values.clone(),
            _ => sqlx::query_as::<_, ValueRow>(
                "SELECT indicator_code, value_scaled, comment FROM report_values \
                 WHERE report_id = $1",
            )
            .bind($row.id)
            .fetch_all(&mut *$tx)
            .await?
            .into_iter()
            .map(|v| {
                let entry = Entry {
                    value: v.value_scaled.map(Quantity::from_scaled),
                    comment: v.comment,
                };
                (v.indicator_code, entry)
            })
            .collect(),
        }
    }};
}

/// A report's state as the completeness matrix reads it, from `reports r`.
const STATE_SELECT: &str = "SELECT r.period_code, r.unit_code, r.status, r.late, r.submitted_at, \
     (SELECT COUNT(*) FROM evidence_files e WHERE e.report_id = r.id) AS evidence FROM reports r";

impl SqlStore {
    /// The states of the reports whose period codes lie in `from..until`.
    async fn states_between(&self, from: String, until: String) -> Result<Vec<ReportState>> {
        let sql = format!(
            "{STATE_SELECT} WHERE r.period_code >= $1 AND r.period_code < $2 \
             ORDER BY r.period_code, r.unit_code"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, ReportState>(
            &sql
        )
        .bind(from)
        .bind(until)
        .fetch_all(pool)
        .await?))
    }
}

#[async_trait]
impl ReportStore for SqlStore {
    async fn report_entries(
        &self,
        unit: &str,
        periods: &[String],
    ) -> Result<BTreeMap<String, ReportValues>> {
        let mut out: BTreeMap<String, ReportValues> = BTreeMap::new();
        if periods.is_empty() {
            return Ok(out);
        }
        let list: Vec<String> = (0..periods.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT r.period_code, r.status, r.version, v.indicator_code, v.value_scaled, v.comment \
             FROM reports r LEFT JOIN report_values v ON v.report_id = r.id \
             WHERE r.unit_code = $1 AND r.period_code IN ({})",
            list.join(", ")
        );
        let mut args = vec![Arg::Text(unit.to_string())];
        args.extend(periods.iter().map(|p| Arg::Text(p.clone())));
        type Row = (
            String,
            String,
            i64,
            Option<String>,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = self.read().await?.conn().rows(&sql, args).await?;
        for (period, status, version, indicator, value, comment) in rows {
            let found = match out.entry(period) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => v.insert(ReportValues {
                    status: status_of(&status)?,
                    version,
                    entries: BTreeMap::new(),
                }),
            };
            if let Some(indicator) = indicator {
                found.entries.insert(
                    indicator,
                    Entry {
                        value: value.map(Quantity::from_scaled),
                        comment: comment.unwrap_or_default(),
                    },
                );
            }
        }
        Ok(out)
    }

    async fn report(&self, period: &str, unit: &str) -> Result<Option<StoredReport>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE period_code = $1 AND unit_code = $2"
        );
        let loaded = on_pool!(self, |pool| {
            let row = sqlx::query_as::<_, ReportRow>(&sql)
                .bind(period)
                .bind(unit)
                .fetch_optional(pool)
                .await?;
            match row {
                None => None,
                Some(row) => {
                    let values = sqlx::query_as::<_, ValueRow>(
                        "SELECT indicator_code, value_scaled, comment FROM report_values \
                         WHERE report_id = $1",
                    )
                    .bind(row.id)
                    .fetch_all(pool)
                    .await?;
                    let events = sqlx::query_as::<_, ReportEvent>(
                        "SELECT occurred_at, actor, action, from_status, to_status, reason \
                         FROM report_events WHERE report_id = $1 ORDER BY id",
                    )
                    .bind(row.id)
                    .fetch_all(pool)
                    .await?;
                    let evidence = sqlx::query_as::<_, EvidenceMeta>(
                        "SELECT id, file_name, content_type, size_bytes, sha256, uploaded_by, \
                         uploaded_at FROM evidence_files WHERE report_id = $1 ORDER BY id",
                    )
                    .bind(row.id)
                    .fetch_all(pool)
                    .await?;
                    Some((row, values, events, evidence))
                }
            }
        });
        let Some((row, values, events, evidence)) = loaded else {
            return Ok(None);
        };
        Ok(Some(StoredReport {
            id: row.id,
            status: status_of(&row.status)?,
            period: row.period_code,
            unit: row.unit_code,
            version: row.version,
            submitted_at: row.submitted_at,
            late: row.late,
            reporter_name: row.reporter_name,
            reporter_phone: row.reporter_phone,
            narrative: Narrative {
                progress: row.progress,
                problems: row.problems,
                next_steps: row.next_steps,
            },
            updated_at: row.updated_at,
            entries: values
                .into_iter()
                .map(|v| {
                    (
                        v.indicator_code,
                        Entry {
                            value: v.value_scaled.map(Quantity::from_scaled),
                            comment: v.comment,
                        },
                    )
                })
                .collect(),
            events,
            evidence,
        }))
    }

    async fn save_report(&self, save: SaveReport) -> Result<i64> {
        let now = Utc::now();
        let version = in_write_tx!(self, |tx| {
            let row = report_row_for_update!(tx, &save.period, &save.unit);
            check_version(&row, save.expected_version)?;
            let status = status_of(&row.status)?;
            if !status.editable() {
                return Err(StoreError::NotEditable(status.label().to_string()));
            }
            let existing = stored_values!(tx, save, row);
            let mut statements = value_statements(&save, &row, &existing, now)?;
            let narrative = changed_narrative(&save, &row).map(|(n, entry)| {
                statements.push(entry);
                n
            });
            if let Some(file) = &save.imported_from {
                let stored = insert_file(                    "INSERT INTO evidence_files (report_id, file_name, content_type, size_bytes, \
                     sha256, content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    vec![row.id.into()], file, &save.actor, now);
                bind_args!(sqlx::query(&stored.sql), stored.args)
                    .execute(&mut *tx)
                    .await?;
                statements.extend(import_statements(&save, file, &row, status, now));
            }
            let version = if statements.is_empty() {
                row.version
            } else {
                statements.push(version_statement(&row, narrative, now));
                row.version + 1
            };
            execute_all!(tx, statements);
            version
        });
        Ok(version)
    }

    async fn transition(&self, t: Transition) -> Result<()> {
        let key = format!("{}/{}", t.period, t.unit);
        in_write_tx!(self, |tx| {
            let row = report_row_for_update!(tx, &t.period, &t.unit);
            check_version(&row, t.expected_version)?;
            let from = status_of(&row.status)?;
            let to = t.action.apply(from).map_err(StoreError::Workflow)?;
            let mut statements = vec![stmt!(
                "UPDATE reports SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3",
                to.as_str(),
                t.at,
                row.id
            )];
            if t.action == WorkflowAction::Submit {
                let (name, phone) = t.reporter.clone().unwrap_or_default();
                statements.push(stmt!(
                    "UPDATE reports SET submitted_at = $1, late = $2, reporter_name = $3, \
                     reporter_phone = $4 WHERE id = $5",
                    t.at,
                    t.late,
                    name,
                    phone,
                    row.id
                ));
            }
            statements.push(stmt!(
                "INSERT INTO report_events (report_id, occurred_at, actor, action, from_status, \
                 to_status, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                row.id,
                t.at,
                &t.actor,
                t.action.as_str(),
                from.as_str(),
                to.as_str(),
                &t.reason
            ));
            statements.push(audit::append(NewAuditEntry {
                actor: t.actor.clone(),
                address: t.address.clone(),
                action: format!("report.{}", t.action.as_str()),
                entity: "report".into(),
                entity_key: key.clone(),
                old_value: Some(from.as_str().into()),
                new_value: Some(to.as_str().into()),
                reason: (!t.reason.is_empty()).then(|| t.reason.clone()),
            }));
            statements.extend(crate::notify::enqueue_stmts(&t.notify, t.at));
            execute_all!(tx, statements);
        });
        Ok(())
    }

    async fn unit_values(&self, period: &str, scope: ReportScope) -> Result<Vec<UnitValue>> {
        const SQL: &str = "SELECT r.unit_code, v.indicator_code, v.value_scaled \
             FROM report_values v JOIN reports r ON r.id = v.report_id \
             WHERE r.period_code = $1 AND v.value_scaled IS NOT NULL \
             AND ($2 = 'with_drafts' OR r.status = 'approved' OR ($2 = 'submitted' AND r.status = 'submitted'))";
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, UnitValue>(SQL)
            .bind(period)
            .bind(scope.as_str())
            .fetch_all(pool)
            .await?))
    }

    async fn district_totals(
        &self,
        period: &str,
        scope: ReportScope,
    ) -> Result<BTreeMap<String, Quantity>> {
        // CAST: PostgreSQL's SUM(bigint) is NUMERIC; the scaled integers stay exact either way.
        const SQL: &str =
            "SELECT v.indicator_code, CAST(SUM(v.value_scaled) AS BIGINT) AS total_scaled \
             FROM report_values v JOIN reports r ON r.id = v.report_id \
             WHERE r.period_code = $1 AND v.value_scaled IS NOT NULL \
             AND ($2 = 'with_drafts' OR r.status = 'approved' OR ($2 = 'submitted' AND r.status = 'submitted')) \
             GROUP BY v.indicator_code";
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, TotalRow>(SQL)
            .bind(period)
            .bind(scope.as_str())
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|r| (r.indicator_code, Quantity::from_scaled(r.total_scaled)))
            .collect())
    }

    async fn row_totals(
        &self,
        indicator: &str,
        periods: &[String],
        scope: ReportScope,
    ) -> Result<BTreeMap<String, Quantity>> {
        if periods.is_empty() {
            return Ok(BTreeMap::new());
        }
        let list: Vec<String> = (0..periods.len()).map(|i| format!("${}", i + 3)).collect();
        // CAST as in district_totals: exact either way.
        let sql = format!(
            "SELECT r.period_code, CAST(SUM(v.value_scaled) AS BIGINT) AS total_scaled \
             FROM report_values v JOIN reports r ON r.id = v.report_id \
             WHERE v.indicator_code = $1 AND v.value_scaled IS NOT NULL \
             AND ($2 = 'with_drafts' OR r.status = 'approved' \
                  OR ($2 = 'submitted' AND r.status = 'submitted')) \
             AND r.period_code IN ({}) GROUP BY r.period_code",
            list.join(", ")
        );
        let mut args = vec![Arg::Text(indicator.to_string()), scope.as_str().into()];
        args.extend(periods.iter().map(|p| Arg::Text(p.clone())));
        let rows: Vec<(String, i64)> = self.read().await?.conn().rows(&sql, args).await?;
        Ok(rows
            .into_iter()
            .map(|(period, sum)| (period, Quantity::from_scaled(sum)))
            .collect())
    }

    async fn reports_in_status(&self, status: &str) -> Result<Vec<(String, String)>> {
        self.read()
            .await?
            .conn()
            .rows(
                "SELECT period_code, unit_code FROM reports WHERE status = $1",
                vec![Arg::Text(status.to_string())],
            )
            .await
    }

    async fn report_states(&self, year: Option<i32>) -> Result<Vec<ReportState>> {
        // A year's reports by a range of their period codes ("2018Q1" … "2018Q4" lie between
        // "2018Q" and "2018R"), which the (period, unit) index answers; a filter on the periods'
        // year scanned every report of every year.
        let (from, until) = match year {
            Some(year) => (format!("{year}Q"), format!("{year}R")),
            // Every period code starts with its four-digit year.
            None => ("0".to_string(), "A".to_string()),
        };
        self.states_between(from, until).await
    }

    async fn period_states(&self, period: &str) -> Result<Vec<ReportState>> {
        let sql = format!("{STATE_SELECT} WHERE r.period_code = $1 ORDER BY r.unit_code");
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, ReportState>(
            &sql
        )
        .bind(period)
        .fetch_all(pool)
        .await?))
    }

    async fn add_evidence(
        &self,
        period: &str,
        unit: &str,
        file: NewEvidence,
        actor: &str,
        address: &str,
    ) -> Result<i64> {
        let now = Utc::now();
        in_write_tx!(self, |tx| {
            let row = report_row_for_update!(tx, period, unit);
            let status = status_of(&row.status)?;
            if !bangfu_domain::evidence::report_takes_evidence(status) {
                return Err(StoreError::NotEditable(status.label().to_string()));
            }
            let size = file.content.len() as i64;
            let entry = audit::append(NewAuditEntry {
                actor: actor.to_string(),
                address: address.to_string(),
                action: "report.evidence".into(),
                entity: "report".into(),
                entity_key: format!("{period}/{unit}"),
                new_value: Some(format!(
                    "{}（{} 字节，sha256 {}）",
                    file.file_name, size, file.sha256
                )),
                ..Default::default()
            });
            let bump = stmt!(
                "UPDATE reports SET version = version + 1, updated_at = $1 WHERE id = $2",
                now,
                row.id
            );
            let id = insert_returning_id!(
                tx,
                insert_file(                "INSERT INTO evidence_files (report_id, file_name, content_type, size_bytes, sha256, \
                 content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    vec![row.id.into()], &file, actor, now)
            );
            execute_all!(tx, [bump, entry]);
            Ok(id)
        })
    }

    async fn evidence(&self, id: i64) -> Result<Option<EvidenceFile>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            meta: EvidenceMeta,
            period_code: String,
            unit_code: String,
            content: Vec<u8>,
        }
        let row = on_pool!(self, |pool| sqlx::query_as::<_, Row>(
            "SELECT e.id, e.file_name, e.content_type, e.size_bytes, e.sha256, e.uploaded_by, \
             e.uploaded_at, r.period_code, r.unit_code, e.content \
             FROM evidence_files e JOIN reports r ON r.id = e.report_id WHERE e.id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|r| EvidenceFile {
            meta: r.meta,
            period: r.period_code,
            unit: r.unit_code,
            content: r.content,
        }))
    }

    async fn remove_evidence(&self, id: i64, actor: &str, address: &str) -> Result<()> {
        let now = Utc::now();
        in_write_tx!(self, |tx| {
            let found: Option<(String, String, String, String)> = sqlx::query_as(
                "SELECT r.period_code, r.unit_code, e.uploaded_by, e.file_name \
                 FROM evidence_files e JOIN reports r ON r.id = e.report_id WHERE e.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((period, unit, uploaded_by, file_name)) = found else {
                return Err(StoreError::Invalid("佐证材料不存在或已删除".into()));
            };
            // The report row is locked before the rule is asked, so an approval cannot slip in.
            let row = report_row_for_update!(tx, &period, &unit);
            bangfu_domain::evidence::may_remove_evidence(
                status_of(&row.status)?,
                &uploaded_by,
                actor,
            )
            .map_err(|m| StoreError::Rejected(vec![m]))?;
            let entry = audit::append(NewAuditEntry {
                actor: actor.to_string(),
                address: address.to_string(),
                action: "report.evidence.remove".into(),
                entity: "report".into(),
                entity_key: format!("{period}/{unit}"),
                old_value: Some(file_name),
                ..Default::default()
            });
            let statements = [
                stmt!("DELETE FROM evidence_files WHERE id = $1", id),
                stmt!(
                    "UPDATE reports SET version = version + 1, updated_at = $1 WHERE id = $2",
                    now,
                    row.id
                ),
                entry,
            ];
            execute_all!(tx, statements);
            Ok(())
        })
    }
}
