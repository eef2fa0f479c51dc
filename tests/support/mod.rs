//! Helpers shared by integration tests. Each test crate uses only some of them,
//! hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod mail;
