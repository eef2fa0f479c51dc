//! Helpers shared by integration tests.

pub mod mail_servers;
