//! Replies to our answers: which earlier applications a message belongs to,
//! and what that changes.
//!
//! A message belongs to the applications of one of our answers when its
//! `In-Reply-To`/`References` name that answer's Message-ID, or when its
//! subject carries a receipt number (applicants are asked to keep it). Then:
//!
//! - its evidence attachments are linked to those applications;
//! - an application whose current version lacked only evidence gets a new
//!   version with the same fields, `missing_evidence` gone, and the answer
//!   says the file is complete;
//! - a reply bringing evidence but no form is not `no_form_found`, and a reply
//!   whose applications already have evidence on file is not `missing_evidence`.
//!
//! A corrected form needs nothing here: the same key makes it the next version.

use std::collections::HashSet;

use regex::Regex;

use super::filing::ApplicationIdentity;
use crate::message::ParsedMessage;
use crate::store::{ApplicationKey, ApplicationRecord, NewApplication, Store, StoreResult};
use crate::verdict::{ApplicationVerdict, Code, FieldValue, Status, Verdict};

/// What the store knows about the applications a message replies to.
#[derive(Debug, Clone, Default)]
pub struct ReplyFacts {
    /// Each with its current version; empty when the message is no reply of ours.
    pub applications: Vec<ApplicationRecord>,
    /// Those of them that already have evidence in the store.
    pub with_evidence: HashSet<ApplicationKey>,
}

impl ReplyFacts {
    pub fn is_reply(&self) -> bool {
        !self.applications.is_empty()
    }
}

/// Finds receipt numbers of one call in a subject, e.g. `CZKX2020-0007`.
#[derive(Debug, Clone)]
pub struct ReceiptPattern {
    pattern: Regex,
    call_id: String,
}

impl ReceiptPattern {
    pub fn new(prefix: &str, call_id: &str) -> ReceiptPattern {
        let pattern = format!(
            r"{}{}-[0-9]{{4,}}",
            regex::escape(prefix),
            regex::escape(call_id)
        );
        ReceiptPattern {
            // Escaped literals and a digit class: this pattern always compiles.
            pattern: Regex::new(&pattern).unwrap_or_else(|_| Regex::new("$^").expect("valid")),
            call_id: call_id.to_string(),
        }
    }

    pub fn find_all<'t>(&self, text: &'t str) -> Vec<&'t str> {
        self.pattern.find_iter(text).map(|m| m.as_str()).collect()
    }
}

/// False when `headers` cannot refer to anything of ours (no In-Reply-To or References,
/// no receipt number in the subject): [`lookup`] would find nothing.
pub fn may_refer(headers: &ParsedMessage, receipts: &ReceiptPattern) -> bool {
    !headers.in_reply_to.is_empty()
        || !headers.references.is_empty()
        || receipts.pattern.is_match(&headers.subject)
}

/// Looks up the applications `headers` refer to (see the module doc).
pub fn lookup(
    store: &dyn Store,
    headers: &ParsedMessage,
    receipts: &ReceiptPattern,
) -> StoreResult<ReplyFacts> {
    let mut applications: Vec<ApplicationRecord> = Vec::new();
    let mut add = |record: ApplicationRecord| {
        if record.call_id == receipts.call_id
            && !applications.iter().any(|known| known.key == record.key)
        {
            applications.push(record);
        }
    };
    for id in headers.in_reply_to.iter().chain(&headers.references) {
        for record in store.applications_by_notice_message_id(id)? {
            add(record);
        }
    }
    for receipt in receipts.find_all(&headers.subject) {
        if let Some(record) = store.application_by_receipt(receipt)? {
            add(record);
        }
    }
    let mut with_evidence = HashSet::new();
    for record in &applications {
        if !store.evidence(record.key)?.is_empty() {
            with_evidence.insert(record.key);
        }
    }
    Ok(ReplyFacts {
        applications,
        with_evidence,
    })
}

/// Drops what a reply does not owe: `no_form_found` when it brings evidence,
/// `missing_evidence` when its applications have evidence on file.
pub(super) fn adjust_verdict(
    verdict: &mut Verdict,
    facts: &ReplyFacts,
    identities: &[ApplicationIdentity],
    brings_evidence: bool,
) {
    if !facts.is_reply() {
        return;
    }
    let has_evidence_on_file = |identity: &ApplicationIdentity| {
        facts.applications.iter().any(|record| {
            same_application(record, identity) && facts.with_evidence.contains(&record.key)
        })
    };
    let evidence_on_file = if identities.is_empty() {
        facts
            .applications
            .iter()
            .all(|record| facts.with_evidence.contains(&record.key))
    } else {
        identities.iter().all(has_evidence_on_file)
    };
    verdict
        .deficiencies
        .retain(|deficiency| match deficiency.code {
            Code::NoFormFound => !brings_evidence,
            Code::MissingEvidence => !evidence_on_file,
            _ => true,
        });
    verdict.settle_status();
}

