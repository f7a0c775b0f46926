//! Rate limits on failed logins, per account and per client address, so that passwords cannot be
//! guessed at speed. Counted by the login as typed, so the answer reveals nothing about accounts.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures allowed per account, and per address, within [`WINDOW`].
pub const PER_ACCOUNT: usize = 5;
pub const PER_ADDRESS: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Default)]
pub struct LoginThrottle(Arc<Mutex<HashMap<String, VecDeque<Instant>>>>);

impl LoginThrottle {
    fn keys(login: &str, address: &str) -> [(String, usize); 2] {
        [
            (
                format!("login:{}", login.trim().to_ascii_lowercase()),
                PER_ACCOUNT,
            ),
            (format!("addr:{address}"), PER_ADDRESS),
        ]
    }

    /// Minutes to wait when either limit is reached; `None` when a login may be tried.
    pub fn blocked(&self, login: &str, address: &str) -> Option<u64> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        Self::keys(login, address)
            .into_iter()
            .filter_map(|(key, limit)| {
                let times = map.get_mut(&key)?;
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > WINDOW)
                {
                    times.pop_front();
                }
                (times.len() >= limit).then(|| {
                    let oldest = *times.front()?;
                    Some((WINDOW - now.duration_since(oldest)).as_secs() / 60 + 1)
                })?
            })
            .max()
    }

    pub fn failed(&self, login: &str, address: &str) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for (key, _) in Self::keys(login, address) {
            map.entry(key).or_default().push_back(Instant::now());
        }
        // Bound memory under a flood of distinct logins.
        if map.len() > 100_000 {
            map.clear();
        }
    }

    pub fn succeeded(&self, login: &str) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("login:{}", login.trim().to_ascii_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_per_account_and_per_address() {
        let t = LoginThrottle::default();
        for _ in 0..PER_ACCOUNT {
            assert!(t.blocked("li", "1.1.1.1").is_none());
            t.failed("li", "1.1.1.1");
        }
        assert_eq!(
            t.blocked("LI", "2.2.2.2"),
            Some(15),
            "per account, whatever the address"
        );
        assert!(t.blocked("wang", "2.2.2.2").is_none());
        for i in 0..PER_ADDRESS {
            t.failed(&format!("user{i}"), "3.3.3.3");
        }
        assert!(
            t.blocked("someone", "3.3.3.3").is_some(),
            "per address, whatever the login"
        );
        t.succeeded("li");
        assert!(t.blocked("li", "1.1.1.1").is_none());
    }
}
