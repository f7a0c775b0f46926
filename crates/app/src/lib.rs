//! The use cases of bangfu — reporting, the funds ledger, spreadsheets, oversight,
//! reconciliation — as functions over the store, the plan and an acting user, returning domain
//! results and [`AppError`]. The web pages, the JSON API and the command line all call these;
//! none of them holds a rule or a query of its own.

pub mod coordination;
pub mod error;
pub mod ledger;
pub mod notify;
pub mod oversight;
pub mod password;
pub mod reconciliation;
pub mod registries;
pub mod registry_reconciliation;
pub mod reporting;
pub mod sheets;
pub mod written_report;

pub use error::AppError;

use bangfu_domain::policy::{self, Action, Subject};
use bangfu_domain::Plan;
use bangfu_store::{Store, User};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// China Standard Time (UTC+8), where the deadlines fall and dates are shown.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Where "now" comes from: the system clock, a fixed instant, or (in tests) an instant that can be
/// moved while the server runs, shared by every clone of the state.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A clock standing at `at` until [`Clock::set`] or [`Clock::advance`] moves it.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
            Clock::Manual(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Moves a manual clock to `at`; any other clock becomes fixed there.
    pub fn set(&mut self, at: DateTime<Utc>) {
        match self {
            Clock::Manual(t) => *t.lock().unwrap_or_else(|p| p.into_inner()) = at,
            other => *other = Clock::Fixed(at),
        }
    }

    pub fn advance(&mut self, by: chrono::Duration) {
        let at = self.now() + by;
        self.set(at);
    }

    /// Today's date in China Standard Time (UTC+8), where the deadlines fall.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&beijing()).date_naive()
    }
}

/// A moment as shown to people: Beijing time to the minute.
pub fn beijing_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// What the use cases work with: the storage, the plan as loaded at start, the clock, and the
/// spreadsheets uploaded and waiting for confirmation.
#[derive(Clone)]
pub struct Context {
    pub store: Arc<dyn Store>,
    pub plan: Arc<Plan>,
    pub clock: Clock,
    /// How notifications leave (mail server, site address for links, retries).
    pub notify: Arc<notify::Settings>,
}

impl Context {
    pub fn new(store: Arc<dyn Store>, plan: Arc<Plan>) -> Self {
        Context {
            store,
            plan,
            clock: Clock::System,
            notify: Arc::new(notify::Settings::default()),
        }
    }
}

/// Who is acting and from where, as the use cases and the policy see them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub address: String,
}

impl Actor {
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            login: &self.user.login,
            role: self.user.role,
            unit: self.user.unit_code.as_deref(),
        }
    }

    pub fn may(&self, action: Action<'_>) -> bool {
        policy::allows(Some(self.subject()), action)
    }

    pub fn require(&self, action: Action<'_>) -> Result<(), AppError> {
        if self.may(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn login(&self) -> &str {
        &self.user.login
    }
}

/// `bytes` random bytes from the OS, as hex: session ids, tokens, upload keys.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 as hex: what is stored of a secret.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
