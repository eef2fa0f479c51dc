use std::collections::HashSet;

use jiff::Timestamp;

use super::*;
use crate::daemon::replies::ReplyFacts;
use crate::message::{Attachment, Placement};
use crate::rules::message_level;
use crate::store::{ApplicationKey, ApplicationRecord, ContentHash, VersionKey, VersionRecord};
use crate::verdict::Deficiency;

fn call() -> Call {
    Call::load("config/call-2020.toml".as_ref()).expect("shipped call")
}

fn roster() -> Roster {
    Roster::load("config/roster.csv".as_ref()).expect("shipped roster")
}

fn now() -> Timestamp {
    "2020-08-20T02:15:00Z".parse().expect("time")
}

fn text(value: &str) -> FieldValue {
    FieldValue::Text(value.into())
}

fn academic_application() -> ApplicationVerdict {
    ApplicationVerdict {
        attachment: Some("申报书.xlsx".into()),
        sheet: "申报书".into(),
        status: Status::Accepted,
        fields: vec![
            ("society".into(), text("常州电子学会")),
            ("category".into(), text("academic")),
            ("project_name".into(), text(" 电子 学术年会 ")),
            ("amount".into(), FieldValue::Integer(8000)),
        ],
        deficiencies: Vec::new(),
    }
}

fn attachment(name: &str, bytes: &[u8]) -> Attachment {
    Attachment {
        filename: Some(name.into()),
        content_type: "application/octet-stream".into(),
        bytes: bytes.to_vec(),
        placement: Placement::Attached,
        forwarded: false,
    }
}

/// A checked message with these attachments (and roles) and message-level deficiencies.
fn checked(
    applications: Vec<ApplicationVerdict>,
    attachments: Vec<(Attachment, Role)>,
    deficiencies: Vec<Deficiency>,
) -> Checked {
    let (attachments, roles): (Vec<_>, Vec<_>) = attachments.into_iter().unzip();
    let mut verdict = Verdict {
        source: "test".into(),
        sender: Some("czdzxh@163.com".into()),
        received_at: None,
        status: Status::Accepted,
        deficiencies,
        applications,
    };
    verdict.settle_status();
    Checked {
        message: Some(ParsedMessage {
            from: Some("czdzxh@163.com".into()),
            subject: "申报".into(),
            message_id: Some("m1@example.org".into()),
            text_body: "正文".into(),
            attachments,
            ..ParsedMessage::default()
        }),
        roles,
        verdict,
    }
}

fn plan_of(checked: Checked, replies: &ReplyFacts) -> Plan {
    let (call, roster) = (call(), roster());
    plan(
        checked,
        PlanInput {
            message: MessageKey(7),
            call: &call,
            roster: &roster,
            replies,
            filed_at: now(),
        },
    )
}

/// An earlier application of 常州市营养学会, its current version deficient by `codes`.
fn earlier(key: i64, codes: &[Code]) -> ApplicationRecord {
    ApplicationRecord {
        key: ApplicationKey(key),
        call_id: "2020".into(),
        society: "常州市营养学会".into(),
        category: "self_building".into(),
        project_key: String::new(),
        receipt: format!("CZKX2020-{key:04}"),
        n_versions: 1,
        current: VersionRecord {
            key: VersionKey(key * 10),
            application: ApplicationKey(key),
            number: 1,
            message: MessageKey(1),
            attachment: None,
            sheet: "申报书".into(),
            fields_json:
                r#"{"society":"常州市营养学会","category":"self_building","amount":10000}"#.into(),
            status: Status::of(
                &codes
                    .iter()
                    .map(|c| Deficiency::message_level(*c, ""))
                    .collect::<Vec<_>>(),
            ),
            fingerprint: "AAAA-BBBB".into(),
            received_at: now(),
            filed_at: now(),
            deficiencies: codes
                .iter()
                .map(|c| Deficiency::message_level(*c, "…"))
                .collect(),
        },
    }
}

