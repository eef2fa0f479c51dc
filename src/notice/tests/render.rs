//! A verdict rendered with the shipped templates: the kinds, the flags, and
//! what a secretary needs to read (cell, value, receipt, fingerprint).

use super::*;

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
