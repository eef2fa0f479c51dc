//! Notices end to end: a verdict through the shipped templates in
//! `config/templates/` into bytes that a mail parser reads back.

use std::path::Path;

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;
use mail_parser::MimeHeaders;

use super::*;
use crate::config::{AmountRule, Call, Category, FieldKind, FieldSpec, SubCategory};
use crate::message::ParsedMessage;
use crate::verdict::{ApplicationVerdict, Code, Deficiency, FieldValue, Status, Verdict};

fn field(key: &str, label: &str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        label: label.into(),
        aliases: vec![],
        kind,
        max_chars: None,
        range_of: None,
    }
}

fn sample_call() -> Call {
    let time_zone = TimeZone::get("Asia/Shanghai").expect("bundled tzdb");
    Call {
        id: "2020".into(),
        title: "2020年度\"特专优精\"学会项目".into(),
        time_zone,
        deadline: "2020-08-31T23:59:59+08:00".parse().expect("timestamp"),
        period_start: date(2019, 9, 1),
        period_end: date(2020, 8, 31),
        categories: vec![Category {
            key: "academic".into(),
            number: 2,
            name: "学术创新特色学会".into(),
            short_names: vec![],
            numerals: vec![],
            amount: AmountRule::Range {
                min: 3000,
                max: 10000,
            },
            quota: Some(20),
            quota_unit: "项目".into(),
            subcategories: vec![SubCategory {
                key: "seminar".into(),
                number: 2,
                name: "小型高端学术研讨会".into(),
                short_names: vec![],
                numerals: vec![],
                quota: Some(10),
            }],
            requires: vec![],
            per_project: true,
        }],
        fields: vec![
            field("society", "学会名称", FieldKind::Text),
            field("category", "申报类别", FieldKind::Category),
            field("subcategory", "项目子类", FieldKind::SubCategory),
            field("amount", "申请资助金额（元）", FieldKind::Money),
            field("start_date", "开始日期", FieldKind::Date),
            field("summary", "项目简介", FieldKind::Text),
        ],
        always_required: vec![],
    }
}

fn office() -> Office {
    Office {
        organization: "常州市科学技术协会学会部".into(),
        reply_address: "czkxxhb@163.com".into(),
        phone: "0519-86619613".into(),
    }
}

fn application(deficiencies: Vec<Deficiency>) -> ApplicationVerdict {
    ApplicationVerdict {
        attachment: Some("申报书-常州市营养学会.xlsx".into()),
        sheet: "申报书".into(),
        status: Status::of(&deficiencies),
        fields: vec![
            ("society".into(), FieldValue::Text("常州市营养学会".into())),
            ("category".into(), FieldValue::Text("academic".into())),
            ("subcategory".into(), FieldValue::Text("seminar".into())),
            ("amount".into(), FieldValue::Integer(15000)),
            ("start_date".into(), FieldValue::Date(date(2019, 10, 12))),
            ("summary".into(), FieldValue::Text("膳".repeat(200))),
        ],
        deficiencies,
    }
}

fn amount_too_high() -> Deficiency {
    Deficiency {
        code: Code::AmountOutOfRange,
        field: Some("amount".into()),
        cell: Some("B12".into()),
        message: "申请资助金额 15000 元超出学术创新特色学会上限 10000 元，请改为 3000 至 10000 元"
            .into(),
    }
}

fn verdict(applications: Vec<ApplicationVerdict>, deficiencies: Vec<Deficiency>) -> Verdict {
    let mut verdict = Verdict {
        source: "inbox/1".into(),
        sender: Some("secretary@qq.com".into()),
        received_at: Some(
            "2020-08-20T10:15:00+08:00[Asia/Shanghai]"
                .parse()
                .expect("zoned"),
        ),
        status: Status::Accepted,
        deficiencies,
        applications,
    };
    verdict.settle_status();
    verdict
}

