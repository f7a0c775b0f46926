use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("数据库错误：{0}")]
    Database(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据库地址“{0}”无法识别：应为 sqlite://路径 或 postgres://用户@主机/库名")]
    BadUrl(String),
    #[error(
        "无法连接 PostgreSQL 服务器 {server}：{cause}（服务器没有运行，或主机、端口写错了？）"
    )]
    Unreachable { server: String, cause: String },
    #[error(
        "PostgreSQL 数据库“{name}”不存在：运行 `bangfu init`（或 `bangfu serve`）会创建它，\
         也可由数据库管理员用 createdb 创建"
    )]
    NoDatabase { name: String },
    #[error("无法创建 PostgreSQL 数据库“{name}”：{cause}。请由数据库管理员用 createdb 创建")]
    CreateDatabase { name: String, cause: String },
    #[error("无法创建数据目录 {path}：{source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("数据库中已载入计划“{0}”，不能再载入另一个计划")]
    PlanAlreadyLoaded(String),
    #[error("登录名“{0}”已被使用")]
    LoginTaken(String),
    #[error("报表已被他人修改（您打开的是第 {expected} 版，现在是第 {current} 版），请刷新后再改")]
    VersionConflict { expected: i64, current: i64 },
    #[error("报表当前状态为“{0}”，不能修改")]
    NotEditable(String),
    #[error("{0}")]
    Workflow(String),
    #[error("{0}")]
    Invalid(String),
    /// A rule refused the change; nothing was written. Each message names its field or row.
    #[error("{}", .0.join("；"))]
    Rejected(Vec<String>),
    #[error("数据库中的数据无效：{0}")]
    Corrupt(String),
    /// The audit key is missing or wrong, or the audit chain's end does not verify.
    #[error("{0}")]
    Audit(String),
}

impl StoreError {
    /// Unique-constraint violations are user mistakes (a taken login), not server faults.
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}
