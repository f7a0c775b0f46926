//! `bangfu notify run|test|robot` and `bangfu user contact`: the schedule for cron and for
//! checking, a test message, the group robots, and users' contacts.

use anyhow::bail;
use bangfu_app::notify::{self, send, Settings};
use bangfu_app::Context as UseCases;
use bangfu_domain::notify::{Channels, RobotInput};
use bangfu_store::{NotifyStore, PlanStore, UserStore, Webhook};
use std::process::ExitCode;
use std::sync::Arc;

async fn state(db_url: &str) -> anyhow::Result<UseCases> {
    let store = crate::open::open(db_url).await?;
    let Some(plan) = store.plan().await? else {
        bail!("数据库 {db_url} 中还没有载入方案，先运行 `bangfu init`");
    };
    let mut ctx = UseCases::new(Arc::new(store), Arc::new(plan));
    ctx.notify = Arc::new(Settings::from_env());
    Ok(ctx)
}

/// `bangfu notify run`: records what is due as of the date and delivers every due message (or,
/// with `--dry-run`, only lists what is due).
pub async fn run(db_url: &str, as_of: Option<&str>, dry_run: bool) -> anyhow::Result<ExitCode> {
    let ctx = state(db_url).await?;
    let as_of = match as_of {
        None => ctx.clock.today(),
        // The one date parser of every date field: 2018-03-13, 2018/3/13, 2018年3月13日 …
        Some(text) => {
            bangfu_domain::date::parse_date("--as-of", text).map_err(anyhow::Error::msg)?
        }
    };
    let run = notify::run_schedule(&ctx, as_of, dry_run).await?;
    for m in &run.messages {
        let new = run.recorded.contains(m);
        println!(
            "{}\t{}\t{}\t{}\t{}",
            if dry_run {
                "到期"
            } else if new {
                "新增"
            } else {
                "已有"
            },
            m.event_key,
            m.channel.label(),
            m.address,
            m.subject
        );
    }
    println!(
        "截至 {as_of}：到期提醒 {} 项，通知 {} 条，其中新增 {} 条",
        run.due.len(),
        run.messages.len(),
        run.recorded.len()
    );
    if dry_run {
        println!("（--dry-run：未记录、未发送）");
        return Ok(ExitCode::SUCCESS);
    }
    // One pass through the queue, each message claimed alone and tried once.
    let worker = format!("cli-{}", std::process::id());
    let total = send::deliver_due(&ctx, &worker, usize::MAX).await?;
    println!(
        "发送：成功 {}，失败待重试 {}，失败不再重试 {}",
        total.sent, total.retrying, total.failed
    );
    Ok(ExitCode::SUCCESS)
}

/// `bangfu notify test --to`: one test message, sent at once (not through the outbox).
pub async fn test(to: &str, secret: Option<&str>) -> anyhow::Result<ExitCode> {
    let settings = Settings::from_env();
    let done = send::send_test(&settings, to, secret.unwrap_or("")).await?;
    println!("{done}");
    Ok(ExitCode::SUCCESS)
}

/// `bangfu notify robot`: sets or removes the group robot of one unit or of all, checked by the
/// same rules as the administrator's page.
pub async fn robot(
    db_url: &str,
    unit: Option<&str>,
    flavor: Option<&str>,
    url: Option<&str>,
    secret: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let ctx = state(db_url).await?;
    let input = RobotInput {
        scope: unit.unwrap_or("*").to_string(),
        flavor: flavor.unwrap_or("wecom").to_string(),
        url: url.unwrap_or("").to_string(),
        secret: secret.unwrap_or("").to_string(),
    };
    let (scope, hook) = input
        .parse(|code| ctx.plan.unit(code).is_some())
        .map_err(|errors| anyhow::anyhow!("{}", errors.join("；")))?;
    let hook = hook.map(|r| Webhook {
        scope: scope.clone(),
        flavor: r.flavor,
        url: r.url,
        secret: r.secret,
    });
    ctx.store.set_webhook(&scope, hook.as_ref(), "cli").await?;
    let whom = if scope == "*" {
        "所有单位".to_string()
    } else {
        scope
    };
    match hook {
        Some(h) => {
            let signed = if h.secret.is_empty() {
                ""
            } else {
                "（加签）"
            };
            println!(
                "已设置{whom}的{}群机器人：{}{signed}",
                h.flavor.label(),
                h.url
            )
        }
        None => println!("已删除{whom}的群机器人"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks an e-mail address as typed (the domain's one rule), naming the option.
pub fn check_email(email: &str) -> anyhow::Result<String> {
    bangfu_domain::notify::check_email(email).map_err(|e| anyhow::anyhow!("--email：{e}"))
}

/// Checks a phone number as typed (the rule of the page and the API), naming the option.
pub fn check_phone(phone: &str) -> anyhow::Result<String> {
    bangfu_domain::notify::check_phone(phone).map_err(|e| anyhow::anyhow!("--phone：{e}"))
}

/// `bangfu user contact`: sets a user's e-mail, phone and channels.
pub async fn contact(
    db_url: &str,
    login: &str,
    email: Option<&str>,
    phone: Option<&str>,
    channels: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let store = crate::open::open(db_url).await?;
    let Some(user) = store.user_by_login(login).await? else {
        bail!("没有登录名为“{login}”的用户");
    };
    let email = match email {
        Some(e) => check_email(e)?,
        None => user.email.clone(),
    };
    let phone = match phone {
        Some(p) => check_phone(p)?,
        None => user.phone.clone(),
    };
    let channels = match channels {
        None => user.channels.clone(),
        Some(text) => parse_channels(text)?,
    };
    store
        .set_contact(&user.login, &email, &phone, &channels, "cli")
        .await?;
    println!(
        "已更新 {}：邮箱 {}，电话 {}，通知渠道 {}",
        user.login,
        if email.is_empty() {
            "（无）"
        } else {
            &email
        },
        if phone.is_empty() {
            "（无）"
        } else {
            &phone
        },
        channels.labels()
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_channels(text: &str) -> anyhow::Result<Channels> {
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if !matches!(name, "app" | "email") {
            bail!("--channels：“{name}”无效，可选 app（站内通知）、email（电子邮件），用逗号分隔");
        }
    }
    Ok(Channels::parse(text))
}