fn context_for(verdict: &Verdict, receipt: &str) -> NoticeContext {
    let wording = CallWording::from_call(&sample_call());
    NoticeContext::new(NoticeFacts {
        verdict,
        wording: &wording,
        office: &office(),
        receipt,
        application_receipts: &[receipt.to_string()],
    })
}

fn shipped_templates() -> Templates {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/templates");
    Templates::load(&dir).unwrap_or_else(|e| panic!("shipped templates: {e}"))
}

#[test]
fn wording_shows_labels_names_and_units() {
    let wording = CallWording::from_call(&sample_call());
    assert_eq!(wording.deadline, "2020年8月31日 23:59:59");
    assert_eq!(wording.label("amount"), "申请资助金额（元）");
    assert_eq!(wording.label("unknown_key"), "unknown_key");
    let academic = FieldValue::Text("academic".into());
    assert_eq!(
        wording.show_value("category", &academic),
        "学术创新特色学会"
    );
    let seminar = FieldValue::Text("seminar".into());
    assert_eq!(
        wording.show_value("subcategory", &seminar),
        "小型高端学术研讨会"
    );
    assert_eq!(
        wording.show_value("amount", &FieldValue::Integer(8000)),
        "8000 元"
    );
    let long = wording.show_value("summary", &FieldValue::Text("膳".repeat(200)));
    assert!(long.ends_with("…（共 200 字）"), "{long}");
}

#[test]
fn context_follows_the_verdict() {
    let deficient = verdict(vec![application(vec![amount_too_high()])], vec![]);
    let context = context_for(&deficient, "CZKX2020-0007");
    assert_eq!(context.kind, NoticeKind::Deficiency);
    assert_eq!(context.society, "常州市营养学会");
    let app = &context.applications[0];
    assert_eq!(
        app.fingerprint,
        fingerprint(&deficient.applications[0].fields)
    );
    let line = &app.deficiencies[0];
    assert_eq!(line.cell.as_deref(), Some("B12"));
    assert_eq!(line.value.as_deref(), Some("15000 元"));
    assert_eq!(line.label.as_deref(), Some("申请资助金额（元）"));

    let warned = Deficiency {
        code: Code::SenderUnverified,
        field: None,
        cell: None,
        message: "发件地址未登记".into(),
    };
    let accepted = verdict(vec![application(vec![warned])], vec![]);
    let context = context_for(&accepted, "CZKX2020-0008");
    assert_eq!(context.kind, NoticeKind::Confirmation);
    assert!(
        context.applications[0].deficiencies.is_empty(),
        "warnings are for staff, not the applicant"
    );
}

#[test]
fn kinds_follow_status() {
    let late = Deficiency::message_level(Code::LateSubmission, "逾期");
    assert_eq!(
        context_for(&verdict(vec![application(vec![])], vec![late]), "R-1").kind,
        NoticeKind::Late
    );
    let unknown = Deficiency {
        code: Code::UnknownSociety,
        field: Some("society".into()),
        cell: Some("B3".into()),
        message: "学会不在名单中".into(),
    };
    assert_eq!(
        context_for(&verdict(vec![application(vec![unknown])], vec![]), "R-2").kind,
        NoticeKind::Review
    );
}

#[test]
fn deficiency_notice_names_cell_value_receipt_and_print() {
    let deficient = verdict(vec![application(vec![amount_too_high()])], vec![]);
    let context = context_for(&deficient, "CZKX2020-0007");
    let print = context.applications[0].fingerprint.clone();
    let notice = shipped_templates().render(&context).expect("render");

    for body in [&notice.text, &notice.html] {
        for expected in [
            "B12",
            "15000 元",
            "CZKX2020-0007",
            print.as_str(),
            "2020年8月31日 23:59:59",
            "超出学术创新特色学会上限",
            "申请资助金额（元）",
            "回复本邮件",
            "学术创新特色学会",
        ] {
            assert!(body.contains(expected), "missing {expected:?} in:\n{body}");
        }
    }
    assert_eq!(
        notice.subject,
        "【需补正】CZKX2020-0007 常州市营养学会 2020年度\"特专优精\"学会项目申报"
    );
}

