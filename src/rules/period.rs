//! Rule 4: the project's dates lie inside the call's period, and it does not
//! start after it ends (a one-day event starts and ends the same day).
//!
//! Dates are checked whenever given; whether they must be given is rule 1's
//! `requires`. The order is judged only when both dates lie inside the period:
//! a date outside it is already reported, and fixing it may settle the order.

use jiff::civil::Date;

use crate::config::Call;
use crate::form::{FieldReading, FormReading, Outcome};
use crate::verdict::{Code, Deficiency, FieldValue};

use super::keys::{END_DATE, START_DATE};
use super::{label, text};

pub(super) fn check(reading: &FormReading, call: &Call) -> Vec<Deficiency> {
    let start = date_of(reading, START_DATE);
    let end = date_of(reading, END_DATE);
    let mut found: Vec<Deficiency> = [start, end]
        .into_iter()
        .flatten()
        .filter(|(_, date)| !inside(*date, call))
        .map(|(field, date)| outside_period(field, date, call))
        .collect();
    if let (Some(start), Some(end)) = (start, end)
        && found.is_empty()
        && start.1 > end.1
    {
        found.push(end_before_start(start, end, call));
    }
    found
}

fn date_of<'r>(reading: &'r FormReading, key: &str) -> Option<(&'r FieldReading, Date)> {
    let field = reading.get(key)?;
    match field.outcome {
        Outcome::Value(FieldValue::Date(date)) => Some((field, date)),
        _ => None,
    }
}

fn inside(date: Date, call: &Call) -> bool {
    (call.period_start..=call.period_end).contains(&date)
}

fn outside_period(field: &FieldReading, date: Date, call: &Call) -> Deficiency {
    Deficiency {
        code: Code::PeriodOutOfRange,
        field: Some(field.key.clone()),
        cell: Some(field.cell().to_string()),
        message: text::date_outside_period(
            field.cell(),
            label(call, &field.key),
            date,
            call.period_start,
            call.period_end,
        ),
    }
}

fn end_before_start(
    (start, start_date): (&FieldReading, Date),
    (end, end_date): (&FieldReading, Date),
    call: &Call,
) -> Deficiency {
    let end_at = text::DateAt {
        cell: end.cell(),
        label: label(call, &end.key),
        date: end_date,
    };
    let start_at = text::DateAt {
        cell: start.cell(),
        label: label(call, &start.key),
        date: start_date,
    };
    Deficiency {
        code: Code::PeriodOutOfRange,
        field: Some(END_DATE.to_string()),
        cell: Some(end.cell().to_string()),
        message: text::end_before_start(&end_at, &start_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn with_dates(start: Outcome, end: Outcome) -> FormReading {
        complete_service()
            .with("start_date", "A11", Some("B11"), start)
            .with("end_date", "A12", Some("B12"), end)
    }

    #[test]
    fn the_period_bounds_are_inclusive_and_one_day_is_fine() {
        let call = call_2020();
        assert_eq!(
            check(&with_dates(date(2019, 9, 1), date(2020, 8, 31)), &call),
            vec![]
        );
        assert_eq!(
            check(&with_dates(date(2020, 5, 9), date(2020, 5, 9)), &call),
            vec![]
        );
    }

    #[test]
    fn each_date_outside_gets_its_own_deficiency() {
        let found = check(
            &with_dates(date(2019, 8, 31), date(2020, 9, 1)),
            &call_2020(),
        );
        let fields: Vec<_> = found
            .iter()
            .map(|d| (d.code, d.field.as_deref(), d.cell.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                (Code::PeriodOutOfRange, Some("start_date"), Some("B11")),
                (Code::PeriodOutOfRange, Some("end_date"), Some("B12")),
            ]
        );
        assert!(
            found[0].message.contains("2019年8月31日 早于"),
            "{}",
            found[0].message
        );
        assert!(found[1].message.contains("单元格 B12"));
        assert!(found[1].message.contains("2020年9月1日 晚于"));
        assert!(found[1].message.contains("2019年9月1日至2020年8月31日"));
    }

    #[test]
    fn a_start_after_the_end_is_reported_on_the_end() {
        let found = check(
            &with_dates(date(2020, 3, 2), date(2020, 3, 1)),
            &call_2020(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field.as_deref(), Some("end_date"));
        assert_eq!(found[0].cell.as_deref(), Some("B12"));
        assert!(
            found[0]
                .message
                .contains("2020年3月1日 早于单元格 B11 中的开始日期 2020年3月2日")
        );
    }

    #[test]
    fn an_optional_date_given_alone_is_still_checked() {
        let reading = complete_service().without("start_date").with(
            "end_date",
            "A12",
            Some("B12"),
            date(2018, 1, 1),
        );
        assert_eq!(check(&reading, &call_2020()).len(), 1);
    }

    #[test]
    fn malformed_dates_are_left_to_rule_one() {
        assert_eq!(
            check(
                &with_dates(invalid("2020年2月30日"), Outcome::Empty),
                &call_2020()
            ),
            vec![]
        );
    }
}
