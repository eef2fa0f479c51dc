//! What a digest reports, read from the store: typed, before any wording.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;

use crate::config::{Call, Roster};
use crate::staff::progress::Progress;
use crate::staff::quota::{QuotaLine, quota_lines};
use crate::staff::rows::{ApplicationRow, rows};
use crate::store::{
    AnswerKind, AnswerState, ApplicationFilter, ApplicationKey, MailboxHealth, OutboxEntry,
    OutboxFilter, Store, StoreResult,
};
use crate::verdict::Status;

/// Everything one digest says.
#[derive(Debug, Clone)]
pub struct DigestFacts {
    pub now: Timestamp,
    /// When the previous digest was queued; `None` before the first.
    pub since: Option<Timestamp>,
    /// Every application of the call with its current version, by receipt.
    pub rows: Vec<ApplicationRow>,
    /// Applications whose first version was filed since the last digest.
    pub new_applications: Vec<ApplicationRow>,
    /// Older applications with a later version filed since the last digest.
    pub replacements: Vec<ApplicationRow>,
    /// Deficiency and late notices sent since the last digest.
    pub notices_sent: Vec<AnswerLine>,
    /// Answers given up on since the last digest (by their last attempt).
    pub failed_answers: Vec<AnswerLine>,
    /// Bounces of our answers reported since the last digest.
    pub bounces: Vec<BounceLine>,
    /// Messages that could not be processed, every one still left for staff.
    pub failed_messages: Vec<FailedMessageLine>,
    pub quotas: Vec<QuotaLine>,
    /// Applications whose current version waits for staff (unknown society, duplicate).
    pub review_queue: Vec<ApplicationRow>,
    /// Roster names with no application in this call.
    pub not_applied: Vec<String>,
    pub health: Vec<MailboxHealth>,
}

/// One answer in the outbox, as staff need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerLine {
    pub kind: AnswerKind,
    pub to: String,
    pub subject: String,
    /// Sent, or last tried.
    pub at: Timestamp,
    pub error: Option<String>,
    pub receipts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceLine {
    pub receipt: String,
    pub society: String,
    pub detail: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedMessageLine {
    pub from: Option<String>,
    pub subject: String,
    pub received_at: Timestamp,
    pub error: Option<String>,
    /// Received since the last digest.
    pub is_new: bool,
}

impl DigestFacts {
    /// Reads what a digest at `now` reports about `call`, since the digest queued at `since`.
    pub fn gather(
        store: &dyn Store,
        call: &Call,
        roster: &Roster,
        since: Option<Timestamp>,
        now: Timestamp,
        progress: &mut dyn Progress,
    ) -> StoreResult<DigestFacts> {
        let is_recent = |at: Timestamp| since.is_none_or(|since| at >= since);
        let filter = ApplicationFilter {
            call_id: Some(call.id.clone()),
            ..ApplicationFilter::default()
        };
        let rows = rows(&store.applications(&filter)?, call);
        let receipts: HashMap<ApplicationKey, &ApplicationRow> =
            rows.iter().map(|row| (row.key, row)).collect();

        let mut new_applications = Vec::new();
        let mut replacements = Vec::new();
        let mut bounces = Vec::new();
        progress.start("读取申报记录", rows.len() as u64);
        for row in &rows {
            match first_filed_at(store, row)? {
                first if is_recent(first) => new_applications.push(row.clone()),
                _ if row.n_versions > 1 && later_version_since(store, row, &is_recent)? => {
                    replacements.push(row.clone());
                }
                _ => {}
            }
            for failure in store.delivery_failures(row.key)? {
                if is_recent(failure.at) {
                    bounces.push(BounceLine {
                        receipt: row.receipt.clone(),
                        society: row.society.clone(),
                        detail: failure.detail,
                        at: failure.at,
                    });
                }
            }
            progress.advance();
        }
        progress.finish();

        let answer_line = |entry: OutboxEntry, at: Timestamp| AnswerLine {
            kind: entry.kind,
            receipts: entry
                .applications
                .iter()
                .filter_map(|key| receipts.get(key).map(|row| row.receipt.clone()))
                .collect(),
            to: entry.to,
            subject: entry.subject,
            at,
            error: entry.last_error,
        };
        let mut notices_sent = Vec::new();
        for kind in [AnswerKind::Deficiency, AnswerKind::Late] {
            let sent = store.outbox(&OutboxFilter {
                state: Some(AnswerState::Sent),
                kind: Some(kind),
                ..OutboxFilter::default()
            })?;
            for entry in sent {
                let at = entry.sent_at.unwrap_or(entry.queued_at);
                if is_recent(at) {
                    notices_sent.push(answer_line(entry, at));
                }
            }
        }
        notices_sent.sort_by_key(|line| line.at);
        let failed_answers = store
            .outbox(&OutboxFilter {
                state: Some(AnswerState::Failed),
                ..OutboxFilter::default()
            })?
            .into_iter()
            .filter(|entry| is_recent(entry.next_attempt_at))
            .map(|entry| {
                let at = entry.next_attempt_at;
                answer_line(entry, at)
            })
            .collect();
        let failed_messages = store
            .failed_messages()?
            .into_iter()
            .map(|message| FailedMessageLine {
                is_new: is_recent(message.received_at),
                from: message.from,
                subject: message.subject,
                received_at: message.received_at,
                error: message.last_error,
            })
            .collect();

        Ok(DigestFacts {
            quotas: quota_lines(call, &rows),
            review_queue: rows
                .iter()
                .filter(|row| row.status == Status::Review)
                .cloned()
                .collect(),
            not_applied: not_applied(roster, &rows),
            health: store.mailbox_health()?,
            now,
            since,
            new_applications,
            replacements,
            notices_sent,
            failed_answers,
            bounces,
            failed_messages,
            rows,
        })
    }
}

/// When the application's first version was filed (the current one's time when it is the only one).
fn first_filed_at(store: &dyn Store, row: &ApplicationRow) -> StoreResult<Timestamp> {
    if row.n_versions <= 1 {
        return Ok(row.filed_at);
    }
    Ok(store
        .application_versions(row.key)?
        .first()
        .map_or(row.filed_at, |first| first.filed_at))
}

fn later_version_since(
    store: &dyn Store,
    row: &ApplicationRow,
    is_recent: &dyn Fn(Timestamp) -> bool,
) -> StoreResult<bool> {
    Ok(store
        .application_versions(row.key)?
        .iter()
        .any(|version| version.number > 1 && is_recent(version.filed_at)))
}

/// Roster societies without any application, in roster order. An application
/// filed under an alias still counts for its society.
fn not_applied(roster: &Roster, rows: &[ApplicationRow]) -> Vec<String> {
    let applied: BTreeSet<&str> = rows
        .iter()
        .map(|row| {
            roster
                .by_name(&row.society)
                .map_or(row.society.as_str(), |society| society.name.as_str())
        })
        .collect();
    roster
        .societies()
        .iter()
        .filter(|society| !applied.contains(society.name.as_str()))
        .map(|society| society.name.clone())
        .collect()
}
