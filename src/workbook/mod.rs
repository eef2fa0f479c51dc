//! Reading a workbook: bytes → [`Workbook`] of visible sheets and their cells.
//!
//! The format is sniffed from the bytes (zip / CFB signatures), never from the
//! file name, and the concrete calamine reader is called (the auto-opener would
//! hide "password-protected"). Limits are checked *before* anything is inflated
//! or allocated: a zip's central directory, a sheet's declared dimensions.
//! Knows nothing of forms or labels: that is `form/`.

use crate::config::Limits;

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
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Reads every visible sheet of a workbook within `limits`.
pub fn open(bytes: &[u8], limits: &Limits) -> Result<Workbook, WorkbookError> {
    let _ = (bytes, limits);
    todo!("workbook helper")
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
