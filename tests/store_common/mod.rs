//! Builders shared by the store tests: a store in a temporary directory,
//! messages to claim, filings and a render closure.
#![allow(dead_code)] // each test crate uses a different part

use std::path::Path;

use jiff::Timestamp;
use shenbao::store::{
    AnswerKind, Claim, Filed, Filing, IncomingMessage, MailboxKey, MessageKey, NewApplication,
    OutgoingAnswer, RenderError, SqliteStore, Store, StoreOptions,
};
use shenbao::verdict::Status;

pub fn open(dir: &Path) -> SqliteStore {
    let options = StoreOptions {
        receipt_prefix: "CZKX".to_string(),
        max_attempts: 3,
    };
    SqliteStore::open(dir, options).unwrap()
}

/// A fixed instant plus some seconds (2020-08-09 in Changzhou).
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_597_000_000 + seconds).unwrap()
}

pub fn location(uid: u32) -> MailboxKey {
    MailboxKey {
        mailbox: "INBOX".to_string(),
        uid_validity: 7,
        uid,
    }
}

pub fn incoming<'a>(
    location: &'a MailboxKey,
    raw: &'a [u8],
    message_id: &'a str,
    received_at: Timestamp,
) -> IncomingMessage<'a> {
    IncomingMessage {
        location,
        message_id: Some(message_id),
        from: Some("secretary@example.org"),
        subject: "申报",
        received_at,
        raw,
        sha256: shenbao::store::ContentHash::of(raw),
    }
}

/// Claims a message that must be new.
pub fn claim_new(store: &mut SqliteStore, uid: u32, raw: &[u8], message_id: &str) -> MessageKey {
    let place = location(uid);
    match store
        .claim(&incoming(&place, raw, message_id, at(0)), at(1))
        .unwrap()
    {
        Claim::New(key) => key,
        other => panic!("expected a new message, got {other:?}"),
    }
}

/// Claims a new message received at a given time.
pub fn claim_received(
    store: &mut SqliteStore,
    uid: u32,
    raw: &[u8],
    received_at: Timestamp,
) -> MessageKey {
    let place = location(uid);
    let message_id = format!("{uid}@example.org");
    match store
        .claim(&incoming(&place, raw, &message_id, received_at), at(1))
        .unwrap()
    {
        Claim::New(key) => key,
        other => panic!("expected a new message, got {other:?}"),
    }
}

pub fn application(society: &str, category: &str, project_key: &str) -> NewApplication {
    NewApplication {
        society: society.to_string(),
        category: category.to_string(),
        project_key: project_key.to_string(),
        attachment: None,
        sheet: "申报书".to_string(),
        fields_json: format!(r#"{{"society":"{society}","category":"{category}"}}"#),
        status: Status::Accepted,
        fingerprint: "fp-1".to_string(),
        deficiencies: Vec::new(),
        may_replace: true,
    }
}

pub fn filing(message: MessageKey, applications: Vec<NewApplication>) -> Filing {
    let status = applications
        .iter()
        .map(|a| a.status)
        .max()
        .unwrap_or(Status::Accepted);
    Filing {
        message,
        call_id: "2020".to_string(),
        filed_at: at(10),
        status,
        deficiencies: Vec::new(),
        attachments: Vec::new(),
        applications,
        evidence_for: Vec::new(),
    }
}

pub fn answer(kind: AnswerKind, to: &str, message_id: &str) -> OutgoingAnswer {
    OutgoingAnswer {
        kind,
        to: to.to_string(),
        subject: "回执".to_string(),
        message_id: message_id.to_string(),
        rfc5322: format!("Message-ID: <{message_id}>\r\n\r\n已收到\r\n")
            .into_bytes()
            .into(),
        applications: Vec::new(),
        suppressed: None,
    }
}

/// A render closure: one confirmation per filed application, quoting its receipt.
pub fn confirm_each(_: &Filing, filed: &Filed) -> Result<Vec<OutgoingAnswer>, RenderError> {
    Ok(filed
        .applications
        .iter()
        .map(|application| {
            let message_id = format!("answer-{}@shenbao.test", application.version.0);
            let mut confirmation = answer(
                AnswerKind::Confirmation,
                "Secretary@Example.org",
                &message_id,
            );
            confirmation.rfc5322 = format!(
                "Message-ID: <{message_id}>\r\n\r\n回执号 {}\r\n",
                application.receipt
            )
            .into_bytes()
            .into();
            confirmation.applications = vec![application.application];
            confirmation
        })
        .collect())
}

pub fn no_answers(_: &Filing, _: &Filed) -> Result<Vec<OutgoingAnswer>, RenderError> {
    Ok(Vec::new())
}

/// A mail with these files attached (7bit: the test bytes are ASCII), as a
/// daemon would have fetched it: the store takes a filed attachment's bytes out
/// of its message's raw bytes.
pub fn mail_with_files(subject: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut mail = format!(
        "From: secretary@example.org\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
    )
    .into_bytes();
    for (name, bytes) in files {
        mail.extend_from_slice(
            format!(
                "--b\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n\
                 Content-Disposition: attachment; filename=\"{name}\"\r\n\
                 Content-Transfer-Encoding: 7bit\r\n\r\n"
            )
            .as_bytes(),
        );
        mail.extend_from_slice(bytes);
        mail.extend_from_slice(b"\r\n");
    }
    mail.extend_from_slice(b"--b--\r\n");
    mail
}
