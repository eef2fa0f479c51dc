//! The SQLite store's outbox, replies to our notices, evidence sent later,
//! bounces, batch filing, counts and mailbox state.

mod store_common;

use shenbao::store::{
    AnswerKind, AnswerState, AttachmentRole, Bounce, HashedBytes, MailboxState, NewAttachment,
    OutboxFilter, Recovered, SqliteStore, Store, StoreError, render_each,
};
use shenbao::verdict::Status;
use store_common::*;

/// queued → sending → queued (retry) → sending → sent; due_answers gives the
/// longest-waiting first and skips what is not due or not queued.
#[test]
fn outbox_state_transitions_and_due_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let late = store
        .enqueue(
            &answer(AnswerKind::Digest, "staff@example.org", "d1@x"),
            None,
            at(50),
        )
        .unwrap();
    let early = store
        .enqueue(
            &answer(AnswerKind::Digest, "staff@example.org", "d2@x"),
            None,
            at(20),
        )
        .unwrap();
    let future = store
        .enqueue(
            &answer(AnswerKind::Digest, "staff@example.org", "d3@x"),
            None,
            at(900),
        )
        .unwrap();

    let due: Vec<_> = store
        .due_answers(at(100), 10)
        .unwrap()
        .iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        due,
        vec![early, late],
        "earliest first; the future one is not due"
    );
    assert_eq!(store.due_answers(at(100), 1).unwrap().len(), 1);

    store.mark_sending(early).unwrap();
    assert_eq!(
        store.due_answers(at(100), 10).unwrap()[0].key,
        late,
        "sending is not due"
    );
    assert!(matches!(
        store.mark_sending(early),
        Err(StoreError::WrongState { .. })
    ));
    store.mark_retry(early, at(300), "421 try later").unwrap();
    let due: Vec<_> = store
        .due_answers(at(400), 10)
        .unwrap()
        .iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        due,
        vec![late, early],
        "the retry waits for its next attempt"
    );

    store.mark_sending(early).unwrap();
    store.mark_sent(early, at(401)).unwrap();
    let sent = store
        .outbox(&OutboxFilter {
            state: Some(AnswerState::Sent),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].attempts, 2);
    assert_eq!(sent[0].sent_at, Some(at(401)));
    assert_eq!(sent[0].last_error.as_deref(), Some("421 try later"));
    assert!(matches!(
        store.mark_sent(early, at(402)),
        Err(StoreError::WrongState { .. })
    ));

    store.mark_sending(future).unwrap();
    store.mark_failed(future, "550 no such user").unwrap();
    assert_eq!(
        store
            .outbox(&OutboxFilter {
                state: Some(AnswerState::Failed),
                ..Default::default()
            })
            .unwrap()[0]
            .key,
        future
    );
}

/// After a crash, messages left claimed count a failed attempt and answers left
/// sending are queued again.
#[test]
fn recovery_requeues_sending_and_fails_claimed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, b"in progress", "p@example.org");
    let answer_key = store
        .enqueue(
            &answer(AnswerKind::Digest, "staff@example.org", "d@x"),
            None,
            at(0),
        )
        .unwrap();
    store.mark_sending(answer_key).unwrap();
    drop(store);

    let mut store = open(dir.path());
    assert_eq!(
        store.recover_interrupted().unwrap(),
        Recovered {
            messages_requeued: 0,
            messages_charged: 1,
            answers: 1
        }
    );
    assert_eq!(store.due_answers(at(1), 10).unwrap()[0].key, answer_key);
    let retryable = store.retryable_messages().unwrap();
    assert_eq!((retryable[0].key, retryable[0].attempts), (key, 1));
}

