//! The rules end to end on readings built by hand (as `form::read` gives them):
//! each code `rules` produces, with its field, its cell and a message that
//! names the cell and the value.

mod rules_support;

use shenbao::form::Outcome;
use shenbao::rules::{self, RuleSet};
use shenbao::verdict::{Code, FieldValue, Status};

use rules_support::*;

#[test]
fn a_complete_category_3_application_is_accepted_under_the_roster_name() {
    let verdict = service().check(&call_2020());
    assert_eq!(verdict.deficiencies, vec![]);
    assert_eq!(verdict.status, Status::Accepted);
    assert_eq!(verdict.sheet, "申报书");
    assert_eq!(verdict.attachment.as_deref(), Some("申报书.xlsx"));
    let society = verdict.field("society").and_then(FieldValue::as_text);
    assert_eq!(society, Some("常州市电子学会"));
    assert_eq!(
        verdict.field("category"),
        Some(&FieldValue::Text("service".into()))
    );
    assert_eq!(verdict.field("amount"), Some(&FieldValue::Integer(9000)));
    assert_eq!(
        verdict.fields.first().map(|(k, _)| k.as_str()),
        Some("society")
    );
    assert_eq!(
        verdict.fields.last().map(|(k, _)| k.as_str()),
        Some("declared_on")
    );
}

#[test]
fn an_empty_required_field_is_missing_at_its_label() {
    let verdict = service()
        .set("contact", 8, Outcome::Empty)
        .check(&call_2020());
    assert_only(
        &verdict,
        Code::MissingField,
        Some("contact"),
        Some("A8"),
        "联系人",
    );
    assert!(verdict.field("contact").is_none());
}

#[test]
fn a_malformed_phone_is_an_invalid_value() {
    let verdict = service()
        .set("mobile", 9, invalid("1391234", "不是有效的手机号码"))
        .check(&call_2020());
    assert_only(
        &verdict,
        Code::InvalidValue,
        Some("mobile"),
        Some("B9"),
        "1391234",
    );
    assert!(
        verdict.deficiencies[0].message.contains("13912345678"),
        "says what is allowed"
    );
}

#[test]
fn a_wrong_check_character_is_an_invalid_credit_code() {
    let verdict = service()
        .set(
            "credit_code",
            3,
            invalid("51320400MJ58601482", "校验位不正确"),
        )
        .check(&call_2020());
    let value = "51320400MJ58601482";
    assert_only(
        &verdict,
        Code::InvalidCreditCode,
        Some("credit_code"),
        Some("B3"),
        value,
    );
    assert_eq!(
        verdict.field("society").and_then(FieldValue::as_text),
        Some("常州市电子学会")
    );
}

#[test]
fn another_societys_valid_code_is_a_mismatch() {
    let verdict = service()
        .set("credit_code", 3, text("51320400508785371J"))
        .check(&call_2020());
    let value = "51320400508785371J";
    assert_only(
        &verdict,
        Code::CreditCodeMismatch,
        Some("credit_code"),
        Some("B3"),
        value,
    );
}

#[test]
fn two_check_marks_are_an_unknown_category() {
    let marks = "☑科技服务特色学会 ☑科普创新特色学会";
    let verdict = service()
        .set("category", 4, invalid(marks, "勾选了两项"))
        .check(&call_2020());
    assert_only(
        &verdict,
        Code::UnknownCategory,
        Some("category"),
        Some("B4"),
        marks,
    );
    assert!(
        verdict.field("category").is_none(),
        "an unknown category is left out"
    );
}

#[test]
fn category_2_without_its_subcategory_is_missing_one() {
    let verdict = service()
        .set("category", 4, text("academic"))
        .set("subcategory", 5, text("soft_science"))
        .check(&call_2020());
    let value = "软科学课题研究";
    assert_only(
        &verdict,
        Code::MissingSubcategory,
        Some("subcategory"),
        Some("B5"),
        value,
    );
}

#[test]
fn an_amount_above_the_category_range_is_out_of_range() {
    let verdict = service()
        .set("category", 4, text("popularization"))
        .set("amount", 13, yuan(15000))
        .check(&call_2020());
    assert_only(
        &verdict,
        Code::AmountOutOfRange,
        Some("amount"),
        Some("B13"),
        "15000",
    );
    let message = &verdict.deficiencies[0].message;
    assert!(message.contains("申请资助金额 15000 元超出科普创新特色学会上限 10000 元"));
}

