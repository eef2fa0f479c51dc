//! Every attachment of a message, also those inside forwarded messages
//! (message/rfc822, recursively) and inline parts with a filename; inline images
//! the HTML shows by Content-ID are marked as such (signature logos, not evidence).

use std::collections::HashSet;
use std::sync::LazyLock;

use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessagePart, MimeHeaders, PartType};
use regex::Regex;

use super::decode::encoded_word::decode_base64_lenient;
use super::decode::percent_decode;
use super::filename::part_filename;
use super::nesting::original_subtype;
use super::{Attachment, Placement};

/// Forwarded messages nested deeper than this are kept whole as one attachment
/// instead of being opened: no client nests that deep, a hostile mail may.
const MAX_FORWARD_DEPTH: usize = 8;

/// `cid:` references in HTML (`<img src="cid:image001.png@01D6...">`).
static CID_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bcid:([^"'\s<>()]+)"#).expect("the cid pattern is a valid regex")
});

/// All attachments of `message` (itself `forward_depth` forwards deep), in the
/// order they appear, those of forwarded messages in their place.
pub fn collect_attachments(message: &Message<'_>, forward_depth: usize) -> Vec<Attachment> {
    let raw_message: &[u8] = &message.raw_message;
    let shown_content_ids = content_ids_shown_by_html(message);
    let forwarded = forward_depth > 0;
    let mut attachments = Vec::new();
    for part in &message.parts {
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        if is_forwarded_message(part) && forward_depth < MAX_FORWARD_DEPTH {
            let inner = super::parse_nested(&part_bytes(part, raw_message), forward_depth + 1);
            if let Some(inner) = inner {
                attachments.extend(inner.attachments.into_iter().map(|attachment| Attachment {
                    forwarded: true,
                    ..attachment
                }));
                continue;
            }
        }
        // A forwarded message too deep or without headers is kept whole.
        attachments.extend(as_attachment(
            part,
            raw_message,
            &shown_content_ids,
            forwarded,
        ));
    }
    attachments
}

/// A message/rfc822 (or message/global) part: a forwarded or returned message.
pub fn is_forwarded_message(part: &MessagePart<'_>) -> bool {
    matches!(part.body, PartType::Message(_))
        || matches!(
            content_type_of(part).as_str(),
            "message/rfc822" | "message/global"
        )
}

/// The part as an attachment, or `None` when it is a body (no filename, text).
fn as_attachment(
    part: &MessagePart<'_>,
    raw_message: &[u8],
    shown_content_ids: &HashSet<String>,
    forwarded: bool,
) -> Option<Attachment> {
    let filename = part_filename(part, raw_message);
    let content_type = content_type_of(part);
    let is_declared_attachment = part
        .content_disposition()
        .is_some_and(|disposition| disposition.is_attachment());
    if filename.is_none() && is_body_like(&content_type) && !is_declared_attachment {
        return None;
    }
    // Only images count as shown: an .xlsx referenced by cid: is still an application.
    let is_shown_image = content_type.starts_with("image/")
        && part
            .content_id()
            .is_some_and(|id| shown_content_ids.contains(&id.trim().to_lowercase()));
    Some(Attachment {
        filename,
        content_type,
        bytes: part_bytes(part, raw_message),
        placement: if is_shown_image {
            Placement::InlineShown
        } else {
            Placement::Attached
        },
        forwarded,
    })
}

/// Bodies and the machine-readable halves of reports: without a filename these
/// are the message's text, not something the sender attached. (A multipart
/// mail-parser could not split, for want of a boundary, is kept as text.)
fn is_body_like(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("multipart/")
        || content_type == "message/delivery-status"
        || content_type == "message/disposition-notification"
}

/// `type/subtype` as the sender wrote it, lower-cased; `text/plain` when absent
/// (RFC 2045 §5.2).
pub fn content_type_of(part: &MessagePart<'_>) -> String {
    let Some(content_type) = part.content_type() else {
        return "text/plain".to_string();
    };
    let main_type = content_type.ctype().to_lowercase();
    match content_type.subtype() {
        Some(subtype) => {
            let subtype = subtype.to_lowercase();
            format!("{main_type}/{}", original_subtype(&subtype))
        }
        None => main_type,
    }
}

/// The part's bytes as sent (transfer encoding undone). mail-parser hands text parts back already converted
/// to UTF-8 (lossily for bytes in no charset), so those are decoded again from the
/// raw transfer encoding.
pub fn part_bytes(part: &MessagePart<'_>, raw_message: &[u8]) -> Vec<u8> {
    match &part.body {
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes.to_vec(),
        PartType::Text(text) | PartType::Html(text) => {
            transfer_decoded_bytes(part, raw_message).unwrap_or_else(|| text.as_bytes().to_vec())
        }
        PartType::Message(_) | PartType::Multipart(_) => raw_body(part, raw_message)
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    }
}

fn raw_body<'a>(part: &MessagePart<'_>, raw_message: &'a [u8]) -> Option<&'a [u8]> {
    raw_message.get(part.offset_body as usize..part.offset_end as usize)
}

/// The part's body with its transfer encoding undone, from the raw bytes.
pub fn transfer_decoded_bytes(part: &MessagePart<'_>, raw_message: &[u8]) -> Option<Vec<u8>> {
    let body = raw_body(part, raw_message)?;
    match transfer_encoding(part) {
        Encoding::Base64 => Some(decode_base64_lenient(body)),
        Encoding::QuotedPrintable => quoted_printable_decode(body),
        Encoding::None => Some(body.to_vec()),
    }
}

/// The part's transfer encoding. mail-parser gives up on a base64 body that is
/// not closed by a boundary (a truncated mail) and hands back the raw text; the
/// declared encoding then still tells how to decode what is there.
fn transfer_encoding(part: &MessagePart<'_>) -> Encoding {
    if !part.is_encoding_problem {
        return part.encoding;
    }
    match part.content_transfer_encoding().map(str::trim) {
        Some(name) if name.eq_ignore_ascii_case("base64") => Encoding::Base64,
        Some(name) if name.eq_ignore_ascii_case("quoted-printable") => Encoding::QuotedPrintable,
        _ => Encoding::None,
    }
}

/// The Content-IDs (lower-cased, without `<>`) the message's HTML parts show.
fn content_ids_shown_by_html(message: &Message<'_>) -> HashSet<String> {
    let mut content_ids = HashSet::new();
    for part in &message.parts {
        if let PartType::Html(html) = &part.body {
            for reference in CID_REFERENCE.captures_iter(html) {
                if let Some(id) = reference.get(1) {
                    let id = id.as_str().to_lowercase();
                    // `cid:` URLs may percent-encode the Content-ID (RFC 2392).
                    let decoded =
                        String::from_utf8_lossy(&percent_decode(id.as_bytes())).into_owned();
                    content_ids.insert(decoded);
                    content_ids.insert(id);
                }
            }
        }
    }
    content_ids
}
