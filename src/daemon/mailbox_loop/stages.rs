//! The intake of one round as two long-lived threads, so that both cores stay
//! busy: the *store thread* claims and files batches (every store write of
//! the intake, in the order they were asked for), the *check thread* checks
//! claimed batches on every core. The mailbox loop submits fetched batches
//! and takes back filed ones, in the order submitted.
//!
//! ```text
//! submit ─Claim─▶ store thread ─claimed─▶ check thread
//!                   ▲   │                     │
//!                   └───┼──────File───────────┘
//!                       └─filed─▶ next()
//! ```
//!
//! Why claims go through the store thread rather than the check thread: the
//! filing transaction holds the store for tens of milliseconds; a claim made
//! elsewhere would wait for it and leave a core idle. Queued behind the
//! filing in one thread, the claim is ready by the time the check thread is.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::mpsc as async_mpsc;

use crate::daemon::Pipeline;
use crate::daemon::intake::{
    self, CheckedBatch, ClaimRequest, ClaimedBatch, Incoming, Outcome, StoreCell, Workers,
};
use crate::mailbox::MessageKey;
use crate::store::{MailboxState, StoreError, StoreResult};

/// A batch through the stages: what became of its messages, and its last message.
pub(super) struct FiledBatch {
    /// `Err` when the store failed on the batch: it is to be fetched again later.
    pub outcomes: StoreResult<Vec<Outcome>>,
    pub last: MessageKey,
    /// Its bytes, freed by whoever drops this, not by the store thread.
    pub spent: Option<intake::Spent>,
}

/// What the store thread is asked to do, in order.
enum StoreJob {
    Claim(ClaimRequest, MessageKey),
    File(StoreResult<CheckedBatch>, MessageKey),
    /// How far a mailbox is filed and settled.
    Record(String, MailboxState),
    /// No more claims: the store thread lets the check thread end.
    Close,
}

/// The two threads of a round's intake.
pub(super) struct Stages {
    /// `None` once [`Stages::finish`] let go of it: the store thread ends when no
    /// sender of its queue is left (the check thread holds the other).
    jobs: Option<mpsc::Sender<StoreJob>>,
    filed: async_mpsc::UnboundedReceiver<FiledBatch>,
    closed: bool,
    threads: Vec<tokio::task::JoinHandle<()>>,
}

impl Stages {
    /// Starts the store thread and the check thread.
    pub fn start(pipeline: Arc<Pipeline>, store: Arc<StoreCell>) -> Stages {
        let (jobs, job_queue) = mpsc::channel();
        let (to_check, check_queue) = mpsc::channel();
        let (filed_sender, filed) = async_mpsc::unbounded_channel();
        let check_pipeline = Arc::clone(&pipeline);
        let check_store = Arc::clone(&store);
        let checked = jobs.clone();
        let threads = vec![
            tokio::task::spawn_blocking(move || {
                store_thread(&pipeline, &store, job_queue, to_check, filed_sender)
            }),
            tokio::task::spawn_blocking(move || {
                check_thread(&check_pipeline, &check_store, check_queue, checked)
            }),
        ];
        Stages {
            jobs: Some(jobs),
            filed,
            closed: false,
            threads,
        }
    }

    /// Hands a fetched batch to the stages. Its headers are read and its messages
    /// hashed here, on every core, so that the store thread only claims.
    /// An `Err` (a bug: the parsers are guarded) means the batch was not submitted.
    pub async fn submit(&self, batch: Vec<Incoming>, last: MessageKey) -> StoreResult<()> {
        let request = tokio::task::spawn_blocking(move || intake::prepare_claims(batch))
            .await
            .map_err(|_| StoreError::Invalid("preparing a batch's claims panicked".into()))?;
        self.send(StoreJob::Claim(request, last));
        Ok(())
    }

    /// Records how far `mailbox` is filed, after the filings asked for before. A
    /// failure is logged, not returned: the record only lags, and a lagging record
    /// means messages fetched again and found known.
    pub fn record(&self, mailbox: &str, state: MailboxState) {
        self.send(StoreJob::Record(mailbox.to_string(), state));
    }

