//! The Maildir source on a temp dir: UIDs that persist, batches, after-filing moves, waiting.
//! Pure file system; no server.

mod support;

use std::time::{Duration, Instant};

use shenbao::mailbox::{
    AfterFiling, MailboxConfig, MailboxErrorKind, MaildirSource, MessageKey, Source, Wake,
};
use support::maildir::{config, deliver, message, names_in};

/// Messages already in new/ get UIDs 1, 2, 3 in delivery order, with their bytes and mtime.
#[tokio::test]
async fn delivered_messages_are_fetched_in_uid_order_with_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (index, body) in ["first", "second", "third"].iter().enumerate() {
        deliver(dir.path(), &format!("1700000000.M{index}.test"), body);
    }
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let messages = source.fetch_new(MessageKey::START).await.unwrap();
    let uids: Vec<u32> = messages.iter().map(|message| message.uid).collect();
    assert_eq!(uids, vec![1, 2, 3]);
    assert_eq!(messages[1].bytes, message("second"));
    assert!(
        messages
            .iter()
            .all(|message| message.uid_validity == source.uid_validity())
    );
    assert_eq!(
        messages[0].mailbox,
        format!("maildir:{}", dir.path().canonicalize().unwrap().display())
    );
    let mtime = std::fs::metadata(dir.path().join("new/1700000000.M0.test"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        messages[0].internal_date,
        Some(jiff::Timestamp::try_from(mtime).unwrap())
    );
    let after_last = messages[2].key();
    assert!(
        source.fetch_new(after_last).await.unwrap().is_empty(),
        "nothing after the last"
    );
}

/// fetch_new hands out at most batch_size messages; the caller walks on with the last key.
#[tokio::test]
async fn fetch_is_batched() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..5 {
        deliver(
            dir.path(),
            &format!("1700000000.M{index}.test"),
            &format!("m{index}"),
        );
    }
    let mut source = MaildirSource::open(&config(dir.path(), 2)).await.unwrap();
    let mut cursor = MessageKey::START;
    let mut batch_sizes = Vec::new();
    loop {
        let batch = source.fetch_new(cursor).await.unwrap();
        let Some(last) = batch.last() else { break };
        cursor = last.key();
        batch_sizes.push(batch.len());
    }
    assert_eq!(batch_sizes, vec![2, 2, 1]);
    assert_eq!(cursor.uid, 5);
}

/// UIDs and UIDVALIDITY survive a restart; a new message gets a UID never used before.
#[tokio::test]
async fn uids_persist_across_reopen_and_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1700000000.M1.test", "one");
    deliver(dir.path(), "1700000000.M2.test", "two");
    let (validity, first_keys) = {
        let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
        let messages = source.fetch_new(MessageKey::START).await.unwrap();
        let key = messages[1].key();
        // Moving uid 2 away frees nothing: its UID is not given again.
        source
            .after_filing_many(&[key], &AfterFiling::Move("Filed".into()))
            .await
            .unwrap();
        (
            source.uid_validity(),
            messages
                .iter()
                .map(|message| message.key())
                .collect::<Vec<_>>(),
        )
    };
    deliver(dir.path(), "1700000001.M3.test", "three");
    let mut reopened = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    assert_eq!(reopened.uid_validity(), validity);
    let messages = reopened.fetch_new(MessageKey::START).await.unwrap();
    let keys: Vec<MessageKey> = messages.iter().map(|message| message.key()).collect();
    assert_eq!(
        keys,
        vec![
            first_keys[0],
            MessageKey {
                uid_validity: validity,
                uid: 3
            }
        ]
    );
    assert_eq!(messages[1].bytes, message("three"));
}

/// Leave moves new/ → cur/ with `:2,`; Seen adds S; the message keeps its UID in cur/.
#[tokio::test]
async fn after_filing_moves_to_cur_and_flags_seen() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1700000000.M1.test", "one");
    deliver(dir.path(), "1700000000.M2.test", "two");
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let messages = source.fetch_new(MessageKey::START).await.unwrap();
    source
        .after_filing_many(&[messages[0].key()], &AfterFiling::Leave)
        .await
        .unwrap();
    source
        .after_filing_many(&[messages[1].key()], &AfterFiling::Seen)
        .await
        .unwrap();
    assert_eq!(names_in(&dir.path().join("new")), Vec::<String>::new());
    assert_eq!(
        names_in(&dir.path().join("cur")),
        vec!["1700000000.M1.test:2,", "1700000000.M2.test:2,S"]
    );
    let again = source.fetch_new(MessageKey::START).await.unwrap();
    assert_eq!(
        again.iter().map(|message| message.uid).collect::<Vec<_>>(),
        vec![1, 2]
    );
    // Seen after Leave updates the flags of the file already in cur/.
    source
        .after_filing_many(&[messages[0].key()], &AfterFiling::Seen)
        .await
        .unwrap();
    assert_eq!(
        names_in(&dir.path().join("cur"))[0],
        "1700000000.M1.test:2,S"
    );
}

