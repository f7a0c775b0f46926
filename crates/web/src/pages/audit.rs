//! `/audit`: the audit trail for 审计 and administrators, searchable by user, unit, period and
//! date range, and exportable to .xlsx; with the chain's end as a receipt to keep outside the
//! system (`/audit/receipt`).

use super::Nav;
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::QueryParams;
use crate::http::beijing_time;
use crate::http::xlsx_response;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_domain::policy::Action;
use bangfu_domain::report::Narrative;
use bangfu_store::{AuditEntry, AuditFilter, AuditReceipt};
use chrono::{TimeZone, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

const LIMIT: i64 = 500;

/// Beijing midnight of a date as people write it, or a clear error naming the field.
fn day(field: &str, text: &str, next: bool) -> Result<Option<chrono::DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = bangfu_domain::date::parse_date(field, text)?;
    let date = if next {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    Ok(crate::beijing()
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .map(|t| t.with_timezone(&Utc)))
}

/// Per filter field ("unit", "period", "from", "to"), the error to show beside it.
type FieldErrors = BTreeMap<&'static str, String>;

impl AuditQuery {
    fn filter(&self, state: &AppState) -> Result<AuditFilter, FieldErrors> {
        let mut errors = FieldErrors::new();
        let unit = self.unit.trim();
        if !unit.is_empty() && state.plan.unit(unit).is_none() {
            errors.insert("unit", format!("单位“{unit}”不在方案中"));
        }
        let period = self.period.trim();
        if !period.is_empty() {
            if let Err(e) = crate::reporting::find_period(state, period) {
                errors.insert("period", e.to_string());
            }
        }
        let from = day("开始日期", &self.from, false).map_err(|e| errors.insert("from", e));
        let until = day("结束日期", &self.to, true).map_err(|e| errors.insert("to", e));
        let (Ok(from), Ok(until), true) = (from, until, errors.is_empty()) else {
            return Err(errors);
        };
        // Report keys are "period/unit" and value keys "period/unit/row".
        let key_like = match (period.is_empty(), unit.is_empty()) {
            (true, true) => String::new(),
            (false, true) => format!("{period}/%"),
            (true, false) => format!("%/{unit}%"),
            (false, false) => format!("{period}/{unit}%"),
        };
        Ok(AuditFilter {
            actor: self.user.trim().to_ascii_lowercase(),
            key_like,
            from,
            until,
            limit: LIMIT,
        })
    }

    fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("user", &self.user)
            .append_pair("unit", &self.unit)
            .append_pair("period", &self.period)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .finish()
    }
}

/// Action codes in plain Chinese.
pub fn action_label(action: &str) -> &str {
    match action {
        "plan.load" => "载入方案",
        "plan.registries" => "方案补充台账",
        "login.success" => "登录",
        "login.failure" => "登录失败",
        "login.throttled" => "登录被限制（失败过多）",
        "logout" => "退出",
        "user.create" => "创建用户",
        "user.disable" => "停用用户",
        "user.enable" => "启用用户",
        "user.password" => "修改/重置密码",
        "token.create" => "创建 API 令牌",
        "token.revoke" => "吊销 API 令牌",
        "report.value" | "report.values" => "修改数据",
        "report.narrative" => "修改工作情况",
        "report.evidence" => "上传佐证材料",
        "report.import" => "从 Excel 导入",
        "report.submit" => "报送",
        "report.return" => "退回",
        "report.approve" => "审核通过",
        "report.reopen" => "重新打开",
        "report.evidence.remove" => "删除佐证材料",
        "area.stats" => "录入受援地贫困数据",
        "assessment.score" => "年度考核评分",
        "ledger.budget" => "录入预算",
        "ledger.document" => "上传项目文件",
        "ledger.finding" => "提出审计意见",
        "ledger.finding.update" => "答复或关闭审计意见",
        "ledger.project.create" => "登记援建项目",
        "ledger.project.update" => "修改援建项目",
        "ledger.transaction" => "录入资金流水",
        "ledger.reverse" => "冲销资金流水",
        "problem.raise" => "登记问题",
        "problem.update" => "更新问题处理情况",
        "task.progress" => "填报任务进展",
        "task.evidence" => "上传任务佐证材料",
        "registry.add" => "录入台账条目",
        "registry.edit" => "修改台账条目",
        "registry.void" => "作废台账条目",
        "registry.evidence" => "上传台账佐证材料",
        "notice.read" => "通知标为已读",
        "notify.enqueue" => "记录待发通知",
        "notify.resend" => "重新发送通知",
        "notify.webhook" => "设置群机器人",
        "user.contact" => "修改联系方式与通知设置",
        "restore.accept_broken_audit" => "带断点恢复备份",
        other => other,
    }
}

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub address: String,
    pub action: String,
    pub key: String,
    pub old: String,
    pub new: String,
    pub reason: String,
}

/// A logged value as a person reads it: narratives that older versions logged in Rust's debug
/// form (`Narrative { progress: "…", … }`) are shown as “进展情况：…；存在问题：…；下步打算：…”.
fn readable(action: &str, value: Option<String>) -> String {
    let value = value.unwrap_or_default();
    if action != "report.narrative" {
        return value;
    }
    Narrative::from_debug_text(&value).map_or(value, |n| n.readable())
}

