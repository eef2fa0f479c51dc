//! The whole core, bytes → verdict, through `process::Checker`: every
//! deficiency code of check-json.md is produced by some input here, and hostile
//! inputs (broken zips, bombs, huge sheets, malformed MIME) get a verdict, not a panic.

mod support;

use std::collections::BTreeSet;

use shenbao::config::{Call, Limits, Roster};
use shenbao::process::{Checker, Role};
use shenbao::verdict::{Code, Status, Verdict};
use support::mail::{Part, mail};
use support::workbooks::{RawEntry, deflate_prefix_then_zeros, raw_zip, sample};

fn checker() -> Checker {
    Checker::new(
        Call::load("config/call-2020.toml".as_ref()).unwrap(),
        Roster::load("tests/fixtures/samples/roster.csv".as_ref()).unwrap(),
        Limits::default(),
    )
}

/// A complete, valid category-3 form as (label, value) rows; tests change one row.
fn form_rows() -> Vec<(&'static str, String)> {
    [
        ("学会名称", "常州市电子学会"),
        ("统一社会信用代码", "51320400MJ58601481"),
        ("申报类别", "科技服务特色学会"),
        ("项目名称", "企业技术服务"),
        ("项目负责人", "费建明"),
        ("联系人", "韩雪"),
        ("手机", "13806892609"),
        ("电子邮箱", "czdzxh@163.com"),
        ("开始日期", "2019-10-08"),
        ("结束日期", "2020-07-15"),
        ("申请资助金额（元）", "9000"),
        ("项目简介", "技术服务"),
        ("主要成效", "服务企业43家"),
        ("佐证材料清单", "服务合同"),
        ("申报日期", "2020-08-19"),
    ]
    .into_iter()
    .map(|(l, v)| (l, v.to_string()))
    .collect()
}

