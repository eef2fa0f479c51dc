//! The one answer every filed message gets: confirmation, deficiency notice,
//! late notice or "received, under review". Rendered inside the store's filing
//! transaction (the render closure), because it quotes receipt numbers that
//! exist only there; queued in that same transaction, so a filed message
//! always has its answer and an unfiled one never does. A batch's answers are
//! drafted on every core ([`Answering::draft`]) and then decided in order
//! ([`Answering::decide`]: the hourly limit counts in the batch's order).
//!
//! An answer that must not go out (RFC 3834: auto-replies, lists, bounces; our
//! own address; more than the hourly number to one sender) is still rendered
//! and kept, `suppressed` with the reason, so staff see what was not sent.

use std::cell::RefCell;
use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use super::filing::AnswerPlan;
use crate::config::Call;
use crate::config::settings::AnswerSettings;
use crate::message::ParsedMessage;
use crate::notice::{
    self, CallWording, ComposeError, NoticeContext, NoticeFacts, NoticeKind, Office, Outgoing,
    SuppressReason, TemplateError, Templates,
};
use crate::store::{
    AnswerKind, ApplicationKey, Filed, Filing, HashedBytes, OutgoingAnswer, RenderError,
};

/// Everything the answers need that does not change while the daemon runs.
#[derive(Debug)]
pub struct Answering {
    templates: Templates,
    wording: CallWording,
    office: Office,
    from: String,
    from_name: String,
    own_addresses: Vec<String>,
    max_per_sender_per_hour: u32,
    receipt_prefix: String,
    call_id: String,
    message_id_host: String,
}

/// How an answer came out, for the log line of its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerNote {
    pub kind: AnswerKind,
    /// The reason it is kept but not sent.
    pub suppressed: Option<String>,
    /// The receipt its subject carries.
    pub receipt: String,
}

/// Answers per recipient for the hourly limit: counted in the store before
/// the batch, plus those the batch queues itself.
#[derive(Debug, Default)]
pub struct RateCounts {
    before: HashMap<String, u32>,
    queued: RefCell<HashMap<String, u32>>,
}

impl RateCounts {
    pub fn new(before: HashMap<String, u32>) -> RateCounts {
        RateCounts {
            before,
            queued: RefCell::default(),
        }
    }

    fn count(&self, recipient: &str) -> u32 {
        self.before.get(recipient).copied().unwrap_or(0)
            + self.queued.borrow().get(recipient).copied().unwrap_or(0)
    }

    fn add(&self, recipient: &str) {
        *self
            .queued
            .borrow_mut()
            .entry(recipient.to_string())
            .or_default() += 1;
    }
}

impl Answering {
    /// Loads the templates (a broken one stops start-up, naming the file).
    pub fn new(
        settings: &AnswerSettings,
        from: &str,
        call: &Call,
        receipt_prefix: &str,
    ) -> Result<Answering, TemplateError> {
        let from = from.trim().to_string();
        let message_id_host = from
            .rsplit_once('@')
            .map_or("shenbao.invalid", |(_, domain)| domain)
            .to_string();
        Ok(Answering {
            templates: Templates::load(&settings.templates)?,
            wording: CallWording::from_call(call),
            office: Office {
                organization: settings.organization.clone(),
                reply_address: settings.reply_address.clone(),
                phone: settings.phone.clone(),
            },
            from,
            from_name: settings.from_name.clone(),
            own_addresses: settings.own_addresses.clone(),
            max_per_sender_per_hour: settings.max_per_sender_per_hour,
            receipt_prefix: receipt_prefix.to_string(),
            call_id: call.id.clone(),
            message_id_host,
        })
    }

    /// Why a message may get no answer, from its headers alone (the rate limit comes later).
    pub fn suppression(&self, headers: Option<&ParsedMessage>) -> Option<SuppressReason> {
        let Some(headers) = headers else {
            return Some(SuppressReason::NoSender);
        };
        if let Err(reason) = notice::should_answer(headers, &self.from) {
            return Some(reason);
        }
        let is_own = |address: &Option<String>| {
            address
                .as_deref()
                .map(bare_lowercase)
                .is_some_and(|a| self.own_addresses.contains(&a))
        };
        (is_own(&headers.from) || is_own(&headers.reply_to)).then_some(SuppressReason::OwnAddress)
    }

    /// Where the rate limit's hour begins.
    pub fn rate_window_start(now: Timestamp) -> Timestamp {
        now.checked_sub(SignedDuration::from_hours(1))
            .unwrap_or(now)
    }

    /// The one answer to a filed message (see the module doc). `suppressed` is
    /// [`Answering::suppression`] of its headers. The daemon drafts a batch's answers
    /// at once and decides them in order; this is the same for one answer.
    #[cfg(test)]
    pub fn render(
        &self,
        plan: &AnswerPlan,
        filing: &Filing,
        filed: &Filed,
        suppressed: Option<SuppressReason>,
        rate: &RateCounts,
        now: Timestamp,
    ) -> Result<(OutgoingAnswer, AnswerNote), RenderError> {
        let draft = self.draft(plan, filing, filed, now);
        self.decide(draft, suppressed, rate)
    }

