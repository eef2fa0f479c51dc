//! One application as staff read it: the store's record with its normalized
//! fields taken out of their JSON and its keys turned into the call's names.
//! Shared by the digest, the summary workbook and `shenbao list`.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Map, Value};

use crate::config::Call;
use crate::rules::keys;
use crate::store::{ApplicationKey, ApplicationRecord};
use crate::verdict::{Deficiency, Severity, Status};

/// Field keys of `form.md` the staff views show besides those the rules single out.
const CONTACT: &str = "contact";
const MOBILE: &str = "mobile";
const EMAIL: &str = "email";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub key: ApplicationKey,
    pub receipt: String,
    pub society: String,
    /// The category key, as filed.
    pub category: String,
    /// The call's name for it (the key itself when the call does not know it).
    pub category_name: String,
    pub subcategory: Option<String>,
    pub subcategory_name: Option<String>,
    /// The project name; empty when the category asks for none.
    pub project: String,
    /// Whole yuan.
    pub amount: Option<i64>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub contact: String,
    pub mobile: String,
    pub email: String,
    /// Of the current version.
    pub status: Status,
    pub deficiencies: Vec<Deficiency>,
    pub received_at: Timestamp,
    pub filed_at: Timestamp,
    /// Number of the current version; 1 for the first.
    pub version: u32,
    pub n_versions: u32,
    pub fingerprint: String,
}

impl ApplicationRow {
    /// Never fails: a field missing or of an unexpected type in the JSON is left empty.
    pub fn from_record(record: &ApplicationRecord, call: &Call) -> ApplicationRow {
        let fields = match serde_json::from_str::<Value>(&record.current.fields_json) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        let category = call.category(&record.category);
        let subcategory = text(&fields, keys::SUBCATEGORY);
        let subcategory_name = subcategory.as_deref().map(|key| {
            category
                .and_then(|category| category.subcategory(key))
                .map_or_else(|| key.to_string(), |sub| sub.name.clone())
        });
        let project =
            text(&fields, keys::PROJECT_NAME).unwrap_or_else(|| record.project_key.clone());
        ApplicationRow {
            key: record.key,
            receipt: record.receipt.clone(),
            society: record.society.clone(),
            category: record.category.clone(),
            category_name: category.map_or_else(|| record.category.clone(), |c| c.name.clone()),
            subcategory,
            subcategory_name,
            project,
            amount: fields.get(keys::AMOUNT).and_then(Value::as_i64),
            start_date: date(&fields, keys::START_DATE),
            end_date: date(&fields, keys::END_DATE),
            contact: text(&fields, CONTACT).unwrap_or_default(),
            mobile: text(&fields, MOBILE).unwrap_or_default(),
            email: text(&fields, EMAIL).unwrap_or_default(),
            status: record.current.status,
            deficiencies: record.current.deficiencies.clone(),
            received_at: record.current.received_at,
            filed_at: record.current.filed_at,
            version: record.current.number,
            n_versions: record.n_versions,
            fingerprint: record.current.fingerprint.clone(),
        }
    }

    /// Why staff must look at it: the messages of its review deficiencies
    /// (unknown society, duplicate).
    pub fn review_reasons(&self) -> Vec<&str> {
        self.deficiencies
            .iter()
            .filter(|d| d.code.severity() == Severity::Review)
            .map(|d| d.message.as_str())
            .collect()
    }

    /// Every deficiency as one line each: `[B12] message`.
    pub fn deficiency_lines(&self) -> Vec<String> {
        self.deficiencies
            .iter()
            .map(|d| match &d.cell {
                Some(cell) => format!("[{cell}] {}", d.message),
                None => d.message.clone(),
            })
            .collect()
    }
}

/// The rows of some records, in their order.
pub fn rows(records: &[ApplicationRecord], call: &Call) -> Vec<ApplicationRow> {
    records
        .iter()
        .map(|record| ApplicationRow::from_record(record, call))
        .collect()
}