fn with(rows: &[(&'static str, String)], label: &str, value: &str) -> Vec<(&'static str, String)> {
    rows.iter()
        .map(|(l, v)| {
            (
                *l,
                if *l == label {
                    value.to_string()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

/// An .xlsx with one application sheet per entry of `sheets`.
fn workbook(sheets: &[Vec<(&'static str, String)>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (i, rows) in sheets.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(format!("申报书{}", i + 1)).unwrap();
        for (r, (label, value)) in rows.iter().enumerate() {
            sheet.write_string(r as u32, 0, *label).unwrap();
            sheet.write_string(r as u32, 1, value).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn application_mail(from: &str, attachments: &[(&str, &[u8])]) -> Vec<u8> {
    let mut parts = vec![Part::new("text/plain; charset=utf-8").body("申报材料见附件。")];
    for (name, bytes) in attachments {
        parts.push(
            Part::new("application/octet-stream")
                .header(format!(
                    "Content-Disposition: attachment; filename=\"{name}\""
                ))
                .base64(bytes),
        );
    }
    mail(
        &[
            format!("From: {from}"),
            "To: czkxxhb@163.com".to_string(),
            "Subject: apply".to_string(),
            "Message-ID: <m1@example.org>".to_string(),
            "Date: Thu, 20 Aug 2020 10:00:00 +0800".to_string(),
        ],
        Part::multipart("mixed", "BOUNDARY", parts),
    )
}

const PDF: &[u8] = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn codes(verdict: &Verdict) -> BTreeSet<Code> {
    verdict.all_deficiencies().map(|d| d.code).collect()
}

fn check_mail(checker: &Checker, raw: &[u8]) -> Verdict {
    checker.check_message(raw, "test.eml", None).verdict
}

fn check_book(checker: &Checker, bytes: &[u8]) -> Verdict {
    checker.check_workbook(bytes, "申报书.xlsx", "申报书.xlsx", None)
}

#[test]
fn a_complete_mail_is_accepted() {
    let checker = checker();
    let raw = application_mail(
        "czdzxh@163.com",
        &[
            ("申报书.xlsx", &workbook(&[form_rows()])),
            ("总结.pdf", PDF),
        ],
    );
    let checked = checker.check_message(&raw, "test.eml", None);
    assert_eq!(
        checked.verdict.status,
        Status::Accepted,
        "{:#?}",
        checked.verdict
    );
    assert_eq!(
        checked.roles,
        [
            Role::Form {
                applications: vec![0]
            },
            Role::Evidence
        ]
    );
}

#[test]
fn every_deficiency_code_is_produced() {
    let checker = checker();
    let rows = form_rows();
    let mut seen = BTreeSet::new();
    let mut book = |rows: Vec<(&'static str, String)>, code: Code| {
        let verdict = check_book(&checker, &workbook(&[rows]));
        assert!(codes(&verdict).contains(&code), "{code:?}: {verdict:#?}");
        seen.extend(codes(&verdict));
    };
    book(with(&rows, "联系人", ""), Code::MissingField);
    book(with(&rows, "手机", "12345"), Code::InvalidValue);
    book(
        with(&rows, "统一社会信用代码", "51320400MJ58601482"),
        Code::InvalidCreditCode,
    );
    // Valid, but the code of another society in the roster.
    book(
        with(&rows, "统一社会信用代码", "51320400508785371J"),
        Code::CreditCodeMismatch,
    );
    book(with(&rows, "申报类别", "第七类"), Code::UnknownCategory);
    book(
        with(&rows, "申报类别", "学术创新特色学会"),
        Code::MissingSubcategory,
    );
    book(
        with(&rows, "申请资助金额（元）", "20000"),
        Code::AmountOutOfRange,
    );
    book(
        with(&rows, "结束日期", "2020-09-15"),
        Code::PeriodOutOfRange,
    );
    book(
        with(
            &with(&rows, "学会名称", "常州市不存在学会"),
            "统一社会信用代码",
            "513204005260181593",
        ),
        Code::UnknownSociety,
    );

    let academic = with(
        &with(&rows, "申报类别", "学术创新特色学会"),
        "申报日期",
        "2020-08-19",
    );
    let mut academic = academic;
    academic.push(("项目子类", "学术沙龙".to_string()));
    let duplicate = check_book(&checker, &workbook(&[rows.clone(), academic]));
    assert!(
        codes(&duplicate).contains(&Code::DuplicateApplication),
        "{duplicate:#?}"
    );
    seen.extend(codes(&duplicate));

    let mut message = |raw: Vec<u8>, code: Code| {
        let verdict = check_mail(&checker, &raw);
        assert!(codes(&verdict).contains(&code), "{code:?}: {verdict:#?}");
        seen.extend(codes(&verdict));
    };
    let form = workbook(std::slice::from_ref(&rows));
    message(
        application_mail(
            "secretary@qq.com",
            &[("申报书.xlsx", &form), ("总结.pdf", PDF)],
        ),
        Code::SenderUnverified,
    );
    message(
        application_mail("czdzxh@163.com", &[("总结.pdf", PDF)]),
        Code::NoFormFound,
    );
    message(
        application_mail("czdzxh@163.com", &[("申报书.xlsx", &form)]),
        Code::MissingEvidence,
    );
    message(
        application_mail(
            "czdzxh@163.com",
            &[("申报书.xlsx", b"not a workbook at all")],
        ),
        Code::UnreadableAttachment,
    );
    message(
        sample("p14_163_cloud_attachment.eml"),
        Code::CloudAttachment,
    );
    message(sample("p12_late.eml"), Code::LateSubmission);
    let small = checker.clone().with_limits(Limits {
        max_message_bytes: 1024,
        ..Limits::default()
    });
    let oversized = check_mail(
        &small,
        &application_mail(
            "czdzxh@163.com",
            &[("申报书.xlsx", &form), ("总结.pdf", PDF)],
        ),
    );
    assert!(
        codes(&oversized).contains(&Code::TooLarge),
        "{oversized:#?}"
    );
    assert_eq!(oversized.sender.as_deref(), Some("czdzxh@163.com"));
    seen.extend(codes(&oversized));

    let missing: Vec<_> = Code::ALL.iter().filter(|c| !seen.contains(c)).collect();
    assert!(missing.is_empty(), "codes never produced: {missing:?}");
}

#[test]
fn a_truncated_workbook_is_unreadable_and_named() {
    let checker = checker();
    let full = sample("p01_service.xlsx");
    let verdict = check_book(&checker, &full[..full.len() / 2]);
    assert_eq!(verdict.status, Status::Deficient);
    let d = verdict
        .deficiencies
        .iter()
        .find(|d| d.code == Code::UnreadableAttachment)
        .expect("unreadable_attachment");
    assert!(d.message.contains("申报书.xlsx"), "{}", d.message);
    assert!(codes(&verdict).contains(&Code::NoFormFound));
}

#[test]
fn a_zip_bomb_is_too_large() {
    let checker = checker();
    let (deflated, size) = deflate_prefix_then_zeros(b"<worksheet>", 300 * 1024 * 1024 / 258);
    let bomb = raw_zip(&[
        RawEntry::stored("[Content_Types].xml", b"<Types/>"),
        RawEntry::stored("xl/workbook.xml", b"<workbook/>"),
        RawEntry {
            name: "xl/worksheets/sheet1.xml".into(),
            method: 8,
            data: deflated,
            size: size as u32,
            crc: 0,
        },
    ]);
    assert!(bomb.len() < 4 * 1024 * 1024);
    let verdict = check_book(&checker, &bomb);
    assert!(codes(&verdict).contains(&Code::TooLarge), "{verdict:#?}");
    let d = verdict
        .all_deficiencies()
        .find(|d| d.code == Code::TooLarge)
        .unwrap();
    assert!(d.message.contains("申报书.xlsx"), "{}", d.message);
}

#[test]
fn a_far_stray_value_is_too_large_and_an_encrypted_book_says_password() {
    let checker = checker();
    let stray = support::workbooks::xlsx(|sheet| {
        support::workbooks::write_form(sheet);
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
    });
    assert!(codes(&check_book(&checker, &stray)).contains(&Code::TooLarge));

    let encrypted = check_book(&checker, &sample("p16_encrypted.xlsx"));
    let d = encrypted
        .all_deficiencies()
        .find(|d| d.code == Code::UnreadableAttachment)
        .expect("unreadable_attachment");
    assert!(d.message.contains("密码"), "{}", d.message);
}

#[test]
fn malformed_mime_gets_a_verdict() {
    let checker = checker();
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\x00\x01\x02 garbage".to_vec(),
        b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64".to_vec(),
        b"From: a@b.c\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all".to_vec(),
    ];
    for raw in inputs {
        let verdict = check_mail(&checker, &raw);
        assert_ne!(verdict.status, Status::Accepted);
        assert!(codes(&verdict).contains(&Code::NoFormFound), "{verdict:#?}");
    }
}

/// Nothing of the 2020 call is in code: change the call file and the verdicts follow.
#[test]
fn a_changed_call_changes_the_verdicts() {
    let text = std::fs::read_to_string("config/call-2020.toml").unwrap();
    let changed = text
        .replace(
            r#"deadline = "2020-08-31T23:59:59""#,
            r#"deadline = "2020-08-10T23:59:59""#,
        )
        .replace(
            "amount = { min = 5000, max = 10000 }\nquota = 15",
            "amount = { min = 5000, max = 8000 }\nquota = 15",
        )
        .replace(r#"label = "联系人""#, r#"label = "联络人""#);
    assert_ne!(changed, text);
    let base = checker();
    let checker = Checker::new(
        Call::parse(&changed, "call-changed.toml").unwrap(),
        base.roster,
        base.limits,
    );
    let renamed = form_rows()
        .into_iter()
        .map(|(l, v)| (if l == "联系人" { "联络人" } else { l }, v))
        .collect::<Vec<_>>();
    let verdict = checker.check_workbook(
        &workbook(&[renamed]),
        "a.xlsx",
        "a.xlsx",
        Some("2020-08-20T10:00:00+08:00".parse().unwrap()),
    );
    let got = codes(&verdict);
    assert!(
        got.contains(&Code::AmountOutOfRange),
        "9000 is over the new 8000: {got:?}"
    );
    assert!(
        got.contains(&Code::LateSubmission),
        "the deadline moved: {got:?}"
    );
    assert!(
        !got.contains(&Code::MissingField),
        "the renamed label is read: {got:?}"
    );
}
