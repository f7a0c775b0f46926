//! The reports of the JSON API: read one, save its values and narrative, move it through the workflow.

use super::*;

/// One row's value in a report: a decimal string, or null when not filled.
#[derive(Serialize, ToSchema)]
pub struct ValueJson {
    indicator: String,
    value: Option<Quantity>,
    /// 说明
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

/// One step of a report's history.
#[derive(Serialize, ToSchema)]
pub struct EventJson {
    /// 北京时间，例如 "2018-03-10 10:00"
    at: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    reason: String,
}

/// An evidence file (佐证材料) attached to a report.
#[derive(Serialize, ToSchema)]
pub struct EvidenceJson {
    id: i64,
    file_name: String,
    size_bytes: i64,
    sha256: String,
    /// 下载地址（网页会话）
    download: String,
}

/// Who filled the report (填报人), once saved.
#[derive(Serialize, ToSchema)]
pub struct ReporterJson {
    name: Option<String>,
    phone: Option<String>,
}

/// A unit's report for a period.
#[derive(Serialize, ToSchema)]
pub struct ReportJson {
    period: String,
    unit: String,
    status: ReportStatus,
    status_label: &'static str,
    /// 保存时放在 `version` 中，防止覆盖他人的修改
    version: i64,
    deadline: NaiveDate,
    /// 例如 "距截止 10 天"
    deadline_status: String,
    submitted_at: Option<DateTime<Utc>>,
    late: bool,
    reporter: ReporterJson,
    /// 本单位须填报的指标
    indicators: Vec<String>,
    values: Vec<ValueJson>,
    narrative: Narrative,
    return_reason: Option<String>,
    history: Vec<EventJson>,
    evidence: Vec<EvidenceJson>,
    /// 由台账计算的数（每个由台账填报的指标一项）
    computed: Vec<bangfu_domain::registry::Computed>,
}

/// The `{period}` and `{unit}` of a report's address.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReportPath {
    /// 报送期代码，例如 2018Q1
    pub(super) period: String,
    /// 单位代码
    pub(super) unit: String,
}