fn reply_to(records: Vec<ApplicationRecord>, with_evidence: &[i64]) -> ReplyFacts {
    ReplyFacts {
        applications: records,
        with_evidence: with_evidence
            .iter()
            .map(|k| ApplicationKey(*k))
            .collect::<HashSet<_>>(),
    }
}

#[test]
fn an_application_is_keyed_by_roster_name_category_and_project() {
    let plan = plan_of(
        checked(
            vec![academic_application()],
            vec![
                (
                    attachment("申报书.xlsx", b"PK"),
                    Role::Form {
                        applications: vec![0],
                    },
                ),
                (attachment("总结.pdf", b"%PDF"), Role::Evidence),
            ],
            vec![],
        ),
        &ReplyFacts::default(),
    );
    let application = &plan.filing.applications[0];
    assert_eq!(
        application.society, "常州市电子学会",
        "the alias becomes the roster name"
    );
    assert_eq!(application.category, "academic");
    assert_eq!(
        application.project_key, "电子学术年会",
        "academic is per project, normalized"
    );
    assert_eq!(application.attachment, Some(0));
    assert!(application.may_replace);
    assert_eq!(
        application.fields_json,
        r#"{"society":"常州电子学会","category":"academic","project_name":" 电子 学术年会 ","amount":8000}"#
    );
    assert_eq!(
        application.fingerprint,
        fingerprint(&academic_application().fields)
    );
    let roles: Vec<_> = plan.filing.attachments.iter().map(|a| a.role).collect();
    assert_eq!(roles, [AttachmentRole::Form, AttachmentRole::Evidence]);
    assert_eq!(
        plan.filing.attachments[1].sha256(),
        ContentHash::of(b"%PDF")
    );
    assert_eq!(plan.filing.attachments[1].size(), 4);
    let headers = plan.answer.headers.expect("headers kept");
    assert!(headers.attachments.is_empty() && headers.text_body.is_empty());
}

#[test]
fn message_level_deficiencies_count_on_every_version_and_late_ones_never_replace() {
    let call = call();
    let late_at: Timestamp = "2020-09-01T00:12:30Z".parse().expect("time");
    let plan = plan_of(
        checked(
            vec![academic_application()],
            vec![(
                attachment("申报书.xlsx", b"PK"),
                Role::Form {
                    applications: vec![0],
                },
            )],
            vec![
                message_level::missing_evidence(),
                message_level::late_submission(late_at, &call),
            ],
        ),
        &ReplyFacts::default(),
    );
    let application = &plan.filing.applications[0];
    assert_eq!(application.status, Status::Rejected);
    let codes: Vec<Code> = application.deficiencies.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::MissingEvidence, Code::LateSubmission]);
    assert!(!application.may_replace);
    assert_eq!(plan.filing.status, Status::Rejected);
}

#[test]
fn evidence_replying_to_a_file_short_of_it_completes_the_file() {
    let replies = reply_to(vec![earlier(3, &[Code::MissingEvidence])], &[]);
    let plan = plan_of(
        checked(
            vec![],
            vec![(attachment("总结.pdf", b"%PDF"), Role::Evidence)],
            vec![message_level::no_form_found()],
        ),
        &replies,
    );
    assert!(
        plan.filing.deficiencies.is_empty(),
        "no_form_found is dropped for evidence in a reply"
    );
    assert_eq!(plan.filing.evidence_for, [ApplicationKey(3)]);
    let completed = &plan.filing.applications[0];
    assert_eq!(
        (completed.society.as_str(), completed.category.as_str()),
        ("常州市营养学会", "self_building")
    );
    assert_eq!(completed.status, Status::Accepted);
    assert!(completed.deficiencies.is_empty());
    assert!(completed.may_replace);
    assert_eq!(completed.fingerprint, "AAAA-BBBB");
    assert_eq!(plan.answer.n_own, 0);
    assert!(plan.answer.completes_a_file());
    assert_eq!(plan.answer.verdict.status, Status::Accepted);
    assert_eq!(
        plan.answer.verdict.applications[0].field("amount"),
        Some(&FieldValue::Integer(10000))
    );
}

