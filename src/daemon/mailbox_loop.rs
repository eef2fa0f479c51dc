//! The mailbox loop: fetch a batch, take it in, settle it in the mailbox,
//! record how far the mailbox is filed; when nothing is new, wait for mail.
//! Batches go through in a pipeline (`batches.rs`, `stages.rs`): one is
//! filed while the next is checked, the one after claimed and another fetched.
//!
//! Where the loop stands is the store's mailbox state (UIDVALIDITY, highest
//! UID filed), written after each batch, never the mailbox's flags. A failed
//! mailbox operation is retried after a pause; a stuck one is abandoned by
//! the [`Watchdog`] and the source opened afresh.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

mod batches;
mod stages;

use self::batches::finish;
use super::intake::{self, Incoming, Outcome, StoreCell};
use super::sender::blocking;
use super::staff_duties::StaffDuties;
use super::summary::Summary;
use super::watchdog::{Backoff, Watchdog};
use super::{DaemonError, Mode, Pipeline};
use crate::config::settings::DaemonSettings;
use crate::mailbox::{MailboxConfig, MailboxError, MailboxErrorKind, MessageKey, Source};
use crate::store::{MailboxKey, MessageRecord, StoreError};

/// Consecutive failures after which `--once` gives up.
const ONCE_MAX_FAILURES: u32 = 3;
/// Failed messages retried from the store per batch.
const RETRY_BATCH: usize = 20;

/// Why a round of fetching ended early.
enum Interrupted {
    Stopped,
    Mailbox(MailboxError),
    Store(StoreError),
    Stalled,
}

pub(super) struct MailboxLoop<'a> {
    config: MailboxConfig,
    pipeline: Arc<Pipeline>,
    store: Arc<StoreCell>,
    watchdog: Watchdog,
    wait: Duration,
    wake_sender: &'a Notify,
    duties: StaffDuties,
    /// Up to where the mailbox is filed, once read from the store.
    cursor: Option<MessageKey>,
    pub summary: Summary,
}

