//! The call put into Chinese words for the form's hints and the instructions:
//! dates, amounts, who must fill which field, how to write each kind of value.

use jiff::civil::Date;

use crate::config::{AmountRule, Call, Category, FieldKind, FieldSpec, MoneyUnit};
use crate::text::normalize_label;

/// `2019年9月1日`
pub(super) fn date_zh(date: Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// `2019-09-01`, the example a date hint shows.
pub(super) fn date_iso(date: Date) -> String {
    date.to_string()
}

/// The deadline in the call's time zone: `2020年8月31日 23:59`.
pub(super) fn deadline_zh(call: &Call) -> String {
    let local = call.deadline.to_zoned(call.time_zone.clone());
    format!(
        "{} {:02}:{:02}",
        date_zh(local.date()),
        local.hour(),
        local.minute()
    )
}

/// The project window: `2019年9月1日至2020年8月31日`.
pub(super) fn period_zh(call: &Call) -> String {
    format!(
        "{}至{}",
        date_zh(call.period_start),
        date_zh(call.period_end)
    )
}

/// The amount a category may request: `10000元`, `3000～10000元`, `不申请资助金额`.
pub(super) fn amount_zh(rule: &AmountRule) -> String {
    match rule {
        AmountRule::NoAmount => "不申请资助金额".to_string(),
        AmountRule::Range { min, max } if min == max => format!("{min}元"),
        AmountRule::Range { min, max } => format!("{min}～{max}元"),
    }
}

/// `1.自身建设突出学会`, how the instructions name a category.
pub(super) fn numbered(number: u32, name: &str) -> String {
    format!("{number}.{name}")
}

/// A label quoted, so that an instructions cell is never a bare label.
pub(super) fn quoted(label: &str) -> String {
    format!("“{label}”")
}

/// The unit a money label asks for: 万元 when its label says so, else yuan.
pub(super) fn money_unit(label: &str) -> MoneyUnit {
    if normalize_label(label).contains("万元") {
        MoneyUnit::Wan
    } else {
        MoneyUnit::Yuan
    }
}

/// Who must fill a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Requirement {
    Always,
    /// Required by these categories (by number), optional for the others.
    ForCategories(Vec<u32>),
    Optional,
}

pub(super) fn requirement(call: &Call, key: &str) -> Requirement {
    if call.always_required.iter().any(|k| k == key) {
        return Requirement::Always;
    }
    let numbers: Vec<u32> = call
        .categories
        .iter()
        .filter(|c| c.requires.iter().any(|k| k == key))
        .map(|c| c.number)
        .collect();
    if numbers.is_empty() {
        Requirement::Optional
    } else {
        Requirement::ForCategories(numbers)
    }
}

/// `必填`, `第2、3、5类必填`, `选填`.
pub(super) fn requirement_zh(requirement: &Requirement) -> String {
    match requirement {
        Requirement::Always => "必填".to_string(),
        Requirement::ForCategories(numbers) => {
            let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
            format!("第{}类必填", list.join("、"))
        }
        Requirement::Optional => "选填".to_string(),
    }
}

/// The fields a category requires beyond `always_required`, as quoted labels.
pub(super) fn extra_fields_zh(call: &Call, category: &Category) -> String {
    let labels: Vec<String> = category
        .requires
        .iter()
        .filter_map(|key| call.field(key))
        .map(|field| quoted(&field.label))
        .collect();
    if labels.is_empty() {
        "—".to_string()
    } else {
        labels.join("、")
    }
}

/// True for the date fields the project period is made of (a date range's parts).
pub(super) fn is_period_date(call: &Call, key: &str) -> bool {
    call.fields
        .iter()
        .filter_map(|f| f.range_of.as_ref())
        .any(|(start, end)| start == key || end == key)
}

/// How to write a field's value, in one or two short sentences.
pub(super) fn value_hint(call: &Call, field: &FieldSpec) -> String {
    match field.kind {
        FieldKind::Text => match field.max_chars {
            Some(n) => format!("不超过{n}字。"),
            None => String::new(),
        },
        FieldKind::CreditCode => {
            "18位统一社会信用代码（社会团体以51开头，民办非企业单位以52开头），与登记证书一致。"
                .to_string()
        }
        FieldKind::Category => {
            "从下拉列表中选择一个申报类别；申报多个类别请每类填一张申报书。".to_string()
        }
        FieldKind::SubCategory => subcategory_hint(call),
        FieldKind::Phone => "11位手机号码；也可填带区号的固定电话，如0519-88886666。".to_string(),
        FieldKind::Email => "常用电子邮箱，如name@example.com。".to_string(),
        FieldKind::Date | FieldKind::DateRange => date_hint(call, &field.key),
        FieldKind::Money => money_hint(call, &field.label),
        FieldKind::Years => "填写整数年数，如5。".to_string(),
    }
}

fn date_hint(call: &Call, key: &str) -> String {
    if is_period_date(call, key) {
        format!(
            "填写日期，如{}。项目须在{}期间实施。",
            date_iso(call.period_start),
            period_zh(call)
        )
    } else {
        "按年-月-日填写日期。".to_string()
    }
}

fn subcategory_hint(call: &Call) -> String {
    let per_category: Vec<String> = call
        .categories
        .iter()
        .filter(|c| !c.subcategories.is_empty())
        .map(|c| {
            let names: Vec<&str> = c.subcategories.iter().map(|s| s.name.as_str()).collect();
            format!("{}：{}", c.name, names.join("、"))
        })
        .collect();
    format!("从下拉列表中选择。{}。", per_category.join("；"))
}

fn money_hint(call: &Call, label: &str) -> String {
    let unit = match money_unit(label) {
        MoneyUnit::Wan => "以万元为单位填写数字",
        MoneyUnit::Yuan => "填写整数金额（元）",
    };
    let ranges: Vec<String> = call
        .categories
        .iter()
        .map(|c| format!("{}：{}", c.name, amount_zh(&c.amount)))
        .collect();
    format!("{unit}。{}。", ranges.join("；"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_the_notice_writes_them() {
        assert_eq!(
            amount_zh(&AmountRule::Range {
                min: 1000,
                max: 1000
            }),
            "1000元"
        );
        assert_eq!(
            amount_zh(&AmountRule::Range {
                min: 3000,
                max: 10000
            }),
            "3000～10000元"
        );
        assert_eq!(amount_zh(&AmountRule::NoAmount), "不申请资助金额");
    }

    #[test]
    fn requirement_names_the_categories() {
        assert_eq!(requirement_zh(&Requirement::Always), "必填");
        assert_eq!(
            requirement_zh(&Requirement::ForCategories(vec![2, 3, 5])),
            "第2、3、5类必填"
        );
    }

    #[test]
    fn a_wan_label_asks_for_wan() {
        assert_eq!(money_unit("申请资助金额（万元）"), MoneyUnit::Wan);
        assert_eq!(money_unit("申请资助金额（元）"), MoneyUnit::Yuan);
    }
}
