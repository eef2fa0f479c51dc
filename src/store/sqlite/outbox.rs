//! The outbox: answers queued in the filing transaction, and the state
//! changes the sender makes around each SMTP attempt. Also the bounces.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::convert::{
    count_from_sql, optional_time_from_sql, parse_text, size_to_sql, time_from_sql, time_to_sql,
};
use crate::store::error::{StoreError, StoreResult};
use crate::store::filing::{Bounce, OutgoingAnswer};
use crate::store::model::{AnswerKey, AnswerKind, AnswerState, ApplicationKey, MessageKey};
use crate::store::records::{DeliveryFailure, OutboxEntry, OutboxFilter};

const ENTRY_COLUMNS: &str = "id, kind, recipient, subject, message_id, rfc5322, regarding, state,
    attempts, queued_at, next_attempt_at, last_error, sent_at, suppressed_reason";
/// An answer's state and its bytes are two rows: the sender's state
/// changes then rewrite a few bytes, not the message (see migration 0004).
const ENTRIES: &str = "outbox JOIN outbox_content ON outbox_content.answer = outbox.id";

/// Addresses are compared without regard to case (the per-sender count).
fn normalize_address(address: &str) -> String {
    address.trim().to_lowercase()
}

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
                                 queued_at, next_attempt_at, suppressed_reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![
                answer.kind.as_str(),
                normalize_address(&answer.to),
                answer.subject,
                answer.message_id,
                regarding.map(|key| key.0),
                state.as_str(),
                time_to_sql(now),
                answer.suppressed,
            ],
            |row| row.get(0),
        )?;
    tx.prepare_cached("INSERT INTO outbox_content (answer, rfc5322) VALUES (?1, ?2)")?
        .execute(params![id, answer.rfc5322.bytes()])?;
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
pub fn due(conn: &Connection, now: Timestamp, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM {ENTRIES}
         WHERE state = 'queued' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2"
    );
    query_entries(conn, &sql, params![time_to_sql(now), size_to_sql(limit)?])
}

pub fn list(conn: &Connection, filter: &OutboxFilter) -> StoreResult<Vec<OutboxEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM {ENTRIES}
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2)
           AND (?3 IS NULL OR recipient = ?3)
           AND (?4 IS NULL OR id IN (SELECT answer FROM outbox_applications WHERE application = ?4))
         ORDER BY id"
    );
    query_entries(
        conn,
        &sql,
        params![
            filter.state.map(AnswerState::as_str),
            filter.kind.map(AnswerKind::as_str),
            filter.to.as_deref().map(normalize_address),
            filter.application.map(|key| key.0),
        ],
    )
}

fn query_entries(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<OutboxEntry>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map(params, |row| Ok(entry_from_row(row)))?;
    let mut entries = Vec::new();
    for row in rows {
        let mut entry = row??;
        entry.applications = linked_applications(conn, entry.key)?;
        entries.push(entry);
    }
    Ok(entries)
}

fn entry_from_row(row: &Row<'_>) -> StoreResult<OutboxEntry> {
    Ok(OutboxEntry {
        key: AnswerKey(row.get(0)?),
        kind: parse_text("answer kind", &row.get::<_, String>(1)?, AnswerKind::parse)?,
        to: row.get(2)?,
        subject: row.get(3)?,
        message_id: row.get(4)?,
        rfc5322: row.get(5)?,
        regarding: row.get::<_, Option<i64>>(6)?.map(MessageKey),
        applications: Vec::new(),
        state: parse_text(
            "answer state",
            &row.get::<_, String>(7)?,
            AnswerState::parse,
        )?,
        attempts: count_from_sql(row.get(8)?)?,
        queued_at: time_from_sql(row.get(9)?)?,
        next_attempt_at: time_from_sql(row.get(10)?)?,
        last_error: row.get(11)?,
        sent_at: optional_time_from_sql(row.get(12)?)?,
        suppressed_reason: row.get(13)?,
    })
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
