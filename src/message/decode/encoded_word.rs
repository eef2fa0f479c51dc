//! RFC 2047 encoded-words (`=?GBK?B?1tDOxA==?=`) in any header text, also where
//! they should not be: inside quoted parameter values, as QQ Mail and Foxmail write
//! `name="=?gb18030?B?...?="`.

use super::{decode_charset, utf8_or_gb18030};

/// A charset name longer than this is not a charset: the `=?` was literal text.
const MAX_CHARSET_LEN: usize = 64;

enum Piece<'a> {
    Literal(&'a [u8]),
    Word { charset: &'a str, bytes: Vec<u8> },
}

/// Decodes every encoded-word in `input`; text between them stays as written
/// (UTF-8, or raw GBK recovered). White space between two adjacent encoded-words
/// is dropped (RFC 2047 §6.2). Adjacent words in the same charset are joined
/// before decoding, because clients split long GBK names between words in the
/// middle of a character.
pub fn decode_encoded_words(input: &[u8]) -> String {
    let pieces = split_pieces(input);
    let mut decoded = String::new();
    let mut pending_charset: Option<&str> = None;
    let mut pending_bytes: Vec<u8> = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Word { charset, bytes } => {
                if pending_charset.is_some_and(|pending| !pending.eq_ignore_ascii_case(charset)) {
                    flush_word(&mut decoded, &mut pending_charset, &mut pending_bytes);
                }
                pending_charset = Some(charset);
                pending_bytes.extend_from_slice(bytes);
            }
            Piece::Literal(bytes) => {
                let between_words = bytes.iter().all(u8::is_ascii_whitespace)
                    && index > 0
                    && matches!(pieces.get(index + 1), Some(Piece::Word { .. }))
                    && matches!(pieces.get(index - 1), Some(Piece::Word { .. }));
                if between_words {
                    continue;
                }
                flush_word(&mut decoded, &mut pending_charset, &mut pending_bytes);
                decoded.push_str(&utf8_or_gb18030(bytes));
            }
        }
    }
    flush_word(&mut decoded, &mut pending_charset, &mut pending_bytes);
    decoded
}

fn flush_word(decoded: &mut String, charset: &mut Option<&str>, bytes: &mut Vec<u8>) {
    if let Some(label) = charset.take() {
        decoded.push_str(&decode_charset(label, bytes));
        bytes.clear();
    }
}

/// Splits `input` into literal runs and encoded-words.
fn split_pieces(input: &[u8]) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut literal_start = 0;
    let mut position = 0;
    while position < input.len() {
        let word = input
            .get(position..)
            .filter(|rest| rest.starts_with(b"=?"))
            .and_then(parse_word);
        match word {
            Some((charset, bytes, length)) => {
                if literal_start < position {
                    pieces.push(Piece::Literal(&input[literal_start..position]));
                }
                pieces.push(Piece::Word { charset, bytes });
                position += length;
                literal_start = position;
            }
            None => position += 1,
        }
    }
    if literal_start < input.len() {
        pieces.push(Piece::Literal(&input[literal_start..]));
    }
    pieces
}

/// Parses one `=?charset?E?text?=` at the start of `word`: its charset (without an
/// RFC 2231 `*language`), decoded bytes and length in `word`.
fn parse_word(word: &[u8]) -> Option<(&str, Vec<u8>, usize)> {
    let after_start = word.get(2..)?;
    let charset_len = after_start.iter().position(|&byte| byte == b'?')?;
    let charset_field = std::str::from_utf8(after_start.get(..charset_len)?).ok()?;
    let charset = charset_field.split('*').next().unwrap_or_default();
    let charset_is_plausible = !charset.is_empty()
        && charset.len() <= MAX_CHARSET_LEN
        && charset.bytes().all(|byte| byte.is_ascii_graphic());
    if !charset_is_plausible {
        return None;
    }
    let encoding = *after_start.get(charset_len + 1)?;
    if after_start.get(charset_len + 2) != Some(&b'?') {
        return None;
    }
    let text_start = charset_len + 3;
    let text_and_rest = after_start.get(text_start..)?;
    let text_len = text_and_rest.windows(2).position(|pair| pair == b"?=")?;
    let text = text_and_rest.get(..text_len)?;
    let bytes = match encoding.to_ascii_uppercase() {
        b'B' => decode_base64_lenient(text),
        b'Q' => decode_q(text),
        _ => return None,
    };
    Some((charset, bytes, 2 + text_start + text_len + 2))
}

/// Base64 that skips anything outside the alphabet and stops at padding, since
/// encoded-words in the wild come with stray spaces and missing `=`.
pub fn decode_base64_lenient(text: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut accumulator: u32 = 0;
    let mut n_bits = 0;
    for &byte in text {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        accumulator = (accumulator << 6) | u32::from(value);
        n_bits += 6;
        if n_bits >= 8 {
            n_bits -= 8;
            decoded.push((accumulator >> n_bits) as u8);
            accumulator &= (1 << n_bits) - 1;
        }
    }
    decoded
}

/// The Q encoding: `_` is a space, `=XX` a byte; a broken escape stays as written.
fn decode_q(text: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(text.len());
    let mut position = 0;
    while let Some(&byte) = text.get(position) {
        match byte {
            b'_' => decoded.push(b' '),
            b'=' => {
                let escaped = text
                    .get(position + 1..position + 3)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                if let Some(value) = escaped {
                    decoded.push(value);
                    position += 3;
                    continue;
                }
                decoded.push(byte);
            }
            _ => decoded.push(byte),
        }
        position += 1;
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_base64_word_decodes() {
        assert_eq!(
            decode_encoded_words(b"=?GBK?B?tefX09Gnu+HJ6rGoyukueGxzeA==?="),
            "电子学会申报书.xlsx"
        );
    }

    #[test]
    fn gb18030_and_q_words_decode() {
        assert_eq!(
            decode_encoded_words(b"=?gb18030?B?1tDOxC5wZGY=?="),
            "中文.pdf"
        );
        assert_eq!(
            decode_encoded_words(b"=?gb2312?Q?=D6=D0=CE=C4_a.pdf?="),
            "中文 a.pdf"
        );
        assert_eq!(decode_encoded_words(b"=?UTF-8?Q?=E4=B8=AD?="), "中");
    }

    #[test]
    fn words_split_inside_a_character_are_joined() {
        // 中文 = D6 D0 CE C4, split after D6: "1g==" and "0M7E".
        assert_eq!(
            decode_encoded_words(b"=?GBK?B?1g==?= =?GBK?B?0M7E?="),
            "中文"
        );
    }

    #[test]
    fn text_around_words_is_kept_and_space_between_words_dropped() {
        assert_eq!(
            decode_encoded_words(b"Re: =?UTF-8?B?5Lit?=  =?UTF-8?B?5paH?= ok"),
            "Re: 中文 ok"
        );
    }

    #[test]
    fn malformed_words_stay_literal() {
        assert_eq!(decode_encoded_words(b"=?GBK?X?abc?="), "=?GBK?X?abc?=");
        assert_eq!(decode_encoded_words(b"a =? b"), "a =? b");
        assert_eq!(
            decode_encoded_words(b"=?GBK?B?unterminated"),
            "=?GBK?B?unterminated"
        );
    }

    #[test]
    fn lenient_base64_skips_noise() {
        assert_eq!(decode_base64_lenient(b"5L it\r\n"), "中".as_bytes());
    }
}
