//! .ods: `content.xml` pre-scanned (see [`super::ods_scan`]), then read by
//! calamine, which builds each table as a dense range. calamine reports no
//! merged cells for .ods; they come from the pre-scan.

use std::io::{Cursor, Read};

use calamine::{Ods, OdsError, Reader};

use super::budget::{Budget, check_sheet_count};
use super::convert::{is_visible_worksheet, sheet_from_range};
use super::ods_scan::{self, OdsTable};
use super::sniff::open_zip;
use super::{Sheet, WorkbookError};
use crate::config::Limits;

/// What ODF writes in the manifest for an encrypted part.
const ENCRYPTION_MARK: &[u8] = b"<manifest:encryption-data";

/// Reads the visible tables of an .ods whose zip limits were checked.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, WorkbookError> {
    // An encrypted content.xml is noise to the pre-scan: say so first.
    if read_entry(bytes, "META-INF/manifest.xml")?
        .windows(ENCRYPTION_MARK.len())
        .any(|window| window == ENCRYPTION_MARK)
    {
        return Err(WorkbookError::Encrypted);
    }
    let tables = ods_scan::scan(&read_entry(bytes, "content.xml")?, limits)?;
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(from_ods_error)?;
    let sheets = workbook.sheets_metadata().to_vec();
    check_sheet_count(sheets.len(), limits)?;
    let mut budget = Budget::new();
    let mut read = Vec::new();
    for meta in sheets.iter().filter(|meta| is_visible_worksheet(meta)) {
        let range = match workbook.worksheet_range(&meta.name) {
            Ok(range) => range,
            Err(OdsError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(from_ods_error(e)),
        };
        let merges = merges_of(&tables, &meta.name);
        // .ods dates are ISO strings; there is no serial epoch to correct.
        read.push(sheet_from_range(
            &meta.name,
            &range,
            merges,
            false,
            limits,
            &mut budget,
        )?);
    }
    Ok(read)
}

fn merges_of(tables: &[OdsTable], name: &str) -> Vec<super::Merge> {
    tables
        .iter()
        .find(|table| table.name == name)
        .map(|table| table.merges.clone())
        .unwrap_or_default()
}

/// A whole entry; its size was bounded by the zip limits, and the zip crate
/// inflates no more than the declared size. A missing entry reads as empty
/// (calamine reports it).
fn read_entry(bytes: &[u8], name: &str) -> Result<Vec<u8>, WorkbookError> {
    let mut archive = open_zip(bytes)?;
    let unreadable =
        |e: &dyn std::fmt::Display| WorkbookError::Corrupt(format!("{name} 无法读取（{e}）"));
    let mut data = Vec::new();
    match archive.by_name(name) {
        Ok(mut entry) => {
            entry.read_to_end(&mut data).map_err(|e| unreadable(&e))?;
        }
        Err(zip::result::ZipError::FileNotFound) => {}
        Err(e) => return Err(unreadable(&e)),
    }
    Ok(data)
}

fn from_ods_error(error: OdsError) -> WorkbookError {
    match error {
        OdsError::Password => WorkbookError::Encrypted,
        other => WorkbookError::Corrupt(format!("无法读取 ods（{other}）")),
    }
}
