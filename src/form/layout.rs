//! Where a label's value sits on the sheet (`form.md`, "The layout"): the first
//! non-empty cell to its right before the next label of the row, or, when the
//! row holds nothing at all to its right, the cell below it. Merged areas count
//! from their top-left cell; a merged label's "right" and "below" start after
//! its merge.

use std::collections::HashMap;

use super::labels::{LabelIndex, LabelMatch};
use crate::config::MoneyUnit;
use crate::workbook::{Cell, CellValue, Merge, Sheet};

/// A label cell found on the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelHit {
    /// Index into `Call::fields`.
    pub field: usize,
    pub unit: MoneyUnit,
    pub row: u32,
    pub col: u32,
}

/// A sheet with its label cells found and its merges indexed.
pub struct SheetView<'s> {
    sheet: &'s Sheet,
    /// Merges by their top-left cell.
    merges: HashMap<(u32, u32), Merge>,
    /// In sheet order, (row, col) ascending.
    labels: Vec<LabelHit>,
}

/// True for a cell holding nothing but white space.
pub fn is_blank(value: &CellValue) -> bool {
    matches!(value, CellValue::Text(s) if s.trim().is_empty())
}

/// The label a cell holds, if any.
pub fn label_of(cell: &Cell, index: &LabelIndex) -> Option<LabelMatch> {
    match &cell.value {
        CellValue::Text(s) => index.match_text(s),
        _ => None,
    }
}

impl<'s> SheetView<'s> {
    pub fn new(sheet: &'s Sheet, index: &LabelIndex) -> SheetView<'s> {
        let merges = sheet
            .merges
            .iter()
            .map(|m| ((m.first_row, m.first_col), *m))
            .collect();
        let mut labels: Vec<LabelHit> = sheet
            .cells
            .iter()
            .filter_map(|cell| {
                label_of(cell, index).map(|m| LabelHit {
                    field: m.field,
                    unit: m.unit,
                    row: cell.row,
                    col: cell.col,
                })
            })
            .collect();
        // The reader promises sorted cells; a binary search must not depend on it.
        labels.sort_by_key(|hit| (hit.row, hit.col));
        SheetView {
            sheet,
            merges,
            labels,
        }
    }

    pub fn labels(&self) -> &[LabelHit] {
        &self.labels
    }

    fn is_label(&self, row: u32, col: u32) -> bool {
        self.labels
            .binary_search_by_key(&(row, col), |hit| (hit.row, hit.col))
            .is_ok()
    }

    /// The cells of one row, in column order.
    fn row(&self, row: u32) -> &'s [Cell] {
        let cells = &self.sheet.cells;
        let start = cells.partition_point(|c| c.row < row);
        let len = cells[start..].partition_point(|c| c.row == row);
        &cells[start..start + len]
    }

    fn cell_at(&self, row: u32, col: u32) -> Option<&'s Cell> {
        let cells = self.row(row);
        cells
            .binary_search_by_key(&col, |c| c.col)
            .ok()
            .map(|i| &cells[i])
    }

    /// The area a cell covers: its merge when it is a merge's top-left, else itself.
    fn extent(&self, row: u32, col: u32) -> Merge {
        self.merges.get(&(row, col)).copied().unwrap_or(Merge {
            first_row: row,
            first_col: col,
            last_row: row,
            last_col: col,
        })
    }

    /// The top-left cell of the merge covering (row, col), or (row, col) itself.
    fn top_left(&self, row: u32, col: u32) -> (u32, u32) {
        self.sheet
            .merges
            .iter()
            .find(|m| {
                (m.first_row..=m.last_row).contains(&row)
                    && (m.first_col..=m.last_col).contains(&col)
            })
            .map_or((row, col), |m| (m.first_row, m.first_col))
    }

    /// The cells holding a label's value: the first is the value cell; a check-box
    /// row spread over cells continues to the next label. Empty when there is no value.
    pub fn locate(&self, hit: &LabelHit) -> &'s [Cell] {
        let extent = self.extent(hit.row, hit.col);
        let row = self.row(hit.row);
        let right_start = row.partition_point(|c| c.col <= extent.last_col);
        let right = &row[right_start..];
        if right.iter().all(|c| is_blank(&c.value)) {
            return self.below(&extent);
        }
        let run_len = right
            .iter()
            .position(|c| self.is_label(c.row, c.col))
            .unwrap_or(right.len());
        let run = &right[..run_len];
        match run.iter().position(|c| !is_blank(&c.value)) {
            Some(first) => &run[first..],
            None => &[],
        }
    }

    /// The cell below a label (long texts), unless it is itself a label or blank.
    fn below(&self, extent: &Merge) -> &'s [Cell] {
        let Some(next_row) = extent.last_row.checked_add(1) else {
            return &[];
        };
        let (row, col) = self.top_left(next_row, extent.first_col);
        match self.cell_at(row, col) {
            Some(cell) if !is_blank(&cell.value) && !self.is_label(row, col) => {
                std::slice::from_ref(cell)
            }
            _ => &[],
        }
    }
}
