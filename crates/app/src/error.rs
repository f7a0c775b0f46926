//! What a use case can answer besides its result: the caller's mistake (named in Chinese), a
//! refusal by the policy, or a fault of the storage. The web layer maps these to statuses.

use bangfu_domain::report::Finding;
use bangfu_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("页面或数据不存在")]
    NotFound,
    #[error("没有权限执行此操作")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    /// An upload or body over its limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("数据校验未通过")]
    Validation(Vec<Finding>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// A rule or parser refused the input; nothing was written. Each message names its field.
    pub fn rejected(errors: Vec<String>) -> AppError {
        AppError::Store(StoreError::Rejected(errors))
    }
}
