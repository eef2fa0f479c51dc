//! Phone numbers: a mobile (1[3-9] + 9 digits) or a landline with optional
//! area code. Separators (space - . parentheses) and +86 are ignored. Output:
//! a mobile as its 11 digits, a landline with one hyphen after the area code.

use super::invalid;
use super::text::cell_text;
use crate::form::Outcome;
use crate::text::fold_full_width;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

pub(crate) const NOT_A_PHONE: &str = "不是有效的手机号码（应为11位手机号或带区号的固定电话）";

/// A phone field.
pub fn read_phone(value: &CellValue) -> Outcome {
    let found = cell_text(value);
    if found.is_empty() {
        return Outcome::Empty;
    }
    let normalized = normalize_phone(&found).or_else(|| match value {
        // A number cell cannot keep a landline's leading zero: 519-86619613.
        CellValue::Number(_) => normalize_landline(&format!("0{found}")),
        _ => None,
    });
    match normalized {
        Some(phone) => Outcome::Value(FieldValue::Text(phone)),
        None => invalid(found, NOT_A_PHONE),
    }
}

/// The phone number in its output form, or `None` when `s` is not one.
pub fn normalize_phone(s: &str) -> Option<String> {
    let digits = phone_digits(s)?;
    if is_mobile(&digits) {
        return Some(digits);
    }
    normalize_landline(&digits)
}

/// The digits without separators and country code; `None` on any other character.
fn phone_digits(s: &str) -> Option<String> {
    let folded = fold_full_width(s);
    let kept: String = folded
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '—' | '–' | '(' | ')')))
        .collect();
    let national = kept
        .strip_prefix("+86")
        .or_else(|| kept.strip_prefix("0086"))
        .or_else(|| kept.strip_prefix("86").filter(|rest| is_mobile(rest)))
        .unwrap_or(&kept);
    national
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| national.to_string())
}

fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && digits.chars().all(|c| c.is_ascii_digit())
}

/// `05198661961` → `0519-8661961`; a local number (7–8 digits, not starting 0 or 1) as is.
fn normalize_landline(digits: &str) -> Option<String> {
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let is_local = |n: &str| (7..=8).contains(&n.len()) && !n.starts_with('0');
    if !digits.starts_with('0') {
        // Without an area code, a leading 1 is rather a mobile with digits missing.
        return (is_local(digits) && !digits.starts_with('1')).then(|| digits.to_string());
    }
    // Area codes 010 and 02x have three digits, all others four.
    let area_len = if digits.starts_with("01") || digits.starts_with("02") {
        3
    } else {
        4
    };
    let (area, local) = digits.split_at_checked(area_len)?;
    is_local(local).then(|| format!("{area}-{local}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str) -> Outcome {
        read_phone(&CellValue::Text(s.to_string()))
    }

    fn phone(s: &str) -> Outcome {
        Outcome::Value(FieldValue::Text(s.to_string()))
    }

    #[test]
    fn mobiles() {
        for s in [
            "13912345678",
            "139 1234 5678",
            "139-1234-5678",
            "+86 139 1234 5678",
            "8613912345678",
            "１３９１２３４５６７８",
        ] {
            assert_eq!(text(s), phone("13912345678"), "{s}");
        }
        assert_eq!(
            read_phone(&CellValue::Number(13912345678.0)),
            phone("13912345678")
        );
    }

    #[test]
    fn landlines() {
        assert_eq!(text("0519-86619613"), phone("0519-86619613"));
        assert_eq!(text("(0519)86619613"), phone("0519-86619613"));
        assert_eq!(text("0519 8661 9613"), phone("0519-86619613"));
        assert_eq!(text("010-12345678"), phone("010-12345678"));
        assert_eq!(text("86619613"), phone("86619613"));
        assert_eq!(
            read_phone(&CellValue::Number(51986619613.0)),
            phone("0519-86619613")
        );
    }

    #[test]
    fn not_phones() {
        for s in [
            "12345678901",
            "1391234567",
            "139123456789",
            "电话",
            "0519-123",
            "13912345678转1",
        ] {
            assert_eq!(text(s), invalid(s, NOT_A_PHONE), "{s}");
        }
        assert_eq!(text(" "), Outcome::Empty);
    }

    proptest! {
        #[test]
        fn any_mobile_with_separators(
            second in 3u8..=9,
            rest in "[0-9]{9}",
            sep in prop::sample::select(vec!["", " ", "-", "."]),
            country in any::<bool>(),
        ) {
            let digits = format!("1{second}{rest}");
            let written = format!(
                "{}{}{sep}{}{sep}{}",
                if country { "+86 " } else { "" },
                &digits[..3], &digits[3..7], &digits[7..]
            );
            prop_assert_eq!(text(&written), phone(&digits));
        }

        #[test]
        fn any_landline_keeps_its_area_code(area in "0[3-9][0-9]{2}", local in "[2-9][0-9]{6,7}") {
            prop_assert_eq!(text(&format!("{area} {local}")), phone(&format!("{area}-{local}")));
        }

        #[test]
        fn never_panics(s in "\\PC*", n in proptest::num::f64::ANY) {
            let _ = text(&s);
            let _ = read_phone(&CellValue::Number(n));
        }
    }
}
