//! `shenbao run` against the loopback Dovecot and Postfix (MAIL_TEST_ROOT):
//! applications sent in over SMTP, taken in over IMAPS, answered over SMTPS
//! into the applicants' mailboxes (other domains land in sink@example.test),
//! threaded; with IDLE a new mail is answered within seconds, and so it is
//! when polling.

mod daemon_support;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use daemon_support::imap::*;
use daemon_support::*;
use shenbao::clock::SystemClock;
use shenbao::daemon::{self, Mode};
use shenbao::store::{AnswerState, OutboxFilter, Store};
use support::mail_servers::{MailServers, unique_folder};

fn parsed(bytes: &[u8]) -> shenbao::message::ParsedMessage {
    shenbao::message::parse(bytes).expect("parses")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_over_imaps_answers_into_the_applicants_mailboxes() {
    let Some(servers) =
        MailServers::from_env("once_over_imaps_answers_into_the_applicants_mailboxes")
    else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let daemon = imap_daemon(&servers, true);
    start_from_now(&daemon).await;
    let tag = unique_folder("imap-once");
    let accepted_id = format!("accepted-{tag}@example.test");
    let deficient_id = format!("deficient-{tag}@126.com");
    let unknown_id = format!("unknown-{tag}@example.test");
    let mails = [
        (
            "society1@example.test",
            application(
                "society1@example.test",
                &accepted_id,
                "申报",
                vec![
                    xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                    evidence(),
                ],
                &[],
            ),
        ),
        (
            "czyyxh@126.com",
            application(
                "czyyxh@126.com",
                &deficient_id,
                "申报",
                vec![xlsx_file("ziShen.xlsx", sample("p02_self_building.xlsx"))],
                &[],
            ),
        ),
        (
            "nobody@example.test",
            application(
                "nobody@example.test",
                &unknown_id,
                "申报",
                vec![
                    xlsx_file("yantao.xlsx", sample("p05_spaced_labels_merged.xlsx")),
                    evidence(),
                ],
                &[],
            ),
        ),
    ];
    for (from, bytes) in &mails {
        send_in(&servers, from, bytes).await;
    }
    wait_until_in_inbox(&servers, &[&accepted_id, &deficient_id, &unknown_id]).await;

    let summary = daemon::run(
        daemon.settings.clone(),
        Mode::Once,
        Arc::new(SystemClock),
        std::future::pending(),
    )
    .await
    .expect("the daemon runs");
    assert_eq!((summary.filed, summary.failed), (3, 0), "{summary}");
    assert_eq!(summary.sending.sent, 2, "{summary}");
    assert_eq!(
        summary.sending.failed, 1,
        "the unknown recipient is refused for good: {summary}"
    );

    // society1 is in example.test: the answer lands in its own mailbox, in the thread.
    let answer = find_by_header(
        &servers,
        "society1@example.test",
        "In-Reply-To",
        &accepted_id,
        Duration::from_secs(20),
    )
    .await
    .expect("the answer reaches society1@example.test");
    let answer = parsed(&answer);
    assert_eq!(answer.in_reply_to, std::slice::from_ref(&accepted_id));
    assert!(
        answer.subject.contains("【已受理】CZKX2020-0001"),
        "{}",
        answer.subject
    );
    assert!(
        answer
            .auto_headers
            .iter()
            .any(|(n, v)| n == "auto-submitted" && v.trim() == "auto-replied"),
        "{:?}",
        answer.auto_headers
    );
    // 126.com is elsewhere: the test Postfix hands it to sink@example.test.
    let notice = find_by_header(
        &servers,
        "sink@example.test",
        "In-Reply-To",
        &deficient_id,
        Duration::from_secs(20),
    )
    .await
    .expect("the notice reaches sink@example.test");
    assert!(parsed(&notice).subject.contains("【需补正】"));

    let failed = daemon
        .store()
        .outbox(&OutboxFilter {
            state: Some(AnswerState::Failed),
            ..OutboxFilter::default()
        })
        .expect("outbox");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].to, "nobody@example.test");
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("550"),
        "{failed:?}"
    );

    let again = daemon::run(
        daemon.settings.clone(),
        Mode::Once,
        Arc::new(SystemClock),
        std::future::pending(),
    )
    .await
    .expect("runs again");
    assert_eq!(
        (again.filed, again.known, again.sending.sent),
        (0, 0, 0),
        "{again}"
    );
}

