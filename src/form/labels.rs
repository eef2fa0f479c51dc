//! Which cells are labels: a cell whose normalized text equals a field's label
//! or alias; for money, optionally followed by a unit in parentheses
//! ("申请资助金额（万元）"). Built once per call; matching a cell allocates once.

use std::collections::HashMap;

use crate::config::{FieldKind, FieldSpec, MoneyUnit};
use crate::text::normalize_label;

/// A label found: the field (index into `Call::fields`) and the unit it gives money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelMatch {
    pub field: usize,
    pub unit: MoneyUnit,
}

/// The normalized labels and aliases of a call's fields.
#[derive(Debug, Clone, Default)]
pub struct LabelIndex {
    /// Labels of non-money fields, as [`label_key`] makes them.
    plain: HashMap<String, usize>,
    /// Labels of money fields without their unit: "申请资助金额（元）" → "申请资助金额".
    money: HashMap<String, usize>,
    /// No label is longer (in characters, units included); longer cells are skipped unread.
    longest: usize,
}

/// Normalized for matching: `normalize_label`, and ASCII case ignored (E-mail, EMAIL).
fn label_key(s: &str) -> String {
    let mut key = normalize_label(s);
    key.make_ascii_lowercase();
    key
}

/// "申请金额(万元)" → ("申请金额", Wan). Only units of money are units.
fn split_unit(key: &str) -> Option<(&str, MoneyUnit)> {
    let inner = key.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (base, unit) = (&inner[..open], &inner[open + 1..]);
    let unit = unit.strip_prefix("单位:").unwrap_or(unit);
    let unit = unit.strip_prefix("人民币").unwrap_or(unit);
    match unit {
        "元" => Some((base, MoneyUnit::Yuan)),
        "万元" => Some((base, MoneyUnit::Wan)),
        _ => None,
    }
}

impl LabelIndex {
    pub fn new(fields: &[FieldSpec]) -> LabelIndex {
        let mut index = LabelIndex::default();
        for (i, field) in fields.iter().enumerate() {
            let names = std::iter::once(&field.label).chain(&field.aliases);
            for name in names {
                let key = label_key(name);
                index.longest = index.longest.max(key.chars().count());
                if field.kind == FieldKind::Money {
                    let base = split_unit(&key).map_or(key.as_str(), |(base, _)| base);
                    index.money.entry(base.to_string()).or_insert(i);
                } else {
                    index.plain.entry(key).or_insert(i);
                }
            }
        }
        index
    }

    /// The field `text` labels, if it is a label.
    pub fn match_text(&self, text: &str) -> Option<LabelMatch> {
        if !self.could_be_label(text) {
            return None;
        }
        let key = label_key(text);
        if let Some(&field) = self.plain.get(&key) {
            return Some(LabelMatch {
                field,
                unit: MoneyUnit::Yuan,
            });
        }
        if let Some(&field) = self.money.get(&key) {
            return Some(LabelMatch {
                field,
                unit: MoneyUnit::Yuan,
            });
        }
        let (base, unit) = split_unit(&key)?;
        self.money
            .get(base)
            .map(|&field| LabelMatch { field, unit })
    }

    /// A cheap test before normalizing: long texts (project summaries) are never labels.
    fn could_be_label(&self, text: &str) -> bool {
        // Room for a unit "(人民币万元)" and edge markers.
        let limit = self.longest + 12;
        text.chars()
            .filter(|c| !c.is_whitespace())
            .take(limit + 1)
            .count()
            <= limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Call;

    fn index() -> (Call, LabelIndex) {
        let call = Call::load("config/call-2020.toml".as_ref()).expect("the shipped call loads");
        let index = LabelIndex::new(&call.fields);
        (call, index)
    }

    fn key_of(text: &str) -> Option<(String, MoneyUnit)> {
        let (call, index) = index();
        index
            .match_text(text)
            .map(|m| (call.fields[m.field].key.clone(), m.unit))
    }

    #[test]
    fn labels_and_aliases_in_their_written_forms() {
        let plain = |k: &str| Some((k.to_string(), MoneyUnit::Yuan));
        assert_eq!(key_of("学会名称"), plain("society"));
        assert_eq!(key_of("学　会　名　称："), plain("society"));
        assert_eq!(key_of("*申报单位"), plain("society"));
        assert_eq!(key_of("项目\n简介"), plain("summary"));
        assert_eq!(key_of("E-MAIL："), plain("email"));
        assert_eq!(key_of("ｅｍａｉｌ"), plain("email"));
        assert_eq!(key_of("项目起止时间"), plain("period"));
    }

    #[test]
    fn money_labels_carry_their_unit() {
        let money = |u| Some(("amount".to_string(), u));
        assert_eq!(key_of("申请资助金额（元）"), money(MoneyUnit::Yuan));
        assert_eq!(key_of("申请资助金额"), money(MoneyUnit::Yuan));
        assert_eq!(key_of("申请资助金额（万元）"), money(MoneyUnit::Wan));
        assert_eq!(key_of("申请金额(元)"), money(MoneyUnit::Yuan));
        assert_eq!(key_of("资助金额（单位：万元）"), money(MoneyUnit::Wan));
        // A unit only for money fields; other parentheses are no label.
        assert_eq!(key_of("学会名称（元）"), None);
        assert_eq!(key_of("申请金额（美元）"), None);
    }

    #[test]
    fn values_and_titles_are_no_labels() {
        for text in [
            "2020年度“特专优精”学会项目申报书",
            "常州市电子学会",
            "学会名称学会名称",
            &"项目简介".repeat(20),
        ] {
            assert_eq!(key_of(text), None, "{text}");
        }
    }
}
