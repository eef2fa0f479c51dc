//! The sender: queued answers out through the transport, one at a time.
//!
//! Each answer is marked `sending` just before the transport is called and
//! `sent` right after it returns (in the same trip to the store as the next
//! answer's `sending`, or alone when none follows), so the only window in
//! which a crash leaves the outcome unknown is the send itself; at restart
//! such an answer goes out again, with the Message-ID fixed at queue time, so
//! the second copy is recognisably the same message. What a failure means is
//! the transport's [`SendError`] class:
//!
//! | class | the answer | sending |
//! |---|---|---|
//! | transient, network | queued again after [`retry_delay`] | goes on |
//! | daily limit | queued for the next day | paused until midnight, Asia/Shanghai |
//! | permanent | failed, for staff | goes on |
//! | setup | queued again | paused; the administrator must fix the settings |

use std::sync::Arc;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

use super::intake::{StoreCell, lock};
use crate::clock::Clock;
use crate::store::{AnswerKey, OutboxEntry, Store, StoreError, StoreResult};
use crate::transport::{SendError, Transport, retry_delay};

/// Answers taken from the outbox per query.
const DUE_PER_QUERY: usize = 100;
/// How long sending stops after a setup error (login refused, certificate not trusted).
const SETUP_PAUSE: SignedDuration = SignedDuration::from_mins(15);

/// What one round of sending did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    /// Queued again for a later attempt.
    pub retry_later: usize,
    /// Refused for good.
    pub failed: usize,
}

impl SendReport {
    pub fn add(&mut self, other: SendReport) {
        self.sent += other.sent;
        self.retry_later += other.retry_later;
        self.failed += other.failed;
    }
}

/// See the module doc.
pub struct Sender {
    transport: Transport,
    /// Our account: the envelope sender.
    from: String,
    store: Arc<StoreCell>,
    clock: Arc<dyn Clock>,
    time_zone: TimeZone,
    paused_until: Option<Timestamp>,
    /// The answer the transport accepted last, until its `sent` mark is written.
    accepted: Option<(AnswerKey, Timestamp)>,
}

impl Sender {
    /// `time_zone` decides when "the next day" begins after a daily limit.
    pub fn new(
        transport: Transport,
        from: &str,
        store: Arc<StoreCell>,
        clock: Arc<dyn Clock>,
        time_zone: TimeZone,
    ) -> Sender {
        Sender {
            transport,
            from: from.trim().to_string(),
            store,
            clock,
            time_zone,
            paused_until: None,
            accepted: None,
        }
    }

    /// When sending resumes, while it is paused.
    pub fn paused_until(&self) -> Option<Timestamp> {
        self.paused_until.filter(|until| *until > self.clock.now())
    }

    /// Sends every answer due now, unless sending is paused; returns early once
    /// `stop` is set (the answer in hand is finished first).
    pub async fn drain(&mut self, stop: &watch::Receiver<bool>) -> StoreResult<SendReport> {
        let drained = self.drain_until_done(stop).await;
        // Also after an error: the transport accepted that answer.
        let recorded = self.record_accepted().await;
        let report = drained?;
        recorded?;
        Ok(report)
    }

    async fn drain_until_done(&mut self, stop: &watch::Receiver<bool>) -> StoreResult<SendReport> {
        let mut report = SendReport::default();
        loop {
            if self.paused_until().is_some() || *stop.borrow() {
                return Ok(report);
            }
            let now = self.clock.now();
            let due = self
                .store_call(move |store| store.due_answers(now, DUE_PER_QUERY))
                .await?;
            if due.is_empty() {
                return Ok(report);
            }
            for entry in due {
                if self.paused_until().is_some() || *stop.borrow() {
                    return Ok(report);
                }
                report.add(self.send_one(entry).await?);
            }
        }
    }

    /// Sends until `stop`: whenever `wake` is notified (answers were queued) and twice a minute.
    pub async fn run(
        &mut self,
        wake: &tokio::sync::Notify,
        mut stop: watch::Receiver<bool>,
    ) -> StoreResult<SendReport> {
        let mut report = SendReport::default();
        loop {
            match self.drain(&stop).await {
                Ok(round) => report.add(round),
                Err(error) => tracing::error!(%error, "the outbox could not be read; trying again"),
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = stop.wait_for(|stopped| *stopped) => return Ok(report),
            }
        }
    }

    /// Closes a kept SMTP connection.
    pub async fn shutdown(&self) {
        self.transport.shutdown().await;
    }

