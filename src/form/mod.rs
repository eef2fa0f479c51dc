//! Reading an application out of one sheet: labels → located, normalized values.
//!
//! Fields are found by their labels (`form.md`), never by fixed coordinates.
//! Nothing here fails: a malformed value is an [`Outcome::Invalid`] for
//! `rules/` to turn into a deficiency. Knows the call's fields and categories
//! but none of its rules (amounts, periods, quotas): that is `rules/`.
//!
//! - [`labels`]: which cell texts are labels ([`LabelIndex`], built once per call).
//! - [`layout`]: where a label's value sits (right, below, merges).
//! - [`values`]: one normalizer per field kind, pure functions of a cell's value.
//! - `reading`: which occurrence counts, category before sub-category, date ranges.

pub mod labels;
pub mod layout;
mod reading;
pub mod values;

pub use labels::{LabelIndex, LabelMatch};
pub use values::credit_code::credit_code_is_valid;

use std::borrow::Cow;

use crate::config::{Call, FieldKind};
use crate::verdict::FieldValue;
use crate::workbook::Sheet;
use layout::{SheetView, label_of};
use values::choice::CategoryTables;

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

/// What reading a call's sheets needs besides the call: its labels and category
/// names, normalized. Built once per call ([`FormTables::new`]), shared by readers.
#[derive(Debug, Clone)]
pub struct FormTables {
    labels: LabelIndex,
    choices: CategoryTables,
    /// Indices into `call.fields` of the fields that make a sheet an application.
    society: Option<usize>,
    category: Option<usize>,
}

impl FormTables {
    pub fn new(call: &Call) -> FormTables {
        let position = |key: &str, kind: FieldKind| {
            call.fields
                .iter()
                .position(|f| f.key == key)
                .or_else(|| call.fields.iter().position(|f| f.kind == kind))
        };
        FormTables {
            labels: LabelIndex::new(&call.fields),
            choices: CategoryTables::new(&call.categories),
            society: position("society", FieldKind::Text),
            category: position("category", FieldKind::Category),
        }
    }
}

/// Reads application sheets for one call. Build it once and reuse it for every
/// sheet, or give it tables built once ([`FormReader::with_tables`]).
#[derive(Debug, Clone)]
pub struct FormReader<'c> {
    call: &'c Call,
    tables: Cow<'c, FormTables>,
}

impl<'c> FormReader<'c> {
    pub fn new(call: &'c Call) -> FormReader<'c> {
        FormReader {
            call,
            tables: Cow::Owned(FormTables::new(call)),
        }
    }

    /// A reader over tables built from this same `call`.
    pub fn with_tables(call: &'c Call, tables: &'c FormTables) -> FormReader<'c> {
        FormReader {
            call,
            tables: Cow::Borrowed(tables),
        }
    }

    /// True when the sheet has a label cell of the `society` field and one of the `category` field.
    pub fn is_application_sheet(&self, sheet: &Sheet) -> bool {
        let (Some(society), Some(category)) = (self.tables.society, self.tables.category) else {
            return false;
        };
        let (mut has_society, mut has_category) = (false, false);
        for cell in &sheet.cells {
            match label_of(cell, &self.tables.labels) {
                Some(m) if m.field == society => has_society = true,
                Some(m) if m.field == category => has_category = true,
                _ => continue,
            }
            if has_society && has_category {
                return true;
            }
        }
        false
    }

    /// Reads the application on `sheet`, or `None` when it is not an application sheet.
    pub fn read(&self, sheet: &Sheet) -> Option<FormReading> {
        let view = SheetView::new(sheet, &self.tables.labels);
        let has = |field: Option<usize>| {
            field.is_some_and(|f| view.labels().iter().any(|hit| hit.field == f))
        };
        if !(has(self.tables.society) && has(self.tables.category)) {
            return None;
        }
        Some(FormReading {
            sheet: sheet.name.clone(),
            fields: reading::read_fields(&view, self),
        })
    }
}

/// True when the sheet has a label cell of the `society` field and one of the `category` field.
/// Builds a [`FormReader`]; for many sheets, build one and reuse it.
pub fn is_application_sheet(sheet: &Sheet, call: &Call) -> bool {
    FormReader::new(call).is_application_sheet(sheet)
}

/// Reads the application on `sheet`, or `None` when it is not an application sheet.
/// Builds a [`FormReader`]; for many sheets, build one and reuse it.
pub fn read(sheet: &Sheet, call: &Call) -> Option<FormReading> {
    FormReader::new(call).read(sheet)
}
