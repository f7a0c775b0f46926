//! Notifications: which messages an event sends to whom and by which channel, the deadline
//! schedule as of a date, and delivery of the outbox (see [`send`]).
//!
//! Messages are recorded in the outbox in the transaction of their event (a report's return or
//! approval) or, for the schedule, by [`run_schedule`]; the sender delivers them later with
//! retries, so nothing is lost when a mail server or robot is down.

pub mod events;
pub mod manage;
pub mod send;

use crate::{AppError, Context};
use bangfu_domain::notify::{self, Channel, DueReminder, Message};
use bangfu_domain::report::ReportStatus;
use bangfu_domain::user::Role;
use bangfu_domain::{Period, PeriodCode};
use bangfu_store::{NewMessage, User, Webhook};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How messages leave: the site's address for links, the mail server, the sender's address and
/// the pace of retries.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address people open the system at ("" gives links relative to the site).
    pub public_url: String,
    /// `BANGFU_SMTP_URL`: smtp://host:25 (plain), smtp://user:pass@host:587?tls=required
    /// (STARTTLS), smtps://user:pass@host:465 (TLS). None: e-mail is not sent (stays pending).
    pub smtp_url: Option<String>,
    /// `BANGFU_SMTP_CA_FILE`: certificates (PEM) trusted for the mail server's TLS besides the
    /// public roots, for a server whose certificate an internal CA issued.
    pub smtp_ca_file: Option<std::path::PathBuf>,
    /// `BANGFU_SMTP_FROM`: the From of every e-mail.
    pub from: String,
    /// The first retry waits this long; each next one twice as long, up to an hour.
    pub retry_base: Duration,
    /// After this many failed attempts a message is given up (status failed, resend by hand).
    pub max_attempts: i64,
    /// How long a sender holds the messages it claimed before another may take them over.
    pub lease: Duration,
    /// Time allowed for one SMTP or webhook delivery.
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: String::new(),
            smtp_url: None,
            smtp_ca_file: None,
            from: "帮扶协作管理系统 <bangfu@localhost>".into(),
            retry_base: Duration::from_secs(30),
            max_attempts: 8,
            lease: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
        }
    }
}

impl Settings {
    /// The settings from the environment: BANGFU_SMTP_URL, BANGFU_SMTP_CA_FILE, BANGFU_SMTP_FROM,
    /// BANGFU_PUBLIC_URL, BANGFU_NOTIFY_RETRY_SECONDS (the first retry's wait),
    /// BANGFU_NOTIFY_LEASE_SECONDS.
    pub fn from_env() -> Settings {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut s = Settings {
            smtp_url: var("BANGFU_SMTP_URL"),
            smtp_ca_file: var("BANGFU_SMTP_CA_FILE").map(Into::into),
            ..Settings::default()
        };
        if let Some(from) = var("BANGFU_SMTP_FROM") {
            s.from = from;
        }
        if let Some(url) = var("BANGFU_PUBLIC_URL") {
            s.public_url = url.trim_end_matches('/').to_string();
        }
        if let Some(secs) = var("BANGFU_NOTIFY_RETRY_SECONDS").and_then(|v| v.parse().ok()) {
            s.retry_base = Duration::from_secs(secs);
        }
        if let Some(secs) = var("BANGFU_NOTIFY_LEASE_SECONDS").and_then(|v| v.parse().ok()) {
            s.lease = Duration::from_secs(secs);
        }
        s
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}

/// The messages of one event to the active users of a unit (each by the channels they chose)
/// and to the unit's group robot (its own, else the one for all units).
pub fn to_unit(
    users: &[User],
    hooks: &[Webhook],
    unit: &str,
    event_key: &str,
    kind: &str,
    message: &Message,
) -> Vec<NewMessage> {
    let mut out = to_people(unit_people(users, unit), event_key, kind, message);
    if let Some(h) = unit_robot(hooks, unit) {
        out.push(to_robot(h, event_key, kind, message));
    }
    out
}

/// The active users of a unit.
fn unit_people<'a>(users: &'a [User], unit: &'a str) -> impl Iterator<Item = &'a User> + 'a {
    users
        .iter()
        .filter(move |u| u.active && u.unit_code.as_deref() == Some(unit))
}

