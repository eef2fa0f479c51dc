//! The readable bodies of a message: its text and its HTML (top level only; a
//! forwarded message's body is its own).

use std::borrow::Cow;

use mail_parser::decoders::html::html_to_text;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::attachments::{content_type_of, transfer_decoded_bytes};
use super::decode::utf8_or_gb18030;
use super::filename::part_filename;

/// `(text, html)`: the message's text/plain and text/html body parts, each joined
/// by a line break. When only HTML was sent, the text is derived from it roughly.
pub fn bodies(message: &Message<'_>) -> (String, String) {
    let raw_message: &[u8] = &message.raw_message;
    let html = body_parts(message, &message.html_body, raw_message)
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(recovered_text(part, html, raw_message)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = body_parts(message, &message.text_body, raw_message)
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(recovered_text(part, text, raw_message)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    if text.trim().is_empty() && !html.is_empty() {
        return (html_to_text(&html), html);
    }
    if text.is_empty() && html.is_empty() {
        return (unreadable_root_text(message, raw_message), html);
    }
    (text, html)
}

/// The part's text; when it names no charset and mail-parser's UTF-8 reading lost
/// characters, its bytes read again as raw GBK (old clients send 8-bit GBK bodies
/// without a charset).
fn recovered_text<'t>(
    part: &MessagePart<'_>,
    decoded: &'t str,
    raw_message: &[u8],
) -> Cow<'t, str> {
    let names_charset = part
        .content_type()
        .is_some_and(|content_type| content_type.attribute("charset").is_some());
    if names_charset || !decoded.contains('\u{FFFD}') {
        return Cow::Borrowed(decoded);
    }
    match transfer_decoded_bytes(part, raw_message) {
        Some(bytes) => Cow::Owned(utf8_or_gb18030(&bytes)),
        None => Cow::Borrowed(decoded),
    }
}

/// When mail-parser could not make out the structure (a multipart without a
/// boundary), it keeps the root whole and lists no body; its text is then the
/// best body there is.
fn unreadable_root_text(message: &Message<'_>, raw_message: &[u8]) -> String {
    let Some(root) = message.parts.first() else {
        return String::new();
    };
    if part_filename(root, raw_message).is_some() {
        return String::new();
    }
    match &root.body {
        PartType::Text(text) => text.to_string(),
        PartType::Binary(bytes) if content_type_of(root).starts_with("multipart/") => {
            utf8_or_gb18030(bytes)
        }
        _ => String::new(),
    }
}

/// The parts mail-parser lists as bodies, minus those with a filename: a named
/// inline text is an attachment (e.g. `说明.txt`), not what the sender wrote.
fn body_parts<'m, 'x>(
    message: &'m Message<'x>,
    part_ids: &'m [u32],
    raw_message: &'m [u8],
) -> impl Iterator<Item = &'m MessagePart<'x>> {
    part_ids
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .filter(move |part| part_filename(part, raw_message).is_none())
}
