//! calamine's sheets, ranges and merged areas → [`Sheet`] and [`Merge`].

use calamine::{Data, Dimensions, Range, SheetType, SheetVisible};

use super::budget::{Budget, Extent};
use super::cell_value::{from_data, text_bytes};
use super::{Cell, Merge, Sheet, WorkbookError};
use crate::config::Limits;

/// Only visible worksheets are read: hidden and very hidden sheets, chart,
/// macro and dialog sheets are no part of an application.
pub(crate) fn is_visible_worksheet(sheet: &calamine::Sheet) -> bool {
    sheet.visible == SheetVisible::Visible && sheet.typ == SheetType::WorkSheet
}

/// Merged areas as calamine lists them, sorted by their first cell.
pub(crate) fn merges_from(areas: &[Dimensions]) -> Vec<Merge> {
    let mut merges: Vec<Merge> = areas.iter().map(merge_from).collect();
    sort_merges(&mut merges);
    merges
}

pub(crate) fn sort_merges(merges: &mut [Merge]) {
    merges.sort_by_key(|m| (m.first_row, m.first_col, m.last_row, m.last_col));
}

/// A merged area, corners put in order whatever the file says.
fn merge_from(area: &Dimensions) -> Merge {
    let (start, end) = (area.start, area.end);
    Merge {
        first_row: start.0.min(end.0),
        first_col: start.1.min(end.1),
        last_row: start.0.max(end.0),
        last_col: start.1.max(end.1),
    }
}

/// The non-empty cells of a calamine range (built by calamine for .xls and
/// .ods, already measured by the pre-scan), checked against the used-range
/// limits like an .xlsx sheet.
pub(crate) fn sheet_from_range(
    name: &str,
    range: &Range<Data>,
    merges: Vec<Merge>,
    is_1904: bool,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Sheet, WorkbookError> {
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut extent = Extent::default();
    let mut cells = Vec::new();
    // Row by row, so the cells come out sorted by (row, col).
    for (row, col, data) in range.used_cells() {
        let Some(value) = from_data(data, is_1904) else {
            continue;
        };
        let row = first_row.saturating_add(u32::try_from(row).unwrap_or(u32::MAX));
        let col = first_col.saturating_add(u32::try_from(col).unwrap_or(u32::MAX));
        extent.include(row, col);
        extent.check(name, limits)?;
        budget.spend_cells(1)?;
        budget.spend_text(text_bytes(&value))?;
        cells.push(Cell { row, col, value });
    }
    Ok(Sheet {
        name: name.to_string(),
        cells,
        merges,
    })
}
