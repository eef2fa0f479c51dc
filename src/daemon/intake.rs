//! One fetched batch through the pipeline, in three steps the mailbox loop
//! may overlap between batches: claim the batch in one store call
//! (`claim.rs`), check the claimed messages on every core, file them with
//! their answers in one store transaction (`file.rs`). Blocking code: the
//! daemon runs each step on a blocking thread.
//!
//! Exactly once comes from the store: a message is claimed (by its place in
//! the mailbox and by Message-ID + SHA-256) before any work, and its answer is
//! queued in the transaction that files it. A message whose processing fails
//! (an error or a panic) is recorded failed, to be tried again from its stored
//! bytes, and is left for staff after the configured number of attempts.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;

use super::Pipeline;
use super::answers::{AnswerNote, recipient_of};
use super::filing::{self, AnswerPlan, PlanInput};
use super::replies::{self, ReplyFacts};
use crate::mailbox::RawMessage;
use crate::notice::SuppressReason;
use crate::store::{
    Claim, Filing, MailboxKey, MessageKey, MessageStatus, Store, StoreError, StoreResult,
};
use crate::verdict::Status;

mod claim;
mod file;
mod parallel;

pub use self::claim::{ClaimRequest, ClaimedBatch, claim_batch, claim_prepared, prepare_claims};
pub use self::parallel::Workers;

/// The store, shared by the intake's workers and the sender.
pub type StoreCell = Mutex<Box<dyn Store>>;

/// A message to take in: from the mailbox, or a failed one from the store.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub location: MailboxKey,
    /// When the server received it (IMAP INTERNALDATE); the headers say otherwise.
    pub internal_date: Option<Timestamp>,
    pub raw: Vec<u8>,
}

impl From<RawMessage> for Incoming {
    fn from(message: RawMessage) -> Incoming {
        Incoming {
            location: MailboxKey {
                mailbox: message.mailbox,
                uid_validity: message.uid_validity,
                uid: message.uid,
            },
            internal_date: message.internal_date,
            raw: message.bytes,
        }
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Filed now, with its answer queued (or kept suppressed).
    Filed {
        location: MailboxKey,
        message: MessageKey,
        receipts: Vec<String>,
        status: Status,
        answer: AnswerNote,
    },
    /// Seen before (here or under another UID): nothing done.
    Known {
        location: MailboxKey,
        status: MessageStatus,
    },
    /// Processing failed; tried again from the store while attempts remain.
    Failed {
        location: MailboxKey,
        error: String,
        attempts: u32,
    },
}

impl Outcome {
    pub fn location(&self) -> &MailboxKey {
        match self {
            Outcome::Filed { location, .. }
            | Outcome::Known { location, .. }
            | Outcome::Failed { location, .. } => location,
        }
    }

