//! A store whose filing fails for messages carrying an attachment named
//! `poison.pdf` while `poisoned` is set; everything else goes to SQLite.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::Timestamp;
use shenbao::store::*;

pub const POISON: &str = "poison.pdf";

pub struct FlakyStore {
    pub inner: SqliteStore,
    pub poisoned: Arc<AtomicBool>,
}

impl Store for FlakyStore {
    fn claim(&mut self, message: &IncomingMessage<'_>, now: Timestamp) -> StoreResult<Claim> {
        self.inner.claim(message, now)
    }
    fn fail(&mut self, message: MessageKey, error: &str) -> StoreResult<u32> {
        self.inner.fail(message, error)
    }
    fn recover_interrupted(&mut self) -> StoreResult<Recovered> {
        self.inner.recover_interrupted()
    }
    fn messages(&self) -> StoreResult<Vec<MessageRecord>> {
        self.inner.messages()
    }
    fn retryable_messages(&self) -> StoreResult<Vec<MessageRecord>> {
        self.inner.retryable_messages()
    }
    fn failed_messages(&self) -> StoreResult<Vec<MessageRecord>> {
        self.inner.failed_messages()
    }
    fn attachments(&self, message: MessageKey) -> StoreResult<Vec<AttachmentRecord>> {
        self.inner.attachments(message)
    }
    fn read_raw(&self, sha256: &ContentHash) -> StoreResult<Vec<u8>> {
        self.inner.read_raw(sha256)
    }
    fn read_attachment(&self, attachment: &AttachmentRecord) -> StoreResult<Vec<u8>> {
        self.inner.read_attachment(attachment)
    }
    fn mailbox_state(&self, mailbox: &str) -> StoreResult<Option<MailboxState>> {
        self.inner.mailbox_state(mailbox)
    }
    fn record_mailbox_state(&mut self, mailbox: &str, state: MailboxState) -> StoreResult<()> {
        self.inner.record_mailbox_state(mailbox, state)
    }
    fn file_many(&mut self, filings: &[Filing], render: RenderMany<'_>) -> StoreResult<Vec<Filed>> {
        let poisoned = filings.iter().any(|filing| {
            filing
                .attachments
                .iter()
                .any(|a| a.filename.as_deref() == Some(POISON))
        });
        if poisoned && self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Invalid("poisoned filing".into()));
        }
        self.inner.file_many(filings, render)
    }
    fn application_by_receipt(&self, receipt: &str) -> StoreResult<Option<ApplicationRecord>> {
        self.inner.application_by_receipt(receipt)
    }
    fn applications_by_notice_message_id(
        &self,
        message_id: &str,
    ) -> StoreResult<Vec<ApplicationRecord>> {
        self.inner.applications_by_notice_message_id(message_id)
    }
    fn applications(&self, filter: &ApplicationFilter) -> StoreResult<Vec<ApplicationRecord>> {
        self.inner.applications(filter)
    }
    fn application_versions(&self, application: ApplicationKey) -> StoreResult<Vec<VersionRecord>> {
        self.inner.application_versions(application)
    }
    fn evidence(&self, application: ApplicationKey) -> StoreResult<Vec<AttachmentRecord>> {
        self.inner.evidence(application)
    }
    fn counts(&self, call_id: &str) -> StoreResult<Vec<CategoryCount>> {
        self.inner.counts(call_id)
    }
    fn record_delivery_failure(&mut self, bounce: &Bounce) -> StoreResult<Vec<ApplicationKey>> {
        self.inner.record_delivery_failure(bounce)
    }
    fn delivery_failures(&self, application: ApplicationKey) -> StoreResult<Vec<DeliveryFailure>> {
        self.inner.delivery_failures(application)
    }
    fn enqueue(
        &mut self,
        answer: &OutgoingAnswer,
        regarding: Option<MessageKey>,
        now: Timestamp,
    ) -> StoreResult<AnswerKey> {
        self.inner.enqueue(answer, regarding, now)
    }
    fn due_answers(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
        self.inner.due_answers(now, limit)
    }
    fn mark_sending(&mut self, answer: AnswerKey) -> StoreResult<()> {
        self.inner.mark_sending(answer)
    }
    fn mark_sent(&mut self, answer: AnswerKey, at: Timestamp) -> StoreResult<()> {
        self.inner.mark_sent(answer, at)
    }
    fn mark_retry(
        &mut self,
        answer: AnswerKey,
        next_at: Timestamp,
        error: &str,
    ) -> StoreResult<()> {
        self.inner.mark_retry(answer, next_at, error)
    }
    fn mark_failed(&mut self, answer: AnswerKey, error: &str) -> StoreResult<()> {
        self.inner.mark_failed(answer, error)
    }
    fn answers_to_each(&self, recipients: &[&str], since: Timestamp) -> StoreResult<Vec<u32>> {
        self.inner.answers_to_each(recipients, since)
    }
    fn outbox(&self, filter: &OutboxFilter) -> StoreResult<Vec<OutboxEntry>> {
        self.inner.outbox(filter)
    }
    fn queue_digest(
        &mut self,
        slot: Option<&DigestSlot>,
        answers: &[OutgoingAnswer],
        now: Timestamp,
    ) -> StoreResult<Option<Vec<AnswerKey>>> {
        self.inner.queue_digest(slot, answers, now)
    }
    fn last_digest(&self) -> StoreResult<Option<DigestRecord>> {
        self.inner.last_digest()
    }
    fn last_digest_slot(&self) -> StoreResult<Option<DigestSlot>> {
        self.inner.last_digest_slot()
    }
    fn record_poll(
        &mut self,
        mailbox: &str,
        outcome: &PollOutcome,
        at: Timestamp,
    ) -> StoreResult<()> {
        self.inner.record_poll(mailbox, outcome, at)
    }
    fn mailbox_health(&self) -> StoreResult<Vec<MailboxHealth>> {
        self.inner.mailbox_health()
    }
}
