//! The readable bodies of a message: its text and its HTML (top level only; a
//! forwarded message's body is its own).

use mail_parser::decoders::html::html_to_text;
use mail_parser::{Message, MessagePart, PartType};

use super::filename::part_filename;

/// `(text, html)`: the message's text/plain and text/html body parts, each joined
/// by a line break. When only HTML was sent, the text is derived from it roughly.
pub fn bodies(message: &Message<'_>) -> (String, String) {
    let raw_message: &[u8] = &message.raw_message;
    let html = body_parts(message, &message.html_body, raw_message)
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(html.as_ref()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = body_parts(message, &message.text_body, raw_message)
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    if text.trim().is_empty() && !html.is_empty() {
        return (html_to_text(&html), html);
    }
    (text, html)
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
