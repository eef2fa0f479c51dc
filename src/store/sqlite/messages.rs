//! Messages: claiming, failing, listing; and the mailbox state.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::blob_index;
use super::convert::{
    count_from_sql, found, hash_from_sql, parse_text, size_from_sql, size_to_sql, status_from_sql,
    time_from_sql, time_to_sql,
};
use crate::store::blobs::Packs;
use crate::store::error::{StoreError, StoreResult};
use crate::store::filing::{Claim, IncomingMessage};
use crate::store::model::{ContentHash, MailboxKey, MessageKey, MessageStatus};
use crate::store::records::{MailboxState, MessageRecord};

/// Claims messages in one transaction; their raw bytes are written first
/// (one pack for the batch) and indexed in the same transaction.
///
/// Each insert is `ON CONFLICT DO NOTHING` on the unique (Message-ID, SHA-256):
/// when it inserts nothing the message is known, whatever UID it came under,
/// also when the same content came earlier in this very batch.
pub fn claim_many(
    conn: &mut Connection,
    packs: &Packs,
    messages: &[IncomingMessage<'_>],
    now: Timestamp,
    max_attempts: u32,
) -> StoreResult<Vec<Claim>> {
    let raws: Vec<(ContentHash, &[u8])> = messages
        .iter()
        .map(|message| (message.sha256, message.raw))
        .collect();
    let written = blob_index::write_unstored(conn, packs, &raws)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    blob_index::record(&tx, &written)?;
    let claims = messages
        .iter()
        .map(|message| claim_one(&tx, message, now, max_attempts))
        .collect::<StoreResult<Vec<Claim>>>()?;
    tx.commit()?;
    Ok(claims)
}

/// One message of [`claim_many`], inside its transaction.
fn claim_one(
    tx: &Transaction<'_>,
    message: &IncomingMessage<'_>,
    now: Timestamp,
    max_attempts: u32,
) -> StoreResult<Claim> {
    // The new id from last_insert_rowid, not RETURNING (see the module doc of `sqlite`).
    let n_inserted = tx
        .prepare_cached(
            "INSERT INTO messages (sha256, size, message_id, from_addr, subject, received_at,
                                   status, claimed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'claimed', ?7)
             ON CONFLICT (message_id, sha256) DO NOTHING",
        )?
        .execute(params![
            message.sha256.to_hex(),
            size_to_sql(message.raw.len())?,
            message.message_id.unwrap_or(""),
            message.from,
            message.subject,
            time_to_sql(message.received_at),
            time_to_sql(now),
        ])?;
    let claim = match n_inserted {
        0 => claim_known(tx, message, now, max_attempts)?,
        _ => Claim::New(MessageKey(tx.last_insert_rowid())),
    };
    let message_key = match claim {
        Claim::New(key) | Claim::Retry { message: key, .. } | Claim::Known { message: key, .. } => {
            key
        }
    };
    // A location already taken (by this message, or by another one if the server
    // reused a UID) is left as it is: the content decides what the message is.
    tx.prepare_cached(
        "INSERT INTO message_locations (mailbox, uid_validity, uid, message, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        message.location.mailbox,
        message.location.uid_validity,
        message.location.uid,
        message_key.0,
        time_to_sql(now),
    ])?;
    Ok(claim)
}

/// The message is already there: a failed one with attempts left is claimed again.
fn claim_known(
    tx: &Transaction<'_>,
    message: &IncomingMessage<'_>,
    now: Timestamp,
    max_attempts: u32,
) -> StoreResult<Claim> {
    let (id, status, attempts): (i64, String, i64) = tx
        .prepare_cached(
            "SELECT id, status, attempts FROM messages WHERE message_id = ?1 AND sha256 = ?2",
        )?
        .query_row(
            params![message.message_id.unwrap_or(""), message.sha256.to_hex()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
    let status = parse_text("message status", &status, MessageStatus::parse)?;
    let attempts = count_from_sql(attempts)?;
    if status == MessageStatus::Failed && attempts < max_attempts {
        tx.execute(
            "UPDATE messages SET status = 'claimed', claimed_at = ?2 WHERE id = ?1",
            params![id, time_to_sql(now)],
        )?;
        return Ok(Claim::Retry {
            message: MessageKey(id),
            attempts,
        });
    }
    Ok(Claim::Known {
        message: MessageKey(id),
        status,
    })
}

/// claimed → failed, counting the attempt.
pub fn fail(conn: &mut Connection, message: MessageKey, error: &str) -> StoreResult<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let attempts: Option<i64> = tx
        .query_row(
            "UPDATE messages SET status = 'failed', attempts = attempts + 1, last_error = ?2
             WHERE id = ?1 AND status = 'claimed'
             RETURNING attempts",
            params![message.0, error],
            |row| row.get(0),
        )
        .optional()?;
    let Some(attempts) = attempts else {
        return Err(wrong_message_state(&tx, message, "claimed"));
    };
    tx.commit()?;
    count_from_sql(attempts)
}

/// What became of the messages a previous run left claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interrupted {
    /// Failed again without an attempt counted, to be retried alone.
    pub requeued: usize,
    /// Failed with one more attempt counted (and retried alone while attempts are left).
    pub charged: usize,
}

