//! Notification pages: one's notices (通知) and settings (联系方式与通知渠道), the coordinator's
//! deliveries with resend (通知发送记录), the administrator's group robots (群机器人).

use super::{flash, see_other, MsgQuery, Nav};
use crate::auth::Actor;
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::http::beijing_time;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_app::notify::manage::{self, DELIVERY_STATES};
use bangfu_domain::notify::{delivery_status_label, kind_label, Channel, ContactInput, RobotInput};
use bangfu_store::{StoreError, User};
use serde::Deserialize;

struct NoticeRow {
    when: String,
    subject: String,
    body: String,
    link: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    nav: Nav,
    message: Option<&'static str>,
    notices: Vec<NoticeRow>,
    any_unread: bool,
}

/// `GET /notices`: one's in-app notices, the unread ones marked.
pub async fn notices(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    let notices: Vec<NoticeRow> = manage::notices(&state, &actor)
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            when: beijing_time(n.created_at),
            subject: n.subject,
            body: without_link(&n.body, &n.link),
            link: local_link(&n.link),
            unread: n.read_at.is_none(),
        })
        .collect();
    let page = NoticesPage {
        nav: Nav::for_actor(Some(&actor)),
        message: flash(q.msg.as_deref()),
        any_unread: notices.iter().any(|n| n.unread),
        notices,
    };
    Ok(Html(page.render()?))
}

/// A notice's link within the site: the path of an absolute link to it (so it opens here, on
/// whatever address this server is reached at); anything else is not linked.
fn local_link(link: &str) -> String {
    let path = match link.find("://") {
        Some(i) => link[i + 3..].find('/').map_or("", |p| &link[i + 3 + p..]),
        None => link,
    };
    if path.starts_with('/') && !path.starts_with("//") {
        path.to_string()
    } else {
        String::new()
    }
}

