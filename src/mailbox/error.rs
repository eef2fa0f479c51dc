//! The one error type of the mailbox edge, with a kind the daemon can count and branch on.

use std::fmt;

/// What went wrong, coarsely: enough for the daemon to count failures and tell the admin
/// what to fix (a password, a CA file) apart from what fixes itself (the network).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MailboxErrorKind {
    /// The server refused the user name / password (or 163 authorization code).
    /// Retried only after a long back-off: a tight loop would get the account locked.
    Authentication,
    /// The password could not be read (environment variable unset, file unreadable).
    Credentials,
    /// TLS failed: certificate not trusted, name mismatch, handshake error, bad CA file.
    Tls,
    /// Connecting, reading or writing failed, or the connection was lost or timed out.
    Network,
    /// The server answered NO or BAD to a command, or something it should not have.
    Server,
    /// The server lacks what the configuration asks for (e.g. moving without MOVE or UIDPLUS).
    Unsupported,
    /// The message to act on belongs to an older UIDVALIDITY: acting on its UID could touch
    /// another message, so nothing was done.
    StaleUid,
    /// Local file system trouble (Maildir).
    Io,
    /// The mailbox settings cannot work (missing password source, unusable folder name).
    Config,
}

/// A failure of a mailbox source; the message says where (host, folder, UID, path).
#[derive(Debug)]
pub struct MailboxError {
    pub kind: MailboxErrorKind,
    pub message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl MailboxError {
    pub fn new(kind: MailboxErrorKind, message: impl Into<String>) -> MailboxError {
        MailboxError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub fn with_source(
        kind: MailboxErrorKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> MailboxError {
        MailboxError {
            kind,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    pub fn is_authentication(&self) -> bool {
        self.kind == MailboxErrorKind::Authentication
    }
}

impl fmt::Display for MailboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MailboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}
