//! Whole years: 5, 5年, 五年, 十二年.

use super::invalid;
use super::numerals::parse_chinese_integer;
use super::text::cell_text;
use crate::form::Outcome;
use crate::text::fold_full_width;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

pub(crate) const NOT_YEARS: &str = "应为整数年数，如5或5年";
/// No one has worked for a society longer than this.
const MAX_YEARS: u64 = 100;

/// A whole-years field.
pub fn read_years(value: &CellValue) -> Outcome {
    let found = cell_text(value);
    if found.is_empty() {
        return Outcome::Empty;
    }
    let years = match value {
        CellValue::Number(n) if n.fract() == 0.0 && (0.0..=MAX_YEARS as f64).contains(n) => {
            Some(*n as u64)
        }
        CellValue::Text(s) => text_years(s),
        _ => None,
    };
    match years.and_then(|y| i64::try_from(y).ok()) {
        Some(y) => Outcome::Value(FieldValue::Integer(y)),
        None => invalid(found, NOT_YEARS),
    }
}

fn text_years(s: &str) -> Option<u64> {
    let compact: String = fold_full_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let number = compact.strip_suffix('年').unwrap_or(&compact);
    let number = number.strip_suffix(".0").unwrap_or(number);
    parse_chinese_integer(number).filter(|y| *y <= MAX_YEARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str) -> Outcome {
        read_years(&CellValue::Text(s.to_string()))
    }

    #[test]
    fn written_forms() {
        for (s, n) in [
            ("5", 5),
            ("5年", 5),
            ("五年", 5),
            ("十二年", 12),
            (" 6 年", 6),
            ("５年", 5),
        ] {
            assert_eq!(text(s), Outcome::Value(FieldValue::Integer(n)), "{s}");
        }
        assert_eq!(
            read_years(&CellValue::Number(6.0)),
            Outcome::Value(FieldValue::Integer(6))
        );
        assert_eq!(text(""), Outcome::Empty);
    }

    #[test]
    fn malformed() {
        for s in ["5.5年", "多年", "五年半", "1000"] {
            assert_eq!(text(s), invalid(s, NOT_YEARS), "{s}");
        }
        assert_eq!(
            read_years(&CellValue::Number(2.5)),
            invalid("2.5", NOT_YEARS)
        );
    }

    proptest! {
        #[test]
        fn digits_with_or_without_nian(n in 0u64..=MAX_YEARS) {
            let want = Outcome::Value(FieldValue::Integer(n as i64));
            prop_assert_eq!(text(&n.to_string()), want.clone());
            prop_assert_eq!(text(&format!("{n}年")), want.clone());
            prop_assert_eq!(read_years(&CellValue::Number(n as f64)), want);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = text(&s);
        }
    }
}