#[test]
fn confirmation_subject_and_flags() {
    let accepted = verdict(vec![application(vec![])], vec![]);
    let templates = shipped_templates();
    let notice = templates
        .render(&context_for(&accepted, "CZKX2020-0007"))
        .expect("render");
    assert_eq!(
        notice.subject,
        "【已受理】CZKX2020-0007 常州市营养学会 2020年度\"特专优精\"学会项目申报"
    );
    assert!(notice.text.contains("已予受理"), "{}", notice.text);
    assert!(!notice.text.contains("替换此前"), "{}", notice.text);

    let mut replacing = context_for(&accepted, "CZKX2020-0009");
    replacing.replaces = Some("CZKX2020-0007".into());
    replacing.file_complete = true;
    let notice = templates.render(&replacing).expect("render");
    assert!(
        notice.subject.contains("已替换 CZKX2020-0007"),
        "{}",
        notice.subject
    );
    for body in [&notice.text, &notice.html] {
        assert!(
            body.contains("已替换此前的版本（回执编号 CZKX2020-0007）"),
            "{body}"
        );
        assert!(body.contains("材料现已齐全"), "{body}");
    }
}

#[test]
fn late_and_review_notices_say_so() {
    let templates = shipped_templates();
    let late = Deficiency::message_level(Code::LateSubmission, "超过截止时间");
    let notice = templates
        .render(&context_for(
            &verdict(vec![application(vec![])], vec![late]),
            "R-1",
        ))
        .expect("render");
    assert!(
        notice.subject.starts_with("【逾期通知】R-1 "),
        "{}",
        notice.subject
    );
    assert!(notice.text.contains("不予受理"), "{}", notice.text);
    assert!(
        notice.text.contains("2020年8月20日 10:15:00"),
        "{}",
        notice.text
    );

    let nothing = Deficiency::message_level(Code::NoFormFound, "未找到申报书");
    let mut review = context_for(&verdict(vec![], vec![nothing]), "R-2");
    review.kind = NoticeKind::Review;
    let notice = templates.render(&review).expect("render");
    assert!(
        notice.subject.starts_with("【已收到·待审核】R-2 申报单位 "),
        "{}",
        notice.subject
    );
    assert!(notice.text.contains("人工审核"), "{}", notice.text);
    assert!(notice.text.contains("未找到申报书"), "{}", notice.text);
}

#[test]
fn subjects_differ_by_receipt_and_society() {
    let templates = shipped_templates();
    let accepted = verdict(vec![application(vec![])], vec![]);
    let mut subjects: Vec<String> = (1..=50)
        .map(|n| {
            let context = context_for(&accepted, &format!("CZKX2020-{n:04}"));
            templates.render(&context).expect("render").subject
        })
        .collect();
    let mut other_society = context_for(&accepted, "CZKX2020-0001");
    other_society.society = "常州市计算机学会".into();
    subjects.push(templates.render(&other_society).expect("render").subject);
    let n_subjects = subjects.len();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), n_subjects, "163 rejects identical subjects");
}

#[test]
fn html_escapes_applicant_values() {
    let mut app = application(vec![]);
    app.fields[0].1 = FieldValue::Text("<script>alert(1)</script>学会".into());
    let context = context_for(&verdict(vec![app], vec![]), "R-3");
    let notice = shipped_templates().render(&context).expect("render");
    assert!(!notice.html.contains("<script>"), "{}", notice.html);
    assert!(notice.html.contains("&lt;script&gt;"), "{}", notice.html);
}