/// A new version of an earlier application, completed by evidence in this message.
#[derive(Debug, Clone)]
pub(super) struct Completion {
    pub version: NewApplication,
    /// The same, as the answer shows it.
    pub answered: ApplicationVerdict,
}

/// New versions for the replied-to applications that lacked evidence, unless
/// this message also carries a form for them (that form is their next version).
pub(super) fn completions(facts: &ReplyFacts, own: &[ApplicationIdentity]) -> Vec<Completion> {
    facts
        .applications
        .iter()
        .filter(|record| {
            record
                .current
                .deficiencies
                .iter()
                .any(|d| d.code == Code::MissingEvidence)
        })
        .filter(|record| {
            !own.iter()
                .any(|identity| same_application(record, identity))
        })
        .map(complete)
        .collect()
}

fn complete(record: &ApplicationRecord) -> Completion {
    let current = &record.current;
    let deficiencies: Vec<_> = current
        .deficiencies
        .iter()
        .filter(|d| d.code != Code::MissingEvidence)
        .cloned()
        .collect();
    let status = Status::of(&deficiencies);
    Completion {
        version: NewApplication {
            society: record.society.clone(),
            category: record.category.clone(),
            project_key: record.project_key.clone(),
            attachment: None,
            sheet: current.sheet.clone(),
            fields_json: current.fields_json.clone(),
            status,
            fingerprint: current.fingerprint.clone(),
            deficiencies: deficiencies.clone(),
            may_replace: true,
        },
        answered: ApplicationVerdict {
            attachment: None,
            sheet: current.sheet.clone(),
            status,
            fields: fields_from_json(&current.fields_json),
            deficiencies,
        },
    }
}

fn same_application(record: &ApplicationRecord, identity: &ApplicationIdentity) -> bool {
    record.society == identity.society
        && record.category == identity.category
        && record.project_key == identity.project_key
}

/// The stored `fields` object back as values. Dates come back as text: they
/// show (and fingerprint) the same, which is all an answer needs of them.
fn fields_from_json(json: &str) -> Vec<(String, FieldValue)> {
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return Vec::new();
    };
    object
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                serde_json::Value::String(text) => FieldValue::Text(text),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(integer) => FieldValue::Integer(integer),
                    None => FieldValue::Text(n.to_string()),
                },
                other => FieldValue::Text(other.to_string()),
            };
            (key, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_of_the_call_are_found_in_a_subject() {
        let pattern = ReceiptPattern::new("CZKX", "2020");
        assert_eq!(
            pattern.find_all("回复：【需补正】CZKX2020-0007 常州市营养学会 / CZKX2020-12345"),
            ["CZKX2020-0007", "CZKX2020-12345"]
        );
        assert!(
            pattern
                .find_all("CZKX2019-0007 CZKX2020-07 CZKX2020-M0001")
                .is_empty()
        );
    }

    #[test]
    fn only_mail_naming_our_answers_or_receipts_may_refer_to_them() {
        let pattern = ReceiptPattern::new("CZKX", "2020");
        let plain = ParsedMessage {
            subject: "申报 CZKX2019-0007".to_string(),
            ..ParsedMessage::default()
        };
        assert!(!may_refer(&plain, &pattern));
        let receipt = ParsedMessage {
            subject: "回复：CZKX2020-0007".to_string(),
            ..ParsedMessage::default()
        };
        assert!(may_refer(&receipt, &pattern));
        let reply = ParsedMessage {
            in_reply_to: vec!["answer-1@shenbao".to_string()],
            ..ParsedMessage::default()
        };
        assert!(may_refer(&reply, &pattern));
        let referencing = ParsedMessage {
            references: vec!["answer-1@shenbao".to_string()],
            ..ParsedMessage::default()
        };
        assert!(may_refer(&referencing, &pattern));
    }

    #[test]
    fn stored_fields_come_back_with_the_same_fingerprint() {
        let fields = vec![
            (
                "society".to_string(),
                FieldValue::Text("常州市营养学会".into()),
            ),
            ("amount".to_string(), FieldValue::Integer(8000)),
            (
                "start_date".to_string(),
                FieldValue::Date(jiff::civil::date(2020, 5, 11)),
            ),
        ];
        let json = r#"{"society":"常州市营养学会","amount":8000,"start_date":"2020-05-11"}"#;
        let back = fields_from_json(json);
        assert_eq!(back.len(), 3);
        assert_eq!(
            crate::notice::fingerprint(&back),
            crate::notice::fingerprint(&fields)
        );
        assert!(fields_from_json("not json").is_empty());
    }
}
