//! What a notice says, as plain data for the templates: built from a
//! [`Verdict`], the receipt numbers, and the call's wording.
//!
//! Everything is already a display string here (Chinese labels, category
//! names, money with its unit), so the templates staff edit hold no logic
//! beyond "if" and "for".

use serde::Serialize;

use super::fingerprint::fingerprint;
use crate::config::{Call, FieldKind};
use crate::verdict::{ApplicationVerdict, Deficiency, FieldValue, Severity, Status, Verdict};

/// Text values longer than this are shortened in a notice (the fingerprint still covers all).
const MAX_SHOWN_CHARS: usize = 60;

/// Which answer an applicant gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 确认回执: everything accepted.
    Confirmation,
    /// 补正通知: something to fix and send again.
    Deficiency,
    /// 逾期通知: arrived after the deadline.
    Late,
    /// 已收到，待人工审核: staff must decide (unknown society, duplicate).
    Review,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] = [
        NoticeKind::Confirmation,
        NoticeKind::Deficiency,
        NoticeKind::Late,
        NoticeKind::Review,
    ];

    /// The notice a message with this (worst) status gets.
    pub fn for_status(status: Status) -> NoticeKind {
        match status {
            Status::Accepted => NoticeKind::Confirmation,
            Status::Review => NoticeKind::Review,
            Status::Deficient => NoticeKind::Deficiency,
            Status::Rejected => NoticeKind::Late,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Confirmation => "confirmation",
            NoticeKind::Deficiency => "deficiency",
            NoticeKind::Late => "late",
            NoticeKind::Review => "review",
        }
    }
}

/// Who answers, and where replies go. From the daemon's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Office {
    /// Signs the notice, e.g. 常州市科学技术协会学会部.
    pub organization: String,
    /// The mailbox applications are sent to and replies go to.
    pub reply_address: String,
    /// A telephone number for questions, e.g. 0519-86619613.
    pub phone: String,
}

/// The call's wording a notice needs: title, deadline, field labels, category names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallWording {
    /// e.g. 2020年度"特专优精"学会项目
    pub title: String,
    /// e.g. 2020年8月31日 23:59（北京时间）
    pub deadline: String,
    fields: Vec<FieldWording>,
    /// (key, name) of categories and sub-categories.
    choices: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldWording {
    key: String,
    label: String,
    kind: FieldKind,
}

impl CallWording {
    /// Takes the labels and names from `call`; the deadline is shown in the call's time zone.
    pub fn from_call(call: &Call) -> CallWording {
        let deadline = call.deadline.to_zoned(call.time_zone.clone());
        let fields = call
            .fields
            .iter()
            .map(|spec| FieldWording {
                key: spec.key.clone(),
                label: spec.label.clone(),
                kind: spec.kind,
            })
            .collect();
        let choices = call
            .categories
            .iter()
            .flat_map(|category| {
                std::iter::once((category.key.clone(), category.name.clone())).chain(
                    category
                        .subcategories
                        .iter()
                        .map(|sub| (sub.key.clone(), sub.name.clone())),
                )
            })
            .collect();
        CallWording {
            title: call.title.clone(),
            deadline: deadline.strftime("%Y年%-m月%-d日 %H:%M:%S").to_string(),
            fields,
            choices,
        }
    }

    /// The field's Chinese label; the key itself for a field the call does not name.
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.field(key).map_or(key, |field| field.label.as_str())
    }

    /// A value as the applicant would write it: category names, money in 元, years in 年.
    pub fn show_value(&self, key: &str, value: &FieldValue) -> String {
        let kind = self.field(key).map(|field| field.kind);
        match (kind, value) {
            (Some(FieldKind::Category | FieldKind::SubCategory), FieldValue::Text(choice)) => self
                .choices
                .iter()
                .find(|(k, _)| k == choice)
                .map_or_else(|| choice.clone(), |(_, name)| name.clone()),
            (Some(FieldKind::Money), FieldValue::Integer(yuan)) => format!("{yuan} 元"),
            (Some(FieldKind::Years), FieldValue::Integer(years)) => format!("{years} 年"),
            (_, FieldValue::Text(text)) => shorten(text),
            (_, other) => other.display(),
        }
    }

    fn field(&self, key: &str) -> Option<&FieldWording> {
        self.fields.iter().find(|field| field.key == key)
    }
}

/// Everything one notice says. Built by [`NoticeContext::new`]; the daemon
/// then sets the flags it alone knows (`replaces`, `file_complete`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeContext {
    pub kind: NoticeKind,
    /// The number the subject carries and a reply must keep.
    pub receipt: String,
    /// The applicant society's name; empty when no application named it.
    pub society: String,
    pub call_title: String,
    pub deadline: String,
    /// When the message was received, as the deadline rule saw it.
    pub received_at: Option<String>,
    pub office: Office,
    /// The receipt number of an earlier version this one replaced (rule 9).
    pub replaces: Option<String>,
    /// Evidence came in a later message and the file is now complete.
    pub file_complete: bool,
    /// Problems with the message as a whole (late, no form, no evidence, unreadable file).
    pub message_deficiencies: Vec<DeficiencyLine>,
    pub applications: Vec<ApplicationNotice>,
}

