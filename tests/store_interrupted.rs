//! Messages a previous run left claimed (the daemon was killed with them in
//! hand): only a message that was alone in hand is charged an attempt; a batch
//! is put back uncharged and each of its messages marked to be retried alone,
//! so a message that kills the daemon is given up after `max_attempts` crashes
//! and its batch-mates are filed.

mod store_common;

use shenbao::store::{Claim, MailboxKey, MessageKey, MessageStatus, Recovered, SqliteStore, Store};
use store_common::*;

fn raw(n: u32) -> Vec<u8> {
    format!("mail {n}").into_bytes()
}

fn message_id(n: u32) -> String {
    format!("{n}@example.org")
}

/// Claims mails `numbers` in one batch (one `claim_many`), all new.
fn claim_batch(store: &mut SqliteStore, numbers: &[u32]) -> Vec<MessageKey> {
    let places: Vec<MailboxKey> = numbers.iter().map(|&n| location(n)).collect();
    let raws: Vec<Vec<u8>> = numbers.iter().map(|&n| raw(n)).collect();
    let ids: Vec<String> = numbers.iter().map(|&n| message_id(n)).collect();
    let batch: Vec<_> = (0..numbers.len())
        .map(|i| incoming(&places[i], &raws[i], &ids[i], at(0)))
        .collect();
    store
        .claim_many(&batch, at(1))
        .unwrap()
        .into_iter()
        .map(|claim| match claim {
            Claim::New(key) => key,
            other => panic!("expected a new message, got {other:?}"),
        })
        .collect()
}

/// Claims mail `n` again on its own, as `retry_failed` does; it must be retryable.
fn claim_alone(store: &mut SqliteStore, n: u32) -> MessageKey {
    let place = location(n);
    let (raw, id) = (raw(n), message_id(n));
    match store
        .claim(&incoming(&place, &raw, &id, at(0)), at(2))
        .unwrap()
    {
        Claim::Retry { message, .. } => message,
        other => panic!("expected a retry of mail {n}, got {other:?}"),
    }
}

/// The daemon is killed: the store is dropped as it is and opened again.
fn crash_and_recover(store: SqliteStore, dir: &std::path::Path) -> (SqliteStore, Recovered) {
    drop(store);
    let mut store = open(dir);
    let recovered = store.recover_interrupted().unwrap();
    (store, recovered)
}

#[test]
fn a_batch_interrupted_is_put_back_uncharged_and_marked_to_be_retried_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let keys = claim_batch(&mut store, &[1, 2, 3, 4, 5]);

    let (store, recovered) = crash_and_recover(store, dir.path());
    assert_eq!(
        recovered,
        Recovered {
            messages_requeued: 5,
            messages_charged: 0,
            answers: 0
        }
    );
    let retryable = store.retryable_messages().unwrap();
    assert_eq!(
        retryable.iter().map(|m| m.key).collect::<Vec<_>>(),
        keys,
        "all five retryable"
    );
    for message in &retryable {
        assert_eq!(message.status, MessageStatus::Failed);
        assert_eq!(message.attempts, 0, "not charged: {message:?}");
        assert!(message.retry_alone, "{message:?}");
        let error = message.last_error.as_deref().unwrap_or("");
        assert!(error.contains("with 4 others"), "{error}");
    }
}

#[test]
fn a_message_interrupted_alone_is_charged_an_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, &raw(1), &message_id(1));

    let (store, recovered) = crash_and_recover(store, dir.path());
    assert_eq!(
        recovered,
        Recovered {
            messages_requeued: 0,
            messages_charged: 1,
            answers: 0
        }
    );
    let retryable = store.retryable_messages().unwrap();
    assert_eq!(retryable.len(), 1);
    assert_eq!(
        (
            retryable[0].key,
            retryable[0].attempts,
            retryable[0].retry_alone
        ),
        (key, 1, true)
    );
}

/// Mail 3 kills the daemon whenever it is processed. Its batch is put back
/// uncharged; retried one at a time, the others are filed with no attempt
/// counted and mail 3 is charged at each crash, given up after three.
#[test]
fn a_message_that_kills_the_daemon_is_given_up_and_its_batch_mates_filed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    claim_batch(&mut store, &[1, 2, 3, 4, 5]);
    let (mut store, recovered) = crash_and_recover(store, dir.path());
    assert_eq!(recovered.messages_charged, 0);

    for n in [1, 2] {
        let key = claim_alone(&mut store, n);
        store.file(&filing(key, vec![]), &no_answers).unwrap();
    }
    for crash in 1..=3 {
        claim_alone(&mut store, 3);
        let recovered;
        (store, recovered) = crash_and_recover(store, dir.path());
        assert_eq!(
            (recovered.messages_requeued, recovered.messages_charged),
            (0, 1),
            "crash {crash}"
        );
    }
    for n in [4, 5] {
        let key = claim_alone(&mut store, n);
        store.file(&filing(key, vec![]), &no_answers).unwrap();
    }

    assert!(store.retryable_messages().unwrap().is_empty());
    let given_up = store.failed_messages().unwrap();
    assert_eq!(given_up.len(), 1);
    assert_eq!(
        (given_up[0].message_id.as_deref(), given_up[0].attempts),
        (Some("3@example.org"), 3)
    );
    for message in store.messages().unwrap() {
        if message.message_id.as_deref() != Some("3@example.org") {
            assert_eq!(message.status, MessageStatus::Filed, "{message:?}");
            assert_eq!(message.attempts, 0, "{message:?}");
        }
    }
    // Seen again in the mailbox, the message given up is not claimed.
    let place = location(3);
    let (raw3, id3) = (raw(3), message_id(3));
    assert!(matches!(
        store
            .claim(&incoming(&place, &raw3, &id3, at(0)), at(3))
            .unwrap(),
        Claim::Known {
            status: MessageStatus::Failed,
            ..
        }
    ));
}

/// An error (not a crash) while processing still counts an attempt, alone or not.
#[test]
fn an_ordinary_failure_still_counts_an_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let keys = claim_batch(&mut store, &[1, 2]);
    assert_eq!(store.fail(keys[0], "unreadable").unwrap(), 1);
    assert_eq!(store.fail(keys[1], "unreadable").unwrap(), 1);
    let retryable = store.retryable_messages().unwrap();
    assert!(retryable.iter().all(|m| m.attempts == 1 && !m.retry_alone));

    let (mut store, recovered) = crash_and_recover(store, dir.path());
    assert_eq!(recovered, Recovered::default(), "nothing was in hand");
    let key = claim_alone(&mut store, 1);
    assert_eq!(store.fail(key, "unreadable again").unwrap(), 2);
}
