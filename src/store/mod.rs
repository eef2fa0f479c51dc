//! Where shenbao files everything: messages, attachments, applications and
//! their versions, deficiencies, the outbox of answers, mailbox state and
//! delivery failures. [`Store`] is the interface; [`SqliteStore`] the one
//! implementation. This module is the only place with SQL.
//!
//! It depends on the core's verdict types ([`crate::verdict`]) and message
//! parser ([`crate::message`], to take an attachment out of its message), and
//! on nothing of the mailbox, the transport or the daemon. The trait holds plain Rust
//! types only, so a PostgreSQL store can follow without touching the pipeline.
//!
//! # Exactly once
//!
//! A message is known by where it was seen (mailbox, UIDVALIDITY, UID) and by
//! what it is (Message-ID + SHA-256 of its bytes). [`Store::claim`] inserts it
//! atomically ([`Store::claim_many`] a whole batch in one transaction); the same content under another UID is [`Claim::Known`] (the new
//! location is recorded), so it is filed and answered once. [`Store::file`]
//! marks it filed, files what the pipeline found and queues the answers in one
//! transaction: either all of it happened or none of it did. The hash is of
//! the bytes as fetched, so a copy whose transport headers differ is another
//! message; the application's versions keep that from doing harm beyond a
//! second answer.
//!
//! # Answers need receipts: the render closure
//!
//! A confirmation quotes the receipt number, which exists only once the
//! application is inserted. Rather than filing in two steps (and having to
//! undo the first), `file` takes a render closure: inside the transaction it
//! allocates the receipts, calls `render(&filing, &filed)` and queues what it
//! returns. The closure only renders text; if it fails, the transaction rolls
//! back and nothing was filed. `file_many` files a whole batch first and then
//! makes one call for all of it (`RenderMany`), so that the caller may render
//! on several threads while the transaction waits.
//!
//! # Receipts and versions
//!
//! An application is (call, society, category, project key). Its receipt
//! number (`{prefix}{call}-{n:04}`, a per-call sequence allocated in the filing
//! transaction) belongs to the application, not to a version: a later sheet for
//! the same application becomes version 2, 3, … under the same receipt, with
//! the history kept. The current version is the latest *received*, so a retried
//! older message filed late does not displace a newer one.
//!
//! Evidence sent later, in a reply to one of our notices, is filed like any
//! message: [`Filing::evidence_for`] names the applications (found with
//! [`Store::applications_by_notice_message_id`]) its evidence attachments are
//! linked to, so the link, the message and the answer commit together.
//!
//! # The outbox
//!
//! The sender writes `sending` before SMTP DATA starts and `sent` after the
//! server accepts. At startup [`Store::recover_interrupted`] queues answers
//! found `sending` again: one may go out twice only if the crash fell inside
//! DATA. A suppressed answer (auto-reply, rate limit) is kept with its reason.
//!
//! Times are passed in (the store reads no clock) and kept to the second.

mod blobs;
mod error;
mod filing;
mod model;
mod records;
mod sqlite;

pub use error::{StoreError, StoreResult};
pub use filing::{
    Bounce, Claim, EvidenceLink, Filed, FiledApplication, FiledPairs, Filing, HashedBytes,
    IncomingMessage, NewApplication, NewAttachment, OutgoingAnswer, Render, RenderError,
    RenderMany, attachment_bytes, render_each,
};
pub use model::{
    AnswerKey, AnswerKind, AnswerState, ApplicationKey, AttachmentKey, AttachmentRole, ContentHash,
    MailboxKey, MessageKey, MessageStatus, VersionKey,
};
pub use records::{
    ApplicationFilter, ApplicationRecord, AttachmentRecord, CategoryCount, DeliveryFailure,
    DigestRecord, DigestSlot, MailboxHealth, MailboxState, MessageRecord, OutboxEntry,
    OutboxFilter, PollOutcome, Recovered, StoreOptions, VersionRecord,
};
pub use sqlite::SqliteStore;

use jiff::Timestamp;

/// The store as the pipeline, the sender and staff tools see it.
///
/// Synchronous: the daemon calls it from a blocking thread. Writes take
/// `&mut self`; share one store between tasks behind a mutex.
pub trait Store: Send {
    // --- messages ---

