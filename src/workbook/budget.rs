//! What reading one workbook may cost, beyond the shape limits in [`Limits`]:
//! cells kept or allocated, text held, and the used range of a sheet.

use super::WorkbookError;
use crate::config::Limits;

/// Cell slots one workbook may cost: non-empty cells kept for .xlsx, and for
/// .xls / .ods every cell of calamine's dense ranges (all sheets, hidden ones
/// too, since calamine builds them all while opening). 4 million slots are
/// about 130 MB of calamine cells; a real application form uses a few hundred.
pub const DENSE_CELL_BUDGET: u64 = 4_000_000;

/// Text bytes the cells of one workbook may hold once read. A shared string
/// referred to by a million cells counts a million times: that is the memory
/// it would take.
pub const TEXT_BUDGET_BYTES: u64 = 64 * 1024 * 1024;

/// What is left of the cell and text budgets while a workbook is read.
#[derive(Debug)]
pub(crate) struct Budget {
    cells_left: u64,
    text_left: u64,
}

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget {
            cells_left: DENSE_CELL_BUDGET,
            text_left: TEXT_BUDGET_BYTES,
        }
    }

    pub(crate) fn spend_cells(&mut self, cells: u64) -> Result<(), WorkbookError> {
        self.cells_left = self.cells_left.checked_sub(cells).ok_or_else(|| {
            WorkbookError::TooLarge(format!("单元格过多（超过 {DENSE_CELL_BUDGET} 个）"))
        })?;
        Ok(())
    }

    pub(crate) fn spend_text(&mut self, bytes: u64) -> Result<(), WorkbookError> {
        self.text_left = self.text_left.checked_sub(bytes).ok_or_else(|| {
            WorkbookError::TooLarge(format!("单元格文字过多（超过 {TEXT_BUDGET_BYTES} 字节）"))
        })?;
        Ok(())
    }
}

/// The rectangle spanned by some cells of a sheet (inclusive, 0-based).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Extent {
    bounds: Option<[u32; 4]>,
}

impl Extent {
    pub(crate) fn include(&mut self, row: u32, col: u32) {
        self.include_area(row, col, row, col);
    }

    pub(crate) fn include_area(
        &mut self,
        first_row: u32,
        first_col: u32,
        last_row: u32,
        last_col: u32,
    ) {
        let [r0, c0, r1, c1] = self
            .bounds
            .unwrap_or([first_row, first_col, last_row, last_col]);
        self.bounds = Some([
            r0.min(first_row),
            c0.min(first_col),
            r1.max(last_row),
            c1.max(last_col),
        ]);
    }

    pub(crate) fn rows(&self) -> u64 {
        self.bounds
            .map_or(0, |[r0, _, r1, _]| u64::from(r1) - u64::from(r0) + 1)
    }

    pub(crate) fn cols(&self) -> u64 {
        self.bounds
            .map_or(0, |[_, c0, _, c1]| u64::from(c1) - u64::from(c0) + 1)
    }

    /// Cells of the rectangle: what a dense range over it allocates.
    pub(crate) fn area(&self) -> u64 {
        self.rows().saturating_mul(self.cols())
    }

    /// Refuses a used range over `max_rows` × `max_cols`.
    pub(crate) fn check(&self, sheet: &str, limits: &Limits) -> Result<(), WorkbookError> {
        if self.rows() > u64::from(limits.max_rows) {
            return Err(WorkbookError::TooLarge(format!(
                "工作表“{sheet}”的已用区域超过 {} 行",
                limits.max_rows
            )));
        }
        if self.cols() > u64::from(limits.max_cols) {
            return Err(WorkbookError::TooLarge(format!(
                "工作表“{sheet}”的已用区域超过 {} 列",
                limits.max_cols
            )));
        }
        Ok(())
    }
}

/// Refuses a workbook with more than `max_sheets` sheets (hidden ones count:
/// they are parsed too).
pub(crate) fn check_sheet_count(count: usize, limits: &Limits) -> Result<(), WorkbookError> {
    if count > limits.max_sheets {
        return Err(WorkbookError::TooLarge(format!(
            "工作表超过 {} 个（共 {count} 个）",
            limits.max_sheets
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_spans_included_cells() {
        let mut extent = Extent::default();
        assert_eq!(extent.area(), 0);
        extent.include(5, 2);
        extent.include(1, 7);
        assert_eq!((extent.rows(), extent.cols()), (5, 6));
        extent.include(1_048_575, 16_383);
        assert_eq!(extent.rows(), 1_048_575);
        let limits = Limits::default();
        assert!(matches!(
            extent.check("S", &limits),
            Err(WorkbookError::TooLarge(_))
        ));
    }

    #[test]
    fn budget_refuses_overspending() {
        let mut budget = Budget::new();
        assert!(budget.spend_cells(DENSE_CELL_BUDGET).is_ok());
        assert!(budget.spend_cells(1).is_err());
        assert!(budget.spend_text(TEXT_BUDGET_BYTES + 1).is_err());
    }
}
