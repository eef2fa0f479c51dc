//! The IMAP source against the real loopback Dovecot (scripts/mail-servers/start.sh):
//! batched fetches with UIDVALIDITY/UIDNEXT, IDLE and polling wake-ups, after-filing moves and
//! flags. Each test uses its own folder (or user), so they run in parallel.
//! Connecting, TLS, ID and failures: tests/mailbox_imap_connect.rs.

mod support;

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use shenbao::mailbox::{
    AfterFiling, ImapConfig, ImapSource, MailboxErrorKind, MessageKey, RawMessage, Wake,
};
use support::imap_source::{config, fetch_all, seed_folder, seen_by_uid};
use support::mail_servers::{MailServers, test_message, unique_folder};

/// Over implicit TLS: UIDVALIDITY/UIDNEXT come from SELECT; messages come in batches of
/// `batch_size`, ascending, byte-identical, with INTERNALDATE; fetching never sets \Seen.
#[tokio::test]
async fn implicit_tls_fetches_in_batches() {
    let Some(servers) = MailServers::from_env("implicit_tls_fetches_in_batches") else {
        return;
    };
    let folder = unique_folder("batches");
    let uid_validity = seed_folder(
        &servers,
        "staff@example.test",
        &folder,
        &["m1", "m2", "m3", "m4", "m5"],
    )
    .await;
    let mut helper = servers.helper_session("staff@example.test").await;
    helper
        .append(
            &folder,
            None,
            Some("\"01-Jan-2020 10:00:00 +0800\""),
            test_message("dated", 0),
        )
        .await
        .unwrap();

    let mut source = ImapSource::new(&ImapConfig {
        batch_size: 2,
        ..config(&servers, "staff@example.test", &folder)
    })
    .unwrap();
    let started = Instant::now();
    let status = source.status().await.expect("status");
    eprintln!(
        "TIMING connect+TLS+LOGIN+ID+SELECT: {:?}",
        started.elapsed()
    );
    assert_eq!((status.uid_validity, status.uid_next), (uid_validity, 7));

    let mut batch_sizes = Vec::new();
    let mut cursor = MessageKey::START;
    let mut messages = Vec::new();
    while let Some(last) = {
        let batch = source.fetch_new(cursor).await.expect("fetch_new");
        batch_sizes.push(batch.len());
        messages.extend(batch);
        messages
            .last()
            .map(RawMessage::key)
            .filter(|key| *key != cursor)
    } {
        cursor = last;
    }
    assert_eq!(batch_sizes, vec![2, 2, 2, 0]);
    assert_eq!(
        messages
            .iter()
            .map(|message| message.uid)
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert_eq!(messages[2].bytes, test_message("m3", 0));
    assert!(
        messages
            .iter()
            .all(|message| message.uid_validity == uid_validity)
    );
    assert_eq!(
        messages[5].internal_date,
        Some("2020-01-01T02:00:00Z".parse().unwrap())
    );
    assert!(
        messages[0]
            .mailbox
            .starts_with("imap://staff%40example.test@localhost:"),
        "{}",
        messages[0].mailbox
    );

    let flags: Vec<_> = helper
        .uid_fetch("1:*", "FLAGS")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let seen = flags
        .iter()
        .filter(|fetch| {
            fetch
                .flags()
                .any(|flag| flag == async_imap::types::Flag::Seen)
        })
        .count();
    assert_eq!(seen, 0, "BODY.PEEK must not set \\Seen");
    assert_eq!(source.logins(), 1);
}

/// IDLE times out quietly, then wakes within a few seconds of an SMTP delivery (Dovecot
/// batches notifications ~0.5 s), all on one session.
#[tokio::test]
async fn idle_wakes_on_smtp_delivery() {
    let Some(servers) = MailServers::from_env("idle_wakes_on_smtp_delivery") else {
        return;
    };
    let mut source = ImapSource::new(&config(&servers, "apply@example.test", "INBOX")).unwrap();
    let cursor = fetch_all(&mut source)
        .await
        .last()
        .map(RawMessage::key)
        .unwrap_or(MessageKey::START);
    // A quiet IDLE ends with DONE at the timeout and leaves the session usable.
    let started = Instant::now();
    let quiet = source
        .wait_for_change(Duration::from_millis(800))
        .await
        .expect("quiet wait");
    assert_eq!(quiet, Wake::TimedOut);
    assert!(started.elapsed() >= Duration::from_millis(800));
    let subject = unique_folder("idle-mail");

    let smtp_port = servers.port("SMTP_PORT");
    let sent_subject = subject.clone();
    let sender = tokio::spawn(async move {
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let email = Message::builder()
            .from("secretary@society.example.cn".parse().unwrap())
            .to("apply@example.test".parse().unwrap())
            .subject(sent_subject)
            .body(String::from("申报书见附件"))
            .unwrap();
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(smtp_port)
            .build();
        mailer.send(email).await.expect("SMTP send");
        Instant::now()
    });
    let wake = source
        .wait_for_change(Duration::from_secs(30))
        .await
        .expect("wait");
    let woke_at = Instant::now();
    let sent_at = sender.await.unwrap();
    assert_eq!(wake, Wake::Changed);
    let latency = woke_at.duration_since(sent_at);
    eprintln!("TIMING IDLE wake after SMTP accept: {latency:?}");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    let new = source.fetch_new(cursor).await.expect("fetch after wake");
    assert_eq!(new.len(), 1);
    assert!(String::from_utf8_lossy(&new[0].bytes).contains(&subject));
    assert_eq!(
        source.logins(),
        1,
        "one session throughout: IDLE, DONE, IDLE again, fetch"
    );
}

/// With `idle = false` the source polls every `poll_seconds` and sees an APPENDed message.
#[tokio::test]
async fn polling_mode_sees_new_mail() {
    let Some(servers) = MailServers::from_env("polling_mode_sees_new_mail") else {
        return;
    };
    let folder = unique_folder("poll");
    seed_folder(&servers, "staff@example.test", &folder, &["old"]).await;
    let polling = ImapConfig {
        idle: false,
        poll_seconds: 1,
        ..config(&servers, "staff@example.test", &folder)
    };
    let mut source = ImapSource::new(&polling).unwrap();
    let cursor = fetch_all(&mut source)
        .await
        .last()
        .map(RawMessage::key)
        .expect("one old message");

    let started = Instant::now();
    assert_eq!(
        source
            .wait_for_change(Duration::from_millis(1500))
            .await
            .unwrap(),
        Wake::TimedOut
    );
    assert!(started.elapsed() >= Duration::from_millis(1500));

    let servers_for_append = servers.clone();
    let folder_for_append = folder.clone();
    let appender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut helper = servers_for_append
            .helper_session("staff@example.test")
            .await;
        helper
            .append(&folder_for_append, None, None, test_message("polled", 0))
            .await
            .unwrap();
        Instant::now()
    });
    let wake = source
        .wait_for_change(Duration::from_secs(20))
        .await
        .unwrap();
    let appended_at = appender.await.unwrap();
    assert_eq!(wake, Wake::Changed);
    let latency = Instant::now().duration_since(appended_at);
    eprintln!("TIMING poll (1 s) wake after APPEND: {latency:?}");
    // The first poll after the APPEND sees it (a stale mailbox view would cost one more second).
    assert!(latency < Duration::from_millis(1500), "{latency:?}");
    let new = source.fetch_new(cursor).await.unwrap();
    assert_eq!(
        new.iter()
            .map(|message| message.bytes.clone())
            .collect::<Vec<_>>(),
        vec![test_message("polled", 0)]
    );
}

