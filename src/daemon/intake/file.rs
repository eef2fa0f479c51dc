//! The filing step of a batch: one transaction for all its messages, their
//! answers rendered inside it; on an error, one transaction per message, so
//! one bad message fails alone.

use std::cell::RefCell;
use std::collections::HashMap;

use super::parallel::{self, Workers};
use super::{Outcome, Pending, StoreCell, lock};
use crate::daemon::Pipeline;
use crate::daemon::answers::{AnswerNote, Answering, RateCounts};
use jiff::Timestamp;

use crate::store::{
    Bounce, FiledPairs, Filing, MessageKey, OutgoingAnswer, RenderError, StoreResult,
};

/// Files every ready message; outcomes in their order.
pub(super) fn file_all(
    pipeline: &Pipeline,
    store: &StoreCell,
    filings: &[Filing],
    pending: &[Pending],
) -> StoreResult<Vec<Outcome>> {
    if filings.is_empty() {
        return Ok(Vec::new());
    }
    let counted = answers_last_hour(pipeline, store, pending)?;
    let error = match file_together(pipeline, store, filings, pending, &counted) {
        Ok(outcomes) => return Ok(outcomes),
        Err(error) => error,
    };
    if filings.len() > 1 {
        tracing::warn!(%error, n_messages = filings.len(), "filing the batch failed; filing its messages one by one");
    }
    let mut outcomes = Vec::with_capacity(filings.len());
    for (filing, pending) in filings.iter().zip(pending) {
        let alone = file_together(
            pipeline,
            store,
            std::slice::from_ref(filing),
            std::slice::from_ref(pending),
            &counted,
        );
        match alone {
            Ok(mut filed) => outcomes.extend(filed.pop()),
            Err(error) => {
                let error = error.to_string();
                let attempts = lock(store).fail(filing.message, &error)?;
                outcomes.push(Outcome::Failed {
                    location: pending.location.clone(),
                    error,
                    attempts,
                });
            }
        }
    }
    Ok(outcomes)
}

/// Answers each recipient of the batch got in the last hour: one count per
/// recipient, not per message (a flood from one sender is one count a batch).
fn answers_last_hour(
    pipeline: &Pipeline,
    store: &StoreCell,
    pending: &[Pending],
) -> StoreResult<HashMap<String, u32>> {
    let since = Answering::rate_window_start(pipeline.clock.now());
    let mut recipients: Vec<&str> = pending
        .iter()
        .filter_map(|p| p.recipient.as_deref())
        .collect();
    recipients.sort_unstable();
    recipients.dedup();
    let counts = lock(store).answers_to_each(&recipients, since)?;
    Ok(recipients
        .into_iter()
        .map(str::to_string)
        .zip(counts)
        .collect())
}

/// One transaction: files `filings` and queues one answer for each.
fn file_together(
    pipeline: &Pipeline,
    store: &StoreCell,
    filings: &[Filing],
    pending: &[Pending],
    counted: &HashMap<String, u32>,
) -> StoreResult<Vec<Outcome>> {
    let index_of: HashMap<MessageKey, usize> = filings
        .iter()
        .enumerate()
        .map(|(index, filing)| (filing.message, index))
        .collect();
    let rate = RateCounts::new(counted.clone());
    let notes: RefCell<Vec<Option<AnswerNote>>> = RefCell::new(vec![None; filings.len()]);
    let now = pipeline.clock.now();
    let render = |pairs: &FiledPairs<'_>| -> Result<Vec<Vec<OutgoingAnswer>>, RenderError> {
        let planned = pairs
            .iter()
            .map(|&(filing, filed)| {
                let index = *index_of
                    .get(&filing.message)
                    .ok_or_else(|| format!("no answer plan for message {}", filing.message.0))?;
                Ok((index, filing, filed))
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        // Drafted on every core while the transaction waits: rendering is a third
        // of a filing's time, and the store thread is the pipeline's longest step.
        let drafts = parallel::map(
            Workers::AllCores,
            planned.clone(),
            |(index, filing, filed)| {
                pipeline
                    .answering
                    .draft(&pending[index].answer, filing, filed, now)
            },
        );
        planned
            .iter()
            .zip(drafts)
            .map(|(&(index, _, _), draft)| {
                let draft = draft.ok_or("drafting an answer panicked")?;
                let (answer, note) =
                    pipeline
                        .answering
                        .decide(draft, pending[index].suppressed, &rate)?;
                notes.borrow_mut()[index] = Some(note);
                Ok(vec![answer])
            })
            .collect()
    };
    let all_filed = lock(store).file_many(filings, &render)?;
    let notes = notes.into_inner();
    let mut outcomes = Vec::with_capacity(all_filed.len());
    for ((filed, pending), note) in all_filed.iter().zip(pending).zip(notes) {
        if !pending.bounced.is_empty() {
            record_bounces(store, filed.message, &pending.bounced, now);
        }
        // The store calls render once per filing; a gap would be a store bug, not a reason to lose the outcome.
        let answer = note.unwrap_or_else(|| {
            tracing::error!(
                message = filed.message.0,
                "filed without an answer rendered"
            );
            AnswerNote {
                kind: crate::store::AnswerKind::Review,
                suppressed: Some("not rendered".to_string()),
                receipt: String::new(),
            }
        });
        outcomes.push(Outcome::Filed {
            location: pending.location.clone(),
            message: filed.message,
            receipts: filed
                .applications
                .iter()
                .map(|a| a.receipt.clone())
                .collect(),
            status: pending.answer.verdict.status,
            answer,
        });
    }
    Ok(outcomes)
}

/// Records our bounced answers on their applications (after the report is filed).
fn record_bounces(store: &StoreCell, message: MessageKey, bounced: &[String], at: Timestamp) {
    for answer_message_id in bounced {
        let bounce = Bounce {
            answer_message_id: answer_message_id.clone(),
            report: Some(message),
            detail: "delivery status report".to_string(),
            at,
        };
        match lock(store).record_delivery_failure(&bounce) {
            Ok(applications) if applications.is_empty() => {
                tracing::info!(%answer_message_id, "bounce of a message that is not one of our answers");
            }
            Ok(applications) => {
                tracing::warn!(%answer_message_id, n_applications = applications.len(), "an answer bounced; staff must reach the applicant otherwise");
            }
            Err(error) => tracing::error!(%answer_message_id, %error, "could not record a bounce"),
        }
    }
}