#[test]
fn a_broken_template_is_refused_at_load() {
    let misspelt = Templates::from_sources(
        "{{ reciept }}".into(),
        "{{ receipt }}".into(),
        "{{ receipt }}".into(),
    );
    assert!(misspelt.is_err(), "an undefined variable must fail at load");
    let unclosed = Templates::from_sources(
        "{{ receipt }}".into(),
        "{% if kind %}".into(),
        "{{ receipt }}".into(),
    );
    let message = unclosed.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("notice.txt"), "{message}");
}

fn applicant_message() -> ParsedMessage {
    ParsedMessage {
        from: Some("secretary@qq.com".into()),
        reply_to: Some("xuehui@163.com".into()),
        subject: "申报材料".into(),
        message_id: Some("tencent_ABC123@qq.com".into()),
        references: vec!["first@qq.com".into()],
        ..ParsedMessage::default()
    }
}

#[test]
fn composed_answer_parses_back_with_its_headers() {
    let deficient = verdict(vec![application(vec![amount_too_high()])], vec![]);
    let notice = shipped_templates()
        .render(&context_for(&deficient, "CZKX2020-0007"))
        .expect("render");
    let queued_at: Timestamp = "2020-08-20T02:16:00Z".parse().expect("timestamp");
    let id = message_id("CZKX2020-0007", "6f1c2a", "shenbao.example.test");
    let mut outgoing = Outgoing::answer(
        &applicant_message(),
        "czkxxhb@163.com",
        Some("常州市科协学会部"),
        &id,
        queued_at,
    )
    .expect("an address to answer");
    outgoing.attachments.push(OutgoingAttachment {
        filename: "申报书模板2020.xlsx".into(),
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        bytes: b"PK\x03\x04 not really a workbook".to_vec(),
    });
    let bytes = compose(&notice, &outgoing).expect("compose");

    let parsed = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("parses");
    assert_eq!(parsed.subject(), Some(notice.subject.as_str()));
    let to = parsed
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address());
    assert_eq!(to, Some("xuehui@163.com"), "Reply-To wins over From");
    let from = parsed.from().and_then(|a| a.first());
    assert_eq!(from.and_then(|a| a.address()), Some("czkxxhb@163.com"));
    assert_eq!(from.and_then(|a| a.name()), Some("常州市科协学会部"));
    assert_eq!(
        parsed.message_id(),
        Some("CZKX2020-0007.6f1c2a@shenbao.example.test")
    );
    assert_eq!(
        parsed.in_reply_to().as_text(),
        Some("tencent_ABC123@qq.com")
    );
    let references: Vec<&str> = parsed
        .references()
        .as_text_list()
        .map(|ids| ids.iter().map(|id| id.as_ref()).collect())
        .unwrap_or_default();
    assert_eq!(references, ["first@qq.com", "tencent_ABC123@qq.com"]);
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-replied")
    );
    assert_eq!(
        parsed.date().map(|d| d.to_timestamp()),
        Some(queued_at.as_second())
    );
    let text = parsed.body_text(0).expect("text part");
    assert!(
        text.contains("B12") && text.contains("CZKX2020-0007"),
        "{text}"
    );
    let html = parsed.body_html(0).expect("html part");
    assert!(html.contains("B12"), "{html}");

    let attachment = parsed.attachments().next().expect("attachment");
    assert_eq!(attachment.attachment_name(), Some("2020.xlsx"));
    assert_eq!(attachment.contents(), b"PK\x03\x04 not really a workbook");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("filename=\"2020.xlsx\"") && !raw.contains("filename*"),
        "plain ASCII filename, no RFC 2231:\n{raw}"
    );
}

#[test]
fn answer_goes_to_from_without_reply_to() {
    let mut parsed = applicant_message();
    parsed.reply_to = None;
    let outgoing = Outgoing::answer(
        &parsed,
        "czkxxhb@163.com",
        None,
        "a@b",
        Timestamp::UNIX_EPOCH,
    )
    .expect("an address");
    assert_eq!(outgoing.to, "secretary@qq.com");
    parsed.from = None;
    assert!(
        Outgoing::answer(
            &parsed,
            "czkxxhb@163.com",
            None,
            "a@b",
            Timestamp::UNIX_EPOCH
        )
        .is_none()
    );
}

