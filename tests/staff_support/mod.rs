//! A store filled the way the pipeline fills it (claim, file with the answers
//! rendered inside the filing, send, bounce, fail), for the staff tests.
//!
//! The story, in Changzhou time: two applications on 8-18, the digest of
//! 8-19 08:30, then on 8-19 and 8-20 a deficient one, a replacement, an
//! unknown society, one with formula-like text whose answer bounces, a late
//! one whose notice cannot be delivered, and a message that cannot be read.
#![allow(dead_code)] // each test crate uses a different part

use std::collections::HashMap;
use std::path::Path;

use jiff::Timestamp;
use shenbao::config::{Call, Roster};
use shenbao::staff::{DigestConfig, Sender, SlotKind};
use shenbao::store::{
    AnswerKey, AnswerKind, Bounce, Claim, DigestSlot, Filed, Filing, IncomingMessage, MailboxKey,
    MessageKey, NewApplication, OutgoingAnswer, PollOutcome, RenderError, SqliteStore, Store,
    StoreOptions,
};
use shenbao::verdict::{Code, Deficiency, Status};

pub const CALL_TOML: &str = include_str!("../../config/call-2020.toml");
pub const ROSTER_CSV: &[u8] = include_bytes!("../../config/roster.csv");
/// Applicants' text that a spreadsheet would take for a formula.
pub const EVIL_PROJECT: &str = "=HYPERLINK(\"http://evil.example\",\"点我\")";
pub const EVIL_CONTACT: &str = "@SUM(1+1)";
pub const PLUS_MOBILE: &str = "+8613912345678";
pub const UNKNOWN_SOCIETY: &str = "常州市<b>不存在</b>学会";

pub fn call() -> Call {
    Call::parse(CALL_TOML, "call-2020.toml").unwrap()
}

pub fn roster() -> Roster {
    Roster::parse(ROSTER_CSV, "roster.csv").unwrap()
}

pub fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(
        dir,
        StoreOptions {
            receipt_prefix: "CZKX".to_string(),
            max_attempts: 3,
        },
    )
    .unwrap()
}

