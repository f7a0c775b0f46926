//! Every route of the router × every kind of caller: allowed or denied exactly as the policy says.
//! The list of routes is read from the router's source, so a new route without a line here fails.

use crate::helpers::{spawn_app, Client, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use bangfu_domain::user::Role;
use bangfu_store::NewEvidence;
use bangfu_web::Clock;
use std::collections::BTreeSet;

/// Who the policy lets through.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Need {
    Public,
    LoggedIn,
    /// See 区教委's report.
    ViewA,
    /// Edit 区教委's report: its reporter only.
    EditA,
    Review,
    District,
    /// The audit trail: auditors, administrators and the coordinator.
    Audit,
    /// Work on a problem of 区教委: its reporter or the coordinator.
    WorkA,
    Admin,
    /// The funds ledger's views: everyone but reporters.
    Ledger,
    /// Record in the ledger: finance and the coordinator.
    LedgerWrite,
    /// Raise or close an audit finding: auditors.
    Finding,
    /// Answer a finding on 区教委's project: its reporter.
    AnswerA,
    /// See 区教委's project: everyone but other reporters.
    ProjectA,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anonymous,
    ReporterA,
    ReporterB,
    Coordinator,
    Viewer,
    Auditor,
    Finance,
    Admin,
    Disabled,
    Expired,
    RevokedToken,
}

const CALLERS: [Caller; 11] = [
    Caller::Anonymous,
    Caller::ReporterA,
    Caller::ReporterB,
    Caller::Coordinator,
    Caller::Viewer,
    Caller::Auditor,
    Caller::Finance,
    Caller::Admin,
    Caller::Disabled,
    Caller::Expired,
    Caller::RevokedToken,
];

fn allowed(need: Need, caller: Caller) -> bool {
    use Caller::*;
    match caller {
        RevokedToken => false,
        Anonymous | Disabled | Expired => need == Need::Public,
        ReporterA => matches!(
            need,
            Need::Public
                | Need::LoggedIn
                | Need::ViewA
                | Need::EditA
                | Need::WorkA
                | Need::AnswerA
                | Need::ProjectA
        ),
        ReporterB => matches!(need, Need::Public | Need::LoggedIn),
        Coordinator => matches!(
            need,
            Need::Public
                | Need::LoggedIn
                | Need::ViewA
                | Need::Review
                | Need::District
                | Need::Audit
                | Need::WorkA
                | Need::Ledger
                | Need::LedgerWrite
                | Need::ProjectA
        ),
        Viewer => matches!(
            need,
            Need::Public
                | Need::LoggedIn
                | Need::ViewA
                | Need::District
                | Need::Ledger
                | Need::ProjectA
        ),
        Auditor => matches!(
            need,
            Need::Public
                | Need::LoggedIn
                | Need::ViewA
                | Need::District
                | Need::Audit
                | Need::Ledger
                | Need::Finding
                | Need::ProjectA
        ),
        Finance => matches!(
            need,
            Need::Public
                | Need::LoggedIn
                | Need::ViewA
                | Need::District
                | Need::Ledger
                | Need::LedgerWrite
                | Need::ProjectA
        ),
        Admin => !matches!(
            need,
            Need::EditA
                | Need::Review
                | Need::WorkA
                | Need::LedgerWrite
                | Need::Finding
                | Need::AnswerA
        ),
    }
}

