//! Authentication helpers shared by the web application and the command line.

pub mod password;
