//! The outbox: answers queued in the filing transaction, and the state
//! changes the sender makes around each SMTP attempt. Also the bounces.
//!
//! An answer's bytes are a blob like an attachment's (see `store::blobs`):
//! the caller writes them into a pack with [`blob_index::write_unstored`]
//! before the transaction that queues the answer commits, and records them in
//! it; the row keeps their SHA-256 (migration 0007). Answers queued before
//! keep their bytes in `outbox_content`, and are read from there.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::blob_index;
use super::convert::{
    count_from_sql, hash_from_sql, optional_time_from_sql, parse_text, size_to_sql, time_from_sql,
    time_to_sql,
};
use crate::store::blobs::Packs;
use crate::store::error::{StoreError, StoreResult};
use crate::store::filing::{Bounce, OutgoingAnswer};
use crate::store::model::{
    AnswerKey, AnswerKind, AnswerState, ApplicationKey, ContentHash, MessageKey,
};
use crate::store::records::{DeliveryFailure, OutboxEntry, OutboxFilter};

const ENTRY_COLUMNS: &str = "id, kind, recipient, subject, message_id, regarding, state,
    attempts, queued_at, next_attempt_at, last_error, sent_at, suppressed_reason,
    rfc5322_sha256, outbox_content.rfc5322";
/// The bytes of answers queued before version 7 are a row of their own, so
/// that the sender's state changes rewrite a few bytes, not the message (see
/// migration 0004); later answers have none.
const ENTRIES: &str = "outbox LEFT JOIN outbox_content ON outbox_content.answer = outbox.id";

/// Where an answer's bytes are.
enum Bytes {
    /// In a pack, under this hash (answers queued since version 7).
    Packed(ContentHash),
    /// In `outbox_content` (answers queued before).
    Inline(Vec<u8>),
}

/// The blob [`insert`] refers to, for [`blob_index::write_unstored`].
pub fn blob_of(answer: &OutgoingAnswer) -> (ContentHash, &[u8]) {
    (answer.rfc5322.sha256(), answer.rfc5322.bytes())
}

/// Addresses are compared without regard to case (the per-sender count).
fn normalize_address(address: &str) -> String {
    address.trim().to_lowercase()
}

/// Queues `answer`. Its bytes ([`blob_of`]) must be recorded in `tx` already:
/// the foreign key to `blobs` refuses the row otherwise.
pub fn insert(
    tx: &Transaction<'_>,
    answer: &OutgoingAnswer,
    regarding: Option<MessageKey>,
    now: Timestamp,
) -> StoreResult<AnswerKey> {
    let state = match answer.suppressed {
        Some(_) => AnswerState::Suppressed,
        None => AnswerState::Queued,
    };
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO outbox (kind, recipient, subject, message_id, regarding, state,
                                 queued_at, next_attempt_at, suppressed_reason, rfc5322_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
        )?
        .insert(params![
            answer.kind.as_str(),
            normalize_address(&answer.to),
            answer.subject,
            answer.message_id,
            regarding.map(|key| key.0),
            state.as_str(),
            time_to_sql(now),
            answer.suppressed,
            answer.rfc5322.sha256().to_hex(),
        ])?;
    for application in &answer.applications {
        tx.prepare_cached(
            "INSERT INTO outbox_applications (answer, application) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, application.0])?;
    }
    Ok(AnswerKey(id))
}

/// Queued answers due by `now`, the longest waiting first.
///
/// An answer whose bytes cannot be read back (its pack gone or changed on
/// disk) must not hold back the answers queued behind it: it is marked failed
/// with the reason, for staff, and left out.
pub fn due(
    conn: &Connection,
    packs: &Packs,
    now: Timestamp,
    limit: usize,
) -> StoreResult<Vec<OutboxEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM {ENTRIES}
         WHERE state = 'queued' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2"
    );
    loop {
        let rows = query_rows(conn, &sql, params![time_to_sql(now), size_to_sql(limit)?])?;
        let n_rows = rows.len();
        let mut due = Vec::with_capacity(n_rows);
        for (mut entry, bytes) in rows {
            match readable(read_bytes(conn, packs, entry.key, bytes))? {
                Ok(bytes) => {
                    entry.rfc5322 = bytes;
                    entry.applications = linked_applications(conn, entry.key)?;
                    due.push(entry);
                }
                Err(error) => {
                    tracing::error!(answer = entry.key.0, %error, "an answer's bytes cannot be read; marked failed");
                    mark_failed(conn, entry.key, &error.to_string())?;
                }
            }
        }
        // Only when every row was unreadable is there more to look at.
        if !due.is_empty() || n_rows == 0 {
            return Ok(due);
        }
    }
}