    /// Keeps the raw bytes and claims the message for processing (see [`Claim`]).
    fn claim(&mut self, message: &IncomingMessage<'_>, now: Timestamp) -> StoreResult<Claim>;

    /// Claims a batch, one [`Claim`] per message in order, as if each were
    /// claimed in turn: the same content twice is `New` once, then `Known`.
    /// A backend should do it in one transaction (the SQLite store does: all
    /// or none); this default claims one message after the other.
    fn claim_many(
        &mut self,
        messages: &[IncomingMessage<'_>],
        now: Timestamp,
    ) -> StoreResult<Vec<Claim>> {
        messages
            .iter()
            .map(|message| self.claim(message, now))
            .collect()
    }

    /// Records that processing a claimed message failed; returns the attempts so far.
    /// Once they reach `max_attempts` the message stays failed, for staff.
    fn fail(&mut self, message: MessageKey, error: &str) -> StoreResult<u32>;

    /// At startup, before any worker runs: messages left `claimed` are failed again
    /// and marked `retry_alone`. A message that was alone in hand counts one failed
    /// attempt (so a message that kills the daemon is not retried forever); when
    /// several were, none counts one, since a crash cannot be blamed on any of
    /// them until each is retried alone. Answers left `sending` are queued again.
    fn recover_interrupted(&mut self) -> StoreResult<Recovered>;

    /// Every message, oldest first.
    fn messages(&self) -> StoreResult<Vec<MessageRecord>>;

    /// Failed messages with attempts left: claim them again (from [`Store::read_raw`]).
    /// One marked [`MessageRecord::retry_alone`] is to be claimed in a batch of its own.
    fn retryable_messages(&self) -> StoreResult<Vec<MessageRecord>>;

    /// Failed messages with no attempts left: for staff.
    fn failed_messages(&self) -> StoreResult<Vec<MessageRecord>>;

    fn attachments(&self, message: MessageKey) -> StoreResult<Vec<AttachmentRecord>>;

    /// The raw bytes of a message.
    fn read_raw(&self, sha256: &ContentHash) -> StoreResult<Vec<u8>>;

    /// The bytes of an attachment, hash-checked: taken out of its message's raw bytes
    /// ([`attachment_bytes`]), or read where a store of before kept a copy.
    fn read_attachment(&self, attachment: &AttachmentRecord) -> StoreResult<Vec<u8>>;

    // --- mailbox state ---

    fn mailbox_state(&self, mailbox: &str) -> StoreResult<Option<MailboxState>>;

    /// Under the same UIDVALIDITY the highest UID only grows; a new UIDVALIDITY
    /// replaces the state.
    fn record_mailbox_state(&mut self, mailbox: &str, state: MailboxState) -> StoreResult<()>;

    // --- filing ---

    /// Files one claimed message and queues its answers, in one transaction.
    fn file(&mut self, filing: &Filing, render: Render<'_>) -> StoreResult<Filed> {
        let mut filed = self.file_many(std::slice::from_ref(filing), &render_each(render))?;
        filed
            .pop()
            .ok_or_else(|| StoreError::Invalid("filing one message returned nothing".to_string()))
    }

    /// Files several messages in one transaction: all or none. On an error the
    /// caller may file them one by one to find the culprit.
    fn file_many(&mut self, filings: &[Filing], render: RenderMany<'_>) -> StoreResult<Vec<Filed>>;

    // --- applications ---

    fn application_by_receipt(&self, receipt: &str) -> StoreResult<Option<ApplicationRecord>>;

    /// The applications an answer we sent is about, found by its Message-ID
    /// (a reply's `In-Reply-To`).
    fn applications_by_notice_message_id(
        &self,
        message_id: &str,
    ) -> StoreResult<Vec<ApplicationRecord>>;

    /// Applications with their current version, by receipt.
    fn applications(&self, filter: &ApplicationFilter) -> StoreResult<Vec<ApplicationRecord>>;

    /// Every version, first one first.
    fn application_versions(&self, application: ApplicationKey) -> StoreResult<Vec<VersionRecord>>;

    /// Evidence for an application: evidence attachments of its current version's
    /// message and any sent later.
    fn evidence(&self, application: ApplicationKey) -> StoreResult<Vec<AttachmentRecord>>;

    /// Current versions per category and status, for one call.
    fn counts(&self, call_id: &str) -> StoreResult<Vec<CategoryCount>>;

    /// Records a bounce of one of our answers on the applications it was about;
    /// returns them (none when the Message-ID is not one of ours).
    fn record_delivery_failure(&mut self, bounce: &Bounce) -> StoreResult<Vec<ApplicationKey>>;

    fn delivery_failures(&self, application: ApplicationKey) -> StoreResult<Vec<DeliveryFailure>>;

    // --- outbox ---

    /// Queues an answer outside a filing (the staff digest).
    fn enqueue(
        &mut self,
        answer: &OutgoingAnswer,
        regarding: Option<MessageKey>,
        now: Timestamp,
    ) -> StoreResult<AnswerKey>;

    /// Queued answers whose time has come, earliest `next_attempt_at` first.
    fn due_answers(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<OutboxEntry>>;

    /// queued → sending; written before SMTP DATA starts. Counts an attempt.
    fn mark_sending(&mut self, answer: AnswerKey) -> StoreResult<()>;

    /// sending → sent.
    fn mark_sent(&mut self, answer: AnswerKey, at: Timestamp) -> StoreResult<()>;

    /// sending → queued, to be tried again at `next_at`.
    fn mark_retry(&mut self, answer: AnswerKey, next_at: Timestamp, error: &str)
    -> StoreResult<()>;

    /// sending → failed, for good.
    fn mark_failed(&mut self, answer: AnswerKey, error: &str) -> StoreResult<()>;

    /// Answers queued to each address since a time (suppressed ones not counted),
    /// in the order of `recipients`: the per-sender rate limit.
    fn answers_to_each(&self, recipients: &[&str], since: Timestamp) -> StoreResult<Vec<u32>>;

    fn outbox(&self, filter: &OutboxFilter) -> StoreResult<Vec<OutboxEntry>>;

    // --- staff digest ---

    /// Queues one digest's answers (one per staff address) and records the digest,
    /// in one transaction. For a scheduled `slot` already queued, by this process or
    /// another, queues nothing and returns `None`: one digest per slot.
    fn queue_digest(
        &mut self,
        slot: Option<&DigestSlot>,
        answers: &[OutgoingAnswer],
        now: Timestamp,
    ) -> StoreResult<Option<Vec<AnswerKey>>>;

    /// The latest digest queued, scheduled or on demand: "since the last digest".
    fn last_digest(&self) -> StoreResult<Option<DigestRecord>>;

    /// The latest scheduled slot a digest was queued for.
    fn last_digest_slot(&self) -> StoreResult<Option<DigestSlot>>;

    // --- mailbox health ---

    /// The daemon reports each poll; a success clears the failure counts.
    fn record_poll(
        &mut self,
        mailbox: &str,
        outcome: &PollOutcome,
        at: Timestamp,
    ) -> StoreResult<()>;

    /// Every mailbox polled so far, by name.
    fn mailbox_health(&self) -> StoreResult<Vec<MailboxHealth>>;
}
