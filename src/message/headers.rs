//! The envelope of a message from its top-level headers: sender, recipients,
//! subject, identifiers, dates, and the headers that say whether we may answer.

use mail_parser::{Address, Header, HeaderName, HeaderValue, Message, parsers::MessageStream};

use super::ParsedMessage;
use super::decode::raw_gbk_as_utf8;
use super::raw::{first_header, header_value_bytes, header_value_text};
use super::received::{received_at, to_timestamp};

/// Headers (lower-cased) the daemon reads to decide whether to answer (RFC 3834 and
/// the de-facto ones of Exchange and list managers). `list-*` is matched by prefix.
const AUTO_HEADER_NAMES: [&str; 6] = [
    "auto-submitted",
    "precedence",
    "x-auto-response-suppress",
    "x-autoreply",
    "x-autorespond",
    "return-path",
];

/// Fills the envelope fields of `parsed` from the top-level headers of `message`.
pub fn fill_envelope(message: &Message<'_>, parsed: &mut ParsedMessage) {
    let raw_message: &[u8] = &message.raw_message;
    let headers = message.headers();

    let from = recovered_address(headers, raw_message, &HeaderName::From);
    let first_from = from.as_ref().and_then(|address| address.first());
    parsed.from = first_from
        .and_then(|addr| addr.address())
        .map(|address| address.trim().to_string());
    parsed.from_name = first_from
        .and_then(|addr| addr.name())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string);
    parsed.reply_to = message
        .reply_to()
        .and_then(Address::first)
        .and_then(|addr| addr.address())
        .map(str::to_string);
    parsed.to = message
        .all_to()
        .flat_map(|address| address.iter())
        .filter_map(|addr| addr.address())
        .map(str::to_string)
        .collect();
    parsed.subject = recovered_subject(message, raw_message);
    parsed.message_id = message.message_id().map(str::to_string);
    parsed.in_reply_to = id_list(message.in_reply_to());
    parsed.references = id_list(message.references());
    parsed.date = message.date().and_then(to_timestamp);
    parsed.received_at = received_at(message);
    parsed.auto_headers = auto_headers(headers, raw_message);
}

/// The address header `name`, re-parsed from GB18030 when its raw bytes are not
/// UTF-8 (a display name in raw GBK, which mail-parser turns into U+FFFD).
fn recovered_address(
    headers: &[Header<'_>],
    raw_message: &[u8],
    name: &HeaderName<'_>,
) -> Option<Address<'static>> {
    let header = first_header(headers, name)?;
    let transcoded = header_value_bytes(raw_message, header).and_then(raw_gbk_as_utf8);
    let value = match transcoded {
        Some(utf8) => MessageStream::new(&utf8).parse_address().into_owned(),
        None => header.value.clone().into_owned(),
    };
    value.into_address()
}

/// The decoded subject; re-parsed from GB18030 when the raw bytes are not UTF-8.
fn recovered_subject(message: &Message<'_>, raw_message: &[u8]) -> String {
    let subject = message.subject().unwrap_or_default();
    if !subject.contains('\u{FFFD}') {
        return subject.trim().to_string();
    }
    let transcoded = first_header(message.headers(), &HeaderName::Subject)
        .and_then(|header| header_value_bytes(raw_message, header))
        .and_then(raw_gbk_as_utf8);
    match transcoded {
        Some(utf8) => MessageStream::new(&utf8)
            .parse_unstructured()
            .as_text()
            .unwrap_or(subject)
            .trim()
            .to_string(),
        None => subject.trim().to_string(),
    }
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    value
        .as_text_list()
        .unwrap_or_default()
        .iter()
        .map(|id| id.to_string())
        .collect()
}

/// `(lower-cased name, raw value)` of every header that bears on auto-replies.
fn auto_headers(headers: &[Header<'_>], raw_message: &[u8]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|header| {
            let name = header.name.as_str().to_ascii_lowercase();
            let is_auto_header =
                name.starts_with("list-") || AUTO_HEADER_NAMES.contains(&name.as_str());
            is_auto_header.then(|| (name, header_value_text(raw_message, header)))
        })
        .collect()
}