    /// A send fails only when the store thread is gone; `next` then says so.
    fn send(&self, job: StoreJob) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    /// The next batch filed, in the order submitted. Call it once per submitted batch.
    pub async fn next(&mut self) -> FiledBatch {
        match self.filed.recv().await {
            Some(filed) => filed,
            None => FiledBatch {
                outcomes: Err(stopped()),
                last: MessageKey::START,
                spent: None,
            },
        }
    }

    /// The next batch filed, if one is ready now.
    pub fn try_next(&mut self) -> Option<FiledBatch> {
        self.filed.try_recv().ok()
    }

    /// No more batches: the threads end once the batches submitted are filed.
    pub fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            self.send(StoreJob::Close);
        }
    }

    /// Closes the stages and waits until everything asked of them is done.
    pub async fn finish(mut self) {
        self.close();
        self.jobs = None;
        for thread in std::mem::take(&mut self.threads) {
            let _ = thread.await;
        }
    }
}

impl Drop for Stages {
    fn drop(&mut self) {
        self.close();
    }
}

fn stopped() -> StoreError {
    StoreError::Invalid("the intake's threads stopped".to_string())
}

/// Claims and files in the order asked. A claim that fails goes on through the
/// check thread, so that the failure reaches the loop in its batch's turn.
fn store_thread(
    pipeline: &Pipeline,
    store: &StoreCell,
    jobs: mpsc::Receiver<StoreJob>,
    to_check: mpsc::Sender<(StoreResult<ClaimedBatch>, MessageKey)>,
    filed: async_mpsc::UnboundedSender<FiledBatch>,
) {
    let mut to_check = Some(to_check);
    for job in jobs {
        match job {
            StoreJob::Claim(request, last) => {
                let claimed = guarded("claiming", || {
                    intake::claim_prepared(pipeline, store, request)
                });
                if let Some(to_check) = &to_check {
                    let _ = to_check.send((claimed, last));
                }
            }
            StoreJob::File(checked, last) => {
                let filed_batch = checked.and_then(|checked| {
                    guarded("filing", || {
                        intake::file_batch_leaving(pipeline, store, checked)
                    })
                });
                let (outcomes, spent) = match filed_batch {
                    Ok((outcomes, spent)) => (Ok(outcomes), Some(spent)),
                    Err(error) => (Err(error), None),
                };
                let _ = filed.send(FiledBatch {
                    outcomes,
                    last,
                    spent,
                });
            }
            StoreJob::Record(mailbox, state) => {
                let recorded = guarded("recording", || {
                    intake::lock(store).record_mailbox_state(&mailbox, state)
                });
                if let Err(error) = recorded {
                    tracing::error!(%mailbox, %error, "could not record how far the mailbox is filed");
                }
            }
            // The check thread ends when its queue is drained, and with it the last
            // sender of `jobs`: this loop then ends too.
            StoreJob::Close => to_check = None,
        }
    }
}

/// Checks claimed batches in order and hands them back to the store thread.
fn check_thread(
    pipeline: &Pipeline,
    store: &StoreCell,
    claimed: mpsc::Receiver<(StoreResult<ClaimedBatch>, MessageKey)>,
    jobs: mpsc::Sender<StoreJob>,
) {
    for (claimed, last) in claimed {
        let checked = claimed.and_then(|claimed| {
            guarded("checking", || {
                // The store thread is the pipeline's longest step: a core is left to it.
                intake::check_batch(pipeline, store, claimed, Workers::SpareOne)
            })
        });
        if jobs.send(StoreJob::File(checked, last)).is_err() {
            return;
        }
    }
}

/// A step's result, or an error if it panicked: a batch that vanished would
/// leave the loop waiting for it. (The steps catch the panics of single
/// messages themselves; this is for a bug in the step.)
fn guarded<T>(step: &str, work: impl FnOnce() -> StoreResult<T>) -> StoreResult<T> {
    catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(StoreError::Invalid(format!("{step} a batch panicked"))))
}
