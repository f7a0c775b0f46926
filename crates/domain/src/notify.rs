//! Notifications as rules: which reminders are due as of a date, who chose which channels, and the
//! messages in plain Chinese with the period, the deadline and a link. No IO: the caller passes
//! "today", the reports' states and the site's address.

use crate::period::Period;
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// Days before a deadline on which units are reminded when the plan names none.
pub const DEFAULT_REMINDER_DAYS: [u32; 2] = [7, 2];
/// After a deadline, for how many days a missing report is still announced as overdue (a
/// scheduler that was down for a day still sends it; an old quarter is not announced years later).
pub const OVERDUE_WINDOW_DAYS: i64 = 7;
/// The longest reminder a plan may ask for.
pub const MAX_REMINDER_DAYS: u32 = 60;

/// A way a message reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// 站内通知
    App,
    /// 电子邮件
    Email,
    /// 群机器人 (企业微信 / 钉钉)
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::App, Channel::Email, Channel::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::App => "站内通知",
            Channel::Email => "电子邮件",
            Channel::Webhook => "群机器人",
        }
    }
}

/// The channels a user chose. Stored as "app,email".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Channels(pub BTreeSet<Channel>);

impl Channels {
    /// Unknown names are ignored (a newer version's channel in an older database).
    pub fn parse(text: &str) -> Channels {
        Channels(text.split(',').filter_map(Channel::parse).collect())
    }

    pub fn has(&self, channel: Channel) -> bool {
        self.0.contains(&channel)
    }

    pub fn as_string(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|c| c.as_str()).collect();
        names.join(",")
    }

    pub fn labels(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|c| c.label()).collect();
        if names.is_empty() {
            "不接收".into()
        } else {
            names.join("、")
        }
    }
}

/// The message format of a group robot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RobotFlavor {
    /// 企业微信群机器人
    WeCom,
    /// 钉钉群机器人
    DingTalk,
}

impl RobotFlavor {
    pub fn as_str(self) -> &'static str {
        match self {
            RobotFlavor::WeCom => "wecom",
            RobotFlavor::DingTalk => "dingtalk",
        }
    }

    pub fn parse(text: &str) -> Option<RobotFlavor> {
        match text.trim() {
            "wecom" | "企业微信" => Some(RobotFlavor::WeCom),
            "dingtalk" | "钉钉" => Some(RobotFlavor::DingTalk),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RobotFlavor::WeCom => "企业微信",
            RobotFlavor::DingTalk => "钉钉",
        }
    }
}

/// Checks the reminder days a plan gives: each 1 to [`MAX_REMINDER_DAYS`], none repeated.
/// Returns them from the earliest reminder (most days) to the last.
pub fn check_reminder_days(days: &[u32]) -> Result<Vec<u32>, String> {
    let mut seen = BTreeSet::new();
    for &d in days {
        if d == 0 || d > MAX_REMINDER_DAYS {
            return Err(format!(
                "提醒天数 {d} 须在 1 到 {MAX_REMINDER_DAYS} 之间（截止日当天另有提醒）"
            ));
        }
        if !seen.insert(d) {
            return Err(format!("提醒天数 {d} 重复"));
        }
    }
    Ok(seen.into_iter().rev().collect())
}

/// Which deadline message is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineNotice {
    /// `n` days before the deadline (one of the plan's reminder days).
    Before(u32),
    /// On the deadline day.
    DueToday,
    /// After the deadline, the report still not submitted.
    Overdue,
}

impl DeadlineNotice {
    /// The part of an event key naming this notice: "before7", "due", "overdue".
    pub fn key(self) -> String {
        match self {
            DeadlineNotice::Before(n) => format!("before{n}"),
            DeadlineNotice::DueToday => "due".into(),
            DeadlineNotice::Overdue => "overdue".into(),
        }
    }
}

