//! Builds test mails as byte strings: MIME parts with raw header lines (8-bit
//! bytes allowed, to imitate clients that write raw GBK), base64 bodies,
//! multiparts and forwarded messages.
//!
//! ```ignore
//! let raw = mail(
//!     &["From: a@example.test", "Subject: hi"],
//!     Part::multipart("mixed", "b1", vec![
//!         Part::new("text/plain; charset=utf-8").body("hello"),
//!         Part::new("application/pdf").header("Content-Disposition: attachment; filename=a.pdf").base64(b"%PDF"),
//!     ]),
//! );
//! ```

use encoding_rs::GBK;

/// One MIME part: its header lines (Content-Type first) and its body as sent.
#[derive(Debug, Clone)]
pub struct Part {
    header_lines: Vec<Vec<u8>>,
    body: Vec<u8>,
}

impl Part {
    /// A leaf part with this Content-Type value, e.g. `text/plain; charset=utf-8`.
    pub fn new(content_type: impl AsRef<[u8]>) -> Part {
        let mut line = b"Content-Type: ".to_vec();
        line.extend_from_slice(content_type.as_ref());
        Part {
            header_lines: vec![line],
            body: Vec::new(),
        }
    }

    /// Adds a raw header line (`Name: value`, folded lines joined by `\r\n\t`).
    pub fn header(mut self, line: impl AsRef<[u8]>) -> Part {
        self.header_lines.push(line.as_ref().to_vec());
        self
    }

    /// The body as is (7bit or 8bit).
    pub fn body(mut self, bytes: impl AsRef<[u8]>) -> Part {
        self.body = bytes.as_ref().to_vec();
        self
    }

    /// The body base64-encoded in 76-column lines, with its Content-Transfer-Encoding.
    pub fn base64(self, bytes: impl AsRef<[u8]>) -> Part {
        let encoded = base64(bytes.as_ref());
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
            .collect();
        self.header("Content-Transfer-Encoding: base64")
            .body(lines.join("\r\n"))
    }

    /// A `multipart/<subtype>` part holding `parts`, closed by its final boundary.
    pub fn multipart(subtype: &str, boundary: &str, parts: Vec<Part>) -> Part {
        Part::multipart_unclosed(subtype, boundary, parts)
            .append_body(format!("\r\n--{boundary}--\r\n"))
    }

    /// Like [`Part::multipart`] but without the final boundary (a truncated mail).
    pub fn multipart_unclosed(subtype: &str, boundary: &str, parts: Vec<Part>) -> Part {
        let mut body = b"This is a multi-part message in MIME format.\r\n".to_vec();
        for part in parts {
            body.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
            body.extend_from_slice(&part.to_bytes());
        }
        Part::new(format!("multipart/{subtype}; boundary=\"{boundary}\"")).body(body)
    }

    /// A `message/rfc822` part (a forwarded message as an attachment).
    pub fn forwarded(message: impl AsRef<[u8]>) -> Part {
        Part::new("message/rfc822").body(message)
    }

    fn append_body(mut self, tail: impl AsRef<[u8]>) -> Part {
        self.body.extend_from_slice(tail.as_ref());
        self
    }

    /// Header lines, a blank line, the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for line in &self.header_lines {
            bytes.extend_from_slice(line);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// A whole message: the top-level header lines, then `root` (its own header lines
/// follow them, MIME-Version included).
pub fn mail<H: AsRef<[u8]>>(headers: &[H], root: Part) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in headers {
        bytes.extend_from_slice(line.as_ref());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"MIME-Version: 1.0\r\n");
    bytes.extend_from_slice(&root.to_bytes());
    bytes
}

/// `text` in GBK, as Chinese clients write it.
pub fn gbk(text: &str) -> Vec<u8> {
    GBK.encode(text).0.into_owned()
}

/// An RFC 2047 B encoded-word: `=?charset?B?...?=`.
pub fn encoded_word(charset: &str, bytes: &[u8]) -> String {
    format!("=?{charset}?B?{}?=", base64(bytes))
}

/// RFC 2231 percent-encoding of every byte outside ASCII letters, digits and `.`.
pub fn percent_encoded(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&byte| {
            if byte.is_ascii_alphanumeric() || byte == b'.' {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// Standard base64 with padding, on one line.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut encoded = String::new();
    for chunk in bytes.chunks(3) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0u32, |group, (index, &byte)| {
                group | u32::from(byte) << (16 - 8 * index)
            });
        for index in 0..4 {
            if index <= chunk.len() {
                let sextet = (group >> (18 - 6 * index)) & 0x3f;
                encoded.push(char::from(ALPHABET[sextet as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    encoded
}

/// `text` in GB18030 (QQ Mail's label; also covers characters outside GBK).
pub fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}
