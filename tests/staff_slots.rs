//! One digest per scheduled slot, with the clock injected: across restarts
//! (the store opened again), across a daemon that was down for days (one
//! digest at start, not one per missed slot), and with two processes on the
//! same store.

mod staff_support;

use jiff::SignedDuration;
use mail_parser::MimeHeaders;
use shenbao::clock::FixedClock;
use shenbao::config::{Call, Roster};
use shenbao::staff::{
    DigestConfig, DigestContext, Occasion, Sender, SlotKind, queue_digest_if_due,
};
use shenbao::store::{AnswerKind, OutboxFilter, SqliteStore, Store};
use staff_support::*;

struct Daemon {
    config: DigestConfig,
    call: Call,
    roster: Roster,
    sender: Sender,
}

impl Daemon {
    fn new(to: &[&str]) -> Daemon {
        Daemon {
            config: digest_config(to),
            call: call(),
            roster: roster(),
            sender: sender(),
        }
    }

    fn context(&self) -> DigestContext<'_> {
        DigestContext {
            config: &self.config,
            call: &self.call,
            roster: &self.roster,
            sender: &self.sender,
        }
    }

    /// One time round the daemon's loop: the subject of the digest queued, if any.
    fn tick(&self, store: &mut SqliteStore, clock: &FixedClock) -> Option<String> {
        queue_digest_if_due(store, &self.context(), clock)
            .unwrap()
            .map(|queued| queued.subject)
    }
}

fn digests_queued(store: &SqliteStore) -> usize {
    store
        .outbox(&OutboxFilter {
            kind: Some(AnswerKind::Digest),
            ..OutboxFilter::default()
        })
        .unwrap()
        .len()
}

/// The first start sends one digest at once; then one per slot, none between,
/// and none again for the same slot after a restart.
#[test]
fn one_digest_per_slot_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::new(&["staff@example.test"]);
    let clock = FixedClock::new(beijing("2020-08-20T08:00:00"));
    let mut store = open(dir.path());

    assert!(daemon.tick(&mut store, &clock).is_some(), "first start");
    assert_eq!(
        store.last_digest_slot().unwrap().map(|slot| slot.at),
        Some(beijing("2020-08-19T08:30:00"))
    );
    assert_eq!(daemon.tick(&mut store, &clock), None);
    clock.set(beijing("2020-08-20T08:29:59"));
    assert_eq!(daemon.tick(&mut store, &clock), None);

    clock.set(beijing("2020-08-20T08:30:00"));
    let subject = daemon.tick(&mut store, &clock).expect("the 08:30 slot");
    assert!(subject.starts_with("【申报日报】2020-08-20"), "{subject}");
    assert_eq!(daemon.tick(&mut store, &clock), None);
    assert_eq!(digests_queued(&store), 2);

    // A restart a quarter of an hour later: the slot is not sent again.
    drop(store);
    clock.advance(SignedDuration::from_mins(15));
    let mut store = open(dir.path());
    assert_eq!(daemon.tick(&mut store, &clock), None);
    assert_eq!(digests_queued(&store), 2);
}

/// Down from 8-20 09:00 to 8-23 10:00: three slots missed, one digest at start.
#[test]
fn slots_missed_while_down_are_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::new(&["staff@example.test", "chief@example.test"]);
    let clock = FixedClock::new(beijing("2020-08-20T08:30:00"));
    let mut store = open(dir.path());
    assert!(daemon.tick(&mut store, &clock).is_some());
    drop(store);

    clock.set(beijing("2020-08-23T10:00:00"));
    let mut store = open(dir.path());
    assert!(daemon.tick(&mut store, &clock).is_some());
    for _ in 0..3 {
        clock.advance(SignedDuration::from_mins(1));
        assert_eq!(daemon.tick(&mut store, &clock), None);
    }
    assert_eq!(
        store.last_digest_slot().unwrap().map(|slot| slot.at),
        Some(beijing("2020-08-23T08:30:00"))
    );
    assert_eq!(
        digests_queued(&store),
        4,
        "two slots, two staff addresses each"
    );
}

/// Two processes on one store: a slot another process queued between our
/// reading and our queuing is not queued again.
#[test]
fn a_slot_is_queued_once_by_two_processes() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::new(&["staff@example.test"]);
    let now = beijing("2020-08-20T08:30:00");
    let mut first = open(dir.path());
    let mut second = open(dir.path());
    let slot = shenbao::staff::due_slot(&daemon.config, &daemon.call, None, now).unwrap();

    let build = |store: &SqliteStore| {
        shenbao::staff::Digest::build(
            store,
            &daemon.context(),
            Occasion::Scheduled(slot),
            now,
            &mut shenbao::staff::NoProgress,
        )
        .unwrap()
        .answers(&daemon.context())
        .unwrap()
    };
    let first_answers = build(&first);
    let second_answers = build(&second);
    let record = slot.to_record();
    assert!(
        first
            .queue_digest(Some(&record), &first_answers, now)
            .unwrap()
            .is_some()
    );
    assert_eq!(
        second
            .queue_digest(Some(&record), &second_answers, now)
            .unwrap(),
        None
    );
    assert_eq!(digests_queued(&second), 1);
}

/// The morning after the deadline is the closing count, named so.
#[test]
fn the_closing_digest_comes_the_morning_after_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::new(&["staff@example.test"]);
    let clock = FixedClock::new(beijing("2020-08-31T09:00:00"));
    let mut store = open(dir.path());
    assert!(daemon.tick(&mut store, &clock).is_some());

    clock.set(beijing("2020-09-01T08:30:00"));
    let subject = daemon.tick(&mut store, &clock).unwrap();
    assert!(subject.starts_with("【截止汇总】2020-09-01"), "{subject}");
    assert_eq!(
        store.last_digest_slot().unwrap().map(|slot| slot.kind),
        Some(SlotKind::AfterDeadline.as_str().to_string())
    );
}

/// Without staff addresses nothing is queued, and no slot is used up.
#[test]
fn no_staff_addresses_no_digest() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::new(&[]);
    let clock = FixedClock::new(beijing("2020-08-20T08:30:00"));
    let mut store = open(dir.path());
    assert_eq!(daemon.tick(&mut store, &clock), None);
    assert_eq!(store.last_digest_slot().unwrap(), None);
    assert_eq!(digests_queued(&store), 0);
}

/// A digest queued is mail for the outbox: kind digest, to each staff address,
/// auto-generated, with the workbook attached.
#[test]
fn the_queued_digest_is_composed_mail() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::new(&["staff@example.test"]);
    let clock = FixedClock::new(beijing("2020-08-20T08:30:00"));
    let mut store = open(dir.path());
    fill(&mut store);
    daemon.tick(&mut store, &clock).unwrap();
    let queued = store
        .outbox(&OutboxFilter {
            kind: Some(AnswerKind::Digest),
            ..OutboxFilter::default()
        })
        .unwrap();
    let entry = queued.last().unwrap();
    assert_eq!(entry.to, "staff@example.test");
    assert_eq!(entry.regarding, None);
    let parsed = mail_parser::MessageParser::default()
        .parse(&entry.rfc5322)
        .unwrap();
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    assert_eq!(parsed.subject(), Some(entry.subject.as_str()));
    assert_eq!(
        parsed.message_id(),
        Some(entry.message_id.as_str()),
        "the outbox knows the Message-ID the mail carries"
    );
    let attachment = parsed.attachment(0).expect("the summary workbook");
    assert_eq!(
        attachment.attachment_name(),
        Some("summary-2020-08-20.xlsx")
    );
    assert!(parsed.body_text(0).unwrap().contains("新申报 4 份"));
}
