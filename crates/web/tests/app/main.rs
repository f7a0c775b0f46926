//! The web application's tests: one binary, a `spawn_app()` helper, real databases.

mod access;
mod areas;
mod audit;
mod browser;
mod helpers;
mod hostile;
mod ledger;
mod oversight;
mod pages;
mod reporting;
mod sheets;
mod web_pages;
