//! Delivery: e-mail over SMTP (lettre) and the group robots of 企业微信 and 钉钉 (their markdown
//! message JSON over HTTP), from the outbox with leases, retries and a record of every attempt.

use super::Settings;
use crate::{AppError, Context};
use bangfu_domain::notify::{Channel, Message, RobotFlavor};
use bangfu_store::{DeliveryOutcome, OutboxMessage};
use chrono::Utc;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// What one round of delivery did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    /// Failed and to be retried.
    pub retrying: usize,
    /// Failed for the last time.
    pub failed: usize,
}

/// The wait before retry number `attempts` (1 for the first retry): base, 2×base, 4×base … up to
/// an hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 1u32 << attempts.clamp(1, 16).saturating_sub(1);
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// Claims the due messages (up to `limit`) and delivers each, recording the attempt.
pub async fn deliver_due(ctx: &Context, worker: &str, limit: i64) -> Result<Round, AppError> {
    let settings = &ctx.notify;
    let now_ms = ctx.clock.now().timestamp_millis();
    let lease_ms = settings.lease.as_millis() as i64;
    let claimed = ctx.store.claim_due(worker, now_ms, lease_ms, limit).await?;
    let mut round = Round::default();
    for m in claimed {
        let result = deliver(settings, &m).await;
        let error = result.err();
        let retry_at_ms = match &error {
            Some(_) if m.attempts < settings.max_attempts => Some(
                ctx.clock.now().timestamp_millis()
                    + backoff(settings.retry_base, m.attempts).as_millis() as i64,
            ),
            _ => None,
        };
        match (&error, retry_at_ms) {
            (None, _) => round.sent += 1,
            (Some(e), Some(_)) => {
                tracing::warn!(id = m.id, error = %e, "通知发送失败，稍后重试");
                round.retrying += 1;
            }
            (Some(e), None) => {
                tracing::warn!(id = m.id, error = %e, "通知发送失败，不再重试");
                round.failed += 1;
            }
        }
        ctx.store
            .record_delivery(&DeliveryOutcome {
                id: m.id,
                worker: worker.to_string(),
                at: Utc::now(),
                error,
                retry_at_ms,
            })
            .await?;
    }
    Ok(round)
}

/// Delivers one message by its channel; the error in Chinese.
async fn deliver(settings: &Settings, m: &OutboxMessage) -> Result<(), String> {
    let message = Message {
        subject: m.subject.clone(),
        body: m.body.clone(),
        link: m.link.clone(),
    };
    match Channel::parse(&m.channel) {
        Some(Channel::Email) => {
            let id = format!(
                "<outbox-{}-{}@bangfu>",
                m.id,
                m.event_key.replace([':', '/'], ".")
            );
            send_email(settings, &m.address, &message, Some(id)).await
        }
        Some(Channel::Webhook) => {
            let (flavor, url) = m
                .address
                .split_once(' ')
                .ok_or_else(|| format!("机器人地址无效：{}", m.address))?;
            let flavor =
                RobotFlavor::parse(flavor).ok_or_else(|| format!("机器人类型无效：{flavor}"))?;
            post_robot(settings, flavor, url, &message).await
        }
        _ => Err(format!("未知的通知渠道：{}", m.channel)),
    }
}

/// Sends one e-mail through `BANGFU_SMTP_URL`. `message_id`: the same for every attempt at one
/// outbox row, so that a receiver can recognise a repeat.
pub async fn send_email(
    settings: &Settings,
    to: &str,
    message: &Message,
    message_id: Option<String>,
) -> Result<(), String> {
    let Some(url) = &settings.smtp_url else {
        return Err("未配置邮件服务器（BANGFU_SMTP_URL）".into());
    };
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| format!("发件人地址（BANGFU_SMTP_FROM）无效：{e}"))?;
    let to: Mailbox = to
        .parse()
        .map_err(|e| format!("收件人邮箱无效：{to}：{e}"))?;
    let email = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(&message.subject)
        .message_id(message_id)
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| format!("邮件无法生成：{e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| format!("BANGFU_SMTP_URL 无效：{e}"))?
        .timeout(Some(settings.timeout))
        .build();
    transport
        .send(email)
        .await
        .map(drop)
        .map_err(|e| format!("邮件服务器拒绝或无法连接：{e}"))
}

