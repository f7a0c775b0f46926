//! The web application's tests: one binary, a `spawn_app()` helper, real databases.

mod access;
mod areas;
mod audit;
mod auth;
mod browser;
mod browser_registry;
mod evidence;
mod guard;
mod helpers;
mod home;
mod hostile;
mod hostile_sheets;
mod layout;
mod ledger;
mod notices;
mod openapi;
mod oversight;
mod pages;
mod peer;
mod registries;
mod reporting;
mod sheets;
mod tokens;
mod web_pages;
mod written;
