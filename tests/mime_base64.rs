//! The vendored mail-parser decodes base64 parts a group at a time
//! (`vendor/mail-parser/PATCHED.md`). These tests hold it to two references:
//! the bytes that were encoded, and mail-parser 0.10.2, whose MIME base64
//! decoder is the unpatched one, line for line, and which reads malformed
//! parts the way the patched one must.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;

/// A mail with a text part and one base64 part whose encoded body is `body`.
fn mail_with_part(body: &[u8], line_end: &str) -> Vec<u8> {
    let mut mail = format!(
        "From: a@example.test{e}To: b@example.test{e}Subject: t{e}MIME-Version: 1.0{e}\
         Content-Type: multipart/mixed; boundary=\"b1\"{e}{e}--b1{e}\
         Content-Type: text/plain{e}{e}hello{e}--b1{e}\
         Content-Type: application/octet-stream{e}Content-Transfer-Encoding: base64{e}\
         Content-Disposition: attachment; filename=\"x.bin\"{e}{e}",
        e = line_end
    )
    .into_bytes();
    mail.extend_from_slice(body);
    mail.extend_from_slice(format!("{line_end}--b1--{line_end}").as_bytes());
    mail
}

/// `encoded` broken into lines of `width` characters (a width that is not a
/// multiple of four splits groups across lines), each line ended by `line_end`
/// after `trailing` spaces.
fn wrapped(encoded: &str, width: usize, line_end: &str, trailing: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for line in encoded.as_bytes().chunks(width) {
        body.extend_from_slice(line);
        body.extend(std::iter::repeat_n(b' ', trailing));
        body.extend_from_slice(line_end.as_bytes());
    }
    body
}

/// What the patched parser read: for each part, its decoded bytes, whether it
/// had an encoding problem, and where its body ends.
fn read_patched(mail: &[u8]) -> Vec<(Vec<u8>, bool, u64)> {
    let message = mail_parser::MessageParser::default().parse(mail).unwrap();
    message
        .parts
        .iter()
        .map(|part| {
            let end = u64::from(part.offset_end);
            (part.contents().to_vec(), part.is_encoding_problem, end)
        })
        .collect()
}

/// The same, read by the unpatched decoder.
fn read_unpatched(mail: &[u8]) -> Vec<(Vec<u8>, bool, u64)> {
    let message = mail_parser_unpatched::MessageParser::default()
        .parse(mail)
        .unwrap();
    message
        .parts
        .iter()
        .map(|part| {
            let end = part.offset_end as u64;
            (part.contents().to_vec(), part.is_encoding_problem, end)
        })
        .collect()
}

#[test]
fn a_real_attachment_decodes_to_its_bytes() {
    let workbook = std::fs::read("tests/fixtures/samples/p01_service.xlsx").unwrap();
    let encoded = wrapped(&STANDARD.encode(&workbook), 76, "\r\n", 0);
    let mail = mail_with_part(&encoded, "\r\n");
    let parts = read_patched(&mail);
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[2].0, workbook);
    assert!(!parts[2].1);
}

#[test]
fn padding_whitespace_and_odd_characters_read_as_before() {
    for body in [
        "w6HDqcOtw7PDug==",
        "w\n6\nH\nD\nq\nc\nO\nt\nw\n7\n P\tD u g\n==",
        "w6HD=qcOtw7PDug==",
        "w6HDq=cOtw7PDug",
        "w6HDqcOt-w7PDug==",
        "w6HDqcOt*w7PDug==",
        "w6HDqcOtw7PDug==--b1",
        "AAAA\r\nAAA\r\n-",
        "-AAAA-AAAA",
        "-AAAA-b1\r\nAAAA",
        "\rAAAA\nAAAA\r\n--b1",
        "",
    ] {
        let mail = mail_with_part(body.as_bytes(), "\r\n");
        assert_eq!(read_patched(&mail), read_unpatched(&mail), "body {body:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_wrapped_any_way_decode_to_themselves(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        width in 1usize..100,
        crlf in any::<bool>(),
        trailing in 0usize..3,
    ) {
        let line_end = if crlf { "\r\n" } else { "\n" };
        let body = wrapped(&STANDARD.encode(&bytes), width, line_end, trailing);
        let mail = mail_with_part(&body, line_end);
        let parts = read_patched(&mail);
        prop_assert_eq!(&parts[2].0, &bytes);
        prop_assert_eq!(parts, read_unpatched(&mail));
    }

    #[test]
    fn malformed_bodies_read_as_the_unpatched_decoder_reads_them(
        body in proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(b"AZaz09+/".to_vec()),
                1 => proptest::sample::select(b"= \t\r\n-*b1".to_vec()),
            ],
            0..300,
        ),
    ) {
        let mail = mail_with_part(&body, "\r\n");
        prop_assert_eq!(read_patched(&mail), read_unpatched(&mail));
    }
}
