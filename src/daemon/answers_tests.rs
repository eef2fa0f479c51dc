use std::path::PathBuf;

use super::*;
use crate::store::{ApplicationKey, EvidenceLink, FiledApplication, MessageKey, VersionKey};
use crate::verdict::{ApplicationVerdict, FieldValue, Status, Verdict};

const OURS: &str = "czkxxhb@163.com";

fn answering(max_per_hour: u32) -> Answering {
    let call = Call::load("config/call-2020.toml".as_ref()).expect("shipped call");
    let settings = AnswerSettings {
        from_name: "学会部".into(),
        organization: "常州市科学技术协会学会部".into(),
        phone: "0519-86619613".into(),
        reply_address: OURS.into(),
        templates: PathBuf::from("config/templates"),
        max_per_sender_per_hour: max_per_hour,
        own_addresses: vec![OURS.into(), "staff@163.com".into()],
    };
    Answering::new(&settings, OURS, &call, "CZKX").expect("templates load")
}

fn headers(from: &str) -> ParsedMessage {
    ParsedMessage {
        from: Some(from.into()),
        subject: "申报".into(),
        message_id: Some("applicant-1@qq.com".into()),
        ..ParsedMessage::default()
    }
}

fn now() -> Timestamp {
    "2020-08-20T02:15:00Z".parse().expect("time")
}

fn plan(status: Status, n_applications: usize) -> AnswerPlan {
    let application = ApplicationVerdict {
        attachment: Some("申报书.xlsx".into()),
        sheet: "申报书".into(),
        status,
        fields: vec![("society".into(), FieldValue::Text("常州市电子学会".into()))],
        deficiencies: Vec::new(),
    };
    AnswerPlan {
        verdict: Verdict {
            source: "test".into(),
            sender: Some("secretary@qq.com".into()),
            received_at: None,
            status,
            deficiencies: Vec::new(),
            applications: vec![application; n_applications],
        },
        n_own: n_applications,
        headers: Some(headers("secretary@qq.com")),
    }
}

fn filing(message: i64) -> Filing {
    Filing {
        message: MessageKey(message),
        call_id: "2020".into(),
        filed_at: now(),
        status: Status::Accepted,
        deficiencies: Vec::new(),
        attachments: Vec::new(),
        applications: Vec::new(),
        evidence_for: Vec::new(),
    }
}

fn filed(message: i64, versions: &[u32]) -> Filed {
    Filed {
        message: MessageKey(message),
        attachments: Vec::new(),
        applications: versions
            .iter()
            .enumerate()
            .map(|(i, number)| FiledApplication {
                application: ApplicationKey(i as i64 + 1),
                version: VersionKey(i as i64 + 100),
                version_number: *number,
                receipt: format!("CZKX2020-{:04}", i + 1),
                is_current: true,
            })
            .collect(),
        evidence: Vec::new(),
        answers: Vec::new(),
    }
}

#[test]
fn machines_ourselves_and_nobody_get_no_answer() {
    let answering = answering(10);
    assert_eq!(
        answering.suppression(Some(&headers("secretary@qq.com"))),
        None
    );
    assert_eq!(answering.suppression(None), Some(SuppressReason::NoSender));
    assert_eq!(
        answering.suppression(Some(&headers("Staff@163.com"))),
        Some(SuppressReason::OwnAddress),
        "an own address besides the sending account"
    );
    let mut auto = headers("secretary@qq.com");
    auto.auto_headers = vec![("auto-submitted".into(), "auto-replied".into())];
    assert_eq!(
        answering.suppression(Some(&auto)),
        Some(SuppressReason::AutoSubmitted)
    );
}

#[test]
fn the_answer_quotes_the_receipt_is_threaded_and_names_its_applications() {
    let answering = answering(10);
    let rate = RateCounts::default();
    let (answer, note) = answering
        .render(
            &plan(Status::Accepted, 1),
            &filing(7),
            &filed(7, &[1]),
            None,
            &rate,
            now(),
        )
        .expect("renders");
    assert_eq!(note.kind, AnswerKind::Confirmation);
    assert_eq!(note.receipt, "CZKX2020-0001");
    assert!(
        answer.subject.contains("CZKX2020-0001"),
        "{}",
        answer.subject
    );
    assert!(
        !answer.subject.contains("已替换"),
        "a first version replaces nothing"
    );
    assert_eq!(answer.to, "secretary@qq.com");
    assert_eq!(answer.applications, [ApplicationKey(1)]);
    assert!(
        answer.message_id.starts_with("CZKX2020-0001.7-"),
        "{}",
        answer.message_id
    );
    assert!(
        answer.message_id.ends_with("@163.com"),
        "{}",
        answer.message_id
    );
    assert_eq!(answer.suppressed, None);
    let parsed = crate::message::parse(answer.rfc5322.bytes()).expect("composed bytes parse");
    assert_eq!(parsed.in_reply_to, ["applicant-1@qq.com"]);
    assert_eq!(
        parsed.message_id.as_deref(),
        Some(answer.message_id.as_str())
    );
}

