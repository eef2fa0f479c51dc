//! What the staff digest keeps: the digests queued (one per scheduled slot)
//! and the health of the mailboxes as the daemon reports it.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::blob_index;
use super::convert::{count_from_sql, optional_time_from_sql, time_from_sql, time_to_sql};
use super::outbox;
use crate::store::blobs::Packs;
use crate::store::error::StoreResult;
use crate::store::filing::OutgoingAnswer;
use crate::store::model::AnswerKey;
use crate::store::records::{DigestRecord, DigestSlot, MailboxHealth, PollOutcome};

/// Records the digest and queues its answers in one transaction; `None`, queuing
/// nothing, when the slot was queued before (by this process or another).
pub fn queue_digest(
    conn: &mut Connection,
    packs: &Packs,
    slot: Option<&DigestSlot>,
    answers: &[OutgoingAnswer],
    now: Timestamp,
) -> StoreResult<Option<Vec<AnswerKey>>> {
    // The bytes before the transaction, as for a batch; a slot found queued
    // meanwhile leaves them in a pack nobody references.
    let blobs: Vec<_> = answers.iter().map(outbox::blob_of).collect();
    let written = blob_index::write_unstored(conn, packs, &blobs)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let digest: Option<i64> = tx
        .query_row(
            "INSERT INTO digests (slot_at, slot_kind, queued_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (slot_at) DO NOTHING RETURNING id",
            params![
                slot.map(|slot| time_to_sql(slot.at)),
                slot.map(|slot| slot.kind.as_str()),
                time_to_sql(now)
            ],
            |row| row.get(0),
        )
        .optional()?;
    let Some(digest) = digest else {
        return Ok(None);
    };
    blob_index::record(&tx, &written)?;
    let mut keys = Vec::with_capacity(answers.len());
    for answer in answers {
        let key = outbox::insert(&tx, answer, None, now)?;
        tx.execute(
            "INSERT INTO digest_answers (digest, answer) VALUES (?1, ?2)",
            params![digest, key.0],
        )?;
        keys.push(key);
    }
    tx.commit()?;
    Ok(Some(keys))
}

/// The latest digest queued, scheduled or on demand.
pub fn last_digest(conn: &Connection) -> StoreResult<Option<DigestRecord>> {
    latest_digest(conn, "TRUE", "queued_at DESC, id DESC")
}

/// The latest digest queued for a scheduled slot.
pub fn last_digest_slot(conn: &Connection) -> StoreResult<Option<DigestSlot>> {
    let latest = latest_digest(conn, "slot_at IS NOT NULL", "slot_at DESC")?;
    Ok(latest.and_then(|digest| digest.slot))
}

/// The first digest matching `condition` in `order` (both constant SQL).
fn latest_digest(
    conn: &Connection,
    condition: &str,
    order: &str,
) -> StoreResult<Option<DigestRecord>> {
    let sql = format!(
        "SELECT id, slot_at, slot_kind, queued_at FROM digests WHERE {condition}
         ORDER BY {order} LIMIT 1"
    );
    let found = conn
        .query_row(&sql, [], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Option<i64>>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .optional()?;
    let Some((id, slot_at, slot_kind, queued_at)) = found else {
        return Ok(None);
    };
    let slot = match slot_at {
        Some(at) => Some(DigestSlot {
            at: time_from_sql(at)?,
            kind: slot_kind.unwrap_or_default(),
        }),
        None => None,
    };
    let mut statement =
        conn.prepare("SELECT answer FROM digest_answers WHERE digest = ?1 ORDER BY answer")?;
    let answers = statement
        .query_map([id], |row| Ok(AnswerKey(row.get(0)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Some(DigestRecord {
        queued_at: time_from_sql(queued_at)?,
        slot,
        answers,
    }))
}

/// A success clears the failure counts; a failure adds to them.
pub fn record_poll(
    conn: &Connection,
    mailbox: &str,
    outcome: &PollOutcome,
    at: Timestamp,
) -> StoreResult<()> {
    match outcome {
        PollOutcome::Succeeded => conn.execute(
            "INSERT INTO mailbox_health (mailbox, last_success_at) VALUES (?1, ?2)
             ON CONFLICT (mailbox) DO UPDATE SET last_success_at = excluded.last_success_at,
                 failures = 0, auth_failures = 0",
            params![mailbox, time_to_sql(at)],
        )?,
        PollOutcome::Failed {
            error,
            authentication,
        } => conn.execute(
            "INSERT INTO mailbox_health (mailbox, last_failure_at, last_error, failures, auth_failures)
             VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (mailbox) DO UPDATE SET last_failure_at = excluded.last_failure_at,
                 last_error = excluded.last_error, failures = failures + 1,
                 auth_failures = auth_failures + excluded.auth_failures",
            params![mailbox, time_to_sql(at), error, i64::from(*authentication)],
        )?,
    };
    Ok(())
}

pub fn mailbox_health(conn: &Connection) -> StoreResult<Vec<MailboxHealth>> {
    let mut statement = conn.prepare(
        "SELECT mailbox, last_success_at, last_failure_at, last_error, failures, auth_failures
         FROM mailbox_health ORDER BY mailbox",
    )?;
    let rows = statement.query_map([], |row| Ok(health_from_row(row)))?;
    let mut health = Vec::new();
    for row in rows {
        health.push(row??);
    }
    Ok(health)
}

fn health_from_row(row: &Row<'_>) -> StoreResult<MailboxHealth> {
    Ok(MailboxHealth {
        mailbox: row.get(0)?,
        last_success_at: optional_time_from_sql(row.get(1)?)?,
        last_failure_at: optional_time_from_sql(row.get(2)?)?,
        last_error: row.get(3)?,
        failures_since_success: count_from_sql(row.get(4)?)?,
        auth_failures_since_success: count_from_sql(row.get(5)?)?,
    })
}
