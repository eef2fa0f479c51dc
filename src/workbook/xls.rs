//! .xls (BIFF): pre-scanned (see [`super::xls_scan`]), then read by calamine,
//! which builds each sheet as a dense range; merged cells come from calamine.

use std::io::{Cursor, Read};

use calamine::{Reader, Xls, XlsError};

use super::budget::{Budget, check_sheet_count};
use super::convert::{is_visible_worksheet, merges_from, sheet_from_range};
use super::sniff::open_cfb;
use super::{Sheet, WorkbookError, xls_scan};
use crate::config::Limits;

/// The names calamine looks for, in any storage, ignoring case.
const WORKBOOK_STREAMS: [&str; 2] = ["Workbook", "Book"];

/// Reads the visible worksheets of an .xls.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, WorkbookError> {
    for stream in workbook_streams(bytes)? {
        xls_scan::scan(&stream, limits)?;
    }
    let mut workbook = Xls::new(Cursor::new(bytes)).map_err(from_xls_error)?;
    let sheets = workbook.sheets_metadata().to_vec();
    check_sheet_count(sheets.len(), limits)?;
    let is_1904 = workbook.has_1904_epoch();
    let mut budget = Budget::new();
    let mut read = Vec::new();
    for meta in sheets.iter().filter(|meta| is_visible_worksheet(meta)) {
        let range = match workbook.worksheet_range(&meta.name) {
            Ok(range) => range,
            Err(XlsError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(from_xls_error(e)),
        };
        let merges = workbook
            .merge_cells_by_sheet_name(&meta.name)
            .map_err(from_xls_error)?;
        let merges = merges_from(&merges);
        read.push(sheet_from_range(
            &meta.name,
            &range,
            merges,
            is_1904,
            limits,
            &mut budget,
        )?);
    }
    Ok(read)
}

/// Every stream calamine might take for the workbook stream: it picks the
/// first entry of that name in directory order, wherever it is, so all of
/// them are scanned.
fn workbook_streams(bytes: &[u8]) -> Result<Vec<Vec<u8>>, WorkbookError> {
    let mut compound = open_cfb(bytes)?;
    let paths: Vec<_> = compound
        .walk()
        .filter(|entry| entry.is_stream())
        .filter(|entry| {
            WORKBOOK_STREAMS
                .iter()
                .any(|name| entry.name().eq_ignore_ascii_case(name))
        })
        .map(|entry| entry.path().to_path_buf())
        .collect();
    let unreadable =
        |e: std::io::Error| WorkbookError::Corrupt(format!("工作簿数据流无法读取（{e}）"));
    let mut streams = Vec::new();
    for path in paths {
        let mut data = Vec::new();
        compound
            .open_stream(&path)
            .and_then(|mut stream| stream.read_to_end(&mut data))
            .map_err(unreadable)?;
        streams.push(data);
    }
    Ok(streams)
}

fn from_xls_error(error: XlsError) -> WorkbookError {
    match error {
        XlsError::Password => WorkbookError::Encrypted,
        other => WorkbookError::Corrupt(format!("无法读取 xls（{other}）")),
    }
}