    /// Done with as far as the mailbox is concerned (filed, or known to the store).
    pub fn is_settled(&self) -> bool {
        !matches!(self, Outcome::Failed { .. })
    }
}

/// A claimed and checked message, waiting for the batch's filing transaction.
struct Ready {
    filing: Filing,
    pending: Pending,
}

/// What a ready message needs besides its filing: its answer, and what to log and record.
struct Pending {
    location: MailboxKey,
    answer: AnswerPlan,
    bounced: Vec<String>,
    suppressed: Option<SuppressReason>,
    /// Where the answer goes, when it is not suppressed anyway (for the hourly limit).
    recipient: Option<String>,
}

enum Prepared {
    Done(Outcome),
    Ready(Box<Ready>),
}

/// Takes in one batch: `claim_batch`, `check_batch`, `file_batch`. An
/// `Err` means the store itself failed: the batch is to be fetched again later.
pub fn process_batch(
    pipeline: &Pipeline,
    store: &StoreCell,
    batch: Vec<Incoming>,
) -> StoreResult<Vec<Outcome>> {
    let claimed = claim_batch(pipeline, store, batch)?;
    let checked = check_batch(pipeline, store, claimed, Workers::AllCores);
    file_batch(pipeline, store, checked?)
}

/// A batch claimed and checked, waiting for its filing transaction.
pub struct CheckedBatch {
    /// One per message: already known, or failed, or `None` while waiting to be filed.
    outcomes: Vec<Option<Outcome>>,
    /// The messages to file, with their place in the batch.
    ready: Vec<(usize, Ready)>,
}

/// Checks the claimed messages on `workers` threads. The store is used only for what a
/// message needs (its reply facts, a failure), so filing another batch meanwhile holds up
/// little.
pub fn check_batch(
    pipeline: &Pipeline,
    store: &StoreCell,
    claimed: ClaimedBatch,
    workers: Workers,
) -> StoreResult<CheckedBatch> {
    let n_messages = claimed.messages.len();
    let prepared = parallel::map(workers, claimed.messages, |(incoming, claim)| {
        catch_unwind(AssertUnwindSafe(|| {
            prepare(pipeline, store, incoming, claim)
        }))
        .unwrap_or_else(|panic| {
            Err(StoreError::Invalid(format!(
                "recording a failed message panicked: {}",
                panic_text(panic.as_ref())
            )))
        })
    });
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n_messages];
    let mut ready = Vec::new();
    for (index, prepared) in prepared.into_iter().enumerate() {
        match prepared.unwrap_or_else(|| Err(StoreError::Invalid("a worker stopped".into())))? {
            Prepared::Done(outcome) => outcomes[index] = Some(outcome),
            Prepared::Ready(message) => ready.push((index, *message)),
        }
    }
    Ok(CheckedBatch { outcomes, ready })
}

/// Files the checked messages of a batch with their answers (one store transaction);
/// outcomes in the batch's order.
pub fn file_batch(
    pipeline: &Pipeline,
    store: &StoreCell,
    checked: CheckedBatch,
) -> StoreResult<Vec<Outcome>> {
    file_batch_leaving(pipeline, store, checked).map(|(outcomes, _)| outcomes)
}

/// A filed batch's messages and attachments, to be freed elsewhere: freeing a
/// batch's megabytes took 5% of the store thread's time.
pub struct Spent {
    _filings: Vec<Filing>,
    _pending: Vec<Pending>,
}

/// [`file_batch`], leaving the batch's bytes to the caller to free.
pub fn file_batch_leaving(
    pipeline: &Pipeline,
    store: &StoreCell,
    checked: CheckedBatch,
) -> StoreResult<(Vec<Outcome>, Spent)> {
    let CheckedBatch {
        mut outcomes,
        ready,
    } = checked;
    let mut indexes = Vec::with_capacity(ready.len());
    let mut filings = Vec::with_capacity(ready.len());
    let mut pending = Vec::with_capacity(ready.len());
    for (index, ready) in ready {
        indexes.push(index);
        filings.push(ready.filing);
        pending.push(ready.pending);
    }
    for (index, outcome) in indexes
        .into_iter()
        .zip(file::file_all(pipeline, store, &filings, &pending)?)
    {
        outcomes[index] = Some(outcome);
    }
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    for outcome in &outcomes {
        log_outcome(outcome);
    }
    let spent = Spent {
        _filings: filings,
        _pending: pending,
    };
    Ok((outcomes, spent))
}

/// A claimed message: checked when it is new (or to be retried), else done with.
fn prepare(
    pipeline: &Pipeline,
    store: &StoreCell,
    incoming: Incoming,
    claim: Claim,
) -> StoreResult<Prepared> {
    let message = match claim {
        Claim::New(message) | Claim::Retry { message, .. } => message,
        Claim::Known { status, .. } => {
            return Ok(Prepared::Done(Outcome::Known {
                location: incoming.location,
                status,
            }));
        }
    };
    let checked = catch_unwind(AssertUnwindSafe(|| {
        check_and_plan(pipeline, store, &incoming, message)
    }));
    let error = match checked {
        Ok(Ok(ready)) => return Ok(Prepared::Ready(Box::new(ready))),
        Ok(Err(error)) => error.to_string(),
        Err(panic) => format!("panic: {}", panic_text(panic.as_ref())),
    };
    let attempts = lock(store).fail(message, &error)?;
    Ok(Prepared::Done(Outcome::Failed {
        location: incoming.location,
        error,
        attempts,
    }))
}

