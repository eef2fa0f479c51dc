//! The SQLite store: one database file plus content-addressed files, all
//! under one data directory:
//!
//! ```text
//! data_dir/shenbao.sqlite3   the database (WAL mode)
//! data_dir/packs/NAME.pack   raw messages and answers, a pack per batch, indexed
//!                            by SHA-256 in the `blobs` table (attachments are
//!                            read out of their messages; stores before also kept
//!                            a copy of each here)
//! data_dir/raw/ab/cdef…      raw messages of stores before packs (read only)
//! data_dir/files/ab/cdef…    attachments of stores before packs (read only)
//! ```
//!
//! A batch's bytes are written and synced before the transaction that
//! references them commits (see `store::blobs`): two syncs per batch.
//!
//! One connection does all the work, reads and writes. SQLite lets one writer
//! in at a time anyway; a second connection in the same process would only
//! wait on the lock. With one connection every write of the process is ordered
//! without SQLITE_BUSY, and every write transaction is BEGIN IMMEDIATE: it takes
//! the write lock before reading, so claiming a message or allocating a receipt
//! cannot race another process (a staff command) that has the same file open.
//!
//! WAL lets staff tools read while the daemon writes. `synchronous=NORMAL`:
//! in WAL mode a commit then survives a crash of the process (the case a
//! daemon under systemd meets), and the database is never corrupted; only a
//! power cut or OS crash may lose the last commits since a checkpoint. The
//! mailbox still holds those messages, so they are claimed again; the cost
//! is at worst an answer sent twice, against an fsync per commit saved.
//!
//! The writes made for every message use no `RETURNING`: SQLite collects its
//! rows in a temporary table, opened and closed for every statement, which was
//! ~2.5% of the intake's CPU. An INSERT takes its new id from
//! `last_insert_rowid` (every table's `id` is its rowid), and an UPDATE is
//! followed by a SELECT.
//!
//! Lookups made once per message outside a write transaction run together in
//! one read transaction ([`in_one_read`]): an autocommit SELECT takes and
//! drops the file locks itself, ~3 µs more per lookup.

mod applications;
mod blob_index;
mod convert;
mod filing;
mod messages;
mod migrate;
mod outbox;
mod staff;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::Connection;

use super::Store;
use super::blobs::{LooseFiles, Packs};
use super::error::{StoreError, StoreResult};
use super::filing::{
    Bounce, Claim, Filed, Filing, IncomingMessage, OutgoingAnswer, RenderMany, attachment_bytes,
};
use super::model::{AnswerKey, ApplicationKey, ContentHash, MessageKey};
use super::records::{
    ApplicationFilter, ApplicationRecord, AttachmentRecord, CategoryCount, DeliveryFailure,
    DigestRecord, DigestSlot, MailboxHealth, MailboxState, MessageRecord, OutboxEntry,
    OutboxFilter, PollOutcome, Recovered, StoreOptions, VersionRecord,
};

/// How long a write waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Prepared statements kept: every statement of a claim and a filing stays prepared.
const STATEMENT_CACHE: usize = 64;
/// WAL pages (4 KiB) after which a commit checkpoints: a 16 MB WAL at most, between them.
const WAL_CHECKPOINT_PAGES: i64 = 4096;

pub struct SqliteStore {
    conn: Connection,
    packs: Packs,
    /// Blobs of stores written before packs.
    loose_raw: LooseFiles,
    loose_files: LooseFiles,
    options: StoreOptions,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path, options: StoreOptions) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(Self::database_path(data_dir))?;
        // busy_timeout first: even switching to WAL needs the lock.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let journal_mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Schema(format!(
                "could not switch to WAL mode (got {journal_mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Each checkpoint syncs the WAL and the database: at SQLite's default of
        // 1,000 pages that was ~11 checkpoints (22 fsyncs) per 1,000 mails filed,
        // on the thread every filing waits for.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrate::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn,
            packs: Packs::new(data_dir.join("packs")),
            loose_raw: LooseFiles::new(data_dir.join("raw")),
            loose_files: LooseFiles::new(data_dir.join("files")),
            options,
        })
    }

    pub fn database_path(data_dir: &Path) -> PathBuf {
        data_dir.join("shenbao.sqlite3")
    }
}

impl Store for SqliteStore {
    fn claim(&mut self, message: &IncomingMessage<'_>, now: Timestamp) -> StoreResult<Claim> {
        self.claim_many(std::slice::from_ref(message), now)?
            .pop()
            .ok_or_else(|| StoreError::Invalid("claiming one message returned nothing".into()))
    }

