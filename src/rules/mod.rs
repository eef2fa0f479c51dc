//! The call's rules: a [`FormReading`] (and message facts) → deficiencies.
//!
//! Pure: no I/O, never reads the clock (the received time is passed in).
//! Every deficiency carries a Chinese message that tells a society secretary
//! the cell, the value read, and what is allowed.

pub mod message_level;

use jiff::Timestamp;

use crate::config::{Call, Roster};
use crate::form::FormReading;
use crate::verdict::{ApplicationVerdict, Deficiency};

/// What the rules need besides the reading itself.
#[derive(Debug, Clone, Copy)]
pub struct RuleSet<'a> {
    pub call: &'a Call,
    pub roster: &'a Roster,
}

/// Judges one application on its own (rules 1–4, 6, 7). `attachment` is the workbook's filename.
pub fn check_application(
    reading: &FormReading,
    attachment: Option<&str>,
    rules: RuleSet<'_>,
) -> ApplicationVerdict {
    let _ = (reading, attachment, rules);
    todo!("rules helper")
}

/// Rule 9 within one message: the same project name under two categories → `duplicate_application`.
pub fn check_duplicates(applications: &mut [ApplicationVerdict]) {
    let _ = applications;
    todo!("rules helper")
}

/// Rule 10: a `sender_unverified` warning when `sender` is not registered for the application's society.
pub fn check_sender(application: &mut ApplicationVerdict, sender: &str, rules: RuleSet<'_>) {
    let _ = (application, sender, rules);
    todo!("rules helper")
}

/// Rule 5: `late_submission` when received after the deadline.
pub fn check_deadline(received_at: Timestamp, rules: RuleSet<'_>) -> Option<Deficiency> {
    let _ = (received_at, rules);
    todo!("rules helper")
}
