//! The sender against a scripted SMTP server: what each class of refusal does
//! to the answer (retry later, wait for tomorrow, give up) and to sending.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use shenbao::clock::FixedClock;
use shenbao::daemon::{Sender, StoreCell};
use shenbao::store::{
    AnswerKind, AnswerState, OutboxFilter, OutgoingAnswer, SqliteStore, Store, StoreOptions,
};
use shenbao::transport::{SmtpConfig, TlsMode, Transport, TransportConfig};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const FROM: &str = "apply@example.test";
/// 23:30 in Changzhou on 2020-08-20.
const NOW: &str = "2020-08-20T15:30:00Z";

/// An SMTP server that answers MAIL FROM with `mail_reply` and accepts all else.
async fn scripted_server(mail_reply: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 scripted ESMTP\r\n").await;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply: &str = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        "250 queued\r\n"
                    } else {
                        match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                            "EHLO" => "250-scripted\r\n250 8BITMIME\r\n",
                            "MAIL" => mail_reply,
                            "DATA" => {
                                in_data = true;
                                "354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => "250 ok\r\n",
                        }
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<StoreCell>,
    sender: Sender,
}

async fn setup(mail_reply: &'static str) -> Setup {
    let port = scripted_server(mail_reply).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(
        dir.path(),
        StoreOptions {
            receipt_prefix: "CZKX".into(),
            max_attempts: 3,
        },
    )
    .expect("store");
    let now: Timestamp = NOW.parse().expect("time");
    for n in 0..2 {
        store
            .enqueue(
                &OutgoingAnswer {
                    kind: AnswerKind::Confirmation,
                    to: format!("secretary{n}@qq.com"),
                    subject: "回执".into(),
                    message_id: format!("answer-{n}@example.test"),
                    rfc5322: format!(
                        "From: {FROM}\r\nTo: secretary{n}@qq.com\r\nSubject: x\r\n\r\nbody\r\n"
                    )
                    .into_bytes()
                    .into(),
                    applications: Vec::new(),
                    suppressed: None,
                },
                None,
                now,
            )
            .expect("enqueue");
    }
    let transport = Transport::from_config(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: TlsMode::None,
        user: None,
        password_env: None,
        password_file: None,
        ca_file: None,
        from: FROM.into(),
        timeout_secs: 5,
    }))
    .expect("transport");
    let store: Arc<StoreCell> = Arc::new(Mutex::new(Box::new(store)));
    let sender = Sender::new(
        transport,
        FROM,
        Arc::clone(&store),
        Arc::new(FixedClock::new(now)),
        TimeZone::get("Asia/Shanghai").expect("tzdb"),
    );
    Setup {
        _dir: dir,
        store,
        sender,
    }
}

fn outbox(store: &Arc<StoreCell>) -> Vec<shenbao::store::OutboxEntry> {
    store
        .lock()
        .expect("store")
        .outbox(&OutboxFilter::default())
        .expect("outbox")
}

#[tokio::test]
async fn accepted_answers_are_marked_sent() {
    let mut setup = setup("250 ok\r\n").await;
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let report = setup.sender.drain(&stop).await.expect("drain");
    assert_eq!(report.sent, 2);
    assert!(
        outbox(&setup.store)
            .iter()
            .all(|a| a.state == AnswerState::Sent && a.attempts == 1)
    );
}

#[tokio::test]
async fn a_full_daily_quota_pauses_sending_until_midnight_in_shanghai() {
    let mut setup = setup("550 RP:TRC 发件人当天内累计邮件数量超过限制\r\n").await;
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let report = setup.sender.drain(&stop).await.expect("drain");
    assert_eq!(
        (report.sent, report.retry_later),
        (0, 1),
        "the second is not even tried"
    );
    let midnight: Timestamp = "2020-08-20T16:00:00Z".parse().expect("time");
    assert_eq!(setup.sender.paused_until(), Some(midnight));
    let answers = outbox(&setup.store);
    assert!(
        answers.iter().all(|a| a.state == AnswerState::Queued),
        "{answers:?}"
    );
    assert_eq!(answers[0].next_attempt_at, midnight);
    assert_eq!(answers[1].attempts, 0);
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_later_and_sending_goes_on() {
    let mut setup = setup("451 MI:SFQ 发信人在15分钟内发送的邮件数量超过限制\r\n").await;
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let report = setup.sender.drain(&stop).await.expect("drain");
    assert_eq!(report.retry_later, 2);
    assert_eq!(setup.sender.paused_until(), None);
    let now: Timestamp = NOW.parse().expect("time");
    for answer in outbox(&setup.store) {
        assert_eq!(answer.state, AnswerState::Queued);
        let wait = answer.next_attempt_at.duration_since(now).as_secs();
        assert!((48..=72).contains(&wait), "about a minute: {wait} s");
        assert!(answer.last_error.as_deref().unwrap_or("").contains("451"));
    }
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_answer_and_a_setup_error_stops_sending() {
    let mut permanent = setup("554 DT:SPM 发送的邮件内容包含了未被许可的信息\r\n").await;
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let report = permanent.sender.drain(&stop).await.expect("drain");
    assert_eq!(report.failed, 2);
    assert!(
        outbox(&permanent.store)
            .iter()
            .all(|a| a.state == AnswerState::Failed)
    );

    let mut setup_error = setup("553 Mail from must equal authorized user\r\n").await;
    let report = setup_error.sender.drain(&stop).await.expect("drain");
    assert_eq!((report.retry_later, report.failed), (1, 0));
    assert!(
        setup_error.sender.paused_until().is_some(),
        "sending pauses"
    );
    assert!(
        outbox(&setup_error.store)
            .iter()
            .all(|a| a.state == AnswerState::Queued)
    );
}
