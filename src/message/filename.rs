//! The filename of a MIME part: Content-Disposition `filename`, else Content-Type
//! `name`, decoded from the raw header bytes (see [`super::decode::params`]).

use mail_parser::{HeaderName, MessagePart, MimeHeaders};

use super::decode::params::parameter;
use super::raw::{first_header, header_value_bytes};

/// The decoded filename of `part`, or `None` when it has none. `raw_message` is the
/// byte string the part's header offsets point into.
pub fn part_filename(part: &MessagePart<'_>, raw_message: &[u8]) -> Option<String> {
    header_parameter(
        part,
        raw_message,
        &HeaderName::ContentDisposition,
        "filename",
    )
    .or_else(|| header_parameter(part, raw_message, &HeaderName::ContentType, "name"))
    // mail-parser's own reading, in case the raw bytes could not be reached.
    .or_else(|| {
        part.attachment_name()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
    })
}

fn header_parameter(
    part: &MessagePart<'_>,
    raw_message: &[u8],
    header_name: &HeaderName<'_>,
    parameter_name: &str,
) -> Option<String> {
    let header = first_header(&part.headers, header_name)?;
    parameter(header_value_bytes(raw_message, header)?, parameter_name)
}
