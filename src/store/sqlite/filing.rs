//! Filing: one transaction that marks messages filed, inserts attachments,
//! applications, versions and deficiencies, allocates receipts and queues the
//! answers the render closure makes.
//!
//! The batch's answers go into one pack, written once they are rendered: they
//! quote the receipts, which exist only inside the transaction. The pack is
//! synced before the commit, so a committed row never names bytes that are not
//! on disk; a rollback or crash leaves at most a pack nobody references.
//!
//! An attachment's bytes are not written again: they are in its message's raw
//! bytes, kept since the claim, and [`crate::store::attachment_bytes`] takes
//! them out of it. A second copy in a pack, with its row in the random-keyed
//! `blobs` index, was a tenth of the intake's time for 10,000 mails.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::blob_index;
use super::convert::{found, size_to_sql, time_from_sql, time_to_sql};
use super::messages::wrong_message_state;
use super::outbox;
use crate::store::blobs::Packs;
use crate::store::error::{StoreError, StoreResult};
use crate::store::filing::{
    EvidenceLink, Filed, FiledApplication, Filing, NewApplication, RenderMany,
};
use crate::store::model::{
    ApplicationKey, AttachmentKey, AttachmentRole, ContentHash, MessageKey, VersionKey,
};
use crate::verdict::Deficiency;

pub fn file_many(
    conn: &mut Connection,
    packs: &Packs,
    receipt_prefix: &str,
    filings: &[Filing],
    render: RenderMany<'_>,
) -> StoreResult<Vec<Filed>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut receipts = ReceiptSequences::new(receipt_prefix);
    let mut all_filed = filings
        .iter()
        .map(|filing| file_one(&tx, &mut receipts, filing))
        .collect::<StoreResult<Vec<Filed>>>()?;
    receipts.save(&tx)?;
    let pairs: Vec<(&Filing, &Filed)> = filings.iter().zip(&all_filed).collect();
    let answers = render(&pairs).map_err(StoreError::Render)?;
    if answers.len() != filings.len() {
        return Err(StoreError::Invalid(format!(
            "{} filings were rendered into {} lists of answers",
            filings.len(),
            answers.len()
        )));
    }
    // One pack and two syncs for the batch, inside the transaction (see the module doc).
    let blobs: Vec<(ContentHash, &[u8])> = answers.iter().flatten().map(outbox::blob_of).collect();
    let written = blob_index::write_unstored(&tx, packs, &blobs)?;
    blob_index::record(&tx, &written)?;
    for ((filing, filed), answers) in filings.iter().zip(&mut all_filed).zip(&answers) {
        for answer in answers {
            let key = outbox::insert(&tx, answer, Some(filing.message), filing.filed_at)?;
            filed.answers.push(key);
        }
    }
    tx.commit()?;
    Ok(all_filed)
}

/// Everything of one filing but the answers.
fn file_one(
    tx: &Transaction<'_>,
    receipts: &mut ReceiptSequences<'_>,
    filing: &Filing,
) -> StoreResult<Filed> {
    let received_at = mark_filed(tx, filing)?;
    let mut attachments = Vec::with_capacity(filing.attachments.len());
    for (position, attachment) in filing.attachments.iter().enumerate() {
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO attachments (message, position, filename, content_type, sha256,
                                          size, role)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .insert(params![
                filing.message.0,
                size_to_sql(position)?,
                attachment.filename,
                attachment.content_type,
                attachment.sha256().to_hex(),
                size_to_sql(attachment.size())?,
                attachment.role.as_str(),
            ])?;
        attachments.push(AttachmentKey(id));
    }
    insert_deficiencies(tx, filing.message, None, &filing.deficiencies)?;
    let mut applications = Vec::with_capacity(filing.applications.len());
    for application in &filing.applications {
        let attachment = match application.attachment {
            None => None,
            Some(index) => Some(*attachments.get(index).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "application sheet {:?} names attachment {index} of {}",
                    application.sheet,
                    attachments.len()
                ))
            })?),
        };
        applications.push(file_version(
            tx,
            receipts,
            filing,
            application,
            attachment,
            received_at,
        )?);
    }
    let evidence_attachments: Vec<AttachmentKey> = filing
        .attachments
        .iter()
        .zip(&attachments)
        .filter(|(attachment, _)| attachment.role == AttachmentRole::Evidence)
        .map(|(_, key)| *key)
        .collect();
    let evidence = filing
        .evidence_for
        .iter()
        .map(|application| link_evidence(tx, *application, &evidence_attachments, filing.filed_at))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Filed {
        message: filing.message,
        attachments,
        applications,
        evidence,
        answers: Vec::new(),
    })
}

