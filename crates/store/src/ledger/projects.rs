//! Aid projects with their approved amounts per source.

use super::corrupt;
use crate::audit::{self, NewAuditEntry};
use crate::conn::Conn;
use crate::stmt::{stmt, Arg, Stmt};
use crate::{Result, StoreError};
use bangfu_domain::ledger::{Money, Project, ProjectStatus, Sector};
use chrono::{NaiveDate, Utc};

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    name: String,
    area_code: String,
    sector: String,
    unit_code: String,
    poverty_relief: bool,
    planned_start: Option<NaiveDate>,
    planned_finish: Option<NaiveDate>,
    actual_start: Option<NaiveDate>,
    actual_finish: Option<NaiveDate>,
    status: String,
    beneficiaries: i64,
    task_codes: String,
    note: String,
}

#[derive(sqlx::FromRow)]
struct AmountRow {
    project_id: i64,
    source_code: String,
    amount_fen: i64,
}

const SELECT: &str = "SELECT id, name, area_code, sector, unit_code, poverty_relief, \
     planned_start, planned_finish, actual_start, actual_finish, status, beneficiaries, task_codes, \
     note FROM projects";

const SELECT_AMOUNTS: &str = "SELECT project_id, source_code, amount_fen FROM project_amounts";

fn project_from(r: ProjectRow, amounts: &[AmountRow]) -> Result<Project> {
    Ok(Project {
        sector: Sector::parse(&r.sector).ok_or_else(|| corrupt("行业", &r.sector))?,
        status: ProjectStatus::parse(&r.status).ok_or_else(|| corrupt("项目状态", &r.status))?,
        approved: amounts
            .iter()
            .filter(|a| a.project_id == r.id)
            .map(|a| (a.source_code.clone(), Money::from_fen(a.amount_fen)))
            .collect(),
        tasks: r
            .task_codes
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        id: r.id,
        name: r.name,
        area: r.area_code,
        unit: r.unit_code,
        poverty_relief: r.poverty_relief,
        planned_start: r.planned_start,
        planned_finish: r.planned_finish,
        actual_start: r.actual_start,
        actual_finish: r.actual_finish,
        beneficiaries: r.beneficiaries,
        note: r.note,
    })
}

/// Every project, by id.
pub(super) async fn all(conn: &mut Conn<'_>) -> Result<Vec<Project>> {
    let rows: Vec<ProjectRow> = conn.rows(&format!("{SELECT} ORDER BY id"), vec![]).await?;
    let amounts: Vec<AmountRow> = conn
        .rows(
            &format!("{SELECT_AMOUNTS} ORDER BY project_id, source_code"),
            vec![],
        )
        .await?;
    rows.into_iter()
        .map(|r| project_from(r, &amounts))
        .collect()
}

/// The project with this id.
pub(super) async fn by_id(conn: &mut Conn<'_>, id: i64) -> Result<Option<Project>> {
    let row: Option<ProjectRow> = conn
        .row(&format!("{SELECT} WHERE id = $1"), vec![id.into()])
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let amounts: Vec<AmountRow> = conn
        .rows(
            &format!("{SELECT_AMOUNTS} WHERE project_id = $1 ORDER BY source_code"),
            vec![id.into()],
        )
        .await?;
    project_from(row, &amounts).map(Some)
}

/// Creates (id 0) or updates each project with its amounts and an audit entry; returns the ids.
/// An unknown id refuses the whole batch (the caller drops the transaction).
pub(super) async fn save(
    conn: &mut Conn<'_>,
    projects: &[Project],
    actor: &str,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(projects.len());
    for p in projects {
        ids.push(save_one(conn, p, actor).await?);
    }
    Ok(ids)
}

async fn save_one(conn: &mut Conn<'_>, p: &Project, actor: &str) -> Result<i64> {
    let old = by_id(conn, p.id).await?;
    if p.id != 0 && old.is_none() {
        return Err(StoreError::Rejected(vec![format!(
            "项目编号 {} 不存在",
            p.id
        )]));
    }
    let id: i64 = if p.id == 0 {
        conn.scalar(
            "INSERT INTO projects (name, area_code, sector, unit_code, poverty_relief, \
             status, beneficiaries, task_codes, note, planned_start, planned_finish, \
             actual_start, actual_finish, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             RETURNING id",
            columns(p, actor),
        )
        .await?
    } else {
        let mut args = columns(p, actor);
        args.push(p.id.into());
        conn.execute(
            "UPDATE projects SET name = $1, area_code = $2, sector = $3, unit_code = $4, \
             poverty_relief = $5, status = $6, beneficiaries = $7, task_codes = $8, \
             note = $9, planned_start = $10, planned_finish = $11, actual_start = $12, \
             actual_finish = $13, updated_by = $14, updated_at = $15 WHERE id = $16",
            args,
        )
        .await?;
        p.id
    };
    let mut stmts = amount_statements(id, p);
    stmts.push(audit_entry(id, p, old.as_ref(), actor));
    conn.execute_all(stmts).await?;
    Ok(id)
}

/// The project's columns $1 to $15 of the insert and the update.
fn columns(p: &Project, actor: &str) -> Vec<Arg> {
    vec![
        p.name.trim().into(),
        (&p.area).into(),
        p.sector.as_str().into(),
        (&p.unit).into(),
        p.poverty_relief.into(),
        p.status.as_str().into(),
        p.beneficiaries.into(),
        p.tasks.join(",").into(),
        p.note.trim().into(),
        Arg::OptDate(p.planned_start),
        Arg::OptDate(p.planned_finish),
        Arg::OptDate(p.actual_start),
        Arg::OptDate(p.actual_finish),
        actor.into(),
        Utc::now().into(),
    ]
}

/// Replaces the project's approved amounts.
fn amount_statements(id: i64, p: &Project) -> Vec<Stmt> {
    let mut stmts = vec![stmt!(
        "DELETE FROM project_amounts WHERE project_id = $1",
        id
    )];
    for (source, amount) in &p.approved {
        stmts.push(stmt!(
            "INSERT INTO project_amounts (project_id, source_code, amount_fen) \
             VALUES ($1, $2, $3)",
            id,
            source,
            amount.fen()
        ));
    }
    stmts
}

fn audit_entry(id: i64, p: &Project, old: Option<&Project>, actor: &str) -> Stmt {
    let mut saved = p.clone();
    saved.id = id;
    audit::append(NewAuditEntry {
        actor: actor.to_string(),
        action: if p.id == 0 {
            "ledger.project.create".into()
        } else {
            "ledger.project.update".into()
        },
        entity: "project".into(),
        entity_key: id.to_string(),
        old_value: old.map(describe),
        new_value: Some(describe(&saved)),
        ..Default::default()
    })
}

/// A project in one line, for the audit log.
fn describe(p: &Project) -> String {
    let amounts: Vec<String> = p.approved.iter().map(|(s, m)| format!("{s} {m}")).collect();
    format!(
        "{}｜{}｜{}｜{}｜{}｜批复 {}｜脱贫 {} 人",
        p.name,
        p.area,
        p.sector.label(),
        p.unit,
        p.status.label(),
        amounts.join("、"),
        p.beneficiaries
    )
}
