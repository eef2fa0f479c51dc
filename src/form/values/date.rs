//! Dates: an Excel date cell, a number that is an Excel serial of a day in
//! 2000..2099 or eight digits yyyymmdd, an ISO date (.ods), or text
//! 2019-09-01, 2019/9/1, 2019.9.1, 20190901, 2019年9月1日.

use std::sync::LazyLock;

use jiff::Span;
use jiff::civil::Date;
use regex::Regex;

use super::invalid;
use super::text::number_text;
use crate::form::Outcome;
use crate::text::fold_full_width;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

/// Day 0 of Excel's 1900 date system, counting from serial 61 (1900-03-01) on.
const EXCEL_EPOCH: Date = Date::constant(1899, 12, 30);
/// Serials of 2000-01-01 and 2099-12-31: a plain number in this range is a date.
const SERIAL_2000: f64 = 36526.0;
const SERIAL_2099_END: f64 = 73050.0;
/// 9999-12-31, the last day Excel knows.
const SERIAL_MAX: f64 = 2_958_465.0;

pub(crate) const NOT_A_DATE: &str = "不是有效的日期（应为如2020-08-21或2020年8月21日的日期）";
pub(crate) const NO_SUCH_DAY: &str = "日期不存在，请核对年、月、日";

/// Year, month and day as written, before checking that the day exists.
pub(crate) type Ymd = (i16, i8, i8);

/// Why a text is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    NotADate,
    NoSuchDay,
}

impl DateProblem {
    pub fn message(self) -> &'static str {
        match self {
            DateProblem::NotADate => NOT_A_DATE,
            DateProblem::NoSuchDay => NO_SUCH_DAY,
        }
    }
}

/// `2019-09-01`, `2019/9/1`, `2019.9.1`, `2019年9月1日`, optionally a time after it.
static FULL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*[日号]?(?:[T\s]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?Z?)?$",
    )
    .expect("static regex")
});
/// `20190901`.
static COMPACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{4})([0-9]{2})([0-9]{2})$").expect("static regex"));

/// The date of an Excel serial (1900 system, with its fictitious 1900-02-29).
pub fn from_excel_serial(serial: f64) -> Option<Date> {
    if !serial.is_finite() || !(1.0..=SERIAL_MAX).contains(&serial) {
        return None;
    }
    let day = serial.floor() as i64;
    // Excel counts 1900-02-29, which did not exist: serials before it are one day off.
    let offset = match day {
        60 => return None,
        ..60 => day + 1,
        _ => day,
    };
    EXCEL_EPOCH
        .checked_add(Span::new().try_days(offset).ok()?)
        .ok()
}

/// A date field.
pub fn read_date(value: &CellValue) -> Outcome {
    let parsed = match value {
        CellValue::DateTime(serial) => from_excel_serial(*serial).ok_or(DateProblem::NotADate),
        CellValue::Number(n) => from_number(*n),
        CellValue::DateIso(s) | CellValue::Text(s) => {
            if s.trim().is_empty() {
                return Outcome::Empty;
            }
            parse_date_text(s)
        }
        CellValue::Bool(_) => Err(DateProblem::NotADate),
    };
    match parsed {
        Ok(date) => Outcome::Value(FieldValue::Date(date)),
        Err(problem) => invalid(found_text(value), problem.message()),
    }
}

fn found_text(value: &CellValue) -> String {
    match value {
        CellValue::Text(s) | CellValue::DateIso(s) => s.trim().to_string(),
        CellValue::Number(n) | CellValue::DateTime(n) => number_text(*n),
        CellValue::Bool(b) => b.to_string(),
    }
}

/// A plain number: eight digits yyyymmdd, or the serial of a day in 2000..2099
/// (readers return cells in CJK built-in date formats as plain numbers).
pub fn from_number(n: f64) -> Result<Date, DateProblem> {
    if n.fract() == 0.0 && (10_000_000.0..100_000_000.0).contains(&n) {
        let digits = n as i64;
        let ymd = (
            (digits / 10_000) as i16,
            (digits / 100 % 100) as i8,
            (digits % 100) as i8,
        );
        return to_date(ymd);
    }
    if (SERIAL_2000..SERIAL_2099_END + 1.0).contains(&n) {
        return from_excel_serial(n).ok_or(DateProblem::NotADate);
    }
    Err(DateProblem::NotADate)
}

/// A date written as text.
pub fn parse_date_text(s: &str) -> Result<Date, DateProblem> {
    to_date(date_shape(s).ok_or(DateProblem::NotADate)?)
}