/// The deadline notice that applies to a period as of `today`, if any. Before the deadline the
/// most urgent reminder whose day has come applies (so a reminder missed on its day is still sent
/// the next day, once — the event key makes it idempotent); after it, the overdue notice for
/// [`OVERDUE_WINDOW_DAYS`].
pub fn deadline_notice(
    period: &Period,
    reminder_days: &[u32],
    today: NaiveDate,
) -> Option<DeadlineNotice> {
    let left = (period.deadline - today).num_days();
    if left == 0 {
        return Some(DeadlineNotice::DueToday);
    }
    if left < 0 {
        return (-left <= OVERDUE_WINDOW_DAYS).then_some(DeadlineNotice::Overdue);
    }
    reminder_days
        .iter()
        .copied()
        .filter(|&n| i64::from(n) >= left)
        .min()
        .map(DeadlineNotice::Before)
}

/// One unit to be told about one period's deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReminder {
    pub period: Period,
    pub unit: String,
    pub notice: DeadlineNotice,
}

impl DueReminder {
    /// The key that makes the event happen once: "deadline:2018Q1:before7:U01".
    pub fn event_key(&self) -> String {
        format!(
            "deadline:{}:{}:{}",
            self.period.code,
            self.notice.key(),
            self.unit
        )
    }
}

/// Every deadline reminder due as of `today`: for each period whose notice applies, each unit in
/// `units` without a submitted (or approved) report, that is, not in `submitted` as
/// (period code, unit code).
pub fn due_reminders(
    periods: &[Period],
    reminder_days: &[u32],
    today: NaiveDate,
    units: &[&str],
    submitted: &BTreeSet<(String, String)>,
) -> Vec<DueReminder> {
    let mut out = Vec::new();
    for period in periods {
        let Some(notice) = deadline_notice(period, reminder_days, today) else {
            continue;
        };
        let code = period.code.to_string();
        for unit in units {
            if !submitted.contains(&(code.clone(), unit.to_string())) {
                out.push(DueReminder {
                    period: period.clone(),
                    unit: unit.to_string(),
                    notice,
                });
            }
        }
    }
    out
}

/// A message: a subject line and a body in plain Chinese, with the page to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
    pub link: String,
}

