//! The JSON API (`/api/v1`): the same operations as the pages, through the same `reporting`
//! functions and the same policy. Values travel as decimal strings, never floats.

pub mod areas;
pub mod ledger;
pub mod sheets;

use crate::auth::client::ClientInfo;
use crate::auth::session::session_cookie;
use crate::auth::Actor;
use crate::error::{ApiError, AppError};
use crate::extract::JsonBody;
use crate::pages::auth::{check_credentials, start_session};
use crate::pages::district::SummaryQuery;
use crate::pages::report::beijing_time;
use crate::reporting;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::plan::view::PlanView;
use bangfu_domain::report::{Narrative, RawEntry, WorkflowAction};
use bangfu_domain::Quantity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

type ApiResult = Result<Response, ApiError>;

/// `GET /api/v1/plan`: the plan as loaded, in the same shape as `bangfu plan show --json`.
pub async fn plan(State(state): State<AppState>) -> ApiResult {
    Ok(Json(PlanView::new(&state.plan)).into_response())
}

/// `GET /api/v1/openapi.json`
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct LoginRequest {
    login: String,
    password: String,
}

#[derive(Serialize)]
struct Me<'a> {
    login: &'a str,
    name: &'a str,
    role: &'a str,
    role_label: &'a str,
    unit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<&'a str>,
}

pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult {
    match check_credentials(&state, &req.login, &req.password, &client.address).await? {
        Ok(user) => {
            let (cookie, csrf) = start_session(&state, &user, &client).await?;
            let me = Me {
                login: &user.login,
                name: &user.display_name,
                role: user.role.as_str(),
                role_label: user.role.label(),
                unit: user.unit_code.as_deref(),
                csrf_token: Some(&csrf),
            };
            Ok(([(header::SET_COOKIE, cookie)], Json(&me)).into_response())
        }
        Err(refusal) => Ok((
            refusal.status,
            Json(serde_json::json!({ "error": refusal.message })),
        )
            .into_response()),
    }
}

pub async fn logout(State(state): State<AppState>, actor: Actor) -> ApiResult {
    if let Some((id_hash, _)) = &actor.session {
        state
            .store
            .delete_session(id_hash, actor.login(), &actor.address)
            .await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie("", state.secure_cookies || actor.https),
        )],
        Json(serde_json::json!({ "ok": true })),
    )
        .into_response())
}

pub async fn me(actor: Actor) -> ApiResult {
    Ok(Json(Me {
        login: &actor.user.login,
        name: &actor.user.display_name,
        role: actor.user.role.as_str(),
        role_label: actor.user.role.label(),
        unit: actor.user.unit_code.as_deref(),
        csrf_token: actor.session.as_ref().map(|(_, c)| c.as_str()),
    })
    .into_response())
}

#[derive(Serialize)]
struct ValueJson {
    indicator: String,
    value: Option<Quantity>,
    comment: String,
}

fn values_json(entries: BTreeMap<String, bangfu_domain::report::Entry>) -> Vec<ValueJson> {
    entries
        .into_iter()
        .map(|(indicator, e)| ValueJson {
            indicator,
            value: e.value,
            comment: e.comment,
        })
        .collect()
}

#[derive(Serialize)]
struct EventJson {
    at: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    reason: String,
}

#[derive(Serialize)]
struct EvidenceJson {
    id: i64,
    file_name: String,
    size_bytes: i64,
    sha256: String,
    download: String,
}

