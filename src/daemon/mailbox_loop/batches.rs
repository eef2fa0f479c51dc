//! The batches of one round, pipelined: while a batch is fetched, the one
//! before is claimed, the one before that is checked, and another is filed
//! (`stages.rs`); filed batches are settled in the mailbox and recorded in
//! the store in the order they were fetched. See [`MailboxLoop::fetch_all`].

use std::sync::Arc;

use tokio::sync::watch;

use super::stages::{FiledBatch, Stages};
use super::{Interrupted, MailboxLoop};
use crate::daemon::Pipeline;
use crate::daemon::intake::{Incoming, Outcome, StoreCell};
use crate::mailbox::{MessageKey, RawMessage, Source};
use crate::store::{MailboxState, StoreError};

/// Batches submitted to the stages and not yet settled: one being filed, one
/// checked, one claimed or waiting. More would only hold more mail in memory.
const IN_FLIGHT: usize = 3;

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
    /// Up to [`IN_FLIGHT`] batches are in the stages at once, besides the one being
    /// fetched. Work once begun is finished before an error is returned: every batch
    /// submitted is claimed, checked and filed. Filed batches are settled in order, up to
    /// the first the store failed on. When the mailbox fails or stalls, the batches in hand
    /// are filed but not settled nor recorded: the next round fetches them again, finds
    /// them known and settles them then.
    pub(super) async fn fetch_all(
        &mut self,
        source: &mut Source,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), Interrupted> {
        let mut cursor = self.cursor(source).await.map_err(Interrupted::Store)?;
        let mut stages = Stages::start(Arc::clone(&self.pipeline), Arc::clone(&self.store));
        let mut in_flight = 0;
        let mut settling = Ok(());
        let ended = loop {
            while in_flight > 0 {
                let filed = if in_flight >= IN_FLIGHT {
                    stages.next().await
                } else if let Some(filed) = stages.try_next() {
                    filed
                } else {
                    break;
                };
                in_flight -= 1;
                settling = self
                    .settle_in_turn(source, &stages, filed, settling, true)
                    .await;
            }
            if settling.is_err() {
                break Ok(());
            }
            let fetched = match self.fetch_batch(source, cursor, stop).await {
                Ok(fetched) => fetched,
                Err(interrupted) => break Err(interrupted),
            };
            let Some(last) = fetched.iter().map(|m| m.key()).max_by_key(|k| k.uid) else {
                break Ok(());
            };
            let batch = fetched.into_iter().map(Incoming::from).collect();
            if let Err(error) = stages.submit(batch, last).await {
                break Err(Interrupted::Store(error));
            }
            in_flight += 1;
            cursor = last;
            if *stop.borrow() {
                break Err(Interrupted::Stopped);
            }
        };
        // The batches in hand are filed to the end, not raced against `stop`.
        let mailbox_ok = !matches!(ended, Err(Interrupted::Mailbox(_) | Interrupted::Stalled));
        stages.close();
        for _ in 0..in_flight {
            let filed = stages.next().await;
            settling = self
                .settle_in_turn(source, &stages, filed, settling, mailbox_ok)
                .await;
        }
        // The records queued last are written before the round is over.
        stages.finish().await;
        settling?;
        ended
    }

    /// Counts a filed batch and, while every batch before it was settled, settles
    /// it (unless `settle` is false). The first failure is kept: a batch after one
    /// the store failed on must not move the recorded position past it.
    async fn settle_in_turn(
        &mut self,
        source: &mut Source,
        stages: &Stages,
        filed: FiledBatch,
        before: Result<(), Interrupted>,
        settle: bool,
    ) -> Result<(), Interrupted> {
        let FiledBatch {
            outcomes,
            last,
            spent,
        } = filed;
        // Freed here rather than on the store thread, which every batch waits for.
        drop(spent);
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            Err(error) => return before.and(Err(Interrupted::Store(error))),
        };
        self.count(&outcomes);
        before?;
        if settle {
            self.settle(source, stages, &outcomes, last).await?;
        }
        Ok(())
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
        stages: &Stages,
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
        let state = MailboxState {
            uid_validity: last.uid_validity,
            highest_uid: last.uid,
        };
        // Queued behind the filings rather than awaited: waiting for the store here
        // would hold up the next fetch.
        stages.record(source.name(), state);
        self.cursor = Some(last);
        self.watchdog.beat();
        Ok(())
    }
}
