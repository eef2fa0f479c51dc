//! `shenbao run`: the daemon that drives the edges around the pure core.
//!
//! ```text
//! mailbox ─fetch batch─▶ intake: claim_many, check (in parallel), plan ─▶ store.file_many
//!    ▲                      (filing.rs, replies.rs)                      + one answer each
//!    └─ after_filing_many, mailbox state, wait (IDLE/poll)                 (answers.rs)
//!                                                                              │ outbox
//!                                      sender: mark sending → transport → mark sent
//! ```
//!
//! Two loops run side by side: the mailbox loop (`mailbox_loop.rs`) takes mail
//! in and files it, a batch at a time with several batches in hand: the loop
//! fetches while a store thread claims and files (one transaction a batch) and
//! a check thread checks (`mailbox_loop/stages.rs`); each round records the
//! poll and queues the staff digest when due (`staff_duties.rs`); the
//! [`Sender`] sends what was queued. A stuck mailbox operation is
//! abandoned by the [`Watchdog`]. Exactly once comes from the store (see
//! `store`), not from stopping cleanly; still, on a stop request the batches
//! in hand are filed and the answer in hand is sent before the loops end.
//! `--once` fetches until the mailbox has nothing new, then sends what is
//! due, and returns a [`Summary`].
//!
//! The daemon depends on every edge and on `staff` (the digest); nothing
//! depends on it but the CLI.

mod answers;
mod filing;
mod intake;
mod mailbox_loop;
mod replies;
mod sender;
mod staff_duties;
mod summary;
mod watchdog;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};

pub use self::answers::{AnswerNote, Answering, RateCounts, recipient_of};
pub use self::filing::{AnswerPlan, ApplicationIdentity, Plan, PlanInput, identity, plan};
pub use self::intake::{Incoming, Outcome, StoreCell, process_batch};
pub use self::replies::{ReceiptPattern, ReplyFacts};
pub use self::sender::{SendReport, Sender, blocking, next_midnight};
pub use self::summary::Summary;
pub use self::watchdog::{Backoff, Watchdog};

use self::mailbox_loop::MailboxLoop;
use self::staff_duties::StaffDuties;
use crate::clock::Clock;
use crate::config::{Call, ConfigError, Roster, Settings};
use crate::mailbox::{MailboxConfig, MailboxError, MailboxErrorKind};
use crate::notice::TemplateError;
use crate::process::Checker;
use crate::staff;
use crate::store::{SqliteStore, Store, StoreError, StoreOptions};
use crate::transport::{SetupError, Transport, TransportConfig};

/// Everything the work on one message needs; shared by the intake's threads.
pub struct Pipeline {
    pub checker: Checker,
    pub answering: Answering,
    pub receipts: ReceiptPattern,
    pub clock: Arc<dyn Clock>,
}

/// How long the daemon runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Until the mailbox has nothing new and every due answer is sent.
    Once,
    /// Until the shutdown future resolves.
    Watch,
}