/// Year, month and day of a full date as text, without checking the day exists.
pub(crate) fn date_shape(s: &str) -> Option<Ymd> {
    let folded = fold_full_width(s);
    let t = folded.trim();
    let caps = FULL.captures(t).or_else(|| COMPACT.captures(t))?;
    let year = caps.get(1)?.as_str().parse().ok()?;
    let month = caps.get(2)?.as_str().parse().ok()?;
    let day = caps.get(3)?.as_str().parse().ok()?;
    Some((year, month, day))
}

/// The date, if that day exists.
pub(crate) fn to_date((year, month, day): Ymd) -> Result<Date, DateProblem> {
    Date::new(year, month, day).map_err(|_| DateProblem::NoSuchDay)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.to_string())
    }

    fn value(d: Date) -> Outcome {
        Outcome::Value(FieldValue::Date(d))
    }

    #[test]
    fn excel_serials() {
        assert_eq!(from_excel_serial(1.0), Some(date(1900, 1, 1)));
        assert_eq!(from_excel_serial(59.0), Some(date(1900, 2, 28)));
        assert_eq!(from_excel_serial(60.0), None);
        assert_eq!(from_excel_serial(61.0), Some(date(1900, 3, 1)));
        assert_eq!(from_excel_serial(44065.0), Some(date(2020, 8, 22)));
        assert_eq!(from_excel_serial(44065.75), Some(date(2020, 8, 22)));
        assert_eq!(from_excel_serial(SERIAL_MAX), Some(date(9999, 12, 31)));
        assert_eq!(from_excel_serial(f64::INFINITY), None);
        assert_eq!(from_excel_serial(-3.0), None);
    }

    #[test]
    fn all_written_forms() {
        let d = date(2019, 9, 1);
        for s in [
            "2019-09-01",
            "2019/9/1",
            "2019.9.1",
            "20190901",
            "2019年9月1日",
            " 2019 年 9 月 1 日 ",
            "２０１９年９月１日",
            "2019-09-01 00:00:00",
            "2019-09-01T00:00:00",
        ] {
            assert_eq!(read_date(&text(s)), value(d), "{s}");
        }
        assert_eq!(
            read_date(&CellValue::DateIso("2019-09-01".into())),
            value(d)
        );
        assert_eq!(read_date(&CellValue::DateTime(43709.0)), value(d));
    }

    #[test]
    fn plain_numbers_as_dates() {
        assert_eq!(
            read_date(&CellValue::Number(43709.0)),
            value(date(2019, 9, 1))
        );
        assert_eq!(
            read_date(&CellValue::Number(20190901.0)),
            value(date(2019, 9, 1))
        );
        assert!(matches!(
            read_date(&CellValue::Number(5.0)),
            Outcome::Invalid { .. }
        ));
        assert!(matches!(
            read_date(&CellValue::Number(20190231.0)),
            Outcome::Invalid { .. }
        ));
    }

    #[test]
    fn impossible_and_malformed() {
        match read_date(&text("2020-02-30")) {
            Outcome::Invalid { found, problem } => {
                assert_eq!(found, "2020-02-30");
                assert_eq!(problem, NO_SUCH_DAY);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(read_date(&text("2020-02-29")), value(date(2020, 2, 29)));
        for s in ["明年", "2019-9", "9/1/2019", "2019-09-01至2019-09-02"] {
            assert_eq!(read_date(&text(s)), invalid(s, NOT_A_DATE), "{s}");
        }
        assert_eq!(read_date(&text("  ")), Outcome::Empty);
    }

    proptest! {
        #[test]
        fn every_real_day_reads_back_in_every_form(days in 0i64..36_500) {
            let d = date(2000, 1, 1).checked_add(Span::new().days(days)).unwrap();
            let (y, m, dd) = (d.year(), d.month(), d.day());
            for s in [
                format!("{y}-{m:02}-{dd:02}"),
                format!("{y}/{m}/{dd}"),
                format!("{y}.{m}.{dd}"),
                format!("{y}{m:02}{dd:02}"),
                format!("{y}年{m}月{dd}日"),
            ] {
                prop_assert_eq!(read_date(&CellValue::Text(s)), value(d));
            }
            let serial = (d - EXCEL_EPOCH).get_days() as f64;
            prop_assert_eq!(read_date(&CellValue::Number(serial)), value(d));
            prop_assert_eq!(read_date(&CellValue::DateTime(serial)), value(d));
        }

        #[test]
        fn never_panics(s in "\\PC*", n in proptest::num::f64::ANY) {
            let _ = read_date(&CellValue::Text(s));
            let _ = read_date(&CellValue::Number(n));
            let _ = read_date(&CellValue::DateTime(n));
        }
    }
}
