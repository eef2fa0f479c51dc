//! The call's rules: a [`FormReading`] (and message facts) → deficiencies.
//!
//! Pure: no I/O, never reads the clock (the received time is passed in).
//! Every deficiency carries a Chinese message that tells a society secretary
//! the cell, the value read, and what is allowed; the wording lives in
//! [`text`] so staff can review it in one place. Everything call-specific
//! (categories, ranges, labels, dates) comes from [`Call`]; the field keys of
//! `form.md` (`society`, `amount`, …) are the stable interface and are named here.
//!
//! One file per topic: `required.rs` (rule 1), `category.rs` (2), `amount.rs` (3),
//! `period.rs` (4), [`message_level`] (5 and the message-level codes),
//! `society.rs` (6, 7, 10), `duplicate.rs` (9), `fields.rs` (the normalized values).

use jiff::Timestamp;

use crate::config::{Call, Roster};
use crate::form::FormReading;
use crate::verdict::{ApplicationVerdict, Deficiency, Status};

mod amount;
mod category;
mod duplicate;
mod fields;
pub mod message_level;
mod period;
mod required;
mod society;
#[cfg(test)]
mod test_support;
pub mod text;

/// Field keys of `form.md` that rules single out.
pub(crate) mod keys {
    pub const SOCIETY: &str = "society";
    pub const CREDIT_CODE: &str = "credit_code";
    pub const CATEGORY: &str = "category";
    pub const SUBCATEGORY: &str = "subcategory";
    pub const PROJECT_NAME: &str = "project_name";
    pub const START_DATE: &str = "start_date";
    pub const END_DATE: &str = "end_date";
    pub const AMOUNT: &str = "amount";
}

/// What the rules need besides the reading itself.
#[derive(Debug, Clone, Copy)]
pub struct RuleSet<'a> {
    pub call: &'a Call,
    pub roster: &'a Roster,
}

/// Judges one application on its own (rules 1–4, 6, 7). `attachment` is the workbook's filename.
///
/// Deficiencies come in the form's field order, so a notice reads top to bottom like the sheet.
pub fn check_application(
    reading: &FormReading,
    attachment: Option<&str>,
    rules: RuleSet<'_>,
) -> ApplicationVerdict {
    let call = rules.call;
    let chosen = category::chosen(reading, call);
    let society = society::identify(reading, rules.roster);

    let mut deficiencies = required::check(reading, chosen, call);
    deficiencies.extend(category::check(reading, call));
    deficiencies.extend(amount::check(reading, chosen, call));
    deficiencies.extend(period::check(reading, call));
    deficiencies.extend(society::check(reading, society, call));
    sort_by_form_order(&mut deficiencies, call);

    ApplicationVerdict {
        attachment: attachment.map(str::to_string),
        sheet: reading.sheet.clone(),
        status: Status::of(&deficiencies),
        fields: fields::normalized(reading, chosen, society, call),
        deficiencies,
    }
}

/// Rule 9 within one message: the same project name under two categories → `duplicate_application`.
pub fn check_duplicates(applications: &mut [ApplicationVerdict]) {
    duplicate::check(applications);
}

/// Rule 10: a `sender_unverified` warning when `sender` is not registered for the application's society.
pub fn check_sender(application: &mut ApplicationVerdict, sender: &str, rules: RuleSet<'_>) {
    if let Some(warning) = society::check_sender(application, sender, rules.roster) {
        application.deficiencies.push(warning);
        application.status = Status::of(&application.deficiencies);
    }
}

/// Rule 5: `late_submission` when received after the deadline.
pub fn check_deadline(received_at: Timestamp, rules: RuleSet<'_>) -> Option<Deficiency> {
    message_level::is_late(received_at, rules.call)
        .then(|| message_level::late_submission(received_at, rules.call))
}

/// The label a secretary sees for a field key (the key itself if the call does not know it).
fn label<'c>(call: &'c Call, key: &'c str) -> &'c str {
    call.field(key).map_or(key, |f| f.label.as_str())
}

/// Stable sort by the position of each deficiency's field in the form; field-less ones last.
fn sort_by_form_order(deficiencies: &mut [Deficiency], call: &Call) {
    let position = |d: &Deficiency| {
        d.field
            .as_deref()
            .and_then(|key| call.fields.iter().position(|f| f.key == key))
            .unwrap_or(usize::MAX)
    };
    deficiencies.sort_by_key(position);
}