#[test]
fn a_second_version_says_what_it_replaces() {
    let answering = answering(10);
    let (answer, _) = answering
        .render(
            &plan(Status::Accepted, 1),
            &filing(8),
            &filed(8, &[2]),
            None,
            &RateCounts::default(),
            now(),
        )
        .expect("renders");
    assert!(
        answer.subject.contains("已替换 CZKX2020-0001"),
        "{}",
        answer.subject
    );
}

#[test]
fn without_applications_the_message_gets_a_reference_of_its_own_or_the_evidence_receipt() {
    let answering = answering(10);
    let (answer, note) = answering
        .render(
            &plan(Status::Deficient, 0),
            &filing(42),
            &filed(42, &[]),
            None,
            &RateCounts::default(),
            now(),
        )
        .expect("renders");
    assert_eq!(note.kind, AnswerKind::Deficiency);
    assert_eq!(note.receipt, "CZKX2020-M00042");
    assert!(
        answer.subject.contains("CZKX2020-M00042"),
        "{}",
        answer.subject
    );

    let mut with_evidence = filed(43, &[]);
    with_evidence.evidence.push(EvidenceLink {
        application: ApplicationKey(5),
        receipt: "CZKX2020-0005".into(),
        n_attachments: 1,
    });
    let (answer, note) = answering
        .render(
            &plan(Status::Accepted, 0),
            &filing(43),
            &with_evidence,
            None,
            &RateCounts::default(),
            now(),
        )
        .expect("renders");
    assert_eq!(note.receipt, "CZKX2020-0005");
    assert_eq!(
        answer.applications,
        [ApplicationKey(5)],
        "a reply to this answer finds the application"
    );
}

#[test]
fn the_hourly_limit_counts_the_store_and_the_batch() {
    let answering = answering(2);
    let rate = RateCounts::new([("secretary@qq.com".to_string(), 1)].into_iter().collect());
    let render = |message: i64| {
        answering
            .render(
                &plan(Status::Accepted, 1),
                &filing(message),
                &filed(message, &[1]),
                None,
                &rate,
                now(),
            )
            .expect("renders")
            .0
    };
    assert_eq!(
        render(1).suppressed,
        None,
        "one in the store, this is the second"
    );
    let third = render(2);
    assert_eq!(third.suppressed.as_deref(), Some("rate_limited"));
    assert!(
        !third.rfc5322.bytes().is_empty(),
        "kept as it would have been sent"
    );
    assert_eq!(render(3).suppressed.as_deref(), Some("rate_limited"));
}

#[test]
fn a_suppressed_answer_is_kept_with_its_reason() {
    let answering = answering(10);
    let (answer, note) = answering
        .render(
            &plan(Status::Accepted, 1),
            &filing(9),
            &filed(9, &[1]),
            Some(SuppressReason::AutoSubmitted),
            &RateCounts::default(),
            now(),
        )
        .expect("renders");
    assert_eq!(answer.suppressed.as_deref(), Some("auto_submitted"));
    assert_eq!(note.suppressed.as_deref(), Some("auto_submitted"));
    // Kept as it would have gone out, for staff to see.
    assert!(!answer.rfc5322.bytes().is_empty());
}

#[test]
fn an_unusable_address_suppresses_instead_of_failing_the_message() {
    let answering = answering(10);
    let mut broken = plan(Status::Accepted, 1);
    broken.headers = Some(headers("not an address@"));
    let (answer, _) = answering
        .render(
            &broken,
            &filing(10),
            &filed(10, &[1]),
            None,
            &RateCounts::default(),
            now(),
        )
        .expect("renders");
    let reason = answer.suppressed.expect("suppressed");
    assert!(reason.starts_with("no_sender"), "{reason}");
}
