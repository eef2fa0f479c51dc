//! The parts of an .xlsx, each inflated whole, by one inflater for the whole workbook.
//!
//! Why not the zip crate's reader: a 申报书's six parts inflate to ~6 KB in
//! all, and reading them through `ZipFile` set up a new inflater (its window and
//! tables), a `BufReader` and a CRC reader per part, which cost more than the
//! inflating itself. Here the zip crate still parses the central directory and
//! each local header (`by_index_raw`); the compressed bytes are a slice of the
//! attachment, inflated whole into a buffer of the size the directory declares,
//! and checked against the directory's CRC-32.
//!
//! The inflater is libdeflate's (`libdeflater`): it inflates a whole buffer of
//! known size, which is exactly this case, and builds its Huffman tables
//! faster than zlib-rs through flate2 (workbook::open of the bench's 申报书:
//! 42-43 µs instead of 47-49 µs; through `ZipFile`, 52-55 µs).
//!
//! The zip limits (`zip_guard`) were checked on the declared sizes; a part
//! that would inflate to more than it declares is refused, never inflated
//! past the buffer.

use std::io::Cursor;

use libdeflater::{DecompressionError, Decompressor};
use zip::{CompressionMethod, ZipArchive};

use super::WorkbookError;
use super::sniff::open_zip;
use super::xlsx_parts::corrupt;

/// An open .xlsx zip whose parts can be read by name.
pub(crate) struct Parts<'a> {
    bytes: &'a [u8],
    archive: ZipArchive<Cursor<&'a [u8]>>,
    inflater: Decompressor,
}

/// Where one part's stored bytes are, from its directory entry and local header.
struct Entry {
    start: usize,
    compressed_size: usize,
    size: usize,
    crc32: u32,
    method: CompressionMethod,
}