pub fn list(
    conn: &Connection,
    packs: &Packs,
    filter: &OutboxFilter,
) -> StoreResult<Vec<OutboxEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM {ENTRIES}
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2)
           AND (?3 IS NULL OR recipient = ?3)
           AND (?4 IS NULL OR id IN (SELECT answer FROM outbox_applications WHERE application = ?4))
         ORDER BY id"
    );
    let rows = query_rows(
        conn,
        &sql,
        params![
            filter.state.map(AnswerState::as_str),
            filter.kind.map(AnswerKind::as_str),
            filter.to.as_deref().map(normalize_address),
            filter.application.map(|key| key.0),
        ],
    )?;
    rows.into_iter()
        .map(|(entry, bytes)| listed(conn, packs, entry, bytes))
        .collect()
}

/// A listed answer whose bytes cannot be read back is still listed (the digest
/// must go on reporting), without bytes and with the reason as its error.
fn listed(
    conn: &Connection,
    packs: &Packs,
    mut entry: OutboxEntry,
    bytes: Bytes,
) -> StoreResult<OutboxEntry> {
    match readable(read_bytes(conn, packs, entry.key, bytes))? {
        Ok(bytes) => entry.rfc5322 = bytes,
        Err(error) => {
            tracing::warn!(answer = entry.key.0, %error, "an answer's bytes cannot be read");
            entry.last_error = Some(error.to_string());
        }
    }
    entry.applications = linked_applications(conn, entry.key)?;
    Ok(entry)
}

/// Splits the errors of reading one answer's bytes: a pack gone or changed
/// concerns that answer alone (inner `Err`); any other is the store's (outer).
fn readable(read: StoreResult<Vec<u8>>) -> StoreResult<Result<Vec<u8>, StoreError>> {
    match read {
        Ok(bytes) => Ok(Ok(bytes)),
        Err(error @ (StoreError::Corrupt(_) | StoreError::Io { .. })) => Ok(Err(error)),
        Err(other) => Err(other),
    }
}

fn query_rows(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<(OutboxEntry, Bytes)>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map(params, |row| Ok(entry_from_row(row)))?;
    let mut entries = Vec::new();
    for row in rows {
        entries.push(row??);
    }
    Ok(entries)
}

fn read_bytes(
    conn: &Connection,
    packs: &Packs,
    answer: AnswerKey,
    bytes: Bytes,
) -> StoreResult<Vec<u8>> {
    match bytes {
        Bytes::Inline(bytes) => Ok(bytes),
        Bytes::Packed(hash) => read_packed(conn, packs, answer, &hash),
    }
}

/// The entry with its bytes still to read, and where they are.
fn entry_from_row(row: &Row<'_>) -> StoreResult<(OutboxEntry, Bytes)> {
    let key = AnswerKey(row.get(0)?);
    let bytes = match (row.get::<_, Option<String>>(13)?, row.get(14)?) {
        (Some(hash), None) => Bytes::Packed(hash_from_sql(&hash)?),
        (None, Some(bytes)) => Bytes::Inline(bytes),
        (hash, _) => {
            return Err(StoreError::Corrupt(format!(
                "answer {}: {} of its bytes",
                key.0,
                if hash.is_some() { "two copies" } else { "none" }
            )));
        }
    };
    let entry = OutboxEntry {
        key,
        kind: parse_text("answer kind", &row.get::<_, String>(1)?, AnswerKind::parse)?,
        to: row.get(2)?,
        subject: row.get(3)?,
        message_id: row.get(4)?,
        rfc5322: Vec::new(),
        regarding: row.get::<_, Option<i64>>(5)?.map(MessageKey),
        applications: Vec::new(),
        state: parse_text(
            "answer state",
            &row.get::<_, String>(6)?,
            AnswerState::parse,
        )?,
        attempts: count_from_sql(row.get(7)?)?,
        queued_at: time_from_sql(row.get(8)?)?,
        next_attempt_at: time_from_sql(row.get(9)?)?,
        last_error: row.get(10)?,
        sent_at: optional_time_from_sql(row.get(11)?)?,
        suppressed_reason: row.get(12)?,
    };
    Ok((entry, bytes))
}

/// Checked against the hash on the way: bytes changed on disk are an error, not an answer.
fn read_packed(
    conn: &Connection,
    packs: &Packs,
    answer: AnswerKey,
    hash: &ContentHash,
) -> StoreResult<Vec<u8>> {
    let location = blob_index::locate(conn, hash)?.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "answer {}: its bytes {hash} are in no pack",
            answer.0
        ))
    })?;
    packs.read(&location, hash)
}

