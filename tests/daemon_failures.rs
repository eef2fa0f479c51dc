//! A message whose processing fails does not hold up the others; it is tried
//! again from its stored bytes at each start, and left for staff after the
//! configured number of attempts.

mod daemon_support;
mod support;

use daemon_support::flaky::POISON;
use daemon_support::*;
use shenbao::store::{MessageStatus, Store};

const NOW: &str = "2020-09-02T09:00:00+08:00";

fn poisoned_mail(message_id: &str) -> Vec<u8> {
    let mut poison = evidence();
    poison.name = POISON;
    application(
        "czyyxh@126.com",
        message_id,
        "申报",
        vec![
            xlsx_file("ziShen.xlsx", sample("p02_self_building.xlsx")),
            poison,
        ],
        &[],
    )
}

fn good_mail(message_id: &str) -> Vec<u8> {
    application(
        "czdzxh@163.com",
        message_id,
        "申报",
        vec![
            xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
            evidence(),
        ],
        &[&format!("X-Test: {message_id}")],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_message_fails_alone_and_is_left_for_staff_after_its_attempts() {
    let daemon = TestDaemon::new();
    daemon.deliver(&good_mail("good-1@example.org"), ON_TIME);
    daemon.deliver(&poisoned_mail("poison@example.org"), ON_TIME);
    daemon.deliver(&good_mail("good-2@example.org"), ON_TIME);

    let first = daemon.run_once_flaky(NOW, true).await;
    assert_eq!((first.filed, first.failed), (2, 1), "{first}");
    assert_eq!(daemon.answers().len(), 2);
    let failed: Vec<_> = daemon
        .store()
        .messages()
        .expect("messages")
        .into_iter()
        .filter(|m| m.status == MessageStatus::Failed)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 1);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("poisoned"),
        "{failed:?}"
    );

    // Each start tries it again from the store (the mailbox has nothing new).
    let second = daemon.run_once_flaky(NOW, true).await;
    assert_eq!(
        (second.filed, second.failed, second.failed_for_staff),
        (0, 1, 0),
        "{second}"
    );
    let third = daemon.run_once_flaky(NOW, true).await;
    assert_eq!((third.failed, third.failed_for_staff), (1, 1), "{third}");
    let fourth = daemon.run_once_flaky(NOW, true).await;
    assert_eq!(
        (fourth.failed, fourth.failed_for_staff),
        (0, 1),
        "no attempt left: {fourth}"
    );
    let store = daemon.store();
    assert_eq!(store.failed_messages().expect("failed").len(), 1);
    assert_eq!(store.failed_messages().expect("failed")[0].attempts, 3);
    assert_eq!(
        daemon.answers().len(),
        2,
        "a failed message is never answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_message_is_filed_and_answered_once_it_can_be() {
    let daemon = TestDaemon::new();
    daemon.deliver(&poisoned_mail("poison@example.org"), ON_TIME);
    let first = daemon.run_once_flaky(NOW, true).await;
    assert_eq!((first.filed, first.failed), (0, 1), "{first}");

    let second = daemon.run_once_flaky(NOW, false).await;
    assert_eq!((second.filed, second.failed), (1, 0), "{second}");
    assert_eq!(daemon.answers_to("poison@example.org").len(), 1);
    let messages = daemon.store().messages().expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].status, MessageStatus::Filed);
}
