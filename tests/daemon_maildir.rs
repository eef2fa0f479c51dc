//! `shenbao run` end to end on a Maildir and a directory outbox: every
//! message filed once, answered once in its thread; nothing twice on a second
//! run or for a second copy; no answer to machines.

mod daemon_support;
mod support;

use daemon_support::*;
use shenbao::store::{
    AnswerState, ApplicationFilter, ContentHash, MessageStatus, OutboxFilter, Store,
};
use shenbao::verdict::{Code, Status};

const NOW: &str = "2020-09-02T09:00:00+08:00";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_filed_once_and_answered_once_in_its_thread() {
    let daemon = TestDaemon::new();
    let accepted = accepted_from("accepted@example.org");
    let over_amount = application(
        "czqxxh@163.com",
        "amount@example.org",
        "申报",
        vec![
            xlsx_file("kepu.xlsx", electronics_popularization(15000.0)),
            evidence(),
        ],
        &[],
    );
    let no_evidence = application(
        "czyyxh@126.com",
        "no-evidence@example.org",
        "申报",
        vec![xlsx_file("ziShen.xlsx", sample("p02_self_building.xlsx"))],
        &[],
    );
    daemon.deliver(&accepted, ON_TIME);
    daemon.deliver(&over_amount, ON_TIME);
    daemon.deliver(&no_evidence, ON_TIME);
    daemon.deliver(&sample("p12_late.eml"), LATE);

    let summary = daemon.run_once(NOW).await;
    assert_eq!(
        (summary.filed, summary.known, summary.failed),
        (4, 0, 0),
        "{summary}"
    );
    assert_eq!(summary.answers_queued, 4, "{summary}");
    assert_eq!(summary.sending.sent, 4, "{summary}");

    let store = daemon.store();
    let messages = store.messages().expect("messages");
    assert_eq!(messages.len(), 4);
    assert!(
        messages.iter().all(|m| m.status == MessageStatus::Filed),
        "{messages:?}"
    );
    // An attachment's bytes are kept once, in its raw mail, and read back out of it.
    let mut n_attachments = 0;
    for message in &messages {
        for attachment in store.attachments(message.key).expect("attachments") {
            let bytes = store
                .read_attachment(&attachment)
                .expect("attachment bytes");
            assert_eq!(ContentHash::of(&bytes), attachment.sha256);
            assert_eq!(bytes.len() as u64, attachment.size);
            n_attachments += 1;
        }
    }
    assert_eq!(n_attachments, 7, "workbooks and evidence of the four mails");
    // p01 is 常州市电子学会's; the over-amount form is too, under another category.
    let electronics = store
        .applications(&ApplicationFilter {
            society: Some("常州市电子学会".into()),
            ..ApplicationFilter::default()
        })
        .expect("applications");
    let by_category = |category: &str| {
        electronics
            .iter()
            .find(|a| a.category == category)
            .unwrap_or_else(|| panic!("no {category} application: {electronics:?}"))
    };
    assert_eq!(by_category("service").current.status, Status::Accepted);
    let deficient = by_category("popularization");
    assert_eq!(deficient.current.status, Status::Deficient);
    assert!(
        deficient
            .current
            .deficiencies
            .iter()
            .any(|d| d.code == Code::AmountOutOfRange)
    );
    let nutrition = store
        .applications(&ApplicationFilter {
            society: Some("常州市营养学会".into()),
            ..ApplicationFilter::default()
        })
        .expect("applications");
    assert_eq!(nutrition.len(), 1);
    assert_eq!(nutrition[0].current.status, Status::Deficient);
    assert!(
        nutrition[0]
            .current
            .deficiencies
            .iter()
            .any(|d| d.code == Code::MissingEvidence),
        "the message-level deficiency is on the version: {:?}",
        nutrition[0].current.deficiencies
    );

    assert_eq!(daemon.answers().len(), 4);
    let late_id = shenbao::message::parse(&sample("p12_late.eml"))
        .and_then(|m| m.message_id)
        .expect("p12 has a Message-ID");
    for (message_id, receipt) in [
        (
            "accepted@example.org",
            Some(by_category("service").receipt.clone()),
        ),
        ("amount@example.org", Some(deficient.receipt.clone())),
        (
            "no-evidence@example.org",
            Some(nutrition[0].receipt.clone()),
        ),
        (late_id.as_str(), None),
    ] {
        let answers = daemon.answers_to(message_id);
        assert_eq!(answers.len(), 1, "one answer to {message_id}");
        let answer = &answers[0];
        assert_eq!(
            answer.header("auto-submitted").as_deref(),
            Some("auto-replied")
        );
        assert_eq!(
            answer.parsed.references.last().map(String::as_str),
            Some(message_id)
        );
        if let Some(receipt) = receipt {
            assert!(
                answer.parsed.subject.contains(&receipt),
                "{} lacks {receipt}",
                answer.parsed.subject
            );
        }
    }

    let again = daemon.run_once(NOW).await;
    assert_eq!(
        (again.filed, again.known, again.answers_queued),
        (0, 0, 0),
        "{again}"
    );
    assert_eq!(daemon.answers().len(), 4, "a second run answers nothing");
    assert_eq!(daemon.store().messages().expect("messages").len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_mail_delivered_twice_is_answered_once() {
    let daemon = TestDaemon::new();
    let mail = accepted_from("twice@example.org");
    daemon.deliver(&mail, ON_TIME);
    daemon.deliver(&mail, ON_TIME);
    let summary = daemon.run_once(NOW).await;
    assert_eq!((summary.filed, summary.known), (1, 1), "{summary}");
    assert_eq!(daemon.answers_to("twice@example.org").len(), 1);
    let messages = daemon.store().messages().expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].locations.len(), 2, "both copies are recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_replies_and_delivery_reports_get_no_answer() {
    let daemon = TestDaemon::new();
    daemon.deliver(&accepted_from("first@example.org"), ON_TIME);
    daemon.run_once(NOW).await;
    let ours = daemon.answers_to("first@example.org");
    let our_id = ours[0]
        .parsed
        .message_id
        .clone()
        .expect("our answer has a Message-ID");

    daemon.deliver(
        &application(
            "czyyxh@126.com",
            "vacation@example.org",
            "自动回复：申报",
            vec![
                xlsx_file("ziShen.xlsx", sample("p02_self_building.xlsx")),
                evidence(),
            ],
            &["Auto-Submitted: auto-replied"],
        ),
        LATER_ON_TIME,
    );
    daemon.deliver(&bounce(&our_id, "dsn@mx.example.org"), LATER_ON_TIME);
    let summary = daemon.run_once(NOW).await;
    assert_eq!(
        (
            summary.filed,
            summary.answers_queued,
            summary.answers_suppressed
        ),
        (2, 0, 2),
        "{summary}"
    );
    assert_eq!(
        daemon.answers().len(),
        1,
        "only the first message was answered"
    );

    let store = daemon.store();
    let suppressed = store
        .outbox(&OutboxFilter {
            state: Some(AnswerState::Suppressed),
            ..OutboxFilter::default()
        })
        .expect("outbox");
    let mut reasons: Vec<_> = suppressed
        .iter()
        .filter_map(|a| a.suppressed_reason.clone())
        .collect();
    reasons.sort();
    assert_eq!(reasons, ["auto_submitted", "delivery_report"]);
    let first = store
        .applications(&ApplicationFilter {
            society: Some("常州市电子学会".into()),
            ..ApplicationFilter::default()
        })
        .expect("applications");
    let failures = store.delivery_failures(first[0].key).expect("failures");
    assert_eq!(
        failures.len(),
        1,
        "the bounce is recorded on the application it was about"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_beyond_the_hourly_limit_are_kept_but_not_sent() {
    let daemon = TestDaemon::with_extra("max_per_sender_per_hour = 2");
    for n in 0..3 {
        daemon.deliver(
            &application(
                "czdzxh@163.com",
                &format!("n{n}@example.org"),
                "申报",
                vec![
                    xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                    evidence(),
                ],
                &[&format!("X-Test: {n}")],
            ),
            ON_TIME,
        );
    }
    let summary = daemon.run_once(NOW).await;
    assert_eq!(
        (summary.answers_queued, summary.answers_suppressed),
        (2, 1),
        "{summary}"
    );
    assert_eq!(daemon.answers().len(), 2);
    let limited = daemon
        .store()
        .outbox(&OutboxFilter {
            state: Some(AnswerState::Suppressed),
            ..OutboxFilter::default()
        })
        .expect("outbox");
    assert_eq!(
        limited[0].suppressed_reason.as_deref(),
        Some("rate_limited")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_round_reports_the_poll_and_queues_the_staff_digest_when_due() {
    let daemon =
        TestDaemon::with_extra("[digest]\nto = [\"xhb@example.test\"]\ntimes = [\"08:30\"]\n");
    daemon.deliver(&accepted_from("before-digest@example.org"), ON_TIME);
    // 09:00 in Changzhou: the 08:30 slot is due.
    let summary = daemon.run_once(NOW).await;
    assert_eq!(
        summary.sending.sent, 2,
        "the answer and the digest: {summary}"
    );
    let digests: Vec<_> = daemon
        .answers()
        .into_iter()
        .filter(|a| a.parsed.to.iter().any(|to| to == "xhb@example.test"))
        .collect();
    assert_eq!(digests.len(), 1);
    assert_eq!(
        digests[0].header("auto-submitted").as_deref(),
        Some("auto-generated")
    );

    let again = daemon.run_once(NOW).await;
    assert_eq!(again.sending.sent, 0, "one digest per slot: {again}");
    let health = daemon.store().mailbox_health().expect("health");
    assert_eq!(health.len(), 1, "{health:?}");
    assert!(health[0].last_success_at.is_some());
    assert_eq!(health[0].failures_since_success, 0);
}

/// A kill after an answer's file was written and before its `sent` mark: the next
/// run sends the answer again, and the outbox directory still holds one file of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_written_again_after_a_crash_leaves_one_file() {
    let daemon = TestDaemon::new();
    let accepted = accepted_from("accepted@example.org");
    daemon.deliver(&accepted, ON_TIME);
    assert_eq!(daemon.run_once(NOW).await.sending.sent, 1);
    let written = daemon.answers();
    assert_eq!(written.len(), 1);

    // What a kill between the write and the mark leaves in the store.
    let database = shenbao::store::SqliteStore::database_path(&daemon.settings.data_dir);
    let changed = rusqlite::Connection::open(database)
        .expect("the database opens")
        .execute(
            "UPDATE outbox SET state = 'sending', sent_at = NULL WHERE state = 'sent'",
            [],
        )
        .expect("update");
    assert_eq!(changed, 1);

    let again = daemon.run_once(NOW).await;
    assert_eq!(again.sending.sent, 1, "sent again: {again}");
    let after = daemon.answers();
    assert_eq!(after.len(), 1, "one file, not a second copy");
    assert_eq!(after[0].bytes, written[0].bytes);
}

/// An accepted application of 常州市电子学会, sent by `applicant`.
fn accepted_from(applicant: &str) -> Vec<u8> {
    application(
        "czdzxh@163.com",
        applicant,
        "申报",
        vec![
            xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
            evidence(),
        ],
        &[],
    )
}
