//! Reading a workbook: bytes → [`Workbook`] of visible sheets and their cells.
//!
//! The format is sniffed from the bytes (zip / CFB signatures), never from the
//! file name. .xlsx is read by our own reader (`xlsx`, see there why); .xls and
//! .ods by the concrete calamine reader (the auto-opener would
//! hide "password-protected"). Limits are checked *before* anything is inflated
//! or allocated: a zip's central directory, a sheet's declared dimensions.
//! Knows nothing of forms or labels: that is `form/`.
//!
//! # What comes out
//!
//! Visible worksheets only (hidden, very hidden, chart and macro sheets are
//! skipped), each with its non-empty cells sorted by (row, col) and its merged
//! areas (.ods merges come from this module's own scan: calamine has none).
//! Text is kept as written; empty text and error cells (#N/A…) are dropped;
//! formulas count by their cached value. A date-formatted cell is
//! [`CellValue::DateTime`] with a 1900-system serial (1904 workbooks are
//! shifted), a duration-formatted one a plain number; .ods dates are
//! [`CellValue::DateIso`].
//!
//! # How hostile input is kept harmless
//!
//! - `sniff`: the container is recognised from its directory only (zip central
//!   directory, CFB directory); nothing is inflated.
//! - `zip_guard`: declared sizes and ratios are checked against [`Limits`]
//!   before anything is inflated. Neither the zip crate (9.x, for .ods) nor
//!   `zip_parts` (for .xlsx) inflates an entry past its declared size, so a
//!   lying header cannot slip past.
//! - .xlsx (`xlsx`, `xlsx_parts`, `xlsx_sheet`): each part is inflated once
//!   (bounded by the zip limits); only non-empty cells are kept, the used
//!   range of non-empty cells is checked as it grows, and no dense range is
//!   ever built. A formatted but empty cell at XFD1048576 costs nothing; a
//!   non-empty one there makes the used range exceed `max_rows` → `TooLarge`.
//!   No declared count (`<sst uniqueCount>`, `<dimension>`) sizes anything.
//! - .xls (`xls_scan`) and .ods (`ods_scan`): calamine builds every sheet
//!   (hidden ones too) as a *dense* range while opening, so the BIFF records /
//!   `content.xml` are pre-scanned to compute what it would allocate, and the
//!   workbook is refused before calamine runs when a sheet's used range
//!   exceeds the limits or the whole exceeds [`DENSE_CELL_BUDGET`] /
//!   [`TEXT_BUDGET_BYTES`]. Hidden sheets count there, and toward `max_sheets`.
//! - A panic inside a parser becomes [`WorkbookError::Corrupt`] ([`open`]).
//!
//! Residual risks, documented rather than solved: a parser stuck in a loop is
//! not interrupted (no timeout here; the caller may run `open` on a worker);
//! .xls formula text is not budgeted (calamine renders each formula as text,
//! and a formula naming a long sheet name many times grows ~100× its record,
//! bounded by the attachment size); an .xlsx's whole shared string table is
//! held (bounded by `max_uncompressed_bytes`); CFB sector-chain cycles
//! are caught by the `cfb` crate's validation, which calamine's own CFB reader
//! lacks; a caught panic is still printed by the process's panic hook.

use crate::config::Limits;

mod biff;
mod budget;
mod cell_value;
mod convert;
mod number_format;
mod ods;
mod ods_scan;
mod sniff;
mod xls;
mod xls_scan;
mod xlsx;
mod xlsx_parts;
mod xlsx_sheet;
mod xml_tags;
mod zip_guard;
mod zip_parts;

pub use budget::{DENSE_CELL_BUDGET, TEXT_BUDGET_BYTES};

/// What the bytes were recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
}

/// A cell's value as the workbook holds it (formulas by their cached value).
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Text(String),
    Number(f64),
    /// An Excel serial day number of a cell formatted as a date.
    DateTime(f64),
    /// An ISO 8601 date or date-time as .ods stores it.
    DateIso(String),
    Bool(bool),
}

/// One non-empty cell. Rows and columns count from 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub row: u32,
    pub col: u32,
    pub value: CellValue,
}

/// A merged area, inclusive, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

/// One visible sheet. Hidden sheets are not in a [`Workbook`] at all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    /// Non-empty cells, sorted by (row, col).
    pub cells: Vec<Cell>,
    pub merges: Vec<Merge>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    pub format: Format,
    pub sheets: Vec<Sheet>,
}

/// Why a workbook could not be read. Each becomes a message-level deficiency.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkbookError {
    /// Not a zip or CFB container at all, or a container holding no workbook.
    #[error("not a workbook: {0}")]
    NotAWorkbook(String),
    #[error("password-protected")]
    Encrypted,
    #[error("corrupt: {0}")]
    Corrupt(String),
    /// Over a configured limit; the text says which, in Chinese.
    #[error("too large: {0}")]
    TooLarge(String),
}

/// Returns the 0-based A1 address, e.g. `a1(11, 1) == "B12"`.
pub fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(b'A' + rem as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8(letters).unwrap_or_default(),
        row + 1
    )
}

/// True when the bytes start like a workbook container (zip or CFB).
pub fn looks_like_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(sniff::ZIP_MAGIC) || bytes.starts_with(sniff::CFB_MAGIC)
}

/// Reads every visible sheet of a workbook within `limits`.
///
/// Never panics: a panic inside a parser is caught and reported as
/// [`WorkbookError::Corrupt`].
pub fn open(bytes: &[u8], limits: &Limits) -> Result<Workbook, WorkbookError> {
    if bytes.len() as u64 > limits.max_attachment_bytes {
        return Err(WorkbookError::TooLarge(format!(
            "文件大小超过 {} 字节",
            limits.max_attachment_bytes
        )));
    }
    catching_panics(|| {
        let format = sniff::detect(bytes, limits)?;
        let sheets = match format {
            Format::Xlsx => xlsx::read(bytes, limits)?,
            Format::Xls => xls::read(bytes, limits)?,
            Format::Ods => ods::read(bytes, limits)?,
        };
        Ok(Workbook { format, sheets })
    })
}

/// Runs a parser, turning a panic into `Corrupt` so that `open` never panics.
fn catching_panics<T>(
    parse: impl FnOnce() -> Result<T, WorkbookError>,
) -> Result<T, WorkbookError> {
    // AssertUnwindSafe: nothing the closure touches outlives a panic (the
    // zip, CFB and calamine readers are created and dropped inside it).
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(WorkbookError::Corrupt(format!("解析时出错（{what}）")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_addresses() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(11, 1), "B12");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1048575, 16383), "XFD1048576");
    }
}