/// Move puts the file into the Maildir++ folder `.Filed/cur/`; the message leaves the mailbox,
/// and filing it again (after a crash) is not an error.
#[tokio::test]
async fn after_filing_moves_to_folder_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1700000000.M1.test", "one");
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let key = source.fetch_new(MessageKey::START).await.unwrap()[0].key();
    let move_to_filed = AfterFiling::Move("已受理".into());
    source
        .after_filing_many(&[key], &move_to_filed)
        .await
        .unwrap();
    assert_eq!(
        names_in(&dir.path().join(".已受理/cur")),
        vec!["1700000000.M1.test:2,"]
    );
    assert!(
        source
            .fetch_new(MessageKey::START)
            .await
            .unwrap()
            .is_empty()
    );
    source
        .after_filing_many(&[key], &move_to_filed)
        .await
        .unwrap();
}

/// A reader (an MUA) renaming the file to cur/ with flags does not change its UID.
#[tokio::test]
async fn a_file_renamed_by_a_reader_keeps_its_uid() {
    let dir = tempfile::tempdir().unwrap();
    let delivered = deliver(dir.path(), "1700000000.M1.test", "one");
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let key = source.fetch_new(MessageKey::START).await.unwrap()[0].key();
    std::fs::rename(&delivered, dir.path().join("cur/1700000000.M1.test:2,FS")).unwrap();
    let messages = source.fetch_new(MessageKey::START).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (messages[0].key(), messages[0].bytes.clone()),
        (key, message("one"))
    );
}

/// A cursor of another UIDVALIDITY means "from the beginning"; acting on such a key is refused.
#[tokio::test]
async fn keys_of_another_uid_validity() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1700000000.M1.test", "one");
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let foreign = MessageKey {
        uid_validity: source.uid_validity() ^ 1,
        uid: 99,
    };
    assert_eq!(source.fetch_new(foreign).await.unwrap().len(), 1);
    let error = source
        .after_filing_many(&[MessageKey { uid: 1, ..foreign }], &AfterFiling::Leave)
        .await
        .unwrap_err();
    assert_eq!(error.kind, MailboxErrorKind::StaleUid);
    assert_eq!(
        names_in(&dir.path().join("new")),
        vec!["1700000000.M1.test"],
        "nothing moved"
    );
}

/// An unreadable UID list starts a new UIDVALIDITY instead of reusing numbers.
#[tokio::test]
async fn a_corrupt_uid_list_gives_a_new_uid_validity() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1700000000.M1.test", "one");
    std::fs::write(
        dir.path().join("shenbao-uids"),
        "shenbao-uids 1\nuidvalidity 1000\nnextuid 2\n1 x\n1 y\n",
    )
    .unwrap();
    let source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    assert_ne!(source.uid_validity(), 1000);
    let text = std::fs::read_to_string(dir.path().join("shenbao-uids")).unwrap();
    assert!(text.contains("1 1700000000.M1.test\n"), "{text}");
}

/// wait_for_change times out on a quiet Maildir and wakes within ~1 s of a delivery.
#[tokio::test]
async fn wait_for_change_wakes_on_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = MaildirSource::open(&config(dir.path(), 20)).await.unwrap();
    let started = Instant::now();
    assert_eq!(
        source
            .wait_for_change(Duration::from_millis(1200))
            .await
            .unwrap(),
        Wake::TimedOut
    );
    assert!(started.elapsed() >= Duration::from_millis(1200));

    let maildir = dir.path().to_path_buf();
    let delivery = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        deliver(&maildir, "1700000002.M9.test", "late");
    });
    let started = Instant::now();
    assert_eq!(
        source
            .wait_for_change(Duration::from_secs(10))
            .await
            .unwrap(),
        Wake::Changed
    );
    let woke_after = started.elapsed();
    eprintln!("maildir wake after {woke_after:?}");
    assert!(
        woke_after < Duration::from_millis(2500),
        "woke after {woke_after:?}"
    );
    delivery.await.unwrap();
    let messages = source.fetch_new(MessageKey::START).await.unwrap();
    assert_eq!(messages.len(), 1);
}

/// The enum front: `kind = "maildir"` opens a Maildir (creating its directories).
#[tokio::test]
async fn source_opens_from_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Maildir");
    let config: MailboxConfig =
        toml::from_str(&format!("kind = \"maildir\"\npath = {:?}\n", path)).unwrap();
    let mut source = Source::open(&config).await.unwrap();
    assert!(path.join("new").is_dir() && path.join("cur").is_dir() && path.join("tmp").is_dir());
    deliver(&path, "1700000000.M1.test", "one");
    let status = source.status().await.unwrap();
    let messages = source.fetch_new(MessageKey::START).await.unwrap();
    assert_eq!(
        messages[0].key(),
        MessageKey {
            uid_validity: status.uid_validity,
            uid: 1
        }
    );
    assert_eq!(source.configured_after_filing(), &AfterFiling::Leave);
}
