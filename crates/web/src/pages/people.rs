//! Who and what the records name, as people know them: a person's name for a login, and
//! "2018年第一季度 区教委 一、3" for a record's key "2018Q1/jw/1.3".

use crate::error::AppError;
use crate::AppState;
use bangfu_domain::period::PeriodCode;
use bangfu_domain::Plan;
use std::collections::HashMap;

/// Logins and the names of the people behind them.
pub struct People(HashMap<String, String>);

impl People {
    pub async fn load(state: &AppState) -> Result<People, AppError> {
        Ok(People(
            state
                .store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.login, u.display_name))
                .collect(),
        ))
    }

    /// Everyone as a form's choices (login, name), by name.
    pub fn choices(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> =
            self.0.iter().map(|(l, n)| (l.clone(), n.clone())).collect();
        all.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        all
    }

    /// The person's name; the system's own actors in words; an unknown login as it is.
    pub fn name(&self, login: &str) -> String {
        match login {
            "cli" => "命令行操作".to_string(),
            "schedule" => "系统（定时提醒）".to_string(),
            "system" | "" => "系统".to_string(),
            other => self
                .0
                .get(other)
                .cloned()
                .unwrap_or_else(|| other.to_string()),
        }
    }
}

/// Someone a record names: shown by name, with the login only as the name's tooltip (`title=`),
/// where a colleague who asks "which account?" can still find it.
pub struct Person {
    pub name: String,
    pub login: String,
}

impl People {
    /// The person behind `login`, for a page.
    pub fn person(&self, login: &str) -> Person {
        Person {
            name: self.name(login),
            login: login.to_string(),
        }
    }
}

/// A record's key read out: each part that is a period, a unit or a form row by its name.
pub fn readable_key(plan: &Plan, key: &str) -> String {
    key.split('/')
        .map(|part| {
            if let Ok(code) = part.parse::<PeriodCode>() {
                return code.label();
            }
            if let Some(unit) = plan.unit(part) {
                return unit.name.clone();
            }
            if let Some(task) = plan.tasks.iter().find(|t| t.code == part) {
                return task.title.clone();
            }
            match plan.indicator(part) {
                Some(row) if part.contains('.') => plan.row_ref(row),
                _ => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A logged summary of `name=value` pairs read out: "单位=jw" as "单位：区教委", a period code as
/// its name; other text (an address with `?key=…` among it) as is.
pub fn readable_pairs(plan: &Plan, text: &str) -> String {
    text.split(' ')
        .map(|pair| match pair.split_once('=') {
            // A period logged by its code (a task's progress): "2018年第一季度".
            None => match pair.parse::<PeriodCode>() {
                Ok(code) => code.label(),
                Err(_) => pair.to_string(),
            },
            Some(("单位", code)) => format!("单位：{}", plan.party_name(code)),
            Some((name @ ("登录名" | "姓名" | "角色" | "邮箱" | "电话" | "通知渠道"), value)) =>
            {
                format!("{name}：{value}")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_read_out_and_addresses_left_alone() {
        let source = include_str!("../../../../plans/daxing-2017-2020.toml");
        let plan = bangfu_domain::plan::parse_plan("daxing-2017-2020.toml", source).unwrap();
        assert_eq!(
            readable_pairs(&plan, "登录名=li 姓名=李 角色=填报人 单位=jw"),
            "登录名：li 姓名：李 角色：填报人 单位：区教委"
        );
        let hook = "钉钉 https://oapi.dingtalk.com/robot/send?access_token=abc";
        assert_eq!(readable_pairs(&plan, hook), hook);
        assert_eq!(
            readable_pairs(&plan, "2018Q1  1（培训班）"),
            "2018年第一季度  1（培训班）"
        );
        assert_eq!(
            readable_key(&plan, "2018Q1/jw/1.3"),
            "2018年第一季度 区教委 一、3 与扶贫协作地区学校结对数"
        );
    }
}
