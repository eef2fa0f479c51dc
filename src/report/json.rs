//! One line of `check --json` per verdict, field for field as `check-json.md` says.

use serde_json::{Map, Value, json};

use crate::verdict::{ApplicationVerdict, Deficiency, FieldValue, Verdict};

/// The verdict as the JSON object of the contract.
pub fn to_json(verdict: &Verdict) -> Value {
    json!({
        "source": verdict.source,
        "sender": verdict.sender,
        "received_at": verdict.received_at.as_ref().map(super::rfc3339),
        "status": verdict.status.as_str(),
        "deficiencies": verdict.deficiencies.iter().map(deficiency).collect::<Vec<_>>(),
        "applications": verdict.applications.iter().map(application).collect::<Vec<_>>(),
    })
}

/// The verdict as one line of text (no trailing newline).
pub fn to_line(verdict: &Verdict) -> String {
    to_json(verdict).to_string()
}

fn application(app: &ApplicationVerdict) -> Value {
    json!({
        "attachment": app.attachment,
        "sheet": app.sheet,
        "status": app.status.as_str(),
        "fields": fields(app),
        "deficiencies": app.deficiencies.iter().map(deficiency).collect::<Vec<_>>(),
    })
}

/// An application's `fields` object, as [`to_json`] writes it.
pub fn fields(app: &ApplicationVerdict) -> Value {
    let fields: Map<String, Value> = app
        .fields
        .iter()
        .map(|(key, value)| (key.clone(), field_value(value)))
        .collect();
    Value::Object(fields)
}

fn field_value(value: &FieldValue) -> Value {
    match value {
        FieldValue::Text(s) => Value::from(s.as_str()),
        FieldValue::Integer(n) => Value::from(*n),
        FieldValue::Date(d) => Value::from(d.to_string()),
    }
}

fn deficiency(d: &Deficiency) -> Value {
    let mut object = Map::new();
    object.insert("code".into(), d.code.as_str().into());
    object.insert("severity".into(), d.code.severity().as_str().into());
    if let Some(field) = &d.field {
        object.insert("field".into(), field.as_str().into());
    }
    if let Some(cell) = &d.cell {
        object.insert("cell".into(), cell.as_str().into());
    }
    object.insert("message".into(), d.message.as_str().into());
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Code, Status};

    #[test]
    fn a_whole_line_matches_the_contract() {
        let verdict = Verdict {
            source: "path/as/given.eml".into(),
            sender: Some("secretary@example.org".into()),
            received_at: Some(
                "2020-08-20T10:15:00+08:00[Asia/Shanghai]"
                    .parse::<jiff::Zoned>()
                    .unwrap(),
            ),
            status: Status::Deficient,
            deficiencies: vec![Deficiency::message_level(Code::MissingEvidence, "…")],
            applications: vec![ApplicationVerdict {
                attachment: Some("申报书-常州市计算机学会.xlsx".into()),
                sheet: "申报书".into(),
                status: Status::Deficient,
                fields: vec![
                    (
                        "society".into(),
                        FieldValue::Text("常州市计算机学会".into()),
                    ),
                    ("category".into(), FieldValue::Text("academic".into())),
                    ("subcategory".into(), FieldValue::Text("seminar".into())),
                    ("amount".into(), FieldValue::Integer(15000)),
                    (
                        "start_date".into(),
                        FieldValue::Date(jiff::civil::date(2019, 10, 12)),
                    ),
                    (
                        "end_date".into(),
                        FieldValue::Date(jiff::civil::date(2019, 10, 13)),
                    ),
                ],
                deficiencies: vec![Deficiency {
                    code: Code::AmountOutOfRange,
                    field: Some("amount".into()),
                    cell: Some("B12".into()),
                    message: "申请资助金额 15000 元超出学术创新特色学会上限 10000 元".into(),
                }],
            }],
        };
        // The example of check-json.md, compacted to one line.
        let expected = r#"{"source":"path/as/given.eml","sender":"secretary@example.org","received_at":"2020-08-20T10:15:00+08:00","status":"deficient","deficiencies":[{"code":"missing_evidence","severity":"error","message":"…"}],"applications":[{"attachment":"申报书-常州市计算机学会.xlsx","sheet":"申报书","status":"deficient","fields":{"society":"常州市计算机学会","category":"academic","subcategory":"seminar","amount":15000,"start_date":"2019-10-12","end_date":"2019-10-13"},"deficiencies":[{"code":"amount_out_of_range","severity":"error","field":"amount","cell":"B12","message":"申请资助金额 15000 元超出学术创新特色学会上限 10000 元"}]}]}"#;
        assert_eq!(to_line(&verdict), expected);
    }
}
