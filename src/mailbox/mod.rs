//! Where messages come from: a local Maildir (the embedded default) or an IMAP account,
//! behind one small interface, [`Source`], so that nothing else in the daemon knows which.
//!
//! The daemon's loop:
//!
//! ```text
//! loop {
//!     for message in source.fetch_new(last_filed).await? { file it; source.after_filing(message.key(), action).await? }
//!     (repeat fetch_new until it returns nothing)
//!     source.wait_for_change(timeout).await?;
//! }
//! ```
//!
//! What was processed is known from the store's `(mailbox, uid_validity, uid)` keys, never from
//! `\Seen` or from where a file sits: staff read mail in the same account. This module yields
//! bytes and knows nothing of forms, workbooks or the store.
//!
//! `Source` is an enum rather than a trait: async trait methods are not object-safe without
//! boxing (or the async-trait crate), a generic daemon would spread a type parameter through
//! it, and the set of sources is closed. Tests use a Maildir in a temp dir as the fake.

pub mod config;
mod error;
pub mod imap;
pub mod maildir;

use std::time::Duration;

pub use self::config::{AfterFiling, ImapConfig, MailboxConfig, MaildirConfig, TlsMode};
pub use self::error::{MailboxError, MailboxErrorKind};
pub use self::imap::ImapSource;
pub use self::maildir::MaildirSource;

/// One message as it sits in the mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// The source's name: `maildir:/path` or `imap://user%40domain@host:port/INBOX`.
    pub mailbox: String,
    pub uid_validity: u32,
    pub uid: u32,
    /// When the server received it (IMAP INTERNALDATE; Maildir: the file's mtime).
    pub internal_date: Option<jiff::Timestamp>,
    /// The whole message, as stored.
    pub bytes: Vec<u8>,
}

impl RawMessage {
    pub fn key(&self) -> MessageKey {
        MessageKey {
            uid_validity: self.uid_validity,
            uid: self.uid,
        }
    }
}

/// A message's identity within one mailbox; also the cursor "everything up to here is filed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MessageKey {
    pub uid_validity: u32,
    pub uid: u32,
}

impl MessageKey {
    /// Before the first message: `fetch_new(MessageKey::START)` returns from the beginning.
    pub const START: MessageKey = MessageKey {
        uid_validity: 0,
        uid: 0,
    };
}

/// Why [`Source::wait_for_change`] returned. Either way the caller then calls `fetch_new`:
/// `TimedOut` means no change was seen, which a cheap fetch confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// New mail arrived (or may have: a spurious wake costs one search).
    Changed,
    TimedOut,
}

/// The mailbox's identity numbers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxStatus {
    pub uid_validity: u32,
    /// The UID the next new message will get (at least).
    pub uid_next: u32,
}

/// The mailbox the daemon reads; see the module doc.
#[derive(Debug)]
pub enum Source {
    Maildir(MaildirSource),
    /// Boxed: a live session (buffers, TLS state) makes it ~1.5 KB.
    Imap(Box<ImapSource>),
}

impl Source {
    /// Opens the configured source. A Maildir is scanned now; IMAP connects on first use.
    pub async fn open(config: &MailboxConfig) -> Result<Source, MailboxError> {
        match config {
            MailboxConfig::Maildir(maildir) => {
                Ok(Source::Maildir(MaildirSource::open(maildir).await?))
            }
            MailboxConfig::Imap(imap) => Ok(Source::Imap(Box::new(ImapSource::new(imap)?))),
        }
    }

    /// The name put in [`RawMessage::mailbox`].
    pub fn name(&self) -> &str {
        match self {
            Source::Maildir(source) => source.name(),
            Source::Imap(source) => source.name(),
        }
    }

    /// What the configuration says to do with a filed message.
    pub fn configured_after_filing(&self) -> &AfterFiling {
        match self {
            Source::Maildir(source) => source.configured_after_filing(),
            Source::Imap(source) => source.configured_after_filing(),
        }
    }

    pub async fn status(&mut self) -> Result<MailboxStatus, MailboxError> {
        match self {
            Source::Maildir(source) => Ok(MailboxStatus {
                uid_validity: source.uid_validity(),
                uid_next: source.uid_next(),
            }),
            Source::Imap(source) => source.status().await,
        }
    }

    /// Up to the configured batch size of messages after `after`, ascending by UID; all of the
    /// mailbox's messages when `after` is of another UIDVALIDITY. Empty when none is new.
    pub async fn fetch_new(&mut self, after: MessageKey) -> Result<Vec<RawMessage>, MailboxError> {
        match self {
            Source::Maildir(source) => source.fetch_new(after).await,
            Source::Imap(source) => source.fetch_new(after).await,
        }
    }

    /// Returns when new mail may have arrived, or after `timeout`.
    pub async fn wait_for_change(&mut self, timeout: Duration) -> Result<Wake, MailboxError> {
        match self {
            Source::Maildir(source) => source.wait_for_change(timeout).await,
            Source::Imap(source) => source.wait_for_change(timeout).await,
        }
    }

    /// Leaves, marks or moves a filed message. Idempotent: a message already gone is fine.
    pub async fn after_filing(
        &mut self,
        key: MessageKey,
        action: &AfterFiling,
    ) -> Result<(), MailboxError> {
        self.after_filing_many(std::slice::from_ref(&key), action)
            .await
    }

    /// [`Source::after_filing`] for a batch: one rename pass (Maildir) or one command per
    /// UIDVALIDITY (IMAP), not one per message.
    pub async fn after_filing_many(
        &mut self,
        keys: &[MessageKey],
        action: &AfterFiling,
    ) -> Result<(), MailboxError> {
        match self {
            Source::Maildir(source) => source.after_filing_many(keys, action).await,
            Source::Imap(source) => source.after_filing_many(keys, action).await,
        }
    }
}
