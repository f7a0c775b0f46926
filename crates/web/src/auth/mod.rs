//! Authentication: who is asking. Authorisation (may they?) is `bangfu_domain::policy`.

pub mod client;
pub mod login;
/// Password hashing lives with the use cases (the CLI sets passwords too).
pub use bangfu_app::password;
pub mod session;

pub use session::{Actor, MaybeActor};
