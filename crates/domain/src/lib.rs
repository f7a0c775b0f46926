//! The pure domain of bangfu (帮扶协作管理系统).
//!
//! Everything here is plain data and rules: the plan model and its file format, reporting periods and
//! their deadlines, exact quantities. No IO, no clock: callers pass "today" in.

pub mod area_stats;
pub mod assessment;
pub mod date;
pub mod evidence;
pub mod ledger;
pub mod login_throttle;
pub mod notify;
pub mod notify_events;
pub mod period;
pub mod plan;
pub mod policy;
pub mod problem;
pub mod quantity;
pub mod registry;
pub mod report;
pub mod summary;
pub mod supervision;
pub mod user;

pub use period::{Period, PeriodCode};
pub use plan::Plan;
pub use quantity::Quantity;
