//! When to try a failed send again.
//!
//! The schedule, by the number of failed attempts so far:
//!
//! | failures | 1 | 2 | 3 | 4 | 5 | 6 | 7 and more |
//! |---|---|---|---|---|---|---|---|
//! | wait about | 1 min | 2 min | 4 min | 8 min | 16 min | 32 min | 60 min |
//!
//! Each wait is stretched or shrunk by up to 20 % at random, so answers
//! queued together (a batch before the deadline) do not hit the server
//! together again. The fifth wait already exceeds 163's 15-minute window
//! (`451 MI:SFQ`), and the cap keeps a long outage from delaying answers by
//! more than about an hour after the server is back.

use std::time::Duration;

use rand::Rng;

const FIRST_DELAY: Duration = Duration::from_secs(60);
const MAX_DELAY: Duration = Duration::from_secs(60 * 60);
/// ±20 %.
const JITTER: f64 = 0.2;

/// The wait before the next attempt after `failures` failed ones (0 counts as 1), jittered.
pub fn retry_delay(failures: u32) -> Duration {
    let factor = rand::rng().random_range((1.0 - JITTER)..=(1.0 + JITTER));
    retry_delay_base(failures).mul_f64(factor)
}

/// The schedule without jitter: 1 min doubling per failure, capped at 60 min.
pub fn retry_delay_base(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_doubles_then_caps() {
        let minutes: Vec<u64> = (1..=9)
            .map(|n| retry_delay_base(n).as_secs() / 60)
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(retry_delay_base(0), retry_delay_base(1));
        assert_eq!(retry_delay_base(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for failures in [1, 3, 7, 100] {
            let base = retry_delay_base(failures).as_secs_f64();
            for _ in 0..200 {
                let delay = retry_delay(failures).as_secs_f64();
                assert!(
                    delay >= base * 0.8 - 1e-9 && delay <= base * 1.2 + 1e-9,
                    "{failures}: {delay} vs {base}"
                );
            }
        }
    }

    #[test]
    fn jitter_spreads_a_batch() {
        let delays: std::collections::HashSet<u128> =
            (0..50).map(|_| retry_delay(2).as_millis()).collect();
        assert!(delays.len() > 10, "{delays:?}");
    }
}
