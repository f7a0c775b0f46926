//! What people do with notifications besides receiving them: read their notices, set their own
//! contacts and channels, and — the coordinator — watch deliveries and resend one, see each unit's
//! contact persons; the administrator sets the group robots.

use crate::{Actor, AppError, Context};
use bangfu_domain::notify::{Contact, ContactInput, RobotInput};
use bangfu_domain::policy::Action;
use bangfu_domain::user::Role;
use bangfu_store::{Notice, OutboxMessage, User, Webhook};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// How many notices and deliveries a page lists (the newest first).
pub const LIST_LIMIT: i64 = 200;

/// The delivery states a list may be narrowed to.
pub const DELIVERY_STATES: [(&str, &str); 3] = [
    ("pending", "待发送"),
    ("sent", "已发送"),
    ("failed", "发送失败"),
];

/// One's own notices, the newest first.
pub async fn notices(ctx: &Context, actor: &Actor) -> Result<Vec<Notice>, AppError> {
    actor.require(Action::ManageOwnAccount)?;
    Ok(ctx.store.notices(actor.login(), LIST_LIMIT).await?)
}

/// Marks all one's notices read.
pub async fn mark_read(ctx: &Context, actor: &Actor) -> Result<(), AppError> {
    actor.require(Action::ManageOwnAccount)?;
    Ok(ctx
        .store
        .mark_notices_read(actor.login(), ctx.clock.now())
        .await?)
}

/// Sets one's own e-mail, phone and channels; mistakes come back naming their field.
pub async fn set_own_contact(
    ctx: &Context,
    actor: &Actor,
    input: &ContactInput,
) -> Result<Contact, AppError> {
    actor.require(Action::ManageOwnAccount)?;
    let contact = input.parse().map_err(AppError::rejected)?;
    ctx.store
        .set_contact(
            actor.login(),
            &contact.email,
            &contact.phone,
            &contact.channels,
            actor.login(),
        )
        .await?;
    Ok(contact)
}

/// The outbox, the newest first, optionally only one state.
pub async fn deliveries(
    ctx: &Context,
    actor: &Actor,
    status: Option<&str>,
) -> Result<Vec<OutboxMessage>, AppError> {
    actor.require(Action::ManageDeliveries)?;
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if DELIVERY_STATES.iter().any(|(code, _)| *code == s) => Some(s),
        Some(s) => {
            return Err(AppError::BadRequest(format!(
                "状态“{s}”无效，应为 pending（待发送）、sent（已发送）或 failed（发送失败）"
            )))
        }
    };
    Ok(ctx.store.deliveries(status, LIST_LIMIT).await?)
}

/// Every attempt to deliver one message: when, whether it went, the error.
pub async fn attempts(
    ctx: &Context,
    actor: &Actor,
    id: i64,
) -> Result<Vec<(DateTime<Utc>, bool, String)>, AppError> {
    actor.require(Action::ManageDeliveries)?;
    Ok(ctx.store.delivery_attempts(id).await?)
}

/// Puts a message back in the queue, its attempts counted afresh. A message a sender is
/// delivering right now is not found.
pub async fn resend(ctx: &Context, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(Action::ManageDeliveries)?;
    if ctx.store.resend(id, actor.login()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The group robots, for all units ("*") and per unit.
pub async fn robots(ctx: &Context, actor: &Actor) -> Result<Vec<Webhook>, AppError> {
    actor.require(Action::ManageRobots)?;
    Ok(ctx.store.webhooks().await?)
}

/// Sets (or, with no URL, removes) a group robot.
pub async fn set_robot(ctx: &Context, actor: &Actor, input: &RobotInput) -> Result<(), AppError> {
    actor.require(Action::ManageRobots)?;
    let (scope, hook) = input
        .parse(|code| ctx.plan.unit(code).is_some())
        .map_err(AppError::rejected)?;
    let hook = hook.map(|r| Webhook {
        scope: scope.clone(),
        flavor: r.flavor,
        url: r.url,
        secret: r.secret,
    });
    ctx.store
        .set_webhook(&scope, hook.as_ref(), actor.login())
        .await?;
    Ok(())
}

/// A unit's contact person (联系人): an active reporter of the unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitContact {
    /// 姓名
    pub name: String,
    /// 电话（未填时为空）
    pub phone: String,
    /// 邮箱（未填时为空）
    pub email: String,
}

/// Each unit's contact persons, for those who chase the reports.
pub async fn unit_contacts(
    ctx: &Context,
    actor: &Actor,
) -> Result<BTreeMap<String, Vec<UnitContact>>, AppError> {
    actor.require(Action::ViewDistrict)?;
    Ok(contacts_of(&ctx.store.users().await?))
}

/// The active reporters of each unit, by unit code.
pub fn contacts_of(users: &[User]) -> BTreeMap<String, Vec<UnitContact>> {
    let mut out: BTreeMap<String, Vec<UnitContact>> = BTreeMap::new();
    for u in users
        .iter()
        .filter(|u| u.active && u.role == Role::Reporter)
    {
        if let Some(unit) = &u.unit_code {
            out.entry(unit.clone()).or_default().push(UnitContact {
                name: u.display_name.clone(),
                phone: u.phone.clone(),
                email: u.email.clone(),
            });
        }
    }
    out
}