/// Runs the daemon until a mail sent in after it started is answered; returns how long that took.
async fn answered_while_running(servers: &MailServers, idle: bool) -> Duration {
    let _serial = SERIAL.lock().await;
    let daemon = imap_daemon(servers, idle);
    start_from_now(&daemon).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(daemon::run(
        daemon.settings.clone(),
        Mode::Watch,
        Arc::new(SystemClock),
        async {
            let _ = stopped.await;
        },
    ));
    // Let it log in and settle into IDLE (or its polling).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let message_id = format!(
        "{}@example.test",
        unique_folder(if idle { "idle" } else { "poll" })
    );
    send_in(
        servers,
        "society1@example.test",
        &application(
            "society1@example.test",
            &message_id,
            "申报",
            vec![
                xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                evidence(),
            ],
            &[],
        ),
    )
    .await;
    let sent_in = Instant::now();
    let store = daemon.store();
    let latency = loop {
        let sent = store
            .outbox(&OutboxFilter {
                state: Some(AnswerState::Sent),
                ..OutboxFilter::default()
            })
            .expect("outbox");
        if !sent.is_empty() {
            break sent_in.elapsed();
        }
        assert!(
            sent_in.elapsed() < Duration::from_secs(15),
            "not answered within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let answer = find_by_header(
        servers,
        "society1@example.test",
        "In-Reply-To",
        &message_id,
        Duration::from_secs(20),
    )
    .await;
    assert!(answer.is_some(), "the answer reaches the applicant");
    stop.send(()).expect("still running");
    let summary = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops within 10 s")
        .expect("no panic")
        .expect("no error");
    assert_eq!(summary.filed, 1, "{summary}");
    latency
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_idle_a_new_mail_is_answered_within_seconds() {
    let Some(servers) = MailServers::from_env("with_idle_a_new_mail_is_answered_within_seconds")
    else {
        return;
    };
    let latency = answered_while_running(&servers, true).await;
    eprintln!("TIMING IDLE: SMTP accept → answer sent: {latency:?}");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_polling_a_new_mail_is_answered_too() {
    let Some(servers) = MailServers::from_env("when_polling_a_new_mail_is_answered_too") else {
        return;
    };
    let latency = answered_while_running(&servers, false).await;
    eprintln!("TIMING polling every 1 s: SMTP accept → answer sent: {latency:?}");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_is_reconnected_and_mail_still_answered() {
    let Some(servers) =
        MailServers::from_env("a_dropped_session_is_reconnected_and_mail_still_answered")
    else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let daemon = imap_daemon(&servers, true);
    start_from_now(&daemon).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(daemon::run(
        daemon.settings.clone(),
        Mode::Watch,
        Arc::new(SystemClock),
        async {
            let _ = stopped.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The server ends the IDLE session, as a restart or a NAT timeout would.
    servers.kick(ACCOUNT).await;
    let message_id = format!("{}@example.test", unique_folder("after-kick"));
    send_in(
        &servers,
        "society1@example.test",
        &application(
            "society1@example.test",
            &message_id,
            "申报",
            vec![
                xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                evidence(),
            ],
            &[],
        ),
    )
    .await;
    let answer = find_by_header(
        &servers,
        "society1@example.test",
        "In-Reply-To",
        &message_id,
        Duration::from_secs(20),
    )
    .await;
    assert!(answer.is_some(), "answered after reconnecting");
    stop.send(()).expect("still running");
    let summary = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops")
        .expect("no panic")
        .expect("no error");
    assert_eq!(summary.filed, 1, "{summary}");
}
