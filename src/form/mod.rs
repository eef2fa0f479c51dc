//! Reading an application out of one sheet: labels → located, normalized values.
//!
//! Fields are found by their labels (`form.md`), never by fixed coordinates.
//! Nothing here fails: a malformed value is an [`Outcome::Invalid`] for
//! `rules/` to turn into a deficiency.

use crate::config::Call;
use crate::verdict::FieldValue;
use crate::workbook::Sheet;

/// What was read for one field key.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldReading {
    /// The field key (`start_date`/`end_date` also when they came from one range cell).
    pub key: String,
    /// A1 address of the label cell.
    pub label_cell: String,
    /// A1 address of the value cell, when there was one.
    pub value_cell: Option<String>,
    pub outcome: Outcome,
}

impl FieldReading {
    /// The value's cell, else the label's (what a deficiency points at).
    pub fn cell(&self) -> &str {
        self.value_cell.as_deref().unwrap_or(&self.label_cell)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The label is there, the value is empty (or 无 for money).
    Empty,
    Value(FieldValue),
    /// The value is there but malformed.
    Invalid {
        /// The value as read, for the notice.
        found: String,
        /// What is wrong, in Chinese, e.g. "不是有效的手机号码".
        problem: String,
    },
}

/// One application sheet, read. Fields whose label was not found are absent.
#[derive(Debug, Clone, PartialEq)]
pub struct FormReading {
    pub sheet: String,
    pub fields: Vec<FieldReading>,
}

impl FormReading {
    pub fn get(&self, key: &str) -> Option<&FieldReading> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn value(&self, key: &str) -> Option<&FieldValue> {
        match &self.get(key)?.outcome {
            Outcome::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// True when the sheet has a label cell of the `society` field and one of the `category` field.
pub fn is_application_sheet(sheet: &Sheet, call: &Call) -> bool {
    let _ = (sheet, call);
    todo!("form helper")
}

/// Reads the application on `sheet`, or `None` when it is not an application sheet.
pub fn read(sheet: &Sheet, call: &Call) -> Option<FormReading> {
    let _ = (sheet, call);
    todo!("form helper")
}