/// Move after filing creates the (non-ASCII) folder when missing and moves only that UID;
/// Seen flags only that UID; a key of another UIDVALIDITY touches nothing.
#[tokio::test]
async fn after_filing_moves_and_flags() {
    let Some(servers) = MailServers::from_env("after_filing_moves_and_flags") else {
        return;
    };
    let user = "staff@example.test";
    let folder = unique_folder("filing");
    let target = format!("已受理-{folder}");
    let uid_validity = seed_folder(&servers, user, &folder, &["a", "b", "c"]).await;
    let mut source = ImapSource::new(&config(&servers, user, &folder)).unwrap();
    let messages = fetch_all(&mut source).await;

    let stale = MessageKey {
        uid_validity: uid_validity.wrapping_add(1),
        uid: 1,
    };
    let error = source
        .after_filing_many(&[stale], &AfterFiling::Seen)
        .await
        .expect_err("stale key refused");
    assert_eq!(error.kind, MailboxErrorKind::StaleUid);

    source
        .after_filing_many(&[messages[0].key()], &AfterFiling::Move(target.clone()))
        .await
        .expect("move");
    source
        .after_filing_many(&[messages[1].key()], &AfterFiling::Seen)
        .await
        .expect("seen");
    source
        .after_filing_many(&[messages[2].key()], &AfterFiling::Leave)
        .await
        .expect("leave");
    source
        .after_filing_many(&[messages[0].key()], &AfterFiling::Move(target.clone()))
        .await
        .expect("moving again is harmless");

    let mut helper = servers.helper_session(user).await;
    let moved = helper
        .select(shenbao::mailbox::imap::encode_mailbox_name(&target))
        .await
        .expect("target exists");
    assert_eq!(moved.exists, 1);
    let fetched: Vec<_> = helper
        .uid_fetch("1:*", "BODY.PEEK[]")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(fetched[0].body(), Some(test_message("a", 0).as_slice()));
    let states = seen_by_uid(&mut helper, &folder).await;
    assert_eq!(states, vec![(2, true), (3, false)]);
    let remaining: Vec<u32> = fetch_all(&mut source)
        .await
        .iter()
        .map(|message| message.uid)
        .collect();
    assert_eq!(remaining, vec![2, 3]);
}

