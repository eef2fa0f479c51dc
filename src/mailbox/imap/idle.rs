//! Waiting for new mail: IDLE (RFC 2177) when the server has it and the config allows it,
//! else polling with `UID SEARCH UID n:*` every `poll_seconds`.
//!
//! IDLE is re-issued every [`IDLE_REISSUE`] (the RFC lets servers drop clients idle for 30 min,
//! and a dead connection behind a NAT shows up only when we next write). Polling asks for UIDs
//! at or above the known UIDNEXT instead of trusting NOOP to report EXISTS: a search answers
//! the same on every server, and also serves as the keep-alive.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response};
use tokio::time::Instant;

use super::session::{SelectedSession, imap_error};
use crate::mailbox::{MailboxError, MailboxErrorKind, Wake};

/// IDLE is ended (DONE) and issued again after this long, well before RFC 2177's 29 minutes.
pub const IDLE_REISSUE: Duration = Duration::from_secs(20 * 60);

/// How to wait: with IDLE, or by polling at an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitMode {
    Idle,
    Poll(Duration),
}

/// Waits up to `timeout` for new mail. Takes the session by value: IDLE consumes it, and on
/// error it is gone (the caller reconnects).
pub async fn wait_for_change(
    mut selected: SelectedSession,
    mode: WaitMode,
    timeout: Duration,
) -> Result<(SelectedSession, Wake), MailboxError> {
    let deadline = Instant::now() + timeout;
    // Mail may have arrived since the last fetch, announced in an EXISTS the library put aside:
    // look once before blocking, so it is never missed.
    drain_unsolicited(&selected);
    if selected.has_unseen_uids().await? {
        return Ok((selected, Wake::Changed));
    }
    match mode {
        WaitMode::Idle => idle_until(selected, deadline).await,
        WaitMode::Poll(interval) => poll_until(selected, interval, deadline).await,
    }
}

async fn idle_until(
    mut selected: SelectedSession,
    deadline: Instant,
) -> Result<(SelectedSession, Wake), MailboxError> {
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Ok((selected, Wake::TimedOut));
        }
        let mut handle = selected.session.idle();
        handle
            .init()
            .await
            .map_err(|error| imap_error("IDLE", error))?;
        let outcome = {
            // Dropping the stop source would end the wait at once: keep it until the wait ends.
            let (wait, _stop_source) = handle.wait_with_timeout(remaining.min(IDLE_REISSUE));
            wait.await.map_err(|error| imap_error("IDLE", error))?
        };
        selected.session = handle
            .done()
            .await
            .map_err(|error| imap_error("DONE (end of IDLE)", error))?;
        match outcome {
            IdleResponse::NewData(response) if announces_new_mail(response.parsed()) => {
                return Ok((selected, Wake::Changed));
            }
            IdleResponse::NewData(_) | IdleResponse::Timeout => {}
            IdleResponse::ManualInterrupt => {
                // Nobody else holds the stop source: the stream ended, the server hung up.
                return Err(MailboxError::new(
                    MailboxErrorKind::Network,
                    "connection closed during IDLE",
                ));
            }
        }
        if drain_unsolicited(&selected) {
            return Ok((selected, Wake::Changed));
        }
    }
}

async fn poll_until(
    mut selected: SelectedSession,
    interval: Duration,
    deadline: Instant,
) -> Result<(SelectedSession, Wake), MailboxError> {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Ok((selected, Wake::TimedOut));
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        drain_unsolicited(&selected);
        if selected.has_unseen_uids().await? {
            return Ok((selected, Wake::Changed));
        }
    }
}

/// `* n EXISTS` or `* n RECENT`: the mailbox grew (or may have; a spurious wake costs one search).
fn announces_new_mail(response: &Response<'_>) -> bool {
    matches!(
        response,
        Response::MailboxData(MailboxDatum::Exists(_) | MailboxDatum::Recent(_))
    )
}

/// Empties the library's channel of unsolicited responses; true when one announced new mail.
fn drain_unsolicited(selected: &SelectedSession) -> bool {
    use async_imap::types::UnsolicitedResponse;
    let mut announced = false;
    while let Ok(response) = selected.session.unsolicited_responses.try_recv() {
        announced |= matches!(
            response,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        );
    }
    announced
}
