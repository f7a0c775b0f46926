//! HTTP helpers shared by the pages and the JSON API: downloads, upload limits, times as shown.
//! Both sides import from here, never from each other.

use crate::error::AppError;
use crate::sheets::XLSX_TYPE;
use axum::http::header;
use axum::response::{IntoResponse, Response};

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
/// A file's size as a list shows it ("12.3 KB").
pub fn file_size(bytes: i64) -> String {
    format!("{}.{} KB", bytes / 1024, bytes % 1024 * 10 / 1024)
}

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

/// A stored file sent for download: always an attachment (see [`attachment`]).
pub struct Download<'a> {
    /// The ASCII fallback name before its extension, such as `evidence-12`.
    pub stem: String,
    /// The name the file was uploaded with.
    pub file_name: &'a str,
    pub content_type: String,
    pub content: Vec<u8>,
    /// Tell caches on the way not to keep a copy.
    pub no_store: bool,
}

impl IntoResponse for Download<'_> {
    fn into_response(self) -> Response {
        let ext = self
            .file_name
            .rsplit_once('.')
            .map_or("bin".to_string(), |(_, e)| e.to_ascii_lowercase());
        let disposition = attachment(&format!("{}.{ext}", self.stem), self.file_name);
        let mut response = (
            [
                (header::CONTENT_TYPE, self.content_type),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            self.content,
        )
            .into_response();
        if self.no_store {
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("private, no-store"),
            );
        }
        response
    }
}

pub use bangfu_app::beijing_time;

/// A written report (.docx) drafted by the system, never kept by caches on the way.
pub fn docx_response(stem: String, file_name: &str, bytes: Vec<u8>) -> Response {
    Download {
        stem,
        file_name,
        content_type: bangfu_app::written_report::DOCX_CONTENT_TYPE.into(),
        content: bytes,
        no_store: true,
    }
    .into_response()
}
