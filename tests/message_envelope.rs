//! `message::parse` on the envelope: sender, recipients, identifiers, times,
//! auto-reply headers, and delivery status reports.

mod support;

use jiff::Timestamp;
use shenbao::message::{self, ParsedMessage};
use support::mail::{Part, mail};

fn parsed(raw: &[u8]) -> ParsedMessage {
    message::parse(raw).expect("the test mail has headers")
}

fn instant(text: &str) -> Timestamp {
    text.parse().expect("a valid test instant")
}

const APPLICANT: &str = "From: \"Applicant\" <apply@society.example>";
const TO_US: &str = "To: czkxxhb@163.com";

/// Envelope fields: Reply-To, all of To, threading identifiers, auto-reply headers.
#[test]
fn envelope_and_auto_headers() {
    let raw = mail(
        &[
            "Return-Path: <bounce@lists.example>",
            APPLICANT,
            "Reply-To: Secretary <sec@society.example>",
            "To: a@example.test, \"B\" <b@example.test>",
            "Subject: =?UTF-8?B?5YWz5LqO?=",
            "Message-ID: <m1@society.example>",
            "In-Reply-To: <r1@shenbao.example>",
            "References: <r0@shenbao.example>\r\n <r1@shenbao.example>",
            "Precedence: bulk",
            "List-Id: Society news <news.society.example>",
            "X-Auto-Response-Suppress: All",
        ],
        Part::new("text/plain").body("x"),
    );
    let message = parsed(&raw);
    assert_eq!(message.from.as_deref(), Some("apply@society.example"));
    assert_eq!(message.from_name.as_deref(), Some("Applicant"));
    assert_eq!(message.reply_to.as_deref(), Some("sec@society.example"));
    assert_eq!(message.to, vec!["a@example.test", "b@example.test"]);
    assert_eq!(message.subject, "关于");
    assert_eq!(message.in_reply_to, vec!["r1@shenbao.example"]);
    assert_eq!(
        message.references,
        vec!["r0@shenbao.example", "r1@shenbao.example"]
    );
    let auto_names: Vec<&str> = message
        .auto_headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        auto_names,
        vec![
            "return-path",
            "precedence",
            "list-id",
            "x-auto-response-suppress"
        ]
    );
    assert_eq!(message.auto_headers[0].1, "<bounce@lists.example>");
    assert_eq!(
        message.auto_headers[2].1,
        "Society news <news.society.example>"
    );
}

fn delivery_report(returned: Part, report_type: &str, from: &str) -> Vec<u8> {
    mail(
        &[from, TO_US, "Subject: Undelivered Mail Returned to Sender", "Auto-Submitted: auto-replied"],
        Part::multipart(
            &format!("report; report-type={report_type}"),
            "dsn",
            vec![
                Part::new("text/plain").body("Your message could not be delivered."),
                Part::new("message/delivery-status")
                    .body("Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; x@example\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
                returned,
            ],
        ),
    )
}

/// A DSN returning the original's headers: a report, with the original's Message-ID.
#[test]
fn delivery_report_with_returned_headers() {
    let returned = Part::new("text/rfc822-headers").body(
        "From: czkxxhb@163.com\r\nTo: x@example\r\nSubject: 回执\r\nMessage-ID: <receipt-42@shenbao.example>\r\n",
    );
    let raw = delivery_report(
        returned,
        "delivery-status",
        "From: MAILER-DAEMON@mx.example",
    );
    let message = parsed(&raw);
    assert!(message.is_delivery_report);
    assert_eq!(
        message.bounced_message_ids,
        vec!["receipt-42@shenbao.example"]
    );
    assert!(message.attachments.is_empty(), "{:?}", message.attachments);
    assert_eq!(
        message.auto_headers,
        vec![("auto-submitted".to_string(), "auto-replied".to_string())]
    );
}

/// A DSN returning the whole original as message/rfc822.
#[test]
fn delivery_report_with_returned_message() {
    let original = mail(
        &[
            "From: czkxxhb@163.com",
            "Message-ID: <receipt-7@shenbao.example>",
            "Subject: 回执",
        ],
        Part::new("text/plain; charset=utf-8").body("您的申报已收到"),
    );
    let raw = delivery_report(
        Part::forwarded(original),
        "delivery-status",
        "From: postmaster@mx.example",
    );
    let message = parsed(&raw);
    assert!(message.is_delivery_report);
    assert_eq!(
        message.bounced_message_ids,
        vec!["receipt-7@shenbao.example"]
    );
}

/// MAILER-DAEMON makes a multipart/report a bounce even without its report-type,
/// but nothing else is guessed: a plain-text mail from MAILER-DAEMON is no report.
#[test]
fn mailer_daemon_counts_only_with_multipart_report() {
    let returned = Part::new("text/rfc822-headers").body("Message-ID: <a@b>\r\n");
    let raw = delivery_report(returned, "x-unknown", "From: MAILER-DAEMON@mx.example");
    assert!(parsed(&raw).is_delivery_report);
    let returned = Part::new("text/rfc822-headers").body("Message-ID: <a@b>\r\n");
    let raw = delivery_report(returned, "x-unknown", "From: someone@example.test");
    assert!(!parsed(&raw).is_delivery_report);
    let raw = mail(
        &[
            "From: MAILER-DAEMON@mx.example",
            "Subject: Delivery Status Notification (Failure)",
        ],
        Part::new("text/plain").body("Delivery to the following recipient failed permanently"),
    );
    let message = parsed(&raw);
    assert!(!message.is_delivery_report);
    assert!(message.bounced_message_ids.is_empty());
}

/// Without a Received header the received time is the Date header's.
#[test]
fn no_received_header_falls_back_to_date() {
    let raw = mail(
        &[APPLICANT, "Date: Mon, 31 Aug 2020 23:59:00 +0800"],
        Part::new("text/plain").body("x"),
    );
    let message = parsed(&raw);
    assert_eq!(
        message.received_at,
        Some(instant("2020-08-31T23:59:00+08:00"))
    );
    assert_eq!(message.received_at, message.date);
}