impl<'a> Parts<'a> {
    /// Opens the zip's central directory (a broken one is `Corrupt`).
    pub fn open(bytes: &'a [u8]) -> Result<Parts<'a>, WorkbookError> {
        Ok(Parts {
            bytes,
            archive: open_zip(bytes)?,
            inflater: Decompressor::new(),
        })
    }

    /// A whole part, found by name without regard to case or slash direction (as
    /// some writers store them); `None` if there is none.
    pub fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, WorkbookError> {
        let Some(index) = (0..self.archive.len()).find(|&index| {
            self.archive
                .name_for_index(index)
                .is_some_and(|name| name.is_ok_and(|name| same_part_name(&name, path)))
        }) else {
            return Ok(None);
        };
        let unreadable =
            |what: &dyn std::fmt::Display| corrupt(&format!("{path} 无法解压：{what}"));
        let entry = self.entry(index).map_err(|e| unreadable(&e))?;
        let stored = entry
            .start
            .checked_add(entry.compressed_size)
            .and_then(|end| self.bytes.get(entry.start..end))
            .ok_or_else(|| unreadable(&"数据超出文件末尾"))?;
        let data = match entry.method {
            CompressionMethod::Stored => stored.to_vec(),
            CompressionMethod::Deflated => {
                inflate(&mut self.inflater, stored, entry.size).map_err(|e| unreadable(&e))?
            }
            other => return Err(unreadable(&format!("不支持的压缩方式 {other}"))),
        };
        if data.len() != entry.size {
            return Err(unreadable(&"大小与目录不符"));
        }
        if crc32fast::hash(&data) != entry.crc32 {
            return Err(unreadable(&"CRC 校验失败"));
        }
        Ok(Some(data))
    }

    fn entry(&mut self, index: usize) -> zip::result::ZipResult<Entry> {
        // `by_index_raw` reads and checks the local header, which fixes where the data starts.
        let file = self.archive.by_index_raw(index)?;
        let too_large = || zip::result::ZipError::InvalidArchive("entry too large".into());
        let to_usize = |n: u64| usize::try_from(n).map_err(|_| too_large());
        Ok(Entry {
            start: to_usize(file.data_start().ok_or_else(too_large)?)?,
            compressed_size: to_usize(file.compressed_size())?,
            size: to_usize(file.size())?,
            crc32: file.crc32(),
            method: file.compression(),
        })
    }
}

/// Inflates `stored`, which must inflate to exactly `size` bytes.
fn inflate(inflater: &mut Decompressor, stored: &[u8], size: usize) -> Result<Vec<u8>, String> {
    let mut data = vec![0; size];
    match inflater.deflate_decompress(stored, &mut data) {
        Ok(n) if n == size => Ok(data),
        Ok(_) => Err("解压后小于目录所记大小".to_string()),
        Err(DecompressionError::InsufficientSpace) => Err("解压后大于目录所记大小".to_string()),
        Err(DecompressionError::BadData) => Err("压缩数据不完整或损坏".to_string()),
    }
}

/// Names compared as calamine does: ASCII case and `\\` against `/` ignored.
fn same_part_name(stored: &str, wanted: &str) -> bool {
    stored.len() == wanted.len()
        && stored
            .bytes()
            .zip(wanted.bytes())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == b'\\' && b == b'/'))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::{SimpleFileOptions, ZipWriter};

    use super::*;

    fn zip_of(parts: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes, method) in parts {
            let options = SimpleFileOptions::default().compression_method(*method);
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn parts(bytes: &[u8]) -> Parts<'_> {
        Parts::open(bytes).unwrap()
    }

    #[test]
    fn reads_stored_and_deflated_parts_by_name_in_any_order() {
        let big: Vec<u8> = (0..50_000u32)
            .flat_map(|n| (n % 251).to_le_bytes())
            .collect();
        let bytes = zip_of(&[
            (
                "xl/workbook.xml",
                b"<workbook/>",
                CompressionMethod::Deflated,
            ),
            ("xl\\sharedStrings.xml", &big, CompressionMethod::Deflated),
            ("mimetype", b"plain", CompressionMethod::Stored),
        ]);
        let mut parts = parts(&bytes);
        assert_eq!(parts.read("xl/sharedStrings.xml").unwrap().unwrap(), big);
        assert_eq!(
            parts.read("XL/Workbook.xml").unwrap().unwrap(),
            b"<workbook/>"
        );
        assert_eq!(parts.read("mimetype").unwrap().unwrap(), b"plain");
        assert_eq!(parts.read("xl/styles.xml").unwrap(), None);
    }

    /// Patches the CRC-32 and uncompressed size of `name` in the central directory.
    fn patch_directory(bytes: &mut [u8], name: &[u8], crc: Option<u32>, size: Option<u32>) {
        let at = (0..bytes.len() - 4)
            .find(|&i| bytes[i..].starts_with(b"PK\x01\x02") && bytes[i + 46..].starts_with(name))
            .unwrap();
        if let Some(crc) = crc {
            bytes[at + 16..at + 20].copy_from_slice(&crc.to_le_bytes());
        }
        if let Some(size) = size {
            bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
        }
    }

    #[test]
    fn a_part_larger_than_declared_is_refused() {
        let text = vec![b'a'; 100_000];
        let mut bytes = zip_of(&[("sheet.xml", &text, CompressionMethod::Deflated)]);
        patch_directory(&mut bytes, b"sheet.xml", None, Some(1_000));
        let error = parts(&bytes).read("sheet.xml").unwrap_err().to_string();
        assert!(error.contains("大于目录所记大小"), "{error}");
    }

    #[test]
    fn a_part_whose_crc_does_not_match_is_refused() {
        let mut bytes = zip_of(&[("sheet.xml", b"<sheet/>", CompressionMethod::Deflated)]);
        patch_directory(&mut bytes, b"sheet.xml", Some(0xDEAD_BEEF), None);
        let error = parts(&bytes).read("sheet.xml").unwrap_err().to_string();
        assert!(error.contains("CRC"), "{error}");
    }

    #[test]
    fn a_truncated_deflate_stream_is_refused() {
        let text: Vec<u8> = (0..20_000u32).flat_map(|n| n.to_le_bytes()).collect();
        let bytes = zip_of(&[("sheet.xml", &text, CompressionMethod::Deflated)]);
        let mut parts = parts(&bytes);
        let entry = parts.entry(0).unwrap();
        let stored = &bytes[entry.start..entry.start + entry.compressed_size / 2];
        let error = inflate(&mut parts.inflater, stored, entry.size).unwrap_err();
        assert!(error.contains("不完整"), "{error}");
    }
}
