//! The core's glue: one message or one workbook → a [`Verdict`].
//!
//! This is where the pure stages meet: [`message`] takes the
//! mail apart, [`workbook`] opens each attachment,
//! [`form`] reads application sheets and [`rules`]
//! judges them. No I/O and no clock: the received time is an input, so the
//! daemon and `shenbao check` get the same verdict from the same bytes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use jiff::Timestamp;

use crate::config::{Call, Limits, Roster};
use crate::message::{self, Attachment, ParsedMessage, Placement};
use crate::rules::{self, RuleSet};
use crate::verdict::{ApplicationVerdict, Code, Deficiency, Verdict};
use crate::workbook::{self, WorkbookError};
use crate::{form, text};

/// Everything a check needs besides the bytes: the call, the roster and the limits.
#[derive(Debug, Clone)]
pub struct Checker {
    pub call: Call,
    pub roster: Roster,
    pub limits: Limits,
    /// Built from `call` once: building them per message cost as much as reading a sheet.
    forms: Arc<form::FormTables>,
}

/// What one attachment turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// A workbook holding these application sheets (indexes into `Verdict::applications`).
    Form { applications: Vec<usize> },
    /// Evidence material (rule 8): anything with a filename that is neither a form nor unreadable.
    Evidence,
    /// Could not be read; the deficiency says why.
    Unreadable,
    /// Not an attachment a person meant: a signature logo, a part without a name.
    Ignored,
}

/// A message checked: the verdict and what each attachment was, for the store.
#[derive(Debug, Clone)]
pub struct Checked {
    pub message: Option<ParsedMessage>,
    /// One per `message.attachments`, same order.
    pub roles: Vec<Role>,
    pub verdict: Verdict,
}

impl Checker {
    pub fn new(call: Call, roster: Roster, limits: Limits) -> Checker {
        Checker {
            forms: Arc::new(form::FormTables::new(&call)),
            call,
            roster,
            limits,
        }
    }

    /// The same checker with other limits.
    pub fn with_limits(self, limits: Limits) -> Checker {
        Checker { limits, ..self }
    }

