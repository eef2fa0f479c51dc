//! Which number formats make a number a date: the rules calamine applies to
//! .xlsx styles, ported from calamine 0.38 `formats.rs` (MIT, Johann Tuffe),
//! so that our own .xlsx reader ([`super::xlsx`]) reads the same dates.

/// What a cell's number format says its number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberKind {
    Plain,
    /// A date or a time of day: the number is an Excel serial day.
    Date,
    /// `[h]:mm:ss` and the like: a duration, which stays a number.
    Duration,
}

/// The kind of a custom format code (`<numFmt formatCode=…>`). Only the first
/// section counts; quoted, escaped and bracketed parts are no date tokens.
pub(crate) fn custom_format_kind(format: &str) -> NumberKind {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return NumberKind::Plain,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberKind::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::Date,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberKind::Date;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberKind::Plain
}

/// The kind of a built-in format id (ECMA-376 18.8.30; 27–36 and 50–58 are
/// the East Asian date formats, which a Chinese Excel or WPS uses).
pub(crate) fn builtin_format_kind(id: &[u8]) -> NumberKind {
    match id {
        b"14" | b"15" | b"16" | b"17" | b"18" | b"19" | b"20" | b"21" | b"22" | b"45" | b"47" => {
            NumberKind::Date
        }
        b"27" | b"28" | b"29" | b"30" | b"31" | b"32" | b"33" | b"34" | b"35" | b"36" | b"50"
        | b"51" | b"52" | b"53" | b"54" | b"55" | b"56" | b"57" | b"58" => NumberKind::Date,
        b"46" => NumberKind::Duration,
        _ => NumberKind::Plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_codes_are_dates() {
        for code in [
            "yyyy-mm-dd",
            "yyyy\"年\"m\"月\"d\"日\"",
            "[$-804]yyyy/m/d",
            "h:mm AM/PM",
        ] {
            assert_eq!(custom_format_kind(code), NumberKind::Date, "{code}");
        }
    }

    #[test]
    fn other_codes_are_not() {
        for code in ["0.00", "#,##0", "\"days\"0", "0_);[Red](0)", "@", "General"] {
            assert_eq!(custom_format_kind(code), NumberKind::Plain, "{code}");
        }
        assert_eq!(custom_format_kind("[h]:mm:ss"), NumberKind::Duration);
    }

    #[test]
    fn builtin_ids() {
        assert_eq!(builtin_format_kind(b"14"), NumberKind::Date);
        assert_eq!(builtin_format_kind(b"57"), NumberKind::Date);
        assert_eq!(builtin_format_kind(b"46"), NumberKind::Duration);
        assert_eq!(builtin_format_kind(b"0"), NumberKind::Plain);
        assert_eq!(builtin_format_kind(b"164"), NumberKind::Plain);
    }
}
