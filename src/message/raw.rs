//! Access to the raw bytes mail-parser parsed a header from, for what it decodes
//! lossily (raw GBK) or not at all (RFC 2231 continuations in GBK).

use std::borrow::Cow;

use mail_parser::{Header, HeaderName};

/// The raw value bytes of `header` (after the colon, with folding and the final
/// line break), as found in `raw_message`, the bytes the header's part was parsed from.
pub fn header_value_bytes<'a>(raw_message: &'a [u8], header: &Header<'_>) -> Option<&'a [u8]> {
    raw_message.get(header.offset_start as usize..header.offset_end as usize)
}

/// The first header called `name` in `headers`.
pub fn first_header<'h, 'x>(
    headers: &'h [Header<'x>],
    name: &HeaderName<'_>,
) -> Option<&'h Header<'x>> {
    headers.iter().find(|header| &header.name == name)
}

/// The value of `header` as written: unfolded, trimmed, lossy UTF-8 (raw GBK recovered).
pub fn header_value_text(raw_message: &[u8], header: &Header<'_>) -> String {
    let bytes = header_value_bytes(raw_message, header).unwrap_or_default();
    super::decode::utf8_or_gb18030(&super::decode::unfold(bytes))
        .trim()
        .to_string()
}

/// mail-parser drops a header value that runs into the end of the input (a
/// truncated mail, returned headers cut short); a final line break keeps it.
pub fn with_final_line_break(raw: &[u8]) -> Cow<'_, [u8]> {
    if raw.ends_with(b"\n") {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned([raw, b"\r\n"].concat())
    }
}
