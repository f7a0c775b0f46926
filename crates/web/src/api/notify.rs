//! Notifications in the JSON API: one's notices and contacts, each unit's contact persons, and
//! the coordinator's view of deliveries with resend.

use super::*;
use bangfu_app::notify::manage;
use bangfu_domain::notify::{kind_label, ContactInput};

/// An in-app notice.
#[derive(Serialize, ToSchema)]
pub struct NoticeJson {
    id: i64,
    subject: String,
    body: String,
    /// 相关页面的链接
    link: String,
    created_at: DateTime<Utc>,
    read: bool,
}

/// One's notices, the newest first, and how many are unread.
#[derive(Serialize, ToSchema)]
pub struct NoticesJson {
    unread: i64,
    notices: Vec<NoticeJson>,
}

/// `GET /api/v1/notices`
#[utoipa::path(
    get,
    path = "/notices",
    tag = "notify",
    responses(
        (status = 200, description = "本人的站内通知（最新的在前，最多 200 条）", body = NoticesJson),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
    )
)]
pub async fn notices(State(state): State<AppState>, actor: Actor) -> ApiResult {
    let notices: Vec<NoticeJson> = manage::notices(&state, &actor)
        .await?
        .into_iter()
        .map(|n| NoticeJson {
            id: n.id,
            subject: n.subject,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(Json(NoticesJson {
        unread: notices.iter().filter(|n| !n.read).count() as i64,
        notices,
    })
    .into_response())
}

/// `POST /api/v1/notices/read`
#[utoipa::path(
    post,
    path = "/notices/read",
    tag = "notify",
    responses(
        (status = 200, description = "已全部标为已读", body = Done),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "会话请求缺少 CSRF 令牌", body = ErrorBody),
    )
)]
pub async fn read_notices(State(state): State<AppState>, actor: Actor) -> ApiResult {
    manage::mark_read(&state, &actor).await?;
    Ok(Json(Done { ok: true }).into_response())
}

/// One's contacts and chosen channels.
#[derive(Serialize, ToSchema)]
pub struct ContactJson {
    /// 电子邮箱（未填时为空）
    email: String,
    /// 联系电话（未填时为空）
    phone: String,
    /// 接收通知的渠道：app（站内通知）、email（电子邮件）
    #[schema(value_type = Vec<ChannelCode>)]
    channels: Vec<String>,
}

/// A channel a person may choose.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum ChannelCode {
    #[schema(rename = "app")]
    App,
    #[schema(rename = "email")]
    Email,
}

/// The body of `PUT /me/contact`: what is left out is kept as it was.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// 电子邮箱；空字符串表示不填
    #[schema(max_length = 254)]
    email: Option<String>,
    /// 联系电话；空字符串表示不填
    #[schema(max_length = 20)]
    phone: Option<String>,
    /// 接收通知的渠道：app、email
    channels: Option<Vec<String>>,
}

fn contact_json(user: &bangfu_store::User) -> ContactJson {
    ContactJson {
        email: user.email.clone(),
        phone: user.phone.clone(),
        channels: user
            .channels
            .0
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
    }
}

/// `GET /api/v1/me/contact`
#[utoipa::path(
    get,
    path = "/me/contact",
    tag = "notify",
    responses(
        (status = 200, description = "本人的联系方式与通知渠道", body = ContactJson),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
    )
)]
pub async fn contact(actor: Actor) -> ApiResult {
    Ok(Json(contact_json(&actor.user)).into_response())
}

/// `PUT /api/v1/me/contact`
#[utoipa::path(
    put,
    path = "/me/contact",
    tag = "notify",
    request_body = ContactRequest,
    responses(
        (status = 200, description = "已保存", body = ContactJson),
        (status = 400, description = "请求体不是所要求的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 422, description = "邮箱、电话或渠道无效，`errors` 逐项说明", body = ErrorBody),
    )
)]
pub async fn set_contact(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(req): JsonBody<ContactRequest>,
) -> ApiResult {
    let user = &actor.user;
    let input = ContactInput {
        email: req.email.unwrap_or_else(|| user.email.clone()),
        phone: req.phone.unwrap_or_else(|| user.phone.clone()),
        channels: req.channels.unwrap_or_else(|| {
            user.channels
                .0
                .iter()
                .map(|c| c.as_str().to_string())
                .collect()
        }),
    };
    let saved = manage::set_own_contact(&state, &actor, &input).await?;
    Ok(Json(ContactJson {
        email: saved.email,
        phone: saved.phone,
        channels: saved
            .channels
            .0
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
    })
    .into_response())
}

