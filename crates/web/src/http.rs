//! HTTP helpers shared by the pages and the JSON API: downloads, upload limits, times as shown.
//! Both sides import from here, never from each other.

use crate::error::AppError;
use crate::sheets::XLSX_TYPE;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// `Content-Disposition` for a download: always an attachment (never rendered inline), with an
/// ASCII fallback name and the real name in RFC 5987 encoding.
pub fn attachment(fallback: &str, name: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The refusal of an upload over `limit` bytes.
pub fn too_big(what: &str, limit: usize) -> AppError {
    AppError::TooLarge(format!("{what}过大：不能超过 {} MB", limit / 1024 / 1024))
}

/// An .xlsx download with a safe, UTF-8 file name.
pub fn xlsx_response(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX_TYPE.to_string()),
            (
                header::CONTENT_DISPOSITION,
                attachment("download.xlsx", file_name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A moment as shown to people: Beijing time to the minute.
pub fn beijing_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
