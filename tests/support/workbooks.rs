//! Helpers of the workbook tests, and builders of hostile workbooks: zip
//! containers written by hand (so an entry can be a pre-built deflate stream or lie about
//! its size), raw deflate streams of zeros, and .xls compound files.

#![allow(dead_code)]

use std::io::{Cursor, Read, Write};

use shenbao::config::Limits;
use shenbao::workbook::{CellValue, Sheet, Workbook, WorkbookError, a1, open};

pub fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/samples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn open_default(bytes: &[u8]) -> Result<Workbook, WorkbookError> {
    open(bytes, &Limits::default())
}

/// The value at an A1 address of a sheet.
pub fn at<'a>(sheet: &'a Sheet, address: &str) -> Option<&'a CellValue> {
    sheet
        .cells
        .iter()
        .find(|cell| a1(cell.row, cell.col) == address)
        .map(|cell| &cell.value)
}

pub fn text(s: &str) -> CellValue {
    CellValue::Text(s.to_string())
}

pub fn is_too_large(result: &Result<Workbook, WorkbookError>) -> bool {
    matches!(result, Err(WorkbookError::TooLarge(_)))
}

/// An .xlsx written by rust_xlsxwriter; `fill` writes the first sheet.
pub fn xlsx(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut writer = rust_xlsxwriter::Workbook::new();
    fill(writer.add_worksheet());
    writer.save_to_buffer().expect("xlsx written")
}

/// A small application form in A1:B3.
pub fn write_form(sheet: &mut rust_xlsxwriter::Worksheet) {
    sheet.write_string(0, 0, "学会名称").unwrap();
    sheet.write_string(0, 1, "常州市电子学会").unwrap();
    sheet.write_string(1, 0, "申请资助金额（元）").unwrap();
    sheet.write_number(1, 1, 9000).unwrap();
}

const CRC_POLY: u32 = 0xEDB8_8320;

/// CRC-32 (ISO-HDLC) bit by bit; for small data.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ if crc & 1 != 0 { CRC_POLY } else { 0 };
        }
    }
    !crc
}

/// CRC-32 of `len` zero bytes in O(log len), as zlib's `crc32_combine` does:
/// feeding zeros is a linear map of the register, squared bit by bit of `len`.
pub fn crc32_of_zeros(mut len: u64) -> u32 {
    let times = |matrix: &[u32; 32], mut vector: u32| {
        let mut sum = 0;
        let mut row = 0;
        while vector != 0 {
            if vector & 1 != 0 {
                sum ^= matrix[row];
            }
            vector >>= 1;
            row += 1;
        }
        sum
    };
    let square = |matrix: &[u32; 32]| std::array::from_fn(|n| times(matrix, matrix[n]));
    // One zero bit, then squared to one zero byte.
    let mut operator: [u32; 32] =
        std::array::from_fn(|n| if n == 0 { CRC_POLY } else { 1 << (n - 1) });
    for _ in 0..3 {
        operator = square(&operator);
    }
    let mut register = !0u32;
    while len != 0 {
        if len & 1 != 0 {
            register = times(&operator, register);
        }
        operator = square(&operator);
        len >>= 1;
    }
    !register
}

/// LSB-first bit packing, as deflate wants it.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.count;
        self.count += bits;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// A Huffman code goes most significant bit first.
    fn put_code(&mut self, code: u32, bits: u32) {
        self.put(code.reverse_bits() >> (32 - bits), bits);
    }

    fn literal(&mut self, byte: u8) {
        // Fixed Huffman: literals 0–143 are 8-bit codes from 0x30.
        self.put_code(0x30 + u32::from(byte), 8);
    }
}

/// A raw deflate stream of `prefix` then zeros, `runs` × 258 of them plus one:
/// one fixed-Huffman block of (length 258, distance 1) matches, 13 bits each.
/// Returns the stream and the inflated length.
pub fn deflate_prefix_then_zeros(prefix: &[u8], runs: u64) -> (Vec<u8>, u64) {
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        count: 0,
    };
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman codes
    for &byte in prefix.iter().chain(&[0]) {
        bits.literal(byte);
    }
    for _ in 0..runs {
        bits.put_code(0b1100_0101, 8); // length code 285: 258 bytes
        bits.put_code(0, 5); // distance code 0: distance 1
    }
    bits.put_code(0, 7); // end of block
    bits.put(0, 7); // flush the last byte
    (bits.out, prefix.len() as u64 + 1 + runs * 258)
}

