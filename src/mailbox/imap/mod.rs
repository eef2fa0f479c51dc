//! An IMAP account as the source (async-imap over tokio-rustls).
//!
//! - `connect`: TCP (`TCP_NODELAY`), TLS, LOGIN, ID: there is no session without a login.
//! - `session`: SELECT or EXAMINE (UIDVALIDITY, UIDNEXT), batched fetches, after-filing actions.
//! - `idle`: waiting for mail with IDLE or by polling.
//! - `backoff`, `uid_set`, `names`: pure helpers.
//!
//! Each operation takes the session out of the source and puts it back only when the
//! operation finished cleanly, so a failed or cancelled operation (a dropped future) can never
//! leave a half-read response on a connection that is used again: the next operation
//! reconnects. Every failure delays the next attempt (see `backoff`); a refused password
//! delays it by many minutes, so a wrong password never turns into a login storm.

mod backoff;
mod connect;
mod idle;
mod names;
mod session;
mod uid_set;

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_rustls::rustls::ClientConfig;

use self::backoff::Backoff;
use self::idle::WaitMode;
use self::session::{Access, SelectedSession};
use super::config::{AfterFiling, ImapConfig};
use super::{MailboxError, MailboxErrorKind, MailboxStatus, MessageKey, RawMessage, Wake};

pub use self::idle::IDLE_REISSUE;
pub use self::names::encode_mailbox_name;

/// Connecting, TLS, LOGIN, ID and SELECT together must finish within this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// Any other single operation (a fetch of one batch included) must finish within this.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// An IMAP mailbox being watched; see the module doc.
#[derive(Debug)]
pub struct ImapSource {
    config: ImapConfig,
    name: String,
    tls: Arc<ClientConfig>,
    session: Option<SelectedSession>,
    backoff: Backoff,
    /// No attempt before this instant (set by the last failure).
    not_before: Option<Instant>,
    logins: u64,
}

impl ImapSource {
    /// Checks the configuration and reads the CA file; does not connect yet.
    pub fn new(config: &ImapConfig) -> Result<ImapSource, MailboxError> {
        config.validate().map_err(|message| {
            MailboxError::new(MailboxErrorKind::Config, format!("[mailbox]: {message}"))
        })?;
        let tls = connect::tls_config(config.ca_file.as_deref())?;
        let name = format!(
            "imap://{}@{}:{}/{}",
            config.user.replace('@', "%40"),
            config.host,
            config.effective_port(),
            config.mailbox
        );
        Ok(ImapSource {
            config: config.clone(),
            name,
            tls,
            session: None,
            backoff: Backoff::default(),
            not_before: None,
            logins: 0,
        })
    }

    /// The name put in [`RawMessage::mailbox`].
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn configured_after_filing(&self) -> &AfterFiling {
        &self.config.after_filing
    }

    /// Successful logins so far (1 + reconnections).
    pub fn logins(&self) -> u64 {
        self.logins
    }

    /// When the next connection attempt may happen, if a failure is holding it back.
    pub fn retry_not_before(&self) -> Option<Instant> {
        self.not_before.filter(|instant| *instant > Instant::now())
    }

    /// UIDVALIDITY and UIDNEXT as of the current (or a new) SELECT.
    pub async fn status(&mut self) -> Result<MailboxStatus, MailboxError> {
        let selected = self.take_session().await?;
        let status = MailboxStatus {
            uid_validity: selected.uid_validity,
            uid_next: selected.uid_next,
        };
        self.put_back(selected, Ok(status))
    }

    /// Up to `batch_size` messages with a UID above `after` (all of them when `after` is of
    /// another UIDVALIDITY), ascending by UID.
    pub async fn fetch_new(&mut self, after: MessageKey) -> Result<Vec<RawMessage>, MailboxError> {
        let mut selected = self.take_session().await?;
        let after_uid = if after.uid_validity == selected.uid_validity {
            after.uid
        } else {
            0
        };
        let batch_size = self.config.batch_size.max(1) as usize;
        let fetching = selected.fetch_batch(after_uid, batch_size, &self.name);
        let result = with_timeout(OPERATION_TIMEOUT, "fetch", fetching).await;
        self.put_back(selected, result)
    }

    /// Waits up to `timeout` for new mail (IDLE, or polling every `poll_seconds`).
    pub async fn wait_for_change(&mut self, timeout: Duration) -> Result<Wake, MailboxError> {
        let selected = self.take_session().await?;
        let mode = if self.config.idle && selected.capabilities.idle {
            WaitMode::Idle
        } else {
            WaitMode::Poll(self.config.poll_interval())
        };
        let waiting = idle::wait_for_change(selected, mode, timeout);
        // The wait itself ends by `timeout`; the margin covers DONE and the searches around it.
        match with_timeout(timeout + OPERATION_TIMEOUT, "wait for mail", waiting).await {
            Ok((selected, wake)) => self.put_back(selected, Ok(wake)),
            Err(error) => Err(self.fail(error)),
        }
    }

