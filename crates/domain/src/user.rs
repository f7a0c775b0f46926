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

/// Passwords that guessing lists try first; shipped in the binary, compared without case.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lower)
}

/// One character, or a short group of up to four, repeated (`aaaaaaaaaa`, `abcabcabcabc`).
fn is_repetitive(password: &str) -> bool {
    let chars: Vec<char> = password.to_lowercase().chars().collect();
    // A shorter last chunk differs from the first: the length must be a multiple of the group.
    (1..=4.min(chars.len() / 2))
        .any(|period| chars.chunks(period).all(|chunk| chunk == &chars[..period]))
}

/// Each character one after the other, up or down (`1234567890`, `abcdefghij`, `9876543210`);
/// after 9 comes 0 and before 0 comes 9, as on a keyboard.
fn is_run(password: &str) -> bool {
    let chars: Vec<char> = password.to_lowercase().chars().collect();
    let step = |a: char, b: char| -> Option<i32> {
        match (a, b) {
            ('9', '0') => Some(1),
            ('0', '9') => Some(-1),
            _ => Some(b as i32 - a as i32).filter(|d| d.abs() == 1),
        }
    };
    let Some(first) = chars.windows(2).next().and_then(|w| step(w[0], w[1])) else {
        return false;
    };
    chars.windows(2).all(|w| step(w[0], w[1]) == Some(first))
}

/// Refuses passwords that are short, on the list of common ones, one repeated character or group,
/// or a plain run. `field` names the form field or setting in the message ("新密码").
pub fn check_password_strength(field: &str, password: &str) -> Result<(), String> {
    if is_common(password) {
        return Err(format!(
            "{field}过于常见（在常用密码名单中），很容易被猜中，请换一个"
        ));
    }
    if is_repetitive(password) {
        return Err(format!(
            "{field}只是同一个字符或同一组字符的重复，很容易被猜中，请换一个"
        ));
    }
    if is_run(password) {
        return Err(format!(
            "{field}是连续的字符序列（如 1234567890、abcdefghij），很容易被猜中，请换一个"
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("{field}至少需要 {MIN_PASSWORD_CHARS} 个字符"));
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
        assert!(check_password_strength("密码", "short").is_err());
        assert!(check_password_strength("密码", "long enough!").is_ok());
    }

    #[test]
    fn common_repetitive_and_sequential_passwords_are_refused_naming_the_field() {
        for (weak, why) in [
            ("123456", "常见"),
            ("woaini1314", "常见"),
            ("WoAiNi1314", "常见"),
            ("qwerty123", "常见"),
            ("password1", "常见"),
            ("admin123", "常见"),
            ("abc123456", "常见"),
            ("1qaz2wsx3edc", "常见"),
            ("11111111", "常见"),
            ("zzzzzzzzzzzz", "重复"),
            ("abcabcabcabc", "重复"),
            ("12121212121212", "重复"),
            ("1234567890", "常见"),
            ("2345678901", "连续"),
            ("9876543210", "连续"),
            ("abcdefghijkl", "连续"),
            ("ZYXWVUTSRQPO", "连续"),
        ] {
            let e = check_password_strength("新密码", weak).unwrap_err();
            assert!(e.starts_with("新密码"), "{weak}: {e}");
            assert!(e.contains(why), "{weak}: {e}");
        }
        for fine in [
            "river-lantern-42",
            "大兴帮扶协作2018年度",
            "a-long-test-password",
        ] {
            assert!(check_password_strength("新密码", fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn the_common_list_is_long_lowercase_and_ships_the_chinese_favourites() {
        let entries: Vec<&str> = COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!(entries.len() >= 200, "{}", entries.len());
        assert!(entries.iter().all(|e| *e == e.to_lowercase().trim()));
        for must in ["5201314", "woaini1314", "qq123456", "1qaz2wsx"] {
            assert!(entries.contains(&must), "{must}");
        }
    }
}