pub async fn report(
    State(state): State<AppState>,
    actor: Actor,
    Path((period, unit)): Path<(String, String)>,
) -> ApiResult {
    let r = reporting::load(&state, &actor, &period, &unit).await?;
    let stored = r.stored.as_ref();
    let values = values_json(r.entries());
    let body = serde_json::json!({
        "period": r.period.code.to_string(),
        "unit": r.unit.code,
        "status": r.status().as_str(),
        "status_label": r.status().label(),
        "version": r.version(),
        "deadline": r.period.deadline,
        "deadline_status": r.period.deadline_status(state.clock.today()).to_string(),
        "submitted_at": stored.and_then(|s| s.submitted_at),
        "late": r.late(),
        "reporter": { "name": stored.map(|s| s.reporter_name.clone()), "phone": stored.map(|s| s.reporter_phone.clone()) },
        "indicators": state.plan.indicators_for_unit(&r.unit.code).iter().map(|i| &i.code).collect::<Vec<_>>(),
        "values": values,
        "narrative": stored.map(|s| s.narrative.clone()).unwrap_or_default(),
        "return_reason": r.return_reason(),
        "history": stored.map(|s| s.events.iter().map(|e| EventJson {
            at: beijing_time(e.occurred_at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            from: e.from_status.clone(),
            to: e.to_status.clone(),
            reason: e.reason.clone(),
        }).collect::<Vec<_>>()).unwrap_or_default(),
        "evidence": stored.map(|s| s.evidence.iter().map(|e| EvidenceJson {
            id: e.id,
            file_name: e.file_name.clone(),
            size_bytes: e.size_bytes,
            sha256: e.sha256.clone(),
            download: format!("/evidence/{}", e.id),
        }).collect::<Vec<_>>()).unwrap_or_default(),
    });
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
pub struct PutValues {
    values: Vec<RawEntry>,
    narrative: Option<Narrative>,
    version: Option<i64>,
}

pub async fn put_values(
    State(state): State<AppState>,
    actor: Actor,
    Path((period, unit)): Path<(String, String)>,
    JsonBody(req): JsonBody<PutValues>,
) -> ApiResult {
    let saved = match reporting::save(
        &state,
        &actor,
        &period,
        &unit,
        &req.values,
        req.narrative,
        req.version,
    )
    .await
    {
        Err(AppError::Store(e @ bangfu_store::StoreError::VersionConflict { .. })) => {
            // The caller sees what is stored now, so nothing is overwritten blindly.
            let r = reporting::load(&state, &actor, &period, &unit).await?;
            let current = values_json(r.entries());
            let body = serde_json::json!({
                "error": e.to_string(),
                "current": { "version": r.version(), "values": current },
            });
            return Ok((axum::http::StatusCode::CONFLICT, Json(body)).into_response());
        }
        other => other?,
    };
    Ok(
        Json(serde_json::json!({ "version": saved.version, "warnings": saved.warnings }))
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
pub struct WorkflowRequest {
    #[serde(default)]
    reason: String,
    version: Option<i64>,
}

pub async fn workflow(
    State(state): State<AppState>,
    actor: Actor,
    Path((period, unit, action)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> ApiResult {
    let action = WorkflowAction::parse(&action).ok_or(AppError::NotFound)?;
    // The body is optional: approving needs no reason.
    let req: WorkflowRequest = if body.iter().all(u8::is_ascii_whitespace) {
        WorkflowRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("JSON 格式错误：{e}")))?
    };
    reporting::transition(
        &state,
        &actor,
        &period,
        &unit,
        action,
        &req.reason,
        req.version,
    )
    .await?;
    let r = reporting::load(&state, &actor, &period, &unit).await?;
    Ok(Json(serde_json::json!({
        "period": r.period.code.to_string(),
        "unit": r.unit.code,
        "status": r.status().as_str(),
        "version": r.version(),
        "late": r.late(),
    }))
    .into_response())
}

pub async fn summary(
    State(state): State<AppState>,
    actor: Actor,
    Path(period): Path<String>,
    Query(q): Query<SummaryQuery>,
) -> ApiResult {
    let basis = q.basis(state.plan.schedule.basis)?;
    let approved_only = q.approved_only();
    let (period, rows) = reporting::summary(&state, &actor, &period, basis, approved_only).await?;
    let rows: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            let ind = state.plan.indicator(&r.indicator);
            serde_json::json!({
                "indicator": r.indicator,
                "label": ind.map(|i| i.label()),
                "unit": ind.and_then(|i| i.unit.clone()),
                "total": r.total,
                "by_unit": r.by_unit,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "period": period.code.to_string(),
        "basis": basis.as_str(),
        "approved_only": approved_only,
        "rows": rows,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

pub async fn completeness(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<YearQuery>,
) -> ApiResult {
    let year = crate::pages::district::completeness_year(&state, q.year.as_deref())?;
    let matrix = reporting::completeness(&state, &actor, year).await?;
    let rows: Vec<serde_json::Value> = matrix
        .rows
        .iter()
        .flat_map(|r| {
            r.cells.iter().map(|(period, cell, late)| {
                serde_json::json!({
                    "unit": r.unit.code,
                    "period": period,
                    "status": cell.as_str(),
                    "status_label": cell.label(),
                    "late": late,
                })
            })
        })
        .collect();
    let periods: BTreeMap<String, serde_json::Value> = matrix
        .periods
        .iter()
        .zip(&matrix.counts)
        .map(|(p, c)| {
            (
                p.code.to_string(),
                serde_json::to_value(c).unwrap_or_default(),
            )
        })
        .collect();
    Ok(Json(serde_json::json!({ "year": year, "rows": rows, "periods": periods })).into_response())
}

/// `GET /api/v1/audit/head`: the audit chain's end, as a receipt an auditor keeps outside the
/// system (`bangfu audit verify --expect-head RECEIPT` later proves nothing up to it changed).
pub async fn audit_head(State(state): State<AppState>, actor: Actor) -> ApiResult {
    actor.require(bangfu_domain::policy::Action::ViewAuditTrail)?;
    let head = state.store.audit_head().await?;
    Ok(Json(serde_json::json!({
        "seq": head.seq,
        "hash": head.hash,
        "receipt": head.to_string(),
    }))
    .into_response())
}
