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

use super::budget::{Budget, check_sheet_count};
use super::xlsx_parts::{self, Relationships, corrupt};
use super::xlsx_sheet::{self, SheetContext};
use super::zip_parts::Parts;
use super::{Sheet, WorkbookError};
use crate::config::Limits;

/// Reads the visible worksheets of an .xlsx whose zip limits were checked.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, WorkbookError> {
    let mut archive = Parts::open(bytes)?;
    let package_rels = archive
        .read("_rels/.rels")?
        .ok_or_else(|| corrupt("缺少 _rels/.rels"))?;
    let workbook_path = xlsx_parts::office_document(&package_rels)?;
    let (dir, file) = workbook_path.split_at(workbook_path.rfind('/').map_or(0, |at| at + 1));
    let rels = workbook_rels(&mut archive, dir, file)?;
    let Some(workbook_xml) = archive.read(&workbook_path)? else {
        return Ok(Vec::new());
    };
    let workbook = xlsx_parts::workbook(&workbook_xml, dir, &rels)?;
    check_sheet_count(workbook.sheets.len(), limits)?;
    let strings = match archive.read(&format!("{dir}sharedStrings.xml"))? {
        Some(xml) => xlsx_parts::shared_strings(&xml)?,
        None => Vec::new(),
    };
    let formats = match archive.read(&format!("{dir}styles.xml"))? {
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
        let xml = archive
            .read(&entry.path)?
            .ok_or_else(|| corrupt(&format!("找不到工作表“{}”", entry.name)))?;
        if let Some(sheet) = xlsx_sheet::read(&xml, &entry.name, &context, &mut budget)? {
            sheets.push(sheet);
        }
    }
    Ok(sheets)
}

fn workbook_rels(
    archive: &mut Parts<'_>,
    dir: &str,
    file: &str,
) -> Result<Relationships, WorkbookError> {
    let path = format!("{dir}_rels/{file}.rels");
    let xml = archive
        .read(&path)?
        .ok_or_else(|| corrupt(&format!("缺少 {path}")))?;
    xlsx_parts::relationships(&xml)
}
