//! `message::parse` on the sample mails and on mails built to show one client
//! habit each: what a sender, a name, an attachment or a bounce must come out as.

mod support;

use std::path::Path;

use jiff::Timestamp;
use shenbao::message::{self, Attachment, ParsedMessage, Placement};
use support::mail::{Part, encoded_word, gb18030, gbk, mail, percent_encoded};

fn fixture(name: &str) -> ParsedMessage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mail")
        .join(name);
    let raw = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    message::parse(&raw).unwrap_or_else(|| panic!("{name} has headers"))
}

fn parsed(raw: &[u8]) -> ParsedMessage {
    message::parse(raw).expect("the test mail has headers")
}

fn instant(text: &str) -> Timestamp {
    text.parse().expect("a valid test instant")
}

fn names(message: &ParsedMessage) -> Vec<&str> {
    message
        .attachments
        .iter()
        .map(|attachment| attachment.filename.as_deref().unwrap_or("<none>"))
        .collect()
}

fn named<'m>(message: &'m ParsedMessage, name: &str) -> &'m Attachment {
    message
        .attachments
        .iter()
        .find(|attachment| attachment.filename.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no attachment {name:?} in {:?}", names(message)))
}

const APPLICANT: &str = "From: \"Applicant\" <apply@society.example>";
const TO_US: &str = "To: czkxxhb@163.com";

/// p12 (163 webmail): the received time is the top-most Received header's, not Date.
#[test]
fn p12_received_time_is_the_top_most_received() {
    let message = fixture("p12_late.eml");
    assert_eq!(
        message.received_at,
        Some(instant("2020-09-01T08:12:30+08:00"))
    );
    assert_eq!(message.date, Some(instant("2020-09-01T08:12:27+08:00")));
    assert_eq!(message.from.as_deref(), Some("czdzxh@163.com"));
    assert_eq!(message.from_name.as_deref(), Some("韩雪"));
    assert_eq!(message.to, vec!["czkxxhb@163.com"]);
    assert_eq!(
        message.message_id.as_deref(),
        Some("67b94ce3.00d3.1744701fdf8.Coremail.czdzxh@163.com")
    );
    assert_eq!(names(&message), vec!["电子学会申报书.xlsx", "大会总结.pdf"]);
}

/// p13 (Foxmail): GBK encoded-words in subject, sender name and attachment names.
#[test]
fn p13_gbk_names_decode_exactly() {
    let message = fixture("p13_foxmail_gbk_evidence.eml");
    assert_eq!(message.subject, "营养学会2020年度“特专优精”项目申报");
    assert_eq!(message.from.as_deref(), Some("czyyxh@126.com"));
    assert_eq!(message.from_name.as_deref(), Some("唐小芳"));
    assert_eq!(
        message.received_at,
        Some(instant("2020-08-25T14:36:13+08:00"))
    );
    assert_eq!(
        names(&message),
        vec![
            "常州市营养学会申报书（科普创新）.xlsx",
            "活动总结.pdf",
            "讲座现场.jpg"
        ]
    );
    let form = named(&message, "常州市营养学会申报书（科普创新）.xlsx");
    assert!(form.bytes.starts_with(b"PK\x03\x04"));
    assert_eq!(form.content_type, "application/octet-stream");
    assert!(
        message
            .attachments
            .iter()
            .all(|attachment| attachment.placement == Placement::Attached && !attachment.forwarded)
    );
    assert!(message.text_body.contains("市科协学会部"));
    assert!(message.html_body.contains("<html>"));
    assert!(!message.is_delivery_report);
    assert!(!message::links_cloud_attachment(&message));
}

/// p14 (163 超大附件): the body links the files, nothing is attached.
#[test]
fn p14_cloud_link_and_no_attachments() {
    let message = fixture("p14_163_cloud_attachment.eml");
    assert!(message::links_cloud_attachment(&message));
    assert!(message.attachments.is_empty());
    assert_eq!(
        message.received_at,
        Some(instant("2020-08-26T16:02:16+08:00"))
    );
}

/// p15: the .xlsx full of random bytes and the PDF are both there, bytes intact.
#[test]
fn p15_xlsx_and_pdf_are_attachments() {
    let message = fixture("p15_random_bytes_xlsx.eml");
    assert_eq!(
        names(&message),
        vec!["气象学会项目申报书.xlsx", "工作总结.pdf"]
    );
    let workbook = named(&message, "气象学会项目申报书.xlsx");
    assert_eq!(
        workbook.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(!workbook.bytes.is_empty());
    let pdf = named(&message, "工作总结.pdf");
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));
}