#[test]
fn any_amount_for_category_4_is_out_of_range() {
    let think_tank = service()
        .set("category", 4, text("think_tank"))
        .set("subcategory", 5, text("suggestion"))
        .drop("start_date")
        .drop("end_date");
    let verdict = think_tank.set("amount", 13, yuan(8000)).check(&call_2020());
    assert_only(
        &verdict,
        Code::AmountOutOfRange,
        Some("amount"),
        Some("B13"),
        "8000",
    );
    let think_tank =
        service()
            .set("category", 4, text("think_tank"))
            .set("subcategory", 5, text("suggestion"));
    assert_eq!(
        think_tank
            .set("amount", 13, Outcome::Empty)
            .check(&call_2020())
            .deficiencies,
        vec![]
    );
}

#[test]
fn a_start_before_the_period_is_out_of_range_on_the_start() {
    let verdict = service()
        .set("start_date", 11, day(2019, 8, 20))
        .check(&call_2020());
    let value = "2019年8月20日";
    assert_only(
        &verdict,
        Code::PeriodOutOfRange,
        Some("start_date"),
        Some("B11"),
        value,
    );
}

#[test]
fn an_end_after_the_period_is_out_of_range_on_the_end() {
    let verdict = service()
        .set("end_date", 12, day(2020, 9, 15))
        .check(&call_2020());
    let value = "2020年9月15日";
    assert_only(
        &verdict,
        Code::PeriodOutOfRange,
        Some("end_date"),
        Some("B12"),
        value,
    );
}

#[test]
fn a_start_after_the_end_is_out_of_range_on_the_end() {
    let verdict = service()
        .set("start_date", 11, day(2020, 5, 10))
        .set("end_date", 12, day(2020, 5, 9))
        .check(&call_2020());
    let value = "2020年5月9日";
    assert_only(
        &verdict,
        Code::PeriodOutOfRange,
        Some("end_date"),
        Some("B12"),
        value,
    );
    assert!(verdict.deficiencies[0].message.contains("2020年5月10日"));
}

#[test]
fn the_same_project_under_two_categories_goes_to_review_on_both() {
    let call = call_2020();
    let popularization = service()
        .set("category", 4, text("popularization"))
        .check(&call);
    let mut applications = vec![service().check(&call), popularization];
    rules::check_duplicates(&mut applications);
    for verdict in &applications {
        assert_only(
            verdict,
            Code::DuplicateApplication,
            Some("project_name"),
            None,
            "电子信息企业产品电磁兼容检测技术服务",
        );
        assert_eq!(verdict.status, Status::Review);
    }
}

#[test]
fn an_unknown_society_goes_to_review() {
    let verdict = service()
        .set("society", 2, text("常州市天文学会"))
        .set("credit_code", 3, text("51320400MA1XYZ1234"))
        .check(&call_2020());
    assert_only(
        &verdict,
        Code::UnknownSociety,
        Some("society"),
        Some("B2"),
        "常州市天文学会",
    );
    assert_eq!(verdict.status, Status::Review);
    assert_eq!(
        verdict.field("society").and_then(FieldValue::as_text),
        Some("常州市天文学会")
    );
}

#[test]
fn an_unregistered_sender_is_a_warning_and_stays_accepted() {
    let (call, roster) = (call_2020(), roster());
    let rules = RuleSet {
        call: &call,
        roster: &roster,
    };
    let mut registered = service().check(&call);
    rules::check_sender(&mut registered, "CZDZXH@163.com", rules);
    assert_eq!(registered.deficiencies, vec![]);

    let mut personal = service().check(&call);
    rules::check_sender(&mut personal, "hanxue1988@qq.com", rules);
    assert_only(
        &personal,
        Code::SenderUnverified,
        None,
        None,
        "hanxue1988@qq.com",
    );
    assert_eq!(personal.status, Status::Accepted);
}

#[test]
fn late_by_one_second_is_rejected_and_the_deadline_second_is_on_time() {
    let (call, roster) = (call_2020(), roster());
    let rules = RuleSet {
        call: &call,
        roster: &roster,
    };
    assert_eq!(
        rules::check_deadline(at("2020-08-31T23:59:59+08:00"), rules),
        None
    );
    let late = rules::check_deadline(at("2020-09-01T00:00:00+08:00"), rules)
        .expect("one second late is late");
    assert_eq!(
        (late.code, &late.field, &late.cell),
        (Code::LateSubmission, &None, &None)
    );
    assert_eq!(Status::of(std::slice::from_ref(&late)), Status::Rejected);
    assert!(
        late.message.contains("2020年9月1日 00:00:00"),
        "{}",
        late.message
    );
    assert!(late.message.contains("2020年8月31日 24:00"));
    let morning = rules::check_deadline(at("2020-09-01T08:12:30+08:00"), rules).unwrap();
    assert!(
        morning
            .message
            .contains("于 2020年9月1日 08:12 收到，已超过截止时间 2020年8月31日 24:00")
    );
}
