//! Category and sub-category: a full name, a short name, a number (2, 二,
//! "2.学术创新特色学会", "2、学术创新"), or a check-box row with one option marked.
//! The value is the option's key.

use std::sync::LazyLock;

use regex::Regex;

use super::checkbox::parse_checkbox_row;
use super::{invalid, is_placeholder};
use crate::config::{Category, SubCategory};
use crate::form::Outcome;
use crate::text::normalize_label;
use crate::verdict::FieldValue;

/// A leading number and what follows it: "2.学术创新", "(二)学术创新", "第2类".
static NUMBERED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\(?第?([0-9]{1,2}|[一二三四五六七八九十]{1,3})类?[).、,:]?(.*)$")
        .expect("static regex")
});

/// One option, its names normalized for matching.
#[derive(Debug, Clone)]
struct Choice {
    key: String,
    number: u32,
    full_name: String,
    /// Full name and short names, as [`choice_key`] makes them.
    names: Vec<String>,
    numerals: Vec<String>,
}

impl Choice {
    fn new(
        key: &str,
        number: u32,
        name: &str,
        short_names: &[String],
        numerals: &[String],
    ) -> Choice {
        let names = std::iter::once(name)
            .chain(short_names.iter().map(String::as_str))
            .map(choice_key)
            .collect();
        let numerals = numerals
            .iter()
            .map(|n| choice_key(n))
            .chain(std::iter::once(number.to_string()))
            .collect();
        Choice {
            key: key.to_string(),
            number,
            full_name: name.to_string(),
            names,
            numerals,
        }
    }
}

/// The options one field chooses from.
#[derive(Debug, Clone, Default)]
pub struct ChoiceTable {
    choices: Vec<Choice>,
}

/// Why a text chooses no single option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoChoice {
    Unknown,
    /// Several options fit (a bare number when the category is unknown).
    Ambiguous,
    /// The number names one option, the name another.
    Conflict,
}

impl ChoiceTable {
    pub fn of_categories(categories: &[Category]) -> ChoiceTable {
        let choices = categories
            .iter()
            .map(|c| Choice::new(&c.key, c.number, &c.name, &c.short_names, &c.numerals))
            .collect();
        ChoiceTable { choices }
    }

    pub fn of_subcategories<'a>(subs: impl IntoIterator<Item = &'a SubCategory>) -> ChoiceTable {
        let choices = subs
            .into_iter()
            .map(|s| Choice::new(&s.key, s.number, &s.name, &s.short_names, &s.numerals))
            .collect();
        ChoiceTable { choices }
    }

    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    /// The one option whose key satisfies `matches`.
    fn only(&self, matches: impl Fn(&Choice) -> bool) -> Option<Result<&Choice, NoChoice>> {
        let mut found = self.choices.iter().filter(|c| matches(c));
        let first = found.next()?;
        Some(match found.find(|c| c.key != first.key) {
            Some(_) => Err(NoChoice::Ambiguous),
            None => Ok(first),
        })
    }

    fn by_name(&self, key: &str) -> Option<Result<&Choice, NoChoice>> {
        self.only(|c| c.names.iter().any(|n| n == key))
    }

    fn by_numeral(&self, key: &str) -> Option<Result<&Choice, NoChoice>> {
        self.only(|c| c.numerals.iter().any(|n| n == key))
    }

    /// The option a plain text (no check boxes) names.
    fn find(&self, text: &str) -> Result<&Choice, NoChoice> {
        let key = choice_key(text);
        if let Some(found) = self.by_name(&key) {
            return found;
        }
        if let Some(caps) = NUMBERED.captures(&key) {
            let numeral = caps.get(1).map_or("", |m| m.as_str());
            let rest = caps.get(2).map_or("", |m| m.as_str());
            let by_number = self.by_numeral(numeral);
            if rest.is_empty() {
                return by_number.unwrap_or(Err(NoChoice::Unknown));
            }
            if let Some(named) = self.by_name(rest) {
                let named = named?;
                return match by_number {
                    Some(Ok(numbered)) if numbered.key != named.key => Err(NoChoice::Conflict),
                    _ => Ok(named),
                };
            }
        }
        // "学术创新特色学会（小型）": a full name inside other words.
        self.only(|c| key.contains(&c.names[0]))
            .unwrap_or(Err(NoChoice::Unknown))
    }

    fn options_text(&self) -> String {
        self.choices
            .iter()
            .map(|c| format!("{}.{}", c.number, c.full_name))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Categories and, per category, their sub-categories.
#[derive(Debug, Clone, Default)]
pub struct CategoryTables {
    pub categories: ChoiceTable,
    by_category: Vec<(String, ChoiceTable)>,
    all_subcategories: ChoiceTable,
}

impl CategoryTables {
    pub fn new(categories: &[Category]) -> CategoryTables {
        CategoryTables {
            categories: ChoiceTable::of_categories(categories),
            by_category: categories
                .iter()
                .map(|c| {
                    (
                        c.key.clone(),
                        ChoiceTable::of_subcategories(&c.subcategories),
                    )
                })
                .collect(),
            all_subcategories: ChoiceTable::of_subcategories(
                categories.iter().flat_map(|c| &c.subcategories),
            ),
        }
    }

    /// The chosen category's sub-categories when it is known and has some, else all.
    pub fn subcategories_of(&self, category: Option<&str>) -> &ChoiceTable {
        self.by_category
            .iter()
            .find(|(key, table)| Some(key.as_str()) == category && !table.is_empty())
            .map_or(&self.all_subcategories, |(_, table)| table)
    }
}

/// Normalized for matching: a label's normalization, quotes and trailing punctuation dropped.
fn choice_key(s: &str) -> String {
    let quote = |c: char| "《》〈〉“”\"'‘’「」".contains(c);
    normalize_label(s)
        .chars()
        .filter(|c| !quote(*c))
        .collect::<String>()
        .trim_end_matches(|c: char| "。；;,，、.".contains(c))
        .to_ascii_lowercase()
}

/// A category or sub-category field; `noun` names the field in problems ("申报类别").
pub fn read_choice(text: &str, table: &ChoiceTable, noun: &str) -> Outcome {
    let text = text.trim();
    if is_placeholder(&choice_key(text)) {
        return Outcome::Empty;
    }
    let chosen = match parse_checkbox_row(text) {
        None => table.find(text),
        Some(row) => match row.marked.as_slice() {
            [] => return invalid(text, format!("未勾选{noun}（请在所选的一项前打☑）")),
            [one] => table.find(one),
            _ => return invalid(text, format!("勾选了多个{noun}，只能选一项")),
        },
    };
    match chosen {
        Ok(choice) => Outcome::Value(FieldValue::Text(choice.key.clone())),
        Err(NoChoice::Unknown) => invalid(
            text,
            format!(
                "不是可识别的{noun}（应为以下之一：{}）",
                table.options_text()
            ),
        ),
        Err(NoChoice::Ambiguous) => invalid(text, format!("无法确定{noun}，请填写完整名称")),
        Err(NoChoice::Conflict) => invalid(text, format!("{noun}的序号与名称不一致，请核对")),
    }
}

#[cfg(test)]
#[path = "choice_tests.rs"]
mod tests;
