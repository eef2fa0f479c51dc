//! Writing one cell of the summary workbook safely: text that Excel would
//! take for a formula stays text, dates are date cells, money is a number,
//! and each column remembers how wide its widest value is.

use jiff::civil::{Date, DateTime};
use rust_xlsxwriter::{
    ColNum, Color, ExcelDateTime, Format, FormatBorder, RowNum, Worksheet, XlsxError,
};

/// Excel keeps at most this many characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Column widths, in Excel's units (about one Latin digit each).
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 60.0;

/// The formats every sheet shares.
pub struct Formats {
    pub header: Format,
    pub text: Format,
    /// For text starting with `=`, `+`, `-`, `@`: Excel's quote prefix keeps it
    /// text even when someone edits the cell.
    pub quoted: Format,
    pub quoted_wrapped: Format,
    pub wrapped: Format,
    pub date: Format,
    pub date_time: Format,
    pub money: Format,
    pub count: Format,
    pub alert: Format,
}

impl Formats {
    pub fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border_bottom(FormatBorder::Thin),
            text: Format::new(),
            quoted: Format::new().set_quote_prefix(),
            quoted_wrapped: Format::new().set_quote_prefix().set_text_wrap(),
            wrapped: Format::new().set_text_wrap(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            date_time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            money: Format::new().set_num_format("#,##0"),
            count: Format::new().set_num_format("0"),
            alert: Format::new()
                .set_font_color(Color::RGB(0xC00000))
                .set_bold(),
        }
    }
}

impl Default for Formats {
    fn default() -> Formats {
        Formats::new()
    }
}

/// Whether a spreadsheet would read this text as the start of a formula
/// (OWASP's list: `=`, `+`, `-`, `@`, and a leading tab or carriage return).
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Width of text as Excel shows it: CJK and full-width characters take two units.
pub fn display_width(text: &str) -> f64 {
    text.lines()
        .map(|line| line.chars().map(char_width).sum::<f64>())
        .fold(0.0, f64::max)
}

fn char_width(c: char) -> f64 {
    if c >= '\u{2E80}' { 2.0 } else { 1.0 }
}

/// One sheet being written, with the widest value seen per column.
pub struct SheetWriter<'a> {
    pub sheet: &'a mut Worksheet,
    pub formats: &'a Formats,
    widths: Vec<f64>,
}

impl<'a> SheetWriter<'a> {
    pub fn new(sheet: &'a mut Worksheet, formats: &'a Formats) -> SheetWriter<'a> {
        SheetWriter {
            sheet,
            formats,
            widths: Vec::new(),
        }
    }

    /// The header row, frozen, with an autofilter over `n_rows` data rows below it.
    pub fn header(&mut self, titles: &[&str], n_rows: usize) -> Result<(), XlsxError> {
        for (col, title) in (0..).zip(titles) {
            self.sheet
                .write_string_with_format(0, col, *title, &self.formats.header)?;
            // Room for the filter button.
            self.fit(col, display_width(title) + 2.0);
        }
        self.sheet.set_freeze_panes(1, 0)?;
        let last_col = ColNum::try_from(titles.len().saturating_sub(1)).unwrap_or(0);
        let last_row = RowNum::try_from(n_rows).unwrap_or(RowNum::MAX);
        self.sheet.autofilter(0, 0, last_row, last_col)?;
        Ok(())
    }

    pub fn text(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        self.text_with(row, col, text, false)
    }

    /// Text that may run over several lines.
    pub fn long_text(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        self.text_with(row, col, text, true)
    }

    fn text_with(
        &mut self,
        row: RowNum,
        col: ColNum,
        text: &str,
        wrap: bool,
    ) -> Result<(), XlsxError> {
        if text.is_empty() {
            return Ok(());
        }
        let kept: String = text.chars().take(MAX_CELL_CHARS).collect();
        let format = match (looks_like_formula(&kept), wrap) {
            (true, false) => &self.formats.quoted,
            (true, true) => &self.formats.quoted_wrapped,
            (false, true) => &self.formats.wrapped,
            (false, false) => &self.formats.text,
        };
        self.sheet
            .write_string_with_format(row, col, &kept, format)?;
        self.fit(col, display_width(&kept));
        Ok(())
    }

    pub fn money(
        &mut self,
        row: RowNum,
        col: ColNum,
        amount: Option<i64>,
    ) -> Result<(), XlsxError> {
        if let Some(amount) = amount {
            // Whole yuan far below 2^53: exact as f64.
            self.sheet
                .write_number_with_format(row, col, amount as f64, &self.formats.money)?;
            self.fit(col, amount.to_string().len() as f64 * 1.4);
        }
        Ok(())
    }

    pub fn count(&mut self, row: RowNum, col: ColNum, n: u32) -> Result<(), XlsxError> {
        self.sheet
            .write_number_with_format(row, col, f64::from(n), &self.formats.count)?;
        Ok(())
    }

    /// A date cell; a date Excel cannot hold (before 1900) is written as text.
    pub fn date(&mut self, row: RowNum, col: ColNum, date: Option<Date>) -> Result<(), XlsxError> {
        let Some(date) = date else {
            return Ok(());
        };
        match excel_date(date) {
            Some(cell) => {
                self.sheet
                    .write_datetime_with_format(row, col, cell, &self.formats.date)?;
                self.fit(col, 11.0);
                Ok(())
            }
            None => self.text(row, col, &date.to_string()),
        }
    }

    pub fn date_time(&mut self, row: RowNum, col: ColNum, at: DateTime) -> Result<(), XlsxError> {
        let cell = excel_date(at.date()).and_then(|day| {
            let hour = u16::try_from(at.hour()).ok()?;
            let minute = u8::try_from(at.minute()).ok()?;
            let second = u8::try_from(at.second()).ok()?;
            day.and_hms(hour, minute, second).ok()
        });
        match cell {
            Some(cell) => {
                self.sheet
                    .write_datetime_with_format(row, col, cell, &self.formats.date_time)?;
                self.fit(col, 17.0);
                Ok(())
            }
            None => self.text(row, col, &at.to_string()),
        }
    }

    /// Widens a column to hold `width`.
    pub fn fit(&mut self, col: ColNum, width: f64) {
        let index = usize::from(col);
        if self.widths.len() <= index {
            self.widths.resize(index + 1, MIN_WIDTH);
        }
        self.widths[index] = self.widths[index].max(width);
    }

    /// Sets the widths seen, with a little air, capped for long text.
    pub fn finish(self) -> Result<(), XlsxError> {
        for (col, width) in (0..).zip(self.widths) {
            self.sheet
                .set_column_width(col, (width + 1.0).clamp(MIN_WIDTH, MAX_WIDTH))?;
        }
        Ok(())
    }
}

fn excel_date(date: Date) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year()).ok()?;
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_recognized() {
        for text in ["=1+1", "+86 139", "-2", "@SUM(A1)", "\tx", "\r=1"] {
            assert!(looks_like_formula(text), "{text:?}");
        }
        for text in ["常州市电子学会", "1+1", " =1", ""] {
            assert!(!looks_like_formula(text), "{text:?}");
        }
    }

    #[test]
    fn chinese_characters_count_double() {
        assert_eq!(display_width("abc"), 3.0);
        assert_eq!(display_width("电子学会"), 8.0);
        assert_eq!(display_width("短\n长一些的行"), 10.0);
    }
}
