//! The IMAP source settling a filed batch against the real loopback Dovecot
//! (scripts/mail-servers/start.sh): one UID set per command, stale keys refused, the rest done.

mod support;

use shenbao::mailbox::config::BATCH_BYTES;
use shenbao::mailbox::{AfterFiling, ImapSource, MailboxErrorKind, MessageKey};
use support::imap_source::{config, fetch_all, seed_folder, seen_by_uid};
use support::mail_servers::{MailServers, test_message, unique_folder};

/// Seen on a batch flags exactly its UIDs; Move on a batch holding a key of another
/// UIDVALIDITY moves the others and reports the stale one.
#[tokio::test]
async fn a_filed_batch_is_flagged_and_moved_at_once() {
    let Some(servers) = MailServers::from_env("a_filed_batch_is_flagged_and_moved_at_once") else {
        return;
    };
    let user = "staff@example.test";
    let folder = unique_folder("settle");
    let target = format!("已受理-{folder}");
    let uid_validity = seed_folder(&servers, user, &folder, &["a", "b", "c", "d", "e"]).await;
    let mut source = ImapSource::new(&config(&servers, user, &folder)).unwrap();
    let keys: Vec<MessageKey> = fetch_all(&mut source)
        .await
        .iter()
        .map(|message| message.key())
        .collect();
    assert_eq!(keys.len(), 5);

    source
        .after_filing_many(&[keys[0], keys[2]], &AfterFiling::Seen)
        .await
        .expect("seen");
    source
        .after_filing_many(&keys, &AfterFiling::Leave)
        .await
        .expect("leave does nothing");
    let stale = MessageKey {
        uid_validity: uid_validity.wrapping_add(1),
        uid: 1,
    };
    let error = source
        .after_filing_many(
            &[keys[3], stale, keys[4]],
            &AfterFiling::Move(target.clone()),
        )
        .await
        .expect_err("the stale key is reported");
    assert_eq!(error.kind, MailboxErrorKind::StaleUid);

    let mut helper = servers.helper_session(user).await;
    let moved = helper
        .select(shenbao::mailbox::imap::encode_mailbox_name(&target))
        .await
        .expect("target exists");
    assert_eq!(moved.exists, 2, "d and e moved");
    let states = seen_by_uid(&mut helper, &folder).await;
    assert_eq!(states, vec![(1, true), (2, false), (3, true)]);
}

/// Large messages come in smaller batches (sizes asked before the bodies): a batch stops at
/// BATCH_BYTES, so memory stays bounded whatever the mail's size.
#[tokio::test]
async fn a_batch_of_large_messages_stops_at_its_byte_budget() {
    let Some(servers) = MailServers::from_env("a_batch_of_large_messages_stops_at_its_byte_budget")
    else {
        return;
    };
    let user = "staff@example.test";
    let folder = unique_folder("large");
    let mut helper = servers.helper_session(user).await;
    helper.create(&folder).await.expect("CREATE");
    let third = usize::try_from(BATCH_BYTES / 3).unwrap();
    for index in 0..4 {
        let message = test_message(&format!("large-{index}-{folder}"), third);
        helper
            .append(&folder, None, None, message)
            .await
            .expect("APPEND");
    }
    helper.logout().await.ok();
    let mut source = ImapSource::new(&config(&servers, user, &folder)).unwrap();
    let mut cursor = MessageKey::START;
    let mut batches = Vec::new();
    loop {
        let batch = source.fetch_new(cursor).await.expect("fetch_new");
        let Some(last) = batch.last() else { break };
        cursor = last.key();
        batches.push(batch.iter().map(|message| message.uid).collect::<Vec<_>>());
    }
    assert_eq!(batches, vec![vec![1, 2], vec![3, 4]]);
}
