//! BIFF records of an .xls `Workbook` stream, split the way calamine splits
//! them (a record plus the CONTINUE records after it), and the character
//! counts of the shared-string table. Only what [`super::xls_scan`] needs.

/// Record types (MS-XLS 2.3).
pub(crate) mod kind {
    pub const FORMULA: u16 = 0x0006;
    pub const EOF: u16 = 0x000A;
    pub const FILEPASS: u16 = 0x002F;
    pub const CONTINUE: u16 = 0x003C;
    pub const BOUNDSHEET: u16 = 0x0085;
    pub const MULRK: u16 = 0x00BD;
    pub const RSTRING: u16 = 0x00D6;
    pub const SST: u16 = 0x00FC;
    pub const LABELSST: u16 = 0x00FD;
    pub const DIMENSIONS: u16 = 0x0200;
    pub const NUMBER: u16 = 0x0203;
    pub const LABEL: u16 = 0x0204;
    pub const BOOLERR: u16 = 0x0205;
    pub const STRING: u16 = 0x0207;
    pub const RK: u16 = 0x027E;
    pub const BOF: u16 = 0x0809;
}

/// CONTINUE records calamine gathers behind one record, or behind all SST
/// records of a workbook. It takes those of an SST off the front of a `Vec`
/// one by one (quadratic), so many empty ones are a cheap way to hang it; a
/// real 30 MB shared-string table needs ~4,000.
pub(crate) const MAX_CONTINUES: usize = 16_384;

/// One record with the data of the CONTINUE records that follow it.
#[derive(Debug)]
pub(crate) struct Record<'a> {
    pub typ: u16,
    pub data: &'a [u8],
    pub continues: Vec<&'a [u8]>,
}

impl Record<'_> {
    /// Bytes of the record and its continuations.
    pub(crate) fn total_len(&self) -> usize {
        self.data.len() + self.continues.iter().map(|c| c.len()).sum::<usize>()
    }
}

/// More CONTINUE records behind one record than any real file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooManyContinues;

/// Records from the start of `stream` until it ends or stops making sense
/// (calamine errors out at the same places).
pub(crate) struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Records<'a> {
    pub(crate) fn new(stream: &'a [u8]) -> Records<'a> {
        Records { stream }
    }

    /// Splits off one record's header and data, or `None` when truncated.
    fn split_record(&mut self) -> Option<(u16, &'a [u8])> {
        let typ = read_u16(self.stream, 0)?;
        let len = usize::from(read_u16(self.stream, 2)?);
        let data = self.stream.get(4..4 + len)?;
        self.stream = &self.stream[4 + len..];
        Some((typ, data))
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, TooManyContinues>;

    fn next(&mut self) -> Option<Self::Item> {
        let (typ, data) = self.split_record()?;
        let mut continues = Vec::new();
        // Same test as calamine: a continuation needs more than its header.
        while self.stream.len() > 4 && read_u16(self.stream, 0) == Some(kind::CONTINUE) {
            let (_, more) = self.split_record()?;
            continues.push(more);
            if continues.len() > MAX_CONTINUES {
                self.stream = &[];
                return Some(Err(TooManyContinues));
            }
        }
        Some(Ok(Record {
            typ,
            data,
            continues,
        }))
    }
}

pub(crate) fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at + 2)?;
    Some(u16::from_le_bytes([pair[0], pair[1]]))
}

pub(crate) fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let quad = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([quad[0], quad[1], quad[2], quad[3]]))
}

/// The character count of each string of an SST record, in order, walked as
/// calamine's `parse_sst` walks it (stopping where it would fail).
pub(crate) fn sst_char_counts(record: &Record<'_>) -> Vec<u32> {
    let mut counts = Vec::new();
    let Some(data) = record.data.get(8..) else {
        return counts;
    };
    let mut reader = Spanned {
        data,
        continues: record.continues.iter(),
    };
    while !reader.data.is_empty() || reader.next_continue() {
        match reader.rich_string_len() {
            Some(count) => counts.push(count),
            None => break,
        }
    }
    counts
}

