//! Reading applications: repeated labels, malformed values, and which sheets are applications.

mod form_support;

use form_support::*;
use shenbao::form::{FormReader, Outcome, is_application_sheet, read};
use shenbao::workbook::Sheet;

#[test]
fn a_repeated_label_takes_the_first_with_a_value() {
    let rows: &[&[&str]] = &[
        &["学会名称", ""],
        &["申报类别", "1"],
        &["学会名称", "常州市电子学会"],
        &["学会名称", "另一个学会"],
    ];
    let r = read_ok(&sheet(rows, &["B1:C1"]));
    assert_eq!(outcome(&r, "society"), text("常州市电子学会"));
    assert_eq!(field(&r, "society").label_cell, "A3");
}

#[test]
fn malformed_values_are_invalid_with_a_chinese_problem_and_their_cell() {
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市电子学会"],
        &["统一社会信用代码", "51320400MJ58601482"],
        &["申报类别", "优秀学会"],
        &["手机", "1380689260"],
        &["电子邮箱", "czdzxh@163"],
        &["申报日期", "2020-02-30"],
        &["申请金额", "8000.50元"],
        &["项目名称", &"长".repeat(101)],
    ];
    let r = read_ok(&sheet(rows, &[]));
    assert!(problem(&r, "credit_code").contains("校验位"));
    assert!(problem(&r, "category").contains("学术创新特色学会"));
    assert_eq!(
        problem(&r, "mobile"),
        "不是有效的手机号码（应为11位手机号或带区号的固定电话）"
    );
    assert!(problem(&r, "email").contains("电子邮箱"));
    assert!(problem(&r, "declared_on").contains("不存在"));
    assert!(problem(&r, "amount").contains("整元"));
    assert!(problem(&r, "project_name").starts_with("超过100字"));
    assert_eq!(field(&r, "mobile").cell(), "B4");
    match outcome(&r, "mobile") {
        Outcome::Invalid { found, .. } => assert_eq!(found, "1380689260"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_sheets_with_society_and_category_labels_are_applications() {
    let c = call();
    let instructions = sheet(
        &[
            &["填表说明"],
            &["1. 学会名称请填写登记证书上的全称。"],
            &["2. 申报类别请从下拉列表中选择。"],
        ],
        &[],
    );
    assert!(!is_application_sheet(&instructions, &c));
    assert_eq!(read(&instructions, &c), None);
    let society_only = sheet(&[&["学会名称", "常州市电子学会"]], &[]);
    assert!(!is_application_sheet(&society_only, &c));
    // By alias, and whatever the sheet is called: visibility is the workbook's business.
    let mut by_alias = sheet(
        &[&["申报单位：", "常州市电子学会"], &["项目类别", "一"]],
        &[],
    );
    by_alias.name = "Sheet3".into();
    assert!(is_application_sheet(&by_alias, &c));
    let reader = FormReader::new(&c);
    assert!(reader.is_application_sheet(&by_alias));
    assert_eq!(
        reader.read(&by_alias).map(|r| r.sheet),
        Some("Sheet3".to_string())
    );
    assert!(!is_application_sheet(&Sheet::default(), &c));
}

mod random_sheets {
    use super::*;
    use proptest::prelude::*;
    use shenbao::workbook::{Cell, CellValue, Merge};

    /// Texts a sheet is made of: labels, values, check boxes, blanks.
    const WORDS: [&str; 14] = [
        "学会名称",
        "申报类别",
        "项目子类",
        "项目起止时间",
        "申请资助金额（万元）",
        "手机",
        "项目简介",
        "常州市电子学会",
        "☑学术创新 □科技服务",
        "2",
        "2019-10-12-2019-10-13",
        "0.6",
        " ",
        "学会名称",
    ];

    fn cell() -> impl Strategy<Value = Cell> {
        (
            0u32..12,
            0u32..6,
            0usize..WORDS.len(),
            any::<f64>(),
            any::<bool>(),
        )
            .prop_map(|(row, col, word, n, numeric)| Cell {
                row,
                col,
                value: if numeric {
                    CellValue::Number(n)
                } else {
                    CellValue::Text(WORDS[word].to_string())
                },
            })
    }

    fn merge() -> impl Strategy<Value = Merge> {
        // Overlapping and inverted merges too: a hostile file may hold them.
        (0u32..12, 0u32..6, 0u32..12, 0u32..6).prop_map(|(a, b, c, d)| Merge {
            first_row: a,
            first_col: b,
            last_row: c,
            last_col: d,
        })
    }

    proptest! {
        #[test]
        fn any_sheet_reads_without_panicking(
            mut cells in prop::collection::vec(cell(), 0..60),
            merges in prop::collection::vec(merge(), 0..8),
            sorted in any::<bool>(),
        ) {
            if sorted {
                cells.sort_by_key(|c| (c.row, c.col));
                cells.dedup_by_key(|c| (c.row, c.col));
            }
            let sheet = Sheet { name: "x".into(), cells, merges };
            let c = call();
            let is_application = is_application_sheet(&sheet, &c);
            let reading = read(&sheet, &c);
            prop_assert_eq!(is_application, reading.is_some());
            if let Some(reading) = reading {
                let mut keys: Vec<&str> = reading.fields.iter().map(|f| f.key.as_str()).collect();
                let before = keys.len();
                keys.sort();
                keys.dedup();
                prop_assert_eq!(keys.len(), before, "one reading per key");
            }
        }
    }
}
