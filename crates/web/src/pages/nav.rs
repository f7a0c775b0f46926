//! The header bar: who is logged in and where they may go, grouped so that it stays one line on a
//! 1280-pixel office screen for every role and folds into one 菜单 on a phone.

use crate::auth::Actor;
use bangfu_domain::policy::Action;

/// A menu of the header: one link shows as itself, several as a drop-down under `label`.
pub struct NavGroup {
    pub label: &'static str,
    pub links: Vec<(&'static str, &'static str)>,
}

pub struct Nav {
    pub user: Option<(String, &'static str)>,
    pub groups: Vec<NavGroup>,
    /// The signed-in person's own pages, under their name.
    pub account: Vec<(&'static str, &'static str)>,
    pub csrf: String,
    /// Unread in-app notices, shown beside 通知 in the header.
    pub unread: i64,
}

fn group(label: &'static str, links: Vec<(&'static str, &'static str)>) -> Option<NavGroup> {
    (!links.is_empty()).then_some(NavGroup { label, links })
}

impl Nav {
    pub fn for_actor(actor: Option<&Actor>) -> Nav {
        let Some(a) = actor else {
            return Nav {
                user: None,
                groups: vec![NavGroup {
                    label: "实施方案",
                    links: vec![("/", "实施方案")],
                }],
                account: Vec::new(),
                csrf: String::new(),
                unread: 0,
            };
        };
        let district = a.may(Action::ViewDistrict);
        let mut summary = Vec::new();
        if district {
            summary.extend([
                ("/dashboard", "领导驾驶舱"),
                ("/completeness", "报送情况"),
                ("/summary", "全区汇总"),
                ("/assessment", "年度考核"),
            ]);
        }
        let mut supervise = vec![("/tasks", "任务督办"), ("/problems", "问题台账")];
        if a.may(Action::ViewAreas) {
            supervise.push(("/areas", "受援地"));
        }
        supervise.push(("/pairings", "结对关系"));
        if !district {
            supervise.push(("/assessment", "年度考核"));
        }
        // 台账: the registers behind the form's figures (each unit its own), then the funds ledger.
        let mut ledger = vec![("/registries", "工作台账")];
        if a.may(Action::ViewLedger) {
            ledger.extend([
                ("/ledger", "资金台账"),
                ("/ledger/projects", "援建项目"),
                ("/ledger/transactions", "资金流水"),
                ("/reconciliation", "台账与报表核对"),
            ]);
        }
        let mut manage = Vec::new();
        if a.may(Action::ViewAuditTrail) {
            manage.push(("/audit", "审计日志"));
        }
        if a.may(Action::ManageUsers) {
            manage.push(("/admin/users", "用户管理"));
        }
        if a.may(Action::ManageRobots) {
            manage.push(("/admin/robots", "群机器人"));
        }
        if a.may(Action::ManageDeliveries) {
            manage.push(("/notify/deliveries", "通知发送记录"));
        }
        let groups = [
            group("我的待办", vec![("/home", "我的待办")]),
            group("汇总", summary),
            group("督办", supervise),
            group("台账", ledger),
            group("管理", manage),
            group("实施方案", vec![("/", "实施方案")]),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut account = vec![
            ("/account/notify", "联系方式与通知设置"),
            ("/account/password", "修改密码"),
        ];
        if a.may(Action::ManageOwnTokens) {
            account.push(("/account/tokens", "API 令牌"));
        }
        Nav {
            user: Some((a.user.display_name.clone(), a.user.role.label())),
            groups,
            account,
            csrf: a.csrf_token().to_string(),
            unread: a.unread_notices,
        }
    }
}