fn linked_applications(conn: &Connection, answer: AnswerKey) -> StoreResult<Vec<ApplicationKey>> {
    let mut statement = conn.prepare_cached(
        "SELECT application FROM outbox_applications WHERE answer = ?1 ORDER BY application",
    )?;
    let rows = statement.query_map([answer.0], |row| Ok(ApplicationKey(row.get(0)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn mark_sending(conn: &Connection, answer: AnswerKey) -> StoreResult<()> {
    let n_changed = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1
         WHERE id = ?1 AND state = 'queued'",
        )?
        .execute([answer.0])?;
    expect_changed(conn, answer, n_changed, "queued")
}

pub fn mark_sent(conn: &Connection, answer: AnswerKey, at: Timestamp) -> StoreResult<()> {
    let n_changed = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'sent', sent_at = ?2 WHERE id = ?1 AND state = 'sending'",
        )?
        .execute(params![answer.0, time_to_sql(at)])?;
    expect_changed(conn, answer, n_changed, "sending")
}

pub fn mark_retry(
    conn: &Connection,
    answer: AnswerKey,
    next_at: Timestamp,
    error: &str,
) -> StoreResult<()> {
    let n_changed = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, last_error = ?3
         WHERE id = ?1 AND state = 'sending'",
        )?
        .execute(params![answer.0, time_to_sql(next_at), error])?;
    expect_changed(conn, answer, n_changed, "sending")
}

/// Also from queued: the sender may give up on an answer it never tried (a bad address).
pub fn mark_failed(conn: &Connection, answer: AnswerKey, error: &str) -> StoreResult<()> {
    let n_changed = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'failed', last_error = ?2
         WHERE id = ?1 AND state IN ('queued', 'sending')",
        )?
        .execute(params![answer.0, error])?;
    expect_changed(conn, answer, n_changed, "queued or sending")
}

/// Answers the previous run left `sending`: its crash may have fallen before
/// DATA was accepted, so they go out again.
pub fn requeue_interrupted(tx: &Transaction<'_>) -> StoreResult<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE outbox SET state = 'queued', last_error = 'interrupted while sending'
         WHERE state = 'sending'",
        )?
        .execute([])?)
}

fn expect_changed(
    conn: &Connection,
    answer: AnswerKey,
    n_changed: usize,
    expected: &'static str,
) -> StoreResult<()> {
    if n_changed == 1 {
        return Ok(());
    }
    let found: Option<String> = conn
        .prepare_cached("SELECT state FROM outbox WHERE id = ?1")?
        .query_row([answer.0], |row| row.get(0))
        .optional()?;
    Err(match found {
        Some(state) => StoreError::WrongState {
            what: "answer",
            key: answer.0.to_string(),
            found: state,
            expected,
        },
        None => StoreError::NotFound {
            what: "answer",
            key: answer.0.to_string(),
        },
    })
}

pub fn answers_to(conn: &Connection, recipient: &str, since: Timestamp) -> StoreResult<u32> {
    let count: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM outbox
         WHERE recipient = ?1 AND queued_at >= ?2 AND state != 'suppressed'",
        )?
        .query_row(
            params![normalize_address(recipient), time_to_sql(since)],
            |row| row.get(0),
        )?;
    count_from_sql(count)
}

pub fn record_delivery_failure(
    conn: &mut Connection,
    bounce: &Bounce,
) -> StoreResult<Vec<ApplicationKey>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let answer: Option<i64> = tx
        .prepare_cached("SELECT id FROM outbox WHERE message_id = ?1")?
        .query_row([&bounce.answer_message_id], |row| row.get(0))
        .optional()?;
    let Some(answer) = answer else {
        return Ok(Vec::new());
    };
    let applications = linked_applications(&tx, AnswerKey(answer))?;
    for application in &applications {
        tx.prepare_cached(
            "INSERT INTO delivery_failures (application, answer, report_message, detail, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            application.0,
            answer,
            bounce.report.map(|key| key.0),
            bounce.detail,
            time_to_sql(bounce.at)
        ])?;
    }
    tx.commit()?;
    Ok(applications)
}

pub fn delivery_failures(
    conn: &Connection,
    application: ApplicationKey,
) -> StoreResult<Vec<DeliveryFailure>> {
    let mut statement = conn.prepare(
        "SELECT answer, report_message, detail, at FROM delivery_failures
         WHERE application = ?1 ORDER BY at, id",
    )?;
    let rows = statement.query_map([application.0], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, Option<i64>>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    let mut failures = Vec::new();
    for row in rows {
        let (answer, report, detail, at) = row?;
        failures.push(DeliveryFailure {
            application,
            answer: AnswerKey(answer),
            report: report.map(MessageKey),
            detail,
            at: time_from_sql(at)?,
        });
    }
    Ok(failures)
}