fn with_attachment(attachment: Part) -> Vec<u8> {
    mail(
        &[
            APPLICANT,
            TO_US,
            "Subject: test",
            "Date: Tue, 25 Aug 2020 14:36:08 +0800",
        ],
        Part::multipart(
            "mixed",
            "outer",
            vec![
                Part::new("text/plain; charset=utf-8").body("see attached"),
                attachment,
            ],
        ),
    )
}

/// QQ Mail quotes GB18030 encoded-words: `name="=?gb18030?B?...?="`.
#[test]
fn qq_quoted_gb18030_encoded_word_names() {
    // 𠮷 is outside GBK: only GB18030 (four bytes) has it.
    let name = "申报书（𠮷）.xlsx";
    let word = encoded_word("gb18030", &gb18030(name));
    let raw = with_attachment(
        Part::new(format!("application/octet-stream;\r\n\tname=\"{word}\""))
            .header(format!(
                "Content-Disposition: attachment;\r\n\tfilename=\"{word}\""
            ))
            .base64(b"PK\x03\x04"),
    );
    let message = parsed(&raw);
    assert_eq!(names(&message), vec![name]);
    assert_eq!(message.attachments[0].bytes, b"PK\x03\x04");
}

/// RFC 2231 continuations with a GBK character split between two segments.
#[test]
fn rfc2231_continuations_in_gbk() {
    let encoded = percent_encoded(&gbk("常州市科协申报书"));
    let (first, rest) = encoded.split_at(3); // "%B3": the first byte of 常 (B3 A3) alone
    let raw = with_attachment(
        Part::new("application/vnd.ms-excel")
            .header(format!(
                "Content-Disposition: attachment;\r\n filename*0*=gbk''{first};\r\n filename*1*={rest};\r\n filename*2=.xls"
            ))
            .base64(b"\xd0\xcf\x11\xe0"),
    );
    assert_eq!(names(&parsed(&raw)), vec!["常州市科协申报书.xls"]);
}

/// Raw 8-bit GBK in the filename (no encoding at all), recovered from the raw bytes.
#[test]
fn raw_gbk_filename_bytes_are_recovered() {
    let mut disposition = b"Content-Disposition: attachment; filename=\"".to_vec();
    disposition.extend(gbk("学会申报书.xlsx"));
    disposition.push(b'"');
    let mut content_type = b"application/octet-stream; name=\"".to_vec();
    content_type.extend(gbk("学会申报书.xlsx"));
    content_type.push(b'"');
    let raw = with_attachment(Part::new(content_type).header(disposition).base64(b"PK"));
    assert_eq!(names(&parsed(&raw)), vec!["学会申报书.xlsx"]);
}

/// Raw 8-bit GBK in the subject and the sender's name is recovered too.
#[test]
fn raw_gbk_subject_and_sender_name_are_recovered() {
    let mut subject = b"Subject: ".to_vec();
    subject.extend(gbk("项目申报"));
    let mut from = b"From: \"".to_vec();
    from.extend(gbk("唐小芳"));
    from.extend_from_slice(b"\" <czyyxh@126.com>");
    let raw = mail(&[from, subject], Part::new("text/plain").body("x"));
    let message = parsed(&raw);
    assert_eq!(message.subject, "项目申报");
    assert_eq!(message.from_name.as_deref(), Some("唐小芳"));
    assert_eq!(message.from.as_deref(), Some("czyyxh@126.com"));
}

/// A forwarded message/rfc822 is opened: its attachment is ours, marked forwarded.
#[test]
fn forwarded_message_attachments_are_collected() {
    let inner = mail(
        &[
            "From: society@example.test",
            "Subject: 申报",
            "Message-ID: <inner@example.test>",
        ],
        Part::multipart(
            "mixed",
            "inner",
            vec![
                Part::new("text/plain; charset=utf-8").body("原邮件"),
                Part::new("application/pdf")
                    .header("Content-Disposition: attachment; filename=\"evidence.pdf\"")
                    .base64(b"%PDF-1.4 inner"),
            ],
        ),
    );
    let raw = mail(
        &[
            APPLICANT,
            TO_US,
            "Subject: Fw: 申报",
            "Message-ID: <outer@example.test>",
        ],
        Part::multipart(
            "mixed",
            "outer",
            vec![
                Part::new("text/plain; charset=utf-8").body("转发"),
                Part::new("application/octet-stream")
                    .header("Content-Disposition: attachment; filename=\"form.xlsx\"")
                    .base64(b"PK outer"),
                Part::forwarded(inner),
            ],
        ),
    );
    let message = parsed(&raw);
    assert_eq!(names(&message), vec!["form.xlsx", "evidence.pdf"]);
    assert!(!named(&message, "form.xlsx").forwarded);
    let evidence = named(&message, "evidence.pdf");
    assert!(evidence.forwarded);
    assert_eq!(evidence.bytes, b"%PDF-1.4 inner");
    assert_eq!(message.message_id.as_deref(), Some("outer@example.test"));
    assert_eq!(message.text_body, "转发");
}

