//! The normalized values of an application (`fields` of `check --json`), in the
//! call's field order. Absent, empty and malformed values are left out, so is
//! an unknown category and a sub-category that is not the category's own.

use crate::config::{Call, Category, FieldKind, Society};
use crate::form::FormReading;
use crate::verdict::FieldValue;

use super::category::chosen_subcategory;
use super::keys::{CATEGORY, SOCIETY, SUBCATEGORY};

pub(super) fn normalized(
    reading: &FormReading,
    category: Option<&Category>,
    society: Option<&Society>,
    call: &Call,
) -> Vec<(String, FieldValue)> {
    field_keys(call)
        .into_iter()
        .filter_map(|key| {
            let value = match key {
                CATEGORY => category.map(|c| FieldValue::Text(c.key.clone())),
                SUBCATEGORY => category
                    .and_then(|c| chosen_subcategory(reading, c))
                    .map(|s| FieldValue::Text(s.key.clone())),
                // The roster's spelling, so staff see one name per society.
                SOCIETY => reading.value(key).map(|written| match society {
                    Some(society) => FieldValue::Text(society.name.clone()),
                    None => written.clone(),
                }),
                _ => reading.value(key).cloned(),
            };
            value.map(|v| (key.to_string(), v))
        })
        .collect()
}

/// The keys values are filed under, in form order: a one-cell date range files
/// its two dates (once, if they are fields of their own too).
fn field_keys(call: &Call) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for spec in &call.fields {
        let own = match (&spec.kind, &spec.range_of) {
            (FieldKind::DateRange, Some((start, end))) => vec![start.as_str(), end.as_str()],
            _ => vec![spec.key.as_str()],
        };
        for key in own {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Outcome;
    use crate::rules::test_support::*;

    #[test]
    fn values_follow_the_form_order_with_the_roster_name() {
        let call = call_2020();
        let roster = roster();
        let reading = complete_service();
        let society = roster.by_name("常州电子学会");
        let fields = normalized(&reading, call.category("service"), society, &call);
        let keys: Vec<_> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "society",
                "credit_code",
                "category",
                "project_name",
                "leader",
                "contact",
                "mobile",
                "email",
                "start_date",
                "end_date",
                "amount",
                "summary",
                "outcomes",
                "evidence_list",
                "declared_on"
            ]
        );
        assert_eq!(fields[0].1, FieldValue::Text("常州市电子学会".into()));
        assert_eq!(fields[2].1, FieldValue::Text("service".into()));
    }

    #[test]
    fn empty_malformed_and_unknown_values_are_left_out() {
        let call = call_2020();
        let reading = complete_service()
            .with("leader", "A7", None, Outcome::Empty)
            .with("mobile", "A9", Some("B9"), invalid("123"))
            .with("category", "A4", Some("B4"), invalid("七"))
            .with("subcategory", "A5", Some("B5"), text("seminar"));
        let fields = normalized(&reading, None, None, &call);
        for key in ["leader", "mobile", "category", "subcategory"] {
            assert!(fields.iter().all(|(k, _)| k != key), "{key} left out");
        }
        assert_eq!(
            fields[0].1,
            FieldValue::Text("常州电子学会".into()),
            "as written"
        );
    }

    #[test]
    fn a_foreign_subcategory_is_left_out_and_an_own_one_kept() {
        let call = call_2020();
        let academic = call.category("academic");
        let own = complete_service().with("subcategory", "A5", Some("B5"), text("salon"));
        let fields = normalized(&own, academic, None, &call);
        assert!(fields.contains(&("subcategory".into(), FieldValue::Text("salon".into()))));
        let foreign = complete_service().with("subcategory", "A5", Some("B5"), text("suggestion"));
        let fields = normalized(&foreign, academic, None, &call);
        assert!(fields.iter().all(|(k, _)| k != "subcategory"));
    }
}
