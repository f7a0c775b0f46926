//! Audit findings (审计意见) on projects and transactions, answered by the unit and closed by the
//! auditor.

use super::corrupt;
use crate::audit::{self, NewAuditEntry};
use crate::conn::Conn;
use crate::stmt::stmt;
use crate::Result;
use bangfu_domain::ledger::{Finding, FindingStatus};
use chrono::NaiveDate;

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: i64,
    project_id: i64,
    transaction_id: Option<i64>,
    text: String,
    raised_by: String,
    raised_on: NaiveDate,
    status: String,
    response: String,
    responded_by: Option<String>,
}

impl TryFrom<FindingRow> for Finding {
    type Error = crate::StoreError;
    fn try_from(r: FindingRow) -> Result<Self> {
        Ok(Finding {
            status: FindingStatus::parse(&r.status)
                .ok_or_else(|| corrupt("审计意见状态", &r.status))?,
            id: r.id,
            project: r.project_id,
            transaction: r.transaction_id,
            text: r.text,
            raised_by: r.raised_by,
            raised_on: r.raised_on,
            response: r.response,
            responded_by: r.responded_by,
        })
    }
}

/// Records an open finding with its audit entry; returns its id.
pub(super) async fn raise(
    conn: &mut Conn<'_>,
    project: i64,
    transaction: Option<i64>,
    text: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<i64> {
    let id: i64 = conn
        .scalar(
            "INSERT INTO ledger_findings (project_id, transaction_id, text, raised_by, \
             raised_on, status) VALUES ($1, $2, $3, $4, $5, 'open') RETURNING id",
            vec![
                project.into(),
                transaction.into(),
                text.trim().into(),
                actor.into(),
                on.into(),
            ],
        )
        .await?;
    let entry = audit::append(NewAuditEntry {
        actor: actor.to_string(),
        action: "ledger.finding".into(),
        entity: "finding".into(),
        entity_key: id.to_string(),
        new_value: Some(format!(
            "项目 {project}{}：{}",
            transaction
                .map(|t| format!(" 交易 {t}"))
                .unwrap_or_default(),
            text.trim()
        )),
        ..Default::default()
    });
    conn.execute_all([entry]).await?;
    Ok(id)
}

/// Changes a finding's status (and response) with an audit entry. False if there is no such
/// finding, and nothing is written.
pub(super) async fn update(
    conn: &mut Conn<'_>,
    id: i64,
    status: FindingStatus,
    response: Option<&str>,
    actor: &str,
) -> Result<bool> {
    let exists: Option<i64> = conn
        .scalar_optional(
            "SELECT id FROM ledger_findings WHERE id = $1",
            vec![id.into()],
        )
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let update = match response {
        Some(text) => stmt!(
            "UPDATE ledger_findings SET status = $1, response = $2, responded_by = $3 \
             WHERE id = $4",
            status.as_str(),
            text.trim(),
            actor,
            id
        ),
        None => stmt!(
            "UPDATE ledger_findings SET status = $1 WHERE id = $2",
            status.as_str(),
            id
        ),
    };
    let entry = audit::append(NewAuditEntry {
        actor: actor.to_string(),
        action: "ledger.finding.update".into(),
        entity: "finding".into(),
        entity_key: id.to_string(),
        new_value: Some(format!(
            "{}{}",
            status.label(),
            response
                .map(|r| format!("：{}", r.trim()))
                .unwrap_or_default()
        )),
        ..Default::default()
    });
    conn.execute_all([update, entry]).await?;
    Ok(true)
}

/// Every finding, by id.
pub(super) async fn all(conn: &mut Conn<'_>) -> Result<Vec<Finding>> {
    let rows: Vec<FindingRow> = conn
        .rows(
            "SELECT id, project_id, transaction_id, text, raised_by, raised_on, status, \
             response, responded_by FROM ledger_findings ORDER BY id",
            vec![],
        )
        .await?;
    rows.into_iter().map(Finding::try_from).collect()
}
