//! Helpers shared by integration tests.

pub mod imap_source;
pub mod mail_servers;
pub mod workbooks;