/// The group robot a unit's messages go to: its own, else the one for all units.
fn unit_robot<'a>(hooks: &'a [Webhook], unit: &str) -> Option<&'a Webhook> {
    hooks
        .iter()
        .find(|h| h.scope == unit)
        .or_else(|| hooks.iter().find(|h| h.scope == "*"))
}

/// One event's message to a group robot.
fn to_robot(hook: &Webhook, event_key: &str, kind: &str, message: &Message) -> NewMessage {
    NewMessage {
        event_key: event_key.to_string(),
        kind: kind.to_string(),
        recipient: format!("robot:{}", hook.scope),
        channel: Channel::Webhook,
        address: format!("{} {}", hook.flavor.as_str(), hook.url),
        subject: message.subject.clone(),
        body: message.body.clone(),
        link: message.link.clone(),
    }
}

/// The messages of one event to each of `people` by the channels they chose: in-app, and e-mail
/// where they gave an address.
pub fn to_people<'a>(
    people: impl IntoIterator<Item = &'a User>,
    event_key: &str,
    kind: &str,
    message: &Message,
) -> Vec<NewMessage> {
    let mut out = Vec::new();
    for user in people {
        for channel in [Channel::App, Channel::Email] {
            if !user.channels.has(channel) {
                continue;
            }
            let address = match channel {
                Channel::Email if user.email.is_empty() => continue,
                Channel::Email => user.email.clone(),
                _ => user.login.clone(),
            };
            out.push(NewMessage {
                event_key: event_key.to_string(),
                kind: kind.to_string(),
                recipient: user.login.clone(),
                channel,
                address,
                subject: message.subject.clone(),
                body: message.body.clone(),
                link: message.link.clone(),
            });
        }
    }
    out
}

/// The messages a report's return or approval sends to its unit, for the transition's own
/// transaction. `version` is the report's version before the step (one event per step).
pub async fn report_step_messages(
    ctx: &Context,
    period: &Period,
    unit: &str,
    returned_reason: Option<&str>,
    version: i64,
) -> Result<Vec<NewMessage>, AppError> {
    let unit_name = unit_name(ctx, unit);
    let link = ctx
        .notify
        .link(&notify::report_link("", &period.code.to_string(), unit));
    let (kind, message) = match returned_reason {
        Some(reason) => (
            "report.return",
            notify::returned_message(period, &unit_name, reason, &link),
        ),
        None => (
            "report.approve",
            notify::approved_message(period, &unit_name, &link),
        ),
    };
    let key = format!("{kind}:{}/{unit}:{version}", period.code);
    let users = ctx.store.users().await?;
    let hooks = ctx.store.webhooks().await?;
    Ok(to_unit(&users, &hooks, unit, &key, kind, &message))
}

fn unit_name(ctx: &Context, code: &str) -> String {
    ctx.plan
        .units
        .iter()
        .find(|u| u.code == code)
        .map_or_else(|| code.to_string(), |u| u.name.clone())
}

/// What the schedule found due as of a date: the messages, and those of them newly recorded.
#[derive(Debug, Default)]
pub struct ScheduleRun {
    pub due: Vec<DueReminder>,
    pub messages: Vec<NewMessage>,
    /// Recorded by this run (empty on a dry run, and for messages recorded before).
    pub recorded: Vec<NewMessage>,
}