impl<'a> MailboxLoop<'a> {
    pub fn new(
        config: MailboxConfig,
        pipeline: Arc<Pipeline>,
        store: Arc<StoreCell>,
        settings: &DaemonSettings,
        wake_sender: &'a Notify,
        duties: StaffDuties,
    ) -> MailboxLoop<'a> {
        MailboxLoop {
            config,
            pipeline,
            store,
            watchdog: Watchdog::new(settings.watchdog),
            wait: settings.wait,
            wake_sender,
            duties,
            cursor: None,
            summary: Summary::default(),
        }
    }

    /// Takes in again the messages whose processing failed before, from their stored bytes.
    ///
    /// Those the daemon died with in hand go one at a time: with nothing else in
    /// hand, a crash is charged to the message that caused it (see
    /// [`crate::store::Store::recover_interrupted`]). The others go in batches.
    pub async fn retry_failed(&mut self) -> Result<(), StoreError> {
        let records = blocking(&self.store, |store| store.retryable_messages()).await?;
        if records.is_empty() {
            return Ok(());
        }
        let (alone, together): (Vec<MessageRecord>, Vec<MessageRecord>) =
            records.into_iter().partition(|record| record.retry_alone);
        tracing::info!(
            n_alone = alone.len(),
            n_together = together.len(),
            "retrying messages whose processing failed before; those interrupted one at a time"
        );
        for record in alone {
            self.retry(vec![record]).await?;
        }
        for chunk in together.chunks(RETRY_BATCH) {
            self.retry(chunk.to_vec()).await?;
        }
        Ok(())
    }

    /// Takes in one batch of failed messages, read back from the store.
    async fn retry(&mut self, records: Vec<MessageRecord>) -> Result<(), StoreError> {
        let batch = blocking(&self.store, move |store| {
            records
                .into_iter()
                .map(|record| {
                    let raw = store.read_raw(&record.sha256)?;
                    let location = record.locations.first().cloned().unwrap_or(MailboxKey {
                        mailbox: "store".to_string(),
                        uid_validity: 0,
                        uid: u32::try_from(record.key.0).unwrap_or(0),
                    });
                    Ok(Incoming {
                        location,
                        internal_date: Some(record.received_at),
                        raw,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await?;
        self.take_in(batch).await?;
        Ok(())
    }

    /// Runs the loop: in `Once` mode until the mailbox has nothing new, else until `stop`.
    pub async fn run(
        &mut self,
        mode: Mode,
        mut stop: watch::Receiver<bool>,
    ) -> Result<(), DaemonError> {
        let mut source: Option<Source> = None;
        let mut backoff = Backoff::default();
        let result = loop {
            if *stop.borrow() {
                break Ok(());
            }
            let interrupted = match &mut source {
                Some(open) => {
                    let fetched = self.fetch_all(open, &mut stop).await;
                    self.after_round(open.name(), &fetched).await;
                    match fetched {
                        Ok(()) if mode == Mode::Once => break Ok(()),
                        Ok(()) => self.wait_for_mail(open, &mut stop).await.err(),
                        Err(interrupted) => Some(interrupted),
                    }
                }
                None => match Source::open(&self.config).await {
                    Ok(opened) => {
                        self.cursor = None;
                        source = Some(opened);
                        continue;
                    }
                    Err(error) => Some(Interrupted::Mailbox(error)),
                },
            };
            let Some(interrupted) = interrupted else {
                backoff.reset();
                continue;
            };
            let (kind, error, source_waits) = match interrupted {
                Interrupted::Stopped => break Ok(()),
                Interrupted::Stalled => {
                    tracing::error!(
                        limit_s = self.watchdog.limit().as_secs(),
                        "no mailbox cycle completed within the watchdog's limit: reconnecting"
                    );
                    logout(source.take()).await;
                    self.watchdog.beat();
                    continue;
                }
                // An IMAP source holds itself back after a failure of its own; a Maildir does not.
                Interrupted::Mailbox(error) => (
                    error.kind,
                    DaemonError::Mailbox(error),
                    matches!(source, Some(Source::Imap(_))),
                ),
                Interrupted::Store(error) => {
                    (MailboxErrorKind::Io, DaemonError::Store(error), false)
                }
            };
            let delay = backoff.next_delay(kind);
            if mode == Mode::Once && backoff.consecutive_failures() >= ONCE_MAX_FAILURES
                || kind == MailboxErrorKind::Config
            {
                break Err(error);
            }
            if source_waits {
                tracing::warn!(%error, "mailbox round failed; the IMAP source retries after its back-off");
            } else {
                tracing::warn!(%error, retry_in_s = delay.as_secs(), "mailbox round failed");
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = stop.wait_for(|stopped| *stopped) => break Ok(()),
                }
            }
        };
        logout(source).await;
        result
    }

    /// Reports the round to the store and queues the staff digest if it is due.
    async fn after_round(&self, mailbox: &str, fetched: &Result<(), Interrupted>) {
        match fetched {
            Ok(()) => self.duties.record_poll(mailbox, None).await,
            Err(Interrupted::Mailbox(error)) => self.duties.record_poll(mailbox, Some(error)).await,
            Err(_) => {}
        }
        if self.duties.queue_digest_if_due().await {
            self.wake_sender.notify_one();
        }
    }

    /// Waits for new mail, at most the configured time.
    async fn wait_for_mail(
        &mut self,
        source: &mut Source,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), Interrupted> {
        tokio::select! {
            waited = source.wait_for_change(self.wait) => {
                waited.map_err(Interrupted::Mailbox)?;
                self.watchdog.beat();
                Ok(())
            }
            () = self.watchdog.tripped() => Err(Interrupted::Stalled),
            _ = stop.wait_for(|stopped| *stopped) => Err(Interrupted::Stopped),
        }
    }

    /// Files a batch on a blocking thread and tells the sender.
    async fn take_in(&mut self, batch: Vec<Incoming>) -> Result<Vec<Outcome>, StoreError> {
        let taking_in =
            self.start(move |pipeline, store| intake::process_batch(pipeline, store, batch));
        let outcomes = finish(taking_in).await?;
        self.count(&outcomes);
        Ok(outcomes)
    }

    /// Counts what became of a batch and tells the sender when there are answers.
    fn count(&mut self, outcomes: &[Outcome]) {
        self.summary.count(outcomes);
        if outcomes.iter().any(|o| matches!(o, Outcome::Filed { .. })) {
            self.wake_sender.notify_one();
        }
    }

    /// The last filed position in this source, from the store on first use.
    async fn cursor(&mut self, source: &Source) -> Result<MessageKey, StoreError> {
        if let Some(cursor) = self.cursor {
            return Ok(cursor);
        }
        let name = source.name().to_string();
        let state = blocking(&self.store, move |store| store.mailbox_state(&name)).await?;
        let cursor = state.map_or(MessageKey::START, |state| MessageKey {
            uid_validity: state.uid_validity,
            uid: state.highest_uid,
        });
        self.cursor = Some(cursor);
        Ok(cursor)
    }
}

/// Ends an IMAP session politely (a Maildir has none).
async fn logout(source: Option<Source>) {
    if let Some(Source::Imap(mut imap)) = source {
        imap.logout().await;
    }
}
