//! Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3), since a folder like 已受理
//! must be sent as `&XfJT13QG-` to servers that have not enabled UTF8=ACCEPT
//! (163, QQ and Dovecot by default all expect it). Pure.

const BASE64_IMAP: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// `name` (plain Unicode, as configured) in modified UTF-7.
pub fn encode_mailbox_name(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for character in name.chars() {
        if (' '..='~').contains(&character) {
            flush_utf16(&mut pending, &mut encoded);
            if character == '&' {
                encoded.push_str("&-");
            } else {
                encoded.push(character);
            }
        } else {
            let mut units = [0u16; 2];
            pending.extend_from_slice(character.encode_utf16(&mut units));
        }
    }
    flush_utf16(&mut pending, &mut encoded);
    encoded
}

/// Writes `&` + base64 (`,` for `/`, no padding) of the UTF-16BE units + `-`.
fn flush_utf16(units: &mut Vec<u16>, out: &mut String) {
    if units.is_empty() {
        return;
    }
    let bytes: Vec<u8> = units.iter().flat_map(|unit| unit.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let sextets = [
            b0 >> 2,
            ((b0 & 0x03) << 4) | (b1 >> 4),
            ((b1 & 0x0f) << 2) | (b2 >> 6),
            b2 & 0x3f,
        ];
        // 1 byte → 2 characters, 2 → 3, 3 → 4.
        for sextet in &sextets[..chunk.len() + 1] {
            out.push(char::from(BASE64_IMAP[usize::from(*sextet)]));
        }
    }
    out.push('-');
    units.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_table() {
        for (name, expected) in [
            ("INBOX", "INBOX"),
            ("Filed/2020", "Filed/2020"),
            ("A&B", "A&-B"),
            // RFC 3501 §5.1.3 example
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            ("已受理", "&XfJT13QG-"),
            ("申报 2020", "&dTNipQ- 2020"),
            ("😀", "&2D3eAA-"),
        ] {
            assert_eq!(encode_mailbox_name(name), expected, "{name}");
        }
    }
}
