//! Rule 1: the required fields are there, and no value read is malformed.
//!
//! Required = the call's `always_required` plus the chosen category's `requires`.
//! Category and sub-category have codes of their own (`category.rs`), so they
//! are skipped here. Malformed values are reported whether required or not.

use crate::config::{Call, Category, FieldKind};
use crate::form::{FieldReading, FormReading, Outcome};
use crate::verdict::{Code, Deficiency};

use super::{label, text};

pub(super) fn check(
    reading: &FormReading,
    category: Option<&Category>,
    call: &Call,
) -> Vec<Deficiency> {
    let mut found = missing(reading, category, call);
    found.extend(reading.fields.iter().filter_map(|f| malformed(f, call)));
    found
}

fn has_own_code(kind: FieldKind) -> bool {
    matches!(kind, FieldKind::Category | FieldKind::SubCategory)
}

fn kind_of(call: &Call, key: &str) -> FieldKind {
    call.field(key).map_or(FieldKind::Text, |f| f.kind)
}

/// Each required key once, with the category that adds it (`None`: required always).
fn required_keys<'c>(
    category: Option<&'c Category>,
    call: &'c Call,
) -> Vec<(&'c str, Option<&'c Category>)> {
    let mut keys: Vec<(&str, Option<&Category>)> = call
        .always_required
        .iter()
        .map(|k| (k.as_str(), None))
        .collect();
    if let Some(c) = category {
        for key in &c.requires {
            if !keys.iter().any(|(k, _)| k == key) {
                keys.push((key, Some(c)));
            }
        }
    }
    keys
}

fn missing(reading: &FormReading, category: Option<&Category>, call: &Call) -> Vec<Deficiency> {
    required_keys(category, call)
        .into_iter()
        .filter(|(key, _)| !has_own_code(kind_of(call, key)))
        .filter_map(|(key, required_by)| {
            let label_cell = match reading.get(key) {
                None => None,
                Some(f) if f.outcome == Outcome::Empty => Some(f.label_cell.as_str()),
                Some(_) => return None,
            };
            let message = text::missing_field(&text::MissingField {
                label: label(call, key),
                label_cell,
                required_by: required_by.map(|c| c.name.as_str()),
                alternative_label: range_label_for(call, key),
            });
            Some(Deficiency {
                code: Code::MissingField,
                field: Some(key.to_string()),
                cell: label_cell.map(str::to_string),
                message,
            })
        })
        .collect()
}

/// The label of a one-cell date range that can also fill `key`.
fn range_label_for<'c>(call: &'c Call, key: &str) -> Option<&'c str> {
    call.fields
        .iter()
        .find(|f| {
            f.range_of
                .as_ref()
                .is_some_and(|(start, end)| start == key || end == key)
        })
        .map(|f| f.label.as_str())
}

fn malformed(reading: &FieldReading, call: &Call) -> Option<Deficiency> {
    let Outcome::Invalid { found, problem } = &reading.outcome else {
        return None;
    };
    let kind = kind_of(call, &reading.key);
    if has_own_code(kind) {
        return None;
    }
    let cell = reading.cell();
    let label = label(call, &reading.key);
    let (code, message) = if kind == FieldKind::CreditCode {
        let message = text::invalid_credit_code(cell, label, found, problem);
        (Code::InvalidCreditCode, message)
    } else {
        let max_chars = call.field(&reading.key).and_then(|f| f.max_chars);
        let allowed = text::allowed_for(kind, max_chars);
        let message = text::invalid_value(cell, label, found, problem, &allowed);
        (Code::InvalidValue, message)
    };
    Some(Deficiency {
        code,
        field: Some(reading.key.clone()),
        cell: Some(cell.to_string()),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn check_as(category: &str, reading: &FormReading) -> Vec<Deficiency> {
        let call = call_2020();
        check(reading, call.category(category), &call)
    }

    #[test]
    fn a_complete_reading_has_nothing_missing() {
        assert_eq!(check_as("service", &complete_service()), vec![]);
    }

    #[test]
    fn an_empty_required_field_points_at_its_label() {
        let reading = complete_service().with("leader", "A8", None, Outcome::Empty);
        let found = check_as("service", &reading);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, Code::MissingField);
        assert_eq!(found[0].field.as_deref(), Some("leader"));
        assert_eq!(found[0].cell.as_deref(), Some("A8"));
        assert!(
            found[0].message.contains("单元格 A8"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("项目负责人"));
    }

    #[test]
    fn an_absent_category_field_names_the_category_and_has_no_cell() {
        let reading = complete_service().without("project_name");
        let found = check_as("service", &reading);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].cell, None);
        assert!(
            found[0]
                .message
                .contains("申报科技服务特色学会须填写「项目名称」")
        );
    }

    #[test]
    fn an_absent_date_mentions_the_one_cell_alternative() {
        let reading = complete_service().without("start_date");
        let found = check_as("service", &reading);
        assert_eq!(found[0].field.as_deref(), Some("start_date"));
        assert!(
            found[0].message.contains("项目起止时间"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn fields_required_by_other_categories_are_not_missing() {
        // Category 1 needs no project name, period or worker.
        let reading = complete_service()
            .without("project_name")
            .without("start_date")
            .without("end_date");
        assert_eq!(check_as("self_building", &reading), vec![]);
        // Category 6 needs the worker fields.
        let found = check_as("worker", &reading);
        let fields: Vec<_> = found.iter().filter_map(|d| d.field.as_deref()).collect();
        assert_eq!(fields, ["worker_name", "worker_title", "worker_years"]);
    }

    #[test]
    fn malformed_values_are_reported_even_when_optional() {
        let reading =
            complete_service().with("worker_years", "B20", Some("C20"), invalid("很多年"));
        let found = check_as("service", &reading);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, Code::InvalidValue);
        assert_eq!(found[0].cell.as_deref(), Some("C20"));
        assert!(found[0].message.contains("“很多年”"));
        assert!(found[0].message.contains("5年"), "says what is allowed");
    }

    #[test]
    fn a_malformed_credit_code_has_its_own_code() {
        let reading = complete_service().with("credit_code", "A3", Some("B3"), invalid("5132"));
        let found = check_as("service", &reading);
        assert_eq!(found[0].code, Code::InvalidCreditCode);
        assert_eq!(found[0].field.as_deref(), Some("credit_code"));
    }

    #[test]
    fn category_and_subcategory_are_left_to_their_own_rule() {
        let reading = complete_service()
            .with("category", "A4", Some("B4"), invalid("七"))
            .with("subcategory", "A5", None, Outcome::Empty);
        assert_eq!(check_as("academic", &reading), vec![]);
        assert_eq!(check(&reading, None, &call_2020()), vec![]);
    }
}
