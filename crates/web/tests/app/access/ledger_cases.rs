//! The cases of the funds ledger's routes (资金台账): budgets, projects, transactions, documents
//! and 审计意见, pages and API.

use super::*;

/// `project`, `finding`, `document`: a project, a finding and a document on it; `pdf`: a file to
/// upload.
pub(super) fn ledger_cases(project: i64, finding: i64, document: i64, pdf: Vec<u8>) -> Vec<Case> {
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
