//! The mailbox loop: fetch a batch, take it in, settle it in the mailbox,
//! record how far the mailbox is filed; when nothing is new, wait for mail.
//!
//! Where the loop stands is the store's mailbox state (UIDVALIDITY, highest
//! UID filed), written after each batch, never the mailbox's flags. A failed
//! mailbox operation is retried after a pause; a stuck one is abandoned by
//! the [`Watchdog`] and the source opened afresh.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::intake::{self, Incoming, Outcome, StoreCell};
use super::sender::blocking;
use super::staff_duties::StaffDuties;
use super::summary::Summary;
use super::watchdog::{Backoff, Watchdog};
use super::{DaemonError, Mode, Pipeline};
use crate::config::settings::DaemonSettings;
use crate::mailbox::{
    MailboxConfig, MailboxError, MailboxErrorKind, MessageKey, RawMessage, Source,
};
use crate::store::{MailboxKey, MailboxState, StoreError};

/// Consecutive failures after which `--once` gives up.
const ONCE_MAX_FAILURES: u32 = 3;
/// Failed messages retried from the store per batch.
const RETRY_BATCH: usize = 20;

/// A batch being filed on a blocking thread.
type TakingIn = tokio::task::JoinHandle<Result<Vec<Outcome>, StoreError>>;

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
    pub async fn retry_failed(&mut self) -> Result<(), StoreError> {
        let records = blocking(&self.store, |store| store.retryable_messages()).await?;
        if records.is_empty() {
            return Ok(());
        }
        tracing::info!(
            n_messages = records.len(),
            "retrying messages whose processing failed before"
        );
        for chunk in records.chunks(RETRY_BATCH) {
            let chunk = chunk.to_vec();
            let batch = blocking(&self.store, move |store| {
                chunk
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
        }
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

    /// Fetches and takes in batches until the mailbox has nothing new.
    ///
    /// The next batch is fetched while the one in hand is taken in (the mailbox has nothing
    /// else to do meanwhile); batches are still settled and recorded one after the other.
    /// When the mailbox fails or stalls during that fetch, the batch in hand is filed but
    /// neither settled nor recorded: the next round fetches it again, finds it known and
    /// settles it then.
    async fn fetch_all(
        &mut self,
        source: &mut Source,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), Interrupted> {
        let cursor = self.cursor(source).await.map_err(Interrupted::Store)?;
        let mut fetched = self.fetch_batch(source, cursor, stop).await?;
        loop {
            let Some(last) = fetched.iter().map(|m| m.key()).max_by_key(|k| k.uid) else {
                return Ok(());
            };
            let batch: Vec<Incoming> = fetched.into_iter().map(Incoming::from).collect();
            // Not raced against `stop`: the batch in hand is filed to the end.
            let taking_in = self.start_take_in(batch);
            let next = self.fetch_batch(source, last, stop).await;
            let outcomes = self
                .finish_take_in(taking_in)
                .await
                .map_err(Interrupted::Store)?;
            if matches!(next, Err(Interrupted::Mailbox(_) | Interrupted::Stalled)) {
                return next.map(|_| ());
            }
            self.settle(source, &outcomes, last).await?;
            fetched = next?;
            if *stop.borrow() {
                return Err(Interrupted::Stopped);
            }
        }
    }

    /// The next batch after `cursor`, unless the watchdog trips or `stop` comes first.
    async fn fetch_batch(
        &mut self,
        source: &mut Source,
        cursor: MessageKey,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<Vec<RawMessage>, Interrupted> {
        let batch = tokio::select! {
            fetched = source.fetch_new(cursor) => fetched.map_err(Interrupted::Mailbox)?,
            () = self.watchdog.tripped() => return Err(Interrupted::Stalled),
            _ = stop.wait_for(|stopped| *stopped) => return Err(Interrupted::Stopped),
        };
        self.watchdog.beat();
        Ok(batch)
    }

    /// After a batch is filed: the after-filing action on what is settled, then the store's
    /// record of how far the mailbox is filed.
    async fn settle(
        &mut self,
        source: &mut Source,
        outcomes: &[Outcome],
        last: MessageKey,
    ) -> Result<(), Interrupted> {
        let action = source.configured_after_filing().clone();
        let settled: Vec<MessageKey> = outcomes
            .iter()
            .filter(|outcome| outcome.is_settled())
            .map(|outcome| MessageKey {
                uid_validity: outcome.location().uid_validity,
                uid: outcome.location().uid,
            })
            .collect();
        if let Err(error) = source.after_filing_many(&settled, &action).await {
            tracing::warn!(n_messages = settled.len(), %error, "could not mark or move filed messages");
        }
        let name = source.name().to_string();
        let state = MailboxState {
            uid_validity: last.uid_validity,
            highest_uid: last.uid,
        };
        blocking(&self.store, move |store| {
            store.record_mailbox_state(&name, state)
        })
        .await
        .map_err(Interrupted::Store)?;
        self.cursor = Some(last);
        self.watchdog.beat();
        Ok(())
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
        let taking_in = self.start_take_in(batch);
        self.finish_take_in(taking_in).await
    }

    /// Starts filing a batch on a blocking thread; [`MailboxLoop::finish_take_in`] waits for it.
    fn start_take_in(&self, batch: Vec<Incoming>) -> TakingIn {
        let pipeline = Arc::clone(&self.pipeline);
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || intake::process_batch(&pipeline, &store, batch))
    }

    /// Counts what became of the batch and tells the sender.
    async fn finish_take_in(&mut self, taking_in: TakingIn) -> Result<Vec<Outcome>, StoreError> {
        let outcomes = taking_in
            .await
            .map_err(|error| StoreError::Invalid(format!("the intake panicked: {error}")))??;
        self.summary.count(&outcomes);
        if outcomes.iter().any(|o| matches!(o, Outcome::Filed { .. })) {
            self.wake_sender.notify_one();
        }
        Ok(outcomes)
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