enum Payload {
    None,
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
    Multipart(&'static str, Vec<u8>),
    Bytes(Vec<u8>),
}

struct Case {
    method: Method,
    /// As written in the router.
    route: &'static str,
    path: String,
    payload: Payload,
    need: Need,
    /// The request ends the session: every caller logs in afresh for it.
    ends_session: bool,
    /// What an allowed caller gets when the payload is refused on purpose by the handler's own
    /// checks (so that the matrix changes nothing); `None`: a 2xx or a redirect.
    refused_with: Option<StatusCode>,
}

impl Case {
    /// The payload is invalid on purpose: allowed callers get exactly `status` from the handler.
    fn refused_with(mut self, status: StatusCode) -> Case {
        self.refused_with = Some(status);
        self
    }
}

fn case(method: Method, route: &'static str, path: &str, payload: Payload, need: Need) -> Case {
    Case {
        method,
        route,
        path: path.to_string(),
        payload,
        need,
        ends_session: false,
        refused_with: None,
    }
}

fn form(fields: &[(&'static str, &str)]) -> Payload {
    Payload::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// Rows the cases refer to, created before the matrix runs.
#[derive(Clone, Copy)]
struct Ids {
    evidence: i64,
    problem: i64,
    task_evidence: i64,
    project: i64,
    finding: i64,
    document: i64,
    /// A token of another user (revoked already): only an administrator may revoke it.
    token: i64,
}

fn cases(ids: &Ids) -> Vec<Case> {
    let Ids {
        evidence: evidence_id,
        problem: problem_id,
        task_evidence: task_evidence_id,
        project,
        finding,
        document,
        token,
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
            "/summary/{period}",
            "/summary/2018Q1",
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
        ),
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
    all.extend(ledger_cases(project, finding, document, pdf));
    for (route, path) in [("/logout", "/logout"), ("/api/v1/logout", "/api/v1/logout")] {
        let mut c = case(M::POST, route, path, form(&[]), LoggedIn);
        c.ends_session = true;
        all.push(c);
    }
    all
}

fn ledger_cases(project: i64, finding: i64, document: i64, pdf: Vec<u8>) -> Vec<Case> {
    use Method as M;
    use Need::*;
    let p = |tail: &str| format!("/ledger/projects/{project}{tail}");
    let project_form = || {
        form(&[
            ("name", "矩阵项目"),
            ("area", "cyqq"),
            ("sector", "education"),
            ("unit", "jw"),
            ("status", "planned"),
        ])
    };
    let tx = serde_json::json!({"kind": "下达", "date": "2018-03-01", "amount": "1",
        "source": "district", "project": project.to_string()});
    vec![
        case(
            M::GET,
            "/ledger",
            "/ledger?year=2018",
            Payload::None,
            Ledger,
        ),
        case(
            M::GET,
            "/ledger.xlsx",
            "/ledger.xlsx?year=2018",
            Payload::None,
            Ledger,
        ),
        case(
            M::POST,
            "/ledger/budgets",
            "/ledger/budgets",
            form(&[
                ("year", "2018"),
                ("area", "cyqq"),
                ("source", "district"),
                ("amount", "100"),
            ]),
            LedgerWrite,
        ),
        case(
            M::GET,
            "/ledger/transactions",
            "/ledger/transactions",
            Payload::None,
            Ledger,
        ),
        case(
            M::GET,
            "/ledger/import",
            "/ledger/import",
            Payload::None,
            LedgerWrite,
        ),
        case(
            M::POST,
            "/ledger/import",
            "/ledger/import",
            Payload::Multipart("表.xlsx", b"not xlsx".to_vec()),
            LedgerWrite,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/ledger/import/confirm",
            "/ledger/import/confirm",
            form(&[("token", "none")]),
            LedgerWrite,
        )
        .refused_with(StatusCode::BAD_REQUEST),
        case(
            M::GET,
            "/ledger/templates/{kind}",
            "/ledger/templates/projects",
            Payload::None,
            Ledger,
        ),
        case(
            M::POST,
            "/ledger/transactions",
            "/ledger/transactions",
            form(&[
                ("kind", "allocation"),
                ("date", "2018-03-01"),
                ("amount", "1"),
                ("source", "district"),
                ("project", &project.to_string()),
            ]),
            LedgerWrite,
        ),
        case(
            M::GET,
            "/ledger/projects",
            "/ledger/projects",
            Payload::None,
            Ledger,
        ),
        case(
            M::POST,
            "/ledger/projects",
            "/ledger/projects",
            project_form(),
            LedgerWrite,
        ),
        case(
            M::GET,
            "/ledger/projects/{id}",
            &p(""),
            Payload::None,
            ProjectA,
        ),
        case(
            M::POST,
            "/ledger/projects/{id}",
            &p(""),
            project_form(),
            LedgerWrite,
        ),
        case(
            M::POST,
            "/ledger/projects/{id}/documents",
            &p("/documents?kind=approval"),
            Payload::Multipart("批复.pdf", pdf),
            LedgerWrite,
        ),
        case(
            M::POST,
            "/ledger/projects/{id}/findings",
            &p("/findings"),
            form(&[("text", "请说明资金用途")]),
            Finding,
        ),
        case(
            M::POST,
            "/ledger/findings/{id}",
            &format!("/ledger/findings/{finding}"),
            form(&[("action", "answer"), ("response", "已说明")]),
            AnswerA,
        ),
        case(
            M::POST,
            "/ledger/findings/{id}",
            &format!("/ledger/findings/{finding}"),
            form(&[("action", "close")]),
            Finding,
        ),
        case(
            M::GET,
            "/ledger/documents/{id}",
            &format!("/ledger/documents/{document}"),
            Payload::None,
            ProjectA,
        ),
        case(
            M::GET,
            "/reconciliation",
            "/reconciliation",
            Payload::None,
            Ledger,
        ),
        case(
            M::GET,
            "/reconciliation/{period}",
            "/reconciliation/2018Q1",
            Payload::None,
            Ledger,
        ),
        case(
            M::GET,
            "/api/v1/budgets",
            "/api/v1/budgets",
            Payload::None,
            Ledger,
        ),
        case(
            M::POST,
            "/api/v1/budgets",
            "/api/v1/budgets",
            Payload::Json(serde_json::json!({"year": "2018", "area": "cyqq",
                "source": "district", "amount": "100"})),
            LedgerWrite,
        ),
        case(
            M::GET,
            "/api/v1/projects",
            "/api/v1/projects",
            Payload::None,
            Ledger,
        ),
        case(
            M::POST,
            "/api/v1/projects",
            "/api/v1/projects",
            Payload::Json(serde_json::json!({"name": "接口项目", "area": "cyqq",
                "sector": "教育", "unit": "jw"})),
            LedgerWrite,
        ),
        case(
            M::GET,
            "/api/v1/transactions",
            "/api/v1/transactions",
            Payload::None,
            Ledger,
        ),
        case(
            M::POST,
            "/api/v1/transactions",
            "/api/v1/transactions",
            Payload::Json(tx),
            LedgerWrite,
        ),
        case(
            M::GET,
            "/api/v1/reconciliation/{period}",
            "/api/v1/reconciliation/2018Q1",
            Payload::None,
            Ledger,
        ),
    ]
}

/// Routes as declared in the router's source: (METHOD, full path). The `/api/v1` routes are the
/// API's one list, which also makes its OpenAPI document.
fn declared_routes() -> BTreeSet<(String, String)> {
    // The pages' routes, one router per area, and the few the top-level router adds itself.
    let pages = include_str!("../../src/pages/routes.rs");
    let source = include_str!("../../src/lib.rs");
    let (_, tail) = source.split_once(".merge(pages)").expect("merge");
    let mut out: BTreeSet<(String, String)> = bangfu_web::api::api_route_table()
        .into_iter()
        .map(|(method, path)| (method, format!("/api/v1{path}")))
        .collect();
    for (prefix, block) in [("", pages), ("", tail)] {
        for chunk in block.split(".route(").skip(1) {
            let path = chunk.split('"').nth(1).expect("route path");
            let call = chunk.split(".route(").next().unwrap_or(chunk);
            let call = call.split(".fallback(").next().unwrap_or(call);
            for method in ["get", "post", "put", "delete", "patch"] {
                let uses =
                    call.contains(&format!("{method}(")) || call.contains(&format!(".{method}("));
                if uses {
                    out.insert((method.to_uppercase(), format!("{prefix}{path}")));
                }
            }
        }
    }
    out
}

async fn send(
    app: &TestApp,
    state: &bangfu_web::AppState,
    c: &Case,
    auth: &Auth,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(c.method.clone()).uri(&c.path);
    match auth {
        Auth::None => {}
        Auth::Cookie(client) => {
            req = req
                .header(header::COOKIE, &client.cookie)
                .header("x-csrf-token", &client.csrf);
        }
        Auth::Bearer(token) => {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
    }
    let body = match &c.payload {
        Payload::None => Body::empty(),
        Payload::Form(fields) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
                    .finish(),
            )
        }
        Payload::Json(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        Payload::Multipart(name, bytes) => {
            let boundary = "MaTrIx";
            req = req.header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            );
            let mut b = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
            )
            .into_bytes();
            b.extend_from_slice(bytes);
            b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            Body::from(b)
        }
        Payload::Bytes(bytes) => Body::from(bytes.clone()),
    };
    use tower::ServiceExt;
    let r = bangfu_web::router(state.clone())
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let _ = app;
    (status, location)
}

enum Auth {
    None,
    Cookie(Client),
    Bearer(String),
}

fn denied(status: StatusCode, location: &str) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        // A refused page redirects to the login page and back (a logout goes to plain /login).
        || (status == StatusCode::SEE_OTHER && location.starts_with("/login?next="))
}

async fn auth_for(
    app: &TestApp,
    caller: Caller,
    revoked: &str,
    disabled: &Client,
    expired: &Client,
) -> Auth {
    let login = |l: &'static str| async move { Auth::Cookie(app.login(l).await) };
    match caller {
        Caller::Anonymous => Auth::None,
        Caller::ReporterA => login("matrix-a").await,
        Caller::ReporterB => login("matrix-b").await,
        Caller::Coordinator => login("matrix-coord").await,
        Caller::Viewer => login("matrix-viewer").await,
        Caller::Auditor => login("matrix-auditor").await,
        Caller::Finance => login("matrix-finance").await,
        Caller::Admin => login("matrix-admin").await,
        Caller::Disabled => Auth::Cookie(disabled.clone()),
        Caller::Expired => Auth::Cookie(expired.clone()),
        Caller::RevokedToken => Auth::Bearer(revoked.to_string()),
    }
}

#[tokio::test]
async fn every_route_for_every_caller_follows_the_policy() {
    let app = spawn_app().await;
    for (login, role, unit) in [
        ("matrix-a", Role::Reporter, Some("jw")),
        ("matrix-b", Role::Reporter, Some("wjw")),
        ("matrix-coord", Role::Coordinator, None),
        ("matrix-viewer", Role::Viewer, None),
        ("matrix-auditor", Role::Auditor, None),
        ("matrix-finance", Role::Finance, None),
        ("matrix-admin", Role::Admin, None),
        // Disabled and expired callers hold roles that could write, so a leak would show.
        ("matrix-disabled", Role::Reporter, Some("jw")),
        ("matrix-expired", Role::Admin, None),
        ("matrix-target", Role::Viewer, None),
        ("matrix-login", Role::Viewer, None),
        ("matrix-robot", Role::Admin, None),
    ] {
        app.add_user(login, role, unit).await;
    }
    let disabled = app.login("matrix-disabled").await;
    app.state
        .store
        .set_user_active("matrix-disabled", false, "test")
        .await
        .unwrap();
    let expired = app.login("matrix-expired").await;
    let robot = app
        .state
        .store
        .user_by_login("matrix-robot")
        .await
        .unwrap()
        .unwrap();
    let revoked = "bf_revoked_matrix_token";
    let id = app
        .state
        .store
        .create_token(&robot, crate::helpers::new_token(revoked, "t"), "test")
        .await
        .unwrap();
    app.state.store.revoke_token(id, "test").await.unwrap();
    let evidence_id = app
        .state
        .store
        .add_evidence(
            "2018Q1",
            "jw",
            NewEvidence {
                file_name: "a.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: "x".into(),
                content: b"%PDF-1.4".to_vec(),
            },
            "test",
            "",
        )
        .await
        .unwrap();

    // Every declared route has at least one case, and every case names a declared route.
    let problem_id = app
        .state
        .store
        .raise_problem(
            bangfu_domain::problem::ProblemDraft {
                description: "交通不便".into(),
                unit: "jw".into(),
                task: None,
                area: None,
                owner: String::new(),
                due: None,
                source: String::new(),
            },
            app.state.clock.today(),
            "test",
        )
        .await
        .unwrap();
    let task_evidence_id = app
        .state
        .store
        .add_task_evidence(
            "1.2-6",
            "jw",
            NewEvidence {
                file_name: "送教.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: "x".into(),
                content: b"%PDF-1.4".to_vec(),
            },
            "test",
        )
        .await
        .unwrap();
    let (project, finding, document) = ledger_rows(&app).await;
    let all = cases(&Ids {
        evidence: evidence_id,
        problem: problem_id,
        task_evidence: task_evidence_id,
        project,
        finding,
        document,
        token: id,
    });
    let covered: BTreeSet<(String, String)> = all
        .iter()
        .map(|c| (c.method.to_string(), c.route.to_string()))
        .collect();
    let declared = declared_routes();
    let missing: Vec<_> = declared.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without an access-control case: {missing:?}"
    );
    let unknown: Vec<_> = covered.difference(&declared).collect();
    assert!(
        unknown.is_empty(),
        "cases for routes the router lacks: {unknown:?}"
    );

