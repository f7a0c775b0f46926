//! Server-rendered pages.

pub mod admin;
pub mod areas;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod district;
pub mod evidence;
pub mod home;
pub mod import;
pub mod ledger;
pub mod ledger_import;
pub mod pairings;
pub mod plan;
pub mod problem;
pub mod problems;
pub mod projects;
pub mod reconciliation;
pub mod registries;
pub mod registry_import;
pub mod report;
pub mod routes;
pub mod tasks;
pub mod tokens;

use crate::auth::Actor;
use crate::error::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::policy::Action;

/// The header bar: who is logged in and where they may go.
pub struct Nav {
    pub user: Option<(String, &'static str)>,
    pub links: Vec<(&'static str, &'static str)>,
    pub csrf: String,
}

impl Nav {
    pub fn for_actor(actor: Option<&Actor>) -> Nav {
        let Some(a) = actor else {
            return Nav {
                user: None,
                links: vec![("/", "实施方案")],
                csrf: String::new(),
            };
        };
        let mut links = vec![
            ("/home", "我的待办"),
            ("/", "实施方案"),
            ("/tasks", "任务督办"),
        ];
        if a.may(Action::ViewAreas) {
            links.push(("/areas", "受援地"));
        }
        if a.may(Action::ViewDistrict) {
            links.push(("/dashboard", "领导驾驶舱"));
            links.push(("/completeness", "报送情况"));
            links.push(("/summary", "全区汇总"));
        }
        if a.may(Action::ViewLedger) {
            links.push(("/ledger", "资金台账"));
        }
        if a.may(Action::ViewAuditTrail) {
            links.push(("/audit", "审计日志"));
        }
        if a.may(Action::ManageUsers) {
            links.push(("/admin/users", "用户管理"));
        }
        links.push(("/problems", "问题台账"));
        links.push(("/assessment", "年度考核"));
        links.push(("/account/password", "修改密码"));
        if a.may(Action::ManageOwnTokens) {
            links.push(("/account/tokens", "API 令牌"));
        }
        Nav {
            user: Some((a.user.display_name.clone(), a.user.role.label())),
            links,
            csrf: a.csrf_token().to_string(),
        }
    }
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
