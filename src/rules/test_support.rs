//! Builders for the rules' unit tests: the shipped call and roster, and
//! readings as `form::read` would give them (A = labels, B = values).

use jiff::civil::Date;

use crate::config::{Call, Roster};
use crate::form::{FieldReading, FormReading, Outcome};
use crate::verdict::FieldValue;

pub fn call_2020() -> Call {
    Call::parse(
        include_str!("../../config/call-2020.toml"),
        "call-2020.toml",
    )
    .expect("the shipped call parses")
}

pub fn roster() -> Roster {
    Roster::parse(include_bytes!("../../config/roster.csv"), "roster.csv")
        .expect("the shipped roster parses")
}

pub fn text(s: &str) -> Outcome {
    Outcome::Value(FieldValue::Text(s.to_string()))
}

pub fn yuan(n: i64) -> Outcome {
    Outcome::Value(FieldValue::Integer(n))
}

pub fn day(y: i16, m: i8, d: i8) -> Date {
    jiff::civil::date(y, m, d)
}

pub fn date(y: i16, m: i8, d: i8) -> Outcome {
    Outcome::Value(FieldValue::Date(day(y, m, d)))
}

pub fn invalid(found: &str) -> Outcome {
    Outcome::Invalid {
        found: found.to_string(),
        problem: "格式不正确".to_string(),
    }
}

fn field(key: &str, row: u32, outcome: Outcome) -> FieldReading {
    FieldReading {
        key: key.to_string(),
        label_cell: format!("A{row}"),
        value_cell: Some(format!("B{row}")),
        outcome,
    }
}

/// A category 3 application that passes every rule, its society written by an alias.
pub fn complete_service() -> FormReading {
    let fields = vec![
        field("society", 2, text("常州电子学会")),
        field("credit_code", 3, text("51320400MJ58601481")),
        field("category", 4, text("service")),
        field("project_name", 6, text("电子信息企业电磁兼容检测技术服务")),
        field("leader", 7, text("费建明")),
        field("contact", 8, text("韩雪")),
        field("mobile", 9, text("13912345678")),
        field("email", 10, text("czdzxh@163.com")),
        field("start_date", 11, date(2019, 10, 8)),
        field("end_date", 12, date(2020, 7, 15)),
        field("amount", 13, yuan(9000)),
        field("summary", 14, text("为会员企业提供检测服务。")),
        field("outcomes", 15, text("服务企业 30 家。")),
        field("evidence_list", 16, text("工作总结；检测报告")),
        field("declared_on", 17, date(2020, 8, 19)),
    ];
    FormReading {
        sheet: "申报书".to_string(),
        fields,
    }
}

pub trait ReadingExt: Sized {
    /// Replaces (or adds) the reading of `key`.
    fn with(self, key: &str, label_cell: &str, value_cell: Option<&str>, outcome: Outcome) -> Self;
    /// Drops `key`, as when its label is not on the sheet.
    fn without(self, key: &str) -> Self;
}

impl ReadingExt for FormReading {
    fn with(
        mut self,
        key: &str,
        label_cell: &str,
        value_cell: Option<&str>,
        outcome: Outcome,
    ) -> Self {
        let reading = FieldReading {
            key: key.to_string(),
            label_cell: label_cell.to_string(),
            value_cell: value_cell.map(str::to_string),
            outcome,
        };
        match self.fields.iter_mut().find(|f| f.key == key) {
            Some(existing) => *existing = reading,
            None => self.fields.push(reading),
        }
        self
    }

    fn without(mut self, key: &str) -> Self {
        self.fields.retain(|f| f.key != key);
        self
    }
}
