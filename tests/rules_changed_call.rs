//! Verdicts follow the call file: a changed copy of `config/call-2020.toml`
//! (another deadline, another amount range, a seventh category, a renamed
//! label) changes them with no change in code.

mod rules_support;

use shenbao::config::Call;
use shenbao::form::Outcome;
use shenbao::rules::{self, RuleSet};
use shenbao::verdict::{Code, FieldValue};

use rules_support::*;

/// The 2020 call with another deadline, another range for category 3, a
/// seventh category and 项目名称 renamed 活动名称.
fn changed_call() -> Call {
    let original = std::fs::read_to_string("config/call-2020.toml").expect("the call file");
    let edits = [
        (
            "deadline = \"2020-08-31T23:59:59\"",
            "deadline = \"2021-09-30T17:00:00\"",
        ),
        (
            "amount = { min = 5000, max = 10000 }\nquota = 15",
            "amount = { min = 2000, max = 20000 }\nquota = 15",
        ),
        ("label = \"项目名称\"", "label = \"活动名称\""),
    ];
    let mut changed = original;
    for (from, to) in edits {
        assert!(changed.contains(from), "{from:?} is in the call file");
        changed = changed.replacen(from, to, 1);
    }
    changed.push_str(
        r#"
[[categories]]
key = "young_talent"
number = 7
name = "青年科技人才托举项目"
short_names = ["青年托举"]
numerals = ["7", "七"]
amount = { min = 2000, max = 3000 }
quota_unit = "学会"
requires = ["project_name", "worker_name", "amount"]
"#,
    );
    Call::parse(&changed, "call-changed.toml").expect("the changed call parses")
}

/// The changed call with the shipped roster.
fn with_rules<T>(judge: impl FnOnce(RuleSet<'_>) -> T) -> T {
    let (call, roster) = (changed_call(), roster());
    judge(RuleSet {
        call: &call,
        roster: &roster,
    })
}

#[test]
fn the_deadline_is_the_changed_one() {
    with_rules(|rules| {
        let late_in_2020 = at("2020-09-01T08:12:30+08:00");
        assert_eq!(rules::check_deadline(late_in_2020, rules), None);
        assert_eq!(
            rules::check_deadline(at("2021-09-30T17:00:00+08:00"), rules),
            None
        );
        let late = rules::check_deadline(at("2021-09-30T17:00:01+08:00"), rules)
            .expect("a second after the new deadline is late");
        assert!(
            late.message.contains("2021年9月30日 17:00:01 收到"),
            "{}",
            late.message
        );
        assert!(late.message.contains("截止时间 2021年9月30日 17:00"));
    });
}

#[test]
fn category_3_takes_the_changed_range() {
    let call = changed_call();
    let big = service().set("amount", 13, yuan(15000)).check(&call);
    assert_eq!(big.deficiencies, vec![], "15000 is inside 2000..=20000");
    let too_big = service().set("amount", 13, yuan(25000)).check(&call);
    let value = "申请资助金额 25000 元超出科技服务特色学会上限 20000 元";
    assert_only(
        &too_big,
        Code::AmountOutOfRange,
        Some("amount"),
        Some("B13"),
        value,
    );
}

/// Category 7 with the worker it requires.
fn young_talent() -> Sheet {
    service()
        .set("category", 4, text("young_talent"))
        .set("worker_name", 18, text("王晓"))
}

#[test]
fn a_seventh_category_is_known_with_its_own_range_and_requirements() {
    let call = changed_call();
    let accepted = young_talent().set("amount", 13, yuan(2500)).check(&call);
    assert_eq!(accepted.deficiencies, vec![]);
    let category = accepted.field("category");
    assert_eq!(category, Some(&FieldValue::Text("young_talent".into())));

    let over = young_talent().set("amount", 13, yuan(5000)).check(&call);
    let value = "青年科技人才托举项目上限 3000 元";
    assert_only(
        &over,
        Code::AmountOutOfRange,
        Some("amount"),
        Some("B13"),
        value,
    );

    let no_worker = young_talent()
        .drop("worker_name")
        .set("amount", 13, yuan(2500))
        .check(&call);
    let value = "申报青年科技人才托举项目须填写「社团工作者姓名」";
    assert_only(
        &no_worker,
        Code::MissingField,
        Some("worker_name"),
        None,
        value,
    );
}

#[test]
fn the_seventh_category_is_offered_in_the_changed_call_only() {
    let unknown = service()
        .set("category", 4, invalid("八", "不是本次申报的类别"))
        .check(&changed_call());
    assert!(
        unknown.deficiencies[0]
            .message
            .contains("7 青年科技人才托举项目")
    );
    let in_2020 = young_talent().check(&call_2020());
    assert_eq!(in_2020.deficiencies[0].code, Code::UnknownCategory);
}

#[test]
fn messages_use_the_renamed_label() {
    let unnamed = service()
        .set("project_name", 6, Outcome::Empty)
        .check(&changed_call());
    let value = "「活动名称」";
    assert_only(
        &unnamed,
        Code::MissingField,
        Some("project_name"),
        Some("A6"),
        value,
    );
    let in_2020 = service()
        .set("project_name", 6, Outcome::Empty)
        .check(&call_2020());
    assert!(in_2020.deficiencies[0].message.contains("「项目名称」"));
}
