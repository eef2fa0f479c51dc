//! What the core concludes about one message or one workbook.
//!
//! These types carry no serde and no SQL (see ARCHITECTURE.md): the `--json`
//! report (`report::json`) and the store rows have their own types, so the
//! wire contract of `check-json.md` cannot drift by renaming a Rust field.

use jiff::civil::Date;

/// A deficiency code of `check-json.md`. The codes are a stable interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    MissingField,
    InvalidValue,
    InvalidCreditCode,
    CreditCodeMismatch,
    UnknownCategory,
    MissingSubcategory,
    AmountOutOfRange,
    PeriodOutOfRange,
    DuplicateApplication,
    UnknownSociety,
    SenderUnverified,
    LateSubmission,
    NoFormFound,
    MissingEvidence,
    UnreadableAttachment,
    CloudAttachment,
    TooLarge,
}

impl Code {
    pub const ALL: [Code; 17] = [
        Code::MissingField,
        Code::InvalidValue,
        Code::InvalidCreditCode,
        Code::CreditCodeMismatch,
        Code::UnknownCategory,
        Code::MissingSubcategory,
        Code::AmountOutOfRange,
        Code::PeriodOutOfRange,
        Code::DuplicateApplication,
        Code::UnknownSociety,
        Code::SenderUnverified,
        Code::LateSubmission,
        Code::NoFormFound,
        Code::MissingEvidence,
        Code::UnreadableAttachment,
        Code::CloudAttachment,
        Code::TooLarge,
    ];

    /// The code as written in `check --json` and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingField => "missing_field",
            Code::InvalidValue => "invalid_value",
            Code::InvalidCreditCode => "invalid_credit_code",
            Code::CreditCodeMismatch => "credit_code_mismatch",
            Code::UnknownCategory => "unknown_category",
            Code::MissingSubcategory => "missing_subcategory",
            Code::AmountOutOfRange => "amount_out_of_range",
            Code::PeriodOutOfRange => "period_out_of_range",
            Code::DuplicateApplication => "duplicate_application",
            Code::UnknownSociety => "unknown_society",
            Code::SenderUnverified => "sender_unverified",
            Code::LateSubmission => "late_submission",
            Code::NoFormFound => "no_form_found",
            Code::MissingEvidence => "missing_evidence",
            Code::UnreadableAttachment => "unreadable_attachment",
            Code::CloudAttachment => "cloud_attachment",
            Code::TooLarge => "too_large",
        }
    }

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::DuplicateApplication | Code::UnknownSociety => Severity::Review,
            Code::SenderUnverified => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The status a deficiency with this code gives the thing it is about.
    pub fn status(self) -> Status {
        match (self, self.severity()) {
            (Code::LateSubmission, _) => Status::Rejected,
            (_, Severity::Error) => Status::Deficient,
            (_, Severity::Review) => Status::Review,
            (_, Severity::Warning) => Status::Accepted,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Review,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Review => "review",
            Severity::Warning => "warning",
        }
    }
}

/// Ordered from best to worst, so `max` gives the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Accepted,
    Review,
    Deficient,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Review => "review",
            Status::Deficient => "deficient",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Accepted,
            Status::Review,
            Status::Deficient,
            Status::Rejected,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// The worst status among some deficiencies (accepted when there are none).
    pub fn of(deficiencies: &[Deficiency]) -> Status {
        deficiencies
            .iter()
            .map(|d| d.code.status())
            .max()
            .unwrap_or(Status::Accepted)
    }
}

/// One problem found, with what a society secretary needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deficiency {
    pub code: Code,
    /// The form field it is about (`check-json.md` says which code names which).
    pub field: Option<String>,
    /// A1 address of the value, or of the label when the value is missing.
    pub cell: Option<String>,
    /// Chinese, for the society: what is wrong and how to fix it.
    pub message: String,
}

impl Deficiency {
    pub fn message_level(code: Code, message: impl Into<String>) -> Deficiency {
        Deficiency {
            code,
            field: None,
            cell: None,
            message: message.into(),
        }
    }
}

/// A normalized field value (`fields` in `check --json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    /// Money in whole yuan, whole years.
    Integer(i64),
    Date(Date),
}

impl FieldValue {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_integer(&self) -> Option<i64> {
        match self {
            FieldValue::Integer(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<Date> {
        match self {
            FieldValue::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// The value as a secretary would read it (also what the fingerprint hashes).
    pub fn display(&self) -> String {
        match self {
            FieldValue::Text(s) => s.clone(),
            FieldValue::Integer(n) => n.to_string(),
            FieldValue::Date(d) => d.to_string(),
        }
    }
}

/// The verdict on one application sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationVerdict {
    /// Decoded filename of the workbook it came from.
    pub attachment: Option<String>,
    pub sheet: String,
    pub status: Status,
    /// Normalized values, in the order of the call's fields; absent fields left out.
    pub fields: Vec<(String, FieldValue)>,
    pub deficiencies: Vec<Deficiency>,
}

impl ApplicationVerdict {
    pub fn field(&self, key: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The verdict on one message (or one bare workbook).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub source: String,
    /// The From address as written; `None` for a bare workbook.
    pub sender: Option<String>,
    /// The time used for the deadline, in the call's time zone.
    pub received_at: Option<jiff::Zoned>,
    pub status: Status,
    /// Message-level deficiencies.
    pub deficiencies: Vec<Deficiency>,
    pub applications: Vec<ApplicationVerdict>,
}

impl Verdict {
    /// Recomputes `status` from the message's and the applications' deficiencies.
    pub fn settle_status(&mut self) {
        let own = Status::of(&self.deficiencies);
        let worst_app = self
            .applications
            .iter()
            .map(|a| a.status)
            .max()
            .unwrap_or(Status::Accepted);
        self.status = own.max(worst_app);
    }

    /// Every deficiency, message-level first.
    pub fn all_deficiencies(&self) -> impl Iterator<Item = &Deficiency> {
        self.deficiencies
            .iter()
            .chain(self.applications.iter().flat_map(|a| a.deficiencies.iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
        }
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }

    #[test]
    fn worst_status_wins() {
        let d = |code| Deficiency::message_level(code, "");
        assert_eq!(Status::of(&[]), Status::Accepted);
        assert_eq!(Status::of(&[d(Code::SenderUnverified)]), Status::Accepted);
        assert_eq!(Status::of(&[d(Code::UnknownSociety)]), Status::Review);
        assert_eq!(
            Status::of(&[d(Code::UnknownSociety), d(Code::MissingEvidence)]),
            Status::Deficient
        );
        assert_eq!(
            Status::of(&[d(Code::LateSubmission), d(Code::MissingEvidence)]),
            Status::Rejected
        );
    }
}
