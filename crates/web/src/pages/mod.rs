//! Server-rendered pages.

pub mod admin;
pub mod areas;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod district;
pub mod evidence;
pub mod form_errors;
pub mod home;
pub mod import;
pub mod ledger;
pub mod ledger_import;
pub mod nav;
pub mod notify;
pub mod pairings;
pub mod people;
pub mod plan;
pub mod problem;
pub mod problems;
pub mod projects;
pub mod reconciliation;
pub mod registries;
pub mod registry_entry;
pub mod registry_import;
pub mod report;
pub mod routes;
pub mod tasks;
pub mod tokens;

use crate::error::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
pub use nav::Nav;

/// The reporting units as a form's choices (code, name), in the plan's order.
pub fn unit_choices(plan: &bangfu_domain::Plan) -> Vec<(String, String)> {
    plan.units_sorted()
        .into_iter()
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect()
}

/// The `?msg=` a page takes after a redirect; see [`flash`].
#[derive(serde::Deserialize, Default)]
pub struct MsgQuery {
    pub msg: Option<String>,
}

/// The fixed messages a redirect may carry (`?msg=`); never user text, so nothing is reflected.
pub fn flash(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "saved" => "已保存草稿。",
        "submitted" => "已报送。",
        "returned" => "已退回，填报单位将看到退回原因。",
        "approved" => "已审核通过，报表已锁定。",
        "reopened" => "已重新打开，报表退回填报单位修改。",
        "uploaded" => "佐证材料已上传。",
        "evidence_removed" => "佐证材料已删除。",
        "imported" => "已从 Excel 导入，文件已作为佐证材料保存。",
        "problem_raised" => "问题已登记。",
        "problem_updated" => "问题已更新。",
        "password" => "密码已修改。其他设备上的登录已失效。",
        "user_added" => "用户已创建。",
        "user_disabled" => "用户已停用，其登录已失效。",
        "user_enabled" => "用户已启用。",
        "budget_saved" => "预算已保存。",
        "project_saved" => "项目已保存。",
        "tx_recorded" => "交易已录入。",
        "finding_raised" => "审计意见已提出，实施单位将在项目页面答复。",
        "finding_updated" => "审计意见已更新。",
        "ledger_imported" => "已从 Excel 导入，全部行已写入。",
        "area_stats" => "受援地贫困数据已保存。",
        "token_created" => "API 令牌已创建。",
        "token_revoked" => "API 令牌已吊销，使用它的程序将无法再访问。",
        "notices_read" => "通知已全部标为已读。",
        "contact_saved" => "联系方式与通知设置已保存。",
        "resent" => "已重新排入发送队列，稍后发出。",
        "robot_saved" => "群机器人设置已保存。",
        "entry_added" => "台账条目已保存。",
        "entry_saved" => "台账条目已修改。",
        "entry_voided" => "台账条目已作废，不再计入报表。",
        "entries_imported" => "已从 Excel 导入，全部条目已写入台账。",
        _ => return None,
    })
}

pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Cookie-setting redirect.
pub fn see_other_with_cookie(to: &str, cookie: String) -> Response {
    (
        axum::http::StatusCode::SEE_OTHER,
        [
            (header::LOCATION, to.to_string()),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
