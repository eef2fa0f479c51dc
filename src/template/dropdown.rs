//! The drop-down lists for the category and sub-category cells: their options
//! (plain full names, which the reader accepts as they are) and where the options
//! live — inline in the validation, or on the hidden options sheet when the list
//! is past Excel's inline limit of 255 characters.

use rust_xlsxwriter::utility::row_col_to_cell_absolute;
use rust_xlsxwriter::{Workbook, XlsxError};

use super::OPTIONS_SHEET;
use crate::config::{Call, FieldKind};

/// Excel's limit on an inline list, commas included, in UTF-16 units.
const INLINE_LIST_LIMIT: usize = 255;

/// Where a list's options are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    Inline,
    /// A range on the options sheet, e.g. `'选项'!$A$1:$A$40`.
    OptionsSheet {
        column: u16,
        range: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DropDown {
    pub kind: FieldKind,
    pub options: Vec<String>,
    pub source: Source,
}

/// The drop-downs of `call`'s form: one for the category, one for the
/// sub-category when any category has sub-categories.
pub(super) fn plan(call: &Call) -> Vec<DropDown> {
    let categories: Vec<String> = call.categories.iter().map(|c| c.name.clone()).collect();
    let mut subcategories: Vec<String> = Vec::new();
    for sub in call.categories.iter().flat_map(|c| &c.subcategories) {
        // Two categories may share a sub-category name; the list shows it once.
        if !subcategories.contains(&sub.name) {
            subcategories.push(sub.name.clone());
        }
    }
    let mut next_column = 0u16;
    [
        (FieldKind::Category, categories),
        (FieldKind::SubCategory, subcategories),
    ]
    .into_iter()
    .filter(|(_, options)| !options.is_empty())
    .map(|(kind, options)| {
        let source = if fits_inline(&options) {
            Source::Inline
        } else {
            let column = next_column;
            next_column += 1;
            Source::OptionsSheet {
                column,
                range: sheet_range(column, options.len()),
            }
        };
        DropDown {
            kind,
            options,
            source,
        }
    })
    .collect()
}

fn fits_inline(options: &[String]) -> bool {
    let joined = options.join(",");
    // A quote in an option is doubled inside the list.
    let length: usize = joined.encode_utf16().count() + joined.matches('"').count();
    length <= INLINE_LIST_LIMIT
}

fn sheet_range(column: u16, len: usize) -> String {
    let last_row = u32::try_from(len.saturating_sub(1)).unwrap_or(u32::MAX);
    format!(
        "'{OPTIONS_SHEET}'!{}:{}",
        row_col_to_cell_absolute(0, column),
        row_col_to_cell_absolute(last_row, column)
    )
}

/// Adds the hidden options sheet when some list lives there.
pub(super) fn add_options_sheet(
    workbook: &mut Workbook,
    dropdowns: &[DropDown],
) -> Result<(), XlsxError> {
    let on_sheet: Vec<(u16, &[String])> = dropdowns
        .iter()
        .filter_map(|d| match d.source {
            Source::OptionsSheet { column, .. } => Some((column, d.options.as_slice())),
            Source::Inline => None,
        })
        .collect();
    if on_sheet.is_empty() {
        return Ok(());
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(OPTIONS_SHEET)?;
    sheet.set_hidden(true);
    for (column, options) in on_sheet {
        sheet.write_column(0, column, options)?;
        sheet.set_column_width(column, 30)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_moves_to_the_options_sheet() {
        let short = vec!["甲".to_string(), "乙".to_string()];
        let long: Vec<String> = (0..40).map(|i| format!("第{i}个很长的子类名称")).collect();
        assert!(fits_inline(&short));
        assert!(!fits_inline(&long));
        assert_eq!(sheet_range(1, 40), "'选项'!$B$1:$B$40");
    }
}
