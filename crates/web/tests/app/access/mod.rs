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
    /// The deliveries of notifications: the coordinator and the administrator.
    Deliveries,
    /// Keep some unit's register (import into it): reporters and the coordinator.
    Keeper,
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
                | Need::Keeper
        ),
        ReporterB => matches!(need, Need::Public | Need::LoggedIn | Need::Keeper),
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
                | Need::Deliveries
                | Need::Keeper
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
                | Need::Keeper
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

mod cases;
mod ledger_cases;
mod registry_cases;
use cases::{cases, Ids};

/// Routes as declared in the router's source: (METHOD, full path). The `/api/v1` routes are the
/// API's one list, which also makes its OpenAPI document.
fn declared_routes() -> BTreeSet<(String, String)> {
    // The pages' routes, one router per area, and the few the top-level router adds itself.
    let pages = include_str!("../../../src/pages/routes.rs");
    let source = include_str!("../../../src/lib.rs");
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

/// An entry of 区教委's 人才交流 register.
async fn registry_entry(app: &TestApp) -> i64 {
    let plan = &app.state.plan;
    let values: std::collections::BTreeMap<String, String> = [
        ("person", "张老师"),
        ("direction", "东部到西部"),
        ("kind", "教师"),
        ("level", "区级"),
        ("area", "cyqq"),
        ("starts_on", "2018-01-15"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let checked =
        bangfu_domain::registry::check_entry(plan, plan.registry("talent").unwrap(), &values)
            .unwrap();
    app.state
        .store
        .add_entry("talent", "jw", &checked, "test")
        .await
        .unwrap()
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
            &[],
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
    let entry = registry_entry(&app).await;
    let entry_evidence = app
        .state
        .store
        .add_entry_evidence(
            entry,
            NewEvidence {
                file_name: "协议.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: "x".into(),
                content: b"%PDF-1.4".to_vec(),
            },
            "test",
        )
        .await
        .unwrap();
    let all = cases(&Ids {
        evidence: evidence_id,
        problem: problem_id,
        task_evidence: task_evidence_id,
        project,
        finding,
        document,
        token: id,
        entry,
        entry_evidence,
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
        .raise_finding(id, None, "请补充批复", app.state.clock.today(), "test", &[])
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
