//! When a scheduled digest is due: pure, the clock passed in.
//!
//! Slots are instants: each configured time of day, every day, in the call's
//! time zone, plus the first morning time after the deadline. At any moment
//! only the latest slot not after `now` can be due, and only if no digest was
//! queued for it or a later one. So a daemon that was down across several
//! slots sends one digest at start, not several; and the store refusing a slot
//! twice ([`Store::queue_digest`](crate::store::Store::queue_digest)) keeps it
//! to one across restarts and processes.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use super::config::DigestConfig;
use crate::config::Call;
use crate::store::DigestSlot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// One of the daily times.
    Daily,
    /// The morning after the deadline: the closing count.
    AfterDeadline,
}

impl SlotKind {
    /// The text the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            SlotKind::Daily => "daily",
            SlotKind::AfterDeadline => "after_deadline",
        }
    }
}

/// One scheduled digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub at: Timestamp,
    pub kind: SlotKind,
}

impl Slot {
    /// As the store records it.
    pub fn to_record(self) -> DigestSlot {
        DigestSlot {
            at: self.at,
            kind: self.kind.as_str().to_string(),
        }
    }
}

/// The slot a digest is due for at `now`, if any: the latest slot not after
/// `now`, unless a digest was already queued for it or a later slot
/// (`last_sent_slot`, from [`Store::last_digest_slot`](crate::store::Store::last_digest_slot)).
///
/// With nothing sent before, the latest past slot is due: a first start sends
/// one digest at once.
pub fn due_slot(
    config: &DigestConfig,
    call: &Call,
    last_sent_slot: Option<Timestamp>,
    now: Timestamp,
) -> Option<Slot> {
    let latest = latest_slot(config, call, now)?;
    match last_sent_slot {
        Some(sent) if latest.at <= sent => None,
        _ => Some(latest),
    }
}

/// The latest slot at or before `now`.
fn latest_slot(config: &DigestConfig, call: &Call, now: Timestamp) -> Option<Slot> {
    let zone = &call.time_zone;
    let today = now.to_zoned(zone.clone()).date();
    // Yesterday's times cover the hours before today's first one.
    let daily = [today.yesterday().ok(), Some(today)]
        .into_iter()
        .flatten()
        .flat_map(|day| config.times.iter().map(move |time| (day, *time)))
        .filter_map(|(day, time)| instant(zone, day, time))
        .filter(|at| *at <= now)
        .max()
        .map(|at| Slot {
            at,
            kind: SlotKind::Daily,
        });
    let after_deadline = config
        .after_deadline
        .then(|| morning_after(call, config.morning_time()))
        .flatten()
        .filter(|at| *at <= now)
        .map(|at| Slot {
            at,
            kind: SlotKind::AfterDeadline,
        });
    // On a tie the closing count names the digest.
    match (daily, after_deadline) {
        (Some(daily), Some(closing)) if daily.at > closing.at => Some(daily),
        (_, Some(closing)) => Some(closing),
        (daily, None) => daily,
    }
}

/// The first `time` of day strictly after the deadline.
pub fn morning_after(call: &Call, time: Time) -> Option<Timestamp> {
    let zone = &call.time_zone;
    let deadline_day = call.deadline.to_zoned(zone.clone()).date();
    let same_day = instant(zone, deadline_day, time)?;
    if same_day > call.deadline {
        return Some(same_day);
    }
    instant(zone, deadline_day.tomorrow().ok()?, time)
}

fn instant(zone: &TimeZone, day: Date, time: Time) -> Option<Timestamp> {
    day.to_datetime(time)
        .to_zoned(zone.clone())
        .ok()
        .map(|zoned| zoned.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Call {
        Call::parse(
            include_str!("../../config/call-2020.toml"),
            "call-2020.toml",
        )
        .unwrap()
    }

    /// An instant in Changzhou (UTC+8).
    fn beijing(text: &str) -> Timestamp {
        format!("{text}+08:00[Asia/Shanghai]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    #[test]
    fn before_the_first_time_of_day_yesterdays_slot_is_the_latest() {
        let config = DigestConfig::default();
        let slot = due_slot(&config, &call(), None, beijing("2020-08-20T07:00:00")).unwrap();
        assert_eq!(slot.at, beijing("2020-08-19T08:30:00"));
        assert_eq!(slot.kind, SlotKind::Daily);
    }

    #[test]
    fn a_slot_sent_is_not_due_again_until_the_next_one() {
        let config = DigestConfig::default();
        let sent = beijing("2020-08-20T08:30:00");
        assert_eq!(
            due_slot(&config, &call(), Some(sent), beijing("2020-08-20T08:30:00")),
            None
        );
        assert_eq!(
            due_slot(&config, &call(), Some(sent), beijing("2020-08-21T08:29:59")),
            None
        );
        let next = due_slot(&config, &call(), Some(sent), beijing("2020-08-21T08:30:00"));
        assert_eq!(
            next.map(|slot| slot.at),
            Some(beijing("2020-08-21T08:30:00"))
        );
    }

    #[test]
    fn several_missed_slots_give_one_digest_for_the_latest() {
        let config = DigestConfig {
            times: vec![Time::constant(8, 30, 0, 0), Time::constant(17, 0, 0, 0)],
            ..DigestConfig::default()
        };
        let sent = beijing("2020-08-17T08:30:00");
        let due = due_slot(&config, &call(), Some(sent), beijing("2020-08-20T12:00:00"));
        assert_eq!(
            due.map(|slot| slot.at),
            Some(beijing("2020-08-20T08:30:00"))
        );
    }

    #[test]
    fn the_morning_after_the_deadline_is_a_closing_slot_even_without_daily_times() {
        let config = DigestConfig {
            times: Vec::new(),
            ..DigestConfig::default()
        };
        let call = call();
        assert_eq!(
            due_slot(&config, &call, None, beijing("2020-09-01T08:29:59")),
            None
        );
        let closing = due_slot(&config, &call, None, beijing("2020-09-01T09:00:00")).unwrap();
        assert_eq!(closing.at, beijing("2020-09-01T08:30:00"));
        assert_eq!(closing.kind, SlotKind::AfterDeadline);
        assert_eq!(
            due_slot(
                &config,
                &call,
                Some(closing.at),
                beijing("2020-09-30T09:00:00")
            ),
            None,
            "sent once, never again"
        );
    }

    #[test]
    fn the_closing_slot_names_a_daily_slot_at_the_same_instant() {
        let slot = due_slot(
            &DigestConfig::default(),
            &call(),
            Some(beijing("2020-08-31T08:30:00")),
            beijing("2020-09-01T08:30:00"),
        )
        .unwrap();
        assert_eq!(slot.kind, SlotKind::AfterDeadline);
        let next_day = due_slot(
            &DigestConfig::default(),
            &call(),
            Some(slot.at),
            beijing("2020-09-02T08:31:00"),
        )
        .unwrap();
        assert_eq!(next_day.kind, SlotKind::Daily);
    }

    #[test]
    fn without_times_or_closing_slot_nothing_is_ever_due() {
        let config = DigestConfig {
            times: Vec::new(),
            after_deadline: false,
            ..DigestConfig::default()
        };
        assert_eq!(
            due_slot(&config, &call(), None, beijing("2020-09-05T09:00:00")),
            None
        );
    }
}
