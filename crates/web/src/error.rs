//! One error type for every handler. User mistakes get a clear Chinese message and a 4xx status;
//! server faults are logged in full and shown without internals. Pages render HTML, the API JSON.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use bangfu_domain::report::Finding;
use bangfu_store::StoreError;

/// Why the use-case variants stand here again (instead of one `App(bangfu_app::AppError)`
/// variant): handlers name them directly (`AppError::NotFound`) beside the HTTP-only ones
/// (unauthenticated, CSRF, template); the exhaustive `From` below keeps the two in step.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("页面或数据不存在")]
    NotFound,
    #[error("请先登录")]
    Unauthenticated,
    #[error("没有权限执行此操作")]
    Forbidden,
    #[error("页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试")]
    Csrf,
    #[error("{0}")]
    BadRequest(String),
    /// The body is over its limit: 413, whatever part of the stack noticed.
    #[error("{0}")]
    TooLarge(String),
    #[error("数据校验未通过")]
    Validation(Vec<Finding>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("页面生成失败：{0}")]
    Template(#[from] askama::Error),
    #[error("{0}")]
    Internal(String),
}

/// A use case's answer in HTTP terms (same variants, same messages).
impl From<bangfu_app::AppError> for AppError {
    fn from(e: bangfu_app::AppError) -> Self {
        use bangfu_app::AppError as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Forbidden => AppError::Forbidden,
            E::BadRequest(m) => AppError::BadRequest(m),
            E::TooLarge(m) => AppError::TooLarge(m),
            E::Validation(f) => AppError::Validation(f),
            E::Store(s) => AppError::Store(s),
            E::Internal(m) => AppError::Internal(m),
        }
    }
}

/// A body over `limit` bytes.
pub fn too_large(limit: usize) -> AppError {
    AppError::TooLarge(format!(
        "提交的内容过大：不能超过 {} MB",
        limit.div_ceil(1024 * 1024)
    ))
}

/// Text with a NUL character, refused wherever it arrives (PostgreSQL cannot store it).
pub fn nul_refused() -> AppError {
    AppError::BadRequest("输入中含有空字符（NUL，\\0），请删除后重试".into())
}

impl AppError {
    /// A rule or parser refused the input; nothing was written. Each message names its field.
    pub fn rejected(errors: Vec<String>) -> AppError {
        AppError::Store(StoreError::Rejected(errors))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Store(e) => match e {
                StoreError::VersionConflict { .. }
                | StoreError::NotEditable(_)
                | StoreError::Workflow(_)
                | StoreError::LoginTaken(_)
                | StoreError::PlanAlreadyLoaded(_) => StatusCode::CONFLICT,
                StoreError::Invalid(_) => StatusCode::BAD_REQUEST,
                StoreError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            AppError::Template(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user sees: the error itself for their mistakes, a generic one for ours.
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
            "服务器内部错误，已记录日志。请稍后重试，或联系系统管理员。".to_string()
        } else if let AppError::Validation(findings) = self {
            findings
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("；")
        } else {
            self.to_string()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: crate::pages::Nav,
    status: u16,
    message: String,
    signed_in: bool,
}

/// What an error page says, kept on the response so that the session layer, which knows who is
/// signed in, can draw it again with that person's header (see [`error_page_for`]).
#[derive(Clone, Debug)]
pub struct PageError {
    pub message: String,
}

/// The error page of `response` drawn for `actor`: their own header and a way back to their work.
pub fn error_page_for(actor: &crate::auth::Actor, response: Response) -> Response {
    let Some(error) = response.extensions().get::<PageError>().cloned() else {
        return response;
    };
    let status = response.status();
    let page = ErrorPage {
        nav: crate::pages::Nav::for_actor(Some(actor)),
        status: status.as_u16(),
        message: error.message,
        signed_in: true,
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => response,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::Unauthenticated) {
            return (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, "/login")],
                "请先登录",
            )
                .into_response();
        }
        let status = self.status();
        let message = self.public_message();
        let page = ErrorPage {
            nav: crate::pages::Nav::for_actor(None),
            status: status.as_u16(),
            message: message.clone(),
            signed_in: false,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "服务器内部错误".to_string());
        let mut response = (status, Html(body)).into_response();
        response.extensions_mut().insert(PageError { message });
        response
    }
}

/// The same errors for the JSON API: `{"error": "..."}`, validation as
/// `{"error": "...", "errors": [{indicator, rule, message}]}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0.status(), Json(crate::api::ErrorBody::of(&self.0))).into_response()
    }
}