/// With `after_filing = "leave"` the source only EXAMINEs the mailbox: afterwards the
/// messages are still \Recent for the next client that selects it (a SELECT would have
/// taken that from the staff's own client).
#[tokio::test]
async fn leaving_mail_opens_the_mailbox_read_only() {
    let Some(servers) = MailServers::from_env("leaving_mail_opens_the_mailbox_read_only") else {
        return;
    };
    let user = "staff@example.test";
    let folder = unique_folder("readonly");
    seed_folder(&servers, user, &folder, &["r1", "r2"]).await;
    let mut source = ImapSource::new(&config(&servers, user, &folder)).unwrap();
    let messages = fetch_all(&mut source).await;
    assert_eq!(messages.len(), 2);
    let keys: Vec<MessageKey> = messages.iter().map(RawMessage::key).collect();
    source
        .after_filing_many(&keys, &AfterFiling::Leave)
        .await
        .expect("leave");

    let mut helper = servers.helper_session(user).await;
    let opened = helper.select(&folder).await.expect("SELECT");
    assert_eq!(
        opened.recent, 2,
        "the source must not have selected the folder"
    );
    assert_eq!(
        seen_by_uid(&mut helper, &folder).await,
        vec![(1, false), (2, false)]
    );
}

/// Throughput over IMAPS: 200 messages of ~30 KB in batches of 20 (printed, not asserted).
#[tokio::test]
async fn fetch_throughput_over_imaps() {
    let Some(servers) = MailServers::from_env("fetch_throughput_over_imaps") else {
        return;
    };
    let user = "sink@example.test";
    let folder = unique_folder("bulk");
    let mut helper = servers.helper_session(user).await;
    helper.create(&folder).await.unwrap();
    let started = Instant::now();
    for index in 0..200 {
        helper
            .append(
                &folder,
                None,
                None,
                test_message(&format!("bulk{index}"), 30_000),
            )
            .await
            .unwrap();
    }
    eprintln!(
        "TIMING APPEND 200 x 30 KB (plain, one by one): {:?}",
        started.elapsed()
    );
    let mut source = ImapSource::new(&config(&servers, user, &folder)).unwrap();
    source.status().await.unwrap();
    let started = Instant::now();
    let messages = fetch_all(&mut source).await;
    let elapsed = started.elapsed();
    let megabytes = messages
        .iter()
        .map(|message| message.bytes.len())
        .sum::<usize>() as f64
        / 1e6;
    eprintln!(
        "TIMING fetch 200 x 30 KB over IMAPS, batches of 20: {elapsed:?} ({:.0} msg/s, {:.1} MB/s)",
        200.0 / elapsed.as_secs_f64(),
        megabytes / elapsed.as_secs_f64()
    );
    assert_eq!(messages.len(), 200);
    assert!(messages.windows(2).all(|pair| pair[0].uid < pair[1].uid));
}
