//! What the store hands back when asked: rows as plain Rust types, and the
//! filters for the staff listings.

use jiff::Timestamp;

use super::model::{
    AnswerKey, AnswerKind, AnswerState, ApplicationKey, AttachmentKey, AttachmentRole, ContentHash,
    MailboxKey, MessageKey, MessageStatus, VersionKey,
};
use crate::verdict::{Deficiency, Status};

/// Settings every backend takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Receipt numbers are `{prefix}{call id}-{sequence:04}`, e.g. `CZKX2020-0001`.
    pub receipt_prefix: String,
    /// How many times a message is processed before it is left failed for staff.
    pub max_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub key: MessageKey,
    pub sha256: ContentHash,
    pub size: u64,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub subject: String,
    pub received_at: Timestamp,
    pub status: MessageStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// The verdict once filed.
    pub verdict: Option<Status>,
    /// Its processing was interrupted (the daemon died with it in hand): it is
    /// retried in a batch of its own, so a crash can be blamed on it alone.
    pub retry_alone: bool,
    /// Every place it was seen, first one first.
    pub locations: Vec<MailboxKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub key: AttachmentKey,
    pub message: MessageKey,
    pub filename: Option<String>,
    pub content_type: String,
    pub sha256: ContentHash,
    pub size: u64,
    pub role: AttachmentRole,
}

/// An application with its current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    pub key: ApplicationKey,
    pub call_id: String,
    pub society: String,
    pub category: String,
    pub project_key: String,
    /// Allocated with the first version; the same for every later version.
    pub receipt: String,
    pub n_versions: u32,
    pub current: VersionRecord,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub key: VersionKey,
    pub application: ApplicationKey,
    pub number: u32,
    pub message: MessageKey,
    pub attachment: Option<AttachmentKey>,
    pub sheet: String,
    pub fields_json: String,
    pub status: Status,
    pub fingerprint: String,
    pub received_at: Timestamp,
    pub filed_at: Timestamp,
    pub deficiencies: Vec<Deficiency>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub key: AnswerKey,
    pub kind: AnswerKind,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The whole message, text and HTML parts included: the one copy kept. Empty for
    /// an answer suppressed before it could be composed (no usable address).
    pub rfc5322: Vec<u8>,
    /// The message it answers, if any (a digest answers none).
    pub regarding: Option<MessageKey>,
    pub applications: Vec<ApplicationKey>,
    pub state: AnswerState,
    pub attempts: u32,
    pub queued_at: Timestamp,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub suppressed_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailure {
    pub application: ApplicationKey,
    pub answer: AnswerKey,
    pub report: Option<MessageKey>,
    pub detail: String,
    pub at: Timestamp,
}

/// What the mailbox edge last recorded for one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxState {
    pub uid_validity: u32,
    pub highest_uid: u32,
}

/// What `recover_interrupted` found left over from a previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recovered {
    /// Messages left `claimed` with others: now `failed`, no attempt counted,
    /// to be retried one at a time.
    pub messages_requeued: usize,
    /// A message left `claimed` alone: now `failed` with one more attempt counted.
    pub messages_charged: usize,
    /// Answers left `sending`: queued again.
    pub answers: usize,
}

/// Applications to list; `None` matches anything.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub call_id: Option<String>,
    pub society: Option<String>,
    pub category: Option<String>,
    /// Status of the current version.
    pub status: Option<Status>,
}

/// Answers to list; `None` matches anything.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub state: Option<AnswerState>,
    pub kind: Option<AnswerKind>,
    pub to: Option<String>,
    /// Answers about this application.
    pub application: Option<ApplicationKey>,
}

/// How many applications of one category have a current version of one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCount {
    pub category: String,
    pub status: Status,
    pub n_applications: u32,
}

/// How one poll of a mailbox went, as the daemon reports it to [`Store::record_poll`](super::Store::record_poll).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    Succeeded,
    Failed {
        error: String,
        /// The server refused our login (a changed password or 163 authorization code).
        authentication: bool,
    },
}

/// What staff see of a mailbox's polling; failures count since the last success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxHealth {
    pub mailbox: String,
    pub last_success_at: Option<Timestamp>,
    pub last_failure_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub failures_since_success: u32,
    pub auth_failures_since_success: u32,
}

/// A scheduled digest slot: the instant it is for, and what kind of slot it is
/// (free text for the store, e.g. `daily`, `after_deadline`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSlot {
    pub at: Timestamp,
    pub kind: String,
}

/// One digest queued: for a slot, or on demand (`slot` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecord {
    pub queued_at: Timestamp,
    pub slot: Option<DigestSlot>,
    /// Its outbox entries, one per staff address.
    pub answers: Vec<AnswerKey>,
}
