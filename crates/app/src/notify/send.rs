//! Delivery: e-mail over SMTP (lettre) and the group robots of 企业微信 and 钉钉 (their markdown
//! message JSON over HTTP), from the outbox with leases, retries and a record of every attempt.

use super::Settings;
use crate::{AppError, Context};
use bangfu_domain::notify::{Channel, Message, RobotFlavor};
use bangfu_store::{DeliveryOutcome, OutboxMessage};
use chrono::Utc;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
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

/// One pass through the due messages, oldest first, at most `max` of them: each is claimed
/// alone (so the lease covers one delivery, which a timeout shorter than the lease bounds) and
/// tried once, its attempt recorded.
pub async fn deliver_due(ctx: &Context, worker: &str, max: usize) -> Result<Round, AppError> {
    let lease_ms = ctx.notify.lease.as_millis() as i64;
    let mut round = Round::default();
    let mut after_id = 0;
    for _ in 0..max {
        let now_ms = ctx.clock.now().timestamp_millis();
        let claimed = ctx
            .store
            .claim_due(worker, now_ms, lease_ms, after_id, 1)
            .await?;
        let Some(m) = claimed.into_iter().next() else {
            break;
        };
        after_id = m.id;
        deliver_claimed(ctx, worker, &m, &mut round).await?;
    }
    Ok(round)
}

/// Delivers one claimed message and records the attempt: sent, to retry after the backoff, or
/// given up.
async fn deliver_claimed(
    ctx: &Context,
    worker: &str,
    m: &OutboxMessage,
    round: &mut Round,
) -> Result<(), AppError> {
    let settings = &ctx.notify;
    // Bounded well inside the lease: lettre's timeout is per socket operation, not per message,
    // and a delivery outliving its lease could be sent again by another sender.
    let limit = settings.timeout.min(settings.lease / 2);
    let error = match tokio::time::timeout(limit, deliver(ctx, m)).await {
        Ok(result) => result.err(),
        Err(_) => Some(format!("发送超时（{} 秒内未完成）", limit.as_secs_f64())),
    };
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
    Ok(())
}

/// The Message-ID of an outbox row's e-mail: the same for every attempt at it, so that a mail
/// server receiving a repeat (a sender killed after the server took the mail, before the record)
/// can drop it.
pub fn message_id(m: &OutboxMessage) -> String {
    format!(
        "<outbox-{}-{}@bangfu>",
        m.id,
        m.event_key.replace([':', '/', '*'], ".")
    )
}

/// Delivers one message by its channel; the error in Chinese.
async fn deliver(ctx: &Context, m: &OutboxMessage) -> Result<(), String> {
    let settings = &ctx.notify;
    let message = Message {
        subject: m.subject.clone(),
        body: m.body.clone(),
        link: m.link.clone(),
    };
    match Channel::parse(&m.channel) {
        Some(Channel::Email) => {
            send_email(settings, &m.address, &message, Some(message_id(m))).await
        }
        Some(Channel::Webhook) => {
            let (flavor, url) = m
                .address
                .split_once(' ')
                .ok_or_else(|| format!("机器人地址无效：{}", m.address))?;
            let flavor =
                RobotFlavor::parse(flavor).ok_or_else(|| format!("机器人类型无效：{flavor}"))?;
            // The secret is read at delivery, not kept in the outbox: the admin may set it later.
            let scope = m.recipient.strip_prefix("robot:").unwrap_or("");
            let hooks = ctx
                .store
                .webhooks()
                .await
                .map_err(|e| format!("无法读取群机器人设置：{e}"))?;
            let secret = hooks
                .iter()
                .find(|h| h.scope == scope && h.url == url)
                .map_or("", |h| h.secret.as_str());
            post_robot(settings, flavor, url, secret, &message).await
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
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| format!("BANGFU_SMTP_URL 无效：{e}"))?;
    if let Some(tls) = tls_with_ca(url, settings.smtp_ca_file.as_deref())? {
        builder = builder.tls(tls);
    }
    let transport = builder.timeout(Some(settings.timeout)).build();
    transport
        .send(email)
        .await
        .map(drop)
        .map_err(|e| format!("邮件服务器拒绝或无法连接：{e}"))
}

/// The TLS of `BANGFU_SMTP_URL` (smtps://, or ?tls=required / opportunistic) trusting the
/// certificates of `ca_file` besides the public roots; None when no file is set or the URL asks
/// for no TLS (lettre's own parameters then stand).
fn tls_with_ca(url: &str, ca_file: Option<&std::path::Path>) -> Result<Option<Tls>, String> {
    let Some(path) = ca_file else {
        return Ok(None);
    };
    let parsed = url::Url::parse(url).map_err(|e| format!("BANGFU_SMTP_URL 无效：{e}"))?;
    let mode = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let host = parsed.host_str().unwrap_or_default().to_string();
    let pem = std::fs::read(path)
        .map_err(|e| format!("无法读取 BANGFU_SMTP_CA_FILE（{}）：{e}", path.display()))?;
    let ca = Certificate::from_pem(&pem).map_err(|e| {
        format!(
            "BANGFU_SMTP_CA_FILE（{}）不是 PEM 证书：{e}",
            path.display()
        )
    })?;
    let params = || {
        TlsParameters::builder(host.clone())
            .add_root_certificate(ca.clone())
            .build_rustls()
            .map_err(|e| format!("邮件服务器的 TLS 设置无效：{e}"))
    };
    Ok(match (parsed.scheme(), mode.as_deref()) {
        ("smtps", _) => Some(Tls::Wrapper(params()?)),
        (_, Some("required")) => Some(Tls::Required(params()?)),
        (_, Some("opportunistic")) => Some(Tls::Opportunistic(params()?)),
        _ => None,
    })
}

/// The line every robot message ends with: a 钉钉 or 企业微信 robot with the "custom keyword"
/// security setting takes only messages containing its keyword; this line always carries
/// "帮扶协作管理系统".
pub const ROBOT_FOOTER: &str = "——帮扶协作管理系统提醒";

/// 企业微信 refuses markdown content over 4096 bytes; the body is cut to stay under it.
const WECOM_MAX_BYTES: usize = 4096;

/// The JSON a robot takes: a markdown message with the subject in bold, the link and the footer.
pub fn robot_body(flavor: RobotFlavor, message: &Message) -> serde_json::Value {
    let text = |body: &str| {
        format!(
            "**{}**\n\n{}\n\n[打开系统]({})\n\n{ROBOT_FOOTER}",
            message.subject, body, message.link
        )
    };
    match flavor {
        RobotFlavor::WeCom => {
            let mut content = text(&message.body);
            if content.len() >= WECOM_MAX_BYTES {
                const CUT: &str = "……（内容过长，请打开系统查看全文）";
                let room = (WECOM_MAX_BYTES - 1)
                    .saturating_sub(content.len() - message.body.len() + CUT.len());
                let mut end = room.min(message.body.len());
                while !message.body.is_char_boundary(end) {
                    end -= 1;
                }
                content = text(&format!("{}{CUT}", &message.body[..end]));
            }
            serde_json::json!({
                "msgtype": "markdown",
                "markdown": { "content": content },
            })
        }
        RobotFlavor::DingTalk => serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "title": message.subject, "text": text(&message.body) },
        }),
    }
}