pub(crate) fn date_cn(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// The page of a unit's report: `base` is the site's address ("" gives a relative link).
pub fn report_link(base: &str, period: &str, unit: &str) -> String {
    format!("{}/reports/{period}/{unit}", base.trim_end_matches('/'))
}

/// A deadline notice's subject, what it says of the period, and what it urges.
fn deadline_text(period: &Period, notice: DeadlineNotice) -> (String, String, &'static str) {
    let label = period.label();
    let deadline = date_cn(period.deadline);
    match notice {
        DeadlineNotice::Before(n) => (
            format!("【报送提醒】{label}进展情况距截止还有 {n} 天"),
            format!("{label}帮扶协作进展情况的报送截止日是 {deadline}，还有 {n} 天"),
            "",
        ),
        DeadlineNotice::DueToday => (
            format!("【今日截止】{label}进展情况今天截止报送"),
            format!("{label}帮扶协作进展情况今天（{deadline}）截止报送"),
            "",
        ),
        DeadlineNotice::Overdue => (
            format!("【已逾期】{label}进展情况尚未报送"),
            format!("{label}帮扶协作进展情况的报送截止日 {deadline} 已过"),
            "，请尽快报送",
        ),
    }
}

/// The reminder a unit receives.
pub fn reminder_message(reminder: &DueReminder, unit_name: &str, link: &str) -> Message {
    let (subject, state, urge) = deadline_text(&reminder.period, reminder.notice);
    Message {
        subject,
        body: format!("{unit_name}：{state}，贵单位尚未报送{urge}。\n请登录系统填报：{link}"),
        link: link.to_string(),
    }
}

/// The one reminder a group robot shared by all units gets for one deadline notice: the units
/// still to report, listed (a robot takes about 20 messages a minute, not one per unit).
pub fn shared_robot_reminder(
    period: &Period,
    notice: DeadlineNotice,
    unit_names: &[&str],
    link: &str,
) -> Message {
    let (subject, state, urge) = deadline_text(period, notice);
    Message {
        subject,
        body: format!(
            "{state}，以下 {} 个单位尚未报送{urge}：\n{}\n请登录系统填报：{link}",
            unit_names.len(),
            unit_names.join("、")
        ),
        link: link.to_string(),
    }
}

/// The coordinator's list of units late with a period.
pub fn late_units_message(period: &Period, late_unit_names: &[&str], link: &str) -> Message {
    let label = period.label();
    Message {
        subject: format!("【逾期名单】{label}尚有 {} 个单位未报送", late_unit_names.len()),
        body: format!(
            "{label}帮扶协作进展情况的报送截止日 {} 已过，以下 {} 个单位尚未报送：\n{}\n查看报送情况：{link}",
            date_cn(period.deadline),
            late_unit_names.len(),
            late_unit_names.join("、")
        ),
        link: link.to_string(),
    }
}

/// A report sent back to its unit, with the reason.
pub fn returned_message(period: &Period, unit_name: &str, reason: &str, link: &str) -> Message {
    let label = period.label();
    Message {
        subject: format!("【退回修改】{label}进展情况被退回"),
        body: format!(
            "{unit_name}：贵单位报送的{label}帮扶协作进展情况被退回修改。\n退回原因：{reason}\n请修改后在截止日 {} 前重新报送：{link}",
            date_cn(period.deadline)
        ),
        link: link.to_string(),
    }
}

/// A report approved.
pub fn approved_message(period: &Period, unit_name: &str, link: &str) -> Message {
    let label = period.label();
    Message {
        subject: format!("【审核通过】{label}进展情况已审核通过"),
        body: format!(
            "{unit_name}：贵单位报送的{label}帮扶协作进展情况已审核通过（截止日 {}）。\n查看：{link}",
            date_cn(period.deadline)
        ),
        link: link.to_string(),
    }
}

/// The message `bangfu notify test` sends.
pub fn test_message(link: &str) -> Message {
    Message {
        subject: "【测试】帮扶协作管理系统通知测试".into(),
        body: format!("这是一条测试通知：收到即说明通知渠道配置正确。\n系统地址：{link}"),
        link: link.to_string(),
    }
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;

/// A person's contacts and chosen channels as typed on the settings page or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ContactInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Channel codes: app, email.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// Contacts checked: an address with a domain or none, a phone number of digits (with - and +) or
/// none, and only the channels a person may choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: String,
    pub phone: String,
    pub channels: Channels,
}

/// Checks an e-mail address as typed: empty, or one address with a domain.
pub fn check_email(email: &str) -> Result<String, String> {
    let email = email.trim();
    if email.is_empty() {
        return Ok(String::new());
    }
    match email.split_once('@') {
        Some((user, domain))
            if !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && email.len() <= 254
                && !email.contains(char::is_whitespace) =>
        {
            Ok(email.to_string())
        }
        _ => Err(format!(
            "邮箱“{email}”不是有效的邮箱地址，例如 zhangsan@example.gov.cn"
        )),
    }
}

/// Checks a phone number as typed: empty, or digits with "-", "+" and spaces, at most 20.
pub fn check_phone(phone: &str) -> Result<String, String> {
    let phone = phone.trim();
    let ok = phone.chars().count() <= 20
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '));
    if ok {
        Ok(phone.to_string())
    } else {
        Err(format!(
            "电话“{phone}”无效：只能填数字、“-”和“+”，不超过 20 位，例如 010-69243000"
        ))
    }
}

impl ContactInput {
    /// Every mistake, each naming its field, in Chinese.
    pub fn parse(&self) -> Result<Contact, Vec<String>> {
        let mut errors = Vec::new();
        let email = check_email(&self.email).unwrap_or_else(|e| {
            errors.push(e);
            String::new()
        });
        let phone = check_phone(&self.phone).unwrap_or_else(|e| {
            errors.push(e);
            String::new()
        });
        let mut chosen = std::collections::BTreeSet::new();
        for name in &self.channels {
            match Channel::parse(name) {
                Some(c @ (Channel::App | Channel::Email)) => {
                    chosen.insert(c);
                }
                _ => errors.push(format!(
                    "通知渠道“{name}”无效，可选 app（站内通知）、email（电子邮件）"
                )),
            }
        }
        if chosen.contains(&Channel::Email) && email.is_empty() && errors.is_empty() {
            errors.push("选择了电子邮件通知，请填写邮箱".to_string());
        }
        if errors.is_empty() {
            Ok(Contact {
                email,
                phone,
                channels: Channels(chosen),
            })
        } else {
            Err(errors)
        }
    }
}

/// A group robot as the administrator types it: for all units ("*") or one, its flavor and URL
/// (empty to remove it).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RobotInput {
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub flavor: String,
    #[serde(default)]
    pub url: String,
    /// The 钉钉 加签 secret (empty: not signed).
    #[serde(default)]
    pub secret: String,
}

