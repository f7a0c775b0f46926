//! Accounts: roles and validated login names.

use std::fmt;

/// What a person may do in bangfu. The access policy (in the web layer) decides per action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员
    Admin,
    /// 汇总单位: sees everything, returns, approves and reopens reports.
    Coordinator,
    /// 填报人: bound to one unit.
    Reporter,
    /// 领导: read-only.
    Viewer,
    /// 审计: read-only plus the change history; raises audit findings on the funds ledger.
    Auditor,
    /// 财务 (区财政局): records budgets, projects and transactions in the funds ledger.
    Finance,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Coordinator,
        Role::Reporter,
        Role::Viewer,
        Role::Auditor,
        Role::Finance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Reporter => "reporter",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
            Role::Finance => "finance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Coordinator => "汇总单位",
            Role::Reporter => "填报人",
            Role::Viewer => "领导",
            Role::Auditor => "审计",
            Role::Finance => "财务",
        }
    }

    /// Accepts the code (`reporter`) or the Chinese label (`填报人`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text || r.label() == text)
            .ok_or_else(|| {
                let all: Vec<String> = Role::ALL
                    .iter()
                    .map(|r| format!("{}（{}）", r.as_str(), r.label()))
                    .collect();
                format!("角色“{text}”无效，可选：{}", all.join("、"))
            })
    }

    /// Reporters act for exactly one unit; other roles for none.
    pub fn needs_unit(self) -> bool {
        self == Role::Reporter
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login name: 2-32 characters of ASCII letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Login(String);

impl Login {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let ok_chars = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !(2..=32).contains(&text.len()) || !ok_chars {
            return Err(format!(
                "登录名“{text}”无效：应为 2 到 32 个英文字母、数字或 . _ - 字符"
            ));
        }
        Ok(Login(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Minimum password length for every account.
pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_password_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("密码至少需要 {MIN_PASSWORD_CHARS} 个字符"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_code_or_label() {
        assert_eq!(Role::parse("reporter"), Ok(Role::Reporter));
        assert_eq!(Role::parse("审计"), Ok(Role::Auditor));
        assert!(Role::parse("boss").unwrap_err().contains("角色“boss”无效"));
    }

    #[test]
    fn logins_are_validated_and_lowercased() {
        assert_eq!(Login::parse(" Admin ").unwrap().as_str(), "admin");
        assert!(Login::parse("a").is_err());
        assert!(Login::parse("张三").is_err());
        assert!(Login::parse("a b").is_err());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password_strength("short").is_err());
        assert!(check_password_strength("long enough!").is_ok());
    }
}
