//! The pages' routes, one router per area, merged in [`router`]. Every route's permission is
//! asked of the policy (`bangfu_domain::policy`) by its handler; the access test walks this file.

use super::*;
use crate::{AppState, MAX_EVIDENCE_BYTES};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

/// Every page route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account())
        .merge(reporting())
        .merge(district())
        .merge(supervision())
        .merge(areas())
        .merge(ledger())
        .merge(oversight())
        .merge(registries())
}

/// The registers (台账) units keep, and the reconciliation of the rows they fill.
fn registries() -> Router<AppState> {
    Router::new()
        .route("/registries", get(registries::index))
        .route(
            "/registries/{code}",
            get(registries::show).post(registries::add),
        )
        .route(
            "/registries/{code}/entries/{id}",
            get(registry_entry::entry).post(registry_entry::edit),
        )
        .route(
            "/registries/{code}/entries/{id}/void",
            post(registry_entry::void),
        )
        .route(
            "/registries/{code}/entries/{id}/evidence",
            post(registry_entry::upload_evidence)
                .layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
        .route(
            "/registry-evidence/{id}",
            get(registry_entry::download_evidence),
        )
        .route("/registries/{code}/entries.xlsx", get(registries::export))
        .route(
            "/registries/{code}/template.xlsx",
            get(registry_import::template),
        )
        .route(
            "/registries/{code}/import",
            get(registry_import::show)
                .post(registry_import::upload)
                .layer(DefaultBodyLimit::max(
                    bangfu_xlsx::MAX_IMPORT_BYTES + 64 * 1024,
                )),
        )
        .route(
            "/registries/{code}/import/confirm",
            post(registry_import::confirm),
        )
        .route(
            "/reconciliation/{period}/registries",
            get(registries::reconciliation),
        )
}

/// The published plan, logging in and out, one's own password and API tokens.
fn account() -> Router<AppState> {
    Router::new()
        .route("/", get(plan::show))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route(
            "/account/password",
            get(auth::password_form).post(auth::change_password),
        )
        .route("/account/tokens", get(tokens::list).post(tokens::create))
        .route("/account/tokens/{id}/revoke", post(tokens::revoke))
        .route("/home", get(home::show))
        .route("/notices", get(notify::notices))
        .route("/notices/read", post(notify::mark_read))
        .route(
            "/account/notify",
            get(notify::settings).post(notify::save_settings),
        )
}

/// The quarterly report: the form, review, evidence (佐证材料) and spreadsheet import.
fn reporting() -> Router<AppState> {
    Router::new()
        .route(
            "/reports/{period}/{unit}",
            get(report::show).post(report::save),
        )
        .route("/reports/{period}/{unit}/review", post(report::review))
        .route(
            "/reports/{period}/{unit}/evidence",
            post(evidence::upload).layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
        .route(
            "/reports/{period}/{unit}/import",
            post(import::upload).layer(DefaultBodyLimit::max(
                bangfu_xlsx::MAX_IMPORT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/reports/{period}/{unit}/import/confirm",
            post(import::confirm),
        )
        .route("/evidence/{id}", get(evidence::download))
        .route("/evidence/{id}/delete", post(evidence::remove))
}

/// The district's view: 报送情况, 全区汇总, the dashboard and the annual assessment.
fn district() -> Router<AppState> {
    Router::new()
        .route("/completeness", get(district::completeness))
        .route("/summary/{period}", get(district::summary))
        .route("/summary", get(district::summary_latest))
        .route(
            "/reports/{period}/district.docx",
            get(district::written_report),
        )
        .route(
            "/years/{year}/district.docx",
            get(district::year_written_report),
        )
        .route("/dashboard", get(dashboard::show))
        .route("/assessment", get(assessment::show))
        .route("/assessment.xlsx", get(assessment::export))
        .route("/assessment/{unit}", post(assessment::set_score))
}

/// Supervision (督办): tasks and their progress, problems, pairings.
fn supervision() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks::list))
        .route("/problems", get(problems::list).post(problems::raise))
        .route("/problems/{id}", get(problem::show).post(problem::update))
        .route("/problems.xlsx", get(problems::export))
        .route("/tasks/{code}", get(tasks::show))
        .route("/tasks/{code}/progress", post(tasks::record))
        .route(
            "/tasks/{code}/evidence",
            post(tasks::upload).layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
        .route("/task-evidence/{id}", get(tasks::download))
        .route("/supervision.xlsx", get(tasks::export))
        .route("/pairings", get(pairings::show))
        .route("/pairings.xlsx", get(pairings::export))
}

/// The recipient areas and their yearly figures.
fn areas() -> Router<AppState> {
    Router::new()
        .route("/areas", get(areas::list))
        .route("/areas/{code}", get(areas::show))
        .route("/areas/{code}/stats", post(areas::record))
        .route("/areas/{code}/report.docx", get(areas::written_report))
}

/// The funds ledger (资金台账) and its reconciliation with the reports.
fn ledger() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(ledger::show))
        .route("/ledger.xlsx", get(ledger::export))
        .route("/ledger/budgets", post(ledger::set_budget))
        .route(
            "/ledger/import",
            get(ledger_import::show)
                .post(ledger_import::upload)
                .layer(DefaultBodyLimit::max(
                    bangfu_xlsx::MAX_IMPORT_BYTES + 64 * 1024,
                )),
        )
        .route("/ledger/import/confirm", post(ledger_import::confirm))
        .route("/ledger/templates/{kind}", get(ledger_import::template))
        .route(
            "/ledger/transactions",
            get(ledger::journal).post(ledger::record_tx),
        )
        .route(
            "/ledger/projects",
            get(projects::list).post(projects::create),
        )
        .route(
            "/ledger/projects/{id}",
            get(projects::show).post(projects::update),
        )
        .route(
            "/ledger/projects/{id}/documents",
            post(projects::upload).layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
        .route(
            "/ledger/projects/{id}/findings",
            post(projects::raise_finding),
        )
        .route("/ledger/findings/{id}", post(projects::update_finding))
        .route("/ledger/documents/{id}", get(projects::download))
        .route("/reconciliation", get(reconciliation::latest))
        .route("/reconciliation/{period}", get(reconciliation::show))
}

/// The audit trail and user administration.
fn oversight() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit::show))
        .route("/audit.xlsx", get(audit::export))
        .route("/audit/receipt", get(audit::receipt))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route(
            "/admin/robots",
            get(notify::robots).post(notify::save_robot),
        )
        .route("/notify/deliveries", get(notify::deliveries))
        .route("/notify/deliveries/{id}/resend", post(notify::resend))
        .route("/admin/users/{login}/active", post(admin::set_active))
        .route("/admin/users/{login}/password", post(admin::reset_password))
}
