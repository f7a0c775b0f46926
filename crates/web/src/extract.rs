//! Request extractors whose refusals speak Chinese: a malformed JSON body, form or path segment is
//! the caller's mistake (4xx with a clear message), never an English framework message. A body
//! over its limit is a 413; a NUL character in any text (path, query, form, JSON) is a 400 before
//! it reaches the database, the same on both backends.

use crate::error::{nul_refused, too_large, ApiError, AppError};
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, FormRejection, JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::de::DeserializeOwned;

/// A JSON body for the API.
pub struct JsonBody<T>(pub T);

/// `application/json` or `application/*+json`, as axum's own `Json` accepts.
fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| {
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
}

/// Reads the whole body within the route's limit (`DefaultBodyLimit`): over it is a 413.
async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    let limit_hit = |e: &BytesRejection| e.status() == StatusCode::PAYLOAD_TOO_LARGE;
    Bytes::from_request(req, state).await.map_err(|e| {
        if limit_hit(&e) {
            too_large(crate::MAX_BODY_BYTES)
        } else {
            AppError::BadRequest("提交的内容无法读取".into())
        }
    })
}

/// A JSON text holding a NUL character: only as the escape `\u0000` (a raw one is invalid JSON).
pub fn json_has_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0 => return true,
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                    return true;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    false
}

/// An urlencoded text whose names or values decode to a NUL character.
pub fn form_has_nul(bytes: &[u8]) -> bool {
    form_urlencoded::parse(bytes).any(|(k, v)| k.contains('\0') || v.contains('\0'))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError(AppError::BadRequest(
                "请求须为 JSON（Content-Type: application/json）".into(),
            )));
        }
        let bytes = body_bytes(req, state).await?;
        if json_has_nul(&bytes) {
            return Err(ApiError(nul_refused()));
        }
        Json::<T>::from_bytes(&bytes)
            .map(|Json(v)| JsonBody(v))
            .map_err(|e| {
                ApiError(AppError::BadRequest(match e {
                    JsonRejection::JsonDataError(d) => {
                        format!(
                            "JSON 内容与接口要求不符：{}",
                            d.body_text().trim_start_matches(
                                "Failed to deserialize the JSON body into the target type: "
                            )
                        )
                    }
                    _ => "JSON 格式错误，无法解析".into(),
                }))
            })
    }
}

/// A urlencoded form body for the pages.
pub struct FormBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = body_bytes(Request::from_parts(parts.clone(), body), state).await?;
        if form_has_nul(&bytes) {
            return Err(nul_refused());
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        Form::<T>::from_request(req, state)
            .await
            .map(|Form(v)| FormBody(v))
            .map_err(|e| {
                AppError::BadRequest(match e {
                    FormRejection::FailedToDeserializeForm(_)
                    | FormRejection::FailedToDeserializeFormBody(_) => {
                        "表单内容不完整或格式不对，请刷新页面后重新填写".into()
                    }
                    _ => "提交的内容无法读取".into(),
                })
            })
    }
}

/// Refuses a NUL character anywhere in the path or query string (`%00`), before any handler or
/// extractor (including axum's own `Query` and `Path`) sees it. Bodies are checked by
/// [`JsonBody`] and [`FormBody`].
pub async fn refuse_nul_in_uri(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let has_nul = uri
        .path_and_query()
        .is_some_and(|pq| pq.as_str().to_ascii_lowercase().contains("%00"));
    if !has_nul {
        return next.run(request).await;
    }
    if uri.path().starts_with("/api/") {
        ApiError(nul_refused()).into_response()
    } else {
        nul_refused().into_response()
    }
}

/// A refused path segment or query string: JSON under `/api/`, the error page elsewhere.
pub struct ParamRefusal {
    error: AppError,
    api: bool,
}

impl ParamRefusal {
    fn new(parts: &Parts, message: String) -> Self {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |u| &u.0);
        ParamRefusal {
            error: AppError::BadRequest(message),
            api: uri.path().starts_with("/api/"),
        }
    }
}

impl IntoResponse for ParamRefusal {
    fn into_response(self) -> Response {
        if self.api {
            ApiError(self.error).into_response()
        } else {
            self.error.into_response()
        }
    }
}

/// Path parameters; a malformed one (a number expected) is a 400, not a framework message.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ParamRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(PathParams(v)),
            Err(e) => {
                let detail = match &e {
                    PathRejection::FailedToDeserializePathParams(d) => zh(&d.body_text()),
                    other => other.body_text(),
                };
                Err(ParamRefusal::new(
                    parts,
                    format!("网址中的参数无效（{detail}）"),
                ))
            }
        }
    }
}

/// The query string; a malformed one (a repeated or mistyped parameter) is a 400 in Chinese.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ParamRefusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(v)| QueryParams(v))
            .map_err(|e| {
                let detail = zh(e
                    .body_text()
                    .trim_start_matches("Failed to deserialize query string: "));
                ParamRefusal::new(parts, format!("网址中的查询参数无效：{detail}"))
            })
    }
}

/// serde's English for the common mistakes, in Chinese; anything else as it is.
pub fn zh(message: &str) -> String {
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or_default().to_string();
    if message.starts_with("duplicate field") {
        format!("参数 {} 重复", quoted(message))
    } else if message.starts_with("missing field") {
        format!("缺少 {}", quoted(message))
    } else if message.starts_with("unknown field") {
        format!("不认识的字段 {}", quoted(message))
    } else if message.starts_with("unknown variant") {
        format!("“{}”不是可选的值之一", quoted(message))
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        format!("值的类型不对（{message}）")
    } else if message.contains("provided string was not `true` or `false`") {
        "应为 true 或 false".to_string()
    } else {
        message.to_string()
    }
}