/// The status as staff say it.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Accepted => "已受理",
        Status::Review => "待审核",
        Status::Deficient => "待补正",
        Status::Rejected => "逾期不予受理",
    }
}

/// A status from its code (`accepted`) or its Chinese name (`待补正`).
pub fn parse_status(text: &str) -> Option<Status> {
    let text = text.trim();
    Status::parse(&text.to_ascii_lowercase()).or_else(|| {
        [
            Status::Accepted,
            Status::Review,
            Status::Deficient,
            Status::Rejected,
        ]
        .into_iter()
        .find(|status| status_name(*status) == text)
    })
}

fn text(fields: &Map<String, Value>, key: &str) -> Option<String> {
    match fields.get(key)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn date(fields: &Map<String, Value>, key: &str) -> Option<Date> {
    fields.get(key)?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MessageKey, VersionKey, VersionRecord};
    use crate::verdict::Code;

    fn call() -> Call {
        Call::parse(
            include_str!("../../config/call-2020.toml"),
            "call-2020.toml",
        )
        .unwrap()
    }

    fn record(fields_json: &str) -> ApplicationRecord {
        ApplicationRecord {
            key: ApplicationKey(1),
            call_id: "2020".into(),
            society: "常州市电子学会".into(),
            category: "academic".into(),
            project_key: "青年论坛".into(),
            receipt: "CZKX2020-0001".into(),
            n_versions: 2,
            current: VersionRecord {
                key: VersionKey(2),
                application: ApplicationKey(1),
                number: 2,
                message: MessageKey(3),
                attachment: None,
                sheet: "申报书".into(),
                fields_json: fields_json.into(),
                status: Status::Review,
                fingerprint: "7F3A-9C21".into(),
                received_at: Timestamp::from_second(1_597_000_000).unwrap(),
                filed_at: Timestamp::from_second(1_597_000_060).unwrap(),
                deficiencies: vec![
                    Deficiency::message_level(Code::UnknownSociety, "名册中没有该学会"),
                    Deficiency {
                        code: Code::MissingEvidence,
                        field: None,
                        cell: Some("B20".into()),
                        message: "缺少佐证材料".into(),
                    },
                ],
            },
        }
    }

    #[test]
    fn fields_come_out_of_the_json_with_the_calls_names() {
        let row = ApplicationRow::from_record(
            &record(
                r#"{"subcategory":"seminar","project_name":"青年论坛","amount":8000,
                    "start_date":"2019-10-12","end_date":"2019-10-13","contact":"王芳",
                    "mobile":"13912345678","email":"a@b.cn"}"#,
            ),
            &call(),
        );
        assert_eq!(row.category_name, "学术创新特色学会");
        assert_eq!(row.subcategory_name.as_deref(), Some("小型高端学术研讨会"));
        assert_eq!(row.amount, Some(8000));
        assert_eq!(row.start_date, Some(jiff::civil::date(2019, 10, 12)));
        assert_eq!(row.contact, "王芳");
        assert_eq!(row.review_reasons(), ["名册中没有该学会"]);
        assert_eq!(row.deficiency_lines()[1], "[B20] 缺少佐证材料");
    }

    #[test]
    fn broken_json_leaves_fields_empty_without_panicking() {
        for json in ["", "[1,2]", r#"{"amount":"many","start_date":"soon"}"#] {
            let row = ApplicationRow::from_record(&record(json), &call());
            assert_eq!(row.amount, None);
            assert_eq!(row.start_date, None);
            assert_eq!(row.project, "青年论坛", "falls back to the project key");
        }
    }

    #[test]
    fn statuses_parse_from_code_or_chinese() {
        assert_eq!(parse_status("deficient"), Some(Status::Deficient));
        assert_eq!(parse_status(" 待审核 "), Some(Status::Review));
        assert_eq!(parse_status("maybe"), None);
    }
}
