//! Zip limits, checked from the central directory before anything is inflated.
//!
//! Declared sizes can lie, but neither the zip crate (9.x) nor `zip_parts`
//! inflates an entry past its declared size, so the checked sizes bound what
//! calamine or our .xlsx reader can inflate; each entry is inflated once.

use std::io::{Read, Seek};

use zip::ZipArchive;

use super::WorkbookError;
use crate::config::Limits;

/// Refuses a zip whose entries would inflate past the limits, or whose entries
/// are encrypted (zip encryption is not how Excel protects a workbook, but it
/// is a password all the same).
pub(crate) fn check<R: Read + Seek>(
    archive: &ZipArchive<R>,
    limits: &Limits,
) -> Result<(), WorkbookError> {
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| WorkbookError::Corrupt(format!("zip 目录损坏（{e}）")))?;
        if entry.encrypted() {
            return Err(WorkbookError::Encrypted);
        }
        let size = entry.size();
        total = total.saturating_add(size);
        if total > limits.max_uncompressed_bytes {
            return Err(WorkbookError::TooLarge(format!(
                "解压后超过 {} 字节",
                limits.max_uncompressed_bytes
            )));
        }
        let ratio_limit = entry
            .compressed_size()
            .max(1)
            .saturating_mul(limits.max_compression_ratio);
        if size > limits.ratio_applies_above_bytes && size > ratio_limit {
            return Err(WorkbookError::TooLarge(format!(
                "压缩比异常（超过 {} 倍）",
                limits.max_compression_ratio
            )));
        }
    }
    Ok(())
}
