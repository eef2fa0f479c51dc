//! Both dates of a project in one cell: two dates joined by 至, 到, ~, ～, —, –
//! or -. The second may leave out what it shares with the first:
//! "2019年10月12日至10月13日", "2019.10.12-13".

use std::sync::LazyLock;

use regex::Regex;

use super::date::{DateProblem, Ymd, date_shape, to_date};
use super::invalid;
use super::text::cell_text;
use crate::form::Outcome;
use crate::text::fold_full_width;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

pub(crate) const NOT_A_RANGE: &str = "应写明起止两个日期，如2019年10月12日至2019年10月13日";

/// Separators other than '-', which also sits inside 2019-10-12.
const WORD_SEPARATORS: [&str; 5] = ["至", "到", "~", "—", "–"];

/// The end of a range with the year or the month left out: `10月13日`, `10.13`, `13日`.
static PARTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:([0-9]{4})\s*[-/.年]\s*)?(?:([0-9]{1,2})\s*[-/.月]\s*)?([0-9]{1,2})\s*[日号]?$",
    )
    .expect("static regex")
});

/// The (start, end) outcomes of a range cell.
pub fn read_date_range(value: &CellValue) -> (Outcome, Outcome) {
    let text = cell_text(value);
    if text.is_empty() {
        return (Outcome::Empty, Outcome::Empty);
    }
    let CellValue::Text(_) = value else {
        // A date cell holds one date, never two.
        return both_invalid(&text);
    };
    let folded = fold_full_width(&text);
    let Some((start, end)) = split_range(folded.trim()) else {
        return both_invalid(&text);
    };
    (as_outcome(&text, start), as_outcome(&text, end))
}

fn both_invalid(text: &str) -> (Outcome, Outcome) {
    (invalid(text, NOT_A_RANGE), invalid(text, NOT_A_RANGE))
}

fn as_outcome(text: &str, ymd: Ymd) -> Outcome {
    match to_date(ymd) {
        Ok(date) => Outcome::Value(FieldValue::Date(date)),
        Err(problem) => invalid(text, problem_of_range(problem)),
    }
}

fn problem_of_range(problem: DateProblem) -> String {
    match problem {
        DateProblem::NoSuchDay => "起止时间中的日期不存在，请核对年、月、日".to_string(),
        DateProblem::NotADate => NOT_A_RANGE.to_string(),
    }
}

/// The start and end as written. A word separator splits at its first occurrence;
/// '-' splits at the first position where both halves look like dates.
pub(crate) fn split_range(s: &str) -> Option<(Ymd, Ymd)> {
    let word_split = WORD_SEPARATORS
        .iter()
        .filter_map(|sep| s.find(sep).map(|at| (at, sep.len())))
        .min();
    if let Some((at, len)) = word_split {
        let (left, right) = (&s[..at], &s[at + len..]);
        return halves(left, trim_separators(right));
    }
    s.match_indices('-')
        .find_map(|(at, _)| halves(&s[..at], &s[at + 1..]))
}

/// "2019-10-12——2019-10-13": a doubled dash leaves one on the right half.
fn trim_separators(s: &str) -> &str {
    s.trim_start_matches(|c: char| matches!(c, '—' | '–' | '-' | '~') || c.is_whitespace())
}

fn halves(left: &str, right: &str) -> Option<(Ymd, Ymd)> {
    let start = date_shape(left)?;
    let end = date_shape(right).or_else(|| partial_shape(right, start))?;
    Some((start, end))
}

/// The end date, taking what it leaves out from the start date.
fn partial_shape(s: &str, (year, month, _): Ymd) -> Option<Ymd> {
    let caps = PARTIAL.captures(s.trim())?;
    let parse = |i: usize| caps.get(i).map(|m| m.as_str().parse::<i16>().ok());
    let end_year = match parse(1) {
        Some(y) => y?,
        None => year,
    };
    let end_month = match parse(2) {
        Some(m) => i8::try_from(m?).ok()?,
        None => month,
    };
    let day = i8::try_from(parse(3)??).ok()?;
    // "2019年10月12日至2020年13日" is no date: a year needs its month.
    if caps.get(1).is_some() && caps.get(2).is_none() {
        return None;
    }
    Some((end_year, end_month, day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Span;
    use jiff::civil::{Date, date};
    use proptest::prelude::*;

    fn range(s: &str) -> (Outcome, Outcome) {
        read_date_range(&CellValue::Text(s.to_string()))
    }

    fn dates(a: Date, b: Date) -> (Outcome, Outcome) {
        (
            Outcome::Value(FieldValue::Date(a)),
            Outcome::Value(FieldValue::Date(b)),
        )
    }

    #[test]
    fn every_separator() {
        let want = dates(date(2019, 10, 12), date(2019, 10, 13));
        for s in [
            "2019年10月12日至2019年10月13日",
            "2019年10月12日至10月13日",
            "2019年10月12日 到 10月13日",
            "2019-10-12~2019-10-13",
            "2019-10-12～2019-10-13",
            "2019.10.12—2019.10.13",
            "2019.10.12——2019.10.13",
            "2019/10/12–2019/10/13",
            "2019-10-12-2019-10-13",
            "2019-10-12 - 2019-10-13",
            "2019.10.12-10.13",
            "2019年10月12日-13日",
            "20191012-20191013",
        ] {
            assert_eq!(range(s), want, "{s}");
        }
    }

    #[test]
    fn second_date_takes_the_first_ones_year() {
        assert_eq!(
            range("2020年5月9日至5月10日"),
            dates(date(2020, 5, 9), date(2020, 5, 10))
        );
        assert_eq!(
            range("2019年9月1日至2020年8月31日"),
            dates(date(2019, 9, 1), date(2020, 8, 31))
        );
    }

    #[test]
    fn a_missing_day_spoils_only_its_half() {
        let (start, end) = range("2020-02-30至2020-03-01");
        assert!(matches!(start, Outcome::Invalid { .. }));
        assert_eq!(end, Outcome::Value(FieldValue::Date(date(2020, 3, 1))));
    }

    #[test]
    fn not_a_range() {
        for s in ["2019-10-12", "全年", "2019年10月至12月", "至"] {
            let (a, b) = range(s);
            assert_eq!(a, invalid(s, NOT_A_RANGE), "{s}");
            assert_eq!(b, invalid(s, NOT_A_RANGE), "{s}");
        }
        assert!(matches!(
            read_date_range(&CellValue::DateTime(43709.0)).0,
            Outcome::Invalid { .. }
        ));
        assert_eq!(range(" "), (Outcome::Empty, Outcome::Empty));
    }

    proptest! {
        #[test]
        fn any_two_dates_with_any_separator(
            a in 0i64..36_000,
            len in 0i64..700,
            sep in prop::sample::select(vec!["至", "到", "~", "～", "—", "–", "-", " - ", "——"]),
            iso in any::<bool>(),
        ) {
            let start = date(2000, 1, 1).checked_add(Span::new().days(a)).unwrap();
            let end = start.checked_add(Span::new().days(len)).unwrap();
            let show = |d: Date| if iso {
                d.to_string()
            } else {
                format!("{}年{}月{}日", d.year(), d.month(), d.day())
            };
            prop_assert_eq!(range(&format!("{}{sep}{}", show(start), show(end))), dates(start, end));
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = range(&s);
        }
    }
}
