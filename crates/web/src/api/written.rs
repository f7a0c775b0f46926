//! Written reports drafted by the system, as Word documents: the district's quarterly report, the
//! year's summary and one pairing's annual summary.

use super::*;
use crate::http::docx_response;
use bangfu_app::written_report::{
    district_docx, pairing_docx, pairing_file, quarter_file, year_docx, year_file,
};
use bangfu_domain::summary::ReportScope;

/// `?approved_only=true|false&include_drafts=true|false`, as on the 全区汇总 page.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WrittenParams {
    /// 只计已审核的报表（默认 false；与 include_drafts 同时给出时以此为准）
    approved_only: Option<bool>,
    /// 也计入未报送的草稿（在文中逐句注明；默认 false：只计已报送和已审核的报表）
    include_drafts: Option<bool>,
}

impl WrittenParams {
    fn scope(&self) -> ReportScope {
        ReportScope::from_switches(
            self.approved_only.unwrap_or(false),
            self.include_drafts.unwrap_or(false),
        )
    }
}

/// `?year=2018&approved_only=true|false&include_drafts=true|false`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PairingParams {
    /// 年份（本方案的报送年份之一；省略为当年）
    year: Option<String>,
    /// 只计已审核的报表（默认 false）
    approved_only: Option<bool>,
    /// 也计入未报送的草稿（在文中注明；默认 false）
    include_drafts: Option<bool>,
}

/// The `{year}` of an address.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct YearPath {
    /// 年份，例如 2018
    year: String,
}

/// The `{code}` of a recipient area.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AreaPath {
    /// 受援地代码
    code: String,
}

/// A Word document (.docx).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct DocxFile(#[allow(dead_code)] Vec<u8>);

/// `GET /api/v1/reports/{period}/district.docx`
#[utoipa::path(
    get,
    path = "/reports/{period}/district.docx",
    tag = "district",
    params(PeriodPath, WrittenParams),
    responses(
        (status = 200, description = "本季度《帮扶协作工作进展情况》Word 初稿", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = inline(DocxFile)),
        (status = 400, description = "报送期代码无效或不在本方案的报送安排内，或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn district_written(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(PeriodPath { period }): PathParams<PeriodPath>,
    QueryParams(q): QueryParams<WrittenParams>,
) -> ApiResult {
    let (period, bytes) = district_docx(&state, &actor, &period, q.scope()).await?;
    let (stem, name) = quarter_file(&state.plan, &period);
    Ok(docx_response(stem, &name, bytes))
}

/// `GET /api/v1/years/{year}/district.docx`
#[utoipa::path(
    get,
    path = "/years/{year}/district.docx",
    tag = "district",
    params(YearPath, WrittenParams),
    responses(
        (status = 200, description = "全年工作总结 Word 初稿（截至已开始的最后一个季度）", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = inline(DocxFile)),
        (status = 400, description = "年份无效或不在本方案的报送年份内，或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn year_written(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(YearPath { year }): PathParams<YearPath>,
    QueryParams(q): QueryParams<WrittenParams>,
) -> ApiResult {
    let year = bangfu_app::oversight::parse_year(&state, Some(&year))?;
    let bytes = year_docx(&state, &actor, year, q.scope()).await?;
    let (stem, name) = year_file(&state.plan, year);
    Ok(docx_response(stem, &name, bytes))
}

/// `GET /api/v1/areas/{code}/report.docx?year=2018`
#[utoipa::path(
    get,
    path = "/areas/{code}/report.docx",
    tag = "areas",
    params(AreaPath, PairingParams),
    responses(
        (status = 200, description = "与该受援地帮扶协作的年度情况 Word 初稿", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = inline(DocxFile)),
        (status = 400, description = "年份无效或不在本方案的报送年份内，或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
        (status = 404, description = "受援地不存在", body = ErrorBody),
    )
)]
pub async fn pairing_written(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(AreaPath { code }): PathParams<AreaPath>,
    QueryParams(q): QueryParams<PairingParams>,
) -> ApiResult {
    if q.year.as_deref().is_some_and(|y| y.trim().is_empty()) {
        return Err(AppError::BadRequest(
            "年份不能为空：省略 year 表示当年，或写四位数字，例如 2018".into(),
        )
        .into());
    }
    let year = bangfu_app::oversight::parse_year(&state, q.year.as_deref())?;
    let scope = ReportScope::from_switches(
        q.approved_only.unwrap_or(false),
        q.include_drafts.unwrap_or(false),
    );
    let (area, bytes) = pairing_docx(&state, &actor, &code, year, scope).await?;
    let (stem, name) = pairing_file(&state.plan, &area, year);
    Ok(docx_response(stem, &name, bytes))
}