/// `GET /api/v1/reports/{period}/{unit}`
#[utoipa::path(
    get,
    path = "/reports/{period}/{unit}",
    tag = "reports",
    params(ReportPath),
    responses(
        (status = 200, description = "报表", body = ReportJson),
        (status = 400, description = "报送期代码无效或不在本方案的报送安排内", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看该单位的报表", body = ErrorBody),
        (status = 404, description = "单位不存在", body = ErrorBody),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(ReportPath { period, unit }): PathParams<ReportPath>,
) -> Result<Json<ReportJson>, ApiError> {
    let r = reporting::load(&state, &actor, &period, &unit).await?;
    let computed = bangfu_app::registries::computed(&state, &r.period, &r.unit.code).await?;
    let stored = r.stored.as_ref();
    Ok(Json(ReportJson {
        period: r.period.code.to_string(),
        unit: r.unit.code.clone(),
        status: r.status(),
        status_label: r.status().label(),
        version: r.version(),
        deadline: r.period.deadline,
        deadline_status: r.period.deadline_status(state.clock.today()).to_string(),
        submitted_at: stored.and_then(|s| s.submitted_at),
        late: r.late(),
        reporter: ReporterJson {
            name: stored.map(|s| s.reporter_name.clone()),
            phone: stored.map(|s| s.reporter_phone.clone()),
        },
        indicators: state
            .plan
            .indicators_for_unit(&r.unit.code)
            .iter()
            .map(|i| i.code.clone())
            .collect(),
        values: values_json(r.entries()),
        narrative: stored.map(|s| s.narrative.clone()).unwrap_or_default(),
        return_reason: r.return_reason(),
        history: stored
            .map(|s| {
                s.events
                    .iter()
                    .map(|e| EventJson {
                        at: beijing_time(e.occurred_at),
                        actor: e.actor.clone(),
                        action: e.action.clone(),
                        from: e.from_status.clone(),
                        to: e.to_status.clone(),
                        reason: e.reason.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        evidence: stored
            .map(|s| {
                s.evidence
                    .iter()
                    .map(|e| EvidenceJson {
                        id: e.id,
                        file_name: e.file_name.clone(),
                        size_bytes: e.size_bytes,
                        sha256: e.sha256.clone(),
                        download: format!("/evidence/{}", e.id),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        computed,
    }))
}

/// One row's value as sent: a decimal string (`"12.5"`), or null / `""` to clear it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueInput {
    /// 指标代码
    indicator: String,
    /// 数值：十进制数字字符串，例如 "12.5"；null 或空字符串表示清空
    #[serde(default)]
    #[schema(nullable, examples("12.5"))]
    value: Option<String>,
    /// 说明
    #[serde(default)]
    #[schema(nullable, max_length = 500)]
    comment: Option<String>,
}

/// The three narrative parts of a report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NarrativeInput {
    /// 进展情况
    #[serde(default)]
    #[schema(max_length = 5000)]
    progress: String,
    /// 存在问题
    #[serde(default)]
    #[schema(max_length = 5000)]
    problems: String,
    /// 下步打算
    #[serde(default)]
    #[schema(max_length = 5000)]
    next_steps: String,
}

/// Values (and optionally the narrative) to save into a report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutValues {
    values: Vec<ValueInput>,
    #[serde(default)]
    #[schema(nullable)]
    narrative: Option<NarrativeInput>,
    /// 读取时的 `version`；与当前版本不同则返回 409，不覆盖
    #[serde(default, deserialize_with = "input::optional_integer")]
    #[schema(nullable, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    version: Option<i64>,
}

/// The new version and any warnings (警告不阻止保存).
#[derive(Serialize, ToSchema)]
pub struct Saved {
    version: i64,
    warnings: Vec<Finding>,
}

/// What is stored now, sent with a version conflict.
#[derive(Serialize, ToSchema)]
pub struct CurrentValues {
    version: i64,
    values: Vec<ValueJson>,
}

/// A 409: the error, and on a version conflict what is stored now.
#[derive(Serialize, ToSchema)]
pub struct ConflictBody {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<CurrentValues>,
}

/// `PUT /api/v1/reports/{period}/{unit}/values`
#[utoipa::path(
    put,
    path = "/reports/{period}/{unit}/values",
    tag = "reports",
    params(ReportPath),
    request_body = PutValues,
    responses(
        (status = 200, description = "已保存", body = Saved),
        (status = 400, description = "请求体不是所要求的 JSON，或报送期代码无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权填报该单位的报表，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "单位不存在", body = ErrorBody),
        (status = 409, description = "版本冲突（附当前数据），或报表当前状态不能修改", body = ConflictBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "数据校验未通过，`errors` 逐项说明", body = ErrorBody),
    )
)]
pub async fn put_values(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(ReportPath { period, unit }): PathParams<ReportPath>,
    JsonBody(req): JsonBody<PutValues>,
) -> ApiResult {
    let raw: Vec<RawEntry> = req
        .values
        .into_iter()
        .map(|v| RawEntry {
            indicator: v.indicator,
            value: v.value,
            comment: v.comment,
        })
        .collect();
    let narrative = req.narrative.map(|n| Narrative {
        progress: n.progress,
        problems: n.problems,
        next_steps: n.next_steps,
    });
    let saved = match reporting::save(&state, &actor, &period, &unit, &raw, narrative, req.version)
        .await
        .map_err(AppError::from)
    {
        Err(AppError::Store(e @ bangfu_store::StoreError::VersionConflict { .. })) => {
            // The caller sees what is stored now, so nothing is overwritten blindly.
            let r = reporting::load(&state, &actor, &period, &unit).await?;
            let body = ConflictBody {
                error: e.to_string(),
                current: Some(CurrentValues {
                    version: r.version(),
                    values: values_json(r.entries()),
                }),
            };
            return Ok((StatusCode::CONFLICT, Json(body)).into_response());
        }
        other => other?,
    };
    Ok(Json(Saved {
        version: saved.version,
        warnings: saved.warnings,
    })
    .into_response())
}

/// The optional body of a workflow step: the reason (required to return or reopen) and the
/// version read.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRequest {
    /// 原因（退回、重新打开时必填）
    #[serde(default)]
    #[schema(max_length = 5000)]
    reason: String,
    /// 读取时的 `version`
    #[serde(default, deserialize_with = "input::optional_integer")]
    #[schema(nullable, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    version: Option<i64>,
}

/// A report's state after a workflow step.
#[derive(Serialize, ToSchema)]
pub struct WorkflowResult {
    period: String,
    unit: String,
    status: ReportStatus,
    version: i64,
    late: bool,
}

/// The address of a workflow step.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WorkflowPath {
    /// 报送期代码，例如 2018Q1
    period: String,
    /// 单位代码
    unit: String,
    /// submit 报送、return 退回、approve 审核通过、reopen 重新打开
    #[param(value_type = WorkflowAction, inline)]
    action: String,
}

/// `POST /api/v1/reports/{period}/{unit}/{action}`: submit, return, approve or reopen.
#[utoipa::path(
    post,
    path = "/reports/{period}/{unit}/{action}",
    tag = "reports",
    params(WorkflowPath),
    request_body(content = Option<WorkflowRequest>, description = "可省略（审核通过、报送不需要原因）"),
    responses(
        (status = 200, description = "已办理", body = WorkflowResult),
        (status = 400, description = "请求体不是所要求的 JSON，或报送期代码无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权办理，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "单位或操作不存在", body = ErrorBody),
        (status = 409, description = "报表当前状态不能办理此操作，或版本冲突", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "缺少原因、原因不合要求，或报送时数据校验未通过", body = ErrorBody),
    )
)]
pub async fn workflow(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(WorkflowPath {
        period,
        unit,
        action,
    }): PathParams<WorkflowPath>,
    body: axum::body::Bytes,
) -> Result<Json<WorkflowResult>, ApiError> {
    let action = WorkflowAction::parse(&action).ok_or(AppError::NotFound)?;
    // The body is optional: approving needs no reason.
    let req: WorkflowRequest = if body.iter().all(u8::is_ascii_whitespace) {
        WorkflowRequest::default()
    } else {
        serde_json::from_slice::<Option<WorkflowRequest>>(&body)
            .map_err(|e| {
                AppError::BadRequest(format!(
                    "JSON 内容与接口要求不符：{}",
                    crate::extract::zh(&e.to_string())
                ))
            })?
            .unwrap_or_default()
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
    Ok(Json(WorkflowResult {
        period: r.period.code.to_string(),
        unit: r.unit.code.clone(),
        status: r.status(),
        version: r.version(),
        late: r.late(),
    }))
}
