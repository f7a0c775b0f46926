//! Evidence files (佐证材料) on register entries: added with an audit entry in the same
//! transaction, listed without their content, read one at a time.

use crate::audit::{self, NewAuditEntry};
use crate::stmt::{insert_file, Arg};
use crate::{NewEvidence, Result, SqlStore, StoreError};
use chrono::{DateTime, Utc};

/// An evidence file on a register entry, without its content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryEvidence {
    pub id: i64,
    pub entry_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    #[sqlx(flatten)]
    meta: EntryEvidence,
    content: Vec<u8>,
}

const COLUMNS: &str = "id, entry_id, file_name, content_type, size_bytes, uploaded_by, uploaded_at";

impl SqlStore {
    pub(crate) async fn insert_entry_evidence(
        &self,
        entry: i64,
        file: NewEvidence,
        actor: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let registry: Option<(String, Option<String>)> = conn
            .row(
                "SELECT registry_code, voided_by FROM registry_entries WHERE id = $1",
                vec![Arg::I64(entry)],
            )
            .await?;
        let registry = match registry {
            None => return Err(StoreError::Invalid(format!("台账条目 {entry} 不存在"))),
            Some((_, Some(_))) => {
                return Err(StoreError::Workflow(
                    "台账条目已作废，不能再上传佐证材料".into(),
                ))
            }
            Some((registry, None)) => registry,
        };
        let insert = insert_file(
            "INSERT INTO registry_evidence (entry_id, file_name, content_type, size_bytes, sha256, \
             content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            vec![Arg::I64(entry)],
            &file,
            actor,
            Utc::now(),
        );
        let id: i64 = conn.scalar(&insert.sql, insert.args).await?;
        conn.execute_all([audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "registry.evidence".into(),
            entity: "registry_entry".into(),
            entity_key: format!("{registry}#{entry}"),
            new_value: Some(format!("{}（sha256 {}）", file.file_name, file.sha256)),
            ..Default::default()
        })])
        .await?;
        drop(conn);
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn list_entry_evidence(&self, entry: i64) -> Result<Vec<EntryEvidence>> {
        let sql =
            format!("SELECT {COLUMNS} FROM registry_evidence WHERE entry_id = $1 ORDER BY id");
        self.read()
            .await?
            .conn()
            .rows(&sql, vec![Arg::I64(entry)])
            .await
    }

    pub(crate) async fn read_entry_evidence(
        &self,
        id: i64,
    ) -> Result<Option<(EntryEvidence, Vec<u8>)>> {
        let sql = format!("SELECT {COLUMNS}, content FROM registry_evidence WHERE id = $1");
        let row: Option<FileRow> = self
            .read()
            .await?
            .conn()
            .row(&sql, vec![Arg::I64(id)])
            .await?;
        Ok(row.map(|r| (r.meta, r.content)))
    }
}