    fn claim_many(
        &mut self,
        messages: &[IncomingMessage<'_>],
        now: Timestamp,
    ) -> StoreResult<Vec<Claim>> {
        messages::claim_many(
            &mut self.conn,
            &self.packs,
            messages,
            now,
            self.options.max_attempts,
        )
    }

    fn fail(&mut self, message: MessageKey, error: &str) -> StoreResult<u32> {
        messages::fail(&mut self.conn, message, error)
    }

    fn recover_interrupted(&mut self) -> StoreResult<Recovered> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let interrupted = messages::requeue_interrupted(&tx)?;
        let recovered = Recovered {
            messages_requeued: interrupted.requeued,
            messages_charged: interrupted.charged,
            answers: outbox::requeue_interrupted(&tx)?,
        };
        tx.commit()?;
        Ok(recovered)
    }

    fn messages(&self) -> StoreResult<Vec<MessageRecord>> {
        messages::list(&self.conn, messages::Which::All, self.options.max_attempts)
    }

    fn retryable_messages(&self) -> StoreResult<Vec<MessageRecord>> {
        messages::list(
            &self.conn,
            messages::Which::Retryable,
            self.options.max_attempts,
        )
    }

    fn failed_messages(&self) -> StoreResult<Vec<MessageRecord>> {
        messages::list(
            &self.conn,
            messages::Which::GaveUp,
            self.options.max_attempts,
        )
    }

    fn attachments(&self, message: MessageKey) -> StoreResult<Vec<AttachmentRecord>> {
        applications::attachments_of_message(&self.conn, message)
    }

    fn read_raw(&self, sha256: &ContentHash) -> StoreResult<Vec<u8>> {
        blob_index::read(&self.conn, &self.packs, &self.loose_raw, sha256)
    }

