//! Where each field sits on the application sheet: one row per field, label in
//! column A, value merged over B:E.

use rust_xlsxwriter::utility::row_col_to_cell;

use crate::config::{Call, FieldKind, FieldSpec};

/// Row of the title (`call.title` + 申报书), merged over the form's width.
pub(super) const TITLE_ROW: u32 = 0;
/// Row of the one-line note under the title.
pub(super) const NOTE_ROW: u32 = 1;
/// Row of the first field.
const FIRST_FIELD_ROW: u32 = 2;
pub(super) const LABEL_COL: u16 = 0;
pub(super) const VALUE_FIRST_COL: u16 = 1;
pub(super) const VALUE_LAST_COL: u16 = 4;

/// Marks a label required in every category. The reader drops it (`text::normalize_label`).
pub(super) const REQUIRED_MARKER: &str = "＊";

/// A text field allowing more than this many characters opens the narrative block.
const LONG_TEXT_CHARS: usize = 200;

/// A cell, zero-based as rust_xlsxwriter and calamine count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRef {
    pub row: u32,
    pub col: u16,
}

impl CellRef {
    /// The A1 address, e.g. `B3`.
    pub fn a1(&self) -> String {
        row_col_to_cell(self.row, self.col)
    }
}

/// One field's row on the blank form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub field_key: String,
    /// The label as written: the field's label, with the required marker (＊) in front
    /// when the call requires it in every category.
    pub label: String,
    pub label_cell: CellRef,
    /// Where the value goes: the first cell of the merged value area.
    pub value_cell: CellRef,
    /// Last column of the merged value area (same row as `value_cell`).
    pub value_last_col: u16,
    pub kind: FieldKind,
    /// Required in every category (`call.always_required`).
    pub required_always: bool,
    /// A narrative field: the value area is tall and wraps.
    pub long_text: bool,
}

/// The rows of the blank form for `call`, in form order.
///
/// Every field but the one-cell date range (`FieldKind::DateRange`): the template
/// uses the separate start and end date rows, and the range is only an
/// alternative that societies' own forms may use.
pub fn layout(call: &Call) -> Vec<TemplateRow> {
    let fields: Vec<&FieldSpec> = call
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::DateRange)
        .collect();
    let long = narrative_flags(&fields);
    fields
        .iter()
        .zip(long)
        .zip(FIRST_FIELD_ROW..)
        .map(|((field, long_text), row)| {
            let required_always = call.always_required.contains(&field.key);
            let label = if required_always {
                format!("{REQUIRED_MARKER}{}", field.label)
            } else {
                field.label.clone()
            };
            TemplateRow {
                field_key: field.key.clone(),
                label,
                label_cell: CellRef {
                    row,
                    col: LABEL_COL,
                },
                value_cell: CellRef {
                    row,
                    col: VALUE_FIRST_COL,
                },
                value_last_col: VALUE_LAST_COL,
                kind: field.kind,
                required_always,
                long_text,
            }
        })
        .collect()
}

/// Which fields are narrative: a text field allowing more than
/// [`LONG_TEXT_CHARS`] characters, and the text fields right after it. The
/// config has no "multi-line" flag; forms keep their narrative block together
/// (项目简介, 主要成效, 佐证材料清单), so a long field's text neighbours below
/// it are long too. A wrong guess only changes a row's height.
fn narrative_flags(fields: &[&FieldSpec]) -> Vec<bool> {
    let mut in_block = false;
    fields
        .iter()
        .map(|field| {
            let opens = field.max_chars.is_some_and(|n| n > LONG_TEXT_CHARS);
            in_block = field.kind == FieldKind::Text && (opens || in_block);
            in_block
        })
        .collect()
}
