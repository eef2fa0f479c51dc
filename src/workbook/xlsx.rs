//! .xlsx (and .xlsm): cells streamed from each visible worksheet with
//! calamine's cell reader. Only non-empty cells are kept and no dense range is
//! ever built, so a formatted empty cell at XFD1048576 costs nothing; the used
//! range of non-empty cells is checked as it grows, so a million-row sheet is
//! refused as soon as its 100,001st row shows up.

use std::io::{Cursor, Read};

use calamine::{Reader, Xlsx, XlsxError};

use super::budget::{Budget, Extent, check_sheet_count};
use super::cell_value::{from_data_ref, text_bytes};
use super::convert::{is_visible_worksheet, merges_from};
use super::sniff::open_zip;
use super::xml_tags::{Token, Tokens, attr, local_name};
use super::{Cell, Sheet, WorkbookError};
use crate::config::Limits;

type XlsxReader<'a> = Xlsx<Cursor<&'a [u8]>>;

/// How much of `sharedStrings.xml` is looked at for its `<sst>` tag.
const SST_HEAD_BYTES: u64 = 64 * 1024;
/// The smallest shared string, `<si/>`.
const MIN_BYTES_PER_SHARED_STRING: u64 = 5;

/// Reads the visible worksheets of an .xlsx whose zip limits were checked.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, WorkbookError> {
    check_shared_strings_count(bytes)?;
    let mut workbook: XlsxReader<'_> = Xlsx::new(Cursor::new(bytes)).map_err(from_xlsx_error)?;
    let sheets = workbook.sheets_metadata().to_vec();
    check_sheet_count(sheets.len(), limits)?;
    let is_1904 = workbook.has_1904_epoch();
    let mut budget = Budget::new();
    let mut read = Vec::new();
    for meta in sheets.iter().filter(|meta| is_visible_worksheet(meta)) {
        let Some(cells) = read_cells(&mut workbook, &meta.name, is_1904, limits, &mut budget)?
        else {
            continue;
        };
        let merges = workbook
            .merge_cells_by_sheet_name(&meta.name)
            .map_err(from_xlsx_error)?;
        let merges = merges_from(&merges);
        read.push(Sheet {
            name: meta.name.clone(),
            cells,
            merges,
        });
    }
    Ok(read)
}

/// The non-empty cells of one sheet, sorted; `None` if it is not a worksheet.
fn read_cells(
    workbook: &mut XlsxReader<'_>,
    name: &str,
    is_1904: bool,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Option<Vec<Cell>>, WorkbookError> {
    let mut reader = match workbook.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        Err(XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(from_xlsx_error(e)),
    };
    let mut extent = Extent::default();
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(from_xlsx_error)? {
        let Some(value) = from_data_ref(cell.get_value(), is_1904) else {
            continue;
        };
        let (row, col) = cell.get_position();
        extent.include(row, col);
        extent.check(name, limits)?;
        budget.spend_cells(1)?;
        budget.spend_text(text_bytes(&value))?;
        cells.push(Cell { row, col, value });
    }
    Ok(Some(sorted_without_duplicates(cells)))
}

/// Sorts by (row, col); of two cells at one address the later one wins, as
/// in calamine's own ranges.
fn sorted_without_duplicates(mut cells: Vec<Cell>) -> Vec<Cell> {
    cells.sort_by_key(|cell| (cell.row, cell.col));
    cells.reverse();
    cells.dedup_by_key(|cell| (cell.row, cell.col));
    cells.reverse();
    cells
}

/// calamine reserves room for `<sst uniqueCount="N">` strings before reading
/// any: a tiny file claiming 10^12 would abort the process (a failed
/// allocation is not a panic). A count the entry's size cannot hold is refused.
fn check_shared_strings_count(bytes: &[u8]) -> Result<(), WorkbookError> {
    let mut archive = open_zip(bytes)?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| name.to_ascii_lowercase().ends_with("sharedstrings.xml"))
        .map(|name| name.into_owned())
        .collect();
    let unreadable =
        |e: &dyn std::fmt::Display| WorkbookError::Corrupt(format!("共享字符串表无法读取（{e}）"));
    for name in names {
        let entry = archive.by_name(&name).map_err(|e| unreadable(&e))?;
        let size = entry.size();
        let mut head = Vec::new();
        entry
            .take(SST_HEAD_BYTES)
            .read_to_end(&mut head)
            .map_err(|e| unreadable(&e))?;
        let plausible = size / MIN_BYTES_PER_SHARED_STRING + 1;
        match declared_unique_count(&head) {
            Some(Some(count)) if count > plausible => {
                return Err(WorkbookError::Corrupt(
                    "共享字符串表声明的数量不合理".to_string(),
                ));
            }
            None if (head.len() as u64) < size => {
                return Err(WorkbookError::Corrupt("共享字符串表开头异常".to_string()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `None` if no `<sst>` tag starts `head`; else its `uniqueCount` when calamine
/// would read one (digits, maybe after a '+').
fn declared_unique_count(head: &[u8]) -> Option<Option<u64>> {
    for token in Tokens::new(head) {
        if let Ok(Token::Start { name, attrs, .. }) = token
            && local_name(name) == b"sst"
        {
            let count = attr(attrs, b"uniqueCount").and_then(|raw| {
                let digits = std::str::from_utf8(raw).ok()?;
                digits.strip_prefix('+').unwrap_or(digits).parse().ok()
            });
            return Some(count);
        }
    }
    None
}

fn from_xlsx_error(error: XlsxError) -> WorkbookError {
    match error {
        XlsxError::Password => WorkbookError::Encrypted,
        other => WorkbookError::Corrupt(format!("无法读取 xlsx（{other}）")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbook::CellValue;

    #[test]
    fn unique_count_is_read_from_the_sst_tag() {
        let head = br#"<?xml version="1.0"?><sst xmlns="x" count="3" uniqueCount="2"><si>"#;
        assert_eq!(declared_unique_count(head), Some(Some(2)));
        assert_eq!(
            declared_unique_count(br#"<x:sst uniqueCount="+9">"#),
            Some(Some(9))
        );
        assert_eq!(declared_unique_count(b"<sst>"), Some(None));
        assert_eq!(declared_unique_count(b"<!-- long"), None);
    }

    #[test]
    fn duplicates_keep_the_later_cell() {
        let cell = |row, col, text: &str| Cell {
            row,
            col,
            value: CellValue::Text(text.into()),
        };
        let cells = vec![cell(1, 0, "b"), cell(0, 0, "first"), cell(0, 0, "second")];
        assert_eq!(
            sorted_without_duplicates(cells),
            vec![cell(0, 0, "second"), cell(1, 0, "b")]
        );
    }
}
