//! Helpers shared by integration tests. Each test crate uses only some of them,
//! hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod daemon;
pub mod daemon_mail;
pub mod imap_source;
pub mod mail;
pub mod mail_servers;
pub mod maildir;
pub mod workbooks;
