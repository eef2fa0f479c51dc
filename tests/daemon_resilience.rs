//! `shenbao run`, the real binary, while the servers go away under it
//! (MAIL_TEST_ROOT): Dovecot restarted — the daemon reconnects and misses
//! nothing, a mail sent during the outage is answered after; Postfix stopped —
//! answers wait in the outbox and go out exactly once when it is back.
//!
//! Both tests stop a server everyone shares, so they run one at a time.

mod support;

use std::time::{Duration, Instant};

use shenbao::store::{AnswerState, MessageStatus, OutboxEntry, OutboxFilter, Store};
use support::daemon::{Desk, DeskOptions, Running, Stopped, unique_tag};
use support::daemon_mail::*;
use support::mail_servers::MailServers;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn application_from(from: &str, desk: &str, message_id: &str) -> Vec<u8> {
    let fields = complete_fields(
        "常州市电子学会",
        "51320400MJ58601481",
        "3",
        "电磁兼容检测服务",
    );
    let files = [
        xlsx("shenbao.xlsx", form(&fields)),
        pdf("zongjie.pdf", 8_000),
    ];
    application(from, desk, message_id, "申报材料", &files, &[])
}

/// Polls `condition` every 200 ms until it holds; fails after `within` with `what`.
async fn wait_until(within: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The answers regarding the message with `message_id` (none before it is filed).
fn answers_to(desk: &Desk, message_id: &str) -> Vec<OutboxEntry> {
    let store = desk.store();
    let messages = store.messages().expect("messages");
    let Some(message) = messages
        .iter()
        .find(|m| m.message_id.as_deref() == Some(message_id))
    else {
        return Vec::new();
    };
    store
        .outbox(&OutboxFilter::default())
        .expect("outbox")
        .into_iter()
        .filter(|a| a.regarding == Some(message.key))
        .collect()
}

/// `applicant` holds exactly one answer, to `message_id`.
async fn one_answer_in_mailbox(servers: &MailServers, applicant: &str, message_id: &str) {
    wait_for_inbox(servers, applicant, 1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = inbox(servers, applicant).await;
    assert_eq!(received.len(), 1, "{applicant}: exactly one answer");
    let answer = Received::parse(received[0].clone());
    assert_eq!(
        answer.parsed.in_reply_to,
        std::slice::from_ref(&message_id.to_string())
    );
}

/// Every mail filed once with one answer sent, the daemon still running; then it stops cleanly.
fn check_store_and_stop(desk: &Desk, daemon: &mut Running, message_ids: &[&str]) {
    assert!(
        daemon.is_running(),
        "the daemon survived:\n{}",
        daemon.log_text()
    );
    let messages = desk.store().messages().expect("messages");
    assert_eq!(messages.len(), message_ids.len(), "{messages:#?}");
    assert!(
        messages.iter().all(|m| m.status == MessageStatus::Filed),
        "{messages:#?}"
    );
    for id in message_ids {
        let answers = answers_to(desk, id);
        assert_eq!(answers.len(), 1, "{id}: {answers:#?}");
        assert_eq!(answers[0].state, AnswerState::Sent, "{id}: {answers:#?}");
    }
    daemon.stop(Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_restarted_under_the_daemon_nothing_is_missed() {
    let Some(servers) = MailServers::from_env("daemon_resilience dovecot") else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let tag = unique_tag();
    let account = format!("imap-desk-{tag}@example.test");
    let [before, during, after] =
        ["before", "during", "after"].map(|n| format!("{n}-{tag}@example.test"));
    let desk = Desk::new(
        &servers,
        &account,
        &[before.clone(), during.clone(), after.clone()],
        DeskOptions::default(),
    )
    .await;
    let mut daemon = desk.spawn("daemon");
    let ids = ["before", "during", "after"].map(|n| format!("{n}.{tag}@example.test"));

    send(
        &servers,
        Some(&before),
        &account,
        &application_from(&before, &account, &ids[0]),
    )
    .await;
    one_answer_in_mailbox(&servers, &before, &ids[0]).await;

    let dovecot_away = Stopped::new(&servers, "dovecot");
    // Postfix keeps the mail while Dovecot (its LMTP) is away.
    send(
        &servers,
        Some(&during),
        &account,
        &application_from(&during, &account, &ids[1]),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(dovecot_away);
    let flushed = std::process::Command::new("postqueue")
        .arg("-c")
        .arg(servers.root.join("postfix/etc"))
        .arg("-f")
        .status()
        .expect("postqueue -f");
    assert!(flushed.success());

    one_answer_in_mailbox(&servers, &during, &ids[1]).await;
    send(
        &servers,
        Some(&after),
        &account,
        &application_from(&after, &account, &ids[2]),
    )
    .await;
    one_answer_in_mailbox(&servers, &after, &ids[2]).await;
    // The outage was noticed, and staff can see it.
    let health = desk.store().mailbox_health().expect("mailbox health");
    assert!(
        health.iter().any(|h| h.last_failure_at.is_some()),
        "{health:#?}\n{}",
        daemon.log_text()
    );
    check_store_and_stop(&desk, &mut daemon, &ids.each_ref().map(String::as_str));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postfix_stopped_answers_wait_and_go_out_once_when_it_is_back() {
    let Some(servers) = MailServers::from_env("daemon_resilience postfix") else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let tag = unique_tag();
    let account = format!("smtp-desk-{tag}@example.test");
    let applicant = format!("waiting-{tag}@example.test");
    let desk = Desk::new(
        &servers,
        &account,
        std::slice::from_ref(&applicant),
        DeskOptions::default(),
    )
    .await;
    let mut daemon = desk.spawn("daemon");
    let id = format!("waiting.{tag}@example.test");

    let postfix_away = Stopped::new(&servers, "postfix");
    // With SMTP down the application arrives by IMAP APPEND (as if delivered before).
    append(
        &servers,
        &account,
        &application_from(&applicant, &account, &id),
        None,
    )
    .await;
    wait_until(Duration::from_secs(20), "a failed attempt recorded", || {
        answers_to(&desk, &id)
            .first()
            .is_some_and(|a| a.attempts >= 1 && a.last_error.is_some())
    })
    .await;
    let waiting = answers_to(&desk, &id);
    assert_eq!(waiting[0].state, AnswerState::Queued, "{waiting:#?}");
    eprintln!("while Postfix is down: {:?}", waiting[0].last_error);

    drop(postfix_away);
    // The first retry comes about a minute (±20 %) after the failure.
    wait_until(
        Duration::from_secs(100),
        "the answer sent after Postfix is back",
        || {
            answers_to(&desk, &id)
                .first()
                .is_some_and(|a| a.state == AnswerState::Sent)
        },
    )
    .await;
    one_answer_in_mailbox(&servers, &applicant, &id).await;
    check_store_and_stop(&desk, &mut daemon, &[&id]);
}