impl AuditLine {
    /// The entry with the person's name for the login and the key read out.
    pub fn read(e: AuditEntry, people: &super::people::People, plan: &bangfu_domain::Plan) -> Self {
        let mut line = AuditLine::from(e);
        line.actor = people.name(&line.actor);
        line.key = super::people::readable_key(plan, &line.key);
        line.old = super::people::readable_pairs(plan, &line.old);
        line.new = super::people::readable_pairs(plan, &line.new);
        line
    }
}

impl From<AuditEntry> for AuditLine {
    fn from(e: AuditEntry) -> Self {
        AuditLine {
            at: beijing_time(e.occurred_at),
            old: readable(&e.action, e.old_value),
            new: readable(&e.action, e.new_value),
            actor: e.actor,
            address: e.address,
            action: action_label(&e.action).to_string(),
            key: e.entity_key,
            reason: e.reason.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    q: AuditQuery,
    export: String,
    lines: Vec<AuditLine>,
    limit: i64,
    head: AuditReceipt,
    /// The choices of the filter: people (login, name), units and periods (code, name).
    people: Vec<(String, String)>,
    units: Vec<(String, String)>,
    periods: Vec<(String, String)>,
    errors: FieldErrors,
    status: StatusCode,
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewAuditTrail)?;
    let people = super::people::People::load(&state).await?;
    // A refused filter shows the page with the error beside its field and nothing found.
    let (lines, errors) = match q.filter(&state) {
        Ok(filter) => (
            state
                .store
                .search_audit(&filter)
                .await?
                .into_iter()
                .map(|e| AuditLine::read(e, &people, &state.plan))
                .collect(),
            FieldErrors::new(),
        ),
        Err(errors) => (Vec::new(), errors),
    };
    let plan = &state.plan;
    let page = AuditPage {
        nav: Nav::for_actor(Some(&actor)),
        export: format!("/audit.xlsx?{}", q.query_string()),
        q,
        lines,
        limit: LIMIT,
        head: state.store.audit_head().await?,
        people: people.choices(),
        units: super::unit_choices(plan),
        periods: plan
            .periods()
            .iter()
            .map(|p| (p.code.to_string(), p.label()))
            .collect(),
        status: if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        errors,
    };
    Ok((page.status, Html(page.render()?)).into_response())
}

pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Response, AppError> {
    actor.require(Action::ViewAuditTrail)?;
    let filter = q.filter(&state).map_err(|errors| {
        AppError::BadRequest(errors.into_values().collect::<Vec<_>>().join("；"))
    })?;
    let people = super::people::People::load(&state).await?;
    let rows: Vec<Vec<String>> = state
        .store
        .search_audit(&filter)
        .await?
        .into_iter()
        .map(|e| {
            let l = AuditLine::read(e, &people, &state.plan);
            vec![
                l.at, l.actor, l.address, l.action, l.key, l.old, l.new, l.reason,
            ]
        })
        .collect();
    let bytes = crate::sheets::off_runtime(move || {
        bangfu_xlsx::table_workbook(
            "审计日志",
            &[
                "时间",
                "操作人",
                "地址",
                "操作",
                "对象",
                "原值",
                "新值",
                "原因",
            ],
            &[17.0, 14.0, 14.0, 14.0, 20.0, 30.0, 30.0, 24.0],
            &rows,
        )
        .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    Ok(xlsx_response("审计日志.xlsx", bytes))
}

/// `GET /audit/receipt`: the chain's end as a small text file an auditor keeps outside the system
/// and later checks with `bangfu audit verify --expect-head 序号:哈希`.
pub async fn receipt(State(state): State<AppState>, actor: Actor) -> Result<Response, AppError> {
    actor.require(Action::ViewAuditTrail)?;
    let head = state.store.audit_head().await?;
    let text = format!(
        "帮扶协作管理系统 审计日志链尾回执\r\n\
         回执：{head}\r\n\
         记录数：{}\r\n\
         取得时间：{}（北京时间），取得人：{}\r\n\
         核对：bangfu audit verify --expect-head {head}\r\n\
         若此后有人改动或删除了第 {} 条及之前的任何记录，核对将不通过。\r\n",
        head.seq,
        beijing_time(chrono::Utc::now()),
        actor.user.login,
        head.seq
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                crate::http::attachment(
                    &format!("audit-receipt-{}.txt", head.seq),
                    &format!("审计回执-第{}条.txt", head.seq),
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn old_debug_form_narratives_are_shown_readably() {
        let old = "Narrative { progress: \"结对 3 所\", problems: \"无\", next_steps: \"\" }";
        assert_eq!(
            super::readable("report.narrative", Some(old.into())),
            "进展情况：结对 3 所；存在问题：无；下步打算："
        );
        assert_eq!(super::readable("report.value", Some(old.into())), old);
        assert_eq!(super::readable("report.narrative", None), "");
    }
}
