//! Project documents (批复, 合同, 验收 …): content stored in the database with its digest.

use crate::audit::{self, NewAuditEntry};
use crate::conn::Conn;
use crate::db::in_write_tx;
use crate::stmt::{execute_all, insert_file, insert_returning_id};
use crate::{NewEvidence, Result, SqlStore};
use bangfu_domain::ledger::DocumentKind;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A project document without its content.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectDocument {
    pub id: i64,
    pub project_id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl ProjectDocument {
    pub fn kind(&self) -> DocumentKind {
        DocumentKind::parse(&self.kind).unwrap_or(DocumentKind::Other)
    }
}

const SELECT_META: &str = "SELECT id, project_id, kind, file_name, content_type, size_bytes, \
     sha256, uploaded_by, uploaded_at";

/// Stores a document with its audit entry, in one transaction that returns the new id.
pub(super) async fn add(
    store: &SqlStore,
    project: i64,
    kind: DocumentKind,
    file: NewEvidence,
    actor: &str,
) -> Result<i64> {
    let entry = audit::append(NewAuditEntry {
        actor: actor.to_string(),
        action: "ledger.document".into(),
        entity: "project".into(),
        entity_key: project.to_string(),
        new_value: Some(format!(
            "{}：{}（sha256 {}）",
            kind.label(),
            file.file_name,
            file.sha256
        )),
        ..Default::default()
    });
    Ok(in_write_tx!(store, |tx| {
        let id = insert_returning_id!(
            tx,
            insert_file(
                "INSERT INTO project_documents (project_id, kind, file_name, content_type, \
             size_bytes, sha256, content, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                vec![project.into(), kind.as_str().into()],
                &file,
                actor,
                Utc::now(),
            )
        );
        execute_all!(tx, [entry]);
        id
    }))
}

/// Documents of one project, or of all, by id.
pub(super) async fn list(
    conn: &mut Conn<'_>,
    project: Option<i64>,
) -> Result<Vec<ProjectDocument>> {
    conn.rows(
        &format!(
            "{SELECT_META} FROM project_documents WHERE $1 IS NULL OR project_id = $1 ORDER BY id"
        ),
        vec![project.into()],
    )
    .await
}

/// One document with its content.
pub(super) async fn one(
    conn: &mut Conn<'_>,
    id: i64,
) -> Result<Option<(ProjectDocument, Vec<u8>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        meta: ProjectDocument,
        content: Vec<u8>,
    }
    let row: Option<Row> = conn
        .row(
            &format!("{SELECT_META}, content FROM project_documents WHERE id = $1"),
            vec![id.into()],
        )
        .await?;
    Ok(row.map(|r| (r.meta, r.content)))
}

/// Which kinds of documents each project has.
pub(super) async fn kinds(conn: &mut Conn<'_>) -> Result<BTreeMap<i64, Vec<DocumentKind>>> {
    let mut out: BTreeMap<i64, Vec<DocumentKind>> = BTreeMap::new();
    for d in list(conn, None).await? {
        out.entry(d.project_id).or_default().push(d.kind());
    }
    Ok(out)
}