#[test]
fn other_deficiencies_stay_when_evidence_completes_a_file() {
    let replies = reply_to(
        vec![earlier(3, &[Code::MissingEvidence, Code::AmountOutOfRange])],
        &[],
    );
    let plan = plan_of(
        checked(
            vec![],
            vec![(attachment("总结.pdf", b"%PDF"), Role::Evidence)],
            vec![],
        ),
        &replies,
    );
    let completed = &plan.filing.applications[0];
    assert_eq!(completed.status, Status::Deficient);
    let codes: Vec<Code> = completed.deficiencies.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::AmountOutOfRange]);
}

#[test]
fn a_file_already_complete_gets_no_new_version_only_the_evidence() {
    let replies = reply_to(vec![earlier(3, &[])], &[3]);
    let plan = plan_of(
        checked(
            vec![],
            vec![(attachment("照片.jpg", b"\xFF\xD8"), Role::Evidence)],
            vec![],
        ),
        &replies,
    );
    assert!(plan.filing.applications.is_empty());
    assert_eq!(plan.filing.evidence_for, [ApplicationKey(3)]);
    assert!(!plan.answer.completes_a_file());
}

#[test]
fn a_corrected_form_in_a_reply_is_not_short_of_evidence_on_file() {
    let mut record = earlier(3, &[Code::AmountOutOfRange]);
    record.society = "常州市电子学会".into();
    record.category = "academic".into();
    record.project_key = "电子学术年会".into();
    let form_only = || {
        checked(
            vec![academic_application()],
            vec![(
                attachment("申报书.xlsx", b"PK"),
                Role::Form {
                    applications: vec![0],
                },
            )],
            vec![message_level::missing_evidence()],
        )
    };
    let on_file = plan_of(form_only(), &reply_to(vec![record.clone()], &[3]));
    assert!(
        on_file.filing.deficiencies.is_empty(),
        "{:?}",
        on_file.filing.deficiencies
    );
    assert_eq!(
        on_file.filing.applications.len(),
        1,
        "the form is the next version, no completion"
    );
    assert_eq!(on_file.filing.applications[0].status, Status::Accepted);

    let nothing_on_file = plan_of(form_only(), &reply_to(vec![record], &[]));
    assert_eq!(nothing_on_file.filing.status, Status::Deficient);

    let not_a_reply = plan_of(form_only(), &ReplyFacts::default());
    assert_eq!(not_a_reply.filing.status, Status::Deficient);
}

#[test]
fn late_evidence_is_linked_but_completes_nothing() {
    let call = call();
    let late_at: Timestamp = "2020-09-01T00:12:30Z".parse().expect("time");
    let replies = reply_to(vec![earlier(3, &[Code::MissingEvidence])], &[]);
    let plan = plan_of(
        checked(
            vec![],
            vec![(attachment("总结.pdf", b"%PDF"), Role::Evidence)],
            vec![message_level::late_submission(late_at, &call)],
        ),
        &replies,
    );
    assert!(plan.filing.applications.is_empty());
    assert_eq!(plan.filing.evidence_for, [ApplicationKey(3)]);
    assert_eq!(plan.filing.status, Status::Rejected);
}

#[test]
fn a_delivery_report_names_the_bounced_answers() {
    let mut report = checked(vec![], vec![], vec![message_level::no_form_found()]);
    if let Some(message) = report.message.as_mut() {
        message.is_delivery_report = true;
        message.bounced_message_ids = vec!["CZKX2020-0001.7-1@163.com".into()];
    }
    let plan = plan_of(report, &ReplyFacts::default());
    assert_eq!(plan.bounced, ["CZKX2020-0001.7-1@163.com"]);
    let plain = plan_of(checked(vec![], vec![], vec![]), &ReplyFacts::default());
    assert!(plain.bounced.is_empty());
}
