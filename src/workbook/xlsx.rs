//! .xlsx (and .xlsm): our own reader over the zip and [`super::xml_tags`].
//!
//! calamine read these until it was measured: `Xlsx::new` parses every
//! workbook's fonts, fills, borders and theme colours (which a form never
//! needs, and which cannot be skipped), and reading merged cells parses a
//! sheet a second time. Together that was two thirds of the time spent on a
//! typical 申报书. Here each part is inflated once and only what the form uses
//! is read: the sheet list, the date formats, the shared strings, and each
//! visible worksheet's cells and merges in one pass ([`super::xlsx_sheet`]).
//! The meaning of every part follows calamine 0.38, so the golden corpus
//! reads as before.
//!
//! Only non-empty cells are kept and no dense range is ever built, so a
//! formatted empty cell at XFD1048576 costs nothing; the used range of
//! non-empty cells is checked as it grows, so a million-row sheet is refused
//! as soon as its 100,001st row shows up.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::budget::{Budget, check_sheet_count};
use super::sniff::open_zip;
use super::xlsx_parts::{self, Relationships, corrupt};
use super::xlsx_sheet::{self, SheetContext};
use super::{Sheet, WorkbookError};
use crate::config::Limits;

type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Reads the visible worksheets of an .xlsx whose zip limits were checked.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, WorkbookError> {
    let mut archive = open_zip(bytes)?;
    let package_rels =
        read_part(&mut archive, "_rels/.rels")?.ok_or_else(|| corrupt("缺少 _rels/.rels"))?;
    let workbook_path = xlsx_parts::office_document(&package_rels)?;
    let (dir, file) = workbook_path.split_at(workbook_path.rfind('/').map_or(0, |at| at + 1));
    let rels = workbook_rels(&mut archive, dir, file)?;
    let Some(workbook_xml) = read_part(&mut archive, &workbook_path)? else {
        return Ok(Vec::new());
    };
    let workbook = xlsx_parts::workbook(&workbook_xml, dir, &rels)?;
    check_sheet_count(workbook.sheets.len(), limits)?;
    let strings = match read_part(&mut archive, &format!("{dir}sharedStrings.xml"))? {
        Some(xml) => xlsx_parts::shared_strings(&xml)?,
        None => Vec::new(),
    };
    let formats = match read_part(&mut archive, &format!("{dir}styles.xml"))? {
        Some(xml) => xlsx_parts::cell_formats(&xml)?,
        None => Vec::new(),
    };
    let context = SheetContext {
        strings: &strings,
        formats: &formats,
        is_1904: workbook.is_1904,
        limits,
    };
    let mut budget = Budget::new();
    let mut sheets = Vec::new();
    for entry in workbook
        .sheets
        .iter()
        .filter(|entry| entry.visible_worksheet)
    {
        let xml = read_part(&mut archive, &entry.path)?
            .ok_or_else(|| corrupt(&format!("找不到工作表“{}”", entry.name)))?;
        if let Some(sheet) = xlsx_sheet::read(&xml, &entry.name, &context, &mut budget)? {
            sheets.push(sheet);
        }
    }
    Ok(sheets)
}

fn workbook_rels(
    archive: &mut Archive<'_>,
    dir: &str,
    file: &str,
) -> Result<Relationships, WorkbookError> {
    let path = format!("{dir}_rels/{file}.rels");
    let xml = read_part(archive, &path)?.ok_or_else(|| corrupt(&format!("缺少 {path}")))?;
    xlsx_parts::relationships(&xml)
}

/// Names compared as calamine does: ASCII case and `\\` against `/` ignored.
fn same_part_name(stored: &str, wanted: &str) -> bool {
    stored.len() == wanted.len()
        && stored
            .bytes()
            .zip(wanted.bytes())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == b'\\' && b == b'/'))
}

/// A whole part, found by name without regard to case or slash direction (as
/// some writers store them); `None` if there is none. Its size was bounded by
/// the zip limits, and the zip crate inflates no more than the declared size.
fn read_part(archive: &mut Archive<'_>, path: &str) -> Result<Option<Vec<u8>>, WorkbookError> {
    let Some(index) = (0..archive.len()).find(|&index| {
        archive
            .name_for_index(index)
            .is_some_and(|name| name.is_ok_and(|name| same_part_name(&name, path)))
    }) else {
        return Ok(None);
    };
    let unreadable = |e: &dyn std::fmt::Display| corrupt(&format!("{path} 无法解压：{e}"));
    let mut entry = archive.by_index(index).map_err(|e| unreadable(&e))?;
    let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0).min(1 << 20));
    entry.read_to_end(&mut data).map_err(|e| unreadable(&e))?;
    Ok(Some(data))
}