#[test]
fn digest_is_auto_generated_and_unthreaded() {
    let notice = Notice {
        subject: "【汇总】2020-08-20 申报情况".into(),
        text: "共 3 份".into(),
        html: "<p>共 3 份</p>".into(),
    };
    let outgoing = Outgoing {
        from: "czkxxhb@163.com".into(),
        from_name: None,
        to: "staff@example.test".into(),
        message_id: "digest.1@shenbao".into(),
        date: Timestamp::UNIX_EPOCH,
        in_reply_to: None,
        references: vec![],
        auto_submitted: AutoSubmitted::AutoGenerated,
        attachments: vec![],
    };
    let bytes = compose(&notice, &outgoing).expect("compose");
    let parsed = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("parses");
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    assert!(parsed.header_raw("In-Reply-To").is_none());
    assert_eq!(parsed.body_text(0).as_deref(), Some("共 3 份"));
}

#[test]
fn bad_addresses_are_errors_not_panics() {
    let notice = Notice {
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
    };
    let mut outgoing = Outgoing::answer(
        &applicant_message(),
        "czkxxhb@163.com",
        None,
        "a@b",
        Timestamp::UNIX_EPOCH,
    )
    .expect("an address");
    outgoing.to = "not an address".into();
    assert!(matches!(
        compose(&notice, &outgoing),
        Err(ComposeError::Address(_))
    ));
}

#[test]
fn filenames_and_ids_are_ascii() {
    assert_eq!(ascii_filename("申报书.xlsx", "shenbao"), "shenbao.xlsx");
    assert_eq!(ascii_filename("form 2020.xlsx", "x"), "form_2020.xlsx");
    assert_eq!(ascii_filename("说明", "readme"), "readme");
    assert_eq!(ascii_filename("a\"b.pdf", "x"), "a_b.pdf");
    assert_eq!(
        message_id("CZKX2020-0007", "uuid-1", "host.example"),
        "CZKX2020-0007.uuid-1@host.example"
    );
    assert_eq!(message_id("编号<1>", "", "h"), "1.x@h");
}

#[test]
fn long_threads_keep_first_and_latest_references() {
    let mut parsed = applicant_message();
    parsed.references = (0..30).map(|n| format!("m{n}@qq.com")).collect();
    let outgoing = Outgoing::answer(
        &parsed,
        "czkxxhb@163.com",
        None,
        "a@b",
        Timestamp::UNIX_EPOCH,
    )
    .expect("an address");
    let notice = Notice {
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
    };
    let bytes = compose(&notice, &outgoing).expect("compose");
    let parsed_back = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("parses");
    let references = parsed_back
        .references()
        .as_text_list()
        .map(|ids| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(references.len(), 20);
    assert_eq!(references.first().map(String::as_str), Some("m0@qq.com"));
    assert_eq!(
        references.last().map(String::as_str),
        Some("tencent_ABC123@qq.com")
    );
}

#[test]
fn same_notice_composes_to_the_same_bytes() {
    let accepted = verdict(vec![application(vec![])], vec![]);
    let notice = shipped_templates()
        .render(&context_for(&accepted, "CZKX2020-0007"))
        .expect("render");
    let mut outgoing = Outgoing::answer(
        &applicant_message(),
        "czkxxhb@163.com",
        None,
        "CZKX2020-0007.1@host",
        Timestamp::UNIX_EPOCH,
    )
    .expect("an address");
    outgoing.attachments.push(OutgoingAttachment {
        filename: "a.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4".to_vec(),
    });
    let first = compose(&notice, &outgoing).expect("compose");
    assert_eq!(first, compose(&notice, &outgoing).expect("compose"));
    outgoing.message_id = "CZKX2020-0007.2@host".into();
    assert_ne!(first, compose(&notice, &outgoing).expect("compose"));
}
