//! `message::parse` on broken and hostile input: it must never panic, and must
//! still give what can be read. `None` only for input without any header.

mod support;

use std::path::Path;

use proptest::prelude::*;
use shenbao::message::{self, ParsedMessage};
use support::mail::{Part, mail};

fn parse_and_use(raw: &[u8]) -> Option<ParsedMessage> {
    let message = message::parse(raw)?;
    let _ = message::links_cloud_attachment(&message);
    Some(message)
}

/// Pieces of MIME syntax, so that random sequences reach the multipart, encoding
/// and parameter code instead of stopping at the first header.
const MIME_TOKENS: &[&str] = &[
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n",
    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
    "Content-Type: message/rfc822\r\n",
    "Content-Type: text/rfc822-headers\r\n",
    "Content-Type: text/html; charset=gbk\r\n",
    "Content-Type: image/png\r\nContent-ID: <x>\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "Content-Disposition: attachment; filename*0*=gbk''%D6; filename*1*=%D0\r\n",
    "Content-Disposition: inline; filename=\"=?gb18030?B?1tDOxA==?=\"\r\n",
    "Content-Type: application/pdf; name=\"中\r\n",
    "Received: from x by y; Tue, 01 Sep 2020 08:12:30 +0800\r\n",
    "From: =?GBK?B?zMbQobe8?= <a@b>\r\n",
    "Message-ID: <m@x>\r\n",
    "<img src=\"cid:x\">",
    "--b\r\n",
    "--b--\r\n",
    "\r\n",
    "\r\n\t",
    "JVBERi0xLjQK",
    "=D6=D0=\r\n",
    "%%==??;;\"\"",
    "https://mail.163.com/large-attachment-download/",
];

fn fixture_bytes() -> Vec<Vec<u8>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail");
    let mut fixtures: Vec<Vec<u8>> = std::fs::read_dir(&folder)
        .expect("the mail fixtures folder exists")
        .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
        .collect();
    fixtures.sort();
    fixtures
}

proptest! {
    /// Any bytes at all.
    #[test]
    fn arbitrary_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_and_use(&raw);
    }

    /// Random sequences of MIME syntax and bytes.
    #[test]
    fn random_mime_never_panics(
        pieces in prop::collection::vec(
            prop_oneof![
                prop::sample::select(MIME_TOKENS).prop_map(|token| token.as_bytes().to_vec()),
                prop::collection::vec(any::<u8>(), 0..8),
            ],
            0..80,
        )
    ) {
        let _ = parse_and_use(&pieces.concat());
    }

    /// Every sample mail cut anywhere, and with a byte flipped anywhere.
    #[test]
    fn damaged_samples_never_panic(cut in any::<prop::sample::Index>(), flip in any::<u8>()) {
        for raw in fixture_bytes() {
            let position = cut.index(raw.len());
            let _ = parse_and_use(&raw[..position]);
            let mut flipped = raw.clone();
            flipped[position] ^= flip;
            let _ = parse_and_use(&flipped);
        }
    }
}

/// No headers at all is the only `None`.
#[test]
fn empty_input_is_none_and_a_lone_header_is_a_message() {
    assert!(message::parse(b"").is_none());
    let message = message::parse(b"Subject: only this").expect("one header is a message");
    assert_eq!(message.subject, "only this");
    assert!(message.attachments.is_empty());
}

/// Every sample cut at every 50th byte still parses once its first header is whole.
#[test]
fn truncated_samples_keep_their_headers() {
    for raw in fixture_bytes() {
        for position in (200..raw.len()).step_by(50) {
            let message = message::parse(&raw[..position]).expect("the cut keeps the headers");
            assert!(message.received_at.is_some());
        }
    }
}

/// A part that claims base64 but holds garbage is still kept, by its name.
#[test]
fn garbage_base64_attachment_is_kept() {
    let raw = mail(
        &["From: a@example.test"],
        Part::multipart(
            "mixed",
            "b",
            vec![
                Part::new("text/plain").body("x"),
                Part::new("application/pdf")
                    .header("Content-Disposition: attachment; filename=\"broken.pdf\"")
                    .header("Content-Transfer-Encoding: base64")
                    .body("@@@ this is ~~~ not base64 ###\r\n!!!"),
            ],
        ),
    );
    let message = message::parse(&raw).expect("has headers");
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(
        message.attachments[0].filename.as_deref(),
        Some("broken.pdf")
    );
}

/// A multipart without a boundary parameter is read as one text body.
#[test]
fn multipart_without_boundary_is_text() {
    let raw = b"From: a@example.test\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n";
    let message = message::parse(raw).expect("has headers");
    assert!(message.text_body.contains("hello"));
}

fn nested_forwards(levels: usize) -> Vec<u8> {
    let mut raw = Vec::new();
    for _ in 0..levels {
        raw.extend_from_slice(b"From: b@example.test\r\nContent-Type: message/rfc822\r\n\r\n");
    }
    raw.extend_from_slice(
        b"From: c@example.test\r\nContent-Type: application/pdf; name=deep.pdf\r\n\r\n%PDF",
    );
    raw
}

/// Forwarded messages nested tens of thousands deep neither overflow the stack
/// (mail-parser's nested tree would, when dropped) nor hang.
#[test]
fn deeply_nested_forwards_do_not_overflow() {
    let raw = [
        b"From: a@example.test\r\n".as_slice(),
        &nested_forwards(30_000),
    ]
    .concat();
    let message = message::parse(&raw).expect("has headers");
    assert_eq!(message.from.as_deref(), Some("a@example.test"));
    assert_eq!(
        message.attachments.len(),
        1,
        "the part too deep to open is kept whole"
    );
    assert_eq!(message.attachments[0].content_type, "message/rfc822");
}

/// The same inside a base64-encoded forwarded message, which mail-parser would
/// open and copy recursively while parsing.
#[test]
fn deeply_nested_forwards_inside_base64_do_not_overflow() {
    let raw = mail(
        &["From: a@example.test"],
        Part::new("message/rfc822").base64(nested_forwards(30_000)),
    );
    let message = message::parse(&raw).expect("has headers");
    assert_eq!(message.attachments.len(), 1);
    assert!(message.attachments[0].forwarded);
}
