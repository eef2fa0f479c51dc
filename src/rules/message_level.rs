//! Deficiencies about a whole message rather than one application: rule 5
//! (the deadline) and the codes `process` raises while taking a message apart.
//!
//! They name no field and no cell (`check-json.md`); the wording is in `text.rs`.

use jiff::Timestamp;

use crate::config::Call;
use crate::verdict::{Code, Deficiency};
use crate::workbook::WorkbookError;

use super::text;

/// No attachment holds an application sheet.
pub fn no_form_found() -> Deficiency {
    Deficiency::message_level(Code::NoFormFound, text::no_form_found())
}

/// No attachment is evidence (work summary, proof of results).
pub fn missing_evidence() -> Deficiency {
    Deficiency::message_level(Code::MissingEvidence, text::missing_evidence())
}

/// A workbook that could not be read; the message names `filename` and says what to do for `reason`.
pub fn unreadable_attachment(filename: &str, reason: &WorkbookError) -> Deficiency {
    Deficiency::message_level(
        Code::UnreadableAttachment,
        text::unreadable_attachment(filename, reason),
    )
}

/// The body links 超大附件 (cloud downloads) instead of attaching the files.
pub fn cloud_attachment() -> Deficiency {
    Deficiency::message_level(Code::CloudAttachment, text::cloud_attachment())
}

/// A message or attachment over a configured limit; `what` says which and by how much,
/// e.g. "邮件（62 MB，上限 50 MB）".
pub fn too_large(what: &str) -> Deficiency {
    Deficiency::message_level(Code::TooLarge, text::too_large(what))
}

/// True when `received_at` is after the call's deadline.
///
/// Compared in whole seconds: the deadline is written to the second and mail
/// servers stamp to the second, so 23:59:59.5 is still "at 23:59:59".
pub fn is_late(received_at: Timestamp, call: &Call) -> bool {
    received_at.as_second() > call.deadline.as_second()
}

/// The `late_submission` deficiency, times in the call's time zone.
pub fn late_submission(received_at: Timestamp, call: &Call) -> Deficiency {
    let received = received_at.to_zoned(call.time_zone.clone());
    let deadline = call.deadline.to_zoned(call.time_zone.clone());
    // Within a minute of the deadline "08:12"-style times would look on time.
    let with_seconds = received_at.as_second() - call.deadline.as_second() < 60;
    Deficiency::message_level(
        Code::LateSubmission,
        text::late_submission(
            &text::time_zh(&received, with_seconds),
            &text::deadline_zh(&deadline),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::call_2020;

    fn at(rfc3339: &str) -> Timestamp {
        rfc3339.parse().expect("a test timestamp")
    }

    #[test]
    fn the_deadline_second_itself_is_on_time() {
        let call = call_2020();
        assert!(!is_late(at("2020-08-31T23:59:59+08:00"), &call));
        assert!(!is_late(at("2020-08-31T23:59:59.900+08:00"), &call));
        assert!(is_late(at("2020-09-01T00:00:00+08:00"), &call));
        assert!(is_late(at("2020-08-31T16:00:00Z"), &call), "any offset");
    }

    #[test]
    fn the_late_message_gives_both_times_in_the_call_zone() {
        let late = late_submission(at("2020-09-01T00:12:30Z"), &call_2020());
        assert_eq!(
            (late.code, late.field, late.cell),
            (Code::LateSubmission, None, None)
        );
        assert!(
            late.message
                .contains("于 2020年9月1日 08:12 收到，已超过截止时间 2020年8月31日 24:00"),
            "{}",
            late.message
        );
        let just = late_submission(at("2020-09-01T00:00:00+08:00"), &call_2020());
        assert!(
            just.message.contains("2020年9月1日 00:00:00 收到"),
            "{}",
            just.message
        );
    }

    #[test]
    fn unreadable_attachments_are_named_with_what_to_do() {
        let encrypted = unreadable_attachment("气象学会申报书.xlsx", &WorkbookError::Encrypted);
        assert_eq!(encrypted.code, Code::UnreadableAttachment);
        assert!(encrypted.message.contains("「气象学会申报书.xlsx」"));
        assert!(encrypted.message.contains("密码") && encrypted.message.contains("不带密码"));
        let corrupt = unreadable_attachment("a.xlsx", &WorkbookError::Corrupt("zip".into()));
        assert!(corrupt.message.contains("另存为") && corrupt.message.contains(".xlsx"));
        let not = unreadable_attachment("b.xls", &WorkbookError::NotAWorkbook("random".into()));
        assert!(not.message.contains("「b.xls」") && not.message.contains("另存为"));
        let big = unreadable_attachment(
            "c.xlsx",
            &WorkbookError::TooLarge("超过 50 个工作表".into()),
        );
        assert!(big.message.contains("超过 50 个工作表"));
    }

    #[test]
    fn the_other_message_codes_explain_the_fix() {
        assert_eq!(no_form_found().code, Code::NoFormFound);
        assert!(no_form_found().message.contains("附件"));
        assert!(missing_evidence().message.contains("佐证材料"));
        let cloud = cloud_attachment();
        assert!(cloud.message.contains("超大附件") && cloud.message.contains("压缩"));
        let big = too_large("邮件（62 MB，上限 50 MB）");
        assert_eq!(
            (big.code, big.field, big.cell),
            (Code::TooLarge, None, None)
        );
        assert!(big.message.contains("上限 50 MB"));
    }
}
