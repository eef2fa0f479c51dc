//! Rules 6, 7 and 10: the applicant is a society of the roster, its credit
//! code is the roster's, and the sender writes from one of its addresses.
//!
//! A society is matched by name or alias, else (when the name matches nothing)
//! by credit code. A missing name is rule 1's business: there is nothing to
//! send to review, so no `unknown_society` for it.

use crate::config::{Call, Roster, Society};
use crate::form::{FormReading, Outcome};
use crate::verdict::{ApplicationVerdict, Code, Deficiency, FieldValue};

use super::keys::{CREDIT_CODE, SOCIETY};
use super::{label, text};

/// The roster's society for a reading, by name or alias, else by credit code.
pub(super) fn identify<'r>(reading: &FormReading, roster: &'r Roster) -> Option<&'r Society> {
    let text_of = |key| reading.value(key).and_then(FieldValue::as_text);
    match_society(text_of(SOCIETY), text_of(CREDIT_CODE), roster)
}

/// The same match on a verdict's normalized fields (where a matched name is the roster's).
fn identify_in_fields<'r>(
    application: &ApplicationVerdict,
    roster: &'r Roster,
) -> Option<&'r Society> {
    let text_of = |key| application.field(key).and_then(FieldValue::as_text);
    match_society(text_of(SOCIETY), text_of(CREDIT_CODE), roster)
}

fn match_society<'r>(
    name: Option<&str>,
    credit_code: Option<&str>,
    roster: &'r Roster,
) -> Option<&'r Society> {
    name.and_then(|n| roster.by_name(n))
        .or_else(|| credit_code.and_then(|c| roster.by_credit_code(c)))
}

pub(super) fn check(
    reading: &FormReading,
    society: Option<&Society>,
    call: &Call,
) -> Option<Deficiency> {
    match society {
        None => unknown_society(reading, call),
        Some(society) => credit_code_mismatch(reading, society, call),
    }
}

fn unknown_society(reading: &FormReading, call: &Call) -> Option<Deficiency> {
    let field = reading.get(SOCIETY)?;
    let Outcome::Value(FieldValue::Text(name)) = &field.outcome else {
        return None;
    };
    Some(Deficiency {
        code: Code::UnknownSociety,
        field: Some(SOCIETY.to_string()),
        cell: Some(field.cell().to_string()),
        message: text::unknown_society(field.cell(), label(call, SOCIETY), name),
    })
}

fn credit_code_mismatch(
    reading: &FormReading,
    society: &Society,
    call: &Call,
) -> Option<Deficiency> {
    let field = reading.get(CREDIT_CODE)?;
    let Outcome::Value(FieldValue::Text(code)) = &field.outcome else {
        return None;
    };
    if society.credit_code.is_empty() || society.credit_code.eq_ignore_ascii_case(code) {
        return None;
    }
    Some(Deficiency {
        code: Code::CreditCodeMismatch,
        field: Some(CREDIT_CODE.to_string()),
        cell: Some(field.cell().to_string()),
        message: text::credit_code_mismatch(
            field.cell(),
            label(call, CREDIT_CODE),
            code,
            &society.name,
            &society.credit_code,
        ),
    })
}

/// Rule 10 for one application: `None` when the sender is registered, the society
/// unknown (nothing to compare with), or the warning is already there.
pub(super) fn check_sender(
    application: &ApplicationVerdict,
    sender: &str,
    roster: &Roster,
) -> Option<Deficiency> {
    let society = identify_in_fields(application, roster)?;
    if application
        .deficiencies
        .iter()
        .any(|d| d.code == Code::SenderUnverified)
    {
        return None;
    }
    let address = bare_address(sender);
    if society.emails.contains(&address.to_lowercase()) {
        return None;
    }
    Some(Deficiency {
        code: Code::SenderUnverified,
        field: None,
        cell: None,
        message: text::sender_unverified(address, &society.name),
    })
}

/// "韩雪 <CZDZXH@163.com>" → "CZDZXH@163.com"; a bare address stays as it is.
fn bare_address(sender: &str) -> &str {
    let inner = sender
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(sender, |(address, _)| address);
    inner.trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;
    use crate::verdict::Status;

    #[test]
    fn a_society_is_matched_by_alias_else_by_credit_code() {
        let roster = roster();
        let by_alias = identify(&complete_service(), &roster).map(|s| s.name.as_str());
        assert_eq!(by_alias, Some("常州市电子学会"));
        let renamed =
            complete_service().with("society", "A2", Some("B2"), text("电子学会常州分会"));
        let by_code = identify(&renamed, &roster).map(|s| s.name.as_str());
        assert_eq!(by_code, Some("常州市电子学会"));
        assert_eq!(
            check(&renamed, identify(&renamed, &roster), &call_2020()),
            None
        );
    }

    #[test]
    fn an_unmatched_society_goes_to_review() {
        let reading = complete_service()
            .with("society", "A2", Some("B2"), text("常州市天文学会"))
            .with("credit_code", "A3", Some("B3"), text("51320400MJ5860149X"));
        let found = check(&reading, identify(&reading, &roster()), &call_2020()).unwrap();
        assert_eq!(found.code, Code::UnknownSociety);
        assert_eq!(found.field.as_deref(), Some("society"));
        assert_eq!(found.cell.as_deref(), Some("B2"));
        assert!(found.message.contains("单元格 B2") && found.message.contains("常州市天文学会"));
    }

    #[test]
    fn a_missing_name_is_not_sent_to_review() {
        let reading = complete_service()
            .with("society", "A2", None, Outcome::Empty)
            .with("credit_code", "A3", Some("B3"), text("51320400MJ5860149X"));
        assert_eq!(
            check(&reading, identify(&reading, &roster()), &call_2020()),
            None
        );
    }

    #[test]
    fn another_societys_credit_code_is_a_mismatch() {
        let reading =
            complete_service().with("credit_code", "A3", Some("B3"), text("51320400508785371J"));
        let found = check(&reading, identify(&reading, &roster()), &call_2020()).unwrap();
        assert_eq!(found.code, Code::CreditCodeMismatch);
        assert_eq!(found.field.as_deref(), Some("credit_code"));
        assert!(found.message.contains("51320400508785371J"));
        assert!(
            found
                .message
                .contains("常州市电子学会登记的统一社会信用代码 51320400MJ58601481")
        );
    }

    fn verdict_for(society: &str) -> ApplicationVerdict {
        ApplicationVerdict {
            attachment: None,
            sheet: "申报书".into(),
            status: Status::Accepted,
            fields: vec![("society".into(), FieldValue::Text(society.into()))],
            deficiencies: vec![],
        }
    }

    #[test]
    fn the_sender_is_compared_without_case_and_display_name() {
        let roster = roster();
        let app = verdict_for("常州市营养学会");
        assert_eq!(check_sender(&app, "CZYYXH_MS@163.com", &roster), None);
        assert_eq!(check_sender(&app, "唐小芳 <czyyxh@126.com>", &roster), None);
        let warning = check_sender(&app, "xiaofang@qq.com", &roster).unwrap();
        assert_eq!(
            (warning.code, warning.field, warning.cell),
            (Code::SenderUnverified, None, None)
        );
        assert!(warning.message.contains("xiaofang@qq.com"));
    }

    #[test]
    fn an_unknown_society_has_no_sender_to_check() {
        assert_eq!(
            check_sender(&verdict_for("常州市天文学会"), "a@b.cn", &roster()),
            None
        );
    }
}