    /// Applies `action` to filed messages with one command for the lot (`leave`: none at all).
    /// Keys of another UIDVALIDITY than the mailbox's now are refused (StaleUid), the others
    /// acted on.
    pub async fn after_filing_many(
        &mut self,
        keys: &[MessageKey],
        action: &AfterFiling,
    ) -> Result<(), MailboxError> {
        if matches!(action, AfterFiling::Leave) || keys.is_empty() {
            return Ok(());
        }
        let mut selected = self.take_session().await?;
        let (current, stale): (Vec<&MessageKey>, Vec<&MessageKey>) = keys
            .iter()
            .partition(|key| key.uid_validity == selected.uid_validity);
        let uids: Vec<u32> = current.iter().map(|key| key.uid).collect();
        let acting = selected.after_filing(&uids, action);
        let result = match with_timeout(OPERATION_TIMEOUT, "after filing", acting).await {
            Ok(()) => match stale.first() {
                Some(stale) => Err(MailboxError::new(
                    MailboxErrorKind::StaleUid,
                    format!(
                        "{}: UID {} is of UIDVALIDITY {}, the mailbox's is now {}",
                        self.name, stale.uid, stale.uid_validity, selected.uid_validity
                    ),
                )),
                None => Ok(()),
            },
            Err(error) => Err(error),
        };
        self.put_back(selected, result)
    }

    /// Logs out politely, if connected.
    pub async fn logout(&mut self) {
        if let Some(mut selected) = self.session.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), selected.session.logout()).await;
        }
    }

    /// Read-only unless filing flags or moves messages.
    fn access(&self) -> Access {
        match self.config.after_filing {
            AfterFiling::Leave => Access::ReadOnly,
            AfterFiling::Seen | AfterFiling::Move(_) => Access::ReadWrite,
        }
    }

    /// The selected session: the current one, or a new one once any back-off has passed.
    async fn take_session(&mut self) -> Result<SelectedSession, MailboxError> {
        if let Some(selected) = self.session.take() {
            return Ok(selected);
        }
        if let Some(not_before) = self.not_before {
            tokio::time::sleep_until(not_before).await;
        }
        let connecting = async {
            let session = connect::connect_and_login(&self.config, self.tls.clone()).await?;
            session::select(session, &self.config.mailbox, self.access()).await
        };
        match with_timeout(CONNECT_TIMEOUT, "connect", connecting).await {
            Ok(selected) => {
                self.logins += 1;
                tracing::info!(mailbox = %self.name, uid_validity = selected.uid_validity, uid_next = selected.uid_next, "IMAP session ready");
                Ok(selected)
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    /// Keeps the session after a clean answer (a NO from the server included); drops it when
    /// the connection can no longer be trusted. Every failure delays the next attempt.
    fn put_back<T>(
        &mut self,
        selected: SelectedSession,
        result: Result<T, MailboxError>,
    ) -> Result<T, MailboxError> {
        match result {
            Ok(value) => {
                self.session = Some(selected);
                self.backoff.reset();
                self.not_before = None;
                Ok(value)
            }
            Err(error) => {
                let connection_still_good = matches!(
                    error.kind,
                    MailboxErrorKind::Server
                        | MailboxErrorKind::StaleUid
                        | MailboxErrorKind::Unsupported
                );
                if connection_still_good {
                    self.session = Some(selected);
                }
                Err(self.fail(error))
            }
        }
    }

    fn fail(&mut self, error: MailboxError) -> MailboxError {
        let delay = self.backoff.next_delay(error.kind, rand::random::<f64>());
        self.not_before = Some(Instant::now() + delay);
        if backoff::needs_the_admin(error.kind) {
            tracing::error!(mailbox = %self.name, %error, retry_in_s = delay.as_secs(), "IMAP needs attention");
        } else {
            tracing::warn!(mailbox = %self.name, %error, retry_in_s = delay.as_secs(), "IMAP operation failed");
        }
        error
    }
}

async fn with_timeout<T>(
    limit: Duration,
    what: &str,
    operation: impl Future<Output = Result<T, MailboxError>>,
) -> Result<T, MailboxError> {
    match tokio::time::timeout(limit, operation).await {
        Ok(result) => result,
        Err(_) => Err(MailboxError::new(
            MailboxErrorKind::Network,
            format!("{what}: no answer within {}s", limit.as_secs()),
        )),
    }
}
