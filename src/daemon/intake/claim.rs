//! The first step of a batch: read each message's headers and hash it (on
//! every core, [`prepare_claims`]), then claim the whole batch in one store
//! call ([`claim_prepared`]).

use std::panic::catch_unwind;

use super::parallel::{self, Workers};
use super::{Incoming, StoreCell, lock};
use crate::daemon::Pipeline;
use crate::message::{self, ParsedMessage};
use crate::store::{Claim, ContentHash, IncomingMessage, StoreError, StoreResult};

/// A batch claimed in the store, waiting to be checked.
pub struct ClaimedBatch {
    pub(super) messages: Vec<(Incoming, Claim)>,
}

/// A fetched batch with what its claim needs: each message's headers and hash.
pub struct ClaimRequest {
    batch: Vec<Incoming>,
    headers: Vec<ParsedMessage>,
    hashes: Vec<ContentHash>,
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
    claim_prepared(pipeline, store, prepare_claims(batch))
}

/// Reads the headers and hashes the bytes of each message, on every core. Pure: the
/// daemon does it before the batch reaches the store thread.
pub fn prepare_claims(batch: Vec<Incoming>) -> ClaimRequest {
    let prepared = parallel::map(Workers::AllCores, batch.iter().collect(), |incoming| {
        let headers = catch_unwind(|| message::parse(header_block(&incoming.raw)))
            .ok()
            .flatten()
            .unwrap_or_default();
        (headers, ContentHash::of(&incoming.raw))
    });
    let (headers, hashes) = batch
        .iter()
        .zip(prepared)
        .map(|(incoming, prepared)| {
            prepared.unwrap_or_else(|| (ParsedMessage::default(), ContentHash::of(&incoming.raw)))
        })
        .unzip();
    ClaimRequest {
        batch,
        headers,
        hashes,
    }
}

/// Claims a prepared batch in one store call (see [`claim_batch`]).
pub fn claim_prepared(
    pipeline: &Pipeline,
    store: &StoreCell,
    request: ClaimRequest,
) -> StoreResult<ClaimedBatch> {
    let ClaimRequest {
        batch,
        headers,
        hashes,
    } = request;
    let now = pipeline.clock.now();
    let messages: Vec<IncomingMessage<'_>> = batch
        .iter()
        .zip(&headers)
        .zip(&hashes)
        .map(|((incoming, headers), sha256)| IncomingMessage {
            location: &incoming.location,
            message_id: headers.message_id.as_deref(),
            from: headers.from.as_deref(),
            subject: &headers.subject,
            received_at: incoming
                .internal_date
                .or(headers.received_at)
                .unwrap_or(now),
            raw: &incoming.raw,
            sha256: *sha256,
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
    drop(messages);
    Ok(ClaimedBatch {
        messages: batch.into_iter().zip(claims).collect(),
    })
}

/// The header block: up to the first empty line (the whole input without one).
/// One pass that stops there: searching the whole message for a CRLF and an LF
/// empty line apart read every byte of a 30 KB body twice.
fn header_block(raw: &[u8]) -> &[u8] {
    let mut from = 0;
    while let Some(offset) = raw[from..].iter().position(|&byte| byte == b'\n') {
        let next_line = from + offset + 1;
        match &raw[next_line..] {
            [b'\n', ..] => return &raw[..next_line + 1],
            [b'\r', b'\n', ..] => return &raw[..next_line + 2],
            _ => from = next_line,
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_ends_at_the_first_empty_line() {
        assert_eq!(header_block(b"A: b\r\n\r\nbody\r\n\r\n"), b"A: b\r\n\r\n");
        assert_eq!(header_block(b"A: b\n\nbody"), b"A: b\n\n");
        assert_eq!(header_block(b"A: b"), b"A: b");
        assert_eq!(
            header_block(b"A: b\r\nC: d\r\n\r\nbody\n\n"),
            b"A: b\r\nC: d\r\n\r\n"
        );
        assert_eq!(header_block(b"\r\n\r\nbody"), b"\r\n\r\n");
        assert_eq!(header_block(b"A: b\n"), b"A: b\n");
        assert_eq!(header_block(b""), b"");
    }
}
