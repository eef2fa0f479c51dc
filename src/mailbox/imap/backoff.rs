//! When to try connecting again after a failure. Pure; the jitter is passed in.
//!
//! Network and server trouble: 1 s, doubling, at most 5 min — a restarted server or a
//! dropped Wi-Fi is back soon, and a long outage costs one attempt per 5 min.
//! Authentication, credential and TLS trouble: 10 min, doubling, at most 2 h — these need
//! the admin, and repeated failed logins get 163 and QQ accounts locked.
//! Jitter: each delay is drawn from [½·d, d] ("equal jitter"), so that several daemons
//! (or a restarted one) do not hammer a recovering server in step.

use std::time::Duration;

use crate::mailbox::MailboxErrorKind;

const SHORT_FIRST: Duration = Duration::from_secs(1);
const SHORT_MAX: Duration = Duration::from_secs(5 * 60);
const LONG_FIRST: Duration = Duration::from_secs(10 * 60);
const LONG_MAX: Duration = Duration::from_secs(2 * 60 * 60);

/// Consecutive failures and the delay they call for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backoff {
    consecutive_failures: u32,
}

impl Backoff {
    pub fn reset(&mut self) {
        self.consecutive_failures = 0;
    }

    /// Counts one more failure of `kind` and returns how long to wait before the next attempt;
    /// `jitter` in [0, 1] picks the point in [½·d, d].
    pub fn next_delay(&mut self, kind: MailboxErrorKind, jitter: f64) -> Duration {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        retry_delay(kind, self.consecutive_failures, jitter)
    }
}

/// The delay after the `failures`-th failure in a row (1 = the first).
pub fn retry_delay(kind: MailboxErrorKind, failures: u32, jitter: f64) -> Duration {
    let (first, max) = if needs_the_admin(kind) {
        (LONG_FIRST, LONG_MAX)
    } else {
        (SHORT_FIRST, SHORT_MAX)
    };
    let doublings = failures.saturating_sub(1).min(20);
    let ceiling = first.saturating_mul(1u32 << doublings).min(max);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        1.0
    };
    ceiling.mul_f64(0.5 + 0.5 * jitter)
}

/// Failures that retrying soon cannot fix.
pub fn needs_the_admin(kind: MailboxErrorKind) -> bool {
    matches!(
        kind,
        MailboxErrorKind::Authentication | MailboxErrorKind::Credentials | MailboxErrorKind::Tls
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use MailboxErrorKind::{Authentication, Network, Server, Tls};

    #[test]
    fn delays_from_table() {
        let secs = Duration::from_secs;
        let table = [
            // kind, failures in a row, jitter, delay
            (Network, 1, 1.0, secs(1)),
            (Network, 2, 1.0, secs(2)),
            (Network, 4, 1.0, secs(8)),
            (Network, 4, 0.0, secs(4)),
            (Server, 9, 1.0, secs(256)),
            (Network, 10, 1.0, secs(300)),
            (Network, 1000, 1.0, secs(300)),
            (Authentication, 1, 1.0, secs(600)),
            (Authentication, 1, 0.0, secs(300)),
            (Authentication, 2, 1.0, secs(1200)),
            (Tls, 5, 1.0, secs(7200)),
            (Authentication, u32::MAX, 1.0, secs(7200)),
            (Network, 3, f64::NAN, secs(4)),
        ];
        for (kind, failures, jitter, expected) in table {
            assert_eq!(
                retry_delay(kind, failures, jitter),
                expected,
                "{kind:?} ×{failures} jitter {jitter}"
            );
        }
    }

    #[test]
    fn backoff_grows_until_reset() {
        let mut backoff = Backoff::default();
        assert_eq!(backoff.next_delay(Network, 1.0), Duration::from_secs(1));
        assert_eq!(backoff.next_delay(Network, 1.0), Duration::from_secs(2));
        backoff.reset();
        assert_eq!(backoff.next_delay(Network, 1.0), Duration::from_secs(1));
    }
}
