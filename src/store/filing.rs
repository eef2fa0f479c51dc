//! What the pipeline hands the store: a message to claim, a [`Filing`] to file,
//! answers to queue; and what the store hands back ([`Filed`]).

use jiff::Timestamp;

use super::model::{
    AnswerKind, ApplicationKey, AttachmentKey, AttachmentRole, ContentHash, MailboxKey, MessageKey,
    VersionKey,
};
use crate::verdict::{Deficiency, Status};

/// A message as it comes out of the mailbox, to be claimed.
#[derive(Debug, Clone, Copy)]
pub struct IncomingMessage<'a> {
    pub location: &'a MailboxKey,
    /// Without angle brackets; `None` when the mail has none.
    pub message_id: Option<&'a str>,
    /// The From address as written.
    pub from: Option<&'a str>,
    pub subject: &'a str,
    /// The time used for the deadline (and for "the latest version wins").
    pub received_at: Timestamp,
    /// The whole message, as fetched.
    pub raw: &'a [u8],
    /// Of `raw` ([`ContentHash::of`]): the caller hashes, so that a batch is hashed
    /// on every core rather than in the store's transaction.
    pub sha256: ContentHash,
}

/// What `claim` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First sight of this message: the caller processes it and then calls `file` or `fail`.
    New(MessageKey),
    /// It failed before and may be tried again: the caller processes it as if `New`.
    Retry { message: MessageKey, attempts: u32 },
    /// Already claimed, filed, or failed for good (also under another UID): leave it alone.
    Known {
        message: MessageKey,
        status: super::MessageStatus,
    },
}

/// Everything the pipeline concluded about one claimed message, filed in one transaction.
#[derive(Debug, Clone)]
pub struct Filing {
    /// From `Claim::New` or `Claim::Retry`; filing a message that is not claimed is an error.
    pub message: MessageKey,
    /// The call the applications belong to (e.g. "2020"); also picks the receipt sequence.
    pub call_id: String,
    pub filed_at: Timestamp,
    /// The message's verdict (worst of its own and its applications').
    pub status: Status,
    /// Message-level deficiencies (`no_form_found`, `late_submission`, ...).
    pub deficiencies: Vec<Deficiency>,
    /// Every attachment, with its role; stored content-addressed.
    pub attachments: Vec<NewAttachment>,
    /// One per application sheet found.
    pub applications: Vec<NewApplication>,
    /// Applications this message brings evidence for (a reply to one of our notices):
    /// its attachments with role `Evidence` are linked to each of them.
    pub evidence_for: Vec<ApplicationKey>,
}

/// An attachment of a filed message: what it is, not its bytes. Those are the
/// ones [`crate::message::parse`] finds in the message's raw bytes (as the
/// daemon's are), which are kept, so they are not stored a second time
/// ([`attachment_bytes`] takes them out again).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Decoded filename, if the part had one.
    pub filename: Option<String>,
    pub content_type: String,
    pub role: AttachmentRole,
    /// Of the bytes, hashed where the message is checked, on every core, not in
    /// the filing transaction.
    sha256: ContentHash,
    size: usize,
}

impl NewAttachment {
    pub fn new(
        filename: Option<String>,
        content_type: String,
        role: AttachmentRole,
        bytes: &[u8],
    ) -> NewAttachment {
        NewAttachment {
            filename,
            content_type,
            role,
            sha256: ContentHash::of(bytes),
            size: bytes.len(),
        }
    }

    pub fn sha256(&self) -> ContentHash {
        self.sha256
    }

    pub fn size(&self) -> usize {
        self.size
    }
}

/// One application sheet, as one new version of its application.
#[derive(Debug, Clone)]
pub struct NewApplication {
    /// Roster name of the society.
    pub society: String,
    /// Category key from the call.
    pub category: String,
    /// The project name for per-project categories, `""` otherwise.
    pub project_key: String,
    /// Index into [`Filing::attachments`] of the workbook the sheet is in.
    pub attachment: Option<usize>,
    pub sheet: String,
    /// The normalized fields as a JSON object (the `fields` of `check --json`).
    pub fields_json: String,
    pub status: Status,
    /// Short fingerprint of the normalized values, printed on the confirmation.
    pub fingerprint: String,
    pub deficiencies: Vec<Deficiency>,
    /// Whether this version may displace the current one. The pipeline says no for
    /// a version that must be kept but not win (a late resubmission, rule 9).
    /// The first version of an application is always current.
    pub may_replace: bool,
}

