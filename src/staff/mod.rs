//! The staff side (学会部): everything staff need without a login, by email
//! and in Excel.
//!
//! - [`digest`]: the digest mail, on a schedule ([`schedule`]) and on demand,
//!   queued in the outbox like the answers.
//! - [`summary`]: the summary workbook (汇总表), attached to each digest and
//!   written by `shenbao export`.
//! - [`inspect`]: `shenbao list`, `show` and `resend`: looking into the store.
//! - [`rows`], [`quota`]: applications and counts as staff read them.
//!
//! Reads the store through the [`Store`](crate::store::Store) trait only, and
//! the clock through [`Clock`](crate::clock::Clock); never touches the
//! mailbox, the transport or the daemon. The daemon calls
//! [`queue_digest_if_due`] each time round its loop.

pub mod config;
pub mod digest;
pub mod error;
pub mod inspect;
pub mod progress;
pub mod quota;
pub mod rows;
pub mod schedule;
pub mod summary;

pub use config::DigestConfig;
pub use digest::queue::{
    Digest, DigestContext, QueuedDigest, Sender, queue_digest_if_due, queue_digest_now,
};
pub use digest::{DigestFacts, Occasion};
pub use error::{StaffError, StaffResult};
pub use progress::{NoProgress, Progress};
pub use schedule::{Slot, SlotKind, due_slot};
pub use summary::{summary_filename, summary_workbook};
