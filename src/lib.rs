//! shenbao (申报) takes in funding applications sent by email.
//!
//! # Layout
//!
//! The pure core, bytes → verdict, does no I/O and never reads the clock:
//!
//! - [`message`]: bytes of a mail → [`message::ParsedMessage`] with every attachment.
//! - [`workbook`]: bytes of an attachment → [`workbook::Workbook`] of visible sheets.
//! - [`form`]: a sheet → [`form::FormReading`], fields found by label and normalized.
//! - [`rules`]: a reading → deficiencies, per the call in [`config`].
//! - [`process`]: the glue of the above: one message or workbook → [`verdict::Verdict`].
//! - [`report`]: a verdict as `check --json` and as a readable report.
//! - [`template`]: the blank 申报书.
//! - [`notice`]: a verdict → the answer mail (templates in `config/templates/`),
//!   and whether to answer at all (RFC 3834).
//! - [`verdict`], [`text`], [`config`]: the types and normalization they share.
//!
//! The edges, each behind a small interface:
//!
//! - [`mailbox`]: where messages come from (Maildir, IMAP).
//! - [`store`]: where everything is filed (SQLite).
//! - [`transport`]: how answers leave (SMTP, a directory).
//! - [`staff`]: the digest, the summary workbook and the store seen by staff.
//! - [`clock`]: the only place the daemon reads the time.
//! - [`daemon`]: `shenbao run`, which drives the edges around the core.
//! - [`cli`]: the command line, a thin layer over all of the above.
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod form;
pub mod mailbox;
pub mod message;
pub mod notice;
pub mod process;
pub mod report;
pub mod rules;
pub mod staff;
pub mod store;
pub mod template;
pub mod text;
pub mod transport;
pub mod verdict;
pub mod workbook;
