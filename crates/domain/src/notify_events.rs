//! The messages of the events beyond the reporting cycle: a problem assigned to a unit or past its
//! due date, an audit finding (审计意见) raised on a unit's project or answered, and a target
//! falling behind (to its lead units, once a month at most). Plain Chinese, with the page to open.

use crate::notify::{date_cn, Message};
use chrono::NaiveDate;

/// A problem assigned to a unit (问题交办).
pub fn problem_assigned_message(
    unit_name: &str,
    description: &str,
    due: Option<NaiveDate>,
    link: &str,
) -> Message {
    let due = due.map_or(String::new(), |d| format!("，请于 {} 前处理", date_cn(d)));
    Message {
        subject: format!("【问题交办】{}", headline(description)),
        body: format!(
            "{unit_name}：汇总单位登记了一个需要贵单位处理的问题{due}。\n问题：{description}\n查看并填写处理情况：{link}"
        ),
        link: link.to_string(),
    }
}

/// A problem still open after its due date (问题逾期), to its unit and the coordinators.
pub fn problem_overdue_message(
    unit_name: &str,
    description: &str,
    due: NaiveDate,
    link: &str,
) -> Message {
    Message {
        subject: format!("【问题逾期】{}", headline(description)),
        body: format!(
            "{unit_name}的问题已过处理期限 {} 仍未解决。\n问题：{description}\n查看并更新处理情况：{link}",
            date_cn(due)
        ),
        link: link.to_string(),
    }
}

/// An audit finding raised on a unit's project.
pub fn finding_raised_message(
    unit_name: &str,
    project_name: &str,
    text: &str,
    link: &str,
) -> Message {
    Message {
        subject: format!("【审计意见】{project_name}"),
        body: format!(
            "{unit_name}：审计对贵单位实施的援建项目“{project_name}”提出审计意见，请在项目页面答复。\n审计意见：{text}\n答复：{link}"
        ),
        link: link.to_string(),
    }
}

/// A unit's answer to an audit finding, to the auditors.
pub fn finding_answered_message(
    unit_name: &str,
    project_name: &str,
    response: &str,
    link: &str,
) -> Message {
    Message {
        subject: format!("【审计意见答复】{project_name}"),
        body: format!(
            "{unit_name}答复了对援建项目“{project_name}”的审计意见。\n答复：{response}\n查看并关闭或继续跟进：{link}"
        ),
        link: link.to_string(),
    }
}

/// A target behind its pro-rata share, to a lead unit.
pub fn target_behind_message(
    unit_name: &str,
    task_code: &str,
    description: &str,
    percent: u32,
    as_of: NaiveDate,
    link: &str,
) -> Message {
    Message {
        subject: format!("【进度滞后】{task_code} {}", headline(description)),
        body: format!(
            "{unit_name}：截至 {}，贵单位牵头的目标“{description}”完成 {percent}%，落后于进度要求，请加快推进并在任务页面填报进展。\n查看：{link}",
            date_cn(as_of)
        ),
        link: link.to_string(),
    }
}

/// The first 30 characters of a text, for a subject line.
fn headline(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > 30 {
        format!("{}…", text.chars().take(30).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_unit_the_matter_and_the_page() {
        let due = NaiveDate::from_ymd_opt(2018, 4, 30);
        let m = problem_assigned_message("区教委", "学校结对协议未签订", due, "/problems/3");
        assert_eq!(m.subject, "【问题交办】学校结对协议未签订");
        assert!(m.body.contains("请于 2018年4月30日 前处理"));
        assert!(m.body.ends_with("/problems/3"));
        let long = "很".repeat(40);
        let m = problem_overdue_message("区教委", &long, due.unwrap(), "/p");
        assert_eq!(
            m.subject.chars().count(),
            "【问题逾期】".chars().count() + 31
        );
        let m = finding_raised_message("区教委", "教学楼", "缺少验收材料", "/ledger/projects/1");
        assert!(m.body.contains("审计意见：缺少验收材料"));
        let m = target_behind_message("区教委", "3.2", "培训教师", 40, due.unwrap(), "/tasks/3.2");
        assert!(m.body.contains("完成 40%"));
        assert!(m.subject.starts_with("【进度滞后】3.2"));
    }
}