    fn read_attachment(&self, attachment: &AttachmentRecord) -> StoreResult<Vec<u8>> {
        let sha256 = &attachment.sha256;
        // Stores before kept a copy of each attachment (in a pack, or a loose file).
        let kept = blob_index::read_if_stored(&self.conn, &self.packs, &self.loose_files, sha256)?;
        if let Some(bytes) = kept {
            return Ok(bytes);
        }
        let raw = self.read_raw(&messages::raw_sha256(&self.conn, attachment.message)?)?;
        attachment_bytes(&raw, sha256).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "attachment {} ({sha256}) is not in the bytes of message {}",
                attachment.key.0, attachment.message.0
            ))
        })
    }

    fn mailbox_state(&self, mailbox: &str) -> StoreResult<Option<MailboxState>> {
        messages::mailbox_state(&self.conn, mailbox)
    }

    fn record_mailbox_state(&mut self, mailbox: &str, state: MailboxState) -> StoreResult<()> {
        messages::record_mailbox_state(&self.conn, mailbox, state)
    }

    fn file_many(&mut self, filings: &[Filing], render: RenderMany<'_>) -> StoreResult<Vec<Filed>> {
        let prefix = &self.options.receipt_prefix;
        filing::file_many(&mut self.conn, &self.packs, prefix, filings, render)
    }

    fn application_by_receipt(&self, receipt: &str) -> StoreResult<Option<ApplicationRecord>> {
        applications::by_receipt(&self.conn, receipt)
    }

    fn applications_by_notice_message_id(
        &self,
        message_id: &str,
    ) -> StoreResult<Vec<ApplicationRecord>> {
        applications::by_notice_message_id(&self.conn, message_id)
    }

    fn applications(&self, filter: &ApplicationFilter) -> StoreResult<Vec<ApplicationRecord>> {
        applications::list(&self.conn, filter)
    }

    fn application_versions(&self, application: ApplicationKey) -> StoreResult<Vec<VersionRecord>> {
        applications::versions(&self.conn, application)
    }

    fn evidence(&self, application: ApplicationKey) -> StoreResult<Vec<AttachmentRecord>> {
        applications::evidence(&self.conn, application)
    }

    fn counts(&self, call_id: &str) -> StoreResult<Vec<CategoryCount>> {
        applications::counts(&self.conn, call_id)
    }

    fn record_delivery_failure(&mut self, bounce: &Bounce) -> StoreResult<Vec<ApplicationKey>> {
        outbox::record_delivery_failure(&mut self.conn, bounce)
    }

    fn delivery_failures(&self, application: ApplicationKey) -> StoreResult<Vec<DeliveryFailure>> {
        outbox::delivery_failures(&self.conn, application)
    }

    fn enqueue(
        &mut self,
        answer: &OutgoingAnswer,
        regarding: Option<MessageKey>,
        now: Timestamp,
    ) -> StoreResult<AnswerKey> {
        // The bytes first, as for a batch: a rollback leaves only an unreferenced pack.
        let written =
            blob_index::write_unstored(&self.conn, &self.packs, &[outbox::blob_of(answer)])?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        blob_index::record(&tx, &written)?;
        let key = outbox::insert(&tx, answer, regarding, now)?;
        tx.commit()?;
        Ok(key)
    }

    fn due_answers(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
        outbox::due(&self.conn, &self.packs, now, limit)
    }

    fn mark_sending(&mut self, answer: AnswerKey) -> StoreResult<()> {
        outbox::mark_sending(&self.conn, answer)
    }

    fn mark_sent(&mut self, answer: AnswerKey, at: Timestamp) -> StoreResult<()> {
        outbox::mark_sent(&self.conn, answer, at)
    }

    fn mark_retry(
        &mut self,
        answer: AnswerKey,
        next_at: Timestamp,
        error: &str,
    ) -> StoreResult<()> {
        outbox::mark_retry(&self.conn, answer, next_at, error)
    }

    fn mark_failed(&mut self, answer: AnswerKey, error: &str) -> StoreResult<()> {
        outbox::mark_failed(&self.conn, answer, error)
    }

    fn answers_to_each(&self, recipients: &[&str], since: Timestamp) -> StoreResult<Vec<u32>> {
        in_one_read(&self.conn, |conn| {
            recipients
                .iter()
                .map(|recipient| outbox::answers_to(conn, recipient, since))
                .collect()
        })
    }

    fn outbox(&self, filter: &OutboxFilter) -> StoreResult<Vec<OutboxEntry>> {
        outbox::list(&self.conn, &self.packs, filter)
    }

    fn queue_digest(
        &mut self,
        slot: Option<&DigestSlot>,
        answers: &[OutgoingAnswer],
        now: Timestamp,
    ) -> StoreResult<Option<Vec<AnswerKey>>> {
        staff::queue_digest(&mut self.conn, &self.packs, slot, answers, now)
    }

    fn last_digest(&self) -> StoreResult<Option<DigestRecord>> {
        staff::last_digest(&self.conn)
    }

    fn last_digest_slot(&self) -> StoreResult<Option<DigestSlot>> {
        staff::last_digest_slot(&self.conn)
    }

    fn record_poll(
        &mut self,
        mailbox: &str,
        outcome: &PollOutcome,
        at: Timestamp,
    ) -> StoreResult<()> {
        staff::record_poll(&self.conn, mailbox, outcome, at)
    }

    fn mailbox_health(&self) -> StoreResult<Vec<MailboxHealth>> {
        staff::mailbox_health(&self.conn)
    }
}

/// `read` in one read transaction, unless `conn` is already in a transaction.
pub(super) fn in_one_read<T>(
    conn: &Connection,
    read: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    if !conn.is_autocommit() {
        return read(conn);
    }
    let reading = conn.unchecked_transaction()?;
    let value = read(&reading)?;
    reading.commit()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> StoreOptions {
        StoreOptions {
            receipt_prefix: "CZKX".to_string(),
            max_attempts: 3,
        }
    }

    #[test]
    fn opens_in_wal_mode_with_normal_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), options()).unwrap();
        let pragma = |name: &str| -> String {
            store
                .conn
                .pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
                .map(|value| format!("{value:?}"))
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
        // 1 is NORMAL.
        assert_eq!(pragma("synchronous"), "Integer(1)");
        assert_eq!(pragma("foreign_keys"), "Integer(1)");
        assert_eq!(pragma("busy_timeout"), "Integer(10000)");
        assert_eq!(pragma("wal_autocheckpoint"), "Integer(4096)");
    }

    #[test]
    fn the_store_can_move_to_a_blocking_thread_as_a_trait_object() {
        fn assert_send<T: Send>(_: &T) {}
        let dir = tempfile::tempdir().unwrap();
        let store: Box<dyn Store> = Box::new(SqliteStore::open(dir.path(), options()).unwrap());
        assert_send(&store);
        let listed = std::thread::spawn(move || store.messages().map(|m| m.len()))
            .join()
            .unwrap();
        assert_eq!(listed.unwrap(), 0);
    }
}
