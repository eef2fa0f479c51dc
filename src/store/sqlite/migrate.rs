//! Schema migrations: the SQL files under `store/migrations/`, applied in
//! order; the version reached is kept in `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::store::error::{StoreError, StoreResult};

/// Migration `i` (0-based) brings the schema from version `i` to `i + 1`.
/// Never edit one that has shipped: add the next file.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_staff.sql"),
    include_str!("../migrations/0003_packs.sql"),
    include_str!("../migrations/0004_outbox_content.sql"),
    include_str!("../migrations/0005_retry_alone.sql"),
    include_str!("../migrations/0006_answer_bytes_once.sql"),
    include_str!("../migrations/0007_answer_bytes_in_packs.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Applies the migrations the database has not seen; a no-op when it is current.
///
/// Runs under BEGIN IMMEDIATE, reading the version inside the transaction, so
/// two processes opening a new database at once apply each migration once.
pub fn migrate(conn: &mut Connection) -> StoreResult<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::Schema(format!(
            "the database is at schema version {found}, this shenbao knows up to {SCHEMA_VERSION}: \
             use a newer shenbao"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql).map_err(|error| {
            StoreError::Schema(format!("migration {} failed: {error}", index + 1))
        })?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(SCHEMA_VERSION)
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::store::blobs::Packs;
    use crate::store::records::OutboxFilter;
    use crate::store::sqlite::outbox;

    /// A database as a binary of schema `version` left it.
    fn at_version(version: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", version as u32)
            .unwrap();
        conn
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let n_tables: u32 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(n_tables, 1);
    }

    /// Version 4 moves the answers' content out of `outbox`: a store written before
    /// keeps every answer's text and bytes.
    #[test]
    fn answers_queued_before_version_4_keep_their_content() {
        let conn = at_version(3);
        conn.execute(
            "INSERT INTO outbox (kind, recipient, subject, body_text, body_html, message_id,
                                 rfc5322, state, queued_at, next_attempt_at)
             VALUES ('confirmation', 'a@example.org', '回执', '已收到', NULL, 'x@shenbao',
                     X'0D0A', 'sent', 1, 1)",
            [],
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[3]).unwrap();
        let (text, html, bytes, state): (String, Option<String>, Vec<u8>, String) = conn
            .query_row(
                "SELECT body_text, body_html, rfc5322, state
                 FROM outbox JOIN outbox_content ON answer = id WHERE message_id = 'x@shenbao'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            (text.as_str(), html, bytes, state.as_str()),
            ("已收到", None, b"\r\n".to_vec(), "sent")
        );
    }

    /// Version 5 adds `retry_alone` to messages: rows written before keep their
    /// state and attempts and start unmarked.
    #[test]
    fn messages_written_before_version_5_start_unmarked() {
        let mut conn = at_version(4);
        conn.execute(
            "INSERT INTO messages (sha256, size, message_id, subject, received_at, status,
                                   attempts, claimed_at)
             VALUES ('00', 1, 'old@x', '申报', 1, 'claimed', 2, 1)",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let row: (String, i64, bool) = conn
            .query_row(
                "SELECT status, attempts, retry_alone FROM messages WHERE message_id = 'old@x'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        assert_eq!(row, ("claimed".to_string(), 2, false));
    }

    /// Version 6 keeps an answer once, as its bytes: the text and HTML columns are
    /// gone and the bytes of answers queued before are kept.
    #[test]
    fn answers_queued_before_version_6_keep_their_bytes_alone() {
        let mut conn = at_version(5);
        conn.execute_batch(
            "INSERT INTO outbox (id, kind, recipient, subject, message_id, state, queued_at,
                                 next_attempt_at)
             VALUES (7, 'confirmation', 'a@example.org', '回执', 'y@shenbao', 'queued', 1, 1);
             INSERT INTO outbox_content (answer, body_text, body_html, rfc5322)
             VALUES (7, '已收到', '<p>已收到</p>', X'0D0A');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('outbox_content') ORDER BY cid")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(columns, ["answer", "rfc5322"]);
        let bytes: Vec<u8> = conn
            .query_row(
                "SELECT rfc5322 FROM outbox_content WHERE answer = 7",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(bytes, b"\r\n");
    }

    /// Version 7 keeps new answers' bytes in packs: the bytes of answers queued
    /// before stay in the database and come back unchanged, to send or to show.
    #[test]
    fn answers_queued_before_version_7_keep_their_bytes_in_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path().join("packs"));
        let mut conn = at_version(6);
        let bytes = "Message-ID: <z@shenbao>\r\n\r\n已收到\r\n".as_bytes();
        conn.execute(
            "INSERT INTO outbox (id, kind, recipient, subject, message_id, state, queued_at,
                                 next_attempt_at)
             VALUES (7, 'confirmation', 'a@example.org', '回执', 'z@shenbao', 'queued', 1, 1)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO outbox_content (answer, rfc5322) VALUES (7, ?1)",
            [bytes],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let hash: Option<String> = conn
            .query_row(
                "SELECT rfc5322_sha256 FROM outbox WHERE id = 7",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(hash, None);
        let due = outbox::due(&conn, &packs, Timestamp::from_second(1).unwrap(), 10).unwrap();
        let listed = outbox::list(&conn, &packs, &OutboxFilter::default()).unwrap();
        for entries in [due, listed] {
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].rfc5322, bytes);
        }
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Schema(_))));
    }
}
