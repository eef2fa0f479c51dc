//! The first step of a batch: read each message's headers (on every core) and
//! claim the whole batch in one store call.

use std::panic::catch_unwind;

use super::parallel::{self, Workers};
use super::{Incoming, StoreCell, lock};
use crate::daemon::Pipeline;
use crate::message;
use crate::store::{Claim, IncomingMessage, StoreError, StoreResult};

/// A batch claimed in the store, waiting to be checked.
pub struct ClaimedBatch {
    pub(super) messages: Vec<(Incoming, Claim)>,
}

/// Claims the batch in one store call (one transaction for the SQLite store).
///
/// The messages it claims must then go through [`super::check_batch`] and
/// [`super::file_batch`]: a claimed message left unfiled is only taken up again when the
/// daemon restarts.
pub fn claim_batch(
    pipeline: &Pipeline,
    store: &StoreCell,
    batch: Vec<Incoming>,
) -> StoreResult<ClaimedBatch> {
    let claims = claim_all(pipeline, store, &batch)?;
    Ok(ClaimedBatch {
        messages: batch.into_iter().zip(claims).collect(),
    })
}

/// Claims the whole batch in one store call (one transaction for the SQLite store).
fn claim_all(
    pipeline: &Pipeline,
    store: &StoreCell,
    batch: &[Incoming],
) -> StoreResult<Vec<Claim>> {
    let headers = parallel::map(Workers::AllCores, batch.iter().collect(), |incoming| {
        catch_unwind(|| message::parse(header_block(&incoming.raw)))
            .ok()
            .flatten()
            .unwrap_or_default()
    });
    let headers: Vec<message::ParsedMessage> =
        headers.into_iter().map(Option::unwrap_or_default).collect();
    let now = pipeline.clock.now();
    let messages: Vec<IncomingMessage<'_>> = batch
        .iter()
        .zip(&headers)
        .map(|(incoming, headers)| IncomingMessage {
            location: &incoming.location,
            message_id: headers.message_id.as_deref(),
            from: headers.from.as_deref(),
            subject: &headers.subject,
            received_at: incoming
                .internal_date
                .or(headers.received_at)
                .unwrap_or(now),
            raw: &incoming.raw,
        })
        .collect();
    let claims = lock(store).claim_many(&messages, now)?;
    if claims.len() != batch.len() {
        return Err(StoreError::Invalid(format!(
            "claiming {} messages returned {} claims",
            batch.len(),
            claims.len()
        )));
    }
    Ok(claims)
}

/// The header block: up to the first empty line (the whole input without one).
fn header_block(raw: &[u8]) -> &[u8] {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(raw.len()),
    };
    &raw[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_ends_at_the_first_empty_line() {
        assert_eq!(header_block(b"A: b\r\n\r\nbody\r\n\r\n"), b"A: b\r\n\r\n");
        assert_eq!(header_block(b"A: b\n\nbody"), b"A: b\n\n");
        assert_eq!(header_block(b"A: b"), b"A: b");
    }
}
