//! Server-rendered pages.

pub mod plan;

use crate::error::AppError;

pub async fn not_found() -> AppError {
    AppError::NotFound
}