/// A 钉钉 robot's URL signed for the 加签 setting: `timestamp` (ms) and `sign`, the base64 of
/// HMAC-SHA256 over "timestamp\nsecret" keyed by the secret, URL-encoded. 钉钉 takes it within an
/// hour of `timestamp_ms`.
pub fn dingtalk_signed_url(url: &str, secret: &str, timestamp_ms: i64) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let sign = sign
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}timestamp={timestamp_ms}&sign={sign}")
}

/// Posts one message to a robot (a 钉钉 one signed when it has a secret); both answer
/// `{"errcode":0}` when they took it.
pub async fn post_robot(
    settings: &Settings,
    flavor: RobotFlavor,
    url: &str,
    secret: &str,
    message: &Message,
) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .build()
        .map_err(|e| format!("无法创建 HTTP 客户端：{e}"))?;
    let body = robot_body(flavor, message).to_string();
    let url = match flavor {
        RobotFlavor::DingTalk if !secret.is_empty() => {
            dingtalk_signed_url(url, secret, Utc::now().timestamp_millis())
        }
        _ => url.to_string(),
    };
    let response = client
        .post(&url)
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
/// before it to choose the format; by default from the host, else 企业微信), with the 钉钉 加签
/// secret (empty when the robot is not signed).
pub async fn send_test(settings: &Settings, to: &str, secret: &str) -> Result<String, AppError> {
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
    let secret = bangfu_domain::notify::check_robot_secret(flavor, secret)
        .map_err(|e| refused(format!("--secret：{e}")))?;
    post_robot(settings, flavor, url, &secret, &message)
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
        // One pass a tick, bounded; what failed waits for its retry time.
        if let Err(e) = deliver_due(&ctx, &worker, 500).await {
            tracing::warn!(error = %e, "发送通知失败");
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
        let text = ding["markdown"]["text"].as_str().unwrap();
        assert!(text.contains("正文"));
        assert!(text.ends_with("——帮扶协作管理系统提醒"), "{text}");
    }

    #[test]
    fn a_long_return_reason_is_cut_under_wecoms_4096_bytes() {
        let reason = "第1.4行与上季度不符，".repeat(400);
        let m = Message {
            subject: "【退回修改】2018年第一季度进展情况被退回".into(),
            body: format!("退回原因：{reason}"),
            link: "https://bangfu.example/reports/2018Q1/jw".into(),
        };
        let wecom = robot_body(RobotFlavor::WeCom, &m);
        let content = wecom["markdown"]["content"].as_str().unwrap();
        assert!(content.len() < 4096, "{} bytes", content.len());
        assert!(content.len() > 3900, "cut no more than needed");
        assert!(content.contains("……（内容过长，请打开系统查看全文）"));
        assert!(content.contains("[打开系统](https://bangfu.example/reports/2018Q1/jw)"));
        assert!(content.ends_with(ROBOT_FOOTER));
        let short = robot_body(
            RobotFlavor::WeCom,
            &Message {
                body: "退回原因：短".into(),
                ..m
            },
        );
        assert!(!short["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("内容过长"));
    }

    #[test]
    fn dingtalk_signs_as_its_documentation_shows() {
        // Computed with the Python of 钉钉's documentation (hmac, hashlib.sha256, base64,
        // urllib.parse.quote_plus) for this secret and timestamp.
        let url = dingtalk_signed_url(
            "https://oapi.dingtalk.com/robot/send?access_token=t",
            "SECabc",
            1_520_000_000_000,
        );
        assert_eq!(
            url,
            "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1520000000000\
             &sign=1FfR3ZVxakzpHb5ktcDoV8WO0RBwkRJtv8K7agqXnbU%3D"
        );
    }
}