/// The per-sender count covers answers queued since a time, any case of the address,
/// and leaves suppressed answers out; the suppression keeps its reason.
#[test]
fn answers_to_each_counts_recent_unsuppressed_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store
        .enqueue(
            &answer(AnswerKind::Confirmation, "Sec@Example.org", "a1@x"),
            None,
            at(0),
        )
        .unwrap();
    store
        .enqueue(
            &answer(AnswerKind::Confirmation, "sec@example.org", "a2@x"),
            None,
            at(3000),
        )
        .unwrap();
    let mut suppressed = answer(AnswerKind::Deficiency, "sec@example.org", "a3@x");
    suppressed.suppressed = Some("rate limit: 10 answers in the last hour".to_string());
    store.enqueue(&suppressed, None, at(3100)).unwrap();

    let recipients = ["SEC@example.org", "other@example.org", "sec@example.org"];
    assert_eq!(
        store.answers_to_each(&recipients, at(0)).unwrap(),
        [2, 0, 2]
    );
    assert_eq!(
        store
            .answers_to_each(&["sec@example.org"], at(1000))
            .unwrap(),
        [1]
    );
    let kept = store
        .outbox(&OutboxFilter {
            state: Some(AnswerState::Suppressed),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        kept[0].suppressed_reason.as_deref(),
        Some("rate limit: 10 answers in the last hour")
    );
    assert!(
        store
            .due_answers(at(9999), 10)
            .unwrap()
            .iter()
            .all(|e| e.message_id != "a3@x")
    );
}

/// A reply to our confirmation finds the application by the confirmation's Message-ID;
/// evidence it brings is linked to the application, and a bounce is recorded on it.
#[test]
fn replies_find_the_application_and_bring_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, b"form", "form@example.org");
    let mut first = filing(key, vec![application("A学会", "science", "")]);
    first.attachments = vec![attachment(
        "申报书.xlsx",
        AttachmentRole::Form,
        b"xlsx bytes",
    )];
    first.applications[0].attachment = Some(0);
    let filed = store.file(&first, &confirm_each).unwrap();
    let notice_id = store.outbox(&Default::default()).unwrap()[0]
        .message_id
        .clone();

    let found = store
        .applications_by_notice_message_id(&format!("<{notice_id}>"))
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].receipt, filed.applications[0].receipt);
    assert_eq!(found[0].current.attachment, Some(filed.attachments[0]));

    let reply_raw = mail_with_files(
        "reply with photos",
        &[("proof.pdf", b"pdf bytes"), ("logo.png", b"png bytes")],
    );
    let reply = claim_new(&mut store, 2, &reply_raw, "reply@example.org");
    let mut evidence = filing(reply, vec![]);
    evidence.attachments = vec![
        attachment("成果证明.pdf", AttachmentRole::Evidence, b"pdf bytes"),
        attachment("logo.png", AttachmentRole::Ignored, b"png bytes"),
    ];
    evidence.evidence_for = vec![found[0].key];
    let linked = store.file(&evidence, &no_answers).unwrap();
    assert_eq!(linked.evidence[0].n_attachments, 1);
    assert_eq!(linked.evidence[0].receipt, "CZKX2020-0001");
    let kept = store.evidence(found[0].key).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].filename.as_deref(), Some("成果证明.pdf"));
    assert_eq!(store.read_attachment(&kept[0]).unwrap(), b"pdf bytes");

    let bounce = Bounce {
        answer_message_id: notice_id,
        report: None,
        detail: "550 mailbox full".to_string(),
        at: at(60),
    };
    assert_eq!(
        store.record_delivery_failure(&bounce).unwrap(),
        vec![found[0].key]
    );
    assert_eq!(
        store.delivery_failures(found[0].key).unwrap()[0].detail,
        "550 mailbox full"
    );
    let stranger = Bounce {
        answer_message_id: "not-ours@x".to_string(),
        ..bounce
    };
    assert!(store.record_delivery_failure(&stranger).unwrap().is_empty());
}

/// Several filings in one transaction: receipts in order, and one bad filing undoes all.
#[test]
fn file_many_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let one = claim_new(&mut store, 1, b"one", "one@example.org");
    let two = claim_new(&mut store, 2, b"two", "two@example.org");
    let mut bad = filing(two, vec![application("B学会", "science", "")]);
    bad.applications[0].attachment = Some(5);
    let good = filing(one, vec![application("A学会", "science", "")]);
    assert!(
        store
            .file_many(&[good.clone(), bad], &render_each(&confirm_each))
            .is_err()
    );
    assert!(store.applications(&Default::default()).unwrap().is_empty());
    assert!(store.outbox(&Default::default()).unwrap().is_empty());

    let second = filing(two, vec![application("B学会", "popular", "")]);
    let filed = store
        .file_many(&[good, second], &render_each(&confirm_each))
        .unwrap();
    assert_eq!(filed[0].applications[0].receipt, "CZKX2020-0001");
    assert_eq!(filed[1].applications[0].receipt, "CZKX2020-0002");
    let counts = store.counts("2020").unwrap();
    assert_eq!(counts.len(), 2);
    assert!(
        counts
            .iter()
            .all(|c| c.n_applications == 1 && c.status == Status::Accepted)
    );
}