/// One application sheet in a notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationNotice {
    pub receipt: String,
    /// See [`fingerprint`].
    pub fingerprint: String,
    pub attachment: Option<String>,
    pub sheet: String,
    /// `accepted`, `deficient`, `rejected` or `review`.
    pub status: &'static str,
    /// e.g. 已受理, 需补正.
    pub status_label: &'static str,
    pub values: Vec<ValueLine>,
    pub deficiencies: Vec<DeficiencyLine>,
}

/// A value read from the form, under its Chinese label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueLine {
    pub key: String,
    pub label: String,
    pub value: String,
}

/// One thing to fix (or for staff to decide), where, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeficiencyLine {
    /// The `check-json.md` code.
    pub code: &'static str,
    /// `error` (the applicant fixes it) or `review` (staff decide).
    pub severity: &'static str,
    /// A1 address, e.g. B12.
    pub cell: Option<String>,
    pub label: Option<String>,
    /// The value read there, when one was.
    pub value: Option<String>,
    /// Chinese: what is wrong and how to fix it.
    pub message: String,
}

/// The facts a [`NoticeContext`] is built from.
#[derive(Debug, Clone, Copy)]
pub struct NoticeFacts<'a> {
    pub verdict: &'a Verdict,
    pub wording: &'a CallWording,
    pub office: &'a Office,
    /// The message's receipt number (for the subject and replies).
    pub receipt: &'a str,
    /// One per application of `verdict`, in its order; a missing one falls back to `receipt`.
    pub application_receipts: &'a [String],
}

impl NoticeContext {
    pub fn new(facts: NoticeFacts<'_>) -> NoticeContext {
        let NoticeFacts {
            verdict,
            wording,
            office,
            receipt,
            application_receipts,
        } = facts;
        let applications: Vec<ApplicationNotice> = verdict
            .applications
            .iter()
            .enumerate()
            .map(|(index, application)| {
                let application_receipt = application_receipts
                    .get(index)
                    .map_or(receipt, String::as_str);
                application_notice(application, application_receipt, wording)
            })
            .collect();
        let society = verdict
            .applications
            .iter()
            .find_map(|application| application.field("society").and_then(FieldValue::as_text))
            .unwrap_or_default()
            .to_string();
        NoticeContext {
            kind: NoticeKind::for_status(verdict.status),
            receipt: receipt.to_string(),
            society,
            call_title: wording.title.clone(),
            deadline: wording.deadline.clone(),
            received_at: verdict
                .received_at
                .as_ref()
                .map(|at| at.strftime("%Y年%-m月%-d日 %H:%M:%S").to_string()),
            office: office.clone(),
            replaces: None,
            file_complete: false,
            message_deficiencies: deficiency_lines(&verdict.deficiencies, None, wording),
            applications,
        }
    }
}

fn application_notice(
    application: &ApplicationVerdict,
    receipt: &str,
    wording: &CallWording,
) -> ApplicationNotice {
    let values = application
        .fields
        .iter()
        .map(|(key, value)| ValueLine {
            key: key.clone(),
            label: wording.label(key).to_string(),
            value: wording.show_value(key, value),
        })
        .collect();
    ApplicationNotice {
        receipt: receipt.to_string(),
        fingerprint: fingerprint(&application.fields),
        attachment: application.attachment.clone(),
        sheet: application.sheet.clone(),
        status: application.status.as_str(),
        status_label: status_label(application.status),
        values,
        deficiencies: deficiency_lines(&application.deficiencies, Some(application), wording),
    }
}

/// Warnings are for staff (`sender_unverified`): the applicant is not bothered with them.
fn deficiency_lines(
    deficiencies: &[Deficiency],
    application: Option<&ApplicationVerdict>,
    wording: &CallWording,
) -> Vec<DeficiencyLine> {
    deficiencies
        .iter()
        .filter(|deficiency| deficiency.code.severity() != Severity::Warning)
        .map(|deficiency| {
            let field = deficiency.field.as_deref();
            let value = field.and_then(|key| {
                let value = application?.field(key)?;
                Some(wording.show_value(key, value))
            });
            DeficiencyLine {
                code: deficiency.code.as_str(),
                severity: deficiency.code.severity().as_str(),
                cell: deficiency.cell.clone(),
                label: field.map(|key| wording.label(key).to_string()),
                value,
                message: deficiency.message.clone(),
            }
        })
        .collect()
}

fn status_label(status: Status) -> &'static str {
    match status {
        Status::Accepted => "已受理",
        Status::Review => "待人工审核",
        Status::Deficient => "需补正",
        Status::Rejected => "逾期未受理",
    }
}

fn shorten(text: &str) -> String {
    let n_chars = text.chars().count();
    if n_chars <= MAX_SHOWN_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX_SHOWN_CHARS).collect();
    format!("{head}…（共 {n_chars} 字）")
}