/// claimed → filed; returns the message's received_at. Filing twice fails here.
fn mark_filed(tx: &Transaction<'_>, filing: &Filing) -> StoreResult<Timestamp> {
    let n_changed = tx
        .prepare_cached(
            "UPDATE messages SET status = 'filed', filed_at = ?2, verdict = ?3, last_error = NULL
             WHERE id = ?1 AND status = 'claimed'",
        )?
        .execute(params![
            filing.message.0,
            time_to_sql(filing.filed_at),
            filing.status.as_str()
        ])?;
    if n_changed == 0 {
        return Err(wrong_message_state(tx, filing.message, "claimed"));
    }
    let received_at = tx
        .prepare_cached("SELECT received_at FROM messages WHERE id = ?1")?
        .query_row([filing.message.0], |row| row.get(0))?;
    time_from_sql(received_at)
}

/// Adds one version to its application, creating the application (and its
/// receipt) on first sight.
fn file_version(
    tx: &Transaction<'_>,
    receipts: &mut ReceiptSequences<'_>,
    filing: &Filing,
    application: &NewApplication,
    attachment: Option<AttachmentKey>,
    received_at: Timestamp,
) -> StoreResult<FiledApplication> {
    let (application_id, receipt, created) =
        find_or_create_application(tx, receipts, filing, application)?;
    let number: u32 = if created {
        1
    } else {
        tx.prepare_cached(
            "SELECT coalesce(max(number), 0) + 1 FROM application_versions WHERE application = ?1",
        )?
        .query_row([application_id], |row| row.get(0))?
    };
    let version_id: i64 = tx
        .prepare_cached(
            "INSERT INTO application_versions (application, number, message, attachment, sheet,
                                           fields, status, fingerprint, received_at, filed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .insert(params![
            application_id,
            number,
            filing.message.0,
            attachment.map(|key| key.0),
            application.sheet,
            application.fields_json,
            application.status.as_str(),
            application.fingerprint,
            time_to_sql(received_at),
            time_to_sql(filing.filed_at),
        ])?;
    insert_deficiencies(
        tx,
        filing.message,
        Some(version_id),
        &application.deficiencies,
    )?;
    // The latest received wins (ties: the later filed), unless the version may not replace.
    let n_changed = tx
        .prepare_cached(
            "UPDATE applications SET current_version = ?2
         WHERE id = ?1 AND (
             current_version IS NULL
             OR (?3 AND (SELECT received_at FROM application_versions
                         WHERE id = applications.current_version) <= ?4))",
        )?
        .execute(params![
            application_id,
            version_id,
            application.may_replace,
            time_to_sql(received_at)
        ])?;
    Ok(FiledApplication {
        application: ApplicationKey(application_id),
        version: VersionKey(version_id),
        version_number: number,
        receipt,
        is_current: n_changed == 1,
    })
}

/// The application's id and receipt, and whether it was created now.
fn find_or_create_application(
    tx: &Transaction<'_>,
    receipts: &mut ReceiptSequences<'_>,
    filing: &Filing,
    application: &NewApplication,
) -> StoreResult<(i64, String, bool)> {
    let existing: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, receipt FROM applications
             WHERE call_id = ?1 AND society = ?2 AND category = ?3 AND project_key = ?4",
        )?
        .query_row(
            params![
                filing.call_id,
                application.society,
                application.category,
                application.project_key
            ],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((id, receipt)) = existing {
        return Ok((id, receipt, false));
    }
    let receipt = receipts.next(tx, &filing.call_id)?;
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO applications (call_id, society, category, project_key, receipt,
                                       created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .insert(params![
            filing.call_id,
            application.society,
            application.category,
            application.project_key,
            receipt,
            time_to_sql(filing.filed_at),
        ])?;
    Ok((id, receipt, true))
}

/// Receipt numbers handed out in one filing transaction, e.g. `CZKX2020-0001`.
///
/// Each call's last number is read once and written back once, before the commit
/// ([`ReceiptSequences::save`]), not read and written per application: two statements
/// fewer per new application. The transaction is `IMMEDIATE`, so no other writer can
/// take a number meanwhile, and a rollback gives every number back: no holes.
struct ReceiptSequences<'p> {
    prefix: &'p str,
    /// Per call that handed out a number: the last one so far.
    last: Vec<(String, i64)>,
}

impl<'p> ReceiptSequences<'p> {
    fn new(prefix: &'p str) -> ReceiptSequences<'p> {
        ReceiptSequences {
            prefix,
            last: Vec::new(),
        }
    }

    fn next(&mut self, tx: &Transaction<'_>, call_id: &str) -> StoreResult<String> {
        let index = match self.last.iter().position(|(call, _)| call == call_id) {
            Some(index) => index,
            None => {
                let stored: Option<i64> = tx
                    .prepare_cached("SELECT last FROM receipt_sequences WHERE call_id = ?1")?
                    .query_row([call_id], |row| row.get(0))
                    .optional()?;
                self.last.push((call_id.to_string(), stored.unwrap_or(0)));
                self.last.len() - 1
            }
        };
        let last = &mut self.last[index].1;
        *last += 1;
        Ok(format_receipt(self.prefix, call_id, *last))
    }

    /// Writes back the last number of every call that handed one out.
    fn save(&self, tx: &Transaction<'_>) -> StoreResult<()> {
        for (call_id, last) in &self.last {
            tx.prepare_cached(
                "INSERT INTO receipt_sequences (call_id, last) VALUES (?1, ?2)
                 ON CONFLICT (call_id) DO UPDATE SET last = excluded.last",
            )?
            .execute(params![call_id, last])?;
        }
        Ok(())
    }
}

pub fn format_receipt(prefix: &str, call_id: &str, sequence: i64) -> String {
    format!("{prefix}{call_id}-{sequence:04}")
}

fn insert_deficiencies(
    tx: &Transaction<'_>,
    message: MessageKey,
    version: Option<i64>,
    deficiencies: &[Deficiency],
) -> StoreResult<()> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO deficiencies (message, version, position, code, severity, field, cell, text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (position, deficiency) in deficiencies.iter().enumerate() {
        statement.execute(params![
            message.0,
            version,
            size_to_sql(position)?,
            deficiency.code.as_str(),
            deficiency.code.severity().as_str(),
            deficiency.field,
            deficiency.cell,
            deficiency.message,
        ])?;
    }
    Ok(())
}

fn link_evidence(
    tx: &Transaction<'_>,
    application: ApplicationKey,
    attachments: &[AttachmentKey],
    at: Timestamp,
) -> StoreResult<EvidenceLink> {
    let receipt: Option<String> = tx
        .prepare_cached("SELECT receipt FROM applications WHERE id = ?1")?
        .query_row([application.0], |row| row.get(0))
        .optional()?;
    let receipt = found(receipt, "application", application.0)?;
    for attachment in attachments {
        tx.prepare_cached(
            "INSERT INTO evidence_links (application, attachment, linked_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![application.0, attachment.0, time_to_sql(at)])?;
    }
    Ok(EvidenceLink {
        application,
        receipt,
        n_attachments: attachments.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::format_receipt;

    #[test]
    fn receipts_are_prefix_call_and_four_digits() {
        assert_eq!(format_receipt("CZKX", "2020", 1), "CZKX2020-0001");
        assert_eq!(format_receipt("CZKX", "2020", 12345), "CZKX2020-12345");
    }
}