/// An answer's bytes are kept in a pack, not in the database, which holds only
/// their hash; they come back identical. Once changed on disk they are refused:
/// that answer is failed with the reason, and the answers behind it still go out.
#[test]
fn an_answers_bytes_are_kept_in_a_pack_under_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let queued = answer(AnswerKind::Confirmation, "a@example.org", "p1@x");
    let key = store.enqueue(&queued, None, at(10)).unwrap();
    // Suppressed before it could be composed: no bytes, kept like any others.
    let mut unsent = answer(AnswerKind::Review, "", "p2@x");
    unsent.rfc5322 = HashedBytes::default();
    unsent.suppressed = Some("no_sender".to_string());
    store.enqueue(&unsent, None, at(10)).unwrap();

    let conn = rusqlite::Connection::open(SqliteStore::database_path(dir.path())).unwrap();
    let hash: String = conn
        .query_row(
            "SELECT rfc5322_sha256 FROM outbox WHERE id = ?1",
            [key.0],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(hash, queued.rfc5322.sha256().to_hex());
    let n_inline: i64 = conn
        .query_row("SELECT count(*) FROM outbox_content", [], |row| row.get(0))
        .unwrap();
    assert_eq!(n_inline, 0, "no bytes in the database");

    let due = store.due_answers(at(10), 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].rfc5322, queued.rfc5322.bytes());
    let listed = store.outbox(&OutboxFilter::default()).unwrap();
    assert_eq!(listed[1].suppressed_reason.as_deref(), Some("no_sender"));
    assert!(listed[1].rfc5322.is_empty());

    let pack = std::fs::read_dir(dir.path().join("packs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            std::fs::read(path)
                .unwrap()
                .ends_with(queued.rfc5322.bytes())
        })
        .expect("the answer's bytes are in a pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&pack, bytes).unwrap();
    let behind = answer(AnswerKind::Confirmation, "b@example.org", "p3@x");
    let behind_key = store.enqueue(&behind, None, at(11)).unwrap();

    let due = store.due_answers(at(11), 10).unwrap();
    assert_eq!(
        due.iter().map(|e| e.key).collect::<Vec<_>>(),
        vec![behind_key]
    );
    assert_eq!(due[0].rfc5322, behind.rfc5322.bytes());
    let failed = store
        .outbox(&OutboxFilter {
            state: Some(AnswerState::Failed),
            ..OutboxFilter::default()
        })
        .expect("still listed, for the digest");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].rfc5322.is_empty());
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("no longer hash"))
    );
    let (state, reason): (String, String) = conn
        .query_row(
            "SELECT state, last_error FROM outbox WHERE id = ?1",
            [key.0],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(state, "failed");
    assert!(reason.contains("no longer hash"), "{reason}");
}

/// Under one UIDVALIDITY the highest UID only grows; a new UIDVALIDITY starts over.
#[test]
fn mailbox_state_follows_uidvalidity() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    assert_eq!(store.mailbox_state("INBOX").unwrap(), None);
    let state = |uid_validity, highest_uid| MailboxState {
        uid_validity,
        highest_uid,
    };
    store.record_mailbox_state("INBOX", state(7, 40)).unwrap();
    store.record_mailbox_state("INBOX", state(7, 12)).unwrap();
    assert_eq!(store.mailbox_state("INBOX").unwrap(), Some(state(7, 40)));
    store.record_mailbox_state("INBOX", state(9, 3)).unwrap();
    assert_eq!(store.mailbox_state("INBOX").unwrap(), Some(state(9, 3)));
}

fn attachment(filename: &str, role: AttachmentRole, bytes: &[u8]) -> NewAttachment {
    NewAttachment::new(
        Some(filename.to_string()),
        "application/octet-stream".to_string(),
        role,
        bytes,
    )
}
