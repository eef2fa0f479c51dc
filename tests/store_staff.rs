//! What the store keeps for the staff digest: digests by slot and on demand,
//! and the mailbox health the daemon reports.

mod store_common;

use shenbao::store::{DigestSlot, OutboxFilter, PollOutcome, Store};
use store_common::{answer, at, open};

/// A success clears the failure counts, keeping the last error for reference;
/// a login refusal counts as a failure and as an authentication failure.
#[test]
fn polls_count_failures_since_the_last_success() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    assert!(store.mailbox_health().unwrap().is_empty());

    store
        .record_poll("INBOX", &PollOutcome::Succeeded, at(0))
        .unwrap();
    let refused = PollOutcome::Failed {
        error: "NO [AUTHENTICATIONFAILED]".to_string(),
        authentication: true,
    };
    let timeout = PollOutcome::Failed {
        error: "timed out".to_string(),
        authentication: false,
    };
    store.record_poll("INBOX", &refused, at(60)).unwrap();
    store.record_poll("INBOX", &timeout, at(120)).unwrap();
    store.record_poll("Other", &refused, at(130)).unwrap();

    let health = store.mailbox_health().unwrap();
    assert_eq!(health.len(), 2);
    let inbox = &health[0];
    assert_eq!(inbox.mailbox, "INBOX");
    assert_eq!(inbox.last_success_at, Some(at(0)));
    assert_eq!(inbox.last_failure_at, Some(at(120)));
    assert_eq!(inbox.last_error.as_deref(), Some("timed out"));
    assert_eq!(
        (
            inbox.failures_since_success,
            inbox.auth_failures_since_success
        ),
        (2, 1)
    );
    assert_eq!(health[1].last_success_at, None);
    assert_eq!(health[1].auth_failures_since_success, 1);

    store
        .record_poll("INBOX", &PollOutcome::Succeeded, at(180))
        .unwrap();
    let inbox = &store.mailbox_health().unwrap()[0];
    assert_eq!(inbox.last_success_at, Some(at(180)));
    assert_eq!(
        (
            inbox.failures_since_success,
            inbox.auth_failures_since_success
        ),
        (0, 0)
    );
    assert_eq!(inbox.last_error.as_deref(), Some("timed out"));
}

/// A slot is taken once, its answers queued with it; digests on demand are
/// never refused and count as the last digest, not as the last slot.
#[test]
fn digests_by_slot_and_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let slot = DigestSlot {
        at: at(100),
        kind: "daily".to_string(),
    };
    let first = store
        .queue_digest(
            Some(&slot),
            &[answer(
                shenbao::store::AnswerKind::Digest,
                "staff@example.test",
                "d1@x",
            )],
            at(101),
        )
        .unwrap()
        .expect("a new slot");
    assert_eq!(first.len(), 1);
    let again = store
        .queue_digest(
            Some(&slot),
            &[answer(
                shenbao::store::AnswerKind::Digest,
                "staff@example.test",
                "d2@x",
            )],
            at(102),
        )
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(
        store.outbox(&OutboxFilter::default()).unwrap().len(),
        1,
        "the refused slot queued nothing"
    );

    for (n, id) in ["d3@x", "d4@x"].into_iter().enumerate() {
        let queued = store
            .queue_digest(
                None,
                &[answer(
                    shenbao::store::AnswerKind::Digest,
                    "staff@example.test",
                    id,
                )],
                at(200 + n as i64),
            )
            .unwrap();
        assert!(queued.is_some());
    }
    let last = store.last_digest().unwrap().unwrap();
    assert_eq!(last.queued_at, at(201));
    assert_eq!(last.slot, None);
    assert_eq!(last.answers.len(), 1);
    assert_eq!(store.last_digest_slot().unwrap(), Some(slot));
}
