//! Pre-scan of an .xls `Workbook` stream: what calamine would allocate.
//!
//! calamine's `Xls::new` builds every sheet (hidden ones too) as a dense range
//! over the extent of its cell records, after reserving room for the area its
//! DIMENSIONS record declares, and clones shared strings into every cell that
//! refers to them. Two cells at A1 and IV65536 would be 16 million cells; a
//! DIMENSIONS record can declare 4 billion rows. So the records are walked
//! here first, and the workbook refused before calamine runs when the sheets,
//! used ranges, cells or text would exceed the limits and budgets.

use super::WorkbookError;
use super::biff::{MAX_CONTINUES, Record, Records, kind, read_u16, read_u32, sst_char_counts};
use super::budget::{Budget, Extent, check_sheet_count};
use crate::config::Limits;

/// UTF-8 bytes one stored character may become, whatever the code page.
const TEXT_BYTES_PER_CHAR: u64 = 6;

/// Checks a BIFF workbook stream; `Encrypted` when it has a FILEPASS record.
pub(crate) fn scan(stream: &[u8], limits: &Limits) -> Result<(), WorkbookError> {
    let globals = scan_globals(stream)?;
    check_sheet_count(globals.sheet_offsets.len(), limits)?;
    let mut budget = Budget::new();
    for (index, &offset) in globals.sheet_offsets.iter().enumerate() {
        // An offset past the end makes calamine fail; nothing to measure.
        let Some(sheet_stream) = stream.get(offset..) else {
            continue;
        };
        let label = format!("第 {} 个", index + 1);
        scan_sheet(
            sheet_stream,
            &globals.sst_chars,
            &label,
            limits,
            &mut budget,
        )?;
    }
    Ok(())
}

/// What the workbook globals say about the sheets.
struct Globals {
    sheet_offsets: Vec<usize>,
    /// Character count of each shared string.
    sst_chars: Vec<u32>,
}

fn scan_globals(stream: &[u8]) -> Result<Globals, WorkbookError> {
    let mut globals = Globals {
        sheet_offsets: Vec::new(),
        sst_chars: Vec::new(),
    };
    let mut sst_continues = 0;
    for record in Records::new(stream) {
        let record = record.map_err(|_| too_many_continues())?;
        match record.typ {
            kind::FILEPASS if read_u16(record.data, 0).is_some_and(|v| v != 0) => {
                return Err(WorkbookError::Encrypted);
            }
            kind::BOUNDSHEET => {
                if let Some(offset) = read_u32(record.data, 0) {
                    globals.sheet_offsets.push(offset as usize);
                }
            }
            kind::SST => {
                // calamine parses every SST record, each in quadratic time.
                sst_continues += record.continues.len();
                if sst_continues > MAX_CONTINUES {
                    return Err(too_many_continues());
                }
                globals.sst_chars = sst_char_counts(&record);
            }
            kind::EOF => break,
            _ => {}
        }
    }
    Ok(globals)
}

/// What calamine will hold for one sheet.
#[derive(Default)]
struct SheetCost {
    /// Cells pushed, and the extent of their positions (the dense range).
    cells: u64,
    cell_extent: Extent,
    formulas: u64,
    formula_extent: Extent,
    /// Largest area a DIMENSIONS record makes calamine reserve.
    reserved: u64,
    text_bytes: u64,
}

impl SheetCost {
    fn push_cell(&mut self, row: u16, col: u16) {
        self.cells += 1;
        self.cell_extent.include(u32::from(row), u32::from(col));
    }

    fn slots(&self) -> u64 {
        self.reserved
            + self.cells
            + self.cell_extent.area()
            + self.formulas
            + self.formula_extent.area()
    }
}

