//! Rate limits on failed logins that slow down whoever fails, not the account they aim at: an
//! attacker's wrong passwords block the attacker's address, never the owner's correct password from
//! an address that has not been failing. Counted by the login as typed, so the answer reveals
//! nothing about which accounts exist.
//!
//! Why our own and not governor / tower_governor: those limit request rates per key, while this
//! counts only failed logins, keyed by (account, address), by address and by account together,
//! lets a correct password from a fresh address through, and reports blocks to the audit log.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures allowed for one account from one address within [`WINDOW`].
pub const PER_ACCOUNT_AND_ADDRESS: usize = 5;
/// Failures allowed from one address, whatever the accounts, within [`WINDOW`]. Kept well above
/// what one office behind one NAT mistypes, and it never blocks another address.
pub const PER_ADDRESS: usize = 20;
/// Failures on one account from all addresses together after which an address that has itself
/// failed on the account is refused at once: a guessing campaign spread over many addresses gets
/// one guess per address and window, while the owner from a fresh address still gets in.
pub const PER_ACCOUNT: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// A throttled key is written to the audit log at most this often.
const REPORT_EVERY: Duration = Duration::from_secs(60);

/// Why a login was refused without looking at the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Minutes until the oldest counted failure leaves the window.
    pub minutes: u64,
    /// Which limit, for the audit log.
    pub reason: &'static str,
    /// This refusal is to be written to the audit log (the first of its key in a while).
    pub report: bool,
}

#[derive(Default)]
struct Counts {
    failures: HashMap<String, VecDeque<Instant>>,
    reported: HashMap<String, Instant>,
}

#[derive(Clone, Default)]
pub struct LoginThrottle(Arc<Mutex<Counts>>);

fn account(login: &str) -> String {
    login.trim().to_ascii_lowercase()
}

fn pair_key(login: &str, address: &str) -> String {
    format!("pair:{}|{address}", account(login))
}

fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

fn account_key(login: &str) -> String {
    format!("login:{}", account(login))
}

impl Counts {
    /// Failures of `key` still in the window, and minutes until the oldest leaves it.
    fn recent(&mut self, key: &str, now: Instant) -> (usize, u64) {
        let Some(times) = self.failures.get_mut(key) else {
            return (0, 0);
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) > WINDOW)
        {
            times.pop_front();
        }
        let minutes = times
            .front()
            .map_or(0, |t| (WINDOW - now.duration_since(*t)).as_secs() / 60 + 1);
        (times.len(), minutes)
    }
}

impl LoginThrottle {
    /// Whether a login for `login` from `address` is refused before its password is checked.
    pub fn blocked(&self, login: &str, address: &str) -> Option<Block> {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let pair = pair_key(login, address);
        let (pair_failures, pair_minutes) = counts.recent(&pair, now);
        let (address_failures, address_minutes) = counts.recent(&address_key(address), now);
        let (account_failures, _) = counts.recent(&account_key(login), now);
        let (key, minutes, reason) = if pair_failures >= PER_ACCOUNT_AND_ADDRESS {
            (pair, pair_minutes, "同一地址对该账号登录失败过多")
        } else if address_failures >= PER_ADDRESS {
            (
                address_key(address),
                address_minutes,
                "同一地址登录失败过多",
            )
        } else if account_failures >= PER_ACCOUNT && pair_failures > 0 {
            (
                pair,
                pair_minutes,
                "该账号正被多个地址猜测密码，本地址已有失败记录",
            )
        } else {
            return None;
        };
        let report = counts
            .reported
            .get(&key)
            .is_none_or(|at| now.duration_since(*at) >= REPORT_EVERY);
        if report {
            counts.reported.insert(key, now);
        }
        Some(Block {
            minutes: minutes.max(1),
            reason,
            report,
        })
    }

    pub fn failed(&self, login: &str, address: &str) {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        for key in [
            pair_key(login, address),
            address_key(address),
            account_key(login),
        ] {
            counts.failures.entry(key).or_default().push_back(now);
        }
        // Bound memory under a flood of distinct logins or addresses.
        if counts.failures.len() > 100_000 {
            counts.failures.clear();
        }
        if counts.reported.len() > 10_000 {
            counts.reported.clear();
        }
    }

    /// A correct password clears that address's failures on the account, not the account's
    /// failures elsewhere (an attacker's count does not restart because the owner logged in).
    pub fn succeeded(&self, login: &str, address: &str) {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        counts.failures.remove(&pair_key(login, address));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failing_address_is_blocked_not_the_account() {
        let t = LoginThrottle::default();
        for _ in 0..PER_ACCOUNT_AND_ADDRESS {
            assert!(t.blocked("li", "1.1.1.1").is_none());
            t.failed("li", "1.1.1.1");
        }
        let block = t.blocked("LI", "1.1.1.1").expect("blocked");
        assert_eq!(block.minutes, 15);
        assert!(block.report, "the first refusal is reported");
        assert!(
            !t.blocked("li", "1.1.1.1").unwrap().report,
            "then not again at once"
        );
        assert!(
            t.blocked("li", "2.2.2.2").is_none(),
            "another address gets in"
        );
        assert!(
            t.blocked("wang", "1.1.1.1").is_none(),
            "another account too"
        );
        t.succeeded("li", "2.2.2.2");
        assert!(t.blocked("li", "1.1.1.1").is_some());
    }

    #[test]
    fn an_address_failing_on_many_accounts_is_blocked_alone() {
        let t = LoginThrottle::default();
        for i in 0..PER_ADDRESS {
            t.failed(&format!("user{i}"), "3.3.3.3");
        }
        assert_eq!(
            t.blocked("someone", "3.3.3.3").unwrap().reason,
            "同一地址登录失败过多"
        );
        assert!(t.blocked("someone", "4.4.4.4").is_none());
    }

    #[test]
    fn a_campaign_from_many_addresses_blocks_only_addresses_that_failed() {
        let t = LoginThrottle::default();
        for i in 0..PER_ACCOUNT {
            t.failed("li", &format!("10.0.0.{i}"));
        }
        assert!(
            t.blocked("li", "10.0.0.1").is_some(),
            "a second guess waits"
        );
        assert!(
            t.blocked("li", "192.0.2.1").is_none(),
            "the owner's own address"
        );
        t.succeeded("li", "10.0.0.1");
        assert!(t.blocked("li", "10.0.0.1").is_none());
    }
}
