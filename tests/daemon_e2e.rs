//! `shenbao run --once`, the real binary, against the loopback Dovecot + Postfix
//! (MAIL_TEST_ROOT): thirty varied applications sent in over SMTP (a late one
//! APPENDed with an INTERNALDATE after the deadline), then replies to the
//! notices (evidence sent later, a corrected form), an auto-reply and a bounce.
//! Every message is filed exactly once with the right verdict and versions, and
//! each applicant's mailbox, read back over IMAP, holds exactly its answer:
//! the right kind, threaded, marked auto-replied, the receipt in the subject.
//! The auto-reply and the bounce get none.

mod e2e_cases;
mod support;

use std::time::Duration;

use e2e_cases::checks::*;
use e2e_cases::*;
use shenbao::store::{AnswerKind, AnswerState, MessageStatus, OutboxFilter, Store};
use shenbao::verdict::Status;
use support::daemon::{Desk, DeskOptions, deadline_in, unique_tag};
use support::daemon_mail::*;
use support::mail_servers::MailServers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_applications_and_their_replies_are_filed_once_and_answered_once() {
    let Some(servers) = MailServers::from_env("daemon_e2e") else {
        return;
    };
    let tag = unique_tag();
    let builder = Builder {
        tag: &tag,
        desk: &format!("desk-{tag}@example.test"),
    };
    let desk_account = builder.desk.to_string();
    // Dovecot keeps an APPEND's INTERNALDATE if it is at most ~2 h ahead: the
    // deadline is 10 minutes away, and the late mail "was received" 5 minutes after it.
    let options = DeskOptions {
        deadline: deadline_in(10),
        batch_size: 7,
        extra: "[limits]\nmax_message_bytes = 2097152\n".into(),
        ..DeskOptions::default()
    };
    let late_date = options
        .deadline
        .checked_add(jiff::SignedDuration::from_mins(5))
        .expect("date")
        .strftime("%d-%b-%Y %H:%M:%S %z")
        .to_string();
    let cases = builder.cases(&late_date);
    assert_eq!(cases.len(), 30);
    let users: Vec<String> = cases.iter().map(|c| c.from.clone()).collect();
    let mut society_emails: Vec<(String, Vec<String>)> = Vec::new();
    for case in &cases {
        let Some(society) = case.registered_for else {
            continue;
        };
        match society_emails.iter_mut().find(|(name, _)| name == society) {
            Some((_, emails)) => emails.push(case.from.clone()),
            None => society_emails.push((society.to_string(), vec![case.from.clone()])),
        }
    }
    let desk = Desk::new(
        &servers,
        &desk_account,
        &users,
        DeskOptions {
            society_emails,
            ..options
        },
    )
    .await;

    for case in &cases {
        match &case.internal_date {
            Some(date) => append(&servers, &desk.account, &case.mail, Some(date)).await,
            None => send(&servers, Some(&case.from), &desk.account, &case.mail).await,
        }
    }
    wait_for_inbox(
        &servers,
        &desk.account,
        cases.len(),
        Duration::from_secs(30),
    )
    .await;

    let output = desk.run_once();
    let summary = String::from_utf8_lossy(&output.stdout);
    eprintln!("first run:\n{summary}");
    let store = desk.store();
    let messages = store.messages().expect("messages");
    assert_eq!(
        messages.len(),
        cases.len(),
        "each mail filed once: {messages:#?}"
    );
    for case in &cases {
        check_filed(&store, &desk, case, &messages);
    }
    for case in &cases {
        check_mailbox(&servers, &store, case, 1).await;
    }

    // Replies: evidence for the application that lacked it, a corrected form
    // for the deficient one, an auto-reply and a bounce of one of our answers.
    let by_name = |name: &str| cases.iter().find(|c| c.name == name).expect("case");
    let notice_of = |name: &str| answer_to(&store, &messages, by_name(name));
    let reply = |name: &str, files: Vec<File>, extra: &[String]| {
        let case = by_name(name);
        let notice = notice_of(name);
        let mut headers = vec![
            format!("In-Reply-To: <{}>", notice.message_id),
            format!("References: <{}> <{}>", case.message_id, notice.message_id),
        ];
        headers.extend(extra.iter().cloned());
        let id = format!("re-{name}.{tag}@e2e.example.test");
        (
            id.clone(),
            application(&case.from, &desk.account, &id, "Re: 申报", &files, &headers),
        )
    };
    let (evidence_id, evidence_mail) = reply("noevidence", vec![pdf("chengguo.pdf", 9_000)], &[]);
    let corrected_form = form(&fields(NONGXUE, "3", "农技服务下乡"));
    let (corrected_id, corrected_mail) = reply(
        "missingfield",
        vec![
            xlsx("fuwu-xiuzheng.xlsx", corrected_form),
            pdf("zongjie.pdf", 9_000),
        ],
        &[],
    );
    let (auto_id, auto_mail) = reply(
        "service",
        Vec::new(),
        &["Auto-Submitted: auto-replied".to_string()],
    );
    let bounced = notice_of("period");
    let bounce_id = format!("dsn-{tag}@localhost");
    let bounce_mail = bounce(
        &desk.account,
        &bounce_id,
        &bounced.message_id,
        &by_name("period").from,
    );
    send(
        &servers,
        Some(&by_name("noevidence").from),
        &desk.account,
        &evidence_mail,
    )
    .await;
    send(
        &servers,
        Some(&by_name("missingfield").from),
        &desk.account,
        &corrected_mail,
    )
    .await;
    send(
        &servers,
        Some(&by_name("service").from),
        &desk.account,
        &auto_mail,
    )
    .await;
    send(&servers, None, &desk.account, &bounce_mail).await;
    wait_for_inbox(
        &servers,
        &desk.account,
        cases.len() + 4,
        Duration::from_secs(30),
    )
    .await;

    let output = desk.run_once();
    eprintln!("second run:\n{}", String::from_utf8_lossy(&output.stdout));
    let messages = store.messages().expect("messages");
    assert_eq!(
        messages.len(),
        cases.len() + 4,
        "the four replies filed once each"
    );
    assert!(
        messages.iter().all(|m| m.status == MessageStatus::Filed),
        "{messages:#?}"
    );

    // Evidence later completes the application: version 2, accepted, same receipt.
    let computer = applications_of(&store, JISUANJI.0, "self_building");
    assert_eq!(
        (computer.n_versions, computer.current.status),
        (2, Status::Accepted),
        "{computer:#?}"
    );
    let evidence_answer = answer_to_id(&store, &messages, &evidence_id);
    assert_eq!(evidence_answer.kind, AnswerKind::Confirmation);
    assert!(
        evidence_answer.subject.contains(&computer.receipt),
        "{}",
        evidence_answer.subject
    );
    // The corrected form replaces the deficient one under the same receipt.
    let farming = applications_of(&store, NONGXUE.0, "service");
    assert_eq!(
        (farming.n_versions, farming.current.status),
        (2, Status::Accepted),
        "{farming:#?}"
    );
    let corrected_answer = answer_to_id(&store, &messages, &corrected_id);
    assert_eq!(corrected_answer.kind, AnswerKind::Confirmation);
    assert!(
        corrected_answer.subject.contains(&farming.receipt),
        "{}",
        corrected_answer.subject
    );
    for (name, id) in [
        ("noevidence", &evidence_id),
        ("missingfield", &corrected_id),
    ] {
        let answers =
            wait_for_inbox(&servers, &by_name(name).from, 2, Duration::from_secs(20)).await;
        assert_eq!(
            answers.len(),
            2,
            "{name}: the notice and the answer to the reply"
        );
        let last = Received::parse(answers[1].clone());
        assert_eq!(last.parsed.in_reply_to, std::slice::from_ref(id), "{name}");
        assert!(
            last.parsed
                .subject
                .contains(subject_mark(AnswerKind::Confirmation)),
            "{}",
            last.parsed.subject
        );
        assert_eq!(last.auto_submitted(), Some("auto-replied"));
    }
    // The machines get nothing: kept suppressed, with the reason; the bounce is recorded.
    let auto = answer_to_id(&store, &messages, &auto_id);
    assert_eq!(
        (auto.state, auto.suppressed_reason.as_deref()),
        (AnswerState::Suppressed, Some("auto_submitted"))
    );
    let dsn = answer_to_id(&store, &messages, &bounce_id);
    assert_eq!(
        (dsn.state, dsn.suppressed_reason.as_deref()),
        (AnswerState::Suppressed, Some("delivery_report"))
    );
    let period = applications_of(&store, YINGYANG.0, "service");
    assert_eq!(
        store.delivery_failures(period.key).expect("failures").len(),
        1
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    check_mailbox(&servers, &store, by_name("service"), 1).await;
    let sink = inbox(&servers, "sink@example.test").await;
    assert!(
        sink.into_iter()
            .map(Received::parse)
            .all(|m| !m.parsed.in_reply_to.contains(&bounce_id)),
        "no answer to the bounce"
    );

    // A third run finds nothing new.
    let before = store
        .outbox(&OutboxFilter::default())
        .expect("outbox")
        .len();
    desk.run_once();
    assert_eq!(store.messages().expect("messages").len(), cases.len() + 4);
    assert_eq!(
        store
            .outbox(&OutboxFilter::default())
            .expect("outbox")
            .len(),
        before
    );
}