    // Sessions idle for three hours have expired; other callers use the normal clock.
    let mut late = app.state.clone();
    late.clock = Clock::Fixed(chrono::Utc::now() + chrono::Duration::hours(3));

    let mut failures = Vec::new();
    let mut sessions = std::collections::HashMap::new();
    for c in &all {
        for caller in CALLERS {
            let auth = if c.ends_session || !sessions.contains_key(&(caller as u8)) {
                let a = auth_for(&app, caller, revoked, &disabled, &expired).await;
                if !c.ends_session {
                    sessions.insert(caller as u8, auth_clone(&a));
                }
                a
            } else {
                auth_clone(&sessions[&(caller as u8)])
            };
            let state = if caller == Caller::Expired {
                &late
            } else {
                &app.state
            };
            let (status, location) = send(&app, state, c, &auth).await;
            let was_denied = denied(status, &location);
            // Allowed means served: a 2xx, a redirect that is not to the login page, or exactly
            // the handler's own refusal of a deliberately invalid payload.
            let served = match c.refused_with {
                Some(expected) => status == expected,
                None => status.is_success() || (status.is_redirection() && !was_denied),
            };
            if was_denied == allowed(c.need, caller) || (allowed(c.need, caller) && !served) {
                failures.push(format!(
                    "{} {} as {caller:?}: got {status} {location}, expected {}",
                    c.method,
                    c.path,
                    if allowed(c.need, caller) {
                        "allowed"
                    } else {
                        "denied"
                    }
                ));
            }
            assert!(
                !status.is_server_error(),
                "{} {} as {caller:?}: {status}",
                c.method,
                c.path
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The disabled reporter's and the expired admin's sessions never worked again: the audit
    // log holds nothing they did after logging in.
    let after_login: Vec<String> = app
        .state
        .store
        .audit_entries(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| ["matrix-disabled", "matrix-expired"].contains(&e.actor.as_str()))
        .filter(|e| e.action != "login.success")
        .map(|e| format!("{} {} {}", e.actor, e.action, e.entity_key))
        .collect();
    assert!(after_login.is_empty(), "{after_login:?}");
}

/// A project of 区教委 with a document and an open audit finding.
async fn ledger_rows(app: &TestApp) -> (i64, i64, i64) {
    let input = bangfu_domain::ledger::input::ProjectInput {
        name: "矩阵测试项目".into(),
        area: "cyqq".into(),
        sector: "教育".into(),
        unit: "jw".into(),
        ..Default::default()
    };
    let project = input.parse(&app.state.plan, 0).unwrap();
    let store = &app.state.store;
    let id = store.save_projects(&[project], "test").await.unwrap()[0];
    let finding = store
        .raise_finding(id, None, "请补充批复", app.state.clock.today(), "test")
        .await
        .unwrap();
    let document = store
        .add_project_document(
            id,
            bangfu_domain::ledger::DocumentKind::Approval,
            NewEvidence {
                file_name: "批复.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: "x".into(),
                content: b"%PDF-1.4".to_vec(),
            },
            "test",
        )
        .await
        .unwrap();
    (id, finding, document)
}

fn auth_clone(a: &Auth) -> Auth {
    match a {
        Auth::None => Auth::None,
        Auth::Cookie(c) => Auth::Cookie(c.clone()),
        Auth::Bearer(t) => Auth::Bearer(t.clone()),
    }
}
