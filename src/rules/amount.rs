//! Rule 3: the amount requested lies in the category's range; a category that
//! requests no amount (`amount = "none"`) accepts only 0, empty or absent.
//!
//! A missing amount is rule 1's business (`requires`), a malformed one too.

use crate::config::{AmountRule, Call, Category};
use crate::form::{FormReading, Outcome};
use crate::verdict::{Code, Deficiency, FieldValue};

use super::keys::AMOUNT;
use super::{label, text};

pub(super) fn check(
    reading: &FormReading,
    category: Option<&Category>,
    call: &Call,
) -> Option<Deficiency> {
    let category = category?;
    let field = reading.get(AMOUNT)?;
    let Outcome::Value(FieldValue::Integer(amount)) = field.outcome else {
        return None;
    };
    let facts = text::AmountFacts {
        cell: field.cell(),
        label: label(call, AMOUNT),
        amount,
        category: &category.name,
    };
    let message = match category.amount {
        AmountRule::NoAmount if amount == 0 => return None,
        AmountRule::NoAmount => {
            let ways: Vec<&str> = category
                .subcategories
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            let funded_as = (!ways.is_empty()).then(|| ways.join("或"));
            text::amount_not_requested(&facts, funded_as.as_deref())
        }
        AmountRule::Range { min, max } if (min..=max).contains(&amount) => return None,
        AmountRule::Range { min, max } if min == max => text::amount_not_exact(&facts, min),
        AmountRule::Range { min, max } if amount > max => text::amount_above(&facts, min, max),
        AmountRule::Range { min, max } => text::amount_below(&facts, min, max),
    };
    Some(Deficiency {
        code: Code::AmountOutOfRange,
        field: Some(AMOUNT.to_string()),
        cell: Some(field.cell().to_string()),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn check_amount(category: &str, amount: Outcome) -> Option<Deficiency> {
        let call = call_2020();
        let reading = complete_service().with("amount", "A13", Some("B13"), amount);
        check(&reading, call.category(category), &call)
    }

    #[test]
    fn amounts_inside_the_range_pass() {
        assert_eq!(check_amount("service", yuan(5000)), None);
        assert_eq!(check_amount("service", yuan(10000)), None);
        assert_eq!(check_amount("self_building", yuan(10000)), None);
    }

    #[test]
    fn above_the_range_says_the_upper_limit_and_the_range() {
        let found = check_amount("popularization", yuan(15000)).unwrap();
        assert_eq!(found.code, Code::AmountOutOfRange);
        assert_eq!(found.field.as_deref(), Some("amount"));
        assert_eq!(found.cell.as_deref(), Some("B13"));
        assert!(
            found.message.contains(
                "申请资助金额 15000 元超出科普创新特色学会上限 10000 元，请改为 5000～10000 元之间"
            ),
            "{}",
            found.message
        );
        assert!(found.message.contains("单元格 B13"));
    }

    #[test]
    fn below_the_range_says_the_lower_limit() {
        let found = check_amount("service", yuan(4999)).unwrap();
        assert!(
            found
                .message
                .contains("4999 元低于科技服务特色学会下限 5000 元")
        );
    }

    #[test]
    fn an_exact_amount_says_what_it_must_be() {
        let found = check_amount("worker", yuan(2000)).unwrap();
        assert!(found.message.contains("2000 元"));
        assert!(found.message.contains("应为 1000 元"), "{}", found.message);
    }

    #[test]
    fn a_category_without_amount_takes_only_nothing_or_zero() {
        assert_eq!(check_amount("think_tank", yuan(0)), None);
        assert_eq!(check_amount("think_tank", Outcome::Empty), None);
        let found = check_amount("think_tank", yuan(5000)).unwrap();
        assert_eq!(found.code, Code::AmountOutOfRange);
        assert!(found.message.contains("软科学课题研究或科技工作者建议"));
        assert!(found.message.contains("5000 元") && found.message.contains("留空"));
    }

    #[test]
    fn an_unknown_category_has_no_range_to_check() {
        let call = call_2020();
        let reading = complete_service().with("amount", "A13", Some("B13"), yuan(99999));
        assert_eq!(check(&reading, None, &call), None);
    }
}
