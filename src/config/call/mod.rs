//! One call for applications (e.g. `config/call-2020.toml`), validated.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::ConfigError;

mod raw;

/// The rules of one call, as data. Built by [`Call::load`] / [`Call::parse`].
#[derive(Debug, Clone)]
pub struct Call {
    /// e.g. "2020"
    pub id: String,
    /// e.g. 2020年度"特专优精"学会项目
    pub title: String,
    pub time_zone: TimeZone,
    /// Messages received after this instant are late.
    pub deadline: Timestamp,
    /// Projects must lie in this window, inclusive.
    pub period_start: Date,
    pub period_end: Date,
    pub categories: Vec<Category>,
    /// The form's fields, in form order.
    pub fields: Vec<FieldSpec>,
    /// Field keys required in every category.
    pub always_required: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountRule {
    /// The category requests no amount (empty, 无, 0 or absent are fine).
    NoAmount,
    /// Inclusive range in whole yuan; min == max for an exact amount.
    Range { min: i64, max: i64 },
}

#[derive(Debug, Clone)]
pub struct Category {
    pub key: String,
    /// 1-based number as the notice gives it.
    pub number: u32,
    pub name: String,
    pub short_names: Vec<String>,
    /// Other ways to write the number: "2", "二".
    pub numerals: Vec<String>,
    pub amount: AmountRule,
    pub quota: Option<u32>,
    /// What the quota counts: 学会, 项目.
    pub quota_unit: String,
    pub subcategories: Vec<SubCategory>,
    /// Field keys required for this category on top of `Call::always_required`.
    pub requires: Vec<String>,
    /// Several applications per society are allowed (told apart by project name).
    pub per_project: bool,
}

#[derive(Debug, Clone)]
pub struct SubCategory {
    pub key: String,
    pub number: u32,
    pub name: String,
    pub short_names: Vec<String>,
    pub numerals: Vec<String>,
    pub quota: Option<u32>,
}

/// The unit a money label may carry: "申请资助金额（万元）".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    Yuan,
    Wan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    CreditCode,
    Category,
    SubCategory,
    Phone,
    Email,
    Date,
    /// Both dates in one cell; fills the fields named in `FieldSpec::range_of`.
    DateRange,
    Money,
    Years,
}

#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// `society`, `credit_code`, …; for a date range, e.g. `period`.
    pub key: String,
    pub label: String,
    pub aliases: Vec<String>,
    pub kind: FieldKind,
    pub max_chars: Option<usize>,
    /// For `DateRange`: the (start, end) field keys it fills.
    pub range_of: Option<(String, String)>,
}

impl Call {
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Reads and validates a call file.
    pub fn load(path: &std::path::Path) -> Result<Call, ConfigError> {
        let text = super::read_text(path)?;
        Call::parse(&text, &path.display().to_string())
    }

    /// Validates the text of a call file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Call, ConfigError> {
        let raw: raw::CallFile = super::parse_toml(text, file)?;
        raw::resolve(raw, text, file)
    }
}

impl Category {
    pub fn subcategory(&self, key: &str) -> Option<&SubCategory> {
        self.subcategories.iter().find(|s| s.key == key)
    }
}
