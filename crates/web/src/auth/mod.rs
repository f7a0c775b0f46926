//! Authentication: who is asking. Authorisation (may they?) is `bangfu_domain::policy`.

pub mod client;
pub mod login;
pub mod password;
pub mod session;
pub mod throttle;

pub use session::{Actor, MaybeActor};