/// Why the daemon could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("notice templates: {0}")]
    Templates(#[from] TemplateError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("mailbox: {0}")]
    Mailbox(#[from] MailboxError),
    #[error("transport: {0}")]
    Transport(#[from] SetupError),
}

/// The daemon, opened: configuration read and checked, store open. Nothing connects yet.
pub struct Daemon {
    settings: Settings,
    pipeline: Arc<Pipeline>,
    store: Arc<StoreCell>,
}

impl Daemon {
    /// Reads the call, the roster and the templates, and opens the store.
    pub fn open(settings: Settings, clock: Arc<dyn Clock>) -> Result<Daemon, DaemonError> {
        let store = SqliteStore::open(
            &settings.data_dir,
            StoreOptions {
                receipt_prefix: settings.receipt_prefix.clone(),
                max_attempts: settings.daemon.max_attempts,
            },
        )?;
        Daemon::with_store(settings, clock, Box::new(store))
    }

    /// Like [`Daemon::open`] with a store of the caller's (another backend, or a test's).
    pub fn with_store(
        settings: Settings,
        clock: Arc<dyn Clock>,
        store: Box<dyn Store>,
    ) -> Result<Daemon, DaemonError> {
        let call = Call::load(&settings.call)?;
        let roster = Roster::load(&settings.roster)?;
        let answering = Answering::new(
            &settings.answers,
            settings.from_address(),
            &call,
            &settings.receipt_prefix,
        )?;
        let pipeline = Pipeline {
            receipts: ReceiptPattern::new(&settings.receipt_prefix, &call.id),
            checker: Checker::new(call, roster, settings.limits.clone()),
            answering,
            clock,
        };
        Ok(Daemon {
            settings,
            pipeline: Arc::new(pipeline),
            store: Arc::new(Mutex::new(store)),
        })
    }

    /// The store, e.g. to inspect it after a run.
    pub fn store(&self) -> &Arc<StoreCell> {
        &self.store
    }

    /// Runs until `mode` says it is done or `shutdown` resolves (then the batch
    /// and the answer in hand are finished first).
    pub async fn run(
        self,
        mode: Mode,
        shutdown: impl Future<Output = ()>,
    ) -> Result<Summary, DaemonError> {
        let Daemon {
            settings,
            pipeline,
            store,
        } = self;
        tracing::info!(
            mode = ?mode,
            store = %settings.data_dir.display(),
            mailbox = %describe_mailbox(&settings.mailbox),
            transport = %describe_transport(&settings.transport),
            "shenbao starting"
        );
        let recovered = blocking(&store, |store| store.recover_interrupted()).await?;
        if recovered.messages_requeued > 0
            || recovered.messages_charged > 0
            || recovered.answers > 0
        {
            tracing::warn!(
                messages_requeued_uncharged = recovered.messages_requeued,
                messages_charged = recovered.messages_charged,
                answers = recovered.answers,
                "the previous run stopped in the middle: the messages in hand are retried one at a time, one counting a failed attempt only if it was alone in hand; interrupted answers are queued again"
            );
        }
        let transport = Transport::from_config(&settings.transport)?;
        let mut sender = Sender::new(
            transport,
            settings.from_address(),
            Arc::clone(&store),
            Arc::clone(&pipeline.clock),
            pipeline.checker.call.time_zone.clone(),
        );
        let wake_sender = Notify::new();
        let duties = StaffDuties::new(
            Arc::clone(&pipeline),
            Arc::clone(&store),
            settings.digest.clone(),
            staff::Sender {
                address: settings.from_address().to_string(),
                name: Some(settings.answers.from_name.clone()),
            },
        );
        let mut mailbox = MailboxLoop::new(
            mailbox_config(&settings.mailbox)?,
            Arc::clone(&pipeline),
            Arc::clone(&store),
            &settings.daemon,
            &wake_sender,
            duties,
        );
        let (stop_tx, stop_rx) = watch::channel(false);
        let outcome = {
            let work = async {
                mailbox.retry_failed().await?;
                match mode {
                    Mode::Once => {
                        // The mailbox first, every mail filed with its answer queued,
                        // then the outbox. Sending alongside only slowed the intake on
                        // two cores (its file writes and store trips: the last of
                        // 10,000 answers was queued 0.3 s later, and the whole run took
                        // no less); a crash in between loses nothing, as queued
                        // answers go out on the next run.
                        mailbox.run(mode, stop_rx.clone()).await?;
                        Ok(sender.drain(&stop_rx).await?)
                    }
                    Mode::Watch => {
                        let mailbox_run = async {
                            let result = mailbox.run(mode, stop_rx.clone()).await;
                            // However the mailbox loop ended, the sender ends too.
                            let _ = stop_tx.send(true);
                            result
                        };
                        let (taken_in, sent) =
                            tokio::join!(mailbox_run, sender.run(&wake_sender, stop_rx.clone()));
                        taken_in?;
                        Ok(sent?)
                    }
                }
            };
            tokio::pin!(work);
            tokio::pin!(shutdown);
            tokio::select! {
                result = &mut work => result,
                () = &mut shutdown => {
                    tracing::info!("stopping: finishing the batch and the answer in hand");
                    let _ = stop_tx.send(true);
                    work.await
                }
            }
        };
        sender.shutdown().await;
        let mut summary = std::mem::take(&mut mailbox.summary);
        summary.sending = outcome.map_err(|error: DaemonError| error)?;
        summary.sending_paused_until = sender.paused_until();
        summary.outbox_dir = match &settings.transport {
            TransportConfig::Directory(directory) => Some(directory.path.clone()),
            TransportConfig::Smtp(_) => None,
        };
        let call_id = pipeline.checker.call.id.clone();
        let totals = blocking(&store, move |store| {
            let mut totals = Summary::default();
            totals.read_store(store, &call_id)?;
            Ok(totals)
        })
        .await?;
        summary.applications = totals.applications;
        summary.failed_for_staff = totals.failed_for_staff;
        tracing::info!(
            filed = summary.filed,
            failed = summary.failed,
            sent = summary.sending.sent,
            "shenbao stopped"
        );
        Ok(summary)
    }
}

/// Opens the daemon for `settings` and runs it; see [`Daemon::run`].
pub async fn run(
    settings: Settings,
    mode: Mode,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, DaemonError> {
    Daemon::open(settings, clock)?.run(mode, shutdown).await
}

/// Where mail comes from, for the log (never a secret).
fn describe_mailbox(config: &MailboxConfig) -> String {
    match config {
        MailboxConfig::Maildir(maildir) => format!("maildir {}", maildir.path.display()),
        MailboxConfig::Imap(imap) => format!(
            "imap {}@{}:{}/{}",
            imap.user,
            imap.host,
            imap.effective_port(),
            imap.mailbox
        ),
    }
}

/// Where answers go, for the log (never a secret).
fn describe_transport(config: &TransportConfig) -> String {
    match config {
        TransportConfig::Directory(directory) => {
            format!("directory {}", directory.path.display())
        }
        TransportConfig::Smtp(smtp) => {
            format!("smtp {}:{} as {}", smtp.host, smtp.port(), smtp.from)
        }
    }
}

/// The mailbox settings with a Maildir's path made absolute: the mailbox's
/// name (and so its state in the store) must not depend on how the path was spelt.
fn mailbox_config(config: &MailboxConfig) -> Result<MailboxConfig, MailboxError> {
    let MailboxConfig::Maildir(maildir) = config else {
        return Ok(config.clone());
    };
    let io_error = |path: &PathBuf, error: std::io::Error| {
        MailboxError::with_source(
            MailboxErrorKind::Io,
            format!("Maildir {}", path.display()),
            error,
        )
    };
    std::fs::create_dir_all(&maildir.path).map_err(|e| io_error(&maildir.path, e))?;
    let mut resolved = maildir.clone();
    resolved.path = maildir
        .path
        .canonicalize()
        .map_err(|e| io_error(&maildir.path, e))?;
    Ok(MailboxConfig::Maildir(resolved))
}
