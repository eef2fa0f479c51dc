//! `shenbao run --once` through a backlog in small batches: while one batch is
//! filed the next is already fetched, and answers go out meanwhile; still every
//! message is filed once, answered once and settled in the mailbox.

mod daemon_support;
mod support;

use daemon_support::*;
use shenbao::mailbox::{AfterFiling, MailboxConfig};
use shenbao::store::{AnswerState, MessageStatus, OutboxFilter, Store};

const NOW: &str = "2020-08-21T09:00:00+08:00";

fn names_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

/// Seven applications in batches of two, moved to a folder once filed: all filed and
/// answered once, all moved, the store's cursor at the last; a second run finds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_in_small_batches_is_filed_answered_and_settled_once() {
    let mut daemon = TestDaemon::new();
    let MailboxConfig::Maildir(maildir) = &mut daemon.settings.mailbox else {
        panic!("the test daemon reads a Maildir");
    };
    maildir.batch_size = 2;
    maildir.after_filing = AfterFiling::Move("Filed".to_string());
    let societies = [
        "czdzxh@163.com",
        "czqxxh@163.com",
        "czyyxh@126.com",
        "czjsjxh@163.com",
    ];
    for n in 0..7 {
        let mail = application(
            societies[n % societies.len()],
            &format!("backlog-{n}@example.org"),
            "申报",
            vec![
                xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                evidence(),
            ],
            &[],
        );
        daemon.deliver(&mail, ON_TIME);
    }

    let summary = daemon.run_once(NOW).await;
    assert_eq!(
        (summary.filed, summary.known, summary.failed),
        (7, 0, 0),
        "{summary}"
    );
    assert_eq!(summary.sending.sent, 7, "{summary}");
    let store = daemon.store();
    let messages = store.messages().expect("messages");
    assert_eq!(messages.len(), 7);
    assert!(messages.iter().all(|m| m.status == MessageStatus::Filed));
    let sent = store
        .outbox(&OutboxFilter {
            state: Some(AnswerState::Sent),
            ..OutboxFilter::default()
        })
        .expect("outbox");
    assert_eq!(sent.len(), 7, "one answer each");
    assert_eq!(names_in(&daemon.outbox()), 7);
    assert_eq!(names_in(&daemon.inbox().join("new")), 0);
    assert_eq!(
        names_in(&daemon.inbox().join(".Filed/cur")),
        7,
        "every batch settled"
    );
    let mailbox = format!(
        "maildir:{}",
        daemon.inbox().canonicalize().unwrap().display()
    );
    let state = store
        .mailbox_state(&mailbox)
        .expect("state")
        .expect("recorded");
    assert_eq!(state.highest_uid, 7);

    let again = daemon.run_once(NOW).await;
    assert_eq!(
        (again.filed, again.known, again.sending.sent),
        (0, 0, 0),
        "{again}"
    );
}
