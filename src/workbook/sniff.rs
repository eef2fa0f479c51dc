//! Which workbook format some bytes hold, from the container's directory only:
//! the zip central directory or the CFB directory. Nothing is inflated here
//! except the few bytes of an .ods `mimetype` entry, after the zip limits.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::{Format, WorkbookError, zip_guard};
use crate::config::Limits;

pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
pub(crate) const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
/// Streams whose presence marks an ECMA-376 encrypted OOXML package in a CFB.
const ENCRYPTION_STREAMS: [&str; 2] = ["EncryptionInfo", "EncryptedPackage"];
/// The BIFF workbook stream: `Workbook` (BIFF8) or `Book` (BIFF5 and older).
const XLS_STREAMS: [&str; 2] = ["Workbook", "Book"];

/// Recognises the format; for a zip, also checks its limits (see [`zip_guard`]).
pub(crate) fn detect(bytes: &[u8], limits: &Limits) -> Result<Format, WorkbookError> {
    if bytes.starts_with(ZIP_MAGIC) {
        detect_in_zip(bytes, limits)
    } else if bytes.starts_with(CFB_MAGIC) {
        detect_in_cfb(bytes)
    } else {
        Err(WorkbookError::NotAWorkbook(
            "既不是 zip 也不是 OLE 复合文档".to_string(),
        ))
    }
}

/// Opens a zip's central directory; a truncated or broken one is `Corrupt`.
pub(crate) fn open_zip(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, WorkbookError> {
    ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| WorkbookError::Corrupt(format!("zip 结构损坏（{e}）")))
}

fn detect_in_zip(bytes: &[u8], limits: &Limits) -> Result<Format, WorkbookError> {
    let mut archive = open_zip(bytes)?;
    let has = |wanted: &str| {
        archive
            .file_names()
            .any(|name| name.is_ok_and(|name| name.eq_ignore_ascii_case(wanted)))
    };
    let format = if has("xl/workbook.xml") {
        Format::Xlsx
    } else if has("content.xml") && has("mimetype") {
        Format::Ods
    } else {
        return Err(WorkbookError::NotAWorkbook(
            "zip 中没有工作簿（可能是 Word 文档或其他压缩包）".to_string(),
        ));
    };
    zip_guard::check(&archive, limits)?;
    if format == Format::Ods && read_mimetype(&mut archive)? != ODS_MIMETYPE {
        return Err(WorkbookError::NotAWorkbook(
            "OpenDocument 文件不是电子表格".to_string(),
        ));
    }
    Ok(format)
}

/// The first bytes of the `mimetype` entry (never more than a line's worth).
fn read_mimetype(archive: &mut ZipArchive<Cursor<&[u8]>>) -> Result<Vec<u8>, WorkbookError> {
    let corrupt =
        |e: &dyn std::fmt::Display| WorkbookError::Corrupt(format!("mimetype 无法读取（{e}）"));
    let entry = archive.by_name("mimetype").map_err(|e| corrupt(&e))?;
    let mut mimetype = Vec::new();
    entry
        .take(ODS_MIMETYPE.len() as u64 + 16)
        .read_to_end(&mut mimetype)
        .map_err(|e| corrupt(&e))?;
    Ok(mimetype)
}

fn detect_in_cfb(bytes: &[u8]) -> Result<Format, WorkbookError> {
    let names = cfb_root_stream_names(bytes)?;
    let has = |wanted: &str| names.iter().any(|name| name.eq_ignore_ascii_case(wanted));
    if ENCRYPTION_STREAMS.iter().any(|name| has(name)) {
        Err(WorkbookError::Encrypted)
    } else if XLS_STREAMS.iter().any(|name| has(name)) {
        Ok(Format::Xls)
    } else {
        Err(WorkbookError::NotAWorkbook(
            "OLE 文档中没有工作簿（可能是 Word 文档）".to_string(),
        ))
    }
}

/// Opens a CFB (validating its sector chains, which calamine's own CFB
/// reader does not do for cycles) and lists the streams at its root.
pub(crate) fn open_cfb(bytes: &[u8]) -> Result<cfb::CompoundFile<Cursor<&[u8]>>, WorkbookError> {
    cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| WorkbookError::Corrupt(format!("OLE 复合文档结构损坏（{e}）")))
}

fn cfb_root_stream_names(bytes: &[u8]) -> Result<Vec<String>, WorkbookError> {
    let compound = open_cfb(bytes)?;
    Ok(compound
        .read_root_storage()
        .filter(|entry| entry.is_stream())
        .map(|entry| entry.name().to_string())
        .collect())
}
