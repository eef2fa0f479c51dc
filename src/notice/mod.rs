//! Answers to applicants, as mail: what they say, and the bytes that carry it.
//!
//! - [`context`]: a [`Verdict`](crate::verdict::Verdict) and its receipt
//!   numbers → [`NoticeContext`], plain data in Chinese.
//! - [`render`]: the context through the templates staff edit in
//!   `config/templates/` → [`Notice`] (subject, text, HTML).
//! - [`compose`](mod@compose): a notice → RFC 5322 bytes for the outbox, threaded to the
//!   applicant's message and marked `Auto-Submitted`.
//! - [`fingerprint`](mod@fingerprint): the short print of an application's values that
//!   matches a paper copy to the filed version.
//! - [`suppress`]: whether a message may be answered at all (RFC 3834).
//!
//! Pure: no I/O but reading the template files, no clock (the caller passes
//! the Date and the Message-ID). Never imports `store`, `mailbox`,
//! `transport` or `daemon`.

pub mod compose;
pub mod context;
pub mod fingerprint;
pub mod render;
pub mod suppress;

#[cfg(test)]
mod tests;

pub use compose::{
    AutoSubmitted, ComposeError, Outgoing, OutgoingAttachment, ascii_filename, compose, message_id,
};
pub use context::{
    ApplicationNotice, CallWording, DeficiencyLine, NoticeContext, NoticeFacts, NoticeKind, Office,
    ValueLine,
};
pub use fingerprint::fingerprint;
pub use render::{Notice, TemplateError, Templates};
pub use suppress::{SuppressReason, should_answer};