/// A message's text for the page, where its title is the link: the address left out of the
/// sentence that carries it ("请登录系统填报：https://…" → "请登录系统填报").
fn without_link(body: &str, link: &str) -> String {
    if link.is_empty() {
        return body.to_string();
    }
    body.lines()
        .map(|line| {
            line.replace(link, "")
                .trim_end_matches(['：', ':', ' '])
                .to_string()
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `POST /notices/read`: marks all one's notices read.
pub async fn mark_read(State(state): State<AppState>, actor: Actor) -> Result<Response, AppError> {
    manage::mark_read(&state, &actor).await?;
    Ok(see_other("/notices?msg=notices_read"))
}

#[derive(Template)]
#[template(path = "notify_settings.html")]
struct SettingsPage {
    nav: Nav,
    message: Option<&'static str>,
    errors: Vec<String>,
    email: String,
    phone: String,
    app: bool,
    mail: bool,
    smtp_configured: bool,
}

/// The settings form as posted: checkboxes arrive only when ticked.
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    mail: Option<String>,
}

impl SettingsForm {
    fn input(&self) -> ContactInput {
        let mut channels = Vec::new();
        if self.app.is_some() {
            channels.push(Channel::App.as_str().to_string());
        }
        if self.mail.is_some() {
            channels.push(Channel::Email.as_str().to_string());
        }
        ContactInput {
            email: self.email.clone(),
            phone: self.phone.clone(),
            channels,
        }
    }
}

fn settings_page(
    state: &AppState,
    actor: &Actor,
    form: &SettingsForm,
    errors: Vec<String>,
    message: Option<&'static str>,
) -> Result<String, AppError> {
    Ok(SettingsPage {
        nav: Nav::for_actor(Some(actor)),
        message,
        errors,
        email: form.email.clone(),
        phone: form.phone.clone(),
        app: form.app.is_some(),
        mail: form.mail.is_some(),
        smtp_configured: state.notify.smtp_url.is_some(),
    }
    .render()?)
}

/// `GET /account/notify`: one's e-mail, phone and channels.
pub async fn settings(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    let user = &actor.user;
    let on = |c: Channel| user.channels.has(c).then(|| "on".to_string());
    let form = SettingsForm {
        email: user.email.clone(),
        phone: user.phone.clone(),
        app: on(Channel::App),
        mail: on(Channel::Email),
    };
    Ok(Html(settings_page(
        &state,
        &actor,
        &form,
        Vec::new(),
        flash(q.msg.as_deref()),
    )?))
}

/// `POST /account/notify`: saved, or the page again with every mistake and what was typed.
pub async fn save_settings(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(form): FormBody<SettingsForm>,
) -> Result<Response, AppError> {
    match manage::set_own_contact(&state, &actor, &form.input()).await {
        Ok(_) => Ok(see_other("/account/notify?msg=contact_saved")),
        Err(bangfu_app::AppError::Store(StoreError::Rejected(errors))) => {
            let html = settings_page(&state, &actor, &form, errors, None)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

struct DeliveryRow {
    id: i64,
    when: String,
    kind: &'static str,
    recipient: String,
    channel: &'static str,
    subject: String,
    status: &'static str,
    status_code: String,
    attempts: i64,
    error: String,
    history: Vec<String>,
}

#[derive(Template)]
#[template(path = "deliveries.html")]
struct DeliveriesPage {
    nav: Nav,
    message: Option<&'static str>,
    status: String,
    states: Vec<(&'static str, &'static str)>,
    rows: Vec<DeliveryRow>,
}

#[derive(Deserialize, Default)]
pub struct DeliveriesQuery {
    status: Option<String>,
    msg: Option<String>,
}

/// Who a message went to, as people know them: a person's name, or the unit's group robot.
fn recipient_name(state: &AppState, users: &[User], recipient: &str) -> String {
    if let Some(scope) = recipient.strip_prefix("robot:") {
        return match scope {
            "*" => "群机器人（所有单位）".to_string(),
            unit => format!("群机器人（{}）", state.plan.party_name(unit)),
        };
    }
    users.iter().find(|u| u.login == recipient).map_or_else(
        || "（已删除的用户）".to_string(),
        |u| u.display_name.clone(),
    )
}

/// `GET /notify/deliveries?status=`: every message sent or waiting, with its attempts.
pub async fn deliveries(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<DeliveriesQuery>,
) -> Result<Html<String>, AppError> {
    let list = manage::deliveries(&state, &actor, q.status.as_deref()).await?;
    let users = state.store.users().await?;
    let mut rows = Vec::with_capacity(list.len());
    for m in list {
        // Attempts are read for the messages that had trouble only: the rest went at once.
        let history = if m.attempts > 1 || m.status != "sent" {
            manage::attempts(&state, &actor, m.id)
                .await?
                .into_iter()
                .map(|(at, ok, error)| {
                    let outcome = if ok { "成功".to_string() } else { error };
                    format!("{}：{outcome}", beijing_time(at))
                })
                .collect()
        } else {
            Vec::new()
        };
        rows.push(DeliveryRow {
            id: m.id,
            when: beijing_time(m.created_at),
            kind: kind_label(&m.kind),
            recipient: recipient_name(&state, &users, &m.recipient),
            channel: Channel::parse(&m.channel).map_or("其他", Channel::label),
            subject: m.subject,
            status: delivery_status_label(&m.status),
            status_code: m.status,
            attempts: m.attempts,
            error: m.last_error,
            history,
        });
    }
    let page = DeliveriesPage {
        nav: Nav::for_actor(Some(&actor)),
        message: flash(q.msg.as_deref()),
        status: q.status.unwrap_or_default(),
        states: DELIVERY_STATES.to_vec(),
        rows,
    };
    Ok(Html(page.render()?))
}

/// `POST /notify/deliveries/{id}/resend`
pub async fn resend(
    State(state): State<AppState>,
    actor: Actor,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    manage::resend(&state, &actor, id).await?;
    Ok(see_other("/notify/deliveries?msg=resent"))
}

struct RobotRow {
    scope: String,
    whom: String,
    flavor: &'static str,
    url: String,
    /// 钉钉 加签 set (the secret itself is never shown again).
    signed: bool,
}

#[derive(Template)]
#[template(path = "robots.html")]
struct RobotsPage {
    nav: Nav,
    message: Option<&'static str>,
    errors: Vec<String>,
    robots: Vec<RobotRow>,
    units: Vec<(String, String)>,
    input: RobotInput,
}

async fn robots_page(
    state: &AppState,
    actor: &Actor,
    input: RobotInput,
    errors: Vec<String>,
    message: Option<&'static str>,
) -> Result<String, AppError> {
    let robots = manage::robots(state, actor)
        .await?
        .into_iter()
        .map(|h| RobotRow {
            whom: match h.scope.as_str() {
                "*" => "所有单位（未单独设置的单位）".to_string(),
                unit => state.plan.party_name(unit).to_string(),
            },
            scope: h.scope,
            flavor: h.flavor.label(),
            url: h.url,
            signed: !h.secret.is_empty(),
        })
        .collect();
    Ok(RobotsPage {
        nav: Nav::for_actor(Some(actor)),
        message,
        errors,
        robots,
        units: super::unit_choices(&state.plan),
        input,
    }
    .render()?)
}

/// `GET /admin/robots`: the group robots messages go to.
pub async fn robots(
    State(state): State<AppState>,
    actor: Actor,
    QueryParams(q): QueryParams<MsgQuery>,
) -> Result<Html<String>, AppError> {
    let input = RobotInput {
        flavor: "wecom".into(),
        ..RobotInput::default()
    };
    Ok(Html(
        robots_page(&state, &actor, input, Vec::new(), flash(q.msg.as_deref())).await?,
    ))
}

/// `POST /admin/robots`: sets a robot, or removes it when the address is empty.
pub async fn save_robot(
    State(state): State<AppState>,
    actor: Actor,
    FormBody(input): FormBody<RobotInput>,
) -> Result<Response, AppError> {
    match manage::set_robot(&state, &actor, &input).await {
        Ok(()) => Ok(see_other("/admin/robots?msg=robot_saved")),
        Err(bangfu_app::AppError::Store(StoreError::Rejected(errors))) => {
            let html = robots_page(&state, &actor, input, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
