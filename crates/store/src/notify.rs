//! Notifications: the outbox of messages to deliver (one row per event, recipient and channel,
//! written in the transaction of the event), the attempts to deliver them, in-app notices, the
//! robots' webhooks and users' contacts.
//!
//! Senders claim due rows with a lease (`UPDATE … WHERE status = 'pending' AND lease expired`), so
//! that two servers on one PostgreSQL never deliver a row twice; a sender that dies mid-delivery
//! leaves its rows to be claimed again once the lease has run out.

use crate::audit::{self, NewAuditEntry};
use crate::conn::Conn;
use crate::stmt::{stmt, Stmt};
use crate::{NotifyStore, Result, SqlStore};
use async_trait::async_trait;
use bangfu_domain::notify::{Channel, Channels, RobotFlavor};
use chrono::{DateTime, Utc};

/// A message to deliver, or (channel app) a notice to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// What happened, once: "deadline:2018Q1:before7:U01", "report.return:2018Q1/U01:5".
    pub event_key: String,
    /// The kind of event, for the deliveries page: "deadline", "report.return" …
    pub kind: String,
    /// A user's login, or "robot:SCOPE" for a group robot.
    pub recipient: String,
    pub channel: Channel,
    /// The e-mail address, the robot's flavor and URL ("wecom URL"), or the login (app).
    pub address: String,
    pub subject: String,
    pub body: String,
    pub link: String,
}

/// A row of the outbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub event_key: String,
    pub kind: String,
    pub recipient: String,
    pub channel: String,
    pub address: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    /// pending, sent or failed (given up after the last retry).
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// One attempt to deliver a claimed message.
#[derive(Debug, Clone)]
pub struct DeliveryOutcome {
    pub id: i64,
    pub worker: String,
    pub at: DateTime<Utc>,
    /// None when delivered; else the error.
    pub error: Option<String>,
    /// After a failure: when to try again (ms since 1970), or None to give up.
    pub retry_at_ms: Option<i64>,
}

/// An in-app notice.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub event_key: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A group robot: for every unit (scope "*") or one unit.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub scope: String,
    pub flavor: RobotFlavor,
    pub url: String,
    /// The 钉钉 加签 secret ("SEC…"), or empty when the robot is not signed.
    pub secret: String,
}

/// What an attempt says until its sender records the outcome; a sender killed (or whose lease ran
/// out) in between leaves it so.
pub const ATTEMPT_UNFINISHED: &str = "未记录结果（正在发送，或发送者中途停止；可能已送达）";

const OUTBOX_COLUMNS: &str = "id, event_key, kind, recipient, channel, address, subject, body, \
     link, status, attempts, last_error, created_at, sent_at";

/// The statements that record `messages` (outbox rows, and notices for channel app), each at most
/// once: a message whose (event, recipient, channel) is already there is left alone. For the
/// event's own transaction.
pub(crate) fn enqueue_stmts(messages: &[NewMessage], at: DateTime<Utc>) -> Vec<Stmt> {
    messages
        .iter()
        .map(|m| match m.channel {
            Channel::App => stmt!(
                "INSERT INTO notices (event_key, login, subject, body, link, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key, login) DO NOTHING",
                &m.event_key,
                &m.recipient,
                &m.subject,
                &m.body,
                &m.link,
                at
            ),
            _ => stmt!(
                "INSERT INTO outbox (event_key, kind, recipient, channel, address, subject, body, \
                 link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (event_key, recipient, channel) DO NOTHING",
                &m.event_key,
                &m.kind,
                &m.recipient,
                m.channel.as_str(),
                &m.address,
                &m.subject,
                &m.body,
                &m.link,
                at
            ),
        })
        .collect()
}

/// `messages` with "{id}" in their event key and link replaced by `id`: for an event whose row
/// gets its number in the same transaction (a problem raised, a finding raised).
pub(crate) fn with_id(messages: &[NewMessage], id: i64) -> Vec<NewMessage> {
    messages
        .iter()
        .map(|m| NewMessage {
            event_key: m.event_key.replace("{id}", &id.to_string()),
            link: m.link.replace("{id}", &id.to_string()),
            ..m.clone()
        })
        .collect()
}

/// Whether a message is already recorded (so a second run of the schedule adds nothing).
async fn recorded(conn: &mut Conn<'_>, m: &NewMessage) -> Result<bool> {
    let sql = match m.channel {
        Channel::App => "SELECT COUNT(*) FROM notices WHERE event_key = $1 AND login = $2",
        _ => "SELECT COUNT(*) FROM outbox WHERE event_key = $1 AND recipient = $2 AND channel = $3",
    };
    let mut args = stmt!("", &m.event_key, &m.recipient).args;
    if m.channel != Channel::App {
        args.extend(stmt!("", m.channel.as_str()).args);
    }
    let n: i64 = conn.scalar(sql, args).await?;
    Ok(n > 0)
}

