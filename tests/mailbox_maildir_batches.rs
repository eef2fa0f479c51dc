//! The Maildir source through a backlog, a batch at a time: mail arriving meanwhile is
//! numbered after it, and filed batches are settled with one call, whatever readers did to
//! single files meanwhile. Pure file system; no server.

mod support;

use shenbao::mailbox::config::BATCH_BYTES;
use shenbao::mailbox::{AfterFiling, MailboxErrorKind, MaildirSource, MessageKey};
use support::maildir::{config, deliver, names_in};

/// Mail delivered while a backlog is walked batch by batch is fetched once the backlog is
/// through, with the next UIDs; nothing is skipped or fetched twice.
#[tokio::test]
async fn mail_arriving_during_a_backlog_comes_after_it() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..5 {
        deliver(dir.path(), &format!("1700000000.M{index}.test"), "mail");
    }
    let mut source = MaildirSource::open(&config(dir.path(), 2)).await.unwrap();
    let mut cursor = MessageKey::START;
    let mut fetched = Vec::new();
    loop {
        let batch = source.fetch_new(cursor).await.unwrap();
        let Some(last) = batch.last() else { break };
        cursor = last.key();
        fetched.extend(batch.iter().map(|message| message.uid));
        if fetched.len() == 2 {
            deliver(dir.path(), "1700000099.M9.test", "mail");
        }
    }
    assert_eq!(fetched, vec![1, 2, 3, 4, 5, 6]);
}

/// One call settles a batch: every message to cur/ flagged S, also one a reader moved to
/// cur/ (with its own flags) after the fetch; a UID not in the Maildir is no error.
#[tokio::test]
async fn a_filed_batch_is_settled_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..4 {
        deliver(dir.path(), &format!("1700000000.M{index}.test"), "mail");
    }
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let mut keys: Vec<MessageKey> = source
        .fetch_new(MessageKey::START)
        .await
        .unwrap()
        .iter()
        .map(|message| message.key())
        .collect();
    std::fs::rename(
        dir.path().join("new/1700000000.M2.test"),
        dir.path().join("cur/1700000000.M2.test:2,F"),
    )
    .unwrap();
    keys.push(MessageKey { uid: 99, ..keys[0] });
    source
        .after_filing_many(&keys, &AfterFiling::Seen)
        .await
        .unwrap();
    assert!(names_in(&dir.path().join("new")).is_empty());
    assert_eq!(
        names_in(&dir.path().join("cur")),
        vec![
            "1700000000.M0.test:2,S",
            "1700000000.M1.test:2,S",
            "1700000000.M2.test:2,FS",
            "1700000000.M3.test:2,S"
        ]
    );
    // Settled messages keep their UIDs: the cursor's view does not change.
    let again = source.fetch_new(MessageKey::START).await.unwrap();
    assert_eq!(again.len(), 4);
}

/// Moving a batch to a folder takes every message out of the mailbox for good; keys of
/// another UIDVALIDITY in the batch are refused while the others are moved.
#[tokio::test]
async fn a_batch_is_moved_and_stale_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..3 {
        deliver(dir.path(), &format!("1700000000.M{index}.test"), "mail");
    }
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let mut keys: Vec<MessageKey> = source
        .fetch_new(MessageKey::START)
        .await
        .unwrap()
        .iter()
        .map(|message| message.key())
        .collect();
    keys.push(MessageKey {
        uid_validity: source.uid_validity() ^ 1,
        uid: 1,
    });
    let error = source
        .after_filing_many(&keys, &AfterFiling::Move("Filed".into()))
        .await
        .expect_err("a stale key in the batch");
    assert_eq!(error.kind, MailboxErrorKind::StaleUid);
    assert_eq!(names_in(&dir.path().join(".Filed/cur")).len(), 3);
    assert!(names_in(&dir.path().join("new")).is_empty());
    deliver(dir.path(), "1700000001.M9.test", "mail");
    let mut reopened = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let uids: Vec<u32> = reopened
        .fetch_new(MessageKey::START)
        .await
        .unwrap()
        .iter()
        .map(|message| message.uid)
        .collect();
    assert_eq!(uids, vec![4], "moved UIDs are neither listed nor reused");
}

/// Large messages come in smaller batches: a batch stops at BATCH_BYTES (a message larger
/// than that still comes, alone), so memory stays bounded whatever the mail's size.
#[tokio::test]
async fn a_batch_stops_at_its_byte_budget() {
    let dir = tempfile::tempdir().unwrap();
    let third = usize::try_from(BATCH_BYTES / 3).unwrap();
    for (index, size) in [third, third, third, third, 2 * third, 4 * third]
        .iter()
        .enumerate()
    {
        let path = deliver(dir.path(), &format!("1700000000.M{index}.test"), "mail");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.resize(*size, b'x');
        std::fs::write(&path, bytes).unwrap();
    }
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let mut cursor = MessageKey::START;
    let mut batches = Vec::new();
    loop {
        let batch = source.fetch_new(cursor).await.unwrap();
        let Some(last) = batch.last() else { break };
        cursor = last.key();
        batches.push(batch.iter().map(|message| message.uid).collect::<Vec<_>>());
    }
    assert_eq!(batches, vec![vec![1, 2, 3], vec![4, 5], vec![6]]);
}
