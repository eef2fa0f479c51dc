//! Text fields: trimmed, internal white space kept as written; a number cell
//! reads as its digits (13912345678, not 1.39e10 or 13912345678.0).

use super::{date, invalid};
use crate::form::Outcome;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

/// How many characters of an over-long text a problem report quotes.
const QUOTE_CHARS: usize = 30;

/// The cell as a secretary reads it: text trimmed, numbers as their digits,
/// date cells as ISO dates.
pub fn cell_text(value: &CellValue) -> String {
    match value {
        CellValue::Text(s) => s.trim().to_string(),
        CellValue::Number(n) => number_text(*n),
        CellValue::DateTime(serial) => date::from_excel_serial(*serial)
            .map(|d| d.to_string())
            .unwrap_or_else(|| number_text(*serial)),
        CellValue::DateIso(s) => s.trim().to_string(),
        CellValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
    }
}

/// A number without exponent or a trailing ".0": `Display` of f64 never
/// uses an exponent and prints integral values without a fraction.
pub fn number_text(n: f64) -> String {
    if !n.is_finite() {
        return String::new();
    }
    if n == 0.0 {
        // Also turns -0 into 0.
        return "0".to_string();
    }
    format!("{n}")
}

/// A text field; `max_chars` counts characters (not bytes) of the trimmed text.
pub fn read_text(value: &CellValue, max_chars: Option<usize>) -> Outcome {
    let text = cell_text(value);
    if text.is_empty() {
        return Outcome::Empty;
    }
    let count = text.chars().count();
    match max_chars {
        Some(max) if count > max => invalid(
            quote(&text),
            format!("超过{max}字（现为{count}字），请精简"),
        ),
        _ => Outcome::Value(FieldValue::Text(text)),
    }
}

/// The start of a long text, for a notice.
fn quote(text: &str) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(QUOTE_CHARS).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.to_string())
    }

    #[test]
    fn trims_but_keeps_inner_space() {
        assert_eq!(
            read_text(&text("  常州市 电子学会\u{3000}"), None),
            Outcome::Value(FieldValue::Text("常州市 电子学会".into()))
        );
        assert_eq!(read_text(&text(" \u{3000}\n"), None), Outcome::Empty);
    }

    #[test]
    fn number_cells_read_as_digits() {
        assert_eq!(cell_text(&CellValue::Number(13912345678.0)), "13912345678");
        assert_eq!(cell_text(&CellValue::Number(1.39e10)), "13900000000");
        assert_eq!(cell_text(&CellValue::Number(0.6)), "0.6");
        assert_eq!(cell_text(&CellValue::Number(-0.0)), "0");
        assert_eq!(cell_text(&CellValue::Number(f64::NAN)), "");
    }

    #[test]
    fn date_cells_read_as_iso_dates() {
        assert_eq!(cell_text(&CellValue::DateTime(44065.0)), "2020-08-22");
    }

    #[test]
    fn over_long_text_is_invalid() {
        let long = "字".repeat(101);
        match read_text(&text(&long), Some(100)) {
            Outcome::Invalid { found, problem } => {
                assert!(problem.starts_with("超过100字"), "{problem}");
                assert!(problem.contains("101"));
                assert!(found.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_text(&text(&"字".repeat(100)), Some(100)),
            Outcome::Value(_)
        ));
    }

    proptest! {
        #[test]
        fn integral_numbers_read_as_their_digits(n in -1_000_000_000_000_000i64..1_000_000_000_000_000) {
            prop_assert_eq!(cell_text(&CellValue::Number(n as f64)), (n as f64 as i64).to_string());
        }

        #[test]
        fn reading_text_never_panics_and_is_trimmed(s in "\\PC*", max in proptest::option::of(0usize..50)) {
            match read_text(&CellValue::Text(s.clone()), max) {
                Outcome::Value(FieldValue::Text(t)) => {
                    prop_assert_eq!(t.trim(), t.as_str());
                    prop_assert!(!t.is_empty());
                }
                Outcome::Empty => prop_assert!(s.trim().is_empty()),
                Outcome::Invalid { .. } => prop_assert!(max.is_some()),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