/// An answer to queue. Built by the pipeline, inside `file` by the render closure.
#[derive(Debug, Clone)]
pub struct OutgoingAnswer {
    pub kind: AnswerKind,
    /// One address; kept lower-cased for the per-sender count.
    pub to: String,
    pub subject: String,
    /// Fixed at queue time, without angle brackets: a reply to it finds the applications.
    pub message_id: String,
    /// The complete RFC 5322 message the sender hands to SMTP.
    pub rfc5322: HashedBytes,
    /// The applications the answer is about (a reply's `In-Reply-To` leads back here).
    pub applications: Vec<ApplicationKey>,
    /// `Some(reason)` keeps the answer as `suppressed`: never sent, kept to show why.
    pub suppressed: Option<String>,
}

/// Bytes with their SHA-256, computed with them: an answer's, kept in a pack
/// under that hash. Hashing where they are made (on every core) keeps it out of
/// the filing transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedBytes {
    bytes: Vec<u8>,
    sha256: ContentHash,
}

impl HashedBytes {
    pub fn new(bytes: Vec<u8>) -> HashedBytes {
        HashedBytes {
            sha256: ContentHash::of(&bytes),
            bytes,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn sha256(&self) -> ContentHash {
        self.sha256
    }
}

/// No bytes: e.g. an answer suppressed before it could be composed.
impl Default for HashedBytes {
    fn default() -> HashedBytes {
        HashedBytes::new(Vec::new())
    }
}

impl From<Vec<u8>> for HashedBytes {
    fn from(bytes: Vec<u8>) -> HashedBytes {
        HashedBytes::new(bytes)
    }
}

/// What `file` did, in the order of the [`Filing`]; what the render closure sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub message: MessageKey,
    pub attachments: Vec<AttachmentKey>,
    /// One per [`Filing::applications`], same order.
    pub applications: Vec<FiledApplication>,
    /// One per [`Filing::evidence_for`], same order.
    pub evidence: Vec<EvidenceLink>,
    /// The answers queued by the render closure, in its order.
    pub answers: Vec<super::AnswerKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledApplication {
    pub application: ApplicationKey,
    pub version: VersionKey,
    /// 1 for the first version of the application.
    pub version_number: u32,
    /// The application's receipt number: the same for all its versions.
    pub receipt: String,
    /// Whether this version is now the current one.
    pub is_current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceLink {
    pub application: ApplicationKey,
    pub receipt: String,
    /// How many attachments were linked.
    pub n_attachments: usize,
}

/// A delivery failure report about one of our answers.
#[derive(Debug, Clone)]
pub struct Bounce {
    /// The Message-ID of our answer that bounced.
    pub answer_message_id: String,
    /// The report itself, if it was claimed as a message.
    pub report: Option<MessageKey>,
    pub detail: String,
    pub at: Timestamp,
}

/// The error a render closure may return; `file` rolls back and reports it.
pub type RenderError = Box<dyn std::error::Error + Send + Sync>;

/// Turns what was filed into the answers to queue (they need the receipt numbers).
pub type Render<'r> = &'r dyn Fn(&Filing, &Filed) -> Result<Vec<OutgoingAnswer>, RenderError>;

/// A batch's filings, each with what was filed for it.
pub type FiledPairs<'f> = [(&'f Filing, &'f Filed)];

/// [`Render`] for a whole batch at once, one list of answers per filing in the
/// batch's order: the renderer may spread the work over threads while the
/// filing transaction waits.
pub type RenderMany<'r> =
    &'r dyn Fn(&FiledPairs<'_>) -> Result<Vec<Vec<OutgoingAnswer>>, RenderError>;

/// Renders a batch one filing after another with `render`.
pub fn render_each(
    render: Render<'_>,
) -> impl Fn(&FiledPairs<'_>) -> Result<Vec<Vec<OutgoingAnswer>>, RenderError> + '_ {
    move |pairs| {
        pairs
            .iter()
            .map(|(filing, filed)| render(filing, filed))
            .collect()
    }
}

/// The bytes of the attachment hashing to `sha256`, taken out of the raw bytes of the
/// message it came with (where a filing's attachments are kept, see [`NewAttachment`]).
/// Found by content, not position: a parser that one day lists parts differently still
/// finds it, and one that decodes it differently cannot pass off other bytes.
pub fn attachment_bytes(raw: &[u8], sha256: &ContentHash) -> Option<Vec<u8>> {
    crate::message::parse(raw)?
        .attachments
        .into_iter()
        .find(|attachment| ContentHash::of(&attachment.bytes) == *sha256)
        .map(|attachment| attachment.bytes)
}
