//! Who may do what: the one access policy. Every handler asks [`allows`]; none decides itself.

use crate::user::Role;

/// The person acting, as the policy sees them. Anonymous visitors are `None` at the call site.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
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
    /// See the recipient areas' profiles and yearly poverty figures.
    ViewAreas,
    /// Record a recipient area's yearly poverty figures (the coordinator).
    RecordAreaStats,
}

/// True when `subject` (None: not logged in) may perform `action`.
pub fn allows(subject: Option<Subject<'_>>, action: Action<'_>) -> bool {
    let Some(s) = subject else {
        return action == Action::ViewPlan;
    };
    let own_unit = |unit: &str| s.role == Role::Reporter && s.unit == Some(unit);
    match action {
        Action::ViewPlan | Action::ManageOwnAccount => true,
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
        Action::ViewAreas => true,
        Action::RecordAreaStats => s.role == Role::Coordinator,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, unit: Option<&str>) -> Option<Subject<'_>> {
        Some(Subject { role, unit })
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
        // A reporter without a unit can do nothing with reports.
        assert!(!allows(
            who(Role::Reporter, None),
            Action::ViewReport { unit: "jw" }
        ));
    }

    #[test]
    fn only_the_coordinator_reviews_and_nobody_else_edits() {
        for role in [Role::Admin, Role::Coordinator, Role::Viewer, Role::Auditor] {
            let s = who(role, None);
            assert!(allows(s, Action::ViewReport { unit: "jw" }), "{role}");
            assert!(allows(s, Action::ViewDistrict), "{role}");
            assert!(!allows(s, Action::EditReport { unit: "jw" }), "{role}");
            assert_eq!(allows(s, Action::ReviewReport), role == Role::Coordinator);
            assert_eq!(allows(s, Action::ManageUsers), role == Role::Admin);
        }
        assert!(allows(who(Role::Auditor, None), Action::ViewAuditTrail));
        assert!(!allows(who(Role::Viewer, None), Action::ViewAuditTrail));
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
}
