//! Taking a message apart: bytes → [`ParsedMessage`] with every attachment,
//! also those inside forwarded messages, and filenames decoded the way Chinese
//! mail clients write them. Knows nothing of forms or workbooks' insides, and does
//! no I/O: the mailbox hands it bytes.
//!
//! MIME structure comes from mail-parser; what it decodes lossily or not the way
//! Chinese clients need is read again from the raw header bytes:
//!
//! - [`decode`]: RFC 2047 encoded-words, RFC 2231 parameters, raw 8-bit GBK.
//! - `filename`: a part's filename (Content-Disposition, else Content-Type).
//! - `attachments`: every attachment, forwarded ones included, and cid: images.
//! - `headers`, `received`, `body`: envelope, arrival time, bodies.
//! - `nesting`: keeps mail-parser from nesting forwarded messages (stack depth).
//! - `report`: delivery status reports and the Message-IDs they return.
//! - `cloud`: 超大附件 download links instead of attachments.

mod attachments;
mod body;
mod cloud;
pub mod decode;
mod filename;
mod headers;
mod nesting;
mod raw;
mod received;
mod report;

use jiff::Timestamp;
use mail_parser::MessageParser;

pub use cloud::links_cloud_attachment;

/// Where an attachment sat in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// An ordinary attachment (or an inline part with a filename).
    Attached,
    /// An inline image the HTML body shows by Content-ID (a signature logo): not evidence.
    InlineShown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// Decoded filename (RFC 2047 / RFC 2231 / raw GBK recovered); `None` when the part has none.
    pub filename: Option<String>,
    /// e.g. application/pdf, lower-cased.
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub placement: Placement,
    /// True when it came out of a forwarded message/rfc822 part.
    pub forwarded: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedMessage {
    /// The From address as written (no display name).
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub to: Vec<String>,
    pub subject: String,
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// From the `Date:` header.
    pub date: Option<Timestamp>,
    /// Top-most `Received:` header's date, else `Date:`.
    pub received_at: Option<Timestamp>,
    /// The text/plain body parts, joined; derived from the HTML when only HTML was sent.
    pub text_body: String,
    /// The text/html body parts, joined; empty when there are none.
    pub html_body: String,
    /// Every attachment in order, those of forwarded messages in their place.
    pub attachments: Vec<Attachment>,
    /// Headers that decide whether we may answer (RFC 3834): lower-cased names, raw values.
    pub auto_headers: Vec<(String, String)>,
    /// A delivery status report (multipart/report; report-type=delivery-status).
    pub is_delivery_report: bool,
    /// For a delivery report: the Message-IDs of the bounced original, as far as it shows them.
    pub bounced_message_ids: Vec<String>,
}

/// Parses a whole message. Never panics; `None` only when there are no headers at all.
pub fn parse(raw: &[u8]) -> Option<ParsedMessage> {
    parse_nested(raw, 0)
}

/// Parses a message that sits `forward_depth` forwarded messages deep.
fn parse_nested(raw: &[u8], forward_depth: usize) -> Option<ParsedMessage> {
    let terminated = raw::with_final_line_break(raw);
    let unnested = nesting::without_nesting(&terminated);
    let message = MessageParser::default().parse(unnested.as_ref())?;
    if message.headers().is_empty() {
        return None;
    }
    let mut parsed = ParsedMessage::default();
    headers::fill_envelope(&message, &mut parsed);
    (parsed.text_body, parsed.html_body) = body::bodies(&message);
    parsed.attachments = attachments::collect_attachments(&message, forward_depth);
    parsed.is_delivery_report = report::is_delivery_report(&message, parsed.from.as_deref());
    if parsed.is_delivery_report {
        parsed.bounced_message_ids = report::bounced_message_ids(&message);
    }
    Some(parsed)
}