/// The JSON a robot takes: a markdown message with the subject in bold and the link.
pub fn robot_body(flavor: RobotFlavor, message: &Message) -> serde_json::Value {
    let text = format!(
        "**{}**\n\n{}\n\n[打开系统]({})",
        message.subject, message.body, message.link
    );
    match flavor {
        RobotFlavor::WeCom => serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "content": text },
        }),
        RobotFlavor::DingTalk => serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "title": message.subject, "text": text },
        }),
    }
}

/// Posts one message to a robot; both answer `{"errcode":0}` when they took it.
pub async fn post_robot(
    settings: &Settings,
    flavor: RobotFlavor,
    url: &str,
    message: &Message,
) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .build()
        .map_err(|e| format!("无法创建 HTTP 客户端：{e}"))?;
    let body = robot_body(flavor, message).to_string();
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{}机器人无法连接：{e}", flavor.label()))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "{}机器人返回 HTTP {status}：{text}",
            flavor.label()
        ));
    }
    let code = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("errcode").and_then(|c| c.as_i64()))
        .unwrap_or(0);
    if code != 0 {
        return Err(format!("{}机器人拒绝：{text}", flavor.label()));
    }
    Ok(())
}

/// `bangfu notify test --to`: an e-mail address, or a robot's URL (with "wecom " or "dingtalk "
/// before it to choose the format; by default from the host, else 企业微信).
pub async fn send_test(settings: &Settings, to: &str) -> Result<String, AppError> {
    let message = bangfu_domain::notify::test_message(&settings.link("/"));
    let to = to.trim();
    let refused = |e: String| AppError::rejected(vec![e]);
    if to.contains('@') && !to.contains("://") {
        send_email(settings, to, &message, None)
            .await
            .map_err(refused)?;
        return Ok(format!("测试邮件已发送到 {to}"));
    }
    let (flavor, url) = match to.split_once(' ') {
        Some((f, url)) => (
            RobotFlavor::parse(f).ok_or_else(|| refused(format!("机器人类型无效：{f}")))?,
            url.trim(),
        ),
        None if to.contains("dingtalk") => (RobotFlavor::DingTalk, to),
        None => (RobotFlavor::WeCom, to),
    };
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(refused(format!(
            "--to 须为邮箱地址或机器人网址（http:// 或 https://）：{to}"
        )));
    }
    post_robot(settings, flavor, url, &message)
        .await
        .map_err(refused)?;
    Ok(format!("测试消息已发送到{}机器人", flavor.label()))
}

/// The sender and scheduler inside `serve`: every `every`, records the deadline reminders due
/// today and delivers what is due. Runs until the task is dropped.
pub async fn run_forever(ctx: Context, worker: String, every: Duration) {
    let mut last_schedule = None;
    loop {
        let today = ctx.clock.today();
        if last_schedule != Some(today) {
            match super::run_schedule(&ctx, today, false).await {
                Ok(run) => {
                    last_schedule = Some(today);
                    if !run.recorded.is_empty() {
                        tracing::info!(count = run.recorded.len(), "已生成截止提醒");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "生成截止提醒失败"),
            }
        }
        // One message a claim, so that the lease covers one delivery only; bounded per tick.
        for _ in 0..500 {
            match deliver_due(&ctx, &worker, 1).await {
                Ok(round) if round == Round::default() => break,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "发送通知失败");
                    break;
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 12), Duration::from_secs(3600));
    }

    #[test]
    fn robots_get_their_own_markdown_json() {
        let m = Message {
            subject: "【报送提醒】".into(),
            body: "正文".into(),
            link: "http://x/reports/2018Q1/jw".into(),
        };
        let wecom = robot_body(RobotFlavor::WeCom, &m);
        assert_eq!(wecom["msgtype"], "markdown");
        assert!(wecom["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("[打开系统](http://x/reports/2018Q1/jw)"));
        let ding = robot_body(RobotFlavor::DingTalk, &m);
        assert_eq!(ding["markdown"]["title"], "【报送提醒】");
        assert!(ding["markdown"]["text"].as_str().unwrap().contains("正文"));
    }
}
