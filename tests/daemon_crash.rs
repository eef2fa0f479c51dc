//! Crash safety of `shenbao run`, the real binary, on Dovecot + Postfix
//! (MAIL_TEST_ROOT): 200 applications in the inbox; ten rounds of starting the
//! daemon and killing it with SIGKILL at a random moment (seeded), while it takes
//! mail in and while answers go out; then `run --once` drains what is left.
//! Afterwards every mail is filed exactly once, every filed message has exactly
//! one answer, sent, and every applicant got exactly that answer — or, only
//! where a kill fell inside the SMTP DATA window, a second copy with the same
//! Message-ID (counted and printed). With the default `max_attempts` no mail is
//! given up: a kill charges an attempt only to a message that was alone in hand.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use shenbao::store::{AnswerState, MessageStatus, OutboxFilter, Store};
use support::daemon::{Desk, DeskOptions, unique_tag};
use support::daemon_mail::*;
use support::mail_servers::MailServers;

const MAILS: usize = 200;
const APPLICANTS: usize = 20;
const ROUNDS: usize = 10;
const SEED: u64 = 2020_0831;

const SOCIETIES: [(&str, &str); 4] = [
    ("常州市电子学会", "51320400MJ58601481"),
    ("常州市营养学会", "51320400508785371J"),
    ("常州市气象学会", "513204005087858067"),
    ("常州市计算机学会", "513204005260181593"),
];

