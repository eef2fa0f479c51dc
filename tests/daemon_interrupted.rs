//! A daemon that died with a batch in hand: at the next start its messages are
//! not charged an attempt but retried one at a time, so the one that fails
//! fails alone and its batch-mates are filed with no attempt counted.
//! (The death is staged: the batch is claimed in the store and left there;
//! `daemon_crash.rs` kills the real binary.)

mod daemon_support;
mod support;

use daemon_support::flaky::POISON;
use daemon_support::*;
use shenbao::message;
use shenbao::store::{IncomingMessage, MailboxKey, MessageStatus, Store};

const NOW: &str = "2020-09-02T09:00:00+08:00";

fn mail(message_id: &str, attachment: &'static str) -> Vec<u8> {
    let mut extra = evidence();
    extra.name = attachment;
    application(
        "czdzxh@163.com",
        message_id,
        "申报",
        vec![
            xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
            extra,
        ],
        &[&format!("X-Test: {message_id}")],
    )
}

/// Claims `mails` in one batch, as the intake does, and leaves them claimed.
fn claim_and_die(daemon: &TestDaemon, mails: &[Vec<u8>]) {
    let parsed: Vec<_> = mails
        .iter()
        .map(|raw| message::parse(raw).expect("a test mail parses"))
        .collect();
    let places: Vec<MailboxKey> = (0..mails.len())
        .map(|uid| MailboxKey {
            mailbox: "died".into(),
            uid_validity: 1,
            uid: u32::try_from(uid).expect("few mails"),
        })
        .collect();
    let batch: Vec<IncomingMessage<'_>> = mails
        .iter()
        .zip(&parsed)
        .zip(&places)
        .map(|((raw, parsed), place)| IncomingMessage {
            location: place,
            message_id: parsed.message_id.as_deref(),
            from: parsed.from.as_deref(),
            subject: &parsed.subject,
            received_at: at(ON_TIME),
            raw,
            sha256: shenbao::store::ContentHash::of(raw),
        })
        .collect();
    let mut store = daemon.store();
    store.claim_many(&batch, at(ON_TIME)).expect("claim");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_mates_of_a_failing_message_are_filed_without_an_attempt_counted() {
    let daemon = TestDaemon::new();
    let mails = [
        mail("good-1@example.org", "zongjie.pdf"),
        mail("poison@example.org", POISON),
        mail("good-2@example.org", "zongjie.pdf"),
    ];
    for raw in &mails {
        daemon.deliver(raw, ON_TIME);
    }
    claim_and_die(&daemon, &mails);

    let summary = daemon.run_once_flaky(NOW, true).await;
    assert_eq!(summary.filed, 2, "{summary}");
    // The poison fails in the retry and again when the mailbox is read (the mailbox
    // state never passed the batch): each failure counts, the interruption does not.
    let failures = u32::try_from(summary.failed).expect("a count");
    assert!(failures >= 1, "{summary}");
    let messages = daemon.store().messages().expect("messages");
    assert_eq!(messages.len(), 3, "{messages:#?}");
    for message in &messages {
        let poison = message.message_id.as_deref() == Some("poison@example.org");
        let (status, attempts) = if poison {
            (MessageStatus::Failed, failures)
        } else {
            (MessageStatus::Filed, 0)
        };
        assert_eq!(
            (message.status, message.attempts),
            (status, attempts),
            "{message:#?}"
        );
        assert!(message.retry_alone, "{message:#?}");
    }
    assert_eq!(daemon.answers().len(), 2);
}
