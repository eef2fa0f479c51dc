//! Delivery status reports (RFC 3464 in a multipart/report, RFC 6522): whether a
//! message is one, and which of our messages it returns.

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::attachments::{content_type_of, is_forwarded_message, part_bytes};
use super::raw::with_final_line_break;

/// Local parts of the addresses bounces come from.
const BOUNCE_SENDERS: [&str; 2] = ["mailer-daemon", "postmaster"];

/// True for a multipart/report whose report-type is delivery-status, or any
/// multipart/report from MAILER-DAEMON/postmaster (some servers leave out the
/// report-type). Nothing else is guessed to be a bounce.
pub fn is_delivery_report(message: &Message<'_>, from: Option<&str>) -> bool {
    let Some(content_type) = message.root_part().content_type() else {
        return false;
    };
    let is_report = content_type.ctype().eq_ignore_ascii_case("multipart")
        && content_type
            .subtype()
            .is_some_and(|subtype| subtype.eq_ignore_ascii_case("report"));
    if !is_report {
        return false;
    }
    let is_delivery_status = content_type
        .attribute("report-type")
        .is_some_and(|report_type| report_type.trim().eq_ignore_ascii_case("delivery-status"));
    is_delivery_status || from.is_some_and(is_bounce_sender)
}

fn is_bounce_sender(address: &str) -> bool {
    let local_part = address.split('@').next().unwrap_or_default();
    BOUNCE_SENDERS
        .iter()
        .any(|sender| local_part.trim().eq_ignore_ascii_case(sender))
}

/// The Message-IDs of the returned original(s): from a message/rfc822 part or a
/// text/rfc822-headers part of the report, without duplicates. Only the headers
/// are read: the original is not opened as a message.
pub fn bounced_message_ids(message: &Message<'_>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for part in &message.parts {
        let Some(id) = returned_message_id(part, &message.raw_message) else {
            continue;
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn returned_message_id(part: &MessagePart<'_>, raw_message: &[u8]) -> Option<String> {
    if let PartType::Message(returned) = &part.body {
        return returned.message_id().map(str::to_string);
    }
    let holds_original = is_forwarded_message(part)
        || matches!(
            content_type_of(part).as_str(),
            "text/rfc822-headers" | "message/rfc822-headers"
        );
    if !holds_original {
        return None;
    }
    let returned = part_bytes(part, raw_message);
    MessageParser::default()
        .parse_headers(with_final_line_break(&returned).as_ref())?
        .message_id()
        .map(str::to_string)
}
