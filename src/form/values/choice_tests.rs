use super::*;
use crate::config::Call;
use proptest::prelude::*;

fn tables() -> CategoryTables {
    let call = Call::load("config/call-2020.toml".as_ref()).expect("the shipped call loads");
    CategoryTables::new(&call.categories)
}

fn category(text: &str) -> Outcome {
    read_choice(text, &tables().categories, "申报类别")
}

fn key(k: &str) -> Outcome {
    Outcome::Value(FieldValue::Text(k.to_string()))
}

#[test]
fn every_written_form_of_a_category() {
    for s in [
        "学术创新特色学会",
        "学术创新",
        "2",
        "二",
        "2.学术创新特色学会",
        "2、学术创新",
        "（二）学术创新特色学会",
        "第二类",
        " 学 术 创 新 ",
        "学术创新特色学会。",
        "□自身建设突出学会 ☑学术创新特色学会 □科技服务特色学会",
        "□1.自身建设突出学会 ✔2.学术创新特色学会",
        "自身建设□ 学术创新√",
        "学术创新特色学会（学术会议类）",
    ] {
        assert_eq!(category(s), key("academic"), "{s}");
    }
    assert_eq!(category("科技智库"), key("think_tank"));
    assert_eq!(category("智库建设"), key("think_tank"));
    assert_eq!(category("六"), key("worker"));
}

#[test]
fn marks_must_be_exactly_one() {
    let none = "□自身建设突出学会 □学术创新特色学会";
    match category(none) {
        Outcome::Invalid { found, problem } => {
            assert_eq!(found, none);
            assert!(problem.contains("未勾选申报类别"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
    match category("☑自身建设突出学会 ☑学术创新特色学会") {
        Outcome::Invalid { problem, .. } => assert!(problem.contains("多个"), "{problem}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_and_conflicting() {
    match category("优秀学会") {
        Outcome::Invalid { problem, .. } => {
            assert!(problem.contains("2.学术创新特色学会"), "{problem}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(category("7"), Outcome::Invalid { .. }));
    match category("3.学术创新特色学会") {
        Outcome::Invalid { problem, .. } => assert!(problem.contains("不一致"), "{problem}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(category("无"), Outcome::Empty);
}

#[test]
fn subcategories_within_the_chosen_category() {
    let t = tables();
    let sub = |cat: Option<&str>, s: &str| read_choice(s, t.subcategories_of(cat), "项目子类");
    assert_eq!(sub(Some("academic"), "2"), key("seminar"));
    assert_eq!(sub(Some("think_tank"), "2"), key("suggestion"));
    assert_eq!(
        sub(Some("think_tank"), "《科技工作者建议》"),
        key("suggestion")
    );
    assert_eq!(sub(Some("academic"), "学术沙龙"), key("salon"));
    assert_eq!(sub(None, "新观点新学说学术沙龙"), key("salon"));
    assert_eq!(sub(None, "软科学"), key("soft_science"));
    match sub(None, "1") {
        Outcome::Invalid { problem, .. } => assert!(problem.contains("无法确定"), "{problem}"),
        other => panic!("{other:?}"),
    }
    // A category without sub-categories looks among all.
    assert_eq!(sub(Some("service"), "学术沙龙"), key("salon"));
    assert_eq!(
        sub(Some("academic"), "☐大型综合学术会议 ☑小型高端学术研讨会"),
        key("seminar")
    );
}

proptest! {
    #[test]
    fn any_category_by_any_of_its_forms(i in 0usize..6, form in 0usize..5, blanks in 0usize..6) {
        let call = Call::load("config/call-2020.toml".as_ref()).unwrap();
        let t = CategoryTables::new(&call.categories);
        let c = &call.categories[i];
        let written = match form {
            0 => c.name.clone(),
            1 => c.short_names[0].clone(),
            2 => c.numerals[1].clone(),
            3 => format!("{}.{}", c.number, c.name),
            _ => {
                // A check-box row marking this one among some blanks.
                let others = call.categories.iter().filter(|o| o.key != c.key).take(blanks);
                let mut row: Vec<String> = others.map(|o| format!("□{}", o.name)).collect();
                row.insert(blanks.min(row.len()) / 2, format!("☑{}", c.name));
                row.join(" ")
            }
        };
        prop_assert_eq!(read_choice(&written, &t.categories, "申报类别"), key(&c.key));
    }

    #[test]
    fn never_panics(s in "[□☑√ 0-9一二三\\p{Han}.、()]{0,30}") {
        let _ = category(&s);
    }
}
