//! Parameters of a Content-Type or Content-Disposition header, read from the raw
//! header bytes: quoted or bare values, RFC 2231 (`filename*=gbk''%D6%D0`, with
//! continuations `filename*0*=`, `filename*1*=`), encoded-words inside values, and
//! raw 8-bit GBK.
//!
//! mail-parser decodes each RFC 2231 continuation on its own, which garbles a GBK
//! character split between two of them; joining the bytes first avoids that.

use super::{decode_charset, encoded_word::decode_encoded_words, percent_decode, unfold};

/// One `name=value` of the header, the value unquoted but not decoded.
struct RawParameter {
    /// Lower-cased, with any RFC 2231 `*N` / `*` suffix still on it.
    name: String,
    value: Vec<u8>,
}

/// One piece of an RFC 2231 value: `name*N=` or `name*N*=` (or `name*=`, index 0).
struct Segment {
    index: u32,
    is_encoded: bool,
    value: Vec<u8>,
}

/// The decoded value of parameter `name` (e.g. `filename`) in a raw header value,
/// or `None` when it is absent or blank. An RFC 2231 form wins over a plain one.
pub fn parameter(raw_value: &[u8], name: &str) -> Option<String> {
    let name = name.to_ascii_lowercase();
    let parameters = split_parameters(&unfold(raw_value));
    let mut segments: Vec<Segment> = parameters
        .iter()
        .filter_map(|parameter| rfc2231_segment(parameter, &name))
        .collect();
    let decoded = if segments.is_empty() {
        let plain = parameters.iter().find(|parameter| parameter.name == name)?;
        decode_encoded_words(&plain.value)
    } else {
        segments.sort_by_key(|segment| segment.index);
        join_segments(&segments)
    };
    let decoded = decoded.trim();
    (!decoded.is_empty()).then(|| decoded.to_string())
}

/// Splits `main-value; a=1; b="x;y"` into its parameters (the main value dropped).
fn split_parameters(value: &[u8]) -> Vec<RawParameter> {
    let mut parameters = Vec::new();
    let mut position = match value.iter().position(|&byte| byte == b';') {
        Some(separator) => separator + 1,
        None => return parameters,
    };
    while position < value.len() {
        while value
            .get(position)
            .is_some_and(|&byte| byte == b';' || byte.is_ascii_whitespace())
        {
            position += 1;
        }
        let name_start = position;
        while value
            .get(position)
            .is_some_and(|&byte| byte != b'=' && byte != b';')
        {
            position += 1;
        }
        let name = String::from_utf8_lossy(value.get(name_start..position).unwrap_or_default())
            .trim()
            .to_ascii_lowercase();
        if value.get(position) != Some(&b'=') {
            continue;
        }
        position += 1;
        while value.get(position).is_some_and(u8::is_ascii_whitespace) {
            position += 1;
        }
        let (parameter_value, next) = if value.get(position) == Some(&b'"') {
            read_quoted(value, position + 1)
        } else {
            read_bare(value, position)
        };
        position = next;
        if !name.is_empty() {
            parameters.push(RawParameter {
                name,
                value: parameter_value,
            });
        }
    }
    parameters
}

/// Reads a quoted-string body from `start` (just past the opening quote) and skips to
/// the next `;`. A missing closing quote ends the value at the end of the header.
fn read_quoted(value: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut unquoted = Vec::new();
    let mut position = start;
    while let Some(&byte) = value.get(position) {
        position += 1;
        match byte {
            b'"' => break,
            b'\\' => {
                if let Some(&escaped) = value.get(position) {
                    unquoted.push(escaped);
                    position += 1;
                }
            }
            _ => unquoted.push(byte),
        }
    }
    while value.get(position).is_some_and(|&byte| byte != b';') {
        position += 1;
    }
    (unquoted, position)
}

/// Reads a bare value up to the next `;`, trimmed (lenient: spaces are kept inside).
fn read_bare(value: &[u8], start: usize) -> (Vec<u8>, usize) {
    let end = value
        .get(start..)
        .and_then(|rest| rest.iter().position(|&byte| byte == b';'))
        .map_or(value.len(), |length| start + length);
    let bare = value
        .get(start..end)
        .unwrap_or_default()
        .trim_ascii()
        .to_vec();
    (bare, end)
}

