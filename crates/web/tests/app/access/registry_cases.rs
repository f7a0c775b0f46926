//! The cases of the registers' routes (台账): pages and API.

use super::*;

/// `entry`: an entry of 区教委's 人才交流 register; `evidence`: an evidence file on it.
pub(super) fn registry_cases(entry: i64, evidence: i64) -> Vec<Case> {
    use Method as M;
    use Need::*;
    vec![
        case(
            M::GET,
            "/registries",
            "/registries",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/registries/{code}/entries.xlsx",
            "/registries/talent/entries.xlsx",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/reconciliation/{period}/registries",
            "/reconciliation/2018Q1/registries",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/registries/{code}",
            "/registries/talent",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::POST,
            "/registries/{code}",
            "/registries/talent",
            form(&[("unit", "jw")]),
            WorkA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/registries/{code}/entries/{id}",
            &format!("/registries/talent/entries/{entry}"),
            Payload::None,
            ViewA,
        ),
        case(
            M::POST,
            "/registries/{code}/entries/{id}",
            &format!("/registries/talent/entries/{entry}"),
            form(&[]),
            WorkA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/registries/{code}/entries/{id}/void",
            &format!("/registries/talent/entries/{entry}/void"),
            form(&[("reason", "")]),
            WorkA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/registries/{code}/entries/{id}/evidence",
            &format!("/registries/talent/entries/{entry}/evidence"),
            Payload::Multipart("协议.pdf", b"%PDF-1.4 agreement".to_vec()),
            WorkA,
        ),
        case(
            M::GET,
            "/registry-evidence/{id}",
            &format!("/registry-evidence/{evidence}"),
            Payload::None,
            ViewA,
        ),
        case(
            M::GET,
            "/api/v1/registries",
            "/api/v1/registries",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/api/v1/registries/{code}/entries",
            "/api/v1/registries/talent/entries",
            Payload::None,
            LoggedIn,
        ),
        // Entries refused on purpose (no values, no reason): the matrix changes nothing.
        case(
            M::POST,
            "/api/v1/registries/{code}/entries",
            "/api/v1/registries/talent/entries",
            Payload::Json(serde_json::json!({"unit": "jw", "values": {}})),
            WorkA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::PUT,
            "/api/v1/registries/{code}/entries/{id}",
            &format!("/api/v1/registries/talent/entries/{entry}"),
            Payload::Json(serde_json::json!({"values": {}})),
            WorkA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/api/v1/registries/{code}/entries/{id}/void",
            &format!("/api/v1/registries/talent/entries/{entry}/void"),
            Payload::Json(serde_json::json!({"reason": ""})),
            WorkA,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::GET,
            "/api/v1/reconciliation/{period}/registries",
            "/api/v1/reconciliation/2018Q1/registries",
            Payload::None,
            District,
        ),
        case(
            M::GET,
            "/registries/{code}/template.xlsx",
            "/registries/talent/template.xlsx",
            Payload::None,
            LoggedIn,
        ),
        case(
            M::GET,
            "/registries/{code}/import",
            "/registries/talent/import",
            Payload::None,
            Keeper,
        ),
        case(
            M::POST,
            "/registries/{code}/import",
            "/registries/talent/import",
            Payload::Multipart("人才交流.xlsx", b"not xlsx".to_vec()),
            Keeper,
        )
        .refused_with(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            M::POST,
            "/registries/{code}/import/confirm",
            "/registries/talent/import/confirm",
            form(&[("token", "none")]),
            Keeper,
        )
        .refused_with(StatusCode::BAD_REQUEST),
    ]
}
