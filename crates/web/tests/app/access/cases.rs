//! One case per route of the router: its path, a payload and what the caller needs.

use super::*;

/// Rows the cases refer to, created before the matrix runs.
#[derive(Clone, Copy)]
pub(super) struct Ids {
    pub(super) evidence: i64,
    pub(super) problem: i64,
    pub(super) task_evidence: i64,
    pub(super) project: i64,
    pub(super) finding: i64,
    pub(super) document: i64,
    /// A token of another user (revoked already): only an administrator may revoke it.
    pub(super) token: i64,
    /// An entry of 区教委's 人才交流 register, and an evidence file on it.
    pub(super) entry: i64,
    pub(super) entry_evidence: i64,
}

pub(super) fn cases(ids: &Ids) -> Vec<Case> {
    let Ids {
        evidence: evidence_id,
        problem: problem_id,
        task_evidence: task_evidence_id,
        project,
        finding,
        document,
        token,
        entry,
        entry_evidence,
    } = *ids;
    use Method as M;
    use Need::*;
    let pdf = b"%PDF-1.4 matrix".to_vec();
    let mut all = vec![
        case(M::GET, "/", "/", Payload::None, Public),
        case(M::GET, "/healthz", "/healthz", Payload::None, Public),
        case(
            M::GET,
            "/assets/{*path}",
            "/assets/app.css",
            Payload::None,
            Public,
        ),
        case(M::GET, "/login", "/login", Payload::None, Public),
        case(
            M::POST,
            "/login",
            "/login",
            form(&[("login", "matrix-login"), ("password", PASSWORD)]),
            Public,
        ),
        case(
            M::GET,
            "/account/password",
            "/account/password",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/account/password",
            "/account/password",
            form(&[("current", "wrong"), ("new", "x"), ("confirm", "y")]),
            LoggedIn,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(M::GET, "/home", "/home", Payload::None, LoggedIn),
        case(
            M::GET,
            "/reports/{period}/{unit}",
            "/reports/2018Q1/jw",
            Payload::None,
            ViewA,
        ),
        case(
            M::GET,
            "/account/tokens",
            "/account/tokens",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/account/tokens",
            "/account/tokens",
            form(&[("label", "矩阵令牌")]),
            LoggedIn,
        ),
        case(
            M::POST,
            "/account/tokens/{id}/revoke",
            &format!("/account/tokens/{token}/revoke"),
            Payload::None,
            Admin,
        ),
        case(
            M::POST,
            "/reports/{period}/{unit}",
            "/reports/2018Q1/jw",
            form(&[("intent", "save"), ("v.1.3", "1")]),
            EditA,
        ),
        case(
            M::POST,
            "/reports/{period}/{unit}/review",
            "/reports/2018Q1/jw/review",
            form(&[("action", "approve")]),
            Review,
        )
        .refused_with(StatusCode::CONFLICT),
        case(
            M::POST,
            "/reports/{period}/{unit}/evidence",
            "/reports/2018Q1/jw/evidence",
            Payload::Multipart("证明.pdf", pdf.clone()),
            EditA,
        ),
        case(
            M::POST,
            "/reports/{period}/{unit}/import",
            "/reports/2018Q1/jw/import",
            Payload::Multipart("表.xlsx", b"not xlsx".to_vec()),
            EditA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/reports/{period}/{unit}/import/confirm",
            "/reports/2018Q1/jw/import/confirm",
            form(&[("token", "none")]),
            EditA,
        )
        .refused_with(StatusCode::BAD_REQUEST),
        case(
            M::GET,
            "/evidence/{id}",
            &format!("/evidence/{evidence_id}"),
            Payload::None,
            ViewA,
        ),
        // Uploaded by another person: allowed callers pass the policy and meet the rule.
        case(
            M::POST,
            "/evidence/{id}/delete",
            &format!("/evidence/{evidence_id}/delete"),
            form(&[]),
            EditA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/completeness",
            "/completeness",
            Payload::None,
            District,
        ),
        case(M::GET, "/summary", "/summary", Payload::None, District),
        case(
            M::GET,
            "/reports/{period}/district.docx",
            "/reports/2018Q1/district.docx",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/summary/{period}",
            "/summary/2018Q1",
            Payload::None,
            District,
        ),
        case(M::GET, "/notices", "/notices", Payload::None, LoggedIn),
        case(
            M::POST,
            "/notices/read",
            "/notices/read",
            form(&[]),
            LoggedIn,
        ),
        case(
            M::GET,
            "/account/notify",
            "/account/notify",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/account/notify",
            "/account/notify",
            form(&[("email", "not-an-address"), ("mail", "on")]),
            LoggedIn,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/admin/robots",
            "/admin/robots",
            Payload::None,
            Admin,
        ),
        case(
            M::POST,
            "/admin/robots",
            "/admin/robots",
            form(&[("scope", "*"), ("flavor", "wecom"), ("url", "ftp://x")]),
            Admin,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/notify/deliveries",
            "/notify/deliveries",
            Payload::None,
            Deliveries,
        ),
        case(
            M::POST,
            "/notify/deliveries/{id}/resend",
            "/notify/deliveries/999999/resend",
            form(&[]),
            Deliveries,
        )
        .refused_with(StatusCode::NOT_FOUND),
        case(
            M::GET,
            "/api/v1/notices",
            "/api/v1/notices",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/api/v1/notices/read",
            "/api/v1/notices/read",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/api/v1/me/contact",
            "/api/v1/me/contact",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::PUT,
            "/api/v1/me/contact",
            "/api/v1/me/contact",
            Payload::Json(serde_json::json!({"email": "not-an-address"})),
            LoggedIn,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/api/v1/contacts",
            "/api/v1/contacts",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/api/v1/deliveries",
            "/api/v1/deliveries",
            Payload::None,
            Deliveries,
        ),
        case(
            M::POST,
            "/api/v1/deliveries/{id}/resend",
            "/api/v1/deliveries/999999/resend",
            Payload::None,
            Deliveries,
        )
        .refused_with(StatusCode::NOT_FOUND),
        case(
            M::GET,
            "/years/{year}/district.docx",
            "/years/2018/district.docx",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/areas/{code}/report.docx",
            "/areas/cyqq/report.docx?year=2018",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/api/v1/reports/{period}/district.docx",
            "/api/v1/reports/2018Q1/district.docx",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/api/v1/years/{year}/district.docx",
            "/api/v1/years/2018/district.docx",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/api/v1/areas/{code}/report.docx",
            "/api/v1/areas/cyqq/report.docx?year=2018",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/tasks",
            "/tasks?year=2018",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/tasks/{code}",
            "/tasks/1.2-6",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/tasks/{code}/progress",
            "/tasks/1.2-6/progress",
            form(&[("target", "0"), ("period", "2018Q1"), ("quantity", "1")]),
            EditA,
        )
        // Its targets are all counted from registers: allowed callers meet that rule.
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/pairings",
            "/pairings?year=2018",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/pairings.xlsx",
            "/pairings.xlsx",
            Payload::None,
            District,
        ),
        case(M::GET, "/areas", "/areas", Payload::None, LoggedIn),
        case(
            M::GET,
            "/areas/{code}",
            "/areas/cyqq",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/areas/{code}/stats",
            "/areas/cyqq/stats",
            form(&[
                ("year", "2018"),
                ("poor_households", "3000"),
                ("poor_people", "9000"),
                ("lifted_out", "2000"),
                ("incidence", "4.5"),
                ("poor_villages", "30"),
            ]),
            Review,
        ),
        case(
            M::GET,
            "/api/v1/areas/{code}/stats",
            "/api/v1/areas/cyqq/stats",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::PUT,
            "/api/v1/areas/{code}/stats",
            "/api/v1/areas/cyqq/stats",
            Payload::Json(serde_json::json!({
                "year": 2017, "poor_households": 4000, "poor_people": 12000,
                "lifted_out": 1500, "incidence": "6.25", "poor_villages": 40
            })),
            Review,
        ),
        case(
            M::POST,
            "/tasks/{code}/evidence",
            "/tasks/1.2-6/evidence",
            Payload::Multipart("送教.pdf", pdf.clone()),
            EditA,
        ),
        case(
            M::GET,
            "/task-evidence/{id}",
            &format!("/task-evidence/{task_evidence_id}"),
            Payload::None,
            ViewA,
        ),
        case(M::GET, "/problems", "/problems", Payload::None, LoggedIn),
        case(
            M::GET,
            "/problems.xlsx",
            "/problems.xlsx",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/assessment",
            "/assessment?year=2018",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/assessment.xlsx",
            "/assessment.xlsx",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/assessment/{unit}",
            "/assessment/jw",
            form(&[("year", "2018"), ("score", "8"), ("comment", "好")]),
            Review,
        ),
        case(
            M::POST,
            "/problems",
            "/problems",
            form(&[("description", "测试问题"), ("unit", "jw")]),
            Review,
        ),
        case(
            M::GET,
            "/problems/{id}",
            &format!("/problems/{problem_id}"),
            Payload::None,
            ViewA,
        ),
        case(
            M::POST,
            "/problems/{id}",
            &format!("/problems/{problem_id}"),
            form(&[("status", "in_progress"), ("resolution", "处理中")]),
            WorkA,
        ),
        case(
            M::GET,
            "/supervision.xlsx",
            "/supervision.xlsx",
            Payload::None,
            District,
        ),
        case(M::GET, "/dashboard", "/dashboard", Payload::None, District),
        case(M::GET, "/audit", "/audit?unit=jw", Payload::None, Audit),
        case(
            M::GET,
            "/audit/receipt",
            "/audit/receipt",
            Payload::None,
            Audit,
        ),
        case(
            M::GET,
            "/api/v1/audit/head",
            "/api/v1/audit/head",
            Payload::None,
            Audit,
        ),
        case(
            M::GET,
            "/audit.xlsx",
            "/audit.xlsx?period=2018Q1",
            Payload::None,
            Audit,
        ),
        case(M::GET, "/admin/users", "/admin/users", Payload::None, Admin),
        case(
            M::POST,
            "/admin/users",
            "/admin/users",
            form(&[("login", "x"), ("name", ""), ("role", "viewer")]),
            Admin,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/admin/users/{login}/active",
            "/admin/users/matrix-target/active",
            form(&[("active", "true")]),
            Admin,
        ),
        case(
            M::POST,
            "/admin/users/{login}/password",
            "/admin/users/matrix-target/password",
            form(&[]),
            Admin,
        ),
        case(
            M::GET,
            "/api/v1/plan",
            "/api/v1/plan",
            Payload::None,
            Public,
        ),
        case(
            M::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            Payload::None,
            Public,
        ),
        case(
            M::POST,
            "/api/v1/login",
            "/api/v1/login",
            Payload::Json(serde_json::json!({"login": "matrix-login", "password": PASSWORD})),
            Public,
        ),
        case(M::GET, "/api/v1/me", "/api/v1/me", Payload::None, LoggedIn),
        case(
            M::GET,
            "/api/v1/reports/{period}/{unit}",
            "/api/v1/reports/2018Q1/jw",
            Payload::None,
            ViewA,
        ),
        case(
            M::PUT,
            "/api/v1/reports/{period}/{unit}/values",
            "/api/v1/reports/2018Q1/jw/values",
            Payload::Json(serde_json::json!({"values": [{"indicator": "1.3", "value": "2"}]})),
            EditA,
        ),
        case(
            M::POST,
            "/api/v1/reports/{period}/{unit}/{action}",
            "/api/v1/reports/2018Q1/jw/submit",
            Payload::Json(serde_json::json!({})),
            EditA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/api/v1/reports/{period}/{unit}/{action}",
            "/api/v1/reports/2018Q1/jw/approve",
            Payload::Json(serde_json::json!({})),
            Review,
        )
        .refused_with(StatusCode::CONFLICT),
        case(
            M::POST,
            "/api/v1/reports/{period}/{unit}/import",
            "/api/v1/reports/2018Q1/jw/import",
            Payload::Bytes(b"not xlsx".to_vec()),
            EditA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/api/v1/summary/{period}",
            "/api/v1/summary/2018Q1",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/api/v1/completeness",
            "/api/v1/completeness",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/api/v1/forms/{file}",
            "/api/v1/forms/2018Q1.xlsx?unit=jw",
            Payload::None,
            ViewA,
        ),
        case(
            M::GET,
            "/api/v1/forms/{file}",
            "/api/v1/forms/2018Q1.xlsx",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/api/v1/tasks.xlsx",
            "/api/v1/tasks.xlsx",
            Payload::None,
            LoggedIn,
        ),
    ];
    all.extend(super::ledger_cases::ledger_cases(
        project, finding, document, pdf,
    ));
    all.extend(super::registry_cases::registry_cases(entry, entry_evidence));
    for (route, path) in [("/logout", "/logout"), ("/api/v1/logout", "/api/v1/logout")] {
        let mut c = case(M::POST, route, path, form(&[]), LoggedIn);
        c.ends_session = true;
        all.push(c);
    }
    all
}