/// A group robot as checked: its flavor, URL and 钉钉 加签 secret (empty when not signed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotSetting {
    pub flavor: RobotFlavor,
    pub url: String,
    pub secret: String,
}

/// Checks a 钉钉 加签 secret as typed: empty, or the "SEC…" text 钉钉 shows (only 钉钉 signs).
pub fn check_robot_secret(flavor: RobotFlavor, secret: &str) -> Result<String, String> {
    let secret = secret.trim();
    if secret.is_empty() {
        return Ok(String::new());
    }
    if flavor != RobotFlavor::DingTalk {
        return Err("加签密钥只用于钉钉机器人，企业微信机器人请留空".into());
    }
    if !secret.starts_with("SEC") || secret.len() > 200 || !secret.is_ascii() {
        return Err("加签密钥无效：应为钉钉机器人“安全设置—加签”中以 SEC 开头的一串字符".into());
    }
    Ok(secret.to_string())
}

impl RobotInput {
    /// (scope, Some(robot)) to set, (scope, None) to remove; mistakes name their field.
    /// `unit_exists` says whether a unit code is the plan's.
    pub fn parse(
        &self,
        unit_exists: impl Fn(&str) -> bool,
    ) -> Result<(String, Option<RobotSetting>), Vec<String>> {
        let mut errors = Vec::new();
        let scope = match self.scope.trim() {
            "" | "*" => "*".to_string(),
            code if unit_exists(code) => code.to_string(),
            code => {
                errors.push(format!("单位“{code}”不在本方案中"));
                String::new()
            }
        };
        let url = self.url.trim();
        let hook = if url.is_empty() {
            None
        } else {
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.len() > 2000
                || url.contains(char::is_whitespace)
            {
                errors.push(format!(
                    "机器人地址“{url}”无效：应以 https:// 开头，例如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
                ));
            }
            match RobotFlavor::parse(&self.flavor) {
                Some(flavor) => match check_robot_secret(flavor, &self.secret) {
                    Ok(secret) => Some(RobotSetting {
                        flavor,
                        url: url.to_string(),
                        secret,
                    }),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
                None => {
                    errors.push(format!(
                        "机器人类型“{}”无效，应为 wecom（企业微信）或 dingtalk（钉钉）",
                        self.flavor
                    ));
                    None
                }
            }
        };
        if errors.is_empty() {
            Ok((scope, hook))
        } else {
            Err(errors)
        }
    }
}

/// What an event kind is called on the deliveries page.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "deadline" => "截止提醒",
        "deadline.late-list" => "逾期单位清单",
        "report.return" => "报表退回",
        "report.approve" => "报表审核通过",
        "finding.raise" => "审计意见",
        "finding.answer" => "审计意见答复",
        "problem.assign" => "问题交办",
        "problem.overdue" => "问题逾期",
        "target.behind" => "目标进度滞后",
        "test" => "测试消息",
        _ => "其他通知",
    }
}

/// What a delivery state is called on the deliveries page.
pub fn delivery_status_label(status: &str) -> &'static str {
    match status {
        "pending" => "待发送",
        "sent" => "已发送",
        "failed" => "发送失败",
        _ => "未知",
    }
}