/// Record data that carries on in CONTINUE records.
struct Spanned<'r, 'a> {
    data: &'a [u8],
    continues: std::slice::Iter<'r, &'a [u8]>,
}

impl Spanned<'_, '_> {
    fn next_continue(&mut self) -> bool {
        match self.continues.next() {
            Some(next) => {
                self.data = next;
                true
            }
            None => false,
        }
    }

    fn take(&mut self, len: usize) -> Option<&[u8]> {
        let taken = self.data.get(..len)?;
        self.data = &self.data[len..];
        Some(taken)
    }

    /// Reads an XLUnicodeRichExtendedString, returning its character count.
    fn rich_string_len(&mut self) -> Option<u32> {
        if self.data.is_empty() {
            return Some(0);
        }
        let header = self.take(3)?;
        let chars = u16::from_le_bytes([header[0], header[1]]);
        let flags = header[2];
        let runs = if flags & 0x8 != 0 {
            let run_count = self.take(2)?;
            usize::from(u16::from_le_bytes([run_count[0], run_count[1]]))
        } else {
            0
        };
        let ext_len = if flags & 0x4 != 0 {
            let ext = self.take(4)?;
            usize::try_from(i32::from_le_bytes([ext[0], ext[1], ext[2], ext[3]])).ok()?
        } else {
            0
        };
        self.skip_chars(usize::from(chars), flags & 0x1 != 0)?;
        self.skip_bytes(runs * 4 + ext_len)?;
        Some(u32::from(chars))
    }

    /// Character data: each continuation restarts with its own flags byte.
    fn skip_chars(&mut self, mut left: usize, mut two_byte: bool) -> Option<()> {
        while left > 0 {
            let width = if two_byte { 2 } else { 1 };
            let here = left.min(self.data.len() / width);
            self.data = &self.data[here * width..];
            left -= here;
            if left > 0 {
                if !self.next_continue() {
                    return None;
                }
                two_byte = self.take(1)?[0] & 0x1 != 0;
            }
        }
        Some(())
    }

    fn skip_bytes(&mut self, mut left: usize) -> Option<()> {
        while left > 0 {
            if self.data.is_empty() && !self.next_continue() {
                return None;
            }
            let here = left.min(self.data.len());
            self.data = &self.data[here..];
            left -= here;
        }
        Some(())
    }
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

    #[test]
    fn records_gather_their_continuations() {
        let mut stream = record(kind::SST, &[0; 8]);
        stream.extend(record(kind::CONTINUE, &[1, 2]));
        stream.extend(record(kind::EOF, &[]));
        let records: Vec<_> = Records::new(&stream).collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].continues, vec![&[1u8, 2][..]]);
        assert_eq!(records[1].typ, kind::EOF);
    }

    #[test]
    fn too_many_continuations_are_refused() {
        let mut stream = record(kind::SST, &[0; 8]);
        for _ in 0..=MAX_CONTINUES {
            stream.extend(record(kind::CONTINUE, &[0]));
        }
        assert!(Records::new(&stream).any(|r| r.is_err()));
    }

    #[test]
    fn sst_counts_follow_strings_across_continuations() {
        // "abc" (1-byte chars), then a 4-char UTF-16 string split over a CONTINUE.
        let mut sst = vec![0u8; 8];
        sst.extend([3, 0, 0, b'a', b'b', b'c']);
        sst.extend([4, 0, 1, b'x', 0]);
        let mut stream = record(kind::SST, &sst);
        stream.extend(record(kind::CONTINUE, &[1, b'y', 0, b'z', 0, b'w', 0]));
        let records: Vec<_> = Records::new(&stream).collect::<Result<_, _>>().unwrap();
        assert_eq!(sst_char_counts(&records[0]), vec![3, 4]);
    }
}
