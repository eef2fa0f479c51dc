//! Shared by the rules tests: the shipped call and roster, and readings built
//! by hand as `form::read` gives them (labels in column A, values in B).
#![allow(dead_code)] // each test file uses its own part

use jiff::Timestamp;
use jiff::civil::date;
use shenbao::config::{Call, Roster};
use shenbao::form::{FieldReading, FormReading, Outcome};
use shenbao::rules::{self, RuleSet};
use shenbao::verdict::{ApplicationVerdict, Code, FieldValue};

pub fn call_2020() -> Call {
    Call::load("config/call-2020.toml".as_ref()).expect("the shipped call loads")
}

pub fn roster() -> Roster {
    Roster::load("config/roster.csv".as_ref()).expect("the shipped roster loads")
}

pub fn text(s: &str) -> Outcome {
    Outcome::Value(FieldValue::Text(s.into()))
}

pub fn yuan(n: i64) -> Outcome {
    Outcome::Value(FieldValue::Integer(n))
}

pub fn day(y: i16, m: i8, d: i8) -> Outcome {
    Outcome::Value(FieldValue::Date(date(y, m, d)))
}

pub fn invalid(found: &str, problem: &str) -> Outcome {
    Outcome::Invalid {
        found: found.into(),
        problem: problem.into(),
    }
}

/// A reading in the plain A/B layout: label in column A, value in B of `row`.
pub struct Sheet(pub FormReading);

impl Sheet {
    pub fn set(mut self, key: &str, row: u32, outcome: Outcome) -> Sheet {
        let value_cell = (outcome != Outcome::Empty).then(|| format!("B{row}"));
        let reading = FieldReading {
            key: key.into(),
            label_cell: format!("A{row}"),
            value_cell,
            outcome,
        };
        self.0.fields.retain(|f| f.key != key);
        self.0.fields.push(reading);
        self
    }

    pub fn drop(mut self, key: &str) -> Sheet {
        self.0.fields.retain(|f| f.key != key);
        self
    }

    pub fn check(&self, call: &Call) -> ApplicationVerdict {
        let roster = roster();
        let rules = RuleSet {
            call,
            roster: &roster,
        };
        rules::check_application(&self.0, Some("申报书.xlsx"), rules)
    }
}

/// Category 3, complete and well formed; the society written by its alias.
pub fn service() -> Sheet {
    Sheet(FormReading {
        sheet: "申报书".into(),
        fields: vec![],
    })
    .set("society", 2, text("常州电子学会"))
    .set("credit_code", 3, text("51320400MJ58601481"))
    .set("category", 4, text("service"))
    .set(
        "project_name",
        6,
        text("电子信息企业产品电磁兼容检测技术服务"),
    )
    .set("leader", 7, text("费建明"))
    .set("contact", 8, text("韩雪"))
    .set("mobile", 9, text("13912345678"))
    .set("email", 10, text("czdzxh@163.com"))
    .set("start_date", 11, day(2019, 10, 8))
    .set("end_date", 12, day(2020, 7, 15))
    .set("amount", 13, yuan(9000))
    .set("summary", 14, text("为会员企业提供电磁兼容检测服务。"))
    .set("outcomes", 15, text("服务企业 30 家。"))
    .set("evidence_list", 16, text("工作总结；检测报告"))
    .set("declared_on", 17, day(2020, 8, 19))
}

/// The verdict holds exactly one deficiency, with this code, field and cell,
/// and a message that names the cell and the value read.
pub fn assert_only(
    verdict: &ApplicationVerdict,
    code: Code,
    field: Option<&str>,
    cell: Option<&str>,
    value: &str,
) {
    let found = &verdict.deficiencies;
    assert_eq!(found.len(), 1, "one deficiency expected: {found:#?}");
    let d = &found[0];
    assert_eq!(
        (d.code, d.field.as_deref(), d.cell.as_deref()),
        (code, field, cell)
    );
    if let Some(cell) = cell {
        assert!(
            d.message.contains(&format!("单元格 {cell}")),
            "{}",
            d.message
        );
    }
    assert!(d.message.contains(value), "{value:?} in {}", d.message);
    assert_eq!(verdict.status, code.status());
}

pub fn at(rfc3339: &str) -> Timestamp {
    rfc3339.parse().expect("a test timestamp")
}