/// One entry of a hand-written zip.
pub struct RawEntry {
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub data: Vec<u8>,
    pub crc: u32,
    /// Declared uncompressed size (may lie).
    pub size: u32,
}

impl RawEntry {
    pub fn stored(name: &str, data: &[u8]) -> RawEntry {
        RawEntry {
            name: name.to_string(),
            method: 0,
            data: data.to_vec(),
            crc: crc32(data),
            size: data.len() as u32,
        }
    }
}

/// A zip of the entries, headers written by hand (no zip64: sizes < 4 GiB).
pub fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let fields = |header: &mut Vec<u8>| {
            header.extend(20u16.to_le_bytes()); // version needed
            header.extend(0u16.to_le_bytes()); // flags
            header.extend(entry.method.to_le_bytes());
            header.extend([0, 0, 0x21, 0]); // 1980-01-01 00:00
            header.extend(entry.crc.to_le_bytes());
            header.extend((entry.data.len() as u32).to_le_bytes());
            header.extend(entry.size.to_le_bytes());
            header.extend((entry.name.len() as u16).to_le_bytes());
            header.extend(0u16.to_le_bytes()); // extra field length
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        fields(&mut out);
        out.extend(entry.name.as_bytes());
        out.extend(&entry.data);

        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(20u16.to_le_bytes()); // version made by
        fields(&mut central);
        central.extend([0; 6]); // comment length, disk, internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(entry.name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0; 4]); // disk numbers
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // comment length
    out
}

/// Every entry of a zip, inflated (for small, trusted zips).
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).expect("entry");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("inflate");
            (entry.name().expect("name").to_string(), data)
        })
        .collect()
}

/// A zip of `(name, content)` entries, deflated by the zip crate.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry started");
        writer.write_all(content).expect("entry written");
    }
    writer.finish().expect("zip finished").into_inner()
}

/// A compound file holding the given streams.
pub fn cfb_of(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut compound = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    for (path, data) in streams {
        compound
            .create_stream(path)
            .and_then(|mut stream| stream.write_all(data))
            .expect("stream written");
    }
    compound.flush().expect("cfb flushed");
    compound.into_inner().into_inner()
}

/// One BIFF record.
pub fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut record = typ.to_le_bytes().to_vec();
    record.extend((data.len() as u16).to_le_bytes());
    record.extend(data);
    record
}

/// A NUMBER record (BIFF8) at a cell.
pub fn biff_number(row: u16, col: u16, value: f64) -> Vec<u8> {
    let mut data = row.to_le_bytes().to_vec();
    data.extend(col.to_le_bytes());
    data.extend(0u16.to_le_bytes()); // XF index
    data.extend(value.to_le_bytes());
    biff(0x0203, &data)
}

/// An .xls with one visible sheet "S" holding `sheet_records`; `boundsheet`
/// overrides the BOUNDSHEET record's data after its offset field.
pub fn xls_of(sheet_records: &[Vec<u8>], boundsheet_tail: Option<&[u8]>) -> Vec<u8> {
    let bof = biff(
        0x0809,
        &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    let sheet_bof = biff(
        0x0809,
        &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    let tail: &[u8] = boundsheet_tail.unwrap_or(&[0, 0, 1, 0, b'S']);
    let eof = biff(0x000A, &[]);
    let sheet_offset = (bof.len() + 4 + 4 + tail.len() + eof.len()) as u32;
    let mut boundsheet = sheet_offset.to_le_bytes().to_vec();
    boundsheet.extend(tail);
    let mut stream = [bof, biff(0x0085, &boundsheet), eof.clone(), sheet_bof].concat();
    for record in sheet_records {
        stream.extend(record);
    }
    stream.extend(eof);
    cfb_of(&[("/Workbook", &stream)])
}