/// The pure core, the store's facts about replies, and the plan of filing and answer.
fn check_and_plan(
    pipeline: &Pipeline,
    store: &StoreCell,
    incoming: &Incoming,
    message: MessageKey,
) -> StoreResult<Ready> {
    let source = source_name(&incoming.location);
    let checked = pipeline
        .checker
        .check_message(&incoming.raw, &source, incoming.internal_date);
    let replies = match &checked.message {
        // Most mail refers to nothing of ours: it does not wait for the store.
        Some(headers) if replies::may_refer(headers, &pipeline.receipts) => {
            replies::lookup(&**lock(store), headers, &pipeline.receipts)?
        }
        Some(_) | None => ReplyFacts::default(),
    };
    let now = pipeline.clock.now();
    let plan = filing::plan(
        checked,
        PlanInput {
            message,
            call: &pipeline.checker.call,
            roster: &pipeline.checker.roster,
            replies: &replies,
            filed_at: now,
        },
    );
    let suppressed = pipeline.answering.suppression(plan.answer.headers.as_ref());
    let recipient = match suppressed {
        None => plan.answer.headers.as_ref().and_then(recipient_of),
        Some(_) => None,
    };
    Ok(Ready {
        filing: plan.filing,
        pending: Pending {
            location: incoming.location.clone(),
            answer: plan.answer,
            bounced: plan.bounced,
            suppressed,
            recipient,
        },
    })
}

fn log_outcome(outcome: &Outcome) {
    let location = outcome.location();
    match outcome {
        Outcome::Filed {
            receipts,
            status,
            answer,
            ..
        } => {
            let receipts = if receipts.is_empty() {
                answer.receipt.clone()
            } else {
                receipts.join(",")
            };
            match &answer.suppressed {
                None => {
                    tracing::info!(mailbox = %location.mailbox, uid = location.uid, %receipts, verdict = status.as_str(), answer = answer.kind.as_str(), "filed")
                }
                Some(reason) => {
                    tracing::info!(mailbox = %location.mailbox, uid = location.uid, %receipts, verdict = status.as_str(), answer = answer.kind.as_str(), suppressed = %reason, "filed; answer suppressed")
                }
            }
        }
        Outcome::Known { status, .. } => {
            tracing::info!(mailbox = %location.mailbox, uid = location.uid, status = status.as_str(), "already in the store");
        }
        Outcome::Failed {
            error, attempts, ..
        } => {
            tracing::error!(mailbox = %location.mailbox, uid = location.uid, attempts, %error, "processing failed");
        }
    }
}

/// The store, even if a worker panicked while holding it: every store call is
/// one transaction, which a panic rolled back.
pub fn lock(store: &StoreCell) -> MutexGuard<'_, Box<dyn Store>> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The verdict's `source`: the message's place, in the style of an IMAP URL (RFC 5092).
fn source_name(location: &MailboxKey) -> String {
    format!(
        "{};UIDVALIDITY={}/;UID={}",
        location.mailbox, location.uid_validity, location.uid
    )
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_the_place() {
        let location = MailboxKey {
            mailbox: "imap://apply%40example.test@127.0.0.1:1993/INBOX".into(),
            uid_validity: 7,
            uid: 42,
        };
        assert_eq!(
            source_name(&location),
            "imap://apply%40example.test@127.0.0.1:1993/INBOX;UIDVALIDITY=7/;UID=42"
        );
    }
}
