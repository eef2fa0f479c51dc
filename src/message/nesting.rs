//! Keeps mail-parser from nesting messages: we open forwarded messages ourselves.
//!
//! mail-parser builds a message/rfc822 part into a nested message tree whose
//! depth only the input bounds; dropping (or, for encoded parts, copying) such a
//! tree recurses once per level, so a small hostile mail of nested
//! `Content-Type: message/rfc822` lines overflows the stack and aborts the process.
//! Before parsing, the subtypes that make it nest (`rfc822`, `global`, and
//! `digest`, whose parts default to messages) are renamed in Content-Type headers
//! with one byte changed (same length, so offsets hold); the part then comes back
//! as plain bytes, which [`super::attachments`] parses again, depth-capped.

use std::borrow::Cow;

/// Subtypes that make mail-parser nest, and what they are renamed to.
const NESTING_SUBTYPES: [(&[u8], &str); 3] = [
    (b"rfc822", "_fc822"),
    (b"global", "_lobal"),
    (b"digest", "_igest"),
];

/// `raw` with every nesting subtype in a Content-Type header renamed.
pub fn without_nesting(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut renamed: Option<Vec<u8>> = None;
    let mut line_start = 0;
    while line_start < raw.len() {
        let line_end = logical_line_end(raw, line_start);
        if let Some(type_range) = content_type_value(raw, line_start, line_end) {
            for (subtype, replacement) in NESTING_SUBTYPES {
                for position in find_token_ignoring_case(raw, type_range.clone(), subtype) {
                    let bytes = renamed.get_or_insert_with(|| raw.to_vec());
                    if let Some(first) = bytes.get_mut(position) {
                        *first = replacement.as_bytes()[0];
                    }
                }
            }
        }
        line_start = line_end + 1;
    }
    match renamed {
        Some(bytes) => Cow::Owned(bytes),
        None => Cow::Borrowed(raw),
    }
}

/// The subtype as the sender wrote it (lower-case), undoing [`without_nesting`].
pub fn original_subtype(subtype: &str) -> &str {
    NESTING_SUBTYPES
        .iter()
        .find(|(_, replacement)| *replacement == subtype)
        .and_then(|(original, _)| std::str::from_utf8(original).ok())
        .unwrap_or(subtype)
}

/// The index of the line feed ending the header line that starts at `start`,
/// folded continuation lines included (or `raw.len()`).
fn logical_line_end(raw: &[u8], start: usize) -> usize {
    let mut position = start;
    loop {
        let Some(offset) = raw
            .get(position..)
            .and_then(|rest| memchr::memchr(b'\n', rest))
        else {
            return raw.len();
        };
        let line_feed = position + offset;
        if matches!(raw.get(line_feed + 1), Some(b' ' | b'\t')) {
            position = line_feed + 1;
        } else {
            return line_feed;
        }
    }
}

/// When the line is a Content-Type header, the range of its type/subtype: from
/// the colon to the first `;` outside a comment. mail-parser reads a type through
/// quotes, comments and spaces, so the whole range is searched.
fn content_type_value(raw: &[u8], start: usize, end: usize) -> Option<std::ops::Range<usize>> {
    const NAME: &[u8] = b"content-type";
    let line = raw.get(start..end)?;
    let indent = line
        .iter()
        .take_while(|byte| byte.is_ascii_whitespace())
        .count();
    let name = line.get(indent..indent + NAME.len())?;
    if !name.eq_ignore_ascii_case(NAME) {
        return None;
    }
    let after_name = indent + NAME.len();
    let colon = after_name
        + line
            .get(after_name..)?
            .iter()
            .position(|&byte| !byte.is_ascii_whitespace())?;
    if line.get(colon) != Some(&b':') {
        return None;
    }
    let mut comment_depth = 0usize;
    let mut value_end = line.len();
    for (offset, &byte) in line.iter().enumerate().skip(colon + 1) {
        match byte {
            b'(' => comment_depth += 1,
            b')' => comment_depth = comment_depth.saturating_sub(1),
            b';' if comment_depth == 0 => {
                value_end = offset;
                break;
            }
            _ => {}
        }
    }
    Some(start + colon + 1..start + value_end)
}

/// Where `token` stands as a whole token (not `rfc822-headers`) in `range` of `raw`.
fn find_token_ignoring_case(raw: &[u8], range: std::ops::Range<usize>, token: &[u8]) -> Vec<usize> {
    let Some(haystack) = raw.get(range.clone()) else {
        return Vec::new();
    };
    let is_boundary = |position: Option<&u8>| position.is_none_or(|&byte| !is_token_byte(byte));
    haystack
        .windows(token.len())
        .enumerate()
        .filter(|&(offset, window)| {
            window.eq_ignore_ascii_case(token)
                && is_boundary(
                    offset
                        .checked_sub(1)
                        .and_then(|before| haystack.get(before)),
                )
                && is_boundary(haystack.get(offset + token.len()))
        })
        .map(|(offset, _)| range.start + offset)
        .collect()
}

/// RFC 2045 token characters.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`{|}~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_subtypes_are_renamed_in_content_type_only() {
        let raw = b"Content-Type: message/RFC822\r\nX-Note: message/rfc822\r\n\r\nbody message/rfc822\r\n";
        let renamed = without_nesting(raw);
        assert_eq!(
            renamed.as_ref(),
            b"Content-Type: message/_FC822\r\nX-Note: message/rfc822\r\n\r\nbody message/rfc822\r\n"
        );
    }

    #[test]
    fn folded_commented_and_spaced_types_are_found_but_parameters_kept() {
        let raw = b"content-type :\r\n\t\"message\" / (a;b) global; name=\"global.eml\"\r\n";
        let renamed = without_nesting(raw);
        assert_eq!(
            renamed.as_ref(),
            b"content-type :\r\n\t\"message\" / (a;b) _lobal; name=\"global.eml\"\r\n".as_slice()
        );
        let headers = b"Content-Type: text/rfc822-headers\r\nContent-Type: message/x-global\r\n";
        assert!(matches!(without_nesting(headers), Cow::Borrowed(_)));
        let digest = without_nesting(b"Content-Type: multipart/digest; boundary=x\r\n");
        assert_eq!(
            digest.as_ref(),
            b"Content-Type: multipart/_igest; boundary=x\r\n"
        );
    }

    #[test]
    fn untouched_input_is_borrowed_and_subtypes_map_back() {
        assert!(matches!(
            without_nesting(b"Content-Type: text/plain\r\n"),
            Cow::Borrowed(_)
        ));
        assert_eq!(original_subtype("_fc822"), "rfc822");
        assert_eq!(original_subtype("_lobal"), "global");
        assert_eq!(original_subtype("plain"), "plain");
    }
}
