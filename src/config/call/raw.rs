//! The call file as serde reads it, and its validation into [`Call`].

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use super::{AmountRule, Call, Category, FieldKind, FieldSpec, SubCategory};
use crate::config::{ConfigError, line_of};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CallFile {
    call: CallSection,
    categories: Vec<RawCategory>,
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallSection {
    id: String,
    title: String,
    time_zone: Spanned<String>,
    deadline: Spanned<String>,
    period_start: Spanned<String>,
    period_end: Spanned<String>,
    always_required: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    key: Spanned<String>,
    number: u32,
    name: String,
    #[serde(default)]
    short_names: Vec<String>,
    #[serde(default)]
    numerals: Vec<String>,
    amount: Spanned<RawAmount>,
    quota: Option<u32>,
    #[serde(default)]
    quota_unit: String,
    #[serde(default)]
    subcategories: Vec<RawSubCategory>,
    requires: Spanned<Vec<String>>,
    #[serde(default)]
    per_project: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAmount {
    /// "none"
    Word(String),
    Range {
        min: i64,
        max: i64,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubCategory {
    key: String,
    number: u32,
    name: String,
    #[serde(default)]
    short_names: Vec<String>,
    #[serde(default)]
    numerals: Vec<String>,
    quota: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    key: Spanned<String>,
    label: String,
    #[serde(default)]
    aliases: Vec<String>,
    kind: RawKind,
    max_chars: Option<usize>,
    range_of: Option<Spanned<(String, String)>>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawKind {
    Text,
    CreditCode,
    Category,
    Subcategory,
    Phone,
    Email,
    Date,
    DateRange,
    Money,
    Years,
}

impl From<RawKind> for FieldKind {
    fn from(kind: RawKind) -> FieldKind {
        match kind {
            RawKind::Text => FieldKind::Text,
            RawKind::CreditCode => FieldKind::CreditCode,
            RawKind::Category => FieldKind::Category,
            RawKind::Subcategory => FieldKind::SubCategory,
            RawKind::Phone => FieldKind::Phone,
            RawKind::Email => FieldKind::Email,
            RawKind::Date => FieldKind::Date,
            RawKind::DateRange => FieldKind::DateRange,
            RawKind::Money => FieldKind::Money,
            RawKind::Years => FieldKind::Years,
        }
    }
}

/// Builds errors that point at a spanned value of the file.
struct At<'a> {
    text: &'a str,
    file: &'a str,
}

impl At<'_> {
    fn error<T>(&self, spanned: &Spanned<T>, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_string(),
            line: Some(line_of(self.text, spanned.span().start)),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }
}

pub(super) fn resolve(raw: CallFile, text: &str, file: &str) -> Result<Call, ConfigError> {
    let at = At { text, file };
    let section = raw.call;
    let time_zone = jiff::tz::TimeZone::get(section.time_zone.get_ref()).map_err(|e| {
        at.error(
            &section.time_zone,
            "call.time_zone",
            format!("unknown time zone: {e}"),
        )
    })?;
    let deadline = section
        .deadline
        .get_ref()
        .parse::<jiff::civil::DateTime>()
        .map_err(|e| {
            at.error(
                &section.deadline,
                "call.deadline",
                format!("not a date-time like 2020-08-31T23:59:59: {e}"),
            )
        })?
        .to_zoned(time_zone.clone())
        .map_err(|e| at.error(&section.deadline, "call.deadline", e.to_string()))?
        .timestamp();
    let date = |s: &Spanned<String>, key: &str| {
        s.get_ref()
            .parse::<jiff::civil::Date>()
            .map_err(|e| at.error(s, key, format!("not a date like 2019-09-01: {e}")))
    };
    let period_start = date(&section.period_start, "call.period_start")?;
    let period_end = date(&section.period_end, "call.period_end")?;
    if period_start > period_end {
        return Err(at.error(
            &section.period_end,
            "call.period_end",
            "the period ends before it starts",
        ));
    }

    let fields = resolve_fields(raw.fields, &at)?;
    let field_keys: HashSet<&str> = fields
        .iter()
        .flat_map(|f| {
            let range = f
                .range_of
                .iter()
                .flat_map(|(a, b)| [a.as_str(), b.as_str()]);
            std::iter::once(f.key.as_str()).chain(range)
        })
        .collect();
    let check_keys = |keys: &Spanned<Vec<String>>, key: &str| -> Result<Vec<String>, ConfigError> {
        for k in keys.get_ref() {
            if !field_keys.contains(k.as_str()) {
                return Err(at.error(keys, key, format!("`{k}` is not a field of [[fields]]")));
            }
        }
        Ok(keys.get_ref().clone())
    };
    let always_required = check_keys(&section.always_required, "call.always_required")?;
    for needed in ["society", "category"] {
        if !fields.iter().any(|f| f.key == needed) {
            return Err(ConfigError {
                file: file.to_string(),
                line: None,
                key: Some("fields".into()),
                message: format!(
                    "the form needs a `{needed}` field: it tells application sheets apart"
                ),
            });
        }
    }

    let mut categories = Vec::new();
    let mut seen = HashSet::new();
    for c in raw.categories {
        if !seen.insert(c.key.get_ref().clone()) {
            return Err(at.error(
                &c.key,
                "categories.key",
                format!("category `{}` appears twice", c.key.get_ref()),
            ));
        }
        let amount = match c.amount.get_ref() {
            RawAmount::Word(w) if w == "none" => AmountRule::NoAmount,
            RawAmount::Word(w) => {
                return Err(at.error(
                    &c.amount,
                    &format!("categories[{}].amount", c.key.get_ref()),
                    format!("`{w}`: write \"none\" or {{ min = …, max = … }}"),
                ));
            }
            RawAmount::Range { min, max } if min > max || *min < 0 => {
                return Err(at.error(
                    &c.amount,
                    &format!("categories[{}].amount", c.key.get_ref()),
                    format!("min {min} must be ≥ 0 and ≤ max {max}"),
                ));
            }
            RawAmount::Range { min, max } => AmountRule::Range {
                min: *min,
                max: *max,
            },
        };
        let requires = check_keys(
            &c.requires,
            &format!("categories[{}].requires", c.key.get_ref()),
        )?;
        categories.push(Category {
            key: c.key.into_inner(),
            number: c.number,
            name: c.name,
            short_names: c.short_names,
            numerals: c.numerals,
            amount,
            quota: c.quota,
            quota_unit: c.quota_unit,
            subcategories: c
                .subcategories
                .into_iter()
                .map(|s| SubCategory {
                    key: s.key,
                    number: s.number,
                    name: s.name,
                    short_names: s.short_names,
                    numerals: s.numerals,
                    quota: s.quota,
                })
                .collect(),
            requires,
            per_project: c.per_project,
        });
    }
    Ok(Call {
        id: section.id,
        title: section.title,
        time_zone,
        deadline,
        period_start,
        period_end,
        categories,
        fields,
        always_required,
    })
}

fn resolve_fields(raw: Vec<RawField>, at: &At<'_>) -> Result<Vec<FieldSpec>, ConfigError> {
    let mut fields = Vec::new();
    let mut seen = HashSet::new();
    for f in raw {
        if !seen.insert(f.key.get_ref().clone()) {
            return Err(at.error(
                &f.key,
                "fields.key",
                format!("field `{}` appears twice", f.key.get_ref()),
            ));
        }
        let kind = FieldKind::from(f.kind);
        if (kind == FieldKind::DateRange) != f.range_of.is_some() {
            return Err(at.error(&f.key, "fields.range_of", "a date_range field, and only one, names the two date fields it fills in `range_of`"));
        }
        fields.push(FieldSpec {
            key: f.key.into_inner(),
            label: f.label,
            aliases: f.aliases,
            kind,
            max_chars: f.max_chars,
            range_of: f.range_of.map(Spanned::into_inner),
        });
    }
    Ok(fields)
}
