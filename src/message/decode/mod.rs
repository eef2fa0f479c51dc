//! Turning header bytes into text the way Chinese mail clients write them:
//! RFC 2047 encoded-words, RFC 2231 parameters and raw 8-bit GBK.
//!
//! Works on plain bytes; knows nothing of mail-parser's types, so each piece is
//! testable with a byte string.

pub mod encoded_word;
pub mod params;

use encoding_rs::{Encoding, GB18030, UTF_8};

/// Decodes `bytes` in the charset named `label` (any WHATWG label: `gbk`, `GB2312`,
/// `gb18030`, `utf-8`...). An unknown or empty label falls back to
/// [`utf8_or_gb18030`], because the bytes are then most likely one of those two.
pub fn decode_charset(label: &str, bytes: &[u8]) -> String {
    match Encoding::for_label(label.trim().as_bytes()) {
        // A UTF-8 label on bytes that are not UTF-8 is a client lying about GBK
        // (old Foxmail does); trust the bytes over the label.
        Some(encoding) if encoding == UTF_8 => utf8_or_gb18030(bytes),
        Some(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
        None => utf8_or_gb18030(bytes),
    }
}

/// UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312,
/// which is what Chinese clients write when they write 8-bit bytes unlabelled).
pub fn utf8_or_gb18030(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => GB18030.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// Removes the line breaks of a folded header value (RFC 5322 unfolding keeps the
/// white space that follows them).
pub fn unfold(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|&byte| byte != b'\r' && byte != b'\n')
        .collect()
}

/// The raw header value bytes transcoded to UTF-8 when they are not UTF-8 (raw GBK),
/// ending in a line feed so that mail-parser's field parsers can read them again.
/// `None` when the bytes are already UTF-8: re-parsing would give the same result.
pub fn raw_gbk_as_utf8(raw_value: &[u8]) -> Option<Vec<u8>> {
    if std::str::from_utf8(raw_value).is_ok() {
        return None;
    }
    let mut text = GB18030
        .decode_without_bom_handling(raw_value)
        .0
        .into_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Some(text.into_bytes())
}

/// `%XX` escapes to bytes (RFC 2231 values, RFC 2392 `cid:` URLs); a broken
/// escape stays as written.
pub fn percent_decode(text: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(text.len());
    let mut position = 0;
    while let Some(&byte) = text.get(position) {
        let escaped = (byte == b'%')
            .then(|| text.get(position + 1..position + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                decoded.push(value);
                position += 3;
            }
            None => {
                decoded.push(byte);
                position += 1;
            }
        }
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_labels_decode_chinese() {
        // 中文 in GBK.
        assert_eq!(decode_charset("GBK", b"\xd6\xd0\xce\xc4"), "中文");
        assert_eq!(decode_charset("gb2312", b"\xd6\xd0\xce\xc4"), "中文");
        assert_eq!(decode_charset("GB18030", b"\xd6\xd0\xce\xc4"), "中文");
    }

    #[test]
    fn unknown_or_lying_labels_fall_back_to_the_bytes() {
        assert_eq!(decode_charset("x-unknown", b"\xd6\xd0\xce\xc4"), "中文");
        assert_eq!(decode_charset("utf-8", b"\xd6\xd0\xce\xc4"), "中文");
        assert_eq!(decode_charset("utf-8", "中文".as_bytes()), "中文");
        assert_eq!(decode_charset("", b"plain"), "plain");
    }

    #[test]
    fn raw_gbk_is_transcoded_only_when_not_utf8() {
        assert_eq!(raw_gbk_as_utf8("中文".as_bytes()), None);
        assert_eq!(
            raw_gbk_as_utf8(b" \xd6\xd0\xce\xc4\r\n"),
            Some(" 中文\r\n".as_bytes().to_vec())
        );
    }
}
