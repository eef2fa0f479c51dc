//! Rule 2: the category is one of the call's, and a category that has
//! sub-categories names one of its own.
//!
//! The form gives a category or sub-category as its key, or `Invalid` (unknown
//! text, zero or two check marks). A sub-category read for a category without
//! sub-categories is ignored: the blank form has the row for everyone.

use crate::config::{Call, Category, SubCategory};
use crate::form::{FormReading, Outcome};
use crate::verdict::{Code, Deficiency};

use super::keys::{CATEGORY, SUBCATEGORY};
use super::{label, text};

/// The category the application names, when it is one of the call's.
pub(super) fn chosen<'c>(reading: &FormReading, call: &'c Call) -> Option<&'c Category> {
    let key = reading.value(CATEGORY)?.as_text()?;
    call.category(key)
}

/// The sub-category the application names, when it is one of `category`'s own.
pub(super) fn chosen_subcategory<'c>(
    reading: &FormReading,
    category: &'c Category,
) -> Option<&'c SubCategory> {
    let key = reading.value(SUBCATEGORY)?.as_text()?;
    category.subcategory(key)
}

pub(super) fn check(reading: &FormReading, call: &Call) -> Vec<Deficiency> {
    match chosen(reading, call) {
        None => vec![unknown_category(reading, call)],
        Some(category) if category.subcategories.is_empty() => vec![],
        Some(category) => missing_subcategory(reading, category, call)
            .into_iter()
            .collect(),
    }
}

fn unknown_category(reading: &FormReading, call: &Call) -> Deficiency {
    let label = label(call, CATEGORY);
    let choices: Vec<(u32, &str)> = call
        .categories
        .iter()
        .map(|c| (c.number, c.name.as_str()))
        .collect();
    let choices = text::options(&choices);
    let (cell, message) = match reading.get(CATEGORY) {
        None => (None, text::category_missing(label, None, &choices)),
        Some(f) => match &f.outcome {
            Outcome::Empty => {
                let cell = f.label_cell.as_str();
                (
                    Some(cell),
                    text::category_missing(label, Some(cell), &choices),
                )
            }
            Outcome::Invalid { found, problem } => (
                Some(f.cell()),
                text::category_invalid(f.cell(), label, found, problem, &choices),
            ),
            Outcome::Value(value) => (
                Some(f.cell()),
                text::category_invalid(
                    f.cell(),
                    label,
                    &value.display(),
                    text::NOT_A_CATEGORY,
                    &choices,
                ),
            ),
        },
    };
    Deficiency {
        code: Code::UnknownCategory,
        field: Some(CATEGORY.to_string()),
        cell: cell.map(str::to_string),
        message,
    }
}

fn missing_subcategory(
    reading: &FormReading,
    category: &Category,
    call: &Call,
) -> Option<Deficiency> {
    let label = label(call, SUBCATEGORY);
    let choices: Vec<(u32, &str)> = category
        .subcategories
        .iter()
        .map(|s| (s.number, s.name.as_str()))
        .collect();
    let choices = text::options(&choices);
    let name = category.name.as_str();
    let (cell, message) = match reading.get(SUBCATEGORY) {
        None => (None, text::subcategory_missing(name, label, None, &choices)),
        Some(f) => match &f.outcome {
            Outcome::Empty => {
                let cell = f.label_cell.as_str();
                let message = text::subcategory_missing(name, label, Some(cell), &choices);
                (Some(cell), message)
            }
            Outcome::Invalid { found, problem } => (
                Some(f.cell()),
                text::subcategory_invalid(name, f.cell(), label, found, problem, &choices),
            ),
            Outcome::Value(_) if chosen_subcategory(reading, category).is_some() => return None,
            Outcome::Value(value) => {
                let shown = value.display();
                let found = subcategory_name(call, &shown).unwrap_or(&shown);
                let message = text::subcategory_not_own(name, f.cell(), label, found, &choices);
                (Some(f.cell()), message)
            }
        },
    };
    Some(Deficiency {
        code: Code::MissingSubcategory,
        field: Some(SUBCATEGORY.to_string()),
        cell: cell.map(str::to_string),
        message,
    })
}

/// The name of a sub-category key of any category (for "不属于…" messages).
fn subcategory_name<'c>(call: &'c Call, key: &str) -> Option<&'c str> {
    call.categories
        .iter()
        .flat_map(|c| &c.subcategories)
        .find(|s| s.key == key)
        .map(|s| s.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn academic() -> FormReading {
        complete_service()
            .with("category", "A4", Some("B4"), text("academic"))
            .with("subcategory", "A5", Some("B5"), text("seminar"))
    }

    #[test]
    fn a_known_category_with_its_own_subcategory_passes() {
        let call = call_2020();
        assert_eq!(check(&academic(), &call), vec![]);
        assert_eq!(check(&complete_service(), &call), vec![]);
        assert_eq!(chosen(&academic(), &call).map(|c| c.number), Some(2));
    }

    #[test]
    fn an_unreadable_category_is_unknown_and_lists_the_choices() {
        let reading =
            complete_service().with("category", "A4", Some("B4"), invalid("☑科技服务 ☑科普创新"));
        let found = check(&reading, &call_2020());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::UnknownCategory);
        assert_eq!(found[0].field.as_deref(), Some("category"));
        assert_eq!(found[0].cell.as_deref(), Some("B4"));
        let message = &found[0].message;
        assert!(message.contains("单元格 B4") && message.contains("☑科技服务 ☑科普创新"));
        assert!(message.contains("6 现代社团工作者培育项目"), "{message}");
    }

    #[test]
    fn an_absent_or_empty_category_is_unknown() {
        let call = call_2020();
        let absent = check(&complete_service().without("category"), &call);
        assert_eq!(
            (absent[0].code, absent[0].cell.as_deref()),
            (Code::UnknownCategory, None)
        );
        let empty = complete_service().with("category", "A4", None, Outcome::Empty);
        let empty = check(&empty, &call);
        assert_eq!(empty[0].cell.as_deref(), Some("A4"));
        assert!(empty[0].message.contains("单元格 A4"));
    }

    #[test]
    fn a_category_with_subcategories_needs_one_of_its_own() {
        let call = call_2020();
        let absent = check(&academic().without("subcategory"), &call);
        assert_eq!(absent[0].code, Code::MissingSubcategory);
        assert_eq!(absent[0].field.as_deref(), Some("subcategory"));
        assert_eq!(absent[0].cell, None);

        let foreign = academic().with("subcategory", "A5", Some("B5"), text("suggestion"));
        let foreign = check(&foreign, &call);
        assert_eq!(foreign[0].cell.as_deref(), Some("B5"));
        assert!(
            foreign[0]
                .message
                .contains("“科技工作者建议”不属于学术创新特色学会")
        );
        assert!(foreign[0].message.contains("2 小型高端学术研讨会"));

        let invalid = academic().with("subcategory", "A5", Some("B5"), invalid("讲座"));
        assert_eq!(check(&invalid, &call)[0].code, Code::MissingSubcategory);
    }

    #[test]
    fn a_subcategory_row_is_ignored_for_categories_without_any() {
        let reading = complete_service().with("subcategory", "A5", Some("B5"), invalid("无"));
        assert_eq!(check(&reading, &call_2020()), vec![]);
    }
}
