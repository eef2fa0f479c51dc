//! A checked message → what the store files ([`Filing`]) and what its answer
//! needs once the receipts exist ([`AnswerPlan`]). Pure: the store's facts
//! about earlier applications come in as [`ReplyFacts`].
//!
//! An application is keyed (society, category, project key): the society by
//! its roster name (as written when the roster does not know it), the project
//! key the normalized project name for `per_project` categories and `""`
//! otherwise, so a corrected form for the same application becomes its next
//! version. Each version carries the message-level deficiencies too (a
//! missing piece of evidence makes the application deficient, not only the
//! mail), so its status is the one staff act on.

use jiff::Timestamp;

use super::replies::{self, ReplyFacts};
use crate::config::{Call, Roster};
use crate::message::ParsedMessage;
use crate::notice::fingerprint;
use crate::process::{Checked, Role, has_code};
use crate::report;
use crate::rules::keys;
use crate::store::{AttachmentRole, Filing, MessageKey, NewApplication, NewAttachment};
use crate::text::normalize_label;
use crate::verdict::{ApplicationVerdict, Code, FieldValue, Status, Verdict};

/// One message, ready to file.
#[derive(Debug, Clone)]
pub struct Plan {
    pub filing: Filing,
    pub answer: AnswerPlan,
    /// For a delivery report: the Message-IDs of our answers that bounced.
    pub bounced: Vec<String>,
}

/// What the answer says, waiting for the receipts the filing allocates.
#[derive(Debug, Clone)]
pub struct AnswerPlan {
    /// The verdict as answered: the message's own applications first, then the
    /// earlier applications this message completed (one per filed application).
    pub verdict: Verdict,
    /// How many of `verdict.applications` came from forms in this message.
    pub n_own: usize,
    /// The message's headers (no attachments, no bodies), to address the answer.
    pub headers: Option<ParsedMessage>,
}

impl AnswerPlan {
    /// True when the answer reports evidence completing an earlier application.
    pub fn completes_a_file(&self) -> bool {
        self.verdict.applications.len() > self.n_own
    }
}

/// What identifies an application across versions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApplicationIdentity {
    pub society: String,
    pub category: String,
    pub project_key: String,
}

/// Everything `plan` needs besides the checked message.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub message: MessageKey,
    pub call: &'a Call,
    pub roster: &'a Roster,
    pub replies: &'a ReplyFacts,
    pub filed_at: Timestamp,
}

/// Turns a checked message into its filing and answer plan.
pub fn plan(checked: Checked, input: PlanInput<'_>) -> Plan {
    let Checked {
        message,
        roles,
        mut verdict,
    } = checked;
    let identities: Vec<ApplicationIdentity> = verdict
        .applications
        .iter()
        .map(|application| identity(application, input.call, input.roster))
        .collect();
    let brings_evidence = roles.contains(&Role::Evidence);
    replies::adjust_verdict(&mut verdict, input.replies, &identities, brings_evidence);
    let late = has_code(&verdict, Code::LateSubmission);

    let mut applications: Vec<NewApplication> = verdict
        .applications
        .iter()
        .zip(identities.iter().cloned())
        .enumerate()
        .map(|(index, (application, identity))| NewApplication {
            society: identity.society,
            category: identity.category,
            project_key: identity.project_key,
            attachment: attachment_of(&roles, index),
            sheet: application.sheet.clone(),
            // As `check --json` writes it.
            fields_json: report::json::fields(application).to_string(),
            status: application.status.max(Status::of(&verdict.deficiencies)),
            fingerprint: fingerprint(&application.fields),
            deficiencies: application
                .deficiencies
                .iter()
                .chain(&verdict.deficiencies)
                .cloned()
                .collect(),
            // A late resubmission is kept but never displaces an earlier version (rule 9).
            may_replace: !late,
        })
        .collect();
    let n_own = applications.len();

    // Evidence is due by the deadline too: late evidence is linked for staff, completes nothing.
    if brings_evidence && !late {
        for completion in replies::completions(input.replies, &identities) {
            applications.push(completion.version);
            verdict.applications.push(completion.answered);
        }
    }
    verdict.settle_status();

    let (attachments, headers) = split_message(message, &roles);
    let bounced = headers
        .as_ref()
        .filter(|h| h.is_delivery_report)
        .map(|h| h.bounced_message_ids.clone())
        .unwrap_or_default();
    let evidence_for = if brings_evidence {
        input.replies.applications.iter().map(|a| a.key).collect()
    } else {
        Vec::new()
    };
    Plan {
        filing: Filing {
            message: input.message,
            call_id: input.call.id.clone(),
            filed_at: input.filed_at,
            status: verdict.status,
            deficiencies: verdict.deficiencies.clone(),
            attachments,
            applications,
            evidence_for,
        },
        answer: AnswerPlan {
            verdict,
            n_own,
            headers,
        },
        bounced,
    }
}

/// The application's key parts, as the store matches versions.
pub fn identity(
    application: &ApplicationVerdict,
    call: &Call,
    roster: &Roster,
) -> ApplicationIdentity {
    let text = |key: &str| {
        application
            .field(key)
            .and_then(FieldValue::as_text)
            .map(str::trim)
            .unwrap_or("")
    };
    let written_society = text(keys::SOCIETY);
    let society = roster
        .by_name(written_society)
        .map_or_else(|| written_society.to_string(), |s| s.name.clone());
    let category = text(keys::CATEGORY).to_string();
    let per_project = call.category(&category).is_some_and(|c| c.per_project);
    let project_key = if per_project {
        normalize_label(text(keys::PROJECT_NAME))
    } else {
        String::new()
    };
    ApplicationIdentity {
        society,
        category,
        project_key,
    }
}

/// The index of the workbook holding application `index`.
fn attachment_of(roles: &[Role], index: usize) -> Option<usize> {
    roles.iter().position(|role| match role {
        Role::Form { applications } => applications.contains(&index),
        _ => false,
    })
}

/// Moves the attachments out (with their roles) and keeps the headers for the answer.
fn split_message(
    message: Option<ParsedMessage>,
    roles: &[Role],
) -> (Vec<NewAttachment>, Option<ParsedMessage>) {
    let Some(mut message) = message else {
        return (Vec::new(), None);
    };
    let attachments = std::mem::take(&mut message.attachments)
        .into_iter()
        .enumerate()
        .map(|(index, attachment)| {
            let role = match roles.get(index) {
                Some(Role::Form { .. }) => AttachmentRole::Form,
                Some(Role::Evidence) => AttachmentRole::Evidence,
                Some(Role::Unreadable) => AttachmentRole::Unreadable,
                Some(Role::Ignored) | None => AttachmentRole::Ignored,
            };
            NewAttachment::new(
                attachment.filename,
                attachment.content_type,
                role,
                &attachment.bytes,
            )
        })
        .collect();
    message.text_body = String::new();
    message.html_body = String::new();
    (attachments, Some(message))
}

#[cfg(test)]
#[path = "filing_tests.rs"]
mod tests;