fn scan_sheet(
    stream: &[u8],
    sst_chars: &[u32],
    label: &str,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<(), WorkbookError> {
    let mut cost = SheetCost::default();
    // Nested substreams (embedded charts) are skipped, as calamine does.
    let mut seen_sheet_bof = false;
    let mut depth = 0usize;
    let mut formula_pos = (0u16, 0u16);
    for record in Records::new(stream) {
        let record = record.map_err(|_| too_many_continues())?;
        if depth > 0 {
            match record.typ {
                kind::BOF => depth += 1,
                kind::EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        match record.typ {
            kind::BOF if seen_sheet_bof => depth += 1,
            kind::BOF => seen_sheet_bof = true,
            kind::EOF => break,
            kind::DIMENSIONS => cost.reserved = cost.reserved.max(declared_area(record.data)?),
            kind::FORMULA => {
                if let Some(pos) = position(record.data, 20) {
                    formula_pos = pos;
                    cost.push_cell(pos.0, pos.1);
                    cost.formulas += 1;
                    cost.formula_extent
                        .include(u32::from(pos.0), u32::from(pos.1));
                }
            }
            kind::STRING => {
                cost.push_cell(formula_pos.0, formula_pos.1);
                cost.text_bytes += inline_text_bytes(&record);
            }
            _ => scan_cell_record(&record, sst_chars, &mut cost),
        }
    }
    cost.cell_extent.check(label, limits)?;
    budget.spend_cells(cost.slots())?;
    budget.spend_text(cost.text_bytes)
}

/// Value records that calamine turns into cells.
fn scan_cell_record(record: &Record<'_>, sst_chars: &[u32], cost: &mut SheetCost) {
    let data = record.data;
    match record.typ {
        kind::NUMBER => push_at(data, 14, cost),
        kind::RK => push_at(data, 10, cost),
        kind::BOOLERR => push_at(data, 8, cost),
        kind::LABEL | kind::RSTRING => {
            if let Some((row, col)) = position(data, 4) {
                cost.push_cell(row, col);
                cost.text_bytes += inline_text_bytes(record);
            }
        }
        kind::LABELSST => {
            let chars = read_u32(data, 6).and_then(|i| sst_chars.get(i as usize));
            if let (Some((row, col)), Some(&chars)) = (position(data, 10), chars) {
                cost.push_cell(row, col);
                cost.text_bytes += u64::from(chars) * TEXT_BYTES_PER_CHAR;
            }
        }
        kind::MULRK => {
            if let Some((row, first_col)) = position(data, 6) {
                let count = (data.len() - 6) / 6;
                for offset in 0..count {
                    cost.push_cell(row, first_col.saturating_add(offset as u16));
                }
            }
        }
        _ => {}
    }
}

fn push_at(data: &[u8], min_len: usize, cost: &mut SheetCost) {
    if let Some((row, col)) = position(data, min_len) {
        cost.push_cell(row, col);
    }
}

/// (row, col) at the start of a cell record of at least `min_len` bytes.
fn position(data: &[u8], min_len: usize) -> Option<(u16, u16)> {
    if data.len() < min_len {
        return None;
    }
    Some((read_u16(data, 0)?, read_u16(data, 2)?))
}

fn inline_text_bytes(record: &Record<'_>) -> u64 {
    record.total_len() as u64 * TEXT_BYTES_PER_CHAR
}

/// The area calamine reserves for a DIMENSIONS record (its `parse_dimensions`
/// then `rows * cols`); a last row before the first would underflow there.
fn declared_area(data: &[u8]) -> Result<u64, WorkbookError> {
    let fields = match data.len() {
        10 => (0..4)
            .map(|i| read_u16(data, i * 2).map(u32::from))
            .collect::<Option<Vec<_>>>(),
        14 | 16 => [read_u32(data, 0), read_u32(data, 4)]
            .into_iter()
            .chain([read_u16(data, 8), read_u16(data, 10)].map(|v| v.map(u32::from)))
            .collect::<Option<Vec<_>>>(),
        _ => return Ok(0),
    };
    let Some(&[first_row, row_end, mut first_col, col_end]) = fields.as_deref() else {
        return Ok(0);
    };
    if first_col > 0xFF || col_end < first_col {
        first_col = 0;
    }
    if row_end == 0 || col_end == 0 {
        return Ok(1);
    }
    let (last_row, last_col) = (row_end - 1, col_end - 1);
    if last_row < first_row || last_col < first_col {
        return Err(WorkbookError::Corrupt("工作表尺寸记录异常".to_string()));
    }
    let rows = u64::from(last_row - first_row) + 1;
    let cols = u64::from(last_col - first_col) + 1;
    Ok(rows * cols)
}

fn too_many_continues() -> WorkbookError {
    WorkbookError::Corrupt("记录结构异常（续记录过多）".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut bytes = typ.to_le_bytes().to_vec();
        bytes.extend((data.len() as u16).to_le_bytes());
        bytes.extend(data);
        bytes
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(col.to_le_bytes());
        data.extend([0; 10]);
        record(kind::NUMBER, &data)
    }

    /// A workbook stream: globals with one BOUNDSHEET, then the sheet.
    fn workbook(sheet_records: &[Vec<u8>], globals_extra: &[Vec<u8>]) -> Vec<u8> {
        let mut globals: Vec<u8> = record(kind::BOF, &[0; 16]);
        for extra in globals_extra {
            globals.extend(extra);
        }
        let boundsheet_len = 4 + 8 + 1;
        let eof_len = 4;
        let sheet_offset = (globals.len() + boundsheet_len + eof_len) as u32;
        let mut boundsheet = sheet_offset.to_le_bytes().to_vec();
        boundsheet.extend([0, 0, 1, 0, b'S']);
        globals.extend(record(kind::BOUNDSHEET, &boundsheet));
        globals.extend(record(kind::EOF, &[]));
        globals.extend(record(kind::BOF, &[0; 16]));
        for r in sheet_records {
            globals.extend(r);
        }
        globals.extend(record(kind::EOF, &[]));
        globals
    }

    #[test]
    fn a_small_sheet_passes() {
        let stream = workbook(&[number(0, 0), number(20, 5)], &[]);
        assert_eq!(scan(&stream, &Limits::default()), Ok(()));
    }

    #[test]
    fn far_apart_cells_are_refused_before_calamine_densifies_them() {
        let limits = Limits {
            max_rows: 100_000,
            max_cols: 256,
            ..Limits::default()
        };
        // 65,536 × 256 = 16.7 M dense cells: within the shape, over the budget.
        let stream = workbook(&[number(0, 0), number(65_535, 255)], &[]);
        assert!(matches!(
            scan(&stream, &limits),
            Err(WorkbookError::TooLarge(_))
        ));
        // A column past the 256th breaks the shape limit.
        let stream = workbook(&[number(0, 0), number(0, 300)], &[]);
        assert!(matches!(
            scan(&stream, &limits),
            Err(WorkbookError::TooLarge(_))
        ));
    }

    #[test]
    fn a_huge_declared_dimension_is_refused() {
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(4_000_000_000u32.to_le_bytes());
        dims.extend([0, 0, 0, 1, 0, 0]);
        let stream = workbook(&[record(kind::DIMENSIONS, &dims), number(0, 0)], &[]);
        assert!(matches!(
            scan(&stream, &Limits::default()),
            Err(WorkbookError::TooLarge(_))
        ));
    }

    #[test]
    fn many_sst_records_with_many_continuations_are_refused() {
        let mut sst_records = Vec::new();
        for _ in 0..3 {
            let mut sst = record(kind::SST, &[0; 8]);
            for _ in 0..MAX_CONTINUES / 2 {
                sst.extend(record(kind::CONTINUE, &[]));
            }
            sst_records.push(sst);
        }
        let stream = workbook(&[number(0, 0)], &sst_records);
        assert!(matches!(
            scan(&stream, &Limits::default()),
            Err(WorkbookError::Corrupt(_))
        ));
    }

    #[test]
    fn filepass_means_encrypted() {
        let stream = workbook(&[number(0, 0)], &[record(kind::FILEPASS, &[1, 0, 0, 0])]);
        assert_eq!(
            scan(&stream, &Limits::default()),
            Err(WorkbookError::Encrypted)
        );
    }

    #[test]
    fn shared_string_references_count_their_text() {
        // One 30,000-char string referred to by 400 cells: 72 MB of text.
        let mut sst = vec![0u8; 8];
        sst.extend([0x30, 0x75, 0]);
        let mut sst_record = record(kind::SST, &sst);
        for _ in 0..4 {
            sst_record.extend(record(kind::CONTINUE, &[0; 7501]));
        }
        let cells: Vec<Vec<u8>> = (0..400u16)
            .map(|row| {
                let mut data = row.to_le_bytes().to_vec();
                data.extend([0; 8]);
                record(kind::LABELSST, &data)
            })
            .collect();
        let stream = workbook(&cells, &[sst_record]);
        assert!(matches!(
            scan(&stream, &Limits::default()),
            Err(WorkbookError::TooLarge(_))
        ));
    }
}
