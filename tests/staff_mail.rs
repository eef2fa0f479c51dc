//! A digest queued by the daemon's call, handed by the outbox to the loopback
//! Postfix, delivered into staff@example.test and read back over IMAP from
//! Dovecot: Chinese subject and bodies intact, auto-generated, the summary
//! workbook attached and readable.
//!
//! Needs `MAIL_TEST_ROOT` (scripts/test.sh starts the servers); without it the
//! test is skipped loudly, and fails under `CI=true`.

mod staff_support;
mod support;

use std::time::{Duration, Instant};

use calamine::Reader;
use futures::TryStreamExt;
use mail_parser::MimeHeaders;
use shenbao::clock::{Clock, FixedClock};
use shenbao::staff::{DigestContext, queue_digest_if_due};
use shenbao::store::{AnswerKind, SqliteStore, Store};
use shenbao::transport::{SmtpConfig, SmtpTransport, TlsMode, Transport};
use staff_support::*;
use support::mail_servers::MailServers;

const STAFF: &str = "staff@example.test";

/// What the daemon's sender does with each due answer.
async fn send_due(store: &mut SqliteStore, servers: &MailServers, now: jiff::Timestamp) -> usize {
    let config = SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(servers.port("SMTP_PORT")),
        tls: TlsMode::None,
        user: None,
        password_env: None,
        password_file: None,
        ca_file: None,
        from: sender().address,
        timeout_secs: 20,
    };
    let mut transport = Transport::Smtp(SmtpTransport::new(&config, None).expect("transport"));
    let due = store.due_answers(now, 10).unwrap();
    for answer in &due {
        store.mark_sending(answer.key).unwrap();
        transport
            .send(
                &config.from,
                std::slice::from_ref(&answer.to),
                &answer.rfc5322,
            )
            .await
            .expect("Postfix accepts the digest");
        store.mark_sent(answer.key, now).unwrap();
    }
    transport.shutdown().await;
    due.len()
}

/// Waits for the message with `message_id` in the staff INBOX; its bytes.
async fn fetch_from_staff_inbox(servers: &MailServers, message_id: &str) -> Vec<u8> {
    let mut session = servers.helper_session(STAFF).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        session.select("INBOX").await.expect("SELECT INBOX");
        let found = session
            .uid_search(format!("HEADER Message-ID \"{message_id}\""))
            .await
            .expect("UID SEARCH");
        if let Some(uid) = found.into_iter().next() {
            let fetched: Vec<_> = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await
                .expect("UID FETCH")
                .try_collect()
                .await
                .expect("fetch response");
            session.logout().await.ok();
            return fetched[0].body().expect("a body").to_vec();
        }
        assert!(
            Instant::now() < deadline,
            "{message_id} did not reach {STAFF} within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_digest_reaches_the_staff_mailbox() {
    let Some(servers) = MailServers::from_env("a_digest_reaches_the_staff_mailbox") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    fill(&mut store);
    let (config, call, roster, sender) = (digest_config(&[STAFF]), call(), roster(), sender());
    let context = DigestContext {
        config: &config,
        call: &call,
        roster: &roster,
        sender: &sender,
    };
    let clock = FixedClock::new(beijing("2020-08-20T08:30:00"));
    let queued = queue_digest_if_due(&mut store, &context, &clock)
        .unwrap()
        .expect("the 08:30 slot is due");
    assert_eq!(queued.answers.len(), 1);
    let entry = store
        .outbox(&Default::default())
        .unwrap()
        .into_iter()
        .find(|entry| entry.key == queued.answers[0])
        .unwrap();
    assert_eq!(entry.kind, AnswerKind::Digest);

    assert_eq!(send_due(&mut store, &servers, clock.now()).await, 1);
    let bytes = fetch_from_staff_inbox(&servers, &entry.message_id).await;

    let mail = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("the delivered digest parses");
    assert_eq!(
        mail.subject(),
        Some("【申报日报】2020-08-20 共6份（新增4），待补正1，待审核1")
    );
    assert_eq!(
        mail.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    assert_eq!(
        mail.from()
            .and_then(|from| from.first())
            .and_then(|a| a.address()),
        Some("apply@example.test")
    );
    let text = mail.body_text(0).expect("a text part");
    assert!(
        text.contains("九、名册中尚未申报的学会（7 / 12）"),
        "{text}"
    );
    assert!(
        text.contains("退信：CZKX2020-0005 常州市计算机学会"),
        "{text}"
    );
    let html = mail.body_html(0).expect("an HTML part");
    assert!(html.contains("<h3>八、待人工审核（1）</h3>"), "{html}");

    let attachment = mail.attachment(0).expect("the summary workbook");
    assert_eq!(
        attachment.attachment_name(),
        Some("summary-2020-08-20.xlsx")
    );
    let mut xlsx: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(attachment.contents().to_vec()))
            .expect("the attachment is a workbook");
    assert_eq!(xlsx.worksheet_range("全部申报").unwrap().height(), 7);
}
