//! The mails `shenbao demo` puts in its Maildir: societies applying with the
//! sample workbooks (built into the binary), some mails as clients wrote them,
//! an out-of-office auto-reply, and the reply that brings missing evidence.
//! Every time is before the 2020 deadline but the late one's.

use std::time::SystemTime;

use jiff::Timestamp;
use lettre::message::header::{ContentType, HeaderName, HeaderValue, InReplyTo, References};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// One mail to deliver: its bytes and when the server received it.
pub struct DemoMail {
    pub received_at: Timestamp,
    pub bytes: Vec<u8>,
}

/// A society's mail as a client builds it.
struct Application {
    from_name: &'static str,
    from: &'static str,
    subject: &'static str,
    sent: &'static str,
    files: Vec<(&'static str, &'static str, &'static [u8])>,
    extra_headers: Vec<(&'static str, String)>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const XLS: &str = "application/vnd.ms-excel";
const ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";
const PDF: &str = "application/pdf";
const JPG: &str = "image/jpeg";

/// Stands in for a scanned 工作总结: its content is never read, only its kind.
const EVIDENCE_PDF: &[u8] = b"%PDF-1.4\n% shenbao demo evidence\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const EVIDENCE_JPG: &[u8] =
    b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9";

macro_rules! sample {
    ($name:literal) => {
        include_bytes!(concat!("../../tests/fixtures/samples/", $name))
    };
}

/// The mails of the first day: the applications.
pub fn applications() -> Vec<DemoMail> {
    let mut mails: Vec<DemoMail> = [
        Application {
            from_name: "韩雪",
            from: "czdzxh@163.com",
            subject: "常州市电子学会 科技服务特色学会申报",
            sent: "2020-08-19T16:20:00+08:00",
            files: vec![
                (
                    "常州市电子学会申报书.xlsx",
                    XLSX,
                    sample!("p01_service.xlsx"),
                ),
                ("工作总结.pdf", PDF, EVIDENCE_PDF),
            ],
            extra_headers: vec![],
        },
        Application {
            from_name: "程丽萍",
            from: "czqxxh@163.com",
            subject: "气象学会 小型高端学术研讨会 申报材料",
            sent: "2020-08-20T09:05:00+08:00",
            files: vec![
                ("研讨会申报书.xls", XLS, sample!("p03_academic_seminar.xls")),
                ("会议照片.jpg", JPG, EVIDENCE_JPG),
            ],
            extra_headers: vec![],
        },
        Application {
            from_name: "唐小芳",
            from: "czyyxh@126.com",
            subject: "营养学会 科技工作者建议 申报",
            sent: "2020-08-21T11:30:00+08:00",
            files: vec![
                ("科技工作者建议.ods", ODS, sample!("p04_think_tank.ods")),
                ("成果证明.pdf", PDF, EVIDENCE_PDF),
            ],
            extra_headers: vec![],
        },
        Application {
            from_name: "韩雪",
            from: "czdzxh@163.com",
            subject: "电子学会 科普创新特色学会申报",
            sent: "2020-08-25T15:00:00+08:00",
            files: vec![
                (
                    "科普申报书.xlsx",
                    XLSX,
                    sample!("p09_amount_out_of_range.xlsx"),
                ),
                ("活动总结.pdf", PDF, EVIDENCE_PDF),
            ],
            extra_headers: vec![],
        },
        Application {
            from_name: "唐小芳",
            from: "czyyxh@126.com",
            subject: "营养学会 科技服务申报",
            sent: "2020-08-26T10:10:00+08:00",
            files: vec![
                (
                    "科技服务申报书.xlsx",
                    XLSX,
                    sample!("p10_period_out_of_range.xlsx"),
                ),
                ("服务总结.pdf", PDF, EVIDENCE_PDF),
            ],
            extra_headers: vec![],
        },
        Application {
            from_name: "符佳怡",
            from: "wjznzzfw@163.com",
            subject: "武进区智能制造技术服务中心 申报书",
            sent: "2020-08-28T14:45:00+08:00",
            files: vec![("申报书.xlsx", XLSX, sample!("p07_amount_wan.xlsx"))],
            extra_headers: vec![],
        },
        Application {
            from_name: "冯海涛",
            from: "czqxxh@163.com",
            subject: "自动回复：关于开展2020年度学会项目申报的通知",
            sent: "2020-08-29T08:00:00+08:00",
            files: vec![],
            extra_headers: vec![("Auto-Submitted", "auto-replied".to_string())],
        },
    ]
    .into_iter()
    .enumerate()
    .map(|(n, application)| build(application, &format!("demo-{n}@mail.example.test"), None))
    .collect();
    // Mails exactly as clients wrote them: Foxmail in GBK, 163 webmail late and with a broken file.
    for (bytes, received) in [
        (
            &sample!("p13_foxmail_gbk_evidence.eml")[..],
            "2020-08-25T14:36:13+08:00",
        ),
        (
            &sample!("p15_random_bytes_xlsx.eml")[..],
            "2020-08-27T10:44:52+08:00",
        ),
        (&sample!("p12_late.eml")[..], "2020-09-01T08:12:30+08:00"),
    ] {
        mails.push(DemoMail {
            received_at: parse_time(received),
            bytes: bytes.to_vec(),
        });
    }
    mails
}

/// The applicant's reply to a notice that asked for evidence: the evidence, in its thread.
pub fn evidence_reply(to_address: &str, notice_subject: &str, notice_message_id: &str) -> DemoMail {
    let reply = Application {
        from_name: "符佳怡",
        from: "wjznzzfw@163.com",
        subject: "",
        sent: "2020-08-30T09:20:00+08:00",
        files: vec![
            ("工作总结.pdf", PDF, EVIDENCE_PDF),
            ("成果证明.jpg", JPG, EVIDENCE_JPG),
        ],
        extra_headers: vec![],
    };
    let subject = format!("回复：{notice_subject}");
    build(
        reply,
        "demo-reply@mail.example.test",
        Some((to_address, &subject, notice_message_id)),
    )
}

/// Builds one mail; `reply` is (our address, subject, the notice's Message-ID).
fn build(
    application: Application,
    message_id: &str,
    reply: Option<(&str, &str, &str)>,
) -> DemoMail {
    let sent = parse_time(application.sent);
    let to: Mailbox = reply
        .map_or("czkxxhb@163.com", |(to, _, _)| to)
        .parse()
        .unwrap_or_else(|_| Mailbox::new(None, "czkxxhb@163.com".parse().expect("address")));
    let from = Mailbox::new(
        Some(application.from_name.to_string()),
        application.from.parse().expect("demo addresses are valid"),
    );
    let subject = reply.map_or(application.subject.to_string(), |(_, s, _)| s.to_string());
    let mut builder = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .date(SystemTime::from(sent))
        .message_id(Some(format!("<{message_id}>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Received"),
            format!(
                "from client.example.test by mx.163.com; {}",
                sent.strftime("%a, %d %b %Y %H:%M:%S +0000")
            ),
        ));
    for (name, value) in application.extra_headers {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            value,
        ));
    }
    if let Some((_, _, parent)) = reply {
        builder = builder
            .header(InReplyTo::from(format!("<{parent}>")))
            .header(References::from(format!("<{parent}>")));
    }
    let mut body = MultiPart::mixed().singlepart(SinglePart::plain(
        "您好，申报材料见附件，请查收。".to_string(),
    ));
    for (name, content_type, bytes) in application.files {
        let content_type = ContentType::parse(content_type).unwrap_or(ContentType::TEXT_PLAIN);
        body =
            body.singlepart(Attachment::new(name.to_string()).body(bytes.to_vec(), content_type));
    }
    let bytes = builder
        .multipart(body)
        .map(|message| message.formatted())
        .unwrap_or_default();
    DemoMail {
        // Delivered a few seconds after it was sent.
        received_at: sent
            .checked_add(jiff::SignedDuration::from_secs(4))
            .unwrap_or(sent),
        bytes,
    }
}

fn parse_time(text: &str) -> Timestamp {
    text.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}