/// The RFC 2231 segment of `name` this parameter is, if it is one.
fn rfc2231_segment(parameter: &RawParameter, name: &str) -> Option<Segment> {
    let suffix = parameter.name.strip_prefix(name)?.strip_prefix('*')?;
    let (index_text, is_encoded) = match suffix.strip_suffix('*') {
        Some(index_text) => (index_text, true),
        None if suffix.is_empty() => ("0", true),
        None => (suffix, false),
    };
    let index = index_text.parse().ok()?;
    Some(Segment {
        index,
        is_encoded,
        value: parameter.value.clone(),
    })
}

/// Joins the segments' bytes, then decodes them once in the charset the first
/// segment names (`charset'language'text`).
fn join_segments(segments: &[Segment]) -> String {
    let mut charset = String::new();
    let mut bytes = Vec::new();
    for (position, segment) in segments.iter().enumerate() {
        if !segment.is_encoded {
            bytes.extend_from_slice(&segment.value);
            continue;
        }
        let mut text = segment.value.as_slice();
        if position == 0 {
            let mut fields = text.splitn(3, |&byte| byte == b'\'');
            if let (Some(label), Some(_language), Some(rest)) =
                (fields.next(), fields.next(), fields.next())
            {
                charset = String::from_utf8_lossy(label).into_owned();
                text = rest;
            }
        }
        bytes.extend(percent_decode(text));
    }
    if charset.trim().is_empty() {
        // No charset: plain continuations, which some clients fill with encoded-words.
        decode_encoded_words(&bytes)
    } else {
        decode_charset(&charset, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_encoded_word_as_qq_mail_writes_it() {
        let header = b" application/octet-stream;\r\n\tname=\"=?gb18030?B?1tDOxC54bHN4?=\"\r\n";
        assert_eq!(parameter(header, "name").as_deref(), Some("中文.xlsx"));
    }

    #[test]
    fn rfc2231_single_and_continued() {
        let single = b" attachment; filename*=gbk''%D6%D0%CE%C4.xlsx";
        assert_eq!(parameter(single, "filename").as_deref(), Some("中文.xlsx"));
        // The GBK character 中 (D6 D0) is split between the two segments.
        let continued =
            b" attachment;\r\n filename*0*=GBK''%D6;\r\n filename*1*=%D0%CE%C4;\r\n filename*2=.xlsx";
        assert_eq!(
            parameter(continued, "filename").as_deref(),
            Some("中文.xlsx")
        );
    }

    #[test]
    fn rfc2231_segments_out_of_order_are_sorted() {
        let header = b" attachment; filename*1*=%E6%96%87.pdf; filename*0*=utf-8'zh'%E4%B8%AD";
        assert_eq!(parameter(header, "filename").as_deref(), Some("中文.pdf"));
    }

    #[test]
    fn rfc2231_wins_over_plain() {
        let header = b" attachment; filename=\"fallback.xlsx\"; filename*=UTF-8''%E4%B8%AD.xlsx";
        assert_eq!(parameter(header, "filename").as_deref(), Some("中.xlsx"));
    }

    #[test]
    fn raw_gbk_bytes_are_recovered() {
        let header = b" attachment; filename=\"\xd6\xd0\xce\xc4.xlsx\"";
        assert_eq!(parameter(header, "filename").as_deref(), Some("中文.xlsx"));
    }

    #[test]
    fn bare_values_escapes_and_absence() {
        assert_eq!(
            parameter(b" inline; filename=a b.pdf ; x=1", "filename").as_deref(),
            Some("a b.pdf")
        );
        assert_eq!(
            parameter(b" inline; filename=\"a\\\"b;c\"", "filename").as_deref(),
            Some("a\"b;c")
        );
        assert_eq!(
            parameter(b" inline; filename=\"unterminated", "filename").as_deref(),
            Some("unterminated")
        );
        assert_eq!(parameter(b" inline; filename=\"\"", "filename"), None);
        assert_eq!(parameter(b" inline", "filename"), None);
        assert_eq!(parameter(b" inline; filenamex=1", "filename"), None);
    }
}