/// A unit's contact persons (联系人): its active reporters.
#[derive(Serialize, ToSchema)]
pub struct UnitContactsJson {
    unit: String,
    unit_name: String,
    contacts: Vec<PersonJson>,
}

/// A contact person.
#[derive(Serialize, ToSchema)]
pub struct PersonJson {
    name: String,
    phone: String,
    email: String,
}

/// `GET /api/v1/contacts`
#[utoipa::path(
    get,
    path = "/contacts",
    tag = "notify",
    responses(
        (status = 200, description = "各填报单位的联系人（按方案中的单位顺序）", body = Vec<UnitContactsJson>),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看全区数据", body = ErrorBody),
    )
)]
pub async fn contacts(State(state): State<AppState>, actor: Actor) -> ApiResult {
    let mut by_unit = manage::unit_contacts(&state, &actor).await?;
    let list: Vec<UnitContactsJson> = state
        .plan
        .units_sorted()
        .into_iter()
        .map(|u| UnitContactsJson {
            unit: u.code.clone(),
            unit_name: u.name.clone(),
            contacts: by_unit
                .remove(&u.code)
                .unwrap_or_default()
                .into_iter()
                .map(|p| PersonJson {
                    name: p.name,
                    phone: p.phone,
                    email: p.email,
                })
                .collect(),
        })
        .collect();
    Ok(Json(list).into_response())
}

/// A message in the outbox (e-mail or group robot).
#[derive(Serialize, ToSchema)]
pub struct DeliveryJson {
    id: i64,
    /// 事项代码，例如 deadline、report.return
    kind: String,
    /// 事项的中文名称
    kind_label: String,
    /// 接收人的登录名，或 robot:单位代码（robot:* 为所有单位的群机器人）
    recipient: String,
    /// email 或 webhook
    channel: String,
    subject: String,
    /// pending（待发送）、sent（已发送）、failed（发送失败）
    status: String,
    attempts: i64,
    /// 最近一次失败的原因
    last_error: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

/// `?status=pending|sent|failed`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesParams {
    /// 只看某一状态：pending、sent 或 failed
    #[param(pattern = "^(pending|sent|failed)?$")]
    status: Option<String>,
}

/// `GET /api/v1/deliveries`
#[utoipa::path(
    get,
    path = "/deliveries",
    tag = "notify",
    params(DeliveriesParams),
    responses(
        (status = 200, description = "通知发送记录（最新的在前，最多 200 条）", body = Vec<DeliveryJson>),
        (status = 400, description = "状态无效，或查询参数无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权查看通知发送记录", body = ErrorBody),
    )
)]
pub async fn deliveries(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<DeliveriesParams>,
) -> ApiResult {
    let list: Vec<DeliveryJson> = manage::deliveries(&state, &actor, q.status.as_deref())
        .await?
        .into_iter()
        .map(|m| DeliveryJson {
            id: m.id,
            kind_label: kind_label(&m.kind).to_string(),
            kind: m.kind,
            recipient: m.recipient,
            channel: m.channel,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
        })
        .collect();
    Ok(Json(list).into_response())
}

/// The `{id}` of a delivery.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// 发送记录编号
    id: i64,
}

/// `POST /api/v1/deliveries/{id}/resend`
#[utoipa::path(
    post,
    path = "/deliveries/{id}/resend",
    tag = "notify",
    params(DeliveryPath),
    responses(
        (status = 200, description = "已重新排入发送队列", body = Done),
        (status = 400, description = "编号无效", body = ErrorBody),
        (status = 401, description = "未登录或令牌无效", body = ErrorBody),
        (status = 403, description = "无权重新发送，或会话请求缺少 CSRF 令牌", body = ErrorBody),
        (status = 404, description = "没有这条发送记录，或它正在发送", body = ErrorBody),
    )
)]
pub async fn resend(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(DeliveryPath { id }): PathParams<DeliveryPath>,
) -> ApiResult {
    manage::resend(&state, &actor, id).await?;
    Ok(Json(Done { ok: true }).into_response())
}