#[async_trait]
impl NotifyStore for SqlStore {
    async fn enqueue(&self, messages: &[NewMessage], actor: &str) -> Result<Vec<NewMessage>> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let mut new = Vec::new();
        for m in messages {
            if !recorded(&mut conn, m).await? {
                new.push(m.clone());
            }
        }
        if !new.is_empty() {
            let mut stmts = enqueue_stmts(&new, audit::now());
            stmts.push(audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "notify.enqueue".into(),
                entity: "outbox".into(),
                entity_key: new[0].event_key.clone(),
                new_value: Some(format!("{} 条通知", new.len())),
                ..Default::default()
            }));
            conn.execute_all(stmts).await?;
        }
        drop(conn);
        tx.commit().await?;
        Ok(new)
    }

    async fn claim_due(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        // The conditions stand in the outer WHERE too: PostgreSQL re-checks them on a row another
        // server has just claimed, and skips it.
        let sql = format!(
            "UPDATE outbox SET lease_owner = $1, lease_until_ms = $2, attempts = attempts + 1 \
             WHERE status = 'pending' AND next_attempt_ms <= $3 \
             AND (lease_until_ms IS NULL OR lease_until_ms < $3) \
             AND id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_ms <= $3 \
             AND (lease_until_ms IS NULL OR lease_until_ms < $3) AND id > $5 \
             ORDER BY id LIMIT $4) \
             RETURNING {OUTBOX_COLUMNS}"
        );
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let mut rows: Vec<OutboxMessage> = conn
            .rows(
                &sql,
                stmt!("", worker, now_ms + lease_ms, now_ms, limit, after_id).args,
            )
            .await?;
        // Each claim is an attempt on the record from its start, so that a sender killed before
        // recording the outcome still leaves it (and the count of attempts matches the rows).
        let at = DateTime::from_timestamp_millis(now_ms).unwrap_or_else(Utc::now);
        let attempts = rows.iter().map(|r| {
            stmt!(
                "INSERT INTO outbox_attempts (outbox_id, attempted_at, worker, ok, error) \
                 VALUES ($1, $2, $3, FALSE, $4)",
                r.id,
                at,
                worker,
                ATTEMPT_UNFINISHED
            )
        });
        conn.execute_all(attempts.collect::<Vec<_>>()).await?;
        drop(conn);
        tx.commit().await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    async fn record_delivery(&self, outcome: &DeliveryOutcome) -> Result<bool> {
        let (status, retry) = match (&outcome.error, outcome.retry_at_ms) {
            (None, _) => ("sent", 0),
            (Some(_), Some(at)) => ("pending", at),
            (Some(_), None) => ("failed", 0),
        };
        let error = outcome.error.clone().unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        // Only the holder of the lease records: a sender whose lease ran out lost the row.
        let owned: i64 = conn
            .scalar(
                "SELECT COUNT(*) FROM outbox WHERE id = $1 AND lease_owner = $2 \
                 AND status = 'pending'",
                stmt!("", outcome.id, &outcome.worker).args,
            )
            .await?;
        if owned == 0 {
            return Ok(false);
        }
        let sent_at = outcome.error.is_none().then_some(outcome.at);
        let mut stmts = vec![
            stmt!(
                "UPDATE outbox SET status = $1, next_attempt_ms = $2, last_error = $3, \
                 lease_owner = NULL, lease_until_ms = NULL WHERE id = $4",
                status,
                retry,
                error.clone(),
                outcome.id
            ),
            stmt!(
                "UPDATE outbox_attempts SET ok = $1, error = $2 WHERE id = (SELECT MAX(id) \
                 FROM outbox_attempts WHERE outbox_id = $3 AND worker = $4)",
                outcome.error.is_none(),
                error,
                outcome.id,
                &outcome.worker
            ),
        ];
        if let Some(at) = sent_at {
            stmts.push(stmt!(
                "UPDATE outbox SET sent_at = $1 WHERE id = $2",
                at,
                outcome.id
            ));
        }
        if status != "pending" {
            stmts.push(audit::append(NewAuditEntry {
                actor: outcome.worker.clone(),
                action: format!("notify.{status}"),
                entity: "outbox".into(),
                entity_key: outcome.id.to_string(),
                new_value: Some(status.into()),
                reason: outcome.error.clone(),
                ..Default::default()
            }));
        }
        conn.execute_all(stmts).await?;
        drop(conn);
        tx.commit().await?;
        Ok(true)
    }

    async fn deliveries(&self, status: Option<&str>, limit: i64) -> Result<Vec<OutboxMessage>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE ($1 = '' OR status = $1) \
             ORDER BY id DESC LIMIT $2"
        );
        let args = stmt!("", status.unwrap_or("").to_string(), limit).args;
        self.read().await?.conn().rows(&sql, args).await
    }

    async fn delivery_attempts(&self, id: i64) -> Result<Vec<(DateTime<Utc>, bool, String)>> {
        self.read()
            .await?
            .conn()
            .rows(
                "SELECT attempted_at, ok, error FROM outbox_attempts WHERE outbox_id = $1 \
                 ORDER BY id",
                stmt!("", id).args,
            )
            .await
    }

    async fn resend(&self, id: i64, actor: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let found: i64 = conn
            .scalar(
                "SELECT COUNT(*) FROM outbox WHERE id = $1 AND lease_owner IS NULL",
                stmt!("", id).args,
            )
            .await?;
        if found == 0 {
            return Ok(false);
        }
        conn.execute_all([
            stmt!(
                "UPDATE outbox SET status = 'pending', next_attempt_ms = 0, attempts = 0 \
                 WHERE id = $1",
                id
            ),
            audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "notify.resend".into(),
                entity: "outbox".into(),
                entity_key: id.to_string(),
                new_value: Some("pending".into()),
                ..Default::default()
            }),
        ])
        .await?;
        drop(conn);
        tx.commit().await?;
        Ok(true)
    }

    async fn notices(&self, login: &str, limit: i64) -> Result<Vec<Notice>> {
        self.read()
            .await?
            .conn()
            .rows(
                "SELECT id, event_key, subject, body, link, created_at, read_at FROM notices \
                 WHERE login = $1 ORDER BY id DESC LIMIT $2",
                stmt!("", login, limit).args,
            )
            .await
    }

    async fn unread_notices(&self, login: &str) -> Result<i64> {
        self.read()
            .await?
            .conn()
            .scalar(
                "SELECT COUNT(*) FROM notices WHERE login = $1 AND read_at IS NULL",
                stmt!("", login).args,
            )
            .await
    }

    async fn mark_notices_read(&self, login: &str, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute_all([
                stmt!(
                    "UPDATE notices SET read_at = $1 WHERE login = $2 AND read_at IS NULL",
                    at,
                    login
                ),
                audit::append(NewAuditEntry {
                    actor: login.to_string(),
                    action: "notice.read".into(),
                    entity: "notice".into(),
                    entity_key: login.to_string(),
                    ..Default::default()
                }),
            ])
            .await?;
        tx.commit().await
    }

    async fn set_contact(
        &self,
        login: &str,
        email: &str,
        phone: &str,
        channels: &Channels,
        actor: &str,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let found: i64 = conn
            .scalar(
                "SELECT COUNT(*) FROM users WHERE login = $1",
                stmt!("", login).args,
            )
            .await?;
        if found == 0 {
            return Ok(false);
        }
        conn.execute_all([
            stmt!(
                "UPDATE users SET email = $1, phone = $2, notify_channels = $3 WHERE login = $4",
                email,
                phone,
                channels.as_string(),
                login
            ),
            audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "user.contact".into(),
                entity: "user".into(),
                entity_key: login.to_string(),
                new_value: Some(format!(
                    "邮箱={email} 电话={phone} 通知渠道={}",
                    channels.labels()
                )),
                ..Default::default()
            }),
        ])
        .await?;
        drop(conn);
        tx.commit().await?;
        Ok(true)
    }

    async fn set_webhook(&self, scope: &str, hook: Option<&Webhook>, actor: &str) -> Result<()> {
        let mut stmts = vec![stmt!("DELETE FROM notify_webhooks WHERE scope = $1", scope)];
        if let Some(h) = hook {
            stmts.push(stmt!(
                "INSERT INTO notify_webhooks (scope, flavor, url, secret, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                scope,
                h.flavor.as_str(),
                &h.url,
                &h.secret,
                Utc::now()
            ));
        }
        stmts.push(audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "notify.webhook".into(),
            entity: "webhook".into(),
            entity_key: scope.to_string(),
            // The secret itself stays out of the audit log.
            new_value: hook.map(|h| {
                let signed = if h.secret.is_empty() {
                    ""
                } else {
                    "（加签）"
                };
                format!("{} {}{signed}", h.flavor.label(), h.url)
            }),
            ..Default::default()
        }));
        let mut tx = self.begin_write().await?;
        tx.conn().execute_all(stmts).await?;
        tx.commit().await
    }

    async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let rows: Vec<(String, String, String, String)> = self
            .read()
            .await?
            .conn()
            .rows(
                "SELECT scope, flavor, url, secret FROM notify_webhooks ORDER BY scope",
                vec![],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(scope, flavor, url, secret)| {
                Some(Webhook {
                    scope,
                    flavor: RobotFlavor::parse(&flavor)?,
                    url,
                    secret,
                })
            })
            .collect())
    }
}
