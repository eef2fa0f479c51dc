//! The batches of one round, pipelined: a batch is claimed, then checked while
//! the batch before is filed and the batch after is fetched; then the batch
//! before is settled in the mailbox and recorded in the store. See
//! [`MailboxLoop::fetch_all`].

use std::sync::Arc;

use tokio::sync::watch;

use super::{Interrupted, MailboxLoop};
use crate::daemon::Pipeline;
use crate::daemon::intake::{self, CheckedBatch, Incoming, Outcome, StoreCell};
use crate::daemon::sender::blocking;
use crate::mailbox::{MessageKey, RawMessage, Source};
use crate::store::{MailboxState, StoreError};

/// A batch being filed on a blocking thread, and its last message.
struct Filing {
    filing: tokio::task::JoinHandle<Result<Vec<Outcome>, StoreError>>,
    last: MessageKey,
}

/// The result of an intake step run by [`MailboxLoop::start`].
pub(super) async fn finish<T>(
    step: tokio::task::JoinHandle<Result<T, StoreError>>,
) -> Result<T, StoreError> {
    step.await
        .map_err(|error| StoreError::Invalid(format!("the intake panicked: {error}")))?
}

impl MailboxLoop<'_> {
    /// Fetches and takes in batches until the mailbox has nothing new.
    ///
    /// Three batches are in hand at once: once a batch is claimed, it is checked while the
    /// one before is filed (one store transaction) and the one after is fetched. Batches are
    /// still claimed, filed, settled in the mailbox and recorded in the store in order. Work
    /// once begun is finished before an error is returned: a claimed batch is always filed.
    /// When the mailbox fails or stalls, the batches in hand are filed but not settled nor
    /// recorded: the next round fetches them again, finds them known and settles them then.
    pub(super) async fn fetch_all(
        &mut self,
        source: &mut Source,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), Interrupted> {
        let cursor = self.cursor(source).await.map_err(Interrupted::Store)?;
        let mut fetched = self.fetch_batch(source, cursor, stop).await?;
        let mut checked: Option<(CheckedBatch, MessageKey)> = None;
        loop {
            let Some(last) = fetched.iter().map(|m| m.key()).max_by_key(|k| k.uid) else {
                return self.file_and_settle(source, checked, true).await;
            };
            let batch: Vec<Incoming> = fetched.into_iter().map(Incoming::from).collect();
            // Claimed before the batch before is filed: the claims do not wait for that
            // transaction, and the checks need the store only for replies.
            let claimed = finish(
                self.start(move |pipeline, store| intake::claim_batch(pipeline, store, batch)),
            )
            .await;
            let filing = checked
                .take()
                .map(|(checked, last)| self.start_filing(checked, last));
            let claimed = match claimed {
                Ok(claimed) => claimed,
                Err(error) => {
                    self.complete(source, filing, true).await?;
                    return Err(Interrupted::Store(error));
                }
            };
            // Not raced against `stop`: the batches in hand are filed to the end.
            let checking =
                self.start(move |pipeline, store| intake::check_batch(pipeline, store, claimed));
            let next = self.fetch_batch(source, last, stop).await;
            let mailbox_ok = !matches!(next, Err(Interrupted::Mailbox(_) | Interrupted::Stalled));
            let previous = self.complete(source, filing, mailbox_ok).await;
            let this = finish(checking).await.map_err(Interrupted::Store)?;
            checked = Some((this, last));
            if let Err(error) = previous {
                let _ = self.file_and_settle(source, checked, false).await;
                return Err(error);
            }
            fetched = match next {
                Ok(batch) if !*stop.borrow() => batch,
                Ok(_) => {
                    self.file_and_settle(source, checked, true).await?;
                    return Err(Interrupted::Stopped);
                }
                Err(error) => {
                    self.file_and_settle(source, checked, mailbox_ok).await?;
                    return Err(error);
                }
            };
        }
    }

    /// Starts filing a checked batch on a blocking thread.
    fn start_filing(&self, checked: CheckedBatch, last: MessageKey) -> Filing {
        Filing {
            filing: self.start(move |pipeline, store| intake::file_batch(pipeline, store, checked)),
            last,
        }
    }

    /// Files a checked batch, if any, and settles it unless `settle` is false.
    async fn file_and_settle(
        &mut self,
        source: &mut Source,
        checked: Option<(CheckedBatch, MessageKey)>,
        settle: bool,
    ) -> Result<(), Interrupted> {
        let filing = checked.map(|(checked, last)| self.start_filing(checked, last));
        self.complete(source, filing, settle).await
    }

    /// Runs a step of the intake on a blocking thread.
    pub(super) fn start<T: Send + 'static>(
        &self,
        step: impl FnOnce(&Pipeline, &StoreCell) -> Result<T, StoreError> + Send + 'static,
    ) -> tokio::task::JoinHandle<Result<T, StoreError>> {
        let pipeline = Arc::clone(&self.pipeline);
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || step(&pipeline, &store))
    }

    /// Waits for a batch being filed, counts it, and settles it unless `settle` is false.
    async fn complete(
        &mut self,
        source: &mut Source,
        filing: Option<Filing>,
        settle: bool,
    ) -> Result<(), Interrupted> {
        let Some(Filing { filing, last }) = filing else {
            return Ok(());
        };
        let outcomes = finish(filing).await.map_err(Interrupted::Store)?;
        self.count(&outcomes);
        if settle {
            self.settle(source, &outcomes, last).await?;
        }
        Ok(())
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
}
