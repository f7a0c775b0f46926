use super::*;
use crate::period::PeriodCode;

fn q1_2018() -> Period {
    let code: PeriodCode = "2018Q1".parse().unwrap();
    Period {
        code,
        starts_on: code.starts_on(),
        ends_on: code.ends_on(),
        deadline: code.deadline(3, 20).unwrap(),
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn the_most_urgent_reminder_whose_day_has_come_applies() {
    let p = q1_2018();
    let days = [7, 2];
    assert_eq!(deadline_notice(&p, &days, day("2018-03-12")), None);
    assert_eq!(
        deadline_notice(&p, &days, day("2018-03-13")),
        Some(DeadlineNotice::Before(7))
    );
    // Missed on its day (the server was down): still due the next day.
    assert_eq!(
        deadline_notice(&p, &days, day("2018-03-14")),
        Some(DeadlineNotice::Before(7))
    );
    assert_eq!(
        deadline_notice(&p, &days, day("2018-03-18")),
        Some(DeadlineNotice::Before(2))
    );
    assert_eq!(
        deadline_notice(&p, &days, day("2018-03-20")),
        Some(DeadlineNotice::DueToday)
    );
    assert_eq!(
        deadline_notice(&p, &days, day("2018-03-27")),
        Some(DeadlineNotice::Overdue)
    );
    assert_eq!(deadline_notice(&p, &days, day("2018-03-28")), None);
    assert_eq!(deadline_notice(&p, &[], day("2018-03-13")), None);
}

#[test]
fn reminders_go_only_to_units_without_a_submitted_report() {
    let periods = [q1_2018()];
    let submitted: BTreeSet<(String, String)> = [("2018Q1".to_string(), "B".to_string())].into();
    let due = due_reminders(
        &periods,
        &[7, 2],
        day("2018-03-13"),
        &["A", "B", "C"],
        &submitted,
    );
    let units: Vec<&str> = due.iter().map(|d| d.unit.as_str()).collect();
    assert_eq!(units, ["A", "C"]);
    assert_eq!(due[0].event_key(), "deadline:2018Q1:before7:A");
    assert!(due_reminders(&periods, &[7, 2], day("2018-03-01"), &["A"], &submitted).is_empty());
}

#[test]
fn messages_name_the_period_the_deadline_and_the_link() {
    let due = DueReminder {
        period: q1_2018(),
        unit: "A".into(),
        notice: DeadlineNotice::Before(7),
    };
    let link = report_link("https://bangfu.example/", "2018Q1", "A");
    assert_eq!(link, "https://bangfu.example/reports/2018Q1/A");
    let m = reminder_message(&due, "区教委", &link);
    assert!(m.subject.contains("2018年第一季度"), "{}", m.subject);
    assert!(m.body.contains("2018年3月20日"), "{}", m.body);
    assert!(m.body.contains("还有 7 天"));
    assert!(m.body.contains(&link));
    let r = returned_message(&q1_2018(), "区教委", "第3行数字有误", &link);
    assert!(r.body.contains("退回原因：第3行数字有误"));
    let late = late_units_message(&q1_2018(), &["区教委", "区卫健委"], "/reports");
    assert!(late.subject.contains("2 个单位"));
    assert!(late.body.contains("区教委、区卫健委"));
}

#[test]
fn a_shared_robot_gets_one_list_per_notice_and_only_dingtalk_secrets_count() {
    let over = reminder_message(
        &DueReminder {
            period: q1_2018(),
            unit: "A".into(),
            notice: DeadlineNotice::Overdue,
        },
        "区教委",
        "/r",
    );
    assert_eq!(
        over.body,
        "区教委：2018年第一季度帮扶协作进展情况的报送截止日 2018年3月20日 已过，贵单位尚未报送，请尽快报送。\n请登录系统填报：/r"
    );
    let shared = shared_robot_reminder(
        &q1_2018(),
        DeadlineNotice::Before(2),
        &["区教委", "区财政局"],
        "/home",
    );
    assert_eq!(
        shared.subject,
        "【报送提醒】2018年第一季度进展情况距截止还有 2 天"
    );
    assert!(shared
        .body
        .contains("还有 2 天，以下 2 个单位尚未报送：\n区教委、区财政局\n"));
    assert_eq!(
        check_robot_secret(RobotFlavor::DingTalk, " SECabc ").unwrap(),
        "SECabc"
    );
    assert!(check_robot_secret(RobotFlavor::WeCom, "SECabc")
        .unwrap_err()
        .contains("只用于钉钉"));
    assert!(check_robot_secret(RobotFlavor::DingTalk, "abc").is_err());
    assert_eq!(check_robot_secret(RobotFlavor::WeCom, "").unwrap(), "");
}

#[test]
fn reminder_days_are_checked_and_ordered() {
    assert_eq!(check_reminder_days(&[2, 7]).unwrap(), [7, 2]);
    assert!(check_reminder_days(&[0]).unwrap_err().contains("1 到 60"));
    assert!(check_reminder_days(&[7, 7]).unwrap_err().contains("重复"));
    assert!(check_reminder_days(&[61]).is_err());
}

#[test]
fn channels_round_trip_and_ignore_unknown_names() {
    let c = Channels::parse("email,app,fax");
    assert!(c.has(Channel::App) && c.has(Channel::Email) && !c.has(Channel::Webhook));
    assert_eq!(c.as_string(), "app,email");
    assert_eq!(c.labels(), "站内通知、电子邮件");
    assert_eq!(Channels::parse("").labels(), "不接收");
    assert_eq!(RobotFlavor::parse("钉钉"), Some(RobotFlavor::DingTalk));
}