/// Messages a previous run left claimed: it stopped while processing them.
///
/// Only when one message alone was in hand is it to blame: it is charged an
/// attempt, so a message that kills the daemon is not retried forever. With
/// several in hand (a batch, or batches overlapping) none can be told guilty;
/// none is charged, and each is marked to be retried alone, where a crash
/// charges the one that caused it.
pub fn requeue_interrupted(tx: &Transaction<'_>) -> StoreResult<Interrupted> {
    let in_hand: i64 = tx.query_row(
        "SELECT count(*) FROM messages WHERE status = 'claimed'",
        [],
        |row| row.get(0),
    )?;
    if in_hand == 1 {
        let charged = tx.execute(
            "UPDATE messages SET status = 'failed', attempts = attempts + 1, retry_alone = 1,
                    last_error = 'interrupted: shenbao stopped while processing it alone'
             WHERE status = 'claimed'",
            [],
        )?;
        return Ok(Interrupted {
            requeued: 0,
            charged,
        });
    }
    let requeued = tx.execute(
        "UPDATE messages SET status = 'failed', retry_alone = 1,
                last_error = 'interrupted: shenbao stopped while processing it with '
                             || (?1 - 1) || ' others; not counted, retried alone'
         WHERE status = 'claimed'",
        [in_hand],
    )?;
    Ok(Interrupted {
        requeued,
        charged: 0,
    })
}

/// The SHA-256 of a message's raw bytes, which name them in the blob index.
pub fn raw_sha256(conn: &Connection, message: MessageKey) -> StoreResult<ContentHash> {
    let hex: Option<String> = conn
        .prepare_cached("SELECT sha256 FROM messages WHERE id = ?1")?
        .query_row([message.0], |row| row.get(0))
        .optional()?;
    hash_from_sql(&found(hex, "message", message.0)?)
}

/// The error for an operation that found a message in the wrong state (or not at all).
pub fn wrong_message_state(
    conn: &Connection,
    message: MessageKey,
    expected: &'static str,
) -> StoreError {
    let found: Result<Option<String>, _> = conn
        .query_row(
            "SELECT status FROM messages WHERE id = ?1",
            [message.0],
            |row| row.get(0),
        )
        .optional();
    match found {
        Ok(Some(status)) => StoreError::WrongState {
            what: "message",
            key: message.0.to_string(),
            found: status,
            expected,
        },
        Ok(None) => StoreError::NotFound {
            what: "message",
            key: message.0.to_string(),
        },
        Err(error) => error.into(),
    }
}

pub enum Which {
    All,
    Retryable,
    GaveUp,
}

pub fn list(conn: &Connection, which: Which, max_attempts: u32) -> StoreResult<Vec<MessageRecord>> {
    let condition = match which {
        Which::All => "?1 IS NOT NULL",
        Which::Retryable => "status = 'failed' AND attempts < ?1",
        Which::GaveUp => "status = 'failed' AND attempts >= ?1",
    };
    let sql = format!(
        "SELECT id, sha256, size, message_id, from_addr, subject, received_at, status,
                attempts, last_error, verdict, retry_alone
         FROM messages WHERE {condition} ORDER BY id"
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([max_attempts], |row| Ok(message_from_row(row)))?;
    let mut records = Vec::new();
    for row in rows {
        let mut record = row??;
        record.locations = locations(conn, record.key)?;
        records.push(record);
    }
    Ok(records)
}

fn message_from_row(row: &Row<'_>) -> StoreResult<MessageRecord> {
    let message_id: String = row.get(3)?;
    let verdict: Option<String> = row.get(10)?;
    Ok(MessageRecord {
        key: MessageKey(row.get(0)?),
        sha256: hash_from_sql(&row.get::<_, String>(1)?)?,
        size: size_from_sql(row.get(2)?)?,
        message_id: (!message_id.is_empty()).then_some(message_id),
        from: row.get(4)?,
        subject: row.get(5)?,
        received_at: time_from_sql(row.get(6)?)?,
        status: parse_text(
            "message status",
            &row.get::<_, String>(7)?,
            MessageStatus::parse,
        )?,
        attempts: count_from_sql(row.get(8)?)?,
        last_error: row.get(9)?,
        verdict: verdict.as_deref().map(status_from_sql).transpose()?,
        retry_alone: row.get(11)?,
        locations: Vec::new(),
    })
}

fn locations(conn: &Connection, message: MessageKey) -> StoreResult<Vec<MailboxKey>> {
    let mut statement = conn.prepare_cached(
        "SELECT mailbox, uid_validity, uid FROM message_locations
         WHERE message = ?1 ORDER BY seen_at, rowid",
    )?;
    let rows = statement.query_map([message.0], |row| {
        Ok(MailboxKey {
            mailbox: row.get(0)?,
            uid_validity: row.get(1)?,
            uid: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn mailbox_state(conn: &Connection, mailbox: &str) -> StoreResult<Option<MailboxState>> {
    Ok(conn
        .query_row(
            "SELECT uid_validity, highest_uid FROM mailboxes WHERE mailbox = ?1",
            [mailbox],
            |row| {
                Ok(MailboxState {
                    uid_validity: row.get(0)?,
                    highest_uid: row.get(1)?,
                })
            },
        )
        .optional()?)
}

pub fn record_mailbox_state(
    conn: &Connection,
    mailbox: &str,
    state: MailboxState,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO mailboxes (mailbox, uid_validity, highest_uid) VALUES (?1, ?2, ?3)
         ON CONFLICT (mailbox) DO UPDATE SET
             highest_uid = CASE WHEN uid_validity = excluded.uid_validity
                                THEN max(highest_uid, excluded.highest_uid)
                                ELSE excluded.highest_uid END,
             uid_validity = excluded.uid_validity",
        params![mailbox, state.uid_validity, state.highest_uid],
    )?;
    Ok(())
}
