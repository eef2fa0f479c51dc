//! What tests/daemon_e2e.rs asserts of each case: in the store, and in the
//! applicant's mailbox read back over IMAP.

use std::collections::BTreeSet;
use std::time::Duration;

use shenbao::store::{
    AnswerState, ApplicationFilter, ApplicationRecord, MessageRecord, MessageStatus, OutboxEntry,
    OutboxFilter, SqliteStore, Store,
};

use super::{Case, subject_mark};
use crate::support::daemon::Desk;
use crate::support::daemon_mail::{Received, wait_for_inbox};
use crate::support::mail_servers::MailServers;

/// The message is filed once with its verdict, its applications and codes, and one answer sent.
pub fn check_filed(store: &SqliteStore, desk: &Desk, case: &Case, messages: &[MessageRecord]) {
    let name = case.name;
    let record = message_of(messages, &case.message_id);
    assert_eq!(record.status, MessageStatus::Filed, "{name}: {record:#?}");
    assert_eq!(record.verdict, Some(case.verdict), "{name}: {record:#?}");
    let applications: Vec<ApplicationRecord> = store
        .applications(&ApplicationFilter::default())
        .expect("applications")
        .into_iter()
        .filter(|a| a.current.message == record.key)
        .collect();
    assert_eq!(
        applications.len(),
        case.n_applications,
        "{name}: {applications:#?}"
    );
    for application in &applications {
        assert_eq!(application.n_versions, 1, "{name}: {application:#?}");
    }
    let codes = message_codes(desk, record.key.0);
    for code in case.codes {
        assert!(
            codes.contains(code.as_str()),
            "{name}: {code:?} not in {codes:?}"
        );
    }
    let answer = answer_to(store, messages, case);
    assert_eq!(
        (answer.kind, answer.state),
        (case.answer(), AnswerState::Sent),
        "{name}: {answer:#?}"
    );
    assert_eq!(answer.to, case.from, "{name}");
    // The subject carries the first receipt; a message without an application has its own.
    let receipt_in_subject = applications
        .iter()
        .any(|a| answer.subject.contains(&a.receipt))
        || (applications.is_empty() && answer.subject.contains("CZKX2020-M"));
    assert!(receipt_in_subject, "{name}: {}", answer.subject);
}

/// The applicant's mailbox holds exactly `n` answers; the first is the one to `case`.
pub async fn check_mailbox(servers: &MailServers, store: &SqliteStore, case: &Case, n: usize) {
    let name = case.name;
    let received = wait_for_inbox(servers, &case.from, n, Duration::from_secs(20)).await;
    assert_eq!(received.len(), n, "{name}: exactly {n} answer(s)");
    let answer = Received::parse(received[0].clone());
    assert_eq!(
        answer.parsed.in_reply_to,
        std::slice::from_ref(&case.message_id),
        "{name}: threaded"
    );
    assert_eq!(answer.auto_submitted(), Some("auto-replied"), "{name}");
    let subject = &answer.parsed.subject;
    assert!(
        subject.contains(subject_mark(case.answer())),
        "{name}: {subject}"
    );
    assert!(
        subject.contains("CZKX2020-"),
        "{name}: the receipt in {subject}"
    );
    let entry = store
        .outbox(&OutboxFilter::default())
        .expect("outbox")
        .into_iter()
        .find(|e| e.message_id == answer.message_id())
        .unwrap_or_else(|| panic!("{name}: the answer received is in the outbox"));
    assert_eq!(&entry.subject, subject, "{name}");
}

pub fn message_of<'a>(messages: &'a [MessageRecord], message_id: &str) -> &'a MessageRecord {
    let found: Vec<_> = messages
        .iter()
        .filter(|m| m.message_id.as_deref() == Some(message_id))
        .collect();
    assert_eq!(found.len(), 1, "{message_id} filed exactly once");
    found[0]
}

pub fn answer_to(store: &SqliteStore, messages: &[MessageRecord], case: &Case) -> OutboxEntry {
    answer_to_id(store, messages, &case.message_id)
}

/// The one answer regarding the message with `message_id`.
pub fn answer_to_id(
    store: &SqliteStore,
    messages: &[MessageRecord],
    message_id: &str,
) -> OutboxEntry {
    let key = message_of(messages, message_id).key;
    let answers: Vec<OutboxEntry> = store
        .outbox(&OutboxFilter::default())
        .expect("outbox")
        .into_iter()
        .filter(|e| e.regarding == Some(key))
        .collect();
    assert_eq!(
        answers.len(),
        1,
        "{message_id}: exactly one answer: {answers:#?}"
    );
    answers.into_iter().next().expect("one")
}

pub fn applications_of(store: &SqliteStore, society: &str, category: &str) -> ApplicationRecord {
    let found = store
        .applications(&ApplicationFilter {
            society: Some(society.into()),
            category: Some(category.into()),
            ..ApplicationFilter::default()
        })
        .expect("applications");
    assert_eq!(found.len(), 1, "{society} {category}: {found:#?}");
    found.into_iter().next().expect("one")
}

/// Every deficiency code filed for a message, its applications' and its own
/// (the message-level ones have no read method: the table is read directly).
pub fn message_codes(desk: &Desk, message: i64) -> BTreeSet<String> {
    let db = rusqlite::Connection::open_with_flags(
        desk.dir.path().join("store/shenbao.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the database");
    let mut query = db
        .prepare("SELECT code FROM deficiencies WHERE message = ?1")
        .expect("query");
    query
        .query_map([message], |row| row.get::<_, String>(0))
        .expect("codes")
        .collect::<Result<_, _>>()
        .expect("codes")
}
