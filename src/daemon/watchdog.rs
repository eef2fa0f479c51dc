//! Liveness of the mailbox loop: the watchdog that notices a loop stuck on a
//! dead connection, and the pause between failed attempts.
//!
//! Every mailbox operation has a timeout of its own, but a connection can
//! still hang in ways no single timeout sees (a half-open TCP session after a
//! NAT drops it, a server that trickles bytes). So the loop beats once per
//! completed fetch or wait; when no beat came for the configured time, the
//! operation in hand is abandoned, an error is logged, and the source is
//! opened afresh.

use std::time::Duration;

use tokio::time::Instant;

use crate::mailbox::MailboxErrorKind;

/// See the module doc.
#[derive(Debug, Clone)]
pub struct Watchdog {
    limit: Duration,
    last_beat: Instant,
}

impl Watchdog {
    pub fn new(limit: Duration) -> Watchdog {
        Watchdog {
            limit,
            last_beat: Instant::now(),
        }
    }

    /// A fetch or wait cycle completed.
    pub fn beat(&mut self) {
        self.last_beat = Instant::now();
    }

    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Resolves once no beat came for the limit (at once when that is already so).
    pub async fn tripped(&self) {
        tokio::time::sleep_until(self.last_beat + self.limit).await;
    }
}

/// Pauses between failed attempts at the mailbox: short and doubling for what
/// fixes itself (network, server), long for what needs the administrator (a
/// refused password, a CA), so a wrong password never becomes a login storm.
/// (An IMAP source also holds itself back after a failure; this covers the
/// Maildir and opening a source.)
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    consecutive_failures: u32,
}

const SHORT_FIRST: Duration = Duration::from_secs(1);
const SHORT_MAX: Duration = Duration::from_secs(5 * 60);
const LONG_FIRST: Duration = Duration::from_secs(10 * 60);
const LONG_MAX: Duration = Duration::from_secs(2 * 60 * 60);

impl Backoff {
    pub fn reset(&mut self) {
        self.consecutive_failures = 0;
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// Counts a failure of `kind` and returns the pause before the next attempt.
    pub fn next_delay(&mut self, kind: MailboxErrorKind) -> Duration {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let needs_the_admin = matches!(
            kind,
            MailboxErrorKind::Authentication
                | MailboxErrorKind::Credentials
                | MailboxErrorKind::Tls
                | MailboxErrorKind::Config
        );
        let (first, max) = if needs_the_admin {
            (LONG_FIRST, LONG_MAX)
        } else {
            (SHORT_FIRST, SHORT_MAX)
        };
        let doublings = self.consecutive_failures.saturating_sub(1).min(20);
        first.saturating_mul(1 << doublings).min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn trips_only_without_beats() {
        let mut watchdog = Watchdog::new(Duration::from_millis(150));
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(60)).await;
            watchdog.beat();
        }
        // 180 ms passed in all, but the last beat was just now.
        let early = tokio::time::timeout(Duration::from_millis(80), watchdog.tripped()).await;
        assert!(early.is_err(), "tripped although it beat 0 ms ago");
        let late = tokio::time::timeout(Duration::from_millis(500), watchdog.tripped()).await;
        assert!(late.is_ok(), "did not trip 150 ms after the last beat");
    }

    #[test]
    fn backoff_is_short_for_the_network_and_long_for_a_password() {
        let mut network = Backoff::default();
        let delays: Vec<u64> = (0..10)
            .map(|_| network.next_delay(MailboxErrorKind::Network).as_secs())
            .collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
        network.reset();
        assert_eq!(network.next_delay(MailboxErrorKind::Io).as_secs(), 1);

        let mut password = Backoff::default();
        assert_eq!(
            password
                .next_delay(MailboxErrorKind::Authentication)
                .as_secs(),
            600
        );
        for _ in 0..10 {
            password.next_delay(MailboxErrorKind::Authentication);
        }
        assert_eq!(
            password.next_delay(MailboxErrorKind::Authentication),
            LONG_MAX
        );
    }
}
