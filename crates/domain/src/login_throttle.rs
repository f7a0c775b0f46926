//! Rate limits on failed logins that slow down whoever fails, not the account they aim at: an
//! attacker's wrong passwords block the attacker's address, never the owner's correct password from
//! an address that has not been failing. Counted by the login as typed, so the answer reveals
//! nothing about which accounts exist.
//!
//! The counts come from the database (the audit log's login entries), so that several servers on
//! one database see the same failures; this module only decides.
//!
//! Why our own and not governor / tower_governor: those limit request rates per key, while this
//! counts only failed logins, keyed by (account, address), by address and by account together,
//! lets a correct password from a fresh address through, and reports blocks to the audit log.

use chrono::{DateTime, Duration, Utc};

/// Failures allowed for one account from one address within [`WINDOW_MINUTES`].
pub const PER_ACCOUNT_AND_ADDRESS: i64 = 5;
/// Failures allowed from one address, whatever the accounts. Kept well above what one office
/// behind one NAT mistypes, and it never blocks another address.
pub const PER_ADDRESS: i64 = 20;
/// Failures on one account from all addresses together after which an address that has itself
/// failed on the account is refused at once: a guessing campaign spread over many addresses gets
/// one guess per address and window, while the owner from a fresh address still gets in.
pub const PER_ACCOUNT: i64 = 20;
pub const WINDOW_MINUTES: i64 = 15;
/// A throttled login is written to the audit log at most this often per account and address.
const REPORT_EVERY_SECONDS: i64 = 60;

/// The failures that count, as the store finds them in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// This account from this address since its last success there.
    pub pair: i64,
    pub pair_oldest: Option<DateTime<Utc>>,
    /// This address, any account.
    pub address: i64,
    pub address_oldest: Option<DateTime<Utc>>,
    /// This account, any address.
    pub account: i64,
    /// When a refusal of this account and address was last written to the audit log.
    pub last_reported: Option<DateTime<Utc>>,
}

/// Why a login was refused without looking at the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Minutes until the oldest counted failure leaves the window.
    pub minutes: i64,
    /// Which limit, for the audit log.
    pub reason: &'static str,
    /// This refusal is to be written to the audit log (the first in a while).
    pub report: bool,
}

/// The start of the window that counts at `now`.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::minutes(WINDOW_MINUTES)
}

/// How an account is compared: trimmed, case folded.
pub fn account(login: &str) -> String {
    login.trim().to_lowercase()
}

/// Whether a login is refused before its password is checked.
pub fn decide(c: &FailureCounts, now: DateTime<Utc>) -> Option<Block> {
    let (oldest, reason) = if c.pair >= PER_ACCOUNT_AND_ADDRESS {
        (c.pair_oldest, "同一地址对该账号登录失败过多")
    } else if c.address >= PER_ADDRESS {
        (c.address_oldest, "同一地址登录失败过多")
    } else if c.account >= PER_ACCOUNT && c.pair > 0 {
        (
            c.pair_oldest,
            "该账号正被多个地址猜测密码，本地址已有失败记录",
        )
    } else {
        return None;
    };
    let left = oldest.map_or(0, |t| {
        (t + Duration::minutes(WINDOW_MINUTES) - now).num_minutes()
    });
    Some(Block {
        minutes: (left + 1).clamp(1, WINDOW_MINUTES),
        reason,
        report: c
            .last_reported
            .is_none_or(|at| now - at >= Duration::seconds(REPORT_EVERY_SECONDS)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + minute * 60, 0).unwrap()
    }

    #[test]
    fn the_failing_address_is_blocked_for_the_rest_of_the_window() {
        let mut c = FailureCounts {
            pair: PER_ACCOUNT_AND_ADDRESS - 1,
            pair_oldest: Some(at(0)),
            address: PER_ACCOUNT_AND_ADDRESS - 1,
            address_oldest: Some(at(0)),
            account: PER_ACCOUNT_AND_ADDRESS - 1,
            last_reported: None,
        };
        assert_eq!(decide(&c, at(1)), None);
        c.pair += 1;
        let block = decide(&c, at(1)).expect("blocked");
        assert_eq!(block.minutes, 15);
        assert!(block.report);
        assert_eq!(block.reason, "同一地址对该账号登录失败过多");
        c.last_reported = Some(at(1));
        assert!(
            !decide(&c, at(1)).unwrap().report,
            "not reported again at once"
        );
        assert!(
            decide(&c, at(3)).unwrap().report,
            "but again after a minute"
        );
    }

    #[test]
    fn an_address_failing_on_many_accounts_and_a_campaign_on_one_account() {
        let many = FailureCounts {
            address: PER_ADDRESS,
            address_oldest: Some(at(0)),
            ..Default::default()
        };
        assert_eq!(decide(&many, at(5)).unwrap().reason, "同一地址登录失败过多");
        assert_eq!(decide(&many, at(5)).unwrap().minutes, 11);
        let campaign = FailureCounts {
            account: PER_ACCOUNT,
            ..Default::default()
        };
        assert_eq!(
            decide(&campaign, at(0)),
            None,
            "the owner's fresh address gets in"
        );
        let guesser = FailureCounts {
            pair: 1,
            pair_oldest: Some(at(0)),
            ..campaign
        };
        assert!(decide(&guesser, at(0)).is_some(), "a second guess waits");
        assert_eq!(account("  LI "), "li");
    }
}
