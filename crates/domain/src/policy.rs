//! Who may do what: the one access policy. Every handler asks [`allows`]; none decides itself.

use crate::user::Role;

/// The person acting, as the policy sees them. Anonymous visitors are `None` at the call site.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub login: &'a str,
    pub role: Role,
    /// The unit a reporter acts for.
    pub unit: Option<&'a str>,
}

/// Everything that can be done, with the resource it is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// The published plan.
    ViewPlan,
    /// Own account: change password, see own profile.
    ManageOwnAccount,
    /// List one's own API tokens, create one (its secret shown once), give it an expiry.
    ManageOwnTokens,
    /// Revoke an API token owned by `owner` (a login): the owner, or an administrator.
    RevokeToken { owner: &'a str },
    /// See a unit's report, its values, narrative, history and evidence files.
    ViewReport { unit: &'a str },
    /// Change a unit's values, narrative or evidence, and submit it.
    EditReport { unit: &'a str },
    /// Return, approve or reopen a report.
    ReviewReport,
    /// District totals and the completeness matrix.
    ViewDistrict,
    /// The audit trail (who changed what).
    ViewAuditTrail,
    /// Add, disable, enable users; reset passwords; tokens of others.
    ManageUsers,
    /// See the problems raised about a unit.
    ViewProblems { unit: &'a str },
    /// Raise a problem, assign its owner and due date (the coordinator).
    RaiseProblem,
    /// Report progress on a unit's problem: its status and resolution.
    WorkOnProblem { unit: &'a str },
    /// Record progress on a task: a reporter of one of the task's lead or cooperating units.
    RecordTaskProgress { units: &'a [&'a str] },
    /// See the progress rows and task evidence a unit recorded (a reporter sees its own unit's
    /// only; the target's totals are on the task page for everyone).
    ViewTaskProgress { unit: &'a str },
    /// The funds ledger: budgets, projects, transactions, reconciliation, oversight views.
    ViewLedger,
    /// One project of the ledger, with its findings: also the reporter of its implementing unit.
    ViewProject { unit: &'a str },
    /// Record budgets, projects, transactions and documents (区财政局, and the coordinator).
    RecordLedger,
    /// Allocate beyond a year's budget, with a written reason.
    OverrideBudget,
    /// Raise or close an audit finding (审计意见).
    RaiseFinding,
    /// Answer an audit finding on a project: the reporter of its implementing unit.
    AnswerFinding { unit: &'a str },
    /// See the recipient areas' profiles and yearly poverty figures.
    ViewAreas,
    /// Record a recipient area's yearly poverty figures (the coordinator).
    RecordAreaStats,
    /// The deliveries of notifications: see each one's attempts, resend one (the coordinator, who
    /// chases the units, and the administrator).
    ManageDeliveries,
    /// Set or remove the group robots (企业微信 / 钉钉) that messages go to (the administrator).
    ManageRobots,
    /// See a unit's register entries (台账) and the figures computed from them.
    ViewRegistry { unit: &'a str },
    /// Add, edit or void a unit's register entries: its reporters, and the coordinator for any.
    KeepRegistry { unit: &'a str },
}

/// True when `subject` (None: not logged in) may perform `action`.
pub fn allows(subject: Option<Subject<'_>>, action: Action<'_>) -> bool {
    let Some(s) = subject else {
        return action == Action::ViewPlan;
    };
    let own_unit = |unit: &str| s.role == Role::Reporter && s.unit == Some(unit);
    match action {
        Action::ViewPlan | Action::ManageOwnAccount | Action::ManageOwnTokens => true,
        Action::RevokeToken { owner } => s.login == owner || s.role == Role::Admin,
        Action::ViewReport { unit } => s.role != Role::Reporter || own_unit(unit),
        Action::EditReport { unit } => own_unit(unit),
        Action::ReviewReport => s.role == Role::Coordinator,
        Action::ViewDistrict => s.role != Role::Reporter,
        Action::ViewAuditTrail => matches!(s.role, Role::Auditor | Role::Admin | Role::Coordinator),
        Action::ManageUsers => s.role == Role::Admin,
        Action::ViewProblems { unit } => s.role != Role::Reporter || own_unit(unit),
        Action::RaiseProblem => s.role == Role::Coordinator,
        Action::WorkOnProblem { unit } => s.role == Role::Coordinator || own_unit(unit),
        Action::RecordTaskProgress { units } => units.iter().any(|u| own_unit(u)),
        Action::ViewTaskProgress { unit } => s.role != Role::Reporter || own_unit(unit),
        Action::ViewLedger => s.role != Role::Reporter,
        Action::ViewProject { unit } => s.role != Role::Reporter || own_unit(unit),
        Action::RecordLedger => matches!(s.role, Role::Finance | Role::Coordinator),
        Action::OverrideBudget => s.role == Role::Coordinator,
        Action::RaiseFinding => s.role == Role::Auditor,
        Action::AnswerFinding { unit } => own_unit(unit),
        Action::ViewAreas => true,
        Action::RecordAreaStats => s.role == Role::Coordinator,
        Action::ManageDeliveries => matches!(s.role, Role::Coordinator | Role::Admin),
        Action::ManageRobots => s.role == Role::Admin,
        Action::ViewRegistry { unit } => s.role != Role::Reporter || own_unit(unit),
        Action::KeepRegistry { unit } => s.role == Role::Coordinator || own_unit(unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, unit: Option<&str>) -> Option<Subject<'_>> {
        Some(Subject {
            login: "someone",
            role,
            unit,
        })
    }

    #[test]
    fn tokens_are_managed_by_their_owner_and_revoked_by_the_owner_or_an_admin() {
        assert!(!allows(None, Action::ManageOwnTokens));
        assert!(!allows(None, Action::RevokeToken { owner: "li" }));
        for role in Role::ALL {
            let li = Subject {
                login: "li",
                role,
                unit: None,
            };
            let wang = Subject {
                login: "wang",
                ..li
            };
            assert!(allows(Some(li), Action::ManageOwnTokens), "{role}");
            assert!(
                allows(Some(li), Action::RevokeToken { owner: "li" }),
                "{role}"
            );
            assert_eq!(
                allows(Some(wang), Action::RevokeToken { owner: "li" }),
                role == Role::Admin,
                "{role}"
            );
        }
    }

    #[test]
    fn registers_are_kept_by_their_unit_and_the_coordinator_and_read_by_others() {
        let jw = who(Role::Reporter, Some("jw"));
        assert!(allows(jw, Action::ViewRegistry { unit: "jw" }));
        assert!(allows(jw, Action::KeepRegistry { unit: "jw" }));
        assert!(!allows(jw, Action::ViewRegistry { unit: "wjw" }));
        assert!(!allows(jw, Action::KeepRegistry { unit: "wjw" }));
        assert!(!allows(None, Action::ViewRegistry { unit: "jw" }));
        for role in [Role::Admin, Role::Viewer, Role::Auditor, Role::Finance] {
            let s = who(role, None);
            assert!(allows(s, Action::ViewRegistry { unit: "jw" }), "{role}");
            assert!(!allows(s, Action::KeepRegistry { unit: "jw" }), "{role}");
        }
        let coordinator = who(Role::Coordinator, None);
        assert!(allows(coordinator, Action::KeepRegistry { unit: "jw" }));
    }

    #[test]
    fn anonymous_sees_only_the_plan() {
        assert!(allows(None, Action::ViewPlan));
        assert!(!allows(None, Action::ViewReport { unit: "jw" }));
        assert!(!allows(None, Action::ManageOwnAccount));
    }

    #[test]
    fn reporters_are_confined_to_their_unit() {
        let jw = who(Role::Reporter, Some("jw"));
        assert!(allows(jw, Action::ViewReport { unit: "jw" }));
        assert!(allows(jw, Action::EditReport { unit: "jw" }));
        assert!(!allows(jw, Action::ViewReport { unit: "wjw" }));
        assert!(!allows(jw, Action::EditReport { unit: "wjw" }));
        assert!(!allows(jw, Action::ReviewReport));
        assert!(!allows(jw, Action::ViewDistrict));
        assert!(!allows(jw, Action::ManageUsers));
        assert!(allows(jw, Action::ViewTaskProgress { unit: "jw" }));
        assert!(!allows(jw, Action::ViewTaskProgress { unit: "wjw" }));
        // A reporter without a unit can do nothing with reports.
        assert!(!allows(
            who(Role::Reporter, None),
            Action::ViewReport { unit: "jw" }
        ));
    }

    #[test]
    fn only_the_coordinator_reviews_and_nobody_else_edits() {
        for role in [
            Role::Admin,
            Role::Coordinator,
            Role::Viewer,
            Role::Auditor,
            Role::Finance,
        ] {
            let s = who(role, None);
            assert!(allows(s, Action::ViewReport { unit: "jw" }), "{role}");
            assert!(allows(s, Action::ViewDistrict), "{role}");
            assert!(allows(s, Action::ViewTaskProgress { unit: "jw" }), "{role}");
            assert!(!allows(s, Action::EditReport { unit: "jw" }), "{role}");
            assert_eq!(allows(s, Action::ReviewReport), role == Role::Coordinator);
            assert_eq!(allows(s, Action::ManageUsers), role == Role::Admin);
        }
        assert!(allows(who(Role::Auditor, None), Action::ViewAuditTrail));
        assert!(!allows(who(Role::Finance, None), Action::ViewAuditTrail));
        assert!(!allows(who(Role::Viewer, None), Action::ViewAuditTrail));
    }

    #[test]
    fn finance_records_the_ledger_auditors_question_it_units_answer() {
        let finance = who(Role::Finance, None);
        let auditor = who(Role::Auditor, None);
        let coordinator = who(Role::Coordinator, None);
        let jw = who(Role::Reporter, Some("jw"));
        assert!(allows(finance, Action::RecordLedger));
        assert!(allows(coordinator, Action::RecordLedger));
        assert!(!allows(auditor, Action::RecordLedger));
        assert!(!allows(jw, Action::RecordLedger));
        assert!(!allows(who(Role::Admin, None), Action::RecordLedger));
        assert!(allows(coordinator, Action::OverrideBudget));
        assert!(!allows(finance, Action::OverrideBudget));
        assert!(allows(auditor, Action::RaiseFinding));
        assert!(!allows(finance, Action::RaiseFinding));
        assert!(allows(jw, Action::AnswerFinding { unit: "jw" }));
        assert!(!allows(jw, Action::AnswerFinding { unit: "wjw" }));
        assert!(!allows(auditor, Action::AnswerFinding { unit: "jw" }));
        assert!(allows(jw, Action::ViewProject { unit: "jw" }));
        assert!(!allows(jw, Action::ViewProject { unit: "wjw" }));
        assert!(!allows(jw, Action::ViewLedger));
        assert!(allows(auditor, Action::ViewLedger));
    }

    #[test]
    fn everyone_logged_in_sees_areas_and_only_the_coordinator_records_figures() {
        assert!(!allows(None, Action::ViewAreas));
        assert!(!allows(None, Action::RecordAreaStats));
        for role in [
            Role::Admin,
            Role::Coordinator,
            Role::Reporter,
            Role::Viewer,
            Role::Auditor,
        ] {
            let unit = (role == Role::Reporter).then_some("jw");
            assert!(allows(who(role, unit), Action::ViewAreas), "{role}");
            assert_eq!(
                allows(who(role, unit), Action::RecordAreaStats),
                role == Role::Coordinator,
                "{role}"
            );
        }
    }

    #[test]
    fn the_coordinator_and_the_administrator_see_deliveries_and_only_the_administrator_sets_robots()
    {
        for action in [Action::ManageDeliveries, Action::ManageRobots] {
            assert!(!allows(None, action));
        }
        for role in Role::ALL {
            let unit = (role == Role::Reporter).then_some("jw");
            assert_eq!(
                allows(who(role, unit), Action::ManageDeliveries),
                matches!(role, Role::Coordinator | Role::Admin),
                "{role}"
            );
            assert_eq!(
                allows(who(role, unit), Action::ManageRobots),
                role == Role::Admin,
                "{role}"
            );
        }
    }
}