/// Application `n`: an academic seminar of its own (category 2 has one application per project).
fn application_mail(n: usize, from: &str, desk: &str, message_id: &str) -> Vec<u8> {
    let (society, code) = SOCIETIES[n % SOCIETIES.len()];
    let fields = complete_fields(society, code, "2", &format!("学术研讨会第{n}期"));
    let fields = set(fields, "subcategory", Some(text("2")));
    let files = [
        xlsx("shenbao.xlsx", form(&fields)),
        pdf("zongjie.pdf", 6_000),
    ];
    application(from, desk, message_id, "申报材料", &files, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_it_files_and_answers_every_mail_exactly_once() {
    let Some(servers) = MailServers::from_env("daemon_crash") else {
        return;
    };
    let tag = unique_tag();
    let account = format!("crash-desk-{tag}@example.test");
    let applicants: Vec<String> = (0..APPLICANTS)
        .map(|i| format!("crash{i}-{tag}@example.test"))
        .collect();
    let options = DeskOptions {
        // The default max_attempts (3): a kill with a batch in hand charges none of
        // its messages, so ten kills give up none of these innocent mails.
        max_per_sender_per_hour: 1000,
        ..DeskOptions::default()
    };
    let desk = Desk::new(&servers, &account, &applicants, options).await;
    let message_ids: Vec<String> = (0..MAILS)
        .map(|n| format!("crash{n}.{tag}@example.test"))
        .collect();
    let mails: Vec<Vec<u8>> = (0..MAILS)
        .map(|n| application_mail(n, &applicants[n % APPLICANTS], &account, &message_ids[n]))
        .collect();
    inbox(&servers, &account).await; // Dovecot makes the Maildir
    deliver_to_maildir(&servers, &account, &mails);
    assert_eq!(inbox(&servers, &account).await.len(), MAILS);

    let mut rng = StdRng::seed_from_u64(SEED);
    let started = Instant::now();
    let mut kills_mid_work = 0;
    for round in 0..ROUNDS {
        let mut daemon = desk.spawn(&format!("round{round}"));
        // Short enough that most kills fall while mail is still being filed or sent:
        // the whole 200 take about a second of running now.
        let after = Duration::from_millis(rng.random_range(30..600));
        std::thread::sleep(after);
        let exited_by_itself = !daemon.is_running();
        daemon.kill_hard();
        let store = desk.store();
        let messages = store.messages().expect("messages");
        let filed = messages
            .iter()
            .filter(|m| m.status == MessageStatus::Filed)
            .count();
        let outbox = store.outbox(&OutboxFilter::default()).expect("outbox");
        let sent = outbox
            .iter()
            .filter(|a| a.state == AnswerState::Sent)
            .count();
        let sending = outbox
            .iter()
            .filter(|a| a.state == AnswerState::Sending)
            .count();
        eprintln!(
            "round {round}: killed after {after:?}{}: {filed} filed, {} claimed or failed, {sent}/{} answers sent, {sending} sending",
            if exited_by_itself {
                " (it had exited!)"
            } else {
                ""
            },
            messages.len() - filed,
            outbox.len(),
        );
        assert!(
            !exited_by_itself,
            "shenbao run exited by itself:\n{}",
            daemon.log_text()
        );
        if filed < MAILS || sent < MAILS {
            kills_mid_work += 1;
        }
    }
    assert!(
        kills_mid_work >= ROUNDS / 2,
        "the kills must fall while there is work in hand"
    );
    let output = desk.run_once();
    eprintln!(
        "drained by run --once ({:?} in all):\n{}",
        started.elapsed(),
        String::from_utf8_lossy(&output.stdout)
    );

    // The store: each mail filed once, each with exactly one answer, sent.
    let store = desk.store();
    let messages = store.messages().expect("messages");
    assert_eq!(messages.len(), MAILS, "no mail filed twice or left out");
    let filed_ids: BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| m.message_id.as_deref())
        .collect();
    assert_eq!(filed_ids.len(), MAILS);
    let given_up = store.failed_messages().expect("failed messages");
    assert!(given_up.is_empty(), "mails given up: {given_up:#?}");
    for message in &messages {
        assert_eq!(message.status, MessageStatus::Filed, "{message:#?}");
    }
    let most_attempts = messages.iter().map(|m| m.attempts).max().unwrap_or(0);
    let all_attempts: u32 = messages.iter().map(|m| m.attempts).sum();
    let retried_alone = messages.iter().filter(|m| m.retry_alone).count();
    eprintln!(
        "attempts charged: {all_attempts} in all, at most {most_attempts} on one message \
         (a kill counts one only on a message alone in hand); {retried_alone} retried alone"
    );
    assert!(
        all_attempts as usize <= ROUNDS,
        "a kill charges at most the one message in hand, none of a batch: {all_attempts} attempts"
    );
    let outbox = store.outbox(&OutboxFilter::default()).expect("outbox");
    assert_eq!(outbox.len(), MAILS, "one answer per message");
    let mut answer_of: BTreeMap<String, String> = BTreeMap::new(); // mail's Message-ID → answer's
    for message in &messages {
        let answers: Vec<_> = outbox
            .iter()
            .filter(|a| a.regarding == Some(message.key))
            .collect();
        assert_eq!(answers.len(), 1, "{:?}: {answers:#?}", message.message_id);
        assert_eq!(answers[0].state, AnswerState::Sent, "{:#?}", answers[0]);
        let id = message.message_id.clone().expect("a Message-ID");
        answer_of.insert(id, answers[0].message_id.clone());
    }

    // The mailboxes: every answer arrived, a second copy only of the same message.
    let received = wait_for_answers(&servers, &applicants, &message_ids).await;
    let mut copies = 0;
    for id in &message_ids {
        let got = &received[id];
        assert!(
            got.iter().all(|answer_id| answer_id == &answer_of[id]),
            "{id}: answers {got:?}, the store sent {}",
            answer_of[id]
        );
        copies += got.len() - 1;
    }
    eprintln!("second copies (a kill inside SMTP DATA, same Message-ID): {copies}");
    assert!(copies <= ROUNDS, "at most one copy per kill: {copies}");
}

/// Answers in the applicants' mailboxes, by the Message-ID they answer (In-Reply-To):
/// waits until each mail has one, then once more to catch late second copies.
async fn wait_for_answers(
    servers: &MailServers,
    applicants: &[String],
    message_ids: &[String],
) -> BTreeMap<String, Vec<String>> {
    let read = || async {
        let mut by_mail: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for applicant in applicants {
            for raw in inbox(servers, applicant).await {
                let answer = Received::parse(raw);
                let regarding = answer
                    .parsed
                    .in_reply_to
                    .first()
                    .cloned()
                    .unwrap_or_default();
                by_mail
                    .entry(regarding)
                    .or_default()
                    .push(answer.message_id().to_string());
            }
        }
        by_mail
    };
    let started = Instant::now();
    loop {
        let by_mail = read().await;
        let missing: Vec<_> = message_ids
            .iter()
            .filter(|id| !by_mail.contains_key(*id))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no answer arrived for {} mails, e.g. {:?}",
            missing.len(),
            missing.first()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let by_mail = read().await;
    let strays: Vec<_> = by_mail
        .keys()
        .filter(|id| !message_ids.contains(id))
        .collect();
    assert!(strays.is_empty(), "answers to mails never sent: {strays:?}");
    by_mail
}