/// An image the HTML shows by cid: is a signature logo; a named image it does not
/// show is an attachment. A nameless body is not an attachment at all.
#[test]
fn cid_images_shown_by_html_versus_named_images() {
    let html = r#"<p>见附件</p><img src="cid:logo001@example.test">"#;
    let raw = mail(
        &[APPLICANT, TO_US, "Subject: cid"],
        Part::multipart(
            "mixed",
            "mixed",
            vec![
                Part::multipart(
                    "related",
                    "related",
                    vec![
                        Part::new("text/html; charset=utf-8").body(html),
                        Part::new("image/png; name=\"image001.png\"")
                            .header("Content-ID: <logo001@example.test>")
                            .header("Content-Disposition: inline; filename=\"image001.png\"")
                            .base64(b"\x89PNG logo"),
                    ],
                ),
                Part::new("image/jpeg")
                    .header("Content-ID: <photo@example.test>")
                    .header("Content-Disposition: inline; filename=\"现场.jpg\"")
                    .base64(b"\xff\xd8 photo"),
            ],
        ),
    );
    let message = parsed(&raw);
    assert_eq!(names(&message), vec!["image001.png", "现场.jpg"]);
    assert_eq!(
        named(&message, "image001.png").placement,
        Placement::InlineShown
    );
    assert_eq!(named(&message, "现场.jpg").placement, Placement::Attached);
    assert_eq!(named(&message, "现场.jpg").bytes, b"\xff\xd8 photo");
    assert!(message.html_body.contains("见附件"));
    assert!(
        message.text_body.contains("见附件"),
        "text derived from HTML"
    );
}

/// A multipart whose closing boundary never comes still yields its parts.
#[test]
fn unterminated_multipart_still_yields_the_attachment() {
    let raw = mail(
        &[APPLICANT, "Subject: cut"],
        Part::multipart_unclosed(
            "mixed",
            "never-closed",
            vec![
                Part::new("text/plain; charset=utf-8").body("正文"),
                Part::new("application/pdf")
                    .header("Content-Disposition: attachment; filename=\"a.pdf\"")
                    .base64(b"%PDF-1.7 body"),
            ],
        ),
    );
    let message = parsed(&raw);
    assert_eq!(names(&message), vec!["a.pdf"]);
    assert_eq!(message.attachments[0].bytes, b"%PDF-1.7 body");
    assert_eq!(message.text_body.trim(), "正文");
}

/// A named text attachment keeps its bytes as sent (GBK), not re-encoded as UTF-8.
#[test]
fn text_attachment_keeps_its_original_bytes() {
    let csv = gbk("学会,金额\r\n营养学会,8000\r\n");
    let raw = with_attachment(
        Part::new("text/csv; charset=gbk")
            .header("Content-Disposition: attachment; filename=\"list.csv\"")
            .base64(&csv),
    );
    let message = parsed(&raw);
    assert_eq!(names(&message), vec!["list.csv"]);
    assert_eq!(message.attachments[0].bytes, csv);
    assert_eq!(message.text_body, "see attached");
}

/// An 8-bit GBK body without a charset (old clients) is read as GBK, not lost.
#[test]
fn raw_gbk_body_without_charset_is_recovered() {
    let raw = mail(
        &[APPLICANT, "Subject: body"],
        Part::multipart(
            "alternative",
            "alt",
            vec![
                Part::new("text/plain").body(gbk("市科协学会部：您好")),
                Part::new("text/html").body(gbk("<p>市科协学会部：您好</p>")),
            ],
        ),
    );
    let message = parsed(&raw);
    assert_eq!(message.text_body.trim(), "市科协学会部：您好");
    assert_eq!(message.html_body.trim(), "<p>市科协学会部：您好</p>");
}