    fn reader(&self) -> form::FormReader<'_> {
        form::FormReader::with_tables(&self.call, &self.forms)
    }

    fn rules(&self) -> RuleSet<'_> {
        RuleSet {
            call: &self.call,
            roster: &self.roster,
        }
    }

    /// Checks a whole message. `received_at` overrides the time read from its
    /// headers (the daemon passes the server's INTERNALDATE).
    pub fn check_message(
        &self,
        raw: &[u8],
        source: &str,
        received_at: Option<Timestamp>,
    ) -> Checked {
        if raw.len() as u64 > self.limits.max_message_bytes {
            return self.oversized_message(raw, source, received_at);
        }
        let Some(parsed) = message::parse(raw) else {
            let mut verdict = self.empty_verdict(source, None, received_at);
            verdict
                .deficiencies
                .push(rules::message_level::no_form_found());
            verdict.settle_status();
            return Checked {
                message: None,
                roles: Vec::new(),
                verdict,
            };
        };
        let received_at = received_at.or(parsed.received_at);
        let mut verdict = self.empty_verdict(source, parsed.from.clone(), received_at);
        let reader = self.reader();
        let roles: Vec<Role> = parsed
            .attachments
            .iter()
            .map(|a| self.judge_attachment(&reader, a, &mut verdict))
            .collect();

        if message::links_cloud_attachment(&parsed) {
            verdict
                .deficiencies
                .push(rules::message_level::cloud_attachment());
        }
        self.finish_message(&mut verdict, &roles, parsed.from.as_deref());
        Checked {
            message: Some(parsed),
            roles,
            verdict,
        }
    }

    /// Checks a bare workbook: the message-level rules are skipped, but for
    /// the deadline when `received_at` is given.
    pub fn check_workbook(
        &self,
        bytes: &[u8],
        filename: &str,
        source: &str,
        received_at: Option<Timestamp>,
    ) -> Verdict {
        let mut verdict = self.empty_verdict(source, None, received_at);
        let attachment = Attachment {
            filename: Some(filename.to_string()),
            content_type: String::new(),
            bytes: bytes.to_vec(),
            placement: Placement::Attached,
            forwarded: false,
        };
        let reader = self.reader();
        let role = self.judge_attachment(&reader, &attachment, &mut verdict);
        if !matches!(role, Role::Form { .. }) {
            verdict
                .deficiencies
                .push(rules::message_level::no_form_found());
        }
        rules::check_duplicates(&mut verdict.applications);
        if let Some(at) = received_at {
            verdict
                .deficiencies
                .extend(rules::check_deadline(at, self.rules()));
        }
        verdict.settle_status();
        verdict
    }

    fn empty_verdict(
        &self,
        source: &str,
        sender: Option<String>,
        received_at: Option<Timestamp>,
    ) -> Verdict {
        Verdict {
            source: source.to_string(),
            sender,
            received_at: received_at.map(|t| t.to_zoned(self.call.time_zone.clone())),
            status: crate::verdict::Status::Accepted,
            deficiencies: Vec::new(),
            applications: Vec::new(),
        }
    }

    /// The message-level rules once every attachment is judged (rules 5, 8, 9, 10).
    fn finish_message(&self, verdict: &mut Verdict, roles: &[Role], sender: Option<&str>) {
        let has_form = roles.iter().any(|r| matches!(r, Role::Form { .. }));
        if !has_form {
            verdict
                .deficiencies
                .push(rules::message_level::no_form_found());
        }
        if !roles.contains(&Role::Evidence) {
            verdict
                .deficiencies
                .push(rules::message_level::missing_evidence());
        }
        rules::check_duplicates(&mut verdict.applications);
        if let Some(sender) = sender {
            for application in &mut verdict.applications {
                rules::check_sender(application, sender, self.rules());
            }
        }
        if let Some(at) = verdict.received_at.as_ref().map(|z| z.timestamp()) {
            verdict
                .deficiencies
                .extend(rules::check_deadline(at, self.rules()));
        }
        verdict.settle_status();
    }

    /// Decides what one attachment is and adds its applications or deficiency to `verdict`.
    fn judge_attachment(
        &self,
        reader: &form::FormReader<'_>,
        attachment: &Attachment,
        verdict: &mut Verdict,
    ) -> Role {
        if attachment.placement == Placement::InlineShown {
            return Role::Ignored;
        }
        let name = attachment.filename.as_deref().unwrap_or("");
        let named_as_workbook = has_workbook_extension(name);
        let content_is_container = workbook::looks_like_workbook(&attachment.bytes);
        if !named_as_workbook && !content_is_container {
            return if name.is_empty() {
                Role::Ignored
            } else {
                Role::Evidence
            };
        }
        let display_name = if name.is_empty() {
            "（无文件名的附件）"
        } else {
            name
        };
        if attachment.bytes.len() as u64 > self.limits.max_attachment_bytes {
            verdict
                .deficiencies
                .push(rules::message_level::too_large(&format!(
                    "附件《{display_name}》大小 {} MB，超过上限 {} MB",
                    attachment.bytes.len() / (1024 * 1024),
                    self.limits.max_attachment_bytes / (1024 * 1024)
                )));
            return Role::Unreadable;
        }
        match self.read_applications(reader, attachment) {
            Ok(applications) if applications.is_empty() => {
                // A workbook with no application sheet is evidence (rule 8).
                Role::Evidence
            }
            Ok(applications) => {
                let first = verdict.applications.len();
                verdict.applications.extend(applications);
                Role::Form {
                    applications: (first..verdict.applications.len()).collect(),
                }
            }
            Err(WorkbookError::NotAWorkbook(_)) if !named_as_workbook => {
                // A .docx or a zip of scans: evidence, not a broken form.
                Role::Evidence
            }
            Err(error @ WorkbookError::TooLarge(_)) => {
                // Over a size or cell limit: `too_large`, worded like the unreadable
                // notice so it names the file and the limit.
                let mut deficiency =
                    rules::message_level::unreadable_attachment(display_name, &error);
                deficiency.code = Code::TooLarge;
                verdict.deficiencies.push(deficiency);
                Role::Unreadable
            }
            Err(error) => {
                verdict
                    .deficiencies
                    .push(rules::message_level::unreadable_attachment(
                        display_name,
                        &error,
                    ));
                Role::Unreadable
            }
        }
    }

    /// Opens a workbook and judges every application sheet in it. A panic
    /// anywhere in reading becomes a `Corrupt` error, never a crash.
    fn read_applications(
        &self,
        reader: &form::FormReader<'_>,
        attachment: &Attachment,
    ) -> Result<Vec<ApplicationVerdict>, WorkbookError> {
        let read = || -> Result<Vec<ApplicationVerdict>, WorkbookError> {
            let workbook = workbook::open(&attachment.bytes, &self.limits)?;
            Ok(workbook
                .sheets
                .iter()
                .filter_map(|sheet| reader.read(sheet))
                .map(|reading| {
                    rules::check_application(&reading, attachment.filename.as_deref(), self.rules())
                })
                .collect())
        };
        catch_unwind(AssertUnwindSafe(read))
            .unwrap_or_else(|_| Err(WorkbookError::Corrupt("读取时内部出错".to_string())))
    }

    /// A message over the size limit is not taken apart: only its headers are read.
    fn oversized_message(
        &self,
        raw: &[u8],
        source: &str,
        received_at: Option<Timestamp>,
    ) -> Checked {
        let header_end = find_header_end(raw);
        let parsed = message::parse(&raw[..header_end]);
        let sender = parsed.as_ref().and_then(|p| p.from.clone());
        let received_at = received_at.or(parsed.as_ref().and_then(|p| p.received_at));
        let mut verdict = self.empty_verdict(source, sender, received_at);
        verdict
            .deficiencies
            .push(rules::message_level::too_large(&format!(
                "邮件大小 {} MB，超过上限 {} MB",
                raw.len() / (1024 * 1024),
                self.limits.max_message_bytes / (1024 * 1024)
            )));
        verdict
            .deficiencies
            .push(rules::message_level::no_form_found());
        if let Some(at) = verdict.received_at.as_ref().map(|z| z.timestamp()) {
            verdict
                .deficiencies
                .extend(rules::check_deadline(at, self.rules()));
        }
        verdict.settle_status();
        Checked {
            message: parsed,
            roles: Vec::new(),
            verdict,
        }
    }
}

/// Extensions that promise a workbook: such a file that is not one is `unreadable_attachment`.
fn has_workbook_extension(name: &str) -> bool {
    let name = text::fold_full_width(name).to_ascii_lowercase();
    [".xlsx", ".xlsm", ".xls", ".ods", ".et"]
        .iter()
        .any(|ext| name.trim_end().ends_with(ext))
}

/// Offset just past the header block (the first empty line), or the whole input.
fn find_header_end(raw: &[u8]) -> usize {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(raw.len()),
    }
}

/// True when any deficiency of the verdict has this code.
pub fn has_code(verdict: &Verdict, code: Code) -> bool {
    verdict
        .all_deficiencies()
        .any(|d: &Deficiency| d.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_extensions() {
        assert!(has_workbook_extension("申报书.XLSX"));
        assert!(has_workbook_extension("a.ods"));
        assert!(!has_workbook_extension("总结.pdf"));
        assert!(!has_workbook_extension("xlsx"));
    }

    #[test]
    fn header_end() {
        assert_eq!(find_header_end(b"A: b\r\n\r\nbody"), 8);
        assert_eq!(find_header_end(b"A: b\n\nbody"), 6);
        assert_eq!(find_header_end(b"A: b"), 4);
    }
}
