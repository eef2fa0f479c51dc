//! calamine's cell values (.xls, .ods) → [`CellValue`]; what the form cannot use is dropped.

use calamine::{Data, ExcelDateTime};

use super::CellValue;

/// Days between the 1900 and 1904 date systems' day 0.
pub(crate) const DAYS_1900_TO_1904: f64 = 1462.0;

/// Maps a value of a calamine range (xls, ods); `None` for empty cells, empty
/// text and errors. Our .xlsx reader ([`super::xlsx_sheet`]) keeps the same rules.
pub(crate) fn from_data(value: &Data, is_1904: bool) -> Option<CellValue> {
    match value {
        Data::Int(i) => Some(CellValue::Number(*i as f64)),
        Data::Float(f) => Some(CellValue::Number(*f)),
        Data::String(s) => text(s),
        Data::Bool(b) => Some(CellValue::Bool(*b)),
        Data::DateTime(dt) => Some(date_time(dt, is_1904)),
        Data::DateTimeIso(s) => Some(CellValue::DateIso(s.clone())),
        Data::DurationIso(s) => text(s),
        Data::Error(_) | Data::Empty => None,
    }
}

/// Bytes of text a value holds (counted against the text budget).
pub(crate) fn text_bytes(value: &CellValue) -> u64 {
    match value {
        CellValue::Text(s) | CellValue::DateIso(s) => s.len() as u64,
        CellValue::Number(_) | CellValue::DateTime(_) | CellValue::Bool(_) => 0,
    }
}

/// Text is kept as written (the form module trims); only "" is dropped.
fn text(s: &str) -> Option<CellValue> {
    (!s.is_empty()).then(|| CellValue::Text(s.to_string()))
}

/// A date-formatted cell as a 1900-system serial; a duration (`[h]:mm`) is
/// not a date, so it stays a number.
fn date_time(dt: &ExcelDateTime, is_1904: bool) -> CellValue {
    if dt.is_duration() {
        return CellValue::Number(dt.as_f64());
    }
    let offset = if is_1904 { DAYS_1900_TO_1904 } else { 0.0 };
    CellValue::DateTime(dt.as_f64() + offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn drops_what_the_form_cannot_use() {
        assert_eq!(from_data(&Data::Empty, false), None);
        assert_eq!(from_data(&Data::String(String::new()), false), None);
        assert_eq!(
            from_data(&Data::Error(calamine::CellErrorType::NA), false),
            None
        );
        assert_eq!(
            from_data(&Data::String("  学会 ".into()), false),
            Some(CellValue::Text("  学会 ".into()))
        );
        assert_eq!(
            from_data(&Data::Int(7), false),
            Some(CellValue::Number(7.0))
        );
    }

    #[test]
    fn dates_become_1900_serials() {
        let date = ExcelDateTime::new(43_000.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(
            from_data(&Data::DateTime(date), false),
            Some(CellValue::DateTime(43_000.0))
        );
        let date_1904 = ExcelDateTime::new(41_538.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(
            from_data(&Data::DateTime(date_1904), true),
            Some(CellValue::DateTime(43_000.0))
        );
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(
            from_data(&Data::DateTime(duration), false),
            Some(CellValue::Number(1.5))
        );
    }
}
