//! What the mailbox loop does for staff each round: report how the mailbox
//! poll went (the digest shows a mailbox that keeps failing, or a password
//! that stopped working), and queue the staff digest when its time has come.
//! Neither may stop the daemon: a failure here is logged and the loop goes on.

use std::sync::Arc;

use super::Pipeline;
use super::intake::{StoreCell, lock};
use crate::mailbox::MailboxError;
use crate::staff::{self, DigestConfig, DigestContext};
use crate::store::PollOutcome;

/// The digest's settings and sender; see the module doc.
pub(super) struct StaffDuties {
    pipeline: Arc<Pipeline>,
    store: Arc<StoreCell>,
    digest: DigestConfig,
    sender: staff::Sender,
}

impl StaffDuties {
    pub fn new(
        pipeline: Arc<Pipeline>,
        store: Arc<StoreCell>,
        digest: DigestConfig,
        sender: staff::Sender,
    ) -> StaffDuties {
        StaffDuties {
            pipeline,
            store,
            digest,
            sender,
        }
    }

    /// Records a poll of `mailbox`: `None` when it succeeded.
    pub async fn record_poll(&self, mailbox: &str, failure: Option<&MailboxError>) {
        let outcome = match failure {
            None => PollOutcome::Succeeded,
            Some(error) => PollOutcome::Failed {
                error: error.to_string(),
                authentication: error.is_authentication(),
            },
        };
        let (store, clock) = (Arc::clone(&self.store), Arc::clone(&self.pipeline.clock));
        let mailbox = mailbox.to_string();
        let recorded = tokio::task::spawn_blocking(move || {
            lock(&store).record_poll(&mailbox, &outcome, clock.now())
        })
        .await;
        match recorded {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "could not record the mailbox poll"),
            Err(error) => tracing::error!(%error, "recording the mailbox poll panicked"),
        }
    }

    /// Queues the staff digest if one is due; true when one was queued.
    pub async fn queue_digest_if_due(&self) -> bool {
        if self.digest.to.is_empty() {
            return false;
        }
        let (pipeline, store) = (Arc::clone(&self.pipeline), Arc::clone(&self.store));
        let (config, sender) = (self.digest.clone(), self.sender.clone());
        let queued = tokio::task::spawn_blocking(move || {
            let context = DigestContext {
                config: &config,
                call: &pipeline.checker.call,
                roster: &pipeline.checker.roster,
                sender: &sender,
            };
            staff::queue_digest_if_due(lock(&store).as_mut(), &context, pipeline.clock.as_ref())
        })
        .await;
        match queued {
            Ok(Ok(Some(digest))) => {
                tracing::info!(subject = %digest.subject, n_copies = digest.answers.len(), "staff digest queued");
                true
            }
            Ok(Ok(None)) => false,
            Ok(Err(error)) => {
                tracing::error!(%error, "the staff digest could not be queued");
                false
            }
            Err(error) => {
                tracing::error!(%error, "queuing the staff digest panicked");
                false
            }
        }
    }
}