/// The deadline reminders due as of `as_of`: before the deadline (the plan's reminder days), on
/// it and after it to each unit without a submitted report, and to the coordinators the list of
/// late units. Unless `dry_run`, records the messages not recorded before.
pub async fn run_schedule(
    ctx: &Context,
    as_of: NaiveDate,
    dry_run: bool,
) -> Result<ScheduleRun, AppError> {
    let plan = &ctx.plan;
    let periods = plan.schedule.periods();
    let submitted: BTreeSet<(String, String)> = ctx
        .store
        .report_states(None)
        .await?
        .into_iter()
        .filter(|s| {
            s.status == ReportStatus::Submitted.as_str()
                || s.status == ReportStatus::Approved.as_str()
        })
        .map(|s| (s.period_code, s.unit_code))
        .collect();
    let units: Vec<&str> = bangfu_domain::summary::reporting_units(plan)
        .into_iter()
        .map(|u| u.code.as_str())
        .collect();
    let due = notify::due_reminders(
        &periods,
        &plan.schedule.reminder_days,
        as_of,
        &units,
        &submitted,
    );
    let users = ctx.store.users().await?;
    let hooks = ctx.store.webhooks().await?;
    let mut messages = Vec::new();
    // Units whose messages go to the robot for all units, by (period, notice): that robot gets
    // one list per notice, not one message per unit.
    let mut shared: BTreeMap<(PeriodCode, String), Vec<&DueReminder>> = BTreeMap::new();
    for d in &due {
        let code = d.period.code.to_string();
        let link = ctx.notify.link(&notify::report_link("", &code, &d.unit));
        let message = notify::reminder_message(d, &unit_name(ctx, &d.unit), &link);
        let key = d.event_key();
        let people = unit_people(&users, &d.unit);
        messages.extend(to_people(people, &key, "deadline", &message));
        match unit_robot(&hooks, &d.unit) {
            Some(h) if h.scope == "*" => shared
                .entry((d.period.code, d.notice.key()))
                .or_default()
                .push(d),
            Some(h) => messages.push(to_robot(h, &key, "deadline", &message)),
            None => {}
        }
    }
    if let Some(all) = hooks.iter().find(|h| h.scope == "*") {
        for ((code, notice), list) in shared {
            let names: Vec<String> = list.iter().map(|d| unit_name(ctx, &d.unit)).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let first = list[0];
            let link = ctx.notify.link("/home");
            let message = notify::shared_robot_reminder(&first.period, first.notice, &names, &link);
            let key = format!("deadline:{code}:{notice}:*");
            messages.push(to_robot(all, &key, "deadline", &message));
        }
    }
    messages.extend(late_lists(ctx, &due, &users));
    messages.extend(events::problems_overdue(ctx, as_of, &users, &hooks).await?);
    messages.extend(events::targets_behind(ctx, as_of, &users, &hooks).await?);
    let recorded = if dry_run || messages.is_empty() {
        Vec::new()
    } else {
        ctx.store.enqueue(&messages, "schedule").await?
    };
    Ok(ScheduleRun {
        due,
        messages,
        recorded,
    })
}

/// To the coordinators, per overdue period, the list of late units.
fn late_lists(ctx: &Context, due: &[DueReminder], users: &[User]) -> Vec<NewMessage> {
    let coordinators: Vec<&User> = users
        .iter()
        .filter(|u| u.active && u.role == Role::Coordinator)
        .collect();
    let mut out = Vec::new();
    let periods: BTreeSet<_> = due
        .iter()
        .filter(|d| d.notice == notify::DeadlineNotice::Overdue)
        .map(|d| d.period.code)
        .collect();
    for code in periods {
        let late: Vec<&DueReminder> = due.iter().filter(|d| d.period.code == code).collect();
        let names: Vec<String> = late.iter().map(|d| unit_name(ctx, &d.unit)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let link = ctx.notify.link("/completeness");
        let message = notify::late_units_message(&late[0].period, &names, &link);
        let key = format!("deadline:{code}:late-list");
        out.extend(to_people(
            coordinators.iter().copied(),
            &key,
            "deadline.late-list",
            &message,
        ));
    }
    out
}
