//! The `/api/v1` router and its OpenAPI document, built from one list of handlers.
//!
//! Each handler carries `#[utoipa::path]` (its method, path, parameters, body and every status it
//! answers, with the types it reads and writes); `utoipa_axum::routes!` registers the handler on
//! the router under exactly that method and path and adds the operation to the document. The plan's
//! codes (periods, units, recipient areas) are then written into the path parameters as enums, so
//! a client — or a fuzzer — learns which addresses exist.

use super::*;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use bangfu_domain::user::Role;
use bangfu_domain::Plan;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

const DESCRIPTION: &str = "bangfu 的 JSON 接口。本文档由服务端代码生成，并在持续集成中用 schemathesis 对照实际响应做模糊测试。\n\n\
认证：会话 Cookie（`POST /login` 取得；修改类请求须带 `X-CSRF-Token` 头，值为登录返回的 `csrf_token`），\
或 `Authorization: Bearer <令牌>`（`bangfu token create` 生成）。\n\n\
数值一律为十进制字符串（例如 \"12.50\"），不用浮点数。所有错误都是 JSON：`{\"error\": \"中文说明\"}`，\
有多项问题时附 `errors`。状态码：400 请求格式不对（JSON、路径或查询参数无效，文本含空字符），\
401 未认证，403 无权限或缺少 CSRF 令牌，404 数据或接口不存在，409 与当前状态冲突，413 请求体过大，\
422 格式正确但未通过方案的规则校验，429 登录失败过多。";

#[derive(OpenApi)]
#[openapi(
    info(title = "bangfu 帮扶协作管理系统 API", version = "1", description = DESCRIPTION),
    servers((url = "/api/v1")),
    security(("bearer" = []), ("session" = [])),
    modifiers(&SecuritySchemes),
    tags(
        (name = "plan", description = "方案与本文档"),
        (name = "session", description = "登录与当前用户"),
        (name = "reports", description = "各单位的进展情况报表"),
        (name = "district", description = "全区汇总与报送情况"),
        (name = "sheets", description = "Excel 表格的导出与导入"),
        (name = "ledger", description = "资金台账：预算、援建项目、资金流水与核对"),
        (name = "areas", description = "受援地的年度贫困统计"),
        (name = "registries", description = "台账：各单位的结对、人才交流等记录，以及由其计算的报表数"),
        (name = "audit", description = "审计日志"),
        (name = "notify", description = "通知：站内通知、联系方式、各单位联系人、发送记录"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API 令牌：bangfu token create --login 登录名"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::session::SESSION_COOKIE,
                "POST /login 设置的会话 Cookie；修改类请求另须 X-CSRF-Token 头",
            ))),
        );
    }
}

/// The `role` of a user: every role the system knows.
pub fn role_schema() -> Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(Role::ALL.iter().map(|r| r.as_str())))
        .description(Some("角色代码"))
        .build()
}

/// Collects the router and its document, and the (method, path) pairs it registers.
struct Api {
    router: OpenApiRouter<AppState>,
    table: Vec<(String, String)>,
}

impl Api {
    fn add(mut self, operations: UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in operations.1.paths.iter() {
            for method in methods(item) {
                self.table.push((method.to_string(), path.clone()));
            }
        }
        self.router = self.router.routes(operations);
        self
    }
}

/// The methods a path item has operations for.
fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", &item.get),
        ("PUT", &item.put),
        ("POST", &item.post),
        ("DELETE", &item.delete),
        ("PATCH", &item.patch),
        ("HEAD", &item.head),
        ("OPTIONS", &item.options),
        ("TRACE", &item.trace),
    ]
    .into_iter()
    .filter(|(_, op)| op.is_some())
    .map(|(m, _)| m)
    .collect()
}

/// Every `/api/v1` operation, once: the router and the document are both built from this list.
fn api() -> Api {
    let upload_limit = DefaultBodyLimit::max(bangfu_xlsx::MAX_IMPORT_BYTES + 64 * 1024);
    Api {
        router: OpenApiRouter::with_openapi(ApiDoc::openapi()),
        table: Vec::new(),
    }
    .add(routes!(plan))
    .add(routes!(openapi))
    .add(routes!(login))
    .add(routes!(logout))
    .add(routes!(me))
    .add(routes!(report))
    .add(routes!(put_values))
    .add(routes!(workflow))
    .add(routes!(summary))
    .add(routes!(completeness))
    .add(routes!(district_written))
    .add(routes!(year_written))
    .add(routes!(pairing_written))
    .add(routes!(notices))
    .add(routes!(read_notices))
    .add(routes!(contact, set_contact))
    .add(routes!(contacts))
    .add(routes!(deliveries))
    .add(routes!(resend))
    .add(routes!(audit_head))
    .add(routes!(sheets::form))
    .add(routes!(sheets::tasks))
    .add(routes!(sheets::import).layer(upload_limit))
    .add(routes!(ledger::budgets, ledger::set_budget))
    .add(routes!(ledger::projects, ledger::save_project))
    .add(routes!(ledger::transactions, ledger::record_tx))
    .add(routes!(ledger::reconciliation))
    .add(routes!(areas::stats, areas::record))
    .add(routes!(registries::list))
    .add(routes!(registries::entries, registries::add))
    .add(routes!(registries::edit))
    .add(routes!(registries::void))
    .add(routes!(registries::reconciliation))
}

/// The `/api/v1` router (to nest) and its document, the plan's codes filled in.
pub fn routes(plan: &Plan) -> (Router<AppState>, Arc<Document>) {
    let (router, mut doc) = api().router.split_for_parts();
    with_plan_codes(&mut doc, plan);
    let doc = Arc::new(doc);
    let router = router
        .fallback(not_found)
        .layer(Extension(ApiDocument(doc.clone())));
    (router, doc)
}

/// The (method, path) of every operation the router serves, paths as in the document.
pub fn api_route_table() -> Vec<(String, String)> {
    api().table
}

/// Writes the plan's codes into the path parameters: which periods, units and areas exist.
fn with_plan_codes(doc: &mut Document, plan: &Plan) {
    let periods: Vec<String> = plan.periods().iter().map(|p| p.code.to_string()).collect();
    let units: Vec<String> = plan.units_sorted().iter().map(|u| u.code.clone()).collect();
    let areas: Vec<String> = plan.areas.iter().map(|a| a.code.clone()).collect();
    let files: Vec<String> = periods.iter().map(|p| format!("{p}.xlsx")).collect();
    let mut years: Vec<String> = plan
        .periods()
        .iter()
        .map(|p| p.code.year().to_string())
        .collect();
    years.dedup();
    let registries: Vec<String> = plan.registries.iter().map(|r| r.code.clone()).collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        for operation in operations(item) {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else {
                    continue;
                };
                let codes = match (&parameter.parameter_in, parameter.name.as_str()) {
                    (ParameterIn::Path, "period") => &periods,
                    (ParameterIn::Path, "unit") | (ParameterIn::Query, "unit") => &units,
                    (ParameterIn::Path, "code") if path.starts_with("/areas/") => &areas,
                    (ParameterIn::Path, "code") if path.starts_with("/registries/") => &registries,
                    (ParameterIn::Path, "file") => &files,
                    (ParameterIn::Path, "year") => &years,
                    (ParameterIn::Query, "year") if path.ends_with(".docx") => &years,
                    _ => continue,
                };
                set_enum(parameter, codes);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn set_enum(parameter: &mut Parameter, codes: &[String]) {
    let schema = utoipa::openapi::ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes.iter().cloned()))
        .build();
    parameter.schema = Some(RefOr::T(Schema::Object(schema)));
}