/// An instant in Changzhou, e.g. `beijing("2020-08-20T08:30:00")`.
pub fn beijing(text: &str) -> Timestamp {
    format!("{text}+08:00[Asia/Shanghai]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
}

pub fn sender() -> Sender {
    Sender {
        address: "apply@example.test".to_string(),
        name: Some("常州市科协学会部".to_string()),
    }
}

pub fn digest_config(to: &[&str]) -> DigestConfig {
    DigestConfig {
        to: to.iter().map(|s| s.to_string()).collect(),
        ..DigestConfig::default()
    }
}

/// What the story filed: receipts by society, answers by name.
pub struct Story {
    pub receipts: HashMap<&'static str, String>,
    pub bounced_answer: AnswerKey,
    pub failed_answer: AnswerKey,
}

/// One application sheet with the fields `check --json` gives.
pub struct Sheet {
    pub society: &'static str,
    pub category: &'static str,
    pub subcategory: Option<&'static str>,
    pub project: &'static str,
    pub amount: Option<i64>,
    pub contact: &'static str,
    pub mobile: &'static str,
    pub deficiencies: Vec<Deficiency>,
}

impl Sheet {
    pub fn new(society: &'static str, category: &'static str, amount: i64) -> Sheet {
        Sheet {
            society,
            category,
            subcategory: None,
            project: "",
            amount: Some(amount),
            contact: "王芳",
            mobile: "13912345678",
            deficiencies: Vec::new(),
        }
    }

    fn application(&self) -> NewApplication {
        let mut fields = serde_json::json!({
            "society": self.society,
            "category": self.category,
            "contact": self.contact,
            "mobile": self.mobile,
            "email": "secretary@society.example",
            "start_date": "2019-10-12",
            "end_date": "2019-10-13",
        });
        if let Some(sub) = self.subcategory {
            fields["subcategory"] = sub.into();
        }
        if !self.project.is_empty() {
            fields["project_name"] = self.project.into();
        }
        if let Some(amount) = self.amount {
            fields["amount"] = amount.into();
        }
        let per_project = self.category == "academic";
        NewApplication {
            society: self.society.to_string(),
            category: self.category.to_string(),
            project_key: if per_project {
                self.project.to_string()
            } else {
                String::new()
            },
            attachment: None,
            sheet: "申报书".to_string(),
            fields_json: fields.to_string(),
            status: Status::of(&self.deficiencies),
            fingerprint: format!("FP-{}", self.society.chars().count()),
            deficiencies: self.deficiencies.clone(),
            may_replace: true,
        }
    }
}

/// The answer kind the pipeline sends for a status.
fn answer_kind(status: Status) -> AnswerKind {
    match status {
        Status::Accepted => AnswerKind::Confirmation,
        Status::Review => AnswerKind::Review,
        Status::Deficient => AnswerKind::Deficiency,
        Status::Rejected => AnswerKind::Late,
    }
}

/// Claims and files one message with one sheet, received and filed at `at`,
/// and queues its answer from inside the filing; returns the answer.
pub fn file_sheet(store: &mut SqliteStore, uid: u32, sheet: &Sheet, at: Timestamp) -> AnswerKey {
    let location = MailboxKey {
        mailbox: "INBOX".to_string(),
        uid_validity: 1,
        uid,
    };
    let raw = format!("Message-ID: <m{uid}@society.example>\r\n\r\n申报 {uid}\r\n").into_bytes();
    let message_id = format!("m{uid}@society.example");
    let incoming = IncomingMessage {
        location: &location,
        message_id: Some(&message_id),
        from: Some("secretary@society.example"),
        subject: "申报",
        received_at: at,
        raw: &raw,
        sha256: shenbao::store::ContentHash::of(&raw),
    };
    let Claim::New(message) = store.claim(&incoming, at).unwrap() else {
        panic!("message {uid} is not new");
    };
    let application = sheet.application();
    let filing = Filing {
        message,
        call_id: "2020".to_string(),
        filed_at: at,
        status: application.status,
        deficiencies: Vec::new(),
        attachments: Vec::new(),
        applications: vec![application],
        evidence_for: Vec::new(),
    };
    let render = |filing: &Filing, filed: &Filed| -> Result<Vec<OutgoingAnswer>, RenderError> {
        let application = &filed.applications[0];
        let id = format!("answer-{uid}@example.test");
        Ok(vec![OutgoingAnswer {
            kind: answer_kind(filing.status),
            to: "secretary@society.example".to_string(),
            subject: format!("【回执】{}", application.receipt),
            message_id: id.clone(),
            rfc5322: format!(
                "From: apply@example.test\r\nTo: secretary@society.example\r\n\
                 Date: Wed, 19 Aug 2020 02:00:00 +0000\r\nMessage-ID: <{id}>\r\n\
                 Subject: receipt\r\n\r\n受理编号 {}\r\n",
                application.receipt
            )
            .into_bytes()
            .into(),
            applications: vec![application.application],
            suppressed: None,
        }])
    };
    let filed = store.file(&filing, &render).unwrap();
    filed.answers[0]
}

/// Sends an answer the way the sender does.
pub fn deliver(store: &mut SqliteStore, answer: AnswerKey, at: Timestamp) {
    store.mark_sending(answer).unwrap();
    store.mark_sent(answer, at).unwrap();
}

/// A message that fails every attempt, left for staff.
pub fn unreadable_message(store: &mut SqliteStore, uid: u32, at: Timestamp) -> MessageKey {
    let location = MailboxKey {
        mailbox: "INBOX".to_string(),
        uid_validity: 1,
        uid,
    };
    let raw = b"Message-ID: <broken@society.example>\r\n\r\n\xff\xfe".to_vec();
    let incoming = IncomingMessage {
        location: &location,
        message_id: Some("broken@society.example"),
        from: Some("someone@society.example"),
        subject: "损坏的申报",
        received_at: at,
        raw: &raw,
        sha256: shenbao::store::ContentHash::of(&raw),
    };
    loop {
        let message = match store.claim(&incoming, at).unwrap() {
            Claim::New(message) | Claim::Retry { message, .. } => message,
            Claim::Known { message, .. } => return message,
        };
        store.fail(message, "workbook: not a zip file").unwrap();
    }
}

fn deficiency(code: Code, cell: &str, message: &str) -> Deficiency {
    Deficiency {
        code,
        field: None,
        cell: Some(cell.to_string()),
        message: message.to_string(),
    }
}

/// Files the whole story into `store`; the previous digest is queued at 8-19 08:30.
pub fn fill(store: &mut SqliteStore) -> Story {
    let mut receipts = HashMap::new();
    let mut receipt_of = |store: &SqliteStore, society: &'static str| {
        let filter = shenbao::store::ApplicationFilter {
            society: Some(society.to_string()),
            ..Default::default()
        };
        let found = store.applications(&filter).unwrap();
        receipts.insert(society, found[0].receipt.clone());
    };

    // Before the previous digest.
    let answer = file_sheet(
        store,
        1,
        &Sheet::new("常州市电子学会", "self_building", 10000),
        beijing("2020-08-18T09:00:00"),
    );
    deliver(store, answer, beijing("2020-08-18T09:01:00"));
    let seminar = |amount| Sheet {
        subcategory: Some("seminar"),
        project: "青年营养论坛",
        ..Sheet::new("常州市营养学会", "academic", amount)
    };
    let answer = file_sheet(store, 2, &seminar(8000), beijing("2020-08-18T10:00:00"));
    deliver(store, answer, beijing("2020-08-18T10:01:00"));
    let previous = DigestSlot {
        at: beijing("2020-08-19T08:30:00"),
        kind: SlotKind::Daily.as_str().to_string(),
    };
    store
        .queue_digest(Some(&previous), &[], beijing("2020-08-19T08:30:00"))
        .unwrap();

    // Since the previous digest.
    let deficient = Sheet {
        subcategory: Some("conference"),
        project: "气象科技大会",
        deficiencies: vec![deficiency(Code::MissingEvidence, "B20", "缺少佐证材料")],
        ..Sheet::new("常州市气象学会", "academic", 10000)
    };
    let answer = file_sheet(store, 3, &deficient, beijing("2020-08-19T10:00:00"));
    deliver(store, answer, beijing("2020-08-19T10:01:00"));
    let answer = file_sheet(store, 4, &seminar(9000), beijing("2020-08-19T11:00:00"));
    deliver(store, answer, beijing("2020-08-19T11:01:00"));
    let unknown = Sheet {
        project: "科技服务进企业",
        deficiencies: vec![deficiency(
            Code::UnknownSociety,
            "B2",
            "学会名称不在名册中，待人工审核",
        )],
        ..Sheet::new(UNKNOWN_SOCIETY, "service", 6000)
    };
    let answer = file_sheet(store, 5, &unknown, beijing("2020-08-19T12:00:00"));
    deliver(store, answer, beijing("2020-08-19T12:01:00"));
    let evil = Sheet {
        subcategory: Some("seminar"),
        project: EVIL_PROJECT,
        contact: EVIL_CONTACT,
        mobile: PLUS_MOBILE,
        ..Sheet::new("常州市计算机学会", "academic", 5000)
    };
    let bounced_answer = file_sheet(store, 6, &evil, beijing("2020-08-19T13:00:00"));
    deliver(store, bounced_answer, beijing("2020-08-19T13:01:00"));
    store
        .record_delivery_failure(&Bounce {
            answer_message_id: "answer-6@example.test".to_string(),
            report: None,
            detail: "550 5.1.1 mailbox unavailable".to_string(),
            at: beijing("2020-08-19T13:05:00"),
        })
        .unwrap();
    let late = Sheet {
        deficiencies: vec![Deficiency::message_level(Code::LateSubmission, "逾期")],
        ..Sheet::new("常州市医学会", "worker", 1000)
    };
    let failed_answer = file_sheet(store, 7, &late, beijing("2020-08-19T14:00:00"));
    store.mark_sending(failed_answer).unwrap();
    store
        .mark_failed(failed_answer, "550 no such user")
        .unwrap();
    unreadable_message(store, 8, beijing("2020-08-19T15:00:00"));

    store
        .record_poll(
            "INBOX",
            &PollOutcome::Succeeded,
            beijing("2020-08-20T08:00:00"),
        )
        .unwrap();
    for minute in ["10", "20"] {
        let failure = PollOutcome::Failed {
            error: "NO [AUTHENTICATIONFAILED] Authentication failed.".to_string(),
            authentication: true,
        };
        store
            .record_poll(
                "INBOX",
                &failure,
                beijing(&format!("2020-08-20T08:{minute}:00")),
            )
            .unwrap();
    }

    for society in [
        "常州市电子学会",
        "常州市营养学会",
        "常州市气象学会",
        UNKNOWN_SOCIETY,
        "常州市计算机学会",
        "常州市医学会",
    ] {
        receipt_of(store, society);
    }
    Story {
        receipts,
        bounced_answer,
        failed_answer,
    }
}
