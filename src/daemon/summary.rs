//! What a run did, and what the store holds: printed at the end of
//! `shenbao run --once` and of `shenbao demo`.

use std::fmt;
use std::path::PathBuf;

use jiff::Timestamp;

use super::intake::Outcome;
use super::sender::SendReport;
use crate::store::{Store, StoreResult};
use crate::verdict::Status;

/// Counts of one run, plus the store's state at its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages filed by this run (new ones and retried ones).
    pub filed: usize,
    /// Messages seen again and left alone.
    pub known: usize,
    /// Messages whose processing failed in this run.
    pub failed: usize,
    /// Answers this run queued to be sent, and kept suppressed.
    pub answers_queued: usize,
    pub answers_suppressed: usize,
    pub sending: SendReport,
    /// Applications of the call by the status of their current version (whole store).
    pub applications: Vec<(Status, u32)>,
    /// Messages left for staff after their last attempt failed (whole store).
    pub failed_for_staff: usize,
    /// Where a directory transport writes the answers.
    pub outbox_dir: Option<PathBuf>,
    pub sending_paused_until: Option<Timestamp>,
}

impl Summary {
    /// Counts what became of some messages.
    pub fn count(&mut self, outcomes: &[Outcome]) {
        for outcome in outcomes {
            match outcome {
                Outcome::Filed { answer, .. } => {
                    self.filed += 1;
                    if answer.suppressed.is_some() {
                        self.answers_suppressed += 1;
                    } else {
                        self.answers_queued += 1;
                    }
                }
                Outcome::Known { .. } => self.known += 1,
                Outcome::Failed { .. } => self.failed += 1,
            }
        }
    }

    /// Adds an earlier run's counts to this one's (the store's totals stay this run's).
    pub fn add_run(&mut self, earlier: &Summary) {
        self.filed += earlier.filed;
        self.known += earlier.known;
        self.failed += earlier.failed;
        self.answers_queued += earlier.answers_queued;
        self.answers_suppressed += earlier.answers_suppressed;
        self.sending.add(earlier.sending);
    }

    /// Reads the store's totals for the call (the outbox is not read: it holds
    /// every answer's bytes, too much to load for a count).
    pub fn read_store(&mut self, store: &dyn Store, call_id: &str) -> StoreResult<()> {
        let mut by_status: Vec<(Status, u32)> = Vec::new();
        for count in store.counts(call_id)? {
            match by_status.iter_mut().find(|(s, _)| *s == count.status) {
                Some((_, n)) => *n += count.n_applications,
                None => by_status.push((count.status, count.n_applications)),
            }
        }
        by_status.sort();
        self.applications = by_status;
        self.failed_for_staff = store.failed_messages()?.len();
        Ok(())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "this run")?;
        writeln!(f, "  {:<28}{:>6}", "messages filed", self.filed)?;
        writeln!(f, "  {:<28}{:>6}", "messages already filed", self.known)?;
        writeln!(f, "  {:<28}{:>6}", "messages failed", self.failed)?;
        writeln!(f, "  {:<28}{:>6}", "answers queued", self.answers_queued)?;
        writeln!(
            f,
            "  {:<28}{:>6}",
            "answers suppressed", self.answers_suppressed
        )?;
        writeln!(f, "  {:<28}{:>6}", "answers sent", self.sending.sent)?;
        if self.sending.retry_later > 0 {
            writeln!(
                f,
                "  {:<28}{:>6}",
                "answers to retry later", self.sending.retry_later
            )?;
        }
        if self.sending.failed > 0 {
            writeln!(
                f,
                "  {:<28}{:>6}",
                "answers refused for good", self.sending.failed
            )?;
        }
        writeln!(f, "store")?;
        let total: u32 = self.applications.iter().map(|(_, n)| n).sum();
        writeln!(f, "  {:<28}{:>6}", "applications", total)?;
        for (status, n) in &self.applications {
            writeln!(f, "    {:<26}{:>6}", status.as_str(), n)?;
        }
        if self.failed_for_staff > 0 {
            writeln!(
                f,
                "  {:<28}{:>6}",
                "messages failed for good", self.failed_for_staff
            )?;
        }
        if let Some(until) = self.sending_paused_until {
            writeln!(f, "sending paused until {until}")?;
        }
        if let Some(dir) = &self.outbox_dir {
            writeln!(f, "answers written to {}", dir.display())?;
        }
        Ok(())
    }
}