    /// The answer's text and bytes: everything but whether it may go out. Needs
    /// no other message's answer, so a batch's drafts are made on every core.
    pub fn draft(
        &self,
        plan: &AnswerPlan,
        filing: &Filing,
        filed: &Filed,
        now: Timestamp,
    ) -> Result<Draft, RenderError> {
        let receipts: Vec<String> = filed
            .applications
            .iter()
            .map(|a| a.receipt.clone())
            .collect();
        let receipt = receipts
            .first()
            .or_else(|| filed.evidence.first().map(|link| &link.receipt))
            .cloned()
            // No application: a reference to the message itself, never matched as a receipt.
            .unwrap_or_else(|| {
                format!(
                    "{}{}-M{:05}",
                    self.receipt_prefix, self.call_id, filing.message.0
                )
            });
        let mut context = NoticeContext::new(NoticeFacts {
            verdict: &plan.verdict,
            wording: &self.wording,
            office: &self.office,
            receipt: &receipt,
            application_receipts: &receipts,
        });
        context.replaces = filed
            .applications
            .iter()
            .take(plan.n_own)
            .find(|a| a.version_number > 1 && a.is_current)
            .map(|a| a.receipt.clone());
        context.file_complete = plan.completes_a_file();
        let kind = answer_kind(context.kind);
        let rendered = self.templates.render(&context)?;

        let token = format!("{}-{:08x}", filing.message.0, rand::random::<u32>());
        let message_id = notice::message_id(&receipt, &token, &self.message_id_host);
        let outgoing = plan.headers.as_ref().and_then(|headers| {
            Outgoing::answer(headers, &self.from, Some(&self.from_name), &message_id, now)
        });
        let composed = outgoing.map(|outgoing| {
            // Hashed here, on every core, rather than on the store's thread.
            let bytes = notice::compose(&rendered, &outgoing).map(HashedBytes::new);
            (outgoing.to, bytes)
        });
        let mut applications: Vec<_> = filed.applications.iter().map(|a| a.application).collect();
        for link in &filed.evidence {
            if !applications.contains(&link.application) {
                applications.push(link.application);
            }
        }
        Ok(Draft {
            kind,
            receipt,
            recipient: plan.headers.as_ref().and_then(recipient_of),
            subject: rendered.subject,
            message_id,
            composed,
            applications,
        })
    }

    /// Whether a draft goes out or is kept suppressed: the reasons of its headers,
    /// then the hourly limit, counted in the batch's order.
    pub fn decide(
        &self,
        draft: Result<Draft, RenderError>,
        suppressed: Option<SuppressReason>,
        rate: &RateCounts,
    ) -> Result<(OutgoingAnswer, AnswerNote), RenderError> {
        let draft = draft?;
        let mut reason = suppressed.map(|r| r.as_str().to_string());
        if reason.is_none()
            && let Some(recipient) = &draft.recipient
            && rate.count(recipient) >= self.max_per_sender_per_hour
        {
            reason = Some(SuppressReason::RateLimited.as_str().to_string());
        }
        let (to, rfc5322) = match draft.composed {
            None => {
                reason.get_or_insert_with(|| SuppressReason::NoSender.as_str().to_string());
                (String::new(), HashedBytes::default())
            }
            Some((to, Ok(bytes))) => (to, bytes),
            Some((to, Err(ComposeError::Address(address)))) => {
                reason.get_or_insert_with(|| {
                    format!("{}: unusable address {address:?}", SuppressReason::NoSender)
                });
                (to, HashedBytes::default())
            }
            Some((to, Err(error))) if reason.is_some() => {
                tracing::debug!(%error, "a suppressed answer could not be composed");
                (to, HashedBytes::default())
            }
            Some((_, Err(error))) => return Err(Box::new(error)),
        };
        if reason.is_none()
            && let Some(recipient) = &draft.recipient
        {
            rate.add(recipient);
        }
        let note = AnswerNote {
            kind: draft.kind,
            suppressed: reason.clone(),
            receipt: draft.receipt,
        };
        let answer = OutgoingAnswer {
            kind: draft.kind,
            to,
            subject: draft.subject,
            message_id: draft.message_id,
            rfc5322,
            applications: draft.applications,
            suppressed: reason,
        };
        Ok((answer, note))
    }
}

/// An answer rendered and composed, before it is known whether it may go out.
#[derive(Debug)]
pub struct Draft {
    kind: AnswerKind,
    receipt: String,
    /// Where it goes (lower-cased), for the hourly limit.
    recipient: Option<String>,
    subject: String,
    message_id: String,
    /// The address and the message's bytes; `None` when the message had no sender.
    composed: Option<(String, Result<HashedBytes, ComposeError>)>,
    applications: Vec<ApplicationKey>,
}

/// The address an answer to `headers` goes to, lower-cased (as the store counts it).
pub fn recipient_of(headers: &ParsedMessage) -> Option<String> {
    headers
        .reply_to
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .or(headers.from.as_deref())
        .map(bare_lowercase)
        .filter(|a| !a.is_empty())
}

fn bare_lowercase(address: &str) -> String {
    address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_lowercase()
}

fn answer_kind(kind: NoticeKind) -> AnswerKind {
    match kind {
        NoticeKind::Confirmation => AnswerKind::Confirmation,
        NoticeKind::Deficiency => AnswerKind::Deficiency,
        NoticeKind::Late => AnswerKind::Late,
        NoticeKind::Review => AnswerKind::Review,
    }
}

#[cfg(test)]
#[path = "answers_tests.rs"]
mod tests;
