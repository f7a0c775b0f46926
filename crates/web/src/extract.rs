//! Request extractors whose refusals speak Chinese: a malformed JSON body, form or path segment is
//! the caller's mistake (4xx with a clear message), never an English framework message.

use crate::error::{ApiError, AppError};
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::{Form, Json};
use serde::de::DeserializeOwned;

/// A JSON body for the API.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::<T>::from_request(req, state)
            .await
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
                    JsonRejection::JsonSyntaxError(_) => "JSON 格式错误，无法解析".into(),
                    JsonRejection::MissingJsonContentType(_) => {
                        "请求须为 JSON（Content-Type: application/json）".into()
                    }
                    _ => "请求内容过大或无法读取".into(),
                }))
            })
    }
}

/// A urlencoded form body for the pages.
pub struct FormBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Form::<T>::from_request(req, state)
            .await
            .map(|Form(v)| FormBody(v))
            .map_err(|e| {
                AppError::BadRequest(match e {
                    FormRejection::FailedToDeserializeForm(_)
                    | FormRejection::FailedToDeserializeFormBody(_) => {
                        "表单内容不完整或格式不对，请刷新页面后重新填写".into()
                    }
                    _ => "提交的内容过大或无法读取".into(),
                })
            })
    }
}

/// Path parameters; a malformed one (a number expected) is a 400, not a framework message.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| PathParams(v))
            .map_err(|e: PathRejection| {
                AppError::BadRequest(format!("网址中的参数无效（{}）", e.body_text()))
            })
    }
}