    async fn send_one(&mut self, entry: OutboxEntry) -> StoreResult<SendReport> {
        let key = entry.key;
        self.store_call(move |store| store.mark_sending(key))
            .await?;
        let result = self
            .transport
            .send(&self.from, std::slice::from_ref(&entry.to), &entry.rfc5322)
            .await;
        let now = self.clock.now();
        let error = match result {
            Ok(()) => {
                self.accepted = Some((key, now));
                tracing::info!(answer = key.0, to = %entry.to, kind = entry.kind.as_str(), "answer sent");
                return Ok(SendReport {
                    sent: 1,
                    ..SendReport::default()
                });
            }
            Err(error) => error,
        };
        let text = error.to_string();
        let failures = entry.attempts.saturating_add(1);
        let (next_at, report) = match &error {
            SendError::Transient { .. } | SendError::Network { .. } => {
                let delay = SignedDuration::try_from(retry_delay(failures))
                    .unwrap_or(SignedDuration::from_mins(1));
                tracing::warn!(answer = key.0, to = %entry.to, attempts = failures, error = %text, retry_in_s = delay.as_secs(), "sending failed; will retry");
                (Some(later(now, delay)), retry_later())
            }
            SendError::DailyLimit { .. } => {
                let tomorrow = next_midnight(now, &self.time_zone);
                self.paused_until = Some(tomorrow);
                tracing::error!(answer = key.0, error = %text, resume_at = %tomorrow, "daily sending limit of the mail account reached: sending paused until midnight; answers stay queued");
                (Some(tomorrow), retry_later())
            }
            SendError::Setup { .. } => {
                let resume = later(now, SETUP_PAUSE);
                self.paused_until = Some(resume);
                tracing::error!(answer = key.0, error = %text, resume_at = %resume, "CANNOT SEND: the [transport] settings must be fixed (login, TLS, sender); sending paused");
                (Some(resume), retry_later())
            }
            SendError::Permanent { .. } => {
                tracing::error!(answer = key.0, to = %entry.to, error = %text, "answer refused for good; staff must reach the applicant otherwise");
                (
                    None,
                    SendReport {
                        failed: 1,
                        ..SendReport::default()
                    },
                )
            }
        };
        self.store_call(move |store| match next_at {
            Some(at) => store.mark_retry(key, at, &text),
            None => store.mark_failed(key, &text),
        })
        .await?;
        Ok(report)
    }

    /// Runs a store call on a blocking thread, first marking sent the answer the transport
    /// last accepted: the mark is written right before the next store call (the next
    /// answer's `sending`), as early as before but with one trip to the store for both.
    async fn store_call<T: Send + 'static>(
        &mut self,
        call: impl FnOnce(&mut dyn Store) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let accepted = self.accepted.take();
        blocking(&self.store, move |store| {
            if let Some((answer, at)) = accepted {
                store.mark_sent(answer, at)?;
            }
            call(store)
        })
        .await
    }

    /// Marks sent the answer the transport last accepted, if not yet done.
    async fn record_accepted(&mut self) -> StoreResult<()> {
        match self.accepted.take() {
            Some((answer, at)) => {
                blocking(&self.store, move |store| store.mark_sent(answer, at)).await
            }
            None => Ok(()),
        }
    }
}

fn retry_later() -> SendReport {
    SendReport {
        retry_later: 1,
        ..SendReport::default()
    }
}

fn later(now: Timestamp, by: SignedDuration) -> Timestamp {
    now.checked_add(by).unwrap_or(now)
}

/// The next midnight in `time_zone` after `now` (163's daily quota resets then).
pub fn next_midnight(now: Timestamp, time_zone: &TimeZone) -> Timestamp {
    now.to_zoned(time_zone.clone())
        .date()
        .tomorrow()
        .and_then(|day| day.to_zoned(time_zone.clone()))
        .map(|midnight| midnight.timestamp())
        .unwrap_or_else(|_| later(now, SignedDuration::from_hours(24)))
}

/// Runs a store call on a blocking thread: the store may wait on SQLite's lock.
pub async fn blocking<T: Send + 'static>(
    store: &Arc<StoreCell>,
    call: impl FnOnce(&mut dyn Store) -> StoreResult<T> + Send + 'static,
) -> StoreResult<T> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || call(lock(&store).as_mut()))
        .await
        .map_err(|error| StoreError::Invalid(format!("a store call panicked: {error}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_day_begins_at_midnight_in_shanghai() {
        let shanghai = TimeZone::get("Asia/Shanghai").expect("bundled tzdb");
        let now: Timestamp = "2020-08-20T15:30:00Z".parse().expect("time"); // 23:30 in Shanghai
        let midnight = next_midnight(now, &shanghai);
        assert_eq!(midnight.to_string(), "2020-08-20T16:00:00Z");
        let just_after: Timestamp = "2020-08-20T16:00:01Z".parse().expect("time");
        assert_eq!(
            next_midnight(just_after, &shanghai).to_string(),
            "2020-08-21T16:00:00Z"
        );
    }
}
