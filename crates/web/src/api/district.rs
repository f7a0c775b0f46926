//! The district's figures in the JSON API: the summary of a period and the completeness matrix.

use super::*;
use bangfu_domain::summary::ReportScope;

/// `?basis=ytd|quarter&approved_only=true|false&include_drafts=true|false`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// ytd 累计或 quarter 本季度；默认为方案的口径
    #[param(value_type = Option<ValueBasis>, inline)]
    pub basis: Option<String>,
    /// 只计已审核的报表（默认 false）
    pub approved_only: Option<bool>,
    /// 也计入未报送的草稿和被退回的报表（默认 false：只计已报送和已审核的）
    pub include_drafts: Option<bool>,
}

impl SummaryParams {
    pub fn basis(&self, state: &AppState) -> Result<ValueBasis, AppError> {
        match self.basis.as_deref() {
            None => Ok(state.plan.schedule.basis),
            Some(b) => ValueBasis::parse(b).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "口径“{b}”无效，应为 ytd（累计）或 quarter（本季度）"
                ))
            }),
        }
    }

    pub fn scope(&self) -> ReportScope {
        ReportScope::from_switches(
            self.approved_only.unwrap_or(false),
            self.include_drafts.unwrap_or(false),
        )
    }
}

/// One row of the district summary.
#[derive(Serialize, ToSchema)]
pub struct SummaryRowJson {
    indicator: String,
    label: Option<String>,
    /// 计量单位
    unit: Option<String>,
    /// 全区合计；没有单位填报时为 null
    total: Option<Quantity>,
    /// 各单位的数值，按单位代码
    by_unit: BTreeMap<String, Quantity>,
}

/// The district summary (全区汇总) of a period.
#[derive(Serialize, ToSchema)]
pub struct SummaryJson {
    period: String,
    #[schema(inline)]
    basis: ValueBasis,
    approved_only: bool,
    // The scope's meaning is in the enum's own description (a doc comment here would wrap the
    // inlined enum in an allOf that no string matches).
    #[schema(inline)]
    scope: ReportScope,
    rows: Vec<SummaryRowJson>,
}

/// The `{period}` of an address.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PeriodPath {
    /// 报送期代码，例如 2018Q1
    pub(super) period: String,
}

/// `GET /api/v1/summary/{period}`
#[utoipa::path(
    get,
    path = "/summary/{period}",
    tag = "district",
    params(PeriodPath, SummaryParams),
    responses(
        (status = 200, description = "全区汇总", body = SummaryJson),
        (status = 400, description = "报送期代码无效或不在本方案的报送安排内，或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn summary(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(PeriodPath { period }): PathParams<PeriodPath>,
    QueryParams(q): QueryParams<SummaryParams>,
) -> Result<Json<SummaryJson>, ApiError> {
    let basis = q.basis(&state)?;
    let scope = q.scope();
    let (period, rows) = reporting::summary(&state, &actor, &period, basis, scope).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let ind = state.plan.indicator(&r.indicator);
            SummaryRowJson {
                label: ind.map(|i| i.label()),
                unit: ind.and_then(|i| i.unit.clone()),
                indicator: r.indicator,
                total: r.total,
                by_unit: r.by_unit,
            }
        })
        .collect();
    Ok(Json(SummaryJson {
        period: period.code.to_string(),
        basis,
        approved_only: scope == ReportScope::Approved,
        scope,
        rows,
    }))
}

/// `?year=2018` or `?year=all`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// 年份（四位数字，默认为当年）或 all（全部年份）
    #[param(pattern = r"^([0-9]{4}|all)$")]
    year: Option<String>,
}

/// One cell of the completeness matrix.
#[derive(Serialize, ToSchema)]
pub struct CompletenessCell {
    unit: String,
    period: String,
    status: Completeness,
    status_label: &'static str,
    late: bool,
}

/// The completeness matrix (报送情况) of a year, or of every year.
#[derive(Serialize, ToSchema)]
pub struct CompletenessJson {
    /// null: 全部年份
    year: Option<i32>,
    rows: Vec<CompletenessCell>,
    /// 各报送期的统计，按报送期代码
    periods: BTreeMap<String, PeriodCounts>,
}

/// `GET /api/v1/completeness`
#[utoipa::path(
    get,
    path = "/completeness",
    tag = "district",
    params(YearParams),
    responses(
        (status = 200, description = "报送情况", body = CompletenessJson),
        (status = 400, description = "年份无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn completeness(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<YearParams>,
) -> Result<Json<CompletenessJson>, ApiError> {
    // Exactly the document's pattern: four digits, or `all`.
    let year = match q.year.as_deref() {
        None => Some(crate::oversight::default_year(&state)),
        Some("all") => None,
        Some(y) => Some(
            y.parse::<i32>()
                .ok()
                .filter(|_| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    AppError::BadRequest(format!("年份“{y}”无效，应为四位数字（例如 2018）或 all"))
                })?,
        ),
    };
    let matrix = reporting::completeness(&state, &actor, year).await?;
    let rows = matrix
        .rows
        .iter()
        .flat_map(|r| {
            r.cells.iter().map(|(period, cell, late)| CompletenessCell {
                unit: r.unit.code.clone(),
                period: period.clone(),
                status: *cell,
                status_label: cell.label(),
                late: *late,
            })
        })
        .collect();
    let periods = matrix
        .periods
        .iter()
        .zip(&matrix.counts)
        .map(|(p, c)| (p.code.to_string(), c.clone()))
        .collect();
    Ok(Json(CompletenessJson {
        year,
        rows,
        periods,
    }))
}
